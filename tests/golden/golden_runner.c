/*
 * golden_runner.c - golden test driver: hunts an evidence folder with
 * libspoor and compares the (path, line, rule) triples of every finding's
 * evidence with an expected TSV ("path<TAB>line<TAB>rule_id[<TAB>note]",
 * '#' comments, an optional "path..." header row, paths relative to the
 * evidence folder, line 0 for findings on whole files; EVTX records by
 * their EventRecordID).
 *
 *   golden_runner [--exact|--truth] [--shared-data] [--print]
 *                 [--baseline BASELINE_DIR] DIR EXPECTED
 *
 * --exact: actual triples must equal the expected ones.
 * --truth: every expected triple must be found, and no line outside the
 *          expected lines may carry any finding (extra rules on an expected
 *          line are allowed: one line can be several signs at once).
 * --shared-data: DIR is shared test data (../shared); when it is absent,
 *          exit 77 (ctest skip) with a message, or fail in CI
 *          (tests/unit/shared_data.h).
 */
#include "spoor/spoor.h"
#include "shared_data.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

typedef struct set {
  char **s;
  size_t n, cap;
} set;

static void set_add(set *st, const char *v) {
  for (size_t i = 0; i < st->n; i++)
    if (strcmp(st->s[i], v) == 0)
      return;
  if (st->n == st->cap) {
    st->cap = st->cap ? st->cap * 2 : 64;
    st->s = realloc(st->s, st->cap * sizeof *st->s);
    if (!st->s)
      exit(1);
  }
  st->s[st->n++] = strdup(v);
}

static int set_has(const set *st, const char *v) {
  for (size_t i = 0; i < st->n; i++)
    if (strcmp(st->s[i], v) == 0)
      return 1;
  return 0;
}

/* "path\tline" of a "path\tline\trule" triple. */
static void line_of(const char *triple, char *out, size_t cap) {
  snprintf(out, cap, "%s", triple);
  char *t = strrchr(out, '\t');
  if (t)
    *t = 0;
}

