/*
 * test_textenc.c - unit tests for encoding detection and the incremental
 * UTF-16/plain to UTF-8 decoder (src/readers/textenc.h).
 *
 * Expected bytes come from the Unicode Standard's encoding forms (chapter
 * 3.9, tables 3-6/3-7), not from the code under test:
 *   U+0041 'A'   UTF-16 0041        UTF-8 41
 *   U+00E9 'é'   UTF-16 00E9        UTF-8 C3 A9
 *   U+20AC '€'   UTF-16 20AC        UTF-8 E2 82 AC
 *   U+1F600      UTF-16 D83D DE00   UTF-8 F0 9F 98 80
 *   U+10000      UTF-16 D800 DC00   UTF-8 F0 90 80 80
 *   U+10FFFF     UTF-16 DBFF DFFF   UTF-8 F4 8F BF BF
 *   U+FFFD (replacement character)  UTF-8 EF BF BD
 */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "readers/textenc.h"

#define FFFD "\xEF\xBF\xBD"

typedef struct decoded {
  char *p;
  size_t n;
  sp_textdec d;
} decoded;

/* Decode in[0..n) fed in blocks of `block` bytes (0: all at once) with an
 * output capacity of `cap` per call, checking every call stays within cap. */
static decoded run(sp_textenc enc, unsigned flags, const uint8_t *in, size_t n,
                   size_t block, size_t cap) {
  decoded r;
  r.p = malloc(3 * n + 64);
  r.n = 0;
  assert_non_null(r.p);
  char *out = malloc(cap);
  assert_non_null(out);
  sp_textdec_init(&r.d, enc, flags);
  size_t at = 0;
  while (at < n) {
    size_t len = block && n - at > block ? block : n - at;
    size_t done = 0;
    while (done < len) {
      size_t used = 0;
      size_t w =
          sp_textdec_feed(&r.d, in + at + done, len - done, out, cap, &used);
      assert_true(w <= cap);
      assert_true(used <= len - done);
      assert_true(w > 0 || used > 0); /* progress */
      memcpy(r.p + r.n, out, w);
      r.n += w;
      done += used;
    }
    at += len;
  }
  for (;;) {
    size_t w = sp_textdec_finish(&r.d, out, cap);
    assert_true(w <= cap);
    if (!w)
      break;
    memcpy(r.p + r.n, out, w);
    r.n += w;
  }
  free(out);
  return r;
}

static void expect(decoded r, const char *want, size_t want_n) {
  assert_int_equal(r.n, want_n);
  assert_memory_equal(r.p, want, want_n);
  free(r.p);
}

#define EXPECT(r, lit) expect((r), (lit), sizeof(lit) - 1)

/* "Aé€😀\r\n" */
static const uint8_t le_bom[] = {0xFF, 0xFE, 0x41, 0x00, 0xE9, 0x00,
                                 0xAC, 0x20, 0x3D, 0xD8, 0x00, 0xDE,
                                 0x0D, 0x00, 0x0A, 0x00};
static const uint8_t be_bom[] = {0xFE, 0xFF, 0x00, 0x41, 0x00, 0xE9,
                                 0x20, 0xAC, 0xD8, 0x3D, 0xDE, 0x00,
                                 0x00, 0x0D, 0x00, 0x0A};
static const char a_e_euro_grin[] = "A\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80\r\n";

