/*
 * test_entity.c - normalised entities and stable finding ids: IP canonical
 * forms (RFC 5952 section 4 and its section 2 spellings), IPv4-mapped
 * addresses, brackets, zones and ports, host names, user names in their
 * three forms, the canonical string and id of docs/SCHEMA.md, and ids
 * through sp_engine_hunt: the same for -j1 and -j2, for reversed paths, for
 * overlapping evidence and another mount point, unique within a result.
 */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "findings/entity.h"
#include "spoor/spoor.h"

/* ---- pure functions ------------------------------------------------------ */

static void ip_is(const char *in, const char *want) {
  char out[SP_IP_CANON_CAP];
  size_t n = sp_ip_canon(sp_str_make(in, strlen(in)), out);
  assert_string_equal(out, want);
  assert_int_equal(n, strlen(want));
}

static void test_ipv6_rfc5952(void **state) {
  (void)state;
  /* Section 2: every spelling of one address. */
  static const char *const same[] = {
      "2001:db8:0:0:1:0:0:1", "2001:0db8:0:0:1:0:0:1", "2001:db8::1:0:0:1",
      "2001:db8::0:1:0:0:1",  "2001:0db8::1:0:0:1",    "2001:db8:0:0:1::1",
      "2001:db8:0000:0:1::1", "2001:DB8:0:0:1::1"};
  for (size_t i = 0; i < sizeof same / sizeof same[0]; i++)
    ip_is(same[i], "2001:db8::1:0:0:1");
  /* 4.1 leading zeros; 4.2.1 shorten as much as possible. */
  ip_is("2001:0db8::0001", "2001:db8::1");
  ip_is("2001:db8:0:0:0:0:2:1", "2001:db8::2:1");
  ip_is("2001:db8::0:1", "2001:db8::1");
  /* 4.2.2 a single zero group is not shortened. */
  ip_is("2001:db8::1:1:1:1:1", "2001:db8:0:1:1:1:1:1");
  /* 4.2.3 the longest run; of equal runs the first. */
  ip_is("2001:0:0:1:0:0:0:1", "2001:0:0:1::1");
  ip_is("2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1");
  /* 4.3 lower case. */
  ip_is("2001:DB8::ABCD:EF", "2001:db8::abcd:ef");
  ip_is("::", "::");
  ip_is("0:0:0:0:0:0:0:1", "::1");
  ip_is("1::", "1::");
  ip_is("::2:3", "::2:3"); /* no dotted tail (glibc writes ::0.2.0.3) */
  ip_is("::1.2.3.4", "::102:304");
  ip_is("fe80::1:2:3:4:5:6", "fe80:0:1:2:3:4:5:6");
}

static void test_ip_forms(void **state) {
  (void)state;
  /* IPv4-mapped IPv6 is IPv4, in any spelling. */
  ip_is("::ffff:192.0.2.1", "192.0.2.1");
  ip_is("::FFFF:C000:0201", "192.0.2.1");
  ip_is("0:0:0:0:0:ffff:192.0.2.1", "192.0.2.1");
  ip_is("[::ffff:1.2.3.4]:443", "1.2.3.4");
  /* Brackets, ports, zones and spaces go. */
  ip_is("[::1]:443", "::1");
  ip_is("[::1]", "::1");
  ip_is("[2001:DB8::1]:8080", "2001:db8::1");
  ip_is("1.2.3.4:5555", "1.2.3.4");
  ip_is("fe80::1%eth0", "fe80::1");
  ip_is("[fe80::1%25eth0]:80", "fe80::1");
  ip_is(" 10.0.0.1\t", "10.0.0.1");
  /* IPv4: no leading zeros, read as decimal. */
  ip_is("001.002.030.004", "1.2.30.4");
  ip_is("010.0.0.1", "10.0.0.1");
  ip_is("255.255.255.255", "255.255.255.255");
  /* Not addresses. */
  static const char *const bad[] = {"",
                                    "1.2.3",
                                    "1.2.3.256",
                                    "1.2.3.4.5",
                                    "0001.2.3.4",
                                    "1.2.3.4:",
                                    "1.2.3.4:99999",
                                    "1.2.3.4:x",
                                    "example.com",
                                    "::1:2:3:4:5:6:7:8",
                                    "[::1",
                                    "[::1]x",
                                    ":::",
                                    "1:2",
                                    "-",
                                    "[]",
                                    "12345::1",
                                    "::ffff:1.2.3.999"};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
    ip_is(bad[i], "");
}

