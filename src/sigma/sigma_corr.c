/*
 * sigma_corr.c - Sigma correlation rules (event_count, value_count,
 * temporal, temporal_ordered) over the matches of their base rules.
 *
 * Each detector instance records the matches of correlated base rules
 * (correlation, position of the base rule in `rules`, time, group-by key
 * hash and text, value_count value hash, evidence reference) in a bounded
 * array: at most `cap` records in the hunt (a counter the detector's
 * instances share; which records are kept then depends on arrival, the
 * count dropped does not); past it a match is not recorded and counted as
 * the limit "sigma.correlation_events". Instances
 * merge by concatenation; at the end each correlation's records are sorted
 * by (group, time, file, line) and every group is scanned with windows of
 * `timespan`: a window starting at each record when the condition has only
 * a lower bound (gt, gte: a burst is found wherever it starts), else fixed
 * windows aligned to multiples of the timespan since the epoch (an upper
 * bound on a sliding window would always hold at a group's last events).
 * The measure:
 *   event_count       events in the window
 *   value_count       distinct values of the condition's field
 *   temporal          distinct base rules
 *   temporal_ordered  the base rules seen in the order listed
 * The first window of a group whose measure meets the condition gives one
 * finding (entities: "sigma.group" = "<field>=<value>" per group-by field; one
 * hit per event of the window, so its count and evidence are the window's
 * events).
 */
#include "sigma/sigma_int.h"

#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SG_GROUP_TEXT 256

typedef struct crec {
  uint32_t corr; /* rule index of the correlation */
  uint32_t pos;  /* position of the base rule in its `rules` */
  int64_t ts;
  uint64_t group; /* hash of the group-by values */
  uint64_t value; /* value_count: hash of the value */
  uint32_t file_id;
  uint64_t where;
  uint8_t kind;
  char *gtext; /* group-by values, "\x1f" separated */
} crec;

/* For base rule i: the correlations that refer to it. */
typedef struct cref {
  uint32_t corr, pos;
} cref;

struct sp_sigma_corr {
  const sp_sigma *s;
  size_t cap;
  _Atomic size_t *used; /* hunt-wide count of kept records, or NULL */
  crec *v;
  size_t n, alloc;
  uint64_t dropped;
  bool oom;
  cref *refs;   /* grouped by base rule */
  size_t *ridx; /* nrules + 1 offsets into refs */
};

static uint64_t mix(uint64_t h, const char *p, size_t n) {
  for (size_t i = 0; i < n; i++)
    h = (h ^ (unsigned char)sp_lower((unsigned char)p[i])) * 1099511628211ULL;
  return (h ^ 0x1f) * 1099511628211ULL;
}

sp_err sp_sigma_corr_create(const sp_sigma *s, size_t cap, _Atomic size_t *used,
                            sp_sigma_corr **out) {
  *out = NULL;
  sp_sigma_corr *c = calloc(1, sizeof *c);
  if (!c)
    return SP_ENOMEM;
  c->s = s;
  c->cap = cap;
  c->used = used;
  size_t total = 0;
  c->ridx = calloc(s->nrules + 1, sizeof *c->ridx);
  if (!c->ridx) {
    free(c);
    return SP_ENOMEM;
  }
  for (size_t i = 0; i < s->nrules; i++)
    if (s->rules[i].corr)
      for (size_t k = 0; k < s->rules[i].corr->nref; k++)
        c->ridx[s->rules[i].corr->ref_rules[k] + 1]++, total++;
  for (size_t i = 0; i < s->nrules; i++)
    c->ridx[i + 1] += c->ridx[i];
  c->refs = calloc(total ? total : 1, sizeof *c->refs);
  size_t *fill = calloc(s->nrules + 1, sizeof *fill);
  if (!c->refs || !fill) {
    free(fill);
    sp_sigma_corr_destroy(c);
    return SP_ENOMEM;
  }
  for (size_t i = 0; i < s->nrules; i++)
    if (s->rules[i].corr)
      for (size_t k = 0; k < s->rules[i].corr->nref; k++) {
        uint32_t b = s->rules[i].corr->ref_rules[k];
        c->refs[c->ridx[b] + fill[b]++] = (cref){(uint32_t)i, (uint32_t)k};
      }
  free(fill);
  *out = c;
  return SP_OK;
}

