/*
 * cmdlet.h - Exchange cmdlet lines as logs record them.
 *
 * The ECP Server log writes a cmdlet as its name followed by ".Param=value"
 * pairs ("Set-Mailbox.Identity='x'.ForwardingSmtpAddress='a@b'"); values
 * are quoted with ' (doubled inside) or bare ($null, $true). Event log and
 * PowerShell transcripts write "Name -Param value -Param 'value'". Both are
 * read here, bounded by the slice given; nothing is copied.
 */
#ifndef SP_EXCHANGE_CMDLET_H
#define SP_EXCHANGE_CMDLET_H

#include "core/str.h"
#include <stdbool.h>

/* Split a cmdlet line into its name ("Verb-Noun") and the rest; false when
 * it does not start with a Verb-Noun name. */
bool sp_cmdlet_split(sp_str line, sp_str *name, sp_str *params);
/* The value of parameter `param` (case-insensitive) in params, quotes
 * removed; {NULL, 0} when absent, {p, 0} when present without a value. */
sp_str sp_cmdlet_param(sp_str params, const char *param);
/* New-MailboxExportRequest whose FilePath names a web script (.aspx, .ashx,
 * .asmx, .asp): the ProxyShell webshell write (CVE-2021-31207). */
bool sp_exch_export_to_script(sp_str s);

struct sp_event;
/* The cmdlet line of an "MSExchange Management" event log record (provider
 * MSExchange CmdletLogs): its first two unnamed <Data> values, the cmdlet
 * and its parameters ("Set-Mailbox -Identity ..."), joined with a space into
 * buf (cut at cap - 1). f_data is the engine's id of the field "Data". The
 * length, or 0 when ev is not such a record. *user gets the third value
 * (the caller's account), or an empty slice. */
size_t sp_exch_cmdlet_of_event(const struct sp_event *ev, int f_data, char *buf,
                               size_t cap, sp_str *user);

#endif
