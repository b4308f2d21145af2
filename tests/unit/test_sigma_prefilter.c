/*
 * test_sigma_prefilter.c - the Sigma prefilter (sigma_prefilter.c) must
 * not change what matches: every case here is decided by the Sigma
 * specification 2.x semantics of the modifiers (contains, startswith,
 * endswith, equality, cased, windash, wildcards, keywords, numbers), and
 * each exercises one mechanism of the prefilter: equal literals of several
 * rules sharing one pattern (fan-out) with different anchors, fields and
 * case; an anywhere-literal reported once per event while its anchored
 * twins still see the occurrence at the end; integer equalities decided by
 * the integer table; a glob's necessary literal gating its rule; keyword
 * matchers per bucket over values joined by 0 bytes (no match across two
 * values) with stepped scanning (every alignment); 1 to 3 byte literals at
 * a value's end; hits of other log sources ignored; the bucket cache under
 * many interleaved (Channel, EventID) keys.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "sigma_fixture.h"

#define CL "CommandLine"

/* " id " occurs in the space separated hit list. */
static bool hit(const sfx *x, const char *id) {
  size_t n = strlen(id);
  for (const char *p = x->hits; (p = strstr(p, id)) != NULL; p += n)
    if ((p == x->hits || p[-1] == ' ') && (p[n] == 0 || p[n] == ' '))
      return true;
  return false;
}

/* Match an event of up to two fields; the number of rules that matched. */
static size_t ev2(sfx *x, const char *k1, const char *v1, const char *k2,
                  const char *v2) {
  sfx_event(x, "evtx", 1);
  if (k1)
    sfx_set(x, k1, v1);
  if (k2)
    sfx_set(x, k2, v2);
  return sfx_match(x);
}

/* One document of a rule over any Windows event. */
#define RULE(id, body)                                                         \
  "---\ntitle: " id "\nid: " id "\nlogsource:\n  product: windows\n"           \
  "detection:\n" body

/* One literal, five rules: contains, startswith, endswith, equality on
 * CommandLine and contains on another field, plus a cased contains. */
static const char *shared_rules =
    RULE("any", "  s:\n    CommandLine|contains: 'evil'\n  condition: s\n")
        RULE("pre", "  s:\n    CommandLine|startswith: 'evil'\n"
                    "  condition: s\n")
            RULE("suf", "  s:\n    CommandLine|endswith: 'evil'\n"
                        "  condition: s\n")
                RULE("eq", "  s:\n    CommandLine: 'evil'\n  condition: s\n")
                    RULE("parent", "  s:\n    ParentCommandLine|contains: "
                                   "'evil'\n  condition: s\n")
                        RULE("cased", "  s:\n    CommandLine|contains|cased: "
                                      "'Evil'\n  condition: s\n");

static void test_fanout_anchors_fields_case(void **st) {
  (void)st;
  sfx *x = sfx_new(shared_rules);
  assert_null(sfx_failure(x));
  assert_int_equal(ev2(x, CL, "xx evil yy", NULL, NULL), 1);
  assert_true(hit(x, "any"));
  assert_int_equal(ev2(x, CL, "EVIL yy", NULL, NULL), 2);
  assert_true(hit(x, "any") && hit(x, "pre"));
  assert_int_equal(ev2(x, CL, "xx eViL", NULL, NULL), 2);
  assert_true(hit(x, "any") && hit(x, "suf"));
  assert_int_equal(ev2(x, CL, "Evil", NULL, NULL), 5);
  assert_true(hit(x, "any") && hit(x, "pre") && hit(x, "suf") && hit(x, "eq") &&
              hit(x, "cased"));
  assert_false(hit(x, "parent"));
  /* the literal in another field: only that field's rule */
  assert_int_equal(ev2(x, "ParentCommandLine", "run evil now", NULL, NULL), 1);
  assert_true(hit(x, "parent"));
  assert_int_equal(ev2(x, "Image", "evil", NULL, NULL), 0);
  /* both fields */
  assert_int_equal(ev2(x, CL, "evil!", "ParentCommandLine", "evil"), 3);
  assert_true(hit(x, "any") && hit(x, "pre") && hit(x, "parent"));
  /* cased: the exact bytes only */
  assert_int_equal(ev2(x, CL, "an Evil one", NULL, NULL), 2);
  assert_true(hit(x, "cased"));
  assert_int_equal(ev2(x, CL, "an EVIL one", NULL, NULL), 1);
  assert_false(hit(x, "cased"));
  /* near misses */
  assert_int_equal(ev2(x, CL, "evi l", NULL, NULL), 0);
  assert_int_equal(ev2(x, CL, "", NULL, NULL), 0);
  sfx_free(x);
}

