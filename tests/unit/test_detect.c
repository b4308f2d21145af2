/*
 * test_detect.c - unit tests for detectors fed hand-built events: the
 * CVE-2021-26857 Application-log detector (its reader lands with EVTX), and
 * edge cases of the ProxyLogon and webshell patterns.
 */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/timeutil.h"
#include "detect/detector.h"

typedef struct seen {
  const char *rules[32];
  size_t n;
} seen;

static void collect(const sp_agg *a, void *u) {
  seen *s = u;
  if (s->n < 32)
    s->rules[s->n++] = a->rule->id;
}

static bool has(const seen *s, const char *rule) {
  for (size_t i = 0; i < s->n; i++)
    if (strcmp(s->rules[i], rule) == 0)
      return true;
  return false;
}

static const sp_detector_vt *det(const char *name) {
  for (size_t i = 0; sp_detectors[i]; i++)
    if (strcmp(sp_detectors[i]->name, name) == 0)
      return sp_detectors[i];
  fail();
  return NULL;
}

static void set(sp_event *ev, sp_field f, const char *v) {
  sp_event_set(ev, f, sp_str_make(v, strlen(v)));
}

/* Run one event through a detector; fill *out with the rule ids hit. */
static void run1(const char *name, const sp_event *ev, const sp_dctx *ctx,
                 seen *out) {
  const sp_detector_vt *vt = det(name);
  sp_fset *fs;
  assert_int_equal(sp_fset_create(&fs), SP_OK);
  void *st = vt->create(ctx);
  assert_non_null(st);
  vt->on_event(st, ev, fs);
  if (vt->on_end)
    vt->on_end(st, fs);
  vt->destroy(st);
  memset(out, 0, sizeof *out);
  sp_fset_foreach(fs, collect, out);
  sp_fset_destroy(fs);
}

static sp_fval test_vals[SP_EVENT_MAX_FIELDS]; /* the events' value storage */

static void new_event(sp_event *ev, sp_source_kind kind) {
  sp_event_init(ev, test_vals, SP_EVENT_MAX_FIELDS);
  ev->ref = SP_REF_LINE;
  ev->kind = kind;
  ev->ts = 1614754753000000000LL;
  ev->line = 1;
}

static void test_26857(void **state) {
  (void)state;
  sp_event ev;
  seen s;
  new_event(&ev, SP_SRC_EVTX);
  set(&ev, SP_F_EVENT_PROVIDER, "MSExchange Unified Messaging");
  set(&ev, SP_F_LOG_LEVEL, "Error");
  set(&ev, SP_F_EVENT_CODE, "4");
  set(&ev, SP_F_MESSAGE,
      "Watson report about to be sent for process id: "
      "10000, with parameters: E12IIS, c-RTL-AMD64, "
      "System.InvalidCastException, UMWorkerProcess");
  run1("proxylogon", &ev, NULL, &s);
  assert_int_equal(s.n, 1);
  assert_true(has(&s, "spoor.exchange.cve_2021_26857.um_deserialization"));
  /* Same text from another provider, or a warning: nothing. */
  set(&ev, SP_F_EVENT_PROVIDER, "Application Error");
  run1("proxylogon", &ev, NULL, &s);
  assert_int_equal(s.n, 0);
  set(&ev, SP_F_EVENT_PROVIDER, "MSExchange Unified Messaging");
  set(&ev, SP_F_LOG_LEVEL, "Warning");
  run1("proxylogon", &ev, NULL, &s);
  assert_int_equal(s.n, 0);
}

