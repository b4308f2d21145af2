/*
 * rita.c - RITA v5 beacon scoring (see rita.h), from its published formulas:
 * timestamp and data-size regularity (Bowley skew and MAD), the 24-bin
 * histogram (coefficient of variation or bimodal fit) and the duration
 * score (coverage or consistency). Owns nothing past a call.
 */
#include "net/rita.h"

#include <math.h>
#include <stdlib.h>

double sp_rita_r3(double x) { return round(x * 1000.0) / 1000.0; }

double sp_rita_median(const double *s, size_t n) {
  return n % 2 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2.0;
}

static int cmp_d(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

static int cmp_i64(const void *a, const void *b) {
  int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
  return (x > y) - (x < y);
}

void sp_rita_stat_sorted(const double *xs, size_t n, double default_mad,
                         sp_rita_stat *out) {
  /* Quartiles: halves exclude the middle element when n is odd. */
  size_t c1 = n % 2 ? (n - 1) / 2 : n / 2, c2 = n % 2 ? c1 + 1 : n / 2;
  double q1 = sp_rita_median(xs, c1), q2 = sp_rita_median(xs, n);
  double q3 = sp_rita_median(xs + c2, n - c2);
  double num = q1 + q3 - 2 * q2, den = q3 - q1, skew = 0;
  if (den >= 10 && q2 != q1 && q2 != q3)
    skew = num / den;
  double skew_score = 1.0 - fabs(skew);
  /* MAD over a scratch copy would allocate: |x - m| of a sorted array is
   * two sorted runs (left side descending, right ascending); merge them. */
  size_t split = 0;
  while (split < n && xs[split] < q2)
    split++;
  size_t want = n / 2, i = split, j = split; /* i walks left, j right */
  double prev = 0, cur = 0;
  for (size_t k = 0; k <= want; k++) {
    double dl = i > 0 ? q2 - xs[i - 1] : INFINITY;
    double dr = j < n ? xs[j] - q2 : INFINITY;
    prev = cur;
    if (dl <= dr) {
      cur = dl;
      i--;
    } else {
      cur = dr;
      j++;
    }
  }
  double mad = n % 2 ? cur : (prev + cur) / 2.0;
  double mad_score = default_mad;
  if (q2 >= 1)
    mad_score = (q2 - mad) / q2;
  if (mad_score < 0 || isnan(mad_score))
    mad_score = 0;
  out->score = sp_rita_r3((skew_score + mad_score) / 2.0);
  out->skew = skew;
  out->mad = mad;
  out->median = q2;
}

bool sp_rita_ts_score(const int64_t *ts, size_t n, sp_rita_stat *out) {
  if (n < 4)
    return false;
  int64_t *s = malloc(n * sizeof *s);
  double *d = malloc(n * sizeof *d);
  if (!s || !d) {
    free(s);
    free(d);
    return false;
  }
  for (size_t i = 0; i < n; i++)
    s[i] = ts[i];
  qsort(s, n, sizeof *s, cmp_i64);
  size_t m = 0;
  for (size_t i = 0; i + 1 < n; i++)
    if (s[i + 1] > s[i])
      d[m++] = (double)(s[i + 1] - s[i]);
  free(s);
  bool ok = m >= 3;
  if (ok) {
    qsort(d, m, sizeof *d, cmp_d);
    sp_rita_stat_sorted(d, m, 1.0, out);
  }
  free(d);
  return ok;
}

bool sp_rita_ds_score(const int64_t *sizes, size_t n, sp_rita_stat *out) {
  if (n < 3)
    return false;
  double *d = malloc(n * sizeof *d);
  if (!d)
    return false;
  for (size_t i = 0; i < n; i++)
    d[i] = (double)sizes[i];
  qsort(d, n, sizeof *d, cmp_d);
  sp_rita_stat_sorted(d, n, 0.0, out);
  free(d);
  return true;
}

bool sp_rita_hist_score(int64_t dmin, int64_t dmax, const int64_t *ts, size_t n,
                        unsigned nbins, unsigned min_hours, sp_rita_hist *out) {
  if (dmax <= dmin || n == 0 || nbins == 0 || nbins > 64)
    return false;
  *out = (sp_rita_hist){.nbins = nbins};
  double step = (double)(dmax - dmin) / nbins;
  double edges[65];
  edges[0] = (double)dmin;
  for (unsigned i = 1; i < nbins; i++)
    edges[i] = (double)dmin + i * step;
  edges[nbins] = (double)dmax;
  unsigned cur = 0;
  double next = edges[1];
  for (size_t k = 0; k < n; k++) {
    double t = (double)ts[k];
    if (t >= next) {
      for (unsigned j = cur + 1; j < nbins; j++) {
        cur = j;
        next = edges[j + 1];
        if (t < edges[j + 1])
          break;
      }
    }
    out->bins[cur]++;
  }
  uint32_t largest = 0;
  uint64_t total = 0;
  for (unsigned i = 0; i < nbins; i++) {
    total += out->bins[i];
    if (out->bins[i] > largest)
      largest = out->bins[i];
    out->total_bars += out->bins[i] > 0;
  }
  double bin_size = ceil(largest * 0.05);
  /* Frequency of bar heights, bucketed by bin_size: at most nbins keys. */
  double key[64];
  unsigned cnt[64], n_keys = 0, run = 0, longest = 0;
  for (unsigned i = 0; i < 2 * nbins; i++) {
    uint32_t f = out->bins[i % nbins];
    if (f > 0)
      run++;
    else {
      if (run > longest)
        longest = run;
      run = 0;
    }
    if (i < nbins && f > 0) {
      double b = floor(f / bin_size) * bin_size;
      unsigned k = 0;
      while (k < n_keys && key[k] != b)
        k++;
      if (k == n_keys) {
        key[n_keys] = b;
        cnt[n_keys++] = 0;
      }
      cnt[k]++;
    }
  }
  if (run > longest)
    longest = run;
  out->longest_run = longest < nbins ? longest : nbins;
  /* Coefficient of variation of the bars. */
  double mean = (double)total / nbins, var = 0;
  for (unsigned i = 0; i < nbins; i++)
    var += (out->bins[i] - mean) * (out->bins[i] - mean);
  double cv = sqrt(var / nbins) / fabs(mean);
  out->cv = cv > 1.0 ? 0.0 : fmin(sp_rita_r3(1.0 - cv), 1.0);
  /* Bimodal fit: the two most common bar heights. */
  if (min_hours < 6)
    min_hours = 11;
  double fit = 0;
  if (out->total_bars >= min_hours) {
    unsigned a = 0, b = 0;
    for (unsigned k = 0; k < n_keys; k++) {
      if (cnt[k] > a) {
        b = a;
        a = cnt[k];
      } else if (cnt[k] > b)
        b = cnt[k];
    }
    int denom = (int)out->total_bars - 1;
    fit = (double)(a + b) / (denom > 1 ? denom : 1);
  }
  out->bimodal = fmin(sp_rita_r3(fit), 1.0);
  out->score = out->cv > out->bimodal ? out->cv : out->bimodal;
  return true;
}

double sp_rita_dur_score(int64_t dmin, int64_t dmax, int64_t first,
                         int64_t last, unsigned total_bars,
                         unsigned longest_run) {
  if (dmax <= dmin || last <= first || total_bars < 6)
    return 0.0;
  double cov = fmin(
      ceil((double)(last - first) / (double)(dmax - dmin) * 1000) / 1000, 1.0);
  double con = fmin(ceil(longest_run / 12.0 * 1000) / 1000, 1.0);
  return cov > con ? cov : con;
}

bool sp_rita_beacon_score(int64_t dmin, int64_t dmax, int64_t *ts,
                          const int64_t *sizes, size_t n, sp_rita_beacon *out) {
  *out = (sp_rita_beacon){0};
  if (!sp_rita_ts_score(ts, n, &out->ts_stat) ||
      !sp_rita_ds_score(sizes, n, &out->ds_stat))
    return false;
  qsort(ts, n, sizeof *ts, cmp_i64);
  if (!sp_rita_hist_score(dmin, dmax, ts, n, SP_RITA_BINS, 11, &out->h))
    return false;
  out->ts = out->ts_stat.score;
  out->ds = out->ds_stat.score;
  out->hist = out->h.score;
  out->dur = sp_rita_dur_score(dmin, dmax, ts[0], ts[n - 1], out->h.total_bars,
                               out->h.longest_run);
  out->score = sp_rita_r3(0.25 * out->ts + 0.25 * out->ds + 0.25 * out->dur +
                          0.25 * out->hist);
  return true;
}

double sp_rita_bucketed(double v, double base, double low, double med,
                        double high) {
  if (v < base)
    return 0.0;
  double s;
  if (v < low)
    s = 20 + (v - base) / (low - base) * 20;
  else if (v < med)
    s = 40 + (v - low) / (med - low) * 20;
  else
    s = 60 + ((v < high ? v : high) - med) / (high - med) * 20;
  return s / 100.0;
}
