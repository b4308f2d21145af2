/*
 * evtx_dump.c - runs spoor's EVTX reader over files and prints every event
 * as one JSON line ({"record":N,"offset":N,"ts":N,"fields":{name:[values]}}),
 * then one {"summary":...} line with the record and malformed counts; with
 * -c it only counts (parse and discard, for the benchmark: prints bytes,
 * records, malformed and seconds); -w walks every record's BinXML instead
 * of using template plans (tests compare both). Test and bench helper, not
 * installed.
 */
#include "event/names.h"
#include "readers/reader.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef struct dump {
  sp_names *names;
  bool quiet;
  uint64_t events, bad;
} dump;

static void jstr(const char *s, size_t n) {
  putchar('"');
  for (size_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char)s[i];
    if (c == '"' || c == '\\')
      printf("\\%c", c);
    else if (c < 0x20)
      printf("\\u%04x", c);
    else
      putchar(c);
  }
  putchar('"');
}

static void on_ev(void *u, const sp_event *ev) {
  dump *d = u;
  d->events++;
  if (d->quiet)
    return;
  printf("{\"record\":%llu,\"offset\":%llu,\"ts\":%lld,\"fields\":{",
         (unsigned long long)ev->line, (unsigned long long)ev->offset,
         (long long)ev->ts);
  /* Group values by name, in first-seen order. */
  size_t it = 0, k = 0;
  const sp_fval *f;
  int seen[2048];
  size_t nseen = 0;
  while ((f = sp_event_each(ev, &it))) {
    int id = (size_t)it <= SP_F__COUNT ? (int)(it - 1) : f->id;
    bool dup = false;
    for (size_t i = 0; i < nseen; i++)
      dup |= seen[i] == id;
    if (dup || nseen >= 2048)
      continue;
    seen[nseen++] = id;
    const char *nm = sp_names_field_name(d->names, id);
    if (k++)
      putchar(',');
    jstr(nm, strlen(nm));
    printf(":[");
    const sp_fval *g = sp_event_find(ev, id);
    size_t j = 0;
    for (; g; g = sp_event_next(ev, g)) {
      if (j++)
        putchar(',');
      jstr(g->s.p ? g->s.p : "", g->s.n);
      if ((unsigned)id < SP_F__COUNT) {
        /* ECS field: further values live in vals. */
        const sp_fval *h = NULL;
        for (uint32_t q = 0; q < ev->n; q++)
          if (ev->vals[q].id == id) {
            h = &ev->vals[q];
            break;
          }
        for (; h; h = sp_event_next(ev, h)) {
          putchar(',');
          jstr(h->s.p ? h->s.p : "", h->s.n);
        }
        break;
      }
    }
    putchar(']');
  }
  printf("}}\n");
}

static void on_bad(void *u, uint64_t where, const char *reason) {
  dump *d = u;
  d->bad++;
  if (!d->quiet)
    fprintf(stderr, "malformed %llu: %s\n", (unsigned long long)where, reason);
}

int main(int argc, char **argv) {
  bool count = false, walk = false;
  int i = 1;
  for (; i < argc && argv[i][0] == '-' && argv[i][1] && !argv[i][2]; i++) {
    if (argv[i][1] == 'c')
      count = true;
    else if (argv[i][1] == 'w')
      walk = true;
    else
      break;
  }
  if (i >= argc) {
    fprintf(stderr, "usage: evtx_dump [-c] [-w] FILE.evtx...\n");
    return 2;
  }
  dump d = {0};
  d.quiet = count;
  if (sp_names_create(&d.names)) {
    fprintf(stderr, "out of memory\n");
    return 1;
  }
  const sp_reader_vt *vt = sp_reader_by_name("evtx");
  sp_rctx rc;
  if (!sp_rctx_init(&rc, 1, on_ev, on_bad, &d)) {
    fprintf(stderr, "out of memory\n");
    return 1;
  }
  rc.names = d.names;
  rc.ref = vt->ref;
  void *ws = NULL;
  if (vt->worker_create(vt, &rc, &ws)) {
    fprintf(stderr, "worker\n");
    return 1;
  }
  rc.wstate = ws;
  sp_reader_evtx_walk_only(ws, walk);
  uint64_t bytes = 0;
  struct timespec t0, t1;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  int rcode = 0;
  for (; i < argc; i++) {
    char msg[256];
    sp_source *src;
    if (sp_source_open_raw(argv[i], &src, msg, sizeof msg)) {
      fprintf(stderr, "%s: %s\n", argv[i], msg);
      rcode = 1;
      continue;
    }
    uint64_t e0 = d.events, b0 = d.bad;
    void *st;
    if (vt->open(vt, &rc, src, &st) == SP_OK) {
      int r;
      while ((r = vt->next(st, &rc)) > 0)
        ;
      if (r < 0)
        fprintf(stderr, "%s: %s\n", argv[i], rc.errmsg);
      vt->close(st, &rc);
    }
    bytes += sp_source_bytes(src);
    sp_source_close(src);
    if (!count)
      printf("{\"summary\":{\"file\":\"%s\",\"records\":%llu,"
             "\"malformed\":%llu}}\n",
             argv[i], (unsigned long long)(d.events - e0),
             (unsigned long long)(d.bad - b0));
  }
  clock_gettime(CLOCK_MONOTONIC, &t1);
  double secs =
      (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
  if (count)
    printf("bytes=%llu records=%llu malformed=%llu seconds=%.3f MBps=%.1f\n",
           (unsigned long long)bytes, (unsigned long long)d.events,
           (unsigned long long)d.bad, secs,
           secs > 0 ? (double)bytes / 1e6 / secs : 0.0);
  vt->worker_destroy(ws);
  sp_rctx_free(&rc);
  sp_names_destroy(d.names);
  return rcode;
}
