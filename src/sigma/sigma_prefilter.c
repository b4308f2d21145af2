/*
 * sigma_prefilter.c - one multi-literal matcher per event field, so that
 * the cost of an event grows with the fields it has and the rules of its
 * log source, not with the rules loaded.
 *
 * Every literal string value of every compiled rule (exact, prefix,
 * suffix and contains forms: most Sigma values) gets a pattern id (pid),
 * and so does every integer equality (EventID: 4624) of a field. Equal
 * literals of one field (same bytes, same case flag) share one pattern,
 * which lists the pids it stands for (fan-out); SigmaHQ's windows folder
 * has about half as many distinct patterns as pids. A glob (wildcards,
 * windash) gets a "nec" pid for its longest run of plain bytes: it cannot
 * match a value without it, so it is tested only when that was found.
 *
 * Per field, a literal matcher (sg_lm) finds the patterns in a value: each
 * is indexed by a gram of at most 4 bytes (anywhere: the gram the fewest
 * other patterns chose, so that no bucket fills up with patterns sharing a
 * common word; when all are 6 bytes or more, the first `step` grams of
 * each, and only every step-th position is looked at, step = shortest - 3,
 * at most 16) or of at most 8 bytes (its first
 * bytes for prefix and exact values, its last for suffix, looked up only at
 * the value's start or end); 1 to 3 byte patterns pass a 65,536-bit filter
 * of their first two bytes. A bit filter (at most 8 KiB) over the gram
 * hashes skips most positions, and a candidate is verified with the whole
 * literal. Integer pids are a hash lookup of the value's integer. Building
 * is linear in the literals' bytes: about 0.05 s for SigmaHQ's windows
 * rules, where Hyperscan took 2 s to compile the same literals.
 *
 * Per bucket of the index (a log source) we keep the fields its variants
 * have pids on (only those are scanned) and a matcher of its keyword
 * patterns (keywords are looked for in every value, but only those of the
 * event's own log sources). Items whose every value has a pid are decided
 * by counting their hits (iid); items whose every value has a pid or a nec
 * "gate" their variants (gid): a variant whose condition needs one of its
 * gate items is not evaluated unless one of them was hit.
 *
 * The match callback (sigma_match.c) checks each pid's anchor from the
 * occurrence's end offset and the literal's length (prefix: ends at its
 * length; suffix: ends at the value's end; exact: both) and stamps the
 * pids that matched; a value with a pid is then a lookup. Regex, numeric
 * comparisons, CIDR and other values are tested directly.
 *
 * Owns the matchers and pattern tables (freed by sg_prefilter_free).
 */
#include "core/str.h"
#include "sigma/sigma_int.h"

#include <stdlib.h>
#include <string.h>

#define LM_GANY 4 /* gram of patterns looked for anywhere */
#define LM_GEND 8
#define LM_MAXSTEP                                                             \
  16 /* bounds the grams indexed per pattern */ /* gram of patterns looked for \
                                                   at the start or end */

typedef struct pfe {
  int field;
  uint32_t pid;
  uint8_t kind; /* SG_P_* of the pattern (a nec: SG_P_CONTAINS) */
  bool num;     /* an integer equality: key */
  int64_t key;
  bool caseless;
  const char *lit; /* the value's literal (arena) */
  size_t len;
  sg_val *val;
} pfe;

typedef struct pfl {
  pfe *v;
  size_t n, cap;
  bool oom;
} pfl;

/* ---- the literal matcher ---------------------------------------------- */
#define LM_K 0x9E3779B97F4A7C15ull

static inline uint64_t lm_load(const char *p, size_t g) {
  uint64_t w = 0;
  memcpy(&w, p, g);
  return w;
}

/* ASCII lower case of 8 bytes at once (as sp_lower_copy). */
static inline uint64_t lm_fold(uint64_t x) {
  const uint64_t ones = UINT64_C(0x0101010101010101);
  uint64_t low7 = x & (ones * 0x7f);
  uint64_t above_z = low7 + ones * (0x7f - 'Z');
  uint64_t from_a = low7 + ones * (0x80 - 'A');
  return x | ((from_a & ~above_z) & ~x & (ones * 0x80)) >> 2;
}

/* Fibonacci hash of a gram; its top bits index the filter and buckets. */
static inline uint64_t lm_hash(uint64_t w, unsigned g, unsigned cls) {
  return (w ^ ((uint64_t)(g | cls << 4) << 56)) * LM_K;
}

static inline bool lm_bit(const uint64_t *f, uint64_t b) {
  return f[b >> 6] >> (b & 63) & 1;
}

/* The entries of gram w (length g, class cls) found in full in b[0..n)
 * (gram at p). */
static void lm_probe(const sp_sigma *s, const sg_lm *lm, uint64_t h, uint64_t w,
                     unsigned g, unsigned cls, int cased, const char *b,
                     size_t n, size_t p, bool fr, sg_lm_run *r) {
  uint64_t bk = h >> (64 - lm->bbits);
  for (uint32_t e = lm->off[bk]; e < lm->off[bk + 1]; e++) {
    const sg_lment *x = &lm->ent[e];
    if (x->w != w || x->g != g || x->cls != cls || x->cased != cased)
      continue;
    size_t L = s->pf_plen[x->pat], st;
    if (cls == SG_LM_ANY) {
      if (x->k > p || L > n - (p - x->k) || r->seen[x->pat] == r->epoch)
        continue;
      st = p - x->k;
    } else {
      if (L > n)
        continue;
      st = cls == SG_LM_START ? 0 : n - L;
    }
    if (L > g) { /* 4 more bytes first: most candidates fail there */
      uint32_t c4;
      memcpy(&c4, b + st + (x->chk_first ? 0 : L - 4), 4);
      if ((fr ? (uint32_t)lm_fold(c4) : c4) != x->chk)
        continue;
    }
    if (L == g || (fr ? sp_mem_ieq(b + st, s->pf_plit[x->pat], L)
                      : !memcmp(b + st, s->pf_plit[x->pat], L))) {
      if (cls == SG_LM_ANY) /* its first occurrence serves every later */
        r->seen[x->pat] = r->epoch;
      r->hit(r->ctx, x->pat, st + L);
    }
  }
}

