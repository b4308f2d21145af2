/*
 * spray_forms.c - password spraying and brute force through the OWA and ECP
 * forms-based logon page, from IIS logs.
 *
 * A forms logon leaves no user name and no 401 in IIS: the browser (or the
 * spraying tool) posts the credentials to /owa/auth.owa (or /ecp/auth.owa),
 * which answers 302 either way. A wrong password redirects back to
 * /owa/auth/logon.aspx with reason=2 in the query (any reason other than 0
 * is a refused logon); a right one redirects to the application, whose
 * requests then carry the user name. Per source address, over the whole
 * input, in the total order (time, file id, line):
 *  - a 302 POST to auth.owa followed within FORMS_WINDOW by a GET of
 *    auth/logon.aspx with a non-zero reason is a failed forms logon (each
 *    redirect pairs with the earliest pending POST);
 *  - a 302 POST not paired that way, followed within FORMS_WINDOW by a
 *    request for the application's landing page (/owa/, /ecp/) with a user
 *    name, is a successful logon as that user (the latest pending POST);
 *  - >= FORMS_FAILS failed forms logons: forms-based spraying or brute force
 *    (T1110: the accounts are not logged, so the two cannot be told apart);
 *  - a successful forms logon at or after the first failure, from such a
 *    source: logon succeeded after forms failures (names the account).
 *
 * State: run-wide (sp_dctx.share), like spray.c: workers queue the few
 * events that matter (POSTs to auth.owa, logon.aspx with a reason, landing
 * pages with a user name) in a batch and apply it under the share's lock;
 * events of one source may come from files read by different workers, so
 * they are paired only at on_end, after sorting. Without a share every
 * instance keeps its own state and merge() folds them.
 *
 * Budget: FORMS_MAX_BYTES of kept events (each costs its record and its
 * user name). Over it, the sources with the largest mixed address hash are
 * dropped whole, the limit walking down a fixed sequence until the rest
 * fits ("spray.forms_sources"), so what is kept depends only on the input.
 */
#include "core/strset.h"
#include "detect/detector.h"

#include <stdio.h>
#include <stdlib.h>

#define FORMS_FAILS 20
#define FORMS_WINDOW (UINT64_C(60) * 1000000000) /* ns */
#define FORMS_MAX_BYTES ((uint64_t)64 << 20)
#define FORMS_REFS 32 /* failure references kept per finding */
#define BATCH_EVENTS 256
#define BATCH_BYTES (16 << 10)
#define MAX_IP_LEN 64
#define MAX_USER_LEN 256

#define SHARE_KEY "spray_forms"

#define LIM_SOURCES "spray.forms_sources"
#define LIM_SOURCES_DETAIL                                                     \
  "forms-based logon events not judged: sources beyond the budget of 64 MiB "  \
  "of forms logon events"
#define LIM_CUT "spray.forms_value_cut"
#define LIM_CUT_DETAIL                                                         \
  "forms logon events whose source address (over 64 bytes) or account name "   \
  "(over 256 bytes) was cut"

static const sp_rule r_forms = {
    "spoor.auth.forms_spray",
    "Password spraying or brute force through the OWA/ECP logon form",
    "spoor-auth",
    "spoor",
    "One source failed many forms-based logons on OWA or ECP (POST to "
    "auth.owa answered by a redirect to logon.aspx with reason=2); IIS "
    "does not log the account names tried.",
    "T1110.003,T1110.001",
    "",
    SP_LEVEL_MEDIUM,
    "https://attack.mitre.org/techniques/T1110/003/"};
static const sp_rule r_forms_ok = {
    "spoor.auth.forms_success_after_failures",
    "Successful forms logon after OWA/ECP logon failures",
    "spoor-auth",
    "spoor",
    "A source that failed many forms-based logons on OWA or ECP then logged "
    "on: the named account is likely compromised.",
    "T1110,T1078",
    "",
    SP_LEVEL_HIGH,
    "https://attack.mitre.org/techniques/T1110/"};

const sp_rule *const sp_spray_forms_rules[] = {&r_forms, &r_forms_ok, NULL};

