/*
 * stix.c - JSON indicator files: STIX 2.1 bundles (indicator objects with
 * STIX patterns) and MISP JSON (event exports, restSearch responses,
 * attribute lists). The STIX pattern subset spoor matches: comparisons
 * "=" and "IN" (and ISSUBSET on addresses, a CIDR) of ipv4-addr:value,
 * ipv6-addr:value, domain-name:value, url:value, file:hashes.*, file:name,
 * email-addr:value, email-message:from_ref.value, network-traffic:src_ref /
 * dst_ref.value, user-agent values (any path ending in 'User-Agent' or
 * user-agent:value) and JA3/JA4 (x-ja3 / x-ja4 paths), combined by AND, OR
 * and FOLLOWEDBY (read as AND) inside and across observation expressions;
 * qualifiers (WITHIN, REPEATS, START/STOP) are ignored. The pattern becomes
 * an OR of AND terms (at most MAX_TERMS terms of MAX_ATOMS comparisons);
 * a term with a comparison spoor cannot match is dropped, an indicator with
 * no term left counts as unsupported. Owns nothing past a call.
 */
#include "core/jsontree.h"
#include "core/timeutil.h"
#include "ioc/ioc_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_TERMS 64
#define MAX_ATOMS 16
#define MAX_POOL 256

typedef struct atom {
  sp_ioc_type t;
  bool ok;
  sp_str v; /* into the pattern scratch */
} atom;

typedef struct dnf {
  uint16_t n;
  uint8_t len[MAX_TERMS];
  uint16_t a[MAX_TERMS][MAX_ATOMS];
  bool overflow;
} dnf;

typedef struct pp {
  const char *p, *end;
  atom pool[MAX_POOL];
  size_t np;
  char buf[8192]; /* unescaped string values */
  size_t bn;
  bool err;
  int depth;
} pp;

static void ws(pp *x) {
  while (x->p < x->end &&
         (*x->p == ' ' || *x->p == '\t' || *x->p == '\n' || *x->p == '\r'))
    x->p++;
}

static bool kw(pp *x, const char *w) {
  ws(x);
  size_t n = strlen(w);
  if ((size_t)(x->end - x->p) < n || !sp_mem_ieq(x->p, w, n))
    return false;
  if ((size_t)(x->end - x->p) > n) {
    char c = x->p[n];
    if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_')
      return false;
  }
  x->p += n;
  return true;
}

static bool ch(pp *x, char c) {
  ws(x);
  if (x->p < x->end && *x->p == c) {
    x->p++;
    return true;
  }
  return false;
}

/* 'string' with \' and \\ escapes. */
static bool str_lit(pp *x, sp_str *out) {
  ws(x);
  if (x->p < x->end && (*x->p == 'b' || *x->p == 'h' || *x->p == 't') &&
      x->end - x->p > 1 && x->p[1] == '\'')
    x->p++; /* binary, hex or timestamp literal: read as text */
  if (x->p >= x->end || *x->p != '\'')
    return false;
  x->p++;
  size_t start = x->bn;
  while (x->p < x->end && *x->p != '\'') {
    char c = *x->p++;
    if (c == '\\' && x->p < x->end)
      c = *x->p++;
    if (x->bn >= sizeof x->buf - 1)
      return false;
    x->buf[x->bn++] = c;
  }
  if (x->p >= x->end)
    return false;
  x->p++;
  *out = sp_str_make(x->buf + start, x->bn - start);
  return true;
}

/* object-type:path as text */
static bool path_tok(pp *x, sp_str *out) {
  ws(x);
  const char *s = x->p;
  while (x->p < x->end) {
    char c = *x->p;
    if (c == '\'') { /* quoted path component */
      x->p++;
      while (x->p < x->end && *x->p != '\'')
        x->p++;
      if (x->p < x->end)
        x->p++;
      continue;
    }
    if (c == ' ' || c == '=' || c == '!' || c == '<' || c == '>' || c == ']' ||
        c == ')' || c == '\t' || c == '\n')
      break;
    x->p++;
  }
  *out = sp_str_make(s, (size_t)(x->p - s));
  return out->n > 0;
}

