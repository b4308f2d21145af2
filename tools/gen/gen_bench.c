/* gen_bench.c - `spoor-gen bench DIR --size BYTES`: bulk, realistic-looking
 * Exchange frontend IIS W3C logs (DIR/iis/u_ex2103DD_N.log) and HttpProxy
 * logs (DIR/httpproxy/HttpProxy_202103DD00_N.LOG), half of the bytes each,
 * at most GEN_BENCH_FILE_MAX per file, with a few attack lines per file
 * (POST /ecp/y.js in IIS, ServerInfo~ anchors in HttpProxy).
 *
 * Speed matters more than variety: every string is prepared once in pools
 * (spans of pointer + length), lines are assembled with memcpy straight
 * into a 4 MiB output buffer that is written with fwrite when nearly full,
 * and the formatted date is recomputed only when the second changes. No
 * allocation happens per line. Each file has its own PRNG stream derived
 * from the seed, so output depends only on (size, seed). */
#include "gen_bench.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "gen_formats.h"
#include "gen_util.h"

#define WBUF_CAP ((size_t)4 << 20)
#define ATTACKS_PER_FILE 4
#define NUSER 256
#define NIP_INT 512
#define NIP_EXT 128
#define POOL_BYTES ((size_t)1 << 20)

typedef struct span {
  const char *p;
  uint32_t n;
} span;

#define SPN(s) ((span){(s), (uint32_t)(sizeof(s) - 1)})

/* ---- output buffer ------------------------------------------------------- */

typedef struct wbuf {
  FILE *f;
  char *buf;
  size_t len;
  uint64_t bytes;
  char path[GEN_PATH_MAX];
  int err;
} wbuf;

static int wb_flush(wbuf *w) {
  if (w->err)
    return -1;
  if (w->len && fwrite(w->buf, 1, w->len, w->f) != w->len) {
    perror(w->path);
    w->err = 1;
    return -1;
  }
  w->len = 0;
  return 0;
}

/* Room for one more line; flushes when the buffer is nearly full. */
static inline char *wb_room(wbuf *w) {
  if (WBUF_CAP - w->len < GEN_LINE_MAX)
    wb_flush(w);
  return w->buf + w->len;
}

static inline void wb_commit(wbuf *w, size_t n) {
  w->len += n;
  w->bytes += n;
}

static void wb_putn(wbuf *w, const char *s, size_t n) {
  if (n >= GEN_LINE_MAX)
    n = GEN_LINE_MAX - 1;
  memcpy(wb_room(w), s, n);
  wb_commit(w, n);
}

static void wb_puts(wbuf *w, const char *s) { wb_putn(w, s, strlen(s)); }

static void wb_hp_fields(wbuf *w) { wb_puts(w, gen_hp_field_list()); }

static int wb_open(wbuf *w, const char *path, char *buf) {
  memset(w, 0, sizeof *w);
  snprintf(w->path, sizeof w->path, "%s", path);
  w->buf = buf;
  if (gen_mkdirs_for(path) != 0)
    return -1;
  w->f = fopen(path, "wb");
  if (!w->f) {
    perror(path);
    return -1;
  }
  setvbuf(w->f, NULL, _IONBF, 0); /* we buffer ourselves */
  return 0;
}

static int wb_close(wbuf *w) {
  int rc = wb_flush(w);
  if (fclose(w->f) != 0 && rc == 0) {
    perror(w->path);
    rc = -1;
  }
  w->f = NULL;
  return rc;
}

/* ---- small fast formatters ----------------------------------------------- */

static inline char *put(char *p, span s) {
  memcpy(p, s.p, s.n);
  return p + s.n;
}

static inline char *put_u(char *p, uint32_t v) {
  char tmp[10];
  int n = 0;
  do {
    tmp[n++] = (char)('0' + v % 10);
    v /= 10;
  } while (v);
  while (n)
    *p++ = tmp[--n];
  return p;
}

static inline char *put_guid(char *p, gen_rng *r) {
  static const char hex[] = "0123456789abcdef";
  uint64_t a = gen_rng_next(r), b = gen_rng_next(r);
  for (int i = 0; i < 32; i++) {
    if (i == 8 || i == 12 || i == 16 || i == 20)
      *p++ = '-';
    uint64_t v = i < 16 ? a : b;
    *p++ = hex[(v >> ((i & 15) * 4)) & 15];
  }
  return p;
}

