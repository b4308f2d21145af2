/*
 * test_net_zeek.c - the Zeek TSV reader ("zeek") on fixtures written here
 * in the format of Zeek's ASCII writer (the header directives and the
 * escaping rules of Zeek's logging framework, docs.zeek.org "Logging
 * Framework" / "Log Files"): typing per #types, sets and vectors as lists,
 * unset and empty markers, \x escapes, other separators, added columns,
 * rotated gzip files whose type comes from the name, bad lines.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "core/ip.h"
#include "nettest.h"
#include "readers/netfields.h"
#include "testutil.h"

static const char conn_log[] =
    "#separator \\x09\n"
    "#set_separator\t,\n"
    "#empty_field\t(empty)\n"
    "#unset_field\t-\n"
    "#path\tconn\n"
    "#open\t2024-04-19-00-00-00\n"
    "#fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tproto\t"
    "service\tduration\torig_bytes\tresp_bytes\tconn_state\tlocal_orig\t"
    "local_resp\tmissed_bytes\thistory\torig_pkts\torig_ip_bytes\tresp_pkts\t"
    "resp_ip_bytes\ttunnel_parents\n"
    "#types\ttime\tstring\taddr\tport\taddr\tport\tenum\tstring\tinterval\t"
    "count\tcount\tstring\tbool\tbool\tcount\tstring\tcount\tcount\tcount\t"
    "count\tset[string]\n"
    "1713484800.123456\tCAbc1\t10.0.0.5\t49152\t93.184.216.34\t443\ttcp\t"
    "ssl\t12.500000\t517\t4096\tSF\tT\tF\t0\tShADadFf\t10\t1049\t9\t4472\t"
    "(empty)\n"
    "1713484801.5\tCAbc2\tfe80::1\t5353\tff02::fb\t5353\tudp\t-\t-\t-\t-\t"
    "S0\tT\tF\t0\tD\t1\t73\t0\t0\tCx1,Cx2\n"
    "#close\t2024-04-19-01-00-00\n";

static void test_conn_typed(void **st) {
  (void)st;
  nt_run *r = nt_run_buf("zeek", conn_log, sizeof conn_log - 1);
  assert_int_equal(r->n_bad, 0);
  assert_int_equal(r->n, 2);
  assert_string_equal(r->ev[0].kind, "conn");
  assert_int_equal(r->ev[0].line, 9);
  assert_true(r->ev[0].ts == 1713484800123456000LL);
  assert_true(r->ev[1].ts == 1713484801500000000LL);
  const nt_val *ts = nt_get(r, 0, "ts", 0);
  assert_non_null(ts);
  assert_int_equal(ts->type, SP_T_TIME);
  assert_true(ts->typed_ok && ts->i == 1713484800123456000LL);
  assert_string_equal(ts->text, "1713484800.123456");
  const nt_val *oh = nt_get(r, 0, "id.orig_h", 0);
  assert_int_equal(oh->type, SP_T_IP);
  assert_true(oh->typed_ok);
  char b[64];
  sp_ip_format(&oh->ip, b, sizeof b);
  assert_string_equal(b, "10.0.0.5");
  assert_string_equal(nt_s(r, 0, "source.ip"), "10.0.0.5");
  assert_string_equal(nt_s(r, 0, "destination.ip"), "93.184.216.34");
  assert_string_equal(nt_s(r, 0, "destination.port"), "443");
  const nt_val *ob = nt_get(r, 0, "orig_bytes", 0);
  assert_int_equal(ob->type, SP_T_INT);
  assert_true(ob->typed_ok && ob->i == 517);
  assert_int_equal(nt_get(r, 0, "id.resp_p", 0)->type, SP_T_INT);
  assert_string_equal(nt_s(r, 0, "duration"), "12.500000");
  assert_int_equal(nt_get(r, 0, "duration", 0)->type, SP_T_STR);
  assert_string_equal(nt_s(r, 0, "history"), "ShADadFf");
  assert_string_equal(nt_s(r, 0, "conn_state"), "SF");
  /* (empty) set: no value; unset '-': no value. */
  assert_null(nt_s(r, 0, "tunnel_parents"));
  assert_null(nt_s(r, 1, "service"));
  assert_null(nt_s(r, 1, "orig_bytes"));
  /* A set is a list, in order. */
  assert_int_equal(nt_count(r, 1, "tunnel_parents"), 2);
  assert_string_equal(nt_get(r, 1, "tunnel_parents", 1)->text, "Cx2");
  const nt_val *v6 = nt_get(r, 1, "id.resp_h", 0);
  assert_true(v6->typed_ok);
  sp_ip_format(&v6->ip, b, sizeof b);
  assert_string_equal(b, "ff02::fb");
  nt_free(r);
}

