/*
 * sigma_int.h - the compiled form of Sigma rules, shared by the compiler
 * (sigma_compile.c, sigma_cond.c, sigma_value.c), the loader
 * (sigma_load.c), the matcher (sigma_match.c) and correlation
 * (sigma_corr.c).
 *
 * Ownership: everything a set compiles lives in its arena (sg_arena) and
 * dies with sp_sigma_destroy, except PCRE2 codes, which the set lists and
 * frees. Compiled objects never change after sp_sigma_finish.
 */
#ifndef SP_SIGMA_SIGMA_INT_H
#define SP_SIGMA_SIGMA_INT_H

#define PCRE2_CODE_UNIT_WIDTH 8
#include "core/ip.h"
#include "sigma/sigma.h"

#include <pcre2.h>
#include <stdbool.h>
#include <yaml.h>

/* ---- arena ------------------------------------------------------------ */
typedef struct sg_chunk sg_chunk;
typedef struct sg_arena {
  sg_chunk *head;
  size_t used, cap;
} sg_arena;
void *sg_alloc(sg_arena *a, size_t n); /* zeroed; NULL when out of memory */
char *sg_strndup(sg_arena *a, const char *s, size_t n);
void sg_arena_free(sg_arena *a);

/* ---- string patterns -------------------------------------------------- */
/* Glob program ops: a byte 0..255, or one of these. */
enum { SG_OP_STAR = 256, SG_OP_QMARK = 257, SG_OP_DASH = 258 };
enum { SG_P_EXACT, SG_P_PREFIX, SG_P_SUFFIX, SG_P_CONTAINS, SG_P_GLOB };

typedef struct sg_pat {
  uint8_t kind;    /* SG_P_* */
  bool cased;      /* compare bytes as they are (else ASCII case folded) */
  const char *lit; /* the literal of the fast kinds (folded unless cased) */
  size_t n;
  const uint16_t *ops; /* SG_P_GLOB: the program (bytes folded unless cased) */
  size_t nops;
} sg_pat;

/* ---- values ----------------------------------------------------------- */
enum {
  SG_V_STR,      /* a string pattern */
  SG_V_RE,       /* a PCRE2 regex (search) */
  SG_V_NUM,      /* a number: equal, or lt/lte/gt/gte */
  SG_V_CIDR,     /* an address range */
  SG_V_EXISTS,   /* the field exists (b) or not */
  SG_V_NULL,     /* absent or empty */
  SG_V_FIELDREF, /* equal to (or contains/starts/ends with) another field */
  SG_V_TIME      /* a part of a timestamp (minute..year) compared */
};
enum { SG_CMP_EQ, SG_CMP_LT, SG_CMP_LTE, SG_CMP_GT, SG_CMP_GTE, SG_CMP_NEQ };
enum {
  SG_TP_MINUTE,
  SG_TP_HOUR,
  SG_TP_DAY,
  SG_TP_WEEK,
  SG_TP_MONTH,
  SG_TP_YEAR
};

typedef struct sg_val {
  uint8_t type; /* SG_V_* */
  uint8_t cmp;  /* SG_CMP_* (SG_V_NUM, SG_V_TIME) */
  uint8_t part; /* SG_TP_* (SG_V_TIME); SG_P_* mode of SG_V_FIELDREF */
  bool b;       /* SG_V_EXISTS; SG_V_FIELDREF: cased */
  bool is_int;  /* SG_V_NUM: num is an integer (inum) */
  sg_pat pat;   /* SG_V_STR */
  pcre2_code *re;
  double num;
  int64_t inum;
  sp_ip net;
  unsigned prefix;
  int ref;           /* SG_V_FIELDREF: field id */
  uint32_t grp;      /* the written value it came from (|all counts groups) */
  uint32_t pid;      /* prefilter pattern id (sigma_prefilter.c), 0: none */
  uint32_t nec;      /* SG_P_GLOB: pid of its longest literal run, which every
                        value it matches contains (a necessary condition), 0: none;
                        SG_V_RE: of relit */
  const char *relit; /* SG_V_RE: a literal every match contains (relit.h;
                        in some ASCII case when the regex is caseless), or
                        NULL (inline options other than a leading (?i)) */
  uint32_t relit_n;
} sg_val;

/* One `field|modifiers: values` entry; field -1 for keywords (any field). */
typedef struct sg_item {
  int field;
  const char *fname; /* the event field's name (static for the life of the
                        set), for reasons */
  bool all;          /* every value must match (|all), else any */
  sg_val *vals;
  size_t n;
  uint32_t iid;     /* prefilter item id when every value has a pid, else 0 */
  uint32_t gid;     /* gate id when every value has a pid or nec, else 0 */
  uint32_t ngroups; /* written values (|all needs each) */
} sg_item;

