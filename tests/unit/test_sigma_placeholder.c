/*
 * test_sigma_placeholder.c - the Sigma `expand` modifier with a placeholder
 * table, against the semantics of pySigma's placeholder transformations
 * (sigma/processing/transformations/placeholder.py, SigmaString
 * .insert_placeholders/.replace_placeholders in sigma/types.py): a value's
 * `%name%` becomes the OR of the placeholder's values (every combination
 * for several placeholders), spliced into the item's value list (so AND
 * under |all), the values being Sigma strings (wildcards and escapes
 * active), `\%` a literal %, and a % that opens no placeholder (`%%`, `50%`)
 * itself; WildcardPlaceholderTransformation's `*` for names the table lacks
 * in wildcard mode. The placeholder file parser against hostile YAML.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "sigma_fixture.h"

#include <fcntl.h>
#include <unistd.h>

#define CL "CommandLine"

/* A set with placeholder table ph (YAML) and one rule over any Windows
 * event with the given detection body. */
static sfx *ph_new(const char *ph, bool wildcard, const char *detection) {
  char rule[8192];
  snprintf(rule, sizeof rule,
           "title: t\nid: r1\nlogsource:\n  product: windows\n"
           "detection:\n%s",
           detection);
  sfx *x = calloc(1, sizeof *x);
  assert_non_null(x);
  assert_int_equal(sp_names_create(&x->nm), SP_OK);
  sp_diag d = {0};
  assert_int_equal(sp_sigma_create(NULL, x->nm, &x->s, &d), SP_OK);
  if (ph || wildcard)
    assert_int_equal(sp_sigma_set_placeholders(
                         x->s, "ph.yml", ph, ph ? strlen(ph) : 0, wildcard, &d),
                     SP_OK);
  assert_int_equal(sp_sigma_add_text(x->s, "test.yml", rule, strlen(rule)),
                   SP_OK);
  assert_int_equal(sp_sigma_finish(x->s), SP_OK);
  assert_int_equal(sp_sigma_mctx_create(x->s, &x->m), SP_OK);
  return x;
}

/* Match one event (name/value pairs, NULL-terminated) against the rule:
 * 1 match, 0 none, -1 the rule failed to load. */
static int ph_one(const char *ph, bool wildcard, const char *detection, ...) {
  va_list ap;
  va_start(ap, detection);
  int r = sfx_vrun(ph_new(ph, wildcard, detection), ap);
  va_end(ap);
  return r;
}

static const char *const PH = "dcs: ['DC01', 'DC02']\n"
                              "host: [srv1, srv2]\n"
                              "tool: [mimikatz, rubeus]\n"
                              "dir: ['C:\\Temp\\']\n"
                              "exe: ['\\whoami.exe', '\\net.exe']\n"
                              "a: [x, y]\n"
                              "b: ['1', '2']\n"
                              "tok: [-enc, hidden]\n"
                              "one: solo\n"
                              "wks: ['WKS-*', 'a\\*b', 'h?st']\n"
                              "ids: [4624, 4625]\n"
                              "pct: ['50%']\n";

/* `%name%` alone: the OR of the values, case-insensitive as any value. */
static void test_alone(void **st) {
  (void)st;
  const char *d = "  sel:\n    Computer|expand: '%dcs%'\n  condition: sel\n";
  assert_int_equal(ph_one(PH, false, d, "Computer", "DC01", NULL), 1);
  assert_int_equal(ph_one(PH, false, d, "Computer", "dc02", NULL), 1);
  assert_int_equal(ph_one(PH, false, d, "Computer", "DC03", NULL), 0);
  assert_int_equal(ph_one(PH, false, d, "Computer", "DC01x", NULL), 0);
  /* one string instead of a list */
  const char *o = "  sel:\n    Computer|expand: '%one%'\n  condition: sel\n";
  assert_int_equal(ph_one(PH, false, o, "Computer", "SOLO", NULL), 1);
  assert_int_equal(ph_one(PH, false, o, "Computer", "solo2", NULL), 0);
}

