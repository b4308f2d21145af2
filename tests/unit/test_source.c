/*
 * test_source.c - unit tests for the file stream (src/walk/source.h): plain
 * files, gzip members, and what follows the last member: zero padding
 * (skipped quietly), a plain log appended (read as plain text, with a note)
 * and a member boundary that falls on the edge of the input block. Files
 * are written into a temporary folder; gzip data is made with zlib.
 */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "walk/source.h"

typedef struct bytes {
  unsigned char *p;
  size_t n;
} bytes;

static void add(bytes *b, const void *p, size_t n) {
  b->p = realloc(b->p, b->n + n + 1);
  assert_non_null(b->p);
  memcpy(b->p + b->n, p, n);
  b->n += n;
}

/* One gzip member of data; with a header comment when comment != NULL. */
static bytes gz(const char *data, size_t len, char *comment) {
  z_stream z;
  memset(&z, 0, sizeof z);
  assert_int_equal(
      deflateInit2(&z, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY), Z_OK);
  gz_header h;
  memset(&h, 0, sizeof h);
  h.comment = (Bytef *)comment;
  if (comment)
    assert_int_equal(deflateSetHeader(&z, &h), Z_OK);
  size_t cap = deflateBound(&z, len) + (comment ? strlen(comment) + 1 : 0);
  bytes b = {malloc(cap), 0};
  assert_non_null(b.p);
  z.next_in = (Bytef *)data;
  z.avail_in = (uInt)len;
  z.next_out = b.p;
  z.avail_out = (uInt)cap;
  assert_int_equal(deflate(&z, Z_FINISH), Z_STREAM_END);
  b.n = cap - z.avail_out;
  deflateEnd(&z);
  return b;
}

static void add_gz(bytes *b, const char *s) {
  bytes m = gz(s, strlen(s), NULL);
  add(b, m.p, m.n);
  free(m.p);
}

typedef struct readout {
  bytes data;
  sp_err err;
  char msg[256];
  char note[256]; /* "" when none */
  sp_source_info info;
} readout;

/* Write b to a temporary file and read it back in reads of cap bytes. */
static readout read_back(const bytes *b, size_t cap) {
  char path[] = "/tmp/spoor-source-XXXXXX";
  int fd = mkstemp(path);
  assert_true(fd >= 0);
  FILE *f = fdopen(fd, "wb");
  assert_non_null(f);
  assert_int_equal(fwrite(b->p, 1, b->n, f), b->n);
  fclose(f);
  readout r;
  memset(&r, 0, sizeof r);
  sp_source *src;
  assert_int_equal(sp_source_open(path, &src, r.msg, sizeof r.msg), SP_OK);
  char *buf = malloc(cap);
  assert_non_null(buf);
  for (;;) {
    size_t got = 0;
    r.err = sp_source_read(src, buf, cap, &got, r.msg, sizeof r.msg);
    assert_true(got <= cap);
    add(&r.data, buf, got);
    if (r.err != SP_OK || got == 0)
      break;
  }
  const char *note = sp_source_note(src);
  snprintf(r.note, sizeof r.note, "%s", note ? note : "");
  sp_source_get_info(src, &r.info);
  sp_source_close(src);
  free(buf);
  remove(path);
  return r;
}

static void expect_data(readout *r, const char *want) {
  assert_int_equal(r->data.n, strlen(want));
  assert_memory_equal(r->data.p, want, r->data.n);
  free(r->data.p);
}

static void test_plain_file(void **state) {
  (void)state;
  bytes b = {0};
  add(&b, "plain\nlog\n", 10);
  readout r = read_back(&b, 3);
  assert_int_equal(r.err, SP_OK);
  assert_false(r.info.gzip);
  assert_string_equal(r.note, "");
  expect_data(&r, "plain\nlog\n");
  free(b.p);
}

/* A plain log appended to a .gz: read, and noted with its offset. */
static void test_gzip_then_plain(void **state) {
  (void)state;
  bytes b = {0};
  add_gz(&b, "line1\nline2\n");
  size_t gzlen = b.n;
  add(&b, "plain1\nplain2\n", 14);
  static const size_t caps[] = {1, 5, 64, SP_SOURCE_BLOCK};
  for (size_t i = 0; i < sizeof caps / sizeof caps[0]; i++) {
    readout r = read_back(&b, caps[i]);
    assert_int_equal(r.err, SP_OK);
    assert_true(r.info.gzip);
    assert_int_equal(r.info.members, 1);
    assert_int_equal(r.info.tail_plain_bytes, 14);
    assert_int_equal(r.info.tail_offset, gzlen);
    assert_int_equal(r.info.tail_zero_bytes, 0);
    char want[256];
    snprintf(want, sizeof want,
             "14 bytes of non-gzip data after the gzip stream at offset %zu "
             "were read as plain text",
             gzlen);
    assert_string_equal(r.note, want);
    expect_data(&r, "line1\nline2\nplain1\nplain2\n");
  }
  free(b.p);
}

/* Zero padding after the last member is skipped without a note. */
static void test_gzip_zero_padding(void **state) {
  (void)state;
  bytes b = {0};
  add_gz(&b, "line1\n");
  static const char zeros[4096];
  add(&b, zeros, sizeof zeros);
  readout r = read_back(&b, 7);
  assert_int_equal(r.err, SP_OK);
  assert_string_equal(r.note, "");
  assert_int_equal(r.info.tail_zero_bytes, 4096);
  assert_int_equal(r.info.tail_plain_bytes, 0);
  expect_data(&r, "line1\n");
  free(b.p);
}

