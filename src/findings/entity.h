/*
 * entity.h - normalised entities and the stable identity of a finding.
 *
 * Evidence spells one thing many ways: "[::FFFF:192.0.2.1]:443" and
 * "192.0.2.1", "EXCH01.corp.example." and "exch01.corp.example",
 * "CONTOSO\Alice" and "alice". This module maps an entity value to one
 * canonical text per field kind, and builds from a finding's rule id and
 * normalised entities the canonical byte string whose SHA-256 is the
 * finding's stable id (docs/SCHEMA.md, "Finding id", is the contract).
 *
 * Pure functions: no state, no allocation except sp_identity_build's
 * canonical string, which the caller owns. Called when the public findings
 * are built (engine/result.c), never per event.
 */
#ifndef SP_FINDINGS_ENTITY_H
#define SP_FINDINGS_ENTITY_H

#include "core/str.h"
#include "spoor/spoor.h"

/* Hex digits of a finding id: the first 128 bits of a SHA-256. */
#define SP_ID_HEX_LEN 32
/* First item of every canonical string; a new normalisation gets a new one. */
#define SP_IDENTITY_VERSION "spoor-finding-v1"
/* Room for any canonical IP text (IPv6 without dotted tail: 39 bytes). */
#define SP_IP_CANON_CAP 46
/* Normalised entities per finding: at most two per entity (user and
 * domain), for at most SP_IDENTITY_MAX_IN entities. */
#define SP_IDENTITY_MAX_IN 8
#define SP_IDENTITY_MAX_ENT (2 * SP_IDENTITY_MAX_IN)

/* What an entity field holds, from its ECS name alone. */
typedef enum sp_entity_kind {
  SP_EK_OTHER = 0,   /* kept exactly as is */
  SP_EK_IP,          /* last segment "ip" or ending in "_ip": source.ip */
  SP_EK_HOST,        /* host.name, *.hostname, *.domain except user ones */
  SP_EK_USER,        /* user.name, *.user.name */
  SP_EK_USER_DOMAIN, /* user.domain, *.user.domain */
  SP_EK_HASH         /* *.hash.*: file.hash.sha256 */
} sp_entity_kind;

sp_entity_kind sp_entity_kind_of(const char *field);

/* Canonical text of an IP address into out (SP_IP_CANON_CAP bytes):
 * IPv4 as a dotted quad without leading zeros (each part 1-3 decimal
 * digits, read as decimal); IPv6 in RFC 5952 form (lower case, no leading
 * zeros, "::" for the first longest run of two or more zero groups, no
 * dotted tail); IPv4-mapped IPv6 (::ffff:a.b.c.d) as IPv4. Surrounding
 * spaces, brackets, a zone ("%eth0") and a port (":443" after IPv4 or after
 * "]") are removed. Returns the length, or 0 (out = "") if v is none. */
size_t sp_ip_canon(sp_str v, char *out);

/* A user name's parts: "DOMAIN\user" and "user@domain" split at the first
 * backslash or else at the last '@'; a bare name has no domain (domain.n
 * is 0). An empty user part makes the whole (trimmed) value the user. */
void sp_user_split(sp_str v, sp_str *user, sp_str *domain);

/* The normalised value of an entity, by the kind of its field:
 *   IP           sp_ip_canon; a value that is no address is kept trimmed
 *   HOST         an IP literal as sp_ip_canon, else ASCII lower case with
 *                trailing dots removed (punycode and UTF-8 kept as is)
 *   USER         the user part of sp_user_split, ASCII lower case
 *   USER_DOMAIN  ASCII lower case, trailing dots removed
 *   HASH         ASCII lower case
 *   OTHER        unchanged
 * Writes at most cap bytes including the NUL (cap > 0) and returns the
 * full length, like snprintf: at most value.n, or SP_IP_CANON_CAP - 1 for
 * an address. Removing trailing dots never empties a value: "." and ".."
 * become ".". */
size_t sp_entity_normalize(const char *field, sp_str value, char *out,
                           size_t cap);

/* The normalised domain part of a user entity, into out (cap > 0):
 * returns its length, 0 if the value names no domain. */
size_t sp_entity_user_domain(sp_str value, char *out, size_t cap);

/* Where a normalised entity belongs among ECS related.*; NONE for none. */
typedef enum sp_related {
  SP_REL_NONE = 0,
  SP_REL_IP,    /* related.ip: only values that are IP addresses */
  SP_REL_USER,  /* related.user */
  SP_REL_HOSTS, /* related.hosts */
  SP_REL_HASH   /* related.hash */
} sp_related;

sp_related sp_entity_related(const char *field, const char *norm_value);

/* A finding's identity: its canonical string and id.
 *   canon = SP_IDENTITY_VERSION NUL rule_id NUL
 *           (field NUL value NUL) for each normalised entity,
 * entities sorted by field, then value (bytewise), duplicates once.
 * Fields and values inside canon are NUL-terminated C strings, so callers
 * may point into it. */
typedef struct sp_identity {
  char *canon; /* malloc'd; owned by the caller (sp_identity_free) */
  size_t len;  /* bytes of canon, the last NUL included */
  size_t n;    /* normalised entities in canon */
  char id[SP_ID_HEX_LEN + 1];
} sp_identity;

/* Build the identity of a finding of rule_id on n entities (n at most
 * SP_IDENTITY_MAX_IN). Each entity is normalised (sp_entity_normalize); a
 * user entity also yields its domain field ("user.name" -> "user.domain");
 * a "file.path" equal to local_path (the scanned file's path on this
 * machine, or NULL) yields "file.name" with its last path component, so the
 * id never depends on where the evidence was mounted. Fails with SP_EINVAL
 * or SP_ENOMEM (out is then empty). */
sp_err sp_identity_build(sp_identity *out, const char *rule_id,
                         const char *const *fields, const char *const *values,
                         size_t n, const char *local_path);
void sp_identity_free(sp_identity *id);

/* The i-th normalised (field, value) of an identity, i < id->n. */
void sp_identity_entity(const sp_identity *id, size_t i, const char **field,
                        const char **value);

#endif
