/*
 * sigma_placeholder.c - placeholders of the Sigma `expand` modifier: the
 * placeholder file (YAML: placeholder name without % -> one string or a
 * list of strings, read with libyaml's event parser so nothing deeper than
 * that is ever built), and the rewrite of a rule document before it is
 * compiled.
 *
 * Semantics (pySigma's ValueListPlaceholderTransformation, the reference
 * implementation the specification points to): in a value of an item with
 * `expand`, `%name%` (an unescaped %, one or more characters other than %,
 * *, ? and backslash, a %) is a placeholder; `\%` is a literal %; a % that
 * does not open a placeholder (`%%`, `50%`) is itself. The value becomes the
 * list of its expansions (every combination when it holds several
 * placeholders), spliced into the item's value list: OR normally, AND under
 * `|all`, exactly as pySigma splices them. A placeholder's values are Sigma
 * strings: their `*`, `?` and backslash escapes keep their meaning. The
 * other modifiers (contains, startswith, endswith, cased, windash, re,
 * encodings...) then apply to each expansion. With wildcard mode a name the
 * table lacks becomes `*` (WildcardPlaceholderTransformation).
 *
 * The rewrite works on libyaml's document: a rewritten item gets a new key
 * (its modifiers without `expand`) and a new sequence of new scalars; nodes
 * are only added, never changed, so aliases stay intact. An item that
 * cannot be expanded keeps `expand`, its failing value moved first, and
 * sg_value_compile fails the rule with sg_ph_explain's reason.
 *
 * Owns: sg_ph (an arena for names and values, entry and value arrays).
 */
#include "sigma/sigma_ph.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct ph_entry {
  const char *name;
  uint32_t nlen;
  uint32_t line; /* 1-based, for duplicate errors */
  size_t off, n; /* values: vals[off .. off+n) */
} ph_entry;

struct sg_ph {
  sg_arena arena;
  ph_entry *ents;
  size_t nents, capents;
  sg_phv *vals;
  size_t nvals, capvals;
  bool wildcard;
};

/* ---- the table -------------------------------------------------------- */
void sg_ph_free(sg_ph *p) {
  if (!p)
    return;
  sg_arena_free(&p->arena);
  free(p->ents);
  free(p->vals);
  free(p);
}

size_t sg_ph_count(const sg_ph *p) { return p ? p->nents : 0; }

bool sg_ph_wildcard(const sg_ph *p) { return p && p->wildcard; }

static int name_cmp(const char *a, size_t an, const char *b, size_t bn) {
  int c = memcmp(a, b, an < bn ? an : bn);
  return c ? c : (an > bn) - (an < bn);
}

static int ent_cmp(const void *a, const void *b) {
  const ph_entry *x = a, *y = b;
  int c = name_cmp(x->name, x->nlen, y->name, y->nlen);
  return c ? c : (x->line > y->line) - (x->line < y->line);
}

const sg_phv *sg_ph_find(const sg_ph *p, const char *name, size_t n,
                         size_t *nv) {
  *nv = 0;
  if (!p)
    return NULL;
  size_t lo = 0, hi = p->nents;
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    const ph_entry *e = &p->ents[mid];
    int c = name_cmp(name, n, e->name, e->nlen);
    if (c == 0) {
      *nv = e->n;
      return p->vals + e->off;
    }
    if (c < 0)
      hi = mid;
    else
      lo = mid + 1;
  }
  return NULL;
}

/* ---- the file --------------------------------------------------------- */
static sp_err bad(sp_diag *d, const char *name, size_t line, const char *fmt,
                  ...) __attribute__((format(printf, 4, 5)));

static sp_err bad(sp_diag *d, const char *name, size_t line, const char *fmt,
                  ...) {
  if (d) {
    char why[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, sizeof why, fmt, ap);
    va_end(ap);
    d->code = SP_EINVAL;
    snprintf(d->msg, sizeof d->msg, "%.200s: line %zu: %.290s", name, line,
             why);
  }
  return SP_EINVAL;
}

