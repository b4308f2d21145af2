/*
 * shape.h - value-shape predicates (IP address, GUID, ISO 8601 time, HTTP
 * method, ...) with which readers recognise log lines that come without
 * their header (fragments, carved or cut logs), and a line iterator for
 * sniff buffers. The sniff score bands (SP_SNIFF_CLAIM, SP_SNIFF_LOOKS_LIKE)
 * are defined in reader.h. Everything here reads only inside the slices it
 * is given; nothing allocates.
 */
#ifndef SP_READERS_SHAPE_H
#define SP_READERS_SHAPE_H

#include "core/str.h"
#include "readers/reader.h"

/* Dotted-quad IPv4, or IPv6 text (hex groups with at least two ':',
 * optionally an embedded IPv4 tail and a %zone). */
bool sp_shape_ip(sp_str s);
/* 1..max_digits decimal digits. */
bool sp_shape_uint(sp_str s, size_t max_digits);
/* An HTTP method token as IIS logs it: 3..20 of A-Z, '_' and '-', starting
 * with a letter (GET, POST, PROPFIND, RPC_IN_DATA, ...). */
bool sp_shape_http_method(sp_str s);
/* 8-4-4-4-12 hex digits. */
bool sp_shape_guid(sp_str s);
/* A timestamp sp_parse_iso8601 accepts. */
bool sp_shape_iso8601(sp_str s);
/* A host or event name: 1..255 of letters, digits, '.', '_' and '-'. */
bool sp_shape_name(sp_str s);

/* Lines of a sniff buffer. *cut is set for an unterminated last line, which
 * may be cut off by the end of the buffer: sniffers count it when it matches
 * and ignore it otherwise. A trailing CR is removed. */
typedef struct sp_line_iter {
  const char *p, *end;
} sp_line_iter;

static inline sp_line_iter sp_line_iter_make(const char *buf, size_t len) {
  sp_line_iter it = {buf, buf + len};
  return it;
}
bool sp_line_next(sp_line_iter *it, sp_str *line, bool *cut);

/* Split s at each sep into at most max fields (no quoting); returns the
 * number of fields, max + 1 when there are more. */
size_t sp_shape_split(sp_str s, char sep, sp_str *out, size_t max);

#endif
