/*
 * tls.c - ClientHello / ServerHello fingerprints (tls.h).
 *
 * A cursor (pos, end) walks the record; every length is checked before
 * use. JA3 is built as text in a bounded buffer and hashed with MD5; JA4's
 * hashes are SHA-256 (OpenSSL's EVP one-shots).
 */
#include "pkt/tls.h"

#include <ctype.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint16_t be16(const uint8_t *p) { return (uint16_t)(p[0] << 8 | p[1]); }

static bool grease(uint16_t v) {
  return (v & 0x0f0f) == 0x0a0a && (v >> 8) == (v & 0xff);
}

typedef struct list {
  uint16_t v[SP_TLS_MAX_LIST];
  size_t n;
} list;

static void add(list *l, uint16_t v) {
  if (!grease(v) && l->n < SP_TLS_MAX_LIST)
    l->v[l->n++] = v;
}

static size_t join_dec(char *o, size_t cap, const list *l) {
  size_t k = 0;
  for (size_t i = 0; i < l->n && k + 8 < cap; i++)
    k += (size_t)snprintf(o + k, cap - k, "%s%u", i ? "-" : "", l->v[i]);
  return k;
}

static int cmp16(const void *a, const void *b) {
  uint16_t x = *(const uint16_t *)a, y = *(const uint16_t *)b;
  return x < y ? -1 : x > y;
}

static void hex(const unsigned char *d, size_t n, char *out) {
  static const char h[] = "0123456789abcdef";
  for (size_t i = 0; i < n; i++) {
    out[2 * i] = h[d[i] >> 4];
    out[2 * i + 1] = h[d[i] & 15];
  }
  out[2 * n] = 0;
}

/* First 12 hex chars of SHA-256 of text, or "000000000000" when empty. */
static void sha12(const char *text, size_t n, char *out) {
  if (n == 0) {
    memcpy(out, "000000000000", 13);
    return;
  }
  unsigned char md[32];
  unsigned int len = 0;
  EVP_Digest(text, n, md, &len, EVP_sha256(), NULL);
  char full[65];
  hex(md, 32, full);
  memcpy(out, full, 12);
  out[12] = 0;
}

static size_t join_hex(char *o, size_t cap, const uint16_t *v, size_t n) {
  size_t k = 0;
  for (size_t i = 0; i < n && k + 6 < cap; i++)
    k += (size_t)snprintf(o + k, cap - k, "%s%04x", i ? "," : "", v[i]);
  return k;
}

static char ja4_version(uint16_t v) {
  switch (v) {
  case 0x0304:
    return '3';
  case 0x0303:
    return '2';
  case 0x0302:
    return '1';
  case 0x0301:
    return '0';
  default:
    return 0;
  }
}

