/*
 * sigma_compile.c - one YAML document (libyaml's tree) to a compiled Sigma
 * rule: metadata (id, title, level, status, author, description, first
 * reference, ATT&CK techniques and CVE from tags), log source mapping
 * (sigma_logsource.c), selections with their modifiers and values
 * (sigma_value.c), condition (sigma_cond.c); or a correlation rule.
 *
 * A rule with several log source mappings gets one variant per mapping,
 * its selections compiled with that mapping's field renames (once per
 * distinct rename table). A document with `action: global` (a rule
 * collection's shared part) supplies keys the following documents of the
 * file lack; the loader passes it as `global`.
 *
 * Every failure ends as a report entry naming the reason; the set keeps
 * only rules that compiled whole.
 */
#include "sigma/sigma_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SG_PRESIZE_MAX 4096 /* values allocated ahead for one item */

/* Room for an item's values, one per written value as most are (modifiers
 * that make more, such as base64offset or windash, grow the array): arrays
 * in the arena are never freed, so growing from a guess wastes what it
 * outgrows. *cap: the room made; false (and e) when out of memory. */
static bool vals_ahead(sp_sigma *s, sg_item *it, size_t want, size_t *cap,
                       sg_cerr *e) {
  *cap = want < SG_PRESIZE_MAX ? want : SG_PRESIZE_MAX;
  if (!(it->vals = sg_alloc(&s->arena, *cap * sizeof *it->vals))) {
    sg_fail(e, "out of memory");
    return false;
  }
  return true;
}

typedef struct ydoc {
  yaml_document_t *d;
  yaml_node_t *root; /* a mapping, or NULL */
} ydoc;

static yaml_node_t *map_get(yaml_document_t *d, yaml_node_t *m,
                            const char *key) {
  if (!d || !m || m->type != YAML_MAPPING_NODE)
    return NULL;
  size_t kn = strlen(key);
  for (yaml_node_pair_t *p = m->data.mapping.pairs.start;
       p < m->data.mapping.pairs.top; p++) {
    yaml_node_t *k = yaml_document_get_node(d, p->key);
    if (k && k->type == YAML_SCALAR_NODE && k->data.scalar.length == kn &&
        memcmp(k->data.scalar.value, key, kn) == 0)
      return yaml_document_get_node(d, p->value);
  }
  return NULL;
}

/* A key of the rule, from the document or else the global part. */
static yaml_node_t *rget(const ydoc *doc, const ydoc *glob, const char *key,
                         yaml_document_t **which) {
  yaml_node_t *n = map_get(doc->d, doc->root, key);
  *which = doc->d;
  if (!n && glob && glob->root) {
    n = map_get(glob->d, glob->root, key);
    *which = glob->d;
  }
  return n;
}

static bool scalar_of(yaml_node_t *n, sg_scalar *out) {
  if (!n || n->type != YAML_SCALAR_NODE)
    return false;
  out->p = (const char *)n->data.scalar.value;
  out->n = n->data.scalar.length;
  out->plain = n->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
  return true;
}

static const char *sdup(sp_sigma *s, yaml_node_t *n) {
  sg_scalar v;
  if (!scalar_of(n, &v))
    return NULL;
  return sg_strndup(&s->arena, v.p, v.n);
}

/* Scalar under key of a sub-map (logsource): the document's, else the
 * global part's. */
static const char *sub_str(sp_sigma *s, const ydoc *doc, const ydoc *glob,
                           const char *map, const char *key) {
  yaml_node_t *m = map_get(doc->d, doc->root, map);
  const char *v = sdup(s, map_get(doc->d, m, key));
  if (!v && glob && glob->root) {
    m = map_get(glob->d, glob->root, map);
    v = sdup(s, map_get(glob->d, m, key));
  }
  return v;
}

static int level_of(const char *l) {
  static const char *const names[] = {"informational", "low", "medium", "high",
                                      "critical"};
  for (int i = 0; l && i < 5; i++)
    if (strcmp(l, names[i]) == 0)
      return i;
  return -1;
}

static int status_of(const char *st) {
  static const char *const names[] = {"stable", "test", "experimental",
                                      "deprecated", "unsupported"};
  if (!st)
    return SG_ST_NONE;
  for (int i = 0; i < 5; i++)
    if (strcmp(st, names[i]) == 0)
      return i;
  return -1;
}

