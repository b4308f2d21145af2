/*
 * spray.c - password spraying and brute force against OWA, ECP, EWS,
 * ActiveSync, autodiscover, MAPI and RPC, from IIS and HttpProxy logs.
 *
 * Stateful. Per source IP it keeps, for every account that failed (401 with a
 * user name), the exact number of failures (per log kind: an attempt logged
 * by both IIS and HttpProxy counts once) and the REFS_PER_USER earliest
 * references, and the latest success of up to MAX_SUCC_PER_SRC accounts
 * (those with the smallest name hashes when a source has more: a busy NAT
 * address may then miss a success; an attacker's address has few).
 * "Earliest" and "latest" follow the total order (time, file id, line), so
 * the result is the same whatever order files arrive in and whatever -j is.
 * At the end, per source:
 *  - >= SPRAY_USERS distinct failed accounts: password spraying;
 *  - >= BRUTE_FAILS failures on one account: brute force;
 *  - a success for any account, later than the first failure, from a source
 *    that sprayed or brute-forced: success after failures (names the account).
 * Memory is bounded per worker: sources and failed-account entries come from
 * budgets divided among the workers (sp_dctx.workers); failures of accounts
 * that find no room are still counted (overflow) so totals stay exact.
 */
#include "core/strset.h"
#include "core/timeutil.h"
#include "detect/detector.h"

#include <stdio.h>
#include <stdlib.h>

#define SPRAY_USERS 10
#define BRUTE_FAILS 20
#define REFS_PER_USER 4
#define MAX_SOURCES_ALL 65536 /* over all workers */
#define MAX_USERS_ALL 262144  /* failed (source, account) pairs, all workers */
#define MAX_USERS_PER_SRC 4096
#define MAX_SUCC_PER_SRC 32
#define MAX_USER_LEN 256

static const sp_rule r_spray = {
    "spoor.auth.password_spray",
    "Password spraying against Exchange",
    "spoor-auth",
    "spoor",
    "One source failed to authenticate as many distinct accounts on OWA, ECP, "
    "EWS, ActiveSync or autodiscover.",
    "T1110.003",
    "",
    SP_LEVEL_MEDIUM};
static const sp_rule r_brute = {
    "spoor.auth.brute_force",
    "Brute force of one Exchange account",
    "spoor-auth",
    "spoor",
    "One source failed to authenticate as the same account many times.",
    "T1110.001",
    "",
    SP_LEVEL_MEDIUM};
static const sp_rule r_success = {
    "spoor.auth.success_after_failures",
    "Successful logon after password spraying or brute force",
    "spoor-auth",
    "spoor",
    "A source that sprayed or brute-forced then authenticated successfully: "
    "the named account is likely compromised.",
    "T1110,T1078",
    "",
    SP_LEVEL_HIGH};

const sp_rule *const sp_spray_rules[] = {&r_spray, &r_brute, &r_success, NULL};

/* Evidence references in the finding set's total order (findings.h). */
typedef sp_agg_ref ref;

typedef struct account {
  char *name; /* lower-cased copy */
  size_t len;
  uint64_t hash;        /* case-folded */
  uint64_t fails_by[2]; /* failures seen in IIS [0] and HttpProxy [1] logs */
  size_t n_refs;
  ref refs[REFS_PER_USER]; /* earliest failures, ascending */
  ref last_ok;             /* successes only: the latest */
} account;

typedef struct source {
  char *ip;
  size_t ip_len;
  account *users; /* failed accounts */
  size_t n_users, cap_users;
  uint32_t *idx; /* open-addressing index into users (i + 1), 0 = empty */
  size_t idx_cap;
  uint64_t overflow_by[2]; /* failures of accounts without room, per log */
  account succ[MAX_SUCC_PER_SRC];
  size_t n_succ;
  size_t succ_max; /* index of the largest name hash in succ */
} source;

