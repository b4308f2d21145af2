/*
 * test_readers.c - unit tests for the line splitter, the IIS W3C reader, the
 * Exchange CSV reader (HttpProxy, ECP, OABGenerator), CSV and ECP splitting
 * and the content sniffer. Readers run on memory buffers; no files.
 */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>

#include "core/timeutil.h"
#include "readers/csv.h"
#include "readers/lines.h"
#include "readtest.h"

static const char iis_log[] =
    "#Software: Microsoft Internet Information Services 10.0\r\n"
    "#Fields: date time s-ip cs-method cs-uri-stem cs-uri-query s-port "
    "cs-username c-ip cs(User-Agent) sc-status\r\n"
    "2021-03-03 06:59:10 10.1.2.10 POST /ecp/y.js a=1 443 - 203.0.113.66 "
    "Mozilla/5.0+(Windows+NT) 241\r\n"
    "garbage line\r\n"
    "#Fields: date time c-ip cs-uri-stem sc-status cs-host\r\n"
    "2021-03-03 07:00:00 198.51.100.1 /owa/ 302 mail.example\r\n"
    "2021-03-03 07:00:01 198.51.100.1 /owa/ 302\r\n"
    "2021-99-03 07:00:01 198.51.100.1 /owa/ 302 x\r\n";

static void test_iis(void **state) {
  (void)state;
  got *g = rt_run("iis", iis_log, sizeof iis_log - 1);
  assert_int_equal(g->n, 2);
  assert_int_equal(g->line[0], 3);
  assert_int_equal(g->kind[0], SP_SRC_IIS);
  assert_int_equal(g->ts[0], 1614754750000000000LL);
  assert_string_equal(F(g, 0, SP_F_HTTP_METHOD), "POST");
  assert_string_equal(F(g, 0, SP_F_URL_PATH), "/ecp/y.js");
  assert_string_equal(F(g, 0, SP_F_URL_QUERY), "a=1");
  assert_string_equal(F(g, 0, SP_F_SOURCE_IP), "203.0.113.66");
  assert_string_equal(F(g, 0, SP_F_DESTINATION_IP), "10.1.2.10");
  assert_string_equal(F(g, 0, SP_F_DESTINATION_PORT), "443");
  assert_string_equal(F(g, 0, SP_F_USER_NAME), ""); /* "-" is absent */
  assert_string_equal(F(g, 0, SP_F_USER_AGENT), "Mozilla/5.0 (Windows NT)");
  assert_string_equal(F(g, 0, SP_F_HTTP_STATUS), "241");
  /* Layout changed mid-file: the new #Fields applies. */
  assert_int_equal(g->line[1], 6);
  assert_string_equal(F(g, 1, SP_F_URL_DOMAIN), "mail.example");
  assert_string_equal(F(g, 1, SP_F_SOURCE_IP), "198.51.100.1");
  assert_string_equal(F(g, 1, SP_F_HTTP_METHOD), "");
  /* Three bad lines, named by line number. */
  assert_int_equal(g->n_bad, 3);
  assert_int_equal(g->bad_line[0], 4);
  assert_int_equal(g->bad_line[1], 7);
  assert_int_equal(g->bad_line[2], 8);
  free(g);
}

static void test_iis_no_fields(void **state) {
  (void)state;
  const char log[] = "2021-03-03 06:59:10 10.1.2.10 POST /x 200\n";
  got *g = rt_run("iis", log, sizeof log - 1);
  assert_int_equal(g->n, 0);
  assert_int_equal(g->n_bad, 1);
  assert_string_equal(g->bad_reason[0],
                      "data line before any #Fields directive");
  free(g);
}

static const char proxy_log[] =
    "DateTime,RequestId,Protocol,UrlStem,AnchorMailbox,ClientIpAddress,"
    "HttpStatus,BackEndCookie,UserAgent\r\n"
    "#Software: Microsoft Exchange Server\r\n"
    "#Log-type: HttpProxy Logs\r\n"
    "#Fields: DateTime,RequestId,Protocol,UrlStem,AnchorMailbox,"
    "ClientIpAddress,HttpStatus,BackEndCookie,UserAgent\r\n"
    "2021-03-03T06:59:13.030Z,id,Ecp,/ecp/y.js,ServerInfo~a]@E:444/ecp/"
    "proxyLogon.ecp?#,203.0.113.66,241,,\"python, \"\"quoted\"\"\"\r\n"
    "2021-03-03T07:00:00.000Z,id2,Owa,/owa/,,10.0.0.1,200\r\n"
    "2021-03-03T07:00:00.000Z,id3,Owa,/owa/,,10.0.0.1,200,x,y,toomany\r\n";

