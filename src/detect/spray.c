/*
 * spray.c - password spraying and brute force against OWA, ECP, EWS,
 * ActiveSync, autodiscover, MAPI and RPC, from IIS and HttpProxy logs.
 *
 * The rules follow MITRE ATT&CK: T1110.003 Password Spraying (one or a few
 * passwords tried against many accounts, staying under lockout thresholds),
 * T1110.001 Password Guessing (many passwords against one account) and
 * T1078 Valid Accounts (what a correct guess gives). Judged per source
 * address over the whole input:
 *  - >= SPRAY_USERS distinct accounts failed (401 with a user name):
 *    password spraying;
 *  - >= BRUTE_FAILS failures on one account: brute force;
 *  - a success (2xx with a user name) for any account, at or after the first
 *    failure, from a source that sprayed or brute-forced: success after
 *    failures (names the account).
 * An attempt logged by both IIS and HttpProxy counts once: failures are
 * counted per log kind and the larger count wins.
 *
 * What it remembers, in one run-wide state:
 *  - failures, per source that has any: per failed account the exact counts
 *    and the REFS_PER_USER earliest references; the source's first failure;
 *  - successes, per source that has any: per account the latest success.
 *    A benign client costs one small success record; only sources that fail
 *    get failure state.
 * "Earliest" and "latest" follow the total order (time, file id, line).
 *
 * Budgets, each kept by content so what survives depends only on the input,
 * never on -j or the order files arrive in:
 *  - MAX_SOURCES sources with failures and MAX_PAIRS failed (source, account)
 *    pairs: over either, the sources with the largest mixed address hash are
 *    dropped whole until both fit (limit "spray.sources");
 *  - MAX_USERS_PER_SRC failed accounts per source: those with the largest
 *    mixed name hash are folded into the source's overflow count, still
 *    counted but no longer named ("spray.accounts_per_source");
 *  - MAX_OK_SOURCES sources with successes and MAX_SUCCESSES (source,
 *    account) successes: the same, by address ("spray.successes");
 *  - MAX_OK_PER_SRC accounts with a success per source: the accounts with
 *    the smallest mixed name hashes are kept; the others are counted, and
 *    reported when their source sprayed ("spray.successes_per_source").
 * The first three keep the entries ranked at or below a limit that walks
 * down a fixed sequence until they fit; the last keeps the k smallest ranks.
 * Nothing is ever dropped except by those rules, so where they stop depends
 * only on the input.
 *
 * Threads: the run-wide state lives in sp_dctx.share. Each worker queues its
 * logon events in a batch (BATCH_EVENTS events, their strings in
 * BATCH_BYTES) and applies it under the share's lock when full and at the
 * end: one lock per batch, and memory is the run-wide state plus a batch per
 * worker. Without a share (unit tests, fuzzers) every instance keeps its own
 * run-wide state and merge() folds them under the same budgets.
 */
#include "core/strset.h"
#include "core/timeutil.h"
#include "detect/detector.h"

#include <stdio.h>
#include <stdlib.h>

#define SPRAY_USERS 10
#define BRUTE_FAILS 20
#define REFS_PER_USER 4
#define MAX_SOURCES 65536      /* sources with failures */
#define MAX_PAIRS 262144       /* failed (source, account) pairs */
#define MAX_USERS_PER_SRC 4096 /* failed accounts named per source */
#define MAX_OK_SOURCES 262144  /* sources with successes */
#define MAX_SUCCESSES 524288   /* (source, account) pairs with a success */
#define MAX_OK_PER_SRC 64      /* accounts with a success per source */
#define BATCH_EVENTS 512       /* logon events a worker queues */
#define BATCH_BYTES (32 << 10) /* and their strings */
#define MAX_IP_LEN 64
#define MAX_USER_LEN 256

#define SHARE_KEY "spray"

#define LIM_SOURCES "spray.sources"
#define LIM_SOURCES_DETAIL                                                     \
  "failed logons not judged: sources beyond the budget of 65,536 sources "     \
  "with failures or 262,144 failed source/account pairs"
#define LIM_ACCOUNTS "spray.accounts_per_source"
#define LIM_ACCOUNTS_DETAIL                                                    \
  "failed logons counted for their source but not their account: accounts "    \
  "beyond 4,096 per source (no brute force judged on them)"
#define LIM_SUCCESSES "spray.successes"
#define LIM_SUCCESSES_DETAIL                                                   \
  "successful logons not remembered: sources beyond the budget of 262,144 "    \
  "sources or 524,288 source/account pairs with a success"
#define LIM_OK_PER_SRC "spray.successes_per_source"
#define LIM_OK_PER_SRC_DETAIL                                                  \
  "successful logons from a spraying source not remembered: accounts beyond "  \
  "64 per source (the 64 smallest name hashes are kept)"
#define LIM_CUT "spray.value_cut"
#define LIM_CUT_DETAIL                                                         \
  "logons whose source address (over 64 bytes) or account name (over 256 "     \
  "bytes) was cut"

