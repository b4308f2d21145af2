/*
 * fuzz_textenc.c - libFuzzer target for encoding detection and the
 * incremental decoder (sp_textenc_detect, sp_textdec_feed/finish).
 *
 * Input layout: byte 0 picks the mode (bits 0-2: encoding, AUTO..UTF16BE
 * modulo 5; bit 3: SP_TEXTDEC_SKIP_NUL), byte 1 the largest block size
 * (1..256), byte 2 the largest output capacity per call (SP_TEXTDEC_MIN_CAP
 * plus 0..255), byte 3 seeds the generator of block and capacity sizes; the
 * rest is the stream.
 * The stream is decoded twice: whole, with an output of SP_TEXTDEC_BOUND(n),
 * and in random blocks with random small capacities, each output buffer an
 * exact-size heap block so a write past cap is an ASan error. Checks:
 *  - every call writes at most cap bytes, consumes at most what it was
 *    given and makes progress; the whole run consumes everything at once;
 *  - both runs give the same bytes, encoding and counters;
 *  - UTF-16 output is valid UTF-8 (checked by a validator written here);
 *  - plain and UTF-8 output is the input minus the leading NULs skipped and
 *    the byte order mark, byte for byte;
 *  - in auto mode with NUL skipping, the decoder agrees with
 *    sp_textenc_detect on the encoding and the NUL count.
 * No globals: all state is on the stack or freed before returning.
 */
#include "readers/textenc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CHECK(c) ((c) ? (void)0 : fz_fail(#c, __FILE__, __LINE__))

static void fz_fail(const char *what, const char *file, int line) {
  fprintf(stderr, "fuzz check failed: %s (%s:%d)\n", what, file, line);
  abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* RFC 3629 well-formed UTF-8: no overlongs, surrogates or values past
 * U+10FFFF. */
static bool valid_utf8(const uint8_t *s, size_t n) {
  size_t i = 0;
  while (i < n) {
    uint8_t c = s[i];
    if (c < 0x80) {
      i++;
      continue;
    }
    size_t len;
    uint32_t cp, min;
    if (c >= 0xC2 && c <= 0xDF) {
      len = 2, cp = c & 0x1F, min = 0x80;
    } else if (c >= 0xE0 && c <= 0xEF) {
      len = 3, cp = c & 0x0F, min = 0x800;
    } else if (c >= 0xF0 && c <= 0xF4) {
      len = 4, cp = c & 0x07, min = 0x10000;
    } else {
      return false;
    }
    if (n - i < len)
      return false;
    for (size_t k = 1; k < len; k++) {
      if ((s[i + k] & 0xC0) != 0x80)
        return false;
      cp = (cp << 6) | (s[i + k] & 0x3F);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
      return false;
    i += len;
  }
  return true;
}

typedef struct out {
  uint8_t *p;
  size_t n, cap;
} out;

static void append(out *o, const char *p, size_t n) {
  CHECK(o->n + n <= o->cap);
  memcpy(o->p + o->n, p, n);
  o->n += n;
}

static uint32_t next(uint32_t *s) {
  *s = *s * 1103515245u + 12345u;
  return *s >> 8;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 4)
    return 0;
  sp_textenc enc = (sp_textenc)((data[0] & 7) % 5);
  unsigned flags = (data[0] & 8) ? SP_TEXTDEC_SKIP_NUL : 0;
  size_t max_block = (size_t)data[1] + 1;
  size_t max_cap = SP_TEXTDEC_MIN_CAP + data[2];
  uint32_t seed = data[3];
  const uint8_t *in = data + 4;
  size_t n = size - 4;

  /* Whole run: everything must be consumed in one call. */
  sp_textdec a;
  sp_textdec_init(&a, enc, flags);
  size_t cap = SP_TEXTDEC_BOUND(n);
  out whole = {malloc(cap + SP_TEXTDEC_FINISH_MAX), 0,
               cap + SP_TEXTDEC_FINISH_MAX};
  CHECK(whole.p != NULL);
  size_t used = 0;
  char *buf = malloc(cap);
  CHECK(buf != NULL);
  size_t w = sp_textdec_feed(&a, in, n, buf, cap, &used);
  CHECK(w <= cap);
  CHECK(used == n);
  append(&whole, buf, w);
  free(buf);
  buf = malloc(SP_TEXTDEC_FINISH_MAX);
  CHECK(buf != NULL);
  w = sp_textdec_finish(&a, buf, SP_TEXTDEC_FINISH_MAX);
  CHECK(w <= SP_TEXTDEC_FINISH_MAX);
  append(&whole, buf, w);
  CHECK(sp_textdec_finish(&a, buf, SP_TEXTDEC_FINISH_MAX) == 0);
  free(buf);

  /* Block run with small capacities. */
  sp_textdec b;
  sp_textdec_init(&b, enc, flags);
  out blocks = {malloc(whole.n + 1), 0, whole.n};
  CHECK(blocks.p != NULL);
  for (size_t at = 0; at < n;) {
    size_t len = 1 + next(&seed) % max_block;
    if (len > n - at)
      len = n - at;
    uint8_t *blk = malloc(len);
    CHECK(blk != NULL);
    memcpy(blk, in + at, len);
    for (size_t done = 0; done < len;) {
      size_t c = SP_TEXTDEC_MIN_CAP + next(&seed) % (max_cap - 7);
      char *o = malloc(c);
      CHECK(o != NULL);
      size_t u = 0;
      w = sp_textdec_feed(&b, blk + done, len - done, o, c, &u);
      CHECK(w <= c);
      CHECK(u <= len - done);
      CHECK(w > 0 || u > 0);
      append(&blocks, o, w);
      free(o);
      done += u;
    }
    free(blk);
    at += len;
  }
  do {
    size_t c = SP_TEXTDEC_MIN_CAP + next(&seed) % (max_cap - 7);
    char *o = malloc(c);
    CHECK(o != NULL);
    w = sp_textdec_finish(&b, o, c);
    CHECK(w <= c);
    append(&blocks, o, w);
    free(o);
  } while (w);

  CHECK(blocks.n == whole.n);
  CHECK(whole.n == 0 || memcmp(blocks.p, whole.p, whole.n) == 0);
  CHECK(a.enc == b.enc && a.bom == b.bom);
  CHECK(a.nul_skipped == b.nul_skipped);
  CHECK(a.invalid_units == b.invalid_units);
  CHECK(a.enc != SP_TEXTENC_AUTO);

  if (a.enc == SP_TEXTENC_UTF16LE || a.enc == SP_TEXTENC_UTF16BE) {
    CHECK(valid_utf8(whole.p, whole.n));
  } else {
    /* Pass-through: the input minus skipped NULs and the BOM. */
    CHECK(a.invalid_units == 0);
    size_t skip = (size_t)a.nul_skipped + (a.bom ? 3 : 0);
    CHECK(skip <= n);
    CHECK(whole.n == n - skip);
    CHECK(whole.n == 0 || memcmp(whole.p, in + skip, whole.n) == 0);
    for (size_t i = 0; i < (size_t)a.nul_skipped; i++)
      CHECK(in[i] == 0);
  }
  if (enc == SP_TEXTENC_AUTO && flags) {
    size_t skip = 0, nul = 0;
    sp_textenc d = sp_textenc_detect(in, n, &skip, &nul);
    CHECK(d == a.enc);
    CHECK(nul == a.nul_skipped);
  }
  free(whole.p);
  free(blocks.p);
  return 0;
}
