/*
 * sigma_prefilter.c - one multi-pattern matcher per event field, so that
 * the cost of an event grows with the fields it has, not with the rules
 * loaded.
 *
 * Every literal string value of every compiled rule (exact, prefix,
 * suffix and contains forms: most Sigma values) gets a pattern id (pid);
 * the values testing one field go into one Hyperscan block-mode literal
 * database (caseless unless `cased`). The match callback checks the
 * anchors from the match's end offset and the literal's length (prefix:
 * ends at its length; suffix: ends at the value's end; exact: both). Per
 * event the
 * matcher scans each field value once with its field's database and stamps
 * the pids that matched; a value with a pid is then a lookup
 * (sigma_match.c). Keyword values (no field) go into one more database
 * that scans every value of the event. Glob, regex, numeric, CIDR and other
 * values are tested directly, as before.
 *
 * Owns the databases (freed by sg_prefilter_free). The scratch space is
 * per worker (sp_sigma_mctx).
 */
#include "sigma/sigma_int.h"

#include <hs/hs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct pfe {
  int field;
  uint32_t pid;
  bool caseless;
  const char *lit; /* the value's literal (arena) */
  size_t len;
  sg_val *val;
} pfe;

typedef struct pfl {
  pfe *v;
  size_t n, cap;
  bool oom;
} pfl;

static bool has_alpha(const char *p, size_t n) {
  for (size_t i = 0; i < n; i++)
    if ((p[i] | 0x20) >= 'a' && (p[i] | 0x20) <= 'z')
      return true;
  return false;
}

static void add(sp_sigma *s, pfl *l, int field, sg_val *v) {
  if (v->pid || v->type != SG_V_STR || v->cmp == SG_CMP_NEQ ||
      v->pat.kind == SG_P_GLOB || v->pat.n == 0)
    return;
  if (l->n == l->cap) {
    size_t nc = l->cap ? l->cap * 2 : 1024;
    pfe *nv = realloc(l->v, nc * sizeof *nv);
    if (!nv) {
      l->oom = true;
      return;
    }
    l->v = nv;
    l->cap = nc;
  }
  v->pid = ++s->npids;
  /* a cased literal without letters is the same pattern caseless */
  bool caseless = !v->pat.cased || !has_alpha(v->pat.lit, v->pat.n);
  l->v[l->n++] = (pfe){field, v->pid, caseless, v->pat.lit, v->pat.n, v};
}

/* Order: field, then the pattern (case flag, length, bytes), so equal
 * patterns of a field are neighbours. */
static int pfe_cmp(const void *a, const void *b) {
  const pfe *x = a, *y = b;
  if (x->field != y->field)
    return x->field < y->field ? -1 : 1;
  if (x->caseless != y->caseless)
    return x->caseless ? 1 : -1;
  if (x->len != y->len)
    return x->len < y->len ? -1 : 1;
  int c = memcmp(x->lit, y->lit, x->len);
  if (c)
    return c;
  return x->pid < y->pid ? -1 : x->pid > y->pid;
}

static bool same_pat(const pfe *x, const pfe *y) {
  return x->field == y->field && x->caseless == y->caseless &&
         x->len == y->len && !memcmp(x->lit, y->lit, x->len);
}

static sp_err build_gates(sp_sigma *s);

/* Compile one field's database from the distinct patterns v[i..j) (pids
 * sorted so that equal patterns are neighbours): one Hyperscan literal per
 * distinct pattern, its id the pattern index (pf_fan_off). */
static sp_err compile_field(sp_sigma *s, pfe *v, size_t i, size_t j,
                            const char **ex, unsigned *fl, unsigned *ids,
                            size_t *lens) {
  size_t np = 0;
  for (size_t k = i; k < j;) {
    size_t e = k;
    bool single = true; /* contains and prefix: the first match decides;
                           suffix and exact need the one that ends the value */
    for (; e < j && same_pat(&v[k], &v[e]); e++) {
      uint8_t kind = v[e].val->pat.kind;
      single &= kind == SG_P_CONTAINS || kind == SG_P_PREFIX;
      s->pf_fan[s->pf_fan_off[s->npats] + (e - k)] = v[e].pid;
    }
    ex[np] = v[k].lit;
    lens[np] = v[k].len;
    fl[np] = (single ? HS_FLAG_SINGLEMATCH : 0u) |
             (v[k].caseless ? HS_FLAG_CASELESS : 0u);
    ids[np] = s->npats;
    np++;
    s->pf_fan_off[s->npats + 1] = s->pf_fan_off[s->npats] + (uint32_t)(e - k);
    s->npats++;
    k = e;
  }
  hs_database_t *db = NULL;
  hs_compile_error_t *ce = NULL;
  if (hs_compile_lit_multi(ex, fl, ids, lens, (unsigned)np, HS_MODE_BLOCK, NULL,
                           &db, &ce) != HS_SUCCESS) {
    /* cannot happen for literals; leave these values to the direct test */
    hs_free_compile_error(ce);
    for (size_t k = i; k < j; k++)
      v[k].val->pid = 0;
    return SP_OK;
  }
  if (v[i].field < 0)
    s->pf_any = db; /* keywords: scanned over every value */
  else
    s->pf_db[v[i].field] = db;
  return SP_OK;
}

