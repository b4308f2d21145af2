/*
 * timeutil.c - strict, allocation-free timestamp parsing (see timeutil.h)
 * and RFC 3339 formatting for the public API.
 */
#include "core/timeutil.h"
#include "spoor/spoor.h"

#include <stdio.h>

int64_t sp_days_from_civil(int y, unsigned m, unsigned d) {
  /* Howard Hinnant's algorithm, valid for the proleptic Gregorian calendar. */
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = (unsigned)(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + (int64_t)doe - 719468;
}

static bool digits(const char *p, size_t n, unsigned *out) {
  unsigned v = 0;
  for (size_t i = 0; i < n; i++) {
    unsigned d = (unsigned char)p[i] - '0';
    if (d > 9)
      return false;
    v = v * 10 + d;
  }
  *out = v;
  return true;
}

static bool parse_date(const char *p, unsigned *y, unsigned *mo, unsigned *d) {
  if (p[4] != '-' || p[7] != '-')
    return false;
  if (!digits(p, 4, y) || !digits(p + 5, 2, mo) || !digits(p + 8, 2, d))
    return false;
  if (*y < 1700 || *y > 2200 || *mo < 1 || *mo > 12 || *d < 1)
    return false;
  static const unsigned char mdays[] = {31, 28, 31, 30, 31, 30,
                                        31, 31, 30, 31, 30, 31};
  bool leap = (*y % 4 == 0 && *y % 100 != 0) || *y % 400 == 0;
  return *d <= (unsigned)mdays[*mo - 1] + (*mo == 2 && leap ? 1u : 0u);
}

/* Parses "HH:MM:SS[.frac]" at p (n bytes available); returns bytes used or 0.
 */
static size_t parse_clock(const char *p, size_t n, int64_t *ns_of_day) {
  unsigned h, mi, s;
  if (n < 8 || p[2] != ':' || p[5] != ':')
    return 0;
  if (!digits(p, 2, &h) || !digits(p + 3, 2, &mi) || !digits(p + 6, 2, &s))
    return 0;
  if (h > 23 || mi > 59 || s > 60)
    return 0;
  size_t i = 8;
  int64_t frac = 0;
  if (i < n && (p[i] == '.' || p[i] == ',')) {
    i++;
    int64_t scale = 100000000;
    size_t start = i;
    while (i < n && (unsigned)((unsigned char)p[i] - '0') <= 9) {
      if (scale > 0) {
        frac += (p[i] - '0') * scale;
        scale /= 10;
      }
      i++;
    }
    if (i == start)
      return 0;
  }
  *ns_of_day = ((int64_t)h * 3600 + mi * 60 + s) * SP_NS_PER_SEC + frac;
  return i;
}

bool sp_parse_iso8601(sp_str s, int64_t *ns) {
  unsigned y, mo, d;
  if (s.n < 19 || !parse_date(s.p, &y, &mo, &d))
    return false;
  if (s.p[10] != 'T' && s.p[10] != ' ' && s.p[10] != 't')
    return false;
  int64_t tod;
  size_t used = parse_clock(s.p + 11, s.n - 11, &tod);
  if (!used)
    return false;
  size_t i = 11 + used;
  int64_t off = 0;
  if (i < s.n) {
    char c = s.p[i];
    if (c == 'Z' || c == 'z') {
      i++;
    } else if ((c == '+' || c == '-') && i + 6 <= s.n && s.p[i + 3] == ':') {
      unsigned oh, om;
      if (!digits(s.p + i + 1, 2, &oh) || !digits(s.p + i + 4, 2, &om) ||
          oh > 23 || om > 59)
        return false;
      off = ((int64_t)oh * 3600 + om * 60) * SP_NS_PER_SEC;
      if (c == '+')
        off = -off;
      i += 6;
    }
  }
  if (i != s.n)
    return false;
  *ns = sp_days_from_civil((int)y, mo, d) * 86400 * SP_NS_PER_SEC + tod + off;
  return true;
}

bool sp_parse_date_time(sp_str date, sp_str time, int64_t *ns) {
  unsigned y, mo, d;
  if (date.n != 10 || !parse_date(date.p, &y, &mo, &d))
    return false;
  int64_t tod;
  size_t used = parse_clock(time.p, time.n, &tod);
  if (!used || used != time.n)
    return false;
  *ns = sp_days_from_civil((int)y, mo, d) * 86400 * SP_NS_PER_SEC + tod;
  return true;
}

void sp_format_time(int64_t ns, char *buf, size_t cap) {
  if (cap == 0)
    return;
  if (ns == SP_TIME_NONE) {
    buf[0] = 0;
    return;
  }
  int64_t secs = ns / SP_NS_PER_SEC, rem = ns % SP_NS_PER_SEC;
  if (rem < 0) {
    rem += SP_NS_PER_SEC;
    secs--;
  }
  int64_t days = secs / 86400, sod = secs % 86400;
  if (sod < 0) {
    sod += 86400;
    days--;
  }
  /* civil_from_days */
  int64_t z = days + 719468;
  int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  unsigned doe = (unsigned)(z - era * 146097);
  unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  int64_t y = (int64_t)yoe + era * 400;
  unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  unsigned mp = (5 * doy + 2) / 153;
  unsigned d = doy - (153 * mp + 2) / 5 + 1;
  unsigned m = mp < 10 ? mp + 3 : mp - 9;
  y += m <= 2;
  snprintf(buf, cap, "%04lld-%02u-%02uT%02u:%02u:%02u.%03uZ", (long long)y, m,
           d, (unsigned)(sod / 3600), (unsigned)(sod / 60 % 60),
           (unsigned)(sod % 60), (unsigned)(rem / 1000000));
}

const char *sp_time_minutes(int64_t ns, char *out, size_t cap) {
  if (!cap)
    return out;
  if (ns == SP_TIME_NONE) {
    snprintf(out, cap, "unknown time");
    return out;
  }
  int64_t s = ns / SP_NS_PER_SEC - (ns % SP_NS_PER_SEC < 0 ? 1 : 0);
  int64_t days = s / 86400 - (s % 86400 < 0 ? 1 : 0);
  int64_t sod = s - days * 86400;
  /* civil_from_days (H. Hinnant's algorithm). */
  int64_t z = days + 719468;
  int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  int64_t doe = z - era * 146097;
  int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  int64_t y = yoe + era * 400;
  int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  int64_t mp = (5 * doy + 2) / 153;
  int64_t d = doy - (153 * mp + 2) / 5 + 1;
  int64_t m = mp < 10 ? mp + 3 : mp - 9;
  if (m <= 2)
    y++;
  snprintf(out, cap, "%04lld-%02lld-%02lld %02lld:%02lld UTC", (long long)y,
           (long long)m, (long long)d, (long long)(sod / 3600),
           (long long)(sod / 60 % 60));
  return out;
}
