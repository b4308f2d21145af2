/*
 * allow.c - the network allow lists and switches (see allow.h). Owns the
 * entries' text; domains are found through a hash index of their names, a
 * name being looked up suffix by suffix at label boundaries.
 */
#include "net/allow.h"
#include "core/strset.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct entry {
  char *text, *comment;
  bool is_ip;
  sp_ip net;
  unsigned prefix;
  uint64_t hash; /* domains: of the lower-cased name */
} entry;

struct sp_net_allow {
  entry *e;
  size_t n, cap;
  int32_t *idx; /* domain index: entry + 1, 0 empty; idx_cap slots */
  size_t idx_cap, n_dom;
  bool rita;
  size_t mem_cap;
};

/* The shipped list (rules/net/allow.txt, embedded by CMake). */
typedef struct sp_embedded_file {
  const char *name;
  const char *data;
  size_t len;
} sp_embedded_file;
extern const sp_embedded_file sp_embedded_net_allow[];

static bool idx_put(sp_net_allow *a, size_t k) {
  if ((a->n_dom + 1) * 2 > a->idx_cap) {
    size_t ncap = a->idx_cap ? a->idx_cap * 2 : 256;
    int32_t *ni = calloc(ncap, sizeof *ni);
    if (!ni)
      return false;
    for (size_t i = 0; i < a->idx_cap; i++)
      if (a->idx[i]) {
        size_t j = sp_mix64(a->e[a->idx[i] - 1].hash) & (ncap - 1);
        while (ni[j])
          j = (j + 1) & (ncap - 1);
        ni[j] = a->idx[i];
      }
    free(a->idx);
    a->idx = ni;
    a->idx_cap = ncap;
  }
  size_t j = sp_mix64(a->e[k].hash) & (a->idx_cap - 1);
  while (a->idx[j])
    j = (j + 1) & (a->idx_cap - 1);
  a->idx[j] = (int32_t)k + 1;
  a->n_dom++;
  return true;
}

static char *dup_n(const char *p, size_t n) {
  char *c = malloc(n + 1);
  if (c) {
    memcpy(c, p, n);
    c[n] = 0;
  }
  return c;
}

static sp_err bad(sp_diag *diag, const char *name, size_t line,
                  const char *why) {
  if (diag) {
    diag->code = SP_EINVAL;
    snprintf(diag->msg, sizeof diag->msg, "%s:%zu: %s", name, line, why);
  }
  return SP_EINVAL;
}

static bool domain_ok(sp_str d) {
  if (d.n == 0 || d.n > 253)
    return false;
  for (size_t i = 0; i < d.n; i++) {
    unsigned char c = (unsigned char)d.p[i];
    if (!(c == '.' || c == '-' || c == '_' || (c >= '0' && c <= '9') ||
          (sp_lower(c) >= 'a' && sp_lower(c) <= 'z')))
      return false;
  }
  return d.p[0] != '.';
}

sp_err sp_net_allow_add_text(sp_net_allow *a, const char *text, size_t len,
                             const char *name, sp_diag *diag) {
  size_t line = 0, pos = 0;
  while (pos < len) {
    size_t end = pos;
    while (end < len && text[end] != '\n')
      end++;
    line++;
    sp_str l = sp_str_make(text + pos, end - pos);
    pos = end + 1;
    if (l.n > SP_ALLOW_LINE)
      return bad(diag, name, line, "line longer than 1024 bytes");
    sp_str comment = sp_str_make("", 0);
    for (size_t i = 0; i < l.n; i++)
      if (l.p[i] == '#') {
        comment = sp_str_trim(sp_str_make(l.p + i + 1, l.n - i - 1));
        l.n = i;
        break;
      }
    l = sp_str_trim(l);
    if (l.n == 0)
      continue;
    if (a->n >= SP_ALLOW_MAX)
      return bad(diag, name, line, "more than 65,536 allow-list entries");
    for (size_t i = 0; i < l.n; i++)
      if (l.p[i] == ' ' || l.p[i] == '\t')
        return bad(diag, name, line, "one CIDR or domain per line");
    if (a->n == a->cap) {
      size_t ncap = a->cap ? a->cap * 2 : 64;
      entry *ne = realloc(a->e, ncap * sizeof *ne);
      if (!ne)
        return SP_ENOMEM;
      a->e = ne;
      a->cap = ncap;
    }
    entry *e = &a->e[a->n];
    *e = (entry){0};
    if (sp_cidr_parse(l, &e->net, &e->prefix))
      e->is_ip = true;
    else {
      if (l.n > 1 && l.p[l.n - 1] == '.')
        l.n--;
      if (!domain_ok(l))
        return bad(diag, name, line, "neither a CIDR nor a domain name");
    }
    e->text = dup_n(l.p, l.n);
    e->comment = dup_n(comment.p, comment.n);
    if (!e->text || !e->comment) {
      free(e->text);
      free(e->comment);
      return SP_ENOMEM;
    }
    if (!e->is_ip) {
      sp_lower_copy(e->text, l.p, l.n);
      e->hash = sp_hash_bytes(e->text, l.n, false);
      if (!idx_put(a, a->n)) {
        free(e->text);
        free(e->comment);
        return SP_ENOMEM;
      }
    }
    a->n++;
  }
  return SP_OK;
}

