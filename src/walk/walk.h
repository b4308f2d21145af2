/*
 * walk.h - the evidence walker: turns the paths given on the command line
 * into a sorted list of regular files.
 *
 * Rules: folders are walked recursively (depth <= SP_WALK_MAX_DEPTH); only
 * regular files are listed; a symbolic link is followed only when its target
 * lies inside one of the given roots (after realpath), so a link never leads
 * out of the evidence; every file and folder is visited once (by device and
 * inode), which also breaks link loops. What cannot be read or is not a
 * regular file is listed as a skipped entry with a reason, never dropped.
 * The list is sorted by path, which gives files stable ids.
 *
 * Exclusions (sp_walk_excl) name folders or files to leave out, such as the
 * case directory a run writes inside its own evidence. They are compared by
 * (device, inode) when the walk starts, never by string, and an excluded
 * entry is listed as skipped with `excluded` set: a deliberate leave-out,
 * not damage.
 *
 * The walk fails (SP_ENOENT, the path in the diag) when a root does not
 * exist or cannot be looked up, and when the roots hold no file to read at
 * all: a typo must not look like clean evidence.
 */
#ifndef SP_WALK_WALK_H
#define SP_WALK_WALK_H

#include "spoor/spoor.h"
#include <stdbool.h>
#include <stdint.h>

#define SP_WALK_MAX_DEPTH 64
#define SP_WALK_MAX_FILES 10000000

typedef struct sp_walk_entry {
  char *path;
  uint64_t size;
  int64_t mtime_ns;
  const char *skip_reason; /* static text; NULL for a file to read */
  bool excluded;           /* skip_reason is an exclusion, not damage */
} sp_walk_entry;

typedef struct sp_walk_list {
  sp_walk_entry *items;
  size_t n, cap;
} sp_walk_list;

/* Paths to leave out of a walk; the strings are copied. NULL or n == 0
 * gives an empty set (*out NULL, which sp_walk accepts). */
typedef struct sp_walk_excl sp_walk_excl;
sp_err sp_walk_excl_create(const char *const *paths, size_t n,
                           sp_walk_excl **out);
void sp_walk_excl_destroy(sp_walk_excl *x);

/* Walk the roots into *out (sorted, owned by the caller: sp_walk_list_free).
 * excl may be NULL. On failure *out is empty and diag (if given) names the
 * path or condition. */
sp_err sp_walk(const char *const *roots, size_t n_roots,
               const sp_walk_excl *excl, sp_walk_list *out, sp_diag *diag);
void sp_walk_list_free(sp_walk_list *list);

#endif
