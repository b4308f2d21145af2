/*
 * main.c - the spoor command line: parses arguments, calls libspoor and
 * formats its results. The only place that prints or exits.
 *
 *   spoor hunt [options] PATH...
 *   spoor rules          list the built-in rules
 *   spoor version
 */
#include "spoor/spoor.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int spoor_cmd_rules(int argc, char **argv);

static void usage(FILE *out) {
  fputs(
      "usage: spoor hunt [options] PATH...\n"
      "       spoor rules\n"
      "       spoor version\n"
      "\n"
      "hunt options:\n"
      "  -j, --jobs N         worker threads (default: all cores)\n"
      "  -f, --format FMT     table, jsonl or csv (default: table on a "
      "terminal,\n"
      "                       jsonl otherwise)\n"
      "  -o, --output DIR     write a case directory (findings.jsonl, "
      "findings.csv,\n"
      "                       coverage.json)\n"
      "  -y, --yara PATH      extra YARA rule file or folder (repeatable)\n"
      "  -b, --baseline DIR   Microsoft's per-build Exchange baseline CSVs\n"
      "      --no-builtin-yara  do not load spoor's own YARA rules\n"
      "      --strict         exit 3 on damaged input or when a limit was hit\n"
      "  -q, --quiet          no coverage summary on stderr\n",
      out);
}

static void print_time(FILE *out, int64_t ns) {
  char t[40];
  sp_format_time(ns, t, sizeof t);
  fputs(t[0] ? t : "-", out);
}

/* n with thousands separators ("14,464"). */
static const char *group_digits(uint64_t n, char *buf, size_t cap) {
  char tmp[32];
  int len = snprintf(tmp, sizeof tmp, "%llu", (unsigned long long)n);
  size_t o = 0;
  for (int i = 0; i < len && o + 1 < cap; i++) {
    if (i && (len - i) % 3 == 0 && o + 2 < cap)
      buf[o++] = ',';
    buf[o++] = tmp[i];
  }
  buf[o] = 0;
  return buf;
}

static void coverage_summary(const sp_result *res, FILE *out) {
  fprintf(out, "\ncoverage:\n");
  for (size_t i = 0; i < sp_result_source_count(res); i++) {
    const sp_source_cov *s = sp_result_source(res, i);
    fprintf(out, "  %-22s %6llu files %12llu bytes %10llu events", s->source,
            (unsigned long long)s->files, (unsigned long long)s->bytes,
            (unsigned long long)s->events);
    if (s->malformed)
      fprintf(out, " %llu malformed", (unsigned long long)s->malformed);
    if (s->first_ns != INT64_MIN) {
      fputs("  ", out);
      print_time(out, s->first_ns);
      fputs(" .. ", out);
      print_time(out, s->last_ns);
    }
    fputc('\n', out);
  }
  size_t shown = 0;
  for (size_t i = 0; i < sp_result_file_count(res); i++) {
    const sp_file_cov *f = sp_result_file(res, i);
    if (!f->error && !f->n_samples)
      continue;
    if (shown++ >= 20) {
      fputs("  ... more problems in coverage.json\n", out);
      break;
    }
    /* Paths and messages are evidence-controlled: never raw to a tty. */
    if (f->error) {
      fputs("  problem: ", out);
      sp_write_term(out, f->path, 0);
      fputs(": ", out);
      sp_write_term(out, f->error, 0);
      fputc('\n', out);
    }
    for (size_t k = 0; k < f->n_samples && k < 3; k++) {
      fputs("  malformed: ", out);
      sp_write_term(out, f->samples[k], 0);
      fputc('\n', out);
    }
  }
  /* Notes are deliberate limits on one file (only the first 64 MiB
     scanned, ...): not damage, but never only in coverage.json. */
  size_t notes = 0;
  for (size_t i = 0; i < sp_result_file_count(res); i++) {
    const sp_file_cov *f = sp_result_file(res, i);
    if (!f->note || notes++ >= 5)
      continue;
    fputs("  note: ", out);
    sp_write_term(out, f->path, 0);
    fputs(": ", out);
    sp_write_term(out, f->note, 0);
    fputc('\n', out);
  }
  if (notes > 5)
    fprintf(out, "  ... %zu files with notes in coverage.json\n", notes);
  size_t by_level[SP_LEVEL_CRITICAL + 1] = {0};
  for (size_t i = 0; i < sp_result_finding_count(res); i++)
    by_level[sp_result_finding(res, i)->level]++;
  fprintf(out, "  %zu findings (", sp_result_finding_count(res));
  for (int l = SP_LEVEL_CRITICAL; l >= SP_LEVEL_INFO; l--)
    fprintf(out, "%s%s %zu", l == SP_LEVEL_CRITICAL ? "" : ", ",
            sp_level_name((sp_level)l), by_level[l]);
  size_t n_lim = sp_result_limit_count(res);
  char num[32];
  fprintf(out, "), %llu problems, %zu limit%s reached\n",
          (unsigned long long)sp_result_problems(res), n_lim,
          n_lim == 1 ? "" : "s");
  /* What a budget dropped or cut is never only in coverage.json. */
  for (size_t i = 0; i < n_lim; i++) {
    const sp_limit *l = sp_result_limit(res, i);
    fprintf(out, "  limit: %s %s %s\n", l->name,
            group_digits(l->count, num, sizeof num), l->detail);
  }
}

