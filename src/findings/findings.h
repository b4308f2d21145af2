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
 * Limits: at most SP_FSET_MAX_FINDINGS distinct findings per set. When a set
 * would overflow it keeps the findings of lowest rank (level first, then a
 * hash of the key) and counts the hits of the others in `dropped`. The rank
 * depends only on the finding, never on arrival order, so the kept set is
 * the same for any -j. SP_MAX_EVIDENCE references per finding,
 * SP_MAX_ENTITY_LEN bytes per entity value (longer values are cut).
 */
#ifndef SP_FINDINGS_FINDINGS_H
#define SP_FINDINGS_FINDINGS_H

#include "core/str.h"
#include "spoor/spoor.h"

#define SP_MAX_ENTITIES 6
#define SP_MAX_EVIDENCE 32
#define SP_MAX_ENTITY_LEN 1024
#define SP_MAX_REASON_LEN 512
#define SP_FSET_MAX_FINDINGS 100000

typedef struct sp_rule {
  const char *id;
  const char *name;
  const char *ruleset;
  const char *author;
  const char *description;
  const char *techniques; /* "T1190,T1505.003" */
  const char *cve;        /* "CVE-2021-26855" or "" */
  sp_level level;
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
} sp_hit;

/* Start a hit for an event-like reference. */
void sp_hit_init(sp_hit *h, const sp_rule *rule, int64_t ts, uint32_t file_id,
                 uint64_t where, sp_ref_kind kind);
/* Add an entity; empty values and values beyond SP_MAX_ENTITIES are skipped. */
void sp_hit_entity(sp_hit *h, const char *field, sp_str value);

typedef struct sp_fset sp_fset;

sp_err sp_fset_create(sp_fset **out);
void sp_fset_destroy(sp_fset *set);
/* Record a hit. Copies what it keeps. Errors are sticky (sp_fset_error). */
void sp_fset_add(sp_fset *set, const sp_hit *hit);
/* Move everything from src into dst; src is left empty. */
sp_err sp_fset_merge(sp_fset *dst, sp_fset *src);
sp_err sp_fset_error(const sp_fset *set);
uint64_t sp_fset_dropped(const sp_fset *set);
size_t sp_fset_count(const sp_fset *set);

/* One aggregated finding, as the set keeps it. */
typedef struct sp_agg_ref {
  int64_t ts;
  uint32_t file_id;
  uint64_t where;
  sp_ref_kind kind;
} sp_agg_ref;

typedef struct sp_agg {
  const sp_rule *rule;
  uint64_t hash; /* of the key: rule and entities */
  int64_t first, last;
  uint64_t count;
  size_t n_ent;
  const char *ent_field[SP_MAX_ENTITIES];
  char *ent_value[SP_MAX_ENTITIES];
  size_t n_refs;
  sp_agg_ref refs[SP_MAX_EVIDENCE];
  char *reason;
  sp_agg_ref reason_ref; /* the reference the reason came from */
} sp_agg;

/* The total order of evidence references: (ts, file id, where). Everything
 * that keeps "earliest" or "latest" references uses it, so results do not
 * depend on arrival order. */
int sp_agg_ref_cmp(const sp_agg_ref *a, const sp_agg_ref *b);

/* Visit every aggregate (order unspecified). */
void sp_fset_foreach(const sp_fset *set, void (*fn)(const sp_agg *, void *),
                     void *user);

#endif
