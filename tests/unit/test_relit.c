/*
 * test_relit.c - the literal a regex requires (core/relit.c), which gates
 * Sigma `re` values and IOC regexes: expected literals worked out from the
 * PCRE2 pattern syntax (pcre2pattern(3): classes, POSIX classes, a ']'
 * first in a class, quantifiers with braces, escapes, groups, top-level
 * alternation, inline options, UTF-8 characters, caseless matching with
 * its Unicode case sets), and for every case PCRE2 itself as the oracle:
 * each subject is matched by the regex (PCRE2 says so) and contains the
 * literal (in any ASCII case when the regex is caseless). A literal that is not
 * in some match would make the gate drop a true match.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdbool.h>
#include <stdint.h>

#include <cmocka.h>

#include "core/relit.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <string.h>

typedef struct rcase {
  const char *re;
  const char *lit; /* expected, "" for none */
  const char *subjects[4];
  bool ci; /* compiled caseless (re|i, IOC regexes) */
} rcase;

static const rcase cases[] = {
    /* SigmaHQ's CallTrace regex shape: braces end a run, '}' is not kept */
    {"^C:\\\\Windows\\\\SYSTEM32\\\\ntdll\\.dll\\+[a-z0-9]{4,6}\\|C:\\\\"
     "Windows\\\\System32\\\\KERNELBASE\\.dll\\+[a-z0-9]{4,6}\\|UNKNOWN\\("
     "[A-Z0-9]{16}\\)$",
     "|C:\\Windows\\System32\\KERNELBASE.dll+",
     {"C:\\Windows\\SYSTEM32\\ntdll.dll+9fc24|C:\\Windows\\System32\\"
      "KERNELBASE.dll+212ee|UNKNOWN(000001A063DE13D4)"},
     false},
    {"ab{2}cdef", "cdef", {"abbcdef", "xxabbcdefyy"}, false},
    {"ab?cdefg", "cdefg", {"acdefg", "abcdefg"}, false},
    {"ab*cdefg", "cdefg", {"acdefg", "abbbcdefg"}, false},
    {"ab+cdefg", "cdefg", {"abcdefg", "abbbcdefg"}, false},
    {"xyab+", "xyab", {"xyab", "xyabbb"}, false},
    {"[]abc]xyzw", "xyzw", {"]xyzw", "axyzw"}, false},
    {"[^]]qrst", "qrst", {"xqrst"}, false},
    {"[[:alpha:]]]qq", "]qq", {"a]qq"}, false},
    {"[(]abcd|wxyz", "", {"(abcd", "wxyz"}, false},
    {"abcd|wxyz", "", {"abcd", "wxyz"}, false},
    {"(a|b)cdefg", "cdefg", {"acdefg", "bcdefg"}, false},
    {"x(?:ab|cd)+yyyy", "yyyy", {"xabyyyy", "xcdcdyyyy"}, false},
    {"\\bpowershell\\.exe\\s+-enc",
     "powershell.exe",
     {"powershell.exe  -enc"},
     false},
    {"\\\\\\\\server\\\\share",
     "\\\\server\\share",
     {"\\\\server\\share"},
     false},
    {"a.b.c", "a", {"axbyc"}, false},
    {"", "", {""}, false},
    /* a quantifier after a UTF-8 character takes all its bytes back */
    {"abcd\xc3\xa9?xy", "abcd", {"abcdxy", "abcd\xc3\xa9xy"}, false},
    /* caseless in UTF mode: K and S also match U+212A and U+017F
     * (pcre2pattern(3)), so they end a run; the rest may be any case */
    {"(?i)kelvin",
     "elvin",
     {"\xe2\x84\xaa"
      "ELVIN",
      "kelvin"},
     false},
    {"Invoke-Expression",
     "e-Expre",
     {"INVOKE-EXPRE\xc5\xbf\xc5\xbfION", "invoke-expression"},
     true},
    {"(?i)powershell\\.exe -enc",
     "hell.exe -enc",
     {"POWER\xc5\xbfHELL.EXE -ENC"},
     false},
    /* groups that are not options; options that change literals */
    {"(?:ab|cd)efgh(?=xy)(?<!q)", "efgh", {"abefghxy"}, false},
    {"(?x)a b c", "", {"abc"}, false},
    {"abc(?i)defg", "", {"abcDEFG"}, false},
    {"abcd(?-i)efg", "", {"abcdefg"}, false},
};

/* n bytes of lit in s, in ASCII case when ci. */
static bool contains(const char *s, const char *lit, size_t n, bool ci) {
  for (size_t i = 0; s[i]; i++) {
    size_t k = 0;
    for (; k < n && s[i + k]; k++) {
      char a = s[i + k], b = lit[k];
      if (ci && a >= 'A' && a <= 'Z')
        a = (char)(a + 32);
      if (ci && b >= 'A' && b <= 'Z')
        b = (char)(b + 32);
      if (a != b)
        break;
    }
    if (k == n)
      return true;
  }
  return n == 0;
}

static void test_literals(void **state) {
  (void)state;
  pcre2_match_data *md = pcre2_match_data_create(4, NULL);
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    const rcase *c = &cases[i];
    size_t n = strlen(c->re);
    char out[512];
    size_t ln = sp_re_required_literal(c->re, n, c->ci, out);
    bool ci = c->ci || !strncmp(c->re, "(?i)", 4);
    if (ln != strlen(c->lit) || memcmp(out, c->lit, ln) != 0)
      fail_msg("%s: literal [%.*s], want [%s]", c->re, (int)ln, out, c->lit);
    int ec;
    PCRE2_SIZE eo;
    pcre2_code *re =
        pcre2_compile((PCRE2_SPTR)c->re, n,
                      PCRE2_UTF | (c->ci ? PCRE2_CASELESS : 0), &ec, &eo, NULL);
    assert_non_null(re);
    for (size_t k = 0; k < 4 && c->subjects[k]; k++) {
      const char *s = c->subjects[k];
      if (pcre2_match(re, (PCRE2_SPTR)s, strlen(s), 0, 0, md, NULL) < 0)
        fail_msg("%s does not match %s (the test is wrong)", c->re, s);
      if (ln && !contains(s, out, ln, ci))
        fail_msg("%s matches %s, which lacks the literal %.*s", c->re, s,
                 (int)ln, out);
    }
    pcre2_code_free(re);
  }
  pcre2_match_data_free(md);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_literals),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