static bool path_type(sp_str path, sp_ioc_type *t) {
  sp_str pt = path;
  if (sp_str_istarts(pt, "ipv4-addr:value") ||
      sp_str_istarts(pt, "ipv6-addr:value"))
    *t = SP_IOC_IP;
  else if (sp_str_istarts(pt, "domain-name:value"))
    *t = SP_IOC_DOMAIN;
  else if (sp_str_istarts(pt, "url:value"))
    *t = SP_IOC_URL;
  else if (sp_str_istarts(pt, "email-addr:value") ||
           (sp_str_istarts(pt, "email-message:") && sp_str_iends(pt, ".value")))
    *t = SP_IOC_EMAIL;
  else if (sp_str_istarts(pt, "network-traffic:") &&
           (sp_str_iends(pt, "src_ref.value") ||
            sp_str_iends(pt, "dst_ref.value")))
    *t = SP_IOC_IP; /* the value decides: IP or domain (below) */
  else if (sp_str_iends(pt, "User-Agent'") || sp_str_iends(pt, "user_agent") ||
           sp_str_istarts(pt, "user-agent:value") ||
           sp_str_istarts(pt, "x-user-agent:value"))
    *t = SP_IOC_UA;
  else if (sp_str_ifind(pt, ":hashes.") >= 0) {
    if (sp_str_ifind(pt, "SHA-256") >= 0 || sp_str_ifind(pt, "SHA256") >= 0)
      *t = SP_IOC_SHA256;
    else if (sp_str_ifind(pt, "SHA-1") >= 0 || sp_str_ifind(pt, "SHA1") >= 0)
      *t = SP_IOC_SHA1;
    else if (sp_str_ifind(pt, "MD5") >= 0)
      *t = SP_IOC_MD5;
    else
      return false;
  } else if (sp_str_istarts(pt, "file:name"))
    *t = SP_IOC_FILENAME;
  else if (sp_str_istarts(pt, "x-ja3") || sp_str_ifind(pt, ":ja3") >= 0)
    *t = SP_IOC_JA3;
  else if (sp_str_istarts(pt, "x-ja4") || sp_str_ifind(pt, ":ja4") >= 0)
    *t = SP_IOC_JA4;
  else
    return false;
  return true;
}

static void dnf_atom(dnf *d, uint16_t a) {
  d->overflow = false;
  d->n = 1;
  d->len[0] = 1;
  d->a[0][0] = a;
}

static void dnf_or(dnf *d, const dnf *b) {
  for (uint16_t i = 0; i < b->n; i++) {
    if (d->n >= MAX_TERMS) {
      d->overflow = true;
      return;
    }
    d->len[d->n] = b->len[i];
    memcpy(d->a[d->n], b->a[i], b->len[i] * sizeof(uint16_t));
    d->n++;
  }
  d->overflow |= b->overflow;
}

static void dnf_and(dnf *d, const dnf *b, dnf *tmp) {
  tmp->n = 0;
  tmp->overflow = d->overflow || b->overflow;
  for (uint16_t i = 0; i < d->n; i++)
    for (uint16_t j = 0; j < b->n; j++) {
      if (tmp->n >= MAX_TERMS || d->len[i] + b->len[j] > MAX_ATOMS) {
        tmp->overflow = true;
        continue;
      }
      uint8_t k = 0;
      for (uint8_t q = 0; q < d->len[i]; q++)
        tmp->a[tmp->n][k++] = d->a[i][q];
      for (uint8_t q = 0; q < b->len[j]; q++)
        tmp->a[tmp->n][k++] = b->a[j][q];
      tmp->len[tmp->n++] = k;
    }
  *d = *tmp;
}

static bool comp_or(pp *x, dnf *out);

