/* gen_rules.h - the spoor rule ids that spoor-gen writes into truth.tsv.
 *
 * One X-macro table: GEN_R_<NAME> is a bit in a uint32_t rule mask, and
 * gen_rule_id() maps a bit index to its id string. The per-line choice of
 * rules lives in gen_case_attack.c (the attack scenario) and nowhere else. */
#ifndef SPOOR_GEN_RULES_H
#define SPOOR_GEN_RULES_H

#include <stdint.h>

#define GEN_RULE_TABLE(X)                                                      \
  X(ANCHOR_MAILBOX, "spoor.exchange.cve_2021_26855.anchor_mailbox")            \
  X(BACKEND_COOKIE, "spoor.exchange.cve_2021_26855.backend_cookie")            \
  X(PROXYLOGON_ECP, "spoor.exchange.cve_2021_26855.proxylogon_ecp")            \
  X(AUTODISCOVER, "spoor.exchange.cve_2021_26855.autodiscover")                \
  X(LOCALHOST_SCAN, "spoor.exchange.cve_2021_26855.localhost_scan")            \
  X(ECP_JS_POST, "spoor.iis.cve_2021_26855.ecp_js_post")                       \
  X(BACKEND_MACHINE, "spoor.iis.cve_2021_26855.backend_machine_account")       \
  X(DDI_OAB_VDIR, "spoor.iis.cve_2021_27065.ddi_oab_vdir")                     \
  X(RESET_VDIR, "spoor.exchange.cve_2021_27065.reset_vdir")                    \
  X(ECP_SET_SCRIPT, "spoor.exchange.cve_2021_27065.ecp_set_vdir_script")       \
  X(ECP_SSRF, "spoor.exchange.cve_2021_27065.ecp_ssrf_request")                \
  X(OAB_TEMP_FILE, "spoor.exchange.cve_2021_26858.oab_temp_file")              \
  X(WEBSHELL_ACCESS, "spoor.iis.webshell.access")                              \
  X(WEBSHELL_PROBE, "spoor.iis.webshell.probe")                                \
  X(PASSWORD_SPRAY, "spoor.auth.password_spray")                               \
  X(SUCCESS_AFTER_FAIL, "spoor.auth.success_after_failures")                   \
  X(BRUTE_FORCE, "spoor.auth.brute_force")                                     \
  X(STOCK_LOOKALIKE, "spoor.file.stock_lookalike")                             \
  X(FLAGGED_ACCESS, "spoor.iis.webshell.flagged_file_access")                  \
  X(YARA_OAB_EXPORT, "yara.spoor_webshell_oab_vdir_export")                    \
  X(YARA_CHOPPER_ONELINER, "yara.spoor_webshell_chopper_oneliner")             \
  X(YARA_CHOPPER_BLOCK, "yara.spoor_webshell_chopper_scriptblock")             \
  X(MODIFIED_STOCK, "spoor.file.modified_stock_file")                          \
  X(UNKNOWN_PAGE, "spoor.file.unknown_page")                                   \
  X(FORMS_SPRAY, "spoor.auth.forms_spray")                                     \
  X(FORMS_SUCCESS, "spoor.auth.forms_success_after_failures")                  \
  X(EXPOSURE_PL, "spoor.exchange.exposure.proxylogon")                         \
  X(EXPOSURE_PS_BEFORE, "spoor.exchange.exposure.proxyshell_before")           \
  X(UM_INVALID_CAST, "spoor.exchange.cve_2021_26857.um_deserialization")

enum {
#define GEN_RULE_ENUM(name, id) GEN_RI_##name,
  GEN_RULE_TABLE(GEN_RULE_ENUM)
#undef GEN_RULE_ENUM
      GEN_RULE_COUNT
};

#define GEN_RULE_BIT(name, id) GEN_R_##name = UINT32_C(1) << GEN_RI_##name,
enum { GEN_RULE_TABLE(GEN_RULE_BIT) };
#undef GEN_RULE_BIT

/* Id string of rule bit index i (0 <= i < GEN_RULE_COUNT). */
static inline const char *gen_rule_id(int i) {
  static const char *const ids[] = {
#define GEN_RULE_STR(name, id) id,
      GEN_RULE_TABLE(GEN_RULE_STR)
#undef GEN_RULE_STR
  };
  return (i >= 0 && i < GEN_RULE_COUNT) ? ids[i] : "?";
}

#endif
