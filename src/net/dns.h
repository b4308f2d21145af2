/*
 * dns.h - DNS tunnelling and exfiltration features, aggregated per
 * registered domain (the Public Suffix List through libpsl: "a.b.evil.co.uk"
 * belongs to "evil.co.uk").
 *
 * Per registered domain: the distinct names under it counted as RITA v5
 * does ("exploded": each query contributes every suffix from the registered
 * domain up to the full name), queries, TXT/NULL queries, the longest label
 * and the mean Shannon entropy (bits per character) and length of the part
 * left of the registered domain, the first querying host and how many
 * distinct hosts queried it (up to 255), the first evidence.
 *
 * Verdict: tunnel when >= SP_DNS_UNIQUE_MIN distinct names (RITA's C2 base
 * threshold), or >= SP_DNS_SHAPE_UNIQUE distinct names whose labels look
 * encoded (mean left part >= 20 characters with entropy >= 3.5 bits, or a
 * label >= 40 characters), or TXT/NULL in over half of >= 20 queries to
 * >= 10 distinct names. Score: RITA's bucketed C2 score of the distinct
 * count (100/500/800/1000) raised by the shape and TXT/NULL sub-scores:
 *   score = max(c2, 0.5 c2 + 0.3 shape + 0.2 txtnull)  (in [0, 1]).
 *
 * Budgets: SP_DNS_DOMAINS domains (further domains' queries counted, not
 * kept: sp_dnsagg_dropped), SP_DNS_NAMES distinct names remembered per
 * domain (beyond, the count is a lower bound: `saturated`), names over 253
 * bytes cut. Not thread-safe: one per detector instance, merged.
 */
#ifndef SP_NET_DNS_H
#define SP_NET_DNS_H

#include "core/ip.h"
#include "spoor/spoor.h"

#define SP_DNS_DOMAINS (1u << 20)
#define SP_DNS_NAMES 4096
#define SP_DNS_UNIQUE_MIN 100
#define SP_DNS_SHAPE_UNIQUE 20

typedef struct sp_dnsagg sp_dnsagg;

typedef struct sp_dnsdom {
  char name[256]; /* registered domain, lower case */
  uint64_t queries, txt_null;
  uint32_t unique; /* distinct exploded names (a lower bound if saturated) */
  bool saturated;
  uint32_t max_label;
  double mean_entropy, mean_len; /* of the part left of the domain */
  sp_ip first_src;
  uint32_t hosts;   /* distinct querying hosts, up to 255 */
  int64_t first_ts; /* ns */
  uint32_t ref_file;
  uint64_t ref_line;
  int ref_kind;
  double score, c2, shape, txtnull;
  bool tunnel;
} sp_dnsdom;

/* psl: a psl_ctx_t (libpsl), borrowed. */
sp_err sp_dnsagg_create(const void *psl, sp_dnsagg **out);
void sp_dnsagg_destroy(sp_dnsagg *a);
/* One query: name as queried, qtype (numeric, 0 unknown), source (or
 * NULL), time and evidence reference. false when out of memory. */
bool sp_dnsagg_add(sp_dnsagg *a, const char *name, size_t n, int qtype,
                   const sp_ip *src, int64_t ts, uint32_t file, uint64_t line,
                   int ref_kind);
/* The registered domain of name into out (cap >= 256); false if none
 * (a bare public suffix, an address, an empty name). */
bool sp_dns_registered(const void *psl, const char *name, size_t n, char *out);
bool sp_dnsagg_merge(sp_dnsagg *dst, sp_dnsagg *src);
uint64_t sp_dnsagg_dropped(const sp_dnsagg *a);
size_t sp_dnsagg_count(const sp_dnsagg *a);
/* Domain i with its features and verdict computed. */
void sp_dnsagg_get(const sp_dnsagg *a, size_t i, sp_dnsdom *out);
/* Shannon entropy of s in bits per byte. */
double sp_dns_entropy(const char *s, size_t n);

#endif
