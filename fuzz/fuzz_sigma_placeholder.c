/*
 * fuzz_sigma_placeholder.c - libFuzzer target for the Sigma placeholder
 * file parser (sigma_placeholder.c) and the `expand` rewrite it feeds. The
 * input is a placeholder file, optionally followed by a line "===" and a
 * rule file; without one, a fixed rule whose `|expand` items name the
 * placeholders p, q and r (alone, in a string, several, under |all) is
 * compiled. Both wildcard modes are tried.
 *
 * Checks: a rejected file gives SP_EINVAL with a message naming the file and
 * a line, or SP_ENOMEM; an accepted one has at most 10,000 names; the rules
 * then load or fail with a reason, never crash; loaded rules never exceed
 * report entries; matching an event made of input slices terminates.
 */
#include "event/names.h"
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

static const char RULE[] =
    "title: t\nid: r1\nlogsource:\n  product: windows\ndetection:\n"
    "  a:\n    Computer|expand: '%p%'\n"
    "  b:\n    CommandLine|contains|expand: 'x %q% y %p%'\n"
    "  c:\n    Image|endswith|all|expand:\n      - '%r%'\n      - '\\%p%'\n"
    "  d:\n    User|re|expand: '^%q%$'\n"
    "  condition: a or b or c or d\n";

static void hit(const sp_sigma_match *m, void *user) {
  (void)m;
  ++*(size_t *)user;
}

static void run(const char *ph, size_t phn, const char *rule, size_t rn,
                bool wildcard, const uint8_t *data, size_t size) {
  sp_names *nm;
  if (sp_names_create(&nm))
    return;
  sp_sigma *s;
  if (sp_sigma_create(NULL, nm, &s, NULL)) {
    sp_names_destroy(nm);
    return;
  }
  sp_diag d = {0};
  sp_err e = sp_sigma_set_placeholders(s, "ph.yml", ph, phn, wildcard, &d);
  if (e) {
    CHECK(e == SP_EINVAL || e == SP_ENOMEM);
    if (e == SP_EINVAL)
      CHECK(!strncmp(d.msg, "ph.yml: line ", 13));
    goto out;
  }
  CHECK(sp_sigma_placeholder_count(s) <= 10000);
  CHECK(sp_sigma_add_text(s, "r.yml", rule, rn) == SP_OK);
  if (sp_sigma_finish(s) != SP_OK)
    goto out;
  size_t nrep = sp_sigma_report_count(s), nr = sp_sigma_rule_count(s);
  CHECK(nr <= nrep);
  for (size_t i = 0; i < nrep; i++) {
    const sp_sigma_entry *en = sp_sigma_report(s, i);
    CHECK(en->path && en->id && en->title && en->reason);
    if (en->state == 1)
      CHECK(en->reason[0]);
  }
  sp_sigma_mctx *m;
  if (sp_sigma_mctx_create(s, &m) == SP_OK) {
    static const char *const names[] = {"Computer", "CommandLine", "Image",
                                        "User"};
    sp_fval vals[8];
    sp_event ev;
    sp_event_init(&ev, vals, 8);
    ev.kind = sp_names_kind(nm, "evtx");
    size_t part = size / 4;
    for (int i = 0; i < 4; i++) {
      int id = sp_names_field(nm, names[i], strlen(names[i]));
      if (id >= 0)
        sp_event_set(&ev, id,
                     sp_str_make((const char *)data + (size_t)i * part, part));
    }
    size_t n = 0;
    CHECK(sp_sigma_match_event(s, m, &ev, hit, &n) == n);
    sp_sigma_mctx_destroy(m);
  }
out:
  sp_sigma_destroy(s);
  sp_names_destroy(nm);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  const char *t = (const char *)data;
  const char *sep = size >= 5 ? memmem(t, size, "\n===\n", 5) : NULL;
  size_t phn = sep ? (size_t)(sep - t) : size;
  const char *rule = sep ? sep + 5 : RULE;
  size_t rn = sep ? size - phn - 5 : sizeof RULE - 1;
  run(t, phn, rule, rn, false, data, size);
  run(t, phn, rule, rn, true, data, size);
  return 0;
}
