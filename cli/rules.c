/*
 * rules.c - `spoor rules`: lists the built-in rules with their level, CVE
 * and ATT&CK techniques, one per line (tab separated).
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
