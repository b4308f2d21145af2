/*
 * test_core.c - unit tests for src/core: time parsing and formatting, glob
 * matching, string helpers and the bounded string set.
 */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "core/str.h"
#include "core/strset.h"
#include "core/timeutil.h"
#include "event/event.h"

static sp_str S(const char *s) { return sp_str_make(s, strlen(s)); }

static void test_iso8601(void **state) {
  (void)state;
  int64_t ns;
  assert_true(sp_parse_iso8601(S("1970-01-01T00:00:00Z"), &ns));
  assert_int_equal(ns, 0);
  assert_true(sp_parse_iso8601(S("2021-03-03T06:59:13.030Z"), &ns));
  assert_int_equal(ns, 1614754753030000000LL);
  assert_true(sp_parse_iso8601(S("2021-03-03T08:59:13.030+02:00"), &ns));
  assert_int_equal(ns, 1614754753030000000LL);
  assert_true(sp_parse_iso8601(S("2021-03-03 06:59:13"), &ns));
  assert_int_equal(ns, 1614754753000000000LL);
  /* 7 fractional digits (Windows) keep 100 ns precision. */
  assert_true(sp_parse_iso8601(S("2021-03-03T06:59:13.1234567Z"), &ns));
  assert_int_equal(ns % 1000000000LL, 123456700);
  assert_false(sp_parse_iso8601(S("2021-13-03T06:59:13Z"), &ns));
  assert_false(sp_parse_iso8601(S("2021-03-03T25:59:13Z"), &ns));
  assert_false(sp_parse_iso8601(S("2021-03-03T06:59:13Zjunk"), &ns));
  assert_false(sp_parse_iso8601(S("2021-03-03T06:59"), &ns));
  assert_false(sp_parse_iso8601(S("bad"), &ns));
  /* Impossible calendar days are rejected, not moved to the next month. */
  assert_false(sp_parse_iso8601(S("2021-02-30T02:00:00.512Z"), &ns));
  assert_false(sp_parse_iso8601(S("2021-04-31T02:00:00Z"), &ns));
  assert_false(sp_parse_iso8601(S("2100-02-29T00:00:00Z"), &ns));
  assert_true(sp_parse_iso8601(S("2000-02-29T00:00:00Z"), &ns));
  assert_true(sp_parse_iso8601(S("2024-02-29T00:00:00Z"), &ns));
  assert_false(sp_parse_date_time(S("2021-02-30"), S("23:59:59"), &ns));
  assert_false(
      sp_parse_iso8601(S("1601-01-01T00:00:00Z"), &ns)); /* < int64 ns */
  assert_false(sp_parse_iso8601(S(""), &ns));
}

static void test_date_time(void **state) {
  (void)state;
  int64_t ns;
  assert_true(sp_parse_date_time(S("2021-03-03"), S("06:59:13"), &ns));
  assert_int_equal(ns, 1614754753000000000LL);
  assert_false(sp_parse_date_time(S("2021-03-03"), S("06:59"), &ns));
  assert_false(sp_parse_date_time(S("03/03/2021"), S("06:59:13"), &ns));
}

static void test_format_time(void **state) {
  (void)state;
  char buf[40];
  sp_format_time(1614754753030000000LL, buf, sizeof buf);
  assert_string_equal(buf, "2021-03-03T06:59:13.030Z");
  sp_format_time(0, buf, sizeof buf);
  assert_string_equal(buf, "1970-01-01T00:00:00.000Z");
  sp_format_time(INT64_MIN, buf, sizeof buf);
  assert_string_equal(buf, "");
  /* Round trip across leap years and centuries. */
  int64_t ns;
  assert_true(sp_parse_iso8601(S("2000-02-29T23:59:59.999Z"), &ns));
  sp_format_time(ns, buf, sizeof buf);
  assert_string_equal(buf, "2000-02-29T23:59:59.999Z");
  assert_true(sp_parse_iso8601(S("1700-01-01T00:00:00Z"), &ns));
  sp_format_time(ns, buf, sizeof buf);
  assert_string_equal(buf, "1700-01-01T00:00:00.000Z");
}