static bool plain_null(const yaml_event_t *ev) {
  const char *v = (const char *)ev->data.scalar.value;
  size_t n = ev->data.scalar.length;
  return ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE &&
         (n == 0 || (n == 1 && v[0] == '~') ||
          (n == 4 && (!memcmp(v, "null", 4) || !memcmp(v, "Null", 4) ||
                      !memcmp(v, "NULL", 4))));
}

static const char *event_what(yaml_event_type_t t) {
  switch (t) {
  case YAML_MAPPING_START_EVENT:
    return "a mapping";
  case YAML_SEQUENCE_START_EVENT:
    return "a list";
  case YAML_ALIAS_EVENT:
    return "an alias (*name)";
  default:
    return "something else";
  }
}

/* Add one value to the last entry; the event is a scalar. */
static sp_err add_value(sg_ph *p, const yaml_event_t *ev, const char *name,
                        sp_diag *d) {
  size_t line = ev->start_mark.line + 1;
  ph_entry *e = &p->ents[p->nents - 1];
  const char *v = (const char *)ev->data.scalar.value;
  size_t n = ev->data.scalar.length;
  if (plain_null(ev))
    return bad(d, name, line, "placeholder '%.60s': a null value",
               p->ents[p->nents - 1].name);
  if (n > SG_PH_MAX_VALUE)
    return bad(d, name, line,
               "placeholder '%.60s': a value longer than %d bytes", e->name,
               SG_PH_MAX_VALUE);
  if (memchr(v, 0, n))
    return bad(d, name, line, "placeholder '%.60s': a value with a NUL byte",
               e->name);
  if (e->n >= SG_MAX_VALUES)
    return bad(d, name, line, "placeholder '%.60s': more than %d values",
               e->name, SG_MAX_VALUES);
  if (p->nvals >= SG_PH_MAX_TOTAL)
    return bad(d, name, line, "more than %d values in the file",
               SG_PH_MAX_TOTAL);
  if (p->nvals == p->capvals) {
    size_t nc = p->capvals ? p->capvals * 2 : 64;
    sg_phv *nv = realloc(p->vals, nc * sizeof *nv);
    if (!nv)
      return SP_ENOMEM;
    p->vals = nv;
    p->capvals = nc;
  }
  char *c = sg_strndup(&p->arena, v, n);
  if (!c)
    return SP_ENOMEM;
  p->vals[p->nvals++] = (sg_phv){
      c, (uint32_t)n, ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE};
  e->n++;
  return SP_OK;
}

static sp_err add_name(sg_ph *p, const yaml_event_t *ev, const char *name,
                       sp_diag *d) {
  size_t line = ev->start_mark.line + 1;
  const char *k = (const char *)ev->data.scalar.value;
  size_t n = ev->data.scalar.length;
  if (n == 0 || plain_null(ev))
    return bad(d, name, line, "an empty placeholder name");
  if (n > SG_PH_MAX_NAME)
    return bad(d, name, line, "a placeholder name longer than %d bytes",
               SG_PH_MAX_NAME);
  for (size_t i = 0; i < n; i++)
    if (k[i] == '%' || k[i] == '*' || k[i] == '?' || k[i] == '\\' || !k[i])
      return bad(d, name, line,
                 "placeholder name '%.60s' holds %%, *, ?, a backslash or "
                 "NUL (write it without the surrounding %%)",
                 k);
  if (p->nents >= SG_PH_MAX_NAMES)
    return bad(d, name, line, "more than %d placeholders", SG_PH_MAX_NAMES);
  if (p->nents == p->capents) {
    size_t nc = p->capents ? p->capents * 2 : 32;
    ph_entry *ne = realloc(p->ents, nc * sizeof *ne);
    if (!ne)
      return SP_ENOMEM;
    p->ents = ne;
    p->capents = nc;
  }
  char *c = sg_strndup(&p->arena, k, n);
  if (!c)
    return SP_ENOMEM;
  p->ents[p->nents++] = (ph_entry){c, (uint32_t)n, (uint32_t)line, p->nvals, 0};
  return SP_OK;
}

