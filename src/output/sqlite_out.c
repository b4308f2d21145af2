/*
 * sqlite_out.c - case.sqlite: the findings, incidents, entities, evidence
 * and coverage of one run, for analysts who query with sqlite3. The schema
 * (SCHEMA_SQL below) is documented in docs/SCHEMA.md ("case.sqlite") and
 * only grows: new tables and columns, never renamed ones. Its version is in
 * the table meta (schema_version).
 *
 * Every value is bound as a parameter, never pasted into SQL: evidence is
 * attacker-controlled. One transaction; the file is written at the path
 * given (the case directory writes a temporary name and renames it).
 */
#include "spoor/spoor.h"

#include <fcntl.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define SCHEMA_VERSION "1"

static const char SCHEMA_SQL[] =
    "CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT);"
    "CREATE TABLE findings(id TEXT PRIMARY KEY, rule_id TEXT, rule_name TEXT,"
    " ruleset TEXT, rule_author TEXT, level TEXT, severity INTEGER,"
    " first_seen TEXT, last_seen TEXT, first_ns INTEGER, last_ns INTEGER,"
    " count INTEGER, techniques TEXT, vulnerability TEXT, reason TEXT,"
    " reference TEXT, incident_id TEXT);"
    "CREATE TABLE entities(finding_id TEXT, field TEXT, value TEXT,"
    " normalized INTEGER);"
    "CREATE TABLE evidence(finding_id TEXT, seq INTEGER, path TEXT,"
    " ref_kind TEXT, ref INTEGER, time TEXT, byte_offset INTEGER);"
    "CREATE TABLE incidents(id TEXT PRIMARY KEY, level TEXT, severity INTEGER,"
    " first_seen TEXT, last_seen TEXT, dwell_days REAL, summary TEXT,"
    " exposure_from TEXT, exposure_to TEXT);"
    "CREATE TABLE incident_entities(incident_id TEXT, kind TEXT, value TEXT);"
    "CREATE TABLE incident_findings(incident_id TEXT, seq INTEGER,"
    " finding_id TEXT);"
    "CREATE TABLE incident_tactics(incident_id TEXT, seq INTEGER,"
    " tactic TEXT);"
    "CREATE TABLE coverage_files(path TEXT, source TEXT, bytes INTEGER,"
    " events INTEGER, malformed INTEGER, first_seen TEXT, last_seen TEXT,"
    " error TEXT, note TEXT);"
    "CREATE TABLE coverage_sources(source TEXT, files INTEGER, bytes INTEGER,"
    " events INTEGER, malformed INTEGER, first_seen TEXT, last_seen TEXT);"
    "CREATE TABLE limits(name TEXT, detail TEXT, count INTEGER);"
    "CREATE INDEX entities_value ON entities(value);"
    "CREATE INDEX entities_finding ON entities(finding_id);"
    "CREATE INDEX evidence_finding ON evidence(finding_id);"
    "CREATE INDEX incident_findings_finding ON incident_findings(finding_id);";

typedef struct db {
  sqlite3 *h;
  int rc;
} db;

static sqlite3_stmt *prep(db *d, const char *sql) {
  sqlite3_stmt *st = NULL;
  if (d->rc == SQLITE_OK)
    d->rc = sqlite3_prepare_v2(d->h, sql, -1, &st, NULL);
  return st;
}

static void bind_text(sqlite3_stmt *st, int i, const char *s) {
  if (s)
    sqlite3_bind_text(st, i, s, -1, SQLITE_TRANSIENT);
  else
    sqlite3_bind_null(st, i);
}

static void bind_time(sqlite3_stmt *st, int i, int64_t ns) {
  if (ns == INT64_MIN) {
    sqlite3_bind_null(st, i);
    return;
  }
  char buf[40];
  sp_format_time(ns, buf, sizeof buf);
  sqlite3_bind_text(st, i, buf, -1, SQLITE_TRANSIENT);
}

static void step(db *d, sqlite3_stmt *st) {
  if (d->rc != SQLITE_OK || !st)
    return;
  int rc = sqlite3_step(st);
  if (rc != SQLITE_DONE)
    d->rc = rc;
  sqlite3_reset(st);
  sqlite3_clear_bindings(st);
}

static const char *ref_kind(sp_ref_kind k) {
  switch (k) {
  case SP_REF_LINE:
    return "line";
  case SP_REF_RECORD:
    return "record";
  case SP_REF_OFFSET:
    return "offset";
  case SP_REF_PACKET:
    return "packet";
  }
  return "line";
}

