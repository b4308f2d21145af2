/*
 * iis.c - reader for IIS W3C extended logs.
 *
 * State: the current #Fields layout, an array mapping column index to an
 * event field (or date/time/ignore). Any layout is accepted, and a new
 * #Fields directive mid-file (IIS writes one after every restart) replaces
 * it. Values are space separated; "-" means absent; '+' in the user agent and
 * referer is decoded to a space (into the context's scratch). Lines with a
 * column count that does not match the layout are reported as malformed.
 *
 * Without a #Fields directive (a fragment, or a log that lost its header), a
 * data line in one of IIS's default layouts (iis_defaults, recognised by the
 * shape of its values) selects that layout until a #Fields line appears;
 * other data lines before any #Fields are malformed. The sniffer claims such
 * headerless files only when most lines have a default layout's shape, and
 * gives W3C-looking lines in another layout a "looks like" score
 * (readers/shape.h) so they are reported rather than silently scanned.
 */
#include "core/timeutil.h"
#include "readers/reader.h"
#include "readers/shape.h"

#include <stdlib.h>

enum { COL_IGNORE = -1, COL_DATE = -2, COL_TIME = -3, COL_PLUS = 0x100 };

typedef struct iis_state {
  int ncols;
  int col[SP_MAX_COLUMNS]; /* sp_field, or COL_*; | COL_PLUS to decode '+' */
  bool implied;            /* layout from iis_defaults[implied_k], not from
                              a #Fields directive */
  int implied_k;
} iis_state;

/* IIS's default W3C layouts, for data lines that come without #Fields.
 * IIS writes the selected fields in a fixed order, the order of the W3C
 * logging table of the HTTP Server API
 * (https://learn.microsoft.com/windows/win32/http/w3c-logging). The default
 * selection (logExtFileFlags) is Date, Time, ClientIP, UserName, ServerIP,
 * Method, UriStem, UriQuery, TimeTaken, HttpStatus, Win32Status, ServerPort,
 * UserAgent, HttpSubStatus and Referer, the last one added to the default
 * in IIS 8.0 (https://learn.microsoft.com/en-us/iis/configuration/
 * system.applicationhost/sites/site/logfile/, "Compatibility"). So IIS 8.0
 * and later (Exchange 2013-2019) write the first layout, IIS 7.0/7.5
 * (Exchange 2010) the second. */
static const char *const iis_defaults[] = {
    "date time s-ip cs-method cs-uri-stem cs-uri-query s-port cs-username "
    "c-ip cs(User-Agent) cs(Referer) sc-status sc-substatus sc-win32-status "
    "time-taken",
    "date time s-ip cs-method cs-uri-stem cs-uri-query s-port cs-username "
    "c-ip cs(User-Agent) sc-status sc-substatus sc-win32-status time-taken",
};

static const struct {
  const char *name;
  int field;
} iis_map[] = {
    {"date", COL_DATE},
    {"time", COL_TIME},
    {"s-ip", SP_F_DESTINATION_IP},
    {"cs-method", SP_F_HTTP_METHOD},
    {"cs-uri-stem", SP_F_URL_PATH},
    {"cs-uri-query", SP_F_URL_QUERY},
    {"s-port", SP_F_DESTINATION_PORT},
    {"cs-username", SP_F_USER_NAME},
    {"c-ip", SP_F_SOURCE_IP},
    {"c-port", SP_F_SOURCE_PORT},
    {"cs(user-agent)", SP_F_USER_AGENT | COL_PLUS},
    {"cs(referer)", SP_F_HTTP_REFERRER | COL_PLUS},
    {"cs(cookie)", SP_F_HTTP_COOKIE | COL_PLUS},
    {"sc-status", SP_F_HTTP_STATUS},
    {"s-computername", SP_F_HOST_NAME},
    {"cs-host", SP_F_URL_DOMAIN},
    {"sc-bytes", SP_F_HTTP_BYTES_OUT},
    {"cs-bytes", SP_F_HTTP_BYTES_IN},
    {"time-taken", SP_F_EVENT_DURATION_MS},
};

