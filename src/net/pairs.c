/*
 * pairs.c - the compact pair table (see pairs.h): records in one growing
 * array, an open-addressing index of record numbers, per-record varint
 * series. The table owns every record and buffer.
 */
#include "net/pairs.h"
#include "core/strset.h"

#include <stdlib.h>
#include <string.h>

struct sp_ntab {
  sp_npair *v;
  size_t n, cap;
  uint64_t *idx; /* (hash tag << 32) | (record + 1); 0 = empty: a probe
                    touches a record only when the tag matches */
  size_t idx_cap;
  size_t bytes, cap_bytes;
  uint64_t dropped;  /* connections of pairs never created */
  uint64_t unstored; /* connections counted but not in a series */
  bool with_dur;
};

static uint64_t pair_hash(const sp_ip *s, const sp_ip *d) {
  uint64_t a, b, c, e;
  memcpy(&a, s->b, 8);
  memcpy(&b, s->b + 8, 8);
  memcpy(&c, d->b, 8);
  memcpy(&e, d->b + 8, 8);
  return sp_mix64(a ^ sp_mix64(b ^ sp_mix64(c ^ sp_mix64(e + 0x9e37))));
}

sp_err sp_ntab_create(size_t mem_cap, bool with_dur, sp_ntab **out) {
  sp_ntab *t = calloc(1, sizeof *t);
  if (!t)
    return SP_ENOMEM;
  t->cap_bytes = mem_cap;
  t->with_dur = with_dur;
  *out = t;
  return SP_OK;
}

void sp_ntab_destroy(sp_ntab *t) {
  if (!t)
    return;
  for (size_t i = 0; i < t->n; i++)
    free(t->v[i].buf);
  free(t->v);
  free(t->idx);
  free(t);
}

static uint64_t slot_of(uint64_t h, size_t i) {
  return (h & 0xffffffff00000000ull) | (uint64_t)(i + 1);
}

static bool grow_index(sp_ntab *t) {
  size_t ncap = t->idx_cap ? t->idx_cap * 2 : 1024;
  size_t add = (ncap - t->idx_cap) * sizeof(uint64_t);
  if (t->bytes + add > t->cap_bytes)
    return false;
  uint64_t *ni = calloc(ncap, sizeof *ni);
  if (!ni)
    return false;
  for (size_t i = 0; i < t->n; i++) {
    size_t j = t->v[i].hash & (ncap - 1);
    while (ni[j])
      j = (j + 1) & (ncap - 1);
    ni[j] = slot_of(t->v[i].hash, i);
  }
  free(t->idx);
  t->idx = ni;
  t->bytes += add;
  t->idx_cap = ncap;
  return true;
}

sp_npair *sp_ntab_get(sp_ntab *t, const sp_ip *src, const sp_ip *dst) {
  uint64_t h = pair_hash(src, dst);
  if (t->idx_cap) {
    size_t j = h & (t->idx_cap - 1);
    uint64_t tag = h & 0xffffffff00000000ull;
    while (t->idx[j]) {
      if ((t->idx[j] & 0xffffffff00000000ull) == tag) {
        sp_npair *p = &t->v[(uint32_t)t->idx[j] - 1];
        if (p->hash == h && memcmp(&p->src, src, sizeof *src) == 0 &&
            memcmp(&p->dst, dst, sizeof *dst) == 0)
          return p;
      }
      j = (j + 1) & (t->idx_cap - 1);
    }
  }
  if (t->n >= UINT32_MAX - 1)
    return NULL;
  if ((t->n + 1) * 2 > t->idx_cap && !grow_index(t))
    return NULL;
  if (t->n == t->cap) {
    size_t ncap = t->cap ? t->cap * 2 : 1024;
    size_t add = (ncap - t->cap) * sizeof(sp_npair);
    if (t->bytes + add > t->cap_bytes)
      return NULL;
    sp_npair *nv = realloc(t->v, ncap * sizeof *nv);
    if (!nv)
      return NULL;
    t->v = nv;
    t->cap = ncap;
    t->bytes += add;
  }
  sp_npair *p = &t->v[t->n];
  memset(p, 0, sizeof *p);
  p->src = *src;
  p->dst = *dst;
  p->hash = h;
  p->first = INT64_MAX;
  p->last = INT64_MIN;
  p->ref_ts = INT64_MAX;
  size_t j = h & (t->idx_cap - 1);
  while (t->idx[j])
    j = (j + 1) & (t->idx_cap - 1);
  t->idx[j] = slot_of(h, t->n++);
  return p;
}

static size_t put_varint(uint8_t *o, uint64_t v) {
  size_t k = 0;
  while (v >= 0x80) {
    o[k++] = (uint8_t)(v | 0x80);
    v >>= 7;
  }
  o[k++] = (uint8_t)v;
  return k;
}

static uint64_t get_varint(const uint8_t *b, uint32_t len, uint32_t *pos) {
  uint64_t v = 0;
  for (unsigned sh = 0; *pos < len && sh < 64; sh += 7) {
    uint8_t c = b[(*pos)++];
    v |= (uint64_t)(c & 0x7f) << sh;
    if (!(c & 0x80))
      break;
  }
  return v;
}

