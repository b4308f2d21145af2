/*
 * pcap.c - reader for packet captures ("pcap"): pcap and pcapng through
 * libpcap, events in Zeek's vocabulary (contracts: network events), each
 * referring to a packet number (SP_REF_PACKET).
 *
 * libpcap reads through a FILE* made with fopencookie over the engine's
 * byte source, so gzipped captures and memory buffers (tests, fuzzers) work
 * like files. Each packet is decoded (pkt/pkt.h) and counted into spoor's
 * flow table (pkt/flow.h); flows are emitted as kind "conn" when they time
 * out, when a new SYN reuses a finished 5-tuple, when the table is full
 * (the oldest is evicted: counted as the limit "pcap.flows") and at the end
 * of the capture. Payloads are looked at without reassembly: DNS over UDP
 * (and over TCP when a message fits one segment) gives kind "dns" (query
 * and response paired by transaction id, one outstanding query per flow),
 * an HTTP/1.x request line gives kind "http" (paired with the status line of
 * the next response), a TLS ClientHello gives kind "ssl" with server_name,
 * ja3 and ja4 (emitted at the ServerHello, with its version, or at the end
 * of the flow). Every event of a flow carries the flow's uid.
 *
 * State: the per-file flow table (PCAP_FLOWS flows) and, per flow, a small
 * application record allocated when a parser first finds something.
 * Damaged frames are reported as malformed with the packet number; non-IP
 * frames and IP fragments after the first are counted and noted.
 */
#include "core/strset.h"
#include "event/names.h"
#include "pkt/dns.h"
#include "pkt/flow.h"
#include "pkt/http.h"
#include "pkt/pkt.h"
#include "pkt/tls.h"
#include "readers/netfields.h"
#include "readers/reader.h"

#include <pcap/pcap.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#define PCAP_FLOWS (1u << 16)
#define PCAP_BATCH 4096 /* packets per next() call */
#define PCAP_STR 2048   /* bytes kept of a pending URI, host or agent */

enum { SVC_NONE = 0, SVC_DNS, SVC_HTTP, SVC_SSL };
static const char *const svc_name[] = {NULL, "dns", "http", "ssl"};

/* Field ids, interned once per file. */
enum {
  F_TS,
  F_UID,
  F_OH,
  F_OP,
  F_RH,
  F_RP,
  F_PROTO,
  F_SERVICE,
  F_DURATION,
  F_OBYTES,
  F_RBYTES,
  F_STATE,
  F_HISTORY,
  F_OPKTS,
  F_OIPB,
  F_RPKTS,
  F_RIPB,
  F_VLAN,
  F_IPPROTO,
  F_TRANS,
  F_RTT,
  F_QUERY,
  F_QCLASS,
  F_QTYPE,
  F_QTYPEN,
  F_RCODE,
  F_RCODEN,
  F_AA,
  F_TC,
  F_RD,
  F_RA,
  F_Z,
  F_ANSWERS,
  F_TTLS,
  F_METHOD,
  F_HOST,
  F_URI,
  F_REFERRER,
  F_VERSION,
  F_UA,
  F_STATUS,
  F_STATUSMSG,
  F_SNI,
  F_JA3,
  F_JA4,
  F_SSLVER,
  F__N
};

