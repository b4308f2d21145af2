/*
 * sigma_value.c - Sigma values: the compile arena, value modifiers, string
 * patterns (wildcards and escapes as the Sigma specification defines them)
 * and their matcher, and the compilation of one value under its modifiers
 * into matchers (sg_val).
 *
 * Patterns: `*` any run of characters, `?` one character, `\*` `\?` `\\`
 * the literal characters, a backslash before anything else is itself.
 * Matching is case-insensitive (ASCII folding) unless `cased`; a pattern is
 * stored folded and the matcher is given folded text (sigma_match.c keeps a
 * folded copy of each event value per event). Anchored forms (exact,
 * prefix, suffix, contains) skip the glob program. `windash` turns a `-` or
 * `/` at the start of a word into a class matching -, /, en dash, em dash
 * and horizontal bar (every permutation at once, no expansion).
 *
 * Encodings (utf16le/wide, utf16be, utf16, base64, base64offset) apply in
 * the order written to the value's bytes; a wildcard in an encoded value is
 * an error (its encoding is undefined). Encoded values match case-sensitively
 * (folding base64 text would change the bytes it stands for).
 */
#include "core/timeutil.h"
#include "core/relit.h"
#include "sigma/sigma_int.h"
#include "sigma/sigma_ph.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- arena ------------------------------------------------------------ */
struct sg_chunk {
  struct sg_chunk *next;
  size_t cap, used;
  max_align_t data[];
};

void *sg_alloc(sg_arena *a, size_t n) {
  n = (n + 15) & ~(size_t)15;
  if (!n)
    n = 16;
  sg_chunk *c = a->head;
  if (!c || c->cap - c->used < n) {
    size_t cap = n > 65536 ? n : 65536;
    c = malloc(sizeof *c + cap);
    if (!c)
      return NULL;
    c->cap = cap;
    c->used = 0;
    c->next = a->head;
    a->head = c;
  }
  void *p = (char *)c->data + c->used;
  c->used += n;
  memset(p, 0, n);
  return p;
}

char *sg_strndup(sg_arena *a, const char *s, size_t n) {
  char *d = sg_alloc(a, n + 1);
  if (d && n)
    memcpy(d, s, n);
  return d;
}

void sg_arena_free(sg_arena *a) {
  sg_chunk *c = a->head;
  while (c) {
    sg_chunk *n = c->next;
    free(c);
    c = n;
  }
  a->head = NULL;
}

void sg_fail(sg_cerr *e, const char *fmt, ...) {
  if (e->set)
    return;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(e->msg, sizeof e->msg, fmt, ap);
  va_end(ap);
  e->set = true;
}

/* ---- modifiers -------------------------------------------------------- */
static bool mod_is(const char *s, size_t n, const char *name) {
  return strlen(name) == n && memcmp(s, name, n) == 0;
}

