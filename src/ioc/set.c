/*
 * set.c - the indicator set of ioc.h: storage (one indicator array and one
 * string arena), normal forms, the indexes (one open-addressing hash table
 * of normalized keys, CIDR ranges by prefix length, the file-name regexes in
 * one Hyperscan database confirmed by PCRE2) and the matching functions.
 * Owns everything the set holds; loaders (load.c, stix.c) only call
 * sp_ioc_add_ex.
 */
#include "ioc/ioc_int.h"

#include "core/relit.h"
#include "core/strset.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <hs/hs.h>
#include <libpsl.h>
#include <pcre2.h>

static const char *const type_names[SP_IOC__COUNT] = {
    "ip",       "domain",   "url",           "md5", "sha1",
    "sha256",   "email",    "ja3",           "ja4", "user-agent",
    "filename", "filepath", "filename-regex"};

const char *sp_ioc_type_name(sp_ioc_type t) {
  return (unsigned)t < SP_IOC__COUNT ? type_names[t] : "?";
}

sp_err sp_ioc_set_create(sp_ioc_set **out) {
  *out = NULL;
  sp_ioc_set *s = calloc(1, sizeof *s);
  if (!s)
    return SP_ENOMEM;
  /* Offset 0 is the empty string. */
  s->arena = malloc(4096);
  if (!s->arena) {
    free(s);
    return SP_ENOMEM;
  }
  s->arena[0] = '\0';
  s->an = 1;
  s->acap = 4096;
  /* The Public Suffix List: libpsl's built-in copy, else Debian's
   * publicsuffix package. Without either, domains still match; only the
   * registered domain and the public-suffix check are unavailable. */
  s->psl = psl_builtin();
  if (!s->psl || psl_builtin_outdated()) {
    psl_ctx_t *own =
        psl_load_file("/usr/share/publicsuffix/public_suffix_list.dat");
    if (own) {
      s->psl = own;
      s->psl_own = own;
    }
  }
  *out = s;
  return SP_OK;
}

void sp_ioc_set_destroy(sp_ioc_set *s) {
  if (!s)
    return;
  for (size_t i = 0; i < s->n_re; i++) {
    pcre2_code_free(s->re[i].re);
    pcre2_code_free(s->re[i].fp);
  }
  free(s->re);
  hs_free_database(s->hsdb);
  psl_free(s->psl_own);
  free(s->hs_only_pcre);
  free(s->ind);
  free(s->arena);
  free(s->slot);
  free(s->bloom);
  free(s);
}

uint32_t sp_ioc_str(sp_ioc_set *s, const char *p, size_t n) {
  if (n == 0)
    return 0;
  if (s->an + n + 1 > UINT32_MAX)
    return UINT32_MAX;
  if (s->an + n + 1 > s->acap) {
    size_t nc = s->acap * 2;
    while (nc < s->an + n + 1)
      nc *= 2;
    char *na = realloc(s->arena, nc);
    if (!na)
      return UINT32_MAX;
    s->arena = na;
    s->acap = nc;
  }
  uint32_t off = (uint32_t)s->an;
  memcpy(s->arena + off, p, n);
  s->arena[off + n] = '\0';
  s->an += n + 1;
  return off;
}

/* Repeated strings (source, feed, comments of one event) are stored once. */
uint32_t sp_ioc_str_cached(sp_ioc_set *s, uint32_t *cache, const char *p,
                           size_t n) {
  if (*cache && *cache != UINT32_MAX && strlen(s->arena + *cache) == n &&
      memcmp(s->arena + *cache, p, n) == 0)
    return *cache;
  *cache = sp_ioc_str(s, p, n);
  return *cache;
}

/* ---- normal forms -------------------------------------------------------- */

static bool is_hex(sp_str v) {
  for (size_t i = 0; i < v.n; i++) {
    char c = v.p[i];
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') ||
          (c >= 'A' && c <= 'F')))
      return false;
  }
  return v.n > 0;
}

size_t sp_ioc_norm_domain(sp_str v, char *buf, size_t cap) {
  v = sp_str_trim(v);
  while (v.n && v.p[v.n - 1] == '.')
    v.n--;
  while (v.n && v.p[0] == '.')
    v.p++, v.n--;
  if (v.n == 0 || v.n >= cap || v.n > 253)
    return 0;
  for (size_t i = 0; i < v.n; i++) {
    unsigned char c = (unsigned char)v.p[i];
    if (c <= ' ' || c == '/' || c == '\\' || c == '@' || c == ':' || c == '"' ||
        c == '\'' || c == '<' || c == '>' || c == '?' || c == '#' || c == '%' ||
        c == ',' || c == ';' || c == '|')
      return 0;
    buf[i] = (char)sp_lower(c);
  }
  buf[v.n] = '\0';
  return v.n;
}

