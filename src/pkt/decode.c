/*
 * decode.c - frame to transport header (pkt.h). Every access goes through
 * the captured length; nothing is allocated.
 */
#include "pkt/pkt.h"

#include <string.h>

static uint16_t be16(const uint8_t *p) { return (uint16_t)(p[0] << 8 | p[1]); }
static uint32_t be32(const uint8_t *p) {
  return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 |
         p[3];
}

static void v4(sp_ip *ip, const uint8_t *a) {
  memset(ip->b, 0, 10);
  ip->b[10] = ip->b[11] = 0xff;
  memcpy(ip->b + 12, a, 4);
}

/* Transport header at p (cap bytes captured, len declared). */
static const char *transport(sp_pkt *k, const uint8_t *p, size_t cap,
                             size_t len) {
  if (cap > len)
    cap = len;
  switch (k->proto) {
  case 6: {
    if (cap < 20)
      return "truncated TCP header";
    size_t off = (size_t)(p[12] >> 4) * 4;
    if (off < 20 || off > cap)
      return "bad TCP data offset";
    k->sport = be16(p);
    k->dport = be16(p + 2);
    k->seq = be32(p + 4);
    k->ack = be32(p + 8);
    k->tcp_flags = p[13] & 0x3f;
    k->payload = p + off;
    k->payload_cap = cap - off;
    k->payload_len = (uint32_t)(len >= off ? len - off : 0);
    return NULL;
  }
  case 17: {
    if (cap < 8)
      return "truncated UDP header";
    k->sport = be16(p);
    k->dport = be16(p + 2);
    k->payload = p + 8;
    k->payload_cap = cap - 8;
    k->payload_len = (uint32_t)(len >= 8 ? len - 8 : 0);
    return NULL;
  }
  case 1:
  case 58: {
    if (cap < 4)
      return "truncated ICMP header";
    k->sport = p[0];
    k->dport = p[1];
    k->payload = p + 4;
    k->payload_cap = cap - 4;
    k->payload_len = (uint32_t)(len >= 4 ? len - 4 : 0);
    return NULL;
  }
  default:
    k->payload = p;
    k->payload_cap = cap;
    k->payload_len = (uint32_t)len;
    return NULL;
  }
}

static const char *ipv4(sp_pkt *k, const uint8_t *p, size_t cap) {
  if (cap < 20)
    return "truncated IPv4 header";
  if ((p[0] >> 4) != 4)
    return "not IPv4";
  size_t ihl = (size_t)(p[0] & 15) * 4;
  size_t tot = be16(p + 2);
  if (ihl < 20 || ihl > cap)
    return "bad IPv4 header length";
  if (tot < ihl)
    tot = cap; /* TSO frames carry 0: trust the capture */
  k->ipver = 4;
  k->proto = p[9];
  v4(&k->src, p + 12);
  v4(&k->dst, p + 16);
  k->ip_len = (uint32_t)tot;
  uint16_t fo = be16(p + 6);
  if (fo & 0x1fff) {
    k->frag = true;
    k->payload = p + ihl;
    k->payload_cap = 0;
    k->payload_len = (uint32_t)(tot - ihl);
    return NULL;
  }
  return transport(k, p + ihl, cap - ihl, tot - ihl);
}

static const char *ipv6(sp_pkt *k, const uint8_t *p, size_t cap) {
  if (cap < 40)
    return "truncated IPv6 header";
  if ((p[0] >> 4) != 6)
    return "not IPv6";
  size_t plen = be16(p + 4);
  k->ipver = 6;
  memcpy(k->src.b, p + 8, 16);
  memcpy(k->dst.b, p + 24, 16);
  k->ip_len = (uint32_t)(plen + 40);
  uint8_t nh = p[6];
  size_t off = 40;
  for (int i = 0; i < SP_PKT_MAX_EXT; i++) {
    if (nh != 0 && nh != 43 && nh != 44 && nh != 60)
      break;
    if (off + 8 > cap)
      return "truncated IPv6 extension header";
    uint8_t next = p[off];
    size_t hl = nh == 44 ? 8 : ((size_t)p[off + 1] + 1) * 8;
    if (nh == 44 && (be16(p + off + 2) & 0xfff8)) {
      k->proto = next;
      k->frag = true;
      k->payload_cap = 0;
      return NULL;
    }
    nh = next;
    off += hl;
  }
  if (off > cap)
    return "truncated IPv6 extension header";
  k->proto = nh;
  size_t len = plen + 40 >= off ? plen + 40 - off : 0;
  return transport(k, p + off, cap - off, len);
}

static const char *l3(sp_pkt *k, uint16_t et, const uint8_t *p, size_t cap) {
  if (et == 0x0800)
    return ipv4(k, p, cap);
  if (et == 0x86dd)
    return ipv6(k, p, cap);
  return "not IP";
}

const char *sp_pkt_decode(int dlt, const uint8_t *p, size_t cap, sp_pkt *k) {
  memset(k, 0, sizeof *k);
  switch (dlt) {
  case 1: { /* Ethernet */
    if (cap < 14)
      return "truncated Ethernet header";
    uint16_t et = be16(p + 12);
    size_t off = 14;
    for (int i = 0;
         i < SP_PKT_MAX_VLAN && (et == 0x8100 || et == 0x88a8 || et == 0x9100);
         i++) {
      if (off + 4 > cap)
        return "truncated VLAN tag";
      if (!k->vlan)
        k->vlan = be16(p + off) & 0x0fff;
      et = be16(p + off + 2);
      off += 4;
    }
    return l3(k, et, p + off, cap - off);
  }
  case 113: /* Linux cooked v1 */
    if (cap < 16)
      return "truncated SLL header";
    return l3(k, be16(p + 14), p + 16, cap - 16);
  case 276: /* Linux cooked v2 */
    if (cap < 20)
      return "truncated SLL2 header";
    return l3(k, be16(p), p + 20, cap - 20);
  case 0:   /* BSD loopback, host byte order family */
  case 108: /* OpenBSD loopback, network order */
  {
    if (cap < 4)
      return "truncated loopback header";
    uint32_t fam =
        dlt == 108
            ? be32(p)
            : (uint32_t)(p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24);
    if (fam > 0xffff)
      fam = be32(p);
    if (fam == 2)
      return ipv4(k, p + 4, cap - 4);
    if (fam == 24 || fam == 28 || fam == 30 || fam == 10)
      return ipv6(k, p + 4, cap - 4);
    return "not IP";
  }
  case 12:
  case 14:
  case 101: /* raw IP */
  case 228:
  case 229:
    if (cap < 1)
      return "empty frame";
    return (p[0] >> 4) == 6 ? ipv6(k, p, cap) : ipv4(k, p, cap);
  default:
    return "unsupported link type";
  }
}
