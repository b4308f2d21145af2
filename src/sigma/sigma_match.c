/*
 * sigma_match.c - matching events against a compiled Sigma set.
 *
 * An event is tested only against the variants of its log source: the
 * index buckets for (kind, Channel, EventID), (kind, Channel, any) and
 * (kind, any), found through a small cache by that key with the fields
 * they scan and their keyword matchers. One pass over the event's values
 * runs the prefilter (sigma_prefilter.c: the field matchers, the keyword
 * matchers over the values joined by 0 bytes, an index of the fields'
 * first values) and wakes the gated variants whose gate items were hit;
 * then each bucket runs its ungated variants and those woken. Each
 * variant's condition is evaluated with short-circuit;
 * a selection is evaluated at most once per variant (memo). String values
 * compare against a folded (ASCII lower-case) copy of the event value, made
 * once per value per event and cached in the worker's context (sp_sigma_mctx),
 * so a value tested by a thousand rules is folded once.
 *
 * Regexes run with a PCRE2 match limit; a regex that hits it counts as no
 * match and is counted (sp_sigma_mctx_regex_limits, reported by the detector
 * as the limit "sigma.regex_limit").
 */
#include "core/timeutil.h"
#include "sigma/sigma_int.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define SG_RE_MATCH_LIMIT 1000000

/* The buckets of a (kind, Channel, EventID) and what they scan. */
#define SG_NCK_BITS 7
#define SG_NCK (1 << SG_NCK_BITS)
typedef struct sg_ck {
  bool valid;
  int kind, eid;
  size_t chn;
  char ch[64];
  const sg_bucket *b[3];
  const sg_lm *kw[3]; /* their keyword matchers */
  size_t nkw;
  bool kwjoin;    /* every one joinable */
  uint8_t *fmask; /* pf_nslots + 1 bytes: the bk_fmask rows or-ed */
} sg_ck;

#define VC_SLOTS 2048u
#define VC_MAXLEN 192u
#define VC_MAXHITS 64u /* command lines hit 20 to 50 literals */

typedef struct vc_hit {
  uint32_t pat;
  uint16_t to; /* <= VC_MAXLEN */
  uint8_t any;
} vc_hit;

struct vc_ent {
  const sg_lm *lm; /* NULL: empty */
  uint64_t h;
  uint32_t n;
  uint32_t nhits;
  char val[VC_MAXLEN];
  vc_hit hits[VC_MAXHITS];
};

struct sp_sigma_mctx {
  const sp_sigma *s;
  pcre2_match_data *md;
  pcre2_match_context *mc;
  int8_t *memo;
  size_t nmemo;
  char *lbuf;
  size_t lcap, lused;
  uint32_t *lepoch, *loff, *llen;
  size_t nslots;
  uint32_t epoch;
  uint64_t regex_limits;
  uint64_t evals;     /* variants evaluated */
  uint32_t *hit;      /* by pid: the epoch of the event that matched */
  uint32_t *pat_seen; /* by pattern: the epoch it was found anywhere in */
  /* the value cache (scan_field): a field matcher's hits on a value, kept
   * by (matcher, value) since logs repeat values (providers, accounts,
   * images); seen2/epoch2: the scratch "found anywhere" marks of a scan
   * made for the cache */
  struct vc_ent *vc;
  vc_hit *cap; /* the hits of the scan being captured */
  size_t ncap, capcap;
  bool cap_oom;
  uint32_t *seen2;
  uint32_t epoch2;
  size_t scan_len;                 /* length of the value being scanned */
  uint32_t *item_epoch, *item_cnt; /* by iid: written values hit */
  uint32_t *gslot_epoch;           /* by (item, written value) slot */
  uint32_t *gid_epoch;             /* by gid: one of its values was hit */
  uint32_t *gm_epoch, *gm_cnt;     /* by gate map: its gate items hit */
  uint32_t *cand_epoch;            /* by variant: a gate item was hit */
  uint32_t *cands;                 /* the variants woken for this event */
  size_t ncands;
  /* the buckets of recent events' (kind, Channel, EventID) and the fields
   * they scan */
  sg_ck ck[SG_NCK];            /* a 2-way cache by that key */
  const sg_ck *cur;            /* the current event's */
  uint32_t *fidx, *fidx_epoch; /* by field id < pf_nslots: the index in
                                  ev->vals of its first value this event */
  uint32_t fidx_ok;            /* the epoch fidx was filled in */
  uint32_t *row_epoch;         /* by bucket row: the epoch of an event in it */
  char *kwbuf;                 /* the event's values, joined by 0 bytes */
  size_t kwlen, kwcap;
  uint8_t *fmask;
  const char *mfield; /* the first item that matched */
  sp_str mval;
};