typedef struct sg_map { /* AND of items */
  sg_item *items;
  size_t n;
} sg_map;

typedef struct sg_sel { /* OR of maps */
  sg_map *maps;
  size_t n;
} sg_sel;

/* Condition nodes, in an array; the root is the last. */
enum { SG_C_SEL, SG_C_AND, SG_C_OR, SG_C_NOT, SG_C_TRUE, SG_C_FALSE };
typedef struct sg_cond {
  uint8_t op;
  int a, b; /* children (node indices) or the selection index (a) */
} sg_cond;

/* A log source mapping (sigma_logsource.c). */
typedef struct sg_logsource {
  const char *product, *category, *service; /* NULL: not set */
  const char *kind;                         /* spoor source kind */
  const char *channel;                      /* NULL: any */
  int eid;                                  /* -1: any */
  const char *cond_field, *cond_value;      /* extra equality, or NULL */
  const char *const *renames; /* pairs: Sigma name, event name; NULL end */
} sg_logsource;

/* The log sources a rule's logsource maps to: out[0..n), at most cap. */
size_t sg_logsource_find(const char *product, const char *category,
                         const char *service, const sg_logsource **out,
                         size_t cap);
const sg_logsource *sg_logsource_at(size_t i);

/* A compiled rule for one log source (a rule with several mappings has one
 * variant per mapping, fields renamed). */
typedef struct sg_variant {
  uint32_t rule; /* index into set->rules */
  const sg_logsource *ls;
  int cond_field;    /* extra condition of the log source, or -1 */
  sg_pat cond_value; /* its value (exact, case folded) */
  sg_sel *sels;
  size_t nsel;
} sg_variant;

/* Correlation types. */
enum {
  SG_CORR_EVENT_COUNT,
  SG_CORR_VALUE_COUNT,
  SG_CORR_TEMPORAL,
  SG_CORR_TEMPORAL_ORDERED
};

typedef struct sg_corr {
  uint8_t type;
  uint8_t cmp_lo, cmp_hi; /* SG_CMP_*; cmp_hi used for range */
  bool has_hi;
  int64_t lo, hi; /* thresholds */
  int64_t timespan_ns;
  const char **refs;   /* base rule ids or names */
  uint32_t *ref_rules; /* resolved rule indices */
  size_t nref;
  const char **group; /* group-by field names */
  int *group_fields;  /* ids */
  size_t ngroup;
  const char *vfield; /* value_count: the field */
  int vfield_id;
} sg_corr;

typedef struct sg_rule {
  sp_rule meta;     /* id, title, ruleset "sigma", author, ... */
  const char *name; /* the rule's `name` (correlation references), or NULL */
  const char *path;
  sg_cond *cond; /* shared by its variants */
  size_t ncond;
  int root;           /* the condition's root node */
  sg_corr *corr;      /* a correlation rule, or NULL */
  bool correlated;    /* referred to by a correlation */
  bool generates;     /* its own matches give findings */
  bool corr_generate; /* a correlation's `generate: true` */
  size_t report;      /* its load report entry */
} sg_rule;

/* A bucket of the index: the variants for (kind, channel, event id). */
typedef struct sg_bucket {
  uint64_t hash;
  int kind;
  const char *channel; /* folded; NULL: any */
  int eid;             /* -1: any */
  uint32_t *vars;
  size_t n, cap;
  uint32_t *ungated; /* its variants the prefilter cannot gate */
  size_t nung;
} sg_bucket;

/* A literal matcher (sigma_prefilter.c): patterns looked for anywhere in
 * a value (contains), at its start (prefix, exact) or at its end (suffix),
 * found through a hash of a short gram of each pattern and verified in
 * full. */
