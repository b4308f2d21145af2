/*
 * result.c - the hunt result: the sorted public findings built from the
 * merged finding set, the per-file and per-source coverage, and accessors.
 *
 * Each aggregate gets a stable identity from its rule id and normalised
 * entities (findings/entity.h); aggregates with one identity are merged
 * into one finding, so ids are unique within a result.
 *
 * Ownership: the result owns every string it hands out (file paths, entity
 * values, reasons, ids, the canonical strings the normalised entities point
 * into, coverage messages) until sp_result_destroy().
 * Rule strings are copied too, so a result may outlive its engine.
 */
#include "core/timeutil.h"
#include "engine/engine_int.h"
#include "findings/entity.h"

#include <stdlib.h>
#include <string.h>

_Static_assert(SP_MAX_ENTITIES <= SP_IDENTITY_MAX_IN,
               "every entity of a finding must fit in its identity");

static char *keep(sp_result *r, const char *s) {
  if (r->n_strings == r->cap_strings) {
    size_t ncap = r->cap_strings ? r->cap_strings * 2 : 256;
    char **n = realloc(r->strings, ncap * sizeof *n);
    if (!n)
      return NULL;
    r->strings = n;
    r->cap_strings = ncap;
  }
  size_t len = strlen(s);
  char *c = malloc(len + 1);
  if (!c)
    return NULL;
  memcpy(c, s, len + 1);
  r->strings[r->n_strings++] = c;
  return c;
}

/* Take ownership of a malloc'd string; frees it when it cannot be kept. */
static char *adopt(sp_result *r, char *s) {
  if (r->n_strings == r->cap_strings) {
    size_t ncap = r->cap_strings ? r->cap_strings * 2 : 256;
    char **n = realloc(r->strings, ncap * sizeof *n);
    if (!n) {
      free(s);
      return NULL;
    }
    r->strings = n;
    r->cap_strings = ncap;
  }
  r->strings[r->n_strings++] = s;
  return s;
}

/* One aggregate of the merged set with its identity (findings/entity.h). */
typedef struct item {
  const sp_agg *a;
  sp_identity ident;
} item;

typedef struct collect_ctx {
  item *items;
  size_t n, n_ent, n_refs;
} collect_ctx;

static void count_cb(const sp_agg *a, void *u) {
  collect_ctx *c = u;
  c->n++;
  c->n_ent += a->n_ent;
  c->n_refs += a->n_refs;
}

static void collect_cb(const sp_agg *a, void *u) {
  collect_ctx *c = u;
  c->items[c->n++].a = a;
}

/* Order of aggregates that share an identity: the one with the earliest
 * evidence first, then by content, so the representative (whose original
 * entity values are shown) never depends on the order of the set. */
static int cmp_rep(const sp_agg *a, const sp_agg *b) {
  int c;
  if (a->n_refs && b->n_refs && (c = sp_agg_ref_cmp(&a->refs[0], &b->refs[0])))
    return c;
  if (a->n_refs != b->n_refs && (!a->n_refs || !b->n_refs))
    return a->n_refs ? -1 : 1;
  if ((c = strcmp(a->rule->ruleset, b->rule->ruleset)))
    return c;
  size_t n = a->n_ent < b->n_ent ? a->n_ent : b->n_ent;
  for (size_t i = 0; i < n; i++) {
    if ((c = strcmp(a->ent_field[i], b->ent_field[i])))
      return c;
    if ((c = strcmp(a->ent_value[i], b->ent_value[i])))
      return c;
  }
  if (a->n_ent != b->n_ent)
    return a->n_ent < b->n_ent ? -1 : 1;
  return strcmp(a->reason ? a->reason : "", b->reason ? b->reason : "");
}

static int cmp_canon(const sp_identity *a, const sp_identity *b) {
  int c = memcmp(a->canon, b->canon, a->len < b->len ? a->len : b->len);
  return c ? c : (a->len > b->len) - (a->len < b->len);
}

static int cmp_item(const void *pa, const void *pb) {
  const item *a = pa, *b = pb;
  int c = cmp_canon(&a->ident, &b->ident);
  return c ? c : cmp_rep(a->a, b->a);
}

