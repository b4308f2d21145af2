/*
 * test_sigma_placeholder_shared.c - SigmaHQ's rules-placeholder folder (14
 * rules that all need `expand`) and the two rules of rules-emerging-threats
 * that do, loaded with a placeholder table written here: every rule loads.
 * Then two of them end to end on events built here, the expected matches
 * read from the rule text:
 *  - "DNS Request From Windows Script Host" (12310575-...): Sysmon 22,
 *    Image ends with \wscript.exe or \cscript.exe, QueryName contains '.',
 *    not QueryName|expand '%internal_domains%' (here '*.corp.example'),
 *    not a listed certificate domain;
 *  - the admin logon rule (win_security_admin_logon.yml): Security 4672 or
 *    4964, not SubjectUserSid S-1-5-18, not SubjectUserName|expand
 *    '%Admins_Workstations%'.
 * Skips without ../shared (tests/unit/shared_data.h).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "shared_data.h"
#include "sigma_fixture.h"

#include <ftw.h>

#define SIGMA_DIR SPOOR_SHARED_DIR "/data/sigma"
#define PH_DIR SIGMA_DIR "/rules-placeholder"

/* Every placeholder the SigmaHQ rules name, with made-up site values. */
static const char PH[] = "Admins_Workstations: ['WKS-ADM-01', 'WKS-ADM-02']\n"
                         "Workstations: ['WKS-*']\n"
                         "ServerSystems: ['SRV-*']\n"
                         "DomainControllers: ['DC0?']\n"
                         "domain_controller_hostnames: [DC01, DC02]\n"
                         "dc_machine_accounts: ['DC01$', 'DC02$']\n"
                         "dc_ip_addresses: ['10.0.0.10', '10.0.0.11']\n"
                         "DC-MACHINE-NAME: 'DC01$'\n"
                         "Administrators: [admin1, admin2]\n"
                         "legit_ips: ['10.0.0.10']\n"
                         "internal_domains: ['*.corp.example']\n"
                         "userdomain: CORP\n"
                         "known_cdcs: [dc01.corp.example, 10.0.0.10]\n";

static size_t n_files;

static int count_yml(const char *p, const struct stat *sb, int flag,
                     struct FTW *ftw) {
  (void)sb;
  (void)ftw;
  size_t l = strlen(p);
  if (flag == FTW_F && l > 4 && strcmp(p + l - 4, ".yml") == 0)
    n_files++;
  return 0;
}

typedef struct loaded {
  sp_names *nm;
  sp_sigma *s;
} loaded;

static loaded load(const char *const *paths, size_t n, bool with_ph) {
  loaded l;
  assert_int_equal(sp_names_create(&l.nm), SP_OK);
  char tmp[] = "/tmp/spoor_phs_XXXXXX";
  int fd = mkstemp(tmp);
  assert_true(fd >= 0);
  assert_int_equal(write(fd, PH, sizeof PH - 1), (ssize_t)(sizeof PH - 1));
  close(fd);
  sp_sigma_opts o = {.placeholders = with_ph ? tmp : NULL};
  sp_diag d = {0};
  sp_err e = sp_sigma_load(paths, n, &o, l.nm, &l.s, &d);
  unlink(tmp);
  if (e)
    fail_msg("load: %s", d.msg);
  return l;
}

static void unload(loaded *l) {
  sp_sigma_destroy(l->s);
  sp_names_destroy(l->nm);
}

/* All 14 load with the table; none without (each names a placeholder). */
static void test_all_load(void **st) {
  (void)st;
  n_files = 0;
  assert_int_equal(nftw(PH_DIR, count_yml, 16, FTW_PHYS), 0);
  assert_int_equal(n_files, 14);
  const char *paths[] = {PH_DIR};
  loaded l = load(paths, 1, true);
  size_t n = sp_sigma_report_count(l.s);
  assert_int_equal(n, n_files);
  for (size_t i = 0; i < n; i++) {
    const sp_sigma_entry *e = sp_sigma_report(l.s, i);
    if (e->state != 0)
      fail_msg("%s: %s", e->path, e->reason);
  }
  assert_int_equal(sp_sigma_rule_count(l.s), 14);
  unload(&l);
  l = load(paths, 1, false);
  assert_int_equal(sp_sigma_rule_count(l.s), 0);
  for (size_t i = 0; i < sp_sigma_report_count(l.s); i++) {
    const char *why = sp_sigma_report(l.s, i)->reason;
    assert_non_null(strstr(why, "unsupported: expand placeholder %"));
  }
  unload(&l);
}