static void *iis_create(void) { return calloc(1, sizeof(iis_state)); }
static void iis_destroy(void *st) { free(st); }

static int map_name(sp_str name) {
  for (size_t i = 0; i < sizeof iis_map / sizeof iis_map[0]; i++)
    if (sp_str_ieq(name, iis_map[i].name))
      return iis_map[i].field;
  return COL_IGNORE;
}

static void parse_fields(iis_state *s, sp_rctx *rc, const char *p, size_t n,
                         uint64_t lineno) {
  s->ncols = 0;
  size_t i = 0;
  while (i < n) {
    while (i < n && p[i] == ' ')
      i++;
    size_t start = i;
    while (i < n && p[i] != ' ')
      i++;
    if (i == start)
      break;
    if (s->ncols >= SP_MAX_COLUMNS) {
      sp_rctx_malformed(rc, lineno, "#Fields has more than 256 columns");
      s->ncols = 0;
      return;
    }
    s->col[s->ncols++] = map_name(sp_str_make(p + start, i - start));
  }
}

/* The index in iis_defaults of the layout whose shape line has: date and
 * time, server IP, HTTP method, a path, port, client IP and numeric status,
 * substatus, Win32 status and time taken; -1 when it has neither. */
static int default_layout(sp_str line) {
  sp_str t[16];
  size_t n = sp_shape_split(line, ' ', t, 15);
  if (n != 15 && n != 14)
    return -1;
  int64_t ns;
  if (!sp_parse_date_time(t[0], t[1], &ns) || !sp_shape_ip(t[2]) ||
      !sp_shape_http_method(t[3]) || t[4].n == 0 || t[4].p[0] != '/' ||
      !sp_shape_uint(t[6], 5) || !sp_shape_ip(t[8]))
    return -1;
  size_t st = n == 15 ? 11 : 10;
  if (t[st].n != 3 || !sp_shape_uint(t[st], 3) ||
      !sp_shape_uint(t[st + 1], 5) || !sp_shape_uint(t[st + 2], 10) ||
      !sp_shape_uint(t[st + 3], 10))
    return -1;
  return n == 15 ? 0 : 1;
}

/* A W3C line in some other layout: date, time, then an IP address, a
 * common HTTP method and a path among the values. */
static bool looks_w3c(sp_str line) {
  static const char *const methods[] = {
      "GET",   "POST",     "HEAD",        "PUT",          "DELETE",
      "PATCH", "PROPFIND", "RPC_IN_DATA", "RPC_OUT_DATA", "OPTIONS"};
  sp_str t[64];
  size_t n = sp_shape_split(line, ' ', t, 64);
  int64_t ns;
  if (n < 5 || n > 64 || !sp_parse_date_time(t[0], t[1], &ns))
    return false;
  bool ip = false, method = false, path = false;
  for (size_t i = 2; i < n; i++) {
    ip = ip || sp_shape_ip(t[i]);
    path = path || (t[i].n && t[i].p[0] == '/');
    for (size_t k = 0; k < sizeof methods / sizeof methods[0]; k++)
      method = method || sp_str_eq(t[i], methods[k]);
  }
  return ip && method && path;
}