enum { T_POST, T_FAIL, T_OK, T_OK_HIT };

typedef sp_agg_ref ref;

/* A kept event; a user name lives in its source's names. */
typedef struct fev {
  ref r;
  uint32_t user;     /* offset into names */
  uint16_t user_len; /* 0: none */
  uint8_t type;
} fev;

typedef struct fsrc {
  char *ip;
  uint32_t ip_len;
  uint64_t hash;
  fev *ev;
  size_t n, cap;
  char *names;
  size_t n_names, cap_names;
  uint64_t cost; /* bytes counted against the budget */
} fsrc;

typedef struct slot {
  uint64_t hash;
  fsrc *p;
} slot;

typedef struct fstate {
  slot *v;
  size_t cap, n;
  uint64_t bytes, limit;
  uint64_t dropped, cut;
  sp_err err;
} fstate;

/* A queued event; the address then the user name are in the batch text. */
typedef struct qev {
  uint64_t ip_hash;
  ref r;
  uint32_t text;
  uint16_t ip_len, user_len;
  uint8_t type;
} qev;

typedef struct forms_inst {
  fstate *run;
  sp_dshare *share;
  size_t n_batch, n_text;
  uint64_t cut;
  sp_err err;
  qev batch[BATCH_EVENTS];
  char text[BATCH_BYTES];
} forms_inst;

static size_t home(uint64_t h, size_t cap) {
  return (size_t)sp_mix64(h) & (cap - 1);
}

static void note(fstate *s, sp_err e) {
  if (e && !s->err)
    s->err = e;
}

/* ---- state
 * ---------------------------------------------------------------------- */

static void src_free(fsrc *p) {
  free(p->ev);
  free(p->names);
  free(p->ip);
  free(p);
}

static void state_free(void *p) {
  fstate *s = p;
  if (!s)
    return;
  for (size_t i = 0; s->v && i < s->cap; i++)
    if (s->v[i].p)
      src_free(s->v[i].p);
  free(s->v);
  free(s);
}

static void *state_new(void) {
  fstate *s = calloc(1, sizeof *s);
  if (!s)
    return NULL;
  s->cap = 64;
  s->limit = UINT64_MAX;
  if (!(s->v = calloc(s->cap, sizeof *s->v))) {
    free(s);
    return NULL;
  }
  return s;
}

static size_t find(const fstate *s, uint64_t h, sp_str ip) {
  size_t i = home(h, s->cap);
  while (s->v[i].p) {
    const fsrc *r = s->v[i].p;
    if (s->v[i].hash == h && r->ip_len == ip.n &&
        memcmp(r->ip, ip.p, ip.n) == 0)
      break;
    i = (i + 1) & (s->cap - 1);
  }
  return i;
}

static void place(slot *v, size_t cap, slot x) {
  size_t i = home(x.hash, cap);
  while (v[i].p)
    i = (i + 1) & (cap - 1);
  v[i] = x;
}

/* Rebuild the table keeping the sources ranked at or below s->limit. */
static void evict(fstate *s) {
  slot *nv = calloc(s->cap, sizeof *nv);
  if (!nv) {
    note(s, SP_ENOMEM);
    return;
  }
  for (size_t k = 0; k < s->cap; k++) {
    fsrc *p = s->v[k].p;
    if (!p)
      continue;
    if (sp_mix64(p->hash) > s->limit) {
      s->dropped += p->n;
      s->bytes -= p->cost;
      s->n--;
      src_free(p);
      continue;
    }
    place(nv, s->cap, s->v[k]);
  }
  free(s->v);
  s->v = nv;
}

static void budget(fstate *s) {
  while (s->bytes > FORMS_MAX_BYTES && !s->err) {
    s->limit = sp_rank_lower(s->limit);
    evict(s);
  }
}

