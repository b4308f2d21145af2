/*
 * jsontree.c - the bounded JSON parser of json.h: an iterative-descent parser
 * (recursion bounded by SP_JTREE_MAX_DEPTH) that builds a node array with
 * first-child / next-sibling links and copies unescaped strings into one
 * arena. Owns the tree and the arena.
 */
#include "core/jsontree.h"

#include <stdlib.h>
#include <string.h>

typedef struct jnode {
  uint8_t type;
  uint32_t child, next;
  uint32_t key_off, key_len; /* object members: the key in the arena */
  uint32_t off, len;         /* strings and numbers: the text */
} jnode;

struct sp_jtree {
  jnode *nodes;
  size_t n, cap;
  char *arena;
  size_t an, acap;
};

typedef struct parser {
  const char *p, *end, *start;
  sp_jtree *j;
  sp_err err;
} parser;

static uint32_t new_node(parser *ps, sp_jtype t) {
  sp_jtree *j = ps->j;
  if (j->n >= SP_JTREE_MAX_NODES) {
    ps->err = SP_ELIMIT;
    return SP_JNONE;
  }
  if (j->n == j->cap) {
    size_t nc = j->cap ? j->cap * 2 : 64;
    jnode *nn = realloc(j->nodes, nc * sizeof *nn);
    if (!nn) {
      ps->err = SP_ENOMEM;
      return SP_JNONE;
    }
    j->nodes = nn;
    j->cap = nc;
  }
  jnode *x = &j->nodes[j->n];
  memset(x, 0, sizeof *x);
  x->type = (uint8_t)t;
  x->child = x->next = SP_JNONE;
  return (uint32_t)j->n++;
}

static bool arena_room(parser *ps, size_t more) {
  sp_jtree *j = ps->j;
  if (j->an + more <= j->acap)
    return true;
  size_t nc = j->acap ? j->acap : 4096;
  while (nc < j->an + more)
    nc *= 2;
  char *na = realloc(j->arena, nc);
  if (!na) {
    ps->err = SP_ENOMEM;
    return false;
  }
  j->arena = na;
  j->acap = nc;
  return true;
}

static void skip_ws(parser *ps) {
  while (ps->p < ps->end &&
         (*ps->p == ' ' || *ps->p == '\t' || *ps->p == '\n' || *ps->p == '\r'))
    ps->p++;
}

static int hexv(char c) {
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
}

static bool hex4(parser *ps, unsigned *out) {
  if (ps->end - ps->p < 4)
    return false;
  unsigned v = 0;
  for (int i = 0; i < 4; i++) {
    int h = hexv(ps->p[i]);
    if (h < 0)
      return false;
    v = v << 4 | (unsigned)h;
  }
  ps->p += 4;
  *out = v;
  return true;
}

static size_t put_utf8(char *d, unsigned cp) {
  if (cp < 0x80) {
    d[0] = (char)cp;
    return 1;
  }
  if (cp < 0x800) {
    d[0] = (char)(0xC0 | cp >> 6);
    d[1] = (char)(0x80 | (cp & 0x3F));
    return 2;
  }
  if (cp < 0x10000) {
    d[0] = (char)(0xE0 | cp >> 12);
    d[1] = (char)(0x80 | (cp >> 6 & 0x3F));
    d[2] = (char)(0x80 | (cp & 0x3F));
    return 3;
  }
  d[0] = (char)(0xF0 | cp >> 18);
  d[1] = (char)(0x80 | (cp >> 12 & 0x3F));
  d[2] = (char)(0x80 | (cp >> 6 & 0x3F));
  d[3] = (char)(0x80 | (cp & 0x3F));
  return 4;
}

