/*
 * exchange_admin.c - what an intruder does with Exchange administration once
 * in: cmdlets that open mailboxes to an account, copy or forward mail, or
 * export mailboxes, as the ECP Server log records them (CMD= item, the
 * cmdlet name then ".Param=value" pairs, in exchange.ecp.cmd) and as the
 * "MSExchange Management" event log records every cmdlet run (provider
 * MSExchange CmdletLogs: the cmdlet, its parameters and the caller in its
 * first three unnamed <Data> values).
 *
 * Rules (each cites the public description of the technique):
 *  - ApplicationImpersonation granted (New-ManagementRoleAssignment): one
 *    account may then open every mailbox (T1098.002), high;
 *  - a transport rule that copies, blind-copies or redirects mail
 *    (New-/Set-TransportRule with BlindCopyTo, CopyTo, RedirectMessageTo,
 *    AddToRecipients): organisation-wide collection (T1114.003), high;
 *  - mailbox forwarding (Set-Mailbox -ForwardingSmtpAddress/-Forwarding
 *    Address) or a forwarding inbox rule (New-/Set-InboxRule -ForwardTo,
 *    -ForwardAsAttachmentTo, -RedirectTo) (T1114.003), medium;
 *  - FullAccess or SendAs granted on a mailbox (Add-MailboxPermission,
 *    Add-RecipientPermission) (T1098.002), medium;
 *  - a mailbox export request (New-MailboxExportRequest) (T1114.002),
 *    medium; one to a web script is ProxyShell's and reported by
 *    proxylogon.c, not here; removing export requests (covering tracks),
 *    low.
 * Stateless but for the id of the field "Data".
 */
#include "detect/detector.h"
#include "exchange/cmdlet.h"

#include <stdlib.h>

#define RS "spoor-exchange"
#define AU "spoor"
#define MITRE_DELEGATE "https://attack.mitre.org/techniques/T1098/002/"
#define MITRE_FORWARD "https://attack.mitre.org/techniques/T1114/003/"

static const sp_rule r_impersonation = {
    "spoor.exchange.admin.impersonation_grant",
    "ApplicationImpersonation role granted",
    RS,
    AU,
    "New-ManagementRoleAssignment with the ApplicationImpersonation role: "
    "the account given it can open any mailbox through EWS.",
    "T1098.002",
    "",
    SP_LEVEL_HIGH,
    MITRE_DELEGATE};
static const sp_rule r_transport = {
    "spoor.exchange.admin.transport_rule_copy",
    "Transport rule that copies or redirects mail",
    RS,
    AU,
    "New-TransportRule or Set-TransportRule with BlindCopyTo, CopyTo, "
    "RedirectMessageTo or AddToRecipients: mail of the whole organisation "
    "copied to an address.",
    "T1114.003",
    "",
    SP_LEVEL_HIGH,
    MITRE_FORWARD};
static const sp_rule r_forward = {
    "spoor.exchange.admin.mail_forwarding",
    "Mailbox forwarding or forwarding inbox rule set",
    RS,
    AU,
    "Set-Mailbox with ForwardingSmtpAddress or ForwardingAddress, or "
    "New-InboxRule/Set-InboxRule with ForwardTo, ForwardAsAttachmentTo or "
    "RedirectTo: a mailbox's mail sent on to another address.",
    "T1114.003",
    "",
    SP_LEVEL_MEDIUM,
    MITRE_FORWARD};
static const sp_rule r_permission = {
    "spoor.exchange.admin.mailbox_permission",
    "FullAccess or SendAs granted on a mailbox",
    RS,
    AU,
    "Add-MailboxPermission with FullAccess, or Add-RecipientPermission "
    "with SendAs: another account may read or send as the mailbox.",
    "T1098.002",
    "",
    SP_LEVEL_MEDIUM,
    MITRE_DELEGATE};
static const sp_rule r_export = {
    "spoor.exchange.admin.mailbox_export",
    "Mailbox export requested",
    RS,
    AU,
    "New-MailboxExportRequest: a whole mailbox written to a PST file. "
    "HAFNIUM used Exchange PowerShell to export mailbox data.",
    "T1114.002",
    "",
    SP_LEVEL_MEDIUM,
    "https://www.microsoft.com/en-us/security/blog/2021/03/02/"
    "hafnium-targeting-exchange-servers/"};
