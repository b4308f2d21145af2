/*
 * result.c - the hunt result: the sorted public findings built from the
 * merged finding set, the limits reached, the per-file and per-source
 * coverage, and accessors.
 *
 * Ownership: the result owns every string it hands out (file paths, entity
 * values, reasons, rule strings, limit names, coverage messages) until
 * sp_result_destroy(). Rule strings are copied once per rule, so a result
 * may outlive its engine (YARA rules die with it). Findings are one array;
 * each finding's entities, references and strings are one block that
 * f->entities owns; rule strings, flood reasons and limits live in an arena
 * of chunks. Building the result drains the finding set aggregate by
 * aggregate, so the two copies of a finding never coexist for long.
 *
 * Identity: each finding gets its stable id from its rule id and normalised
 * entities (findings/entity.h); the canonical string and the normalised
 * entities live in the finding's block. Aggregates whose values differ only
 * in spelling ("1.2.3.4" and "[::ffff:1.2.3.4]:443") share an id and are
 * folded into one finding afterwards (rare), so an id is unique in a result.
 */
#include "core/timeutil.h"
#include "engine/engine_int.h"
#include "findings/entity.h"
#include "incident/incident.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CHUNK_BYTES ((size_t)16 << 10)

#define LIM_OVERFLOW "findings.overflow"
#define LIM_OVERFLOW_DETAIL                                                    \
  "hits of findings dropped over the finding set's cap of 100,000 (whole "     \
  "rules, least severe first, then by a hash of the rule id)"

struct sp_chunk {
  struct sp_chunk *next;
  size_t used, cap;
  char data[];
};

/* Copy n bytes of s plus a NUL into the arena; NULL when out of memory. */
static char *keep_n(sp_result *r, const char *s, size_t n) {
  struct sp_chunk *c = r->chunks;
  if (!c || c->cap - c->used < n + 1) {
    size_t cap = n + 1 > CHUNK_BYTES ? n + 1 : CHUNK_BYTES;
    struct sp_chunk *nc = malloc(sizeof *nc + cap);
    if (!nc)
      return NULL;
    nc->used = 0;
    nc->cap = cap;
    /* A chunk made for one long string goes behind the current one. */
    if (c && cap > CHUNK_BYTES) {
      nc->next = c->next;
      c->next = nc;
    } else {
      nc->next = c;
      r->chunks = nc;
    }
    c = nc;
  }
  char *p = c->data + c->used;
  if (n && s)
    memcpy(p, s, n);
  p[n] = 0;
  c->used += n + 1;
  return p;
}

static char *keep(sp_result *r, const char *s) {
  return keep_n(r, s, strlen(s));
}

/* n bytes of 8-aligned, uninitialised arena space. */
static void *keep_aligned(sp_result *r, size_t n) {
  char *p = keep_n(r, NULL, n + 7);
  if (!p)
    return NULL;
  return p + ((8 - ((uintptr_t)p & 7)) & 7);
}

/* Rule strings, copied once per rule. */
typedef struct rule_copy {
  const sp_rule *rule;
  const char *id, *name, *ruleset, *author, *description, *techniques, *cve,
      *reference;
} rule_copy;

typedef struct fill_ctx {
  sp_result *res;
  rule_copy *rules; /* open addressing by rule address */
  size_t rules_cap, n_rules;
  sp_err err;
} fill_ctx;

static size_t rule_slot(const fill_ctx *c, const sp_rule *rule) {
  uint64_t h = (uint64_t)(uintptr_t)rule * UINT64_C(0x9E3779B97F4A7C15);
  size_t i = (size_t)(h >> 32) & (c->rules_cap - 1);
  while (c->rules[i].rule && c->rules[i].rule != rule)
    i = (i + 1) & (c->rules_cap - 1);
  return i;
}

