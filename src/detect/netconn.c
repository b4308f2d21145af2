/*
 * netconn.c - the network analytics over connections ("conn" events, in
 * Zeek's vocabulary, from any network reader): beaconing (spoor's
 * multi-day score, or RITA v5's exact score with --rita-compat), strobes,
 * long connections, exfiltration and rare destinations.
 *
 * State per instance: a compact pair table (src/net/pairs.h) of every
 * (source, destination) seen, plus the destination addresses that DNS
 * answers, TLS server names or HTTP hosts tie to an allow-listed domain.
 * Instances are merged at the end (merge folds tables) and on_end scores
 * every pair. Connections from external to internal addresses are left out
 * of beaconing and exfiltration (as RITA's filter_external_to_internal) but
 * count for long connections.
 *
 * Down-ranking (never hiding): NTP (udp/123 or service ntp), internal to
 * internal polling and allow-listed destinations (src/net/allow.h, input
 * "net_allow") move a beacon from rule spoor.net.beacon to
 * spoor.net.beacon_benign (low), its score multiplied by 0.5 (NTP,
 * allow list) or 0.7 (internal), the reason saying which.
 *
 * Budgets: the pair table's memory cap (the input's, divided among the
 * workers): connections of pairs it could not hold are counted in the
 * limit "net.pairs", connections not kept in a pair's series in
 * "net.series" (their totals stay exact); allow-listed destination
 * addresses beyond NAMES_MAX in "net.names".
 */
#include "core/timeutil.h"
#include "detect/detector.h"
#include "net/allow.h"
#include "net/beacon.h"
#include "net/pairs.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define NAMES_MAX (1u << 20)   /* allow-listed destination addresses kept */
#define BEACON_MIN 0.75        /* spoor's score that makes a finding */
#define RITA_MIN 0.0           /* compat mode: every scored pair, as RITA */
#define LONG_MIN 3600.0        /* s: RITA's long-connection base */
#define EXFIL_MIN 100000000ull /* bytes out of one internal host to one dst */
#define EXFIL_LOPSIDED 5.0     /* out / in */
#define RARE_HOSTS_MIN 10      /* internal hosts needed to call a dst rare */
#define RARE_CONNS_MIN 3

#define LIM_PAIRS "net.pairs"
#define LIM_PAIRS_DETAIL                                                       \
  "connections not analysed: their (source, destination) pair did not fit "    \
  "the network analytics' memory budget"
#define LIM_SERIES "net.series"
#define LIM_SERIES_DETAIL                                                      \
  "connections counted in their pair's totals but not in its time series "     \
  "(beacon scores see fewer connections): memory budget or over 4,194,304 "    \
  "connections in one pair"
#define LIM_NAMES "net.names"
#define LIM_NAMES_DETAIL                                                       \
  "addresses of allow-listed names not remembered (over 1,048,576): those "    \
  "destinations are not down-ranked"

static const sp_rule r_beacon = {
    "spoor.net.beacon",
    "Beaconing",
    "spoor-net",
    "spoor",
    "One host connects to one destination at regular intervals with similar "
    "sizes: command and control check-ins. The score, its sub-scores and "
    "the features behind them are in the finding.",
    "T1071,T1573",
    "",
    SP_LEVEL_HIGH,
    "https://attack.mitre.org/techniques/T1071/"};
static const sp_rule r_beacon_benign = {
    "spoor.net.beacon_benign",
    "Beaconing to a likely benign service",
    "spoor-net",
    "spoor",
    "Regular connections down-ranked as likely benign (NTP, internal "
    "polling, an allow-listed update, CDN or antivirus service); the "
    "finding says why.",
    "T1071",
    "",
    SP_LEVEL_LOW,
    "https://attack.mitre.org/techniques/T1071/"};
static const sp_rule r_rita = {
    "spoor.net.beacon_rita",
    "Beaconing (RITA v5 score)",
    "spoor-net",
    "spoor",
    "RITA v5's beacon score over the last 24 hours of the input "
    "(--rita-compat).",
    "T1071",
    "",
    SP_LEVEL_MEDIUM,
    "https://github.com/activecm/rita"};
