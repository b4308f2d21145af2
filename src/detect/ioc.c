/*
 * ioc.c - IOC sweeps: every event value of the right kind against the
 * run-wide indicator set "ioc" (src/ioc/), whatever reader produced it, and
 * one finding per sighted indicator with its first and last sighting.
 *
 * Which values are checked, by field (classified once per field id, on the
 * field's first appearance in a worker, from its declared type and name):
 *  - IP: every field typed SP_T_IP (source.ip, destination.ip, Zeek addr
 *    columns) and textual address fields (id.orig_h, id.resp_h, c-ip,
 *    IpAddress, SourceAddress, DestinationIp, ClientIP, answers, ...);
 *  - domain (and parents): url.domain, query, host, server_name,
 *    QueryName, DestinationHostname, SourceHostname, answers, and the host
 *    of every absolute URL;
 *  - URL: url.original, url.full, http.request.referrer, referrer, url,
 *    uri (absolute URLs only);
 *  - hashes: file.hash.*, md5, sha1, sha256 and Sysmon's Hashes
 *    ("SHA256=...,MD5=...");  JA3 (ja3, ja3s), JA4 (ja4, ja4s);
 *  - user agent: user_agent.original, user_agent;
 *  - file path: file.path, TargetFilename, Image, ImageLoaded,
 *    ParentImage, filename (path indicators, file names and the regexes),
 *    url.path (path indicators only);
 *  - e-mail: mailfrom, rcptto, from, to, SenderAddress, RecipientAddress,
 *    user.name, exchange.anchor_mailbox.
 * A STIX indicator valid_until before the event's time does not match.
 *
 * State, per worker, merged at the end: per sighted indicator the count, the
 * SIGHT_REFS earliest references and the latest, the host and field of the
 * earliest, and up to SIGHT_HOSTS host names (the smallest name hashes:
 * chosen by content). At most MAX_SIGHTED indicators: past it, indicators
 * are kept by id (load order) below a limit that walks down a fixed
 * sequence, and the hits of the others are counted as the limit
 * "ioc.sightings", so the result does not depend on -j. Bad, unsupported
 * and cut indicator entries of the set are reported as the limits
 * "ioc.bad_entries", "ioc.unsupported" and "ioc.cut".
 *
 * Findings (on_end): rule "spoor.ioc.<type>" (a STIX AND term:
 * "spoor.ioc.stix_pattern", only when every comparison of the term was
 * sighted), one rule object per finding carrying the indicator's source in
 * ruleset ("ioc:<file>"), author (feed), description (comment, file, line,
 * format, score) and reference; entities threat.indicator.type and
 * threat.indicator.name; the reason names the first contact, its host and
 * field, the last sighting, the count and the hosts.
 */
#include "core/strset.h"
#include "core/timeutil.h"
#include "detect/detector.h"
#include "ioc/ioc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SIGHT_REFS 8
#define SIGHT_HOSTS 8
#define MAX_SIGHTED (1u << 18)
#define MAX_HOST_LEN 255
#define MATCH_CAP 64

enum {
  C_IP = 1 << 0,
  C_DOMAIN = 1 << 1,
  C_URL = 1 << 2,
  C_HASH = 1 << 3,
  C_HASHES = 1 << 4,
  C_JA3 = 1 << 5,
  C_JA4 = 1 << 6,
  C_UA = 1 << 7,
  C_PATH = 1 << 8,
  C_URLPATH = 1 << 9,
  C_EMAIL = 1 << 10,
  C_HOST = 1 << 11,
  C_SRC = 1 << 12,
  C_DST = 1 << 13,
  C_KNOWN = 1 << 15 /* classified */
};

typedef struct sight {
  uint32_t id;
  int field; /* field id of the earliest sighting */
  uint64_t count;
  sp_agg_ref refs[SIGHT_REFS]; /* earliest first */
  uint8_t nrefs, nhosts;
  bool more_hosts;
  sp_agg_ref last;
  char *first_host; /* host of the earliest sighting, or NULL */
  uint64_t hh[SIGHT_HOSTS];
  char *hosts[SIGHT_HOSTS];
} sight;

