/* gen_case.c - `spoor-gen case`: the record store, the mapping of records to
 * the files of a collected Exchange server, the writer, and truth.tsv.
 *
 * Layout of a case directory (times are UTC):
 *   exchange/Logging/HttpProxy/{Ecp,Owa,Autodiscover}/HttpProxy_YYYYMMDDHH-1.LOG
 *       one file per protocol and 6-hour block (HH = 00, 06, 12, 18)
 *   exchange/Logging/ECP/Server/ECPServerYYYYMMDD-1.LOG         daily
 *   exchange/Logging/OABGeneratorLog/OABGeneratorLog_YYYYMMDD02-1.LOG daily
 *   inetpub/logs/LogFiles/W3SVC1/u_exYYMMDD.log   frontend, port 443, daily;
 *       u_ex210304.log.gz is gzip-compressed and u_ex210305.log changes its
 *       #Fields layout at 02:00 (IIS restart with cs-host/sc-bytes/cs-bytes)
 *   inetpub/logs/LogFiles/W3SVC2/u_exYYMMDD.log   backend, port 444, daily
 *   inetpub/wwwroot/aspnet_client/..., exchange/FrontEnd/HttpProxy/owa/auth/...
 *   truth.tsv   path, 1-based physical line (0 for whole files), rule, note
 * (see gen_case.h for the two-phase design). */
#include "gen_case.h"

#include <stdarg.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <time.h>
#include <stdlib.h>
#include <string.h>

/* Frontend IIS file written gzip-compressed, and the IIS file whose field
 * layout changes mid-file (site 1 both). */
#define GZ_DAY_Y 2021
#define GZ_DAY_M 3
#define GZ_DAY_D 4
#define RESTART_Y 2021
#define RESTART_M 3
#define RESTART_D 5
#define RESTART_H 2

static void latch(gen_case *c) { c->err = 1; }

const char *gen_case_str(gen_case *c, const char *s) {
  if (!s)
    return NULL;
  if (c->err)
    return "";
  const char *p = gen_arena_strdup(&c->arena, s);
  if (!p) {
    latch(c);
    return "";
  }
  return p;
}

const char *gen_case_fmt(gen_case *c, const char *fmt, ...) {
  if (c->err)
    return "";
  char buf[GEN_LINE_MAX];
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(buf, sizeof buf, fmt, ap);
  va_end(ap);
  if (n < 0 || (size_t)n >= sizeof buf) {
    fprintf(stderr, "spoor-gen: formatted string too long\n");
    latch(c);
    return "";
  }
  return gen_case_str(c, buf);
}

/* Index of the file with this relative path, registering it if new;
 * (uint32_t)-1 on error. */
static uint32_t file_index(gen_case *c, const char *rel, gen_fkind kind, int gz,
                           int64_t restart_ms) {
  for (size_t i = 0; i < c->nfiles; i++)
    if (strcmp(c->files[i].rel, rel) == 0)
      return (uint32_t)i;
  if (c->nfiles >= GEN_CASE_MAX_FILES) {
    fprintf(stderr, "spoor-gen: too many files (limit %d)\n",
            GEN_CASE_MAX_FILES);
    latch(c);
    return (uint32_t)-1;
  }
  gen_file *f = &c->files[c->nfiles];
  size_t n = strlen(rel);
  if (n >= sizeof f->rel) {
    fprintf(stderr, "spoor-gen: relative path too long: %s\n", rel);
    latch(c);
    return (uint32_t)-1;
  }
  memcpy(f->rel, rel, n + 1);
  f->kind = kind;
  f->gz = gz;
  f->restart_ms = restart_ms;
  return (uint32_t)c->nfiles++;
}

