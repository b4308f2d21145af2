/*
 * pairs.h - compact per (source, destination) connection state for the
 * network analytics.
 *
 * A pair keeps exact totals (connections, bytes each way, off-hours bytes,
 * summed durations, NTP-shaped connections) and, per connection, its time
 * and size as varints in one growing byte buffer: the zigzag delta of the
 * time in whole seconds from the previous one appended, then the size
 * (orig_ip_bytes). A regular beacon costs 2-4 bytes a connection.
 *
 * Memory budget: the table counts every byte it holds (records, index,
 * buffers) against a cap. Past it, new pairs are not created and existing
 * ones stop storing per-connection series (their totals stay exact), as
 * does a pair past SP_NPAIR_MAX_SERIES connections; the
 * connections left out are counted (sp_ntab_dropped) for the caller to
 * report as a limit. Open connections are remembered per pair by uid hash,
 * SP_NPAIR_OPEN of them.
 *
 * Not thread-safe: one table per detector instance; sp_ntab_merge folds
 * one into another (series appended, totals added).
 */
#ifndef SP_NET_PAIRS_H
#define SP_NET_PAIRS_H

#include "core/ip.h"
#include "spoor/spoor.h"

#include <stdbool.h>
#include <stdint.h>

#define SP_NPAIR_OPEN 4
/* Connections one pair's series keeps (a strobe of 86,400 a day for 30
 * days is 2.6 million): bounds the scoring's scratch memory too. */
#define SP_NPAIR_MAX_SERIES (4u << 20)

typedef struct sp_nopen {
  uint64_t uid; /* hash of the uid, 0 = empty */
  double dur;   /* the longest duration reported for it */
  bool closed;  /* the uid was seen in conn: its time is in dur_closed */
} sp_nopen;

typedef struct sp_npair {
  sp_ip src, dst;
  uint64_t hash;
  uint8_t *buf; /* varints: zigzag time delta, size */
  uint32_t len, cap;
  uint32_t n_stored; /* connections in buf */
  uint64_t n;        /* connections */
  uint64_t n_ntp;    /* udp/123 or service ntp */
  uint64_t n_open;   /* conns without a duration (S0/S1/OTH, "-") */
  int64_t prev;      /* last time appended, seconds */
  int64_t first, last;
  uint64_t orig_bytes, resp_bytes, night_bytes;
  double dur_closed;
  double dur_max; /* the longest single closed connection, s */
  sp_nopen open[SP_NPAIR_OPEN];
  uint32_t ref_file; /* the earliest connection's evidence */
  uint64_t ref_line;
  int ref_kind;
  int64_t ref_ts; /* ns */
  uint16_t port;  /* destination port of the earliest connection */
} sp_npair;

typedef struct sp_ntab sp_ntab;

/* with_dur: the series also keep each connection's duration (us; RITA
 * compatibility sums durations inside its 24-hour window). */
sp_err sp_ntab_create(size_t mem_cap, bool with_dur, sp_ntab **out);
void sp_ntab_destroy(sp_ntab *t);

/* The pair (src, dst), created if absent; NULL when the budget or memory
 * is exhausted (the caller counts the connection with sp_ntab_drop). */
sp_npair *sp_ntab_get(sp_ntab *t, const sp_ip *src, const sp_ip *dst);
/* Append one connection's time (s) and size to the pair's series; false
 * when the budget stops it (counted in the table). Totals are the
 * caller's. */
bool sp_npair_append(sp_ntab *t, sp_npair *p, int64_t ts, uint64_t size,
                     uint64_t dur_us);
void sp_ntab_drop(sp_ntab *t, uint64_t n);
uint64_t sp_ntab_dropped(const sp_ntab *t);
uint64_t sp_ntab_unstored(const sp_ntab *t);
size_t sp_ntab_bytes(const sp_ntab *t);
size_t sp_ntab_count(const sp_ntab *t);
/* Pair i (0 <= i < count), in an order fixed by the table's history. */
sp_npair *sp_ntab_at(sp_ntab *t, size_t i);
/* Decode a pair's series into ts[] and sizes[] (n_stored each) and, when
 * the table keeps them and durs is not NULL, durs[] (us). */
void sp_npair_decode(const sp_ntab *t, const sp_npair *p, int64_t *ts,
                     int64_t *sizes, int64_t *durs);
/* Fold src into dst (dst's budget grows by src's); src is left empty.
 * false when out of memory. */
bool sp_ntab_merge(sp_ntab *dst, sp_ntab *src);

#endif