static const sp_rule r_spray = {
    "spoor.auth.password_spray",
    "Password spraying against Exchange",
    "spoor-auth",
    "spoor",
    "One source failed to authenticate as many distinct accounts on OWA, ECP, "
    "EWS, ActiveSync or autodiscover.",
    "T1110.003",
    "",
    SP_LEVEL_MEDIUM,
    "https://attack.mitre.org/techniques/T1110/003/"};
static const sp_rule r_brute = {
    "spoor.auth.brute_force",
    "Brute force of one Exchange account",
    "spoor-auth",
    "spoor",
    "One source failed to authenticate as the same account many times.",
    "T1110.001",
    "",
    SP_LEVEL_MEDIUM,
    "https://attack.mitre.org/techniques/T1110/001/"};
static const sp_rule r_success = {
    "spoor.auth.success_after_failures",
    "Successful logon after password spraying or brute force",
    "spoor-auth",
    "spoor",
    "A source that sprayed or brute-forced then authenticated successfully: "
    "the named account is likely compromised.",
    "T1110,T1078",
    "",
    SP_LEVEL_HIGH,
    "https://attack.mitre.org/techniques/T1110/"};

const sp_rule *const sp_spray_rules[] = {&r_spray, &r_brute, &r_success, NULL};

/* Evidence references in the finding set's total order (findings.h). */
typedef sp_agg_ref ref;

#define RANK_ALL UINT64_MAX

/* Strings reach the state lower-cased (spray_on_event), so they compare
 * with memcmp and hash without folding. */

/* The address that keys a source record (the first member of both kinds,
 * so the tables below can compare it). */
typedef struct ip_head {
  char *ip;
  uint32_t ip_len;
} ip_head;

typedef struct account {
  char *name;
  uint32_t len;
  uint8_t n_refs;
  uint64_t hash;
  uint64_t fails_by[2];    /* failures seen in IIS [0] and HttpProxy [1] logs */
  ref refs[REFS_PER_USER]; /* earliest failures, ascending */
} account;

/* A source with failures. */
typedef struct source {
  ip_head id;
  uint64_t hash;
  account *users;
  size_t n_users, cap_users;
  uint32_t *idx; /* open-addressing index into users (i + 1), 0 = empty */
  size_t idx_cap;
  uint64_t overflow_by[2]; /* failures of accounts beyond the budget */
  uint64_t acct_limit;     /* accounts ranked above it are not named */
  ref first;               /* the earliest failure */
} source;

/* An account's successes from one source. */
typedef struct okacct {
  char *name;
  uint32_t len;
  uint64_t events; /* successful logons */
  ref last;        /* the latest */
  uint64_t rank;   /* mix64 of the name hash, computed once */
} okacct;

/* A source with successes. */
typedef struct oksrc {
  ip_head id;
  uint64_t hash;
  uint32_t n, cap;
  uint64_t *uh; /* account name hashes, parallel to acct */
  okacct *acct;
  uint64_t top;     /* when full: the largest rank kept */
  uint32_t top_at;  /* and its index */
  uint64_t dropped; /* successful logons of accounts beyond MAX_OK_PER_SRC */
  uint8_t *idx;     /* from OK_IDX_FROM accounts: hash index, k + 1 (0 empty) */
  uint8_t tombs;    /* OK_TOMB slots in idx */
} oksrc;

#define OK_IDX 128    /* index slots: at most half full (MAX_OK_PER_SRC) */
#define OK_IDX_FROM 8 /* fewer accounts: a linear scan is as fast */
#define OK_TOMB 0xff  /* a replaced account's slot: probes go past it */

/* A slot of a source table: the hash inline, so a probe touches the record
 * only on a match. */
typedef struct slot {
  uint64_t hash;
  void *p; /* source or oksrc; NULL: empty */
} slot;

typedef struct table {
  slot *v;
  size_t cap, n;
} table;

/* The run-wide state (one per hunt, or per instance without a share). */
typedef struct spray_state {
  table src;                    /* sources with failures */
  size_t n_pairs;               /* failed (source, account) pairs */
  table ok;                     /* sources with successes */
  size_t n_ok;                  /* (source, account) pairs with a success */
  uint64_t src_limit, ok_limit; /* sources ranked above are dropped */
  uint64_t dropped_fail, dropped_ok, acct_over, cut; /* limit counts */
  sp_err err;
} spray_state;

/* A queued logon event; its strings are in the batch's text. */
typedef struct logon {
  uint64_t ip_hash, user_hash;
  ref r;
  uint32_t text; /* offset of the address, then the account */
  uint16_t ip_len, user_len;
  bool fail;
  uint8_t log; /* 0 IIS, 1 HttpProxy */
} logon;

typedef struct spray_inst {
  spray_state *run; /* shared through sp_dctx.share, or owned */
  sp_dshare *share; /* its lock guards run; NULL when run is owned */
  size_t n_batch, n_text;
  uint64_t cut; /* logons with a value cut, not yet applied */
  sp_err err;
  logon batch[BATCH_EVENTS];
  char text[BATCH_BYTES];
} spray_inst;

/* ---- small helpers ---------------------------------------------------------
 */

/* Table position of a hash: FNV's low bits alone cluster. */
static size_t home(uint64_t h, size_t cap) {
  return (size_t)sp_mix64(h) & (cap - 1);
}

