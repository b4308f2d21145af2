/*
 * findings.c - the aggregating finding set (see findings.h).
 *
 * Data structure: an open-addressing table of sp_agg pointers keyed by
 * (rule pointer, entity fields and values). The key is hashed from its parts;
 * equality compares the parts, so no key string is built per hit.
 * Evidence references stay sorted ascending by (ts, file_id, where) and are
 * cut to SP_MAX_EVIDENCE, which makes kept references deterministic.
 */
#include "findings/findings.h"
#include "core/strset.h"
#include "core/timeutil.h"

#include <stdlib.h>

/* Ranks: 3 bits of level (0 = critical) above 61 bits of key hash. */
#define RANK_HASH_MASK ((UINT64_C(1) << 61) - 1)
#define RANK_ALL (((uint64_t)SP_LEVEL_CRITICAL << 61) | RANK_HASH_MASK)

struct sp_fset {
  sp_agg **slots;
  uint64_t limit; /* keep only findings whose rank is <= limit */
  size_t cap, count;
  uint64_t dropped;
  sp_err err;
};

void sp_hit_init(sp_hit *h, const sp_rule *rule, int64_t ts, uint32_t file_id,
                 uint64_t where, sp_ref_kind kind) {
  h->rule = rule;
  h->ts = ts;
  h->file_id = file_id;
  h->where = where;
  h->kind = kind;
  h->n_ent = 0;
  h->reason = sp_str_make(NULL, 0);
  h->weight = 1;
}

void sp_hit_entity(sp_hit *h, const char *field, sp_str value) {
  if (!value.p || value.n == 0 || h->n_ent >= SP_MAX_ENTITIES)
    return;
  if (value.n > SP_MAX_ENTITY_LEN)
    value.n = SP_MAX_ENTITY_LEN;
  h->ent_field[h->n_ent] = field;
  h->ent_value[h->n_ent] = value;
  h->n_ent++;
}

sp_err sp_fset_create(sp_fset **out) {
  *out = NULL;
  sp_fset *s = calloc(1, sizeof *s);
  if (!s)
    return SP_ENOMEM;
  s->cap = 64;
  s->limit = RANK_ALL;
  s->slots = calloc(s->cap, sizeof *s->slots);
  if (!s->slots) {
    free(s);
    return SP_ENOMEM;
  }
  *out = s;
  return SP_OK;
}

static void agg_free(sp_agg *a) {
  if (!a)
    return;
  for (size_t i = 0; i < a->n_ent; i++)
    free(a->ent_value[i]);
  free(a->reason);
  free(a);
}

void sp_fset_destroy(sp_fset *s) {
  if (!s)
    return;
  for (size_t i = 0; i < s->cap; i++)
    agg_free(s->slots[i]);
  free(s->slots);
  free(s);
}

static uint64_t key_hash(const sp_rule *rule, size_t n, const char *const *f,
                         const sp_str *v) {
  /* From the rule id, not its address: ranks must not change between runs
     (address space layout randomisation) or with -j. */
  uint64_t h = sp_hash_bytes(rule->id, strlen(rule->id), false);
  for (size_t i = 0; i < n; i++) {
    h ^= sp_hash_bytes(f[i], strlen(f[i]), false) + 0x9E3779B97F4A7C15ULL +
         (h << 6) + (h >> 2);
    h ^= sp_hash_bytes(v[i].p, v[i].n, false) + 0x9E3779B97F4A7C15ULL +
         (h << 6) + (h >> 2);
  }
  return h;
}

static bool agg_matches(const sp_agg *a, const sp_rule *rule, size_t n,
                        const char *const *f, const sp_str *v) {
  if (a->rule != rule || a->n_ent != n)
    return false;
  for (size_t i = 0; i < n; i++) {
    if (strcmp(a->ent_field[i], f[i]) != 0)
      return false;
    if (strlen(a->ent_value[i]) != v[i].n ||
        memcmp(a->ent_value[i], v[i].p, v[i].n) != 0)
      return false;
  }
  return true;
}

int sp_agg_ref_cmp(const sp_agg_ref *a, const sp_agg_ref *b) {
  if (a->ts != b->ts)
    return a->ts < b->ts ? -1 : 1;
  if (a->file_id != b->file_id)
    return a->file_id < b->file_id ? -1 : 1;
  if (a->where != b->where)
    return a->where < b->where ? -1 : 1;
  return 0;
}

/* Insert r into the sorted, bounded reference list; duplicates are kept once.
 */
