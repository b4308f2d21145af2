/*
 * http.h - HTTP/1.x request and response heads for the pcap reader, read
 * from the first segment of a message (no reassembly): the request line
 * (method, URI, version) with the Host and User-Agent headers, or the
 * status line (version, code, reason). Slices point into the packet; no
 * allocation. Header lines past the segment are not seen.
 */
#ifndef SP_PKT_HTTP_H
#define SP_PKT_HTTP_H

#include "core/str.h"

typedef struct sp_http_head {
  bool request;
  sp_str method, uri, version, host, user_agent, referrer; /* request */
  sp_str status, reason;                                   /* response */
} sp_http_head;

/* True when p starts with an HTTP/1.x request line or status line. */
bool sp_http_parse(const uint8_t *p, size_t n, sp_http_head *h);

#endif