static void test_httpproxy(void **state) {
  (void)state;
  got *g = rt_run("exchange_csv", proxy_log, sizeof proxy_log - 1);
  assert_int_equal(g->n, 2);
  assert_int_equal(g->kind[0], SP_SRC_EXCH_HTTPPROXY);
  assert_int_equal(g->line[0], 5);
  assert_int_equal(g->ts[0], 1614754753030000000LL);
  assert_string_equal(F(g, 0, SP_F_EXCH_ANCHOR),
                      "ServerInfo~a]@E:444/ecp/proxyLogon.ecp?#");
  assert_string_equal(F(g, 0, SP_F_HTTP_STATUS), "241");
  assert_string_equal(F(g, 0, SP_F_USER_AGENT), "python, \"quoted\"");
  assert_string_equal(F(g, 0, SP_F_EXCH_BECOOKIE), "");
  /* A shorter row is fine (trailing empty columns are often cut). */
  assert_string_equal(F(g, 1, SP_F_URL_PATH), "/owa/");
  assert_int_equal(g->n_bad, 1);
  assert_int_equal(g->bad_line[0], 7);
  free(g);
}

static const char ecp_log[] =
    "#Software: Microsoft Exchange Server\r\n"
    "#Log-type: ECP Server Log\r\n"
    "#Fields: TimeStamp,ServerName,EventId,EventData\r\n"
    "2021-03-03T06:59:17.960Z,EXCH01,ECP.Request,\"S:TIME=4365;'S:CMD=Set-"
    "OabVirtualDirectory.ExternalUrl=''http://f/<script language=\"\"JScript"
    "\"\">a;b</script>''.Identity=''x''';S:URL=/ecp/DDI/DDIService.svc/"
    "SetObject?schema=OABVirtualDirectory&a=%5D:444/ecp/y.js;S:EX=;S:BLD=15."
    "1.2176.2\"\r\n";

static void test_ecp(void **state) {
  (void)state;
  got *g = rt_run("exchange_csv", ecp_log, sizeof ecp_log - 1);
  assert_int_equal(g->n, 1);
  assert_int_equal(g->kind[0], SP_SRC_EXCH_ECP);
  assert_string_equal(F(g, 0, SP_F_HOST_NAME), "EXCH01");
  assert_string_equal(F(g, 0, SP_F_EVENT_ACTION), "ECP.Request");
  /* The ';' inside the quoted CMD item does not split it; '' becomes '. */
  assert_string_equal(F(g, 0, SP_F_EXCH_ECP_CMD),
                      "Set-OabVirtualDirectory.ExternalUrl='http://f/<script "
                      "language=\"JScript\">a;b</script>'.Identity='x'");
  assert_string_equal(F(g, 0, SP_F_URL_PATH),
                      "/ecp/DDI/DDIService.svc/SetObject");
  assert_string_equal(F(g, 0, SP_F_URL_QUERY),
                      "schema=OABVirtualDirectory&a=%5D:444/ecp/y.js");
  assert_string_equal(F(g, 0, SP_F_EXCH_BUILD), "15.1.2176.2");
  assert_int_equal(g->n_bad, 0);
  free(g);
}

static void test_oabgen(void **state) {
  (void)state;
  const char log[] = "#Software: Microsoft Exchange Server\r\n"
                     "#Log-type: OABGenerator Log\r\n"
                     "2021-03-03T06:59:21.000Z,EXCH01,Download failed and "
                     "temporary file 'C:\\x\\s.aspx' needs to be removed\r\n"
                     "notatime,EXCH01,msg\r\n";
  got *g = rt_run("exchange_csv", log, sizeof log - 1);
  assert_int_equal(g->n, 1);
  assert_int_equal(g->kind[0], SP_SRC_EXCH_OABGEN);
  assert_string_equal(F(g, 0, SP_F_HOST_NAME), "EXCH01");
  assert_string_equal(F(g, 0, SP_F_MESSAGE),
                      "Download failed and temporary file 'C:\\x\\s.aspx' "
                      "needs to be removed");
  assert_int_equal(g->n_bad, 1);
  free(g);
}