static char *dup_str(sp_str v) {
  char *c = malloc(v.n + 1);
  if (!c)
    return NULL;
  memcpy(c, v.p, v.n);
  c[v.n] = 0;
  return c;
}

static void note(spray_state *s, sp_err e) {
  if (e && !s->err)
    s->err = e;
}

/* Keep the REFS_PER_USER earliest references. */
static void add_ref(account *a, const ref *r) {
  size_t i = a->n_refs;
  while (i > 0 && sp_agg_ref_cmp(&a->refs[i - 1], r) > 0)
    i--;
  if (i >= REFS_PER_USER || (i > 0 && sp_agg_ref_cmp(&a->refs[i - 1], r) == 0))
    return;
  size_t n = a->n_refs < REFS_PER_USER ? a->n_refs : REFS_PER_USER - 1;
  memmove(&a->refs[i + 1], &a->refs[i], (n - i) * sizeof a->refs[0]);
  a->refs[i] = *r;
  if (a->n_refs < REFS_PER_USER)
    a->n_refs++;
}

/* One logon attempt appears in both the IIS and the HttpProxy log of the
 * front end: counting per log and taking the larger count keeps an attempt
 * from counting twice, and still works with either log alone. */
static uint64_t max2(const uint64_t v[2]) { return v[0] > v[1] ? v[0] : v[1]; }
static uint64_t fails_of(const account *a) { return max2(a->fails_by); }

/* ---- source tables
 * ------------------------------------------------------------ */

static size_t t_find(const table *t, uint64_t h, sp_str ip) {
  size_t i = home(h, t->cap);
  while (t->v[i].p) {
    const ip_head *r = t->v[i].p;
    if (t->v[i].hash == h && r->ip_len == ip.n &&
        memcmp(r->ip, ip.p, ip.n) == 0)
      break;
    i = (i + 1) & (t->cap - 1);
  }
  return i;
}

static void t_place(slot *v, size_t cap, slot s) {
  size_t i = home(s.hash, cap);
  while (v[i].p)
    i = (i + 1) & (cap - 1);
  v[i] = s;
}

static bool t_init(table *t) {
  t->cap = 256;
  t->n = 0;
  t->v = calloc(t->cap, sizeof *t->v);
  return t->v != NULL;
}

static bool t_grow(table *t) {
  if ((t->n + 1) * 2 <= t->cap)
    return true;
  size_t ncap = t->cap * 2;
  slot *nv = calloc(ncap, sizeof *nv);
  if (!nv)
    return false;
  for (size_t k = 0; k < t->cap; k++)
    if (t->v[k].p)
      t_place(nv, ncap, t->v[k]);
  free(t->v);
  t->v = nv;
  t->cap = ncap;
  return true;
}

/* Rebuild t without the records whose mixed hash exceeds limit; drop(rec)
 * accounts for and frees each one removed. */
static void t_evict(spray_state *s, table *t, uint64_t limit,
                    void (*drop)(spray_state *, void *)) {
  slot *nv = calloc(t->cap, sizeof *nv);
  if (!nv) {
    note(s, SP_ENOMEM);
    return;
  }
  for (size_t k = 0; k < t->cap; k++) {
    if (!t->v[k].p)
      continue;
    if (sp_mix64(t->v[k].hash) > limit) {
      drop(s, t->v[k].p);
      t->n--;
      continue;
    }
    t_place(nv, t->cap, t->v[k]);
  }
  free(t->v);
  t->v = nv;
}

/* ---- failures
 * ------------------------------------------------------------------- */

static void source_free(source *src) {
  for (size_t i = 0; i < src->n_users; i++)
    free(src->users[i].name);
  free(src->users);
  free(src->idx);
  free(src->id.ip);
  free(src);
}

static uint64_t source_events(const source *src) {
  uint64_t n = src->overflow_by[0] + src->overflow_by[1];
  for (size_t i = 0; i < src->n_users; i++)
    n += src->users[i].fails_by[0] + src->users[i].fails_by[1];
  return n;
}

static void source_drop(spray_state *s, void *p) {
  source *src = p;
  s->dropped_fail += source_events(src);
  s->n_pairs -= src->n_users;
  source_free(src);
}

/* The failure state of source ip, created if absent; NULL when out of
 * memory (err set). */
static source *get_source(spray_state *s, sp_str ip, uint64_t h) {
  size_t i = t_find(&s->src, h, ip);
  if (s->src.v[i].p)
    return s->src.v[i].p;
  if (!t_grow(&s->src)) {
    note(s, SP_ENOMEM);
    return NULL;
  }
  i = t_find(&s->src, h, ip);
  source *src = calloc(1, sizeof *src);
  if (!src || !(src->id.ip = dup_str(ip))) {
    free(src);
    note(s, SP_ENOMEM);
    return NULL;
  }
  src->id.ip_len = (uint32_t)ip.n;
  src->hash = h;
  src->acct_limit = RANK_ALL;
  s->src.v[i] = (slot){h, src};
  s->src.n++;
  return src;
}

static bool same_user(const account *a, sp_str u, uint64_t h) {
  return a->hash == h && a->len == u.n && memcmp(a->name, u.p, u.n) == 0;
}

