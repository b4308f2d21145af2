/*
 * fuzz_escape.c - libFuzzer target for output escaping (sp_json_str,
 * sp_csv_cell, sp_term_str): attacker-controlled evidence must never break
 * an output format or reach a terminal as a control sequence.
 *
 * The whole input is the evidence string; it is written by each function
 * into an open_memstream FILE and the output is checked with validators
 * written here (independent of the library's sp_utf8_len):
 *  - JSON: a quoted string with no raw byte < 0x20, only valid escapes, valid
 *    UTF-8; it decodes to the input with each byte that starts no valid UTF-8
 *    sequence replaced by U+FFFD.
 *  - CSV: one quoted cell, quotes doubled, no control bytes, a ' before
 *    = + - @ TAB CR at the start; it decodes to the input with control bytes
 *    turned into spaces.
 *  - Terminal: no byte < 0x20, no DEL, no ESC, no C1 control, valid UTF-8,
 *    and at most max_cols columns (max_cols from byte 0: odd bytes give
 *    byte0 >> 1, even ones unlimited). Unlimited output must equal the input
 *    with control and invalid bytes written as \xNN.
 */
#include "output/escape.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CHECK(c) ((c) ? (void)0 : fz_fail(#c, __FILE__, __LINE__))

static void fz_fail(const char *what, const char *file, int line) {
  fprintf(stderr, "fuzz check failed: %s (%s:%d)\n", what, file, line);
  abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* RFC 3629 UTF-8: length of the valid sequence at s, 0 if invalid. */
static size_t utf8_seq(const uint8_t *s, size_t n, uint32_t *cp_out) {
  if (n == 0)
    return 0;
  uint8_t c = s[0];
  if (c < 0x80) {
    *cp_out = c;
    return 1;
  }
  size_t len;
  uint32_t cp, min;
  if ((c & 0xE0) == 0xC0) {
    len = 2, cp = c & 0x1F, min = 0x80;
  } else if ((c & 0xF0) == 0xE0) {
    len = 3, cp = c & 0x0F, min = 0x800;
  } else if ((c & 0xF8) == 0xF0) {
    len = 4, cp = c & 0x07, min = 0x10000;
  } else {
    return 0;
  }
  if (n < len)
    return 0;
  for (size_t i = 1; i < len; i++) {
    if ((s[i] & 0xC0) != 0x80)
      return 0;
    cp = cp << 6 | (s[i] & 0x3F);
  }
  if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
    return 0;
  *cp_out = cp;
  return len;
}

static bool valid_utf8(const uint8_t *s, size_t n) {
  uint32_t cp;
  for (size_t i = 0; i < n;) {
    size_t l = utf8_seq(s + i, n - i, &cp);
    if (!l)
      return false;
    i += l;
  }
  return true;
}

/* A growable byte buffer for expected and decoded output. */
typedef struct buf {
  uint8_t *p;
  size_t n, cap;
} buf;

static void put(buf *b, const void *p, size_t n) {
  if (b->n + n > b->cap) {
    size_t cap = b->cap ? b->cap : 64;
    while (cap < b->n + n)
      cap *= 2;
    b->p = realloc(b->p, cap);
    CHECK(b->p != NULL);
    b->cap = cap;
  }
  if (n)
    memcpy(b->p + b->n, p, n);
  b->n += n;
}

static void put_cp(buf *b, uint32_t cp) {
  uint8_t u[4];
  size_t n;
  if (cp < 0x80) {
    u[0] = (uint8_t)cp, n = 1;
  } else if (cp < 0x800) {
    u[0] = (uint8_t)(0xC0 | cp >> 6), u[1] = (uint8_t)(0x80 | (cp & 0x3F));
    n = 2;
  } else if (cp < 0x10000) {
    u[0] = (uint8_t)(0xE0 | cp >> 12);
    u[1] = (uint8_t)(0x80 | ((cp >> 6) & 0x3F));
    u[2] = (uint8_t)(0x80 | (cp & 0x3F));
    n = 3;
  } else {
    u[0] = (uint8_t)(0xF0 | cp >> 18);
    u[1] = (uint8_t)(0x80 | ((cp >> 12) & 0x3F));
    u[2] = (uint8_t)(0x80 | ((cp >> 6) & 0x3F));
    u[3] = (uint8_t)(0x80 | (cp & 0x3F));
    n = 4;
  }
  put(b, u, n);
}

static int hexval(uint8_t c) {
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
}

typedef struct mem {
  FILE *f;
  char *p;
  size_t n;
} mem;

static void mem_open(mem *m) {
  m->p = NULL;
  m->n = 0;
  m->f = open_memstream(&m->p, &m->n);
  CHECK(m->f != NULL);
}

static void mem_close(mem *m) {
  CHECK(fclose(m->f) == 0);
  m->f = NULL;
}

/* Code points that must never reach a terminal or spreadsheet raw: C1
 * controls, zero-width marks, line/paragraph separators, bidi embeddings,
 * overrides and isolates, and the BOM (spoor's escaping contract). */
static bool reorders(uint32_t cp) {
  return (cp >= 0x80 && cp <= 0x9F) || (cp >= 0x200B && cp <= 0x200F) ||
         (cp >= 0x2028 && cp <= 0x202E) || (cp >= 0x2066 && cp <= 0x2069) ||
         cp == 0xFEFF;
}

static void check_json(const uint8_t *in, size_t n) {
  mem m;
  mem_open(&m);
  sp_json_str(m.f, (const char *)in, n);
  mem_close(&m);
  const uint8_t *o = (const uint8_t *)m.p;
  CHECK(m.n >= 2 && o[0] == '"' && o[m.n - 1] == '"');
  CHECK(valid_utf8(o, m.n));
  buf dec = {0};
  for (size_t i = 1; i + 1 < m.n;) {
    uint8_t c = o[i];
    CHECK(c >= 0x20);
    CHECK(c != '"');
    if (c != '\\') {
      put(&dec, &c, 1);
      i++;
      continue;
    }
    CHECK(i + 2 < m.n);
    uint8_t e = o[i + 1];
    static const char simple[] = "\"\\/bfnrt";
    static const char value[] = "\"\\/\b\f\n\r\t";
    const char *at = memchr(simple, e, sizeof simple - 1);
    if (at) {
      put(&dec, &value[at - simple], 1);
      i += 2;
      continue;
    }
    CHECK(e == 'u' && i + 6 < m.n);
    uint32_t cp = 0;
    for (size_t k = 0; k < 4; k++) {
      int h = hexval(o[i + 2 + k]);
      CHECK(h >= 0);
      cp = cp << 4 | (uint32_t)h;
    }
    CHECK(cp < 0xD800 || cp > 0xDFFF); /* no surrogate halves */
    put_cp(&dec, cp);
    i += 6;
  }
  buf want = {0};
  for (size_t i = 0; i < n;) {
    uint32_t cp;
    size_t l = utf8_seq(in + i, n - i, &cp);
    if (l) {
      put(&want, in + i, l);
      i += l;
    } else {
      put_cp(&want, 0xFFFD);
      i++;
    }
  }
  CHECK(dec.n == want.n && (dec.n == 0 || !memcmp(dec.p, want.p, dec.n)));
  free(dec.p);
  free(want.p);
  free(m.p);
}

static void check_csv(const uint8_t *in, size_t n) {
  mem m;
  mem_open(&m);
  sp_csv_cell(m.f, (const char *)in, n);
  mem_close(&m);
  const uint8_t *o = (const uint8_t *)m.p;
  CHECK(m.n >= 2 && o[0] == '"' && o[m.n - 1] == '"');
  bool formula = n && (in[0] == '=' || in[0] == '+' || in[0] == '-' ||
                       in[0] == '@' || in[0] == '\t' || in[0] == '\r');
  size_t i = 1;
  if (formula) {
    CHECK(m.n >= 3 && o[1] == '\'');
    i = 2;
  }
  /* The first character a spreadsheet sees is never a formula start. */
  if (m.n > 2)
    CHECK(o[1] != '=' && o[1] != '+' && o[1] != '-' && o[1] != '@');
  buf dec = {0};
  for (; i + 1 < m.n; i++) {
    uint8_t c = o[i];
    CHECK(c >= 0x20 && c != 0x7F);
    if (c == '"') {
      CHECK(i + 2 < m.n && o[i + 1] == '"');
      i++;
    }
    put(&dec, &c, 1);
  }
  /* Expected: C0/DEL become ' ', invalid bytes and reordering or invisible
     characters '?', everything else unchanged. */
  buf want = {0};
  for (size_t k = 0; k < n;) {
    uint32_t cp = 0;
    size_t l = utf8_seq(in + k, n - k, &cp);
    if (l == 0) {
      put(&want, "?", 1);
      k++;
    } else if (cp < 0x20 || cp == 0x7F) {
      put(&want, " ", 1);
      k++;
    } else if (reorders(cp)) {
      put(&want, "?", 1);
      k += l;
    } else {
      put(&want, in + k, l);
      k += l;
    }
  }
  CHECK(dec.n == want.n && (dec.n == 0 || !memcmp(dec.p, want.p, dec.n)));
  free(want.p);
  free(dec.p);
  free(m.p);
}

static void check_term(const uint8_t *in, size_t n, size_t max_cols) {
  mem m;
  mem_open(&m);
  size_t cols = sp_term_str(m.f, (const char *)in, n, max_cols);
  mem_close(&m);
  const uint8_t *o = (const uint8_t *)m.p;
  if (max_cols)
    CHECK(cols <= max_cols);
  for (size_t i = 0; i < m.n; i++) {
    CHECK(o[i] >= 0x20 && o[i] != 0x7F);
    CHECK(o[i] != 0x1B);
  }
  CHECK(valid_utf8(o, m.n));
  for (size_t i = 0; i + 1 < m.n; i++)
    CHECK(!(o[i] == 0xC2 && o[i + 1] >= 0x80 && o[i + 1] <= 0x9F)); /* C1 */
  if (max_cols == 0) {
    buf want = {0};
    size_t want_cols = 0;
    for (size_t i = 0; i < n;) {
      uint32_t cp = 0;
      size_t l = utf8_seq(in + i, n - i, &cp);
      if (l == 0 || cp < 0x20 || cp == 0x7F) {
        char x[5];
        snprintf(x, sizeof x, "\\x%02x", in[i]);
        put(&want, x, 4);
        want_cols += 4;
        i++;
      } else if (reorders(cp)) {
        char x[7];
        snprintf(x, sizeof x, "\\u%04x", (unsigned)cp);
        put(&want, x, 6);
        want_cols += 6;
        i += l;
      } else {
        put(&want, in + i, l);
        want_cols++;
        i += l;
      }
    }
    CHECK(cols == want_cols);
    CHECK(m.n == want.n && (m.n == 0 || !memcmp(m.p, want.p, m.n)));
    free(want.p);
  }
  free(m.p);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  size_t max_cols = (size && (data[0] & 1)) ? data[0] >> 1 : 0;
  check_json(data, size);
  check_csv(data, size);
  check_term(data, size, max_cols);
  return 0;
}
