/*
 * zeek.c - reader for Zeek's TSV logs ("zeek"), any log type.
 *
 * Driven by the header Zeek writes before the data: #separator (written
 * with \x escapes, e.g. "\x09"), #set_separator, #empty_field,
 * #unset_field, #path (the log type, which becomes the event kind), #fields
 * (the column names, which become field names as they are) and #types
 * (addr -> SP_T_IP, count/int/port -> SP_T_INT, time -> SP_T_TIME with the
 * time parsed from epoch seconds; set[t] and vector[t] columns give one
 * value per element, a list). #open/#close are ignored. Any field set works:
 * Zeek versions differ and sites add columns. A new header mid-file (logs
 * concatenated, a writer restart) replaces the layout. Without #path the
 * log type comes from the file name (conn.log, dns.<rotation>.log.gz), else
 * the kind is "zeek".
 *
 * State: the header values and, once #fields (and #types) are known, a
 * column table (field id, ECS field, element type) built once per header.
 * A data line is split in place (zero copy); only values holding a \xHH
 * escape are decoded, into the context's scratch. The "ts" column also sets
 * ev->ts. Columns also fill the ECS fast fields of netfields.h.
 *
 * Errors: a data line before any #fields, or whose value count differs
 * from the header's, is malformed (skipped, counted). More than
 * SP_MAX_COLUMNS columns, or names the engine cannot intern, are limits.
 */
#include "event/names.h"
#include "readers/netfields.h"
#include "readers/reader.h"

#include <stdio.h>
#include <stdlib.h>

#define ZK_META 64 /* bytes of a header value (separators, markers, path) */

typedef struct zk_col {
  int fid;      /* interned field id, or -1 (dropped) */
  int ecs;      /* ECS field it also fills, or -1 */
  uint8_t type; /* sp_ftype of the value or of each element */
  bool list;    /* set[..] or vector[..] */
  bool time;    /* time: parse epoch seconds */
  bool ts;      /* the "ts" column */
} zk_col;

typedef struct zk_state {
  char sep[ZK_META], setsep[ZK_META], empty[ZK_META], unset[ZK_META];
  size_t sep_n, setsep_n, empty_n, unset_n;
  char path[ZK_META];
  size_t path_n;
  char *fields, *types; /* copies of the #fields / #types values */
  size_t fields_n, types_n;
  bool built;
  int ncols;
  int kind;
  zk_col col[SP_MAX_COLUMNS];
} zk_state;

static void *zk_create(void) {
  zk_state *s = calloc(1, sizeof *s);
  if (!s)
    return NULL;
  s->sep[0] = '\t';
  s->sep_n = 1;
  s->setsep[0] = ',';
  s->setsep_n = 1;
  memcpy(s->empty, "(empty)", 7);
  s->empty_n = 7;
  s->unset[0] = '-';
  s->unset_n = 1;
  return s;
}

static void zk_destroy(void *st) {
  zk_state *s = st;
  if (!s)
    return;
  free(s->fields);
  free(s->types);
  free(s);
}

static int hexval(int c) {
  if (c >= '0' && c <= '9')
    return c - '0';
  c |= 0x20;
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  return -1;
}

/* Decode Zeek's ASCII writer's escaping of p[0..n) into d (cap >= n):
 * doubled backslashes, and \xHH where it stands for a printable byte or a
 * tab (escaped separators). Other bytes (NUL, controls, non-ASCII) stay
 * "\xHH" text, as Zeek's JSON writer renders them too, so both log forms
 * give the same value. Returns the length. */
static size_t unescape(const char *p, size_t n, char *d) {
  size_t o = 0;
  for (size_t i = 0; i < n; i++) {
    if (p[i] == '\\' && i + 3 < n && p[i + 1] == 'x') {
      int h = hexval((unsigned char)p[i + 2]);
      int l = hexval((unsigned char)p[i + 3]);
      int v = h * 16 + l;
      if (h >= 0 && l >= 0 && ((v >= 0x20 && v < 0x7f) || v == '\t')) {
        d[o++] = (char)v;
        i += 3;
        continue;
      }
    }
    if (p[i] == '\\' && i + 1 < n && p[i + 1] == '\\')
      i++; /* Zeek writes a backslash as two */
    d[o++] = p[i];
  }
  return o;
}

/* Store a header value (escapes decoded) into a ZK_META buffer. */
static bool set_meta(char *dst, size_t *dn, const char *p, size_t n) {
  if (n >= ZK_META)
    return false;
  *dn = unescape(p, n, dst);
  return *dn > 0 || n == 0;
}

static bool copy_line(char **dst, size_t *dn, const char *p, size_t n) {
  char *c = malloc(n ? n : 1);
  if (!c)
    return false;
  memcpy(c, p, n);
  free(*dst);
  *dst = c;
  *dn = n;
  return true;
}

/* The first c in [p, end), or end: eight bytes at a time (the classic
 * "has zero byte" test on the bytes xor c; the lowest flagged byte is
 * exact), then byte by byte. Zeek's fields are short, so this beats a
 * memchr call per field. */
