/*
 * evtx.h - a native reader of Windows XML Event Log (EVTX) files: the file
 * and chunk layout (chunk.c), binary XML with templates (binxml.c) and the
 * rendering of substitution values as text (value.c).
 *
 * Layout: a 4 KiB file header ("ElfFile\0"), then 64 KiB chunks
 * ("ElfChnk\0", a 512-byte header, then records). A record is magic
 * 0x00002a2a, its size, its EventRecordID, a FILETIME, a binary XML fragment
 * and a copy of its size. The fragment is nearly always one template
 * instance: a template (defined once per chunk, inline in the first record
 * that uses it, then referenced by its offset in the chunk) plus an array of
 * typed substitution values.
 *
 * Templates are compiled once into a flat op list (evtx_tpl) that owns its
 * names and literals as UTF-8, and cached per worker (sp_evtx_cache) by GUID,
 * size and content hash, so a template shared by every chunk of every file is
 * compiled once. A record is then rendered by walking the ops with the
 * record's substitution array, calling a sink (open, attr, text, close) with
 * values rendered into a caller-owned text buffer: no XML string is built and
 * nothing is allocated per record. A sink may also take a record's template
 * ops and substitution values directly (sp_evtx_instance) and derive what
 * it needs from the ops once per template, keeping it in the template's
 * user slot (readers/evtx.c does: its template plans).
 *
 * Everything is read through bounds checks against the chunk; every depth,
 * count and size has a limit (SP_EVTX_*). Damage is reported through the
 * sp_evtx_chunk_walk callbacks with the file offset and the walk goes on.
 */
#ifndef SP_EVTX_EVTX_H
#define SP_EVTX_EVTX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SP_EVTX_FILE_HEADER 4096u
#define SP_EVTX_CHUNK 65536u
#define SP_EVTX_CHUNK_HEADER 512u
#define SP_EVTX_RECORD_MIN 28u   /* header 24 + size copy 4 */
#define SP_EVTX_MAX_DEPTH 64     /* element nesting, nested BinXML included */
#define SP_EVTX_MAX_NEST 8       /* template instances inside substitutions */
#define SP_EVTX_MAX_SUBS 1024    /* substitution values per instance */
#define SP_EVTX_MAX_OPS 8192     /* ops of one compiled fragment */
#define SP_EVTX_MAX_RECORDS 4096 /* records per chunk (64 KiB / 28 < 2400) */
#define SP_EVTX_CACHE_TPL 4096   /* templates kept per worker */
#define SP_EVTX_CACHE_BYTES (32u << 20)

/* Value types of substitutions and values. */
enum {
  SP_EVTX_T_NULL = 0x00,
  SP_EVTX_T_STRING = 0x01,
  SP_EVTX_T_ANSI = 0x02,
  SP_EVTX_T_INT8 = 0x03,
  SP_EVTX_T_UINT8 = 0x04,
  SP_EVTX_T_INT16 = 0x05,
  SP_EVTX_T_UINT16 = 0x06,
  SP_EVTX_T_INT32 = 0x07,
  SP_EVTX_T_UINT32 = 0x08,
  SP_EVTX_T_INT64 = 0x09,
  SP_EVTX_T_UINT64 = 0x0a,
  SP_EVTX_T_REAL32 = 0x0b,
  SP_EVTX_T_REAL64 = 0x0c,
  SP_EVTX_T_BOOL = 0x0d,
  SP_EVTX_T_BINARY = 0x0e,
  SP_EVTX_T_GUID = 0x0f,
  SP_EVTX_T_SIZET = 0x10,
  SP_EVTX_T_FILETIME = 0x11,
  SP_EVTX_T_SYSTIME = 0x12,
  SP_EVTX_T_SID = 0x13,
  SP_EVTX_T_HEX32 = 0x14,
  SP_EVTX_T_HEX64 = 0x15,
  SP_EVTX_T_HANDLE = 0x20,
  SP_EVTX_T_BINXML = 0x21,
  SP_EVTX_T_EVTXML = 0x23,
  SP_EVTX_T_ARRAY = 0x80
};

/* A name (element or attribute) as UTF-8, with slots the sink may use to
 * cache what it derived from the name (an interned field id, a tag); they
 * start at -1 and live as long as the compiled template. */