static const rule_copy *rule_strings(fill_ctx *c, const sp_rule *rule) {
  if ((c->n_rules + 1) * 2 > c->rules_cap) {
    size_t ncap = c->rules_cap ? c->rules_cap * 2 : 64;
    rule_copy *old = c->rules;
    size_t ocap = c->rules_cap;
    c->rules = calloc(ncap, sizeof *c->rules);
    if (!c->rules) {
      c->rules = old;
      return NULL;
    }
    c->rules_cap = ncap;
    for (size_t i = 0; i < ocap; i++)
      if (old[i].rule)
        c->rules[rule_slot(c, old[i].rule)] = old[i];
    free(old);
  }
  rule_copy *rc = &c->rules[rule_slot(c, rule)];
  if (rc->rule)
    return rc;
  sp_result *r = c->res;
  rule_copy n = {rule,
                 keep(r, rule->id),
                 keep(r, rule->name),
                 keep(r, rule->ruleset),
                 keep(r, rule->author),
                 keep(r, rule->description ? rule->description : ""),
                 keep(r, rule->techniques ? rule->techniques : ""),
                 keep(r, rule->cve ? rule->cve : ""),
                 keep(r, rule->reference ? rule->reference : "")};
  if (!n.id || !n.name || !n.ruleset || !n.author || !n.description ||
      !n.techniques || !n.cve || !n.reference)
    return NULL;
  *rc = n;
  c->n_rules++;
  return rc;
}

static void count_cb(const sp_agg *a, void *u) {
  (void)a;
  (*(size_t *)u)++;
}

/* n with thousands separators; an estimate is rounded to three
 * significant digits ("about 138,000"). */
static const char *count_text(uint64_t n, bool estimate, char *buf,
                              size_t cap) {
  if (estimate) {
    uint64_t unit = 1;
    while (n / unit >= 1000)
      unit *= 10;
    n = (n + unit / 2) / unit * unit;
  }
  char tmp[32];
  int len = snprintf(tmp, sizeof tmp, "%" PRIu64, n);
  size_t o = 0;
  if (estimate)
    o = (size_t)snprintf(buf, cap, "about ");
  for (int i = 0; i < len && o + 2 < cap; i++) {
    if (i && (len - i) % 3 == 0)
      buf[o++] = ',';
    buf[o++] = tmp[i];
  }
  buf[o] = 0;
  return buf;
}

/* The reason of a flood finding: what it stands for, then the first hit's
 * own reason. */
static char *flood_reason(sp_result *r, const sp_agg *a,
                          const sp_flood_info *fi) {
  char buf[SP_MAX_REASON_LEN + 256], d[48], k[48];
  count_text(fi->distinct, fi->estimated, d, sizeof d);
  count_text(fi->keys, fi->estimated, k, sizeof k);
  char over[32];
  int n;
  if (fi->scope == SP_FLOOD_SOURCE)
    n = snprintf(buf, sizeof buf,
                 "flood: %s distinct findings of this rule for %s %s are "
                 "this one finding (more than %s)",
                 d, a->n_ent ? a->ent_field[0] : "",
                 a->n_ent ? a->ent_value[0] : "",
                 count_text(SP_FSET_FLOOD, false, over, sizeof over));
  else
    n = snprintf(buf, sizeof buf,
                 "flood: %s distinct findings of this rule from %s distinct "
                 "%s are this one finding (more than %s)",
                 d, k, fi->key_field ? fi->key_field : "keys",
                 count_text(SP_FSET_RULE_FLOOD, false, over, sizeof over));
  if (n > 0 && (size_t)n < sizeof buf)
    n += snprintf(buf + n, sizeof buf - (size_t)n,
                  "; its %u earliest references are kept", (unsigned)a->n_refs);
  if (n > 0 && (size_t)n < sizeof buf && a->reason)
    n += snprintf(buf + n, sizeof buf - (size_t)n, "; first: %s", a->reason);
  size_t len = n < 0 ? 0 : (size_t)n < sizeof buf ? (size_t)n : sizeof buf - 1;
  return keep_n(r, buf, len);
}

/* The path of the file an aggregate's first evidence is in, or NULL. */
static const char *evidence_file(const sp_result *r, const sp_agg *a) {
  if (!a->n_refs || a->refs[0].file_id >= r->n_files)
    return NULL;
  return r->files[a->refs[0].file_id].pub.path;
}

