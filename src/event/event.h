/*
 * event.h - the normalized event every reader produces.
 *
 * An event is a timestamp (UTC ns), a source kind, a reference to its
 * evidence (file id plus line or record or byte offset) and a fixed table of
 * typed fields named as in the Elastic Common Schema. Field names map to small
 * integer ids once (sp_field_id), so detectors and the later Sigma engine
 * never compare names per event.
 *
 * Ownership: field values are slices into the reader's buffers (line buffer
 * or the reader's scratch space) and live only during the detector callback.
 * A detector that keeps anything must copy it.
 */
#ifndef SP_EVENT_EVENT_H
#define SP_EVENT_EVENT_H

#include "core/str.h"
#include <stdint.h>

/* X(id, ECS name, type): the known fields. Keep at most 64. */
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
  X(SP_F_EXCH_BUILD, "exchange.build", SP_T_STR)

typedef enum sp_field {
#define SP_X_FIELD(id, name, type) id,
  SP_FIELDS(SP_X_FIELD)
#undef SP_X_FIELD
      SP_F__COUNT
} sp_field;

typedef enum sp_ftype { SP_T_STR, SP_T_INT, SP_T_IP } sp_ftype;

typedef enum sp_source_kind {
  SP_SRC_UNKNOWN = 0,
  SP_SRC_IIS,
  SP_SRC_EXCH_HTTPPROXY,
  SP_SRC_EXCH_ECP,
  SP_SRC_EXCH_OABGEN,
  SP_SRC_EXCH_OTHER,
  SP_SRC_EVTX,
  SP_SRC__COUNT
} sp_source_kind;

typedef struct sp_event {
  int64_t ts; /* ns since the epoch, SP_TIME_NONE if unknown */
  sp_source_kind kind;
  uint32_t file_id;
  uint64_t line;    /* physical line (1-based) or record number */
  uint64_t offset;  /* byte offset of the line in the (decompressed) file */
  uint64_t present; /* bit i set: field i holds a value */
  sp_str f[SP_F__COUNT];
} sp_event;

_Static_assert(SP_F__COUNT <= 64, "present mask holds 64 fields");

static inline void sp_event_reset(sp_event *ev) { ev->present = 0; }

static inline void sp_event_set(sp_event *ev, sp_field id, sp_str v) {
  ev->f[id] = v;
  ev->present |= (uint64_t)1 << id;
}

/* The value of a field, or an empty slice (p == NULL) when absent. */
static inline sp_str sp_event_get(const sp_event *ev, sp_field id) {
  if (ev->present & ((uint64_t)1 << id))
    return ev->f[id];
  return sp_str_make(NULL, 0);
}

static inline bool sp_event_has(const sp_event *ev, sp_field id) {
  return (ev->present >> id) & 1;
}

/* Integer value of a field; false if absent or not a decimal number. */
bool sp_event_get_int(const sp_event *ev, sp_field id, int64_t *out);

/* Field id for an ECS name, or -1. */
int sp_field_id(const char *name);
const char *sp_field_name(sp_field id);
sp_ftype sp_field_type(sp_field id);
const char *sp_source_kind_name(sp_source_kind kind);

#endif
