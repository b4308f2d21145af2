/*
 * engine.c - the hunt pipeline.
 *
 *   walk -> phase A (parallel): sniff every file; a log reader claims it, or
 *           the files-phase reader (the file scanner) reads it at once and
 *           its file event goes to the SP_PHASE_FILES detectors; pages a web
 *           server executes are read by both
 *        -> the names of files the files phase flagged become the run-wide
 *           input "flagged_names"
 *        -> phase B (parallel): stream each log file through its reader into
 *           the SP_PHASE_LOGS detectors
 *        -> merge per-worker detector state and finding sets, run end-of-
 *           input detectors, sort, build the result.
 *
 * Threads pull file indices from an atomic counter; each owns its detector
 * instances, finding set, reader context, read buffer and the readers'
 * per-worker state, so the hot path takes no lock. Files are numbered by
 * sorted path, so output is the same for any -j.
 */
#include "core/timeutil.h"
#include "net/allow.h"
#include "engine/engine_int.h"
#include "ioc/ioc.h"
#include "readers/lines.h"
#include "readers/textenc.h"
#include "sigma/sigma.h"
#include "walk/source.h"
#include "walk/walk.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* How often the progress callback runs while a hunt goes on. */
#define PROGRESS_NS (250 * 1000000LL)

static bool disabled(const sp_opts *opts, const char *name) {
  for (size_t i = 0; i < opts->n_disable; i++)
    if (opts->disable[i] && strcmp(opts->disable[i], name) == 0)
      return true;
  return false;
}

/* Copy a NULL-terminated built-in table minus disabled names. */
static sp_err copy_table(const void *const *tab,
                         const char *(*name)(const void *), const sp_opts *opts,
                         const void ***out, size_t *n, size_t *matched) {
  size_t total = 0;
  while (tab[total])
    total++;
  const void **v = calloc(total ? total : 1, sizeof *v);
  if (!v)
    return SP_ENOMEM;
  *n = 0;
  for (size_t i = 0; i < total; i++) {
    if (disabled(opts, name(tab[i]))) {
      (*matched)++;
      continue;
    }
    v[(*n)++] = tab[i];
  }
  *out = v;
  return SP_OK;
}

static const char *reader_name(const void *p) {
  return ((const sp_reader_vt *)p)->name;
}
static const char *detector_name(const void *p) {
  return ((const sp_detector_vt *)p)->name;
}

sp_err sp_engine_add_input(sp_engine *e, const char *name, const void *obj) {
  for (size_t i = 0; i < e->n_inputs; i++)
    if (strcmp(e->inputs[i].name, name) == 0) {
      e->inputs[i].obj = obj;
      return SP_OK;
    }
  if (e->n_inputs == e->cap_inputs) {
    size_t ncap = e->cap_inputs ? e->cap_inputs * 2 : 8;
    sp_input *ni = realloc(e->inputs, ncap * sizeof *ni);
    if (!ni)
      return SP_ENOMEM;
    e->inputs = ni;
    e->cap_inputs = ncap;
  }
  e->inputs[e->n_inputs++] = (sp_input){name, obj};
  return SP_OK;
}