/* Cached date strings of the current second. */
typedef struct tclock {
  int64_t sec;
  char iis[20]; /* "YYYY-MM-DD HH:MM:SS" */
  char iso[25]; /* "YYYY-MM-DDTHH:MM:SS.mmmZ" (ms patched per line) */
} tclock;

static void clock_set(tclock *k, int64_t t_ms) {
  int64_t s = t_ms / 1000;
  if (s != k->sec) {
    k->sec = s;
    gen_fmt_iis_time(k->iis, t_ms);
    gen_fmt_iso_ms(k->iso, s * 1000);
  }
  int ms = (int)(t_ms % 1000);
  k->iso[20] = (char)('0' + ms / 100);
  k->iso[21] = (char)('0' + ms / 10 % 10);
  k->iso[22] = (char)('0' + ms % 10);
}

/* ---- pools ----------------------------------------------------------------- */

typedef struct pools {
  char store[POOL_BYTES];
  size_t used;
  span dom[NUSER], anchor[NUSER];
  span ip_int[NIP_INT], ip_ext[NIP_EXT];
} pools;

/* Copies a formatted string into the pool. */
static span pool_add(pools *pl, const char *s, int n) {
  size_t room = sizeof pl->store - pl->used;
  if (n < 0 || (size_t)n >= room)
    return SPN("-"); /* cannot happen with the fixed pool sizes */
  memcpy(pl->store + pl->used, s, (size_t)n + 1);
  span sp = {pl->store + pl->used, (uint32_t)n};
  pl->used += (size_t)n + 1;
  return sp;
}

static void pools_init(pools *pl) {
  char tmp[128];
  pl->used = 0;
  for (unsigned i = 0; i < NUSER; i++) {
    pl->dom[i] = pool_add(pl, tmp, snprintf(tmp, sizeof tmp, "CORP\\user%03u", i));
    pl->anchor[i] = pool_add(
        pl, tmp,
        snprintf(tmp, sizeof tmp,
                 "Sid~S-1-5-21-3912466130-2211504857-1870293742-%u", 1200 + i));
  }
  for (unsigned i = 0; i < NIP_INT; i++)
    pl->ip_int[i] = pool_add(
        pl, tmp, snprintf(tmp, sizeof tmp, "10.1.%u.%u", 3 + i / 200, 10 + i % 200));
  for (unsigned i = 0; i < NIP_EXT; i++)
    pl->ip_ext[i] =
        pool_add(pl, tmp, snprintf(tmp, sizeof tmp, "192.0.2.%u", 10 + i));
}

/* User agents: IIS form ('+' for spaces) and HttpProxy form (CSV-quoted
 * where needed). */
static const span ua_iis[] = {
    SPN("Microsoft+Office/16.0+(Windows+NT+10.0;+Microsoft+Outlook+16.0.13801;+Pro)"),
    SPN("Mozilla/5.0+(Windows+NT+10.0;+Win64;+x64)+AppleWebKit/537.36+(KHTML,+like+Gecko)+Chrome/88.0.4324.182+Safari/537.36"),
    SPN("Apple-iPhone12C1/1804.65"),
    SPN("Mozilla/5.0+(Windows+NT+10.0;+Win64;+x64;+rv:86.0)+Gecko/20100101+Firefox/86.0"),
    SPN("AMProbe/Local/ClientAccess"),
};
static const span ua_hp[] = {
    SPN("Microsoft Office/16.0 (Windows NT 10.0; Microsoft Outlook 16.0.13801; Pro)"),
    SPN("\"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/88.0.4324.182 Safari/537.36\""),
    SPN("Apple-iPhone12C1/1804.65"),
    SPN("Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:86.0) Gecko/20100101 Firefox/86.0"),
    SPN("AMProbe/Local/ClientAccess"),
};
enum { UA_OUTLOOK, UA_CHROME, UA_PHONE, UA_FIREFOX, UA_PROBE };

/* ---- IIS ------------------------------------------------------------------- */

typedef struct iis_tpl {
  span method, stem, query; /* query before the CAFE items; "" if none */
  span result;              /* "sc-status sc-substatus sc-win32-status" */
  int weight, ua, authed, cafe, external;
} iis_tpl;

