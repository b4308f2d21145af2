/*
 * text.c - the line adapter that turns a text format's per-line callbacks
 * (sp_line_ops) into a record reader (open / next / close), and the sniff
 * view shared by all readers.
 *
 * It owns, per open file: the line splitter, the format's per-file state and
 * the decoding of the stream: leading NUL padding (a pre-allocated log after
 * a crash) is skipped and noted; the first bytes after it decide the
 * encoding (textenc.h): UTF-8 with or without a byte order mark is split in
 * place (zero copy, the splitter drops the BOM), UTF-16LE/BE (PowerShell's
 * Out-File) is decoded block by block into a buffer of SP_TEXTDEC_BOUND
 * bytes and noted. Byte offsets count from the start of the file for UTF-8;
 * for UTF-16 they count decoded bytes (said in the note).
 */
#include "readers/lines.h"
#include "readers/reader.h"
#include "readers/textenc.h"

#include <stdio.h>
#include <stdlib.h>

typedef struct text_state {
  const sp_line_ops *ops;
  void *st;
  sp_source *src;
  sp_lines ls;
  bool in_prefix; /* still skipping leading NUL bytes */
  bool decided;   /* the encoding is known */
  uint64_t nul_prefix;
  sp_textdec *dec; /* UTF-16 only */
  char *out;       /* its output, SP_TEXTDEC_BOUND(SP_SOURCE_BLOCK) */
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

/* The first text bytes decide the encoding; UTF-16 gets a decoder. */
static bool decide(text_state *t, sp_rctx *rc, const char **p, size_t *n) {
  t->decided = true;
  size_t skip = 0, nul = 0;
  sp_textenc enc = sp_textenc_detect((const uint8_t *)*p, *n, &skip, &nul);
  if (enc != SP_TEXTENC_UTF16LE && enc != SP_TEXTENC_UTF16BE)
    return true;
  t->dec = malloc(sizeof *t->dec);
  t->out = malloc(SP_TEXTDEC_BOUND(SP_SOURCE_BLOCK));
  if (!t->dec || !t->out)
    return false;
  sp_textdec_init(t->dec, enc, 0);
  if (skip <= *n) {
    *p += skip;
    *n -= skip;
  }
  char msg[160];
  snprintf(msg, sizeof msg,
           "text is %s%s, decoded to UTF-8 (offsets count decoded bytes)",
           sp_textenc_name(enc), skip ? " with a byte order mark" : "");
  sp_rctx_note(rc, msg);
  return true;
}

static bool feed(text_state *t, const char *p, size_t n) {
  if (!t->dec)
    return sp_lines_feed(&t->ls, p, n);
  while (n) {
    size_t used = 0;
    size_t m = sp_textdec_feed(t->dec, (const uint8_t *)p, n, t->out,
                               SP_TEXTDEC_BOUND(SP_SOURCE_BLOCK), &used);
    if (m && !sp_lines_feed(&t->ls, t->out, m))
      return false;
    if (!used && !m)
      break; /* cannot happen with a bound-sized buffer; never spin */
    p += used;
    n -= used;
  }
  return true;
}

static bool finish_decoder(text_state *t, sp_rctx *rc) {
  if (!t->dec)
    return true;
  size_t m;
  while ((m = sp_textdec_finish(t->dec, t->out,
                                SP_TEXTDEC_BOUND(SP_SOURCE_BLOCK))) > 0)
    if (!sp_lines_feed(&t->ls, t->out, m))
      return false;
  if (t->dec->invalid_units) {
    char msg[160];
    snprintf(msg, sizeof msg,
             "%llu invalid UTF-16 code units replaced by U+FFFD",
             (unsigned long long)t->dec->invalid_units);
    sp_rctx_note(rc, msg);
  }
  return true;
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
  bool ok = true;
  if (n && !t->decided)
    ok = decide(t, rc, &p, &n);
  if (ok && n)
    ok = feed(t, p, n);
  if (ok && (end || e != SP_OK))
    ok = finish_decoder(t, rc);
  if (!ok) {
    snprintf(rc->errmsg, sizeof rc->errmsg, "out of memory reading text");
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
  if (t->ops->finish && t->st)
    t->ops->finish(t->st, rc);
  t->ops->destroy(t->st);
  free(t->dec);
  free(t->out);
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
  size_t n = raw_len - k, skip = 0;
  sp_textenc enc = sp_textenc_detect((const uint8_t *)p, n, &skip, NULL);
  sn->encoding = (int)enc;
  if (skip <= n) {
    p += skip; /* a byte order mark */
    n -= skip;
  }
  if (enc == SP_TEXTENC_UTF16LE || enc == SP_TEXTENC_UTF16BE) {
    sp_textdec d;
    sp_textdec_init(&d, enc, 0);
    size_t used = 0, m = 0;
    if (text_cap >= SP_TEXTDEC_MIN_CAP)
      m = sp_textdec_feed(&d, (const uint8_t *)p, n, text, text_cap, &used);
    sn->text = text;
    sn->text_len = m;
    return;
  }
  if (n > text_cap)
    n = text_cap;
  memcpy(text, p, n);
  sn->text = text;
  sn->text_len = n;
}