sp_err sp_engine_create(const sp_opts *opts, sp_engine **out, sp_diag *diag) {
  *out = NULL;
  sp_opts def = {0};
  if (!opts)
    opts = &def;
  sp_engine *e = calloc(1, sizeof *e);
  if (!e)
    return SP_ENOMEM;
  e->jobs = opts->jobs;
  e->detected_ns = opts->detected_ns;
  e->progress = opts->progress;
  e->progress_user = opts->progress_user;
  if (e->jobs <= 0) {
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    e->jobs = n > 0 ? (int)n : 1;
  }
  if (e->jobs > 256)
    e->jobs = 256;
  sp_err err =
      sp_walk_excl_create(opts->exclude_paths, opts->n_exclude, &e->excl);
  size_t matched = 0;
  if (!err)
    err = sp_names_create(&e->names);
  if (!err)
    err = copy_table((const void *const *)sp_readers, reader_name, opts,
                     (const void ***)&e->readers, &e->n_readers, &matched);
  if (!err)
    err = copy_table((const void *const *)sp_detectors, detector_name, opts,
                     (const void ***)&e->detectors, &e->n_detectors, &matched);
  if (!err && matched < opts->n_disable) {
    /* A name that is neither a reader nor a detector is a typo. */
    for (size_t i = 0; i < opts->n_disable; i++) {
      bool known = false;
      for (size_t k = 0; sp_readers[k]; k++)
        known |= strcmp(sp_readers[k]->name, opts->disable[i]) == 0;
      for (size_t k = 0; sp_detectors[k]; k++)
        known |= strcmp(sp_detectors[k]->name, opts->disable[i]) == 0;
      if (!known) {
        if (diag) {
          diag->code = SP_EINVAL;
          snprintf(diag->msg, sizeof diag->msg,
                   "--disable %s: no reader or detector of that name",
                   opts->disable[i]);
        }
        err = SP_EINVAL;
        break;
      }
    }
  }
  if (!err && !(e->log_readers = calloc(e->n_readers + 1, sizeof(void *))))
    err = SP_ENOMEM;
  for (size_t i = 0; !err && i < e->n_readers; i++) {
    if (e->readers[i]->phase != SP_PHASE_FILES)
      e->log_readers[e->n_log_readers++] = e->readers[i];
    else if (!e->file_reader)
      e->file_reader = e->readers[i];
  }
  if (!err)
    err = sp_filescan_create(opts, &e->fs, diag);
  if (!err)
    err = sp_engine_add_input(e, "filescan", e->fs);
  if (!err)
    err = sp_engine_add_input(e, "stock_urls", sp_filescan_stock_urls(e->fs));
  if (!err && opts->n_sigma) {
    sp_sigma_opts so = {opts->sigma_min_level, opts->sigma_status,
                        opts->sigma_placeholders,
                        opts->sigma_placeholders_wildcard, 0};
    err = sp_sigma_load(opts->sigma_paths, opts->n_sigma, &so, e->names,
                        &e->sigma, diag);
    if (!err)
      err = sp_engine_add_input(e, "sigma", e->sigma);
  }
  if (!err && opts->n_ioc) {
    err = sp_ioc_set_create(&e->ioc);
    for (size_t i = 0; !err && i < opts->n_ioc; i++)
      err = sp_ioc_load_path(e->ioc, opts->ioc_paths[i], diag);
    if (!err)
      err = sp_ioc_set_finish(e->ioc, diag);
    if (!err)
      err = sp_engine_add_input(e, "ioc", e->ioc);
  }
  if (!err) {
    sp_net_cfg nc = {opts->net_allow, opts->n_net_allow, false,
                     opts->rita_compat != 0, opts->net_mem};
    err = sp_net_allow_create(&nc, &e->net_allow, diag);
  }
  if (!err)
    err = sp_engine_add_input(e, "net_allow", e->net_allow);
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
  sp_sigma_destroy(e->sigma);
  sp_ioc_set_destroy(e->ioc);
  sp_net_allow_destroy(e->net_allow);
  sp_names_destroy(e->names);
  free(e->readers);
  free(e->log_readers);
  free(e->detectors);
  free(e->inputs);
  sp_walk_excl_destroy(e->excl);
  free(e);
}

size_t sp_engine_sigma_count(const sp_engine *e) {
  return e ? sp_sigma_report_count(e->sigma) : 0;
}

sp_err sp_engine_sigma_get(const sp_engine *e, size_t i, sp_sigma_status *out) {
  const sp_sigma_entry *r = e ? sp_sigma_report(e->sigma, i) : NULL;
  if (!r || !out)
    return SP_EINVAL;
  *out = (sp_sigma_status){r->path,   r->id,    r->title,
                           r->reason, r->state, r->correlation};
  return SP_OK;
}

const char *sp_engine_reader_name(const sp_engine *e, size_t i) {
  return e && i < e->n_readers ? e->readers[i]->name : NULL;
}

const char *sp_engine_detector_name(const sp_engine *e, size_t i) {
  return e && i < e->n_detectors ? e->detectors[i]->name : NULL;
}

size_t sp_engine_rule_count(const sp_engine *e) {
  return sp_rule_count() + (e ? sp_filescan_yara_rule_count(e->fs) : 0) +
         (e ? sp_sigma_rule_count(e->sigma) : 0);
}

