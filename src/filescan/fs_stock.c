/*
 * fs_stock.c - what "stock Exchange file" means to the file scanner: spoor's
 * embedded list of stock file URLs in the folders attackers favour, the
 * Microsoft known-good baselines (CSV: SHA256,build,relative-path), the
 * derived stock relative paths and URL paths, the look-alike check
 * (restricted Damerau-Levenshtein distance between homoglyph-folded
 * skeletons of a name and a stock base name) and the folders where a page
 * that is not stock is suspect in itself (owa/auth, ecp/auth, aspnet_client,
 * the ecp root).
 *
 * Owns nothing itself: everything it builds lives in the sp_filescan (sets
 * and string pool) and is read-only once sp_filescan_create returns.
 */
#include "filescan/filescan_internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#define SP_FS_MAX_LOOKALIKE 4096u   /* look-alike targets kept */
#define SP_FS_MIN_LOOKALIKE_STEM 4u /* shorter stock stems are no targets */
#define SP_FS_MID_STEM 8u   /* shorter stems: one same-length edit only */
#define SP_FS_LONG_STEM 16u /* stems this long allow distance 3 */
#define SP_FS_MAX_BUILDS 10000u
#define SP_FS_MAX_PATH 4096u

/*
 * Stock Exchange 2013/2016/2019 web files in the virtual directories that
 * web-shell droppers favour, as URL paths. Written for spoor from the public
 * layout of the FrontEnd\HttpProxy and ClientAccess folders. /aspnet_client/
 * holds no stock .aspx at all, so it has no entries.
 */
static const char *const k_stock_urls[] = {
    /* OWA forms-based authentication pages */
    "/owa/auth/logon.aspx",
    "/owa/auth/logoff.aspx",
    "/owa/auth/errorFE.aspx",
    "/owa/auth/error.aspx",
    "/owa/auth/error2.aspx",
    "/owa/auth/expiredpassword.aspx",
    "/owa/auth/frowny.aspx",
    "/owa/auth/RedirSuiteServiceProxy.aspx",
    "/owa/auth/signout.aspx",
    "/owa/auth/OutlookCN.aspx",
    "/owa/auth/TimeoutLogout.aspx",
    "/owa/auth/getidtoken.htm",
    /* ECP */
    "/ecp/auth/TimeoutLogout.aspx",
    "/ecp/default.aspx",
    "/ecp/about.aspx",
    "/ecp/error.aspx",
    "/ecp/DDI/DDIService.svc",
    /* virtual directory roots */
    "/owa/global.asax",
    "/owa/web.config",
    "/ecp/global.asax",
    "/ecp/web.config",
    "/ews/global.asax",
    "/ews/web.config",
    "/ews/exchange.asmx",
    "/oab/global.asax",
    "/oab/web.config",
    "/mapi/global.asax",
    "/mapi/web.config",
    "/rpc/global.asax",
    "/rpc/web.config",
    "/autodiscover/global.asax",
    "/autodiscover/web.config",
    "/autodiscover/autodiscover.svc",
    "/powershell/global.asax",
    "/powershell/web.config",
    "/microsoft-server-activesync/global.asax",
    "/microsoft-server-activesync/web.config",
};

/* ---- small string helpers ------------------------------------------------ */

sp_str sp_fs_ext(sp_str base) {
  for (size_t i = base.n; i > 0; i--)
    if (base.p[i - 1] == '.')
      return sp_str_make(base.p + i, base.n - i);
  return sp_str_make(base.p + base.n, 0);
}

bool sp_fs_is_script_ext(sp_str ext) {
  static const char *const exts[] = {"aspx", "ashx", "asmx",  "asax",
                                     "ascx", "svc",  "cshtml"};
  for (size_t i = 0; i < sizeof exts / sizeof exts[0]; i++)
    if (sp_str_ieq(ext, exts[i]))
      return true;
  return false;
}