static fsrc *get_src(fstate *s, sp_str ip, uint64_t h) {
  size_t i = find(s, h, ip);
  if (s->v[i].p)
    return s->v[i].p;
  if ((s->n + 1) * 2 > s->cap) {
    size_t ncap = s->cap * 2;
    slot *nv = calloc(ncap, sizeof *nv);
    if (!nv) {
      note(s, SP_ENOMEM);
      return NULL;
    }
    for (size_t k = 0; k < s->cap; k++)
      if (s->v[k].p)
        place(nv, ncap, s->v[k]);
    free(s->v);
    s->v = nv;
    s->cap = ncap;
    i = find(s, h, ip);
  }
  fsrc *p = calloc(1, sizeof *p);
  char *c = p ? malloc(ip.n + 1) : NULL;
  if (!c) {
    free(p);
    note(s, SP_ENOMEM);
    return NULL;
  }
  memcpy(c, ip.p, ip.n);
  c[ip.n] = 0;
  p->ip = c;
  p->ip_len = (uint32_t)ip.n;
  p->hash = h;
  p->cost = sizeof *p + ip.n;
  s->v[i] = (slot){h, p};
  s->n++;
  s->bytes += p->cost;
  return p;
}

/* Keep one event of source ip under the budget. */
static void add_event(fstate *s, sp_str ip, uint64_t h, uint8_t type,
                      const ref *r, sp_str user) {
  if (s->err)
    return;
  if (sp_mix64(h) > s->limit) {
    s->dropped++;
    return;
  }
  fsrc *p = get_src(s, ip, h);
  if (!p)
    return;
  if (p->n == p->cap) {
    size_t ncap = p->cap ? p->cap * 2 : 8;
    fev *nv = realloc(p->ev, ncap * sizeof *nv);
    if (!nv) {
      note(s, SP_ENOMEM);
      return;
    }
    p->ev = nv;
    p->cap = ncap;
  }
  if (p->n_names + user.n > p->cap_names) {
    size_t ncap = p->cap_names ? p->cap_names * 2 : 64;
    while (ncap < p->n_names + user.n)
      ncap *= 2;
    char *nn = realloc(p->names, ncap);
    if (!nn) {
      note(s, SP_ENOMEM);
      return;
    }
    p->names = nn;
    p->cap_names = ncap;
  }
  if (user.n)
    memcpy(p->names + p->n_names, user.p, user.n);
  p->ev[p->n++] = (fev){*r, (uint32_t)p->n_names, (uint16_t)user.n, type};
  p->n_names += user.n;
  uint64_t cost = sizeof(fev) + user.n;
  p->cost += cost;
  s->bytes += cost;
  budget(s);
}

static sp_str user_of(const fsrc *p, const fev *e) {
  return e->user_len ? sp_str_make(p->names + e->user, e->user_len)
                     : sp_str_make("", 0);
}

/* Fold a private state into d (no share). */
static void state_fold(fstate *d, const fstate *src) {
  note(d, src->err);
  if (src->limit < d->limit) {
    d->limit = src->limit;
    evict(d);
  }
  for (size_t k = 0; k < src->cap && !d->err; k++) {
    const fsrc *p = src->v[k].p;
    if (!p)
      continue;
    sp_str ip = sp_str_make(p->ip, p->ip_len);
    for (size_t i = 0; i < p->n; i++)
      add_event(d, ip, p->hash, p->ev[i].type, &p->ev[i].r,
                user_of(p, &p->ev[i]));
  }
  d->dropped += src->dropped;
  d->cut += src->cut;
}