sp_sigma_entry *sg_report_add(sp_sigma *s, const char *path, const char *id,
                              const char *title, int state, const char *reason,
                              int correlation) {
  if (s->nreport == s->capreport) {
    size_t nc = s->capreport ? s->capreport * 2 : 256;
    sp_sigma_entry *nr = realloc(s->report, nc * sizeof *nr);
    if (!nr)
      return NULL;
    s->report = nr;
    s->capreport = nc;
  }
  sp_sigma_entry *e = &s->report[s->nreport++];
  *e = (sp_sigma_entry){path,
                        id ? id : "",
                        title ? title : "",
                        reason ? sg_strndup(&s->arena, reason, strlen(reason))
                               : "",
                        state,
                        correlation};
  if (!e->reason)
    e->reason = "";
  return e;
}

/* Tags to "T1059.001,T1027" and the first CVE. */
static void tags_of(sp_sigma *s, yaml_document_t *d, yaml_node_t *tags,
                    const char **tech, const char **cve) {
  char buf[512];
  size_t n = 0;
  *tech = "";
  *cve = "";
  if (!tags || tags->type != YAML_SEQUENCE_NODE)
    return;
  for (yaml_node_item_t *it = tags->data.sequence.items.start;
       it < tags->data.sequence.items.top; it++) {
    sg_scalar v;
    if (!scalar_of(yaml_document_get_node(d, *it), &v))
      continue;
    if (v.n > 8 && memcmp(v.p, "attack.t", 8) == 0 && v.p[8] >= '0' &&
        v.p[8] <= '9' && n + v.n + 2 < sizeof buf) {
      if (n)
        buf[n++] = ',';
      buf[n++] = 'T';
      memcpy(buf + n, v.p + 8, v.n - 8);
      n += v.n - 8;
    } else if (v.n > 4 && memcmp(v.p, "cve.", 4) == 0 && !**cve) {
      char c[64];
      int k = snprintf(c, sizeof c, "CVE-%.*s", (int)(v.n > 40 ? 40 : v.n - 4),
                       v.p + 4);
      char *d2 = sg_strndup(&s->arena, c, (size_t)k);
      if (d2)
        *cve = d2;
    }
  }
  char *t = sg_strndup(&s->arena, buf, n);
  if (t)
    *tech = t;
}

static bool push_rule(sp_sigma *s, sg_rule **out) {
  if (s->nrules >= SG_MAX_RULES)
    return false;
  if (s->nrules == s->caprules) {
    size_t nc = s->caprules ? s->caprules * 2 : 256;
    sg_rule *nr = realloc(s->rules, nc * sizeof *nr);
    if (!nr)
      return false;
    s->rules = nr;
    s->caprules = nc;
  }
  *out = &s->rules[s->nrules++];
  memset(*out, 0, sizeof **out);
  return true;
}

static sg_variant *push_var(sp_sigma *s) {
  if (s->nvars == s->capvars) {
    size_t nc = s->capvars ? s->capvars * 2 : 256;
    sg_variant *nv = realloc(s->vars, nc * sizeof *nv);
    if (!nv)
      return NULL;
    s->vars = nv;
    s->capvars = nc;
  }
  sg_variant *v = &s->vars[s->nvars++];
  memset(v, 0, sizeof *v);
  return v;
}

static const char *rename_field(const char *const *ren, const char *f,
                                size_t n) {
  for (size_t i = 0; ren && ren[i]; i += 2)
    if (strlen(ren[i]) == n && memcmp(ren[i], f, n) == 0)
      return ren[i + 1];
  return NULL;
}