/* Index slot of user u in src (its content is 0 when absent). */
static size_t user_slot(const source *src, sp_str u, uint64_t h) {
  size_t i = home(h, src->idx_cap);
  while (src->idx[i] && !same_user(&src->users[src->idx[i] - 1], u, h))
    i = (i + 1) & (src->idx_cap - 1);
  return i;
}

static bool index_build(source *src, size_t ncap) {
  uint32_t *n = calloc(ncap, sizeof *n);
  if (!n)
    return false;
  for (size_t k = 0; k < src->n_users; k++) {
    size_t i = home(src->users[k].hash, ncap);
    while (n[i])
      i = (i + 1) & (ncap - 1);
    n[i] = (uint32_t)(k + 1);
  }
  free(src->idx);
  src->idx = n;
  src->idx_cap = ncap;
  return true;
}

/* The failed-account entry for u, created if absent; NULL when out of
 * memory (err set). */
static account *get_user(spray_state *s, source *src, sp_str u, uint64_t h) {
  if (src->idx_cap) {
    size_t i = user_slot(src, u, h);
    if (src->idx[i])
      return &src->users[src->idx[i] - 1];
  }
  if ((src->n_users + 1) * 2 > src->idx_cap &&
      !index_build(src, src->idx_cap ? src->idx_cap * 2 : 16)) {
    note(s, SP_ENOMEM);
    return NULL;
  }
  if (src->n_users == src->cap_users) {
    size_t ncap = src->cap_users ? src->cap_users * 2 : 8;
    account *n = realloc(src->users, ncap * sizeof *n);
    if (!n) {
      note(s, SP_ENOMEM);
      return NULL;
    }
    src->users = n;
    src->cap_users = ncap;
  }
  account *a = &src->users[src->n_users];
  memset(a, 0, sizeof *a);
  if (!(a->name = dup_str(u))) {
    note(s, SP_ENOMEM);
    return NULL;
  }
  a->len = (uint32_t)u.n;
  a->hash = h;
  src->idx[user_slot(src, u, h)] = (uint32_t)(src->n_users + 1);
  src->n_users++;
  s->n_pairs++;
  return a;
}

/* Fold the accounts of src ranked above its acct_limit into its overflow. */
static void acct_evict(spray_state *s, source *src) {
  size_t kept = 0;
  for (size_t i = 0; i < src->n_users; i++) {
    account *a = &src->users[i];
    if (sp_mix64(a->hash) > src->acct_limit) {
      src->overflow_by[0] += a->fails_by[0];
      src->overflow_by[1] += a->fails_by[1];
      s->acct_over += a->fails_by[0] + a->fails_by[1];
      free(a->name);
      s->n_pairs--;
      continue;
    }
    src->users[kept++] = *a;
  }
  src->n_users = kept;
  if (!index_build(src, src->idx_cap ? src->idx_cap : 16))
    note(s, SP_ENOMEM);
}

static void fail_budgets(spray_state *s, source *src) {
  while (src->n_users > MAX_USERS_PER_SRC && src->acct_limit && !s->err) {
    src->acct_limit = sp_rank_lower(src->acct_limit);
    acct_evict(s, src);
  }
  while ((s->src.n > MAX_SOURCES || s->n_pairs > MAX_PAIRS) && s->src_limit &&
         !s->err) {
    s->src_limit = sp_rank_lower(s->src_limit);
    t_evict(s, &s->src, s->src_limit, source_drop);
  }
}

/* Count failures of account u (hash h) from src: counts per log, the
 * earliest references. */
static void add_failures(spray_state *s, source *src, sp_str u, uint64_t h,
                         const uint64_t by[2], const ref *refs, size_t n) {
  if (sp_mix64(h) > src->acct_limit) {
    src->overflow_by[0] += by[0];
    src->overflow_by[1] += by[1];
    s->acct_over += by[0] + by[1];
    return;
  }
  account *a = get_user(s, src, u, h);
  if (!a)
    return;
  a->fails_by[0] += by[0];
  a->fails_by[1] += by[1];
  for (size_t i = 0; i < n; i++)
    add_ref(a, &refs[i]);
}

/* The earliest failure of src becomes r if r is earlier. */
static void first_failure(source *src, bool fresh, const ref *r) {
  if (fresh || sp_agg_ref_cmp(r, &src->first) < 0)
    src->first = *r;
}

static bool has_failures(const source *src) {
  return src->n_users || src->overflow_by[0] || src->overflow_by[1];
}

/* ---- successes
 * ------------------------------------------------------------------ */

static void oksrc_free(oksrc *o) {
  for (uint32_t i = 0; i < o->n; i++)
    free(o->acct[i].name);
  free(o->acct);
  free(o->uh);
  free(o->idx);
  free(o->id.ip);
  free(o);
}

static size_t ok_home(uint64_t uh) {
  return (size_t)(uh ^ (uh >> 29)) & (OK_IDX - 1);
}

static void ok_put(oksrc *o, uint32_t k) {
  size_t i = ok_home(o->uh[k]);
  while (o->idx[i] && o->idx[i] != OK_TOMB)
    i = (i + 1) & (OK_IDX - 1);
  if (o->idx[i] == OK_TOMB)
    o->tombs--;
  o->idx[i] = (uint8_t)(k + 1);
}

