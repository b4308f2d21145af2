/* gen_case_bg.c - benign background traffic of `spoor-gen case`: nine days
 * (2021-02-26 .. 2021-03-06) of an Exchange 2016 server used by 50 internal
 * mailbox users, their phones, an administrator, Exchange's own health
 * probes and internet background noise.
 *
 * One request (struct req) becomes a frontend IIS line (W3SVC1, 443),
 * usually a backend IIS line (W3SVC2, 444) and, for OWA, ECP and
 * Autodiscover, an HttpProxy line, with a shared cafeReqId. Nothing here is
 * malicious; several requests are deliberate near-misses of attack
 * patterns (Negotiate 401 handshakes, the odd mistyped password, GET of
 * .js files under /ecp/, DDIService calls with other schemas, an administrator's
 * Get/Set-OabVirtualDirectory with a normal URL, Database~ backend
 * cookies). All randomness comes from the case PRNG. */
#include <stdio.h>
#include <string.h>

#include "gen_case.h"

#define NUSERS 50
#define ADMIN_SAM "exadmin"
#define ADMIN_IP "10.1.2.50"
#define HEALTH_USER "CORP\\HealthMailbox8f3a1c2d9b7e4f60a5d1c3e2b4f6a8c0"
#define UA_PROBE "AMProbe/Local/ClientAccess"

static const char *const first_names[NUSERS] = {
    "alice", "bob", "carol", "david", "erin", "frank", "grace", "henry",
    "irene", "jack", "karen", "leo", "maria", "nina", "oscar", "paula",
    "quentin", "rita", "sam", "tina", "ulrich", "vera", "walter", "xenia",
    "yusuf", "zoe", "adam", "beth", "chris", "diana", "emil", "fiona",
    "georg", "hanna", "ivan", "julia", "kevin", "lena", "marco", "nora",
    "otto", "petra", "ralf", "sofia", "tom", "uta", "viktor", "wendy",
    "yara", "zack"};
static const char *const last_names[NUSERS] = {
    "meyer", "schmidt", "jones", "brown", "weber", "fischer", "wagner",
    "becker", "hoffmann", "koch", "richter", "klein", "wolf", "neumann",
    "schwarz", "braun", "zimmer", "hartmann", "krueger", "lange", "werner",
    "lehmann", "koehler", "maier", "walter", "peters", "koenig", "fuchs",
    "scholz", "moeller", "jung", "keller", "vogel", "roth", "beck", "lorenz",
    "frank", "berger", "kaiser", "winter", "sommer", "haas", "graf", "ziegler",
    "kuhn", "pohl", "engel", "horn", "busch", "bauer"};

static char user_sams[NUSERS][32];

static void init_sams(void) {
  for (size_t i = 0; i < NUSERS; i++)
    snprintf(user_sams[i], sizeof user_sams[i], "%s.%s", first_names[i],
             last_names[i]);
}

size_t gen_case_nusers(void) { return NUSERS; }

const char *gen_case_user_sam(size_t i) {
  if (!user_sams[0][0])
    init_sams();
  return i < NUSERS ? user_sams[i] : "";
}

static const char *const ua_outlook[] = {
    "Microsoft Office/16.0 (Windows NT 10.0; Microsoft Outlook 16.0.13801; Pro)",
    "Microsoft Office/16.0 (Windows NT 10.0; Microsoft Outlook 16.0.13628; Pro)",
    "Microsoft Office/16.0 (Windows NT 10.0; Microsoft Outlook 16.0.5122; Pro)",
};
static const char *const ua_browser[] = {
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, "
    "like Gecko) Chrome/88.0.4324.182 Safari/537.36",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, "
    "like Gecko) Chrome/88.0.4324.190 Safari/537.36 Edg/88.0.705.81",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:86.0) Gecko/20100101 "
    "Firefox/86.0",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 11_2_1) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/14.0.3 Safari/605.1.15",
};
static const struct {
  const char *ua, *type;
} phones[] = {
    {"Apple-iPhone12C1/1804.65", "iPhone"},
    {"Apple-iPhone11C8/1803.88", "iPhone"},
    {"Android-SAMSUNG-SM-G973F/101.10.01", "SAMSUNGSMG973F"},
    {"Outlook-iOS-Android/1.0", "Outlook"},
};
static const char *const ua_bots[] = {
    "Mozilla/5.0 (compatible; CensysInspect/1.1; +https://about.censys.io/)",
    "Expanse, a Palo Alto Networks company, searches across the global IPv4 "
    "space multiple times per day to identify customers' presences on the "
    "Internet. If you would like to be excluded from our scans, please send "
    "IP addresses/domains to: scaninfo@paloaltonetworks.com",
    "Mozilla/5.0 (Windows NT 6.1; WOW64; rv:45.0) Gecko/20100101 Firefox/45.0",
    "curl/7.68.0",
};

