/*
 * eve.c - reader for Suricata's EVE JSON ("suricata_eve"), one object per
 * line, emitting events in Zeek's vocabulary (contracts: network events).
 *
 * The kind follows event_type: flow and netflow -> "conn", dns -> "dns",
 * http -> "http", tls -> "ssl", fileinfo -> "files", alert -> "alert",
 * anything else keeps its event_type as the kind. Common keys map to Zeek's
 * columns (src_ip -> id.orig_h, dest_port -> id.resp_p, proto -> proto in
 * lower case, app_proto -> service, flow_id -> uid); each protocol object's
 * keys map to its Zeek log's columns (eve_map below: flow.bytes_toserver ->
 * orig_bytes, dns v2 rrname / v3 queries[].rrname -> query, dns answers
 * rdata and grouped answers -> answers, tls.sni -> server_name, tls.ja3.hash
 * -> ja3, http.hostname -> host, fileinfo.sha256 -> sha256, ...). Keys
 * without a Zeek column keep their EVE path ("alert.signature",
 * "alert.signature_id", "alert.severity", "alert.category", "flow.state",
 * "tcp.tcp_flags"). Time: "timestamp" is "ts", except for flows, where ts is
 * flow.start (as Zeek's conn ts is the first packet) and duration is
 * end - start. Byte counts are Suricata's (they include link-layer headers;
 * Zeek's orig_bytes counts payload): docs/NETWORK.md says more.
 */
#include "readers/netfields.h"
#include "readers/netjson.h"

#include <stdio.h>
#include <stdlib.h>

#define EVE_TYPE_MAX 64

typedef struct eve_state {
  nj_state nj;
} eve_state;

typedef struct eve_rule {
  const char *path; /* EVE path; a trailing '*' matches a prefix */
  const char *name; /* Zeek name */
  int hint, role;
} eve_rule;

/* EVE path -> Zeek column. First match wins. */
static const eve_rule eve_map[] = {
    {"src_ip", "id.orig_h", NJ_IP, 0},
    {"src_port", "id.orig_p", NJ_INT, 0},
    {"dest_ip", "id.resp_h", NJ_IP, 0},
    {"dest_port", "id.resp_p", NJ_INT, 0},
    {"proto", "proto", NJ_STR, NJ_ROLE_LOWER},
    {"app_proto", "service", NJ_STR, 0},
    {"flow_id", "uid", NJ_STR, 0},
    {"event_type", NULL, NJ_DROP, 0},
    /* flow / netflow */
    {"flow.bytes_toserver", "orig_bytes", NJ_INT, 0},
    {"flow.bytes_toclient", "resp_bytes", NJ_INT, 0},
    {"flow.pkts_toserver", "orig_pkts", NJ_INT, 0},
    {"flow.pkts_toclient", "resp_pkts", NJ_INT, 0},
    {"netflow.bytes", "orig_bytes", NJ_INT, 0},
    {"netflow.pkts", "orig_pkts", NJ_INT, 0},
    {"flow.start", "flow.start", NJ_TIME, NJ_ROLE_START},
    {"flow.end", "flow.end", NJ_TIME, NJ_ROLE_END},
    {"netflow.start", "netflow.start", NJ_TIME, NJ_ROLE_START},
    {"netflow.end", "netflow.end", NJ_TIME, NJ_ROLE_END},
    /* dns: v1/v2 (rrname, rrtype, rcode, answers[], grouped) and v3
     * (queries[], answers[]) */
    {"dns.rrname", "query", NJ_STR, 0},
    {"dns.queries.rrname", "query", NJ_STR, 0},
    {"dns.rrtype", "qtype_name", NJ_STR, 0},
    {"dns.queries.rrtype", "qtype_name", NJ_STR, 0},
    {"dns.rcode", "rcode_name", NJ_STR, 0},
    {"dns.id", "trans_id", NJ_INT, 0},
    {"dns.rdata", "answers", NJ_STR, 0},
    {"dns.ttl", "TTLs", NJ_STR, 0},
    {"dns.answers.rdata", "answers", NJ_STR, 0},
    {"dns.answers.ttl", "TTLs", NJ_STR, 0},
    {"dns.grouped.*", "answers", NJ_STR, 0},
    /* http */
    {"http.hostname", "host", NJ_STR, 0},
    {"http.url", "uri", NJ_STR, 0},
    {"http.http_user_agent", "user_agent", NJ_STR, 0},
    {"http.http_method", "method", NJ_STR, 0},
    {"http.status", "status_code", NJ_INT, 0},
    {"http.length", "response_body_len", NJ_INT, 0},
    {"http.http_refer", "referrer", NJ_STR, 0},
    {"http.protocol", "version", NJ_STR, 0},
    {"http.http_content_type", "resp_mime_types", NJ_STR, 0},
    /* tls */
    {"tls.sni", "server_name", NJ_STR, 0},
    {"tls.version", "version", NJ_STR, 0},
    {"tls.subject", "subject", NJ_STR, 0},
    {"tls.issuerdn", "issuer", NJ_STR, 0},
    {"tls.ja3.hash", "ja3", NJ_STR, 0},
    {"tls.ja3s.hash", "ja3s", NJ_STR, 0},
    {"tls.ja4", "ja4", NJ_STR, 0},
    {"tls.serial", "serial", NJ_STR, 0},
    {"tls.notbefore", "not_valid_before", NJ_TIME, 0},
    {"tls.notafter", "not_valid_after", NJ_TIME, 0},
    /* fileinfo */
    {"fileinfo.filename", "filename", NJ_STR, 0},
    {"fileinfo.md5", "md5", NJ_STR, 0},
    {"fileinfo.sha1", "sha1", NJ_STR, 0},
    {"fileinfo.sha256", "sha256", NJ_STR, 0},
    {"fileinfo.size", "seen_bytes", NJ_INT, 0},
    {"fileinfo.mimetype", "mime_type", NJ_STR, 0},
    /* alert: EVE's own names */
    {"alert.signature_id", "alert.signature_id", NJ_INT, 0},
    {"alert.severity", "alert.severity", NJ_INT, 0},
    {"alert.gid", "alert.gid", NJ_INT, 0},
    {"alert.rev", "alert.rev", NJ_INT, 0},
};

