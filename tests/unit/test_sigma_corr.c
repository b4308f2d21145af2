/*
 * test_sigma_corr.c - Sigma correlation rules (specification 2.x,
 * correlation rules: event_count, value_count, temporal, temporal_ordered
 * with group-by, timespan and gt/gte/lt/lte/eq conditions, `generate`),
 * and a whole hunt: a webserver rule file loaded with sp_opts.sigma_paths
 * matching an IIS log, its finding carrying the rule's metadata.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "sigma_fixture.h"
#include "testutil.h"

typedef struct corr_run {
  sfx *x;
  sp_sigma_corr *c;
  sp_fset *out;
} corr_run;

static void corr_cb(const sp_sigma_match *m, void *user) {
  corr_run *r = user;
  sfx_hit(m, r->x);
  if (sp_sigma_rule_correlated(r->x->s, m->rule_index))
    sp_sigma_corr_add(r->c, m, &r->x->ev);
}

static void run_event(corr_run *r) {
  r->x->hits[0] = 0;
  sp_sigma_match_event(r->x->s, r->x->m, &r->x->ev, corr_cb, r);
}

typedef struct agg_q {
  const char *rule;
  size_t n;       /* findings of the rule */
  uint64_t count; /* count of the last one */
  char ent[256];  /* its first entity value */
} agg_q;

static void agg_fn(const sp_agg *a, void *user) {
  agg_q *q = user;
  if (strcmp(a->rule->id, q->rule) != 0)
    return;
  q->n++;
  q->count = a->count;
  snprintf(q->ent, sizeof q->ent, "%s", a->n_ent ? a->ent_value[0] : "");
}

static agg_q query(sp_fset *set, const char *rule) {
  agg_q q = {.rule = rule};
  sp_fset_foreach(set, agg_fn, &q);
  return q;
}

static const char BASE[] =
    "title: Failed logon\nid: base-failed\nname: failed_logon\n"
    "logsource:\n  product: windows\n  service: security\n"
    "detection:\n  sel:\n    EventID: 4625\n  condition: sel\n";

static corr_run start(const char *yaml) {
  corr_run r = {0};
  r.x = sfx_new(yaml);
  if (sfx_failure(r.x))
    fail_msg("load: %s", sfx_failure(r.x));
  assert_int_equal(sp_sigma_corr_create(r.x->s, 1000, NULL, &r.c), SP_OK);
  assert_int_equal(sp_fset_create(&r.out), SP_OK);
  return r;
}

static void finish(corr_run *r) { sp_sigma_corr_end(r->c, r->out); }

static void stop(corr_run *r) {
  sp_fset_destroy(r->out);
  sp_sigma_corr_destroy(r->c);
  sfx_free(r->x);
}

static void logon(corr_run *r, int64_t ts, const char *user, const char *ip) {
  sfx_event(r->x, "evtx", ts);
  sfx_set(r->x, "Channel", "Security");
  sfx_set(r->x, "EventID", "4625");
  sfx_set(r->x, "TargetUserName", user);
  sfx_set(r->x, "IpAddress", ip);
  run_event(r);
}

static void test_event_count(void **st) {
  (void)st;
  char y[4096];
  snprintf(y, sizeof y,
           "%s---\ntitle: Brute force\nid: corr-ec\nlevel: high\n"
           "author: T\ncorrelation:\n  type: event_count\n  rules:\n"
           "    - failed_logon\n  group-by:\n    - TargetUserName\n"
           "  timespan: 5m\n  condition:\n    gte: 3\n",
           BASE);
  corr_run r = start(y);
  logon(&r, 100, "alice", "1.1.1.1");
  logon(&r, 160, "alice", "1.1.1.1");
  logon(&r, 200, "bob", "1.1.1.1");
  logon(&r, 220, "alice", "1.1.1.1"); /* 3 within 120 s */
  logon(&r, 230, "bob", "1.1.1.1");
  logon(&r, 1000, "bob", "1.1.1.1"); /* bob: 3, but not within 5m */
  finish(&r);
  agg_q q = query(r.out, "corr-ec");
  assert_int_equal(q.n, 1);
  assert_int_equal(q.count, 3);
  assert_string_equal(q.ent, "TargetUserName=alice");
  /* generate defaults to false: the base rule gives no finding itself */
  assert_false(sp_sigma_rule_generates(r.x->s, 0));
  stop(&r);
}

