/*
 * registry.c - the built-in reader table, reader choice by content (the
 * highest sniff score wins; 20..49 means "looks like it, cannot read it")
 * and the reader context helpers shared by all readers. A new format is one
 * new file and one line in sp_readers[]; the engine copies this table into
 * its own registry, where readers can be disabled per engine.
 */
#include "event/names.h"
#include "readers/reader.h"

#include <stdlib.h>

extern const sp_reader_vt sp_reader_iis;
extern const sp_reader_vt sp_reader_exchange_csv;
extern const sp_reader_vt sp_reader_file;
extern const sp_reader_vt sp_reader_evtx;
extern const sp_reader_vt sp_reader_zeek;
extern const sp_reader_vt sp_reader_zeek_json;
extern const sp_reader_vt sp_reader_suricata_eve;
extern const sp_reader_vt sp_reader_pcap;

const sp_reader_vt *const sp_readers[] = {
    &sp_reader_iis,
    &sp_reader_exchange_csv,
    &sp_reader_zeek,
    &sp_reader_zeek_json,
    &sp_reader_suricata_eve,
    &sp_reader_pcap,
    &sp_reader_evtx,
    &sp_reader_file,
    NULL,
};

const sp_reader_vt *sp_reader_pick(const sp_reader_vt *const *vts, size_t n,
                                   const sp_sniff *sn,
                                   const sp_reader_vt **looks_like) {
  const sp_reader_vt *best = NULL, *near = NULL;
  int best_score = 0, near_score = 0;
  for (size_t i = 0; i < n; i++) {
    int s = vts[i]->sniff(vts[i], sn);
    if (s > best_score) {
      best_score = s;
      best = vts[i];
    }
    if (s >= SP_SNIFF_LOOKS_LIKE && s < SP_SNIFF_CLAIM && s > near_score) {
      near_score = s;
      near = vts[i];
    }
  }
  if (looks_like)
    *looks_like = best_score >= SP_SNIFF_CLAIM ? NULL : near;
  return best_score >= SP_SNIFF_CLAIM ? best : NULL;
}

static const sp_reader_vt *pick_builtin(const char *buf, size_t len,
                                        const sp_reader_vt **looks_like) {
  size_t n = 0;
  while (sp_readers[n])
    n++;
  char *text = malloc(len ? len : 1);
  if (!text)
    return NULL;
  sp_sniff sn;
  sp_sniff_prepare(&sn, "", buf, len, text, len);
  const sp_reader_vt *r = sp_reader_pick(sp_readers, n, &sn, looks_like);
  free(text);
  return r;
}

const sp_reader_vt *sp_reader_sniff(const char *buf, size_t len) {
  return pick_builtin(buf, len, NULL);
}

const sp_reader_vt *sp_reader_looks_like(const char *buf, size_t len) {
  const sp_reader_vt *near = NULL;
  return pick_builtin(buf, len, &near) ? NULL : near;
}

const sp_reader_vt *sp_reader_by_name(const char *name) {
  for (size_t i = 0; sp_readers[i]; i++)
    if (strcmp(sp_readers[i]->name, name) == 0)
      return sp_readers[i];
  return NULL;
}

bool sp_rctx_init(sp_rctx *rc, uint32_t file_id,
                  void (*on_event)(void *, const sp_event *),
                  void (*on_malformed)(void *, uint64_t, const char *),
                  void *user) {
  memset(rc, 0, sizeof *rc);
  rc->file_id = file_id;
  rc->on_event = on_event;
  rc->on_malformed = on_malformed;
  rc->user = user;
  rc->ref = SP_REF_LINE;
  rc->mtime_ns = INT64_MIN;
  rc->vals = malloc(SP_EVENT_MAX_FIELDS * sizeof *rc->vals);
  rc->block = malloc(SP_SOURCE_BLOCK);
  if (!rc->vals || !rc->block) {
    sp_rctx_free(rc);
    return false;
  }
  sp_event_init(&rc->ev, rc->vals, SP_EVENT_MAX_FIELDS);
  if (!sp_rctx_reserve(rc, 0)) {
    sp_rctx_free(rc);
    return false;
  }
  return true;
}

int sp_rctx_field(sp_rctx *rc, const char *name, size_t n) {
  if (!rc->names) {
    for (int i = 0; i < SP_F__COUNT; i++) {
      const char *f = sp_field_name((sp_field)i);
      if (strlen(f) == n && memcmp(f, name, n) == 0)
        return i;
    }
    return -1;
  }
  return sp_names_field(rc->names, name, n);
}

int sp_rctx_kind(sp_rctx *rc, const char *name) {
  if (!rc->names) {
    for (int i = 0; i < SP_SRC__COUNT; i++)
      if (strcmp(sp_source_kind_name((sp_source_kind)i), name) == 0)
        return i;
    return SP_SRC_UNKNOWN;
  }
  int id = sp_names_kind(rc->names, name);
  return id < 0 ? SP_SRC_UNKNOWN : id;
}

sp_err sp_reader_run_buffer(const sp_reader_vt *vt, sp_rctx *rc,
                            const char *buf, size_t len) {
  sp_source *src;
  sp_err e = sp_source_open_mem(buf, len, &src);
  if (e)
    return e;
  void *st = NULL, *ws = NULL;
  rc->ref = vt->ref;
  if (vt->worker_create && !rc->wstate) {
    e = vt->worker_create(vt, rc, &ws);
    if (e) {
      sp_source_close(src);
      return e;
    }
    rc->wstate = ws;
  }
  e = vt->open(vt, rc, src, &st);
  if (!e) {
    while (vt->next(st, rc) > 0)
      ;
    vt->close(st, rc);
  }
  sp_source_close(src);
  if (ws) {
    vt->worker_destroy(ws);
    rc->wstate = NULL;
  }
  return e;
}

bool sp_rctx_reserve(sp_rctx *rc, size_t line_len) {
  size_t want = line_len > SP_MAX_LINE ? SP_SCRATCH_BYTES : 2 * line_len + 4096;
  if (want <= rc->scratch_cap)
    return true;
  size_t cap = rc->scratch_cap ? rc->scratch_cap : 65536;
  while (cap < want)
    cap *= 2;
  if (cap > SP_SCRATCH_BYTES)
    cap = SP_SCRATCH_BYTES;
  char *p = realloc(rc->scratch, cap);
  if (!p)
    return false;
  rc->scratch = p;
  rc->scratch_cap = cap;
  return true;
}

void sp_rctx_free(sp_rctx *rc) {
  free(rc->scratch);
  free(rc->vals);
  free(rc->block);
  rc->scratch = NULL;
  rc->vals = NULL;
  rc->block = NULL;
  rc->ev.vals = NULL;
  rc->ev.cap = 0;
  rc->scratch_cap = 0;
}

char *sp_rctx_alloc(sp_rctx *rc, size_t n) {
  if (n > rc->scratch_cap - rc->scratch_used)
    return NULL;
  char *p = rc->scratch + rc->scratch_used;
  rc->scratch_used += n;
  return p;
}

sp_str sp_rctx_plus_decode(sp_rctx *rc, sp_str s) {
  if (!s.n || !memchr(s.p, '+', s.n))
    return s;
  char *d = sp_rctx_alloc(rc, s.n);
  if (!d)
    return s;
  for (size_t i = 0; i < s.n; i++)
    d[i] = s.p[i] == '+' ? ' ' : s.p[i];
  return sp_str_make(d, s.n);
}
