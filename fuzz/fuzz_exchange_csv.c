/*
 * fuzz_exchange_csv.c - libFuzzer target for the Exchange CSV log reader
 * ("exchange_csv": HttpProxy, ECP Server, OABGenerator and other Exchange CSV
 * logs).
 *
 * The input is one log file. It runs through the "exchange_csv" reader and
 * every built-in detector via fz_pipeline_run (fuzz_pipeline.c): events and
 * findings are checked, detector instances and finding sets are merged,
 * on_end runs, and everything is destroyed.
 */
#include <stddef.h>
#include <stdint.h>

void fz_pipeline_run(const char *reader, const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  fz_pipeline_run("exchange_csv", data, size);
  return 0;
}
