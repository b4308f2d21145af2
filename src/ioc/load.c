/*
 * load.c - reading indicator files: paths (files and folders), format
 * detection by content, and the line formats: plain lists (type inferred
 * per line), CSV with a header (MSTIC, Volexity, MISP CSV, generic),
 * signature-base's HASH;SCORE;COMMENT, REGEX;SCORE;FP-REGEX and C2 lists.
 * JSON (STIX, MISP) is in stix.c, CHIRP YAML in chirp.c. Owns nothing past a
 * call: every indicator goes into the set.
 */
#include "ioc/ioc_int.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define MAX_DEPTH 8
#define MAX_COLUMNS 64

void sp_ioc_diag(sp_diag *d, sp_err e, const char *path, size_t line,
                 const char *msg) {
  if (!d)
    return;
  d->code = e;
  if (line)
    snprintf(d->msg, sizeof d->msg, "--ioc %s:%zu: %s", path, line, msg);
  else
    snprintf(d->msg, sizeof d->msg, "--ioc %s: %s", path, msg);
}

bool sp_ioc_type_from_name(sp_str n, sp_ioc_type *out) {
  static const struct {
    const char *name;
    sp_ioc_type t;
  } map[] = {
      {"ip", SP_IOC_IP},
      {"ipv4", SP_IOC_IP},
      {"ipv6", SP_IOC_IP},
      {"ip-src", SP_IOC_IP},
      {"ip-dst", SP_IOC_IP},
      {"ipaddress", SP_IOC_IP},
      {"ip address", SP_IOC_IP},
      {"ipv4-addr", SP_IOC_IP},
      {"ipv6-addr", SP_IOC_IP},
      {"cidr", SP_IOC_IP},
      {"netaddress", SP_IOC_IP},
      {"networkip", SP_IOC_IP},
      {"ip_address", SP_IOC_IP},
      {"domain", SP_IOC_DOMAIN},
      {"hostname", SP_IOC_DOMAIN},
      {"domain-name", SP_IOC_DOMAIN},
      {"fqdn", SP_IOC_DOMAIN},
      {"domainname", SP_IOC_DOMAIN},
      {"host", SP_IOC_DOMAIN},
      {"url", SP_IOC_URL},
      {"link", SP_IOC_URL},
      {"md5", SP_IOC_MD5},
      {"sha1", SP_IOC_SHA1},
      {"sha-1", SP_IOC_SHA1},
      {"sha256", SP_IOC_SHA256},
      {"sha-256", SP_IOC_SHA256},
      {"filehash-md5", SP_IOC_MD5},
      {"filehash-sha1", SP_IOC_SHA1},
      {"filehash-sha256", SP_IOC_SHA256},
      {"email", SP_IOC_EMAIL},
      {"email-src", SP_IOC_EMAIL},
      {"email-dst", SP_IOC_EMAIL},
      {"email-addr", SP_IOC_EMAIL},
      {"emailaddress", SP_IOC_EMAIL},
      {"email-address", SP_IOC_EMAIL},
      {"ja3", SP_IOC_JA3},
      {"ja3s", SP_IOC_JA3},
      {"ja3-fingerprint-md5", SP_IOC_JA3},
      {"ja3s-fingerprint-md5", SP_IOC_JA3},
      {"ja4", SP_IOC_JA4},
      {"ja4-fingerprint", SP_IOC_JA4},
      {"user-agent", SP_IOC_UA},
      {"useragent", SP_IOC_UA},
      {"user_agent", SP_IOC_UA},
      {"filename", SP_IOC_FILENAME},
      {"file-name", SP_IOC_FILENAME},
      {"filepath", SP_IOC_FILEPATH},
      {"file path", SP_IOC_FILEPATH},
      {"path", SP_IOC_FILEPATH},
      {"file_path", SP_IOC_FILEPATH},
  };
  n = sp_str_trim(n);
  for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
    if (sp_str_ieq(n, map[i].name)) {
      *out = map[i].t;
      return true;
    }
  return false;
}

/* A value under a type name; composite MISP types ("filename|sha256",
 * "domain|ip", "ip-dst|port") give one indicator per typed part. Names
 * "hash" and unknown-but-generic names ("indicator", "") infer the type. */
