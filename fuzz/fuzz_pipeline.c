/*
 * fuzz_pipeline.c - the engine's per-file path in miniature, shared by the
 * log-reader fuzz targets (fuzz_iis.c, fuzz_exchange_csv.c).
 *
 * fz_pipeline_run(name, data, size) runs one reader over the buffer with
 * sp_reader_run_buffer and checks every event: a valid kind and line, no
 * field bits beyond SP_F__COUNT, and every present field a readable slice
 * (each byte is read, so ASan reports a slice into freed or foreign memory).
 * Every event goes to two instances of every built-in detector, alternating
 * by line as two engine workers would; instance A gets an sp_dctx whose sets
 * are NULL, instance B one whose sets are empty. At the end B is merged into
 * A, the two finding sets are merged, on_end runs on A, and every finding is
 * checked against the sp_fset invariants (bounded entities, references,
 * reason; references sorted). Everything is destroyed before returning, so
 * LeakSanitizer sees any leak. No globals: all state is on the stack.
 */
#include "core/strset.h"
#include "core/timeutil.h"
#include "detect/detector.h"
#include "findings/findings.h"
#include "readers/lines.h"
#include "readers/reader.h"

#include <stdio.h>
#include <stdlib.h>

/* Used by the targets; there is no header for two functions. */
void fz_pipeline_run(const char *reader, const uint8_t *data, size_t size);

#define FZ_MAX_DET 16

#define CHECK(c) ((c) ? (void)0 : fz_fail(#c, __FILE__, __LINE__))

static void fz_fail(const char *what, const char *file, int line) {
  fprintf(stderr, "fuzz check failed: %s (%s:%d)\n", what, file, line);
  abort();
}

typedef struct fz_pipe {
  size_t n_det;
  void *det_a[FZ_MAX_DET], *det_b[FZ_MAX_DET];
  sp_fset *fset_a, *fset_b;
  uint64_t events, malformed;
  uint64_t last_line;
  volatile unsigned sink; /* keeps the byte reads of each field */
} fz_pipe;

static void check_event(fz_pipe *p, const sp_event *ev) {
  CHECK(ev->kind > SP_SRC_UNKNOWN && ev->kind < SP_SRC__COUNT);
  CHECK(ev->line >= 1);
  CHECK(ev->line >= p->last_line); /* lines only move forward */
  CHECK((ev->present >> SP_F__COUNT) == 0);
  unsigned sum = 0;
  CHECK(ev->n <= ev->cap);
  for (uint32_t k = 0; k < ev->n; k++) {
    sp_str v = ev->vals[k].s;
    int64_t iv;
    sp_ip ip;
    (void)sp_fval_int(&ev->vals[k], &iv); /* typed parses on hostile text */
    (void)sp_fval_ip(&ev->vals[k], &ip);
    CHECK(v.n == 0 || v.p != NULL);
    CHECK(v.n <= SP_MAX_LINE);
    for (size_t i = 0; i < v.n; i++)
      sum += (unsigned char)v.p[i];
  }
  p->sink += sum;
}

static void on_event(void *user, const sp_event *ev) {
  fz_pipe *p = user;
  check_event(p, ev);
  p->last_line = ev->line;
  p->events++;
  bool to_b = ev->line & 1;
  for (size_t i = 0; i < p->n_det; i++)
    sp_detectors[i]->on_event(to_b ? p->det_b[i] : p->det_a[i], ev,
                              to_b ? p->fset_b : p->fset_a);
}

static void on_malformed(void *user, uint64_t line, const char *reason) {
  fz_pipe *p = user;
  CHECK(line >= 1);
  CHECK(reason != NULL && reason[0] != 0);
  p->malformed++;
}