sp_err sp_engine_rule_get(const sp_engine *e, size_t i, sp_rule_info *out) {
  if (!out)
    return SP_EINVAL;
  size_t nb = sp_rule_count();
  if (i < nb)
    return sp_rule_get(i, out);
  size_t ny = e ? sp_filescan_yara_rule_count(e->fs) : 0;
  const sp_rule *r = !e            ? NULL
                     : i - nb < ny ? sp_filescan_yara_rule_at(e->fs, i - nb)
                                   : sp_sigma_rule_at(e->sigma, i - nb - ny);
  if (!r)
    return SP_EINVAL;
  *out = (sp_rule_info){.id = r->id,
                        .name = r->name,
                        .ruleset = r->ruleset,
                        .author = r->author,
                        .description = r->description,
                        .techniques = r->techniques,
                        .vulnerability = r->cve,
                        .level = r->level,
                        .reference = r->reference};
  return SP_OK;
}

typedef struct hunt hunt;

typedef struct worker {
  hunt *h;
  sp_fset *fset;
  sp_fset *file_set; /* findings on the file being scanned, then merged */
  sp_fset *out;      /* where detectors write: fset, or file_set */
  void **det;        /* one instance per engine detector */
  void **rws;        /* per-worker state per engine reader, or NULL */
  sp_rctx rc;
  char *buf;          /* sniff bytes */
  char *text;         /* their decoded view */
  sp_file_state *cur; /* file being read */
  sp_err err;
  atomic_uint_fast64_t inflight; /* progress: bytes into the current log */
} worker;

struct hunt {
  sp_engine *eng;
  sp_result *res;
  sp_dctx dctx;
  sp_strset *flagged;
  sp_input *inputs;
  atomic_size_t next;
  int phase;
  size_t n_det;
  const sp_detector_vt **det; /* the engine's detectors */
  unsigned phase_bit;         /* SP_PHASE_* of the running phase */
  size_t *active;             /* detectors that want the running phase */
  size_t n_active;
  worker *workers;
  int n_workers;
  /* Progress (sp_opts.progress): files and bytes done, counted by the
   * workers; reported by one thread (progress_main), then at the end by the
   * caller's, never by two at once. */
  atomic_uint_fast64_t files_done, bytes_done;
  atomic_int progress_phase;
  uint64_t files_total, bytes_total;
  int64_t start_ns;
  pthread_mutex_t pmu;
  pthread_cond_t pcv;
  bool pstop;
};

static int64_t mono_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void progress_report(hunt *h, int final) {
  uint64_t bytes = atomic_load(&h->bytes_done);
  for (int i = 0; i < h->n_workers && !final; i++)
    bytes += atomic_load(&h->workers[i].inflight);
  if (bytes > h->bytes_total)
    bytes = h->bytes_total;
  sp_progress p = {.files_done = atomic_load(&h->files_done),
                   .files_total = h->files_total,
                   .bytes_done = bytes,
                   .bytes_total = h->bytes_total,
                   .elapsed_ns = mono_ns() - h->start_ns,
                   .phase = atomic_load(&h->progress_phase) ? "logs" : "files",
                   .final = final};
  h->eng->progress(h->eng->progress_user, &p);
}

static void progress_done(worker *w, const sp_file_state *f) {
  atomic_fetch_add(&w->h->files_done, 1);
  atomic_fetch_add(&w->h->bytes_done, f->size);
  atomic_store(&w->inflight, 0);
}

static void *progress_main(void *arg) {
  hunt *h = arg;
  pthread_mutex_lock(&h->pmu);
  while (!h->pstop) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    ts.tv_nsec += PROGRESS_NS;
    if (ts.tv_nsec >= 1000000000L) {
      ts.tv_sec++;
      ts.tv_nsec -= 1000000000L;
    }
    pthread_cond_timedwait(&h->pcv, &h->pmu, &ts);
    if (h->pstop)
      break;
    pthread_mutex_unlock(&h->pmu);
    progress_report(h, 0);
    pthread_mutex_lock(&h->pmu);
  }
  pthread_mutex_unlock(&h->pmu);
  return NULL;
}

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

static void on_malformed(void *user, uint64_t line, const char *reason);

/* Coverage from a log event: the period the file covers and the most
 * specific kind, which names the source. A file event changes neither (a
 * file's time is its last write, not a span of evidence; its source was
 * named when it was sniffed). */
