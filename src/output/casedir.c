/*
 * casedir.c - the case directory: one run's findings.jsonl, findings.csv,
 * coverage.json, incidents.jsonl, timeline.csv, case.sqlite, report.html
 * and run.json,
 * written so that what an analyst finds there can be trusted.
 *
 *  - Locked: DIR/.spoor.lock is held with flock(LOCK_EX) from sp_case_open
 *    to sp_case_close and holds the run's pid, so a second run fails with
 *    SP_EBUSY naming the holder. A flock dies with its process, so a crashed
 *    run leaves no stale lock. A closing run unlinks the lock file while it
 *    still holds it; a run that locked a file which is no longer the one at
 *    that name retries with the new one.
 *  - Not clobbered: a folder that is not empty (the lock file aside) is
 *    refused with SP_EEXIST unless forced; one holding spoor output is
 *    named as an earlier case. Forcing removes our own stale temporaries.
 *  - Atomic: each file is written as .NAME.tmp.PID, flushed, fsync'd and
 *    renamed to NAME, and the folder is fsync'd at the end. run.json goes
 *    last, and an earlier run.json is removed before anything is replaced,
 *    so a case with run.json is complete.
 * Every file operation is relative to the folder's descriptor (openat), so
 * the files land in the folder that was locked even if its path changes.
 *
 * Ownership: an sp_case owns its two descriptors and a copy of the path.
 */
#include "spoor/spoor.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#define LOCK_NAME ".spoor.lock"
#define PROBE_NAME ".spoor-probe"
#define LOCK_TRIES 16

typedef enum case_kind {
  K_JSONL,
  K_CSV,
  K_COVERAGE,
  K_INCIDENTS,
  K_TIMELINE,
  K_SQLITE,
  K_REPORT,
  K_RUN
} case_kind;

/* In writing order: run.json last. */
static const struct {
  const char *name;
  case_kind kind;
} case_files[] = {
    {"findings.jsonl", K_JSONL},   {"findings.csv", K_CSV},
    {"coverage.json", K_COVERAGE}, {"incidents.jsonl", K_INCIDENTS},
    {"timeline.csv", K_TIMELINE},  {"case.sqlite", K_SQLITE},
    {"report.html", K_REPORT},     {"run.json", K_RUN}};
#define N_CASE_FILES (sizeof case_files / sizeof case_files[0])

struct sp_case {
  char *path;
  int dirfd;  /* the case folder */
  int lockfd; /* DIR/.spoor.lock, flock'd; -1 when not held */
  bool created, written;
};

__attribute__((format(printf, 3, 4))) static sp_err
fail(sp_diag *diag, sp_err code, const char *fmt, ...) {
  if (diag) {
    diag->code = code;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(diag->msg, sizeof diag->msg, fmt, ap);
    va_end(ap);
  }
  return code;
}

/* ".NAME.tmp.PID" for one of ours: an output file or the probe. */
static void tmp_name(char *buf, size_t cap, const char *name) {
  snprintf(buf, cap, ".%s.tmp.%ld", name, (long)getpid());
}

static bool is_case_file(const char *name) {
  for (size_t i = 0; i < N_CASE_FILES; i++)
    if (strcmp(name, case_files[i].name) == 0)
      return true;
  return false;
}

/* A temporary a run of spoor leaves when it dies mid-write. */
static bool is_our_tmp(const char *name) {
  if (name[0] != '.')
    return false;
  const char *t = strstr(name, ".tmp.");
  if (!t || !t[5])
    return false;
  for (const char *p = t + 5; *p; p++)
    if (*p < '0' || *p > '9')
      return false;
  size_t n = (size_t)(t - name - 1);
  if (n == strlen(PROBE_NAME) && memcmp(name + 1, PROBE_NAME, n) == 0)
    return true;
  for (size_t i = 0; i < N_CASE_FILES; i++)
    if (strlen(case_files[i].name) == n &&
        memcmp(name + 1, case_files[i].name, n) == 0)
      return true;
  return false;
}

static long read_pid(int fd) {
  char buf[32];
  ssize_t n = pread(fd, buf, sizeof buf - 1, 0);
  if (n <= 0)
    return 0;
  buf[n] = 0;
  char *end;
  long pid = strtol(buf, &end, 10);
  return end != buf && (*end == '\n' || !*end) && pid > 0 ? pid : 0;
}

