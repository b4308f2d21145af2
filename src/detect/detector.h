/*
 * detector.h - the detector interface: events in, hits out.
 *
 * A detector is a table entry {name, create, on_event, merge, on_end,
 * destroy}. Each worker thread creates its own instance, so on_event runs
 * without locks. At the end of the hunt the engine folds every instance into
 * the first with merge() and calls on_end() once on it; stateful detectors
 * (spraying, anything that aggregates) emit there. Stateless ones leave merge
 * and on_end NULL.
 *
 * Detectors read run-wide, read-only context from sp_dctx: the stock Exchange
 * web paths and the files the file scan flagged earlier in the same run.
 */
#ifndef SP_DETECT_DETECTOR_H
#define SP_DETECT_DETECTOR_H

#include "core/strset.h"
#include "event/event.h"
#include "findings/findings.h"

typedef struct sp_dctx {
  const sp_strset *stock_urls;    /* lower-case URL paths of stock files */
  const sp_strset *flagged_names; /* lower-case base names flagged by YARA */
  int workers; /* instances that will be merged: divide memory budgets */
} sp_dctx;

typedef struct sp_detector_vt {
  const char *name;
  void *(*create)(const sp_dctx *ctx);
  void (*on_event)(void *st, const sp_event *ev, sp_fset *out);
  void (*merge)(void *dst, void *src);
  void (*on_end)(void *st, sp_fset *out);
  void (*destroy)(void *st);
} sp_detector_vt;

/* The built-in detector table, NULL-terminated. */
extern const sp_detector_vt *const sp_detectors[];

/* Every built-in rule, as NULL-terminated lists (for `spoor rules`). */
extern const sp_rule *const *const sp_builtin_rule_lists[];

/* Helpers shared by detectors. */
/* Start a hit from an event's time and evidence reference. */
void sp_hit_from_event(sp_hit *h, const sp_rule *rule, const sp_event *ev);
/* Add an event field as an entity under its ECS name. */
void sp_hit_field(sp_hit *h, const sp_event *ev, sp_field f);
/* Status code of an event, or -1. */
int sp_event_status(const sp_event *ev);

#endif
