/*
 * readtest.h - runs one reader over a memory buffer and keeps what it
 * emitted, for the reader tests (test_readers, test_fragments,
 * test_exports): the first RT_MAX_EV events (line, time, kind, the text of
 * every pre-seeded field), skipped lines with their reasons, and notes.
 * Include after <cmocka.h>.
 */
#ifndef SP_TESTS_READTEST_H
#define SP_TESTS_READTEST_H

#include "readers/reader.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_EV 64
#define RT_VALUE 512

typedef struct got {
  size_t n;
  uint64_t line[MAX_EV];
  int64_t ts[MAX_EV];
  sp_source_kind kind[MAX_EV];
  char field[MAX_EV][SP_F__COUNT][RT_VALUE];
  size_t n_bad;
  uint64_t bad_line[MAX_EV];
  char bad_reason[MAX_EV][128];
  size_t n_notes;
  char note[512]; /* the last one */
} got;

#define F(g, i, id) ((g)->field[i][id])

static inline void on_event(void *u, const sp_event *ev) {
  got *g = u;
  if (g->n >= MAX_EV)
    return;
  g->line[g->n] = ev->line;
  g->ts[g->n] = ev->ts;
  g->kind[g->n] = ev->kind;
  for (int f = 0; f < SP_F__COUNT; f++) {
    sp_str v = sp_event_get(ev, (sp_field)f);
    snprintf(g->field[g->n][f], RT_VALUE, "%.*s", (int)v.n, v.p ? v.p : "");
  }
  g->n++;
}

static inline void on_bad(void *u, uint64_t line, const char *reason) {
  got *g = u;
  if (g->n_bad < MAX_EV) {
    g->bad_line[g->n_bad] = line;
    snprintf(g->bad_reason[g->n_bad], sizeof g->bad_reason[0], "%s", reason);
  }
  g->n_bad++;
}

static inline void on_note(void *u, const char *note) {
  got *g = u;
  g->n_notes++;
  snprintf(g->note, sizeof g->note, "%s", note);
}

/* Run the reader named `reader` over buf; the caller frees the result. */
static inline got *rt_run(const char *reader, const char *buf, size_t len) {
  got *g = calloc(1, sizeof *g);
  assert_non_null(g);
  sp_rctx rc;
  assert_true(sp_rctx_init(&rc, 7, on_event, on_bad, g));
  rc.on_note = on_note;
  const sp_reader_vt *vt = sp_reader_by_name(reader);
  assert_non_null(vt);
  assert_int_equal(sp_reader_run_buffer(vt, &rc, buf, len), SP_OK);
  sp_rctx_free(&rc);
  return g;
}

/* The built-in reader that claims buf, or the one it "looks like" (score
 * 20..49): names, or NULL. */
static inline const char *sniffed(const char *buf) {
  const sp_reader_vt *vt = sp_reader_sniff(buf, strlen(buf));
  return vt ? vt->name : NULL;
}

static inline const char *looks_like(const char *buf) {
  const sp_reader_vt *vt = sp_reader_looks_like(buf, strlen(buf));
  return vt ? vt->name : NULL;
}

#endif
