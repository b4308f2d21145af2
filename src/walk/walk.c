/*
 * walk.c - recursive, root-confined evidence walking (see walk.h).
 *
 * Data: the output list, the realpath of every root, a small open-
 * addressing set of visited (device, inode) pairs and the (device, inode)
 * of every exclusion, all owned by one walk. An exclusion set owns copies
 * of its path strings; they are looked up when a walk starts.
 */
#include "walk/walk.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

typedef struct devino {
  dev_t dev;
  ino_t ino;
} devino;

struct sp_walk_excl {
  char **paths;
  size_t n;
};

typedef struct walker {
  sp_walk_list *out;
  char **roots; /* realpaths */
  size_t n_roots;
  devino *seen;
  size_t seen_cap, seen_n;
  devino *excl; /* exclusions that exist when the walk starts */
  size_t n_excl;
  sp_err err;
} walker;

#define EXCLUDED_REASON "excluded: output directory"

__attribute__((format(printf, 3, 4))) static void
walk_diag(sp_diag *diag, sp_err code, const char *fmt, ...) {
  if (!diag)
    return;
  diag->code = code;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(diag->msg, sizeof diag->msg, fmt, ap);
  va_end(ap);
}

sp_err sp_walk_excl_create(const char *const *paths, size_t n,
                           sp_walk_excl **out) {
  *out = NULL;
  if (!paths || !n)
    return SP_OK;
  sp_walk_excl *x = calloc(1, sizeof *x);
  if (!x)
    return SP_ENOMEM;
  x->paths = calloc(n, sizeof *x->paths);
  if (!x->paths) {
    free(x);
    return SP_ENOMEM;
  }
  for (size_t i = 0; i < n; i++) {
    if (!paths[i])
      continue;
    x->paths[x->n] = strdup(paths[i]);
    if (!x->paths[x->n]) {
      sp_walk_excl_destroy(x);
      return SP_ENOMEM;
    }
    x->n++;
  }
  *out = x;
  return SP_OK;
}

void sp_walk_excl_destroy(sp_walk_excl *x) {
  if (!x)
    return;
  for (size_t i = 0; i < x->n; i++)
    free(x->paths[i]);
  free(x->paths);
  free(x);
}

static bool is_excluded(const walker *w, const struct stat *st) {
  for (size_t i = 0; i < w->n_excl; i++)
    if (w->excl[i].dev == st->st_dev && w->excl[i].ino == st->st_ino)
      return true;
  return false;
}

static bool seen_add(walker *w, dev_t dev, ino_t ino) {
  if ((w->seen_n + 1) * 2 > w->seen_cap) {
    size_t ncap = w->seen_cap ? w->seen_cap * 2 : 1024;
    devino *n = calloc(ncap, sizeof *n);
    if (!n) {
      w->err = SP_ENOMEM;
      return false;
    }
    for (size_t i = 0; i < w->seen_cap; i++) {
      if (!w->seen[i].ino)
        continue;
      size_t j = (size_t)(w->seen[i].ino * 31 + w->seen[i].dev) & (ncap - 1);
      while (n[j].ino)
        j = (j + 1) & (ncap - 1);
      n[j] = w->seen[i];
    }
    free(w->seen);
    w->seen = n;
    w->seen_cap = ncap;
  }
  size_t j = (size_t)(ino * 31 + dev) & (w->seen_cap - 1);
  while (w->seen[j].ino) {
    if (w->seen[j].ino == ino && w->seen[j].dev == dev)
      return false;
    j = (j + 1) & (w->seen_cap - 1);
  }
  w->seen[j].dev = dev;
  w->seen[j].ino = ino ? ino : 1;
  w->seen_n++;
  return true;
}

/* Appends an entry; NULL (and w->err set) when the list cannot grow. */
static sp_walk_entry *add(walker *w, const char *path, const struct stat *st,
                          const char *skip) {
  sp_walk_list *l = w->out;
  if (l->n >= SP_WALK_MAX_FILES) {
    w->err = SP_ELIMIT;
    return NULL;
  }
  if (l->n == l->cap) {
    size_t ncap = l->cap ? l->cap * 2 : 256;
    sp_walk_entry *n = realloc(l->items, ncap * sizeof *n);
    if (!n) {
      w->err = SP_ENOMEM;
      return NULL;
    }
    l->items = n;
    l->cap = ncap;
  }
  sp_walk_entry *e = &l->items[l->n];
  e->path = strdup(path);
  if (!e->path) {
    w->err = SP_ENOMEM;
    return NULL;
  }
  e->size = st ? (uint64_t)st->st_size : 0;
  e->mtime_ns =
      st ? (int64_t)st->st_mtim.tv_sec * 1000000000LL + st->st_mtim.tv_nsec
         : INT64_MIN;
  e->skip_reason = skip;
  e->excluded = false;
  l->n++;
  return e;
}

