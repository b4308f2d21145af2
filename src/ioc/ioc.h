/*
 * ioc.h - the indicator set: indicators of compromise loaded from threat
 * intelligence files (STIX 2.1, MISP JSON and CSV, CSV with a header, plain
 * lists, signature-base's hash / filename / C2 lists, CHIRP YAML) and the
 * indexes that match event values against them in time independent of the
 * set's size.
 *
 * Lifecycle: sp_ioc_set_create, any number of sp_ioc_load_path /
 * sp_ioc_load_buffer, sp_ioc_set_finish (builds the indexes, compiles the
 * file-name regexes), then read-only matching from any number of threads,
 * then sp_ioc_set_destroy. The engine registers the set as the run-wide
 * input "ioc" (detect/ioc.c matches events against it).
 *
 * Each loaded value is one indicator (an id, 0..count-1, in load order). A
 * STIX pattern is a group of indicators: an OR of terms each of which is an
 * AND of comparisons; each comparison is one indicator, a term's
 * comparisons are consecutive ids with the same group and group size.
 *
 * Normal forms (both indicators and event values go through them):
 *  - IP: 16-byte form of core/ip.h (IPv4 as IPv4-mapped IPv6); CIDR ranges
 *    by prefix length; a lookup costs one hash probe per distinct prefix
 *    length in the set (at most 129), whatever the number of indicators;
 *  - domain: lower case, trailing dots removed; a domain indicator matches
 *    itself and its subdomains (one probe per label of the value);
 *  - URL: scheme and host lower case, default port (80/443/21) removed,
 *    percent-encoding of unreserved characters decoded and of the rest upper
 *    case, empty path made "/", fragment removed;
 *  - hashes, e-mail addresses, JA3/JA4: lower case; e-mail without a
 *    "smtp:" prefix or angle brackets;
 *  - user agent: trimmed, '+' read as a space (IIS writes spaces as '+');
 *  - file path: lower case, '\' as '/', drive letter removed; it matches a
 *    path that ends with its last three components (or all, when fewer);
 *  - file-name regex (signature-base): PCRE2, caseless, with its
 *    false-positive regex; all compiled into one Hyperscan database
 *    (prefilter mode, each hit confirmed by PCRE2).
 *
 * Limits: SP_IOC_MAX_VALUE bytes per value, SP_IOC_MAX_FILE bytes per file,
 * SP_IOC_MAX_INDICATORS indicators in all, SP_IOC_MAX_FILES files per load.
 * Entries that cannot be used (bad values, unsupported types or patterns,
 * values over the size limit) are skipped and counted per reason
 * (sp_ioc_set_skipped); the detector reports them as limits.
 */
#ifndef SP_IOC_IOC_H
#define SP_IOC_IOC_H

#include "core/ip.h"
#include "core/str.h"
#include "spoor/spoor.h"

#define SP_IOC_MAX_VALUE 4096
#define SP_IOC_MAX_FILE (512u << 20)
#define SP_IOC_MAX_INDICATORS (64u << 20)
#define SP_IOC_MAX_FILES 100000

typedef enum sp_ioc_type {
  SP_IOC_IP,       /* address or CIDR range */
  SP_IOC_DOMAIN,   /* domain and its subdomains */
  SP_IOC_URL,      /* normalized URL */
  SP_IOC_MD5,      /* 32 hex */
  SP_IOC_SHA1,     /* 40 hex */
  SP_IOC_SHA256,   /* 64 hex */
  SP_IOC_EMAIL,    /* e-mail address */
  SP_IOC_JA3,      /* JA3/JA3S (md5 text) */
  SP_IOC_JA4,      /* JA4 fingerprint */
  SP_IOC_UA,       /* user agent, exact */
  SP_IOC_FILENAME, /* exact file name (STIX file:name, MISP filename) */
  SP_IOC_FILEPATH, /* file path (tail match) */
  SP_IOC_REGEX,    /* file path regex (signature-base) */
  SP_IOC__COUNT
} sp_ioc_type;

/* Skip reasons (counted, never an error). */
typedef enum sp_ioc_skip {
  SP_IOC_SKIP_BAD,         /* unparseable value or line */
  SP_IOC_SKIP_UNSUPPORTED, /* a type or pattern spoor cannot match */
  SP_IOC_SKIP_CUT,         /* over a size or count limit */
  SP_IOC_SKIP__COUNT
} sp_ioc_skip;

typedef struct sp_ioc_set sp_ioc_set;

/* What one indicator is and where it came from. Strings live as long as the
 * set. */