static inline void lm_try(const sp_sigma *s, const sg_lm *lm, uint64_t w,
                          unsigned g, unsigned cls, int c, const char *b,
                          size_t n, size_t p, bool fr, sg_lm_run *r) {
  if (fr)
    w = lm_fold(w);
  uint64_t h = lm_hash(w, g, cls);
  if (lm_bit(lm->filter, h >> (64 - lm->fbits)))
    lm_probe(s, lm, h, w, g, cls, c, b, n, p, fr, r);
}

/* Patterns of 1 to 3 bytes looked for anywhere, at p (their first two
 * bytes pass the short filter). */
static void lm_short(const sp_sigma *s, const sg_lm *lm, unsigned lens,
                     const char *b, size_t n, size_t p, int c, bool fr,
                     sg_lm_run *r) {
  for (unsigned g = 1; g < LM_GANY && g <= n - p; g++)
    if (lens >> (g - 1) & 1)
      lm_try(s, lm, lm_load(b + p, g), g, SG_LM_ANY, c, b, n, p, fr, r);
}

/* Scan b[0..n) for the patterns of case c (fr: b is not folded, fold its
 * grams and compare caselessly). */
static void lm_scan1(const sp_sigma *s, const sg_lm *lm, const char *b,
                     size_t n, int c, bool fr, sg_lm_run *r) {
  /* the gram lengths that fit the value: bit g - 1 */
  unsigned fit = n >= LM_GEND ? 0xffu : (1u << n) - 1;
  for (unsigned bits = lm->glen[c][SG_LM_START] & fit; bits; bits &= bits - 1) {
    unsigned g = (unsigned)__builtin_ctz(bits) + 1;
    lm_try(s, lm, lm_load(b, g), g, SG_LM_START, c, b, n, 0, fr, r);
  }
  for (unsigned bits = lm->glen[c][SG_LM_END] & fit; bits; bits &= bits - 1) {
    unsigned g = (unsigned)__builtin_ctz(bits) + 1;
    lm_try(s, lm, lm_load(b + n - g, g), g, SG_LM_END, c, b, n, n - g, fr, r);
  }
  unsigned lens = lm->glen[c][SG_LM_ANY];
  if (!lens)
    return;
  const uint64_t *f = lm->filter, *sf = lm->sfilter;
  const unsigned fs = 64 - lm->fbits;
  const uint64_t tag = lm_hash(0, LM_GANY, SG_LM_ANY);
  const bool four = lens >> (LM_GANY - 1) & 1, shorts = lens & 7;
  const size_t step = lm->step ? lm->step : 1;
  size_t p = 0;
  const uint64_t *pf = lm->pfilter;
  if (four && !shorts) { /* the usual case: 4-byte grams only */
    for (; p + LM_GANY <= n; p += step) {
      uint32_t w;
      memcpy(&w, b + p, 4);
      if (pf && !lm_bit(pf, (uint16_t)w))
        continue; /* no gram starts with these two bytes */
      if (fr)
        w = (uint32_t)lm_fold(w);
      uint64_t h = w * LM_K + tag; /* lm_hash(w, LM_GANY, SG_LM_ANY) */
      if (lm_bit(f, h >> fs))
        lm_probe(s, lm, h, w, LM_GANY, SG_LM_ANY, c, b, n, p, fr, r);
    }
    return;
  }
  for (; p + LM_GANY <= n; p++) {
    if (four) {
      uint32_t w;
      memcpy(&w, b + p, 4);
      if (fr)
        w = (uint32_t)lm_fold(w);
      uint64_t h = w * LM_K + tag;
      if (lm_bit(f, h >> fs))
        lm_probe(s, lm, h, w, LM_GANY, SG_LM_ANY, c, b, n, p, fr, r);
    }
    uint16_t w2;
    memcpy(&w2, b + p, 2);
    if (fr)
      w2 = (uint16_t)lm_fold(w2);
    if (lm_bit(sf, w2))
      lm_short(s, lm, lens, b, n, p, c, fr, r);
  }
  for (; p < n; p++) { /* the last bytes: short patterns only */
    uint16_t w2 = (uint8_t)b[p];
    if (p + 1 < n)
      w2 |= (uint16_t)((uint8_t)b[p + 1] << 8);
    if (fr)
      w2 = (uint16_t)lm_fold(w2);
    if (lm_bit(sf, w2))
      lm_short(s, lm, lens, b, n, p, c, fr, r);
  }
}

void sg_lm_scan(const sp_sigma *s, const sg_lm *lm, const char *fold,
                const char *raw, size_t n, sg_lm_run *r) {
  if (!lm->off)
    return;
  if (lm->glen[0][0] | lm->glen[0][1] | lm->glen[0][2])
    lm_scan1(s, lm, fold ? fold : raw, n, 0, !fold, r);
  if (lm->glen[1][0] | lm->glen[1][1] | lm->glen[1][2])
    lm_scan1(s, lm, raw, n, 1, false, r);
}

uint32_t sg_lm_num(const sg_lm *lm, int64_t key) {
  if (!lm->nbits)
    return UINT32_MAX;
  size_t mask = ((size_t)1 << lm->nbits) - 1;
  size_t h = (size_t)(((uint64_t)key * LM_K) >> (64 - lm->nbits));
  for (; lm->npat[h] != UINT32_MAX; h = (h + 1) & mask)
    if (lm->nkey[h] == key)
      return lm->npat[h];
  return UINT32_MAX;
}