static gen_rec *new_rec(gen_case *c, uint32_t file, int64_t t_ms,
                        uint32_t rules, const char *note) {
  if (c->err || file == (uint32_t)-1)
    return NULL;
  if (c->nrecs == c->caprecs) {
    if (c->caprecs >= GEN_CASE_MAX_RECS) {
      fprintf(stderr, "spoor-gen: too many log lines (limit %d)\n",
              GEN_CASE_MAX_RECS);
      latch(c);
      return NULL;
    }
    size_t cap = c->caprecs ? c->caprecs * 2 : 4096;
    if (cap > GEN_CASE_MAX_RECS)
      cap = GEN_CASE_MAX_RECS;
    gen_rec *p = realloc(c->recs, cap * sizeof *p);
    if (!p) {
      fprintf(stderr, "spoor-gen: out of memory\n");
      latch(c);
      return NULL;
    }
    c->recs = p;
    c->caprecs = cap;
  }
  gen_rec *r = &c->recs[c->nrecs];
  memset(r, 0, sizeof *r);
  r->t_ms = t_ms;
  r->seq = (uint32_t)c->nrecs;
  r->file = file;
  r->rules = rules;
  r->note = note ? gen_case_str(c, note) : NULL;
  c->nrecs++;
  return r;
}

static void civil_ms(int64_t t_ms, int *y, int *mo, int *d, int *h) {
  int mi, s;
  gen_time_civil(t_ms / 1000, y, mo, d, h, &mi, &s);
}

void gen_case_iis(gen_case *c, int site, const gen_iis_rec *in, uint32_t rules,
                  const char *note) {
  if (c->err)
    return;
  int y, mo, d, h;
  civil_ms(in->t_ms, &y, &mo, &d, &h);
  int gz = site == 1 && y == GZ_DAY_Y && mo == GZ_DAY_M && d == GZ_DAY_D;
  int64_t restart = 0;
  if (site == 1 && y == RESTART_Y && mo == RESTART_M && d == RESTART_D)
    restart =
        gen_time_utc(RESTART_Y, RESTART_M, RESTART_D, RESTART_H, 0, 0) * 1000;
  char rel[GEN_REL_MAX];
  snprintf(rel, sizeof rel,
           "inetpub/logs/LogFiles/W3SVC%d/u_ex%02d%02d%02d.log%s", site,
           y % 100, mo, d, gz ? ".gz" : "");
  uint32_t fi = file_index(c, rel, GEN_F_IIS, gz, restart);
  gen_rec *r = new_rec(c, fi, in->t_ms, rules, note);
  if (!r)
    return;
  r->iis = *in;
  r->iis.sip = gen_case_str(c, in->sip ? in->sip : GEN_SERVER_IP);
  r->iis.method = gen_case_str(c, in->method);
  r->iis.stem = gen_case_str(c, in->stem);
  r->iis.query = gen_case_str(c, in->query);
  r->iis.user = gen_case_str(c, in->user);
  r->iis.cip = gen_case_str(c, in->cip);
  r->iis.ua = gen_case_str(c, in->ua);
  r->iis.ref = gen_case_str(c, in->ref);
  r->iis.host = gen_case_str(c, in->host ? in->host : GEN_MAIL_HOST);
  if (r->iis.port == 0)
    r->iis.port = site == 1 ? 443 : 444;
}