/* A pointer into an identity's canonical string, moved to its copy. */
static const char *rebase(const char *q, const sp_identity *id,
                          const char *copy) {
  if (q >= id->canon && q < id->canon + id->len)
    return copy + (q - id->canon);
  return q; /* a static field name */
}

static void fill_cb(const sp_agg *a, void *u) {
  fill_ctx *c = u;
  if (c->err)
    return;
  sp_result *r = c->res;
  const rule_copy *rc = rule_strings(c, a->rule);
  if (!rc) {
    c->err = SP_ENOMEM;
    return;
  }
  sp_finding *f = &r->findings[r->n_findings];
  f->rule_id = rc->id;
  f->rule_name = rc->name;
  f->ruleset = rc->ruleset;
  f->rule_author = rc->author;
  f->rule_description = rc->description;
  f->techniques = rc->techniques;
  f->vulnerability = rc->cve;
  f->reference = rc->reference;
  f->level = sp_agg_level(a);
  f->first_ns = a->first;
  f->last_ns = a->last;
  f->count = a->count;
  /* One block per finding: entities, references, entity values and the
     reason. About the size of the aggregate the drain frees next, so the
     allocator reuses that memory at once. f->entities owns the block. */
  sp_flood_info fi;
  bool flood = sp_agg_flood(a, &fi);
  const char *values[SP_MAX_ENTITIES];
  for (size_t i = 0; i < a->n_ent; i++)
    values[i] = a->ent_value[i];
  sp_identity ident;
  sp_err ie = sp_identity_build(&ident, a->rule->id, a->ent_field, values,
                                a->n_ent, evidence_file(r, a));
  if (ie) {
    c->err = ie;
    return;
  }
  size_t bytes = a->n_ent * sizeof(sp_entity) + ident.n * sizeof(sp_entity) +
                 a->n_refs * sizeof(sp_evidence_ref) +
                 (a->reason && !flood ? strlen(a->reason) + 1 : 1) + ident.len +
                 sizeof ident.id;
  for (size_t i = 0; i < a->n_ent; i++)
    bytes += strlen(a->ent_value[i]) + 1;
  sp_entity *ents = malloc(bytes);
  if (!ents) {
    sp_identity_free(&ident);
    c->err = SP_ENOMEM;
    return;
  }
  r->n_findings++;
  sp_entity *norm = ents + a->n_ent;
  sp_evidence_ref *refs = (sp_evidence_ref *)(norm + ident.n);
  char *p = (char *)(refs + a->n_refs);
  /* The identity: its id, its canonical string, and the normalised
     entities pointing into that copy. */
  memcpy(p, ident.id, sizeof ident.id);
  f->id = p;
  p += sizeof ident.id;
  memcpy(p, ident.canon, ident.len);
  for (size_t i = 0; i < ident.n; i++) {
    const char *nf, *nv;
    sp_identity_entity(&ident, i, &nf, &nv);
    norm[i].field = rebase(nf, &ident, p);
    norm[i].value = rebase(nv, &ident, p);
  }
  f->norm_entities = norm;
  f->n_norm_entities = ident.n;
  p += ident.len;
  sp_identity_free(&ident);
  for (size_t i = 0; i < a->n_ent; i++) {
    size_t len = strlen(a->ent_value[i]);
    memcpy(p, a->ent_value[i], len + 1);
    ents[i].field = a->ent_field[i];
    ents[i].value = p;
    p += len + 1;
  }
  f->entities = ents;
  f->n_entities = a->n_ent;
  for (size_t i = 0; i < a->n_refs; i++) {
    uint32_t id = a->refs[i].file_id;
    refs[i].path = id < r->n_files ? r->files[id].pub.path : "";
    refs[i].where = a->refs[i].where;
    refs[i].kind = a->refs[i].kind;
    refs[i].ts = a->refs[i].ts;
    refs[i].offset = a->refs[i].offset;
  }
  f->evidence = refs;
  f->n_evidence = a->n_refs;
  if (flood) {
    f->flood_scope = fi.scope == SP_FLOOD_SOURCE ? "source" : "rule";
    f->flood_distinct = fi.distinct;
    f->flood_keys = fi.keys;
    f->flood_estimated = fi.estimated;
    f->reason = flood_reason(r, a, &fi);
    if (!f->reason)
      c->err = SP_ENOMEM;
  } else {
    size_t len = a->reason ? strlen(a->reason) : 0;
    if (len)
      memcpy(p, a->reason, len);
    p[len] = 0;
    f->reason = p;
  }
}

