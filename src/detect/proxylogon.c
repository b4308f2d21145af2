/*
 * proxylogon.c - detections for the March 2021 Exchange exploitation chain
 * (ProxyLogon, CVE-2021-26855/26857/26858/27065) on Exchange HttpProxy, ECP
 * Server, OABGenerator and IIS logs, and on the Application event log.
 *
 * Stateless: every event is judged on its own, so there is no merge/on_end
 * (the state holds only field ids).
 * Patterns follow Microsoft's Test-ProxyLogon checks, plus what it misses:
 * the BackEndCookie form Server~(host)/(path)~(n), ECP lines whose URL carries
 * the SSRF artefact, and the IIS frontend/backend sides of the chain.
 * Lower-confidence forms (autodiscover-only, localhost scanners) are kept at
 * a lower level rather than dropped. Also ProxyShell (CVE-2021-34473/34523/
 * 31207, August 2021): the autodiscover.json path confusion in IIS logs and
 * New-MailboxExportRequest to a script file. Each rule's reference is the
 * public source of its pattern.
 */
#include "detect/detector.h"
#include "exchange/cmdlet.h"

#include <stdlib.h>

#define RS "spoor-exchange"
#define AU "spoor"
#define T_EXPLOIT "T1190"
#define T_SHELL "T1505.003"

static const sp_rule r_anchor = {
    "spoor.exchange.cve_2021_26855.anchor_mailbox",
    "ProxyLogon SSRF: HttpProxy AnchorMailbox ServerInfo~*/*",
    RS,
    AU,
    "An HttpProxy request whose AnchorMailbox names a backend URL "
    "(ServerInfo~host/path): the server-side request forgery of "
    "CVE-2021-26855.",
    T_EXPLOIT,
    "CVE-2021-26855",
    SP_LEVEL_HIGH,
    "https://www.microsoft.com/security/blog/2021/03/02/"
    "hafnium-targeting-exchange-servers/"};
static const sp_rule r_cookie = {
    "spoor.exchange.cve_2021_26855.backend_cookie",
    "ProxyLogon SSRF: HttpProxy BackEndCookie Server~*/*~*",
    RS,
    AU,
    "An HttpProxy request whose BackEndCookie names a backend URL: "
    "Microsoft's second CVE-2021-26855 pattern, which Test-ProxyLogon does "
    "not check.",
    T_EXPLOIT,
    "CVE-2021-26855",
    SP_LEVEL_HIGH,
    "https://www.microsoft.com/security/blog/2021/03/02/"
    "hafnium-targeting-exchange-servers/"};
static const sp_rule r_241 = {
    "spoor.exchange.cve_2021_26855.proxylogon_ecp",
    "ProxyLogon: status 241 on proxyLogon.ecp",
    RS,
    AU,
    "HTTP status 241 on /ecp/proxyLogon.ecp is returned when the SSRF "
    "obtained an authenticated ECP session: the strongest sign of "
    "successful CVE-2021-26855 exploitation.",
    T_EXPLOIT,
    "CVE-2021-26855",
    SP_LEVEL_CRITICAL,
    "https://www.praetorian.com/blog/reproducing-proxylogon-exploit/"};
static const sp_rule r_autod = {
    "spoor.exchange.cve_2021_26855.autodiscover",
    "ProxyLogon SSRF probe via autodiscover",
    RS,
    AU,
    "AnchorMailbox ServerInfo~ pointing at autodiscover only: the first, "
    "information-gathering step of the exploit, or a scanner.",
    T_EXPLOIT,
    "CVE-2021-26855",
    SP_LEVEL_LOW,
    "https://www.microsoft.com/security/blog/2021/03/02/"
    "hafnium-targeting-exchange-servers/"};
static const sp_rule r_localhost = {
    "spoor.exchange.cve_2021_26855.localhost_scan",
    "ProxyLogon scanner (ServerInfo~localhost)",
    RS,
    AU,
    "AnchorMailbox ServerInfo~localhost/...: typical of mass scanners testing "
    "for CVE-2021-26855.",
    T_EXPLOIT,
    "CVE-2021-26855",
    SP_LEVEL_LOW,
    "https://www.microsoft.com/security/blog/2021/03/02/"
    "hafnium-targeting-exchange-servers/"};
