/*
 * fuzz_source.c - libFuzzer target for the file streams of src/walk/source.c
 * (sp_source_open/read/close, sp_source_get_info, sp_source_note): gzip
 * detected by its magic bytes, inflated member after member, what follows
 * the last member (zero padding skipped, other bytes passed on as plain
 * text on a line of their own), truncated and corrupt streams reported with
 * what could be recovered; plain files passed through.
 *
 * Input layout: the whole input is the file. It is written to an in-memory
 * file (memfd_create, one per process, made in LLVMFuzzerInitialize: the
 * only global state; a file on disk made the target 3x slower) and opened
 * by its name /proc/self/fd/N, twice, as the engine does:
 *  - the sniff: reads until SP_SNIFF_BYTES are in, the end or an error,
 *    then sp_sniff_prepare and sp_reader_pick over the built-in readers
 *    (engine.c phase_sniff, without its skipping of a long NUL prefix);
 *  - the stream: reads of random sizes (1..1 MiB, from a generator seeded by
 *    the input; each into an exact-size heap block) until a read returns 0
 *    bytes or an error, then one more read, which must return 0 bytes.
 * Checks: no read returns more than asked; an error comes with a message;
 * the sniff got the stream's first bytes; the stream equals a reference
 * decoding written here with zlib on the whole input at once (plain: the
 * input itself; gzip: members inflated while the next two bytes are the
 * magic, then the tail: leading zero bytes dropped, the rest appended after
 * a '\n' when the inflated data did not end with one; ends complete,
 * truncated or corrupt -> SP_OK, SP_ETRUNCATED, SP_EFORMAT; a truncated
 * stream may lose its last match, see the end); and the counters and note
 * agree with the reference (members, tail zero and plain bytes, offset).
 * Only the first FZ_LIMIT decompressed bytes are compared, so a small input
 * that inflates to gigabytes stays fast.
 */
#include "readers/reader.h"
#include "walk/source.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <zlib.h>

#define CHECK(c) ((c) ? (void)0 : fz_fail(#c, __FILE__, __LINE__))
#define FZ_LIMIT (4u << 20)  /* decompressed bytes compared */
#define FZ_SMALL_READS 4096u /* then reads of at least 64 KiB */

static void fz_fail(const char *what, const char *file, int line) {
  fprintf(stderr, "fuzz check failed: %s (%s:%d)\n", what, file, line);
  abort();
}

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int fz_fd = -1;
static char fz_path[64];

int LLVMFuzzerInitialize(int *argc, char ***argv) {
  (void)argc;
  (void)argv;
  fz_fd = memfd_create("spoor-fuzz-source", MFD_CLOEXEC);
  if (fz_fd < 0) {
    perror("fuzz_source: memfd_create");
    abort();
  }
  snprintf(fz_path, sizeof fz_path, "/proc/self/fd/%d", fz_fd);
  return 0;
}

static void write_file(const uint8_t *data, size_t size) {
  CHECK(ftruncate(fz_fd, 0) == 0);
  for (size_t at = 0; at < size;) {
    ssize_t w = pwrite(fz_fd, data + at, size - at, (off_t)at);
    CHECK(w > 0);
    at += (size_t)w;
  }
}

/* The expected content: up to FZ_LIMIT bytes, how the stream ends, and
 * the source's counters. */
typedef struct expect {
  uint8_t *out;
  size_t len, cap;
  sp_err end;   /* SP_OK, SP_ETRUNCATED or SP_EFORMAT */
  bool limited; /* FZ_LIMIT reached: end and counters unknown */
  bool gzip;
  uint64_t members, tail_zero, tail_plain, tail_offset;
} expect;

/* Room for n more output bytes, growing by doubling up to FZ_LIMIT; false
 * when FZ_LIMIT is in the way. Most inputs are small, and a 4 MiB block per
 * input would slow the fuzzer down. */