static void test_oabgen_fields(void **state) {
  (void)state;
  /* A layout without a Message column: the raw line becomes the message. */
  const char log[] =
      "#Software: Microsoft Exchange Server\r\n"
      "#Log-type: OABGenerator Log\r\n"
      "#Fields: DateTime,ServerName,Component,Data\r\n"
      "2021-03-03T06:59:21.000Z,EXCH01,Gen,\"Download failed "
      "and temporary file 'C:\\x.aspx' needs to be removed\"\r\n";
  got *g = rt_run("exchange_csv", log, sizeof log - 1);
  assert_int_equal(g->n, 1);
  assert_int_equal(g->kind[0], SP_SRC_EXCH_OABGEN);
  assert_string_equal(F(g, 0, SP_F_HOST_NAME), "EXCH01");
  assert_non_null(strstr(F(g, 0, SP_F_MESSAGE), "temporary file 'C:\\x.aspx'"));
  free(g);
}

static void test_csv_split(void **state) {
  (void)state;
  sp_rctx rc;
  assert_true(sp_rctx_init(&rc, 0, on_event, on_bad, NULL));
  sp_str f[8];
  bool bad;
  const char l1[] = "a,\"b,c\",,\"d\"\"e\"";
  size_t n = sp_csv_split(&rc, l1, sizeof l1 - 1, f, 8, &bad);
  assert_false(bad);
  assert_int_equal(n, 4);
  assert_true(sp_str_eq(f[1], "b,c"));
  assert_true(sp_str_eq(f[2], ""));
  assert_true(sp_str_eq(f[3], "d\"e"));
  const char l2[] = "a,\"unterminated";
  n = sp_csv_split(&rc, l2, sizeof l2 - 1, f, 8, &bad);
  assert_true(bad);
  const char l3[] = "1,2,3,4,5,6,7,8,9";
  n = sp_csv_split(&rc, l3, sizeof l3 - 1, f, 8, &bad);
  assert_true(bad);
  assert_int_equal(n, 8);
  /* Trailing comma: one more empty field. */
  const char l4[] = "a,";
  n = sp_csv_split(&rc, l4, sizeof l4 - 1, f, 8, &bad);
  assert_int_equal(n, 2);
  sp_rctx_free(&rc);
}

static void test_ecp_split(void **state) {
  (void)state;
  sp_rctx rc;
  assert_true(sp_rctx_init(&rc, 0, on_event, on_bad, NULL));
  sp_kv kv[8];
  const char d[] = "S:A=1;'S:B=x''y;z';S:C;;S:D=";
  size_t n = sp_ecp_split(&rc, sp_str_make(d, sizeof d - 1), kv, 8);
  assert_int_equal(n, 4);
  assert_true(sp_str_eq(kv[0].key, "A") && sp_str_eq(kv[0].value, "1"));
  assert_true(sp_str_eq(kv[1].key, "B") && sp_str_eq(kv[1].value, "x'y;z"));
  assert_true(sp_str_eq(kv[2].key, "C") && kv[2].value.n == 0);
  assert_true(sp_str_eq(kv[3].key, "D") && kv[3].value.n == 0);
  /* Unterminated quote runs to the end without overreading. */
  const char e[] = "'S:X=abc";
  n = sp_ecp_split(&rc, sp_str_make(e, sizeof e - 1), kv, 8);
  assert_int_equal(n, 1);
  assert_true(sp_str_eq(kv[0].value, "abc"));
  sp_rctx_free(&rc);
}