/* The grammar, as states: stream, document, mapping of name -> scalar or
 * list of scalars, end of document, end of stream. */
enum {
  ST_STREAM,
  ST_DOC,
  ST_ROOT,
  ST_KEY,
  ST_VALUE,
  ST_LIST,
  ST_DOC_END,
  ST_END,
  ST_DONE
};

static sp_err parse_events(sg_ph *p, yaml_parser_t *ps, const char *name,
                           sp_diag *d) {
  int st = ST_STREAM;
  size_t list_line = 0;
  while (st != ST_DONE) {
    yaml_event_t ev;
    if (!yaml_parser_parse(ps, &ev))
      return bad(d, name, ps->problem_mark.line + 1, "YAML error: %s",
                 ps->problem ? ps->problem : "unknown");
    sp_err e = SP_OK;
    size_t line = ev.start_mark.line + 1;
    yaml_event_type_t t = ev.type;
    switch (st) {
    case ST_STREAM:
      st = ST_DOC; /* STREAM_START is the parser's first event */
      break;
    case ST_DOC:
      if (t == YAML_STREAM_END_EVENT)
        st = ST_DONE; /* an empty file: no placeholders */
      else
        st = ST_ROOT; /* DOCUMENT_START */
      break;
    case ST_ROOT:
      if (t == YAML_MAPPING_START_EVENT)
        st = ST_KEY;
      else if (t == YAML_SCALAR_EVENT && plain_null(&ev))
        st = ST_DOC_END; /* `---` alone */
      else
        e = bad(d, name, line,
                "the file must be a mapping of placeholder names to values, "
                "not %s",
                t == YAML_SCALAR_EVENT ? "a string" : event_what(t));
      break;
    case ST_KEY:
      if (t == YAML_MAPPING_END_EVENT)
        st = ST_DOC_END;
      else if (t == YAML_SCALAR_EVENT) {
        e = add_name(p, &ev, name, d);
        st = ST_VALUE;
      } else
        e = bad(d, name, line, "a placeholder name must be a string, not %s",
                event_what(t));
      break;
    case ST_VALUE:
      if (t == YAML_SCALAR_EVENT) {
        e = add_value(p, &ev, name, d);
        st = ST_KEY;
      } else if (t == YAML_SEQUENCE_START_EVENT) {
        list_line = line;
        st = ST_LIST;
      } else
        e = bad(d, name, line,
                "placeholder '%.60s': its value must be a string or a list "
                "of strings, not %s",
                p->ents[p->nents - 1].name, event_what(t));
      break;
    case ST_LIST:
      if (t == YAML_SCALAR_EVENT)
        e = add_value(p, &ev, name, d);
      else if (t == YAML_SEQUENCE_END_EVENT) {
        if (!p->ents[p->nents - 1].n)
          e = bad(d, name, list_line, "placeholder '%.60s': an empty list",
                  p->ents[p->nents - 1].name);
        st = ST_KEY;
      } else
        e = bad(d, name, line,
                "placeholder '%.60s': a list item must be a string, not %s",
                p->ents[p->nents - 1].name, event_what(t));
      break;
    case ST_DOC_END:
      st = ST_END; /* DOCUMENT_END */
      break;
    case ST_END:
      if (t == YAML_STREAM_END_EVENT)
        st = ST_DONE;
      else
        e = bad(d, name, line, "more than one YAML document");
      break;
    }
    yaml_event_delete(&ev);
    if (e)
      return e;
  }
  return SP_OK;
}

