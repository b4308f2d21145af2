/*
 * csv.c - CSV and ECP key=value splitting (see csv.h). No allocation: the
 * only copies go into the reader context scratch, and only for values that
 * hold escaped quotes.
 */
#include "readers/csv.h"

/* Unescape doubled quote characters q inside [p, p+n). */
static sp_str unescape(sp_rctx *rc, const char *p, size_t n, char q) {
  if (!memchr(p, q, n))
    return sp_str_make(p, n);
  char *d = sp_rctx_alloc(rc, n);
  if (!d)
    return sp_str_make(p, n);
  size_t j = 0;
  for (size_t i = 0; i < n; i++) {
    d[j++] = p[i];
    if (p[i] == q && i + 1 < n && p[i + 1] == q)
      i++;
  }
  return sp_str_make(d, j);
}

size_t sp_csv_split(sp_rctx *rc, const char *p, size_t n, sp_str *out,
                    size_t max, bool *bad) {
  size_t nf = 0, i = 0;
  *bad = false;
  for (;;) {
    if (nf >= max) {
      *bad = true;
      return nf;
    }
    if (i < n && p[i] == '"') {
      size_t start = ++i;
      bool closed = false;
      while (i < n) {
        if (p[i] == '"') {
          if (i + 1 < n && p[i + 1] == '"') {
            i += 2;
            continue;
          }
          closed = true;
          break;
        }
        i++;
      }
      out[nf++] = unescape(rc, p + start, i - start, '"');
      if (!closed) {
        *bad = true;
        return nf;
      }
      i++; /* closing quote */
      /* Tolerate junk between the closing quote and the comma. */
      const char *c = i < n ? memchr(p + i, ',', n - i) : NULL;
      if (!c)
        return nf;
      i = (size_t)(c - p) + 1;
    } else {
      const char *c = i < n ? memchr(p + i, ',', n - i) : NULL;
      size_t e = c ? (size_t)(c - p) : n;
      out[nf++] = sp_str_make(p + i, e - i);
      if (!c)
        return nf;
      i = e + 1;
    }
  }
}

size_t sp_ecp_split(sp_rctx *rc, sp_str d, sp_kv *out, size_t max) {
  size_t nk = 0, i = 0;
  while (i < d.n && nk < max) {
    sp_str item;
    if (d.p[i] == '\'') {
      size_t start = ++i;
      while (i < d.n) {
        if (d.p[i] == '\'') {
          if (i + 1 < d.n && d.p[i + 1] == '\'') {
            i += 2;
            continue;
          }
          break;
        }
        i++;
      }
      item = unescape(rc, d.p + start, i - start, '\'');
      if (i < d.n)
        i++; /* closing quote */
      while (i < d.n && d.p[i] != ';')
        i++;
    } else {
      size_t start = i;
      const char *c = memchr(d.p + i, ';', d.n - i);
      i = c ? (size_t)(c - d.p) : d.n;
      item = sp_str_make(d.p + start, i - start);
    }
    if (i < d.n)
      i++; /* ';' */
    if (item.n == 0)
      continue;
    const char *eq = memchr(item.p, '=', item.n);
    sp_str key = sp_str_make(item.p, eq ? (size_t)(eq - item.p) : item.n);
    sp_str val = eq ? sp_str_make(eq + 1, item.n - key.n - 1)
                    : sp_str_make(item.p + item.n, 0);
    if (key.n >= 2 && key.p[1] == ':') {
      key.p += 2;
      key.n -= 2;
    }
    out[nk].key = key;
    out[nk].value = val;
    nk++;
  }
  return nk;
}