static void lm_free(sg_lm *lm) {
  free(lm->nkey);
  free(lm->npat);
  free(lm->off);
  free(lm->ent);
  free(lm->filter);
  free(lm->sfilter);
  free(lm->pfilter);
  memset(lm, 0, sizeof *lm);
}

/* How common a gram's bytes are in event values (paths, command lines,
 * names): 0 (rare punctuation) to 12; the anywhere-gram of a pattern is
 * the least chosen and then the least common, so that fewer positions of
 * ordinary values hit it. */
static unsigned gram_commonness(const char *p, unsigned g) {
  unsigned sc = 0;
  for (unsigned i = 0; i < g; i++) {
    unsigned char c = (unsigned char)p[i];
    if (strchr("etaoinsrhlcdmuwx\\. :", c) && c)
      sc += 3;
    else if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
             c == '/' || c == '_')
      sc += 2;
  }
  return sc;
}

/* A pattern and the classes its pids need (bit per SG_LM_*). */
typedef struct lmpat {
  uint32_t pat;
  uint8_t cls, cased;
} lmpat;

/* A stepped scan (every grams of 6 bytes or more, such as the keywords of
 * Mimikatz every Windows event is scanned with) looks at every step-th
 * position; a 65,536-bit table of the first two bytes of its 4-byte grams
 * (every case of a caseless one) lets most positions go for a load and a
 * bit test instead of folding, hashing and the filter. Built when the
 * grams are few enough to leave the table sparse. */
#define LM_PAIRS_MAX 1024
static sp_err lm_pairs(sg_lm *lm) {
  size_t nent = lm->off[(size_t)1 << lm->bbits];
  lm->pfilter = calloc(65536 / 64, sizeof *lm->pfilter);
  if (!lm->pfilter) {
    lm_free(lm);
    return SP_ENOMEM;
  }
  for (size_t i = 0; i < nent; i++) {
    const sg_lment *x = &lm->ent[i];
    if (x->cls != SG_LM_ANY)
      continue;
    unsigned c0 = (uint8_t)x->w, c1 = (uint8_t)(x->w >> 8);
    for (unsigned v = 0; v < 4; v++) { /* both cases of each letter */
      unsigned a = c0, b = c1;
      if (!x->cased && (v & 1) && a >= 'a' && a <= 'z')
        a -= 32;
      if (!x->cased && (v & 2) && b >= 'a' && b <= 'z')
        b -= 32;
      unsigned key = a | b << 8;
      lm->pfilter[key >> 6] |= (uint64_t)1 << (key & 63);
    }
  }
  return SP_OK;
}

