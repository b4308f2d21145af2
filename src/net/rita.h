/*
 * rita.h - RITA v5's beacon and bucketed scores, written from its published
 * formulas (activecm/rita analysis/beacons.go and config defaults), as the
 * compatibility mode of spoor's network analytics and as building blocks of
 * its own scores.
 *
 * Statistics: quartiles as montanaflynn/stats (median of the lower and upper
 * halves, the middle element left out when n is odd), MAD = median of
 * |x - median| with no 1.4826 factor, Bowley skew only when the quartile
 * spread is at least 10 and the median differs from both quartiles.
 * Sub-scores are rounded to 3 decimals (half away from zero), as RITA does.
 *
 * Pure functions over caller-owned arrays; the only allocation is scratch
 * for sorting (functions that need it return false when it fails or the
 * input is too short for the score, as RITA would skip it).
 */
#ifndef SP_NET_RITA_H
#define SP_NET_RITA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SP_RITA_BINS 24

/* Round to 3 decimals, half away from zero (Go's math.Round(x*1000)/1000). */
double sp_rita_r3(double x);

/* Median of a sorted array (n >= 1). */
double sp_rita_median(const double *sorted, size_t n);

typedef struct sp_rita_stat {
  double score; /* (bowley score + MAD score) / 2, rounded */
  double skew;  /* Bowley skewness (0 when undefined) */
  double mad;   /* median absolute deviation */
  double median;
} sp_rita_stat;

/* Interval regularity of timestamps ts[0..n) (seconds, any order): over the
 * positive gaps between consecutive sorted timestamps. false when fewer
 * than 4 timestamps or 3 positive gaps (or out of memory). */
bool sp_rita_ts_score(const int64_t *ts, size_t n, sp_rita_stat *out);
/* Data-size regularity of sizes[0..n) (any order); false when n < 3. */
bool sp_rita_ds_score(const int64_t *sizes, size_t n, sp_rita_stat *out);
/* The statistic behind both, over xs[0..n) sorted ascending (n >= 2). */
void sp_rita_stat_sorted(const double *xs, size_t n, double default_mad,
                         sp_rita_stat *out);

typedef struct sp_rita_hist {
  uint32_t bins[64];
  unsigned nbins;
  unsigned total_bars;  /* bins with a connection */
  unsigned longest_run; /* longest run of non-empty bins, wrapping */
  double cv, bimodal;   /* the two candidate scores */
  double score;         /* max(cv, bimodal) */
} sp_rita_hist;

/* Histogram score of sorted timestamps ts[0..n) over [dmin, dmax] in nbins
 * (<= 64) bins, with RITA's mode sensitivity 0.05 and bimodal outlier
 * removal 1; bimodal needs min_hours non-empty bins. false when dmax <= dmin
 * or n == 0. */
bool sp_rita_hist_score(int64_t dmin, int64_t dmax, const int64_t *sorted,
                        size_t n, unsigned nbins, unsigned min_hours,
                        sp_rita_hist *out);

/* Duration score: coverage of [dmin, dmax] by [first, last] or the longest
 * run of hours against the ideal 12; 0 under 6 bars. */
double sp_rita_dur_score(int64_t dmin, int64_t dmax, int64_t first,
                         int64_t last, unsigned total_bars,
                         unsigned longest_run);

typedef struct sp_rita_beacon {
  double score, ts, ds, dur, hist;
  sp_rita_stat ts_stat, ds_stat;
  sp_rita_hist h;
} sp_rita_beacon;

/* RITA's beacon score of one pair over the window [dmin, dmax]: ts[0..n)
 * the connections' times (whole seconds), sizes[0..n) their orig_ip_bytes.
 * Sorts ts in place. false when the pair does not qualify (as RITA). */
bool sp_rita_beacon_score(int64_t dmin, int64_t dmax, int64_t *ts,
                          const int64_t *sizes, size_t n, sp_rita_beacon *out);

/* RITA's bucketed score (long connections, C2 over DNS): 0 under base, then
 * 0.2..0.8 interpolated through low, medium and high. */
double sp_rita_bucketed(double value, double base, double low, double med,
                        double high);

#endif