static const struct {
  const char *name;
  sp_ftype type;
} fdefs[F__N] = {
    {"ts", SP_T_TIME},
    {"uid", SP_T_STR},
    {"id.orig_h", SP_T_IP},
    {"id.orig_p", SP_T_INT},
    {"id.resp_h", SP_T_IP},
    {"id.resp_p", SP_T_INT},
    {"proto", SP_T_STR},
    {"service", SP_T_STR},
    {"duration", SP_T_STR},
    {"orig_bytes", SP_T_INT},
    {"resp_bytes", SP_T_INT},
    {"conn_state", SP_T_STR},
    {"history", SP_T_STR},
    {"orig_pkts", SP_T_INT},
    {"orig_ip_bytes", SP_T_INT},
    {"resp_pkts", SP_T_INT},
    {"resp_ip_bytes", SP_T_INT},
    {"vlan", SP_T_INT},
    {"ip_proto", SP_T_INT},
    {"trans_id", SP_T_INT},
    {"rtt", SP_T_STR},
    {"query", SP_T_STR},
    {"qclass", SP_T_INT},
    {"qtype", SP_T_INT},
    {"qtype_name", SP_T_STR},
    {"rcode", SP_T_INT},
    {"rcode_name", SP_T_STR},
    {"AA", SP_T_STR},
    {"TC", SP_T_STR},
    {"RD", SP_T_STR},
    {"RA", SP_T_STR},
    {"Z", SP_T_INT},
    {"answers", SP_T_STR},
    {"TTLs", SP_T_STR},
    {"method", SP_T_STR},
    {"host", SP_T_STR},
    {"uri", SP_T_STR},
    {"referrer", SP_T_STR},
    {"version", SP_T_STR},
    {"user_agent", SP_T_STR},
    {"status_code", SP_T_INT},
    {"status_msg", SP_T_STR},
    {"server_name", SP_T_STR},
    {"ja3", SP_T_STR},
    {"ja4", SP_T_STR},
    {"version", SP_T_STR},
};

/* A pending HTTP request, DNS query or TLS hello of one flow. */
typedef struct app {
  bool dns_pending;
  int64_t dns_ts;
  uint64_t dns_pkt;
  sp_dns_msg *dns; /* the query */
  bool http_pending;
  int64_t http_ts;
  uint64_t http_pkt;
  char method[24], host[256], uri[PCAP_STR], ua[512], referrer[512];
  char version[4];
  bool tls_pending, tls_done;
  int64_t tls_ts;
  uint64_t tls_pkt;
  sp_tls_hello *hello;
} app;

typedef struct pcap_state {
  sp_source *src;
  FILE *fp;
  pcap_t *pc;
  int dlt;
  sp_flowtab *flows;
  int fid[F__N];
  int kind_conn, kind_dns, kind_http, kind_ssl;
  uint64_t pktno, non_ip, frags, evicted;
  int64_t now, last_sweep;
  bool done;
  sp_dns_msg dnsbuf;
  sp_tls_hello hellobuf;
  char errbuf[PCAP_ERRBUF_SIZE];
} pcap_state;

static ssize_t cookie_read(void *c, char *buf, size_t n) {
  sp_source *src = c;
  size_t got = 0;
  char msg[128];
  if (sp_source_read(src, buf, n, &got, msg, sizeof msg) != SP_OK && !got)
    return -1;
  return (ssize_t)got;
}

/* ---- event building ----------------------------------------------------- */

static sp_str fmt(sp_rctx *rc, const char *f, ...)
    __attribute__((format(printf, 2, 3)));
static sp_str fmt(sp_rctx *rc, const char *f, ...) {
  char *d = sp_rctx_alloc(rc, 64);
  if (!d)
    return sp_str_make("", 0);
  va_list ap;
  va_start(ap, f);
  int n = vsnprintf(d, 64, f, ap);
  va_end(ap);
  return sp_str_make(d, n < 0 ? 0 : (size_t)(n < 64 ? n : 63));
}

static sp_str keep(sp_rctx *rc, const char *s, size_t n) {
  if (n == 0)
    return sp_str_make("", 0);
  char *d = sp_rctx_alloc(rc, n ? n : 1);
  if (!d)
    return sp_str_make(s, n);
  memcpy(d, s, n);
  return sp_str_make(d, n);
}

static void put(pcap_state *s, sp_event *ev, int f, sp_str v) {
  if (s->fid[f] < 0)
    return;
  sp_fval *x = sp_event_add_typed(ev, s->fid[f], v, fdefs[f].type);
  (void)x;
}

static void put_int(pcap_state *s, sp_rctx *rc, sp_event *ev, int f,
                    int64_t v) {
  if (s->fid[f] >= 0)
    sp_event_set_int(ev, s->fid[f], fmt(rc, "%lld", (long long)v), v);
}

static sp_str epoch(sp_rctx *rc, int64_t ns) {
  return fmt(rc, "%lld.%06lld", (long long)(ns / 1000000000),
             (long long)(ns % 1000000000 / 1000));
}