static const iis_tpl iis_tpls[] = {
    {SPN("POST"), SPN("/mapi/emsmdb/"), SPN("mailboxId=5c1e6a0b-3f2d-4e7a-9b8c-0d1e2f3a4b5c@corp.example"),
     SPN("200 0 0"), 30, UA_OUTLOOK, 1, 1, 0},
    {SPN("POST"), SPN("/mapi/emsmdb/"), SPN("mailboxId=5c1e6a0b-3f2d-4e7a-9b8c-0d1e2f3a4b5c@corp.example"),
     SPN("401 2 5"), 4, UA_OUTLOOK, 0, 1, 0},
    {SPN("POST"), SPN("/Microsoft-Server-ActiveSync/default.eas"),
     SPN("Cmd=Ping&User=user&DeviceId=8F2C4A1B9D3E5F60718293A4B5C6D7E8&DeviceType=iPhone"),
     SPN("200 0 0"), 18, UA_PHONE, 1, 1, 1},
    {SPN("POST"), SPN("/EWS/Exchange.asmx"), SPN(""), SPN("200 0 0"), 10,
     UA_OUTLOOK, 1, 1, 0},
    {SPN("POST"), SPN("/owa/service.svc"), SPN("action=GetItem&app=Mail&n=12"),
     SPN("200 0 0"), 12, UA_CHROME, 1, 1, 0},
    {SPN("GET"), SPN("/owa/auth/15.1.2176/themes/resources/favicon.ico"),
     SPN(""), SPN("200 0 0"), 6, UA_FIREFOX, 0, 1, 1},
    {SPN("GET"), SPN("/owa/auth/logon.aspx"),
     SPN("url=https%3a%2f%2fmail.corp.example%2fowa%2f&reason=0"),
     SPN("200 0 0"), 3, UA_CHROME, 0, 1, 1},
    {SPN("POST"), SPN("/autodiscover/autodiscover.xml"), SPN(""),
     SPN("200 0 0"), 5, UA_OUTLOOK, 1, 1, 0},
    {SPN("GET"), SPN("/ecp/"), SPN("rfr=owa&p=customize/options.aspx"),
     SPN("200 0 0"), 2, UA_CHROME, 1, 1, 0},
    {SPN("GET"), SPN("/owa/"), SPN(""), SPN("200 0 0"), 4, UA_PROBE, 1, 1, 0},
    {SPN("GET"), SPN("/robots.txt"), SPN("-"), SPN("404 0 2"), 1, UA_FIREFOX,
     0, 0, 1},
};

/* Attack lines of the IIS files, in rotation. */
static const iis_tpl iis_atk[] = {
    {SPN("POST"), SPN("/ecp/y.js"), SPN(""), SPN("200 0 0"), 0, -1, 0, 1, 1},
    {SPN("POST"), SPN("/ecp/y.js"), SPN(""), SPN("241 0 0"), 0, -1, 0, 1, 1},
};

/* Weighted pick table: 256 slots of template indices. */
static void build_pick(unsigned char pick[256], const int *weights, size_t n) {
  int total = 0;
  for (size_t i = 0; i < n; i++)
    total += weights[i];
  size_t k = 0;
  int acc = 0;
  for (size_t i = 0; i < n; i++) {
    acc += weights[i];
    size_t upto = (size_t)((int64_t)acc * 256 / total);
    while (k < upto && k < 256)
      pick[k++] = (unsigned char)i;
  }
  while (k < 256)
    pick[k++] = (unsigned char)(n - 1);
}

static size_t iis_line(char *p0, const tclock *k, const iis_tpl *t,
                       const pools *pl, gen_rng *r, int attack) {
  static const span sep = SPN(" ");
  char *p = p0;
  memcpy(p, k->iis, 19);
  p += 19;
  p = put(p, SPN(" 10.1.2.10 "));
  p = put(p, t->method);
  p = put(p, sep);
  p = put(p, t->stem);
  p = put(p, sep);
  if (t->cafe) {
    p = put(p, t->query);
    p = put(p, SPN("&CorrelationID=<empty>;&cafeReqId="));
    p = put_guid(p, r);
    *p++ = ';';
  } else {
    p = put(p, t->query);
  }
  p = put(p, SPN(" 443 "));
  uint64_t x = gen_rng_next(r);
  if (t->authed)
    p = put(p, pl->dom[x % NUSER]);
  else
    *p++ = '-';
  *p++ = ' ';
  if (attack)
    p = put(p, SPN("203.0.113.66 python-requests/2.25.1"));
  else {
    p = put(p, t->external ? pl->ip_ext[(x >> 8) % NIP_EXT]
                           : pl->ip_int[(x >> 8) % NIP_INT]);
    *p++ = ' ';
    p = put(p, ua_iis[t->ua]);
  }
  p = put(p, SPN(" - "));
  p = put(p, t->result);
  *p++ = ' ';
  uint32_t taken = t->ua == UA_PHONE ? 470000 + (uint32_t)((x >> 20) % 400000)
                                     : 3 + (uint32_t)((x >> 20) % 900);
  p = put_u(p, taken);
  *p++ = '\r';
  *p++ = '\n';
  return (size_t)(p - p0);
}

