/*
 * test_relit.c - the literal a regex requires (core/relit.c), which gates
 * Sigma `re` values and IOC regexes: expected literals worked out from the
 * PCRE2 pattern syntax (pcre2pattern(3): classes, POSIX classes, a ']'
 * first in a class, quantifiers with braces, escapes, groups, top-level
 * alternation), and for every case PCRE2 itself as the oracle: each
 * subject is matched by the regex (PCRE2 says so) and contains the
 * literal. A literal that is not in some match would make the gate drop a
 * true match.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
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
} rcase;

static const rcase cases[] = {
    /* SigmaHQ's CallTrace regex shape: braces end a run, '}' is not kept */
    {"^C:\\\\Windows\\\\SYSTEM32\\\\ntdll\\.dll\\+[a-z0-9]{4,6}\\|C:\\\\"
     "Windows\\\\System32\\\\KERNELBASE\\.dll\\+[a-z0-9]{4,6}\\|UNKNOWN\\("
     "[A-Z0-9]{16}\\)$",
     "|C:\\Windows\\System32\\KERNELBASE.dll+",
     {"C:\\Windows\\SYSTEM32\\ntdll.dll+9fc24|C:\\Windows\\System32\\"
      "KERNELBASE.dll+212ee|UNKNOWN(000001A063DE13D4)"}},
    {"ab{2}cdef", "cdef", {"abbcdef", "xxabbcdefyy"}},
    {"ab?cdefg", "cdefg", {"acdefg", "abcdefg"}},
    {"ab*cdefg", "cdefg", {"acdefg", "abbbcdefg"}},
    {"ab+cdefg", "cdefg", {"abcdefg", "abbbcdefg"}},
    {"xyab+", "xyab", {"xyab", "xyabbb"}},
    {"[]abc]xyzw", "xyzw", {"]xyzw", "axyzw"}},
    {"[^]]qrst", "qrst", {"xqrst"}},
    {"[[:alpha:]]]qq", "]qq", {"a]qq"}},
    {"[(]abcd|wxyz", "", {"(abcd", "wxyz"}},
    {"abcd|wxyz", "", {"abcd", "wxyz"}},
    {"(a|b)cdefg", "cdefg", {"acdefg", "bcdefg"}},
    {"x(?:ab|cd)+yyyy", "yyyy", {"xabyyyy", "xcdcdyyyy"}},
    {"\\bpowershell\\.exe\\s+-enc", "powershell.exe", {"powershell.exe  -enc"}},
    {"\\\\\\\\server\\\\share", "\\\\server\\share", {"\\\\server\\share"}},
    {"a.b.c", "a", {"axbyc"}},
    {"", "", {""}},
};

static void test_literals(void **state) {
  (void)state;
  pcre2_match_data *md = pcre2_match_data_create(4, NULL);
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    const rcase *c = &cases[i];
    size_t n = strlen(c->re);
    char out[512];
    size_t ln = sp_re_required_literal(c->re, n, out);
    if (ln != strlen(c->lit) || memcmp(out, c->lit, ln) != 0)
      fail_msg("%s: literal [%.*s], want [%s]", c->re, (int)ln, out, c->lit);
    int ec;
    PCRE2_SIZE eo;
    pcre2_code *re =
        pcre2_compile((PCRE2_SPTR)c->re, n, PCRE2_UTF, &ec, &eo, NULL);
    assert_non_null(re);
    for (size_t k = 0; k < 4 && c->subjects[k]; k++) {
      const char *s = c->subjects[k];
      if (pcre2_match(re, (PCRE2_SPTR)s, strlen(s), 0, 0, md, NULL) < 0)
        fail_msg("%s does not match %s (the test is wrong)", c->re, s);
      if (ln && !memmem(s, strlen(s), out, ln))
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