/* Build lm over the patterns a[0..na) and b[0..nb). */
static sp_err lm_build(const sp_sigma *s, sg_lm *lm, const lmpat *a, size_t na,
                       const lmpat *bp, size_t nbp) {
  /* Patterns looked for anywhere all of at least LM_GANY + 2 bytes: index
   * the grams at offsets 0..step-1 of each and look at every step-th
   * position only (the gram positions of an occurrence start anywhere, and
   * step consecutive ones hold a multiple of step). */
  size_t minany = SIZE_MAX;
  for (size_t i = 0; i < na + nbp; i++) {
    const lmpat *pp = i < na ? &a[i] : &bp[i - na];
    if (pp->cls >> SG_LM_ANY & 1 && s->pf_plen[pp->pat] < minany)
      minany = s->pf_plen[pp->pat];
  }
  lm->step =
      minany != SIZE_MAX && minany >= LM_GANY + 2
          ? (unsigned)(minany - LM_GANY + 1 < LM_MAXSTEP ? minany - LM_GANY + 1
                                                         : LM_MAXSTEP)
          : 1;
  size_t nent = 0;
  for (size_t i = 0; i < na + nbp; i++) {
    const lmpat *pp = i < na ? &a[i] : &bp[i - na];
    nent += (size_t)__builtin_popcount(pp->cls);
    if (lm->step > 1 && pp->cls >> SG_LM_ANY & 1) {
      size_t L = s->pf_plen[pp->pat];
      /* the grams at offsets 1..step-1: any occurrence puts one of its
       * first step grams on a multiple of step */
      nent += (L - LM_GANY < lm->step - 1 ? L - LM_GANY : lm->step - 1);
    }
  }
  lm->bbits = 4;
  while (((size_t)1 << lm->bbits) < 2 * nent && lm->bbits < 24)
    lm->bbits++;
  lm->fbits = 9; /* at most 8 KiB: the filter stays in the L1 cache */
  while (((size_t)1 << lm->fbits) < 64 * nent && lm->fbits < 16)
    lm->fbits++;
  size_t nb = (size_t)1 << lm->bbits;
  lm->off = calloc(nb + 1, sizeof *lm->off);
  lm->ent = malloc((nent ? nent : 1) * sizeof *lm->ent);
  lm->filter = calloc(((size_t)1 << lm->fbits) / 64, sizeof *lm->filter);
  uint64_t *hs = malloc((nent ? nent : 1) * sizeof *hs);
  sg_lment *tmp = malloc((nent ? nent : 1) * sizeof *tmp);
  if (!lm->off || !lm->ent || !lm->filter || !hs || !tmp) {
    free(hs);
    free(tmp);
    lm_free(lm);
    return SP_ENOMEM;
  }
  size_t k = 0;
  for (size_t i = 0; i < na + nbp; i++) {
    const lmpat *pp = i < na ? &a[i] : &bp[i - na];
    const char *lit = s->pf_plit[pp->pat];
    size_t L = s->pf_plen[pp->pat];
    for (unsigned cls = 0; cls < 3; cls++) {
      if (!(pp->cls >> cls & 1))
        continue;
      unsigned gmax = cls == SG_LM_ANY ? LM_GANY : LM_GEND;
      unsigned g = L < gmax ? (unsigned)L : gmax;
      size_t at = cls == SG_LM_END ? L - g : 0, last = at;
      if (cls == SG_LM_ANY && lm->step > 1) { /* every gram */
        last = L - g < lm->step - 1 ? L - g : lm->step - 1;
      } else if (cls == SG_LM_ANY && L > g) { /* the least chosen gram */
        uint32_t best = UINT32_MAX;
        for (size_t q = 0; q + g <= L && q < 256; q++) {
          uint64_t h = lm_hash(lm_load(lit + q, g), g, cls);
          uint32_t load =
              lm->off[h >> (64 - lm->bbits)] + gram_commonness(lit + q, g) * 8;
          if (load < best) {
            best = load;
            at = q;
          }
        }
        last = at;
      }
      for (size_t q = at; q <= last; q++) {
        uint64_t w = lm_load(lit + q, g), h = lm_hash(w, g, cls);
        lm->off[h >> (64 - lm->bbits)]++;
        /* the check word: the pattern's last 4 bytes, or its first when
         * the gram is at its end (suffix grams, anywhere grams there) */
        bool first = L >= 4 && (cls == SG_LM_END || q + g == L);
        uint32_t chk = 0;
        if (L >= 4)
          memcpy(&chk, lit + (first ? 0 : L - 4), 4);
        tmp[k] = (sg_lment){.w = w,
                            .pat = pp->pat,
                            .chk = chk,
                            .g = (uint8_t)g,
                            .k = (uint8_t)(cls == SG_LM_ANY ? q : 0),
                            .cls = (uint8_t)cls,
                            .cased = pp->cased,
                            .chk_first = first};
        hs[k++] = h;
        uint64_t fb = h >> (64 - lm->fbits);
        lm->filter[fb >> 6] |= (uint64_t)1 << (fb & 63);
      }
      lm->glen[pp->cased][cls] |= (uint8_t)(1u << (g - 1));
      if (cls == SG_LM_ANY && g < LM_GANY) { /* the short filter */
        if (!lm->sfilter)
          lm->sfilter = calloc(65536 / 64, sizeof *lm->sfilter);
        if (!lm->sfilter) {
          free(hs);
          free(tmp);
          lm_free(lm);
          return SP_ENOMEM;
        }
        for (unsigned y = 0; y < 256; y++) { /* second byte: any for g 1 */
          unsigned x = (uint8_t)lit[0] |
                       (g > 1 ? (unsigned)(uint8_t)lit[1] << 8 : y << 8);
          lm->sfilter[x >> 6] |= (uint64_t)1 << (x & 63);
          if (g > 1)
            break;
        }
      }
    }
  }
  lm->joinable = !lm->glen[0][SG_LM_START] && !lm->glen[0][SG_LM_END] &&
                 !(lm->glen[1][0] | lm->glen[1][1] | lm->glen[1][2]);
  for (size_t i = 0; lm->joinable && i < na + nbp; i++) {
    const lmpat *pp = i < na ? &a[i] : &bp[i - na];
    lm->joinable = !memchr(s->pf_plit[pp->pat], 0, s->pf_plen[pp->pat]);
  }
  /* counts to starts, one bucket up (off[b + 1]: start of bucket b); placing
   * advances off[b + 1] to the end of bucket b, the start of b + 1 */
  uint32_t sum = 0;
  for (size_t b = 0; b < nb; b++) {
    uint32_t c = lm->off[b];
    lm->off[b] = sum;
    sum += c;
  }
  memmove(lm->off + 1, lm->off, nb * sizeof *lm->off);
  lm->off[0] = 0;
  for (size_t i = 0; i < k; i++)
    lm->ent[lm->off[(hs[i] >> (64 - lm->bbits)) + 1]++] = tmp[i];
  free(hs);
  free(tmp);
  if (lm->step > 1 && k <= LM_PAIRS_MAX)
    return lm_pairs(lm);
  return SP_OK;
}

/* ---- building the prefilter -------------------------------------------- */
static bool has_alpha(const char *p, size_t n) {
  for (size_t i = 0; i < n; i++)
    if ((p[i] | 0x20) >= 'a' && (p[i] | 0x20) <= 'z')
      return true;
  return false;
}

/* An integer equality the numeric table can decide: an exact integer of
 * at most 2^53 (so that a value read as a double compares the same), on a
 * field (keywords are tested directly). */
static bool num_ok(int field, const sg_val *v) {
  return field >= 0 && v->type == SG_V_NUM && v->cmp == SG_CMP_EQ &&
         v->is_int && v->inum >= -SG_NUM_EXACT && v->inum <= SG_NUM_EXACT;
}

static bool grow(pfl *l) {
  if (l->n < l->cap)
    return true;
  size_t nc = l->cap ? l->cap * 2 : 1024;
  pfe *nv = realloc(l->v, nc * sizeof *nv);
  if (!nv) {
    l->oom = true;
    return false;
  }
  l->v = nv;
  l->cap = nc;
  return true;
}

/* A regex's necessary literal (sg_val.relit: a case-sensitive regex, so
 * the literal is in every match byte for byte; looked for caselessly,
 * which is weaker and still necessary), as a contains pattern. */
static void add_re_nec(sp_sigma *s, pfl *l, int field, sg_val *v) {
  if (!grow(l))
    return;
  char *lit = sg_alloc(&s->arena, v->relit_n); /* caseless: folded */
  if (!lit) {
    l->oom = true;
    return;
  }
  sp_lower_copy(lit, v->relit, v->relit_n);
  v->nec = ++s->npids;
  l->v[l->n++] =
      (pfe){field, v->nec, SG_P_CONTAINS, false, 0, true, lit, v->relit_n, v};
}

/* A glob's necessary literal: its longest run of plain bytes (in the
 * arena), as a contains pattern. */