typedef struct spray_state {
  source **slots;
  size_t cap, count;
  size_t max_sources, max_users, users; /* budgets of this instance */
  uint64_t dropped;                     /* events of sources without room */
} spray_state;

static void *spray_create(const sp_dctx *ctx) {
  spray_state *s = calloc(1, sizeof *s);
  if (!s)
    return NULL;
  size_t workers = ctx && ctx->workers > 0 ? (size_t)ctx->workers : 1;
  s->max_sources = MAX_SOURCES_ALL / workers + 1;
  s->max_users = MAX_USERS_ALL / workers + MAX_USERS_PER_SRC;
  s->cap = 256;
  s->slots = calloc(s->cap, sizeof *s->slots);
  if (!s->slots) {
    free(s);
    return NULL;
  }
  return s;
}

static void source_free(source *src) {
  if (!src)
    return;
  for (size_t i = 0; i < src->n_users; i++)
    free(src->users[i].name);
  for (size_t i = 0; i < src->n_succ; i++)
    free(src->succ[i].name);
  free(src->users);
  free(src->idx);
  free(src->ip);
  free(src);
}

static void spray_destroy(void *st) {
  spray_state *s = st;
  if (!s)
    return;
  for (size_t i = 0; i < s->cap; i++)
    source_free(s->slots[i]);
  free(s->slots);
  free(s);
}

static char *dup_lower(sp_str v) {
  char *c = malloc(v.n + 1);
  if (!c)
    return NULL;
  for (size_t i = 0; i < v.n; i++)
    c[i] = (char)sp_lower((unsigned char)v.p[i]);
  c[v.n] = 0;
  return c;
}

static size_t slot_of(source **slots, size_t cap, sp_str ip) {
  size_t i = (size_t)sp_hash_bytes(ip.p, ip.n, false) & (cap - 1);
  while (slots[i] &&
         !(slots[i]->ip_len == ip.n && memcmp(slots[i]->ip, ip.p, ip.n) == 0))
    i = (i + 1) & (cap - 1);
  return i;
}

static source *get_source(spray_state *s, sp_str ip) {
  if (ip.n > 64)
    ip.n = 64;
  size_t i = slot_of(s->slots, s->cap, ip);
  if (s->slots[i])
    return s->slots[i];
  if (s->count >= s->max_sources) {
    s->dropped++;
    return NULL;
  }
  if ((s->count + 1) * 2 > s->cap) {
    size_t ncap = s->cap * 2;
    source **ns = calloc(ncap, sizeof *ns);
    if (!ns)
      return NULL;
    for (size_t k = 0; k < s->cap; k++)
      if (s->slots[k])
        ns[slot_of(ns, ncap,
                   sp_str_make(s->slots[k]->ip, s->slots[k]->ip_len))] =
            s->slots[k];
    free(s->slots);
    s->slots = ns;
    s->cap = ncap;
    i = slot_of(s->slots, s->cap, ip);
  }
  source *src = calloc(1, sizeof *src);
  if (!src || !(src->ip = dup_lower(ip))) {
    free(src);
    return NULL;
  }
  src->ip_len = ip.n;
  s->slots[i] = src;
  s->count++;
  return src;
}

static bool same_user(const account *a, sp_str u, uint64_t h) {
  return a->hash == h && a->len == u.n && sp_mem_ieq(a->name, u.p, u.n);
}

/* Index slot of user u in src (its content is 0 when absent). */
static size_t user_slot(const source *src, sp_str u, uint64_t h) {
  size_t i = (size_t)h & (src->idx_cap - 1);
  while (src->idx[i] && !same_user(&src->users[src->idx[i] - 1], u, h))
    i = (i + 1) & (src->idx_cap - 1);
  return i;
}

static bool index_grow(source *src) {
  size_t ncap = src->idx_cap ? src->idx_cap * 2 : 16;
  uint32_t *n = calloc(ncap, sizeof *n);
  if (!n)
    return false;
  for (size_t k = 0; k < src->n_users; k++) {
    size_t i = (size_t)src->users[k].hash & (ncap - 1);
    while (n[i])
      i = (i + 1) & (ncap - 1);
    n[i] = (uint32_t)(k + 1);
  }
  free(src->idx);
  src->idx = n;
  src->idx_cap = ncap;
  return true;
}

