/*
 * names.c - interned name tables (names.h): an open-addressing hash from
 * name to id under a mutex, and pages of id -> name that never move.
 */
#include "event/names.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>

#define PAGE_BITS 10
#define PAGE_SIZE (1u << PAGE_BITS)
#define MAX_PAGES ((SP_NAMES_MAX + PAGE_SIZE) / PAGE_SIZE)

typedef struct entry {
  char *name;
  sp_ftype type;
} entry;

typedef struct symtab {
  _Atomic(entry *) pages[MAX_PAGES];
  atomic_uint count;
  uint32_t *slots; /* id + 1, 0 = empty */
  size_t cap;      /* power of two */
} symtab;

struct sp_names {
  pthread_mutex_t mu;
  symtab fields, kinds;
};

static uint64_t hash(const char *s, size_t n) {
  uint64_t h = 1469598103934665603ull;
  for (size_t i = 0; i < n; i++) {
    h ^= (unsigned char)s[i];
    h *= 1099511628211ull;
  }
  return h;
}

static entry *at(const symtab *t, unsigned id) {
  entry *pg = atomic_load_explicit(&((symtab *)t)->pages[id >> PAGE_BITS],
                                   memory_order_acquire);
  return pg ? &pg[id & (PAGE_SIZE - 1)] : NULL;
}

static int find(const symtab *t, const char *name, size_t n) {
  if (!t->cap)
    return -1;
  size_t mask = t->cap - 1;
  for (size_t i = hash(name, n) & mask;; i = (i + 1) & mask) {
    uint32_t v = t->slots[i];
    if (!v)
      return -1;
    entry *e = at(t, v - 1);
    if (strlen(e->name) == n && memcmp(e->name, name, n) == 0)
      return (int)(v - 1);
  }
}

static bool grow(symtab *t) {
  size_t ncap = t->cap ? t->cap * 2 : 256;
  uint32_t *ns = calloc(ncap, sizeof *ns);
  if (!ns)
    return false;
  unsigned cnt = atomic_load(&t->count);
  for (unsigned id = 0; id < cnt; id++) {
    entry *e = at(t, id);
    size_t i = hash(e->name, strlen(e->name)) & (ncap - 1);
    while (ns[i])
      i = (i + 1) & (ncap - 1);
    ns[i] = id + 1;
  }
  free(t->slots);
  t->slots = ns;
  t->cap = ncap;
  return true;
}

static int intern(symtab *t, const char *name, size_t n, sp_ftype type) {
  if (n == 0 || n > SP_NAME_MAX_LEN || memchr(name, 0, n))
    return -1;
  int id = find(t, name, n);
  if (id >= 0)
    return id;
  unsigned cnt = atomic_load(&t->count);
  if (cnt >= SP_NAMES_MAX)
    return -1;
  if ((cnt + 1) * 2 > t->cap && !grow(t))
    return -1;
  unsigned pg = cnt >> PAGE_BITS;
  if (!atomic_load(&t->pages[pg])) {
    entry *p = calloc(PAGE_SIZE, sizeof *p);
    if (!p)
      return -1;
    atomic_store_explicit(&t->pages[pg], p, memory_order_release);
  }
  char *copy = malloc(n + 1);
  if (!copy)
    return -1;
  memcpy(copy, name, n);
  copy[n] = 0;
  entry *e = at(t, cnt);
  e->name = copy;
  e->type = type;
  size_t mask = t->cap - 1, i = hash(name, n) & mask;
  while (t->slots[i])
    i = (i + 1) & mask;
  t->slots[i] = cnt + 1;
  atomic_store_explicit(&t->count, cnt + 1, memory_order_release);
  return (int)cnt;
}

static void symtab_free(symtab *t) {
  unsigned cnt = atomic_load(&t->count);
  for (unsigned id = 0; id < cnt; id++)
    free(at(t, id)->name);
  for (size_t p = 0; p < MAX_PAGES; p++)
    free(atomic_load(&t->pages[p]));
  free(t->slots);
}

static const char *name_of(const symtab *t, int id) {
  if (id < 0 || (unsigned)id >= atomic_load_explicit(&((symtab *)t)->count,
                                                     memory_order_acquire))
    return "";
  return at(t, (unsigned)id)->name;
}

sp_err sp_names_create(sp_names **out) {
  *out = NULL;
  sp_names *nm = calloc(1, sizeof *nm);
  if (!nm)
    return SP_ENOMEM;
  pthread_mutex_init(&nm->mu, NULL);
  for (int i = 0; i < SP_F__COUNT; i++) {
    const char *n = sp_field_name((sp_field)i);
    if (intern(&nm->fields, n, strlen(n), sp_field_type((sp_field)i)) != i) {
      sp_names_destroy(nm);
      return SP_ENOMEM;
    }
  }
  for (int i = 0; i < SP_SRC__COUNT; i++) {
    const char *n = sp_source_kind_name((sp_source_kind)i);
    if (intern(&nm->kinds, n, strlen(n), SP_T_STR) != i) {
      sp_names_destroy(nm);
      return SP_ENOMEM;
    }
  }
  *out = nm;
  return SP_OK;
}

void sp_names_destroy(sp_names *nm) {
  if (!nm)
    return;
  symtab_free(&nm->fields);
  symtab_free(&nm->kinds);
  pthread_mutex_destroy(&nm->mu);
  free(nm);
}

int sp_names_field_typed(sp_names *nm, const char *name, size_t n,
                         sp_ftype type) {
  pthread_mutex_lock(&nm->mu);
  int id = intern(&nm->fields, name, n, type);
  pthread_mutex_unlock(&nm->mu);
  return id;
}

int sp_names_field(sp_names *nm, const char *name, size_t n) {
  return sp_names_field_typed(nm, name, n, SP_T_STR);
}

int sp_names_field_find(const sp_names *nm, const char *name, size_t n) {
  sp_names *m = (sp_names *)nm;
  pthread_mutex_lock(&m->mu);
  int id = find(&m->fields, name, n);
  pthread_mutex_unlock(&m->mu);
  return id;
}

const char *sp_names_field_name(const sp_names *nm, int id) {
  return name_of(&nm->fields, id);
}

sp_ftype sp_names_field_type(const sp_names *nm, int id) {
  if (id < 0 || (unsigned)id >= atomic_load(&((sp_names *)nm)->fields.count))
    return SP_T_STR;
  return at(&nm->fields, (unsigned)id)->type;
}

size_t sp_names_field_count(const sp_names *nm) {
  return atomic_load(&((sp_names *)nm)->fields.count);
}

int sp_names_kind(sp_names *nm, const char *name) {
  pthread_mutex_lock(&nm->mu);
  int id = intern(&nm->kinds, name, strlen(name), SP_T_STR);
  pthread_mutex_unlock(&nm->mu);
  return id;
}

int sp_names_kind_find(const sp_names *nm, const char *name) {
  sp_names *m = (sp_names *)nm;
  pthread_mutex_lock(&m->mu);
  int id = find(&m->kinds, name, strlen(name));
  pthread_mutex_unlock(&m->mu);
  return id;
}

const char *sp_names_kind_name(const sp_names *nm, int id) {
  return name_of(&nm->kinds, id);
}
