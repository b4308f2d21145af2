/*
 * exchange_csv.c - reader for Exchange's CSV logs: HttpProxy (every protocol
 * folder), ECP Server and OABGenerator logs, and any other Exchange CSV log
 * for coverage.
 *
 * State: the log type (from "#Log-type:" or from the header's column names)
 * and the column layout, taken from a "#Fields:" directive or a bare CSV
 * header line ("DateTime,RequestId,..."). Columns are mapped by header name,
 * because the field sets vary between Exchange builds. ECP Server EventData
 * is split into its S:KEY=value items (quoted items may hold ';'), so the
 * command and URL are fields, not a regex over the whole line. OABGenerator
 * lines without a layout are read positionally: time, server, message.
 *
 * Without a layout (a fragment, or a log that lost its header), the first
 * data line's shape picks one (classify()): an ISO time, a GUID and four
 * version numbers are an HttpProxy row (hp_columns); an ISO time, a server
 * name, an event id and S:KEY=value EventData an ECP Server row
 * (ecp_columns); an ISO time, a server name and free text an OABGenerator
 * line. A "#Log-type:" without "#Fields:" implies its type's layout too.
 * The implied layout holds until a "#Fields:" or bare header line.
 *
 * PowerShell Export-Csv files of such rows (Test-ProxyLogon's CVE-2021-26855
 * output, or an analyst's Import-Csv | Where-Object | Export-Csv): an
 * optional "#TYPE <.NET type>" line, then a header with every name quoted
 * ("DateTime","RequestId","ClientIpAddress",...: any subset of the columns,
 * in any order), then rows with every value quoted. Test-ProxyLogon selects
 * DateTime, RequestId, ClientIPAddress, UrlHost, UrlStem, RoutingHint,
 * UserAgent, AnchorMailbox and HttpStatus before Export-Csv
 * (https://github.com/microsoft/CSS-Exchange, Security/src/
 * Test-ProxyLogon.ps1). The quoted header is a layout like a bare one; the
 * log type comes from the columns (exch_specific).
 *
 * Lenient re-read: a line the strict split rejects (a quote that never
 * closes, or more values than columns) is read again as Python's csv module
 * and Excel read it: a quote inside an unquoted field is a literal, and a
 * quoted field whose closing quote is not followed by a comma is taken as
 * unquoted. For an ECP Server layout, EventData is everything after the
 * leading columns, commas included: advisories print the CVE-2021-27065
 * Set-OabVirtualDirectory line without its outer CSV quotes, and the comma
 * in its eval(...,"unsafe") would otherwise overflow the columns. Lines read
 * so are counted and noted once per file with their first line numbers.
 */
#include "core/timeutil.h"
#include "exchange/builds.h"
#include "readers/csv.h"
#include "readers/reader.h"
#include "readers/shape.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

typedef enum log_type { LT_OTHER, LT_HTTPPROXY, LT_ECP, LT_OABGEN } log_type;

enum {
  COL_IGNORE = -1,
  COL_TIME = -2,
  COL_ECPDATA = -3,
  COL_VER0 = -4, /* MajorVersion .. RevisionVersion: COL_VER0 - part */
  COL_VER3 = -7
};

typedef struct exch_state {
  log_type type;
  bool type_from_directive;
  bool implied; /* layout implied by the line shape or #Log-type */
  int ncols;
  int col[SP_MAX_COLUMNS];
  uint64_t n_lenient;     /* lines read by the lenient re-read */
  uint64_t lenient_at[3]; /* the first of them */
  char build[32];         /* the "#Version:" header's build, normalised */
  uint8_t build_len;
  /* The last row's version columns as written ("15.1.2176.2") and their
     normal form: rows of one file repeat them, so they are parsed once. */
  char ver_raw[80];
  uint8_t ver_raw_len;
  char ver_build[32];
  uint8_t ver_build_len;
} exch_state;

/* The HttpProxy columns of Exchange 2016/2019, in the order of their
 * #Fields line (as tools/gen writes them). Exchange 2013 rows have fewer
 * columns (64) but the same first HP_STABLE_COLUMNS, DateTime through
 * ResponseBytes (consistent with a published Exchange 15.0 HttpProxy row:
 * Wazuh's ruleset test ruleset/testing/tests/exchange.ini,
 * https://github.com/wazuh/wazuh); so a headerless row of another width is
 * mapped only that far. */
