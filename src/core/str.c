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

/* ASCII lower-casing copy, eight bytes at a time (SWAR): for each byte
 * below 0x80, 0x20 is set when it lies in 'A'..'Z'; other bytes are
 * copied as they are. */
size_t sp_str_put_cut(char *buf, size_t at, size_t cap, const char *p,
                      size_t n) {
  size_t k = n ? strnlen(p, n) : 0;
  if (k > cap - 1 - at)
    k = cap - 1 - at;
  if (k)
    memcpy(buf + at, p, k);
  buf[at + k] = 0;
  return at + k;
}

void sp_lower_copy(char *d, const char *p, size_t n) {
  const uint64_t ones = UINT64_C(0x0101010101010101);
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    uint64_t x;
    memcpy(&x, p + i, 8);
    uint64_t low7 = x & (ones * 0x7f);
    uint64_t above_z = low7 + ones * (0x7f - 'Z'); /* high bit: > 'Z' */
    uint64_t from_a = low7 + ones * (0x80 - 'A');  /* high bit: >= 'A' */
    uint64_t upper = (from_a & ~above_z) & ~x & (ones * 0x80);
    x |= upper >> 2;
    memcpy(d + i, &x, 8);
  }
  for (; i < n; i++)
    d[i] = (char)sp_lower((unsigned char)p[i]);
}
