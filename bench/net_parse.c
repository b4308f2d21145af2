/*
 * net_parse.c - bench driver for the network readers: runs one reader
 * ("zeek", "zeek_json", "suricata_eve", "pcap") over a file through the
 * source layer, with an engine name table and no detectors, and prints
 * bytes, events, seconds (CPU time of this thread), MB/s and events/s.
 * Built by bench/net.sh against the release library; not part of spoor.
 * usage: net_parse READER FILE [RUNS]
 */
#include "event/names.h"
#include "readers/reader.h"
#include "walk/source.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

typedef struct cnt {
  uint64_t events, bad, vals;
} cnt;

static void on_ev(void *u, const sp_event *ev) {
  cnt *c = u;
  c->events++;
  c->vals += ev->n;
}

static void on_bad(void *u, uint64_t line, const char *reason) {
  (void)line;
  (void)reason;
  ((cnt *)u)->bad++;
}

static double cpu_now(void) {
  struct timespec t;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

int main(int argc, char **argv) {
  if (argc < 3) {
    fprintf(stderr, "usage: net_parse READER FILE [RUNS]\n");
    return 2;
  }
  int runs = argc > 3 ? atoi(argv[3]) : 1;
  const sp_reader_vt *vt = sp_reader_by_name(argv[1]);
  if (!vt) {
    fprintf(stderr, "no reader %s\n", argv[1]);
    return 2;
  }
  double best = 1e30;
  cnt c = {0};
  uint64_t bytes = 0;
  for (int r = 0; r < runs; r++) {
    sp_names *nm;
    if (sp_names_create(&nm))
      return 1;
    memset(&c, 0, sizeof c);
    sp_rctx rc;
    if (!sp_rctx_init(&rc, 1, on_ev, on_bad, &c))
      return 1;
    rc.names = nm;
    rc.path = argv[2];
    rc.ref = vt->ref;
    char msg[256];
    sp_source *src;
    if ((vt->raw ? sp_source_open_raw : sp_source_open)(argv[2], &src, msg,
                                                        sizeof msg)) {
      fprintf(stderr, "%s\n", msg);
      return 1;
    }
    void *ws = NULL, *st = NULL;
    if (vt->worker_create && vt->worker_create(vt, &rc, &ws))
      return 1;
    rc.wstate = ws;
    double t0 = cpu_now();
    if (vt->open(vt, &rc, src, &st))
      return 1;
    while (vt->next(st, &rc) > 0)
      ;
    vt->close(st, &rc);
    double t = cpu_now() - t0;
    bytes = sp_source_bytes(src);
    if (ws)
      vt->worker_destroy(ws);
    sp_source_close(src);
    sp_rctx_free(&rc);
    sp_names_destroy(nm);
    if (t < best)
      best = t;
  }
  printf("reader=%s bytes=%llu events=%llu malformed=%llu values=%llu "
         "cpu_s=%.3f MBps=%.1f events_per_s=%.0f Gbitps=%.3f\n",
         argv[1], (unsigned long long)bytes, (unsigned long long)c.events,
         (unsigned long long)c.bad, (unsigned long long)c.vals, best,
         (double)bytes / 1e6 / best, (double)c.events / best,
         (double)bytes * 8 / 1e9 / best);
  return 0;
}
