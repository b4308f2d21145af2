/*
 * test_sigma_cond.c - the Sigma condition grammar (and, or, not,
 * parentheses, `1 of`, `all of`, `them`, precedence not > and > or, lists
 * of conditions) checked against truth tables, and spoor's log source
 * mapping: a Security 4688 event matches a process_creation rule through
 * the field renames, Sysmon by event id, services by channel, web, proxy,
 * DNS and firewall rules on the network kinds of docs/contracts.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "sigma_fixture.h"

/* Selections a, b, c test fields A, B, C for "1"; sel1, sel2 test S1, S2;
 * _f tests F. Each row: which fields the event sets, then the expected
 * result. */
static int cond_eval(const char *cond, const char *fields) {
  char rule[2048];
  snprintf(rule, sizeof rule,
           "title: t\nid: r1\nlogsource:\n  product: windows\n"
           "detection:\n  a:\n    A: '1'\n  b:\n    B: '1'\n  c:\n    C: '1'\n"
           "  sel1:\n    S1: '1'\n  sel2:\n    S2: '1'\n  _f:\n    F: '1'\n"
           "  condition: %s\n",
           cond);
  sfx *x = sfx_new(rule);
  const char *why = sfx_failure(x);
  if (why) {
    print_message("%s: %s\n", cond, why);
    sfx_free(x);
    return -1;
  }
  sfx_event(x, "evtx", 1);
  sfx_set(x, "Z", "1"); /* every event has something */
  char name[4];
  for (const char *p = fields; *p;) {
    size_t n = strcspn(p, ",");
    snprintf(name, sizeof name, "%.*s", (int)n, p);
    sfx_set(x, name, "1");
    p += n + (p[n] == ',');
  }
  int r = (int)sfx_match(x);
  sfx_free(x);
  return r;
}

static void test_precedence(void **st) {
  (void)st;
  /* a or b and c == a or (b and c) */
  assert_int_equal(cond_eval("a or b and c", "A"), 1);
  assert_int_equal(cond_eval("a or b and c", "B"), 0);
  assert_int_equal(cond_eval("a or b and c", "B,C"), 1);
  /* not a and b == (not a) and b */
  assert_int_equal(cond_eval("not a and b", "B"), 1);
  assert_int_equal(cond_eval("not a and b", "A,B"), 0);
  assert_int_equal(cond_eval("not a and b", ""), 0);
  /* parentheses */
  assert_int_equal(cond_eval("(a or b) and c", "A"), 0);
  assert_int_equal(cond_eval("(a or b) and c", "A,C"), 1);
  assert_int_equal(cond_eval("not (a or b)", ""), 1);
  assert_int_equal(cond_eval("not (a or b)", "B"), 0);
  assert_int_equal(cond_eval("not not a", "A"), 1);
  assert_int_equal(cond_eval("((a))", "A"), 1);
  /* keywords are case-insensitive */
  assert_int_equal(cond_eval("a AND NOT b", "A"), 1);
  assert_int_equal(cond_eval("a AND NOT b", "A,B"), 0);
  /* left to right for equal precedence */
  assert_int_equal(cond_eval("a and b and c", "A,B"), 0);
  assert_int_equal(cond_eval("a and b and c", "A,B,C"), 1);
  assert_int_equal(cond_eval("a or b or c", "C"), 1);
}

static void test_quantifiers(void **st) {
  (void)st;
  assert_int_equal(cond_eval("1 of sel*", "S2"), 1);
  assert_int_equal(cond_eval("1 of sel*", "A"), 0);
  assert_int_equal(cond_eval("any of sel*", "S1"), 1);
  assert_int_equal(cond_eval("all of sel*", "S1"), 0);
  assert_int_equal(cond_eval("all of sel*", "S1,S2"), 1);
  /* them: every selection but those starting with '_' */
  assert_int_equal(cond_eval("1 of them", "F"), 0);
  assert_int_equal(cond_eval("1 of them", "C"), 1);
  assert_int_equal(cond_eval("all of them", "A,B,C,S1,S2"), 1);
  assert_int_equal(cond_eval("all of them", "A,B,C,S1"), 0);
  assert_int_equal(cond_eval("a and not 1 of _*", "A"), 1);
  assert_int_equal(cond_eval("a and not 1 of _*", "A,F"), 0);
  assert_int_equal(cond_eval("all of sel* and not b", "S1,S2"), 1);
  assert_int_equal(cond_eval("1 of sel* or a", "A"), 1);
  assert_int_equal(cond_eval("1 of nothing*", "A"), -1);
  assert_int_equal(cond_eval("2 of sel*", "S1,S2"), -1); /* unsupported */
}