static const sp_rule r_reset = {
    "spoor.exchange.cve_2021_27065.reset_vdir",
    "ProxyLogon: Reset*VirtualDirectory through the SSRF",
    RS,
    AU,
    "HttpProxy Ecp request with AnchorMailbox ServerInfo~*/*Reset*"
    "VirtualDirectory# and status 200: the CVE-2021-27065 step that writes "
    "the virtual directory settings, with a webshell, to a file.",
    T_EXPLOIT "," T_SHELL,
    "CVE-2021-27065",
    SP_LEVEL_CRITICAL,
    "https://www.microsoft.com/security/blog/2021/03/02/"
    "hafnium-targeting-exchange-servers/"};
static const sp_rule r_ecp_script = {
    "spoor.exchange.cve_2021_27065.ecp_set_vdir_script",
    "Set-*VirtualDirectory with a script in a URL parameter",
    RS,
    AU,
    "ECP Server log: a Set-*VirtualDirectory command whose URL parameters "
    "hold a script or tag, the CVE-2021-27065 webshell plant.",
    T_EXPLOIT "," T_SHELL,
    "CVE-2021-27065",
    SP_LEVEL_CRITICAL,
    "https://www.microsoft.com/security/blog/2021/03/02/"
    "hafnium-targeting-exchange-servers/"};
static const sp_rule r_ecp_ssrf = {
    "spoor.exchange.cve_2021_27065.ecp_ssrf_request",
    "ECP request carrying the ProxyLogon SSRF artefact",
    RS,
    AU,
    "ECP Server log: a request whose URL carries the ]:444/ecp/ artefact of a "
    "request forged through CVE-2021-26855 (reconnaissance or clean-up around "
    "the webshell plant).",
    T_EXPLOIT,
    "CVE-2021-27065",
    SP_LEVEL_MEDIUM,
    "https://www.microsoft.com/security/blog/2021/03/02/"
    "hafnium-targeting-exchange-servers/"};
static const sp_rule r_oab = {
    "spoor.exchange.cve_2021_26858.oab_temp_file",
    "OABGenerator temporary file outside ClientAccess\\OAB",
    RS,
    AU,
    "OABGenerator 'Download failed and temporary file ... needs to be "
    "removed' with a path outside ClientAccess\\OAB: the arbitrary file write "
    "of CVE-2021-26858.",
    T_EXPLOIT "," T_SHELL,
    "CVE-2021-26858",
    SP_LEVEL_HIGH,
    "https://www.microsoft.com/security/blog/2021/03/02/"
    "hafnium-targeting-exchange-servers/"};
static const sp_rule r_um = {
    "spoor.exchange.cve_2021_26857.um_deserialization",
    "Unified Messaging InvalidCastException (CVE-2021-26857)",
    RS,
    AU,
    "Application log error from MSExchange Unified Messaging holding "
    "System.InvalidCastException: the insecure deserialization of "
    "CVE-2021-26857.",
    T_EXPLOIT,
    "CVE-2021-26857",
    SP_LEVEL_HIGH,
    "https://www.microsoft.com/security/blog/2021/03/02/"
    "hafnium-targeting-exchange-servers/"};
static const sp_rule r_ecp_js = {
    "spoor.iis.cve_2021_26855.ecp_js_post",
    "Anonymous POST to /ecp/<name>.js",
    RS,
    AU,
    "IIS frontend: an unauthenticated POST to a one-level .js resource under "
    "/ecp/ (or /owa/auth/), the request that carries the ProxyLogon SSRF.",
    T_EXPLOIT,
    "CVE-2021-26855",
    SP_LEVEL_HIGH,
    "https://attack.mitre.org/techniques/T1190/"};
static const sp_rule r_machine = {
    "spoor.iis.cve_2021_26855.backend_machine_account",
    "ECP backend request as the Exchange computer account",
    RS,
    AU,
    "IIS backend: an /ecp/ request authenticated as a computer account "
    "(name ending in $), as the ProxyLogon SSRF produces.",
    T_EXPLOIT,
    "CVE-2021-26855",
    SP_LEVEL_HIGH,
    "https://attack.mitre.org/techniques/T1190/"};