static const char hp_columns[] =
    "DateTime,RequestId,MajorVersion,MinorVersion,BuildVersion,"
    "RevisionVersion,ClientRequestId,Protocol,UrlHost,UrlStem,ProtocolAction,"
    "AuthenticationType,IsAuthenticated,AuthenticatedUser,Organization,"
    "AnchorMailbox,UserAgent,ClientIpAddress,ServerHostName,HttpStatus,"
    "BackEndStatus,ErrorCode,Method,ProxyAction,TargetServer,"
    "TargetServerVersion,RoutingType,RoutingHint,BackEndCookie,"
    "ServerLocatorHost,ServerLocatorLatency,RequestBytes,ResponseBytes,"
    "TargetOutstandingRequests,AuthModulePerfContext,HttpPipelineLatency,"
    "CalculateTargetBackEndLatency,GlsLatencyBreakup,TotalGlsLatency,"
    "AccountForestLatencyBreakup,TotalAccountForestLatency,"
    "ResourceForestLatencyBreakup,TotalResourceForestLatency,ADLatency,"
    "SharedCacheLatencyBreakup,TotalSharedCacheLatency,"
    "ActivityContextLifeTime,ModuleToHandlerSwitchingLatency,"
    "ClientReqStreamLatency,BackendReqInitLatency,BackendReqStreamLatency,"
    "BackendProcessingLatency,BackendRespInitLatency,"
    "BackendRespStreamLatency,ClientRespStreamLatency,"
    "KerberosAuthHeaderLatency,HandlerCompletionLatency,"
    "RequestHandlerLatency,HandlerToModuleSwitchingLatency,ProxyTime,"
    "CoreLatency,RoutingLatency,HttpProxyOverhead,TotalRequestTime,"
    "RouteRefresherLatency,UrlQuery,BackEndGenericInfo,GenericInfo,"
    "GenericErrors,EdgeTraceId,DatabaseGuid,UserADObjectGuid,"
    "PartitionEndpointLookupLatency,RoutingStatus";
#define HP_STABLE_COLUMNS 33

/* The ECP Server log columns (its #Fields line). */
static const char ecp_columns[] = "TimeStamp,ServerName,EventId,EventData";

typedef enum shape { SH_NONE, SH_ISO, SH_OAB, SH_ECP, SH_HTTPPROXY } shape;

/* The shape of a data line without a layout. SH_ISO: it starts with an ISO
 * time and a comma but has none of the known shapes. */
static shape classify(sp_str line) {
  sp_str t[7];
  size_t n = sp_shape_split(line, ',', t, 6);
  if (n < 2 || !sp_shape_iso8601(sp_str_trim(t[0])))
    return SH_NONE;
  if (n == 7 && sp_shape_guid(t[1]) && sp_shape_uint(t[2], 6) &&
      sp_shape_uint(t[3], 6) && sp_shape_uint(t[4], 6) &&
      sp_shape_uint(t[5], 6))
    return SH_HTTPPROXY;
  if (n < 3 || !sp_shape_name(t[1]))
    return SH_ISO;
  if (n >= 4 && sp_shape_name(t[2])) {
    sp_str d = t[3];
    if (d.n && d.p[0] == '"')
      d = sp_str_make(d.p + 1, d.n - 1);
    if (d.n && d.p[0] == '\'')
      d = sp_str_make(d.p + 1, d.n - 1);
    if (sp_str_istarts(d, "S:") && memchr(d.p, '=', d.n))
      return SH_ECP;
  }
  /* time,server,message: free text (with spaces) to the end of the line. */
  sp_str msg = sp_str_make(t[2].p, (size_t)(line.p + line.n - t[2].p));
  return memchr(msg.p, ' ', msg.n) && !sp_shape_name(t[2]) ? SH_OAB : SH_ISO;
}

