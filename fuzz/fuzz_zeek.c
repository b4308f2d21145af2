/*
 * fuzz_zeek.c - libFuzzer target for the "zeek" reader: the input is one
 * file, run through the reader with fz_net_run (fuzz_net.c), which checks
 * every event it emits.
 */
#include <stddef.h>
#include <stdint.h>

void fz_net_run(const char *reader, const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  fz_net_run("zeek", data, size);
  return 0;
}
