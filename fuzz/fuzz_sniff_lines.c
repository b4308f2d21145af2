/*
 * fuzz_sniff_lines.c - libFuzzer target for content sniffing and the block
 * line splitter (sp_reader_sniff, sp_lines_feed/finish and its carry buffer).
 *
 * Input layout: byte 0 picks the largest block size, byte 1 seeds the
 * generator of block sizes, the rest is the file. The file is sniffed (first
 * SP_SNIFF_BYTES, as the engine does); the reader it picks, or every reader
 * when none is picked, then runs twice:
 *  - over the whole file at once (sp_reader_run_buffer), and
 *  - through sp_lines_feed in blocks of random size (1..max), each block a
 *    fresh exact-size heap copy freed right after the feed, so a slice that
 *    outlives its block is a use-after-free under ASan.
 * Both runs must produce the same events and malformed-line reports (a digest
 * of line, offset, time, kind and every field's bytes). In the block run
 * every field must point into the current block, the carry buffer or the
 * scratch space, and every event's offset must be the start of its line.
 * No globals: all state is on the stack or freed before returning.
 */
#include "readers/lines.h"
#include "readers/reader.h"

#include <stdio.h>
#include <stdlib.h>

#define CHECK(c) ((c) ? (void)0 : fz_fail(#c, __FILE__, __LINE__))

