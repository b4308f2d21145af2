/* gen_net.c - `spoor-gen net DIR --conns N [--hosts H] [--days D]
 * [--seed S]`: deterministic Zeek TSV logs for the network analytics.
 *
 * DIR/conn-bg.log     background: each internal host (10.20.0.0/16 and up)
 *                     talks to ~40 favourite external servers of a pool and
 *                     now and then to a random one, at random (human) times
 *                     (80% in 07:00-18:00) and heavy-tailed sizes; about 80%
 *                     of N
 * DIR/conn-periodic.log benign periodic traffic: NTP (udp/123 to 4 servers,
 *                     every 1024 s), an update service in an allow-listed
 *                     CIDR (13.107.4.50, hourly) and one known only by its
 *                     DNS name (ctldl.windowsupdate.com -> 93.184.221.240,
 *                     every 2 h), internal monitoring polls (to 10.0.0.10,
 *                     every 300 s); about 20% of N
 * DIR/conn-planted.log the planted cases (independent of N):
 *                     beacon   10.10.5.23 -> 185.199.110.42:443 every 600 s
 *                              +-20% jitter, 30 days
 *                     daily    10.10.7.80 -> 45.77.10.9:443 daily ~03:10
 *                              +-5 min
 *                     exfil    10.10.3.3 -> 203.0.113.77:443, day 20
 *                              02:00-03:00, 40 x 50 MB out
 *                     rare     10.10.4.4 -> 198.51.100.200:8443 from day 25,
 *                              12 irregular connections
 *                     long     10.10.2.2 -> 91.189.1.1:22, 10 h open
 * DIR/dns.log         the update name's answers and the DNS tunnel:
 *                     10.10.9.14 -> TXT <hex>.<hex>.t.exfil-tun.net, 3000
 *                     queries on day 12, plus background lookups
 * DIR/truth.tsv       the planted cases: what, source, destination.
 * Times start 2024-03-01 00:00 UTC. The same arguments give the same bytes.
 */
#include "gen_net.h"
#include "gen_util.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define T0 1709251200LL /* 2024-03-01T00:00:00Z */

typedef struct out {
  FILE *f;
  uint64_t uid;
} out;

static const char *HDR =
    "#separator \\x09\n#set_separator\t,\n#empty_field\t(empty)\n"
    "#unset_field\t-\n#path\tconn\n#open\t2024-03-01-00-00-00\n"
    "#fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tproto\t"
    "service\tduration\torig_bytes\tresp_bytes\tconn_state\tlocal_orig\t"
    "local_resp\tmissed_bytes\thistory\torig_pkts\torig_ip_bytes\tresp_pkts\t"
    "resp_ip_bytes\ttunnel_parents\n"
    "#types\ttime\tstring\taddr\tport\taddr\tport\tenum\tstring\tinterval\t"
    "count\tcount\tstring\tbool\tbool\tcount\tstring\tcount\tcount\tcount\t"
    "count\tset[string]\n";

static const char *DNS_HDR =
    "#separator \\x09\n#set_separator\t,\n#empty_field\t(empty)\n"
    "#unset_field\t-\n#path\tdns\n#open\t2024-03-01-00-00-00\n"
    "#fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tproto\t"
    "trans_id\tquery\tqtype\tqtype_name\trcode_name\tanswers\tTTLs\n"
    "#types\ttime\tstring\taddr\tport\taddr\tport\tenum\tcount\tstring\t"
    "count\tstring\tstring\tvector[string]\tvector[interval]\n";

static FILE *open_log(const char *dir, const char *name, const char *hdr) {
  char p[GEN_PATH_MAX];
  snprintf(p, sizeof p, "%s/%s", dir, name);
  FILE *f = fopen(p, "w");
  if (!f) {
    fprintf(stderr, "spoor-gen: %s: %s\n", p, strerror(errno));
    return NULL;
  }
  static char bufs[8][1 << 20];
  static int nb;
  setvbuf(f, bufs[nb++ & 7], _IOFBF, sizeof bufs[0]);
  if (hdr)
    fputs(hdr, f);
  return f;
}

