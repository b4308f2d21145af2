/*
 * test_net_json.c - the bounded JSON tokenizer (core/json.h) against
 * RFC 8259's grammar, and the JSON network readers on fixtures written
 * here: Zeek JSON ("zeek_json": _path, epoch and ISO 8601 ts, arrays as
 * lists, kind from the file name or the fields) and Suricata EVE
 * ("suricata_eve": flow, netflow, dns v2 and v3, http, tls, fileinfo and
 * alert records in the layout of Suricata's EVE output documentation,
 * mapped to Zeek's names).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "core/json.h"
#include "nettest.h"
#include "testutil.h"

static int tokens(const char *s, sp_json_tok *out, size_t max) {
  sp_json j;
  sp_json_init(&j, s, strlen(s));
  size_t n = 0;
  for (;;) {
    sp_json_tok t = sp_json_next(&j);
    if (n < max)
      out[n] = t;
    n++;
    if (t == SP_JSON_END)
      return (int)n;
    if (t == SP_JSON_ERR)
      return -1;
  }
}

static void test_json_grammar(void **st) {
  (void)st;
  sp_json_tok t[32];
  assert_int_equal(
      tokens("{\"a\":[1,2.5e3,\"x\",true,false,null],\"b\":{}}", t, 32), 15);
  assert_int_equal(t[0], SP_JSON_OBJ);
  assert_int_equal(t[1], SP_JSON_KEY);
  assert_int_equal(t[2], SP_JSON_ARR);
  assert_int_equal(t[3], SP_JSON_NUM);
  assert_int_equal(t[8], SP_JSON_NULL);
  assert_int_equal(t[9], SP_JSON_ARR_END);
  assert_int_equal(t[11], SP_JSON_OBJ);
  static const char *const bad[] = {
      "{\"a\":1,}",     "{\"a\" 1}",  "[1 2]",       "{\"a\":01}",
      "{\"a\":1.}",     "{\"a\":-}",  "{\"a\":tru}", "{\"a\":\"x}",
      "{\"a\":\"\t\"}", "{\"a\":1}}", "{\"a\":[1}",  "{} x",
      "{\"a\":1e}",     "",           "{'a':1}",     "[1,]",
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
    if (tokens(bad[i], t, 32) != -1)
      fail_msg("accepted invalid JSON: %s", bad[i]);
  /* Depth: 64 levels are fine, 65 are refused. */
  char deep[200];
  memset(deep, '[', 64);
  memset(deep + 64, ']', 64);
  deep[128] = 0;
  assert_true(tokens(deep, t, 32) > 0);
  memset(deep, '[', 65);
  memset(deep + 65, ']', 65);
  deep[130] = 0;
  assert_int_equal(tokens(deep, t, 32), -1);
}

static void test_json_unescape(void **st) {
  (void)st;
  char out[64];
  const char *in = "a\\\"b\\\\c\\/\\n\\u00e9\\ud83d\\ude00\\ud800x";
  size_t n = sp_json_unescape(sp_str_make(in, strlen(in)), out, strlen(in));
  assert_int_not_equal(n, SIZE_MAX);
  /* a " b \ c / LF é 😀 U+FFFD x */
  const char want[] = "a\"b\\c/\n\xc3\xa9\xf0\x9f\x98\x80\xef\xbf\xbdx";
  assert_int_equal(n, sizeof want - 1);
  assert_memory_equal(out, want, n);
  assert_int_equal(sp_json_unescape(SP_STR_LIT("\\q"), out, 2), SIZE_MAX);
  assert_int_equal(sp_json_unescape(SP_STR_LIT("\\u12"), out, 4), SIZE_MAX);
}

typedef struct leaves {
  size_t n;
  char path[16][64];
} leaves;

static void on_leaf(void *u, const char *p, size_t n, sp_json_tok t,
                    const sp_json *j) {
  (void)t;
  (void)j;
  leaves *l = u;
  if (l->n < 16)
    snprintf(l->path[l->n], 64, "%.*s", (int)n, p);
  l->n++;
}