static inline const char *find_byte(const char *p, const char *end, char c) {
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
  const uint64_t ones = 0x0101010101010101ull, m = ones * (uint8_t)c;
  while (end - p >= 8) {
    uint64_t x;
    memcpy(&x, p, 8);
    x ^= m;
    uint64_t t = (x - ones) & ~x & (ones << 7);
    if (t)
      return p + (__builtin_ctzll(t) >> 3);
    p += 8;
  }
#endif
  while (p < end && *p != c)
    p++;
  return p;
}

/* Next item of p[0..n) split by sep at *pos; false at the end. */
static bool split_next(const char *p, size_t n, const char *sep, size_t sep_n,
                       size_t *pos, sp_str *out) {
  if (*pos > n)
    return false;
  const char *q = p + *pos;
  size_t rest = n - *pos;
  const char *e =
      sep_n == 1 ? memchr(q, sep[0], rest) : memmem(q, rest, sep, sep_n);
  size_t len = e ? (size_t)(e - q) : rest;
  *out = sp_str_make(q, len);
  *pos = e ? *pos + len + sep_n : n + 1;
  return true;
}

static void type_of(sp_str t, zk_col *c) {
  c->list = false;
  if (sp_str_istarts(t, "set[") || sp_str_istarts(t, "vector[")) {
    const char *b = memchr(t.p, '[', t.n);
    c->list = true;
    t = sp_str_make(b + 1, (size_t)(t.p + t.n - (b + 1)));
    if (t.n && t.p[t.n - 1] == ']')
      t.n--;
  }
  c->time = sp_str_eq(t, "time");
  if (sp_str_eq(t, "addr"))
    c->type = SP_T_IP;
  else if (sp_str_eq(t, "count") || sp_str_eq(t, "int") || sp_str_eq(t, "port"))
    c->type = SP_T_INT;
  else if (c->time)
    c->type = SP_T_TIME;
  else
    c->type = SP_T_STR;
}

static int intern(sp_rctx *rc, sp_str name, sp_ftype type) {
  if (rc->names)
    return sp_names_field_typed(rc->names, name.p, name.n, type);
  return sp_rctx_field(rc, name.p, name.n);
}

/* Build the column table from #fields / #types and the kind from #path. */
static void build(zk_state *s, sp_rctx *rc, uint64_t lineno) {
  s->built = true;
  s->ncols = 0;
  sp_str path = sp_str_make(s->path, s->path_n);
  if (!path.n)
    path = sp_net_path_from_file(rc->path);
  char kname[ZK_META + 1];
  if (path.n) {
    memcpy(kname, path.p, path.n);
    kname[path.n] = 0;
  } else {
    memcpy(kname, "zeek", 5);
  }
  s->kind = sp_rctx_kind(rc, kname);
  path = sp_str_make(kname, strlen(kname));
  size_t fp = 0, tp = 0;
  sp_str name, type;
  bool have_types = s->types != NULL;
  uint64_t dropped = 0;
  while (split_next(s->fields, s->fields_n, s->sep, s->sep_n, &fp, &name)) {
    if (s->ncols >= SP_MAX_COLUMNS) {
      sp_rctx_limit(rc, "zeek.columns", "columns past 256 in #fields ignored",
                    1);
      break;
    }
    zk_col *c = &s->col[s->ncols++];
    memset(c, 0, sizeof *c);
    if (have_types &&
        split_next(s->types, s->types_n, s->sep, s->sep_n, &tp, &type))
      type_of(type, c);
    else
      c->type = SP_T_STR;
    c->ts = sp_str_eq(name, "ts");
    if (c->ts && !have_types) {
      c->time = true;
      c->type = SP_T_TIME;
    }
    c->fid = name.n ? intern(rc, name, (sp_ftype)c->type) : -1;
    if (c->fid < 0 && name.n && rc->names)
      dropped++;
    c->ecs = sp_net_ecs(path, name);
  }
  if (dropped) {
    char msg[96];
    snprintf(msg, sizeof msg, "%llu column names not interned (line %llu)",
             (unsigned long long)dropped, (unsigned long long)lineno);
    sp_rctx_limit(rc, "names.fields", msg, dropped);
  }
}