/* Inside a longer string, the rest of the value kept around each value. */
static void test_inside(void **st) {
  (void)st;
  const char *d =
      "  sel:\n    CommandLine|expand: 'ping -n 1 %host%.corp.local'\n"
      "  condition: sel\n";
  assert_int_equal(ph_one(PH, false, d, CL, "ping -n 1 srv2.corp.local", NULL),
                   1);
  assert_int_equal(ph_one(PH, false, d, CL, "ping -n 1 srv3.corp.local", NULL),
                   0);
  assert_int_equal(ph_one(PH, false, d, CL, "ping -n 1 srv1.corp.localX", NULL),
                   0);
}

static void test_anchors(void **st) {
  (void)st;
  const char *c = "  sel:\n    CommandLine|contains|expand: '%tool%'\n"
                  "  condition: sel\n";
  assert_int_equal(ph_one(PH, false, c, CL, "run MIMIKATZ.exe now", NULL), 1);
  assert_int_equal(ph_one(PH, false, c, CL, "rubeus asktgt", NULL), 1);
  assert_int_equal(ph_one(PH, false, c, CL, "kekeo", NULL), 0);
  /* modifier order does not matter */
  const char *c2 = "  sel:\n    CommandLine|expand|contains: '%tool%'\n"
                   "  condition: sel\n";
  assert_int_equal(ph_one(PH, false, c2, CL, "x rubeus y", NULL), 1);
  const char *s = "  sel:\n    Image|startswith|expand: '%dir%'\n"
                  "  condition: sel\n";
  assert_int_equal(ph_one(PH, false, s, "Image", "c:\\temp\\a.exe", NULL), 1);
  assert_int_equal(ph_one(PH, false, s, "Image", "d:\\c:\\temp\\a.exe", NULL),
                   0);
  const char *e = "  sel:\n    Image|endswith|expand: '%exe%'\n"
                  "  condition: sel\n";
  assert_int_equal(
      ph_one(PH, false, e, "Image", "C:\\Windows\\System32\\NET.EXE", NULL), 1);
  assert_int_equal(
      ph_one(PH, false, e, "Image", "C:\\Windows\\System32\\net1.exe", NULL),
      0);
  /* cased applies to each expansion */
  const char *k = "  sel:\n    Computer|cased|expand: '%dcs%'\n"
                  "  condition: sel\n";
  assert_int_equal(ph_one(PH, false, k, "Computer", "DC01", NULL), 1);
  assert_int_equal(ph_one(PH, false, k, "Computer", "dc01", NULL), 0);
}

/* Several placeholders: every combination (pySigma's replace_placeholders
 * product); a list of values with placeholders is spliced. */
static void test_several(void **st) {
  (void)st;
  const char *d = "  sel:\n    CommandLine|expand: '%a%-%b%'\n"
                  "  condition: sel\n";
  assert_int_equal(ph_one(PH, false, d, CL, "x-1", NULL), 1);
  assert_int_equal(ph_one(PH, false, d, CL, "y-2", NULL), 1);
  assert_int_equal(ph_one(PH, false, d, CL, "x-y", NULL), 0);
  assert_int_equal(ph_one(PH, false, d, CL, "y-3", NULL), 0);
  const char *l = "  sel:\n    Computer|expand:\n      - '%dcs%'\n"
                  "      - '%host%'\n      - literal\n  condition: sel\n";
  assert_int_equal(ph_one(PH, false, l, "Computer", "srv2", NULL), 1);
  assert_int_equal(ph_one(PH, false, l, "Computer", "dc02", NULL), 1);
  assert_int_equal(ph_one(PH, false, l, "Computer", "literal", NULL), 1);
  assert_int_equal(ph_one(PH, false, l, "Computer", "srv9", NULL), 0);
}

/* |all: pySigma splices the expansions into the AND-linked value list, so
 * every value of the placeholder must match. */