static void test_json_flatten(void **st) {
  (void)st;
  const char *s = "{\"a\":{\"b\":1,\"c\":[2,{\"d\":3}],\"e\":{}},\"f\":4,"
                  "\"g\\u0041\":[[5]]}";
  leaves l = {0};
  char path[64];
  const char *err = NULL;
  size_t off = 0;
  assert_true(sp_json_flatten(s, strlen(s), path, sizeof path, on_leaf, &l,
                              &err, &off));
  assert_int_equal(l.n, 5);
  assert_string_equal(l.path[0], "a.b");
  assert_string_equal(l.path[1], "a.c");
  assert_string_equal(l.path[2], "a.c.d");
  assert_string_equal(l.path[3], "f");
  assert_string_equal(l.path[4], "gA");
  assert_false(
      sp_json_flatten("[1]", 3, path, sizeof path, on_leaf, &l, &err, &off));
  char tiny[4];
  assert_false(sp_json_flatten("{\"abcdef\":1}", 12, tiny, sizeof tiny, on_leaf,
                               &l, &err, &off));
  assert_string_equal(err, "key path too long");
}

static const char zeek_json[] =
    "{\"_path\":\"conn\",\"_write_ts\":\"2024-04-19T00:00:05.000000Z\","
    "\"ts\":\"2024-04-19T00:00:00.250000Z\",\"uid\":\"CAbc\","
    "\"id.orig_h\":\"10.0.0.5\",\"id.orig_p\":49152,\"id.resp_h\":"
    "\"2001:db8::1\",\"id.resp_p\":443,\"proto\":\"tcp\",\"duration\":1.5,"
    "\"orig_bytes\":517,\"conn_state\":\"SF\",\"local_orig\":true,"
    "\"tunnel_parents\":[],\"history\":\"Sh\\u0041Dd\"}\n"
    "{\"ts\":1713484800.5,\"uid\":\"Cd\",\"id.orig_h\":\"10.0.0.6\","
    "\"query\":\"x.example\",\"qtype_name\":\"TXT\",\"answers\":[\"a\",\"b\"],"
    "\"TTLs\":[60.0,30.0],\"rejected\":false}\n"
    "{\"ts\":1,\"uid\":\"Cx\",\"id\":{\"orig_h\":\"1.2.3.4\"},\"bad\":}\n";

static void test_zeek_json(void **st) {
  (void)st;
  nt_run *r = nt_run_buf("zeek_json", zeek_json, sizeof zeek_json - 1);
  assert_int_equal(r->n, 2);
  assert_int_equal(r->n_bad, 1);
  assert_string_equal(r->bad, "line 3: JSON: unexpected character at byte 51");
  assert_string_equal(r->ev[0].kind, "conn");
  assert_true(r->ev[0].ts == 1713484800250000000LL);
  assert_string_equal(nt_s(r, 0, "source.ip"), "10.0.0.5");
  assert_string_equal(nt_s(r, 0, "destination.ip"), "2001:db8::1");
  const nt_val *rh = nt_get(r, 0, "id.resp_h", 0);
  assert_int_equal(rh->type, SP_T_IP);
  assert_true(rh->typed_ok);
  const nt_val *ob = nt_get(r, 0, "orig_bytes", 0);
  assert_int_equal(ob->type, SP_T_INT);
  assert_true(ob->typed_ok && ob->i == 517);
  assert_string_equal(nt_s(r, 0, "duration"), "1.5");
  assert_int_equal(nt_get(r, 0, "duration", 0)->type, SP_T_STR);
  assert_string_equal(nt_s(r, 0, "local_orig"), "T");
  assert_string_equal(nt_s(r, 0, "history"), "ShADd");
  assert_null(nt_s(r, 0, "tunnel_parents"));
  assert_null(nt_s(r, 0, "_path"));
  const nt_val *wt = nt_get(r, 0, "_write_ts", 0);
  assert_true(wt->typed_ok && wt->i == 1713484805000000000LL);
  /* No _path, no file name: guessed from the fields. */
  assert_string_equal(r->ev[1].kind, "dns");
  assert_true(r->ev[1].ts == 1713484800500000000LL);
  assert_string_equal(nt_s(r, 1, "url.domain"), "x.example");
  assert_int_equal(nt_count(r, 1, "answers"), 2);
  assert_string_equal(nt_get(r, 1, "TTLs", 1)->text, "30.0");
  assert_string_equal(nt_s(r, 1, "rejected"), "F");
  nt_free(r);
}

