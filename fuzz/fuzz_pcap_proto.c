/*
 * fuzz_pcap_proto.c - libFuzzer target for the packet-level parsers of the
 * pcap reader (pkt/): the first byte picks the parser and, for the frame
 * decoder, the link type; the rest is the packet. Frame decoding (Ethernet,
 * VLAN, SLL, loopback, raw IPv4/IPv6, TCP/UDP/ICMP), DNS messages, TLS
 * hellos and HTTP heads: every slice they return must lie inside the input.
 */
#include "pkt/dns.h"
#include "pkt/http.h"
#include "pkt/pkt.h"
#include "pkt/tls.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void inside(const void *s, size_t n, const uint8_t *p, size_t size) {
  const uint8_t *q = s;
  if (n && (q < p || q + n > p + size))
    abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 1)
    return 0;
  uint8_t sel = data[0];
  const uint8_t *p = data + 1;
  size_t n = size - 1;
  static const int dlts[] = {1, 113, 276, 0, 108, 101, 228, 229};
  switch (sel & 3) {
  case 0: {
    sp_pkt k;
    if (!sp_pkt_decode(dlts[(sel >> 2) & 7], p, n, &k)) {
      inside(k.payload, k.payload_cap, p, n);
      if (k.payload_cap > k.payload_len && !k.frag)
        abort();
    }
    break;
  }
  case 1: {
    sp_dns_msg *m = malloc(sizeof *m);
    if (!m)
      return 0;
    if (!sp_dns_parse(p, n, m)) {
      if (m->query_n >= SP_DNS_NAME_MAX || m->n_ans > SP_DNS_MAX_ANS)
        abort();
      for (size_t i = 0; i < m->n_ans; i++)
        if (strlen(m->ans[i]) >= SP_DNS_ANS_MAX)
          abort();
    }
    free(m);
    break;
  }
  case 2: {
    sp_tls_hello h;
    if (!sp_tls_parse_hello(p, n, &h) &&
        (h.sni_n >= SP_TLS_SNI_MAX || strlen(h.ja4) >= sizeof h.ja4))
      abort();
    break;
  }
  default: {
    sp_http_head h;
    if (sp_http_parse(p, n, &h)) {
      inside(h.method.p, h.method.n, p, n);
      inside(h.uri.p, h.uri.n, p, n);
      inside(h.host.p, h.host.n, p, n);
      inside(h.user_agent.p, h.user_agent.n, p, n);
      inside(h.status.p, h.status.n, p, n);
      inside(h.reason.p, h.reason.n, p, n);
    }
    break;
  }
  }
  return 0;
}
