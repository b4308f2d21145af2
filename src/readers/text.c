/*
 * text.c - the line adapter that turns a text format's per-line callbacks
 * (sp_line_ops) into a record reader (open / next / close), and the sniff
 * view shared by all readers.
 *
 * It owns, per open file: the line splitter, the format's per-file state and
 * the decoding of the stream: a UTF-8 byte order mark is dropped by the
 * splitter, leading NUL padding (a pre-allocated log after a crash) is
 * skipped and noted, and byte offsets keep counting from the start of the
 * file so evidence references stay exact.
 */
#include "readers/lines.h"
#include "readers/reader.h"

#include <stdio.h>
#include <stdlib.h>

typedef struct text_state {
  const sp_line_ops *ops;
  void *st;
  sp_source *src;
  sp_lines ls;
  bool in_prefix; /* still skipping leading NUL bytes */
  uint64_t nul_prefix;
} text_state;

int sp_text_sniff(const sp_reader_vt *vt, const sp_sniff *sn) {
  return vt->lines->sniff(sn->text, sn->text_len);
}

sp_err sp_text_open(const sp_reader_vt *vt, sp_rctx *rc, sp_source *src,
                    void **out) {
  *out = NULL;
  text_state *t = calloc(1, sizeof *t);
  if (!t)
    return SP_ENOMEM;
  t->ops = vt->lines;
  t->st = t->ops->create();
  if (!t->st) {
    free(t);
    return SP_ENOMEM;
  }
  t->src = src;
  t->in_prefix = true;
  sp_lines_init(&t->ls, t->ops, t->st, rc);
  *out = t;
  return SP_OK;
}

static void note_prefix(text_state *t, sp_rctx *rc) {
  if (!t->nul_prefix)
    return;
  char msg[160];
  snprintf(msg, sizeof msg,
           "skipped %llu leading NUL bytes (pre-allocated or zeroed log)",
           (unsigned long long)t->nul_prefix);
  sp_rctx_note(rc, msg);
}

int sp_text_next(void *st, sp_rctx *rc) {
  text_state *t = st;
  size_t got = 0;
  sp_err e = sp_source_read(t->src, rc->block, SP_SOURCE_BLOCK, &got,
                            rc->errmsg, sizeof rc->errmsg);
  const bool end = got == 0 && e == SP_OK;
  const char *p = rc->block;
  size_t n = got;
  if (n && t->in_prefix) {
    size_t k = 0;
    while (k < n && p[k] == 0)
      k++;
    t->nul_prefix += k;
    p += k;
    n -= k;
    t->ls.offset += k;
    if (n) {
      t->in_prefix = false;
      note_prefix(t, rc);
    }
  }
  if (n && !sp_lines_feed(&t->ls, p, n)) {
    snprintf(rc->errmsg, sizeof rc->errmsg, "out of memory splitting lines");
    sp_lines_abort(&t->ls);
    return -1;
  }
  if (e != SP_OK) {
    sp_lines_abort(&t->ls);
    return -1;
  }
  if (end) {
    if (t->in_prefix)
      note_prefix(t, rc); /* nothing but NUL bytes */
    sp_lines_finish(&t->ls);
    return 0;
  }
  return 1;
}

void sp_text_close(void *st, sp_rctx *rc) {
  text_state *t = st;
  if (!t)
    return;
  sp_lines_finish(&t->ls); /* no-op when finished; frees the carry */
  t->ops->destroy(t->st);
  free(t);
}

void sp_sniff_prepare(sp_sniff *sn, const char *path, const char *raw,
                      size_t raw_len, char *text, size_t text_cap) {
  memset(sn, 0, sizeof *sn);
  sn->path = path;
  sn->raw = raw;
  sn->raw_len = raw_len;
  size_t k = 0;
  while (k < raw_len && raw[k] == 0)
    k++;
  sn->nul_prefix = k;
  const char *p = raw + k;
  size_t n = raw_len - k;
  if (n >= 3 && (unsigned char)p[0] == 0xEF && (unsigned char)p[1] == 0xBB &&
      (unsigned char)p[2] == 0xBF) {
    p += 3;
    n -= 3;
  }
  if (n > text_cap)
    n = text_cap;
  memcpy(text, p, n);
  sn->text = text;
  sn->text_len = n;
}