typedef struct sp_evtx_name {
  const char *s;
  uint32_t n;
  int32_t fid;
  int32_t tag;
} sp_evtx_name;

/* One rendered value: text in the caller's buffer (or a template literal),
 * the value type, and its integer form when it has one. slot is non-NULL
 * for a template literal: a cache the sink may fill (like sp_evtx_name). */
typedef struct sp_evtx_val {
  const char *s;
  size_t n;
  uint8_t type;
  bool has_int;
  bool array; /* an array: items separated by NUL bytes in s */
  int64_t i;
  int32_t *slot;
} sp_evtx_val;

typedef struct sp_evtx_sink {
  void *user;
  void (*open)(void *u, sp_evtx_name *name);
  void (*attr)(void *u, sp_evtx_name *name, const sp_evtx_val *v);
  void (*text)(void *u, const sp_evtx_val *v);
  void (*close)(void *u);
} sp_evtx_sink;

/* The text buffer values are rendered into (reset per record). A value that
 * does not fit is cut and counted in cut. */
typedef struct sp_evtx_buf {
  char *p;
  size_t cap;
  size_t used;
  uint64_t cut;
} sp_evtx_buf;

/* A compiled template op (binxml.c): OPEN name, ATTR name, TEXT literal,
 * SUB substitution (idx; opt: optional), CLOSE_START, CLOSE (end or
 * close-empty), TPL (a template instance inside a fragment that is not a
 * template). */
enum {
  SP_EVTX_OP_OPEN = 1,
  SP_EVTX_OP_ATTR,
  SP_EVTX_OP_CLOSE_START,
  SP_EVTX_OP_CLOSE,
  SP_EVTX_OP_TEXT,
  SP_EVTX_OP_SUB,
  SP_EVTX_OP_TPL
};

typedef struct sp_evtx_op {
  uint8_t k;
  uint8_t vtype;
  uint8_t opt;
  uint16_t idx;
  uint32_t n;    /* TEXT: length; TPL: substitution count */
  uint32_t a;    /* TPL: definition offset in the chunk */
  uint32_t b;    /* TPL: offset of the substitution descriptors */
  const void *p; /* OPEN/ATTR: sp_evtx_name; TEXT: UTF-8 literal */
  int32_t slot;  /* TEXT: the sink's cache */
} sp_evtx_op;

/* One substitution value of a record: its bytes in the chunk and type. */
typedef struct sp_evtx_sub {
  const uint8_t *p;
  uint32_t n;
  uint8_t t;
} sp_evtx_sub;

/* Per-worker compiled template cache (opaque). */
typedef struct sp_evtx_cache sp_evtx_cache;
sp_evtx_cache *sp_evtx_cache_create(void);
void sp_evtx_cache_destroy(sp_evtx_cache *c);
/* Templates compiled and cache hits so far (for tests). */
void sp_evtx_cache_stats(const sp_evtx_cache *c, uint64_t *compiled,
                         uint64_t *hits);

/* A chunk being read: its bytes (len <= 64 KiB; a short last chunk is
 * allowed) and its file offset. */
typedef struct sp_evtx_chunk {
  const uint8_t *p;
  size_t len;
  uint64_t file_off;
} sp_evtx_chunk;

/* What a record walk found wrong or cut: limits hit while rendering. */
typedef struct sp_evtx_rstat {
  uint64_t limit_depth; /* nesting or template depth cut */
  uint64_t limit_subs;  /* substitution arrays longer than the limit */
  uint64_t limit_ops;   /* fragments longer than the op limit */
} sp_evtx_rstat;

/* Render one record's BinXML (bytes [off, off+len) of the chunk) through the
 * sink. Returns NULL on success, else a short static reason. */
const char *sp_evtx_render(sp_evtx_cache *c, const sp_evtx_chunk *ch,
                           uint32_t off, uint32_t len, const sp_evtx_sink *sk,
                           sp_evtx_buf *out, sp_evtx_rstat *st);
/* A record that is one template instance (nearly every record): its
 * template's ops and its substitution values, for a sink that derives a
 * plan from the ops once and then reads values directly (readers/evtx.c).
 * user is the template's slot for that plan, NULL when the template lives
 * only as long as the chunk (cache full); binxml tells that a value is
 * nested BinXML (then the plan does not apply: use sp_evtx_render). */