static const sp_rule r_ddi = {
    "spoor.iis.cve_2021_27065.ddi_oab_vdir",
    "DDIService.svc call on an OAB virtual directory schema",
    RS,
    AU,
    "IIS: DDIService.svc Get/SetObject with schema=*OABVirtualDirectory by an "
    "anonymous or computer account: reading or rewriting the OAB virtual "
    "directory for CVE-2021-27065.",
    T_EXPLOIT "," T_SHELL,
    "CVE-2021-27065",
    SP_LEVEL_HIGH,
    "https://attack.mitre.org/techniques/T1505/003/"};

#define PRAETORIAN                                                             \
  "https://www.praetorian.com/blog/reproducing-proxylogon-exploit/"
#define SOPHOS_PS                                                              \
  "https://community.sophos.com/b/security-blog/posts/proxyshell"
static const sp_rule r_iis_cookie = {
    "spoor.iis.cve_2021_26855.beresource_cookie",
    "ProxyLogon SSRF: X-BEResource cookie naming a backend URL",
    RS,
    AU,
    "IIS (with cs(Cookie) logged): a request whose X-BEResource cookie names "
    "a backend URL ending in ~<build>: the cookie that carries the "
    "CVE-2021-26855 server-side request forgery.",
    T_EXPLOIT,
    "CVE-2021-26855",
    SP_LEVEL_HIGH,
    PRAETORIAN};
static const sp_rule r_ps_ssrf = {
    "spoor.exchange.cve_2021_34473.autodiscover_json_ssrf",
    "ProxyShell SSRF through autodiscover.json",
    RS,
    AU,
    "IIS or HttpProxy: a request to /autodiscover/autodiscover.json whose "
    "query names "
    "autodiscover.json again (Email=autodiscover/autodiscover.json) or a "
    "backend path such as /mapi/nspi or /EWS/: the path confusion of "
    "CVE-2021-34473 (ProxyShell).",
    T_EXPLOIT,
    "CVE-2021-34473",
    SP_LEVEL_HIGH,
    SOPHOS_PS};
static const sp_rule r_ps_rps = {
    "spoor.exchange.cve_2021_34523.powershell_ssrf",
    "ProxyShell: Exchange PowerShell reached through autodiscover.json",
    RS,
    AU,
    "IIS or HttpProxy: a request to /autodiscover/autodiscover.json whose "
    "query reaches "
    "/powershell: remote PowerShell on the backend through the ProxyShell "
    "SSRF, with the privilege elevation of CVE-2021-34523.",
    T_EXPLOIT,
    "CVE-2021-34523",
    SP_LEVEL_CRITICAL,
    "https://research.splunk.com/endpoint/exchange_powershell_abuse_via_ssrf/"};
static const sp_rule r_ps_export = {
    "spoor.exchange.cve_2021_31207.mailbox_export_webshell",
    "ProxyShell: New-MailboxExportRequest to a script file",
    RS,
    AU,
    "A logged New-MailboxExportRequest (ECP cmdlet or an event log message) "
    "whose file path ends in .aspx, .ashx, .asmx or .asp: the mailbox export "
    "that writes a webshell for CVE-2021-31207 (ProxyShell).",
    T_EXPLOIT "," T_SHELL,
    "CVE-2021-31207",
    SP_LEVEL_CRITICAL,
    "https://microsoft.com/en-us/wdsi/threats/"
    "malware-encyclopedia-description?Name=Exploit%3AWin32%2FCVE-2021-"
    "31207.A&threatId=-2147173487"};

const sp_rule *const sp_proxylogon_rules[] = {
    &r_anchor, &r_cookie,     &r_241,      &r_autod,      &r_localhost,
    &r_reset,  &r_ecp_script, &r_ecp_ssrf, &r_oab,        &r_um,
    &r_ecp_js, &r_machine,    &r_ddi,      &r_iis_cookie, &r_ps_ssrf,
    &r_ps_rps, &r_ps_export,  NULL};

