/*
 * value.c - renders EVTX substitution values as text, the way python-evtx
 * and the Rust evtx crate render them (integers in decimal, hex integers as
 * "0x..", GUIDs upper case without braces, SIDs "S-1-5-18", FILETIME and
 * SYSTEMTIME as ISO 8601 with microseconds and 'Z', binary as upper-case
 * hex, booleans "true"/"false"; the items of an array separated by NUL
 * bytes, for the caller to split into a list).
 *
 * Writes into the caller's sp_evtx_buf only; owns nothing. Every read is
 * bounded by the value's size; a value that does not fit the buffer is cut
 * (counted in buf->cut).
 */
#include "evtx/evtx.h"

#include <math.h>
#include <stdio.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif
#include <stdlib.h>
#include <string.h>

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

/* Room for n more bytes at the end of out, or NULL (counted as a cut). */
static char *room(sp_evtx_buf *out, size_t n) {
  if (n > out->cap - out->used) {
    out->cut++;
    return NULL;
  }
  return out->p + out->used;
}

static void put(sp_evtx_buf *out, const char *s, size_t n) {
  char *d = room(out, n);
  if (d) {
    memcpy(d, s, n);
    out->used += n;
  }
}

/* UTF-16LE (nbytes) -> UTF-8 at the end of out; unpaired surrogates become
 * U+FFFD. Trailing NULs are dropped. (evtx.h: sp_evtx_utf16) */
#define put_utf16 sp_evtx_utf16
void sp_evtx_utf16(sp_evtx_buf *out, const uint8_t *p, size_t nbytes) {
  size_t nu = nbytes / 2;
  while (nu && rd16(p + 2 * (nu - 1)) == 0)
    nu--;
  char *d = room(out, nu * 3);
  if (!d) {
    /* Cut: render what fits. */
    size_t avail = out->cap - out->used;
    nu = avail / 3;
    d = out->p + out->used;
  }
  char *o = d;
  size_t i = 0;
#ifdef __SSE2__
  /* ASCII fast path: eight code units at a time (SSE2 is part of x86-64). */
  const __m128i hi = _mm_set1_epi16((short)0xff80);
  /* sixteen at a time while there are sixteen, then eight */
  while (nu - i >= 16) {
    __m128i x = _mm_loadu_si128((const __m128i *)(const void *)(p + 2 * i));
    __m128i y =
        _mm_loadu_si128((const __m128i *)(const void *)(p + 2 * i + 16));
    if (_mm_movemask_epi8(_mm_cmpeq_epi16(_mm_and_si128(_mm_or_si128(x, y), hi),
                                          _mm_setzero_si128())) != 0xffff)
      break;
    _mm_storeu_si128((__m128i *)(void *)o, _mm_packus_epi16(x, y));
    o += 16;
    i += 16;
  }
  while (nu - i >= 8) {
    __m128i x = _mm_loadu_si128((const __m128i *)(const void *)(p + 2 * i));
    if (_mm_movemask_epi8(_mm_cmpeq_epi16(_mm_and_si128(x, hi),
                                          _mm_setzero_si128())) != 0xffff)
      break;
    _mm_storel_epi64((__m128i *)(void *)o, _mm_packus_epi16(x, x));
    o += 8;
    i += 8;
  }
  /* When the loop ran out of units (not out of ASCII), the last few: the
   * last eight again, overlapping (output offsets equal unit offsets while
   * everything was ASCII). */
  if (i < nu && nu >= 8 && nu - i < 8) {
    __m128i x =
        _mm_loadu_si128((const __m128i *)(const void *)(p + 2 * (nu - 8)));
    if (_mm_movemask_epi8(_mm_cmpeq_epi16(_mm_and_si128(x, hi),
                                          _mm_setzero_si128())) == 0xffff) {
      _mm_storel_epi64((__m128i *)(void *)(d + nu - 8), _mm_packus_epi16(x, x));
      o = d + nu;
      i = nu;
    }
  }
#endif
  /* Then four code units at a time, and one by one. */
  while (i < nu) {
    if (nu - i >= 4) {
      uint64_t x;
      memcpy(&x, p + 2 * i, 8);
      if (!(x & 0xff80ff80ff80ff80ULL)) {
        o[0] = (char)x;
        o[1] = (char)(x >> 16);
        o[2] = (char)(x >> 32);
        o[3] = (char)(x >> 48);
        o += 4;
        i += 4;
        continue;
      }
    }
    uint32_t c = rd16(p + 2 * i);
    if (c < 0x80) {
      *o++ = (char)c;
      i++;
      continue;
    }
    i++;
    if (c >= 0xd800 && c <= 0xdbff && i < nu) {
      uint32_t lo = rd16(p + 2 * i);
      if (lo >= 0xdc00 && lo <= 0xdfff) {
        c = 0x10000 + ((c - 0xd800) << 10) + (lo - 0xdc00);
        i++;
      } else {
        c = 0xfffd;
      }
    } else if (c >= 0xd800 && c <= 0xdfff) {
      c = 0xfffd;
    }
    if (c < 0x800) {
      *o++ = (char)(0xc0 | (c >> 6));
      *o++ = (char)(0x80 | (c & 0x3f));
    } else if (c < 0x10000) {
      *o++ = (char)(0xe0 | (c >> 12));
      *o++ = (char)(0x80 | ((c >> 6) & 0x3f));
      *o++ = (char)(0x80 | (c & 0x3f));
    } else {
      /* 4 bytes for 2 units: within the 3-per-unit budget. */
      *o++ = (char)(0xf0 | (c >> 18));
      *o++ = (char)(0x80 | ((c >> 12) & 0x3f));
      *o++ = (char)(0x80 | ((c >> 6) & 0x3f));
      *o++ = (char)(0x80 | (c & 0x3f));
    }
  }
  out->used += (size_t)(o - d);
}

