/*
 * test_ioc.c - the indicator set (src/ioc/), its JSON parser (core/json.c)
 * and the IOC detector (detect/ioc.c), on fixtures written here: every
 * format with known counts by type, the matching rules with their edge
 * cases (IPv4-mapped IPv6, CIDR /0 and /32, trailing dots, punycode and
 * upper case in domains, URL normal forms, hash case, Sysmon Hashes, the
 * signature-base false-positive regex, STIX AND/OR and valid_until), and
 * hunts that give one sighting finding per indicator with its first and
 * last time, the same for any -j.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "core/jsontree.h"
#include "detect/detector.h"
#include "ioc/ioc.h"
#include "testutil.h"

#include <openssl/evp.h>
#include <string.h>
#include <sys/stat.h>

/* ---- helpers ------------------------------------------------------------- */

static sp_ioc_set *load(const char *name, const char *text, sp_err want) {
  sp_ioc_set *s;
  assert_int_equal(sp_ioc_set_create(&s), SP_OK);
  sp_diag d = {0};
  assert_int_equal(sp_ioc_load_buffer(s, name, text, strlen(text), &d), want);
  if (want == SP_OK)
    assert_int_equal(sp_ioc_set_finish(s, &d), SP_OK);
  return s;
}

static size_t cnt(const sp_ioc_set *s, sp_ioc_type t) {
  return sp_ioc_set_count_type(s, t);
}

static size_t ip_hits(const sp_ioc_set *s, const char *ip) {
  sp_ip a;
  assert_true(sp_ip_parse(sp_str_make(ip, strlen(ip)), &a));
  uint32_t ids[16];
  return sp_ioc_match_ip(s, &a, ids, 16);
}

static size_t dom_hits(const sp_ioc_set *s, const char *v) {
  uint32_t ids[16];
  return sp_ioc_match_domain(s, sp_str_make(v, strlen(v)), ids, 16);
}

static size_t url_hits(const sp_ioc_set *s, const char *v) {
  uint32_t ids[16];
  return sp_ioc_match_url(s, sp_str_make(v, strlen(v)), ids, 16);
}

static size_t exact_hits(const sp_ioc_set *s, sp_ioc_type t, const char *v) {
  uint32_t ids[16];
  return sp_ioc_match_exact(s, t, sp_str_make(v, strlen(v)), ids, 16);
}

static size_t path_hits(const sp_ioc_set *s, const char *v) {
  sp_ioc_scratch *sc;
  assert_int_equal(sp_ioc_scratch_create(s, &sc), SP_OK);
  uint32_t ids[16];
  size_t n = sp_ioc_match_path(s, sc, sp_str_make(v, strlen(v)), true, ids, 16);
  sp_ioc_scratch_destroy(sc);
  return n;
}

/* ---- JSON ---------------------------------------------------------------- */

static void test_json(void **state) {
  (void)state;
  const char *t = "{\"a\": [1, -2.5e3, true, false, null],\n"
                  " \"s\": \"x\\u00e9\\ud83d\\ude00\\n\\\"q\\\"\", \"o\": {}}";
  sp_jtree *j;
  assert_int_equal(sp_jtree_parse(t, strlen(t), &j, NULL, NULL), SP_OK);
  uint32_t a = sp_jtree_get(j, 0, "a");
  assert_int_equal(sp_jtree_type(j, a), SP_J_ARRAY);
  uint32_t c = sp_jtree_child(j, a);
  assert_true(sp_str_eq(sp_jtree_text(j, c), "1"));
  c = sp_jtree_next(j, c);
  assert_true(sp_str_eq(sp_jtree_text(j, c), "-2.5e3"));
  assert_int_equal(sp_jtree_type(j, sp_jtree_next(j, c)), SP_J_TRUE);
  /* U+00E9 is C3 A9, U+1F600 (a surrogate pair) is F0 9F 98 80. */
  assert_true(sp_str_eq(sp_jtree_get_str(j, 0, "s"),
                        "x\xC3\xA9\xF0\x9F\x98\x80\n\"q\""));
  assert_int_equal(sp_jtree_type(j, sp_jtree_get(j, 0, "o")), SP_J_OBJECT);
  assert_int_equal(sp_jtree_get(j, 0, "none"), SP_JNONE);
  sp_jtree_destroy(j);

  /* Errors name the line. */
  size_t line = 0, off = 0;
  const char *bad = "{\"a\": 1,\n\"b\": [1, 2,\n}";
  assert_int_equal(sp_jtree_parse(bad, strlen(bad), &j, &line, &off),
                   SP_EFORMAT);
  assert_null(j);
  assert_int_equal(line, 3);
  const char *trail = "{} x";
  assert_int_equal(sp_jtree_parse(trail, 4, &j, NULL, NULL), SP_EFORMAT);
  const char *unterminated = "[\"abc";
  assert_int_equal(sp_jtree_parse(unterminated, 5, &j, NULL, NULL), SP_EFORMAT);
  /* Nesting is bounded. */
  char deep[200];
  memset(deep, '[', 100);
  memset(deep + 100, ']', 100);
  assert_int_equal(sp_jtree_parse(deep, 200, &j, NULL, NULL), SP_ELIMIT);
  memset(deep, '[', 60);
  memset(deep + 60, ']', 60);
  assert_int_equal(sp_jtree_parse(deep, 120, &j, NULL, NULL), SP_OK);
  sp_jtree_destroy(j);
}

/* ---- formats ------------------------------------------------------------- */