void gen_case_hp(gen_case *c, const gen_hp_req *q, uint32_t rules,
                 const char *note) {
  if (c->err)
    return;
  int y, mo, d, h;
  civil_ms(q->t_ms, &y, &mo, &d, &h);
  char rel[GEN_REL_MAX];
  snprintf(rel, sizeof rel,
           "exchange/Logging/HttpProxy/%s/HttpProxy_%04d%02d%02d%02d-1.LOG",
           q->proto, y, mo, d, h / 6 * 6);
  uint32_t fi = file_index(c, rel, GEN_F_HP, 0, 0);

  char iso[25], reqid[37], status[12], bestatus[12], rqb[12], rsb[12];
  char total[12], backend[12], overhead[12], begin[192];
  gen_fmt_iso_ms(iso, q->t_ms);
  gen_rng_guid(&c->rng, reqid);
  unsigned tot = q->total_ms ? q->total_ms : 12;
  unsigned ovh = tot > 4 ? 1 + tot / 20 : 1;
  snprintf(status, sizeof status, "%u", q->status);
  if (q->be_status)
    snprintf(bestatus, sizeof bestatus, "%u", q->be_status);
  else
    bestatus[0] = '\0';
  snprintf(rqb, sizeof rqb, "%u", q->req_bytes);
  snprintf(rsb, sizeof rsb, "%u", q->resp_bytes);
  snprintf(total, sizeof total, "%u", tot);
  snprintf(backend, sizeof backend, "%u", tot > ovh ? tot - ovh : 0);
  snprintf(overhead, sizeof overhead, "%u", ovh);
  snprintf(begin, sizeof begin,
           "BeginRequest=%s;CorrelationID=<empty>;ProxyState-Run=None;"
           "ProxyState-Complete=ProxyResponseData;",
           iso);

  const char *cols[GEN_HP_NCOLS] = {0};
  const char *target = q->target ? q->target : GEN_SERVER_FQDN_LC;
  cols[GEN_HP_DateTime] = iso;
  cols[GEN_HP_RequestId] = reqid;
  cols[GEN_HP_MajorVersion] = "15";
  cols[GEN_HP_MinorVersion] = "1";
  cols[GEN_HP_BuildVersion] = "2176";
  cols[GEN_HP_RevisionVersion] = "2";
  cols[GEN_HP_ClientRequestId] = q->client_req_id;
  cols[GEN_HP_Protocol] = q->proto;
  cols[GEN_HP_UrlHost] = q->host ? q->host : GEN_MAIL_HOST;
  cols[GEN_HP_UrlStem] = q->stem;
  cols[GEN_HP_ProtocolAction] = q->action;
  cols[GEN_HP_AuthenticationType] = q->auth_type;
  cols[GEN_HP_IsAuthenticated] = q->authed ? "true" : "false";
  cols[GEN_HP_AuthenticatedUser] = q->user;
  cols[GEN_HP_AnchorMailbox] = q->anchor;
  cols[GEN_HP_UserAgent] = q->ua;
  cols[GEN_HP_ClientIpAddress] = q->cip;
  cols[GEN_HP_ServerHostName] = GEN_SERVER;
  cols[GEN_HP_HttpStatus] = status;
  cols[GEN_HP_BackEndStatus] = bestatus;
  cols[GEN_HP_Method] = q->method;
  cols[GEN_HP_ProxyAction] = "Proxy";
  cols[GEN_HP_TargetServer] = target;
  cols[GEN_HP_TargetServerVersion] = GEN_EX_VERSION;
  cols[GEN_HP_RoutingType] = q->routing_type ? q->routing_type : "IntraForest";
  cols[GEN_HP_RoutingHint] = q->routing_hint;
  cols[GEN_HP_BackEndCookie] = q->be_cookie;
  cols[GEN_HP_ServerLocatorHost] = target;
  cols[GEN_HP_ServerLocatorLatency] = "0";
  cols[GEN_HP_RequestBytes] = rqb;
  cols[GEN_HP_ResponseBytes] = rsb;
  cols[GEN_HP_TargetOutstandingRequests] = "0";
  cols[GEN_HP_HttpPipelineLatency] = "0";
  cols[GEN_HP_CalculateTargetBackEndLatency] = "1";
  cols[GEN_HP_ActivityContextLifeTime] = total;
  cols[GEN_HP_ModuleToHandlerSwitchingLatency] = "0";
  cols[GEN_HP_ClientReqStreamLatency] = "0";
  cols[GEN_HP_BackendReqInitLatency] = "0";
  cols[GEN_HP_BackendReqStreamLatency] = "1";
  cols[GEN_HP_BackendProcessingLatency] = backend;
  cols[GEN_HP_BackendRespInitLatency] = "0";
  cols[GEN_HP_BackendRespStreamLatency] = "0";
  cols[GEN_HP_ClientRespStreamLatency] = "0";
  cols[GEN_HP_KerberosAuthHeaderLatency] = "0";
  cols[GEN_HP_HandlerCompletionLatency] = "0";
  cols[GEN_HP_RequestHandlerLatency] = "0";
  cols[GEN_HP_HandlerToModuleSwitchingLatency] = "0";
  cols[GEN_HP_ProxyTime] = total;
  cols[GEN_HP_CoreLatency] = overhead;
  cols[GEN_HP_RoutingLatency] = "0";
  cols[GEN_HP_HttpProxyOverhead] = overhead;
  cols[GEN_HP_TotalRequestTime] = total;
  cols[GEN_HP_UrlQuery] = q->query;
  cols[GEN_HP_GenericInfo] = begin;

  char line[GEN_LINE_MAX];
  if (gen_hp_format(line, sizeof line, cols) < 0) {
    fprintf(stderr, "spoor-gen: HttpProxy line too long\n");
    latch(c);
    return;
  }
  gen_rec *r = new_rec(c, fi, q->t_ms, rules, note);
  if (r)
    r->text = gen_case_str(c, line);
}

