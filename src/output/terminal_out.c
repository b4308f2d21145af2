/*
 * terminal_out.c - the findings table and the closing summary for a
 * terminal (issue 10).
 *
 * Table: a header row, then per finding a line with level, first evidence
 * time and count and rule name, and indented lines with entities, evidence
 * and reason. Every evidence string goes through the terminal escaping
 * (escape.h); a value cut to fit ends in "…"; hashes (and ids) are never
 * cut; a finding dated by a file's modification time says "(file mtime)"
 * next to the time. Severity colours (ANSI) only when the caller asks.
 *
 * Summary (as Hayabusa's): the incidents with level, first evidence, dwell
 * and the first line of their narrative; the top rules and hosts; the first
 * and last evidence per level. Owns nothing beyond temporary arrays.
 */
#include "output/escape.h"
#include "spoor/spoor.h"

#include <inttypes.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#define TIME_COL 37 /* "2021-03-02T07:24:01.000Z (file mtime)" */
#define TOP_N 5
#define SUMMARY_INCIDENTS 10

static const char *color_of(sp_level l) {
  switch (l) {
  case SP_LEVEL_CRITICAL:
    return "\033[1;97;41m"; /* bold white on red */
  case SP_LEVEL_HIGH:
    return "\033[1;31m";
  case SP_LEVEL_MEDIUM:
    return "\033[33m";
  case SP_LEVEL_LOW:
    return "\033[36m";
  default:
    return "\033[2m";
  }
}

/* The level name padded to 8 columns, coloured when asked. */
static void put_level(FILE *out, sp_level l, bool color) {
  const char *n = sp_level_name(l);
  if (color)
    fprintf(out, "%s%s\033[0m%*s", color_of(l), n, (int)(8 - strlen(n)), "");
  else
    fprintf(out, "%-8s", n);
}

static bool is_hex(const char *s, size_t n) {
  for (size_t i = 0; i < n; i++)
    if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f') ||
          (s[i] >= 'A' && s[i] <= 'F')))
      return false;
  return true;
}

/* Hashes are never cut: a cut hash cannot be searched for. */
static bool is_hash(const char *field, const char *v) {
  size_t n = strlen(v);
  return strstr(field, "hash") != NULL ||
         ((n == 32 || n == 40 || n == 64 || n == 128) && is_hex(v, n));
}

static void cut(FILE *out, const char *s, size_t max) {
  sp_term_cut(out, s, strlen(s), max);
}

static void write_row(FILE *out, const sp_finding *f, bool color) {
  char t[40];
  sp_format_time(f->first_ns, t, sizeof t);
  put_level(out, f->level, color);
  char when[64];
  snprintf(when, sizeof when, "%s%s", t[0] ? t : "-",
           sp_finding_file_time(f) ? " (file mtime)" : "");
  fprintf(out, " %-*s %6" PRIu64 "  ", TIME_COL, when, f->count);
  cut(out, f->rule_name, 60);
  fputc('\n', out);
  if (f->n_entities) {
    fputs("         ", out);
    for (size_t i = 0; i < f->n_entities && i < 6; i++) {
      const sp_entity *e = &f->entities[i];
      fputs(i ? "  " : "", out);
      cut(out, e->field, 40);
      fputc('=', out);
      cut(out, e->value, is_hash(e->field, e->value) ? 0 : 60);
    }
    if (f->n_entities > 6)
      fprintf(out, "  (+%zu more)", f->n_entities - 6);
    fputc('\n', out);
  }
  if (f->n_evidence) {
    fputs("         at ", out);
    cut(out, f->evidence[0].path, 100);
    fprintf(out,
            f->evidence[0].kind == SP_REF_LINE     ? ":%" PRIu64
            : f->evidence[0].kind == SP_REF_RECORD ? " record %" PRIu64
            : f->evidence[0].kind == SP_REF_PACKET ? " packet %" PRIu64
                                                   : " offset %" PRIu64,
            f->evidence[0].where);
    if (f->n_evidence > 1)
      fprintf(out, " (+%zu more)", f->n_evidence - 1);
    fputc('\n', out);
  }
  if (f->reason && f->reason[0]) {
    fputs("         ", out);
    cut(out, f->reason, 110);
    fputc('\n', out);
  }
}

sp_err sp_write_table(const sp_result *res, const sp_table_opts *o, FILE *out) {
  bool color = o && o->color;
  const sp_filter *flt = o ? o->filter : NULL;
  if (color)
    fputs("\033[1m", out);
  fprintf(out, "%-8s %-*s %6s  %s", "LEVEL", TIME_COL, "FIRST EVIDENCE (UTC)",
          "COUNT", "RULE / entities / evidence / reason");
  fputs(color ? "\033[0m\n" : "\n", out);
  for (size_t i = 0; i < sp_result_finding_count(res); i++) {
    const sp_finding *f = sp_result_finding(res, i);
    if (!flt || sp_filter_match(flt, f))
      write_row(out, f, color);
  }
  return ferror(out) ? SP_EIO : SP_OK;
}

/* ---- summary ------------------------------------------------------------ */

static int cmp_str(const void *a, const void *b) {
  return strcmp(*(const char *const *)a, *(const char *const *)b);
}

typedef struct top {
  const char *v;
  size_t n;
} top;