/* The literal twice: contains takes the first occurrence, startswith and
 * endswith the ones at the ends, over several events in a row. */
static void test_repeated_occurrences(void **st) {
  (void)st;
  sfx *x = sfx_new(shared_rules);
  for (int round = 0; round < 3; round++) {
    assert_int_equal(ev2(x, CL, "evil and evil", NULL, NULL), 3);
    assert_true(hit(x, "any") && hit(x, "pre") && hit(x, "suf"));
    assert_int_equal(ev2(x, CL, "x evil evil y", NULL, NULL), 1);
    assert_int_equal(ev2(x, CL, "x evil evilevil", NULL, NULL), 2);
    assert_true(hit(x, "suf"));
  }
  sfx_free(x);
}

/* The value cache (sigma_match.c): a value seen again replays its first
 * scan's hits. More hits than an entry holds (30 rules on one 150-byte
 * value), a value longer than an entry holds, and the same values again in
 * other events must match as a fresh scan does (Sigma's contains and
 * endswith semantics decide each case). */
static void test_value_cache(void **st) {
  (void)st;
  char rules[16384] = "", val[256] = "", one[128];
  size_t o = 0, v = 0;
  for (int i = 0; i < 30; i++) {
    o += (size_t)snprintf(rules + o, sizeof rules - o,
                          "---\ntitle: k%02d\nid: k%02d\nlogsource:\n"
                          "  product: windows\ndetection:\n  s:\n"
                          "    CommandLine|contains: 'qk%02d'\n"
                          "  condition: s\n",
                          i, i, i);
    v += (size_t)snprintf(val + v, sizeof val - v, "%sqk%02d", i ? " " : "", i);
  }
  o += (size_t)snprintf(rules + o, sizeof rules - o, "%s",
                        RULE("end", "  s:\n    CommandLine|endswith: 'qk29'\n"
                                    "  condition: s\n"));
  sfx *x = sfx_new(rules);
  assert_null(sfx_failure(x));
  char longv[300];
  memset(longv, 'z', sizeof longv);
  memcpy(longv, "qk03 ", 5);
  memcpy(longv + sizeof longv - 6, " qk07", 5);
  longv[sizeof longv - 1] = 0;
  for (int round = 0; round < 3; round++) {
    assert_int_equal(ev2(x, CL, val, NULL, NULL), 31); /* 30 + endswith */
    assert_true(hit(x, "k00") && hit(x, "k29") && hit(x, "end"));
    assert_int_equal(ev2(x, CL, longv, NULL, NULL), 2);
    assert_true(hit(x, "k03") && hit(x, "k07"));
    snprintf(one, sizeof one, "run qk29 then qk05 %d", round % 2);
    assert_int_equal(ev2(x, CL, one, NULL, NULL), 2);
    assert_false(hit(x, "end"));
    assert_int_equal(ev2(x, CL, "run qk05 then qk29", NULL, NULL), 3);
    assert_true(hit(x, "end"));
    /* the same value in another field: that field has no rules */
    assert_int_equal(ev2(x, "Image", "qk05 qk29", NULL, NULL), 0);
  }
  sfx_free(x);
}

