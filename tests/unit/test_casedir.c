/*
 * test_casedir.c - the case directory and the checks around a hunt: a
 * missing or empty evidence path fails with the path named, exclusions are
 * matched by device and inode, the case directory is locked, refuses an
 * earlier case unless forced, leaves no temporaries, removes a folder it
 * created but never wrote, and run.json escapes what it records.
 */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "spoor/spoor.h"
#include "walk/walk.h"

#define GOLDEN SPOOR_SOURCE_DIR "/tests/golden/exchange_basic"

static char *tmpdir(void) {
  char tmpl[] = "/tmp/spoor-case-XXXXXX";
  char *d = mkdtemp(tmpl);
  assert_non_null(d);
  return strdup(d);
}

static void put(const char *dir, const char *name, const char *data) {
  char p[1024];
  snprintf(p, sizeof p, "%s/%s", dir, name);
  FILE *f = fopen(p, "wb");
  assert_non_null(f);
  fputs(data, f);
  fclose(f);
}

static void sub(char *buf, size_t cap, const char *dir, const char *name) {
  snprintf(buf, cap, "%s/%s", dir, name);
}

static void rm_rf(char *dir) {
  char cmd[1100];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
  assert_int_equal(system(cmd), 0);
  free(dir);
}

static bool exists(const char *dir, const char *name) {
  char p[1024];
  struct stat st;
  sub(p, sizeof p, dir, name);
  return lstat(p, &st) == 0;
}

/* Names in dir, sorted, space separated. */
static void listing(const char *dir, char *out, size_t cap) {
  char cmd[1100];
  snprintf(cmd, sizeof cmd, "ls -A '%s' | tr '\\n' ' '", dir);
  FILE *p = popen(cmd, "r");
  assert_non_null(p);
  size_t n = fread(out, 1, cap - 1, p);
  out[n] = 0;
  pclose(p);
}

static void test_walk_missing_and_empty(void **state) {
  (void)state;
  char *dir = tmpdir(), nope[1024], sub1[1024];
  sub(nope, sizeof nope, dir, "nope");
  sub(sub1, sizeof sub1, dir, "a");
  assert_int_equal(mkdir(sub1, 0755), 0);
  sp_walk_list wl;
  sp_diag d = {0};
  const char *missing[] = {dir, nope};
  assert_int_equal(sp_walk(missing, 2, NULL, &wl, &d), SP_ENOENT);
  assert_int_equal(d.code, SP_ENOENT);
  assert_non_null(strstr(d.msg, nope));
  assert_non_null(strstr(d.msg, "No such file or directory"));
  assert_int_equal(wl.n, 0);

  /* Folders without a single file: empty evidence. */
  const char *empty[] = {dir};
  memset(&d, 0, sizeof d);
  assert_int_equal(sp_walk(empty, 1, NULL, &wl, &d), SP_ENOENT);
  assert_non_null(strstr(d.msg, "no files to examine"));
  assert_non_null(strstr(d.msg, dir));

  /* One file makes it evidence. */
  put(sub1, "x.log", "x\n");
  assert_int_equal(sp_walk(empty, 1, NULL, &wl, &d), SP_OK);
  assert_int_equal(wl.n, 1);
  sp_walk_list_free(&wl);
  rm_rf(dir);
}

static void test_walk_exclude(void **state) {
  (void)state;
  char *dir = tmpdir(), p[1024], other[1024];
  put(dir, "a.log", "a\n");
  sub(p, sizeof p, dir, "case");
  assert_int_equal(mkdir(p, 0755), 0);
  put(p, "findings.jsonl", "{}\n");
  /* Named differently from the walk's path: compared by inode. */
  snprintf(other, sizeof other, "%s/./case/", dir);
  const char *ex[] = {other, "/nonexistent/never"};
  sp_walk_excl *x;
  assert_int_equal(sp_walk_excl_create(ex, 2, &x), SP_OK);
  const char *roots[] = {dir};
  sp_walk_list wl;
  sp_diag d = {0};
  assert_int_equal(sp_walk(roots, 1, x, &wl, &d), SP_OK);
  assert_int_equal(wl.n, 2);
  assert_null(wl.items[0].skip_reason); /* a.log */
  assert_false(wl.items[0].excluded);
  assert_string_equal(wl.items[1].path, p);
  assert_true(wl.items[1].excluded);
  assert_string_equal(wl.items[1].skip_reason, "excluded: output directory");
  sp_walk_list_free(&wl);

  /* A root that is itself excluded leaves nothing: empty evidence. */
  const char *only[] = {p};
  assert_int_equal(sp_walk(only, 1, x, &wl, &d), SP_ENOENT);
  assert_non_null(strstr(d.msg, "excluded: output directory"));
  sp_walk_excl_destroy(x);
  assert_int_equal(sp_walk_excl_create(NULL, 0, &x), SP_OK);
  assert_null(x);
  rm_rf(dir);
}