static sp_err add_file(sp_net_allow *a, const char *path, sp_diag *diag) {
  FILE *f = fopen(path, "rb");
  if (!f) {
    if (diag) {
      diag->code = SP_ENOENT;
      snprintf(diag->msg, sizeof diag->msg, "--allow %s: %s", path,
               strerror(errno));
    }
    return SP_ENOENT;
  }
  size_t cap = 1 << 16, n = 0;
  char *buf = malloc(cap);
  sp_err err = buf ? SP_OK : SP_ENOMEM;
  while (!err) {
    if (n == cap) {
      if (cap >= ((size_t)64 << 20)) {
        err = bad(diag, path, 0, "allow list larger than 64 MiB");
        break;
      }
      char *nb = realloc(buf, cap * 2);
      if (!nb) {
        err = SP_ENOMEM;
        break;
      }
      buf = nb;
      cap *= 2;
    }
    size_t got = fread(buf + n, 1, cap - n, f);
    n += got;
    if (got == 0)
      break;
  }
  fclose(f);
  if (!err)
    err = sp_net_allow_add_text(a, buf, n, path, diag);
  free(buf);
  return err;
}

sp_err sp_net_allow_create(const sp_net_cfg *cfg, sp_net_allow **out,
                           sp_diag *diag) {
  *out = NULL;
  sp_net_allow *a = calloc(1, sizeof *a);
  if (!a)
    return SP_ENOMEM;
  sp_net_cfg def = {0};
  if (!cfg)
    cfg = &def;
  a->rita = cfg->rita_compat;
  a->mem_cap = cfg->mem_cap ? cfg->mem_cap : SP_NET_MEM_DEFAULT;
  sp_err err = SP_OK;
  for (size_t i = 0; !err && !cfg->no_defaults && sp_embedded_net_allow[i].name;
       i++)
    err = sp_net_allow_add_text(a, sp_embedded_net_allow[i].data,
                                sp_embedded_net_allow[i].len,
                                sp_embedded_net_allow[i].name, diag);
  for (size_t i = 0; !err && i < cfg->n_paths; i++)
    err = add_file(a, cfg->paths[i], diag);
  if (err) {
    sp_net_allow_destroy(a);
    return err;
  }
  *out = a;
  return SP_OK;
}

void sp_net_allow_destroy(sp_net_allow *a) {
  if (!a)
    return;
  for (size_t i = 0; i < a->n; i++) {
    free(a->e[i].text);
    free(a->e[i].comment);
  }
  free(a->e);
  free(a->idx);
  free(a);
}

bool sp_net_allow_rita(const sp_net_allow *a) { return a && a->rita; }
size_t sp_net_allow_mem_cap(const sp_net_allow *a) {
  return a ? a->mem_cap : SP_NET_MEM_DEFAULT;
}
size_t sp_net_allow_count(const sp_net_allow *a) { return a ? a->n : 0; }

int sp_net_allow_ip(const sp_net_allow *a, const sp_ip *ip) {
  for (size_t i = 0; a && i < a->n; i++)
    if (a->e[i].is_ip && sp_ip_in(ip, &a->e[i].net, a->e[i].prefix))
      return (int)i;
  return -1;
}

int sp_net_allow_domain(const sp_net_allow *a, sp_str name) {
  if (!a || !a->idx_cap || name.n == 0 || name.n > 255)
    return -1;
  char low[256];
  if (name.p[name.n - 1] == '.')
    name.n--;
  sp_lower_copy(low, name.p, name.n);
  for (size_t s = 0; s < name.n;) {
    uint64_t h = sp_hash_bytes(low + s, name.n - s, false);
    size_t j = sp_mix64(h) & (a->idx_cap - 1);
    while (a->idx[j]) {
      const entry *e = &a->e[a->idx[j] - 1];
      if (e->hash == h && strlen(e->text) == name.n - s &&
          memcmp(e->text, low + s, name.n - s) == 0)
        return a->idx[j] - 1;
      j = (j + 1) & (a->idx_cap - 1);
    }
    while (s < name.n && low[s] != '.')
      s++;
    s++;
  }
  return -1;
}

const char *sp_net_allow_entry(const sp_net_allow *a, int i) {
  return a && i >= 0 && (size_t)i < a->n ? a->e[i].text : "";
}
const char *sp_net_allow_comment(const sp_net_allow *a, int i) {
  return a && i >= 0 && (size_t)i < a->n ? a->e[i].comment : "";
}

bool sp_net_internal(const sp_ip *ip) {
  static const char *const nets[] = {
      "10.0.0.0/8",    "172.16.0.0/12", "192.168.0.0/16",
      "100.64.0.0/10", "127.0.0.0/8",   "169.254.0.0/16",
      "fc00::/7",      "fe80::/10",     "::1/128"};
  /* Parsed per call would be slow: check the common IPv4 forms directly. */
  if (sp_ip_is_v4(ip)) {
    const uint8_t *b = ip->b + 12;
    return b[0] == 10 || (b[0] == 172 && (b[1] & 0xf0) == 16) ||
           (b[0] == 192 && b[1] == 168) ||
           (b[0] == 100 && (b[1] & 0xc0) == 64) || b[0] == 127 ||
           (b[0] == 169 && b[1] == 254);
  }
  for (size_t i = 5; i < sizeof nets / sizeof nets[0]; i++) {
    sp_ip net;
    unsigned pfx;
    if (sp_cidr_parse(sp_str_make(nets[i], strlen(nets[i])), &net, &pfx) &&
        sp_ip_in(ip, &net, pfx))
      return true;
  }
  return false;
}
