/*
 * strset.h - a bounded hash set of owned byte strings.
 *
 * Used for read-only lookup tables built before a hunt (stock Exchange file
 * names, files flagged by the file scan, baseline hashes). Open addressing
 * with linear probing; the set owns copies of its strings. Capacity is capped
 * (max_items); inserting beyond it fails with SP_ELIMIT.
 * Not thread-safe for writes; concurrent reads of a finished set are fine.
 */
#ifndef SP_CORE_STRSET_H
#define SP_CORE_STRSET_H

#include "core/str.h"
#include "spoor/spoor.h"

typedef struct sp_strset sp_strset;

sp_err sp_strset_create(size_t max_items, sp_strset **out);
void sp_strset_destroy(sp_strset *set);
/* Insert a copy; lower-cases ASCII when fold is set. Duplicates are ignored. */
sp_err sp_strset_add(sp_strset *s, sp_str v, bool fold);
/* Lookup; fold lower-cases the probe (the set must have been built folded). */
bool sp_strset_has(const sp_strset *s, sp_str v, bool fold);
size_t sp_strset_count(const sp_strset *set);
/* Iterate: returns the i-th slot's string or an empty slice; i < capacity. */
size_t sp_strset_capacity(const sp_strset *set);
sp_str sp_strset_slot(const sp_strset *set, size_t i);

/* FNV-1a, optionally ASCII case-folded. */
uint64_t sp_hash_bytes(const char *p, size_t n, bool fold);

/* A 64-bit finaliser (splitmix64's): spreads a hash's bits, for table
 * positions and for the fixed ranks that bounded sets keep by. */
static inline uint64_t sp_mix64(uint64_t x) {
  x ^= x >> 30;
  x *= UINT64_C(0xbf58476d1ce4e5b9);
  x ^= x >> 27;
  x *= UINT64_C(0x94d049bb133111eb);
  x ^= x >> 31;
  return x;
}

/* The fixed sequence a rank budget walks down when it is over: an eighth
 * less each step, reaching 0. */
static inline uint64_t sp_rank_lower(uint64_t limit) {
  return limit ? limit - (limit >> 3) - 1 : 0;
}

#endif
