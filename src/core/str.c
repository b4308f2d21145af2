/*
 * str.c - byte-string slice helpers (see str.h). No allocation, no globals.
 */
#include "core/str.h"

long sp_str_ifind(sp_str hay, const char *needle) {
  size_t n = strlen(needle);
  if (n == 0)
    return 0;
  if (hay.n < n)
    return -1;
  int c0 = sp_lower((unsigned char)needle[0]);
  for (size_t i = 0; i + n <= hay.n; i++) {
    if (sp_lower((unsigned char)hay.p[i]) != c0)
      continue;
    size_t j = 1;
    while (j < n && sp_lower((unsigned char)hay.p[i + j]) ==
                        sp_lower((unsigned char)needle[j]))
      j++;
    if (j == n)
      return (long)i;
  }
  return -1;
}

bool sp_str_to_u64(sp_str s, uint64_t max, uint64_t *out) {
  if (s.n == 0 || s.n > 20)
    return false;
  uint64_t v = 0;
  for (size_t i = 0; i < s.n; i++) {
    unsigned d = (unsigned char)s.p[i] - '0';
    if (d > 9)
      return false;
    if (v > (UINT64_MAX - d) / 10)
      return false;
    v = v * 10 + d;
  }
  if (v > max)
    return false;
  *out = v;
  return true;
}

sp_str sp_str_trim(sp_str s) {
  while (s.n && (s.p[0] == ' ' || s.p[0] == '\t' || s.p[0] == '\r')) {
    s.p++;
    s.n--;
  }
  while (s.n &&
         (s.p[s.n - 1] == ' ' || s.p[s.n - 1] == '\t' || s.p[s.n - 1] == '\r'))
    s.n--;
  return s;
}

sp_str sp_str_basename(sp_str s) {
  size_t i = s.n;
  while (i > 0 && s.p[i - 1] != '/' && s.p[i - 1] != '\\')
    i--;
  return sp_str_make(s.p + i, s.n - i);
}

bool sp_glob_imatch(const char *pat, size_t pn, const char *s, size_t sn) {
  size_t pi = 0, si = 0, star = (size_t)-1, mark = 0;
  while (si < sn) {
    if (pi < pn && pat[pi] == '*') {
      star = pi++;
      mark = si;
    } else if (pi < pn &&
               (pat[pi] == '?' || sp_lower((unsigned char)pat[pi]) ==
                                      sp_lower((unsigned char)s[si]))) {
      pi++;
      si++;
    } else if (star != (size_t)-1) {
      pi = star + 1;
      si = ++mark;
    } else {
      return false;
    }
  }
  while (pi < pn && pat[pi] == '*')
    pi++;
  return pi == pn;
}
