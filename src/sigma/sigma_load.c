/*
 * sigma_load.c - the Sigma rule set: options, reading rule files and
 * folders (sorted walk, .yml/.yaml only, SG_MAX_FILE_BYTES per file),
 * multi-document YAML through libyaml (a document with `action: global`
 * gives its keys to the documents after it), the load report, correlation
 * references resolved by rule id or name, and the index of compiled
 * variants by (source kind, channel, event id).
 *
 * `expand` placeholders: the file named by the options is read at create
 * (sigma_placeholder.c) and every document's `|expand` items are rewritten
 * into their expansions before it is compiled.
 *
 * Owns: the arena, the rule, variant, report and bucket arrays, the PCRE2
 * codes and the placeholder table. Read-only after sp_sigma_finish.
 */
#include "sigma/sigma_int.h"
#include "sigma/sigma_ph.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define SG_MAX_WALK_DEPTH 16
#define SG_MAX_DOCS 1000 /* documents per file */

static unsigned status_bit(const char *w, size_t n) {
  static const char *const names[] = {
      "stable", "test", "experimental", "deprecated", "unsupported", "none"};
  for (unsigned i = 0; i < SG_ST__COUNT; i++)
    if (strlen(names[i]) == n && memcmp(names[i], w, n) == 0)
      return 1u << i;
  return 0;
}

/* Read the placeholder file (NULL: none, wildcard mode only). */
static sp_err load_placeholders(sp_sigma *s, const char *path, bool wildcard,
                                sp_diag *diag) {
  if (!path || !*path)
    return sp_sigma_set_placeholders(s, "", NULL, 0, wildcard, diag);
  FILE *f = fopen(path, "rb");
  if (!f) {
    if (diag) {
      diag->code = SP_ENOENT;
      snprintf(diag->msg, sizeof diag->msg, "--sigma-placeholders %.300s: %s",
               path, strerror(errno));
    }
    return SP_ENOENT;
  }
  char *buf = malloc(SG_MAX_FILE_BYTES + 1);
  if (!buf) {
    fclose(f);
    return SP_ENOMEM;
  }
  size_t n = fread(buf, 1, SG_MAX_FILE_BYTES + 1, f);
  bool err = ferror(f) != 0;
  fclose(f);
  sp_err e;
  if (err) {
    if (diag) {
      diag->code = SP_EIO;
      snprintf(diag->msg, sizeof diag->msg,
               "--sigma-placeholders %.300s: read error", path);
    }
    e = SP_EIO;
  } else {
    e = sp_sigma_set_placeholders(s, path, buf, n, wildcard, diag);
  }
  free(buf);
  return e;
}

sp_err sp_sigma_set_placeholders(sp_sigma *s, const char *path,
                                 const char *text, size_t len, bool wildcard,
                                 sp_diag *diag) {
  if (!s || s->finished)
    return SP_EINVAL;
  sg_ph *p;
  sp_err e = sg_ph_parse(path, text, len, wildcard, &p, diag);
  if (e)
    return e;
  sg_ph_free(s->ph);
  s->ph = p;
  return SP_OK;
}

size_t sp_sigma_placeholder_count(const sp_sigma *s) {
  return s ? sg_ph_count(s->ph) : 0;
}