typedef struct user {
  const char *sam;
  char ip[16], ext_ip[16];
  unsigned rid;
  char mbx[37];
  const char *ua_ol, *ua_br;
  int phone; /* -1 none, else index into phones */
  char device[33];
  int upn_login; /* 1: logs on as UPN, 0: as CORP\sam */
} user;

typedef struct bg {
  gen_case *c;
  user users[NUSERS];
  char db[2][37];
} bg;

/* One request through the Exchange frontend. */
typedef struct req {
  int64_t t;
  const char *method, *stem, *query; /* query without the CAFE items */
  const char *fe_user, *cip, *ua;
  unsigned status, sub, w32, taken;
  int no_cafe;         /* non-Exchange path: cs-uri-query as given */
  const char *be_stem; /* backend line if set */
  const char *be_user;
  const char *hp_proto; /* HttpProxy line if set */
  const char *host, *anchor, *auth_type, *hp_user, *action, *hint, *cookie;
} req;

static int64_t day_start(int i) {
  return (gen_time_utc(2021, 2, 26, 0, 0, 0) + (int64_t)i * 86400) * 1000;
}

static uint32_t rb(bg *b, uint32_t n) { return gen_rng_below(&b->c->rng, n); }

static void emit(bg *b, const req *r) {
  gen_case *c = b->c;
  char g[37];
  gen_rng_guid(&c->rng, g);
  const char *q;
  if (r->no_cafe)
    q = r->query ? r->query : "-";
  else
    q = gen_case_fmt(c, "%s&CorrelationID=<empty>;&cafeReqId=%s;",
                     r->query ? r->query : "", g);
  unsigned taken = r->taken ? r->taken : 5 + rb(b, 250);
  gen_iis_rec fe = {.t_ms = r->t, .method = r->method, .stem = r->stem,
                    .query = q, .user = r->fe_user, .cip = r->cip, .ua = r->ua,
                    .status = r->status, .substatus = r->sub, .win32 = r->w32,
                    .taken = taken, .host = r->host,
                    .sc_bytes = 250 + rb(b, 20000),
                    .cs_bytes = 300 + rb(b, 2500)};
  gen_case_iis(c, 1, &fe, 0, NULL);
  if (r->be_stem) {
    gen_iis_rec be = {.t_ms = r->t - (taken > 4 ? 2 : 0), .method = r->method,
                      .stem = r->be_stem, .query = q, .user = r->be_user,
                      .cip = GEN_SERVER_IP, .ua = r->ua, .status = r->status,
                      .taken = taken > 4 ? taken - 3 : taken,
                      .host = GEN_SERVER_FQDN_LC,
                      .sc_bytes = fe.sc_bytes, .cs_bytes = fe.cs_bytes};
    gen_case_iis(c, 2, &be, 0, NULL);
  }
  if (r->hp_proto) {
    gen_hp_req h = {.t_ms = r->t - 1, .proto = r->hp_proto, .host = r->host,
                    .stem = r->stem,
                    .query = r->query ? gen_case_fmt(c, "?%s", r->query) : NULL,
                    .action = r->action, .auth_type = r->auth_type,
                    .user = r->hp_user, .authed = r->hp_user != NULL,
                    .anchor = r->anchor, .ua = r->ua, .cip = r->cip,
                    .method = r->method, .status = r->status,
                    .be_status = r->be_stem ? r->status : 0,
                    .routing_hint = r->hint, .be_cookie = r->cookie,
                    .req_bytes = fe.cs_bytes, .resp_bytes = fe.sc_bytes,
                    .total_ms = taken};
    gen_case_hp(c, &h, 0, NULL);
  }
}

