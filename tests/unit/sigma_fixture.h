/*
 * sigma_fixture.h - helpers for the Sigma tests: a rule set compiled from
 * YAML text against a fresh sp_names, events built with the sp_event API
 * (fields by name), and the ids of the rules an event matches.
 * Header-only; include after <cmocka.h>.
 */
#ifndef SP_TESTS_SIGMA_FIXTURE_H
#define SP_TESTS_SIGMA_FIXTURE_H

#include "event/names.h"
#include "sigma/sigma.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct sfx {
  sp_names *nm;
  sp_sigma *s;
  sp_sigma_mctx *m;
  sp_fval vals[256];
  sp_event ev;
  char hits[4096]; /* matched rule ids, space separated */
} sfx;

static inline sfx *sfx_new(const char *yaml) {
  sfx *x = calloc(1, sizeof *x);
  assert_non_null(x);
  assert_int_equal(sp_names_create(&x->nm), SP_OK);
  sp_diag d = {0};
  assert_int_equal(sp_sigma_create(NULL, x->nm, &x->s, &d), SP_OK);
  assert_int_equal(sp_sigma_add_text(x->s, "test.yml", yaml, strlen(yaml)),
                   SP_OK);
  assert_int_equal(sp_sigma_finish(x->s), SP_OK);
  assert_int_equal(sp_sigma_mctx_create(x->s, &x->m), SP_OK);
  return x;
}

static inline void sfx_free(sfx *x) {
  if (!x)
    return;
  sp_sigma_mctx_destroy(x->m);
  sp_sigma_destroy(x->s);
  sp_names_destroy(x->nm);
  free(x);
}

/* The load report's first failure reason, or NULL when all loaded. */
static inline const char *sfx_failure(const sfx *x) {
  for (size_t i = 0; i < sp_sigma_report_count(x->s); i++)
    if (sp_sigma_report(x->s, i)->state != 0)
      return sp_sigma_report(x->s, i)->reason;
  return NULL;
}

/* Start an event of kind (a name) at time ts (seconds). */
static inline void sfx_event(sfx *x, const char *kind, int64_t ts) {
  sp_event_init(&x->ev, x->vals, 256);
  x->ev.kind = sp_names_kind(x->nm, kind);
  x->ev.ts = ts * 1000000000LL;
  x->ev.ref = SP_REF_RECORD;
  x->ev.line = (uint64_t)ts;
}

static inline void sfx_set(sfx *x, const char *name, const char *value) {
  int id = sp_names_field(x->nm, name, strlen(name));
  assert_true(id >= 0);
  sp_event_set(&x->ev, id, sp_str_make(value, strlen(value)));
}

static inline void sfx_hit(const sp_sigma_match *m, void *user) {
  sfx *x = user;
  size_t n = strlen(x->hits);
  snprintf(x->hits + n, sizeof x->hits - n, "%s%s", n ? " " : "", m->rule->id);
}

/* Match the current event; the matched rule ids in x->hits. */
static inline size_t sfx_match(sfx *x) {
  x->hits[0] = 0;
  return sp_sigma_match_event(x->s, x->m, &x->ev, sfx_hit, x);
}

/* One rule over any Windows event (logsource product: windows), with the
 * given detection body (indented two spaces), tested against one event of
 * name/value pairs (NULL-terminated). Returns 1 match, 0 none, -1 when the
 * rule failed to load. */
/* x's one rule against one event of the name/value pairs in ap
 * (NULL-terminated); frees x. 1 match, 0 none, -1 the rule failed to
 * load. */
static inline int sfx_vrun(sfx *x, va_list ap) {
  const char *why = sfx_failure(x);
  if (why) {
    print_message("rule failed: %s\n", why);
    sfx_free(x);
    return -1;
  }
  sfx_event(x, "evtx", 1);
  const char *k;
  while ((k = va_arg(ap, const char *)) != NULL) {
    const char *v = va_arg(ap, const char *);
    sfx_set(x, k, v);
  }
  int r = (int)sfx_match(x);
  sfx_free(x);
  return r;
}

static inline int sfx_one(const char *detection, ...) {
  char rule[8192];
  snprintf(rule, sizeof rule,
           "title: t\nid: r1\nlogsource:\n  product: windows\n"
           "detection:\n%s",
           detection);
  va_list ap;
  va_start(ap, detection);
  int r = sfx_vrun(sfx_new(rule), ap);
  va_end(ap);
  return r;
}

#endif