int main(int argc, char **argv) {
  int exact = 0, print = 0, shared_data = 0, ai = 1;
  const char *baseline = NULL;
  for (; ai < argc && argv[ai][0] == '-'; ai++) {
    if (strcmp(argv[ai], "--exact") == 0)
      exact = 1;
    else if (strcmp(argv[ai], "--truth") == 0)
      exact = 0;
    else if (strcmp(argv[ai], "--print") == 0)
      print = 1;
    else if (strcmp(argv[ai], "--shared-data") == 0)
      shared_data = 1;
    else if (strcmp(argv[ai], "--baseline") == 0 && ai + 1 < argc)
      baseline = argv[++ai];
  }
  if (argc - ai != 2) {
    fprintf(stderr, "usage: golden_runner [--exact|--truth] DIR EXPECTED\n");
    return 2;
  }
  const char *dir = argv[ai], *expected_path = argv[ai + 1];
  struct stat st;
  if (shared_data) {
    int rc = spoor_shared_or_skip(dir);
    if (rc != 0)
      return rc;
  }
  if (stat(dir, &st) != 0) {
    fprintf(stderr, "%s: missing\n", dir);
    return 1;
  }
  set expected = {0}, exp_lines = {0}, actual = {0};
  FILE *ef = fopen(expected_path, "r");
  if (!ef) {
    fprintf(stderr, "%s: cannot open\n", expected_path);
    return 1;
  }
  char line[4096];
  while (fgets(line, sizeof line, ef)) {
    line[strcspn(line, "\r\n")] = 0;
    if (!line[0] || line[0] == '#' || strncmp(line, "path\t", 5) == 0)
      continue; /* comments and a header row */
    /* Keep path, line and rule; a fourth column is a note. */
    char *t1 = strchr(line, '\t'), *t2 = t1 ? strchr(t1 + 1, '\t') : NULL;
    char *t3 = t2 ? strchr(t2 + 1, '\t') : NULL;
    if (!t2) {
      fprintf(stderr, "%s: bad row: %s\n", expected_path, line);
      return 1;
    }
    if (t3)
      *t3 = 0;
    set_add(&expected, line);
    char l[4096];
    line_of(line, l, sizeof l);
    set_add(&exp_lines, l);
  }
  fclose(ef);

  sp_opts opts = {.jobs = 2, .baseline_dir = baseline};
  sp_engine *eng;
  sp_diag diag = {0};
  if (sp_engine_create(&opts, &eng, &diag) != SP_OK) {
    fprintf(stderr, "engine: %s\n", diag.msg);
    return 1;
  }
  sp_result *res;
  const char *paths[] = {dir};
  if (sp_engine_hunt(eng, paths, 1, &res, &diag) != SP_OK) {
    fprintf(stderr, "hunt: %s\n", diag.msg);
    return 1;
  }
  size_t dl = strlen(dir);
  while (dl > 1 && dir[dl - 1] == '/')
    dl--;
  set capped = {0}; /* "path\trule" of findings whose evidence was cut */
  for (size_t i = 0; i < sp_result_finding_count(res); i++) {
    const sp_finding *f = sp_result_finding(res, i);
    bool cut = f->count > f->n_evidence;
    for (size_t k = 0; k < f->n_evidence; k++) {
      const char *p = f->evidence[k].path;
      if (strncmp(p, dir, dl) == 0 && p[dl] == '/')
        p += dl + 1;
      char t[4096];
      snprintf(t, sizeof t, "%s\t%llu\t%s", p,
               (unsigned long long)(f->evidence[k].kind == SP_REF_LINE ||
                                            f->evidence[k].kind == SP_REF_RECORD
                                        ? f->evidence[k].where
                                        : 0),
               f->rule_id);
      set_add(&actual, t);
      if (cut) {
        snprintf(t, sizeof t, "%s\t%s", p, f->rule_id);
        set_add(&capped, t);
      }
    }
  }
  int fail = 0;
  size_t n_capped = 0;
  for (size_t i = 0; i < expected.n; i++) {
    if (set_has(&actual, expected.s[i]))
      continue;
    /* A finding keeps its 32 earliest references: an expected line beyond
     * them counts when that rule's finding on that file was cut. */
    char pr[4096];
    const char *t1 = strchr(expected.s[i], '\t');
    const char *t2 = t1 ? strchr(t1 + 1, '\t') : NULL;
    if (!exact && t2) {
      snprintf(pr, sizeof pr, "%.*s\t%s", (int)(t1 - expected.s[i]),
               expected.s[i], t2 + 1);
      if (set_has(&capped, pr)) {
        n_capped++;
        continue;
      }
    }
    printf("MISSING     %s\n", expected.s[i]);
    fail = 1;
  }
  for (size_t i = 0; i < actual.n; i++) {
    if (set_has(&expected, actual.s[i]))
      continue;
    char l[4096];
    line_of(actual.s[i], l, sizeof l);
    if (exact || !set_has(&exp_lines, l)) {
      printf("UNEXPECTED  %s\n", actual.s[i]);
      fail = 1;
    }
  }
  if (print || fail)
    sp_write_findings(res, SP_FORMAT_JSONL, stdout);
  printf("%s: %zu expected, %zu actual triples, %zu findings, %zu expected "
         "lines beyond capped evidence lists\n",
         fail ? "FAIL" : "PASS", expected.n, actual.n,
         sp_result_finding_count(res), n_capped);
  sp_result_destroy(res);
  sp_engine_destroy(eng);
  for (size_t i = 0; i < expected.n; i++)
    free(expected.s[i]);
  for (size_t i = 0; i < exp_lines.n; i++)
    free(exp_lines.s[i]);
  for (size_t i = 0; i < actual.n; i++)
    free(actual.s[i]);
  for (size_t i = 0; i < capped.n; i++)
    free(capped.s[i]);
  free(capped.s);
  free(expected.s);
  free(exp_lines.s);
  free(actual.s);
  return fail;
}