/* Compile `key: value` of a selection map into an item. */
static bool compile_item(sp_sigma *s, yaml_document_t *d, yaml_node_t *k,
                         yaml_node_t *v, const char *const *ren, sg_item *it,
                         sg_cerr *e) {
  sg_scalar ks;
  if (!scalar_of(k, &ks)) {
    sg_fail(e, "selection key is not a string");
    return false;
  }
  const char *bar = memchr(ks.p, '|', ks.n);
  size_t fn = bar ? (size_t)(bar - ks.p) : ks.n;
  sg_mods m;
  if (bar && !sg_mods_parse(bar + 1, ks.n - fn - 1, &m, e))
    return false;
  if (!bar) {
    memset(&m, 0, sizeof m);
    m.cmp = -1;
    m.part = -1;
  }
  if (fn == 0) { /* keywords: searched anywhere, as a list of values is */
    if (!m.startswith && !m.endswith && !m.re && !m.cidr && m.cmp < 0 &&
        m.part < 0)
      m.contains = true;
    it->field = -1;
    it->fname = "";
  } else {
    const char *rn = rename_field(ren, ks.p, fn);
    it->fname = rn ? rn : sg_strndup(&s->arena, ks.p, fn);
    if (!it->fname) {
      sg_fail(e, "out of memory");
      return false;
    }
    it->field = sp_names_field(s->names, it->fname, strlen(it->fname));
    if (it->field < 0) {
      sg_fail(e, "bad field name '%.*s'", (int)(fn > 60 ? 60 : fn), ks.p);
      return false;
    }
  }
  it->all = m.all;
  size_t cap = 0;
  yaml_node_t *vals[1] = {v};
  yaml_node_item_t *b = NULL, *end = NULL;
  if (v && v->type == YAML_SEQUENCE_NODE) {
    b = v->data.sequence.items.start;
    end = v->data.sequence.items.top;
    if (b == end) {
      sg_fail(e, "empty value list for '%.*s'", (int)(fn > 60 ? 60 : fn), ks.p);
      return false;
    }
  }
  if (!vals_ahead(s, it, b ? (size_t)(end - b) : 1, &cap, e))
    return false;
  uint32_t grp = 0;
  for (size_t i = 0;; i++, grp++) {
    yaml_node_t *x;
    if (b) {
      if (b + i >= end)
        break;
      x = yaml_document_get_node(d, b[i]);
    } else {
      if (i > 0)
        break;
      x = vals[0];
    }
    sg_scalar sv;
    if (!x) {
      sv = (sg_scalar){"", 0, true};
    } else if (!scalar_of(x, &sv)) {
      sg_fail(e, "value of '%.*s' is not a scalar", (int)(fn > 60 ? 60 : fn),
              ks.p);
      return false;
    }
    size_t before = it->n;
    if (!sg_value_compile(s, &m, sv, &it->vals, &it->n, &cap, e))
      return false;
    for (size_t j = before; j < it->n; j++)
      it->vals[j].grp = grp;
  }
  if (it->field < 0) {
    for (size_t j = 0; j < it->n; j++)
      if (it->vals[j].type == SG_V_EXISTS || it->vals[j].type == SG_V_NULL ||
          it->vals[j].type == SG_V_FIELDREF) {
        sg_fail(e, "keyword with a field-only modifier or null");
        return false;
      }
  }
  return true;
}

static bool compile_map(sp_sigma *s, yaml_document_t *d, yaml_node_t *mn,
                        const char *const *ren, sg_map *out, sg_cerr *e) {
  size_t n =
      (size_t)(mn->data.mapping.pairs.top - mn->data.mapping.pairs.start);
  if (n == 0) {
    sg_fail(e, "empty selection");
    return false;
  }
  out->items = sg_alloc(&s->arena, n * sizeof *out->items);
  if (!out->items) {
    sg_fail(e, "out of memory");
    return false;
  }
  for (yaml_node_pair_t *p = mn->data.mapping.pairs.start;
       p < mn->data.mapping.pairs.top; p++) {
    yaml_node_t *k = yaml_document_get_node(d, p->key);
    yaml_node_t *v = yaml_document_get_node(d, p->value);
    if (v && v->type == YAML_MAPPING_NODE) {
      sg_fail(e, "nested map in a selection");
      return false;
    }
    if (!compile_item(s, d, k, v, ren, &out->items[out->n++], e))
      return false;
  }
  return true;
}