typedef struct sp_ioc_info {
  sp_ioc_type type;
  const char *value;       /* normal form (for IP: as written, trimmed) */
  const char *source;      /* the file it was loaded from */
  const char *format;      /* "stix", "misp-json", "misp-csv", "csv", "list",
                              "signature-base", "chirp" */
  const char *feed;        /* provider / event / indicator name, or "" */
  const char *comment;     /* description or comment, or "" */
  const char *reference;   /* URL, or "" */
  const char *pattern;     /* a STIX indicator's pattern, or "" */
  uint32_t line;           /* line in the source (0 when unknown) */
  int score;               /* 0..100, -1 when the source gives none */
  int64_t valid_until;     /* ns; INT64_MAX when open */
  uint32_t group, group_n; /* first id and size of its AND term */
  uint32_t canon; /* the first indicator (load order) of the same type and
                     value: duplicates across feeds are one indicator */
  uint32_t same;  /* entries sharing the value (canonical ones; else 0) */
} sp_ioc_info;

sp_err sp_ioc_set_create(sp_ioc_set **out);
void sp_ioc_set_destroy(sp_ioc_set *s);

/* Load a file, or every regular file under a folder (sorted, recursive,
 * hidden names skipped). The format is detected from the content. A file
 * that cannot be read or parsed as a whole (bad JSON, bad YAML) fails with
 * diag naming the file and line; bad entries are skipped and counted. */
sp_err sp_ioc_load_path(sp_ioc_set *s, const char *path, sp_diag *diag);
/* Load from memory; name stands for the file in messages and findings. */
sp_err sp_ioc_load_buffer(sp_ioc_set *s, const char *name, const char *buf,
                          size_t n, sp_diag *diag);
/* Add one value of a known type (tests, benchmarks). */
sp_err sp_ioc_add(sp_ioc_set *s, sp_ioc_type type, sp_str value,
                  const char *source, int score, sp_str comment);
/* Build the indexes. Required once, after loading, before matching. */
sp_err sp_ioc_set_finish(sp_ioc_set *s, sp_diag *diag);

size_t sp_ioc_set_count(const sp_ioc_set *s);
size_t sp_ioc_set_count_type(const sp_ioc_set *s, sp_ioc_type t);
uint64_t sp_ioc_set_skipped(const sp_ioc_set *s, sp_ioc_skip why);
/* Files loaded. */
size_t sp_ioc_set_files(const sp_ioc_set *s);
bool sp_ioc_set_get(const sp_ioc_set *s, uint32_t id, sp_ioc_info *out);
const char *sp_ioc_type_name(sp_ioc_type t);

/* Matching: each call appends the ids of matching indicators to ids[0..cap)
 * and returns how many matched (which may exceed cap: the rest are not
 * written). Safe from any thread after finish. */
size_t sp_ioc_match_ip(const sp_ioc_set *s, const sp_ip *ip, uint32_t *ids,
                       size_t cap);
/* Domain and its parents; v as the evidence has it. */
size_t sp_ioc_match_domain(const sp_ioc_set *s, sp_str v, uint32_t *ids,
                           size_t cap);
/* An absolute URL (scheme://...). */
size_t sp_ioc_match_url(const sp_ioc_set *s, sp_str v, uint32_t *ids,
                        size_t cap);
/* Exact (normalized) lookups: MD5/SHA1/SHA256 by length of v, e-mail, JA3
 * (also against MD5 indicators of plain lists), JA4, user agent, file name. */
size_t sp_ioc_match_exact(const sp_ioc_set *s, sp_ioc_type t, sp_str v,
                          uint32_t *ids, size_t cap);
/* A hex hash of any of the three lengths. */
size_t sp_ioc_match_hash(const sp_ioc_set *s, sp_str v, uint32_t *ids,
                         size_t cap);
/* A file path or URL path against path indicators, file names and the
 * regexes. scratch: per-thread state from sp_ioc_scratch_create. */
typedef struct sp_ioc_scratch sp_ioc_scratch;
sp_err sp_ioc_scratch_create(const sp_ioc_set *s, sp_ioc_scratch **out);
void sp_ioc_scratch_destroy(sp_ioc_scratch *sc);
size_t sp_ioc_match_path(const sp_ioc_set *s, sp_ioc_scratch *sc, sp_str v,
                         bool regexes, uint32_t *ids, size_t cap);

/* Normal forms (exposed for tests): write into buf (cap bytes), return the
 * length, 0 when v is not of that kind. */
size_t sp_ioc_norm_domain(sp_str v, char *buf, size_t cap);
size_t sp_ioc_norm_url(sp_str v, char *buf, size_t cap);
size_t sp_ioc_norm_email(sp_str v, char *buf, size_t cap);
/* The registered domain (public suffix plus one label, Public Suffix List
 * via libpsl) of a normalized domain, into buf; 0 when there is none (the
 * name is a public suffix itself, or no list is available). */
size_t sp_ioc_registered_domain(const sp_ioc_set *s, const char *domain,
                                char *buf, size_t cap);

/* Type of a bare value in a plain list; false when none fits. */
bool sp_ioc_infer(sp_str v, sp_ioc_type *out);

#endif
