/*
 * test_net_shared.c - the network analytics (detector net_conn) against
 * outside truth in ../shared/data/net:
 *  - RITA v5's missing_host dataset (activecm/rita test_data, with the
 *    expectations of its integration/missing_host_test.go): with
 *    --rita-compat, 73.54.23.243 -> 64.225.56.201 beacons with score 0.963
 *    over 331 connections, and its long connection totals 270036.631115 s
 *    (score 0.8, RITA's "high");
 *  - the synthetic set (synthetic/expected.json, RITA v5's numbers for it):
 *    every beacon's score and sub-scores within 0.001 and its count, the
 *    long connection's total and score;
 *  - its DNS tunnel: RITA's distinct "exploded" names and C2-over-DNS
 *    score for the tunnelling domain;
 *  - the same with two workers (instances merged), and spoor's own mode on
 *    the synthetic set: the two C2-like beacons found, NTP down-ranked,
 *    the human browsing not reported as a beacon.
 * Skips without ../shared (shared_data.h).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "shared_data.h"
#include "testutil.h"

#define NET SPOOR_SHARED_DIR "/data/net"
#define MISSING NET "/rita/missing_host"
#define SYN NET "/synthetic"

static sp_result *hunt(const char *dir, int jobs, int rita) {
  sp_opts o = {.jobs = jobs, .rita_compat = rita};
  sp_engine *e;
  sp_diag d = {0};
  assert_int_equal(sp_engine_create(&o, &e, &d), SP_OK);
  sp_result *r;
  const char *paths[] = {dir};
  assert_int_equal(sp_engine_hunt(e, paths, 1, &r, &d), SP_OK);
  sp_engine_destroy(e);
  return r;
}

static const char *entity(const sp_finding *f, const char *field) {
  for (size_t i = 0; i < f->n_entities; i++)
    if (strcmp(f->entities[i].field, field) == 0)
      return f->entities[i].value;
  return NULL;
}

static const sp_finding *pair(const sp_result *r, const char *rule,
                              const char *src, const char *dst) {
  for (size_t i = 0; i < sp_result_finding_count(r); i++) {
    const sp_finding *f = sp_result_finding(r, i);
    const char *s = entity(f, "source.ip"), *d = entity(f, "destination.ip");
    if (strcmp(f->rule_id, rule) == 0 && s && d && strcmp(s, src) == 0 &&
        strcmp(d, dst) == 0)
      return f;
  }
  return NULL;
}

/* "key=number" inside an entity value. */
static double kv(const char *text, const char *key) {
  assert_non_null(text);
  char pat[64];
  snprintf(pat, sizeof pat, "%s=", key);
  const char *p = strstr(text, pat);
  assert_non_null(p);
  return strtod(p + strlen(pat), NULL);
}

static void missing_host(void **st) {
  for (int jobs = 1; jobs <= 2; jobs++) {
    sp_result *r = hunt(MISSING, jobs, 1);
    const sp_finding *f =
        pair(r, "spoor.net.beacon_rita", "73.54.23.243", "64.225.56.201");
    assert_non_null(f);
    assert_float_equal(strtod(entity(f, "net.score"), NULL), 0.963, 0.0005);
    assert_int_equal(f->count, 331);
    f = pair(r, "spoor.net.long_connection", "73.54.23.243", "64.225.56.201");
    assert_non_null(f);
    assert_float_equal(kv(entity(f, "net.features"), "total_duration"),
                       270036.631115, 1e-6);
    assert_float_equal(strtod(entity(f, "net.score"), NULL), 0.8, 1e-9);
    sp_result_destroy(r);
  }
}

static char *slurp(const char *path) {
  FILE *fp = fopen(path, "rb");
  assert_non_null(fp);
  static char buf[1 << 16];
  size_t n = fread(buf, 1, sizeof buf - 1, fp);
  fclose(fp);
  buf[n] = 0;
  return buf;
}

/* The number after "key": in text from p on, before the block ends. */
static double jnum(const char *p, const char *key) {
  char pat[64];
  snprintf(pat, sizeof pat, "\"%s\":", key);
  const char *q = strstr(p, pat), *end = strchr(p, '}');
  assert_non_null(q);
  assert_true(!end || q < end);
  return strtod(q + strlen(pat), NULL);
}

static void jstr(const char *p, const char *key, char *out, size_t n) {
  char pat[64];
  snprintf(pat, sizeof pat, "\"%s\": \"", key);
  const char *q = strstr(p, pat);
  assert_non_null(q);
  q += strlen(pat);
  size_t k = 0;
  while (q[k] && q[k] != '"' && k + 1 < n) {
    out[k] = q[k];
    k++;
  }
  out[k] = 0;
}

