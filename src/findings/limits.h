/*
 * limits.h - counters of budgets reached: the one place where anything that
 * drops or cuts evidence because of a bound says so.
 *
 * Every bound that loses something (spraying sources over budget, findings
 * over the finding set's cap, entity values cut, YARA match floods, ...)
 * adds to a counter named "<subsystem>.<budget>" with a one-line detail
 * saying what the count counts. The counters travel with the finding set
 * (sp_fset_limits), are merged with it, and end in the result
 * (sp_result_limit), coverage.json ("limits") and the terminal summary;
 * `spoor hunt --strict` fails when any is non-zero. Aggregation that loses
 * no hit (evidence references beyond SP_MAX_EVIDENCE, flood findings) is
 * not a limit: the finding itself says what it stands for.
 *
 * A new subsystem needs no registration: it calls sp_limits_add() with its
 * own name. Names and details must be string literals (static storage).
 * Counts must not depend on -j or on the order files are read in.
 *
 * The table is fixed-size and never allocates, so counting cannot fail;
 * past SP_LIMITS_MAX distinct names, counts go to the last entry,
 * "limits.other".
 */
#ifndef SP_FINDINGS_LIMITS_H
#define SP_FINDINGS_LIMITS_H

#include "spoor/spoor.h"

#define SP_LIMITS_MAX 32

typedef struct sp_limits {
  sp_limit v[SP_LIMITS_MAX];
  size_t n;
} sp_limits;

/* Add n to the counter name (created on first use; n == 0 does nothing). */
void sp_limits_add(sp_limits *lim, const char *name, const char *detail,
                   uint64_t n);
/* Add every counter of src to dst. */
void sp_limits_merge(sp_limits *dst, const sp_limits *src);
/* The count of name, 0 if absent. */
uint64_t sp_limits_get(const sp_limits *lim, const char *name);

#endif