static const char dns_log[] =
    "#separator \\x09\n"
    "#set_separator\t,\n"
    "#empty_field\t(empty)\n"
    "#unset_field\t-\n"
    "#path\tdns\n"
    "#fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tproto\t"
    "query\tqtype_name\trcode_name\tanswers\tTTLs\n"
    "#types\ttime\tstring\taddr\tport\taddr\tport\tenum\tstring\tstring\t"
    "string\tvector[string]\tvector[interval]\n"
    "1713484800.000001\tCd1\t10.0.0.5\t5000\t10.0.0.1\t53\tudp\t"
    "a\\x09b.example.com\tTXT\tNOERROR\tv=spf1\\x2cx,1.2.3.4\t300.0,60.0\n"
    "1713484800.000002\tCd2\t10.0.0.5\t5001\t10.0.0.1\t53\tudp\t"
    "empty.example\tA\tNXDOMAIN\t(empty)\t-\n";

static void test_dns_lists_escapes(void **st) {
  (void)st;
  nt_run *r = nt_run_buf("zeek", dns_log, sizeof dns_log - 1);
  assert_int_equal(r->n_bad, 0);
  assert_int_equal(r->n, 2);
  assert_string_equal(r->ev[0].kind, "dns");
  assert_string_equal(nt_s(r, 0, "query"), "a\tb.example.com");
  assert_string_equal(nt_s(r, 0, "url.domain"), "a\tb.example.com");
  assert_int_equal(nt_count(r, 0, "answers"), 2);
  /* The escaped set separator is part of the element, not a split. */
  assert_string_equal(nt_get(r, 0, "answers", 0)->text, "v=spf1,x");
  assert_string_equal(nt_get(r, 0, "answers", 1)->text, "1.2.3.4");
  assert_string_equal(nt_get(r, 0, "TTLs", 1)->text, "60.0");
  assert_int_equal(nt_count(r, 1, "answers"), 0);
  assert_string_equal(nt_s(r, 1, "rcode_name"), "NXDOMAIN");
  nt_free(r);
}

/* Another separator, a site column, no #types (all text, ts still time),
 * and a second header block replacing the first. */
static const char odd_log[] =
    "#separator \\x7c\n"
    "#set_separator|;\n"
    "#empty_field|EMPTY\n"
    "#unset_field|NONE\n"
    "#path|http\n"
    "#fields|ts|id.orig_h|host|uri|site_tag|method|status_code\n"
    "1000.25|192.168.1.9|evil.example|/a?b=c|tagA|POST|200\n"
    "1000.5|192.168.1.9|NONE|/|EMPTY|GET|NONE\n"
    "#separator \\x09\n"
    "#path\tweird\n"
    "#fields\tts\tname\n"
    "#types\ttime\tstring\n"
    "2000\tbad_TCP_checksum\n";

static void test_other_separator_and_layouts(void **st) {
  (void)st;
  nt_run *r = nt_run_buf("zeek", odd_log, sizeof odd_log - 1);
  assert_int_equal(r->n_bad, 0);
  assert_int_equal(r->n, 3);
  assert_string_equal(r->ev[0].kind, "http");
  assert_true(r->ev[0].ts == 1000250000000LL);
  assert_string_equal(nt_s(r, 0, "url.domain"), "evil.example");
  assert_string_equal(nt_s(r, 0, "url.original"), "/a?b=c");
  assert_string_equal(nt_s(r, 0, "http.request.method"), "POST");
  assert_string_equal(nt_s(r, 0, "http.response.status_code"), "200");
  assert_string_equal(nt_s(r, 0, "site_tag"), "tagA");
  assert_null(nt_s(r, 1, "host"));
  assert_string_equal(nt_s(r, 1, "site_tag"), "");
  assert_string_equal(r->ev[2].kind, "weird");
  assert_true(r->ev[2].ts == 2000000000000LL);
  assert_string_equal(nt_s(r, 2, "name"), "bad_TCP_checksum");
  nt_free(r);
}