static void test_all(void **st) {
  (void)st;
  const char *d = "  sel:\n    CommandLine|contains|all|expand: '%tok%'\n"
                  "  condition: sel\n";
  assert_int_equal(
      ph_one(PH, false, d, CL, "powershell -enc AAA -w hidden", NULL), 1);
  assert_int_equal(ph_one(PH, false, d, CL, "powershell -enc AAA", NULL), 0);
  assert_int_equal(ph_one(PH, false, d, CL, "powershell -w hidden", NULL), 0);
}

/* A placeholder the table lacks: the rule is not loaded, the reason names
 * it; with a table too. */
static void test_missing(void **st) {
  (void)st;
  const char *d = "  sel:\n    Computer|expand: 'x-%nope%'\n"
                  "  condition: sel\n";
  sfx *x = ph_new(PH, false, d);
  const char *why = sfx_failure(x);
  assert_non_null(why);
  assert_non_null(
      strstr(why, "unsupported: expand placeholder %nope% is not configured"));
  assert_int_equal(sp_sigma_rule_count(x->s), 0);
  sfx_free(x);
  /* in a list after a value that expands: the missing one is named */
  const char *l = "  sel:\n    Computer|expand:\n      - '%dcs%'\n"
                  "      - plain\n      - '%absent%'\n  condition: sel\n";
  x = ph_new(PH, false, l);
  why = sfx_failure(x);
  assert_non_null(why);
  assert_non_null(strstr(why, "%absent%"));
  sfx_free(x);
  /* no table at all */
  x = ph_new(NULL, false, d);
  why = sfx_failure(x);
  assert_non_null(why);
  assert_non_null(strstr(why, "%nope%"));
  sfx_free(x);
}

/* Wildcard mode: a name the table lacks becomes `*`; known names keep
 * their values. */
static void test_wildcard_mode(void **st) {
  (void)st;
  const char *d = "  sel:\n    Computer|expand: '%nope%'\n  condition: sel\n";
  assert_int_equal(ph_one(NULL, true, d, "Computer", "anything", NULL), 1);
  assert_int_equal(ph_one(NULL, true, d, "Other", "anything", NULL), 0);
  const char *m = "  sel:\n    Computer|expand: 'pre-%nope%-post'\n"
                  "  condition: sel\n";
  assert_int_equal(ph_one(PH, true, m, "Computer", "pre-abc-post", NULL), 1);
  assert_int_equal(ph_one(PH, true, m, "Computer", "pre--post", NULL), 1);
  assert_int_equal(ph_one(PH, true, m, "Computer", "pre-abc", NULL), 0);
  const char *k = "  sel:\n    Computer|expand: '%dcs%'\n  condition: sel\n";
  assert_int_equal(ph_one(PH, true, k, "Computer", "DC01", NULL), 1);
  assert_int_equal(ph_one(PH, true, k, "Computer", "DC09", NULL), 0);
}

/* A placeholder's values are Sigma strings: *, ? and \* keep their meaning
 * (pySigma builds SigmaString(value)). */
static void test_value_wildcards(void **st) {
  (void)st;
  const char *d = "  sel:\n    Computer|expand: '%wks%'\n  condition: sel\n";
  assert_int_equal(ph_one(PH, false, d, "Computer", "wks-042", NULL), 1);
  assert_int_equal(ph_one(PH, false, d, "Computer", "a*b", NULL), 1);
  assert_int_equal(ph_one(PH, false, d, "Computer", "axb", NULL), 0);
  assert_int_equal(ph_one(PH, false, d, "Computer", "host", NULL), 1);
  assert_int_equal(ph_one(PH, false, d, "Computer", "hoost", NULL), 0);
  /* a % inside a value is literal: it is not expanded again */
  const char *p = "  sel:\n    CommandLine|contains|expand: 'at %pct%'\n"
                  "  condition: sel\n";
  assert_int_equal(ph_one(PH, false, p, CL, "cpu at 50% load", NULL), 1);
  assert_int_equal(ph_one(PH, false, p, CL, "cpu at 50 load", NULL), 0);
}

