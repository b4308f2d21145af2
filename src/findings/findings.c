/*
 * findings.c - the aggregating finding set (see findings.h).
 *
 * Data structure, three levels:
 *  - rules (sp_frule), one per rule with findings in the set: its rank, its
 *    units, its groups, or its rule flood;
 *  - groups (sp_fgroup): the findings of a rule that share a flood key; the
 *    individual findings (members) or the source flood;
 *  - findings (sp_agg).
 * Three open-addressing tables with linear probing find them: rules by
 * rule, groups by (rule, flood key), findings by (rule, entity fields and
 * values). Keys are hashed from their parts and equality compares the
 * parts, so no key string is built per hit.
 *
 * An agg is one allocation: the struct, its entity field and value
 * pointers, room for its first reason, and its values. Its references start
 * inside the struct (ref0) and move to the heap (8, then SP_MAX_EVIDENCE)
 * only when it has more than one, so a finding seen once costs about 300
 * bytes. References stay sorted ascending by (ts, file_id, where) and are
 * cut to SP_MAX_EVIDENCE, which makes the kept ones deterministic.
 *
 * Budget: `units` is the sum over rules of min(sum over its groups of
 * min(distinct findings, FLOOD + 1), RULE_FLOOD + 1). Rules ranked above
 * `limit` are refused. When a new finding would take units over
 * SP_FSET_MAX_FINDINGS, the limit walks down a fixed sequence (steps that
 * would drop nothing are skipped) until what it admits fits, and the rules
 * above it are dropped whole. units only grows with the input and the
 * sequence is fixed, so no worker goes below the limit the whole input
 * needs, and the last merge lands exactly on it.
 *
 * Ownership: the set owns every rule record, group, agg and string in it.
 * Errors (out of memory) are sticky; after one the set refuses hits.
 */
#include "findings/findings.h"
#include "core/strset.h"
#include "core/timeutil.h"

#include <stdlib.h>

/* Ranks: 3 bits of level (0 = critical) above 61 bits of rule hash. */
#define RANK_HASH_MASK ((UINT64_C(1) << 61) - 1)
#define RANK_ALL (((uint64_t)SP_LEVEL_CRITICAL << 61) | RANK_HASH_MASK)
#define FLOOD_UNITS ((uint64_t)SP_FSET_FLOOD + 1)
#define RULE_UNITS ((uint64_t)SP_FSET_RULE_FLOOD + 1)

#define LIM_CUT "findings.entity_cut"
#define LIM_CUT_DETAIL                                                         \
  "hits with an entity value cut at 1,024 bytes (values that differ only "     \
  "after that are one finding)"

/* ---- hash samples ---------------------------------------------------------
 */

/* A set of distinct hashes: all of them while there are at most `max`,
 * then those whose mixed hash has its top `shift` bits clear (a 2^-shift
 * sample; estimate n << shift, within a few percent). The sample depends
 * only on the hashes added, so it merges in any order. Source floods sample
 * SP_FSET_FLOOD_SAMPLE hashes (at most 64 KiB); rule floods, of which a set
 * holds at most ten, four times as many. */
typedef struct kset {
  uint64_t *v; /* 0 = empty slot */
  size_t cap, n;
  size_t max; /* sample size: SP_FSET_FLOOD_SAMPLE, or 4 times that */
  unsigned shift;
} kset;

/* sp_mix64, never 0 (0 marks an empty slot of a key set). */
static uint64_t mix64(uint64_t x) {
  x = sp_mix64(x);
  return x ? x : 1;
}

static bool kset_keeps(const kset *k, uint64_t m) {
  return k->shift == 0 || (m >> (64 - k->shift)) == 0;
}

static void kset_put(uint64_t *v, size_t cap, uint64_t m) {
  size_t i = (size_t)m & (cap - 1);
  while (v[i] && v[i] != m)
    i = (i + 1) & (cap - 1);
  v[i] = m;
}

/* Rebuild into ncap slots, keeping only what the shift keeps. */
static sp_err kset_rebuild(kset *k, size_t ncap) {
  uint64_t *nv = calloc(ncap, sizeof *nv);
  if (!nv)
    return SP_ENOMEM;
  size_t n = 0;
  for (size_t i = 0; i < k->cap; i++)
    if (k->v[i] && kset_keeps(k, k->v[i])) {
      kset_put(nv, ncap, k->v[i]);
      n++;
    }
  free(k->v);
  k->v = nv;
  k->cap = ncap;
  k->n = n;
  return SP_OK;
}

static sp_err kset_raise(kset *k, unsigned shift) {
  if (shift <= k->shift)
    return SP_OK;
  k->shift = shift;
  return k->cap ? kset_rebuild(k, k->cap) : SP_OK;
}

static bool kset_has(const kset *k, uint64_t m) {
  if (!k->cap)
    return false;
  size_t i = (size_t)m & (k->cap - 1);
  while (k->v[i]) {
    if (k->v[i] == m)
      return true;
    i = (i + 1) & (k->cap - 1);
  }
  return false;
}

/* Add a mixed hash. */
static sp_err kset_add(kset *k, uint64_t m) {
  if (!kset_keeps(k, m) || kset_has(k, m))
    return SP_OK;
  while (k->n >= k->max) {
    sp_err e = kset_raise(k, k->shift + 1);
    if (e)
      return e;
    if (!kset_keeps(k, m))
      return SP_OK;
  }
  if ((k->n + 1) * 2 > k->cap) {
    sp_err e = kset_rebuild(k, k->cap ? k->cap * 2 : 64);
    if (e)
      return e;
  }
  kset_put(k->v, k->cap, m);
  k->n++;
  return SP_OK;
}

