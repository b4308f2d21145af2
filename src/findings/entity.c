/*
 * entity.c - normalised entities and the stable identity of a finding (see
 * entity.h; the canonical string is specified in docs/SCHEMA.md).
 *
 * IP addresses are parsed by hand for IPv4 (inet_pton rejects leading
 * zeros, inet_aton reads them as octal) and by inet_pton for IPv6; the
 * IPv6 text is formatted here, not by inet_ntop, because C libraries differ
 * in when they print a dotted tail ("::0.2.0.3" for ::2:3 in glibc), and
 * the id must be recomputable by any tool that follows RFC 5952.
 * Case folding is ASCII only: no locale, the same bytes everywhere.
 */
#include "findings/entity.h"

#include <arpa/inet.h>
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

/* A port: 1 to 5 decimal digits, at most 65535. */
static bool is_port(sp_str s) {
  uint64_t v;
  return s.n >= 1 && s.n <= 5 && sp_str_to_u64(s, 65535, &v);
}

/* Exactly "a.b.c.d", each part 1-3 decimal digits at most 255. */
static bool parse_v4(sp_str s, uint8_t out[4]) {
  size_t i = 0;
  for (int part = 0; part < 4; part++) {
    if (part) {
      if (i >= s.n || s.p[i] != '.')
        return false;
      i++;
    }
    unsigned v = 0, digits = 0;
    while (i < s.n && s.p[i] >= '0' && s.p[i] <= '9' && digits < 4) {
      v = v * 10 + (unsigned)(s.p[i] - '0');
      i++;
      digits++;
    }
    if (digits == 0 || digits > 3 || v > 255)
      return false;
    out[part] = (uint8_t)v;
  }
  return i == s.n;
}

/* IPv6 text without brackets; a zone ("%...") is dropped. */
static bool parse_v6(sp_str s, uint8_t out[16]) {
  const char *pct = memchr(s.p, '%', s.n);
  if (pct)
    s.n = (size_t)(pct - s.p);
  char buf[64];
  if (s.n == 0 || s.n >= sizeof buf || !memchr(s.p, ':', s.n) ||
      memchr(s.p, 0, s.n))
    return false; /* inet_pton would stop at a NUL */
  memcpy(buf, s.p, s.n);
  buf[s.n] = 0;
  return inet_pton(AF_INET6, buf, out) == 1;
}

static size_t fmt_v4(const uint8_t b[4], char *out) {
  return (size_t)snprintf(out, SP_IP_CANON_CAP, "%u.%u.%u.%u", b[0], b[1], b[2],
                          b[3]);
}

/* RFC 5952 section 4, and IPv4-mapped addresses as IPv4. */
static size_t fmt_v6(const uint8_t b[16], char *out) {
  static const uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  if (memcmp(b, mapped, sizeof mapped) == 0)
    return fmt_v4(b + 12, out);
  unsigned w[8];
  for (int i = 0; i < 8; i++)
    w[i] = (unsigned)b[2 * i] << 8 | b[2 * i + 1];
  int best = -1, best_len = 0;
  for (int i = 0; i < 8;) {
    if (w[i]) {
      i++;
      continue;
    }
    int j = i;
    while (j < 8 && w[j] == 0)
      j++;
    if (j - i > best_len) { /* strictly longer: the first run wins ties */
      best = i;
      best_len = j - i;
    }
    i = j;
  }
  if (best_len < 2)
    best = -1; /* a single zero group is never shortened */
  size_t n = 0;
  for (int i = 0; i < 8; i++) {
    if (best >= 0 && i >= best && i < best + best_len) {
      if (i == best) {
        out[n++] = ':';
        out[n++] = ':';
      }
      continue;
    }
    if (n && out[n - 1] != ':')
      out[n++] = ':';
    n += (size_t)snprintf(out + n, SP_IP_CANON_CAP - n, "%x", w[i]);
  }
  out[n] = 0;
  return n;
}

size_t sp_ip_canon(sp_str v, char *out) {
  out[0] = 0;
  sp_str s = sp_str_trim(v);
  if (!s.p || s.n == 0)
    return 0;
  uint8_t b[16];
  if (s.p[0] == '[') {
    const char *close = memchr(s.p, ']', s.n);
    if (!close)
      return 0;
    sp_str in = sp_str_make(s.p + 1, (size_t)(close - s.p) - 1);
    sp_str rest = sp_str_make(close + 1, s.n - (size_t)(close - s.p) - 1);
    if (rest.n &&
        (rest.p[0] != ':' || !is_port(sp_str_make(rest.p + 1, rest.n - 1))))
      return 0;
    if (parse_v6(in, b))
      return fmt_v6(b, out);
    return parse_v4(in, b) ? fmt_v4(b, out) : 0;
  }
  const char *colon = memchr(s.p, ':', s.n);
  if (!colon)
    return parse_v4(s, b) ? fmt_v4(b, out) : 0;
  /* "a.b.c.d:port" has one colon; anything else with one is no address. */
  if (!memchr(colon + 1, ':', s.n - (size_t)(colon - s.p) - 1)) {
    sp_str host = sp_str_make(s.p, (size_t)(colon - s.p));
    sp_str port = sp_str_make(colon + 1, s.n - host.n - 1);
    return parse_v4(host, b) && is_port(port) ? fmt_v4(b, out) : 0;
  }
  return parse_v6(s, b) ? fmt_v6(b, out) : 0;
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
  for (size_t i = 0; i < s.n && i + 1 < cap; i++)
    out[i] = (char)sp_lower((unsigned char)s.p[i]);
  out[s.n < cap ? s.n : cap - 1] = 0;
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
  npair ps[SP_IDENTITY_MAX_ENT];
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