static void test_plain_list(void **state) {
  (void)state;
  sp_ioc_set *s =
      load("list.txt",
           "# a comment\n"
           "203.0.113.9\n"
           "2001:db8::/32\n"
           "198.51.100.0/24\n"
           "Evil-Example.COM.\n"
           "https://evil.example.org/x?a=1\n"
           "0123456789ABCDEF0123456789abcdef\n"
           "0123456789abcdef0123456789abcdef01234567\n"
           "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\n"
           "attacker@evil.example\n"
           "C:\\inetpub\\wwwroot\\aspnet_client\\shell.aspx\n"
           "t13d1516h2_8daaf6152771_02713d6af862\n"
           "not an indicator at all\n"
           "\n",
           SP_OK);
  assert_int_equal(cnt(s, SP_IOC_IP), 3);
  assert_int_equal(cnt(s, SP_IOC_DOMAIN), 1);
  assert_int_equal(cnt(s, SP_IOC_URL), 1);
  assert_int_equal(cnt(s, SP_IOC_MD5), 1);
  assert_int_equal(cnt(s, SP_IOC_SHA1), 1);
  assert_int_equal(cnt(s, SP_IOC_SHA256), 1);
  assert_int_equal(cnt(s, SP_IOC_EMAIL), 1);
  assert_int_equal(cnt(s, SP_IOC_FILEPATH), 1);
  assert_int_equal(cnt(s, SP_IOC_JA4), 1);
  assert_int_equal(sp_ioc_set_count(s), 11);
  assert_int_equal(sp_ioc_set_skipped(s, SP_IOC_SKIP_BAD), 1);
  sp_ioc_info in;
  assert_true(sp_ioc_set_get(s, 0, &in));
  assert_string_equal(in.format, "list");
  assert_int_equal(in.line, 2);
  assert_string_equal(in.source, "list.txt");
  sp_ioc_set_destroy(s);
}

static void test_csv_header(void **state) {
  (void)state;
  /* Microsoft's MSTIC layout and Volexity's, written here. */
  sp_ioc_set *s =
      load("mstic.csv",
           "DateAdded,FirstSeen,Indicator,IndicatorType,TLP\n"
           "2021-03-10,2021-03-05T10:07:29Z,"
           "8e90ed33c7ee82c0b64078ea36ec95f7420ba435c693b3b3dd728b494abf7dfc,"
           "sha256,White\n"
           "2021-03-09,,C:\\Program Files\\Microsoft\\Exchange "
           "Server\\V15\\FrontEnd\\HttpProxy\\owa\\auth\\bob.aspx,filepath,"
           "White\n"
           "2021-03-09,,zzz,sha256,White\n",
           SP_OK);
  assert_int_equal(cnt(s, SP_IOC_SHA256), 1);
  assert_int_equal(cnt(s, SP_IOC_FILEPATH), 1);
  assert_int_equal(sp_ioc_set_skipped(s, SP_IOC_SKIP_BAD), 1);
  /* The path matches wherever the folder is mounted, by its last three
   * components; the URL path of the page too. */
  assert_int_equal(path_hits(s, "/mnt/c/Program Files/Microsoft/Exchange "
                                "Server/V15/FrontEnd/HttpProxy/owa/auth/"
                                "BOB.aspx"),
                   1);
  assert_int_equal(path_hits(s, "/owa/auth/bob.aspx"), 1);
  assert_int_equal(path_hits(s, "/ecp/auth/bob.aspx"), 0);
  assert_int_equal(path_hits(s, "/owa/auth/bob.aspx.bak"), 0);
  sp_ioc_set_destroy(s);

  s = load("volexity.csv",
           "value,type,notes\n"
           "103.77.192.219,ipaddress,\"IP addresses, attempting\"\n"
           "evil.example,domain,\n"
           "x,registry-key,\n",
           SP_OK);
  assert_int_equal(cnt(s, SP_IOC_IP), 1);
  assert_int_equal(cnt(s, SP_IOC_DOMAIN), 1);
  assert_int_equal(sp_ioc_set_skipped(s, SP_IOC_SKIP_UNSUPPORTED), 1);
  sp_ioc_info in;
  assert_true(sp_ioc_set_get(s, 0, &in));
  assert_string_equal(in.comment, "IP addresses, attempting");
  assert_string_equal(in.format, "csv");
  sp_ioc_set_destroy(s);
}

static void test_misp(void **state) {
  (void)state;
  sp_ioc_set *s =
      load("misp.csv",
           "uuid,event_id,category,type,value,comment,to_ids,date\n"
           "u1,7,Network activity,ip-dst,203.0.113.7,c2,1,1614556800\n"
           "u2,7,Payload delivery,filename|sha256,\"shell.aspx|"
           "8e90ed33c7ee82c0b64078ea36ec95f7420ba435c693b3b3dd728b494abf7dfc\","
           ",1,1614556800\n"
           "u3,7,Network activity,domain|ip,evil.example|198.51.100.1,,1,1\n"
           "u4,7,Other,text,hello,,0,1\n",
           SP_OK);
  assert_int_equal(cnt(s, SP_IOC_IP), 2);
  assert_int_equal(cnt(s, SP_IOC_SHA256), 1);
  assert_int_equal(cnt(s, SP_IOC_FILENAME), 1);
  assert_int_equal(cnt(s, SP_IOC_DOMAIN), 1);
  assert_int_equal(sp_ioc_set_skipped(s, SP_IOC_SKIP_UNSUPPORTED), 1);
  sp_ioc_info in;
  assert_true(sp_ioc_set_get(s, 0, &in));
  assert_string_equal(in.format, "misp-csv");
  sp_ioc_set_destroy(s);

  s = load("misp.json",
           "{\"Event\": {\"info\": \"Exchange intrusion\", \"Orgc\": "
           "{\"name\": \"CERT-X\"},\n"
           " \"Attribute\": [\n"
           "  {\"type\": \"ip-src\", \"value\": \"192.0.2.44\", \"comment\": "
           "\"scanner\"},\n"
           "  {\"type\": \"url\", \"value\": \"http://EVIL.example:80/a\"},\n"
           "  {\"type\": \"user-agent\", \"value\": \"ExchangeMal/1.0\"},\n"
           "  {\"type\": \"ja3-fingerprint-md5\", \"value\": "
           "\"e7d705a3286e19ea42f587b344ee6865\"},\n"
           "  {\"type\": \"email-src\", \"value\": \"bad@evil.example\"}],\n"
           " \"Object\": [{\"name\": \"file\", \"Attribute\": [\n"
           "  {\"type\": \"md5\", \"value\": "
           "\"0123456789abcdef0123456789abcdef\"}]}]}}",
           SP_OK);
  assert_int_equal(sp_ioc_set_count(s), 6);
  assert_int_equal(cnt(s, SP_IOC_UA), 1);
  assert_int_equal(cnt(s, SP_IOC_JA3), 1);
  assert_int_equal(cnt(s, SP_IOC_EMAIL), 1);
  assert_int_equal(cnt(s, SP_IOC_MD5), 1);
  assert_true(sp_ioc_set_get(s, 0, &in));
  assert_string_equal(in.feed, "CERT-X: Exchange intrusion");
  assert_string_equal(in.comment, "scanner");
  assert_string_equal(in.format, "misp-json");
  /* Default port and host case do not matter. */
  assert_int_equal(url_hits(s, "http://evil.example/a"), 1);
  sp_ioc_set_destroy(s);

  /* restSearch responses. */
  s = load("rest.json",
           "{\"response\": [{\"Event\": {\"Attribute\": [{\"type\": "
           "\"hostname\", \"value\": \"c2.evil.example\"}]}}]}",
           SP_OK);
  assert_int_equal(cnt(s, SP_IOC_DOMAIN), 1);
  sp_ioc_set_destroy(s);
}