size_t sp_ioc_norm_email(sp_str v, char *buf, size_t cap) {
  for (;;) { /* "SMTP:<a@b>", "<smtp:a@b>", repeated: all peeled off */
    v = sp_str_trim(v);
    if (sp_str_istarts(v, "smtp:"))
      v.p += 5, v.n -= 5;
    else if (v.n >= 2 && v.p[0] == '<' && v.p[v.n - 1] == '>')
      v.p++, v.n -= 2;
    else
      break;
  }
  const char *at = v.n ? memchr(v.p, '@', v.n) : NULL;
  if (!at || at == v.p || at == v.p + v.n - 1 || v.n >= cap)
    return 0;
  for (size_t i = 0; i < v.n; i++) {
    unsigned char c = (unsigned char)v.p[i];
    if (c <= ' ' || c == '<' || c == '>' || c == ',' || c == ';')
      return 0;
    buf[i] = (char)sp_lower(c);
  }
  /* A trailing dot of the domain part. */
  size_t n = v.n;
  while (n && buf[n - 1] == '.')
    n--;
  if (!n || buf[n - 1] == '@')
    return 0;
  buf[n] = '\0';
  return n;
}

static int hexval(char c) {
  if (c >= '0' && c <= '9')
    return c - '0';
  c = (char)sp_lower((unsigned char)c);
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  return -1;
}

static bool unreserved(unsigned char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
         (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' || c == '~';
}

size_t sp_ioc_norm_url(sp_str v, char *buf, size_t cap) {
  v = sp_str_trim(v);
  const char *p = v.p, *end = v.p + v.n;
  const char *colon = v.n ? memchr(p, ':', v.n) : NULL;
  if (!colon || colon == p || end - colon < 3 || colon[1] != '/' ||
      colon[2] != '/')
    return 0;
  size_t k = 0;
  sp_str scheme = sp_str_make(p, (size_t)(colon - p));
  for (size_t i = 0; i < scheme.n; i++) {
    unsigned char c = (unsigned char)scheme.p[i];
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
          (i && ((c >= '0' && c <= '9') || c == '+' || c == '-' || c == '.'))))
      return 0;
  }
  if (scheme.n + 3 >= cap)
    return 0;
  for (size_t i = 0; i < scheme.n; i++)
    buf[k++] = (char)sp_lower((unsigned char)scheme.p[i]);
  memcpy(buf + k, "://", 3);
  k += 3;
  const char *a = colon + 3;
  const char *ae = a;
  while (ae < end && *ae != '/' && *ae != '?' && *ae != '#')
    ae++;
  /* Authority: drop userinfo, lower-case the host, drop a default port. */
  const char *at = NULL;
  for (const char *q = a; q < ae; q++)
    if (*q == '@')
      at = q;
  if (at)
    a = at + 1;
  const char *port = NULL;
  const char *hend = ae;
  if (a < ae && *a == '[') {
    const char *rb = memchr(a, ']', (size_t)(ae - a));
    if (!rb)
      return 0;
    hend = rb + 1;
    if (hend < ae && *hend == ':')
      port = hend + 1;
  } else {
    const char *c = memchr(a, ':', (size_t)(ae - a));
    if (c) {
      hend = c;
      port = c + 1;
    }
  }
  while (hend > a && hend[-1] == '.')
    hend--;
  if (hend == a)
    return 0;
  if ((size_t)(hend - a) + k >= cap)
    return 0;
  for (const char *q = a; q < hend; q++) {
    if ((unsigned char)*q <= ' ')
      return 0;
    buf[k++] = (char)sp_lower((unsigned char)*q);
  }
  if (port && port < ae) {
    sp_str ps = sp_str_make(port, (size_t)(ae - port));
    bool dflt = (sp_str_eq(ps, "80") &&
                 (sp_str_eq(scheme, "http") || sp_str_ieq(scheme, "http"))) ||
                (sp_str_eq(ps, "443") && sp_str_ieq(scheme, "https")) ||
                (sp_str_eq(ps, "21") && sp_str_ieq(scheme, "ftp"));
    if (!dflt) {
      if (ps.n + k + 1 >= cap)
        return 0;
      buf[k++] = ':';
      memcpy(buf + k, ps.p, ps.n);
      k += ps.n;
    }
  }
  /* Path and query: percent-encoding normalized, fragment dropped. */
  const char *q = ae;
  if (q >= end || *q != '/') {
    if (k + 1 >= cap)
      return 0;
    buf[k++] = '/';
  }
  for (; q < end && *q != '#'; q++) {
    if (k + 1 >= cap)
      return 0;
    if (*q == '%' && end - q >= 3 && hexval(q[1]) >= 0 && hexval(q[2]) >= 0) {
      unsigned char c = (unsigned char)(hexval(q[1]) << 4 | hexval(q[2]));
      if (unreserved(c))
        buf[k++] = (char)c;
      else {
        if (k + 3 >= cap)
          return 0;
        static const char hx[] = "0123456789ABCDEF";
        buf[k++] = '%';
        buf[k++] = hx[c >> 4];
        buf[k++] = hx[c & 15];
      }
      q += 2;
      continue;
    }
    unsigned char c = (unsigned char)*q;
    if (c <= ' ' || c == 0x7f || c == '%') {
      /* spaces, controls and a '%' that escapes nothing: percent-encoded */
      static const char hx[] = "0123456789ABCDEF";
      if (k + 3 >= cap)
        return 0;
      buf[k++] = '%';
      buf[k++] = hx[c >> 4];
      buf[k++] = hx[c & 15];
      continue;
    }
    buf[k++] = *q;
  }
  buf[k] = '\0';
  return k;
}

