/*
 * incidents_out.c - the incidents as JSON Lines (incidents.jsonl) and the
 * findings as a timeline Timesketch imports (timeline.csv).
 *
 * incidents.jsonl: one object per line, {"incident": {"id", "level",
 * "first_seen", "last_seen", "dwell_days", "entities": {"ip": [...],
 * "host", "user", "domain", "file"}, "tactics", "findings": [finding ids],
 * "summary", "exposure": {"from", "to"} or null}} (docs/SCHEMA.md).
 *
 * timeline.csv: Timesketch's CSV import needs the columns message,
 * datetime (ISO 8601) and timestamp_desc; every other column becomes an
 * attribute. One row per finding and evidence time: its first evidence
 * ("First evidence") and, when later, its last ("Last evidence"). Findings
 * about files are dated by the file's modification time and say so in
 * timestamp_desc ("File modified"), never mixed unlabelled into the log
 * time. Every cell goes through sp_csv_cell (quoting, formula
 * neutralisation).
 */
#include "output/escape.h"
#include "spoor/spoor.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

static void json_time_or_null(FILE *out, int64_t ns) {
  if (ns == INT64_MIN) {
    fputs("null", out);
    return;
  }
  char buf[40];
  sp_format_time(ns, buf, sizeof buf);
  sp_json_str(out, buf, strlen(buf));
}

static void json_list(FILE *out, const char *const *v, size_t n) {
  fputc('[', out);
  for (size_t i = 0; i < n; i++) {
    if (i)
      fputc(',', out);
    sp_json_str(out, v[i], strlen(v[i]));
  }
  fputc(']', out);
}

sp_err sp_write_incidents_jsonl(const sp_result *res, FILE *out) {
  for (size_t i = 0; i < sp_result_incident_count(res); i++) {
    const sp_incident *in = sp_result_incident(res, i);
    fputs("{\"incident\":{\"id\":", out);
    sp_json_str(out, in->id, strlen(in->id));
    fputs(",\"level\":", out);
    const char *lv = sp_level_name(in->level);
    sp_json_str(out, lv, strlen(lv));
    fputs(",\"first_seen\":", out);
    json_time_or_null(out, in->first_ns);
    fputs(",\"last_seen\":", out);
    json_time_or_null(out, in->last_ns);
    fprintf(out, ",\"dwell_days\":%.2f,\"entities\":{", in->dwell_days);
    for (int k = 0; k < SP_IENT__COUNT; k++) {
      if (k)
        fputc(',', out);
      const char *kn = sp_ient_name((sp_ient)k);
      sp_json_str(out, kn, strlen(kn));
      fputc(':', out);
      json_list(out, in->entities[k], in->n_entities[k]);
    }
    fputs("},\"tactics\":", out);
    json_list(out, in->tactics, in->n_tactics);
    fputs(",\"findings\":[", out);
    for (size_t j = 0; j < in->n_findings; j++) {
      const sp_finding *f = sp_result_finding(res, in->findings[j]);
      if (j)
        fputc(',', out);
      sp_json_str(out, f->id, strlen(f->id));
    }
    fputs("],\"summary\":", out);
    sp_json_str(out, in->summary, strlen(in->summary));
    fputs(",\"exposure\":", out);
    if (in->exposed_from_ns == INT64_MIN) {
      fputs("null", out);
    } else {
      fputs("{\"from\":", out);
      json_time_or_null(out, in->exposed_from_ns);
      fputs(",\"to\":", out);
      json_time_or_null(out, in->exposed_to_ns);
      fputc('}', out);
    }
    fputs("}}\n", out);
  }
  return ferror(out) ? SP_EIO : SP_OK;
}

/* Findings whose time is a file's modification time, not a log record's. */
static int file_dated(const sp_finding *f) {
  return f->n_evidence && f->evidence[0].kind == SP_REF_OFFSET &&
         (strncmp(f->rule_id, "yara.", 5) == 0 ||
          strncmp(f->rule_id, "spoor.file.", 11) == 0);
}

static void cell(FILE *out, const char *s) {
  sp_csv_cell(out, s ? s : "", s ? strlen(s) : 0);
}

static const char *entity(const sp_finding *f, const char *field) {
  for (size_t i = 0; i < f->n_entities; i++)
    if (!strcmp(f->entities[i].field, field))
      return f->entities[i].value;
  return "";
}

static void timeline_row(FILE *out, const sp_finding *f, int64_t ns,
                         const char *desc, const char *incident) {
  char ts[40], msg[1024];
  sp_format_time(ns, ts, sizeof ts);
  snprintf(msg, sizeof msg, "[%s] %s%s%s", sp_level_name(f->level),
           f->rule_name, f->reason && f->reason[0] ? ": " : "",
           f->reason ? f->reason : "");
  cell(out, msg);
  fputc(',', out);
  cell(out, ts);
  fputc(',', out);
  cell(out, desc);
  fputc(',', out);
  cell(out, f->rule_id);
  fputc(',', out);
  cell(out, sp_level_name(f->level));
  fputc(',', out);
  cell(out, f->id);
  fputc(',', out);
  cell(out, incident);
  fputc(',', out);
  cell(out, entity(f, "source.ip"));
  fputc(',', out);
  cell(out, entity(f, "host.name"));
  fputc(',', out);
  cell(out, entity(f, "user.name"));
  fputc(',', out);
  cell(out, f->techniques);
  fputc(',', out);
  cell(out, f->n_evidence ? f->evidence[0].path : "");
  fputc(',', out);
  fprintf(out, "%" PRIu64 "\n", f->n_evidence ? f->evidence[0].where : 0);
}

sp_err sp_write_timeline_csv(const sp_result *res, FILE *out) {
  fputs("message,datetime,timestamp_desc,rule_id,level,finding_id,"
        "incident_id,source_ip,host,user,techniques,evidence_path,"
        "evidence_where\n",
        out);
  size_t n = sp_result_finding_count(res);
  for (size_t i = 0; i < n; i++) {
    const sp_finding *f = sp_result_finding(res, i);
    if (f->first_ns == INT64_MIN)
      continue;
    const sp_incident *in = sp_result_finding_incident(res, i);
    const char *inc = in ? in->id : "";
    int fd = file_dated(f);
    timeline_row(out, f, f->first_ns, fd ? "File modified" : "First evidence",
                 inc);
    if (f->last_ns != INT64_MIN && f->last_ns > f->first_ns)
      timeline_row(out, f, f->last_ns,
                   fd ? "File modified (latest)" : "Last evidence", inc);
  }
  return ferror(out) ? SP_EIO : SP_OK;
}
