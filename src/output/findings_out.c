/*
 * findings_out.c - findings as JSON Lines (nested ECS) and CSV (the terminal
 * table is terminal_out.c), and the coverage report. The JSON contract is
 * docs/SCHEMA.md; the case directory that holds these files is casedir.c.
 *
 * JSON objects are built from (dotted ECS key, rendered value) pairs, sorted
 * by key and written nested, so entity fields such as "source.ip" and
 * "file.hash.sha256" land under their ECS objects without a JSON library.
 */
#include "core/timeutil.h"
#include "engine/engine_int.h"
#include "findings/entity.h"
#include "output/escape.h"

#include <stdlib.h>
#include <string.h>

#define MAX_PAIRS 48

typedef enum vkind { V_STR, V_RAW, V_TECH, V_EVIDENCE, V_LIST } vkind;

/* A list of strings (related.*), sorted, each value once. */
typedef struct strlist {
  const char *v[SP_IDENTITY_MAX_ENT];
  size_t n;
} strlist;

typedef struct pair {
  const char *key;
  vkind kind;
  const char *s;
  const strlist *list;
  char raw[32];
} pair;

typedef struct pairs {
  pair p[MAX_PAIRS];
  size_t n;
} pairs;

static void put_str(pairs *ps, const char *key, const char *v) {
  if (!v || !*v || ps->n >= MAX_PAIRS)
    return;
  for (size_t i = 0; i < ps->n; i++)
    if (strcmp(ps->p[i].key, key) == 0)
      return; /* first value wins */
  ps->p[ps->n++] = (pair){key, V_STR, v, NULL, ""};
}

static void put_raw(pairs *ps, const char *key, vkind kind, const char *raw) {
  if (ps->n >= MAX_PAIRS)
    return;
  pair *p = &ps->p[ps->n++];
  p->key = key;
  p->kind = kind;
  p->s = NULL;
  p->list = NULL;
  snprintf(p->raw, sizeof p->raw, "%s", raw ? raw : "");
}

static void put_list(pairs *ps, const char *key, const strlist *l) {
  if (l->n == 0 || ps->n >= MAX_PAIRS)
    return;
  ps->p[ps->n++] = (pair){key, V_LIST, NULL, l, ""};
}

static void list_add(strlist *l, const char *v) {
  size_t i = 0;
  while (i < l->n && strcmp(l->v[i], v) < 0)
    i++;
  if ((i < l->n && strcmp(l->v[i], v) == 0) || l->n >= SP_IDENTITY_MAX_ENT)
    return;
  memmove(&l->v[i + 1], &l->v[i], (l->n - i) * sizeof l->v[0]);
  l->v[i] = v;
  l->n++;
}

static void write_list(FILE *out, const strlist *l) {
  fputc('[', out);
  for (size_t i = 0; i < l->n; i++) {
    if (i)
      fputc(',', out);
    sp_json_str(out, l->v[i], strlen(l->v[i]));
  }
  fputc(']', out);
}

static int cmp_pair(const void *a, const void *b) {
  return strcmp(((const pair *)a)->key, ((const pair *)b)->key);
}

static void write_techniques(FILE *out, const char *t) {
  fputc('[', out);
  const char *p = t;
  bool first = true;
  while (*p) {
    const char *c = strchr(p, ',');
    size_t n = c ? (size_t)(c - p) : strlen(p);
    if (n) {
      if (!first)
        fputc(',', out);
      sp_json_str(out, p, n);
      first = false;
    }
    if (!c)
      break;
    p = c + 1;
  }
  fputc(']', out);
}

static void write_evidence(FILE *out, const sp_finding *f) {
  static const char *const kinds[] = {"line", "record", "offset", "packet"};
  fputc('[', out);
  for (size_t i = 0; i < f->n_evidence; i++) {
    if (i)
      fputc(',', out);
    fputs("{\"path\":", out);
    sp_json_str(out, f->evidence[i].path, strlen(f->evidence[i].path));
    fprintf(out, ",\"%s\":%llu", kinds[f->evidence[i].kind % 4],
            (unsigned long long)f->evidence[i].where);
    if (f->evidence[i].kind == SP_REF_RECORD &&
        f->evidence[i].offset != UINT64_MAX)
      fprintf(out, ",\"offset\":%llu",
              (unsigned long long)f->evidence[i].offset);
    fputc('}', out);
  }
  fputc(']', out);
}

