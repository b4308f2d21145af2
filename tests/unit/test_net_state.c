/*
 * test_net_state.c - the network analytics' building blocks on inputs
 * written here: the pair table (varint series round trip with times out of
 * order, memory budget counted, merge), the allow list (format errors name
 * the line, domain suffix and CIDR matching, internal addresses) and
 * spoor's beacon score on series whose truth is known by construction:
 * hourly and daily periods, evidence on non-adjacent days, +-50 % jitter,
 * and Poisson (random) times, which must not look regular.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <math.h>
#include <stdlib.h>

#include "net/allow.h"
#include "net/beacon.h"
#include "net/pairs.h"

static sp_ip ip(const char *s) {
  sp_ip v;
  assert_true(sp_ip_parse(sp_str_make(s, strlen(s)), &v));
  return v;
}

static void series_roundtrip(void **st) {
  sp_ntab *t;
  assert_int_equal(sp_ntab_create(1 << 20, true, &t), SP_OK);
  sp_ip a = ip("10.0.0.1"), b = ip("8.8.8.8");
  sp_npair *p = sp_ntab_get(t, &a, &b);
  assert_non_null(p);
  int64_t ts[] = {1700000000, 1699990000, 1700000600, -5, 1700000600};
  for (int i = 0; i < 5; i++)
    assert_true(sp_npair_append(t, p, ts[i], (uint64_t)i * 1000, i * 7));
  assert_ptr_equal(sp_ntab_get(t, &a, &b), p);
  int64_t got[5], sz[5], du[5];
  sp_npair_decode(t, p, got, sz, du);
  for (int i = 0; i < 5; i++) {
    assert_int_equal(got[i], ts[i]);
    assert_int_equal(sz[i], i * 1000);
    assert_int_equal(du[i], i * 7);
  }
  /* merge: series appended, totals added */
  sp_ntab *u;
  assert_int_equal(sp_ntab_create(1 << 20, true, &u), SP_OK);
  sp_npair *q = sp_ntab_get(u, &a, &b);
  q->n = 2;
  assert_true(sp_npair_append(u, q, 42, 1, 2));
  p = sp_ntab_get(t, &a, &b);
  p->n = 5;
  assert_true(sp_ntab_merge(t, u));
  p = sp_ntab_get(t, &a, &b);
  assert_int_equal(p->n, 7);
  assert_int_equal(p->n_stored, 6);
  int64_t g6[6], s6[6];
  sp_npair_decode(t, p, g6, s6, NULL);
  assert_int_equal(g6[5], 42);
  sp_ntab_destroy(u);
  sp_ntab_destroy(t);
}

static void budget(void **st) {
  sp_ntab *t;
  assert_int_equal(sp_ntab_create(512 << 10, false, &t), SP_OK);
  size_t made = 0, refused = 0;
  for (unsigned i = 0; i < 5000; i++) {
    char s[32];
    snprintf(s, sizeof s, "10.1.%u.%u", i / 256, i % 256);
    sp_ip a = ip(s), b = ip("1.1.1.1");
    sp_npair *p = sp_ntab_get(t, &a, &b);
    if (!p) {
      sp_ntab_drop(t, 1);
      refused++;
      continue;
    }
    made++;
    for (int k = 0; k < 50; k++)
      (void)sp_npair_append(t, p, 1000 + k * 60, 100, 0);
  }
  assert_true(made > 0 && refused > 0);
  assert_int_equal(sp_ntab_dropped(t), refused);
  assert_true(sp_ntab_unstored(t) > 0);
  assert_true(sp_ntab_bytes(t) <= 512 << 10);
  sp_ntab_destroy(t);
}

/* Two instances, each within its share of the budget: the merge keeps
 * every pair (the merged table has both shares). */
static void merge_budget(void **st) {
  sp_ntab *t[2];
  for (int k = 0; k < 2; k++) {
    assert_int_equal(sp_ntab_create(1 << 19, false, &t[k]), SP_OK);
    for (unsigned i = 0; i < 1000; i++) {
      char s[32];
      snprintf(s, sizeof s, "10.%d.%u.%u", k + 1, i / 256, i % 256);
      sp_ip a = ip(s), b = ip("1.1.1.1");
      sp_npair *p = sp_ntab_get(t[k], &a, &b);
      assert_non_null(p);
      p->n = 1;
      assert_true(sp_npair_append(t[k], p, 1000, 100, 0));
    }
    assert_true(sp_ntab_bytes(t[k]) > (1 << 19) / 2);
  }
  assert_true(sp_ntab_merge(t[0], t[1]));
  assert_int_equal(sp_ntab_count(t[0]), 2000);
  assert_int_equal(sp_ntab_dropped(t[0]), 0);
  assert_int_equal(sp_ntab_unstored(t[0]), 0);
  sp_ntab_destroy(t[0]);
  sp_ntab_destroy(t[1]);
}