static const char *dom_user(bg *b, const user *u) {
  return gen_case_fmt(b->c, GEN_NETBIOS "\\%s", u->sam);
}

static const char *login(bg *b, const user *u) {
  return u->upn_login ? gen_case_fmt(b->c, "%s@" GEN_DOMAIN, u->sam)
                      : dom_user(b, u);
}

static const char *sid_anchor(bg *b, const user *u) {
  return gen_case_fmt(b->c, "Sid~" GEN_SID_PREFIX "-%u", u->rid);
}

static const char *db_cookie(bg *b, const user *u, int64_t t) {
  char iso[25];
  gen_fmt_iso_ms(iso, t - 3600000 * (int64_t)rb(b, 5));
  iso[19] = '\0';
  return gen_case_fmt(b->c, "Database~%s~~%s", b->db[u->rid & 1], iso);
}

static const char *canary(bg *b) {
  char s[80];
  gen_rng_str(&b->c->rng, s, 75,
              "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_");
  s[75] = '.';
  s[76] = '\0';
  return gen_case_str(b->c, s);
}

static void ecp_line(bg *b, int64_t t, const char *cmd, const char *url,
                     const char *referrer) {
  char sid[37], act[37], ms[12];
  gen_rng_guid(&b->c->rng, sid);
  gen_rng_guid(&b->c->rng, act);
  snprintf(ms, sizeof ms, "%u", 8 + rb(b, 300));
  gen_kv kv[] = {{"TIME", ms},       {"SID", sid},  {"CMD", cmd},
                 {"REQID", ""},      {"URL", url},  {"REFERRER", referrer},
                 {"EX", ""},         {"ACTID", act}, {"RS", "0"},
                 {"BLD", GEN_EX_BUILD}};
  gen_case_ecp(b->c, t, kv, sizeof kv / sizeof kv[0], 0, NULL);
}

/* ---- clients ------------------------------------------------------------- */

static void outlook_start(bg *b, const user *u, int64_t t) {
  const char *mq = gen_case_fmt(b->c, "mailboxId=%s@" GEN_DOMAIN, u->mbx);
  /* Negotiate: the first request is answered 401 without a user. */
  emit(b, &(req){.t = t, .method = "POST", .stem = "/autodiscover/autodiscover.xml",
                 .cip = u->ip, .ua = u->ua_ol, .status = 401, .sub = 2,
                 .w32 = 5, .host = GEN_AUTOD_HOST});
  emit(b, &(req){.t = t + 180, .method = "POST",
                 .stem = "/autodiscover/autodiscover.xml",
                 .fe_user = dom_user(b, u), .cip = u->ip, .ua = u->ua_ol,
                 .status = 200, .be_stem = "/Autodiscover/Autodiscover.xml",
                 .be_user = dom_user(b, u), .hp_proto = "Autodiscover",
                 .host = GEN_AUTOD_HOST,
                 .anchor = gen_case_fmt(b->c, "Smtp~%s@" GEN_DOMAIN, u->sam),
                 .auth_type = "Negotiate", .hp_user = dom_user(b, u),
                 .hint = "Url"});
  emit(b, &(req){.t = t + 1400, .method = "POST", .stem = "/mapi/emsmdb/",
                 .query = mq, .cip = u->ip, .ua = u->ua_ol, .status = 401,
                 .sub = 2, .w32 = 5});
  for (int i = 0; i < 2; i++)
    emit(b, &(req){.t = t + 1700 + i * 900, .method = "POST",
                   .stem = i ? "/mapi/nspi/" : "/mapi/emsmdb/", .query = mq,
                   .fe_user = dom_user(b, u), .cip = u->ip, .ua = u->ua_ol,
                   .status = 200, .be_stem = i ? "/mapi/nspi/" : "/mapi/emsmdb/",
                   .be_user = dom_user(b, u)});
}

