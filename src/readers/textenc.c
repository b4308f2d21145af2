/*
 * textenc.c - encoding detection and the incremental UTF-16/plain to UTF-8
 * decoder (contracts in textenc.h).
 *
 * The decoder runs in up to three phases, all resumable at any byte:
 *   1. leading NULs (SP_TEXTDEC_SKIP_NUL): dropped and counted;
 *   2. auto mode only: the first SP_TEXTENC_WINDOW bytes after them are
 *      held in d->hold until the encoding is decided (or a BOM decides it
 *      early), then drained through phase 3;
 *   3. decoding: plain/UTF-8 bytes are copied, UTF-16 units are converted,
 *      with at most one half unit (d->half) and one high surrogate (d->high)
 *      carried between calls.
 * Every write checks the remaining capacity first, so output never exceeds
 * cap; what did not fit stays unconsumed (or held) for the next call.
 */
#include "readers/textenc.h"

#include <string.h>

#define REPLACEMENT_LEN 3 /* U+FFFD in UTF-8: EF BF BD */
#define UNIT_MAX_OUT 6    /* worst case per unit: U+FFFD + 3 bytes */

const char *sp_textenc_name(sp_textenc enc) {
  switch (enc) {
  case SP_TEXTENC_PLAIN:
    return "plain";
  case SP_TEXTENC_UTF8:
    return "utf-8";
  case SP_TEXTENC_UTF16LE:
    return "utf-16le";
  case SP_TEXTENC_UTF16BE:
    return "utf-16be";
  default:
    return "auto";
  }
}

static bool ascii_text(uint8_t c) {
  return (c >= 0x20 && c < 0x7f) || c == '\t' || c == '\r' || c == '\n';
}

/* Decide the encoding of text t[0..m) that follows nul_run leading NULs.
 * *bom: byte order mark length to skip; *give_back: 1 when the last NUL of
 * the run is the high byte of the first UTF-16BE character. */
static sp_textenc guess(const uint8_t *t, size_t m, size_t nul_run, size_t *bom,
                        size_t *give_back) {
  *bom = 0;
  *give_back = 0;
  if (m >= 3 && t[0] == 0xEF && t[1] == 0xBB && t[2] == 0xBF) {
    *bom = 3;
    return SP_TEXTENC_UTF8;
  }
  if (m >= 2 && t[0] == 0xFF && t[1] == 0xFE) {
    *bom = 2;
    return SP_TEXTENC_UTF16LE;
  }
  if (m >= 2 && t[0] == 0xFE && t[1] == 0xFF) {
    *bom = 2;
    return SP_TEXTENC_UTF16BE;
  }
  if (m > SP_TEXTENC_WINDOW)
    m = SP_TEXTENC_WINDOW;
  size_t pairs = m / 2, le = 0, be = 0;
  if (pairs < 4)
    return SP_TEXTENC_PLAIN;
  for (size_t i = 0; i < pairs; i++) {
    uint8_t a = t[2 * i], b = t[2 * i + 1];
    le += ascii_text(a) && b == 0;
    be += a == 0 && ascii_text(b);
  }
  if (le * 4 >= pairs * 3) {
    if (nul_run & 1) {
      /* "xx 00 xx 00" right after an odd NUL run: UTF-16BE whose first
         high byte was counted as padding. */
      *give_back = 1;
      return SP_TEXTENC_UTF16BE;
    }
    return SP_TEXTENC_UTF16LE;
  }
  if (be * 4 >= pairs * 3)
    return SP_TEXTENC_UTF16BE;
  return SP_TEXTENC_PLAIN;
}

sp_textenc sp_textenc_detect(const uint8_t *buf, size_t len, size_t *skip,
                             size_t *nul) {
  size_t z = 0;
  while (z < len && buf[z] == 0)
    z++;
  size_t bom = 0, back = 0;
  sp_textenc e = SP_TEXTENC_PLAIN;
  if (z < len)
    e = guess(buf + z, len - z, z, &bom, &back);
  if (nul)
    *nul = z - back;
  if (skip)
    *skip = z - back + bom;
  return e;
}

void sp_textdec_init(sp_textdec *d, sp_textenc enc, unsigned flags) {
  memset(d, 0, sizeof *d);
  d->enc = enc;
  d->flags = flags;
  d->lead = (flags & SP_TEXTDEC_SKIP_NUL) != 0;
}

/* Write code unit u (never a surrogate) as UTF-8; returns bytes written. */
static size_t put_bmp(uint32_t u, char *o) {
  if (u < 0x80) {
    o[0] = (char)u;
    return 1;
  }
  if (u < 0x800) {
    o[0] = (char)(0xC0 | (u >> 6));
    o[1] = (char)(0x80 | (u & 0x3F));
    return 2;
  }
  o[0] = (char)(0xE0 | (u >> 12));
  o[1] = (char)(0x80 | ((u >> 6) & 0x3F));
  o[2] = (char)(0x80 | (u & 0x3F));
  return 3;
}

static size_t put_replacement(sp_textdec *d, char *o) {
  d->invalid_units++;
  return put_bmp(0xFFFD, o);
}