sp_err sg_ph_parse(const char *name, const char *text, size_t len,
                   bool wildcard, sg_ph **out, sp_diag *diag) {
  *out = NULL;
  if (!name)
    name = "placeholders";
  if (len > SG_MAX_FILE_BYTES)
    return bad(diag, name, 1, "file larger than 1 MiB");
  sg_ph *p = calloc(1, sizeof *p);
  if (!p)
    return SP_ENOMEM;
  p->wildcard = wildcard;
  sp_err e = SP_OK;
  if (text && len) {
    yaml_parser_t ps;
    if (!yaml_parser_initialize(&ps)) {
      sg_ph_free(p);
      return SP_ENOMEM;
    }
    yaml_parser_set_input_string(&ps, (const unsigned char *)text, len);
    e = parse_events(p, &ps, name, diag);
    yaml_parser_delete(&ps);
  }
  if (!e && p->nents > 1) {
    qsort(p->ents, p->nents, sizeof *p->ents, ent_cmp);
    for (size_t i = 1; !e && i < p->nents; i++)
      if (!name_cmp(p->ents[i].name, p->ents[i].nlen, p->ents[i - 1].name,
                    p->ents[i - 1].nlen))
        e = bad(diag, name, p->ents[i].line,
                "placeholder '%.60s' given twice (first at line %u)",
                p->ents[i].name, (unsigned)p->ents[i - 1].line);
  }
  if (e) {
    sg_ph_free(p);
    return e;
  }
  *out = p;
  return SP_OK;
}

/* ---- values: placeholders --------------------------------------------- */
typedef struct seg {
  const char *p;
  size_t n;
  bool ph; /* a placeholder's name, else literal text */
} seg;
#define MAX_SEGS (2 * SG_PH_MAX_PER_VALUE + 1)

static bool name_char(char c) {
  return c != '%' && c != '*' && c != '?' && c != '\\';
}

/* Split v into literal runs (`\%` resolved, written to buf, at least n
 * bytes) and placeholder names (pointing into v). Returns the number of
 * placeholders, -1 when more than SG_PH_MAX_PER_VALUE. */
static int scan(const char *v, size_t n, char *buf, seg *segs, size_t *nseg) {
  size_t k = 0, b = 0, from = 0;
  int nph = 0;
  for (size_t i = 0; i < n;) {
    char c = v[i];
    if (c == '\\' && i + 1 < n) {
      if (v[i + 1] != '%')
        buf[b++] = c; /* other escapes stay for the pattern compiler */
      buf[b++] = v[i + 1];
      i += 2;
      continue;
    }
    if (c == '%') {
      size_t j = i + 1;
      while (j < n && name_char(v[j]))
        j++;
      if (j < n && v[j] == '%' && j > i + 1) {
        if (nph == SG_PH_MAX_PER_VALUE)
          return -1;
        if (b > from)
          segs[k++] = (seg){buf + from, b - from, false};
        from = b;
        segs[k++] = (seg){v + i + 1, j - i - 1, true};
        nph++;
        i = j + 1;
        continue;
      }
    }
    buf[b++] = c;
    i++;
  }
  if (b > from)
    segs[k++] = (seg){buf + from, b - from, false};
  *nseg = k;
  return nph;
}

static const sg_phv star = {"*", 1, false};

/* The values of segment s: the table's, `*` in wildcard mode, or NULL. */
static const sg_phv *resolve(const sg_ph *ph, const seg *s, size_t *nv) {
  const sg_phv *v = sg_ph_find(ph, s->p, s->n, nv);
  if (!v && sg_ph_wildcard(ph)) {
    *nv = 1;
    return &star;
  }
  return v;
}

/* One value's expansions: count and bytes (saturating at limits), or
 * false when a placeholder is unresolved or there are too many. */
typedef struct vplan {
  const char *p; /* the value's text */
  size_t n;
  bool plain;
  seg segs[MAX_SEGS];
  size_t nseg;
  const sg_phv *vals[MAX_SEGS];
  size_t nv[MAX_SEGS];
  size_t count, bytes, maxlen;
  bool has_ph;
} vplan;

#define SAT (SIZE_MAX / 4)

static size_t sat_mul(size_t a, size_t b) {
  return a && b > SAT / a ? SAT : a * b;
}