static void test_glob(void **state) {
  (void)state;
  const char *p = "ServerInfo~*/*";
  assert_true(sp_glob_imatch(p, strlen(p), "ServerInfo~a]@x:444/ecp/y", 25));
  assert_true(sp_glob_imatch(p, strlen(p), "serverinfo~h/", 13));
  assert_false(sp_glob_imatch(p, strlen(p), "ServerInfo~nopath", 17));
  const char *r = "ServerInfo~*/*Reset*VirtualDirectory#";
  const char *yes = "ServerInfo~a]@E:444/ecp/DDI/DDIService.svc/SetObject?"
                    "schema=ResetOABVirtualDirectory#";
  assert_true(sp_glob_imatch(r, strlen(r), yes, strlen(yes)));
  const char *no = "ServerInfo~a]@E:444/ecp/DDI/DDIService.svc/SetObject?"
                   "schema=OABVirtualDirectory#";
  assert_false(sp_glob_imatch(r, strlen(r), no, strlen(no)));
  assert_true(sp_glob_imatch("a?c", 3, "abc", 3));
  assert_false(sp_glob_imatch("a?c", 3, "ac", 2));
  /* Pathological pattern stays fast (no exponential backtracking). */
  char big[4096];
  memset(big, 'a', sizeof big);
  const char *pp = "*a*a*a*a*a*a*a*b";
  assert_false(sp_glob_imatch(pp, strlen(pp), big, sizeof big));
}

static void test_str(void **state) {
  (void)state;
  assert_true(sp_str_ieq(S("POST"), "post"));
  assert_false(sp_str_ieq(S("POST "), "post"));
  assert_true(sp_str_iends(S("/a/B.ASPX"), ".aspx"));
  assert_int_equal(sp_str_ifind(S("abcDEF"), "def"), 3);
  assert_int_equal(sp_str_ifind(S("abc"), "abcd"), -1);
  uint64_t v;
  assert_true(sp_str_to_u64(S("241"), 999, &v));
  assert_int_equal(v, 241);
  assert_false(sp_str_to_u64(S("99999999999999999999999"), UINT64_MAX, &v));
  assert_false(sp_str_to_u64(S("12a"), 999, &v));
  assert_false(sp_str_to_u64(S("1000"), 999, &v));
  sp_str b = sp_str_basename(S("C:\\inetpub\\x\\shell.aspx"));
  assert_true(sp_str_eq(b, "shell.aspx"));
  b = sp_str_basename(S("/owa/auth/x.aspx"));
  assert_true(sp_str_eq(b, "x.aspx"));
}

static void test_strset(void **state) {
  (void)state;
  sp_strset *s;
  assert_int_equal(sp_strset_create(1000, &s), SP_OK);
  char buf[32];
  for (int i = 0; i < 500; i++) {
    snprintf(buf, sizeof buf, "Name%d.ASPX", i);
    assert_int_equal(sp_strset_add(s, S(buf), true), SP_OK);
  }
  assert_int_equal(sp_strset_count(s), 500);
  assert_true(sp_strset_has(s, S("name42.aspx"), true));
  assert_true(sp_strset_has(s, S("NAME42.aspx"), true));
  assert_false(sp_strset_has(s, S("name500.aspx"), true));
  sp_strset_destroy(s);
  /* The cap is a hard limit. */
  assert_int_equal(sp_strset_create(2, &s), SP_OK);
  assert_int_equal(sp_strset_add(s, S("a"), false), SP_OK);
  assert_int_equal(sp_strset_add(s, S("b"), false), SP_OK);
  assert_int_equal(sp_strset_add(s, S("c"), false), SP_ELIMIT);
  assert_int_equal(sp_strset_add(s, S("a"), false), SP_OK);
  sp_strset_destroy(s);
  sp_strset_destroy(NULL);
}

static void test_errors(void **state) {
  (void)state;
  assert_string_equal(sp_strerror(SP_OK), "success");
  assert_string_equal(sp_strerror(SP_ENOMEM), "out of memory");
  assert_string_equal(sp_strerror((sp_err)999), "unknown error");
  assert_int_equal(sp_level_severity(SP_LEVEL_HIGH), 70);
  assert_int_equal(sp_level_severity(SP_LEVEL_CRITICAL), 90);
  assert_string_equal(sp_level_name(SP_LEVEL_INFO), "informational");
}

/* The event model: ECS names map to ids and back, with types; values are
 * looked up by id, absent fields read as empty; integers parse strictly. */