/* Single-byte text (Windows-1252 read as Latin-1) -> UTF-8. */
static void put_ansi(sp_evtx_buf *out, const uint8_t *p, size_t n) {
  while (n && p[n - 1] == 0)
    n--;
  char *d = room(out, 2 * n);
  if (!d)
    return;
  char *o = d;
  for (size_t i = 0; i < n; i++) {
    uint8_t c = p[i];
    if (c < 0x80) {
      *o++ = (char)c;
    } else {
      *o++ = (char)(0xc0 | (c >> 6));
      *o++ = (char)(0x80 | (c & 0x3f));
    }
  }
  out->used += (size_t)(o - d);
}

static const char pairs[] =
    "00010203040506070809101112131415161718192021222324"
    "25262728293031323334353637383940414243444546474849"
    "50515253545556575859606162636465666768697071727374"
    "75767778798081828384858687888990919293949596979899";

/* Decimal digits of v (32-bit) written backwards ending at e; returns the
 * start (32-bit division is cheaper: SID sub-authorities, most numbers). */
/* The four digits of v < 10000 ending at e (leading zeros included). */
static inline void dec4(char *e, uint32_t v) {
  memcpy(e - 4, pairs + 2 * (v / 100), 2);
  memcpy(e - 2, pairs + 2 * (v % 100), 2);
}

/* v < 10000 backwards without leading zeros. */
static inline char *dec_small(char *e, uint32_t v) {
  if (v < 10) {
    *--e = (char)('0' + v);
    return e;
  }
  if (v < 100) {
    e -= 2;
    memcpy(e, pairs + 2 * v, 2);
    return e;
  }
  dec4(e, v);
  return v < 1000 ? e - 3 : e - 4;
}

/* Four digits at a time: a ten-digit number (SID sub-authorities) in three
 * divisions. */
static inline char *dec_back32(char *e, uint32_t v) {
  if (v < 10000)
    return dec_small(e, v);
  if (v < 100000000) {
    dec4(e, v % 10000);
    return dec_small(e - 4, v / 10000);
  }
  uint32_t lo = v % 100000000;
  dec4(e, lo % 10000);
  dec4(e - 4, lo / 10000);
  return dec_small(e - 8, v / 100000000);
}

/* Decimal digits of v written backwards ending at e; returns the start. */
static char *dec_back(char *e, uint64_t v) {
  if (v <= UINT32_MAX)
    return dec_back32(e, (uint32_t)v);
  while (v >= 100) {
    unsigned r = (unsigned)(v % 100);
    v /= 100;
    e -= 2;
    memcpy(e, pairs + 2 * r, 2);
  }
  if (v >= 10) {
    e -= 2;
    memcpy(e, pairs + 2 * v, 2);
  } else {
    *--e = (char)('0' + v);
  }
  return e;
}

/* Short text (at most 24 bytes) ending at tmp + 24, tmp being 48 bytes:
 * copied with a fixed-size copy when the buffer has 24 bytes of room (the
 * bytes past the text are scratch), else as put() does. */