static const char STIX[] =
    "{\"type\": \"bundle\", \"id\": \"bundle--1\", \"objects\": [\n"
    " {\"type\": \"identity\", \"id\": \"identity--9\", \"name\": \"ACME "
    "CERT\"},\n"
    " {\"type\": \"indicator\", \"id\": \"indicator--1\", \"created_by_ref\": "
    "\"identity--9\",\n"
    "  \"name\": \"Hafnium IP\", \"description\": \"exploitation source\",\n"
    "  \"pattern_type\": \"stix\", \"confidence\": 85,\n"
    "  \"pattern\": \"[ipv4-addr:value = '203.0.113.9']\",\n"
    "  \"external_references\": [{\"source_name\": \"x\", \"url\": "
    "\"https://example.org/report\"}]},\n"
    " {\"type\": \"indicator\", \"id\": \"indicator--2\", \"pattern\": "
    "\"[domain-name:value = 'evil.example' OR url:value = "
    "'http://evil.example/x'] OR [file:hashes.'SHA-256' = "
    "'8e90ed33c7ee82c0b64078ea36ec95f7420ba435c693b3b3dd728b494abf7dfc']\"},\n"
    " {\"type\": \"indicator\", \"id\": \"indicator--3\", \"pattern\": "
    "\"[network-traffic:dst_ref.value = '198.51.100.3'] AND "
    "[network-traffic:extensions.'http-request-ext'.request_header."
    "'User-Agent' = 'Mal/2.0']\"},\n"
    " {\"type\": \"indicator\", \"id\": \"indicator--4\", \"pattern\": "
    "\"[ipv6-addr:value ISSUBSET '2001:db8:bad::/48'] OR [email-addr:value "
    "IN ('a@evil.example', 'b@evil.example')]\",\n"
    "  \"valid_until\": \"2021-03-01T00:00:00Z\"},\n"
    " {\"type\": \"indicator\", \"id\": \"indicator--5\", \"pattern\": "
    "\"[process:name = 'cmd.exe']\"},\n"
    " {\"type\": \"indicator\", \"id\": \"indicator--6\", \"pattern_type\": "
    "\"sigma\", \"pattern\": \"title: x\"},\n"
    " {\"type\": \"indicator\", \"id\": \"indicator--7\", \"pattern\": "
    "\"[ipv4-addr:value = \"}\n"
    "]}\n";

static void test_stix(void **state) {
  (void)state;
  sp_ioc_set *s = load("bundle.json", STIX, SP_OK);
  /* 1: one IP; 2: three terms; 3: one AND term of two; 4: one CIDR and two
   * e-mails. 5 and 6 unsupported, 7 a bad pattern. */
  assert_int_equal(sp_ioc_set_count(s), 9);
  assert_int_equal(cnt(s, SP_IOC_IP), 3);
  assert_int_equal(cnt(s, SP_IOC_DOMAIN), 1);
  assert_int_equal(cnt(s, SP_IOC_URL), 1);
  assert_int_equal(cnt(s, SP_IOC_SHA256), 1);
  assert_int_equal(cnt(s, SP_IOC_UA), 1);
  assert_int_equal(cnt(s, SP_IOC_EMAIL), 2);
  assert_int_equal(sp_ioc_set_skipped(s, SP_IOC_SKIP_UNSUPPORTED), 2);
  assert_int_equal(sp_ioc_set_skipped(s, SP_IOC_SKIP_BAD), 1);
  sp_ioc_info in;
  assert_true(sp_ioc_set_get(s, 0, &in));
  assert_string_equal(in.feed, "ACME CERT");
  assert_string_equal(in.comment, "exploitation source");
  assert_string_equal(in.reference, "https://example.org/report");
  assert_int_equal(in.score, 85);
  assert_string_equal(in.format, "stix");
  assert_int_equal(in.group_n, 1);
  /* The AND term: two consecutive members of one group. */
  assert_true(sp_ioc_set_get(s, 4, &in));
  assert_int_equal(in.group, 4);
  assert_int_equal(in.group_n, 2);
  assert_int_equal(in.type, SP_IOC_IP);
  assert_true(sp_ioc_set_get(s, 5, &in));
  assert_int_equal(in.type, SP_IOC_UA);
  assert_int_equal(in.group, 4);
  /* valid_until is kept (2021-03-01T00:00:00Z = 1614556800 s). */
  assert_true(sp_ioc_set_get(s, 6, &in));
  assert_int_equal(in.valid_until, INT64_C(1614556800) * 1000000000);
  assert_int_equal(ip_hits(s, "2001:db8:bad:1::5"), 1);
  assert_int_equal(ip_hits(s, "2001:db8:bae::5"), 0);
  sp_ioc_set_destroy(s);

  /* A broken file is an error naming the file and the line. */
  sp_ioc_set *b;
  assert_int_equal(sp_ioc_set_create(&b), SP_OK);
  sp_diag d = {0};
  const char *broken = "{\"type\": \"bundle\",\n \"objects\": [\n {,}]}";
  assert_int_equal(
      sp_ioc_load_buffer(b, "broken.json", broken, strlen(broken), &d),
      SP_EFORMAT);
  assert_non_null(strstr(d.msg, "broken.json:3"));
  sp_ioc_set_destroy(b);
}