static bool compile_sel(sp_sigma *s, yaml_document_t *d, yaml_node_t *v,
                        const char *const *ren, sg_sel *sel, sg_cerr *e) {
  if (!v) {
    sg_fail(e, "empty selection");
    return false;
  }
  if (v->type == YAML_MAPPING_NODE) {
    sel->maps = sg_alloc(&s->arena, sizeof *sel->maps);
    sel->n = 1;
    return sel->maps ? compile_map(s, d, v, ren, sel->maps, e)
                     : (sg_fail(e, "out of memory"), false);
  }
  if (v->type == YAML_SCALAR_NODE) { /* one keyword */
    sel->maps = sg_alloc(&s->arena, sizeof *sel->maps);
    sg_item *it = sg_alloc(&s->arena, sizeof *it);
    if (!sel->maps || !it) {
      sg_fail(e, "out of memory");
      return false;
    }
    sel->n = 1;
    sel->maps->items = it;
    sel->maps->n = 1;
    it->field = -1;
    it->fname = "";
    sg_mods m = {.cmp = -1, .part = -1, .contains = true};
    sg_scalar sv;
    scalar_of(v, &sv);
    size_t cap;
    if (!vals_ahead(s, it, 1, &cap, e))
      return false;
    return sg_value_compile(s, &m, sv, &it->vals, &it->n, &cap, e);
  }
  yaml_node_item_t *b = v->data.sequence.items.start,
                   *end = v->data.sequence.items.top;
  size_t n = (size_t)(end - b);
  if (!n) {
    sg_fail(e, "empty selection");
    return false;
  }
  yaml_node_t *first = yaml_document_get_node(d, *b);
  if (first && first->type == YAML_MAPPING_NODE) { /* list of maps: OR */
    sel->maps = sg_alloc(&s->arena, n * sizeof *sel->maps);
    if (!sel->maps) {
      sg_fail(e, "out of memory");
      return false;
    }
    for (size_t i = 0; i < n; i++) {
      yaml_node_t *x = yaml_document_get_node(d, b[i]);
      if (!x || x->type != YAML_MAPPING_NODE) {
        sg_fail(e, "selection list mixes maps and values");
        return false;
      }
      if (!compile_map(s, d, x, ren, &sel->maps[sel->n++], e))
        return false;
    }
    return true;
  }
  /* keywords: any value anywhere in the event (implied contains) */
  sel->maps = sg_alloc(&s->arena, sizeof *sel->maps);
  sg_item *it = sg_alloc(&s->arena, sizeof *it);
  if (!sel->maps || !it) {
    sg_fail(e, "out of memory");
    return false;
  }
  sel->n = 1;
  sel->maps->items = it;
  sel->maps->n = 1;
  it->field = -1;
  it->fname = "";
  sg_mods m = {.cmp = -1, .part = -1, .contains = true};
  size_t cap;
  if (!vals_ahead(s, it, n, &cap, e))
    return false;
  for (size_t i = 0; i < n; i++) {
    sg_scalar sv;
    if (!scalar_of(yaml_document_get_node(d, b[i]), &sv)) {
      sg_fail(e, "selection list mixes maps and values");
      return false;
    }
    size_t before = it->n;
    if (!sg_value_compile(s, &m, sv, &it->vals, &it->n, &cap, e))
      return false;
    for (size_t j = before; j < it->n; j++)
      it->vals[j].grp = (uint32_t)i;
  }
  return true;
}

/* The selections of a detection (document first, then the global part's
 * names it lacks). */
typedef struct selsrc {
  const char *name;
  yaml_document_t *d;
  yaml_node_t *v;
} selsrc;

static size_t collect_sels(sp_sigma *s, const ydoc *doc, const ydoc *glob,
                           selsrc *out, size_t cap, yaml_node_t **cond,
                           yaml_document_t **cond_doc, sg_cerr *e) {
  size_t n = 0;
  *cond = NULL;
  const ydoc *srcs[2] = {doc, glob};
  for (int k = 0; k < 2; k++) {
    if (!srcs[k] || !srcs[k]->root)
      continue;
    yaml_document_t *d = srcs[k]->d;
    yaml_node_t *det = map_get(d, srcs[k]->root, "detection");
    if (!det)
      continue;
    if (det->type != YAML_MAPPING_NODE) {
      sg_fail(e, "detection is not a map");
      return 0;
    }
    for (yaml_node_pair_t *p = det->data.mapping.pairs.start;
         p < det->data.mapping.pairs.top; p++) {
      sg_scalar ks;
      if (!scalar_of(yaml_document_get_node(d, p->key), &ks))
        continue;
      yaml_node_t *v = yaml_document_get_node(d, p->value);
      if (ks.n == 9 && memcmp(ks.p, "condition", 9) == 0) {
        if (!*cond) {
          *cond = v;
          *cond_doc = d;
        }
        continue;
      }
      if (ks.n == 9 && memcmp(ks.p, "timeframe", 9) == 0)
        continue;
      bool dup = false;
      for (size_t i = 0; i < n; i++)
        dup |=
            strlen(out[i].name) == ks.n && memcmp(out[i].name, ks.p, ks.n) == 0;
      if (dup)
        continue;
      if (n >= cap) {
        sg_fail(e, "too many selections (over %d)", SG_MAX_SELS);
        return 0;
      }
      out[n].name = sg_strndup(&s->arena, ks.p, ks.n);
      out[n].d = d;
      out[n].v = v;
      n++;
    }
  }
  return n;
}

