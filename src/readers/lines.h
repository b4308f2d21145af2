/*
 * lines.h - the zero-copy line splitter that feeds readers.
 *
 * Input arrives in blocks of any size. Complete lines inside a block are
 * passed as slices of the block (no copy); only a line that spans blocks is
 * assembled in the carry buffer, which is capped at SP_MAX_LINE. Longer lines
 * are reported as malformed and skipped up to the next newline. Lines with NUL
 * bytes are reported as binary and skipped. A trailing CR is removed, and so
 * is a UTF-8 byte order mark at the start of the first line.
 * Line numbers are physical (1-based); offsets count bytes from the start.
 */
#ifndef SP_READERS_LINES_H
#define SP_READERS_LINES_H

#include "readers/reader.h"

typedef struct sp_lines {
  const sp_line_ops *ops;
  void *st;
  sp_rctx *rc;
  char *carry;
  size_t carry_len, carry_cap;
  bool skipping; /* inside an over-long line */
  uint64_t lineno, offset, line_start;
  uint64_t lines_long, lines_binary;
} sp_lines;

void sp_lines_init(sp_lines *ls, const sp_line_ops *ops, void *st, sp_rctx *rc);
/* Feed a block; false only on out of memory. */
bool sp_lines_feed(sp_lines *ls, const char *buf, size_t len);
/* Flush the last line (without a newline) and free the carry buffer. */
void sp_lines_finish(sp_lines *ls);
/* The input broke off (truncated or corrupt): an unterminated last line is
 * incomplete, so it is reported as malformed instead of read; then as
 * sp_lines_finish. */
void sp_lines_abort(sp_lines *ls);

#endif