static void header(zk_state *s, sp_rctx *rc, const char *p, size_t n,
                   uint64_t lineno) {
  sp_str l = sp_str_make(p, n);
  if (sp_str_istarts(l, "#separator ")) {
    if (!set_meta(s->sep, &s->sep_n, p + 11, n - 11) || s->sep_n == 0) {
      sp_rctx_malformed(rc, lineno, "bad #separator");
      s->sep[0] = '\t';
      s->sep_n = 1;
    }
    /* A new header block starts: forget the old layout. */
    s->built = false;
    s->ncols = 0;
    s->path_n = 0;
    free(s->fields);
    free(s->types);
    s->fields = s->types = NULL;
    return;
  }
  size_t pos = 0;
  sp_str key;
  if (!split_next(p, n, s->sep, s->sep_n, &pos, &key))
    return;
  const char *v = pos <= n ? p + pos : p + n;
  size_t vn = pos <= n ? n - pos : 0;
  bool ok = true;
  if (sp_str_eq(key, "#set_separator"))
    ok = set_meta(s->setsep, &s->setsep_n, v, vn) && s->setsep_n;
  else if (sp_str_eq(key, "#empty_field"))
    ok = set_meta(s->empty, &s->empty_n, v, vn);
  else if (sp_str_eq(key, "#unset_field"))
    ok = set_meta(s->unset, &s->unset_n, v, vn);
  else if (sp_str_eq(key, "#path")) {
    ok = set_meta(s->path, &s->path_n, v, vn);
    s->built = false;
  } else if (sp_str_eq(key, "#fields")) {
    ok = copy_line(&s->fields, &s->fields_n, v, vn);
    free(s->types);
    s->types = NULL;
    s->built = false;
  } else if (sp_str_eq(key, "#types")) {
    ok = copy_line(&s->types, &s->types_n, v, vn);
    s->built = false;
  }
  if (!ok)
    sp_rctx_malformed(rc, lineno, "bad Zeek header line");
}

/* Add one (element) value of column c. */
static inline void add_value(sp_rctx *rc, sp_event *ev, const zk_col *c,
                             sp_str v, bool escaped, bool first) {
  if (escaped && memchr(v.p, '\\', v.n)) {
    char *d = sp_rctx_alloc(rc, v.n);
    if (d)
      v = sp_str_make(d, unescape(v.p, v.n, d));
  }
  int64_t t = 0;
  bool have_t = c->time && sp_net_epoch_ns(v, &t);
  if (c->ts && have_t && first)
    ev->ts = t;
  if (c->fid >= 0) {
    sp_fval *f = sp_event_add_typed(ev, c->fid, v, (sp_ftype)c->type);
    if (f && have_t && f->type == SP_T_TIME) {
      f->v.i = t;
      f->state = SP_V_OK;
    }
  }
  if (c->ecs >= 0 && first)
    sp_event_set(ev, c->ecs, v);
}

static void zk_line(void *st, sp_rctx *rc, const char *p, size_t n,
                    uint64_t lineno, uint64_t offset) {
  zk_state *s = st;
  if (n == 0)
    return;
  if (p[0] == '#') {
    header(s, rc, p, n, lineno);
    return;
  }
  if (!s->fields) {
    sp_rctx_malformed(rc, lineno, "data line before any #fields header");
    return;
  }
  if (!s->built)
    build(s, rc, lineno);
  sp_event *ev = sp_rctx_begin(rc, s->kind, lineno, offset);
  const bool escaped = memchr(p, '\\', n) != NULL;
  const char sep = s->sep[0];
  const bool one = s->sep_n == 1;
  const char un0 = s->unset[0], em0 = s->empty[0];
  const char *q = p, *end = p + n;
  int k = 0;
  for (;;) {
    const char *e;
    if (one) {
      e = find_byte(q, end, sep);
    } else {
      e = memmem(q, (size_t)(end - q), s->sep, s->sep_n);
      if (!e)
        e = end;
    }
    size_t len = (size_t)(e - q);
    if (k < s->ncols) {
      const zk_col *c = &s->col[k];
      bool unset = len && len == s->unset_n && q[0] == un0 &&
                   (len == 1 || memcmp(q, s->unset, len) == 0);
      bool empty = !unset && len == s->empty_n && len && q[0] == em0 &&
                   memcmp(q, s->empty, len) == 0;
      if (unset || (c->list && (empty || len == 0))) {
        /* absent */
      } else if (c->list) {
        size_t ep = 0;
        sp_str el;
        bool first = true;
        while (split_next(q, len, s->setsep, s->setsep_n, &ep, &el)) {
          add_value(rc, ev, c, el, escaped, first);
          first = false;
        }
      } else {
        add_value(rc, ev, c, sp_str_make(q, empty ? 0 : len), escaped, true);
      }
    }
    k++;
    if (e >= end)
      break;
    q = e + s->sep_n;
  }
  if (k != s->ncols) {
    char msg[96];
    snprintf(msg, sizeof msg, "%d values, the #fields header has %d", k,
             s->ncols);
    sp_rctx_malformed(rc, lineno, msg);
    return;
  }
  sp_rctx_emit(rc);
}

/* Zeek's ASCII writer always starts a log with "#separator ". */
static int zk_sniff(const char *text, size_t len) {
  sp_str s = sp_str_make(text, len);
  if (sp_str_istarts(s, "#separator "))
    return 100;
  return 0;
}

static const sp_line_ops zk_ops = {
    .sniff = zk_sniff,
    .create = zk_create,
    .line = zk_line,
    .destroy = zk_destroy,
};

const sp_reader_vt sp_reader_zeek = SP_LINE_READER("zeek", zk_ops);
