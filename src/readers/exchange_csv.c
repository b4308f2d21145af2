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
 */
#include "core/timeutil.h"
#include "readers/csv.h"
#include "readers/reader.h"
#include "readers/shape.h"

#include <stdlib.h>

typedef enum log_type { LT_OTHER, LT_HTTPPROXY, LT_ECP, LT_OABGEN } log_type;

enum { COL_IGNORE = -1, COL_TIME = -2, COL_ECPDATA = -3 };

typedef struct exch_state {
  log_type type;
  bool type_from_directive;
  bool implied; /* layout implied by the line shape or #Log-type */
  int ncols;
  int col[SP_MAX_COLUMNS];
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
};

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
                       uint64_t lineno) {
  s->implied = false;
  sp_str cols[SP_MAX_COLUMNS];
  bool bad;
  size_t nc = sp_csv_split(rc, p, n, cols, SP_MAX_COLUMNS, &bad);
  if (bad) {
    sp_rctx_malformed(rc, lineno, "bad or too wide #Fields header");
    s->ncols = 0;
    return;
  }
  bool anchor = false, ecpdata = false;
  for (size_t i = 0; i < nc; i++) {
    s->col[i] = map_name(cols[i]);
    if (s->col[i] == SP_F_EXCH_ANCHOR)
      anchor = true;
    if (s->col[i] == COL_ECPDATA)
      ecpdata = true;
  }
  s->ncols = (int)nc;
  if (!s->type_from_directive) {
    if (anchor)
      s->type = LT_HTTPPROXY;
    else if (ecpdata)
      s->type = LT_ECP;
  }
}

static void directive(exch_state *s, sp_rctx *rc, const char *p, size_t n,
                      uint64_t lineno) {
  sp_str line = sp_str_make(p, n);
  if (sp_str_istarts(line, "#Fields:")) {
    sp_str rest = sp_str_trim(sp_str_make(p + 8, n - 8));
    set_layout(s, rc, rest.p, rest.n, lineno);
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
    set_layout(s, rc, hp_columns, sizeof hp_columns - 1, lineno);
  else if (t == LT_ECP)
    set_layout(s, rc, ecp_columns, sizeof ecp_columns - 1, lineno);
  else if (t != LT_OABGEN) /* OABGenerator lines are read positionally */
    return false;
  s->type = t;
  s->implied = true;
  return true;
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
    set_layout(s, rc, p, n, lineno);
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
    sp_rctx_malformed(rc, lineno, "unbalanced quotes or too many columns");
    return;
  }
  bool have_time = false;
  for (size_t i = 0; i < use; i++) {
    int col = s->col[i];
    sp_str v = vals[i];
    if (col == COL_IGNORE || v.n == 0)
      continue;
    if (col == COL_TIME) {
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
  return fragment_score(buf, len);
}

static const sp_line_ops exchange_csv_ops = {
    .sniff = exch_sniff,
    .create = exch_create,
    .line = exch_line,
    .destroy = exch_destroy,
};

const sp_reader_vt sp_reader_exchange_csv =
    SP_LINE_READER("exchange_csv", exchange_csv_ops);
