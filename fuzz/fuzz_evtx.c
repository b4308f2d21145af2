/*
 * fuzz_evtx.c - libFuzzer target for the EVTX reader (src/evtx/,
 * src/readers/evtx.c): file header, chunks, records, BinXML templates and
 * substitution values, through sp_reader_run_buffer with a names table, as
 * the engine runs it.
 *
 * Input layout: an input that starts with "ElfFile\0" is the whole file;
 * any other input is one chunk, placed after a valid 4 KiB file header (so
 * that -max_len=65536 still reaches the BinXML). Checks: every event has
 * the evtx kind and the record reference, an offset inside the file, a
 * field count within the value storage, and every byte of every field is
 * read (a dangling slice is an ASan error); names of interned ids resolve.
 * Every input is read twice, through template plans and through the full
 * BinXML walk (sp_reader_evtx_walk_only): both must give the same events
 * (a hash of every event's record, time, field names and values) and the
 * same malformed reports.
 */
#include "event/names.h"
#include "readers/reader.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CHECK(c) ((c) ? (void)0 : fz_fail(#c, __FILE__, __LINE__))

static void fz_fail(const char *what, const char *file, int line) {
  fprintf(stderr, "fuzz check failed: %s (%s:%d)\n", what, file, line);
  abort();
}

typedef struct fz {
  sp_names *names;
  size_t len;
  uint64_t h; /* FNV-1a over the events */
  uint64_t events, bad;
} fz;

static void mix(fz *z, const void *p, size_t n) {
  const unsigned char *b = p;
  for (size_t i = 0; i < n; i++)
    z->h = (z->h ^ b[i]) * 1099511628211ULL;
}

static void on_event(void *u, const sp_event *ev) {
  fz *z = u;
  CHECK(ev->ref == SP_REF_RECORD);
  CHECK(ev->offset < z->len);
  CHECK(ev->n <= ev->cap);
  size_t it = 0;
  const sp_fval *f;
  z->events++;
  mix(z, &ev->line, sizeof ev->line);
  mix(z, &ev->ts, sizeof ev->ts);
  while ((f = sp_event_each(ev, &it))) {
    int id = it <= SP_F__COUNT ? (int)(it - 1) : f->id;
    const char *nm = sp_names_field_name(z->names, id);
    CHECK(nm != NULL);
    mix(z, nm, strlen(nm) + 1);
    mix(z, f->s.p ? f->s.p : "", f->s.n); /* every byte is read */
    mix(z, "", 1);
  }
}

static void on_bad(void *u, uint64_t where, const char *reason) {
  fz *z = u;
  CHECK(reason && *reason);
  z->bad++;
  mix(z, &where, sizeof where);
  mix(z, reason, strlen(reason));
}

/* One read of buf; walk: without template plans. */
static void run(const uint8_t *buf, size_t len, bool walk, fz *z) {
  *z = (fz){.len = len, .h = 14695981039346656037ULL};
  if (sp_names_create(&z->names))
    abort();
  sp_rctx rc;
  if (!sp_rctx_init(&rc, 1, on_event, on_bad, z))
    abort();
  rc.names = z->names;
  const sp_reader_vt *vt = sp_reader_by_name("evtx");
  CHECK(vt != NULL);
  rc.ref = vt->ref;
  void *ws = NULL;
  CHECK(vt->worker_create(vt, &rc, &ws) == SP_OK);
  sp_reader_evtx_walk_only(ws, walk);
  rc.wstate = ws;
  CHECK(sp_reader_run_buffer(vt, &rc, (const char *)buf, len) == SP_OK);
  vt->worker_destroy(ws);
  sp_rctx_free(&rc);
  sp_names_destroy(z->names);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  uint8_t *buf;
  size_t len;
  if (size >= 8 && memcmp(data, "ElfFile\0", 8) == 0) {
    buf = malloc(size ? size : 1);
    memcpy(buf, data, size);
    len = size;
  } else {
    len = 4096 + size;
    buf = calloc(1, len);
    memcpy(buf, "ElfFile\0", 8);
    buf[32] = 128;
    buf[36] = 1;
    buf[38] = 3;
    buf[41] = 0x10;
    buf[42] = 1;
    memcpy(buf + 4096, data, size);
  }
  fz a, b;
  run(buf, len, false, &a);
  run(buf, len, true, &b);
  CHECK(a.events == b.events);
  CHECK(a.bad == b.bad);
  CHECK(a.h == b.h);
  free(buf);
  return 0;
}