static void cover_log_event(worker *w, sp_file_state *f, const sp_event *ev) {
  if (ev->ts != SP_TIME_NONE) {
    if (f->pub.first_ns == SP_TIME_NONE || ev->ts < f->pub.first_ns)
      f->pub.first_ns = ev->ts;
    if (f->pub.last_ns == SP_TIME_NONE || ev->ts > f->pub.last_ns)
      f->pub.last_ns = ev->ts;
  }
  if (ev->kind != f->kind &&
      (f->kind == SP_SRC_UNKNOWN || ev->kind != SP_SRC_EXCH_OTHER)) {
    f->kind = ev->kind;
    if (ev->kind < SP_SRC__COUNT) {
      f->pub.source = sp_source_kind_name((sp_source_kind)ev->kind);
    } else { /* the result outlives the engine's name table: copy */
      free(f->source_buf);
      f->source_buf = dupstr(sp_names_kind_name(w->h->eng->names, ev->kind));
      f->pub.source = f->source_buf ? f->source_buf : "unknown";
    }
  }
}

static void on_event(void *user, const sp_event *ev) {
  worker *w = user;
  sp_file_state *f = w->cur;
  hunt *h = w->h;
  f->pub.events++;
  if (h->phase_bit == SP_PHASE_LOGS)
    cover_log_event(w, f, ev);
  if (ev->dropped_fields)
    on_malformed(w, ev->line,
                 "more values than an event holds (1024): "
                 "the rest of this record was dropped");
  for (size_t k = 0; k < h->n_active; k++) {
    size_t i = h->active[k];
    h->det[i]->on_event(w->det[i], ev, w->out);
  }
}

static void on_note_file(sp_file_state *f, const char *note) {
  if (f->note_buf) {
    size_t a = strlen(f->note_buf), b = strlen(note);
    char *c = realloc(f->note_buf, a + b + 3);
    if (!c)
      return;
    memcpy(c + a, "; ", 2);
    memcpy(c + a + 2, note, b + 1);
    f->note_buf = c;
  } else {
    f->note_buf = dupstr(note);
  }
  f->pub.note = f->note_buf;
}

static void on_note(void *user, const char *note) {
  worker *w = user;
  on_note_file(w->cur, note);
}

/* A reader's budget: counted in the worker's finding set's limits, which
   merge with the set. */
