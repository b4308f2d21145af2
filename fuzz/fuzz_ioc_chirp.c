/*
 * fuzz_ioc_chirp.c - libFuzzer target for the CHIRP YAML loader
 * (sp_ioc_load_yaml over libyaml). The input is the file. Checks: a
 * failure names the file; every indicator reads back with format "chirp"
 * and a score of -1 or a multiple of 10 up to 100.
 */
#include "ioc/ioc_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CHECK(c) ((c) ? (void)0 : fz_fail(#c, __FILE__, __LINE__))

static void fz_fail(const char *what, const char *file, int line) {
  fprintf(stderr, "fuzz check failed: %s (%s:%d)\n", what, file, line);
  abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  char *buf = malloc(size ? size : 1);
  if (!buf)
    return 0;
  if (size)
    memcpy(buf, data, size);
  sp_ioc_set *s;
  if (sp_ioc_set_create(&s) != SP_OK) {
    free(buf);
    return 0;
  }
  sp_diag d = {0};
  sp_err e = sp_ioc_load_yaml(s, "chirp.yaml", buf, size, &d);
  if (e != SP_OK && e != SP_ENOMEM)
    CHECK(strstr(d.msg, "chirp.yaml") != NULL);
  if (e == SP_OK && sp_ioc_set_finish(s, &d) == SP_OK)
    for (uint32_t i = 0; i < sp_ioc_set_count(s); i++) {
      sp_ioc_info in;
      CHECK(sp_ioc_set_get(s, i, &in));
      CHECK(strcmp(in.format, "chirp") == 0);
      CHECK(in.score == -1 || (in.score % 10 == 0 && in.score <= 100));
    }
  sp_ioc_set_destroy(s);
  free(buf);
  return 0;
}
