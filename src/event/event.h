/*
 * event.h - the normalized event every reader produces.
 *
 * An event is a timestamp (UTC ns), a source kind, a reference to its
 * evidence (file id plus line, record, byte offset or packet number, as the
 * event's ref says) and any number of fields. A field is an interned id (see
 * names.h: the ECS names below are pre-seeded as ids 0..SP_F__COUNT-1, any
 * other name is interned per engine) and a value: its text as the evidence
 * has it, and a typed form (integer, IP address, timestamp) parsed once, on
 * first use, and cached in the event. A name may occur more than once: that
 * is a multi-valued field (a list); sp_event_get returns the first value,
 * sp_event_next walks the rest.
 *
 * The pre-seeded fields live in a table inside the event indexed by id, with
 * a presence mask: setting one is three stores and lookup is O(1). Other
 * names and further values of a name go to value storage owned by the reader
 * context (reader.h), bounded by SP_EVENT_MAX_FIELDS and found by a short
 * scan; no name is compared per event. A value that does not fit is counted
 * in ev->dropped_fields, never silently lost.
 *
 * Ownership: text values are slices into the reader's buffers (line buffer
 * or the reader's scratch space) and live only during the detector callback.
 * A detector that keeps anything must copy it.
 */
#ifndef SP_EVENT_EVENT_H
#define SP_EVENT_EVENT_H

#include "core/ip.h"
#include "core/str.h"
#include <stdint.h>

/* X(id, ECS name, type): the pre-seeded fields (ids 0..SP_F__COUNT-1). */
#define SP_FIELDS(X)                                                           \
  X(SP_F_SOURCE_IP, "source.ip", SP_T_IP)                                      \
  X(SP_F_SOURCE_PORT, "source.port", SP_T_INT)                                 \
  X(SP_F_DESTINATION_IP, "destination.ip", SP_T_IP)                            \
  X(SP_F_DESTINATION_PORT, "destination.port", SP_T_INT)                       \
  X(SP_F_HOST_NAME, "host.name", SP_T_STR)                                     \
  X(SP_F_USER_NAME, "user.name", SP_T_STR)                                     \
  X(SP_F_URL_PATH, "url.path", SP_T_STR)                                       \
  X(SP_F_URL_QUERY, "url.query", SP_T_STR)                                     \
  X(SP_F_URL_DOMAIN, "url.domain", SP_T_STR)                                   \
  X(SP_F_URL_ORIGINAL, "url.original", SP_T_STR)                               \
  X(SP_F_HTTP_METHOD, "http.request.method", SP_T_STR)                         \
  X(SP_F_HTTP_STATUS, "http.response.status_code", SP_T_INT)                   \
  X(SP_F_HTTP_REFERRER, "http.request.referrer", SP_T_STR)                     \
  X(SP_F_HTTP_BYTES_IN, "http.request.bytes", SP_T_INT)                        \
  X(SP_F_HTTP_BYTES_OUT, "http.response.bytes", SP_T_INT)                      \
  X(SP_F_USER_AGENT, "user_agent.original", SP_T_STR)                          \
  X(SP_F_EVENT_DURATION_MS, "event.duration_ms", SP_T_INT)                     \
  X(SP_F_FILE_PATH, "file.path", SP_T_STR)                                     \
  X(SP_F_EVENT_CODE, "event.code", SP_T_STR)                                   \
  X(SP_F_EVENT_PROVIDER, "event.provider", SP_T_STR)                           \
  X(SP_F_EVENT_ACTION, "event.action", SP_T_STR)                               \
  X(SP_F_LOG_LEVEL, "log.level", SP_T_STR)                                     \
  X(SP_F_MESSAGE, "message", SP_T_STR)                                         \
  X(SP_F_EXCH_PROTOCOL, "exchange.protocol", SP_T_STR)                         \
  X(SP_F_EXCH_ANCHOR, "exchange.anchor_mailbox", SP_T_STR)                     \
  X(SP_F_EXCH_BECOOKIE, "exchange.backend_cookie", SP_T_STR)                   \
  X(SP_F_EXCH_AUTH_TYPE, "exchange.authentication_type", SP_T_STR)             \
  X(SP_F_EXCH_IS_AUTH, "exchange.is_authenticated", SP_T_STR)                  \
  X(SP_F_EXCH_TARGET, "exchange.target_server", SP_T_STR)                      \
  X(SP_F_EXCH_ROUTING, "exchange.routing_type", SP_T_STR)                      \
  X(SP_F_EXCH_BACKEND_STATUS, "exchange.backend_status", SP_T_INT)             \
  X(SP_F_EXCH_ECP_CMD, "exchange.ecp.cmd", SP_T_STR)                           \
  X(SP_F_EXCH_BUILD, "exchange.build", SP_T_STR)                               \
  X(SP_F_FILE_NAME, "file.name", SP_T_STR)                                     \
  X(SP_F_FILE_EXTENSION, "file.extension", SP_T_STR)                           \
  X(SP_F_FILE_SIZE, "file.size", SP_T_INT)                                     \
  X(SP_F_FILE_MTIME, "file.mtime", SP_T_TIME)                                  \
  X(SP_F_FILE_MD5, "file.hash.md5", SP_T_STR)                                  \
  X(SP_F_FILE_SHA1, "file.hash.sha1", SP_T_STR)                                \
  X(SP_F_FILE_SHA256, "file.hash.sha256", SP_T_STR)                            \
  X(SP_F_HTTP_COOKIE, "http.request.cookie", SP_T_STR)