static sp_str uid_of(sp_rctx *rc, const sp_flow *f) {
  static const char b62[] =
      "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
  uint64_t x =
      sp_mix64(((uint64_t)rc->file_id << 40) ^ f->serial ^ 0x5eed5eed5eedULL);
  char u[24];
  size_t n = 0;
  u[n++] = 'C';
  for (int i = 0; i < 17; i++) {
    u[n++] = b62[x % 62];
    x /= 62;
    if (i == 9)
      x = sp_mix64(x ^ f->serial);
  }
  return keep(rc, u, n);
}

/* Begin an event of a flow: ts, uid and the 5-tuple (Zeek's id record). */
static sp_event *begin(pcap_state *s, sp_rctx *rc, int kind, const sp_flow *f,
                       int64_t ts, uint64_t pkt) {
  rc->scratch_used = 0;
  sp_event *ev = sp_rctx_begin(rc, kind, pkt, 0);
  ev->ts = ts;
  if (s->fid[F_TS] >= 0) {
    sp_fval *v = sp_event_add_typed(ev, s->fid[F_TS], epoch(rc, ts), SP_T_TIME);
    if (v && v->type == SP_T_TIME) {
      v->v.i = ts;
      v->state = SP_V_OK;
    }
  }
  put(s, ev, F_UID, uid_of(rc, f));
  char ip[64];
  size_t n = sp_ip_format(&f->oh, ip, sizeof ip);
  sp_str oh = keep(rc, ip, n);
  n = sp_ip_format(&f->rh, ip, sizeof ip);
  sp_str rh = keep(rc, ip, n);
  put(s, ev, F_OH, oh);
  sp_event_set(ev, SP_F_SOURCE_IP, oh);
  put_int(s, rc, ev, F_OP, f->op);
  sp_event_set(ev, SP_F_SOURCE_PORT, fmt(rc, "%u", f->op));
  put(s, ev, F_RH, rh);
  sp_event_set(ev, SP_F_DESTINATION_IP, rh);
  put_int(s, rc, ev, F_RP, f->rp);
  sp_event_set(ev, SP_F_DESTINATION_PORT, fmt(rc, "%u", f->rp));
  return ev;
}

static const char *proto_name(uint8_t p) {
  switch (p) {
  case 6:
    return "tcp";
  case 17:
    return "udp";
  case 1:
  case 58:
    return "icmp";
  default:
    return "unknown_transport";
  }
}

static void emit_dns(pcap_state *s, sp_rctx *rc, const sp_flow *f,
                     const sp_dns_msg *q, const sp_dns_msg *r, int64_t ts,
                     int64_t rts, uint64_t pkt) {
  sp_event *ev = begin(s, rc, s->kind_dns, f, ts, pkt);
  const sp_dns_msg *m = q ? q : r;
  put(s, ev, F_PROTO,
      sp_str_make(proto_name(f->proto), strlen(proto_name(f->proto))));
  put_int(s, rc, ev, F_TRANS, m->id);
  if (q && r && rts >= ts)
    put(s, ev, F_RTT, fmt(rc, "%.6f", (double)(rts - ts) / 1e9));
  if (m->have_q) {
    sp_str qs = keep(rc, m->query, m->query_n);
    put(s, ev, F_QUERY, qs);
    sp_event_set(ev, SP_F_URL_DOMAIN, qs);
    if (q) { /* Zeek takes the question's class and type from the query */
      put_int(s, rc, ev, F_QCLASS, m->qclass);
      put_int(s, rc, ev, F_QTYPE, m->qtype);
      const char *tn = sp_dns_type_name(m->qtype);
      put(s, ev, F_QTYPEN,
          tn ? sp_str_make(tn, strlen(tn)) : fmt(rc, "query-%u", m->qtype));
    }
  }
  if (r) {
    put_int(s, rc, ev, F_RCODE, r->rcode);
    const char *rn = sp_dns_rcode_name(r->rcode);
    if (rn)
      put(s, ev, F_RCODEN, sp_str_make(rn, strlen(rn)));
  }
  const sp_dns_msg *h = r ? r : q;
  /* RD is the query's; AA, TC and RA the response's (Zeek's dns.log). */
  put(s, ev, F_AA, sp_str_make(r && r->aa ? "T" : "F", 1));
  put(s, ev, F_TC, sp_str_make(h->tc ? "T" : "F", 1));
  put(s, ev, F_RD, sp_str_make(q && q->rd ? "T" : "F", 1));
  put(s, ev, F_RA, sp_str_make(r && r->ra ? "T" : "F", 1));
  put_int(s, rc, ev, F_Z, h->z);
  if (r)
    for (size_t i = 0; i < r->n_ans; i++) {
      put(s, ev, F_ANSWERS, keep(rc, r->ans[i], strlen(r->ans[i])));
      put(s, ev, F_TTLS, fmt(rc, "%u.000000", r->ttl[i]));
    }
  sp_rctx_emit(rc);
}

