/*
 * result.c - the hunt result: the sorted public findings built from the
 * merged finding set, the per-file and per-source coverage, and accessors.
 *
 * Ownership: the result owns every string it hands out (file paths, entity
 * values, reasons, coverage messages) until sp_result_destroy().
 * Rule strings are copied too, so a result may outlive its engine.
 */
#include "core/timeutil.h"
#include "engine/engine_int.h"

#include <stdlib.h>
#include <string.h>

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

typedef struct fill_ctx {
  sp_result *res;
  size_t next_ent, next_ref;
  sp_err err;
} fill_ctx;

static void count_cb(const sp_agg *a, void *u) {
  size_t *n = u;
  n[0]++;
  n[1] += a->n_ent;
  n[2] += a->n_refs;
}

static void fill_cb(const sp_agg *a, void *u) {
  fill_ctx *c = u;
  sp_result *r = c->res;
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
  f->first_ns = a->first;
  f->last_ns = a->last;
  f->count = a->count;
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
  sp_evidence_ref *refs = &r->refs[c->next_ref];
  for (size_t i = 0; i < a->n_refs; i++) {
    uint32_t id = a->refs[i].file_id;
    refs[i].path = id < r->n_files ? r->files[id].pub.path : "";
    refs[i].where = a->refs[i].where;
    refs[i].kind = a->refs[i].kind;
  }
  f->evidence = refs;
  f->n_evidence = a->n_refs;
  c->next_ref += a->n_refs;
  f->reason = a->reason ? keep(r, a->reason) : "";
  if (!f->reason)
    c->err = SP_ENOMEM;
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

sp_err sp_result_finalize(sp_result *r, const sp_fset *set) {
  size_t n[3] = {0, 0, 0};
  sp_fset_foreach(set, count_cb, n);
  r->findings = calloc(n[0] + 1, sizeof *r->findings);
  r->entities = calloc(n[1] + 1, sizeof *r->entities);
  r->refs = calloc(n[2] + 1, sizeof *r->refs);
  if (!r->findings || !r->entities || !r->refs)
    return SP_ENOMEM;
  fill_ctx c = {.res = r};
  sp_fset_foreach(set, fill_cb, &c);
  if (c.err)
    return c.err;
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