static void test_zeek_json_file_name(void **st) {
  (void)st;
  static const char body[] = "{\"ts\":10.0,\"uid\":\"C1\",\"id.orig_h\":"
                             "\"10.1.1.1\",\"host\":\"a.example\","
                             "\"uri\":\"/x\",\"status_code\":200}\n";
  char *dir = tu_tmpdir();
  tu_write_gz(dir, "http.2024-04-19-00-00-00.log.gz", body, sizeof body - 1);
  char p[1100];
  snprintf(p, sizeof p, "%s/http.2024-04-19-00-00-00.log.gz", dir);
  nt_run *r = nt_run_src("zeek_json", p, NULL, 0);
  assert_int_equal(r->n, 1);
  assert_string_equal(r->ev[0].kind, "http");
  assert_string_equal(nt_s(r, 0, "url.domain"), "a.example");
  assert_string_equal(nt_s(r, 0, "url.original"), "/x");
  assert_string_equal(nt_s(r, 0, "http.response.status_code"), "200");
  nt_free(r);
  sp_result *res = tu_hunt(dir, 1);
  const sp_file_cov *c = tu_cov(res, ".log.gz");
  assert_non_null(c);
  assert_string_equal(c->source, "http");
  sp_result_destroy(res);
  tu_rm_rf(dir);
  free(dir);
}

static const char eve[] =
    /* 1 flow */
    "{\"timestamp\":\"2024-04-19T10:00:10.000000+0000\",\"flow_id\":"
    "1234567890123,\"in_iface\":\"eth0\",\"event_type\":\"flow\",\"src_ip\":"
    "\"10.0.0.5\",\"src_port\":50000,\"dest_ip\":\"198.51.100.7\","
    "\"dest_port\":443,\"proto\":\"TCP\",\"app_proto\":\"tls\",\"flow\":{"
    "\"pkts_toserver\":10,\"pkts_toclient\":12,\"bytes_toserver\":1500,"
    "\"bytes_toclient\":9000,\"start\":\"2024-04-19T10:00:00.000000+0000\","
    "\"end\":\"2024-04-19T10:00:02.500000+0000\",\"age\":2,\"state\":"
    "\"closed\",\"reason\":\"timeout\",\"alerted\":false},\"tcp\":{"
    "\"tcp_flags\":\"1b\",\"syn\":true}}\n"
    /* 2 dns v2 answer, with answers[] and grouped */
    "{\"timestamp\":\"2024-04-19T10:00:01.000000+0200\",\"flow_id\":5,"
    "\"event_type\":\"dns\",\"src_ip\":\"10.0.0.1\",\"src_port\":53,"
    "\"dest_ip\":\"10.0.0.5\",\"dest_port\":40000,\"proto\":\"UDP\","
    "\"dns\":{\"version\":2,\"type\":\"answer\",\"id\":4242,\"flags\":"
    "\"8180\",\"rrname\":\"www.example.com\",\"rrtype\":\"A\",\"rcode\":"
    "\"NOERROR\",\"answers\":[{\"rrname\":\"www.example.com\",\"rrtype\":"
    "\"CNAME\",\"ttl\":300,\"rdata\":\"e.example.net\"},{\"rrname\":"
    "\"e.example.net\",\"rrtype\":\"A\",\"ttl\":60,\"rdata\":"
    "\"192.0.2.10\"}],\"grouped\":{\"A\":[\"192.0.2.10\"]}}}\n"
    /* 3 dns v3 request */
    "{\"timestamp\":\"2024-04-19T10:00:00.500000+0000\",\"event_type\":"
    "\"dns\",\"src_ip\":\"10.0.0.5\",\"dest_ip\":\"10.0.0.1\",\"proto\":"
    "\"UDP\",\"dns\":{\"version\":3,\"type\":\"request\",\"id\":4242,"
    "\"queries\":[{\"rrname\":\"www.example.com\",\"rrtype\":\"A\"}]}}\n"
    /* 4 http */
    "{\"timestamp\":\"2024-04-19T10:00:03.000000+0000\",\"event_type\":"
    "\"http\",\"src_ip\":\"10.0.0.5\",\"src_port\":50001,\"dest_ip\":"
    "\"198.51.100.8\",\"dest_port\":80,\"proto\":\"TCP\",\"http\":{"
    "\"hostname\":\"evil.example\",\"url\":\"/gate.php?id=1\","
    "\"http_user_agent\":\"Mozilla/4.0\",\"http_method\":\"POST\","
    "\"protocol\":\"HTTP/1.1\",\"status\":200,\"length\":42}}\n"
    /* 5 tls */
    "{\"timestamp\":\"2024-04-19T10:00:04.000000+0000\",\"event_type\":"
    "\"tls\",\"src_ip\":\"10.0.0.5\",\"dest_ip\":\"198.51.100.7\","
    "\"proto\":\"TCP\",\"tls\":{\"subject\":\"CN=c2.example\",\"issuerdn\":"
    "\"CN=c2.example\",\"sni\":\"c2.example\",\"version\":\"TLS 1.2\","
    "\"ja3\":{\"hash\":\"e7d705a3286e19ea42f587b344ee6865\",\"string\":"
    "\"771,49195,0-11,23,0\"},\"ja3s\":{\"hash\":"
    "\"623de93db17d313345d7ea481e7443cf\"},\"ja4\":"
    "\"t13d1516h2_8daaf6152771_02713d6af862\"}}\n"
    /* 6 fileinfo */
    "{\"timestamp\":\"2024-04-19T10:00:05.000000+0000\",\"event_type\":"
    "\"fileinfo\",\"src_ip\":\"198.51.100.8\",\"dest_ip\":\"10.0.0.5\","
    "\"proto\":\"TCP\",\"fileinfo\":{\"filename\":\"/a.exe\",\"magic\":"
    "\"PE32 executable\",\"md5\":\"d41d8cd98f00b204e9800998ecf8427e\","
    "\"sha256\":\"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b"
    "7852b855\",\"size\":0,\"state\":\"CLOSED\",\"stored\":false}}\n"
    /* 7 alert with a flow object: ts stays the alert's */
    "{\"timestamp\":\"2024-04-19T10:00:06.000000+0000\",\"event_type\":"
    "\"alert\",\"src_ip\":\"10.0.0.5\",\"dest_ip\":\"198.51.100.8\","
    "\"proto\":\"TCP\",\"alert\":{\"action\":\"allowed\",\"gid\":1,"
    "\"signature_id\":2024897,\"rev\":3,\"signature\":\"ET MALWARE Test\","
    "\"category\":\"A Network Trojan was detected\",\"severity\":1},"
    "\"flow\":{\"bytes_toserver\":100,\"start\":"
    "\"2024-04-19T09:59:00.000000+0000\"}}\n"
    /* 8 netflow */
    "{\"timestamp\":\"2024-04-19T10:00:07.000000+0000\",\"event_type\":"
    "\"netflow\",\"src_ip\":\"10.0.0.5\",\"dest_ip\":\"198.51.100.9\","
    "\"proto\":\"UDP\",\"netflow\":{\"pkts\":3,\"bytes\":300,\"start\":"
    "\"2024-04-19T10:00:06.000000+0000\",\"end\":"
    "\"2024-04-19T10:00:06.750000+0000\",\"age\":0}}\n";