typedef struct ioc_det {
  const sp_ioc_set *set;
  sp_names *names;
  sp_ioc_scratch *sc;
  uint16_t *cls; /* per field id */
  sight *s;
  size_t n, cap;
  uint32_t *slot; /* id -> index + 1 */
  size_t slots;
  uint64_t limit; /* ids >= limit are not kept */
  uint64_t dropped;
  sp_err err;
  /* Findings' rules, freed with the state. */
  sp_rule **rules;
  size_t n_rules;
} ioc_det;

static void *ioc_create(const sp_dctx *ctx) {
  ioc_det *d = calloc(1, sizeof *d);
  if (!d)
    return NULL;
  d->set = sp_dctx_input(ctx, "ioc");
  d->names = ctx->names;
  d->limit = UINT64_MAX;
  if (!d->set)
    return d;
  d->cls = calloc(SP_NAMES_MAX + 1, sizeof *d->cls);
  if (!d->cls || sp_ioc_scratch_create(d->set, &d->sc) != SP_OK) {
    free(d->cls);
    free(d);
    return NULL;
  }
  return d;
}

static void sight_free(sight *x) {
  free(x->first_host);
  for (int i = 0; i < x->nhosts; i++)
    free(x->hosts[i]);
}

static void ioc_destroy(void *st) {
  ioc_det *d = st;
  if (!d)
    return;
  for (size_t i = 0; i < d->n; i++)
    sight_free(&d->s[i]);
  free(d->s);
  free(d->slot);
  free(d->cls);
  sp_ioc_scratch_destroy(d->sc);
  for (size_t i = 0; i < d->n_rules; i++)
    free(d->rules[i]);
  free(d->rules);
  free(d);
}

/* ---- field classes ------------------------------------------------------- */

static bool name_in(const char *n, const char *const *list) {
  for (; *list; list++)
    if (strcasecmp(n, *list) == 0)
      return true;
  return false;
}

static uint16_t classify(const ioc_det *d, int id) {
  static const char *const ips[] = {"source.ip",
                                    "destination.ip",
                                    "id.orig_h",
                                    "id.resp_h",
                                    "c-ip",
                                    "s-ip",
                                    "IpAddress",
                                    "SourceAddress",
                                    "DestAddress",
                                    "DestinationIp",
                                    "SourceIp",
                                    "ClientIP",
                                    "client_ip",
                                    "src_ip",
                                    "dest_ip",
                                    "src",
                                    "dst",
                                    "ClientIPAddress",
                                    "RemoteAddress",
                                    "answers",
                                    "x-forwarded-for",
                                    "client.ip",
                                    "server.ip",
                                    "related.ip",
                                    "tx_hosts",
                                    "rx_hosts",
                                    NULL};
  static const char *const domains[] = {"url.domain",
                                        "query",
                                        "host",
                                        "server_name",
                                        "QueryName",
                                        "DestinationHostname",
                                        "SourceHostname",
                                        "answers",
                                        "dns.question.name",
                                        "cs-host",
                                        "sni",
                                        "http.host",
                                        "tls.sni",
                                        "server.domain",
                                        "destination.domain",
                                        NULL};
  static const char *const urls[] = {
      "url.original", "url.full", "http.request.referrer", "referrer",
      "url",          "uri",      "cs(referer)",           NULL};
  static const char *const hashes[] = {"file.hash.md5",
                                       "file.hash.sha1",
                                       "file.hash.sha256",
                                       "md5",
                                       "sha1",
                                       "sha256",
                                       "hash.md5",
                                       "hash.sha1",
                                       "hash.sha256",
                                       NULL};
  static const char *const uas[] = {"user_agent.original", "user_agent",
                                    "useragent", "cs(user-agent)", NULL};
  static const char *const paths[] = {"file.path",
                                      "TargetFilename",
                                      "Image",
                                      "ImageLoaded",
                                      "ParentImage",
                                      "filename",
                                      "process.executable",
                                      "SourceImage",
                                      "TargetImage",
                                      NULL};
  static const char *const emails[] = {"mailfrom",
                                       "rcptto",
                                       "from",
                                       "to",
                                       "cc",
                                       "reply_to",
                                       "SenderAddress",
                                       "RecipientAddress",
                                       "Sender",
                                       "Recipient",
                                       "user.name",
                                       "user.email",
                                       "email.from.address",
                                       "email.to.address",
                                       "exchange.anchor_mailbox",
                                       NULL};
  const char *n = sp_names_field_name(d->names, id);
  uint16_t c = C_KNOWN;
  if (!n || !*n)
    return c;
  if (sp_names_field_type(d->names, id) == SP_T_IP || name_in(n, ips))
    c |= C_IP;
  if (name_in(n, domains))
    c |= C_DOMAIN;
  if (name_in(n, urls))
    c |= C_URL;
  if (name_in(n, hashes))
    c |= C_HASH;
  if (strcasecmp(n, "Hashes") == 0 || strcasecmp(n, "Hash") == 0)
    c |= C_HASHES;
  if (strcasecmp(n, "ja3") == 0 || strcasecmp(n, "ja3s") == 0 ||
      strcasecmp(n, "tls.client.ja3") == 0)
    c |= C_JA3;
  if (strcasecmp(n, "ja4") == 0 || strcasecmp(n, "ja4s") == 0 ||
      strcasecmp(n, "tls.client.ja4") == 0)
    c |= C_JA4;
  if (name_in(n, uas))
    c |= C_UA;
  if (name_in(n, paths))
    c |= C_PATH;
  if (strcmp(n, "url.path") == 0)
    c |= C_URLPATH;
  if (name_in(n, emails))
    c |= C_EMAIL;
  if (strcmp(n, "host.name") == 0 || strcmp(n, "Computer") == 0)
    c |= C_HOST;
  if (strcmp(n, "source.ip") == 0 || strcmp(n, "id.orig_h") == 0)
    c |= C_SRC;
  if (strcmp(n, "destination.ip") == 0 || strcmp(n, "id.resp_h") == 0)
    c |= C_DST;
  return c;
}