static void text_rec(gen_case *c, const char *rel, gen_fkind kind, int64_t t_ms,
                     const char *line, uint32_t rules, const char *note) {
  uint32_t fi = file_index(c, rel, kind, 0, 0);
  gen_rec *r = new_rec(c, fi, t_ms, rules, note);
  if (r)
    r->text = gen_case_str(c, line);
}

void gen_case_ecp(gen_case *c, int64_t t_ms, const gen_kv *items, size_t n,
                  uint32_t rules, const char *note) {
  if (c->err)
    return;
  int y, mo, d, h;
  civil_ms(t_ms, &y, &mo, &d, &h);
  char rel[GEN_REL_MAX], line[GEN_LINE_MAX];
  snprintf(rel, sizeof rel,
           "exchange/Logging/ECP/Server/ECPServer%04d%02d%02d-1.LOG", y, mo, d);
  if (gen_ecp_format(line, sizeof line, t_ms, GEN_SERVER, "ECP.Request", items,
                     n) < 0) {
    fprintf(stderr, "spoor-gen: ECP line too long\n");
    latch(c);
    return;
  }
  text_rec(c, rel, GEN_F_ECP, t_ms, line, rules, note);
}

void gen_case_oab(gen_case *c, int64_t t_ms, const char *message,
                  uint32_t rules, const char *note) {
  if (c->err)
    return;
  int y, mo, d, h;
  civil_ms(t_ms, &y, &mo, &d, &h);
  char rel[GEN_REL_MAX], line[GEN_LINE_MAX];
  snprintf(
      rel, sizeof rel,
      "exchange/Logging/OABGeneratorLog/OABGeneratorLog_%04d%02d%02d02-1.LOG",
      y, mo, d);
  if (gen_oab_format(line, sizeof line, t_ms, GEN_SERVER, message) < 0) {
    fprintf(stderr, "spoor-gen: OAB line too long\n");
    latch(c);
    return;
  }
  text_rec(c, rel, GEN_F_OAB, t_ms, line, rules, note);
}

/* ---- truth --------------------------------------------------------------- */

static void add_truth(gen_case *c, const char *path, uint64_t line,
                      uint32_t rules, const char *note) {
  for (int i = 0; i < GEN_RULE_COUNT && !c->err; i++) {
    if (!(rules & (UINT32_C(1) << i)))
      continue;
    if (c->ntruth == c->captruth) {
      if (c->captruth >= GEN_CASE_MAX_TRUTH) {
        fprintf(stderr, "spoor-gen: too many truth rows\n");
        latch(c);
        return;
      }
      size_t cap = c->captruth ? c->captruth * 2 : 256;
      gen_truth *p = realloc(c->truth, cap * sizeof *p);
      if (!p) {
        fprintf(stderr, "spoor-gen: out of memory\n");
        latch(c);
        return;
      }
      c->truth = p;
      c->captruth = cap;
    }
    c->truth[c->ntruth++] = (gen_truth){path, line, i, note};
  }
}

void gen_case_truth(gen_case *c, const char *rel, uint64_t line, uint32_t rules,
                    const char *note) {
  add_truth(c, gen_case_str(c, rel), line, rules, gen_case_str(c, note));
}

void gen_case_webfile(gen_case *c, const char *rel, const char *content,
                      uint32_t rules, const char *note) {
  /* Files with no story of their own date from the server's install. */
  gen_case_webfile_at(c, rel, content, rules, note,
                      gen_time_utc(2020, 12, 15, 10, 30, 0));
}

