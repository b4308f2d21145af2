/*
 * test_filescan_shared.c - the file scanner against the shared reference
 * material in ../shared (SPOOR_SHARED_DIR): third-party YARA rule files
 * must give exactly the (rule, file) matches that yara 4.2.3 gave on the
 * synthetic web shells (fixtures/yara_ground_truth.txt, parsed here, not
 * copied), thor-webshells.yar must compile with the external variables,
 * spoor's own rules must flag the malicious fixtures and none of the benign
 * ones, and Microsoft's real baseline CSVs must load. On the development
 * set of real web shells (data/webshells, MANIFEST.txt there) spoor's own
 * rules must flag at least 90 % of malicious/ at medium or above and give
 * no medium+ finding on benign/ (docs/DETECTION.md). Skips (77) when the
 * shared folder is absent, fails when it is absent in CI (shared_data.h).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <dirent.h>
#include <stdio.h>
#include <sys/stat.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "filescan/filescan.h"
#include "shared_data.h"

#define EXCH SPOOR_SHARED_DIR "/data/exchange"
#define FIXTURES EXCH "/fixtures"
#define WEBSHELLS FIXTURES "/webshells"
#define TRUTH FIXTURES "/yara_ground_truth.txt"
#define WEBSHELL_SET SPOOR_SHARED_DIR "/data/webshells"

#define MAX_PAIRS 256
#define MAX_SECTIONS 32
#define MAX_FILES 64
#define NAME_LEN 160

typedef struct pair {
  char rule[NAME_LEN];
  char file[NAME_LEN];
} pair;

typedef struct section {
  char rules_file[NAME_LEN]; /* base name, e.g. apt_hafnium.yar */
  size_t n;
  pair pairs[MAX_PAIRS];
} section;

typedef struct truth {
  size_t n;
  section sec[MAX_SECTIONS];
  size_t n_benign;
  char benign[8][NAME_LEN]; /* file name prefixes that must stay clean */
} truth;

typedef struct files {
  size_t n;
  char name[MAX_FILES][NAME_LEN];
} files;

/* Copy a name; names longer than NAME_LEN - 1 fail the test. */
static void copy_name(char *dst, const char *src) {
  int n = snprintf(dst, NAME_LEN, "%s", src);
  assert_true(n >= 0 && n < NAME_LEN);
}

static void chomp(char *s) {
  size_t n = strlen(s);
  while (n && (s[n - 1] == '\n' || s[n - 1] == '\r' || s[n - 1] == ' '))
    s[--n] = 0;
}

/* Parse the webshell sections and the benign list of the ground truth. */
static void parse_truth(truth *t) {
  FILE *f = fopen(TRUTH, "r");
  assert_non_null(f);
  char line[4096];
  section *cur = NULL;
  while (fgets(line, sizeof line, f)) {
    chomp(line);
    if (line[0] == '#' || line[0] == 0)
      continue;
    if (strncmp(line, "== ", 3) == 0) {
      cur = NULL;
      char *x = strstr(line, " x ");
      if (!x) {
        /* "== benign files (A, B) must have NO hits above" */
        char *open = strchr(line, '('), *close = strchr(line, ')');
        if (strstr(line, "benign") && open && close && close > open) {
          *close = 0;
          for (char *tok = strtok(open + 1, ", "); tok;
               tok = strtok(NULL, ", "))
            if (t->n_benign < 8)
              copy_name(t->benign[t->n_benign++], tok);
        }
        continue;
      }
      *x = 0;
      const char *target = x + 3;
      if (strncmp(target, "webshells", 9) != 0)
        continue;
      const char *rules = strrchr(line, ' '); /* "nsacyber core.x.yara" */
      rules = rules ? rules + 1 : line + 3;
      assert_true(t->n < MAX_SECTIONS);
      cur = &t->sec[t->n++];
      memset(cur, 0, sizeof *cur);
      copy_name(cur->rules_file, rules);
      continue;
    }
    if (!cur || strncmp(line, "0x", 2) == 0)
      continue;
    char *sp = strchr(line, ' ');
    if (!sp)
      continue;
    *sp = 0;
    const char *file = strrchr(sp + 1, '/');
    file = file ? file + 1 : sp + 1;
    assert_true(cur->n < MAX_PAIRS);
    copy_name(cur->pairs[cur->n].rule, line);
    copy_name(cur->pairs[cur->n].file, file);
    cur->n++;
  }
  fclose(f);
}