static void add_nec(sp_sigma *s, pfl *l, int field, sg_val *v) {
  size_t best = 0, at = 0;
  for (size_t i = 0; i < v->pat.nops;) {
    size_t j = i;
    while (j < v->pat.nops && v->pat.ops[j] < 256)
      j++;
    if (j - i > best) {
      best = j - i;
      at = i;
    }
    i = j + 1;
  }
  if (!best || !grow(l))
    return;
  char *lit = sg_alloc(&s->arena, best);
  if (!lit) {
    l->oom = true;
    return;
  }
  for (size_t i = 0; i < best; i++)
    lit[i] = (char)v->pat.ops[at + i];
  v->nec = ++s->npids;
  bool caseless = !v->pat.cased || !has_alpha(lit, best);
  l->v[l->n++] =
      (pfe){field, v->nec, SG_P_CONTAINS, false, 0, caseless, lit, best, v};
}

static void add(sp_sigma *s, pfl *l, int field, sg_val *v) {
  if (v->type == SG_V_STR && v->cmp != SG_CMP_NEQ && v->pat.kind == SG_P_GLOB &&
      !v->nec) {
    add_nec(s, l, field, v);
    return;
  }
  if (v->type == SG_V_RE && v->relit && !v->nec) {
    add_re_nec(s, l, field, v);
    return;
  }
  bool num = num_ok(field, v);
  if (v->pid || (!num && (v->type != SG_V_STR || v->cmp == SG_CMP_NEQ ||
                          v->pat.kind == SG_P_GLOB || v->pat.n == 0)))
    return;
  if (!grow(l))
    return;
  v->pid = ++s->npids;
  /* a cased literal without letters is the same pattern caseless */
  if (num) {
    l->v[l->n++] =
        (pfe){field, v->pid, SG_P_CONTAINS, true, v->inum, true, NULL, 0, v};
    return;
  }
  bool caseless = !v->pat.cased || !has_alpha(v->pat.lit, v->pat.n);
  l->v[l->n++] = (pfe){field,    v->pid,     v->pat.kind, false, 0,
                       caseless, v->pat.lit, v->pat.n,    v};
}

/* Order: field, then the pattern (case flag, length, bytes), so equal
 * patterns of a field are neighbours. */
static int pfe_cmp(const void *a, const void *b) {
  const pfe *x = a, *y = b;
  if (x->field != y->field)
    return x->field < y->field ? -1 : 1;
  if (x->num != y->num)
    return x->num ? 1 : -1;
  if (x->num && x->key != y->key)
    return x->key < y->key ? -1 : 1;
  if (x->num)
    return x->pid < y->pid ? -1 : x->pid > y->pid;
  if (x->caseless != y->caseless)
    return x->caseless ? 1 : -1;
  if (x->len != y->len)
    return x->len < y->len ? -1 : 1;
  int c = x->len ? memcmp(x->lit, y->lit, x->len) : 0;
  if (c)
    return c;
  return x->pid < y->pid ? -1 : x->pid > y->pid;
}

static bool same_pat(const pfe *x, const pfe *y) {
  if (x->num || y->num)
    return x->field == y->field && x->num == y->num && x->key == y->key;
  return x->field == y->field && x->caseless == y->caseless &&
         x->len == y->len && !memcmp(x->lit, y->lit, x->len);
}

static sp_err build_gates(sp_sigma *s);

/* Per bucket, the keyword matcher over the keyword patterns of its
 * variants (kw[0..nkw): every keyword pattern), so that an event scans its
 * values only for the keywords of its own log source; pairs holds
 * (row, kw index) pairs. */
static int u64_cmp(const void *a, const void *b) {
  uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
  return x < y ? -1 : x > y;
}

static sp_err build_kw(sp_sigma *s, const lmpat *kw, uint64_t *pairs,
                       size_t np) {
  qsort(pairs, np, sizeof *pairs, u64_cmp);
  lmpat *sub = malloc((np ? np : 1) * sizeof *sub);
  if (!sub)
    return SP_ENOMEM;
  sp_err err = SP_OK;
  for (size_t i = 0; !err && i < np;) {
    uint32_t row = (uint32_t)(pairs[i] >> 32);
    size_t n = 0, j = i;
    for (; j < np && (uint32_t)(pairs[j] >> 32) == row; j++)
      if (j == i || pairs[j] != pairs[j - 1])
        sub[n++] = kw[(uint32_t)pairs[j]];
    err = lm_build(s, &s->bk_kw[row - 1], sub, n, NULL, 0);
    i = j;
  }
  free(sub);
  return err;
}

/* Per bucket, the fields its variants have pids on (bk_row, bk_fmask),
 * and its keyword matcher. */
