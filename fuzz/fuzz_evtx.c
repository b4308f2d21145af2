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
  unsigned sink;
} fz;

static void on_event(void *u, const sp_event *ev) {
  fz *z = u;
  CHECK(ev->ref == SP_REF_RECORD);
  CHECK(ev->offset < z->len);
  CHECK(ev->n <= ev->cap);
  size_t it = 0;
  const sp_fval *f;
  while ((f = sp_event_each(ev, &it))) {
    for (size_t i = 0; i < f->s.n; i++)
      z->sink += (unsigned char)f->s.p[i];
    int id = it <= SP_F__COUNT ? (int)(it - 1) : f->id;
    CHECK(sp_names_field_name(z->names, id) != NULL);
  }
}

static void on_bad(void *u, uint64_t where, const char *reason) {
  (void)u;
  (void)where;
  CHECK(reason && *reason);
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
  fz z = {.len = len};
  if (sp_names_create(&z.names))
    abort();
  sp_rctx rc;
  if (!sp_rctx_init(&rc, 1, on_event, on_bad, &z))
    abort();
  rc.names = z.names;
  const sp_reader_vt *vt = sp_reader_by_name("evtx");
  CHECK(vt != NULL);
  CHECK(sp_reader_run_buffer(vt, &rc, (const char *)buf, len) == SP_OK);
  sp_rctx_free(&rc);
  sp_names_destroy(z.names);
  free(buf);
  return 0;
}