static void emit(sp_fset *out, const sp_rule *rule, const sp_event *ev,
                 sp_str reason, sp_field e1, sp_field e2, sp_field e3) {
  sp_hit h;
  sp_hit_from_event(&h, rule, ev);
  sp_hit_field(&h, ev, e1);
  sp_hit_field(&h, ev, e2);
  sp_hit_field(&h, ev, e3);
  h.reason = reason;
  sp_fset_add(out, &h);
}

#define GLOB(pat, s) sp_glob_imatch(pat, sizeof(pat) - 1, (s).p, (s).n)

/* "localhost", with an optional ":port" and nothing else: an authority with
 * userinfo ("localhost]@exch01:444") targets the real server. Test-ProxyLogon
 * leaves out only anchors that start ServerInfo~localhost;
 * "127.0.0.1:444/ecp/..." is one of its hits, and here the SSRF itself
 * (anchor_mailbox). */
static bool loopback_host(sp_str h) {
  const char *colon = memchr(h.p, ':', h.n);
  sp_str name = sp_str_make(h.p, colon ? (size_t)(colon - h.p) : h.n);
  if (!sp_str_ieq(name, "localhost"))
    return false;
  for (size_t i = name.n + (colon ? 1 : 0); i < h.n; i++)
    if (h.p[i] < '0' || h.p[i] > '9')
      return false;
  return true;
}

/* The value of an X-BEResource cookie when it names a backend URL with a
 * ~<build> suffix ("a]@exch:444/ecp/DDI/...&a=~1942062522"): the form the
 * SSRF uses. Empty when absent or benign. */
static sp_str beresource_ssrf(sp_str c) {
  long at = sp_str_ifind(c, "X-BEResource=");
  if (at < 0)
    return sp_str_make(c.p, 0);
  sp_str v = sp_str_make(c.p + at + 13, c.n - (size_t)at - 13);
  const char *semi = memchr(v.p, ';', v.n);
  if (semi)
    v.n = (size_t)(semi - v.p);
  if (!GLOB("*/*~*", v))
    return sp_str_make(c.p, 0);
  return v;
}

static void on_iis_autodiscover_json(const sp_event *ev, sp_str path,
                                     sp_fset *out);

static void on_httpproxy(const sp_event *ev, sp_fset *out) {
  sp_str up = sp_event_get(ev, SP_F_URL_PATH);
  if (up.n > 14 && (up.p[1] == 'a' || up.p[1] == 'A'))
    on_iis_autodiscover_json(ev, up, out); /* ProxyShell, HttpProxy side */
  sp_str a = sp_event_get(ev, SP_F_EXCH_ANCHOR);
  int status = sp_event_status(ev);
  if (a.n > 11 && sp_str_istarts(a, "ServerInfo~") &&
      GLOB("ServerInfo~*/*", a)) {
    sp_str target = sp_str_make(a.p + 11, a.n - 11);
    const char *slash = memchr(target.p, '/', target.n);
    sp_str host = sp_str_make(target.p, (size_t)(slash - target.p));
    sp_str path = sp_str_make(slash, target.n - host.n);
    const sp_rule *r = &r_anchor;
    if (loopback_host(host))
      r = &r_localhost;
    else if (sp_str_istarts(path, "/autodiscover") &&
             sp_str_ifind(path, "..") < 0 && sp_str_ifind(path, "/ecp") < 0 &&
             sp_str_ifind(path, "/mapi") < 0)
      r = &r_autod;
    emit(out, r, ev, a, SP_F_SOURCE_IP, SP_F_HOST_NAME, SP_F_EXCH_PROTOCOL);
    /* Status 241 is decisive whatever the anchor looked like. */
    if (status == 241 && sp_str_ifind(path, "proxyLogon.ecp") >= 0)
      emit(out, &r_241, ev, a, SP_F_SOURCE_IP, SP_F_HOST_NAME,
           SP_F_EXCH_PROTOCOL);
    if (status == 200 && GLOB("ServerInfo~*/*Reset*VirtualDirectory#", a))
      emit(out, &r_reset, ev, a, SP_F_SOURCE_IP, SP_F_HOST_NAME,
           SP_F_EXCH_PROTOCOL);
  }
  sp_str c = sp_event_get(ev, SP_F_EXCH_BECOOKIE);
  if ((c.n > 7 && sp_str_istarts(c, "Server~") && GLOB("Server~*/*~*", c)) ||
      beresource_ssrf(c).n)
    emit(out, &r_cookie, ev, c, SP_F_SOURCE_IP, SP_F_HOST_NAME,
         SP_F_EXCH_PROTOCOL);
}

