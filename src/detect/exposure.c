/*
 * exposure.c - since when was each Exchange server open: the window in which
 * it ran a build without the fix of a 2021 exploitation wave.
 *
 * Exchange logs say which build wrote them: the "#Version:" header of
 * HttpProxy, ECP and OABGenerator logs, HttpProxy's MajorVersion ..
 * RevisionVersion columns, ECP's BLD= item (the readers put it in
 * exchange.build). Per server (host.name) this detector keeps every build
 * seen with its first and last time; at the end, per wave (builds.h), it
 * reports the period in which the server ran a vulnerable build: from the
 * first evidence of such a build to the first evidence of a fixed build
 * after it, or to the last evidence when no fixed build follows ("still
 * vulnerable when the evidence ends"). Medium when that period reaches the
 * wave's first exploitation in the wild, low when it ended before.
 * Findings of the wave's vulnerabilities (rule cve) on a server that ran
 * only fixed builds since before them are rated low (sp_agg.level_set):
 * those attempts could not succeed; the exposure finding counts them.
 *
 * State: per worker, merged at the end; small (servers x builds).
 * Budget: MAX_HOSTS servers and MAX_BUILDS builds per server; what does not
 * fit is counted ("exposure.builds").
 */
#include "core/timeutil.h"
#include "detect/detector.h"
#include "exchange/builds.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define MAX_HOSTS 1024
#define MAX_BUILDS 32
#define MAX_HOST_LEN 128

#define LIM_BUILDS "exposure.builds"
#define LIM_BUILDS_DETAIL                                                      \
  "Exchange build sightings not kept: over 1,024 servers or 32 builds per "    \
  "server"

static const sp_rule r_expo[SP_WAVE__COUNT] = {
    {"spoor.exchange.exposure.proxylogon",
     "Exchange server ran a build vulnerable to ProxyLogon", "spoor-exchange",
     "spoor",
     "The server's own logs show an Exchange build without the March 2021 "
     "security update (CVE-2021-26855/26857/26858/27065): the window in "
     "which it could be exploited, from the first evidence of that build to "
     "the first evidence of a fixed build.",
     "T1190", "CVE-2021-26855", SP_LEVEL_MEDIUM,
     "https://learn.microsoft.com/en-us/exchange/new-features/"
     "build-numbers-and-release-dates"},
    {"spoor.exchange.exposure.proxyshell",
     "Exchange server ran a build vulnerable to ProxyShell", "spoor-exchange",
     "spoor",
     "The server's own logs show an Exchange build without the April and May "
     "2021 security updates (CVE-2021-34473/34523/31207): the window in "
     "which it could be exploited.",
     "T1190", "CVE-2021-34473", SP_LEVEL_MEDIUM,
     "https://learn.microsoft.com/en-us/exchange/new-features/"
     "build-numbers-and-release-dates"},
};
/* The same, for windows that closed before the wave was exploited. */
static const sp_rule r_expo_low[SP_WAVE__COUNT] = {
    {"spoor.exchange.exposure.proxylogon_before",
     "Exchange server ran a ProxyLogon-vulnerable build (closed before the "
     "exploitation wave)",
     "spoor-exchange", "spoor",
     "As spoor.exchange.exposure.proxylogon, but a fixed build was running "
     "before the first known exploitation (2021-01-06).",
     "T1190", "CVE-2021-26855", SP_LEVEL_LOW,
     "https://learn.microsoft.com/en-us/exchange/new-features/"
     "build-numbers-and-release-dates"},
    {"spoor.exchange.exposure.proxyshell_before",
     "Exchange server ran a ProxyShell-vulnerable build (closed before the "
     "exploitation wave)",
     "spoor-exchange", "spoor",
     "As spoor.exchange.exposure.proxyshell, but a fixed build was running "
     "before the first known exploitation (2021-08-05).",
     "T1190", "CVE-2021-34473", SP_LEVEL_LOW,
     "https://learn.microsoft.com/en-us/exchange/new-features/"
     "build-numbers-and-release-dates"},
};

