/* gen_bench.h - `spoor-gen bench`: bulk IIS and HttpProxy logs for
 * throughput measurements (see gen_bench.c). */
#ifndef SPOOR_GEN_BENCH_H
#define SPOOR_GEN_BENCH_H

#include <stdint.h>

/* Upper bound on --size (1 TiB) and the size of one output file. */
#define GEN_BENCH_MAX_SIZE ((uint64_t)1 << 40)
#define GEN_BENCH_FILE_MAX ((uint64_t)256 << 20)

/* Writes about `size` bytes into dir (half IIS W3C, half HttpProxy) and
 * prints per-kind byte counts. 0 on success. */
int gen_bench_run(const char *dir, uint64_t size, uint64_t seed);

#endif
