/*
 * test_sigma_yaml.c - the Sigma loader's fast YAML reader
 * (src/sigma/sigma_yaml.c) on each construct of its subset, with libyaml
 * as the oracle (yaml_cmp.h): where it reads a text its documents must be
 * libyaml's node for node (kinds, scalar bytes and styles, order); texts
 * outside the subset must be declined, so that libyaml reads them (with
 * its errors); and a rule read either way compiles to the same rule.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "yaml_cmp.h"

/* Texts the fast reader must read, each as libyaml does. */
static const char *const readable[] = {
    "title: a\nid: 1\n",
    "a: b\nc:\n  d: e\n  f: 'g h'\n",
    "---\na: 1\n---\nb: 2\n",
    "# c\n\na: b # comment\n\n# more\nc: d\n",
    "k:\n  - a\n  - 'b c'\n  - \"d\\\\e\\\"f\"\n",
    "k:\n- a\n- b\nz: y\n",
    "k:\n  - a: 1\n    b: 2\n  - c: 3\n",
    "k: [a, 'b', \"c d\"]\n",
    "k: []\n",
    "d: |\n  line one\n  line two\n\n  after blank\nn: 1\n",
    "d: |-\n  x\n  y\n\nn: 1\n",
    "d: |+\n  x\n\n\nn: 1\n",
    "d: >\n  folded\n  text\n\n  para\nn: 1\n",
    "d: >-\n  a\n  b\n",
    "e:\nf: ''\ng: \"\"\n",
    "'q k': v\n\"r k\": w\n",
    "k: C:\\Windows\\System32\\cmd.exe\n",
    "k: 'it''s'\n",
    "k: a#b\nl: x # y\n",
    "sel:\n    CommandLine|contains|all:\n        - ' -a '\n        - '/b'\n",
    "k: -1\nl: -x\nm: :x\n",
    "k:\n  -\n  - b\n",
    "k: caf\xc3\xa9\n",
    "a:\n  b:\n    c:\n      d: e\n",
    "seq:\n  - x\n  -  y\n",
    "k:    spaced   \n",
    "- a\n- b\n",
    "# only a comment\n", /* no document */
};

/* Texts outside the subset: declined (read by libyaml). */
static const char *const declined[] = {
    "k: &a x\nl: *a\n",       /* anchors, aliases */
    "k: !!str 1\n",           /* tags */
    "%YAML 1.1\n---\nk: v\n", /* directives */
    "? k\n: v\n",             /* complex keys */
    "k: {a: b}\n",            /* flow mappings */
    "k: a\n  b\n",            /* multi-line plain */
    "k: 'a\n  b'\n",          /* multi-line quoted */
    "k: \"a\\nb\"\n",         /* escapes other than \\ \" */
    "k:\tv\n",                /* tabs */
    "k: v\r\n",               /* carriage returns */
    "k: v",                   /* no final line break */
    "k: v\n...\n",            /* document end marker */
    "k: |2\n   x\n",          /* indentation indicator */
    "k: >\n  a\n    b\n",     /* more-indented folded lines */
    "k: \xc3\n",              /* invalid UTF-8 */
    "k: a\xe2\x80\xa8"
    "b\n",            /* U+2028, a line break to libyaml */
    "- - a\n",        /* a sequence in a sequence's line */
    "k: v\n  x: y\n", /* more indented after a scalar */
    "k: a: b\n",      /* a key in a plain value */
    "--- k: v\n",     /* content on the marker line */
};

static void test_readable(void **st) {
  (void)st;
  for (size_t i = 0; i < sizeof readable / sizeof *readable; i++) {
    char why[400];
    int rc = yc_compare(readable[i], strlen(readable[i]), why, sizeof why);
    if (rc != 1)
      fail_msg("case %zu [%s]: %s (rc %d)", i, readable[i], why, rc);
  }
}

static void test_declined(void **st) {
  (void)st;
  for (size_t i = 0; i < sizeof declined / sizeof *declined; i++) {
    yaml_document_t d[4];
    size_t n = 9;
    if (sg_yaml_fast_load(declined[i], strlen(declined[i]), d, 4, &n) != -1 ||
        n != 0)
      fail_msg("case %zu [%s] was read", i, declined[i]);
  }
}

/* A whole rule, read by the fast reader, compiles as libyaml's reading
 * does: the same documents, so the same rule (the loader's report). */
static void test_rule(void **st) {
  (void)st;
  const char *r =
      "title: Suspicious Cmd\nid: 0e3c1a2b-0000-4000-8000-000000000001\n"
      "status: test\ndescription: |\n  Detects a thing.\n  Two lines.\n"
      "author: Tester\ntags:\n  - attack.execution\n  - attack.t1059.003\n"
      "logsource:\n  category: process_creation\n  product: windows\n"
      "detection:\n  selection:\n    Image|endswith: '\\cmd.exe'\n"
      "    CommandLine|contains|all:\n      - ' /c '\n      - 'whoami'\n"
      "  filter: [x]\n  condition: selection and not filter\n"
      "falsepositives:\n  - Unknown\nlevel: high\n";
  char why[400];
  assert_int_equal(yc_compare(r, strlen(r), why, sizeof why), 1);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_readable),
      cmocka_unit_test(test_declined),
      cmocka_unit_test(test_rule),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