/* A server with only fixed builds whose logs still show the wave's
 * exploitation: the attempts, rated low, and why. */
static const sp_rule r_fixed[SP_WAVE__COUNT] = {
    {"spoor.exchange.exposure.proxylogon_fixed",
     "ProxyLogon attempts against a server that ran a fixed build",
     "spoor-exchange", "spoor",
     "Findings of ProxyLogon exploitation on a server whose logs show only "
     "builds with the March 2021 security update at the time: the attempts "
     "could not succeed and are rated low.",
     "T1190", "", SP_LEVEL_INFO,
     "https://learn.microsoft.com/en-us/exchange/new-features/"
     "build-numbers-and-release-dates"},
    {"spoor.exchange.exposure.proxyshell_fixed",
     "ProxyShell attempts against a server that ran a fixed build",
     "spoor-exchange", "spoor",
     "Findings of ProxyShell exploitation on a server whose logs show only "
     "builds with the May 2021 security update at the time: rated low.",
     "T1190", "", SP_LEVEL_INFO,
     "https://learn.microsoft.com/en-us/exchange/new-features/"
     "build-numbers-and-release-dates"},
};

const sp_rule *const sp_exposure_rules[] = {
    &r_expo[0],  &r_expo[1], &r_expo_low[0], &r_expo_low[1], &r_fixed[0],
    &r_fixed[1], NULL};

typedef struct build_seen {
  sp_exch_build b;
  int64_t first, last;
  uint32_t file_id; /* evidence of the first sighting */
  uint64_t where;
  sp_ref_kind kind;
  uint32_t last_file_id; /* and of the last */
  uint64_t last_where;
} build_seen;

typedef struct host_builds {
  char name[MAX_HOST_LEN];
  uint32_t n;
  build_seen builds[MAX_BUILDS];
} host_builds;

typedef struct expo_state {
  host_builds *hosts;
  uint32_t n_hosts;
  uint64_t over;
  bool oom;
  /* The previous event's server and build text and where they are kept:
     a log repeats them on every row, so most events skip the parse and
     the searches. */
  build_seen *last;
  char last_host[MAX_HOST_LEN], last_build[32];
  uint8_t last_host_n, last_build_n;
} expo_state;

static void *expo_create(const sp_dctx *ctx) {
  (void)ctx;
  return calloc(1, sizeof(expo_state));
}

static void expo_destroy(void *st) {
  expo_state *s = st;
  if (s)
    free(s->hosts);
  free(s);
}

static host_builds *host_get(expo_state *s, const char *name, size_t n) {
  for (uint32_t i = 0; i < s->n_hosts; i++)
    if (strlen(s->hosts[i].name) == n &&
        strncasecmp(s->hosts[i].name, name, n) == 0)
      return &s->hosts[i];
  if (s->n_hosts >= MAX_HOSTS)
    return NULL;
  if (!s->hosts) {
    s->hosts = calloc(MAX_HOSTS, sizeof *s->hosts);
    if (!s->hosts) {
      s->oom = true;
      return NULL;
    }
  }
  host_builds *h = &s->hosts[s->n_hosts++];
  memcpy(h->name, name, n);
  h->name[n] = '\0';
  h->n = 0;
  return h;
}

/* Fold a sighting of x's build into x: the earliest and the latest
 * evidence in the total order of references. */
static void widen(build_seen *x, const build_seen *bs) {
  sp_agg_ref a = {x->first, x->where, x->file_id, x->kind, UINT64_MAX};
  sp_agg_ref b = {bs->first, bs->where, bs->file_id, bs->kind, UINT64_MAX};
  if (sp_agg_ref_cmp(&b, &a) < 0) {
    x->first = bs->first;
    x->file_id = bs->file_id;
    x->where = bs->where;
    x->kind = bs->kind;
  }
  sp_agg_ref la = {x->last, x->last_where, x->last_file_id, x->kind,
                   UINT64_MAX};
  sp_agg_ref lb = {bs->last, bs->last_where, bs->last_file_id, bs->kind,
                   UINT64_MAX};
  if (sp_agg_ref_cmp(&lb, &la) > 0) {
    x->last = bs->last;
    x->last_file_id = bs->last_file_id;
    x->last_where = bs->last_where;
  }
}