static void compile_correlation(sp_sigma *s, const char *path, const ydoc *doc,
                                yaml_node_t *cn, sg_rule *r);

void sg_compile_doc(sp_sigma *s, const char *path, yaml_document_t *d,
                    yaml_document_t *global) {
  s->rule_values = 0;
  ydoc doc = {d, yaml_document_get_root_node(d)};
  ydoc glob = {global, global ? yaml_document_get_root_node(global) : NULL};
  const ydoc *g = global ? &glob : NULL;
  if (!doc.root)
    return; /* an empty document (a trailing ---) */
  if (doc.root->type != YAML_MAPPING_NODE) {
    sg_report_add(s, path, "", "", SG_FAILED, "document is not a map", 0);
    return;
  }
  yaml_document_t *w;
  const char *id = sdup(s, rget(&doc, g, "id", &w));
  const char *title = sdup(s, rget(&doc, g, "title", &w));
  yaml_node_t *corr = map_get(d, doc.root, "correlation");
  sg_cerr e = {0};
  char why[300];
  if (!title)
    sg_fail(&e, "missing title");
  const char *lv = sdup(s, rget(&doc, g, "level", &w));
  int level = lv ? level_of(lv) : SP_LEVEL_MEDIUM;
  if (level < 0)
    sg_fail(&e, "unknown level '%.60s'", lv);
  const char *st = sdup(s, rget(&doc, g, "status", &w));
  int status = status_of(st);
  if (status < 0)
    sg_fail(&e, "unknown status '%.60s'", st);
  if (e.set) {
    sg_report_add(s, path, id, title, SG_FAILED, e.msg, corr != NULL);
    return;
  }
  if (!((s->status_mask >> status) & 1)) {
    snprintf(why, sizeof why, "status %s not selected", st ? st : "(none)");
    sg_report_add(s, path, id, title, SG_FILTERED, why, corr != NULL);
    return;
  }
  if (level < s->min_level) {
    snprintf(why, sizeof why, "level %s below the minimum", lv);
    sg_report_add(s, path, id, title, SG_FILTERED, why, corr != NULL);
    return;
  }
  size_t mark_rules = s->nrules, mark_vars = s->nvars;
  sg_rule *r;
  if (!push_rule(s, &r)) {
    sg_report_add(s, path, id, title, SG_FAILED,
                  "rule limit reached or out of memory", corr != NULL);
    return;
  }
  r->path = path;
  r->generates = true;
  r->name = sdup(s, rget(&doc, g, "name", &w));
  char idbuf[300];
  if (!id) { /* no id: the file and title stand in */
    snprintf(idbuf, sizeof idbuf, "sigma:%s", title);
    id = sg_strndup(&s->arena, idbuf, strlen(idbuf));
  }
  r->meta.id = id;
  r->meta.name = title;
  r->meta.ruleset = "sigma";
  r->meta.level = (sp_level)level;
  const char *author = sdup(s, rget(&doc, g, "author", &w));
  r->meta.author = author ? author : "";
  const char *desc = sdup(s, rget(&doc, g, "description", &w));
  r->meta.description = desc ? desc : "";
  yaml_node_t *refs = rget(&doc, g, "references", &w);
  r->meta.reference = "";
  if (refs && refs->type == YAML_SEQUENCE_NODE &&
      refs->data.sequence.items.start < refs->data.sequence.items.top) {
    const char *u =
        sdup(s, yaml_document_get_node(w, *refs->data.sequence.items.start));
    if (u)
      r->meta.reference = u;
  }
  yaml_node_t *tags = rget(&doc, g, "tags", &w);
  tags_of(s, w, tags, &r->meta.techniques, &r->meta.cve);
  if (!r->meta.id || !r->meta.name || !r->meta.techniques) {
    s->nrules = mark_rules;
    sg_report_add(s, path, id, title, SG_FAILED, "out of memory", 0);
    return;
  }
  r->report = s->nreport;
  if (corr) {
    compile_correlation(s, path, &doc, corr, r);
    return;
  }
  /* Log source. */
  const char *product = sub_str(s, &doc, g, "logsource", "product");
  const char *category = sub_str(s, &doc, g, "logsource", "category");
  const char *service = sub_str(s, &doc, g, "logsource", "service");
  const sg_logsource *ls[32];
  size_t nls = sg_logsource_find(product, category, service, ls, 32);
  if (!nls) {
    snprintf(why, sizeof why,
             "unsupported log source (product=%.40s category=%.40s "
             "service=%.40s)",
             product ? product : "-", category ? category : "-",
             service ? service : "-");
    sg_fail(&e, "%s", why);
  }
  selsrc sels[SG_MAX_SELS];
  yaml_node_t *cond = NULL;
  yaml_document_t *cond_doc = NULL;
  size_t nsel =
      e.set ? 0
            : collect_sels(s, &doc, g, sels, SG_MAX_SELS, &cond, &cond_doc, &e);
  if (!e.set && !cond)
    sg_fail(&e, "missing condition");
  if (!e.set && !nsel)
    sg_fail(&e, "no selection");
  /* Condition. */
  const char *names[SG_MAX_SELS];
  for (size_t i = 0; i < nsel; i++)
    names[i] = sels[i].name;
  if (!e.set) {
    sg_scalar cs;
    if (scalar_of(cond, &cs)) {
      sg_cond_parse(&s->arena, cs.p, cs.n, names, nsel, &r->cond, &r->ncond,
                    &r->root, &e);
    } else if (cond->type == YAML_SEQUENCE_NODE) {
      int acc = -1;
      for (yaml_node_item_t *it = cond->data.sequence.items.start;
           !e.set && it < cond->data.sequence.items.top; it++) {
        int root;
        if (!scalar_of(yaml_document_get_node(cond_doc, *it), &cs)) {
          sg_fail(&e, "bad condition: not a string");
          break;
        }
        if (!sg_cond_parse(&s->arena, cs.p, cs.n, names, nsel, &r->cond,
                           &r->ncond, &root, &e))
          break;
        if (acc < 0) {
          acc = root;
        } else { /* OR the roots: one more node */
          sg_cond *nn = sg_alloc(&s->arena, (r->ncond + 1) * sizeof *nn);
          if (!nn) {
            sg_fail(&e, "out of memory");
            break;
          }
          memcpy(nn, r->cond, r->ncond * sizeof *nn);
          nn[r->ncond] = (sg_cond){SG_C_OR, acc, root};
          acc = (int)r->ncond++;
          r->cond = nn;
        }
      }
      r->root = acc;
      if (!e.set && acc < 0)
        sg_fail(&e, "bad condition: empty list");
    } else {
      sg_fail(&e, "bad condition: not a string");
    }
  }
  /* Selections, once per distinct rename table. */
  const char *const *done_ren[32];
  sg_sel *done_sels[32];
  size_t ndone = 0;
  for (size_t l = 0; !e.set && l < nls; l++) {
    sg_sel *compiled = NULL;
    for (size_t k = 0; k < ndone; k++)
      if (done_ren[k] == ls[l]->renames)
        compiled = done_sels[k];
    if (!compiled) {
      compiled = sg_alloc(&s->arena, nsel * sizeof *compiled);
      if (!compiled) {
        sg_fail(&e, "out of memory");
        break;
      }
      for (size_t i = 0; !e.set && i < nsel; i++)
        compile_sel(s, sels[i].d, sels[i].v, ls[l]->renames, &compiled[i], &e);
      if (e.set) {
        char tmp[256];
        snprintf(tmp, sizeof tmp, "%s", e.msg);
        e.set = false;
        e.msg[0] = 0;
        sg_fail(&e, "%s", tmp);
        break;
      }
      done_ren[ndone] = ls[l]->renames;
      done_sels[ndone++] = compiled;
    }
    sg_variant *v = push_var(s);
    if (!v) {
      sg_fail(&e, "out of memory");
      break;
    }
    v->rule = (uint32_t)(r - s->rules);
    v->ls = ls[l];
    v->sels = compiled;
    v->nsel = nsel;
    v->cond_field = -1;
    if (ls[l]->cond_field) {
      v->cond_field = sp_names_field(s->names, ls[l]->cond_field,
                                     strlen(ls[l]->cond_field));
      if (!sg_pat_compile(&s->arena, ls[l]->cond_value,
                          strlen(ls[l]->cond_value), false, false, false, false,
                          &v->cond_value))
        sg_fail(&e, "out of memory");
    }
  }
  if (nsel > s->max_sels)
    s->max_sels = nsel;
  if (e.set) {
    s->nrules = mark_rules;
    s->nvars = mark_vars;
    sg_report_add(s, path, id, title, SG_FAILED, e.msg, 0);
    return;
  }
  sg_report_add(s, path, id, title, SG_LOADED, NULL, 0);
}