static bool room(expect *x, size_t n) {
  if (x->len + n <= x->cap)
    return true;
  if (x->len + n > FZ_LIMIT)
    return false;
  size_t cap = x->cap;
  while (cap < x->len + n)
    cap = cap * 2 < FZ_LIMIT ? cap * 2 : FZ_LIMIT;
  uint8_t *grown = realloc(x->out, cap);
  CHECK(grown != NULL);
  x->out = grown;
  x->cap = cap;
  return true;
}

/* What follows the last complete member: zero bytes dropped, the rest
 * appended as it is, after a '\n' when the inflated data lacks one. */
static void reference_tail(const uint8_t *data, size_t size, size_t at,
                           expect *x) {
  while (at < size && data[at] == 0) {
    x->tail_zero++;
    at++;
  }
  if (at == size)
    return;
  x->tail_offset = at;
  x->tail_plain = size - at;
  bool nl = x->len > 0 && x->out[x->len - 1] != '\n';
  if (!room(x, (nl ? 1 : 0) + (size - at))) {
    x->limited = true;
    return;
  }
  if (nl)
    x->out[x->len++] = '\n';
  memcpy(x->out + x->len, data + at, size - at);
  x->len += size - at;
}

static void reference(const uint8_t *data, size_t size, expect *x) {
  memset(x, 0, sizeof *x);
  x->end = SP_OK;
  x->cap = 65536;
  x->out = malloc(x->cap);
  CHECK(x->out != NULL);
  if (size < 2 || data[0] != 0x1f || data[1] != 0x8b) {
    CHECK(room(x, size));
    memcpy(x->out, data, size);
    x->len = size;
    return;
  }
  x->gzip = true;
  z_stream zs;
  memset(&zs, 0, sizeof zs);
  CHECK(inflateInit2(&zs, 15 + 16) == Z_OK);
  zs.next_in = (unsigned char *)data;
  zs.avail_in = (uInt)size;
  zs.next_out = x->out;
  zs.avail_out = (uInt)x->cap;
  for (;;) {
    int z = inflate(&zs, Z_NO_FLUSH);
    x->len = (size_t)(zs.next_out - x->out);
    if (z == Z_STREAM_END) {
      x->members++;
      if (zs.avail_in >= 2 && zs.next_in[0] == 0x1f && zs.next_in[1] == 0x8b) {
        CHECK(inflateReset(&zs) == Z_OK);
        continue;
      }
      reference_tail(data, size, size - zs.avail_in, x);
      break;
    }
    if (zs.avail_out == 0 && (z == Z_OK || z == Z_BUF_ERROR)) {
      if (!room(x, 1)) {
        x->limited = true;
        break;
      }
      zs.next_out = x->out + x->len;
      zs.avail_out = (uInt)(x->cap - x->len);
      continue;
    }
    if (z == Z_OK || z == Z_BUF_ERROR) {
      /* All input given and output room left: it needs more input. */
      CHECK(zs.avail_in == 0);
      x->end = SP_ETRUNCATED;
      break;
    }
    x->end = SP_EFORMAT;
    break;
  }
  inflateEnd(&zs);
}

static uint64_t next_rand(uint64_t *s) {
  *s ^= *s << 13;
  *s ^= *s >> 7;
  *s ^= *s << 17;
  return *s;
}

