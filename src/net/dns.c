/*
 * dns.c - the per-registered-domain DNS aggregate (see dns.h). Owns its
 * domain records, their names and their sets of name hashes.
 */
#include "net/dns.h"
#include "core/strset.h"
#include "net/rita.h"

#include <libpsl.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define HOSTS_MAX 16

typedef struct dom {
  char *name;
  uint64_t hash;
  uint64_t queries, txt_null;
  uint64_t *set; /* distinct name hashes, 0 = empty */
  uint32_t n_set, cap_set;
  bool saturated;
  uint32_t max_label;
  double sum_entropy, sum_len; /* over queries with a left part */
  uint64_t n_left;
  uint64_t hosts[HOSTS_MAX];
  uint32_t n_hosts;
  sp_ip first_src;
  int64_t first_ts;
  uint32_t ref_file;
  uint64_t ref_line;
  int ref_kind;
} dom;

struct sp_dnsagg {
  const psl_ctx_t *psl;
  dom *d;
  size_t n, cap;
  uint32_t *idx; /* dom + 1 */
  size_t idx_cap;
  uint64_t dropped;
};

sp_err sp_dnsagg_create(const void *psl, sp_dnsagg **out) {
  sp_dnsagg *a = calloc(1, sizeof *a);
  if (!a)
    return SP_ENOMEM;
  a->psl = psl;
  *out = a;
  return SP_OK;
}

void sp_dnsagg_destroy(sp_dnsagg *a) {
  if (!a)
    return;
  for (size_t i = 0; i < a->n; i++) {
    free(a->d[i].name);
    free(a->d[i].set);
  }
  free(a->d);
  free(a->idx);
  free(a);
}

double sp_dns_entropy(const char *s, size_t n) {
  if (!n)
    return 0;
  unsigned cnt[256] = {0};
  for (size_t i = 0; i < n; i++)
    cnt[(unsigned char)s[i]]++;
  double h = 0;
  for (int c = 0; c < 256; c++)
    if (cnt[c]) {
      double p = (double)cnt[c] / n;
      h -= p * log2(p);
    }
  return h;
}

bool sp_dns_registered(const void *psl, const char *name, size_t n, char *out) {
  if (n && name[n - 1] == '.')
    n--;
  if (!n || n > 253 || !psl)
    return false;
  char low[256];
  for (size_t i = 0; i < n; i++)
    low[i] = (char)sp_lower((unsigned char)name[i]);
  low[n] = 0;
  const char *r = psl_registrable_domain(psl, low);
  if (!r) {
    /* psl_registrable_domain refuses names whose last label is no known
     * suffix (internal zones, invented TLDs): take the last two labels. */
    size_t dots = 0, i = n;
    while (i > 0) {
      if (low[i - 1] == '.' && ++dots == 2)
        break;
      i--;
    }
    if (dots < 1 || psl_is_public_suffix(psl, low))
      return false;
    r = low + i;
  }
  size_t rn = strlen(r);
  memcpy(out, r, rn + 1);
  return true;
}

static bool set_add(dom *d, uint64_t h) {
  h |= 1;
  if ((d->n_set + 1) * 2 > d->cap_set) {
    if (d->n_set >= SP_DNS_NAMES) {
      d->saturated = true;
      return true;
    }
    uint32_t ncap = d->cap_set ? d->cap_set * 2 : 16;
    uint64_t *ns = calloc(ncap, sizeof *ns);
    if (!ns)
      return false;
    for (uint32_t i = 0; i < d->cap_set; i++)
      if (d->set[i]) {
        uint32_t j = (uint32_t)sp_mix64(d->set[i]) & (ncap - 1);
        while (ns[j])
          j = (j + 1) & (ncap - 1);
        ns[j] = d->set[i];
      }
    free(d->set);
    d->set = ns;
    d->cap_set = ncap;
  }
  uint32_t j = (uint32_t)sp_mix64(h) & (d->cap_set - 1);
  while (d->set[j]) {
    if (d->set[j] == h)
      return true;
    j = (j + 1) & (d->cap_set - 1);
  }
  d->set[j] = h;
  d->n_set++;
  return true;
}