sp_err sp_sigma_mctx_create(const sp_sigma *s, sp_sigma_mctx **out) {
  *out = NULL;
  sp_sigma_mctx *m = calloc(1, sizeof *m);
  if (!m)
    return SP_ENOMEM;
  m->s = s;
  m->md = pcre2_match_data_create(1, NULL);
  m->mc = pcre2_match_context_create(NULL);
  m->nmemo = s->max_sels ? s->max_sels : 1;
  m->memo = calloc(m->nmemo, 1);
  m->nslots = SP_F__COUNT + 256;
  m->lepoch = calloc(m->nslots, sizeof *m->lepoch);
  m->loff = calloc(m->nslots, sizeof *m->loff);
  m->llen = calloc(m->nslots, sizeof *m->llen);
  if (!m->md || !m->mc || !m->memo || !m->lepoch || !m->loff || !m->llen) {
    sp_sigma_mctx_destroy(m);
    return SP_ENOMEM;
  }
  m->hit = calloc((size_t)s->npids + 1, sizeof *m->hit);
  m->item_epoch = calloc((size_t)s->niids + 1, sizeof *m->item_epoch);
  m->item_cnt = calloc((size_t)s->niids + 1, sizeof *m->item_cnt);
  m->cand_epoch = calloc(s->nvars + 1, sizeof *m->cand_epoch);
  m->cands = calloc(s->nvars + 1, sizeof *m->cands);
  m->gslot_epoch = calloc((size_t)s->ngslots + 1, sizeof *m->gslot_epoch);
  m->fmask = calloc(SG_NCK * (s->pf_nslots + 1), 1);
  m->fidx = calloc(s->pf_nslots + 1, sizeof *m->fidx);
  m->row_epoch = calloc(s->bk_nrows + 1, sizeof *m->row_epoch);
  m->fidx_epoch = calloc(s->pf_nslots + 1, sizeof *m->fidx_epoch);
  m->gid_epoch = calloc((size_t)s->ngids + 1, sizeof *m->gid_epoch);
  m->gm_epoch = calloc((size_t)s->ngms + 1, sizeof *m->gm_epoch);
  m->gm_cnt = calloc((size_t)s->ngms + 1, sizeof *m->gm_cnt);
  m->pat_seen = calloc((size_t)s->npats + 1, sizeof *m->pat_seen);
  m->seen2 = calloc((size_t)s->npats + 1, sizeof *m->seen2);
  m->vc = calloc(VC_SLOTS, sizeof *m->vc);
  if (!m->seen2 || !m->vc) {
    sp_sigma_mctx_destroy(m);
    return SP_ENOMEM;
  }
  for (size_t i = 0; m->fmask && i < SG_NCK; i++)
    m->ck[i].fmask = m->fmask + i * (s->pf_nslots + 1);
  if (!m->fmask || !m->fidx || !m->row_epoch || !m->fidx_epoch ||
      !m->gid_epoch || !m->gm_epoch || !m->gm_cnt || !m->pat_seen || !m->hit ||
      !m->item_epoch || !m->item_cnt || !m->gslot_epoch || !m->cand_epoch ||
      !m->cands) {
    sp_sigma_mctx_destroy(m);
    return SP_ENOMEM;
  }
  pcre2_set_match_limit(m->mc, SG_RE_MATCH_LIMIT);
  pcre2_set_depth_limit(m->mc, 10000);
  *out = m;
  return SP_OK;
}

void sp_sigma_mctx_destroy(sp_sigma_mctx *m) {
  if (!m)
    return;
  pcre2_match_data_free(m->md);
  pcre2_match_context_free(m->mc);
  free(m->memo);
  free(m->lbuf);
  free(m->lepoch);
  free(m->loff);
  free(m->llen);
  free(m->hit);
  free(m->item_epoch);
  free(m->item_cnt);
  free(m->gslot_epoch);
  free(m->cand_epoch);
  free(m->cands);
  free(m->fmask);
  free(m->kwbuf);
  free(m->fidx);
  free(m->row_epoch);
  free(m->fidx_epoch);
  free(m->gid_epoch);
  free(m->gm_epoch);
  free(m->gm_cnt);
  free(m->pat_seen);
  free(m->seen2);
  free(m->vc);
  free(m->cap);
  free(m);
}

uint64_t sp_sigma_mctx_regex_limits(const sp_sigma_mctx *m) {
  return m ? m->regex_limits : 0;
}

uint64_t sp_sigma_mctx_evals(const sp_sigma_mctx *m) {
  return m ? m->evals : 0;
}

/* sp_event_find through the event's field index (filled by prefilter). */
static const sp_fval *ev_find(const sp_sigma_mctx *m, const sp_event *ev,
                              int id) {
  if ((unsigned)id < SP_F__COUNT || m->fidx_ok != m->epoch ||
      (size_t)id >= m->s->pf_nslots)
    return sp_event_find(ev, id);
  return m->fidx_epoch[id] == m->epoch ? &ev->vals[m->fidx[id]] : NULL;
}