/* Number of leading whole segments ("a." ...) that a and b share. */
static size_t common_segments(const char *a, const char *b) {
  size_t segs = 0;
  for (;;) {
    const char *da = strchr(a, '.'), *db = strchr(b, '.');
    if (!da || !db)
      return segs;
    size_t la = (size_t)(da - a), lb = (size_t)(db - b);
    if (la != lb || memcmp(a, b, la) != 0)
      return segs;
    segs++;
    a = da + 1;
    b = db + 1;
  }
}

static size_t count_segments(const char *k) {
  size_t n = 0;
  for (; *k; k++)
    n += *k == '.';
  return n;
}

static const char *segment(const char *k, size_t idx, size_t *len) {
  const char *p = k;
  for (size_t i = 0; i < idx; i++)
    p = strchr(p, '.') + 1;
  const char *e = strchr(p, '.');
  *len = e ? (size_t)(e - p) : strlen(p);
  return p;
}

static void write_nested(FILE *out, pairs *ps, const sp_finding *f) {
  qsort(ps->p, ps->n, sizeof ps->p[0], cmp_pair);
  fputc('{', out);
  size_t depth = 0; /* open objects below the root */
  const char *prev = NULL;
  for (size_t i = 0; i < ps->n; i++) {
    const char *k = ps->p[i].key;
    size_t keep = prev ? common_segments(prev, k) : 0;
    if (keep > depth)
      keep = depth;
    while (depth > keep) {
      fputc('}', out);
      depth--;
    }
    if (prev)
      fputc(',', out);
    size_t segs = count_segments(k);
    for (size_t d = depth; d < segs; d++) {
      size_t n;
      const char *s = segment(k, d, &n);
      sp_json_str(out, s, n);
      fputs(":{", out);
      depth++;
    }
    size_t n;
    const char *leaf = segment(k, segs, &n);
    sp_json_str(out, leaf, n);
    fputc(':', out);
    switch (ps->p[i].kind) {
    case V_STR:
      sp_json_str(out, ps->p[i].s, strlen(ps->p[i].s));
      break;
    case V_RAW:
      fputs(ps->p[i].raw, out);
      break;
    case V_TECH:
      write_techniques(out, f->techniques);
      break;
    case V_EVIDENCE:
      write_evidence(out, f);
      break;
    case V_LIST:
      write_list(out, ps->p[i].list);
      break;
    }
    prev = k;
  }
  while (depth > 0) {
    fputc('}', out);
    depth--;
  }
  fputs("}\n", out);
}

/* Keys an entity may never set: the contract's own fields. */
static bool reserved_key(const char *k) {
  return strncmp(k, "event.", 6) == 0 || strncmp(k, "rule.", 5) == 0 ||
         strncmp(k, "spoor.", 6) == 0 || strncmp(k, "related.", 8) == 0 ||
         strcmp(k, "@timestamp") == 0;
}

static void write_jsonl(FILE *out, const sp_finding *f) {
  pairs ps = {.n = 0};
  char first[40], last[40], num[32];
  sp_format_time(f->first_ns, first, sizeof first);
  sp_format_time(f->last_ns, last, sizeof last);
  put_str(&ps, "@timestamp", first);
  put_str(&ps, "event.kind", "alert");
  put_str(&ps, "event.start", first);
  put_str(&ps, "event.end", last);
  snprintf(num, sizeof num, "%llu", (unsigned long long)f->count);
  put_raw(&ps, "event.count", V_RAW, num);
  snprintf(num, sizeof num, "%d", sp_level_severity(f->level));
  put_raw(&ps, "event.severity", V_RAW, num);
  put_str(&ps, "rule.id", f->rule_id);
  put_str(&ps, "rule.name", f->rule_name);
  put_str(&ps, "rule.ruleset", f->ruleset);
  put_str(&ps, "rule.author", f->rule_author);
  put_str(&ps, "rule.description", f->rule_description);
  put_str(&ps, "rule.reference", f->reference);
  if (f->techniques[0])
    put_raw(&ps, "threat.technique.id", V_TECH, NULL);
  put_str(&ps, "vulnerability.id", f->vulnerability);
  put_str(&ps, "event.id", f->id);
  for (size_t i = 0; i < f->n_entities; i++) {
    const char *k = f->entities[i].field;
    if (reserved_key(k))
      continue;
    put_str(&ps, k, f->entities[i].value);
  }
  /* Normalised entities: fields the original ones lack (user.domain,
     file.name) are added, the first value of a field wins, so original
     values stay as the evidence wrote them; every normalised address, user,
     host and hash goes to ECS related.*. */
  strlist rel[5] = {{.n = 0}};
  for (size_t i = 0; i < f->n_norm_entities; i++) {
    const sp_entity *e = &f->norm_entities[i];
    if (reserved_key(e->field))
      continue;
    put_str(&ps, e->field, e->value);
    sp_related k = sp_entity_related(e->field, e->value);
    if (k != SP_REL_NONE && e->value[0])
      list_add(&rel[k], e->value);
  }
  put_list(&ps, "related.hash", &rel[SP_REL_HASH]);
  put_list(&ps, "related.hosts", &rel[SP_REL_HOSTS]);
  put_list(&ps, "related.ip", &rel[SP_REL_IP]);
  put_list(&ps, "related.user", &rel[SP_REL_USER]);
  put_str(&ps, "spoor.level", sp_level_name(f->level));
  put_str(&ps, "spoor.reason", f->reason);
  put_raw(&ps, "spoor.evidence", V_EVIDENCE, NULL);
  if (f->flood_scope) {
    put_str(&ps, "spoor.flood.scope", f->flood_scope);
    snprintf(num, sizeof num, "%llu", (unsigned long long)f->flood_distinct);
    put_raw(&ps, "spoor.flood.distinct", V_RAW, num);
    if (f->flood_keys) {
      snprintf(num, sizeof num, "%llu", (unsigned long long)f->flood_keys);
      put_raw(&ps, "spoor.flood.keys", V_RAW, num);
    }
    put_raw(&ps, "spoor.flood.estimated", V_RAW,
            f->flood_estimated ? "true" : "false");
  }
  write_nested(out, &ps, f);
}

