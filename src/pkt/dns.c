/*
 * dns.c - DNS message parsing (dns.h). A cursor over the message; names
 * follow compression pointers with a jump budget, so loops end.
 */
#include "pkt/dns.h"

#include "core/ip.h"

#include <stdio.h>
#include <string.h>

static uint16_t be16(const uint8_t *p) { return (uint16_t)(p[0] << 8 | p[1]); }

/* Read the name at *off; write up to cap-1 bytes of dotted text into out
 * (lower-cased when lower). Advances *off past the name as stored. */
static bool read_name(const uint8_t *p, size_t n, size_t *off, char *out,
                      size_t cap, size_t *out_n, bool lower) {
  size_t o = 0, pos = *off;
  bool jumped = false;
  int jumps = 0;
  out[0] = 0; /* terminated whatever happens below */
  for (;;) {
    if (pos >= n)
      return false;
    uint8_t l = p[pos];
    if ((l & 0xc0) == 0xc0) {
      if (pos + 1 >= n || ++jumps > SP_DNS_MAX_PTR)
        return false;
      size_t to = (size_t)(l & 0x3f) << 8 | p[pos + 1];
      if (!jumped)
        *off = pos + 2;
      jumped = true;
      pos = to;
      continue;
    }
    if (l & 0xc0)
      return false; /* extended label types: not in use */
    pos++;
    if (l == 0)
      break;
    if (pos + l > n)
      return false;
    if (o && o + 1 < cap)
      out[o++] = '.';
    for (size_t i = 0; i < l && o + 1 < cap; i++) {
      unsigned char c = p[pos + i];
      if (c < 0x20 || c >= 0x7f) { /* binary label bytes: \xHH, as Zeek */
        static const char hx[] = "0123456789abcdef";
        if (o + 5 > cap)
          break;
        out[o++] = '\\';
        out[o++] = 'x';
        out[o++] = hx[c >> 4];
        out[o++] = hx[c & 15];
        continue;
      }
      out[o++] = (char)(lower && c >= 'A' && c <= 'Z' ? c + 32 : c);
    }
    out[o] = 0;
    pos += l;
  }
  if (!jumped)
    *off = pos;
  out[o] = 0;
  *out_n = o;
  return true;
}

static void render_answer(const uint8_t *p, size_t n, size_t rd, uint16_t type,
                          uint16_t rdlen, char *out, size_t cap) {
  out[0] = 0;
  size_t tmp_n;
  size_t off = rd;
  switch (type) {
  case 1:
    if (rdlen == 4)
      snprintf(out, cap, "%u.%u.%u.%u", p[rd], p[rd + 1], p[rd + 2], p[rd + 3]);
    break;
  case 28:
    if (rdlen == 16) {
      sp_ip ip;
      memcpy(ip.b, p + rd, 16);
      sp_ip_format(&ip, out, cap);
    }
    break;
  case 2:
  case 5:
  case 6:
  case 12:
  case 39:
    (void)read_name(p, n, &off, out, cap, &tmp_n, true);
    break;
  case 15:
    off = rd + 2;
    if (rdlen > 2)
      (void)read_name(p, n, &off, out, cap, &tmp_n, true);
    break;
  case 33:
    off = rd + 6;
    if (rdlen > 6)
      (void)read_name(p, n, &off, out, cap, &tmp_n, true);
    break;
  case 16: { /* TXT <len> <text> per string, space separated */
    size_t o = 0, q = rd, e = rd + rdlen;
    while (q < e && o + 16 < cap) {
      size_t l = p[q++];
      if (q + l > e)
        break;
      int w = snprintf(out + o, cap - o, "%sTXT %zu ", o ? " " : "", l);
      if (w < 0 || (size_t)w >= cap - o)
        break;
      o += (size_t)w;
      for (size_t i = 0; i < l && o + 1 < cap; i++)
        out[o++] = (char)p[q + i];
      out[o] = 0;
      q += l;
    }
    break;
  }
  case 46: /* RRSIG <type covered> <signer> */
    if (rdlen > 18) {
      int w =
          snprintf(out, cap, "RRSIG %u ", (unsigned)(p[rd] << 8 | p[rd + 1]));
      off = rd + 18;
      if (w > 0 && (size_t)w < cap)
        (void)read_name(p, n, &off, out + w, cap - (size_t)w, &tmp_n, true);
    }
    break;
  case 48: /* DNSKEY <algorithm> */
    if (rdlen >= 4)
      snprintf(out, cap, "DNSKEY %u", p[rd + 3]);
    break;
  case 43: /* DS <algorithm> <digest type> */
    if (rdlen >= 4)
      snprintf(out, cap, "DS %u %u", p[rd + 2], p[rd + 3]);
    break;
  case 51:
    snprintf(out, cap, "NSEC3PARAM");
    break;
  case 65534: /* BIND's private record */
    snprintf(out, cap, "BIND9 signing signal");
    break;
  default:
    break;
  }
}

