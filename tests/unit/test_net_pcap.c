/*
 * test_net_pcap.c - the pcap reader and its protocol parsers on captures
 * built here, byte by byte, from the specs (pcap file format, Ethernet,
 * 802.1Q, IPv4 RFC 791, IPv6 RFC 8200, TCP RFC 9293, UDP, DNS RFC 1035,
 * HTTP/1.1 RFC 9112, TLS 1.3 ClientHello RFC 8446): a TCP connection with
 * an HTTP request and response closed with FINs (conn_state SF, history
 * ShADadFf, Zeek's byte counts), a rejected SYN (REJ), a lone SYN (S0), a
 * DNS query and answer over UDP in a VLAN over IPv6, and a TLS ClientHello
 * whose JA3 and JA4 are computed here from their published definitions.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "nettest.h"
#include "pkt/dns.h"
#include "pkt/flow.h"
#include "pkt/tls.h"

#include <openssl/evp.h>

typedef struct buf {
  uint8_t *p;
  size_t n, cap;
} buf;

static void put(buf *b, const void *d, size_t n) {
  if (b->n + n > b->cap) {
    b->cap = (b->n + n) * 2 + 4096;
    b->p = realloc(b->p, b->cap);
    assert_non_null(b->p);
  }
  memcpy(b->p + b->n, d, n);
  b->n += n;
}
static void u8(buf *b, unsigned v) {
  uint8_t x = (uint8_t)v;
  put(b, &x, 1);
}
static void be16(buf *b, unsigned v) {
  u8(b, v >> 8);
  u8(b, v);
}
static void be32(buf *b, uint32_t v) {
  be16(b, v >> 16);
  be16(b, v & 0xffff);
}
static void le32(buf *b, uint32_t v) {
  u8(b, v);
  u8(b, v >> 8);
  u8(b, v >> 16);
  u8(b, v >> 24);
}

static uint16_t csum(const uint8_t *p, size_t n) {
  uint32_t s = 0;
  for (size_t i = 0; i + 1 < n; i += 2)
    s += (uint32_t)(p[i] << 8 | p[i + 1]);
  if (n & 1)
    s += (uint32_t)p[n - 1] << 8;
  while (s >> 16)
    s = (s & 0xffff) + (s >> 16);
  return (uint16_t)~s;
}

/* One pcap record: Ethernet, optional VLAN, IPv4 or IPv6, TCP or UDP. */
typedef struct pk {
  uint32_t sec, usec;
  int v6;
  uint16_t vlan;
  const char *src, *dst; /* "10.0.0.1" or "2001:db8::1" */
  uint8_t proto;
  uint16_t sport, dport;
  uint32_t seq, ack;
  uint8_t flags;
  const void *pay;
  size_t pay_n;
} pk;

static void record(buf *out, const pk *k) {
  buf f = {0};
  u8(&f, 0x02); /* dst MAC */
  for (int i = 0; i < 5; i++)
    u8(&f, 0x11);
  u8(&f, 0x02); /* src MAC */
  for (int i = 0; i < 5; i++)
    u8(&f, 0x22);
  if (k->vlan) {
    be16(&f, 0x8100);
    be16(&f, k->vlan);
  }
  be16(&f, k->v6 ? 0x86dd : 0x0800);
  size_t l4 = k->proto == 6 ? 20 : 8;
  size_t ip_len = (k->v6 ? 40 : 20) + l4 + k->pay_n;
  sp_ip s, d;
  assert_true(sp_ip_parse(sp_str_make(k->src, strlen(k->src)), &s));
  assert_true(sp_ip_parse(sp_str_make(k->dst, strlen(k->dst)), &d));
  if (k->v6) {
    be32(&f, 0x60000000);
    be16(&f, (unsigned)(l4 + k->pay_n));
    u8(&f, k->proto);
    u8(&f, 64);
    put(&f, s.b, 16);
    put(&f, d.b, 16);
  } else {
    size_t h = f.n;
    u8(&f, 0x45);
    u8(&f, 0);
    be16(&f, (unsigned)ip_len);
    be16(&f, 1);
    be16(&f, 0x4000);
    u8(&f, 64);
    u8(&f, k->proto);
    be16(&f, 0);
    put(&f, s.b + 12, 4);
    put(&f, d.b + 12, 4);
    uint16_t c = csum(f.p + h, 20);
    f.p[h + 10] = (uint8_t)(c >> 8);
    f.p[h + 11] = (uint8_t)c;
  }
  be16(&f, k->sport);
  be16(&f, k->dport);
  if (k->proto == 6) {
    be32(&f, k->seq);
    be32(&f, k->ack);
    u8(&f, 5 << 4);
    u8(&f, k->flags);
    be16(&f, 65535);
    be16(&f, 0);
    be16(&f, 0);
  } else {
    be16(&f, (unsigned)(8 + k->pay_n));
    be16(&f, 0);
  }
  if (k->pay_n)
    put(&f, k->pay, k->pay_n);
  le32(out, k->sec);
  le32(out, k->usec);
  le32(out, (uint32_t)f.n);
  le32(out, (uint32_t)f.n);
  put(out, f.p, f.n);
  free(f.p);
}

