/*
 * ip.c - address parsing, CIDR matching and canonical formatting (ip.h).
 * Hand-written rather than inet_pton() because evidence slices are not
 * NUL-terminated and carry brackets, zones and ports.
 */
#include "core/ip.h"

#include <stdio.h>

static int hexval(int c) {
  if (c >= '0' && c <= '9')
    return c - '0';
  c = sp_lower(c);
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  return -1;
}

/* Dotted quad, exactly 4 parts of 1-3 digits each <= 255. */
static bool parse_v4(const char *p, size_t n, uint8_t out[4]) {
  size_t i = 0;
  for (int part = 0; part < 4; part++) {
    if (part) {
      if (i >= n || p[i] != '.')
        return false;
      i++;
    }
    unsigned v = 0, digits = 0;
    while (i < n && p[i] >= '0' && p[i] <= '9' && digits < 4) {
      v = v * 10 + (unsigned)(p[i] - '0');
      i++;
      digits++;
    }
    if (digits == 0 || digits > 3 || v > 255)
      return false;
    out[part] = (uint8_t)v;
  }
  return i == n;
}

static bool parse_v6(const char *p, size_t n, uint8_t out[16]) {
  uint16_t w[8] = {0};
  int nw = 0, gap = -1;
  size_t i = 0;
  if (n >= 2 && p[0] == ':' && p[1] == ':') {
    gap = 0;
    i = 2;
    if (i == n)
      goto done;
  } else if (n && p[0] == ':') {
    return false;
  }
  while (i < n) {
    if (nw >= 8)
      return false;
    /* An embedded IPv4 address ends the text. */
    size_t j = i;
    while (j < n && p[j] != ':' && p[j] != '.')
      j++;
    if (j < n && p[j] == '.') {
      uint8_t v4[4];
      if (nw > 6 || !parse_v4(p + i, n - i, v4))
        return false;
      w[nw++] = (uint16_t)(v4[0] << 8 | v4[1]);
      w[nw++] = (uint16_t)(v4[2] << 8 | v4[3]);
      i = n;
      break;
    }
    unsigned v = 0, digits = 0;
    while (i < n && digits < 5 && hexval((unsigned char)p[i]) >= 0) {
      v = v << 4 | (unsigned)hexval((unsigned char)p[i]);
      i++;
      digits++;
    }
    if (digits == 0 || digits > 4)
      return false;
    w[nw++] = (uint16_t)v;
    if (i == n)
      break;
    if (p[i] != ':')
      return false;
    i++;
    if (i < n && p[i] == ':') {
      if (gap >= 0)
        return false;
      gap = nw;
      i++;
      if (i == n)
        break;
    } else if (i == n) {
      return false; /* trailing single ':' */
    }
  }
done:
  if (gap < 0 && nw != 8)
    return false;
  if (gap >= 0 && nw > 7)
    return false;
  uint16_t full[8] = {0};
  if (gap < 0) {
    memcpy(full, w, sizeof full);
  } else {
    for (int k = 0; k < gap; k++)
      full[k] = w[k];
    int tail = nw - gap;
    for (int k = 0; k < tail; k++)
      full[8 - tail + k] = w[gap + k];
  }
  for (int k = 0; k < 8; k++) {
    out[2 * k] = (uint8_t)(full[k] >> 8);
    out[2 * k + 1] = (uint8_t)full[k];
  }
  return true;
}

static void set_v4(sp_ip *out, const uint8_t v4[4]) {
  memset(out->b, 0, 10);
  out->b[10] = out->b[11] = 0xff;
  memcpy(out->b + 12, v4, 4);
}

/* A port: 1 to 5 decimal digits, at most 65535. */
static bool is_port(const char *p, size_t n) {
  uint64_t v;
  return n >= 1 && n <= 5 && sp_str_to_u64(sp_str_make(p, n), 65535, &v);
}