/* The folded text of a value, cached for the event; NULL on no memory. */
static const char *folded(sp_sigma_mctx *m, const sp_event *ev,
                          const sp_fval *f) {
  size_t slot = f >= ev->fast && f < ev->fast + SP_F__COUNT
                    ? (size_t)(f - ev->fast)
                    : SP_F__COUNT + (size_t)(f - ev->vals);
  if (slot >= m->nslots) {
    size_t ns = slot + 256;
    uint32_t *a = realloc(m->lepoch, ns * sizeof *a);
    if (!a)
      return NULL;
    m->lepoch = a;
    memset(m->lepoch + m->nslots, 0, (ns - m->nslots) * sizeof *a);
    uint32_t *b = realloc(m->loff, ns * sizeof *b);
    if (!b)
      return NULL;
    m->loff = b;
    uint32_t *c = realloc(m->llen, ns * sizeof *c);
    if (!c)
      return NULL;
    m->llen = c;
    m->nslots = ns;
  }
  if (m->lepoch[slot] == m->epoch)
    return m->lbuf + m->loff[slot];
  if (f->s.n > UINT32_MAX / 2)
    return NULL;
  if (m->lused + f->s.n + 1 > m->lcap) {
    size_t nc = m->lcap ? m->lcap : 4096;
    while (nc < m->lused + f->s.n + 1)
      nc *= 2;
    char *nb = realloc(m->lbuf, nc);
    if (!nb)
      return NULL;
    m->lbuf = nb;
    m->lcap = nc;
  }
  if (f->s.n)
    sp_lower_copy(m->lbuf + m->lused, f->s.p, f->s.n);
  m->lepoch[slot] = m->epoch;
  m->loff[slot] = (uint32_t)m->lused;
  m->llen[slot] = (uint32_t)f->s.n;
  m->lused += f->s.n + 1;
  return m->lbuf + m->loff[slot];
}

static bool text_num(sp_str s, double *d) {
  char buf[64];
  if (!s.n || s.n >= sizeof buf)
    return false;
  memcpy(buf, s.p, s.n);
  buf[s.n] = 0;
  char *end;
  double x = strtod(buf, &end);
  if (*end || !isfinite(x))
    return false;
  *d = x;
  return true;
}

static bool cmp_i(int cmp, int64_t a, int64_t b) {
  switch (cmp) {
  case SG_CMP_LT:
    return a < b;
  case SG_CMP_LTE:
    return a <= b;
  case SG_CMP_GT:
    return a > b;
  case SG_CMP_GTE:
    return a >= b;
  case SG_CMP_NEQ:
    return a != b;
  default:
    return a == b;
  }
}

static bool cmp_d(int cmp, double a, double b) {
  switch (cmp) {
  case SG_CMP_LT:
    return a < b;
  case SG_CMP_LTE:
    return a <= b;
  case SG_CMP_GT:
    return a > b;
  case SG_CMP_GTE:
    return a >= b;
  case SG_CMP_NEQ:
    return a != b;
  default:
    return a == b;
  }
}

static bool str_match(sp_sigma_mctx *m, const sp_event *ev, const sg_pat *p,
                      const sp_fval *f) {
  if (p->cased)
    return sg_pat_match(p, f->s.p, f->s.n);
  const char *t = folded(m, ev, f);
  return t && sg_pat_match(p, t, f->s.n);
}

static bool ref_match(const sg_val *v, sp_str a, sp_str b) {
  bool (*eq)(const char *, const char *, size_t) = NULL;
  (void)eq;
  size_t off;
  switch (v->part) {
  case SG_P_PREFIX:
    if (a.n < b.n)
      return false;
    off = 0;
    break;
  case SG_P_SUFFIX:
    if (a.n < b.n)
      return false;
    off = a.n - b.n;
    break;
  case SG_P_CONTAINS:
    if (a.n < b.n)
      return false;
    for (size_t i = 0; i + b.n <= a.n; i++)
      if (v->b ? !memcmp(a.p + i, b.p, b.n) : sp_mem_ieq(a.p + i, b.p, b.n))
        return true;
    return false;
  default:
    if (a.n != b.n)
      return false;
    off = 0;
  }
  return v->b ? !memcmp(a.p + off, b.p, b.n) : sp_mem_ieq(a.p + off, b.p, b.n);
}

static bool time_part(const sp_fval *f, int part, int64_t *out) {
  int64_t ns;
  if (f->type == SP_T_TIME || f->type == SP_T_INT) {
    if (!sp_fval_int(f, &ns))
      return false;
    if (f->type == SP_T_INT)
      ns *= 1000000000LL; /* epoch seconds */
  } else if (!sp_parse_iso8601(f->s, &ns)) {
    return false;
  }
  time_t t = (time_t)(ns / 1000000000LL);
  struct tm tm;
  if (!gmtime_r(&t, &tm))
    return false;
  switch (part) {
  case SG_TP_MINUTE:
    *out = tm.tm_min;
    break;
  case SG_TP_HOUR:
    *out = tm.tm_hour;
    break;
  case SG_TP_DAY:
    *out = tm.tm_mday;
    break;
  case SG_TP_WEEK: {
    char b[8];
    strftime(b, sizeof b, "%V", &tm);
    *out = atoi(b);
    break;
  }
  case SG_TP_MONTH:
    *out = tm.tm_mon + 1;
    break;
  default:
    *out = tm.tm_year + 1900;
  }
  return true;
}

