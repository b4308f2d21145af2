/*
 * test_net_zeek_shared.c - the Zeek TSV reader on real Zeek 6.2 logs
 * (../shared/data/net/zeek/zed-sample-data/zeek-default, WRCCDC 2018
 * traffic): for every log, the number of events equals the number of data
 * lines in the file, nothing is malformed, the kind is the file's #path,
 * and in the first and last record every scalar column's value equals the
 * text of that column in the file (split here independently), sets and
 * vectors give as many values as the column has elements.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "nettest.h"
#include "shared_data.h"

#include <dirent.h>
#include <zlib.h>

#define ZED SPOOR_SHARED_DIR "/data/net/zeek/zed-sample-data/zeek-default"

typedef struct lines {
  char *buf;
  size_t len;
} lines;

static lines slurp_gz(const char *path) {
  lines l = {0};
  gzFile g = gzopen(path, "rb");
  assert_non_null(g);
  size_t cap = 1 << 20;
  l.buf = malloc(cap);
  int n;
  while ((n = gzread(g, l.buf + l.len, (unsigned)(cap - l.len))) > 0) {
    l.len += (size_t)n;
    if (l.len == cap) {
      cap *= 2;
      l.buf = realloc(l.buf, cap);
      assert_non_null(l.buf);
    }
  }
  gzclose(g);
  return l;
}

/* Tab-split line into cols (at most max); returns the count. */
static size_t split_tab(char *line, char **cols, size_t max) {
  size_t n = 0;
  char *p = line;
  while (n < max) {
    cols[n++] = p;
    char *t = strchr(p, '\t');
    if (!t)
      break;
    *t = 0;
    p = t + 1;
  }
  return n;
}

static size_t count_char(const char *s, char c) {
  size_t n = 0;
  for (; *s; s++)
    n += *s == c;
  return n;
}

/* Compare event ev of r with the data line text (a copy is split). */
static void check_record(const nt_run *r, size_t ev, const char *fields_line,
                         const char *types_line, const char *data) {
  char *f = strdup(fields_line), *t = strdup(types_line), *d = strdup(data);
  char *fc[256], *tc[256], *dc[256];
  size_t nf = split_tab(f, fc, 256), nt = split_tab(t, tc, 256),
         nd = split_tab(d, dc, 256);
  assert_int_equal(nf, nt);
  assert_int_equal(nf, nd + 1);     /* #fields / #types lead */
  for (size_t i = 1; i < nf; i++) { /* 0 is "#fields" */
    bool list =
        strncmp(tc[i], "set[", 4) == 0 || strncmp(tc[i], "vector[", 7) == 0;
    if (strcmp(dc[i - 1], "-") == 0) {
      assert_null(nt_get(r, ev, fc[i], 0));
      continue;
    }
    if (list) {
      size_t want = strcmp(dc[i - 1], "(empty)") == 0
                        ? 0
                        : count_char(dc[i - 1], ',') + 1;
      assert_int_equal(nt_count(r, ev, fc[i]), want);
      continue;
    }
    if (strchr(dc[i - 1], '\\')) /* escaped: decoded */
      continue;
    const char *got = nt_s(r, ev, fc[i]);
    if (!got || strcmp(got, dc[i - 1]) != 0)
      fail_msg("event %zu field %s: got '%s', file has '%s'", ev, fc[i],
               got ? got : "(none)", dc[i - 1]);
  }
  free(f);
  free(t);
  free(d);
}

static void check_log(const char *name) {
  char path[1024];
  snprintf(path, sizeof path, "%s/%s", ZED, name);
  lines l = slurp_gz(path);
  l.buf = realloc(l.buf, l.len + 1);
  l.buf[l.len] = 0;
  size_t data = 0;
  char *fields = NULL, *types = NULL, *pathv = NULL, *first = NULL,
       *last = NULL;
  for (char *p = l.buf; *p;) {
    char *nl = strchr(p, '\n');
    if (nl)
      *nl = 0;
    if (strncmp(p, "#fields\t", 8) == 0)
      fields = p;
    else if (strncmp(p, "#types\t", 7) == 0)
      types = p;
    else if (strncmp(p, "#path\t", 6) == 0)
      pathv = p + 6;
    else if (*p && *p != '#') {
      data++;
      if (!first)
        first = p;
      last = p;
    }
    if (!nl)
      break;
    p = nl + 1;
  }
  nt_run *r = nt_run_src("zeek", path, NULL, 0);
  if (r->n_bad)
    fail_msg("%s: %zu malformed, first: %s", name, r->n_bad, r->bad);
  assert_int_equal(r->total, data);
  assert_non_null(pathv);
  if (data) {
    assert_string_equal(r->ev[0].kind, pathv);
    check_record(r, 0, fields, types, first);
    if (data <= NT_MAX_EV)
      check_record(r, data - 1, fields, types, last);
  }
  printf("  %-22s %8zu records, kind %s\n", name, data, pathv);
  nt_free(r);
  free(l.buf);
}

static void test_zed_tsv(void **st) {
  (void)st;
  DIR *d = opendir(ZED);
  assert_non_null(d);
  struct dirent *e;
  size_t logs = 0;
  while ((e = readdir(d))) {
    size_t n = strlen(e->d_name);
    if (n > 7 && strcmp(e->d_name + n - 7, ".log.gz") == 0) {
      check_log(e->d_name);
      logs++;
    }
  }
  closedir(d);
  assert_true(logs >= 10);
}

int main(void) {
  int rc = spoor_shared_or_skip(ZED "/dns.log.gz");
  if (rc != 0)
    return rc;
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_zed_tsv),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
