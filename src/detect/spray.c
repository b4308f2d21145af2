/*
 * spray.c - password spraying and brute force against OWA, ECP, EWS,
 * ActiveSync, autodiscover, MAPI and RPC, from IIS and HttpProxy logs.
 *
 * Stateful. Per source IP it keeps the failed attempts (401 with a user name)
 * and, per user, the latest success. At the end, per source:
 *  - >= SPRAY_USERS distinct failed accounts: password spraying;
 *  - >= BRUTE_FAILS failures on one account: brute force;
 *  - a success for any account, later than the first failure, from a source
 *    that sprayed or brute-forced: success after failures (names the account).
 * Memory is bounded: at most MAX_SOURCES sources, MAX_FAILS_PER_SRC failures
 * each and MAX_FAILS_TOTAL overall, MAX_SUCC_PER_SRC accounts with a success
 * per source; what does not fit is counted, not stored.
 */
#include "core/strset.h"
#include "core/timeutil.h"
#include "detect/detector.h"

#include <stdio.h>
#include <stdlib.h>

#define SPRAY_USERS 10
#define BRUTE_FAILS 20
#define MAX_SOURCES 65536
#define MAX_FAILS_PER_SRC 4096
#define MAX_FAILS_TOTAL 1000000
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

typedef struct attempt {
  int64_t ts;
  uint32_t file_id;
  uint64_t line;
  char *user;     /* lower-cased copy */
  uint64_t uhash; /* case-folded hash of user, for cheap comparison */
  size_t ulen;
} attempt;

typedef struct source {
  char *ip;
  size_t ip_len;
  attempt *fails;
  size_t n_fails, cap_fails;
  uint64_t fails_dropped;
  attempt succ[MAX_SUCC_PER_SRC]; /* latest success per user */
  size_t n_succ;
} source;

typedef struct spray_state {
  source **slots;
  size_t cap, count;
  size_t total_fails;
  uint64_t dropped;
} spray_state;

