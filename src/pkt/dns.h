/*
 * dns.h - DNS message parsing (RFC 1035) for the pcap reader: header,
 * first question and the answer section rendered as Zeek renders them in
 * dns.log (A/AAAA addresses, names for CNAME/NS/PTR/MX/SOA/SRV/DNAME,
 * "TXT <len> <text>" strings). Bounded: names up to 255 bytes, at most
 * SP_DNS_MAX_PTR compression jumps per name, SP_DNS_MAX_ANS answers kept
 * (more are counted in n_ans_dropped). Works on a caller-owned struct; no
 * allocation.
 */
#ifndef SP_PKT_DNS_H
#define SP_PKT_DNS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SP_DNS_NAME_MAX 256
#define SP_DNS_MAX_ANS 16
#define SP_DNS_ANS_MAX 512
#define SP_DNS_MAX_PTR 64

typedef struct sp_dns_msg {
  uint16_t id;
  bool qr, aa, tc, rd, ra;
  uint8_t opcode, rcode, z;
  uint16_t qdcount, ancount;
  bool have_q;
  char query[SP_DNS_NAME_MAX];
  size_t query_n;
  uint16_t qtype, qclass;
  size_t n_ans, n_ans_dropped;
  char ans[SP_DNS_MAX_ANS][SP_DNS_ANS_MAX];
  uint32_t ttl[SP_DNS_MAX_ANS];
} sp_dns_msg;

/* Parse a DNS message; NULL on success (answers may be partial when the
 * message is cut short: the header and question were read), else a reason. */
const char *sp_dns_parse(const uint8_t *p, size_t n, sp_dns_msg *m);

/* Zeek's names for query types and response codes; NULL when unknown. */
const char *sp_dns_type_name(uint16_t t);
const char *sp_dns_rcode_name(uint8_t r);

#endif