void gen_case_webfile_at(gen_case *c, const char *rel, const char *content,
                         uint32_t rules, const char *note, int64_t mtime_s) {
  if (c->err)
    return;
  char path[GEN_PATH_MAX];
  if (gen_path_join(path, sizeof path, c->dir, rel) != 0) {
    latch(c);
    return;
  }
  gen_out o;
  if (gen_out_open(&o, path, 0) != 0) {
    latch(c);
    return;
  }
  gen_out_puts(&o, content);
  c->bytes_written += o.bytes;
  if (gen_out_close(&o) != 0) {
    latch(c);
    return;
  }
  /* The modification time a planted file would have: the file scan dates
     its findings by it. */
  struct timespec ts[2];
  ts[0].tv_sec = ts[1].tv_sec = (time_t)mtime_s;
  ts[0].tv_nsec = ts[1].tv_nsec = 0;
  if (utimensat(AT_FDCWD, path, ts, 0) != 0) {
    fprintf(stderr, "spoor-gen: %s: cannot set its time\n", path);
    latch(c);
    return;
  }
  add_truth(c, gen_case_str(c, rel), 0, rules, gen_case_str(c, note));
}

static int truth_cmp(const void *a, const void *b) {
  const gen_truth *x = a, *y = b;
  int s = strcmp(x->path, y->path);
  if (s)
    return s;
  if (x->line != y->line)
    return x->line < y->line ? -1 : 1;
  return x->rule - y->rule;
}

static int write_truth(gen_case *c) {
  char path[GEN_PATH_MAX];
  if (gen_path_join(path, sizeof path, c->dir, "truth.tsv") != 0)
    return -1;
  qsort(c->truth, c->ntruth, sizeof *c->truth, truth_cmp);
  gen_out o;
  if (gen_out_open(&o, path, 0) != 0)
    return -1;
  gen_out_puts(&o, "path\tline\texpected\tnote\n");
  for (size_t i = 0; i < c->ntruth; i++) {
    const gen_truth *t = &c->truth[i];
    char num[24];
    snprintf(num, sizeof num, "%llu", (unsigned long long)t->line);
    gen_out_puts(&o, t->path);
    gen_out_puts(&o, "\t");
    gen_out_puts(&o, num);
    gen_out_puts(&o, "\t");
    gen_out_puts(&o, gen_rule_id(t->rule));
    gen_out_puts(&o, "\t");
    gen_out_puts(&o, t->note ? t->note : "");
    gen_out_puts(&o, "\n");
  }
  return gen_out_close(&o);
}

/* ---- writer -------------------------------------------------------------- */