static void add_excluded(walker *w, const char *path) {
  sp_walk_entry *e = add(w, path, NULL, EXCLUDED_REASON);
  if (e)
    e->excluded = true;
}

static bool inside_roots(walker *w, const char *real) {
  for (size_t i = 0; i < w->n_roots; i++) {
    size_t n = strlen(w->roots[i]);
    if (strncmp(real, w->roots[i], n) == 0 &&
        (real[n] == 0 || real[n] == '/' || (n == 1 && w->roots[i][0] == '/')))
      return true;
  }
  return false;
}

static void visit(walker *w, const char *path, int depth);

static int cmp_name(const void *a, const void *b) {
  return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static void visit_dir(walker *w, const char *path, int depth) {
  if (depth > SP_WALK_MAX_DEPTH) {
    add(w, path, NULL, "folder nesting deeper than 64 levels");
    return;
  }
  DIR *d = opendir(path);
  if (!d) {
    add(w, path, NULL, "cannot open folder");
    return;
  }
  /* Collect names first so the recursion holds one DIR at a time. */
  char **names = NULL;
  size_t n = 0, cap = 0;
  struct dirent *de;
  while ((de = readdir(d)) != NULL) {
    if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
      continue;
    if (n == cap) {
      size_t ncap = cap ? cap * 2 : 64;
      char **nn = realloc(names, ncap * sizeof *nn);
      if (!nn)
        break;
      names = nn;
      cap = ncap;
    }
    names[n] = strdup(de->d_name);
    if (names[n])
      n++;
  }
  closedir(d);
  /* Sorted, so which of two names for one file is kept does not depend on
   * the file system's directory order. */
  if (n)
    qsort(names, n, sizeof *names, cmp_name);
  for (size_t i = 0; i < n && w->err == SP_OK; i++) {
    size_t len = strlen(path) + strlen(names[i]) + 2;
    char *child = malloc(len);
    if (child) {
      snprintf(child, len, "%s%s%s", path,
               path[strlen(path) - 1] == '/' ? "" : "/", names[i]);
      visit(w, child, depth + 1);
      free(child);
    }
  }
  for (size_t i = 0; i < n; i++)
    free(names[i]);
  free(names);
}

static void visit(walker *w, const char *path, int depth) {
  struct stat st;
  if (lstat(path, &st) != 0) {
    add(w, path, NULL, "cannot stat");
    return;
  }
  if (S_ISLNK(st.st_mode)) {
    char *real = realpath(path, NULL);
    if (!real) {
      add(w, path, NULL, "dangling symbolic link");
      return;
    }
    bool ok = inside_roots(w, real);
    free(real);
    if (!ok) {
      add(w, path, NULL, "symbolic link leads outside the evidence roots");
      return;
    }
    if (stat(path, &st) != 0) {
      add(w, path, NULL, "cannot stat link target");
      return;
    }
  }
  if (is_excluded(w, &st)) {
    add_excluded(w, path);
    return;
  }
  if (S_ISDIR(st.st_mode)) {
    if (seen_add(w, st.st_dev, st.st_ino))
      visit_dir(w, path, depth);
  } else if (S_ISREG(st.st_mode)) {
    if (seen_add(w, st.st_dev, st.st_ino))
      add(w, path, &st, NULL);
  } else {
    add(w, path, &st, "not a regular file");
  }
}

static int cmp_entry(const void *a, const void *b) {
  return strcmp(((const sp_walk_entry *)a)->path,
                ((const sp_walk_entry *)b)->path);
}

/* Every root must exist: a path that cannot be looked up is a typo or a
 * missing mount, never "no findings". */
static sp_err check_roots(const char *const *roots, size_t n_roots,
                          sp_diag *diag) {
  for (size_t i = 0; i < n_roots; i++) {
    struct stat st;
    if (!roots[i]) {
      walk_diag(diag, SP_EINVAL, "evidence path %zu is NULL", i);
      return SP_EINVAL;
    }
    if (stat(roots[i], &st) != 0) {
      int en = errno;
      sp_err e = en == ENOENT || en == ENOTDIR ? SP_ENOENT : SP_EIO;
      walk_diag(diag, e, "%s: %s", roots[i], strerror(en));
      return e;
    }
  }
  return SP_OK;
}

/* Evidence in which nothing can be read fails the walk, with the first
 * skipped entry as the likely reason. */
static sp_err check_not_empty(const char *const *roots, size_t n_roots,
                              const sp_walk_list *out, sp_diag *diag) {
  const sp_walk_entry *first_skip = NULL;
  size_t skipped = 0;
  for (size_t i = 0; i < out->n; i++) {
    if (!out->items[i].skip_reason)
      return SP_OK;
    if (!first_skip)
      first_skip = &out->items[i];
    skipped++;
  }
  char where[300];
  if (n_roots == 1)
    snprintf(where, sizeof where, "%s", roots[0]);
  else
    snprintf(where, sizeof where, "the %zu evidence paths", n_roots);
  if (first_skip)
    walk_diag(diag, SP_ENOENT,
              "%s: no files to examine (%zu skipped; first: %s: %s)", where,
              skipped, first_skip->path, first_skip->skip_reason);
  else
    walk_diag(diag, SP_ENOENT, "%s: no files to examine", where);
  return SP_ENOENT;
}

sp_err sp_walk(const char *const *roots, size_t n_roots,
               const sp_walk_excl *excl, sp_walk_list *out, sp_diag *diag) {
  memset(out, 0, sizeof *out);
  if (!roots && n_roots) {
    walk_diag(diag, SP_EINVAL, "no evidence paths");
    return SP_EINVAL;
  }
  sp_err err = check_roots(roots, n_roots, diag);
  if (err)
    return err;
  walker w = {.out = out};
  w.roots = calloc(n_roots ? n_roots : 1, sizeof *w.roots);
  w.excl = calloc(excl && excl->n ? excl->n : 1, sizeof *w.excl);
  if (!w.roots || !w.excl) {
    free(w.roots);
    free(w.excl);
    walk_diag(diag, SP_ENOMEM, "walking the evidence: %s",
              sp_strerror(SP_ENOMEM));
    return SP_ENOMEM;
  }
  for (size_t i = 0; excl && i < excl->n; i++) {
    struct stat st;
    if (stat(excl->paths[i], &st) == 0)
      w.excl[w.n_excl++] = (devino){st.st_dev, st.st_ino};
  }
  for (size_t i = 0; i < n_roots; i++) {
    char *real = realpath(roots[i], NULL);
    if (real)
      w.roots[w.n_roots++] = real;
  }
  for (size_t i = 0; i < n_roots && w.err == SP_OK; i++) {
    struct stat st;
    if (lstat(roots[i], &st) != 0) {
      add(&w, roots[i], NULL, "no such file or folder");
      continue;
    }
    /* A root given explicitly may itself be a link: it defines the root. */
    if (S_ISLNK(st.st_mode) && stat(roots[i], &st) == 0 &&
        S_ISDIR(st.st_mode)) {
      if (is_excluded(&w, &st))
        add_excluded(&w, roots[i]);
      else if (seen_add(&w, st.st_dev, st.st_ino))
        visit_dir(&w, roots[i], 0);
    } else {
      visit(&w, roots[i], 0);
    }
  }
  for (size_t i = 0; i < w.n_roots; i++)
    free(w.roots[i]);
  free(w.roots);
  free(w.seen);
  free(w.excl);
  if (out->n)
    qsort(out->items, out->n, sizeof *out->items, cmp_entry);
  err = w.err;
  if (err)
    walk_diag(diag, err, "walking the evidence: %s", sp_strerror(err));
  else
    err = check_not_empty(roots, n_roots, out, diag);
  if (err != SP_OK)
    sp_walk_list_free(out);
  return err;
}

void sp_walk_list_free(sp_walk_list *l) {
  for (size_t i = 0; i < l->n; i++)
    free(l->items[i].path);
  free(l->items);
  memset(l, 0, sizeof *l);
}
