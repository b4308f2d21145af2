/*
 * nettest.h - runs a network reader (zeek, zeek_json, suricata_eve, pcap)
 * over a buffer or a file (through the source layer, so gzip inflates) with
 * an engine name table, and keeps copies of what it emitted: per event the
 * kind name, time, line and every value as "name=value" with its type, so
 * tests can ask for the k-th value of a field by name. Include after
 * <cmocka.h>. The caller frees with nt_free.
 */
#ifndef SP_TESTS_NETTEST_H
#define SP_TESTS_NETTEST_H

#include "event/names.h"
#include "readers/reader.h"
#include "walk/source.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NT_MAX_EV 4096

typedef struct nt_val {
  char *name, *text;
  int type;
  bool typed_ok;
  int64_t i;
  sp_ip ip;
} nt_val;

typedef struct nt_ev {
  char kind[64];
  int64_t ts;
  uint64_t line;
  size_t n;
  nt_val *v;
} nt_ev;

typedef struct nt_run {
  sp_names *names;
  size_t n, total, n_bad, n_limits;
  nt_ev *ev; /* NT_MAX_EV */
  char bad[256];
  char limit[256];
} nt_run;

static inline void nt_on_event(void *u, const sp_event *ev) {
  nt_run *r = u;
  r->total++;
  if (r->n >= NT_MAX_EV)
    return;
  nt_ev *e = &r->ev[r->n++];
  snprintf(e->kind, sizeof e->kind, "%s",
           sp_names_kind_name(r->names, ev->kind));
  e->ts = ev->ts;
  e->line = ev->line;
  size_t it = 0, cnt = 0;
  while (sp_event_each(ev, &it))
    cnt++;
  e->v = calloc(cnt ? cnt : 1, sizeof *e->v);
  it = 0;
  const sp_fval *f;
  while ((f = sp_event_each(ev, &it))) {
    nt_val *v = &e->v[e->n++];
    v->name = strdup(sp_names_field_name(r->names, f->id));
    v->text = strndup(f->s.p ? f->s.p : "", f->s.n);
    v->type =
        f->id < SP_F__COUNT ? (int)sp_field_type((sp_field)f->id) : f->type;
    if (v->type == SP_T_IP)
      v->typed_ok = sp_fval_ip(f, &v->ip);
    else if (v->type != SP_T_STR)
      v->typed_ok = sp_fval_int(f, &v->i);
  }
}

static inline void nt_on_bad(void *u, uint64_t line, const char *reason) {
  nt_run *r = u;
  if (!r->n_bad)
    snprintf(r->bad, sizeof r->bad, "line %llu: %s", (unsigned long long)line,
             reason);
  r->n_bad++;
}

static inline void nt_on_limit(void *u, const char *name, const char *detail,
                               uint64_t n) {
  nt_run *r = u;
  r->n_limits += n;
  snprintf(r->limit, sizeof r->limit, "%s: %s", name, detail);
}

static inline nt_run *nt_new(void) {
  nt_run *r = calloc(1, sizeof *r);
  assert_non_null(r);
  r->ev = calloc(NT_MAX_EV, sizeof *r->ev);
  assert_non_null(r->ev);
  assert_int_equal(sp_names_create(&r->names), SP_OK);
  return r;
}

static inline void nt_free(nt_run *r) {
  for (size_t i = 0; i < r->n; i++) {
    for (size_t k = 0; k < r->ev[i].n; k++) {
      free(r->ev[i].v[k].name);
      free(r->ev[i].v[k].text);
    }
    free(r->ev[i].v);
  }
  free(r->ev);
  sp_names_destroy(r->names);
  free(r);
}

/* Run reader over a source (file path, or buf when path is NULL). */
static inline nt_run *nt_run_src(const char *reader, const char *path,
                                 const char *buf, size_t len) {
  nt_run *r = nt_new();
  sp_rctx rc;
  assert_true(sp_rctx_init(&rc, 3, nt_on_event, nt_on_bad, r));
  rc.names = r->names;
  rc.on_limit = nt_on_limit;
  rc.path = path;
  const sp_reader_vt *vt = sp_reader_by_name(reader);
  assert_non_null(vt);
  rc.ref = vt->ref;
  sp_source *src;
  char msg[256];
  if (path)
    assert_int_equal(vt->raw ? sp_source_open_raw(path, &src, msg, sizeof msg)
                             : sp_source_open(path, &src, msg, sizeof msg),
                     SP_OK);
  else
    assert_int_equal(sp_source_open_mem(buf, len, &src), SP_OK);
  void *ws = NULL, *st = NULL;
  if (vt->worker_create) {
    assert_int_equal(vt->worker_create(vt, &rc, &ws), SP_OK);
    rc.wstate = ws;
  }
  assert_int_equal(vt->open(vt, &rc, src, &st), SP_OK);
  while (vt->next(st, &rc) > 0)
    ;
  vt->close(st, &rc);
  if (ws)
    vt->worker_destroy(ws);
  sp_source_close(src);
  sp_rctx_free(&rc);
  return r;
}

static inline nt_run *nt_run_buf(const char *reader, const char *buf,
                                 size_t len) {
  return nt_run_src(reader, NULL, buf, len);
}

/* The k-th value (0-based) of field name in event i, or NULL. */
static inline const nt_val *nt_get(const nt_run *r, size_t i, const char *name,
                                   size_t k) {
  if (i >= r->n)
    return NULL;
  const nt_ev *e = &r->ev[i];
  for (size_t j = 0; j < e->n; j++)
    if (strcmp(e->v[j].name, name) == 0 && k-- == 0)
      return &e->v[j];
  return NULL;
}

static inline const char *nt_s(const nt_run *r, size_t i, const char *name) {
  const nt_val *v = nt_get(r, i, name, 0);
  return v ? v->text : NULL;
}

static inline size_t nt_count(const nt_run *r, size_t i, const char *name) {
  size_t k = 0;
  while (nt_get(r, i, name, k))
    k++;
  return k;
}

#endif