/* (Re)build the index once a source has OK_IDX_FROM accounts; without
 * memory the linear scan goes on working. */
static void ok_reindex(oksrc *o) {
  if (o->n < OK_IDX_FROM && !o->idx)
    return;
  if (!o->idx && !(o->idx = malloc(OK_IDX)))
    return;
  memset(o->idx, 0, OK_IDX);
  o->tombs = 0;
  for (uint32_t k = 0; k < o->n; k++)
    ok_put(o, k);
}

static bool ok_same(const oksrc *o, uint32_t k, sp_str u, uint64_t uh) {
  return o->uh[k] == uh && o->acct[k].len == u.n &&
         memcmp(o->acct[k].name, u.p, u.n) == 0;
}

/* The index of account u (hash uh) in o, or -1. */
static long ok_find(const oksrc *o, sp_str u, uint64_t uh) {
  if (!o->idx) {
    for (uint32_t k = 0; k < o->n; k++)
      if (ok_same(o, k, u, uh))
        return (long)k;
    return -1;
  }
  for (size_t i = ok_home(uh);; i = (i + 1) & (OK_IDX - 1)) {
    uint8_t v = o->idx[i];
    if (!v)
      return -1;
    if (v != OK_TOMB && ok_same(o, (uint32_t)(v - 1), u, uh))
      return (long)(v - 1);
  }
}

/* Account k is about to be replaced: its index slot becomes a tombstone
 * (the index is rebuilt when they pile up). */
static void ok_unindex(oksrc *o, uint32_t k) {
  if (!o->idx)
    return;
  for (size_t i = ok_home(o->uh[k]);; i = (i + 1) & (OK_IDX - 1))
    if (o->idx[i] == k + 1) {
      o->idx[i] = OK_TOMB;
      o->tombs++;
      return;
    }
}

static void oksrc_drop(spray_state *s, void *p) {
  oksrc *o = p;
  uint64_t n = o->dropped;
  for (uint32_t i = 0; i < o->n; i++)
    n += o->acct[i].events;
  s->dropped_ok += n;
  s->n_ok -= o->n;
  oksrc_free(o);
}

static void ok_budgets(spray_state *s) {
  while ((s->ok.n > MAX_OK_SOURCES || s->n_ok > MAX_SUCCESSES) && s->ok_limit &&
         !s->err) {
    s->ok_limit = sp_rank_lower(s->ok_limit);
    t_evict(s, &s->ok, s->ok_limit, oksrc_drop);
  }
}

/* Remember `events` successes of u (hash uh) from ip, the latest at r. */
static void add_success(spray_state *s, sp_str ip, uint64_t ih, sp_str u,
                        uint64_t uh, const ref *r, uint64_t events) {
  if (s->ok_limit != RANK_ALL && sp_mix64(ih) > s->ok_limit) {
    s->dropped_ok += events;
    return;
  }
  size_t i = t_find(&s->ok, ih, ip);
  oksrc *o = s->ok.v[i].p;
  if (!o) {
    if (!t_grow(&s->ok)) {
      note(s, SP_ENOMEM);
      return;
    }
    i = t_find(&s->ok, ih, ip);
    if (!(o = calloc(1, sizeof *o)) || !(o->id.ip = dup_str(ip))) {
      free(o);
      note(s, SP_ENOMEM);
      return;
    }
    o->id.ip_len = (uint32_t)ip.n;
    o->hash = ih;
    s->ok.v[i] = (slot){ih, o};
    s->ok.n++;
  }
  /* Full, and ranked above every account kept: not kept. */
  /* The rank matters only once the source is full. */
  uint64_t rank = o->n == MAX_OK_PER_SRC ? sp_mix64(uh) : 0;
  if (o->n == MAX_OK_PER_SRC && rank > o->top) {
    o->dropped += events;
    return;
  }
  long known = ok_find(o, u, uh);
  if (known >= 0) {
    okacct *a = &o->acct[known];
    if (sp_agg_ref_cmp(r, &a->last) > 0)
      a->last = *r;
    a->events += events;
    return;
  }
  /* A new account: past MAX_OK_PER_SRC keep the smallest ranks. */
  uint32_t at = o->n;
  if (o->n == MAX_OK_PER_SRC) {
    if (rank >= o->top) {
      o->dropped += events;
      return;
    }
    at = o->top_at;
    o->dropped += o->acct[at].events;
    ok_unindex(o, at); /* its name buffer is reused below */
  } else if (o->n == o->cap) {
    uint32_t ncap = o->cap ? o->cap * 2 : 1;
    uint64_t *nh = realloc(o->uh, ncap * sizeof *nh);
    if (nh)
      o->uh = nh;
    okacct *na = nh ? realloc(o->acct, ncap * sizeof *na) : NULL;
    if (!na) {
      note(s, SP_ENOMEM);
      return;
    }
    o->acct = na;
    o->cap = ncap;
  }
  char *name;
  if (at != o->n) { /* reuse the evicted account's buffer */
    name = realloc(o->acct[at].name, u.n + 1);
    if (!name)
      free(o->acct[at].name);
    else {
      memcpy(name, u.p, u.n);
      name[u.n] = 0;
    }
  } else {
    name = dup_str(u);
  }
  if (!name) {
    note(s, SP_ENOMEM);
    if (at != o->n) { /* the evicted slot is now empty: close the gap */
      o->uh[at] = o->uh[o->n - 1];
      o->acct[at] = o->acct[o->n - 1];
      o->n--;
      s->n_ok--;
      ok_reindex(o);
    }
    return; /* the state is failed: no more judging */
  }
  o->uh[at] = uh;
  o->acct[at] =
      (okacct){name, (uint32_t)u.n, events, *r, rank ? rank : sp_mix64(uh)};
  if (at == o->n) {
    o->n++;
    s->n_ok++;
    if (o->idx)
      ok_put(o, at);
    else if (o->n == OK_IDX_FROM)
      ok_reindex(o);
  } else if (o->idx) { /* an account was replaced */
    if (o->tombs > OK_IDX / 4)
      ok_reindex(o);
    else
      ok_put(o, at);
  }
  if (o->n == MAX_OK_PER_SRC) { /* the new largest rank kept */
    uint32_t best = 0;
    uint64_t top = o->acct[0].rank;
    for (uint32_t k = 1; k < o->n; k++) {
      uint64_t rk = o->acct[k].rank;
      if (rk > top) {
        top = rk;
        best = k;
      }
    }
    o->top_at = best;
    o->top = top;
  }
}

