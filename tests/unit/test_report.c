/*
 * test_report.c - report.html and the terminal output (issue 10): the HTML
 * escaper on hostile strings, the report writer on evidence that carries
 * script payloads (they stay text; the page's only script is its own, and
 * the CSP allows it by hash), the terminal table (header row, hashes never
 * cut, cut values end in "…", file times labelled, colours only when asked),
 * the output filters and the parsing of command-line dates.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "output/escape.h"
#include "testutil.h"

#include <openssl/evp.h>

/* Output of a writer into a NUL-terminated heap string. */
typedef struct mem {
  char *buf;
  size_t len;
  FILE *f;
} mem;

static void mem_open(mem *m) {
  m->buf = NULL;
  m->len = 0;
  m->f = open_memstream(&m->buf, &m->len);
  assert_non_null(m->f);
}

static char *mem_close(mem *m) {
  fclose(m->f);
  return m->buf;
}

static char *html(const char *s, size_t n) {
  mem m;
  mem_open(&m);
  sp_html_text(m.f, s, n);
  return mem_close(&m);
}

#define HTML(lit) html(lit, sizeof lit - 1)

static size_t count(const char *hay, const char *needle) {
  size_t n = 0;
  for (const char *p = hay; (p = strstr(p, needle)) != NULL; p++)
    n++;
  return n;
}

/* Expected values are the HTML5 spec's character references for the five
 * characters that can end text or an attribute value. */
static void test_html_text_hostile(void **state) {
  (void)state;
  char *s = HTML("<script>alert(1)</script>");
  assert_string_equal(s, "&lt;script&gt;alert(1)&lt;/script&gt;");
  free(s);
  s = HTML("\"><img src=x onerror='a()'>&amp;");
  assert_string_equal(
      s, "&quot;&gt;&lt;img src=x onerror=&#39;a()&#39;&gt;&amp;amp;");
  free(s);
  /* NUL, ESC and newline inside the slice, invalid UTF-8, a lone
   * continuation byte: shown as \xNN, never passed through. */
  s = HTML("a\0b\x1b[31mc\nd\xff\x80");
  assert_string_equal(s, "a\\x00b\\x1b[31mc\\x0ad\\xff\\x80");
  free(s);
  /* U+202E RIGHT-TO-LEFT OVERRIDE and U+200B ZERO WIDTH SPACE would
   * reorder or hide text: shown as escapes. Other UTF-8 passes. */
  s = HTML("gpj.\xe2\x80\xae"
           "exe \xe2\x80\x8b \xc3\xa9");
  assert_string_equal(s, "gpj.\\u202eexe \\u200b \xc3\xa9");
  free(s);
  /* An overlong '<' (C0 BC) is invalid UTF-8, not a '<'. */
  s = HTML("\xc0\xbcscript");
  assert_string_equal(s, "\\xc0\\xbcscript");
  free(s);
}

static void test_term_cut(void **state) {
  (void)state;
  mem m;
  mem_open(&m);
  assert_int_equal(sp_term_cut(m.f, "abcdefghij", 10, 5), 5);
  char *s = mem_close(&m);
  assert_string_equal(s, "abcd\xe2\x80\xa6");
  free(s);
  mem_open(&m);
  assert_int_equal(sp_term_cut(m.f, "abcde", 5, 5), 5); /* fits: not cut */
  s = mem_close(&m);
  assert_string_equal(s, "abcde");
  free(s);
  assert_int_equal(sp_term_cols("a\x1b"
                                "b",
                                3),
                   6); /* a \x1b b */
}

/* Evidence: a ProxyLogon request, then web shell requests whose user agent
 * and URL carry script payloads, and a China Chopper page. */
