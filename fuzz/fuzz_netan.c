/*
 * fuzz_net.c - libFuzzer target for the network analytics' parsers and
 * aggregates: the allow-list text (sp_net_allow_add_text) and the DNS
 * aggregate (registered domain, exploded names, entropy) fed with the
 * input's lines as query names. Checks: a parsed allow list answers
 * lookups of every line without reading out of bounds; every DNS domain's
 * distinct-name count is at most the names it could have exploded into.
 * The input is an exact-size heap copy, so any read past it is an ASan
 * error.
 */
#include "net/allow.h"
#include "net/dns.h"

#include <libpsl.h>
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
  memcpy(buf, data, size);
  sp_net_cfg cfg = {.no_defaults = true};
  sp_net_allow *a = NULL;
  sp_diag diag = {0};
  if (sp_net_allow_create(&cfg, &a, &diag) == SP_OK) {
    (void)sp_net_allow_add_text(a, buf, size, "fuzz", &diag);
    sp_dnsagg *g = NULL;
    CHECK(sp_dnsagg_create(psl_builtin(), &g) == SP_OK);
    uint64_t dots = 0;
    for (size_t i = 0, s = 0; i <= size; i++) {
      if (i < size && buf[i] != '\n')
        continue;
      char *line = malloc(i - s ? i - s : 1);
      if (line) {
        memcpy(line, buf + s, i - s);
        sp_str v = sp_str_make(line, i - s);
        (void)sp_net_allow_domain(a, v);
        sp_ip ip;
        if (sp_ip_parse(v, &ip))
          (void)sp_net_allow_ip(a, &ip);
        for (size_t k = 0; k < i - s; k++)
          dots += line[k] == '.';
        (void)sp_dnsagg_add(g, line, i - s, (int)(i & 31), NULL, 0, 0, s, 0);
        free(line);
      }
      s = i + 1;
    }
    uint64_t total = 0;
    for (size_t k = 0; k < sp_dnsagg_count(g); k++) {
      sp_dnsdom d;
      sp_dnsagg_get(g, k, &d);
      CHECK(d.score >= 0 && d.score <= 1.0);
      total += d.unique;
    }
    CHECK(total <= dots + sp_dnsagg_count(g) + size);
    sp_dnsagg_destroy(g);
  }
  sp_net_allow_destroy(a);
  free(buf);
  return 0;
}