static int rec_cmp(const void *a, const void *b) {
  const gen_rec *x = a, *y = b;
  if (x->file != y->file)
    return x->file < y->file ? -1 : 1;
  if (x->t_ms != y->t_ms)
    return x->t_ms < y->t_ms ? -1 : 1;
  return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static int write_header(gen_out *o, const gen_file *f, gen_iis_layout l,
                        int64_t t_ms) {
  switch (f->kind) {
  case GEN_F_IIS:
    return gen_iis_write_header(o, l, t_ms);
  case GEN_F_HP:
    return gen_hp_write_header(o, t_ms);
  case GEN_F_ECP:
    return gen_ecp_write_header(o, t_ms);
  case GEN_F_OAB:
    return gen_oab_write_header(o, t_ms);
  }
  return -1;
}

/* Writes records [lo, hi) of one file. */
static int write_file(gen_case *c, const gen_file *f, const gen_rec *lo,
                      const gen_rec *hi) {
  char path[GEN_PATH_MAX], line[GEN_LINE_MAX];
  if (gen_path_join(path, sizeof path, c->dir, f->rel) != 0)
    return -1;
  gen_out o;
  if (gen_out_open(&o, path, f->gz) != 0)
    return -1;
  const char *rel = gen_case_str(c, f->rel);
  gen_iis_layout layout = GEN_IIS_BASIC;
  if (f->restart_ms && lo->t_ms >= f->restart_ms)
    layout = GEN_IIS_EXTENDED;
  int rc = write_header(&o, f, layout, lo->t_ms);
  for (const gen_rec *r = lo; r < hi && rc == 0; r++) {
    if (f->kind == GEN_F_IIS) {
      if (layout == GEN_IIS_BASIC && f->restart_ms &&
          r->t_ms >= f->restart_ms) {
        layout = GEN_IIS_EXTENDED;
        rc = write_header(&o, f, layout, r->t_ms);
        if (rc)
          break;
      }
      if (gen_iis_format(line, sizeof line, layout, &r->iis) < 0) {
        fprintf(stderr, "spoor-gen: IIS line too long in %s\n", f->rel);
        rc = -1;
        break;
      }
      rc = gen_out_puts(&o, line);
    } else {
      rc = gen_out_puts(&o, r->text);
    }
    if (rc == 0 && r->rules)
      add_truth(c, rel, o.lines, r->rules, r->note);
  }
  c->bytes_written += o.bytes;
  if (gen_out_close(&o) != 0)
    rc = -1;
  return rc;
}

/* The server's build (GEN_EX_BUILD, 2016 CU19 without the March 2021
 * update) is in every HttpProxy header and ECP line: the earliest such
 * record opens the exposure window spoor reports (ProxyLogon, medium; and
 * ProxyShell, low: the case ends before August 2021). */
static void mark_exposure(gen_case *c) {
  size_t best = SIZE_MAX, last = SIZE_MAX;
  for (size_t i = 0; i < c->nrecs; i++) {
    int k = c->files[c->recs[i].file].kind;
    if (k != GEN_F_HP && k != GEN_F_ECP)
      continue;
    if (best == SIZE_MAX || c->recs[i].t_ms < c->recs[best].t_ms)
      best = i;
    if (last == SIZE_MAX || c->recs[i].t_ms >= c->recs[last].t_ms)
      last = i;
  }
  /* ... and the latest closes it (no fixed build ever appears). */
  if (best != SIZE_MAX) {
    c->recs[best].rules |= GEN_R_EXPOSURE_PL | GEN_R_EXPOSURE_PS_BEFORE;
    c->recs[last].rules |= GEN_R_EXPOSURE_PL | GEN_R_EXPOSURE_PS_BEFORE;
  }
}

static int write_logs(gen_case *c) {
  mark_exposure(c);
  qsort(c->recs, c->nrecs, sizeof *c->recs, rec_cmp);
  size_t i = 0;
  while (i < c->nrecs) {
    size_t j = i;
    while (j < c->nrecs && c->recs[j].file == c->recs[i].file)
      j++;
    if (write_file(c, &c->files[c->recs[i].file], &c->recs[i], &c->recs[j]) !=
        0)
      return -1;
    if (c->err)
      return -1;
    i = j;
  }
  return 0;
}

int gen_case_run(const char *dir, uint64_t seed) {
  int usable = gen_dir_usable(dir);
  if (usable < 0) {
    fprintf(stderr, "spoor-gen: cannot inspect %s\n", dir);
    return -1;
  }
  if (usable == 0) {
    fprintf(stderr,
            "spoor-gen: %s exists and is not an empty directory; remove it "
            "first (a case must not mix with older files)\n",
            dir);
    return -1;
  }
  if (gen_mkdirs(dir) != 0)
    return -1;
  gen_case *c = calloc(1, sizeof *c);
  if (!c) {
    fprintf(stderr, "spoor-gen: out of memory\n");
    return -1;
  }
  c->dir = dir;
  /* Separate streams, so tuning the background never moves attack names. */
  gen_rng_seed(&c->rng, seed ^ UINT64_C(0x5eed0000a77ac4));
  gen_case_attack(c);
  gen_rng_seed(&c->rng, seed);
  gen_case_background(c);
  int rc = c->err ? -1 : 0;
  if (rc == 0)
    rc = write_logs(c);
  if (rc == 0 && !c->err)
    rc = write_truth(c);
  if (rc == 0 && c->err)
    rc = -1;
  if (rc == 0)
    printf("case: %zu log files, %zu log lines, %llu bytes, %zu truth rows "
           "-> %s\n",
           c->nfiles, c->nrecs, (unsigned long long)c->bytes_written, c->ntruth,
           dir);
  free(c->recs);
  free(c->truth);
  gen_arena_free(&c->arena);
  free(c);
  return rc;
}