/* Values with more hits than a cache entry holds (64): 100 rules with
 * two-byte literals, values holding 64 and 70 of them (the others and
 * the boundaries between two literals, digit then letter, are none); the
 * rules that match are those whose literal the value contains (strstr). */
static void test_value_cache_many_hits(void **st) {
  (void)st;
  char *rules = malloc(64 * 1024);
  assert_non_null(rules);
  size_t o = 0;
  for (int i = 0; i < 100; i++)
    o += (size_t)snprintf(rules + o, 64 * 1024 - o,
                          "---\ntitle: c%02d\nid: c%02d\nlogsource:\n"
                          "  product: windows\ndetection:\n  s:\n"
                          "    CommandLine|contains: '%c%d'\n"
                          "  condition: s\n",
                          i, i, 'g' + i / 10, i % 10);
  sfx *x = sfx_new(rules);
  assert_null(sfx_failure(x));
  const int counts[] = {64, 70, 64};
  for (int round = 0; round < 6; round++) {
    int k = counts[round % 3];
    char val[200];
    size_t v = 0;
    for (int i = 0; i < k; i++) /* in another order each round */
      v += (size_t)snprintf(val + v, sizeof val - v, "%c%d",
                            'g' + ((i + round) % k) / 10,
                            ((i + round) % k) % 10);
    size_t want = 0;
    for (int i = 0; i < 100; i++) {
      char lit[3] = {(char)('g' + i / 10), (char)('0' + i % 10), 0};
      want += strstr(val, lit) != NULL;
    }
    assert_int_equal(want, (size_t)k);
    assert_int_equal(ev2(x, CL, val, NULL, NULL), want);
    assert_true(hit(x, k == 70 ? "c69" : "c63"));
    assert_false(hit(x, "c70"));
  }
  sfx_free(x);
  free(rules);
}

/* Integer equality: numerically, as the specification's numbers. */
static void test_integer_equality(void **st) {
  (void)st;
  const char *r = RULE("n4625", "  s:\n    EventID: 4625\n  condition: s\n")
      RULE("both", "  s:\n    EventID: 4624\n    LogonType:\n      - 3\n"
                   "      - 10\n  condition: s\n")
          RULE("big", "  s:\n    Count: 9007199254740993\n"
                      "  condition: s\n");
  sfx *x = sfx_new(r);
  assert_int_equal(ev2(x, "EventID", "4625", NULL, NULL), 1);
  assert_true(hit(x, "n4625"));
  assert_int_equal(ev2(x, "EventID", "4625.0", NULL, NULL), 1);
  assert_int_equal(ev2(x, "EventID", "4626", NULL, NULL), 0);
  assert_int_equal(ev2(x, "EventID", "x4625", NULL, NULL), 0);
  assert_int_equal(ev2(x, "EventID", "4624", "LogonType", "10"), 1);
  assert_true(hit(x, "both"));
  assert_int_equal(ev2(x, "EventID", "4624", "LogonType", "2"), 0);
  assert_int_equal(ev2(x, "EventID", "4624", NULL, NULL), 0);
  /* above 2^53: tested as before, integer against integer */
  assert_int_equal(ev2(x, "Count", "9007199254740993", NULL, NULL), 1);
  assert_int_equal(ev2(x, "Count", "9007199254740992", NULL, NULL), 0);
  sfx_free(x);
}