static const sp_rule r_strobe = {
    "spoor.net.strobe",
    "Strobe: very many connections",
    "spoor-net",
    "spoor",
    "At least 86,400 connections in one day between one pair (RITA's strobe "
    "threshold).",
    "T1071,T1046",
    "",
    SP_LEVEL_MEDIUM,
    "https://attack.mitre.org/techniques/T1071/"};
static const sp_rule r_long = {
    "spoor.net.long_connection",
    "Long connection",
    "spoor-net",
    "spoor",
    "A connection between one pair lasted long (open ones included; the "
    "pair's total with --rita-compat): interactive sessions, tunnels or C2 "
    "kept open.",
    "T1071,T1572",
    "",
    SP_LEVEL_MEDIUM,
    "https://attack.mitre.org/techniques/T1572/"};
static const sp_rule r_exfil = {
    "spoor.net.exfiltration",
    "Large or lopsided outbound transfer",
    "spoor-net",
    "spoor",
    "An internal host sent much more to one external destination than it "
    "received, or a very large volume, the share sent off hours given.",
    "T1048,T1041",
    "",
    SP_LEVEL_HIGH,
    "https://attack.mitre.org/techniques/T1048/"};
static const sp_rule r_rare = {
    "spoor.net.rare_destination",
    "Rare destination",
    "spoor-net",
    "spoor",
    "An external destination only one internal host talks to, first seen "
    "after the first quarter of the evidence's time span.",
    "T1071",
    "",
    SP_LEVEL_LOW,
    "https://attack.mitre.org/techniques/T1071/"};

const sp_rule *const sp_netconn_rules[] = {
    &r_beacon, &r_beacon_benign, &r_rita, &r_strobe,
    &r_long,   &r_exfil,         &r_rare, NULL};

/* An address tied to an allow-listed name. */
typedef struct named {
  sp_ip ip;
  int32_t entry; /* allow-list entry + 1; 0 = empty slot */
} named;

typedef struct netconn {
  const sp_net_allow *allow;
  sp_ntab *tab;
  named *names;
  size_t n_names, cap_names;
  uint64_t names_over;
  int64_t min_ts, max_ts; /* s, over every conn event */
  int k_conn, k_open, k_dns, k_ssl, k_http;
  int f_orig_ip, f_orig, f_resp, f_dur, f_state, f_proto, f_service, f_uid,
      f_answers;
  sp_err err;
} netconn;

static void *nc_create(const sp_dctx *ctx) {
  netconn *s = calloc(1, sizeof *s);
  if (!s)
    return NULL;
  s->allow = sp_dctx_input(ctx, "net_allow");
  size_t cap = sp_net_allow_mem_cap(s->allow);
  int w = ctx && ctx->workers > 1 ? ctx->workers : 1;
  if (sp_ntab_create(cap / (size_t)w, sp_net_allow_rita(s->allow), &s->tab)) {
    free(s);
    return NULL;
  }
  s->min_ts = INT64_MAX;
  s->max_ts = INT64_MIN;
  s->k_conn = sp_dctx_kind(ctx, "conn");
  s->k_open = sp_dctx_kind(ctx, "open_conn");
  s->k_dns = sp_dctx_kind(ctx, "dns");
  s->k_ssl = sp_dctx_kind(ctx, "ssl");
  s->k_http = sp_dctx_kind(ctx, "http");
  s->f_orig_ip = sp_dctx_field(ctx, "orig_ip_bytes");
  s->f_orig = sp_dctx_field(ctx, "orig_bytes");
  s->f_resp = sp_dctx_field(ctx, "resp_bytes");
  s->f_dur = sp_dctx_field(ctx, "duration");
  s->f_state = sp_dctx_field(ctx, "conn_state");
  s->f_proto = sp_dctx_field(ctx, "proto");
  s->f_service = sp_dctx_field(ctx, "service");
  s->f_uid = sp_dctx_field(ctx, "uid");
  s->f_answers = sp_dctx_field(ctx, "answers");
  return s;
}

static void nc_destroy(void *st) {
  netconn *s = st;
  if (!s)
    return;
  sp_ntab_destroy(s->tab);
  free(s->names);
  free(s);
}

/* ---- allow-listed names ------------------------------------------------ */

static uint64_t ip_hash(const sp_ip *ip) {
  uint64_t a, b;
  memcpy(&a, ip->b, 8);
  memcpy(&b, ip->b + 8, 8);
  return sp_mix64(a ^ sp_mix64(b));
}