static void outlook_poll(bg *b, const user *u, int64_t t) {
  if (rb(b, 5) == 0)
    emit(b, &(req){.t = t, .method = "POST", .stem = "/EWS/Exchange.asmx",
                   .fe_user = dom_user(b, u), .cip = u->ip, .ua = u->ua_ol,
                   .status = 200, .be_stem = "/EWS/Exchange.asmx",
                   .be_user = dom_user(b, u)});
  else
    emit(b, &(req){.t = t, .method = "POST", .stem = "/mapi/emsmdb/",
                   .query = gen_case_fmt(b->c, "mailboxId=%s@" GEN_DOMAIN,
                                         u->mbx),
                   .fe_user = dom_user(b, u), .cip = u->ip, .ua = u->ua_ol,
                   .status = 200, .taken = 20 + rb(b, 900),
                   .be_stem = "/mapi/emsmdb/", .be_user = dom_user(b, u)});
}

static void owa_session(bg *b, const user *u, int64_t t, const char *ip) {
  static const char *const actions[] = {
      "GetFolder", "FindItem", "GetItem", "GetConversationItems",
      "FindConversation", "GetCalendarFolders", "SubscribeToNotification",
      "GetOwaUserConfiguration"};
  const char *ua = u->ua_br, *du = dom_user(b, u);
  const char *anchor = rb(b, 2) ? sid_anchor(b, u)
                                : gen_case_fmt(b->c, "Smtp~%s@" GEN_DOMAIN,
                                               u->sam);
  emit(b, &(req){.t = t, .method = "GET", .stem = "/owa/", .cip = ip,
                 .ua = ua, .status = 302});
  emit(b, &(req){.t = t + 40, .method = "GET", .stem = "/owa/auth/logon.aspx",
                 .query = "url=https%3a%2f%2fmail.corp.example%2fowa%2f&reason=0",
                 .cip = ip, .ua = ua, .status = 200});
  emit(b, &(req){.t = t + 300, .method = "GET",
                 .stem = "/owa/auth/15.1.2176/themes/resources/favicon.ico",
                 .cip = ip, .ua = ua, .status = 200});
  emit(b, &(req){.t = t + 420, .method = "GET",
                 .stem = "/owa/auth/15.1.2176/scripts/premium/flogon.js",
                 .cip = ip, .ua = ua, .status = 200});
  t += 9000 + rb(b, 6000);
  emit(b, &(req){.t = t, .method = "POST", .stem = "/owa/auth.owa",
                 .fe_user = login(b, u), .cip = ip, .ua = ua, .status = 302});
  emit(b, &(req){.t = t + 500, .method = "GET", .stem = "/owa/",
                 .fe_user = du, .cip = ip, .ua = ua, .status = 200,
                 .be_stem = "/owa/", .be_user = du, .hp_proto = "Owa",
                 .anchor = anchor, .auth_type = "Forms", .hp_user = du,
                 .hint = "Sid-Cookie", .cookie = db_cookie(b, u, t)});
  int n = 3 + (int)rb(b, 6);
  for (int i = 0; i < n; i++) {
    t += 2000 + rb(b, 240000);
    const char *act = actions[rb(b, sizeof actions / sizeof actions[0])];
    emit(b, &(req){.t = t, .method = "POST", .stem = "/owa/service.svc",
                   .query = gen_case_fmt(b->c, "action=%s&app=Mail&n=%d", act,
                                         i + 1),
                   .fe_user = du, .cip = ip, .ua = ua, .status = 200,
                   .be_stem = "/owa/service.svc", .be_user = du,
                   .hp_proto = "Owa", .anchor = anchor, .auth_type = "Forms",
                   .hp_user = du, .action = act, .hint = "Sid-Cookie",
                   .cookie = db_cookie(b, u, t)});
  }
  if (rb(b, 3) == 0)
    emit(b, &(req){.t = t + 60000, .method = "GET", .stem = "/owa/logoff.owa",
                   .fe_user = du, .cip = ip, .ua = ua, .status = 302,
                   .be_stem = "/owa/logoff.owa", .be_user = du,
                   .hp_proto = "Owa", .anchor = anchor, .auth_type = "Forms",
                   .hp_user = du, .hint = "Sid-Cookie"});
}