static inline void put_short(sp_evtx_buf *out, const char *tmp, const char *b) {
  size_t n = (size_t)(tmp + 24 - b);
  if (out->cap - out->used >= 24) {
    memcpy(out->p + out->used, b, 24);
    out->used += n;
  } else {
    put(out, b, n);
  }
}

static void put_fmt_u64(sp_evtx_buf *out, uint64_t v) {
  char tmp[48];
  put_short(out, tmp, dec_back(tmp + 24, v));
}

static void put_fmt_i64(sp_evtx_buf *out, int64_t v) {
  char tmp[48];
  char *b;
  if (v < 0) {
    b = dec_back(tmp + 24, (uint64_t)0 - (uint64_t)v);
    *--b = '-';
  } else {
    b = dec_back(tmp + 24, (uint64_t)v);
  }
  put_short(out, tmp, b);
}

static const char HEXU[] = "0123456789ABCDEF";
static const char HEXL[] = "0123456789abcdef";

/* Two lower-case hex digits of each byte value. */
static const char HEX2L[] =
    "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
    "202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f"
    "404142434445464748494a4b4c4d4e4f505152535455565758595a5b5c5d5e5f"
    "606162636465666768696a6b6c6d6e6f707172737475767778797a7b7c7d7e7f"
    "808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f"
    "a0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4b5b6b7b8b9babbbcbdbebf"
    "c0c1c2c3c4c5c6c7c8c9cacbcccdcecfd0d1d2d3d4d5d6d7d8d9dadbdcdddedf"
    "e0e1e2e3e4e5e6e7e8e9eaebecedeeeff0f1f2f3f4f5f6f7f8f9fafbfcfdfeff";

/* "0x" and the hex digits of v without leading zeros, a byte (two
 * digits) at a time. */
static void put_hex_min(sp_evtx_buf *out, uint64_t v) {
  char tmp[48];
  char *e = tmp + 24;
  while (v >= 16) {
    e -= 2;
    memcpy(e, HEX2L + 2 * (v & 255), 2);
    v >>= 8;
  }
  if (v || e == tmp + 24)
    *--e = HEXL[v]; /* a last odd digit, or "0" */
  *--e = 'x';
  *--e = '0';
  put_short(out, tmp, e);
}

static void put_hex_fixed(sp_evtx_buf *out, uint64_t v, int digits) {
  char tmp[18];
  tmp[0] = '0';
  tmp[1] = 'x';
  for (int i = 0; i < digits; i++)
    tmp[2 + i] = HEXL[(v >> (4 * (digits - 1 - i))) & 15];
  put(out, tmp, (size_t)digits + 2);
}

static void put_binary(sp_evtx_buf *out, const uint8_t *p, size_t n) {
  char *d = room(out, 2 * n);
  if (!d)
    return;
  for (size_t i = 0; i < n; i++) {
    d[2 * i] = HEXU[p[i] >> 4];
    d[2 * i + 1] = HEXU[p[i] & 15];
  }
  out->used += 2 * n;
}

/* Two upper-case hex digits of each byte value. */
static const char HEX2U[] =
    "000102030405060708090A0B0C0D0E0F101112131415161718191A1B1C1D1E1F"
    "202122232425262728292A2B2C2D2E2F303132333435363738393A3B3C3D3E3F"
    "404142434445464748494A4B4C4D4E4F505152535455565758595A5B5C5D5E5F"
    "606162636465666768696A6B6C6D6E6F707172737475767778797A7B7C7D7E7F"
    "808182838485868788898A8B8C8D8E8F909192939495969798999A9B9C9D9E9F"
    "A0A1A2A3A4A5A6A7A8A9AAABACADAEAFB0B1B2B3B4B5B6B7B8B9BABBBCBDBEBF"
    "C0C1C2C3C4C5C6C7C8C9CACBCCCDCECFD0D1D2D3D4D5D6D7D8D9DADBDCDDDEDF"
    "E0E1E2E3E4E5E6E7E8E9EAEBECEDEEEFF0F1F2F3F4F5F6F7F8F9FAFBFCFDFEFF";

static inline void hex2u(char *d, uint8_t b) { memcpy(d, HEX2U + 2 * b, 2); }