/* Globs gated by their longest literal run: windash and wildcards. */
static void test_glob_necessary_literal(void **st) {
  (void)st;
  const char *r =
      RULE("wd", "  s:\n    CommandLine|contains|windash: ' -s cmd'\n"
                 "  condition: s\n")
          RULE("wc", "  s:\n    CommandLine|contains: 'ipconfig*|*find'\n"
                     "  f:\n    Image|endswith: '\\\\ok.exe'\n"
                     "  condition: s and not f\n");
  sfx *x = sfx_new(r);
  assert_null(sfx_failure(x));
  assert_int_equal(ev2(x, CL, "psexec -s cmd.exe", NULL, NULL), 1);
  assert_true(hit(x, "wd"));
  assert_int_equal(ev2(x, CL, "psexec /s cmd.exe", NULL, NULL), 1);
  assert_int_equal(ev2(x, CL, "psexec \xe2\x80\x93s cmd.exe", /* en dash */
                       NULL, NULL),
                   1);
  assert_int_equal(ev2(x, CL, "psexec -x cmd.exe", NULL, NULL), 0);
  /* the literal run in another field does not count */
  assert_int_equal(ev2(x, "Image", "s cmd", CL, "psexec -s cmx"), 0);
  assert_int_equal(ev2(x, CL, "IPCONFIG /all | FIND \"x\"", NULL, NULL), 1);
  assert_true(hit(x, "wc"));
  assert_int_equal(ev2(x, CL, "ipconfig /all", NULL, NULL), 0);
  assert_int_equal(ev2(x, CL, "find | ipconfig", NULL, NULL), 0);
  assert_int_equal(ev2(x, CL, "ipconfig|find", "Image", "c:\\ok.exe"), 0);
  sfx_free(x);
}

/* A regex's required literal gates it (core/relit.c): PCRE2 semantics
 * decide every case: the literal in another field or a near miss does not
 * wake it, case counts (re without i), a brace quantifier's '}' is no
 * literal, a caseless regex (re|i, or a leading (?i)) is gated by a
 * literal without K and S (in UTF mode PCRE2 matches them to the Kelvin
 * sign and the long s) and still matches in any case, a value without the
 * literal is not evaluated, and a not-selection with a regex still works. */
static void test_regex_necessary_literal(void **st) {
  (void)st;
  const char *r = RULE("re", "  s:\n    CommandLine|re: 'abc[0-9]{2}defgh'\n"
                             "  condition: s\n")
      RULE("rei", "  s:\n    CommandLine|re|i: 'KLMN[0-9]+OPQR'\n"
                  "  condition: s\n")
          RULE("inl", "  s:\n    CommandLine|re: '(?i)invoke-obf'\n"
                      "  condition: s\n")
              RULE("reneg", "  s:\n    Image|endswith: '\\\\x.exe'\n"
                            "  f:\n    CommandLine|re: 'safe-[a-z]+-mode'\n"
                            "  condition: s and not f\n");
  sfx *x = sfx_new(r);
  assert_null(sfx_failure(x));
  assert_int_equal(ev2(x, CL, "xx abc12defgh yy", NULL, NULL), 1);
  assert_true(hit(x, "re"));
  assert_int_equal(ev2(x, CL, "abc12DEFGH", NULL, NULL), 0);   /* cased */
  assert_int_equal(ev2(x, CL, "abc123defgh", NULL, NULL), 0);  /* {2} */
  assert_int_equal(ev2(x, CL, "abc12}defgh", NULL, NULL), 0);  /* no '}' */
  assert_int_equal(ev2(x, "Image", "abc12defgh", CL, "x"), 0); /* field */
  assert_int_equal(ev2(x, CL, "klmn42opqr", NULL, NULL), 1);
  assert_true(hit(x, "rei"));
  assert_int_equal(ev2(x, CL, "KlMn7OpQr", NULL, NULL), 1);
  assert_int_equal(ev2(x, CL, "\xe2\x84\xaaLMN7OPQR", NULL, NULL), 1);
  uint64_t e0 = sp_sigma_mctx_evals(x->m);
  assert_int_equal(ev2(x, CL, "klmn42opq", NULL, NULL), 0);
  assert_int_equal(sp_sigma_mctx_evals(x->m), e0); /* gated */
  assert_int_equal(ev2(x, CL, "run INVOKE-OBF now", NULL, NULL), 1);
  assert_true(hit(x, "inl"));
  assert_int_equal(ev2(x, CL,
                       "invo\xe2\x84\xaa"
                       "e-obf",
                       NULL, NULL),
                   1);
  assert_int_equal(ev2(x, CL, "invoke-ob", NULL, NULL), 0);
  assert_int_equal(ev2(x, "Image", "c:\\x.exe", CL, "run safe-boot-mode"), 0);
  assert_int_equal(ev2(x, "Image", "c:\\x.exe", CL, "run unsafe"), 1);
  assert_true(hit(x, "reneg"));
  sfx_free(x);
}

