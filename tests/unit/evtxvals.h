/*
 * evtxvals.h - substitution values for the EVTX writer (evtxwrite.h) in
 * the EVTX tests: bytes kept in one buffer per test, little-endian
 * integers, UTF-16 strings. Header-only.
 */
#ifndef SP_TESTS_EVTXVALS_H
#define SP_TESTS_EVTXVALS_H

#include "evtxwrite.h"

#include <stdint.h>
#include <string.h>

/* Values: bytes for substitutions, in one buffer per test. */
typedef struct vb {
  uint8_t b[8192];
  size_t n;
} vb;

static inline ew_val mk(vb *v, uint8_t t, const void *p, size_t n) {
  ew_val x = {.type = t, .p = v->b + v->n, .n = n};
  memcpy(v->b + v->n, p, n);
  v->n += n;
  return x;
}
static inline ew_val mk_le(vb *v, uint8_t t, uint64_t x, size_t n) {
  uint8_t tmp[8];
  for (size_t i = 0; i < 8; i++)
    tmp[i] = (uint8_t)(x >> (8 * i));
  return mk(v, t, tmp, n);
}
static inline ew_val mk_str(vb *v, const char *s) {
  ew_val x = {.type = 0x01, .p = v->b + v->n};
  x.n = ew_utf16(s, v->b + v->n, sizeof v->b - v->n);
  v->n += x.n;
  return x;
}

#endif