/* A user opening OWA options (ECP): inbox rules, maybe auto-reply. */
static void ecp_options(bg *b, const user *u, int64_t t) {
  const char *ua = u->ua_br, *du = dom_user(b, u), *cn = canary(b);
  const char *anchor = sid_anchor(b, u);
  const char *ref = "https://mail.corp.example/owa/";
  emit(b, &(req){.t = t, .method = "GET", .stem = "/ecp/",
                 .query = "rfr=owa&p=customize/options.aspx", .fe_user = du,
                 .cip = u->ip, .ua = ua, .status = 200, .be_stem = "/ecp/",
                 .be_user = du, .hp_proto = "Ecp", .anchor = anchor,
                 .auth_type = "Forms", .hp_user = du, .hint = "Sid-Cookie"});
  emit(b, &(req){.t = t + 350, .method = "GET",
                 .stem = "/ecp/15.1.2176/scripts/microsoft.exchange.controlpanel."
                         "client.owaoptions.js",
                 .fe_user = du, .cip = u->ip, .ua = ua, .status = 200});
  t += 4000 + rb(b, 20000);
  const char *q = gen_case_fmt(b->c, "msExchEcpCanary=%s", cn);
  emit(b, &(req){.t = t, .method = "POST",
                 .stem = "/ecp/RulesEditor/InboxRules.svc/GetList", .query = q,
                 .fe_user = du, .cip = u->ip, .ua = ua, .status = 200,
                 .be_stem = "/ecp/RulesEditor/InboxRules.svc/GetList",
                 .be_user = du, .hp_proto = "Ecp", .anchor = anchor,
                 .auth_type = "Forms", .hp_user = du, .hint = "Sid-Cookie"});
  ecp_line(b, t - 30,
           gen_case_fmt(b->c, "Get-InboxRule.Mailbox='%s@" GEN_DOMAIN "'",
                        u->sam),
           gen_case_fmt(b->c, "/ecp/RulesEditor/InboxRules.svc/GetList?%s", q),
           ref);
  if (rb(b, 3) == 0) {
    t += 30000 + rb(b, 90000);
    const char *sq = gen_case_fmt(
        b->c, "schema=MailboxAutoReplyConfiguration&msExchEcpCanary=%s", cn);
    emit(b, &(req){.t = t, .method = "POST",
                   .stem = "/ecp/DDI/DDIService.svc/SetObject", .query = sq,
                   .fe_user = du, .cip = u->ip, .ua = ua, .status = 200,
                   .be_stem = "/ecp/DDI/DDIService.svc/SetObject", .be_user = du,
                   .hp_proto = "Ecp", .anchor = anchor, .auth_type = "Forms",
                   .hp_user = du, .hint = "Sid-Cookie"});
    ecp_line(b, t - 40,
             gen_case_fmt(b->c,
                          "Set-MailboxAutoReplyConfiguration.Identity='%s'."
                          "AutoReplyState=Enabled.InternalMessage='Out of "
                          "office; back on Monday. Urgent: call the \"helpdesk"
                          "\".'",
                          u->sam),
             gen_case_fmt(b->c, "/ecp/DDI/DDIService.svc/SetObject?%s", sq),
             ref);
  }
}

static void eas(bg *b, const user *u, int64_t t, const char *ip,
                const char *cmd, unsigned status) {
  const char *q = gen_case_fmt(b->c, "Cmd=%s&User=%s&DeviceId=%s&DeviceType=%s",
                               cmd, u->sam, u->device, phones[u->phone].type);
  unsigned taken = strcmp(cmd, "Ping") == 0 && status == 200
                       ? 470000 + rb(b, 420000)
                       : 40 + rb(b, 600);
  const char *who = login(b, u);
  if (status == 401)
    emit(b, &(req){.t = t, .method = "POST",
                   .stem = "/Microsoft-Server-ActiveSync/default.eas",
                   .query = q, .fe_user = who, .cip = ip,
                   .ua = phones[u->phone].ua, .status = 401, .sub = 1,
                   .w32 = 1326, .taken = taken});
  else
    emit(b, &(req){.t = t, .method = "POST",
                   .stem = "/Microsoft-Server-ActiveSync/default.eas",
                   .query = q, .fe_user = who, .cip = ip,
                   .ua = phones[u->phone].ua, .status = status, .taken = taken,
                   .be_stem = "/Microsoft-Server-ActiveSync/Proxy/default.eas",
                   .be_user = dom_user(b, u)});
}