static void test_signature_base(void **state) {
  (void)state;
  sp_ioc_set *s =
      load("hash-iocs.txt",
           "# comment\n"
           "8E90ED33C7EE82C0B64078EA36EC95F7420BA435C693B3B3DD728B494ABF7DFC;"
           "Hafnium web shell\n"
           "0123456789abcdef0123456789abcdef;80;Chopper variant\n"
           "0123456789abcdef0123456789abcdef01234567;60;x;y\n",
           SP_OK);
  assert_int_equal(cnt(s, SP_IOC_SHA256), 1);
  assert_int_equal(cnt(s, SP_IOC_MD5), 1);
  assert_int_equal(cnt(s, SP_IOC_SHA1), 1);
  sp_ioc_info in;
  assert_true(sp_ioc_set_get(s, 0, &in));
  assert_string_equal(in.comment, "Hafnium web shell");
  assert_int_equal(in.score, -1);
  assert_string_equal(in.format, "signature-base");
  assert_true(sp_ioc_set_get(s, 1, &in));
  assert_int_equal(in.score, 80);
  assert_string_equal(in.comment, "Chopper variant");
  /* Hash case does not matter. */
  uint32_t ids[4];
  const char *lo =
      "8e90ed33c7ee82c0b64078ea36ec95f7420ba435c693b3b3dd728b494abf7dfc";
  assert_int_equal(sp_ioc_match_hash(s, sp_str_make(lo, 64), ids, 4), 1);
  assert_int_equal(
      sp_ioc_match_hash(s, sp_str_make("0123456789ABCDEF0123456789ABCDEF", 32),
                        ids, 4),
      1);
  sp_ioc_set_destroy(s);

  s = load("filename-iocs.txt",
           "# Exchange\n"
           "\\\\aspnet_client\\\\[a-z0-9]{3,12}\\.aspx;75\n"
           "\\\\tmp\\.exe;60;(?i)\\\\AppData\\\\Local\\\\Temp\\\\\n"
           "(a|b)\\\\x\\.dll;50\n"
           "bad(regex;50\n",
           SP_OK);
  assert_int_equal(cnt(s, SP_IOC_REGEX), 3);
  assert_int_equal(sp_ioc_set_skipped(s, SP_IOC_SKIP_BAD), 1);
  assert_int_equal(path_hits(s, "/evidence/inetpub/wwwroot/aspnet_client/"
                                "Shell01.aspx"),
                   1);
  assert_int_equal(path_hits(s, "/evidence/inetpub/wwwroot/aspnet_client/"
                                "a.aspx"),
                   0);
  /* The false-positive regex wins. */
  assert_int_equal(path_hits(s, "C:\\Windows\\tmp.exe"), 1);
  assert_int_equal(path_hits(s, "C:\\Users\\x\\AppData\\Local\\Temp\\tmp.exe"),
                   0);
  /* A regex without a required literal (top-level alternation: PCRE2
   * alone). */
  assert_int_equal(path_hits(s, "/x/b/x.dll"), 1);
  sp_ioc_set_destroy(s);

  s = load("c2-iocs.txt",
           "# C2\n"
           "evil.example\n"
           "176.123.5.126;65\n"
           "ftp.c2.example.net\n",
           SP_OK);
  assert_int_equal(cnt(s, SP_IOC_DOMAIN), 2);
  assert_int_equal(cnt(s, SP_IOC_IP), 1);
  assert_true(sp_ioc_set_get(s, 1, &in));
  assert_int_equal(in.score, 65);
  sp_ioc_set_destroy(s);
}

static void test_chirp(void **state) {
  (void)state;
  sp_ioc_set *s = load("chirp.yaml",
                       "# CHIRP file\n"
                       "---\n"
                       "name: \"Hafnium IPs\"\n"
                       "description: |\n"
                       "  seen exploiting\n"
                       "confidence: 7\n"
                       "ioc_type: \"network\"\n"
                       "indicator:\n"
                       "  ips: |\n"
                       "    203.0.113.9\n"
                       "    198.51.100.0/24\n"
                       "  domains: |\n"
                       "    evil.example\n"
                       "---\n"
                       "name: \"a yara check\"\n"
                       "ioc_type: \"yara\"\n"
                       "indicator:\n"
                       "  files: \"C:\\\\x\"\n"
                       "  rule: |\n"
                       "    rule x { condition: true }\n",
                       SP_OK);
  assert_int_equal(cnt(s, SP_IOC_IP), 2);
  assert_int_equal(cnt(s, SP_IOC_DOMAIN), 1);
  assert_int_equal(sp_ioc_set_skipped(s, SP_IOC_SKIP_UNSUPPORTED), 1);
  sp_ioc_info in;
  assert_true(sp_ioc_set_get(s, 0, &in));
  assert_int_equal(in.score, 70);
  assert_string_equal(in.feed, "Hafnium IPs");
  assert_string_equal(in.format, "chirp");
  sp_ioc_set_destroy(s);

  sp_ioc_set *b;
  assert_int_equal(sp_ioc_set_create(&b), SP_OK);
  sp_diag d = {0};
  const char *broken = "ioc_type: network\nindicator:\n  ips: [1.2.3.4\n";
  assert_int_equal(
      sp_ioc_load_buffer(b, "bad.yaml", broken, strlen(broken), &d),
      SP_EFORMAT);
  assert_non_null(strstr(d.msg, "bad.yaml:"));
  sp_ioc_set_destroy(b);
}

