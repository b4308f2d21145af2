/*
 * evtxwrite.c - the EVTX writer of evtxwrite.h (test fixtures, fuzz seeds,
 * benchmark corpus). Written from the format description (libyal's EVTX
 * document, MS-EVEN6 BinXml); shares no code with the reader so that each
 * checks the other.
 *
 * The file grows in one buffer: a 4 KiB header, then chunks. A record is
 * serialised at its final chunk offset (inline names and template
 * definitions carry their own offsets); when it does not fit, the chunk is
 * closed (header fields, records CRC32, header CRC32) and the record is
 * serialised again at the start of a new chunk. Per chunk, the writer
 * remembers where each name and template was first written.
 */
#include "evtxwrite.h"

#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#define CHUNK 65536u
#define NAMES 512
#define TPLS 256

struct ew_file {
  uint8_t *buf;
  size_t len, cap;
  size_t chunk_at; /* file offset of the open chunk, 0 when none */
  uint32_t coff;   /* next record offset in the chunk */
  uint32_t last_rec;
  uint64_t next_id, first_id_in_chunk, nrec;
  size_t nchunks;
  /* per chunk */
  const char *name_s[NAMES];
  uint32_t name_off[NAMES];
  size_t nnames;
  const ew_tpl *tpl_p[TPLS];
  uint32_t tpl_off[TPLS];
  size_t ntpls;
  /* record scratch */
  uint8_t rec[CHUNK];
  size_t rlen;
  bool over;
};

static void put8(ew_file *w, uint8_t v) {
  if (w->rlen < sizeof w->rec)
    w->rec[w->rlen++] = v;
  else
    w->over = true;
}
static void put16(ew_file *w, uint16_t v) {
  put8(w, (uint8_t)v);
  put8(w, (uint8_t)(v >> 8));
}
static void put32(ew_file *w, uint32_t v) {
  put16(w, (uint16_t)v);
  put16(w, (uint16_t)(v >> 16));
}
static void put64(ew_file *w, uint64_t v) {
  put32(w, (uint32_t)v);
  put32(w, (uint32_t)(v >> 32));
}
static void set32(uint8_t *p, uint32_t v) {
  p[0] = (uint8_t)v;
  p[1] = (uint8_t)(v >> 8);
  p[2] = (uint8_t)(v >> 16);
  p[3] = (uint8_t)(v >> 24);
}
static void set64(uint8_t *p, uint64_t v) {
  set32(p, (uint32_t)v);
  set32(p + 4, (uint32_t)(v >> 32));
}
static void set16(uint8_t *p, uint16_t v) {
  p[0] = (uint8_t)v;
  p[1] = (uint8_t)(v >> 8);
}

size_t ew_utf16(const char *s, uint8_t *dst, size_t cap) {
  size_t n = 0;
  const unsigned char *u = (const unsigned char *)s;
  while (*u) {
    uint32_t c = *u++;
    if (c >= 0xf0 && u[0] && u[1] && u[2]) {
      c = ((c & 7) << 18) | ((u[0] & 0x3fu) << 12) | ((u[1] & 0x3fu) << 6) |
          (u[2] & 0x3fu);
      u += 3;
    } else if (c >= 0xe0 && u[0] && u[1]) {
      c = ((c & 15) << 12) | ((u[0] & 0x3fu) << 6) | (u[1] & 0x3fu);
      u += 2;
    } else if (c >= 0xc0 && u[0]) {
      c = ((c & 31) << 6) | (u[0] & 0x3fu);
      u += 1;
    }
    if (c >= 0x10000) {
      c -= 0x10000;
      if (n + 4 > cap)
        break;
      set16(dst + n, (uint16_t)(0xd800 + (c >> 10)));
      set16(dst + n + 2, (uint16_t)(0xdc00 + (c & 0x3ff)));
      n += 4;
    } else {
      if (n + 2 > cap)
        break;
      set16(dst + n, (uint16_t)c);
      n += 2;
    }
  }
  return n;
}