static void on_limit(void *user, const char *name, const char *detail,
                     uint64_t n) {
  worker *w = user;
  sp_limits_add(sp_fset_limits(w->fset), name, detail, n);
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

/* Read the first bytes for sniffing, skipping leading NUL padding (a log
 * pre-allocated by a crashed writer) up to SP_SNIFF_MAX_NULS. */
#define SP_SNIFF_MAX_NULS (64u << 20)
#define SP_SNIFF_TEXT SP_TEXTDEC_BOUND(SP_SNIFF_BYTES) /* decoded view */
static size_t sniff_read(worker *w, sp_source *src, uint64_t *nuls, char *msg,
                         size_t cap) {
  size_t have = 0;
  *nuls = 0;
  for (;;) {
    size_t raw = 0;
    sp_err e = sp_source_read(src, w->buf + have, SP_SNIFF_BYTES - have, &raw,
                              msg, cap);
    size_t got = raw;
    if (have == 0 && got) { /* still inside the NUL prefix */
      size_t k = 0;
      while (k < got && w->buf[k] == 0)
        k++;
      *nuls += k;
      memmove(w->buf, w->buf + k, got - k);
      got -= k;
    }
    have += got;
    if (e != SP_OK || raw == 0 || have == SP_SNIFF_BYTES ||
        *nuls > SP_SNIFF_MAX_NULS)
      return have;
  }
}

static void phase_file(worker *w, sp_file_state *f, uint32_t id);

/* Index of an engine reader, for its per-worker state. */
static size_t reader_index(const sp_engine *eng, const sp_reader_vt *vt) {
  for (size_t i = 0; i < eng->n_readers; i++)
    if (eng->readers[i] == vt)
      return i;
  return 0; /* not reached: every reader the engine uses is its own */
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
  uint64_t nuls = 0;
  size_t got = sniff_read(w, src, &nuls, msg, sizeof msg);
  sp_source_close(src);
  hunt *h = w->h;
  sp_sniff sn;
  sp_sniff_prepare(&sn, f->pub.path, w->buf, got, w->text, SP_SNIFF_TEXT);
  sn.nul_prefix = nuls;
  f->reader = got ? sp_reader_pick(h->eng->log_readers, h->eng->n_log_readers,
                                   &sn, &f->looks_like)
                  : NULL;
  if (f->reader) {
    f->pub.source = f->reader->name;
    /* A page the web server would execute is scanned even when it looks
       like a log: a shell may start with "#Fields:". */
    if (!sp_filescan_executable_name(f->pub.path))
      return;
  } else {
    f->pub.source = "file";
    f->pub.bytes = f->size;
    if (f->looks_like) {
      char m[256];
      snprintf(m, sizeof m,
               "looks like the %s format but no layout could be read from "
               "it; "
               "scanned as a plain file",
               f->looks_like->name);
      file_error(f, m);
    }
  }
  phase_file(w, f, id);
}

/* Stream a file through a reader: its events go to the detectors of the
 * running phase. Returns the bytes the reader was given. */
static uint64_t run_reader(worker *w, sp_file_state *f, uint32_t id,
                           const sp_reader_vt *vt) {
  char msg[256] = "";
  sp_source *src;
  sp_err e = vt->raw ? sp_source_open_raw(f->pub.path, &src, msg, sizeof msg)
                     : sp_source_open(f->pub.path, &src, msg, sizeof msg);
  if (e != SP_OK) {
    file_error(f, msg);
    return 0;
  }
  w->cur = f;
  w->rc.file_id = id;
  w->rc.ref = vt->ref;
  w->rc.path = f->pub.path;
  w->rc.mtime_ns = f->mtime_ns;
  w->rc.size = f->size;
  w->rc.wstate = w->rws[reader_index(w->h->eng, vt)];
  w->rc.errmsg[0] = 0;
  void *st = NULL;
  e = vt->open(vt, &w->rc, src, &st);
  if (e == SP_ENOMEM) {
    w->err = e;
  } else if (e) {
    snprintf(msg, sizeof msg, "%s reader cannot open it: %s", vt->name,
             w->rc.errmsg[0] ? w->rc.errmsg : sp_strerror(e));
    file_error(f, msg);
  } else {
    int r;
    bool progress = w->h->eng->progress != NULL;
    /* One block per call: how far into a big log, for the progress. */
    while ((r = vt->next(st, &w->rc)) > 0)
      if (progress)
        atomic_store(&w->inflight, sp_source_bytes(src) < f->size
                                       ? sp_source_bytes(src)
                                       : f->size);
    if (r < 0)
      file_error(f, w->rc.errmsg[0] ? w->rc.errmsg : "read error");
    vt->close(st, &w->rc);
  }
  uint64_t bytes = sp_source_bytes(src);
  const char *note = sp_source_note(src);
  if (note)
    on_note_file(f, note);
  sp_source_close(src);
  w->cur = NULL;
  w->rc.wstate = NULL;
  return bytes;
}

/* A file is flagged by a high or critical finding, or by being a page of no
 * stock name in an Exchange web folder (medium on its own): a request for
 * it in the logs is then webshell use. */
static void flag_cb(const sp_agg *a, void *user) {
  if (a->rule->level >= SP_LEVEL_HIGH ||
      a->rule == sp_filescan_builtin_rule(SP_FS_RULE_UNKNOWN_PAGE))
    *(bool *)user = true;
}

/* The files phase for one file: the file reader's event goes to the
 * SP_PHASE_FILES detectors, whose findings are collected apart so the file
 * is known to be flagged (see flag_cb) before the logs are
 * read; then they join the worker's set. */
static void phase_file(worker *w, sp_file_state *f, uint32_t id) {
  const sp_reader_vt *vt = w->h->eng->file_reader;
  if (!vt) {
    on_note_file(f, "not read: no file reader is enabled");
    return;
  }
  w->out = w->file_set;
  (void)run_reader(w, f, id, vt);
  w->out = w->fset;
  if (sp_fset_count(w->file_set) == 0)
    return;
  bool flagged = false;
  sp_fset_foreach(w->file_set, flag_cb, &flagged);
  f->flagged = flagged;
  sp_err e = sp_fset_merge(w->fset, w->file_set);
  if (e && !w->err)
    w->err = e;
}

/* Phase B: stream a log file through its reader. */
static void phase_read(worker *w, sp_file_state *f, uint32_t id) {
  f->pub.bytes = run_reader(w, f, id, f->reader);
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
    if (h->phase == 0) {
      phase_sniff(w, f, (uint32_t)i);
      if (!f->reader) /* a plain file: done after its scan */
        progress_done(w, f);
    } else if (f->reader) {
      phase_read(w, f, (uint32_t)i);
      progress_done(w, f);
    }
  }
  return NULL;
}

