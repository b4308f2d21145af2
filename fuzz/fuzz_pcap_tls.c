/*
 * fuzz_pcap_tls.c - libFuzzer target for the TLS ClientHello/ServerHello
 * parser (pkt/tls.c): the input is the start of a TCP payload. The SNI must
 * fit its buffer, JA3 be 32 hex digits and JA4 a terminated string.
 */
#include "pkt/tls.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  sp_tls_hello h;
  if (sp_tls_parse_hello(data, size, &h))
    return 0;
  if (h.sni_n >= SP_TLS_SNI_MAX || strlen(h.sni) > h.sni_n)
    abort();
  if (h.client && (strlen(h.ja3) != 32 || !memchr(h.ja4, 0, sizeof h.ja4)))
    abort();
  return 0;
}