static void check_finding(const sp_agg *a, void *user) {
  size_t *n = user;
  (*n)++;
  CHECK(a->rule != NULL && a->rule->id != NULL);
  CHECK(a->count >= 1);
  CHECK(a->n_ent <= SP_MAX_ENTITIES);
  for (size_t i = 0; i < a->n_ent; i++) {
    CHECK(a->ent_field[i] != NULL && a->ent_value[i] != NULL);
    size_t len = strlen(a->ent_value[i]);
    CHECK(len >= 1 && len <= SP_MAX_ENTITY_LEN);
  }
  CHECK(a->n_refs >= 1 && a->n_refs <= SP_MAX_EVIDENCE);
  CHECK(a->n_refs <= a->count);
  for (size_t i = 1; i < a->n_refs; i++) {
    const sp_agg_ref *x = &a->refs[i - 1], *y = &a->refs[i];
    CHECK(x->ts < y->ts || (x->ts == y->ts && (x->file_id < y->file_id ||
                                               (x->file_id == y->file_id &&
                                                x->where < y->where))));
  }
  if (a->first != SP_TIME_NONE && a->last != SP_TIME_NONE)
    CHECK(a->first <= a->last);
  if (a->reason)
    CHECK(strlen(a->reason) <= SP_MAX_REASON_LEN);
}

void fz_pipeline_run(const char *reader, const uint8_t *data, size_t size) {
  const sp_reader_vt *vt = sp_reader_by_name(reader);
  CHECK(vt != NULL);

  fz_pipe p;
  memset(&p, 0, sizeof p);
  sp_strset *empty_urls = NULL, *empty_flagged = NULL;
  CHECK(sp_strset_create(16, &empty_urls) == SP_OK);
  CHECK(sp_strset_create(16, &empty_flagged) == SP_OK);
  const sp_input inputs[] = {{"stock_urls", NULL}, {"flagged_names", NULL}};
  const sp_input inputs_empty[] = {{"stock_urls", empty_urls},
                                   {"flagged_names", empty_flagged}};
  const sp_dctx ctx_null = {.inputs = inputs, .n_inputs = 2, .workers = 2};
  const sp_dctx ctx_empty = {
      .inputs = inputs_empty, .n_inputs = 2, .workers = 2};
  CHECK(sp_fset_create(&p.fset_a) == SP_OK);
  CHECK(sp_fset_create(&p.fset_b) == SP_OK);
  while (sp_detectors[p.n_det]) {
    CHECK(p.n_det < FZ_MAX_DET);
    const sp_detector_vt *d = sp_detectors[p.n_det];
    p.det_a[p.n_det] = d->create(&ctx_null);
    p.det_b[p.n_det] = d->create(&ctx_empty);
    CHECK(p.det_a[p.n_det] != NULL && p.det_b[p.n_det] != NULL);
    p.n_det++;
  }

  sp_rctx rc;
  CHECK(sp_rctx_init(&rc, 7, on_event, on_malformed, &p));
  sp_reader_run_buffer(vt, &rc, (const char *)data, size);
  sp_rctx_free(&rc);

  for (size_t i = 0; i < p.n_det; i++)
    if (sp_detectors[i]->merge)
      sp_detectors[i]->merge(p.det_a[i], p.det_b[i]);
  CHECK(sp_fset_merge(p.fset_a, p.fset_b) == SP_OK);
  CHECK(sp_fset_count(p.fset_b) == 0);
  for (size_t i = 0; i < p.n_det; i++)
    if (sp_detectors[i]->on_end)
      sp_detectors[i]->on_end(p.det_a[i], p.fset_a);
  CHECK(sp_fset_error(p.fset_a) == SP_OK);
  size_t seen = 0;
  sp_fset_foreach(p.fset_a, check_finding, &seen);
  CHECK(seen == sp_fset_count(p.fset_a));
  /* A finding needs an event; lines that fail to parse make none. */
  if (p.events == 0)
    CHECK(seen == 0);

  for (size_t i = 0; i < p.n_det; i++) {
    sp_detectors[i]->destroy(p.det_a[i]);
    sp_detectors[i]->destroy(p.det_b[i]);
  }
  sp_fset_destroy(p.fset_a);
  sp_fset_destroy(p.fset_b);
  sp_strset_destroy(empty_urls);
  sp_strset_destroy(empty_flagged);
}
