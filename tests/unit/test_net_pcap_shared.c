/*
 * test_net_pcap_shared.c - peer agreement of the pcap reader with Zeek on
 * Zeek's own test traces: ../shared/data/net/zeek/btest holds the traces
 * and the logs Zeek's test suite expects from them (baseline_map.tsv maps a
 * baseline to its trace). For every baseline conn/dns/http/ssl log with a
 * full header whose test reads one trace, spoor reads the trace and each
 * Zeek record is matched to spoor's by its connection 5-tuple (plus the
 * transaction id and query for dns, the URI for http); then every
 * comparable field (uid and the masked times excluded) is compared. The
 * agreement per log type and field is printed; the test fails when it falls
 * under the floors below (set under the measured numbers; docs/NETWORK.md
 * records them and explains each deliberate difference). The baseline logs
 * are read with spoor's own Zeek TSV reader.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "nettest.h"
#include "shared_data.h"

#include <math.h>

#define BT SPOOR_SHARED_DIR "/data/net/zeek/btest"

typedef struct spec {
  const char *log;
  const char *keys[4];
  const char *fields[12];
} spec;

static const spec specs[] = {
    {"conn",
     {"id.orig_h", "id.orig_p", "id.resp_h", "id.resp_p"},
     {"proto", "conn_state", "history", "orig_pkts", "orig_ip_bytes",
      "resp_pkts", "resp_ip_bytes", "orig_bytes", "resp_bytes", "duration",
      "service", NULL}},
    {"dns",
     {"id.orig_h", "id.resp_h", "trans_id", "query"},
     {"qtype_name", "rcode_name", "answers", "TTLs", "AA", "TC", "RD", "RA",
      "rtt", "qclass", NULL}},
    {"http",
     {"id.orig_h", "id.orig_p", "id.resp_h", "uri"},
     {"method", "host", "version", "user_agent", "status_code", "status_msg",
      NULL}},
    {"ssl",
     {"id.orig_h", "id.orig_p", "id.resp_h", "id.resp_p"},
     {"server_name", "version", NULL}},
};
#define NSPEC (sizeof specs / sizeof specs[0])

typedef struct tally {
  size_t zeek, matched;
  size_t agree[12], total[12];
} tally;

/* All values of a field joined with ',' (lists), into buf. */
static const char *joined(const nt_run *r, size_t i, const char *name,
                          char *buf, size_t cap) {
  buf[0] = 0;
  size_t o = 0;
  const nt_val *v;
  for (size_t k = 0; (v = nt_get(r, i, name, k)); k++)
    o += (size_t)snprintf(buf + o, o < cap ? cap - o : 0, "%s%s", k ? "," : "",
                          v->text);
  return nt_get(r, i, name, 0) ? buf : NULL;
}

static bool key_eq(const nt_run *a, size_t i, const nt_run *b, size_t j,
                   const spec *s) {
  char x[4096], y[4096];
  for (int k = 0; k < 4 && s->keys[k]; k++) {
    const char *p = joined(a, i, s->keys[k], x, sizeof x);
    const char *q = joined(b, j, s->keys[k], y, sizeof y);
    if (!p || !q || strcmp(p, q) != 0)
      return false;
  }
  return true;
}

static bool same(const char *field, const char *a, const char *b) {
  if (strcmp(a, b) == 0)
    return true;
  if (strcmp(field, "duration") == 0 || strcmp(field, "rtt") == 0)
    return fabs(atof(a) - atof(b)) < 2e-6;
  return false;
}

static void compare(const spec *s, tally *t, const nt_run *zeek,
                    const nt_run *mine, const char *trace, bool verbose) {
  bool *used = calloc(mine->n + 1, 1);
  for (size_t i = 0; i < zeek->n; i++) {
    if (strcmp(zeek->ev[i].kind, s->log) != 0)
      continue;
    t->zeek++;
    size_t j = 0;
    for (; j < mine->n; j++)
      if (!used[j] && strcmp(mine->ev[j].kind, s->log) == 0 &&
          key_eq(zeek, i, mine, j, s))
        break;
    if (j == mine->n) {
      if (verbose)
        printf("    %s: no spoor %s record for Zeek's record %zu\n", trace,
               s->log, i);
      continue;
    }
    used[j] = true;
    t->matched++;
    for (int f = 0; s->fields[f]; f++) {
      char x[4096], y[4096];
      const char *a = joined(zeek, i, s->fields[f], x, sizeof x);
      const char *b = joined(mine, j, s->fields[f], y, sizeof y);
      if (!a && !b)
        continue;
      t->total[f]++;
      if (a && b && same(s->fields[f], a, b))
        t->agree[f]++;
      else if (verbose)
        printf("    %s %s %s: zeek '%s' spoor '%s'\n", trace, s->log,
               s->fields[f], a ? a : "-", b ? b : "-");
    }
  }
  free(used);
}