static sp_err build_fmasks(sp_sigma *s, const lmpat *kw, size_t nkw) {
  size_t w = s->pf_nslots + 1, rows = 0;
  s->bk_row = calloc(s->capbuckets ? s->capbuckets : 1, sizeof *s->bk_row);
  if (!s->bk_row)
    return SP_ENOMEM;
  for (size_t i = 0; i < s->capbuckets; i++)
    if (s->buckets[i].n)
      s->bk_row[i] = (uint32_t)++rows;
  s->bk_fmask = calloc(rows ? rows * w : 1, 1);
  s->bk_kw = calloc(rows ? rows : 1, sizeof *s->bk_kw);
  s->bk_nrows = rows;
  s->pf_row = calloc((size_t)s->npids + 1, sizeof *s->pf_row);
  if (!s->bk_fmask || !s->bk_kw || !s->pf_row)
    return SP_ENOMEM;
  /* keyword pid (or nec) to its index in kw, plus 1 */
  uint32_t *kwof = calloc((size_t)s->npids + 1, sizeof *kwof);
  size_t np = 0, capp = 64;
  uint64_t *pairs = malloc(capp * sizeof *pairs);
  if (!kwof || !pairs) {
    free(kwof);
    free(pairs);
    return SP_ENOMEM;
  }
  for (size_t i = 0; i < nkw; i++)
    for (uint32_t k = s->pf_fan_off[kw[i].pat];
         k < s->pf_fan_off[kw[i].pat + 1]; k++)
      kwof[s->pf_fan[k].pid] = (uint32_t)i + 1;
  for (size_t i = 0; i < s->nvars; i++) {
    uint32_t row = s->bk_row[s->var_bucket[i]];
    if (!row)
      continue;
    uint8_t *mask = s->bk_fmask + (row - 1) * w;
    const sg_variant *var = &s->vars[i];
    for (size_t j = 0; j < var->nsel; j++)
      for (size_t k = 0; k < var->sels[j].n; k++) {
        const sg_map *mp = &var->sels[j].maps[k];
        for (size_t q = 0; q < mp->n; q++) {
          const sg_item *it = &mp->items[q];
          for (size_t z = 0; z < it->n; z++) {
            uint32_t pid = it->vals[z].pid ? it->vals[z].pid : it->vals[z].nec;
            if (!pid)
              continue;
            /* its bucket row, or UINT32_MAX when variants of several
             * buckets share it */
            s->pf_row[pid] =
                !s->pf_row[pid] || s->pf_row[pid] == row ? row : UINT32_MAX;
            mask[it->field < 0 ? s->pf_nslots : (size_t)it->field] = 1;
            if (it->field >= 0 || !kwof[pid])
              continue;
            if (np == capp) {
              uint64_t *nv = realloc(pairs, 2 * capp * sizeof *pairs);
              if (!nv) {
                free(kwof);
                free(pairs);
                return SP_ENOMEM;
              }
              pairs = nv;
              capp *= 2;
            }
            pairs[np++] = (uint64_t)row << 32 | (kwof[pid] - 1);
          }
        }
      }
  }
  for (uint32_t k = 0; s->pf_fan_off && k < s->pf_fan_off[s->npats]; k++) {
    sg_fan *fe = &s->pf_fan[k];
    fe->row = s->pf_row[fe->pid];
    fe->kind = s->pf_kind[fe->pid];
    fe->item = s->pf_item ? s->pf_item[fe->pid] : 0;
    fe->gslot = s->pf_gslot ? s->pf_gslot[fe->pid] : 0;
    fe->gid = s->pf_gid ? s->pf_gid[fe->pid] : 0;
  }
  sp_err err = build_kw(s, kw, pairs, np);
  free(kwof);
  free(pairs);
  return err;
}

/* One field's matcher over v[i..j): a pattern per distinct literal, with
 * the classes its pids need, written to ps; the keyword patterns kw[0..nkw)
 * are added to every field's matcher, so that a value is scanned once.
 * Returns the patterns written in *np. */
static sp_err build_field(sp_sigma *s, pfe *v, size_t i, size_t j, lmpat *ps,
                          const lmpat *kw, size_t nkw, size_t *nout) {
  size_t np = 0, nnum = 0;
  for (size_t k = i; k < j; k++)
    nnum += v[k].num;
  sg_lm *lm = v[i].field < 0 ? NULL : &s->pf_lm[v[i].field];
  if (nnum && lm) { /* the integer table: open addressing, load at most 1/2 */
    lm->nbits = 1;
    while (((size_t)1 << lm->nbits) < 2 * nnum)
      lm->nbits++;
    lm->nkey = malloc(((size_t)1 << lm->nbits) * sizeof *lm->nkey);
    lm->npat = malloc(((size_t)1 << lm->nbits) * sizeof *lm->npat);
    if (!lm->nkey || !lm->npat)
      return SP_ENOMEM;
    memset(lm->npat, 0xff, ((size_t)1 << lm->nbits) * sizeof *lm->npat);
  }
  for (size_t k = i; k < j;) {
    size_t e = k;
    uint8_t cls = 0;
    uint32_t u = s->npats;
    for (; e < j && same_pat(&v[k], &v[e]); e++) {
      uint8_t kind = v[e].kind;
      cls |= kind == SG_P_CONTAINS ? 1u << SG_LM_ANY
             : kind == SG_P_SUFFIX ? 1u << SG_LM_END
                                   : 1u << SG_LM_START;
      s->pf_fan[s->pf_fan_off[u] + (e - k)] =
          (sg_fan){.pid = v[e].pid, .row = UINT32_MAX, .kind = v[e].kind};
    }
    s->pf_plit[u] = v[k].lit;
    s->pf_plen[u] = (uint32_t)v[k].len;
    s->pf_fan_off[u + 1] = s->pf_fan_off[u] + (uint32_t)(e - k);
    if (v[k].num) {
      size_t mask = ((size_t)1 << lm->nbits) - 1;
      size_t h = (size_t)(((uint64_t)v[k].key * LM_K) >> (64 - lm->nbits));
      while (lm->npat[h] != UINT32_MAX)
        h = (h + 1) & mask;
      lm->nkey[h] = v[k].key;
      lm->npat[h] = u;
    } else {
      ps[np++] = (lmpat){u, cls, (uint8_t)!v[k].caseless};
    }
    s->npats++;
    k = e;
  }
  *nout = np;
  if (v[i].field < 0)
    return SP_OK; /* keywords: a matcher per bucket (build_fmasks) */
  return lm_build(s, lm, ps, np, kw, nkw);
}