static void csv_str(FILE *out, const char *s) {
  sp_csv_cell(out, s, strlen(s));
}

static void write_csv_row(FILE *out, const sp_finding *f) {
  char first[40], last[40], num[32];
  sp_format_time(f->first_ns, first, sizeof first);
  sp_format_time(f->last_ns, last, sizeof last);
  csv_str(out, first);
  fputc(',', out);
  csv_str(out, last);
  fputc(',', out);
  csv_str(out, sp_level_name(f->level));
  fprintf(out, ",%d,", sp_level_severity(f->level));
  csv_str(out, f->rule_id);
  fputc(',', out);
  csv_str(out, f->rule_name);
  snprintf(num, sizeof num, "%llu", (unsigned long long)f->count);
  fprintf(out, ",%s,", num);
  csv_str(out, f->vulnerability);
  fputc(',', out);
  csv_str(out, f->techniques);
  fputc(',', out);
  /* entities as "field=value; ..." */
  size_t cap = 64;
  for (size_t i = 0; i < f->n_entities; i++)
    cap += strlen(f->entities[i].field) + strlen(f->entities[i].value) + 3;
  char *buf = malloc(cap);
  size_t len = 0;
  if (buf) {
    buf[0] = 0;
    for (size_t i = 0; i < f->n_entities; i++)
      len += (size_t)snprintf(buf + len, cap - len, "%s%s=%s", i ? "; " : "",
                              f->entities[i].field, f->entities[i].value);
    sp_csv_cell(out, buf, len);
    free(buf);
  } else {
    csv_str(out, "");
  }
  fputc(',', out);
  if (f->n_evidence) {
    char ev[4200];
    snprintf(ev, sizeof ev,
             f->evidence[0].kind == SP_REF_LINE     ? "%s:%llu"
             : f->evidence[0].kind == SP_REF_RECORD ? "%s record %llu"
             : f->evidence[0].kind == SP_REF_PACKET ? "%s packet %llu"
                                                    : "%s offset %llu",
             f->evidence[0].path, (unsigned long long)f->evidence[0].where);
    csv_str(out, ev);
  } else {
    csv_str(out, "");
  }
  fputc(',', out);
  csv_str(out, f->reason);
  fputc(',', out);
  csv_str(out, f->id ? f->id : "");
  fputc(',', out);
  csv_str(out, f->reference ? f->reference : "");
  fputc('\n', out);
}

sp_err sp_write_findings(const sp_result *res, sp_format fmt, FILE *out) {
  return sp_write_findings_filtered(res, fmt, NULL, out);
}

sp_err sp_write_findings_filtered(const sp_result *res, sp_format fmt,
                                  const sp_filter *filter, FILE *out) {
  if (fmt == SP_FORMAT_TABLE) {
    sp_table_opts o = {.color = 0, .filter = filter};
    return sp_write_table(res, &o, out); /* terminal_out.c */
  }
  if (fmt == SP_FORMAT_CSV)
    fputs("first_seen,last_seen,level,severity,rule_id,rule_name,count,"
          "vulnerability,techniques,entities,evidence,reason,id,reference\n",
          out);
  for (size_t i = 0; i < res->n_findings; i++) {
    const sp_finding *f = &res->findings[i];
    if (filter && !sp_filter_match(filter, f))
      continue;
    if (fmt == SP_FORMAT_JSONL)
      write_jsonl(out, f);
    else
      write_csv_row(out, f);
  }
  return ferror(out) ? SP_EIO : SP_OK;
}