static void refs_insert(sp_agg *a, const sp_agg_ref *r) {
  size_t i = a->n_refs;
  while (i > 0 && sp_agg_ref_cmp(&a->refs[i - 1], r) > 0)
    i--;
  if (i > 0 && sp_agg_ref_cmp(&a->refs[i - 1], r) == 0)
    return;
  if (i >= SP_MAX_EVIDENCE)
    return;
  size_t n = a->n_refs < SP_MAX_EVIDENCE ? a->n_refs : SP_MAX_EVIDENCE - 1;
  memmove(&a->refs[i + 1], &a->refs[i], (n - i) * sizeof a->refs[0]);
  a->refs[i] = *r;
  if (a->n_refs < SP_MAX_EVIDENCE)
    a->n_refs++;
}

static char *dup_str(sp_str s, size_t max) {
  if (s.n > max)
    s.n = max;
  char *c = malloc(s.n + 1);
  if (!c)
    return NULL;
  if (s.n)
    memcpy(c, s.p, s.n);
  c[s.n] = 0;
  return c;
}

static void time_span(sp_agg *a, int64_t first, int64_t last) {
  if (first != SP_TIME_NONE && (a->first == SP_TIME_NONE || first < a->first))
    a->first = first;
  if (last != SP_TIME_NONE && (a->last == SP_TIME_NONE || last > a->last))
    a->last = last;
}

/* Keep the reason from the earliest reference. */
static void take_reason(sp_agg *a, const sp_agg_ref *r, sp_str reason,
                        sp_fset *s) {
  if (!reason.p || !reason.n)
    return;
  if (a->reason && sp_agg_ref_cmp(&a->reason_ref, r) <= 0)
    return;
  char *c = dup_str(reason, SP_MAX_REASON_LEN);
  if (!c) {
    s->err = SP_ENOMEM;
    return;
  }
  free(a->reason);
  a->reason = c;
  a->reason_ref = *r;
}

static sp_err table_grow(sp_fset *s) {
  size_t ncap = s->cap * 2;
  sp_agg **ns = calloc(ncap, sizeof *ns);
  if (!ns)
    return SP_ENOMEM;
  for (size_t i = 0; i < s->cap; i++) {
    sp_agg *a = s->slots[i];
    if (!a)
      continue;
    size_t j = (size_t)a->hash & (ncap - 1);
    while (ns[j])
      j = (j + 1) & (ncap - 1);
    ns[j] = a;
  }
  free(s->slots);
  s->slots = ns;
  s->cap = ncap;
  return SP_OK;
}

/* Rank of a key: lower is kept first. Level in the top bits, so the most
 * severe findings survive an overflow; then the key hash, which makes the
 * choice independent of arrival order. */

static uint64_t rank_of(const sp_rule *rule, uint64_t hash) {
  unsigned lv = rule->level <= SP_LEVEL_CRITICAL ? rule->level : 0;
  return ((uint64_t)(SP_LEVEL_CRITICAL - lv) << 61) | (hash >> 3);
}

/* The next, lower limit: halve the share of the least severe level kept;
 * when none of it is left, go on with the next level up. A fixed sequence,
 * so where it stops depends only on which findings exist. */
static uint64_t lower_limit(uint64_t limit) {
  uint64_t lv = limit >> 61, hs = limit & RANK_HASH_MASK;
  if (hs)
    return (lv << 61) | (hs >> 1);
  return lv ? ((lv - 1) << 61) | RANK_HASH_MASK : 0;
}

/* Drop every aggregate ranked above the limit, counting its hits. */
static void evict(sp_fset *s) {
  for (size_t i = 0; i < s->cap; i++) {
    sp_agg *a = s->slots[i];
    if (a && rank_of(a->rule, a->hash) > s->limit) {
      s->dropped += a->count;
      agg_free(a);
      s->slots[i] = NULL;
      s->count--;
    }
  }
  /* Re-place the survivors: removals break linear-probing chains. */
  sp_agg **old = s->slots;
  sp_agg **ns = calloc(s->cap, sizeof *ns);
  if (!ns) {
    s->err = SP_ENOMEM;
    return;
  }
  for (size_t i = 0; i < s->cap; i++) {
    if (!old[i])
      continue;
    size_t j = (size_t)old[i]->hash & (s->cap - 1);
    while (ns[j])
      j = (j + 1) & (s->cap - 1);
    ns[j] = old[i];
  }
  free(old);
  s->slots = ns;
}

/* Find or create the aggregate for a key; NULL when ranked out or out of
 * memory. hits is the weight to count in `dropped` if it is ranked out. */
