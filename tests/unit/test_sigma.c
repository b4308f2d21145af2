/*
 * test_sigma.c - Sigma value modifiers, wildcards and escapes, values
 * (lists, null, numbers, keywords), each against the Sigma specification
 * 2.x: its escaping table (\* \? \\ and a backslash before anything else),
 * its base64offset example (/bin/bash -> L2Jpbi9iYXNo, 9iaW4vYmFza,
 * vYmluL2Jhc2), and encodings checked against Python's base64/UTF-16
 * output. Events are built with the sp_event API.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "sigma_fixture.h"

#define CL "CommandLine"

static void test_plain_equality_case_insensitive(void **st) {
  (void)st;
  const char *d = "  sel:\n    Image: 'C:\\Windows\\cmd.exe'\n"
                  "  condition: sel\n";
  assert_int_equal(sfx_one(d, "Image", "c:\\windows\\CMD.EXE", NULL), 1);
  assert_int_equal(sfx_one(d, "Image", "c:\\windows\\cmd.exe2", NULL), 0);
  assert_int_equal(sfx_one(d, "Other", "c:\\windows\\cmd.exe", NULL), 0);
}

static void test_contains_startswith_endswith(void **st) {
  (void)st;
  const char *c = "  sel:\n    CommandLine|contains: 'whoami'\n"
                  "  condition: sel\n";
  assert_int_equal(sfx_one(c, CL, "cmd /c WHOAMI /all", NULL), 1);
  assert_int_equal(sfx_one(c, CL, "cmd /c who ami", NULL), 0);
  const char *s = "  sel:\n    CommandLine|startswith: 'cmd'\n"
                  "  condition: sel\n";
  assert_int_equal(sfx_one(s, CL, "CMD.exe /c", NULL), 1);
  assert_int_equal(sfx_one(s, CL, " cmd", NULL), 0);
  const char *e = "  sel:\n    Image|endswith: '\\rundll32.exe'\n"
                  "  condition: sel\n";
  assert_int_equal(sfx_one(e, "Image", "C:\\x\\RunDll32.exe", NULL), 1);
  assert_int_equal(sfx_one(e, "Image", "C:\\x\\rundll32.exe ", NULL), 0);
}

/* The specification's wildcards: * any run, ? one character. */
static void test_wildcards(void **st) {
  (void)st;
  const char *q = "  sel:\n    CommandLine: 'a?c'\n  condition: sel\n";
  assert_int_equal(sfx_one(q, CL, "abc", NULL), 1);
  assert_int_equal(sfx_one(q, CL,
                           "a\xc3\xa9"
                           "c",
                           NULL),
                   1); /* one char */
  assert_int_equal(sfx_one(q, CL, "ac", NULL), 0);
  assert_int_equal(sfx_one(q, CL, "abbc", NULL), 0);
  const char *s = "  sel:\n    CommandLine: 'a*c*e'\n  condition: sel\n";
  assert_int_equal(sfx_one(s, CL, "ace", NULL), 1);
  assert_int_equal(sfx_one(s, CL, "AxxCxxE", NULL), 1);
  assert_int_equal(sfx_one(s, CL, "axxcxxef", NULL), 0);
}

/* The specification's escaping: \* and \? are the characters, \\ is one
 * backslash, a backslash before any other character is itself. */