/* Record a sighting; the entry that holds it, or NULL when over budget. */
static build_seen *note_build(expo_state *s, const char *host, size_t hn,
                              const build_seen *bs) {
  host_builds *h = host_get(s, host, hn);
  if (!h) {
    s->over++;
    return NULL;
  }
  for (uint32_t i = 0; i < h->n; i++) {
    build_seen *x = &h->builds[i];
    if (sp_exch_build_cmp(&x->b, &bs->b) == 0) {
      widen(x, bs);
      return x;
    }
  }
  if (h->n >= MAX_BUILDS) {
    s->over++;
    return NULL;
  }
  h->builds[h->n] = *bs;
  return &h->builds[h->n++];
}

static void expo_on_event(void *st, const sp_event *ev, sp_fset *out) {
  (void)out;
  if (ev->ts == SP_TIME_NONE)
    return;
  sp_str b = sp_event_get(ev, SP_F_EXCH_BUILD);
  if (!b.n)
    return;
  build_seen bs = {.first = ev->ts,
                   .last = ev->ts,
                   .file_id = ev->file_id,
                   .where = ev->line,
                   .kind = (sp_ref_kind)ev->ref,
                   .last_file_id = ev->file_id,
                   .last_where = ev->line};
  sp_str host = sp_event_get(ev, SP_F_HOST_NAME);
  if (!host.n)
    host = sp_str_make("(unnamed server)", 16);
  if (host.n >= MAX_HOST_LEN)
    host.n = MAX_HOST_LEN - 1;
  expo_state *s = st;
  if (s->last && host.n == s->last_host_n && b.n == s->last_build_n &&
      memcmp(host.p, s->last_host, host.n) == 0 &&
      memcmp(b.p, s->last_build, b.n) == 0) {
    widen(s->last, &bs);
    return;
  }
  if (!sp_exch_build_parse(sp_str_trim(b), &bs.b))
    return;
  s->last = note_build(s, host.p, host.n, &bs);
  if (s->last && b.n <= sizeof s->last_build) {
    memcpy(s->last_host, host.p, host.n);
    memcpy(s->last_build, b.p, b.n);
    s->last_host_n = (uint8_t)host.n;
    s->last_build_n = (uint8_t)b.n;
  } else {
    s->last = NULL;
  }
}

static void expo_merge(void *dst, void *src) {
  expo_state *d = dst, *s = src;
  d->over += s->over;
  d->oom |= s->oom;
  for (uint32_t i = 0; i < s->n_hosts; i++)
    for (uint32_t j = 0; j < s->hosts[i].n; j++)
      note_build(d, s->hosts[i].name, strlen(s->hosts[i].name),
                 &s->hosts[i].builds[j]);
}

static int by_first(const void *a, const void *b) {
  const build_seen *x = a, *y = b;
  if (x->first != y->first)
    return x->first < y->first ? -1 : 1;
  return sp_exch_build_cmp(&x->b, &y->b);
}

static void fmt_build(const sp_exch_build *b, char *out, size_t cap) {
  snprintf(out, cap, "%u.%u.%u.%u", b->v[0], b->v[1], b->v[2], b->v[3]);
}

/* When a server has run only fixed builds since some time: the first
 * evidence of the fixed build that closed its last vulnerable window (or of
 * its first build, when no vulnerable build was seen); INT64_MAX when it
 * ran a vulnerable build to the end of the evidence or no build is known. */
static int64_t fixed_since(const host_builds *h, sp_exch_wave w) {
  int64_t since = INT64_MAX;
  for (uint32_t i = 0; i < h->n; i++) {
    sp_exch_exposure e = sp_exch_exposure_of(&h->builds[i].b, w, NULL, 0);
    if (e == SP_EXPO_VULNERABLE || e == SP_EXPO_UNKNOWN)
      since = INT64_MAX;
    else if (since == INT64_MAX)
      since = h->builds[i].first;
  }
  return since;
}

