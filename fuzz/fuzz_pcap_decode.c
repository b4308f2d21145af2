/*
 * fuzz_pcap_decode.c - libFuzzer target for the pcap reader's frame decoder
 * (pkt/decode.c): the first byte picks the link type (Ethernet, Linux
 * cooked v1/v2, BSD/OpenBSD loopback, raw IP), the rest is the frame. The
 * captured payload slice must lie inside the frame and never be longer than
 * the payload the headers declare.
 */
#include "pkt/pkt.h"

#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static const int dlts[] = {1, 113, 276, 0, 108, 101, 228, 229};
  if (size < 1)
    return 0;
  const uint8_t *p = data + 1;
  size_t n = size - 1;
  sp_pkt k;
  if (!sp_pkt_decode(dlts[data[0] & 7], p, n, &k) && !k.frag) {
    if (k.payload_cap && (k.payload < p || k.payload + k.payload_cap > p + n))
      abort();
    if (k.payload_cap > k.payload_len)
      abort();
  }
  return 0;
}