bool sp_filescan_executable_name(const char *path) {
  static const char *const exts[] = {
      "aspx",   "ashx", "asmx",   "asax", "ascx", "svc", "cshtml",
      "master", "asp",  "config", "php",  "jsp",  "jspx"};
  sp_str ext = sp_fs_ext(sp_str_basename(sp_str_make(path, strlen(path))));
  for (size_t i = 0; i < sizeof exts / sizeof exts[0]; i++)
    if (sp_str_ieq(ext, exts[i]))
      return true;
  return false;
}

int sp_fs_osa_distance(sp_str a, sp_str b, int max) {
  if (a.n > SP_FS_MAX_NAME || b.n > SP_FS_MAX_NAME || max < 0)
    return max + 1;
  size_t diff = a.n > b.n ? a.n - b.n : b.n - a.n;
  if (diff > (size_t)max)
    return max + 1;
  /* three rows of the dynamic-programming table */
  int rows[3][SP_FS_MAX_NAME + 1];
  int *pp = rows[0], *prev = rows[1], *cur = rows[2];
  for (size_t j = 0; j <= b.n; j++)
    prev[j] = (int)j;
  for (size_t i = 1; i <= a.n; i++) {
    cur[0] = (int)i;
    int row_min = cur[0];
    int ca = sp_lower((unsigned char)a.p[i - 1]);
    for (size_t j = 1; j <= b.n; j++) {
      int cb = sp_lower((unsigned char)b.p[j - 1]);
      int cost = ca == cb ? 0 : 1;
      int v = prev[j] + 1;
      if (cur[j - 1] + 1 < v)
        v = cur[j - 1] + 1;
      if (prev[j - 1] + cost < v)
        v = prev[j - 1] + cost;
      if (i > 1 && j > 1 && ca == sp_lower((unsigned char)b.p[j - 2]) &&
          sp_lower((unsigned char)a.p[i - 2]) == cb && pp[j - 2] + 1 < v)
        v = pp[j - 2] + 1;
      cur[j] = v;
      if (v < row_min)
        row_min = v;
    }
    if (row_min > max)
      return max + 1;
    int *t = pp;
    pp = prev;
    prev = cur;
    cur = t;
  }
  return prev[b.n] > max ? max + 1 : prev[b.n];
}

/* Lower-case, '/'-separated, no leading or doubled separators. Returns the
 * length, or 0 when it does not fit. */
static size_t norm_path(sp_str in, char *out, size_t cap) {
  size_t n = 0;
  for (size_t i = 0; i < in.n; i++) {
    char c = in.p[i];
    if (c == '\\')
      c = '/';
    if (c == '/' && (n == 0 || out[n - 1] == '/'))
      continue;
    if (n + 1 >= cap)
      return 0;
    out[n++] = (char)sp_lower((unsigned char)c);
  }
  out[n] = 0;
  return n;
}

/* The virtual-directory-relative part of a normalized baseline path
 * ("owa/auth/logon.aspx"), or an empty slice when it is not web content. */
/* Start of the last "/<marker>" in s (or s itself when it starts with
 * marker), or NULL. */
static const char *last_marker(sp_str s, const char *marker) {
  size_t m = strlen(marker);
  const char *found = NULL;
  for (size_t i = 0; i + m <= s.n; i++)
    if ((i == 0 || s.p[i - 1] == '/') && memcmp(s.p + i, marker, m) == 0)
      found = s.p + i;
  return found;
}

static sp_str vdir_relative(sp_str norm) {
  sp_str rest = norm;
  /* Anywhere in the path, so "c:/.../v15/clientaccess/ecp/x.aspx" maps too. */
  const char *fe = last_marker(norm, "frontend/httpproxy/");
  const char *ca = last_marker(norm, "clientaccess/");
  if (fe && (!ca || fe > ca))
    rest = sp_str_make(fe + 19, norm.n - (size_t)(fe + 19 - norm.p));
  else if (ca)
    rest = sp_str_make(ca + 13, norm.n - (size_t)(ca + 13 - norm.p));
  else if (last_marker(norm, "frontend/") || memchr(norm.p, ':', norm.n))
    return sp_str_make(norm.p, 0);
  /* bare paths (Exchange 2013/2019 baselines) start at the vdir */
  if (!memchr(rest.p, '/', rest.n))
    return sp_str_make(norm.p, 0);
  return rest;
}