static void header(buf *b) {
  le32(b, 0xa1b2c3d4);
  u8(b, 2);
  u8(b, 0);
  u8(b, 4);
  u8(b, 0);
  le32(b, 0);
  le32(b, 0);
  le32(b, 65535);
  le32(b, 1); /* Ethernet */
}

enum { FIN = 1, SYN = 2, RST = 4, PSH = 8, ACK = 16 };

static const char req[] = "GET /index.html?q=1 HTTP/1.1\r\nHost: www.example"
                          ".com\r\nUser-Agent: curl/8.0\r\nAccept: */*\r\n\r\n";
static const char resp[] =
    "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n";

static void tcp_session(buf *b) {
  const char *c = "10.1.1.10", *s = "192.0.2.80";
  uint32_t cs = 1000, ss = 5000, q = (uint32_t)strlen(req),
           r = (uint32_t)strlen(resp);
  pk p[] = {
      {100, 0, 0, 0, c, s, 6, 40000, 80, cs, 0, SYN, NULL, 0},
      {100, 1000, 0, 0, s, c, 6, 80, 40000, ss, cs + 1, SYN | ACK, NULL, 0},
      {100, 2000, 0, 0, c, s, 6, 40000, 80, cs + 1, ss + 1, ACK, NULL, 0},
      {100, 3000, 0, 0, c, s, 6, 40000, 80, cs + 1, ss + 1, PSH | ACK, req, q},
      {100, 4000, 0, 0, s, c, 6, 80, 40000, ss + 1, cs + 1 + q, ACK, NULL, 0},
      {100, 5000, 0, 0, s, c, 6, 80, 40000, ss + 1, cs + 1 + q, PSH | ACK, resp,
       r},
      {100, 6000, 0, 0, c, s, 6, 40000, 80, cs + 1 + q, ss + 1 + r, FIN | ACK,
       NULL, 0},
      {100, 7000, 0, 0, s, c, 6, 80, 40000, ss + 1 + r, cs + 2 + q, FIN | ACK,
       NULL, 0},
      {100, 8000, 0, 0, c, s, 6, 40000, 80, cs + 2 + q, ss + 2 + r, ACK, NULL,
       0},
  };
  for (size_t i = 0; i < sizeof p / sizeof p[0]; i++)
    record(b, &p[i]);
}

static size_t dns_msg(uint8_t *m, bool resp_, uint16_t id) {
  buf b = {0};
  be16(&b, id);
  be16(&b, resp_ ? 0x8180 : 0x0100);
  be16(&b, 1);
  be16(&b, resp_ ? 2 : 0);
  be16(&b, 0);
  be16(&b, 0);
  const char name[] = "\3www\7Example\3com";
  put(&b, name, sizeof name); /* with the root's 0 */
  be16(&b, 1);
  be16(&b, 1);
  if (resp_) {
    be16(&b, 0xc00c); /* CNAME to cdn.example.net */
    be16(&b, 5);
    be16(&b, 1);
    be32(&b, 300);
    const char cn[] = "\3cdn\7example\3net";
    be16(&b, sizeof cn);
    put(&b, cn, sizeof cn);
    be16(&b, 0xc00c);
    be16(&b, 1);
    be16(&b, 1);
    be32(&b, 60);
    be16(&b, 4);
    uint8_t a[4] = {192, 0, 2, 7};
    put(&b, a, 4);
  }
  memcpy(m, b.p, b.n);
  size_t n = b.n;
  free(b.p);
  return n;
}