/* Add every hash of src (at its own shift). */
static sp_err kset_union(kset *k, const kset *src) {
  sp_err e = kset_raise(k, src->shift);
  for (size_t i = 0; i < src->cap && !e; i++)
    if (src->v[i])
      e = kset_add(k, src->v[i]);
  return e;
}

static uint64_t kset_estimate(const kset *k) {
  return (uint64_t)k->n << k->shift;
}

/* ---- the set --------------------------------------------------------------
 */

/* What a flood finding stands for. */
struct sp_flood {
  kset keys;             /* mixed key hashes of the findings folded in */
  kset groups;           /* rule floods: mixed hashes of the flood keys */
  const char *key_field; /* rule floods: the flood key field, or NULL */
};

typedef struct sp_frule sp_frule;

typedef struct sp_fgroup {
  sp_frule *owner;
  uint64_t hash;
  const char *field;      /* flood key field (static), NULL without entities */
  sp_agg *members;        /* individual findings, linked by u.next */
  sp_agg *flood;          /* once a source flood: the one finding */
  struct sp_fgroup *next; /* in the rule */
  uint32_t n;             /* members */
  uint32_t value_len;
  char value[]; /* flood key value, NUL-terminated */
} sp_fgroup;

struct sp_frule {
  const sp_rule *rule;
  uint64_t rank;
  uint64_t units; /* of its groups, until it floods */
  sp_fgroup *groups;
  sp_agg *flood; /* once a rule flood: the one finding */
};

struct sp_fset {
  sp_agg **slots; /* individual findings by key */
  size_t cap;
  sp_fgroup **gslots; /* groups by rule and flood key */
  size_t gcap, ngroups;
  sp_frule **rslots; /* rules by rule */
  size_t rcap, nrules;
  size_t count;   /* findings: individual and floods */
  uint64_t units; /* see the top of the file */
  uint64_t limit; /* keep only rules whose rank is <= limit */
  uint64_t dropped;
  sp_limits lim;
  sp_err err;
  sp_log_cov *logs; /* evtx_logs coverage rows */
  size_t nlogs, caplogs;
  /* hashes of rule ids and entity field names by address, kept since
   * every hit of a rule hashes the same strings (sp_fset_add) */
  struct {
    const char *p;
    uint64_t h;
  } hc[64];
};

/* What is added: a hit, or an aggregate of another set being merged. */
typedef struct item {
  const sp_rule *rule;
  size_t n;
  const char *const *f;
  const sp_str *v;
  uint64_t hash;  /* of the key */
  uint64_t ghash; /* of the rule and flood key */
  uint64_t count;
  int64_t first, last;
  const sp_agg_ref *refs;
  size_t n_refs;
  sp_str reason;
  const sp_agg_ref *reason_ref;
} item;

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
  h->cut = false;
  h->offset = UINT64_MAX;
}

void sp_hit_entity(sp_hit *h, const char *field, sp_str value) {
  if (!value.p || value.n == 0 || h->n_ent >= SP_MAX_ENTITIES)
    return;
  if (value.n > SP_MAX_ENTITY_LEN) {
    value.n = SP_MAX_ENTITY_LEN;
    h->cut = true;
  }
  h->ent_field[h->n_ent] = field;
  h->ent_value[h->n_ent] = value;
  h->n_ent++;
}

sp_err sp_fset_create(sp_fset **out) {
  *out = NULL;
  sp_fset *s = calloc(1, sizeof *s);
  if (!s)
    return SP_ENOMEM;
  s->cap = s->gcap = 64;
  s->rcap = 16;
  s->limit = RANK_ALL;
  s->slots = calloc(s->cap, sizeof *s->slots);
  s->gslots = calloc(s->gcap, sizeof *s->gslots);
  s->rslots = calloc(s->rcap, sizeof *s->rslots);
  if (!s->slots || !s->gslots || !s->rslots) {
    sp_fset_destroy(s);
    return SP_ENOMEM;
  }
  *out = s;
  return SP_OK;
}

static void agg_free(sp_agg *a) {
  if (!a)
    return;
  if (a->refs != &a->ref0)
    free(a->refs);
  if (a->reason_heap)
    free(a->reason);
  if (a->flood) {
    free(a->u.keys->keys.v);
    free(a->u.keys->groups.v);
    free(a->u.keys);
  }
  free(a);
}

static void group_free(sp_fgroup *g) {
  for (sp_agg *m = g->members, *nx; m; m = nx) {
    nx = m->u.next;
    agg_free(m);
  }
  agg_free(g->flood);
  free(g);
}

static void rule_free(sp_frule *r) {
  for (sp_fgroup *g = r->groups, *nx; g; g = nx) {
    nx = g->next;
    group_free(g);
  }
  agg_free(r->flood);
  free(r);
}

void sp_fset_destroy(sp_fset *s) {
  if (!s)
    return;
  if (s->rslots)
    for (size_t i = 0; i < s->rcap; i++)
      if (s->rslots[i])
        rule_free(s->rslots[i]);
  free(s->rslots);
  free(s->gslots);
  free(s->slots);
  for (size_t i = 0; i < s->nlogs; i++) {
    free(s->logs[i].channel);
    free(s->logs[i].computer);
  }
  free(s->logs);
  free(s);
}

/* ---- keys and ranks --------------------------------------------------------
 */

static uint64_t combine(uint64_t h, uint64_t x) {
  return h ^ (x + 0x9E3779B97F4A7C15ULL + (h << 6) + (h >> 2));
}

static uint64_t key_hash(const sp_rule *rule, size_t n, const char *const *f,
                         const sp_str *v) {
  /* From the rule id, not its address: ranks and samples must not change
     between runs (address space layout randomisation) or with -j. */
  uint64_t h = sp_hash_bytes(rule->id, strlen(rule->id), false);
  for (size_t i = 0; i < n; i++) {
    h = combine(h, sp_hash_bytes(f[i], strlen(f[i]), false));
    h = combine(h, sp_hash_bytes(v[i].p, v[i].n, false));
  }
  return h;
}