void sp_sigma_corr_destroy(sp_sigma_corr *c) {
  if (!c)
    return;
  for (size_t i = 0; i < c->n; i++)
    free(c->v[i].gtext);
  free(c->v);
  free(c->refs);
  free(c->ridx);
  free(c);
}

void sp_sigma_corr_add(sp_sigma_corr *c, const sp_sigma_match *m,
                       const sp_event *ev) {
  if (!c || m->rule_index >= c->s->nrules)
    return;
  for (size_t k = c->ridx[m->rule_index]; k < c->ridx[m->rule_index + 1]; k++) {
    const cref *r = &c->refs[k];
    const sg_corr *co = c->s->rules[r->corr].corr;
    if (c->used ? atomic_fetch_add(c->used, 1) >= c->cap : c->n >= c->cap) {
      c->dropped++;
      continue;
    }
    if (c->n == c->alloc) {
      size_t na = c->alloc ? c->alloc * 2 : 256;
      crec *nv = realloc(c->v, na * sizeof *nv);
      if (!nv) {
        c->oom = true;
        return;
      }
      c->v = nv;
      c->alloc = na;
    }
    char g[SG_GROUP_TEXT];
    size_t gn = 0;
    uint64_t gh = 1469598103934665603ULL;
    for (size_t i = 0; i < co->ngroup; i++) {
      const sp_fval *f = co->group_fields[i] >= 0
                             ? sp_event_find(ev, co->group_fields[i])
                             : NULL;
      sp_str v = f ? f->s : sp_str_make("", 0);
      gh = mix(gh, v.p, v.n);
      if (i && gn < sizeof g - 1)
        g[gn++] = '\x1f';
      size_t take = v.n < sizeof g - 1 - gn ? v.n : sizeof g - 1 - gn;
      if (take)
        memcpy(g + gn, v.p, take);
      gn += take;
    }
    g[gn] = 0;
    uint64_t vh = 0;
    if (co->type == SG_CORR_VALUE_COUNT) {
      const sp_fval *f =
          co->vfield_id >= 0 ? sp_event_find(ev, co->vfield_id) : NULL;
      if (!f)
        continue; /* no value to count */
      vh = mix(1469598103934665603ULL, f->s.p, f->s.n);
    }
    crec *x = &c->v[c->n];
    x->gtext = co->ngroup ? strdup(g) : NULL;
    if (co->ngroup && !x->gtext) {
      c->oom = true;
      return;
    }
    x->corr = r->corr;
    x->pos = r->pos;
    x->ts = ev->ts;
    x->group = gh;
    x->value = vh;
    x->file_id = ev->file_id;
    x->where = ev->line;
    x->kind = (uint8_t)ev->ref;
    c->n++;
  }
}

void sp_sigma_corr_merge(sp_sigma_corr *dst, sp_sigma_corr *src) {
  if (!dst || !src)
    return;
  dst->dropped += src->dropped;
  dst->oom |= src->oom;
  if (!src->n)
    return;
  if (dst->n + src->n > dst->alloc) {
    crec *nv = realloc(dst->v, (dst->n + src->n) * sizeof *nv);
    if (!nv) {
      dst->oom = true;
      return;
    }
    dst->v = nv;
    dst->alloc = dst->n + src->n;
  }
  memcpy(dst->v + dst->n, src->v, src->n * sizeof *src->v);
  dst->n += src->n;
  src->n = 0;
}

static int rec_cmp(const void *a, const void *b) {
  const crec *x = a, *y = b;
  if (x->corr != y->corr)
    return x->corr < y->corr ? -1 : 1;
  if (x->group != y->group)
    return x->group < y->group ? -1 : 1;
  if (x->ts != y->ts)
    return x->ts < y->ts ? -1 : 1;
  if (x->file_id != y->file_id)
    return x->file_id < y->file_id ? -1 : 1;
  if (x->where != y->where)
    return x->where < y->where ? -1 : 1;
  return x->pos < y->pos ? -1 : x->pos > y->pos;
}