static size_t client_hello(uint8_t *m) {
  buf e = {0};      /* extensions */
  be16(&e, 0x0a0a); /* GREASE: ignored by JA3 and JA4 */
  be16(&e, 0);
  be16(&e, 0); /* server_name */
  const char host[] = "c2.example.org";
  be16(&e, (unsigned)(5 + strlen(host)));
  be16(&e, (unsigned)(3 + strlen(host)));
  u8(&e, 0);
  be16(&e, (unsigned)strlen(host));
  put(&e, host, strlen(host));
  be16(&e, 10); /* supported_groups: x25519, secp256r1 */
  be16(&e, 6);
  be16(&e, 4);
  be16(&e, 29);
  be16(&e, 23);
  be16(&e, 11); /* ec_point_formats: uncompressed */
  be16(&e, 2);
  u8(&e, 1);
  u8(&e, 0);
  be16(&e, 13); /* signature_algorithms */
  be16(&e, 6);
  be16(&e, 4);
  be16(&e, 0x0403);
  be16(&e, 0x0804);
  be16(&e, 16); /* ALPN: h2, http/1.1 */
  be16(&e, 14);
  be16(&e, 12);
  u8(&e, 2);
  put(&e, "h2", 2);
  u8(&e, 8);
  put(&e, "http/1.1", 8);
  be16(&e, 43); /* supported_versions: TLS 1.3, 1.2 */
  be16(&e, 5);
  u8(&e, 4);
  be16(&e, 0x0304);
  be16(&e, 0x0303);
  buf h = {0};
  be16(&h, 0x0303);
  for (int i = 0; i < 32; i++)
    u8(&h, i);
  u8(&h, 0);
  be16(&h, 8); /* ciphers */
  be16(&h, 0x1a1a);
  be16(&h, 0x1302);
  be16(&h, 0x1301);
  be16(&h, 0xc02b);
  u8(&h, 1);
  u8(&h, 0);
  be16(&h, (unsigned)e.n);
  put(&h, e.p, e.n);
  buf r = {0};
  u8(&r, 22);
  be16(&r, 0x0301);
  be16(&r, (unsigned)(h.n + 4));
  u8(&r, 1);
  u8(&r, 0);
  be16(&r, (unsigned)h.n);
  put(&r, h.p, h.n);
  memcpy(m, r.p, r.n);
  size_t n = r.n;
  free(e.p);
  free(h.p);
  free(r.p);
  return n;
}

static void hexs(const unsigned char *d, size_t n, char *o) {
  for (size_t i = 0; i < n; i++)
    sprintf(o + 2 * i, "%02x", d[i]);
}

