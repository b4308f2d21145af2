/*
 * spoor.h - the public API of libspoor, the compromise-assessment engine.
 *
 * One engine (sp_engine) holds the configuration and compiled rules; a hunt
 * over evidence paths yields an sp_result that owns its findings and the
 * coverage report. The library never prints and never exits: everything it
 * learns goes into the result or into a caller-owned sp_diag.
 *
 * Ownership: every *_create has a *_destroy that accepts NULL. Strings inside
 * a result live until sp_result_destroy().
 */
#ifndef SPOOR_SPOOR_H
#define SPOOR_SPOOR_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

#define SPOOR_VERSION "0.1.0"

/* One error enum, generated from one table with its messages. */
#define SP_ERRORS(X)                                                           \
  X(SP_OK, "success")                                                          \
  X(SP_ENOMEM, "out of memory")                                                \
  X(SP_EINVAL, "invalid argument")                                             \
  X(SP_EIO, "input/output error")                                              \
  X(SP_ENOENT, "no such file or directory")                                    \
  X(SP_EFORMAT, "malformed input")                                             \
  X(SP_ELIMIT, "a size, depth or count limit was reached")                     \
  X(SP_ERULE, "rule compilation failed")                                       \
  X(SP_EUNSUPPORTED, "unsupported input")                                      \
  X(SP_ETRUNCATED, "input is truncated")                                       \
  X(SP_EINTERNAL, "internal error")                                            \
  X(SP_EEXIST, "output already exists")                                        \
  X(SP_EBUSY, "in use by another run")

typedef enum sp_err {
#define SP_X_ENUM(code, msg) code,
  SP_ERRORS(SP_X_ENUM)
#undef SP_X_ENUM
      SP_ERR__COUNT
} sp_err;

/* Static message for an error code; never NULL. */
const char *sp_strerror(sp_err err);

/* Caller-owned diagnostic: detail on the last error (file, offset, rule). */
typedef struct sp_diag {
  sp_err code;
  char msg[512];
} sp_diag;

/* Severity levels, with the ECS event.severity numbers they map to. */
typedef enum sp_level {
  SP_LEVEL_INFO = 0, /* 10 */
  SP_LEVEL_LOW,      /* 30 */
  SP_LEVEL_MEDIUM,   /* 50 */
  SP_LEVEL_HIGH,     /* 70 */
  SP_LEVEL_CRITICAL  /* 90 */
} sp_level;

const char *sp_level_name(sp_level level);
int sp_level_severity(sp_level level);

/* How far a hunt is: files and bytes of the files it examines (skipped and
 * excluded entries aside). A file counts as done when its last phase is:
 * the file scan for plain files, the log read for logs. */
typedef struct sp_progress {
  uint64_t files_done, files_total;
  uint64_t bytes_done, bytes_total; /* sizes on disk */
  int64_t elapsed_ns;               /* since the hunt started */
  const char *phase;                /* "files" (sniff, scan) or "logs" */
  int final;                        /* 1: the last call of the hunt */
} sp_progress;

typedef struct sp_opts {
  int jobs;                      /* worker threads; <= 0 means all cores */
  const char *const *yara_paths; /* extra YARA rule files or folders */
  size_t n_yara;
  const char *baseline_dir; /* Microsoft per-build baseline CSVs, or NULL */
  int no_builtin_yara;      /* 1: do not load spoor's own YARA rules */
  /* Output locations the walk leaves out (the case directory written inside
   * the evidence), matched by device and inode when a hunt starts; listed in
   * the coverage with source "excluded". Copied by sp_engine_create. */
  const char *const *exclude_paths;
  size_t n_exclude;
  const char *const *disable; /* reader or detector names to turn off */
  size_t n_disable;
  /* When the intrusion was detected (ns since the epoch; 0: not given):
   * incidents' dwell time runs from their first evidence to this, else to
   * their last evidence. */
  int64_t detected_ns;
  /* Added in issue 7: Sigma rule files or folders (--rules), the lowest
   * level loaded (--min-level, NULL: all) and the statuses loaded
   * (--rule-status, comma list; NULL: all but deprecated and
   * unsupported). */
  const char *const *sigma_paths;
  size_t n_sigma;
  const char *sigma_min_level;
  const char *sigma_status;
  /* Indicator files or folders (--ioc; docs/IOC.md), format detected by
   * content; matched by the "ioc" detector. */
  const char *const *ioc_paths;
  size_t n_ioc;
  /* Network analytics: extra allow lists (CIDRs and domains, one a line),
   * RITA v5's beacon score instead of spoor's (1), and the memory budget
   * of their state in bytes (0: 3 GiB). Copied by sp_engine_create. */
  const char *const *net_allow;
  size_t n_net_allow;
  int rita_compat;
  size_t net_mem;
  /* Progress of a hunt (issue 10): when set, called from one thread at most
   * four times a second while the hunt runs, and once at its end (final 1).
   * The callback must not call back into the engine. */
  void (*progress)(void *user, const sp_progress *p);
  void *progress_user;
  /* Sigma `expand` placeholders (--sigma-placeholders, docs/SIGMA.md): a
   * YAML file of name -> string or list of strings, or NULL; with
   * sigma_placeholders_wildcard (--sigma-placeholders-wildcard) a
   * placeholder the file lacks becomes `*` instead of failing its rule. */
  const char *sigma_placeholders;
  int sigma_placeholders_wildcard;
} sp_opts;

