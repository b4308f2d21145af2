/*
 * binxml.c - EVTX binary XML: compiles fragments and template definitions
 * into flat op lists, and renders records through a sink (evtx.h).
 *
 * Compilation reads the token stream once (every read bounds-checked against
 * the chunk) and produces ops: OPEN name, ATTR name, TEXT literal (values,
 * CDATA, character and entity references), SUB index/type (normal or
 * optional substitution), CLOSE (close-empty or end element), and TPL (a
 * template instance inside a fragment that is not a template). Names are
 * decoded to UTF-8 once, whether inline or shared through the chunk's string
 * table. Ops, names and literals live in the cache's per-chunk arena.
 *
 * Templates are compiled the first time a chunk uses them and found again by
 * their definition offset (a per-chunk table); the arena is reset for each
 * chunk, so memory is bounded by the chunk. A record is rendered by walking
 * its template's ops with its substitution array: values are rendered into
 * the caller's buffer as they are met; a BinXML value (type 0x21) is a nested
 * fragment rendered in place, to SP_EVTX_MAX_NEST levels.
 *
 * Open start elements carry a 2-byte dependency identifier inside template
 * definitions; outside them (BinXML values, fragments without a template)
 * writers differ, so both layouts are tried and the one whose name offset
 * is sound is taken.
 */
#include "evtx/evtx.h"

#include <stdlib.h>
#include <string.h>

enum {
  OP_OPEN = SP_EVTX_OP_OPEN,
  OP_ATTR = SP_EVTX_OP_ATTR,
  OP_CLOSE_START = SP_EVTX_OP_CLOSE_START,
  OP_CLOSE = SP_EVTX_OP_CLOSE,
  OP_TEXT = SP_EVTX_OP_TEXT,
  OP_SUB = SP_EVTX_OP_SUB,
  OP_TPL = SP_EVTX_OP_TPL
};

typedef sp_evtx_op op;

typedef struct tpl {
  uint32_t nops;
  op *ops;
  bool bad;
  bool kept;  /* kept across chunks (ptpl), not in a chunk's arena */
  void *user; /* the sink's plan (kept templates only; sp_evtx_inst) */
} tpl;

#define ARENA_BLOCK (256u << 10)
#define ARENA_MAX (16u << 20) /* per chunk */
#define CHUNK_TPLS 512        /* per-chunk definition-offset table */

typedef struct ablock {
  struct ablock *next;
  size_t used, cap;
  _Alignas(16) unsigned char data[];
} ablock;

/* A template kept across chunks (ptpl). A definition is the same bytes in
 * every chunk except for its name references: each name is a 4-byte chunk
 * offset, pointing just past itself when the name is written inline (then
 * followed by a 4-byte link that also differs per chunk) or to where the
 * name was first written in the chunk. A mark records each such field, so a
 * definition in a new chunk matches a kept one when the bytes between the
 * marks are equal, inline names are inline again and referenced names have
 * the same text. */
typedef struct mark {
  uint32_t pos; /* of the offset field, from the start of the data */
  uint32_t u16; /* referenced name: its UTF-16 in ptpl.u16, */
  uint16_t n;   /* n code units */
  bool inl;
} mark;

typedef struct ptpl {
  struct ptpl *next;
  uint8_t guid[16];
  uint32_t size;
  tpl *t;
  const uint8_t *data; /* size bytes, as first seen */
  const mark *marks;
  uint32_t nmarks;
  const uint8_t *u16;
} ptpl;

#define PT_SLOTS 1024
#define MAX_MARKS 4096

typedef struct name_tmp {
  uint32_t off; /* into str */
  uint32_t n;
} name_tmp;

struct sp_evtx_cache {
  /* per-chunk arena: a chain of blocks, reset (kept) per chunk */
  ablock *head, *cur;
  size_t arena_total;
  /* per-chunk templates by definition offset */
  uint32_t t_off[CHUNK_TPLS];
  tpl *t_ptr[CHUNK_TPLS];
  uint32_t t_gen[CHUNK_TPLS];
  uint32_t gen;
  /* compile scratch */
  op *ops;
  name_tmp *names;
  uint32_t n_names_cap;
  char *str;
  size_t str_cap;
  uint64_t compiled, hits, reused;
  /* name marks of the template being compiled (see ptpl) */
  struct mark *marks;
  uint32_t nmarks;
  /* templates kept across chunks and files: by GUID and size */
  struct ptpl *pt[PT_SLOTS];
  size_t pt_count, pt_bytes;
  bool pt_flush;
  /* the sink's plan destructor (sp_evtx_cache_set_user_free) */
  void (*user_free)(void *);
  /* substitution scratch: one frame per nesting level */
  sp_evtx_sub subs[SP_EVTX_MAX_NEST + 1][SP_EVTX_MAX_SUBS];
};

static inline uint16_t rd16(const uint8_t *p) {
  return (uint16_t)(p[0] | (p[1] << 8));
}
static inline uint32_t rd32(const uint8_t *p) {
  return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) |
         ((uint32_t)p[3] << 24);
}

static void pt_clear(sp_evtx_cache *c) {
  for (size_t i = 0; i < PT_SLOTS; i++) {
    for (ptpl *p = c->pt[i]; p;) {
      ptpl *n = p->next;
      if (p->t->user && c->user_free)
        c->user_free(p->t->user);
      free(p);
      p = n;
    }
    c->pt[i] = NULL;
  }
  c->pt_count = c->pt_bytes = 0;
}