/* GUID: u32, u16, u16 little-endian, then 8 bytes in order. */
static void put_guid(sp_evtx_buf *out, const uint8_t *p) {
  char *d = room(out, 36);
  if (!d)
    return;
  hex2u(d + 0, p[3]);
  hex2u(d + 2, p[2]);
  hex2u(d + 4, p[1]);
  hex2u(d + 6, p[0]);
  d[8] = '-';
  hex2u(d + 9, p[5]);
  hex2u(d + 11, p[4]);
  d[13] = '-';
  hex2u(d + 14, p[7]);
  hex2u(d + 16, p[6]);
  d[18] = '-';
  hex2u(d + 19, p[8]);
  hex2u(d + 21, p[9]);
  d[23] = '-';
  hex2u(d + 24, p[10]);
  hex2u(d + 26, p[11]);
  hex2u(d + 28, p[12]);
  hex2u(d + 30, p[13]);
  hex2u(d + 32, p[14]);
  hex2u(d + 34, p[15]);
  out->used += 36;
}

/* SID: revision, sub-authority count, 6-byte big-endian authority, then
 * the sub-authorities (u32 LE). False when n does not hold them. */
static bool put_sid(sp_evtx_buf *out, const uint8_t *p, size_t n) {
  if (n < 8)
    return false;
  unsigned cnt = p[1];
  if (n < 8 + 4 * (size_t)cnt)
    return false;
  uint64_t auth = 0;
  for (int i = 2; i < 8; i++)
    auth = (auth << 8) | p[i];
  /* Written backwards into tmp: "S-" rev, authority, sub-authorities. */
  char tmp[2 + 3 + 1 + 14 + 255 * 11];
  char *e = tmp + sizeof tmp;
  for (unsigned i = cnt; i-- > 0;) {
    e = dec_back(e, rd32(p + 8 + 4 * i));
    *--e = '-';
  }
  if (auth >> 32) {
    do {
      *--e = HEXL[auth & 15];
      auth >>= 4;
    } while (auth);
    *--e = 'x';
    *--e = '0';
  } else {
    e = dec_back(e, auth);
  }
  *--e = '-';
  e = dec_back(e, p[0]);
  *--e = '-';
  *--e = 'S';
  put(out, e, (size_t)(tmp + sizeof tmp - e));
  return true;
}

int64_t sp_evtx_filetime_ns(uint64_t ft) {
  /* 11644473600 s between 1601 and 1970; outside int64 ns (1677..2262)
   * the time is unknown. */
  const int64_t off = 116444736000000000LL;
  if (ft > (uint64_t)INT64_MAX)
    return INT64_MIN;
  int64_t t = (int64_t)ft - off;
  if (t > INT64_MAX / 100 || t <= INT64_MIN / 100)
    return INT64_MIN;
  return t * 100;
}

/* Civil date from days since 1970 (Howard Hinnant's algorithm). */
static void civil(int64_t z, int64_t *y, unsigned *m, unsigned *d) {
  z += 719468;
  int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  unsigned doe = (unsigned)(z - era * 146097);
  unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  int64_t yy = (int64_t)yoe + era * 400;
  unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  unsigned mp = (5 * doy + 2) / 153;
  *d = doy - (153 * mp + 2) / 5 + 1;
  *m = mp < 10 ? mp + 3 : mp - 9;
  *y = yy + (*m <= 2);
}

/* The last two decimal digits of v. */
static inline void d2(char *o, unsigned v) {
  memcpy(o, pairs + 2 * (v % 100), 2);
}

static size_t iso_parts(char *o, int64_t y, unsigned mo, unsigned d, unsigned h,
                        unsigned mi, unsigned s, unsigned us) {
  if (y < 0 || y > 9999)
    y = y < 0 ? 0 : 9999;
  d2(o, (unsigned)y / 100);
  d2(o + 2, (unsigned)y % 100);
  o[4] = '-';
  d2(o + 5, mo);
  o[7] = '-';
  d2(o + 8, d);
  o[10] = 'T';
  d2(o + 11, h);
  o[13] = ':';
  d2(o + 14, mi);
  o[16] = ':';
  d2(o + 17, s);
  o[19] = '.';
  us %= 1000000; /* the last six digits */
  d2(o + 20, us / 10000);
  d2(o + 22, us / 100);
  d2(o + 24, us);
  o[26] = 'Z';
  return 27;
}

