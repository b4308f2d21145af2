/* gen_main.c - command line of spoor-gen, the deterministic generator of
 * synthetic Microsoft Exchange / IIS evidence for spoor's tests and
 * benchmarks.
 *
 *   spoor-gen case DIR [--seed N]
 *   spoor-gen bench DIR --size BYTES [--seed N]
 *   spoor-gen flood DIR --size BYTES [--seed N] [--spread]
 *   spoor-gen net DIR --conns N [--hosts H] [--days D] [--seed N]
 *
 * Options may appear before or after DIR. The same arguments always give
 * the same bytes. Exit status: 0 success, 1 failure, 2 usage error. */
#include <stdio.h>
#include <string.h>

#include "gen_bench.h"
#include "gen_case.h"
#include "gen_flood.h"
#include "gen_net.h"
#include "gen_util.h"

static void usage(FILE *f) {
  fputs("usage: spoor-gen case DIR [--seed N]\n"
        "       spoor-gen bench DIR --size BYTES [--seed N]\n"
        "       spoor-gen flood DIR --size BYTES [--seed N] [--spread]\n"
        "\n"
        "case   write a small synthetic Exchange compromise case (IIS, "
        "HttpProxy,\n"
        "       ECP Server and OABGenerator logs, web root files) and "
        "DIR/truth.tsv\n"
        "bench  write about BYTES (suffix K, M, G, T: binary multiples) of "
        "IIS and\n"
        "       HttpProxy logs, half each, with a few attack lines per file\n"
        "flood  write about BYTES of HttpProxy logs from a ProxyLogon scanner,\n"
        "       every line a new AnchorMailbox; --spread: a new source address\n"
        "       on every line (each line a finding of its own)\n"
        "net    spoor-gen net DIR --conns N [--hosts H] [--days D]: Zeek logs\n"
        "       with planted beacons, DNS tunnel, exfiltration, a rare\n"
        "       destination under benign periodic traffic (gen_net.c)\n"
        "\n"
        "DIR must not exist or be empty. --seed defaults to 1.\n",
        f);
}

int main(int argc, char **argv) {
  if (argc >= 2 && (strcmp(argv[1], "-h") == 0 ||
                    strcmp(argv[1], "--help") == 0)) {
    usage(stdout);
    return 0;
  }
  if (argc >= 2 && strcmp(argv[1], "net") == 0)
    return gen_net_main(argc, argv);
  if (argc < 3) {
    usage(stderr);
    return 2;
  }
  const char *cmd = argv[1], *dir = NULL, *size_arg = NULL;
  uint64_t seed = 1, size = 0;
  int is_case = strcmp(cmd, "case") == 0;
  int is_bench = strcmp(cmd, "bench") == 0;
  int is_flood = strcmp(cmd, "flood") == 0, spread = 0;
  if (!is_case && !is_bench && !is_flood) {
    fprintf(stderr, "spoor-gen: unknown command '%s'\n", cmd);
    usage(stderr);
    return 2;
  }
  for (int i = 2; i < argc; i++) {
    const char *a = argv[i];
    if (strcmp(a, "--seed") == 0 || strcmp(a, "--size") == 0) {
      if (i + 1 >= argc) {
        fprintf(stderr, "spoor-gen: %s needs a value\n", a);
        return 2;
      }
      const char *v = argv[++i];
      if (a[3] == 'e') { /* --seed */
        if (gen_parse_u64(v, &seed) != 0) {
          fprintf(stderr, "spoor-gen: bad --seed '%s'\n", v);
          return 2;
        }
      } else {
        size_arg = v;
      }
    } else if (strncmp(a, "--seed=", 7) == 0) {
      if (gen_parse_u64(a + 7, &seed) != 0) {
        fprintf(stderr, "spoor-gen: bad --seed '%s'\n", a + 7);
        return 2;
      }
    } else if (strncmp(a, "--size=", 7) == 0) {
      size_arg = a + 7;
    } else if (is_flood && strcmp(a, "--spread") == 0) {
      spread = 1;
    } else if (a[0] == '-' && a[1] != '\0') {
      fprintf(stderr, "spoor-gen: unknown option '%s'\n", a);
      return 2;
    } else if (!dir) {
      dir = a;
    } else {
      fprintf(stderr, "spoor-gen: unexpected argument '%s'\n", a);
      return 2;
    }
  }
  if (!dir || !*dir) {
    fprintf(stderr, "spoor-gen: missing DIR\n");
    return 2;
  }
  if (strlen(dir) > GEN_PATH_MAX - 512) {
    fprintf(stderr, "spoor-gen: DIR path too long\n");
    return 2;
  }
  if (is_case) {
    if (size_arg) {
      fprintf(stderr, "spoor-gen: --size applies to bench only\n");
      return 2;
    }
    return gen_case_run(dir, seed) == 0 ? 0 : 1;
  }
  if (!size_arg) {
    fprintf(stderr, "spoor-gen: %s needs --size BYTES\n", cmd);
    return 2;
  }
  if (gen_parse_size(size_arg, &size) != 0) {
    fprintf(stderr, "spoor-gen: bad --size '%s'\n", size_arg);
    return 2;
  }
  if (is_flood)
    return gen_flood_run(dir, size, seed, spread) == 0 ? 0 : 1;
  return gen_bench_run(dir, size, seed) == 0 ? 0 : 1;
}
