/*
 * entity.c - normalised entities and the stable identity of a finding (see
 * entity.h; the canonical string is specified in docs/SCHEMA.md).
 *
 * IP addresses are parsed and formatted by core/ip.c (RFC 5952 text, not
 * inet_ntop, whose dotted tails differ between C libraries: "::0.2.0.3" for
 * ::2:3 in glibc), so the id is recomputable by any tool that follows RFC
 * 5952.
 * Case folding is ASCII only: no locale, the same bytes everywhere.
 */
#include "findings/entity.h"
#include "core/ip.h"

#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- field kinds --------------------------------------------------------- */

static bool ends_with(const char *s, const char *suffix) {
  size_t n = strlen(s), m = strlen(suffix);
  return n >= m && memcmp(s + n - m, suffix, m) == 0;
}

sp_entity_kind sp_entity_kind_of(const char *field) {
  if (!field)
    return SP_EK_OTHER;
  const char *dot = strrchr(field, '.');
  const char *last = dot ? dot + 1 : field;
  if (strcmp(last, "ip") == 0 || ends_with(last, "_ip"))
    return SP_EK_IP;
  if (strcmp(field, "user.name") == 0 || ends_with(field, ".user.name"))
    return SP_EK_USER;
  if (strcmp(field, "user.domain") == 0 || ends_with(field, ".user.domain"))
    return SP_EK_USER_DOMAIN;
  if (strcmp(field, "host.name") == 0 || strcmp(last, "hostname") == 0 ||
      strcmp(last, "domain") == 0)
    return SP_EK_HOST;
  if (strncmp(field, "hash.", 5) == 0 || strstr(field, ".hash."))
    return SP_EK_HASH;
  return SP_EK_OTHER;
}

/* ---- IP addresses -------------------------------------------------------- */

size_t sp_ip_canon(sp_str v, char *out) {
  out[0] = 0;
  sp_str s = sp_str_trim(v);
  sp_ip ip;
  if (!s.p || !sp_ip_parse(s, &ip))
    return 0;
  return sp_ip_format(&ip, out, SP_IP_CANON_CAP);
}

/* ---- names --------------------------------------------------------------- */

void sp_user_split(sp_str v, sp_str *user, sp_str *domain) {
  sp_str s = sp_str_trim(v);
  *user = s;
  *domain = sp_str_make(s.p, 0);
  if (!s.p || s.n == 0)
    return;
  const char *bs = memchr(s.p, '\\', s.n);
  const char *at = NULL;
  for (size_t i = s.n; !bs && i > 0; i--)
    if (s.p[i - 1] == '@') {
      at = s.p + i - 1;
      break;
    }
  sp_str u, d;
  if (bs) {
    d = sp_str_make(s.p, (size_t)(bs - s.p));
    u = sp_str_make(bs + 1, s.n - d.n - 1);
  } else if (at) {
    u = sp_str_make(s.p, (size_t)(at - s.p));
    d = sp_str_make(at + 1, s.n - u.n - 1);
  } else {
    return;
  }
  u = sp_str_trim(u);
  if (u.n == 0)
    return; /* "CONTOSO\" or "@contoso.com": the whole value is the name */
  *user = u;
  *domain = sp_str_trim(d);
}

/* A name without surrounding spaces and trailing dots, as long as one
 * byte remains ("." stays "."). */
static sp_str name_core(sp_str s) {
  s = sp_str_trim(s);
  while (s.n > 1 && (s.p[s.n - 1] == '.' || s.p[s.n - 1] == ' ' ||
                     s.p[s.n - 1] == '\t' || s.p[s.n - 1] == '\r'))
    s.n--;
  return s;
}

/* Copy s lower-cased (ASCII) into out (cap > 0); returns the full length. */
static size_t lower_copy(sp_str s, char *out, size_t cap) {
  size_t n = s.n < cap ? s.n : cap - 1;
  sp_lower_copy(out, s.p, n);
  out[n] = 0;
  return s.n;
}