static void test_detect_bom(void **state) {
  (void)state;
  size_t skip = 99, nul = 99;
  assert_int_equal(sp_textenc_detect(le_bom, sizeof le_bom, &skip, &nul),
                   SP_TEXTENC_UTF16LE);
  assert_int_equal(skip, 2);
  assert_int_equal(nul, 0);
  assert_int_equal(sp_textenc_detect(be_bom, sizeof be_bom, &skip, &nul),
                   SP_TEXTENC_UTF16BE);
  assert_int_equal(skip, 2);
  const uint8_t u8[] = {0xEF, 0xBB, 0xBF, '#', 'F'};
  assert_int_equal(sp_textenc_detect(u8, sizeof u8, &skip, NULL),
                   SP_TEXTENC_UTF8);
  assert_int_equal(skip, 3);
  const uint8_t plain[] = "#Software: Microsoft Internet Information Services";
  assert_int_equal(sp_textenc_detect(plain, sizeof plain - 1, &skip, &nul),
                   SP_TEXTENC_PLAIN);
  assert_int_equal(skip, 0);
  assert_int_equal(sp_textenc_detect(NULL, 0, &skip, &nul), SP_TEXTENC_PLAIN);
  assert_int_equal(skip, 0);
  assert_string_equal(sp_textenc_name(SP_TEXTENC_UTF16LE), "utf-16le");
  assert_string_equal(sp_textenc_name(SP_TEXTENC_PLAIN), "plain");
}

/* ASCII text as UTF-16 without a BOM, one byte per char doubled with 00. */
static size_t to_utf16(const char *s, bool le, uint8_t *out) {
  size_t n = 0;
  for (; *s; s++) {
    out[n++] = le ? (uint8_t)*s : 0;
    out[n++] = le ? 0 : (uint8_t)*s;
  }
  return n;
}

static const char iis_line[] =
    "2021-03-03 06:59:10 10.1.2.10 POST /ecp/y.js - 443 - 203.0.113.66 "
    "python-requests/2.25.1 - 200 0 0 180\r\n";

static void test_detect_bomless_utf16(void **state) {
  (void)state;
  uint8_t buf[512];
  size_t skip = 99, nul = 99;
  size_t n = to_utf16(iis_line, true, buf);
  assert_int_equal(sp_textenc_detect(buf, n, &skip, &nul), SP_TEXTENC_UTF16LE);
  assert_int_equal(skip, 0);
  assert_int_equal(nul, 0);
  n = to_utf16(iis_line, false, buf);
  assert_int_equal(sp_textenc_detect(buf, n, &skip, &nul), SP_TEXTENC_UTF16BE);
  assert_int_equal(skip, 0); /* the first 00 is text, not padding */
  assert_int_equal(nul, 0);
  /* Too short to tell (3 units): plain. */
  n = to_utf16("abc", true, buf);
  assert_int_equal(sp_textenc_detect(buf, n, NULL, NULL), SP_TEXTENC_PLAIN);
  /* Binary with scattered NULs is not UTF-16. */
  const uint8_t bin[] = {0x4D, 0x5A, 0x90, 0x00, 0x03, 0x00, 0x00, 0x00,
                         0x04, 0x00, 0x00, 0x00, 0xFF, 0xFF, 0x00, 0x00};
  assert_int_equal(sp_textenc_detect(bin, sizeof bin, NULL, NULL),
                   SP_TEXTENC_PLAIN);
}

static void test_detect_nul_padding(void **state) {
  (void)state;
  size_t pad = 8192;
  uint8_t *buf = calloc(1, pad + 512);
  assert_non_null(buf);
  size_t skip, nul;
  size_t n = to_utf16(iis_line, true, buf + pad);
  assert_int_equal(sp_textenc_detect(buf, pad + n, &skip, &nul),
                   SP_TEXTENC_UTF16LE);
  assert_int_equal(nul, pad);
  assert_int_equal(skip, pad);
  n = to_utf16(iis_line, false, buf + pad);
  assert_int_equal(sp_textenc_detect(buf, pad + n, &skip, &nul),
                   SP_TEXTENC_UTF16BE);
  assert_int_equal(nul, pad); /* 8193 NUL bytes, the last is text */
  assert_int_equal(skip, pad);
  memcpy(buf + pad, iis_line, sizeof iis_line - 1);
  assert_int_equal(
      sp_textenc_detect(buf, pad + sizeof iis_line - 1, &skip, &nul),
      SP_TEXTENC_PLAIN);
  assert_int_equal(nul, pad);
  assert_int_equal(skip, pad);
  memcpy(buf + pad, le_bom, sizeof le_bom);
  assert_int_equal(sp_textenc_detect(buf, pad + sizeof le_bom, &skip, &nul),
                   SP_TEXTENC_UTF16LE);
  assert_int_equal(skip, pad + 2);
  memset(buf, 0, pad);
  assert_int_equal(sp_textenc_detect(buf, pad, &skip, &nul), SP_TEXTENC_PLAIN);
  assert_int_equal(nul, pad);
  assert_int_equal(skip, pad);
  free(buf);
}