/* ---- sightings ----------------------------------------------------------- */

static size_t slot_of(const ioc_det *d, uint32_t id) {
  size_t i = (size_t)sp_mix64(id) & (d->slots - 1);
  while (d->slot[i] && d->s[d->slot[i] - 1].id != id)
    i = (i + 1) & (d->slots - 1);
  return i;
}

static sp_err rehash(ioc_det *d, size_t want) {
  size_t ns = 64;
  while (ns < want * 2)
    ns *= 2;
  uint32_t *nsl = calloc(ns, sizeof *nsl);
  if (!nsl)
    return SP_ENOMEM;
  free(d->slot);
  d->slot = nsl;
  d->slots = ns;
  for (size_t k = 0; k < d->n; k++)
    d->slot[slot_of(d, d->s[k].id)] = (uint32_t)k + 1;
  return SP_OK;
}

/* Drop sightings of ids at or over the limit, counting their hits. */
static sp_err enforce_limit(ioc_det *d) {
  while (d->n > MAX_SIGHTED) {
    d->limit = sp_rank_lower(d->limit > UINT32_MAX ? UINT32_MAX : d->limit);
    size_t k = 0;
    for (size_t i = 0; i < d->n; i++) {
      if (d->s[i].id >= d->limit) {
        d->dropped += d->s[i].count;
        sight_free(&d->s[i]);
      } else
        d->s[k++] = d->s[i];
    }
    d->n = k;
  }
  return rehash(d, d->cap);
}

static sight *get_sight(ioc_det *d, uint32_t id) {
  if (d->slots && d->slot[slot_of(d, id)])
    return &d->s[d->slot[slot_of(d, id)] - 1];
  if (d->n == d->cap) {
    size_t nc = d->cap ? d->cap * 2 : 64;
    sight *ns = realloc(d->s, nc * sizeof *ns);
    if (!ns)
      return NULL;
    d->s = ns;
    d->cap = nc;
    if (rehash(d, nc))
      return NULL;
  }
  sight *x = &d->s[d->n];
  memset(x, 0, sizeof *x);
  x->id = id;
  x->field = -1;
  d->slot[slot_of(d, id)] = (uint32_t)++d->n;
  return x;
}

static char *dup_cut(sp_str v) {
  size_t n = v.n > MAX_HOST_LEN ? MAX_HOST_LEN : v.n;
  char *p = malloc(n + 1);
  if (p) {
    memcpy(p, v.p, n);
    p[n] = '\0';
  }
  return p;
}