static int name_of(const netconn *s, const sp_ip *ip) {
  if (!s->cap_names)
    return -1;
  size_t j = ip_hash(ip) & (s->cap_names - 1);
  while (s->names[j].entry) {
    if (memcmp(&s->names[j].ip, ip, sizeof *ip) == 0)
      return s->names[j].entry - 1;
    j = (j + 1) & (s->cap_names - 1);
  }
  return -1;
}

static void name_put(netconn *s, const sp_ip *ip, int entry) {
  if (name_of(s, ip) >= 0)
    return;
  if (s->n_names >= NAMES_MAX) {
    s->names_over++;
    return;
  }
  if ((s->n_names + 1) * 2 > s->cap_names) {
    size_t ncap = s->cap_names ? s->cap_names * 2 : 256;
    named *nv = calloc(ncap, sizeof *nv);
    if (!nv) {
      s->err = SP_ENOMEM;
      return;
    }
    for (size_t i = 0; i < s->cap_names; i++)
      if (s->names[i].entry) {
        size_t j = ip_hash(&s->names[i].ip) & (ncap - 1);
        while (nv[j].entry)
          j = (j + 1) & (ncap - 1);
        nv[j] = s->names[i];
      }
    free(s->names);
    s->names = nv;
    s->cap_names = ncap;
  }
  size_t j = ip_hash(ip) & (s->cap_names - 1);
  while (s->names[j].entry)
    j = (j + 1) & (s->cap_names - 1);
  s->names[j] = (named){*ip, entry + 1};
  s->n_names++;
}

static void on_name(netconn *s, const sp_event *ev) {
  sp_str name = sp_event_get(ev, SP_F_URL_DOMAIN);
  if (!name.n)
    return;
  int e = sp_net_allow_domain(s->allow, name);
  if (e < 0)
    return;
  sp_ip ip;
  if (ev->kind == s->k_dns) {
    for (const sp_fval *f = sp_event_find(ev, s->f_answers); f;
         f = sp_event_next(ev, f))
      if (sp_ip_parse(f->s, &ip))
        name_put(s, &ip, e);
  } else if (sp_event_get_ip(ev, SP_F_DESTINATION_IP, &ip))
    name_put(s, &ip, e);
}

/* ---- connections ------------------------------------------------------- */

static double parse_double(sp_str v, bool *ok) {
  char b[64];
  *ok = false;
  if (!v.n || v.n >= sizeof b || (v.n == 1 && v.p[0] == '-'))
    return 0;
  memcpy(b, v.p, v.n);
  b[v.n] = 0;
  char *end;
  double d = strtod(b, &end);
  *ok = end != b && *end == 0 && isfinite(d) && d >= 0;
  return *ok ? d : 0;
}

static uint64_t get_u(const sp_event *ev, int f) {
  int64_t v;
  return f >= 0 && sp_event_get_int(ev, f, &v) && v > 0 ? (uint64_t)v : 0;
}

static void open_put(sp_npair *p, uint64_t uid, double dur, bool closed) {
  for (int k = 0; k < SP_NPAIR_OPEN; k++) {
    if (p->open[k].uid == uid) {
      if (dur > p->open[k].dur)
        p->open[k].dur = dur;
      p->open[k].closed |= closed;
      return;
    }
    if (!p->open[k].uid) {
      p->open[k] = (sp_nopen){uid, dur, closed};
      return;
    }
  }
}