/* path op value | ( comp_or ) | NOT comp */
static bool comp(pp *x, dnf *out) {
  if (++x->depth > 32)
    return false;
  bool r = false;
  if (ch(x, '(')) {
    r = comp_or(x, out) && ch(x, ')');
    x->depth--;
    return r;
  }
  bool neg = kw(x, "NOT");
  sp_str path;
  if (!path_tok(x, &path))
    return false;
  sp_ioc_type t = SP_IOC_IP;
  bool known = path_type(path, &t) && !neg;
  ws(x);
  enum { EQ, IN, SUBSET, OTHER } op = OTHER;
  if (ch(x, '='))
    op = EQ;
  else if (kw(x, "IN"))
    op = IN;
  else if (kw(x, "ISSUBSET"))
    op = SUBSET;
  else {
    /* !=, <, >, <=, >=, LIKE, MATCHES, ISSUPERSET: parsed, not matched */
    while (x->p < x->end &&
           (*x->p == '!' || *x->p == '<' || *x->p == '>' || *x->p == '='))
      x->p++;
    if (!(kw(x, "LIKE") || kw(x, "MATCHES") || kw(x, "ISSUPERSET")))
      ws(x);
  }
  out->n = 0;
  out->overflow = false;
  if (ch(x, '(')) { /* a set: each value OR'ed */
    do {
      sp_str v;
      if (!str_lit(x, &v)) {
        /* numbers in a set */
        ws(x);
        while (x->p < x->end && *x->p != ',' && *x->p != ')')
          x->p++;
        v = sp_str_make(NULL, 0);
      }
      if (x->np >= MAX_POOL)
        return false;
      atom *a = &x->pool[x->np];
      a->t = t;
      a->v = v;
      a->ok = known && op == IN && v.n;
      dnf one;
      dnf_atom(&one, (uint16_t)x->np++);
      dnf_or(out, &one);
    } while (ch(x, ','));
    r = ch(x, ')');
  } else {
    sp_str v = sp_str_make(NULL, 0);
    if (!str_lit(x, &v)) {
      ws(x);
      while (x->p < x->end && *x->p != ']' && *x->p != ')' && *x->p != ' ')
        x->p++; /* a number or boolean */
    }
    if (x->np >= MAX_POOL)
      return false;
    atom *a = &x->pool[x->np];
    a->t = t;
    a->v = v;
    a->ok = known && v.n && (op == EQ || (op == SUBSET && t == SP_IOC_IP));
    dnf_atom(out, (uint16_t)x->np++);
    r = true;
  }
  x->depth--;
  return r;
}

static bool comp_and(pp *x, dnf *out) {
  if (!comp(x, out))
    return false;
  dnf *b = malloc(2 * sizeof *b);
  if (!b)
    return false;
  bool ok = true;
  while (kw(x, "AND")) {
    if (!(ok = comp(x, &b[0])))
      break;
    dnf_and(out, &b[0], &b[1]);
  }
  free(b);
  return ok;
}

static bool comp_or(pp *x, dnf *out) {
  if (!comp_and(x, out))
    return false;
  dnf *b = malloc(sizeof *b);
  if (!b)
    return false;
  bool ok = true;
  while (kw(x, "OR")) {
    if (!(ok = comp_and(x, b)))
      break;
    dnf_or(out, b);
  }
  free(b);
  return ok;
}

static void qualifiers(pp *x) {
  for (;;) {
    if (kw(x, "WITHIN") || kw(x, "REPEATS")) {
      ws(x);
      while (x->p < x->end && *x->p != ' ')
        x->p++;
      (void)(kw(x, "SECONDS") || kw(x, "TIMES"));
    } else if (kw(x, "START") || kw(x, "STOP")) {
      sp_str v;
      (void)str_lit(x, &v);
    } else
      return;
  }
}

static bool obs_or(pp *x, dnf *out);

