/* gen_util.c - PRNG, calendar, arena, output sink and filesystem helpers of
 * spoor-gen (see gen_util.h for the contracts).
 *
 * The PRNG is xoshiro256** (Blackman & Vigna) seeded through splitmix64. The
 * calendar code uses Howard Hinnant's days_from_civil / civil_from_days
 * algorithms, so no libc time zone state is involved. */
#include "gen_util.h"

#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>

/* ---- PRNG ---------------------------------------------------------------- */

static uint64_t splitmix64(uint64_t *x) {
  uint64_t z = (*x += UINT64_C(0x9e3779b97f4a7c15));
  z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
  z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
  return z ^ (z >> 31);
}

void gen_rng_seed(gen_rng *r, uint64_t seed) {
  uint64_t x = seed;
  for (int i = 0; i < 4; i++)
    r->s[i] = splitmix64(&x);
}

static inline uint64_t rotl(uint64_t x, int k) {
  return (x << k) | (x >> (64 - k));
}

uint64_t gen_rng_next(gen_rng *r) {
  uint64_t *s = r->s;
  uint64_t result = rotl(s[1] * 5, 7) * 9;
  uint64_t t = s[1] << 17;
  s[2] ^= s[0];
  s[3] ^= s[1];
  s[1] ^= s[2];
  s[0] ^= s[3];
  s[2] ^= t;
  s[3] = rotl(s[3], 45);
  return result;
}

uint32_t gen_rng_below(gen_rng *r, uint32_t n) {
  if (n == 0)
    return 0;
  /* Multiply-shift; the bias (< 2^-32) is irrelevant for test data. */
  return (uint32_t)(((gen_rng_next(r) >> 32) * (uint64_t)n) >> 32);
}

void gen_rng_guid(gen_rng *r, char out[37]) {
  static const char hex[] = "0123456789abcdef";
  uint64_t a = gen_rng_next(r), b = gen_rng_next(r);
  int k = 0;
  for (int i = 0; i < 32; i++) {
    if (i == 8 || i == 12 || i == 16 || i == 20)
      out[k++] = '-';
    uint64_t v = i < 16 ? a : b;
    out[k++] = hex[(v >> ((i & 15) * 4)) & 15];
  }
  out[k] = '\0';
}

void gen_rng_str(gen_rng *r, char *out, size_t n, const char *set) {
  size_t m = strlen(set);
  for (size_t i = 0; i < n; i++)
    out[i] = set[gen_rng_below(r, (uint32_t)m)];
  out[n] = '\0';
}

/* ---- time ---------------------------------------------------------------- */