static sp_err lock_dir(sp_case *c, sp_diag *diag) {
  for (int tries = 0; tries < LOCK_TRIES; tries++) {
    int fd = openat(c->dirfd, LOCK_NAME,
                    O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
    if (fd < 0)
      return fail(diag, SP_EIO, "%s/%s: %s", c->path, LOCK_NAME,
                  strerror(errno));
    if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
      int en = errno;
      long pid = en == EWOULDBLOCK ? read_pid(fd) : 0;
      close(fd);
      if (en != EWOULDBLOCK)
        return fail(diag, SP_EIO, "%s/%s: %s", c->path, LOCK_NAME,
                    strerror(en));
      if (pid)
        return fail(diag, SP_EBUSY,
                    "%s is being written by another spoor run (pid %ld)",
                    c->path, pid);
      return fail(diag, SP_EBUSY, "%s is locked by another process (%s/%s)",
                  c->path, c->path, LOCK_NAME);
    }
    struct stat held, named;
    if (fstat(fd, &held) == 0 &&
        fstatat(c->dirfd, LOCK_NAME, &named, AT_SYMLINK_NOFOLLOW) == 0 &&
        held.st_dev == named.st_dev && held.st_ino == named.st_ino) {
      char pid[32];
      int n = snprintf(pid, sizeof pid, "%ld\n", (long)getpid());
      errno = 0;
      if (ftruncate(fd, 0) != 0 || pwrite(fd, pid, (size_t)n, 0) != n) {
        int en = errno;
        close(fd);
        return fail(diag, SP_EIO, "%s/%s: %s", c->path, LOCK_NAME,
                    en ? strerror(en) : "short write");
      }
      c->lockfd = fd;
      return SP_OK;
    }
    close(fd); /* a closing run removed it under us: lock the new one */
  }
  return fail(diag, SP_EBUSY, "%s/%s keeps being replaced", c->path, LOCK_NAME);
}

/* Refuse a folder that holds anything but our lock, unless forced. */
static sp_err check_contents(sp_case *c, bool force, sp_diag *diag) {
  int fd = openat(c->dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
  if (!d) {
    int en = errno;
    if (fd >= 0)
      close(fd);
    return fail(diag, SP_EIO, "%s: %s", c->path, strerror(en));
  }
  char case_file[64] = "", other[256] = "";
  struct dirent *de;
  while ((de = readdir(d)) != NULL) {
    const char *name = de->d_name;
    if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0 ||
        strcmp(name, LOCK_NAME) == 0)
      continue;
    if (force) {
      /* We hold the lock: no run is writing these any more. */
      if (is_our_tmp(name))
        unlinkat(c->dirfd, name, 0);
      continue;
    }
    if (is_case_file(name)) {
      if (!case_file[0] || strcmp(name, "run.json") == 0)
        snprintf(case_file, sizeof case_file, "%s", name);
    } else if (!other[0]) {
      snprintf(other, sizeof other, "%s", name);
    }
  }
  closedir(d);
  if (case_file[0])
    return fail(diag, SP_EEXIST, "%s holds an earlier spoor case (%s)", c->path,
                case_file);
  if (other[0])
    return fail(diag, SP_EEXIST, "%s is not empty (it holds %s)", c->path,
                other);
  return SP_OK;
}

/* Create, write and remove a file, so a full or read-only folder fails
 * before the hunt rather than after it. */
static sp_err probe(sp_case *c, sp_diag *diag) {
  char name[64];
  tmp_name(name, sizeof name, PROBE_NAME);
  unlinkat(c->dirfd, name, 0);
  int fd = openat(c->dirfd, name,
                  O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0)
    return fail(diag, SP_EIO, "cannot create files in %s: %s", c->path,
                strerror(errno));
  errno = 0;
  ssize_t w = write(fd, "spoor\n", 6);
  int en = errno;
  if (close(fd) != 0 && w == 6) {
    en = errno;
    w = -1;
  }
  unlinkat(c->dirfd, name, 0);
  if (w != 6)
    return fail(diag, SP_EIO, "cannot write files in %s: %s", c->path,
                en ? strerror(en) : "short write");
  return SP_OK;
}

sp_err sp_case_open(const char *dir, const sp_case_opts *opts, sp_case **out,
                    sp_diag *diag) {
  if (!out)
    return fail(diag, SP_EINVAL, "no place for the case");
  *out = NULL;
  if (!dir || !*dir)
    return fail(diag, SP_EINVAL, "no case directory given");
  sp_case *c = calloc(1, sizeof *c);
  if (!c || !(c->path = strdup(dir))) {
    free(c);
    return fail(diag, SP_ENOMEM, "%s", sp_strerror(SP_ENOMEM));
  }
  c->dirfd = c->lockfd = -1;
  sp_err e = SP_OK;
  if (mkdir(dir, 0755) == 0)
    c->created = true;
  else if (errno != EEXIST)
    e = fail(diag, SP_EIO, "cannot create %s: %s", dir, strerror(errno));
  if (!e) {
    c->dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (c->dirfd < 0)
      e = fail(diag, SP_EIO, "%s: %s", dir, strerror(errno));
  }
  if (!e)
    e = lock_dir(c, diag);
  if (!e)
    e = check_contents(c, opts && opts->force, diag);
  if (!e)
    e = probe(c, diag);
  if (e) {
    sp_case_close(c);
    return e;
  }
  *out = c;
  return SP_OK;
}