static size_t plain_copy(sp_str s, char *out, size_t cap) {
  size_t n = s.n < cap ? s.n : cap - 1;
  if (n)
    memcpy(out, s.p, n);
  out[n] = 0;
  return s.n;
}

static size_t ip_into(sp_str v, char *out, size_t cap, bool *ok) {
  char ip[SP_IP_CANON_CAP];
  size_t n = sp_ip_canon(v, ip);
  *ok = n > 0;
  return n ? plain_copy(sp_str_make(ip, n), out, cap) : 0;
}

size_t sp_entity_normalize(const char *field, sp_str value, char *out,
                           size_t cap) {
  bool ok;
  size_t n;
  sp_str user, domain;
  switch (sp_entity_kind_of(field)) {
  case SP_EK_IP:
    n = ip_into(value, out, cap, &ok);
    return ok ? n : plain_copy(sp_str_trim(value), out, cap);
  case SP_EK_HOST:
    value = name_core(value);
    n = ip_into(value, out, cap, &ok);
    return ok ? n : lower_copy(value, out, cap);
  case SP_EK_USER:
    sp_user_split(value, &user, &domain);
    return lower_copy(user, out, cap);
  case SP_EK_USER_DOMAIN:
    return lower_copy(name_core(value), out, cap);
  case SP_EK_HASH:
    return lower_copy(value, out, cap);
  case SP_EK_OTHER:
    break;
  }
  return plain_copy(value, out, cap);
}

size_t sp_entity_user_domain(sp_str value, char *out, size_t cap) {
  sp_str user, domain;
  sp_user_split(value, &user, &domain);
  return lower_copy(name_core(domain), out, cap);
}

sp_related sp_entity_related(const char *field, const char *norm_value) {
  char ip[SP_IP_CANON_CAP];
  sp_str v = sp_str_make(norm_value, norm_value ? strlen(norm_value) : 0);
  switch (sp_entity_kind_of(field)) {
  case SP_EK_IP:
    return sp_ip_canon(v, ip) ? SP_REL_IP : SP_REL_NONE;
  case SP_EK_HOST:
    return sp_ip_canon(v, ip) ? SP_REL_IP : SP_REL_HOSTS;
  case SP_EK_USER:
    return SP_REL_USER;
  case SP_EK_HASH:
    return SP_REL_HASH;
  case SP_EK_USER_DOMAIN:
  case SP_EK_OTHER:
    break;
  }
  return SP_REL_NONE;
}

/* ---- identity ------------------------------------------------------------ */

typedef struct npair {
  char *field; /* owned */
  char *value; /* owned */
} npair;

static char *dup_n(const char *s, size_t n) {
  char *c = malloc(n + 1);
  if (c) {
    if (n)
      memcpy(c, s, n);
    c[n] = 0;
  }
  return c;
}

static int cmp_npair(const void *pa, const void *pb) {
  const npair *a = pa, *b = pb;
  int c = strcmp(a->field, b->field);
  return c ? c : strcmp(a->value, b->value);
}

/* The normalised pairs of one entity into ps (room for two). */
static size_t normalize_one(const char *field, const char *value,
                            const char *local_path, npair *ps) {
  size_t len = strlen(value);
  if (strcmp(field, "file.path") == 0 && local_path &&
      strcmp(value, local_path) == 0) {
    const char *slash = strrchr(value, '/');
    const char *name = slash && slash[1] ? slash + 1 : value;
    ps[0].field = dup_n("file.name", 9);
    ps[0].value = dup_n(name, strlen(name));
    return 1;
  }
  size_t cap = (len > SP_IP_CANON_CAP ? len : SP_IP_CANON_CAP) + 1;
  ps[0].field = dup_n(field, strlen(field));
  ps[0].value = malloc(cap);
  if (!ps[0].field || !ps[0].value)
    return 1;
  sp_str v = sp_str_make(value, len);
  if (sp_entity_normalize(field, v, ps[0].value, cap) == 0)
    plain_copy(v, ps[0].value, cap); /* never normalise to nothing */
  if (sp_entity_kind_of(field) != SP_EK_USER)
    return 1;
  char *dom = malloc(len + 1);
  if (!dom) {
    ps[1].field = ps[1].value = NULL;
    return 2; /* reported as out of memory by the caller */
  }
  if (sp_entity_user_domain(v, dom, len + 1) == 0) {
    free(dom);
    return 1;
  }
  /* "x.user.name" -> "x.user.domain" */
  size_t flen = strlen(field) - 4;
  ps[1].field = malloc(flen + 7);
  if (ps[1].field) {
    memcpy(ps[1].field, field, flen);
    memcpy(ps[1].field + flen, "domain", 7);
  }
  ps[1].value = dom;
  return 2;
}