typedef struct sp_engine sp_engine;
typedef struct sp_result sp_result;

/* Create an engine: compiles YARA rules and loads baselines. On failure
 * *out is NULL and diag (if given) says what failed and where. */
sp_err sp_engine_create(const sp_opts *opts, sp_engine **out, sp_diag *diag);
void sp_engine_destroy(sp_engine *eng);

/* The engine's registries, for listing (`spoor readers`): enabled reader and
 * detector names; NULL past the end. */
const char *sp_engine_reader_name(const sp_engine *eng, size_t i);
const char *sp_engine_detector_name(const sp_engine *eng, size_t i);

/* Hunt over files and folders. Damaged evidence never fails the hunt: it is
 * counted in the coverage. Fails on resource exhaustion, with SP_ENOENT (the
 * path in diag) when a path does not exist, and with SP_ENOENT when the
 * paths hold no file to read at all (empty folders, only skipped entries):
 * a typo must not look like clean evidence. */
sp_err sp_engine_hunt(sp_engine *eng, const char *const *paths, size_t n_paths,
                      sp_result **out, sp_diag *diag);

void sp_result_destroy(sp_result *res);

/* ---- findings ---------------------------------------------------------- */

typedef enum sp_ref_kind {
  SP_REF_LINE = 0,   /* a line number (1-based, physical line) */
  SP_REF_RECORD = 1, /* a record number (EVTX) */
  SP_REF_OFFSET = 2, /* a byte offset */
  SP_REF_PACKET = 3  /* a packet number (pcap) */
} sp_ref_kind;

typedef struct sp_evidence_ref {
  const char *path;
  uint64_t where; /* line, record or byte offset, as kind says */
  sp_ref_kind kind;
  int64_t ts; /* the evidence's time (ns, UTC), INT64_MIN if none */
  /* SP_REF_RECORD: the record's byte offset in the file (an EVTX record
   * id need not be unique in a forwarded log); UINT64_MAX when unknown */
  uint64_t offset;
} sp_evidence_ref;

typedef struct sp_entity {
  const char *field; /* ECS name, e.g. "source.ip" */
  const char *value;
} sp_entity;

typedef struct sp_finding {
  const char *rule_id;
  const char *rule_name;
  const char *ruleset;
  const char *rule_author;
  const char *rule_description;
  const char *techniques;    /* comma separated ATT&CK ids, or "" */
  const char *vulnerability; /* CVE id, or "" */
  sp_level level;
  int64_t first_ns; /* first evidence, ns since the epoch (UTC) */
  int64_t last_ns;
  uint64_t count;
  const sp_entity *entities;
  size_t n_entities;
  const sp_evidence_ref *evidence; /* bounded: the earliest references */
  size_t n_evidence;
  const char *reason; /* what matched, from the first hit; may be "" */
  /* Added in 0.1.x, at the end so the layout above stays as it was. */
  const char *id; /* stable id: 32 lower-case hex digits, the first 128 bits
                     of the SHA-256 of the rule id and the normalised
                     entities (docs/SCHEMA.md, "Finding id") */
  const sp_entity *norm_entities; /* normalised entities, canonical order:
                                     what the id is computed from */
  size_t n_norm_entities;
  /* A flood finding stands for many distinct findings of its rule
   * (docs/SCHEMA.md, spoor.flood): from one source (scope "source") or from
   * everywhere (scope "rule"). flood_scope is NULL for other findings. */
  const char *flood_scope;
  uint64_t flood_distinct; /* distinct findings it stands for */
  uint64_t flood_keys;     /* rule scope: distinct sources (flood keys) */
  int flood_estimated;     /* 1: counts estimated from a hash sample */
  /* Added in issue 6: URL of the public source of the rule's pattern, or
   * "" (docs/SCHEMA.md, rule.reference). */
  const char *reference;
} sp_finding;