/* Percent forms: `\%` is a literal % (and opens no placeholder), `%%` and a
 * lone % are themselves; `%%x%` is a % then the placeholder x (pySigma's
 * pattern (?<!\\)%[^%]+%). */
static void test_percent_forms(void **st) {
  (void)st;
  const char *a = "  sel:\n    CommandLine|contains|expand: '100%'\n"
                  "  condition: sel\n";
  assert_int_equal(ph_one(PH, false, a, CL, "at 100% now", NULL), 1);
  const char *b = "  sel:\n    CommandLine|expand: '50%% off'\n"
                  "  condition: sel\n";
  assert_int_equal(ph_one(PH, false, b, CL, "50%% off", NULL), 1);
  assert_int_equal(ph_one(PH, false, b, CL, "50% off", NULL), 0);
  const char *c = "  sel:\n    CommandLine|expand: '%%one%'\n"
                  "  condition: sel\n";
  assert_int_equal(ph_one(PH, false, c, CL, "%solo", NULL), 1);
  const char *e = "  sel:\n    CommandLine|expand: 'echo \\%one%'\n"
                  "  condition: sel\n";
  assert_int_equal(ph_one(PH, false, e, CL, "echo %one%", NULL), 1);
  assert_int_equal(ph_one(PH, false, e, CL, "echo solo", NULL), 0);
  /* an escaped backslash before a placeholder: a backslash, then values */
  const char *f = "  sel:\n    CommandLine|expand: 'a\\\\%one%'\n"
                  "  condition: sel\n";
  assert_int_equal(ph_one(PH, false, f, CL, "a\\solo", NULL), 1);
  /* a placeholder name stops at a wildcard: no placeholder here */
  const char *g = "  sel:\n    CommandLine|expand: '%on*e%'\n"
                  "  condition: sel\n";
  assert_int_equal(ph_one(PH, false, g, CL, "%onXe%", NULL), 1);
}

/* Plain numbers stay numbers; other modifiers apply after expansion. */
static void test_numbers_and_other_modifiers(void **st) {
  (void)st;
  const char *d = "  sel:\n    EventID|expand: '%ids%'\n  condition: sel\n";
  assert_int_equal(ph_one(PH, false, d, "EventID", "4625", NULL), 1);
  assert_int_equal(ph_one(PH, false, d, "EventID", "4626", NULL), 0);
  const char *w = "  sel:\n    CommandLine|windash|contains|expand: "
                  "'%tok% x'\n  condition: sel\n";
  assert_int_equal(ph_one(PH, false, w, CL, "ps /enc x", NULL), 1);
  const char *r = "  sel:\n    CommandLine|re|expand: '^%host%[0-9]$'\n"
                  "  condition: sel\n";
  assert_int_equal(ph_one(PH, false, r, CL, "srv17", NULL), 1);
  assert_int_equal(ph_one(PH, false, r, CL, "srv23", NULL), 1);
  assert_int_equal(ph_one(PH, false, r, CL, "srv37", NULL), 0);
  assert_int_equal(ph_one(PH, false, r, CL, "srv2", NULL), 0);
}