static void test_capture(void **st) {
  (void)st;
  buf b = {0};
  header(&b);
  tcp_session(&b);
  /* Rejected: SYN, RST-ACK. */
  pk rej[] = {{101, 0, 0, 0, "10.1.1.10", "192.0.2.81", 6, 40001, 22, 7, 0, SYN,
               NULL, 0},
              {101, 100, 0, 0, "192.0.2.81", "10.1.1.10", 6, 22, 40001, 0, 8,
               RST | ACK, NULL, 0}};
  record(&b, &rej[0]);
  record(&b, &rej[1]);
  pk s0 = {102,   0,   0, 0, "10.1.1.10", "192.0.2.82", 6,
           40002, 443, 9, 0, SYN,         NULL,         0};
  record(&b, &s0);
  uint8_t m[512];
  size_t qn = dns_msg(m, false, 0x4242);
  pk dq = {103, 0, 1, 42, "2001:db8::10", "2001:db8::53", 17, 5353 + 1, 53, 0,
           0,   0, m, qn};
  record(&b, &dq);
  uint8_t m2[512];
  size_t rn = dns_msg(m2, true, 0x4242);
  pk dr = {103, 2500, 1,  42, "2001:db8::53", "2001:db8::10", 17, 53, 5354, 0,
           0,   0,    m2, rn};
  record(&b, &dr);
  uint8_t ch[1024];
  size_t chn = client_hello(ch);
  pk t1 = {104,   0,   0, 0, "10.1.1.10", "198.51.100.4", 6,
           40003, 443, 1, 0, SYN,         NULL,           0};
  pk t2 = {104, 10, 0,         0,  "10.1.1.10", "198.51.100.4", 6, 40003, 443,
           2,   1,  PSH | ACK, ch, chn};
  record(&b, &t1);
  record(&b, &t2);

  nt_run *r = nt_run_buf("pcap", (const char *)b.p, b.n);
  assert_int_equal(r->n_bad, 0);
  const sp_reader_vt *vt = sp_reader_sniff((const char *)b.p, b.n);
  assert_non_null(vt);
  assert_string_equal(vt->name, "pcap");
  size_t conn = 0;
  for (size_t i = 0; i < r->n; i++) {
    const char *k = r->ev[i].kind;
    const char *rp = nt_s(r, i, "id.resp_p");
    if (strcmp(k, "conn") == 0) {
      conn++;
      if (strcmp(rp, "80") == 0) {
        assert_string_equal(nt_s(r, i, "conn_state"), "SF");
        assert_string_equal(nt_s(r, i, "history"), "ShADadFf");
        assert_string_equal(nt_s(r, i, "service"), "http");
        assert_int_equal(atoi(nt_s(r, i, "orig_bytes")), strlen(req));
        assert_int_equal(atoi(nt_s(r, i, "resp_bytes")), strlen(resp));
        assert_string_equal(nt_s(r, i, "orig_pkts"), "5");
        assert_string_equal(nt_s(r, i, "resp_pkts"), "4");
        /* IP bytes: 40 per header-only packet, plus the payloads */
        assert_int_equal(atoi(nt_s(r, i, "orig_ip_bytes")),
                         5 * 40 + strlen(req));
        assert_int_equal(atoi(nt_s(r, i, "resp_ip_bytes")),
                         4 * 40 + strlen(resp));
        assert_string_equal(nt_s(r, i, "duration"), "0.007000");
        assert_true(r->ev[i].ts == 100LL * 1000000000LL);
        assert_string_equal(nt_s(r, i, "source.ip"), "10.1.1.10");
        assert_int_equal(r->ev[i].line, 1);
      } else if (strcmp(rp, "22") == 0) {
        assert_string_equal(nt_s(r, i, "conn_state"), "REJ");
        assert_string_equal(nt_s(r, i, "history"), "Sr");
      } else if (strcmp(rp, "443") == 0 &&
                 strcmp(nt_s(r, i, "id.resp_h"), "192.0.2.82") == 0) {
        assert_string_equal(nt_s(r, i, "conn_state"), "S0");
        assert_null(nt_s(r, i, "duration")); /* one packet: unset, as Zeek */
      } else if (strcmp(rp, "53") == 0) {
        assert_string_equal(nt_s(r, i, "proto"), "udp");
        assert_string_equal(nt_s(r, i, "conn_state"), "SF");
        assert_string_equal(nt_s(r, i, "vlan"), "42");
        assert_string_equal(nt_s(r, i, "id.orig_h"), "2001:db8::10");
        assert_int_equal(atoi(nt_s(r, i, "orig_bytes")), qn);
        assert_int_equal(atoi(nt_s(r, i, "orig_ip_bytes")), 40 + 8 + qn);
      }
    } else if (strcmp(k, "http") == 0) {
      assert_string_equal(nt_s(r, i, "method"), "GET");
      assert_string_equal(nt_s(r, i, "host"), "www.example.com");
      assert_string_equal(nt_s(r, i, "url.domain"), "www.example.com");
      assert_string_equal(nt_s(r, i, "uri"), "/index.html?q=1");
      assert_string_equal(nt_s(r, i, "user_agent"), "curl/8.0");
      assert_string_equal(nt_s(r, i, "status_code"), "404");
      assert_string_equal(nt_s(r, i, "status_msg"), "Not Found");
      assert_string_equal(nt_s(r, i, "http.response.status_code"), "404");
    } else if (strcmp(k, "dns") == 0) {
      assert_string_equal(nt_s(r, i, "query"), "www.example.com");
      assert_string_equal(nt_s(r, i, "qtype_name"), "A");
      assert_string_equal(nt_s(r, i, "rcode_name"), "NOERROR");
      assert_int_equal(nt_count(r, i, "answers"), 2);
      assert_string_equal(nt_get(r, i, "answers", 0)->text, "cdn.example.net");
      assert_string_equal(nt_get(r, i, "answers", 1)->text, "192.0.2.7");
      assert_string_equal(nt_get(r, i, "TTLs", 0)->text, "300.000000");
      assert_string_equal(nt_s(r, i, "trans_id"), "16962");
      assert_string_equal(nt_s(r, i, "rtt"), "0.002500");
      assert_string_equal(nt_s(r, i, "RD"), "T");
      assert_string_equal(nt_s(r, i, "RA"), "T");
    } else if (strcmp(k, "ssl") == 0) {
      assert_string_equal(nt_s(r, i, "server_name"), "c2.example.org");
      /* JA3 per its definition: version, ciphers, extensions, groups, point
       * formats, GREASE left out. */
      const char *ja3s = "771,4866-4865-49195,0-10-11-13-16-43,29-23,0";
      unsigned char md[32];
      unsigned int ml;
      char hx[65];
      EVP_Digest(ja3s, strlen(ja3s), md, &ml, EVP_md5(), NULL);
      hexs(md, 16, hx);
      assert_string_equal(nt_s(r, i, "ja3"), hx);
      /* JA4: t, TLS 1.3 from supported_versions, SNI, 3 ciphers, 6
       * extensions, ALPN "h2"; sorted ciphers; sorted extensions without
       * SNI and ALPN, then the signature algorithms in order. */
      char want[64], b12[13], c12[13];
      const char *bs = "1301,1302,c02b";
      EVP_Digest(bs, strlen(bs), md, &ml, EVP_sha256(), NULL);
      hexs(md, 32, hx);
      snprintf(b12, sizeof b12, "%.12s", hx);
      const char *cs = "000a,000b,000d,002b_0403,0804";
      EVP_Digest(cs, strlen(cs), md, &ml, EVP_sha256(), NULL);
      hexs(md, 32, hx);
      snprintf(c12, sizeof c12, "%.12s", hx);
      snprintf(want, sizeof want, "t13d0306h2_%s_%s", b12, c12);
      assert_string_equal(nt_s(r, i, "ja4"), want);
    }
  }
  assert_int_equal(conn, 5);
  size_t kinds[4] = {0};
  for (size_t i = 0; i < r->n; i++) {
    kinds[0] += strcmp(r->ev[i].kind, "http") == 0;
    kinds[1] += strcmp(r->ev[i].kind, "dns") == 0;
    kinds[2] += strcmp(r->ev[i].kind, "ssl") == 0;
  }
  assert_int_equal(kinds[0], 1);
  assert_int_equal(kinds[1], 1);
  assert_int_equal(kinds[2], 1);
  nt_free(r);
  /* Cut anywhere: never a crash, what was read stays read. */
  for (size_t cut = 0; cut < b.n; cut += 37) {
    nt_run *c = nt_run_buf("pcap", (const char *)b.p, cut);
    assert_true(c->n <= 8);
    nt_free(c);
  }
  free(b.p);
}