static const struct {
  const char *name;
  int field;
} exch_map[] = {
    {"DateTime", COL_TIME},
    {"TimeStamp", COL_TIME},
    {"date-time", COL_TIME},
    {"Protocol", SP_F_EXCH_PROTOCOL},
    {"UrlHost", SP_F_URL_DOMAIN},
    {"UrlStem", SP_F_URL_PATH},
    {"UrlQuery", SP_F_URL_QUERY},
    {"AuthenticationType", SP_F_EXCH_AUTH_TYPE},
    {"IsAuthenticated", SP_F_EXCH_IS_AUTH},
    {"AuthenticatedUser", SP_F_USER_NAME},
    {"AnchorMailbox", SP_F_EXCH_ANCHOR},
    {"UserAgent", SP_F_USER_AGENT},
    {"ClientIpAddress", SP_F_SOURCE_IP},
    {"ServerHostName", SP_F_HOST_NAME},
    {"ServerName", SP_F_HOST_NAME},
    {"HttpStatus", SP_F_HTTP_STATUS},
    {"BackEndStatus", SP_F_EXCH_BACKEND_STATUS},
    {"Method", SP_F_HTTP_METHOD},
    {"TargetServer", SP_F_EXCH_TARGET},
    {"RoutingType", SP_F_EXCH_ROUTING},
    {"BackEndCookie", SP_F_EXCH_BECOOKIE},
    {"RequestBytes", SP_F_HTTP_BYTES_IN},
    {"ResponseBytes", SP_F_HTTP_BYTES_OUT},
    {"TotalRequestTime", SP_F_EVENT_DURATION_MS},
    {"EventId", SP_F_EVENT_ACTION},
    {"EventData", COL_ECPDATA},
    {"Message", SP_F_MESSAGE},
    {"Level", SP_F_LOG_LEVEL},
    {"MajorVersion", COL_VER0},
    {"MinorVersion", COL_VER0 - 1},
    {"BuildVersion", COL_VER0 - 2},
    {"RevisionVersion", COL_VER3},
};

/* Column names only Exchange logs have, and the log type each implies in an
 * exported file. Generic names (DateTime, UserAgent, Message) are not here:
 * a header must hold one of these to be taken as an Exchange export. */
static const struct {
  const char *name;
  log_type type;
} exch_specific[] = {
    {"AnchorMailbox", LT_HTTPPROXY},     {"RoutingHint", LT_HTTPPROXY},
    {"BackEndCookie", LT_HTTPPROXY},     {"ClientIpAddress", LT_HTTPPROXY},
    {"UrlStem", LT_HTTPPROXY},           {"UrlHost", LT_HTTPPROXY},
    {"RequestId", LT_HTTPPROXY},         {"TargetServer", LT_HTTPPROXY},
    {"ProxyAction", LT_HTTPPROXY},       {"BackEndStatus", LT_HTTPPROXY},
    {"ServerHostName", LT_HTTPPROXY},    {"RoutingType", LT_HTTPPROXY},
    {"AuthenticatedUser", LT_HTTPPROXY}, {"EventData", LT_ECP},
};

/* The log type a specific column name implies, or LT_OTHER. */
static log_type specific_type(sp_str name) {
  name = sp_str_trim(name);
  for (size_t i = 0; i < sizeof exch_specific / sizeof exch_specific[0]; i++)
    if (sp_str_ieq(name, exch_specific[i].name))
      return exch_specific[i].type;
  return LT_OTHER;
}

static void *exch_create(void) { return calloc(1, sizeof(exch_state)); }
static void exch_destroy(void *st) { free(st); }

static int map_name(sp_str name) {
  name = sp_str_trim(name);
  for (size_t i = 0; i < sizeof exch_map / sizeof exch_map[0]; i++)
    if (sp_str_ieq(name, exch_map[i].name))
      return exch_map[i].field;
  return COL_IGNORE;
}

static sp_source_kind kind_of(log_type t) {
  switch (t) {
  case LT_HTTPPROXY:
    return SP_SRC_EXCH_HTTPPROXY;
  case LT_ECP:
    return SP_SRC_EXCH_ECP;
  case LT_OABGEN:
    return SP_SRC_EXCH_OABGEN;
  default:
    return SP_SRC_EXCH_OTHER;
  }
}