static void test_cookie_and_anchor(void **state) {
  (void)state;
  sp_event ev;
  seen s;
  new_event(&ev, SP_SRC_EXCH_HTTPPROXY);
  set(&ev, SP_F_EXCH_BECOOKIE, "Server~EXCH01.corp.example~1942062522");
  set(&ev, SP_F_EXCH_ANCHOR, "ServerInfo~EXCH01"); /* no path: normal */
  run1("proxylogon", &ev, NULL, &s);
  assert_int_equal(s.n, 0);
  set(&ev, SP_F_EXCH_BECOOKIE, "Server~a]@EXCH01:444/ecp/x~1942062522");
  run1("proxylogon", &ev, NULL, &s);
  assert_true(has(&s, "spoor.exchange.cve_2021_26855.backend_cookie"));
  /* A userinfo trick does not make the real server a localhost scan, and
     241 stays decisive. */
  set(&ev, SP_F_EXCH_ANCHOR,
      "ServerInfo~localhost]@exch01.corp:444/ecp/proxyLogon.ecp#");
  set(&ev, SP_F_HTTP_STATUS, "241");
  run1("proxylogon", &ev, NULL, &s);
  assert_true(has(&s, "spoor.exchange.cve_2021_26855.anchor_mailbox"));
  assert_true(has(&s, "spoor.exchange.cve_2021_26855.proxylogon_ecp"));
  assert_false(has(&s, "spoor.exchange.cve_2021_26855.localhost_scan"));
  set(&ev, SP_F_EXCH_ANCHOR, "ServerInfo~localhost:444/owa/auth/logon.aspx?");
  set(&ev, SP_F_HTTP_STATUS, "500");
  run1("proxylogon", &ev, NULL, &s);
  assert_true(has(&s, "spoor.exchange.cve_2021_26855.localhost_scan"));
  assert_false(has(&s, "spoor.exchange.cve_2021_26855.anchor_mailbox"));
  /* 127.0.0.1 is no scanner form: Test-ProxyLogon reports it, and so the
     SSRF rule does. */
  set(&ev, SP_F_EXCH_ANCHOR,
      "ServerInfo~127.0.0.1:444/ecp/DDI/DDIService.svc/"
      "GetObject?schema=OABVirtualDirectory#");
  run1("proxylogon", &ev, NULL, &s);
  assert_true(has(&s, "spoor.exchange.cve_2021_26855.anchor_mailbox"));
  assert_false(has(&s, "spoor.exchange.cve_2021_26855.localhost_scan"));
  set(&ev, SP_F_EXCH_ANCHOR,
      "ServerInfo~a]@e:444/autodiscover/../ecp/proxyLogon.ecp#");
  run1("proxylogon", &ev, NULL, &s);
  assert_true(has(&s, "spoor.exchange.cve_2021_26855.anchor_mailbox"));
  new_event(&ev, SP_SRC_EXCH_HTTPPROXY);
  /* 241 without proxyLogon.ecp is not the 241 sign. */
  new_event(&ev, SP_SRC_EXCH_HTTPPROXY);
  set(&ev, SP_F_EXCH_ANCHOR, "ServerInfo~a]@E:444/ecp/other?#");
  set(&ev, SP_F_HTTP_STATUS, "241");
  run1("proxylogon", &ev, NULL, &s);
  assert_true(has(&s, "spoor.exchange.cve_2021_26855.anchor_mailbox"));
  assert_false(has(&s, "spoor.exchange.cve_2021_26855.proxylogon_ecp"));
  /* Reset*VirtualDirectory needs status 200. */
  set(&ev, SP_F_EXCH_ANCHOR,
      "ServerInfo~a]@E:444/ecp/DDI/DDIService.svc/"
      "SetObject?schema=ResetOABVirtualDirectory#");
  set(&ev, SP_F_HTTP_STATUS, "500");
  run1("proxylogon", &ev, NULL, &s);
  assert_false(has(&s, "spoor.exchange.cve_2021_27065.reset_vdir"));
  set(&ev, SP_F_HTTP_STATUS, "200");
  run1("proxylogon", &ev, NULL, &s);
  assert_true(has(&s, "spoor.exchange.cve_2021_27065.reset_vdir"));
}

/* ProxyShell's webshell write (CVE-2021-31207): New-MailboxExportRequest to
 * a script path, as the MSExchange Management log's cmdlet event or an ECP
 * Server log cmdlet records it. */
static void test_proxyshell_export(void **state) {
  (void)state;
  sp_event ev;
  seen s;
  new_event(&ev, SP_SRC_EVTX);
  set(&ev, SP_F_EVENT_PROVIDER, "MSExchange CmdletLogs");
  set(&ev, SP_F_EVENT_CODE, "1");
  set(&ev, SP_F_MESSAGE,
      "Cmdlet succeeded. Cmdlet Name: New-MailboxExportRequest. Parameters: "
      "-Mailbox \"a@corp.example\" -FilePath "
      "\"\\\\127.0.0.1\\C$\\inetpub\\wwwroot\\aspnet_client\\x.aspx\"");
  run1("proxylogon", &ev, NULL, &s);
  assert_true(has(&s, "spoor.exchange.cve_2021_31207.mailbox_export_webshell"));
  /* An export to a .pst is ordinary administration. */
  set(&ev, SP_F_MESSAGE,
      "Cmdlet succeeded. Cmdlet Name: New-MailboxExportRequest. Parameters: "
      "-Mailbox \"a@corp.example\" -FilePath \"\\\\fs01\\pst\\a.pst\"");
  run1("proxylogon", &ev, NULL, &s);
  assert_int_equal(s.n, 0);
  new_event(&ev, SP_SRC_EXCH_ECP);
  set(&ev, SP_F_EXCH_ECP_CMD,
      "New-MailboxExportRequest.Mailbox=''a@corp.example''.FilePath="
      "''\\\\localhost\\c$\\inetpub\\wwwroot\\aspnet_client\\y.ashx''");
  run1("proxylogon", &ev, NULL, &s);
  assert_true(has(&s, "spoor.exchange.cve_2021_31207.mailbox_export_webshell"));
}