/* ---- state
 * ---------------------------------------------------------------------- */

static void state_free(void *p) {
  spray_state *s = p;
  if (!s)
    return;
  for (size_t i = 0; s->src.v && i < s->src.cap; i++)
    if (s->src.v[i].p)
      source_free(s->src.v[i].p);
  for (size_t i = 0; s->ok.v && i < s->ok.cap; i++)
    if (s->ok.v[i].p)
      oksrc_free(s->ok.v[i].p);
  free(s->src.v);
  free(s->ok.v);
  free(s);
}

static void *state_new(void) {
  spray_state *s = calloc(1, sizeof *s);
  if (!s)
    return NULL;
  s->src_limit = s->ok_limit = RANK_ALL;
  if (!t_init(&s->src) || !t_init(&s->ok)) {
    state_free(s);
    return NULL;
  }
  return s;
}

/* Fold the run-wide state src (no share: one per instance) into d, under
 * d's budgets; a budget src reached is reached in d too. src is left
 * as it was and freed by its owner. */
static void state_fold(spray_state *d, const spray_state *src) {
  note(d, src->err);
  if (src->src_limit < d->src_limit) {
    d->src_limit = src->src_limit;
    t_evict(d, &d->src, d->src_limit, source_drop);
  }
  if (src->ok_limit < d->ok_limit) {
    d->ok_limit = src->ok_limit;
    t_evict(d, &d->ok, d->ok_limit, oksrc_drop);
  }
  for (size_t k = 0; k < src->src.cap && !d->err; k++) {
    const source *from = src->src.v[k].p;
    if (!from)
      continue;
    if (sp_mix64(from->hash) > d->src_limit) {
      d->dropped_fail += source_events(from);
      continue;
    }
    source *to =
        get_source(d, sp_str_make(from->id.ip, from->id.ip_len), from->hash);
    if (!to)
      break;
    if (from->acct_limit < to->acct_limit) {
      to->acct_limit = from->acct_limit;
      acct_evict(d, to);
    }
    first_failure(to, !has_failures(to), &from->first);
    to->overflow_by[0] += from->overflow_by[0];
    to->overflow_by[1] += from->overflow_by[1];
    for (size_t i = 0; i < from->n_users; i++) {
      const account *a = &from->users[i];
      add_failures(d, to, sp_str_make(a->name, a->len), a->hash, a->fails_by,
                   a->refs, a->n_refs);
    }
    fail_budgets(d, to);
  }
  for (size_t k = 0; k < src->ok.cap && !d->err; k++) {
    const oksrc *o = src->ok.v[k].p;
    if (!o)
      continue;
    sp_str ip = sp_str_make(o->id.ip, o->id.ip_len);
    for (uint32_t i = 0; i < o->n; i++)
      add_success(d, ip, o->hash, sp_str_make(o->acct[i].name, o->acct[i].len),
                  o->uh[i], &o->acct[i].last, o->acct[i].events);
    /* Logons of accounts src could not keep count here too. */
    if (sp_mix64(o->hash) > d->ok_limit) {
      d->dropped_ok += o->dropped;
    } else if (o->dropped) {
      oksrc *to = d->ok.v[t_find(&d->ok, o->hash, ip)].p;
      if (to)
        to->dropped += o->dropped;
    }
    ok_budgets(d);
  }
  d->dropped_fail += src->dropped_fail;
  d->dropped_ok += src->dropped_ok;
  d->acct_over += src->acct_over;
  d->cut += src->cut;
}

