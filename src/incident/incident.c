/*
 * incident.c - correlation of findings into incidents (see incident.h).
 *
 * Keys. Each finding's normalised entities become typed keys: addresses
 * (ip), machine names (host), accounts (user), domain names (domain), file
 * paths and hashes (file). A script's file name is a key of its own
 * ("name:shell.aspx"), taken from file.path, file.name and url.path, so the
 * file the scan flagged, the log line that wrote it and the requests that used
 * it meet. Exposure findings (spoor.exchange.exposure.*) are context, not part
 * of any incident: they give the incidents on their servers an exposure
 * window.
 *
 * Links. Two findings are linked when they share a key that is not a hub. A
 * key is a hub when the findings holding it also hold more than HUB_NEIGH
 * distinct other addresses, accounts or machines: the Exchange server every
 * log line names, a domain controller, an internal DNS server, a proxy or a
 * poller sits beside everyone and would glue unrelated stories together.
 * Its weight is how common it is (1 / log2(2 + neighbours)); only keys of
 * weight above 1 / log2(2 + HUB_NEIGH) link. Machine names (host) are where
 * the evidence was recorded, and every Exchange log line names its server:
 * they link only a finding that names nothing else to the finding of the
 * highest level with its own address or account on that machine, at most
 * STAGE_GAP away (link_on_host): the steps of one exploit chain (ECP
 * command, OAB file write) join the SSRF that caused them, while a scanner
 * at the same minute, with its own address, stays apart.
 *
 * Incidents. A connected set of findings (union-find) whose highest level is
 * medium or above. Its entities, tactics (attack.c, kill-chain order),
 * first and last evidence, dwell time, exposure window and a narrative of at
 * most NARRATIVE_LINES findings in time order.
 *
 * Bounds: keys per finding SP_MAX_KEYS; entities listed per kind
 * MAX_LIST (the rest are counted in the summary); everything else is
 * linear in the findings (at most SP_FSET_MAX_FINDINGS).
 */
#include "incident/incident.h"
#include "core/timeutil.h"
#include "findings/entity.h"

#include <math.h>
#include <openssl/evp.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define SP_MAX_KEYS 24
#define HUB_NEIGH 12
#define STAGE_GAP (INT64_C(60) * 60 * 1000000000)
#define NARRATIVE_LINES 20
#define MAX_LIST 256

static const char *const ient_names[SP_IENT__COUNT] = {"ip", "host", "user",
                                                       "domain", "file"};

const char *sp_ient_name(sp_ient k) {
  return (unsigned)k < SP_IENT__COUNT ? ient_names[k] : "";
}

/* ---- a small arena for strings and arrays -------------------------------- */

typedef struct blk {
  struct blk *next;
  size_t used, cap;
  char data[];
} blk;

typedef struct arena {
  blk *head;
} arena;

static void *arena_alloc(arena *a, size_t n) {
  n = (n + 15) & ~(size_t)15;
  if (!a->head || a->head->cap - a->head->used < n) {
    size_t cap = n > 65536 ? n : 65536;
    blk *b = malloc(sizeof *b + cap);
    if (!b)
      return NULL;
    b->next = a->head;
    b->used = 0;
    b->cap = cap;
    a->head = b;
  }
  void *p = a->head->data + a->head->used;
  a->head->used += n;
  return p;
}

static char *arena_str(arena *a, const char *s, size_t n) {
  char *d = arena_alloc(a, n + 1);
  if (d) {
    memcpy(d, s, n);
    d[n] = '\0';
  }
  return d;
}

static void arena_free(arena *a) {
  for (blk *b = a->head, *nx; b; b = nx) {
    nx = b->next;
    free(b);
  }
  a->head = NULL;
}

struct sp_incidents {
  sp_incident *inc;
  size_t n;
  uint32_t *of; /* per finding: its incident's index + 1, or 0 */
  size_t n_findings;
  arena mem;
};

/* ---- keys -----------------------------------------------------------------
 */

typedef struct key {
  const char *s; /* "ip:203.0.113.9", "name:shell.aspx", ... (arena) */
  uint64_t h;
  uint8_t type; /* sp_ient */
  bool listed;  /* shown among the incident's entities */
  uint32_t df;  /* findings holding it */
  uint32_t neigh;
  uint32_t post; /* first posting in the CSR array */
} key;