static void norm_is(const char *field, const char *in, const char *want) {
  char out[256];
  size_t n =
      sp_entity_normalize(field, sp_str_make(in, strlen(in)), out, sizeof out);
  assert_string_equal(out, want);
  assert_int_equal(n, strlen(want));
}

static void test_hosts(void **state) {
  (void)state;
  norm_is("host.name", "EXCH01.Corp.Example.", "exch01.corp.example");
  norm_is("host.name", "EXCH01", "exch01");
  norm_is("url.domain", "Mail.Example.COM", "mail.example.com");
  /* Punycode stays as is (lower case is its own form); UTF-8 bytes too. */
  norm_is("url.domain", "xn--bcher-kva.example", "xn--bcher-kva.example");
  norm_is("url.domain", "XN--BCHER-KVA.example.", "xn--bcher-kva.example");
  norm_is("url.domain",
          "B\xc3\x9c"
          "CHER.example",
          "b\xc3\x9c"
          "cher.example");
  norm_is("host.name", ".", ".");
  /* An address in a host field is an address. */
  norm_is("host.name", "[::1]", "::1");
  norm_is("destination.domain", "192.0.2.7:443", "192.0.2.7");
  /* IP fields; a value that is no address is kept (trimmed). */
  norm_is("source.ip", "[::FFFF:198.51.100.9]:443", "198.51.100.9");
  norm_is("network.forwarded_ip", "2001:0db8::0001", "2001:db8::1");
  norm_is("source.ip", " unknown ", "unknown");
  /* Hashes lower case; everything else unchanged. */
  norm_is("file.hash.sha256", "ABCDEF0123", "abcdef0123");
  norm_is("url.path", "/ECP/Y.js", "/ECP/Y.js");
  norm_is("file.path", "C:\\inetpub\\X.aspx", "C:\\inetpub\\X.aspx");
  /* Truncation is like snprintf's. */
  char small[4];
  assert_int_equal(sp_entity_normalize("host.name", SP_STR_LIT("ABCDEF"), small,
                                       sizeof small),
                   6);
  assert_string_equal(small, "abc");
  assert_int_equal(sp_entity_kind_of("user.domain"), SP_EK_USER_DOMAIN);
  assert_int_equal(sp_entity_kind_of("source.user.name"), SP_EK_USER);
  assert_int_equal(sp_entity_kind_of("host.hostname"), SP_EK_HOST);
  assert_int_equal(sp_entity_kind_of("exchange.protocol"), SP_EK_OTHER);
}

static void user_is(const char *in, const char *user, const char *domain) {
  char u[128], d[128];
  sp_str v = sp_str_make(in, strlen(in));
  sp_entity_normalize("user.name", v, u, sizeof u);
  sp_entity_user_domain(v, d, sizeof d);
  assert_string_equal(u, user);
  assert_string_equal(d, domain);
}

static void test_users(void **state) {
  (void)state;
  /* The three forms of one person relate through the user part. */
  user_is("CONTOSO\\Alice", "alice", "contoso");
  user_is("alice@contoso.com", "alice", "contoso.com");
  user_is("Alice", "alice", "");
  user_is("ALICE@Contoso.COM.", "alice", "contoso.com");
  user_is("CORP\\EXCH01$", "exch01$", "corp");
  user_is("NT AUTHORITY\\SYSTEM", "system", "nt authority");
  /* The first backslash splits; else the last '@'. */
  user_is("CORP\\a@b", "a@b", "corp");
  user_is("a@b@Example.org", "a@b", "example.org");
  /* No user part: the whole value is the name. */
  user_is("CONTOSO\\", "contoso\\", "");
  user_is("@contoso.com", "@contoso.com", "");
  user_is("alice@", "alice", "");
  assert_int_equal(sp_entity_related("user.name", "alice"), SP_REL_USER);
  assert_int_equal(sp_entity_related("user.domain", "contoso"), SP_REL_NONE);
  assert_int_equal(sp_entity_related("source.ip", "1.2.3.4"), SP_REL_IP);
  assert_int_equal(sp_entity_related("source.ip", "unknown"), SP_REL_NONE);
  assert_int_equal(sp_entity_related("host.name", "::1"), SP_REL_IP);
  assert_int_equal(sp_entity_related("host.name", "exch01"), SP_REL_HOSTS);
  assert_int_equal(sp_entity_related("file.hash.sha256", "ab"), SP_REL_HASH);
  assert_int_equal(sp_entity_related("url.path", "/"), SP_REL_NONE);
}