sp_evtx_cache *sp_evtx_cache_create(void) {
  sp_evtx_cache *c = calloc(1, sizeof *c);
  if (!c)
    return NULL;
  c->ops = malloc(SP_EVTX_MAX_OPS * sizeof *c->ops);
  c->n_names_cap = SP_EVTX_MAX_OPS;
  c->names = malloc(c->n_names_cap * sizeof *c->names);
  c->str_cap = 4 * SP_EVTX_CHUNK;
  c->str = malloc(c->str_cap);
  c->marks = malloc(MAX_MARKS * sizeof *c->marks);
  if (!c->ops || !c->names || !c->str || !c->marks) {
    sp_evtx_cache_destroy(c);
    return NULL;
  }
  c->gen = 1;
  return c;
}

void sp_evtx_cache_destroy(sp_evtx_cache *c) {
  if (!c)
    return;
  for (ablock *b = c->head; b;) {
    ablock *n = b->next;
    free(b);
    b = n;
  }
  pt_clear(c);
  free(c->marks);
  free(c->ops);
  free(c->names);
  free(c->str);
  free(c);
}

void sp_evtx_cache_stats(const sp_evtx_cache *c, uint64_t *compiled,
                         uint64_t *hits) {
  *compiled = c->compiled;
  *hits = c->hits + c->reused;
}

void sp_evtx_cache_new_chunk(sp_evtx_cache *c) {
  if (c->pt_flush) {
    pt_clear(c);
    c->pt_flush = false;
  }
  for (ablock *b = c->head; b; b = b->next)
    b->used = 0;
  c->cur = c->head;
  c->arena_total = 0;
  if (++c->gen == 0) {
    memset(c->t_gen, 0, sizeof c->t_gen);
    c->gen = 1;
  }
}

static void *arena_alloc(sp_evtx_cache *c, size_t n) {
  n = (n + 15) & ~(size_t)15;
  if (n > ARENA_MAX || c->arena_total + n > ARENA_MAX)
    return NULL;
  while (c->cur && c->cur->cap - c->cur->used < n)
    c->cur = c->cur->next;
  if (!c->cur) {
    size_t cap = n > ARENA_BLOCK ? n : ARENA_BLOCK;
    ablock *b = malloc(sizeof *b + cap);
    if (!b)
      return NULL;
    b->used = 0;
    b->cap = cap;
    b->next = c->head;
    c->head = b;
    c->cur = b;
  }
  void *p = c->cur->data + c->cur->used;
  c->cur->used += n;
  c->arena_total += n;
  return p;
}

/* ---- compiling ------------------------------------------------------- */

typedef struct cctx {
  sp_evtx_cache *c;
  const sp_evtx_chunk *ch;
  uint32_t pos, end; /* in the chunk */
  uint32_t nops, nnames;
  size_t nstr;
  bool in_template;
  uint32_t data_start; /* template data start in the chunk (marks) */
  uint32_t u16_bytes;  /* referenced-name text recorded by marks */
  const char *err;
} cctx;

static bool need(cctx *x, uint32_t n) {
  if (x->end - x->pos < n) {
    x->err = "binxml runs past its end";
    return false;
  }
  return true;
}

/* UTF-16 (nu units at chunk offset) -> the compile string buffer. */
static bool str_utf16(cctx *x, const uint8_t *p, uint32_t nu, uint32_t *off,
                      uint32_t *len) {
  sp_evtx_buf b = {x->c->str, x->c->str_cap, x->nstr, 0};
  sp_evtx_val v;
  sp_evtx_value(SP_EVTX_T_STRING, p, 2 * (size_t)nu, &b, &v);
  if (b.cut) {
    x->err = "binxml strings too long";
    return false;
  }
  *off = (uint32_t)x->nstr;
  *len = (uint32_t)v.n;
  x->nstr = b.used;
  return true;
}

static bool str_lit(cctx *x, const char *s, size_t n, uint32_t *off) {
  if (x->c->str_cap - x->nstr < n) {
    x->err = "binxml strings too long";
    return false;
  }
  memcpy(x->c->str + x->nstr, s, n);
  *off = (uint32_t)x->nstr;
  x->nstr += n;
  return true;
}

/* A name reference at x->pos: offset u32; when it points just past itself
 * the name follows inline (next u32, hash u16, count u16, UTF-16, NUL u16)
 * and is skipped. Returns the name index, or -1. */
static int32_t read_name(cctx *x) {
  if (!need(x, 4))
    return -1;
  const uint8_t *cp = x->ch->p;
  uint32_t noff = rd32(cp + x->pos);
  x->pos += 4;
  if (noff > x->ch->len || x->ch->len - noff < 8) {
    x->err = "name offset outside the chunk";
    return -1;
  }
  uint32_t nu = rd16(cp + noff + 6);
  if ((size_t)x->ch->len - noff - 8 < 2 * (size_t)nu) {
    x->err = "name runs past the chunk";
    return -1;
  }
  bool inl = noff == x->pos;
  if (x->in_template) {
    if (x->c->nmarks >= MAX_MARKS) {
      x->err = "too many names in a template";
      return -1;
    }
    mark *m = &x->c->marks[x->c->nmarks++];
    m->pos = x->pos - 4 - x->data_start;
    m->inl = inl;
    m->n = (uint16_t)nu;
    m->u16 = noff; /* chunk offset for now; copied in keep() */
    if (!inl)
      x->u16_bytes += 2 * nu;
  }
  if (inl) {
    uint32_t sz = 8 + 2 * nu + 2;
    if (!need(x, sz))
      return -1;
    x->pos += sz;
  }
  if (x->nnames >= x->c->n_names_cap) {
    x->err = "too many names";
    return -1;
  }
  name_tmp *nm = &x->c->names[x->nnames];
  if (!str_utf16(x, cp + noff + 8, nu, &nm->off, &nm->n))
    return -1;
  return (int32_t)x->nnames++;
}