static bool cond_ok(const sg_corr *co, int64_t v) {
  bool (*f)(int, int64_t, int64_t) = NULL;
  (void)f;
  int64_t th[2] = {co->lo, co->hi};
  uint8_t cm[2] = {co->cmp_lo, co->cmp_hi};
  for (int i = 0; i < (co->has_hi ? 2 : 1); i++) {
    bool ok;
    switch (cm[i]) {
    case SG_CMP_GT:
      ok = v > th[i];
      break;
    case SG_CMP_GTE:
      ok = v >= th[i];
      break;
    case SG_CMP_LT:
      ok = v < th[i];
      break;
    case SG_CMP_LTE:
      ok = v <= th[i];
      break;
    default:
      ok = v == th[i];
    }
    if (!ok)
      return false;
  }
  return true;
}

/* Counts per key (value hashes, or base rule positions + 1) with the
 * number of keys whose count is not zero: the distinct count of a window,
 * kept as records enter and leave it. Open addressing, never shrinks. */
typedef struct cmap {
  uint64_t *key;
  uint32_t *cnt;
  size_t cap;
  int64_t distinct;
} cmap;

static bool cmap_init(cmap *m, size_t n) {
  m->cap = 16;
  while (m->cap < 2 * n + 2)
    m->cap *= 2;
  m->key = calloc(m->cap, sizeof *m->key);
  m->cnt = calloc(m->cap, sizeof *m->cnt);
  m->distinct = 0;
  return m->key && m->cnt;
}

static void cmap_free(cmap *m) {
  free(m->key);
  free(m->cnt);
}

static void cmap_add(cmap *m, uint64_t k, int d) {
  k = k ? k : 1; /* 0 marks an empty slot */
  size_t i = (size_t)(k * 0x9E3779B97F4A7C15ULL) & (m->cap - 1);
  while (m->key[i] && m->key[i] != k)
    i = (i + 1) & (m->cap - 1);
  m->key[i] = k;
  if (d > 0) {
    if (m->cnt[i]++ == 0)
      m->distinct++;
  } else if (m->cnt[i] && --m->cnt[i] == 0) {
    m->distinct--;
  }
}

static uint64_t rec_key(const sg_corr *co, const crec *x) {
  return co->type == SG_CORR_VALUE_COUNT ? x->value : (uint64_t)x->pos + 1;
}

static void emit(const sp_sigma_corr *c, const sg_rule *cr, const crec *r,
                 size_t a, size_t b, int64_t measure, sp_fset *out) {
  const sg_corr *co = cr->corr;
  char reason[SP_MAX_REASON_LEN];
  static const char *const tn[] = {"event_count", "value_count", "temporal",
                                   "temporal_ordered"};
  snprintf(reason, sizeof reason,
           "Sigma correlation %s (%s): %lld within %llds", cr->meta.name,
           tn[co->type], (long long)measure,
           (long long)(co->timespan_ns / 1000000000LL));
  for (size_t i = a; i < b; i++) {
    sp_hit h;
    sp_hit_init(&h, &cr->meta, r[i].ts, r[i].file_id, r[i].where,
                (sp_ref_kind)r[i].kind);
    const char *g = r[a].gtext;
    char ent[SP_MAX_ENTITIES][SG_GROUP_TEXT + 64];
    for (size_t k = 0; g && k < co->ngroup && k < SP_MAX_ENTITIES; k++) {
      const char *e = strchr(g, '\x1f');
      size_t len = e ? (size_t)(e - g) : strlen(g);
      int w = snprintf(ent[k], sizeof ent[k], "%.60s=%.*s", co->group[k],
                       (int)len, g);
      if (w > 0) /* the field's name travels in the value: entity field
                    names must be static (results outlive the engine) */
        sp_hit_entity(&h, "sigma.group",
                      sp_str_make(ent[k], (size_t)w < sizeof ent[k]
                                              ? (size_t)w
                                              : sizeof ent[k] - 1));
      g = e ? e + 1 : NULL;
    }
    h.reason = sp_str_make(reason, strlen(reason));
    sp_fset_add(out, &h);
  }
  (void)c;
}

/* temporal_ordered: the referenced rules in the order listed within the
 * timespan. One pass: for each position, the latest start of a chain that
 * reaches it (the latest start gives the shortest chain). */