/* The entity that makes the flood key: source.ip, else the first. */
static size_t flood_entity(size_t n, const char *const *f) {
  for (size_t i = 0; i < n; i++)
    if (strcmp(f[i], "source.ip") == 0)
      return i;
  return 0;
}

/* sp_hash_bytes of a string that lives as long as the set's rules (a rule
 * id, an entity field name), through the set's cache by address when
 * there is a set. */
static uint64_t str_hash(sp_fset *s, const char *p) {
  if (!s)
    return sp_hash_bytes(p, strlen(p), false);
  size_t slot = ((uintptr_t)p * 0x9E3779B97F4A7C15ull) >> 58;
  if (s->hc[slot].p != p) {
    s->hc[slot].p = p;
    s->hc[slot].h = sp_hash_bytes(p, strlen(p), false);
  }
  return s->hc[slot].h;
}

/* The key hash and the group (rule and flood key) hash together, each
 * part hashed once: this runs for every hit. Same values as key_hash. */
static void item_hashes(sp_fset *s, const sp_rule *rule, size_t n,
                        const char *const *f, const sp_str *v, uint64_t *key,
                        uint64_t *group) {
  uint64_t rh = str_hash(s, rule->id);
  uint64_t h = rh, g = rh;
  size_t gi = flood_entity(n, f);
  for (size_t i = 0; i < n; i++) {
    uint64_t fh = str_hash(s, f[i]);
    uint64_t vh = sp_hash_bytes(v[i].p, v[i].n, false);
    h = combine(combine(h, fh), vh);
    if (i == gi)
      g = combine(combine(rh, fh), vh);
  }
  *key = h;
  *group = g;
}

/* Rank of a rule: lower is kept first. Level in the top bits, so the most
 * severe findings survive an overflow; then the mixed hash of the rule id,
 * which makes the choice independent of arrival order. */
static uint64_t rank_of(const sp_rule *rule) {
  unsigned lv = rule->level <= SP_LEVEL_CRITICAL ? rule->level : 0;
  uint64_t h = mix64(sp_hash_bytes(rule->id, strlen(rule->id), false));
  return ((uint64_t)(SP_LEVEL_CRITICAL - lv) << 61) | (h >> 3);
}

/* The next, lower limit: take an eighth off the share of the least severe
 * level kept; when none of it is left, go on with the next level up. A
 * fixed sequence, so where it stops depends only on which findings exist. */