static bool plan(const sg_ph *ph, vplan *vp, char *buf) {
  int nph = scan(vp->p, vp->n, buf, vp->segs, &vp->nseg);
  if (nph < 0)
    return false;
  vp->has_ph = nph > 0;
  size_t count = 1, lit = 0, maxlen = 0;
  for (size_t i = 0; i < vp->nseg; i++) {
    const seg *s = &vp->segs[i];
    if (!s->ph) {
      lit += s->n;
      continue;
    }
    vp->vals[i] = resolve(ph, s, &vp->nv[i]);
    if (!vp->vals[i])
      return false;
    count = sat_mul(count, vp->nv[i]);
    size_t mx = 0;
    for (size_t k = 0; k < vp->nv[i]; k++)
      if (vp->vals[i][k].n > mx)
        mx = vp->vals[i][k].n;
    maxlen += mx;
  }
  vp->count = count;
  vp->maxlen = lit + maxlen;
  vp->bytes = sat_mul(count, vp->maxlen + 1); /* an upper bound */
  return true;
}

/* ---- the rewrite ------------------------------------------------------ */
typedef struct rw {
  const sg_ph *ph;
  yaml_document_t *d;
  size_t values, bytes; /* expansions made in this document */
  bool oom;
} rw;

static bool is_expand_key(const char *k, size_t n) {
  for (size_t i = 0; i < n;) {
    const char *bar = memchr(k + i, '|', n - i);
    if (!bar)
      return false;
    size_t s = (size_t)(bar - k) + 1, e = s;
    while (e < n && k[e] != '|')
      e++;
    if (e - s == 6 && !memcmp(k + s, "expand", 6))
      return true;
    i = e;
  }
  return false;
}

/* The key without its `expand` modifiers, as a new node; 0 on failure. */
static int new_key(yaml_document_t *d, const char *k, size_t n) {
  char *o = malloc(n + 1);
  if (!o)
    return 0;
  size_t b = 0, i = 0;
  while (i < n && k[i] != '|')
    o[b++] = k[i++];
  while (i < n) { /* at a '|' */
    size_t s = i + 1, e = s;
    while (e < n && k[e] != '|')
      e++;
    if (!(e - s == 6 && !memcmp(k + s, "expand", 6))) {
      memcpy(o + b, k + i, e - i);
      b += e - i;
    }
    i = e;
  }
  int id = yaml_document_add_scalar(d, NULL, (yaml_char_t *)o, (int)b,
                                    YAML_PLAIN_SCALAR_STYLE);
  free(o);
  return id;
}

/* Emit the expansions of vp into sequence seq. */
static bool emit(rw *w, const vplan *vp, int seq) {
  char *out = malloc(vp->maxlen + 1);
  if (!out)
    return false;
  size_t idx[MAX_SEGS] = {0};
  bool ok = true;
  for (size_t c = 0; ok && c < vp->count; c++) {
    size_t b = 0;
    bool plain = vp->plain;
    for (size_t i = 0; i < vp->nseg; i++) {
      const seg *s = &vp->segs[i];
      if (!s->ph) {
        memcpy(out + b, s->p, s->n);
        b += s->n;
      } else {
        const sg_phv *v = &vp->vals[i][idx[i]];
        memcpy(out + b, v->p, v->n);
        b += v->n;
        plain = plain && v->plain;
      }
    }
    int id = yaml_document_add_scalar(w->d, NULL, (yaml_char_t *)out, (int)b,
                                      plain ? YAML_PLAIN_SCALAR_STYLE
                                            : YAML_SINGLE_QUOTED_SCALAR_STYLE);
    ok = id && yaml_document_append_sequence_item(w->d, seq, id);
    /* next combination: the last placeholder varies fastest */
    for (size_t i = vp->nseg; i-- > 0;) {
      if (!vp->segs[i].ph)
        continue;
      if (++idx[i] < vp->nv[i])
        break;
      idx[i] = 0;
    }
  }
  free(out);
  return ok;
}

/* Move value item `first` to the front of a failing item's value list (a
 * new sequence), so the compiler reports that value's reason. */
