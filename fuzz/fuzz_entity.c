/*
 * fuzz_entity.c - libFuzzer target for entity normalisation and finding
 * identities (findings/entity.h).
 *
 * Byte 0 picks the field (an IP, host, user, user domain, hash or other
 * field); the rest is the value. Checks:
 *  - sp_ip_canon: a result is shorter than SP_IP_CANON_CAP, inet_pton
 *    accepts it, and it is its own canonical form;
 *  - sp_entity_normalize into an exact-size buffer stays in bounds, returns
 *    at most the value's length (SP_IP_CANON_CAP - 1 for addresses), and
 *    host and IP forms are their own normal form;
 *  - sp_identity_build succeeds on the value (cut at a NUL) as two entities,
 *    gives 32 lower-case hex digits and the same id in either order.
 * Values are exact-size heap copies, so a read past a slice is an ASan
 * error.
 */
#include "findings/entity.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CHECK(c) ((c) ? (void)0 : fz_fail(#c, __FILE__, __LINE__))

static void fz_fail(const char *what, const char *file, int line) {
  fprintf(stderr, "fuzz check failed: %s (%s:%d)\n", what, file, line);
  abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const fields[] = {
    "source.ip",        "host.name",      "user.name",
    "user.domain",      "url.domain",     "url.path",
    "file.hash.sha256", "destination.ip", "source.user.name"};

static char *copy(const uint8_t *p, size_t n) {
  char *c = malloc(n ? n : 1);
  CHECK(c != NULL);
  if (n)
    memcpy(c, p, n);
  return c;
}

static void check_ip(sp_str v) {
  char out[SP_IP_CANON_CAP], again[SP_IP_CANON_CAP];
  size_t n = sp_ip_canon(v, out);
  CHECK(n == strlen(out));
  if (!n)
    return;
  CHECK(n < SP_IP_CANON_CAP);
  unsigned char b[16];
  CHECK(inet_pton(strchr(out, ':') ? AF_INET6 : AF_INET, out, b) == 1);
  CHECK(sp_ip_canon(sp_str_make(out, n), again) == n);
  CHECK(strcmp(out, again) == 0);
}

static void check_normalize(const char *field, sp_str v) {
  size_t cap = (v.n > SP_IP_CANON_CAP ? v.n : SP_IP_CANON_CAP) + 1;
  char *out = malloc(cap);
  CHECK(out != NULL);
  size_t n = sp_entity_normalize(field, v, out, cap);
  CHECK(n < cap && strlen(out) <= n);
  sp_entity_kind k = sp_entity_kind_of(field);
  if (n == strlen(out) && (k == SP_EK_HOST || k == SP_EK_IP)) {
    char *again = malloc(cap);
    CHECK(again != NULL);
    CHECK(sp_entity_normalize(field, sp_str_make(out, n), again, cap) == n);
    CHECK(strcmp(out, again) == 0);
    free(again);
  }
  /* Truncation into a tiny buffer. */
  char small[3];
  CHECK(sp_entity_normalize(field, v, small, sizeof small) == n);
  CHECK(strlen(small) < sizeof small);
  free(out);
}

static void check_identity(const char *field, const char *value) {
  const char *f[2] = {field, "user.name"}, *v[2] = {value, value};
  const char *rf[2] = {"user.name", field}, *rv[2] = {value, value};
  sp_identity a, b;
  CHECK(sp_identity_build(&a, "rule", f, v, 2, value) == SP_OK);
  CHECK(sp_identity_build(&b, "rule", rf, rv, 2, value) == SP_OK);
  CHECK(strlen(a.id) == SP_ID_HEX_LEN);
  CHECK(strspn(a.id, "0123456789abcdef") == SP_ID_HEX_LEN);
  CHECK(strcmp(a.id, b.id) == 0);
  CHECK(a.len == b.len && memcmp(a.canon, b.canon, a.len) == 0);
  CHECK(a.canon[a.len - 1] == 0);
  for (size_t i = 0; i < a.n; i++) {
    const char *ef, *ev;
    sp_identity_entity(&a, i, &ef, &ev);
    CHECK(ev + strlen(ev) < a.canon + a.len);
  }
  sp_identity_free(&a);
  sp_identity_free(&b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 1)
    return 0;
  const char *field = fields[data[0] % (sizeof fields / sizeof fields[0])];
  char *val = copy(data + 1, size - 1);
  sp_str v = sp_str_make(val, size - 1);
  check_ip(v);
  check_normalize(field, v);
  char *cstr = malloc(size);
  CHECK(cstr != NULL);
  memcpy(cstr, data + 1, size - 1);
  cstr[size - 1] = 0;
  check_identity(field, cstr);
  free(cstr);
  free(val);
  return 0;
}