static int cmp_i64(int64_t a, int64_t b) { return a < b ? -1 : a > b; }

static int cmp_finding(const void *pa, const void *pb) {
  const sp_finding *a = pa, *b = pb;
  int c = cmp_i64(a->first_ns, b->first_ns);
  if (c)
    return c;
  if ((c = strcmp(a->rule_id, b->rule_id)))
    return c;
  size_t n = a->n_entities < b->n_entities ? a->n_entities : b->n_entities;
  for (size_t i = 0; i < n; i++) {
    if ((c = strcmp(a->entities[i].field, b->entities[i].field)))
      return c;
    if ((c = strcmp(a->entities[i].value, b->entities[i].value)))
      return c;
  }
  if (a->n_entities != b->n_entities)
    return a->n_entities < b->n_entities ? -1 : 1;
  if (a->n_evidence && b->n_evidence) {
    if ((c = strcmp(a->evidence[0].path, b->evidence[0].path)))
      return c;
    return cmp_i64((int64_t)a->evidence[0].where,
                   (int64_t)b->evidence[0].where);
  }
  return 0;
}

/* ---- one finding per id ------------------------------------------------ */

static int cmp_ref_time(const sp_evidence_ref *a, const sp_evidence_ref *b) {
  int c = cmp_i64(a->ts, b->ts);
  if (c)
    return c;
  if ((c = strcmp(a->path, b->path))) /* file ids follow sorted paths */
    return c;
  return cmp_i64((int64_t)a->where, (int64_t)b->where);
}

static int cmp_ref_q(const void *a, const void *b) {
  return cmp_ref_time(a, b);
}

/* Among findings that share an id, the representative (whose entity values
 * as written are shown) is the one with the earliest evidence, then by
 * content: never by the order of the set. */
static int cmp_by_id(const void *pa, const void *pb) {
  const sp_finding *a = pa, *b = pb;
  int c = strcmp(a->id, b->id);
  if (c)
    return c;
  if (a->n_evidence && b->n_evidence &&
      (c = cmp_ref_time(&a->evidence[0], &b->evidence[0])))
    return c;
  if (a->n_evidence != b->n_evidence && (!a->n_evidence || !b->n_evidence))
    return a->n_evidence ? -1 : 1;
  size_t n = a->n_entities < b->n_entities ? a->n_entities : b->n_entities;
  for (size_t i = 0; i < n; i++) {
    if ((c = strcmp(a->entities[i].field, b->entities[i].field)))
      return c;
    if ((c = strcmp(a->entities[i].value, b->entities[i].value)))
      return c;
  }
  if (a->n_entities != b->n_entities)
    return a->n_entities < b->n_entities ? -1 : 1;
  return strcmp(a->reason, b->reason);
}

/* Fold findings[g..e) (one id, sorted) into findings[g]. */
static sp_err fold_group(sp_result *r, size_t g, size_t e) {
  sp_finding *f = &r->findings[g];
  size_t total = 0;
  for (size_t i = g; i < e; i++)
    total += r->findings[i].n_evidence;
  sp_evidence_ref *all = malloc((total ? total : 1) * sizeof *all);
  if (!all)
    return SP_ENOMEM;
  size_t k = 0;
  for (size_t i = g; i < e; i++) {
    const sp_finding *m = &r->findings[i];
    memcpy(all + k, m->evidence, m->n_evidence * sizeof *all);
    k += m->n_evidence;
    if (i == g)
      continue;
    f->count += m->count;
    if (m->first_ns != SP_TIME_NONE &&
        (f->first_ns == SP_TIME_NONE || m->first_ns < f->first_ns))
      f->first_ns = m->first_ns;
    if (m->last_ns != SP_TIME_NONE &&
        (f->last_ns == SP_TIME_NONE || m->last_ns > f->last_ns))
      f->last_ns = m->last_ns;
  }
  qsort(all, k, sizeof *all, cmp_ref_q);
  /* The earliest SP_MAX_EVIDENCE, each once, into the arena. */
  sp_evidence_ref *kept =
      (sp_evidence_ref *)keep_aligned(r, SP_MAX_EVIDENCE * sizeof *kept);
  if (!kept) {
    free(all);
    return SP_ENOMEM;
  }
  size_t m = 0;
  for (size_t i = 0; i < k && m < SP_MAX_EVIDENCE; i++)
    if (m == 0 || cmp_ref_time(&kept[m - 1], &all[i]) != 0)
      kept[m++] = all[i];
  free(all);
  f->evidence = kept;
  f->n_evidence = m;
  for (size_t i = g + 1; i < e; i++) {
    free((void *)r->findings[i].entities);
    r->findings[i].entities = NULL;
  }
  return SP_OK;
}

