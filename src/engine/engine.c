/*
 * engine.c - the hunt pipeline.
 *
 *   walk -> phase A (parallel): sniff every file; plain files go to the file
 *           scanner (hashes, YARA, baselines, look-alikes)
 *        -> the names of flagged files become read-only detector context
 *        -> phase B (parallel): stream each log file through its reader into
 *           the detectors
 *        -> merge per-worker detector state and finding sets, run end-of-
 *           input detectors, sort, build the result.
 *
 * Threads pull file indices from an atomic counter; each owns its detector
 * instances, finding set, reader context and read buffer, so the hot path
 * takes no lock. Files are numbered by sorted path, so output is the same for
 * any -j.
 */
#include "core/timeutil.h"
#include "engine/engine_int.h"
#include "readers/lines.h"
#include "walk/source.h"
#include "walk/walk.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

sp_err sp_engine_create(const sp_opts *opts, sp_engine **out, sp_diag *diag) {
  *out = NULL;
  sp_opts def = {0};
  if (!opts)
    opts = &def;
  sp_engine *e = calloc(1, sizeof *e);
  if (!e)
    return SP_ENOMEM;
  e->jobs = opts->jobs;
  if (e->jobs <= 0) {
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    e->jobs = n > 0 ? (int)n : 1;
  }
  if (e->jobs > 256)
    e->jobs = 256;
  sp_err err = sp_filescan_create(opts, &e->fs, diag);
  if (err) {
    sp_engine_destroy(e);
    return err;
  }
  *out = e;
  return SP_OK;
}

void sp_engine_destroy(sp_engine *e) {
  if (!e)
    return;
  sp_filescan_destroy(e->fs);
  free(e);
}

typedef struct hunt hunt;

typedef struct worker {
  hunt *h;
  sp_fset *fset;
  void *det[16];
  sp_filescan_worker *fsw;
  sp_rctx rc;
  char *buf;
  sp_file_state *cur; /* file being read */
  sp_err err;
} worker;

struct hunt {
  sp_engine *eng;
  sp_result *res;
  sp_dctx dctx;
  sp_strset *flagged;
  atomic_size_t next;
  int phase;
  size_t n_det;
  worker *workers;
  int n_workers;
};

static char *dupstr(const char *s) {
  size_t n = strlen(s);
  char *c = malloc(n + 1);
  if (c)
    memcpy(c, s, n + 1);
  return c;
}

static void file_error(sp_file_state *f, const char *msg) {
  if (f->error_buf)
    return;
  f->error_buf = dupstr(msg);
  f->pub.error = f->error_buf;
}

static void on_event(void *user, const sp_event *ev) {
  worker *w = user;
  sp_file_state *f = w->cur;
  f->pub.events++;
  if (ev->ts != SP_TIME_NONE) {
    if (f->pub.first_ns == SP_TIME_NONE || ev->ts < f->pub.first_ns)
      f->pub.first_ns = ev->ts;
    if (f->pub.last_ns == SP_TIME_NONE || ev->ts > f->pub.last_ns)
      f->pub.last_ns = ev->ts;
  }
  if (ev->kind != f->kind &&
      (f->kind == SP_SRC_UNKNOWN || ev->kind != SP_SRC_EXCH_OTHER)) {
    f->kind = ev->kind; /* the most specific kind names the source */
    f->pub.source = sp_source_kind_name(ev->kind);
  }
  for (size_t i = 0; i < w->h->n_det; i++)
    sp_detectors[i]->on_event(w->det[i], ev, w->fset);
}

static void on_malformed(void *user, uint64_t line, const char *reason) {
  worker *w = user;
  sp_file_state *f = w->cur;
  f->pub.malformed++;
  if (f->pub.n_samples < SP_COV_SAMPLES) {
    char msg[512];
    snprintf(msg, sizeof msg, "%s:%llu: %s", f->pub.path,
             (unsigned long long)line, reason);
    char *c = dupstr(msg);
    if (c) {
      f->samples_buf[f->pub.n_samples++] = c;
      f->pub.samples = (const char *const *)f->samples_buf;
    }
  }
}

