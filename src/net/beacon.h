/*
 * beacon.h - spoor's beacon score over every day of the evidence, beside
 * RITA's (rita.h), with the features an analyst needs to see why.
 *
 * Differences from RITA's 24-hour score:
 *  - the whole input is analysed; gaps longer than max(6 h, 10 x the median
 *    interval) are "off" periods (a host asleep, a sampled retention that
 *    kept only some days) and leave the interval statistics, so evidence
 *    spread over non-adjacent days still scores;
 *  - no 24-bin histogram over one day (it cannot see hourly or daily
 *    periods): persistence counts the hours and days the pair was seen in
 *    instead, and a confidence factor needs 12 regular intervals;
 *  - strobes are reported apart (>= SP_NET_STROBE connections in one day).
 * score = conf * (0.5 ts + 0.3 ds + 0.2 persist), each sub-score in [0, 1],
 * rounded to 3 decimals. ts and ds are RITA's MAD scores, 1 - MAD/median,
 * of the kept intervals and of the sizes, without RITA's Bowley half: the
 * skew of random (Poisson-like) times is near 0 too, so it scored human
 * traffic 0.5 for nothing (the skew stays among the features). A beacon
 * needs ts >= SP_NET_TS_MIN as well (random times give about 0.55, a
 * period with +-50% jitter 0.75) and (ts + ds) / 2 >= SP_NET_TSDS_MIN: a
 * human's daily visit at a random business hour is a daily period with
 * +-5 h of jitter (ts about 0.75), told apart by its varying sizes.
 */
#ifndef SP_NET_BEACON_H
#define SP_NET_BEACON_H

#include "net/rita.h"

#define SP_NET_STROBE 86400 /* connections in one day (RITA's threshold) */
#define SP_NET_TS_MIN 0.7   /* interval regularity a beacon needs */
#define SP_NET_TSDS_MIN 0.8 /* and intervals and sizes together */

typedef struct sp_net_beacon {
  double score, ts, ds, persist, conf;
  size_t n, unique;       /* connections, distinct seconds */
  size_t intervals, gaps; /* intervals kept, off periods left out */
  double interval_median; /* s, over the kept intervals */
  double interval_mode;   /* s, most common kept interval (to 1 s) */
  double skew, mad;       /* of the kept intervals */
  double size_median, size_mad;
  unsigned days, hours; /* distinct UTC days / hours seen */
  uint64_t max_per_day; /* connections in the busiest day */
  int64_t first, last;  /* s */
} sp_net_beacon;

/* Score ts[0..n) (s; sorted in place) and sizes[0..n) (reordered).
 * false when there are fewer than 4 distinct times or 3 kept intervals
 * (features still filled as far as known) or out of memory. */
bool sp_net_beacon_score(int64_t *ts, int64_t *sizes, size_t n,
                         sp_net_beacon *out);

#endif