/* ProxyShell in IIS: the autodiscover.json path confusion, and PowerShell
 * through it; a normal Autodiscover v2 request is nothing. */
static void test_proxyshell_iis(void **state) {
  (void)state;
  sp_event ev;
  seen s;
  new_event(&ev, SP_SRC_IIS);
  set(&ev, SP_F_HTTP_METHOD, "GET");
  set(&ev, SP_F_URL_PATH,
      "/autodiscover/autodiscover.json/v1.0/a@corp.example");
  set(&ev, SP_F_URL_QUERY, "Protocol=Rest");
  run1("proxylogon", &ev, NULL, &s);
  assert_int_equal(s.n, 0);
  set(&ev, SP_F_URL_PATH, "/autodiscover/autodiscover.json");
  set(&ev, SP_F_URL_QUERY,
      "@foo.com/mapi/nspi/?&Email=autodiscover/autodiscover.json%3F@foo.com");
  run1("proxylogon", &ev, NULL, &s);
  assert_true(has(&s, "spoor.exchange.cve_2021_34473.autodiscover_json_ssrf"));
  set(&ev, SP_F_URL_QUERY, "@foo.com/powershell/?X-Rps-CAT=VgEA");
  run1("proxylogon", &ev, NULL, &s);
  assert_true(has(&s, "spoor.exchange.cve_2021_34523.powershell_ssrf"));
  assert_false(has(&s, "spoor.exchange.cve_2021_34473.autodiscover_json_ssrf"));
  /* The X-BEResource cookie, when IIS logs cs(Cookie). */
  new_event(&ev, SP_SRC_IIS);
  set(&ev, SP_F_HTTP_METHOD, "GET");
  set(&ev, SP_F_URL_PATH, "/owa/");
  set(&ev, SP_F_HTTP_COOKIE, "X-BEResource=EXCH1~1942062522; a=b");
  run1("proxylogon", &ev, NULL, &s);
  assert_int_equal(s.n, 0);
  set(&ev, SP_F_HTTP_COOKIE,
      "a=b; X-BEResource=x]@EXCH1:444/ecp/DDI/DDIService.svc/"
      "GetObject?schema=OABVirtualDirectory&a=~1942062522");
  run1("proxylogon", &ev, NULL, &s);
  assert_true(has(&s, "spoor.iis.cve_2021_26855.beresource_cookie"));
}

/* Every built-in rule cites the public source of its pattern. */
static void test_rule_references(void **state) {
  (void)state;
  size_t n = sp_rule_count();
  assert_true(n > 20);
  for (size_t i = 0; i < n; i++) {
    sp_rule_info r;
    assert_int_equal(sp_rule_get(i, &r), SP_OK);
    assert_non_null(r.reference);
    if (strncmp(r.reference, "https://", 8) != 0)
      fail_msg("rule %s has no reference", r.id);
  }
}

static void test_oab_paths(void **state) {
  (void)state;
  sp_event ev;
  seen s;
  new_event(&ev, SP_SRC_EXCH_OABGEN);
  set(&ev, SP_F_MESSAGE,
      "Download failed and temporary file 'D:/Exchange/"
      "ClientAccess/OAB/Temp/x.tmp' needs to be removed");
  run1("proxylogon", &ev, NULL, &s);
  assert_int_equal(s.n, 0);
  set(&ev, SP_F_MESSAGE,
      "Download failed and temporary file 'C:\\Program "
      "Files\\Microsoft\\Exchange Server\\V15\\"
      "ClientAccess\\OAB\\..\\..\\FrontEnd\\HttpProxy\\"
      "owa\\auth\\s.aspx' needs to be removed");
  run1("proxylogon", &ev, NULL, &s);
  assert_true(has(&s, "spoor.exchange.cve_2021_26858.oab_temp_file"));
  set(&ev, SP_F_MESSAGE,
      "download failed and temporary file 'C:\\inetpub\\"
      "wwwroot\\aspnet_client\\a.aspx");
  run1("proxylogon", &ev, NULL, &s);
  assert_true(has(&s, "spoor.exchange.cve_2021_26858.oab_temp_file"));
}

static void test_ecp_set_without_script(void **state) {
  (void)state;
  sp_event ev;
  seen s;
  new_event(&ev, SP_SRC_EXCH_ECP);
  /* The cmdlet name alone is not a script: "Set-...VirtualDirectory". */
  set(&ev, SP_F_EXCH_ECP_CMD,
      "Set-OwaVirtualDirectory.InternalUrl='https://mail/owa'");
  run1("proxylogon", &ev, NULL, &s);
  assert_int_equal(s.n, 0);
  set(&ev, SP_F_EXCH_ECP_CMD,
      "Set-OwaVirtualDirectory.InternalUrl='http://x/<%Response.Write(1)%>'");
  run1("proxylogon", &ev, NULL, &s);
  assert_true(has(&s, "spoor.exchange.cve_2021_27065.ecp_set_vdir_script"));
}