static void synthetic(void **st) {
  const char *exp = slurp(SYN "/expected.json");
  const char *names[] = {"perfect_60s", "jitter20_300s", "human_business_hours",
                         "ntp_1024s"};
  for (int jobs = 1; jobs <= 2; jobs++) {
    sp_result *r = hunt(SYN, jobs, 1);
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
      char pat[64], src[64], dst[64];
      snprintf(pat, sizeof pat, "\"%s\": {", names[i]);
      const char *b = strstr(exp, pat);
      assert_non_null(b);
      jstr(b, "src", src, sizeof src);
      jstr(b, "dst", dst, sizeof dst);
      const sp_finding *f = pair(r, "spoor.net.beacon_rita", src, dst);
      assert_non_null(f);
      const char *sub = entity(f, "net.subscores");
      assert_float_equal(strtod(entity(f, "net.score"), NULL), jnum(b, "score"),
                         0.001);
      assert_float_equal(kv(sub, "ts"), jnum(b, "ts"), 0.001);
      assert_float_equal(kv(sub, "ds"), jnum(b, "ds"), 0.001);
      assert_float_equal(kv(sub, "dur"), jnum(b, "dur"), 0.001);
      assert_float_equal(kv(sub, "hist"), jnum(b, "hist"), 0.001);
      assert_int_equal(f->count, (uint64_t)jnum(b, "count"));
    }
    const char *b = strstr(exp, "\"long_connection\": {");
    assert_non_null(b);
    char src[64], dst[64];
    jstr(b, "src", src, sizeof src);
    jstr(b, "dst", dst, sizeof dst);
    const sp_finding *f = pair(r, "spoor.net.long_connection", src, dst);
    assert_non_null(f);
    assert_float_equal(kv(entity(f, "net.features"), "total_duration"),
                       jnum(b, "total_duration"), 0.001);
    assert_float_equal(strtod(entity(f, "net.score"), NULL), jnum(b, "score"),
                       0.001);
    /* DNS: RITA's exploded distinct names and C2-over-DNS score. */
    b = strstr(exp, "\"dns_tunnel\": {");
    assert_non_null(b);
    char tld[256];
    jstr(b, "tld", tld, sizeof tld);
    jstr(b, "src", src, sizeof src);
    f = tu_find(r, "spoor.net.dns_tunnel", 0);
    assert_non_null(f);
    assert_string_equal(entity(f, "dns.registered_domain"), tld);
    assert_string_equal(entity(f, "source.ip"), src);
    assert_float_equal(kv(entity(f, "net.features"), "unique_names"),
                       jnum(b, "unique_exploded_names"), 0);
    assert_float_equal(kv(entity(f, "net.subscores"), "c2"),
                       jnum(b, "c2_over_dns_score"), 0.001);
    sp_result_destroy(r);
  }
}

/* spoor's own score: the beacons found, NTP down-ranked below them with
 * the reason, human traffic not a beacon. */
static void synthetic_default(void **st) {
  sp_result *r = hunt(SYN, 2, 0);
  const sp_finding *a = pair(r, "spoor.net.beacon", "10.0.0.5", "203.0.113.10");
  const sp_finding *b = pair(r, "spoor.net.beacon", "10.0.0.6", "203.0.113.11");
  const sp_finding *ntp =
      pair(r, "spoor.net.beacon_benign", "10.0.0.8", "192.0.2.123");
  assert_non_null(a);
  assert_non_null(b);
  assert_non_null(ntp);
  assert_non_null(strstr(entity(ntp, "net.downranked"), "NTP"));
  assert_true(strtod(entity(ntp, "net.score"), NULL) <
              strtod(entity(b, "net.score"), NULL));
  assert_true(ntp->level < b->level);
  assert_null(pair(r, "spoor.net.beacon", "10.0.0.7", "198.51.100.7"));
  assert_null(pair(r, "spoor.net.beacon_benign", "10.0.0.7", "198.51.100.7"));
  sp_result_destroy(r);
}

int main(void) {
  int rc = spoor_shared_or_skip(MISSING "/README");
  if (rc == 0)
    rc = spoor_shared_or_skip(SYN "/expected.json");
  if (rc != 0)
    return rc;
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(missing_host),
      cmocka_unit_test(synthetic),
      cmocka_unit_test(synthetic_default),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
