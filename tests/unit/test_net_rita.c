/*
 * test_net_rita.c - RITA v5 beacon scoring (src/net/rita.c) against the
 * expected values RITA publishes in its unit tests: activecm/rita,
 * analysis/beacons_test.go (TestGetTimestampScore, TestGetHistogramScore)
 * at commit a3c51501a93af9ab0ebbed0f15f431bcf536ddf1. The inputs below are
 * those tests' inputs, written out here; the expected numbers are RITA's.
 * Also the bucketed score against RITA's default thresholds
 * (default_config.hjson: long connections 3600/14400/28800/43200 s, C2 over
 * DNS 100/500/800/1000 subdomains) at values worked by hand.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "net/rita.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

static void ts_simple(void **st) {
  int64_t ts[10];
  for (int i = 0; i < 10; i++)
    ts[i] = i + 1;
  sp_rita_stat s;
  assert_true(sp_rita_ts_score(ts, N(ts), &s));
  assert_float_equal(s.score, 1.0, 1e-9);
}

static void ts_close(void **st) {
  int64_t ts[] = {1517338924, 1517339022, 1517339121, 1517339220, 1517339320,
                  1517339420, 1517339520, 1517339621, 1517339722, 1517339824};
  sp_rita_stat s;
  assert_true(sp_rita_ts_score(ts, N(ts), &s));
  assert_float_equal(s.score, 0.995, 1e-9);
}

static void ts_bimodal(void **st) {
  int64_t ts[] = {1517338924, 1517339022, 1517339322, 1517339420,
                  1517339720, 1517339818, 1517340118, 1517340216,
                  1517340516, 1517340614, 1517340914};
  sp_rita_stat s;
  assert_true(sp_rita_ts_score(ts, N(ts), &s));
  assert_float_equal(s.score, 0.746, 1e-9);
  assert_float_equal(s.mad, 101, 1e-9);
}

static double hist(int64_t lo, int64_t hi, const int64_t *ts, size_t n,
                   unsigned bins, unsigned min_hours) {
  sp_rita_hist h;
  assert_true(sp_rita_hist_score(lo, hi, ts, n, bins, min_hours, &h));
  return h.score;
}

static void hist_simple(void **st) {
  int64_t ts[55];
  size_t n = 0;
  for (int v = 1; v <= 10; v++)
    for (int k = 0; k < v; k++)
      ts[n++] = v;
  assert_float_equal(hist(1, 11, ts, n, 10, 6), 0.478, 1e-9);
}

static void hist_regular(void **st) {
  int64_t b = 1517338924, ts[24];
  for (int i = 0; i < 24; i++)
    ts[i] = b + i * 3600;
  assert_float_equal(hist(b, b + 86400, ts, 24, 24, 11), 1.0, 1e-9);
}

static void hist_close(void **st) {
  int64_t ts[] = {98, 99, 99, 100, 100, 100, 101, 101, 102};
  assert_float_equal(hist(98, 102, ts, N(ts), 8, 6), 0.064, 1e-9);
}

static void hist_random(void **st) {
  int64_t ts[] = {524885, 1, 5000,  98654,  50,     41,
                  965842, 3, 12001, 200400, 104001, 199999};
  /* the histogram takes sorted times (RITA sorts them first) */
  int64_t s[N(ts)];
  for (size_t i = 0; i < N(ts); i++)
    s[i] = ts[i];
  for (size_t i = 1; i < N(s); i++)
    for (size_t j = i; j > 0 && s[j - 1] > s[j]; j--) {
      int64_t t = s[j];
      s[j] = s[j - 1];
      s[j - 1] = t;
    }
  assert_float_equal(hist(0, 1000000, s, N(s), 10, 6), 0.0, 1e-9);
}

static void hist_bimodal(void **st) {
  int64_t ts[] = {1,  2,  3,  4,  15, 21, 22, 23, 24, 35, 41, 42, 43,
                  44, 55, 61, 62, 63, 64, 75, 81, 82, 83, 84, 95};
  assert_float_equal(hist(0, 100, ts, N(ts), 10, 6), 1.0, 1e-9);
}

static void bucketed(void **st) {
  /* 18000 s: 40 + (18000 - 14400) / (28800 - 14400) * 20 = 45 -> 0.45 */
  assert_float_equal(sp_rita_bucketed(18000, 3600, 14400, 28800, 43200), 0.45,
                     1e-9);
  /* 270036 s is past high: 0.8 (RITA's missing_host long connection). */
  assert_float_equal(sp_rita_bucketed(270036.6, 3600, 14400, 28800, 43200), 0.8,
                     1e-9);
  assert_float_equal(sp_rita_bucketed(3599, 3600, 14400, 28800, 43200), 0.0,
                     1e-9);
  /* 602 subdomains: 40 + 102 / 300 * 20 = 46.8 */
  assert_float_equal(sp_rita_bucketed(602, 100, 500, 800, 1000), 0.468, 1e-9);
}

static void too_short(void **st) {
  int64_t ts[] = {1, 2, 3};
  sp_rita_stat s;
  assert_false(sp_rita_ts_score(ts, 3, &s));
  int64_t same[] = {5, 5, 5, 5, 6, 7};
  assert_false(sp_rita_ts_score(same, N(same), &s)); /* 2 positive gaps */
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(ts_simple),    cmocka_unit_test(ts_close),
      cmocka_unit_test(ts_bimodal),   cmocka_unit_test(hist_simple),
      cmocka_unit_test(hist_regular), cmocka_unit_test(hist_close),
      cmocka_unit_test(hist_random),  cmocka_unit_test(hist_bimodal),
      cmocka_unit_test(bucketed),     cmocka_unit_test(too_short),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
