/*
 * gen_pcap.c - writes a synthetic capture for bench/net.sh: Ethernet/IPv4
 * TCP connections (handshake, an HTTP request or a TLS ClientHello, a
 * server reply of full-size segments with client ACKs, FIN close) mixed
 * with UDP DNS query/response pairs, from 5,000 client addresses to 20,000
 * servers, interleaved so that many connections are open at once. About
 * SIZE bytes of pcap; deterministic for a seed.
 * usage: gen_pcap OUT SIZE_BYTES [SEED]
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint64_t rs;
static uint32_t rnd(void) {
  rs ^= rs << 13;
  rs ^= rs >> 7;
  rs ^= rs << 17;
  return (uint32_t)(rs >> 16);
}

static FILE *out;
static uint64_t written;
static uint64_t now_us = 1711929600ull * 1000000ull;

static void w16(uint8_t *p, unsigned v) {
  p[0] = (uint8_t)(v >> 8);
  p[1] = (uint8_t)v;
}
static void w32(uint8_t *p, uint32_t v) {
  w16(p, v >> 16);
  w16(p + 2, v & 0xffff);
}

static void frame(uint32_t src, uint32_t dst, uint8_t proto, uint16_t sp,
                  uint16_t dp, uint32_t seq, uint32_t ack, uint8_t flags,
                  const uint8_t *pay, size_t n) {
  uint8_t f[1600];
  memset(f, 0, 54);
  f[0] = 2;
  f[6] = 2;
  f[11] = 1;
  w16(f + 12, 0x0800);
  size_t l4 = proto == 6 ? 20 : 8;
  f[14] = 0x45;
  w16(f + 16, (unsigned)(20 + l4 + n));
  f[22] = 64;
  f[23] = proto;
  w32(f + 26, src);
  w32(f + 30, dst);
  uint8_t *t = f + 34;
  w16(t, sp);
  w16(t + 2, dp);
  if (proto == 6) {
    w32(t + 4, seq);
    w32(t + 8, ack);
    t[12] = 0x50;
    t[13] = flags;
    w16(t + 14, 65535);
  } else {
    w16(t + 4, (unsigned)(8 + n));
  }
  memcpy(t + l4, pay, n);
  size_t len = 34 + l4 + n;
  now_us += rnd() % 50;
  uint32_t h[4] = {(uint32_t)(now_us / 1000000), (uint32_t)(now_us % 1000000),
                   (uint32_t)len, (uint32_t)len};
  fwrite(h, 4, 4, out);
  fwrite(f, 1, len, out);
  written += 16 + len;
}

typedef struct conn {
  uint32_t c, s;
  uint16_t cp, sp;
  uint32_t cseq, sseq;
  int step, segs;
} conn;

int main(int argc, char **argv) {
  if (argc < 3) {
    fprintf(stderr, "usage: gen_pcap OUT SIZE_BYTES [SEED]\n");
    return 2;
  }
  uint64_t size = strtoull(argv[2], NULL, 10);
  rs = argc > 3 ? strtoull(argv[3], NULL, 10) * 2654435761u + 1
                : 88172645463325252ull;
  out = fopen(argv[1], "wb");
  if (!out)
    return 1;
  uint32_t gh[6] = {0xa1b2c3d4, 0x00040002, 0, 0, 65535, 1};
  fwrite(gh, 4, 6, out);
  static uint8_t data[1460];
  for (size_t i = 0; i < sizeof data; i++)
    data[i] = (uint8_t)(' ' + i % 90);
  static const char req[] =
      "GET /static/app.js?v=3 HTTP/1.1\r\nHost: cdn.example.com\r\n"
      "User-Agent: Mozilla/5.0 (Windows NT 10.0; Win64; x64)\r\n"
      "Accept: */*\r\n\r\n";
  static const char rsp[] = "HTTP/1.1 200 OK\r\nContent-Length: 40000\r\n\r\n";
  uint8_t hello[200] = {22, 3, 1, 0, 100, 1, 0, 0, 96, 3, 3};
  hello[43] = 0; /* session id */
  hello[45] = 4; /* ciphers */
  hello[46] = 0x13;
  hello[47] = 0x01;
  hello[48] = 0xc0;
  hello[49] = 0x2b;
  hello[50] = 1; /* compression */
  hello[52] = 0;
  hello[53] = 41; /* extensions */
  hello[55] = 0;  /* SNI */
  hello[57] = 19;
  hello[59] = 17;
  hello[61] = 0;
  hello[62] = 14;
  memcpy(hello + 63, "www.example.org", 15);
  enum { OPEN = 512 };
  conn cs[OPEN];
  memset(cs, 0, sizeof cs);
  while (written < size) {
    conn *k = &cs[rnd() % OPEN];
    if (k->step == 0) {
      uint32_t h = rnd() % 5000, s = rnd() % 20000;
      k->c = 0x0a000000u | (h / 250) << 16 | (h % 250) << 8 | 1;
      k->s = 0x17000000u + s * 97;
      k->cp = (uint16_t)(1024 + rnd() % 60000);
      k->sp = rnd() % 3 ? 80 : 443;
      k->cseq = rnd();
      k->sseq = rnd();
      k->segs = 10 + rnd() % 40;
      if (rnd() % 8 == 0) { /* a DNS exchange instead */
        uint8_t q[64] = {0x12, 0x34, 1,   0,   0,   1,   0,   0,   0,
                         0,    0,    0,   3,   'w', 'w', 'w', 7,   'e',
                         'x',  'a',  'm', 'p', 'l', 'e', 3,   'c', 'o',
                         'm',  0,    0,   1,   0,   1};
        frame(k->c, 0x0a000001, 17, k->cp, 53, 0, 0, 0, q, 33);
        q[2] = 0x81;
        q[3] = 0x80;
        q[7] = 1;
        uint8_t a[16] = {0xc0, 12, 0, 1, 0,  1,   0,   0,
                         0,    60, 0, 4, 93, 184, 216, 34};
        memcpy(q + 33, a, 16);
        frame(0x0a000001, k->c, 17, 53, k->cp, 0, 0, 0, q, 49);
        continue;
      }
    }
    switch (k->step) {
    case 0:
      frame(k->c, k->s, 6, k->cp, k->sp, k->cseq, 0, 0x02, NULL, 0);
      break;
    case 1:
      frame(k->s, k->c, 6, k->sp, k->cp, k->sseq, k->cseq + 1, 0x12, NULL, 0);
      break;
    case 2:
      k->cseq++;
      k->sseq++;
      frame(k->c, k->s, 6, k->cp, k->sp, k->cseq, k->sseq, 0x10, NULL, 0);
      break;
    case 3: {
      const uint8_t *p = k->sp == 80 ? (const uint8_t *)req : hello;
      size_t n = k->sp == 80 ? sizeof req - 1 : 104;
      frame(k->c, k->s, 6, k->cp, k->sp, k->cseq, k->sseq, 0x18, p, n);
      k->cseq += (uint32_t)n;
      break;
    }
    default:
      if (k->segs-- > 0) {
        const uint8_t *p =
            k->step == 4 && k->sp == 80 ? (const uint8_t *)rsp : data;
        size_t n = p == data ? sizeof data : sizeof rsp - 1;
        frame(k->s, k->c, 6, k->sp, k->cp, k->sseq, k->cseq, 0x18, p, n);
        k->sseq += (uint32_t)n;
        if (k->segs % 2 == 0)
          frame(k->c, k->s, 6, k->cp, k->sp, k->cseq, k->sseq, 0x10, NULL, 0);
      } else {
        frame(k->c, k->s, 6, k->cp, k->sp, k->cseq, k->sseq, 0x11, NULL, 0);
        frame(k->s, k->c, 6, k->sp, k->cp, k->sseq, k->cseq + 1, 0x11, NULL, 0);
        frame(k->c, k->s, 6, k->cp, k->sp, k->cseq + 1, k->sseq + 1, 0x10, NULL,
              0);
        k->step = 0;
        continue;
      }
    }
    k->step++;
  }
  fclose(out);
  return 0;
}
