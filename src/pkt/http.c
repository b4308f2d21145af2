/*
 * http.c - HTTP/1.x message heads (http.h).
 */
#include "pkt/http.h"

#include <stdint.h>

static bool is_token(uint8_t c) {
  return c > 32 && c < 127 && c != '(' && c != ')' && c != '<' && c != '>' &&
         c != '@' && c != ',' && c != ';' && c != ':' && c != '\\' &&
         c != '"' && c != '/' && c != '[' && c != ']' && c != '?' && c != '=' &&
         c != '{' && c != '}';
}

static sp_str line_at(const uint8_t *p, size_t n, size_t *pos) {
  size_t s = *pos, e = s;
  while (e < n && p[e] != '\n')
    e++;
  *pos = e < n ? e + 1 : n;
  size_t l = e - s;
  if (l && p[s + l - 1] == '\r')
    l--;
  return sp_str_make((const char *)p + s, l);
}

static sp_str version_of(sp_str v) {
  if (v.n == 8 && sp_str_istarts(v, "HTTP/1.") && v.p[7] >= '0' &&
      v.p[7] <= '9')
    return sp_str_make(v.p + 5, 3);
  return sp_str_make(NULL, 0);
}

bool sp_http_parse(const uint8_t *p, size_t n, sp_http_head *h) {
  memset(h, 0, sizeof *h);
  size_t pos = 0;
  sp_str l = line_at(p, n, &pos);
  if (l.n < 12)
    return false;
  if (sp_str_istarts(l, "HTTP/1.")) {
    if (l.n < 12 || l.p[8] != ' ')
      return false;
    h->version = version_of(sp_str_make(l.p, 8));
    h->status = sp_str_make(l.p + 9, 3);
    for (size_t i = 0; i < 3; i++)
      if (h->status.p[i] < '0' || h->status.p[i] > '9')
        return false;
    if (l.n > 13)
      h->reason = sp_str_make(l.p + 13, l.n - 13);
    return h->version.n > 0;
  }
  size_t i = 0;
  while (i < l.n && i < 20 && is_token((uint8_t)l.p[i]))
    i++;
  if (i == 0 || i >= l.n || l.p[i] != ' ')
    return false;
  h->method = sp_str_make(l.p, i);
  size_t u = i + 1;
  const char *sp = memchr(l.p + u, ' ', l.n - u);
  if (!sp)
    return false;
  h->uri = sp_str_make(l.p + u, (size_t)(sp - (l.p + u)));
  h->version = version_of(sp_str_make(sp + 1, l.n - (size_t)(sp + 1 - l.p)));
  if (!h->version.n || !h->uri.n)
    return false;
  h->request = true;
  for (int k = 0; k < 100 && pos < n; k++) {
    sp_str hl = line_at(p, n, &pos);
    if (hl.n == 0)
      break;
    const char *c = memchr(hl.p, ':', hl.n);
    if (!c)
      continue;
    sp_str name = sp_str_make(hl.p, (size_t)(c - hl.p));
    sp_str val = sp_str_trim(sp_str_make(c + 1, hl.n - name.n - 1));
    if (sp_str_ieq(name, "host"))
      h->host = val;
    else if (sp_str_ieq(name, "user-agent"))
      h->user_agent = val;
    else if (sp_str_ieq(name, "referer"))
      h->referrer = val;
  }
  return true;
}