/* ---- matching rules ------------------------------------------------------ */

static void test_match_ip(void **state) {
  (void)state;
  sp_ioc_set *s = load("ips.txt",
                       "203.0.113.9\n"
                       "198.51.100.0/24\n"
                       "192.0.2.1/32\n"
                       "2001:db8::/32\n",
                       SP_OK);
  assert_int_equal(ip_hits(s, "203.0.113.9"), 1);
  assert_int_equal(ip_hits(s, "203.0.113.10"), 0);
  /* IPv4-mapped IPv6 is the IPv4 address. */
  assert_int_equal(ip_hits(s, "::ffff:203.0.113.9"), 1);
  assert_int_equal(ip_hits(s, "[::FFFF:203.0.113.9]:443"), 1);
  assert_int_equal(ip_hits(s, "198.51.100.0"), 1);
  assert_int_equal(ip_hits(s, "198.51.100.255"), 1);
  assert_int_equal(ip_hits(s, "198.51.101.0"), 0);
  /* /32 is exactly one address. */
  assert_int_equal(ip_hits(s, "192.0.2.1"), 1);
  assert_int_equal(ip_hits(s, "192.0.2.0"), 0);
  assert_int_equal(ip_hits(s, "2001:db8:ffff::1"), 1);
  assert_int_equal(ip_hits(s, "2001:db9::1"), 0);
  sp_ioc_set_destroy(s);

  /* /0: every IPv4 address (an IPv4 /0 is ::ffff:0:0/96), no IPv6. */
  s = load("all.txt", "0.0.0.0/0\n", SP_OK);
  assert_int_equal(ip_hits(s, "1.2.3.4"), 1);
  assert_int_equal(ip_hits(s, "255.255.255.255"), 1);
  assert_int_equal(ip_hits(s, "2001:db8::1"), 0);
  sp_ioc_set_destroy(s);
  s = load("all6.txt", "::/0\n", SP_OK);
  assert_int_equal(ip_hits(s, "2001:db8::1"), 1);
  assert_int_equal(ip_hits(s, "1.2.3.4"), 1);
  sp_ioc_set_destroy(s);
}

static void test_match_domain(void **state) {
  (void)state;
  sp_ioc_set *s = load("d.txt",
                       "evil.example\n"
                       "XN--Bcher-KVA.example.\n"
                       "deep.sub.other.example\n"
                       "co.uk\n", /* a public suffix: refused */
                       SP_OK);
  assert_int_equal(sp_ioc_set_count_type(s, SP_IOC_DOMAIN), 3);
  assert_int_equal(sp_ioc_set_skipped(s, SP_IOC_SKIP_UNSUPPORTED), 1);
  assert_int_equal(dom_hits(s, "bbc.co.uk"), 0);
  assert_int_equal(dom_hits(s, "evil.example"), 1);
  assert_int_equal(dom_hits(s, "EVIL.Example."), 1);
  assert_int_equal(dom_hits(s, "mail.evil.example"), 1);
  assert_int_equal(dom_hits(s, "a.b.c.evil.example"), 1);
  assert_int_equal(dom_hits(s, "notevil.example"), 0);
  assert_int_equal(dom_hits(s, "evil.example.com"), 0);
  assert_int_equal(dom_hits(s, "example"), 0);
  /* Punycode labels compare case-insensitively as written. */
  assert_int_equal(dom_hits(s, "xn--bcher-kva.example"), 1);
  assert_int_equal(dom_hits(s, "www.xn--bcher-kva.example"), 1);
  /* The registered domain, from the Public Suffix List. */
  char rd[256];
  assert_true(sp_ioc_registered_domain(s, "a.b.example.co.uk", rd, sizeof rd));
  assert_string_equal(rd, "example.co.uk");
  assert_false(sp_ioc_registered_domain(s, "co.uk", rd, sizeof rd));
  /* A parent of an indicator is not a match. */
  assert_int_equal(dom_hits(s, "sub.other.example"), 0);
  assert_int_equal(dom_hits(s, "x.deep.sub.other.example"), 1);
  sp_ioc_set_destroy(s);
}

