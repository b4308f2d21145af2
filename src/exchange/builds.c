/*
 * builds.c - Exchange build parsing and the table of fixed builds for the
 * 2021 waves (see builds.h). Owns the table; it changes only when Microsoft
 * republishes a security update for an old cumulative update.
 *
 * Source of every number below: Microsoft, "Exchange Server build numbers
 * and release dates" (learn.microsoft.com/exchange/new-features/
 * build-numbers-and-release-dates), as also published in
 * github.com/microsoft/Get-ExchangeBuildNumber (ExchangeBuildNumbers.csv):
 * the "Mar21SU" rows (KB5000871, and KB5000978 for Exchange 2010 SP3 RU32)
 * for ProxyLogon, the "May21SU" rows (KB5003435, which contains the April
 * 2021 update KB5001779 that fixed CVE-2021-34473 and CVE-2021-34523) for
 * ProxyShell.
 */
#include "exchange/builds.h"

#include <stdio.h>
#include <string.h>

bool sp_exch_build_parse(sp_str s, sp_exch_build *out) {
  size_t part = 0, digits = 0;
  uint64_t cur = 0;
  for (size_t i = 0; i <= s.n; i++) {
    char c = i < s.n ? s.p[i] : '.';
    if (c >= '0' && c <= '9') {
      cur = cur * 10 + (uint64_t)(c - '0');
      if (++digits > 6)
        return false;
    } else if (c == '.' && digits && part < 4) {
      out->v[part++] = (uint32_t)cur;
      cur = 0;
      digits = 0;
    } else {
      return false;
    }
  }
  /* "15.0.0.0" is a placeholder some tools write, not a build. */
  return part == 4 && out->v[0] >= 8 && out->v[0] <= 15 && out->v[2] > 0;
}

size_t sp_exch_build_norm(sp_str s, char *out, size_t cap) {
  sp_exch_build b;
  if (!sp_exch_build_parse(s, &b))
    return 0;
  int k = snprintf(out, cap, "%u.%u.%u.%u", b.v[0], b.v[1], b.v[2], b.v[3]);
  return k > 0 && (size_t)k < cap ? (size_t)k : 0;
}

int sp_exch_build_cmp(const sp_exch_build *a, const sp_exch_build *b) {
  for (int i = 0; i < 4; i++)
    if (a->v[i] != b->v[i])
      return a->v[i] < b->v[i] ? -1 : 1;
  return 0;
}

static const sp_exch_wave_info waves[SP_WAVE__COUNT] = {
    {"ProxyLogon",
     "CVE-2021-26855,CVE-2021-26857,CVE-2021-26858,CVE-2021-27065",
     "March 2021 security update (KB5000871)",
     1609891200LL * 1000000000LL, /* 2021-01-06: Volexity, Microsoft */
     "https://learn.microsoft.com/en-us/exchange/new-features/"
     "build-numbers-and-release-dates"},
    {"ProxyShell", "CVE-2021-34473,CVE-2021-34523,CVE-2021-31207",
     "April and May 2021 security updates (KB5001779, KB5003435)",
     1628121600LL * 1000000000LL, /* 2021-08-05: public, exploited at once */
     "https://learn.microsoft.com/en-us/exchange/new-features/"
     "build-numbers-and-release-dates"},
};

const sp_exch_wave_info *sp_exch_wave_get(sp_exch_wave w) {
  return (unsigned)w < SP_WAVE__COUNT ? &waves[w] : NULL;
}

/* One cumulative update (major.minor.build) and the first revision with
 * the wave's fix. */
typedef struct fixed_cu {
  uint8_t wave;
  uint8_t major, minor;
  uint16_t build, rev;
} fixed_cu;