/* User agent: trimmed, '+' as space. */
static size_t norm_ua(sp_str v, char *buf, size_t cap) {
  v = sp_str_trim(v);
  if (v.n == 0 || v.n >= cap)
    return 0;
  for (size_t i = 0; i < v.n; i++)
    buf[i] = v.p[i] == '+' ? ' ' : v.p[i];
  buf[v.n] = '\0';
  return v.n;
}

static size_t norm_lower(sp_str v, char *buf, size_t cap) {
  v = sp_str_trim(v);
  if (v.n == 0 || v.n >= cap)
    return 0;
  sp_lower_copy(buf, v.p, v.n);
  buf[v.n] = '\0';
  return v.n;
}

/* Path: lower case, '\' as '/', drive letter and leading slashes removed.
 * Returns the tail of the last three components in *tail. */
static size_t norm_path(sp_str v, char *buf, size_t cap) {
  v = sp_str_trim(v);
  if (v.n >= 2 && v.p[1] == ':' &&
      ((v.p[0] >= 'a' && v.p[0] <= 'z') || (v.p[0] >= 'A' && v.p[0] <= 'Z')))
    v.p += 2, v.n -= 2;
  if (v.n >= cap)
    return 0;
  size_t k = 0;
  for (size_t i = 0; i < v.n; i++) {
    char c = v.p[i] == '\\' ? '/' : (char)sp_lower((unsigned char)v.p[i]);
    if (c == '/' && k && buf[k - 1] == '/')
      continue;
    buf[k++] = c;
  }
  while (k && buf[k - 1] == '/')
    k--;
  buf[k] = '\0';
  return k;
}

/* The last up-to-three components of a normalized path. */
static sp_str path_tail(const char *p, size_t n) {
  size_t comps = 0, i = n;
  while (i > 0) {
    if (p[i - 1] == '/') {
      if (++comps == 3)
        break;
    }
    i--;
  }
  return sp_str_make(p + i, n - i);
}

static bool domain_chars(sp_str v) {
  bool dot = false, alpha_tld = false;
  size_t lab = 0;
  for (size_t i = 0; i < v.n; i++) {
    unsigned char c = (unsigned char)v.p[i];
    if (c == '.') {
      if (lab == 0)
        return false;
      dot = true;
      lab = 0;
      alpha_tld = false;
      continue;
    }
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
          (c >= '0' && c <= '9') || c == '-' || c == '_' || c >= 0x80))
      return false;
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c >= 0x80)
      alpha_tld = true;
    if (++lab > 63)
      return false;
  }
  return dot && lab > 0 && alpha_tld;
}

bool sp_ioc_infer(sp_str v, sp_ioc_type *out) {
  v = sp_str_trim(v);
  if (v.n == 0 || v.n > SP_IOC_MAX_VALUE)
    return false;
  sp_ip ip;
  unsigned pfx;
  if (sp_cidr_parse(v, &ip, &pfx) || sp_ip_parse(v, &ip)) {
    *out = SP_IOC_IP;
    return true;
  }
  if (is_hex(v) && (v.n == 32 || v.n == 40 || v.n == 64)) {
    *out = v.n == 32 ? SP_IOC_MD5 : v.n == 40 ? SP_IOC_SHA1 : SP_IOC_SHA256;
    return true;
  }
  char tmp[SP_IOC_MAX_VALUE + 1];
  if (sp_ioc_norm_url(v, tmp, sizeof tmp)) {
    *out = SP_IOC_URL;
    return true;
  }
  if (memchr(v.p, '@', v.n) && sp_ioc_norm_email(v, tmp, sizeof tmp) &&
      !memchr(v.p, ' ', v.n)) {
    *out = SP_IOC_EMAIL;
    return true;
  }
  if ((v.n > 2 && v.p[1] == ':' && (v.p[2] == '\\' || v.p[2] == '/')) ||
      (v.n > 1 && v.p[0] == '\\') || (v.n > 1 && v.p[0] == '/')) {
    *out = SP_IOC_FILEPATH;
    return true;
  }
  sp_str d = v;
  while (d.n && d.p[d.n - 1] == '.')
    d.n--;
  if (domain_chars(d)) {
    *out = SP_IOC_DOMAIN;
    return true;
  }
  /* JA4: t13d1516h2_8daaf6152771_02713d6af862 */
  if (v.n == 36 && v.p[10] == '_' && v.p[23] == '_' &&
      (v.p[0] == 't' || v.p[0] == 'q' || v.p[0] == 'd')) {
    *out = SP_IOC_JA4;
    return true;
  }
  return false;
}

/* The key of a value of type t: what the hash table holds. For IP the 16
 * address bytes (masked) and the prefix length. 0 when v is not of type t. */