/* Records beyond the cap are counted as a limit, never silently lost. */
static void test_record_cap(void **st) {
  (void)st;
  char y[4096];
  snprintf(y, sizeof y,
           "%s---\ntitle: Brute force\nid: corr-cap\ncorrelation:\n"
           "  type: event_count\n  rules: failed_logon\n  timespan: 5m\n"
           "  condition:\n    gte: 2\n",
           BASE);
  corr_run r = start(y);
  sp_sigma_corr_destroy(r.c);
  _Atomic size_t used = 0;
  assert_int_equal(sp_sigma_corr_create(r.x->s, 2, &used, &r.c), SP_OK);
  for (int i = 0; i < 5; i++)
    logon(&r, 100 + i, "alice", "1.1.1.1");
  finish(&r);
  assert_int_equal(
      sp_limits_get(sp_fset_limits(r.out), "sigma.correlation_events"), 3);
  agg_q q = query(r.out, "corr-cap");
  assert_int_equal(q.n, 1);
  assert_int_equal(q.count, 2); /* the two kept */
  stop(&r);
}

static void test_value_count_and_range(void **st) {
  (void)st;
  char y[4096];
  snprintf(y, sizeof y,
           "%s---\ntitle: Spray\nid: corr-vc\ncorrelation:\n"
           "  type: value_count\n  rules: base-failed\n  group-by:\n"
           "    - IpAddress\n  timespan: 1h\n  condition:\n"
           "    field: TargetUserName\n    gte: 3\n    lte: 4\n"
           "  generate: true\n",
           BASE);
  corr_run r = start(y);
  const char *users[] = {"a", "b", "b", "c"};
  for (int i = 0; i < 4; i++)
    logon(&r, 100 + i, users[i], "9.9.9.9"); /* 3 distinct users */
  for (int i = 0; i < 5; i++) {
    char u[8];
    snprintf(u, sizeof u, "u%d", i);
    logon(&r, 100 + i, u, "8.8.8.8"); /* 5 distinct: above lte 4 */
  }
  logon(&r, 100, "a", "7.7.7.7");
  logon(&r, 101, "b", "7.7.7.7"); /* 2 distinct: below */
  finish(&r);
  agg_q q = query(r.out, "corr-vc");
  assert_int_equal(q.n, 1);
  assert_string_equal(q.ent, "IpAddress=9.9.9.9");
  assert_true(sp_sigma_rule_generates(r.x->s, 0)); /* generate: true */
  stop(&r);
}

static const char TWO[] =
    "title: A\nid: rule-a\nlogsource:\n  product: windows\n"
    "detection:\n  s:\n    Step: a\n  condition: s\n"
    "---\ntitle: B\nid: rule-b\nlogsource:\n  product: windows\n"
    "detection:\n  s:\n    Step: b\n  condition: s\n";

static void step(corr_run *r, int64_t ts, const char *host, const char *s) {
  sfx_event(r->x, "evtx", ts);
  sfx_set(r->x, "Computer", host);
  sfx_set(r->x, "Step", s);
  run_event(r);
}

static void test_temporal(void **st) {
  (void)st;
  char y[4096];
  snprintf(y, sizeof y,
           "%s---\ntitle: Both\nid: corr-t\ncorrelation:\n  type: temporal\n"
           "  rules:\n    - rule-a\n    - rule-b\n  group-by:\n"
           "    - Computer\n  timespan: 1m\n",
           TWO);
  corr_run r = start(y);
  step(&r, 100, "h1", "b");
  step(&r, 130, "h1", "a"); /* both within 60 s, any order */
  step(&r, 100, "h2", "a");
  step(&r, 300, "h2", "b"); /* too far apart */
  step(&r, 100, "h3", "a"); /* only one */
  finish(&r);
  agg_q q = query(r.out, "corr-t");
  assert_int_equal(q.n, 1);
  assert_string_equal(q.ent, "Computer=h1");
  stop(&r);
}

static void test_temporal_ordered(void **st) {
  (void)st;
  char y[4096];
  snprintf(y, sizeof y,
           "%s---\ntitle: Ordered\nid: corr-to\ncorrelation:\n"
           "  type: temporal_ordered\n  rules:\n    - rule-a\n    - rule-b\n"
           "  group-by:\n    - Computer\n  timespan: 1m\n",
           TWO);
  corr_run r = start(y);
  step(&r, 100, "h1", "a");
  step(&r, 110, "h1", "b"); /* a then b */
  step(&r, 100, "h2", "b");
  step(&r, 110, "h2", "a"); /* b then a: no */
  finish(&r);
  agg_q q = query(r.out, "corr-to");
  assert_int_equal(q.n, 1);
  assert_string_equal(q.ent, "Computer=h1");
  assert_int_equal(q.count, 2);
  stop(&r);
}