sp_err sg_prefilter_build(sp_sigma *s) {
  pfl l = {0};
  int maxf = -1;
  for (size_t i = 0; i < s->nvars; i++) {
    const sg_variant *var = &s->vars[i];
    for (size_t j = 0; j < var->nsel; j++)
      for (size_t k = 0; k < var->sels[j].n; k++) {
        const sg_map *mp = &var->sels[j].maps[k];
        for (size_t q = 0; q < mp->n; q++) {
          sg_item *it = &mp->items[q];
          for (size_t z = 0; z < it->n; z++)
            add(s, &l, it->field, &it->vals[z]);
          if (it->field > maxf)
            maxf = it->field;
        }
      }
  }
  sp_err err = l.oom ? SP_ENOMEM : SP_OK;
  if (!err && l.n) {
    qsort(l.v, l.n, sizeof *l.v, pfe_cmp);
    s->pf_nslots = (size_t)maxf + 1; /* keywords (-1) have pf_any */
    s->pf_db = calloc(s->pf_nslots ? s->pf_nslots : 1, sizeof *s->pf_db);
    if (!s->pf_db)
      err = SP_ENOMEM;
  }
  const char **ex = NULL;
  unsigned *fl = NULL, *ids = NULL;
  size_t *lens = NULL;
  if (!err && l.n) {
    ex = malloc(l.n * sizeof *ex);
    fl = malloc(l.n * sizeof *fl);
    ids = malloc(l.n * sizeof *ids);
    lens = malloc(l.n * sizeof *lens);
    s->pf_kind = calloc((size_t)s->npids + 1, 1);
    s->pf_len = calloc((size_t)s->npids + 1, sizeof *s->pf_len);
    s->pf_fan_off = calloc(l.n + 1, sizeof *s->pf_fan_off);
    s->pf_fan = malloc(l.n * sizeof *s->pf_fan);
    if (!ex || !fl || !ids || !lens || !s->pf_kind || !s->pf_len ||
        !s->pf_fan_off || !s->pf_fan)
      err = SP_ENOMEM;
  }
  for (size_t i = 0; !err && i < l.n; i++) {
    s->pf_kind[l.v[i].pid] = l.v[i].val->pat.kind;
    s->pf_len[l.v[i].pid] = (uint32_t)l.v[i].len;
  }
  for (size_t i = 0; !err && i < l.n;) {
    size_t j = i;
    while (j < l.n && l.v[j].field == l.v[i].field)
      j++;
    err = compile_field(s, l.v, i, j, ex, fl, ids, lens);
    i = j;
  }
  /* Items whose every value has a pid are decided by counting the hits:
   * an iid per item, a slot per (item, written value). */
  if (!err && s->npids) {
    s->pf_item = calloc((size_t)s->npids + 1, sizeof *s->pf_item);
    s->pf_gslot = calloc((size_t)s->npids + 1, sizeof *s->pf_gslot);
    if (!s->pf_item || !s->pf_gslot)
      err = SP_ENOMEM;
  }
  for (size_t i = 0; !err && s->npids && i < s->nvars; i++) {
    const sg_variant *var = &s->vars[i];
    for (size_t j = 0; j < var->nsel; j++)
      for (size_t k = 0; k < var->sels[j].n; k++) {
        const sg_map *mp = &var->sels[j].maps[k];
        for (size_t q = 0; q < mp->n; q++) {
          sg_item *it = &mp->items[q];
          if (it->iid || !it->n)
            continue;
          bool all_pid = true;
          for (size_t z = 0; z < it->n; z++)
            all_pid &= it->vals[z].pid != 0;
          if (!all_pid)
            continue;
          it->iid = ++s->niids;
          it->ngroups = it->vals[it->n - 1].grp + 1;
          for (size_t z = 0; z < it->n; z++) {
            s->pf_item[it->vals[z].pid] = it->iid;
            s->pf_gslot[it->vals[z].pid] = s->ngslots + 1 + it->vals[z].grp;
          }
          s->ngslots += it->ngroups;
        }
      }
  }
  if (!err)
    err = build_gates(s);
  if (err) /* no prefilter at all: every value is tested directly */
    for (size_t i = 0; i < l.n; i++)
      l.v[i].val->pid = 0;
  free(ex);
  free(fl);
  free(ids);
  free(lens);
  free(l.v);
  return err;
}