static void test_dns_pointer_loop(void **st) {
  (void)st;
  /* A name that points at itself must end. */
  uint8_t m[] = {0, 1, 0x01, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0xc0, 12, 0, 1, 0, 1};
  sp_dns_msg d;
  assert_non_null(sp_dns_parse(m, sizeof m, &d));
  /* Found by fuzz_pcap_proto: an answer whose name breaks off left its text
   * unterminated. Every kept answer must be a terminated string. */
  static const uint8_t f1[] = {0x12, 0x2e, 0x81, 0x80, 0x00, 0x00, 0x00, 0x18,
                               0x06, 0x00, 0x00, 0x00, 0x00, 0x00, 0x27, 0x00,
                               0x01, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x03,
                               0x03, 0x78, 0x61, 0x72, 0x00, 0x00, 0x3c, 0x00,
                               0x04, 0x01, 0x02, 0x03, 0x04};
  sp_dns_msg *dm = malloc(sizeof *dm);
  memset(dm, 0x41, sizeof *dm);
  assert_null(sp_dns_parse(f1, sizeof f1, dm));
  for (size_t i = 0; i < dm->n_ans; i++)
    assert_true(memchr(dm->ans[i], 0, SP_DNS_ANS_MAX) != NULL);
  free(dm);
  /* Found by fuzz_pcap_dns: label bytes that are not printable (a NUL)
   * are written \xHH, so the query is a clean string of its length. */
  static const uint8_t f2[] = {0x12, 0x34, 0x01, 0x00, 0x00, 0x01, 0x00,
                               0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x00,
                               'A',  0x00, 0x00, 0x01, 0x00, 0x01};
  dm = malloc(sizeof *dm);
  assert_null(sp_dns_parse(f2, sizeof f2, dm));
  assert_string_equal(dm->query, "\\x00a");
  assert_int_equal(dm->query_n, 5);
  free(dm);
  sp_tls_hello h;
  uint8_t t[] = {22, 3, 1, 0, 4, 1, 0, 0, 0};
  assert_non_null(sp_tls_parse_hello(t, sizeof t, &h));
}

