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
 * (sp_dctx_input): "filescan" (the file scanner: YARA rule metadata),
 * "stock_urls" (stock Exchange web paths), "flagged_names" (files the files
 * phase flagged; complete when the log phase starts), and whatever the engine
 * registers next (Sigma rule sets, IOC sets, allow lists). They resolve field
 * and source-kind names to ids once, at create (sp_dctx_field, sp_dctx_kind),
 * and declare which phases' events they want
 * (`phases`): file events come first (SP_PHASE_FILES), then logs.
 *
 * A new detector is one file plus one line in sp_detectors[] (registry.c).
 *
 * Budgets that hold for the whole hunt rather than per worker (spraying)
 * keep their state in sp_dctx.share, reached under its lock.
 *
 * Errors: on_event and on_end report an allocation failure with
 * sp_fset_fail(out, SP_ENOMEM); merge keeps it in the detector's state and
 * on_end reports it. Budgets that drop or cut something are counted in
 * sp_fset_limits(out) (findings/limits.h), at the latest in on_end.
 */
#ifndef SP_DETECT_DETECTOR_H
#define SP_DETECT_DETECTOR_H

#include "core/input.h"
#include "core/strset.h"
#include "event/event.h"
#include "event/names.h"
#include "findings/findings.h"

/* Run-wide state shared by every instance of a detector in one hunt. The
 * engine creates one per hunt and destroys it after the detectors; each
 * object in it is made on first use under a key (a string literal). */
typedef struct sp_dshare sp_dshare;

sp_err sp_dshare_create(sp_dshare **out);
/* Destroys every object in it. Accepts NULL. */
void sp_dshare_destroy(sp_dshare *sh);
/* The object under key, made with make() on the first call; NULL when out
 * of memory. Thread-safe. destroy(obj) runs at sp_dshare_destroy. */
void *sp_dshare_get(sp_dshare *sh, const char *key, void *(*make)(void),
                    void (*destroy)(void *));
/* One lock guards every object in sh. */
void sp_dshare_lock(sp_dshare *sh);
void sp_dshare_unlock(sp_dshare *sh);

struct sp_dctx;
/* A detector instance's run-wide state: the hunt's shared object under key
 * when ctx has a share (*share set), else a private one from make() that
 * merge() folds (*share NULL). NULL when out of memory. */
void *sp_dshare_attach(const struct sp_dctx *ctx, const char *key,
                       void *(*make)(void), void (*destroy)(void *),
                       sp_dshare **share);
/* The counterpart: destroys a private state; a shared one dies with the
 * share. */
void sp_dshare_detach(sp_dshare *share, void *obj, void (*destroy)(void *));

typedef struct sp_dctx {
  const sp_input *inputs; /* the engine's inputs */
  size_t n_inputs;
  sp_names *names;  /* the engine's interned field and kind names */
  int workers;      /* instances that will be merged: divide memory budgets */
  sp_dshare *share; /* run-wide shared state, or NULL: each instance then
                       keeps its own and merge() folds them */
} sp_dctx;

/* The input registered under name, or NULL. */
const void *sp_dctx_input(const sp_dctx *ctx, const char *name);
/* Field / source-kind id for a name (interned if new); -1 if the table is
 * full. Use at create, never per event. */
int sp_dctx_field(const sp_dctx *ctx, const char *name);
int sp_dctx_kind(const sp_dctx *ctx, const char *name);

/* The evidence phases (SP_PHASE_FILES, SP_PHASE_LOGS) are in event.h. */

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
