/*
 * evtxtest.h - runs the EVTX reader over a memory buffer with a names table
 * and keeps every event's fields as (name, value) text, for test_evtx and
 * test_evtx_shared. Include after <cmocka.h>. Header-only.
 */
#ifndef SP_TESTS_EVTXTEST_H
#define SP_TESTS_EVTXTEST_H

#include "event/names.h"
#include "readers/reader.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ET_MAX_EV 4096
#define ET_MAX_F 96

typedef struct et_field {
  char name[64];
  char *val;
  bool typed_int;
  int64_t i;
} et_field;

typedef struct et_event {
  uint64_t line, offset;
  int64_t ts;
  size_t n;
  et_field f[ET_MAX_F];
} et_event;

typedef struct et_run {
  sp_names *names;
  size_t n;
  uint64_t total; /* events, also past ET_MAX_EV */
  et_event *ev;
  uint64_t bad;
  char bad_reason[8][160];
  uint64_t bad_chunks; /* reports naming a whole chunk */
  uint64_t limits;
  uint64_t planned, walked; /* records read through a plan / the walk */
} et_run;

static inline void et_on_event(void *u, const sp_event *ev) {
  et_run *r = u;
  r->total++;
  if (r->n >= ET_MAX_EV)
    return;
  et_event *e = &r->ev[r->n++];
  e->line = ev->line;
  e->offset = ev->offset;
  e->ts = ev->ts;
  e->n = 0;
  size_t it = 0;
  const sp_fval *f;
  while ((f = sp_event_each(ev, &it)) && e->n < ET_MAX_F) {
    int id = it <= SP_F__COUNT ? (int)(it - 1) : f->id;
    et_field *o = &e->f[e->n++];
    snprintf(o->name, sizeof o->name, "%s", sp_names_field_name(r->names, id));
    o->val = malloc(f->s.n + 1);
    memcpy(o->val, f->s.p ? f->s.p : "", f->s.n);
    o->val[f->s.n] = 0;
    o->typed_int = f->state == SP_V_OK && f->type == SP_T_INT;
    o->i = f->v.i;
  }
}

static inline void et_on_bad(void *u, uint64_t where, const char *reason) {
  (void)where;
  et_run *r = u;
  if (r->bad < 8)
    snprintf(r->bad_reason[r->bad], sizeof r->bad_reason[0], "%s", reason);
  r->bad++;
  if (strncmp(reason, "chunk at", 8) == 0)
    r->bad_chunks++;
}

static inline void et_on_limit(void *u, const char *name, const char *detail,
                               uint64_t n) {
  (void)name;
  (void)detail;
  ((et_run *)u)->limits += n;
}

/* Read a buffer; walk: every record through the full BinXML walk instead
 * of its template's plan (sp_reader_evtx_walk_only). */
static inline et_run *et_read_mode(const void *buf, size_t len, bool walk) {
  et_run *r = calloc(1, sizeof *r);
  assert_non_null(r);
  r->ev = calloc(ET_MAX_EV, sizeof *r->ev);
  assert_non_null(r->ev);
  assert_int_equal(sp_names_create(&r->names), SP_OK);
  sp_rctx rc;
  assert_true(sp_rctx_init(&rc, 1, et_on_event, et_on_bad, r));
  rc.names = r->names;
  rc.on_limit = et_on_limit;
  const sp_reader_vt *vt = sp_reader_by_name("evtx");
  assert_non_null(vt);
  void *ws = NULL;
  rc.ref = vt->ref;
  assert_int_equal(vt->worker_create(vt, &rc, &ws), SP_OK);
  sp_reader_evtx_walk_only(ws, walk);
  rc.wstate = ws;
  assert_int_equal(sp_reader_run_buffer(vt, &rc, buf, len), SP_OK);
  sp_reader_evtx_plan_stats(ws, &r->planned, &r->walked);
  vt->worker_destroy(ws);
  sp_rctx_free(&rc);
  return r;
}

static inline et_run *et_read(const void *buf, size_t len) {
  return et_read_mode(buf, len, false);
}

/* Two reads of the same buffer gave the same events, field by field. */
static inline void et_assert_same(const et_run *a, const et_run *b) {
  assert_int_equal(a->total, b->total);
  assert_int_equal(a->n, b->n);
  assert_int_equal(a->bad, b->bad);
  assert_int_equal(a->limits, b->limits);
  for (size_t i = 0; i < a->n; i++) {
    const et_event *x = &a->ev[i], *y = &b->ev[i];
    assert_int_equal(x->line, y->line);
    assert_int_equal(x->offset, y->offset);
    assert_int_equal(x->ts, y->ts);
    if (x->n != y->n)
      fail_msg("event %zu: %zu fields against %zu", i, x->n, y->n);
    for (size_t k = 0; k < x->n; k++) {
      const et_field *f = &x->f[k], *g = &y->f[k];
      if (strcmp(f->name, g->name) || strcmp(f->val, g->val) ||
          f->typed_int != g->typed_int || (f->typed_int && f->i != g->i))
        fail_msg("event %zu field %zu: %s=\"%s\" against %s=\"%s\"", i, k,
                 f->name, f->val, g->name, g->val);
    }
  }
}

static inline void et_free(et_run *r) {
  if (!r)
    return;
  for (size_t i = 0; i < r->n; i++)
    for (size_t k = 0; k < r->ev[i].n; k++)
      free(r->ev[i].f[k].val);
  free(r->ev);
  sp_names_destroy(r->names);
  free(r);
}

/* The k-th value (0-based) of a field in an event, or NULL. */
static inline const char *et_get(const et_event *e, const char *name, int k) {
  for (size_t i = 0; i < e->n; i++)
    if (strcmp(e->f[i].name, name) == 0 && k-- == 0)
      return e->f[i].val;
  return NULL;
}

static inline const et_field *et_field_get(const et_event *e,
                                           const char *name) {
  for (size_t i = 0; i < e->n; i++)
    if (strcmp(e->f[i].name, name) == 0)
      return &e->f[i];
  return NULL;
}

#define et_assert_field(e, name, want)                                         \
  do {                                                                         \
    const char *got_ = et_get((e), (name), 0);                                 \
    if (!got_ || strcmp(got_, (want)) != 0)                                    \
      fail_msg("field %s: want \"%s\", got \"%s\"", (name), (want),            \
               got_ ? got_ : "(absent)");                                      \
  } while (0)

#endif