static void test_bad_lines(void **st) {
  (void)st;
  static const char bad[] = "#separator \\x09\n"
                            "1\t2\n" /* before #fields */
                            "#fields\tts\tname\n"
                            "#types\ttime\tstring\n"
                            "1.0\tok\n"
                            "1.0\ttoo\tmany\n"
                            "1.0\n" /* too few */
                            "3.0\tok2\n";
  nt_run *r = nt_run_buf("zeek", bad, sizeof bad - 1);
  assert_int_equal(r->n, 2);
  assert_int_equal(r->n_bad, 3);
  assert_string_equal(r->bad, "line 2: data line before any #fields header");
  assert_string_equal(r->ev[0].kind, "zeek"); /* no #path, no file name */
  assert_string_equal(nt_s(r, 1, "name"), "ok2");
  nt_free(r);
}

/* A rotated, gzipped log without #path: the type comes from the name, and
 * the source layer inflates it. */
static void test_rotated_gzip(void **st) {
  (void)st;
  static const char body[] = "#separator \\x09\n"
                             "#fields\tts\tquery\n"
                             "#types\ttime\tstring\n"
                             "10.0\tone.example\n"
                             "11.0\ttwo.example\n";
  char *dir = tu_tmpdir();
  tu_write_gz(dir, "dns.00:00:00-01:00:00.log.gz", body, sizeof body - 1);
  char p[1100];
  snprintf(p, sizeof p, "%s/dns.00:00:00-01:00:00.log.gz", dir);
  nt_run *r = nt_run_src("zeek", p, NULL, 0);
  assert_int_equal(r->n, 2);
  assert_string_equal(r->ev[0].kind, "dns");
  assert_string_equal(nt_s(r, 1, "url.domain"), "two.example");
  nt_free(r);
  /* And the whole engine picks the reader for it. */
  sp_result *res = tu_hunt(dir, 1);
  const sp_file_cov *c = tu_cov(res, "dns.00:00:00-01:00:00.log.gz");
  assert_non_null(c);
  assert_string_equal(c->source, "dns"); /* coverage names the kind */
  assert_int_equal(c->events, 2);
  sp_result_destroy(res);
  tu_rm_rf(dir);
  free(dir);
}

/* Epoch seconds as Zeek writes them, and what is not one. */
static void test_epoch(void **st) {
  (void)st;
  int64_t ns = 0;
  assert_true(sp_net_epoch_ns(SP_STR_LIT("1258531221.486539"), &ns));
  assert_true(ns == 1258531221486539000LL);
  assert_true(sp_net_epoch_ns(SP_STR_LIT("-1.5"), &ns) && ns == -1500000000LL);
  assert_true(sp_net_epoch_ns(SP_STR_LIT("2.385616957e+09"), &ns));
  assert_true(ns == 2385616957000000000LL);
  assert_true(sp_net_epoch_ns(SP_STR_LIT("1.0000000019"), &ns) &&
              ns == 1000000001LL); /* digits past ns are cut */
  assert_false(sp_net_epoch_ns(SP_STR_LIT("17134848050.5"), &ns)); /* fuzz */
  assert_false(sp_net_epoch_ns(SP_STR_LIT("1.2.3"), &ns));
  assert_false(sp_net_epoch_ns(SP_STR_LIT(""), &ns));
  assert_false(sp_net_epoch_ns(SP_STR_LIT("-"), &ns));
  sp_str p = sp_net_path_from_file("/x/dns.2024-04-19-00-00-00.log.gz");
  assert_int_equal(p.n, 3);
  assert_memory_equal(p.p, "dns", 3);
  assert_int_equal(sp_net_path_from_file("/x/dns.txt").n, 0);
}

static void test_sniff(void **st) {
  (void)st;
  const sp_reader_vt *vt = sp_reader_sniff(conn_log, sizeof conn_log - 1);
  assert_non_null(vt);
  assert_string_equal(vt->name, "zeek");
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_conn_typed),
      cmocka_unit_test(test_dns_lists_escapes),
      cmocka_unit_test(test_other_separator_and_layouts),
      cmocka_unit_test(test_bad_lines),
      cmocka_unit_test(test_rotated_gzip),
      cmocka_unit_test(test_epoch),
      cmocka_unit_test(test_sniff),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