static int cmp_ref(const void *a, const void *b) {
  return sp_agg_ref_cmp(a, b);
}

/* The merged references of items[0..n): sorted, each once, the earliest
 * SP_MAX_EVIDENCE kept, like the finding set keeps them. */
static size_t merge_refs(const item *items, size_t n, sp_agg_ref *out,
                         sp_err *err) {
  if (n == 1) {
    memcpy(out, items[0].a->refs, items[0].a->n_refs * sizeof *out);
    return items[0].a->n_refs;
  }
  size_t total = 0;
  for (size_t i = 0; i < n; i++)
    total += items[i].a->n_refs;
  sp_agg_ref *all = malloc((total ? total : 1) * sizeof *all);
  if (!all) {
    *err = SP_ENOMEM;
    return 0;
  }
  size_t k = 0;
  for (size_t i = 0; i < n; i++)
    for (size_t j = 0; j < items[i].a->n_refs; j++)
      all[k++] = items[i].a->refs[j];
  qsort(all, k, sizeof *all, cmp_ref);
  size_t m = 0;
  for (size_t i = 0; i < k && m < SP_MAX_EVIDENCE; i++)
    if (m == 0 || sp_agg_ref_cmp(&out[m - 1], &all[i]) != 0)
      out[m++] = all[i];
  free(all);
  return m;
}

typedef struct fill_ctx {
  sp_result *res;
  size_t next_ent, next_norm, next_ref;
  sp_err err;
} fill_ctx;

/* One public finding from the aggregates items[0..n) that share one
 * identity; items[0] is the representative. */
static void fill_group(fill_ctx *c, item *items, size_t n) {
  sp_result *r = c->res;
  const sp_agg *a = items[0].a;
  sp_finding *f = &r->findings[r->n_findings++];
  const sp_rule *rule = a->rule;
  /* Copies, so a result may outlive its engine (YARA rules die with it). */
  f->rule_id = keep(r, rule->id);
  f->rule_name = keep(r, rule->name);
  f->ruleset = keep(r, rule->ruleset);
  f->rule_author = keep(r, rule->author);
  f->rule_description = keep(r, rule->description ? rule->description : "");
  f->techniques = keep(r, rule->techniques ? rule->techniques : "");
  f->vulnerability = keep(r, rule->cve ? rule->cve : "");
  if (!f->rule_id || !f->rule_name || !f->ruleset || !f->rule_author ||
      !f->rule_description || !f->techniques || !f->vulnerability)
    c->err = SP_ENOMEM;
  f->level = rule->level;
  f->first_ns = f->last_ns = SP_TIME_NONE;
  f->count = 0;
  const sp_agg *why = NULL; /* the member the reason comes from */
  for (size_t i = 0; i < n; i++) {
    const sp_agg *m = items[i].a;
    f->count += m->count;
    if (m->first != SP_TIME_NONE &&
        (f->first_ns == SP_TIME_NONE || m->first < f->first_ns))
      f->first_ns = m->first;
    if (m->last != SP_TIME_NONE &&
        (f->last_ns == SP_TIME_NONE || m->last > f->last_ns))
      f->last_ns = m->last;
    if (m->reason &&
        (!why || sp_agg_ref_cmp(&m->reason_ref, &why->reason_ref) < 0))
      why = m;
  }
  sp_entity *ents = &r->entities[c->next_ent];
  for (size_t i = 0; i < a->n_ent; i++) {
    ents[i].field = a->ent_field[i];
    ents[i].value = keep(r, a->ent_value[i]);
    if (!ents[i].value)
      c->err = SP_ENOMEM;
  }
  f->entities = ents;
  f->n_entities = a->n_ent;
  c->next_ent += a->n_ent;
  sp_agg_ref merged[SP_MAX_EVIDENCE];
  size_t n_refs = merge_refs(items, n, merged, &c->err);
  sp_evidence_ref *refs = &r->refs[c->next_ref];
  for (size_t i = 0; i < n_refs; i++) {
    uint32_t id = merged[i].file_id;
    refs[i].path = id < r->n_files ? r->files[id].pub.path : "";
    refs[i].where = merged[i].where;
    refs[i].kind = merged[i].kind;
  }
  f->evidence = refs;
  f->n_evidence = n_refs;
  c->next_ref += n_refs;
  f->reason = why ? keep(r, why->reason) : "";
  if (!f->reason)
    c->err = SP_ENOMEM;
  /* The identity's canonical string holds the normalised entities. */
  sp_identity *ident = &items[0].ident;
  f->id = keep(r, ident->id);
  sp_entity *norm = &r->norm_entities[c->next_norm];
  for (size_t i = 0; i < ident->n; i++)
    sp_identity_entity(ident, i, &norm[i].field, &norm[i].value);
  f->norm_entities = norm;
  f->n_norm_entities = ident->n;
  c->next_norm += ident->n;
  if (!f->id || !adopt(r, ident->canon))
    c->err = SP_ENOMEM;
  ident->canon = NULL; /* owned by the result now */
}