static op *emit(cctx *x, uint8_t k) {
  if (x->nops >= SP_EVTX_MAX_OPS) {
    x->err = "binxml fragment has too many tokens";
    return NULL;
  }
  op *o = &x->c->ops[x->nops++];
  memset(o, 0, sizeof *o);
  o->k = k;
  o->slot = -1;
  return o;
}

/* Size of a value token's data for fixed-size types; 0 if variable. */
static uint32_t fixed_size(uint8_t t) {
  switch (t) {
  case SP_EVTX_T_INT8:
  case SP_EVTX_T_UINT8:
    return 1;
  case SP_EVTX_T_INT16:
  case SP_EVTX_T_UINT16:
    return 2;
  case SP_EVTX_T_INT32:
  case SP_EVTX_T_UINT32:
  case SP_EVTX_T_REAL32:
  case SP_EVTX_T_BOOL:
  case SP_EVTX_T_HEX32:
    return 4;
  case SP_EVTX_T_INT64:
  case SP_EVTX_T_UINT64:
  case SP_EVTX_T_REAL64:
  case SP_EVTX_T_FILETIME:
  case SP_EVTX_T_HEX64:
  case SP_EVTX_T_SIZET:
    return 8;
  case SP_EVTX_T_GUID:
  case SP_EVTX_T_SYSTIME:
    return 16;
  default:
    return 0;
  }
}

/* Whether an open-start-element at p (after the token byte) has the
 * dependency identifier: the name offset must be sound either way. */
static bool has_dep_id(cctx *x) {
  if (x->in_template)
    return true;
  uint32_t at = x->pos;
  /* Without: data size u32 at at, name offset at at+4. */
  bool without = false, with = false;
  if (x->end - at >= 8) {
    uint32_t off = rd32(x->ch->p + at + 4);
    without = off == at + 8 || (off < at && off >= SP_EVTX_CHUNK_HEADER);
  }
  if (x->end - at >= 10) {
    uint32_t off = rd32(x->ch->p + at + 6);
    with = off == at + 10 || (off < at && off >= SP_EVTX_CHUNK_HEADER);
  }
  return with && !without;
}