typedef struct kctx {
  arena *mem;
  key *keys;
  size_t n_keys, cap_keys;
  uint32_t *slots; /* open addressing: key index + 1 */
  size_t cap_slots;
  uint32_t *fkeys; /* per finding: SP_MAX_KEYS key indexes */
  uint8_t *nfk;
} kctx;

static uint64_t hash_str(const char *s, size_t n) {
  uint64_t h = 1469598103934665603ULL;
  for (size_t i = 0; i < n; i++)
    h = (h ^ (unsigned char)s[i]) * 1099511628211ULL;
  return h;
}

static bool grow_slots(kctx *c) {
  size_t ncap = c->cap_slots ? c->cap_slots * 2 : 1024;
  uint32_t *ns = calloc(ncap, sizeof *ns);
  if (!ns)
    return false;
  for (size_t i = 0; i < c->n_keys; i++) {
    size_t j = (size_t)c->keys[i].h & (ncap - 1);
    while (ns[j])
      j = (j + 1) & (ncap - 1);
    ns[j] = (uint32_t)i + 1;
  }
  free(c->slots);
  c->slots = ns;
  c->cap_slots = ncap;
  return true;
}

/* Index of the key (type, prefix + value), made if new; -1 on no memory. */
static long key_get(kctx *c, sp_ient type, bool listed, const char *v,
                    size_t n) {
  char buf[1100];
  int k = snprintf(buf, sizeof buf, "%s:%.*s", ient_names[type],
                   (int)(n > 1024 ? 1024 : n), v);
  if (k <= 0)
    return -1;
  size_t bn = (size_t)k < sizeof buf ? (size_t)k : sizeof buf - 1;
  if (!listed) /* derived name keys live apart from listed files */
    buf[0] = 'N';
  uint64_t h = hash_str(buf, bn);
  if ((c->n_keys + 1) * 2 > c->cap_slots && !grow_slots(c))
    return -1;
  size_t j = (size_t)h & (c->cap_slots - 1);
  while (c->slots[j]) {
    key *x = &c->keys[c->slots[j] - 1];
    if (x->h == h && strlen(x->s) == bn && memcmp(x->s, buf, bn) == 0)
      return (long)(c->slots[j] - 1);
    j = (j + 1) & (c->cap_slots - 1);
  }
  if (c->n_keys == c->cap_keys) {
    size_t ncap = c->cap_keys ? c->cap_keys * 2 : 256;
    key *nk = realloc(c->keys, ncap * sizeof *nk);
    if (!nk)
      return -1;
    c->keys = nk;
    c->cap_keys = ncap;
  }
  key *x = &c->keys[c->n_keys];
  memset(x, 0, sizeof *x);
  x->s = arena_str(c->mem, buf, bn);
  if (!x->s)
    return -1;
  x->h = h;
  x->type = (uint8_t)type;
  x->listed = listed;
  c->slots[j] = (uint32_t)c->n_keys + 1;
  return (long)c->n_keys++;
}

static bool is_script_name(const char *b, size_t n) {
  static const char *const ext[] = {".aspx", ".ashx", ".asmx", ".asp",
                                    ".php",  ".jsp",  ".jspx", ".cfm",
                                    ".ascx", ".svc",  NULL};
  for (size_t i = 0; ext[i]; i++) {
    size_t m = strlen(ext[i]);
    if (n > m && strncasecmp(b + n - m, ext[i], m) == 0)
      return true;
  }
  return false;
}

/* Last path segment (after '/' or '\'), to a '?', lower-cased into out. */
static size_t base_lower(const char *p, char *out, size_t cap) {
  sp_str b = sp_str_basename(sp_str_make(p, strlen(p)));
  const char *q = memchr(b.p, '?', b.n);
  size_t n = q ? (size_t)(q - b.p) : b.n;
  if (n > cap - 1)
    n = cap - 1;
  sp_lower_copy(out, b.p, n);
  out[n] = '\0';
  return n;
}

/* Which listed kind a normalised entity field is, or -1. */
static int kind_of_field(const char *field, const char *value) {
  sp_related r = sp_entity_related(field, value);
  if (r == SP_REL_IP)
    return SP_IENT_IP;
  if (r == SP_REL_USER)
    return SP_IENT_USER;
  if (r == SP_REL_HASH)
    return SP_IENT_FILE;
  if (!strcmp(field, "file.path") || !strcmp(field, "process.executable"))
    return SP_IENT_FILE;
  if (r == SP_REL_HOSTS) {
    if (strstr(field, "domain") || !strcmp(field, "query") ||
        !strcmp(field, "server_name") || strstr(field, "question"))
      return SP_IENT_DOMAIN;
    return SP_IENT_HOST;
  }
  return -1;
}