static const fixed_cu fixed[] = {
    /* ProxyLogon: Mar21SU */
    {SP_WAVE_PROXYLOGON, 15, 0, 847, 64},  /* 2013 SP1 */
    {SP_WAVE_PROXYLOGON, 15, 0, 1395, 12}, /* 2013 CU21 */
    {SP_WAVE_PROXYLOGON, 15, 0, 1473, 6},  /* 2013 CU22 */
    {SP_WAVE_PROXYLOGON, 15, 0, 1497, 12}, /* 2013 CU23 */
    {SP_WAVE_PROXYLOGON, 15, 1, 1415, 10}, /* 2016 CU8 */
    {SP_WAVE_PROXYLOGON, 15, 1, 1466, 16}, /* 2016 CU9 */
    {SP_WAVE_PROXYLOGON, 15, 1, 1531, 12}, /* 2016 CU10 */
    {SP_WAVE_PROXYLOGON, 15, 1, 1591, 18}, /* 2016 CU11 */
    {SP_WAVE_PROXYLOGON, 15, 1, 1713, 10}, /* 2016 CU12 */
    {SP_WAVE_PROXYLOGON, 15, 1, 1779, 8},  /* 2016 CU13 */
    {SP_WAVE_PROXYLOGON, 15, 1, 1847, 12}, /* 2016 CU14 */
    {SP_WAVE_PROXYLOGON, 15, 1, 1913, 12}, /* 2016 CU15 */
    {SP_WAVE_PROXYLOGON, 15, 1, 1979, 8},  /* 2016 CU16 */
    {SP_WAVE_PROXYLOGON, 15, 1, 2044, 13}, /* 2016 CU17 */
    {SP_WAVE_PROXYLOGON, 15, 1, 2106, 13}, /* 2016 CU18 */
    {SP_WAVE_PROXYLOGON, 15, 1, 2176, 9},  /* 2016 CU19 */
    {SP_WAVE_PROXYLOGON, 15, 2, 221, 18},  /* 2019 RTM */
    {SP_WAVE_PROXYLOGON, 15, 2, 330, 11},  /* 2019 CU1 */
    {SP_WAVE_PROXYLOGON, 15, 2, 397, 11},  /* 2019 CU2 */
    {SP_WAVE_PROXYLOGON, 15, 2, 464, 15},  /* 2019 CU3 */
    {SP_WAVE_PROXYLOGON, 15, 2, 529, 13},  /* 2019 CU4 */
    {SP_WAVE_PROXYLOGON, 15, 2, 595, 8},   /* 2019 CU5 */
    {SP_WAVE_PROXYLOGON, 15, 2, 659, 12},  /* 2019 CU6 */
    {SP_WAVE_PROXYLOGON, 15, 2, 721, 13},  /* 2019 CU7 */
    {SP_WAVE_PROXYLOGON, 15, 2, 792, 10},  /* 2019 CU8 */
    {SP_WAVE_PROXYLOGON, 14, 3, 513, 0},   /* 2010 SP3 RU32 (26857 only) */
    /* ProxyShell: May21SU (contains Apr21SU) */
    {SP_WAVE_PROXYSHELL, 15, 0, 1497, 18}, /* 2013 CU23 */
    {SP_WAVE_PROXYSHELL, 15, 1, 2176, 14}, /* 2016 CU19 */
    {SP_WAVE_PROXYSHELL, 15, 1, 2242, 10}, /* 2016 CU20 */
    {SP_WAVE_PROXYSHELL, 15, 2, 792, 15},  /* 2019 CU8 */
    {SP_WAVE_PROXYSHELL, 15, 2, 858, 12},  /* 2019 CU9 */
};

/* Per product line, the first cumulative update released with the fix
 * (every later build has it); 0: none (the line ended before). */
typedef struct fixed_line {
  uint8_t wave;
  uint8_t major, minor;
  uint16_t first_fixed_build;
  bool affected;
} fixed_line;

static const fixed_line lines[] = {
    {SP_WAVE_PROXYLOGON, 15, 0, 0, true},    /* 2013: CU23 was the last */
    {SP_WAVE_PROXYLOGON, 15, 1, 2242, true}, /* 2016 CU20, 2021-03-16 */
    {SP_WAVE_PROXYLOGON, 15, 2, 858, true},  /* 2019 CU9, 2021-03-16 */
    {SP_WAVE_PROXYLOGON, 14, 3, 513, true},  /* 2010 SP3 RU32 */
    {SP_WAVE_PROXYSHELL, 15, 0, 0, true},
    {SP_WAVE_PROXYSHELL, 15, 1, 2308, true}, /* 2016 CU21, 2021-06-29 */
    {SP_WAVE_PROXYSHELL, 15, 2, 922, true},  /* 2019 CU10, 2021-06-29 */
    {SP_WAVE_PROXYSHELL, 14, 3, 0, false},   /* 2010 is not affected */
};

sp_exch_exposure sp_exch_exposure_of(const sp_exch_build *b, sp_exch_wave w,
                                     char *fix, size_t fix_cap) {
  if (fix && fix_cap)
    fix[0] = '\0';
  const fixed_line *ln = NULL;
  for (size_t i = 0; i < sizeof lines / sizeof lines[0]; i++)
    if (lines[i].wave == w && lines[i].major == b->v[0] &&
        lines[i].minor == b->v[1])
      ln = &lines[i];
  if (!ln)
    return SP_EXPO_UNKNOWN;
  if (!ln->affected)
    return SP_EXPO_NOT_AFFECTED;
  if (ln->first_fixed_build && b->v[2] >= ln->first_fixed_build &&
      !(ln->major == 14)) /* 2010: a rollup, compared below */
    return SP_EXPO_FIXED;
  for (size_t i = 0; i < sizeof fixed / sizeof fixed[0]; i++) {
    const fixed_cu *f = &fixed[i];
    if (f->wave != w || f->major != b->v[0] || f->minor != b->v[1])
      continue;
    if (f->major == 14) { /* 2010 SP3: rollups raise the build number */
      if (b->v[2] >= f->build)
        return SP_EXPO_FIXED;
      if (fix)
        snprintf(fix, fix_cap, "%u.%u.%u.%u", f->major, f->minor, f->build,
                 f->rev);
      return SP_EXPO_VULNERABLE;
    }
    if (f->build != b->v[2])
      continue;
    if (b->v[3] >= f->rev)
      return SP_EXPO_FIXED;
    if (fix)
      snprintf(fix, fix_cap, "%u.%u.%u.%u", f->major, f->minor, f->build,
               f->rev);
    return SP_EXPO_VULNERABLE;
  }
  return SP_EXPO_VULNERABLE; /* a cumulative update that got no fix */
}