static bool holds_script(sp_str s) {
  return sp_str_ifind(s, "<script") >= 0 || sp_str_ifind(s, "runat") >= 0 ||
         sp_str_ifind(s, "<%") >= 0 || sp_str_ifind(s, "eval(") >= 0 ||
         sp_str_ifind(s, "<?") >= 0;
}

static bool ssrf_artifact(sp_str url) {
  return sp_str_ifind(url, "%5D:444/") >= 0 || sp_str_ifind(url, "]:444/") >= 0;
}

static void on_ecp(const sp_event *ev, sp_fset *out) {
  sp_str cmd = sp_event_get(ev, SP_F_EXCH_ECP_CMD);
  sp_str url = sp_event_get(ev, SP_F_URL_ORIGINAL);
  if (cmd.n && GLOB("Set-*VirtualDirectory*", cmd)) {
    /* Parameters follow the cmdlet name: "Set-X.Param=value.Param=value". */
    const char *dot = memchr(cmd.p, '.', cmd.n);
    sp_str params = dot ? sp_str_make(dot, cmd.n - (size_t)(dot - cmd.p))
                        : sp_str_make(cmd.p + cmd.n, 0);
    if (holds_script(params)) {
      emit(out, &r_ecp_script, ev, cmd, SP_F_HOST_NAME, SP_F_EXCH_ECP_CMD,
           SP_F__COUNT);
      return;
    }
  }
  if (cmd.n && sp_exch_export_to_script(cmd)) {
    emit(out, &r_ps_export, ev, cmd, SP_F_HOST_NAME, SP_F_EXCH_ECP_CMD,
         SP_F__COUNT);
    return;
  }
  if (url.n && ssrf_artifact(url))
    emit(out, &r_ecp_ssrf, ev, cmd.n ? cmd : url, SP_F_HOST_NAME, SP_F_URL_PATH,
         SP_F__COUNT);
}

static void on_oabgen(const sp_event *ev, sp_fset *out) {
  sp_str m = sp_event_get(ev, SP_F_MESSAGE);
  static const char key[] = "Download failed and temporary file '";
  long at = sp_str_ifind(m, key);
  if (at < 0)
    return;
  sp_str rest = sp_str_make(m.p + at + sizeof key - 1,
                            m.n - (size_t)at - (sizeof key - 1));
  const char *q = memchr(rest.p, '\'', rest.n);
  sp_str path = sp_str_make(rest.p, q ? (size_t)(q - rest.p) : rest.n);
  /* Inside ClientAccess\OAB is normal, unless ".." climbs out of it. */
  if ((sp_str_ifind(path, "\\ClientAccess\\OAB\\") >= 0 ||
       sp_str_ifind(path, "/ClientAccess/OAB/") >= 0) &&
      sp_str_ifind(path, "..") < 0)
    return;
  sp_hit h;
  sp_hit_from_event(&h, &r_oab, ev);
  sp_hit_field(&h, ev, SP_F_HOST_NAME);
  sp_hit_entity(&h, "file.path", path);
  h.reason = m;
  sp_fset_add(out, &h);
}

typedef struct pl_state {
  int f_data;  /* "Data": unnamed event log values */
  int f_level; /* "Level": the event log record's level */
} pl_state;

/* The first unnamed <Data> value holding needle, or an empty slice. */
static sp_str data_with(const sp_event *ev, int f_data, const char *needle) {
  for (const sp_fval *f = f_data >= 0 ? sp_event_find(ev, f_data) : NULL; f;
       f = sp_event_next(ev, f))
    if (sp_str_ifind(f->s, needle) >= 0)
      return f->s;
  return sp_str_make(NULL, 0);
}