sp_err sg_prefilter_build(sp_sigma *s) {
  if (s->no_prefilter) { /* every variant ungated, every value direct */
    s->var_gated = calloc(s->nvars ? s->nvars : 1, 1);
    return s->var_gated ? SP_OK : SP_ENOMEM;
  }
  pfl l = {0};
  int maxf = -1;
  for (size_t i = 0; i < s->nvars; i++) {
    const sg_variant *var = &s->vars[i];
    for (size_t j = 0; j < var->nsel; j++)
      for (size_t k = 0; k < var->sels[j].n; k++) {
        const sg_map *mp = &var->sels[j].maps[k];
        for (size_t q = 0; q < mp->n; q++) {
          sg_item *it = &mp->items[q];
          for (size_t z = 0; z < it->n; z++)
            add(s, &l, it->field, &it->vals[z]);
          if (it->field > maxf)
            maxf = it->field;
        }
      }
  }
  sp_err err = l.oom ? SP_ENOMEM : SP_OK;
  lmpat *ps = NULL;
  if (!err && l.n) {
    qsort(l.v, l.n, sizeof *l.v, pfe_cmp);
    s->pf_nslots = (size_t)maxf + 1; /* keywords (-1): bk_kw */
    s->pf_lm = calloc(s->pf_nslots ? s->pf_nslots : 1, sizeof *s->pf_lm);
    s->pf_kind = calloc((size_t)s->npids + 1, 1);
    s->pf_len = calloc((size_t)s->npids + 1, sizeof *s->pf_len);
    s->pf_plit = malloc(l.n * sizeof *s->pf_plit);
    s->pf_plen = malloc(l.n * sizeof *s->pf_plen);
    s->pf_fan_off = calloc(l.n + 1, sizeof *s->pf_fan_off);
    s->pf_fan = malloc(l.n * sizeof *s->pf_fan);
    ps = malloc(l.n * sizeof *ps);
    if (!s->pf_lm || !s->pf_kind || !s->pf_len || !s->pf_plit || !s->pf_plen ||
        !s->pf_fan_off || !s->pf_fan || !ps)
      err = SP_ENOMEM;
  }
  for (size_t i = 0; !err && i < l.n; i++) {
    s->pf_kind[l.v[i].pid] = l.v[i].kind;
    s->pf_len[l.v[i].pid] = (uint32_t)l.v[i].len;
  }
  size_t nkw = 0; /* keywords (field -1) sort first: ps[0..nkw) */
  for (size_t i = 0; !err && i < l.n;) {
    size_t j = i, np = 0;
    while (j < l.n && l.v[j].field == l.v[i].field)
      j++;
    err = build_field(s, l.v, i, j, ps + nkw, NULL, 0, &np);
    if (l.v[i].field < 0)
      nkw = np;
    i = j;
  }
  /* Items whose every value has a pid are decided by counting the hits:
   * an iid per item, a slot per (item, written value). */
  if (!err && s->npids) {
    s->pf_item = calloc((size_t)s->npids + 1, sizeof *s->pf_item);
    s->pf_gslot = calloc((size_t)s->npids + 1, sizeof *s->pf_gslot);
    s->pf_gid = calloc((size_t)s->npids + 1, sizeof *s->pf_gid);
    if (!s->pf_item || !s->pf_gslot || !s->pf_gid)
      err = SP_ENOMEM;
  }
  for (size_t i = 0; !err && s->npids && i < s->nvars; i++) {
    const sg_variant *var = &s->vars[i];
    for (size_t j = 0; j < var->nsel; j++)
      for (size_t k = 0; k < var->sels[j].n; k++) {
        const sg_map *mp = &var->sels[j].maps[k];
        for (size_t q = 0; q < mp->n; q++) {
          sg_item *it = &mp->items[q];
          if (it->gid || !it->n)
            continue;
          bool all_pid = true, all_gate = true;
          for (size_t z = 0; z < it->n; z++) {
            all_pid &= it->vals[z].pid != 0;
            all_gate &= it->vals[z].pid != 0 || it->vals[z].nec != 0;
          }
          if (all_gate) { /* it cannot match unless one of these is hit */
            it->gid = ++s->ngids;
            for (size_t z = 0; z < it->n; z++)
              s->pf_gid[it->vals[z].pid ? it->vals[z].pid : it->vals[z].nec] =
                  it->gid;
          }
          if (!all_pid)
            continue;
          it->iid = ++s->niids;
          it->ngroups = it->vals[it->n - 1].grp + 1;
          for (size_t z = 0; z < it->n; z++) {
            s->pf_item[it->vals[z].pid] = it->iid;
            s->pf_gslot[it->vals[z].pid] = s->ngslots + 1 + it->vals[z].grp;
          }
          s->ngslots += it->ngroups;
        }
      }
  }
  if (!err)
    err = build_gates(s);
  if (!err)
    err = build_fmasks(s, ps, nkw);
  free(ps);
  if (err) /* no prefilter at all: every value is tested directly */
    for (size_t i = 0; i < l.n; i++)
      l.v[i].val->pid = l.v[i].val->nec = 0;
  /* the per-pid tables live on in pf_fan */
  free(s->pf_kind);
  free(s->pf_len);
  free(s->pf_item);
  free(s->pf_gslot);
  free(s->pf_gid);
  free(s->pf_row);
  s->pf_kind = NULL;
  s->pf_len = s->pf_item = s->pf_gslot = s->pf_gid = s->pf_row = NULL;
  free(l.v);
  return err;
}

/* How rarely a gate item is expected to be hit, for choosing among the
 * gate items of a map: the bytes of its shortest literal (pid or nec);
 * an integer equality counts 1 (LogonType: 3 is in most logons) and an
 * item on EventID, Channel or Provider_Name 0, since the index's buckets
 * already hold one event id and channel, so such an item is hit by nearly
 * every event of its bucket. Ties: fewer values. */
static uint64_t gate_score(const sp_sigma *s, const sg_item *it) {
  if (it->field == s->f_eventid || it->field == s->f_channel ||
      it->field == s->f_provider)
    return 0;
  uint64_t lo = UINT32_MAX;
  for (size_t z = 0; z < it->n; z++) {
    const sg_val *v = &it->vals[z];
    uint32_t id = v->pid ? v->pid : v->nec;
    uint64_t w = v->type == SG_V_NUM && v->pid ? 1 : s->pf_len[id];
    if (w > 64)
      w = 64;
    if (w < lo)
      lo = w;
  }
  return lo << 16 | (it->n < 0xffff ? 0xffff - it->n : 0);
}