static size_t make_key(sp_ioc_type t, sp_str v, char *buf, size_t cap,
                       unsigned *prefix) {
  switch (t) {
  case SP_IOC_IP: {
    sp_ip ip;
    unsigned pfx;
    if (!sp_cidr_parse(sp_str_trim(v), &ip, &pfx)) {
      if (!sp_ip_parse(sp_str_trim(v), &ip))
        return 0;
      pfx = 128;
    }
    if (pfx > 128)
      return 0;
    for (unsigned b = pfx; b < 128; b++)
      ip.b[b / 8] &= (uint8_t) ~(0x80u >> (b % 8));
    memcpy(buf, ip.b, 16);
    buf[16] = (char)pfx;
    *prefix = pfx;
    return 17;
  }
  case SP_IOC_DOMAIN:
    return sp_ioc_norm_domain(v, buf, cap);
  case SP_IOC_URL:
    return sp_ioc_norm_url(v, buf, cap);
  case SP_IOC_MD5:
  case SP_IOC_SHA1:
  case SP_IOC_SHA256: {
    v = sp_str_trim(v);
    size_t want = t == SP_IOC_MD5 ? 32 : t == SP_IOC_SHA1 ? 40 : 64;
    if (v.n != want || !is_hex(v))
      return 0;
    return norm_lower(v, buf, cap);
  }
  case SP_IOC_JA3: {
    v = sp_str_trim(v);
    if (v.n != 32 || !is_hex(v))
      return 0;
    return norm_lower(v, buf, cap);
  }
  case SP_IOC_EMAIL:
    return sp_ioc_norm_email(v, buf, cap);
  case SP_IOC_JA4:
  case SP_IOC_FILENAME:
    return norm_lower(v, buf, cap);
  case SP_IOC_UA:
    return norm_ua(v, buf, cap);
  case SP_IOC_FILEPATH: {
    size_t n = norm_path(v, buf, cap);
    if (!n)
      return 0;
    sp_str tail = path_tail(buf, n);
    if (tail.n && tail.p[0] == '/')
      tail.p++, tail.n--;
    /* Below a web root the path is also a URL path: keep what follows the
     * root (at most three components), so /aspnet_client/x.aspx in a web
     * log matches C:\inetpub\wwwroot\aspnet_client\x.aspx. */
    static const char *const roots[] = {"/wwwroot/", "/frontend/httpproxy/",
                                        "/clientaccess/", NULL};
    for (const char *const *r = roots; *r; r++) {
      const char *at = strstr(buf, *r);
      if (at) {
        const char *after = at + strlen(*r);
        if (after < buf + n && (size_t)(buf + n - after) < tail.n)
          tail = sp_str_make(after, (size_t)(buf + n - after));
        break;
      }
    }
    memmove(buf, tail.p, tail.n);
    buf[tail.n] = '\0';
    return tail.n;
  }
  default:
    return 0;
  }
}

bool sp_ioc_valid(sp_ioc_type t, sp_str value) {
  char key[SP_IOC_MAX_VALUE + 64];
  unsigned pfx;
  if (t == SP_IOC_REGEX)
    return value.n > 0 && value.n <= SP_IOC_MAX_VALUE;
  return value.n <= SP_IOC_MAX_VALUE &&
         make_key(t, value, key, sizeof key, &pfx) > 0;
}

void sp_ioc_skip_add(sp_ioc_set *s, sp_ioc_skip why) {
  if ((unsigned)why < SP_IOC_SKIP__COUNT)
    s->skipped[why]++;
}

sp_err sp_ioc_add_ex(sp_ioc_set *s, const sp_ioc_meta *m, sp_ioc_type t,
                     sp_str value, sp_str fp) {
  value = sp_str_trim(value);
  if (value.n == 0) {
    sp_ioc_skip_add(s, SP_IOC_SKIP_BAD);
    return SP_OK;
  }
  if (value.n > SP_IOC_MAX_VALUE || s->n >= SP_IOC_MAX_INDICATORS) {
    sp_ioc_skip_add(s, SP_IOC_SKIP_CUT);
    return SP_OK;
  }
  char key[SP_IOC_MAX_VALUE + 64];
  unsigned pfx = 0;
  size_t kn = 0;
  if (t != SP_IOC_REGEX) {
    kn = make_key(t, value, key, sizeof key, &pfx);
    if (!kn) {
      sp_ioc_skip_add(s, SP_IOC_SKIP_BAD);
      return SP_OK;
    }
  } else {
    memcpy(key, value.p, value.n);
    kn = value.n;
  }
  /* A domain indicator that is a public suffix ("com", "co.uk",
   * "duckdns.org") would match every name under it: refused. */
  if (t == SP_IOC_DOMAIN && s->psl && psl_is_public_suffix(s->psl, key)) {
    sp_ioc_skip_add(s, SP_IOC_SKIP_UNSUPPORTED);
    return SP_OK;
  }
  if (s->n == s->cap) {
    size_t nc = s->cap ? s->cap * 2 : 1024;
    sp_ioc_ind *ni = realloc(s->ind, nc * sizeof *ni);
    if (!ni)
      return SP_ENOMEM;
    s->ind = ni;
    s->cap = nc;
  }
  sp_ioc_ind *x = &s->ind[s->n];
  memset(x, 0, sizeof *x);
  x->type = (uint8_t)t;
  x->score = (int16_t)(m->score < -1 ? -1 : m->score > 100 ? 100 : m->score);
  x->valid_until = m->valid_until ? m->valid_until : INT64_MAX;
  x->line = m->line;
  x->source = m->source;
  x->format = m->format;
  x->feed = m->feed;
  x->comment = m->comment;
  x->reference = m->reference;
  x->pattern = m->pattern;
  x->group = (uint32_t)s->n;
  x->group_n = 1;
  /* Display value: IPs as written, others in normal form. */
  if (t == SP_IOC_IP || t == SP_IOC_REGEX || t == SP_IOC_FILEPATH) {
    x->value = sp_ioc_str(s, value.p, value.n);
  } else
    x->value = sp_ioc_str(s, key, kn);
  x->key = t == SP_IOC_IP || t == SP_IOC_FILEPATH ? sp_ioc_str(s, key, kn)
                                                  : x->value;
  x->key_len = (uint32_t)kn;
  if (t == SP_IOC_REGEX && fp.n)
    x->fp = sp_ioc_str(s, fp.p, fp.n);
  if (x->value == UINT32_MAX || x->key == UINT32_MAX || x->fp == UINT32_MAX)
    return SP_ENOMEM;
  if (t == SP_IOC_IP)
    s->prefix_used[pfx] = true;
  s->per_type[t]++;
  s->n++;
  return SP_OK;
}