/* ---- HttpProxy ------------------------------------------------------------- */

typedef struct hp_tpl {
  span proto, host, stem, action, auth, method, query, hint, status;
  int weight, ua, authed, external;
} hp_tpl;

static const hp_tpl hp_tpls[] = {
    {SPN("Owa"), SPN("mail.corp.example"), SPN("/owa/service.svc"),
     SPN("GetItem"), SPN("Forms"), SPN("POST"), SPN("?action=GetItem&app=Mail"),
     SPN("Sid-Cookie"), SPN("200"), 30, UA_CHROME, 1, 0},
    {SPN("Owa"), SPN("mail.corp.example"), SPN("/owa/"), SPN(""),
     SPN("Forms"), SPN("GET"), SPN(""), SPN("Sid-Cookie"), SPN("200"), 8,
     UA_FIREFOX, 1, 1},
    {SPN("Ecp"), SPN("mail.corp.example"),
     SPN("/ecp/RulesEditor/InboxRules.svc/GetList"), SPN(""), SPN("Forms"),
     SPN("POST"), SPN("?msExchEcpCanary=Xq3vK9mP2wR7tY1uI5oA8sD4fG6hJ0lZ.c"),
     SPN("Sid-Cookie"), SPN("200"), 6, UA_CHROME, 1, 0},
    {SPN("Autodiscover"), SPN("autodiscover.corp.example"),
     SPN("/autodiscover/autodiscover.xml"), SPN(""), SPN("Negotiate"),
     SPN("POST"), SPN(""), SPN("Url"), SPN("200"), 14, UA_OUTLOOK, 1, 0},
    {SPN("Ews"), SPN("mail.corp.example"), SPN("/EWS/Exchange.asmx"),
     SPN(""), SPN("Negotiate"), SPN("POST"), SPN(""),
     SPN("Anchor-Mailbox-Header"), SPN("200"), 16, UA_OUTLOOK, 1, 0},
    {SPN("Eas"), SPN("mail.corp.example"),
     SPN("/Microsoft-Server-ActiveSync/default.eas"), SPN("Ping"),
     SPN("Basic"), SPN("POST"), SPN("?Cmd=Ping&DeviceType=iPhone"),
     SPN("Smtp-Cookie"), SPN("200"), 20, UA_PHONE, 1, 1},
    {SPN("Mapi"), SPN("mail.corp.example"), SPN("/mapi/emsmdb/"),
     SPN("Execute"), SPN("Negotiate"), SPN("POST"), SPN(""),
     SPN("DatabaseGuid"), SPN("200"), 6, UA_OUTLOOK, 1, 0},
};

static const span hp_atk_anchor[] = {
    SPN("ServerInfo~a]@EXCH01.corp.example:444/mapi/emsmdb/?#"),
    SPN("ServerInfo~a]@EXCH01.corp.example:444/ecp/proxyLogon.ecp?#"),
    SPN("ServerInfo~a]@EXCH01.corp.example:444/ecp/DDI/DDIService.svc/"
        "SetObject?msExchEcpCanary=Zr4T9wQ1xY6uV3bN8mK2jH5gF7dS0aLp&schema="
        "OABVirtualDirectory#"),
};

/* Columns of one HttpProxy line; static columns are set once. */
typedef struct hp_row {
  span col[GEN_HP_NCOLS];
} hp_row;

