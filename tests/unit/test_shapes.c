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

#include <stdbool.h>

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
  free(dir);
}

/* A file of NUL bytes only: no log in it, so the file scanner reads it (one
 * file event); no crash, no finding. */
static void test_only_nuls(void **state) {
  (void)state;
  char *dir = tu_tmpdir();
  char *buf = calloc(1, 100000);
  tu_write(dir, "zeroed.log", buf, 100000);
  sp_result *r = tu_hunt(dir, 1);
  const sp_file_cov *c = tu_cov(r, "zeroed.log");
  assert_non_null(c);
  assert_string_equal(c->source, "file");
  assert_int_equal(c->events, 1);
  assert_int_equal(sp_result_finding_count(r), 0);
  sp_result_destroy(r);
  free(buf);
  tu_rm_rf(dir);
  free(dir);
}

/* UTF-16LE with a byte order mark, as PowerShell's Out-File writes it (the
 * Windows PowerShell 5.1 default "Unicode" encoding): the same events and
 * finding as the UTF-8 log, and the encoding noted. Also big-endian. */
static char *utf16(const char *s, size_t n, bool be, size_t *out_len) {
  char *b = malloc(2 * n + 2);
  b[0] = be ? (char)0xFE : (char)0xFF;
  b[1] = be ? (char)0xFF : (char)0xFE;
  for (size_t i = 0; i < n; i++) {
    b[2 + 2 * i + (be ? 1 : 0)] = s[i];
    b[2 + 2 * i + (be ? 0 : 1)] = 0;
  }
  *out_len = 2 * n + 2;
  return b;
}

static void test_utf16(void **state) {
  (void)state;
  char *dir = tu_tmpdir();
  size_t len;
  char *le = utf16(IIS_LOG, sizeof IIS_LOG - 1, false, &len);
  tu_write(dir, "le.log", le, len);
  char *be = utf16(IIS_LOG, sizeof IIS_LOG - 1, true, &len);
  tu_write_gz(dir, "be.log.gz", be, len);
  sp_result *r = tu_hunt(dir, 2);
  const sp_file_cov *c = tu_cov(r, "le.log");
  assert_string_equal(c->source, "iis");
  assert_int_equal(c->events, 2);
  assert_int_equal(c->malformed, 0);
  assert_non_null(strstr(c->note, "utf-16le"));
  c = tu_cov(r, "be.log.gz");
  assert_string_equal(c->source, "iis");
  assert_int_equal(c->events, 2);
  assert_non_null(strstr(c->note, "utf-16be"));
  const sp_finding *f = tu_find(r, ECP_RULE, 0);
  assert_non_null(f);
  assert_int_equal(f->count, 2);
  assert_int_equal(f->evidence[0].where, 6);
  assert_int_equal(sp_result_problems(r), 0);
  sp_result_destroy(r);
  free(le);
  free(be);
  tu_rm_rf(dir);
  free(dir);
}

/* IIS lines without their #Fields header, in the IIS 8.5+ default field
 * order (date time s-ip cs-method cs-uri-stem cs-uri-query s-port
 * cs-username c-ip cs(User-Agent) cs(Referer) sc-status sc-substatus
 * sc-win32-status time-taken, Microsoft's documented default): read, and
 * the webshell probe and the 241 found. */
static const char IIS_FRAGMENT[] =
    "2021-03-03 06:59:01 10.0.0.5 GET /owa/ - 443 CORP\\alice 10.0.0.77 "
    "Mozilla/5.0 - 200 0 0 15\r\n"
    "2021-03-03 06:59:13 10.0.0.5 POST /ecp/y.js - 443 - 203.0.113.66 "
    "python-requests/2.25.1 - 241 0 0 31\r\n"
    "2021-03-03 07:02:40 10.0.0.5 POST /aspnet_client/system_web/"
    "supp0rt.aspx - 443 - 203.0.113.66 python-requests/2.25.1 - 200 0 0 "
    "46\r\n";

static void test_headerless_iis(void **state) {
  (void)state;
  char *dir = tu_tmpdir();
  tu_write(dir, "carved.txt", IIS_FRAGMENT, sizeof IIS_FRAGMENT - 1);
  sp_result *r = tu_hunt(dir, 1);
  const sp_file_cov *c = tu_cov(r, "carved.txt");
  assert_string_equal(c->source, "iis");
  assert_int_equal(c->events, 3);
  assert_non_null(tu_find(r, ECP_RULE, 0));
  assert_non_null(tu_find(r, "spoor.iis.webshell.access", 0));
  sp_result_destroy(r);
  tu_rm_rf(dir);
  free(dir);
}

/* A log that looks like W3C but whose layout cannot be known: a reported
 * problem on the file, not a silent "file" (and still file-scanned). */
static void test_looks_like_unreadable(void **state) {
  (void)state;
  char *dir = tu_tmpdir();
  static const char odd[] =
      "2021-03-03 06:59:01 GET /owa/ 10.0.0.77 200\n"
      "2021-03-03 06:59:13 POST /ecp/y.js 203.0.113.66 241\n"
      "2021-03-03 06:59:14 POST /ecp/y.js 203.0.113.66 241\n";
  tu_write(dir, "odd.log", odd, sizeof odd - 1);
  sp_result *r = tu_hunt(dir, 1);
  const sp_file_cov *c = tu_cov(r, "odd.log");
  assert_string_equal(c->source, "file");
  assert_non_null(c->error);
  assert_non_null(strstr(c->error, "looks like the iis format"));
  assert_true(sp_result_problems(r) >= 1);
  sp_result_destroy(r);
  tu_rm_rf(dir);
  free(dir);
}