/* At the opening quote; copies the unescaped string into the arena. */
static bool parse_string(parser *ps, uint32_t *off, uint32_t *len) {
  ps->p++;
  const char *q = ps->p;
  while (q < ps->end && *q != '"')
    q += (*q == '\\') ? 2 : 1;
  if (q >= ps->end)
    return false;
  size_t raw = (size_t)(q - ps->p);
  if (!arena_room(ps, raw + 1))
    return false;
  char *d = ps->j->arena + ps->j->an;
  size_t k = 0;
  while (ps->p < q) {
    unsigned char c = (unsigned char)*ps->p;
    if (c < 0x20)
      return false;
    if (c != '\\') {
      d[k++] = (char)c;
      ps->p++;
      continue;
    }
    ps->p++;
    char e = *ps->p++;
    switch (e) {
    case '"':
      d[k++] = '"';
      break;
    case '\\':
      d[k++] = '\\';
      break;
    case '/':
      d[k++] = '/';
      break;
    case 'b':
      d[k++] = '\b';
      break;
    case 'f':
      d[k++] = '\f';
      break;
    case 'n':
      d[k++] = '\n';
      break;
    case 'r':
      d[k++] = '\r';
      break;
    case 't':
      d[k++] = '\t';
      break;
    case 'u': {
      unsigned cp;
      if (!hex4(ps, &cp))
        return false;
      if (cp >= 0xD800 && cp < 0xDC00) {
        unsigned lo;
        if (q - ps->p >= 6 && ps->p[0] == '\\' && ps->p[1] == 'u') {
          const char *save = ps->p;
          ps->p += 2;
          if (hex4(ps, &lo) && lo >= 0xDC00 && lo < 0xE000)
            cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
          else {
            ps->p = save;
            cp = 0xFFFD;
          }
        } else
          cp = 0xFFFD;
      } else if (cp >= 0xDC00 && cp < 0xE000)
        cp = 0xFFFD;
      /* \uXXXX (6 bytes) never needs more than 4 output bytes; a pair (12)
       * gives 4: the output stays within raw. */
      k += put_utf8(d + k, cp);
      break;
    }
    default:
      return false;
    }
  }
  ps->p = q + 1;
  d[k] = '\0';
  *off = (uint32_t)ps->j->an;
  *len = (uint32_t)k;
  ps->j->an += k + 1;
  return true;
}

static bool parse_number(parser *ps, uint32_t *off, uint32_t *len) {
  const char *s = ps->p;
  if (ps->p < ps->end && *ps->p == '-')
    ps->p++;
  const char *digits = ps->p;
  while (ps->p < ps->end &&
         ((*ps->p >= '0' && *ps->p <= '9') || *ps->p == '.' || *ps->p == 'e' ||
          *ps->p == 'E' || *ps->p == '+' || *ps->p == '-'))
    ps->p++;
  if (ps->p == digits || (size_t)(ps->p - s) > 64)
    return false;
  size_t n = (size_t)(ps->p - s);
  if (!arena_room(ps, n + 1))
    return false;
  memcpy(ps->j->arena + ps->j->an, s, n);
  ps->j->arena[ps->j->an + n] = '\0';
  *off = (uint32_t)ps->j->an;
  *len = (uint32_t)n;
  ps->j->an += n + 1;
  return true;
}

static bool lit(parser *ps, const char *w) {
  size_t n = strlen(w);
  if ((size_t)(ps->end - ps->p) < n || memcmp(ps->p, w, n) != 0)
    return false;
  ps->p += n;
  return true;
}

static uint32_t parse_value(parser *ps, int depth);

static uint32_t parse_container(parser *ps, int depth, bool obj) {
  uint32_t me = new_node(ps, obj ? SP_J_OBJECT : SP_J_ARRAY);
  if (me == SP_JNONE)
    return SP_JNONE;
  ps->p++;
  skip_ws(ps);
  if (ps->p < ps->end && *ps->p == (obj ? '}' : ']')) {
    ps->p++;
    return me;
  }
  uint32_t last = SP_JNONE;
  for (;;) {
    uint32_t koff = 0, klen = 0;
    skip_ws(ps);
    if (obj) {
      if (ps->p >= ps->end || *ps->p != '"' || !parse_string(ps, &koff, &klen))
        return SP_JNONE;
      skip_ws(ps);
      if (ps->p >= ps->end || *ps->p != ':')
        return SP_JNONE;
      ps->p++;
    }
    uint32_t v = parse_value(ps, depth + 1);
    if (v == SP_JNONE)
      return SP_JNONE;
    jnode *nodes = ps->j->nodes;
    nodes[v].key_off = koff;
    nodes[v].key_len = klen;
    if (last == SP_JNONE)
      nodes[me].child = v;
    else
      nodes[last].next = v;
    last = v;
    skip_ws(ps);
    if (ps->p >= ps->end)
      return SP_JNONE;
    if (*ps->p == ',') {
      ps->p++;
      continue;
    }
    if (*ps->p == (obj ? '}' : ']')) {
      ps->p++;
      return me;
    }
    return SP_JNONE;
  }
}