static int64_t days_from_civil(int64_t y, int m, int d) {
  y -= m <= 2;
  int64_t era = (y >= 0 ? y : y - 399) / 400;
  int64_t yoe = y - era * 400;
  int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

static void civil_from_days(int64_t z, int *y, int *m, int *d) {
  z += 719468;
  int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  int64_t doe = z - era * 146097;
  int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  int64_t yy = yoe + era * 400;
  int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  int64_t mp = (5 * doy + 2) / 153;
  *d = (int)(doy - (153 * mp + 2) / 5 + 1);
  *m = (int)(mp < 10 ? mp + 3 : mp - 9);
  *y = (int)(yy + (*m <= 2));
}

int64_t gen_time_utc(int y, int mo, int d, int h, int mi, int s) {
  return days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + s;
}

static int64_t floordiv(int64_t a, int64_t b) {
  int64_t q = a / b;
  return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
}

void gen_time_civil(int64_t t, int *y, int *mo, int *d, int *h, int *mi,
                    int *s) {
  int64_t days = floordiv(t, 86400);
  int64_t rem = t - days * 86400;
  civil_from_days(days, y, mo, d);
  *h = (int)(rem / 3600);
  *mi = (int)(rem / 60 % 60);
  *s = (int)(rem % 60);
}

int gen_time_wday(int64_t t) {
  int64_t days = floordiv(t, 86400);
  int64_t w = (days + 4) % 7; /* 1970-01-01 was a Thursday */
  return (int)(w < 0 ? w + 7 : w);
}

static void put2(char *p, int v) {
  p[0] = (char)('0' + v / 10 % 10);
  p[1] = (char)('0' + v % 10);
}

static void put_date(char *p, int y, int mo, int d) {
  put2(p, y / 100);
  put2(p + 2, y % 100);
  p[4] = '-';
  put2(p + 5, mo);
  p[7] = '-';
  put2(p + 8, d);
}

static void put_hms(char *p, int h, int mi, int s) {
  put2(p, h);
  p[2] = ':';
  put2(p + 3, mi);
  p[5] = ':';
  put2(p + 6, s);
}

void gen_fmt_iso_ms(char out[25], int64_t t_ms) {
  int64_t t = floordiv(t_ms, 1000);
  int ms = (int)(t_ms - t * 1000);
  int y, mo, d, h, mi, s;
  gen_time_civil(t, &y, &mo, &d, &h, &mi, &s);
  put_date(out, y, mo, d);
  out[10] = 'T';
  put_hms(out + 11, h, mi, s);
  out[19] = '.';
  out[20] = (char)('0' + ms / 100);
  put2(out + 21, ms % 100);
  out[23] = 'Z';
  out[24] = '\0';
}

void gen_fmt_iis_time(char out[20], int64_t t_ms) {
  int y, mo, d, h, mi, s;
  gen_time_civil(floordiv(t_ms, 1000), &y, &mo, &d, &h, &mi, &s);
  put_date(out, y, mo, d);
  out[10] = ' ';
  put_hms(out + 11, h, mi, s);
  out[19] = '\0';
}

/* ---- arena --------------------------------------------------------------- */

#define GEN_ARENA_CHUNK ((size_t)1 << 20)

struct gen_arena_chunk {
  gen_arena_chunk *next;
  size_t used, cap;
  char data[];
};

static char *arena_alloc(gen_arena *a, size_t n) {
  if (a->oom)
    return NULL;
  if (!a->head || a->head->cap - a->head->used < n) {
    size_t cap = n > GEN_ARENA_CHUNK ? n : GEN_ARENA_CHUNK;
    if (a->total + cap > GEN_ARENA_MAX) {
      fprintf(stderr, "spoor-gen: string arena limit (%zu MiB) reached\n",
              GEN_ARENA_MAX >> 20);
      a->oom = 1;
      return NULL;
    }
    gen_arena_chunk *c = malloc(sizeof *c + cap);
    if (!c) {
      fprintf(stderr, "spoor-gen: out of memory\n");
      a->oom = 1;
      return NULL;
    }
    c->next = a->head;
    c->used = 0;
    c->cap = cap;
    a->head = c;
    a->total += cap;
  }
  char *p = a->head->data + a->head->used;
  a->head->used += n;
  return p;
}

char *gen_arena_strndup(gen_arena *a, const char *s, size_t n) {
  char *p = arena_alloc(a, n + 1);
  if (!p)
    return NULL;
  memcpy(p, s, n);
  p[n] = '\0';
  return p;
}

char *gen_arena_strdup(gen_arena *a, const char *s) {
  return gen_arena_strndup(a, s, strlen(s));
}

void gen_arena_free(gen_arena *a) {
  gen_arena_chunk *c = a->head;
  while (c) {
    gen_arena_chunk *n = c->next;
    free(c);
    c = n;
  }
  a->head = NULL;
  a->total = 0;
  a->oom = 0;
}

/* ---- output sink --------------------------------------------------------- */

int gen_out_open(gen_out *o, const char *path, int gz) {
  memset(o, 0, sizeof *o);
  size_t n = strlen(path);
  if (n >= sizeof o->path) {
    fprintf(stderr, "spoor-gen: path too long: %s\n", path);
    return -1;
  }
  memcpy(o->path, path, n + 1);
  if (gen_mkdirs_for(path) != 0)
    return -1;
  if (gz) {
    o->gz = gzopen(path, "wb6");
    if (!o->gz) {
      fprintf(stderr, "spoor-gen: cannot create %s: %s\n", path,
              errno ? strerror(errno) : "gzopen failed");
      return -1;
    }
    if (gzbuffer(o->gz, 1 << 17) != 0) {
      fprintf(stderr, "spoor-gen: gzbuffer failed on %s\n", path);
      gzclose(o->gz);
      o->gz = NULL;
      return -1;
    }
  } else {
    o->f = fopen(path, "wb");
    if (!o->f) {
      fprintf(stderr, "spoor-gen: cannot create %s: %s\n", path,
              strerror(errno));
      return -1;
    }
  }
  return 0;
}

int gen_out_write(gen_out *o, const char *data, size_t len) {
  if (o->err)
    return -1;
  if (len == 0)
    return 0;
  if (o->gz) {
    size_t off = 0;
    while (off < len) {
      unsigned chunk = (unsigned)(len - off > (1u << 30) ? (1u << 30)
                                                         : len - off);
      int w = gzwrite(o->gz, data + off, chunk);
      if (w <= 0) {
        int zerr = 0;
        const char *msg = gzerror(o->gz, &zerr);
        fprintf(stderr, "spoor-gen: write error on %s: %s\n", o->path,
                zerr == Z_ERRNO ? strerror(errno) : msg);
        o->err = 1;
        return -1;
      }
      off += (size_t)w;
    }
  } else if (fwrite(data, 1, len, o->f) != len) {
    fprintf(stderr, "spoor-gen: write error on %s: %s\n", o->path,
            strerror(errno));
    o->err = 1;
    return -1;
  }
  for (size_t i = 0; i < len; i++)
    o->lines += data[i] == '\n';
  o->bytes += len;
  return 0;
}

int gen_out_puts(gen_out *o, const char *s) {
  return gen_out_write(o, s, strlen(s));
}

int gen_out_line(gen_out *o, const char *s) {
  if (gen_out_puts(o, s) != 0)
    return -1;
  return gen_out_write(o, "\r\n", 2);
}

int gen_out_close(gen_out *o) {
  int rc = o->err ? -1 : 0;
  if (o->gz) {
    int z = gzclose(o->gz);
    if (z != Z_OK && rc == 0) {
      fprintf(stderr, "spoor-gen: close error on %s (zlib %d)\n", o->path, z);
      rc = -1;
    }
    o->gz = NULL;
  }
  if (o->f) {
    if (fclose(o->f) != 0 && rc == 0) {
      fprintf(stderr, "spoor-gen: close error on %s: %s\n", o->path,
              strerror(errno));
      rc = -1;
    }
    o->f = NULL;
  }
  return rc;
}

/* ---- filesystem & misc --------------------------------------------------- */

int gen_mkdirs(const char *path) {
  char buf[GEN_PATH_MAX];
  size_t n = strlen(path);
  if (n == 0)
    return 0;
  if (n >= sizeof buf) {
    fprintf(stderr, "spoor-gen: path too long: %s\n", path);
    return -1;
  }
  memcpy(buf, path, n + 1);
  for (size_t i = 1; i <= n; i++) {
    if (buf[i] != '/' && buf[i] != '\0')
      continue;
    char saved = buf[i];
    buf[i] = '\0';
    if (mkdir(buf, 0777) != 0 && errno != EEXIST) {
      fprintf(stderr, "spoor-gen: cannot create directory %s: %s\n", buf,
              strerror(errno));
      return -1;
    }
    buf[i] = saved;
  }
  struct stat st;
  if (stat(path, &st) != 0 || !S_ISDIR(st.st_mode)) {
    fprintf(stderr, "spoor-gen: not a directory: %s\n", path);
    return -1;
  }
  return 0;
}

int gen_mkdirs_for(const char *file_path) {
  const char *slash = strrchr(file_path, '/');
  if (!slash || slash == file_path)
    return 0;
  char buf[GEN_PATH_MAX];
  size_t n = (size_t)(slash - file_path);
  if (n >= sizeof buf) {
    fprintf(stderr, "spoor-gen: path too long: %s\n", file_path);
    return -1;
  }
  memcpy(buf, file_path, n);
  buf[n] = '\0';
  return gen_mkdirs(buf);
}

int gen_dir_usable(const char *path) {
  struct stat st;
  if (stat(path, &st) != 0)
    return errno == ENOENT ? 1 : -1;
  if (!S_ISDIR(st.st_mode))
    return 0;
  DIR *d = opendir(path);
  if (!d)
    return -1;
  int empty = 1;
  struct dirent *e;
  while ((e = readdir(d)) != NULL) {
    if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0) {
      empty = 0;
      break;
    }
  }
  closedir(d);
  return empty;
}