static void hp_row_init(hp_row *h) {
  for (int i = 0; i < GEN_HP_NCOLS; i++)
    h->col[i] = SPN("");
  h->col[GEN_HP_MajorVersion] = SPN("15");
  h->col[GEN_HP_MinorVersion] = SPN("1");
  h->col[GEN_HP_BuildVersion] = SPN("2176");
  h->col[GEN_HP_RevisionVersion] = SPN("2");
  h->col[GEN_HP_ServerHostName] = SPN("EXCH01");
  h->col[GEN_HP_ProxyAction] = SPN("Proxy");
  h->col[GEN_HP_TargetServer] = SPN("exch01.corp.example");
  h->col[GEN_HP_TargetServerVersion] = SPN("15.01.2176.002");
  h->col[GEN_HP_RoutingType] = SPN("IntraForest");
  h->col[GEN_HP_ServerLocatorHost] = SPN("exch01.corp.example");
  h->col[GEN_HP_ServerLocatorLatency] = SPN("0");
  h->col[GEN_HP_TargetOutstandingRequests] = SPN("0");
  h->col[GEN_HP_HttpPipelineLatency] = SPN("0");
  h->col[GEN_HP_CalculateTargetBackEndLatency] = SPN("1");
  h->col[GEN_HP_ModuleToHandlerSwitchingLatency] = SPN("0");
  h->col[GEN_HP_ClientReqStreamLatency] = SPN("0");
  h->col[GEN_HP_BackendReqInitLatency] = SPN("0");
  h->col[GEN_HP_BackendReqStreamLatency] = SPN("1");
  h->col[GEN_HP_BackendRespInitLatency] = SPN("0");
  h->col[GEN_HP_ClientRespStreamLatency] = SPN("0");
  h->col[GEN_HP_KerberosAuthHeaderLatency] = SPN("0");
  h->col[GEN_HP_HandlerCompletionLatency] = SPN("0");
  h->col[GEN_HP_RequestHandlerLatency] = SPN("0");
  h->col[GEN_HP_HandlerToModuleSwitchingLatency] = SPN("0");
  h->col[GEN_HP_CoreLatency] = SPN("1");
  h->col[GEN_HP_RoutingLatency] = SPN("0");
  h->col[GEN_HP_HttpProxyOverhead] = SPN("1");
}

static size_t hp_line(char *p0, hp_row *h, const tclock *k, const hp_tpl *t,
                      const pools *pl, gen_rng *r, int attack,
                      uint64_t attack_no) {
  char guid[36], nums[4][10], info[160];
  span num[4];
  uint64_t x = gen_rng_next(r);
  put_guid(guid, r);
  uint32_t v[4] = {200 + (uint32_t)(x % 4000), 300 + (uint32_t)((x >> 12) % 60000),
                   5 + (uint32_t)((x >> 28) % 700), 0};
  v[3] = v[2] > 1 ? v[2] - 1 : 0;
  for (int i = 0; i < 4; i++)
    num[i] = (span){nums[i], (uint32_t)(put_u(nums[i], v[i]) - nums[i])};

  char *q = info;
  q = put(q, SPN("BeginRequest="));
  memcpy(q, k->iso, 24);
  q += 24;
  q = put(q, SPN(";CorrelationID=<empty>;ProxyState-Run=None;"
                 "ProxyState-Complete=ProxyResponseData;"));

  span *c = h->col;
  c[GEN_HP_DateTime] = (span){k->iso, 24};
  c[GEN_HP_RequestId] = (span){guid, 36};
  c[GEN_HP_Protocol] = t->proto;
  c[GEN_HP_UrlHost] = t->host;
  c[GEN_HP_UrlStem] = t->stem;
  c[GEN_HP_ProtocolAction] = t->action;
  c[GEN_HP_AuthenticationType] = t->auth;
  c[GEN_HP_Method] = t->method;
  c[GEN_HP_RoutingHint] = t->hint;
  c[GEN_HP_HttpStatus] = t->status;
  c[GEN_HP_BackEndStatus] = t->status;
  c[GEN_HP_UrlQuery] = t->query;
  c[GEN_HP_RequestBytes] = num[0];
  c[GEN_HP_ResponseBytes] = num[1];
  c[GEN_HP_ActivityContextLifeTime] = num[2];
  c[GEN_HP_ProxyTime] = num[2];
  c[GEN_HP_TotalRequestTime] = num[2];
  c[GEN_HP_BackendProcessingLatency] = num[3];
  c[GEN_HP_GenericInfo] = (span){info, (uint32_t)(q - info)};
  if (attack) {
    c[GEN_HP_IsAuthenticated] = SPN("false");
    c[GEN_HP_AuthenticatedUser] = SPN("");
    c[GEN_HP_AnchorMailbox] = hp_atk_anchor[attack_no % 3];
    c[GEN_HP_UserAgent] = SPN("python-requests/2.25.1");
    c[GEN_HP_ClientIpAddress] = SPN("203.0.113.66");
    c[GEN_HP_RoutingHint] = SPN("X-BEResource-Cookie");
    c[GEN_HP_AuthenticationType] = SPN("");
    if (attack_no % 3 == 1) {
      c[GEN_HP_HttpStatus] = SPN("241");
      c[GEN_HP_BackEndStatus] = SPN("241");
    }
  } else {
    size_t ui = (x >> 40) % NUSER;
    c[GEN_HP_IsAuthenticated] = t->authed ? SPN("true") : SPN("false");
    c[GEN_HP_AuthenticatedUser] = t->authed ? pl->dom[ui] : SPN("");
    c[GEN_HP_AnchorMailbox] = pl->anchor[ui];
    c[GEN_HP_UserAgent] = ua_hp[t->ua];
    c[GEN_HP_ClientIpAddress] = t->external ? pl->ip_ext[(x >> 50) % NIP_EXT]
                                            : pl->ip_int[(x >> 50) % NIP_INT];
  }
  char *p = p0;
  for (int i = 0; i < GEN_HP_NCOLS; i++) {
    p = put(p, c[i]);
    *p++ = ',';
  }
  p[-1] = '\r';
  *p++ = '\n';
  return (size_t)(p - p0);
}