static int cmp_name(const void *a, const void *b) {
  return strcmp((const char *)a, (const char *)b);
}

static void list_webshells(files *fl) {
  memset(fl, 0, sizeof *fl);
  DIR *d = opendir(WEBSHELLS);
  assert_non_null(d);
  struct dirent *de;
  while ((de = readdir(d)) != NULL) {
    if (de->d_name[0] == '.')
      continue;
    assert_true(fl->n < MAX_FILES);
    copy_name(fl->name[fl->n++], de->d_name);
  }
  closedir(d);
  qsort(fl->name, fl->n, NAME_LEN, cmp_name);
  assert_true(fl->n > 0);
}

/* Where a rule file named in the ground truth lives in the shared tree. */
static bool resolve_rules(const char *name, char *out, size_t cap) {
  static const char *const dirs[] = {EXCH "/signature-base/yara", EXCH,
                                     EXCH "/nsacyber"};
  for (size_t i = 0; i < sizeof dirs / sizeof dirs[0]; i++) {
    snprintf(out, cap, "%s/%s", dirs[i], name);
    if (access(out, R_OK) == 0)
      return true;
  }
  return false;
}

typedef struct collected {
  size_t n;
  pair pairs[MAX_PAIRS];
  const char *file; /* file being scanned */
  const char *ruleset;
  bool own_high;
} collected;

static void collect_one(const sp_agg *a, void *user) {
  collected *c = user;
  if (c->ruleset && strcmp(a->rule->ruleset, c->ruleset) != 0)
    return;
  if (a->rule->level >= SP_LEVEL_HIGH)
    c->own_high = true;
  if (c->n >= MAX_PAIRS)
    return;
  const char *id = a->rule->id;
  if (strncmp(id, "yara.", 5) == 0)
    id += 5;
  snprintf(c->pairs[c->n].rule, NAME_LEN, "%s", id);
  snprintf(c->pairs[c->n].file, NAME_LEN, "%s", c->file);
  c->n++;
}

static bool has_pair(const pair *p, size_t n, const pair *want) {
  for (size_t i = 0; i < n; i++)
    if (strcmp(p[i].rule, want->rule) == 0 &&
        strcmp(p[i].file, want->file) == 0)
      return true;
  return false;
}

/* Scan every fixture with a scanner; findings of ruleset (or all when NULL)
 * are appended to c. */
static void scan_fixtures(sp_filescan *fs, const files *fl, collected *c,
                          const char *ruleset) {
  sp_filescan_worker *w;
  assert_int_equal(sp_filescan_worker_create(fs, &w), SP_OK);
  for (size_t i = 0; i < fl->n; i++) {
    char path[512];
    snprintf(path, sizeof path, "%s/%s", WEBSHELLS, fl->name[i]);
    sp_fset *set;
    assert_int_equal(sp_fset_create(&set), SP_OK);
    sp_filescan_result res;
    sp_filescan_file(w, (uint32_t)i, path, 0, set, &res);
    if (res.error[0])
      fail_msg("%s: %s", path, res.error);
    c->file = fl->name[i];
    c->ruleset = ruleset;
    sp_fset_foreach(set, collect_one, c);
    sp_fset_destroy(set);
  }
  sp_filescan_worker_destroy(w);
}

static void test_ground_truth(void **state) {
  const truth *t = *state;
  files fl;
  list_webshells(&fl);
  assert_true(t->n >= 5);
  size_t checked = 0;
  for (size_t s = 0; s < t->n; s++) {
    const section *sec = &t->sec[s];
    char path[512];
    if (!resolve_rules(sec->rules_file, path, sizeof path))
      fail_msg("rule file %s named in the ground truth not found",
               sec->rules_file);
    const char *paths[] = {path};
    sp_opts o = {0};
    o.yara_paths = paths;
    o.n_yara = 1;
    o.no_builtin_yara = 1;
    sp_diag d;
    sp_filescan *fs;
    if (sp_filescan_create(&o, &fs, &d) != SP_OK)
      fail_msg("%s does not compile: %s", path, d.msg);
    collected *cp = calloc(1, sizeof *cp);
    assert_non_null(cp);
    scan_fixtures(fs, &fl, cp, sec->rules_file);
    sp_filescan_destroy(fs);
    collected c = *cp;
    free(cp);
    bool ok = c.n == sec->n;
    for (size_t i = 0; i < sec->n; i++)
      if (!has_pair(c.pairs, c.n, &sec->pairs[i])) {
        print_message("%s: missing %s on %s\n", sec->rules_file,
                      sec->pairs[i].rule, sec->pairs[i].file);
        ok = false;
      }
    for (size_t i = 0; i < c.n; i++)
      if (!has_pair(sec->pairs, sec->n, &c.pairs[i])) {
        print_message("%s: unexpected %s on %s\n", sec->rules_file,
                      c.pairs[i].rule, c.pairs[i].file);
        ok = false;
      }
    if (!ok)
      fail_msg("%s: matches differ from the ground truth", sec->rules_file);
    print_message("%s: %zu matches as in the ground truth\n", sec->rules_file,
                  c.n);
    checked++;
  }
  assert_int_equal(checked, t->n);
}