sp_err sp_ioc_add(sp_ioc_set *s, sp_ioc_type type, sp_str value,
                  const char *source, int score, sp_str comment) {
  sp_ioc_meta m = {.score = score};
  m.source = sp_ioc_str_cached(s, &s->cache_source, source, strlen(source));
  m.comment = sp_ioc_str(s, comment.p, comment.n);
  m.format = sp_ioc_str_cached(s, &s->cache_format, "api", 3);
  if (m.source == UINT32_MAX || m.comment == UINT32_MAX ||
      m.format == UINT32_MAX)
    return SP_ENOMEM;
  return sp_ioc_add_ex(s, &m, type, value, sp_str_make(NULL, 0));
}

/* ---- indexes ------------------------------------------------------------- */

static uint64_t key_hash(unsigned t, const char *p, size_t n) {
  if (n == 17) { /* an address key: two words and the prefix length */
    uint64_t a, b;
    memcpy(&a, p, 8);
    memcpy(&b, p + 8, 8);
    return sp_mix64(a ^ sp_mix64(b ^ ((uint64_t)(uint8_t)p[16] << 8) ^
                                 ((uint64_t)t << 56))) |
           1;
  }
  return sp_mix64(sp_hash_bytes(p, n, false) ^ ((uint64_t)t << 56)) | 1;
}

/* Hash type: JA3 and MD5 share no slot (JA3 lookups probe both). */
/* Slots are 64 bits: the high half a fingerprint of the key's hash (never
 * 0), the low half the indicator id; 0 is empty. One cache line answers most
 * probes. A blocked Bloom filter (one 64-byte block per key, 4 bits) in front
 * of the table answers most misses from a few MiB that stay in cache. */
#define FP(h) ((uint32_t)((h) >> 32) | 1u)

static bool bloom_maybe(const sp_ioc_set *s, uint64_t h) {
  if (!s->bloom_blocks)
    return true;
  const uint64_t *blk = s->bloom + ((h >> 40) & (s->bloom_blocks - 1)) * 8;
  for (int k = 0; k < 4; k++) {
    unsigned bit = (unsigned)(h >> (k * 9)) & 511;
    if (!((blk[bit >> 6] >> (bit & 63)) & 1))
      return false;
  }
  return true;
}

static void bloom_add(sp_ioc_set *s, uint64_t h) {
  uint64_t *blk = s->bloom + ((h >> 40) & (s->bloom_blocks - 1)) * 8;
  for (int k = 0; k < 4; k++) {
    unsigned bit = (unsigned)(h >> (k * 9)) & 511;
    blk[bit >> 6] |= (uint64_t)1 << (bit & 63);
  }
}

static void table_put(sp_ioc_set *s, uint32_t id) {
  const sp_ioc_ind *x = &s->ind[id];
  uint64_t h = key_hash(x->type, s->arena + x->key, x->key_len);
  size_t i = (size_t)h & (s->slots - 1);
  while (s->slot[i])
    i = (i + 1) & (s->slots - 1);
  s->slot[i] = (uint64_t)FP(h) << 32 | id;
  bloom_add(s, h);
}

static size_t table_get(const sp_ioc_set *s, unsigned t, const char *k,
                        size_t kn, uint32_t *ids, size_t cap, size_t got) {
  if (!s->slots)
    return got;
  uint64_t h = key_hash(t, k, kn);
  if (!bloom_maybe(s, h))
    return got;
  uint32_t fp = FP(h);
  size_t i = (size_t)h & (s->slots - 1);
  while (s->slot[i]) {
    if ((uint32_t)(s->slot[i] >> 32) == fp) {
      uint32_t id = (uint32_t)s->slot[i];
      const sp_ioc_ind *x = &s->ind[id];
      if (x->type == t && x->key_len == kn &&
          memcmp(s->arena + x->key, k, kn) == 0) {
        if (got < cap)
          ids[got] = id;
        got++;
      }
    }
    i = (i + 1) & (s->slots - 1);
  }
  return got;
}