static void test_hunt_missing(void **state) {
  (void)state;
  sp_engine *e;
  sp_diag d = {0};
  sp_opts o = {.jobs = 1};
  assert_int_equal(sp_engine_create(&o, &e, &d), SP_OK);
  const char *paths[] = {GOLDEN, "/nonexistent/spoor-evidence"};
  sp_result *r = (sp_result *)&d; /* any non-NULL: must be reset */
  assert_int_equal(sp_engine_hunt(e, paths, 2, &r, &d), SP_ENOENT);
  assert_null(r);
  assert_non_null(strstr(d.msg, "/nonexistent/spoor-evidence"));
  sp_engine_destroy(e);
}

static sp_result *hunt_golden(const char *exclude) {
  sp_engine *e;
  sp_diag d = {0};
  const char *ex[] = {exclude};
  sp_opts o = {.jobs = 2, .exclude_paths = ex, .n_exclude = exclude ? 1 : 0};
  assert_int_equal(sp_engine_create(&o, &e, &d), SP_OK);
  const char *paths[] = {GOLDEN};
  sp_result *r;
  assert_int_equal(sp_engine_hunt(e, paths, 1, &r, &d), SP_OK);
  sp_engine_destroy(e);
  return r;
}

static void test_case_lock(void **state) {
  (void)state;
  char *dir = tmpdir();
  sp_case *a, *b = NULL;
  sp_diag d = {0};
  assert_int_equal(sp_case_open(dir, NULL, &a, &d), SP_OK);
  assert_true(exists(dir, ".spoor.lock"));
  /* A second open is a second lock holder, even in one process. */
  assert_int_equal(sp_case_open(dir, NULL, &b, &d), SP_EBUSY);
  assert_null(b);
  char pid[64];
  snprintf(pid, sizeof pid, "(pid %ld)", (long)getpid());
  assert_non_null(strstr(d.msg, pid));
  sp_case_close(a);
  assert_false(exists(dir, ".spoor.lock"));
  assert_true(exists(dir, ".")); /* not ours to remove */
  assert_int_equal(sp_case_open(dir, NULL, &b, &d), SP_OK);
  sp_case_close(b);
  sp_case_close(NULL);
  rm_rf(dir);
}

static void test_case_write_and_refuse(void **state) {
  (void)state;
  char *dir = tmpdir(), cdir[1024], names[512];
  sub(cdir, sizeof cdir, dir, "case");
  sp_result *r = hunt_golden(NULL);
  sp_diag d = {0};
  /* Created but never written: removed again. */
  sp_case *c;
  assert_int_equal(sp_case_open(cdir, NULL, &c, &d), SP_OK);
  assert_true(exists(cdir, "."));
  sp_case_close(c);
  assert_false(exists(cdir, "."));

  assert_int_equal(sp_write_case_dir(r, cdir, &d), SP_OK);
  listing(cdir, names, sizeof names);
  assert_string_equal(names, "case.sqlite coverage.json findings.csv "
                             "findings.jsonl incidents.jsonl report.html "
                             "run.json timeline.csv ");

  /* An earlier case is refused and named. */
  memset(&d, 0, sizeof d);
  assert_int_equal(sp_case_open(cdir, NULL, &c, &d), SP_EEXIST);
  assert_int_equal(d.code, SP_EEXIST);
  assert_non_null(strstr(d.msg, "holds an earlier spoor case (run.json)"));
  assert_false(exists(cdir, ".spoor.lock"));

  /* Forced: stale temporaries of a killed run go, the case is replaced,
   * files that are not ours stay. */
  put(cdir, ".coverage.json.tmp.99999", "{\"half");
  put(cdir, "notes.txt", "mine\n");
  sp_case_opts force = {.force = 1};
  assert_int_equal(sp_case_open(cdir, &force, &c, &d), SP_OK);
  assert_false(exists(cdir, ".coverage.json.tmp.99999"));
  const char *argv[] = {"spoor", "hunt"};
  sp_run_info run = {
      .argv = argv, .argc = 2, .start_ns = 0, .end_ns = 1000000, .host = "h"};
  assert_int_equal(sp_case_write(c, r, &run, &d), SP_OK);
  sp_case_close(c);
  listing(cdir, names, sizeof names);
  assert_string_equal(names, "case.sqlite coverage.json findings.csv "
                             "findings.jsonl incidents.jsonl notes.txt "
                             "report.html run.json timeline.csv ");
  char p[1100], buf[4096];
  sub(p, sizeof p, cdir, "run.json");
  FILE *f = fopen(p, "r");
  assert_non_null(f);
  size_t n = fread(buf, 1, sizeof buf - 1, f);
  buf[n] = 0;
  fclose(f);
  assert_non_null(strstr(buf, "\"start\":\"1970-01-01T00:00:00.000Z\","
                              "\"end\":\"1970-01-01T00:00:00.001Z\","
                              "\"host\":\"h\""));

  /* Any other folder that is not empty is refused too. */
  char other[1024];
  sub(other, sizeof other, dir, "other");
  assert_int_equal(mkdir(other, 0755), 0);
  put(other, "x", "");
  assert_int_equal(sp_case_open(other, NULL, &c, &d), SP_EEXIST);
  assert_non_null(strstr(d.msg, "is not empty (it holds x)"));

  /* A folder that cannot be made fails up front. */
  char under[1100];
  snprintf(under, sizeof under, "%s/notes.txt/case", cdir);
  assert_int_equal(sp_case_open(under, NULL, &c, &d), SP_EIO);
  assert_non_null(strstr(d.msg, "Not a directory"));
  assert_null(strstr(strstr(d.msg, "Not a directory") + 1, "Not a directory"));
  sp_result_destroy(r);
  rm_rf(dir);
}