/* A rule collection's global part is expanded too. */
static void test_global(void **st) {
  (void)st;
  const char *rules = "action: global\ntitle: t\nlogsource:\n"
                      "  product: windows\ndetection:\n"
                      "  g:\n    Computer|expand: '%dcs%'\n"
                      "  condition: sel and g\n---\nid: r1\n"
                      "detection:\n  sel:\n    User: bob\n";
  sfx *x = calloc(1, sizeof *x);
  assert_non_null(x);
  assert_int_equal(sp_names_create(&x->nm), SP_OK);
  assert_int_equal(sp_sigma_create(NULL, x->nm, &x->s, NULL), SP_OK);
  assert_int_equal(
      sp_sigma_set_placeholders(x->s, "p", PH, strlen(PH), false, NULL), SP_OK);
  assert_int_equal(sp_sigma_add_text(x->s, "g.yml", rules, strlen(rules)),
                   SP_OK);
  assert_int_equal(sp_sigma_finish(x->s), SP_OK);
  assert_null(sfx_failure(x));
  assert_int_equal(sp_sigma_mctx_create(x->s, &x->m), SP_OK);
  sfx_event(x, "evtx", 1);
  sfx_set(x, "Computer", "DC02");
  sfx_set(x, "User", "bob");
  assert_int_equal(sfx_match(x), 1);
  sfx_event(x, "evtx", 2);
  sfx_set(x, "Computer", "WS1");
  sfx_set(x, "User", "bob");
  assert_int_equal(sfx_match(x), 0);
  sfx_free(x);
}

/* Limits on the rule side: a product beyond SG_MAX_VALUES fails the rule
 * with its reason, and never builds the values. */
static void test_too_many_expansions(void **st) {
  (void)st;
  /* 300 values; 300^3 = 27,000,000 combinations */
  size_t cap = 16384, n = 0;
  char *ph = malloc(cap);
  assert_non_null(ph);
  n += (size_t)snprintf(ph + n, cap - n, "v: [");
  for (int i = 0; i < 300; i++)
    n += (size_t)snprintf(ph + n, cap - n, "%sa%d", i ? ", " : "", i);
  snprintf(ph + n, cap - n, "]\n");
  const char *d = "  sel:\n    CommandLine|expand: '%v%%v%%v%'\n"
                  "  condition: sel\n";
  sfx *x = ph_new(ph, false, d);
  const char *why = sfx_failure(x);
  assert_non_null(why);
  assert_non_null(strstr(why, "too many values"));
  sfx_free(x);
  /* 300^2 = 90,000 > 65,536 per item as well */
  const char *d2 = "  sel:\n    CommandLine|expand: '%v%%v%'\n"
                   "  condition: sel\n";
  x = ph_new(ph, false, d2);
  why = sfx_failure(x);
  assert_non_null(why);
  assert_non_null(strstr(why, "too many values"));
  sfx_free(x);
  /* 300 is fine */
  const char *d1 = "  sel:\n    CommandLine|expand: '%v%'\n"
                   "  condition: sel\n";
  assert_int_equal(ph_one(ph, false, d1, CL, "A299", NULL), 1);
  free(ph);
}

/* ---- the placeholder file --------------------------------------------- */
static sp_err parse(const char *text, size_t len, sp_diag *d) {
  sp_names *nm;
  assert_int_equal(sp_names_create(&nm), SP_OK);
  sp_sigma *s;
  assert_int_equal(sp_sigma_create(NULL, nm, &s, NULL), SP_OK);
  memset(d, 0, sizeof *d);
  sp_err e = sp_sigma_set_placeholders(s, "ph.yml", text, len, false, d);
  sp_sigma_destroy(s);
  sp_names_destroy(nm);
  return e;
}

static void expect_bad(const char *text, const char *line, const char *why) {
  sp_diag d;
  sp_err e = parse(text, strlen(text), &d);
  if (e != SP_EINVAL || !strstr(d.msg, line) || !strstr(d.msg, why))
    fail_msg("'%s': got %d '%s', wanted '%s' and '%s'", text, (int)e, d.msg,
             line, why);
  assert_non_null(strstr(d.msg, "ph.yml: "));
}