size_t sp_result_finding_count(const sp_result *res);
const sp_finding *sp_result_finding(const sp_result *res, size_t i);

/* 1 when the finding's time is a file's modification time rather than a
 * log record's (rule ids yara.* and spoor.file.*, evidence by offset). */
int sp_finding_file_time(const sp_finding *f);

/* Which findings an output shows (--since, --until, --rule-include,
 * --rule-exclude). A finding passes when its evidence period overlaps
 * [since_ns, until_ns] (findings without a time always pass), its rule id
 * matches one include glob (fnmatch(3); none given: all) and no exclude
 * glob. A zeroed filter passes everything. */
typedef struct sp_filter {
  int64_t since_ns, until_ns; /* 0: open */
  const char *const *rule_include;
  size_t n_include;
  const char *const *rule_exclude;
  size_t n_exclude;
} sp_filter;

int sp_filter_match(const sp_filter *flt, const sp_finding *f);

/* Parse a date given on the command line: YYYY-MM-DD (midnight UTC) or RFC
 * 3339 (YYYY-MM-DDTHH:MM:SS[.frac](Z|+hh:mm|-hh:mm); a space for the T is
 * accepted). end_of_day 1: a bare date means its last nanosecond (for
 * --until). Returns SP_EINVAL on anything else. */
sp_err sp_parse_time_arg(const char *s, int end_of_day, int64_t *ns);

/* ---- incidents --------------------------------------------------------- */

/* The kinds of entity an incident lists (docs/SCHEMA.md, incidents). */
typedef enum sp_ient {
  SP_IENT_IP = 0, /* addresses: sources, destinations */
  SP_IENT_HOST,   /* servers and machines */
  SP_IENT_USER,   /* accounts */
  SP_IENT_DOMAIN, /* domain names */
  SP_IENT_FILE,   /* file paths, script names and hashes */
  SP_IENT__COUNT
} sp_ient;

const char *sp_ient_name(sp_ient k); /* "ip", "host", "user", ... */

/* Findings linked through the entities they share, weighted by how common
 * each entity is (a hub that many unrelated findings share does not link
 * them), as one intrusion story. */
typedef struct sp_incident {
  const char *id;            /* 32 lower-case hex: from its findings' ids */
  sp_level level;            /* the highest of its findings */
  int64_t first_ns, last_ns; /* earliest and latest evidence of its findings */
  double dwell_days;         /* first evidence to sp_opts.detected_ns, or to
                                the last evidence */
  const char *const *entities[SP_IENT__COUNT]; /* sorted, each once */
  size_t n_entities[SP_IENT__COUNT];
  const char *const *tactics; /* ATT&CK tactics (short names such as
                                 "initial-access"), in kill-chain order */
  size_t n_tactics;
  const size_t *findings; /* indexes into the result's findings, by time */
  size_t n_findings;
  const char *summary; /* narrative in time order, lines ending in '\n' */
  /* The exposure window of the servers it came through (spoor.exchange.
   * exposure.* findings on its hosts); INT64_MIN when none is known. */
  int64_t exposed_from_ns, exposed_to_ns;
} sp_incident;

/* Incidents, highest level first, then earliest first. */
size_t sp_result_incident_count(const sp_result *res);
const sp_incident *sp_result_incident(const sp_result *res, size_t i);
/* The incident finding i belongs to, or NULL (none, or below medium). */
const sp_incident *sp_result_finding_incident(const sp_result *res, size_t i);

/* ---- coverage ---------------------------------------------------------- */

typedef struct sp_file_cov {
  const char *path;
  const char *source; /* reader name ("iis", "exchange_httpproxy", ...),
                         "file" for the file scanner, "unknown" if none */
  uint64_t bytes;     /* bytes read (after decompression) */
  uint64_t events;    /* events produced */
  uint64_t malformed; /* lines or records skipped */
  int64_t first_ns;   /* INT64_MIN if no timestamp was seen */
  int64_t last_ns;
  const char *error; /* first error on this file, or NULL */
  const char *note;  /* a deliberate limit applied (not damage), or NULL */
  const char *const *samples; /* first few "path:line: reason" messages */
  size_t n_samples;
} sp_file_cov;

