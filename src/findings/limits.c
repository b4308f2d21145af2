/*
 * limits.c - counters of budgets reached (see limits.h). A linear table:
 * a run reaches a handful of distinct limits, and hot paths count locally
 * and add here once.
 */
#include "findings/limits.h"

#include <string.h>

static const char other_name[] = "limits.other";
static const char other_detail[] =
    "counts of limits beyond the table's 32 names";

void sp_limits_add(sp_limits *lim, const char *name, const char *detail,
                   uint64_t n) {
  if (!n)
    return;
  for (size_t i = 0; i < lim->n; i++)
    if (strcmp(lim->v[i].name, name) == 0) {
      lim->v[i].count += n;
      return;
    }
  if (lim->n + 1 < SP_LIMITS_MAX) {
    lim->v[lim->n++] = (sp_limit){name, detail, n};
    return;
  }
  if (lim->n + 1 == SP_LIMITS_MAX)
    lim->v[lim->n++] = (sp_limit){other_name, other_detail, 0};
  lim->v[SP_LIMITS_MAX - 1].count += n;
}

void sp_limits_merge(sp_limits *dst, const sp_limits *src) {
  for (size_t i = 0; i < src->n; i++)
    sp_limits_add(dst, src->v[i].name, src->v[i].detail, src->v[i].count);
}

uint64_t sp_limits_get(const sp_limits *lim, const char *name) {
  for (size_t i = 0; i < lim->n; i++)
    if (strcmp(lim->v[i].name, name) == 0)
      return lim->v[i].count;
  return 0;
}