static void test_zeek_btest(void **st) {
  (void)st;
  FILE *m = fopen(BT "/baseline_map.tsv", "r");
  assert_non_null(m);
  tally tal[NSPEC] = {0};
  char line[2048], done[512][160];
  size_t n_done = 0, traces = 0;
  bool verbose = getenv("SPOOR_NET_VERBOSE") != NULL;
  while (fgets(line, sizeof line, m)) {
    char *tab = strchr(line, '\t');
    if (!tab)
      continue;
    *tab = 0;
    char *trace = tab + 1;
    trace[strcspn(trace, "\r\n")] = 0;
    if (strchr(trace, ' ') || strchr(trace, '\t'))
      continue; /* several traces */
    if (strncmp(trace, "tunnels/", 8) == 0)
      continue; /* Zeek decapsulates GRE, VXLAN, Teredo; spoor does not */
    if (strstr(line, "filter") || strstr(line, "threshold") ||
        strstr(line, "limit") || strstr(line, "skip_analyzer") ||
        strstr(line, "frameworks.logging"))
      continue; /* tests that change what Zeek logs (BPF filters, caps,
                   bare mode without analyzers, renamed fields) */
    for (size_t si = 0; si < NSPEC; si++) {
      char base[1024], pcap[1024], key[160];
      snprintf(base, sizeof base, BT "/Baseline/%s/%s.log", line,
               specs[si].log);
      snprintf(pcap, sizeof pcap, BT "/Traces/%s", trace);
      if (access(base, R_OK) || access(pcap, R_OK))
        continue;
      snprintf(key, sizeof key, "%s|%s", specs[si].log, trace);
      bool seen = false;
      for (size_t d = 0; d < n_done; d++)
        seen = seen || strcmp(done[d], key) == 0;
      if (seen || n_done >= 512)
        continue;
      nt_run *z = nt_run_src("zeek", base, NULL, 0);
      if (z->n == 0 || strcmp(z->ev[0].kind, specs[si].log) != 0) {
        nt_free(z); /* a cut (zeek-cut) or renamed baseline: not a log */
        continue;
      }
      snprintf(done[n_done++], 160, "%s", key);
      nt_run *p = nt_run_src("pcap", pcap, NULL, 0);
      traces++;
      compare(&specs[si], &tal[si], z, p, trace, verbose);
      nt_free(z);
      nt_free(p);
    }
  }
  fclose(m);
  printf("  %zu baseline logs compared\n", n_done);
  for (size_t si = 0; si < NSPEC; si++) {
    const tally *t = &tal[si];
    printf("  %-5s %4zu Zeek records, %4zu matched by key\n", specs[si].log,
           t->zeek, t->matched);
    for (int f = 0; specs[si].fields[f]; f++)
      if (t->total[f])
        printf("        %-14s %4zu / %4zu agree (%.1f%%)\n",
               specs[si].fields[f], t->agree[f], t->total[f],
               100.0 * (double)t->agree[f] / (double)t->total[f]);
  }
  assert_true(traces > 10);
  /* Floors: a little under what was measured when the reader was written
   * (docs/NETWORK.md has the numbers), so a regression fails. */
  static const struct {
    const char *log, *field;
    double min;
  } floors[] = {
      {"conn", "proto", 99},         {"conn", "conn_state", 75},
      {"conn", "history", 75},       {"conn", "resp_pkts", 95},
      {"conn", "orig_ip_bytes", 75}, {"conn", "resp_bytes", 95},
      {"conn", "duration", 75},      {"dns", "rcode_name", 95},
      {"dns", "answers", 75},        {"dns", "TC", 95},
      {"http", "method", 95},        {"http", "host", 95},
      {"http", "user_agent", 95},    {"http", "status_code", 95},
      {"ssl", "server_name", 95},    {"ssl", "version", 95},
  };
  for (size_t i = 0; i < sizeof floors / sizeof floors[0]; i++)
    for (size_t si = 0; si < NSPEC; si++) {
      if (strcmp(specs[si].log, floors[i].log) != 0)
        continue;
      for (int f = 0; specs[si].fields[f]; f++)
        if (strcmp(specs[si].fields[f], floors[i].field) == 0) {
          const tally *t = &tal[si];
          double pct = t->total[f]
                           ? 100.0 * (double)t->agree[f] / (double)t->total[f]
                           : 0;
          if (pct < floors[i].min)
            fail_msg("%s.%s agreement %.1f%% under %.0f%%", floors[i].log,
                     floors[i].field, pct, floors[i].min);
        }
    }
  assert_true(tal[0].matched * 100 >= tal[0].zeek * 80);
}

int main(void) {
  int rc = spoor_shared_or_skip(BT "/baseline_map.tsv");
  if (rc != 0)
    return rc;
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_zeek_btest),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