/* ---- look-alike names --------------------------------------------------- */

size_t sp_fs_skeleton(sp_str in, char *out, size_t cap) {
  size_t n = 0;
  for (size_t i = 0; i < in.n; i++) {
    int c = sp_lower((unsigned char)in.p[i]);
    int next = i + 1 < in.n ? sp_lower((unsigned char)in.p[i + 1]) : 0;
    if (c == 'r' && next == 'n') {
      c = 'm';
      i++;
    } else if (c == 'v' && next == 'v') {
      c = 'w';
      i++;
    } else if (c == '0') {
      c = 'o';
    } else if (c == '1' || c == 'i') {
      c = 'l';
    }
    if (n + 1 >= cap)
      return 0;
    out[n++] = (char)c;
  }
  if (cap)
    out[n] = 0;
  return n;
}

/* Common page names one same-length edit away from a short stock name
 * (login.aspx / logon.aspx, errors.aspx / error2.aspx): never look-alikes. */
static bool common_stem(sp_str stem) {
  static const char *const names[] = {"login", "errors"};
  for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
    if (sp_str_ieq(stem, names[i]))
      return true;
  return false;
}

/* Folded edits from a candidate stem (and its skeleton) to a target stem
 * (lower case, and its skeleton), or -1 when the candidate is no look-alike
 * of it. The extensions are compared by the caller. */
static int stem_edits(sp_str stem, sp_str skel, sp_str tstem, sp_str tskel) {
  if (tstem.n < SP_FS_MIN_LOOKALIKE_STEM || skel.n == 0 || tskel.n == 0)
    return -1;
  if (stem.n == tstem.n && sp_mem_ieq(stem.p, tstem.p, stem.n))
    return -1; /* the stock name itself */
  /* A name that is a stock name cut short (Outlook.aspx beside
     OutlookCN.aspx) is a different page; one that adds to a stock name
     (SessionKeeper2.aspx) still imitates it. */
  if ((stem.n < tstem.n && sp_mem_ieq(stem.p, tstem.p, stem.n)) ||
      (skel.n < tskel.n && memcmp(skel.p, tskel.p, skel.n) == 0))
    return -1;
  int max;
  if (tstem.n < SP_FS_MID_STEM) {
    /* Short stock names: one substitution or transposition (after
       folding) and nothing else, so logon2.aspx or logn.aspx stay other
       pages while errorFS.aspx and Err0r.aspx do not. */
    if (skel.n != tskel.n || common_stem(stem))
      return -1;
    max = 1;
  } else {
    max = tstem.n >= SP_FS_LONG_STEM ? 3 : 2;
  }
  int d = sp_fs_osa_distance(skel, tskel, max);
  return d > max ? -1 : d;
}

int sp_fs_lookalike_of(sp_str base, sp_str stock) {
  if (base.n == 0 || base.n > SP_FS_MAX_NAME || stock.n == 0 ||
      stock.n > SP_FS_MAX_NAME)
    return 0;
  sp_str ext = sp_fs_ext(base), text = sp_fs_ext(stock);
  if (!sp_fs_is_script_ext(ext) || ext.n + 1 > base.n || text.n + 1 > stock.n ||
      ext.n != text.n || !sp_mem_ieq(ext.p, text.p, ext.n))
    return 0;
  sp_str stem = sp_str_make(base.p, base.n - ext.n - 1);
  sp_str tstem = sp_str_make(stock.p, stock.n - text.n - 1);
  char a[SP_FS_MAX_NAME + 1], b[SP_FS_MAX_NAME + 1];
  size_t an = sp_fs_skeleton(stem, a, sizeof a);
  size_t bn = sp_fs_skeleton(tstem, b, sizeof b);
  int d = stem_edits(stem, sp_str_make(a, an), tstem, sp_str_make(b, bn));
  return d < 0 ? 0 : (d < 1 ? 1 : d);
}