static void test_webshell_flagged(void **state) {
  (void)state;
  sp_strset *flagged, *stock;
  assert_int_equal(sp_strset_create(10, &flagged), SP_OK);
  assert_int_equal(sp_strset_create(10, &stock), SP_OK);
  assert_int_equal(sp_strset_add(flagged, sp_str_make("shell.aspx", 10), true),
                   SP_OK);
  assert_int_equal(
      sp_strset_add(stock, sp_str_make("/owa/auth/logon.aspx", 20), true),
      SP_OK);
  sp_input inputs[] = {{"stock_urls", stock}, {"flagged_names", flagged}};
  sp_dctx ctx = {.inputs = inputs, .n_inputs = 2, .workers = 1};
  sp_event ev;
  seen s;
  new_event(&ev, SP_SRC_IIS);
  set(&ev, SP_F_URL_PATH, "/owa/auth/Logon.aspx");
  set(&ev, SP_F_HTTP_STATUS, "200");
  run1("webshell_access", &ev, &ctx, &s);
  assert_int_equal(s.n, 0);
  /* A flagged file anywhere, even outside the watched folders. */
  set(&ev, SP_F_URL_PATH, "/ecp/Shell.ASPX");
  set(&ev, SP_F_HTTP_STATUS, "404");
  run1("webshell_access", &ev, &ctx, &s);
  assert_true(has(&s, "spoor.iis.webshell.flagged_file_access"));
  set(&ev, SP_F_URL_PATH, "/ecp/auth/x.ashx");
  run1("webshell_access", &ev, &ctx, &s);
  assert_true(has(&s, "spoor.iis.webshell.probe"));
  set(&ev, SP_F_HTTP_STATUS, "200");
  run1("webshell_access", &ev, &ctx, &s);
  assert_true(has(&s, "spoor.iis.webshell.access"));
  /* Images are never scripts. */
  set(&ev, SP_F_URL_PATH, "/aspnet_client/x.png");
  run1("webshell_access", &ev, &ctx, &s);
  assert_int_equal(s.n, 0);
  sp_strset_destroy(flagged);
  sp_strset_destroy(stock);
}

/* What an HttpProxy run left in a finding set. */
typedef struct hp_seen {
  size_t n;
  const char *rule[8];
  uint64_t count[8];
  sp_level level[8];
  char reason[8][64];
} hp_seen;

static void collect_hp(const sp_agg *a, void *u) {
  hp_seen *s = u;
  if (s->n >= 8)
    return;
  s->rule[s->n] = a->rule->id;
  s->count[s->n] = a->count;
  s->level[s->n] = a->rule->level;
  snprintf(s->reason[s->n], sizeof s->reason[0], "%s",
           a->reason ? a->reason : "");
  s->n++;
}

/* HttpProxy rows (UrlStem, HttpStatus, ClientIpAddress) reach the webshell
 * detector: the 2021 shell names, a stock page, and a scanner probing 30
 * names that is one finding per source, its reason the earliest name. */
