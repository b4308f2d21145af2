/*
 * fuzz_baseline.c - libFuzzer target for the loader of Microsoft's per-build
 * known-good Exchange file hash CSVs (--baseline DIR): rows
 * "SHA256,build,relative\path" with optional quotes, a UTF-8 BOM, CRLF,
 * headers and junk lines, read through sp_fs_baseline_parse, the same line
 * reader (fgets on a stream, long lines skipped) that loads the files.
 *
 * Input layout: the whole input is one CSV file.
 *
 * Each input gets a fresh scanner shell (the sets of sp_fs_stock_init, no
 * YARA rules), so there is no global state. Checks:
 *  - loading succeeds (64 KiB cannot reach a limit), the diag is terminated;
 *  - every hash in the known-good set is 64 lower-case hex digits, and there
 *    are no more hashes than rows, nor rows than lines;
 *  - an independent reading of the "simple" lines (printable ASCII without
 *    quotes or blanks, at most SP_FS_MAX_LINE bytes, trailing CRs allowed):
 *    a line HASH64,BUILD,PATH with a non-empty PATH must have its hash in the
 *    known-good set; its path must match as a stock path when it has a
 *    folder; and its base name is never a look-alike of a stock name
 *    (a line with a NUL byte does not swallow the next);
 *  - loading the same CSV again changes none of the sets (idempotent).
 */
#include "filescan/filescan_internal.h"

#include <stdio.h>
#include <stdlib.h>

#define CHECK(c) ((c) ? (void)0 : fz_fail(#c, __FILE__, __LINE__))

static void fz_fail(const char *what, const char *file, int line) {
  fprintf(stderr, "fuzz check failed: %s (%s:%d)\n", what, file, line);
  abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool is_hex(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') ||
         (c >= 'A' && c <= 'F');
}

static bool is_sep(char c) { return c == '/' || c == '\\'; }

typedef struct sizes {
  size_t hashes, paths, urls, names, builds, lookalike;
} sizes;

static sizes sizes_of(const sp_filescan *fs) {
  sizes z = {sp_strset_count(fs->good_hashes), sp_strset_count(fs->stock_paths),
             sp_strset_count(fs->stock_urls),  sp_strset_count(fs->stock_names),
             sp_strset_count(fs->builds),      fs->n_lookalike};
  return z;
}

/* Checks one physical line (without its '\n') that the loader read whole. */
static void check_simple_line(const sp_filescan *fs, const char *p, size_t n) {
  while (n && p[n - 1] == '\r')
    n--;
  for (size_t i = 0; i < n; i++)
    if (p[i] < 0x21 || p[i] > 0x7e || p[i] == '"')
      return; /* not simple: quotes, blanks, controls, non-ASCII */
  if (n < 64 + 3 || p[64] != ',')
    return;
  for (size_t i = 0; i < 64; i++)
    if (!is_hex(p[i]))
      return;
  const char *build = p + 65;
  const char *c2 = memchr(build, ',', n - 65);
  if (!c2 || (size_t)(c2 + 1 - p) >= n)
    return; /* no third field, or an empty path */
  sp_str path = sp_str_make(c2 + 1, n - (size_t)(c2 + 1 - p));
  CHECK(sp_strset_has(fs->good_hashes, sp_str_make(p, 64), true));

  char cpath[SP_FS_MAX_LINE + 1];
  memcpy(cpath, path.p, path.n);
  cpath[path.n] = 0;
  bool seen_name = false, folder = false;
  for (size_t i = 0; i < path.n; i++) {
    if (is_sep(path.p[i]))
      folder |= seen_name;
    else
      seen_name = true;
  }
  if (folder)
    CHECK(sp_fs_stock_path_match(fs, cpath, NULL, 0));
  CHECK(sp_fs_lookalike(fs, sp_str_basename(path), NULL, 0) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  sp_filescan *fs = calloc(1, sizeof *fs);
  CHECK(fs != NULL);
  sp_diag diag;
  memset(&diag, 0, sizeof diag);
  CHECK(sp_fs_stock_init(fs, &diag) == SP_OK);

  sp_err e = sp_fs_baseline_parse(fs, "fuzz.csv", data, size, &diag);
  CHECK(strnlen(diag.msg, sizeof diag.msg) < sizeof diag.msg);
  CHECK(e == SP_OK);

  size_t lines = 1;
  for (size_t i = 0; i < size; i++)
    lines += data[i] == '\n';
  CHECK(fs->baseline_rows <= lines);
  CHECK(sp_strset_count(fs->good_hashes) <= fs->baseline_rows);
  for (size_t i = 0; i < sp_strset_capacity(fs->good_hashes); i++) {
    sp_str h = sp_strset_slot(fs->good_hashes, i);
    if (h.n == 0)
      continue;
    CHECK(h.n == 64);
    for (size_t k = 0; k < 64; k++)
      CHECK(is_hex(h.p[k]) && !(h.p[k] >= 'A' && h.p[k] <= 'F'));
  }

  /* Lines the loader reads whole: at most SP_FS_MAX_LINE bytes before the
   * '\n' (a line holding a NUL byte included: it must not swallow the next
   * one, seed nul_line.csv). */
  const char *s = (const char *)data;
  for (size_t at = 0; at < size;) {
    const char *nl = memchr(s + at, '\n', size - at);
    size_t n = nl ? (size_t)(nl - (s + at)) : size - at;
    if (n <= SP_FS_MAX_LINE)
      check_simple_line(fs, s + at, n);
    at += n + 1;
  }

  sizes before = sizes_of(fs);
  CHECK(sp_fs_baseline_parse(fs, "fuzz.csv", data, size, &diag) == SP_OK);
  sizes after = sizes_of(fs);
  CHECK(memcmp(&before, &after, sizeof before) == 0);

  sp_filescan_destroy(fs);
  return 0;
}
