/*
 * fuzz_sigma_yaml.c - libFuzzer target for the Sigma loader's fast YAML
 * reader (src/sigma/sigma_yaml.c): whatever the input, it either declines
 * it or builds exactly the documents libyaml's yaml_parser_load builds
 * (tests/unit/yaml_cmp.h compares them node for node); a difference, or a
 * text it reads that libyaml rejects, aborts.
 */
#include "../tests/unit/yaml_cmp.h"

#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  char why[400];
  if (yc_compare((const char *)data, size, why, sizeof why) < 0) {
    fprintf(stderr, "fast YAML reader differs from libyaml: %s\n", why);
    abort();
  }
  return 0;
}
