/*
 * reader.h - the reader interface: a byte source in, events out.
 *
 * A reader is a table entry (sp_reader_vt) naming its format, the kind of
 * evidence reference its events carry (line, record, byte offset, packet),
 * a sniffer and open / next / close over a byte source (sp_source: a plain
 * or decompressed file, or memory). Readers are binary-safe: EVTX chunks and
 * pcap packets come through the same interface as text.
 *
 * Text formats share the line adapter (text.c): they provide sp_line_ops
 * {sniff, create, line, destroy, optional finish} and declare themselves with
 * SP_LINE_READER(name, ops). The adapter decodes the text (UTF-8 with or
 * without BOM, UTF-16LE/BE, leading NUL padding skipped and noted), splits
 * lines with the zero-copy splitter (lines.h) and calls line() once per
 * physical line.
 *
 * A reader fills the context's reusable event and calls sp_rctx_emit(); it
 * reports damaged input with sp_rctx_malformed() and goes on. Adding a reader
 * is one file plus one line in sp_readers[] (registry.c).
 *
 * Phases: a reader's events belong to one phase (sp_reader_vt.phase). Log
 * and record readers (SP_PHASE_LOGS, the default) compete by sniff score for
 * each file. A files-phase reader (SP_PHASE_FILES: the file scanner, file.c)
 * does not compete: the engine gives it every file no log reader claims and
 * every page a web server would execute, before any log is read.
 *
 * Per-worker state: a reader that needs state living longer than one file
 * (a YARA scanner, hash contexts, reusable buffers, a pcap reassembly table)
 * sets worker_create / worker_destroy. The engine creates one per worker
 * thread before the first file and destroys it after the hunt; open / next /
 * close find it in rc->wstate. worker_create may look up run-wide inputs by
 * name (sp_rctx_input) and intern names (sp_rctx_field). Outside the engine,
 * sp_reader_run_buffer creates and destroys it around the one run unless the
 * caller has set rc->wstate.
 */
#ifndef SP_READERS_READER_H
#define SP_READERS_READER_H

#include "core/input.h"
#include "event/event.h"
#include "spoor/spoor.h"
#include "walk/source.h"
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Hard limits for line formats. */
#define SP_MAX_LINE (1u << 20) /* 1 MiB: longer lines are skipped */
#define SP_MAX_COLUMNS 256     /* fields per line/header */
#define SP_SNIFF_BYTES 4096    /* bytes the sniffer looks at */
#define SP_SCRATCH_BYTES (2u * SP_MAX_LINE + 4096)

typedef struct sp_rctx sp_rctx;
typedef struct sp_names sp_names;

struct sp_rctx {
  uint32_t file_id;
  int ref; /* sp_ref_kind of the current reader, stamped on every event */
  /* The file being read, as the walk saw it: path (NULL for memory), last
   * modification (INT64_MIN when unknown) and size on disk (0 if unknown). */
  const char *path;
  int64_t mtime_ns;
  uint64_t size;
  /* Called for every event; the event is valid only during the call. */
  void (*on_event)(void *user, const sp_event *ev);
  /* Called for every skipped line or record with a short reason. */
  void (*on_malformed)(void *user, uint64_t where, const char *reason);
  /* A deliberate, non-damage note on the file (leading NUL bytes skipped,
   * the text encoding, data after a gzip stream); may be NULL. */
  void (*on_note)(void *user, const char *note);
  /* A budget that dropped or cut something (name as in findings/limits.h,
   * e.g. "yara.match_flood"): counted run-wide, shown, and failing --strict.
   * May be NULL. */
  void (*on_limit)(void *user, const char *name, const char *detail,
                   uint64_t n);
  void *user;
  sp_names *names;     /* the engine's interned names; NULL in bare tests */
  sp_event ev;         /* the reusable event */
  sp_fval *vals;       /* its value storage, SP_EVENT_MAX_FIELDS */
  char *scratch;       /* decoded values for the current line or record */
  size_t scratch_used; /* reset before every line */
  size_t scratch_cap;  /* up to SP_SCRATCH_BYTES */
  char *block;         /* SP_SOURCE_BLOCK bytes of read buffer */
  char errmsg[256];    /* why next() failed */