static sp_err fold_same_ids(sp_result *r) {
  qsort(r->findings, r->n_findings, sizeof *r->findings, cmp_by_id);
  size_t out = 0;
  for (size_t g = 0; g < r->n_findings;) {
    size_t e = g + 1;
    while (e < r->n_findings &&
           strcmp(r->findings[e].id, r->findings[g].id) == 0)
      e++;
    if (e - g > 1) {
      sp_err err = fold_group(r, g, e);
      if (err) {
        /* keep the rest owned, so destroy frees every block */
        memmove(&r->findings[out], &r->findings[g],
                (r->n_findings - g) * sizeof *r->findings);
        r->n_findings = out + (r->n_findings - g);
        return err;
      }
    }
    r->findings[out++] = r->findings[g];
    g = e;
  }
  r->n_findings = out;
  return SP_OK;
}

static sp_err build_sources(sp_result *r) {
  r->sources = calloc(r->n_files + 1, sizeof *r->sources);
  if (!r->sources)
    return SP_ENOMEM;
  for (size_t i = 0; i < r->n_files; i++) {
    const sp_file_cov *f = &r->files[i].pub;
    r->problems += f->malformed + (f->error ? 1 : 0);
    sp_source_cov *s = NULL;
    for (size_t k = 0; k < r->n_sources; k++)
      if (strcmp(r->sources[k].source, f->source) == 0)
        s = &r->sources[k];
    if (!s) {
      s = &r->sources[r->n_sources++];
      s->source = f->source;
      s->first_ns = s->last_ns = SP_TIME_NONE;
    }
    s->files++;
    s->bytes += f->bytes;
    s->events += f->events;
    s->malformed += f->malformed;
    if (f->first_ns != SP_TIME_NONE &&
        (s->first_ns == SP_TIME_NONE || f->first_ns < s->first_ns))
      s->first_ns = f->first_ns;
    if (f->last_ns != SP_TIME_NONE &&
        (s->last_ns == SP_TIME_NONE || f->last_ns > s->last_ns))
      s->last_ns = f->last_ns;
  }
  return SP_OK;
}

static int cmp_limit(const void *a, const void *b) {
  return strcmp(((const sp_limit *)a)->name, ((const sp_limit *)b)->name);
}

/* The set's limit counters plus its own overflow, copied and sorted. */
static sp_err build_limits(sp_result *r, const sp_fset *set) {
  sp_limits all = *sp_fset_limits_const(set);
  sp_limits_add(&all, LIM_OVERFLOW, LIM_OVERFLOW_DETAIL, sp_fset_dropped(set));
  r->limits = calloc(all.n + 1, sizeof *r->limits);
  if (!r->limits)
    return SP_ENOMEM;
  for (size_t i = 0; i < all.n; i++) {
    sp_limit *l = &r->limits[r->n_limits++];
    l->name = keep(r, all.v[i].name);
    l->detail = keep(r, all.v[i].detail);
    l->count = all.v[i].count;
    if (!l->name || !l->detail)
      return SP_ENOMEM;
  }
  qsort(r->limits, r->n_limits, sizeof *r->limits, cmp_limit);
  return SP_OK;
}