const char *sp_tls_parse_hello(const uint8_t *p, size_t n, sp_tls_hello *h) {
  memset(h, 0, sizeof *h);
  if (n < 9 || p[0] != 22 || p[1] != 3)
    return "not a TLS handshake";
  size_t rec = be16(p + 3);
  const uint8_t *end = p + 5 + (rec < n - 5 ? rec : n - 5);
  const uint8_t *q = p + 5;
  if (end - q < 4)
    return "truncated handshake";
  if (q[0] != 1 && q[0] != 2)
    return "not a ClientHello or ServerHello";
  h->client = q[0] == 1;
  size_t hl = (size_t)q[1] << 16 | (size_t)q[2] << 8 | q[3];
  q += 4;
  if ((size_t)(end - q) > hl)
    end = q + hl;
  if (end - q < 2 + 32 + 1)
    return "truncated hello";
  uint16_t legacy = be16(q);
  h->version = legacy;
  q += 2 + 32;
  size_t sid = *q++;
  if ((size_t)(end - q) < sid)
    return "truncated hello";
  q += sid;
  list ciphers = {0}, exts = {0}, groups = {0}, pf = {0}, sigs = {0};
  if (h->client) {
    if (end - q < 2)
      return "truncated hello";
    size_t cl = be16(q);
    q += 2;
    if ((size_t)(end - q) < cl || (cl & 1))
      return "bad cipher list";
    for (size_t i = 0; i < cl; i += 2)
      add(&ciphers, be16(q + i));
    q += cl;
    if (end - q < 1)
      return "truncated hello";
    size_t comp = *q++;
    if ((size_t)(end - q) < comp)
      return "truncated hello";
    q += comp;
  } else {
    if (end - q < 3)
      return "truncated hello";
    h->cipher = be16(q);
    q += 3;
  }
  uint16_t best = 0;
  char alpn[2] = {'0', '0'};
  bool sni = false;
  if (end - q >= 2) {
    size_t el = be16(q);
    q += 2;
    if ((size_t)(end - q) < el)
      el = (size_t)(end - q);
    const uint8_t *ee = q + el;
    while (ee - q >= 4) {
      uint16_t type = be16(q), len = be16(q + 2);
      q += 4;
      if ((size_t)(ee - q) < len)
        break;
      const uint8_t *d = q;
      add(&exts, type);
      if (type == 0 && h->client && len >= 5) { /* server_name */
        size_t nl = be16(d + 3);
        if (d[2] == 0 && 5 + nl <= len) {
          sni = true;
          size_t c = nl < SP_TLS_SNI_MAX - 1 ? nl : SP_TLS_SNI_MAX - 1;
          memcpy(h->sni, d + 5, c);
          h->sni[c] = 0;
          h->sni_n = c;
        }
      } else if (type == 10 && len >= 2) { /* supported_groups */
        size_t gl = be16(d);
        for (size_t i = 2; i + 1 < len && i < gl + 2; i += 2)
          add(&groups, be16(d + i));
      } else if (type == 11 && len >= 1) { /* ec_point_formats */
        for (size_t i = 1; i < len && i <= d[0]; i++)
          add(&pf, d[i]);
      } else if (type == 13 && len >= 2) { /* signature_algorithms */
        size_t sl = be16(d);
        for (size_t i = 2; i + 1 < len && i < sl + 2; i += 2)
          add(&sigs, be16(d + i));
      } else if (type == 16 && len >= 4) { /* ALPN: first protocol */
        size_t pl = d[2];
        if (pl >= 1 && 3 + pl <= len) {
          alpn[0] = (char)d[3];
          alpn[1] = (char)d[3 + pl - 1];
        }
      } else if (type == 43) { /* supported_versions */
        if (h->client && len >= 1) {
          for (size_t i = 1; i + 1 < len + 0u && i <= d[0]; i += 2) {
            uint16_t v = be16(d + i);
            if (!grease(v) && v > best)
              best = v;
          }
        } else if (!h->client && len == 2) {
          h->version = be16(d);
        }
      }
      q += len;
    }
  }
  if (!h->client)
    return NULL;
  /* JA3 */
  char s[4096];
  size_t k = (size_t)snprintf(s, sizeof s, "%u,", legacy);
  k += join_dec(s + k, sizeof s - k, &ciphers);
  s[k++] = ',';
  k += join_dec(s + k, sizeof s - k - 2, &exts);
  s[k++] = ',';
  k += join_dec(s + k, sizeof s - k - 2, &groups);
  s[k++] = ',';
  k += join_dec(s + k, sizeof s - k - 1, &pf);
  unsigned char md[16];
  unsigned int ml = 0;
  EVP_Digest(s, k, md, &ml, EVP_md5(), NULL);
  hex(md, 16, h->ja3);
  /* JA4 */
  uint16_t ver = best ? best : legacy;
  char vc = ja4_version(ver);
  char a[16];
  if (!isprint((unsigned char)alpn[0]) || !isprint((unsigned char)alpn[1]))
    alpn[0] = alpn[1] = '9';
  snprintf(a, sizeof a, "t%c%c%c%02zu%02zu%c%c", vc ? '1' : '0', vc ? vc : '0',
           sni ? 'd' : 'i', ciphers.n > 99 ? 99 : ciphers.n,
           exts.n > 99 ? 99 : exts.n, alpn[0], alpn[1]);
  if (vc == 0) { /* SSL 3 / unknown: "s3" or "00" */
    a[1] = ver == 0x0300 ? 's' : '0';
    a[2] = ver == 0x0300 ? '3' : '0';
  }
  uint16_t sorted[SP_TLS_MAX_LIST];
  memcpy(sorted, ciphers.v, ciphers.n * sizeof sorted[0]);
  qsort(sorted, ciphers.n, sizeof sorted[0], cmp16);
  char b[13], c[13];
  k = join_hex(s, sizeof s, sorted, ciphers.n);
  sha12(s, k, b);
  size_t m = 0;
  for (size_t i = 0; i < exts.n; i++)
    if (exts.v[i] != 0 && exts.v[i] != 16)
      sorted[m++] = exts.v[i];
  qsort(sorted, m, sizeof sorted[0], cmp16);
  k = join_hex(s, sizeof s, sorted, m);
  if (sigs.n && k + 2 < sizeof s) {
    s[k++] = '_';
    k += join_hex(s + k, sizeof s - k, sigs.v, sigs.n);
  }
  sha12(s, m ? k : 0, c);
  snprintf(h->ja4, sizeof h->ja4, "%s_%s_%s", a, b, c);
  return NULL;
}

const char *sp_tls_version_name(uint16_t v) {
  switch (v) {
  case 0x0300:
    return "SSLv3";
  case 0x0301:
    return "TLSv10";
  case 0x0302:
    return "TLSv11";
  case 0x0303:
    return "TLSv12";
  case 0x0304:
    return "TLSv13";
  case 0x0002:
    return "SSLv2";
  case 0xfeff:
    return "DTLSv10";
  case 0xfefd:
    return "DTLSv12";
  default:
    return NULL;
  }
}