static uint32_t parse_value(parser *ps, int depth) {
  if (depth > SP_JTREE_MAX_DEPTH) {
    ps->err = SP_ELIMIT;
    return SP_JNONE;
  }
  skip_ws(ps);
  if (ps->p >= ps->end)
    return SP_JNONE;
  char c = *ps->p;
  if (c == '{' || c == '[')
    return parse_container(ps, depth, c == '{');
  uint32_t off = 0, len = 0, me;
  if (c == '"') {
    if (!parse_string(ps, &off, &len))
      return SP_JNONE;
    me = new_node(ps, SP_J_STRING);
  } else if (c == '-' || (c >= '0' && c <= '9')) {
    if (!parse_number(ps, &off, &len))
      return SP_JNONE;
    me = new_node(ps, SP_J_NUMBER);
  } else if (lit(ps, "true"))
    return new_node(ps, SP_J_TRUE);
  else if (lit(ps, "false"))
    return new_node(ps, SP_J_FALSE);
  else if (lit(ps, "null"))
    return new_node(ps, SP_J_NULL);
  else
    return SP_JNONE;
  if (me != SP_JNONE) {
    ps->j->nodes[me].off = off;
    ps->j->nodes[me].len = len;
  }
  return me;
}

sp_err sp_jtree_parse(const char *text, size_t n, sp_jtree **out, size_t *line,
                     size_t *offset) {
  *out = NULL;
  if (n > SP_JTREE_MAX_BYTES)
    return SP_ELIMIT;
  sp_jtree *j = calloc(1, sizeof *j);
  if (!j)
    return SP_ENOMEM;
  parser ps = {text, text + n, text, j, SP_OK};
  if (n >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0)
    ps.p += 3;
  uint32_t root = parse_value(&ps, 0);
  if (root != SP_JNONE) {
    skip_ws(&ps);
    if (ps.p != ps.end)
      root = SP_JNONE;
  }
  if (root == SP_JNONE) {
    if (line) {
      size_t l = 1;
      for (const char *q = text; q < ps.p && q < ps.end; q++)
        l += *q == '\n';
      *line = l;
    }
    if (offset)
      *offset = (size_t)(ps.p - text);
    sp_jtree_destroy(j);
    return ps.err ? ps.err : SP_EFORMAT;
  }
  *out = j;
  return SP_OK;
}

void sp_jtree_destroy(sp_jtree *j) {
  if (!j)
    return;
  free(j->nodes);
  free(j->arena);
  free(j);
}

sp_jtype sp_jtree_type(const sp_jtree *j, uint32_t node) {
  return node < j->n ? (sp_jtype)j->nodes[node].type : SP_J_NULL;
}

sp_str sp_jtree_text(const sp_jtree *j, uint32_t node) {
  if (node >= j->n || (j->nodes[node].type != SP_J_STRING &&
                       j->nodes[node].type != SP_J_NUMBER))
    return sp_str_make("", 0);
  return sp_str_make(j->arena + j->nodes[node].off, j->nodes[node].len);
}

uint32_t sp_jtree_child(const sp_jtree *j, uint32_t node) {
  return node < j->n ? j->nodes[node].child : SP_JNONE;
}

uint32_t sp_jtree_next(const sp_jtree *j, uint32_t node) {
  return node < j->n ? j->nodes[node].next : SP_JNONE;
}

sp_str sp_jtree_key(const sp_jtree *j, uint32_t node) {
  if (node >= j->n || !j->arena)
    return sp_str_make("", 0);
  return sp_str_make(j->arena + j->nodes[node].key_off, j->nodes[node].key_len);
}

uint32_t sp_jtree_get(const sp_jtree *j, uint32_t obj, const char *key) {
  if (sp_jtree_type(j, obj) != SP_J_OBJECT)
    return SP_JNONE;
  for (uint32_t c = sp_jtree_child(j, obj); c != SP_JNONE;
       c = sp_jtree_next(j, c))
    if (sp_str_eq(sp_jtree_key(j, c), key))
      return c;
  return SP_JNONE;
}

sp_str sp_jtree_get_str(const sp_jtree *j, uint32_t obj, const char *key) {
  uint32_t v = sp_jtree_get(j, obj, key);
  return v == SP_JNONE ? sp_str_make("", 0) : sp_jtree_text(j, v);
}