size_t sp_fs_embedded_stock_count(void) {
  return sizeof k_stock_urls / sizeof k_stock_urls[0];
}

const char *sp_fs_embedded_stock_url(size_t i) {
  return i < sp_fs_embedded_stock_count() ? k_stock_urls[i] : NULL;
}

/* ---- building the sets --------------------------------------------------- */

static sp_err add_lookalike(sp_filescan *fs, sp_str name) {
  if (name.n == 0 || name.n > SP_FS_MAX_NAME)
    return SP_OK;
  sp_str ext = sp_fs_ext(name);
  if (!sp_fs_is_script_ext(ext) || ext.n + 1 > name.n)
    return SP_OK;
  size_t stem = name.n - ext.n - 1;
  if (stem < SP_FS_MIN_LOOKALIKE_STEM)
    return SP_OK;
  for (size_t i = 0; i < fs->n_lookalike; i++)
    if (sp_str_ieq(name, fs->lookalike[i].lower))
      return SP_OK;
  if (fs->n_lookalike >= SP_FS_MAX_LOOKALIKE)
    return SP_OK; /* bounded; later targets are ignored */
  if (fs->n_lookalike == fs->cap_lookalike) {
    size_t ncap = fs->cap_lookalike ? fs->cap_lookalike * 2 : 64;
    sp_fs_stock_name *nl = realloc(fs->lookalike, ncap * sizeof *nl);
    if (!nl)
      return SP_ENOMEM;
    fs->lookalike = nl;
    fs->cap_lookalike = ncap;
  }
  char lower[SP_FS_MAX_NAME + 1], skel[SP_FS_MAX_NAME + 1];
  sp_lower_copy(lower, name.p, name.n);
  size_t skel_n = sp_fs_skeleton(sp_str_make(name.p, stem), skel, sizeof skel);
  sp_fs_stock_name *t = &fs->lookalike[fs->n_lookalike];
  t->name = sp_fs_pool_dup(&fs->pool, name.p, name.n);
  t->lower = sp_fs_pool_dup(&fs->pool, lower, name.n);
  t->skel = sp_fs_pool_dup(&fs->pool, skel, skel_n);
  if (!t->name || !t->lower || !t->skel)
    return SP_ENOMEM;
  t->skel_len = skel_n;
  t->stem_len = stem;
  t->ext_off = stem + 1;
  fs->n_lookalike++;
  return SP_OK;
}

/* A stock URL ("/owa/auth/x.aspx", any case): into the URL set, its base
 * name into the name set, and into the look-alike targets when it sits in a
 * vdir root or an auth/ folder. */
static sp_err add_stock_url(sp_filescan *fs, sp_str vrel, sp_str orig_base) {
  char url[SP_FS_MAX_PATH];
  if (vrel.n + 2 > sizeof url)
    return SP_OK;
  url[0] = '/';
  memcpy(url + 1, vrel.p, vrel.n);
  sp_err e = sp_strset_add(fs->stock_urls, sp_str_make(url, vrel.n + 1), true);
  if (e)
    return e;
  e = sp_strset_add(fs->stock_names, orig_base, true);
  if (e)
    return e;
  size_t slashes = 0;
  for (size_t i = 0; i < vrel.n; i++)
    slashes += vrel.p[i] == '/';
  bool shallow = slashes == 1;
  if (slashes == 2) {
    const char *s1 = memchr(vrel.p, '/', vrel.n);
    sp_str mid = sp_str_make(s1 + 1, vrel.n - (size_t)(s1 + 1 - vrel.p));
    shallow = sp_str_istarts(mid, "auth/");
  }
  return shallow ? add_lookalike(fs, orig_base) : SP_OK;
}