static void test_file_good(void **st) {
  (void)st;
  sp_names *nm;
  assert_int_equal(sp_names_create(&nm), SP_OK);
  sp_sigma *s;
  assert_int_equal(sp_sigma_create(NULL, nm, &s, NULL), SP_OK);
  assert_int_equal(
      sp_sigma_set_placeholders(s, "p", PH, strlen(PH), false, NULL), SP_OK);
  assert_int_equal(sp_sigma_placeholder_count(s), 12);
  /* empty file, a lone document marker, comments */
  assert_int_equal(sp_sigma_set_placeholders(s, "p", "", 0, false, NULL),
                   SP_OK);
  assert_int_equal(sp_sigma_placeholder_count(s), 0);
  const char *t = "# nothing\n---\n";
  assert_int_equal(sp_sigma_set_placeholders(s, "p", t, strlen(t), false, NULL),
                   SP_OK);
  const char *bl = "x:\n  - a\n  - 'b c'\n  - \"d\\te\"\ny: 7\n";
  assert_int_equal(
      sp_sigma_set_placeholders(s, "p", bl, strlen(bl), false, NULL), SP_OK);
  assert_int_equal(sp_sigma_placeholder_count(s), 2);
  sp_sigma_destroy(s);
  sp_names_destroy(nm);
}

static void test_file_wrong_types(void **st) {
  (void)st;
  expect_bad("- a\n- b\n", "line 1", "must be a mapping");
  expect_bad("just text\n", "line 1", "must be a mapping");
  expect_bad("a: b\nx:\n  y: z\n", "line 3", "not a mapping");
  expect_bad("a:\n  - [x]\n", "line 2", "not a list");
  expect_bad("a:\n  - {x: 1}\n", "line 2", "not a mapping");
  expect_bad("? [a]\n: b\n", "line 1", "name must be a string");
  expect_bad("a: &r x\nb: *r\n", "line 2", "alias");
  expect_bad("a: ~\n", "line 1", "null value");
  expect_bad("a:\n", "line 1", "null value");
  expect_bad("a: [x, null]\n", "line 1", "null value");
  expect_bad("a: []\n", "line 1", "empty list");
  expect_bad("a: x\nb: y\na: z\n", "line 3", "given twice (first at line 1)");
  expect_bad("'%a%': x\n", "line 1", "without the surrounding %");
  expect_bad("'': x\n", "line 1", "empty placeholder name");
  expect_bad("a: x\n---\nb: y\n", "line 2", "more than one YAML document");
  expect_bad("a: [x\n", "line ", "YAML error");
  expect_bad("a: \"x\\0y\"\n", "line 1", "NUL");
}

static void test_file_hostile(void **st) {
  (void)st;
  sp_diag d;
  /* deep nesting: refused at the second level, no tree built */
  size_t n = 200000;
  char *deep = malloc(2 * n + 16);
  assert_non_null(deep);
  memcpy(deep, "a: ", 3);
  memset(deep + 3, '[', n);
  memset(deep + 3 + n, ']', n);
  deep[3 + 2 * n] = 0;
  assert_int_equal(parse(deep, strlen(deep), &d), SP_EINVAL);
  assert_non_null(strstr(d.msg, "line 1"));
  assert_non_null(strstr(d.msg, "not a list"));
  free(deep);
  /* larger than 1 MiB */
  size_t big = (1u << 20) + 10;
  char *huge = malloc(big + 1);
  assert_non_null(huge);
  memset(huge, ' ', big);
  memcpy(huge, "a: b\n#", 6);
  huge[big] = 0;
  assert_int_equal(parse(huge, big, &d), SP_EINVAL);
  assert_non_null(strstr(d.msg, "larger than 1 MiB"));
  free(huge);
  /* a value over 4096 bytes, a name over 256 */
  char *lv = malloc(5000 + 16);
  assert_non_null(lv);
  memcpy(lv, "a: ", 3);
  memset(lv + 3, 'x', 5000);
  lv[5003] = 0;
  assert_int_equal(parse(lv, strlen(lv), &d), SP_EINVAL);
  assert_non_null(strstr(d.msg, "longer than 4096"));
  memset(lv, 'n', 300);
  memcpy(lv + 300, ": x", 4);
  assert_int_equal(parse(lv, strlen(lv), &d), SP_EINVAL);
  assert_non_null(strstr(d.msg, "longer than 256"));
  free(lv);
  /* more than 10,000 names */
  size_t cap = 20000 * 16, k = 0;
  char *many = malloc(cap);
  assert_non_null(many);
  for (int i = 0; i < 10001; i++)
    k += (size_t)snprintf(many + k, cap - k, "n%d: v\n", i);
  assert_int_equal(parse(many, k, &d), SP_EINVAL);
  assert_non_null(strstr(d.msg, "more than 10000 placeholders"));
  assert_non_null(strstr(d.msg, "line 10001"));
  /* exactly 10,000 is fine */
  k = 0;
  for (int i = 0; i < 10000; i++)
    k += (size_t)snprintf(many + k, cap - k, "n%d: v\n", i);
  assert_int_equal(parse(many, k, &d), SP_OK);
  free(many);
  /* binary garbage */
  const char bin[] = "a: \xff\xfe\x00\x01";
  assert_int_equal(parse(bin, sizeof bin - 1, &d), SP_EINVAL);
}