static void put_findings(db *d, const sp_result *res) {
  sqlite3_stmt *f = prep(d, "INSERT OR IGNORE INTO findings VALUES(?,?,?,?,?,?,"
                            "?,?,?,?,?,?,?,?,?,?,?)");
  sqlite3_stmt *e = prep(d, "INSERT INTO entities VALUES(?,?,?,?)");
  sqlite3_stmt *v = prep(d, "INSERT INTO evidence VALUES(?,?,?,?,?,?,?)");
  for (size_t i = 0; d->rc == SQLITE_OK && i < sp_result_finding_count(res);
       i++) {
    const sp_finding *x = sp_result_finding(res, i);
    bind_text(f, 1, x->id);
    bind_text(f, 2, x->rule_id);
    bind_text(f, 3, x->rule_name);
    bind_text(f, 4, x->ruleset);
    bind_text(f, 5, x->rule_author);
    bind_text(f, 6, sp_level_name(x->level));
    sqlite3_bind_int(f, 7, sp_level_severity(x->level));
    bind_time(f, 8, x->first_ns);
    bind_time(f, 9, x->last_ns);
    if (x->first_ns != INT64_MIN)
      sqlite3_bind_int64(f, 10, x->first_ns);
    if (x->last_ns != INT64_MIN)
      sqlite3_bind_int64(f, 11, x->last_ns);
    sqlite3_bind_int64(f, 12, (sqlite3_int64)x->count);
    bind_text(f, 13, x->techniques);
    bind_text(f, 14, x->vulnerability);
    bind_text(f, 15, x->reason);
    bind_text(f, 16, x->reference);
    const sp_incident *in = sp_result_finding_incident(res, i);
    bind_text(f, 17, in ? in->id : NULL);
    step(d, f);
    for (size_t k = 0; k < x->n_entities; k++) {
      bind_text(e, 1, x->id);
      bind_text(e, 2, x->entities[k].field);
      bind_text(e, 3, x->entities[k].value);
      sqlite3_bind_int(e, 4, 0);
      step(d, e);
    }
    for (size_t k = 0; k < x->n_norm_entities; k++) {
      bind_text(e, 1, x->id);
      bind_text(e, 2, x->norm_entities[k].field);
      bind_text(e, 3, x->norm_entities[k].value);
      sqlite3_bind_int(e, 4, 1);
      step(d, e);
    }
    for (size_t k = 0; k < x->n_evidence; k++) {
      bind_text(v, 1, x->id);
      sqlite3_bind_int64(v, 2, (sqlite3_int64)k);
      bind_text(v, 3, x->evidence[k].path);
      bind_text(v, 4, ref_kind(x->evidence[k].kind));
      sqlite3_bind_int64(v, 5, (sqlite3_int64)x->evidence[k].where);
      bind_time(v, 6, x->evidence[k].ts);
      if (x->evidence[k].kind == SP_REF_RECORD &&
          x->evidence[k].offset != UINT64_MAX &&
          x->evidence[k].offset <= (uint64_t)INT64_MAX)
        sqlite3_bind_int64(v, 7, (sqlite3_int64)x->evidence[k].offset);
      else
        sqlite3_bind_null(v, 7);
      step(d, v);
    }
  }
  sqlite3_finalize(f);
  sqlite3_finalize(e);
  sqlite3_finalize(v);
}

static void put_incidents(db *d, const sp_result *res) {
  sqlite3_stmt *i = prep(d, "INSERT INTO incidents VALUES(?,?,?,?,?,?,?,?,?)");
  sqlite3_stmt *e = prep(d, "INSERT INTO incident_entities VALUES(?,?,?)");
  sqlite3_stmt *f = prep(d, "INSERT INTO incident_findings VALUES(?,?,?)");
  sqlite3_stmt *t = prep(d, "INSERT INTO incident_tactics VALUES(?,?,?)");
  for (size_t k = 0; d->rc == SQLITE_OK && k < sp_result_incident_count(res);
       k++) {
    const sp_incident *in = sp_result_incident(res, k);
    bind_text(i, 1, in->id);
    bind_text(i, 2, sp_level_name(in->level));
    sqlite3_bind_int(i, 3, sp_level_severity(in->level));
    bind_time(i, 4, in->first_ns);
    bind_time(i, 5, in->last_ns);
    sqlite3_bind_double(i, 6, in->dwell_days);
    bind_text(i, 7, in->summary);
    bind_time(i, 8, in->exposed_from_ns);
    bind_time(i, 9, in->exposed_to_ns);
    step(d, i);
    for (int kind = 0; kind < SP_IENT__COUNT; kind++)
      for (size_t j = 0; j < in->n_entities[kind]; j++) {
        bind_text(e, 1, in->id);
        bind_text(e, 2, sp_ient_name((sp_ient)kind));
        bind_text(e, 3, in->entities[kind][j]);
        step(d, e);
      }
    for (size_t j = 0; j < in->n_findings; j++) {
      bind_text(f, 1, in->id);
      sqlite3_bind_int64(f, 2, (sqlite3_int64)j);
      bind_text(f, 3, sp_result_finding(res, in->findings[j])->id);
      step(d, f);
    }
    for (size_t j = 0; j < in->n_tactics; j++) {
      bind_text(t, 1, in->id);
      sqlite3_bind_int64(t, 2, (sqlite3_int64)j);
      bind_text(t, 3, in->tactics[j]);
      step(d, t);
    }
  }
  sqlite3_finalize(i);
  sqlite3_finalize(e);
  sqlite3_finalize(f);
  sqlite3_finalize(t);
}