static void test_event_fields(void **state) {
  (void)state;
  int id = sp_field_id("source.ip");
  assert_int_equal(id, SP_F_SOURCE_IP);
  assert_string_equal(sp_field_name(SP_F_SOURCE_IP), "source.ip");
  assert_int_equal(sp_field_type(SP_F_SOURCE_IP), SP_T_IP);
  assert_int_equal(sp_field_type(SP_F_HTTP_STATUS), SP_T_INT);
  assert_int_equal(sp_field_id("url.path"), SP_F_URL_PATH);
  assert_int_equal(sp_field_id("user_agent.original"), SP_F_USER_AGENT);
  assert_int_equal(sp_field_id("no.such.field"), -1);
  assert_int_equal(sp_field_id(NULL), -1);
  for (int i = 0; i < SP_F__COUNT; i++)
    assert_int_equal(sp_field_id(sp_field_name((sp_field)i)), i);
  sp_event ev;
  sp_fval vals[8];
  sp_event_init(&ev, vals, 8);
  assert_false(sp_event_has(&ev, SP_F_HTTP_STATUS));
  assert_null(sp_event_get(&ev, SP_F_HTTP_STATUS).p);
  int64_t v;
  assert_false(sp_event_get_int(&ev, SP_F_HTTP_STATUS, &v));
  sp_event_set(&ev, SP_F_HTTP_STATUS, S("241"));
  assert_true(sp_event_get_int(&ev, SP_F_HTTP_STATUS, &v));
  assert_int_equal(v, 241);
  sp_event_set(&ev, SP_F_HTTP_STATUS, S("24x"));
  assert_false(sp_event_get_int(&ev, SP_F_HTTP_STATUS, &v));
  sp_event_set(&ev, SP_F_EVENT_DURATION_MS, S("-5"));
  assert_true(sp_event_get_int(&ev, SP_F_EVENT_DURATION_MS, &v));
  assert_int_equal(v, -5);
  sp_event_reset(&ev);
  assert_false(sp_event_has(&ev, SP_F_EVENT_DURATION_MS));
  assert_string_equal(sp_source_kind_name(SP_SRC_IIS), "iis");
  assert_string_equal(sp_source_kind_name(SP_SRC_EXCH_ECP), "exchange_ecp");
}

/* The eight-bytes-at-a-time lower-casing copy agrees with the byte-wise
 * ASCII rule (A-Z only; bytes >= 0x80 untouched) for every byte value at
 * every position and length. */
static void test_lower_copy(void **state) {
  (void)state;
  char in[64], out[64];
  for (int c = 0; c < 256; c++)
    for (size_t n = 0; n <= 19; n++)
      for (size_t at = 0; at < n; at++) {
        for (size_t i = 0; i < n; i++)
          in[i] = (char)('A' + (i * 7) % 26);
        in[at] = (char)c;
        sp_lower_copy(out, in, n);
        for (size_t i = 0; i < n; i++)
          assert_int_equal((unsigned char)out[i],
                           (unsigned char)sp_lower((unsigned char)in[i]));
      }
}

/* sp_str_put_cut writes what snprintf("%.*s%.*s", ...) writes, in every
 * buffer size from 1 to 24, with NUL bytes inside the pieces. */
static void test_put_cut(void **state) {
  (void)state;
  static const struct {
    const char *a, *b;
    size_t an, bn;
  } cases[] = {{"Sigma rule ", "name", 11, 4},
               {"DOM", "user\0tail", 3, 9},
               {"", "abc", 0, 3},
               {"a\0b", "cd", 3, 2},
               {"0123456789abcdef", "ghij", 16, 4}};
  for (size_t i = 0; i < sizeof cases / sizeof *cases; i++)
    for (size_t cap = 1; cap <= 24; cap++) {
      char want[32], got[32];
      int w = snprintf(want, cap, "%.*s%.*s", (int)cases[i].an, cases[i].a,
                       (int)cases[i].bn, cases[i].b);
      size_t wn = w < 0 ? 0 : (size_t)w < cap ? (size_t)w : cap - 1;
      memset(got, 'x', sizeof got);
      size_t n = sp_str_put_cut(got, 0, cap, cases[i].a, cases[i].an);
      n = sp_str_put_cut(got, n, cap, cases[i].b, cases[i].bn);
      assert_int_equal(n, wn);
      assert_memory_equal(got, want, wn + 1);
    }
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_iso8601),     cmocka_unit_test(test_date_time),
      cmocka_unit_test(test_format_time), cmocka_unit_test(test_glob),
      cmocka_unit_test(test_str),         cmocka_unit_test(test_strset),
      cmocka_unit_test(test_errors),      cmocka_unit_test(test_event_fields),
      cmocka_unit_test(test_lower_copy),  cmocka_unit_test(test_put_cut),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