sp_err sp_sigma_create(const sp_sigma_opts *o, sp_names *names, sp_sigma **out,
                       sp_diag *diag) {
  *out = NULL;
  sp_sigma *s = calloc(1, sizeof *s);
  if (!s)
    return SP_ENOMEM;
  s->names = names;
  s->status_mask = (1u << SG_ST_STABLE) | (1u << SG_ST_TEST) |
                   (1u << SG_ST_EXPERIMENTAL) | (1u << SG_ST_NONE);
  if (o && o->status && *o->status) {
    s->status_mask = 0;
    const char *p = o->status;
    while (*p) {
      size_t n = strcspn(p, ",");
      unsigned b = status_bit(p, n);
      if (!b) {
        if (diag) {
          diag->code = SP_EINVAL;
          snprintf(diag->msg, sizeof diag->msg,
                   "--rule-status: unknown status '%.*s' (stable, test, "
                   "experimental, deprecated, unsupported)",
                   (int)(n > 40 ? 40 : n), p);
        }
        free(s);
        return SP_EINVAL;
      }
      s->status_mask |= b;
      p += n;
      if (*p == ',')
        p++;
    }
  }
  if (o && o->min_level && *o->min_level) {
    static const char *const lv[] = {"informational", "low", "medium", "high",
                                     "critical"};
    s->min_level = -1;
    for (int i = 0; i < 5; i++)
      if (strcmp(o->min_level, lv[i]) == 0)
        s->min_level = i;
    if (s->min_level < 0) {
      if (diag) {
        diag->code = SP_EINVAL;
        snprintf(diag->msg, sizeof diag->msg,
                 "--min-level: unknown level '%.40s' (informational, low, "
                 "medium, high, critical)",
                 o->min_level);
      }
      free(s);
      return SP_EINVAL;
    }
  }
  s->f_channel = names ? sp_names_field(names, "Channel", 7) : -1;
  s->f_eventid = names ? sp_names_field(names, "EventID", 7) : -1;
  s->f_provider = names ? sp_names_field(names, "Provider_Name", 13) : -1;
  s->no_prefilter = o && o->no_prefilter;
  if (!names || s->f_channel < 0 || s->f_eventid < 0) {
    free(s);
    return SP_EINVAL;
  }
  if (o &&
      ((o->placeholders && *o->placeholders) || o->placeholders_wildcard)) {
    sp_err e = load_placeholders(s, o->placeholders,
                                 o->placeholders_wildcard != 0, diag);
    if (e) {
      sp_sigma_destroy(s);
      return e;
    }
  }
  *out = s;
  return SP_OK;
}

void sp_sigma_destroy(sp_sigma *s) {
  if (!s)
    return;
  sg_prefilter_free(s);
  sg_ph_free(s->ph);
  for (size_t i = 0; i < s->ncodes; i++)
    pcre2_code_free(s->codes[i]);
  free(s->codes);
  free(s->rules);
  free(s->vars);
  free(s->report);
  for (size_t i = 0; i < s->capbuckets; i++) {
    free(s->buckets[i].vars);
    free(s->buckets[i].ungated);
  }
  free(s->var_bucket);
  free(s->buckets);
  free(s->ydocs);
  sg_arena_free(&s->arena);
  free(s);
}

/* One document of a file: a rule (compiled, then deleted), or an action
 * (global: kept in *global for the documents after it; reset). */
static void one_doc(sp_sigma *s, const char *p, yaml_document_t *doc,
                    yaml_document_t *global, bool *have_global) {
  yaml_node_t *root = yaml_document_get_root_node(doc);
  /* action: global / reset / repeat (rule collections) */
  yaml_node_t *act = NULL;
  if (root && root->type == YAML_MAPPING_NODE)
    for (yaml_node_pair_t *q = root->data.mapping.pairs.start;
         q < root->data.mapping.pairs.top; q++) {
      yaml_node_t *k = yaml_document_get_node(doc, q->key);
      if (k && k->type == YAML_SCALAR_NODE && k->data.scalar.length == 6 &&
          !memcmp(k->data.scalar.value, "action", 6))
        act = yaml_document_get_node(doc, q->value);
    }
  if (act && act->type == YAML_SCALAR_NODE) {
    const char *a = (const char *)act->data.scalar.value;
    if (!strcmp(a, "global")) {
      (void)sg_ph_rewrite(s, doc); /* out of memory: `expand` stays and
                                      fails the rules using it */
      if (*have_global)
        yaml_document_delete(global);
      *global = *doc;
      *have_global = true;
      return;
    }
    if (!strcmp(a, "reset")) {
      if (*have_global)
        yaml_document_delete(global);
      *have_global = false;
      yaml_document_delete(doc);
      return;
    }
    sg_report_add(s, p, "", "", SG_FAILED,
                  "unsupported: rule collection action", 0);
    yaml_document_delete(doc);
    return;
  }
  if (sg_ph_rewrite(s, doc))
    sg_compile_doc(s, p, doc, *have_global ? global : NULL);
  else
    sg_report_add(s, p, "", "", SG_FAILED,
                  "out of memory expanding placeholders", 0);
  yaml_document_delete(doc);
}