static const sp_rule r_export_rm = {
    "spoor.exchange.admin.mailbox_export_removed",
    "Mailbox export requests removed",
    RS,
    AU,
    "Remove-MailboxExportRequest: export requests deleted after the "
    "export, as intruders do to cover the export.",
    "T1070",
    "",
    SP_LEVEL_LOW,
    "https://attack.mitre.org/techniques/T1114/002/"};

const sp_rule *const sp_exchange_admin_rules[] = {
    &r_impersonation, &r_transport, &r_forward, &r_permission,
    &r_export,        &r_export_rm, NULL};

static bool any_param(sp_str params, const char *const *names) {
  for (size_t i = 0; names[i]; i++)
    if (sp_cmdlet_param(params, names[i]).p)
      return true;
  return false;
}

/* The rule a cmdlet line falls under, or NULL. */
static const sp_rule *judge(sp_str cmd) {
  sp_str name, params;
  if (!sp_cmdlet_split(cmd, &name, &params))
    return NULL;
  if (sp_str_ieq(name, "New-ManagementRoleAssignment")) {
    sp_str role = sp_cmdlet_param(params, "Role");
    return role.p && sp_str_ifind(role, "ApplicationImpersonation") >= 0
               ? &r_impersonation
               : NULL;
  }
  if (sp_str_ieq(name, "New-TransportRule") ||
      sp_str_ieq(name, "Set-TransportRule")) {
    static const char *const p[] = {
        "BlindCopyTo", "CopyTo", "RedirectMessageTo", "AddToRecipients", NULL};
    return any_param(params, p) ? &r_transport : NULL;
  }
  if (sp_str_ieq(name, "Set-Mailbox")) {
    static const char *const p[] = {"ForwardingSmtpAddress",
                                    "ForwardingAddress", NULL};
    return any_param(params, p) ? &r_forward : NULL;
  }
  if (sp_str_ieq(name, "New-InboxRule") || sp_str_ieq(name, "Set-InboxRule")) {
    static const char *const p[] = {"ForwardTo", "ForwardAsAttachmentTo",
                                    "RedirectTo", NULL};
    return any_param(params, p) ? &r_forward : NULL;
  }
  if (sp_str_ieq(name, "Add-MailboxPermission")) {
    sp_str r = sp_cmdlet_param(params, "AccessRights");
    return r.p && sp_str_ifind(r, "FullAccess") >= 0 ? &r_permission : NULL;
  }
  if (sp_str_ieq(name, "Add-RecipientPermission")) {
    sp_str r = sp_cmdlet_param(params, "AccessRights");
    return r.p && sp_str_ifind(r, "SendAs") >= 0 ? &r_permission : NULL;
  }
  if (sp_str_ieq(name, "New-MailboxExportRequest"))
    return sp_exch_export_to_script(cmd) ? NULL : &r_export;
  if (sp_str_ieq(name, "Remove-MailboxExportRequest"))
    return &r_export_rm;
  return NULL;
}

typedef struct adm_state {
  int f_data; /* "Data": the unnamed values of event log records */
} adm_state;

static void *adm_create(const sp_dctx *ctx) {
  adm_state *s = calloc(1, sizeof *s);
  if (s)
    s->f_data = sp_dctx_field(ctx, "Data");
  return s;
}

static void adm_on_event(void *st, const sp_event *ev, sp_fset *out) {
  adm_state *s = st;
  sp_str cmd = sp_event_get(ev, SP_F_EXCH_ECP_CMD), user = {0};
  char buf[4096];
  if (ev->kind == SP_SRC_EVTX) {
    size_t n = sp_exch_cmdlet_of_event(ev, s->f_data, buf, sizeof buf, &user);
    cmd = sp_str_make(buf, n);
  }
  if (cmd.n < 8)
    return;
  const sp_rule *r = judge(cmd);
  if (!r)
    return;
  sp_hit h;
  sp_hit_from_event(&h, r, ev);
  sp_hit_field(&h, ev, SP_F_HOST_NAME);
  if (user.n)
    sp_hit_entity(&h, "user.name", user);
  else
    sp_hit_field(&h, ev, SP_F_USER_NAME);
  sp_hit_field(&h, ev, SP_F_SOURCE_IP);
  h.reason = cmd;
  sp_fset_add(out, &h);
}

static void adm_destroy(void *st) { free(st); }

const sp_detector_vt sp_det_exchange_admin = {
    .name = "exchange_admin",
    .phases = SP_PHASE_LOGS,
    .create = adm_create,
    .on_event = adm_on_event,
    .destroy = adm_destroy,
};
