/*
 * fuzz_sigma.c - libFuzzer target for the Sigma rule compiler: the input is
 * YAML text (one or more documents) given to sp_sigma_add_text, then the
 * compiled set matches a few events whose field values are slices of the
 * input (so patterns, regexes and encodings run on hostile text), and
 * correlation state is fed and evaluated.
 *
 * Checks: every report entry has its strings; loaded rules never exceed
 * report entries; rule metadata is complete; matching returns at most the
 * number of loaded rules per bucket lookup (3 lookups); and the same rules
 * match as in a second set compiled without the prefilter (every variant
 * evaluated, every value tested directly), on events whose values are
 * slices and lines of the input (so rule literals occur in them), each
 * matched twice so the second time runs from the matcher's caches.
 * A fresh name table per input (names would otherwise fill up).
 */
#include "event/names.h"
#include "findings/findings.h"
#include "sigma/sigma.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CHECK(c) ((c) ? (void)0 : fz_fail(#c, __FILE__, __LINE__))

static void fz_fail(const char *what, const char *file, int line) {
  fprintf(stderr, "fuzz check failed: %s (%s:%d)\n", what, file, line);
  abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

typedef struct fz {
  const sp_sigma *s;
  sp_sigma_corr *c;
  const sp_event *ev;
  size_t hits;
  uint8_t *seen; /* by rule index: matched this event */
} fz;

static void on_match(const sp_sigma_match *m, void *user) {
  fz *f = user;
  CHECK(m->rule && m->rule->id && m->rule->name);
  CHECK(m->rule_index < sp_sigma_rule_count(f->s));
  f->hits++;
  if (f->seen)
    f->seen[m->rule_index] = 1;
  if (f->c && sp_sigma_rule_correlated(f->s, m->rule_index))
    sp_sigma_corr_add(f->c, m, f->ev);
}

/* The n-th line of the input (cycling), without its newline. */
static sp_str nth_line(const uint8_t *data, size_t size, size_t n) {
  size_t lines = 1;
  for (size_t i = 0; i < size; i++)
    lines += data[i] == '\n';
  n %= lines;
  size_t at = 0;
  for (; n && at < size; at++)
    if (data[at] == '\n')
      n--;
  size_t end = at;
  while (end < size && data[end] != '\n')
    end++;
  return sp_str_make((const char *)data + at, end - at);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  sp_names *nm;
  if (sp_names_create(&nm))
    return 0;
  sp_sigma *s;
  if (sp_sigma_create(NULL, nm, &s, NULL)) {
    sp_names_destroy(nm);
    return 0;
  }
  CHECK(sp_sigma_add_text(s, "fuzz.yml", (const char *)data, size) == SP_OK);
  if (sp_sigma_finish(s) != SP_OK)
    goto out;
  size_t nrep = sp_sigma_report_count(s), nr = sp_sigma_rule_count(s);
  CHECK(nr <= nrep);
  for (size_t i = 0; i < nrep; i++) {
    const sp_sigma_entry *e = sp_sigma_report(s, i);
    CHECK(e->path && e->id && e->title && e->reason);
    CHECK(e->state >= 0 && e->state <= 2);
  }
  for (size_t i = 0; i < nr; i++) {
    const sp_rule *r = sp_sigma_rule_at(s, i);
    CHECK(r->id && r->name && r->author && r->description && r->techniques &&
          r->reference && r->cve);
    CHECK(r->level <= SP_LEVEL_CRITICAL);
  }
  sp_sigma_mctx *m = NULL, *m2 = NULL;
  sp_sigma_corr *c = NULL;
  sp_fset *out = NULL;
  sp_sigma *s2 = NULL; /* the reference: no prefilter */
  uint8_t *seen = NULL, *seen2 = NULL;
  sp_sigma_opts o2 = {.no_prefilter = 1};
  if (sp_sigma_mctx_create(s, &m) || sp_sigma_corr_create(s, 64, NULL, &c) ||
      sp_fset_create(&out))
    goto done;
  if (sp_sigma_create(&o2, nm, &s2, NULL) == SP_OK) {
    CHECK(sp_sigma_add_text(s2, "fuzz.yml", (const char *)data, size) == SP_OK);
    if (sp_sigma_finish(s2) != SP_OK || sp_sigma_mctx_create(s2, &m2)) {
      sp_sigma_destroy(s2);
      s2 = NULL;
    }
  }
  if (s2) {
    CHECK(sp_sigma_rule_count(s2) == nr);
    seen = calloc(nr + 1, 1);
    seen2 = calloc(nr + 1, 1);
    if (!seen || !seen2)
      goto done;
  }
  static const char *const names[] = {"CommandLine", "Image", "EventID",
                                      "Channel",     "User",  "Data"};
  static const char *const kinds[] = {"evtx", "iis", "conn"};
  for (int round = 0; round < 2; round++)
    for (int k = 0; k < 6; k++) {
      sp_fval vals[16];
      sp_event ev;
      sp_event_init(&ev, vals, 16);
      ev.kind = sp_names_kind(nm, kinds[k % 3]);
      ev.ts = (int64_t)(round * 6 + k) * 1000000000LL;
      size_t part = size / 6;
      for (int i = 0; i < 6; i++) {
        int id = sp_names_field(nm, names[i], strlen(names[i]));
        if (id >= 0)
          sp_event_set(
              &ev, id,
              k < 3 ? sp_str_make((const char *)data + (size_t)i * part, part)
                    : nth_line(data, size, (size_t)(k * 7 + i)));
      }
      fz f = {s, c, &ev, 0, seen};
      if (seen)
        memset(seen, 0, nr + 1);
      size_t n = sp_sigma_match_event(s, m, &ev, on_match, &f);
      CHECK(n == f.hits);
      CHECK(n <= 3 * (nr ? nr : 1) * 32);
      if (s2) {
        fz f2 = {s2, NULL, &ev, 0, seen2};
        memset(seen2, 0, nr + 1);
        size_t n2 = sp_sigma_match_event(s2, m2, &ev, on_match, &f2);
        CHECK(n2 == n);
        CHECK(memcmp(seen, seen2, nr + 1) == 0);
      }
    }
  sp_sigma_corr_end(c, out);
done:
  free(seen);
  free(seen2);
  sp_sigma_mctx_destroy(m2);
  sp_sigma_destroy(s2);
  sp_fset_destroy(out);
  sp_sigma_corr_destroy(c);
  sp_sigma_mctx_destroy(m);
out:
  sp_sigma_destroy(s);
  sp_names_destroy(nm);
  return 0;
}