/* The library option: a file that does not exist names itself. */
static void test_file_option(void **st) {
  (void)st;
  sp_names *nm;
  assert_int_equal(sp_names_create(&nm), SP_OK);
  sp_sigma *s = NULL;
  sp_diag d = {0};
  sp_sigma_opts o = {.placeholders = "/nonexistent/ph.yml"};
  assert_int_equal(sp_sigma_create(&o, nm, &s, &d), SP_ENOENT);
  assert_null(s);
  assert_non_null(strstr(d.msg, "/nonexistent/ph.yml"));
  char path[] = "/tmp/spoor_ph_XXXXXX";
  int fd = mkstemp(path);
  assert_true(fd >= 0);
  const char *t = "dcs: [DC01]\nbad: {x: 1}\n";
  assert_int_equal(write(fd, t, strlen(t)), (ssize_t)strlen(t));
  close(fd);
  o.placeholders = path;
  assert_int_equal(sp_sigma_create(&o, nm, &s, &d), SP_EINVAL);
  assert_non_null(strstr(d.msg, path));
  assert_non_null(strstr(d.msg, "line 2"));
  fd = open(path, O_WRONLY | O_TRUNC);
  assert_true(fd >= 0);
  t = "dcs: [DC01]\n";
  assert_int_equal(write(fd, t, strlen(t)), (ssize_t)strlen(t));
  close(fd);
  assert_int_equal(sp_sigma_create(&o, nm, &s, &d), SP_OK);
  assert_int_equal(sp_sigma_placeholder_count(s), 1);
  sp_sigma_destroy(s);
  unlink(path);
  /* wildcard mode without a file */
  sp_sigma_opts w = {.placeholders_wildcard = 1};
  assert_int_equal(sp_sigma_create(&w, nm, &s, &d), SP_OK);
  const char *r = "title: t\nid: r1\nlogsource:\n  product: windows\n"
                  "detection:\n  sel:\n    Computer|expand: '%x%'\n"
                  "  condition: sel\n";
  assert_int_equal(sp_sigma_add_text(s, "r.yml", r, strlen(r)), SP_OK);
  assert_int_equal(sp_sigma_finish(s), SP_OK);
  assert_int_equal(sp_sigma_rule_count(s), 1);
  sp_sigma_destroy(s);
  sp_names_destroy(nm);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_alone),
      cmocka_unit_test(test_inside),
      cmocka_unit_test(test_anchors),
      cmocka_unit_test(test_several),
      cmocka_unit_test(test_all),
      cmocka_unit_test(test_missing),
      cmocka_unit_test(test_wildcard_mode),
      cmocka_unit_test(test_value_wildcards),
      cmocka_unit_test(test_percent_forms),
      cmocka_unit_test(test_numbers_and_other_modifiers),
      cmocka_unit_test(test_global),
      cmocka_unit_test(test_too_many_expansions),
      cmocka_unit_test(test_file_good),
      cmocka_unit_test(test_file_wrong_types),
      cmocka_unit_test(test_file_hostile),
      cmocka_unit_test(test_file_option),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
