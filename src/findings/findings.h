/*
 * findings.h - rules, hits and the aggregating finding set.
 *
 * Detectors report hits: one rule matched one piece of evidence, with the
 * entities it concerns. A finding set (sp_fset) aggregates hits of the same
 * rule on the same entity values into one finding with a count, first and
 * last time and a bounded list of the earliest evidence references.
 *
 * Each worker thread owns one sp_fset; sets are merged at the end, so the hot
 * path takes no lock. Ordering of kept evidence is by (time, file id, line),
 * and file ids follow sorted paths, so results do not depend on scheduling.
 *
 * Floods, in two steps; both depend only on the hits, so any -j and any
 * order give the same findings:
 *  - source flood: findings of one rule that share a flood key (their
 *    source.ip, or their first entity when they have no source address)
 *    form a group; past SP_FSET_FLOOD distinct findings the group becomes
 *    one finding keyed by the flood key alone (a scanner that tries every
 *    URL from one address is one finding, not 98,000);
 *  - rule flood: past SP_FSET_RULE_FLOOD units (below) in one rule, all of
 *    its findings become one finding without entities (a flood from a pool
 *    of 100,000 addresses is one finding).
 * A flood finding keeps the exact count, first and last time and the
 * earliest references, and says how many distinct findings (and, for a rule
 * flood, distinct flood keys) it stands for: exact up to
 * SP_FSET_FLOOD_SAMPLE, then estimated from a hash sample.
 *
 * Limits: at most SP_FSET_MAX_FINDINGS units per set, where a finding is one
 * unit, a source flood SP_FSET_FLOOD + 1 and a rule flood
 * SP_FSET_RULE_FLOOD + 1: what they held before they became one, a measure
 * that only grows with the input, which keeps the choice below independent
 * of order. When a set would overflow it keeps the rules of lowest rank
 * (level first, then a hash of the rule id) and counts the hits of the
 * others in `dropped` (reported as the limit "findings.overflow"). The rank
 * depends only on the rule, never on arrival order, so the kept set is the
 * same for any -j. SP_MAX_EVIDENCE references per finding (the earliest:
 * aggregation, not a loss: the count stays exact), SP_MAX_ENTITY_LEN bytes
 * per entity value (longer values are cut and counted as the limit
 * "findings.entity_cut"), SP_MAX_REASON_LEN bytes per reason (it only
 * describes the first evidence, which the references point at).
 * Budgets reached by anyone travel with the set: sp_fset_limits().
 */
#ifndef SP_FINDINGS_FINDINGS_H
#define SP_FINDINGS_FINDINGS_H

#include "core/str.h"
#include "findings/limits.h"
#include "spoor/spoor.h"

#define SP_MAX_ENTITIES 6
#define SP_MAX_EVIDENCE 32
#define SP_MAX_ENTITY_LEN 1024
#define SP_MAX_REASON_LEN 512
#define SP_FSET_MAX_FINDINGS 100000
#define SP_FSET_FLOOD 256         /* distinct findings per flood key */
#define SP_FSET_RULE_FLOOD 10000  /* units per rule */
#define SP_FSET_FLOOD_SAMPLE 4096 /* key hashes a flood counts exactly */

typedef struct sp_rule {
  const char *id;
  const char *name;
  const char *ruleset;
  const char *author;
  const char *description;
  const char *techniques; /* "T1190,T1505.003" */
  const char *cve;        /* "CVE-2021-26855" or "" */
  sp_level level;
  const char *reference; /* URL of the public source of the pattern, or "" */
} sp_rule;

typedef struct sp_hit {
  const sp_rule *rule;
  int64_t ts;
  uint32_t file_id;
  uint64_t where;
  sp_ref_kind kind;
  size_t n_ent;
  const char *ent_field[SP_MAX_ENTITIES]; /* static ECS names */
  sp_str ent_value[SP_MAX_ENTITIES];
  sp_str reason;
  uint64_t weight; /* hits this one stands for (1 by default) */
  bool cut;        /* an entity value was cut at SP_MAX_ENTITY_LEN */
  uint64_t offset; /* record's byte offset (SP_REF_RECORD), else UINT64_MAX */
} sp_hit;

/* Start a hit for an event-like reference. */
void sp_hit_init(sp_hit *h, const sp_rule *rule, int64_t ts, uint32_t file_id,
                 uint64_t where, sp_ref_kind kind);
/* Add an entity; empty values and values beyond SP_MAX_ENTITIES are skipped. */
/* field: a name that lives as long as the set (a literal, an interned
 * field name): sets key their hash cache by its address. */
void sp_hit_entity(sp_hit *h, const char *field, sp_str value);

typedef struct sp_fset sp_fset;

sp_err sp_fset_create(sp_fset **out);
void sp_fset_destroy(sp_fset *set);
/* Record a hit. Copies what it keeps. Errors are sticky (sp_fset_error). */
void sp_fset_add(sp_fset *set, const sp_hit *hit);
/* Move everything from src into dst, limits included; src is left empty.
 * Returns dst's sticky error (src's error, if any, becomes dst's). */