static void phone_day(bg *b, const user *u, int64_t day) {
  int64_t t = day + (6 * 3600 + (int64_t)rb(b, 7200)) * 1000;
  int64_t end = day + (21 * 3600 + (int64_t)rb(b, 7200)) * 1000;
  /* After a password change a phone may retry its old password once or
   * twice before the user updates it: benign 401s with a user name. */
  if (rb(b, 40) == 0) {
    int n = 1 + (int)rb(b, 2);
    for (int i = 0; i < n; i++)
      eas(b, u, t + i * 30000, u->ext_ip, "Sync", 401);
    t += 600000;
  }
  eas(b, u, t, u->ext_ip, "FolderSync", 200);
  while (t < end) {
    t += (60 * 60 + (int64_t)rb(b, 3600)) * 1000;
    const char *ip = rb(b, 2) ? u->ext_ip : u->ip;
    eas(b, u, t, ip, rb(b, 4) ? "Ping" : "Sync", 200);
  }
}

static void user_day(bg *b, const user *u, int64_t day, int weekend) {
  if (u->phone >= 0)
    phone_day(b, u, day);
  if (weekend ? rb(b, 10) != 0 : rb(b, 100) >= 88 && rb(b, 2))
    return; /* not at the desk today */
  int64_t start = day + (7 * 3600 + 1800 + (int64_t)rb(b, 5400)) * 1000;
  int64_t end = start + (weekend ? 2 * 3600 : 8 * 3600 + (int64_t)rb(b, 7200)) *
                            (int64_t)1000;
  outlook_start(b, u, start);
  for (int64_t t = start + 600000; t < end;
       t += (60 * 60 + (int64_t)rb(b, 5400)) * 1000)
    outlook_poll(b, u, t);
  if (rb(b, 5) == 0) {
    int64_t t = start + (int64_t)rb(b, (uint32_t)((end - start) / 1000)) * 1000;
    owa_session(b, u, t, rb(b, 8) ? u->ip : u->ext_ip);
  }
  if (!weekend && rb(b, 16) == 0)
    ecp_options(b, u, start + (int64_t)rb(b, 6 * 3600) * 1000);
}

/* ---- the administrator, probes, internet noise, OAB generation ----------- */