static void on_conn(netconn *s, const sp_event *ev, bool open_log) {
  sp_ip src, dst;
  if (ev->ts == SP_TIME_NONE || !sp_event_get_ip(ev, SP_F_SOURCE_IP, &src) ||
      !sp_event_get_ip(ev, SP_F_DESTINATION_IP, &dst))
    return;
  int64_t t =
      ev->ts >= 0 ? ev->ts / 1000000000 : -((-ev->ts + 999999999) / 1000000000);
  sp_str uid = sp_event_get(ev, s->f_uid);
  uint64_t uh = uid.n ? sp_hash_bytes(uid.p, uid.n, false) | 1 : 0;
  bool ok;
  double dur = parse_double(sp_event_get(ev, s->f_dur), &ok);
  sp_npair *p = sp_ntab_get(s->tab, &src, &dst);
  if (!p) {
    sp_ntab_drop(s->tab, 1);
    return;
  }
  if (open_log) { /* open_conn: a connection still open at log rotation */
    if (uh && ok)
      open_put(p, uh, dur, false);
    return;
  }
  if (t < s->min_ts)
    s->min_ts = t;
  if (t > s->max_ts)
    s->max_ts = t;
  if (uh)
    for (int k = 0; k < SP_NPAIR_OPEN; k++)
      if (p->open[k].uid == uh)
        p->open[k].closed = true;
  p->n++;
  if (ok) {
    p->dur_closed += dur;
    if (dur > p->dur_max)
      p->dur_max = dur;
  } else
    p->n_open++;
  int64_t port = 0;
  (void)sp_event_get_int(ev, SP_F_DESTINATION_PORT, &port);
  sp_str proto = sp_event_get(ev, s->f_proto);
  if ((port == 123 && sp_str_ieq(proto, "udp")) ||
      sp_str_ieq(sp_event_get(ev, s->f_service), "ntp"))
    p->n_ntp++;
  uint64_t ob = get_u(ev, s->f_orig);
  p->orig_bytes += ob;
  p->resp_bytes += get_u(ev, s->f_resp);
  int64_t hod = ((t % 86400) + 86400) % 86400 / 3600;
  if (hod < 7 || hod >= 19)
    p->night_bytes += ob;
  if (t < p->first)
    p->first = t;
  if (t > p->last)
    p->last = t;
  if (ev->ts < p->ref_ts ||
      (ev->ts == p->ref_ts &&
       (ev->file_id < p->ref_file ||
        (ev->file_id == p->ref_file && ev->line < p->ref_line)))) {
    p->ref_ts = ev->ts;
    p->ref_file = ev->file_id;
    p->ref_line = ev->line;
    p->ref_kind = ev->ref;
    p->port = (uint16_t)(port > 0 && port < 65536 ? port : 0);
  }
  (void)sp_npair_append(s->tab, p, t, get_u(ev, s->f_orig_ip),
                        ok ? (uint64_t)llround(dur * 1e6) : 0);
}

static void nc_on_event(void *st, const sp_event *ev, sp_fset *out) {
  netconn *s = st;
  if (ev->kind == s->k_conn)
    on_conn(s, ev, false);
  else if (ev->kind == s->k_open)
    on_conn(s, ev, true);
  else if (ev->kind == s->k_dns || ev->kind == s->k_ssl ||
           ev->kind == s->k_http)
    on_name(s, ev);
}

static void nc_merge(void *dp, void *sp) {
  netconn *d = dp, *s = sp;
  if (!sp_ntab_merge(d->tab, s->tab) && !d->err)
    d->err = SP_ENOMEM;
  for (size_t i = 0; i < s->cap_names; i++)
    if (s->names[i].entry)
      name_put(d, &s->names[i].ip, s->names[i].entry - 1);
  d->names_over += s->names_over;
  if (s->min_ts < d->min_ts)
    d->min_ts = s->min_ts;
  if (s->max_ts > d->max_ts)
    d->max_ts = s->max_ts;
  if (s->err && !d->err)
    d->err = s->err;
}

/* ---- findings ---------------------------------------------------------- */

static void fmt_ip(const sp_ip *ip, char *b) { sp_ip_format(ip, b, 64); }

/* Per destination: internal hosts talking to it and when first seen. */
typedef struct dstat {
  sp_ip ip;
  uint32_t srcs; /* internal sources; 0 = empty slot */
  int64_t first;
} dstat;

typedef struct ctx_end {
  netconn *s;
  sp_fset *out;
  dstat *d;
  size_t dcap;
  uint64_t hosts; /* distinct internal sources */
  int64_t *ts, *sz, *du;
} ctx_end;

static dstat *dst_of(ctx_end *c, const sp_ip *ip) {
  size_t j = ip_hash(ip) & (c->dcap - 1);
  while (c->d[j].srcs && memcmp(&c->d[j].ip, ip, sizeof *ip) != 0)
    j = (j + 1) & (c->dcap - 1);
  return &c->d[j];
}