static void test_webshell_httpproxy(void **state) {
  (void)state;
  sp_strset *stock;
  assert_int_equal(sp_strset_create(10, &stock), SP_OK);
  assert_int_equal(
      sp_strset_add(stock, sp_str_make("/owa/auth/logon.aspx", 20), true),
      SP_OK);
  sp_input inputs[] = {{"stock_urls", stock}};
  sp_dctx ctx = {.inputs = inputs, .n_inputs = 1, .workers = 1};
  sp_event ev;
  seen s;
  new_event(&ev, SP_SRC_EXCH_HTTPPROXY);
  set(&ev, SP_F_URL_PATH, "/owa/auth/errorFS.aspx");
  set(&ev, SP_F_HTTP_METHOD, "POST");
  set(&ev, SP_F_HTTP_STATUS, "200");
  set(&ev, SP_F_SOURCE_IP, "203.0.113.9");
  run1("webshell_access", &ev, &ctx, &s);
  assert_int_equal(s.n, 1);
  assert_string_equal(s.rules[0], "spoor.httpproxy.webshell.access");
  static const char *const shells[] = {
      "/owa/auth/OutlookEN.aspx", "/owa/auth/RedirSuiteServerProxy.aspx",
      "/aspnet_client/system_web/x.ashx", "/ecp/auth/errorEE.asmx"};
  for (size_t i = 0; i < sizeof shells / sizeof shells[0]; i++) {
    set(&ev, SP_F_URL_PATH, shells[i]);
    run1("webshell_access", &ev, &ctx, &s);
    assert_int_equal(s.n, 1);
    assert_string_equal(s.rules[0], "spoor.httpproxy.webshell.access");
  }
  /* Stock pages, other folders and other Exchange logs: nothing. */
  set(&ev, SP_F_URL_PATH, "/OWA/auth/logon.aspx");
  run1("webshell_access", &ev, &ctx, &s);
  assert_int_equal(s.n, 0);
  set(&ev, SP_F_URL_PATH, "/owa/service.svc");
  run1("webshell_access", &ev, &ctx, &s);
  assert_int_equal(s.n, 0);
  set(&ev, SP_F_URL_PATH, "/owa/auth/errorFS.aspx");
  ev.kind = SP_SRC_EXCH_ECP;
  run1("webshell_access", &ev, &ctx, &s);
  assert_int_equal(s.n, 0);
  /* The same row from IIS keeps its own rule id. */
  ev.kind = SP_SRC_IIS;
  run1("webshell_access", &ev, &ctx, &s);
  assert_int_equal(s.n, 1);
  assert_string_equal(s.rules[0], "spoor.iis.webshell.access");

  /* 30 random names, 404, one source: one probe finding counting 30. The
   * events arrive latest first; the reason is the earliest name's. */
  const sp_detector_vt *vt = det("webshell_access");
  sp_fset *fs;
  assert_int_equal(sp_fset_create(&fs), SP_OK);
  void *st = vt->create(&ctx);
  assert_non_null(st);
  uint32_t x = 12345;
  char first[64] = "";
  for (int i = 29; i >= 0; i--) {
    sp_event p;
    new_event(&p, SP_SRC_EXCH_HTTPPROXY);
    p.ts += i;
    p.line = (uint64_t)i + 2;
    char path[64];
    x = x * 1103515245u + 12345u;
    snprintf(path, sizeof path, "/owa/auth/%08x.aspx", (unsigned)x);
    if (i == 0)
      snprintf(first, sizeof first, "%s", path);
    set(&p, SP_F_URL_PATH, path);
    set(&p, SP_F_HTTP_METHOD, "GET");
    set(&p, SP_F_HTTP_STATUS, "404");
    set(&p, SP_F_SOURCE_IP, "198.51.100.77");
    set(&p, SP_F_HOST_NAME, "EXCH01");
    vt->on_event(st, &p, fs);
  }
  vt->destroy(st);
  hp_seen h = {0};
  sp_fset_foreach(fs, collect_hp, &h);
  assert_int_equal(h.n, 1);
  assert_string_equal(h.rule[0], "spoor.httpproxy.webshell.probe");
  assert_int_equal(h.count[0], 30);
  assert_int_equal(h.level[0], SP_LEVEL_LOW);
  assert_string_equal(h.reason[0], first);
  sp_fset_destroy(fs);
  sp_strset_destroy(stock);
}

static void test_fset_aggregation(void **state) {
  (void)state;
  static const sp_rule r = {"t.rule", "n", "rs",         "a", "d",
                            "T1",     "",  SP_LEVEL_LOW, ""};
  sp_fset *a, *b;
  assert_int_equal(sp_fset_create(&a), SP_OK);
  assert_int_equal(sp_fset_create(&b), SP_OK);
  for (int i = 0; i < 100; i++) {
    sp_hit h;
    sp_hit_init(&h, &r, 1000 - i, (uint32_t)(i % 3), (uint64_t)i, SP_REF_LINE);
    sp_hit_entity(&h, "source.ip",
                  sp_str_make(i % 2 ? "1.1.1.1" : "2.2.2.2", 7));
    sp_fset_add(i < 50 ? a : b, &h);
  }
  assert_int_equal(sp_fset_merge(a, b), SP_OK);
  assert_int_equal(sp_fset_count(a), 2);
  assert_int_equal(sp_fset_count(b), 0);
  seen s = {0};
  sp_fset_foreach(a, collect, &s);
  assert_int_equal(s.n, 2);
  sp_fset_destroy(a);
  sp_fset_destroy(b);
}

typedef struct keys {
  char **v;
  size_t n;
  uint64_t hits;
} keys;

static void collect_keys(const sp_agg *a, void *u) {
  keys *k = u;
  char buf[128];
  snprintf(buf, sizeof buf, "%s|%s", a->rule->id,
           a->n_ent ? a->ent_value[0] : "");
  k->v[k->n++] = strdup(buf);
  k->hits += a->count;
}