/* The integer an SG_V_NUM equality with an integer of at most 2^53 compares
 * a field value as (val_match: its integer, else its text as a number that
 * must be that integer); false: no such equality can match it. */
static bool num_key(const sp_fval *f, int64_t *key) {
  int64_t i;
  if (sp_fval_int(f, &i) && f->type != SP_T_TIME) {
    *key = i;
    return true;
  }
  double d;
  if (!text_num(f->s, &d) || d < -(double)SG_NUM_EXACT ||
      d > (double)SG_NUM_EXACT || d != floor(d))
    return false;
  *key = (int64_t)d;
  return true;
}

/* One value against one field value. */
static bool val_match(sp_sigma_mctx *m, const sp_event *ev, const sg_val *v,
                      const sp_fval *f) {
  switch (v->type) {
  case SG_V_STR: {
    bool r = str_match(m, ev, &v->pat, f);
    return v->cmp == SG_CMP_NEQ ? !r : r;
  }
  case SG_V_NUM: {
    int64_t i;
    if (v->is_int && sp_fval_int(f, &i) && f->type != SP_T_TIME)
      return cmp_i(v->cmp, i, v->inum);
    double d;
    if (text_num(f->s, &d))
      return cmp_d(v->cmp, d, v->num);
    if (v->cmp == SG_CMP_EQ)
      return str_match(m, ev, &v->pat, f);
    return v->cmp == SG_CMP_NEQ;
  }
  case SG_V_RE: {
    int rc = pcre2_match(v->re, (PCRE2_SPTR)f->s.p, f->s.n, 0, 0, m->md, m->mc);
    if (rc == PCRE2_ERROR_MATCHLIMIT || rc == PCRE2_ERROR_DEPTHLIMIT ||
        rc == PCRE2_ERROR_HEAPLIMIT)
      m->regex_limits++;
    return rc >= 0;
  }
  case SG_V_CIDR: {
    sp_ip ip;
    return sp_fval_ip(f, &ip) && sp_ip_in(&ip, &v->net, v->prefix);
  }
  case SG_V_FIELDREF: {
    for (const sp_fval *o = ev_find(m, ev, v->ref); o; o = sp_event_next(ev, o))
      if (ref_match(v, f->s, o->s))
        return true;
    return false;
  }
  case SG_V_TIME: {
    int64_t x;
    return time_part(f, v->part, &x) && cmp_i(v->cmp, x, v->inum);
  }
  default:
    return false;
  }
}

/* Does v match some value of the field (or of any field: keywords)? */
static bool val_any(sp_sigma_mctx *m, const sp_event *ev, const sg_item *it,
                    const sg_val *v) {
  if (v->nec && m->hit[v->nec] != m->epoch)
    return false; /* its necessary literal is in no scanned value */
  if (v->pid) {   /* the prefilter knows */
    if (m->hit[v->pid] != m->epoch)
      return false;
    if (m->mfield)
      return true;
  }
  if (it->field < 0) {
    size_t iter = 0;
    for (const sp_fval *f; (f = sp_event_each(ev, &iter)) != NULL;)
      if (val_match(m, ev, v, f)) {
        if (!m->mfield) {
          m->mfield = sp_names_field_name(m->s->names, f->id);
          if (f >= ev->fast && f < ev->fast + SP_F__COUNT)
            m->mfield = sp_field_name((sp_field)(f - ev->fast));
          m->mval = f->s;
        }
        return true;
      }
    return false;
  }
  if (v->pid) { /* the prefilter knows */
    if (m->hit[v->pid] != m->epoch)
      return false;
    if (m->mfield)
      return true;
  }
  for (const sp_fval *f = ev_find(m, ev, it->field); f;
       f = sp_event_next(ev, f))
    if (val_match(m, ev, v, f)) {
      if (!m->mfield) {
        m->mfield = it->fname;
        m->mval = f->s;
      }
      return true;
    }
  return false;
}

static bool item_match(sp_sigma_mctx *m, const sp_event *ev,
                       const sg_item *it) {
  if (it->iid) { /* decided by the prefilter's counts */
    uint32_t hits =
        m->item_epoch[it->iid] == m->epoch ? m->item_cnt[it->iid] : 0;
    bool r = it->all ? hits == it->ngroups : hits > 0;
    if (!r || m->mfield)
      return r;
    /* the first item that matched: find its value for the reason */
  }
  if (it->n &&
      (it->vals[0].type == SG_V_EXISTS || it->vals[0].type == SG_V_NULL)) {
    const sp_fval *f = ev_find(m, ev, it->field);
    for (size_t i = 0; i < it->n; i++) {
      const sg_val *v = &it->vals[i];
      bool r = v->type == SG_V_EXISTS ? (f != NULL) == v->b
               : v->type == SG_V_NULL ? (!f || f->s.n == 0)
                                      : (f && val_any(m, ev, it, v));
      if (r && !it->all)
        return true;
      if (!r && it->all)
        return false;
    }
    return it->all;
  }
  if (!it->all) {
    for (size_t i = 0; i < it->n; i++)
      if (it->vals[i].type == SG_V_NULL ? !ev_find(m, ev, it->field)
                                        : val_any(m, ev, it, &it->vals[i]))
        return true;
    return false;
  }
  /* all: every written value (group) matches some field value */
  for (size_t i = 0; i < it->n;) {
    uint32_t g = it->vals[i].grp;
    bool ok = false;
    size_t j = i;
    for (; j < it->n && it->vals[j].grp == g; j++)
      if (!ok && val_any(m, ev, it, &it->vals[j]))
        ok = true;
    if (!ok)
      return false;
    i = j;
  }
  return true;
}

