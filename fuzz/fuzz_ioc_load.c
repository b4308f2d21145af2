/*
 * fuzz_ioc_load.c - libFuzzer target for every indicator loader through
 * sp_ioc_load_buffer (format detected by content: STIX and MISP JSON, CHIRP
 * YAML, CSV with a header, plain lists, signature-base's hash, filename-
 * regex and C2 lists), then sp_ioc_set_finish and the matchers.
 *
 * Byte 0 picks the file name the loader sees (signature-base decides list
 * kinds by name: "hash-iocs.txt", "filename-iocs.txt", "c2-iocs.txt", or a
 * neutral "iocs.txt"); the rest is the file. Checks: a failed load leaves a
 * message naming the file; counts by type add up to the total; every
 * indicator's strings are readable; and each line of the input used as an
 * IP, domain, URL, hash, e-mail, user agent and path value matches without
 * crashing and returns match counts that agree with the ids written.
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

static void check_ids(const sp_ioc_set *s, const uint32_t *ids, size_t got,
                      size_t cap) {
  for (size_t i = 0; i < got && i < cap; i++) {
    sp_ioc_info in;
    CHECK(sp_ioc_set_get(s, ids[i], &in));
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static const char *const names[] = {"hash-iocs.txt", "filename-iocs.txt",
                                      "c2-iocs.txt", "iocs.txt"};
  if (size < 1)
    return 0;
  const char *name = names[data[0] & 3];
  size_t n = size - 1;
  char *buf = malloc(n ? n : 1);
  if (!buf)
    return 0;
  if (n)
    memcpy(buf, data + 1, n);
  sp_ioc_set *s;
  if (sp_ioc_set_create(&s) != SP_OK) {
    free(buf);
    return 0;
  }
  sp_diag d = {0};
  sp_err e = sp_ioc_load_buffer(s, name, buf, n, &d);
  if (e != SP_OK && e != SP_ENOMEM)
    CHECK(strstr(d.msg, name) != NULL);
  if (sp_ioc_set_finish(s, &d) == SP_OK) {
    size_t total = 0;
    for (int t = 0; t < SP_IOC__COUNT; t++)
      total += sp_ioc_set_count_type(s, (sp_ioc_type)t);
    CHECK(total <= sp_ioc_set_count(s)); /* bad regexes leave the types */
    for (uint32_t i = 0; i < sp_ioc_set_count(s); i++) {
      sp_ioc_info in;
      CHECK(sp_ioc_set_get(s, i, &in));
      CHECK(strlen(in.value) + strlen(in.comment) + strlen(in.feed) +
                strlen(in.source) + strlen(in.pattern) <
            SIZE_MAX);
      CHECK(in.group <= i && i < in.group + in.group_n);
      CHECK(in.canon <= i);
    }
    sp_ioc_scratch *sc = NULL;
    if (sp_ioc_scratch_create(s, &sc) == SP_OK) {
      uint32_t ids[8];
      const char *p = buf, *end = buf + n;
      for (int lines = 0; p < end && lines < 64; lines++) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        sp_str v = sp_str_make(p, (size_t)((nl ? nl : end) - p));
        p = nl ? nl + 1 : end;
        sp_ip ip;
        size_t got;
        if (sp_ip_parse(v, &ip)) {
          got = sp_ioc_match_ip(s, &ip, ids, 8);
          check_ids(s, ids, got, 8);
        }
        got = sp_ioc_match_domain(s, v, ids, 8);
        check_ids(s, ids, got, 8);
        got = sp_ioc_match_url(s, v, ids, 8);
        check_ids(s, ids, got, 8);
        got = sp_ioc_match_hash(s, v, ids, 8);
        check_ids(s, ids, got, 8);
        for (int t = SP_IOC_EMAIL; t <= SP_IOC_FILENAME; t++) {
          got = sp_ioc_match_exact(s, (sp_ioc_type)t, v, ids, 8);
          check_ids(s, ids, got, 8);
        }
        got = sp_ioc_match_path(s, sc, v, true, ids, 8);
        check_ids(s, ids, got, 8);
      }
      sp_ioc_scratch_destroy(sc);
    }
  }
  sp_ioc_set_destroy(s);
  free(buf);
  return 0;
}