/* ---- driver -------------------------------------------------------------- */

typedef struct kind_stats {
  unsigned files;
  uint64_t bytes, lines, attacks;
} kind_stats;

typedef struct bench {
  pools pl;
  unsigned char iis_pick[256], hp_pick[256];
  hp_row row;
  char *buf;
} bench;

/* Writes one file of about `target` bytes covering one day. */
static int bench_file(bench *b, const char *path, int is_iis, unsigned day,
                      uint64_t target, uint64_t seed, kind_stats *st) {
  wbuf w;
  if (wb_open(&w, path, b->buf) != 0)
    return -1;
  gen_rng r;
  gen_rng_seed(&r, seed);
  int64_t t = gen_time_utc(2021, 3, (int)day, 0, 0, 0) * 1000;
  const int64_t t0 = t, t_end = t + 86400000 - 1;
  const double day_ms = 86400000.0;
  tclock k = {.sec = -1};
  clock_set(&k, t);

  if (is_iis) {
    wb_puts(&w, "#Software: Microsoft Internet Information Services 10.0\r\n"
                "#Version: 1.0\r\n#Date: ");
    wb_puts(&w, k.iis);
    wb_puts(&w, "\r\n#Fields: ");
    wb_puts(&w, gen_iis_fields(GEN_IIS_BASIC));
    wb_puts(&w, "\r\n");
  } else {
    wb_hp_fields(&w);
    wb_puts(&w, "\r\n#Software: Microsoft Exchange Server\r\n"
                "#Version: 15.01.2176.002\r\n#Log-type: HttpProxy Logs\r\n"
                "#Date: ");
    wb_puts(&w, k.iso);
    wb_puts(&w, "\r\n#Fields: ");
    wb_hp_fields(&w);
    wb_puts(&w, "\r\n");
  }

  uint64_t next_attack = target / (ATTACKS_PER_FILE + 1);
  unsigned attacks = 0;
  uint64_t lines = 0;
  while (w.bytes < target && !w.err) {
    int attack = attacks < ATTACKS_PER_FILE && w.bytes >= next_attack;
    char *p = wb_room(&w);
    if (w.err)
      break;
    size_t n;
    uint64_t x = gen_rng_next(&r);
    if (is_iis) {
      const iis_tpl *tp = attack ? &iis_atk[attacks == 2]
                                 : &iis_tpls[b->iis_pick[x & 255]];
      n = iis_line(p, &k, tp, &b->pl, &r, attack);
    } else {
      const hp_tpl *tp = &hp_tpls[b->hp_pick[x & 255]];
      n = hp_line(p, &b->row, &k, tp, &b->pl, &r, attack, attacks);
    }
    wb_commit(&w, n);
    lines++;
    if (attack) {
      attacks++;
      next_attack = target / (ATTACKS_PER_FILE + 1) * (attacks + 1);
    }
    /* Time follows the share of the file written: one day per file. */
    int64_t tn = t0 + (int64_t)(day_ms * (double)w.bytes / (double)target);
    t = tn < t_end ? tn : t_end;
    clock_set(&k, t);
  }
  int rc = wb_close(&w);
  st->files++;
  st->bytes += w.bytes;
  st->lines += lines;
  st->attacks += attacks;
  return rc;
}

