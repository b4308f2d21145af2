/*
 * beacon.c - spoor's multi-day beacon score (see beacon.h). Scratch arrays
 * only; owns nothing past a call.
 */
#include "net/beacon.h"

#include <math.h>
#include <stdlib.h>

static int cmp_i64(const void *a, const void *b) {
  int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
  return (x > y) - (x < y);
}

static int cmp_d(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

/* RITA's MAD score: (median - MAD) / median, def when the median is < 1. */
static double mad_score(double median, double mad, double def) {
  double v = median >= 1 ? (median - mad) / median : def;
  return sp_rita_r3(v < 0 || isnan(v) ? 0 : v);
}

static int64_t floor_div(int64_t a, int64_t b) {
  int64_t q = a / b;
  return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

bool sp_net_beacon_score(int64_t *ts, int64_t *sizes, size_t n,
                         sp_net_beacon *out) {
  *out = (sp_net_beacon){.n = n};
  if (n == 0)
    return false;
  qsort(ts, n, sizeof *ts, cmp_i64);
  out->first = ts[0];
  out->last = ts[n - 1];
  /* Days and hours seen, busiest day. */
  int64_t day = INT64_MIN, hour = INT64_MIN;
  uint64_t in_day = 0;
  for (size_t i = 0; i < n; i++) {
    int64_t d = floor_div(ts[i], 86400), h = floor_div(ts[i], 3600);
    if (d != day) {
      out->days++;
      day = d;
      in_day = 0;
    }
    if (h != hour) {
      out->hours++;
      hour = h;
    }
    if (++in_day > out->max_per_day)
      out->max_per_day = in_day;
    out->unique += i == 0 || ts[i] != ts[i - 1];
  }
  double *iv = malloc(n * sizeof *iv);
  double *sz = malloc(n * sizeof *sz);
  if (!iv || !sz) {
    free(iv);
    free(sz);
    return false;
  }
  for (size_t i = 0; i < n; i++)
    sz[i] = (double)sizes[i];
  qsort(sz, n, sizeof *sz, cmp_d);
  sp_rita_stat ds = {0};
  if (n >= 3)
    sp_rita_stat_sorted(sz, n, 0.0, &ds);
  out->ds = mad_score(ds.median, ds.mad, 0.0);
  out->size_median = ds.median;
  out->size_mad = ds.mad;
  size_t m = 0;
  for (size_t i = 0; i + 1 < n; i++)
    if (ts[i + 1] > ts[i])
      iv[m++] = (double)(ts[i + 1] - ts[i]);
  bool ok = false;
  if (out->unique >= 4 && m >= 3) {
    qsort(iv, m, sizeof *iv, cmp_d);
    double med = sp_rita_median(iv, m);
    double gap = fmax(6 * 3600.0, 10 * med);
    size_t k = m;
    while (k > 0 && iv[k - 1] > gap)
      k--;
    out->gaps = m - k;
    out->intervals = k;
    if (k >= 3) {
      sp_rita_stat st;
      sp_rita_stat_sorted(iv, k, 1.0, &st);
      out->ts = mad_score(st.median, st.mad, 1.0);
      out->skew = st.skew;
      out->mad = st.mad;
      out->interval_median = st.median;
      /* Mode of the kept intervals (runs of equal values). */
      size_t best = 0;
      for (size_t i = 0; i < k;) {
        size_t j = i;
        while (j < k && iv[j] == iv[i])
          j++;
        if (j - i > best) {
          best = j - i;
          out->interval_mode = iv[i];
        }
        i = j;
      }
      double ph = fmin(out->hours / 12.0, 1.0), pd = fmin(out->days / 3.0, 1.0);
      out->persist = ph > pd ? ph : pd;
      out->conf = fmin(k / 12.0, 1.0);
      out->score = sp_rita_r3(
          out->conf * (0.5 * out->ts + 0.3 * out->ds + 0.2 * out->persist));
      ok = true;
    }
  }
  free(iv);
  free(sz);
  return ok;
}