static uint64_t lower_limit(uint64_t limit) {
  uint64_t lv = limit >> 61, hs = limit & RANK_HASH_MASK;
  if (hs)
    return (lv << 61) | sp_rank_lower(hs);
  return lv ? ((lv - 1) << 61) | RANK_HASH_MASK : 0;
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

/* ---- tables -----------------------------------------------------------------
 */

static uint64_t rule_hash_of(const void *p) {
  return mix64((uint64_t)(uintptr_t)((const sp_frule *)p)->rule);
}

static sp_frule *rule_find(const sp_fset *s, const sp_rule *rule) {
  size_t i = (size_t)mix64((uint64_t)(uintptr_t)rule) & (s->rcap - 1);
  while (s->rslots[i]) {
    if (s->rslots[i]->rule == rule)
      return s->rslots[i];
    i = (i + 1) & (s->rcap - 1);
  }
  return NULL;
}

static void rule_place(sp_frule **slots, size_t cap, sp_frule *r) {
  size_t i = (size_t)rule_hash_of(r) & (cap - 1);
  while (slots[i])
    i = (i + 1) & (cap - 1);
  slots[i] = r;
}

static void group_place(sp_fgroup **slots, size_t cap, sp_fgroup *g) {
  size_t i = (size_t)g->hash & (cap - 1);
  while (slots[i])
    i = (i + 1) & (cap - 1);
  slots[i] = g;
}

static void agg_place(sp_agg **slots, size_t cap, sp_agg *a) {
  size_t i = (size_t)a->hash & (cap - 1);
  while (slots[i])
    i = (i + 1) & (cap - 1);
  slots[i] = a;
}

static bool agg_matches(const sp_agg *a, const item *it) {
  if (a->rule != it->rule || a->n_ent != it->n)
    return false;
  for (size_t i = 0; i < it->n; i++) {
    if (strcmp(a->ent_field[i], it->f[i]) != 0)
      return false;
    if (strlen(a->ent_value[i]) != it->v[i].n ||
        memcmp(a->ent_value[i], it->v[i].p, it->v[i].n) != 0)
      return false;
  }
  return true;
}

static sp_agg *agg_find(const sp_fset *s, const item *it) {
  size_t i = (size_t)it->hash & (s->cap - 1);
  while (s->slots[i]) {
    if (s->slots[i]->hash == it->hash && agg_matches(s->slots[i], it))
      return s->slots[i];
    i = (i + 1) & (s->cap - 1);
  }
  return NULL;
}

static sp_fgroup *group_find(const sp_fset *s, uint64_t gh, const sp_rule *rule,
                             const char *field, sp_str value) {
  size_t i = (size_t)gh & (s->gcap - 1);
  while (s->gslots[i]) {
    const sp_fgroup *g = s->gslots[i];
    if (g->hash == gh && g->owner->rule == rule &&
        (g->field == NULL) == (field == NULL) &&
        (!field || strcmp(g->field, field) == 0) && g->value_len == value.n &&
        memcmp(g->value, value.p, value.n) == 0)
      return s->gslots[i];
    i = (i + 1) & (s->gcap - 1);
  }
  return NULL;
}

/* Backward-shift deletion from a linear-probing table: keeps every probe
 * chain intact. hash_of gives an entry's home hash. */
static void table_remove(void **slots, size_t cap, const void *p,
                         uint64_t (*hash_of)(const void *)) {
  size_t i = (size_t)hash_of(p) & (cap - 1);
  while (slots[i] != p)
    i = (i + 1) & (cap - 1);
  size_t j = i;
  for (;;) {
    j = (j + 1) & (cap - 1);
    if (!slots[j])
      break;
    size_t home = (size_t)hash_of(slots[j]) & (cap - 1);
    /* Move j back to i unless its home lies cyclically in (i, j]. */
    bool stays = i <= j ? (home > i && home <= j) : (home > i || home <= j);
    if (!stays) {
      slots[i] = slots[j];
      i = j;
    }
  }
  slots[i] = NULL;
}

static uint64_t agg_hash_of(const void *p) { return ((const sp_agg *)p)->hash; }
static uint64_t group_hash_of(const void *p) {
  return ((const sp_fgroup *)p)->hash;
}

static sp_err grow(void ***slots, size_t *cap, size_t count,
                   uint64_t (*hash_of)(const void *)) {
  if ((count + 1) * 2 <= *cap)
    return SP_OK;
  size_t ncap = *cap * 2;
  void **ns = calloc(ncap, sizeof *ns);
  if (!ns)
    return SP_ENOMEM;
  for (size_t i = 0; i < *cap; i++)
    if ((*slots)[i]) {
      size_t k = (size_t)hash_of((*slots)[i]) & (ncap - 1);
      while (ns[k])
        k = (k + 1) & (ncap - 1);
      ns[k] = (*slots)[i];
    }
  free(*slots);
  *slots = ns;
  *cap = ncap;
  return SP_OK;
}

/* ---- accounting
 * -------------------------------------------------------------- */

static uint64_t rule_units(const sp_frule *r) {
  return r->flood ? RULE_UNITS : r->units;
}

static uint64_t rule_hits(const sp_frule *r) {
  uint64_t n = r->flood ? r->flood->count : 0;
  for (const sp_fgroup *g = r->groups; g; g = g->next) {
    n += g->flood ? g->flood->count : 0;
    for (const sp_agg *m = g->members; m; m = m->u.next)
      n += m->count;
  }
  return n;
}

static size_t rule_findings(const sp_frule *r) {
  size_t n = r->flood ? 1 : 0;
  for (const sp_fgroup *g = r->groups; g; g = g->next)
    n += g->n + (g->flood ? 1 : 0);
  return n;
}

/* Drop every rule ranked above the limit, counting its hits. The new
 * tables are allocated first, so a failure changes nothing. */
static void evict(sp_fset *s) {
  sp_agg **ns = calloc(s->cap, sizeof *ns);
  sp_fgroup **ng = calloc(s->gcap, sizeof *ng);
  sp_frule **nr = calloc(s->rcap, sizeof *nr);
  if (!ns || !ng || !nr) {
    free(ns);
    free(ng);
    free(nr);
    s->err = SP_ENOMEM;
    return;
  }
  for (size_t i = 0; i < s->rcap; i++) {
    sp_frule *r = s->rslots[i];
    if (!r)
      continue;
    if (r->rank > s->limit) {
      s->dropped += rule_hits(r);
      s->units -= rule_units(r);
      s->count -= rule_findings(r);
      for (const sp_fgroup *g = r->groups; g; g = g->next)
        s->ngroups--;
      s->nrules--;
      rule_free(r);
      continue;
    }
    rule_place(nr, s->rcap, r);
    for (sp_fgroup *g = r->groups; g; g = g->next) {
      group_place(ng, s->gcap, g);
      for (sp_agg *m = g->members; m; m = m->u.next)
        agg_place(ns, s->cap, m);
    }
  }
  free(s->slots);
  free(s->gslots);
  free(s->rslots);
  s->slots = ns;
  s->gslots = ng;
  s->rslots = nr;
}

/* Make room for `need` more units of a rule of rank `rank`: lower the limit
 * until what it admits fits. False if the rule is ranked out (or on error).
 */
static bool make_room(sp_fset *s, uint64_t rank, uint64_t need) {
  while (!s->err && s->limit &&
         s->units + (rank <= s->limit ? need : 0) > SP_FSET_MAX_FINDINGS) {
    /* Steps at or above the highest rank present drop nothing: skip them. */
    uint64_t top = rank <= s->limit ? rank : 0;
    for (size_t i = 0; i < s->rcap; i++)
      if (s->rslots[i] && s->rslots[i]->rank > top)
        top = s->rslots[i]->rank;
    uint64_t next = lower_limit(s->limit);
    while (next && next >= top)
      next = lower_limit(next);
    s->limit = next;
    evict(s);
  }
  return !s->err && rank <= s->limit;
}

/* ---- aggregates
 * ---------------------------------------------------------------- */

/* Where the reason lives when it fits inside the agg. */
static char *reason_area(const sp_agg *a) {
  return (char *)(a->ent_value + a->n_ent);
}

/* A new aggregate with these entities (counts come from fold). One
 * allocation: struct, entity pointers, reason room, values. */
static sp_agg *agg_new(sp_fset *s, const sp_rule *rule, size_t n,
                       const char *const *f, const sp_str *v, uint64_t hash,
                       size_t reason_len) {
  size_t room = 0;
  if (reason_len)
    room =
        (reason_len < SP_MAX_REASON_LEN ? reason_len : SP_MAX_REASON_LEN) + 1;
  size_t bytes = sizeof(sp_agg) + n * 2 * sizeof(char *) + room;
  for (size_t k = 0; k < n; k++)
    bytes += (v[k].n < SP_MAX_ENTITY_LEN ? v[k].n : SP_MAX_ENTITY_LEN) + 1;
  sp_agg *a = malloc(bytes);
  if (!a) {
    s->err = SP_ENOMEM;
    return NULL;
  }
  memset(a, 0, sizeof *a);
  a->rule = rule;
  a->hash = hash;
  a->first = a->last = SP_TIME_NONE;
  a->refs = &a->ref0;
  a->cap_refs = 1;
  a->reason_room = (uint16_t)room;
  a->n_ent = (uint8_t)n;
  a->ent_field = (const char **)(a + 1);
  a->ent_value = (char **)(a->ent_field + n);
  char *p = reason_area(a) + room;
  for (size_t k = 0; k < n; k++) {
    size_t len = v[k].n < SP_MAX_ENTITY_LEN ? v[k].n : SP_MAX_ENTITY_LEN;
    a->ent_field[k] = f[k];
    a->ent_value[k] = p;
    if (len)
      memcpy(p, v[k].p, len);
    p[len] = 0;
    p += len + 1;
  }
  return a;
}

/* Insert r into the sorted, bounded reference list; duplicates are kept
 * once. */
static void refs_insert(sp_fset *s, sp_agg *a, const sp_agg_ref *r) {
  size_t i = a->n_refs;
  while (i > 0 && sp_agg_ref_cmp(&a->refs[i - 1], r) > 0)
    i--;
  if (i > 0 && sp_agg_ref_cmp(&a->refs[i - 1], r) == 0)
    return;
  if (i >= SP_MAX_EVIDENCE)
    return;
  if (a->n_refs == a->cap_refs && a->cap_refs < SP_MAX_EVIDENCE) {
    size_t ncap = a->cap_refs < 8 ? 8 : SP_MAX_EVIDENCE;
    sp_agg_ref *n = malloc(ncap * sizeof *n);
    if (!n) {
      s->err = SP_ENOMEM;
      return;
    }
    memcpy(n, a->refs, a->n_refs * sizeof *n);
    if (a->refs != &a->ref0)
      free(a->refs);
    a->refs = n;
    a->cap_refs = (uint8_t)ncap;
  }
  size_t n = a->n_refs < SP_MAX_EVIDENCE ? a->n_refs : SP_MAX_EVIDENCE - 1;
  memmove(&a->refs[i + 1], &a->refs[i], (n - i) * sizeof a->refs[0]);
  a->refs[i] = *r;
  if (a->n_refs < SP_MAX_EVIDENCE)
    a->n_refs++;
}

/* Keep the reason from the earliest reference. */
static void take_reason(sp_fset *s, sp_agg *a, sp_str reason,
                        const sp_agg_ref *r) {
  if (!reason.p || !reason.n)
    return;
  if (a->reason && sp_agg_ref_cmp(&a->reason_ref, r) <= 0)
    return;
  size_t len = reason.n < SP_MAX_REASON_LEN ? reason.n : SP_MAX_REASON_LEN;
  char *dst;
  if (len + 1 <= a->reason_room) {
    dst = reason_area(a);
  } else if (a->reason_heap && strlen(a->reason) >= len) {
    dst = a->reason;
  } else {
    dst = malloc(len + 1);
    if (!dst) {
      s->err = SP_ENOMEM;
      return;
    }
  }
  memmove(dst, reason.p, len);
  dst[len] = 0;
  if (a->reason_heap && a->reason != dst) {
    free(a->reason);
    a->reason_heap = false;
  }
  if (dst != reason_area(a))
    a->reason_heap = true;
  a->reason = dst;
  a->reason_ref = *r;
}

static void time_span(sp_agg *a, int64_t first, int64_t last) {
  if (first != SP_TIME_NONE && (a->first == SP_TIME_NONE || first < a->first))
    a->first = first;
  if (last != SP_TIME_NONE && (a->last == SP_TIME_NONE || last > a->last))
    a->last = last;
}

static void fold(sp_fset *s, sp_agg *a, const item *it) {
  a->count += it->count;
  time_span(a, it->first, it->last);
  for (size_t k = 0; k < it->n_refs; k++)
    refs_insert(s, a, &it->refs[k]);
  if (it->reason_ref)
    take_reason(s, a, it->reason, it->reason_ref);
}

static item item_of_agg(const sp_agg *a, sp_str v[SP_MAX_ENTITIES]) {
  for (size_t k = 0; k < a->n_ent; k++)
    v[k] = sp_str_make(a->ent_value[k], strlen(a->ent_value[k]));
  const char *const *f = (const char *const *)a->ent_field;
  uint64_t key, group;
  item_hashes(NULL, a->rule, a->n_ent, f, v, &key, &group);
  item it = {.rule = a->rule,
             .n = a->n_ent,
             .f = f,
             .v = v,
             .hash = a->hash,
             .ghash = group,
             .count = a->count,
             .first = a->first,
             .last = a->last,
             .refs = a->refs,
             .n_refs = a->n_refs,
             .reason =
                 sp_str_make(a->reason, a->reason ? strlen(a->reason) : 0),
             .reason_ref = a->reason ? &a->reason_ref : NULL};
  return it;
}

static void note(sp_fset *s, sp_err e) {
  if (e && !s->err)
    s->err = e;
}

/* A flood finding: entities (the flood key, or none), reason room, and
 * what it stands for. */
static sp_agg *flood_new(sp_fset *s, const sp_rule *rule, int kind,
                         const char *field, sp_str value, uint64_t hash,
                         size_t reason_len) {
  struct sp_flood *fl = calloc(1, sizeof *fl);
  const char *const f[1] = {field};
  sp_agg *a =
      fl ? agg_new(s, rule, field ? 1 : 0, f, &value, hash, reason_len) : NULL;
  if (!a) {
    free(fl);
    s->err = SP_ENOMEM;
    return NULL;
  }
  fl->keys.max = fl->groups.max =
      SP_FSET_FLOOD_SAMPLE * (kind == SP_FLOOD_RULE ? 4 : 1);
  a->flood = (uint8_t)kind;
  a->u.keys = fl;
  return a;
}

/* Fold an aggregate into a flood finding and free it. */
static void fold_into(sp_fset *s, sp_agg *fl, sp_agg *a) {
  if (a->flood)
    note(s, kset_union(&fl->u.keys->keys, &a->u.keys->keys));
  else
    note(s, kset_add(&fl->u.keys->keys, mix64(a->hash)));
  sp_str v[SP_MAX_ENTITIES];
  item it = item_of_agg(a, v);
  fold(s, fl, &it);
  agg_free(a);
}

static size_t longest_reason(const sp_agg *list, const sp_agg *also) {
  size_t n = also && also->reason ? strlen(also->reason) : 0;
  for (const sp_agg *m = list; m; m = m->u.next)
    if (m->reason && strlen(m->reason) > n)
      n = strlen(m->reason);
  return n;
}

/* Turn a group's members into its source flood. Needs room for
 * FLOOD_UNITS - g->n more units. */
static bool flood_group(sp_fset *s, sp_fgroup *g) {
  sp_agg *fl = flood_new(s, g->owner->rule, SP_FLOOD_SOURCE, g->field,
                         sp_str_make(g->value, g->value_len), g->hash,
                         longest_reason(g->members, NULL));
  if (!fl)
    return false;
  for (sp_agg *m = g->members, *nx; m; m = nx) {
    nx = m->u.next;
    table_remove((void **)s->slots, s->cap, m, agg_hash_of);
    fold_into(s, fl, m);
  }
  s->units += FLOOD_UNITS - g->n;
  g->owner->units += FLOOD_UNITS - g->n;
  s->count = s->count - g->n + 1;
  g->members = NULL;
  g->n = 0;
  g->flood = fl;
  return !s->err;
}

/* Turn all of a rule's findings into its rule flood. Needs room for
 * RULE_UNITS - r->units more units. */
static bool flood_rule(sp_fset *s, sp_frule *r) {
  size_t reason_len = 0;
  for (const sp_fgroup *g = r->groups; g; g = g->next) {
    size_t n = longest_reason(g->members, g->flood);
    reason_len = n > reason_len ? n : reason_len;
  }
  sp_agg *fl = flood_new(s, r->rule, SP_FLOOD_RULE, NULL, sp_str_make("", 0),
                         key_hash(r->rule, 0, NULL, NULL), reason_len);
  if (!fl)
    return false;
  fl->u.keys->key_field = r->groups ? r->groups->field : NULL;
  size_t gone = 0;
  for (sp_fgroup *g = r->groups, *nx; g; g = nx) {
    nx = g->next;
    note(s, kset_add(&fl->u.keys->groups, mix64(g->hash)));
    for (sp_agg *m = g->members, *mx; m; m = mx) {
      mx = m->u.next;
      table_remove((void **)s->slots, s->cap, m, agg_hash_of);
      fold_into(s, fl, m);
      gone++;
    }
    if (g->flood) {
      fold_into(s, fl, g->flood);
      gone++;
    }
    table_remove((void **)s->gslots, s->gcap, g, group_hash_of);
    s->ngroups--;
    free(g);
  }
  s->units += RULE_UNITS - r->units;
  r->units = RULE_UNITS;
  s->count = s->count - gone + 1;
  r->groups = NULL;
  r->flood = fl;
  return !s->err;
}

/* ---- adding
 * ------------------------------------------------------------------- */

static sp_frule *rule_get(sp_fset *s, const sp_rule *rule) {
  sp_frule *r = rule_find(s, rule);
  if (r)
    return r;
  uint64_t rank = rank_of(rule);
  if (rank > s->limit)
    return NULL;
  if (grow((void ***)&s->rslots, &s->rcap, s->nrules, rule_hash_of) != SP_OK ||
      !(r = calloc(1, sizeof *r))) {
    s->err = SP_ENOMEM;
    return NULL;
  }
  r->rule = rule;
  r->rank = rank;
  rule_place(s->rslots, s->rcap, r);
  s->nrules++;
  return r;
}

static sp_fgroup *group_new(sp_fset *s, sp_frule *r, uint64_t gh,
                            const char *field, sp_str value) {
  if (grow((void ***)&s->gslots, &s->gcap, s->ngroups, group_hash_of) !=
      SP_OK) {
    s->err = SP_ENOMEM;
    return NULL;
  }
  sp_fgroup *g = calloc(1, sizeof *g + value.n + 1);
  if (!g) {
    s->err = SP_ENOMEM;
    return NULL;
  }
  g->owner = r;
  g->hash = gh;
  g->field = field;
  g->value_len = (uint32_t)value.n;
  if (value.n)
    memcpy(g->value, value.p, value.n);
  group_place(s->gslots, s->gcap, g);
  g->next = r->groups;
  r->groups = g;
  s->ngroups++;
  return g;
}

/* Fold an item into a rule flood. */
static void add_to_rule_flood(sp_fset *s, sp_frule *r, const item *it,
                              uint64_t gh) {
  note(s, kset_add(&r->flood->u.keys->keys, mix64(it->hash)));
  note(s, kset_add(&r->flood->u.keys->groups, mix64(gh)));
  fold(s, r->flood, it);
}

static void add_item(sp_fset *s, const item *it) {
  if (s->err)
    return;
  sp_frule *r = rule_get(s, it->rule);
  if (!r) {
    if (!s->err)
      s->dropped += it->count; /* counted in hits, like sp_agg.count */
    return;
  }
  size_t gi = flood_entity(it->n, it->f);
  const char *field = it->n ? it->f[gi] : NULL;
  sp_str value = it->n ? it->v[gi] : sp_str_make("", 0);
  uint64_t gh = it->ghash;
  if (r->flood) {
    add_to_rule_flood(s, r, it, gh);
    return;
  }
  sp_fgroup *g = group_find(s, gh, it->rule, field, value);
  if (g && g->flood) {
    note(s, kset_add(&g->flood->u.keys->keys, mix64(it->hash)));
    fold(s, g->flood, it);
    return;
  }
  sp_agg *a = g ? agg_find(s, it) : NULL;
  if (a) {
    fold(s, a, it);
    return;
  }
  /* A new distinct finding: one more unit for its rule. */
  if (r->units + 1 > SP_FSET_RULE_FLOOD) {
    if (!make_room(s, r->rank, RULE_UNITS - r->units)) {
      if (!s->err)
        s->dropped += it->count;
      return;
    }
    if (flood_rule(s, r))
      add_to_rule_flood(s, r, it, gh);
    return;
  }
  if (!make_room(s, r->rank, 1)) {
    if (!s->err)
      s->dropped += it->count;
    return;
  }
  if (!g && !(g = group_new(s, r, gh, field, value)))
    return;
  if (g->n >= SP_FSET_FLOOD) {
    if (!flood_group(s, g))
      return;
    note(s, kset_add(&g->flood->u.keys->keys, mix64(it->hash)));
    fold(s, g->flood, it);
    return;
  }
  if (grow((void ***)&s->slots, &s->cap, s->count, agg_hash_of) != SP_OK) {
    s->err = SP_ENOMEM;
    return;
  }
  a = agg_new(s, it->rule, it->n, it->f, it->v, it->hash, it->reason.n);
  if (!a)
    return;
  a->u.next = g->members;
  g->members = a;
  g->n++;
  r->units++;
  s->units++;
  s->count++;
  agg_place(s->slots, s->cap, a);
  fold(s, a, it);
}

void sp_fset_add(sp_fset *s, const sp_hit *h) {
  if (s->err)
    return;
  uint64_t w = h->weight ? h->weight : 1;
  if (h->cut)
    sp_limits_add(&s->lim, LIM_CUT, LIM_CUT_DETAIL, w);
  sp_agg_ref r = {.ts = h->ts,
                  .where = h->where,
                  .file_id = h->file_id,
                  .kind = h->kind,
                  .offset = h->offset};
  item it = {.rule = h->rule,
             .n = h->n_ent,
             .f = h->ent_field,
             .v = h->ent_value,
             .count = w,
             .first = h->ts,
             .last = h->ts,
             .refs = &r,
             .n_refs = 1,
             .reason = h->reason,
             .reason_ref = &r};
  item_hashes(s, h->rule, h->n_ent, h->ent_field, h->ent_value, &it.hash,
              &it.ghash);
  add_item(s, &it);
}

/* ---- merging
 * ------------------------------------------------------------------ */

/* Merge a source flood of another set (its group sg) into s. */
static void add_source_flood(sp_fset *s, sp_frule *r, const sp_fgroup *sg) {
  const sp_agg *b = sg->flood;
  sp_str v[SP_MAX_ENTITIES];
  item it = item_of_agg(b, v);
  if (r->flood) {
    note(s, kset_union(&r->flood->u.keys->keys, &b->u.keys->keys));
    note(s, kset_add(&r->flood->u.keys->groups, mix64(sg->hash)));
    fold(s, r->flood, &it);
    return;
  }
  sp_str value = sp_str_make(sg->value, sg->value_len);
  sp_fgroup *g = group_find(s, sg->hash, r->rule, sg->field, value);
  uint64_t need = !g ? FLOOD_UNITS : g->flood ? 0 : FLOOD_UNITS - g->n;
  if (r->units + need > SP_FSET_RULE_FLOOD) {
    /* Past the rule's budget: the rule floods. */
    if (!make_room(s, r->rank, RULE_UNITS - r->units)) {
      if (!s->err)
        s->dropped += b->count;
      return;
    }
    if (flood_rule(s, r))
      add_source_flood(s, r, sg);
    return;
  }
  if (!make_room(s, r->rank, need)) {
    if (!s->err)
      s->dropped += b->count;
    return;
  }
  if (!g && !(g = group_new(s, r, sg->hash, sg->field, value)))
    return;
  if (!g->flood && !flood_group(s, g))
    return;
  note(s, kset_union(&g->flood->u.keys->keys, &b->u.keys->keys));
  fold(s, g->flood, &it);
}

/* Merge a rule of another set into s. Every hit of it ends either in s or
 * in s->dropped, even when making room drops the rule half-way. */
static void add_rule(sp_fset *s, const sp_frule *sr) {
  sp_frule *r = rule_get(s, sr->rule);
  if (!r) {
    if (!s->err)
      s->dropped += rule_hits(sr);
    return;
  }
  if (sr->flood) {
    if (!r->flood) {
      if (!make_room(s, r->rank, RULE_UNITS - r->units)) {
        if (!s->err)
          s->dropped += rule_hits(sr);
        return;
      }
      if (!flood_rule(s, r))
        return;
    }
    struct sp_flood *k = r->flood->u.keys, *from = sr->flood->u.keys;
    note(s, kset_union(&k->keys, &from->keys));
    note(s, kset_union(&k->groups, &from->groups));
    if (!k->key_field)
      k->key_field = from->key_field;
    sp_str v[SP_MAX_ENTITIES];
    item it = item_of_agg(sr->flood, v);
    fold(s, r->flood, &it);
    return;
  }
  for (const sp_fgroup *g = sr->groups; g && !s->err; g = g->next) {
    if (g->flood) {
      /* Making room may have dropped the rule (and freed r). */
      if ((r = rule_find(s, sr->rule)) != NULL)
        add_source_flood(s, r, g);
      else
        s->dropped += g->flood->count;
    }
    for (const sp_agg *m = g->members; m && !s->err; m = m->u.next) {
      sp_str v[SP_MAX_ENTITIES];
      item it = item_of_agg(m, v);
      add_item(s, &it);
    }
  }
}

sp_err sp_fset_merge(sp_fset *dst, sp_fset *src) {
  note(dst, src->err);
  if (src->limit < dst->limit && !dst->err) {
    dst->limit = src->limit;
    evict(dst);
  }
  for (size_t i = 0; i < src->rcap; i++) {
    sp_frule *r = src->rslots[i];
    if (!r)
      continue;
    if (!dst->err)
      add_rule(dst, r);
    rule_free(r);
    src->rslots[i] = NULL;
  }
  memset(src->slots, 0, src->cap * sizeof *src->slots);
  memset(src->gslots, 0, src->gcap * sizeof *src->gslots);
  src->count = src->ngroups = src->nrules = 0;
  src->units = 0;
  dst->dropped += src->dropped;
  src->dropped = 0;
  sp_limits_merge(&dst->lim, &src->lim);
  memset(&src->lim, 0, sizeof src->lim);
  for (size_t i = 0; i < src->nlogs; i++)
    sp_fset_log_cov(dst, &src->logs[i]);
  for (size_t i = 0; i < src->nlogs; i++) {
    free(src->logs[i].channel);
    free(src->logs[i].computer);
  }
  src->nlogs = 0;
  return dst->err;
}

/* ---- access
 * ------------------------------------------------------------------- */

sp_err sp_fset_error(const sp_fset *s) { return s->err; }
void sp_fset_fail(sp_fset *s, sp_err err) { note(s, err); }
uint64_t sp_fset_dropped(const sp_fset *s) { return s->dropped; }
size_t sp_fset_count(const sp_fset *s) { return s->count; }
sp_limits *sp_fset_limits(sp_fset *s) { return &s->lim; }
const sp_limits *sp_fset_limits_const(const sp_fset *s) { return &s->lim; }

bool sp_agg_flood(const sp_agg *a, sp_flood_info *out) {
  if (!a->flood)
    return false;
  if (out) {
    const struct sp_flood *k = a->u.keys;
    out->scope = a->flood;
    out->distinct = kset_estimate(&k->keys);
    out->estimated = k->keys.shift > 0 || k->groups.shift > 0;
    out->keys = a->flood == SP_FLOOD_RULE ? kset_estimate(&k->groups) : 0;
    out->key_field = k->key_field;
  }
  return true;
}

void sp_fset_foreach(const sp_fset *s, void (*fn)(const sp_agg *, void *),
                     void *user) {
  for (size_t i = 0; i < s->rcap; i++) {
    const sp_frule *r = s->rslots[i];
    if (!r)
      continue;
    for (const sp_fgroup *g = r->groups; g; g = g->next) {
      for (const sp_agg *m = g->members; m; m = m->u.next)
        fn(m, user);
      if (g->flood)
        fn(g->flood, user);
    }
    if (r->flood)
      fn(r->flood, user);
  }
}

void sp_fset_foreach_mut(sp_fset *s, void (*fn)(sp_agg *, void *), void *user) {
  for (size_t i = 0; i < s->rcap; i++) {
    sp_frule *r = s->rslots[i];
    if (!r)
      continue;
    for (sp_fgroup *g = r->groups; g; g = g->next) {
      for (sp_agg *m = g->members; m; m = m->u.next)
        fn(m, user);
      if (g->flood)
        fn(g->flood, user);
    }
    if (r->flood)
      fn(r->flood, user);
  }
}

void sp_fset_drain(sp_fset *s, void (*fn)(const sp_agg *, void *), void *user) {
  for (size_t i = 0; i < s->rcap; i++) {
    sp_frule *r = s->rslots[i];
    if (!r)
      continue;
    for (sp_fgroup *g = r->groups, *gx; g; g = gx) {
      gx = g->next;
      for (sp_agg *m = g->members, *nx; m; m = nx) {
        nx = m->u.next;
        fn(m, user);
        agg_free(m);
      }
      if (g->flood) {
        fn(g->flood, user);
        agg_free(g->flood);
      }
      free(g);
    }
    if (r->flood) {
      fn(r->flood, user);
      agg_free(r->flood);
    }
    free(r);
    s->rslots[i] = NULL;
  }
  memset(s->slots, 0, s->cap * sizeof *s->slots);
  memset(s->gslots, 0, s->gcap * sizeof *s->gslots);
  s->count = s->ngroups = s->nrules = 0;
  s->units = 0;
}

void sp_fset_log_cov(sp_fset *s, const sp_log_cov *c) {
  if (s->nlogs == s->caplogs) {
    size_t nc = s->caplogs ? s->caplogs * 2 : 16;
    sp_log_cov *n = realloc(s->logs, nc * sizeof *n);
    if (!n) {
      note(s, SP_ENOMEM);
      return;
    }
    s->logs = n;
    s->caplogs = nc;
  }
  sp_log_cov *d = &s->logs[s->nlogs];
  *d = *c;
  d->channel = strdup(c->channel ? c->channel : "");
  d->computer = strdup(c->computer ? c->computer : "");
  if (!d->channel || !d->computer) {
    free(d->channel);
    free(d->computer);
    note(s, SP_ENOMEM);
    return;
  }
  s->nlogs++;
}

size_t sp_fset_log_cov_count(const sp_fset *s) { return s->nlogs; }

const sp_log_cov *sp_fset_log_cov_at(const sp_fset *s, size_t i) {
  return i < s->nlogs ? &s->logs[i] : NULL;
}

sp_log_cov *sp_fset_log_cov_take(sp_fset *s, size_t *n) {
  sp_log_cov *l = s->logs;
  *n = s->nlogs;
  s->logs = NULL;
  s->nlogs = s->caplogs = 0;
  return l;
}
