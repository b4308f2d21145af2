/*
 * fuzz_pcap_dns.c - libFuzzer target for the DNS message parser
 * (pkt/dns.c): the input is one DNS message. Names and answers must stay
 * within their bounds and be terminated strings.
 */
#include "pkt/dns.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  sp_dns_msg *m = malloc(sizeof *m);
  if (!m)
    return 0;
  memset(m, 0x41, sizeof *m); /* no accidental terminators */
  if (!sp_dns_parse(data, size, m)) {
    if (m->query_n >= SP_DNS_NAME_MAX || m->n_ans > SP_DNS_MAX_ANS)
      abort();
    if (m->have_q && strlen(m->query) != m->query_n)
      abort();
    for (size_t i = 0; i < m->n_ans; i++)
      if (!memchr(m->ans[i], 0, SP_DNS_ANS_MAX))
        abort();
  }
  free(m);
  return 0;
}