bool sp_npair_append(sp_ntab *t, sp_npair *p, int64_t ts, uint64_t size,
                     uint64_t dur_us) {
  if (p->n_stored >= SP_NPAIR_MAX_SERIES) {
    t->unstored++;
    return false;
  }
  if (p->len + 30 > p->cap) {
    uint32_t ncap = p->cap ? p->cap * 2 : 32;
    if (ncap < p->len + 30 || p->cap >= (1u << 30)) {
      t->unstored++;
      return false;
    }
    size_t add = ncap - p->cap;
    uint8_t *nb = t->bytes + add <= t->cap_bytes ? realloc(p->buf, ncap) : NULL;
    if (!nb) {
      t->unstored++;
      return false;
    }
    p->buf = nb;
    p->cap = ncap;
    t->bytes += add;
  }
  int64_t d = ts - (p->n_stored ? p->prev : 0);
  uint64_t z = ((uint64_t)d << 1) ^ (uint64_t)(d >> 63);
  p->len += (uint32_t)put_varint(p->buf + p->len, z);
  p->len += (uint32_t)put_varint(p->buf + p->len, size);
  if (t->with_dur)
    p->len += (uint32_t)put_varint(p->buf + p->len, dur_us);
  p->prev = ts;
  p->n_stored++;
  return true;
}

void sp_npair_decode(const sp_ntab *t, const sp_npair *p, int64_t *ts,
                     int64_t *sizes, int64_t *durs) {
  uint32_t pos = 0;
  int64_t prev = 0;
  for (uint32_t i = 0; i < p->n_stored; i++) {
    uint64_t z = get_varint(p->buf, p->len, &pos);
    int64_t d = (int64_t)(z >> 1) ^ -(int64_t)(z & 1);
    prev += d;
    ts[i] = prev;
    sizes[i] = (int64_t)get_varint(p->buf, p->len, &pos);
    if (t->with_dur) {
      int64_t du = (int64_t)get_varint(p->buf, p->len, &pos);
      if (durs)
        durs[i] = du;
    }
  }
}

void sp_ntab_drop(sp_ntab *t, uint64_t n) { t->dropped += n; }
uint64_t sp_ntab_dropped(const sp_ntab *t) { return t->dropped; }
uint64_t sp_ntab_unstored(const sp_ntab *t) { return t->unstored; }
size_t sp_ntab_bytes(const sp_ntab *t) { return t->bytes; }
size_t sp_ntab_count(const sp_ntab *t) { return t->n; }
sp_npair *sp_ntab_at(sp_ntab *t, size_t i) { return &t->v[i]; }

static void add_open(sp_npair *d, const sp_nopen *o) {
  for (int k = 0; k < SP_NPAIR_OPEN; k++) {
    if (d->open[k].uid == o->uid) {
      if (o->dur > d->open[k].dur)
        d->open[k].dur = o->dur;
      d->open[k].closed |= o->closed;
      return;
    }
    if (!d->open[k].uid) {
      d->open[k] = *o;
      return;
    }
  }
}

bool sp_ntab_merge(sp_ntab *dst, sp_ntab *src) {
  bool ok = true;
  /* The budget is divided among the instances: the merged table holds
   * what they held, so it gets their budgets too. */
  dst->cap_bytes += src->cap_bytes;
  dst->dropped += src->dropped;
  dst->unstored += src->unstored;
  for (size_t i = 0; i < src->n; i++) {
    sp_npair *s = &src->v[i];
    sp_npair *d = sp_ntab_get(dst, &s->src, &s->dst);
    if (!d) {
      dst->dropped += s->n;
      continue;
    }
    if (s->n_stored && !d->n_stored && !d->buf) {
      d->buf = s->buf; /* the same encoding: take the series whole */
      d->len = s->len;
      d->cap = s->cap;
      d->n_stored = s->n_stored;
      d->prev = s->prev;
      dst->bytes += s->cap;
      s->buf = NULL;
    } else if (s->n_stored) {
      int64_t *ts = malloc(s->n_stored * sizeof *ts);
      int64_t *sz = malloc(s->n_stored * sizeof *sz);
      int64_t *du = calloc(s->n_stored, sizeof *du);
      if (ts && sz && du) {
        sp_npair_decode(src, s, ts, sz, du);
        for (uint32_t k = 0; k < s->n_stored; k++)
          sp_npair_append(dst, d, ts[k], (uint64_t)sz[k], (uint64_t)du[k]);
      } else {
        ok = false;
        dst->unstored += s->n_stored;
      }
      free(ts);
      free(sz);
      free(du);
    }
    d->n += s->n;
    d->n_ntp += s->n_ntp;
    d->n_open += s->n_open;
    d->orig_bytes += s->orig_bytes;
    d->resp_bytes += s->resp_bytes;
    d->night_bytes += s->night_bytes;
    d->dur_closed += s->dur_closed;
    if (s->dur_max > d->dur_max)
      d->dur_max = s->dur_max;
    if (s->first < d->first)
      d->first = s->first;
    if (s->last > d->last)
      d->last = s->last;
    if (s->ref_ts < d->ref_ts ||
        (s->ref_ts == d->ref_ts &&
         (s->ref_file < d->ref_file ||
          (s->ref_file == d->ref_file && s->ref_line < d->ref_line)))) {
      d->ref_ts = s->ref_ts;
      d->ref_file = s->ref_file;
      d->ref_line = s->ref_line;
      d->ref_kind = s->ref_kind;
      d->port = s->port;
    }
    for (int k = 0; k < SP_NPAIR_OPEN && s->open[k].uid; k++)
      add_open(d, &s->open[k]);
  }
  for (size_t i = 0; i < src->n; i++)
    free(src->v[i].buf);
  free(src->v);
  free(src->idx);
  memset(src, 0, sizeof *src);
  return ok;
}
