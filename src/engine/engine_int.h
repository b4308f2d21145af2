/*
 * engine_int.h - the engine's internal structures, shared by engine.c (the
 * hunt: walk, sniff, scan, read, detect, merge) and result.c (the result
 * object, its accessors and its finalization from the merged finding set).
 */
#ifndef SP_ENGINE_ENGINE_INT_H
#define SP_ENGINE_ENGINE_INT_H

#include "detect/detector.h"
#include "filescan/filescan.h"
#include "findings/findings.h"
#include "readers/reader.h"
#include "spoor/spoor.h"

#define SP_COV_SAMPLES 5

struct sp_engine {
  int jobs;
  sp_filescan *fs;
};

/* Per-file coverage, written only by the worker that owns the file. */
typedef struct sp_file_state {
  sp_file_cov pub;
  char *error_buf;
  char *note_buf;
  char *samples_buf[SP_COV_SAMPLES];
  const sp_reader_vt *reader; /* NULL: plain file for the file scanner */
  sp_source_kind kind;        /* kind of the events seen so far */
  int64_t mtime_ns;
  uint64_t size; /* on disk */
  bool skipped;
  bool flagged;
} sp_file_state;

struct sp_result {
  sp_file_state *files;
  size_t n_files;
  sp_finding *findings;
  size_t n_findings;
  sp_source_cov *sources;
  size_t n_sources;
  uint64_t problems;
  uint64_t findings_dropped;
  sp_limit *limits; /* sorted by name */
  size_t n_limits;
  /* Storage for the findings' strings, entities and references. */
  struct sp_chunk *chunks;
};

/* Build the public finding list, limits and source summary from the merged
 * set, which is left empty (each aggregate is freed once copied). */
sp_err sp_result_finalize(sp_result *res, sp_fset *set);

#endif