static void test_match_url_and_exact(void **state) {
  (void)state;
  char buf[256];
  const char *u = "HTTPS://Evil.Example:443/a%7eb/%2fc?q=%41#frag";
  assert_true(sp_ioc_norm_url(sp_str_make(u, strlen(u)), buf, sizeof buf));
  assert_string_equal(buf, "https://evil.example/a~b/%2Fc?q=A");
  u = "http://evil.example:8080";
  assert_true(sp_ioc_norm_url(sp_str_make(u, strlen(u)), buf, sizeof buf));
  assert_string_equal(buf, "http://evil.example:8080/");
  u = "/no/scheme";
  assert_false(sp_ioc_norm_url(sp_str_make(u, strlen(u)), buf, sizeof buf));

  sp_ioc_set *s = load("m.json",
                       "{\"Attribute\": [\n"
                       "{\"type\": \"url\", \"value\": "
                       "\"https://evil.example/a~b/\"},\n"
                       "{\"type\": \"user-agent\", \"value\": \"Mozilla/5.0 "
                       "(zgrab)\"},\n"
                       "{\"type\": \"email-dst\", \"value\": "
                       "\"Victim@Corp.Example\"},\n"
                       "{\"type\": \"ja4\", \"value\": "
                       "\"t13d1516h2_8daaf6152771_02713d6af862\"}]}",
                       SP_OK);
  assert_int_equal(url_hits(s, "https://EVIL.example:443/a%7Eb/"), 1);
  assert_int_equal(url_hits(s, "https://evil.example/a~b/#x"), 1);
  assert_int_equal(url_hits(s, "http://evil.example/a~b/"), 0);
  /* IIS writes spaces in user agents as '+'. */
  assert_int_equal(exact_hits(s, SP_IOC_UA, "Mozilla/5.0+(zgrab)"), 1);
  assert_int_equal(exact_hits(s, SP_IOC_UA, "Mozilla/5.0 (zgrab) x"), 0);
  assert_int_equal(exact_hits(s, SP_IOC_EMAIL, "SMTP:victim@corp.example"), 1);
  assert_int_equal(exact_hits(s, SP_IOC_EMAIL, "<victim@corp.example>"), 1);
  assert_int_equal(
      exact_hits(s, SP_IOC_JA4, "T13D1516H2_8DAAF6152771_02713D6AF862"), 1);
  sp_ioc_set_destroy(s);
}

/* ---- hunts --------------------------------------------------------------- */

static const char IIS_HDR[] =
    "#Software: Microsoft Internet Information Services 10.0\r\n"
    "#Fields: date time s-ip cs-method cs-uri-stem cs-uri-query s-port "
    "cs-username c-ip cs(User-Agent) sc-status\r\n";

static sp_result *hunt_ioc(const char *dir, const char *ioc, int jobs) {
  sp_opts o = {.jobs = jobs, .no_builtin_yara = 1};
  const char *iocs[] = {ioc};
  o.ioc_paths = iocs;
  o.n_ioc = 1;
  sp_engine *e;
  sp_diag d = {0};
  assert_int_equal(sp_engine_create(&o, &e, &d), SP_OK);
  sp_result *r;
  const char *paths[] = {dir};
  assert_int_equal(sp_engine_hunt(e, paths, 1, &r, &d), SP_OK);
  sp_engine_destroy(e);
  return r;
}

static const char *entity(const sp_finding *f, const char *field) {
  for (size_t i = 0; i < f->n_entities; i++)
    if (strcmp(f->entities[i].field, field) == 0)
      return f->entities[i].value;
  return NULL;
}

static uint64_t limit_of(const sp_result *r, const char *name) {
  for (size_t i = 0; i < sp_result_limit_count(r); i++)
    if (strcmp(sp_result_limit(r, i)->name, name) == 0)
      return sp_result_limit(r, i)->count;
  return 0;
}

static void test_hunt_sightings(void **state) {
  (void)state;
  char *dir = tu_tmpdir(), *idir = tu_tmpdir();
  char log1[2048], log2[2048];
  snprintf(log1, sizeof log1,
           "%s"
           "2021-02-27 22:41:07 10.0.0.5 GET /owa/ - 443 - 103.77.192.219 "
           "Mozilla/5.0 200\r\n"
           "2021-02-27 23:00:00 10.0.0.5 GET /owa/ - 443 - 192.0.2.200 "
           "Mozilla/5.0 200\r\n"
           "2021-03-02 04:15:02 10.0.0.5 POST /ecp/y.js - 443 - "
           "::ffff:103.77.192.219 ExchangeMal/1.0 200\r\n",
           IIS_HDR);
  snprintf(log2, sizeof log2,
           "%s"
           "2021-03-03 06:59:13 10.0.0.6 GET /aspnet_client/shell.aspx - 443 "
           "- 103.77.192.219 Mozilla/5.0 200\r\n",
           IIS_HDR);
  tu_write(dir, "u_ex210227.log", log1, strlen(log1));
  tu_write(dir, "u_ex210303.log", log2, strlen(log2));
  const char *csv =
      "value,type,notes\n"
      "103.77.192.219,ipaddress,Hafnium source\n"
      "ExchangeMal/1.0,user-agent,\n"
      "198.51.100.99,ipaddress,never seen\n"
      "C:\\inetpub\\wwwroot\\aspnet_client\\shell.aspx,filepath,\n"
      "bogus,ipaddress,\n";
  tu_write(idir, "iocs.csv", csv, strlen(csv));
  char ioc[1100];
  snprintf(ioc, sizeof ioc, "%s/iocs.csv", idir);

  uint64_t id_count[2] = {0, 0};
  for (int jobs = 1; jobs <= 2; jobs++) {
    sp_result *r = hunt_ioc(dir, ioc, jobs);
    const sp_finding *f = tu_find(r, "spoor.ioc.ip", 0);
    assert_non_null(f);
    assert_null(tu_find(r, "spoor.ioc.ip", 1)); /* 198.51.100.99: unseen */
    assert_string_equal(entity(f, "threat.indicator.name"), "103.77.192.219");
    assert_string_equal(entity(f, "threat.indicator.type"), "ip");
    assert_int_equal(f->count, 3);
    /* 2021-02-27 22:41:07 and 2021-03-03 06:59:13 UTC. */
    assert_int_equal(f->first_ns, INT64_C(1614465667) * 1000000000);
    assert_int_equal(f->last_ns, INT64_C(1614754753) * 1000000000);
    assert_int_equal(f->n_evidence, 3);
    assert_int_equal(f->evidence[0].where, 3);
    assert_non_null(strstr(f->reason, "first contact with 103.77.192.219 on "
                                      "2021-02-27 22:41 UTC from 10.0.0.5 "
                                      "(source.ip)"));
    assert_non_null(strstr(f->reason, "last on 2021-03-03 06:59 UTC"));
    assert_non_null(strstr(f->reason, "hosts: 10.0.0.5, 10.0.0.6"));
    assert_true(strncmp(f->rule_description,
                        "Hafnium source - ip indicator from ", 35) == 0);
    assert_non_null(strstr(f->rule_description, "iocs.csv line 2 (csv"));
    id_count[jobs - 1] = f->count;
    const sp_finding *ua = tu_find(r, "spoor.ioc.user_agent", 0);
    assert_non_null(ua);
    assert_int_equal(ua->count, 1);
    const sp_finding *fp = tu_find(r, "spoor.ioc.filepath", 0);
    assert_non_null(fp); /* the URL path of the page */
    assert_int_equal(limit_of(r, "ioc.bad_entries"), 1);
    sp_result_destroy(r);
  }
  assert_int_equal(id_count[0], id_count[1]);
  tu_rm_rf(dir);
  tu_rm_rf(idir);
  free(dir);
  free(idir);
}