static void emit_http(pcap_state *s, sp_rctx *rc, const sp_flow *f,
                      const app *a, const sp_http_head *resp) {
  sp_event *ev = begin(s, rc, s->kind_http, f, a->http_ts, a->http_pkt);
  sp_str v;
  if ((v = keep(rc, a->method, strlen(a->method))).n) {
    put(s, ev, F_METHOD, v);
    sp_event_set(ev, SP_F_HTTP_METHOD, v);
  }
  if ((v = keep(rc, a->host, strlen(a->host))).n) {
    put(s, ev, F_HOST, v);
    sp_event_set(ev, SP_F_URL_DOMAIN, v);
  }
  if ((v = keep(rc, a->uri, strlen(a->uri))).n) {
    put(s, ev, F_URI, v);
    sp_event_set(ev, SP_F_URL_ORIGINAL, v);
  }
  if ((v = keep(rc, a->referrer, strlen(a->referrer))).n) {
    put(s, ev, F_REFERRER, v);
    sp_event_set(ev, SP_F_HTTP_REFERRER, v);
  }
  if (resp && resp->version.n) /* Zeek: the reply's version wins */
    put(s, ev, F_VERSION, keep(rc, resp->version.p, resp->version.n));
  else if (a->version[0])
    put(s, ev, F_VERSION, keep(rc, a->version, strlen(a->version)));
  if ((v = keep(rc, a->ua, strlen(a->ua))).n) {
    put(s, ev, F_UA, v);
    sp_event_set(ev, SP_F_USER_AGENT, v);
  }
  if (resp) {
    sp_str st = keep(rc, resp->status.p, resp->status.n);
    uint64_t code = 0;
    (void)sp_str_to_u64(st, 999, &code);
    put_int(s, rc, ev, F_STATUS, (int64_t)code);
    sp_event_set(ev, SP_F_HTTP_STATUS, st);
    if (resp->reason.n)
      put(s, ev, F_STATUSMSG,
          keep(rc, resp->reason.p,
               resp->reason.n > 256 ? 256 : resp->reason.n));
  }
  sp_rctx_emit(rc);
}

static void emit_ssl(pcap_state *s, sp_rctx *rc, const sp_flow *f, const app *a,
                     uint16_t version) {
  sp_event *ev = begin(s, rc, s->kind_ssl, f, a->tls_ts, a->tls_pkt);
  const char *vn = sp_tls_version_name(version);
  if (vn)
    put(s, ev, F_SSLVER, sp_str_make(vn, strlen(vn)));
  if (a->hello->sni_n) {
    sp_str v = keep(rc, a->hello->sni, a->hello->sni_n);
    put(s, ev, F_SNI, v);
    sp_event_set(ev, SP_F_URL_DOMAIN, v);
  }
  put(s, ev, F_JA3, keep(rc, a->hello->ja3, strlen(a->hello->ja3)));
  put(s, ev, F_JA4, keep(rc, a->hello->ja4, strlen(a->hello->ja4)));
  sp_rctx_emit(rc);
}

static void free_app(app *a) {
  if (!a)
    return;
  free(a->dns);
  free(a->hello);
  free(a);
}