static sp_err add_named(sp_ioc_set *s, const sp_ioc_meta *m, sp_str tname,
                        sp_str value) {
  tname = sp_str_trim(tname);
  value = sp_str_trim(value);
  const char *bar = tname.n ? memchr(tname.p, '|', tname.n) : NULL;
  const char *vbar = value.n ? memchr(value.p, '|', value.n) : NULL;
  if (bar && vbar) {
    sp_str t1 = sp_str_make(tname.p, (size_t)(bar - tname.p));
    sp_str t2 = sp_str_make(bar + 1, (size_t)(tname.p + tname.n - bar - 1));
    sp_str v1 = sp_str_make(value.p, (size_t)(vbar - value.p));
    sp_str v2 = sp_str_make(vbar + 1, (size_t)(value.p + value.n - vbar - 1));
    sp_ioc_type a, b;
    bool ha = sp_ioc_type_from_name(t1, &a), hb = sp_ioc_type_from_name(t2, &b);
    if (!ha && !hb) {
      sp_ioc_skip_add(s, SP_IOC_SKIP_UNSUPPORTED);
      return SP_OK;
    }
    sp_err e = ha ? sp_ioc_add_ex(s, m, a, v1, sp_str_make(NULL, 0)) : SP_OK;
    if (!e && hb)
      e = sp_ioc_add_ex(s, m, b, v2, sp_str_make(NULL, 0));
    return e;
  }
  sp_ioc_type t;
  if (sp_ioc_type_from_name(tname, &t)) {
    if (t == SP_IOC_FILENAME && value.n &&
        (memchr(value.p, '\\', value.n) || memchr(value.p, '/', value.n)))
      t = SP_IOC_FILEPATH;
    return sp_ioc_add_ex(s, m, t, value, sp_str_make(NULL, 0));
  }
  if (tname.n == 0 || sp_str_ieq(tname, "hash") ||
      sp_str_ieq(tname, "indicator") || sp_str_ieq(tname, "ioc") ||
      sp_str_ieq(tname, "filehash")) {
    if (sp_ioc_infer(value, &t))
      return sp_ioc_add_ex(s, m, t, value, sp_str_make(NULL, 0));
    sp_ioc_skip_add(s, SP_IOC_SKIP_BAD);
    return SP_OK;
  }
  sp_ioc_skip_add(s, SP_IOC_SKIP_UNSUPPORTED);
  return SP_OK;
}

sp_err sp_ioc_add_named(sp_ioc_set *s, const sp_ioc_meta *m, sp_str tname,
                        sp_str value) {
  return add_named(s, m, tname, value);
}

/* ---- lines --------------------------------------------------------------- */

typedef struct lines {
  const char *p, *end;
  uint32_t no;
} lines;

static bool next_line(lines *l, sp_str *out) {
  if (l->p >= l->end)
    return false;
  const char *e = memchr(l->p, '\n', (size_t)(l->end - l->p));
  if (!e)
    e = l->end;
  size_t n = (size_t)(e - l->p);
  if (n && l->p[n - 1] == '\r')
    n--;
  *out = sp_str_make(l->p, n);
  l->p = e + 1;
  l->no++;
  return true;
}

/* Split a CSV line (RFC 4180 quotes; "" inside quotes is kept as two
 * characters: values with quotes are not indicators anyway). */
static size_t csv_split(sp_str line, char sep, sp_str *cols, size_t max) {
  size_t n = 0;
  const char *p = line.p, *end = line.p + line.n;
  while (n < max) {
    if (p < end && *p == '"') {
      const char *q = p + 1;
      while (q < end && !(*q == '"' && (q + 1 == end || q[1] != '"')))
        q += (*q == '"') ? 2 : 1;
      cols[n++] = sp_str_make(p + 1, (size_t)((q < end ? q : end) - p - 1));
      p = q < end ? q + 1 : end;
      while (p < end && *p != sep)
        p++;
    } else {
      const char *q = p;
      while (q < end && *q != sep)
        q++;
      cols[n++] = sp_str_trim(sp_str_make(p, (size_t)(q - p)));
      p = q;
    }
    if (p >= end)
      break;
    p++; /* the separator */
  }
  return n;
}

static int find_col(const sp_str *h, size_t n, const char *const *names) {
  for (const char *const *nm = names; *nm; nm++)
    for (size_t i = 0; i < n; i++)
      if (sp_str_ieq(sp_str_trim(h[i]), *nm))
        return (int)i;
  return -1;
}

static const char *const VALUE_COLS[] = {
    "value",     "indicator",       "ioc",  "observable",
    "ioc_value", "indicator_value", "data", NULL};