static bool compile_tokens(cctx *x) {
  const uint8_t *cp = x->ch->p;
  int depth = 0;
  bool seen_element = false;
  while (x->pos < x->end) {
    uint8_t tok = cp[x->pos];
    uint8_t base = tok & 0x0f;
    bool more = (tok & 0x40) != 0;
    x->pos++;
    switch (base) {
    case 0x00: /* end of stream */
      return true;
    case 0x01: { /* open start element */
      if (!need(x, 4))
        return false;
      if (has_dep_id(x))
        x->pos += 2;
      if (!need(x, 4))
        return false;
      x->pos += 4; /* data size */
      int32_t nm = read_name(x);
      if (nm < 0)
        return false;
      if (more) {
        if (!need(x, 4))
          return false;
        x->pos += 4; /* attribute list size */
      }
      if (++depth > SP_EVTX_MAX_DEPTH) {
        x->err = "elements nested too deep";
        return false;
      }
      op *o = emit(x, OP_OPEN);
      if (!o)
        return false;
      o->a = (uint32_t)nm;
      seen_element = true;
      break;
    }
    case 0x02:
      if (!emit(x, OP_CLOSE_START))
        return false;
      break;
    case 0x03:
    case 0x04:
      if (depth <= 0) {
        x->err = "element closed that was not open";
        return false;
      }
      if (!emit(x, OP_CLOSE))
        return false;
      if (--depth == 0 && seen_element && !x->in_template) {
        /* A fragment holds one element; what follows (EOF) ends it. */
      }
      break;
    case 0x05: { /* value */
      if (!need(x, 1))
        return false;
      uint8_t t = cp[x->pos++];
      op *o;
      uint32_t off, len;
      if (t == SP_EVTX_T_STRING) {
        if (!need(x, 2))
          return false;
        uint32_t nu = rd16(cp + x->pos);
        x->pos += 2;
        if (!need(x, 2 * nu))
          return false;
        if (!str_utf16(x, cp + x->pos, nu, &off, &len))
          return false;
        x->pos += 2 * nu;
      } else {
        uint32_t sz = fixed_size(t);
        if (!sz) {
          /* Variable-size non-string: u16 size prefix. */
          if (!need(x, 2))
            return false;
          sz = rd16(cp + x->pos);
          x->pos += 2;
        }
        if (!need(x, sz))
          return false;
        sp_evtx_buf b = {x->c->str, x->c->str_cap, x->nstr, 0};
        sp_evtx_val v;
        if (t == SP_EVTX_T_BINXML ||
            !sp_evtx_value(t, cp + x->pos, sz, &b, &v) || b.cut) {
          x->err = "bad value token";
          return false;
        }
        off = (uint32_t)x->nstr;
        len = (uint32_t)v.n;
        x->nstr = b.used;
        x->pos += sz;
      }
      if (!(o = emit(x, OP_TEXT)))
        return false;
      o->a = off;
      o->n = len;
      break;
    }
    case 0x06: { /* attribute */
      int32_t nm = read_name(x);
      if (nm < 0)
        return false;
      op *o = emit(x, OP_ATTR);
      if (!o)
        return false;
      o->a = (uint32_t)nm;
      break;
    }
    case 0x07: { /* CDATA */
      if (!need(x, 2))
        return false;
      uint32_t nu = rd16(cp + x->pos);
      x->pos += 2;
      if (!need(x, 2 * nu))
        return false;
      op *o = emit(x, OP_TEXT);
      if (!o || !str_utf16(x, cp + x->pos, nu, &o->a, &o->n))
        return false;
      x->pos += 2 * nu;
      break;
    }
    case 0x08: { /* character reference */
      if (!need(x, 2))
        return false;
      uint8_t u[2] = {cp[x->pos], cp[x->pos + 1]};
      x->pos += 2;
      op *o = emit(x, OP_TEXT);
      if (!o || !str_utf16(x, u, 1, &o->a, &o->n))
        return false;
      break;
    }
    case 0x09: { /* entity reference */
      int32_t nm = read_name(x);
      if (nm < 0)
        return false;
      name_tmp *n = &x->c->names[nm];
      const char *s = x->c->str + n->off;
      static const struct {
        const char *name, *val;
      } ents[] = {{"amp", "&"},
                  {"lt", "<"},
                  {"gt", ">"},
                  {"quot", "\""},
                  {"apos", "'"}};
      const char *val = NULL;
      for (size_t i = 0; i < sizeof ents / sizeof ents[0]; i++)
        if (strlen(ents[i].name) == n->n && memcmp(ents[i].name, s, n->n) == 0)
          val = ents[i].val;
      op *o = emit(x, OP_TEXT);
      if (!o)
        return false;
      if (val) {
        if (!str_lit(x, val, strlen(val), &o->a))
          return false;
        o->n = (uint32_t)strlen(val);
      } else {
        /* Unknown entity: keep it as written. */
        uint32_t a;
        if (!str_lit(x, "&", 1, &a))
          return false;
        uint32_t b2;
        if (!str_lit(x, s, n->n, &b2) || !str_lit(x, ";", 1, &b2))
          return false;
        o->a = a;
        o->n = n->n + 2;
      }
      x->nnames--; /* the name is not kept */
      break;
    }
    case 0x0a: { /* processing instruction target */
      int32_t nm = read_name(x);
      if (nm < 0)
        return false;
      x->nnames--;
      break;
    }
    case 0x0b: { /* processing instruction data */
      if (!need(x, 2))
        return false;
      uint32_t nu = rd16(cp + x->pos);
      x->pos += 2;
      if (!need(x, 2 * nu))
        return false;
      x->pos += 2 * nu;
      break;
    }
    case 0x0c: { /* template instance */
      if (x->in_template) {
        x->err = "template instance inside a template";
        return false;
      }
      if (!need(x, 9))
        return false;
      uint32_t def = rd32(cp + x->pos + 5);
      x->pos += 9;
      if (def == x->pos) {
        /* Inline definition: next u32, GUID, data size u32, data. */
        if (!need(x, 24))
          return false;
        uint32_t dsz = rd32(cp + x->pos + 20);
        x->pos += 24;
        if (!need(x, dsz))
          return false;
        x->pos += dsz;
      }
      if (!need(x, 4))
        return false;
      uint32_t nsub = rd32(cp + x->pos);
      x->pos += 4;
      if (nsub > SP_EVTX_MAX_SUBS) {
        x->err = "too many substitutions";
        return false;
      }
      uint32_t desc = x->pos;
      if (!need(x, 4 * nsub))
        return false;
      uint32_t total = 0;
      for (uint32_t i = 0; i < nsub; i++)
        total += rd16(cp + desc + 4 * i);
      x->pos += 4 * nsub;
      if (!need(x, total))
        return false;
      x->pos += total;
      op *o = emit(x, OP_TPL);
      if (!o)
        return false;
      o->a = def;
      o->b = desc;
      o->n = nsub;
      seen_element = true;
      break;
    }
    case 0x0d:
    case 0x0e: { /* normal / optional substitution */
      if (!need(x, 3))
        return false;
      op *o = emit(x, OP_SUB);
      if (!o)
        return false;
      o->idx = rd16(cp + x->pos);
      o->vtype = cp[x->pos + 2];
      o->opt = base == 0x0e;
      x->pos += 3;
      break;
    }
    case 0x0f: /* fragment header */
      if (!need(x, 3))
        return false;
      x->pos += 3;
      break;
    default:
      x->err = "unknown binxml token";
      return false;
    }
  }
  /* Ran to the end of the data without an end-of-stream token: accept
   * what is balanced. */
  if (depth != 0) {
    x->err = "binxml ends inside an element";
    return false;
  }
  return true;
}