typedef struct sp_source_cov {
  const char *source;
  uint64_t files, bytes, events, malformed;
  int64_t first_ns, last_ns;
} sp_source_cov;

size_t sp_result_file_count(const sp_result *res);
const sp_file_cov *sp_result_file(const sp_result *res, size_t i);
size_t sp_result_source_count(const sp_result *res);
const sp_source_cov *sp_result_source(const sp_result *res, size_t i);
/* Total malformed lines, unreadable and unidentified files. */
uint64_t sp_result_problems(const sp_result *res);

/* A budget the hunt reached, so something was dropped or cut: name is
 * "<subsystem>.<budget>" ("spray.sources", "findings.overflow"), detail says
 * what count counts ("failed logons from sources beyond ..."). Counts do not
 * depend on -j. Limits are sorted by name; only non-zero counts appear. */
typedef struct sp_limit {
  const char *name;
  const char *detail;
  uint64_t count;
} sp_limit;

size_t sp_result_limit_count(const sp_result *res);
const sp_limit *sp_result_limit(const sp_result *res, size_t i);

/* ---- built-in rules -------------------------------------------------- */

typedef struct sp_rule_info {
  const char *id, *name, *ruleset, *author, *description, *techniques,
      *vulnerability;
  sp_level level;
  const char *reference; /* URL of the public source, or "" */
} sp_rule_info;

/* The built-in (non-YARA) rules, for listing and documentation. */
size_t sp_rule_count(void);
sp_err sp_rule_get(size_t i, sp_rule_info *out);

/* Every rule an engine can report: the built-in rules (as sp_rule_get, same
 * order), then one per compiled YARA rule that is not private, in compile
 * order (spoor's embedded rules unless no_builtin_yara, then the yara_paths
 * files), with the id, level, CVE, techniques and name its findings carry
 * ("yara.<rule>"), then the loaded Sigma rules (sigma_paths; ruleset
 * "sigma"). Strings live as long as the engine. sp_engine_rule_get
 * returns SP_EINVAL past the end. */
size_t sp_engine_rule_count(const sp_engine *eng);
sp_err sp_engine_rule_get(const sp_engine *eng, size_t i, sp_rule_info *out);

/* The Sigma load report of an engine made with sigma_paths: one entry per
 * rule document (`spoor rules check`). state: 0 loaded, 1 failed (reason
 * says why), 2 left out by --min-level or --rule-status. Strings live as
 * long as the engine; SP_EINVAL past the end. */
typedef struct sp_sigma_status {
  const char *path, *id, *title, *reason;
  int state;
  int correlation; /* 1: a correlation rule */
} sp_sigma_status;
size_t sp_engine_sigma_count(const sp_engine *eng);
sp_err sp_engine_sigma_get(const sp_engine *eng, size_t i,
                           sp_sigma_status *out);

/* ---- output ------------------------------------------------------------ */

typedef enum sp_format {
  SP_FORMAT_JSONL = 0,
  SP_FORMAT_CSV,
  SP_FORMAT_TABLE
} sp_format;

/* Write findings in a format. Every evidence string is escaped for the
 * format: JSON escaping, CSV quoting with formula neutralization, and no
 * control or escape characters in the table. Returns SP_EIO on write error. */
sp_err sp_write_findings(const sp_result *res, sp_format fmt, FILE *out);
/* Write the coverage report as one JSON document. */
sp_err sp_write_coverage_json(const sp_result *res, FILE *out);
/* Write the incidents, one JSON object per line (docs/SCHEMA.md). */
sp_err sp_write_incidents_jsonl(const sp_result *res, FILE *out);
/* Write the findings as a CSV timeline Timesketch imports (message,
 * datetime, timestamp_desc, then attributes). */
sp_err sp_write_timeline_csv(const sp_result *res, FILE *out);
/* Write findings, incidents, entities, evidence and coverage into a new
 * SQLite database at path (emptied first if it exists; schema in
 * docs/SCHEMA.md). */
sp_err sp_write_case_sqlite(const sp_result *res, const char *path);