static void test_bad_conditions(void **st) {
  (void)st;
  assert_int_equal(cond_eval("a and", "A"), -1);
  assert_int_equal(cond_eval("(a or b", "A"), -1);
  assert_int_equal(cond_eval("a or b)", "A"), -1);
  assert_int_equal(cond_eval("a b", "A"), -1);
  assert_int_equal(cond_eval("not", "A"), -1);
  assert_int_equal(cond_eval("a | count() > 3", "A"), -1);
  char deep[400];
  size_t n = 0;
  for (int i = 0; i < 100; i++)
    deep[n++] = '(';
  deep[n++] = 'a';
  for (int i = 0; i < 100; i++)
    deep[n++] = ')';
  deep[n] = 0;
  assert_int_equal(cond_eval(deep, "A"), -1); /* nested too deep */
}

static void test_condition_list(void **st) {
  (void)st;
  sfx *x = sfx_new("title: t\nid: r1\nlogsource:\n  product: windows\n"
                   "detection:\n  a:\n    A: '1'\n  b:\n    B: '1'\n"
                   "  condition:\n    - a\n    - b\n");
  assert_null(sfx_failure(x));
  sfx_event(x, "evtx", 1);
  sfx_set(x, "B", "1");
  assert_int_equal(sfx_match(x), 1);
  sfx_event(x, "evtx", 1);
  sfx_set(x, "C", "1");
  assert_int_equal(sfx_match(x), 0);
  sfx_free(x);
}

/* ---- log sources ------------------------------------------------------ */

static const char PROC_RULE[] =
    "title: Whoami\nid: proc\nlogsource:\n  category: process_creation\n"
    "  product: windows\ndetection:\n  sel:\n"
    "    Image|endswith: '\\whoami.exe'\n"
    "    ParentImage|endswith: '\\cmd.exe'\n  condition: sel\n";

static void test_process_creation_4688_and_sysmon(void **st) {
  (void)st;
  sfx *x = sfx_new(PROC_RULE);
  assert_null(sfx_failure(x));
  /* Security 4688: NewProcessName -> Image, ParentProcessName ->
   * ParentImage */
  sfx_event(x, "evtx", 1);
  sfx_set(x, "Channel", "Security");
  sfx_set(x, "EventID", "4688");
  sfx_set(x, "NewProcessName", "C:\\Windows\\System32\\whoami.exe");
  sfx_set(x, "ParentProcessName", "C:\\Windows\\System32\\cmd.exe");
  assert_int_equal(sfx_match(x), 1);
  assert_string_equal(x->hits, "proc");
  /* 4688 does not have Image: a field of that name is not the process */
  sfx_event(x, "evtx", 1);
  sfx_set(x, "Channel", "Security");
  sfx_set(x, "EventID", "4688");
  sfx_set(x, "Image", "C:\\Windows\\System32\\whoami.exe");
  sfx_set(x, "ParentImage", "C:\\Windows\\System32\\cmd.exe");
  assert_int_equal(sfx_match(x), 0);
  /* Sysmon 1 */
  sfx_event(x, "evtx", 1);
  sfx_set(x, "Channel", "Microsoft-Windows-Sysmon/Operational");
  sfx_set(x, "EventID", "1");
  sfx_set(x, "Image", "C:\\Windows\\System32\\whoami.exe");
  sfx_set(x, "ParentImage", "C:\\Windows\\System32\\cmd.exe");
  assert_int_equal(sfx_match(x), 1);
  /* Sysmon 3 (network connection) is another category */
  sfx_event(x, "evtx", 1);
  sfx_set(x, "Channel", "Microsoft-Windows-Sysmon/Operational");
  sfx_set(x, "EventID", "3");
  sfx_set(x, "Image", "C:\\Windows\\System32\\whoami.exe");
  sfx_set(x, "ParentImage", "C:\\Windows\\System32\\cmd.exe");
  assert_int_equal(sfx_match(x), 0);
  /* Security 4689 is not process creation */
  sfx_event(x, "evtx", 1);
  sfx_set(x, "Channel", "Security");
  sfx_set(x, "EventID", "4689");
  sfx_set(x, "NewProcessName", "C:\\Windows\\System32\\whoami.exe");
  sfx_set(x, "ParentProcessName", "C:\\Windows\\System32\\cmd.exe");
  assert_int_equal(sfx_match(x), 0);
  sfx_free(x);
}

static void test_service_by_channel(void **st) {
  (void)st;
  sfx *x = sfx_new("title: Logon\nid: logon\nlogsource:\n  product: windows\n"
                   "  service: security\ndetection:\n  sel:\n"
                   "    EventID: 4624\n    LogonType: 10\n"
                   "  condition: sel\n");
  assert_null(sfx_failure(x));
  sfx_event(x, "evtx", 1);
  sfx_set(x, "Channel", "security"); /* channel compared case-insensitively */
  sfx_set(x, "EventID", "4624");
  sfx_set(x, "LogonType", "10");
  assert_int_equal(sfx_match(x), 1);
  sfx_event(x, "evtx", 1);
  sfx_set(x, "Channel", "System");
  sfx_set(x, "EventID", "4624");
  sfx_set(x, "LogonType", "10");
  assert_int_equal(sfx_match(x), 0);
  /* another kind with the same fields is not a Windows log */
  sfx_event(x, "iis", 1);
  sfx_set(x, "Channel", "Security");
  sfx_set(x, "EventID", "4624");
  sfx_set(x, "LogonType", "10");
  assert_int_equal(sfx_match(x), 0);
  sfx_free(x);
}

