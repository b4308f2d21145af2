/*
 * str.h - byte-string slices and small ASCII helpers used on the hot path.
 *
 * An sp_str is a non-owning view (pointer + length) into a buffer owned by
 * someone else, usually the reader's line buffer. Nothing here allocates.
 * None of these helpers assume NUL termination.
 */
#ifndef SP_CORE_STR_H
#define SP_CORE_STR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

typedef struct sp_str {
  const char *p;
  size_t n;
} sp_str;

#define SP_STR_LIT(s) ((sp_str){(s), sizeof(s) - 1})

static inline sp_str sp_str_make(const char *p, size_t n) {
  sp_str s = {p, n};
  return s;
}

static inline int sp_lower(int c) {
  return (c >= 'A' && c <= 'Z') ? c + 32 : c;
}

/* Case-insensitive comparison of n bytes. */
static inline bool sp_mem_ieq(const char *a, const char *b, size_t n) {
  for (size_t i = 0; i < n; i++)
    if (sp_lower((unsigned char)a[i]) != sp_lower((unsigned char)b[i]))
      return false;
  return true;
}

/* Comparisons with a NUL-terminated literal. Inline, so strlen() of a
 * literal folds to a constant on the hot path. */
static inline bool sp_str_eq(sp_str s, const char *lit) {
  size_t n = strlen(lit);
  return s.n == n && (n == 0 || memcmp(s.p, lit, n) == 0);
}
static inline bool sp_str_ieq(sp_str s, const char *lit) {
  size_t n = strlen(lit);
  return s.n == n && sp_mem_ieq(s.p, lit, n);
}
static inline bool sp_str_istarts(sp_str s, const char *lit) {
  size_t n = strlen(lit);
  return s.n >= n && sp_mem_ieq(s.p, lit, n);
}
static inline bool sp_str_iends(sp_str s, const char *lit) {
  size_t n = strlen(lit);
  return s.n >= n && sp_mem_ieq(s.p + s.n - n, lit, n);
}
/* Case-insensitive search; returns offset or -1. */
long sp_str_ifind(sp_str hay, const char *needle);
/* Parse a non-negative decimal integer; false if empty, non-digit or > max. */
bool sp_str_to_u64(sp_str s, uint64_t max, uint64_t *out);
/* Copy n bytes with ASCII A-Z lower-cased (eight bytes at a time). */
void sp_lower_copy(char *d, const char *p, size_t n);
/* Append p[0..n), up to its first NUL byte (as printf's "%.*s" prints
 * it), to the NUL-terminated text buf[0..at) of a cap-byte buffer (cap >=
 * 1, at < cap), cut where the room ends as snprintf cuts; returns the new
 * length (buf stays terminated). */
size_t sp_str_put_cut(char *buf, size_t at, size_t cap, const char *p,
                      size_t n);
/* Trim ASCII spaces, tabs and CR from both ends. */
sp_str sp_str_trim(sp_str s);
/* Last path component after '/' or '\\'. */
sp_str sp_str_basename(sp_str s);

/* Glob match with '*' (any run) and '?' (one byte), case-insensitive,
 * iterative with one backtrack point, so O(n*m) worst case, no recursion. */
bool sp_glob_imatch(const char *pat, size_t pn, const char *s, size_t sn);

#endif