/* The table's entry (not an AND-term member) with x's type and key, or
 * UINT32_MAX. */
static uint32_t table_find_plain(const sp_ioc_set *s, const sp_ioc_ind *x) {
  uint64_t h = key_hash(x->type, s->arena + x->key, x->key_len);
  if (!bloom_maybe(s, h))
    return UINT32_MAX;
  uint32_t fp = FP(h);
  size_t i = (size_t)h & (s->slots - 1);
  while (s->slot[i]) {
    const sp_ioc_ind *y = &s->ind[(uint32_t)s->slot[i]];
    if ((uint32_t)(s->slot[i] >> 32) == fp && y->type == x->type &&
        y->key_len == x->key_len && y->group_n <= 1 &&
        memcmp(s->arena + y->key, s->arena + x->key, x->key_len) == 0)
      return (uint32_t)s->slot[i];
    i = (i + 1) & (s->slots - 1);
  }
  return UINT32_MAX;
}

static sp_err build_regexes(sp_ioc_set *s, sp_diag *diag);
sp_err sp_ioc_set_finish(sp_ioc_set *s, sp_diag *diag) {
  if (s->finished)
    return SP_OK;
  size_t want = 16;
  while (want < s->n * 2 + 2)
    want *= 2;
  s->slot = calloc(want, sizeof *s->slot);
  /* Bloom filter: 64-byte blocks, about 16 bits per key. */
  s->bloom_blocks = 1;
  while (s->bloom_blocks * 32 < s->n)
    s->bloom_blocks *= 2;
  s->bloom = calloc(s->bloom_blocks * 8, sizeof *s->bloom);
  if (!s->slot || !s->bloom)
    return SP_ENOMEM;
  s->slots = want;
  /* One slot per distinct value: a duplicate (one value in several feeds)
   * points at the first entry and is not in the table, so a lookup never
   * walks a run of equal keys. Members of STIX AND terms keep their own
   * slots: they only count together. */
  for (size_t i = 0; i < s->n; i++) {
    sp_ioc_ind *x = &s->ind[i];
    x->canon = (uint32_t)i;
    if (x->type == SP_IOC_REGEX)
      continue;
    if (x->group_n <= 1) {
      uint32_t first = table_find_plain(s, x);
      if (first != UINT32_MAX) {
        x->canon = first;
        s->ind[first].same++;
        continue;
      }
    }
    x->same = 1;
    table_put(s, (uint32_t)i);
  }
  s->n_prefixes = 0;
  for (int p = 128; p >= 0; p--)
    if (s->prefix_used[p])
      s->prefixes[s->n_prefixes++] = (uint8_t)p;
  sp_err e = build_regexes(s, diag);
  if (e)
    return e;
  s->finished = true;
  return SP_OK;
}

/* ---- regexes ------------------------------------------------------------- */

static pcre2_code *compile_re(const char *p, size_t n) {
  int ec;
  PCRE2_SIZE eo;
  pcre2_code *re = pcre2_compile(
      (PCRE2_SPTR)p, n, PCRE2_CASELESS | PCRE2_UTF | PCRE2_MATCH_INVALID_UTF,
      &ec, &eo, NULL);
  if (re)
    pcre2_jit_compile(re, PCRE2_JIT_COMPLETE);
  return re;
}

static sp_err build_regexes(sp_ioc_set *s, sp_diag *diag) {
  size_t n = s->per_type[SP_IOC_REGEX];
  if (!n)
    return SP_OK;
  s->re = calloc(n, sizeof *s->re);
  if (!s->re)
    return SP_ENOMEM;
  for (size_t i = 0; i < s->n; i++) {
    sp_ioc_ind *x = &s->ind[i];
    if (x->type != SP_IOC_REGEX)
      continue;
    sp_ioc_re *r = &s->re[s->n_re];
    r->id = (uint32_t)i;
    r->re = compile_re(s->arena + x->value, strlen(s->arena + x->value));
    if (!r->re) {
      s->skipped[SP_IOC_SKIP_BAD]++;
      s->per_type[SP_IOC_REGEX]--;
      x->type = SP_IOC__COUNT; /* dead */
      continue;
    }
    if (x->fp)
      r->fp = compile_re(s->arena + x->fp, strlen(s->arena + x->fp));
    s->n_re++;
  }
  if (!s->n_re)
    return SP_OK;
  /* One Hyperscan literal database: each regex's longest required literal
   * (at least 3 bytes, caseless); a literal hit is confirmed by PCRE2.
   * Regexes without such a literal are run by PCRE2 on every path. Literal
   * databases compile in milliseconds where a regex database of the 4,000
   * signature-base expressions takes many seconds. */
  const char **ex = calloc(s->n_re, sizeof *ex);
  size_t *lens = calloc(s->n_re, sizeof *lens);
  unsigned *flags = calloc(s->n_re, sizeof *flags);
  unsigned *idx = calloc(s->n_re, sizeof *idx);
  char *lits = malloc(s->an + 1);
  s->hs_only_pcre = calloc(s->n_re, sizeof *s->hs_only_pcre);
  sp_err e = SP_OK;
  if (!ex || !lens || !flags || !idx || !lits || !s->hs_only_pcre)
    e = SP_ENOMEM;
  size_t m = 0, lo = 0;
  for (size_t i = 0; !e && i < s->n_re; i++) {
    const char *re = s->arena + s->ind[s->re[i].id].value;
    /* compiled caseless (UTF): gated by a caseless literal */
    size_t ln = sp_re_required_literal(re, strlen(re), true, lits + lo);
    if (ln < 3) {
      s->hs_only_pcre[s->n_pcre_only++] = (uint32_t)i;
      continue;
    }
    ex[m] = lits + lo;
    lens[m] = ln;
    flags[m] = HS_FLAG_CASELESS | HS_FLAG_SINGLEMATCH;
    idx[m] = (unsigned)i;
    m++;
    lo += ln;
  }
  if (!e && m) {
    hs_compile_error_t *cerr = NULL;
    hs_database_t *db = NULL;
    if (hs_compile_lit_multi(ex, flags, idx, lens, (unsigned)m, HS_MODE_BLOCK,
                             NULL, &db, &cerr) == HS_SUCCESS)
      s->hsdb = db;
    else {
      /* Cannot happen for literals; run everything through PCRE2. */
      hs_free_compile_error(cerr);
      s->n_pcre_only = 0;
      for (size_t i = 0; i < s->n_re; i++)
        s->hs_only_pcre[s->n_pcre_only++] = (uint32_t)i;
    }
  }
  free(ex);
  free(lens);
  free(flags);
  free(idx);
  free(lits);
  (void)diag;
  return e;
}