/* The gate of a condition node: maps one of which has every one of its
 * gate items hit whenever the node is true (out[0..*n)), or false when
 * there is none to name (a map without a gate item, a NOT). *score: the
 * lowest over those maps of their best item's gate_score (an AND takes
 * the side that scores higher). */
#define SG_GATE_MAX 32
static bool gate(const sp_sigma *s, const sg_variant *v, const sg_cond *c,
                 int node, const sg_map **out, size_t *n, uint64_t *score,
                 int depth) {
  if (depth > 64)
    return false;
  const sg_cond *x = &c[node];
  switch (x->op) {
  case SG_C_SEL: {
    const sg_sel *sel = &v->sels[x->a];
    uint64_t lo = UINT64_MAX;
    for (size_t k = 0; k < sel->n; k++) { /* every map must have one */
      bool any = false;
      uint64_t best = 0;
      for (size_t q = 0; q < sel->maps[k].n; q++) {
        const sg_item *it = &sel->maps[k].items[q];
        if (!it->gid)
          continue;
        uint64_t sc = gate_score(s, it);
        if (!any || sc > best)
          best = sc;
        any = true;
      }
      if (!any || *n >= SG_GATE_MAX)
        return false;
      out[(*n)++] = &sel->maps[k];
      if (best < lo)
        lo = best;
    }
    *score = lo;
    return sel->n > 0;
  }
  case SG_C_AND: {
    size_t save = *n;
    const sg_map *alt[SG_GATE_MAX];
    size_t na = 0;
    uint64_t sa = 0, sb = 0;
    bool a = gate(s, v, c, x->a, alt, &na, &sa, depth + 1);
    bool b = gate(s, v, c, x->b, out, n, &sb, depth + 1);
    if (a && (!b || sa > sb) && save + na <= SG_GATE_MAX) {
      memcpy(out + save, alt, na * sizeof *alt);
      *n = save + na;
      *score = sa;
      return true;
    }
    if (!b)
      *n = save;
    *score = sb;
    return b;
  }
  case SG_C_OR: {
    uint64_t sa = 0, sb = 0;
    if (!gate(s, v, c, x->a, out, n, &sa, depth + 1) ||
        !gate(s, v, c, x->b, out, n, &sb, depth + 1))
      return false;
    *score = sa < sb ? sa : sb;
    return true;
  }
  default:
    return false;
  }
}

/* The gate maps of every variant that has a gate, and by gid the gate
 * maps its item is in (two passes: count, then fill). */
static sp_err build_gates(sp_sigma *s) {
  s->var_gated = calloc(s->nvars ? s->nvars : 1, 1);
  s->gid_gm_off = calloc((size_t)s->ngids + 2, sizeof *s->gid_gm_off);
  if (!s->var_gated || !s->gid_gm_off)
    return SP_ENOMEM;
  const sg_map *g[SG_GATE_MAX];
  for (int pass = 0; pass < 2; pass++) {
    uint32_t gm = 0;
    for (size_t i = 0; i < s->nvars; i++) {
      const sg_variant *v = &s->vars[i];
      const sg_rule *r = &s->rules[v->rule];
      size_t n = 0;
      uint64_t score = 0;
      if (!gate(s, v, r->cond, r->root, g, &n, &score, 0))
        continue;
      s->var_gated[i] = 1;
      for (size_t k = 0; k < n; k++, gm++) {
        uint32_t need = 0;
        for (size_t q = 0; q < g[k]->n; q++) {
          uint32_t gid = g[k]->items[q].gid;
          if (!gid)
            continue;
          need++;
          if (pass == 0)
            s->gid_gm_off[gid + 1]++;
          else
            s->gid_gms[s->gid_gm_off[gid]++] = gm;
        }
        if (pass == 1) {
          s->gm_var[gm] = (uint32_t)i;
          s->gm_need[gm] = need;
        }
      }
    }
    if (pass == 0) {
      for (size_t k = 1; k <= (size_t)s->ngids + 1; k++)
        s->gid_gm_off[k] += s->gid_gm_off[k - 1];
      size_t total = s->gid_gm_off[s->ngids + 1];
      s->ngms = gm;
      s->gid_gms = malloc((total ? total : 1) * sizeof *s->gid_gms);
      s->gm_var = malloc((gm ? gm : 1) * sizeof *s->gm_var);
      s->gm_need = malloc((gm ? gm : 1) * sizeof *s->gm_need);
      if (!s->gid_gms || !s->gm_var || !s->gm_need)
        return SP_ENOMEM;
    }
  }
  /* pass 1 advanced each start to the next one's: shift back */
  for (size_t k = (size_t)s->ngids + 1; k > 0; k--)
    s->gid_gm_off[k] = s->gid_gm_off[k - 1];
  s->gid_gm_off[0] = 0;
  return SP_OK;
}

void sg_prefilter_free(sp_sigma *s) {
  free(s->var_gated);
  free(s->gid_gm_off);
  free(s->gid_gms);
  free(s->gm_var);
  free(s->gm_need);
  for (size_t i = 0; s->pf_lm && i < s->pf_nslots; i++)
    lm_free(&s->pf_lm[i]);
  free(s->pf_lm);
  s->pf_lm = NULL;
  free(s->pf_plit);
  free(s->pf_plen);
  free(s->pf_kind);
  free(s->pf_len);
  free(s->pf_item);
  free(s->pf_gslot);
  free(s->pf_gid);
  free(s->pf_row);
  free(s->pf_fan_off);
  free(s->pf_fan);
  free(s->bk_row);
  free(s->bk_fmask);
  for (size_t i = 0; s->bk_kw && i < s->bk_nrows; i++)
    lm_free(&s->bk_kw[i]);
  free(s->bk_kw);
  s->bk_kw = NULL;
  s->bk_row = NULL;
  s->bk_fmask = NULL;
}
