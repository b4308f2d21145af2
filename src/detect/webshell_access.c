/*
 * webshell_access.c - webshell use seen in web logs: IIS and Exchange
 * HttpProxy (every protocol folder; UrlStem is url.path, HttpStatus the
 * status, ClientIpAddress source.ip, ServerHostName host.name).
 *
 * Requests to .aspx/.ashx/.asmx files in the folders attackers favour on
 * Exchange (/aspnet_client/, /owa/auth/, /ecp/auth/) that a stock Exchange
 * does not have (the engine's stock URL set, from the embedded list and any
 * --baseline), and requests to any script whose file name the file scan of
 * the same run flagged. Success (2xx) is use; other statuses are a probe.
 * Stateless; reads the run-wide inputs "stock_urls" and "flagged_names".
 *
 * Each log has its own rule ids (spoor.iis.webshell.* and
 * spoor.httpproxy.webshell.*), so a request the front end wrote to both
 * logs is two findings, each naming its log and pointing at its own line,
 * never one finding whose count adds the two logs up. HttpProxy rows are
 * often the only trace left when the IIS logs of those days were rotated.
 *
 * Probes aggregate per source (source.ip, host.name): one finding per
 * scanner whose count is its probe requests; the reason names the earliest
 * probed path (the finding set keeps the earliest reference's reason).
 */
#include "detect/detector.h"

#include <stdlib.h>

static const sp_rule r_access = {
    "spoor.iis.webshell.access",
    "Request to a non-stock script in an Exchange web folder",
    "spoor-exchange",
    "spoor",
    "A successful request to an .aspx/.ashx/.asmx file under /aspnet_client/, "
    "/owa/auth/ or /ecp/auth/ that stock Exchange does not ship: webshell use.",
    "T1505.003",
    "",
    SP_LEVEL_HIGH,
    "https://attack.mitre.org/techniques/T1505/003/"};
static const sp_rule r_flagged = {
    "spoor.iis.webshell.flagged_file_access",
    "Request to a file the file scan flagged",
    "spoor-exchange",
    "spoor",
    "An IIS request to a script that the file scan of the same run flagged: "
    "a webshell rule (high or critical), a look-alike of a stock name, a "
    "modified stock page, or a page of no stock name in an Exchange web "
    "folder.",
    "T1505.003",
    "",
    SP_LEVEL_CRITICAL,
    "https://attack.mitre.org/techniques/T1505/003/"};
static const sp_rule r_probe = {
    "spoor.iis.webshell.probe",
    "Probe for a non-stock script in an Exchange web folder",
    "spoor-exchange",
    "spoor",
    "An unsuccessful request (3xx/4xx/5xx) to a script that stock Exchange "
    "does not ship, in a folder where webshells are planted: a scanner "
    "looking for known shells.",
    "T1505.003,T1595.003",
    "",
    SP_LEVEL_LOW,
    "https://attack.mitre.org/techniques/T1505/003/"};

static const sp_rule r_hp_access = {
    "spoor.httpproxy.webshell.access",
    "HttpProxy: request to a non-stock script in an Exchange web folder",
    "spoor-exchange",
    "spoor",
    "A successful request in an Exchange HttpProxy log to an "
    ".aspx/.ashx/.asmx file under /aspnet_client/, /owa/auth/ or /ecp/auth/ "
    "that stock Exchange does not ship: webshell use (also seen when the IIS "
    "logs are gone).",
    "T1505.003",
    "",
    SP_LEVEL_HIGH,
    "https://attack.mitre.org/techniques/T1505/003/"};
static const sp_rule r_hp_flagged = {
    "spoor.httpproxy.webshell.flagged_file_access",
    "HttpProxy: request to a file the file scan flagged",
    "spoor-exchange",
    "spoor",
    "A request in an Exchange HttpProxy log to a script that the file scan "
    "of the same run flagged (see spoor.iis.webshell.flagged_file_access).",
    "T1505.003",
    "",
    SP_LEVEL_CRITICAL,
    "https://attack.mitre.org/techniques/T1505/003/"};