static void test_thor_webshells_compiles(void **state) {
  (void)state;
  const char *paths[] = {EXCH "/signature-base/yara/thor-webshells.yar",
                         EXCH "/signature-base/yara/gen_webshells.yar"};
  sp_opts o = {0};
  o.yara_paths = paths;
  o.n_yara = 2;
  sp_diag d;
  sp_filescan *fs;
  if (sp_filescan_create(&o, &fs, &d) != SP_OK)
    fail_msg("thor-webshells.yar + gen_webshells.yar: %s", d.msg);
  sp_filescan_worker *w;
  assert_int_equal(sp_filescan_worker_create(fs, &w), SP_OK);
  sp_fset *set;
  assert_int_equal(sp_fset_create(&set), SP_OK);
  sp_filescan_result res;
  sp_filescan_file(w, 0, WEBSHELLS "/SYNTH_chopper_oneliner.aspx.txt", 0, set,
                   &res);
  assert_string_equal(res.error, "");
  assert_true(sp_fset_count(set) > 0);
  sp_fset_destroy(set);
  sp_filescan_worker_destroy(w);
  sp_filescan_destroy(fs);
}

static bool is_benign(const truth *t, const char *name) {
  for (size_t i = 0; i < t->n_benign; i++)
    if (strncmp(name, t->benign[i], strlen(t->benign[i])) == 0)
      return true;
  return false;
}

static void test_own_rules(void **state) {
  const truth *t = *state;
  assert_true(t->n_benign >= 2);
  files fl;
  list_webshells(&fl);
  sp_opts o = {0};
  sp_diag d;
  sp_filescan *fs;
  assert_int_equal(sp_filescan_create(&o, &fs, &d), SP_OK);
  size_t benign = 0, malicious = 0;
  for (size_t i = 0; i < fl.n; i++) {
    files one = {1, {{0}}};
    copy_name(one.name[0], fl.name[i]);
    collected c;
    memset(&c, 0, sizeof c);
    scan_fixtures(fs, &one, &c, NULL);
    if (is_benign(t, fl.name[i])) {
      benign++;
      if (c.n)
        fail_msg("benign %s: %s", fl.name[i], c.pairs[0].rule);
    } else {
      malicious++;
      if (!c.n || !c.own_high)
        fail_msg("malicious %s: no high finding from spoor's rules",
                 fl.name[i]);
      print_message("%s: %s%s\n", fl.name[i], c.pairs[0].rule,
                    c.n > 1 ? " ..." : "");
    }
  }
  assert_int_equal(benign, t->n_benign);
  assert_true(malicious >= 4);
  sp_filescan_destroy(fs);
}

static void test_real_baselines(void **state) {
  (void)state;
  sp_opts o = {0};
  o.baseline_dir = EXCH "/css-exchange-baselines";
  sp_diag d;
  sp_filescan *fs;
  if (sp_filescan_create(&o, &fs, &d) != SP_OK)
    fail_msg("baselines: %s", d.msg);
  const sp_strset *u = sp_filescan_stock_urls(fs);
  assert_true(sp_strset_count(u) > 500);
  assert_true(sp_strset_has(u, SP_STR_LIT("/owa/auth/logon.aspx"), false));
  assert_true(sp_strset_has(u, SP_STR_LIT("/ecp/about.aspx"), false));
  assert_true(
      sp_strset_has(u, SP_STR_LIT("/autodiscover/autodiscover.svc"), false));
  sp_filescan_worker *w;
  assert_int_equal(sp_filescan_worker_create(fs, &w), SP_OK);
  sp_fset *set;
  assert_int_equal(sp_fset_create(&set), SP_OK);
  sp_filescan_result res;
  const char *page = "<%@ Page Language=\"C#\" %><html></html>";
  sp_filescan_buffer(w, 1, "/case/V15/FrontEnd/HttpProxy/owa/auth/logon.aspx",
                     (const uint8_t *)page, strlen(page), 0, set, &res);
  assert_true(res.flagged);
  sp_filescan_buffer(w, 2,
                     "/case/V15/FrontEnd/HttpProxy/owa/auth/"
                     "RedirSuiteServerProxy.aspx",
                     (const uint8_t *)page, strlen(page), 0, set, &res);
  assert_true(res.flagged);
  assert_int_equal(sp_fset_count(set), 2);
  sp_fset_destroy(set);
  sp_filescan_worker_destroy(w);
  sp_filescan_destroy(fs);
}