const char *sp_dns_parse(const uint8_t *p, size_t n, sp_dns_msg *m) {
  memset(m, 0, offsetof(sp_dns_msg, ans));
  if (n < 12)
    return "DNS message shorter than its header";
  m->id = be16(p);
  uint16_t fl = be16(p + 2);
  m->qr = fl >> 15;
  m->opcode = (fl >> 11) & 15;
  m->aa = (fl >> 10) & 1;
  m->tc = (fl >> 9) & 1;
  m->rd = (fl >> 8) & 1;
  m->ra = (fl >> 7) & 1;
  m->z = (fl >> 4) & 7;
  m->rcode = fl & 15;
  m->qdcount = be16(p + 4);
  m->ancount = be16(p + 6);
  size_t off = 12;
  for (unsigned q = 0; q < m->qdcount; q++) {
    char name[SP_DNS_NAME_MAX];
    size_t nn;
    if (!read_name(p, n, &off, name, sizeof name, &nn, true) || off + 4 > n)
      return q ? NULL : "bad DNS question";
    if (q == 0) {
      memcpy(m->query, name, nn + 1);
      m->query_n = nn;
      m->qtype = be16(p + off);
      m->qclass = be16(p + off + 2);
      m->have_q = true;
    }
    off += 4;
  }
  for (unsigned a = 0; a < m->ancount; a++) {
    char name[SP_DNS_NAME_MAX];
    size_t nn;
    if (!read_name(p, n, &off, name, sizeof name, &nn, false) || off + 10 > n)
      return NULL; /* what was read stays */
    uint16_t type = be16(p + off);
    uint32_t ttl = (uint32_t)be16(p + off + 4) << 16 | be16(p + off + 6);
    uint16_t rdlen = be16(p + off + 8);
    off += 10;
    if (off + rdlen > n)
      return NULL;
    if (m->n_ans < SP_DNS_MAX_ANS) {
      render_answer(p, n, off, type, rdlen, m->ans[m->n_ans], SP_DNS_ANS_MAX);
      if (m->ans[m->n_ans][0]) {
        m->ttl[m->n_ans] = ttl;
        m->n_ans++;
      }
    } else {
      m->n_ans_dropped++;
    }
    off += rdlen;
  }
  return NULL;
}

const char *sp_dns_type_name(uint16_t t) {
  static const struct {
    uint16_t t;
    const char *n;
  } k[] = {{1, "A"},      {2, "NS"},          {5, "CNAME"},  {6, "SOA"},
           {10, "NULL"},  {12, "PTR"},        {13, "HINFO"}, {15, "MX"},
           {16, "TXT"},   {17, "RP"},         {18, "AFSDB"}, {24, "SIG"},
           {25, "KEY"},   {28, "AAAA"},       {29, "LOC"},   {33, "SRV"},
           {35, "NAPTR"}, {39, "DNAME"},      {41, "OPT"},   {43, "DS"},
           {44, "SSHFP"}, {46, "RRSIG"},      {47, "NSEC"},  {48, "DNSKEY"},
           {50, "NSEC3"}, {51, "NSEC3PARAM"}, {52, "TLSA"},  {64, "SVCB"},
           {65, "HTTPS"}, {30, "NXT"},        {99, "SPF"},   {249, "TKEY"},
           {250, "TSIG"}, {251, "IXFR"},      {252, "AXFR"}, {255, "*"},
           {257, "CAA"},  {11, "WKS"},        {32769, "DLV"}};
  for (size_t i = 0; i < sizeof k / sizeof k[0]; i++)
    if (k[i].t == t)
      return k[i].n;
  return NULL;
}

const char *sp_dns_rcode_name(uint8_t r) {
  static const char *const names[] = {
      "NOERROR",  "FORMERR", "SERVFAIL", "NXDOMAIN", "NOTIMP", "REFUSED",
      "YXDOMAIN", "YXRRSET", "NXRRSET",  "NOTAUTH",  "NOTZONE"};
  return r < sizeof names / sizeof names[0] ? names[r] : NULL;
}
