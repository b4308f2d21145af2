/*
 * evtxwrite.h - a small EVTX writer for fixtures, fuzz seeds and the
 * benchmark corpus: whole files in memory, 64 KiB chunks with sound
 * headers and CRC32s, templates defined inline on their first use in a chunk
 * and referenced by offset afterwards, names written once per chunk and then
 * referenced, substitution values of any type, nested BinXML values and
 * fragments without a template.
 *
 * A template or fragment is a list of ew_op (the BinXML tokens, names as
 * UTF-8, literals as UTF-8, substitutions by index and type). Records are
 * appended with their substitution values; a record that does not fit the
 * current chunk starts the next one. ew_finish writes the file header.
 * Ownership: the writer owns the file bytes until ew_free.
 */
#ifndef SPOOR_TOOLS_EVTXWRITE_H
#define SPOOR_TOOLS_EVTXWRITE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum {
  EW_OPEN = 1,    /* name; attrs=true when attributes follow */
  EW_ATTR,        /* name; its value is the next TEXT/SUB/... op(s) */
  EW_CLOSE_START, /* end of the attributes, children follow */
  EW_CLOSE_EMPTY, /* end of an element without children */
  EW_END,         /* end element */
  EW_TEXT,        /* a UTF-16 string value token (text as UTF-8) */
  EW_SUB,         /* normal substitution: idx, type */
  EW_OSUB,        /* optional substitution: idx, type */
  EW_CHARREF,     /* character reference: code */
  EW_ENTREF,      /* entity reference: name */
  EW_CDATA,       /* CDATA section: text */
  EW_PI           /* processing instruction: name (target), text (data) */
};

typedef struct ew_op {
  int k;
  const char *name;
  const char *text;
  uint16_t idx;
  uint8_t type;
  bool attrs;
  uint16_t code;
} ew_op;

typedef struct ew_tpl {
  const ew_op *ops;
  size_t n;
  uint8_t guid[16];
} ew_tpl;

struct ew_val;
/* A substitution value: type and bytes; for type 0x21 (BinXML) either a
 * nested template instance (tpl + subs) or a fragment (frag ops). */
typedef struct ew_val {
  uint8_t type;
  const uint8_t *p;
  size_t n;
  const ew_tpl *tpl;
  const struct ew_val *subs;
  size_t nsubs;
  const ew_op *frag;
  size_t nfrag;
} ew_val;

typedef struct ew_file ew_file;

ew_file *ew_open(void);
void ew_free(ew_file *w);
/* Append a record (template instance). 0, or -1 when it cannot fit a
 * chunk or memory is short. */
int ew_record(ew_file *w, const ew_tpl *t, const ew_val *subs, size_t nsubs,
              uint64_t filetime);
/* Append a record whose fragment is ops without a template. */
int ew_record_raw(ew_file *w, const ew_op *ops, size_t n, uint64_t filetime);
/* Close the last chunk and write the file header; the bytes stay owned by
 * the writer. */
const uint8_t *ew_finish(ew_file *w, size_t *len);
/* Chunks and records so far. */
size_t ew_chunks(const ew_file *w);
uint64_t ew_records(const ew_file *w);
/* Close the current chunk: the next record starts a new one. */
void ew_new_chunk(ew_file *w);
/* Set the next record id (default 1). */
void ew_set_next_id(ew_file *w, uint64_t id);

/* Value helpers: bytes in a caller buffer (little endian). */
size_t ew_utf16(const char *utf8, uint8_t *dst, size_t cap);

#endif