/* The table is bounded: with room for two flows, a third evicts the least
 * recently seen; idle flows expire after their timeout. */
static void test_flow_table_bounds(void **st) {
  (void)st;
  sp_flowtab *t = sp_flowtab_create(2);
  assert_non_null(t);
  sp_pkt k;
  memset(&k, 0, sizeof k);
  k.proto = 17;
  k.ip_len = 28;
  assert_true(sp_ip_parse(SP_STR_LIT("10.0.0.1"), &k.src));
  assert_true(sp_ip_parse(SP_STR_LIT("10.0.0.2"), &k.dst));
  int dir;
  sp_flow *ev, *f;
  for (uint16_t p = 1; p <= 2; p++) {
    k.sport = p;
    k.dport = 9999;
    f = sp_flow_packet(t, &k, p * 1000000000LL, p, &dir, &ev);
    assert_non_null(f);
    assert_null(ev);
  }
  k.sport = 1; /* flow 1 seen again: flow 2 is now the oldest */
  assert_non_null(sp_flow_packet(t, &k, 3000000000LL, 3, &dir, &ev));
  k.sport = 3;
  f = sp_flow_packet(t, &k, 4000000000LL, 4, &dir, &ev);
  assert_null(f);
  assert_non_null(ev);
  assert_int_equal(ev->op, 2);
  sp_flow_release(t, ev);
  f = sp_flow_packet(t, &k, 4000000000LL, 4, &dir, &ev);
  assert_non_null(f);
  assert_int_equal(sp_flowtab_count(t), 2);
  assert_null(sp_flow_expire(t, 30000000000LL));
  f = sp_flow_expire(t, 65000000000LL); /* UDP: 60 s idle */
  assert_non_null(f);
  assert_int_equal(f->op, 1);
  assert_string_equal(sp_flow_conn_state(f), "S0");
  sp_flow_release(t, f);
  assert_int_equal(sp_flowtab_count(t), 1);
  sp_flowtab_destroy(t);
  /* Turned around (a DNS answer came first): sides and letters swap. */
  t = sp_flowtab_create(4);
  k.sport = 5000;
  k.dport = 6000;
  k.payload_len = 10;
  f = sp_flow_packet(t, &k, 1, 1, &dir, &ev);
  assert_non_null(f);
  assert_string_equal(f->hist, "D");
  sp_flow_flip(f);
  assert_string_equal(f->hist, "^d");
  assert_int_equal(f->op, 6000);
  assert_int_equal(f->pkts[1], 1);
  assert_int_equal(f->size[1], 10);
  assert_string_equal(sp_flow_conn_state(f), "SHR");
  sp_flowtab_destroy(t);
  k.payload_len = 0;
  /* The pool grows past its first 1,024 flows up to the cap; every flow
   * stays findable. */
  t = sp_flowtab_create(3000);
  for (uint32_t i = 0; i < 3000; i++) {
    k.sport = (uint16_t)(i + 1);
    assert_non_null(sp_flow_packet(t, &k, 1, i, &dir, &ev));
    assert_null(ev);
  }
  for (uint32_t i = 0; i < 3000; i++) {
    k.sport = (uint16_t)(i + 1);
    f = sp_flow_packet(t, &k, 2, i, &dir, &ev);
    assert_non_null(f);
    assert_int_equal(f->pkts[0] + f->pkts[1], 2); /* some flip: port 53 */
  }
  assert_int_equal(sp_flowtab_count(t), 3000);
  sp_flowtab_destroy(t);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_capture),
      cmocka_unit_test(test_dns_pointer_loop),
      cmocka_unit_test(test_flow_table_bounds),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