static sp_agg *lookup(sp_fset *s, const sp_rule *rule, size_t n,
                      const char *const *f, const sp_str *v, uint64_t hits) {
  uint64_t h = key_hash(rule, n, f, v);
  if (rank_of(rule, h) > s->limit) {
    s->dropped += hits; /* counted in hits, like sp_agg.count */
    return NULL;
  }
  size_t i = (size_t)h & (s->cap - 1);
  while (s->slots[i]) {
    if (s->slots[i]->hash == h && agg_matches(s->slots[i], rule, n, f, v))
      return s->slots[i];
    i = (i + 1) & (s->cap - 1);
  }
  if (s->count >= SP_FSET_MAX_FINDINGS) {
    /* Lower the limit until the findings it admits, this one included if
       it is still admitted, fit: the first such limit of the fixed
       sequence, whatever the order of arrival. */
    uint64_t r = rank_of(rule, h);
    while (s->limit && !s->err &&
           s->count + (r <= s->limit ? 1 : 0) > SP_FSET_MAX_FINDINGS) {
      s->limit = lower_limit(s->limit);
      evict(s);
    }
    if (s->err || rank_of(rule, h) > s->limit) {
      s->dropped += hits;
      return NULL;
    }
    i = (size_t)h & (s->cap - 1);
    while (s->slots[i])
      i = (i + 1) & (s->cap - 1);
  }
  sp_agg *a = calloc(1, sizeof *a);
  if (!a) {
    s->err = SP_ENOMEM;
    return NULL;
  }
  a->rule = rule;
  a->hash = h;
  a->first = a->last = SP_TIME_NONE;
  for (size_t k = 0; k < n; k++) {
    a->ent_field[k] = f[k];
    a->ent_value[k] = dup_str(v[k], SP_MAX_ENTITY_LEN);
    a->n_ent = k + 1;
    if (!a->ent_value[k]) {
      agg_free(a);
      s->err = SP_ENOMEM;
      return NULL;
    }
  }
  /* Grow before inserting, so a failed grow never leaves a full table. */
  if ((s->count + 1) * 2 > s->cap) {
    if (table_grow(s) != SP_OK) {
      s->err = SP_ENOMEM;
      agg_free(a);
      return NULL;
    }
    i = (size_t)h & (s->cap - 1);
    while (s->slots[i])
      i = (i + 1) & (s->cap - 1);
  }
  s->slots[i] = a;
  s->count++;
  return a;
}

void sp_fset_add(sp_fset *s, const sp_hit *h) {
  sp_agg *a = lookup(s, h->rule, h->n_ent, h->ent_field, h->ent_value,
                     h->weight ? h->weight : 1);
  if (!a)
    return;
  a->count += h->weight ? h->weight : 1;
  time_span(a, h->ts, h->ts);
  sp_agg_ref r = {h->ts, h->file_id, h->where, h->kind};
  refs_insert(a, &r);
  take_reason(a, &r, h->reason, s);
}

sp_err sp_fset_merge(sp_fset *dst, sp_fset *src) {
  if (src->limit < dst->limit) {
    dst->limit = src->limit;
    evict(dst);
  }
  for (size_t i = 0; i < src->cap; i++) {
    sp_agg *b = src->slots[i];
    if (!b)
      continue;
    sp_str v[SP_MAX_ENTITIES];
    for (size_t k = 0; k < b->n_ent; k++)
      v[k] = sp_str_make(b->ent_value[k], strlen(b->ent_value[k]));
    sp_agg *a = lookup(dst, b->rule, b->n_ent, b->ent_field, v, b->count);
    if (a) {
      a->count += b->count;
      time_span(a, b->first, b->last);
      for (size_t k = 0; k < b->n_refs; k++)
        refs_insert(a, &b->refs[k]);
      if (b->reason)
        take_reason(a, &b->reason_ref,
                    sp_str_make(b->reason, strlen(b->reason)), dst);
    }
    agg_free(b);
    src->slots[i] = NULL;
  }
  src->count = 0;
  dst->dropped += src->dropped;
  src->dropped = 0;
  if (src->err && !dst->err)
    dst->err = src->err;
  return dst->err;
}

sp_err sp_fset_error(const sp_fset *s) { return s->err; }
uint64_t sp_fset_dropped(const sp_fset *s) { return s->dropped; }
size_t sp_fset_count(const sp_fset *s) { return s->count; }

void sp_fset_foreach(const sp_fset *s, void (*fn)(const sp_agg *, void *),
                     void *user) {
  for (size_t i = 0; i < s->cap; i++)
    if (s->slots[i])
      fn(s->slots[i], user);
}