static bool obs_term(pp *x, dnf *out) {
  if (++x->depth > 32)
    return false;
  bool r;
  if (ch(x, '['))
    r = comp_or(x, out) && ch(x, ']');
  else if (ch(x, '('))
    r = obs_or(x, out) && ch(x, ')');
  else
    r = false;
  if (r)
    qualifiers(x);
  x->depth--;
  return r;
}

static bool obs_and(pp *x, dnf *out) {
  if (!obs_term(x, out))
    return false;
  dnf *b = malloc(2 * sizeof *b);
  if (!b)
    return false;
  bool ok = true;
  while (kw(x, "AND") || kw(x, "FOLLOWEDBY")) {
    if (!(ok = obs_term(x, &b[0])))
      break;
    dnf_and(out, &b[0], &b[1]);
  }
  free(b);
  return ok;
}

static bool obs_or(pp *x, dnf *out) {
  if (!obs_and(x, out))
    return false;
  dnf *b = malloc(sizeof *b);
  if (!b)
    return false;
  bool ok = true;
  while (kw(x, "OR")) {
    if (!(ok = obs_and(x, b)))
      break;
    dnf_or(out, b);
  }
  free(b);
  return ok;
}

/* Parse a pattern and add its usable terms. Returns false on a syntax
 * error (the caller counts it as a bad entry). */
static sp_err add_pattern(sp_ioc_set *s, sp_ioc_meta *m, sp_str pat,
                          bool *bad) {
  pp *x = calloc(1, sizeof *x);
  dnf *d = calloc(1, sizeof *d);
  sp_err e = SP_OK;
  *bad = false;
  if (!x || !d) {
    free(x);
    free(d);
    return SP_ENOMEM;
  }
  x->p = pat.p;
  x->end = pat.p + pat.n;
  if (!obs_or(x, d) || (ws(x), x->p != x->end)) {
    *bad = true;
    goto out;
  }
  size_t added = 0;
  for (uint16_t i = 0; i < d->n && !e; i++) {
    bool usable = true;
    for (uint8_t k = 0; k < d->len[i]; k++) {
      atom *a = &x->pool[d->a[i][k]];
      if (a->ok && a->t == SP_IOC_IP && !sp_ioc_valid(SP_IOC_IP, a->v))
        a->t = SP_IOC_DOMAIN; /* network-traffic ref to a domain */
      usable &= a->ok && sp_ioc_valid(a->t, a->v);
    }
    if (!usable)
      continue;
    size_t first = s->n;
    for (uint8_t k = 0; k < d->len[i] && !e; k++) {
      atom *a = &x->pool[d->a[i][k]];
      e = sp_ioc_add_ex(s, m, a->t, a->v, sp_str_make(NULL, 0));
    }
    if (e)
      break;
    for (size_t k = first; k < s->n; k++) {
      s->ind[k].group = (uint32_t)first;
      s->ind[k].group_n = (uint32_t)(s->n - first);
    }
    added++;
  }
  if (!e && !added)
    sp_ioc_skip_add(s, SP_IOC_SKIP_UNSUPPORTED);
  if (!e && d->overflow)
    sp_ioc_skip_add(s, SP_IOC_SKIP_CUT);
out:
  free(x);
  free(d);
  return e;
}

/* The 1-based line of a byte offset (for messages). */
static size_t line_of(const char *buf, size_t off) {
  size_t l = 1;
  for (size_t i = 0; i < off; i++)
    l += buf[i] == '\n';
  return l;
}