bool sg_mods_parse(const char *s, size_t n, sg_mods *m, sg_cerr *e) {
  memset(m, 0, sizeof *m);
  m->cmp = -1;
  m->part = -1;
  size_t i = 0;
  while (i <= n) {
    size_t j = i;
    while (j < n && s[j] != '|')
      j++;
    const char *w = s + i;
    size_t wn = j - i;
    i = j + 1;
    if (wn == 0) {
      sg_fail(e, "empty modifier");
      return false;
    }
    static const char *const parts[] = {"minute", "hour",  "day",
                                        "week",   "month", "year"};
    bool known = true;
    if (mod_is(w, wn, "contains"))
      m->contains = true;
    else if (mod_is(w, wn, "startswith"))
      m->startswith = true;
    else if (mod_is(w, wn, "endswith"))
      m->endswith = true;
    else if (mod_is(w, wn, "all"))
      m->all = true;
    else if (mod_is(w, wn, "cased"))
      m->cased = true;
    else if (mod_is(w, wn, "windash"))
      m->windash = true;
    else if (mod_is(w, wn, "re"))
      m->re = true;
    else if (mod_is(w, wn, "i") && m->re)
      m->re_i = true;
    else if (mod_is(w, wn, "m") && m->re)
      m->re_m = true;
    else if (mod_is(w, wn, "s") && m->re)
      m->re_s = true;
    else if (mod_is(w, wn, "cidr"))
      m->cidr = true;
    else if (mod_is(w, wn, "exists"))
      m->exists = true;
    else if (mod_is(w, wn, "fieldref"))
      m->fieldref = true;
    else if (mod_is(w, wn, "expand"))
      m->expand = true;
    else if (mod_is(w, wn, "neq"))
      m->neq = true;
    else if (mod_is(w, wn, "lt"))
      m->cmp = SG_CMP_LT;
    else if (mod_is(w, wn, "lte"))
      m->cmp = SG_CMP_LTE;
    else if (mod_is(w, wn, "gt"))
      m->cmp = SG_CMP_GT;
    else if (mod_is(w, wn, "gte"))
      m->cmp = SG_CMP_GTE;
    else {
      int enc = mod_is(w, wn, "utf16le") || mod_is(w, wn, "wide") ? 1
                : mod_is(w, wn, "utf16be")                        ? 2
                : mod_is(w, wn, "utf16")                          ? 3
                : mod_is(w, wn, "base64")                         ? 4
                : mod_is(w, wn, "base64offset")                   ? 5
                                                                  : 0;
      if (enc) {
        if (m->nenc >= 4) {
          sg_fail(e, "too many encoding modifiers");
          return false;
        }
        m->enc_order[m->nenc++] = enc;
      } else {
        known = false;
        for (int k = 0; k < 6; k++)
          if (mod_is(w, wn, parts[k])) {
            m->part = k;
            known = true;
          }
      }
    }
    if (!known) {
      sg_fail(e, "unknown modifier '%.*s'", (int)(wn > 40 ? 40 : wn), w);
      return false;
    }
  }
  int anchors = m->contains + m->startswith + m->endswith;
  if (anchors > 1) {
    sg_fail(e, "conflicting modifiers contains/startswith/endswith");
    return false;
  }
  if (m->re && (anchors || m->nenc || m->cidr || m->windash || m->cmp >= 0)) {
    sg_fail(e, "modifier re combined with a string modifier");
    return false;
  }
  if (m->windash && m->nenc) {
    sg_fail(e, "unsupported: windash combined with an encoding modifier");
    return false;
  }
  return true;
}

/* ---- patterns --------------------------------------------------------- */
static bool is_word(int c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
         (c >= 'A' && c <= 'Z') || c == '_' || c >= 0x80;
}

/* Build ops from bytes: escapes applied when esc, else every byte literal. */
static size_t pat_ops(const char *p, size_t n, bool esc, bool windash,
                      bool cased, uint16_t *ops) {
  size_t k = 0;
  int prev = -1; /* previous literal byte, -1: none (start) */
  for (size_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char)p[i];
    if (esc && c == '\\' && i + 1 < n &&
        (p[i + 1] == '*' || p[i + 1] == '?' || p[i + 1] == '\\')) {
      c = (unsigned char)p[++i];
    } else if (esc && c == '*') {
      ops[k++] = SG_OP_STAR;
      prev = '*';
      continue;
    } else if (esc && c == '?') {
      ops[k++] = SG_OP_QMARK;
      prev = '?';
      continue;
    } else if (windash && (c == '-' || c == '/') &&
               (prev < 0 || !is_word(prev)) && i + 1 < n &&
               is_word((unsigned char)p[i + 1])) {
      ops[k++] = SG_OP_DASH;
      prev = c;
      continue;
    }
    prev = c;
    ops[k++] = cased ? c : (uint16_t)sp_lower(c);
  }
  return k;
}

bool sg_pat_compile(sg_arena *a, const char *p, size_t n, bool cased,
                    bool windash, bool lead, bool trail, sg_pat *out) {
  return sg_pat_compile_ex(a, p, n, true, cased, windash, lead, trail, out);
}

bool sg_pat_compile_ex(sg_arena *a, const char *p, size_t n, bool esc,
                       bool cased, bool windash, bool lead, bool trail,
                       sg_pat *out) {
  uint16_t *ops = sg_alloc(a, (n + 2) * sizeof *ops);
  if (!ops)
    return false;
  size_t k = 0;
  if (lead)
    ops[k++] = SG_OP_STAR;
  k += pat_ops(p, n, esc, windash, cased, ops + k);
  if (trail)
    ops[k++] = SG_OP_STAR;
  /* Classify: stars only at the ends and nothing else special. */
  size_t b = 0, e = k;
  while (b < e && ops[b] == SG_OP_STAR)
    b++;
  while (e > b && ops[e - 1] == SG_OP_STAR)
    e--;
  bool simple = true;
  for (size_t i = b; i < e; i++)
    if (ops[i] > 255)
      simple = false;
  memset(out, 0, sizeof *out);
  out->cased = cased;
  if (simple) {
    char *lit = sg_alloc(a, e - b + 1);
    if (!lit)
      return false;
    for (size_t i = b; i < e; i++)
      lit[i - b] = (char)ops[i];
    out->lit = lit;
    out->n = e - b;
    bool l = b > 0, t = e < k;
    out->kind = l && t ? SG_P_CONTAINS
                : l    ? SG_P_SUFFIX
                : t    ? SG_P_PREFIX
                       : SG_P_EXACT;
    if (l && t && b == e) /* only stars: anything */
      out->kind = SG_P_CONTAINS;
    return true;
  }
  out->kind = SG_P_GLOB;
  out->ops = ops;
  out->nops = k;
  return true;
}

