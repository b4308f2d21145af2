/*
 * fuzz_ioc_norm.c - libFuzzer target for the indicator normal forms
 * (sp_ioc_norm_url, sp_ioc_norm_domain, sp_ioc_norm_email, sp_ioc_infer).
 *
 * Byte 0 is the output capacity (1..256, so truncation paths run); the rest
 * is the value. Output buffers are exact-size heap blocks. Checks: a result
 * fits with its NUL; normal forms are idempotent (normalizing the output
 * again gives the same bytes); domains and e-mail addresses come out in
 * lower case; URLs keep their "scheme://" prefix.
 */
#include "ioc/ioc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CHECK(c) ((c) ? (void)0 : fz_fail(#c, __FILE__, __LINE__))

static void fz_fail(const char *what, const char *file, int line) {
  fprintf(stderr, "fuzz check failed: %s (%s:%d)\n", what, file, line);
  abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

typedef size_t (*norm_fn)(sp_str, char *, size_t);

static void idem(norm_fn fn, sp_str v, size_t cap, int kind) {
  char *a = malloc(cap), *b = malloc(cap);
  if (!a || !b) {
    free(a);
    free(b);
    return;
  }
  size_t n = fn(v, a, cap);
  if (n) {
    CHECK(n < cap);
    CHECK(a[n] == '\0');
    size_t m = fn(sp_str_make(a, n), b, cap);
    CHECK(m == n && memcmp(a, b, n) == 0);
    if (kind != 0)
      for (size_t i = 0; i < n; i++)
        CHECK(!(a[i] >= 'A' && a[i] <= 'Z'));
    else
      CHECK(strstr(a, "://") != NULL);
  }
  free(a);
  free(b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 1)
    return 0;
  size_t cap = (size_t)data[0] + 1;
  char *v = malloc(size - 1 ? size - 1 : 1);
  if (!v)
    return 0;
  memcpy(v, data + 1, size - 1);
  sp_str s = sp_str_make(v, size - 1);
  idem(sp_ioc_norm_url, s, cap, 0);
  idem(sp_ioc_norm_domain, s, cap, 1);
  idem(sp_ioc_norm_email, s, cap, 2);
  sp_ioc_type t;
  if (sp_ioc_infer(s, &t))
    CHECK((unsigned)t < SP_IOC__COUNT);
  free(v);
  return 0;
}