static int cmd_hunt(int argc, char **argv) {
  static const struct option longopts[] = {
      {"jobs", required_argument, NULL, 'j'},
      {"format", required_argument, NULL, 'f'},
      {"output", required_argument, NULL, 'o'},
      {"yara", required_argument, NULL, 'y'},
      {"baseline", required_argument, NULL, 'b'},
      {"no-builtin-yara", no_argument, NULL, 1},
      {"strict", no_argument, NULL, 2},
      {"quiet", no_argument, NULL, 'q'},
      {"help", no_argument, NULL, 'h'},
      {NULL, 0, NULL, 0}};
  sp_opts opts = {0};
  const char *yara[64];
  size_t n_yara = 0;
  const char *outdir = NULL;
  int fmt = -1, strict = 0, quiet = 0, c;
  while ((c = getopt_long(argc, argv, "j:f:o:y:b:qh", longopts, NULL)) != -1) {
    switch (c) {
    case 'j': {
      char *end;
      long v = strtol(optarg, &end, 10);
      if (*end || v < 1 || v > 256) {
        fprintf(stderr, "spoor: --jobs wants 1..256\n");
        return 2;
      }
      opts.jobs = (int)v;
      break;
    }
    case 'f':
      if (strcmp(optarg, "jsonl") == 0)
        fmt = SP_FORMAT_JSONL;
      else if (strcmp(optarg, "csv") == 0)
        fmt = SP_FORMAT_CSV;
      else if (strcmp(optarg, "table") == 0)
        fmt = SP_FORMAT_TABLE;
      else {
        fprintf(stderr, "spoor: unknown format '%s'\n", optarg);
        return 2;
      }
      break;
    case 'o':
      outdir = optarg;
      break;
    case 'y':
      if (n_yara >= 64) {
        fprintf(stderr, "spoor: at most 64 --yara paths\n");
        return 2;
      }
      yara[n_yara++] = optarg;
      break;
    case 'b':
      opts.baseline_dir = optarg;
      break;
    case 1:
      opts.no_builtin_yara = 1;
      break;
    case 2:
      strict = 1;
      break;
    case 'q':
      quiet = 1;
      break;
    case 'h':
      usage(stdout);
      return 0;
    default:
      usage(stderr);
      return 2;
    }
  }
  if (optind >= argc) {
    usage(stderr);
    return 2;
  }
  opts.yara_paths = yara;
  opts.n_yara = n_yara;
  if (fmt < 0)
    fmt = isatty(STDOUT_FILENO) ? SP_FORMAT_TABLE : SP_FORMAT_JSONL;

  sp_diag diag = {0};
  sp_engine *eng = NULL;
  sp_err e = sp_engine_create(&opts, &eng, &diag);
  if (e) {
    fprintf(stderr, "spoor: %s%s%s\n", sp_strerror(e), diag.msg[0] ? ": " : "",
            diag.msg);
    return 1;
  }
  sp_result *res = NULL;
  e = sp_engine_hunt(eng, (const char *const *)argv + optind,
                     (size_t)(argc - optind), &res, &diag);
  if (e) {
    fprintf(stderr, "spoor: %s%s%s\n", sp_strerror(e), diag.msg[0] ? ": " : "",
            diag.msg);
    sp_engine_destroy(eng);
    return 1;
  }
  int rc = 0;
  if (sp_write_findings(res, (sp_format)fmt, stdout) != SP_OK ||
      fflush(stdout) != 0) {
    fprintf(stderr, "spoor: cannot write findings\n");
    rc = 1;
  }
  if (outdir && sp_write_case_dir(res, outdir, &diag) != SP_OK) {
    fprintf(stderr, "spoor: case directory: %s\n", diag.msg);
    rc = 1;
  }
  if (!quiet)
    coverage_summary(res, stderr);
  if (!rc && strict &&
      (sp_result_problems(res) > 0 || sp_result_limit_count(res) > 0))
    rc = 3;
  sp_result_destroy(res);
  sp_engine_destroy(eng);
  return rc;
}

int main(int argc, char **argv) {
  if (argc < 2) {
    usage(stderr);
    return 2;
  }
  if (strcmp(argv[1], "hunt") == 0)
    return cmd_hunt(argc - 1, argv + 1);
  if (strcmp(argv[1], "rules") == 0)
    return spoor_cmd_rules(argc - 1, argv + 1);
  if (strcmp(argv[1], "version") == 0 || strcmp(argv[1], "--version") == 0) {
    printf("spoor %s\n", SPOOR_VERSION);
    return 0;
  }
  if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0) {
    usage(stdout);
    return 0;
  }
  fprintf(stderr, "spoor: unknown command '%s'\n", argv[1]);
  usage(stderr);
  return 2;
}