/* Keep the SIGHT_HOSTS smallest host-name hashes. */
static bool add_host(sight *x, sp_str h, uint64_t hh) {
  for (int i = 0; i < x->nhosts; i++)
    if (x->hh[i] == hh)
      return true;
  int at = x->nhosts;
  if (x->nhosts == SIGHT_HOSTS) {
    int worst = 0;
    for (int i = 1; i < x->nhosts; i++)
      if (x->hh[i] > x->hh[worst])
        worst = i;
    x->more_hosts = true;
    if (hh > x->hh[worst])
      return true;
    free(x->hosts[worst]);
    at = worst;
  } else
    x->nhosts++;
  x->hh[at] = hh;
  x->hosts[at] = dup_cut(h);
  return x->hosts[at] != NULL;
}

static void add_ref(sight *x, const sp_agg_ref *r) {
  if (x->nrefs == 0 || sp_agg_ref_cmp(r, &x->last) > 0)
    x->last = *r;
  int pos = x->nrefs;
  while (pos > 0 && sp_agg_ref_cmp(r, &x->refs[pos - 1]) < 0)
    pos--;
  if (pos >= SIGHT_REFS)
    return;
  int end = x->nrefs < SIGHT_REFS ? x->nrefs : SIGHT_REFS - 1;
  memmove(&x->refs[pos + 1], &x->refs[pos], (size_t)(end - pos) * sizeof *r);
  x->refs[pos] = *r;
  if (x->nrefs < SIGHT_REFS)
    x->nrefs++;
}

static void record(ioc_det *d, uint32_t id, int field, const sp_agg_ref *r,
                   sp_str host) {
  if (id >= d->limit) {
    d->dropped++;
    return;
  }
  sight *x = get_sight(d, id);
  if (!x) {
    d->err = SP_ENOMEM;
    return;
  }
  bool earliest = x->nrefs == 0 || sp_agg_ref_cmp(r, &x->refs[0]) < 0;
  add_ref(x, r);
  x->count++;
  if (earliest) {
    x->field = field;
    free(x->first_host);
    x->first_host = host.n ? dup_cut(host) : NULL;
  }
  if (host.n && !add_host(x, host, sp_hash_bytes(host.p, host.n, true)))
    d->err = SP_ENOMEM;
  if (d->n > MAX_SIGHTED && enforce_limit(d))
    d->err = SP_ENOMEM;
}

/* ---- events -------------------------------------------------------------- */

typedef struct hitv {
  uint32_t id;
  int field;
  bool src; /* matched a source-side field */
} hitv;

static size_t match_value(ioc_det *d, uint16_t c, const sp_fval *f,
                          uint32_t *ids, size_t cap) {
  const sp_ioc_set *s = d->set;
  size_t got = 0;
  sp_str v = f->s;
  if (!v.n)
    return 0;
  if (c & C_IP) {
    sp_ip ip; /* typed fields parse once per event, shared with others */
    if (sp_fval_ip(f, &ip))
      got += sp_ioc_match_ip(s, &ip, ids + got, cap - got);
  }
  if (got >= cap)
    return cap;
  if (c & C_DOMAIN)
    got += sp_ioc_match_domain(s, v, ids + got, cap - got);
  if (got < cap && (c & C_URL)) {
    got += sp_ioc_match_url(s, v, ids + got, cap - got);
    /* The host of an absolute URL. */
    const char *sl = v.n > 3 ? memchr(v.p, ':', v.n) : NULL;
    if (got < cap && sl && (size_t)(v.p + v.n - sl) > 3 && sl[1] == '/' &&
        sl[2] == '/') {
      const char *h = sl + 3, *e = h;
      while (e < v.p + v.n && *e != '/' && *e != ':' && *e != '?' && *e != '#')
        e++;
      sp_str host = sp_str_make(h, (size_t)(e - h));
      sp_ip ip;
      if (sp_ip_parse(host, &ip))
        got += sp_ioc_match_ip(s, &ip, ids + got, cap - got);
      else
        got += sp_ioc_match_domain(s, host, ids + got, cap - got);
    }
  }
  if (got < cap && (c & C_HASH))
    got += sp_ioc_match_hash(s, v, ids + got, cap - got);
  if (got < cap && (c & C_HASHES)) {
    /* Sysmon: "SHA1=...,MD5=...,SHA256=...,IMPHASH=..." */
    const char *p = v.p, *end = v.p + v.n;
    while (p < end && got < cap) {
      const char *comma = memchr(p, ',', (size_t)(end - p));
      if (!comma)
        comma = end;
      const char *eq = memchr(p, '=', (size_t)(comma - p));
      sp_str h = eq ? sp_str_make(eq + 1, (size_t)(comma - eq - 1))
                    : sp_str_make(p, (size_t)(comma - p));
      if (!(eq && sp_mem_ieq(p, "IMPHASH", 7)))
        got += sp_ioc_match_hash(s, h, ids + got, cap - got);
      p = comma + 1;
    }
  }
  if (got < cap && (c & C_JA3))
    got += sp_ioc_match_exact(s, SP_IOC_JA3, v, ids + got, cap - got);
  if (got < cap && (c & C_JA4))
    got += sp_ioc_match_exact(s, SP_IOC_JA4, v, ids + got, cap - got);
  if (got < cap && (c & C_UA))
    got += sp_ioc_match_exact(s, SP_IOC_UA, v, ids + got, cap - got);
  if (got < cap && (c & (C_PATH | C_URLPATH)))
    got +=
        sp_ioc_match_path(s, d->sc, v, (c & C_PATH) != 0, ids + got, cap - got);
  if (got < cap && (c & C_EMAIL) && memchr(v.p, '@', v.n))
    got += sp_ioc_match_exact(s, SP_IOC_EMAIL, v, ids + got, cap - got);
  return got > cap ? cap : got;
}

