/*
 * fuzz_net.c - harness shared by the network reader targets (fuzz_zeek,
 * fuzz_zeek_json, fuzz_eve, fuzz_pcap): runs one reader over the input with
 * an engine name table (their kinds and fields are interned, so the
 * log-reader pipeline's pre-seeded-kind check does not apply) and checks
 * every event: a kind the table knows, every value a readable slice whose
 * typed forms parse without harm, and the reader's end reached. All state is
 * on the stack or freed before returning, so LeakSanitizer sees leaks.
 */
#include "event/names.h"
#include "readers/reader.h"

#include <stdio.h>
#include <stdlib.h>

void fz_net_run(const char *reader, const uint8_t *data, size_t size);

#define CHECK(c) ((c) ? (void)0 : fz_fail(#c, __FILE__, __LINE__))

static void fz_fail(const char *what, const char *file, int line) {
  fprintf(stderr, "fuzz check failed: %s (%s:%d)\n", what, file, line);
  abort();
}

typedef struct fz_net {
  sp_names *names;
  uint64_t events;
  volatile unsigned sink;
} fz_net;

static void on_event(void *u, const sp_event *ev) {
  fz_net *z = u;
  z->events++;
  CHECK(sp_names_kind_name(z->names, ev->kind)[0] != 0);
  CHECK(ev->n <= ev->cap);
  size_t it = 0;
  const sp_fval *f;
  unsigned sum = 0;
  while ((f = sp_event_each(ev, &it))) {
    CHECK(f->s.n == 0 || f->s.p != NULL);
    CHECK(f->s.n <= SP_SCRATCH_BYTES + SP_MAX_LINE);
    for (size_t i = 0; i < f->s.n; i++)
      sum += (unsigned char)f->s.p[i];
    int64_t iv;
    sp_ip ip;
    (void)sp_fval_int(f, &iv);
    (void)sp_fval_ip(f, &ip);
  }
  z->sink += sum;
}

static void on_bad(void *u, uint64_t line, const char *reason) {
  (void)u;
  (void)line;
  CHECK(reason && reason[0]);
}

void fz_net_run(const char *reader, const uint8_t *data, size_t size) {
  fz_net z = {0};
  CHECK(sp_names_create(&z.names) == SP_OK);
  sp_rctx rc;
  CHECK(sp_rctx_init(&rc, 1, on_event, on_bad, &z));
  rc.names = z.names;
  const sp_reader_vt *vt = sp_reader_by_name(reader);
  CHECK(vt != NULL);
  (void)sp_reader_run_buffer(vt, &rc, (const char *)data, size);
  sp_rctx_free(&rc);
  sp_names_destroy(z.names);
}
