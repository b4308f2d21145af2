/*
 * test_incident.c - correlation of findings into incidents: a multi-stage
 * intrusion stays one incident, a hub (the Exchange server every finding
 * names, an internal server twenty machines talk to) glues nothing, tactics
 * come in kill-chain order, dwell time runs to --detected; and the case
 * files that carry incidents: Timesketch's CSV columns and the SQLite
 * schema.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "incident/incident.h"
#include "testutil.h"

#define NS(s) ((int64_t)(s)*1000000000LL)
#define T0 1578438120LL /* 2020-01-07 23:02:00 UTC */

typedef struct fb {
  sp_finding f[64];
  sp_entity ents[64][4];
  char ids[64][33];
  size_t n;
} fb;

static sp_finding *add(fb *b, const char *rule, sp_level lv, int64_t t,
                       const char *tech) {
  sp_finding *f = &b->f[b->n];
  memset(f, 0, sizeof *f);
  snprintf(b->ids[b->n], sizeof b->ids[b->n], "%032zx", b->n + 1);
  f->id = b->ids[b->n];
  f->rule_id = rule;
  f->rule_name = rule;
  f->level = lv;
  f->first_ns = f->last_ns = t;
  f->techniques = tech;
  f->reason = "";
  f->entities = f->norm_entities = b->ents[b->n];
  b->n++;
  return f;
}

static void ent(sp_finding *f, const char *field, const char *value) {
  sp_entity *e = (sp_entity *)&f->entities[f->n_entities++];
  e->field = field;
  e->value = value;
  f->n_norm_entities = f->n_entities;
}

/* Which incident holds finding i, or -1. */
static int holder(const sp_incidents *s, size_t i) {
  for (size_t k = 0; k < sp_incidents_count(s); k++) {
    const sp_incident *in = sp_incidents_get(s, k);
    for (size_t j = 0; j < in->n_findings; j++)
      if (in->findings[j] == i)
        return (int)k;
  }
  return -1;
}

static void build_case(fb *b) {
  memset(b, 0, sizeof *b);
  /* The intrusion: a forms spray from one address, a success for
     hr-scanner, that account reaching many mailboxes, a mailbox export
     requested as it. Every finding names the Exchange server. */
  sp_finding *f =
      add(b, "spoor.auth.forms_spray", SP_LEVEL_MEDIUM, NS(T0), "T1110.003");
  ent(f, "source.ip", "198.51.100.23");
  ent(f, "host.name", "exch01");
  f = add(b, "spoor.auth.forms_success_after_failures", SP_LEVEL_HIGH,
          NS(T0 + 3600), "T1110,T1078");
  ent(f, "source.ip", "198.51.100.23");
  ent(f, "user.name", "hr-scanner");
  ent(f, "host.name", "exch01");
  f = add(b, "spoor.exchange.mail.many_mailboxes", SP_LEVEL_MEDIUM,
          NS(T0 + 5 * 3600), "T1114.002");
  ent(f, "user.name", "hr-scanner");
  ent(f, "source.ip", "198.51.100.23");
  f = add(b, "spoor.exchange.admin.mailbox_export", SP_LEVEL_MEDIUM,
          NS(T0 + 86400 * 3), "T1114.002");
  ent(f, "user.name", "hr-scanner");
  ent(f, "host.name", "exch01");
  /* Unrelated, the same server and the same hours: a webshell planted by
     another address and the file the scan flagged. */
  f = add(b, "spoor.iis.webshell.access", SP_LEVEL_HIGH, NS(T0 + 60),
          "T1505.003");
  ent(f, "source.ip", "203.0.113.50");
  ent(f, "url.path", "/aspnet_client/X.aspx");
  ent(f, "host.name", "exch01");
  f = add(b, "yara.spoor_webshell_chopper_oneliner", SP_LEVEL_CRITICAL,
          NS(T0 - 600), "T1505.003");
  ent(f, "file.path", "C:\\inetpub\\wwwroot\\aspnet_client\\x.aspx");
  /* A scanner at the same minute, low: no incident of its own. */
  f = add(b, "spoor.iis.webshell.probe", SP_LEVEL_LOW, NS(T0 + 30),
          "T1505.003");
  ent(f, "source.ip", "192.0.2.99");
  ent(f, "host.name", "exch01");
  /* Twenty machines calling the internal DNS server: a hub destination. */
  static char src[20][16];
  for (int i = 0; i < 20; i++) {
    snprintf(src[i], sizeof src[i], "10.1.0.%d", i + 10);
    f = add(b, "spoor.net.rare_destination", SP_LEVEL_MEDIUM, NS(T0 + 7200 + i),
            "T1071");
    ent(f, "source.ip", src[i]);
    ent(f, "destination.ip", "10.0.0.53");
  }
}

