/*
 * sigma_cond.c - the Sigma condition grammar, parsed into an array of
 * nodes (sg_cond) over the rule's selections.
 *
 *   expr    := and ('or' and)*
 *   and     := unary ('and' unary)*
 *   unary   := 'not' unary | primary
 *   primary := '(' expr ')' | quant | NAME
 *   quant   := ('1' | 'any' | 'all') 'of' (PATTERN | 'them')
 *
 * Precedence not > and > or; keywords are case-insensitive. PATTERN may hold
 * `*` (any run); `them` is every selection whose name does not start with
 * an underscore. `x of` expands at compile time into OR (1, any) or AND
 * (all) of the selections it names; a pattern naming none is an error. The
 * deprecated aggregations (`| count() > n`, `near`) are reported as
 * unsupported. Limits: SG_COND_MAX_DEPTH nesting, SG_COND_MAX_NODES nodes.
 */
#include "sigma/sigma_int.h"

#include <stdlib.h>
#include <string.h>

#define SG_COND_MAX_DEPTH 64
#define SG_COND_MAX_NODES 4096

typedef struct cparse {
  const char *p, *end;
  const char *const *names;
  size_t nsel;
  sg_cond *nodes;
  size_t n, cap;
  sg_cerr *e;
  int depth;
  const char *tok; /* current token */
  size_t tn;
} cparse;

