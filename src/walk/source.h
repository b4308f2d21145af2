/*
 * source.h - reads one evidence file as a stream of blocks, inflating gzip
 * transparently (detected by its magic bytes, not by the file name).
 *
 * Memory is bounded: one input block and zlib's window, whatever the file
 * size. A truncated or corrupt .gz yields everything that could be inflated
 * and then SP_ETRUNCATED / SP_EFORMAT with the compressed offset in the
 * message; callers keep what they got.
 *
 * Concatenated gzip members are read one after the other. What follows the
 * last complete member is not dropped: zero bytes (padding added by tape and
 * carving tools) are skipped quietly and counted; any other bytes (say, a
 * plain log appended to a .gz) are evidence, so they are passed on as plain
 * text after the inflated data, on a line of their own (a '\n' is inserted
 * when the inflated data did not end with one), and sp_source_note() says
 * so. The counters are in sp_source_info.
 */
#ifndef SP_WALK_SOURCE_H
#define SP_WALK_SOURCE_H

#include "spoor/spoor.h"
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SP_SOURCE_BLOCK (1u << 20)

typedef struct sp_source sp_source;

sp_err sp_source_open(const char *path, sp_source **out, char *msg,
                      size_t msg_cap);
/* A source over memory (not copied; must outlive the source): tests and
 * fuzzers run readers through the same interface as on files. */
sp_err sp_source_open_mem(const char *buf, size_t len, sp_source **out);
/* Read up to cap bytes of (decompressed) content. *got == 0 means the end.
 * On error, msg says what and where. */
sp_err sp_source_read(sp_source *src, char *buf, size_t cap, size_t *got,
                      char *msg, size_t msg_cap);
/* (Decompressed) bytes delivered so far. */
uint64_t sp_source_bytes(const sp_source *src);
void sp_source_close(sp_source *src);

/* A note about the stream that is not damage, or NULL: "N bytes of non-gzip
 * data after the gzip stream at offset X were read as plain text". Final
 * once sp_source_read has returned *got == 0; owned by the source, valid
 * until sp_source_close. */
const char *sp_source_note(const sp_source *src);

typedef struct sp_source_info {
  bool gzip;                 /* the file is gzip (by its magic bytes) */
  uint64_t members;          /* complete gzip members inflated */
  uint64_t tail_zero_bytes;  /* zero bytes after the last member, skipped */
  uint64_t tail_plain_bytes; /* other bytes after it, read as plain text */
  uint64_t tail_offset;      /* file offset of the first of those */
} sp_source_info;

/* Counters so far (final at the end of the stream). */
void sp_source_get_info(const sp_source *src, sp_source_info *out);

#endif