static void hit_pair(sp_hit *h, const sp_rule *r, const sp_npair *p, char *src,
                     char *dst) {
  sp_hit_init(h, r, p->ref_ts, p->ref_file, p->ref_line,
              (sp_ref_kind)p->ref_kind);
  h->weight = p->n ? p->n : 1;
  fmt_ip(&p->src, src);
  fmt_ip(&p->dst, dst);
  sp_hit_entity(h, "source.ip", sp_str_make(src, strlen(src)));
  sp_hit_entity(h, "destination.ip", sp_str_make(dst, strlen(dst)));
}

static void ent(sp_hit *h, const char *f, const char *v) {
  sp_hit_entity(h, f, sp_str_make(v, strlen(v)));
}

static void fmt_time(int64_t s, char *b, size_t n) {
  time_t t = (time_t)s;
  struct tm tm;
  if (!gmtime_r(&t, &tm) || !strftime(b, n, "%Y-%m-%dT%H:%M:%SZ", &tm))
    snprintf(b, n, "%lld", (long long)s);
}

/* Why a destination is down-ranked, or NULL; *factor set. */
static const char *downrank(const ctx_end *c, const sp_npair *p, char *why,
                            size_t n, double *factor) {
  const netconn *s = c->s;
  *factor = 1.0;
  int e = sp_net_allow_ip(s->allow, &p->dst);
  const char *via = "address";
  if (e < 0) {
    e = name_of(s, &p->dst);
    via = "name";
  }
  if (p->n_ntp * 2 >= p->n) {
    *factor = 0.5;
    snprintf(why, n, "NTP (udp/123): clock polling is periodic by design");
  } else if (e >= 0) {
    *factor = 0.5;
    snprintf(why, n, "allow list (%s): %s%s%s", via,
             sp_net_allow_entry(s->allow, e),
             *sp_net_allow_comment(s->allow, e) ? " - " : "",
             sp_net_allow_comment(s->allow, e));
  } else if (sp_net_internal(&p->src) && sp_net_internal(&p->dst)) {
    *factor = 0.7;
    snprintf(why, n, "internal to internal (RFC 1918 both sides): polling");
  } else
    return NULL;
  return why;
}

static void beacon_default(ctx_end *c, sp_npair *p) {
  sp_net_beacon b;
  sp_npair_decode(c->s->tab, p, c->ts, c->sz, NULL);
  bool ok = sp_net_beacon_score(c->ts, c->sz, p->n_stored, &b);
  char src[64], dst[64], why[256], score[32], sub[96], feat[256],
      reason[SP_MAX_REASON_LEN], f0[32], f1[32];
  sp_hit h;
  fmt_time(b.first, f0, sizeof f0);
  fmt_time(b.last, f1, sizeof f1);
  if (b.max_per_day >= SP_NET_STROBE) {
    hit_pair(&h, &r_strobe, p, src, dst);
    snprintf(reason, sizeof reason,
             "strobe: %llu connections in the busiest day (%llu in all, %u "
             "days, %s .. %s)",
             (unsigned long long)b.max_per_day, (unsigned long long)p->n,
             b.days, f0, f1);
    h.reason = sp_str_make(reason, strlen(reason));
    sp_fset_add(c->out, &h);
    return;
  }
  if (!ok || b.score < BEACON_MIN * 0.5 || b.ts < SP_NET_TS_MIN ||
      (b.ts + b.ds) / 2 < SP_NET_TSDS_MIN)
    return;
  double factor;
  const char *dr = downrank(c, p, why, sizeof why, &factor);
  double final = sp_rita_r3(b.score * factor);
  if (!dr && final < BEACON_MIN)
    return;
  const dstat *d = dst_of(c, &p->dst);
  hit_pair(&h, dr ? &r_beacon_benign : &r_beacon, p, src, dst);
  snprintf(score, sizeof score, "%.3f", final);
  snprintf(sub, sizeof sub, "ts=%.3f ds=%.3f persist=%.3f conf=%.3f", b.ts,
           b.ds, b.persist, b.conf);
  snprintf(feat, sizeof feat,
           "conns=%llu interval_median=%.0fs interval_mode=%.0fs skew=%.3f "
           "mad=%.1fs size_median=%.0f size_mad=%.1f days=%u hours=%u "
           "off_periods=%zu prevalence=%u/%llu first=%s last=%s",
           (unsigned long long)p->n, b.interval_median, b.interval_mode, b.skew,
           b.mad, b.size_median, b.size_mad, b.days, b.hours, b.gaps, d->srcs,
           (unsigned long long)c->hosts, f0, f1);
  ent(&h, "net.score", score);
  ent(&h, "net.subscores", sub);
  ent(&h, "net.features", feat);
  if (dr)
    ent(&h, "net.downranked", dr);
  snprintf(reason, sizeof reason,
           "beacon score %s%s%s%s (%s): every %.0fs (median), %llu "
           "connections over %u day(s), %s .. %s",
           score, dr ? " after down-ranking (" : "", dr ? dr : "",
           dr ? ")" : "", sub, b.interval_median, (unsigned long long)p->n,
           b.days, f0, f1);
  h.reason = sp_str_make(reason, strlen(reason));
  sp_fset_add(c->out, &h);
}