/* The id of a canonical string, computed here independently of entity.c:
 * the first 16 bytes of its SHA-256 in lower-case hex. */
static void id_of(const char *canon, size_t len, char *hex) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int n;
  assert_int_equal(EVP_Digest(canon, len, md, &n, EVP_sha256(), NULL), 1);
  for (int i = 0; i < 16; i++)
    snprintf(hex + 2 * i, 3, "%02x", md[i]);
}

static void ident(sp_identity *id, const char *rule, const char *f0,
                  const char *v0, const char *f1, const char *v1,
                  const char *local) {
  const char *f[2] = {f0, f1}, *v[2] = {v0, v1};
  assert_int_equal(
      sp_identity_build(id, rule, f, v, f1 ? 2 : (f0 ? 1 : 0), local), SP_OK);
}

static void test_identity(void **state) {
  (void)state;
  sp_identity a, b;
  ident(&a, "spoor.auth.brute_force", "user.name", "CONTOSO\\Alice",
        "source.ip", "[::FFFF:198.51.100.9]:443", NULL);
  /* The canonical string of docs/SCHEMA.md, byte for byte. */
  static const char canon[] = "spoor-finding-v1\0spoor.auth.brute_force\0"
                              "source.ip\000198.51.100.9\0"
                              "user.domain\0contoso\0user.name\0alice";
  assert_int_equal(a.len, sizeof canon);
  assert_memory_equal(a.canon, canon, sizeof canon);
  assert_int_equal(a.n, 3);
  const char *f, *v;
  sp_identity_entity(&a, 1, &f, &v);
  assert_string_equal(f, "user.domain");
  assert_string_equal(v, "contoso");
  char hex[33];
  id_of(canon, sizeof canon, hex);
  assert_string_equal(a.id, hex);
  assert_string_equal(a.id, "c532336804323d78fee7d8a2e5c7493a");
  /* Order and spelling of the entities do not matter. */
  ident(&b, "spoor.auth.brute_force", "source.ip", "198.51.100.9", "user.name",
        "contoso\\ALICE", NULL);
  assert_string_equal(a.id, b.id);
  sp_identity_free(&b);
  /* A different value, domain or rule is a different finding. */
  ident(&b, "spoor.auth.brute_force", "source.ip", "198.51.100.10", "user.name",
        "contoso\\alice", NULL);
  assert_string_not_equal(a.id, b.id);
  sp_identity_free(&b);
  ident(&b, "spoor.auth.brute_force", "source.ip", "198.51.100.9", "user.name",
        "alice@contoso.com", NULL);
  assert_string_not_equal(a.id, b.id);
  sp_identity_free(&b);
  ident(&b, "spoor.auth.password_spray", "source.ip", "198.51.100.9",
        "user.name", "contoso\\alice", NULL);
  assert_string_not_equal(a.id, b.id);
  sp_identity_free(&b);
  sp_identity_free(&a);
  /* No entities: version and rule id. */
  ident(&a, "r", NULL, NULL, NULL, NULL, NULL);
  assert_string_equal(a.id, "df8e338b3bcf9a6147b54aec73f45791");
  sp_identity_free(&a);
  /* A scanned file's own path is where the evidence is mounted: the id
     takes its name only, so copies under other roots agree. */
  char hash[65];
  memset(hash, 0, sizeof hash);
  for (int i = 0; i < 32; i++)
    memcpy(hash + 2 * i, "ab", 2);
  ident(&a, "yara.x", "file.path", "/mnt/case1/inetpub/shell.aspx",
        "file.hash.sha256", hash, "/mnt/case1/inetpub/shell.aspx");
  ident(&b, "yara.x", "file.path", "evidence/shell.aspx", "file.hash.sha256",
        hash, "evidence/shell.aspx");
  assert_string_equal(a.id, b.id);
  assert_string_equal(a.id, "3a4f25ac0ea22bc4eb336800b4b340fe");
  sp_identity_entity(&a, 1, &f, &v);
  assert_string_equal(f, "file.name");
  assert_string_equal(v, "shell.aspx");
  sp_identity_free(&b);
  /* A path from a log line is content: kept whole. */
  ident(&b, "yara.x", "file.path", "/mnt/case1/inetpub/shell.aspx",
        "file.hash.sha256", hash, NULL);
  assert_string_not_equal(a.id, b.id);
  sp_identity_free(&b);
  sp_identity_free(&a);
  const char *ff[9] = {0}, *vv[9] = {0};
  assert_int_equal(sp_identity_build(&a, "r", ff, vv, 9, NULL), SP_EINVAL);
  assert_null(a.canon);
}