static void *spray_create(const sp_dctx *ctx) {
  (void)ctx;
  spray_state *s = calloc(1, sizeof *s);
  if (!s)
    return NULL;
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
  for (size_t i = 0; i < src->n_fails; i++)
    free(src->fails[i].user);
  for (size_t i = 0; i < src->n_succ; i++)
    free(src->succ[i].user);
  free(src->fails);
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

static char *dupn(sp_str v, size_t max) {
  if (v.n > max)
    v.n = max;
  char *c = malloc(v.n + 1);
  if (c) {
    memcpy(c, v.p, v.n);
    c[v.n] = 0;
  }
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
  if (s->count >= MAX_SOURCES) {
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
  if (!src || !(src->ip = dupn(ip, 64))) {
    free(src);
    return NULL;
  }
  src->ip_len = ip.n;
  s->slots[i] = src;
  s->count++;
  return src;
}

static void add_fail(spray_state *s, source *src, const attempt *a) {
  if (src->n_fails >= MAX_FAILS_PER_SRC || s->total_fails >= MAX_FAILS_TOTAL) {
    src->fails_dropped++;
    free(a->user);
    return;
  }
  if (src->n_fails == src->cap_fails) {
    size_t ncap = src->cap_fails ? src->cap_fails * 2 : 16;
    attempt *n = realloc(src->fails, ncap * sizeof *n);
    if (!n) {
      src->fails_dropped++;
      free(a->user);
      return;
    }
    src->fails = n;
    src->cap_fails = ncap;
  }
  src->fails[src->n_fails++] = *a;
  s->total_fails++;
}

/* Later by (time, file, line): a total order, so merges are deterministic. */
static bool later(int64_t ts, uint32_t file, uint64_t line, const attempt *b) {
  if (ts != b->ts)
    return ts > b->ts;
  if (file != b->file_id)
    return file > b->file_id;
  return line > b->line;
}

static void add_succ(source *src, const attempt *a) {
  for (size_t i = 0; i < src->n_succ; i++) {
    if (src->succ[i].uhash == a->uhash &&
        strcmp(src->succ[i].user, a->user) == 0) {
      if (later(a->ts, a->file_id, a->line, &src->succ[i])) {
        free(src->succ[i].user);
        src->succ[i] = *a;
      } else {
        free(a->user);
      }
      return;
    }
  }
  if (src->n_succ >= MAX_SUCC_PER_SRC) {
    free(a->user);
    return;
  }
  src->succ[src->n_succ++] = *a;
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
  if (ok) {
    /* Hot path: most requests are successes of known users; no copy. */
    uint64_t h = sp_hash_bytes(user.p, user.n, true);
    for (size_t i = 0; i < src->n_succ; i++) {
      attempt *s0 = &src->succ[i];
      if (s0->uhash == h && s0->ulen == user.n &&
          sp_mem_ieq(user.p, s0->user, user.n)) {
        if (later(ev->ts, ev->file_id, ev->line, s0)) {
          s0->ts = ev->ts;
          s0->file_id = ev->file_id;
          s0->line = ev->line;
        }
        return;
      }
    }
    if (src->n_succ >= MAX_SUCC_PER_SRC)
      return;
  }
  attempt a = {ev->ts,
               ev->file_id,
               ev->line,
               dupn(user, MAX_USER_LEN),
               sp_hash_bytes(user.p, user.n, true),
               user.n};
  if (!a.user)
    return;
  for (char *c = a.user; *c; c++)
    *c = (char)sp_lower((unsigned char)*c);
  if (fail)
    add_fail(s, src, &a);
  else
    add_succ(src, &a);
}

static void spray_merge(void *dstp, void *srcp) {
  spray_state *d = dstp, *s = srcp;
  for (size_t i = 0; i < s->cap; i++) {
    source *from = s->slots[i];
    if (!from)
      continue;
    source *to = get_source(d, sp_str_make(from->ip, from->ip_len));
    if (to) {
      for (size_t k = 0; k < from->n_fails; k++)
        add_fail(d, to, &from->fails[k]);
      for (size_t k = 0; k < from->n_succ; k++)
        add_succ(to, &from->succ[k]);
      to->fails_dropped += from->fails_dropped;
      from->n_fails = from->n_succ = 0;
    }
    source_free(from);
    s->slots[i] = NULL;
  }
  s->count = 0;
  d->dropped += s->dropped;
}

static int cmp_user(const void *a, const void *b) {
  const attempt *x = *(const attempt *const *)a,
                *y = *(const attempt *const *)b;
  return strcmp(x->user, y->user);
}

static void hit(sp_fset *out, const sp_rule *r, const source *src,
                const attempt *a, bool with_user, const char *reason) {
  sp_hit h;
  sp_hit_init(&h, r, a->ts, a->file_id, a->line, SP_REF_LINE);
  sp_hit_entity(&h, "source.ip", sp_str_make(src->ip, strlen(src->ip)));
  if (with_user)
    sp_hit_entity(&h, "user.name", sp_str_make(a->user, strlen(a->user)));
  h.reason = sp_str_make(reason, strlen(reason));
  sp_fset_add(out, &h);
}

static void judge(source *src, sp_fset *out) {
  if (src->n_fails == 0)
    return;
  attempt **by_user = malloc(src->n_fails * sizeof *by_user);
  if (!by_user)
    return;
  int64_t first_fail = INT64_MAX;
  for (size_t i = 0; i < src->n_fails; i++) {
    by_user[i] = &src->fails[i];
    if (src->fails[i].ts < first_fail)
      first_fail = src->fails[i].ts;
  }
  qsort(by_user, src->n_fails, sizeof *by_user, cmp_user);
  size_t distinct = 0;
  bool brute = false;
  char reason[160];
  for (size_t i = 0; i < src->n_fails;) {
    size_t j = i;
    while (j < src->n_fails && strcmp(by_user[j]->user, by_user[i]->user) == 0)
      j++;
    distinct++;
    if (j - i >= BRUTE_FAILS) {
      brute = true;
      snprintf(reason, sizeof reason, "%zu failed logons as this account",
               j - i);
      for (size_t k = i; k < j; k++)
        hit(out, &r_brute, src, by_user[k], true, reason);
    }
    i = j;
  }
  bool spray = distinct >= SPRAY_USERS;
  if (spray) {
    snprintf(reason, sizeof reason,
             "%zu distinct accounts failed from this source", distinct);
    for (size_t i = 0; i < src->n_fails; i++)
      hit(out, &r_spray, src, &src->fails[i], false, reason);
  }
  if (spray || brute) {
    snprintf(
        reason, sizeof reason,
        "logon succeeded after %zu failures (%zu accounts) from this source",
        src->n_fails, distinct);
    for (size_t i = 0; i < src->n_succ; i++)
      if (src->succ[i].ts >= first_fail)
        hit(out, &r_success, src, &src->succ[i], true, reason);
  }
  free(by_user);
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
