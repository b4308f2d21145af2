/*
 * test_ioc_shared.c - the indicator loaders on the published samples in
 * ../shared/data/exchange (SPOOR_SHARED_DIR; skipped without it, a failure
 * with CI=true). Expected counts come from the files themselves, counted
 * with grep/cut/awk by type (lines that are not comments or empty; hash
 * lengths 32/40/64; MSTIC's and Volexity's type columns; CHIRP's 11
 * documents of which one is a network indicator of 15 addresses), and the
 * hunt over the synthetic Exchange logs finds the Volexity address the
 * MANIFEST says one of them was written from; a Sysmon EVTX sample gives
 * its hash sightings through the EVTX reader.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "ioc/ioc.h"
#include "shared_data.h"
#include "testutil.h"

#define EXCH SPOOR_SHARED_DIR "/data/exchange"

static sp_ioc_set *load(const char *path) {
  sp_ioc_set *s;
  assert_int_equal(sp_ioc_set_create(&s), SP_OK);
  sp_diag d = {0};
  assert_int_equal(sp_ioc_load_path(s, path, &d), SP_OK);
  assert_int_equal(sp_ioc_set_finish(s, &d), SP_OK);
  return s;
}

static void test_mstic(void **state) {
  (void)state;
  sp_ioc_set *s = load(
      EXCH "/MSTICIoCs-ExchangeServerVulnerabilitiesDisclosedMarch2021.csv");
  /* cut -d, -f4 | sort | uniq -c: 14 sha256, 47 filepath */
  assert_int_equal(sp_ioc_set_count_type(s, SP_IOC_SHA256), 14);
  assert_int_equal(sp_ioc_set_count_type(s, SP_IOC_FILEPATH), 47);
  assert_int_equal(sp_ioc_set_count(s), 61);
  assert_int_equal(sp_ioc_set_skipped(s, SP_IOC_SKIP_BAD), 0);
  sp_ioc_set_destroy(s);
}

static void test_volexity(void **state) {
  (void)state;
  sp_ioc_set *s = load(EXCH "/volexity_exchange_marauder_indicators.csv");
  assert_int_equal(sp_ioc_set_count_type(s, SP_IOC_IP), 13);
  assert_int_equal(sp_ioc_set_count(s), 13);
  sp_ioc_set_destroy(s);
}

static void test_signature_base(void **state) {
  (void)state;
  sp_ioc_set *s = load(EXCH "/signature-base/iocs/c2-iocs.txt");
  /* 1,844 entries, 135 of them addresses */
  assert_int_equal(sp_ioc_set_count_type(s, SP_IOC_IP), 135);
  assert_int_equal(sp_ioc_set_count_type(s, SP_IOC_DOMAIN), 1844 - 135);
  assert_int_equal(sp_ioc_set_skipped(s, SP_IOC_SKIP_BAD), 0);
  sp_ioc_set_destroy(s);
  s = load(EXCH "/signature-base/iocs/hash-iocs.txt");
  assert_int_equal(sp_ioc_set_count_type(s, SP_IOC_MD5), 1039);
  assert_int_equal(sp_ioc_set_count_type(s, SP_IOC_SHA1), 926);
  assert_int_equal(sp_ioc_set_count_type(s, SP_IOC_SHA256), 1259);
  assert_int_equal(sp_ioc_set_skipped(s, SP_IOC_SKIP_BAD), 0);
  sp_ioc_set_destroy(s);
  s = load(EXCH "/signature-base/iocs/filename-iocs.txt");
  assert_int_equal(sp_ioc_set_count_type(s, SP_IOC_REGEX), 3828);
  assert_int_equal(sp_ioc_set_skipped(s, SP_IOC_SKIP_BAD), 0);
  sp_ioc_scratch *sc;
  assert_int_equal(sp_ioc_scratch_create(s, &sc), SP_OK);
  uint32_t ids[8];
  /* The Exchange 2021 block names web shells under owa\auth; a stock page
   * name in a stock place is no match. */
  const char *stock = "/mnt/c/Windows/System32/notepad.exe";
  assert_int_equal(
      sp_ioc_match_path(s, sc, sp_str_make(stock, strlen(stock)), true, ids, 8),
      0);
  sp_ioc_scratch_destroy(sc);
  sp_ioc_set_destroy(s);
}

static void test_chirp(void **state) {
  (void)state;
  sp_ioc_set *s = load(EXCH "/chirp/AA21062A.yaml");
  assert_int_equal(sp_ioc_set_count_type(s, SP_IOC_IP), 15);
  assert_int_equal(sp_ioc_set_count(s), 15);
  /* 11 documents: 10 are CHIRP's yara and event checks */
  assert_int_equal(sp_ioc_set_skipped(s, SP_IOC_SKIP_UNSUPPORTED), 10);
  sp_ioc_set_destroy(s);
}