/* Phase A: identify the file; scan it if no reader claims it. */
static void phase_sniff(worker *w, sp_file_state *f, uint32_t id) {
  char msg[256] = "";
  sp_source *src;
  if (sp_source_open(f->pub.path, &src, msg, sizeof msg) != SP_OK) {
    file_error(f, msg);
    f->pub.source = "unreadable";
    return;
  }
  size_t got = 0;
  sp_err e = sp_source_read(src, w->buf, SP_SNIFF_BYTES, &got, msg, sizeof msg);
  sp_source_close(src);
  f->reader = (e == SP_OK || got > 0) ? sp_reader_sniff(w->buf, got) : NULL;
  if (f->reader) {
    f->pub.source = f->reader->name;
    /* A page the web server would execute is scanned even when it looks
       like a log: a shell may start with "#Fields:". */
    if (!sp_filescan_executable_name(f->pub.path))
      return;
  } else {
    f->pub.source = "file";
    f->pub.bytes = f->size;
  }
  sp_filescan_result r = {0};
  sp_filescan_file(w->fsw, id, f->pub.path, f->mtime_ns, w->fset, &r);
  f->flagged = r.flagged;
  if (r.error[0])
    file_error(f, r.error);
  if (r.note[0] && (f->note_buf = dupstr(r.note)) != NULL)
    f->pub.note = f->note_buf;
}

/* Phase B: stream a log file through its reader. */
static void phase_read(worker *w, sp_file_state *f, uint32_t id) {
  char msg[256] = "";
  sp_source *src;
  if (sp_source_open(f->pub.path, &src, msg, sizeof msg) != SP_OK) {
    file_error(f, msg);
    return;
  }
  void *st = f->reader->create();
  if (!st) {
    sp_source_close(src);
    w->err = SP_ENOMEM;
    return;
  }
  w->cur = f;
  w->rc.file_id = id;
  sp_lines ls;
  sp_lines_init(&ls, f->reader, st, &w->rc);
  bool broke = false;
  for (;;) {
    size_t got = 0;
    sp_err e =
        sp_source_read(src, w->buf, SP_SOURCE_BLOCK, &got, msg, sizeof msg);
    if (got) {
      f->pub.bytes += got;
      if (!sp_lines_feed(&ls, w->buf, got)) {
        w->err = SP_ENOMEM;
        break;
      }
    }
    if (e != SP_OK) {
      file_error(f, msg);
      broke = true;
      break;
    }
    if (!got)
      break;
  }
  if (broke)
    sp_lines_abort(&ls);
  else
    sp_lines_finish(&ls);
  f->reader->destroy(st);
  sp_source_close(src);
  w->cur = NULL;
}

static void *worker_main(void *arg) {
  worker *w = arg;
  hunt *h = w->h;
  for (;;) {
    size_t i = atomic_fetch_add(&h->next, 1);
    if (i >= h->res->n_files || w->err)
      break;
    sp_file_state *f = &h->res->files[i];
    if (f->skipped)
      continue;
    if (h->phase == 0)
      phase_sniff(w, f, (uint32_t)i);
    else if (f->reader)
      phase_read(w, f, (uint32_t)i);
  }
  return NULL;
}

static sp_err run_phase(hunt *h, int phase) {
  h->phase = phase;
  atomic_store(&h->next, 0);
  pthread_t tids[256];
  int started = 0;
  for (int i = 1; i < h->n_workers; i++) {
    if (pthread_create(&tids[started], NULL, worker_main, &h->workers[i]) != 0)
      break;
    started++;
  }
  worker_main(&h->workers[0]);
  for (int i = 0; i < started; i++)
    pthread_join(tids[i], NULL);
  for (int i = 0; i < h->n_workers; i++)
    if (h->workers[i].err)
      return h->workers[i].err;
  return SP_OK;
}

static sp_err worker_init(hunt *h, worker *w) {
  w->h = h;
  sp_err e = sp_fset_create(&w->fset);
  if (e)
    return e;
  e = sp_filescan_worker_create(h->eng->fs, &w->fsw);
  if (e)
    return e;
  if (!sp_rctx_init(&w->rc, 0, on_event, on_malformed, w))
    return SP_ENOMEM;
  w->buf = malloc(SP_SOURCE_BLOCK);
  if (!w->buf)
    return SP_ENOMEM;
  return SP_OK;
}

static sp_err detectors_init(hunt *h, worker *w) {
  for (size_t i = 0; i < h->n_det; i++) {
    w->det[i] = sp_detectors[i]->create(&h->dctx);
    if (!w->det[i])
      return SP_ENOMEM;
  }
  return SP_OK;
}

static void worker_free(hunt *h, worker *w) {
  for (size_t i = 0; i < h->n_det; i++)
    if (w->det[i])
      sp_detectors[i]->destroy(w->det[i]);
  sp_fset_destroy(w->fset);
  sp_filescan_worker_destroy(w->fsw);
  sp_rctx_free(&w->rc);
  free(w->buf);
}