sp_err sp_fset_merge(sp_fset *dst, sp_fset *src);
sp_err sp_fset_error(const sp_fset *set);
/* Make err sticky: how detectors report an allocation failure from
 * on_event or on_end, which return nothing. */
void sp_fset_fail(sp_fset *set, sp_err err);
/* Hits of findings ranked out of the set (the limit "findings.overflow"). */
uint64_t sp_fset_dropped(const sp_fset *set);
/* Findings in the set (a flood finding is one). */
size_t sp_fset_count(const sp_fset *set);
/* The limit counters that travel with this set; anyone that writes to the
 * set may add to them. */
sp_limits *sp_fset_limits(sp_fset *set);
const sp_limits *sp_fset_limits_const(const sp_fset *set);

/* Per event log stream coverage (coverage.json "evtx_logs", docs/SCHEMA.md):
 * a detector's summary of one (file, Channel, Computer) of EVTX records.
 * Travels with the set like the limits; strings are copied. */
typedef struct sp_log_cov {
  uint32_t file_id;
  char *channel, *computer;
  int64_t first_ns, last_ns; /* INT64_MIN when unknown */
  uint64_t records, first_record, last_record;
  uint64_t gaps, missing; /* holes in the EventRecordIDs, ids missing */
  uint64_t silences;      /* silent periods reported */
} sp_log_cov;
void sp_fset_log_cov(sp_fset *set, const sp_log_cov *c);
size_t sp_fset_log_cov_count(const sp_fset *set);
/* Entry i; the set keeps ownership until sp_fset_log_cov_take. */
const sp_log_cov *sp_fset_log_cov_at(const sp_fset *set, size_t i);
/* Hand the entries (and their strings) to the caller; *n gets the count.
 * The set is left without entries. */
sp_log_cov *sp_fset_log_cov_take(sp_fset *set, size_t *n);

/* One aggregated finding, as the set keeps it. */
typedef struct sp_agg_ref {
  int64_t ts;
  uint64_t where;
  uint32_t file_id;
  sp_ref_kind kind;
  uint64_t offset; /* as sp_hit.offset */
} sp_agg_ref;

typedef struct sp_agg {
  const sp_rule *rule;
  uint64_t hash; /* of the key: rule and entities */
  int64_t first, last;
  uint64_t count;
  const char **ent_field; /* n_ent static ECS names */
  char **ent_value;       /* n_ent NUL-terminated values, owned by the agg */
  char *reason;           /* or NULL */
  sp_agg_ref reason_ref;  /* the reference the reason came from */
  sp_agg_ref *refs;       /* earliest first */
  uint8_t n_ent, n_refs;
  /* 0, or a level + 1 set after the hunt by a detector that knows more
     (sp_agg_level); the rule's level otherwise. */
  uint8_t level_set;
  /* Private to findings.c. */
  uint8_t cap_refs;
  uint8_t flood; /* 0, or SP_FLOOD_SOURCE / SP_FLOOD_RULE */
  bool reason_heap;
  uint16_t reason_room; /* bytes for the reason inside the agg */
  union {
    struct sp_agg *next;   /* findings: the next in the group */
    struct sp_flood *keys; /* floods: what they stand for */
  } u;
  sp_agg_ref ref0; /* the first reference, before refs needs the heap */
} sp_agg;

enum { SP_FLOOD_SOURCE = 1, SP_FLOOD_RULE = 2 };

/* What a flood finding stands for. */
typedef struct sp_flood_info {
  int scope;             /* SP_FLOOD_SOURCE or SP_FLOOD_RULE */
  uint64_t distinct;     /* distinct findings aggregated */
  bool estimated;        /* distinct (or keys) estimated from a hash sample */
  uint64_t keys;         /* rule floods: distinct flood key values */
  const char *key_field; /* rule floods: the flood key ("source.ip"), or
                            NULL */
} sp_flood_info;

/* True for a flood finding (see above), with what it stands for. */
bool sp_agg_flood(const sp_agg *a, sp_flood_info *out);

/* The total order of evidence references: (ts, file id, where). Everything
 * that keeps "earliest" or "latest" references uses it, so results do not
 * depend on arrival order. */
int sp_agg_ref_cmp(const sp_agg_ref *a, const sp_agg_ref *b);

/* The level a finding is reported at: its rule's unless set after. */
static inline sp_level sp_agg_level(const sp_agg *a) {
  return a->level_set ? (sp_level)(a->level_set - 1) : a->rule->level;
}

/* Visit every aggregate (order unspecified). */
void sp_fset_foreach(const sp_fset *set, void (*fn)(const sp_agg *, void *),
                     void *user);
/* Visit every aggregate with leave to change its level_set (detectors'
 * on_end, after every instance was merged: what they know at the end of the
 * hunt, such as a server that ran a fixed build, rates a finding lower). */
void sp_fset_foreach_mut(sp_fset *set, void (*fn)(sp_agg *, void *),
                         void *user);
/* Visit every aggregate, freeing each after its visit: the set is left
 * empty (its limits and dropped count stay). Lets a consumer copy findings
 * out without holding both copies at once. */
void sp_fset_drain(sp_fset *set, void (*fn)(const sp_agg *, void *),
                   void *user);

#endif