sp_err sp_sigma_add_text(sp_sigma *s, const char *path, const char *text,
                         size_t len) {
  if (s->finished)
    return SP_EINVAL;
  const char *p = sg_strndup(&s->arena, path, strlen(path));
  if (!p)
    return SP_ENOMEM;
  if (len > SG_MAX_FILE_BYTES) {
    sg_report_add(s, p, "", "", SG_FAILED, "file larger than 1 MiB", 0);
    return SP_OK;
  }
  yaml_document_t global;
  bool have_global = false;
  /* the fast reader of the YAML Sigma rules are written in; libyaml for
   * any file outside its subset (sigma_yaml.c) */
  if (!s->ydocs)
    s->ydocs = malloc(SG_MAX_DOCS * sizeof *s->ydocs);
  size_t nfast = 0;
  if (s->ydocs &&
      sg_yaml_fast_load(text, len, s->ydocs, SG_MAX_DOCS, &nfast) == 0) {
    for (size_t i = 0; i < nfast; i++)
      one_doc(s, p, &s->ydocs[i], &global, &have_global);
    if (have_global)
      yaml_document_delete(&global);
    return SP_OK;
  }
  yaml_parser_t parser;
  if (!yaml_parser_initialize(&parser))
    return SP_ENOMEM;
  yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
  for (int ndoc = 0;; ndoc++) {
    yaml_document_t doc;
    if (!yaml_parser_load(&parser, &doc)) {
      char why[300];
      snprintf(why, sizeof why, "YAML error at line %zu: %s",
               parser.problem_mark.line + 1,
               parser.problem ? parser.problem : "unknown");
      sg_report_add(s, p, "", "", SG_FAILED, why, 0);
      break;
    }
    yaml_node_t *root = yaml_document_get_root_node(&doc);
    if (!root) { /* end of stream */
      yaml_document_delete(&doc);
      break;
    }
    if (ndoc >= SG_MAX_DOCS) {
      sg_report_add(s, p, "", "", SG_FAILED,
                    "more than 1000 documents in one file", 0);
      yaml_document_delete(&doc);
      break;
    }
    one_doc(s, p, &doc, &global, &have_global);
  }
  if (have_global)
    yaml_document_delete(&global);
  yaml_parser_delete(&parser);
  return SP_OK;
}

static bool has_ext(const char *n) {
  size_t l = strlen(n);
  return (l > 4 && !strcmp(n + l - 4, ".yml")) ||
         (l > 5 && !strcmp(n + l - 5, ".yaml"));
}

static sp_err load_file(sp_sigma *s, const char *path) {
  FILE *f = fopen(path, "rb");
  if (!f) {
    char why[300];
    snprintf(why, sizeof why, "cannot read: %s", strerror(errno));
    const char *p = sg_strndup(&s->arena, path, strlen(path));
    sg_report_add(s, p ? p : "", "", "", SG_FAILED, why, 0);
    return SP_OK;
  }
  char *buf = malloc(SG_MAX_FILE_BYTES + 1);
  if (!buf) {
    fclose(f);
    return SP_ENOMEM;
  }
  size_t n = fread(buf, 1, SG_MAX_FILE_BYTES + 1, f);
  fclose(f);
  sp_err e = sp_sigma_add_text(s, path, buf, n);
  free(buf);
  return e;
}