  /* The hunt's run-wide inputs (NULL in bare tests) and the current
   * reader's per-worker state (worker_create), or NULL. */
  const sp_input *inputs;
  size_t n_inputs;
  void *wstate;
};

/* The run-wide input registered under name, or NULL. */
static inline const void *sp_rctx_input(const sp_rctx *rc, const char *name) {
  return sp_input_find(rc->inputs, rc->n_inputs, name);
}

/* Set up a context (allocates value storage, scratch and the read block);
 * false on out of memory. names may be NULL (then only pre-seeded names
 * resolve). */
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
/* Field / kind id for a name (interned in the engine); -1 when the table is
 * full. Call once per header or template, not per event. */
int sp_rctx_field(sp_rctx *rc, const char *name, size_t n);
int sp_rctx_kind(sp_rctx *rc, const char *name);

/* Start a new event for evidence at `where` (line/record/packet) and byte
 * offset `offset`. */
static inline sp_event *sp_rctx_begin(sp_rctx *rc, int kind, uint64_t where,
                                      uint64_t offset) {
  sp_event *ev = &rc->ev;
  sp_event_reset(ev);
  ev->kind = kind;
  ev->line = where;
  ev->offset = offset;
  ev->ts = INT64_MIN;
  return ev;
}

static inline void sp_rctx_emit(sp_rctx *rc) {
  rc->ev.file_id = rc->file_id;
  rc->ev.ref = rc->ref;
  rc->on_event(rc->user, &rc->ev);
}

static inline void sp_rctx_malformed(sp_rctx *rc, uint64_t where,
                                     const char *reason) {
  if (rc->on_malformed)
    rc->on_malformed(rc->user, where, reason);
}

static inline void sp_rctx_note(sp_rctx *rc, const char *note) {
  if (rc->on_note)
    rc->on_note(rc->user, note);
}

static inline void sp_rctx_limit(sp_rctx *rc, const char *name,
                                 const char *detail, uint64_t n) {
  if (rc->on_limit)
    rc->on_limit(rc->user, name, detail, n);
}

/* Copy s into scratch with '+' turned into ' '; returns s unchanged if it has
 * no '+' or scratch is full. Valid until the next event. */
sp_str sp_rctx_plus_decode(sp_rctx *rc, sp_str s);

/* What a sniffer sees: the first bytes of the (decompressed) file as stored,
 * and the same bytes decoded to UTF-8 text (BOM and leading NULs removed). */
typedef struct sp_sniff {
  const char *path;
  const char *raw;
  size_t raw_len;
  const char *text;
  size_t text_len;
  int encoding;        /* sp_textenc of the text view */
  uint64_t nul_prefix; /* leading NUL bytes skipped before the text */
} sp_sniff;

/* The per-line part of a text format, driven by the line adapter. */
typedef struct sp_line_ops {
  /* Confidence 0..100 that text (decoded first bytes) is this format. A
   * score of SP_SNIFF_LOOKS_LIKE..49 means "looks like this format but cannot
   * be read": the file is reported as a problem, not taken as a plain file. */
  int (*sniff)(const char *text, size_t len);
  void *(*create)(void);
  void (*line)(void *st, sp_rctx *rc, const char *p, size_t n, uint64_t lineno,
               uint64_t offset);
  void (*destroy)(void *st);
  /* Optional: called once after the last line, before destroy, while the
   * file is still current (e.g. to note what was repaired). */
  void (*finish)(void *st, sp_rctx *rc);
} sp_line_ops;

#define SP_SNIFF_CLAIM 50      /* this score or more: the reader takes it */
#define SP_SNIFF_LOOKS_LIKE 20 /* 20..49: looks like the format, unreadable */