typedef struct relevel_ctx {
  expo_state *s;
  int64_t since[SP_WAVE__COUNT][MAX_HOSTS]; /* fixed_since per host */
  uint32_t lowered[SP_WAVE__COUNT][MAX_HOSTS];
} relevel_ctx;

/* The wave a finding's vulnerability belongs to, or -1. */
static int wave_of(const sp_rule *r) {
  if (!r->cve || !r->cve[0])
    return -1;
  for (int w = 0; w < SP_WAVE__COUNT; w++)
    if (strstr(sp_exch_wave_get((sp_exch_wave)w)->cves, r->cve))
      return w;
  return -1;
}

/* An exploitation finding on a server that was running a fixed build at
 * the time could not have succeeded: rated low. The server is the
 * finding's host.name, or the only server known when it names none. */
static void relevel(sp_agg *a, void *user) {
  relevel_ctx *c = user;
  int w = wave_of(a->rule);
  if (w < 0 || a->rule == &r_expo[w] || a->rule == &r_expo_low[w] ||
      a->rule == &r_fixed[w] || sp_agg_level(a) <= SP_LEVEL_LOW ||
      a->first == SP_TIME_NONE)
    return;
  int host = -1;
  for (uint8_t k = 0; k < a->n_ent; k++) {
    if (strcmp(a->ent_field[k], "host.name") != 0)
      continue;
    for (uint32_t i = 0; i < c->s->n_hosts; i++)
      if (strcasecmp(c->s->hosts[i].name, a->ent_value[k]) == 0)
        host = (int)i;
    if (host < 0)
      return; /* a server whose build is unknown */
  }
  if (host < 0 && c->s->n_hosts == 1)
    host = 0;
  if (host < 0 || a->first < c->since[w][host])
    return;
  a->level_set = SP_LEVEL_LOW + 1;
  c->lowered[w][host]++;
}