/* One UTF-16 code unit; needs UNIT_MAX_OUT bytes of room. */
static size_t put_unit(sp_textdec *d, uint16_t u, char *o) {
  size_t w = 0;
  if (d->has_high) {
    d->has_high = false;
    if (u >= 0xDC00 && u <= 0xDFFF) {
      uint32_t cp =
          0x10000u + (((uint32_t)d->high - 0xD800u) << 10) + (u - 0xDC00u);
      o[0] = (char)(0xF0 | (cp >> 18));
      o[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
      o[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
      o[3] = (char)(0x80 | (cp & 0x3F));
      return 4;
    }
    w = put_replacement(d, o); /* the high surrogate had no low half */
  }
  if (u >= 0xD800 && u <= 0xDBFF) {
    d->has_high = true;
    d->high = u;
    return w;
  }
  if (u >= 0xDC00 && u <= 0xDFFF)
    return w + put_replacement(d, o + w);
  return w + put_bmp(u, o + w);
}

/* Phase 3 on in[0..n): returns bytes written, *used bytes consumed. */
static size_t decode(sp_textdec *d, const uint8_t *in, size_t n, char *out,
                     size_t cap, size_t *used) {
  size_t j = 0, o = 0;
  if (d->enc == SP_TEXTENC_UTF16LE || d->enc == SP_TEXTENC_UTF16BE) {
    bool le = d->enc == SP_TEXTENC_UTF16LE;
    for (;;) {
      uint8_t a, b;
      if (d->has_half) {
        if (j >= n)
          break;
        if (cap - o < UNIT_MAX_OUT)
          break;
        a = d->half;
        b = in[j++];
        d->has_half = false;
      } else if (n - j >= 2) {
        if (cap - o < UNIT_MAX_OUT)
          break;
        a = in[j];
        b = in[j + 1];
        j += 2;
      } else {
        if (n - j == 1) { /* half a unit: completed by the next block */
          d->half = in[j++];
          d->has_half = true;
        }
        break;
      }
      uint16_t u = le ? (uint16_t)(a | (b << 8)) : (uint16_t)((a << 8) | b);
      if (d->lead) {
        if (u == 0) {
          d->nul_skipped += 2;
          continue;
        }
        d->lead = false;
      }
      o += put_unit(d, u, out + o);
    }
  } else {
    if (d->lead) {
      while (j < n && in[j] == 0)
        j++;
      d->nul_skipped += j;
      if (j < n)
        d->lead = false;
    }
    size_t k = n - j < cap - o ? n - j : cap - o;
    memcpy(out + o, in + j, k);
    j += k;
    o += k;
  }
  *used = j;
  return o;
}

/* Auto mode: choose the encoding from what is held. */
static void decide(sp_textdec *d) {
  size_t bom, back;
  d->enc = guess(d->hold, d->nhold, (size_t)d->nul_skipped, &bom, &back);
  d->bom = bom > 0;
  d->hold_off = bom;
  d->lead = false; /* the held text starts after the NUL run */
  if (back) {
    d->nul_skipped--;
    d->half = 0;
    d->has_half = true;
  }
}

static bool bom_complete(const uint8_t *h, size_t n) {
  if (n >= 2 &&
      ((h[0] == 0xFF && h[1] == 0xFE) || (h[0] == 0xFE && h[1] == 0xFF)))
    return true;
  return n >= 3 && h[0] == 0xEF && h[1] == 0xBB && h[2] == 0xBF;
}

/* Write held bytes through phase 3; true when all are written. */
static bool drain(sp_textdec *d, char *out, size_t cap, size_t *o) {
  if (d->hold_off < d->nhold) {
    size_t used;
    *o += decode(d, d->hold + d->hold_off, d->nhold - d->hold_off, out + *o,
                 cap - *o, &used);
    d->hold_off += used;
  }
  return d->hold_off >= d->nhold;
}

size_t sp_textdec_feed(sp_textdec *d, const uint8_t *in, size_t n, char *out,
                       size_t cap, size_t *consumed) {
  size_t i = 0, o = 0;
  if (d->enc == SP_TEXTENC_AUTO) {
    if (d->lead) {
      while (i < n && in[i] == 0)
        i++;
      d->nul_skipped += i;
      if (i < n)
        d->lead = false;
    }
    if (!d->lead) {
      size_t room = SP_TEXTENC_WINDOW - d->nhold;
      size_t take = n - i < room ? n - i : room;
      memcpy(d->hold + d->nhold, in + i, take);
      d->nhold += take;
      i += take;
      if (d->nhold == SP_TEXTENC_WINDOW || bom_complete(d->hold, d->nhold))
        decide(d);
    }
    if (d->enc == SP_TEXTENC_AUTO) {
      *consumed = i;
      return 0;
    }
  }
  if (drain(d, out, cap, &o) && i < n) {
    size_t used;
    o += decode(d, in + i, n - i, out + o, cap - o, &used);
    i += used;
  }
  *consumed = i;
  return o;
}

size_t sp_textdec_finish(sp_textdec *d, char *out, size_t cap) {
  size_t o = 0;
  if (d->enc == SP_TEXTENC_AUTO) {
    if (d->nhold)
      decide(d);
    else
      d->enc = SP_TEXTENC_PLAIN; /* empty, or nothing but NUL bytes */
  }
  if (!drain(d, out, cap, &o))
    return o;
  if (d->has_high && cap - o >= REPLACEMENT_LEN) {
    d->has_high = false;
    o += put_replacement(d, out + o);
  }
  if (d->has_half && !d->has_high && cap - o >= REPLACEMENT_LEN) {
    d->has_half = false; /* an odd final byte */
    o += put_replacement(d, out + o);
  }
  return o;
}