static void allow_list(void **st) {
  sp_net_cfg cfg = {.no_defaults = true};
  sp_net_allow *a;
  sp_diag d = {0};
  assert_int_equal(sp_net_allow_create(&cfg, &a, &d), SP_OK);
  const char *txt = "# c\n\nWindowsUpdate.com # MS update\n17.0.0.0/8\n";
  assert_int_equal(sp_net_allow_add_text(a, txt, strlen(txt), "t", &d), SP_OK);
  assert_int_equal(sp_net_allow_count(a), 2);
  int e = sp_net_allow_domain(a, sp_str_make("x.ctldl.windowsupdate.COM.", 26));
  assert_int_equal(e, 0);
  assert_string_equal(sp_net_allow_comment(a, e), "MS update");
  assert_int_equal(
      sp_net_allow_domain(a, sp_str_make("notwindowsupdate.com", 20)), -1);
  sp_ip x = ip("17.253.1.1"), y = ip("18.0.0.1");
  assert_int_equal(sp_net_allow_ip(a, &x), 1);
  assert_int_equal(sp_net_allow_ip(a, &y), -1);
  const char *bad = "ok.example\nnot a domain\n";
  assert_int_equal(sp_net_allow_add_text(a, bad, strlen(bad), "f.txt", &d),
                   SP_EINVAL);
  assert_non_null(strstr(d.msg, "f.txt:2"));
  sp_net_allow_destroy(a);
  /* the shipped list loads and covers NTP pools */
  assert_int_equal(sp_net_allow_create(NULL, &a, &d), SP_OK);
  assert_true(sp_net_allow_count(a) > 20);
  assert_true(sp_net_allow_domain(a, sp_str_make("0.pool.ntp.org", 14)) >= 0);
  sp_net_allow_destroy(a);
  sp_ip i1 = ip("192.168.1.1"), i2 = ip("172.31.0.1"), i3 = ip("172.32.0.1"),
        i4 = ip("fd00::1");
  assert_true(sp_net_internal(&i1));
  assert_true(sp_net_internal(&i2));
  assert_false(sp_net_internal(&i3));
  assert_true(sp_net_internal(&i4));
}

/* n connections every period s with uniform jitter of +-jit (fraction),
 * on the days where day_on(d) holds; constant size. */
static size_t make(int64_t *ts, int64_t *sz, size_t cap, int64_t period,
                   double jit, int days, bool (*day_on)(int), unsigned seed) {
  size_t n = 0;
  srand(seed);
  for (int64_t t = 0; t < (int64_t)days * 86400 && n < cap; t += period) {
    if (day_on && !day_on((int)(t / 86400)))
      continue;
    double j = ((double)rand() / RAND_MAX * 2 - 1) * jit * (double)period;
    ts[n] = 1700000000 + t + (int64_t)j;
    sz[n++] = 400 + rand() % 8;
  }
  return n;
}

static bool odd_days(int d) { return d % 3 == 0; }

static void beacons(void **st) {
  static int64_t ts[100000], sz[100000];
  sp_net_beacon b;
  /* hourly, 20 days */
  size_t n = make(ts, sz, 100000, 3600, 0.05, 20, NULL, 1);
  assert_true(sp_net_beacon_score(ts, sz, n, &b));
  assert_true(b.score >= 0.9);
  assert_float_equal(b.interval_median, 3600, 400);
  /* daily, 30 days */
  n = make(ts, sz, 100000, 86400, 0.01, 30, NULL, 2);
  assert_true(sp_net_beacon_score(ts, sz, n, &b));
  assert_true(b.score >= 0.9);
  assert_int_equal(b.days, 30);
  /* 10 min, evidence kept only every third day: off periods left out */
  n = make(ts, sz, 100000, 600, 0.1, 30, odd_days, 3);
  assert_true(sp_net_beacon_score(ts, sz, n, &b));
  assert_true(b.gaps >= 9);
  assert_true(b.score >= 0.9);
  assert_float_equal(b.interval_median, 600, 60);
  /* +-50 % jitter */
  n = make(ts, sz, 100000, 600, 0.5, 10, NULL, 4);
  assert_true(sp_net_beacon_score(ts, sz, n, &b));
  assert_true(b.ts >= SP_NET_TS_MIN);
  assert_true(b.score >= 0.75);
  /* Poisson times (mean 600 s): not regular */
  srand(5);
  double t = 1700000000;
  for (n = 0; n < 2000; n++) {
    t += -600 * log(((double)rand() + 1) / ((double)RAND_MAX + 2));
    ts[n] = (int64_t)t;
    sz[n] = 400;
  }
  assert_true(sp_net_beacon_score(ts, sz, n, &b));
  assert_true(b.ts < SP_NET_TS_MIN);
  /* strobe: busiest day counted */
  for (n = 0; n < 90000; n++) {
    ts[n] = 1699920000 + (int64_t)n / 2; /* a UTC midnight */
    sz[n] = 60;
  }
  assert_true(sp_net_beacon_score(ts, sz, n, &b));
  assert_true(b.max_per_day >= SP_NET_STROBE);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(series_roundtrip), cmocka_unit_test(budget),
      cmocka_unit_test(merge_budget),     cmocka_unit_test(allow_list),
      cmocka_unit_test(beacons),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