static void admin_session(bg *b, int64_t t, int oab_fix) {
  const char *du = GEN_NETBIOS "\\" ADMIN_SAM, *cn = canary(b);
  const char *ua = ua_browser[0];
  const char *anchor = gen_case_fmt(b->c, "Sid~" GEN_SID_PREFIX "-%u", 1108u);
  const char *ref = "https://mail.corp.example/ecp/";
  emit(b, &(req){.t = t, .method = "GET", .stem = "/ecp/", .fe_user = du,
                 .cip = ADMIN_IP, .ua = ua, .status = 200, .be_stem = "/ecp/",
                 .be_user = du, .hp_proto = "Ecp", .anchor = anchor,
                 .auth_type = "Forms", .hp_user = du, .hint = "Sid-Cookie"});
  static const struct {
    const char *schema, *op, *cmd;
  } calls[] = {
      {"Mailboxes", "GetList", "Get-Mailbox.ResultSize=500"},
      {"MailboxStatistics", "GetObject",
       "Get-MailboxStatistics.Identity='alice.meyer'"},
      {"DistributionGroups", "GetList", "Get-DistributionGroup.ResultSize=500"},
  };
  size_t n = oab_fix ? 0 : 1 + rb(b, 3);
  for (size_t i = 0; i < n; i++) {
    t += 5000 + rb(b, 60000);
    const char *q = gen_case_fmt(b->c, "schema=%s&msExchEcpCanary=%s",
                                 calls[i].schema, cn);
    const char *stem =
        gen_case_fmt(b->c, "/ecp/DDI/DDIService.svc/%s", calls[i].op);
    emit(b, &(req){.t = t, .method = "POST", .stem = stem, .query = q,
                   .fe_user = du, .cip = ADMIN_IP, .ua = ua, .status = 200,
                   .be_stem = stem, .be_user = du, .hp_proto = "Ecp",
                   .anchor = anchor, .auth_type = "Forms", .hp_user = du,
                   .hint = "Sid-Cookie"});
    ecp_line(b, t - 25, calls[i].cmd, gen_case_fmt(b->c, "%s?%s", stem, q), ref);
  }
  if (!oab_fix)
    return;
  /* The administrator puts the OAB ExternalUrl back: benign look-alike of
   * the CVE-2021-27065 steps (normal URL, admin account, no SSRF marker). */
  const char *q = gen_case_fmt(b->c, "schema=OABVirtualDirectory&msExchEcpCanary=%s", cn);
  const char *ops[2] = {"GetObject", "SetObject"};
  for (int i = 0; i < 2; i++) {
    t += 20000 + rb(b, 60000);
    const char *stem = gen_case_fmt(b->c, "/ecp/DDI/DDIService.svc/%s", ops[i]);
    emit(b, &(req){.t = t, .method = "POST", .stem = stem, .query = q,
                   .fe_user = du, .cip = ADMIN_IP, .ua = ua, .status = 200,
                   .be_stem = stem, .be_user = du, .hp_proto = "Ecp",
                   .anchor = anchor, .auth_type = "Forms", .hp_user = du,
                   .hint = "Sid-Cookie"});
    ecp_line(b, t - 30,
             i ? "Set-OabVirtualDirectory.ExternalUrl='https://" GEN_MAIL_HOST
                 "/OAB'.Identity='" GEN_SERVER "\\OAB (Default Web Site)'"
               : "Get-OabVirtualDirectory.ADPropertiesOnly=$true.Identity=$null",
             gen_case_fmt(b->c, "%s?%s", stem, q), ref);
  }
}

static void health_probes(bg *b, int64_t day) {
  static const struct {
    const char *stem, *be, *proto, *host;
  } p[] = {
      {"/owa/", "/owa/", "Owa", GEN_SERVER_FQDN_LC},
      {"/ecp/", "/ecp/", "Ecp", GEN_SERVER_FQDN_LC},
      {"/autodiscover/autodiscover.xml", "/Autodiscover/Autodiscover.xml",
       "Autodiscover", GEN_SERVER_FQDN_LC},
  };
  for (int h = 0; h < 24; h += 2) {
    int64_t t = day + ((int64_t)h * 3600 + 300 + rb(b, 600)) * 1000;
    for (size_t i = 0; i < sizeof p / sizeof p[0]; i++)
      emit(b, &(req){.t = t + (int64_t)i * 700,
                     .method = i == 2 ? "POST" : "GET", .stem = p[i].stem,
                     .fe_user = HEALTH_USER, .cip = "::1", .ua = UA_PROBE,
                     .status = 200, .be_stem = p[i].be, .be_user = HEALTH_USER,
                     .hp_proto = p[i].proto, .host = p[i].host,
                     .anchor = "Smtp~HealthMailbox8f3a1c2d9b7e4f60a5d1c3e2b4f6a8c0"
                               "@" GEN_DOMAIN,
                     .auth_type = "Negotiate", .hp_user = HEALTH_USER,
                     .hint = "Smtp"});
  }
}