size_t sp_evtx_iso(int64_t ns, char *dst, size_t cap) {
  if (cap < 27)
    return 0;
  int64_t sec = ns / 1000000000LL, rem = ns % 1000000000LL;
  if (rem < 0) {
    rem += 1000000000LL;
    sec--;
  }
  int64_t days = sec / 86400, sod = sec % 86400;
  if (sod < 0) {
    sod += 86400;
    days--;
  }
  int64_t y;
  unsigned m, d;
  civil(days, &y, &m, &d);
  return iso_parts(dst, y, m, d, (unsigned)(sod / 3600),
                   (unsigned)(sod / 60 % 60), (unsigned)(sod % 60),
                   (unsigned)(rem / 1000));
}

static void put_filetime(sp_evtx_buf *out, uint64_t ft) {
  char *d = room(out, 27);
  if (!d)
    return;
  /* Straight from 100 ns units so dates before 1678 still render. */
  uint64_t us_total = ft / 10;
  uint64_t days = us_total / 86400000000ULL;
  uint64_t rem = us_total % 86400000000ULL;
  int64_t y;
  unsigned m, dd;
  civil((int64_t)days - 134774, &y, &m, &dd); /* 1601-01-01 -> 1970 */
  uint64_t s = rem / 1000000;
  out->used +=
      iso_parts(d, y, m, dd, (unsigned)(s / 3600), (unsigned)(s / 60 % 60),
                (unsigned)(s % 60), (unsigned)(rem % 1000000));
}

static bool put_systime(sp_evtx_buf *out, const uint8_t *p, int64_t *ns) {
  unsigned y = rd16(p), mo = rd16(p + 2), d = rd16(p + 6), h = rd16(p + 8),
           mi = rd16(p + 10), s = rd16(p + 12), ms = rd16(p + 14);
  char *o = room(out, 27);
  if (o)
    out->used += iso_parts(o, y, mo % 100, d % 100, h % 100, mi % 100, s % 100,
                           (ms % 1000) * 1000);
  if (mo >= 1 && mo <= 12 && d >= 1 && d <= 31 && h < 24 && mi < 60 && s < 61 &&
      y >= 1700 && y <= 2200) {
    /* days from civil */
    int64_t yy = (int64_t)y - (mo <= 2);
    int64_t era = (yy >= 0 ? yy : yy - 399) / 400;
    unsigned yoe = (unsigned)(yy - era * 400);
    unsigned doy = (153 * (mo > 2 ? mo - 3 : mo + 9) + 2) / 5 + d - 1;
    unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    int64_t days = era * 146097 + (int64_t)doe - 719468;
    *ns = ((days * 86400 + h * 3600 + mi * 60 + s) * 1000 + (ms % 1000)) *
          1000000LL;
    return true;
  }
  return false;
}

/* Shortest "%g" text that reads back as the same double. */
static void put_real(sp_evtx_buf *out, double v, bool single) {
  char tmp[40];
  int n = 0;
  if (isnan(v)) {
    put(out, "NaN", 3);
    return;
  }
  if (isinf(v)) {
    put(out, v < 0 ? "-inf" : "inf", v < 0 ? 4 : 3);
    return;
  }
  for (int prec = 1; prec <= 17; prec++) {
    n = snprintf(tmp, sizeof tmp, "%.*g", prec, v);
    double back = strtod(tmp, NULL);
    if (single ? (float)back == (float)v : back == v)
      break;
  }
  if (n > 0)
    put(out, tmp, (size_t)n);
}

/* Fixed element size of a type inside arrays (0: variable). */
static size_t elem_size(uint8_t t, size_t n) {
  switch (t) {
  case SP_EVTX_T_INT8:
  case SP_EVTX_T_UINT8:
    return 1;
  case SP_EVTX_T_INT16:
  case SP_EVTX_T_UINT16:
    return 2;
  case SP_EVTX_T_INT32:
  case SP_EVTX_T_UINT32:
  case SP_EVTX_T_REAL32:
  case SP_EVTX_T_BOOL:
  case SP_EVTX_T_HEX32:
    return 4;
  case SP_EVTX_T_INT64:
  case SP_EVTX_T_UINT64:
  case SP_EVTX_T_REAL64:
  case SP_EVTX_T_FILETIME:
  case SP_EVTX_T_HEX64:
    return 8;
  case SP_EVTX_T_GUID:
  case SP_EVTX_T_SYSTIME:
    return 16;
  case SP_EVTX_T_SIZET:
  case SP_EVTX_T_HANDLE:
    return n == 4 ? 4 : 8;
  default:
    return 0;
  }
}