static char *hostile_case(void) {
  char *dir = tu_tmpdir();
  static const char iis[] =
      "#Software: Microsoft Internet Information Services 10.0\r\n"
      "#Fields: date time s-ip cs-method cs-uri-stem cs-uri-query s-port "
      "cs-username c-ip cs(User-Agent) sc-status\r\n"
      "2021-03-03 02:00:00 10.0.0.5 POST /ecp/y.js - 443 - 192.0.2.10 "
      "python-requests/2.25 241\r\n"
      "2021-03-03 02:05:00 10.0.0.5 POST /aspnet_client/shell.aspx - 443 - "
      "192.0.2.10 <script>window.__pwned=1</script> 200\r\n"
      "2021-03-03 02:06:00 10.0.0.5 POST "
      "/aspnet_client/\"><img+src=x+onerror=alert(1)>.aspx - 443 - "
      "192.0.2.10 \"><img+src=x+onerror=document.title='PWNED'>"
      "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
      "AA"
      "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA 200\r\n";
  tu_write(dir, "u_ex210303.log", iis, sizeof iis - 1);
  static const char page[] = "<%@ Page Language=\"Jscript\"%><%eval(Request."
                             "Item[\"q\"],\"unsafe\");%>";
  tu_write(dir, "errorEE.aspx", page, sizeof page - 1);
  return dir;
}

/* 'sha256-...' of the text between open and close in s. */
static void hash_of(const char *s, const char *open, const char *close,
                    char *b64) {
  const char *a = strstr(s, open);
  assert_non_null(a);
  a += strlen(open);
  const char *b = strstr(a, close);
  assert_non_null(b);
  unsigned char md[32];
  unsigned len;
  assert_true(EVP_Digest(a, (size_t)(b - a), md, &len, EVP_sha256(), NULL));
  EVP_EncodeBlock((unsigned char *)b64, md, 32);
}

static void test_report_html_hostile(void **state) {
  (void)state;
  char *dir = hostile_case();
  sp_result *r = tu_hunt(dir, 1);
  assert_non_null(tu_find(r, "spoor.iis.webshell.access", 0));
  assert_true(sp_result_incident_count(r) >= 1);
  mem m;
  mem_open(&m);
  const char *roots[] = {"<b>evidence</b>"};
  sp_run_info run = {.roots = roots, .n_roots = 1, .start_ns = INT64_MIN};
  assert_int_equal(sp_write_report_html(r, &run, m.f), SP_OK);
  char *s = mem_close(&m);
  /* The payloads are present, as text. */
  assert_non_null(strstr(s, "&lt;script&gt;window.__pwned=1&lt;/script&gt;"));
  assert_non_null(strstr(s, "&quot;&gt;&lt;img src=x onerror=document.title="
                            "&#39;PWNED&#39;&gt;"));
  assert_non_null(strstr(s, "&lt;b&gt;evidence&lt;/b&gt;"));
  assert_null(strstr(s, "<script>window"));
  assert_null(strstr(s, "<img"));
  assert_null(strstr(s, "<b>"));
  /* Exactly one executable script (the page's own), one style sheet, and a
   * CSP that allows exactly those by their hashes. */
  assert_int_equal(count(s, "<script"), 1);
  assert_int_equal(count(s, "<style"), 1);
  assert_int_equal(count(s, "Content-Security-Policy"), 1);
  assert_non_null(strstr(s, "default-src 'none'"));
  char b64[64], want[128];
  hash_of(s, "<script>", "</script>", b64);
  snprintf(want, sizeof want, "script-src 'sha256-%s'", b64);
  assert_non_null(strstr(s, want));
  hash_of(s, "<style>", "</style>", b64);
  snprintf(want, sizeof want, "style-src 'sha256-%s'", b64);
  assert_non_null(strstr(s, want));
  /* No network: nothing that loads a URL. */
  assert_null(strstr(s, "http://"));
  assert_null(strstr(s, "src=\""));
  assert_null(strstr(s, " style=\""));
  /* The parts: incidents with a narrative and an SVG timeline, the
   * coverage chart, the findings table with one row per finding, and the
   * file time labelled. */
  assert_non_null(strstr(s, "<svg class=\"timeline\""));
  assert_non_null(strstr(s, "<svg class=\"coverage\""));
  /* The narrative keeps its lines (as real line breaks, not \x0a). */
  const char *story = strstr(s, "<div class=\"story\">");
  assert_non_null(story);
  const char *story_end = strstr(story, "</div>");
  assert_non_null(story_end);
  const char *nl = memchr(story, '\n', (size_t)(story_end - story));
  assert_non_null(nl);
  assert_true(strncmp(nl + 1, "2021-03-03 02:00 UTC: ", 22) == 0);
  assert_null(strstr(s, "\\x0a"));
  assert_int_equal(count(s, "<tr data-sev="), sp_result_finding_count(r));
  assert_non_null(strstr(s, " (file mtime)"));
  free(s);
  sp_result_destroy(r);
  tu_rm_rf(dir);
  free(dir);
}

