/*
 * json.h - a small, bounded, zero-copy JSON tokenizer (RFC 8259) for
 * one-document-per-line logs (Zeek JSON, Suricata EVE).
 *
 * sp_json_next() returns one token at a time; strings and numbers come as
 * slices of the input (string contents without the quotes, still escaped:
 * sp_json_unescape decodes them). The grammar is checked as it goes (commas,
 * colons, nesting, number syntax, no raw control characters in strings,
 * nothing after the document): any violation gives SP_JSON_ERR with a reason
 * and the byte offset. Limits: nesting depth SP_JSON_MAX_DEPTH; input size
 * is the caller's (the line splitter caps lines at 1 MiB). No allocation,
 * no state outside the sp_json value.
 *
 * sp_json_flatten() walks one object and calls back once per scalar leaf
 * with its dotted key path ("dns.answers.rdata"): array elements keep their
 * array's path (so an array of scalars, or of objects, gives repeated
 * leaves), empty containers give nothing.
 */
#ifndef SP_CORE_JSON_H
#define SP_CORE_JSON_H

#include "core/str.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SP_JSON_MAX_DEPTH 64

typedef enum sp_json_tok {
  SP_JSON_ERR = -1,
  SP_JSON_END = 0, /* the document is complete */
  SP_JSON_OBJ,
  SP_JSON_OBJ_END,
  SP_JSON_ARR,
  SP_JSON_ARR_END,
  SP_JSON_KEY,
  SP_JSON_STR,
  SP_JSON_NUM,
  SP_JSON_TRUE,
  SP_JSON_FALSE,
  SP_JSON_NULL
} sp_json_tok;

typedef struct sp_json {
  const char *base, *p, *end;
  int depth;
  uint64_t arr; /* bit d: the container at depth d+1 is an array */
  int state;
  sp_str val;   /* KEY/STR: contents (escaped); NUM: the number text */
  bool escaped; /* KEY/STR: contains a backslash escape */
  bool num_int; /* NUM: an integer (no fraction, no exponent) */
  const char *err;
  size_t err_off;
} sp_json;

void sp_json_init(sp_json *j, const char *p, size_t n);
sp_json_tok sp_json_next(sp_json *j);

/* Decode the escapes of a string slice into out (cap >= raw.n always
 * suffices); invalid escapes are an error (SIZE_MAX), lone surrogates become
 * U+FFFD. Returns the decoded length. */
size_t sp_json_unescape(sp_str raw, char *out, size_t cap);

/* Scalar leaf: path (not NUL-terminated, valid during the call), its token
 * (STR, NUM, TRUE, FALSE, NULL) and text (j->val semantics). */
typedef void (*sp_json_leaf_fn)(void *user, const char *path, size_t path_n,
                                sp_json_tok tok, const sp_json *j);

/* Walk the object in p[0..n) calling leaf for each scalar; path is built in
 * pathbuf (keys with escapes decoded; a path longer than cap is an error).
 * Returns true when the whole input is one valid object; otherwise *err and
 * *err_off say why and where (leaves before the error were delivered). */
bool sp_json_flatten(const char *p, size_t n, char *pathbuf, size_t cap,
                     sp_json_leaf_fn leaf, void *user, const char **err,
                     size_t *err_off);

#endif