/* "1h", "30m", "10s", "2d", "1w" to ns; -1 when bad. */
static int64_t timespan_ns(const char *t) {
  if (!t)
    return -1;
  char *end;
  long long v = strtoll(t, &end, 10);
  if (end == t || v <= 0 || v > 100000000)
    return -1;
  int64_t unit = *end == 's'   ? 1
                 : *end == 'm' ? 60
                 : *end == 'h' ? 3600
                 : *end == 'd' ? 86400
                 : *end == 'w' ? 604800
                               : -1;
  if (unit < 0 || end[1])
    return -1;
  return (int64_t)v * unit * 1000000000LL;
}

static const char **str_list(sp_sigma *s, yaml_document_t *d, yaml_node_t *n,
                             size_t *count) {
  *count = 0;
  if (!n)
    return NULL;
  if (n->type == YAML_SCALAR_NODE) {
    const char **o = sg_alloc(&s->arena, sizeof *o);
    if (o && (o[0] = sdup(s, n)))
      *count = 1;
    return o;
  }
  if (n->type != YAML_SEQUENCE_NODE)
    return NULL;
  size_t k =
      (size_t)(n->data.sequence.items.top - n->data.sequence.items.start);
  const char **o = sg_alloc(&s->arena, (k ? k : 1) * sizeof *o);
  if (!o)
    return NULL;
  for (size_t i = 0; i < k; i++) {
    o[*count] =
        sdup(s, yaml_document_get_node(d, n->data.sequence.items.start[i]));
    if (o[*count])
      (*count)++;
  }
  return o;
}