/* Bytes the compiled ops, names and strings take. */
static size_t tpl_bytes(const cctx *x) {
  return sizeof(tpl) + x->nops * sizeof(op) + x->nnames * sizeof(sp_evtx_name) +
         x->nstr + 16;
}

/* Lay the compiled ops, names and strings out at m (tpl_bytes(x)). */
static tpl *lay_out(cctx *x, unsigned char *m) {
  tpl *t = (tpl *)m;
  t->nops = x->nops;
  t->bad = false;
  t->kept = false;
  t->user = NULL;
  t->ops = (op *)(m + sizeof(tpl));
  sp_evtx_name *names = (sp_evtx_name *)(t->ops + x->nops);
  char *str = (char *)(names + x->nnames);
  memcpy(str, x->c->str, x->nstr);
  for (uint32_t i = 0; i < x->nnames; i++) {
    names[i].s = str + x->c->names[i].off;
    names[i].n = x->c->names[i].n;
    names[i].fid = -1;
    names[i].tag = -1;
  }
  for (uint32_t i = 0; i < x->nops; i++) {
    op *o = &t->ops[i];
    *o = x->c->ops[i];
    if (o->k == OP_OPEN || o->k == OP_ATTR)
      o->p = &names[o->a];
    else if (o->k == OP_TEXT)
      o->p = str + o->a;
  }
  return t;
}

static bool compile_run(cctx *x, const sp_evtx_chunk *ch, uint32_t start,
                        uint32_t len, const char **err) {
  if (start > ch->len || ch->len - start < len) {
    *err = "binxml outside the chunk";
    return false;
  }
  x->c->nmarks = 0;
  if (!compile_tokens(x)) {
    *err = x->err;
    return false;
  }
  return true;
}

/* A fragment that is not a template: compiled into the chunk arena. */
static tpl *compile(sp_evtx_cache *c, const sp_evtx_chunk *ch, uint32_t start,
                    uint32_t len, const char **err) {
  cctx x = {.c = c, .ch = ch, .pos = start, .end = start + len};
  if (!compile_run(&x, ch, start, len, err))
    return NULL;
  unsigned char *m = arena_alloc(c, tpl_bytes(&x));
  if (!m) {
    *err = "out of template memory";
    return NULL;
  }
  return lay_out(&x, m);
}

static uint32_t pt_slot(const uint8_t *guid, uint32_t size) {
  uint32_t h = rd32(guid) ^ rd32(guid + 4) ^ rd32(guid + 8) ^ rd32(guid + 12);
  return ((h ^ size) * 2654435761u) >> 22; /* 10 bits */
}

/* memcmp(a, b, n) == 0, without a call for up to 16 bytes (the runs
 * between marks and the names are mostly that short): two overlapping
 * loads from each end. */
static inline bool same_bytes(const uint8_t *a, const uint8_t *b, size_t n) {
  if (n >= 8 && n <= 16) {
    uint64_t a0, a1, b0, b1;
    memcpy(&a0, a, 8);
    memcpy(&b0, b, 8);
    memcpy(&a1, a + n - 8, 8);
    memcpy(&b1, b + n - 8, 8);
    return ((a0 ^ b0) | (a1 ^ b1)) == 0;
  }
  if (n >= 4 && n < 8) {
    uint32_t a0, a1, b0, b1;
    memcpy(&a0, a, 4);
    memcpy(&b0, b, 4);
    memcpy(&a1, a + n - 4, 4);
    memcpy(&b1, b + n - 4, 4);
    return ((a0 ^ b0) | (a1 ^ b1)) == 0;
  }
  return memcmp(a, b, n) == 0;
}

/* Whether the definition data at chunk offset off (size bytes) is kept
 * template e (see struct mark). */
static bool pt_match(const ptpl *e, const sp_evtx_chunk *ch, uint32_t off) {
  const uint8_t *d = ch->p + off;
  uint32_t prev = 0;
  for (uint32_t i = 0; i < e->nmarks; i++) {
    const mark *m = &e->marks[i];
    if (!same_bytes(d + prev, e->data + prev, m->pos - prev))
      return false;
    uint32_t noff = rd32(d + m->pos);
    if (m->inl) {
      if (noff != off + m->pos + 4)
        return false;
      prev = m->pos + 8; /* skip the chunk's link to the next name */
    } else {
      if (noff > ch->len || ch->len - noff < 8 ||
          rd16(ch->p + noff + 6) != m->n || (ch->len - noff - 8) / 2 < m->n ||
          !same_bytes(ch->p + noff + 8, e->u16 + m->u16, 2 * (size_t)m->n))
        return false;
      prev = m->pos + 4;
    }
  }
  return memcmp(d + prev, e->data + prev, e->size - prev) == 0;
}