/* Length of the op at s (0: no match). */
static size_t op_len(uint16_t op, const unsigned char *s, size_t n) {
  if (n == 0)
    return 0;
  if (op < 256)
    return s[0] == op ? 1 : 0;
  if (op == SG_OP_QMARK) {
    size_t l = 1;
    if (s[0] >= 0xC0)
      while (l < n && l < 4 && (s[l] & 0xC0) == 0x80)
        l++;
    return l;
  }
  /* SG_OP_DASH: - / U+2013 U+2014 U+2015 */
  if (s[0] == '-' || s[0] == '/')
    return 1;
  if (n >= 3 && s[0] == 0xE2 && s[1] == 0x80 && s[2] >= 0x93 && s[2] <= 0x95)
    return 3;
  return 0;
}

static bool glob(const uint16_t *ops, size_t no, const unsigned char *s,
                 size_t sn) {
  size_t pi = 0, si = 0, star = (size_t)-1, mark = 0;
  while (si < sn) {
    size_t l;
    if (pi < no && ops[pi] == SG_OP_STAR) {
      star = pi++;
      mark = si;
    } else if (pi < no && (l = op_len(ops[pi], s + si, sn - si)) > 0) {
      pi++;
      si += l;
    } else if (star != (size_t)-1) {
      pi = star + 1;
      /* advance one character */
      size_t l1 = 1;
      if (s[mark] >= 0xC0)
        while (mark + l1 < sn && l1 < 4 && (s[mark + l1] & 0xC0) == 0x80)
          l1++;
      mark += l1;
      si = mark;
    } else {
      return false;
    }
  }
  while (pi < no && ops[pi] == SG_OP_STAR)
    pi++;
  return pi == no;
}

bool sg_pat_match(const sg_pat *p, const char *s, size_t n) {
  switch (p->kind) {
  case SG_P_EXACT:
    return n == p->n && (n == 0 || memcmp(s, p->lit, n) == 0);
  case SG_P_PREFIX:
    return n >= p->n && memcmp(s, p->lit, p->n) == 0;
  case SG_P_SUFFIX:
    return n >= p->n && memcmp(s + n - p->n, p->lit, p->n) == 0;
  case SG_P_CONTAINS:
    return p->n == 0 || (n >= p->n && memmem(s, n, p->lit, p->n) != NULL);
  default:
    return glob(p->ops, p->nops, (const unsigned char *)s, n);
  }
}

/* ---- encodings -------------------------------------------------------- */
typedef struct bytes {
  char *p;
  size_t n;
} bytes;