typedef enum sp_field {
#define SP_X_FIELD(id, name, type) id,
  SP_FIELDS(SP_X_FIELD)
#undef SP_X_FIELD
      SP_F__COUNT
} sp_field;

typedef enum sp_ftype { SP_T_STR, SP_T_INT, SP_T_IP, SP_T_TIME } sp_ftype;

/* The source kinds of the built-in readers, pre-seeded in every engine's
 * kind table (names.h) in this order. A new reader needs no entry here: it
 * interns its own kind name (sp_rctx_kind) and detectors resolve it by name
 * (sp_dctx_kind). */
typedef enum sp_source_kind {
  SP_SRC_UNKNOWN = 0,
  SP_SRC_IIS,
  SP_SRC_EXCH_HTTPPROXY,
  SP_SRC_EXCH_ECP,
  SP_SRC_EXCH_OABGEN,
  SP_SRC_EXCH_OTHER,
  SP_SRC_EVTX,
  SP_SRC_FILE,
  SP_SRC__COUNT
} sp_source_kind;

/* Evidence phases, in run order. Every reader's events belong to one phase
 * (sp_reader_vt.phase) and detectors say which phases they want
 * (sp_detector_vt.phases): file events from the file reader come first, so
 * what they flag is known before the logs are read. */
enum {
  SP_PHASE_FILES = 1u << 0, /* file events (the file reader) */
  SP_PHASE_LOGS = 1u << 1   /* events from log and record readers */
};

typedef uint16_t sp_fid;

#define SP_EVENT_MAX_FIELDS 1024 /* values per event beyond the ECS table */

enum { SP_V_UNPARSED = 0, SP_V_OK = 1, SP_V_BAD = 2 };

typedef struct sp_fval {
  sp_str s;      /* the text, as the evidence has it */
  sp_fid id;     /* field id */
  uint8_t type;  /* sp_ftype to parse the text as */
  uint8_t state; /* SP_V_*: typed form not parsed yet, parsed, not parseable */
  union {
    int64_t i; /* SP_T_INT, SP_T_TIME (ns since the epoch) */
    sp_ip ip;  /* SP_T_IP */
  } v;
} sp_fval;

typedef struct sp_event {
  int64_t ts; /* ns since the epoch, SP_TIME_NONE if unknown */
  int kind;   /* source kind id (sp_source_kind or interned) */
  int ref;    /* sp_ref_kind: what `line` counts */
  uint32_t file_id;
  uint64_t line;    /* physical line (1-based), record number or packet */
  uint64_t offset;  /* byte offset of the line/record in the (decoded) file */
  uint64_t present; /* bit i: fast[i] holds the first value of field i */
  uint32_t n;       /* values in vals */
  uint32_t cap;     /* capacity of vals */
  uint32_t dropped_fields; /* values that did not fit */
  sp_fval *vals; /* other names and further values; the reader context's */
  sp_fval fast[SP_F__COUNT]; /* the pre-seeded fields, indexed by id */
} sp_event;

_Static_assert(SP_F__COUNT <= 64, "the presence mask holds the ECS table");

/* Prepare an event over value storage (cap entries). */
void sp_event_init(sp_event *ev, sp_fval *vals, uint32_t cap);

static inline void sp_event_reset(sp_event *ev) {
  ev->present = 0;
  ev->n = 0;
  ev->dropped_fields = 0;
}

/* sp_event_add_typed for a name outside the ECS table (the caller knows
 * id >= SP_F__COUNT): the readers' hot path for their own names. */
