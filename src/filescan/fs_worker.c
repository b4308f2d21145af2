/*
 * fs_worker.c - the per-thread half of the file scanner (see filescan.h):
 * reads one file (bounded buffer; symbolic links were vetted by the walker,
 * which follows them only inside the evidence roots), hashes it with SHA-256
 * (OpenSSL EVP), runs the thread's YARA scanner with the THOR-style external
 * variables, and turns YARA matches, modified stock files and stock-name
 * look-alikes into hits in the caller's finding set.
 *
 * Owns the sp_filescan_worker: its YR_SCANNER, EVP context and read buffer.
 * Also owns the two static rules spoor.file.modified_stock_file and
 * spoor.file.stock_lookalike.
 */
#include "filescan/filescan_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#define SP_FS_BLOCK (64u * 1024u)
/* read buffers larger than this are freed after each file */
#define SP_FS_KEEP_BUF (8u << 20)
#define SP_FS_REASON_STRINGS 3  /* matched strings named in a reason */
#define SP_FS_MAX_EXT_VAR 4096u /* longest external variable value */
#define SP_FS_MATCH_WALK 1024u  /* matches looked at per string */

static const sp_rule k_rule_modified = {
    "spoor.file.modified_stock_file",
    "Modified stock Exchange file",
    "spoor-files",
    "spoor",
    "A file at the path of a stock Exchange web file whose SHA-256 is in "
    "none of the loaded Microsoft baselines: the page may have been altered "
    "to carry a web shell",
    "T1505.003",
    "",
    SP_LEVEL_HIGH};

static const sp_rule k_rule_lookalike = {
    "spoor.file.stock_lookalike",
    "Look-alike of a stock Exchange file name",
    "spoor-files",
    "spoor",
    "A server-side script whose name differs by one to three edits from a "
    "stock Exchange file name (e.g. RedirSuiteServerProxy.aspx beside "
    "RedirSuiteServiceProxy.aspx): web shells hide behind such names",
    "T1036.005,T1505.003",
    "",
    SP_LEVEL_HIGH};

const sp_rule *sp_filescan_builtin_rule(size_t i) {
  static const sp_rule *const rules[] = {&k_rule_modified, &k_rule_lookalike};
  return i < sizeof rules / sizeof rules[0] ? rules[i] : NULL;
}

struct sp_filescan_worker {
  sp_filescan *fs;
  YR_SCANNER *scanner;
  EVP_MD_CTX *md;
  uint8_t *buf; /* file contents for YARA, up to SP_FILESCAN_MAX_YARA_BYTES */
  size_t cap;
  uint8_t block[SP_FS_BLOCK];
  char ext_val[SP_FS_MAX_EXT_VAR]; /* NUL-terminated external values */
};

sp_err sp_filescan_worker_create(sp_filescan *fs, sp_filescan_worker **out) {
  if (!out)
    return SP_EINVAL;
  *out = NULL;
  if (!fs || !fs->rules)
    return SP_EINVAL;
  sp_filescan_worker *w = calloc(1, sizeof *w);
  if (!w)
    return SP_ENOMEM;
  w->fs = fs;
  w->md = EVP_MD_CTX_new();
  if (!w->md) {
    sp_filescan_worker_destroy(w);
    return SP_ENOMEM;
  }
  int rc = yr_scanner_create(fs->rules, &w->scanner);
  if (rc != ERROR_SUCCESS) {
    w->scanner = NULL;
    sp_filescan_worker_destroy(w);
    return rc == ERROR_INSUFFICIENT_MEMORY ? SP_ENOMEM : SP_EINTERNAL;
  }
  yr_scanner_set_timeout(w->scanner, SP_FS_YARA_TIMEOUT_S);
  yr_scanner_set_flags(w->scanner, SCAN_FLAGS_REPORT_RULES_MATCHING);
  *out = w;
  return SP_OK;
}

void sp_filescan_worker_destroy(sp_filescan_worker *w) {
  if (!w)
    return;
  if (w->scanner)
    yr_scanner_destroy(w->scanner);
  EVP_MD_CTX_free(w->md);
  free(w->buf);
  free(w);
}

/* ---- small helpers ------------------------------------------------------- */

/* Append "; msg" (or msg) to the result's error, cut to fit. */
/* Append a message to buf (error or note), "; "-separated. */
static void append(char *buf, size_t cap, const char *fmt, va_list ap)
    __attribute__((format(printf, 3, 0)));
