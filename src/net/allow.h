/*
 * allow.h - the network analytics' run-wide configuration, registered as the
 * engine input "net_allow": allow lists of CIDRs and domains (the shipped
 * defaults, rules/net/allow.txt embedded in the library, plus --allow
 * files), the RITA compatibility switch and the memory budget.
 *
 * An allow-listed destination is down-ranked, never hidden: findings say
 * which entry matched and why it is there (the entry's comment).
 *
 * File format: one entry per line, a CIDR ("17.0.0.0/8"), an address or a
 * domain ("windowsupdate.com": the domain and every name under it), then an
 * optional "# comment". Blank lines and lines starting with '#' are skipped.
 * Bounds: SP_ALLOW_MAX entries, SP_ALLOW_LINE bytes per line, 253-byte
 * domains; a bad line is an error naming file and line.
 *
 * Read-only after creation: safe to share between worker threads.
 */
#ifndef SP_NET_ALLOW_H
#define SP_NET_ALLOW_H

#include "core/ip.h"
#include "spoor/spoor.h"

#define SP_ALLOW_MAX 65536
#define SP_ALLOW_LINE 1024

typedef struct sp_net_allow sp_net_allow;

typedef struct sp_net_cfg {
  const char *const *paths; /* --allow files */
  size_t n_paths;
  bool no_defaults; /* leave the shipped list out (tests) */
  bool rita_compat; /* --rita-compat */
  size_t mem_cap;   /* bytes for the pair state; 0: the default */
} sp_net_cfg;

#define SP_NET_MEM_DEFAULT ((size_t)3 << 30) /* 3 GiB */

sp_err sp_net_allow_create(const sp_net_cfg *cfg, sp_net_allow **out,
                           sp_diag *diag);
void sp_net_allow_destroy(sp_net_allow *a);
/* Parse entries from text (name says where they come from in errors). */
sp_err sp_net_allow_add_text(sp_net_allow *a, const char *text, size_t len,
                             const char *name, sp_diag *diag);

bool sp_net_allow_rita(const sp_net_allow *a);
size_t sp_net_allow_mem_cap(const sp_net_allow *a);
size_t sp_net_allow_count(const sp_net_allow *a);

/* The entry matching ip / domain name (case-insensitive, a trailing dot
 * ignored), as an index >= 0, or -1. */
int sp_net_allow_ip(const sp_net_allow *a, const sp_ip *ip);
int sp_net_allow_domain(const sp_net_allow *a, sp_str name);
/* An entry's text and comment (NUL-terminated, owned by a). */
const char *sp_net_allow_entry(const sp_net_allow *a, int i);
const char *sp_net_allow_comment(const sp_net_allow *a, int i);

/* Private-use addresses (RFC 1918, RFC 4193 ULA, loopback, link-local,
 * RFC 6598 shared space): "internal" as RITA's default internal_subnets. */
bool sp_net_internal(const sp_ip *ip);

#endif
