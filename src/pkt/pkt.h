/*
 * pkt.h - packet decoding for the pcap reader: link layer to transport,
 * bounds-checked, no allocation.
 *
 * sp_pkt_decode() reads one captured frame (Ethernet with 802.1Q / 802.1ad
 * VLAN tags, Linux cooked v1/v2, BSD loopback, raw IP) down to IPv4 or IPv6
 * (extension headers walked, at most SP_PKT_MAX_EXT) and TCP, UDP, ICMP or
 * ICMPv6. Lengths come from the IP header, as Zeek counts them: ip_len is
 * the IP packet's length on the wire and payload_len the transport payload
 * it declares, whatever the snap length cut; payload/payload_cap are the
 * bytes actually captured. Non-first IPv4/IPv6 fragments have no transport
 * header (frag = true, ports 0). Every read is checked against the captured
 * length; a frame that ends early is an error with a reason.
 */
#ifndef SP_PKT_PKT_H
#define SP_PKT_PKT_H

#include "core/ip.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SP_PKT_MAX_EXT 8  /* IPv6 extension headers walked */
#define SP_PKT_MAX_VLAN 4 /* stacked VLAN tags */

enum {
  SP_TCP_FIN = 1,
  SP_TCP_SYN = 2,
  SP_TCP_RST = 4,
  SP_TCP_PSH = 8,
  SP_TCP_ACK = 16,
  SP_TCP_URG = 32
};

typedef struct sp_pkt {
  uint16_t vlan; /* outermost VLAN id, 0 when untagged */
  uint8_t ipver; /* 4 or 6 */
  uint8_t proto; /* IP protocol: 6 TCP, 17 UDP, 1 ICMP, 58 ICMPv6 */
  bool frag;     /* a non-first fragment: no transport header */
  sp_ip src, dst;
  uint16_t sport, dport; /* ICMP: type and code, as Zeek's ports */
  uint32_t ip_len;       /* IP packet length per its header */
  uint32_t payload_len;  /* transport payload length per the headers */
  const uint8_t *payload;
  size_t payload_cap; /* captured payload bytes (<= payload_len) */
  uint8_t tcp_flags;
  uint32_t seq, ack;
} sp_pkt;

/* Decode a frame of link type dlt (pcap DLT_*); NULL on success, else a
 * static reason. */
const char *sp_pkt_decode(int dlt, const uint8_t *p, size_t caplen,
                          sp_pkt *out);

#endif