/* Apply one logon to the run-wide state, under its budgets. */
static void apply(spray_state *g, const logon *e, const char *text) {
  sp_str ip = sp_str_make(text + e->text, e->ip_len);
  sp_str user = sp_str_make(text + e->text + e->ip_len, e->user_len);
  if (!e->fail) {
    add_success(g, ip, e->ip_hash, user, e->user_hash, &e->r, 1);
    ok_budgets(g);
    return;
  }
  if (sp_mix64(e->ip_hash) > g->src_limit) {
    g->dropped_fail++;
    return;
  }
  source *src = get_source(g, ip, e->ip_hash);
  if (!src)
    return;
  first_failure(src, !has_failures(src), &e->r);
  uint64_t by[2] = {e->log == 0, e->log == 1};
  add_failures(g, src, user, e->user_hash, by, &e->r, 1);
  fail_budgets(g, src);
}

/* Apply the worker's batch to the run-wide state; an error there becomes
 * the worker's, so it reports it. */
static void flush(spray_inst *in) {
  if (!in->n_batch && !in->cut)
    return;
  if (in->share)
    sp_dshare_lock(in->share);
  for (size_t i = 0; i < in->n_batch && !in->run->err; i++)
    apply(in->run, &in->batch[i], in->text);
  in->run->cut += in->cut;
  if (in->run->err && !in->err)
    in->err = in->run->err;
  if (in->share)
    sp_dshare_unlock(in->share);
  in->n_batch = in->n_text = 0;
  in->cut = 0;
}

/* ---- the detector
 * --------------------------------------------------------------- */

static void *spray_create(const sp_dctx *ctx) {
  spray_inst *in = calloc(1, sizeof *in);
  if (!in)
    return NULL;
  in->run = sp_dshare_attach(ctx, SHARE_KEY, state_new, state_free, &in->share);
  if (!in->run) {
    free(in);
    return NULL;
  }
  return in;
}

static void spray_destroy(void *st) {
  spray_inst *in = st;
  if (!in)
    return;
  sp_dshare_detach(in->share, in->run, state_free);
  free(in);
}

static bool auth_path(sp_str p) {
  static const char *const prefixes[] = {
      "/owa/",          "/ecp/",  "/ews/", "/microsoft-server-activesync",
      "/autodiscover/", "/mapi/", "/rpc/", "/oab/",
      "/powershell"};
  for (size_t i = 0; i < sizeof prefixes / sizeof prefixes[0]; i++)
    if (sp_str_istarts(p, prefixes[i]))
      return true;
  return false;
}

static void spray_on_event(void *st, const sp_event *ev, sp_fset *out) {
  spray_inst *in = st;
  if (ev->kind != SP_SRC_IIS && ev->kind != SP_SRC_EXCH_HTTPPROXY)
    return;
  sp_str user = sp_event_get(ev, SP_F_USER_NAME);
  if (!user.n)
    return;
  int status = sp_event_status(ev);
  bool fail = status == 401;
  bool ok = status >= 200 && status < 300;
  if (!fail && !ok)
    return;
  if (!auth_path(sp_event_get(ev, SP_F_URL_PATH)))
    return;
  sp_str ip = sp_event_get(ev, SP_F_SOURCE_IP);
  if (!ip.n)
    return;
  if (ip.n > MAX_IP_LEN || user.n > MAX_USER_LEN) {
    in->cut++;
    ip.n = ip.n > MAX_IP_LEN ? MAX_IP_LEN : ip.n;
    user.n = user.n > MAX_USER_LEN ? MAX_USER_LEN : user.n;
  }
  if (in->n_batch == BATCH_EVENTS ||
      in->n_text + ip.n + user.n > sizeof in->text)
    flush(in);
  logon *e = &in->batch[in->n_batch++];
  /* Lower-cased once here: the state compares with memcmp. */
  char *t = in->text + in->n_text;
  sp_lower_copy(t, ip.p, ip.n);
  sp_lower_copy(t + ip.n, user.p, user.n);
  e->ip_hash = sp_hash_bytes(t, ip.n, false);
  e->user_hash = sp_hash_bytes(t + ip.n, user.n, false);
  e->r = (ref){.ts = ev->ts,
               .where = ev->line,
               .file_id = ev->file_id,
               .kind = SP_REF_LINE};
  e->text = (uint32_t)in->n_text;
  e->ip_len = (uint16_t)ip.n;
  e->user_len = (uint16_t)user.n;
  e->fail = fail;
  e->log = ev->kind == SP_SRC_IIS ? 0 : 1;
  in->n_text += ip.n + user.n;
  if (in->err)
    sp_fset_fail(out, in->err);
}

static void spray_merge(void *dstp, void *srcp) {
  spray_inst *d = dstp, *s = srcp;
  flush(s);
  if (s->run != d->run)
    state_fold(d->run, s->run); /* private run-wide states (no share) */
}

/* Hits for an account's failures: one per kept reference, the first one
 * carrying the rest of the exact count. */