static void test_escapes(void **st) {
  (void)st;
  const char *star = "  sel:\n    CommandLine: 'a\\*b'\n  condition: sel\n";
  assert_int_equal(sfx_one(star, CL, "a*b", NULL), 1);
  assert_int_equal(sfx_one(star, CL, "axb", NULL), 0);
  const char *qm = "  sel:\n    CommandLine: 'a\\?b'\n  condition: sel\n";
  assert_int_equal(sfx_one(qm, CL, "a?b", NULL), 1);
  assert_int_equal(sfx_one(qm, CL, "axb", NULL), 0);
  /* \\* : a backslash, then the wildcard */
  const char *bw = "  sel:\n    CommandLine: 'a\\\\*'\n  condition: sel\n";
  assert_int_equal(sfx_one(bw, CL, "a\\", NULL), 1);
  assert_int_equal(sfx_one(bw, CL, "a\\anything", NULL), 1);
  assert_int_equal(sfx_one(bw, CL, "ab", NULL), 0);
  /* \\\* : a backslash, then a literal star */
  const char *bs = "  sel:\n    CommandLine: 'a\\\\\\*'\n  condition: sel\n";
  assert_int_equal(sfx_one(bs, CL, "a\\*", NULL), 1);
  assert_int_equal(sfx_one(bs, CL, "a\\x", NULL), 0);
  /* a backslash before other characters stays: Windows paths */
  const char *p =
      "  sel:\n    Image: 'C:\\Windows\\System32\\a.exe'\n  condition: sel\n";
  assert_int_equal(sfx_one(p, "Image", "C:\\Windows\\System32\\a.exe", NULL),
                   1);
  /* \\ alone: one backslash */
  const char *two = "  sel:\n    Image: 'a\\\\b'\n  condition: sel\n";
  assert_int_equal(sfx_one(two, "Image", "a\\b", NULL), 1);
  assert_int_equal(sfx_one(two, "Image", "a\\\\b", NULL), 0);
}

static void test_lists_and_all(void **st) {
  (void)st;
  const char *any = "  sel:\n    CommandLine|contains:\n      - 'foo'\n"
                    "      - 'bar'\n  condition: sel\n";
  assert_int_equal(sfx_one(any, CL, "xbarx", NULL), 1);
  assert_int_equal(sfx_one(any, CL, "xbazx", NULL), 0);
  const char *all = "  sel:\n    CommandLine|contains|all:\n      - 'foo'\n"
                    "      - 'bar'\n  condition: sel\n";
  assert_int_equal(sfx_one(all, CL, "foo and bar", NULL), 1);
  assert_int_equal(sfx_one(all, CL, "foo only", NULL), 0);
  /* a map is AND, a list of maps is OR */
  const char *maps = "  sel:\n    - Image|endswith: '\\a.exe'\n"
                     "      CommandLine|contains: 'x'\n"
                     "    - Image|endswith: '\\b.exe'\n  condition: sel\n";
  assert_int_equal(sfx_one(maps, "Image", "c:\\a.exe", CL, "yxy", NULL), 1);
  assert_int_equal(sfx_one(maps, "Image", "c:\\a.exe", CL, "yyy", NULL), 0);
  assert_int_equal(sfx_one(maps, "Image", "c:\\b.exe", NULL), 1);
}

static void test_re(void **st) {
  (void)st;
  const char *r = "  sel:\n    CommandLine|re: 'fo+b'\n  condition: sel\n";
  assert_int_equal(sfx_one(r, CL, "xfooob", NULL), 1);
  assert_int_equal(sfx_one(r, CL, "xfb", NULL), 0);
  /* case-sensitive unless |i */
  const char *cs = "  sel:\n    CommandLine|re: '^Foo'\n  condition: sel\n";
  assert_int_equal(sfx_one(cs, CL, "foo", NULL), 0);
  assert_int_equal(sfx_one(cs, CL, "Foo", NULL), 1);
  const char *ci = "  sel:\n    CommandLine|re|i: '^Foo'\n  condition: sel\n";
  assert_int_equal(sfx_one(ci, CL, "foo", NULL), 1);
  const char *m = "  sel:\n    CommandLine|re|m: '^b'\n  condition: sel\n";
  const char *nm = "  sel:\n    CommandLine|re: '^b'\n  condition: sel\n";
  assert_int_equal(sfx_one(m, CL, "a\nb", NULL), 1);
  assert_int_equal(sfx_one(nm, CL, "a\nb", NULL), 0);
  const char *s = "  sel:\n    CommandLine|re|s: 'a.b'\n  condition: sel\n";
  const char *ns = "  sel:\n    CommandLine|re: 'a.b'\n  condition: sel\n";
  assert_int_equal(sfx_one(s, CL, "a\nb", NULL), 1);
  assert_int_equal(sfx_one(ns, CL, "a\nb", NULL), 0);
  /* a bad regex is a load failure */
  assert_int_equal(
      sfx_one("  sel:\n    CommandLine|re: 'a(b'\n  condition: sel\n", CL, "a",
              NULL),
      -1);
}