static const char *const TYPE_COLS[] = {
    "type",     "indicatortype",   "indicator_type",
    "ioc_type", "observable_type", "kind",
    NULL};
static const char *const COMMENT_COLS[] = {
    "comment", "notes", "note", "description", "desc", "tags", NULL};
static const char *const SCORE_COLS[] = {"score", "confidence", NULL};

/* The header line, if this text is CSV with a known header. */
static bool csv_header(sp_str line, sp_str *cols, size_t *ncols, int *vcol) {
  if (!line.n || !memchr(line.p, ',', line.n))
    return false;
  *ncols = csv_split(line, ',', cols, MAX_COLUMNS);
  *vcol = find_col(cols, *ncols, VALUE_COLS);
  return *vcol >= 0;
}

static sp_err load_csv(sp_ioc_set *s, sp_ioc_meta m, lines l, sp_str header) {
  sp_str h[MAX_COLUMNS], c[MAX_COLUMNS];
  size_t nh = 0;
  int vcol;
  csv_header(header, h, &nh, &vcol);
  int tcol = find_col(h, nh, TYPE_COLS);
  int ccol = find_col(h, nh, COMMENT_COLS);
  int scol = find_col(h, nh, SCORE_COLS);
  bool misp = find_col(h, nh, (const char *const[]){"event_id", NULL}) >= 0 &&
              find_col(h, nh, (const char *const[]){"category", NULL}) >= 0;
  m.format = sp_ioc_str(s, misp ? "misp-csv" : "csv", misp ? 8 : 3);
  uint32_t cc = 0;
  sp_str line;
  while (next_line(&l, &line)) {
    if (!sp_str_trim(line).n)
      continue;
    size_t n = csv_split(line, ',', c, MAX_COLUMNS);
    if ((size_t)vcol >= n) {
      sp_ioc_skip_add(s, SP_IOC_SKIP_BAD);
      continue;
    }
    m.line = l.no;
    m.comment = 0;
    if (ccol >= 0 && (size_t)ccol < n && c[ccol].n)
      m.comment = sp_ioc_str_cached(s, &cc, c[ccol].p, c[ccol].n);
    m.score = -1;
    uint64_t sc;
    if (scol >= 0 && (size_t)scol < n && sp_str_to_u64(c[scol], 100, &sc))
      m.score = (int)sc;
    if (m.comment == UINT32_MAX)
      return SP_ENOMEM;
    sp_str tn = tcol >= 0 && (size_t)tcol < n ? c[tcol] : sp_str_make("", 0);
    sp_err e = add_named(s, &m, tn, c[vcol]);
    if (e)
      return e;
  }
  return SP_OK;
}

static bool is_hexs(sp_str v) {
  for (size_t i = 0; i < v.n; i++)
    if (!((v.p[i] >= '0' && v.p[i] <= '9') ||
          (v.p[i] >= 'a' && v.p[i] <= 'f') || (v.p[i] >= 'A' && v.p[i] <= 'F')))
      return false;
  return v.n == 32 || v.n == 40 || v.n == 64;
}

