/*
 * file.c - the file scanner as a reader ("file", SP_PHASE_FILES): one file
 * event per file, its fields listed in filescan/filescan.h.
 *
 * It does not compete by content (its sniff scores 0): the engine gives it
 * every file no log reader claims and every page a web server would execute,
 * in the files phase, before any log is read. It reads the file as stored
 * (raw: a .gz is hashed as the bytes on disk). Its per-worker state is an
 * sp_filescan_worker (YARA scanner, hash contexts, read buffer), created
 * from the run-wide input "filescan" (the engine's sp_filescan). Evidence
 * references are byte offsets; the event itself is at offset 0.
 *
 * Owns nothing per file: open keeps the source, next reads it in one call.
 */
#include "filescan/filescan.h"
#include "readers/reader.h"

#include <stdio.h>

static int file_sniff(const sp_reader_vt *vt, const sp_sniff *sn) {
  (void)vt;
  (void)sn;
  return 0;
}

static sp_err file_worker_create(const sp_reader_vt *vt, sp_rctx *rc,
                                 void **out) {
  (void)vt;
  *out = NULL;
  /* The engine's scanner; its rules and baselines are read-only. */
  sp_filescan *fs = (sp_filescan *)sp_rctx_input(rc, "filescan");
  if (!fs) {
    snprintf(rc->errmsg, sizeof rc->errmsg,
             "file reader: no \"filescan\" input");
    return SP_EINVAL;
  }
  sp_filescan_worker *w;
  sp_err e = sp_filescan_worker_create(fs, &w);
  if (e)
    return e;
  *out = w;
  return SP_OK;
}

static void file_worker_destroy(void *ws) { sp_filescan_worker_destroy(ws); }

static sp_err file_open(const sp_reader_vt *vt, sp_rctx *rc, sp_source *src,
                        void **st) {
  (void)vt;
  if (!rc->wstate) {
    snprintf(rc->errmsg, sizeof rc->errmsg, "file reader: no worker state");
    return SP_EINVAL;
  }
  *st = src;
  return SP_OK;
}

static int file_next(void *st, sp_rctx *rc) {
  return sp_filescan_read(rc->wstate, rc, st) < 0 ? -1 : 0;
}

static void file_close(void *st, sp_rctx *rc) {
  (void)st;
  (void)rc;
}

const sp_reader_vt sp_reader_file = {
    .name = "file",
    .ref = SP_REF_OFFSET,
    .phase = SP_PHASE_FILES,
    .raw = true,
    .sniff = file_sniff,
    .open = file_open,
    .next = file_next,
    .close = file_close,
    .worker_create = file_worker_create,
    .worker_destroy = file_worker_destroy,
};
