/*
 * shape.c - value-shape predicates and the sniff line iterator (contracts
 * in shape.h).
 */
#include "readers/shape.h"

#include "core/timeutil.h"

static bool is_digit(char c) { return c >= '0' && c <= '9'; }

static bool is_hex(char c) {
  return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

bool sp_shape_uint(sp_str s, size_t max_digits) {
  if (s.n == 0 || s.n > max_digits)
    return false;
  for (size_t i = 0; i < s.n; i++)
    if (!is_digit(s.p[i]))
      return false;
  return true;
}

static bool ipv4(sp_str s) {
  sp_str part[5];
  if (sp_shape_split(s, '.', part, 4) != 4)
    return false;
  for (int i = 0; i < 4; i++) {
    uint64_t v;
    if (!sp_shape_uint(part[i], 3) || !sp_str_to_u64(part[i], 255, &v))
      return false;
  }
  return true;
}

bool sp_shape_ip(sp_str s) {
  if (ipv4(s))
    return true;
  if (s.n < 2 || s.n > 64)
    return false;
  const char *pct = memchr(s.p, '%', s.n);
  size_t n = pct ? (size_t)(pct - s.p) : s.n;
  if (pct && (s.n - n < 2 || !sp_shape_name(sp_str_make(pct + 1, s.n - n - 1))))
    return false;
  size_t colons = 0, last_colon = 0;
  for (size_t i = 0; i < n; i++) {
    if (s.p[i] == ':') {
      colons++;
      last_colon = i;
    } else if (!is_hex(s.p[i]) && s.p[i] != '.') {
      return false;
    }
  }
  if (colons < 2 || colons > 7)
    return false;
  sp_str tail = sp_str_make(s.p + last_colon + 1, n - last_colon - 1);
  if (memchr(tail.p, '.', tail.n)) /* ::ffff:192.0.2.1 */
    return ipv4(tail);
  return true;
}

bool sp_shape_http_method(sp_str s) {
  if (s.n < 3 || s.n > 20 || !(s.p[0] >= 'A' && s.p[0] <= 'Z'))
    return false;
  for (size_t i = 0; i < s.n; i++) {
    char c = s.p[i];
    if (!(c >= 'A' && c <= 'Z') && c != '_' && c != '-')
      return false;
  }
  return true;
}

bool sp_shape_guid(sp_str s) {
  if (s.n != 36)
    return false;
  for (size_t i = 0; i < 36; i++) {
    bool dash = i == 8 || i == 13 || i == 18 || i == 23;
    if (dash ? s.p[i] != '-' : !is_hex(s.p[i]))
      return false;
  }
  return true;
}

bool sp_shape_iso8601(sp_str s) {
  int64_t ns;
  return s.n >= 19 && sp_parse_iso8601(s, &ns);
}

bool sp_shape_name(sp_str s) {
  if (s.n == 0 || s.n > 255)
    return false;
  for (size_t i = 0; i < s.n; i++) {
    char c = s.p[i];
    bool alnum =
        is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    if (!alnum && c != '.' && c != '_' && c != '-')
      return false;
  }
  return true;
}

bool sp_line_next(sp_line_iter *it, sp_str *line, bool *cut) {
  if (it->p >= it->end)
    return false;
  const char *nl = memchr(it->p, '\n', (size_t)(it->end - it->p));
  const char *e = nl ? nl : it->end;
  size_t n = (size_t)(e - it->p);
  if (n && it->p[n - 1] == '\r')
    n--;
  *line = sp_str_make(it->p, n);
  *cut = nl == NULL;
  it->p = nl ? nl + 1 : it->end;
  return true;
}

size_t sp_shape_split(sp_str s, char sep, sp_str *out, size_t max) {
  size_t k = 0;
  const char *q = s.p, *end = s.p + s.n;
  for (;;) {
    const char *c = q < end ? memchr(q, sep, (size_t)(end - q)) : NULL;
    const char *e = c ? c : end;
    if (k == max)
      return max + 1;
    out[k++] = sp_str_make(q, (size_t)(e - q));
    if (!c)
      return k;
    q = c + 1;
  }
}