static void flush(forms_inst *in) {
  if (!in->n_batch && !in->cut)
    return;
  if (in->share)
    sp_dshare_lock(in->share);
  for (size_t i = 0; i < in->n_batch && !in->run->err; i++) {
    const qev *e = &in->batch[i];
    add_event(in->run, sp_str_make(in->text + e->text, e->ip_len), e->ip_hash,
              e->type, &e->r,
              sp_str_make(in->text + e->text + e->ip_len, e->user_len));
  }
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

static void *forms_create(const sp_dctx *ctx) {
  forms_inst *in = calloc(1, sizeof *in);
  if (!in)
    return NULL;
  in->run = sp_dshare_attach(ctx, SHARE_KEY, state_new, state_free, &in->share);
  if (!in->run) {
    free(in);
    return NULL;
  }
  return in;
}

static void forms_destroy(void *st) {
  forms_inst *in = st;
  if (!in)
    return;
  sp_dshare_detach(in->share, in->run, state_free);
  free(in);
}

/* A query with a reason=N parameter, N not zero: a refused logon. */
static bool refused(sp_str q) {
  for (size_t i = 0; i + 7 <= q.n; i++) {
    if ((i == 0 || q.p[i - 1] == '&' || q.p[i - 1] == '?') &&
        sp_mem_ieq(q.p + i, "reason=", 7)) {
      size_t j = i + 7;
      bool digits = false, nonzero = false;
      for (; j < q.n && q.p[j] >= '0' && q.p[j] <= '9'; j++) {
        digits = true;
        nonzero |= q.p[j] != '0';
      }
      return digits && nonzero;
    }
  }
  return false;
}

static int classify(const sp_event *ev, sp_str path) {
  /* path starts with /owa or /ecp */
  sp_str rest = sp_str_make(path.p + 4, path.n - 4);
  if (sp_str_ieq(rest, "/auth.owa")) {
    if (sp_event_status(ev) == 302 &&
        sp_str_ieq(sp_event_get(ev, SP_F_HTTP_METHOD), "POST"))
      return T_POST;
    return -1;
  }
  if (sp_str_ieq(rest, "/auth/logon.aspx")) {
    if (sp_str_ieq(sp_event_get(ev, SP_F_HTTP_METHOD), "GET") &&
        refused(sp_event_get(ev, SP_F_URL_QUERY)))
      return T_FAIL;
    return -1;
  }
  /* The application's landing page, where a successful logon goes. */
  if (rest.n == 0 || sp_str_eq(rest, "/") ||
      sp_str_ieq(rest, "/default.aspx")) {
    int status = sp_event_status(ev);
    if (status >= 200 && status < 400 && sp_event_get(ev, SP_F_USER_NAME).n)
      return T_OK;
  }
  return -1;
}

static void forms_on_event(void *st, const sp_event *ev, sp_fset *out) {
  forms_inst *in = st;
  if (ev->kind != SP_SRC_IIS)
    return;
  sp_str path = sp_event_get(ev, SP_F_URL_PATH);
  if (path.n < 4 || path.p[0] != '/' ||
      !(sp_str_istarts(path, "/owa") || sp_str_istarts(path, "/ecp")))
    return;
  int type = classify(ev, path);
  if (type < 0)
    return;
  sp_str ip = sp_event_get(ev, SP_F_SOURCE_IP);
  if (!ip.n)
    return;
  sp_str user =
      type == T_OK ? sp_event_get(ev, SP_F_USER_NAME) : sp_str_make(NULL, 0);
  if (ip.n > MAX_IP_LEN || user.n > MAX_USER_LEN) {
    in->cut++;
    ip.n = ip.n > MAX_IP_LEN ? MAX_IP_LEN : ip.n;
    user.n = user.n > MAX_USER_LEN ? MAX_USER_LEN : user.n;
  }
  if (in->n_batch == BATCH_EVENTS ||
      in->n_text + ip.n + user.n > sizeof in->text)
    flush(in);
  qev *e = &in->batch[in->n_batch++];
  char *t = in->text + in->n_text;
  sp_lower_copy(t, ip.p, ip.n);
  sp_lower_copy(t + ip.n, user.p, user.n);
  e->ip_hash = sp_hash_bytes(t, ip.n, false);
  e->r = (ref){.ts = ev->ts,
               .where = ev->line,
               .file_id = ev->file_id,
               .kind = SP_REF_LINE};
  e->text = (uint32_t)in->n_text;
  e->ip_len = (uint16_t)ip.n;
  e->user_len = (uint16_t)user.n;
  e->type = (uint8_t)type;
  in->n_text += ip.n + user.n;
  if (in->err)
    sp_fset_fail(out, in->err);
}

static void forms_merge(void *dstp, void *srcp) {
  forms_inst *d = dstp, *s = srcp;
  flush(s);
  if (s->run != d->run)
    state_fold(d->run, s->run);
}

static int fev_cmp(const void *a, const void *b) {
  const fev *x = a, *y = b;
  int c = sp_agg_ref_cmp(&x->r, &y->r);
  if (c)
    return c;
  return (x->type > y->type) - (x->type < y->type);
}

/* Pair one source's events and emit its findings. */
static void judge(fsrc *p, sp_fset *out, sp_err *err) {
  qsort(p->ev, p->n, sizeof *p->ev, fev_cmp);
  size_t *q = malloc((p->n ? p->n : 1) * sizeof *q);
  if (!q) {
    *err = SP_ENOMEM;
    return;
  }
  size_t head = 0, tail = 0, n_refs = 0;
  uint64_t fails = 0;
  ref refs[FORMS_REFS];
  for (size_t i = 0; i < p->n; i++) {
    fev *e = &p->ev[i];
    /* Sorted, so the difference is exact in unsigned arithmetic. */
    while (head < tail &&
           (uint64_t)e->r.ts - (uint64_t)p->ev[q[head]].r.ts > FORMS_WINDOW)
      head++;
    if (e->type == T_POST) {
      q[tail++] = i;
    } else if (e->type == T_FAIL && head < tail) {
      head++; /* the earliest pending POST failed */
      fails++;
      if (n_refs < FORMS_REFS)
        refs[n_refs++] = e->r;
    } else if (e->type == T_OK && head < tail) {
      tail--; /* the latest pending POST succeeded */
      if (fails)
        e->type = T_OK_HIT;
    }
  }
  free(q);
  if (fails < FORMS_FAILS)
    return;
  sp_str ip = sp_str_make(p->ip, p->ip_len);
  char reason[192];
  snprintf(reason, sizeof reason,
           "%llu failed forms-based logons (POST auth.owa redirected to "
           "logon.aspx with a reason) from this source",
           (unsigned long long)fails);
  for (size_t i = 0; i < n_refs; i++) {
    sp_hit h;
    sp_hit_init(&h, &r_forms, refs[i].ts, refs[i].file_id, refs[i].where,
                SP_REF_LINE);
    h.weight = i == 0 ? fails - (n_refs - 1) : 1;
    sp_hit_entity(&h, "source.ip", ip);
    h.reason = sp_str_make(reason, strlen(reason));
    sp_fset_add(out, &h);
  }
  snprintf(reason, sizeof reason,
           "forms logon succeeded after %llu failed forms-based logons from "
           "this source",
           (unsigned long long)fails);
  for (size_t i = 0; i < p->n; i++) {
    const fev *e = &p->ev[i];
    if (e->type != T_OK_HIT)
      continue;
    sp_hit h;
    sp_hit_init(&h, &r_forms_ok, e->r.ts, e->r.file_id, e->r.where,
                SP_REF_LINE);
    sp_hit_entity(&h, "source.ip", ip);
    sp_hit_entity(&h, "user.name", user_of(p, e));
    h.reason = sp_str_make(reason, strlen(reason));
    sp_fset_add(out, &h);
  }
}

static void forms_on_end(void *st, sp_fset *out) {
  forms_inst *in = st;
  flush(in);
  fstate *g = in->run;
  sp_err err = g->err ? g->err : in->err;
  for (size_t i = 0; i < g->cap && !err; i++)
    if (g->v[i].p)
      judge(g->v[i].p, out, &err);
  sp_limits *lim = sp_fset_limits(out);
  sp_limits_add(lim, LIM_SOURCES, LIM_SOURCES_DETAIL, g->dropped);
  sp_limits_add(lim, LIM_CUT, LIM_CUT_DETAIL, g->cut);
  sp_fset_fail(out, err);
}

const sp_detector_vt sp_det_spray_forms = {
    .name = "spray_forms",
    .create = forms_create,
    .on_event = forms_on_event,
    .merge = forms_merge,
    .on_end = forms_on_end,
    .destroy = forms_destroy,
};