sp_err sp_fs_stock_init(sp_filescan *fs, sp_diag *diag) {
  sp_err e = sp_strset_create(SP_FS_MAX_BASELINE_ENTRIES, &fs->good_hashes);
  if (!e)
    e = sp_strset_create(2 * SP_FS_MAX_BASELINE_ENTRIES, &fs->stock_paths);
  if (!e)
    e = sp_strset_create(SP_FS_MAX_STOCK_URLS, &fs->stock_urls);
  if (!e)
    e = sp_strset_create(SP_FS_MAX_STOCK_URLS, &fs->stock_names);
  if (!e)
    e = sp_strset_create(SP_FS_MAX_BUILDS, &fs->builds);
  for (size_t i = 0; !e && i < sizeof k_stock_urls / sizeof k_stock_urls[0];
       i++) {
    sp_str u = sp_str_make(k_stock_urls[i], strlen(k_stock_urls[i]));
    e = add_stock_url(fs, sp_str_make(u.p + 1, u.n - 1), sp_str_basename(u));
  }
  if (e)
    sp_fs_diag(diag, e, "building the stock Exchange file list: %s",
               sp_strerror(e));
  return e;
}

static bool is_hex64(sp_str s) {
  if (s.n != 64)
    return false;
  for (size_t i = 0; i < 64; i++) {
    char c = s.p[i];
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') ||
          (c >= 'A' && c <= 'F')))
      return false;
  }
  return true;
}

static sp_str unquote(sp_str s) {
  s = sp_str_trim(s);
  if (s.n >= 2 && s.p[0] == '"' && s.p[s.n - 1] == '"')
    s = sp_str_make(s.p + 1, s.n - 2);
  return s;
}

/* One baseline row; *bad set when the line is no data row (header, junk). */
static sp_err add_row(sp_filescan *fs, sp_str line, bool *bad) {
  *bad = true;
  const char *c1 = memchr(line.p, ',', line.n);
  if (!c1)
    return SP_OK;
  sp_str hash = unquote(sp_str_make(line.p, (size_t)(c1 - line.p)));
  sp_str rest = sp_str_make(c1 + 1, line.n - (size_t)(c1 + 1 - line.p));
  const char *c2 = memchr(rest.p, ',', rest.n);
  if (!c2 || !is_hex64(hash))
    return SP_OK;
  sp_str build = unquote(sp_str_make(rest.p, (size_t)(c2 - rest.p)));
  sp_str path =
      unquote(sp_str_make(c2 + 1, rest.n - (size_t)(c2 + 1 - rest.p)));
  if (path.n == 0)
    return SP_OK;
  *bad = false;
  if (fs->baseline_rows >= SP_FS_MAX_BASELINE_ENTRIES)
    return SP_ELIMIT;
  fs->baseline_rows++;
  sp_err e = sp_strset_add(fs->good_hashes, hash, true);
  if (!e && build.n)
    e = sp_strset_add(fs->builds, build, false);
  if (e)
    return e;
  char norm[SP_FS_MAX_PATH];
  size_t nn = norm_path(path, norm, sizeof norm);
  if (nn == 0)
    return SP_OK;
  sp_str ns = sp_str_make(norm, nn);
  /* A bare file name would make every file of that name "stock": paths
     need a folder. Full sets are not fatal: the rows already taken still
     serve, and the hash set above is what marks files as known good. */
  if (memchr(ns.p, '/', ns.n)) {
    e = sp_strset_add(fs->stock_paths, ns, false);
    if (e && e != SP_ELIMIT)
      return e;
  }
  sp_str vrel = vdir_relative(ns);
  if (vrel.n) {
    e = sp_strset_add(fs->stock_paths, vrel, false);
    /* Only scripts are looked up as URLs; versioned images and styles of
       every build would fill the URL set for nothing. */
    if ((!e || e == SP_ELIMIT) &&
        sp_fs_is_script_ext(sp_fs_ext(sp_str_basename(vrel))))
      e = add_stock_url(fs, vrel, sp_str_basename(path));
  } else {
    e = sp_strset_add(fs->stock_names, sp_str_basename(path), true);
  }
  return e == SP_ELIMIT ? SP_OK : e;
}

