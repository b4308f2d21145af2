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
 * Detectors read run-wide, read-only inputs from sp_dctx by name
 * (sp_dctx_input): "stock_urls" (stock Exchange web paths), "flagged_names"
 * (files the file scan flagged; complete when the log phase starts), and
 * whatever the engine registers next (Sigma rule sets, IOC sets, allow
 * lists). They resolve field and source-kind names to ids once, at create
 * (sp_dctx_field, sp_dctx_kind), and declare which phases' events they want
 * (`phases`): file events come first (SP_PHASE_FILES), then logs.
 *
 * A new detector is one file plus one line in sp_detectors[] (registry.c).
 */
#ifndef SP_DETECT_DETECTOR_H
#define SP_DETECT_DETECTOR_H

#include "core/strset.h"
#include "event/event.h"
#include "event/names.h"
#include "findings/findings.h"

/* A run-wide input: a named, read-only object owned by the engine. */
typedef struct sp_input {
  const char *name;
  const void *obj;
} sp_input;

typedef struct sp_dctx {
  const sp_input *inputs; /* the engine's inputs */
  size_t n_inputs;
  sp_names *names; /* the engine's interned field and kind names */
  int workers;     /* instances that will be merged: divide memory budgets */
} sp_dctx;

/* The input registered under name, or NULL. */
const void *sp_dctx_input(const sp_dctx *ctx, const char *name);
/* Field / source-kind id for a name (interned if new); -1 if the table is
 * full. Use at create, never per event. */
int sp_dctx_field(const sp_dctx *ctx, const char *name);
int sp_dctx_kind(const sp_dctx *ctx, const char *name);

/* Evidence phases, in run order. */
enum {
  SP_PHASE_FILES = 1u << 0, /* file events from the file scanner */
  SP_PHASE_LOGS = 1u << 1   /* events from log and record readers */
};

typedef struct sp_detector_vt {
  const char *name;
  unsigned phases; /* SP_PHASE_* whose events it wants; 0 = logs only */
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