static bool rule_match(const char *pat, sp_str path) {
  size_t n = strlen(pat);
  if (n && pat[n - 1] == '*')
    return path.n >= n - 1 && memcmp(path.p, pat, n - 1) == 0;
  return path.n == n && memcmp(path.p, pat, n) == 0;
}

static void eve_map_fn(sp_str kind, sp_str path, nj_target *t) {
  t->name = path.p;
  t->name_n = path.n;
  if (sp_str_eq(path, "timestamp")) {
    bool flow = sp_str_eq(kind, "conn");
    t->name = flow ? "timestamp" : "ts";
    t->name_n = strlen(t->name);
    t->hint = NJ_TIME;
    t->role = flow ? NJ_ROLE_NONE : NJ_ROLE_TS;
    return;
  }
  for (size_t i = 0; i < sizeof eve_map / sizeof eve_map[0]; i++) {
    const eve_rule *r = &eve_map[i];
    if (!rule_match(r->path, path))
      continue;
    if (r->name) {
      t->name = r->name;
      t->name_n = strlen(r->name);
    }
    t->hint = r->hint;
    t->role = r->role;
    if ((r->role == NJ_ROLE_START || r->role == NJ_ROLE_END) &&
        !sp_str_eq(kind, "conn"))
      t->role = NJ_ROLE_NONE; /* an alert's flow object: not its time */
    else if (r->role == NJ_ROLE_START) {
      t->name = "ts"; /* Zeek's conn ts: the first packet */
      t->name_n = 2;
    }
    return;
  }
}

static const char *kind_of(sp_str type) {
  static const struct {
    const char *type, *kind;
  } k[] = {{"flow", "conn"},  {"netflow", "conn"}, {"dns", "dns"},
           {"http", "http"},  {"tls", "ssl"},      {"fileinfo", "files"},
           {"alert", "alert"}};
  for (size_t i = 0; i < sizeof k / sizeof k[0]; i++)
    if (sp_str_eq(type, k[i].type))
      return k[i].kind;
  return NULL;
}

static void *eve_create(void) {
  eve_state *s = calloc(1, sizeof *s);
  if (!s)
    return NULL;
  if (!nj_init(&s->nj, "suricata_eve", eve_map_fn)) {
    nj_free(&s->nj);
    free(s);
    return NULL;
  }
  return s;
}

static void eve_destroy(void *st) {
  eve_state *s = st;
  if (!s)
    return;
  nj_free(&s->nj);
  free(s);
}

static void eve_line(void *st, sp_rctx *rc, const char *p, size_t n,
                     uint64_t lineno, uint64_t offset) {
  eve_state *s = st;
  while (n && (p[n - 1] == ' ' || p[n - 1] == '\t'))
    n--;
  if (n == 0)
    return;
  sp_str type = nj_peek(p, n, "event_type");
  if (!type.n)
    type = SP_STR_LIT("suricata");
  if (type.n >= EVE_TYPE_MAX)
    type.n = EVE_TYPE_MAX - 1;
  sp_str name;
  int kind = nj_kind(&s->nj, rc, type, kind_of, &name);
  sp_rctx_begin(rc, kind, lineno, offset);
  if (nj_line(&s->nj, rc, kind, name, p, n, lineno))
    sp_rctx_emit(rc);
}

static void eve_finish(void *st, sp_rctx *rc) {
  eve_state *s = st;
  nj_finish(&s->nj, rc);
}

/* An object per line with "timestamp" and "event_type". */
static int eve_sniff(const char *text, size_t len) {
  size_t i = 0;
  while (i < len && (text[i] == ' ' || text[i] == '\n' || text[i] == '\r'))
    i++;
  if (i >= len || text[i] != '{')
    return 0;
  const char *nl = memchr(text + i, '\n', len - i);
  size_t n = nl ? (size_t)(nl - (text + i)) : len - i;
  const char *l = text + i;
  if (memmem(l, n, "\"event_type\":", 13) && memmem(l, n, "\"timestamp\":", 12))
    return 95;
  return 0;
}

static const sp_line_ops eve_ops = {
    .sniff = eve_sniff,
    .create = eve_create,
    .line = eve_line,
    .destroy = eve_destroy,
    .finish = eve_finish,
};

const sp_reader_vt sp_reader_suricata_eve =
    SP_LINE_READER("suricata_eve", eve_ops);