enum { SG_LM_ANY, SG_LM_START, SG_LM_END };
typedef struct sg_lment {
  uint64_t w;   /* the gram's bytes (zero padded) */
  uint32_t pat; /* pattern index */
  uint32_t chk; /* 4 other bytes of the pattern (its last, or its first when
                   chk_first), compared before the whole (length > gram) */
  uint8_t g;    /* gram length */
  uint8_t k;    /* the gram's offset in the pattern (SG_LM_ANY) */
  uint8_t cls;  /* SG_LM_* */
  uint8_t cased;
  uint8_t chk_first;
} sg_lment;
typedef struct sg_lm {
  unsigned bbits, fbits; /* log2 of buckets, of filter bits */
  unsigned step;         /* SG_LM_ANY: look at every step-th position */
  bool joinable; /* only caseless SG_LM_ANY patterns without a 0 byte: values
                    joined by 0 bytes can be scanned at once */
  uint32_t *off; /* buckets + 1 entry offsets, NULL: empty */
  sg_lment *ent;
  uint64_t *filter;   /* a bit per hash prefix of fbits bits: some gram */
  uint64_t *sfilter;  /* 65536 bits by the first two bytes of a short (1 to
                         3 bytes) SG_LM_ANY gram, or NULL: none */
  uint64_t *pfilter;  /* stepped scans (step > 1) of few grams: 65536 bits by
                         the first two bytes of an SG_LM_ANY 4-byte gram, in
                         every case of a caseless one, or NULL */
  uint8_t glen[2][3]; /* [cased][SG_LM_*]: bit g-1 when a gram has length g */
  /* integer equalities (SG_V_NUM, SG_CMP_EQ): key to pattern, open
   * addressing over 1 << nbits slots (npat UINT32_MAX: empty), or nbits 0 */
  unsigned nbits;
  int64_t *nkey;
  uint32_t *npat;
} sg_lm;
#define SG_NUM_EXACT (INT64_C(1) << 53) /* integers a double holds exactly */
/* The pattern of integer key in lm's table, or UINT32_MAX. */
uint32_t sg_lm_num(const sg_lm *lm, int64_t key);
/* Report the occurrences of the patterns of lm in a value of n bytes (fold:
 * its ASCII lower-case copy, raw: as is): hit(ctx, pattern, end offset).
 * A pattern looked for anywhere is reported once per epoch (seen, by
 * pattern: the epoch it was found in); at the start or end, each time. */
typedef struct sg_lm_run {
  void (*hit)(void *ctx, uint32_t pat, size_t to);
  void *ctx;
  uint32_t *seen;
  uint32_t epoch;
} sg_lm_run;
struct sp_sigma;
void sg_lm_scan(const struct sp_sigma *s, const sg_lm *lm, const char *fold,
                const char *raw, size_t n, sg_lm_run *r);

/* A pid a pattern stands for, with what a hit needs (its bucket row, so
 * that the hits of other log sources are skipped; its anchor, item and
 * gate) beside it: a hit reads one entry, not five tables. */
typedef struct sg_fan {
  uint32_t pid, row;
  uint32_t item, gslot, gid; /* pf_item, pf_gslot, pf_gid of the pid */
  uint8_t kind;              /* pf_kind */
} sg_fan;

struct sp_sigma {
  sg_arena arena;
  sp_names *names;
  int min_level;        /* sp_level */
  unsigned status_mask; /* bit per SG_ST_* admitted */
  sg_rule *rules;
  size_t nrules, caprules;
  sg_variant *vars;
  size_t nvars, capvars;
  sp_sigma_entry *report;
  size_t nreport, capreport;
  pcre2_code **codes;
  size_t ncodes, capcodes;
  sg_bucket *buckets; /* open addressing, power of two */
  size_t nbuckets, capbuckets;
  int *kind_any; /* per kind id: has buckets (bit 0), has channel buckets */
  size_t nkinds;
  int f_channel, f_eventid, f_provider;
  bool no_prefilter; /* sp_sigma_opts.no_prefilter */
  /* Prefilter (sigma_prefilter.c): one literal matcher per field over
   * the literal values of every rule testing it. A pattern is a distinct
   * (field, literal, case); it stands for the pids
   * pf_fan[pf_fan_off[u]..pf_fan_off[u+1]). */
  sg_lm *pf_lm; /* by field id (pf_nslots), off NULL: none (keywords: the
                   buckets' bk_kw) */
  size_t pf_nslots;
  uint32_t npids, npats;
  const char **pf_plit; /* by pattern: its bytes (folded unless cased) */
  uint32_t *pf_plen;    /* by pattern: its length */
  uint32_t *pf_fan_off;
  sg_fan *pf_fan;
  /* By bucket (index in buckets): its row in bk_fmask, 0: none; row r
   * (from 1) at bk_fmask[(r - 1) * (pf_nslots + 1)]: 1 for each field some
   * variant of the bucket has a pid on, the last byte for keywords. Only
   * those fields of an event are scanned. */
  uint32_t *bk_row;
  uint8_t *bk_fmask;
  sg_lm *bk_kw;     /* by row - 1: the keyword patterns of its variants */
  uint32_t *pf_row; /* by pid (or nec): the row of its variants' bucket,
                       UINT32_MAX: several (hits there matter only when the
                       event is in that bucket) */
  size_t bk_nrows;
  /* by pid, while building (copied into pf_fan, then freed): */
  uint8_t *pf_kind;   /* by pid: SG_P_* */
  uint32_t *pf_len;   /* by pid: the literal's length */
  uint32_t *pf_item;  /* by pid: its item's iid, or 0 */
  uint32_t *pf_gid;   /* by pid (or nec): its item's gid, or 0 */
  uint32_t *pf_gslot; /* by pid: slot of its (item, written value) */
  uint32_t niids, ngslots, ngids;
  /* Variants that cannot match unless every gate item of one of a few
   * maps is hit: a "gate map" (gm) per such (variant, map), which wakes
   * its variant when all gm_need[gm] of its gate items were hit; by gid,
   * the gate maps its item is in (CSR: gid_gm_off[gid]..gid_gm_off[gid+1]). */
  uint8_t *var_gated;   /* by variant: 1 when it has such a set */
  uint32_t *gid_gm_off; /* ngids + 2 offsets */
  uint32_t *gid_gms;
  uint32_t ngms;
  uint32_t *gm_var;     /* by gm: the variant it wakes */
  uint32_t *gm_need;    /* by gm: its gate items */
  uint32_t *var_bucket; /* by variant: its bucket's index in buckets */
  size_t max_sels;
  size_t rule_values; /* values compiled for the current document */
  bool finished;
  struct sg_ph *ph; /* `expand` placeholders (sigma_placeholder.c), or NULL */
  yaml_document_t *ydocs; /* a file's documents from sg_yaml_fast_load */
};