static void set_layout(exch_state *s, sp_rctx *rc, const char *p, size_t n,
                       uint64_t lineno, bool exported) {
  s->implied = false;
  sp_str cols[SP_MAX_COLUMNS];
  bool bad;
  size_t nc = sp_csv_split(rc, p, n, cols, SP_MAX_COLUMNS, &bad);
  if (bad) {
    sp_rctx_malformed(rc, lineno, "bad or too wide #Fields header");
    s->ncols = 0;
    return;
  }
  bool anchor = false, ecpdata = false, hp_col = false;
  for (size_t i = 0; i < nc; i++) {
    s->col[i] = map_name(cols[i]);
    if (s->col[i] == SP_F_EXCH_ANCHOR)
      anchor = true;
    if (s->col[i] == COL_ECPDATA)
      ecpdata = true;
    if (exported && specific_type(cols[i]) == LT_HTTPPROXY)
      hp_col = true;
  }
  s->ncols = (int)nc;
  if (!s->type_from_directive) {
    if (anchor)
      s->type = LT_HTTPPROXY;
    else if (ecpdata)
      s->type = LT_ECP;
    else if (hp_col) /* an export of HttpProxy rows without AnchorMailbox */
      s->type = LT_HTTPPROXY;
  }
}

static void directive(exch_state *s, sp_rctx *rc, const char *p, size_t n,
                      uint64_t lineno) {
  sp_str line = sp_str_make(p, n);
  if (sp_str_istarts(line, "#Fields:")) {
    sp_str rest = sp_str_trim(sp_str_make(p + 8, n - 8));
    set_layout(s, rc, rest.p, rest.n, lineno, false);
  } else if (sp_str_istarts(line, "#Version:")) {
    /* Exchange writes its own build here ("15.01.2176.002"); IIS's
       "#Version: 1.0" is the W3C format's and has no three dots. */
    s->build_len = (uint8_t)sp_exch_build_norm(
        sp_str_trim(sp_str_make(p + 9, n - 9)), s->build, sizeof s->build);
  } else if (sp_str_istarts(line, "#Log-type:")) {
    s->type_from_directive = true;
    if (sp_str_ifind(line, "HttpProxy") >= 0)
      s->type = LT_HTTPPROXY;
    else if (sp_str_ifind(line, "ECP") >= 0)
      s->type = LT_ECP;
    else if (sp_str_ifind(line, "OABGenerator") >= 0)
      s->type = LT_OABGEN;
    else
      s->type = LT_OTHER;
  }
}

static bool is_bare_header(sp_str line) {
  return sp_str_istarts(line, "DateTime,") ||
         sp_str_istarts(line, "TimeStamp,") ||
         sp_str_istarts(line, "date-time,");
}

/* The first field of a line with its quotes removed (no unescaping). */
static sp_str first_field(sp_str line) {
  if (line.n && line.p[0] == '"') {
    const char *q = memchr(line.p + 1, '"', line.n - 1);
    size_t e = q ? (size_t)(q - line.p) : line.n;
    return sp_str_make(line.p + 1, e - 1);
  }
  const char *c = memchr(line.p, ',', line.n);
  return sp_str_make(line.p, c ? (size_t)(c - line.p) : line.n);
}

/* An Export-Csv header: a quoted first name, at least one name a column
 * only Exchange logs have, none of them a timestamp (a data row). */
static bool is_quoted_header(sp_rctx *rc, sp_str line) {
  if (!line.n || line.p[0] != '"' || sp_shape_iso8601(first_field(line)))
    return false;
  size_t mark = rc->scratch_used;
  sp_str cols[SP_MAX_COLUMNS];
  bool bad;
  size_t nc = sp_csv_split(rc, line.p, line.n, cols, SP_MAX_COLUMNS, &bad);
  bool specific = false;
  for (size_t i = 0; i < nc && !bad; i++) {
    if (sp_shape_iso8601(sp_str_trim(cols[i])))
      bad = true;
    else if (specific_type(cols[i]) != LT_OTHER)
      specific = true;
  }
  rc->scratch_used = mark;
  return !bad && specific;
}

