/*
 * test_net_suricata_shared.c - peer agreement of the pcap reader with
 * Suricata on the suricata-verify tests in ../shared/data/net/suricata-verify:
 * every test directory with a capture and a test.yaml whose checks match a
 * dns, tls or http record (a "filter" with count >= 1) gives one comparison
 * per mapped field: spoor reads the capture and some spoor event of the
 * Zeek kind (dns, ssl, http) must carry the value Suricata's check expects
 * under the Zeek name (dns.rrname and dns.queries[0].rrname -> query,
 * rrtype -> qtype_name, rcode -> rcode_name, tls.sni -> server_name,
 * tls.ja3.hash -> ja3, tls.ja4 -> ja4, tls.version -> version as Zeek
 * spells it, http.hostname -> host, http.url -> uri, http.http_user_agent
 * -> user_agent, http.http_method -> method, http.status -> status_code).
 * Query names compare without case (spoor lower-cases them, as Zeek).
 * Agreement per field is printed; floors guard against regressions.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "nettest.h"
#include "shared_data.h"

#include <dirent.h>
#include <strings.h>

#define SV SPOOR_SHARED_DIR "/data/net/suricata-verify/tests"

static const struct {
  const char *eve, *kind, *zeek;
} fmap[] = {
    {"dns.rrname", "dns", "query"},
    {"dns.queries[0].rrname", "dns", "query"},
    {"dns.query[0].rrname", "dns", "query"},
    {"dns.rrtype", "dns", "qtype_name"},
    {"dns.queries[0].rrtype", "dns", "qtype_name"},
    {"dns.rcode", "dns", "rcode_name"},
    {"tls.sni", "ssl", "server_name"},
    {"tls.ja3.hash", "ssl", "ja3"},
    {"tls.ja4", "ssl", "ja4"},
    {"tls.version", "ssl", "version"},
    {"http.hostname", "http", "host"},
    {"http.url", "http", "uri"},
    {"http.http_user_agent", "http", "user_agent"},
    {"http.http_method", "http", "method"},
    {"http.status", "http", "status_code"},
};
#define NMAP (sizeof fmap / sizeof fmap[0])

typedef struct tally {
  size_t agree[NMAP], total[NMAP];
  size_t tests;
} tally;

static void unquote(char *v) {
  size_t n = strlen(v);
  while (n && (v[n - 1] == ' ' || v[n - 1] == '\r'))
    v[--n] = 0;
  if (n >= 2 && (v[0] == '\'' || v[0] == '"') && v[n - 1] == v[0]) {
    memmove(v, v + 1, n - 2);
    v[n - 2] = 0;
  }
}

static const char *zeek_version(const char *v) {
  if (strcmp(v, "TLS 1.3") == 0)
    return "TLSv13";
  if (strcmp(v, "TLS 1.2") == 0)
    return "TLSv12";
  if (strcmp(v, "TLS 1.1") == 0)
    return "TLSv11";
  if (strcmp(v, "TLS 1.0") == 0 || strcmp(v, "TLSv1") == 0)
    return "TLSv10";
  return v;
}

static bool has(const nt_run *r, const char *kind, const char *field,
                const char *want, bool nocase) {
  for (size_t i = 0; i < r->n; i++) {
    if (strcmp(r->ev[i].kind, kind) != 0)
      continue;
    const nt_val *v;
    for (size_t k = 0; (v = nt_get(r, i, field, k)); k++)
      if (nocase ? strcasecmp(v->text, want) == 0 : strcmp(v->text, want) == 0)
        return true;
  }
  return false;
}

/* One match block: key/value pairs; compare the mapped ones. */
typedef struct block {
  char key[32][96], val[32][512];
  size_t n;
  long count;
} block;

static void check_block(const block *b, const nt_run *r, tally *t,
                        const char *test, bool verbose) {
  if (b->count == 0)
    return;
  for (size_t i = 0; i < b->n; i++)
    for (size_t m = 0; m < NMAP; m++) {
      if (strcmp(b->key[i], fmap[m].eve) != 0)
        continue;
      const char *want = b->val[i];
      if (strcmp(fmap[m].zeek, "version") == 0)
        want = zeek_version(want);
      t->total[m]++;
      if (has(r, fmap[m].kind, fmap[m].zeek, want,
              strcmp(fmap[m].zeek, "query") == 0))
        t->agree[m]++;
      else if (verbose)
        printf("    %s: %s '%s' not found\n", test, fmap[m].eve, want);
    }
}

