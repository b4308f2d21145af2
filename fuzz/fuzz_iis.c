/*
 * fuzz_iis.c - libFuzzer target for the IIS W3C extended log reader ("iis").
 *
 * The input is one log file. It runs through the "iis" reader and every
 * built-in detector via fz_pipeline_run (fuzz_pipeline.c): events and
 * findings are checked, detector instances and finding sets are merged,
 * on_end runs, and everything is destroyed.
 */
#include <stddef.h>
#include <stdint.h>

void fz_pipeline_run(const char *reader, const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  fz_pipeline_run("iis", data, size);
  return 0;
}