/* Emit what the flow still holds, then the conn event; release it. */
static void end_flow(pcap_state *s, sp_rctx *rc, sp_flow *f) {
  app *a = f->app;
  if (a) {
    if (a->dns_pending)
      emit_dns(s, rc, f, a->dns, NULL, a->dns_ts, 0, a->dns_pkt);
    if (a->http_pending)
      emit_http(s, rc, f, a, NULL);
    if (a->tls_pending)
      emit_ssl(s, rc, f, a, a->hello->version);
  }
  sp_event *ev = begin(s, rc, s->kind_conn, f, f->first_ts, f->first_pkt);
  const char *pn = proto_name(f->proto);
  put(s, ev, F_PROTO, sp_str_make(pn, strlen(pn)));
  if (f->service && f->service < 4)
    put(s, ev, F_SERVICE,
        sp_str_make(svc_name[f->service], strlen(svc_name[f->service])));
  if (f->last_ts > f->first_ts) {
    put(s, ev, F_DURATION,
        fmt(rc, "%.6f", (double)(f->last_ts - f->first_ts) / 1e9));
    put_int(s, rc, ev, F_OBYTES, (int64_t)f->size[0]);
    put_int(s, rc, ev, F_RBYTES, (int64_t)f->size[1]);
  }
  const char *cs = sp_flow_conn_state(f);
  put(s, ev, F_STATE, sp_str_make(cs, strlen(cs)));
  put(s, ev, F_HISTORY, keep(rc, f->hist, f->hist_n));
  put_int(s, rc, ev, F_OPKTS, (int64_t)f->pkts[0]);
  put_int(s, rc, ev, F_OIPB, (int64_t)f->ip_bytes[0]);
  put_int(s, rc, ev, F_RPKTS, (int64_t)f->pkts[1]);
  put_int(s, rc, ev, F_RIPB, (int64_t)f->ip_bytes[1]);
  if (f->vlan)
    put_int(s, rc, ev, F_VLAN, f->vlan);
  put_int(s, rc, ev, F_IPPROTO, f->proto);
  sp_rctx_emit(rc);
  free_app(a);
  f->app = NULL;
  sp_flow_release(s->flows, f);
}

/* ---- application layer -------------------------------------------------- */

static app *app_of(sp_flow *f) {
  if (!f->app)
    f->app = calloc(1, sizeof(app));
  return f->app;
}

static void copy_str(char *d, size_t cap, sp_str v) {
  size_t n = v.n < cap - 1 ? v.n : cap - 1;
  if (n)
    memcpy(d, v.p, n);
  d[n] = 0;
}

static bool dns_port(uint16_t p) {
  return p == 53 || p == 5353 || p == 5355 || p == 137;
}

static void on_dns(pcap_state *s, sp_rctx *rc, sp_flow *f, const uint8_t *p,
                   size_t n, int64_t ts) {
  sp_dns_msg *m = &s->dnsbuf;
  if (sp_dns_parse(p, n, m) || !m->have_q)
    return;
  f->service = SVC_DNS;
  /* A flow that starts with an answer is turned around, as Zeek's DNS
   * analyzer does: the answering side is the responder. */
  if (m->qr && f->pkts[0] == 1 && f->pkts[1] == 0 && f->proto == 17)
    sp_flow_flip(f);
  app *a = app_of(f);
  if (!a)
    return;
  if (!m->qr) {
    if (a->dns_pending)
      emit_dns(s, rc, f, a->dns, NULL, a->dns_ts, 0, a->dns_pkt);
    if (!a->dns && !(a->dns = malloc(sizeof *a->dns)))
      return;
    memcpy(a->dns, m, offsetof(sp_dns_msg, ans));
    a->dns_pending = true;
    a->dns_ts = ts;
    a->dns_pkt = s->pktno;
    return;
  }
  if (a->dns_pending && a->dns->id == m->id) {
    emit_dns(s, rc, f, a->dns, m, a->dns_ts, ts, a->dns_pkt);
    a->dns_pending = false;
  } else {
    emit_dns(s, rc, f, NULL, m, ts, ts, s->pktno);
  }
}