static void scan_ordered(const sp_sigma_corr *c, const sg_rule *cr,
                         const crec *r, size_t n, sp_fset *out) {
  const sg_corr *co = cr->corr;
  int64_t *ls = malloc(co->nref * sizeof *ls);
  size_t *lsi = malloc(co->nref * sizeof *lsi);
  if (!ls || !lsi) {
    free(ls);
    free(lsi);
    sp_fset_fail(out, SP_ENOMEM);
    return;
  }
  for (size_t k = 0; k < co->nref; k++)
    ls[k] = INT64_MIN;
  for (size_t k = 0; k < n; k++) {
    uint32_t p = r[k].pos;
    if (p >= co->nref)
      continue;
    if (p == 0) {
      ls[0] = r[k].ts;
      lsi[0] = k;
    } else if (ls[p - 1] != INT64_MIN && ls[p - 1] >= ls[p]) {
      ls[p] = ls[p - 1];
      lsi[p] = lsi[p - 1];
    } else if (ls[p - 1] == INT64_MIN) {
      continue;
    }
    size_t last = co->nref - 1;
    if (p == last && ls[last] != INT64_MIN &&
        r[k].ts - ls[last] <= co->timespan_ns &&
        cond_ok(co, (int64_t)co->nref)) {
      emit(c, cr, r, lsi[last], k + 1, (int64_t)co->nref, out);
      break;
    }
  }
  free(ls);
  free(lsi);
}

static void scan_group(const sp_sigma_corr *c, const sg_rule *cr, const crec *r,
                       size_t n, sp_fset *out) {
  const sg_corr *co = cr->corr;
  if (co->type == SG_CORR_TEMPORAL_ORDERED) {
    scan_ordered(c, cr, r, n, out);
    return;
  }
  bool fixed = co->has_hi || co->cmp_lo == SG_CMP_LT ||
               co->cmp_lo == SG_CMP_LTE || co->cmp_lo == SG_CMP_EQ;
  bool counting = co->type != SG_CORR_EVENT_COUNT;
  cmap m = {0};
  if (counting && !cmap_init(&m, n)) {
    cmap_free(&m);
    sp_fset_fail(out, SP_ENOMEM);
    return;
  }
  int64_t span = co->timespan_ns;
  size_t j = 0;
  for (size_t i = 0; i < n; i++) {
    if (fixed) {
      int64_t b0 = r[i].ts - ((r[i].ts % span) + span) % span;
      if (i > 0 && r[i - 1].ts >= b0)
        continue; /* not the first record of its window */
      j = i;
      while (j < n && r[j].ts < b0 + span) {
        if (counting)
          cmap_add(&m, rec_key(co, &r[j]), 1);
        j++;
      }
    } else {
      if (j < i)
        j = i;
      while (j < n && r[j].ts - r[i].ts <= span) {
        if (counting)
          cmap_add(&m, rec_key(co, &r[j]), 1);
        j++;
      }
    }
    int64_t meas = counting ? m.distinct : (int64_t)(j - i);
    if (cond_ok(co, meas)) {
      emit(c, cr, r, i, j, meas, out);
      break;
    }
    if (counting) { /* leave: the record i (sliding) or the window (fixed) */
      for (size_t k = i; k < (fixed ? j : i + 1); k++)
        cmap_add(&m, rec_key(co, &r[k]), -1);
    }
  }
  cmap_free(&m);
}

void sp_sigma_corr_end(sp_sigma_corr *c, sp_fset *out) {
  if (!c)
    return;
  if (c->oom)
    sp_fset_fail(out, SP_ENOMEM);
  sp_limits_add(sp_fset_limits(out), "sigma.correlation_events",
                "base rule matches a correlation could not keep", c->dropped);
  if (!c->n)
    return;
  qsort(c->v, c->n, sizeof *c->v, rec_cmp);
  for (size_t i = 0; i < c->n;) {
    size_t j = i;
    while (j < c->n && c->v[j].corr == c->v[i].corr &&
           c->v[j].group == c->v[i].group)
      j++;
    scan_group(c, &c->s->rules[c->v[i].corr], c->v + i, j - i, out);
    i = j;
  }
}