typedef struct sp_evtx_inst {
  const sp_evtx_op *ops;
  uint32_t nops;
  const sp_evtx_sub *subs;
  uint32_t nsub;
  void **user;
  bool binxml;
} sp_evtx_inst;

/* 1 and *in filled when the record's BinXML (bytes [off, off+len) of the
 * chunk) is one template instance; 0 for any other shape (render it with
 * sp_evtx_render) or a level past SP_EVTX_MAX_NEST; -1 with *err on damage.
 * level (0 for a record, n+1 for a BinXML value inside a level-n
 * instance) picks the substitution frame: in->subs is valid until the
 * next call at the same level. */
int sp_evtx_instance(sp_evtx_cache *c, const sp_evtx_chunk *ch, uint32_t off,
                     uint32_t len, int level, sp_evtx_inst *in,
                     sp_evtx_rstat *st, const char **err);
/* How the cache frees a template's user slot when it drops the template. */
void sp_evtx_cache_set_user_free(sp_evtx_cache *c, void (*fn)(void *));

/* Forget the per-chunk template offsets (call before each chunk). */
void sp_evtx_cache_new_chunk(sp_evtx_cache *c);

/* Render one substitution value of type t from data (n bytes) into out as
 * the peer tools render it; fills v (text, integer form). False when the
 * data does not fit the type. Nested BinXML (0x21) is not handled here. */
bool sp_evtx_value(uint8_t t, const uint8_t *data, size_t n, sp_evtx_buf *out,
                   sp_evtx_val *v);
/* sp_evtx_value's string case alone (SP_EVTX_T_STRING: the text, nothing
 * else to fill), for a caller that knows the type. */
void sp_evtx_utf16(sp_evtx_buf *out, const uint8_t *p, size_t nbytes);

/* FILETIME (100 ns since 1601) -> ns since 1970; INT64_MIN (SP_TIME_NONE)
 * outside what int64 ns can hold (1677..2262). */
int64_t sp_evtx_filetime_ns(uint64_t ft);
/* ISO 8601 "YYYY-MM-DDTHH:MM:SS.ffffffZ" of ns since the epoch; returns the
 * length written (27) or 0 when cap is too small. */
size_t sp_evtx_iso(int64_t ns, char *dst, size_t cap);

/* ---- file and chunk layout (chunk.c) ---------------------------------- */

typedef struct sp_evtx_header {
  uint64_t first_chunk, last_chunk, next_record;
  uint32_t header_size;
  uint16_t minor, major, block_size, n_chunks;
  uint32_t flags;
  bool crc_ok;
} sp_evtx_header;

/* Parse a file header (at least 128 bytes). False when the magic is wrong. */
bool sp_evtx_header_parse(const uint8_t *p, size_t n, sp_evtx_header *h);

typedef struct sp_evtx_chunk_info {
  bool magic_ok;
  bool header_crc_ok;
  uint64_t first_id, last_id;
  uint32_t free_off; /* next record offset as the header says */
  uint32_t flags;
} sp_evtx_chunk_info;

void sp_evtx_chunk_info_get(const sp_evtx_chunk *ch, sp_evtx_chunk_info *ci);

/* One record header as found in a chunk. */
typedef struct sp_evtx_record {
  uint32_t off;  /* in the chunk */
  uint32_t size; /* whole record */
  uint64_t id;
  uint64_t filetime;
} sp_evtx_record;

/* Walk a chunk's records: calls on_record for every record whose header
 * and size copy are sound, on_bad(off, reason) for damage (off in the
 * chunk); stops at the free-space offset, or when the header cannot be
 * trusted, where records stop. Returns the records found; *cut counts
 * records beyond SP_EVTX_MAX_RECORDS. */
size_t
sp_evtx_chunk_records(const sp_evtx_chunk *ch, const sp_evtx_chunk_info *ci,
                      void (*on_record)(void *u, const sp_evtx_record *r),
                      void (*on_bad)(void *u, uint32_t off, const char *reason),
                      void *u, uint64_t *cut);

#endif