static void put_utf16(ew_file *w, const char *s, bool count_prefix) {
  uint8_t tmp[8192];
  size_t n = ew_utf16(s, tmp, sizeof tmp);
  if (count_prefix)
    put16(w, (uint16_t)(n / 2));
  for (size_t i = 0; i < n; i++)
    put8(w, tmp[i]);
}

/* MS-EVEN6 name hash: hash * 65599 + code unit, low 16 bits. */
static uint16_t name_hash(const uint8_t *u16, size_t n) {
  uint32_t h = 0;
  for (size_t i = 0; i + 1 < n; i += 2)
    h = h * 65599u + (uint32_t)(u16[i] | (u16[i + 1] << 8));
  return (uint16_t)h;
}

/* A name reference: the first use in the chunk writes it inline. */
static void put_name(ew_file *w, const char *name) {
  for (size_t i = 0; i < w->nnames; i++)
    if (strcmp(w->name_s[i], name) == 0) {
      put32(w, w->name_off[i]);
      return;
    }
  uint32_t here = w->coff + (uint32_t)w->rlen + 4;
  put32(w, here);
  if (w->nnames < NAMES) {
    w->name_s[w->nnames] = name;
    w->name_off[w->nnames++] = here;
  }
  uint8_t tmp[1024];
  size_t n = ew_utf16(name, tmp, sizeof tmp);
  put32(w, 0); /* next name in the hash bucket */
  put16(w, name_hash(tmp, n));
  put16(w, (uint16_t)(n / 2));
  for (size_t i = 0; i < n; i++)
    put8(w, tmp[i]);
  put16(w, 0);
}

static void put_instance(ew_file *w, const ew_tpl *t, const ew_val *subs,
                         size_t nsubs);

/* Tokens of ops; in_tpl: open elements carry the dependency id. */
static void put_ops(ew_file *w, const ew_op *ops, size_t n, bool in_tpl) {
  size_t stack[64], astack[64];
  int depth = 0;
  size_t attr_at = 0;
  bool in_attrs = false;
  for (size_t i = 0; i < n; i++) {
    const ew_op *o = &ops[i];
    switch (o->k) {
    case EW_OPEN:
      put8(w, o->attrs ? 0x41 : 0x01);
      if (in_tpl)
        put16(w, 0xffff);
      if (depth < 64)
        stack[depth] = w->rlen;
      put32(w, 0); /* data size, patched at the end */
      put_name(w, o->name);
      if (o->attrs) {
        attr_at = w->rlen;
        put32(w, 0);
        in_attrs = true;
      }
      if (depth < 64)
        astack[depth] = o->attrs ? attr_at : 0;
      depth++;
      break;
    case EW_ATTR:
      put8(w, 0x06);
      put_name(w, o->name);
      break;
    case EW_CLOSE_START:
    case EW_CLOSE_EMPTY:
      if (in_attrs && depth > 0 && depth <= 64 && astack[depth - 1]) {
        size_t a = astack[depth - 1];
        set32(w->rec + a, (uint32_t)(w->rlen - a - 4));
      }
      in_attrs = false;
      put8(w, o->k == EW_CLOSE_START ? 0x02 : 0x03);
      if (o->k == EW_CLOSE_EMPTY && depth > 0) {
        depth--;
        if (depth < 64)
          set32(w->rec + stack[depth], (uint32_t)(w->rlen - stack[depth] - 4));
      }
      break;
    case EW_END:
      put8(w, 0x04);
      if (depth > 0) {
        depth--;
        if (depth < 64)
          set32(w->rec + stack[depth], (uint32_t)(w->rlen - stack[depth] - 4));
      }
      break;
    case EW_TEXT:
      put8(w, 0x05);
      put8(w, 0x01);
      put_utf16(w, o->text, true);
      break;
    case EW_SUB:
    case EW_OSUB:
      put8(w, o->k == EW_SUB ? 0x0d : 0x0e);
      put16(w, o->idx);
      put8(w, o->type);
      break;
    case EW_CHARREF:
      put8(w, 0x08);
      put16(w, o->code);
      break;
    case EW_ENTREF:
      put8(w, 0x09);
      put_name(w, o->name);
      break;
    case EW_CDATA:
      put8(w, 0x07);
      put_utf16(w, o->text, true);
      break;
    case EW_PI:
      put8(w, 0x0a);
      put_name(w, o->name);
      put8(w, 0x0b);
      put_utf16(w, o->text, true);
      break;
    }
  }
}