static void culprit_first(rw *w, yaml_node_pair_t *pair,
                          const yaml_node_item_t *items, size_t n,
                          size_t first) {
  if (first == 0 || !items)
    return;
  int seq = yaml_document_add_sequence(w->d, NULL, YAML_ANY_SEQUENCE_STYLE);
  if (!seq) {
    w->oom = true;
    return;
  }
  if (!yaml_document_append_sequence_item(w->d, seq, items[first])) {
    w->oom = true;
    return;
  }
  for (size_t i = 0; i < n; i++)
    if (i != first &&
        !yaml_document_append_sequence_item(w->d, seq, items[i])) {
      w->oom = true;
      return;
    }
  pair->value = seq;
}

/* The text of value i of an item (a scalar node), or false. */
static bool value_at(rw *w, const yaml_node_item_t *items, int one, size_t i,
                     vplan *vp) {
  yaml_node_t *x = yaml_document_get_node(w->d, items ? items[i] : one);
  if (!x || x->type != YAML_SCALAR_NODE)
    return false;
  vp->p = (const char *)x->data.scalar.value;
  vp->n = x->data.scalar.length;
  vp->plain = x->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
  return true;
}

static void rewrite_pair(rw *w, yaml_node_pair_t *pair) {
  yaml_node_t *k = yaml_document_get_node(w->d, pair->key);
  if (!k || k->type != YAML_SCALAR_NODE)
    return;
  /* Scalars own their text apart from the node array, which adding nodes
   * may move: kt and the sequence's item array stay valid. */
  const char *kt = (const char *)k->data.scalar.value;
  size_t kn = k->data.scalar.length;
  if (!is_expand_key(kt, kn))
    return;
  yaml_node_t *v = yaml_document_get_node(w->d, pair->value);
  if (!v)
    return;
  const yaml_node_item_t *items = NULL;
  size_t n = 1;
  int one = pair->value;
  if (v->type == YAML_SEQUENCE_NODE) {
    items = v->data.sequence.items.start;
    n = (size_t)(v->data.sequence.items.top - items);
    if (!n || n > SG_MAX_VALUES)
      return; /* the compiler reports it */
  } else if (v->type != YAML_SCALAR_NODE) {
    return;
  }
  vplan *vp = malloc(sizeof *vp);
  size_t maxn = 0;
  for (size_t i = 0; vp && i < n; i++) {
    if (!value_at(w, items, one, i, vp)) {
      free(vp);
      return; /* the compiler reports it */
    }
    if (vp->n > maxn)
      maxn = vp->n;
  }
  char *buf = vp ? malloc(maxn + 1) : NULL;
  if (!buf) {
    free(vp);
    w->oom = true;
    return;
  }
  /* Plan every value first: nothing is added unless all expand. */
  size_t count = 0, bytes = 0, fail = (size_t)-1, first_ph = (size_t)-1;
  for (size_t i = 0; i < n; i++) {
    value_at(w, items, one, i, vp);
    if (!plan(w->ph, vp, buf)) {
      fail = i;
      break;
    }
    if (vp->has_ph && first_ph == (size_t)-1)
      first_ph = i;
    count += vp->count;
    bytes += vp->bytes;
    if (count > SG_MAX_VALUES || w->values + count > SG_MAX_RULE_VALUES ||
        bytes > SG_PH_MAX_DOC_BYTES || w->bytes + bytes > SG_PH_MAX_DOC_BYTES) {
      fail = first_ph != (size_t)-1 ? first_ph : i;
      break;
    }
  }
  if (fail != (size_t)-1) {
    culprit_first(w, pair, items, n, fail);
  } else {
    int seq = yaml_document_add_sequence(w->d, NULL, YAML_ANY_SEQUENCE_STYLE);
    bool ok = seq != 0;
    for (size_t i = 0; ok && i < n; i++) {
      value_at(w, items, one, i, vp);
      ok = plan(w->ph, vp, buf) && emit(w, vp, seq);
    }
    int key = ok ? new_key(w->d, kt, kn) : 0;
    if (key) {
      pair->key = key;
      pair->value = seq;
      w->values += count;
      w->bytes += bytes;
    } else {
      w->oom = true;
    }
  }
  free(buf);
  free(vp);
}