/* The path of the file an aggregate's first evidence is in, or NULL. */
static const char *evidence_file(const sp_result *r, const sp_agg *a) {
  if (!a->n_refs || a->refs[0].file_id >= r->n_files)
    return NULL;
  return r->files[a->refs[0].file_id].pub.path;
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

/* Build the public findings. Each aggregate gets its identity (rule id and
 * normalised entities); aggregates whose entity values differ only in
 * spelling ("1.2.3.4" and "[::ffff:1.2.3.4]:443") share one and become one
 * finding, so a finding id is unique within a result. */
sp_err sp_result_finalize(sp_result *r, const sp_fset *set) {
  collect_ctx cc = {0};
  sp_fset_foreach(set, count_cb, &cc);
  size_t n_aggs = cc.n, n_ent = cc.n_ent, n_refs = cc.n_refs;
  r->findings = calloc(n_aggs + 1, sizeof *r->findings);
  r->entities = calloc(n_ent + 1, sizeof *r->entities);
  r->refs = calloc(n_refs + 1, sizeof *r->refs);
  cc = (collect_ctx){.items = calloc(n_aggs + 1, sizeof *cc.items)};
  if (!r->findings || !r->entities || !r->refs || !cc.items) {
    free(cc.items);
    return SP_ENOMEM;
  }
  sp_fset_foreach(set, collect_cb, &cc);
  sp_err err = SP_OK;
  size_t n_norm = 0;
  for (size_t i = 0; i < n_aggs && !err; i++) {
    const sp_agg *a = cc.items[i].a;
    const char *values[SP_MAX_ENTITIES];
    for (size_t k = 0; k < a->n_ent; k++)
      values[k] = a->ent_value[k];
    err = sp_identity_build(&cc.items[i].ident, a->rule->id, a->ent_field,
                            values, a->n_ent, evidence_file(r, a));
    n_norm += cc.items[i].ident.n;
  }
  if (!err) {
    r->norm_entities = calloc(n_norm + 1, sizeof *r->norm_entities);
    if (!r->norm_entities)
      err = SP_ENOMEM;
  }
  if (!err) {
    qsort(cc.items, n_aggs, sizeof *cc.items, cmp_item);
    fill_ctx c = {.res = r};
    for (size_t g = 0; g < n_aggs;) {
      size_t e = g + 1;
      while (e < n_aggs &&
             cmp_canon(&cc.items[g].ident, &cc.items[e].ident) == 0)
        e++;
      fill_group(&c, &cc.items[g], e - g);
      g = e;
    }
    err = c.err;
  }
  for (size_t i = 0; i < n_aggs; i++)
    sp_identity_free(&cc.items[i].ident);
  free(cc.items);
  if (err)
    return err;
  qsort(r->findings, r->n_findings, sizeof *r->findings, cmp_finding);
  return build_sources(r);
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
  for (size_t i = 0; i < r->n_strings; i++)
    free(r->strings[i]);
  free(r->strings);
  free(r->findings);
  free(r->entities);
  free(r->norm_entities);
  free(r->refs);
  free(r->sources);
  free(r);
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