static void test_correlation(void **state) {
  (void)state;
  fb *b = malloc(sizeof *b);
  assert_non_null(b);
  build_case(b);
  int64_t detected = NS(T0 + 86400 * 10);
  sp_incidents *s;
  assert_int_equal(sp_incidents_build(b->f, b->n, detected, &s), SP_OK);
  /* The intrusion is one incident; the webshell another; the scanner is
     in none; each DNS caller is its own. */
  int a = holder(s, 0);
  assert_true(a >= 0);
  assert_int_equal(holder(s, 1), a);
  assert_int_equal(holder(s, 2), a);
  assert_int_equal(holder(s, 3), a);
  int w = holder(s, 4);
  assert_true(w >= 0 && w != a);
  assert_int_equal(holder(s, 5), w);
  assert_int_equal(holder(s, 6), -1);
  for (size_t i = 7; i < 27; i++) {
    int k = holder(s, i);
    assert_true(k >= 0 && k != a && k != w);
    for (size_t j = 7; j < i; j++)
      assert_true(holder(s, j) != k);
  }
  assert_int_equal(sp_incidents_count(s), 22);
  const sp_incident *in = sp_incidents_get(s, (size_t)a);
  assert_int_equal(in->level, SP_LEVEL_HIGH);
  assert_int_equal(in->n_findings, 4);
  assert_int_equal(in->findings[0], 0); /* in time order */
  assert_int_equal(in->first_ns, NS(T0));
  assert_int_equal(in->last_ns, NS(T0 + 86400 * 3));
  /* Dwell: 2020-01-07 23:02 to the detection ten days later. */
  assert_true(in->dwell_days > 9.999 && in->dwell_days < 10.001);
  /* Tactics in kill-chain order. */
  const char *want[] = {"initial-access",       "persistence",
                        "privilege-escalation", "defense-evasion",
                        "credential-access",    "collection"};
  assert_int_equal(in->n_tactics, 6);
  for (size_t i = 0; i < 6; i++)
    assert_string_equal(in->tactics[i], want[i]);
  assert_int_equal(in->n_entities[SP_IENT_IP], 1);
  assert_string_equal(in->entities[SP_IENT_IP][0], "198.51.100.23");
  assert_int_equal(in->n_entities[SP_IENT_USER], 1);
  assert_string_equal(in->entities[SP_IENT_USER][0], "hr-scanner");
  assert_non_null(strstr(in->summary, "2020-01-07 23:02 UTC"));
  /* The webshell incident: critical, first evidence the file (before the
     request), highest first in the order. */
  const sp_incident *ws = sp_incidents_get(s, (size_t)w);
  assert_int_equal(ws->level, SP_LEVEL_CRITICAL);
  assert_int_equal(w, 0);
  assert_int_equal(ws->first_ns, NS(T0 - 600));
  sp_incidents_destroy(s);
  /* Without --detected, dwell runs to the last evidence. */
  assert_int_equal(sp_incidents_build(b->f, b->n, 0, &s), SP_OK);
  in = sp_incidents_get(s, (size_t)holder(s, 0));
  assert_true(in->dwell_days > 2.999 && in->dwell_days < 3.001);
  sp_incidents_destroy(s);
  free(b);
}

static void test_attack_table(void **state) {
  (void)state;
  assert_int_equal(sp_attack_tactics("T1190", 5), 1u << 2);
  assert_int_equal(sp_attack_tactics("T1505.003", 9), 1u << 4);
  assert_int_equal(sp_attack_tactics(" T1110", 6), 1u << 7);
  assert_int_equal(sp_attack_tactics("T9999", 5), 0);
  assert_int_equal(sp_attack_tactics("T119", 4), 0);
  assert_string_equal(sp_attack_tactic_name(0), "reconnaissance");
  assert_string_equal(sp_attack_tactic_name(13), "impact");
  assert_null(sp_attack_tactic_name(14));
}