/* Padding, then text: the text is read, its offset is after the zeros. A
 * '\n' separates it from inflated data that did not end a line. */
static void test_gzip_zeros_then_plain(void **state) {
  (void)state;
  bytes b = {0};
  add_gz(&b, "first\nunfinished");
  size_t gzlen = b.n;
  static const char zeros[100];
  add(&b, zeros, sizeof zeros);
  add(&b, "x y\n", 4);
  readout r = read_back(&b, 4096);
  assert_int_equal(r.err, SP_OK);
  assert_int_equal(r.info.tail_zero_bytes, 100);
  assert_int_equal(r.info.tail_plain_bytes, 4);
  assert_int_equal(r.info.tail_offset, gzlen + 100);
  char want[256];
  snprintf(want, sizeof want,
           "4 bytes of non-gzip data after the gzip stream at offset %zu "
           "were read as plain text",
           gzlen + 100);
  assert_string_equal(r.note, want);
  expect_data(&r, "first\nunfinished\nx y\n");
  free(b.p);
}

static void test_gzip_members_then_plain(void **state) {
  (void)state;
  bytes b = {0};
  add_gz(&b, "a\n");
  add_gz(&b, "b\n");
  add(&b, "c", 1); /* a single trailing byte */
  readout r = read_back(&b, 2);
  assert_int_equal(r.err, SP_OK);
  assert_int_equal(r.info.members, 2);
  assert_int_equal(r.info.tail_plain_bytes, 1);
  expect_data(&r, "a\nb\nc");
  free(b.p);
}

/* The first member ends one byte before the end of the input block, so the
 * next member's two magic bytes are split between two reads. */
static void test_gzip_member_at_block_edge(void **state) {
  (void)state;
  const char *one = "first member\n";
  char x[] = "x";
  bytes probe = gz(one, strlen(one), x);
  size_t clen = 1 + (SP_SOURCE_BLOCK - 1 - probe.n);
  free(probe.p);
  char *comment = malloc(clen + 1);
  assert_non_null(comment);
  memset(comment, 'c', clen);
  comment[clen] = 0;
  bytes b = gz(one, strlen(one), comment);
  free(comment);
  assert_int_equal(b.n, SP_SOURCE_BLOCK - 1);
  add_gz(&b, "second member\n");
  readout r = read_back(&b, SP_SOURCE_BLOCK);
  assert_int_equal(r.err, SP_OK);
  assert_int_equal(r.info.members, 2);
  assert_string_equal(r.note, "");
  expect_data(&r, "first member\nsecond member\n");
  free(b.p);
}

/* A cut member is still an error, and no note. */
static void test_gzip_truncated(void **state) {
  (void)state;
  char data[2000];
  for (size_t i = 0; i < sizeof data; i++)
    data[i] = (char)('a' + (i * 7919) % 26);
  bytes b = gz(data, sizeof data, NULL);
  b.n /= 2;
  readout r = read_back(&b, 4096);
  assert_int_equal(r.err, SP_ETRUNCATED);
  assert_non_null(strstr(r.msg, "truncated gzip stream"));
  assert_string_equal(r.note, "");
  assert_int_equal(r.info.members, 0);
  free(r.data.p);
  free(b.p);
}

/* A truncated stream yields everything inflate can recover, whatever the
 * read size: small reads that fill their buffer in the middle of a long
 * match must not lose the rest of it (found by fuzz_source). The expected
 * length is zlib's own: what inflate writes from the truncated input. */
static void test_gzip_truncated_read_sizes(void **state) {
  (void)state;
  char data[20000];
  for (size_t i = 0; i < sizeof data; i++) /* long repeats: long matches */
    data[i] = (char)('a' + (i / 700) % 3);
  bytes b = gz(data, sizeof data, NULL);
  b.n = b.n * 2 / 3;
  z_stream zs;
  memset(&zs, 0, sizeof zs);
  assert_int_equal(inflateInit2(&zs, 15 + 16), Z_OK);
  char *all = malloc(sizeof data);
  zs.next_in = (unsigned char *)b.p;
  zs.avail_in = (uInt)b.n;
  zs.next_out = (unsigned char *)all;
  zs.avail_out = sizeof data;
  (void)inflate(&zs, Z_SYNC_FLUSH);
  size_t want = sizeof data - zs.avail_out;
  inflateEnd(&zs);
  assert_true(want > 0 && want < sizeof data);
  for (size_t cap = 1; cap <= 4096; cap = cap * 3 + 1) {
    readout r = read_back(&b, cap);
    assert_int_equal(r.err, SP_ETRUNCATED);
    assert_int_equal(r.data.n, want);
    assert_memory_equal(r.data.p, data, want);
    free(r.data.p);
  }
  free(all);
  free(b.p);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_plain_file),
      cmocka_unit_test(test_gzip_then_plain),
      cmocka_unit_test(test_gzip_zero_padding),
      cmocka_unit_test(test_gzip_zeros_then_plain),
      cmocka_unit_test(test_gzip_members_then_plain),
      cmocka_unit_test(test_gzip_member_at_block_edge),
      cmocka_unit_test(test_gzip_truncated),
      cmocka_unit_test(test_gzip_truncated_read_sizes),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