static void json_time(FILE *out, int64_t ns) {
  if (ns == INT64_MIN) {
    fputs("null", out);
    return;
  }
  char t[40];
  sp_format_time(ns, t, sizeof t);
  sp_json_str(out, t, strlen(t));
}

sp_err sp_write_coverage_json(const sp_result *r, FILE *out) {
  fprintf(out,
          "{\"findings\":%zu,\"findings_dropped\":%llu,\"problems\":%llu,"
          "\"sources\":[",
          r->n_findings, (unsigned long long)r->findings_dropped,
          (unsigned long long)r->problems);
  for (size_t i = 0; i < r->n_sources; i++) {
    const sp_source_cov *s = &r->sources[i];
    fputs(i ? ",{\"source\":" : "{\"source\":", out);
    sp_json_str(out, s->source, strlen(s->source));
    fprintf(out,
            ",\"files\":%llu,\"bytes\":%llu,\"events\":%llu,"
            "\"malformed\":%llu,\"first\":",
            (unsigned long long)s->files, (unsigned long long)s->bytes,
            (unsigned long long)s->events, (unsigned long long)s->malformed);
    json_time(out, s->first_ns);
    fputs(",\"last\":", out);
    json_time(out, s->last_ns);
    fputc('}', out);
  }
  fputs("],\"limits\":[", out);
  for (size_t i = 0; i < r->n_limits; i++) {
    const sp_limit *l = &r->limits[i];
    fputs(i ? ",{\"name\":" : "{\"name\":", out);
    sp_json_str(out, l->name, strlen(l->name));
    fputs(",\"detail\":", out);
    sp_json_str(out, l->detail, strlen(l->detail));
    fprintf(out, ",\"count\":%llu}", (unsigned long long)l->count);
  }
  fputs("],\"files\":[", out);
  for (size_t i = 0; i < r->n_files; i++) {
    const sp_file_cov *f = &r->files[i].pub;
    fputs(i ? ",{\"path\":" : "{\"path\":", out);
    sp_json_str(out, f->path, strlen(f->path));
    fputs(",\"source\":", out);
    sp_json_str(out, f->source, strlen(f->source));
    fprintf(out,
            ",\"bytes\":%llu,\"events\":%llu,\"malformed\":%llu,\"first\":",
            (unsigned long long)f->bytes, (unsigned long long)f->events,
            (unsigned long long)f->malformed);
    json_time(out, f->first_ns);
    fputs(",\"last\":", out);
    json_time(out, f->last_ns);
    fputs(",\"error\":", out);
    if (f->error)
      sp_json_str(out, f->error, strlen(f->error));
    else
      fputs("null", out);
    fputs(",\"note\":", out);
    if (f->note)
      sp_json_str(out, f->note, strlen(f->note));
    else
      fputs("null", out);
    fputs(",\"samples\":[", out);
    for (size_t k = 0; k < f->n_samples; k++) {
      if (k)
        fputc(',', out);
      sp_json_str(out, f->samples[k], strlen(f->samples[k]));
    }
    fputs("]}", out);
  }
  fputs("],\"evtx_logs\":[", out);
  for (size_t i = 0; i < r->n_logs; i++) {
    const sp_log_cov *l = &r->logs[i];
    const char *p =
        l->file_id < r->n_files ? r->files[l->file_id].pub.path : "";
    fputs(i ? ",{\"path\":" : "{\"path\":", out);
    sp_json_str(out, p, strlen(p));
    fputs(",\"channel\":", out);
    sp_json_str(out, l->channel, strlen(l->channel));
    fputs(",\"computer\":", out);
    sp_json_str(out, l->computer, strlen(l->computer));
    fputs(",\"first\":", out);
    json_time(out, l->first_ns);
    fputs(",\"last\":", out);
    json_time(out, l->last_ns);
    fprintf(out,
            ",\"records\":%llu,\"first_record\":%llu,\"last_record\":%llu,"
            "\"gaps\":%llu,\"missing_records\":%llu,\"silences\":%llu}",
            (unsigned long long)l->records, (unsigned long long)l->first_record,
            (unsigned long long)l->last_record, (unsigned long long)l->gaps,
            (unsigned long long)l->missing, (unsigned long long)l->silences);
  }
  fputs("]}\n", out);
  return ferror(out) ? SP_EIO : SP_OK;
}