int gen_path_join(char *out, size_t cap, const char *a, const char *b) {
  int n = snprintf(out, cap, "%s/%s", a, b);
  if (n < 0 || (size_t)n >= cap) {
    fprintf(stderr, "spoor-gen: path too long: %s/%s\n", a, b);
    return -1;
  }
  return 0;
}

/* Leading decimal digits of *s into *v; advances *s. -1 on none/overflow. */
static int parse_digits(const char **s, uint64_t *v) {
  const char *p = *s;
  if (!p || *p < '0' || *p > '9')
    return -1;
  uint64_t x = 0;
  for (; *p >= '0' && *p <= '9'; p++) {
    unsigned dgt = (unsigned)(*p - '0');
    if (x > (UINT64_MAX - dgt) / 10)
      return -1;
    x = x * 10 + dgt;
  }
  *s = p;
  *v = x;
  return 0;
}

int gen_parse_u64(const char *s, uint64_t *out) {
  uint64_t v;
  if (parse_digits(&s, &v) != 0 || *s != '\0')
    return -1;
  *out = v;
  return 0;
}

int gen_parse_size(const char *s, uint64_t *out) {
  uint64_t v;
  if (parse_digits(&s, &v) != 0)
    return -1;
  int shift = 0;
  switch (*s) {
  case 'k': case 'K': shift = 10; s++; break;
  case 'm': case 'M': shift = 20; s++; break;
  case 'g': case 'G': shift = 30; s++; break;
  case 't': case 'T': shift = 40; s++; break;
  default: break;
  }
  if (shift && (*s == 'i' || *s == 'I'))
    s++;
  if (*s == 'b' || *s == 'B')
    s++;
  if (*s != '\0')
    return -1;
  if (shift && v > (UINT64_MAX >> shift))
    return -1;
  *out = v << shift;
  return 0;
}