/* One scalar value. */
#if defined(__GNUC__)
#define SP_INLINE inline __attribute__((always_inline))
#else
#define SP_INLINE inline
#endif
/* Inlined into sp_evtx_value: a call per value is measurable (bench). */
static SP_INLINE bool scalar(uint8_t t, const uint8_t *p, size_t n,
                             sp_evtx_buf *out, sp_evtx_val *v) {
  switch (t) {
  case SP_EVTX_T_NULL:
    return true;
  case SP_EVTX_T_STRING:
    put_utf16(out, p, n);
    return true;
  case SP_EVTX_T_ANSI:
    put_ansi(out, p, n);
    return true;
  case SP_EVTX_T_INT8:
    if (n < 1)
      return false;
    v->i = (int8_t)p[0];
    break;
  case SP_EVTX_T_UINT8:
    if (n < 1)
      return false;
    v->i = p[0];
    break;
  case SP_EVTX_T_INT16:
    if (n < 2)
      return false;
    v->i = (int16_t)rd16(p);
    break;
  case SP_EVTX_T_UINT16:
    if (n < 2)
      return false;
    v->i = rd16(p);
    break;
  case SP_EVTX_T_INT32:
    if (n < 4)
      return false;
    v->i = (int32_t)rd32(p);
    break;
  case SP_EVTX_T_UINT32:
    if (n < 4)
      return false;
    v->i = rd32(p);
    break;
  case SP_EVTX_T_INT64:
    if (n < 8)
      return false;
    v->i = (int64_t)rd64(p);
    break;
  case SP_EVTX_T_UINT64: {
    if (n < 8)
      return false;
    uint64_t u = rd64(p);
    put_fmt_u64(out, u);
    v->has_int = u <= (uint64_t)INT64_MAX;
    v->i = (int64_t)u;
    return true;
  }
  case SP_EVTX_T_REAL32: {
    if (n < 4)
      return false;
    uint32_t u = rd32(p);
    float f;
    memcpy(&f, &u, 4);
    put_real(out, f, true);
    return true;
  }
  case SP_EVTX_T_REAL64: {
    if (n < 8)
      return false;
    uint64_t u = rd64(p);
    double f;
    memcpy(&f, &u, 8);
    put_real(out, f, false);
    return true;
  }
  case SP_EVTX_T_BOOL: {
    if (n < 1)
      return false;
    uint64_t u = n >= 4 ? rd32(p) : p[0];
    v->has_int = true;
    v->i = u != 0;
    if (u)
      put(out, "true", 4);
    else
      put(out, "false", 5);
    return true;
  }
  case SP_EVTX_T_BINARY:
  case SP_EVTX_T_EVTXML:
    put_binary(out, p, n);
    return true;
  case SP_EVTX_T_GUID:
    if (n < 16)
      return false;
    put_guid(out, p);
    return true;
  case SP_EVTX_T_SIZET:
  case SP_EVTX_T_HANDLE: {
    uint64_t u;
    if (n == 4)
      u = rd32(p);
    else if (n >= 8)
      u = rd64(p);
    else
      return false;
    if (t == SP_EVTX_T_SIZET)
      put_hex_fixed(out, u, n == 4 ? 8 : 16);
    else
      put_fmt_u64(out, u);
    v->has_int = true;
    v->i = (int64_t)u;
    return true;
  }
  case SP_EVTX_T_FILETIME: {
    if (n < 8)
      return false;
    uint64_t ft = rd64(p);
    put_filetime(out, ft);
    v->i = sp_evtx_filetime_ns(ft);
    v->has_int = v->i != INT64_MIN;
    return true;
  }
  case SP_EVTX_T_SYSTIME: {
    if (n < 16)
      return false;
    int64_t ns;
    if (put_systime(out, p, &ns)) {
      v->has_int = true;
      v->i = ns;
    }
    return true;
  }
  case SP_EVTX_T_SID:
    return put_sid(out, p, n);
  case SP_EVTX_T_HEX32:
    if (n < 4)
      return false;
    put_hex_min(out, rd32(p));
    v->has_int = true;
    v->i = rd32(p);
    return true;
  case SP_EVTX_T_HEX64:
    if (n < 8)
      return false;
    put_hex_min(out, rd64(p));
    v->has_int = true;
    v->i = (int64_t)rd64(p);
    return true;
  default:
    /* Unknown type: keep the bytes as hex. */
    put_binary(out, p, n);
    return true;
  }
  v->has_int = true;
  put_fmt_i64(out, v->i);
  return true;
}

