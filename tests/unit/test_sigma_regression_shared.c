/*
 * test_sigma_regression_shared.c - SigmaHQ's own regression check: every
 * rule folder under ../shared/data/evtx/sigma-regression/regression_data
 * holds an info.yml (the rule id under rule_metadata, and under
 * regression_tests_info the .evtx path and an optional match_count, 1 when
 * absent) and the .evtx. The rules of ../shared/data/sigma (rules,
 * rules-emerging-threats, rules-threat-hunting) are compiled once; each
 * .evtx goes through the native EVTX reader and the Sigma matcher (the
 * same calls the sigma detector makes), and the rule with that id must
 * match at least match_count records. The known failures are listed in
 * known_fail[] with their reason (docs/SIGMA.md, "Regression tests"); a
 * listed test that passes fails too, so the list stays true. Skips without
 * ../shared (tests/unit/shared_data.h).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "readers/reader.h"
#include "shared_data.h"
#include "sigma_fixture.h"

#include <ftw.h>

#define SIGMA_DIR SPOOR_SHARED_DIR "/data/sigma"
#define REG_DIR SPOOR_SHARED_DIR "/data/evtx/sigma-regression"

/* Regression tests spoor fails, by rule id, with the reason (kept in sync
 * with docs/SIGMA.md). */
static const char *const known_fail[][2] = {
    {NULL, NULL},
};

typedef struct reg_case {
  char id[64];
  char evtx[1024];
  long want;
} reg_case;

static reg_case *cases;
static size_t n_cases, cap_cases;

static void trim(char *s) {
  size_t n = strlen(s);
  while (n && (s[n - 1] == '\n' || s[n - 1] == '\r' || s[n - 1] == ' '))
    s[--n] = 0;
}

/* info.yml is SigmaHQ's fixed layout: "rule_metadata:" then "- id: X",
 * "regression_tests_info:" then "path: P" and maybe "match_count: N". A
 * commented line ("#") does not count. */
static void read_info(const char *p) {
  FILE *f = fopen(p, "r");
  assert_non_null(f);
  reg_case c = {.want = 1};
  char line[2048];
  int sect = 0;
  while (fgets(line, sizeof line, f)) {
    trim(line);
    const char *t = line + strspn(line, " ");
    if (*t == '#')
      continue;
    if (strncmp(line, "rule_metadata:", 14) == 0)
      sect = 1;
    else if (strncmp(line, "regression_tests_info:", 22) == 0)
      sect = 2;
    else if (line[0] != ' ' && line[0] != '-')
      sect = 0;
    if (sect == 1 && strncmp(t, "- id:", 5) == 0 && !c.id[0])
      snprintf(c.id, sizeof c.id, "%s", t + 5 + strspn(t + 5, " "));
    if (sect == 2 && strncmp(t, "path:", 5) == 0)
      snprintf(c.evtx, sizeof c.evtx, "%s/%s", REG_DIR,
               t + 5 + strspn(t + 5, " "));
    if (sect == 2 && strncmp(t, "match_count:", 12) == 0)
      c.want = strtol(t + 12, NULL, 10);
  }
  fclose(f);
  if (!c.evtx[0])
    return; /* no regression test (one info.yml has none) */
  assert_true(c.id[0]);
  if (n_cases == cap_cases) {
    cap_cases = cap_cases ? cap_cases * 2 : 256;
    cases = realloc(cases, cap_cases * sizeof *cases);
    assert_non_null(cases);
  }
  cases[n_cases++] = c;
}

static int on_file(const char *p, const struct stat *sb, int flag,
                   struct FTW *ftw) {
  (void)sb;
  (void)ftw;
  size_t l = strlen(p);
  if (flag == FTW_F && l >= 9 && strcmp(p + l - 9, "/info.yml") == 0)
    read_info(p);
  return 0;
}

static int cmp_case(const void *a, const void *b) {
  return strcmp(((const reg_case *)a)->evtx, ((const reg_case *)b)->evtx);
}

typedef struct run {
  const sp_sigma *s;
  sp_sigma_mctx *m;
  const char *id;
  long hits, events, bad;
} run;