static void ioc_on_event(void *st, const sp_event *ev, sp_fset *out) {
  ioc_det *d = st;
  if (!d->set || d->err)
    return;
  hitv hv[MATCH_CAP];
  size_t nh = 0;
  uint32_t ids[MATCH_CAP];
  sp_str host = {NULL, 0}, src = {NULL, 0}, dst = {NULL, 0};
  size_t it = 0;
  const sp_fval *f;
  while ((f = sp_event_each(ev, &it))) {
    uint16_t c = d->cls[f->id];
    if (!c)
      c = d->cls[f->id] = classify(d, f->id);
    if (c == C_KNOWN)
      continue;
    if ((c & C_HOST) && !host.n)
      host = f->s;
    if ((c & C_SRC) && !src.n)
      src = f->s;
    if ((c & C_DST) && !dst.n)
      dst = f->s;
    if (nh >= MATCH_CAP)
      continue;
    size_t got = match_value(d, c, f, ids, MATCH_CAP - nh);
    for (size_t i = 0; i < got && nh < MATCH_CAP; i++)
      hv[nh++] = (hitv){ids[i], f->id, (c & C_SRC) != 0};
  }
  if (!nh)
    return;
  sp_agg_ref r = {ev->ts, ev->ref == SP_REF_OFFSET ? ev->offset : ev->line,
                  ev->file_id, (sp_ref_kind)ev->ref,
                  ev->ref == SP_REF_RECORD ? ev->offset : UINT64_MAX};
  for (size_t i = 0; i < nh; i++) {
    sp_ioc_info info;
    if (!sp_ioc_set_get(d->set, hv[i].id, &info))
      continue;
    hv[i].id = info.canon;
    /* One sighting per indicator per event. */
    bool dup = false;
    for (size_t k = 0; k < i && !dup; k++)
      dup = hv[k].id == hv[i].id;
    if (dup)
      continue;
    if (ev->ts != SP_TIME_NONE && ev->ts > info.valid_until)
      continue;
    sp_str h = host.n ? host : hv[i].src ? dst : src;
    record(d, info.canon, hv[i].field, &r, h);
  }
  (void)out;
}

/* ---- merge --------------------------------------------------------------- */