static void put_value(ew_file *w, const ew_val *v) {
  if (v->type == 0x21 && (v->tpl || v->frag)) {
    put8(w, 0x0f);
    put8(w, 1);
    put8(w, 1);
    put8(w, 0);
    if (v->tpl)
      put_instance(w, v->tpl, v->subs, v->nsubs);
    else
      put_ops(w, v->frag, v->nfrag, false);
    put8(w, 0x00);
    return;
  }
  for (size_t i = 0; i < v->n; i++)
    put8(w, v->p[i]);
}

static void put_instance(ew_file *w, const ew_tpl *t, const ew_val *subs,
                         size_t nsubs) {
  put8(w, 0x0c);
  put8(w, 0x01);
  uint32_t id;
  memcpy(&id, t->guid, 4);
  put32(w, id);
  size_t k;
  for (k = 0; k < w->ntpls; k++)
    if (w->tpl_p[k] == t)
      break;
  if (k < w->ntpls) {
    put32(w, w->tpl_off[k]);
  } else {
    uint32_t here = w->coff + (uint32_t)w->rlen + 4;
    put32(w, here);
    if (w->ntpls < TPLS) {
      w->tpl_p[w->ntpls] = t;
      w->tpl_off[w->ntpls++] = here;
    }
    put32(w, 0); /* next template */
    for (int i = 0; i < 16; i++)
      put8(w, t->guid[i]);
    size_t size_at = w->rlen;
    put32(w, 0);
    put8(w, 0x0f);
    put8(w, 1);
    put8(w, 1);
    put8(w, 0);
    put_ops(w, t->ops, t->n, true);
    put8(w, 0x00);
    if (!w->over)
      set32(w->rec + size_at, (uint32_t)(w->rlen - size_at - 4));
  }
  put32(w, (uint32_t)nsubs);
  /* Descriptors: sizes of nested values are known only once written, so
   * write the values first into place after the descriptors. */
  size_t desc = w->rlen;
  for (size_t i = 0; i < nsubs; i++)
    put32(w, 0);
  for (size_t i = 0; i < nsubs; i++) {
    size_t at = w->rlen;
    put_value(w, &subs[i]);
    if (!w->over) {
      set16(w->rec + desc + 4 * i, (uint16_t)(w->rlen - at));
      w->rec[desc + 4 * i + 2] = subs[i].type;
      w->rec[desc + 4 * i + 3] = 0;
    }
  }
}

ew_file *ew_open(void) {
  ew_file *w = calloc(1, sizeof *w);
  if (!w)
    return NULL;
  w->cap = 1u << 20;
  w->buf = calloc(1, w->cap);
  if (!w->buf) {
    free(w);
    return NULL;
  }
  w->len = 4096;
  w->next_id = 1;
  return w;
}

void ew_free(ew_file *w) {
  if (!w)
    return;
  free(w->buf);
  free(w);
}

void ew_set_next_id(ew_file *w, uint64_t id) { w->next_id = id; }
size_t ew_chunks(const ew_file *w) { return w->nchunks; }
uint64_t ew_records(const ew_file *w) { return w->nrec; }

static void close_chunk(ew_file *w) {
  if (!w->chunk_at)
    return;
  uint8_t *c = w->buf + w->chunk_at;
  memcpy(c, "ElfChnk\0", 8);
  set64(c + 8, w->first_id_in_chunk);
  set64(c + 16, w->next_id - 1);
  set64(c + 24, w->first_id_in_chunk);
  set64(c + 32, w->next_id - 1);
  set32(c + 40, 128);
  set32(c + 44, w->last_rec);
  set32(c + 48, w->coff);
  set32(c + 52, (uint32_t)crc32(0, c + 512, w->coff - 512));
  set32(c + 120, 0);
  uLong h = crc32(0, c, 120);
  h = crc32(h, c + 128, 512 - 128);
  set32(c + 124, (uint32_t)h);
  w->chunk_at = 0;
}

