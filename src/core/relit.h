/*
 * relit.h - the longest literal every match of a regular expression must
 * contain, read from the pattern's text: a necessary condition a
 * multi-pattern literal scan can test before the regex runs (the IOC
 * set's regexes, Sigma's `re` values).
 */
#ifndef SP_CORE_RELIT_H
#define SP_CORE_RELIT_H

#include <stdbool.h>
#include <stddef.h>

/* The longest literal (case as written) that every match of the PCRE2
 * pattern re[0..n) contains, into out, which has room for n bytes; returns
 * its length, 0 when none is sure. Reads only top-level literal characters
 * and escapes of punctuation: a group, class or special escape ends a run,
 * a quantifier takes back the character it applies to, and a top-level '|'
 * means no literal is required. Bytes of UTF-8 sequences are never part
 * of it; caseless (the regex matches without case, in UTF mode): neither
 * are K and S, which also match U+212A and U+017F, so the ASCII letters
 * left match only their two ASCII cases and the literal can be looked for
 * caselessly byte by byte. A leading (?i) makes it caseless; any other
 * inline option ((?x), (?-i), (?i) later on) gives 0, while (?: (?= (?!
 * (?<= (?<! (?> (?| are groups. The caller decides what the flags it
 * compiles with allow (PCRE2_EXTENDED would change what a literal is). */
size_t sp_re_required_literal(const char *re, size_t n, bool caseless,
                              char *out);

#endif