static void add_fkey(kctx *c, size_t fi, long k) {
  if (k < 0)
    return;
  uint32_t *fk = &c->fkeys[fi * SP_MAX_KEYS];
  for (uint8_t i = 0; i < c->nfk[fi]; i++)
    if (fk[i] == (uint32_t)k)
      return;
  if (c->nfk[fi] < SP_MAX_KEYS)
    fk[c->nfk[fi]++] = (uint32_t)k;
}

static bool is_exposure(const sp_finding *f) {
  return strncmp(f->rule_id, "spoor.exchange.exposure.", 24) == 0;
}

static bool finding_keys(kctx *c, const sp_finding *f, size_t fi) {
  for (size_t i = 0; i < f->n_norm_entities; i++) {
    const sp_entity *e = &f->norm_entities[i];
    if (!e->value || !e->value[0])
      continue;
    int kind = kind_of_field(e->field, e->value);
    if (kind >= 0) {
      long k = key_get(c, (sp_ient)kind, true, e->value, strlen(e->value));
      if (k < 0)
        return false;
      add_fkey(c, fi, k);
    }
    if (!strcmp(e->field, "file.path") || !strcmp(e->field, "url.path") ||
        !strcmp(e->field, "file.name")) {
      char b[512];
      size_t n = base_lower(e->value, b, sizeof b);
      if (n && is_script_name(b, n)) {
        long k = key_get(c, SP_IENT_FILE, false, b, n);
        if (k < 0)
          return false;
        add_fkey(c, fi, k);
      }
    }
  }
  return true;
}

/* ---- union-find -----------------------------------------------------------
 */

static size_t uf_find(size_t *p, size_t x) {
  while (p[x] != x) {
    p[x] = p[p[x]];
    x = p[x];
  }
  return x;
}

static void uf_union(size_t *p, size_t a, size_t b) {
  a = uf_find(p, a);
  b = uf_find(p, b);
  if (a != b)
    p[a < b ? b : a] = a < b ? a : b; /* the smaller index is the root */
}

typedef struct sortpair {
  int64_t t;
  size_t i;
} sortpair;

static int cmp_pair(const void *a, const void *b) {
  const sortpair *x = a, *y = b;
  if (x->t != y->t)
    return x->t < y->t ? -1 : 1;
  return (x->i > y->i) - (x->i < y->i);
}

