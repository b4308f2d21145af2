/*
 * lines.c - block-to-line splitting with a bounded carry buffer (lines.h).
 */
#include "readers/lines.h"

#include <stdlib.h>

void sp_lines_init(sp_lines *ls, const sp_line_ops *ops, void *st,
                   sp_rctx *rc) {
  memset(ls, 0, sizeof *ls);
  ls->ops = ops;
  ls->st = st;
  ls->rc = rc;
}

static void deliver(sp_lines *ls, const char *p, size_t n) {
  ls->lineno++;
  ls->rc->scratch_used = 0;
  (void)sp_rctx_reserve(ls->rc, n); /* on failure values just stay raw */
  uint64_t off = ls->line_start;
  if (n && p[n - 1] == '\r')
    n--;
  if (ls->lineno == 1 && n >= 3 && (unsigned char)p[0] == 0xEF &&
      (unsigned char)p[1] == 0xBB && (unsigned char)p[2] == 0xBF) {
    p += 3; /* a UTF-8 byte order mark is not part of the first line */
    n -= 3;
  }
  if (n && memchr(p, 0, n)) {
    ls->lines_binary++;
    sp_rctx_malformed(ls->rc, ls->lineno, "binary data (NUL bytes) in line");
    return;
  }
  ls->ops->line(ls->st, ls->rc, p, n, ls->lineno, off);
}

static bool carry_append(sp_lines *ls, const char *p, size_t n) {
  if (ls->carry_len + n > SP_MAX_LINE) {
    ls->skipping = true;
    ls->carry_len = 0;
    return true;
  }
  if (ls->carry_len + n > ls->carry_cap) {
    size_t ncap = ls->carry_cap ? ls->carry_cap : 4096;
    while (ncap < ls->carry_len + n)
      ncap *= 2;
    if (ncap > SP_MAX_LINE)
      ncap = SP_MAX_LINE;
    char *c = realloc(ls->carry, ncap);
    if (!c)
      return false;
    ls->carry = c;
    ls->carry_cap = ncap;
  }
  memcpy(ls->carry + ls->carry_len, p, n);
  ls->carry_len += n;
  return true;
}

static void end_long_line(sp_lines *ls) {
  ls->lineno++;
  ls->lines_long++;
  sp_rctx_malformed(ls->rc, ls->lineno, "line longer than 1 MiB skipped");
  ls->skipping = false;
  ls->carry_len = 0;
}

bool sp_lines_feed(sp_lines *ls, const char *buf, size_t len) {
  const char *p = buf, *end = buf + len;
  while (p < end) {
    const char *nl = memchr(p, '\n', (size_t)(end - p));
    if (!nl) {
      size_t rest = (size_t)(end - p);
      if (!ls->skipping) {
        if (ls->carry_len == 0)
          ls->line_start = ls->offset + (uint64_t)(p - buf);
        if (!carry_append(ls, p, rest))
          return false;
      }
      break;
    }
    size_t n = (size_t)(nl - p);
    if (ls->skipping) {
      end_long_line(ls);
    } else if (ls->carry_len) {
      if (!carry_append(ls, p, n))
        return false;
      if (ls->skipping)
        end_long_line(ls);
      else {
        deliver(ls, ls->carry, ls->carry_len);
        ls->carry_len = 0;
      }
    } else if (n > SP_MAX_LINE) {
      ls->line_start = ls->offset + (uint64_t)(p - buf);
      end_long_line(ls);
    } else {
      ls->line_start = ls->offset + (uint64_t)(p - buf);
      deliver(ls, p, n);
    }
    p = nl + 1;
  }
  ls->offset += len;
  return true;
}

void sp_lines_finish(sp_lines *ls) {
  if (ls->skipping)
    end_long_line(ls);
  else if (ls->carry_len)
    deliver(ls, ls->carry, ls->carry_len);
  ls->carry_len = 0;
  free(ls->carry);
  ls->carry = NULL;
  ls->carry_cap = 0;
}

void sp_lines_abort(sp_lines *ls) {
  if (ls->skipping || ls->carry_len) {
    ls->lineno++;
    sp_rctx_malformed(ls->rc, ls->lineno,
                      "incomplete last line (input broke off)");
  }
  ls->skipping = false;
  ls->carry_len = 0;
  sp_lines_finish(ls);
}
