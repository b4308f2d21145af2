/*
 * test_shapes.c - evidence in the shapes real cases deliver it, through
 * sp_engine_hunt: logs behind NUL padding (a pre-allocated file after a
 * crash), UTF-16 exports, headerless fragments, gzip with data appended.
 * Each case must give the events and findings of the same log in its plain
 * form, and say in the coverage what was done, never "a plain file".
 *
 * The attack line is the ProxyLogon CVE-2021-26855 IIS trace Microsoft
 * published in its HAFNIUM guidance (March 2021): an anonymous POST to
 * /ecp/<x>.js answered with status 241 (also what Test-ProxyLogon greps).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "testutil.h"

static const char IIS_LOG[] =
    "#Software: Microsoft Internet Information Services 10.0\r\n"
    "#Version: 1.0\r\n"
    "#Date: 2021-03-03 06:59:00\r\n"
    "#Fields: date time s-ip cs-method cs-uri-stem cs-uri-query s-port "
    "cs-username c-ip cs(User-Agent) sc-status\r\n"
    "2021-03-03 06:59:01 10.0.0.5 GET /owa/ - 443 CORP\\alice 10.0.0.77 "
    "Mozilla/5.0 200\r\n"
    "2021-03-03 06:59:13 10.0.0.5 POST /ecp/y.js - 443 - 203.0.113.66 "
    "python-requests/2.25.1 241\r\n";

#define ECP_RULE "spoor.exchange.cve_2021_26855.proxylogon_ecp"

/* An IIS log after 8 KiB of NUL bytes: read, the padding noted, the
 * evidence line numbered as in the file (NULs hold no newline). */
static void test_nul_padding(void **state) {
  (void)state;
  char *dir = tu_tmpdir();
  size_t pad = 8192, n = sizeof IIS_LOG - 1;
  char *buf = calloc(1, pad + n);
  memcpy(buf + pad, IIS_LOG, n);
  tu_write(dir, "u_ex210303.log", buf, pad + n);
  sp_result *r = tu_hunt(dir, 1);
  const sp_file_cov *c = tu_cov(r, "u_ex210303.log");
  assert_non_null(c);
  assert_string_equal(c->source, "iis");
  assert_int_equal(c->events, 2);
  assert_int_equal(c->malformed, 0);
  assert_non_null(c->note);
  assert_non_null(strstr(c->note, "8192 leading NUL bytes"));
  const sp_finding *f = tu_find(r, ECP_RULE, 0);
  assert_non_null(f);
  assert_int_equal(f->evidence[0].where, 6);
  assert_int_equal(sp_result_problems(r), 0);
  sp_result_destroy(r);
  /* Padding longer than the sniff window and a gzip'd copy. */
  free(buf);
  pad = 3u << 20;
  buf = calloc(1, pad + n);
  memcpy(buf + pad, IIS_LOG, n);
  tu_write(dir, "u_ex210303.log", buf, pad + n);
  tu_write_gz(dir, "u_ex210304.log.gz", buf, pad + n);
  r = tu_hunt(dir, 2);
  assert_non_null(tu_find(r, ECP_RULE, 0));
  c = tu_cov(r, "u_ex210304.log.gz");
  assert_string_equal(c->source, "iis");
  assert_int_equal(c->events, 2);
  assert_non_null(strstr(c->note, "3145728 leading NUL bytes"));
  sp_result_destroy(r);
  free(buf);
  tu_rm_rf(dir);
}

/* A file of NUL bytes only: nothing to read, no crash, no finding. */
static void test_only_nuls(void **state) {
  (void)state;
  char *dir = tu_tmpdir();
  char *buf = calloc(1, 100000);
  tu_write(dir, "zeroed.log", buf, 100000);
  sp_result *r = tu_hunt(dir, 1);
  const sp_file_cov *c = tu_cov(r, "zeroed.log");
  assert_non_null(c);
  assert_int_equal(c->events, 0);
  assert_int_equal(sp_result_finding_count(r), 0);
  sp_result_destroy(r);
  free(buf);
  tu_rm_rf(dir);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_nul_padding),
      cmocka_unit_test(test_only_nuls),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
