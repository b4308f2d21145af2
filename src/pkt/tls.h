/*
 * tls.h - TLS ClientHello / ServerHello parsing for the pcap reader: the
 * server name (SNI), JA3 (the MD5 of "version,ciphers,extensions,groups,
 * point formats", GREASE values left out, as Salesforce's ja3 defines it)
 * and JA4 (FoxIO's "t13d1516h2_<sha256 of sorted ciphers>_<sha256 of
 * sorted extensions and signature algorithms>"), and the negotiated version
 * from a ServerHello ("TLSv12", "TLSv13" as Zeek's ssl.log writes it).
 * Reads one TLS record from the start of a segment; bounded (at most
 * SP_TLS_MAX_LIST values per list); no allocation.
 */
#ifndef SP_PKT_TLS_H
#define SP_PKT_TLS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SP_TLS_MAX_LIST 128
#define SP_TLS_SNI_MAX 256

typedef struct sp_tls_hello {
  bool client;      /* ClientHello (else ServerHello) */
  uint16_t version; /* legacy_version, or the supported_versions choice */
  char sni[SP_TLS_SNI_MAX];
  size_t sni_n;
  char ja3[33];    /* hex MD5 */
  char ja4[40];    /* t13d1516h2_xxxxxxxxxxxx_xxxxxxxxxxxx */
  uint16_t cipher; /* ServerHello: the chosen suite */
} sp_tls_hello;

/* Parse a handshake record holding a ClientHello or ServerHello at the
 * start of p; NULL on success, else a reason ("not a TLS handshake" for
 * other data). */
const char *sp_tls_parse_hello(const uint8_t *p, size_t n, sp_tls_hello *h);

/* Zeek's name of a version ("TLSv12", "SSLv3", "DTLSv12"); NULL if unknown. */
const char *sp_tls_version_name(uint16_t v);

#endif