static void test_base64(void **st) {
  (void)st;
  const char *b = "  sel:\n    CommandLine|base64: 'abc'\n  condition: sel\n";
  assert_int_equal(sfx_one(b, CL, "YWJj", NULL), 1);
  assert_int_equal(sfx_one(b, CL, "ywjj", NULL), 0); /* base64 is cased */
  const char *bc =
      "  sel:\n    CommandLine|base64|contains: 'abc'\n  condition: sel\n";
  assert_int_equal(sfx_one(bc, CL, "x YWJj y", NULL), 1);
}

/* The specification's example: /bin/bash at the three offsets. */
static void test_base64offset(void **st) {
  (void)st;
  const char *d = "  sel:\n    CommandLine|base64offset|contains: '/bin/bash'\n"
                  "  condition: sel\n";
  assert_int_equal(sfx_one(d, CL, "echo L2Jpbi9iYXNo |", NULL), 1);
  assert_int_equal(sfx_one(d, CL, "xx9iaW4vYmFzaxx", NULL), 1);
  assert_int_equal(sfx_one(d, CL, "vYmluL2Jhc2", NULL), 1);
  /* Python: base64(' /bin/bash') and base64('  /bin/bash') */
  assert_int_equal(sfx_one(d, CL, "IC9iaW4vYmFzaA==", NULL), 1);
  assert_int_equal(sfx_one(d, CL, "ICAvYmluL2Jhc2g=", NULL), 1);
  assert_int_equal(sfx_one(d, CL, "L2Jpbi9iYXN", NULL), 0);
}

/* UTF-16 encodings (Python's utf-16-le / utf-16-be / BOM + LE). */
static void test_utf16(void **st) {
  (void)st;
  const char *w = "  sel:\n    CommandLine|wide|base64: 'ping'\n"
                  "  condition: sel\n";
  assert_int_equal(sfx_one(w, CL, "cABpAG4AZwA=", NULL), 1);
  const char *le = "  sel:\n    CommandLine|utf16le|base64: 'ping'\n"
                   "  condition: sel\n";
  assert_int_equal(sfx_one(le, CL, "cABpAG4AZwA=", NULL), 1);
  const char *be = "  sel:\n    CommandLine|utf16be|base64: 'ping'\n"
                   "  condition: sel\n";
  assert_int_equal(sfx_one(be, CL, "AHAAaQBuAGc=", NULL), 1);
  assert_int_equal(sfx_one(be, CL, "cABpAG4AZwA=", NULL), 0);
  const char *bom = "  sel:\n    CommandLine|utf16|base64: 'ping'\n"
                    "  condition: sel\n";
  assert_int_equal(sfx_one(bom, CL, "//5wAGkAbgBnAA==", NULL), 1);
  /* utf16le + base64offset: base64 of UTF-16LE 'cmd /c ping x' */
  const char *off = "  sel:\n    CommandLine|wide|base64offset|contains: "
                    "'ping'\n  condition: sel\n";
  assert_int_equal(
      sfx_one(off, CL, "-enc YwBtAGQAIAAvAGMAIABwAGkAbgBnACAAeAA=", NULL), 1);
  assert_int_equal(sfx_one(off, CL, "eHAAaQBuAGcA", NULL), 1);
  /* a wildcard cannot be encoded */
  assert_int_equal(
      sfx_one("  sel:\n    CommandLine|base64: 'a*'\n  condition: sel\n", CL,
              "x", NULL),
      -1);
}

