/*
 * fuzz_pcap_http.c - libFuzzer target for the HTTP/1.x head parser
 * (pkt/http.c): the input is the start of a TCP payload. Every slice it
 * returns must lie inside the input.
 */
#include "pkt/http.h"

#include <stdint.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void inside(sp_str s, const uint8_t *p, size_t n) {
  const uint8_t *q = (const uint8_t *)s.p;
  if (s.n && (q < p || q + s.n > p + n))
    abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  sp_http_head h;
  if (!sp_http_parse(data, size, &h))
    return 0;
  inside(h.method, data, size);
  inside(h.uri, data, size);
  inside(h.version, data, size);
  inside(h.host, data, size);
  inside(h.user_agent, data, size);
  inside(h.referrer, data, size);
  inside(h.status, data, size);
  inside(h.reason, data, size);
  return 0;
}