/* The gate of a condition node: items one of which is hit whenever the
 * node is true (out[0..*n)), or false when there is none to name. */
#define SG_GATE_MAX 32
static bool gate(const sg_variant *v, const sg_cond *c, int node, uint32_t *out,
                 size_t *n, int depth) {
  if (depth > 64)
    return false;
  const sg_cond *x = &c[node];
  switch (x->op) {
  case SG_C_SEL: {
    const sg_sel *sel = &v->sels[x->a];
    for (size_t k = 0; k < sel->n; k++) { /* every map must name one */
      uint32_t pick = 0;
      for (size_t q = 0; q < sel->maps[k].n && !pick; q++)
        pick = sel->maps[k].items[q].iid;
      if (!pick || *n >= SG_GATE_MAX)
        return false;
      out[(*n)++] = pick;
    }
    return sel->n > 0;
  }
  case SG_C_AND: {
    size_t save = *n;
    if (gate(v, c, x->a, out, n, depth + 1))
      return true;
    *n = save;
    return gate(v, c, x->b, out, n, depth + 1);
  }
  case SG_C_OR:
    return gate(v, c, x->a, out, n, depth + 1) &&
           gate(v, c, x->b, out, n, depth + 1);
  default:
    return false;
  }
}

static sp_err build_gates(sp_sigma *s) {
  s->var_gated = calloc(s->nvars ? s->nvars : 1, 1);
  s->iid_var_off = calloc((size_t)s->niids + 2, sizeof *s->iid_var_off);
  if (!s->var_gated || !s->iid_var_off)
    return SP_ENOMEM;
  uint32_t g[SG_GATE_MAX];
  for (int pass = 0; pass < 2; pass++) {
    for (size_t i = 0; i < s->nvars; i++) {
      const sg_variant *v = &s->vars[i];
      const sg_rule *r = &s->rules[v->rule];
      size_t n = 0;
      if (!gate(v, r->cond, r->root, g, &n, 0))
        continue;
      s->var_gated[i] = 1;
      for (size_t k = 0; k < n; k++) {
        if (pass == 0)
          s->iid_var_off[g[k] + 1]++;
        else
          s->iid_vars[s->iid_var_off[g[k]]++] = (uint32_t)i;
      }
    }
    if (pass == 0) {
      for (size_t k = 1; k <= (size_t)s->niids + 1; k++)
        s->iid_var_off[k] += s->iid_var_off[k - 1];
      size_t total = s->iid_var_off[s->niids + 1];
      s->iid_vars = malloc((total ? total : 1) * sizeof *s->iid_vars);
      if (!s->iid_vars)
        return SP_ENOMEM;
    }
  }
  /* pass 1 advanced each start to the next one's: shift back */
  for (size_t k = (size_t)s->niids + 1; k > 0; k--)
    s->iid_var_off[k] = s->iid_var_off[k - 1];
  s->iid_var_off[0] = 0;
  return SP_OK;
}

void sg_prefilter_free(sp_sigma *s) {
  free(s->var_gated);
  free(s->iid_var_off);
  free(s->iid_vars);
  for (size_t i = 0; s->pf_db && i < s->pf_nslots; i++)
    hs_free_database(s->pf_db[i]);
  hs_free_database(s->pf_any);
  s->pf_any = NULL;
  free(s->pf_db);
  free(s->pf_kind);
  free(s->pf_len);
  free(s->pf_item);
  free(s->pf_gslot);
  free(s->pf_fan_off);
  free(s->pf_fan);
  s->pf_db = NULL;
}
