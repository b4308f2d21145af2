/*
 * sigma.h - the Sigma rule engine: loads Sigma rule files (YAML, Sigma
 * specification 2.x: detection rules and correlation rules), compiles them
 * once against an engine's interned names, and matches events.
 *
 * A compiled set (sp_sigma) is read-only after sp_sigma_load and shared by
 * every worker; per-worker matching state (regex match data, lower-case
 * cache, selection memo) lives in an sp_sigma_mctx. The engine registers the
 * set as the run-wide input "sigma"; detect/sigma.c is its detector.
 *
 * Every rule that cannot be loaded is kept in the load report with its file
 * and reason; nothing is dropped silently. Limits: SG_MAX_FILE_BYTES per rule
 * file, SG_MAX_DEPTH of YAML nesting, SG_MAX_RULES rules per set,
 * SG_MAX_VALUES values per item after expansion, SG_MAX_RULE_VALUES per
 * rule (YAML aliases may repeat one list many times).
 */
#ifndef SP_SIGMA_SIGMA_H
#define SP_SIGMA_SIGMA_H

#include "event/event.h"
#include "event/names.h"
#include "findings/findings.h"
#include "spoor/spoor.h"

#define SG_MAX_FILE_BYTES (1u << 20)
#define SG_MAX_DEPTH 32
#define SG_MAX_RULES 100000
#define SG_MAX_VALUES 65536
#define SG_MAX_SELS 256
#define SG_MAX_RULE_VALUES 200000 /* values per rule, all items */

typedef struct sp_sigma sp_sigma;
typedef struct sp_sigma_mctx sp_sigma_mctx;

typedef struct sp_sigma_opts {
  const char *min_level; /* informational..critical, or NULL: all */
  const char *status;    /* comma list ("stable,test"), or NULL: all but
                            deprecated and unsupported */
  /* `expand` placeholders (docs/SIGMA.md "Placeholders"): a YAML file of
   * name -> string or list of strings, or NULL; placeholders_wildcard: a
   * placeholder the file lacks becomes `*` instead of failing its rule. */
  const char *placeholders;
  int placeholders_wildcard;
  /* tests and fuzzing: no prefilter (every variant of an event's log
   * sources evaluated, every value tested directly), the reference the
   * prefilter's gates and caches must agree with */
  int no_prefilter;
} sp_sigma_opts;

/* Load every .yml/.yaml file under the paths (files or folders, walked in
 * sorted order) and compile the rules against names. Fails only on bad
 * options, a missing path (SP_ENOENT, named in diag) or memory; a rule that
 * cannot be loaded is reported (sp_sigma_report_*). */
sp_err sp_sigma_load(const char *const *paths, size_t n, const sp_sigma_opts *o,
                     sp_names *names, sp_sigma **out, sp_diag *diag);
/* Compile rules from memory (tests, fuzzers); path names them in the
 * report. Adds to an existing set made by sp_sigma_create. */
sp_err sp_sigma_create(const sp_sigma_opts *o, sp_names *names, sp_sigma **out,
                       sp_diag *diag);
sp_err sp_sigma_add_text(sp_sigma *s, const char *path, const char *text,
                         size_t len);
/* Resolve correlation references and build the index; call once after the
 * last sp_sigma_add_text (sp_sigma_load does). */
sp_err sp_sigma_finish(sp_sigma *s);
void sp_sigma_destroy(sp_sigma *s);

/* The load report: one entry per rule document seen. */
enum { SG_LOADED = 0, SG_FAILED = 1, SG_FILTERED = 2 };
typedef struct sp_sigma_entry {
  const char *path;
  const char *id;     /* rule id, or "" */
  const char *title;  /* or "" */
  const char *reason; /* why it failed or was filtered, or "" */
  int state;          /* SG_* */
  int correlation;    /* 1: a correlation rule */
} sp_sigma_entry;
size_t sp_sigma_report_count(const sp_sigma *s);
const sp_sigma_entry *sp_sigma_report(const sp_sigma *s, size_t i);
/* Loaded detection and correlation rules. */
size_t sp_sigma_rule_count(const sp_sigma *s);
const sp_rule *sp_sigma_rule_at(const sp_sigma *s, size_t i);

/* Matching (per worker). */
sp_err sp_sigma_mctx_create(const sp_sigma *s, sp_sigma_mctx **out);
void sp_sigma_mctx_destroy(sp_sigma_mctx *m);

/* One rule match: the rule, the compiled rule's index (for correlation) and
 * the first item that matched (field name, value) for the reason. */
typedef struct sp_sigma_match {
  const sp_rule *rule;
  size_t rule_index;
  const char *field;
  sp_str value;
} sp_sigma_match;

/* Test an event against the rules of its log source; cb is called once per
 * matching rule. Returns the number of rules that matched. */
size_t sp_sigma_match_event(const sp_sigma *s, sp_sigma_mctx *m,
                            const sp_event *ev,
                            void (*cb)(const sp_sigma_match *, void *),
                            void *user);
/* Regex evaluations that hit PCRE2's match limit (counted as no match). */
uint64_t sp_sigma_mctx_regex_limits(const sp_sigma_mctx *m);
/* The rule variants whose conditions were evaluated so far (the work the
 * prefilter's gates left; for tests and profiling). */
uint64_t sp_sigma_mctx_evals(const sp_sigma_mctx *m);

/* Correlation (sigma_corr.c): state per detector instance. */
typedef struct sp_sigma_corr sp_sigma_corr;
/* cap: records kept in all instances that share *used (a hunt-wide
 * counter), or in this instance when used is NULL. */
sp_err sp_sigma_corr_create(const sp_sigma *s, size_t cap, _Atomic size_t *used,
                            sp_sigma_corr **out);
void sp_sigma_corr_destroy(sp_sigma_corr *c);
/* Record a base-rule match (no-op when no correlation refers to it). */
void sp_sigma_corr_add(sp_sigma_corr *c, const sp_sigma_match *m,
                       const sp_event *ev);
void sp_sigma_corr_merge(sp_sigma_corr *dst, sp_sigma_corr *src);
/* Evaluate every correlation and add its findings. */
void sp_sigma_corr_end(sp_sigma_corr *c, sp_fset *out);
/* True when some loaded correlation refers to rule i. */
bool sp_sigma_rule_correlated(const sp_sigma *s, size_t i);
/* False for a base rule a correlation marks "generate: false" (its own
 * matches give no finding). */
bool sp_sigma_rule_generates(const sp_sigma *s, size_t i);

/* Placeholders from memory (tests, fuzzers): replaces the set's table;
 * call before sp_sigma_add_text. path names the text in diag. SP_EINVAL
 * with diag ("path: line N: why") on a malformed or over-limit file. */
sp_err sp_sigma_set_placeholders(sp_sigma *s, const char *path,
                                 const char *text, size_t len, bool wildcard,
                                 sp_diag *diag);
/* Placeholders in the set's table (0 without a file). */
size_t sp_sigma_placeholder_count(const sp_sigma *s);

#endif
