/*
 * fs_run.c - the file scanner end to end on one file or buffer, for tests
 * and fuzzers (sp_filescan_file, sp_filescan_buffer): the file reader
 * (readers/file.c) over a raw file or memory source, its event through a
 * webshell_file detector (detect/webshell_file.c) into the caller's finding
 * set. This is the path one file takes through the engine, without the
 * engine: "flagged" is decided the same way (a finding of level high or
 * above on the file).
 *
 * Owns, per call, a name table, a reader context, a detector instance and a
 * finding set for the file's findings; all are freed before returning.
 */
#include "detect/detector.h"
#include "event/names.h"
#include "filescan/filescan_internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

extern const sp_reader_vt sp_reader_file;
extern const sp_detector_vt sp_det_webshell_file;

typedef struct run_ctx {
  void *det;
  sp_fset *set;
  sp_filescan_result *res;
} run_ctx;

/* Append msg to buf ("; "-separated), cut to fit. */
static void append(char *buf, size_t cap, const char *msg) {
  size_t len = strnlen(buf, cap);
  if (len + 3 >= cap)
    return;
  if (len) {
    memcpy(buf + len, "; ", 3);
    len += 2;
  }
  snprintf(buf + len, cap - len, "%s", msg);
}

static void on_event(void *user, const sp_event *ev) {
  run_ctx *c = user;
  if (ev->dropped_fields)
    append(c->res->error, sizeof c->res->error,
           "more values than an event holds: some were dropped");
  sp_det_webshell_file.on_event(c->det, ev, c->set);
}

static void on_malformed(void *user, uint64_t where, const char *reason) {
  run_ctx *c = user;
  (void)where;
  append(c->res->error, sizeof c->res->error, reason);
}

static void on_note(void *user, const char *note) {
  run_ctx *c = user;
  append(c->res->note, sizeof c->res->note, note);
}

static void flag_cb(const sp_agg *a, void *user) {
  if (a->rule->level >= SP_LEVEL_HIGH)
    *(bool *)user = true;
}

static void run(sp_filescan_worker *w, uint32_t file_id, const char *path,
                int64_t mtime_ns, sp_source *src, sp_fset *out,
                sp_filescan_result *res) {
  const sp_reader_vt *vt = &sp_reader_file;
  sp_input inputs[] = {{"filescan", sp_fs_worker_scanner(w)}};
  run_ctx c = {NULL, NULL, res};
  sp_names *names = NULL;
  sp_rctx rc;
  bool rc_ok = false;
  if (sp_names_create(&names) != SP_OK || sp_fset_create(&c.set) != SP_OK ||
      !(rc_ok = sp_rctx_init(&rc, file_id, on_event, on_malformed, &c))) {
    append(res->error, sizeof res->error, "out of memory");
    goto done;
  }
  sp_dctx dctx = {
      .inputs = inputs, .n_inputs = 1, .names = names, .workers = 1};
  c.det = sp_det_webshell_file.create(&dctx);
  if (!c.det) {
    append(res->error, sizeof res->error, "out of memory");
    goto done;
  }
  rc.names = names;
  rc.on_note = on_note;
  rc.path = path;
  rc.mtime_ns = mtime_ns;
  rc.ref = vt->ref;
  rc.inputs = inputs;
  rc.n_inputs = 1;
  rc.wstate = w;
  sp_fs_worker_unbind(w);
  void *st = NULL;
  sp_err e = vt->open(vt, &rc, src, &st);
  if (e) {
    append(res->error, sizeof res->error,
           rc.errmsg[0] ? rc.errmsg : sp_strerror(e));
    goto done;
  }
  if (vt->next(st, &rc) < 0)
    append(res->error, sizeof res->error,
           rc.errmsg[0] ? rc.errmsg : "read error");
  vt->close(st, &rc);
  sp_fset_foreach(c.set, flag_cb, &res->flagged);
  if (out)
    (void)sp_fset_merge(out, c.set); /* errors are sticky in out */
done:
  if (c.det)
    sp_det_webshell_file.destroy(c.det);
  sp_fset_destroy(c.set);
  if (rc_ok)
    sp_rctx_free(&rc);
  sp_names_destroy(names);
}

void sp_filescan_file(sp_filescan_worker *w, uint32_t file_id, const char *path,
                      int64_t mtime_ns, sp_fset *out, sp_filescan_result *res) {
  sp_filescan_result dummy;
  if (!res)
    res = &dummy;
  memset(res, 0, sizeof *res);
  if (!w || !path) {
    append(res->error, sizeof res->error, "invalid arguments");
    return;
  }
  struct stat st;
  if (stat(path, &st) != 0) {
    snprintf(res->error, sizeof res->error, "open: %s", strerror(errno));
    return;
  }
  if (!S_ISREG(st.st_mode)) {
    append(res->error, sizeof res->error, "not a regular file");
    return;
  }
  sp_source *src;
  char msg[256] = "";
  if (sp_source_open_raw(path, &src, msg, sizeof msg) != SP_OK) {
    append(res->error, sizeof res->error, msg[0] ? msg : "cannot open");
    return;
  }
  run(w, file_id, path, mtime_ns, src, out, res);
  sp_source_close(src);
}

void sp_filescan_buffer(sp_filescan_worker *w, uint32_t file_id,
                        const char *path, const uint8_t *buf, size_t len,
                        int64_t mtime_ns, sp_fset *out,
                        sp_filescan_result *res) {
  sp_filescan_result dummy;
  if (!res)
    res = &dummy;
  memset(res, 0, sizeof *res);
  if (!w || (!buf && len)) {
    append(res->error, sizeof res->error, "invalid arguments");
    return;
  }
  sp_source *src;
  if (sp_source_open_mem((const char *)buf, len, &src) != SP_OK) {
    append(res->error, sizeof res->error, "out of memory");
    return;
  }
  run(w, file_id, path ? path : "", mtime_ns, src, out, res);
  sp_source_close(src);
}
