/*
 * test_net_arkime_shared.c - peer agreement of the pcap reader with Arkime
 * on Arkime's capture regression suite (../shared/data/net/arkime/pcap:
 * NAME.pcap with the session documents Arkime expects in NAME.test). The
 * expected documents are read with spoor's own JSON flattener; for every
 * value under a mapped path, some spoor event of the Zeek kind must carry
 * it: tls.ja3 -> ssl ja3, tls.ja4 -> ssl ja4, http.host -> http host,
 * http.method -> method, http.useragent -> user_agent, http.statuscode ->
 * status_code, dns.queryHost -> dns query, dns.status -> rcode_name (host
 * names compare without case). Agreement per field is printed; a floor
 * guards against regressions.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "core/json.h"
#include "nettest.h"
#include "shared_data.h"

#include <dirent.h>
#include <strings.h>

#define AK SPOOR_SHARED_DIR "/data/net/arkime/pcap"

static const struct {
  const char *path, *kind, *zeek;
  bool nocase;
} amap[] = {
    {"sessions3.body.tls.ja3", "ssl", "ja3", false},
    {"sessions3.body.tls.ja4", "ssl", "ja4", false},
    {"sessions3.body.http.host", "http", "host", true},
    {"sessions3.body.http.method", "http", "method", false},
    {"sessions3.body.http.useragent", "http", "user_agent", false},
    {"sessions3.body.http.statuscode", "http", "status_code", false},
    {"sessions3.body.dns.queryHost", "dns", "query", true},
    {"sessions3.body.dns.status", "dns", "rcode_name", false},
};
#define NA (sizeof amap / sizeof amap[0])

typedef struct want {
  size_t n;
  int field[512];
  char val[512][256];
} want;

static void on_leaf(void *u, const char *p, size_t n, sp_json_tok t,
                    const sp_json *j) {
  want *w = u;
  if (t != SP_JSON_STR && t != SP_JSON_NUM)
    return;
  for (size_t m = 0; m < NA; m++)
    if (strlen(amap[m].path) == n && memcmp(amap[m].path, p, n) == 0 &&
        w->n < 512 && j->val.n < 256) {
      w->field[w->n] = (int)m;
      snprintf(w->val[w->n], 256, "%.*s", (int)j->val.n, j->val.p);
      w->n++;
    }
}

static bool has(const nt_run *r, size_t m, const char *v) {
  for (size_t i = 0; i < r->n; i++) {
    if (strcmp(r->ev[i].kind, amap[m].kind) != 0)
      continue;
    const nt_val *x;
    for (size_t k = 0; (x = nt_get(r, i, amap[m].zeek, k)); k++)
      if (amap[m].nocase ? strcasecmp(x->text, v) == 0
                         : strcmp(x->text, v) == 0)
        return true;
  }
  return false;
}

static void test_arkime(void **st) {
  (void)st;
  DIR *d = opendir(AK);
  assert_non_null(d);
  size_t agree[NA] = {0}, total[NA] = {0}, files = 0;
  bool verbose = getenv("SPOOR_NET_VERBOSE") != NULL;
  struct dirent *e;
  want *w = malloc(sizeof *w);
  while ((e = readdir(d))) {
    size_t n = strlen(e->d_name);
    if (n < 6 || strcmp(e->d_name + n - 5, ".test") != 0)
      continue;
    char tp[1024], pp[1024];
    snprintf(tp, sizeof tp, AK "/%s", e->d_name);
    snprintf(pp, sizeof pp, AK "/%.*s.pcap", (int)(n - 5), e->d_name);
    FILE *f = fopen(tp, "rb");
    if (!f || access(pp, R_OK)) {
      if (f)
        fclose(f);
      continue;
    }
    static char buf[4 << 20];
    size_t len = fread(buf, 1, sizeof buf, f);
    fclose(f);
    w->n = 0;
    char path[512];
    const char *err = NULL;
    size_t off = 0;
    if (!sp_json_flatten(buf, len, path, sizeof path, on_leaf, w, &err, &off) ||
        w->n == 0)
      continue;
    files++;
    nt_run *r = nt_run_src("pcap", pp, NULL, 0);
    for (size_t i = 0; i < w->n; i++) {
      int m = w->field[i];
      total[m]++;
      if (has(r, (size_t)m, w->val[i]))
        agree[m]++;
      else if (verbose)
        printf("    %s: %s '%s' not found\n", e->d_name, amap[m].path,
               w->val[i]);
    }
    nt_free(r);
  }
  free(w);
  closedir(d);
  size_t a = 0, t = 0;
  printf("  %zu Arkime tests with comparable fields\n", files);
  for (size_t m = 0; m < NA; m++)
    if (total[m]) {
      printf("    %-32s -> %-11s %4zu / %4zu agree\n", amap[m].path,
             amap[m].zeek, agree[m], total[m]);
      a += agree[m];
      t += total[m];
    }
  printf("  overall %zu / %zu (%.1f%%)\n", a, t,
         t ? 100.0 * (double)a / (double)t : 0);
  assert_true(t >= 50);
  assert_true(a * 100 >= t * 60); /* floor under the measured rate */
}

int main(void) {
  int rc = spoor_shared_or_skip(AK);
  if (rc != 0)
    return rc;
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_arkime),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