static char *table(const sp_result *r, int color, const sp_filter *flt) {
  mem m;
  mem_open(&m);
  sp_table_opts o = {.color = color, .filter = flt};
  assert_int_equal(sp_write_table(r, &o, m.f), SP_OK);
  return mem_close(&m);
}

static void test_table(void **state) {
  (void)state;
  char *dir = hostile_case();
  sp_result *r = tu_hunt(dir, 1);
  char *s = table(r, 0, NULL);
  /* The header row first. */
  assert_true(strncmp(s, "LEVEL    FIRST EVIDENCE (UTC)", 29) == 0);
  /* The SHA-256 of the page in full, computed here. */
  static const char page[] = "<%@ Page Language=\"Jscript\"%><%eval(Request."
                             "Item[\"q\"],\"unsafe\");%>";
  unsigned char md[32];
  unsigned len;
  assert_true(EVP_Digest(page, sizeof page - 1, md, &len, EVP_sha256(), NULL));
  char hex[65];
  for (int i = 0; i < 32; i++)
    snprintf(hex + 2 * i, 3, "%02x", md[i]);
  char want[100];
  snprintf(want, sizeof want, "file.hash.sha256=%s\n", hex);
  assert_non_null(strstr(s, want));
  /* The long user agent is cut, and the cut ends in "…". */
  assert_null(
      strstr(s, "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
                "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
                " 200"));
  assert_non_null(strstr(s, "AAAA\xe2\x80\xa6\n"));
  /* Every line that is cut ends in the ellipsis: no line is wider than
   * its column budget without one. */
  assert_non_null(strstr(s, "(file mtime)"));
  assert_null(strchr(s, '\033')); /* no colour unless asked */
  free(s);
  s = table(r, 1, NULL);
  assert_non_null(strstr(s, "\033[1;97;41mcritical\033[0m"));
  free(s);
  /* The filter: one rule only. */
  const char *inc[] = {"yara.*"};
  sp_filter flt = {.rule_include = inc, .n_include = 1};
  s = table(r, 0, &flt);
  assert_int_equal(count(s, "\n         at "), 1);
  assert_non_null(strstr(s, "China Chopper"));
  free(s);
  /* The summary names the incidents, top rules and levels. */
  mem m;
  mem_open(&m);
  sp_table_opts o = {0};
  assert_int_equal(sp_write_summary(r, &o, m.f), SP_OK);
  s = mem_close(&m);
  char inc_line[64];
  snprintf(inc_line, sizeof inc_line, "incidents: %zu\n",
           sp_result_incident_count(r));
  assert_non_null(strstr(s, inc_line));
  assert_non_null(strstr(s, sp_result_incident(r, 0)->id));
  assert_non_null(strstr(s, "spoor.iis.webshell.access"));
  assert_non_null(strstr(s, "critical "));
  assert_non_null(strstr(s, "2021-03-03T02:00:00.000Z"));
  free(s);
  sp_result_destroy(r);
  tu_rm_rf(dir);
  free(dir);
}

static void test_filter(void **state) {
  (void)state;
  sp_evidence_ref ev = {.path = "x", .where = 1, .kind = SP_REF_LINE};
  sp_finding f = {.rule_id = "spoor.iis.webshell.access",
                  .first_ns = 1000,
                  .last_ns = 2000,
                  .evidence = &ev,
                  .n_evidence = 1};
  sp_filter none = {0};
  assert_true(sp_filter_match(&none, &f));
  assert_true(sp_filter_match(NULL, &f));
  sp_filter t = {.since_ns = 2000};
  assert_true(sp_filter_match(&t, &f)); /* overlaps at its last evidence */
  t.since_ns = 2001;
  assert_false(sp_filter_match(&t, &f));
  t = (sp_filter){.until_ns = 1000};
  assert_true(sp_filter_match(&t, &f));
  t.until_ns = 999;
  assert_false(sp_filter_match(&t, &f));
  sp_finding untimed = f;
  untimed.first_ns = untimed.last_ns = INT64_MIN;
  assert_true(sp_filter_match(&t, &untimed)); /* no time: always shown */
  const char *inc[] = {"spoor.exchange.*", "spoor.iis.*"};
  const char *exc[] = {"*.webshell.*"};
  sp_filter g = {.rule_include = inc, .n_include = 2};
  assert_true(sp_filter_match(&g, &f));
  g.n_include = 1;
  assert_false(sp_filter_match(&g, &f));
  g = (sp_filter){.rule_exclude = exc, .n_exclude = 1};
  assert_false(sp_filter_match(&g, &f));
  g.rule_include = inc;
  g.n_include = 2;
  assert_false(sp_filter_match(&g, &f)); /* exclude wins */
  /* File times: yara.* and spoor.file.* by offset only. */
  ev.kind = SP_REF_OFFSET;
  assert_false(sp_finding_file_time(&f));
  f.rule_id = "yara.x";
  assert_true(sp_finding_file_time(&f));
  f.rule_id = "spoor.file.y";
  assert_true(sp_finding_file_time(&f));
  ev.kind = SP_REF_LINE;
  assert_false(sp_finding_file_time(&f));
}

