/*
 * fuzz_csv.c - libFuzzer target for the CSV field splitter (sp_csv_split)
 * and the ECP EventData splitter (sp_ecp_split).
 *
 * The whole input is one line. Byte 0 also picks the field limit: below 0x80
 * the limits the exchange_csv reader uses (SP_MAX_COLUMNS fields, 64 ECP
 * items), otherwise a small limit (1..64) so the "too many fields" paths run.
 * Output arrays are exact-size heap blocks, so a write past the limit is an
 * ASan error. Checks: counts within limits; every slice inside the line or
 * the used scratch space; for input without quote characters, the split is
 * exactly the split at every ',' (or every non-empty ';' item).
 * The reader context comes from sp_rctx_init and is freed per input.
 */
#include "readers/csv.h"
#include "readers/reader.h"

#include <stdio.h>
#include <stdlib.h>

#define CHECK(c) ((c) ? (void)0 : fz_fail(#c, __FILE__, __LINE__))

static void fz_fail(const char *what, const char *file, int line) {
  fprintf(stderr, "fuzz check failed: %s (%s:%d)\n", what, file, line);
  abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void no_event(void *user, const sp_event *ev) {
  (void)user;
  (void)ev;
  fz_fail("event from a splitter", __FILE__, __LINE__);
}

static bool inside(sp_str s, const char *lo, size_t len) {
  if (s.n == 0)
    return true;
  return lo && s.p >= lo && s.n <= len && (size_t)(s.p - lo) <= len - s.n;
}

static bool in_line_or_scratch(sp_str s, const char *p, size_t n,
                               const sp_rctx *rc) {
  return inside(s, p, n) || inside(s, rc->scratch, rc->scratch_used);
}

static void fuzz_csv_split(sp_rctx *rc, const char *p, size_t n, size_t max) {
  sp_str *out = malloc(max * sizeof *out);
  CHECK(out != NULL);
  rc->scratch_used = 0;
  bool bad = true;
  size_t nf = sp_csv_split(rc, p, n, out, max, &bad);
  CHECK(nf >= 1 && nf <= max);
  size_t total = 0;
  for (size_t i = 0; i < nf; i++) {
    CHECK(in_line_or_scratch(out[i], p, n, rc));
    total += out[i].n;
  }
  CHECK(total <= n);
  if (n == 0 || !memchr(p, '"', n)) {
    /* Plain CSV: field i runs from after comma i-1 to comma i. */
    size_t commas = 0;
    for (size_t i = 0; i < n; i++)
      commas += p[i] == ',';
    size_t want = commas + 1 <= max ? commas + 1 : max;
    CHECK(nf == want);
    CHECK(bad == (commas + 1 > max));
    const char *at = p;
    for (size_t i = 0; i < nf; i++) {
      CHECK(out[i].n == 0 || out[i].p == at);
      size_t rest = n - (size_t)(at - p);
      const char *c = rest ? memchr(at, ',', rest) : NULL;
      size_t flen = c ? (size_t)(c - at) : rest;
      CHECK(out[i].n == flen);
      at += flen + (c != NULL);
    }
  }
  free(out);
}

static void fuzz_ecp_split(sp_rctx *rc, const char *p, size_t n, size_t max) {
  sp_kv *out = malloc(max * sizeof *out);
  CHECK(out != NULL);
  rc->scratch_used = 0;
  size_t nk = sp_ecp_split(rc, sp_str_make(p, n), out, max);
  CHECK(nk <= max);
  for (size_t i = 0; i < nk; i++) {
    CHECK(in_line_or_scratch(out[i].key, p, n, rc));
    CHECK(in_line_or_scratch(out[i].value, p, n, rc));
    CHECK(out[i].key.n + out[i].value.n <= n);
    CHECK(!out[i].key.n || !memchr(out[i].key.p, '=', out[i].key.n));
  }
  if (n == 0 || !memchr(p, '\'', n)) {
    /* Unquoted items: every non-empty ';'-separated item, in order. */
    size_t want = 0;
    const char *at = p, *end = p + n;
    while (at < end && want < max) {
      const char *c = memchr(at, ';', (size_t)(end - at));
      size_t ilen = c ? (size_t)(c - at) : (size_t)(end - at);
      if (ilen) {
        CHECK(want < nk);
        const sp_kv *kv = &out[want];
        CHECK(kv->key.n + kv->value.n <= ilen);
        CHECK(!kv->value.n || !memchr(kv->value.p, ';', kv->value.n));
        CHECK(!kv->value.n ||
              (kv->value.p >= at && kv->value.p + kv->value.n == at + ilen));
        want++;
      }
      at += ilen + (c != NULL);
    }
    CHECK(nk == want);
  }
  free(out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  const char *p = (const char *)data;
  size_t csv_max = SP_MAX_COLUMNS, ecp_max = 64;
  if (size && data[0] >= 0x80) {
    csv_max = 1 + (data[0] & 0x3f);
    ecp_max = 1 + ((data[0] >> 1) & 0x3f);
  }
  sp_rctx rc;
  CHECK(sp_rctx_init(&rc, 1, no_event, NULL, NULL));
  fuzz_csv_split(&rc, p, size, csv_max);
  fuzz_ecp_split(&rc, p, size, ecp_max);
  sp_rctx_free(&rc);
  return 0;
}