static void ioc_merge(void *dst, void *srcp) {
  ioc_det *d = dst, *s = srcp;
  if (!d->set)
    return;
  if (s->err)
    d->err = s->err;
  d->dropped += s->dropped;
  if (s->limit < d->limit) {
    d->limit = s->limit;
    size_t k = 0;
    for (size_t i = 0; i < d->n; i++) {
      if (d->s[i].id >= d->limit) {
        d->dropped += d->s[i].count;
        sight_free(&d->s[i]);
      } else
        d->s[k++] = d->s[i];
    }
    d->n = k;
    if (rehash(d, d->cap ? d->cap : 64))
      d->err = SP_ENOMEM;
  }
  for (size_t i = 0; i < s->n && !d->err; i++) {
    sight *y = &s->s[i];
    if (y->id >= d->limit) {
      d->dropped += y->count;
      continue;
    }
    sight *x = get_sight(d, y->id);
    if (!x) {
      d->err = SP_ENOMEM;
      break;
    }
    bool earlier = y->nrefs && (x->nrefs == 0 ||
                                sp_agg_ref_cmp(&y->refs[0], &x->refs[0]) < 0);
    sp_agg_ref xl = x->last;
    bool had = x->nrefs > 0;
    for (int k = 0; k < y->nrefs; k++)
      add_ref(x, &y->refs[k]);
    x->last = had && sp_agg_ref_cmp(&xl, &y->last) > 0 ? xl : y->last;
    x->count += y->count;
    if (earlier) {
      x->field = y->field;
      free(x->first_host);
      x->first_host = y->first_host;
      y->first_host = NULL;
    }
    for (int k = 0; k < y->nhosts; k++)
      if (!add_host(x, sp_str_make(y->hosts[k], strlen(y->hosts[k])), y->hh[k]))
        d->err = SP_ENOMEM;
    x->more_hosts |= y->more_hosts;
    if (d->n > MAX_SIGHTED && enforce_limit(d))
      d->err = SP_ENOMEM;
  }
}

/* ---- findings ------------------------------------------------------------ */

static void fmt_time(int64_t ns, char *buf, size_t cap) {
  if (ns == SP_TIME_NONE)
    snprintf(buf, cap, "an unknown time");
  else
    sp_time_minutes(ns, buf, cap);
}

static sp_level level_of(int score) {
  if (score < 0 || score >= 75)
    return SP_LEVEL_HIGH;
  if (score >= 50)
    return SP_LEVEL_MEDIUM;
  return SP_LEVEL_LOW;
}

static const char *rule_id_of(sp_ioc_type t, bool group) {
  static const char *const ids[SP_IOC__COUNT] = {"spoor.ioc.ip",
                                                 "spoor.ioc.domain",
                                                 "spoor.ioc.url",
                                                 "spoor.ioc.md5",
                                                 "spoor.ioc.sha1",
                                                 "spoor.ioc.sha256",
                                                 "spoor.ioc.email",
                                                 "spoor.ioc.ja3",
                                                 "spoor.ioc.ja4",
                                                 "spoor.ioc.user_agent",
                                                 "spoor.ioc.filename",
                                                 "spoor.ioc.filepath",
                                                 "spoor.ioc.filename_regex"};
  if (group)
    return "spoor.ioc.stix_pattern";
  return (unsigned)t < SP_IOC__COUNT ? ids[t] : "spoor.ioc";
}

/* One allocation: the rule and its strings. */
static sp_rule *make_rule(ioc_det *d, const sp_ioc_info *in, bool group) {
  const char *base = strrchr(in->source, '/');
  base = base ? base + 1 : in->source;
  char desc[1024], name[160], set[300];
  char score[16] = "none";
  if (in->score >= 0)
    snprintf(score, sizeof score, "%d", in->score);
  char also[48] = "";
  if (in->same > 1)
    snprintf(also, sizeof also, "; listed %u times in the indicator files",
             in->same);
  snprintf(desc, sizeof desc,
           "%s%s%s indicator from %s line %u (%s, score %s)%s%s%s", in->comment,
           *in->comment ? " - " : "", sp_ioc_type_name(in->type), in->source,
           in->line, in->format, score, also, group ? "; STIX pattern " : "",
           group ? in->pattern : "");
  snprintf(name, sizeof name, "Indicator of compromise seen: %s",
           group ? "STIX pattern" : sp_ioc_type_name(in->type));
  snprintf(set, sizeof set, "ioc:%s", base);
  const char *feed = *in->feed ? in->feed : in->format;
  size_t ln[5] = {strlen(name) + 1, strlen(set) + 1, strlen(feed) + 1,
                  strlen(desc) + 1, strlen(in->reference) + 1};
  sp_rule *r = malloc(sizeof *r + ln[0] + ln[1] + ln[2] + ln[3] + ln[4]);
  if (!r)
    return NULL;
  char *p = (char *)(r + 1);
  r->id = rule_id_of(in->type, group);
  r->name = memcpy(p, name, ln[0]);
  p += ln[0];
  r->ruleset = memcpy(p, set, ln[1]);
  p += ln[1];
  r->author = memcpy(p, feed, ln[2]);
  p += ln[2];
  r->description = memcpy(p, desc, ln[3]);
  p += ln[3];
  r->reference = memcpy(p, in->reference, ln[4]);
  r->techniques = "";
  r->cve = "";
  r->level = level_of(in->score);
  if (d->n_rules % 64 == 0) {
    sp_rule **nr = realloc(d->rules, (d->n_rules + 64) * sizeof *nr);
    if (!nr) {
      free(r);
      return NULL;
    }
    d->rules = nr;
  }
  d->rules[d->n_rules++] = r;
  return r;
}