/* One conn line. ms: time in ms since the epoch; dur_us < 0: unset. */
static void conn(out *o, int64_t ms, const char *src, unsigned sport,
                 const char *dst, unsigned dport, const char *proto,
                 const char *svc, int64_t dur_us, uint64_t ob, uint64_t rb,
                 const char *state) {
  char dur[32];
  if (dur_us < 0)
    strcpy(dur, "-");
  else
    snprintf(dur, sizeof dur, "%" PRId64 ".%06" PRId64, dur_us / 1000000,
             dur_us % 1000000);
  uint64_t op = ob / 1000 + 2, rp = rb / 1000 + 2;
  fprintf(o->f,
          "%" PRId64 ".%03" PRId64 "000\tC%015" PRIx64
          "\t%s\t%u\t%s\t%u\t%s\t%s\t%s\t%" PRIu64 "\t%" PRIu64
          "\t%s\tT\tF\t0\tShADadFf\t%" PRIu64 "\t%" PRIu64 "\t%" PRIu64
          "\t%" PRIu64 "\t-\n",
          ms / 1000, ms % 1000, ++o->uid, src, sport, dst, dport, proto, svc,
          dur, ob, rb, state, op, ob + op * 40, rp, rb + rp * 40);
}

static void ip_int(char *b, unsigned host) {
  snprintf(b, 20, "10.%u.%u.%u", 20 + host / 65536 % 200, host / 256 % 256,
           host % 256 == 0 ? 1 : host % 256);
}

static void ip_ext(char *b, uint32_t k) {
  /* 20000 popular servers in 52.0.0.0/10-ish space, never a planted one. */
  snprintf(b, 20, "52.%u.%u.%u", 64 + k / 65536 % 64, k / 256 % 256,
           k % 256 == 0 ? 7 : k % 256);
}

static void dns(FILE *f, uint64_t *uid, int64_t ms, const char *src,
                const char *q, unsigned qt, const char *qtn,
                const char *answers) {
  uint64_t u = ++*uid;
  fprintf(f,
          "%" PRId64 ".%03" PRId64 "000\tD%015" PRIx64
          "\t%s\t%u\t10.0.0.53\t53\tudp\t%u\t%s\t%u\t%s\tNOERROR\t%s\t%s\n",
          ms / 1000, ms % 1000, u, src, 40000 + (unsigned)(u % 20000),
          (unsigned)(u & 0xffff), q, qt, qtn, answers,
          answers[0] == '-' ? "-" : "300.000000");
}

static uint64_t rnd(gen_rng *r, uint64_t n) { return gen_rng_next(r) % n; }