/* ---- the development set of real web shells ---------------------------- */

typedef struct set_count {
  sp_filescan_worker *w;
  size_t files, flagged;
  bool verbose; /* print files without a medium+ finding (or with one) */
} set_count;

static void medium_one(const sp_agg *a, void *user) {
  bool *hit = user;
  if (a->rule->level >= SP_LEVEL_MEDIUM)
    *hit = true;
}

/* Scan every regular file under dir (recursively) but the MANIFEST and
 * licence files; count files with a finding at medium or above. */
static void scan_tree(set_count *sc, const char *dir, bool want_flag) {
  DIR *d = opendir(dir);
  assert_non_null(d);
  struct dirent *de;
  while ((de = readdir(d)) != NULL) {
    if (de->d_name[0] == '.')
      continue;
    char path[1024];
    int n = snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
    assert_true(n > 0 && (size_t)n < sizeof path);
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    if (S_ISDIR(st.st_mode)) {
      scan_tree(sc, path, want_flag);
      continue;
    }
    if (!S_ISREG(st.st_mode))
      continue;
    sp_fset *set;
    assert_int_equal(sp_fset_create(&set), SP_OK);
    sp_filescan_result res;
    sp_filescan_file(sc->w, (uint32_t)sc->files, path, 0, set, &res);
    if (res.error[0])
      fail_msg("%s: %s", path, res.error);
    bool hit = false;
    sp_fset_foreach(set, medium_one, &hit);
    sp_fset_destroy(set);
    sc->files++;
    if (hit)
      sc->flagged++;
    if (hit != want_flag)
      print_message("%s: %s\n", path,
                    want_flag ? "no medium+ finding" : "medium+ finding");
  }
  closedir(d);
}

static void test_webshell_set(void **state) {
  (void)state;
  sp_opts o = {0};
  sp_diag d;
  sp_filescan *fs;
  assert_int_equal(sp_filescan_create(&o, &fs, &d), SP_OK);
  set_count mal = {0}, ben = {0};
  assert_int_equal(sp_filescan_worker_create(fs, &mal.w), SP_OK);
  ben.w = mal.w;
  scan_tree(&mal, WEBSHELL_SET "/malicious", true);
  scan_tree(&ben, WEBSHELL_SET "/benign", false);
  sp_filescan_worker_destroy(mal.w);
  sp_filescan_destroy(fs);
  print_message(
      "malicious: %zu of %zu flagged at medium+; benign: %zu of %zu\n",
      mal.flagged, mal.files, ben.flagged, ben.files);
  /* the sets as MANIFEST.txt describes them */
  assert_int_equal(mal.files, 164);
  assert_int_equal(ben.files, 117);
  assert_true(mal.flagged * 10 >= mal.files * 9); /* >= 90 % */
  assert_int_equal(ben.flagged, 0);
}

static int group_setup(void **state) {
  truth *t = calloc(1, sizeof *t);
  if (!t)
    return -1;
  *state = t;
  parse_truth(t);
  return 0;
}

static int group_teardown(void **state) {
  free(*state);
  return 0;
}

int main(void) {
  int rc = spoor_shared_or_skip(TRUTH);
  if (rc == 0)
    rc = spoor_shared_or_skip(WEBSHELL_SET "/MANIFEST.txt");
  if (rc != 0)
    return rc;
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_ground_truth),
      cmocka_unit_test(test_thor_webshells_compiles),
      cmocka_unit_test(test_own_rules),
      cmocka_unit_test(test_real_baselines),
      cmocka_unit_test(test_webshell_set),
  };
  return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