static void iis_line(void *st, sp_rctx *rc, const char *p, size_t n,
                     uint64_t lineno, uint64_t offset) {
  iis_state *s = st;
  if (n == 0)
    return;
  if (p[0] == '#') {
    static const char fields[] = "#Fields:";
    if (n >= sizeof fields - 1 && sp_str_istarts(sp_str_make(p, n), fields)) {
      parse_fields(s, rc, p + sizeof fields - 1, n - (sizeof fields - 1),
                   lineno);
      s->implied = false;
    }
    return;
  }
  if (s->ncols == 0 || s->implied) {
    int k = default_layout(sp_str_make(p, n));
    if (k >= 0 && (s->ncols == 0 || s->implied_k != k)) {
      parse_fields(s, rc, iis_defaults[k], strlen(iis_defaults[k]), lineno);
      s->implied = true;
      s->implied_k = k;
    }
  }
  if (s->ncols == 0) {
    sp_rctx_malformed(rc, lineno, "data line before any #Fields directive");
    return;
  }
  sp_event *ev = &rc->ev;
  sp_event_reset(ev);
  ev->kind = SP_SRC_IIS;
  ev->line = lineno;
  ev->offset = offset;
  ev->ts = SP_TIME_NONE;
  sp_str date = {0}, time = {0};
  int c = 0;
  const char *q = p, *end = p + n;
  while (q <= end) {
    const char *sp = memchr(q, ' ', (size_t)(end - q));
    const char *e = sp ? sp : end;
    if (c >= s->ncols) {
      sp_rctx_malformed(rc, lineno, "more values than #Fields columns");
      return;
    }
    sp_str v = sp_str_make(q, (size_t)(e - q));
    int col = s->col[c++];
    if (col == COL_DATE)
      date = v;
    else if (col == COL_TIME)
      time = v;
    else if (col != COL_IGNORE && !(v.n == 1 && v.p[0] == '-') && v.n) {
      if (col & COL_PLUS)
        v = sp_rctx_plus_decode(rc, v);
      sp_event_set(ev, (sp_field)(col & 0xff), v);
    }
    if (!sp)
      break;
    q = sp + 1;
  }
  if (c != s->ncols) {
    sp_rctx_malformed(rc, lineno, "fewer values than #Fields columns");
    return;
  }
  if (date.n && time.n && !sp_parse_date_time(date, time, &ev->ts)) {
    sp_rctx_malformed(rc, lineno, "bad date/time");
    return;
  }
  sp_rctx_emit(rc);
}

/* Headerless fragments: 85 when at least two lines, and four in five, have
 * a default layout's shape; SP_SNIFF_LOOKS_LIKE band when most lines look
 * like W3C lines of another layout. */
static int fragment_score(const char *buf, size_t len) {
  sp_line_iter it = sp_line_iter_make(buf, len);
  sp_str line;
  bool cut;
  size_t c = 0, m = 0, w = 0;
  while (sp_line_next(&it, &line, &cut)) {
    if (line.n == 0 || line.p[0] == '#')
      continue;
    if (default_layout(line) >= 0) {
      m++;
      c++;
    } else if (looks_w3c(line)) {
      w++;
      c++;
    } else if (!cut) {
      c++;
    }
  }
  if (m >= 2 && m * 5 >= c * 4)
    return 85;
  if (m + w >= 1 && (m + w) * 5 >= c * 4)
    return 30;
  return 0;
}

static int iis_sniff(const char *buf, size_t len) {
  sp_str s = sp_str_make(buf, len);
  if (sp_str_istarts(s, "#Software: Microsoft Internet Information Services"))
    return 100;
  long f = sp_str_ifind(s, "#Fields: ");
  if (f >= 0 && (f == 0 || buf[f - 1] == '\n')) {
    sp_str rest = sp_str_make(buf + f, len - (size_t)f);
    const char *nl = memchr(rest.p, '\n', rest.n);
    sp_str line = sp_str_make(rest.p, nl ? (size_t)(nl - rest.p) : rest.n);
    if (sp_str_ifind(line, ",") < 0 &&
        (sp_str_ifind(line, " cs-") >= 0 || sp_str_ifind(line, " sc-") >= 0 ||
         sp_str_ifind(line, " c-ip") >= 0))
      return 90;
  }
  int frag = fragment_score(buf, len);
  if (sp_str_istarts(s, "#Version: 1.0"))
    return frag > 55 ? frag : 55;
  return frag;
}

static const sp_line_ops iis_ops = {
    .sniff = iis_sniff,
    .create = iis_create,
    .line = iis_line,
    .destroy = iis_destroy,
};

const sp_reader_vt sp_reader_iis = SP_LINE_READER("iis", iis_ops);
