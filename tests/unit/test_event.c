/*
 * test_event.c - the open-ended event model: IP parsing and CIDR matching
 * (expected values from RFC 4291, RFC 5952 and RFC 4632), interned names
 * (pre-seeded ids, new ids, thread safety, the table limit), multi-valued
 * and typed values, and the bound on values per event.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "event/event.h"
#include "event/names.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#define S(lit) sp_str_make((lit), sizeof(lit) - 1)

static void canon(const char *in, const char *want) {
  sp_ip ip;
  char buf[64];
  assert_true(sp_ip_parse(sp_str_make(in, strlen(in)), &ip));
  sp_ip_format(&ip, buf, sizeof buf);
  assert_string_equal(buf, want);
}

/* RFC 5952 section 4 (and its examples in 4.2.1-4.3), RFC 4291 2.2 and
 * 2.5.5.2 text forms; brackets, zones and ports as logs write them. */
static void test_ip_parse_format(void **state) {
  (void)state;
  canon("2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1");    /* RFC 5952 4.2.3 */
  canon("2001:0db8::0001", "2001:db8::1");               /* 4.1 zeros */
  canon("2001:db8::0:1", "2001:db8::1");                 /* 4.2.1 */
  canon("2001:db8:0:1:1:1:1:1", "2001:db8:0:1:1:1:1:1"); /* 4.2.2 */
  canon("2001:db8:0:0:0::1", "2001:db8::1");
  canon("2001:DB8::AAAA", "2001:db8::aaaa"); /* 4.3 case */
  canon("::", "::");
  canon("::1", "::1");
  canon("FF01:0:0:0:0:0:0:101", "ff01::101");     /* RFC 4291 2.2 */
  canon("::ffff:129.144.52.38", "129.144.52.38"); /* 2.5.5.2 */
  canon("[2001:db8::1]:443", "2001:db8::1");
  canon("fe80::1%eth0", "fe80::1");
  canon("203.0.113.9", "203.0.113.9");
  canon("203.0.113.9:5555", "203.0.113.9");
  sp_ip ip;
  const char *bad[] = {"",
                       "1.2.3",
                       "1.2.3.4.5",
                       "256.1.1.1",
                       "1.2.3.4:",
                       "1.2.3.4:99999",
                       ":::",
                       "1::2::3",
                       "12345::",
                       "2001:db8::1:",
                       "[::1",
                       "[::1]x",
                       "-",
                       "host.example",
                       "1:2:3:4:5:6:7:8:9"};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
    assert_false(sp_ip_parse(sp_str_make(bad[i], strlen(bad[i])), &ip));
  /* An unterminated slice is never read past its end. */
  const char buf[] = {'1', '.', '2', '.', '3', '.', '4', '5'};
  assert_true(sp_ip_parse(sp_str_make(buf, 7), &ip));
  char out[64];
  sp_ip_format(&ip, out, sizeof out);
  assert_string_equal(out, "1.2.3.4");
}

static bool in(const char *ip, const char *cidr) {
  sp_ip a, net;
  unsigned pl;
  assert_true(sp_ip_parse(sp_str_make(ip, strlen(ip)), &a));
  assert_true(sp_cidr_parse(sp_str_make(cidr, strlen(cidr)), &net, &pl));
  return sp_ip_in(&a, &net, pl);
}

/* RFC 4632 3.1: 10.0.0.0/8 holds 10.255.255.255, not 11.0.0.0; /0 and /32
 * edges; IPv6 prefixes; IPv4 ranges never match IPv6 addresses. */