static inline sp_fval *sp_event_add_name(sp_event *ev, int id, sp_str v,
                                         sp_ftype type) {
  if (ev->n >= ev->cap || (unsigned)id > 0xffff) { /* or a bad id (< 0) */
    ev->dropped_fields++;
    return NULL;
  }
  sp_fval *f = &ev->vals[ev->n++];
  f->s = v;
  f->id = (sp_fid)id;
  f->type = (uint8_t)type;
  f->state = SP_V_UNPARSED;
  return f;
}

/* Append a value (a further value of a name makes it a list). */
static inline sp_fval *sp_event_add_typed(sp_event *ev, int id, sp_str v,
                                          sp_ftype type) {
  if ((unsigned)id < SP_F__COUNT && !((ev->present >> id) & 1)) {
    sp_fval *f = &ev->fast[id];
    ev->present |= (uint64_t)1 << id;
    f->s = v;
    f->state = SP_V_UNPARSED;
    return f; /* the ECS table's type stays */
  }
  return sp_event_add_name(ev, id, v, type); /* a list, or not in the table */
}

sp_ftype sp_field_type(sp_field id);

/* Set a field: replaces the first value of a pre-seeded (ECS) field, else
 * appends. The readers' hot path: three stores for an ECS field. */
static inline void sp_event_set(sp_event *ev, int id, sp_str v) {
  if ((unsigned)id < SP_F__COUNT) {
    sp_fval *f = &ev->fast[id];
    ev->present |= (uint64_t)1 << id;
    f->s = v;
    f->state = SP_V_UNPARSED;
    return;
  }
  (void)sp_event_add_typed(ev, id, v, SP_T_STR);
}

/* Add a value whose typed form the reader already has (binary formats);
 * text is still required (render it into scratch). */
static inline void sp_event_set_int(sp_event *ev, int id, sp_str text,
                                    int64_t v) {
  sp_fval *f = sp_event_add_typed(ev, id, text, SP_T_INT);
  if (f && (f->type == SP_T_INT || f->type == SP_T_TIME)) {
    f->v.i = v;
    f->state = SP_V_OK;
  }
}

/* The first value of a field, or NULL. */
static inline const sp_fval *sp_event_find(const sp_event *ev, int id) {
  if ((unsigned)id < SP_F__COUNT)
    return ((ev->present >> id) & 1) ? &ev->fast[id] : NULL;
  for (uint32_t i = 0; i < ev->n; i++)
    if (ev->vals[i].id == id)
      return &ev->vals[i];
  return NULL;
}

/* The next value of the same field after prev (multi-valued fields). */
static inline const sp_fval *sp_event_next(const sp_event *ev,
                                           const sp_fval *prev) {
  const sp_fval *f =
      prev >= ev->vals && prev < ev->vals + ev->n ? prev + 1 : ev->vals;
  for (; f < ev->vals + ev->n; f++)
    if (f->id == prev->id)
      return f;
  return NULL;
}

/* Every value in turn: *it starts at 0; NULL at the end. */
static inline const sp_fval *sp_event_each(const sp_event *ev, size_t *it) {
  while (*it < SP_F__COUNT) {
    size_t i = (*it)++;
    if ((ev->present >> i) & 1)
      return &ev->fast[i];
  }
  size_t k = *it - SP_F__COUNT;
  if (k >= ev->n)
    return NULL;
  (*it)++;
  return &ev->vals[k];
}

/* The text of a field, or an empty slice (p == NULL) when absent. */
static inline sp_str sp_event_get(const sp_event *ev, int id) {
  const sp_fval *f = sp_event_find(ev, id);
  return f ? f->s : sp_str_make(NULL, 0);
}

static inline bool sp_event_has(const sp_event *ev, int id) {
  return sp_event_find(ev, id) != NULL;
}

/* Typed forms, parsed on first use and cached in the value (the event is
 * the reader's, so the cache write through a const pointer is allowed).
 * false if absent or not of that shape. */
bool sp_fval_int(const sp_fval *f, int64_t *out);
bool sp_fval_ip(const sp_fval *f, sp_ip *out);
bool sp_event_get_int(const sp_event *ev, int id, int64_t *out);
bool sp_event_get_ip(const sp_event *ev, int id, sp_ip *out);

/* Names of the pre-seeded fields and kinds (no engine needed). Engine-wide
 * names, including interned ones, come from names.h. */
const char *sp_field_name(sp_field id);
const char *sp_source_kind_name(sp_source_kind kind);
/* Field id of a pre-seeded ECS name, or -1 (a hash lookup). */
int sp_field_id(const char *name);

#endif
