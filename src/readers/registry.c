/*
 * registry.c - the reader table, content sniffing and the reader context
 * helpers shared by all readers. A new format is one new file and one line
 * in sp_readers[].
 */
#include "readers/reader.h"

#include <stdlib.h>

extern const sp_reader_vt sp_reader_iis;
extern const sp_reader_vt sp_reader_exchange_csv;

const sp_reader_vt *const sp_readers[] = {
    &sp_reader_iis,
    &sp_reader_exchange_csv,
    NULL,
};

const sp_reader_vt *sp_reader_sniff(const char *buf, size_t len) {
  const sp_reader_vt *best = NULL;
  int best_score = 0;
  /* Skip a UTF-8 byte order mark. */
  if (len >= 3 && (unsigned char)buf[0] == 0xEF &&
      (unsigned char)buf[1] == 0xBB && (unsigned char)buf[2] == 0xBF) {
    buf += 3;
    len -= 3;
  }
  for (size_t i = 0; sp_readers[i]; i++) {
    int s = sp_readers[i]->sniff(buf, len);
    if (s > best_score) {
      best_score = s;
      best = sp_readers[i];
    }
  }
  return best_score >= 50 ? best : NULL;
}

const sp_reader_vt *sp_reader_by_name(const char *name) {
  for (size_t i = 0; sp_readers[i]; i++)
    if (strcmp(sp_readers[i]->name, name) == 0)
      return sp_readers[i];
  return NULL;
}

bool sp_rctx_init(sp_rctx *rc, uint32_t file_id,
                  void (*on_event)(void *, const sp_event *),
                  void (*on_malformed)(void *, uint64_t, const char *),
                  void *user) {
  memset(rc, 0, sizeof *rc);
  rc->file_id = file_id;
  rc->on_event = on_event;
  rc->on_malformed = on_malformed;
  rc->user = user;
  return sp_rctx_reserve(rc, 0);
}

bool sp_rctx_reserve(sp_rctx *rc, size_t line_len) {
  size_t want = line_len > SP_MAX_LINE ? SP_SCRATCH_BYTES : 2 * line_len + 4096;
  if (want <= rc->scratch_cap)
    return true;
  size_t cap = rc->scratch_cap ? rc->scratch_cap : 65536;
  while (cap < want)
    cap *= 2;
  if (cap > SP_SCRATCH_BYTES)
    cap = SP_SCRATCH_BYTES;
  char *p = realloc(rc->scratch, cap);
  if (!p)
    return false;
  rc->scratch = p;
  rc->scratch_cap = cap;
  return true;
}

void sp_rctx_free(sp_rctx *rc) {
  free(rc->scratch);
  rc->scratch = NULL;
  rc->scratch_cap = 0;
}

char *sp_rctx_alloc(sp_rctx *rc, size_t n) {
  if (n > rc->scratch_cap - rc->scratch_used)
    return NULL;
  char *p = rc->scratch + rc->scratch_used;
  rc->scratch_used += n;
  return p;
}

sp_str sp_rctx_plus_decode(sp_rctx *rc, sp_str s) {
  if (!s.n || !memchr(s.p, '+', s.n))
    return s;
  char *d = sp_rctx_alloc(rc, s.n);
  if (!d)
    return s;
  for (size_t i = 0; i < s.n; i++)
    d[i] = s.p[i] == '+' ? ' ' : s.p[i];
  return sp_str_make(d, s.n);
}