static int cmp_sight(const void *a, const void *b) {
  uint32_t x = ((const sight *)a)->id, y = ((const sight *)b)->id;
  return x < y ? -1 : x > y;
}

static void emit(ioc_det *d, sp_fset *out, const sight *const *parts, size_t np,
                 const sp_ioc_info *in, bool group) {
  sp_rule *rule = make_rule(d, in, group);
  if (!rule) {
    sp_fset_fail(out, SP_ENOMEM);
    return;
  }
  /* The earliest part gives the first contact, the latest the last. */
  const sight *first = parts[0], *lastp = parts[0];
  uint64_t count = 0;
  for (size_t i = 0; i < np; i++) {
    if (sp_agg_ref_cmp(&parts[i]->refs[0], &first->refs[0]) < 0)
      first = parts[i];
    if (sp_agg_ref_cmp(&parts[i]->last, &lastp->last) > 0)
      lastp = parts[i];
    count += parts[i]->count;
  }
  char t1[40], t2[40], hosts[512] = "";
  fmt_time(first->refs[0].ts, t1, sizeof t1);
  fmt_time(lastp->last.ts, t2, sizeof t2);
  /* Hosts: sorted by name for a stable text. */
  const char *hl[SIGHT_HOSTS * 4];
  size_t nhl = 0;
  bool more = false;
  for (size_t i = 0; i < np; i++) {
    more |= parts[i]->more_hosts;
    for (int k = 0; k < parts[i]->nhosts && nhl < SIGHT_HOSTS * 4; k++)
      hl[nhl++] = parts[i]->hosts[k];
  }
  for (size_t i = 1; i < nhl; i++)
    for (size_t k = i; k > 0 && strcmp(hl[k - 1], hl[k]) > 0; k--) {
      const char *t = hl[k];
      hl[k] = hl[k - 1];
      hl[k - 1] = t;
    }
  size_t hn = 0;
  for (size_t i = 0; i < nhl && hn < sizeof hosts - 1; i++) {
    if (i && strcmp(hl[i], hl[i - 1]) == 0)
      continue;
    int w =
        snprintf(hosts + hn, sizeof hosts - hn, "%s%s", hn ? ", " : "", hl[i]);
    if (w < 0)
      break;
    hn += (size_t)w;
    if (hn >= sizeof hosts)
      hn = sizeof hosts - 1;
  }
  bool net = in->type == SP_IOC_IP || in->type == SP_IOC_DOMAIN ||
             in->type == SP_IOC_URL || in->type == SP_IOC_JA3 ||
             in->type == SP_IOC_JA4 || in->type == SP_IOC_EMAIL;
  const char *fname =
      first->field >= 0 ? sp_names_field_name(d->names, first->field) : "";
  char reg[280] = "";
  if (!group && in->type == SP_IOC_DOMAIN) {
    char rd[256];
    if (sp_ioc_registered_domain(d->set, in->value, rd, sizeof rd))
      snprintf(reg, sizeof reg, " (registered domain %s)", rd);
  }
  char reason[SP_MAX_REASON_LEN];
  snprintf(reason, sizeof reason,
           "%s %s%s on %s%s%s (%s); last on %s; %llu sighting%s%s%s%s",
           net ? "first contact with" : "first seen:",
           group ? in->pattern : in->value, reg, t1,
           first->first_host ? " from " : "",
           first->first_host ? first->first_host : "", fname, t2,
           (unsigned long long)count, count == 1 ? "" : "s",
           hn ? "; hosts: " : "", hosts, more ? " and more" : "");
  /* Hits: the kept earliest references of every part and each part's
   * latest; weights add up to the exact count. */
  for (size_t i = 0; i < np; i++) {
    const sight *x = parts[i];
    uint64_t left = x->count;
    bool last_kept = false;
    for (int k = 0; k < x->nrefs; k++)
      last_kept |= sp_agg_ref_cmp(&x->refs[k], &x->last) == 0;
    for (int k = 0; k <= x->nrefs; k++) {
      const sp_agg_ref *r = k < x->nrefs ? &x->refs[k] : &x->last;
      if (k == x->nrefs && last_kept)
        break;
      sp_hit h;
      sp_hit_init(&h, rule, r->ts, r->file_id, r->where, r->kind);
      sp_hit_entity(&h, "threat.indicator.type",
                    group ? sp_str_make("stix-pattern", 12)
                          : sp_str_make(sp_ioc_type_name(in->type),
                                        strlen(sp_ioc_type_name(in->type))));
      const char *nm = group ? in->pattern : in->value;
      sp_hit_entity(&h, "threat.indicator.name", sp_str_make(nm, strlen(nm)));
      h.reason = sp_str_make(reason, strlen(reason));
      size_t remaining_hits = (size_t)(x->nrefs - k) + (last_kept ? 0 : 1) - 1;
      h.weight = k == 0 ? left - remaining_hits : 1;
      left -= h.weight;
      sp_fset_add(out, &h);
    }
  }
}