/* A map's gate is its item least likely to be hit: not EventID (the
 * index's buckets hold one), not an integer (LogonType), but the longest
 * literal; so an event with every other item true is not evaluated, and
 * one with all of them is matched. An AND gates by its better side. */
static void test_gate_choice(void **st) {
  (void)st;
  const char *r = RULE("adm", "  s:\n    EventID: 4624\n    LogonType: 10\n"
                              "    AuthenticationPackageName: Negotiate\n"
                              "    TargetUserName|startswith: 'Admin'\n"
                              "  condition: s\n")
      RULE("wp", "  a:\n    Initiated: 'true'\n"
                 "  b:\n    Image|endswith: '\\\\wordpad.exe'\n"
                 "  condition: a and b\n");
  sfx *x = sfx_new(r);
  assert_null(sfx_failure(x));
  const char *user[] = {"bob", "administrator", "Admin"};
  const size_t want[] = {0, 1, 1};
  for (size_t i = 0; i < 3; i++) {
    uint64_t e0 = sp_sigma_mctx_evals(x->m);
    sfx_event(x, "evtx", 1);
    sfx_set(x, "EventID", "4624");
    sfx_set(x, "LogonType", "10");
    sfx_set(x, "AuthenticationPackageName", "Negotiate");
    sfx_set(x, "TargetUserName", user[i]);
    sfx_set(x, "Initiated", "true");
    assert_int_equal(sfx_match(x), want[i]);
    assert_int_equal(sp_sigma_mctx_evals(x->m) - e0, want[i]);
  }
  uint64_t e0 = sp_sigma_mctx_evals(x->m);
  assert_int_equal(ev2(x, "Initiated", "true", "Image", "c:\\wordpad.exe"), 1);
  assert_true(hit(x, "wp"));
  assert_int_equal(ev2(x, "Initiated", "true", "Image", "c:\\notepad.exe"), 0);
  assert_int_equal(sp_sigma_mctx_evals(x->m) - e0, 1);
  sfx_free(x);
}

/* Keywords: any value, never across two values; every alignment of a
 * stepped scan; a short keyword next to long ones. */
static void test_keywords(void **st) {
  (void)st;
  const char *r = RULE(
      "kw",
      "  keywords:\n    - 'sekurlsa::'\n    - 'privilege::debug'\n"
      "  condition: keywords\n") "---\ntitle: short\nid: short\nlogsource:\n  "
                                 "product: windows\n"
                                 "  service: security\ndetection:\n  "
                                 "keywords:\n    - 'kali'\n"
                                 "    - 'mimikatz'\n  condition: keywords\n";
  sfx *x = sfx_new(r);
  assert_null(sfx_failure(x));
  char v[64];
  for (int pad = 0; pad < 12; pad++) { /* the keyword at every offset */
    snprintf(v, sizeof v, "%.*sSekurLSA::logonpasswords", pad, "xxxxxxxxxxxx");
    assert_int_equal(ev2(x, "Anything", "a", CL, v), 1);
    assert_true(hit(x, "kw"));
  }
  assert_int_equal(ev2(x, "A", "x sekur", "B", "lsa:: y"), 0);
  assert_int_equal(ev2(x, "A", "lsa:: y", "B", "x sekur"), 0);
  assert_int_equal(ev2(x, "A", "sekurlsa:", "B", ":"), 0);
  assert_int_equal(ev2(x, "A", "privilege::debug", NULL, NULL), 1);
  /* the security keywords only in the Security channel */
  assert_int_equal(ev2(x, "Channel", "Security", "User", "KALI"), 1);
  assert_true(hit(x, "short"));
  assert_int_equal(ev2(x, "Channel", "System", "User", "kali"), 0);
  assert_int_equal(ev2(x, "Channel", "Security", "User", "kal"), 0);
  sfx_free(x);
}

