/*
 * test_net_json_shared.c - the JSON network readers on real data in
 * ../shared/data/net:
 *  - zed-sample-data has the same WRCCDC traffic logged by Zeek 6.2 twice,
 *    as TSV (zeek-default) and as JSON (zeek-json, json-streaming-logs):
 *    for every log type both readers must give the same number of records
 *    and, record by record (the first NT_MAX_EV), the same kind, the same
 *    time and the same values for every field (text equal, or for
 *    intervals and doubles, which the two writers render differently, equal
 *    as numbers to 1e-6, times to the microsecond the JSON writer keeps);
 *    the JSON side's extra "_write_ts" excepted;
 *  - Suricata EVE output (tenzir CTU-13 excerpt, suricata-verify
 *    output-eve-fileinfo expected eve.json): every line read, nothing
 *    malformed, kinds mapped, fields checked against the lines.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "core/timeutil.h"
#include "nettest.h"
#include "shared_data.h"

#include <math.h>

#define NET SPOOR_SHARED_DIR "/data/net"
#define ZED NET "/zeek/zed-sample-data"

static bool same_value(const char *a, const char *b) {
  if (strcmp(a, b) == 0)
    return true;
  char *ea, *eb;
  double x = strtod(a, &ea), y = strtod(b, &eb);
  return *a && *b && !*ea && !*eb && fabs(x - y) <= 1e-6 * (fabs(x) + 1);
}

static void compare(const char *type) {
  char tsv[512], json[512];
  snprintf(tsv, sizeof tsv, "%s/zeek-default/%s.log.gz", ZED, type);
  snprintf(json, sizeof json, "%s/zeek-json/%s.json.gz", ZED, type);
  nt_run *a = nt_run_src("zeek", tsv, NULL, 0);
  nt_run *b = nt_run_src("zeek_json", json, NULL, 0);
  assert_int_equal(a->n_bad, 0);
  if (b->n_bad)
    fail_msg("%s: %zu malformed: %s", json, b->n_bad, b->bad);
  assert_int_equal(a->total, b->total);
  assert_int_equal(a->n, b->n);
  size_t values = 0;
  for (size_t i = 0; i < a->n; i++) {
    assert_string_equal(a->ev[i].kind, b->ev[i].kind);
    if (a->ev[i].ts != b->ev[i].ts)
      fail_msg("%s record %zu: ts %lld vs %lld", type, i,
               (long long)a->ev[i].ts, (long long)b->ev[i].ts);
    /* Every TSV value has its JSON twin, in order per name. */
    for (size_t k = 0; k < a->ev[i].n; k++) {
      const nt_val *v = &a->ev[i].v[k];
      size_t nth = 0;
      for (size_t m = 0; m < k; m++)
        nth += strcmp(a->ev[i].v[m].name, v->name) == 0;
      const nt_val *w = nt_get(b, i, v->name, nth);
      bool same = w && w->type == v->type &&
                  (v->type == SP_T_TIME
                       ? v->typed_ok && w->typed_ok && llabs(v->i - w->i) < 1000
                       : same_value(v->text, w->text));
      if (!same)
        fail_msg("%s record %zu field %s[%zu]: TSV '%s' (type %d), JSON '%s' "
                 "(type %d)",
                 type, i, v->name, nth, v->text, v->type,
                 w ? w->text : "(none)", w ? w->type : -1);
      values++;
    }
    /* And nothing more, but _write_ts and empty strings: the TSV writer
     * renders a set holding "" as (empty), as it does an empty set. */
    size_t extra = 0;
    for (size_t k = 0; k < b->ev[i].n; k++)
      extra += strcmp(b->ev[i].v[k].name, "_write_ts") != 0 &&
               b->ev[i].v[k].text[0]; /* [""] is "(empty)" in TSV */
    size_t tsv_n = 0;
    for (size_t k = 0; k < a->ev[i].n; k++)
      tsv_n += a->ev[i].v[k].text[0] != 0;
    if (extra != tsv_n)
      fail_msg("%s record %zu: %zu JSON values, %zu TSV values", type, i, extra,
               a->ev[i].n);
  }
  printf("  %-15s %6zu records, %7zu values compared\n", type, a->total,
         values);
  nt_free(a);
  nt_free(b);
}

static void test_zed_json_vs_tsv(void **st) {
  (void)st;
  static const char *const types[] = {"dns", "ssl", "x509",           "notice",
                                      "ntp", "ssh", "known_services", "weird"};
  for (size_t i = 0; i < sizeof types / sizeof types[0]; i++)
    compare(types[i]);
}

static void test_eve_files(void **st) {
  (void)st;
  nt_run *r = nt_run_src("suricata_eve", NET "/eve/tenzir-ctu-eve-excerpt.json",
                         NULL, 0);
  assert_int_equal(r->n_bad, 0);
  assert_int_equal(r->n, 7);
  /* In file order: alert, dns, fileinfo, flow, http, netflow, quic (the
   * line order of the excerpt, checked by event_type below). */
  size_t seen_conn = 0;
  for (size_t i = 0; i < r->n; i++) {
    assert_string_equal(nt_s(r, i, "id.orig_h") ? "ok" : "missing", "ok");
    seen_conn += strcmp(r->ev[i].kind, "conn") == 0;
    assert_true(r->ev[i].ts != SP_TIME_NONE);
  }
  assert_int_equal(seen_conn, 2); /* flow and netflow */
  /* The alert: 147.32.84.165:1181 -> 78.40.125.4:6667, sid 2017318. */
  assert_string_equal(r->ev[0].kind, "alert");
  assert_string_equal(nt_s(r, 0, "source.ip"), "147.32.84.165");
  assert_string_equal(nt_s(r, 0, "id.resp_p"), "6667");
  assert_string_equal(nt_s(r, 0, "alert.signature_id"), "2017318");
  assert_string_equal(nt_s(r, 0, "proto"), "tcp");
  /* 2011-08-12T14:52:57.716360+0200 */
  assert_true(r->ev[0].ts == 1313153577716360000LL);
  assert_string_equal(r->ev[1].kind, "dns");
  assert_string_equal(nt_s(r, 1, "query"), "irc.freenode.net");
  assert_string_equal(nt_s(r, 1, "qtype_name"), "A");
  nt_free(r);
  r = nt_run_src("suricata_eve",
                 NET "/eve/suricata-verify-output-eve-fileinfo/expected/"
                     "eve.json",
                 NULL, 0);
  assert_int_equal(r->n_bad, 0);
  assert_int_equal(r->n, 1);
  assert_string_equal(r->ev[0].kind, "files");
  assert_string_equal(nt_s(r, 0, "id.orig_h"), "188.40.238.250");
  assert_non_null(nt_s(r, 0, "filename"));
  nt_free(r);
}

int main(void) {
  int rc = spoor_shared_or_skip(ZED "/zeek-json/dns.json.gz");
  if (rc != 0)
    return rc;
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_zed_json_vs_tsv),
      cmocka_unit_test(test_eve_files),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