/* Plain lists and signature-base's formats, line by line. */
static sp_err load_lines(sp_ioc_set *s, sp_ioc_meta m, lines l,
                         const char *name) {
  const char *base = strrchr(name, '/');
  base = base ? base + 1 : name;
  sp_str bn = sp_str_make(base, strlen(base));
  bool regex_file = sp_str_ifind(bn, "filename") >= 0;
  bool sigbase = regex_file || sp_str_ifind(bn, "hash") >= 0 ||
                 sp_str_ifind(bn, "c2") >= 0;
  /* First pass: does any line use ';' fields? Then it is signature-base. */
  {
    lines t = l;
    sp_str line;
    int seen = 0;
    while (seen < 200 && next_line(&t, &line)) {
      sp_str v = sp_str_trim(line);
      if (!v.n || v.p[0] == '#')
        continue;
      seen++;
      if (memchr(v.p, ';', v.n))
        sigbase = true;
    }
  }
  m.format =
      sigbase ? sp_ioc_str(s, "signature-base", 14) : sp_ioc_str(s, "list", 4);
  uint32_t cc = 0;
  sp_str line;
  while (next_line(&l, &line)) {
    sp_str v = sp_str_trim(line);
    if (!v.n || v.p[0] == '#' || (v.n > 1 && v.p[0] == '/' && v.p[1] == '/'))
      continue;
    m.line = l.no;
    m.comment = 0;
    m.score = -1;
    sp_str f[3] = {v, {NULL, 0}, {NULL, 0}};
    size_t nf = 1;
    if (sigbase) {
      /* Split at the first two ';' (the FP regex may hold more). */
      const char *p = v.p, *end = v.p + v.n;
      const char *a = memchr(p, ';', v.n);
      if (a) {
        f[0] = sp_str_make(p, (size_t)(a - p));
        const char *b = memchr(a + 1, ';', (size_t)(end - a - 1));
        f[1] = sp_str_make(a + 1, (size_t)((b ? b : end) - a - 1));
        nf = 2;
        if (b) {
          f[2] = sp_str_make(b + 1, (size_t)(end - b - 1));
          nf = 3;
        }
      }
    }
    uint64_t score;
    bool has_score = nf >= 2 && sp_str_to_u64(sp_str_trim(f[1]), 100, &score);
    sp_str f0 = sp_str_trim(f[0]);
    sp_err e = SP_OK;
    if (is_hexs(f0) && (nf >= 2 || !regex_file)) {
      /* HASH;COMMENT or HASH;SCORE;COMMENT */
      sp_str com = has_score ? f[2] : (nf >= 2 ? f[1] : sp_str_make(NULL, 0));
      if (nf == 3 && !has_score)
        com = sp_str_make(f[1].p, (size_t)(v.p + v.n - f[1].p));
      if (has_score)
        m.score = (int)score;
      com = sp_str_trim(com);
      if (com.n)
        m.comment = sp_ioc_str_cached(s, &cc, com.p, com.n);
      if (m.comment == UINT32_MAX)
        return SP_ENOMEM;
      sp_ioc_type t = f0.n == 32   ? SP_IOC_MD5
                      : f0.n == 40 ? SP_IOC_SHA1
                                   : SP_IOC_SHA256;
      e = sp_ioc_add_ex(s, &m, t, f0, sp_str_make(NULL, 0));
    } else {
      sp_ioc_type t;
      bool inferred = sp_ioc_infer(f0, &t);
      if (has_score)
        m.score = (int)score;
      if (inferred && (t == SP_IOC_IP || t == SP_IOC_DOMAIN) && !regex_file)
        e = sp_ioc_add_ex(s, &m, t, f0, sp_str_make(NULL, 0)); /* C2 */
      else if (sigbase && (has_score || regex_file))
        e = sp_ioc_add_ex(s, &m, SP_IOC_REGEX, f0,
                          nf == 3 ? sp_str_trim(f[2]) : sp_str_make(NULL, 0));
      else if (inferred)
        e = sp_ioc_add_ex(s, &m, t, f0, sp_str_make(NULL, 0));
      else
        sp_ioc_skip_add(s, SP_IOC_SKIP_BAD);
    }
    if (e)
      return e;
  }
  return SP_OK;
}

sp_err sp_ioc_load_buffer(sp_ioc_set *s, const char *name, const char *buf,
                          size_t n, sp_diag *diag) {
  if (s->finished)
    return SP_EINVAL;
  if (n > SP_IOC_MAX_FILE) {
    sp_ioc_diag(diag, SP_ELIMIT, name, 0, "larger than the 512 MiB limit");
    return SP_ELIMIT;
  }
  s->files++;
  const char *p = buf, *end = buf + n;
  if (n >= 3 && memcmp(p, "\xEF\xBB\xBF", 3) == 0)
    p += 3;
  if (memchr(p, '\0', (size_t)(end - p))) {
    sp_ioc_diag(diag, SP_EFORMAT, name, 0,
                "binary file (NUL bytes), not an indicator list");
    return SP_EFORMAT;
  }
  const char *q = p;
  while (q < end && (*q == ' ' || *q == '\t' || *q == '\r' || *q == '\n'))
    q++;
  if (q < end && (*q == '{' || *q == '['))
    return sp_ioc_load_json(s, name, p, (size_t)(end - p), diag);
  sp_str all = sp_str_make(p, (size_t)(end - p));
  if (sp_str_ifind(all, "ioc_type:") >= 0 &&
      sp_str_ifind(all, "indicator:") >= 0)
    return sp_ioc_load_yaml(s, name, p, (size_t)(end - p), diag);
  sp_ioc_meta m = {.score = -1};
  m.source = sp_ioc_str_cached(s, &s->cache_source, name, strlen(name));
  if (m.source == UINT32_MAX)
    return SP_ENOMEM;
  lines l = {p, end, 0};
  /* The first line that is neither empty nor a comment decides CSV. */
  lines t = l;
  sp_str line;
  while (next_line(&t, &line)) {
    sp_str v = sp_str_trim(line);
    if (!v.n || v.p[0] == '#')
      continue;
    sp_str cols[MAX_COLUMNS];
    size_t nc;
    int vcol;
    if (csv_header(v, cols, &nc, &vcol))
      return load_csv(s, m, t, v);
    break;
  }
  return load_lines(s, m, l, name);
}