static bool sel_match(sp_sigma_mctx *m, const sp_event *ev, const sg_sel *s) {
  for (size_t i = 0; i < s->n; i++) {
    const sg_map *mp = &s->maps[i];
    bool ok = true;
    for (size_t k = 0; ok && k < mp->n; k++)
      ok = item_match(m, ev, &mp->items[k]);
    if (ok)
      return true;
  }
  return false;
}

static bool eval(sp_sigma_mctx *m, const sp_event *ev, const sg_variant *v,
                 const sg_cond *c, int n) {
  const sg_cond *x = &c[n];
  switch (x->op) {
  case SG_C_SEL: {
    int8_t *mm = &m->memo[x->a];
    if (*mm < 0)
      *mm = sel_match(m, ev, &v->sels[x->a]) ? 1 : 0;
    return *mm;
  }
  case SG_C_AND:
    return eval(m, ev, v, c, x->a) && eval(m, ev, v, c, x->b);
  case SG_C_OR:
    return eval(m, ev, v, c, x->a) || eval(m, ev, v, c, x->b);
  case SG_C_NOT:
    return !eval(m, ev, v, c, x->a);
  case SG_C_TRUE:
    return true;
  default:
    return false;
  }
}

/* Test one variant; 1 when it matched (cb called). */
static size_t run_var(const sp_sigma *s, sp_sigma_mctx *m, uint32_t vid,
                      const sp_event *ev,
                      void (*cb)(const sp_sigma_match *, void *), void *user) {
  const sg_variant *v = &s->vars[vid];
  const sg_rule *r = &s->rules[v->rule];
  if (v->cond_field >= 0) {
    const sp_fval *f = ev_find(m, ev, v->cond_field);
    if (!f || !str_match(m, ev, &v->cond_value, f))
      return 0;
  }
  memset(m->memo, 0xff, v->nsel);
  m->evals++;
  m->mfield = NULL;
  m->mval = sp_str_make(NULL, 0);
  if (!eval(m, ev, v, r->cond, r->root))
    return 0;
  if (cb) {
    sp_sigma_match mt = {&r->meta, v->rule, m->mfield ? m->mfield : "",
                         m->mval};
    cb(&mt, user);
  }
  return 1;
}

/* The variants of a bucket: those the prefilter cannot gate, then those
 * it woke for this event. */
static size_t run_bucket(const sp_sigma *s, sp_sigma_mctx *m,
                         const sg_bucket *b, const sp_event *ev,
                         void (*cb)(const sp_sigma_match *, void *),
                         void *user) {
  if (!b)
    return 0;
  size_t hits = 0;
  uint32_t bi = (uint32_t)(b - s->buckets);
  for (size_t i = 0; i < b->nung; i++)
    hits += run_var(s, m, b->ungated[i], ev, cb, user);
  for (size_t i = 0; i < m->ncands; i++)
    if (s->var_bucket[m->cands[i]] == bi)
      hits += run_var(s, m, m->cands[i], ev, cb, user);
  return hits;
}

/* A hit of pid (its literal ends at `to`): check its anchor, stamp it and
 * count its item, waking the variants the item gates. */
static void on_pid(sp_sigma_mctx *m, const sg_fan *fe, size_t len, size_t to) {
  const sp_sigma *s = m->s;
  switch (fe->kind) {
  case SG_P_PREFIX:
    if (to != len)
      return;
    break;
  case SG_P_SUFFIX:
    if (to != m->scan_len)
      return;
    break;
  case SG_P_EXACT:
    if (to != m->scan_len || to != len)
      return;
    break;
  default:
    break;
  }
  uint32_t id = fe->pid;
  if (m->hit[id] == m->epoch)
    return;
  m->hit[id] = m->epoch;
  uint32_t item = fe->item, slot = fe->gslot;
  if (item && m->gslot_epoch[slot] != m->epoch) {
    m->gslot_epoch[slot] = m->epoch;
    if (m->item_epoch[item] != m->epoch) {
      m->item_epoch[item] = m->epoch;
      m->item_cnt[item] = 0;
    }
    m->item_cnt[item]++;
  }
  uint32_t gid = fe->gid;
  if (gid && m->gid_epoch[gid] != m->epoch) {
    m->gid_epoch[gid] = m->epoch;
    for (uint32_t k = s->gid_gm_off[gid]; k < s->gid_gm_off[gid + 1]; k++) {
      uint32_t gm = s->gid_gms[k];
      if (m->gm_epoch[gm] != m->epoch) {
        m->gm_epoch[gm] = m->epoch;
        m->gm_cnt[gm] = 0;
      }
      uint32_t v = s->gm_var[gm];
      if (++m->gm_cnt[gm] == s->gm_need[gm] && m->cand_epoch[v] != m->epoch) {
        m->cand_epoch[v] = m->epoch; /* every gate item of a map: wake it */
        m->cands[m->ncands++] = v;
      }
    }
  }
}