/* The failed-account entry for u, created if there is room; NULL if not. */
static account *get_user(spray_state *s, source *src, sp_str u, uint64_t h) {
  if (src->idx_cap) {
    size_t i = user_slot(src, u, h);
    if (src->idx[i])
      return &src->users[src->idx[i] - 1];
  }
  if (src->n_users >= MAX_USERS_PER_SRC || s->users >= s->max_users)
    return NULL;
  if ((src->n_users + 1) * 2 > src->idx_cap && !index_grow(src))
    return NULL;
  if (src->n_users == src->cap_users) {
    size_t ncap = src->cap_users ? src->cap_users * 2 : 8;
    account *n = realloc(src->users, ncap * sizeof *n);
    if (!n)
      return NULL;
    src->users = n;
    src->cap_users = ncap;
  }
  account *a = &src->users[src->n_users];
  memset(a, 0, sizeof *a);
  if (!(a->name = dup_lower(u)))
    return NULL;
  a->len = u.n;
  a->hash = h;
  src->idx[user_slot(src, u, h)] = (uint32_t)(src->n_users + 1);
  src->n_users++;
  s->users++;
  return a;
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

static void add_fail(spray_state *s, source *src, sp_str u, uint64_t h,
                     const uint64_t counts[2], const ref *refs, size_t n_refs) {
  account *a = get_user(s, src, u, h);
  if (!a) {
    src->overflow_by[0] += counts[0];
    src->overflow_by[1] += counts[1];
    return;
  }
  a->fails_by[0] += counts[0];
  a->fails_by[1] += counts[1];
  for (size_t i = 0; i < n_refs; i++)
    add_ref(a, &refs[i]);
}

/* Remember the latest success of u (by the total order). */
static void add_succ(source *src, sp_str u, uint64_t h, const ref *r) {
  for (size_t i = 0; i < src->n_succ; i++) {
    account *a = &src->succ[i];
    if (same_user(a, u, h)) {
      if (sp_agg_ref_cmp(r, &a->last_ok) > 0)
        a->last_ok = *r;
      return;
    }
  }
  if (src->n_succ == MAX_SUCC_PER_SRC && h >= src->succ[src->succ_max].hash)
    return; /* full: keep the smallest name hashes, whatever the order */
  char *name = dup_lower(u);
  if (!name)
    return;
  account *a = src->n_succ < MAX_SUCC_PER_SRC ? &src->succ[src->n_succ++]
                                              : &src->succ[src->succ_max];
  free(a->name);
  memset(a, 0, sizeof *a);
  a->name = name;
  a->len = u.n;
  a->hash = h;
  a->last_ok = *r;
  src->succ_max = 0;
  for (size_t k = 1; k < src->n_succ; k++)
    if (src->succ[k].hash > src->succ[src->succ_max].hash)
      src->succ_max = k;
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
  (void)out;
  spray_state *s = st;
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
  source *src = get_source(s, ip);
  if (!src)
    return;
  if (user.n > MAX_USER_LEN)
    user.n = MAX_USER_LEN;
  uint64_t h = sp_hash_bytes(user.p, user.n, true);
  ref r = {.ts = ev->ts,
           .where = ev->line,
           .file_id = ev->file_id,
           .kind = SP_REF_LINE};
  if (fail) {
    uint64_t counts[2] = {ev->kind == SP_SRC_IIS, ev->kind != SP_SRC_IIS};
    add_fail(s, src, user, h, counts, &r, 1);
  } else
    add_succ(src, user, h, &r);
}

static void spray_merge(void *dstp, void *srcp) {
  spray_state *d = dstp, *s = srcp;
  /* The merged instance holds everything: lift its budgets to the totals. */
  d->max_sources = MAX_SOURCES_ALL;
  d->max_users = MAX_USERS_ALL;
  for (size_t i = 0; i < s->cap; i++) {
    source *from = s->slots[i];
    if (!from)
      continue;
    source *to = get_source(d, sp_str_make(from->ip, from->ip_len));
    if (to) {
      for (size_t k = 0; k < from->n_users; k++) {
        account *a = &from->users[k];
        add_fail(d, to, sp_str_make(a->name, a->len), a->hash, a->fails_by,
                 a->refs, a->n_refs);
      }
      for (size_t k = 0; k < from->n_succ; k++) {
        account *a = &from->succ[k];
        add_succ(to, sp_str_make(a->name, a->len), a->hash, &a->last_ok);
      }
      to->overflow_by[0] += from->overflow_by[0];
      to->overflow_by[1] += from->overflow_by[1];
    }
    source_free(from);
    s->slots[i] = NULL;
  }
  s->count = 0;
  d->dropped += s->dropped;
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
    sp_hit_entity(&h, "source.ip", sp_str_make(src->ip, src->ip_len));
    if (with_user)
      sp_hit_entity(&h, "user.name", sp_str_make(a->name, a->len));
    h.reason = sp_str_make(reason, strlen(reason));
    sp_fset_add(out, &h);
  }
}