static void one_test(const char *name, tally *t, bool verbose) {
  char dir[1024], yaml[1100], pcap[1100];
  snprintf(dir, sizeof dir, SV "/%s", name);
  snprintf(yaml, sizeof yaml, "%s/test.yaml", dir);
  FILE *y = fopen(yaml, "r");
  if (!y)
    return;
  /* The capture: input.pcap, else the one *.pcap in the directory. */
  snprintf(pcap, sizeof pcap, "%s/input.pcap", dir);
  if (access(pcap, R_OK)) {
    DIR *d = opendir(dir);
    struct dirent *e;
    pcap[0] = 0;
    while (d && (e = readdir(d))) {
      size_t n = strlen(e->d_name);
      if ((n > 5 && strcmp(e->d_name + n - 5, ".pcap") == 0) ||
          (n > 7 && strcmp(e->d_name + n - 7, ".pcapng") == 0))
        snprintf(pcap, sizeof pcap, "%s/%s", dir, e->d_name);
    }
    if (d)
      closedir(d);
  }
  if (!pcap[0]) {
    fclose(y);
    return;
  }
  block *b = calloc(1, sizeof *b);
  nt_run *r = NULL;
  char line[2048];
  bool in_match = false, any = false;
  int match_indent = 0;
  b->count = -1;
  while (fgets(line, sizeof line, y)) {
    line[strcspn(line, "\n")] = 0;
    int ind = 0;
    while (line[ind] == ' ')
      ind++;
    char *s = line + ind;
    if (strncmp(s, "- filter:", 9) == 0 || strncmp(s, "filter:", 7) == 0) {
      if (b->n) {
        if (!r)
          r = nt_run_src("pcap", pcap, NULL, 0);
        check_block(b, r, t, name, verbose);
        any = true;
      }
      memset(b, 0, sizeof *b);
      b->count = -1;
      in_match = false;
      continue;
    }
    if (strncmp(s, "count:", 6) == 0 && !in_match) {
      b->count = atol(s + 6);
      continue;
    }
    if (strncmp(s, "match:", 6) == 0) {
      in_match = true;
      match_indent = ind;
      continue;
    }
    if (in_match) {
      if (ind <= match_indent || !*s) {
        in_match = false;
        if (strncmp(s, "count:", 6) == 0)
          b->count = atol(s + 6);
        continue;
      }
      char *c = strstr(s, ": ");
      if (!c || b->n >= 32)
        continue;
      *c = 0;
      snprintf(b->key[b->n], sizeof b->key[0], "%s", s);
      snprintf(b->val[b->n], sizeof b->val[0], "%s", c + 2);
      unquote(b->val[b->n]);
      b->n++;
    }
  }
  if (b->n) {
    if (!r)
      r = nt_run_src("pcap", pcap, NULL, 0);
    check_block(b, r, t, name, verbose);
    any = true;
  }
  t->tests += any && r;
  if (r)
    nt_free(r);
  free(b);
  fclose(y);
}

static void test_suricata_verify(void **st) {
  (void)st;
  DIR *d = opendir(SV);
  assert_non_null(d);
  tally t = {0};
  bool verbose = getenv("SPOOR_NET_VERBOSE") != NULL;
  struct dirent *e;
  while ((e = readdir(d)))
    if (e->d_name[0] != '.')
      one_test(e->d_name, &t, verbose);
  closedir(d);
  printf("  %zu suricata-verify tests with comparable checks\n", t.tests);
  size_t agree = 0, total = 0;
  for (size_t m = 0; m < NMAP; m++)
    if (t.total[m]) {
      printf("    %-22s -> %-12s %3zu / %3zu agree\n", fmap[m].eve,
             fmap[m].zeek, t.agree[m], t.total[m]);
      agree += t.agree[m];
      total += t.total[m];
    }
  printf("  overall %zu / %zu (%.1f%%)\n", agree, total,
         total ? 100.0 * (double)agree / (double)total : 0);
  assert_true(total >= 20);
  assert_true(agree * 100 >= total * 60); /* floor under the measured rate */
}

int main(void) {
  int rc = spoor_shared_or_skip(SV);
  if (rc != 0)
    return rc;
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_suricata_verify),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