/* 1 to 3 byte literals anywhere, at the end of a value; a 300 byte one
 * past the 256 offsets a gram is chosen from. */
static void test_short_and_long_literals(void **st) {
  (void)st;
  char big[301];
  for (int i = 0; i < 300; i++)
    big[i] = (char)('a' + i % 7);
  big[300] = 0;
  char rules[2048];
  snprintf(rules, sizeof rules,
           RULE("c", "  s:\n    CommandLine|contains: '/c'\n  condition: s\n")
               RULE("d", "  s:\n    CommandLine|contains: '|'\n"
                         "  condition: s\n")
                   RULE("big", "  s:\n    CommandLine|contains: '%s'\n"
                               "  condition: s\n"),
           big);
  sfx *x = sfx_new(rules);
  assert_null(sfx_failure(x));
  assert_int_equal(ev2(x, CL, "cmd /c", NULL, NULL), 1);
  assert_true(hit(x, "c"));
  assert_int_equal(ev2(x, CL, "/C", NULL, NULL), 1);
  assert_int_equal(ev2(x, CL, "x/", NULL, NULL), 0);
  assert_int_equal(ev2(x, CL, "a|", NULL, NULL), 1);
  assert_true(hit(x, "d"));
  assert_int_equal(ev2(x, CL, "|", NULL, NULL), 1);
  char val[400];
  snprintf(val, sizeof val, "zz%szz", big);
  assert_int_equal(ev2(x, CL, val, NULL, NULL), 1);
  assert_true(hit(x, "big"));
  val[2 + 299] = '#'; /* its last byte changed */
  assert_int_equal(ev2(x, CL, val, NULL, NULL), 0);
  sfx_free(x);
}

/* The same literal in rules of two log sources: an event of one matches
 * only its own, whatever order the events come in; more (Channel, EventID)
 * keys than the bucket cache holds. */
static void test_log_sources_and_cache(void **st) {
  (void)st;
  const char *r = "title: sec\nid: sec\nlogsource:\n  product: windows\n"
                  "  service: security\ndetection:\n  s:\n"
                  "    TargetUserName|contains: 'adm'\n  condition: s\n---\n"
                  "title: sys\nid: sys\nlogsource:\n  product: windows\n"
                  "  service: system\ndetection:\n  s:\n"
                  "    TargetUserName|contains: 'adm'\n    EventID: 7045\n"
                  "  condition: s\n";
  sfx *x = sfx_new(r);
  assert_null(sfx_failure(x));
  char eid[16];
  for (int i = 0; i < 80; i++) {
    snprintf(eid, sizeof eid, "%d", i % 3 == 0 ? 7045 : 4600 + i);
    const char *ch = i % 2 ? "Security" : "System";
    sfx_event(x, "evtx", 1);
    sfx_set(x, "Channel", ch);
    sfx_set(x, "EventID", eid);
    sfx_set(x, "TargetUserName", "Administrator");
    size_t n = sfx_match(x);
    if (i % 2) {
      assert_int_equal(n, 1);
      assert_true(hit(x, "sec"));
    } else {
      assert_int_equal(n, i % 3 == 0 ? 1 : 0);
      assert_false(hit(x, "sec"));
    }
  }
  sfx_free(x);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_fanout_anchors_fields_case),
      cmocka_unit_test(test_repeated_occurrences),
      cmocka_unit_test(test_value_cache),
      cmocka_unit_test(test_value_cache_many_hits),
      cmocka_unit_test(test_integer_equality),
      cmocka_unit_test(test_glob_necessary_literal),
      cmocka_unit_test(test_regex_necessary_literal),
      cmocka_unit_test(test_gate_choice),
      cmocka_unit_test(test_keywords),
      cmocka_unit_test(test_short_and_long_literals),
      cmocka_unit_test(test_log_sources_and_cache),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
