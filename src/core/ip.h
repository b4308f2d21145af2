/*
 * ip.h - IPv4/IPv6 addresses as parsed values: parsing from evidence text,
 * CIDR ranges and canonical formatting.
 *
 * Every address is held as 16 bytes; IPv4 as the IPv4-mapped IPv6 address
 * ::ffff:a.b.c.d, so one comparison covers both families and an IPv4 CIDR is
 * a /96+n range. The parser accepts what logs write: dotted quads, RFC 4291
 * text forms (with embedded IPv4), brackets ("[::1]"), a zone ("fe80::1%eth0",
 * dropped) and, for bracketed or IPv4 text, a ":port" suffix (dropped). It
 * never reads past the slice and allocates nothing.
 */
#ifndef SP_CORE_IP_H
#define SP_CORE_IP_H

#include "core/str.h"

typedef struct sp_ip {
  uint8_t b[16];
} sp_ip;

/* Parse an address; false when s is not one. */
bool sp_ip_parse(sp_str s, sp_ip *out);
/* True for an IPv4 address (::ffff:0:0/96). */
bool sp_ip_is_v4(const sp_ip *ip);
/* Parse "addr/prefix" or a bare address (prefix 32 for IPv4, 128 for IPv6).
 * The returned prefix counts over the 128-bit form (IPv4 /n gives 96 + n). */
bool sp_cidr_parse(sp_str s, sp_ip *net, unsigned *prefix128);
/* True when ip is inside net/prefix128. */
bool sp_ip_in(const sp_ip *ip, const sp_ip *net, unsigned prefix128);
/* Canonical text: dotted quad for IPv4, RFC 5952 for IPv6. cap >= 46. */
size_t sp_ip_format(const sp_ip *ip, char *buf, size_t cap);
int sp_ip_cmp(const sp_ip *a, const sp_ip *b);

#endif