static void on_tcp_payload(pcap_state *s, sp_rctx *rc, sp_flow *f, int dir,
                           const sp_pkt *k, int64_t ts) {
  const uint8_t *p = k->payload;
  size_t n = k->payload_cap;
  if ((dns_port(f->rp) || dns_port(f->op)) && n > 14) {
    size_t l = (size_t)p[0] << 8 | p[1];
    if (l + 2 <= n) {
      on_dns(s, rc, f, p + 2, l, ts);
      return;
    }
  }
  if (n >= 6 && p[0] == 22 && p[1] == 3) {
    app *a = f->app;
    if (a && a->tls_done)
      return;
    sp_tls_hello *h = &s->hellobuf;
    if (sp_tls_parse_hello(p, n, h))
      return;
    f->service = SVC_SSL;
    if (!(a = app_of(f)))
      return;
    if (h->client && dir == 0 && !a->tls_pending) {
      if (!a->hello && !(a->hello = malloc(sizeof *a->hello)))
        return;
      *a->hello = *h;
      a->tls_pending = true;
      a->tls_ts = ts;
      a->tls_pkt = s->pktno;
    } else if (!h->client && a->tls_pending) {
      emit_ssl(s, rc, f, a, h->version);
      a->tls_pending = false;
      a->tls_done = true;
    }
    return;
  }
  if (n >= 12 && (p[0] >= 'A' && p[0] <= 'Z')) {
    sp_http_head hh;
    if (!sp_http_parse(p, n, &hh))
      return;
    app *a = app_of(f);
    if (!a)
      return;
    f->service = SVC_HTTP;
    if (hh.request && dir == 0) {
      if (a->http_pending)
        emit_http(s, rc, f, a, NULL);
      copy_str(a->method, sizeof a->method, hh.method);
      copy_str(a->host, sizeof a->host, hh.host);
      copy_str(a->uri, sizeof a->uri, hh.uri);
      copy_str(a->ua, sizeof a->ua, hh.user_agent);
      copy_str(a->referrer, sizeof a->referrer, hh.referrer);
      copy_str(a->version, sizeof a->version, hh.version);
      a->http_pending = true;
      a->http_ts = ts;
      a->http_pkt = s->pktno;
    } else if (!hh.request && dir == 1 && a->http_pending) {
      if (hh.status.n == 3 && hh.status.p[0] == '1')
        return; /* 1xx: informational, the real answer follows */
      emit_http(s, rc, f, a, &hh);
      a->http_pending = false;
    }
  }
}

/* ---- the reader --------------------------------------------------------- */