static void test_eve(void **st) {
  (void)st;
  nt_run *r = nt_run_buf("suricata_eve", eve, sizeof eve - 1);
  assert_int_equal(r->n_bad, 0);
  assert_int_equal(r->n, 8);
  const int64_t t0 = 1713520800LL * 1000000000LL; /* 2024-04-19T10:00:00Z */
  /* flow -> conn */
  assert_string_equal(r->ev[0].kind, "conn");
  assert_true(r->ev[0].ts == t0);
  assert_string_equal(nt_s(r, 0, "id.orig_h"), "10.0.0.5");
  assert_string_equal(nt_s(r, 0, "source.ip"), "10.0.0.5");
  assert_string_equal(nt_s(r, 0, "destination.port"), "443");
  assert_string_equal(nt_s(r, 0, "proto"), "tcp");
  assert_string_equal(nt_s(r, 0, "service"), "tls");
  assert_string_equal(nt_s(r, 0, "uid"), "1234567890123");
  assert_string_equal(nt_s(r, 0, "orig_bytes"), "1500");
  assert_true(nt_get(r, 0, "resp_bytes", 0)->i == 9000);
  assert_string_equal(nt_s(r, 0, "orig_pkts"), "10");
  assert_string_equal(nt_s(r, 0, "resp_pkts"), "12");
  assert_string_equal(nt_s(r, 0, "duration"), "2.500000");
  assert_string_equal(nt_s(r, 0, "flow.state"), "closed");
  assert_string_equal(nt_s(r, 0, "tcp.syn"), "T");
  assert_true(nt_get(r, 0, "timestamp", 0)->i == t0 + 10000000000LL);
  /* dns v2 answer */
  assert_string_equal(r->ev[1].kind, "dns");
  assert_true(r->ev[1].ts == t0 - 7200000000000LL + 1000000000LL);
  assert_string_equal(nt_s(r, 1, "query"), "www.example.com");
  assert_string_equal(nt_s(r, 1, "url.domain"), "www.example.com");
  assert_string_equal(nt_s(r, 1, "qtype_name"), "A");
  assert_string_equal(nt_s(r, 1, "rcode_name"), "NOERROR");
  assert_string_equal(nt_s(r, 1, "trans_id"), "4242");
  assert_int_equal(nt_count(r, 1, "answers"), 3);
  assert_string_equal(nt_get(r, 1, "answers", 0)->text, "e.example.net");
  assert_string_equal(nt_get(r, 1, "answers", 1)->text, "192.0.2.10");
  assert_string_equal(nt_get(r, 1, "TTLs", 1)->text, "60");
  /* dns v3 */
  assert_string_equal(nt_s(r, 2, "query"), "www.example.com");
  assert_string_equal(nt_s(r, 2, "qtype_name"), "A");
  /* http */
  assert_string_equal(r->ev[3].kind, "http");
  assert_string_equal(nt_s(r, 3, "host"), "evil.example");
  assert_string_equal(nt_s(r, 3, "url.domain"), "evil.example");
  assert_string_equal(nt_s(r, 3, "uri"), "/gate.php?id=1");
  assert_string_equal(nt_s(r, 3, "url.original"), "/gate.php?id=1");
  assert_string_equal(nt_s(r, 3, "user_agent.original"), "Mozilla/4.0");
  assert_string_equal(nt_s(r, 3, "http.request.method"), "POST");
  assert_string_equal(nt_s(r, 3, "status_code"), "200");
  assert_string_equal(nt_s(r, 3, "http.response.status_code"), "200");
  assert_string_equal(nt_s(r, 3, "response_body_len"), "42");
  /* tls -> ssl */
  assert_string_equal(r->ev[4].kind, "ssl");
  assert_string_equal(nt_s(r, 4, "server_name"), "c2.example");
  assert_string_equal(nt_s(r, 4, "url.domain"), "c2.example");
  assert_string_equal(nt_s(r, 4, "ja3"), "e7d705a3286e19ea42f587b344ee6865");
  assert_string_equal(nt_s(r, 4, "ja3s"), "623de93db17d313345d7ea481e7443cf");
  assert_string_equal(nt_s(r, 4, "ja4"),
                      "t13d1516h2_8daaf6152771_02713d6af862");
  assert_string_equal(nt_s(r, 4, "subject"), "CN=c2.example");
  assert_string_equal(nt_s(r, 4, "issuer"), "CN=c2.example");
  assert_string_equal(nt_s(r, 4, "version"), "TLS 1.2");
  /* fileinfo -> files */
  assert_string_equal(r->ev[5].kind, "files");
  assert_string_equal(nt_s(r, 5, "filename"), "/a.exe");
  assert_string_equal(nt_s(r, 5, "md5"), "d41d8cd98f00b204e9800998ecf8427e");
  assert_string_equal(nt_s(r, 5, "file.hash.md5"),
                      "d41d8cd98f00b204e9800998ecf8427e");
  assert_string_equal(nt_s(r, 5, "seen_bytes"), "0");
  /* alert */
  assert_string_equal(r->ev[6].kind, "alert");
  assert_true(r->ev[6].ts == t0 + 6000000000LL);
  assert_string_equal(nt_s(r, 6, "alert.signature"), "ET MALWARE Test");
  assert_true(nt_get(r, 6, "alert.signature_id", 0)->i == 2024897);
  assert_true(nt_get(r, 6, "alert.severity", 0)->i == 1);
  assert_string_equal(nt_s(r, 6, "alert.category"),
                      "A Network Trojan was detected");
  assert_null(nt_s(r, 6, "duration"));
  /* netflow -> conn */
  assert_string_equal(r->ev[7].kind, "conn");
  assert_true(r->ev[7].ts == t0 + 6000000000LL);
  assert_string_equal(nt_s(r, 7, "orig_bytes"), "300");
  assert_string_equal(nt_s(r, 7, "duration"), "0.750000");
  nt_free(r);
}

static void test_sniff(void **st) {
  (void)st;
  const sp_reader_vt *a = sp_reader_sniff(eve, sizeof eve - 1);
  const sp_reader_vt *b = sp_reader_sniff(zeek_json, sizeof zeek_json - 1);
  assert_non_null(a);
  assert_non_null(b);
  assert_string_equal(a->name, "suricata_eve");
  assert_string_equal(b->name, "zeek_json");
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_json_grammar),
      cmocka_unit_test(test_json_unescape),
      cmocka_unit_test(test_json_flatten),
      cmocka_unit_test(test_zeek_json),
      cmocka_unit_test(test_zeek_json_file_name),
      cmocka_unit_test(test_eve),
      cmocka_unit_test(test_sniff),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
