/*
 * iis.c - reader for IIS W3C extended logs.
 *
 * State: the current #Fields layout, an array mapping column index to an
 * event field (or date/time/ignore). Any layout is accepted, and a new
 * #Fields directive mid-file (IIS writes one after every restart) replaces
 * it. Values are space separated; "-" means absent; '+' in the user agent and
 * referer is decoded to a space (into the context's scratch). Data lines
 * before any #Fields, or with a column count that does not match the layout,
 * are reported as malformed and skipped.
 */
#include "core/timeutil.h"
#include "readers/reader.h"

#include <stdlib.h>

enum { COL_IGNORE = -1, COL_DATE = -2, COL_TIME = -3, COL_PLUS = 0x100 };

typedef struct iis_state {
  int ncols;
  int col[SP_MAX_COLUMNS]; /* sp_field, or COL_*; | COL_PLUS to decode '+' */
} iis_state;

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

static void iis_line(void *st, sp_rctx *rc, const char *p, size_t n,
                     uint64_t lineno, uint64_t offset) {
  iis_state *s = st;
  if (n == 0)
    return;
  if (p[0] == '#') {
    static const char fields[] = "#Fields:";
    if (n >= sizeof fields - 1 && sp_str_istarts(sp_str_make(p, n), fields))
      parse_fields(s, rc, p + sizeof fields - 1, n - (sizeof fields - 1),
                   lineno);
    return;
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
  if (sp_str_istarts(s, "#Version: 1.0"))
    return 55;
  return 0;
}

static const sp_line_ops iis_ops = {
    .sniff = iis_sniff,
    .create = iis_create,
    .line = iis_line,
    .destroy = iis_destroy,
};

const sp_reader_vt sp_reader_iis = SP_LINE_READER("iis", iis_ops);
