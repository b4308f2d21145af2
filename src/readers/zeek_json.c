/*
 * zeek_json.c - reader for Zeek's JSON logs ("zeek_json"): one object per
 * line, as written with LogAscii::use_json=T or by json-streaming-logs.
 *
 * The log type (the event kind) is the line's "_path" when present, else
 * the file name's (conn.log, dns.2024-04-19.log.gz, ssl.json), else a
 * guess from the fields present (conn_state -> conn, qtype_name -> dns,
 * ...), else "zeek". Field names are Zeek's column names as the JSON keys
 * spell them (nested objects, if a writer nests "id", flatten to
 * "id.orig_h"); "ts" is epoch seconds or ISO 8601 and sets ev->ts; arrays
 * (sets, vectors) give one value per element. Types: addresses by name
 * (id.orig_h, id.resp_h, and the other addr columns of Zeek's stock logs),
 * integral numbers INT, time columns TIME, the rest text. "_write_ts" and
 * "_path" are kept ("_path" as the kind only). State: the per-file name
 * cache of netjson.h.
 */
#include "readers/netfields.h"
#include "readers/netjson.h"

#include <stdio.h>
#include <stdlib.h>

typedef struct zj_state {
  nj_state nj;
} zj_state;

static bool name_in(sp_str s, const char *const *list, size_t n) {
  for (size_t i = 0; i < n; i++)
    if (sp_str_eq(s, list[i]))
      return true;
  return false;
}

static void zj_map(sp_str kind, sp_str path, nj_target *t) {
  static const char *const addr[] = {"id.orig_h",
                                     "id.resp_h",
                                     "id_orig_h",
                                     "id_resp_h",
                                     "src",
                                     "dst",
                                     "tx_hosts",
                                     "rx_hosts",
                                     "assigned_ip",
                                     "assigned_addr",
                                     "framed_addr",
                                     "x_originating_ip",
                                     "san.ip",
                                     "data_channel.orig_h",
                                     "data_channel.resp_h",
                                     "client_addr",
                                     "server_addr",
                                     "requested_addr",
                                     "host_ip"};
  static const char *const times[] = {"ts",
                                      "_write_ts",
                                      "certificate.not_valid_before",
                                      "certificate.not_valid_after",
                                      "lease_time_ts",
                                      "ts_start"};
  (void)kind;
  t->name = path.p;
  t->name_n = path.n;
  if (sp_str_eq(path, "_path")) {
    t->hint = NJ_DROP;
  } else if (sp_str_eq(path, "ts")) {
    t->hint = NJ_TIME;
    t->role = NJ_ROLE_TS;
  } else if (name_in(path, times, sizeof times / sizeof times[0])) {
    t->hint = NJ_TIME;
  } else if (name_in(path, addr, sizeof addr / sizeof addr[0]) ||
             ((sp_str_eq(kind, "known_hosts") || sp_str_eq(kind, "software") ||
               sp_str_eq(kind, "known_services")) &&
              sp_str_eq(path, "host")) ||
             (sp_str_eq(kind, "smtp") && sp_str_eq(path, "path"))) {
    t->hint = NJ_IP;
  } else if (sp_str_eq(path, "id.orig_p") || sp_str_eq(path, "id.resp_p")) {
    t->hint = NJ_INT;
  }
}

/* The log type from the fields a line has, when nothing names it. */
static const char *guess(const char *p, size_t n) {
  static const struct {
    const char *key, *kind;
  } g[] = {
      {"\"conn_state\":", "conn"},
      {"\"qtype_name\":", "dns"},
      {"\"query\":", "dns"},
      {"\"status_code\":", "http"},
      {"\"method\":", "http"},
      {"\"server_name\":", "ssl"},
      {"\"ja3\":", "ssl"},
      {"\"certificate.subject\":", "x509"},
      {"\"mime_type\":", "files"},
      {"\"note\":", "notice"},
      {"\"client\":", "ssh"},
      {"\"mailfrom\":", "smtp"},
      {"\"request_type\":", "kerberos"},
      {"\"cookie\":", "rdp"},
  };
  for (size_t i = 0; i < sizeof g / sizeof g[0]; i++)
    if (memmem(p, n, g[i].key, strlen(g[i].key)))
      return g[i].kind;
  return "zeek";
}

static void *zj_create(void) {
  zj_state *s = calloc(1, sizeof *s);
  if (!s)
    return NULL;
  if (!nj_init(&s->nj, "zeek_json", zj_map)) {
    nj_free(&s->nj);
    free(s);
    return NULL;
  }
  s->nj.iso_auto = true;
  return s;
}

static void zj_destroy(void *st) {
  zj_state *s = st;
  if (!s)
    return;
  nj_free(&s->nj);
  free(s);
}

static void zj_line(void *st, sp_rctx *rc, const char *p, size_t n,
                    uint64_t lineno, uint64_t offset) {
  zj_state *s = st;
  while (n && (p[n - 1] == ' ' || p[n - 1] == '\t'))
    n--;
  if (n == 0)
    return;
  sp_str kn = nj_peek(p, n, "_path");
  if (!kn.n)
    kn = sp_net_path_from_file(rc->path);
  if (!kn.n) {
    const char *g = guess(p, n);
    kn = sp_str_make(g, strlen(g));
  }
  if (kn.n > SP_NET_PATH_MAX)
    kn.n = SP_NET_PATH_MAX;
  sp_str name;
  int kind = nj_kind(&s->nj, rc, kn, NULL, &name);
  sp_rctx_begin(rc, kind, lineno, offset);
  if (nj_line(&s->nj, rc, kind, name, p, n, lineno))
    sp_rctx_emit(rc);
}

static void zj_finish(void *st, sp_rctx *rc) {
  zj_state *s = st;
  nj_finish(&s->nj, rc);
}

/* A JSON object per line with Zeek's keys: "_path", or "ts" with "uid" or
 * "id.orig_h" (json-streaming-logs and LogAscii::use_json). */
static int zj_sniff(const char *text, size_t len) {
  size_t i = 0;
  while (i < len && (text[i] == ' ' || text[i] == '\n' || text[i] == '\r'))
    i++;
  if (i >= len || text[i] != '{')
    return 0;
  const char *nl = memchr(text + i, '\n', len - i);
  size_t n = nl ? (size_t)(nl - (text + i)) : len - i;
  const char *l = text + i;
  if (memmem(l, n, "\"event_type\":", 13))
    return 0; /* Suricata EVE */
  bool ts = memmem(l, n, "\"ts\":", 5) != NULL;
  if (memmem(l, n, "\"_path\":\"", 9) && ts)
    return 95;
  if (ts &&
      (memmem(l, n, "\"uid\":\"", 7) || memmem(l, n, "\"id.orig_h\":", 12)))
    return 90;
  return 0;
}

static const sp_line_ops zj_ops = {
    .sniff = zj_sniff,
    .create = zj_create,
    .line = zj_line,
    .destroy = zj_destroy,
    .finish = zj_finish,
};

const sp_reader_vt sp_reader_zeek_json = SP_LINE_READER("zeek_json", zj_ops);