/* One field of the lenient re-read at *i; *i moves past its comma, to n + 1
 * after the last field. A quoted field counts as quoted only when its
 * closing quote ends the line or comes before a comma; otherwise its quotes
 * are literal, as in an unquoted field. */
static sp_str lenient_field(sp_rctx *rc, const char *p, size_t n, size_t *i) {
  size_t b = *i;
  if (b < n && p[b] == '"') {
    size_t j = b + 1;
    while (j < n) {
      if (p[j] == '"') {
        if (j + 1 < n && p[j + 1] == '"') {
          j += 2;
          continue;
        }
        break;
      }
      j++;
    }
    if (j < n && (j + 1 == n || p[j + 1] == ',')) {
      sp_str v = sp_str_make(p + b + 1, j - b - 1);
      if (memchr(v.p, '"', v.n)) {
        char *d = sp_rctx_alloc(rc, v.n);
        if (d) {
          size_t k = 0;
          for (size_t m = 0; m < v.n; m++) {
            d[k++] = v.p[m];
            if (v.p[m] == '"' && m + 1 < v.n && v.p[m + 1] == '"')
              m++;
          }
          v = sp_str_make(d, k);
        }
      }
      *i = j + 2;
      return v;
    }
  }
  const char *c = b < n ? memchr(p + b, ',', n - b) : NULL;
  size_t e = c ? (size_t)(c - p) : n;
  *i = e + 1;
  return sp_str_make(p + b, e - b);
}

/* The lenient re-read of a line the strict split rejected; returns the
 * number of values, or 0 when the line still does not fit the layout. */
static size_t lenient_split(const exch_state *s, sp_rctx *rc, const char *p,
                            size_t n, sp_str *out, bool wide_ok) {
  size_t nc = (size_t)s->ncols, nv = 0, i = 0;
  /* ECP Server: EventData, the last column, takes the rest of the line. */
  size_t rest_at = nc && s->col[nc - 1] == COL_ECPDATA ? nc - 1 : SIZE_MAX;
  while (i <= n) {
    if (nv == rest_at) {
      sp_str v = sp_str_make(p + i, n - i);
      if (v.n >= 2 && v.p[0] == '"' && v.p[v.n - 1] == '"')
        v = sp_str_make(v.p + 1, v.n - 2);
      out[nv++] = v;
      break;
    }
    if (nv >= SP_MAX_COLUMNS || (nv >= nc && !wide_ok))
      return 0;
    out[nv++] = lenient_field(rc, p, n, &i);
  }
  return nv;
}

static void note_lenient(exch_state *s, uint64_t lineno) {
  if (s->n_lenient < 3)
    s->lenient_at[s->n_lenient] = lineno;
  s->n_lenient++;
}

static void exch_finish(void *st, sp_rctx *rc) {
  exch_state *s = st;
  if (!s->n_lenient)
    return;
  char msg[200];
  int k = snprintf(msg, sizeof msg,
                   "%llu line%s read leniently (quote inside an unquoted "
                   "field, or a comma inside ECP EventData): line%s",
                   (unsigned long long)s->n_lenient,
                   s->n_lenient == 1 ? "" : "s", s->n_lenient == 1 ? "" : "s");
  for (uint64_t i = 0;
       i < s->n_lenient && i < 3 && k > 0 && (size_t)k < sizeof msg; i++)
    k += snprintf(msg + k, sizeof msg - (size_t)k, "%s %llu", i ? "," : "",
                  (unsigned long long)s->lenient_at[i]);
  if (s->n_lenient > 3 && k > 0 && (size_t)k < sizeof msg)
    snprintf(msg + k, sizeof msg - (size_t)k, ", ...");
  sp_rctx_note(rc, msg);
}

