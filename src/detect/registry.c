/*
 * registry.c - the built-in detector and rule tables and the small helpers
 * all detectors share. A new detector is one file and one line here.
 */
#include "core/timeutil.h"
#include "filescan/filescan.h"
#include "detect/detector.h"

extern const sp_detector_vt sp_det_proxylogon;
extern const sp_detector_vt sp_det_webshell_access;
extern const sp_detector_vt sp_det_spray;
extern const sp_detector_vt sp_det_spray_forms;
extern const sp_detector_vt sp_det_webshell_file;
extern const sp_detector_vt sp_det_exposure;
extern const sp_detector_vt sp_det_exchange_admin;
extern const sp_detector_vt sp_det_mail_access;
extern const sp_detector_vt sp_det_sigma;
extern const sp_detector_vt sp_det_ioc;
extern const sp_detector_vt sp_det_windows;
extern const sp_detector_vt sp_det_netconn;
extern const sp_detector_vt sp_det_dns_tunnel;

/* One detector per line (clang-format would pack them). */
// clang-format off
const sp_detector_vt *const sp_detectors[] = {
    &sp_det_proxylogon,
    &sp_det_webshell_access,
    &sp_det_spray,
    &sp_det_spray_forms,
    &sp_det_webshell_file,
    &sp_det_exposure,
    &sp_det_exchange_admin,
    &sp_det_mail_access,
    &sp_det_sigma,
    &sp_det_ioc,
    &sp_det_windows,
    &sp_det_netconn,
    &sp_det_dns_tunnel,
    NULL,
};
// clang-format on

extern const sp_rule *const sp_proxylogon_rules[];
extern const sp_rule *const sp_webshell_rules[];
extern const sp_rule *const sp_spray_rules[];
extern const sp_rule *const sp_spray_forms_rules[];
extern const sp_rule *const sp_exposure_rules[];
extern const sp_rule *const sp_exchange_admin_rules[];
extern const sp_rule *const sp_mail_access_rules[];
extern const sp_rule *const sp_windows_rules[];

extern const sp_rule *const sp_netconn_rules[];
extern const sp_rule *const sp_dns_tunnel_rules[];

const sp_rule *const *const sp_builtin_rule_lists[] = {
    sp_proxylogon_rules,
    sp_webshell_rules,
    sp_spray_rules,
    sp_spray_forms_rules,
    sp_exposure_rules,
    sp_exchange_admin_rules,
    sp_mail_access_rules,
    sp_windows_rules,
    sp_netconn_rules,
    sp_dns_tunnel_rules,
    NULL,
};

const void *sp_dctx_input(const sp_dctx *ctx, const char *name) {
  for (size_t i = 0; ctx && i < ctx->n_inputs; i++)
    if (strcmp(ctx->inputs[i].name, name) == 0)
      return ctx->inputs[i].obj;
  return NULL;
}

int sp_dctx_field(const sp_dctx *ctx, const char *name) {
  if (!ctx || !ctx->names)
    return sp_field_id(name);
  return sp_names_field(ctx->names, name, strlen(name));
}

int sp_dctx_kind(const sp_dctx *ctx, const char *name) {
  if (!ctx || !ctx->names) {
    for (int i = 0; i < SP_SRC__COUNT; i++)
      if (strcmp(sp_source_kind_name((sp_source_kind)i), name) == 0)
        return i;
    return -1;
  }
  return sp_names_kind(ctx->names, name);
}

void sp_hit_from_event(sp_hit *h, const sp_rule *rule, const sp_event *ev) {
  sp_hit_init(h, rule, ev->ts, ev->file_id, ev->line, (sp_ref_kind)ev->ref);
  if (ev->ref == SP_REF_RECORD)
    h->offset = ev->offset;
}

void sp_hit_field(sp_hit *h, const sp_event *ev, sp_field f) {
  if ((unsigned)f >= SP_F__COUNT)
    return; /* entities name pre-seeded (static) fields only */
  sp_hit_entity(h, sp_field_name(f), sp_event_get(ev, f));
}

int sp_event_status(const sp_event *ev) {
  int64_t v;
  if (!sp_event_get_int(ev, SP_F_HTTP_STATUS, &v) || v < 0 || v > 999)
    return -1;
  return (int)v;
}

/* The i-th built-in rule: detector rules, then the file scanner's own
 * (non-YARA) rules; NULL past the end. */
static const sp_rule *builtin_rule(size_t k) {
  for (size_t l = 0; sp_builtin_rule_lists[l]; l++)
    for (size_t i = 0; sp_builtin_rule_lists[l][i]; i++, k--)
      if (k == 0)
        return sp_builtin_rule_lists[l][i];
  return sp_filescan_builtin_rule(k);
}

size_t sp_rule_count(void) {
  size_t n = 0;
  while (builtin_rule(n))
    n++;
  return n;
}

sp_err sp_rule_get(size_t k, sp_rule_info *out) {
  const sp_rule *r = builtin_rule(k);
  if (!r)
    return SP_EINVAL;
  *out = (sp_rule_info){
      r->id,     r->name,        r->ruleset,
      r->author, r->description, r->techniques,
      r->cve,    r->level,       r->reference ? r->reference : ""};
  return SP_OK;
}
