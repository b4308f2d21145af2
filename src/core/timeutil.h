/*
 * timeutil.h - timestamp parsing and formatting, all in UTC nanoseconds.
 *
 * Timestamps in evidence are attacker-controlled text, so the parsers accept
 * only well-formed values in range (years 1700..2200, the range of int64
 * nanoseconds) and never read past the slice they are given.
 */
#ifndef SP_CORE_TIMEUTIL_H
#define SP_CORE_TIMEUTIL_H

#include "core/str.h"
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SP_TIME_NONE INT64_MIN
#define SP_NS_PER_SEC 1000000000LL

/* Days since 1970-01-01 for a proleptic Gregorian date. */
int64_t sp_days_from_civil(int y, unsigned m, unsigned d);

/* "YYYY-MM-DD[T ]HH:MM:SS[.frac][Z|+hh:mm|-hh:mm]" -> ns since the epoch. */
bool sp_parse_iso8601(sp_str s, int64_t *ns);

/* IIS W3C: separate "YYYY-MM-DD" and "HH:MM:SS[.frac]" fields (UTC). */
bool sp_parse_date_time(sp_str date, sp_str time, int64_t *ns);

/* "YYYY-MM-DD HH:MM UTC" for reasons and narratives; "unknown time" for
 * SP_TIME_NONE. Returns out. */
const char *sp_time_minutes(int64_t ns, char *out, size_t cap);

#endif