static void test_hunt_stix_and(void **state) {
  (void)state;
  char *dir = tu_tmpdir(), *idir = tu_tmpdir();
  char log[2048];
  snprintf(log, sizeof log,
           "%s"
           "2021-03-02 04:15:02 10.0.0.5 GET /owa/ - 443 - 203.0.113.9 "
           "Mozilla/5.0 200\r\n"
           "2021-03-02 05:00:00 10.0.0.5 GET /owa/ - 443 - 198.51.100.3 "
           "Mal/2.0 200\r\n"
           "2021-03-02 06:00:00 10.0.0.5 GET /owa/ - 443 - "
           "2001:db8:bad::1 Mozilla/5.0 200\r\n",
           IIS_HDR);
  tu_write(dir, "u_ex210302.log", log, strlen(log));
  tu_write(idir, "bundle.json", STIX, sizeof STIX - 1);
  char ioc[1100];
  snprintf(ioc, sizeof ioc, "%s/bundle.json", idir);
  sp_result *r = hunt_ioc(dir, ioc, 2);
  const sp_finding *f = tu_find(r, "spoor.ioc.ip", 0);
  assert_non_null(f);
  assert_string_equal(entity(f, "threat.indicator.name"), "203.0.113.9");
  assert_int_equal(f->level, SP_LEVEL_HIGH); /* confidence 85 */
  assert_string_equal(f->reference, "https://example.org/report");
  assert_string_equal(f->rule_author, "ACME CERT");
  /* The AND term: both of its comparisons seen (on one line here). */
  const sp_finding *g = tu_find(r, "spoor.ioc.stix_pattern", 0);
  assert_non_null(g);
  assert_int_equal(g->count, 2);
  /* 2001:db8:bad::1 is in a range valid until 2021-03-01: expired. */
  assert_null(tu_find(r, "spoor.ioc.ip", 1));
  sp_result_destroy(r);
  tu_rm_rf(dir);
  tu_rm_rf(idir);
  free(dir);
  free(idir);
}

/* ---- any reader's fields ------------------------------------------------- */

extern const sp_detector_vt sp_det_ioc;

typedef struct seen {
  const char *rules[16];
  const char *names[16];
  uint64_t counts[16];
  size_t n;
} seen;

static void collect(const sp_agg *a, void *user) {
  seen *s = user;
  if (s->n < 16) {
    s->rules[s->n] = a->rule->id;
    s->names[s->n] = a->n_ent > 1 ? a->ent_value[1] : "";
    s->counts[s->n] = a->count;
    s->n++;
  }
}

static bool has(const seen *s, const char *rule, const char *name) {
  for (size_t i = 0; i < s->n; i++)
    if (strcmp(s->rules[i], rule) == 0 && strcmp(s->names[i], name) == 0)
      return true;
  return false;
}

static sp_fval vals[SP_EVENT_MAX_FIELDS];

/* Events as an EVTX (Sysmon) reader and a Zeek reader would give them:
 * fields the detector has never heard of by id, found by name and type. */
