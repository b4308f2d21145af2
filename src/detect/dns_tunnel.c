/*
 * dns_tunnel.c - DNS tunnelling and exfiltration over "dns" events (Zeek's
 * vocabulary, any network reader): per registered domain (src/net/dns.h)
 * the distinct names under it, their label length and entropy and the
 * TXT/NULL query rate. A domain judged a tunnel is one finding with the
 * score, sub-scores and features; allow-listed domains (input "net_allow")
 * are down-ranked to spoor.net.dns_tunnel_benign, never hidden.
 *
 * State: one aggregate per instance, merged at the end; the Public Suffix
 * List is loaded once per instance (libpsl: the system's list, else
 * libpsl's built-in one). Budgets: domains beyond the aggregate's cap are
 * counted in the limit "net.dns_domains".
 */
#include "core/timeutil.h"
#include "detect/detector.h"
#include "net/allow.h"
#include "net/dns.h"

#include <libpsl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LIM_DOMAINS "net.dns_domains"
#define LIM_DOMAINS_DETAIL                                                     \
  "DNS queries not judged for tunnelling: their registered domain was "        \
  "beyond the budget of 1,048,576 domains"

static const sp_rule r_tunnel = {
    "spoor.net.dns_tunnel",
    "DNS tunnelling or exfiltration",
    "spoor-net",
    "spoor",
    "Many distinct names under one registered domain, long high-entropy "
    "labels or a high TXT/NULL rate: data carried in DNS queries.",
    "T1071.004,T1048.003",
    "",
    SP_LEVEL_HIGH,
    "https://attack.mitre.org/techniques/T1071/004/"};
static const sp_rule r_tunnel_benign = {
    "spoor.net.dns_tunnel_benign",
    "DNS tunnel-like names under an allow-listed domain",
    "spoor-net",
    "spoor",
    "Tunnel-like DNS names under a domain of the allow list (CDNs and "
    "security services encode data in names too); the finding says which "
    "entry.",
    "T1071.004",
    "",
    SP_LEVEL_LOW,
    "https://attack.mitre.org/techniques/T1071/004/"};

const sp_rule *const sp_dns_tunnel_rules[] = {&r_tunnel, &r_tunnel_benign,
                                              NULL};

typedef struct dnst {
  psl_ctx_t *psl;
  sp_dnsagg *agg;
  const sp_net_allow *allow;
  int k_dns, f_query, f_qtype;
  sp_err err;
} dnst;

static void dt_destroy(void *st) {
  dnst *s = st;
  if (!s)
    return;
  sp_dnsagg_destroy(s->agg);
  psl_free(s->psl);
  free(s);
}

static void *dt_create(const sp_dctx *ctx) {
  dnst *s = calloc(1, sizeof *s);
  if (!s)
    return NULL;
  s->psl = psl_latest(NULL);
  const psl_ctx_t *psl = s->psl ? s->psl : psl_builtin();
  if (!psl || sp_dnsagg_create(psl, &s->agg)) {
    dt_destroy(s);
    return NULL;
  }
  s->allow = sp_dctx_input(ctx, "net_allow");
  s->k_dns = sp_dctx_kind(ctx, "dns");
  s->f_query = sp_dctx_field(ctx, "query");
  s->f_qtype = sp_dctx_field(ctx, "qtype");
  return s;
}

static void dt_on_event(void *st, const sp_event *ev, sp_fset *out) {
  dnst *s = st;
  if (ev->kind != s->k_dns)
    return;
  sp_str q = sp_event_get(ev, s->f_query);
  if (!q.n)
    q = sp_event_get(ev, SP_F_URL_DOMAIN);
  if (!q.n)
    return;
  int64_t qt = 0;
  (void)sp_event_get_int(ev, s->f_qtype, &qt);
  sp_ip src;
  bool has_src = sp_event_get_ip(ev, SP_F_SOURCE_IP, &src);
  if (!sp_dnsagg_add(s->agg, q.p, q.n, (int)qt, has_src ? &src : NULL, ev->ts,
                     ev->file_id, ev->line, ev->ref))
    s->err = SP_ENOMEM;
}