static const char *rita_category(double v) {
  return v >= 1.0   ? "critical"
         : v >= 0.9 ? "high"
         : v >= 0.7 ? "medium"
         : v >= 0.5 ? "low"
                    : "none";
}

static void beacon_rita(ctx_end *c, sp_npair *p, int64_t dmin, int64_t dmax,
                        int64_t hour0) {
  sp_npair_decode(c->s->tab, p, c->ts, c->sz, NULL);
  size_t n = 0;
  for (uint32_t i = 0; i < p->n_stored; i++)
    if (c->ts[i] >= hour0) {
      c->ts[n] = c->ts[i];
      c->sz[n++] = c->sz[i];
    }
  if (n < 4 || n >= SP_NET_STROBE)
    return;
  sp_rita_beacon b;
  if (!sp_rita_beacon_score(dmin, dmax, c->ts, c->sz, n, &b) ||
      b.score < RITA_MIN)
    return;
  char src[64], dst[64], score[32], sub[96], feat[200],
      reason[SP_MAX_REASON_LEN];
  sp_hit h;
  hit_pair(&h, &r_rita, p, src, dst);
  h.weight = n;
  snprintf(score, sizeof score, "%.3f", b.score);
  snprintf(sub, sizeof sub, "ts=%.3f ds=%.3f dur=%.3f hist=%.3f", b.ts, b.ds,
           b.dur, b.hist);
  snprintf(feat, sizeof feat,
           "conns=%zu interval_median=%.0fs skew=%.3f mad=%.1fs "
           "size_median=%.0f size_mad=%.1f bars=%u longest_run=%u",
           n, b.ts_stat.median, b.ts_stat.skew, b.ts_stat.mad, b.ds_stat.median,
           b.ds_stat.mad, b.h.total_bars, b.h.longest_run);
  ent(&h, "net.score", score);
  ent(&h, "net.subscores", sub);
  ent(&h, "net.features", feat);
  snprintf(reason, sizeof reason,
           "RITA v5 beacon score %s (%s, category %s) over %zu connections "
           "in the window %lld..%lld",
           score, sub, rita_category(b.score), n, (long long)dmin,
           (long long)dmax);
  h.reason = sp_str_make(reason, strlen(reason));
  sp_fset_add(c->out, &h);
}

/* hour0 > INT64_MIN: RITA's window (closed durations inside it only). */
static void long_conn(ctx_end *c, const sp_npair *p, int64_t hour0) {
  double closed = p->dur_closed, open = 0;
  if (hour0 != INT64_MIN && p->n_stored) {
    sp_npair_decode(c->s->tab, p, c->ts, c->sz, c->du);
    int64_t us = 0;
    for (uint32_t i = 0; i < p->n_stored; i++)
      if (c->ts[i] >= hour0)
        us += c->du[i];
    closed = us / 1e6;
  }
  double longest = p->dur_max;
  unsigned n_open = 0;
  for (int k = 0; k < SP_NPAIR_OPEN; k++)
    if (p->open[k].uid && !p->open[k].closed) {
      open += p->open[k].dur;
      n_open++;
      if (p->open[k].dur > longest)
        longest = p->open[k].dur;
    }
  double total = closed + open;
  /* RITA (compat) judges the total; spoor the longest single connection,
   * open ones included: a busy pair's many short connections add up to
   * hours over a month without anything staying open. */
  double judged = hour0 != INT64_MIN ? total : longest;
  if (judged < LONG_MIN)
    return;
  char src[64], dst[64], score[32], feat[200], reason[SP_MAX_REASON_LEN];
  double sc = sp_rita_bucketed(judged, 3600, 14400, 28800, 43200);
  sp_hit h;
  hit_pair(&h, &r_long, p, src, dst);
  snprintf(score, sizeof score, "%.3f", sc);
  snprintf(feat, sizeof feat,
           "total_duration=%.6fs longest=%.6fs closed=%.6fs open=%.6fs "
           "open_conns=%u conns=%llu without_duration=%llu port=%u",
           total, longest, closed, open, n_open, (unsigned long long)p->n,
           (unsigned long long)p->n_open, p->port);
  ent(&h, "net.score", score);
  ent(&h, "net.features", feat);
  snprintf(reason, sizeof reason,
           "%s %.0f s (%.1f h; %.0f s in total, %u still open), "
           "long-connection score %s (RITA thresholds 1/4/8/12 h)",
           hour0 != INT64_MIN ? "connections lasted" : "longest connection",
           judged, judged / 3600, total, n_open, score);
  h.reason = sp_str_make(reason, strlen(reason));
  sp_fset_add(c->out, &h);
}

