/*
 * fuzz_time.c - libFuzzer target for timestamp parsing and formatting
 * (sp_parse_iso8601, sp_parse_date_time, sp_format_time).
 *
 * Each input is used three ways:
 *  - the whole input as an ISO 8601 timestamp;
 *  - split at the first space (or after 10 bytes) into the separate IIS
 *    date and time fields;
 *  - its first 8 bytes as an int64 ns value to format, into an exact-size
 *    buffer of 1..40 bytes picked by byte 8 (truncation must stay in bounds).
 * Every value that parses must format as a 24-byte RFC 3339 string that
 * parses back to the same instant cut to the millisecond. An input that
 * already has the canonical millisecond form ("YYYY-MM-DDTHH:MM:SS.mmmZ",
 * any case, ',' allowed for '.') must format back to itself; the one
 * exception is a leap second (:60), which the parser accepts on purpose and
 * folds into the next minute. Slices are exact-size heap copies, so the
 * parsers reading one byte past a slice is an ASan error.
 */
#include "core/timeutil.h"
#include "spoor/spoor.h"

#include <stdio.h>
#include <stdlib.h>

#define CHECK(c) ((c) ? (void)0 : fz_fail(#c, __FILE__, __LINE__))

static void fz_fail(const char *what, const char *file, int line) {
  fprintf(stderr, "fuzz check failed: %s (%s:%d)\n", what, file, line);
  abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define NS_PER_MS 1000000LL
#define NS_PER_DAY (86400LL * SP_NS_PER_SEC)

static int64_t floor_ms(int64_t ns) {
  int64_t r = ns % NS_PER_MS;
  if (r < 0)
    r += NS_PER_MS;
  return ns - r;
}

/* An exact-size heap copy, so reads past the slice are caught. */
static char *copy(const uint8_t *p, size_t n) {
  char *c = malloc(n ? n : 1);
  CHECK(c != NULL);
  if (n)
    memcpy(c, p, n);
  return c;
}

static bool is_digit(char c) { return c >= '0' && c <= '9'; }

/* Format ns, check the shape and that it parses back to ns cut to the ms. */
static void format_round_trip(int64_t ns, char out[32]) {
  sp_format_time(ns, out, 32);
  size_t len = strlen(out);
  CHECK(len == 24);
  CHECK(out[4] == '-' && out[7] == '-' && out[10] == 'T' && out[13] == ':' &&
        out[16] == ':' && out[19] == '.' && out[23] == 'Z');
  /* An offset can move a value just outside the parser's years. */
  int year = atoi(out);
  if (year < 1700 || year > 2200)
    return;
  int64_t back = 0;
  CHECK(sp_parse_iso8601(sp_str_make(out, len), &back));
  CHECK(back == floor_ms(ns));
}

/* "YYYY-MM-DD?HH:MM:SS?mmm?" with ? any separator the parser accepts. */
static bool canonical_ms(const char *s, size_t n) {
  if (n != 24)
    return false;
  for (size_t i = 0; i < n; i++) {
    bool sep =
        i == 4 || i == 7 || i == 10 || i == 13 || i == 16 || i == 19 || i == 23;
    if (!sep && !is_digit(s[i]))
      return false;
  }
  return true;
}

static void fuzz_iso8601(const uint8_t *data, size_t size) {
  char *s = copy(data, size);
  int64_t ns = 0;
  if (sp_parse_iso8601(sp_str_make(s, size), &ns)) {
    CHECK(ns != SP_TIME_NONE);
    char out[32];
    format_round_trip(ns, out);
    if (canonical_ms(s, size) && (s[23] == 'Z' || s[23] == 'z') &&
        !(s[17] == '6' && s[18] == '0')) {
      char want[25];
      memcpy(want, s, 24);
      want[24] = 0;
      want[10] = 'T';
      want[19] = '.';
      want[23] = 'Z';
      if (strcmp(out, want) != 0) {
        fprintf(stderr, "parsed \"%s\" formats as \"%s\"\n", want, out);
        fz_fail("canonical timestamp round trip", __FILE__, __LINE__);
      }
    }
  }
  free(s);
}

static void fuzz_date_time(const uint8_t *data, size_t size) {
  const uint8_t *sp = memchr(data, ' ', size);
  size_t k = sp ? (size_t)(sp - data) : (size < 10 ? size : 10);
  size_t t0 = sp ? k + 1 : k;
  char *date = copy(data, k);
  char *time = copy(data + t0, size - t0);
  int64_t ns = 0;
  if (sp_parse_date_time(sp_str_make(date, k), sp_str_make(time, size - t0),
                         &ns)) {
    CHECK(k == 10);
    char out[32];
    format_round_trip(ns, out);
    /* With three or more fraction digits the ms are exact. */
    size_t tn = size - t0;
    if (tn >= 12 && is_digit(time[9]) && is_digit(time[10]) &&
        is_digit(time[11]) && !(time[6] == '6' && time[7] == '0')) {
      if (memcmp(out, date, 10) != 0 || memcmp(out + 11, time, 8) != 0 ||
          memcmp(out + 20, time + 9, 3) != 0) {
        fprintf(stderr, "parsed \"%.10s\" \"%.*s\" formats as \"%s\"\n", date,
                (int)(tn > 40 ? 40 : tn), time, out);
        fz_fail("date/time round trip", __FILE__, __LINE__);
      }
    }
  }
  free(date);
  free(time);
}

static void fuzz_format(const uint8_t *data, size_t size) {
  if (size < 8)
    return;
  uint64_t u = 0;
  for (int i = 0; i < 8; i++)
    u = u << 8 | data[i];
  int64_t ns = (int64_t)u;
  /* Truncation into a small exact-size buffer. */
  size_t cap = size > 8 ? 1 + data[8] % 40 : 32;
  char *small = malloc(cap);
  CHECK(small != NULL);
  sp_format_time(ns, small, cap);
  CHECK(strnlen(small, cap) < cap);
  free(small);
  /* Round trip over the years the parser accepts, 1700..2200. */
  const int64_t lo = sp_days_from_civil(1700, 1, 1) * NS_PER_DAY;
  const int64_t hi = sp_days_from_civil(2201, 1, 1) * NS_PER_DAY - 1;
  char out[32];
  if (ns == SP_TIME_NONE) {
    sp_format_time(ns, out, sizeof out);
    CHECK(out[0] == 0);
  } else if (ns >= lo && ns <= hi) {
    format_round_trip(ns, out);
  } else {
    sp_format_time(ns, out, sizeof out);
    CHECK(strnlen(out, sizeof out) < sizeof out);
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  fuzz_iso8601(data, size);
  fuzz_date_time(data, size);
  fuzz_format(data, size);
  return 0;
}
