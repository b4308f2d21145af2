/*
 * csv.h - a bounded RFC 4180 field splitter for one line, and the splitter
 * for Exchange ECP "S:KEY=value;..." EventData items.
 *
 * Both return slices into the line; quoted values that contain escaped quotes
 * are unescaped into the reader context's scratch space. Unbalanced quotes
 * are tolerated (the value runs to the end of the line) and reported through
 * the return flag, never by reading past the slice.
 */
#ifndef SP_READERS_CSV_H
#define SP_READERS_CSV_H

#include "readers/reader.h"

/* Split a CSV line into at most max fields. Returns the number of fields; sets
 * *bad when a quote was unbalanced or there were more than max fields. */
size_t sp_csv_split(sp_rctx *rc, const char *p, size_t n, sp_str *out,
                    size_t max, bool *bad);

typedef struct sp_kv {
  sp_str key, value;
} sp_kv;

/* Split ECP EventData "S:K=V;'S:K=V''with quotes''';..." into items. Items in
 * single quotes may contain ';' and use '' for a quote. The "S:" prefix is
 * removed from keys. Returns the number of items (at most max). */
size_t sp_ecp_split(sp_rctx *rc, sp_str data, sp_kv *out, size_t max);

#endif
