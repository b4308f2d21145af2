/*
 * sigma_yaml.c - a fast reader for the plain YAML that Sigma rules are
 * written in, building the same libyaml documents (yaml_document_t) that
 * yaml_parser_load builds, so the compiler reads one kind of tree.
 *
 * Why: libyaml's scanner and document loader spend about 110 instructions
 * per byte; loading SigmaHQ's 2,407 Windows rules (3.9 MB) took two
 * thirds of the 0.34 s rule load (docs/PERFORMANCE.md). This reader does
 * one pass over lines.
 *
 * What it reads (anything else makes it give up on the whole file, and
 * libyaml reads it, errors and all): documents separated by `---` lines;
 * block mappings with plain or quoted single-line keys; block sequences
 * (`- item`, an item may open a mapping on its line); single-line plain
 * scalars, single-quoted scalars ('' escapes) and double-quoted scalars
 * (only \\ and \" escapes), all closed on their line; one-line flow
 * sequences of such scalars; literal and folded block scalars (|, >, with
 * - or + chomping; folded ones without more-indented lines); comments.
 * It gives up on anchors, aliases, tags, directives, complex keys, flow
 * mappings, multi-line plain or quoted scalars, tabs, carriage returns,
 * control characters, non-printable or invalid UTF-8 and Unicode line
 * breaks. tests/unit/test_sigma_yaml.c compares its documents with
 * libyaml's on every rule file of ../shared/data/sigma; fuzz_sigma_yaml
 * does the same on arbitrary input.
 *
 * Owns nothing: the documents it returns are the caller's
 * (yaml_document_delete).
 */
#include "sigma/sigma_int.h"

#include <stdlib.h>
#include <string.h>

#define SY_MAX_DEPTH 64

typedef struct sy {
  const char *t;
  size_t n;
  /* the line being read: [ls, le) without its '\n'; ind: its indentation */
  size_t ls, le, ind;
  bool eof;
  yaml_document_t *doc;
  char *buf; /* scalar scratch */
  size_t cap;
  bool bad; /* outside the subset, or out of memory */
} sy;

/* ---- input checks --------------------------------------------------- */

/* Is the whole text in the subset's character set: printable ASCII,
 * '\n', and UTF-8 of code points libyaml takes as printable and not as
 * line breaks (U+0085, U+2028, U+2029)? */