static void test_utf16_bom_decode(void **state) {
  (void)state;
  decoded r = run(SP_TEXTENC_AUTO, 0, le_bom, sizeof le_bom, 0, 4096);
  assert_int_equal(r.d.enc, SP_TEXTENC_UTF16LE);
  assert_true(r.d.bom);
  assert_int_equal(r.d.invalid_units, 0);
  EXPECT(r, a_e_euro_grin);
  r = run(SP_TEXTENC_AUTO, SP_TEXTDEC_SKIP_NUL, be_bom, sizeof be_bom, 0, 4096);
  assert_int_equal(r.d.enc, SP_TEXTENC_UTF16BE);
  EXPECT(r, a_e_euro_grin);
  /* A fixed encoding is given the text after the BOM. */
  r = run(SP_TEXTENC_UTF16LE, 0, le_bom + 2, sizeof le_bom - 2, 0, 4096);
  EXPECT(r, a_e_euro_grin);
  r = run(SP_TEXTENC_UTF16BE, 0, be_bom + 2, sizeof be_bom - 2, 3, 4096);
  EXPECT(r, a_e_euro_grin);
  /* U+10000 and U+10FFFF, the ends of the supplementary range. */
  const uint8_t ends[] = {0x00, 0xD8, 0x00, 0xDC, 0xFF, 0xDB, 0xFF, 0xDF};
  r = run(SP_TEXTENC_UTF16LE, 0, ends, sizeof ends, 0, 64);
  EXPECT(r, "\xF0\x90\x80\x80\xF4\x8F\xBF\xBF");
  /* U+007F, U+0080, U+07FF, U+0800: the 1/2/3-byte boundaries. */
  const uint8_t edges[] = {0x00, 0x7F, 0x00, 0x80, 0x07, 0xFF, 0x08, 0x00};
  r = run(SP_TEXTENC_UTF16BE, 0, edges, sizeof edges, 0, 64);
  EXPECT(r, "\x7F\xC2\x80\xDF\xBF\xE0\xA0\x80");
}

/* "a😀b" split into two and three blocks at every possible boundary. */
static void test_split_surrogate_every_boundary(void **state) {
  (void)state;
  const uint8_t le[] = {0x61, 0x00, 0x3D, 0xD8, 0x00, 0xDE, 0x62, 0x00};
  const uint8_t be[] = {0x00, 0x61, 0xD8, 0x3D, 0xDE, 0x00, 0x00, 0x62};
  static const char want[] = "a\xF0\x9F\x98\x80"
                             "b";
  for (int e = 0; e < 2; e++) {
    const uint8_t *s = e ? be : le;
    sp_textenc enc = e ? SP_TEXTENC_UTF16BE : SP_TEXTENC_UTF16LE;
    for (size_t i = 0; i <= sizeof le; i++) {
      for (size_t j = i; j <= sizeof le; j++) {
        sp_textdec d;
        sp_textdec_init(&d, enc, 0);
        char out[64];
        size_t o = 0, used;
        o += sp_textdec_feed(&d, s, i, out + o, sizeof out - o, &used);
        assert_int_equal(used, i);
        o += sp_textdec_feed(&d, s + i, j - i, out + o, sizeof out - o, &used);
        assert_int_equal(used, j - i);
        o += sp_textdec_feed(&d, s + j, sizeof le - j, out + o, sizeof out - o,
                             &used);
        assert_int_equal(used, sizeof le - j);
        o += sp_textdec_finish(&d, out + o, sizeof out - o);
        assert_int_equal(o, sizeof want - 1);
        assert_memory_equal(out, want, o);
        assert_int_equal(d.invalid_units, 0);
      }
    }
  }
}

