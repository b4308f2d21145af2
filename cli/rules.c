/*
 * rules.c - `spoor rules`: lists every rule the engine can report, one per
 * line (tab separated: id, level, CVE or "-", ATT&CK techniques, name): the
 * built-in rules, then every compiled YARA rule that is not private
 * (spoor's embedded rules unless --no-builtin-yara, then the --yara files),
 * by the id their findings carry ("yara.<rule>"); --builtin lists the
 * built-in (non-YARA) rules only. `spoor rules check PATH...`: loads Sigma
 * rule files or folders as a hunt would and lists each rule document
 * (state, file, id, title, reason) and a summary (loaded, failed, left
 * out, failures by reason); exit 0 when every rule loaded, 1 otherwise.
 * `spoor readers`: the engine's readers and detectors (names for
 * --disable).
 */
#include "spoor/spoor.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A field of a line: YARA metadata comes from rule files, so tabs, line
 * breaks and other control characters would break the columns. */
static void put_field(const char *s, const char *empty, int last) {
  if (!s || !*s)
    s = empty;
  for (; *s; s++) {
    unsigned char ch = (unsigned char)*s;
    putchar(ch < 0x20 || ch == 0x7f ? ' ' : ch);
  }
  putchar(last ? '\n' : '\t');
}

static void put_rule(const sp_rule_info *r) {
  put_field(r->id, "-", 0);
  put_field(sp_level_name(r->level), "-", 0);
  put_field(r->vulnerability, "-", 0);
  put_field(r->techniques, "", 0);
  put_field(r->name, "", 1);
}

static void rules_usage(FILE *out) {
  fputs(
      "usage: spoor rules [--builtin] [-y PATH]... [--no-builtin-yara]\n"
      "  -y, --yara PATH      also list the rules of a YARA rule file or\n"
      "                       folder (repeatable)\n"
      "      --no-builtin-yara  leave out spoor's own YARA rules\n"
      "      --builtin        the built-in (non-YARA) rules only\n"
      "  -r, --rules PATH     also list the Sigma rules loaded from a file or\n"
      "                       folder (repeatable)\n"
      "usage: spoor rules check [--min-level L] [--rule-status S] [-q] "
      "PATH...\n"
      "  the Sigma load report: every rule document, loaded or why not\n",
      out);
}

/* A failure reason's kind: the text before the first quote, parenthesis or
 * colon-space detail ("unknown modifier 'x'" -> "unknown modifier"). */
static size_t reason_kind(const char *r) {
  size_t n = strcspn(r, "'(");
  const char *colon = strstr(r, ": ");
  if (colon && (size_t)(colon - r) < n && strncmp(r, "unsupported", 11) != 0)
    n = (size_t)(colon - r);
  if (colon && strncmp(r, "unsupported: ", 13) == 0) {
    const char *c2 = strchr(r + 13, ' ');
    size_t k = strcspn(r + 13, "'(%");
    n = 13 + k;
    (void)c2;
  }
  while (n > 0 && r[n - 1] == ' ')
    n--;
  return n;
}

typedef struct rcount {
  const char *reason;
  size_t n, count;
} rcount;

static int rcount_cmp(const void *a, const void *b) {
  const rcount *x = a, *y = b;
  if (x->count != y->count)
    return x->count > y->count ? -1 : 1;
  return strncmp(x->reason, y->reason, x->n < y->n ? x->n : y->n);
}

static int rules_check(int argc, char **argv) {
  static const struct option longopts[] = {
      {"min-level", required_argument, NULL, 5},
      {"rule-status", required_argument, NULL, 6},
      {"sigma-placeholders", required_argument, NULL, 7},
      {"sigma-placeholders-wildcard", no_argument, NULL, 8},
      {"quiet", no_argument, NULL, 'q'},
      {"help", no_argument, NULL, 'h'},
      {NULL, 0, NULL, 0}};
  sp_opts opts = {.no_builtin_yara = 1};
  int quiet = 0, c;
  while ((c = getopt_long(argc, argv, "qh", longopts, NULL)) != -1) {
    switch (c) {
    case 5:
      opts.sigma_min_level = optarg;
      break;
    case 6:
      opts.sigma_status = optarg;
      break;
    case 7:
      opts.sigma_placeholders = optarg;
      break;
    case 8:
      opts.sigma_placeholders_wildcard = 1;
      break;
    case 'q':
      quiet = 1;
      break;
    case 'h':
      fputs("usage: spoor rules check [--min-level L] [--rule-status S] [-q] "
            "[--sigma-placeholders FILE] [--sigma-placeholders-wildcard] "
            "PATH...\n",
            stdout);
      return 0;
    default:
      fputs("usage: spoor rules check [--min-level L] [--rule-status S] [-q] "
            "[--sigma-placeholders FILE] [--sigma-placeholders-wildcard] "
            "PATH...\n",
            stderr);
      return 2;
    }
  }
  if (optind >= argc) {
    fputs("usage: spoor rules check [--min-level L] [--rule-status S] [-q] "
          "[--sigma-placeholders FILE] [--sigma-placeholders-wildcard] "
          "PATH...\n",
          stderr);
    return 2;
  }
  opts.sigma_paths = (const char *const *)argv + optind;
  opts.n_sigma = (size_t)(argc - optind);
  sp_engine *eng;
  sp_diag diag = {0};
  sp_err e = sp_engine_create(&opts, &eng, &diag);
  if (e) {
    fprintf(stderr, "spoor: %s\n", diag.msg[0] ? diag.msg : sp_strerror(e));
    return 1;
  }
  size_t n = sp_engine_sigma_count(eng), nload = 0, nfail = 0, nskip = 0,
         ncorr = 0, nr = 0;
  rcount *rc = calloc(n ? n : 1, sizeof *rc);
  if (!rc) {
    sp_engine_destroy(eng);
    return 1;
  }
  static const char *const state[] = {"loaded", "FAILED", "skipped"};
  for (size_t i = 0; i < n; i++) {
    sp_sigma_status st;
    if (sp_engine_sigma_get(eng, i, &st) != SP_OK)
      continue;
    nload += st.state == 0;
    nfail += st.state == 1;
    nskip += st.state == 2;
    ncorr += st.state == 0 && st.correlation;
    if (!quiet || st.state == 1) {
      put_field(state[st.state % 3], "-", 0);
      put_field(st.path, "-", 0);
      put_field(st.id, "-", 0);
      put_field(st.title, "-", 0);
      put_field(st.reason, "-", 1);
    }
    if (st.state == 1) {
      size_t k = reason_kind(st.reason), j = 0;
      for (; j < nr; j++)
        if (rc[j].n == k && !strncmp(rc[j].reason, st.reason, k))
          break;
      if (j == nr)
        rc[nr++] = (rcount){st.reason, k, 0};
      rc[j].count++;
    }
  }
  qsort(rc, nr, sizeof *rc, rcount_cmp);
  fprintf(stderr,
          "sigma: %zu rules: %zu loaded (%zu correlations), %zu "
          "failed, %zu left out by level or status\n",
          n, nload, ncorr, nfail, nskip);
  for (size_t j = 0; j < nr; j++)
    fprintf(stderr, "  failed %6zu  %.*s\n", rc[j].count, (int)rc[j].n,
            rc[j].reason);
  free(rc);
  sp_engine_destroy(eng);
  return nfail ? 1 : 0;
}