/* Compile a template definition and keep it across chunks. */
static tpl *compile_keep(sp_evtx_cache *c, const sp_evtx_chunk *ch,
                         uint32_t def, uint32_t dsz, const char **err) {
  uint32_t start = def + 24;
  cctx x = {.c = c,
            .ch = ch,
            .pos = start,
            .end = start + dsz,
            .in_template = true,
            .data_start = start};
  if (!compile_run(&x, ch, start, dsz, err))
    return NULL;
  size_t tb = (tpl_bytes(&x) + 15) & ~(size_t)15;
  size_t total =
      sizeof(ptpl) + 16 + tb + c->nmarks * sizeof(mark) + dsz + x.u16_bytes;
  unsigned char *m = NULL;
  if (c->pt_count < SP_EVTX_CACHE_TPL &&
      c->pt_bytes + total <= SP_EVTX_CACHE_BYTES)
    m = malloc(total);
  if (!m) {
    /* Cache full (emptied before the next chunk) or no memory: this
     * chunk's arena holds it. */
    c->pt_flush = true;
    unsigned char *a = arena_alloc(c, tpl_bytes(&x));
    if (!a) {
      *err = "out of template memory";
      return NULL;
    }
    return lay_out(&x, a);
  }
  ptpl *e = (ptpl *)m;
  unsigned char *q = m + ((sizeof(ptpl) + 15) & ~(size_t)15);
  e->t = lay_out(&x, q);
  e->t->kept = true;
  q += tb;
  mark *mk = (mark *)q;
  q += c->nmarks * sizeof(mark);
  uint8_t *data = q;
  memcpy(data, ch->p + start, dsz);
  q += dsz;
  uint8_t *u16 = q;
  uint32_t u = 0;
  for (uint32_t i = 0; i < c->nmarks; i++) {
    mk[i] = c->marks[i];
    if (!mk[i].inl) {
      memcpy(u16 + u, ch->p + c->marks[i].u16 + 8, 2 * (size_t)mk[i].n);
      mk[i].u16 = u;
      u += 2 * mk[i].n;
    }
  }
  memcpy(e->guid, ch->p + def + 4, 16);
  e->size = dsz;
  e->data = data;
  e->marks = mk;
  e->nmarks = c->nmarks;
  e->u16 = u16;
  uint32_t slot = pt_slot(e->guid, dsz);
  e->next = c->pt[slot];
  c->pt[slot] = e;
  c->pt_count++;
  c->pt_bytes += total;
  return e->t;
}

/* The template defined at chunk offset def: kept from an earlier chunk when
 * its definition matches, else compiled. */
static tpl *find_template(sp_evtx_cache *c, const sp_evtx_chunk *ch,
                          uint32_t def, const char **err) {
  if (def > ch->len || ch->len - def < 24) {
    *err = "template definition outside the chunk";
    return NULL;
  }
  uint32_t dsz = rd32(ch->p + def + 20);
  if (dsz < 4 || dsz > ch->len - def - 24 ||
      (ch->p[def + 24] != 0x0f && (ch->p[def + 24] & 0x0f) != 0x01)) {
    *err = "no template definition at the referenced offset";
    return NULL;
  }
  const uint8_t *guid = ch->p + def + 4;
  for (ptpl *e = c->pt[pt_slot(guid, dsz)]; e; e = e->next)
    if (e->size == dsz && memcmp(e->guid, guid, 16) == 0 &&
        pt_match(e, ch, def + 24)) {
      c->reused++;
      return e->t;
    }
  c->compiled++;
  return compile_keep(c, ch, def, dsz, err);
}

/* The template defined at chunk offset def, found once per chunk. */
static tpl *get_template(sp_evtx_cache *c, const sp_evtx_chunk *ch,
                         uint32_t def, const char **err) {
  uint32_t h = (def * 2654435761u) >> 23; /* 9 bits */
  for (uint32_t i = 0; i < CHUNK_TPLS; i++) {
    uint32_t k = (h + i) & (CHUNK_TPLS - 1);
    if (c->t_gen[k] != c->gen) {
      tpl *t = find_template(c, ch, def, err);
      if (!t)
        return NULL; /* not remembered: a later record may report it too */
      c->t_gen[k] = c->gen;
      c->t_off[k] = def;
      c->t_ptr[k] = t;
      return t;
    }
    if (c->t_off[k] == def) {
      c->hits++;
      return c->t_ptr[k];
    }
  }
  return find_template(c, ch, def, err); /* table full */
}

/* ---- rendering ------------------------------------------------------- */

typedef struct rctx {
  sp_evtx_cache *c;
  const sp_evtx_chunk *ch;
  const sp_evtx_sink *sk;
  sp_evtx_buf *out;
  sp_evtx_rstat *st;
} rctx;

typedef struct attr_acc {
  sp_evtx_name *name;
  sp_evtx_val v;   /* the first piece */
  unsigned pieces; /* pieces so far */
  size_t start;    /* where the concatenation begins (pieces >= 2) */
  bool skip;
} attr_acc;

static void buf_put(sp_evtx_buf *out, const char *s, size_t n) {
  if (n > out->cap - out->used) {
    out->cut++;
    n = out->cap - out->used;
  }
  memmove(out->p + out->used, s, n);
  out->used += n;
}

/* Count a piece; true when it must be appended to a concatenation (which is
 * started here with the first piece when this is the second). */
static bool attr_more(rctx *r, attr_acc *a) {
  if (a->pieces++ == 0)
    return false;
  if (a->pieces == 2) {
    a->start = r->out->used;
    buf_put(r->out, a->v.s, a->v.n);
  }
  return true;
}

