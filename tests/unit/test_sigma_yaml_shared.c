/*
 * test_sigma_yaml_shared.c - the Sigma loader's fast YAML reader
 * (src/sigma/sigma_yaml.c) against libyaml, the oracle, on every rule
 * file of ../shared/data/sigma (SigmaHQ's rules, threat-hunting,
 * emerging-threats, placeholder, compliance and deprecated folders): where
 * the fast reader reads a file, its documents must be libyaml's, node for
 * node; and it must read most of them (else the loader gains nothing).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "shared_data.h"
#include "yaml_cmp.h"

#include <ftw.h>
#include <stdlib.h>

#define SIGMA_DIR SPOOR_SHARED_DIR "/data/sigma"

static size_t n_files, n_fast, n_bad;

static int visit(const char *path, const struct stat *st, int type,
                 struct FTW *f) {
  (void)f;
  size_t l = strlen(path);
  if (type != FTW_F || l < 5 || strcmp(path + l - 4, ".yml"))
    return 0;
  FILE *fp = fopen(path, "rb");
  if (!fp)
    return 0;
  size_t n = (size_t)st->st_size;
  char *buf = malloc(n + 1);
  if (buf && fread(buf, 1, n, fp) == n) {
    char why[400];
    int rc = yc_compare(buf, n, why, sizeof why);
    n_files++;
    if (rc > 0)
      n_fast++;
    if (rc < 0) {
      n_bad++;
      fprintf(stderr, "DIFFERS %s: %s\n", path, why);
    }
  }
  free(buf);
  fclose(fp);
  return 0;
}

static void test_all_rules(void **st) {
  (void)st;
  assert_int_equal(nftw(SIGMA_DIR, visit, 16, FTW_PHYS), 0);
  printf("%zu rule files: %zu read by the fast reader (same documents as "
         "libyaml), %zu left to libyaml, %zu differ\n",
         n_files, n_fast, n_files - n_fast - n_bad, n_bad);
  assert_true(n_files > 2000);
  assert_int_equal(n_bad, 0);
  assert_true(n_fast * 10 >= n_files * 9); /* at least 90 % */
}

int main(void) {
  int rc = spoor_shared_or_skip(SIGMA_DIR);
  if (rc != 0)
    return rc;
  const struct CMUnitTest tests[] = {cmocka_unit_test(test_all_rules)};
  return cmocka_run_group_tests(tests, NULL, NULL);
}