/* Names of flagged files, for the IIS webshell detector. */
static sp_err collect_flagged(hunt *h) {
  sp_err e = sp_strset_create(100000, &h->flagged);
  if (e)
    return e;
  for (size_t i = 0; i < h->res->n_files; i++) {
    sp_file_state *f = &h->res->files[i];
    if (!f->flagged)
      continue;
    sp_str p = sp_str_make(f->pub.path, strlen(f->pub.path));
    sp_str base = sp_str_basename(p);
    /* Scanned copies are often stored as name.aspx.txt: drop .txt. */
    if (sp_str_iends(base, ".txt"))
      base.n -= 4;
    e = sp_strset_add(h->flagged, base, true);
    if (e && e != SP_ELIMIT)
      return e;
  }
  h->dctx.flagged_names = h->flagged;
  return SP_OK;
}

static sp_err setup_files(sp_result *res, const char *const *paths,
                          size_t n_paths, sp_diag *diag) {
  sp_walk_list wl;
  sp_err e = sp_walk(paths, n_paths, &wl);
  if (e) {
    if (diag) {
      diag->code = e;
      snprintf(diag->msg, sizeof diag->msg, "walking the evidence: %s",
               sp_strerror(e));
    }
    return e;
  }
  res->files = calloc(wl.n ? wl.n : 1, sizeof *res->files);
  if (!res->files) {
    sp_walk_list_free(&wl);
    return SP_ENOMEM;
  }
  for (size_t i = 0; i < wl.n; i++) {
    sp_file_state *f = &res->files[i];
    f->pub.path = wl.items[i].path; /* ownership moves to the result */
    wl.items[i].path = NULL;
    f->pub.first_ns = f->pub.last_ns = SP_TIME_NONE;
    f->pub.source = "unknown";
    f->mtime_ns = wl.items[i].mtime_ns;
    f->size = wl.items[i].size;
    if (wl.items[i].skip_reason) {
      f->skipped = true;
      f->pub.source = "skipped";
      f->pub.error = wl.items[i].skip_reason;
    }
  }
  res->n_files = wl.n;
  sp_walk_list_free(&wl);
  return SP_OK;
}

sp_err sp_engine_hunt(sp_engine *eng, const char *const *paths, size_t n_paths,
                      sp_result **out, sp_diag *diag) {
  *out = NULL;
  if (!eng || (!paths && n_paths))
    return SP_EINVAL;
  sp_result *res = calloc(1, sizeof *res);
  if (!res)
    return SP_ENOMEM;
  sp_err e = setup_files(res, paths, n_paths, diag);
  if (e) {
    sp_result_destroy(res);
    return e;
  }
  hunt h = {.eng = eng, .res = res};
  h.dctx.stock_urls = sp_filescan_stock_urls(eng->fs);
  while (sp_detectors[h.n_det])
    h.n_det++;
  h.n_workers = eng->jobs;
  if ((size_t)h.n_workers > res->n_files)
    h.n_workers = res->n_files ? (int)res->n_files : 1;
  h.dctx.workers = h.n_workers;
  h.workers = calloc((size_t)h.n_workers, sizeof *h.workers);
  if (!h.workers) {
    sp_result_destroy(res);
    return SP_ENOMEM;
  }
  for (int i = 0; i < h.n_workers && !e; i++)
    e = worker_init(&h, &h.workers[i]);
  if (!e)
    e = run_phase(&h, 0);
  if (!e)
    e = collect_flagged(&h);
  if (!e)
    e = sp_dshare_create(&h.dctx.share);
  for (int i = 0; i < h.n_workers && !e; i++)
    e = detectors_init(&h, &h.workers[i]);
  if (!e)
    e = run_phase(&h, 1);
  /* Merge: detector state and findings fold into worker 0. */
  worker *w0 = &h.workers[0];
  for (int i = 1; i < h.n_workers && !e; i++) {
    worker *wi = &h.workers[i];
    for (size_t d = 0; d < h.n_det; d++)
      if (sp_detectors[d]->merge)
        sp_detectors[d]->merge(w0->det[d], wi->det[d]);
    e = sp_fset_merge(w0->fset, wi->fset);
  }
  if (!e) {
    for (size_t d = 0; d < h.n_det; d++)
      if (sp_detectors[d]->on_end)
        sp_detectors[d]->on_end(w0->det[d], w0->fset);
    e = sp_fset_error(w0->fset);
  }
  if (!e)
    e = sp_result_finalize(res, w0->fset);
  for (int i = 0; i < h.n_workers; i++)
    worker_free(&h, &h.workers[i]);
  free(h.workers);
  sp_dshare_destroy(h.dctx.share);
  sp_strset_destroy(h.flagged);
  if (e) {
    if (diag) {
      diag->code = e;
      snprintf(diag->msg, sizeof diag->msg, "hunt failed: %s", sp_strerror(e));
    }
    sp_result_destroy(res);
    return e;
  }
  *out = res;
  return SP_OK;
}