static int cmp_str(const void *a, const void *b) {
  return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* ---- building one incident ------------------------------------------------
 */

typedef struct builder {
  const sp_finding *f;
  size_t n;
  kctx *kc;
  arena *mem;
  int64_t detected_ns;
  const size_t *expo; /* exposure findings */
  size_t n_expo;
} builder;

/* The first entity of a finding with this field prefix, or NULL. */
static const char *entity_of(const sp_finding *f, const char *field) {
  for (size_t i = 0; i < f->n_entities; i++)
    if (!strcmp(f->entities[i].field, field))
      return f->entities[i].value;
  return NULL;
}

static void narrative_line(char *out, size_t cap, const sp_finding *f) {
  char t[32];
  const char *who = entity_of(f, "source.ip");
  if (!who)
    who = entity_of(f, "user.name");
  if (!who)
    who = entity_of(f, "host.name");
  if (!who)
    who = entity_of(f, "file.path");
  const char *what = f->reason && f->reason[0] ? f->reason : f->rule_name;
  snprintf(out, cap, "%s: [%s] %s%s%s: %.240s\n",
           sp_time_minutes(f->first_ns, t, sizeof t), sp_level_name(f->level),
           f->rule_name, who ? " - " : "", who ? who : "", what);
}

static bool build_one(builder *b, const size_t *mem, size_t nm,
                      sp_incident *inc) {
  arena *a = b->mem;
  /* Findings by time. */
  sortpair *sp = malloc(nm * sizeof *sp);
  if (!sp)
    return false;
  for (size_t i = 0; i < nm; i++)
    sp[i] = (sortpair){b->f[mem[i]].first_ns, mem[i]};
  qsort(sp, nm, sizeof *sp, cmp_pair);
  size_t *fl = arena_alloc(a, nm * sizeof *fl);
  if (!fl) {
    free(sp);
    return false;
  }
  inc->level = SP_LEVEL_INFO;
  inc->first_ns = INT64_MAX;
  inc->last_ns = INT64_MIN;
  unsigned tactics = 0;
  for (size_t i = 0; i < nm; i++) {
    const sp_finding *f = &b->f[sp[i].i];
    fl[i] = sp[i].i;
    if (f->level > inc->level)
      inc->level = f->level;
    if (f->first_ns != INT64_MIN && f->first_ns < inc->first_ns)
      inc->first_ns = f->first_ns;
    if (f->last_ns != INT64_MIN && f->last_ns > inc->last_ns)
      inc->last_ns = f->last_ns;
    const char *t = f->techniques ? f->techniques : "";
    while (*t) {
      const char *e = strchr(t, ',');
      size_t n = e ? (size_t)(e - t) : strlen(t);
      tactics |= sp_attack_tactics(t, n);
      t += n + (e ? 1 : 0);
    }
  }
  free(sp);
  if (inc->first_ns == INT64_MAX)
    inc->first_ns = INT64_MIN;
  inc->findings = fl;
  inc->n_findings = nm;
  /* Tactics in kill-chain order. */
  size_t nt = 0;
  const char **tl = arena_alloc(a, 14 * sizeof *tl);
  if (!tl)
    return false;
  for (unsigned i = 0; i < 14; i++)
    if (tactics & (1u << i))
      tl[nt++] = sp_attack_tactic_name(i);
  inc->tactics = tl;
  inc->n_tactics = nt;
  /* Dwell time. */
  int64_t end = b->detected_ns ? b->detected_ns : inc->last_ns;
  inc->dwell_days =
      inc->first_ns != INT64_MIN && end != INT64_MIN && end >= inc->first_ns
          ? (double)(end - inc->first_ns) / 86400e9
          : 0.0;
  /* Entities, per kind, sorted and each once. */
  size_t cut[SP_IENT__COUNT] = {0};
  for (int k = 0; k < SP_IENT__COUNT; k++) {
    size_t cap = 0;
    for (size_t i = 0; i < nm; i++)
      cap += b->kc->nfk[fl[i]];
    const char **lst = arena_alloc(a, (cap ? cap : 1) * sizeof *lst);
    if (!lst)
      return false;
    size_t n = 0;
    for (size_t i = 0; i < nm; i++) {
      const uint32_t *fk = &b->kc->fkeys[fl[i] * SP_MAX_KEYS];
      for (uint8_t j = 0; j < b->kc->nfk[fl[i]]; j++) {
        const key *x = &b->kc->keys[fk[j]];
        if (x->type == k && x->listed)
          lst[n++] = strchr(x->s, ':') + 1;
      }
    }
    qsort(lst, n, sizeof *lst, cmp_str);
    size_t u = 0;
    for (size_t i = 0; i < n; i++)
      if (!u || strcmp(lst[u - 1], lst[i]))
        lst[u++] = lst[i];
    if (u > MAX_LIST) {
      cut[k] = u - MAX_LIST;
      u = MAX_LIST;
    }
    inc->entities[k] = lst;
    inc->n_entities[k] = u;
  }
  /* Exposure window of its servers. */
  inc->exposed_from_ns = INT64_MIN;
  inc->exposed_to_ns = INT64_MIN;
  for (size_t i = 0; i < b->n_expo; i++) {
    const sp_finding *e = &b->f[b->expo[i]];
    const char *h = NULL;
    for (size_t j = 0; j < e->n_norm_entities; j++)
      if (!strcmp(e->norm_entities[j].field, "host.name"))
        h = e->norm_entities[j].value;
    bool mine = false;
    for (size_t j = 0; h && j < inc->n_entities[SP_IENT_HOST]; j++)
      if (!strcasecmp(inc->entities[SP_IENT_HOST][j], h))
        mine = true;
    if (!mine || e->level < SP_LEVEL_LOW ||
        strstr(e->rule_id, "_fixed") != NULL)
      continue;
    if (inc->exposed_from_ns == INT64_MIN || e->first_ns < inc->exposed_from_ns)
      inc->exposed_from_ns = e->first_ns;
    if (e->last_ns > inc->exposed_to_ns)
      inc->exposed_to_ns = e->last_ns;
  }
  /* Narrative. */
  size_t cap = 256 + (nm < NARRATIVE_LINES ? nm : NARRATIVE_LINES) * 400;
  char *sum = arena_alloc(a, cap);
  if (!sum)
    return false;
  char t0[32], t1[32];
  int k = snprintf(
      sum, cap,
      "%zu finding%s from %s to %s (dwell %.1f days%s); "
      "tactics:",
      nm, nm == 1 ? "" : "s", sp_time_minutes(inc->first_ns, t0, sizeof t0),
      sp_time_minutes(inc->last_ns, t1, sizeof t1), inc->dwell_days,
      b->detected_ns ? " to detection" : " to the last evidence");
  for (size_t i = 0; i < nt && k > 0 && (size_t)k < cap; i++)
    k += snprintf(sum + k, cap - (size_t)k, " %s", tl[i]);
  if (k > 0 && (size_t)k < cap)
    k += snprintf(sum + k, cap - (size_t)k, "%s\n", nt ? "" : " none");
  for (size_t i = 0; i < nm && i < NARRATIVE_LINES && k > 0 && (size_t)k < cap;
       i++) {
    char line[400];
    narrative_line(line, sizeof line, &b->f[fl[i]]);
    k += snprintf(sum + k, cap - (size_t)k, "%s", line);
  }
  if (nm > NARRATIVE_LINES && k > 0 && (size_t)k < cap)
    k += snprintf(sum + k, cap - (size_t)k, "... and %zu more findings\n",
                  nm - NARRATIVE_LINES);
  for (int j = 0; j < SP_IENT__COUNT && k > 0 && (size_t)k < cap; j++)
    if (cut[j])
      k += snprintf(sum + k, cap - (size_t)k,
                    "(%zu more %s entities not listed)\n", cut[j],
                    ient_names[j]);
  inc->summary = sum;
  /* Id: SHA-256 of the sorted finding ids. */
  const char **ids = malloc(nm * sizeof *ids);
  if (!ids)
    return false;
  for (size_t i = 0; i < nm; i++)
    ids[i] = b->f[fl[i]].id ? b->f[fl[i]].id : "";
  qsort(ids, nm, sizeof *ids, cmp_str);
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned mdn = 0;
  EVP_MD_CTX *ctx = EVP_MD_CTX_new();
  bool ok = ctx && EVP_DigestInit_ex(ctx, EVP_sha256(), NULL);
  for (size_t i = 0; ok && i < nm; i++)
    ok = EVP_DigestUpdate(ctx, ids[i], strlen(ids[i]) + 1);
  ok = ok && EVP_DigestFinal_ex(ctx, md, &mdn);
  EVP_MD_CTX_free(ctx);
  free(ids);
  if (!ok)
    return false;
  char *hex = arena_alloc(a, 33);
  if (!hex)
    return false;
  for (int i = 0; i < 16; i++)
    snprintf(hex + 2 * i, 3, "%02x", md[i]);
  inc->id = hex;
  return true;
}

static int cmp_incident(const void *pa, const void *pb) {
  const sp_incident *a = pa, *b = pb;
  if (a->level != b->level)
    return a->level > b->level ? -1 : 1;
  if (a->first_ns != b->first_ns)
    return a->first_ns < b->first_ns ? -1 : 1;
  return strcmp(a->id, b->id);
}

/* A finding with an address or account of its own that is no hub: it
 * links through that, never by time alone. */
static bool anchored(const kctx *c, size_t fi) {
  const uint32_t *fk = &c->fkeys[fi * SP_MAX_KEYS];
  for (uint8_t j = 0; j < c->nfk[fi]; j++) {
    const key *y = &c->keys[fk[j]];
    if ((y->type == SP_IENT_IP || y->type == SP_IENT_USER) &&
        y->neigh <= HUB_NEIGH)
      return true;
  }
  return false;
}

/* A machine name is where evidence was recorded, not who acted: findings
 * on one machine link through it only this way. A finding that names
 * nothing but the machine (an ECP command, an OAB file write, a service
 * installed) joins the finding with an address or account of its own, on
 * that machine and at most STAGE_GAP away in time, of the highest level
 * (then the nearest, then the first): the step of the chain it belongs to.
 * Such findings with no anchor near them join each other when STAGE_GAP
 * apart at most. Findings with their own address or account (a scanner
 * hitting the server at the same minute) never link by time alone. */
static void link_on_host(const kctx *c, const key *x, const uint32_t *posts,
                         const sp_finding *f, sortpair *sp, size_t *parent) {
  size_t m = 0;
  for (uint32_t p = 0; p < x->df; p++) {
    size_t fi = posts[x->post + p];
    if (f[fi].first_ns != INT64_MIN)
      sp[m++] = (sortpair){f[fi].first_ns, fi};
  }
  qsort(sp, m, sizeof *sp, cmp_pair);
  size_t prev_orphan = SIZE_MAX;
  for (size_t i = 0; i < m; i++) {
    size_t fi = sp[i].i;
    if (anchored(c, fi))
      continue;
    size_t best = SIZE_MAX;
    int64_t best_d = 0;
    for (size_t j = 0; j < m; j++) {
      size_t fj = sp[j].i;
      int64_t d = sp[j].t > sp[i].t ? sp[j].t - sp[i].t : sp[i].t - sp[j].t;
      if (j == i || d > STAGE_GAP || !anchored(c, fj))
        continue;
      if (best == SIZE_MAX || f[fj].level > f[best].level ||
          (f[fj].level == f[best].level && d < best_d)) {
        best = fj;
        best_d = d;
      }
    }
    if (best != SIZE_MAX)
      uf_union(parent, fi, best);
    else if (prev_orphan != SIZE_MAX &&
             sp[i].t - f[prev_orphan].first_ns <= STAGE_GAP)
      uf_union(parent, fi, prev_orphan);
    prev_orphan = fi;
  }
}

/* ---- the whole pass -------------------------------------------------------
 */

sp_err sp_incidents_build(const sp_finding *f, size_t n, int64_t detected_ns,
                          sp_incidents **out) {
  *out = NULL;
  sp_incidents *set = calloc(1, sizeof *set);
  if (!set)
    return SP_ENOMEM;
  kctx c = {.mem = &set->mem};
  size_t *parent = malloc((n ? n : 1) * sizeof *parent);
  c.fkeys = malloc((n ? n : 1) * SP_MAX_KEYS * sizeof *c.fkeys);
  c.nfk = calloc(n ? n : 1, 1);
  size_t *expo = malloc((n ? n : 1) * sizeof *expo);
  sp_err err = SP_ENOMEM;
  uint32_t *posts = NULL, *fill = NULL, *seen = NULL;
  size_t *members = NULL, *start = NULL, *order = NULL;
  sortpair *sp = NULL;
  if (!parent || !c.fkeys || !c.nfk || !expo)
    goto fail;
  size_t n_expo = 0;
  for (size_t i = 0; i < n; i++) {
    parent[i] = i;
    if (is_exposure(&f[i]))
      expo[n_expo++] = i;
    else if (!finding_keys(&c, &f[i], i))
      goto fail;
  }
  /* Postings (CSR): key -> findings. */
  size_t total = 0;
  for (size_t i = 0; i < n; i++)
    for (uint8_t j = 0; j < c.nfk[i]; j++)
      c.keys[c.fkeys[i * SP_MAX_KEYS + j]].df++;
  for (size_t k = 0; k < c.n_keys; k++) {
    c.keys[k].post = (uint32_t)total;
    total += c.keys[k].df;
  }
  posts = malloc((total ? total : 1) * sizeof *posts);
  fill = calloc(c.n_keys ? c.n_keys : 1, sizeof *fill);
  seen = calloc(c.n_keys ? c.n_keys : 1, sizeof *seen);
  if (!posts || !fill || !seen)
    goto fail;
  for (size_t i = 0; i < n; i++)
    for (uint8_t j = 0; j < c.nfk[i]; j++) {
      uint32_t k = c.fkeys[i * SP_MAX_KEYS + j];
      posts[c.keys[k].post + fill[k]++] = (uint32_t)i;
    }
  /* Neighbours: distinct other ip/user/host keys beside each key, counted
     to HUB_NEIGH + 1 (seen[] marks with the key index + 1). */
  for (size_t k = 0; k < c.n_keys; k++) {
    key *x = &c.keys[k];
    for (uint32_t p = 0; p < x->df && x->neigh <= HUB_NEIGH; p++) {
      size_t fi = posts[x->post + p];
      for (uint8_t j = 0; j < c.nfk[fi]; j++) {
        uint32_t o = c.fkeys[fi * SP_MAX_KEYS + j];
        const key *y = &c.keys[o];
        if (o == k || seen[o] == k + 1 ||
            (y->type != SP_IENT_IP && y->type != SP_IENT_USER &&
             y->type != SP_IENT_HOST))
          continue;
        seen[o] = (uint32_t)k + 1;
        x->neigh++;
      }
    }
  }
  /* Links. */
  sp = malloc((n ? n : 1) * sizeof *sp);
  if (!sp)
    goto fail;
  for (size_t k = 0; k < c.n_keys; k++) {
    const key *x = &c.keys[k];
    if (x->df < 2)
      continue;
    if (x->type == SP_IENT_HOST) {
      link_on_host(&c, x, posts, f, sp, parent);
      continue;
    }
    if (x->neigh <= HUB_NEIGH)
      for (uint32_t p = 1; p < x->df; p++)
        uf_union(parent, posts[x->post], posts[x->post + p]);
  }
  /* Components. */
  start = calloc(n + 1, sizeof *start);
  members = malloc((n ? n : 1) * sizeof *members);
  order = malloc((n ? n : 1) * sizeof *order);
  if (!start || !members || !order)
    goto fail;
  for (size_t i = 0; i < n; i++)
    if (!is_exposure(&f[i]))
      start[uf_find(parent, i) + 1]++;
  for (size_t i = 0; i < n; i++)
    start[i + 1] += start[i];
  memcpy(order, start, n * sizeof *order);
  for (size_t i = 0; i < n; i++)
    if (!is_exposure(&f[i]))
      members[order[uf_find(parent, i)]++] = i;
  size_t n_inc = 0;
  for (size_t r = 0; r < n; r++) {
    size_t nm = start[r + 1] - start[r];
    if (!nm)
      continue;
    sp_level top = SP_LEVEL_INFO;
    for (size_t i = 0; i < nm; i++)
      if (f[members[start[r] + i]].level > top)
        top = f[members[start[r] + i]].level;
    if (top >= SP_LEVEL_MEDIUM)
      n_inc++;
  }
  set->inc = calloc(n_inc ? n_inc : 1, sizeof *set->inc);
  if (!set->inc)
    goto fail;
  builder b = {f, n, &c, &set->mem, detected_ns, expo, n_expo};
  for (size_t r = 0; r < n; r++) {
    size_t nm = start[r + 1] - start[r];
    if (!nm)
      continue;
    sp_level top = SP_LEVEL_INFO;
    for (size_t i = 0; i < nm; i++)
      if (f[members[start[r] + i]].level > top)
        top = f[members[start[r] + i]].level;
    if (top < SP_LEVEL_MEDIUM)
      continue;
    if (!build_one(&b, members + start[r], nm, &set->inc[set->n]))
      goto fail;
    set->n++;
  }
  qsort(set->inc, set->n, sizeof *set->inc, cmp_incident);
  set->of = calloc(n ? n : 1, sizeof *set->of);
  if (!set->of)
    goto fail;
  set->n_findings = n;
  for (size_t k = 0; k < set->n; k++)
    for (size_t j = 0; j < set->inc[k].n_findings; j++)
      set->of[set->inc[k].findings[j]] = (uint32_t)k + 1;
  err = SP_OK;
fail:
  free(parent);
  free(c.fkeys);
  free(c.nfk);
  free(c.keys);
  free(c.slots);
  free(expo);
  free(posts);
  free(fill);
  free(seen);
  free(sp);
  free(start);
  free(members);
  free(order);
  if (err) {
    sp_incidents_destroy(set);
    return err;
  }
  *out = set;
  return SP_OK;
}

void sp_incidents_destroy(sp_incidents *set) {
  if (!set)
    return;
  free(set->inc);
  free(set->of);
  arena_free(&set->mem);
  free(set);
}

size_t sp_incidents_count(const sp_incidents *set) { return set ? set->n : 0; }

const sp_incident *sp_incidents_get(const sp_incidents *set, size_t i) {
  return set && i < set->n ? &set->inc[i] : NULL;
}

const sp_incident *sp_incidents_of(const sp_incidents *set, size_t finding) {
  if (!set || finding >= set->n_findings || !set->of[finding])
    return NULL;
  return &set->inc[set->of[finding] - 1];
}