/* windash: - / en dash, em dash, horizontal bar at a word's start. */
static void test_windash(void **st) {
  (void)st;
  const char *d = "  sel:\n    CommandLine|windash|contains: ' -exec'\n"
                  "  condition: sel\n";
  assert_int_equal(sfx_one(d, CL, "ps -exec", NULL), 1);
  assert_int_equal(sfx_one(d, CL, "ps /exec", NULL), 1);
  assert_int_equal(sfx_one(d, CL,
                           "ps \xe2\x80\x93"
                           "exec",
                           NULL),
                   1);
  assert_int_equal(sfx_one(d, CL,
                           "ps \xe2\x80\x94"
                           "exec",
                           NULL),
                   1);
  assert_int_equal(sfx_one(d, CL,
                           "ps \xe2\x80\x95"
                           "exec",
                           NULL),
                   1);
  assert_int_equal(sfx_one(d, CL, "ps +exec", NULL), 0);
  const char *two = "  sel:\n    CommandLine|windash|contains|all:\n"
                    "      - ' -a '\n      - ' -b'\n  condition: sel\n";
  assert_int_equal(sfx_one(two, CL, "x /a /b", NULL), 1);
  assert_int_equal(sfx_one(two, CL,
                           "x -a \xe2\x80\x93"
                           "b",
                           NULL),
                   1);
  /* a dash inside a word is not a switch */
  const char *in = "  sel:\n    CommandLine|windash: 'a-b'\n  condition: sel\n";
  assert_int_equal(sfx_one(in, CL, "a-b", NULL), 1);
  assert_int_equal(sfx_one(in, CL, "a/b", NULL), 0);
}

static void test_cidr(void **st) {
  (void)st;
  const char *d = "  sel:\n    DestinationIp|cidr:\n      - '10.0.0.0/8'\n"
                  "      - 'fe80::/10'\n  condition: sel\n";
  assert_int_equal(sfx_one(d, "DestinationIp", "10.1.2.3", NULL), 1);
  assert_int_equal(sfx_one(d, "DestinationIp", "fe80::1", NULL), 1);
  assert_int_equal(sfx_one(d, "DestinationIp", "11.1.2.3", NULL), 0);
  assert_int_equal(sfx_one(d, "DestinationIp", "not an ip", NULL), 0);
  assert_int_equal(
      sfx_one("  sel:\n    X|cidr: '10.0.0.0/99'\n  condition: sel\n", NULL),
      -1);
}

static void test_exists_null_empty(void **st) {
  (void)st;
  const char *t = "  sel:\n    User|exists: true\n  condition: sel\n";
  const char *f = "  sel:\n    User|exists: false\n  condition: sel\n";
  assert_int_equal(sfx_one(t, "User", "x", NULL), 1);
  assert_int_equal(sfx_one(t, "Other", "x", NULL), 0);
  assert_int_equal(sfx_one(f, "Other", "x", NULL), 1);
  assert_int_equal(sfx_one(f, "User", "x", NULL), 0);
  const char *n = "  sel:\n    User: null\n  condition: sel\n";
  assert_int_equal(sfx_one(n, "Other", "x", NULL), 1);
  assert_int_equal(sfx_one(n, "User", "", NULL), 1);
  assert_int_equal(sfx_one(n, "User", "x", NULL), 0);
  const char *e = "  sel:\n    User: ''\n  condition: sel\n";
  assert_int_equal(sfx_one(e, "User", "", NULL), 1);
  assert_int_equal(sfx_one(e, "User", "x", NULL), 0);
}

static void test_cased(void **st) {
  (void)st;
  const char *d = "  sel:\n    CommandLine|cased|contains: 'Foo'\n"
                  "  condition: sel\n";
  assert_int_equal(sfx_one(d, CL, "xFoox", NULL), 1);
  assert_int_equal(sfx_one(d, CL, "xfoox", NULL), 0);
}

