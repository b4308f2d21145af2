/*
 * rules.c - `spoor rules`: lists the built-in rules with their level, CVE
 * and ATT&CK techniques, one per line (tab separated); `spoor readers`: the
 * engine's readers and detectors (names for --disable).
 */
#include "spoor/spoor.h"

#include <stdio.h>

int spoor_cmd_rules(int argc, char **argv) {
  (void)argc;
  (void)argv;
  size_t n = sp_rule_count();
  for (size_t i = 0; i < n; i++) {
    sp_rule_info r;
    if (sp_rule_get(i, &r) != SP_OK)
      continue;
    printf("%s\t%s\t%s\t%s\t%s\n", r.id, sp_level_name(r.level),
           r.vulnerability[0] ? r.vulnerability : "-", r.techniques, r.name);
  }
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