static dom *get_dom(sp_dnsagg *a, const char *reg, size_t rn) {
  uint64_t h = sp_hash_bytes(reg, rn, false);
  if (a->idx_cap) {
    size_t j = sp_mix64(h) & (a->idx_cap - 1);
    while (a->idx[j]) {
      dom *d = &a->d[a->idx[j] - 1];
      if (d->hash == h && strlen(d->name) == rn &&
          memcmp(d->name, reg, rn) == 0)
        return d;
      j = (j + 1) & (a->idx_cap - 1);
    }
  }
  if (a->n >= SP_DNS_DOMAINS)
    return NULL;
  if ((a->n + 1) * 2 > a->idx_cap) {
    size_t ncap = a->idx_cap ? a->idx_cap * 2 : 1024;
    uint32_t *ni = calloc(ncap, sizeof *ni);
    if (!ni)
      return NULL;
    for (size_t i = 0; i < a->n; i++) {
      size_t j = sp_mix64(a->d[i].hash) & (ncap - 1);
      while (ni[j])
        j = (j + 1) & (ncap - 1);
      ni[j] = (uint32_t)i + 1;
    }
    free(a->idx);
    a->idx = ni;
    a->idx_cap = ncap;
  }
  if (a->n == a->cap) {
    size_t ncap = a->cap ? a->cap * 2 : 256;
    dom *nd = realloc(a->d, ncap * sizeof *nd);
    if (!nd)
      return NULL;
    a->d = nd;
    a->cap = ncap;
  }
  dom *d = &a->d[a->n];
  memset(d, 0, sizeof *d);
  if (!(d->name = malloc(rn + 1)))
    return NULL;
  memcpy(d->name, reg, rn);
  d->name[rn] = 0;
  d->hash = h;
  d->first_ts = INT64_MAX;
  size_t j = sp_mix64(h) & (a->idx_cap - 1);
  while (a->idx[j])
    j = (j + 1) & (a->idx_cap - 1);
  a->idx[j] = (uint32_t)++a->n;
  return d;
}

static void add_host(dom *d, uint64_t h) {
  for (uint32_t i = 0; i < d->n_hosts; i++)
    if (d->hosts[i] == h)
      return;
  if (d->n_hosts < HOSTS_MAX)
    d->hosts[d->n_hosts++] = h;
}

bool sp_dnsagg_add(sp_dnsagg *a, const char *name, size_t n, int qtype,
                   const sp_ip *src, int64_t ts, uint32_t file, uint64_t line,
                   int ref_kind) {
  if (n && name[n - 1] == '.')
    n--;
  char reg[256], low[256];
  if (!n || n > 253 || !sp_dns_registered(a->psl, name, n, reg))
    return true;
  size_t rn = strlen(reg);
  dom *d = get_dom(a, reg, rn);
  if (!d) {
    a->dropped++;
    return a->n >= SP_DNS_DOMAINS;
  }
  sp_lower_copy(low, name, n);
  d->queries++;
  if (qtype == 16 || qtype == 10)
    d->txt_null++;
  /* Exploded names: every suffix from the registered domain up. */
  if (!set_add(d, sp_hash_bytes(low + n - rn, rn, false)))
    return false;
  for (size_t i = n - rn; i-- > 0;)
    if (i == 0 || low[i - 1] == '.')
      if (!set_add(d, sp_hash_bytes(low + i, n - i, false)))
        return false;
  size_t left = n > rn ? n - rn - 1 : 0;
  if (left) {
    d->sum_entropy += sp_dns_entropy(low, left);
    d->sum_len += (double)left;
    d->n_left++;
    size_t run = 0;
    for (size_t i = 0; i <= left; i++) {
      if (i == left || low[i] == '.') {
        if (run > d->max_label)
          d->max_label = (uint32_t)run;
        run = 0;
      } else
        run++;
    }
  }
  if (src) {
    uint64_t a0, b0;
    memcpy(&a0, src->b, 8);
    memcpy(&b0, src->b + 8, 8);
    add_host(d, sp_mix64(a0 ^ sp_mix64(b0)) | 1);
  }
  if (ts < d->first_ts ||
      (ts == d->first_ts &&
       (file < d->ref_file || (file == d->ref_file && line < d->ref_line)))) {
    d->first_ts = ts;
    d->ref_file = file;
    d->ref_line = line;
    d->ref_kind = ref_kind;
    if (src)
      d->first_src = *src;
  }
  return true;
}