static void test_fieldref(void **st) {
  (void)st;
  const char *d = "  sel:\n    TargetUserName|fieldref: SubjectUserName\n"
                  "  condition: sel\n";
  assert_int_equal(
      sfx_one(d, "TargetUserName", "Bob", "SubjectUserName", "bob", NULL), 1);
  assert_int_equal(
      sfx_one(d, "TargetUserName", "Bob", "SubjectUserName", "alice", NULL), 0);
  const char *c = "  sel:\n    CommandLine|fieldref|contains: Image\n"
                  "  condition: sel\n";
  assert_int_equal(
      sfx_one(c, CL, "run c:\\a.exe now", "Image", "C:\\A.exe", NULL), 1);
}

static void test_expand_unsupported(void **st) {
  (void)st;
  sfx *x = sfx_new("title: t\nid: r1\nlogsource:\n  product: windows\n"
                   "detection:\n  sel:\n    Computer|expand: "
                   "'%DomainControllers%'\n  condition: sel\n");
  const char *why = sfx_failure(x);
  assert_non_null(why);
  assert_non_null(strstr(why, "%DomainControllers%"));
  assert_non_null(strstr(why, "unsupported"));
  sfx_free(x);
}

static void test_numbers_and_compare(void **st) {
  (void)st;
  const char *eq = "  sel:\n    EventID: 4688\n  condition: sel\n";
  assert_int_equal(sfx_one(eq, "EventID", "4688", NULL), 1);
  assert_int_equal(sfx_one(eq, "EventID", "4689", NULL), 0);
  const char *lst = "  sel:\n    EventID:\n      - 4624\n      - 4625\n"
                    "  condition: sel\n";
  assert_int_equal(sfx_one(lst, "EventID", "4625", NULL), 1);
  const char *gt = "  sel:\n    Size|gt: 100\n  condition: sel\n";
  assert_int_equal(sfx_one(gt, "Size", "101", NULL), 1);
  assert_int_equal(sfx_one(gt, "Size", "100", NULL), 0);
  const char *gte = "  sel:\n    Size|gte: 100\n  condition: sel\n";
  assert_int_equal(sfx_one(gte, "Size", "100", NULL), 1);
  const char *lt = "  sel:\n    Size|lt: 1.5\n  condition: sel\n";
  assert_int_equal(sfx_one(lt, "Size", "1.25", NULL), 1);
  assert_int_equal(sfx_one(lt, "Size", "2", NULL), 0);
  const char *lte = "  sel:\n    Size|lte: 7\n  condition: sel\n";
  assert_int_equal(sfx_one(lte, "Size", "7", NULL), 1);
  assert_int_equal(sfx_one(lte, "Size", "abc", NULL), 0);
  assert_int_equal(
      sfx_one("  sel:\n    Size|gt: abc\n  condition: sel\n", NULL), -1);
  const char *hr = "  sel:\n    TimeCreated|hour: 4\n  condition: sel\n";
  assert_int_equal(sfx_one(hr, "TimeCreated", "2021-03-02T04:15:02.1Z", NULL),
                   1);
  assert_int_equal(sfx_one(hr, "TimeCreated", "2021-03-02T05:15:02Z", NULL), 0);
}

static void test_keywords(void **st) {
  (void)st;
  const char *d = "  keywords:\n    - 'mimikatz'\n    - 'sekurlsa'\n"
                  "  condition: keywords\n";
  assert_int_equal(sfx_one(d, "A", "x", "Data", "run MIMIKATZ now", NULL), 1);
  assert_int_equal(sfx_one(d, "A", "x", "Data", "harmless", NULL), 0);
  const char *all = "  keywords:\n    '|all':\n      - 'a1'\n      - 'b2'\n"
                    "  condition: keywords\n";
  assert_int_equal(sfx_one(all, "A", "xa1", "B", "b2", NULL), 1);
  assert_int_equal(sfx_one(all, "A", "xa1", NULL), 0);
}