static int pcap_sniff(const sp_reader_vt *vt, const sp_sniff *sn) {
  (void)vt;
  if (sn->raw_len < 4)
    return 0;
  const uint8_t *p = (const uint8_t *)sn->raw;
  uint32_t m =
      (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
  if (m == 0xa1b2c3d4 || m == 0xd4c3b2a1 || m == 0xa1b23c4d ||
      m == 0x4d3cb2a1 || m == 0x0a0d0d0a)
    return 100;
  return 0;
}

static sp_err pcap_open_src(const sp_reader_vt *vt, sp_rctx *rc, sp_source *src,
                            void **out) {
  (void)vt;
  *out = NULL;
  pcap_state *s = calloc(1, sizeof *s);
  if (!s)
    return SP_ENOMEM;
  s->src = src;
  s->flows = sp_flowtab_create(PCAP_FLOWS);
  cookie_io_functions_t io = {.read = cookie_read};
  s->fp = s->flows ? fopencookie(src, "r", io) : NULL;
  if (!s->fp) {
    sp_flowtab_destroy(s->flows);
    free(s);
    return SP_ENOMEM;
  }
  for (int i = 0; i < F__N; i++)
    s->fid[i] = rc->names
                    ? sp_names_field_typed(rc->names, fdefs[i].name,
                                           strlen(fdefs[i].name), fdefs[i].type)
                    : sp_rctx_field(rc, fdefs[i].name, strlen(fdefs[i].name));
  s->kind_conn = sp_rctx_kind(rc, "conn");
  s->kind_dns = sp_rctx_kind(rc, "dns");
  s->kind_http = sp_rctx_kind(rc, "http");
  s->kind_ssl = sp_rctx_kind(rc, "ssl");
  (void)sp_rctx_reserve(rc, 1u << 16);
  s->pc = pcap_fopen_offline_with_tstamp_precision(
      s->fp, PCAP_TSTAMP_PRECISION_NANO, s->errbuf);
  if (!s->pc) {
    /* libpcap closes nothing on failure: the FILE is ours. */
    fclose(s->fp);
    s->fp = NULL;
    sp_rctx_malformed(rc, 1, "not a readable pcap or pcapng capture");
    s->done = true;
  } else {
    s->dlt = pcap_datalink(s->pc);
  }
  *out = s;
  return SP_OK;
}

static void flush_all(pcap_state *s, sp_rctx *rc) {
  sp_flow *f;
  while ((f = sp_flow_any(s->flows)))
    end_flow(s, rc, f);
}

static void finish(pcap_state *s, sp_rctx *rc) {
  flush_all(s, rc);
  s->done = true;
  char msg[160];
  if (s->evicted) {
    snprintf(msg, sizeof msg,
             "%llu connections ended early: more than %u open at once",
             (unsigned long long)s->evicted, PCAP_FLOWS);
    sp_rctx_limit(rc, "pcap.flows", msg, s->evicted);
  }
  if (s->non_ip || s->frags) {
    snprintf(msg, sizeof msg,
             "%llu non-IP frames skipped, %llu IP fragments after the first "
             "not reassembled",
             (unsigned long long)s->non_ip, (unsigned long long)s->frags);
    sp_rctx_note(rc, msg);
  }
}

static void packet(pcap_state *s, sp_rctx *rc, const struct pcap_pkthdr *h,
                   const uint8_t *data) {
  s->pktno++;
  int64_t ts = (int64_t)h->ts.tv_sec * 1000000000LL + h->ts.tv_usec;
  s->now = ts;
  sp_pkt k;
  const char *why = sp_pkt_decode(s->dlt, data, h->caplen, &k);
  if (why) {
    if (strcmp(why, "not IP") == 0)
      s->non_ip++;
    else
      sp_rctx_malformed(rc, s->pktno, why);
    return;
  }
  if (k.frag) {
    s->frags++;
    return;
  }
  int dir = 0;
  sp_flow *f = NULL, *ev;
  for (int tries = 0; tries < 3; tries++) {
    bool full = sp_flowtab_count(s->flows) >= PCAP_FLOWS;
    f = sp_flow_packet(s->flows, &k, ts, s->pktno, &dir, &ev);
    if (!ev)
      break;
    if (full)
      s->evicted++; /* a flow ended early to make room */
    end_flow(s, rc, ev);
  }
  if (!f)
    return;
  if (k.payload_cap) {
    if (k.proto == 17 && (dns_port(f->op) || dns_port(f->rp)))
      on_dns(s, rc, f, k.payload, k.payload_cap, ts);
    else if (k.proto == 6)
      on_tcp_payload(s, rc, f, dir, &k, ts);
  }
  if (ts - s->last_sweep > 1000000000LL) {
    s->last_sweep = ts;
    sp_flow *x;
    int budget = 1024;
    while (budget-- > 0 && (x = sp_flow_expire(s->flows, ts)))
      end_flow(s, rc, x);
  }
}

static int pcap_next_batch(void *st, sp_rctx *rc) {
  pcap_state *s = st;
  if (s->done)
    return 0;
  for (int i = 0; i < PCAP_BATCH; i++) {
    struct pcap_pkthdr *h;
    const u_char *data;
    int r = pcap_next_ex(s->pc, &h, &data);
    if (r == 1) {
      packet(s, rc, h, data);
      continue;
    }
    if (r == -2) { /* end of the capture */
      finish(s, rc);
      return 0;
    }
    snprintf(rc->errmsg, sizeof rc->errmsg, "pcap: %s after packet %llu",
             pcap_geterr(s->pc), (unsigned long long)s->pktno);
    finish(s, rc);
    return -1;
  }
  return 1;
}

static void pcap_close_src(void *st, sp_rctx *rc) {
  pcap_state *s = st;
  if (!s)
    return;
  if (!s->done && s->flows)
    finish(s, rc);
  if (s->pc)
    pcap_close(s->pc); /* closes the FILE too */
  else if (s->fp)
    fclose(s->fp);
  sp_flowtab_destroy(s->flows);
  free(s);
}

const sp_reader_vt sp_reader_pcap = {
    .name = "pcap",
    .ref = SP_REF_PACKET,
    .sniff = pcap_sniff,
    .open = pcap_open_src,
    .next = pcap_next_batch,
    .close = pcap_close_src,
};