static bool sha256_hex(const char *data, size_t len, char *hex) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  if (EVP_Digest(data, len, md, &n, EVP_sha256(), NULL) != 1 || n != 32)
    return false;
  static const char digits[] = "0123456789abcdef";
  for (size_t i = 0; i < SP_ID_HEX_LEN / 2; i++) {
    hex[2 * i] = digits[md[i] >> 4];
    hex[2 * i + 1] = digits[md[i] & 15];
  }
  hex[SP_ID_HEX_LEN] = 0;
  return true;
}

sp_err sp_identity_build(sp_identity *out, const char *rule_id,
                         const char *const *fields, const char *const *values,
                         size_t n, const char *local_path) {
  memset(out, 0, sizeof *out);
  if (!rule_id || n > SP_IDENTITY_MAX_IN || (n && (!fields || !values)))
    return SP_EINVAL;
  npair ps[SP_IDENTITY_MAX_ENT] = {0};
  size_t np = 0;
  sp_err err = SP_OK;
  for (size_t i = 0; i < n; i++) {
    if (!fields[i] || !values[i]) {
      err = SP_EINVAL;
      break;
    }
    size_t k = normalize_one(fields[i], values[i], local_path, &ps[np]);
    for (size_t j = np; j < np + k; j++)
      if (!ps[j].field || !ps[j].value)
        err = SP_ENOMEM;
    np += k;
    if (err)
      break;
  }
  if (!err) {
    qsort(ps, np, sizeof ps[0], cmp_npair);
    size_t len = sizeof SP_IDENTITY_VERSION + strlen(rule_id) + 1;
    for (size_t i = 0; i < np; i++)
      len += strlen(ps[i].field) + strlen(ps[i].value) + 2;
    out->canon = malloc(len);
    if (!out->canon)
      err = SP_ENOMEM;
  }
  if (!err) {
    char *p = out->canon;
    memcpy(p, SP_IDENTITY_VERSION, sizeof SP_IDENTITY_VERSION);
    p += sizeof SP_IDENTITY_VERSION;
    size_t rl = strlen(rule_id) + 1;
    memcpy(p, rule_id, rl);
    p += rl;
    for (size_t i = 0; i < np; i++) {
      if (i && cmp_npair(&ps[i - 1], &ps[i]) == 0)
        continue; /* duplicates once */
      size_t fl = strlen(ps[i].field) + 1, vl = strlen(ps[i].value) + 1;
      memcpy(p, ps[i].field, fl);
      p += fl;
      memcpy(p, ps[i].value, vl);
      p += vl;
      out->n++;
    }
    out->len = (size_t)(p - out->canon);
    if (!sha256_hex(out->canon, out->len, out->id))
      err = SP_EINTERNAL;
  }
  for (size_t i = 0; i < np; i++) {
    free(ps[i].field);
    free(ps[i].value);
  }
  if (err)
    sp_identity_free(out);
  return err;
}

void sp_identity_free(sp_identity *id) {
  if (!id)
    return;
  free(id->canon);
  memset(id, 0, sizeof *id);
}

void sp_identity_entity(const sp_identity *id, size_t i, const char **field,
                        const char **value) {
  const char *p = id->canon;
  p += strlen(p) + 1; /* version */
  p += strlen(p) + 1; /* rule id */
  for (size_t k = 0; k < i; k++) {
    p += strlen(p) + 1;
    p += strlen(p) + 1;
  }
  *field = p;
  *value = p + strlen(p) + 1;
}