struct sp_ioc_scratch {
  hs_scratch_t *hs;
  pcre2_match_data *md;
  char buf[SP_IOC_MAX_VALUE + 8];
  char rbuf[SP_IOC_MAX_VALUE + 8];
};

sp_err sp_ioc_scratch_create(const sp_ioc_set *s, sp_ioc_scratch **out) {
  *out = NULL;
  sp_ioc_scratch *sc = calloc(1, sizeof *sc);
  if (!sc)
    return SP_ENOMEM;
  sc->md = pcre2_match_data_create(4, NULL);
  if (!sc->md ||
      (s->hsdb && hs_alloc_scratch(s->hsdb, &sc->hs) != HS_SUCCESS)) {
    sp_ioc_scratch_destroy(sc);
    return SP_ENOMEM;
  }
  *out = sc;
  return SP_OK;
}

void sp_ioc_scratch_destroy(sp_ioc_scratch *sc) {
  if (!sc)
    return;
  if (sc->hs)
    hs_free_scratch(sc->hs);
  pcre2_match_data_free(sc->md);
  free(sc);
}

typedef struct re_ctx {
  const sp_ioc_set *s;
  sp_ioc_scratch *sc;
  const char *p;
  size_t n;
  uint32_t *ids;
  size_t cap, got;
} re_ctx;

static void re_confirm(re_ctx *c, size_t ri) {
  const sp_ioc_re *r = &c->s->re[ri];
  if (pcre2_match(r->re, (PCRE2_SPTR)c->p, c->n, 0, 0, c->sc->md, NULL) < 0)
    return;
  if (r->fp &&
      pcre2_match(r->fp, (PCRE2_SPTR)c->p, c->n, 0, 0, c->sc->md, NULL) >= 0)
    return;
  if (c->got < c->cap)
    c->ids[c->got] = r->id;
  c->got++;
}

static int on_hs(unsigned int id, unsigned long long from,
                 unsigned long long to, unsigned int flags, void *ctx) {
  (void)from, (void)to, (void)flags;
  re_confirm(ctx, id);
  return 0;
}

size_t sp_ioc_match_path(const sp_ioc_set *s, sp_ioc_scratch *sc, sp_str v,
                         bool regexes, uint32_t *ids, size_t cap) {
  size_t got = 0;
  v = sp_str_trim(v);
  if (v.n == 0 || v.n > SP_IOC_MAX_VALUE)
    return 0;
  if (s->per_type[SP_IOC_FILEPATH] || s->per_type[SP_IOC_FILENAME]) {
    size_t n = norm_path(v, sc->buf, sizeof sc->buf);
    /* Every tail of one, two and three components. */
    size_t comps = 0;
    for (size_t i = n; i > 0 && comps < 3; i--) {
      if (i == 1 || sc->buf[i - 2] == '/') {
        comps++;
        size_t start = i - 1;
        if (comps == 1 && s->per_type[SP_IOC_FILENAME])
          got = table_get(s, SP_IOC_FILENAME, sc->buf + start, n - start, ids,
                          cap, got);
        if (s->per_type[SP_IOC_FILEPATH])
          got = table_get(s, SP_IOC_FILEPATH, sc->buf + start, n - start, ids,
                          cap, got);
      }
    }
  }
  if (regexes && s->n_re) {
    /* signature-base writes Windows paths: '/' is read as '\'. */
    for (size_t i = 0; i < v.n; i++)
      sc->rbuf[i] = v.p[i] == '/' ? '\\' : v.p[i];
    sc->rbuf[v.n] = '\0';
    re_ctx c = {s, sc, sc->rbuf, v.n, ids, cap, got};
    if (s->hsdb)
      hs_scan(s->hsdb, sc->rbuf, (unsigned)v.n, 0, sc->hs, on_hs, &c);
    for (size_t i = 0; i < s->n_pcre_only; i++)
      re_confirm(&c, s->hs_only_pcre[i]);
    got = c.got;
  }
  return got;
}