static void fz_fail(const char *what, const char *file, int line) {
  fprintf(stderr, "fuzz check failed: %s (%s:%d)\n", what, file, line);
  abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

typedef struct run {
  const char *file; /* the whole file, for offset checks */
  size_t file_len;
  const sp_rctx *rc;
  const sp_lines *ls; /* block run only */
  const char *block;  /* block run only: the block being fed */
  size_t block_len;
  uint64_t digest;
  uint64_t events, malformed;
} run;

static uint64_t mix(uint64_t h, const void *p, size_t n) {
  const unsigned char *b = p;
  for (size_t i = 0; i < n; i++) {
    h ^= b[i];
    h *= 1099511628211ULL;
  }
  return h;
}

static bool inside(const char *p, size_t n, const char *lo, size_t len) {
  return lo && p >= lo && n <= len && (size_t)(p - lo) <= len - n;
}

static void on_event(void *user, const sp_event *ev) {
  run *r = user;
  r->events++;
  CHECK(ev->kind > SP_SRC_UNKNOWN && ev->kind < SP_SRC__COUNT);
  CHECK((ev->present >> SP_F__COUNT) == 0);
  /* The offset is the start of a physical line of the file. */
  CHECK(ev->offset < r->file_len);
  CHECK(ev->offset == 0 || r->file[ev->offset - 1] == '\n');
  uint64_t h = r->digest;
  h = mix(h, &ev->line, sizeof ev->line);
  h = mix(h, &ev->offset, sizeof ev->offset);
  h = mix(h, &ev->ts, sizeof ev->ts);
  h = mix(h, &ev->kind, sizeof ev->kind);
  h = mix(h, &ev->present, sizeof ev->present);
  CHECK(ev->n <= ev->cap);
  for (uint32_t i = 0; i < ev->n; i++) {
    sp_str v = ev->vals[i].s;
    CHECK(ev->vals[i].id < SP_F__COUNT); /* text readers use ECS names */
    h = mix(h, &ev->vals[i].id, sizeof ev->vals[i].id);
    CHECK(v.n == 0 || v.p != NULL);
    if (r->ls && v.n) {
      bool ok = inside(v.p, v.n, r->block, r->block_len) ||
                inside(v.p, v.n, r->ls->carry, r->ls->carry_len) ||
                inside(v.p, v.n, r->rc->scratch, r->rc->scratch_used);
      CHECK(ok);
    }
    h = mix(h, &v.n, sizeof v.n);
    h = mix(h, v.p, v.n);
  }
  r->digest = h;
}

static void on_malformed(void *user, uint64_t line, const char *reason) {
  run *r = user;
  r->malformed++;
  CHECK(reason != NULL);
  r->digest = mix(r->digest, &line, sizeof line);
  r->digest = mix(r->digest, reason, strlen(reason));
}

/* xorshift32; never seeded with 0. */
static uint32_t next_rand(uint32_t *s) {
  uint32_t x = *s;
  x ^= x << 13;
  x ^= x >> 17;
  x ^= x << 5;
  *s = x;
  return x;
}

static void run_whole(const sp_reader_vt *vt, const char *file, size_t len,
                      run *out) {
  memset(out, 0, sizeof *out);
  out->file = file;
  out->file_len = len;
  out->digest = 1469598103934665603ULL;
  sp_rctx rc;
  CHECK(sp_rctx_init(&rc, 1, on_event, on_malformed, out));
  out->rc = &rc;
  CHECK(sp_reader_run_buffer(vt, &rc, file, len) == SP_OK);
  out->rc = NULL;
  sp_rctx_free(&rc);
}

static void run_blocks(const sp_reader_vt *vt, const char *file, size_t len,
                       size_t max_block, uint32_t seed, run *out) {
  memset(out, 0, sizeof *out);
  out->file = file;
  out->file_len = len;
  out->digest = 1469598103934665603ULL;
  sp_rctx rc;
  CHECK(sp_rctx_init(&rc, 1, on_event, on_malformed, out));
  CHECK(vt->lines != NULL);
  void *st = vt->lines->create();
  CHECK(st != NULL);
  sp_lines ls;
  sp_lines_init(&ls, vt->lines, st, &rc);
  out->rc = &rc;
  out->ls = &ls;
  size_t pos = 0;
  do { /* one empty feed for an empty file */
    size_t n = 1 + next_rand(&seed) % max_block;
    if (n > len - pos)
      n = len - pos;
    char *block = malloc(n ? n : 1);
    CHECK(block != NULL);
    memcpy(block, file + pos, n);
    out->block = block;
    out->block_len = n;
    CHECK(sp_lines_feed(&ls, block, n));
    out->block = NULL;
    out->block_len = 0;
    free(block);
    pos += n;
    CHECK(ls.offset == pos);
  } while (pos < len);
  sp_lines_finish(&ls);
  CHECK(ls.carry == NULL && ls.carry_len == 0);
  out->ls = NULL;
  out->rc = NULL;
  vt->lines->destroy(st);
  sp_rctx_free(&rc);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static const size_t max_blocks[8] = {1, 2, 3, 8, 31, 256, 4096, 65536};
  if (size < 2)
    return 0;
  size_t max_block = max_blocks[data[0] & 7];
  uint32_t seed = 0x9E3779B9u ^ ((uint32_t)data[1] * 0x01000193u);
  const char *file = (const char *)data + 2;
  size_t len = size - 2;
  /* The line adapter skips leading NUL padding (noted, not split); the
     block run below drives the splitter directly, so compare without it. */
  while (len && *file == 0) {
    file++;
    len--;
  }

  const sp_reader_vt *picked =
      sp_reader_sniff(file, len < SP_SNIFF_BYTES ? len : SP_SNIFF_BYTES);
  size_t n_readers = 0;
  while (sp_readers[n_readers])
    n_readers++;
  if (picked) {
    bool known = false;
    for (size_t i = 0; i < n_readers; i++)
      known |= sp_readers[i] == picked;
    CHECK(known);
    CHECK(sp_reader_by_name(picked->name) == picked);
  }

  for (size_t i = 0; i < n_readers; i++) {
    const sp_reader_vt *vt = picked ? picked : sp_readers[i];
    run whole, blocks;
    run_whole(vt, file, len, &whole);
    run_blocks(vt, file, len, max_block, seed, &blocks);
    CHECK(whole.events == blocks.events);
    CHECK(whole.malformed == blocks.malformed);
    CHECK(whole.digest == blocks.digest);
    if (picked)
      break;
  }
  return 0;
}
