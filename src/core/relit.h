/*
 * relit.h - the longest literal every match of a regular expression must
 * contain, read from the pattern's text: a necessary condition a
 * multi-pattern literal scan can test before the regex runs (the IOC
 * set's regexes, Sigma's `re` values).
 */
#ifndef SP_CORE_RELIT_H
#define SP_CORE_RELIT_H

#include <stddef.h>

/* The longest literal (case as written) that every match of the PCRE2
 * pattern re[0..n) contains, into out, which has room for n bytes; returns
 * its length, 0 when none is sure. Reads only top-level literal characters
 * and escapes of punctuation: a group, class or special escape ends a run,
 * a quantifier takes back the character it applies to, and a top-level '|'
 * means no literal is required. The caller decides what the pattern's
 * flags allow (inline options such as (?x) change what a literal is). */
size_t sp_re_required_literal(const char *re, size_t n, char *out);

#endif
