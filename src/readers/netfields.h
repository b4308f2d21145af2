/*
 * netfields.h - what the network readers (Zeek TSV, Zeek JSON, Suricata
 * EVE, pcap) share: Zeek's vocabulary. The ECS fast field a Zeek column also
 * fills (id.orig_h -> source.ip, http host -> url.domain, ...), the log type
 * of a Zeek file name (conn.log, dns.00:00:00-01:00:00.log.gz -> "conn",
 * "dns"), and epoch-seconds time stamps ("1258531221.486539") to ns.
 * No state, no allocation.
 */
#ifndef SP_READERS_NETFIELDS_H
#define SP_READERS_NETFIELDS_H

#include "core/str.h"
#include "event/event.h"

#include <stdbool.h>
#include <stdint.h>

#define SP_NET_PATH_MAX 64 /* bytes of a log type name */

/* The ECS field (SP_F_*) the Zeek column `col` of a log of type `path` also
 * fills, or -1. id.* columns map in every log; host/uri/method/user_agent/
 * status_code only in http, query in dns, server_name in ssl, the hashes and
 * filename in files. */
int sp_net_ecs(sp_str path, sp_str col);

/* "1258531221.486539" (optionally negative, up to 9 fraction digits) -> ns
 * since the epoch; false when s is not that shape or out of range. */
bool sp_net_epoch_ns(sp_str s, int64_t *ns);

/* The Zeek log type named by a file name: the base name up to the first '.'
 * ("conn.log" -> "conn", "dns.2024-04-19-00-00-00.log.gz" -> "dns",
 * "/x/http_80.log" -> "http_80"); an empty slice when the name does not end
 * in .log, .log.gz, .json or .json.gz. */
sp_str sp_net_path_from_file(const char *file);

/* The Zeek log types with a known vocabulary (conn, dns, http, ...): true
 * when s is one of them. */
bool sp_net_known_path(sp_str s);

#endif