static int cmp_str(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

static sp_err load_dir(sp_sigma *s, const char *dir, int depth) {
  if (depth > SG_MAX_WALK_DEPTH)
    return SP_OK;
  DIR *d = opendir(dir);
  if (!d) {
    char why[300];
    snprintf(why, sizeof why, "cannot open folder: %s", strerror(errno));
    const char *p = sg_strndup(&s->arena, dir, strlen(dir));
    sg_report_add(s, p ? p : "", "", "", SG_FAILED, why, 0);
    return SP_OK;
  }
  char **names = NULL;
  size_t n = 0, cap = 0;
  sp_err err = SP_OK;
  struct dirent *de;
  while ((de = readdir(d)) != NULL) {
    if (de->d_name[0] == '.')
      continue;
    if (n == cap) {
      size_t nc = cap ? cap * 2 : 64;
      char **nn = realloc(names, nc * sizeof *nn);
      if (!nn) {
        err = SP_ENOMEM;
        break;
      }
      names = nn;
      cap = nc;
    }
    if (!(names[n] = strdup(de->d_name))) {
      err = SP_ENOMEM;
      break;
    }
    n++;
  }
  closedir(d);
  if (n)
    qsort(names, n, sizeof *names, cmp_str);
  for (size_t i = 0; !err && i < n; i++) {
    size_t l = strlen(dir) + strlen(names[i]) + 2;
    char *full = malloc(l);
    if (!full) {
      err = SP_ENOMEM;
      break;
    }
    snprintf(full, l, "%s/%s", dir, names[i]);
    struct stat st;
    if (stat(full, &st) == 0) {
      if (S_ISDIR(st.st_mode))
        err = load_dir(s, full, depth + 1);
      else if (S_ISREG(st.st_mode) && has_ext(names[i]))
        err = load_file(s, full);
    }
    free(full);
  }
  for (size_t i = 0; i < n; i++)
    free(names[i]);
  free(names);
  return err;
}

sp_err sp_sigma_load(const char *const *paths, size_t n, const sp_sigma_opts *o,
                     sp_names *names, sp_sigma **out, sp_diag *diag) {
  *out = NULL;
  sp_sigma *s;
  sp_err e = sp_sigma_create(o, names, &s, diag);
  if (e)
    return e;
  for (size_t i = 0; !e && i < n; i++) {
    struct stat st;
    if (stat(paths[i], &st) != 0) {
      if (diag) {
        diag->code = SP_ENOENT;
        snprintf(diag->msg, sizeof diag->msg, "--rules %s: %s", paths[i],
                 strerror(errno));
      }
      e = SP_ENOENT;
    } else if (S_ISDIR(st.st_mode)) {
      e = load_dir(s, paths[i], 0);
    } else {
      e = load_file(s, paths[i]);
    }
  }
  if (!e)
    e = sp_sigma_finish(s);
  if (e) {
    sp_sigma_destroy(s);
    return e;
  }
  *out = s;
  return SP_OK;
}

/* ---- index ------------------------------------------------------------ */
static uint64_t bucket_hash(int kind, const char *ch, size_t chn, int eid) {
  uint64_t h = 1469598103934665603ULL;
  h = (h ^ (uint64_t)(unsigned)kind) * 1099511628211ULL;
  for (size_t i = 0; i < chn; i++)
    h = (h ^ (unsigned char)sp_lower((unsigned char)ch[i])) * 1099511628211ULL;
  h = (h ^ 0xff) * 1099511628211ULL;
  h = (h ^ (uint64_t)(uint32_t)eid) * 1099511628211ULL;
  return h ? h : 1;
}

const sg_bucket *sg_bucket_find(const sp_sigma *s, int kind, const char *ch,
                                size_t chn, int eid) {
  if (!s->capbuckets)
    return NULL;
  uint64_t h = bucket_hash(kind, ch, chn, eid);
  for (size_t i = h & (s->capbuckets - 1);; i = (i + 1) & (s->capbuckets - 1)) {
    const sg_bucket *b = &s->buckets[i];
    if (!b->hash)
      return NULL;
    if (b->hash == h && b->kind == kind && b->eid == eid &&
        (b->channel
             ? strlen(b->channel) == chn && sp_mem_ieq(b->channel, ch, chn)
             : chn == 0))
      return b;
  }
}

static sp_err index_add(sp_sigma *s, int kind, const char *ch, int eid,
                        uint32_t var) {
  size_t chn = ch ? strlen(ch) : 0;
  uint64_t h = bucket_hash(kind, ch, chn, eid);
  sg_bucket *b = NULL;
  for (size_t i = h & (s->capbuckets - 1);; i = (i + 1) & (s->capbuckets - 1)) {
    b = &s->buckets[i];
    if (!b->hash) {
      b->hash = h;
      b->kind = kind;
      b->channel = ch;
      b->eid = eid;
      s->nbuckets++;
      break;
    }
    if (b->hash == h && b->kind == kind && b->eid == eid &&
        (b->channel ? ch && !strcmp(b->channel, ch) : !ch))
      break;
  }
  if (b->n == b->cap) {
    size_t nc = b->cap ? b->cap * 2 : 8;
    uint32_t *nv = realloc(b->vars, nc * sizeof *nv);
    if (!nv)
      return SP_ENOMEM;
    b->vars = nv;
    b->cap = nc;
  }
  b->vars[b->n++] = var;
  s->var_bucket[var] = (uint32_t)(b - s->buckets);
  return SP_OK;
}

sp_err sp_sigma_finish(sp_sigma *s) {
  if (s->finished)
    return SP_OK;
  /* Correlations: resolve references by id or name. */
  for (size_t i = 0; i < s->nrules; i++) {
    sg_rule *r = &s->rules[i];
    if (!r->corr)
      continue;
    for (size_t k = 0; k < r->corr->nref; k++) {
      const char *ref = r->corr->refs[k];
      size_t hit = (size_t)-1;
      for (size_t j = 0; j < s->nrules && hit == (size_t)-1; j++)
        if (!s->rules[j].corr &&
            (!strcmp(s->rules[j].meta.id, ref) ||
             (s->rules[j].name && !strcmp(s->rules[j].name, ref))))
          hit = j;
      if (hit == (size_t)-1) {
        char why[300];
        snprintf(why, sizeof why, "correlation refers to unknown rule '%.80s'",
                 ref);
        sp_sigma_entry *e = &s->report[r->report];
        e->state = SG_FAILED;
        e->reason = sg_strndup(&s->arena, why, strlen(why));
        if (!e->reason)
          e->reason = "";
        r->corr->nref = 0; /* disabled */
        break;
      }
      r->corr->ref_rules[k] = (uint32_t)hit;
    }
  }
  for (size_t i = 0; i < s->nrules; i++) {
    sg_rule *r = &s->rules[i];
    if (!r->corr || !r->corr->nref)
      continue;
    for (size_t k = 0; k < r->corr->nref; k++) {
      sg_rule *b = &s->rules[r->corr->ref_rules[k]];
      b->correlated = true;
      if (!r->corr_generate)
        b->generates = false;
    }
  }
  /* Index. */
  size_t cap = 64;
  while (cap < s->nvars * 2 + 64)
    cap *= 2;
  s->buckets = calloc(cap, sizeof *s->buckets);
  s->var_bucket = calloc(s->nvars ? s->nvars : 1, sizeof *s->var_bucket);
  if (!s->buckets || !s->var_bucket)
    return SP_ENOMEM;
  s->capbuckets = cap;
  for (size_t i = 0; i < s->nvars; i++) {
    const sg_logsource *l = s->vars[i].ls;
    int kind = sp_names_kind(s->names, l->kind);
    if (kind < 0)
      return SP_ENOMEM;
    sp_err e =
        index_add(s, kind, l->channel, l->channel ? l->eid : -1, (uint32_t)i);
    if (e)
      return e;
  }
  sp_err pe = sg_prefilter_build(s);
  if (pe)
    return pe;
  /* Per bucket, the variants to test on every event (the others wait for
   * the prefilter to wake them). */
  for (size_t i = 0; i < s->capbuckets; i++) {
    sg_bucket *b = &s->buckets[i];
    if (!b->n)
      continue;
    b->ungated = malloc(b->n * sizeof *b->ungated);
    if (!b->ungated)
      return SP_ENOMEM;
    for (size_t k = 0; k < b->n; k++)
      if (!s->var_gated[b->vars[k]])
        b->ungated[b->nung++] = b->vars[k];
  }
  s->finished = true;
  return SP_OK;
}

size_t sp_sigma_report_count(const sp_sigma *s) { return s ? s->nreport : 0; }

const sp_sigma_entry *sp_sigma_report(const sp_sigma *s, size_t i) {
  return s && i < s->nreport ? &s->report[i] : NULL;
}

size_t sp_sigma_rule_count(const sp_sigma *s) { return s ? s->nrules : 0; }

const sp_rule *sp_sigma_rule_at(const sp_sigma *s, size_t i) {
  return s && i < s->nrules ? &s->rules[i].meta : NULL;
}

bool sp_sigma_rule_correlated(const sp_sigma *s, size_t i) {
  return s && i < s->nrules && s->rules[i].correlated;
}

bool sp_sigma_rule_generates(const sp_sigma *s, size_t i) {
  return s && i < s->nrules && s->rules[i].generates;
}