static void append(char *buf, size_t cap, const char *fmt, va_list ap) {
  size_t len = strnlen(buf, cap);
  if (len + 3 >= cap)
    return;
  if (len) {
    memcpy(buf + len, "; ", 3);
    len += 2;
  }
  vsnprintf(buf + len, cap - len, fmt, ap);
}

static void note(sp_filescan_result *res, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void note(sp_filescan_result *res, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  append(res->error, sizeof res->error, fmt, ap);
  va_end(ap);
}

/* A deliberate limit, not damage: reported, not counted as a problem. */
static void limit_note(sp_filescan_result *res, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void limit_note(sp_filescan_result *res, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  append(res->note, sizeof res->note, fmt, ap);
  va_end(ap);
}

static void to_hex(const unsigned char *d, size_t n, char *out) {
  static const char hex[] = "0123456789abcdef";
  for (size_t i = 0; i < n; i++) {
    out[2 * i] = hex[d[i] >> 4];
    out[2 * i + 1] = hex[d[i] & 15];
  }
  out[2 * n] = 0;
}

static bool sha256_final(sp_filescan_worker *w, char hex[65]) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  if (EVP_DigestFinal_ex(w->md, md, &n) != 1 || n != 32) {
    hex[0] = 0;
    return false;
  }
  to_hex(md, 32, hex);
  return true;
}

/* Does the first part of the content contain lit (ASCII, any case)? */
static bool head_has(const uint8_t *d, size_t n, const char *lit) {
  if (n > 4096)
    n = 4096;
  return sp_str_ifind(sp_str_make((const char *)d, n), lit) >= 0;
}

/* THOR-style file type: upper-case, from magic bytes or script markers,
 * else from the extension; "" when unknown. */
static const char *guess_filetype(const uint8_t *d, size_t n, sp_str ext) {
  if (d && n >= 4) {
    if (d[0] == 'M' && d[1] == 'Z')
      return "EXE";
    if (memcmp(d,
               "\x7f"
               "ELF",
               4) == 0)
      return "ELF";
    if (memcmp(d, "PK\x03\x04", 4) == 0)
      return "ZIP";
    if (memcmp(d, "%PDF", 4) == 0)
      return "PDF";
  }
  if (d && n) {
    if (head_has(d, n, "<?php"))
      return "PHP";
    if (head_has(d, n, "<jsp:") ||
        (head_has(d, n, "<%@") && head_has(d, n, "language=\"java\"")))
      return "JSP";
    if (head_has(d, n, "<%") || head_has(d, n, "runat=\"server\"") ||
        head_has(d, n, "runat=server"))
      return sp_str_ieq(ext, "asp") ? "ASP" : "ASPX";
  }
  if (sp_fs_is_script_ext(ext))
    return "ASPX";
  if (sp_str_ieq(ext, "asp"))
    return "ASP";
  if (sp_str_istarts(ext, "php"))
    return "PHP";
  if (sp_str_ieq(ext, "jsp") || sp_str_ieq(ext, "jspx"))
    return "JSP";
  return "";
}

/* False if libyara could not take the value (out of memory): the previous
 * file's value would stay, so the caller must not scan. */
static bool set_var(sp_filescan_worker *w, const char *name, sp_str v) {
  size_t n = v.n < sizeof w->ext_val - 1 ? v.n : sizeof w->ext_val - 1;
  for (size_t i = 0; i < n; i++) /* values are C strings: no NUL inside */
    w->ext_val[i] = v.p[i] ? v.p[i] : '?';
  w->ext_val[n] = 0;
  return yr_scanner_define_string_variable(w->scanner, name, w->ext_val) ==
         ERROR_SUCCESS;
}

/* ---- findings ------------------------------------------------------------ */

typedef struct scan_ctx {
  sp_filescan_worker *w;
  const char *path;
  const char *hash;
  uint32_t file_id;
  int64_t mtime_ns;
  sp_fset *out;
  sp_filescan_result *res;
  bool flooded; /* counted as the limit yara.match_flood */
} scan_ctx;

static void emit(scan_ctx *c, const sp_rule *rule, uint64_t where,
                 const char *reason) {
  sp_hit h;
  sp_hit_init(&h, rule, c->mtime_ns, c->file_id, where, SP_REF_OFFSET);
  sp_hit_entity(&h, "file.path", sp_str_make(c->path, strlen(c->path)));
  sp_hit_entity(&h, "file.hash.sha256", sp_str_make(c->hash, strlen(c->hash)));
  h.reason = sp_str_make(reason, strlen(reason));
  if (c->out)
    sp_fset_add(c->out, &h);
  if (rule->level >= SP_LEVEL_HIGH)
    c->res->flagged = true;
}

/* Lowest offset among the first SP_FS_MATCH_WALK matches of a string.
 * libyara's match records are not always aligned for YR_MATCH (its arena
 * packs them), so each is copied out before its fields are read. */
static bool first_match(YR_SCAN_CONTEXT *context, const YR_STRING *s,
                        int64_t *off) {
  if (!context->matches || s->idx >= context->rules->num_strings)
    return false;
  const YR_MATCH *p = context->matches[s->idx].head;
  bool have = false;
  *off = 0;
  for (unsigned i = 0; p && i < SP_FS_MATCH_WALK; i++) {
    YR_MATCH m;
    memcpy(&m, p, sizeof m);
    if (!m.is_private) {
      int64_t o = m.base + m.offset;
      if (!have || o < *off)
        *off = o;
      have = true;
    }
    p = m.next;
  }
  return have;
}

static void on_rule_match(scan_ctx *c, YR_SCAN_CONTEXT *context,
                          const YR_RULE *rule) {
  const sp_filescan *fs = c->w->fs;
  ptrdiff_t idx = rule - fs->rules->rules_table;
  if (idx < 0 || (size_t)idx >= fs->n_yrules)
    return;
  const sp_rule *r = &fs->yrules[idx];
  char reason[SP_MAX_REASON_LEN];
  int len = snprintf(reason, sizeof reason, "YARA %s:%s matched", r->ruleset,
                     rule->identifier);
  size_t used = len > 0 ? (size_t)len : 0;
  if (used >= sizeof reason)
    used = sizeof reason - 1;
  uint64_t first = UINT64_MAX;
  int named = 0;
  const YR_STRING *s;
  yr_rule_strings_foreach(rule, s) {
    int64_t off = 0;
    if (!first_match(context, s, &off))
      continue;
    if (off >= 0 && (uint64_t)off < first)
      first = (uint64_t)off;
    if (named < SP_FS_REASON_STRINGS && used + 1 < sizeof reason) {
      len = snprintf(reason + used, sizeof reason - used, "%s %s@0x%llx",
                     named ? "," : "", s->identifier ? s->identifier : "$",
                     (unsigned long long)off);
      if (len > 0)
        used += (size_t)len;
      if (used >= sizeof reason)
        used = sizeof reason - 1;
      named++;
    }
  }
  if (named == 0 && used + 1 < sizeof reason)
    snprintf(reason + used, sizeof reason - used, " (condition only)");
  emit(c, r, first == UINT64_MAX ? 0 : first, reason);
}

/* libyara's match limit was reached on this file: a limit, counted once
 * per file (the note says which string). */
static void match_flood(scan_ctx *c) {
  if (c->flooded)
    return;
  c->flooded = true;
  sp_limits_add(sp_fset_limits(c->out), "yara.match_flood",
                "files whose YARA scan hit libyara's match limit (matches "
                "beyond it are not seen; a stopped scan may miss rules)",
                1);
}

static int yara_callback(YR_SCAN_CONTEXT *context, int message,
                         void *message_data, void *user) {
  scan_ctx *c = user;
  if (message == CALLBACK_MSG_RULE_MATCHING) {
    on_rule_match(c, context, message_data);
  } else if (message == CALLBACK_MSG_TOO_MANY_MATCHES) {
    const YR_STRING *s = message_data;
    limit_note(c->res, "YARA: too many matches for string %s",
               s && s->identifier ? s->identifier : "?");
    match_flood(c);
  }
  return CALLBACK_CONTINUE;
}

static void run_yara(scan_ctx *c, const uint8_t *data, size_t len) {
  sp_filescan_worker *w = c->w;
  sp_str path = sp_str_make(c->path, strlen(c->path));
  sp_str base = sp_str_basename(path);
  sp_str dir = sp_str_make(path.p, path.n - base.n);
  if (dir.n > 1) /* "a/b/" -> "a/b", but keep "/" */
    dir.n--;
  sp_str ext = sp_fs_ext(base);
  char dotext[64] = "";
  if (ext.n && ext.n + 2 <= sizeof dotext) {
    dotext[0] = '.';
    for (size_t i = 0; i < ext.n; i++)
      dotext[i + 1] = (char)sp_lower((unsigned char)ext.p[i]);
    dotext[ext.n + 1] = 0;
  }
  const char *ftype = guess_filetype(data, len, ext);
  if (!set_var(w, "filename", base) || !set_var(w, "filepath", dir) ||
      !set_var(w, "extension", sp_str_make(dotext, strlen(dotext))) ||
      !set_var(w, "filetype", sp_str_make(ftype, strlen(ftype))) ||
      !set_var(w, "owner", sp_str_make("", 0))) {
    note(c->res, "YARA: cannot set the external variables, not scanned");
    return;
  }
  yr_scanner_set_callback(w->scanner, yara_callback, c);
  static const uint8_t empty[1] = {0};
  int rc = yr_scanner_scan_mem(w->scanner, len ? data : empty, len);
  switch (rc) {
  case ERROR_SUCCESS:
    break;
  case ERROR_SCAN_TIMEOUT:
    note(c->res, "YARA scan timed out after %d s", SP_FS_YARA_TIMEOUT_S);
    break;
  case ERROR_TOO_MANY_MATCHES:
    limit_note(c->res, "YARA: too many matches, scan stopped");
    match_flood(c);
    break;
  case ERROR_INSUFFICIENT_MEMORY:
    note(c->res, "YARA: out of memory");
    break;
  default:
    note(c->res, "YARA scan failed (error %d)", rc);
    break;
  }
}

/* The checks shared by files and buffers. data is NULL when the content
 * is not to be YARA-scanned; hash is "" when it could not be computed. */
static void analyze(sp_filescan_worker *w, uint32_t file_id, const char *path,
                    const char *hash, const uint8_t *data, size_t len,
                    bool scan, int64_t mtime_ns, sp_fset *out,
                    sp_filescan_result *res) {
  const sp_filescan *fs = w->fs;
  scan_ctx c = {w, path, hash, file_id, mtime_ns, out, res, false};
  if (hash[0] &&
      sp_strset_has(fs->good_hashes, sp_str_make(hash, strlen(hash)), true))
    return; /* a stock file of a known build: never a web shell */
  sp_str base = sp_str_basename(sp_str_make(path, strlen(path)));
  sp_str ext = sp_fs_ext(base);
  char reason[SP_MAX_REASON_LEN];
  char match[1024];
  if (hash[0] && fs->baseline_rows &&
      (sp_fs_is_script_ext(ext) || sp_str_ieq(ext, "master")) &&
      sp_fs_stock_path_match(fs, path, match, sizeof match)) {
    snprintf(reason, sizeof reason,
             "stock file %.400s has SHA-256 %s, found in none of %zu "
             "baseline build(s)",
             match, hash, sp_strset_count(fs->builds));
    emit(&c, &k_rule_modified, 0, reason);
  }
  char imitated[SP_FS_MAX_NAME + 1];
  int d = sp_fs_lookalike(fs, base, imitated, sizeof imitated);
  if (d > 0) {
    snprintf(reason, sizeof reason,
             "%.*s imitates stock Exchange file %s (%d edit%s)",
             (int)(base.n > 255 ? 255 : base.n), base.p, imitated, d,
             d == 1 ? "" : "s");
    emit(&c, &k_rule_lookalike, 0, reason);
  }
  if (scan && fs->n_yrules > 0)
    run_yara(&c, data, len);
}

/* ---- reading ------------------------------------------------------------- */

static bool reserve(sp_filescan_worker *w, size_t need) {
  if (need <= w->cap)
    return true;
  size_t ncap = w->cap ? w->cap : SP_FS_BLOCK;
  while (ncap < need)
    ncap = ncap > SIZE_MAX / 2 ? need : ncap * 2;
  if (ncap > SP_FILESCAN_MAX_YARA_BYTES && need <= SP_FILESCAN_MAX_YARA_BYTES)
    ncap = SP_FILESCAN_MAX_YARA_BYTES;
  uint8_t *nb = realloc(w->buf, ncap);
  if (!nb)
    return false;
  w->buf = nb;
  w->cap = ncap;
  return true;
}

static void drop_big_buffer(sp_filescan_worker *w) {
  if (w->cap > SP_FS_KEEP_BUF) {
    free(w->buf);
    w->buf = NULL;
    w->cap = 0;
  }
}

void sp_filescan_file(sp_filescan_worker *w, uint32_t file_id, const char *path,
                      int64_t mtime_ns, sp_fset *out, sp_filescan_result *res) {
  sp_filescan_result dummy;
  if (!res)
    res = &dummy;
  memset(res, 0, sizeof *res);
  if (!w || !path) {
    note(res, "invalid arguments");
    return;
  }
  int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
  if (fd < 0) {
    note(res, "open: %s", strerror(errno));
    return;
  }
  struct stat st;
  if (fstat(fd, &st) != 0) {
    note(res, "stat: %s", strerror(errno));
    close(fd);
    return;
  }
  if (!S_ISREG(st.st_mode)) {
    note(res, "not a regular file");
    close(fd);
    return;
  }
  const size_t lim = SP_FILESCAN_MAX_YARA_BYTES;
  bool too_big = st.st_size > 0 && (uint64_t)st.st_size > lim;
  bool buffered = true;
  if (!too_big && !reserve(w, st.st_size > 0 ? (size_t)st.st_size : 1)) {
    note(res, "out of memory: hash only");
    buffered = false;
  }
  if (EVP_DigestInit_ex(w->md, EVP_sha256(), NULL) != 1) {
    note(res, "SHA-256 unavailable");
    close(fd);
    return;
  }
  size_t len = 0;
  uint64_t total = 0;
  bool read_err = false;
  for (;;) {
    ssize_t n = read(fd, w->block, sizeof w->block);
    if (n < 0) {
      if (errno == EINTR)
        continue;
      note(res, "read: %s", strerror(errno));
      read_err = true;
      break;
    }
    if (n == 0)
      break;
    total += (uint64_t)n;
    if (EVP_DigestUpdate(w->md, w->block, (size_t)n) != 1) {
      note(res, "SHA-256 failed");
      read_err = true;
      break;
    }
    if (!buffered || too_big)
      continue;
    if (len + (size_t)n > lim) {
      /* Keep the first lim bytes for YARA; the hash covers everything. */
      size_t room = lim - len;
      if (room && reserve(w, lim)) {
        memcpy(w->buf + len, w->block, room);
        len = lim;
      }
      too_big = true;
      continue;
    }
    if (!reserve(w, len + (size_t)n)) {
      note(res, "out of memory: hash only");
      buffered = false;
      continue;
    }
    memcpy(w->buf + len, w->block, (size_t)n);
    len += (size_t)n;
  }
  close(fd);
  char hash[65] = "";
  if (!read_err && !sha256_final(w, hash))
    note(res, "SHA-256 failed");
  if (too_big)
    limit_note(res,
               "%llu bytes: larger than the YARA limit of %u MiB, only the "
               "first %u MiB scanned",
               (unsigned long long)total, (unsigned)(lim >> 20),
               (unsigned)(lim >> 20));
  bool scan = !read_err && buffered;
  analyze(w, file_id, path, hash, scan ? w->buf : NULL, scan ? len : 0, scan,
          mtime_ns, out, res);
  drop_big_buffer(w);
}

void sp_filescan_buffer(sp_filescan_worker *w, uint32_t file_id,
                        const char *path, const uint8_t *buf, size_t len,
                        int64_t mtime_ns, sp_fset *out,
                        sp_filescan_result *res) {
  sp_filescan_result dummy;
  if (!res)
    res = &dummy;
  memset(res, 0, sizeof *res);
  if (!w || (!buf && len)) {
    note(res, "invalid arguments");
    return;
  }
  if (!path)
    path = "";
  char hash[65] = "";
  static const uint8_t empty[1] = {0};
  if (EVP_DigestInit_ex(w->md, EVP_sha256(), NULL) != 1 ||
      EVP_DigestUpdate(w->md, len ? buf : empty, len) != 1 ||
      !sha256_final(w, hash))
    note(res, "SHA-256 failed");
  size_t scan_len = len;
  if (len > SP_FILESCAN_MAX_YARA_BYTES) {
    scan_len = SP_FILESCAN_MAX_YARA_BYTES;
    limit_note(res,
               "%zu bytes: larger than the YARA limit of %u MiB, only the "
               "first %u MiB scanned",
               len, (unsigned)(SP_FILESCAN_MAX_YARA_BYTES >> 20),
               (unsigned)(SP_FILESCAN_MAX_YARA_BYTES >> 20));
  }
  analyze(w, file_id, path, hash, buf, scan_len, true, mtime_ns, out, res);
}