static void rewrite_map(rw *w, int map) {
  yaml_node_t *m = yaml_document_get_node(w->d, map);
  if (!m || m->type != YAML_MAPPING_NODE)
    return;
  /* The pair array is its own allocation: stable while nodes are added. */
  yaml_node_pair_t *b = m->data.mapping.pairs.start,
                   *e = m->data.mapping.pairs.top;
  for (yaml_node_pair_t *p = b; p < e && !w->oom; p++)
    rewrite_pair(w, p);
}

static bool key_is(yaml_document_t *d, int id, const char *w) {
  yaml_node_t *k = yaml_document_get_node(d, id);
  return k && k->type == YAML_SCALAR_NODE &&
         k->data.scalar.length == strlen(w) &&
         !memcmp(k->data.scalar.value, w, k->data.scalar.length);
}

bool sg_ph_rewrite(sp_sigma *s, yaml_document_t *doc) {
  rw w = {s->ph, doc, 0, 0, false};
  yaml_node_t *root = yaml_document_get_root_node(doc);
  if (!root || root->type != YAML_MAPPING_NODE)
    return true;
  int det = 0;
  for (yaml_node_pair_t *p = root->data.mapping.pairs.start;
       p < root->data.mapping.pairs.top; p++)
    if (key_is(doc, p->key, "detection"))
      det = p->value;
  yaml_node_t *dn = yaml_document_get_node(doc, det);
  if (!dn || dn->type != YAML_MAPPING_NODE)
    return true;
  yaml_node_pair_t *b = dn->data.mapping.pairs.start,
                   *e = dn->data.mapping.pairs.top;
  for (yaml_node_pair_t *p = b; p < e && !w.oom; p++) {
    if (key_is(doc, p->key, "condition") || key_is(doc, p->key, "timeframe"))
      continue;
    int sel = p->value;
    yaml_node_t *sn = yaml_document_get_node(doc, sel);
    if (!sn)
      continue;
    if (sn->type == YAML_MAPPING_NODE) {
      rewrite_map(&w, sel);
    } else if (sn->type == YAML_SEQUENCE_NODE) {
      yaml_node_item_t *ib = sn->data.sequence.items.start,
                       *ie = sn->data.sequence.items.top;
      for (yaml_node_item_t *i = ib; i < ie && !w.oom; i++)
        rewrite_map(&w, *i);
    }
  }
  return !w.oom;
}

void sg_ph_explain(const sp_sigma *s, const char *v, size_t n, char *msg,
                   size_t cap) {
  vplan *vp = malloc(sizeof *vp);
  char *buf = malloc(n + 1);
  if (!vp || !buf) {
    snprintf(msg, cap, "out of memory");
    free(vp);
    free(buf);
    return;
  }
  vp->p = v;
  vp->n = n;
  vp->plain = false;
  int nph = scan(v, n, buf, vp->segs, &vp->nseg);
  if (nph < 0) {
    snprintf(msg, cap, "expand: more than %d placeholders in one value",
             SG_PH_MAX_PER_VALUE);
  } else {
    const seg *miss = NULL;
    for (size_t i = 0; i < vp->nseg && !miss; i++) {
      size_t nv;
      if (vp->segs[i].ph && !resolve(s->ph, &vp->segs[i], &nv))
        miss = &vp->segs[i];
    }
    if (miss)
      snprintf(msg, cap,
               "unsupported: expand placeholder %%%.*s%% is not configured "
               "(--sigma-placeholders)",
               (int)(miss->n > 60 ? 60 : miss->n), miss->p);
    else
      snprintf(msg, cap,
               "expand: too many values (at most %d per item, %d and %u MiB "
               "per rule)",
               SG_MAX_VALUES, SG_MAX_RULE_VALUES, SG_PH_MAX_DOC_BYTES >> 20);
  }
  free(buf);
  free(vp);
}