static void attr_flush(rctx *r, attr_acc *a) {
  if (a->name && !a->skip) {
    if (a->pieces == 0) {
      a->v = (sp_evtx_val){.s = "", .n = 0, .type = SP_EVTX_T_STRING};
    } else if (a->pieces > 1) {
      a->v = (sp_evtx_val){.s = r->out->p + a->start,
                           .n = r->out->used - a->start,
                           .type = SP_EVTX_T_STRING};
    }
    r->sk->attr(r->sk->user, a->name, &a->v);
  }
  memset(a, 0, sizeof *a);
}

static const char *render_fragment(rctx *r, uint32_t off, uint32_t len,
                                   int nest);

/* Read a substitution array: nsub descriptors at chunk offset desc, then
 * the values. Past SP_EVTX_MAX_SUBS values are not read (counted; the
 * template then finds them missing) and *nsub is cut. *binxml (when not
 * NULL) tells whether a value is nested BinXML. */
static const char *fill_subs(const sp_evtx_chunk *ch, uint32_t desc,
                             uint32_t *nsub, sp_evtx_sub *subs, bool *binxml,
                             sp_evtx_rstat *st) {
  const uint8_t *cp = ch->p;
  uint32_t n = *nsub;
  if (desc > ch->len || (ch->len - desc) / 4 < n)
    return "substitution array outside the chunk";
  uint32_t data = desc + 4 * n;
  if (n > SP_EVTX_MAX_SUBS) {
    st->limit_subs++;
    n = SP_EVTX_MAX_SUBS;
  }
  bool bx = false;
  /* data <= len holds (checked above, then each size against the rest) */
  const uint8_t *d = cp + desc;
  uint32_t left = ch->len - data;
  for (uint32_t i = 0; i < n; i++, d += 4) {
    uint32_t sz = rd16(d);
    uint8_t t = d[2];
    if (sz > left)
      return "substitution value outside the chunk";
    subs[i].p = cp + data;
    subs[i].n = sz;
    subs[i].t = t;
    bx |= t == SP_EVTX_T_BINXML;
    data += sz;
    left -= sz;
  }
  *nsub = n;
  if (binxml)
    *binxml = bx;
  return NULL;
}

/* Whether the fragment at [off, off+len) is the usual fragment header plus
 * one template instance: 1 with the definition offset, the descriptors'
 * offset and the count; 0 for another shape; -1 with *err on damage. */
static int instance_at(const sp_evtx_chunk *ch, uint32_t off, uint32_t len,
                       uint32_t *def, uint32_t *desc, uint32_t *nsub,
                       sp_evtx_rstat *st, const char **err) {
  const uint8_t *p = ch->p + off;
  uint32_t q = 0;
  if (len >= 4 && p[0] == 0x0f)
    q = 4;
  if (len - q < 10 || p[q] != 0x0c)
    return 0;
  uint32_t pos = off + q + 1;
  *def = rd32(ch->p + pos + 5);
  pos += 9;
  if (*def == pos) {
    if (len < pos - off + 24) {
      *err = "template definition runs past the record";
      return -1;
    }
    uint32_t dsz = rd32(ch->p + pos + 20);
    if (dsz > len - (pos - off) - 24) {
      *err = "template definition runs past the record";
      return -1;
    }
    pos += 24 + dsz;
  }
  if (len < pos - off + 4) {
    *err = "substitution count runs past the record";
    return -1;
  }
  *nsub = rd32(ch->p + pos);
  pos += 4;
  if (*nsub > (len - (pos - off)) / 4) {
    if (*nsub > SP_EVTX_MAX_SUBS)
      st->limit_subs++;
    *err = "substitution array runs past the record";
    return -1;
  }
  *desc = pos;
  return 1;
}

static const char *render_instance(rctx *r, uint32_t def, uint32_t desc,
                                   uint32_t nsub, int nest) {
  if (nest > SP_EVTX_MAX_NEST) {
    r->st->limit_depth++;
    return NULL;
  }
  const char *err = NULL;
  tpl *t = get_template(r->c, r->ch, def, &err);
  if (!t)
    return err ? err : "bad template";
  const uint8_t *cp = r->ch->p;
  sp_evtx_sub *subs = r->c->subs[nest];
  if ((err = fill_subs(r->ch, desc, &nsub, subs, NULL, r->st)) != NULL)
    return err;

  /* Walk the ops. An attribute's value may be several pieces: the first is
   * kept as it is (a literal keeps its cache slot); from the second on they
   * are concatenated at the end of the buffer. */
  attr_acc a = {0};
  for (uint32_t i = 0; i < t->nops; i++) {
    op *o = &t->ops[i];
    switch (o->k) {
    case OP_OPEN:
      attr_flush(r, &a);
      r->sk->open(r->sk->user, (sp_evtx_name *)o->p);
      break;
    case OP_ATTR:
      attr_flush(r, &a);
      a.name = (sp_evtx_name *)o->p;
      break;
    case OP_CLOSE_START:
      attr_flush(r, &a);
      break;
    case OP_CLOSE:
      attr_flush(r, &a);
      r->sk->close(r->sk->user);
      break;
    case OP_TEXT: {
      sp_evtx_val v = {
          .s = o->p, .n = o->n, .type = SP_EVTX_T_STRING, .slot = &o->slot};
      if (a.name) {
        if (attr_more(r, &a))
          buf_put(r->out, o->p, o->n);
        else
          a.v = v;
      } else {
        r->sk->text(r->sk->user, &v);
      }
      break;
    }
    case OP_SUB: {
      sp_evtx_sub *s = o->idx < nsub ? &subs[o->idx] : NULL;
      if (!s || s->t == SP_EVTX_T_NULL || (o->opt && s->n == 0)) {
        if (a.name && a.pieces == 0 && o->opt)
          a.skip = true; /* an optional value that is absent drops it */
        break;
      }
      if (s->t == SP_EVTX_T_BINXML) {
        if (a.name)
          break; /* markup has no place in an attribute */
        const char *e =
            render_fragment(r, (uint32_t)(s->p - cp), s->n, nest + 1);
        if (e)
          return e;
        break;
      }
      sp_evtx_val v;
      if (a.name) {
        a.skip = false;
        bool more = attr_more(r, &a);
        if (!sp_evtx_value(s->t, s->p, s->n, r->out, &v))
          v.n = 0;
        if (!more)
          a.v = v;
        break;
      }
      if (!sp_evtx_value(s->t, s->p, s->n, r->out, &v))
        v.n = 0;
      r->sk->text(r->sk->user, &v);
      break;
    }
    case OP_TPL:
      return "template instance in a template";
    }
  }
  attr_flush(r, &a);
  return NULL;
}