static sp_err write_one(sp_case *c, size_t which, const sp_result *res,
                        const sp_run_info *run, sp_diag *diag) {
  const char *name = case_files[which].name;
  char tmp[64];
  tmp_name(tmp, sizeof tmp, name);
  unlinkat(c->dirfd, tmp, 0);
  int fd = openat(c->dirfd, tmp,
                  O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0644);
  if (fd < 0)
    return fail(diag, SP_EIO, "%s/%s: %s", c->path, tmp, strerror(errno));
  FILE *f = fdopen(fd, "w");
  if (!f) {
    int en = errno;
    close(fd);
    unlinkat(c->dirfd, tmp, 0);
    return fail(diag, SP_EIO, "%s/%s: %s", c->path, tmp, strerror(en));
  }
  errno = 0;
  sp_err e;
  switch (case_files[which].kind) {
  case K_JSONL:
    e = sp_write_findings(res, SP_FORMAT_JSONL, f);
    break;
  case K_CSV:
    e = sp_write_findings(res, SP_FORMAT_CSV, f);
    break;
  case K_COVERAGE:
    e = sp_write_coverage_json(res, f);
    break;
  case K_INCIDENTS:
    e = sp_write_incidents_jsonl(res, f);
    break;
  case K_TIMELINE:
    e = sp_write_timeline_csv(res, f);
    break;
  case K_SQLITE: {
    /* SQLite writes through its own handle, at the temporary name (the
       file this function created and holds open, so it fsyncs what SQLite
       wrote). */
    char path[4200];
    snprintf(path, sizeof path, "%s/%s", c->path, tmp);
    e = sp_write_case_sqlite(res, path);
    break;
  }
  case K_REPORT:
    e = sp_write_report_html(res, run, f);
    break;
  default:
    e = sp_write_run_json(run, f);
    break;
  }
  int en = e ? errno : 0;
  if (fflush(f) != 0 && !e) {
    e = SP_EIO;
    en = errno;
  }
  if (!e && fsync(fd) != 0) {
    e = SP_EIO;
    en = errno;
  }
  if (fclose(f) != 0 && !e) {
    e = SP_EIO;
    en = errno;
  }
  if (!e && renameat(c->dirfd, tmp, c->dirfd, name) != 0) {
    e = SP_EIO;
    en = errno;
  }
  if (e) {
    unlinkat(c->dirfd, tmp, 0);
    return fail(diag, e, "%s/%s: %s", c->path, name,
                en ? strerror(en) : "write failed");
  }
  return SP_OK;
}

sp_err sp_case_write(sp_case *c, const sp_result *res, const sp_run_info *run,
                     sp_diag *diag) {
  if (!c || !res)
    return fail(diag, SP_EINVAL, "no case or no result to write");
  c->written = true;
  /* Until the new run.json lands, the folder does not claim to be
   * complete. */
  if (unlinkat(c->dirfd, "run.json", 0) != 0 && errno != ENOENT)
    return fail(diag, SP_EIO, "%s/run.json: %s", c->path, strerror(errno));
  for (size_t i = 0; i < N_CASE_FILES; i++) {
    sp_err e = write_one(c, i, res, run, diag);
    if (e)
      return e;
  }
  /* Make the renames durable; some file systems cannot sync a folder. */
  if (fsync(c->dirfd) != 0 && errno != EINVAL && errno != EROFS)
    return fail(diag, SP_EIO, "%s: %s", c->path, strerror(errno));
  return SP_OK;
}

void sp_case_close(sp_case *c) {
  if (!c)
    return;
  if (c->lockfd >= 0) {
    unlinkat(c->dirfd, LOCK_NAME, 0); /* still held: see lock_dir */
    close(c->lockfd);
  }
  if (c->dirfd >= 0)
    close(c->dirfd);
  if (c->created && !c->written)
    rmdir(c->path); /* only succeeds while it is empty */
  free(c->path);
  free(c);
}

sp_err sp_write_case_dir(const sp_result *res, const char *dir, sp_diag *diag) {
  sp_case *c;
  sp_err e = sp_case_open(dir, NULL, &c, diag);
  if (e)
    return e;
  e = sp_case_write(c, res, NULL, diag);
  sp_case_close(c);
  return e;
}