static const char b64c[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static bytes b64(sg_arena *a, const char *p, size_t n) {
  bytes o = {sg_alloc(a, (n + 2) / 3 * 4 + 1), 0};
  if (!o.p)
    return o;
  const unsigned char *u = (const unsigned char *)p;
  size_t i = 0;
  for (; i + 3 <= n; i += 3) {
    uint32_t v = (uint32_t)u[i] << 16 | (uint32_t)u[i + 1] << 8 | u[i + 2];
    o.p[o.n++] = b64c[v >> 18];
    o.p[o.n++] = b64c[(v >> 12) & 63];
    o.p[o.n++] = b64c[(v >> 6) & 63];
    o.p[o.n++] = b64c[v & 63];
  }
  if (n - i == 1) {
    uint32_t v = (uint32_t)u[i] << 16;
    o.p[o.n++] = b64c[v >> 18];
    o.p[o.n++] = b64c[(v >> 12) & 63];
    o.p[o.n++] = '=';
    o.p[o.n++] = '=';
  } else if (n - i == 2) {
    uint32_t v = (uint32_t)u[i] << 16 | (uint32_t)u[i + 1] << 8;
    o.p[o.n++] = b64c[v >> 18];
    o.p[o.n++] = b64c[(v >> 12) & 63];
    o.p[o.n++] = b64c[(v >> 6) & 63];
    o.p[o.n++] = '=';
  }
  return o;
}

/* UTF-8 to UTF-16 code units (invalid bytes become U+FFFD). */
static bytes utf16(sg_arena *a, const char *p, size_t n, bool be, bool bom) {
  bytes o = {sg_alloc(a, n * 4 + 2), 0};
  if (!o.p)
    return o;
  const unsigned char *u = (const unsigned char *)p;
#define PUT16(x)                                                               \
  do {                                                                         \
    unsigned w_ = (x);                                                         \
    o.p[o.n++] = (char)(be ? w_ >> 8 : w_ & 0xff);                             \
    o.p[o.n++] = (char)(be ? w_ & 0xff : w_ >> 8);                             \
  } while (0)
  if (bom)
    PUT16(0xFEFF);
  for (size_t i = 0; i < n;) {
    uint32_t cp = u[i];
    size_t l = 1;
    if (cp >= 0xF0 && i + 4 <= n) {
      cp = (cp & 7) << 18 | (u[i + 1] & 63u) << 12 | (u[i + 2] & 63u) << 6 |
           (u[i + 3] & 63u);
      l = 4;
    } else if (cp >= 0xE0 && i + 3 <= n) {
      cp = (cp & 15) << 12 | (u[i + 1] & 63u) << 6 | (u[i + 2] & 63u);
      l = 3;
    } else if (cp >= 0xC0 && i + 2 <= n) {
      cp = (cp & 31) << 6 | (u[i + 1] & 63u);
      l = 2;
    } else if (cp >= 0x80) {
      cp = 0xFFFD;
    }
    i += l;
    if (cp >= 0x10000) {
      cp -= 0x10000;
      PUT16(0xD800 + (cp >> 10));
      PUT16(0xDC00 + (cp & 0x3ff));
    } else {
      PUT16(cp);
    }
  }
#undef PUT16
  return o;
}

/* The three base64 forms of p at byte offsets 0, 1, 2 in a longer
 * stream, cut to the characters that do not depend on the neighbours (the
 * Sigma specification's base64offset). */
static size_t b64offset(sg_arena *a, const char *p, size_t n, bytes *out) {
  static const size_t start[3] = {0, 2, 3};
  static const size_t endcut[3] = {0, 3, 2};
  size_t k = 0;
  for (size_t i = 0; i < 3; i++) {
    char *tmp = sg_alloc(a, n + 3);
    if (!tmp)
      return k;
    memset(tmp, ' ', i);
    memcpy(tmp + i, p, n);
    bytes e = b64(a, tmp, n + i);
    if (!e.p)
      return k;
    size_t cut = endcut[(n + i) % 3];
    if (e.n < start[i] + cut)
      continue;
    out[k].p = e.p + start[i];
    out[k].n = e.n - start[i] - cut;
    if (out[k].n)
      k++;
  }
  return k;
}

/* ---- values ----------------------------------------------------------- */
static sg_val *push(sp_sigma *s, sg_val **vals, size_t *n, size_t *cap) {
  sg_arena *a = &s->arena;
  if (*n >= SG_MAX_VALUES || ++s->rule_values > SG_MAX_RULE_VALUES)
    return NULL; /* YAML aliases can repeat a big list many times */
  if (*n == *cap) {
    size_t nc = *cap ? *cap * 2 : 4;
    sg_val *nv = sg_alloc(a, nc * sizeof *nv);
    if (!nv)
      return NULL;
    if (*n)
      memcpy(nv, *vals, *n * sizeof *nv);
    *vals = nv;
    *cap = nc;
  }
  sg_val *v = &(*vals)[(*n)++];
  memset(v, 0, sizeof *v);
  return v;
}

static bool parse_num(const char *p, size_t n, double *d, int64_t *i,
                      bool *is_int) {
  char buf[64];
  if (n == 0 || n >= sizeof buf)
    return false;
  memcpy(buf, p, n);
  buf[n] = 0;
  char *end;
  errno = 0;
  long long ll = strtoll(buf, &end, 10);
  if (*end == 0 && errno == 0) {
    *i = ll;
    *d = (double)ll;
    *is_int = true;
    return true;
  }
  errno = 0;
  double x = strtod(buf, &end);
  if (*end == 0 && errno == 0 && isfinite(x)) {
    *d = x;
    *is_int = false;
    return true;
  }
  return false;
}

static bool plain_is(sg_scalar v, const char *w) {
  return v.plain && strlen(w) == v.n && memcmp(v.p, w, v.n) == 0;
}

static bool scalar_null(sg_scalar v) {
  return v.plain && (v.n == 0 || plain_is(v, "null") || plain_is(v, "Null") ||
                     plain_is(v, "NULL") || plain_is(v, "~"));
}

/* Resolve escapes into raw bytes; false when the text holds a wildcard. */
static bool unescape(sg_arena *a, const char *p, size_t n, bytes *out) {
  out->p = sg_alloc(a, n + 1);
  out->n = 0;
  if (!out->p)
    return false;
  for (size_t i = 0; i < n; i++) {
    char c = p[i];
    if (c == '\\' && i + 1 < n &&
        (p[i + 1] == '*' || p[i + 1] == '?' || p[i + 1] == '\\'))
      c = p[++i];
    else if (c == '*' || c == '?')
      return false;
    out->p[out->n++] = c;
  }
  return true;
}

bool sg_value_compile(sp_sigma *s, const sg_mods *m, sg_scalar v, sg_val **vals,
                      size_t *n, size_t *cap, sg_cerr *e) {
  sg_arena *a = &s->arena;
  sg_val *x;
#define PUSH()                                                                 \
  do {                                                                         \
    if (!(x = push(s, vals, n, cap))) {                                        \
      sg_fail(e, "too many values (or out of memory)");                        \
      return false;                                                            \
    }                                                                          \
  } while (0)
  if (m->expand) { /* sg_ph_rewrite expands every item it can */
    char why[200];
    sg_ph_explain(s, v.p, v.n, why, sizeof why);
    sg_fail(e, "%s", why);
    return false;
  }
  if (m->exists) {
    bool t = plain_is(v, "true") || plain_is(v, "True") || plain_is(v, "yes");
    bool f = plain_is(v, "false") || plain_is(v, "False") || plain_is(v, "no");
    if (!t && !f) {
      sg_fail(e, "exists needs true or false");
      return false;
    }
    PUSH();
    x->type = SG_V_EXISTS;
    x->b = t;
    return true;
  }
  if (scalar_null(v) && !m->contains && !m->startswith && !m->endswith &&
      !m->re && !m->nenc) {
    PUSH();
    x->type = SG_V_NULL;
    return true;
  }
  if (m->fieldref) {
    PUSH();
    x->type = SG_V_FIELDREF;
    x->ref = sp_names_field(s->names, v.p, v.n);
    x->b = m->cased;
    x->part = m->contains     ? SG_P_CONTAINS
              : m->startswith ? SG_P_PREFIX
              : m->endswith   ? SG_P_SUFFIX
                              : SG_P_EXACT;
    if (x->ref < 0) {
      sg_fail(e, "fieldref: bad field name");
      return false;
    }
    return true;
  }
  if (m->cidr) {
    PUSH();
    x->type = SG_V_CIDR;
    if (!sp_cidr_parse(sp_str_make(v.p, v.n), &x->net, &x->prefix)) {
      sg_fail(e, "cidr: bad network '%.*s'", (int)(v.n > 60 ? 60 : v.n), v.p);
      return false;
    }
    return true;
  }
  if (m->part >= 0 || m->cmp >= 0 || m->neq) {
    PUSH();
    bool isint = false;
    if (!parse_num(v.p, v.n, &x->num, &x->inum, &isint)) {
      if (m->neq && m->part < 0 && m->cmp < 0) { /* neq on a string */
        x->type = SG_V_STR;
        x->cmp = SG_CMP_NEQ;
        return sg_pat_compile(a, v.p, v.n, m->cased, m->windash, false, false,
                              &x->pat) ||
               (sg_fail(e, "out of memory"), false);
      }
      sg_fail(e, "comparison needs a number, got '%.*s'",
              (int)(v.n > 40 ? 40 : v.n), v.p);
      return false;
    }
    x->is_int = isint;
    x->type = m->part >= 0 ? SG_V_TIME : SG_V_NUM;
    x->part = (uint8_t)(m->part >= 0 ? m->part : 0);
    x->cmp = (uint8_t)(m->neq ? SG_CMP_NEQ : m->cmp >= 0 ? m->cmp : SG_CMP_EQ);
    return true;
  }
  if (m->re) {
    PUSH();
    x->type = SG_V_RE;
    uint32_t fl = PCRE2_UTF | PCRE2_MATCH_INVALID_UTF;
    if (m->re_i)
      fl |= PCRE2_CASELESS;
    if (m->re_m)
      fl |= PCRE2_MULTILINE;
    if (m->re_s)
      fl |= PCRE2_DOTALL;
    int ec;
    PCRE2_SIZE eo;
    x->re = pcre2_compile((PCRE2_SPTR)v.p, v.n, fl, &ec, &eo, NULL);
    if (!x->re) {
      PCRE2_UCHAR buf[120];
      pcre2_get_error_message(ec, buf, sizeof buf);
      sg_fail(e, "bad regex at offset %zu: %s", (size_t)eo, (char *)buf);
      return false;
    }
    if (s->ncodes == s->capcodes) {
      size_t nc = s->capcodes ? s->capcodes * 2 : 64;
      pcre2_code **nv = realloc(s->codes, nc * sizeof *nv);
      if (!nv) {
        pcre2_code_free(x->re);
        x->re = NULL;
        sg_fail(e, "out of memory");
        return false;
      }
      s->codes = nv;
      s->capcodes = nc;
    }
    s->codes[s->ncodes++] = x->re;
    (void)pcre2_jit_compile(x->re, PCRE2_JIT_COMPLETE); /* else interpreted */
    /* The literal every match contains gates the regex (the prefilter's
     * nec, looked for caselessly): relit.c gives one only where it is in
     * every match byte for byte, or in every case when the regex is
     * caseless (re|i or a leading (?i)); other inline options give none. */
    if (v.n <= 4096) {
      char *lit = sg_alloc(a, v.n ? v.n : 1);
      size_t ln = lit ? sp_re_required_literal(v.p, v.n, m->re_i, lit) : 0;
      if (ln >= 4) {
        x->relit = lit;
        x->relit_n = (uint32_t)ln;
      }
    }
    return true;
  }
  bool lead = m->contains || m->endswith, trail = m->contains || m->startswith;
  if (!m->nenc) {
    PUSH();
    double d;
    int64_t i64;
    bool isint;
    if (v.plain && !lead && !trail && parse_num(v.p, v.n, &d, &i64, &isint)) {
      x->type = SG_V_NUM; /* numeric equality, or the same text */
      x->cmp = SG_CMP_EQ;
      x->num = d;
      x->inum = i64;
      x->is_int = isint;
    } else {
      x->type = SG_V_STR;
    }
    if (!sg_pat_compile(a, v.p, v.n, m->cased, m->windash, lead, trail,
                        &x->pat)) {
      sg_fail(e, "out of memory");
      return false;
    }
    return true;
  }
  /* Encodings, in order. */
  bytes cur[8];
  size_t nc = 1;
  if (!unescape(a, v.p, v.n, &cur[0])) {
    sg_fail(e, "wildcard in a value with an encoding modifier");
    return false;
  }
  for (int k = 0; k < m->nenc; k++) {
    bytes next[8];
    size_t nn = 0;
    for (size_t j = 0; j < nc; j++) {
      switch (m->enc_order[k]) {
      case 1:
        next[nn++] = utf16(a, cur[j].p, cur[j].n, false, false);
        break;
      case 2:
        next[nn++] = utf16(a, cur[j].p, cur[j].n, true, false);
        break;
      case 3:
        next[nn++] = utf16(a, cur[j].p, cur[j].n, false, true);
        break;
      case 4:
        next[nn++] = b64(a, cur[j].p, cur[j].n);
        break;
      default:
        if (nn + 3 > 8) {
          sg_fail(e, "too many encoded variants");
          return false;
        }
        nn += b64offset(a, cur[j].p, cur[j].n, next + nn);
        break;
      }
      if (nn && !next[nn - 1].p) {
        sg_fail(e, "out of memory");
        return false;
      }
    }
    memcpy(cur, next, nn * sizeof *cur);
    nc = nn;
  }
  for (size_t j = 0; j < nc; j++) {
    PUSH();
    x->type = SG_V_STR;
    if (!sg_pat_compile_ex(a, cur[j].p, cur[j].n, false, true, false, lead,
                           trail, &x->pat)) {
      sg_fail(e, "out of memory");
      return false;
    }
  }
  return true;
#undef PUSH
}