/* Every type but a plain string (kept out of line: sp_evtx_value's string
 * case then needs next to no registers saved). */
#if defined(__GNUC__)
__attribute__((noinline))
#endif
static bool
value_any(uint8_t t, const uint8_t *data, size_t n, sp_evtx_buf *out,
          sp_evtx_val *v) {
  bool ok = true;
  if (!(t & SP_EVTX_T_ARRAY)) {
    ok = scalar(t, data, n, out, v);
  } else {
    uint8_t et = t & 0x7f;
    if (et == SP_EVTX_T_STRING) {
      /* NUL-separated UTF-16 strings. */
      size_t i = 0, k = 0;
      while (i + 1 < n) {
        size_t j = i;
        while (j + 1 < n && rd16(data + j))
          j += 2;
        if (k++)
          put(out, "", 1);
        put_utf16(out, data + i, j - i);
        i = j + 2;
      }
    } else if (et == SP_EVTX_T_ANSI) {
      size_t i = 0, k = 0;
      while (i < n) {
        size_t j = i;
        while (j < n && data[j])
          j++;
        if (k++)
          put(out, "", 1);
        put_ansi(out, data + i, j - i);
        i = j + 1;
      }
    } else if (et == SP_EVTX_T_SID) {
      size_t i = 0, k = 0;
      while (i + 8 <= n) {
        size_t len = 8 + 4 * (size_t)data[i + 1];
        if (i + len > n)
          break;
        if (k++)
          put(out, "", 1);
        put_sid(out, data + i, len);
        i += len;
      }
    } else {
      size_t es = elem_size(et, et == SP_EVTX_T_SIZET ? 8 : 0);
      if (!es) {
        put_binary(out, data, n);
      } else {
        sp_evtx_val tmp;
        for (size_t i = 0, k = 0; i + es <= n; i += es) {
          if (k++)
            put(out, "", 1);
          tmp.has_int = false;
          (void)scalar(et, data + i, es, out, &tmp);
        }
      }
    }
    v->has_int = false;
    v->array = true;
  }
  return ok;
}

/* A 32-bit integer value (scalar()'s integer cases, inline): its decimal
 * text, copied with one fixed-size copy when there is room. */
static inline void put_int32(sp_evtx_buf *out, sp_evtx_val *v, int64_t x) {
  v->has_int = true;
  v->i = x;
  char tmp[24];
  char *e = dec_back32(tmp + 12, (uint32_t)(x < 0 ? -x : x));
  if (x < 0)
    *--e = '-';
  size_t k = (size_t)(tmp + 12 - e);
  if (out->cap - out->used >= 12) {
    memcpy(out->p + out->used, e, 12);
    out->used += k;
  } else {
    put(out, e, k);
  }
}

bool sp_evtx_value(uint8_t t, const uint8_t *data, size_t n, sp_evtx_buf *out,
                   sp_evtx_val *v) {
  size_t start = out->used;
  v->type = t;
  v->has_int = false;
  v->array = false;
  v->i = 0;
  v->slot = NULL;
  bool ok = true;
  /* The common types here, the rest (and values too short for their type,
   * which value_any refuses) out of line. */
  switch (t) {
  case SP_EVTX_T_STRING:
    put_utf16(out, data, n);
    break;
  case SP_EVTX_T_UINT8:
  case SP_EVTX_T_INT8:
    if (n < 1)
      goto any;
    put_int32(out, v, t == SP_EVTX_T_INT8 ? (int8_t)data[0] : data[0]);
    break;
  case SP_EVTX_T_UINT16:
  case SP_EVTX_T_INT16:
    if (n < 2)
      goto any;
    put_int32(out, v, t == SP_EVTX_T_INT16 ? (int16_t)rd16(data) : rd16(data));
    break;
  case SP_EVTX_T_UINT32:
  case SP_EVTX_T_INT32:
    if (n < 4)
      goto any;
    put_int32(out, v,
              t == SP_EVTX_T_INT32 ? (int64_t)(int32_t)rd32(data)
                                   : (int64_t)rd32(data));
    break;
  default:
  any:
    ok = value_any(t, data, n, out, v);
  }
  v->s = out->p + start;
  v->n = out->used - start;
  if (!ok) {
    out->used = start;
    v->n = 0;
    v->has_int = false;
  }
  return ok;
}
