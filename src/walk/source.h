/*
 * source.h - reads one evidence file as a stream of blocks, inflating gzip
 * transparently (detected by its magic bytes, not by the file name).
 *
 * Memory is bounded: one input block and zlib's window, whatever the file
 * size. A truncated or corrupt .gz yields everything that could be inflated
 * and then SP_ETRUNCATED / SP_EFORMAT with the compressed offset in the
 * message; callers keep what they got.
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
/* The file as stored, never inflated (the file scanner hashes the bytes on
 * disk). */
sp_err sp_source_open_raw(const char *path, sp_source **out, char *msg,
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

#endif