bool sp_dnsagg_merge(sp_dnsagg *dst, sp_dnsagg *src) {
  bool ok = true;
  dst->dropped += src->dropped;
  for (size_t i = 0; i < src->n; i++) {
    dom *s = &src->d[i];
    dom *d = get_dom(dst, s->name, strlen(s->name));
    if (!d) {
      dst->dropped += s->queries;
      continue;
    }
    d->queries += s->queries;
    d->txt_null += s->txt_null;
    for (uint32_t k = 0; k < s->cap_set; k++)
      if (s->set[k])
        ok &= set_add(d, s->set[k]);
    d->saturated |= s->saturated;
    if (s->max_label > d->max_label)
      d->max_label = s->max_label;
    d->sum_entropy += s->sum_entropy;
    d->sum_len += s->sum_len;
    d->n_left += s->n_left;
    for (uint32_t k = 0; k < s->n_hosts; k++)
      add_host(d, s->hosts[k]);
    if (s->first_ts < d->first_ts ||
        (s->first_ts == d->first_ts &&
         (s->ref_file < d->ref_file ||
          (s->ref_file == d->ref_file && s->ref_line < d->ref_line)))) {
      d->first_ts = s->first_ts;
      d->ref_file = s->ref_file;
      d->ref_line = s->ref_line;
      d->ref_kind = s->ref_kind;
      d->first_src = s->first_src;
    }
  }
  return ok;
}

uint64_t sp_dnsagg_dropped(const sp_dnsagg *a) { return a->dropped; }
size_t sp_dnsagg_count(const sp_dnsagg *a) { return a->n; }

void sp_dnsagg_get(const sp_dnsagg *a, size_t i, sp_dnsdom *o) {
  const dom *d = &a->d[i];
  memset(o, 0, sizeof *o);
  size_t rn = strlen(d->name);
  memcpy(o->name, d->name, rn + 1);
  o->queries = d->queries;
  o->txt_null = d->txt_null;
  o->unique = d->n_set;
  o->saturated = d->saturated;
  o->max_label = d->max_label;
  o->mean_entropy = d->n_left ? d->sum_entropy / d->n_left : 0;
  o->mean_len = d->n_left ? d->sum_len / d->n_left : 0;
  o->first_src = d->first_src;
  o->hosts = d->n_hosts;
  o->first_ts = d->first_ts;
  o->ref_file = d->ref_file;
  o->ref_line = d->ref_line;
  o->ref_kind = d->ref_kind;
  o->c2 = sp_rita_bucketed(o->unique, 100, 500, 800, 1000);
  double sl = fmin(fmax((o->mean_len - 10) / 30, 0), 1);
  double se = fmin(fmax((o->mean_entropy - 2.5) / 1.5, 0), 1);
  o->shape = fmax(sl * se, o->max_label >= 40 ? 1.0 : 0.0);
  o->txtnull = d->queries ? (double)d->txt_null / (double)d->queries : 0;
  o->score = fmax(o->c2, 0.5 * o->c2 + 0.3 * o->shape + 0.2 * o->txtnull);
  o->score = sp_rita_r3(o->score);
  bool shaped =
      (o->mean_len >= 20 && o->mean_entropy >= 3.5) || o->max_label >= 40;
  o->tunnel = o->unique >= SP_DNS_UNIQUE_MIN ||
              (shaped && o->unique >= SP_DNS_SHAPE_UNIQUE) ||
              (o->queries >= 20 && o->unique >= 10 && o->txtnull > 0.5);
}