static int cmp_str(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

static void add_key(sp_fset *s, const sp_rule *r, int i) {
  char v[32];
  snprintf(v, sizeof v, "k%d", i);
  sp_hit h;
  sp_hit_init(&h, r, i, 0, (uint64_t)i, SP_REF_LINE);
  sp_hit_entity(&h, "source.ip", sp_str_make(v, strlen(v)));
  sp_fset_add(s, &h);
}

static keys keys_of(const sp_fset *s) {
  keys k = {calloc(sp_fset_count(s) + 1, sizeof(char *)), 0, 0};
  sp_fset_foreach(s, collect_keys, &k);
  qsort(k.v, k.n, sizeof *k.v, cmp_str);
  return k;
}

static void keys_free(keys *k) {
  for (size_t i = 0; i < k->n; i++)
    free(k->v[i]);
  free(k->v);
}

/* Overflowing a finding set keeps the same findings whatever the order of
 * arrival or merging: whole rules, the most severe first. */
static void test_fset_overflow(void **state) {
  (void)state;
  enum { RULES = 24, PER = 6000 }; /* 144,000 findings, none a flood */
  static char ids[RULES][16];
  static sp_rule rules[RULES];
  for (int r = 0; r < RULES; r++) {
    snprintf(ids[r], sizeof ids[r], "t.r%02d", r);
    rules[r] = (sp_rule){
        ids[r],
        "n",
        "rs",
        "a",
        "d",
        "",
        "",
        r < 2 ? SP_LEVEL_CRITICAL : r % 2 ? SP_LEVEL_LOW : SP_LEVEL_MEDIUM,
        ""};
  }
  sp_fset *up, *down, *even, *odd;
  assert_int_equal(sp_fset_create(&up), SP_OK);
  assert_int_equal(sp_fset_create(&down), SP_OK);
  assert_int_equal(sp_fset_create(&even), SP_OK);
  assert_int_equal(sp_fset_create(&odd), SP_OK);
  for (int r = 0; r < RULES; r++)
    for (int i = 0; i < PER; i++) {
      add_key(up, &rules[r], i);
      add_key(down, &rules[RULES - 1 - r], PER - 1 - i);
      add_key(i % 2 ? odd : even, &rules[(r * 7) % RULES], i);
    }
  assert_int_equal(sp_fset_merge(odd, even), SP_OK);
  sp_fset *sets[3] = {up, down, odd};
  keys k[3];
  for (int j = 0; j < 3; j++) {
    assert_true(sp_fset_count(sets[j]) <= SP_FSET_MAX_FINDINGS);
    assert_true(sp_fset_count(sets[j]) >= SP_FSET_MAX_FINDINGS / 2);
    k[j] = keys_of(sets[j]);
  }
  for (int j = 1; j < 3; j++) {
    assert_int_equal(k[j].n, k[0].n);
    for (size_t i = 0; i < k[0].n; i++)
      assert_string_equal(k[j].v[i], k[0].v[i]);
    assert_int_equal(sp_fset_dropped(sets[j]), sp_fset_dropped(up));
  }
  /* Every hit is kept or counted as dropped; whole rules go. */
  assert_true(sp_fset_dropped(up) > 0);
  assert_int_equal(sp_fset_dropped(up) + k[0].hits, (uint64_t)RULES * PER);
  assert_int_equal(sp_fset_dropped(up) % PER, 0);
  /* Both critical rules survived. */
  size_t crits = 0;
  for (size_t i = 0; i < k[0].n; i++)
    crits += strncmp(k[0].v[i], "t.r00|", 6) == 0 ||
             strncmp(k[0].v[i], "t.r01|", 6) == 0;
  assert_int_equal(crits, 2 * PER);
  for (int j = 0; j < 3; j++) {
    keys_free(&k[j]);
    sp_fset_destroy(sets[j]);
  }
  sp_fset_destroy(even);
}

typedef struct flood_seen {
  size_t floods, findings;
  sp_flood_info fi[3]; /* by scope */
  uint64_t count[3];
  size_t n_refs[3];
  int64_t first[3];
  char value[3][64];
} flood_seen;

static void collect_flood(const sp_agg *a, void *u) {
  flood_seen *f = u;
  f->findings++;
  sp_flood_info fi;
  if (!sp_agg_flood(a, &fi))
    return;
  f->floods++;
  f->fi[fi.scope] = fi;
  f->count[fi.scope] = a->count;
  f->n_refs[fi.scope] = a->n_refs;
  f->first[fi.scope] = a->first;
  snprintf(f->value[fi.scope], sizeof f->value[0], "%s",
           a->n_ent ? a->ent_value[0] : "");
}

static void hit_path(sp_fset *s, const sp_rule *r, const char *ip, int path,
                     int64_t ts) {
  char p[32];
  snprintf(p, sizeof p, "/aspnet_client/%d.aspx", path);
  sp_hit h;
  sp_hit_init(&h, r, ts, 0, (uint64_t)ts, SP_REF_LINE);
  sp_hit_entity(&h, "source.ip", sp_str_make(ip, strlen(ip)));
  sp_hit_entity(&h, "url.path", sp_str_make(p, strlen(p)));
  h.reason = sp_str_make(p, strlen(p));
  sp_fset_add(s, &h);
}

/* A source with more than SP_FSET_FLOOD distinct findings of a rule becomes
 * one finding, also when no single worker saw that many; a rule with more
 * than SP_FSET_RULE_FLOOD becomes one. */
static void test_fset_floods(void **state) {
  (void)state;
  static const sp_rule r = {"t.access", "n", "rs",          "a", "d",
                            "",         "",  SP_LEVEL_HIGH, ""};
  static const sp_rule wide = {"t.wide", "n", "rs",          "a", "d",
                               "",       "",  SP_LEVEL_HIGH, ""};
  sp_fset *one, *a, *b;
  assert_int_equal(sp_fset_create(&one), SP_OK);
  assert_int_equal(sp_fset_create(&a), SP_OK);
  assert_int_equal(sp_fset_create(&b), SP_OK);
  /* 300 distinct paths from one scanner, twice each; 200 in each worker
     (100 shared); a second source with 10 paths stays itself. */
  for (int i = 0; i < 300; i++)
    for (int rep = 0; rep < 2; rep++) {
      int64_t ts = 1000 + i * 2 + rep;
      hit_path(one, &r, "203.0.113.5", i, ts);
      hit_path(i < 100   ? (rep ? a : b)
               : i < 200 ? a
                         : b,
               &r, "203.0.113.5", i, ts);
    }
  for (int i = 0; i < 10; i++) {
    hit_path(one, &r, "198.51.100.1", i, 5000 + i);
    hit_path(a, &r, "198.51.100.1", i, 5000 + i);
  }
  assert_int_equal(sp_fset_count(a), 210); /* no worker alone floods */
  assert_int_equal(sp_fset_count(b), 200);
  assert_int_equal(sp_fset_merge(a, b), SP_OK);
  sp_fset *sets[2] = {one, a};
  for (int j = 0; j < 2; j++) {
    flood_seen f = {0};
    sp_fset_foreach(sets[j], collect_flood, &f);
    assert_int_equal(f.findings, 11);
    assert_int_equal(f.floods, 1);
    const int S = SP_FLOOD_SOURCE;
    assert_int_equal(f.fi[S].distinct, 300);
    assert_false(f.fi[S].estimated);
    assert_int_equal(f.count[S], 600);
    assert_int_equal(f.n_refs[S], SP_MAX_EVIDENCE);
    assert_int_equal(f.first[S], 1000);
    assert_string_equal(f.value[S], "203.0.113.5");
    assert_int_equal(sp_fset_dropped(sets[j]), 0);
  }
  /* 12,000 sources, one finding each, split between two workers. */
  for (int i = 0; i < 12000; i++) {
    char ip[32];
    snprintf(ip, sizeof ip, "10.%d.%d.%d", i >> 16, (i >> 8) & 255, i & 255);
    sp_hit h;
    sp_hit_init(&h, &wide, 100 + i, 0, (uint64_t)i, SP_REF_LINE);
    sp_hit_entity(&h, "source.ip", sp_str_make(ip, strlen(ip)));
    sp_fset_add(one, &h);
    sp_fset_add(i % 3 ? a : b, &h);
  }
  assert_int_equal(sp_fset_merge(a, b), SP_OK);
  for (int j = 0; j < 2; j++) {
    flood_seen f = {0};
    sp_fset_foreach(sets[j], collect_flood, &f);
    assert_int_equal(f.findings, 12);
    assert_int_equal(f.floods, 2);
    const int R = SP_FLOOD_RULE;
    assert_int_equal(f.fi[R].distinct, 12000);
    assert_int_equal(f.fi[R].keys, 12000);
    assert_false(f.fi[R].estimated);
    assert_string_equal(f.fi[R].key_field, "source.ip");
    assert_int_equal(f.count[R], 12000);
    assert_int_equal(f.first[R], 100);
    assert_string_equal(f.value[R], "");
  }
  keys k0 = keys_of(one), k1 = keys_of(a);
  assert_int_equal(k0.n, k1.n);
  assert_int_equal(k0.hits, k1.hits);
  for (size_t i = 0; i < k0.n; i++)
    assert_string_equal(k0.v[i], k1.v[i]);
  keys_free(&k0);
  keys_free(&k1);
  sp_fset_destroy(one);
  sp_fset_destroy(a);
  sp_fset_destroy(b);
}

/* Limits: one counter per name, merged with the set; a cut entity value is
 * one; past the table's size counts go to limits.other, none is lost. */
static void test_limits(void **state) {
  (void)state;
  static const sp_rule r = {"t.cut", "n", "rs",         "a", "d",
                            "",      "",  SP_LEVEL_LOW, ""};
  sp_fset *a, *b;
  assert_int_equal(sp_fset_create(&a), SP_OK);
  assert_int_equal(sp_fset_create(&b), SP_OK);
  char big[2000];
  memset(big, 'x', sizeof big);
  sp_hit h;
  sp_hit_init(&h, &r, 1, 0, 1, SP_REF_LINE);
  sp_hit_entity(&h, "url.path", sp_str_make(big, sizeof big));
  h.weight = 3;
  sp_fset_add(a, &h);
  sp_limits_add(sp_fset_limits(b), "t.one", "d", 5);
  sp_limits_add(sp_fset_limits(b), "t.zero", "d", 0);
  assert_int_equal(sp_fset_merge(a, b), SP_OK);
  const sp_limits *l = sp_fset_limits_const(a);
  assert_int_equal(l->n, 2);
  assert_int_equal(sp_limits_get(l, "findings.entity_cut"), 3);
  assert_int_equal(sp_limits_get(l, "t.one"), 5);
  assert_int_equal(sp_limits_get(l, "t.zero"), 0);
  sp_limits many = {.n = 0};
  static char names[40][16];
  uint64_t total = 0;
  for (int i = 0; i < 40; i++) {
    snprintf(names[i], sizeof names[i], "t.n%02d", i);
    sp_limits_add(&many, names[i], "d", (uint64_t)i + 1);
    total += (uint64_t)i + 1;
  }
  assert_int_equal(many.n, SP_LIMITS_MAX);
  assert_string_equal(many.v[SP_LIMITS_MAX - 1].name, "limits.other");
  uint64_t sum = 0;
  for (size_t i = 0; i < many.n; i++)
    sum += many.v[i].count;
  assert_int_equal(sum, total);
  sp_fset_destroy(a);
  sp_fset_destroy(b);
}

/* One IIS request of a forms logon from 203.0.113.9, for spray_forms. */
static void forms_event(const sp_detector_vt *vt, void *st, sp_fset *fs,
                        int sec, const char *method, const char *path,
                        const char *query, const char *user,
                        const char *status) {
  sp_event ev;
  new_event(&ev, SP_SRC_IIS);
  ev.ts += (int64_t)sec * 1000000000;
  ev.line = (uint64_t)sec + 1;
  set(&ev, SP_F_SOURCE_IP, "203.0.113.9");
  set(&ev, SP_F_HTTP_METHOD, method);
  set(&ev, SP_F_URL_PATH, path);
  if (query)
    set(&ev, SP_F_URL_QUERY, query);
  if (user)
    set(&ev, SP_F_USER_NAME, user);
  set(&ev, SP_F_HTTP_STATUS, status);
  vt->on_event(st, &ev, fs);
}

/* Without a share each instance keeps its own events and merge() folds
 * them: POSTs seen by one instance pair with redirects seen by the other.
 * A reason of 0 (the plain logon page) is not a failure. */
static void test_forms_merge(void **state) {
  (void)state;
  const sp_detector_vt *vt = det("spray_forms");
  sp_fset *fs;
  assert_int_equal(sp_fset_create(&fs), SP_OK);
  void *a = vt->create(NULL), *b = vt->create(NULL);
  assert_non_null(a);
  assert_non_null(b);
  for (int i = 0; i < 25; i++) {
    forms_event(vt, a, fs, i * 4, "POST", "/ECP/auth.owa", NULL, NULL, "302");
    forms_event(vt, b, fs, i * 4 + 1, "GET", "/ecp/auth/logon.aspx",
                "url=https%3a%2f%2fmail%2fecp%2f&reason=2", NULL, "200");
  }
  forms_event(vt, b, fs, 200, "POST", "/ecp/auth.owa", NULL, NULL, "302");
  forms_event(vt, a, fs, 201, "GET", "/ecp/auth/logon.aspx",
              "url=https%3a%2f%2fmail%2fecp%2f&reason=0", NULL, "200");
  forms_event(vt, a, fs, 202, "GET", "/ecp/", NULL, "CORP\\admin", "200");
  vt->merge(a, b);
  vt->destroy(b);
  vt->on_end(a, fs);
  vt->destroy(a);
  seen s = {0};
  sp_fset_foreach(fs, collect, &s);
  assert_int_equal(s.n, 2);
  assert_true(has(&s, "spoor.auth.forms_spray"));
  assert_true(has(&s, "spoor.auth.forms_success_after_failures"));
  sp_fset_destroy(fs);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_26857),
      cmocka_unit_test(test_forms_merge),
      cmocka_unit_test(test_cookie_and_anchor),
      cmocka_unit_test(test_oab_paths),
      cmocka_unit_test(test_proxyshell_export),
      cmocka_unit_test(test_proxyshell_iis),
      cmocka_unit_test(test_rule_references),
      cmocka_unit_test(test_ecp_set_without_script),
      cmocka_unit_test(test_webshell_flagged),
      cmocka_unit_test(test_webshell_httpproxy),
      cmocka_unit_test(test_fset_aggregation),
      cmocka_unit_test(test_fset_overflow),
      cmocka_unit_test(test_fset_floods),
      cmocka_unit_test(test_limits),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