static void judge(const source *src, sp_fset *out) {
  if (src->n_users == 0)
    return;
  uint64_t total = max2(src->overflow_by);
  ref first = src->users[0].refs[0];
  bool brute = false;
  for (size_t i = 0; i < src->n_users; i++) {
    const account *a = &src->users[i];
    total += fails_of(a);
    if (sp_agg_ref_cmp(&a->refs[0], &first) < 0)
      first = a->refs[0];
    if (fails_of(a) >= BRUTE_FAILS)
      brute = true;
  }
  char reason[192];
  for (size_t i = 0; i < src->n_users; i++) {
    const account *a = &src->users[i];
    if (fails_of(a) >= BRUTE_FAILS) {
      snprintf(reason, sizeof reason, "%llu failed logons as this account",
               (unsigned long long)fails_of(a));
      fail_hits(out, &r_brute, src, a, true, reason);
    }
  }
  bool spray = src->n_users >= SPRAY_USERS;
  if (spray) {
    snprintf(reason, sizeof reason,
             "%s%zu distinct accounts failed from this source",
             src->n_users >= MAX_USERS_PER_SRC ? "at least " : "",
             src->n_users);
    for (size_t i = 0; i < src->n_users; i++)
      fail_hits(out, &r_spray, src, &src->users[i], false, reason);
  }
  if (!spray && !brute)
    return;
  snprintf(reason, sizeof reason,
           "logon succeeded after %llu failures (%zu accounts) from this "
           "source",
           (unsigned long long)total, src->n_users);
  for (size_t i = 0; i < src->n_succ; i++) {
    const account *a = &src->succ[i];
    if (sp_agg_ref_cmp(&a->last_ok, &first) < 0)
      continue;
    sp_hit h;
    sp_hit_init(&h, &r_success, a->last_ok.ts, a->last_ok.file_id,
                a->last_ok.where, SP_REF_LINE);
    sp_hit_entity(&h, "source.ip", sp_str_make(src->ip, src->ip_len));
    sp_hit_entity(&h, "user.name", sp_str_make(a->name, a->len));
    h.reason = sp_str_make(reason, strlen(reason));
    sp_fset_add(out, &h);
  }
}

static void spray_on_end(void *st, sp_fset *out) {
  spray_state *s = st;
  for (size_t i = 0; i < s->cap; i++)
    if (s->slots[i])
      judge(s->slots[i], out);
}

const sp_detector_vt sp_det_spray = {
    .name = "spray",
    .create = spray_create,
    .on_event = spray_on_event,
    .merge = spray_merge,
    .on_end = spray_on_end,
    .destroy = spray_destroy,
};
