/*
 * main.c - the spoor command line: parses arguments, calls libspoor and
 * formats its results. The only place that prints or exits.
 *
 *   spoor hunt [options] PATH...
 *   spoor rules [opts]   list the rules (built-in, then YARA)
 *   spoor readers        list the readers and detectors
 *   spoor version
 */
#include "spoor/spoor.h"

#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

int spoor_cmd_rules(int argc, char **argv);
int spoor_cmd_readers(int argc, char **argv);

static void usage(FILE *out) {
  fputs(
      "usage: spoor hunt [options] PATH...\n"
      "       spoor rules [--builtin] [-y PATH]... [-r PATH]... "
      "[--no-builtin-yara]\n"
      "       spoor rules check [--min-level L] [--rule-status S]\n"
      "                         [--sigma-placeholders FILE]\n"
      "                         [--sigma-placeholders-wildcard] PATH...\n"
      "       spoor readers\n"
      "       spoor version\n"
      "\n"
      "hunt options:\n"
      "  -j, --jobs N         worker threads (default: all cores)\n"
      "  -f, --format FMT     table, jsonl or csv (default: table on a "
      "terminal,\n"
      "                       jsonl otherwise)\n"
      "  -o, --output DIR     write a case directory (findings.jsonl, "
      "findings.csv,\n"
      "                       coverage.json, incidents.jsonl, timeline.csv,\n"
      "                       case.sqlite, report.html, run.json); DIR must "
      "be\n"
      "                       new or empty\n"
      "      --force          write into a DIR that is not empty (replace a "
      "case)\n"
      "  -y, --yara PATH      extra YARA rule file or folder (repeatable)\n"
      "  -b, --baseline DIR   Microsoft's per-build Exchange baseline CSVs\n"
      "      --no-builtin-yara  do not load spoor's own YARA rules\n"
      "      --disable NAME   turn off a reader or detector (repeatable; see\n"
      "                       `spoor readers`)\n"
      "  -r, --rules PATH     Sigma rule file or folder (repeatable)\n"
      "      --min-level L    Sigma rules of level L and above only\n"
      "                       (informational, low, medium, high, critical)\n"
      "      --rule-status S  Sigma rule statuses to load, comma separated\n"
      "                       (default: all but deprecated,unsupported)\n"
      "      --sigma-placeholders FILE  values of Sigma `expand` placeholders\n"
      "                       (YAML: name: [value, ...]; docs/SIGMA.md)\n"
      "      --sigma-placeholders-wildcard  a placeholder without values "
      "becomes *\n"
      "      --ioc PATH       indicator file or folder: STIX 2.1, MISP, CSV,\n"
      "                       lists, signature-base, CHIRP (repeatable)\n"
      "      --strict         exit 3 on damaged input or when a limit was hit\n"
      "      --allow PATH     network allow list: CIDRs and domains, one a "
      "line\n"
      "                       (repeatable; added to the shipped defaults)\n"
      "      --rita-compat    beacon scores exactly as RITA v5 (last 24 h)\n"
      "      --net-mem MIB    memory budget of the network analytics "
      "(default 3072)\n"
      "  -q, --quiet          no progress bar, summary or coverage on stderr\n"
      "      --no-color       no severity colours (also: NO_COLOR set; never\n"
      "                       when the output is not a terminal)\n"
      "      --detected DATE  when the intrusion was detected: incidents'\n"
      "                       dwell time runs to it (YYYY-MM-DD or RFC 3339)\n"
      "      --since DATE     show findings with evidence from DATE on\n"
      "      --until DATE     show findings with evidence up to DATE (a bare\n"
      "                       date: to its end); the case directory keeps all\n"
      "      --rule-include GLOB  show only rule ids matching GLOB "
      "(repeatable)\n"
      "      --rule-exclude GLOB  hide rule ids matching GLOB (repeatable)\n"
      "\n"
      "exit status: 0 done, 1 error (including a missing or empty evidence "
      "path),\n"
      "2 usage, 3 --strict and damaged input or a limit reached\n",
      out);
}

/* One line per error: the library's detail names the path and errno's text
 * once; the generic message only stands in when there is no detail. */
static void report(sp_err e, const sp_diag *diag, const char *hint) {
  fprintf(stderr, "spoor: %s%s\n", diag->msg[0] ? diag->msg : sp_strerror(e),
          hint ? hint : "");
}