static int bench_kind(bench *b, const char *dir, int is_iis, uint64_t bytes,
                      uint64_t seed, kind_stats *st) {
  uint64_t nfiles = (bytes + GEN_BENCH_FILE_MAX - 1) / GEN_BENCH_FILE_MAX;
  if (nfiles == 0)
    nfiles = 1;
  for (uint64_t i = 0; i < nfiles; i++) {
    uint64_t per = bytes / nfiles + (i == nfiles - 1 ? bytes % nfiles : 0);
    unsigned day = 1 + (unsigned)(i % 31);
    char path[GEN_PATH_MAX];
    int n = is_iis ? snprintf(path, sizeof path, "%s/iis/u_ex2103%02u_%llu.log",
                              dir, day, (unsigned long long)i)
                   : snprintf(path, sizeof path,
                              "%s/httpproxy/HttpProxy_202103%02u00_%llu.LOG",
                              dir, day, (unsigned long long)i);
    if (n < 0 || (size_t)n >= sizeof path) {
      fprintf(stderr, "spoor-gen: path too long under %s\n", dir);
      return -1;
    }
    uint64_t fseed = seed * UINT64_C(0x9e3779b97f4a7c15) + i * 2 + (is_iis ? 0 : 1);
    if (bench_file(b, path, is_iis, day, per, fseed, st) != 0)
      return -1;
  }
  return 0;
}

int gen_bench_run(const char *dir, uint64_t size, uint64_t seed) {
  if (size < (64u << 10) || size > GEN_BENCH_MAX_SIZE) {
    fprintf(stderr, "spoor-gen: --size must be between 64K and 1T\n");
    return -1;
  }
  int usable = gen_dir_usable(dir);
  if (usable <= 0) {
    fprintf(stderr, "spoor-gen: %s must not exist or be an empty directory\n",
            dir);
    return -1;
  }
  if (gen_mkdirs(dir) != 0)
    return -1;
  bench *b = calloc(1, sizeof *b);
  char *buf = malloc(WBUF_CAP);
  if (!b || !buf) {
    fprintf(stderr, "spoor-gen: out of memory\n");
    free(b);
    free(buf);
    return -1;
  }
  b->buf = buf;
  pools_init(&b->pl);
  hp_row_init(&b->row);
  int wi[sizeof iis_tpls / sizeof iis_tpls[0]];
  for (size_t i = 0; i < sizeof wi / sizeof wi[0]; i++)
    wi[i] = iis_tpls[i].weight;
  build_pick(b->iis_pick, wi, sizeof wi / sizeof wi[0]);
  int wh[sizeof hp_tpls / sizeof hp_tpls[0]];
  for (size_t i = 0; i < sizeof wh / sizeof wh[0]; i++)
    wh[i] = hp_tpls[i].weight;
  build_pick(b->hp_pick, wh, sizeof wh / sizeof wh[0]);

  struct timespec t0, t1;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  kind_stats iis = {0}, hp = {0};
  uint64_t hp_bytes = size / 2;
  int rc = bench_kind(b, dir, 1, size - hp_bytes, seed, &iis);
  if (rc == 0)
    rc = bench_kind(b, dir, 0, hp_bytes, seed, &hp);
  clock_gettime(CLOCK_MONOTONIC, &t1);
  double secs = (double)(t1.tv_sec - t0.tv_sec) +
                (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
  if (rc == 0) {
    uint64_t total = iis.bytes + hp.bytes;
    printf("iis        files=%u bytes=%llu lines=%llu attack_lines=%llu\n",
           iis.files, (unsigned long long)iis.bytes,
           (unsigned long long)iis.lines, (unsigned long long)iis.attacks);
    printf("httpproxy  files=%u bytes=%llu lines=%llu attack_lines=%llu\n",
           hp.files, (unsigned long long)hp.bytes,
           (unsigned long long)hp.lines, (unsigned long long)hp.attacks);
    printf("total      bytes=%llu in %.2f s (%.0f MB/s)\n",
           (unsigned long long)total, secs,
           secs > 0 ? (double)total / 1e6 / secs : 0.0);
  }
  free(buf);
  free(b);
  return rc;
}
