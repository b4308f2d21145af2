/* gen_util.h - shared helpers of spoor-gen: a seeded PRNG (xoshiro256**),
 * UTC calendar arithmetic and timestamp formatting, a bounded string arena,
 * an output sink that writes plain or gzip files and counts physical lines,
 * and filesystem helpers.
 *
 * Nothing here calls rand() or reads the clock: given the same seed every
 * function produces the same bytes. Errors are reported on stderr with the
 * path involved; callers propagate a non-zero return and stop. */
#ifndef SPOOR_GEN_UTIL_H
#define SPOOR_GEN_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <zlib.h>

#define GEN_PATH_MAX 4096

/* ---- PRNG ---------------------------------------------------------------- */

typedef struct gen_rng {
  uint64_t s[4];
} gen_rng;

/* Seed the generator; any seed (including 0) gives a valid state. */
void gen_rng_seed(gen_rng *r, uint64_t seed);
uint64_t gen_rng_next(gen_rng *r);
/* Uniform integer in [0, n); n == 0 returns 0. */
uint32_t gen_rng_below(gen_rng *r, uint32_t n);
/* Writes a lowercase GUID (36 chars) plus NUL into out[37]. */
void gen_rng_guid(gen_rng *r, char out[37]);
/* Writes n random characters from set (NUL-terminated) into out[n+1]. */
void gen_rng_str(gen_rng *r, char *out, size_t n, const char *set);

/* ---- time ---------------------------------------------------------------- */

/* Unix seconds of a UTC civil date/time (proleptic Gregorian). */
int64_t gen_time_utc(int y, int mo, int d, int h, int mi, int s);
/* Civil date/time of Unix seconds. */
void gen_time_civil(int64_t t, int *y, int *mo, int *d, int *h, int *mi,
                    int *s);
/* Day of week, 0 = Sunday. */
int gen_time_wday(int64_t t);
/* "YYYY-MM-DDTHH:MM:SS.mmmZ" (24 chars + NUL) from Unix milliseconds. */
void gen_fmt_iso_ms(char out[25], int64_t t_ms);
/* "YYYY-MM-DD HH:MM:SS" (19 chars + NUL) from Unix milliseconds. */
void gen_fmt_iis_time(char out[20], int64_t t_ms);

/* ---- arena --------------------------------------------------------------- */

/* A bump allocator for strings; chunks are freed together by
 * gen_arena_free. Total size is capped at GEN_ARENA_MAX. */
#define GEN_ARENA_MAX ((size_t)256 << 20)

typedef struct gen_arena_chunk gen_arena_chunk;
typedef struct gen_arena {
  gen_arena_chunk *head;
  size_t total;
  int oom; /* set once an allocation failed; later calls return NULL */
} gen_arena;

/* Copies n bytes of s plus a NUL; NULL on failure (cap or OOM). */
char *gen_arena_strndup(gen_arena *a, const char *s, size_t n);
char *gen_arena_strdup(gen_arena *a, const char *s);
void gen_arena_free(gen_arena *a);

/* ---- output sink --------------------------------------------------------- */

/* A file being written: plain stdio or gzip. `lines` counts '\n' bytes
 * written, so after writing a line its 1-based number is `lines`. The first
 * error is remembered in err and reported once; later writes are no-ops. */
typedef struct gen_out {
  FILE *f;
  gzFile gz;
  char path[GEN_PATH_MAX];
  uint64_t lines;
  uint64_t bytes;
  int err;
} gen_out;

/* Opens path for writing (truncates). gz != 0 writes gzip. 0 on success. */
int gen_out_open(gen_out *o, const char *path, int gz);
/* Writes len bytes. Returns 0 or -1 (error already reported). */
int gen_out_write(gen_out *o, const char *data, size_t len);
int gen_out_puts(gen_out *o, const char *s);
/* Writes s followed by CRLF. */
int gen_out_line(gen_out *o, const char *s);
/* Flushes and closes; returns 0 if every write and the close succeeded. */
int gen_out_close(gen_out *o);

/* ---- filesystem & misc --------------------------------------------------- */

/* mkdir -p; 0 on success. */
int gen_mkdirs(const char *path);
/* mkdir -p of the directory part of a file path. */
int gen_mkdirs_for(const char *file_path);
/* 1 if path does not exist or is an empty directory, 0 if it exists and is
 * not empty (or not a directory), -1 on error. */
int gen_dir_usable(const char *path);
/* Joins a and b with '/' into out; -1 (reported) if too long. */
int gen_path_join(char *out, size_t cap, const char *a, const char *b);
/* Parses "123", "10K", "2M", "3G" (binary multiples, optional trailing B or
 * iB). 0 on success. */
int gen_parse_size(const char *s, uint64_t *out);
/* Parses a decimal uint64. 0 on success. */
int gen_parse_u64(const char *s, uint64_t *out);

#endif