static size_t block_size(uint64_t *rng, size_t reads) {
  uint64_t r = next_rand(rng);
  size_t n;
  switch (r % 4) {
  case 0:
    n = 1 + (size_t)((r >> 8) % 64);
    break;
  case 1:
    n = 1 + (size_t)((r >> 8) % 8192);
    break;
  case 2:
    n = 1 + (size_t)((r >> 8) % 65536);
    break;
  default:
    n = SP_SOURCE_BLOCK;
    break;
  }
  return reads >= FZ_SMALL_READS && n < 65536 ? 65536 : n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  write_file(data, size);
  expect x;
  reference(data, size, &x);
  char msg[256];

  /* The sniff, as engine.c phase_sniff does it. */
  sp_source *src;
  msg[0] = 0;
  CHECK(sp_source_open(fz_path, &src, msg, sizeof msg) == SP_OK);
  char *head = malloc(SP_SNIFF_BYTES);
  char *text = malloc(2 * SP_SNIFF_BYTES);
  CHECK(head != NULL && text != NULL);
  size_t have = 0, got;
  sp_err e;
  do {
    got = (size_t)-1;
    e = sp_source_read(src, head + have, SP_SNIFF_BYTES - have, &got, msg,
                       sizeof msg);
    CHECK(got <= SP_SNIFF_BYTES - have);
    CHECK(e == SP_OK || msg[0] != 0);
    have += got;
  } while (e == SP_OK && got > 0 && have < SP_SNIFF_BYTES);
  sp_source_close(src);
  CHECK(have == (x.len < SP_SNIFF_BYTES ? x.len : SP_SNIFF_BYTES));
  CHECK(memcmp(head, x.out, have) == 0);
  if (have) {
    sp_sniff sn;
    sp_sniff_prepare(&sn, fz_path, head, have, text, 2 * SP_SNIFF_BYTES);
    CHECK(sn.raw == head && sn.raw_len == have);
    CHECK(sn.text_len <= 2 * SP_SNIFF_BYTES);
    size_t n = 0;
    while (sp_readers[n])
      n++;
    const sp_reader_vt *looks = NULL;
    const sp_reader_vt *r = sp_reader_pick(sp_readers, n, &sn, &looks);
    CHECK(r == NULL || r->name != NULL);
    CHECK(looks == NULL || looks->name != NULL);
  }
  free(text);
  free(head);

  /* The stream, in blocks of random size. */
  uint64_t rng = 0x9e3779b97f4a7c15ULL ^ size;
  for (size_t i = 0; i < size && i < 64; i++)
    rng = (rng ^ data[i]) * 0x100000001b3ULL;
  if (!rng)
    rng = 1;
  msg[0] = 0;
  CHECK(sp_source_open(fz_path, &src, msg, sizeof msg) == SP_OK);
  size_t total = 0, reads = 0;
  sp_err end = SP_OK;
  bool limited = false;
  for (;;) {
    size_t cap = block_size(&rng, reads++);
    char *blk = malloc(cap);
    CHECK(blk != NULL);
    got = (size_t)-1;
    msg[0] = 0;
    e = sp_source_read(src, blk, cap, &got, msg, sizeof msg);
    CHECK(got <= cap);
    CHECK(e == SP_OK || msg[0] != 0);
    CHECK(e == SP_OK || e == SP_ETRUNCATED || e == SP_EFORMAT);
    size_t cmp = got;
    if (total + cmp > x.len)
      cmp = total < x.len ? x.len - total : 0;
    CHECK(cmp == got || x.limited);
    CHECK(cmp == 0 || memcmp(blk, x.out + total, cmp) == 0);
    free(blk);
    total += got;
    if (e != SP_OK) {
      end = e;
      break;
    }
    if (got == 0)
      break;
    if (total > FZ_LIMIT) {
      limited = true;
      break;
    }
  }
  if (!limited) {
    char tail[16];
    got = (size_t)-1;
    CHECK(sp_source_read(src, tail, sizeof tail, &got, msg, sizeof msg) ==
          SP_OK);
    CHECK(got == 0);
  }
  CHECK(sp_source_bytes(src) == total);
  sp_source_info info;
  sp_source_get_info(src, &info);
  const char *note = sp_source_note(src);
  CHECK(info.gzip == x.gzip);
  if (!limited && !x.limited) {
    CHECK(info.members == x.members);
    CHECK(info.tail_zero_bytes == x.tail_zero);
    CHECK(info.tail_plain_bytes == x.tail_plain);
    CHECK(!x.tail_plain || info.tail_offset == x.tail_offset);
    CHECK((note != NULL) == (x.tail_plain > 0));
  }
  sp_source_close(src);

  if (x.limited) {
    CHECK(total >= x.len);
  } else {
    CHECK(!limited && total == x.len);
    CHECK(end == x.end);
  }
  free(x.out);
  return 0;
}