/* Lines split across blocks, CRLF, NUL bytes, over-long lines. */
static void test_lines(void **state) {
  (void)state;
  got *g = calloc(1, sizeof *g);
  sp_rctx rc;
  assert_true(sp_rctx_init(&rc, 0, on_event, on_bad, g));
  const sp_reader_vt *vt = sp_reader_by_name("iis");
  void *st = vt->lines->create();
  sp_lines ls;
  sp_lines_init(&ls, vt->lines, st, &rc);
  const char *hdr = "#Fields: date time c-ip\r\n2021-03-03 00:00:01 1.2.3.4\r";
  for (const char *p = hdr; *p; p++) /* one byte at a time */
    assert_true(sp_lines_feed(&ls, p, 1));
  assert_true(sp_lines_feed(&ls, "\n2021-03-03 00:00:02 1.2.3.\0\n", 29));
  size_t big = SP_MAX_LINE + 10;
  char *huge = malloc(big);
  memset(huge, 'x', big);
  assert_true(sp_lines_feed(&ls, huge, big / 2));
  assert_true(sp_lines_feed(&ls, huge, big - big / 2));
  assert_true(sp_lines_feed(&ls, "\n2021-03-03 00:00:03 5.6.7.8", 28));
  sp_lines_finish(&ls);
  vt->lines->destroy(st);
  assert_int_equal(g->n, 2);
  assert_int_equal(g->line[0], 2);
  assert_string_equal(F(g, 0, SP_F_SOURCE_IP), "1.2.3.4");
  assert_int_equal(g->line[1], 5); /* last line without a newline */
  assert_int_equal(g->n_bad, 2);
  assert_int_equal(g->bad_line[0], 3);
  assert_string_equal(g->bad_reason[0], "binary data (NUL bytes) in line");
  assert_int_equal(g->bad_line[1], 4);
  assert_string_equal(g->bad_reason[1], "line longer than 1 MiB skipped");
  assert_int_equal(ls.lines_long, 1);
  free(huge);
  sp_rctx_free(&rc);
  free(g);
}

static void test_bom(void **state) {
  (void)state;
  const char log[] = "\xEF\xBB\xBF#Fields: date time c-ip\r\n"
                     "2021-03-03 00:00:01 1.2.3.4\r\n";
  got *g = rt_run("iis", log, sizeof log - 1);
  assert_int_equal(g->n, 1);
  assert_int_equal(g->n_bad, 0);
  assert_string_equal(F(g, 0, SP_F_SOURCE_IP), "1.2.3.4");
  free(g);
  const char csv[] = "\xEF\xBB\xBF"
                     "DateTime,AnchorMailbox\r\n"
                     "2021-03-03T00:00:01Z,ServerInfo~a/b\r\n";
  g = rt_run("exchange_csv", csv, sizeof csv - 1);
  assert_int_equal(g->n, 1);
  assert_int_equal(g->kind[0], SP_SRC_EXCH_HTTPPROXY);
  free(g);
}

static void test_sniff(void **state) {
  (void)state;
  const sp_reader_vt *vt = sp_reader_sniff(iis_log, sizeof iis_log - 1);
  assert_non_null(vt);
  assert_string_equal(vt->name, "iis");
  vt = sp_reader_sniff(proxy_log, sizeof proxy_log - 1);
  assert_non_null(vt);
  assert_string_equal(vt->name, "exchange_csv");
  vt = sp_reader_sniff(ecp_log, sizeof ecp_log - 1);
  assert_string_equal(vt->name, "exchange_csv");
  const char iis_nosw[] =
      "#Version: 1.0\n#Date: x\n#Fields: date time cs-method c-ip\n";
  vt = sp_reader_sniff(iis_nosw, sizeof iis_nosw - 1);
  assert_non_null(vt);
  assert_string_equal(vt->name, "iis");
  const char bom[] = "\xEF\xBB\xBF#Software: Microsoft Exchange Server\r\n";
  vt = sp_reader_sniff(bom, sizeof bom - 1);
  assert_non_null(vt);
  const char aspx[] = "<%@ Page Language=\"C#\" %>";
  assert_null(sp_reader_sniff(aspx, sizeof aspx - 1));
  assert_null(sp_reader_sniff("", 0));
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_iis),       cmocka_unit_test(test_iis_no_fields),
      cmocka_unit_test(test_httpproxy), cmocka_unit_test(test_ecp),
      cmocka_unit_test(test_oabgen),    cmocka_unit_test(test_oabgen_fields),
      cmocka_unit_test(test_csv_split), cmocka_unit_test(test_ecp_split),
      cmocka_unit_test(test_lines),     cmocka_unit_test(test_bom),
      cmocka_unit_test(test_sniff),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