static void exfil(ctx_end *c, const sp_npair *p) {
  if (!sp_net_internal(&p->src) || sp_net_internal(&p->dst) ||
      p->orig_bytes < EXFIL_MIN)
    return;
  double ratio = (double)p->orig_bytes / (double)(p->resp_bytes + 1);
  if (ratio < EXFIL_LOPSIDED && p->orig_bytes < 10 * EXFIL_MIN)
    return;
  double night = (double)p->night_bytes / (double)p->orig_bytes;
  double sc = fmin(1.0, 0.4 + 0.2 * log10((double)p->orig_bytes / EXFIL_MIN) +
                            0.2 * (ratio >= EXFIL_LOPSIDED) + 0.2 * night);
  char src[64], dst[64], score[32], feat[200], reason[SP_MAX_REASON_LEN],
      f0[32];
  sp_hit h;
  hit_pair(&h, &r_exfil, p, src, dst);
  fmt_time(p->first, f0, sizeof f0);
  snprintf(score, sizeof score, "%.3f", sc);
  snprintf(feat, sizeof feat,
           "bytes_out=%llu bytes_in=%llu out_in_ratio=%.1f off_hours=%.0f%% "
           "conns=%llu first=%s",
           (unsigned long long)p->orig_bytes, (unsigned long long)p->resp_bytes,
           ratio, night * 100, (unsigned long long)p->n, f0);
  ent(&h, "net.score", score);
  ent(&h, "net.features", feat);
  snprintf(reason, sizeof reason,
           "%.1f MB sent out, %.1f MB received (ratio %.1f), %.0f%% off hours "
           "(19:00-07:00 UTC), score %s",
           p->orig_bytes / 1e6, p->resp_bytes / 1e6, ratio, night * 100, score);
  h.reason = sp_str_make(reason, strlen(reason));
  sp_fset_add(c->out, &h);
}

static void rare(ctx_end *c, const sp_npair *p) {
  const netconn *s = c->s;
  if (!sp_net_internal(&p->src) || sp_net_internal(&p->dst) ||
      c->hosts < RARE_HOSTS_MIN || p->n < RARE_CONNS_MIN)
    return;
  const dstat *d = dst_of(c, &p->dst);
  if (d->srcs != 1 || d->first < s->min_ts + (s->max_ts - s->min_ts) / 4 ||
      sp_net_allow_ip(s->allow, &p->dst) >= 0 || name_of(s, &p->dst) >= 0)
    return;
  char src[64], dst[64], score[32], feat[200], reason[SP_MAX_REASON_LEN],
      f0[32];
  sp_hit h;
  hit_pair(&h, &r_rare, p, src, dst);
  fmt_time(d->first, f0, sizeof f0);
  double sc = sp_rita_r3(1.0 - 1.0 / (double)c->hosts);
  snprintf(score, sizeof score, "%.3f", sc);
  snprintf(feat, sizeof feat,
           "prevalence=1/%llu first_seen=%s conns=%llu bytes_out=%llu",
           (unsigned long long)c->hosts, f0, (unsigned long long)p->n,
           (unsigned long long)p->orig_bytes);
  ent(&h, "net.score", score);
  ent(&h, "net.features", feat);
  snprintf(reason, sizeof reason,
           "only 1 of %llu internal hosts reaches this destination, first "
           "seen %s (%.1f days into the evidence), %llu connections",
           (unsigned long long)c->hosts, f0,
           (double)(d->first - s->min_ts) / 86400, (unsigned long long)p->n);
  h.reason = sp_str_make(reason, strlen(reason));
  sp_fset_add(c->out, &h);
}