static sp_err run_phase(hunt *h, int phase) {
  h->phase = phase;
  atomic_store(&h->progress_phase, phase);
  h->phase_bit = phase == 0 ? SP_PHASE_FILES : SP_PHASE_LOGS;
  h->n_active = 0; /* decided once per phase, not per event */
  for (size_t i = 0; i < h->n_det; i++) {
    unsigned want = h->det[i]->phases ? h->det[i]->phases : SP_PHASE_LOGS;
    if (want & h->phase_bit)
      h->active[h->n_active++] = i;
  }
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
  w->out = w->fset;
  e = sp_fset_create(&w->file_set);
  if (e)
    return e;
  if (!sp_rctx_init(&w->rc, 0, on_event, on_malformed, w))
    return SP_ENOMEM;
  w->rc.names = h->eng->names;
  w->rc.on_note = on_note;
  w->rc.on_limit = on_limit;
  w->rc.inputs = h->dctx.inputs;
  w->rc.n_inputs = h->dctx.n_inputs;
  w->buf = malloc(SP_SNIFF_BYTES);
  w->text = malloc(SP_SNIFF_TEXT);
  w->det = calloc(h->n_det ? h->n_det : 1, sizeof *w->det);
  w->rws = calloc(h->eng->n_readers ? h->eng->n_readers : 1, sizeof *w->rws);
  if (!w->buf || !w->text || !w->det || !w->rws)
    return SP_ENOMEM;
  for (size_t i = 0; i < h->eng->n_readers; i++) {
    const sp_reader_vt *vt = h->eng->readers[i];
    if (vt->worker_create && (e = vt->worker_create(vt, &w->rc, &w->rws[i])))
      return e;
  }
  for (size_t i = 0; i < h->n_det; i++) {
    w->det[i] = h->det[i]->create(&h->dctx);
    if (!w->det[i])
      return SP_ENOMEM;
  }
  return SP_OK;
}

static void worker_free(hunt *h, worker *w) {
  for (size_t i = 0; w->det && i < h->n_det; i++)
    if (w->det[i])
      h->det[i]->destroy(w->det[i]);
  free(w->det);
  for (size_t i = 0; w->rws && i < h->eng->n_readers; i++)
    if (w->rws[i])
      h->eng->readers[i]->worker_destroy(w->rws[i]);
  free(w->rws);
  sp_fset_destroy(w->fset);
  sp_fset_destroy(w->file_set);
  sp_rctx_free(&w->rc);
  free(w->buf);
  free(w->text);
}

/* Names of flagged files, for the IIS webshell detector: the run-wide input
 * "flagged_names", filled between the file and the log phase. */
static sp_err collect_flagged(hunt *h) {
  sp_err e = SP_OK;
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
    if (e == SP_ELIMIT) /* files in path order: the same for any -j */
      sp_limits_add(sp_fset_limits(h->workers[0].fset),
                    "filescan.flagged_names",
                    "flagged files whose name the IIS webshell detector "
                    "does not know (over 100,000 names)",
                    1);
    else if (e)
      return e;
  }
  return SP_OK;
}

/* The inputs detectors see in this hunt: the engine's plus the hunt's. */
static sp_err hunt_inputs(hunt *h) {
  sp_engine *eng = h->eng;
  sp_err e = sp_strset_create(100000, &h->flagged);
  if (e)
    return e;
  h->inputs = calloc(eng->n_inputs + 1, sizeof *h->inputs);
  if (!h->inputs)
    return SP_ENOMEM;
  memcpy(h->inputs, eng->inputs, eng->n_inputs * sizeof *h->inputs);
  h->inputs[eng->n_inputs] = (sp_input){"flagged_names", h->flagged};
  h->dctx.inputs = h->inputs;
  h->dctx.n_inputs = eng->n_inputs + 1;
  h->dctx.names = eng->names;
  h->det = eng->detectors;
  h->n_det = eng->n_detectors;
  h->active = calloc(h->n_det ? h->n_det : 1, sizeof *h->active);
  return h->active ? SP_OK : SP_ENOMEM;
}