static void test_folder(void **state) {
  (void)state;
  /* A folder loads every file in it: the four lists plus README.txt and
   * keywords.txt, whose lines are mostly no indicators (counted). */
  sp_ioc_set *s = load(EXCH "/signature-base/iocs");
  assert_int_equal(sp_ioc_set_files(s), 7);
  assert_true(sp_ioc_set_skipped(s, SP_IOC_SKIP_BAD) > 0);
  assert_true(sp_ioc_set_count_type(s, SP_IOC_REGEX) >= 3828);
  sp_ioc_set_destroy(s);
}

static void test_hunt_fixtures(void **state) {
  (void)state;
  sp_opts o = {.jobs = 2};
  const char *iocs[] = {EXCH "/volexity_exchange_marauder_indicators.csv"};
  o.ioc_paths = iocs;
  o.n_ioc = 1;
  sp_engine *e;
  sp_diag d = {0};
  assert_int_equal(sp_engine_create(&o, &e, &d), SP_OK);
  sp_result *r;
  const char *paths[] = {EXCH "/fixtures/logs"};
  assert_int_equal(sp_engine_hunt(e, paths, 1, &r, &d), SP_OK);
  const sp_finding *f = tu_find(r, "spoor.ioc.ip", 0);
  assert_non_null(f);
  assert_true(f->first_ns <= f->last_ns);
  assert_true(f->n_evidence >= 1);
  assert_non_null(strstr(f->reason, "first contact with "));
  sp_result_destroy(r);
  sp_engine_destroy(e);
}

/* Sysmon through the EVTX reader: python-evtx shows the SHA-256 below in the
 * Hashes field ("SHA1=...,MD5=...,SHA256=...,IMPHASH=...") of records 3 and
 * 4 of this EVTX-ATTACK-SAMPLES file; the indicator is written in lower
 * case, the log has it in upper case. */
#define SYSMON_DIR                                                             \
  SPOOR_SHARED_DIR "/data/evtx/EVTX-ATTACK-SAMPLES/Defense Evasion"
#define SYSMON_FILE "DE_ProcessHerpaderping_Sysmon_11_10_1_7.evtx"

static void test_hunt_sysmon(void **state) {
  (void)state;
  if (access(SYSMON_DIR "/" SYSMON_FILE, R_OK) != 0) {
    assert_false(spoor_in_ci());
    skip();
  }
  char *dir = tu_tmpdir(), *idir = tu_tmpdir();
  char src[1200], dst[1200];
  snprintf(src, sizeof src, "cp '%s/%s' '%s/'", SYSMON_DIR, SYSMON_FILE, dir);
  assert_int_equal(system(src), 0);
  const char *list =
      "164691e78d5ac947b9ddb782e4c3e052c366d974b7d010774501992ef71cb762\n";
  tu_write(idir, "sysmon.txt", list, strlen(list));
  snprintf(dst, sizeof dst, "%s/sysmon.txt", idir);
  sp_opts o = {.jobs = 2, .no_builtin_yara = 1};
  const char *iocs[] = {dst};
  o.ioc_paths = iocs;
  o.n_ioc = 1;
  sp_engine *e;
  sp_diag d = {0};
  assert_int_equal(sp_engine_create(&o, &e, &d), SP_OK);
  sp_result *r;
  const char *paths[] = {dir};
  assert_int_equal(sp_engine_hunt(e, paths, 1, &r, &d), SP_OK);
  const sp_finding *f = tu_find(r, "spoor.ioc.sha256", 0);
  assert_non_null(f);
  assert_int_equal(f->count, 2);
  assert_int_equal(f->n_evidence, 2);
  assert_int_equal(f->evidence[0].kind, SP_REF_RECORD);
  /* Records 3 and 4 of the file, EventRecordID 2246493 and 2246494 in
     their XML (python-evtx shows both). */
  assert_int_equal(f->evidence[0].where, 2246493);
  assert_int_equal(f->evidence[1].where, 2246494);
  sp_result_destroy(r);
  sp_engine_destroy(e);
  tu_rm_rf(dir);
  tu_rm_rf(idir);
  free(dir);
  free(idir);
}

int main(void) {
  int rc = spoor_shared_or_skip(EXCH "/MANIFEST.txt");
  if (rc != 0)
    return rc;
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_mstic),
      cmocka_unit_test(test_volexity),
      cmocka_unit_test(test_signature_base),
      cmocka_unit_test(test_chirp),
      cmocka_unit_test(test_folder),
      cmocka_unit_test(test_hunt_fixtures),
      cmocka_unit_test(test_hunt_sysmon),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
