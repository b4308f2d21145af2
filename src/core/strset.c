/*
 * strset.c - open-addressing string set (see strset.h). Strings are stored
 * as separately allocated copies; the table doubles at 50% load up to the
 * cap given at creation.
 */
#include "core/strset.h"

#include <stdlib.h>

struct sp_strset {
  char **slots;
  size_t *lens;
  size_t cap, count, max_items;
};

uint64_t sp_hash_bytes(const char *p, size_t n, bool fold) {
  uint64_t h = 1469598103934665603ULL;
  for (size_t i = 0; i < n; i++) {
    unsigned c = (unsigned char)p[i];
    if (fold)
      c = (unsigned)sp_lower((int)c);
    h ^= c;
    h *= 1099511628211ULL;
  }
  return h;
}

sp_err sp_strset_create(size_t max_items, sp_strset **out) {
  *out = NULL;
  sp_strset *s = calloc(1, sizeof *s);
  if (!s)
    return SP_ENOMEM;
  s->cap = 64;
  s->max_items = max_items ? max_items : 1;
  s->slots = calloc(s->cap, sizeof *s->slots);
  s->lens = calloc(s->cap, sizeof *s->lens);
  if (!s->slots || !s->lens) {
    sp_strset_destroy(s);
    return SP_ENOMEM;
  }
  *out = s;
  return SP_OK;
}

void sp_strset_destroy(sp_strset *s) {
  if (!s)
    return;
  if (s->slots)
    for (size_t i = 0; i < s->cap; i++)
      free(s->slots[i]);
  free(s->slots);
  free(s->lens);
  free(s);
}

static bool same(const char *a, size_t an, sp_str b, bool fold) {
  if (an != b.n)
    return false;
  if (!fold)
    return memcmp(a, b.p, an) == 0;
  for (size_t i = 0; i < an; i++)
    if (a[i] != (char)sp_lower((unsigned char)b.p[i]))
      return false;
  return true;
}

static size_t find_slot(char **slots, size_t *lens, size_t cap, sp_str v,
                        bool fold) {
  size_t i = (size_t)sp_hash_bytes(v.p, v.n, fold) & (cap - 1);
  while (slots[i] && !same(slots[i], lens[i], v, fold))
    i = (i + 1) & (cap - 1);
  return i;
}

static sp_err grow(sp_strset *s) {
  size_t ncap = s->cap * 2;
  char **ns = calloc(ncap, sizeof *ns);
  size_t *nl = calloc(ncap, sizeof *nl);
  if (!ns || !nl) {
    free(ns);
    free(nl);
    return SP_ENOMEM;
  }
  for (size_t i = 0; i < s->cap; i++) {
    if (!s->slots[i])
      continue;
    size_t j =
        find_slot(ns, nl, ncap, sp_str_make(s->slots[i], s->lens[i]), false);
    ns[j] = s->slots[i];
    nl[j] = s->lens[i];
  }
  free(s->slots);
  free(s->lens);
  s->slots = ns;
  s->lens = nl;
  s->cap = ncap;
  return SP_OK;
}

sp_err sp_strset_add(sp_strset *s, sp_str v, bool fold) {
  if (sp_strset_has(s, v, fold))
    return SP_OK;
  if (s->count >= s->max_items)
    return SP_ELIMIT;
  if ((s->count + 1) * 2 > s->cap) {
    sp_err e = grow(s);
    if (e)
      return e;
  }
  char *copy = malloc(v.n + 1);
  if (!copy)
    return SP_ENOMEM;
  for (size_t i = 0; i < v.n; i++)
    copy[i] = fold ? (char)sp_lower((unsigned char)v.p[i]) : v.p[i];
  copy[v.n] = 0;
  size_t j =
      find_slot(s->slots, s->lens, s->cap, sp_str_make(copy, v.n), false);
  s->slots[j] = copy;
  s->lens[j] = v.n;
  s->count++;
  return SP_OK;
}

bool sp_strset_has(const sp_strset *s, sp_str v, bool fold) {
  if (!s || s->count == 0)
    return false;
  size_t i = find_slot(s->slots, s->lens, s->cap, v, fold);
  return s->slots[i] != NULL;
}

size_t sp_strset_count(const sp_strset *s) { return s ? s->count : 0; }
size_t sp_strset_capacity(const sp_strset *s) { return s ? s->cap : 0; }
sp_str sp_strset_slot(const sp_strset *s, size_t i) {
  if (!s || i >= s->cap || !s->slots[i])
    return sp_str_make(NULL, 0);
  return sp_str_make(s->slots[i], s->lens[i]);
}