static int cmp_log(const void *a, const void *b, void *ctx) {
  const sp_result *sort_res = ctx;
  const sp_log_cov *x = a, *y = b;
  const char *px = x->file_id < sort_res->n_files
                       ? sort_res->files[x->file_id].pub.path
                       : "";
  const char *py = y->file_id < sort_res->n_files
                       ? sort_res->files[y->file_id].pub.path
                       : "";
  int c = strcmp(px, py);
  if (!c)
    c = strcmp(x->channel, y->channel);
  if (!c)
    c = strcmp(x->computer, y->computer);
  return c;
}

static void sort_logs(sp_result *r) {
  if (r->n_logs)
    qsort_r(r->logs, r->n_logs, sizeof *r->logs, cmp_log, r);
}

sp_err sp_result_finalize(sp_result *r, sp_fset *set) {
  r->findings_dropped = sp_fset_dropped(set);
  sp_err e = build_limits(r, set);
  if (e)
    return e;
  size_t n = 0;
  sp_fset_foreach(set, count_cb, &n);
  r->findings = calloc(n + 1, sizeof *r->findings);
  if (!r->findings)
    return SP_ENOMEM;
  fill_ctx c = {.res = r};
  sp_fset_drain(set, fill_cb, &c);
  free(c.rules);
  if (c.err)
    return c.err;
  e = fold_same_ids(r);
  if (e)
    return e;
  qsort(r->findings, r->n_findings, sizeof *r->findings, cmp_finding);
  e = build_sources(r);
  if (e)
    return e;
  r->logs = sp_fset_log_cov_take(set, &r->n_logs);
  sort_logs(r);
  return sp_incidents_build(r->findings, r->n_findings, r->detected_ns,
                            &r->incidents);
}

void sp_result_destroy(sp_result *r) {
  if (!r)
    return;
  for (size_t i = 0; i < r->n_files; i++) {
    sp_file_state *f = &r->files[i];
    free((char *)f->pub.path);
    free(f->error_buf);
    free(f->note_buf);
    free(f->source_buf);
    for (size_t k = 0; k < SP_COV_SAMPLES; k++)
      free(f->samples_buf[k]);
  }
  free(r->files);
  for (size_t i = 0; i < r->n_findings; i++)
    free((void *)r->findings[i].entities);
  for (struct sp_chunk *c = r->chunks, *nx; c; c = nx) {
    nx = c->next;
    free(c);
  }
  sp_incidents_destroy(r->incidents);
  free(r->findings);
  free(r->sources);
  free(r->limits);
  for (size_t i = 0; i < r->n_logs; i++) {
    free(r->logs[i].channel);
    free(r->logs[i].computer);
  }
  free(r->logs);
  free(r);
}

size_t sp_result_incident_count(const sp_result *r) {
  return r ? sp_incidents_count(r->incidents) : 0;
}

const sp_incident *sp_result_incident(const sp_result *r, size_t i) {
  return r ? sp_incidents_get(r->incidents, i) : NULL;
}

const sp_incident *sp_result_finding_incident(const sp_result *r, size_t i) {
  return r ? sp_incidents_of(r->incidents, i) : NULL;
}

size_t sp_result_finding_count(const sp_result *r) {
  return r ? r->n_findings : 0;
}
const sp_finding *sp_result_finding(const sp_result *r, size_t i) {
  return r && i < r->n_findings ? &r->findings[i] : NULL;
}
size_t sp_result_file_count(const sp_result *r) { return r ? r->n_files : 0; }
const sp_file_cov *sp_result_file(const sp_result *r, size_t i) {
  return r && i < r->n_files ? &r->files[i].pub : NULL;
}
size_t sp_result_source_count(const sp_result *r) {
  return r ? r->n_sources : 0;
}
const sp_source_cov *sp_result_source(const sp_result *r, size_t i) {
  return r && i < r->n_sources ? &r->sources[i] : NULL;
}
uint64_t sp_result_problems(const sp_result *r) { return r ? r->problems : 0; }
size_t sp_result_limit_count(const sp_result *r) { return r ? r->n_limits : 0; }
const sp_limit *sp_result_limit(const sp_result *r, size_t i) {
  return r && i < r->n_limits ? &r->limits[i] : NULL;
}