static void dt_merge(void *dp, void *sp) {
  dnst *d = dp, *s = sp;
  if (!sp_dnsagg_merge(d->agg, s->agg) && !d->err)
    d->err = SP_ENOMEM;
  if (s->err && !d->err)
    d->err = s->err;
}

static void dt_on_end(void *st, sp_fset *out) {
  dnst *s = st;
  sp_limits_add(sp_fset_limits(out), LIM_DOMAINS, LIM_DOMAINS_DETAIL,
                sp_dnsagg_dropped(s->agg));
  if (s->err) {
    sp_fset_fail(out, s->err);
    return;
  }
  for (size_t i = 0; i < sp_dnsagg_count(s->agg); i++) {
    sp_dnsdom d;
    sp_dnsagg_get(s->agg, i, &d);
    if (!d.tunnel)
      continue;
    int e = sp_net_allow_domain(s->allow, sp_str_make(d.name, strlen(d.name)));
    char src[64] = "", score[32], sub[96], feat[256], why[300],
         reason[SP_MAX_REASON_LEN];
    sp_hit h;
    sp_hit_init(&h, e >= 0 ? &r_tunnel_benign : &r_tunnel, d.first_ts,
                d.ref_file, d.ref_line, (sp_ref_kind)d.ref_kind);
    h.weight = d.queries;
    if (d.hosts)
      sp_ip_format(&d.first_src, src, sizeof src);
    sp_hit_entity(&h, "dns.registered_domain",
                  sp_str_make(d.name, strlen(d.name)));
    sp_hit_entity(&h, "source.ip", sp_str_make(src, strlen(src)));
    snprintf(score, sizeof score, "%.3f", d.score);
    snprintf(sub, sizeof sub, "c2=%.3f shape=%.3f txt_null=%.3f", d.c2, d.shape,
             d.txtnull);
    snprintf(feat, sizeof feat,
             "unique_names=%u%s queries=%llu txt_null_queries=%llu "
             "max_label=%u mean_left_len=%.1f mean_entropy=%.2f hosts=%u%s",
             d.unique, d.saturated ? "+" : "", (unsigned long long)d.queries,
             (unsigned long long)d.txt_null, d.max_label, d.mean_len,
             d.mean_entropy, d.hosts, d.hosts >= 16 ? "+" : "");
    sp_hit_entity(&h, "net.score", sp_str_make(score, strlen(score)));
    sp_hit_entity(&h, "net.subscores", sp_str_make(sub, strlen(sub)));
    sp_hit_entity(&h, "net.features", sp_str_make(feat, strlen(feat)));
    if (e >= 0) {
      snprintf(why, sizeof why, "allow list: %s - %s",
               sp_net_allow_entry(s->allow, e),
               sp_net_allow_comment(s->allow, e));
      sp_hit_entity(&h, "net.downranked", sp_str_make(why, strlen(why)));
    }
    snprintf(reason, sizeof reason,
             "%u%s distinct names under %s in %llu queries (%s), labels up "
             "to %u characters, %.2f bits/char%s%s",
             d.unique, d.saturated ? "+" : "", d.name,
             (unsigned long long)d.queries, sub, d.max_label, d.mean_entropy,
             e >= 0 ? "; down-ranked: " : "", e >= 0 ? why : "");
    h.reason = sp_str_make(reason, strlen(reason));
    sp_fset_add(out, &h);
  }
}

const sp_detector_vt sp_det_dns_tunnel = {
    .name = "dns_tunnel",
    .create = dt_create,
    .on_event = dt_on_event,
    .merge = dt_merge,
    .on_end = dt_on_end,
    .destroy = dt_destroy,
};
