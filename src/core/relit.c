/*
 * relit.c - the longest literal a regular expression requires (relit.h),
 * read from the pattern's text in one pass; owns nothing.
 */
#include "core/relit.h"

#include <stdbool.h>
#include <string.h>

/* The index of the ']' that closes the class opened at re[i] == '[' (n when
 * it is not closed): a ']' right after '[' or '[^' is a member, escapes
 * take the next byte, POSIX classes ([:alpha:]) are skipped whole. */
static size_t class_end(const char *re, size_t n, size_t i) {
  size_t j = i + 1;
  if (j < n && re[j] == '^')
    j++;
  if (j < n && re[j] == ']')
    j++;
  while (j < n && re[j] != ']') {
    if (re[j] == '\\') {
      j += 2;
    } else if (re[j] == '[' && j + 1 < n && re[j + 1] == ':') {
      const char *e = NULL;
      for (size_t q = j + 2; q + 1 < n && !e; q++)
        if (re[q] == ':' && re[q + 1] == ']')
          e = re + q;
      j = e ? (size_t)(e - re) + 2 : n;
    } else {
      j++;
    }
  }
  return j < n ? j : n;
}

/* Inline options change what a literal is ((?x) drops spaces, (?i) in
 * the middle makes the rest caseless): true when every "(?" opens a group
 * that does not ((?: (?= (?! (?<= (?<! (?> (?|), after an optional
 * leading "(?i)" (*skip: its length, *ci: set). */
static bool plain_options(const char *re, size_t n, size_t *skip, bool *ci) {
  *skip = 0;
  if (n >= 4 && !memcmp(re, "(?i)", 4)) {
    *skip = 4;
    *ci = true;
  }
  for (const char *p = re + *skip, *e = re + n;
       (p = memmem(p, (size_t)(e - p), "(?", 2)) != NULL; p += 2) {
    char a = p + 2 < e ? p[2] : 0, b = p + 3 < e ? p[3] : 0;
    if (!(a == ':' || a == '=' || a == '!' || a == '>' || a == '|' ||
          (a == '<' && (b == '=' || b == '!'))))
      return false;
  }
  return true;
}

size_t sp_re_required_literal(const char *re, size_t n, bool caseless,
                              char *out) {
  size_t skip;
  if (!plain_options(re, n, &skip, &caseless))
    return 0;
  re += skip;
  n -= skip;
  size_t best = 0, best_at = 0, run = 0, run_at = 0, k = 0;
  int depth = 0;
#define END_RUN()                                                              \
  do {                                                                         \
    if (run > best) {                                                          \
      best = run;                                                              \
      best_at = run_at;                                                        \
    }                                                                          \
    run = 0;                                                                   \
  } while (0)
  for (size_t i = 0; i < n; i++) {
    char c = re[i];
    if (c == '[') { /* a class: one character of a set, no literal */
      END_RUN();
      i = class_end(re, n, i);
      continue;
    }
    if (depth > 0) { /* inside a group: only its nesting matters */
      if (c == '\\')
        i++;
      else if (c == '(')
        depth++;
      else if (c == ')')
        depth--;
      continue;
    }
    if (c == '|')
      return 0; /* an alternative at the top: nothing is sure */
    if (c == '(') {
      END_RUN();
      depth++;
      continue;
    }
    if (c == '*' || c == '?' || c == '{' || c == '+') {
      if (run && c != '+')
        run--; /* the quantified character is optional */
      END_RUN();
      if (c == '{') { /* past the closing brace, which is not a literal */
        while (i + 1 < n && re[i + 1] != '}')
          i++;
        i++;
      }
      continue;
    }
    if (c == '.' || c == '^' || c == '$' || c == ')') {
      END_RUN();
      continue;
    }
    if (c == '\\') {
      if (i + 1 >= n)
        break;
      char e = re[++i];
      if ((e >= 'a' && e <= 'z') || (e >= 'A' && e <= 'Z') ||
          (e >= '0' && e <= '9')) {
        END_RUN(); /* \d, \w, \x41, \Q, back references: not plain */
        continue;
      }
      c = e;
    }
    /* a byte of a UTF-8 sequence: a quantifier after it would take back
     * the whole character, and caselessly it has other forms: not plain;
     * caselessly in UTF mode K and S also match the Kelvin sign and the
     * long s (pcre2pattern(3)), so they are not plain either */
    if ((unsigned char)c >= 0x80 ||
        (caseless && (c == 'k' || c == 'K' || c == 's' || c == 'S'))) {
      END_RUN();
      continue;
    }
    if (run == 0)
      run_at = k;
    out[k++] = c;
    run++;
  }
  END_RUN();
#undef END_RUN
  memmove(out, out + best_at, best);
  return best;
}
