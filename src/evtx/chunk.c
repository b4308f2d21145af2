/*
 * chunk.c - the EVTX file header and chunk layout: header fields and
 * checksums, and the walk over a chunk's records.
 *
 * File header (128 bytes used of a 4 KiB block): "ElfFile\0", first and
 * last chunk numbers, next record id, header size, minor/major version,
 * block size, chunk count, flags at 120 (1 dirty, 2 full, 4 no CRC) and a
 * CRC32 of the first 120 bytes at 124. Chunk header (512 bytes):
 * "ElfChnk\0", first/last record numbers and ids, header size, last and
 * free-space (next record) offsets, records CRC32 at 52, flags at 120,
 * header CRC32 (bytes 0-119 and 128-511) at 124, then the string and
 * template offset tables.
 *
 * Live files routinely carry stale headers (a chunk written after its
 * header, a wrong checksum): checksums are reported, never used to reject.
 * Records are read up to the free-space offset; when the header cannot be
 * trusted (bad checksum or offset out of range) the walk goes on for as
 * long as sound records follow. Zeros where a record would begin end the
 * walk quietly, as they do for the peer tools. A record whose trailing size
 * copy is wrong is still read (writers leave it zero in a record cut short, and
 * peers read it), but only a record with a sound copy extends the walk past the
 * header's end. A record with a bad magic or size is reported and the walk
 * resynchronises on the next sound record (records are 8-byte aligned).
 * Owns nothing.
 */
#include "evtx/evtx.h"

#include <string.h>
#include <zlib.h>

static inline uint16_t rd16(const uint8_t *p) {
  return (uint16_t)(p[0] | (p[1] << 8));
}
static inline uint32_t rd32(const uint8_t *p) {
  return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) |
         ((uint32_t)p[3] << 24);
}
static inline uint64_t rd64(const uint8_t *p) {
  return (uint64_t)rd32(p) | ((uint64_t)rd32(p + 4) << 32);
}

bool sp_evtx_header_parse(const uint8_t *p, size_t n, sp_evtx_header *h) {
  memset(h, 0, sizeof *h);
  if (n < 128 || memcmp(p, "ElfFile\0", 8) != 0)
    return false;
  h->first_chunk = rd64(p + 8);
  h->last_chunk = rd64(p + 16);
  h->next_record = rd64(p + 24);
  h->header_size = rd32(p + 32);
  h->minor = rd16(p + 36);
  h->major = rd16(p + 38);
  h->block_size = rd16(p + 40);
  h->n_chunks = rd16(p + 42);
  h->flags = rd32(p + 120);
  h->crc_ok = (uint32_t)crc32(0, p, 120) == rd32(p + 124);
  return true;
}

void sp_evtx_chunk_info_get(const sp_evtx_chunk *ch, sp_evtx_chunk_info *ci) {
  memset(ci, 0, sizeof *ci);
  const uint8_t *p = ch->p;
  if (ch->len < SP_EVTX_CHUNK_HEADER)
    return;
  ci->magic_ok = memcmp(p, "ElfChnk\0", 8) == 0;
  ci->first_id = rd64(p + 24);
  ci->last_id = rd64(p + 32);
  ci->free_off = rd32(p + 48);
  ci->flags = rd32(p + 120);
  uLong c = crc32(0, p, 120);
  c = crc32(c, p + 128, SP_EVTX_CHUNK_HEADER - 128);
  ci->header_crc_ok = (uint32_t)c == rd32(p + 124);
}

static bool is_magic(const uint8_t *p) {
  return p[0] == 0x2a && p[1] == 0x2a && p[2] == 0 && p[3] == 0;
}

/* A record at off whose size and size copy agree. */
static bool sound(const sp_evtx_chunk *ch, uint32_t off) {
  if (ch->len - off < 24 || !is_magic(ch->p + off))
    return false;
  uint32_t size = rd32(ch->p + off + 4);
  return size >= SP_EVTX_RECORD_MIN && size <= ch->len - off &&
         rd32(ch->p + off + size - 4) == size;
}

/* Next offset >= from (8-aligned from the chunk's records start) holding a
 * sound record, below limit; 0 when none. */
static uint32_t resync(const sp_evtx_chunk *ch, uint32_t from, uint32_t limit) {
  from = (from + 7) & ~7u;
  for (uint32_t o = from; o < limit && ch->len - o >= 24; o += 8)
    if (sound(ch, o))
      return o;
  return 0;
}

size_t
sp_evtx_chunk_records(const sp_evtx_chunk *ch, const sp_evtx_chunk_info *ci,
                      void (*on_record)(void *u, const sp_evtx_record *r),
                      void (*on_bad)(void *u, uint32_t off, const char *reason),
                      void *u, uint64_t *cut) {
  size_t n = 0;
  *cut = 0;
  if (ch->len <= SP_EVTX_CHUNK_HEADER)
    return 0;
  uint32_t len = (uint32_t)ch->len;
  bool free_ok =
      ci->free_off >= SP_EVTX_CHUNK_HEADER && ci->free_off <= ch->len;
  /* Where the header says records end, and whether to believe it. */
  uint32_t limit = free_ok ? ci->free_off : len;
  bool trusted = free_ok && ci->header_crc_ok && ci->magic_ok;
  uint32_t off = SP_EVTX_CHUNK_HEADER;
  if (!ci->magic_ok) {
    /* A wiped header: records are found by their magic, gaps skipped. */
    off = resync(ch, off, len);
    if (!off)
      return 0;
  }
  while (len - off >= 24) {
    if (off >= limit) {
      /* Past the header's end: only an untrusted header lets sound
       * records there count (a chunk written after its header). */
      if (trusted || !sound(ch, off))
        break;
    }
    if (!is_magic(ch->p + off)) {
      /* Zeros where a record would start: the unused end of the chunk
       * (its header may say otherwise). */
      static const uint8_t zero[24];
      if (off >= limit || memcmp(ch->p + off, zero, sizeof zero) == 0) {
        uint32_t nx = ci->magic_ok ? 0 : resync(ch, off + 8, len);
        if (!nx)
          break;
        off = nx;
        continue;
      }
      on_bad(u, off, "bad record magic");
      uint32_t nx = resync(ch, off + 8, limit);
      if (!nx)
        break;
      off = nx;
      continue;
    }
    uint32_t size = rd32(ch->p + off + 4);
    const char *why = NULL;
    if (size < SP_EVTX_RECORD_MIN)
      why = "record size smaller than 28";
    else if (size > len - off)
      why = "record runs past the chunk";
    if (why) {
      on_bad(u, off, why);
      uint32_t nx = resync(ch, off + 8, limit);
      if (!nx)
        break;
      off = nx;
      continue;
    }
    if (n >= SP_EVTX_MAX_RECORDS) {
      (*cut)++;
    } else {
      sp_evtx_record r = {off, size, rd64(ch->p + off + 8),
                          rd64(ch->p + off + 16)};
      on_record(u, &r);
      n++;
    }
    off += size;
  }
  return n;
}
