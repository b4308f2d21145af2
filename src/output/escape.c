/*
 * escape.c - JSON, CSV, terminal and HTML escaping (see escape.h).
 */
#include "output/escape.h"

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

size_t sp_utf8_len(const unsigned char *s, size_t n) {
  unsigned c = s[0];
  if (c < 0x80)
    return 1;
  size_t len;
  uint32_t cp;
  if (c >= 0xC2 && c <= 0xDF) {
    len = 2;
    cp = c & 0x1F;
  } else if (c >= 0xE0 && c <= 0xEF) {
    len = 3;
    cp = c & 0x0F;
  } else if (c >= 0xF0 && c <= 0xF4) {
    len = 4;
    cp = c & 0x07;
  } else {
    return 0;
  }
  if (n < len)
    return 0;
  for (size_t i = 1; i < len; i++) {
    if ((s[i] & 0xC0) != 0x80)
      return 0;
    cp = (cp << 6) | (s[i] & 0x3F);
  }
  if ((len == 3 && cp < 0x800) ||
      (len == 4 && (cp < 0x10000 || cp > 0x10FFFF)) ||
      (cp >= 0xD800 && cp <= 0xDFFF))
    return 0;
  return len;
}

/* Code point of a valid sequence of length l (from sp_utf8_len). */
static uint32_t code_point(const unsigned char *s, size_t l) {
  if (l == 1)
    return s[0];
  uint32_t cp = s[0] & (l == 2 ? 0x1F : l == 3 ? 0x0F : 0x07);
  for (size_t i = 1; i < l; i++)
    cp = (cp << 6) | (s[i] & 0x3F);
  return cp;
}

/* Characters that change how text around them is shown: C1 controls,
 * bidirectional overrides and isolates, zero-width characters, line and
 * paragraph separators, and the byte order mark. */
static bool deceptive(uint32_t cp) {
  return (cp >= 0x80 && cp <= 0x9F) || (cp >= 0x200B && cp <= 0x200F) ||
         (cp >= 0x2028 && cp <= 0x202E) || (cp >= 0x2066 && cp <= 0x2069) ||
         cp == 0xFEFF;
}

void sp_json_str(FILE *out, const char *str, size_t n) {
  const unsigned char *s = (const unsigned char *)str;
  fputc('"', out);
  size_t i = 0;
  while (i < n) {
    unsigned c = s[i];
    if (c == '"' || c == '\\') {
      fputc('\\', out);
      fputc((int)c, out);
      i++;
    } else if (c < 0x20 || c == 0x7F) {
      switch (c) {
      case '\n':
        fputs("\\n", out);
        break;
      case '\r':
        fputs("\\r", out);
        break;
      case '\t':
        fputs("\\t", out);
        break;
      default:
        fprintf(out, "\\u%04x", c);
      }
      i++;
    } else if (c < 0x80) {
      /* A run of bytes that need no escaping goes out in one call. */
      size_t j = i + 1;
      while (j < n && s[j] >= 0x20 && s[j] < 0x7F && s[j] != '"' &&
             s[j] != '\\')
        j++;
      fwrite(s + i, 1, j - i, out);
      i = j;
    } else {
      size_t l = sp_utf8_len(s + i, n - i);
      if (l == 0) {
        fputs("\\ufffd", out);
        i++;
      } else if (l == 2 && c == 0xC2 && s[i + 1] < 0xA0) {
        fprintf(out, "\\u%04x", s[i + 1]); /* C1 control */
        i += 2;
      } else {
        fwrite(s + i, 1, l, out);
        i += l;
      }
    }
  }
  fputc('"', out);
}