/* A plain log appended to a gzip'd one (cat u_ex.log >> u_ex.log.gz):
 * both parts read, the appended bytes noted. */
static void test_gzip_then_plain(void **state) {
  (void)state;
  char *dir = tu_tmpdir();
  tu_write_gz(dir, "u_ex210303.log.gz", IIS_LOG, sizeof IIS_LOG - 1);
  static const char more[] =
      "2021-03-03 07:10:00 10.0.0.5 POST /ecp/z.js - 443 - 203.0.113.67 "
      "python-requests/2.25.1 241\r\n";
  char p[1024];
  snprintf(p, sizeof p, "%s/u_ex210303.log.gz", dir);
  FILE *fp = fopen(p, "ab");
  assert_non_null(fp);
  fwrite(more, 1, sizeof more - 1, fp);
  fclose(fp);
  sp_result *r = tu_hunt(dir, 1);
  const sp_file_cov *c = tu_cov(r, "u_ex210303.log.gz");
  assert_int_equal(c->events, 3);
  assert_non_null(c->note);
  assert_non_null(strstr(c->note, "non-gzip data after the gzip stream"));
  const sp_finding *f = tu_find(r, ECP_RULE, 1);
  assert_non_null(f);
  sp_result_destroy(r);
  tu_rm_rf(dir);
  free(dir);
}

/* Fragments of an ECP Server and an OABGenerator log without their header
 * block (lines cut out of a larger log): read by their shape, and the
 * CVE-2021-27065 Set-OabVirtualDirectory payload (the line Microsoft's
 * HAFNIUM guidance and CISA AA21-062A show) and the CVE-2021-26858
 * temporary file outside ClientAccess\OAB found, as in the whole logs. */
static void test_headerless_exchange(void **state) {
  (void)state;
  static const char ecp[] =
      "2021-03-03T06:59:17.960Z,EXCH01,ECP.Request,\"S:TIME=4365;S:SID=3f98e2"
      "77-4cbd-87ad-5c90-a9587403e430;'S:CMD=Set-OabVirtualDirectory.External"
      "Url=''http://f/<script language=\"\"JScript\"\" runat=\"\"server\"\">"
      "function Page_Load(){eval(Request[\"\"p\"\"],\"\"unsafe\"\");}</script>"
      "''.Identity=''982d48c8-8bfa-4b6b-b431-53fd7ea4e9b3''';S:REQID=;S:URL="
      "/ecp/DDI/DDIService.svc/SetObject?schema=OABVirtualDirectory;S:EX=;"
      "S:RS=0;S:BLD=15.1.2176.2\"\r\n"
      "2021-03-03T07:00:02.101Z,EXCH01,ECP.Request,\"S:TIME=60;S:SID=c6f87718"
      "-6d76-b07e-881e-d162ae2eb154;S:CMD=Get-OabVirtualDirectory;S:REQID=;"
      "S:URL=/ecp/DDI/DDIService.svc/GetObject?schema=OABVirtualDirectory;"
      "S:EX=;S:RS=0;S:BLD=15.1.2176.2\"\r\n";
  static const char oab[] =
      "2021-03-03T06:59:21.000Z,EXCH01,Download failed and temporary file "
      "'C:\\inetpub\\wwwroot\\aspnet_client\\system_web\\x.aspx' needs to be "
      "removed\r\n"
      "2021-03-04T02:00:00.000Z,EXCH01,Download failed and temporary file "
      "'C:\\Program Files\\Microsoft\\Exchange Server\\V15\\ClientAccess\\OAB"
      "\\Temp\\oab.tmp' needs to be removed\r\n";
  char *dir = tu_tmpdir();
  tu_write(dir, "ecp_cut.txt", ecp, sizeof ecp - 1);
  tu_write(dir, "oab_cut.txt", oab, sizeof oab - 1);
  sp_result *r = tu_hunt(dir, 2);
  const sp_file_cov *c = tu_cov(r, "ecp_cut.txt");
  assert_string_equal(c->source, "exchange_ecp");
  assert_int_equal(c->events, 2);
  c = tu_cov(r, "oab_cut.txt");
  assert_string_equal(c->source, "exchange_oabgenerator");
  assert_int_equal(c->events, 2);
  const sp_finding *f =
      tu_find(r, "spoor.exchange.cve_2021_27065.ecp_set_vdir_script", 0);
  assert_non_null(f);
  assert_int_equal(f->evidence[0].where, 1);
  f = tu_find(r, "spoor.exchange.cve_2021_26858.oab_temp_file", 0);
  assert_non_null(f);
  assert_int_equal(f->count, 1); /* the OAB folder's own temp file is not */
  assert_int_equal(f->evidence[0].where, 1);
  assert_int_equal(sp_result_problems(r), 0);
  sp_result_destroy(r);
  tu_rm_rf(dir);
  free(dir);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_nul_padding),
      cmocka_unit_test(test_only_nuls),
      cmocka_unit_test(test_utf16),
      cmocka_unit_test(test_headerless_iis),
      cmocka_unit_test(test_headerless_exchange),
      cmocka_unit_test(test_looks_like_unreadable),
      cmocka_unit_test(test_gzip_then_plain),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