/* A fragment: the usual header + one template instance is read directly;
 * anything else is compiled (into the chunk arena) and walked. */
static const char *render_fragment(rctx *r, uint32_t off, uint32_t len,
                                   int nest) {
  if (nest > SP_EVTX_MAX_NEST) {
    r->st->limit_depth++;
    return NULL;
  }
  const char *err = NULL;
  uint32_t def, desc, nsub;
  int shape = instance_at(r->ch, off, len, &def, &desc, &nsub, r->st, &err);
  if (shape < 0)
    return err;
  if (shape > 0)
    return render_instance(r, def, desc, nsub, nest);
  /* General case. */
  tpl *t = compile(r->c, r->ch, off, len, &err);
  if (!t)
    return err;
  /* Walk with no substitutions of its own; TPL ops render instances. */
  for (uint32_t i = 0; i < t->nops; i++) {
    op *o = &t->ops[i];
    switch (o->k) {
    case OP_OPEN:
      r->sk->open(r->sk->user, (sp_evtx_name *)o->p);
      break;
    case OP_CLOSE:
      r->sk->close(r->sk->user);
      break;
    case OP_ATTR: {
      /* Literal attribute values: the TEXT ops that follow. */
      sp_evtx_val v = {.s = "", .n = 0, .type = SP_EVTX_T_STRING};
      size_t start = r->out->used;
      uint32_t j = i + 1, pieces = 0;
      for (; j < t->nops && t->ops[j].k == OP_TEXT; j++) {
        size_t k = t->ops[j].n <= r->out->cap - r->out->used ? t->ops[j].n : 0;
        memcpy(r->out->p + r->out->used, t->ops[j].p, k);
        r->out->used += k;
        pieces++;
      }
      v.s = r->out->p + start;
      v.n = r->out->used - start;
      r->sk->attr(r->sk->user, (sp_evtx_name *)o->p, &v);
      i = j - 1;
      break;
    }
    case OP_TEXT: {
      sp_evtx_val v = {.s = o->p, .n = o->n, .type = SP_EVTX_T_STRING};
      r->sk->text(r->sk->user, &v);
      break;
    }
    case OP_TPL: {
      const char *e = render_instance(r, o->a, o->b, o->n, nest);
      if (e)
        return e;
      break;
    }
    default:
      break; /* CLOSE_START; SUB has nothing to refer to here */
    }
  }
  return NULL;
}

const char *sp_evtx_render(sp_evtx_cache *c, const sp_evtx_chunk *ch,
                           uint32_t off, uint32_t len, const sp_evtx_sink *sk,
                           sp_evtx_buf *out, sp_evtx_rstat *st) {
  if (off > ch->len || ch->len - off < len)
    return "record outside the chunk";
  rctx r = {c, ch, sk, out, st};
  return render_fragment(&r, off, len, 0);
}

int sp_evtx_instance(sp_evtx_cache *c, const sp_evtx_chunk *ch, uint32_t off,
                     uint32_t len, int level, sp_evtx_inst *in,
                     sp_evtx_rstat *st, const char **err) {
  *err = NULL;
  if (level < 0 || level > SP_EVTX_MAX_NEST)
    return 0;
  if (off > ch->len || ch->len - off < len) {
    *err = "record outside the chunk";
    return -1;
  }
  uint32_t def, desc, nsub;
  int k = instance_at(ch, off, len, &def, &desc, &nsub, st, err);
  if (k <= 0)
    return k;
  if (nsub > SP_EVTX_MAX_SUBS)
    return 0; /* the full walk reports the limit */
  tpl *t = get_template(c, ch, def, err);
  if (!t) {
    if (!*err)
      *err = "bad template";
    return -1;
  }
  sp_evtx_sub *subs = c->subs[level];
  if ((*err = fill_subs(ch, desc, &nsub, subs, &in->binxml, st)) != NULL)
    return -1;
  in->ops = t->ops;
  in->nops = t->nops;
  in->subs = subs;
  in->nsub = nsub;
  in->user = t->kept ? &t->user : NULL;
  return 1;
}

void sp_evtx_cache_set_user_free(sp_evtx_cache *c, void (*fn)(void *)) {
  c->user_free = fn;
}