/* Fill ECP fields from EventData items. */
static void ecp_fields(sp_rctx *rc, sp_event *ev, sp_str data) {
  sp_kv kv[64];
  size_t nk = sp_ecp_split(rc, data, kv, 64);
  sp_event_set(ev, SP_F_MESSAGE, data);
  for (size_t i = 0; i < nk; i++) {
    if (!kv[i].value.n)
      continue;
    if (sp_str_ieq(kv[i].key, "CMD"))
      sp_event_set(ev, SP_F_EXCH_ECP_CMD, kv[i].value);
    else if (sp_str_ieq(kv[i].key, "BLD"))
      sp_event_set(ev, SP_F_EXCH_BUILD, kv[i].value);
    else if (sp_str_ieq(kv[i].key, "URL")) {
      sp_str u = kv[i].value;
      sp_event_set(ev, SP_F_URL_ORIGINAL, u);
      const char *q = memchr(u.p, '?', u.n);
      size_t pl = q ? (size_t)(q - u.p) : u.n;
      sp_event_set(ev, SP_F_URL_PATH, sp_str_make(u.p, pl));
      if (q && pl + 1 < u.n)
        sp_event_set(ev, SP_F_URL_QUERY, sp_str_make(q + 1, u.n - pl - 1));
    }
  }
}

/* OABGenerator line without a layout: time,server,message... */
static void oab_positional(sp_rctx *rc, sp_event *ev, const char *p, size_t n,
                           uint64_t lineno) {
  const char *c1 = memchr(p, ',', n);
  if (!c1) {
    sp_rctx_malformed(rc, lineno, "OABGenerator line without fields");
    return;
  }
  if (!sp_parse_iso8601(sp_str_make(p, (size_t)(c1 - p)), &ev->ts)) {
    sp_rctx_malformed(rc, lineno, "bad timestamp");
    return;
  }
  const char *rest = c1 + 1, *end = p + n;
  const char *c2 = memchr(rest, ',', (size_t)(end - rest));
  if (c2) {
    sp_event_set(ev, SP_F_HOST_NAME, sp_str_make(rest, (size_t)(c2 - rest)));
    rest = c2 + 1;
  }
  sp_str msg = sp_str_make(rest, (size_t)(end - rest));
  if (msg.n >= 2 && msg.p[0] == '"' && msg.p[msg.n - 1] == '"')
    msg = sp_str_make(msg.p + 1, msg.n - 2);
  sp_event_set(ev, SP_F_MESSAGE, msg);
  sp_rctx_emit(rc);
}

/* No layout yet: pick one implied by #Log-type or by the line's shape.
 * Returns false when the line cannot be read without a header. */
static bool imply_layout(exch_state *s, sp_rctx *rc, const char *p, size_t n,
                         uint64_t lineno) {
  log_type t = s->type;
  if (!s->type_from_directive) {
    switch (classify(sp_str_make(p, n))) {
    case SH_HTTPPROXY:
      t = LT_HTTPPROXY;
      break;
    case SH_ECP:
      t = LT_ECP;
      break;
    case SH_OAB:
      t = LT_OABGEN;
      break;
    default:
      return false;
    }
  }
  if (t == LT_HTTPPROXY)
    set_layout(s, rc, hp_columns, sizeof hp_columns - 1, lineno, false);
  else if (t == LT_ECP)
    set_layout(s, rc, ecp_columns, sizeof ecp_columns - 1, lineno, false);
  else if (t != LT_OABGEN) /* OABGenerator lines are read positionally */
    return false;
  s->type = t;
  s->implied = true;
  return true;
}

/* The server build of a row: its Major/Minor/Build/RevisionVersion columns
 * (HttpProxy), else an ECP row's BLD= item (set already), else the file's
 * "#Version:" header. */
static void row_build(exch_state *s, sp_event *ev, const sp_str ver[4]) {
  if (ver[0].n && ver[1].n && ver[2].n) {
    /* The columns joined with dots (revision 0 when absent). */
    char tmp[80];
    size_t k = 0;
    bool fits = true;
    for (int i = 0; i < 4 && fits; i++) {
      sp_str v = i == 3 && !ver[3].n ? SP_STR_LIT("0") : ver[i];
      fits = k + v.n + 1 < sizeof tmp;
      if (fits) {
        if (i)
          tmp[k++] = '.';
        memcpy(tmp + k, v.p, v.n);
        k += v.n;
      }
    }
    if (fits && (k != s->ver_raw_len || memcmp(tmp, s->ver_raw, k) != 0)) {
      memcpy(s->ver_raw, tmp, k);
      s->ver_raw_len = (uint8_t)k;
      s->ver_build_len = (uint8_t)sp_exch_build_norm(
          sp_str_make(tmp, k), s->ver_build, sizeof s->ver_build);
    }
    if (fits && s->ver_build_len) {
      sp_event_set(ev, SP_F_EXCH_BUILD,
                   sp_str_make(s->ver_build, s->ver_build_len));
      return;
    }
  }
  if (s->build_len && !sp_event_has(ev, SP_F_EXCH_BUILD))
    sp_event_set(ev, SP_F_EXCH_BUILD, sp_str_make(s->build, s->build_len));
}