static void compile_correlation(sp_sigma *s, const char *path, const ydoc *doc,
                                yaml_node_t *cn, sg_rule *r) {
  sg_cerr e = {0};
  yaml_document_t *d = doc->d;
  sg_corr *c = sg_alloc(&s->arena, sizeof *c);
  if (!c)
    sg_fail(&e, "out of memory");
  const char *type = e.set ? NULL : sdup(s, map_get(d, cn, "type"));
  if (!e.set) {
    if (!type)
      sg_fail(&e, "correlation without type");
    else if (!strcmp(type, "event_count"))
      c->type = SG_CORR_EVENT_COUNT;
    else if (!strcmp(type, "value_count"))
      c->type = SG_CORR_VALUE_COUNT;
    else if (!strcmp(type, "temporal"))
      c->type = SG_CORR_TEMPORAL;
    else if (!strcmp(type, "temporal_ordered"))
      c->type = SG_CORR_TEMPORAL_ORDERED;
    else
      sg_fail(&e, "unsupported correlation type '%.40s'", type);
  }
  if (!e.set) {
    c->refs = str_list(s, d, map_get(d, cn, "rules"), &c->nref);
    if (!c->nref)
      sg_fail(&e, "correlation without rules");
    c->group = str_list(s, d, map_get(d, cn, "group-by"), &c->ngroup);
    c->timespan_ns = timespan_ns(sdup(s, map_get(d, cn, "timespan")));
    if (c->timespan_ns < 0)
      c->timespan_ns = timespan_ns(sdup(s, map_get(d, cn, "timeframe")));
    if (c->timespan_ns < 0)
      sg_fail(&e, "correlation without a valid timespan");
    if (map_get(d, cn, "aliases"))
      sg_fail(&e, "unsupported: correlation aliases");
    c->ref_rules = sg_alloc(&s->arena, (c->nref + 1) * sizeof *c->ref_rules);
    c->group_fields =
        sg_alloc(&s->arena, (c->ngroup + 1) * sizeof *c->group_fields);
    if (!c->ref_rules || !c->group_fields)
      sg_fail(&e, "out of memory");
    for (size_t i = 0; !e.set && i < c->ngroup; i++)
      c->group_fields[i] =
          sp_names_field(s->names, c->group[i], strlen(c->group[i]));
  }
  yaml_node_t *cond = e.set ? NULL : map_get(d, cn, "condition");
  int ncmp = 0;
  if (!e.set && cond && cond->type == YAML_MAPPING_NODE) {
    for (yaml_node_pair_t *p = cond->data.mapping.pairs.start;
         !e.set && p < cond->data.mapping.pairs.top; p++) {
      sg_scalar k, v;
      if (!scalar_of(yaml_document_get_node(d, p->key), &k) ||
          !scalar_of(yaml_document_get_node(d, p->value), &v)) {
        sg_fail(&e, "bad correlation condition");
        break;
      }
      if (k.n == 5 && !memcmp(k.p, "field", 5)) {
        c->vfield = sg_strndup(&s->arena, v.p, v.n);
        c->vfield_id = sp_names_field(s->names, v.p, v.n);
        continue;
      }
      int cmp = k.n == 2 && !memcmp(k.p, "gt", 2)    ? SG_CMP_GT
                : k.n == 3 && !memcmp(k.p, "gte", 3) ? SG_CMP_GTE
                : k.n == 2 && !memcmp(k.p, "lt", 2)  ? SG_CMP_LT
                : k.n == 3 && !memcmp(k.p, "lte", 3) ? SG_CMP_LTE
                : k.n == 2 && !memcmp(k.p, "eq", 2)  ? SG_CMP_EQ
                                                     : -1;
      char buf[32];
      char *end;
      long long x = 0;
      if (v.n && v.n < sizeof buf) {
        memcpy(buf, v.p, v.n);
        buf[v.n] = 0;
        x = strtoll(buf, &end, 10);
      }
      if (cmp < 0 || !v.n || v.n >= sizeof buf || *end) {
        sg_fail(&e, "bad correlation condition '%.*s'",
                (int)(k.n > 20 ? 20 : k.n), k.p);
        break;
      }
      if (ncmp == 0) {
        c->cmp_lo = (uint8_t)cmp;
        c->lo = x;
      } else if (ncmp == 1) {
        c->cmp_hi = (uint8_t)cmp;
        c->hi = x;
        c->has_hi = true;
      } else {
        sg_fail(&e, "too many comparisons in correlation condition");
      }
      ncmp++;
    }
  } else if (!e.set && cond) {
    sg_fail(&e, "bad correlation condition");
  }
  if (!e.set && !ncmp) {
    if (c->type == SG_CORR_TEMPORAL || c->type == SG_CORR_TEMPORAL_ORDERED) {
      c->cmp_lo = SG_CMP_GTE; /* every referenced rule */
      c->lo = (int64_t)c->nref;
    } else {
      sg_fail(&e, "correlation without condition");
    }
  }
  if (!e.set && c->type == SG_CORR_VALUE_COUNT && !c->vfield)
    sg_fail(&e, "value_count without condition field");
  if (e.set) {
    s->nrules--;
    sg_report_add(s, path, r->meta.id, r->meta.name, SG_FAILED, e.msg, 1);
    return;
  }
  yaml_node_t *gen = map_get(d, cn, "generate");
  sg_scalar gs;
  r->generates = false;
  r->corr = c;
  if (scalar_of(gen, &gs) && gs.n == 4 && !memcmp(gs.p, "true", 4))
    r->corr_generate = true;
  sg_report_add(s, path, r->meta.id, r->meta.name, SG_LOADED, NULL, 1);
}