/* ---- through the engine -------------------------------------------------- */

static const char IIS_HDR[] =
    "#Software: Microsoft Internet Information Services 10.0\r\n"
    "#Fields: date time s-ip cs-method cs-uri-stem cs-uri-query s-port "
    "cs-username c-ip cs(User-Agent) sc-status\r\n";

static const char SHELL[] = "<%@ Page Language=\"Jscript\"%><%eval(Request."
                            "Item[\"q\"],\"unsafe\");%>\r\n";

static void write_file(const char *dir, const char *name, const char *data) {
  char p[1024];
  snprintf(p, sizeof p, "%s/%s", dir, name);
  FILE *f = fopen(p, "wb");
  assert_non_null(f);
  assert_int_equal(fwrite(data, 1, strlen(data), f), strlen(data));
  fclose(f);
}

static char *subdir(const char *dir, const char *name) {
  char *p = malloc(1024);
  snprintf(p, 1024, "%s/%s", dir, name);
  assert_int_equal(mkdir(p, 0755), 0);
  return p;
}

static void rm_rf(const char *dir) {
  char cmd[1100];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
  assert_int_equal(system(cmd), 0);
}

static sp_result *hunt(const char *const *paths, size_t n, int jobs) {
  sp_opts o = {.jobs = jobs};
  sp_engine *e;
  sp_diag d = {0};
  assert_int_equal(sp_engine_create(&o, &e, &d), SP_OK);
  sp_result *r;
  assert_int_equal(sp_engine_hunt(e, paths, n, &r, &d), SP_OK);
  sp_engine_destroy(e);
  return r;
}

/* The finding of a rule whose normalised entities include field=value. */
static const sp_finding *find(const sp_result *r, const char *rule,
                              const char *field, const char *value) {
  for (size_t i = 0; i < sp_result_finding_count(r); i++) {
    const sp_finding *f = sp_result_finding(r, i);
    if (strcmp(f->rule_id, rule) != 0)
      continue;
    for (size_t k = 0; k < f->n_norm_entities; k++)
      if (strcmp(f->norm_entities[k].field, field) == 0 &&
          strcmp(f->norm_entities[k].value, value) == 0)
        return f;
  }
  return NULL;
}

static char *jsonl(const sp_result *r) {
  char *buf = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&buf, &len);
  assert_int_equal(sp_write_findings(r, SP_FORMAT_JSONL, f), SP_OK);
  fclose(f);
  return buf;
}

#define JS_POST "spoor.iis.cve_2021_26855.ecp_js_post"
#define MACHINE "spoor.iis.cve_2021_26855.backend_machine_account"
#define CHOPPER "yara.spoor_webshell_chopper_oneliner"

