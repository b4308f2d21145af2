/* gen_flood.h - `spoor-gen flood`: a scanner's flood of ProxyLogon SSRF
 * requests in HttpProxy logs, every line a distinct finding (see
 * gen_flood.c). */
#ifndef SPOOR_GEN_FLOOD_H
#define SPOOR_GEN_FLOOD_H

#include <stdint.h>

/* Writes about `size` bytes of HttpProxy logs into dir. Line i carries the
 * AnchorMailbox ServerInfo~a]@x<i>.corp.example:444/ecp/... and comes from
 * source 100.64.0.0 + i when spread, else from 203.0.113.99 (one source).
 * Prints the line count. 0 on success. */
int gen_flood_run(const char *dir, uint64_t size, uint64_t seed, int spread);

#endif