static sp_err load_file(sp_ioc_set *s, const char *path, sp_diag *diag) {
  FILE *f = fopen(path, "rb");
  if (!f) {
    sp_ioc_diag(diag, SP_EIO, path, 0, strerror(errno));
    return errno == ENOENT ? SP_ENOENT : SP_EIO;
  }
  size_t cap = 1 << 16, n = 0;
  char *buf = malloc(cap);
  sp_err e = buf ? SP_OK : SP_ENOMEM;
  while (!e) {
    if (n == cap) {
      if (cap > SP_IOC_MAX_FILE) {
        sp_ioc_diag(diag, SP_ELIMIT, path, 0, "larger than the 512 MiB limit");
        e = SP_ELIMIT;
        break;
      }
      char *nb = realloc(buf, cap * 2);
      if (!nb) {
        e = SP_ENOMEM;
        break;
      }
      buf = nb;
      cap *= 2;
    }
    size_t got = fread(buf + n, 1, cap - n, f);
    n += got;
    if (got == 0) {
      if (ferror(f)) {
        sp_ioc_diag(diag, SP_EIO, path, 0, "read error");
        e = SP_EIO;
      }
      break;
    }
  }
  fclose(f);
  if (!e)
    e = sp_ioc_load_buffer(s, path, buf, n, diag);
  free(buf);
  return e;
}

static int cmp_str(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

static sp_err load_dir(sp_ioc_set *s, const char *path, int depth,
                       sp_diag *diag) {
  if (depth > MAX_DEPTH) {
    sp_ioc_skip_add(s, SP_IOC_SKIP_CUT);
    return SP_OK;
  }
  DIR *d = opendir(path);
  if (!d) {
    sp_ioc_diag(diag, SP_EIO, path, 0, strerror(errno));
    return SP_EIO;
  }
  char **names = NULL;
  size_t n = 0, cap = 0;
  sp_err e = SP_OK;
  struct dirent *de;
  while ((de = readdir(d))) {
    if (de->d_name[0] == '.')
      continue;
    if (n == cap) {
      size_t nc = cap ? cap * 2 : 32;
      char **nn = realloc(names, nc * sizeof *nn);
      if (!nn) {
        e = SP_ENOMEM;
        break;
      }
      names = nn;
      cap = nc;
    }
    size_t len = strlen(path) + strlen(de->d_name) + 2;
    if (!(names[n] = malloc(len))) {
      e = SP_ENOMEM;
      break;
    }
    snprintf(names[n++], len, "%s/%s", path, de->d_name);
  }
  closedir(d);
  if (!e)
    qsort(names, n, sizeof *names, cmp_str);
  for (size_t i = 0; i < n && !e; i++) {
    struct stat st;
    if (stat(names[i], &st) != 0)
      continue;
    if (S_ISDIR(st.st_mode))
      e = load_dir(s, names[i], depth + 1, diag);
    else if (S_ISREG(st.st_mode)) {
      if (s->files >= SP_IOC_MAX_FILES) {
        sp_ioc_skip_add(s, SP_IOC_SKIP_CUT);
        continue;
      }
      e = load_file(s, names[i], diag);
    }
  }
  for (size_t i = 0; i < n; i++)
    free(names[i]);
  free(names);
  return e;
}

sp_err sp_ioc_load_path(sp_ioc_set *s, const char *path, sp_diag *diag) {
  struct stat st;
  if (stat(path, &st) != 0) {
    sp_ioc_diag(diag, errno == ENOENT ? SP_ENOENT : SP_EIO, path, 0,
                strerror(errno));
    return errno == ENOENT ? SP_ENOENT : SP_EIO;
  }
  if (S_ISDIR(st.st_mode))
    return load_dir(s, path, 0, diag);
  return load_file(s, path, diag);
}