/* One server, one wave: the vulnerable window, if any. */
static void judge(const host_builds *h, sp_exch_wave w, uint32_t lowered,
                  sp_fset *out) {
  const sp_exch_wave_info *wi = sp_exch_wave_get(w);
  const build_seen *vfirst = NULL, *vlast = NULL, *fixed_after = NULL;
  char fix[32] = "";
  for (uint32_t i = 0; i < h->n; i++) {
    const build_seen *x = &h->builds[i];
    char f[32];
    sp_exch_exposure e = sp_exch_exposure_of(&x->b, w, f, sizeof f);
    if (e == SP_EXPO_VULNERABLE) {
      if (!vfirst) {
        vfirst = x;
        memcpy(fix, f, sizeof fix);
      }
      if (!vlast || x->last > vlast->last)
        vlast = x;
      fixed_after = NULL; /* a vulnerable build again: the window reopened */
    } else if (e == SP_EXPO_FIXED && vfirst && !fixed_after) {
      fixed_after = x;
    }
  }
  if (!vfirst) {
    if (lowered && h->n) {
      const build_seen *b0 = &h->builds[0];
      char b[32], t0[32], reason[512];
      fmt_build(&b0->b, b, sizeof b);
      snprintf(reason, sizeof reason,
               "%s ran %s, fixed for %s, from %s (first evidence); %u "
               "exploitation finding%s after that rated low",
               h->name, b, wi->name, sp_time_minutes(b0->first, t0, sizeof t0),
               lowered, lowered == 1 ? "" : "s");
      sp_hit hit;
      sp_hit_init(&hit, &r_fixed[w], b0->first, b0->file_id, b0->where,
                  b0->kind);
      sp_hit_entity(&hit, "host.name", sp_str_make(h->name, strlen(h->name)));
      sp_hit_entity(&hit, "exchange.build", sp_str_make(b, strlen(b)));
      hit.reason = sp_str_make(reason, strlen(reason));
      sp_fset_add(out, &hit);
    }
    return;
  }
  int64_t end = fixed_after ? fixed_after->first : vlast->last;
  bool reached = end >= wi->exploited_ns;
  sp_hit hit;
  sp_hit_init(&hit, reached ? &r_expo[w] : &r_expo_low[w], vfirst->first,
              vfirst->file_id, vfirst->where, vfirst->kind);
  char vb[32], fb[32] = "", t0[32], t1[32], reason[512];
  fmt_build(&vfirst->b, vb, sizeof vb);
  sp_hit_entity(&hit, "host.name", sp_str_make(h->name, strlen(h->name)));
  sp_hit_entity(&hit, "exchange.build", sp_str_make(vb, strlen(vb)));
  sp_time_minutes(vfirst->first, t0, sizeof t0);
  sp_time_minutes(end, t1, sizeof t1);
  if (fixed_after) {
    fmt_build(&fixed_after->b, fb, sizeof fb);
    snprintf(reason, sizeof reason,
             "%s ran %s, vulnerable to %s (%s), from %s (first evidence) "
             "until %s, when the fixed build %s first appears",
             h->name, vb, wi->name, wi->cves, t0, t1, fb);
  } else {
    snprintf(reason, sizeof reason,
             "%s ran %s, vulnerable to %s (%s), from %s (first evidence); "
             "still vulnerable when the evidence ends (%s); fixed by %s%s%s",
             h->name, vb, wi->name, wi->cves, t0, t1, wi->update,
             fix[0] ? ", build " : " in a later cumulative update",
             fix[0] ? fix : "");
  }
  if (lowered) {
    size_t k = strlen(reason);
    snprintf(reason + k, sizeof reason - k,
             "; %u exploitation finding%s after the fix rated low", lowered,
             lowered == 1 ? "" : "s");
  }
  hit.reason = sp_str_make(reason, strlen(reason));
  sp_fset_add(out, &hit);
  /* The window's end is evidence too: the fixed build's first record, or
     the vulnerable build's last. The finding then spans the window. */
  sp_hit e2 = hit;
  if (fixed_after)
    sp_hit_init(&e2, hit.rule, fixed_after->first, fixed_after->file_id,
                fixed_after->where, fixed_after->kind);
  else
    sp_hit_init(&e2, hit.rule, vlast->last, vlast->last_file_id,
                vlast->last_where, vlast->kind);
  memcpy(e2.ent_field, hit.ent_field, sizeof hit.ent_field);
  memcpy(e2.ent_value, hit.ent_value, sizeof hit.ent_value);
  e2.n_ent = hit.n_ent;
  e2.reason = hit.reason;
  if (e2.ts != hit.ts || e2.where != hit.where || e2.file_id != hit.file_id)
    sp_fset_add(out, &e2);
}

static void expo_on_end(void *st, sp_fset *out) {
  expo_state *s = st;
  if (s->oom)
    sp_fset_fail(out, SP_ENOMEM);
  relevel_ctx *c = calloc(1, sizeof *c);
  if (!c) {
    sp_fset_fail(out, SP_ENOMEM);
    return;
  }
  c->s = s;
  for (uint32_t i = 0; i < s->n_hosts; i++) {
    host_builds *h = &s->hosts[i];
    qsort(h->builds, h->n, sizeof h->builds[0], by_first);
    for (int w = 0; w < SP_WAVE__COUNT; w++)
      c->since[w][i] = fixed_since(h, (sp_exch_wave)w);
  }
  if (s->n_hosts)
    sp_fset_foreach_mut(out, relevel, c);
  for (uint32_t i = 0; i < s->n_hosts; i++)
    for (int w = 0; w < SP_WAVE__COUNT; w++)
      judge(&s->hosts[i], (sp_exch_wave)w, c->lowered[w][i], out);
  free(c);
  sp_limits_add(sp_fset_limits(out), LIM_BUILDS, LIM_BUILDS_DETAIL, s->over);
}

const sp_detector_vt sp_det_exposure = {
    .name = "exposure",
    .phases = SP_PHASE_LOGS,
    .create = expo_create,
    .on_event = expo_on_event,
    .merge = expo_merge,
    .on_end = expo_on_end,
    .destroy = expo_destroy,
};
