/*
 * test_net_dns_shared.c - DNS tunnelling (src/net/dns.c) measured on
 * labelled names from outside: ../shared/data/net/dns_tunnel/netrack-*.csv.gz
 * (label 1: names from iodine, dns2tcp and dnscapy tunnels; label 0: plain
 * names). Every name is one query from one host; a name is predicted
 * "tunnel" when its registered domain's verdict is tunnel. Prints
 * precision and recall (per name and per registered domain) and asserts
 * both at least 0.95 per name. Also a per-domain check of the Public
 * Suffix List grouping and of RITA's exploded-name count on names written
 * here. Skips without ../shared.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <libpsl.h>
#include <zlib.h>

#include "net/dns.h"
#include "shared_data.h"

#define DIR SPOOR_SHARED_DIR "/data/net/dns_tunnel"

typedef struct name {
  char q[256];
  int label;
} name;

static name *names;
static size_t n_names, cap_names;

static void load(const char *file) {
  char path[512];
  snprintf(path, sizeof path, "%s/%s", DIR, file);
  gzFile g = gzopen(path, "rb");
  assert_non_null(g);
  char line[1024];
  bool header = true;
  while (gzgets(g, line, sizeof line)) {
    if (header) {
      header = false;
      continue;
    }
    char *comma = strchr(line, ',');
    if (!comma)
      continue;
    char *q = comma + 1, *end = q;
    while (*end && *end != ',' && *end != '\n' && *end != '\r')
      end++;
    if (n_names == cap_names) {
      cap_names = cap_names ? cap_names * 2 : 4096;
      names = realloc(names, cap_names * sizeof *names);
      assert_non_null(names);
    }
    size_t n = (size_t)(end - q);
    if (n == 0 || n > 255)
      continue;
    memcpy(names[n_names].q, q, n);
    names[n_names].q[n] = 0;
    names[n_names].label = atoi(line) != 0;
    n_names++;
  }
  gzclose(g);
}

static void netrack(void **st) {
  load("netrack-iodine-names.csv.gz");
  load("netrack-dns2tcp-names.csv.gz");
  load("netrack-dnscapy-names.csv.gz");
  load("netrack-plain-names.csv.gz");
  const psl_ctx_t *psl = psl_latest(NULL);
  bool own = psl != NULL;
  if (!psl)
    psl = psl_builtin();
  sp_dnsagg *a;
  assert_int_equal(sp_dnsagg_create(psl, &a), SP_OK);
  sp_ip src;
  assert_true(sp_ip_parse(sp_str_make("10.1.2.3", 8), &src));
  for (size_t i = 0; i < n_names; i++)
    assert_true(sp_dnsagg_add(a, names[i].q, strlen(names[i].q), 1, &src,
                              (int64_t)i, 0, i + 1, 0));
  /* Verdict per domain. */
  size_t nd = sp_dnsagg_count(a);
  sp_dnsdom *doms = calloc(nd, sizeof *doms);
  assert_non_null(doms);
  for (size_t i = 0; i < nd; i++)
    sp_dnsagg_get(a, i, &doms[i]);
  uint64_t tp = 0, fp = 0, fn = 0, tn = 0, skipped = 0;
  for (size_t i = 0; i < n_names; i++) {
    char reg[256];
    const char *q = names[i].q;
    if (!sp_dns_registered(psl, q, strlen(q), reg)) {
      skipped++;
      continue;
    }
    bool pred = false;
    for (size_t k = 0; k < nd; k++)
      if (strcmp(doms[k].name, reg) == 0) {
        pred = doms[k].tunnel;
        break;
      }
    if (pred && names[i].label)
      tp++;
    else if (pred)
      fp++;
    else if (names[i].label)
      fn++;
    else
      tn++;
  }
  double prec = tp + fp ? (double)tp / (double)(tp + fp) : 0;
  double rec = tp + fn ? (double)tp / (double)(tp + fn) : 0;
  size_t dpos = 0;
  for (size_t k = 0; k < nd; k++)
    dpos += doms[k].tunnel;
  printf("netrack names: %zu (%llu without a registered domain); per name: "
         "tp=%llu fp=%llu fn=%llu tn=%llu precision=%.4f recall=%.4f; "
         "domains %zu, judged tunnel %zu\n",
         n_names, (unsigned long long)skipped, (unsigned long long)tp,
         (unsigned long long)fp, (unsigned long long)fn, (unsigned long long)tn,
         prec, rec, nd, dpos);
  for (size_t k = 0; k < nd; k++)
    if (doms[k].tunnel)
      printf("  tunnel: %s unique=%u queries=%llu score=%.3f\n", doms[k].name,
             doms[k].unique, (unsigned long long)doms[k].queries,
             doms[k].score);
  assert_true(prec >= 0.95);
  assert_true(rec >= 0.95);
  free(doms);
  sp_dnsagg_destroy(a);
  if (own)
    psl_free((psl_ctx_t *)psl);
  free(names);
}

/* Grouping and RITA's exploded count on names written here: a.b.evil.co.uk
 * gives evil.co.uk, b.evil.co.uk, a.b.evil.co.uk. */
static void exploded(void **st) {
  const psl_ctx_t *psl = psl_builtin();
  char reg[256];
  assert_true(sp_dns_registered(psl, "A.B.Evil.co.uk.", 15, reg));
  assert_string_equal(reg, "evil.co.uk");
  assert_false(sp_dns_registered(psl, "co.uk", 5, reg));
  sp_dnsagg *a;
  assert_int_equal(sp_dnsagg_create(psl, &a), SP_OK);
  const char *q[] = {"a.b.evil.co.uk", "c.b.evil.co.uk", "evil.co.uk",
                     "x.evil.co.uk"};
  for (size_t i = 0; i < 4; i++)
    assert_true(sp_dnsagg_add(a, q[i], strlen(q[i]), i == 3 ? 16 : 1, NULL, 0,
                              0, i, 0));
  assert_int_equal(sp_dnsagg_count(a), 1);
  sp_dnsdom d;
  sp_dnsagg_get(a, 0, &d);
  /* evil.co.uk, b.evil.co.uk, a.b..., c.b..., x.evil.co.uk */
  assert_int_equal(d.unique, 5);
  assert_int_equal(d.queries, 4);
  assert_int_equal(d.txt_null, 1);
  assert_false(d.tunnel);
  sp_dnsagg_destroy(a);
}

int main(void) {
  int rc = spoor_shared_or_skip(DIR "/netrack-plain-names.csv.gz");
  if (rc != 0)
    return rc;
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(exploded),
      cmocka_unit_test(netrack),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
