/*
 * reader.h - the reader interface: bytes in, events out.
 *
 * A reader is a table entry {name, kind, sniff, create, line, destroy}. It is
 * fed one physical line at a time by the line splitter (lines.h), so it works
 * the same on an mmap'd file, a decompressed .gz stream, a test string or a
 * fuzzer buffer. It fills the context's reusable event and calls
 * sp_rctx_emit(); it reports damaged lines with sp_rctx_malformed() and goes
 * on. Readers keep per-file state (the current #Fields layout) in the object
 * create() returns; they never allocate per line.
 */
#ifndef SP_READERS_READER_H
#define SP_READERS_READER_H

#include "event/event.h"
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Hard limits for line formats. */
#define SP_MAX_LINE (1u << 20) /* 1 MiB: longer lines are skipped */
#define SP_MAX_COLUMNS 256     /* fields per line/header */
#define SP_SNIFF_BYTES 4096    /* bytes the sniffer looks at */
#define SP_SCRATCH_BYTES (2u * SP_MAX_LINE + 4096)

typedef struct sp_rctx sp_rctx;

struct sp_rctx {
  uint32_t file_id;
  /* Called for every event; the event is valid only during the call. */
  void (*on_event)(void *user, const sp_event *ev);
  /* Called for every skipped line with a short static or stack reason. */
  void (*on_malformed)(void *user, uint64_t line, const char *reason);
  void *user;
  sp_event ev;         /* the reusable event */
  char *scratch;       /* decoded values for the current line */
  size_t scratch_used; /* reset before every line */
  size_t scratch_cap;  /* SP_SCRATCH_BYTES */
};

/* Set up a context (allocates the scratch space); false on out of memory. */
bool sp_rctx_init(sp_rctx *rc, uint32_t file_id,
                  void (*on_event)(void *, const sp_event *),
                  void (*on_malformed)(void *, uint64_t, const char *),
                  void *user);
void sp_rctx_free(sp_rctx *rc);
/* Make room for the decoded values of a line of n bytes (2n + 4 KiB, capped
 * at SP_SCRATCH_BYTES). Called between lines, when no value points into the
 * scratch. False when memory is short: values then stay raw. */
bool sp_rctx_reserve(sp_rctx *rc, size_t line_len);
/* Reserve n bytes of scratch; NULL when full (the caller keeps raw bytes). */
char *sp_rctx_alloc(sp_rctx *rc, size_t n);

static inline void sp_rctx_emit(sp_rctx *rc) {
  rc->ev.file_id = rc->file_id;
  rc->on_event(rc->user, &rc->ev);
}

static inline void sp_rctx_malformed(sp_rctx *rc, uint64_t line,
                                     const char *reason) {
  if (rc->on_malformed)
    rc->on_malformed(rc->user, line, reason);
}

/* Copy s into scratch with '+' turned into ' '; returns s unchanged if it has
 * no '+' or scratch is full. Valid until the next event. */
sp_str sp_rctx_plus_decode(sp_rctx *rc, sp_str s);

typedef struct sp_reader_vt {
  const char *name;
  sp_source_kind kind;
  /* Confidence 0..100 that buf (the first bytes of a file) is this format. */
  int (*sniff)(const char *buf, size_t len);
  void *(*create)(void);
  void (*line)(void *st, sp_rctx *rc, const char *p, size_t n, uint64_t lineno,
               uint64_t offset);
  void (*destroy)(void *st);
} sp_reader_vt;

/* The built-in reader table, NULL-terminated. */
extern const sp_reader_vt *const sp_readers[];

/* The best reader for a file's first bytes, or NULL. */
const sp_reader_vt *sp_reader_sniff(const char *buf, size_t len);
const sp_reader_vt *sp_reader_by_name(const char *name);

#endif