/* The two emerging-threats rules with `expand` (CVE-2026-54121). */
static void test_emerging(void **st) {
  (void)st;
  const char *dir = SIGMA_DIR "/rules-emerging-threats/2026/Exploits/"
                              "CVE-2026-54121";
  if (access(dir, R_OK) != 0) {
    print_message("SKIP part: %s missing\n", dir);
    return;
  }
  const char *paths[] = {dir};
  loaded l = load(paths, 1, true);
  size_t ok = 0;
  for (size_t i = 0; i < sp_sigma_report_count(l.s); i++) {
    const sp_sigma_entry *e = sp_sigma_report(l.s, i);
    if (e->state != 0)
      fail_msg("%s: %s", e->path, e->reason);
    ok++;
  }
  assert_true(ok >= 2);
  unload(&l);
}

static const char *hits(loaded *l, sp_sigma_mctx *m, const char *const *kv,
                        char *buf, size_t cap) {
  sp_fval vals[32];
  sp_event ev;
  sp_event_init(&ev, vals, 32);
  ev.kind = sp_names_kind(l->nm, "evtx");
  for (size_t i = 0; kv[i]; i += 2)
    sp_event_set(&ev, sp_names_field(l->nm, kv[i], strlen(kv[i])),
                 sp_str_make(kv[i + 1], strlen(kv[i + 1])));
  sfx x = {0};
  sp_sigma_match_event(l->s, m, &ev, sfx_hit, &x);
  snprintf(buf, cap, "%s", x.hits);
  return buf;
}

static void test_end_to_end(void **st) {
  (void)st;
  const char *paths[] = {PH_DIR};
  loaded l = load(paths, 1, true);
  sp_sigma_mctx *m;
  assert_int_equal(sp_sigma_mctx_create(l.s, &m), SP_OK);
  char b[4096];
  const char *dns = "12310575-e8b1-475c-a976-57ed540b349c";
#define SYSMON "Channel", "Microsoft-Windows-Sysmon/Operational"
  const char *ext[] = {SYSMON,
                       "EventID",
                       "22",
                       "Image",
                       "C:\\Windows\\System32\\wscript.exe",
                       "QueryName",
                       "evil.example.net",
                       NULL};
  assert_non_null(strstr(hits(&l, m, ext, b, sizeof b), dns));
  /* an internal domain: the placeholder's wildcard value filters it */
  const char *internal[] = {SYSMON,
                            "EventID",
                            "22",
                            "Image",
                            "C:\\Windows\\System32\\cscript.exe",
                            "QueryName",
                            "Files.CORP.example",
                            NULL};
  assert_null(strstr(hits(&l, m, internal, b, sizeof b), dns));
  /* the bare domain does not match '*.corp.example' */
  const char *bare[] = {SYSMON,
                        "EventID",
                        "22",
                        "Image",
                        "C:\\Windows\\System32\\cscript.exe",
                        "QueryName",
                        "corp.example",
                        NULL};
  assert_non_null(strstr(hits(&l, m, bare, b, sizeof b), dns));
  /* admin logon: 4672 by an account not in the placeholder */
  const char *sec = "Security";
  const char *mallory[] = {"Channel",
                           sec,
                           "EventID",
                           "4672",
                           "SubjectUserSid",
                           "S-1-5-21-1-2-3-1105",
                           "SubjectUserName",
                           "mallory",
                           NULL};
  const char *adm[] = {"Channel",
                       sec,
                       "EventID",
                       "4672",
                       "SubjectUserSid",
                       "S-1-5-21-1-2-3-1106",
                       "SubjectUserName",
                       "wks-adm-02",
                       NULL};
  /* the rule's id, read from its file */
  const char *id = NULL;
  for (size_t i = 0; i < sp_sigma_report_count(l.s); i++) {
    const sp_sigma_entry *e = sp_sigma_report(l.s, i);
    if (strstr(e->path, "win_security_admin_logon.yml"))
      id = e->id;
  }
  assert_non_null(id);
  assert_non_null(strstr(hits(&l, m, mallory, b, sizeof b), id));
  assert_null(strstr(hits(&l, m, adm, b, sizeof b), id));
  sp_sigma_mctx_destroy(m);
  unload(&l);
}

int main(void) {
  int rc = spoor_shared_or_skip(PH_DIR);
  if (rc != 0)
    return rc;
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_all_load),
      cmocka_unit_test(test_emerging),
      cmocka_unit_test(test_end_to_end),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