static void test_unpaired_surrogates(void **state) {
  (void)state;
  /* high + 'A', lone low, high + high + low, and a high at the very end. */
  const uint8_t le[] = {0x3D, 0xD8, 0x41, 0x00, 0x00, 0xDE, 0x3D,
                        0xD8, 0x3D, 0xD8, 0x00, 0xDE, 0x3D, 0xD8};
  for (size_t block = 1; block <= sizeof le; block++) {
    decoded r = run(SP_TEXTENC_UTF16LE, 0, le, sizeof le, block, 8);
    assert_int_equal(r.d.invalid_units, 4);
    EXPECT(r, FFFD "A" FFFD FFFD "\xF0\x9F\x98\x80" FFFD);
  }
}

static void test_odd_trailing_byte(void **state) {
  (void)state;
  const uint8_t le[] = {0x41, 0x00, 0x42};
  decoded r = run(SP_TEXTENC_UTF16LE, 0, le, sizeof le, 0, 64);
  assert_int_equal(r.d.invalid_units, 1);
  EXPECT(r, "A" FFFD);
  /* A pending high surrogate and then an odd byte: two replacements. */
  const uint8_t be[] = {0xD8, 0x3D, 0x00};
  r = run(SP_TEXTENC_UTF16BE, 0, be, sizeof be, 1, 8);
  assert_int_equal(r.d.invalid_units, 2);
  EXPECT(r, FFFD FFFD);
}

/* 8 KiB of leading NUL bytes (a pre-allocated log after a crash), read in
 * blocks smaller and larger than the padding. */
static void test_leading_nul_padding_blocks(void **state) {
  (void)state;
  size_t pad = 8192;
  uint8_t *buf = calloc(1, pad + 4096);
  assert_non_null(buf);
  static const size_t blocks[] = {1, 7, 1000, 4096, 5000, 0};
  char want[4096];
  size_t wn = 0;
  for (int k = 0; k < 8; k++) {
    memcpy(want + wn, iis_line, sizeof iis_line - 1);
    wn += sizeof iis_line - 1;
  }
  for (size_t b = 0; b < sizeof blocks / sizeof blocks[0]; b++) {
    /* plain text */
    memcpy(buf + pad, want, wn);
    decoded r =
        run(SP_TEXTENC_AUTO, SP_TEXTDEC_SKIP_NUL, buf, pad + wn, blocks[b], 64);
    assert_int_equal(r.d.enc, SP_TEXTENC_PLAIN);
    assert_int_equal(r.d.nul_skipped, pad);
    expect(r, want, wn);
    /* BOM-less UTF-16LE and UTF-16BE */
    for (int le = 0; le < 2; le++) {
      size_t n = 0;
      for (int k = 0; k < 8; k++)
        n += to_utf16(iis_line, le, buf + pad + n);
      r = run(SP_TEXTENC_AUTO, SP_TEXTDEC_SKIP_NUL, buf, pad + n, blocks[b],
              4096);
      assert_int_equal(r.d.enc, le ? SP_TEXTENC_UTF16LE : SP_TEXTENC_UTF16BE);
      assert_int_equal(r.d.nul_skipped, pad);
      assert_int_equal(r.d.invalid_units, 0);
      expect(r, want, wn);
    }
    /* UTF-16LE with a BOM after the padding */
    memcpy(buf + pad, le_bom, sizeof le_bom);
    r = run(SP_TEXTENC_AUTO, SP_TEXTDEC_SKIP_NUL, buf, pad + sizeof le_bom,
            blocks[b], 64);
    assert_int_equal(r.d.nul_skipped, pad);
    EXPECT(r, a_e_euro_grin);
    /* Fixed UTF-16LE skips NUL code units. */
    r = run(SP_TEXTENC_UTF16LE, SP_TEXTDEC_SKIP_NUL, buf, pad + sizeof le_bom,
            blocks[b], 64);
    assert_int_equal(r.d.nul_skipped, pad);
    EXPECT(r, "\xEF\xBB\xBF" /* U+FEFF, the BOM was not skipped */
              "A\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80\r\n");
  }
  /* Only NULs: nothing out, all counted. Without the flag they stay. */
  memset(buf, 0, pad);
  decoded r = run(SP_TEXTENC_AUTO, SP_TEXTDEC_SKIP_NUL, buf, pad, 333, 64);
  assert_int_equal(r.d.nul_skipped, pad);
  expect(r, "", 0);
  r = run(SP_TEXTENC_AUTO, 0, buf, 100, 0, 64);
  assert_int_equal(r.d.nul_skipped, 0);
  assert_int_equal(r.d.enc, SP_TEXTENC_PLAIN);
  assert_int_equal(r.n, 100);
  free(r.p);
  /* NULs after the text has started are text. */
  const uint8_t mid[] = {'a', 0, 0, 'b'};
  r = run(SP_TEXTENC_PLAIN, SP_TEXTDEC_SKIP_NUL, mid, sizeof mid, 1, 8);
  expect(r, "a\0\0b", 4);
  free(buf);
}