static void internet_noise(bg *b, int64_t day) {
  static const struct {
    const char *method, *stem;
    unsigned status;
    int exchange;
  } hits[] = {
      {"GET", "/", 302, 0},
      {"GET", "/owa/", 302, 1},
      {"GET", "/owa/auth/logon.aspx", 200, 1},
      {"GET", "/robots.txt", 404, 0},
      {"GET", "/favicon.ico", 200, 0},
      {"GET", "/.env", 404, 0},
      {"GET", "/remote/login", 404, 0},
      {"POST", "/autodiscover/autodiscover.xml", 401, 1},
      {"GET", "/owa/auth/15.1.2176/themes/resources/favicon.ico", 200, 1},
  };
  int n = 8 + (int)rb(b, 12);
  for (int i = 0; i < n; i++) {
    int64_t t = day + (int64_t)rb(b, 86400) * 1000;
    size_t k = rb(b, sizeof hits / sizeof hits[0]);
    const char *ip = gen_case_fmt(b->c, "192.0.2.%u", 10 + rb(b, 240));
    unsigned st = hits[k].status;
    emit(b, &(req){.t = t, .method = hits[k].method, .stem = hits[k].stem,
                   .query = k == 2 ? "url=https%3a%2f%2fmail.corp.example%2fowa"
                                     "%2f&reason=0"
                                   : NULL,
                   .no_cafe = !hits[k].exchange, .cip = ip,
                   .ua = ua_bots[rb(b, sizeof ua_bots / sizeof ua_bots[0])],
                   .status = st, .sub = st == 401 ? 2 : (st == 404 ? 0 : 0),
                   .w32 = st == 401 ? 5 : (st == 404 ? 2 : 0)});
  }
}

static void oab_generation(bg *b, int64_t day) {
  int64_t t = day + (2 * 3600 + 5 + (int64_t)rb(b, 60)) * 1000;
  char g[37];
  gen_rng_guid(&b->c->rng, g);
  gen_case_oab(b->c, t,
               "Beginning generation of offline address book "
               "'\\Default Offline Address Book'",
               0, NULL);
  t += 4000 + rb(b, 20000);
  if (rb(b, 3) == 0) {
    gen_case_oab(b->c, t,
                 gen_case_fmt(b->c,
                              "Download failed and temporary file '"
                              GEN_EX_INSTALL "ClientAccess\\OAB\\Temp\\%s\\"
                              "oab.tmp' needs to be removed",
                              g),
                 0, NULL);
    t += 1000 + rb(b, 3000);
  }
  gen_case_oab(b->c, t,
               "Finished generation of offline address book "
               "'\\Default Offline Address Book'. Status: Success",
               0, NULL);
}

void gen_case_background(gen_case *c) {
  static bg b; /* large; one case at a time */
  memset(&b, 0, sizeof b);
  b.c = c;
  init_sams();
  gen_rng_guid(&c->rng, b.db[0]);
  gen_rng_guid(&c->rng, b.db[1]);
  for (size_t i = 0; i < NUSERS; i++) {
    user *u = &b.users[i];
    u->sam = user_sams[i];
    snprintf(u->ip, sizeof u->ip, "10.1.%u.%u", 3 + (unsigned)(i / 25),
             21 + (unsigned)(i % 25) * 9 + rb(&b, 8));
    snprintf(u->ext_ip, sizeof u->ext_ip, "%s%u",
             rb(&b, 2) ? "192.0.2." : "203.0.113.", 10 + rb(&b, 50));
    u->rid = 1110 + (unsigned)i * 3;
    gen_rng_guid(&c->rng, u->mbx);
    u->ua_ol = ua_outlook[rb(&b, 3)];
    u->ua_br = ua_browser[rb(&b, 4)];
    u->phone = rb(&b, 10) < 4 ? (int)rb(&b, 4) : -1;
    gen_rng_str(&c->rng, u->device, 32, "0123456789ABCDEF");
    u->upn_login = rb(&b, 3) == 0;
  }
  for (int d = 0; d < 9 && !c->err; d++) {
    int64_t day = day_start(d);
    int wday = gen_time_wday(day / 1000);
    int weekend = wday == 0 || wday == 6;
    for (size_t i = 0; i < NUSERS; i++)
      user_day(&b, &b.users[i], day, weekend);
    if (!weekend && d != 6)
      admin_session(&b, day + (int64_t)(8 * 3600 + rb(&b, 28800)) * 1000, 0);
    if (d == 6) /* 2021-03-04 */
      admin_session(&b, day + (int64_t)(9 * 3600 + 3000) * 1000, 1);
    health_probes(&b, day);
    internet_noise(&b, day);
    oab_generation(&b, day);
  }
}