/* An occurrence of pattern pat ending at `to`: every pid it stands for. */
static void on_pat(void *ctx, uint32_t pat, size_t to) {
  sp_sigma_mctx *m = ctx;
  const sp_sigma *s = m->s;
  for (uint32_t k = s->pf_fan_off[pat]; k < s->pf_fan_off[pat + 1]; k++) {
    const sg_fan *fe = &s->pf_fan[k];
    if (fe->row == UINT32_MAX || m->row_epoch[fe->row] == m->epoch)
      on_pid(m, fe, s->pf_plen[pat], to); /* else: another log source's */
  }
}

/* Scan every value of a field that has a matcher and that a variant of
 * the event's buckets tests (m->cur->fmask), and every value with the
 * keyword matchers of those buckets. */
/* Append n bytes and a 0 separator to the keyword buffer (scanned with
 * folded grams); false when out of memory. */
static bool kw_append(sp_sigma_mctx *m, const char *p, size_t n) {
  if (m->kwlen + n + 1 > m->kwcap) {
    size_t nc = m->kwcap ? m->kwcap : 4096;
    while (nc < m->kwlen + n + 1)
      nc *= 2;
    char *nb = realloc(m->kwbuf, nc);
    if (!nb)
      return false;
    m->kwbuf = nb;
    m->kwcap = nc;
  }
  if (n)
    memcpy(m->kwbuf + m->kwlen, p, n);
  m->kwbuf[m->kwlen + n] = 0;
  m->kwlen += n + 1;
  return true;
}

/* ---- the value cache ----------------------------------------------------
 * A field matcher's report on a value (the sg_lm_run hit calls) depends on
 * the value and on which patterns the event has already found anywhere
 * (those are not reported again). The cache keeps, per (matcher, value),
 * the report of a scan from a clean state, with a flag on each hit saying
 * whether it was an anywhere-hit; replaying it against the event's own
 * marks gives exactly the calls a scan would make. Values longer than
 * VC_MAXLEN, or with more than VC_MAXHITS hits, are scanned every time. */
static void vc_capture(void *ctx, uint32_t pat, size_t to) {
  sp_sigma_mctx *m = ctx;
  if (m->ncap == m->capcap) {
    size_t nc = m->capcap ? m->capcap * 2 : 256;
    vc_hit *nv = realloc(m->cap, nc * sizeof *nv);
    if (!nv) {
      m->cap_oom = true;
      return;
    }
    m->cap = nv;
    m->capcap = nc;
  }
  /* an anywhere-hit marks its pattern before it is reported */
  m->cap[m->ncap++] = (vc_hit){pat, (uint16_t)to, m->seen2[pat] == m->epoch2};
}

static void vc_replay(sp_sigma_mctx *m, const vc_hit *h, size_t n) {
  for (size_t i = 0; i < n; i++) {
    const vc_hit *x = &h[i];
    if (x->any) {
      if (m->pat_seen[x->pat] == m->epoch)
        continue; /* found anywhere in an earlier value of the event */
      m->pat_seen[x->pat] = m->epoch;
    }
    on_pat(m, x->pat, x->to);
  }
}

/* A value's key: eight bytes at a time (an entry is confirmed by its
 * bytes, so the hash needs only spread). */
static uint64_t vc_hash(const char *p, size_t n) {
  uint64_t h = 0x9e3779b97f4a7c15ULL ^ n;
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    uint64_t x;
    memcpy(&x, p + i, 8);
    h = (h ^ x) * 0xff51afd7ed558ccdULL;
    h ^= h >> 32;
  }
  uint64_t t = 0;
  if (n > i)
    memcpy(&t, p + i, n - i);
  h = (h ^ t) * 0xc4ceb9fe1a85ec53ULL;
  return h ^ (h >> 29);
}

/* One value through its field's matcher; *t gets the folded copy when the
 * scan made one. */
