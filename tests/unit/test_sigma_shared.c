/*
 * test_sigma_shared.c - every SigmaHQ rule in ../shared/data/sigma
 * (rules/windows, rules-emerging-threats, rules-threat-hunting) through the
 * loader: one report entry per rule file (each holds one rule), every rule
 * loaded except those whose log source spoor cannot read (no Windows event
 * log channel, other products) or that need an unconfigured `expand`
 * placeholder, and never a failure of the parser, a modifier or a
 * condition. Skips without ../shared (tests/unit/shared_data.h).
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

static void check_dir(const char *sub, size_t min_loaded) {
  char path[1024];
  snprintf(path, sizeof path, "%s/%s", SIGMA_DIR, sub);
  n_files = 0;
  assert_int_equal(nftw(path, count_yml, 16, FTW_PHYS), 0);
  sp_names *nm;
  assert_int_equal(sp_names_create(&nm), SP_OK);
  sp_sigma *s;
  const char *paths[] = {path};
  sp_diag d = {0};
  assert_int_equal(sp_sigma_load(paths, 1, NULL, nm, &s, &d), SP_OK);
  size_t n = sp_sigma_report_count(s), loaded = 0, logsrc = 0, expand = 0,
         skipped = 0;
  for (size_t i = 0; i < n; i++) {
    const sp_sigma_entry *e = sp_sigma_report(s, i);
    if (e->state == 0) {
      loaded++;
    } else if (e->state == 2) {
      skipped++; /* deprecated or unsupported status: left out by default */
    } else if (strstr(e->reason, "unsupported log source")) {
      logsrc++;
    } else if (strstr(e->reason, "unsupported: expand placeholder")) {
      expand++;
    } else {
      fail_msg("%s: %s", e->path, e->reason);
    }
  }
  print_message("%s: %zu files, %zu loaded, %zu unsupported log source, %zu "
                "expand placeholder, %zu left out by status\n",
                sub, n_files, loaded, logsrc, expand, skipped);
  assert_int_equal(n, n_files);
  assert_int_equal(loaded + logsrc + expand + skipped, n);
  assert_int_equal(sp_sigma_rule_count(s), loaded);
  assert_true(loaded >= min_loaded);
  sp_sigma_destroy(s);
  sp_names_destroy(nm);
}

/* rules/windows: 2,407 rules; only those of the Kernel-File ETW categories
 * (file_access, file_rename: no event log channel) cannot be read. */
static void test_windows(void **st) {
  (void)st;
  check_dir("rules/windows", 2390);
}

static void test_emerging_threats(void **st) {
  (void)st;
  check_dir("rules-emerging-threats", 400);
}

static void test_threat_hunting(void **st) {
  (void)st;
  check_dir("rules-threat-hunting", 120);
}

/* A real rule through the whole engine: SigmaHQ's "Enumerate All
 * Information With Whoami.EXE" (c248c896-...): Image ends with \whoami.exe
 * and the command line holds " -all" in any Windows dash form. From Sysmon
 * 1 and, through the renames, from Security 4688. */
static bool hit_of(sp_sigma *s, sp_sigma_mctx *m, sp_names *nm,
                   const char *const *kv, const char *id) {
  sp_fval vals[32];
  sp_event ev;
  sp_event_init(&ev, vals, 32);
  ev.kind = sp_names_kind(nm, "evtx");
  for (size_t i = 0; kv[i]; i += 2)
    sp_event_set(&ev, sp_names_field(nm, kv[i], strlen(kv[i])),
                 sp_str_make(kv[i + 1], strlen(kv[i + 1])));
  sfx x = {0};
  sp_sigma_match_event(s, m, &ev, sfx_hit, &x);
  return strstr(x.hits, id) != NULL;
}

static void test_real_rule(void **st) {
  (void)st;
  sp_names *nm;
  assert_int_equal(sp_names_create(&nm), SP_OK);
  const char *paths[] = {SIGMA_DIR "/rules/windows/process_creation"};
  sp_sigma *s;
  assert_int_equal(sp_sigma_load(paths, 1, NULL, nm, &s, NULL), SP_OK);
  sp_sigma_mctx *m;
  assert_int_equal(sp_sigma_mctx_create(s, &m), SP_OK);
  const char *id = "c248c896-e412-4279-8c15-1c558067b6fa";
  const char *sysmon[] = {"Channel",     "Microsoft-Windows-Sysmon/Operational",
                          "EventID",     "1",
                          "Image",       "C:\\Windows\\System32\\whoami.exe",
                          "CommandLine", "whoami.exe /all",
                          NULL};
  assert_true(hit_of(s, m, nm, sysmon, id));
  const char *sec[] = {"Channel",
                       "Security",
                       "EventID",
                       "4688",
                       "NewProcessName",
                       "C:\\Windows\\System32\\whoami.exe",
                       "CommandLine",
                       "whoami \xe2\x80\x93"
                       "all",
                       NULL};
  assert_true(hit_of(s, m, nm, sec, id));
  const char *plain[] = {"Channel",     "Microsoft-Windows-Sysmon/Operational",
                         "EventID",     "1",
                         "Image",       "C:\\Windows\\System32\\whoami.exe",
                         "CommandLine", "whoami.exe /groups",
                         NULL};
  assert_false(hit_of(s, m, nm, plain, id));
  sp_sigma_mctx_destroy(m);
  sp_sigma_destroy(s);
  sp_names_destroy(nm);
}

int main(void) {
  int rc = spoor_shared_or_skip(SIGMA_DIR "/rules/windows");
  if (rc != 0)
    return rc;
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_windows),
      cmocka_unit_test(test_emerging_threats),
      cmocka_unit_test(test_threat_hunting),
      cmocka_unit_test(test_real_rule),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