/* ---- matching ------------------------------------------------------------ */

size_t sp_ioc_match_ip(const sp_ioc_set *s, const sp_ip *ip, uint32_t *ids,
                       size_t cap) {
  size_t got = 0;
  char key[17];
  for (size_t k = 0; k < s->n_prefixes; k++) {
    unsigned pfx = s->prefixes[k];
    memcpy(key, ip->b, 16);
    for (unsigned b = pfx; b < 128; b++)
      key[b / 8] &= (char)~(0x80u >> (b % 8));
    key[16] = (char)pfx;
    got = table_get(s, SP_IOC_IP, key, 17, ids, cap, got);
  }
  return got;
}

size_t sp_ioc_match_domain(const sp_ioc_set *s, sp_str v, uint32_t *ids,
                           size_t cap) {
  if (!s->per_type[SP_IOC_DOMAIN])
    return 0;
  char buf[260];
  size_t n = sp_ioc_norm_domain(v, buf, sizeof buf);
  size_t got = 0;
  for (size_t i = 0; n && i < n; i++) {
    if (i == 0 || buf[i - 1] == '.')
      got = table_get(s, SP_IOC_DOMAIN, buf + i, n - i, ids, cap, got);
  }
  return got;
}

size_t sp_ioc_match_url(const sp_ioc_set *s, sp_str v, uint32_t *ids,
                        size_t cap) {
  if (!s->per_type[SP_IOC_URL] || v.n > SP_IOC_MAX_VALUE)
    return 0;
  char buf[SP_IOC_MAX_VALUE + 64];
  size_t n = sp_ioc_norm_url(v, buf, sizeof buf);
  return n ? table_get(s, SP_IOC_URL, buf, n, ids, cap, 0) : 0;
}

size_t sp_ioc_match_exact(const sp_ioc_set *s, sp_ioc_type t, sp_str v,
                          uint32_t *ids, size_t cap) {
  if ((unsigned)t >= SP_IOC__COUNT || v.n > SP_IOC_MAX_VALUE)
    return 0;
  bool ja3 = t == SP_IOC_JA3;
  if (!s->per_type[t] && !(ja3 && s->per_type[SP_IOC_MD5]))
    return 0;
  char buf[SP_IOC_MAX_VALUE + 64];
  unsigned pfx;
  size_t n = make_key(t, v, buf, sizeof buf, &pfx);
  if (!n)
    return 0;
  size_t got = table_get(s, t, buf, n, ids, cap, 0);
  if (ja3)
    got = table_get(s, SP_IOC_MD5, buf, n, ids, cap, got);
  return got;
}

size_t sp_ioc_match_hash(const sp_ioc_set *s, sp_str v, uint32_t *ids,
                         size_t cap) {
  v = sp_str_trim(v);
  sp_ioc_type t = v.n == 32   ? SP_IOC_MD5
                  : v.n == 40 ? SP_IOC_SHA1
                  : v.n == 64 ? SP_IOC_SHA256
                              : SP_IOC__COUNT;
  if (t == SP_IOC__COUNT || !s->per_type[t])
    return 0;
  return sp_ioc_match_exact(s, t, v, ids, cap);
}

size_t sp_ioc_registered_domain(const sp_ioc_set *s, const char *domain,
                                char *buf, size_t cap) {
  if (!s->psl || !domain)
    return 0;
  const char *r = psl_registrable_domain(s->psl, domain);
  size_t n = r ? strlen(r) : 0;
  if (!n || n >= cap)
    return 0;
  memcpy(buf, r, n + 1);
  return n;
}

/* ---- queries ------------------------------------------------------------- */

size_t sp_ioc_set_count(const sp_ioc_set *s) { return s->n; }

size_t sp_ioc_set_count_type(const sp_ioc_set *s, sp_ioc_type t) {
  return (unsigned)t < SP_IOC__COUNT ? s->per_type[t] : 0;
}

uint64_t sp_ioc_set_skipped(const sp_ioc_set *s, sp_ioc_skip why) {
  return (unsigned)why < SP_IOC_SKIP__COUNT ? s->skipped[why] : 0;
}

size_t sp_ioc_set_files(const sp_ioc_set *s) { return s->files; }

bool sp_ioc_set_get(const sp_ioc_set *s, uint32_t id, sp_ioc_info *out) {
  if (id >= s->n)
    return false;
  const sp_ioc_ind *x = &s->ind[id];
  out->type = (sp_ioc_type)x->type;
  out->value = s->arena + x->value;
  out->source = s->arena + x->source;
  out->format = s->arena + x->format;
  out->feed = s->arena + x->feed;
  out->comment = s->arena + x->comment;
  out->reference = s->arena + x->reference;
  out->pattern = s->arena + x->pattern;
  out->line = x->line;
  out->score = x->score;
  out->valid_until = x->valid_until;
  out->group = x->group;
  out->group_n = x->group_n;
  out->canon = x->canon;
  out->same = x->same;
  return true;
}