static void exch_line(void *st, sp_rctx *rc, const char *p, size_t n,
                      uint64_t lineno, uint64_t offset) {
  exch_state *s = st;
  if (n == 0)
    return;
  if (p[0] == '#') {
    directive(s, rc, p, n, lineno);
    return;
  }
  if (is_bare_header(sp_str_make(p, n))) {
    set_layout(s, rc, p, n, lineno, false);
    return;
  }
  if (p[0] == '"' && is_quoted_header(rc, sp_str_make(p, n))) {
    set_layout(s, rc, p, n, lineno, true);
    return;
  }
  if (s->ncols == 0 && s->type != LT_OABGEN &&
      !imply_layout(s, rc, p, n, lineno)) {
    sp_rctx_malformed(rc, lineno, "data line before any #Fields header");
    return;
  }
  sp_event *ev = &rc->ev;
  sp_event_reset(ev);
  ev->kind = kind_of(s->type);
  ev->line = lineno;
  ev->offset = offset;
  ev->ts = SP_TIME_NONE;
  if (s->ncols == 0) {
    oab_positional(rc, ev, p, n, lineno);
    return;
  }
  sp_str vals[SP_MAX_COLUMNS];
  bool bad;
  size_t nv = sp_csv_split(rc, p, n, vals, SP_MAX_COLUMNS, &bad);
  /* An implied HttpProxy layout fits rows of its own width; rows of other
     builds are mapped only as far as the columns all builds share. */
  size_t use = nv;
  bool wide_ok = s->implied && s->type == LT_HTTPPROXY;
  if (wide_ok && nv != (size_t)s->ncols && use > HP_STABLE_COLUMNS)
    use = HP_STABLE_COLUMNS;
  if (bad || (nv > (size_t)s->ncols && !wide_ok)) {
    nv = lenient_split(s, rc, p, n, vals, wide_ok);
    if (!nv) {
      sp_rctx_malformed(rc, lineno, "unbalanced quotes or too many columns");
      return;
    }
    use = nv;
    if (wide_ok && nv != (size_t)s->ncols && use > HP_STABLE_COLUMNS)
      use = HP_STABLE_COLUMNS;
    note_lenient(s, lineno);
  }
  bool have_time = false;
  sp_str ver[4] = {{0}};
  for (size_t i = 0; i < use; i++) {
    int col = s->col[i];
    sp_str v = vals[i];
    if (col == COL_IGNORE || v.n == 0)
      continue;
    if (col <= COL_VER0 && col >= COL_VER3) {
      ver[COL_VER0 - col] = sp_str_trim(v);
    } else if (col == COL_TIME) {
      if (!sp_parse_iso8601(sp_str_trim(v), &ev->ts)) {
        sp_rctx_malformed(rc, lineno, "bad timestamp");
        return;
      }
      have_time = true;
    } else if (col == COL_ECPDATA) {
      ecp_fields(rc, ev, v);
    } else {
      sp_event_set(ev, (sp_field)col, v);
    }
  }
  if (!have_time && nv < (size_t)s->ncols / 2) {
    sp_rctx_malformed(rc, lineno, "too few columns and no timestamp");
    return;
  }
  row_build(s, ev, ver);
  /* OABGenerator layouts differ between builds: without a Message column
     the detectors still see the whole line. */
  if (s->type == LT_OABGEN && !sp_event_has(ev, SP_F_MESSAGE))
    sp_event_set(ev, SP_F_MESSAGE, sp_str_make(p, n));
  sp_rctx_emit(rc);
}