static void test_bad_rules_reported(void **st) {
  (void)st;
  static const struct {
    const char *det, *why;
  } cases[] = {
      {"  sel:\n    A|nosuch: x\n  condition: sel\n", "unknown modifier"},
      {"  sel:\n    A: x\n  condition: sel and\n", "bad condition"},
      {"  sel:\n    A: x\n  condition: other\n", "unknown selection"},
      {"  sel:\n    A: x\n  condition: sel | count() > 5\n", "aggregation"},
      {"  sel:\n    A|contains|startswith: x\n  condition: sel\n",
       "conflicting"},
      {"  sel:\n    A: x\n", "missing condition"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    char rule[1024];
    snprintf(rule, sizeof rule,
             "title: t\nid: r1\nlogsource:\n  product: windows\n"
             "detection:\n%s",
             cases[i].det);
    sfx *x = sfx_new(rule);
    const char *why = sfx_failure(x);
    assert_non_null(why);
    if (!strstr(why, cases[i].why))
      fail_msg("case %zu: '%s' lacks '%s'", i, why, cases[i].why);
    assert_int_equal(sp_sigma_rule_count(x->s), 0);
    sfx_free(x);
  }
  sfx *x = sfx_new("title: t\nlogsource:\n  product: linux\n  category: "
                   "process_creation\ndetection:\n  s:\n    A: x\n"
                   "  condition: s\n");
  assert_non_null(strstr(sfx_failure(x), "unsupported log source"));
  sfx_free(x);
  x = sfx_new("title: [unclosed\n");
  assert_non_null(strstr(sfx_failure(x), "YAML error"));
  sfx_free(x);
}

/* YAML aliases repeating one big list: bounded per rule, reported. */
static void test_alias_bomb(void **st) {
  (void)st;
  size_t cap = 1 << 16, n = 0;
  char *y = malloc(cap);
  assert_non_null(y);
  n += (size_t)snprintf(y + n, cap - n,
                        "title: t\nid: r1\nlogsource:\n  product: windows\n"
                        "detection:\n  s:\n    - &m\n      A:\n");
  for (int i = 0; i < 1000; i++)
    n += (size_t)snprintf(y + n, cap - n, "        - v%d\n", i);
  for (int i = 0; i < 300; i++)
    n += (size_t)snprintf(y + n, cap - n, "    - *m\n");
  snprintf(y + n, cap - n, "  condition: s\n");
  sfx *x = sfx_new(y);
  assert_non_null(sfx_failure(x));
  assert_non_null(strstr(sfx_failure(x), "too many values"));
  sfx_free(x);
  free(y);
}

/* Rule metadata carried into findings. */
static void test_metadata(void **st) {
  (void)st;
  sfx *x = sfx_new(
      "title: Meta Rule\nid: 0d9c6c2e-0000-4000-8000-000000000001\n"
      "status: test\nlevel: high\nauthor: A. Author\n"
      "description: what it finds\nreferences:\n  - https://example.org/a\n"
      "  - https://example.org/b\ntags:\n  - attack.execution\n"
      "  - attack.t1059.001\n  - attack.t1027\n  - cve.2021-26855\n"
      "logsource:\n  product: windows\ndetection:\n  s:\n    A: x\n"
      "  condition: s\n");
  assert_null(sfx_failure(x));
  const sp_rule *r = sp_sigma_rule_at(x->s, 0);
  assert_string_equal(r->id, "0d9c6c2e-0000-4000-8000-000000000001");
  assert_string_equal(r->name, "Meta Rule");
  assert_string_equal(r->ruleset, "sigma");
  assert_string_equal(r->author, "A. Author");
  assert_string_equal(r->description, "what it finds");
  assert_string_equal(r->reference, "https://example.org/a");
  assert_string_equal(r->techniques, "T1059.001,T1027");
  assert_string_equal(r->cve, "CVE-2021-26855");
  assert_int_equal(r->level, SP_LEVEL_HIGH);
  sfx_free(x);
}

/* --min-level and --rule-status leave rules out, reported as such. */
static void test_filters(void **st) {
  (void)st;
  sp_names *nm;
  assert_int_equal(sp_names_create(&nm), SP_OK);
  const char *y = "title: a\nid: a\nlevel: low\nstatus: stable\n"
                  "logsource:\n  product: windows\n"
                  "detection:\n  s:\n    A: x\n  condition: s\n"
                  "---\ntitle: b\nid: b\nlevel: high\nstatus: deprecated\n"
                  "logsource:\n  product: windows\n"
                  "detection:\n  s:\n    A: x\n  condition: s\n"
                  "---\ntitle: c\nid: c\nlevel: critical\nstatus: test\n"
                  "logsource:\n  product: windows\n"
                  "detection:\n  s:\n    A: x\n  condition: s\n";
  struct {
    const char *lvl, *status;
    size_t loaded;
  } cases[] = {{NULL, NULL, 2},     /* deprecated left out by default */
               {"high", NULL, 1},   /* c */
               {NULL, "stable", 1}, /* a */
               {"low", "stable,test,deprecated", 3}};
  for (size_t i = 0; i < 4; i++) {
    sp_sigma_opts o = {.min_level = cases[i].lvl, .status = cases[i].status};
    sp_sigma *s;
    assert_int_equal(sp_sigma_create(&o, nm, &s, NULL), SP_OK);
    assert_int_equal(sp_sigma_add_text(s, "f.yml", y, strlen(y)), SP_OK);
    assert_int_equal(sp_sigma_finish(s), SP_OK);
    assert_int_equal(sp_sigma_rule_count(s), cases[i].loaded);
    assert_int_equal(sp_sigma_report_count(s), 3);
    sp_sigma_destroy(s);
  }
  sp_sigma_opts bad = {.min_level = "severe"};
  sp_sigma *s;
  sp_diag d = {0};
  assert_int_equal(sp_sigma_create(&bad, nm, &s, &d), SP_EINVAL);
  assert_non_null(strstr(d.msg, "severe"));
  sp_names_destroy(nm);
}

/* Defender's EventData names carry spaces ("Threat Name"); rules of
 * service windefend name them without. */
static void test_defender_names(void **st) {
  (void)st;
  sfx *x =
      sfx_new("title: d\nid: d1\nlogsource:\n  product: windows\n"
              "  service: windefend\ndetection:\n  sel:\n"
              "    EventID: 1119\n    ThreatName|endswith: EICAR_Test_File\n"
              "  condition: sel\n");
  assert_null(sfx_failure(x));
  sfx_event(x, "evtx", 1);
  sfx_set(x, "Channel", "Microsoft-Windows-Windows Defender/Operational");
  sfx_set(x, "EventID", "1119");
  sfx_set(x, "Threat Name", "Virus:DOS/EICAR_Test_File");
  assert_int_equal(sfx_match(x), 1);
  sfx_event(x, "evtx", 2);
  sfx_set(x, "Channel", "Microsoft-Windows-Windows Defender/Operational");
  sfx_set(x, "EventID", "1119");
  sfx_set(x, "Threat Name", "Trojan:Win32/Foo");
  assert_int_equal(sfx_match(x), 0);
  sfx_free(x);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_plain_equality_case_insensitive),
      cmocka_unit_test(test_contains_startswith_endswith),
      cmocka_unit_test(test_wildcards),
      cmocka_unit_test(test_escapes),
      cmocka_unit_test(test_lists_and_all),
      cmocka_unit_test(test_re),
      cmocka_unit_test(test_base64),
      cmocka_unit_test(test_base64offset),
      cmocka_unit_test(test_utf16),
      cmocka_unit_test(test_windash),
      cmocka_unit_test(test_cidr),
      cmocka_unit_test(test_exists_null_empty),
      cmocka_unit_test(test_cased),
      cmocka_unit_test(test_fieldref),
      cmocka_unit_test(test_expand_unsupported),
      cmocka_unit_test(test_numbers_and_compare),
      cmocka_unit_test(test_keywords),
      cmocka_unit_test(test_bad_rules_reported),
      cmocka_unit_test(test_alias_bomb),
      cmocka_unit_test(test_metadata),
      cmocka_unit_test(test_filters),
      cmocka_unit_test(test_defender_names),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