/* The case files, through a hunt of the golden evidence. */
static void test_case_files(void **state) {
  (void)state;
  sp_opts o = {.jobs = 2, .detected_ns = NS(1615766400LL)}; /* 2021-03-15 */
  sp_engine *e;
  sp_diag d = {0};
  assert_int_equal(sp_engine_create(&o, &e, &d), SP_OK);
  const char *paths[] = {SPOOR_SOURCE_DIR "/tests/golden/exchange_basic"};
  sp_result *r;
  assert_int_equal(sp_engine_hunt(e, paths, 1, &r, &d), SP_OK);
  sp_engine_destroy(e);
  assert_true(sp_result_incident_count(r) >= 1);
  const sp_incident *top = sp_result_incident(r, 0);
  assert_int_equal(top->level, SP_LEVEL_CRITICAL);
  /* The ProxyLogon chain: SSRF 02:00 to the OAB file write at 02:10, with
     the ECP commands that name only the server; the scanner at the same
     minute is not in it. */
  assert_int_equal(top->first_ns, NS(1614736800LL)); /* 2021-03-03 02:00 */
  assert_int_equal(top->last_ns, NS(1614737400LL));  /* 02:10 */
  assert_int_equal(top->n_entities[SP_IENT_IP], 1);
  assert_string_equal(top->entities[SP_IENT_IP][0], "192.0.2.10");
  assert_true(top->dwell_days > 11.9 && top->dwell_days < 12.0);
  assert_true(top->exposed_from_ns != INT64_MIN);
  char *dir = tu_tmpdir();
  char cdir[1100];
  snprintf(cdir, sizeof cdir, "%s/case", dir);
  assert_int_equal(sp_write_case_dir(r, cdir, &d), SP_OK);
  /* timeline.csv: Timesketch's required columns first. */
  char path[1200];
  snprintf(path, sizeof path, "%s/timeline.csv", cdir);
  FILE *fp = fopen(path, "r");
  assert_non_null(fp);
  char line[4096];
  assert_non_null(fgets(line, sizeof line, fp));
  assert_int_equal(strncmp(line, "message,datetime,timestamp_desc,", 32), 0);
  size_t rows = 0;
  while (fgets(line, sizeof line, fp))
    rows++;
  fclose(fp);
  assert_true(rows >= sp_result_finding_count(r));
  /* case.sqlite: the documented tables, the findings and the incident. */
  snprintf(path, sizeof path, "%s/case.sqlite", cdir);
  sqlite3 *db;
  assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL),
                   SQLITE_OK);
  const char *tables[] = {"meta",
                          "findings",
                          "entities",
                          "evidence",
                          "incidents",
                          "incident_entities",
                          "incident_findings",
                          "incident_tactics",
                          "coverage_files",
                          "coverage_sources",
                          "limits"};
  for (size_t i = 0; i < sizeof tables / sizeof tables[0]; i++) {
    char q[200];
    snprintf(q, sizeof q, "SELECT count(*) FROM %s", tables[i]);
    sqlite3_stmt *st;
    assert_int_equal(sqlite3_prepare_v2(db, q, -1, &st, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    sqlite3_finalize(st);
  }
  sqlite3_stmt *st;
  assert_int_equal(
      sqlite3_prepare_v2(db,
                         "SELECT count(*) FROM findings f JOIN "
                         "incident_findings i ON i.finding_id = f.id WHERE "
                         "i.incident_id = ?",
                         -1, &st, NULL),
      SQLITE_OK);
  sqlite3_bind_text(st, 1, top->id, -1, SQLITE_STATIC);
  assert_int_equal(sqlite3_step(st), SQLITE_ROW);
  assert_int_equal(sqlite3_column_int(st, 0), (int)top->n_findings);
  sqlite3_finalize(st);
  assert_int_equal(
      sqlite3_prepare_v2(db, "SELECT count(*) FROM findings", -1, &st, NULL),
      SQLITE_OK);
  assert_int_equal(sqlite3_step(st), SQLITE_ROW);
  assert_int_equal(sqlite3_column_int(st, 0), (int)sp_result_finding_count(r));
  sqlite3_finalize(st);
  sqlite3_close(db);
  sp_result_destroy(r);
  tu_rm_rf(dir);
  free(dir);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_correlation),
      cmocka_unit_test(test_attack_table),
      cmocka_unit_test(test_case_files),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
