/*
 * sigma.c - the Sigma detector: every log event against the run-wide Sigma
 * rule set (input "sigma", src/sigma/), findings per matching rule, and
 * correlation rules evaluated at the end.
 *
 * A finding carries the rule's id, title, level, author (DRL 1.1 requires
 * it with every match), description, first reference and ATT&CK
 * techniques (ruleset "sigma"); entities: host.name (or the EVTX Computer),
 * user.name (or User, SubjectUserName, TargetUserName), process.executable
 * (Image) and source.ip where the event has them; reason "Sigma rule
 * <title>: <field>=<value>" naming the first item that matched; evidence is
 * the event's file and record or line. Floods fold as for every detector
 * (the finding set).
 *
 * State per worker: the match context (regex match data, folded-value
 * cache) and the correlation records; merge concatenates the latter. Limits:
 * "sigma.regex_limit" (regex evaluations cut by PCRE2's match limit),
 * "sigma.correlation_events" (sigma_corr.c).
 */
#include "detect/detector.h"
#include "sigma/sigma.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SG_CORR_RECORDS 1000000 /* correlation records per hunt (shared) */

typedef struct sd_state {
  const sp_sigma *set; /* NULL: no Sigma rules loaded */
  sp_sigma_mctx *m;
  sp_sigma_corr *corr;
  uint64_t regex_limits;  /* merged in from other instances */
  _Atomic size_t *budget; /* correlation records kept in the hunt */
  sp_dshare *share;
  int f_computer, f_user, f_subj, f_target, f_image;
  const sp_event *ev; /* the event being matched */
  sp_fset *out;
} sd_state;

static void sd_destroy(void *st) {
  sd_state *s = st;
  if (!s)
    return;
  sp_sigma_mctx_destroy(s->m);
  sp_sigma_corr_destroy(s->corr);
  if (s->budget)
    sp_dshare_detach(s->share, s->budget, free);
  free(s);
}

static void *budget_new(void) { return calloc(1, sizeof(_Atomic size_t)); }

static void *sd_create(const sp_dctx *ctx) {
  sd_state *s = calloc(1, sizeof *s);
  if (!s)
    return NULL;
  s->set = sp_dctx_input(ctx, "sigma");
  if (!s->set)
    return s;
  s->budget = sp_dshare_attach(ctx, "sigma.corr", budget_new, free, &s->share);
  if (!s->budget || sp_sigma_mctx_create(s->set, &s->m) ||
      sp_sigma_corr_create(s->set, SG_CORR_RECORDS, s->budget, &s->corr)) {
    sd_destroy(s);
    return NULL;
  }
  s->f_computer = sp_dctx_field(ctx, "Computer");
  s->f_user = sp_dctx_field(ctx, "User");
  s->f_subj = sp_dctx_field(ctx, "SubjectUserName");
  s->f_target = sp_dctx_field(ctx, "TargetUserName");
  s->f_image = sp_dctx_field(ctx, "Image");
  return s;
}

static sp_str first_of(const sp_event *ev, const int *ids, size_t n) {
  for (size_t i = 0; i < n; i++) {
    const sp_fval *f = ids[i] >= 0 ? sp_event_find(ev, ids[i]) : NULL;
    if (f && f->s.n && !(f->s.n == 1 && f->s.p[0] == '-'))
      return f->s;
  }
  return sp_str_make(NULL, 0);
}

static void on_match(const sp_sigma_match *mt, void *user) {
  sd_state *s = user;
  const sp_event *ev = s->ev;
  if (sp_sigma_rule_correlated(s->set, mt->rule_index))
    sp_sigma_corr_add(s->corr, mt, ev);
  if (!sp_sigma_rule_generates(s->set, mt->rule_index))
    return;
  sp_hit h;
  sp_hit_from_event(&h, mt->rule, ev);
  int host[] = {SP_F_HOST_NAME, s->f_computer};
  int usr[] = {SP_F_USER_NAME, s->f_user, s->f_subj, s->f_target};
  int img[] = {s->f_image};
  int src[] = {SP_F_SOURCE_IP};
  sp_hit_entity(&h, "host.name", first_of(ev, host, 2));
  sp_hit_entity(&h, "user.name", first_of(ev, usr, 4));
  sp_hit_entity(&h, "process.executable", first_of(ev, img, 1));
  sp_hit_entity(&h, "source.ip", first_of(ev, src, 1));
  /* "Sigma rule NAME: FIELD=VALUE" (at most 300 bytes of the value), cut
   * to the buffer; put piece by piece: this runs for every match */
  char reason[SP_MAX_REASON_LEN];
  const size_t cap = sizeof reason;
  size_t n = sp_str_put_cut(reason, 0, cap, "Sigma rule ", 11);
  n = sp_str_put_cut(reason, n, cap, mt->rule->name, strlen(mt->rule->name));
  if (mt->field[0]) {
    n = sp_str_put_cut(reason, n, cap, ": ", 2);
    n = sp_str_put_cut(reason, n, cap, mt->field, strlen(mt->field));
    n = sp_str_put_cut(reason, n, cap, "=", 1);
    n = sp_str_put_cut(reason, n, cap, mt->value.p,
                       mt->value.n > 300 ? 300 : mt->value.n);
  }
  h.reason = sp_str_make(reason, n);
  sp_fset_add(s->out, &h);
}

static void sd_on_event(void *st, const sp_event *ev, sp_fset *out) {
  sd_state *s = st;
  if (!s->set)
    return;
  s->ev = ev;
  s->out = out;
  sp_sigma_match_event(s->set, s->m, ev, on_match, s);
}

static void sd_merge(void *dst, void *src) {
  sd_state *d = dst, *s = src;
  if (!d->set || !s->set)
    return;
  d->regex_limits += s->regex_limits + sp_sigma_mctx_regex_limits(s->m);
  s->regex_limits = 0;
  sp_sigma_corr_merge(d->corr, s->corr);
}

static void sd_on_end(void *st, sp_fset *out) {
  sd_state *s = st;
  if (!s->set)
    return;
  sp_limits_add(sp_fset_limits(out), "sigma.regex_limit",
                "Sigma regex evaluations stopped by the PCRE2 match limit",
                s->regex_limits + sp_sigma_mctx_regex_limits(s->m));
  sp_sigma_corr_end(s->corr, out);
}

const sp_detector_vt sp_det_sigma = {.name = "sigma",
                                     .phases = SP_PHASE_LOGS,
                                     .create = sd_create,
                                     .on_event = sd_on_event,
                                     .merge = sd_merge,
                                     .on_end = sd_on_end,
                                     .destroy = sd_destroy};