/* The TOP_N most frequent strings of v (sorted in place). */
static size_t top_of(const char **v, size_t n, top *best) {
  qsort(v, n, sizeof *v, cmp_str);
  size_t nb = 0;
  for (size_t i = 0; i < n;) {
    size_t j = i + 1;
    while (j < n && strcmp(v[j], v[i]) == 0)
      j++;
    top c = {v[i], j - i};
    size_t k = nb < TOP_N ? nb++ : TOP_N;
    if (k == TOP_N && c.n <= best[TOP_N - 1].n) {
      i = j;
      continue;
    }
    if (k == TOP_N)
      k = TOP_N - 1;
    while (k > 0 && best[k - 1].n < c.n) {
      best[k] = best[k - 1];
      k--;
    }
    best[k] = c;
    i = j;
  }
  return nb;
}

typedef struct span {
  int64_t first, last;
  size_t n;
} span;

static void put_time(FILE *out, int64_t ns) {
  char t[40];
  sp_format_time(ns, t, sizeof t);
  fputs(t[0] ? t : "-", out);
}

static void first_line(FILE *out, const char *s, size_t max) {
  const char *nl = strchr(s, '\n');
  size_t n = nl ? (size_t)(nl - s) : strlen(s);
  sp_term_cut(out, s, n, max);
}

sp_err sp_write_summary(const sp_result *res, const sp_table_opts *o,
                        FILE *out) {
  bool color = o && o->color;
  const sp_filter *flt = o ? o->filter : NULL;
  size_t nf = sp_result_finding_count(res), ni = sp_result_incident_count(res);
  fprintf(out, "\nsummary:\n  incidents: %zu\n", ni);
  for (size_t i = 0; i < ni && i < SUMMARY_INCIDENTS; i++) {
    const sp_incident *in = sp_result_incident(res, i);
    fputs("    ", out);
    put_level(out, in->level, color);
    fputs(" first ", out);
    put_time(out, in->first_ns);
    fprintf(out, "  dwell %.2f days  %zu findings  %s\n      ", in->dwell_days,
            in->n_findings, in->id);
    first_line(out, in->summary, 100);
    fputc('\n', out);
  }
  if (ni > SUMMARY_INCIDENTS)
    fprintf(out, "    ... %zu more in incidents.jsonl or report.html\n",
            ni - SUMMARY_INCIDENTS);
  const char **rules = malloc((nf ? nf : 1) * sizeof *rules);
  size_t nh_cap = 0;
  for (size_t i = 0; i < nf; i++)
    nh_cap += sp_result_finding(res, i)->n_entities;
  const char **hosts = malloc((nh_cap ? nh_cap : 1) * sizeof *hosts);
  if (!rules || !hosts) {
    free(rules);
    free(hosts);
    return SP_ENOMEM;
  }
  size_t nr = 0, nh = 0, shown = 0;
  /* Per level, log evidence [0] and file modification times [1] apart: a
   * file's mtime is not when the intrusion touched a log. */
  span sp[2][SP_LEVEL_CRITICAL + 1];
  for (int k = 0; k < 2; k++)
    for (int l = 0; l <= SP_LEVEL_CRITICAL; l++)
      sp[k][l] = (span){INT64_MAX, INT64_MIN, 0};
  for (size_t i = 0; i < nf; i++) {
    const sp_finding *f = sp_result_finding(res, i);
    if (flt && !sp_filter_match(flt, f))
      continue;
    shown++;
    rules[nr++] = f->rule_id;
    for (size_t k = 0; k < f->n_entities; k++)
      if (!strcmp(f->entities[k].field, "host.name") ||
          !strcmp(f->entities[k].field, "host.hostname"))
        hosts[nh++] = f->entities[k].value;
    span *x = &sp[sp_finding_file_time(f) ? 1 : 0][f->level];
    x->n++;
    if (f->first_ns != INT64_MIN && f->first_ns < x->first)
      x->first = f->first_ns;
    int64_t last = f->last_ns != INT64_MIN ? f->last_ns : f->first_ns;
    if (last != INT64_MIN && last > x->last)
      x->last = last;
  }
  top best[TOP_N];
  size_t nb = top_of(rules, nr, best);
  fprintf(out, "  top rules (of %zu findings shown):\n", shown);
  for (size_t i = 0; i < nb; i++) {
    fprintf(out, "    %6zu  ", best[i].n);
    sp_write_term(out, best[i].v, 0);
    fputc('\n', out);
  }
  nb = top_of(hosts, nh, best);
  fputs("  top hosts:\n", out);
  if (!nb)
    fputs("    (no host named)\n", out);
  for (size_t i = 0; i < nb; i++) {
    fprintf(out, "    %6zu  ", best[i].n);
    cut(out, best[i].v, 80);
    fputc('\n', out);
  }
  fputs("  evidence per level (first .. last):\n", out);
  for (int l = SP_LEVEL_CRITICAL; l >= SP_LEVEL_INFO; l--) {
    for (int k = 0; k < 2; k++) {
      const span *x = &sp[k][l];
      if (!x->n)
        continue;
      fputs("    ", out);
      put_level(out, (sp_level)l, color);
      fprintf(out, " %6zu  ", x->n);
      if (x->first == INT64_MAX) {
        fputs("no time", out);
      } else {
        put_time(out, x->first);
        fputs(" .. ", out);
        put_time(out, x->last);
      }
      fputs(k ? "  (file mtime)\n" : "\n", out);
    }
  }
  free(rules);
  free(hosts);
  return ferror(out) ? SP_EIO : SP_OK;
}