static void count_hit(const sp_sigma_match *mt, void *user) {
  run *r = user;
  if (strcmp(mt->rule->id, r->id) == 0)
    r->hits++;
}

static void on_event(void *u, const sp_event *ev) {
  run *r = u;
  r->events++;
  sp_sigma_match_event(r->s, r->m, ev, count_hit, r);
}

static void on_bad(void *u, uint64_t where, const char *reason) {
  (void)where;
  (void)reason;
  ((run *)u)->bad++;
}

static char *slurp(const char *p, size_t *len) {
  FILE *f = fopen(p, "rb");
  if (!f)
    return NULL;
  fseek(f, 0, SEEK_END);
  long n = ftell(f);
  fseek(f, 0, SEEK_SET);
  char *b = malloc(n > 0 ? (size_t)n : 1);
  if (b && fread(b, 1, (size_t)n, f) != (size_t)n) {
    free(b);
    b = NULL;
  }
  fclose(f);
  *len = (size_t)n;
  return b;
}

static const char *known(const char *id) {
  for (size_t i = 0; known_fail[i][0]; i++)
    if (strcmp(known_fail[i][0], id) == 0)
      return known_fail[i][1];
  return NULL;
}

static void test_regression(void **st) {
  (void)st;
  assert_int_equal(nftw(REG_DIR "/regression_data", on_file, 16, FTW_PHYS), 0);
  qsort(cases, n_cases, sizeof *cases, cmp_case);
  sp_names *nm;
  assert_int_equal(sp_names_create(&nm), SP_OK);
  const char *paths[] = {SIGMA_DIR "/rules",
                         SIGMA_DIR "/rules-emerging-threats",
                         SIGMA_DIR "/rules-threat-hunting"};
  sp_sigma *s;
  sp_diag d = {0};
  /* every status: the regression data covers deprecated rules too */
  assert_int_equal(sp_sigma_load(paths, 3, NULL, nm, &s, &d), SP_OK);
  sp_sigma_mctx *m;
  assert_int_equal(sp_sigma_mctx_create(s, &m), SP_OK);
  const sp_reader_vt *vt = sp_reader_by_name("evtx");
  assert_non_null(vt);
  size_t pass = 0, fail = 0, expected_fail = 0, unexpected = 0;
  for (size_t i = 0; i < n_cases; i++) {
    reg_case *c = &cases[i];
    size_t len = 0;
    char *buf = slurp(c->evtx, &len);
    if (!buf)
      fail_msg("cannot read %s", c->evtx);
    run r = {.s = s, .m = m, .id = c->id};
    sp_rctx rc;
    assert_true(sp_rctx_init(&rc, 1, on_event, on_bad, &r));
    rc.names = nm;
    assert_int_equal(sp_reader_run_buffer(vt, &rc, buf, len), SP_OK);
    sp_rctx_free(&rc);
    free(buf);
    bool ok = r.hits >= c->want;
    const char *why = known(c->id);
    if (ok) {
      pass++;
      if (why) {
        print_message("NOW PASSES (remove from known_fail): %s\n", c->id);
        unexpected++;
      }
    } else {
      fail++;
      print_message("FAIL %s: %ld of %ld matches (%ld records, %ld bad) %s%s\n",
                    c->id, r.hits, c->want, r.events, r.bad, c->evtx,
                    why ? " [known]" : "");
      if (why)
        expected_fail++;
      else
        unexpected++;
    }
  }
  print_message("sigma regression: %zu tests, %zu pass, %zu fail (%zu known)\n",
                n_cases, pass, fail, expected_fail);
  assert_true(n_cases >= 200);
  assert_int_equal(unexpected, 0);
  sp_sigma_mctx_destroy(m);
  sp_sigma_destroy(s);
  sp_names_destroy(nm);
  free(cases);
}

int main(void) {
  int rc = spoor_shared_or_skip(REG_DIR "/regression_data");
  if (rc != 0)
    return rc;
  rc = spoor_shared_or_skip(SIGMA_DIR "/rules");
  if (rc != 0)
    return rc;
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_regression),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