int gen_net_main(int argc, char **argv) {
  const char *dir = NULL;
  uint64_t n = 1000000, hosts = 5000, days = 30, seed = 1;
  for (int i = 2; i < argc; i++) {
    uint64_t *dst = NULL;
    if (strcmp(argv[i], "--conns") == 0)
      dst = &n;
    else if (strcmp(argv[i], "--hosts") == 0)
      dst = &hosts;
    else if (strcmp(argv[i], "--days") == 0)
      dst = &days;
    else if (strcmp(argv[i], "--seed") == 0)
      dst = &seed;
    else if (argv[i][0] == '-') {
      fprintf(stderr, "spoor-gen net: unknown option '%s'\n", argv[i]);
      return 2;
    } else if (!dir) {
      dir = argv[i];
      continue;
    } else {
      fprintf(stderr, "spoor-gen net: unexpected '%s'\n", argv[i]);
      return 2;
    }
    if (i + 1 >= argc || gen_parse_u64(argv[++i], dst) != 0) {
      fprintf(stderr, "spoor-gen net: %s needs a number\n", argv[i - 1]);
      return 2;
    }
  }
  if (!dir || hosts < 10 || hosts > 1000000 || days < 2 || days > 3650) {
    fprintf(stderr, "usage: spoor-gen net DIR --conns N [--hosts H (>=10)] "
                    "[--days D (>=2)] [--seed S]\n");
    return 2;
  }
  if (mkdir(dir, 0755) != 0 && errno != EEXIST) {
    fprintf(stderr, "spoor-gen: %s: %s\n", dir, strerror(errno));
    return 1;
  }
  gen_rng r;
  gen_rng_seed(&r, seed);
  out bg = {open_log(dir, "conn-bg.log", HDR), 0};
  out per = {open_log(dir, "conn-periodic.log", HDR), 1ull << 56};
  out pl = {open_log(dir, "conn-planted.log", HDR), 2ull << 56};
  FILE *df = open_log(dir, "dns.log", DNS_HDR);
  FILE *tf = open_log(dir, "truth.tsv", NULL);
  if (!bg.f || !per.f || !pl.f || !df || !tf)
    return 1;
  uint64_t dns_uid = 0;
  int64_t span_ms = (int64_t)days * 86400000;
  char src[20], dst[20];

  /* Benign periodic traffic, about 20% of n, by rounds over the hosts. */
  uint64_t want = n / 5, made = 0;
  uint64_t per_host = want / hosts + 1;
  for (uint64_t h = 0; h < hosts && made < want; h++) {
    ip_int(src, (unsigned)h);
    unsigned kind = (unsigned)(h % 4);
    int64_t period = kind == 0   ? 1024000
                     : kind == 1 ? 3600000
                     : kind == 2 ? 7200000
                                 : 300000;
    const char *to =
        kind == 0   ? (const char *[]){"162.159.200.1", "162.159.200.123",
                                       "216.239.35.0", "216.239.35.4"}[h / 4 % 4]
        : kind == 1 ? "13.107.4.50"
        : kind == 2 ? "93.184.221.240"
                    : "10.0.0.10";
    int64_t t = (int64_t)rnd(&r, (uint64_t)period);
    for (uint64_t k = 0; k < per_host && t < span_ms && made < want; k++) {
      int64_t jit = kind == 0 ? 0 : (int64_t)rnd(&r, (uint64_t)period / 50);
      int64_t ms = T0 * 1000 + t + jit;
      if (kind == 0)
        conn(&per, ms, src, 123, to, 123, "udp", "ntp", 20000, 48, 48, "SF");
      else if (kind == 3)
        conn(&per, ms, src, 40000 + (unsigned)rnd(&r, 20000), to, 161, "udp",
             "snmp", 3000, 90, 400 + rnd(&r, 20), "SF");
      else {
        conn(&per, ms, src, 40000 + (unsigned)rnd(&r, 20000), to, 443, "tcp",
             "ssl", 200000, 700 + rnd(&r, 30), 4000 + rnd(&r, 400), "SF");
        if (kind == 2 && k % 12 == 0)
          dns(df, &dns_uid, ms - 50, src, "ctldl.windowsupdate.com", 1, "A",
              "93.184.221.240");
      }
      t += period;
      made++;
    }
  }

  /* Background: the rest. */
  uint64_t bgn = n > made ? n - made : 0;
  for (uint64_t i = 0; i < bgn; i++) {
    unsigned h = (unsigned)rnd(&r, hosts);
    ip_int(src, h);
    uint64_t x = gen_rng_next(&r);
    if (x % 100 == 0)
      snprintf(dst, sizeof dst, "%u.%u.%u.%u", 60 + (unsigned)(x >> 8) % 60,
               (unsigned)(x >> 16) % 256, (unsigned)(x >> 24) % 256,
               1 + (unsigned)(x >> 32) % 254);
    else
      ip_ext(dst, (uint32_t)((h * 7919u + (unsigned)((x >> 8) % 40) * 104729u) %
                             20000));
    /* Human times: business hours on weekdays mostly. */
    int64_t day = (int64_t)rnd(&r, days);
    int64_t sec = (x >> 40) % 10 < 8 ? 7 * 3600 + (int64_t)rnd(&r, 11 * 3600)
                                     : (int64_t)rnd(&r, 86400);
    int64_t ms = (T0 + day * 86400 + sec) * 1000 + (int64_t)rnd(&r, 1000);
    /* Heavy-tailed request sizes, as web requests are (190 B .. 6 KB). */
    double u = (double)rnd(&r, 1000000) / 1e6;
    uint64_t ob = 150 + (uint64_t)(exp(u * 5.0) * 40),
             rb = 500 + rnd(&r, 200000);
    conn(&bg, ms, src, 40000 + (unsigned)rnd(&r, 20000), dst, x % 3 ? 443 : 80,
         "tcp", x % 3 ? "ssl" : "http", (int64_t)rnd(&r, 30000000), ob, rb,
         "SF");
    if (i % 50 == 0)
      dns(df, &dns_uid, ms - 20, src, "www.example.com", 1, "A",
          "93.184.216.34");
  }

  /* Planted cases. */
  for (int64_t t = 1000; t < span_ms; t += 600000) {
    int64_t jit = (int64_t)rnd(&r, 240000) - 120000;
    conn(&pl, T0 * 1000 + t + jit, "10.10.5.23",
         50000 + (unsigned)rnd(&r, 10000), "185.199.110.42", 443, "tcp", "ssl",
         300000, 420 + rnd(&r, 20), 1500 + rnd(&r, 100), "SF");
  }
  fputs("beacon\t10.10.5.23\t185.199.110.42\n", tf);
  for (uint64_t d = 0; d < days; d++) {
    int64_t ms = (T0 + (int64_t)d * 86400 + 3 * 3600 + 600) * 1000 +
                 (int64_t)rnd(&r, 600000) - 300000;
    conn(&pl, ms, "10.10.7.80", 50000 + (unsigned)rnd(&r, 10000), "45.77.10.9",
         443, "tcp", "ssl", 800000, 2100 + rnd(&r, 40), 9000 + rnd(&r, 300),
         "SF");
  }
  fputs("beacon_daily\t10.10.7.80\t45.77.10.9\n", tf);
  int64_t d20 = T0 + 19 * 86400 + 2 * 3600;
  for (int k = 0; k < 40; k++)
    conn(&pl, (d20 + k * 90) * 1000, "10.10.3.3", 51000 + (unsigned)k,
         "203.0.113.77", 443, "tcp", "ssl", 85000000, 50000000,
         120000 + rnd(&r, 5000), "SF");
  fputs("exfil\t10.10.3.3\t203.0.113.77\n", tf);
  int64_t d25 = T0 + 24 * 86400;
  for (int k = 0; k < 12; k++)
    conn(&pl, (d25 + (int64_t)rnd(&r, 4 * 86400)) * 1000, "10.10.4.4",
         52000 + (unsigned)k, "198.51.100.200", 8443, "tcp", "-",
         (int64_t)rnd(&r, 5000000), 3000 + rnd(&r, 5000), 800, "SF");
  fputs("rare\t10.10.4.4\t198.51.100.200\n", tf);
  conn(&pl, (T0 + 5 * 86400) * 1000, "10.10.2.2", 53000, "91.189.1.1", 22,
       "tcp", "ssh", 36000LL * 1000000, 4000000, 9000000, "SF");
  fputs("long\t10.10.2.2\t91.189.1.1\n", tf);
  int64_t d12 = T0 + 11 * 86400 + 22 * 3600;
  for (int k = 0; k < 3000; k++) {
    char q[128], a[33], b[17];
    gen_rng_str(&r, a, 32, "0123456789abcdef");
    gen_rng_str(&r, b, 16, "0123456789abcdef");
    snprintf(q, sizeof q, "%s.%s.t.exfil-tun.net", a, b);
    dns(df, &dns_uid, (d12 + k) * 1000, "10.10.9.14", q, 16, "TXT", "-");
  }
  fputs("dns_tunnel\t10.10.9.14\texfil-tun.net\n", tf);
  int bad = 0;
  for (FILE **f = (FILE *[]){bg.f, per.f, pl.f, df, tf, NULL}; *f; f++)
    bad |= ferror(*f) | fclose(*f);
  if (bad) {
    fprintf(stderr, "spoor-gen: write error in %s\n", dir);
    return 1;
  }
  return 0;
}
