/*
 * run_json.c - run.json, the record of one run in a case directory: which
 * spoor, which command line, when, on which host, with which rules, over
 * which evidence. Every string is JSON-escaped (escape.h), so a hostile
 * path or argument cannot break the document. Paths are written as given
 * and resolved (realpath at the time of writing; null when they do not
 * resolve). The document is one line, keys in a fixed order.
 */
#include "output/escape.h"
#include "spoor/spoor.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void jstr(FILE *out, const char *s) {
  if (!s) {
    fputs("null", out);
    return;
  }
  sp_json_str(out, s, strlen(s));
}

static void jtime(FILE *out, int64_t ns) {
  if (ns == INT64_MIN) {
    fputs("null", out);
    return;
  }
  char t[40];
  sp_format_time(ns, t, sizeof t);
  jstr(out, t);
}

/* {"path": as given, "absolute": resolved or null} */
static void jpath(FILE *out, const char *p) {
  fputs("{\"path\":", out);
  jstr(out, p);
  fputs(",\"absolute\":", out);
  char *real = p ? realpath(p, NULL) : NULL;
  jstr(out, real);
  free(real);
  fputc('}', out);
}

static void jpaths(FILE *out, const char *const *v, size_t n) {
  fputc('[', out);
  for (size_t i = 0; v && i < n; i++) {
    if (i)
      fputc(',', out);
    jpath(out, v[i]);
  }
  fputc(']', out);
}

sp_err sp_write_run_json(const sp_run_info *run, FILE *out) {
  static const sp_run_info none = {.start_ns = INT64_MIN, .end_ns = INT64_MIN};
  if (!out)
    return SP_EINVAL;
  if (!run)
    run = &none;
  const sp_opts *o = run->opts;
  char host[256];
  const char *h = run->host;
  if (!h && gethostname(host, sizeof host) == 0) {
    host[sizeof host - 1] = 0;
    h = host;
  }
  fputs("{\"spoor_version\":", out);
  jstr(out, SPOOR_VERSION);
  fputs(",\"argv\":[", out);
  for (size_t i = 0; run->argv && i < run->argc; i++) {
    if (i)
      fputc(',', out);
    jstr(out, run->argv[i]);
  }
  fputs("],\"start\":", out);
  jtime(out, run->start_ns);
  fputs(",\"end\":", out);
  jtime(out, run->end_ns);
  fputs(",\"host\":", out);
  jstr(out, h);
  fprintf(out, ",\"rules\":{\"builtin\":%zu,\"builtin_yara\":%s,\"yara\":",
          sp_rule_count(), o && o->no_builtin_yara ? "false" : "true");
  jpaths(out, o ? o->yara_paths : NULL, o ? o->n_yara : 0);
  fputs(",\"baseline\":", out);
  if (o && o->baseline_dir)
    jpath(out, o->baseline_dir);
  else
    fputs("null", out);
  fputs("},\"evidence\":", out);
  jpaths(out, run->roots, run->n_roots);
  fputs(",\"excluded\":", out);
  jpaths(out, o ? o->exclude_paths : NULL, o ? o->n_exclude : 0);
  fputs("}\n", out);
  return ferror(out) ? SP_EIO : SP_OK;
}