/* Event log records, as the EVTX reader gives them (Provider_Name in
 * event.provider, Level, unnamed Data values) or as exported text (message,
 * log.level). */
static void on_evtx(const pl_state *s, const sp_event *ev, sp_fset *out) {
  sp_str prov = sp_event_get(ev, SP_F_EVENT_PROVIDER);
  sp_str msg = sp_event_get(ev, SP_F_MESSAGE), user;
  char buf[4096];
  size_t n = sp_exch_cmdlet_of_event(ev, s->f_data, buf, sizeof buf, &user);
  if (n && sp_exch_export_to_script(sp_str_make(buf, n))) {
    emit(out, &r_ps_export, ev, sp_str_make(buf, n), SP_F_HOST_NAME,
         SP_F_EVENT_CODE, SP_F__COUNT);
    return;
  }
  if (msg.n && sp_exch_export_to_script(msg)) {
    emit(out, &r_ps_export, ev, msg, SP_F_HOST_NAME, SP_F_EVENT_CODE,
         SP_F__COUNT);
    return;
  }
  if (!prov.n || sp_str_ifind(prov, "MSExchange Unified Messaging") < 0)
    return;
  sp_str lvl = sp_event_get(ev, SP_F_LOG_LEVEL);
  if (!lvl.n && s->f_level >= 0)
    lvl = sp_event_get(ev, s->f_level);
  if (lvl.n && !sp_str_ieq(lvl, "error") && !sp_str_eq(lvl, "2"))
    return;
  sp_str m = sp_str_ifind(msg, "System.InvalidCastException") >= 0
                 ? msg
                 : data_with(ev, s->f_data, "System.InvalidCastException");
  if (!m.n)
    return;
  emit(out, &r_um, ev, m, SP_F_HOST_NAME, SP_F_EVENT_CODE, SP_F__COUNT);
}

/* "/ecp/<name>.js" or "/owa/auth/<name>.js" with no further folder. */
static bool one_level_js(sp_str p) {
  sp_str rest;
  if (sp_str_istarts(p, "/ecp/"))
    rest = sp_str_make(p.p + 5, p.n - 5);
  else if (sp_str_istarts(p, "/owa/auth/"))
    rest = sp_str_make(p.p + 10, p.n - 10);
  else
    return false;
  return rest.n > 3 && !memchr(rest.p, '/', rest.n) &&
         sp_str_iends(rest, ".js");
}

static bool schema_is_oab_vdir(sp_str q) {
  long at = sp_str_ifind(q, "schema=");
  if (at < 0)
    return false;
  sp_str v = sp_str_make(q.p + at + 7, q.n - (size_t)at - 7);
  const char *amp = memchr(v.p, '&', v.n);
  if (amp)
    v.n = (size_t)(amp - v.p);
  return sp_str_iends(v, "OABVirtualDirectory");
}

/* /autodiscover/autodiscover.json reaching a backend path: ProxyShell. */
static void on_iis_autodiscover_json(const sp_event *ev, sp_str path,
                                     sp_fset *out) {
  static const char stem[] = "/autodiscover/autodiscover.json";
  if (!sp_str_istarts(path, stem))
    return;
  sp_str q = sp_event_get(ev, SP_F_URL_QUERY);
  /* What follows the stem in the path counts too: some logs keep the '@'
     part ("autodiscover.json@x/mapi/nspi/") in cs-uri-stem. */
  sp_str tail = sp_str_make(path.p + sizeof stem - 1, path.n - sizeof stem + 1);
  bool ps = sp_str_ifind(q, "/powershell") >= 0 ||
            sp_str_ifind(tail, "/powershell") >= 0;
  bool other =
      sp_str_ifind(q, "autodiscover.json") >= 0 ||
      sp_str_ifind(q, "/mapi/") >= 0 || sp_str_ifind(q, "/ews/") >= 0 ||
      sp_str_ifind(tail, "/mapi/") >= 0 || sp_str_ifind(tail, "/ews/") >= 0;
  sp_str why = q.n ? q : path;
  if (ps)
    emit(out, &r_ps_rps, ev, why, SP_F_SOURCE_IP, SP_F_HOST_NAME, SP_F__COUNT);
  else if (other)
    emit(out, &r_ps_ssrf, ev, why, SP_F_SOURCE_IP, SP_F_HOST_NAME, SP_F__COUNT);
}

