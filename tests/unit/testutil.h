/*
 * testutil.h - helpers shared by the cmocka tests that run whole hunts:
 * temporary evidence folders, files written as they are, gzip'd files, a
 * hunt through the public API, and lookups of findings and coverage.
 * Include after <cmocka.h>.
 */
#ifndef SP_TESTS_TESTUTIL_H
#define SP_TESTS_TESTUTIL_H

#include "spoor/spoor.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

static inline char *tu_tmpdir(void) {
  char tmpl[] = "/tmp/spoor-test-XXXXXX";
  char *d = mkdtemp(tmpl);
  assert_non_null(d);
  return strdup(d);
}

static inline void tu_write(const char *dir, const char *name, const void *data,
                            size_t len) {
  char p[1024];
  snprintf(p, sizeof p, "%s/%s", dir, name);
  FILE *f = fopen(p, "wb");
  assert_non_null(f);
  assert_int_equal(fwrite(data, 1, len, f), len);
  fclose(f);
}

static inline void tu_write_gz(const char *dir, const char *name,
                               const char *data, size_t len) {
  char p[1024];
  snprintf(p, sizeof p, "%s/%s", dir, name);
  gzFile g = gzopen(p, "wb");
  assert_non_null(g);
  assert_int_equal(gzwrite(g, data, (unsigned)len), (int)len);
  gzclose(g);
}

static inline void tu_rm_rf(const char *dir) {
  char cmd[1100];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
  assert_int_equal(system(cmd), 0);
}

static inline sp_result *tu_hunt(const char *dir, int jobs) {
  sp_opts o = {.jobs = jobs};
  sp_engine *e;
  sp_diag d = {0};
  assert_int_equal(sp_engine_create(&o, &e, &d), SP_OK);
  sp_result *r;
  const char *paths[] = {dir};
  assert_int_equal(sp_engine_hunt(e, paths, 1, &r, &d), SP_OK);
  sp_engine_destroy(e); /* results keep only their own strings */
  return r;
}

static inline const sp_finding *tu_find(const sp_result *r, const char *rule,
                                        size_t nth) {
  for (size_t i = 0; i < sp_result_finding_count(r); i++) {
    const sp_finding *f = sp_result_finding(r, i);
    if (strcmp(f->rule_id, rule) == 0 && nth-- == 0)
      return f;
  }
  return NULL;
}

static inline const sp_file_cov *tu_cov(const sp_result *r,
                                        const char *suffix) {
  for (size_t i = 0; i < sp_result_file_count(r); i++) {
    const sp_file_cov *f = sp_result_file(r, i);
    size_t n = strlen(f->path), m = strlen(suffix);
    if (n >= m && strcmp(f->path + n - m, suffix) == 0)
      return f;
  }
  return NULL;
}

#endif