static void test_case_excluded_in_coverage(void **state) {
  (void)state;
  /* An exclusion outside the evidence changes nothing; the coverage of a
   * hunt that excludes a folder inside it lists the folder as a note. */
  char *dir = tmpdir();
  sp_result *r = hunt_golden(dir);
  size_t n = sp_result_file_count(r);
  for (size_t i = 0; i < n; i++)
    assert_string_not_equal(sp_result_file(r, i)->source, "excluded");
  sp_result_destroy(r);
  r = hunt_golden(GOLDEN "/iis");
  bool seen = false;
  for (size_t i = 0; i < sp_result_file_count(r); i++) {
    const sp_file_cov *f = sp_result_file(r, i);
    if (strcmp(f->source, "excluded") != 0)
      continue;
    seen = true;
    assert_null(f->error);
    assert_string_equal(f->note, "excluded: output directory");
    assert_string_equal(f->path, GOLDEN "/iis");
  }
  assert_true(seen);
  for (size_t i = 0; i < sp_result_file_count(r); i++)
    assert_null(strstr(sp_result_file(r, i)->path, "/iis/"));
  assert_int_equal(sp_result_problems(r), 1); /* HttpProxy's bad line */
  sp_result_destroy(r);
  rm_rf(dir);
}

static void test_run_json(void **state) {
  (void)state;
  const char *argv[] = {"spoor", "hunt", "a\"b\\c\n\x1b[31m\xff"};
  const char *yara[] = {"/nonexistent/rules.yar"};
  const char *roots[] = {GOLDEN};
  sp_opts o = {.yara_paths = yara, .n_yara = 1, .no_builtin_yara = 1};
  sp_run_info run = {.argv = argv,
                     .argc = 3,
                     .start_ns = INT64_MIN,
                     .end_ns = INT64_MIN,
                     .roots = roots,
                     .n_roots = 1,
                     .opts = &o,
                     .host = "ex\"h"};
  char *buf = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&buf, &len);
  assert_int_equal(sp_write_run_json(&run, f), SP_OK);
  fclose(f);
  assert_non_null(strstr(buf, "\"argv\":[\"spoor\",\"hunt\","
                              "\"a\\\"b\\\\c\\n\\u001b[31m\\ufffd\"]"));
  assert_non_null(strstr(buf, "\"start\":null,\"end\":null"));
  assert_non_null(strstr(buf, "\"host\":\"ex\\\"h\""));
  char rules[128];
  snprintf(rules, sizeof rules, "\"rules\":{\"builtin\":%zu,", sp_rule_count());
  assert_non_null(strstr(buf, rules));
  assert_non_null(strstr(buf, "\"builtin_yara\":false,\"yara\":[{\"path\":"
                              "\"/nonexistent/rules.yar\",\"absolute\":null}],"
                              "\"baseline\":null}"));
  assert_non_null(strstr(buf, "\"evidence\":[{\"path\":\"" GOLDEN "\""));
  assert_non_null(strstr(buf, "\"spoor_version\":\"" SPOOR_VERSION "\""));
  assert_int_equal(buf[len - 1], '\n');
  free(buf);

  /* No run info: still a document, with the host from the system. */
  buf = NULL;
  f = open_memstream(&buf, &len);
  assert_int_equal(sp_write_run_json(NULL, f), SP_OK);
  fclose(f);
  assert_non_null(strstr(buf, "\"argv\":[],\"start\":null"));
  assert_null(strstr(buf, "\"host\":null"));
  free(buf);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_walk_missing_and_empty),
      cmocka_unit_test(test_walk_exclude),
      cmocka_unit_test(test_hunt_missing),
      cmocka_unit_test(test_case_lock),
      cmocka_unit_test(test_case_write_and_refuse),
      cmocka_unit_test(test_case_excluded_in_coverage),
      cmocka_unit_test(test_run_json),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