static void test_detector_fields(void **state) {
  (void)state;
  sp_ioc_set *set =
      load("mixed.txt",
           "198.51.100.7\n"
           "c2.evil.example\n"
           "8e90ed33c7ee82c0b64078ea36ec95f7420ba435c693b3b3dd728b494abf7dfc\n"
           "e7d705a3286e19ea42f587b344ee6865\n"
           "C:\\Windows\\Temp\\dropper.exe\n",
           SP_OK);
  sp_names *nm;
  assert_int_equal(sp_names_create(&nm), SP_OK);
  /* Interned by "readers" after the detector was created. */
  sp_input in[] = {{"ioc", set}};
  sp_dctx ctx = {.inputs = in, .n_inputs = 1, .names = nm, .workers = 1};
  void *st = sp_det_ioc.create(&ctx);
  assert_non_null(st);
  int f_hashes = sp_names_field(nm, "Hashes", 6);
  int f_image = sp_names_field(nm, "Image", 5);
  int f_qname = sp_names_field(nm, "QueryName", 9);
  int f_orig = sp_names_field_typed(nm, "id.orig_h", 9, SP_T_IP);
  int f_resp = sp_names_field_typed(nm, "id.resp_h", 9, SP_T_IP);
  int f_ja3 = sp_names_field(nm, "ja3", 3);
  int f_zz = sp_names_field_typed(nm, "some.addr", 9, SP_T_IP);
  sp_event ev;
  sp_event_init(&ev, vals, SP_EVENT_MAX_FIELDS);
  ev.ref = SP_REF_RECORD;
  ev.ts = INT64_C(1614754753) * 1000000000;
  ev.line = 42;
  sp_event_set(&ev, SP_F_HOST_NAME, SP_STR_LIT("WS01"));
  sp_event_add_typed(&ev, f_hashes,
                     SP_STR_LIT("SHA1=0000000000000000000000000000000000000000,"
                                "MD5=00000000000000000000000000000000,SHA256="
                                "8E90ED33C7EE82C0B64078EA36EC95F7420BA435C693B3"
                                "B3DD728B494ABF7DFC,IMPHASH=00"),
                     SP_T_STR);
  sp_event_add_typed(&ev, f_image, SP_STR_LIT("C:\\WINDOWS\\temp\\Dropper.exe"),
                     SP_T_STR);
  sp_event_add_typed(&ev, f_qname, SP_STR_LIT("www.C2.Evil.Example."),
                     SP_T_STR);
  sp_fset *fs;
  assert_int_equal(sp_fset_create(&fs), SP_OK);
  sp_det_ioc.on_event(st, &ev, fs);
  sp_event_reset(&ev);
  ev.ref = SP_REF_LINE;
  ev.line = 7;
  sp_event_add_typed(&ev, f_orig, SP_STR_LIT("10.1.1.1"), SP_T_IP);
  sp_event_add_typed(&ev, f_resp, SP_STR_LIT("198.51.100.7"), SP_T_IP);
  sp_event_add_typed(&ev, f_ja3, SP_STR_LIT("E7D705A3286E19EA42F587B344EE6865"),
                     SP_T_STR);
  sp_det_ioc.on_event(st, &ev, fs);
  /* A field of any name typed as an address is checked too. */
  sp_event_reset(&ev);
  sp_event_add_typed(&ev, f_zz, SP_STR_LIT("198.51.100.7"), SP_T_IP);
  sp_det_ioc.on_event(st, &ev, fs);
  sp_det_ioc.on_end(st, fs);
  seen s = {0};
  sp_fset_foreach(fs, collect, &s);
  assert_int_equal(s.n, 5);
  assert_true(has(&s, "spoor.ioc.sha256",
                  "8e90ed33c7ee82c0b64078ea36ec95f7420ba435c693b3b3dd728b49"
                  "4abf7dfc"));
  assert_true(has(&s, "spoor.ioc.filepath", "C:\\Windows\\Temp\\dropper.exe"));
  assert_true(has(&s, "spoor.ioc.domain", "c2.evil.example"));
  /* JA3 fields also look at MD5 indicators (a plain list cannot tell). */
  assert_true(has(&s, "spoor.ioc.md5", "e7d705a3286e19ea42f587b344ee6865"));
  assert_true(has(&s, "spoor.ioc.ip", "198.51.100.7"));
  for (size_t i = 0; i < s.n; i++)
    if (strcmp(s.rules[i], "spoor.ioc.ip") == 0)
      assert_int_equal(s.counts[i], 2);
  sp_fset_destroy(fs);
  sp_det_ioc.destroy(st);
  sp_names_destroy(nm);
  sp_ioc_set_destroy(set);
}

/* Scanned files: hashes (computed here with OpenSSL) and signature-base
 * file-name regexes against the file events, timed by modification time. */
static void test_hunt_files(void **state) {
  (void)state;
  char *dir = tu_tmpdir(), *idir = tu_tmpdir();
  const char body[] = "<%@ Page Language=\"C#\" %> not a real shell, a test\n";
  tu_write(dir, "evil_1234.aspx", body, sizeof body - 1);
  unsigned char md[32];
  unsigned mdlen = 0;
  assert_int_equal(
      EVP_Digest(body, sizeof body - 1, md, &mdlen, EVP_sha256(), NULL), 1);
  char hex[65];
  for (unsigned i = 0; i < 32; i++)
    snprintf(hex + 2 * i, 3, "%02X", md[i]); /* upper case on purpose */
  char list[512];
  snprintf(list, sizeof list, "%s;80;test web shell\n", hex);
  tu_write(idir, "hash-iocs.txt", list, strlen(list));
  const char *re =
      "\\\\evil_[0-9]{2,6}\\.aspx;70\n"
      "\\\\evil_1234\\.aspx;70;\\\\evil_\n"; /* its FP regex wins */
  tu_write(idir, "filename-iocs.txt", re, strlen(re));
  struct stat st;
  char p[1100];
  snprintf(p, sizeof p, "%s/evil_1234.aspx", dir);
  assert_int_equal(stat(p, &st), 0);
  sp_result *r = hunt_ioc(dir, idir, 1);
  const sp_finding *h = tu_find(r, "spoor.ioc.sha256", 0);
  assert_non_null(h);
  assert_int_equal(h->count, 1);
  assert_int_equal(h->first_ns, (int64_t)st.st_mtim.tv_sec * 1000000000 +
                                    st.st_mtim.tv_nsec);
  assert_int_equal(h->level, SP_LEVEL_HIGH);
  assert_non_null(strstr(h->reason, "first seen: "));
  const sp_finding *f = tu_find(r, "spoor.ioc.filename_regex", 0);
  assert_non_null(f);
  assert_string_equal(entity(f, "threat.indicator.name"),
                      "\\\\evil_[0-9]{2,6}\\.aspx");
  assert_null(tu_find(r, "spoor.ioc.filename_regex", 1));
  sp_result_destroy(r);
  tu_rm_rf(dir);
  tu_rm_rf(idir);
  free(dir);
  free(idir);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_json),
      cmocka_unit_test(test_plain_list),
      cmocka_unit_test(test_csv_header),
      cmocka_unit_test(test_misp),
      cmocka_unit_test(test_stix),
      cmocka_unit_test(test_signature_base),
      cmocka_unit_test(test_chirp),
      cmocka_unit_test(test_match_ip),
      cmocka_unit_test(test_match_domain),
      cmocka_unit_test(test_match_url_and_exact),
      cmocka_unit_test(test_hunt_sightings),
      cmocka_unit_test(test_hunt_stix_and),
      cmocka_unit_test(test_detector_fields),
      cmocka_unit_test(test_hunt_files),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