void sp_csv_cell(FILE *out, const char *str, size_t n) {
  const unsigned char *s = (const unsigned char *)str;
  fputc('"', out);
  if (n && (s[0] == '=' || s[0] == '+' || s[0] == '-' || s[0] == '@' ||
            s[0] == '\t' || s[0] == '\r'))
    fputc('\'', out);
  size_t i = 0;
  while (i < n) {
    unsigned c = s[i];
    if (c == '"') {
      fputs("\"\"", out);
      i++;
    } else if (c < 0x20 || c == 0x7F) {
      fputc(' ', out);
      i++;
    } else if (c < 0x80) {
      /* A run of bytes that need no escaping goes out in one call. */
      size_t j = i + 1;
      while (j < n && s[j] >= 0x20 && s[j] < 0x7F && s[j] != '"' &&
             s[j] != '\\')
        j++;
      fwrite(s + i, 1, j - i, out);
      i = j;
    } else {
      size_t l = sp_utf8_len(s + i, n - i);
      if (l == 0 || deceptive(code_point(s + i, l))) {
        fputc('?', out);
        i += l ? l : 1;
      } else {
        fwrite(s + i, 1, l, out);
        i += l;
      }
    }
  }
  fputc('"', out);
}

/* out NULL: count only. */
static size_t term_str(FILE *out, const char *str, size_t n, size_t max_cols) {
  const unsigned char *s = (const unsigned char *)str;
  size_t cols = 0, i = 0;
  while (i < n) {
    if (max_cols && cols >= max_cols)
      break;
    unsigned c = s[i];
    size_t l = c < 0x80 ? 1 : sp_utf8_len(s + i, n - i);
    if (l > 1 && deceptive(code_point(s + i, l))) {
      if (max_cols && cols + 6 > max_cols)
        break;
      if (out)
        fprintf(out, "\\u%04x", (unsigned)code_point(s + i, l));
      cols += 6;
      i += l;
      continue;
    }
    bool bad = c < 0x20 || c == 0x7F || l == 0;
    if (bad) {
      if (max_cols && cols + 4 > max_cols)
        break;
      if (out)
        fprintf(out, "\\x%02x", c);
      cols += 4;
      i++;
      continue;
    }
    if (out)
      fwrite(s + i, 1, l, out);
    cols++;
    i += l;
  }
  return cols;
}

size_t sp_term_str(FILE *out, const char *s, size_t n, size_t max_cols) {
  return term_str(out, s, n, max_cols);
}

size_t sp_term_cols(const char *s, size_t n) { return term_str(NULL, s, n, 0); }

size_t sp_term_cut(FILE *out, const char *s, size_t n, size_t max_cols) {
  if (!max_cols || term_str(NULL, s, n, 0) <= max_cols)
    return term_str(out, s, n, 0);
  size_t cols = term_str(out, s, n, max_cols - 1);
  fputs("\xe2\x80\xa6", out); /* U+2026 … */
  return cols + 1;
}

void sp_html_text(FILE *out, const char *str, size_t n) {
  const unsigned char *s = (const unsigned char *)str;
  size_t i = 0;
  while (i < n) {
    unsigned c = s[i];
    if (c >= 0x20 && c < 0x7F) {
      const char *ref = c == '&'    ? "&amp;"
                        : c == '<'  ? "&lt;"
                        : c == '>'  ? "&gt;"
                        : c == '"'  ? "&quot;"
                        : c == '\'' ? "&#39;"
                                    : NULL;
      if (ref) {
        fputs(ref, out);
        i++;
        continue;
      }
      size_t j = i + 1; /* a run of plain bytes in one call */
      while (j < n && s[j] >= 0x20 && s[j] < 0x7F && s[j] != '&' &&
             s[j] != '<' && s[j] != '>' && s[j] != '"' && s[j] != '\'')
        j++;
      fwrite(s + i, 1, j - i, out);
      i = j;
      continue;
    }
    size_t l = c < 0x80 ? 0 : sp_utf8_len(s + i, n - i);
    if (l == 0) { /* a control, DEL or invalid UTF-8 */
      fprintf(out, "\\x%02x", c);
      i++;
    } else if (deceptive(code_point(s + i, l))) {
      fprintf(out, "\\u%04x", (unsigned)code_point(s + i, l));
      i += l;
    } else {
      fwrite(s + i, 1, l, out);
      i += l;
    }
  }
}

void sp_write_term(FILE *out, const char *s, size_t max_cols) {
  sp_term_str(out, s, strlen(s), max_cols);
}