static void nc_on_end(void *st, sp_fset *out) {
  netconn *s = st;
  sp_limits *lim = sp_fset_limits(out);
  sp_limits_add(lim, LIM_PAIRS, LIM_PAIRS_DETAIL, sp_ntab_dropped(s->tab));
  sp_limits_add(lim, LIM_SERIES, LIM_SERIES_DETAIL, sp_ntab_unstored(s->tab));
  sp_limits_add(lim, LIM_NAMES, LIM_NAMES_DETAIL, s->names_over);
  if (s->err) {
    sp_fset_fail(out, s->err);
    return;
  }
  size_t np = sp_ntab_count(s->tab);
  if (!np)
    return;
  ctx_end c = {.s = s, .out = out};
  c.dcap = 1;
  while (c.dcap < np * 2)
    c.dcap <<= 1;
  c.d = calloc(c.dcap, sizeof *c.d);
  /* Distinct internal sources: a set over the same sizing. */
  size_t hcap = c.dcap;
  sp_ip *hs = calloc(hcap, sizeof *hs);
  bool *hu = calloc(hcap, sizeof *hu);
  uint32_t maxn = 0;
  for (size_t i = 0; i < np; i++)
    if (sp_ntab_at(s->tab, i)->n_stored > maxn)
      maxn = sp_ntab_at(s->tab, i)->n_stored;
  c.ts = malloc((maxn + 1) * sizeof *c.ts);
  c.sz = malloc((maxn + 1) * sizeof *c.sz);
  c.du = malloc((maxn + 1) * sizeof *c.du);
  if (!c.d || !hs || !hu || !c.ts || !c.sz || !c.du) {
    sp_fset_fail(out, SP_ENOMEM);
    goto done;
  }
  for (size_t i = 0; i < np; i++) {
    const sp_npair *p = sp_ntab_at(s->tab, i);
    if (!sp_net_internal(&p->src) || !p->n)
      continue;
    size_t j = ip_hash(&p->src) & (hcap - 1);
    while (hu[j] && memcmp(&hs[j], &p->src, sizeof p->src) != 0)
      j = (j + 1) & (hcap - 1);
    if (!hu[j]) {
      hu[j] = true;
      hs[j] = p->src;
      c.hosts++;
    }
    dstat *d = dst_of(&c, &p->dst);
    if (!d->srcs) {
      d->ip = p->dst;
      d->first = p->first;
    }
    d->srcs++;
    if (p->first < d->first)
      d->first = p->first;
  }
  bool rita = sp_net_allow_rita(s->allow);
  int64_t dmax = s->max_ts, dmin = s->max_ts - 86400;
  if (dmin < s->min_ts)
    dmin = s->min_ts;
  int64_t hour0 =
      dmin >= 0 ? dmin / 3600 * 3600 : -((-dmin + 3599) / 3600) * 3600;
  for (size_t i = 0; i < np; i++) {
    sp_npair *p = sp_ntab_at(s->tab, i);
    bool ext_in = !sp_net_internal(&p->src) && sp_net_internal(&p->dst);
    if (p->n || p->open[0].uid)
      long_conn(&c, p, rita ? hour0 : INT64_MIN);
    if (ext_in || !p->n)
      continue;
    if (rita)
      beacon_rita(&c, p, dmin, dmax, hour0);
    else
      beacon_default(&c, p);
    exfil(&c, p);
    rare(&c, p);
  }
done:
  free(c.d);
  free(hs);
  free(hu);
  free(c.ts);
  free(c.sz);
  free(c.du);
}

const sp_detector_vt sp_det_netconn = {
    .name = "net_conn",
    .create = nc_create,
    .on_event = nc_on_event,
    .merge = nc_merge,
    .on_end = nc_on_end,
    .destroy = nc_destroy,
};