static const sp_rule r_hp_probe = {
    "spoor.httpproxy.webshell.probe",
    "HttpProxy: probe for a non-stock script in an Exchange web folder",
    "spoor-exchange",
    "spoor",
    "Unsuccessful requests (3xx/4xx/5xx) in an Exchange HttpProxy log to "
    "scripts that stock Exchange does not ship, in a folder where webshells "
    "are planted: a scanner looking for known shells. One finding per "
    "source; the count is its probe requests.",
    "T1505.003,T1595.003",
    "",
    SP_LEVEL_LOW,
    "https://attack.mitre.org/techniques/T1505/003/"};

const sp_rule *const sp_webshell_rules[] = {
    &r_access,     &r_flagged,  &r_probe, &r_hp_access,
    &r_hp_flagged, &r_hp_probe, NULL};

/* The rules of one log. */
typedef struct ws_rules {
  const sp_rule *access, *flagged, *probe;
} ws_rules;

static const ws_rules k_iis_rules = {&r_access, &r_flagged, &r_probe};
static const ws_rules k_hp_rules = {&r_hp_access, &r_hp_flagged, &r_hp_probe};

typedef struct ws_state {
  const sp_strset *stock_urls;    /* lower-case URL paths of stock files */
  const sp_strset *flagged_names; /* base names the file scan flagged */
} ws_state;

static void *ws_create(const sp_dctx *ctx) {
  ws_state *s = calloc(1, sizeof *s);
  if (s) {
    s->stock_urls = sp_dctx_input(ctx, "stock_urls");
    s->flagged_names = sp_dctx_input(ctx, "flagged_names");
  }
  return s;
}

static void ws_destroy(void *st) { free(st); }

static bool script_ext(sp_str p) {
  return sp_str_iends(p, ".aspx") || sp_str_iends(p, ".ashx") ||
         sp_str_iends(p, ".asmx");
}

static bool watched_dir(sp_str p) {
  return sp_str_istarts(p, "/aspnet_client/") ||
         sp_str_istarts(p, "/owa/auth/") || sp_str_istarts(p, "/ecp/auth/");
}

static void ws_on_event(void *st, const sp_event *ev, sp_fset *out) {
  ws_state *s = st;
  const ws_rules *rs;
  if (ev->kind == SP_SRC_IIS)
    rs = &k_iis_rules;
  else if (ev->kind == SP_SRC_EXCH_HTTPPROXY)
    rs = &k_hp_rules;
  else
    return;
  sp_str path = sp_event_get(ev, SP_F_URL_PATH);
  if (path.n < 6 || !script_ext(path))
    return;
  int status = sp_event_status(ev);
  const sp_rule *rule = NULL;
  sp_str base = sp_str_basename(path);
  if (s->flagged_names && sp_strset_has(s->flagged_names, base, true))
    rule = rs->flagged;
  else if (watched_dir(path) &&
           !(s->stock_urls && sp_strset_has(s->stock_urls, path, true)))
    rule = (status < 0 || (status >= 200 && status < 300)) ? rs->access
                                                           : rs->probe;
  if (!rule)
    return;
  sp_hit h;
  sp_hit_from_event(&h, rule, ev);
  sp_hit_field(&h, ev, SP_F_SOURCE_IP);
  if (rule == rs->probe) {
    /* A scanner tries many names: one finding per source, the names are
       in the evidence lines and the first one is the reason. */
    sp_hit_field(&h, ev, SP_F_HOST_NAME);
    h.reason = path;
  } else {
    sp_hit_field(&h, ev, SP_F_URL_PATH);
    sp_hit_field(&h, ev, SP_F_HOST_NAME);
    h.reason = sp_event_get(ev, SP_F_USER_AGENT);
  }
  sp_fset_add(out, &h);
}

const sp_detector_vt sp_det_webshell_access = {
    .name = "webshell_access",
    .create = ws_create,
    .on_event = ws_on_event,
    .destroy = ws_destroy,
};