bool sp_ip_parse(sp_str s, sp_ip *out) {
  const char *p = s.p;
  size_t n = s.n;
  if (n == 0 || n > 64)
    return false;
  if (p[0] == '[') {
    const char *rb = memchr(p, ']', n);
    if (!rb)
      return false;
    size_t rest = n - (size_t)(rb - p) - 1;
    if (rest && (rb[1] != ':' || !is_port(rb + 2, rest - 1)))
      return false;
    p++;
    n = (size_t)(rb - p);
  }
  const char *pct = memchr(p, '%', n);
  if (pct)
    n = (size_t)(pct - p);
  uint8_t v4[4];
  const char *colon = memchr(p, ':', n);
  if (!colon) {
    if (!parse_v4(p, n, v4))
      return false;
    set_v4(out, v4);
    return true;
  }
  /* "1.2.3.4:5555": IPv4 with a port. */
  size_t after = n - (size_t)(colon - p) - 1;
  if (!memchr(colon + 1, ':', after)) {
    if (!parse_v4(p, (size_t)(colon - p), v4) || !is_port(colon + 1, after))
      return false;
    set_v4(out, v4);
    return true;
  }
  return parse_v6(p, n, out->b);
}

bool sp_ip_is_v4(const sp_ip *ip) {
  static const uint8_t pfx[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  return memcmp(ip->b, pfx, 12) == 0;
}

bool sp_cidr_parse(sp_str s, sp_ip *net, unsigned *prefix128) {
  const char *slash = s.n ? memchr(s.p, '/', s.n) : NULL;
  sp_str a = slash ? sp_str_make(s.p, (size_t)(slash - s.p)) : s;
  if (!sp_ip_parse(a, net))
    return false;
  bool v4 = sp_ip_is_v4(net) && !memchr(a.p, ':', a.n);
  unsigned max = v4 ? 32 : 128, pl = max;
  if (slash) {
    uint64_t v;
    sp_str d = sp_str_make(slash + 1, s.n - (size_t)(slash - s.p) - 1);
    if (!sp_str_to_u64(d, max, &v))
      return false;
    pl = (unsigned)v;
  }
  *prefix128 = v4 ? 96 + pl : pl;
  /* Clear host bits so equal ranges compare equal. */
  for (unsigned bit = *prefix128; bit < 128; bit++)
    net->b[bit / 8] &= (uint8_t) ~(0x80u >> (bit % 8));
  return true;
}

bool sp_ip_in(const sp_ip *ip, const sp_ip *net, unsigned prefix128) {
  if (prefix128 > 128)
    return false;
  unsigned full = prefix128 / 8, rem = prefix128 % 8;
  if (memcmp(ip->b, net->b, full) != 0)
    return false;
  if (!rem)
    return true;
  uint8_t mask = (uint8_t)(0xff00u >> rem);
  return (ip->b[full] & mask) == (net->b[full] & mask);
}

size_t sp_ip_format(const sp_ip *ip, char *buf, size_t cap) {
  int r;
  if (sp_ip_is_v4(ip)) {
    r = snprintf(buf, cap, "%u.%u.%u.%u", ip->b[12], ip->b[13], ip->b[14],
                 ip->b[15]);
    return r < 0 ? 0 : (size_t)r;
  }
  uint16_t w[8];
  for (int k = 0; k < 8; k++)
    w[k] = (uint16_t)(ip->b[2 * k] << 8 | ip->b[2 * k + 1]);
  /* RFC 5952 4.2: the longest run of two or more zero words, first wins. */
  int best = -1, best_len = 0;
  for (int k = 0; k < 8;) {
    if (w[k]) {
      k++;
      continue;
    }
    int j = k;
    while (j < 8 && !w[j])
      j++;
    if (j - k > best_len && j - k >= 2) {
      best = k;
      best_len = j - k;
    }
    k = j;
  }
  size_t o = 0;
  for (int k = 0; k < 8; k++) {
    if (k == best) {
      r = snprintf(buf + o, o < cap ? cap - o : 0, "::");
      o += (size_t)r;
      k += best_len - 1;
      continue;
    }
    bool sep = k > 0 && !(best >= 0 && k == best + best_len);
    r = snprintf(buf + o, o < cap ? cap - o : 0, sep ? ":%x" : "%x", w[k]);
    o += (size_t)r;
  }
  return o < cap ? o : (cap ? cap - 1 : 0);
}

int sp_ip_cmp(const sp_ip *a, const sp_ip *b) { return memcmp(a->b, b->b, 16); }