static bool is_sp(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static void next_tok(cparse *c) {
  while (c->p < c->end && is_sp(*c->p))
    c->p++;
  c->tok = c->p;
  if (c->p >= c->end) {
    c->tn = 0;
    return;
  }
  if (*c->p == '(' || *c->p == ')' || *c->p == '|') {
    c->p++;
    c->tn = 1;
    return;
  }
  while (c->p < c->end && !is_sp(*c->p) && *c->p != '(' && *c->p != ')' &&
         *c->p != '|')
    c->p++;
  c->tn = (size_t)(c->p - c->tok);
}

static bool tok_is(const cparse *c, const char *kw) {
  size_t n = strlen(kw);
  if (c->tn != n)
    return false;
  for (size_t i = 0; i < n; i++)
    if (sp_lower((unsigned char)c->tok[i]) != kw[i])
      return false;
  return true;
}

static int node(cparse *c, uint8_t op, int a, int b) {
  if (c->n >= SG_COND_MAX_NODES) {
    sg_fail(c->e, "condition too large");
    return -1;
  }
  if (c->n == c->cap) {
    size_t nc = c->cap ? c->cap * 2 : 32;
    sg_cond *nn = realloc(c->nodes, nc * sizeof *nn);
    if (!nn) {
      sg_fail(c->e, "out of memory");
      return -1;
    }
    c->nodes = nn;
    c->cap = nc;
  }
  c->nodes[c->n] = (sg_cond){op, a, b};
  return (int)c->n++;
}

/* Case-sensitive glob over selection names, '*' only. */
static bool name_glob(const char *pat, size_t pn, const char *s) {
  size_t sn = strlen(s), pi = 0, si = 0, star = (size_t)-1, mark = 0;
  while (si < sn) {
    if (pi < pn && pat[pi] == '*') {
      star = pi++;
      mark = si;
    } else if (pi < pn && pat[pi] == s[si]) {
      pi++;
      si++;
    } else if (star != (size_t)-1) {
      pi = star + 1;
      si = ++mark;
    } else {
      return false;
    }
  }
  while (pi < pn && pat[pi] == '*')
    pi++;
  return pi == pn;
}

static int parse_or(cparse *c);

static int parse_primary(cparse *c) {
  if (c->tn == 0) {
    sg_fail(c->e, "bad condition: unexpected end");
    return -1;
  }
  if (c->tn == 1 && *c->tok == '(') {
    if (++c->depth > SG_COND_MAX_DEPTH) {
      sg_fail(c->e, "bad condition: nested too deep");
      return -1;
    }
    next_tok(c);
    int r = parse_or(c);
    if (r < 0)
      return -1;
    if (!(c->tn == 1 && *c->tok == ')')) {
      sg_fail(c->e, "bad condition: missing ')'");
      return -1;
    }
    c->depth--;
    next_tok(c);
    return r;
  }
  if (c->tn == 1 && (*c->tok == ')' || *c->tok == '|')) {
    if (*c->tok == '|')
      sg_fail(c->e, "unsupported: aggregation in condition (deprecated)");
    else
      sg_fail(c->e, "bad condition: unexpected ')'");
    return -1;
  }
  bool all = tok_is(c, "all"), one = tok_is(c, "1") || tok_is(c, "any");
  bool num = c->tn > 0 && c->tn < 6 && strspn(c->tok, "0123456789") >= c->tn;
  if (all || one || num) {
    const char *save = c->p;
    const char *st = c->tok;
    size_t sn = c->tn;
    next_tok(c);
    if (tok_is(c, "of")) {
      if (!all && !one) {
        sg_fail(c->e, "unsupported: '%.*s of' in condition", (int)sn, st);
        return -1;
      }
      next_tok(c);
      if (c->tn == 0 || (c->tn == 1 && strchr("()|", *c->tok))) {
        sg_fail(c->e, "bad condition: 'of' without a name");
        return -1;
      }
      bool them = tok_is(c, "them");
      int acc = -1;
      for (size_t i = 0; i < c->nsel; i++) {
        const char *nm = c->names[i];
        if (them ? nm[0] == '_' : !name_glob(c->tok, c->tn, nm))
          continue;
        int s = node(c, SG_C_SEL, (int)i, 0);
        if (s < 0)
          return -1;
        acc = acc < 0 ? s : node(c, all ? SG_C_AND : SG_C_OR, acc, s);
        if (acc < 0)
          return -1;
      }
      if (acc < 0) {
        sg_fail(c->e, "bad condition: '%.*s' names no selection",
                (int)(c->tn > 60 ? 60 : c->tn), c->tok);
        return -1;
      }
      next_tok(c);
      return acc;
    }
    c->p = save; /* a selection named "all" or "1" */
    c->tok = st;
    c->tn = sn;
  }
  for (size_t i = 0; i < c->nsel; i++)
    if (strlen(c->names[i]) == c->tn &&
        memcmp(c->names[i], c->tok, c->tn) == 0) {
      next_tok(c);
      return node(c, SG_C_SEL, (int)i, 0);
    }
  if (tok_is(c, "near"))
    sg_fail(c->e, "unsupported: 'near' in condition (deprecated)");
  else
    sg_fail(c->e, "bad condition: unknown selection '%.*s'",
            (int)(c->tn > 60 ? 60 : c->tn), c->tok);
  return -1;
}

static int parse_not(cparse *c) {
  if (tok_is(c, "not")) {
    if (++c->depth > SG_COND_MAX_DEPTH) {
      sg_fail(c->e, "bad condition: nested too deep");
      return -1;
    }
    next_tok(c);
    int a = parse_not(c);
    c->depth--;
    return a < 0 ? -1 : node(c, SG_C_NOT, a, 0);
  }
  return parse_primary(c);
}

static int parse_and(cparse *c) {
  int a = parse_not(c);
  while (a >= 0 && tok_is(c, "and")) {
    next_tok(c);
    int b = parse_not(c);
    a = b < 0 ? -1 : node(c, SG_C_AND, a, b);
  }
  return a;
}

static int parse_or(cparse *c) {
  int a = parse_and(c);
  while (a >= 0 && tok_is(c, "or")) {
    next_tok(c);
    int b = parse_and(c);
    a = b < 0 ? -1 : node(c, SG_C_OR, a, b);
  }
  return a;
}

bool sg_cond_parse(sg_arena *a, const char *text, size_t len,
                   const char *const *sel_names, size_t nsel, sg_cond **nodes,
                   size_t *nnodes, int *root, sg_cerr *e) {
  cparse c = {
      .p = text, .end = text + len, .names = sel_names, .nsel = nsel, .e = e};
  if (*nnodes) { /* keep earlier conditions (a list of conditions) */
    c.cap = c.n = *nnodes;
    c.nodes = malloc(c.cap * sizeof *c.nodes);
    if (!c.nodes) {
      sg_fail(e, "out of memory");
      return false;
    }
    memcpy(c.nodes, *nodes, c.n * sizeof *c.nodes);
  }
  next_tok(&c);
  int r = parse_or(&c);
  if (r >= 0 && c.tn != 0) {
    if (c.tn == 1 && *c.tok == '|')
      sg_fail(e, "unsupported: aggregation in condition (deprecated)");
    else
      sg_fail(e, "bad condition: unexpected '%.*s'",
              (int)(c.tn > 60 ? 60 : c.tn), c.tok);
    r = -1;
  }
  bool ok = false;
  if (r >= 0) {
    sg_cond *out = sg_alloc(a, c.n * sizeof *out);
    if (out) {
      memcpy(out, c.nodes, c.n * sizeof *out);
      *nodes = out;
      *nnodes = c.n;
      *root = r;
      ok = true;
    } else {
      sg_fail(e, "out of memory");
    }
  }
  free(c.nodes);
  return ok;
}