int spoor_cmd_rules(int argc, char **argv) {
  if (argc > 1 && strcmp(argv[1], "check") == 0)
    return rules_check(argc - 1, argv + 1);
  static const struct option longopts[] = {
      {"yara", required_argument, NULL, 'y'},
      {"no-builtin-yara", no_argument, NULL, 1},
      {"builtin", no_argument, NULL, 2},
      {"rules", required_argument, NULL, 'r'},
      {"help", no_argument, NULL, 'h'},
      {NULL, 0, NULL, 0}};
  const char *yara[64], *sigma[64];
  size_t n_yara = 0, n_sigma = 0;
  int builtin_only = 0, no_builtin_yara = 0, c;
  while ((c = getopt_long(argc, argv, "y:r:h", longopts, NULL)) != -1) {
    switch (c) {
    case 'r':
      if (n_sigma >= 64) {
        fprintf(stderr, "spoor: at most 64 --rules paths\n");
        return 2;
      }
      sigma[n_sigma++] = optarg;
      break;
    case 'y':
      if (n_yara >= 64) {
        fprintf(stderr, "spoor: at most 64 --yara paths\n");
        return 2;
      }
      yara[n_yara++] = optarg;
      break;
    case 1:
      no_builtin_yara = 1;
      break;
    case 2:
      builtin_only = 1;
      break;
    case 'h':
      rules_usage(stdout);
      return 0;
    default:
      rules_usage(stderr);
      return 2;
    }
  }
  if (optind < argc ||
      (builtin_only && (n_yara || no_builtin_yara || n_sigma))) {
    rules_usage(stderr);
    return 2;
  }
  if (builtin_only) {
    size_t n = sp_rule_count();
    for (size_t i = 0; i < n; i++) {
      sp_rule_info r;
      if (sp_rule_get(i, &r) == SP_OK)
        put_rule(&r);
    }
    return 0;
  }
  sp_opts opts = {.yara_paths = yara,
                  .n_yara = n_yara,
                  .no_builtin_yara = no_builtin_yara,
                  .sigma_paths = sigma,
                  .n_sigma = n_sigma};
  sp_engine *eng;
  sp_diag diag = {0};
  sp_err e = sp_engine_create(&opts, &eng, &diag);
  if (e) {
    fprintf(stderr, "spoor: %s\n", diag.msg[0] ? diag.msg : sp_strerror(e));
    return 1;
  }
  size_t n = sp_engine_rule_count(eng);
  for (size_t i = 0; i < n; i++) {
    sp_rule_info r;
    if (sp_engine_rule_get(eng, i, &r) == SP_OK)
      put_rule(&r);
  }
  sp_engine_destroy(eng);
  return 0;
}

int spoor_cmd_readers(int argc, char **argv) {
  (void)argc;
  (void)argv;
  sp_opts opts = {.no_builtin_yara = 1};
  sp_engine *eng;
  sp_diag diag = {0};
  sp_err e = sp_engine_create(&opts, &eng, &diag);
  if (e) {
    fprintf(stderr, "spoor: %s\n", diag.msg[0] ? diag.msg : sp_strerror(e));
    return 1;
  }
  const char *n;
  for (size_t i = 0; (n = sp_engine_reader_name(eng, i)) != NULL; i++)
    printf("reader\t%s\n", n);
  for (size_t i = 0; (n = sp_engine_detector_name(eng, i)) != NULL; i++)
    printf("detector\t%s\n", n);
  sp_engine_destroy(eng);
  return 0;
}
