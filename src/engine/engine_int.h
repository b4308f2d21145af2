/*
 * engine_int.h - the engine's internal structures, shared by engine.c (the
 * hunt: walk, sniff, scan, read, detect, merge) and result.c (the result
 * object, its accessors and its finalization from the merged finding set).
 */
#ifndef SP_ENGINE_ENGINE_INT_H
#define SP_ENGINE_ENGINE_INT_H

#include "detect/detector.h"
#include "event/names.h"
#include "filescan/filescan.h"
#include "findings/findings.h"
#include "readers/reader.h"
#include "spoor/spoor.h"

#define SP_COV_SAMPLES 5

/* The engine's registries: the readers and detectors enabled for it (copied
 * from the built-in tables, minus --disable), and the run-wide inputs
 * detectors and readers ask for by name ("filescan", "stock_urls"). */
struct sp_engine {
  int jobs;
  int64_t detected_ns;                                /* sp_opts.detected_ns */
  void (*progress)(void *user, const sp_progress *p); /* sp_opts.progress */
  void *progress_user;
  sp_names *names;
  sp_filescan *fs;
  struct sp_sigma *sigma; /* the Sigma rule set (input "sigma"), or NULL */
  struct sp_ioc_set *ioc; /* --ioc indicators, or NULL */
  const sp_reader_vt **readers;
  size_t n_readers;
  const sp_reader_vt **log_readers; /* those that compete by sniff score */
  size_t n_log_readers;
  const sp_reader_vt *file_reader; /* the files-phase reader, or NULL */
  const sp_detector_vt **detectors;
  size_t n_detectors;
  sp_input *inputs;
  size_t n_inputs, cap_inputs;
  struct sp_walk_excl *excl;      /* paths the walk leaves out, or NULL */
  struct sp_net_allow *net_allow; /* the input "net_allow" (src/net) */
};

/* Register a run-wide input (the engine does not own obj). */
sp_err sp_engine_add_input(sp_engine *e, const char *name, const void *obj);

/* Per-file coverage, written only by the worker that owns the file. */
typedef struct sp_file_state {
  sp_file_cov pub;
  char *error_buf;
  char *note_buf;
  char *source_buf; /* an interned kind's name, copied */
  char *samples_buf[SP_COV_SAMPLES];
  const sp_reader_vt *reader;     /* the log reader; NULL: a plain file */
  const sp_reader_vt *looks_like; /* a format recognised but unreadable */
  int kind;                       /* source kind id of the events seen so far */
  int64_t mtime_ns;
  uint64_t size; /* on disk */
  bool skipped;
  bool flagged; /* the files phase made a high or critical finding on it */
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
  sp_log_cov *logs; /* evtx_logs coverage, sorted by path, channel, computer */
  size_t n_logs;
  /* Storage for the findings' strings, entities and references. */
  struct sp_chunk *chunks;
  struct sp_incidents *incidents; /* correlated at finalize */
  int64_t detected_ns;            /* for the incidents' dwell time */
};

/* Build the public finding list, limits and source summary from the merged
 * set, which is left empty (each aggregate is freed once copied). */
sp_err sp_result_finalize(sp_result *res, sp_fset *set);

#endif