static void ioc_on_end(void *st, sp_fset *out) {
  ioc_det *d = st;
  if (!d->set)
    return;
  if (d->err) {
    sp_fset_fail(out, d->err);
    return;
  }
  sp_limits *lim = sp_fset_limits(out);
  sp_limits_add(lim, "ioc.bad_entries",
                "indicator entries skipped: values that are no indicator of "
                "their type, unparseable lines, patterns or regexes",
                sp_ioc_set_skipped(d->set, SP_IOC_SKIP_BAD));
  sp_limits_add(lim, "ioc.unsupported",
                "indicator entries of a type or pattern spoor does not match "
                "(CHIRP yara/events checks, MISP types, STIX comparisons)",
                sp_ioc_set_skipped(d->set, SP_IOC_SKIP_UNSUPPORTED));
  sp_limits_add(lim, "ioc.cut",
                "indicator entries over a size or count limit (value over 4 "
                "KiB, 64 Mi indicators, STIX pattern terms)",
                sp_ioc_set_skipped(d->set, SP_IOC_SKIP_CUT));
  sp_limits_add(lim, "ioc.sightings",
                "sightings of indicators not remembered (over 262,144 "
                "sighted indicators)",
                d->dropped);
  qsort(d->s, d->n, sizeof *d->s, cmp_sight);
  if (rehash(d, d->cap ? d->cap : 64)) {
    sp_fset_fail(out, SP_ENOMEM);
    return;
  }
  for (size_t i = 0; i < d->n; i++) {
    sight *x = &d->s[i];
    sp_ioc_info in;
    if (!x->nrefs || !sp_ioc_set_get(d->set, x->id, &in))
      continue;
    if (in.group_n <= 1) {
      const sight *p = x;
      emit(d, out, &p, 1, &in, false);
      continue;
    }
    if (x->id != in.group)
      continue; /* the group is reported from its first member */
    const sight *parts[64];
    size_t np = 0;
    bool all = in.group_n <= 64;
    for (uint32_t k = 0; all && k < in.group_n; k++) {
      uint32_t gid = in.group + k;
      size_t sl = slot_of(d, gid);
      if (!d->slot[sl])
        all = false;
      else
        parts[np++] = &d->s[d->slot[sl] - 1];
    }
    if (all)
      emit(d, out, parts, np, &in, true);
  }
}

const sp_detector_vt sp_det_ioc = {.name = "ioc",
                                   .phases = SP_PHASE_FILES | SP_PHASE_LOGS,
                                   .create = ioc_create,
                                   .on_event = ioc_on_event,
                                   .merge = ioc_merge,
                                   .on_end = ioc_on_end,
                                   .destroy = ioc_destroy};