/* One line of f without its '\n' into buf (at most cap bytes kept; more
 * sets *overlong and is read past). False at the end of the file. */
static bool read_line(FILE *f, char *buf, size_t cap, size_t *n,
                      bool *overlong) {
  int ch;
  *n = 0;
  *overlong = false;
  bool any = false;
  while ((ch = getc(f)) != EOF) {
    any = true;
    if (ch == '\n')
      return true;
    if (*n < cap)
      buf[(*n)++] = (char)ch;
    else
      *overlong = true;
  }
  return any;
}

/* The rows of one baseline CSV read from f (not closed here); file names it
 * in messages. */
static sp_err load_stream(sp_filescan *fs, FILE *f, const char *file,
                          sp_diag *diag) {
  char line[SP_FS_MAX_LINE + 1];
  uint64_t lineno = 0;
  sp_err e = SP_OK;
  size_t n;
  bool overlong;
  /* Lines by their '\n', not by strlen: a NUL byte inside a line must not
     make it look overlong and swallow the next one. */
  while (read_line(f, line, SP_FS_MAX_LINE, &n, &overlong)) {
    lineno++;
    if (overlong)
      continue; /* longer than SP_FS_MAX_LINE: skipped whole */
    sp_str s = sp_str_make(line, n);
    if (lineno == 1 && s.n >= 3 && memcmp(s.p, "\xEF\xBB\xBF", 3) == 0)
      s = sp_str_make(s.p + 3, s.n - 3);
    s = sp_str_trim(s);
    if (s.n == 0 || memchr(s.p, 0, s.n))
      continue; /* empty, or binary junk: no data row */
    bool bad;
    e = add_row(fs, s, &bad);
    if (e) {
      if (e == SP_ELIMIT)
        sp_fs_diag(diag, e, "%s:%llu: more than %u baseline rows", file,
                   (unsigned long long)lineno, SP_FS_MAX_BASELINE_ENTRIES);
      else
        sp_fs_diag(diag, e, "%s:%llu: %s", file, (unsigned long long)lineno,
                   sp_strerror(e));
      break;
    }
  }
  if (!e && ferror(f)) {
    e = SP_EIO;
    sp_fs_diag(diag, e, "%s: read error", file);
  }
  return e;
}

static sp_err load_csv(sp_filescan *fs, const char *file, sp_diag *diag) {
  FILE *f = fopen(file, "rbe");
  if (!f) {
    sp_err e = errno == ENOENT ? SP_ENOENT : SP_EIO;
    sp_fs_diag(diag, e, "%s: %s", file, strerror(errno));
    return e;
  }
  sp_err e = load_stream(fs, f, file, diag);
  fclose(f);
  return e;
}

sp_err sp_fs_baseline_parse(sp_filescan *fs, const char *name,
                            const uint8_t *buf, size_t len, sp_diag *diag) {
  FILE *f = fmemopen((void *)buf, len, "rb");
  if (!f) {
    sp_fs_diag(diag, SP_ENOMEM, "%s: %s", name, strerror(errno));
    return SP_ENOMEM;
  }
  sp_err e = load_stream(fs, f, name, diag);
  fclose(f);
  return e;
}

sp_err sp_fs_baseline_load(sp_filescan *fs, const char *dir, sp_diag *diag) {
  static const char *const sfx[] = {".csv"};
  char **list;
  size_t n;
  sp_err e = sp_fs_list_dir(dir, sfx, 1, &list, &n, diag);
  if (e)
    return e;
  if (n == 0) {
    sp_fs_list_free(list, n);
    sp_fs_diag(diag, SP_ENOENT, "%s: no *.csv baseline files", dir);
    return SP_ENOENT;
  }
  for (size_t i = 0; i < n && !e; i++)
    e = load_csv(fs, list[i], diag);
  sp_fs_list_free(list, n);
  if (!e && fs->baseline_rows == 0) {
    e = SP_EFORMAT;
    sp_fs_diag(diag, e, "%s: no SHA256,build,path rows in the baselines", dir);
  }
  return e;
}