/* Headerless fragments: a claim when at least two lines, and four in five,
 * have the HttpProxy or ECP Server shape (85), or the OABGenerator shape
 * with a line that names the OAB or its temporary files (75). Too few such
 * lines, or two or more led by an ISO time and a comma that fit no known
 * shape, give a SP_SNIFF_LOOKS_LIKE band score: an Exchange log we cannot
 * read. */
static int fragment_score(const char *buf, size_t len) {
  sp_line_iter it = sp_line_iter_make(buf, len);
  sp_str line;
  bool cut, oab_hint = false;
  size_t c = 0, hp = 0, ecp = 0, oab = 0, iso = 0;
  while (sp_line_next(&it, &line, &cut)) {
    if (line.n == 0 || line.p[0] == '#')
      continue;
    shape sh = classify(line);
    if (cut && (sh == SH_NONE || sh == SH_ISO))
      continue; /* may be a known shape cut short by the buffer */
    if (sh == SH_NONE) {
      c++;
      continue;
    }
    c++;
    hp += sh == SH_HTTPPROXY;
    ecp += sh == SH_ECP;
    oab += sh == SH_OAB;
    iso += sh == SH_ISO;
    if (sh == SH_OAB && (sp_str_ifind(line, "OAB") >= 0 ||
                         sp_str_ifind(line, "temporary file") >= 0))
      oab_hint = true;
  }
  if ((hp >= 2 && hp * 5 >= c * 4) || (ecp >= 2 && ecp * 5 >= c * 4))
    return 85;
  if (oab >= 2 && oab * 5 >= c * 4 && oab_hint)
    return 75;
  size_t any = hp + ecp + oab + iso;
  if ((any >= 2 || any > iso) && any * 5 >= c * 4)
    return 30;
  return 0;
}

/* PowerShell Export-Csv: an optional "#TYPE ..." line, then a quoted header
 * naming a column only Exchange logs have. */
static int export_score(const char *buf, size_t len) {
  sp_line_iter it = sp_line_iter_make(buf, len);
  sp_str line;
  bool cut;
  if (!sp_line_next(&it, &line, &cut))
    return 0;
  if (sp_str_istarts(line, "#TYPE ") && !sp_line_next(&it, &line, &cut))
    return 0;
  if (!line.n || line.p[0] != '"' || sp_shape_iso8601(first_field(line)))
    return 0;
  /* Quoted names without escapes: split on the quotes, no scratch needed. */
  sp_str cols[SP_MAX_COLUMNS + 1];
  size_t nc = sp_shape_split(line, ',', cols, SP_MAX_COLUMNS);
  if (nc > SP_MAX_COLUMNS)
    return 0;
  for (size_t i = 0; i < nc; i++) {
    sp_str c = sp_str_trim(cols[i]);
    if (cut && i + 1 == nc)
      break; /* may be cut short by the sniff buffer */
    if (c.n < 2 || c.p[0] != '"' || c.p[c.n - 1] != '"')
      return 0;
    if (specific_type(sp_str_make(c.p + 1, c.n - 2)) != LT_OTHER)
      return 90;
  }
  return 0;
}

static int exch_sniff(const char *buf, size_t len) {
  sp_str s = sp_str_make(buf, len);
  if (sp_str_istarts(s, "#Software: Microsoft Exchange Server"))
    return 100;
  if (sp_str_istarts(s, "DateTime,RequestId,") ||
      sp_str_istarts(s, "TimeStamp,ServerName,EventId") ||
      sp_str_istarts(s, "date-time,"))
    return 95;
  if (sp_str_istarts(s, "#Log-type:") ||
      sp_str_istarts(s, "#Fields: DateTime,"))
    return 80;
  int e = export_score(buf, len);
  if (e)
    return e;
  return fragment_score(buf, len);
}

static const sp_line_ops exchange_csv_ops = {
    .sniff = exch_sniff,
    .create = exch_create,
    .line = exch_line,
    .destroy = exch_destroy,
    .finish = exch_finish,
};

const sp_reader_vt sp_reader_exchange_csv =
    SP_LINE_READER("exchange_csv", exchange_csv_ops);