/* The progress bar on stderr (a terminal only; not with --quiet). */
static void human_bytes(double b, char *buf, size_t cap) {
  static const char *const u[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  int i = 0;
  while (b >= 1024 && i < 4) {
    b /= 1024;
    i++;
  }
  snprintf(buf, cap, i ? "%.1f %s" : "%.0f %s", b, u[i]);
}

static void progress_bar(void *user, const sp_progress *p) {
  (void)user;
  if (p->final) {
    fputs("\r\033[K", stderr); /* leave no bar behind */
    fflush(stderr);
    return;
  }
  double frac = p->bytes_total ? (double)p->bytes_done / (double)p->bytes_total
                : p->files_total
                    ? (double)p->files_done / (double)p->files_total
                    : 0;
  if (frac > 1)
    frac = 1;
  char bar[24], done[16], total[16], rate[16], eta[24] = "--:--";
  int w = (int)(frac * 20 + 0.5);
  for (int i = 0; i < 20; i++)
    bar[i] = i < w ? '#' : '.';
  bar[20] = 0;
  double secs = (double)p->elapsed_ns / 1e9;
  double bps = secs > 0 ? (double)p->bytes_done / secs : 0;
  human_bytes((double)p->bytes_done, done, sizeof done);
  human_bytes((double)p->bytes_total, total, sizeof total);
  human_bytes(bps, rate, sizeof rate);
  if (bps > 0 && p->bytes_total >= p->bytes_done) {
    double left = (double)(p->bytes_total - p->bytes_done) / bps;
    if (left < 360000)
      snprintf(eta, sizeof eta, "%d:%02d:%02d", (int)left / 3600,
               (int)left / 60 % 60, (int)left % 60);
  }
  fprintf(stderr,
          "\r\033[K[%s] %3.0f%% %s: %llu/%llu files  %s/%s  %s/s  ETA %s", bar,
          frac * 100, p->phase, (unsigned long long)p->files_done,
          (unsigned long long)p->files_total, done, total, rate, eta);
  fflush(stderr);
}

static int64_t now_ns(void) {
  struct timespec ts;
  if (clock_gettime(CLOCK_REALTIME, &ts) != 0)
    return INT64_MIN;
  return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
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

/* Long options without a short form, added in issue 10 (report and
 * terminal): numbered apart from the ones above. */
enum {
  OPT_NO_COLOR = 32,
  OPT_DETECTED,
  OPT_SINCE,
  OPT_UNTIL,
  OPT_RULE_INCLUDE,
  OPT_RULE_EXCLUDE,
  OPT_SIGMA_PLACEHOLDERS,
  OPT_SIGMA_PLACEHOLDERS_WILDCARD
};

/* cmdline: the whole command line as typed, for run.json (getopt permutes
 * argv). */
static int cmd_hunt(int argc, char **argv, const char *const *cmdline,
                    size_t n_cmdline) {
  static const struct option longopts[] = {
      {"jobs", required_argument, NULL, 'j'},
      {"format", required_argument, NULL, 'f'},
      {"output", required_argument, NULL, 'o'},
      {"yara", required_argument, NULL, 'y'},
      {"baseline", required_argument, NULL, 'b'},
      {"no-builtin-yara", no_argument, NULL, 1},
      {"strict", no_argument, NULL, 2},
      {"force", no_argument, NULL, 3},
      {"disable", required_argument, NULL, 4},
      {"rules", required_argument, NULL, 'r'},
      {"min-level", required_argument, NULL, 5},
      {"rule-status", required_argument, NULL, 6},
      {"ioc", required_argument, NULL, 7},
      {"allow", required_argument, NULL, 8},
      {"rita-compat", no_argument, NULL, 9},
      {"net-mem", required_argument, NULL, 10},
      {"quiet", no_argument, NULL, 'q'},
      {"no-color", no_argument, NULL, OPT_NO_COLOR},
      {"detected", required_argument, NULL, OPT_DETECTED},
      {"since", required_argument, NULL, OPT_SINCE},
      {"until", required_argument, NULL, OPT_UNTIL},
      {"rule-include", required_argument, NULL, OPT_RULE_INCLUDE},
      {"rule-exclude", required_argument, NULL, OPT_RULE_EXCLUDE},
      {"sigma-placeholders", required_argument, NULL, OPT_SIGMA_PLACEHOLDERS},
      {"sigma-placeholders-wildcard", no_argument, NULL,
       OPT_SIGMA_PLACEHOLDERS_WILDCARD},
      {"help", no_argument, NULL, 'h'},
      {NULL, 0, NULL, 0}};
  sp_opts opts = {0};
  const char *yara[64], *disable[64], *sigma[64], *ioc[64], *allow[64],
      *incl[64], *excl[64];
  size_t n_yara = 0, n_disable = 0, n_sigma = 0, n_ioc = 0, n_allow = 0;
  sp_filter flt = {0};
  const char *outdir = NULL;
  int fmt = -1, strict = 0, quiet = 0, force = 0, no_color = 0, c;
  while ((c = getopt_long(argc, argv, "j:f:o:y:b:r:qh", longopts, NULL)) !=
         -1) {
    switch (c) {
    case 'r':
      if (n_sigma >= 64) {
        fprintf(stderr, "spoor: at most 64 --rules paths\n");
        return 2;
      }
      sigma[n_sigma++] = optarg;
      break;
    case 5:
      opts.sigma_min_level = optarg;
      break;
    case 6:
      opts.sigma_status = optarg;
      break;
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
    case 3:
      force = 1;
      break;
    case 4:
      if (n_disable >= 64) {
        fprintf(stderr, "spoor: at most 64 --disable names\n");
        return 2;
      }
      disable[n_disable++] = optarg;
      break;
    case 7:
      if (n_ioc >= 64) {
        fprintf(stderr, "spoor: at most 64 --ioc paths\n");
        return 2;
      }
      ioc[n_ioc++] = optarg;
      break;
    case 8:
      if (n_allow >= 64) {
        fprintf(stderr, "spoor: at most 64 --allow paths\n");
        return 2;
      }
      allow[n_allow++] = optarg;
      break;
    case 9:
      opts.rita_compat = 1;
      break;
    case 10: {
      char *end;
      long v = strtol(optarg, &end, 10);
      if (*end || v < 16 || v > (1L << 20)) {
        fprintf(stderr, "spoor: --net-mem wants 16..1048576 (MiB)\n");
        return 2;
      }
      opts.net_mem = (size_t)v << 20;
      break;
    }
    case 'q':
      quiet = 1;
      break;
    case OPT_NO_COLOR:
      no_color = 1;
      break;
    case OPT_DETECTED:
    case OPT_SINCE:
    case OPT_UNTIL: {
      int64_t t;
      const char *name = c == OPT_DETECTED ? "detected"
                         : c == OPT_SINCE  ? "since"
                                           : "until";
      if (sp_parse_time_arg(optarg, c == OPT_UNTIL, &t) != SP_OK) {
        fprintf(stderr,
                "spoor: --%s wants YYYY-MM-DD or RFC 3339 "
                "(2021-03-02T07:00:00Z), not '%s'\n",
                name, optarg);
        return 2;
      }
      if (c == OPT_DETECTED)
        opts.detected_ns = t;
      else if (c == OPT_SINCE)
        flt.since_ns = t;
      else
        flt.until_ns = t;
      break;
    }
    case OPT_RULE_INCLUDE:
    case OPT_RULE_EXCLUDE: {
      size_t *n = c == OPT_RULE_INCLUDE ? &flt.n_include : &flt.n_exclude;
      if (*n >= 64) {
        fprintf(stderr, "spoor: at most 64 --rule-%s globs\n",
                c == OPT_RULE_INCLUDE ? "include" : "exclude");
        return 2;
      }
      (c == OPT_RULE_INCLUDE ? incl : excl)[(*n)++] = optarg;
      break;
    }
    case OPT_SIGMA_PLACEHOLDERS:
      opts.sigma_placeholders = optarg;
      break;
    case OPT_SIGMA_PLACEHOLDERS_WILDCARD:
      opts.sigma_placeholders_wildcard = 1;
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
  opts.disable = disable;
  opts.n_disable = n_disable;
  opts.sigma_paths = sigma;
  opts.n_sigma = n_sigma;
  opts.ioc_paths = ioc;
  opts.n_ioc = n_ioc;
  opts.net_allow = allow;
  opts.n_net_allow = n_allow;
  flt.rule_include = incl;
  flt.rule_exclude = excl;
  if (flt.since_ns && flt.until_ns && flt.since_ns > flt.until_ns) {
    fprintf(stderr, "spoor: --since is after --until\n");
    return 2;
  }
  if (fmt < 0)
    fmt = isatty(STDOUT_FILENO) ? SP_FORMAT_TABLE : SP_FORMAT_JSONL;
  const char *nc = getenv("NO_COLOR"); /* no-color.org: set and not empty */
  bool color_ok = !no_color && !(nc && nc[0]);
  if (!quiet && isatty(STDERR_FILENO))
    opts.progress = progress_bar;

  /* The case directory is taken (created, locked, checked, write-tested)
   * before any work, and left out of the evidence walk. */
  int64_t start_ns = now_ns();
  sp_diag diag = {0};
  sp_case *cs = NULL;
  const char *exclude[1] = {outdir};
  if (outdir) {
    sp_case_opts co = {.force = force};
    sp_err e = sp_case_open(outdir, &co, &cs, &diag);
    if (e) {
      report(e, &diag,
             e == SP_EEXIST ? "; --force writes into it anyway" : NULL);
      return 1;
    }
    opts.exclude_paths = exclude;
    opts.n_exclude = 1;
  }
  sp_engine *eng = NULL;
  sp_err e = sp_engine_create(&opts, &eng, &diag);
  if (e) {
    report(e, &diag, NULL);
    sp_case_close(cs);
    return 1;
  }
  const char *const *roots = (const char *const *)argv + optind;
  size_t n_roots = (size_t)(argc - optind);
  sp_result *res = NULL;
  e = sp_engine_hunt(eng, roots, n_roots, &res, &diag);
  if (e) {
    report(e, &diag, NULL);
    sp_engine_destroy(eng);
    sp_case_close(cs);
    return 1;
  }
  int rc = 0;
  /* The case directory first: a reader that closes stdout early
   * (spoor ... | head) must not cost the case. */
  if (cs) {
    sp_run_info run = {.argv = cmdline,
                       .argc = n_cmdline,
                       .start_ns = start_ns,
                       .end_ns = now_ns(),
                       .roots = roots,
                       .n_roots = n_roots,
                       .opts = &opts};
    e = sp_case_write(cs, res, &run, &diag);
    if (e) {
      report(e, &diag, NULL);
      rc = 1;
    }
    sp_case_close(cs);
  }
  /* A closed stdout (EPIPE; SIGPIPE is ignored) quietly ends the findings
   * output and leaves the exit status alone; other write errors fail. */
  errno = 0;
  sp_table_opts topts = {.color = color_ok && isatty(STDOUT_FILENO),
                         .filter = &flt};
  sp_err we =
      fmt == SP_FORMAT_TABLE
          ? sp_write_table(res, &topts, stdout)
          : sp_write_findings_filtered(res, (sp_format)fmt, &flt, stdout);
  if (we != SP_OK || fflush(stdout) != 0) {
    if (errno != EPIPE) {
      fprintf(stderr, "spoor: cannot write findings to standard output%s%s\n",
              errno ? ": " : "", errno ? strerror(errno) : "");
      rc = 1;
    }
  }
  if (!quiet) {
    sp_table_opts sopts = {.color = color_ok && isatty(STDERR_FILENO),
                           .filter = &flt};
    sp_write_summary(res, &sopts, stderr);
    coverage_summary(res, stderr);
  }
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
  /* A reader that goes away (spoor hunt ... | head) is an EPIPE on stdout,
   * handled where findings are written, not a fatal signal. */
  signal(SIGPIPE, SIG_IGN);
  if (strcmp(argv[1], "hunt") == 0) {
    const char **cmdline = malloc((size_t)argc * sizeof *cmdline);
    if (!cmdline) {
      fprintf(stderr, "spoor: %s\n", sp_strerror(SP_ENOMEM));
      return 1;
    }
    for (int i = 0; i < argc; i++)
      cmdline[i] = argv[i];
    int rc = cmd_hunt(argc - 1, argv + 1, cmdline, (size_t)argc);
    free(cmdline);
    return rc;
  }
  if (strcmp(argv[1], "readers") == 0)
    return spoor_cmd_readers(argc - 1, argv + 1);
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