static void fail_hits(sp_fset *out, const sp_rule *r, const source *src,
                      const account *a, bool with_user, const char *reason) {
  /* The same attempt may be referenced in both logs: never emit more
     references than attempts, so the finding's count stays exact. */
  uint64_t fails = fails_of(a);
  size_t n = a->n_refs < fails ? a->n_refs : (size_t)fails;
  for (size_t i = 0; i < n; i++) {
    sp_hit h;
    sp_hit_init(&h, r, a->refs[i].ts, a->refs[i].file_id, a->refs[i].where,
                SP_REF_LINE);
    h.weight = i == 0 ? fails - (n - 1) : 1;
    sp_hit_entity(&h, "source.ip", sp_str_make(src->id.ip, src->id.ip_len));
    if (with_user)
      sp_hit_entity(&h, "user.name", sp_str_make(a->name, a->len));
    h.reason = sp_str_make(reason, strlen(reason));
    sp_fset_add(out, &h);
  }
}

static bool sprayed(const source *src) {
  return src->n_users >= SPRAY_USERS || src->acct_limit != RANK_ALL;
}

static bool brute(const source *src) {
  for (size_t i = 0; i < src->n_users; i++)
    if (fails_of(&src->users[i]) >= BRUTE_FAILS)
      return true;
  return false;
}

static const char *more(const source *src) {
  return src->acct_limit != RANK_ALL ? "more than " : "";
}

static void judge_failures(const source *src, sp_fset *out) {
  char reason[192];
  for (size_t i = 0; i < src->n_users; i++) {
    const account *a = &src->users[i];
    if (fails_of(a) >= BRUTE_FAILS) {
      snprintf(reason, sizeof reason, "%llu failed logons as this account",
               (unsigned long long)fails_of(a));
      fail_hits(out, &r_brute, src, a, true, reason);
    }
  }
  if (!sprayed(src))
    return;
  snprintf(reason, sizeof reason,
           "%s%zu distinct accounts failed from this source", more(src),
           src->n_users);
  for (size_t i = 0; i < src->n_users; i++)
    fail_hits(out, &r_spray, src, &src->users[i], false, reason);
  /* Failures of accounts no longer named still count. */
  uint64_t over = max2(src->overflow_by);
  if (over) {
    sp_hit h;
    sp_hit_init(&h, &r_spray, src->first.ts, src->first.file_id,
                src->first.where, SP_REF_LINE);
    h.weight = over;
    sp_hit_entity(&h, "source.ip", sp_str_make(src->id.ip, src->id.ip_len));
    h.reason = sp_str_make(reason, strlen(reason));
    sp_fset_add(out, &h);
  }
}

/* Successes after the first failure of a source that sprayed or
 * brute-forced. Returns the logons of accounts it could not keep. */
static uint64_t judge_successes(const spray_state *g, const oksrc *o,
                                sp_fset *out) {
  sp_str ip = sp_str_make(o->id.ip, o->id.ip_len);
  const source *src = g->src.v[t_find(&g->src, o->hash, ip)].p;
  if (!src || (!sprayed(src) && !brute(src)))
    return 0;
  uint64_t total = max2(src->overflow_by);
  for (size_t i = 0; i < src->n_users; i++)
    total += fails_of(&src->users[i]);
  char reason[192];
  snprintf(reason, sizeof reason,
           "logon succeeded after %llu failures (%s%zu accounts) from this "
           "source",
           (unsigned long long)total, more(src), src->n_users);
  for (uint32_t i = 0; i < o->n; i++) {
    const okacct *a = &o->acct[i];
    if (sp_agg_ref_cmp(&a->last, &src->first) < 0)
      continue;
    sp_hit h;
    sp_hit_init(&h, &r_success, a->last.ts, a->last.file_id, a->last.where,
                SP_REF_LINE);
    sp_hit_entity(&h, "source.ip", ip);
    sp_hit_entity(&h, "user.name", sp_str_make(a->name, a->len));
    h.reason = sp_str_make(reason, strlen(reason));
    sp_fset_add(out, &h);
  }
  return o->dropped;
}

static void spray_on_end(void *st, sp_fset *out) {
  spray_inst *in = st;
  flush(in);
  const spray_state *g = in->run;
  for (size_t i = 0; i < g->src.cap; i++)
    if (g->src.v[i].p)
      judge_failures(g->src.v[i].p, out);
  uint64_t ok_lost = 0;
  for (size_t i = 0; i < g->ok.cap; i++)
    if (g->ok.v[i].p)
      ok_lost += judge_successes(g, g->ok.v[i].p, out);
  sp_limits *lim = sp_fset_limits(out);
  sp_limits_add(lim, LIM_SOURCES, LIM_SOURCES_DETAIL, g->dropped_fail);
  sp_limits_add(lim, LIM_ACCOUNTS, LIM_ACCOUNTS_DETAIL, g->acct_over);
  sp_limits_add(lim, LIM_SUCCESSES, LIM_SUCCESSES_DETAIL, g->dropped_ok);
  sp_limits_add(lim, LIM_OK_PER_SRC, LIM_OK_PER_SRC_DETAIL, ok_lost);
  sp_limits_add(lim, LIM_CUT, LIM_CUT_DETAIL, g->cut);
  sp_fset_fail(out, g->err ? g->err : in->err);
}

const sp_detector_vt sp_det_spray = {
    .name = "spray",
    .create = spray_create,
    .on_event = spray_on_event,
    .merge = spray_merge,
    .on_end = spray_on_end,
    .destroy = spray_destroy,
};