/* With SP_TEXTDEC_BOUND(n) of room every call takes all its input; with the
 * minimum capacity the output is the same, only in more calls. */
static void test_capacity(void **state) {
  (void)state;
  uint8_t in[3000];
  for (size_t i = 0; i < sizeof in; i += 2) { /* U+20AC and U+D83D mixed */
    in[i] = (i % 6 == 4) ? 0x3D : 0xAC;
    in[i + 1] = (i % 6 == 4) ? 0xD8 : 0x20;
  }
  for (size_t n = 0; n <= sizeof in; n += 97) {
    sp_textdec d;
    size_t cap = SP_TEXTDEC_BOUND(n);
    char *out = malloc(cap + SP_TEXTDEC_FINISH_MAX);
    assert_non_null(out);
    sp_textdec_init(&d, SP_TEXTENC_UTF16LE, 0);
    size_t used = 0;
    size_t w = sp_textdec_feed(&d, in, n, out, cap, &used);
    assert_int_equal(used, n);
    assert_true(w <= cap);
    decoded small = run(SP_TEXTENC_UTF16LE, 0, in, n, 0, SP_TEXTDEC_MIN_CAP);
    w += sp_textdec_finish(&d, out + w, SP_TEXTDEC_FINISH_MAX);
    assert_int_equal(small.n, w);
    assert_memory_equal(small.p, out, w);
    free(small.p);
    free(out);
  }
  /* Auto mode: a full detection window held, then a block. */
  uint8_t big[4000];
  size_t bn = 0;
  big[bn++] = 0xFF;
  big[bn++] = 0xFE;
  while (bn + 2 <= sizeof big)
    bn += to_utf16("x", true, big + bn);
  sp_textdec d;
  sp_textdec_init(&d, SP_TEXTENC_AUTO, 0);
  size_t used;
  char out1[8];
  size_t w = sp_textdec_feed(&d, big, 1, out1, sizeof out1, &used);
  assert_int_equal(w, 0); /* one byte: still undecided */
  assert_int_equal(used, 1);
  size_t rest = bn - 1;
  char *out = malloc(SP_TEXTDEC_BOUND(rest));
  assert_non_null(out);
  w = sp_textdec_feed(&d, big + 1, rest, out, SP_TEXTDEC_BOUND(rest), &used);
  assert_int_equal(used, rest);
  assert_int_equal(w, (bn - 2) / 2);
  free(out);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_detect_bom),
      cmocka_unit_test(test_detect_bomless_utf16),
      cmocka_unit_test(test_detect_nul_padding),
      cmocka_unit_test(test_utf16_bom_decode),
      cmocka_unit_test(test_split_surrogate_every_boundary),
      cmocka_unit_test(test_unpaired_surrogates),
      cmocka_unit_test(test_odd_trailing_byte),
      cmocka_unit_test(test_leading_nul_padding_blocks),
      cmocka_unit_test(test_capacity),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