static sp_err stix_object(sp_ioc_set *s, const sp_jtree *j, uint32_t o,
                          sp_ioc_meta base, const sp_jtree *jr, uint32_t objs) {
  if (!sp_str_eq(sp_jtree_get_str(j, o, "type"), "indicator"))
    return SP_OK;
  sp_str ptype = sp_jtree_get_str(j, o, "pattern_type");
  sp_str pat = sp_jtree_get_str(j, o, "pattern");
  if ((ptype.n && !sp_str_eq(ptype, "stix")) || !pat.n) {
    sp_ioc_skip_add(s, SP_IOC_SKIP_UNSUPPORTED);
    return SP_OK;
  }
  sp_ioc_meta m = base;
  sp_str name = sp_jtree_get_str(j, o, "name");
  sp_str desc = sp_jtree_get_str(j, o, "description");
  /* Provider: the identity named by created_by_ref, else the name. */
  sp_str by = sp_jtree_get_str(j, o, "created_by_ref");
  sp_str feed = name;
  if (by.n && objs != SP_JNONE)
    for (uint32_t c = sp_jtree_child(jr, objs); c != SP_JNONE;
         c = sp_jtree_next(jr, c))
      if (sp_str_eq(sp_jtree_get_str(jr, c, "id"), "") == false &&
          sp_jtree_get_str(jr, c, "id").n == by.n &&
          memcmp(sp_jtree_get_str(jr, c, "id").p, by.p, by.n) == 0) {
        sp_str nm = sp_jtree_get_str(jr, c, "name");
        if (nm.n)
          feed = nm;
        break;
      }
  m.feed = sp_ioc_str(s, feed.p, feed.n);
  m.comment = sp_ioc_str(s, desc.p, desc.n);
  m.pattern = sp_ioc_str(s, pat.p, pat.n);
  uint32_t refs = sp_jtree_get(j, o, "external_references");
  for (uint32_t c = sp_jtree_child(j, refs); c != SP_JNONE;
       c = sp_jtree_next(j, c)) {
    sp_str u = sp_jtree_get_str(j, c, "url");
    if (u.n) {
      m.reference = sp_ioc_str(s, u.p, u.n);
      break;
    }
  }
  uint64_t conf;
  if (sp_str_to_u64(sp_jtree_get_str(j, o, "confidence"), 100, &conf))
    m.score = (int)conf;
  int64_t until;
  sp_str vu = sp_jtree_get_str(j, o, "valid_until");
  if (vu.n && sp_parse_iso8601(vu, &until))
    m.valid_until = until;
  if (sp_jtree_get(j, o, "revoked") != SP_JNONE &&
      sp_jtree_type(j, sp_jtree_get(j, o, "revoked")) == SP_J_TRUE) {
    sp_ioc_skip_add(s, SP_IOC_SKIP_UNSUPPORTED);
    return SP_OK;
  }
  if (m.feed == UINT32_MAX || m.comment == UINT32_MAX ||
      m.pattern == UINT32_MAX || m.reference == UINT32_MAX)
    return SP_ENOMEM;
  bool bad;
  sp_err e = add_pattern(s, &m, pat, &bad);
  if (!e && bad)
    sp_ioc_skip_add(s, SP_IOC_SKIP_BAD);
  return e;
}

static sp_err misp_attrs(sp_ioc_set *s, const sp_jtree *j, uint32_t arr,
                         const sp_ioc_meta *base) {
  uint32_t cc = 0;
  for (uint32_t a = sp_jtree_child(j, arr); a != SP_JNONE;
       a = sp_jtree_next(j, a)) {
    sp_ioc_meta m = *base;
    sp_str com = sp_jtree_get_str(j, a, "comment");
    if (com.n &&
        (m.comment = sp_ioc_str_cached(s, &cc, com.p, com.n)) == UINT32_MAX)
      return SP_ENOMEM;
    sp_err e = sp_ioc_add_named(s, &m, sp_jtree_get_str(j, a, "type"),
                                sp_jtree_get_str(j, a, "value"));
    if (e)
      return e;
  }
  return SP_OK;
}