static void test_bad_correlations(void **st) {
  (void)st;
  static const char *const bodies[] = {
      "  type: event_count\n  rules: nosuch\n  timespan: 1m\n"
      "  condition:\n    gte: 2\n",
      "  type: event_count\n  rules: rule-a\n  timespan: forever\n"
      "  condition:\n    gte: 2\n",
      "  type: sometimes\n  rules: rule-a\n  timespan: 1m\n",
      "  type: value_count\n  rules: rule-a\n  timespan: 1m\n"
      "  condition:\n    gte: 2\n",
      "  type: event_count\n  rules: rule-a\n  timespan: 1m\n",
  };
  static const char *const why[] = {"unknown rule", "timespan", "type", "field",
                                    "without condition"};
  for (size_t i = 0; i < 5; i++) {
    char y[4096];
    snprintf(y, sizeof y, "%s---\ntitle: C\nid: c\ncorrelation:\n%s", TWO,
             bodies[i]);
    sfx *x = sfx_new(y);
    const char *w = sfx_failure(x);
    assert_non_null(w);
    if (!strstr(w, why[i]))
      fail_msg("case %zu: '%s' lacks '%s'", i, w, why[i]);
    sfx_free(x);
  }
}

/* A whole hunt: a Sigma webserver rule over an IIS log. */
static void test_engine_hunt(void **st) {
  (void)st;
  char *dir = tu_tmpdir(), *rules = tu_tmpdir();
  static const char log[] =
      "#Software: Microsoft Internet Information Services 10.0\r\n"
      "#Fields: date time s-ip cs-method cs-uri-stem cs-uri-query s-port "
      "cs-username c-ip cs(User-Agent) sc-status\r\n"
      "2021-03-02 04:15:02 10.0.0.5 GET /owa/auth/x.aspx cmd=whoami 443 - "
      "203.0.113.9 Mozilla/5.0 200\r\n"
      "2021-03-02 04:15:03 10.0.0.5 GET /owa/auth/y.aspx a=b 443 - "
      "203.0.113.9 Mozilla/5.0 200\r\n";
  tu_write(dir, "u_ex210302.log", log, sizeof log - 1);
  static const char rule[] =
      "title: Webshell Command\nid: 11111111-2222-4333-8444-555555555555\n"
      "status: test\nlevel: critical\nauthor: Jane Doe\n"
      "description: a command in the query string\n"
      "references:\n  - https://example.org/ref\n"
      "tags:\n  - attack.persistence\n  - attack.t1505.003\n"
      "logsource:\n  category: webserver\ndetection:\n  sel:\n"
      "    cs-uri-query|contains: 'cmd='\n    cs-uri-stem|endswith: '.aspx'\n"
      "  condition: sel\n";
  tu_write(rules, "web.yml", rule, sizeof rule - 1);
  const char *rp[] = {rules};
  sp_opts o = {
      .jobs = 2, .sigma_paths = rp, .n_sigma = 1, .no_builtin_yara = 1};
  sp_engine *e;
  sp_diag d = {0};
  assert_int_equal(sp_engine_create(&o, &e, &d), SP_OK);
  assert_int_equal(sp_engine_sigma_count(e), 1);
  sp_sigma_status ss;
  assert_int_equal(sp_engine_sigma_get(e, 0, &ss), SP_OK);
  assert_int_equal(ss.state, 0);
  sp_result *res;
  const char *paths[] = {dir};
  assert_int_equal(sp_engine_hunt(e, paths, 1, &res, &d), SP_OK);
  sp_engine_destroy(e); /* the result keeps its strings */
  const sp_finding *f = tu_find(res, "11111111-2222-4333-8444-555555555555", 0);
  assert_non_null(f);
  assert_null(tu_find(res, "11111111-2222-4333-8444-555555555555", 1));
  assert_string_equal(f->rule_name, "Webshell Command");
  assert_string_equal(f->ruleset, "sigma");
  assert_string_equal(f->rule_author, "Jane Doe");
  assert_string_equal(f->techniques, "T1505.003");
  assert_string_equal(f->reference, "https://example.org/ref");
  assert_int_equal(f->level, SP_LEVEL_CRITICAL);
  assert_int_equal(f->count, 1);
  assert_int_equal(f->n_evidence, 1);
  assert_int_equal(f->evidence[0].where, 3); /* the third line */
  assert_non_null(strstr(f->reason, "cmd=whoami"));
  bool ip = false;
  for (size_t i = 0; i < f->n_entities; i++)
    ip |= !strcmp(f->entities[i].field, "source.ip") &&
          !strcmp(f->entities[i].value, "203.0.113.9");
  assert_true(ip);
  sp_result_destroy(res);
  /* a missing rules path fails the engine, naming it */
  const char *bad[] = {"/nonexistent/sigma"};
  o.sigma_paths = bad;
  assert_int_equal(sp_engine_create(&o, &e, &d), SP_ENOENT);
  assert_non_null(strstr(d.msg, "/nonexistent/sigma"));
  tu_rm_rf(dir);
  tu_rm_rf(rules);
  free(dir);
  free(rules);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_event_count),
      cmocka_unit_test(test_record_cap),
      cmocka_unit_test(test_value_count_and_range),
      cmocka_unit_test(test_temporal),
      cmocka_unit_test(test_temporal_ordered),
      cmocka_unit_test(test_bad_correlations),
      cmocka_unit_test(test_engine_hunt),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
