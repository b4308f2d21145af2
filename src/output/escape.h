/*
 * escape.h - output escaping shared by every format. Evidence strings are
 * attacker-controlled: these are the only ways they reach an output.
 *  - JSON: quotes, backslashes and all control characters escaped; invalid
 *    UTF-8 replaced by U+FFFD, so the output is always valid JSON.
 *  - CSV: every cell quoted, quotes doubled, C0 controls replaced by a space,
 *    C1 controls, bidi and zero-width characters and invalid UTF-8 by '?',
 *    and cells starting with = + - @ (or tab/CR) prefixed with ' so a
 *    spreadsheet never evaluates them.
 *  - Terminal: C0 controls, DEL and invalid UTF-8 shown as \xNN, and C1
 *    controls, bidi overrides and zero-width characters as \uXXXX, so no
 *    escape sequence or reordering reaches a terminal; optional width cut.
 *  - HTML (text and quoted attribute values alike): & < > " ' as character
 *    references; C0 controls, DEL and invalid UTF-8 shown as \xNN, and C1
 *    controls, bidi overrides and zero-width characters as \uXXXX, as on a
 *    terminal, so evidence is always shown as text and never reordered.
 */
#ifndef SP_OUTPUT_ESCAPE_H
#define SP_OUTPUT_ESCAPE_H

#include <stddef.h>
#include <stdio.h>

void sp_json_str(FILE *out, const char *s, size_t n);
void sp_csv_cell(FILE *out, const char *s, size_t n);
/* Writes at most max_cols display columns (0: unlimited); returns columns. */
size_t sp_term_str(FILE *out, const char *s, size_t n, size_t max_cols);

/* The display columns sp_term_str would write for s without a limit. */
size_t sp_term_cols(const char *s, size_t n);
/* As sp_term_str, but a value wider than max_cols (0: unlimited) is cut to
 * max_cols - 1 columns followed by "…", so a cut is always visible.
 * Returns the columns written. */
size_t sp_term_cut(FILE *out, const char *s, size_t n, size_t max_cols);

void sp_html_text(FILE *out, const char *s, size_t n);

/* Length of the valid UTF-8 sequence at s (1..4), or 0 if invalid. */
size_t sp_utf8_len(const unsigned char *s, size_t n);

#endif
