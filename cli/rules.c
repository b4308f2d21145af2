/*
 * rules.c - `spoor rules`: lists every rule the engine can report, one per
 * line (tab separated: id, level, CVE or "-", ATT&CK techniques, name): the
 * built-in rules, then every compiled YARA rule that is not private
 * (spoor's embedded rules unless --no-builtin-yara, then the --yara files),
 * by the id their findings carry ("yara.<rule>"); --builtin lists the
 * built-in (non-YARA) rules only. `spoor readers`: the engine's readers and
 * detectors (names for --disable).
 */
#include "spoor/spoor.h"

#include <getopt.h>
#include <stdio.h>

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
  fputs("usage: spoor rules [--builtin] [-y PATH]... [--no-builtin-yara]\n"
        "  -y, --yara PATH      also list the rules of a YARA rule file or\n"
        "                       folder (repeatable)\n"
        "      --no-builtin-yara  leave out spoor's own YARA rules\n"
        "      --builtin        the built-in (non-YARA) rules only\n",
        out);
}

int spoor_cmd_rules(int argc, char **argv) {
  static const struct option longopts[] = {
      {"yara", required_argument, NULL, 'y'},
      {"no-builtin-yara", no_argument, NULL, 1},
      {"builtin", no_argument, NULL, 2},
      {"help", no_argument, NULL, 'h'},
      {NULL, 0, NULL, 0}};
  const char *yara[64];
  size_t n_yara = 0;
  int builtin_only = 0, no_builtin_yara = 0, c;
  while ((c = getopt_long(argc, argv, "y:h", longopts, NULL)) != -1) {
    switch (c) {
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
  if (optind < argc || (builtin_only && (n_yara || no_builtin_yara))) {
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
  sp_opts opts = {
      .yara_paths = yara, .n_yara = n_yara, .no_builtin_yara = no_builtin_yara};
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