static void scan_field(const sp_sigma *s, sp_sigma_mctx *m, const sg_lm *lm,
                       const sp_event *ev, const sp_fval *f, const char **t,
                       sg_lm_run *run) {
  bool any = lm->glen[0][SG_LM_ANY] != 0;
  if (!any && !(lm->glen[0][SG_LM_START] | lm->glen[0][SG_LM_END] |
                lm->glen[1][0] | lm->glen[1][1] | lm->glen[1][2]))
    return;
  struct vc_ent *e = NULL;
  uint64_t h = 0;
  if (f->s.n <= VC_MAXLEN) {
    h = vc_hash(f->s.p, f->s.n) ^
        ((uint64_t)(uintptr_t)lm * 0x9e3779b97f4a7c15ULL);
    e = &m->vc[h & (VC_SLOTS - 1)];
    if (e->lm == lm && e->h == h && e->n == f->s.n &&
        (f->s.n == 0 || memcmp(e->val, f->s.p, f->s.n) == 0)) {
      vc_replay(m, e->hits, e->nhits);
      return;
    }
  }
  if (any) {
    *t = folded(m, ev, f);
    if (!*t)
      return;
  }
  if (!e) {
    sg_lm_scan(s, lm, *t, f->s.p, f->s.n, run);
    return;
  }
  /* scan from a clean state, keep the report when it fits, replay it */
  if (++m->epoch2 == 0) {
    memset(m->seen2, 0, ((size_t)s->npats + 1) * sizeof *m->seen2);
    m->epoch2 = 1;
  }
  m->ncap = 0;
  m->cap_oom = false;
  sg_lm_run cap = {vc_capture, m, m->seen2, m->epoch2};
  sg_lm_scan(s, lm, *t, f->s.p, f->s.n, &cap);
  if (m->cap_oom) { /* out of memory: scan as if there were no cache */
    e->lm = NULL;
    sg_lm_scan(s, lm, *t, f->s.p, f->s.n, run);
    return;
  }
  if (m->ncap <= VC_MAXHITS) {
    e->lm = lm;
    e->h = h;
    e->n = (uint32_t)f->s.n;
    e->nhits = (uint32_t)m->ncap;
    if (f->s.n)
      memcpy(e->val, f->s.p, f->s.n);
    if (m->ncap) /* m->cap is NULL before the first capture */
      memcpy(e->hits, m->cap, m->ncap * sizeof *m->cap);
  } else {
    e->lm = NULL; /* more hits than an entry holds */
  }
  vc_replay(m, m->cap, m->ncap);
}

static void prefilter(const sp_sigma *s, sp_sigma_mctx *m, const sp_event *ev) {
  if (!s->pf_lm)
    return;
  sg_lm_run run = {on_pat, m, m->pat_seen, m->epoch};
  const sg_ck *c = m->cur;
  /* keywords: every value, joined by 0 bytes and scanned once when the
   * keyword patterns allow (sg_lm.joinable), else value by value */
  for (int i = 0; i < 3; i++)
    if (c->b[i] && s->bk_row)
      m->row_epoch[s->bk_row[c->b[i] - s->buckets]] = m->epoch;
  bool join = c->nkw && c->kwjoin;
  m->kwlen = 0;
  m->fidx_ok = m->epoch;
  size_t it = 0;
  for (const sp_fval *f; (f = sp_event_each(ev, &it)) != NULL;) {
    bool fast = f >= ev->fast && f < ev->fast + SP_F__COUNT;
    size_t id = fast ? (size_t)(f - ev->fast) : (size_t)f->id;
    if (!fast && id < s->pf_nslots && m->fidx_epoch[id] != m->epoch) {
      m->fidx_epoch[id] = m->epoch; /* its first value */
      m->fidx[id] = (uint32_t)(f - ev->vals);
    }
    const sg_lm *lm = id < s->pf_nslots && s->pf_lm[id].off && c->fmask[id]
                          ? &s->pf_lm[id]
                          : NULL;
    if (!lm && !c->nkw)
      continue;
    m->scan_len = f->s.n;
    const char *t = NULL; /* folded, when a field matcher needs it */
    int64_t key;
    if (lm && lm->nbits && num_key(f, &key)) {
      uint32_t u = sg_lm_num(lm, key);
      if (u != UINT32_MAX)
        on_pat(m, u, f->s.n);
    }
    if (lm) /* every position: over a folded copy; else grams folded */
      scan_field(s, m, lm, ev, f, &t, &run);
    if (join)
      join = kw_append(m, f->s.p, f->s.n);
    else /* over the folded copy if there is one, else the value */
      for (size_t k = 0; k < c->nkw; k++)
        sg_lm_scan(s, c->kw[k], t, f->s.p, f->s.n, &run);
  }
  if (join) {
    for (size_t k = 0; k < c->nkw; k++)
      sg_lm_scan(s, c->kw[k], NULL, m->kwbuf, m->kwlen, &run);
  } else if (c->nkw && c->kwjoin) { /* out of memory joining: one by one */
    it = 0;
    for (const sp_fval *f; (f = sp_event_each(ev, &it)) != NULL;)
      for (size_t k = 0; k < c->nkw; k++)
        sg_lm_scan(s, c->kw[k], NULL, f->s.p, f->s.n, &run);
  }
}

/* The event's buckets (kind, Channel, EventID), (kind, Channel, any) and
 * (kind, any) and the fields they scan (m->cur), kept in a small cache by
 * that key (logs interleave a few channels and event ids). */
