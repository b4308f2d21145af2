/*
 * evtxsimple.h - one call per event log record on top of evtxwrite.h, for
 * test fixtures and the demo generator: System (Provider, EventID, Level,
 * TimeCreated, EventRecordID, Channel, Computer) and EventData values as
 * text, named (<Data Name="X">) or unnamed (name NULL, as Exchange writes
 * them). Templates are built once per distinct list of names and kept in
 * the ews object (at most EWS_TPLS). Ownership: ews owns its templates and
 * the writer; ews_free releases both.
 */
#ifndef SPOOR_TOOLS_EVTXSIMPLE_H
#define SPOOR_TOOLS_EVTXSIMPLE_H

#include "evtxwrite.h"

#define EWS_TPLS 32
#define EWS_DATA 32

typedef struct ews_rec {
  const char *provider, *channel, *computer;
  uint16_t eid;
  uint8_t level;               /* 0..5; 4 = information */
  uint64_t record_id;          /* 0: the writer's next id */
  int64_t unix_s;              /* TimeCreated, seconds since the epoch */
  uint32_t usec;               /* and microseconds */
  size_t n;                    /* EventData values */
  const char *names[EWS_DATA]; /* NULL: an unnamed <Data> */
  const char *values[EWS_DATA];
} ews_rec;

typedef struct ews ews;

ews *ews_open(void);
void ews_free(ews *e);
/* Append a record; 0, or -1 (too big, too many templates, memory). */
int ews_add(ews *e, const ews_rec *r);
/* The file bytes (owned by e). */
const uint8_t *ews_finish(ews *e, size_t *len);
/* Write the file to path; 0 or -1. */
int ews_write(ews *e, const char *path);
/* The underlying writer (chunks, record ids). */
ew_file *ews_writer(ews *e);

#endif
