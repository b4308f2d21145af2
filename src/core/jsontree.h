/*
 * jsontree.h - a small, bounded JSON parser (RFC 8259) into a read-only tree
 * (documents read whole: STIX bundles, MISP events). Streams of JSON lines
 * (Zeek, EVE) use the zero-copy tokenizer of core/json.h instead.
 *
 * The whole document is parsed at once into one node array and one string
 * arena, both owned by the sp_jtree handle. Strings are unescaped to UTF-8
 * (\uXXXX pairs joined; a lone surrogate becomes U+FFFD; a NUL escape is
 * kept as a byte, so callers take the length, not strlen). Numbers keep their
 * text. Bounds: SP_JTREE_MAX_DEPTH nesting, SP_JTREE_MAX_BYTES input,
 * SP_JTREE_MAX_NODES nodes; past any of them the parse fails with SP_ELIMIT.
 * Errors name the line (1-based) and byte offset where parsing stopped.
 * Never reads past the buffer; the input need not be NUL-terminated.
 */
#ifndef SP_CORE_JSONTREE_H
#define SP_CORE_JSONTREE_H

#include "core/str.h"
#include "spoor/spoor.h"

#define SP_JTREE_MAX_DEPTH 64
#define SP_JTREE_MAX_BYTES (512u << 20)
#define SP_JTREE_MAX_NODES (32u << 20)

typedef enum sp_jtype {
  SP_J_NULL,
  SP_J_FALSE,
  SP_J_TRUE,
  SP_J_NUMBER,
  SP_J_STRING,
  SP_J_ARRAY,
  SP_J_OBJECT
} sp_jtype;

typedef struct sp_jtree sp_jtree;

/* A node: an index into the tree; 0 is the root, SP_JNONE is "absent". */
#define SP_JNONE UINT32_MAX

/* Parse text[0..n). On failure *out is NULL and line/offset (if given) say
 * where the text stopped making sense. */
sp_err sp_jtree_parse(const char *text, size_t n, sp_jtree **out, size_t *line,
                     size_t *offset);
void sp_jtree_destroy(sp_jtree *j);

sp_jtype sp_jtree_type(const sp_jtree *j, uint32_t node);
/* The string (or number text) of a node; empty for other types. */
sp_str sp_jtree_text(const sp_jtree *j, uint32_t node);
/* Children of an array or object: first child, then next siblings. */
uint32_t sp_jtree_child(const sp_jtree *j, uint32_t node);
uint32_t sp_jtree_next(const sp_jtree *j, uint32_t node);
/* The key of an object member (node is the member's value). */
sp_str sp_jtree_key(const sp_jtree *j, uint32_t node);
/* The member of an object by key (first match), or SP_JNONE. */
uint32_t sp_jtree_get(const sp_jtree *j, uint32_t obj, const char *key);
/* Convenience: the string value of member key, or an empty slice. */
sp_str sp_jtree_get_str(const sp_jtree *j, uint32_t obj, const char *key);

#endif
