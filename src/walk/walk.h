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
 */
#ifndef SP_WALK_WALK_H
#define SP_WALK_WALK_H

#include "spoor/spoor.h"
#include <stdint.h>

#define SP_WALK_MAX_DEPTH 64
#define SP_WALK_MAX_FILES 10000000

typedef struct sp_walk_entry {
  char *path;
  uint64_t size;
  int64_t mtime_ns;
  const char *skip_reason; /* static text; NULL for a file to read */
} sp_walk_entry;

typedef struct sp_walk_list {
  sp_walk_entry *items;
  size_t n, cap;
} sp_walk_list;

sp_err sp_walk(const char *const *roots, size_t n_roots, sp_walk_list *out);
void sp_walk_list_free(sp_walk_list *list);

#endif