static sp_err setup_files(sp_result *res, const char *const *paths,
                          size_t n_paths, const sp_walk_excl *excl,
                          sp_diag *diag) {
  sp_walk_list wl;
  sp_err e = sp_walk(paths, n_paths, excl, &wl, diag); /* diag: walk's */
  if (e)
    return e;
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
      f->pub.source = wl.items[i].excluded ? "excluded" : "skipped";
      if (wl.items[i].excluded) /* a deliberate leave-out, not damage */
        f->pub.note = wl.items[i].skip_reason;
      else
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
  sp_err e = setup_files(res, paths, n_paths, eng->excl, diag);
  if (e) {
    sp_result_destroy(res);
    return e;
  }
  hunt h = {.eng = eng, .res = res};
  e = hunt_inputs(&h);
  if (e) {
    sp_strset_destroy(h.flagged);
    free(h.inputs);
    free(h.active);
    sp_result_destroy(res);
    return e;
  }
  h.n_workers = eng->jobs;
  if ((size_t)h.n_workers > res->n_files)
    h.n_workers = res->n_files ? (int)res->n_files : 1;
  h.dctx.workers = h.n_workers;
  h.workers = calloc((size_t)h.n_workers, sizeof *h.workers);
  if (!h.workers) {
    sp_strset_destroy(h.flagged);
    free(h.inputs);
    free(h.active);
    sp_result_destroy(res);
    return SP_ENOMEM;
  }
  /* Run-wide detector state (spraying budgets) before any instance. */
  e = sp_dshare_create(&h.dctx.share);
  for (int i = 0; i < h.n_workers && !e; i++)
    e = worker_init(&h, &h.workers[i]);
  pthread_t ptid;
  bool progress = false;
  if (!e && eng->progress) {
    for (size_t i = 0; i < res->n_files; i++)
      if (!res->files[i].skipped) {
        h.files_total++;
        h.bytes_total += res->files[i].size;
      }
    h.start_ns = mono_ns();
    pthread_mutex_init(&h.pmu, NULL);
    pthread_cond_init(&h.pcv, NULL);
    progress = pthread_create(&ptid, NULL, progress_main, &h) == 0;
    if (!progress) {
      pthread_mutex_destroy(&h.pmu);
      pthread_cond_destroy(&h.pcv);
    }
  }
  if (!e)
    e = run_phase(&h, 0);
  if (!e)
    e = collect_flagged(&h);
  if (!e)
    e = run_phase(&h, 1);
  if (progress) {
    pthread_mutex_lock(&h.pmu);
    h.pstop = true;
    pthread_cond_signal(&h.pcv);
    pthread_mutex_unlock(&h.pmu);
    pthread_join(ptid, NULL);
    pthread_mutex_destroy(&h.pmu);
    pthread_cond_destroy(&h.pcv);
    progress_report(&h, 1);
  }
  /* Merge: detector state and findings fold into worker 0. */
  worker *w0 = &h.workers[0];
  for (int i = 1; i < h.n_workers && !e; i++) {
    worker *wi = &h.workers[i];
    for (size_t d = 0; d < h.n_det; d++)
      if (h.det[d]->merge)
        h.det[d]->merge(w0->det[d], wi->det[d]);
    e = sp_fset_merge(w0->fset, wi->fset);
  }
  if (!e) {
    for (size_t d = 0; d < h.n_det; d++)
      if (h.det[d]->on_end)
        h.det[d]->on_end(w0->det[d], w0->fset);
    e = sp_fset_error(w0->fset);
  }
  if (!e) {
    res->detected_ns = eng->detected_ns;
    e = sp_result_finalize(res, w0->fset);
  }
  for (int i = 0; i < h.n_workers; i++)
    worker_free(&h, &h.workers[i]);
  free(h.workers);
  sp_dshare_destroy(h.dctx.share);
  sp_strset_destroy(h.flagged);
  free(h.inputs);
  free(h.active);
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
