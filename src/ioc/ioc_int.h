/*
 * ioc_int.h - the indicator set's internals, shared by set.c (storage,
 * indexes, matching) and the loaders (load.c: format detection, lists, CSV,
 * signature-base, CHIRP; stix.c: STIX 2.1 and MISP JSON).
 */
#ifndef SP_IOC_IOC_INT_H
#define SP_IOC_IOC_INT_H

#include "ioc/ioc.h"

#include <stdbool.h>

typedef struct sp_ioc_ind {
  uint32_t value, key, key_len, fp; /* arena offsets (0: "") */
  uint32_t source, format, feed, comment, reference, pattern;
  uint32_t line, group, group_n;
  uint32_t canon; /* the first indicator of the same type and value */
  uint32_t same;  /* on the canonical one: how many share its value */
  int16_t score;
  uint8_t type;
  int64_t valid_until;
} sp_ioc_ind;

typedef struct sp_ioc_re {
  uint32_t id;
  void *re, *fp; /* pcre2_code */
} sp_ioc_re;

struct sp_ioc_set {
  sp_ioc_ind *ind;
  size_t n, cap;
  char *arena;
  size_t an, acap;
  size_t per_type[SP_IOC__COUNT];
  uint64_t skipped[SP_IOC_SKIP__COUNT];
  size_t files;
  uint32_t cache_source, cache_format, cache_feed, cache_comment;
  /* indexes */
  bool finished;
  uint64_t *slot; /* fingerprint << 32 | id; 0: empty */
  size_t slots;
  uint64_t *bloom; /* bloom_blocks blocks of 8 words */
  size_t bloom_blocks;
  bool prefix_used[129];
  uint8_t prefixes[129];
  size_t n_prefixes;
  sp_ioc_re *re;
  size_t n_re;
  void *hsdb; /* hs_database_t */
  uint32_t *hs_only_pcre;
  size_t n_pcre_only;
  const void *psl; /* psl_ctx_t: the Public Suffix List */
  void *psl_own;   /* the same when loaded from a file (freed) */
};

/* Where an indicator comes from (arena offsets). */
typedef struct sp_ioc_meta {
  uint32_t source, format, feed, comment, reference, pattern, line;
  int score;
  int64_t valid_until; /* 0: open */
} sp_ioc_meta;

uint32_t sp_ioc_str(sp_ioc_set *s, const char *p, size_t n);
uint32_t sp_ioc_str_cached(sp_ioc_set *s, uint32_t *cache, const char *p,
                           size_t n);
void sp_ioc_skip_add(sp_ioc_set *s, sp_ioc_skip why);
/* Add one value; a bad value is counted, not an error. fp: a regex's
 * false-positive regex. */
sp_err sp_ioc_add_ex(sp_ioc_set *s, const sp_ioc_meta *m, sp_ioc_type t,
                     sp_str value, sp_str fp);

/* diag: "--ioc PATH[:LINE]: msg". */
void sp_ioc_diag(sp_diag *d, sp_err e, const char *path, size_t line,
                 const char *msg);

/* True when value is a valid indicator of type t. */
bool sp_ioc_valid(sp_ioc_type t, sp_str value);

/* Format loaders over a whole file's text. */
sp_err sp_ioc_load_json(sp_ioc_set *s, const char *name, const char *buf,
                        size_t n, sp_diag *diag);
sp_err sp_ioc_load_yaml(sp_ioc_set *s, const char *name, const char *buf,
                        size_t n, sp_diag *diag);
/* A value under a type name (composite MISP types split). */
sp_err sp_ioc_add_named(sp_ioc_set *s, const sp_ioc_meta *m, sp_str tname,
                        sp_str value);
/* Map a type name (MISP, MSTIC, STIX object, generic) to a type. */
bool sp_ioc_type_from_name(sp_str name, sp_ioc_type *out);

#endif