static void put_coverage(db *d, const sp_result *res) {
  sqlite3_stmt *f =
      prep(d, "INSERT INTO coverage_files VALUES(?,?,?,?,?,?,?,?,?)");
  sqlite3_stmt *s =
      prep(d, "INSERT INTO coverage_sources VALUES(?,?,?,?,?,?,?)");
  sqlite3_stmt *l = prep(d, "INSERT INTO limits VALUES(?,?,?)");
  for (size_t i = 0; d->rc == SQLITE_OK && i < sp_result_file_count(res); i++) {
    const sp_file_cov *c = sp_result_file(res, i);
    bind_text(f, 1, c->path);
    bind_text(f, 2, c->source);
    sqlite3_bind_int64(f, 3, (sqlite3_int64)c->bytes);
    sqlite3_bind_int64(f, 4, (sqlite3_int64)c->events);
    sqlite3_bind_int64(f, 5, (sqlite3_int64)c->malformed);
    bind_time(f, 6, c->first_ns);
    bind_time(f, 7, c->last_ns);
    bind_text(f, 8, c->error);
    bind_text(f, 9, c->note);
    step(d, f);
  }
  for (size_t i = 0; d->rc == SQLITE_OK && i < sp_result_source_count(res);
       i++) {
    const sp_source_cov *c = sp_result_source(res, i);
    bind_text(s, 1, c->source);
    sqlite3_bind_int64(s, 2, (sqlite3_int64)c->files);
    sqlite3_bind_int64(s, 3, (sqlite3_int64)c->bytes);
    sqlite3_bind_int64(s, 4, (sqlite3_int64)c->events);
    sqlite3_bind_int64(s, 5, (sqlite3_int64)c->malformed);
    bind_time(s, 6, c->first_ns);
    bind_time(s, 7, c->last_ns);
    step(d, s);
  }
  for (size_t i = 0; d->rc == SQLITE_OK && i < sp_result_limit_count(res);
       i++) {
    const sp_limit *x = sp_result_limit(res, i);
    bind_text(l, 1, x->name);
    bind_text(l, 2, x->detail);
    sqlite3_bind_int64(l, 3, (sqlite3_int64)x->count);
    step(d, l);
  }
  sqlite3_finalize(f);
  sqlite3_finalize(s);
  sqlite3_finalize(l);
}

sp_err sp_write_case_sqlite(const sp_result *res, const char *path) {
  db d = {NULL, SQLITE_OK};
  /* Emptied, not removed: the case directory holds the file open to fsync
     it (an empty file is a new database to SQLite). */
  int tfd = open(path, O_WRONLY | O_TRUNC | O_NOFOLLOW | O_CLOEXEC);
  if (tfd >= 0)
    close(tfd);
  d.rc = sqlite3_open_v2(path, &d.h, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE,
                         NULL);
  if (d.rc == SQLITE_OK)
    d.rc = sqlite3_exec(d.h,
                        "PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF;"
                        "BEGIN;",
                        NULL, NULL, NULL);
  if (d.rc == SQLITE_OK)
    d.rc = sqlite3_exec(d.h, SCHEMA_SQL, NULL, NULL, NULL);
  sqlite3_stmt *m = prep(&d, "INSERT INTO meta VALUES(?,?)");
  if (m) {
    bind_text(m, 1, "schema_version");
    bind_text(m, 2, SCHEMA_VERSION);
    step(&d, m);
    bind_text(m, 1, "spoor_version");
    bind_text(m, 2, SPOOR_VERSION);
    step(&d, m);
    sqlite3_finalize(m);
  }
  put_findings(&d, res);
  put_incidents(&d, res);
  put_coverage(&d, res);
  if (d.rc == SQLITE_OK)
    d.rc = sqlite3_exec(d.h, "COMMIT;", NULL, NULL, NULL);
  int rc = d.rc;
  if (sqlite3_close(d.h) != SQLITE_OK && rc == SQLITE_OK)
    rc = SQLITE_IOERR;
  if (rc == SQLITE_NOMEM)
    return SP_ENOMEM;
  return rc == SQLITE_OK ? SP_OK : SP_EIO;
}