/* ---- lookups during a hunt ---------------------------------------------- */

bool sp_fs_stock_path_match(const sp_filescan *fs, const char *path,
                            char *matched, size_t cap) {
  if (!path || sp_strset_count(fs->stock_paths) == 0)
    return false;
  char norm[SP_FS_MAX_PATH];
  size_t nn = norm_path(sp_str_make(path, strlen(path)), norm, sizeof norm);
  if (nn == 0)
    return false;
  for (size_t i = 0; i < nn; i++) {
    if (i > 0 && norm[i - 1] != '/')
      continue;
    sp_str suffix = sp_str_make(norm + i, nn - i);
    if (sp_strset_has(fs->stock_paths, suffix, false)) {
      if (matched && cap)
        snprintf(matched, cap, "%.*s", (int)suffix.n, suffix.p);
      return true;
    }
  }
  return false;
}

int sp_fs_lookalike(const sp_filescan *fs, sp_str base, char *imitated,
                    size_t cap) {
  if (base.n == 0 || base.n > SP_FS_MAX_NAME)
    return 0;
  sp_str ext = sp_fs_ext(base);
  if (!sp_fs_is_script_ext(ext) || ext.n + 1 > base.n)
    return 0;
  if (sp_strset_has(fs->stock_names, base, true))
    return 0; /* a stock name is never a look-alike */
  sp_str stem = sp_str_make(base.p, base.n - ext.n - 1);
  char skel[SP_FS_MAX_NAME + 1];
  size_t skel_n = sp_fs_skeleton(stem, skel, sizeof skel);
  const sp_fs_stock_name *best = NULL;
  int best_d = 0;
  for (size_t i = 0; i < fs->n_lookalike; i++) {
    const sp_fs_stock_name *t = &fs->lookalike[i];
    if (!sp_str_ieq(ext, t->lower + t->ext_off))
      continue;
    int d = stem_edits(stem, sp_str_make(skel, skel_n),
                       sp_str_make(t->lower, t->stem_len),
                       sp_str_make(t->skel, t->skel_len));
    if (d < 0)
      continue;
    if (!best || d < best_d ||
        (d == best_d && strcmp(t->lower, best->lower) < 0)) {
      best = t;
      best_d = d;
    }
  }
  if (!best)
    return 0;
  if (imitated && cap)
    snprintf(imitated, cap, "%s", best->name);
  return best_d < 1 ? 1 : best_d; /* a homoglyph alone counts as one edit */
}

const char *sp_fs_page_folder(const char *path) {
  if (!path)
    return NULL;
  sp_str base = sp_str_basename(sp_str_make(path, strlen(path)));
  sp_str ext = sp_fs_ext(base);
  if (!sp_str_ieq(ext, "aspx") && !sp_str_ieq(ext, "ashx") &&
      !sp_str_ieq(ext, "asmx") && !sp_str_ieq(ext, "asp"))
    return NULL;
  char norm[SP_FS_MAX_PATH];
  size_t nn = norm_path(sp_str_make(path, strlen(path) - base.n), norm,
                        sizeof norm - 1);
  if (nn == 0)
    return NULL;
  if (norm[nn - 1] != '/') {
    norm[nn++] = '/';
    norm[nn] = 0;
  }
  sp_str dir = sp_str_make(norm, nn);
  if (last_marker(dir, "owa/auth/"))
    return "owa/auth";
  if (last_marker(dir, "ecp/auth/"))
    return "ecp/auth";
  if (last_marker(dir, "aspnet_client/"))
    return "aspnet_client";
  if (nn >= 4 && memcmp(norm + nn - 4, "ecp/", 4) == 0 &&
      (nn == 4 || norm[nn - 5] == '/'))
    return "ecp";
  return NULL;
}