static bool text_ok(const char *t, size_t n) {
  const unsigned char *p = (const unsigned char *)t;
  const uint64_t ones = UINT64_C(0x0101010101010101), high = ones * 0x80;
  for (size_t i = 0; i < n;) {
    if (i + 8 <= n) { /* eight bytes of printable ASCII at once */
      uint64_t x;
      memcpy(&x, p + i, 8);
      uint64_t ctl = (x - ones * 0x20) & ~x & high; /* a byte < 0x20 */
      uint64_t del = ((x ^ ones * 0x7f) - ones) & ~(x ^ ones * 0x7f) & high;
      if (!((x & high) | ctl | del)) {
        i += 8;
        continue;
      }
    }
    unsigned c = p[i];
    if (c < 0x80) {
      if ((c < 0x20 && c != '\n') || c == 0x7f)
        return false;
      i++;
      continue;
    }
    unsigned len = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc0 ? 2 : 0;
    if (!len || c >= 0xf5 || i + len > n)
      return false;
    uint32_t cp = c & (0x7fu >> len);
    for (unsigned k = 1; k < len; k++) {
      if ((p[i + k] & 0xc0) != 0x80)
        return false;
      cp = cp << 6 | (p[i + k] & 0x3f);
    }
    static const uint32_t min[5] = {0, 0, 0x80, 0x800, 0x10000};
    if (cp < min[len] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
      return false;
    if (cp < 0xa0 || cp == 0x2028 || cp == 0x2029 || cp == 0xfeff ||
        cp == 0xfffe || cp == 0xffff)
      return false;
    i += len;
  }
  return true;
}

/* ---- lines ---------------------------------------------------------- */

static void line_at(sy *y, size_t at) {
  if (at >= y->n) {
    y->eof = true;
    y->ls = y->le = y->ind = y->n;
    return;
  }
  y->eof = false;
  y->ls = at;
  const char *e = memchr(y->t + at, '\n', y->n - at);
  y->le = e ? (size_t)(e - y->t) : y->n;
  size_t i = at;
  while (i < y->le && y->t[i] == ' ')
    i++;
  y->ind = i - at;
}

static void next_line(sy *y) {
  if (!y->eof)
    line_at(y, y->le < y->n ? y->le + 1 : y->n);
}

/* Blank or comment only. */
static bool line_empty(const sy *y) {
  size_t i = y->ls + y->ind;
  return i >= y->le || y->t[i] == '#';
}

static bool is_marker(const sy *y, char c) {
  size_t L = y->le - y->ls;
  const char *p = y->t + y->ls;
  return L >= 3 && p[0] == c && p[1] == c && p[2] == c &&
         (L == 3 || p[3] == ' ');
}

/* Skip blank and comment lines (not across a document marker). */
static void skip_empty(sy *y) {
  while (!y->eof && line_empty(y))
    next_line(y);
}

/* ---- nodes ---------------------------------------------------------- */

static int add_scalar(sy *y, const char *v, size_t n, yaml_scalar_style_t st) {
  if (!v) /* an empty quoted scalar: the scratch buffer may not exist yet */
    v = "";
  int id = yaml_document_add_scalar(y->doc, NULL, (yaml_char_t *)v, (int)n, st);
  if (!id)
    y->bad = true;
  return id;
}

static bool put(sy *y, size_t *k, const char *p, size_t n) {
  if (*k + n + 1 > y->cap) {
    size_t nc = y->cap ? y->cap : 256;
    while (nc < *k + n + 1)
      nc *= 2;
    char *b = realloc(y->buf, nc);
    if (!b) {
      y->bad = true;
      return false;
    }
    y->buf = b;
    y->cap = nc;
  }
  memcpy(y->buf + *k, p, n);
  *k += n;
  return true;
}

/* After a scalar at e (exclusive) on the line: only spaces and a
 * comment. */
static bool rest_empty(const sy *y, size_t e) {
  while (e < y->le && y->t[e] == ' ')
    e++;
  return e >= y->le || (y->t[e] == '#' && y->t[e - 1] == ' ');
}

/* A quoted scalar starting at i (its quote); *end: past the closing
 * quote; the value into y->buf (*len). False: not closed on the line, or
 * an escape outside the subset. */
static bool quoted(sy *y, size_t i, size_t *end, size_t *len) {
  char q = y->t[i];
  size_t k = 0, j = i + 1;
  for (;;) {
    if (j >= y->le)
      return false;
    char c = y->t[j];
    if (q == '\'' && c == '\'') {
      if (j + 1 < y->le && y->t[j + 1] == '\'') {
        if (!put(y, &k, "'", 1))
          return false;
        j += 2;
        continue;
      }
      break;
    }
    if (q == '"' && c == '"')
      break;
    if (q == '"' && c == '\\') {
      if (j + 1 >= y->le || (y->t[j + 1] != '\\' && y->t[j + 1] != '"'))
        return false;
      if (!put(y, &k, y->t + j + 1, 1))
        return false;
      j += 2;
      continue;
    }
    size_t r = j; /* a run of plain bytes */
    while (r < y->le && y->t[r] != q && y->t[r] != '\\')
      r++;
    if (r == j)
      r++;
    if (!put(y, &k, y->t + j, r - j))
      return false;
    j = r;
  }
  *end = j + 1;
  *len = k;
  return true;
}

/* The node of the quoted scalar at i; *end: past its closing quote; 0
 * (and y->bad) when it is outside the subset. */
static int quoted_node(sy *y, size_t i, size_t *end) {
  size_t len;
  if (!quoted(y, i, end, &len)) {
    y->bad = true;
    return 0;
  }
  return add_scalar(y, y->buf, len,
                    y->t[i] == '\'' ? YAML_SINGLE_QUOTED_SCALAR_STYLE
                                    : YAML_DOUBLE_QUOTED_SCALAR_STYLE);
}

static bool plain_start(const sy *y, size_t i, size_t lim) {
  char c = y->t[i];
  if (strchr(",[]{}#&*!|>'\"%@`", c))
    return false;
  if (c == '-' || c == '?' || c == ':') /* an indicator unless a byte follows */
    return i + 1 < lim && y->t[i + 1] != ' ';
  return true;
}

/* The end of a plain scalar starting at i on the line: before ": ", a
 * final ':', " #" or (in a flow sequence) ",[]{}"; trailing spaces
 * dropped. */
static size_t plain_end(const sy *y, size_t i, bool flow) {
  const char *t = y->t;
  size_t j = i, le = y->le;
  if (!flow) /* block context: only ':' and '#' can end it */
    for (; j < le; j++) {
      char c = t[j];
      if (c != ':' && c != '#')
        continue;
      if (c == ':' ? j + 1 == le || t[j + 1] == ' ' : j > i && t[j - 1] == ' ')
        break;
    }
  else
    for (; j < le; j++) {
      char c = t[j];
      if (c == ':' &&
          (j + 1 == le || t[j + 1] == ' ' || strchr(",[]{}", t[j + 1])))
        break;
      if (c == '#' && j > i && t[j - 1] == ' ')
        break;
      if (strchr(",[]{}", c))
        break;
    }
  while (j > i && t[j - 1] == ' ')
    j--;
  return j;
}

/* A one-line flow sequence at i ('['); *end: past ']'. */
static int flow_seq(sy *y, size_t i, size_t *end) {
  int id = yaml_document_add_sequence(y->doc, NULL, YAML_FLOW_SEQUENCE_STYLE);
  if (!id) {
    y->bad = true;
    return 0;
  }
  size_t j = i + 1;
  for (bool first = true;; first = false) {
    while (j < y->le && y->t[j] == ' ')
      j++;
    if (j >= y->le) {
      y->bad = true;
      return 0;
    }
    if (y->t[j] == ']' && first) {
      *end = j + 1;
      return id;
    }
    int item;
    if (y->t[j] == '\'' || y->t[j] == '"') {
      size_t e;
      if (!(item = quoted_node(y, j, &e)))
        return 0;
      j = e;
    } else if (plain_start(y, j, y->le) && y->t[j] != '-' && y->t[j] != '?' &&
               y->t[j] != ':') {
      size_t e = plain_end(y, j, true);
      if (e == j) {
        y->bad = true;
        return 0;
      }
      item = add_scalar(y, y->t + j, e - j, YAML_PLAIN_SCALAR_STYLE);
      j = e;
    } else {
      y->bad = true;
      return 0;
    }
    if (!item || !yaml_document_append_sequence_item(y->doc, id, item)) {
      y->bad = true;
      return 0;
    }
    while (j < y->le && y->t[j] == ' ')
      j++;
    if (j < y->le && y->t[j] == ',') {
      j++;
      continue;
    }
    if (j < y->le && y->t[j] == ']') {
      *end = j + 1;
      return id;
    }
    y->bad = true;
    return 0;
  }
}

/* A block scalar whose indicator is at i on the current line, for a node
 * whose parent is at indentation `parent`: reads the following lines. */
static int block_scalar(sy *y, size_t i, size_t parent) {
  bool folded = y->t[i] == '>';
  char chomp = 0;
  size_t j = i + 1;
  if (j < y->le && (y->t[j] == '-' || y->t[j] == '+'))
    chomp = y->t[j++];
  if (!rest_empty(y, j)) { /* an indentation indicator, or text */
    y->bad = true;
    return 0;
  }
  next_line(y);
  size_t base = 0, k = 0, breaks = 0, lead = 0;
  bool any = false;
  for (; !y->eof; next_line(y)) {
    size_t L = y->le - y->ls;
    if (y->ind == L) {       /* blank: spaces only */
      if (any && L > base) { /* spaces past the indentation are content */
        y->bad = true;
        return 0;
      }
      if (!any && L > lead)
        lead = L;
      breaks++;
      continue;
    }
    if (!any) {
      if (y->ind <= parent)
        break;
      base = y->ind;
      if (lead > base) {
        y->bad = true;
        return 0;
      }
    } else if (y->ind < base) {
      break;
    }
    if (folded && y->ind > base) { /* more-indented lines fold otherwise */
      y->bad = true;
      return 0;
    }
    size_t nl = !any ? breaks : folded ? breaks : breaks + 1;
    for (size_t q = 0; q < nl; q++)
      if (!put(y, &k, "\n", 1))
        return 0;
    if (any && folded && !breaks && !put(y, &k, " ", 1))
      return 0;
    if (!put(y, &k, y->t + y->ls + base, L - base))
      return 0;
    any = true;
    breaks = 0;
  }
  if (!any) { /* an empty block scalar */
    y->bad = true;
    return 0;
  }
  /* chomping: clip keeps the last line break, strip none, keep all */
  size_t tail = chomp == '-' ? 0 : chomp == '+' ? 1 + breaks : 1;
  for (size_t q = 0; q < tail; q++)
    if (!put(y, &k, "\n", 1))
      return 0;
  return add_scalar(y, y->buf, k,
                    folded ? YAML_FOLDED_SCALAR_STYLE
                           : YAML_LITERAL_SCALAR_STYLE);
}

static int node(sy *y, int depth);

/* A value on the line at i (after "key: " or "- "), for a node of a parent
 * at indentation `parent`; the line is consumed. */
static int inline_value(sy *y, size_t i, size_t parent) {
  char c = y->t[i];
  if (c == '|' || c == '>')
    return block_scalar(y, i, parent);
  size_t e;
  int id;
  if (c == '\'' || c == '"') {
    id = quoted_node(y, i, &e);
  } else if (c == '[') {
    id = flow_seq(y, i, &e);
  } else if (plain_start(y, i, y->le)) {
    e = plain_end(y, i, false);
    if (e < y->le && y->t[e] == ':') { /* "a: b: c" */
      y->bad = true;
      return 0;
    }
    id = add_scalar(y, y->t + i, e - i, YAML_PLAIN_SCALAR_STYLE);
  } else {
    y->bad = true;
    return 0;
  }
  if (!id || !rest_empty(y, e)) {
    y->bad = true;
    return 0;
  }
  next_line(y);
  /* a continuation line (multi-line plain or quoted): not in the subset */
  skip_empty(y);
  if (!y->eof && y->ind > parent && !is_marker(y, '-') && !is_marker(y, '.'))
    y->bad = true;
  return id;
}

/* Does a mapping key start at i on the line? *colon: its ':'. */
static bool key_scan(sy *y, size_t i, size_t *colon) {
  char c = y->t[i];
  size_t e;
  if (c == '\'' || c == '"') {
    size_t len;
    if (!quoted(y, i, &e, &len))
      return false;
    while (e < y->le && y->t[e] == ' ')
      e++;
  } else {
    if (!plain_start(y, i, y->le))
      return false;
    e = plain_end(y, i, false);
    if (e == i)
      return false;
    while (e < y->le && y->t[e] == ' ')
      e++;
  }
  if (e >= y->le || y->t[e] != ':' || (e + 1 < y->le && y->t[e + 1] != ' '))
    return false;
  *colon = e;
  return true;
}

/* The key node of the entry at i (key_scan said yes). */
static int key_node(sy *y, size_t i) {
  size_t e;
  if (y->t[i] == '\'' || y->t[i] == '"')
    return quoted_node(y, i, &e);
  return add_scalar(y, y->t + i, plain_end(y, i, false) - i,
                    YAML_PLAIN_SCALAR_STYLE);
}

/* The value of a key whose ':' is at colon, in a mapping at indentation
 * ind. */
static int map_value(sy *y, size_t colon, size_t ind, int depth) {
  size_t v = colon + 1;
  while (v < y->le && y->t[v] == ' ')
    v++;
  if (v < y->le && !(y->t[v] == '#' && y->t[v - 1] == ' '))
    return inline_value(y, v, ind);
  next_line(y); /* the value is on the next lines, or empty */
  skip_empty(y);
  if (!y->eof && !is_marker(y, '-') && !is_marker(y, '.') &&
      (y->ind > ind ||
       (y->ind == ind && y->t[y->ls + y->ind] == '-' &&
        (y->ls + y->ind + 1 == y->le || y->t[y->ls + y->ind + 1] == ' '))))
    return node(y, depth + 1);
  return add_scalar(y, "", 0, YAML_PLAIN_SCALAR_STYLE); /* null */
}

/* A block mapping whose first key starts at column `col` of the current
 * line (indentation col), going on with lines indented col. */
static int mapping(sy *y, size_t col, int depth) {
  int id = yaml_document_add_mapping(y->doc, NULL, YAML_BLOCK_MAPPING_STYLE);
  if (!id) {
    y->bad = true;
    return 0;
  }
  size_t at = y->ls + col;
  for (;;) {
    size_t colon;
    if (!key_scan(y, at, &colon)) {
      y->bad = true;
      return 0;
    }
    int k = key_node(y, at);
    int v = k ? map_value(y, colon, col, depth) : 0;
    if (y->bad || !v || !yaml_document_append_mapping_pair(y->doc, id, k, v)) {
      y->bad = true;
      return 0;
    }
    skip_empty(y);
    if (y->eof || is_marker(y, '-') || is_marker(y, '.') || y->ind < col)
      return id;
    if (y->ind > col) {
      y->bad = true;
      return 0;
    }
    at = y->ls + col;
  }
}

/* A block sequence of "- " lines at indentation ind. */
static int sequence(sy *y, size_t ind, int depth) {
  int id = yaml_document_add_sequence(y->doc, NULL, YAML_BLOCK_SEQUENCE_STYLE);
  if (!id) {
    y->bad = true;
    return 0;
  }
  for (;;) {
    size_t d = y->ls + ind; /* the '-' */
    size_t v = d + 1;
    while (v < y->le && y->t[v] == ' ')
      v++;
    int item;
    if (v >= y->le || (y->t[v] == '#' && y->t[v - 1] == ' ')) {
      next_line(y); /* the item on the next lines, or empty */
      skip_empty(y);
      if (!y->eof && !is_marker(y, '-') && !is_marker(y, '.') && y->ind > ind)
        item = node(y, depth + 1);
      else
        item = add_scalar(y, "", 0, YAML_PLAIN_SCALAR_STYLE);
    } else if (y->t[v] == '-' && (v + 1 == y->le || y->t[v + 1] == ' ')) {
      y->bad = true; /* "- - x" */
      return 0;
    } else {
      size_t colon; /* "- key: value": a mapping at the item's column */
      if (key_scan(y, v, &colon)) {
        item = mapping(y, v - y->ls, depth + 1);
      } else {
        if (y->bad)
          return 0;
        item = inline_value(y, v, ind);
      }
    }
    if (y->bad || !item ||
        !yaml_document_append_sequence_item(y->doc, id, item)) {
      y->bad = true;
      return 0;
    }
    skip_empty(y);
    if (y->eof || is_marker(y, '-') || is_marker(y, '.') || y->ind < ind)
      return id;
    if (y->ind > ind || y->t[y->ls + ind] != '-' ||
        !(y->ls + ind + 1 == y->le || y->t[y->ls + ind + 1] == ' ')) {
      /* more indented, or a key at a sequence's indentation: the parent
       * mapping's (a sequence as a mapping value at the key's column) */
      if (y->ind == ind && y->t[y->ls + ind] != '-')
        return id;
      y->bad = true;
      return 0;
    }
  }
}

/* The node starting on the current (non-empty) line. */
static int node(sy *y, int depth) {
  if (depth > SY_MAX_DEPTH) {
    y->bad = true;
    return 0;
  }
  size_t i = y->ls + y->ind;
  char c = y->t[i];
  if (c == '-' && (i + 1 == y->le || y->t[i + 1] == ' '))
    return sequence(y, y->ind, depth);
  size_t colon;
  if (key_scan(y, i, &colon))
    return mapping(y, y->ind, depth);
  if (y->bad)
    return 0;
  /* a scalar document or item alone on its line */
  return inline_value(y, i, y->ind ? y->ind - 1 : 0);
}

int sg_yaml_fast_load(const char *text, size_t len, yaml_document_t *docs,
                      size_t max, size_t *ndocs) {
  *ndocs = 0;
  /* a last line without its line break: libyaml's block scalars treat it
   * differently; not in the subset */
  if (!len || text[len - 1] != '\n' || !text_ok(text, len))
    return -1;
  sy y = {.t = text, .n = len};
  line_at(&y, 0);
  bool first = true;
  for (;;) {
    skip_empty(&y);
    if (y.eof)
      break;
    if (is_marker(&y, '.') || (y.t[y.ls] == '%'))
      goto bad; /* document end marker, directive */
    if (is_marker(&y, '-')) {
      if (y.le - y.ls > 3 && !rest_empty(&y, y.ls + 3))
        goto bad; /* "--- content" */
      next_line(&y);
      skip_empty(&y);
      if (y.eof || is_marker(&y, '-') || is_marker(&y, '.'))
        goto bad; /* an empty document */
    } else if (!first) {
      goto bad;
    }
    first = false;
    if (*ndocs == max)
      goto bad;
    yaml_document_t *d = &docs[*ndocs];
    if (!yaml_document_initialize(d, NULL, NULL, NULL, 1, 1))
      goto bad;
    (*ndocs)++;
    y.doc = d;
    if (y.ind != 0) /* libyaml reads an indented root too; keep it simple */
      goto bad;
    int root = node(&y, 0);
    if (y.bad || !root)
      goto bad;
    skip_empty(&y);
    if (!y.eof && !is_marker(&y, '-'))
      goto bad; /* content after the root */
  }
  free(y.buf);
  return 0;
bad:
  free(y.buf);
  for (size_t i = 0; i < *ndocs; i++)
    yaml_document_delete(&docs[i]);
  *ndocs = 0;
  return -1;
}