static void test_registry_and_powershell(void **st) {
  (void)st;
  sfx *x = sfx_new(
      "title: RegAdd\nid: regadd\nlogsource:\n  product: windows\n"
      "  category: registry_add\ndetection:\n  sel:\n"
      "    TargetObject|contains: '\\Run\\'\n  condition: sel\n"
      "---\ntitle: PS\nid: ps\nlogsource:\n  product: windows\n"
      "  category: ps_script\ndetection:\n  sel:\n"
      "    ScriptBlockText|contains: 'Invoke-Mimikatz'\n  condition: sel\n");
  assert_null(sfx_failure(x));
  const char *sysmon = "Microsoft-Windows-Sysmon/Operational";
  sfx_event(x, "evtx", 1);
  sfx_set(x, "Channel", sysmon);
  sfx_set(x, "EventID", "12");
  sfx_set(x, "EventType", "CreateKey");
  sfx_set(x, "TargetObject", "HKLM\\Software\\Run\\x");
  assert_int_equal(sfx_match(x), 1);
  sfx_event(x, "evtx", 1);
  sfx_set(x, "Channel", sysmon);
  sfx_set(x, "EventID", "12");
  sfx_set(x, "EventType", "DeleteKey");
  sfx_set(x, "TargetObject", "HKLM\\Software\\Run\\x");
  assert_int_equal(sfx_match(x), 0);
  const char *chans[] = {"Microsoft-Windows-PowerShell/Operational",
                         "PowerShellCore/Operational"};
  for (int i = 0; i < 2; i++) {
    sfx_event(x, "evtx", 1);
    sfx_set(x, "Channel", chans[i]);
    sfx_set(x, "EventID", "4104");
    sfx_set(x, "ScriptBlockText", "IEX; Invoke-Mimikatz -DumpCreds");
    assert_int_equal(sfx_match(x), 1);
    assert_string_equal(x->hits, "ps");
  }
  sfx_free(x);
}

static void test_network_sources(void **st) {
  (void)st;
  sfx *x = sfx_new(
      "title: Web\nid: web\nlogsource:\n  category: webserver\n"
      "detection:\n  sel:\n    cs-uri-query|contains: 'cmd='\n"
      "    cs-method: GET\n    sc-status: 200\n  condition: sel\n"
      "---\ntitle: Proxy\nid: proxy\nlogsource:\n  category: proxy\n"
      "detection:\n  sel:\n    c-useragent|contains: 'curl'\n"
      "    cs-host|endswith: '.evil'\n  condition: sel\n"
      "---\ntitle: Dns\nid: dns\nlogsource:\n  category: dns\n"
      "detection:\n  sel:\n    query|endswith: '.onion'\n  condition: sel\n"
      "---\ntitle: Fw\nid: fw\nlogsource:\n  category: firewall\n"
      "detection:\n  sel:\n    dst_port: 4444\n    dst_ip|cidr: 10.0.0.0/8\n"
      "  condition: sel\n");
  assert_null(sfx_failure(x));
  const char *web[] = {"iis", "exchange_httpproxy"};
  for (int i = 0; i < 2; i++) {
    sfx_event(x, web[i], 1);
    sfx_set(x, "url.query", "a=1&cmd=whoami");
    sfx_set(x, "http.request.method", "GET");
    sfx_set(x, "http.response.status_code", "200");
    assert_int_equal(sfx_match(x), 1);
    assert_string_equal(x->hits, "web");
  }
  sfx_event(x, "http", 1);
  sfx_set(x, "user_agent", "curl/8.0");
  sfx_set(x, "host", "c2.evil");
  assert_int_equal(sfx_match(x), 1);
  assert_string_equal(x->hits, "proxy");
  sfx_event(x, "dns", 1);
  sfx_set(x, "query", "abc.onion");
  assert_int_equal(sfx_match(x), 1);
  assert_string_equal(x->hits, "dns");
  sfx_event(x, "conn", 1);
  sfx_set(x, "id.resp_h", "10.9.8.7");
  sfx_set(x, "id.resp_p", "4444");
  assert_int_equal(sfx_match(x), 1);
  assert_string_equal(x->hits, "fw");
  sfx_event(x, "conn", 1);
  sfx_set(x, "id.resp_h", "11.9.8.7");
  sfx_set(x, "id.resp_p", "4444");
  assert_int_equal(sfx_match(x), 0);
  sfx_free(x);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_precedence),
      cmocka_unit_test(test_quantifiers),
      cmocka_unit_test(test_bad_conditions),
      cmocka_unit_test(test_condition_list),
      cmocka_unit_test(test_process_creation_4688_and_sysmon),
      cmocka_unit_test(test_service_by_channel),
      cmocka_unit_test(test_registry_and_powershell),
      cmocka_unit_test(test_network_sources),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
