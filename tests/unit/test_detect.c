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

static void test_fset_aggregation(void **state) {
  (void)state;
  static const sp_rule r = {"t.rule", "n",  "rs", "a",
                            "d",      "T1", "",   SP_LEVEL_LOW};
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
} keys;

static void collect_keys(const sp_agg *a, void *u) {
  keys *k = u;
  k->v[k->n++] = a->ent_value[0];
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

/* Overflowing a finding set keeps the same findings whatever the order of
 * arrival or merging, and keeps the most severe ones. */
static void test_fset_overflow(void **state) {
  (void)state;
  static const sp_rule low = {"t.low", "n", "rs", "a",
                              "d",     "",  "",   SP_LEVEL_LOW};
  static const sp_rule crit = {"t.crit", "n", "rs", "a",
                               "d",      "",  "",   SP_LEVEL_CRITICAL};
  enum { N = SP_FSET_MAX_FINDINGS + 20000 };
  sp_fset *up, *down, *even, *odd;
  assert_int_equal(sp_fset_create(&up), SP_OK);
  assert_int_equal(sp_fset_create(&down), SP_OK);
  assert_int_equal(sp_fset_create(&even), SP_OK);
  assert_int_equal(sp_fset_create(&odd), SP_OK);
  for (int i = 0; i < N; i++) {
    add_key(up, &low, i);
    add_key(down, &low, N - 1 - i);
    add_key(i % 2 ? odd : even, &low, i);
  }
  for (int i = 0; i < 10; i++) {
    add_key(up, &crit, -i);
    add_key(down, &crit, -i);
    add_key(even, &crit, -i);
  }
  assert_int_equal(sp_fset_merge(odd, even), SP_OK);
  keys k[3];
  sp_fset *sets[3] = {up, down, odd};
  for (int j = 0; j < 3; j++) {
    assert_true(sp_fset_count(sets[j]) <= SP_FSET_MAX_FINDINGS);
    assert_true(sp_fset_count(sets[j]) > SP_FSET_MAX_FINDINGS / 4);
    k[j].v = calloc(sp_fset_count(sets[j]), sizeof *k[j].v);
    k[j].n = 0;
    sp_fset_foreach(sets[j], collect_keys, &k[j]);
    qsort(k[j].v, k[j].n, sizeof *k[j].v, cmp_str);
  }
  seen s = {0};
  sp_fset_foreach(up, collect, &s); /* fills at most 32 */
  for (int j = 1; j < 3; j++) {
    assert_int_equal(k[j].n, k[0].n);
    for (size_t i = 0; i < k[0].n; i++)
      assert_string_equal(k[j].v[i], k[0].v[i]);
    assert_int_equal(sp_fset_dropped(sets[j]), sp_fset_dropped(up));
  }
  assert_int_equal(sp_fset_dropped(up) + k[0].n, N + 10);
  /* Every critical finding survived. */
  size_t crits = 0;
  for (size_t i = 0; i < k[0].n; i++)
    crits += strcmp(k[0].v[i], "k0") == 0 || k[0].v[i][1] == '-';
  assert_true(crits >= 10);
  for (int j = 0; j < 3; j++)
    free(k[j].v);
  sp_fset_destroy(up);
  sp_fset_destroy(down);
  sp_fset_destroy(even);
  sp_fset_destroy(odd);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_26857),
      cmocka_unit_test(test_cookie_and_anchor),
      cmocka_unit_test(test_oab_paths),
      cmocka_unit_test(test_ecp_set_without_script),
      cmocka_unit_test(test_webshell_flagged),
      cmocka_unit_test(test_fset_aggregation),
      cmocka_unit_test(test_fset_overflow),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