typedef struct sp_reader_vt sp_reader_vt;

struct sp_reader_vt {
  const char *name; /* format name, also the source name in coverage */
  int ref;          /* sp_ref_kind its events carry */
  unsigned phase;   /* SP_PHASE_* of its events; 0 = SP_PHASE_LOGS */
  bool raw;         /* read the file as stored (no gzip inflation) */
  /* Confidence 0..100 (see SP_SNIFF_*). */
  int (*sniff)(const sp_reader_vt *vt, const sp_sniff *sn);
  /* Open a reader on a byte source positioned at the start. */
  sp_err (*open)(const sp_reader_vt *vt, sp_rctx *rc, sp_source *src,
                 void **st);
  /* Read on: emit zero or more events. Returns 1 while there is more, 0 at
   * the end, -1 when the source failed (rc->errmsg says why; what was read
   * stays read). */
  int (*next)(void *st, sp_rctx *rc);
  void (*close)(void *st, sp_rctx *rc);
  const sp_line_ops *lines; /* text formats: the per-line part */
  /* Optional per-worker state (see the top of this file): *out gets it;
   * SP_ENOMEM or SP_EINVAL (a run-wide input it needs is missing) fail the
   * hunt. */
  sp_err (*worker_create)(const sp_reader_vt *vt, sp_rctx *rc, void **out);
  void (*worker_destroy)(void *ws);
};

/* The line adapter, for SP_LINE_READER. */
int sp_text_sniff(const sp_reader_vt *vt, const sp_sniff *sn);
sp_err sp_text_open(const sp_reader_vt *vt, sp_rctx *rc, sp_source *src,
                    void **st);
int sp_text_next(void *st, sp_rctx *rc);
void sp_text_close(void *st, sp_rctx *rc);

#define SP_LINE_READER(nm, ops)                                                \
  {                                                                            \
    .name = (nm), .ref = SP_REF_LINE, .sniff = sp_text_sniff,                  \
    .open = sp_text_open, .next = sp_text_next, .close = sp_text_close,        \
    .lines = &(ops)                                                            \
  }

/* The built-in reader table, NULL-terminated (registry.c). */
extern const sp_reader_vt *const sp_readers[];

/* Build a sniff view of a file's first bytes into text (cap >= 2*len). */
void sp_sniff_prepare(sp_sniff *sn, const char *path, const char *raw,
                      size_t raw_len, char *text, size_t text_cap);
/* The best reader among vts for a sniff view, or NULL; *looks_like gets a
 * reader that recognised the format but cannot read it (score 20..49). */
const sp_reader_vt *sp_reader_pick(const sp_reader_vt *const *vts, size_t n,
                                   const sp_sniff *sn,
                                   const sp_reader_vt **looks_like);
/* Shorthand over the built-in table on plain bytes (tests, fuzzers). */
const sp_reader_vt *sp_reader_sniff(const char *buf, size_t len);
/* When no built-in reader claims buf, the one whose score is highest in the
 * SP_SNIFF_LOOKS_LIKE band ("looks like a <name> log, cannot be read"). */
const sp_reader_vt *sp_reader_looks_like(const char *buf, size_t len);
const sp_reader_vt *sp_reader_by_name(const char *name);
/* EVTX reader worker state (from its worker_create): on = every record
 * through the full BinXML walk instead of its template's plan (tests that
 * check both give the same events). */
void sp_reader_evtx_walk_only(void *wstate, bool on);
/* Records read through a plan and through the walk so far (tests). */
void sp_reader_evtx_plan_stats(const void *wstate, uint64_t *planned,
                               uint64_t *walked);

/* Run a reader over a whole memory buffer (tests, fuzzers). A reader with
 * per-worker state gets it created for this run unless rc->wstate is set. */
sp_err sp_reader_run_buffer(const sp_reader_vt *vt, sp_rctx *rc,
                            const char *buf, size_t len);

#endif