/* Expected values from Python's datetime (UTC epoch seconds). */
static void test_parse_time(void **state) {
  (void)state;
  int64_t t = 0;
  const int64_t s = 1000000000LL;
  assert_int_equal(sp_parse_time_arg("2021-03-02", 0, &t), SP_OK);
  assert_int_equal(t, 1614643200LL * s);
  assert_int_equal(sp_parse_time_arg("2021-03-02", 1, &t), SP_OK);
  assert_int_equal(t, (1614643200LL + 86400) * s - 1);
  assert_int_equal(sp_parse_time_arg("2021-03-02T07:00:00Z", 0, &t), SP_OK);
  assert_int_equal(t, 1614668400LL * s);
  assert_int_equal(sp_parse_time_arg("2021-03-02T07:00:00+01:00", 0, &t),
                   SP_OK);
  assert_int_equal(t, 1614664800LL * s);
  assert_int_equal(sp_parse_time_arg("2021-03-02 07:00:00.5Z", 0, &t), SP_OK);
  assert_int_equal(t, 1614668400LL * s + s / 2);
  static const char *const bad[] = {"",
                                    "yesterday",
                                    "2021-13-01",
                                    "2021-03-32",
                                    "2021-3-2",
                                    "2021-03-02T25:00:00Z",
                                    "2021-03-02T07:00:00Zjunk",
                                    "2021-03-02T07:00",
                                    "1614643200"};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    t = 42;
    assert_int_equal(sp_parse_time_arg(bad[i], 0, &t), SP_EINVAL);
    assert_int_equal(t, 42);
  }
  assert_int_equal(sp_parse_time_arg(NULL, 0, &t), SP_EINVAL);
}

/* The progress callback: called at least once, finally with everything
 * done, from one thread at a time. */
typedef struct prog {
  int calls, finals;
  sp_progress last;
} prog;

static void on_progress(void *user, const sp_progress *p) {
  prog *g = user;
  g->calls++;
  g->finals += p->final;
  g->last = *p;
}

static void test_progress(void **state) {
  (void)state;
  char *dir = hostile_case();
  prog g = {0};
  sp_opts o = {.jobs = 2, .progress = on_progress, .progress_user = &g};
  sp_engine *e;
  sp_diag d = {0};
  assert_int_equal(sp_engine_create(&o, &e, &d), SP_OK);
  sp_result *r;
  const char *paths[] = {dir};
  assert_int_equal(sp_engine_hunt(e, paths, 1, &r, &d), SP_OK);
  assert_true(g.calls >= 1);
  assert_int_equal(g.finals, 1);
  assert_true(g.last.final);
  assert_int_equal(g.last.files_total, 2);
  assert_int_equal(g.last.files_done, 2);
  uint64_t bytes = 0;
  for (size_t i = 0; i < sp_result_file_count(r); i++)
    bytes += sp_result_file(r, i)->bytes;
  assert_int_equal(g.last.bytes_done, g.last.bytes_total);
  assert_int_equal(g.last.bytes_total, bytes);
  sp_result_destroy(r);
  sp_engine_destroy(e);
  tu_rm_rf(dir);
  free(dir);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_html_text_hostile),
      cmocka_unit_test(test_term_cut),
      cmocka_unit_test(test_report_html_hostile),
      cmocka_unit_test(test_table),
      cmocka_unit_test(test_filter),
      cmocka_unit_test(test_parse_time),
      cmocka_unit_test(test_progress),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