/* The terminal table and closing summary (issue 10). color 1: severity
 * colours as ANSI escapes (the caller decides: a terminal, no NO_COLOR, no
 * --no-color). filter may be NULL. */
typedef struct sp_table_opts {
  int color;
  const sp_filter *filter;
} sp_table_opts;

/* Findings as a table with a header row: hashes are never cut, every cut
 * value ends in "…", file modification times are labelled "(file mtime)". */
sp_err sp_write_table(const sp_result *res, const sp_table_opts *o, FILE *out);
/* JSON Lines or CSV (or the table) of the findings that pass filter. */
sp_err sp_write_findings_filtered(const sp_result *res, sp_format fmt,
                                  const sp_filter *filter, FILE *out);
/* The closing summary, as Hayabusa's: the incidents (level, first evidence,
 * dwell, first line of the narrative), the top rules and hosts, and the
 * first and last evidence per level, over the findings filter passes. */
sp_err sp_write_summary(const sp_result *res, const sp_table_opts *o,
                        FILE *out);

/* ---- case directory ---------------------------------------------------- */

/* What run.json records about a run. Every pointer may be NULL (written as
 * null or []); strings are JSON-escaped. */
typedef struct sp_run_info {
  const char *const *argv; /* the command line, argv[0] first */
  size_t argc;
  int64_t start_ns, end_ns; /* ns since the epoch; INT64_MIN: unknown */
  const char *const *roots; /* evidence paths as given */
  size_t n_roots;
  const sp_opts *opts; /* the engine's options: YARA, baseline, exclusions */
  const char *host;    /* host name; NULL: asked from the system */
} sp_run_info;

/* report.html: one self-contained HTML file (no network access; inline
 * style and script allowed by hash in a Content-Security-Policy): the
 * incidents with narratives and SVG timelines, an SVG chart of the evidence
 * coverage, and a findings table that sorts and filters. Every evidence
 * string is HTML-escaped. run may be NULL. */
sp_err sp_write_report_html(const sp_result *res, const sp_run_info *run,
                            FILE *out);

/* Write run.json: spoor's version, argv, start and end (RFC 3339 UTC), host
 * name, rule sets (built-in rule count, built-in YARA on or off, YARA paths
 * and baseline folder as given and absolute), and the evidence roots as
 * given and absolute (null when the path cannot be resolved). Returns
 * SP_EIO on write error. */
sp_err sp_write_run_json(const sp_run_info *run, FILE *out);

/* A case directory held by one run: findings.jsonl, findings.csv,
 * coverage.json and run.json (written last, so a case with run.json is
 * complete). Each file is written under a temporary name in the directory,
 * fsync'd and renamed, so a reader never sees half a file. */
typedef struct sp_case sp_case;

typedef struct sp_case_opts {
  int force; /* 1: write into a folder that is not empty (replace a case) */
} sp_case_opts;

/* Prepare dir before a hunt: create it (its parent must exist), lock it
 * with dir/.spoor.lock (SP_EBUSY naming the holder's pid while another run
 * holds it), refuse a folder that is not empty unless opts->force
 * (SP_EEXIST; an earlier case is named as such), and test that a file can
 * be created in it. opts may be NULL. On failure *out is NULL and diag
 * says what failed. */
sp_err sp_case_open(const char *dir, const sp_case_opts *opts, sp_case **out,
                    sp_diag *diag);
/* Write the result's files and run.json (run may be NULL: version, host
 * and rules only). */
sp_err sp_case_write(sp_case *c, const sp_result *res, const sp_run_info *run,
                     sp_diag *diag);
/* Release the lock. A directory this case created and never wrote is
 * removed again. Accepts NULL. */
void sp_case_close(sp_case *c);

/* sp_case_open (no force), sp_case_write without run info, sp_case_close. */
sp_err sp_write_case_dir(const sp_result *res, const char *dir, sp_diag *diag);

/* Write an evidence-controlled string for a terminal: control, bidi and
 * zero-width characters and invalid UTF-8 are shown escaped. max_cols 0
 * means no width limit. */
void sp_write_term(FILE *out, const char *s, size_t max_cols);

/* Format ns since the epoch as RFC 3339 UTC with milliseconds into buf
 * (at least 32 bytes). INT64_MIN gives "". */
void sp_format_time(int64_t ns, char *buf, size_t cap);

#ifdef __cplusplus
}
#endif
#endif