static void test_cidr(void **state) {
  (void)state;
  assert_true(in("10.255.255.255", "10.0.0.0/8"));
  assert_false(in("11.0.0.0", "10.0.0.0/8"));
  assert_true(in("198.51.100.7", "198.51.100.0/24"));
  assert_false(in("198.51.101.7", "198.51.100.0/24"));
  assert_true(in("1.2.3.4", "0.0.0.0/0"));
  assert_false(in("2001:db8::1", "0.0.0.0/0"));
  assert_true(in("1.2.3.4", "1.2.3.4/32"));
  assert_false(in("1.2.3.5", "1.2.3.4/32"));
  assert_true(in("1.2.3.4", "1.2.3.4"));
  assert_true(in("172.16.5.4", "172.16.0.0/12"));
  assert_false(in("172.32.0.1", "172.16.0.0/12"));
  assert_true(in("2001:db8:1::5", "2001:db8::/32"));
  assert_false(in("2001:db9::5", "2001:db8::/32"));
  assert_true(in("::ffff:10.1.2.3", "10.0.0.0/8"));
  assert_true(in("10.1.2.3", "10.1.2.99/24")); /* host bits ignored */
  sp_ip net;
  unsigned pl;
  assert_false(sp_cidr_parse(S("10.0.0.0/33"), &net, &pl));
  assert_false(sp_cidr_parse(S("::/129"), &net, &pl));
  assert_false(sp_cidr_parse(S("10.0.0.0/"), &net, &pl));
}

static void test_names(void **state) {
  (void)state;
  sp_names *nm;
  assert_int_equal(sp_names_create(&nm), SP_OK);
  for (int i = 0; i < SP_F__COUNT; i++) {
    const char *n = sp_field_name((sp_field)i);
    assert_int_equal(sp_names_field_find(nm, n, strlen(n)), i);
    assert_string_equal(sp_names_field_name(nm, i), n);
  }
  assert_int_equal(sp_names_field_find(nm, "TargetUserName", 14), -1);
  int a = sp_names_field(nm, "TargetUserName", 14);
  assert_int_equal(a, SP_F__COUNT);
  assert_int_equal(sp_names_field(nm, "TargetUserName", 14), a);
  assert_int_equal(sp_names_field_typed(nm, "LogonType", 9, SP_T_INT), a + 1);
  assert_int_equal(sp_names_field_type(nm, a + 1), SP_T_INT);
  assert_int_equal(sp_names_field_type(nm, SP_F_SOURCE_IP), SP_T_IP);
  assert_string_equal(sp_names_field_name(nm, 99999), "");
  assert_int_equal(sp_names_field(nm, "", 0), -1);
  assert_int_equal(sp_names_kind_find(nm, "iis"), SP_SRC_IIS);
  int k = sp_names_kind(nm, "zeek_conn");
  assert_int_equal(k, SP_SRC__COUNT);
  assert_string_equal(sp_names_kind_name(nm, k), "zeek_conn");
  /* The table is bounded: past SP_NAMES_MAX interning fails. */
  char name[32];
  int last = 0;
  for (int i = 0; i < SP_NAMES_MAX + 10; i++) {
    snprintf(name, sizeof name, "f%d", i);
    last = sp_names_field(nm, name, strlen(name));
    if (last < 0)
      break;
  }
  assert_int_equal(last, -1);
  assert_int_equal(sp_names_field_count(nm), SP_NAMES_MAX);
  assert_string_equal(sp_names_field_name(nm, a), "TargetUserName");
  sp_names_destroy(nm);
}

typedef struct race {
  sp_names *nm;
  int ids[500];
} race;

static void *intern_all(void *arg) {
  race *r = arg;
  char name[32];
  for (int i = 0; i < 500; i++) {
    snprintf(name, sizeof name, "EventData.F%d", i);
    r->ids[i] = sp_names_field(r->nm, name, strlen(name));
    /* names of ids another thread just made are readable */
    assert_string_equal(sp_names_field_name(r->nm, r->ids[i]), name);
  }
  return NULL;
}