static void test_ids_through_engine(void **state) {
  (void)state;
  char tmpl[] = "/tmp/spoor-ids-XXXXXX";
  char *dir = mkdtemp(tmpl);
  assert_non_null(dir);
  char *a = subdir(dir, "a"), *b = subdir(dir, "b"), *c = subdir(dir, "c");
  char log[2048];
  /* One source address spelled two ways in two logs, another address in
     an uncanonical IPv6 form, a computer account with its domain. */
  snprintf(log, sizeof log,
           "%s2021-03-03 06:59:10 10.0.0.5 POST /ecp/y.js - 443 - "
           "192.0.2.1 python 200\r\n"
           "2021-03-03 06:59:11 10.0.0.5 POST /ecp/x.js - 443 - "
           "203.0.113.5 python 200\r\n"
           "2021-03-03 06:59:12 10.0.0.5 GET /ecp/default.aspx - 444 "
           "CORP\\EXCH01$ 10.1.2.10 python 200\r\n",
           IIS_HDR);
  write_file(a, "u_ex210303.log", log);
  snprintf(log, sizeof log,
           "%s2021-03-03 07:00:00 10.0.0.5 POST /ecp/z.js - 443 - "
           "::ffff:192.0.2.1 python 200\r\n"
           "2021-03-03 07:00:01 10.0.0.5 POST /ecp/w.js - 443 - "
           "2001:DB8:0:0::0001 python 200\r\n",
           IIS_HDR);
  write_file(b, "u_ex210304.log", log);
  write_file(b, "shell.aspx", SHELL);
  write_file(c, "shell.aspx", SHELL); /* the same file, mounted elsewhere */

  const char *ab[] = {a, b}, *ba[] = {b, a}, *only_b[] = {b}, *only_c[] = {c};
  sp_result *r1 = hunt(ab, 2, 1), *r2 = hunt(ba, 2, 2);
  sp_result *rb = hunt(only_b, 1, 2), *rc = hunt(only_c, 1, 1);

  /* -j1 with paths a, b and -j2 with b, a: the same output, ids included. */
  char *j1 = jsonl(r1), *j2 = jsonl(r2);
  assert_string_equal(j1, j2);
  free(j2);

  /* Two spellings of one address are one finding, with one id. */
  const sp_finding *f = find(r1, JS_POST, "source.ip", "192.0.2.1");
  assert_non_null(f);
  assert_int_equal(f->count, 2);
  assert_int_equal(f->n_evidence, 2);
  assert_string_equal(f->entities[0].value, "192.0.2.1"); /* earliest */
  assert_int_equal(strlen(f->id), SP_ID_HEX_LEN);
  /* ... recomputable from the documented canonical string. */
  static const char canon[] =
      "spoor-finding-v1\0" JS_POST "\0source.ip\000192.0.2.1";
  char hex[33];
  id_of(canon, sizeof canon, hex);
  assert_string_equal(f->id, hex);
  /* Overlapping evidence: the finding from b alone has the same id. */
  const sp_finding *g = find(rb, JS_POST, "source.ip", "192.0.2.1");
  assert_non_null(g);
  assert_int_equal(g->count, 1);
  assert_string_equal(g->entities[0].value, "::ffff:192.0.2.1");
  assert_string_equal(f->id, g->id);
  f = find(r1, JS_POST, "source.ip", "2001:db8::1");
  g = find(rb, JS_POST, "source.ip", "2001:db8::1");
  assert_non_null(f);
  assert_non_null(g);
  assert_string_equal(f->id, g->id);
  /* Another address is another id. */
  g = find(r1, JS_POST, "source.ip", "203.0.113.5");
  assert_non_null(g);
  assert_string_not_equal(f->id, g->id);

  /* A scanned file: the same id wherever the evidence is mounted. */
  f = find(r1, CHOPPER, "file.name", "shell.aspx");
  g = find(rc, CHOPPER, "file.name", "shell.aspx");
  assert_non_null(f);
  assert_non_null(g);
  assert_string_not_equal(f->entities[0].value, g->entities[0].value);
  assert_string_equal(f->id, g->id);

  /* The user keeps its original value; normalised forms are added. */
  f = find(r1, MACHINE, "user.name", "exch01$");
  assert_non_null(f);
  assert_non_null(find(r1, MACHINE, "user.domain", "corp"));
  assert_non_null(strstr(j1, "\"user\":{\"domain\":\"corp\",\"name\":"
                             "\"CORP\\\\EXCH01$\"}"));
  assert_non_null(strstr(j1, "\"related\":{\"ip\":[\"10.1.2.10\"],"
                             "\"user\":[\"exch01$\"]}"));
  assert_non_null(strstr(j1, "\"related\":{\"ip\":[\"2001:db8::1\"]}"));
  char want[80];
  snprintf(want, sizeof want, "\"id\":\"%s\"", f->id);
  assert_non_null(strstr(j1, want));

  /* Ids are unique within a result. */
  for (size_t i = 0; i < sp_result_finding_count(r1); i++)
    for (size_t k = i + 1; k < sp_result_finding_count(r1); k++)
      assert_string_not_equal(sp_result_finding(r1, i)->id,
                              sp_result_finding(r1, k)->id);
  free(j1);
  sp_result_destroy(r1);
  sp_result_destroy(r2);
  sp_result_destroy(rb);
  sp_result_destroy(rc);
  rm_rf(dir);
  free(a);
  free(b);
  free(c);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_ipv6_rfc5952),
      cmocka_unit_test(test_ip_forms),
      cmocka_unit_test(test_hosts),
      cmocka_unit_test(test_users),
      cmocka_unit_test(test_identity),
      cmocka_unit_test(test_ids_through_engine),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
