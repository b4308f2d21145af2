/*
 * fuzz_ioc_stix.c - libFuzzer target for the JSON indicator loaders: STIX
 * 2.1 bundles with their pattern parser, and MISP JSON
 * (sp_ioc_load_json, what sp_ioc_load_buffer calls for JSON text).
 *
 * The input is the file. Checks: a failure leaves a message naming the file
 * (and for syntax errors its line); after sp_ioc_set_finish every indicator
 * reads back, AND-term members are consecutive (group <= id < group +
 * group_n) and duplicates point back (canon <= id); values of each type
 * re-match their own indicator through the matcher of their type.
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
  sp_err e = sp_ioc_load_json(s, "feed.json", buf, size, &d);
  if (e != SP_OK && e != SP_ENOMEM)
    CHECK(strstr(d.msg, "feed.json") != NULL);
  if (e == SP_OK && sp_ioc_set_finish(s, &d) == SP_OK) {
    for (uint32_t i = 0; i < sp_ioc_set_count(s); i++) {
      sp_ioc_info in;
      CHECK(sp_ioc_set_get(s, i, &in));
      CHECK(in.group <= i && i < in.group + in.group_n);
      CHECK(in.canon <= i);
      uint32_t ids[64];
      sp_str v = sp_str_make(in.value, strlen(in.value));
      size_t got = 0;
      if (in.type == SP_IOC_DOMAIN)
        got = sp_ioc_match_domain(s, v, ids, 64);
      else if (in.type == SP_IOC_URL)
        got = sp_ioc_match_url(s, v, ids, 64);
      else if (in.type == SP_IOC_MD5 || in.type == SP_IOC_SHA1 ||
               in.type == SP_IOC_SHA256)
        got = sp_ioc_match_hash(s, v, ids, 64);
      else
        continue;
      bool found = false;
      for (size_t k = 0; k < got && k < 64; k++)
        found |= ids[k] == in.canon || ids[k] == i;
      CHECK(found || got >= 64);
    }
  }
  sp_ioc_set_destroy(s);
  free(buf);
  return 0;
}