static void on_iis(const sp_event *ev, sp_fset *out) {
  sp_str path = sp_event_get(ev, SP_F_URL_PATH);
  sp_str cookie = sp_event_get(ev, SP_F_HTTP_COOKIE);
  if (cookie.n) {
    sp_str v = beresource_ssrf(cookie);
    if (v.n)
      emit(out, &r_iis_cookie, ev, v, SP_F_SOURCE_IP, SP_F_HOST_NAME,
           SP_F__COUNT);
  }
  if (path.n > 14 && (path.p[1] == 'a' || path.p[1] == 'A'))
    on_iis_autodiscover_json(ev, path, out);
  if (path.n < 5 || (path.p[1] != 'e' && path.p[1] != 'E' && path.p[1] != 'o' &&
                     path.p[1] != 'O'))
    return; /* only /ecp/ and /owa/ matter here: cheap early exit */
  sp_str method = sp_event_get(ev, SP_F_HTTP_METHOD);
  sp_str user = sp_event_get(ev, SP_F_USER_NAME);
  int status = sp_event_status(ev);
  bool anon = user.n == 0;
  bool machine = user.n > 1 && user.p[user.n - 1] == '$';
  if (anon && sp_str_ieq(method, "POST") && one_level_js(path)) {
    /* One finding per source: exploit kits use a new random name per
       request; the first name is the reason, every line is evidence. */
    emit(out, &r_ecp_js, ev, path, SP_F_SOURCE_IP, SP_F_HOST_NAME, SP_F__COUNT);
    if (status == 241)
      emit(out, &r_241, ev, path, SP_F_SOURCE_IP, SP_F_URL_PATH, SP_F__COUNT);
  }
  if (!sp_str_istarts(path, "/ecp/"))
    return;
  if (status == 241 && sp_str_ieq(path, "/ecp/proxyLogon.ecp"))
    emit(out, &r_241, ev, path, SP_F_SOURCE_IP, SP_F_URL_PATH, SP_F__COUNT);
  if (machine)
    emit(out, &r_machine, ev, user, SP_F_USER_NAME, SP_F_SOURCE_IP,
         SP_F_DESTINATION_PORT);
  if ((anon || machine) && sp_str_ifind(path, "/DDIService.svc/") >= 0) {
    sp_str q = sp_event_get(ev, SP_F_URL_QUERY);
    if (schema_is_oab_vdir(q) || schema_is_oab_vdir(path))
      emit(out, &r_ddi, ev, q.n ? q : path, SP_F_SOURCE_IP, SP_F_USER_NAME,
           SP_F__COUNT);
  }
}

static void *pl_create(const sp_dctx *ctx) {
  pl_state *s = calloc(1, sizeof *s);
  if (s) {
    s->f_data = sp_dctx_field(ctx, "Data");
    s->f_level = sp_dctx_field(ctx, "Level");
  }
  return s;
}

static void pl_on_event(void *st, const sp_event *ev, sp_fset *out) {
  switch (ev->kind) {
  case SP_SRC_EXCH_HTTPPROXY:
    on_httpproxy(ev, out);
    break;
  case SP_SRC_EXCH_ECP:
    on_ecp(ev, out);
    break;
  case SP_SRC_EXCH_OABGEN:
    on_oabgen(ev, out);
    break;
  case SP_SRC_IIS:
    on_iis(ev, out);
    break;
  case SP_SRC_EVTX:
    on_evtx(st, ev, out);
    break;
  default:
    break;
  }
}

static void pl_destroy(void *st) { free(st); }

const sp_detector_vt sp_det_proxylogon = {
    .name = "proxylogon",
    .create = pl_create,
    .on_event = pl_on_event,
    .destroy = pl_destroy,
};