enum {
  SG_ST_STABLE,
  SG_ST_TEST,
  SG_ST_EXPERIMENTAL,
  SG_ST_DEPRECATED,
  SG_ST_UNSUPPORTED,
  SG_ST_NONE,
  SG_ST__COUNT
};

const sg_bucket *sg_bucket_find(const sp_sigma *s, int kind, const char *ch,
                                size_t chn, int eid);

/* Build / free the prefilter (after compilation, before matching). */
sp_err sg_prefilter_build(sp_sigma *s);
void sg_prefilter_free(sp_sigma *s);

/* ---- compiler pieces -------------------------------------------------- */
/* The error of a rule being compiled: first reason wins. */
typedef struct sg_cerr {
  char msg[256];
  bool set;
} sg_cerr;
void sg_fail(sg_cerr *e, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Compile one detection value of an item into vals (appends; may produce
 * several values: base64offset, utf16). mods are the modifier names. */
typedef struct sg_mods {
  bool contains, startswith, endswith, all, cased, windash, re, re_i, re_m,
      re_s, base64, base64offset, cidr, exists, fieldref, expand, utf16le,
      utf16be, utf16, wide, neq;
  int cmp;          /* SG_CMP_* from lt/lte/gt/gte, or -1 */
  int part;         /* SG_TP_* or -1 */
  int enc_order[4]; /* order of encodings: 1 utf16le 2 utf16be 3 utf16 4
                       base64 5 base64offset */
  int nenc;
} sg_mods;
bool sg_mods_parse(const char *s, size_t n, sg_mods *m, sg_cerr *e);
/* A scalar's value: text and whether it was plain (numbers, null, bools). */
typedef struct sg_scalar {
  const char *p;
  size_t n;
  bool plain; /* unquoted YAML scalar */
} sg_scalar;
bool sg_value_compile(sp_sigma *s, const sg_mods *m, sg_scalar v, sg_val **vals,
                      size_t *n, size_t *cap, sg_cerr *e);
/* Compile a string pattern (Sigma wildcards and escapes) with an implied
 * wildcard before (lead) and after (trail). */
bool sg_pat_compile(sg_arena *a, const char *p, size_t n, bool cased,
                    bool windash, bool lead, bool trail, sg_pat *out);
bool sg_pat_compile_ex(sg_arena *a, const char *p, size_t n, bool esc,
                       bool cased, bool windash, bool lead, bool trail,
                       sg_pat *out);
bool sg_pat_match(const sg_pat *p, const char *s, size_t n);

/* Condition: parse text against the selection names into nodes. */
bool sg_cond_parse(sg_arena *a, const char *text, size_t len,
                   const char *const *sel_names, size_t nsel, sg_cond **nodes,
                   size_t *nnodes, int *root, sg_cerr *e);

/* sigma_yaml.c: the documents of a rule file read by the fast reader of
 * the YAML subset Sigma rules use, into docs[0..*ndocs) (at most max);
 * -1 when the text is outside the subset (nothing kept: read it with
 * libyaml), 0 when read. */
int sg_yaml_fast_load(const char *text, size_t len, yaml_document_t *docs,
                      size_t max, size_t *ndocs);
/* Compile one YAML document (a rule or a correlation) into the set. */
void sg_compile_doc(sp_sigma *s, const char *path, yaml_document_t *doc,
                    yaml_document_t *global);

/* Register the set's report entry. */
sp_sigma_entry *sg_report_add(sp_sigma *s, const char *path, const char *id,
                              const char *title, int state, const char *reason,
                              int correlation);

#endif