static void test_names_threads(void **state) {
  (void)state;
  sp_names *nm;
  assert_int_equal(sp_names_create(&nm), SP_OK);
  race a = {.nm = nm}, b = {.nm = nm};
  pthread_t t;
  assert_int_equal(pthread_create(&t, NULL, intern_all, &a), 0);
  intern_all(&b);
  pthread_join(t, NULL);
  for (int i = 0; i < 500; i++)
    assert_int_equal(a.ids[i], b.ids[i]);
  assert_int_equal(sp_names_field_count(nm), SP_F__COUNT + 500);
  sp_names_destroy(nm);
}

static void test_event_values(void **state) {
  (void)state;
  sp_fval vals[4];
  sp_event ev;
  sp_event_init(&ev, vals, 4);
  sp_event_set(&ev, SP_F_SOURCE_IP, S("[2001:db8::7]:443"));
  sp_event_set(&ev, SP_F_HTTP_STATUS, S("200"));
  sp_ip ip, want;
  assert_true(sp_event_get_ip(&ev, SP_F_SOURCE_IP, &ip));
  assert_true(sp_ip_parse(S("2001:db8::7"), &want));
  assert_int_equal(sp_ip_cmp(&ip, &want), 0);
  /* cached: a second read gives the same without parsing */
  assert_int_equal(ev.fast[SP_F_SOURCE_IP].state, SP_V_OK);
  assert_true(sp_event_get_ip(&ev, SP_F_SOURCE_IP, &ip));
  /* a new value resets the cache */
  sp_event_set(&ev, SP_F_SOURCE_IP, S("not an ip"));
  assert_false(sp_event_get_ip(&ev, SP_F_SOURCE_IP, &ip));
  /* interned ids and multi-valued fields */
  int user = SP_F__COUNT + 3, grp = SP_F__COUNT + 4;
  sp_event_set(&ev, user, S("alice"));
  (void)sp_event_add_typed(&ev, grp, S("Domain Admins"), SP_T_STR);
  (void)sp_event_add_typed(&ev, grp, S("Users"), SP_T_STR);
  assert_true(sp_str_eq(sp_event_get(&ev, user), "alice"));
  const sp_fval *g = sp_event_find(&ev, grp);
  assert_non_null(g);
  assert_true(sp_str_eq(g->s, "Domain Admins"));
  g = sp_event_next(&ev, g);
  assert_non_null(g);
  assert_true(sp_str_eq(g->s, "Users"));
  assert_null(sp_event_next(&ev, g));
  /* a further value of a pre-seeded field goes to storage and is found */
  (void)sp_event_add_typed(&ev, SP_F_HTTP_STATUS, S("302"), SP_T_INT);
  const sp_fval *st = sp_event_find(&ev, SP_F_HTTP_STATUS);
  assert_true(sp_str_eq(st->s, "200"));
  st = sp_event_next(&ev, st);
  assert_non_null(st);
  assert_true(sp_str_eq(st->s, "302"));
  /* storage is full (4): the next value is counted, not lost silently */
  assert_int_equal(ev.n, 4);
  sp_event_set(&ev, SP_F__COUNT + 9, S("x"));
  assert_int_equal(ev.dropped_fields, 1);
  size_t it = 0, n = 0;
  while (sp_event_each(&ev, &it))
    n++;
  assert_int_equal(n, 2 + 4);
  sp_event_reset(&ev);
  assert_false(sp_event_has(&ev, SP_F_SOURCE_IP));
  assert_false(sp_event_has(&ev, user));
  assert_int_equal(ev.dropped_fields, 0);
  /* binary readers set typed values with their text */
  sp_event_set_int(&ev, SP_F__COUNT + 1, S("4624"), 4624);
  int64_t v;
  assert_true(sp_event_get_int(&ev, SP_F__COUNT + 1, &v));
  assert_int_equal(v, 4624);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_ip_parse_format),
      cmocka_unit_test(test_cidr),
      cmocka_unit_test(test_names),
      cmocka_unit_test(test_names_threads),
      cmocka_unit_test(test_event_values),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