static sp_err misp_event(sp_ioc_set *s, const sp_jtree *j, uint32_t ev,
                         sp_ioc_meta base) {
  sp_str info = sp_jtree_get_str(j, ev, "info");
  sp_str org = sp_jtree_get_str(j, sp_jtree_get(j, ev, "Orgc"), "name");
  char feed[600];
  int fn = snprintf(
      feed, sizeof feed, "%.*s%s%.*s", (int)(org.n > 256 ? 256 : org.n), org.p,
      org.n && info.n ? ": " : "", (int)(info.n > 300 ? 300 : info.n), info.p);
  base.feed = sp_ioc_str(s, feed, fn > 0 ? (size_t)fn : 0);
  if (base.feed == UINT32_MAX)
    return SP_ENOMEM;
  sp_err e = misp_attrs(s, j, sp_jtree_get(j, ev, "Attribute"), &base);
  uint32_t objs = sp_jtree_get(j, ev, "Object");
  for (uint32_t o = sp_jtree_child(j, objs); !e && o != SP_JNONE;
       o = sp_jtree_next(j, o))
    e = misp_attrs(s, j, sp_jtree_get(j, o, "Attribute"), &base);
  return e;
}

sp_err sp_ioc_load_json(sp_ioc_set *s, const char *name, const char *buf,
                        size_t n, sp_diag *diag) {
  sp_jtree *j;
  size_t line = 0, off = 0;
  sp_err e = sp_jtree_parse(buf, n, &j, &line, &off);
  if (e) {
    sp_ioc_diag(diag, e, name, line,
                e == SP_ELIMIT ? "JSON nesting or size over the limit"
                               : "malformed JSON");
    return e;
  }
  (void)line_of;
  sp_ioc_meta base = {.score = -1};
  base.source = sp_ioc_str_cached(s, &s->cache_source, name, strlen(name));
  if (base.source == UINT32_MAX) {
    sp_jtree_destroy(j);
    return SP_ENOMEM;
  }
  uint32_t root = 0;
  /* MISP: {"Event":..}, {"response":[{"Event":..}]} or {"response":
   * {"Attribute":[..]}}, or a top-level array of {"Event":..}. */
  uint32_t list = root;
  if (sp_jtree_type(j, root) == SP_J_OBJECT &&
      sp_jtree_get(j, root, "response") != SP_JNONE)
    list = sp_jtree_get(j, root, "response");
  bool misp = sp_jtree_get(j, list, "Event") != SP_JNONE ||
              sp_jtree_get(j, list, "Attribute") != SP_JNONE ||
              (sp_jtree_type(j, list) == SP_J_ARRAY &&
               sp_jtree_get(j, sp_jtree_child(j, list), "Event") != SP_JNONE);
  if (misp) {
    base.format = sp_ioc_str(s, "misp-json", 9);
    if (sp_jtree_type(j, list) == SP_J_OBJECT) {
      if (sp_jtree_get(j, list, "Event") != SP_JNONE)
        e = misp_event(s, j, sp_jtree_get(j, list, "Event"), base);
      else
        e = misp_attrs(s, j, sp_jtree_get(j, list, "Attribute"), &base);
    } else
      for (uint32_t c = sp_jtree_child(j, list); !e && c != SP_JNONE;
           c = sp_jtree_next(j, c))
        e = misp_event(s, j, sp_jtree_get(j, c, "Event"), base);
  } else {
    base.format = sp_ioc_str(s, "stix", 4);
    uint32_t objs = SP_JNONE;
    if (sp_jtree_type(j, root) == SP_J_ARRAY)
      objs = root;
    else if (sp_jtree_get(j, root, "objects") != SP_JNONE)
      objs = sp_jtree_get(j, root, "objects");
    if (objs != SP_JNONE)
      for (uint32_t c = sp_jtree_child(j, objs); !e && c != SP_JNONE;
           c = sp_jtree_next(j, c))
        e = stix_object(s, j, c, base, j, objs);
    else if (sp_str_eq(sp_jtree_get_str(j, root, "type"), "indicator"))
      e = stix_object(s, j, root, base, j, SP_JNONE);
    else {
      sp_ioc_diag(diag, SP_EFORMAT, name, 1,
                  "JSON that is neither a STIX bundle nor a MISP export");
      e = SP_EFORMAT;
    }
  }
  sp_jtree_destroy(j);
  return e;
}