static int open_chunk(ew_file *w) {
  size_t need = w->len + CHUNK;
  if (need > w->cap) {
    size_t cap = w->cap;
    while (cap < need)
      cap *= 2;
    uint8_t *b = realloc(w->buf, cap);
    if (!b)
      return -1;
    memset(b + w->cap, 0, cap - w->cap);
    w->buf = b;
    w->cap = cap;
  }
  w->chunk_at = w->len;
  w->len += CHUNK;
  w->coff = 512;
  w->nnames = 0;
  w->ntpls = 0;
  w->first_id_in_chunk = w->next_id;
  w->nchunks++;
  return 0;
}

/* Serialise one record at the chunk's next offset; 1 when it fit. */
static int try_record(ew_file *w, const ew_tpl *t, const ew_val *subs,
                      size_t nsubs, const ew_op *ops, size_t nops,
                      uint64_t ft) {
  size_t save_names = w->nnames, save_tpls = w->ntpls;
  w->rlen = 0;
  w->over = false;
  put32(w, 0x00002a2a);
  put32(w, 0); /* size */
  put64(w, w->next_id);
  put64(w, ft);
  put8(w, 0x0f);
  put8(w, 1);
  put8(w, 1);
  put8(w, 0);
  if (t)
    put_instance(w, t, subs, nsubs);
  else
    put_ops(w, ops, nops, false);
  put8(w, 0x00);
  while (w->rlen % 8 != 4) /* keep records 8-byte aligned */
    put8(w, 0);
  put32(w, 0);
  if (w->over || w->coff + w->rlen > CHUNK) {
    w->nnames = save_names;
    w->ntpls = save_tpls;
    return 0;
  }
  set32(w->rec + 4, (uint32_t)w->rlen);
  set32(w->rec + w->rlen - 4, (uint32_t)w->rlen);
  memcpy(w->buf + w->chunk_at + w->coff, w->rec, w->rlen);
  w->last_rec = w->coff;
  w->coff += (uint32_t)w->rlen;
  w->next_id++;
  w->nrec++;
  return 1;
}

static int add(ew_file *w, const ew_tpl *t, const ew_val *subs, size_t nsubs,
               const ew_op *ops, size_t nops, uint64_t ft) {
  if (!w->chunk_at && open_chunk(w) < 0)
    return -1;
  if (try_record(w, t, subs, nsubs, ops, nops, ft))
    return 0;
  close_chunk(w);
  if (open_chunk(w) < 0)
    return -1;
  return try_record(w, t, subs, nsubs, ops, nops, ft) ? 0 : -1;
}

void ew_new_chunk(ew_file *w) { close_chunk(w); }

int ew_record(ew_file *w, const ew_tpl *t, const ew_val *subs, size_t nsubs,
              uint64_t ft) {
  return add(w, t, subs, nsubs, NULL, 0, ft);
}

int ew_record_raw(ew_file *w, const ew_op *ops, size_t n, uint64_t ft) {
  return add(w, NULL, NULL, 0, ops, n, ft);
}

const uint8_t *ew_finish(ew_file *w, size_t *len) {
  close_chunk(w);
  uint8_t *h = w->buf;
  memset(h, 0, 4096);
  memcpy(h, "ElfFile\0", 8);
  set64(h + 8, 0);
  set64(h + 16, w->nchunks ? w->nchunks - 1 : 0);
  set64(h + 24, w->next_id);
  set32(h + 32, 128);
  set16(h + 36, 1);
  set16(h + 38, 3);
  set16(h + 40, 4096);
  set16(h + 42, (uint16_t)w->nchunks);
  set32(h + 120, 0);
  set32(h + 124, (uint32_t)crc32(0, h, 120));
  *len = w->len;
  return w->buf;
}