static void find_buckets(const sp_sigma *s, sp_sigma_mctx *m,
                         const sp_event *ev) {
  const sp_fval *ch = sp_event_find(ev, s->f_channel);
  const char *cp = ch && ch->s.n ? ch->s.p : NULL;
  size_t cn = cp ? ch->s.n : 0;
  int eid = -1;
  if (cp) {
    int64_t e = -1;
    const sp_fval *ef = sp_event_find(ev, s->f_eventid);
    if (ef && sp_fval_int(ef, &e) && e >= 0 && e <= 65535)
      eid = (int)e;
  }
  uint64_t key = (uint64_t)(unsigned)ev->kind << 40 ^
                 (uint64_t)(uint32_t)eid << 8 ^ (uint64_t)cn << 32;
  if (cn)
    key ^= (uint64_t)(uint8_t)cp[cn - 1] << 48 ^
           (uint64_t)(uint8_t)cp[cn / 2] << 56 ^ (uint8_t)cp[0];
  /* two ways per set, the most recently used first */
  sg_ck *c = &m->ck[((key * 0x9E3779B97F4A7C15ull) >> (65 - SG_NCK_BITS)) * 2];
  for (int way = 0; way < 2; way++) {
    sg_ck *x = &c[way];
    if (x->valid && x->kind == ev->kind && x->eid == eid && x->chn == cn &&
        (!cn || !memcmp(x->ch, cp, cn))) {
      if (way) {
        sg_ck t = c[0];
        c[0] = c[1];
        c[1] = t;
      }
      m->cur = c;
      return;
    }
  }
  { /* a miss: the older way goes, the new key comes first */
    sg_ck t = c[1];
    c[1] = c[0];
    c[0] = t;
  }
  m->cur = c;
  c->b[0] = cp && eid >= 0 ? sg_bucket_find(s, ev->kind, cp, cn, eid) : NULL;
  c->b[1] = cp ? sg_bucket_find(s, ev->kind, cp, cn, -1) : NULL;
  c->b[2] = sg_bucket_find(s, ev->kind, NULL, 0, -1);
  size_t w = s->pf_nslots + 1;
  memset(c->fmask, 0, w);
  c->nkw = 0;
  c->kwjoin = true;
  for (int i = 0; i < 3 && s->bk_row; i++) {
    uint32_t row = c->b[i] ? s->bk_row[c->b[i] - s->buckets] : 0;
    if (!row)
      continue;
    if (s->bk_kw[row - 1].off) {
      c->kw[c->nkw++] = &s->bk_kw[row - 1];
      c->kwjoin &= s->bk_kw[row - 1].joinable;
    }
    const uint8_t *r = s->bk_fmask + (size_t)(row - 1) * w;
    size_t k = 0;
    for (; k + 8 <= w; k += 8) { /* eight at a time */
      uint64_t a, b;
      memcpy(&a, c->fmask + k, 8);
      memcpy(&b, r + k, 8);
      a |= b;
      memcpy(c->fmask + k, &a, 8);
    }
    for (; k < w; k++)
      c->fmask[k] |= r[k];
  }
  c->valid = cn <= sizeof c->ch; /* longer: not kept */
  c->kind = ev->kind;
  c->eid = eid;
  c->chn = cn;
  if (cn && c->valid)
    memcpy(c->ch, cp, cn);
}

size_t sp_sigma_match_event(const sp_sigma *s, sp_sigma_mctx *m,
                            const sp_event *ev,
                            void (*cb)(const sp_sigma_match *, void *),
                            void *user) {
  if (!s || !m || !s->finished)
    return 0;
  if (++m->epoch == 0) { /* wrapped: forget every cached slot */
    memset(m->lepoch, 0, m->nslots * sizeof *m->lepoch);
    memset(m->hit, 0, ((size_t)s->npids + 1) * sizeof *m->hit);
    memset(m->pat_seen, 0, ((size_t)s->npats + 1) * sizeof *m->pat_seen);
    memset(m->item_epoch, 0, ((size_t)s->niids + 1) * sizeof *m->item_epoch);
    memset(m->gid_epoch, 0, ((size_t)s->ngids + 1) * sizeof *m->gid_epoch);
    memset(m->gm_epoch, 0, ((size_t)s->ngms + 1) * sizeof *m->gm_epoch);
    memset(m->fidx_epoch, 0, (s->pf_nslots + 1) * sizeof *m->fidx_epoch);
    m->fidx_ok = 0;
    memset(m->row_epoch, 0, (s->bk_nrows + 1) * sizeof *m->row_epoch);
    memset(m->gslot_epoch, 0,
           ((size_t)s->ngslots + 1) * sizeof *m->gslot_epoch);
    memset(m->cand_epoch, 0, (s->nvars + 1) * sizeof *m->cand_epoch);
    m->epoch = 1;
  }
  m->lused = 0;
  m->ncands = 0;
  find_buckets(s, m, ev);
  prefilter(s, m, ev);
  size_t hits = 0;
  for (int i = 0; i < 3; i++)
    hits += run_bucket(s, m, m->cur->b[i], ev, cb, user);
  return hits;
}
