/*
 * fs_worker.c - the per-thread half of the file scanner (see filescan.h).
 *
 * sp_filescan_read() reads one file in a single pass through a byte source
 * (raw: the bytes on disk): every block goes through MD5, SHA-1 and SHA-256
 * (OpenSSL EVP) and, up to SP_FILESCAN_MAX_YARA_BYTES, into the worker's
 * buffer, so a larger file is hashed whole and YARA-scanned over its first
 * 64 MiB (a note says how much was left out). It then decides the stock
 * status (a baseline's hash, a modified stock page, a look-alike name, a
 * page of no stock name in a folder attackers favour), runs
 * the thread's YARA scanner with the THOR-style external variables (not on
 * stock files; on a detection-rule file its matches are counted in a note,
 * not reported), and emits one file event. It makes no findings.
 *
 * Owns the sp_filescan_worker: its YR_SCANNER, EVP digests and contexts,
 * read buffer (freed after a file when larger than SP_FS_KEEP_BUF), the hex
 * digests of the current file, and the field ids it resolved in the names of
 * the context it last served. Event values point into the worker (digests),
 * the scanner's pool (yara.rule) or the context's scratch (everything
 * rendered): valid while the event is delivered.
 */
#include "core/timeutil.h"
#include "filescan/filescan_internal.h"

#include <openssl/evp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#define SP_FS_BLOCK (64u * 1024u)
/* read buffers larger than this are freed after each file */
#define SP_FS_KEEP_BUF (8u << 20)
#define SP_FS_MAX_EXT_VAR 4096u /* longest external variable value */
#define SP_FS_MATCH_WALK 1024u  /* matches looked at per string */
#define SP_FS_SCRATCH 65536u    /* scratch reserved per file event */

enum { MD_MD5, MD_SHA1, MD_SHA256, MD__COUNT };
static const char *const k_md_names[MD__COUNT] = {"MD5", "SHA1", "SHA256"};
static const int k_md_fields[MD__COUNT] = {SP_F_FILE_MD5, SP_F_FILE_SHA1,
                                           SP_F_FILE_SHA256};

struct sp_filescan_worker {
  sp_filescan *fs;
  YR_SCANNER *scanner;
  EVP_MD *alg[MD__COUNT];
  EVP_MD_CTX *md[MD__COUNT];
  uint8_t *buf; /* file contents for YARA, up to SP_FILESCAN_MAX_YARA_BYTES */
  size_t cap;
  char hex[MD__COUNT][2 * EVP_MAX_MD_SIZE + 1];
  char ext_val[SP_FS_MAX_EXT_VAR]; /* NUL-terminated external values */
  /* field ids, resolved in `names` (the context's) */
  const sp_names *names;
  bool bound;
  int f_stock, f_stock_path, f_stock_builds, f_stock_edits, f_stock_folder;
  int f_rule, f_strings;
  /* the file being read */
  sp_rctx *rc;
  bool flooded;   /* yara.match_flood counted for this file */
  bool rule_file; /* detection-rule source: YARA matches are not reported */
  uint64_t rule_file_matches; /* matches left out because of rule_file */
  char err[256]; /* "; "-separated reasons the file was not read whole */
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
  for (int i = 0; i < MD__COUNT; i++) {
    w->alg[i] = EVP_MD_fetch(NULL, k_md_names[i], NULL);
    w->md[i] = EVP_MD_CTX_new();
    if (!w->alg[i] || !w->md[i]) {
      sp_filescan_worker_destroy(w);
      return SP_ENOMEM;
    }
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
  for (int i = 0; i < MD__COUNT; i++) {
    EVP_MD_CTX_free(w->md[i]);
    EVP_MD_free(w->alg[i]);
  }
  free(w->buf);
  free(w);
}

sp_filescan *sp_fs_worker_scanner(const sp_filescan_worker *w) {
  return w ? w->fs : NULL;
}

void sp_fs_worker_unbind(sp_filescan_worker *w) { w->bound = false; }

/* ---- small helpers ------------------------------------------------------- */

/* Append a reason the file was not read or scanned whole. */
static void fail(sp_filescan_worker *w, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void fail(sp_filescan_worker *w, const char *fmt, ...) {
  size_t len = strnlen(w->err, sizeof w->err);
  if (len + 3 >= sizeof w->err)
    return;
  if (len) {
    memcpy(w->err + len, "; ", 3);
    len += 2;
  }
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(w->err + len, sizeof w->err - len, fmt, ap);
  va_end(ap);
}

/* A deliberate limit, not damage: a note on the file. */
static void limit_note(sp_filescan_worker *w, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void limit_note(sp_filescan_worker *w, const char *fmt, ...) {
  char msg[256];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  sp_rctx_note(w->rc, msg);
}

static void to_hex(const unsigned char *d, size_t n, char *out) {
  static const char hex[] = "0123456789abcdef";
  for (size_t i = 0; i < n; i++) {
    out[2 * i] = hex[d[i] >> 4];
    out[2 * i + 1] = hex[d[i] & 15];
  }
  out[2 * n] = 0;
}

/* Resolve the non-ECS field names in the context's name table (once per
 * table: a worker serves one engine, tests may bring their own). Without a
 * table they stay -1 and those fields are left out. */
static void bind_fields(sp_filescan_worker *w, sp_rctx *rc) {
  if (w->bound && w->names == rc->names)
    return;
#define SP_FS_RESOLVE(name)                                                    \
  (rc->names ? sp_rctx_field(rc, name, strlen(name)) : -1)
  w->f_stock = SP_FS_RESOLVE(SP_FS_F_STOCK);
  w->f_stock_path = SP_FS_RESOLVE(SP_FS_F_STOCK_PATH);
  w->f_stock_builds = SP_FS_RESOLVE(SP_FS_F_STOCK_BUILDS);
  w->f_stock_edits = SP_FS_RESOLVE(SP_FS_F_STOCK_EDITS);
  w->f_stock_folder = SP_FS_RESOLVE(SP_FS_F_STOCK_FOLDER);
  w->f_rule = SP_FS_RESOLVE(SP_FS_F_YARA_RULE);
  w->f_strings = SP_FS_RESOLVE(SP_FS_F_YARA_STRINGS);
#undef SP_FS_RESOLVE
  w->names = rc->names;
  w->bound = true;
}

static void add(sp_rctx *rc, int id, sp_str v) {
  if (id >= 0)
    (void)sp_event_add_typed(&rc->ev, id, v, SP_T_STR);
}

/* Render printf output into the context's scratch; an empty slice (and a
 * dropped value) when the scratch is full. */
static sp_str render(sp_rctx *rc, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static sp_str render(sp_rctx *rc, const char *fmt, ...) {
  size_t room = rc->scratch_cap - rc->scratch_used;
  char *p = rc->scratch + rc->scratch_used;
  va_list ap;
  va_start(ap, fmt);
  int n = room ? vsnprintf(p, room, fmt, ap) : -1;
  va_end(ap);
  if (n < 0 || (size_t)n >= room) {
    rc->ev.dropped_fields++;
    return sp_str_make(NULL, 0);
  }
  rc->scratch_used += (size_t)n + 1;
  return sp_str_make(p, (size_t)n);
}

/* An integer field (v >= 0) with its decimal text; no printf per file. */
static void add_int(sp_rctx *rc, int id, int64_t v) {
  if (id < 0 || v < 0)
    return;
  char d[24];
  size_t n = 0;
  uint64_t u = (uint64_t)v;
  do {
    d[n++] = (char)('0' + u % 10);
    u /= 10;
  } while (u);
  char *p = sp_rctx_alloc(rc, n);
  if (!p) {
    rc->ev.dropped_fields++;
    return;
  }
  for (size_t i = 0; i < n; i++)
    p[i] = d[n - 1 - i];
  sp_event_set_int(&rc->ev, id, sp_str_make(p, n), v);
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

/* ---- detection-rule files ----------------------------------------------- */

static bool word_char(unsigned char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
         (c >= '0' && c <= '9') || c == '_';
}

static bool space_char(unsigned char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' ||
         c == '\f';
}

/* Does d hold the keyword kw at a word start, followed by what `after`
 * asks: 'i' whitespace and an identifier (YARA's "rule name"), ':' optional
 * whitespace and a colon ("condition:", "detection:")? Case-sensitive, as
 * the rule languages are. */
static bool has_keyword(const uint8_t *d, size_t n, const char *kw,
                        char after) {
  size_t k = strlen(kw);
  for (size_t i = 0; i + k <= n; i++) {
    const uint8_t *p = memchr(d + i, kw[0], n - i);
    if (!p)
      return false;
    i = (size_t)(p - d);
    if (i + k > n)
      return false;
    if (memcmp(p, kw, k) != 0 || (i > 0 && word_char(d[i - 1])))
      continue;
    size_t j = i + k;
    if (after == 'i') {
      size_t s0 = j;
      while (j < n && space_char(d[j]))
        j++;
      if (j > s0 && j < n && word_char(d[j]) && !(d[j] >= '0' && d[j] <= '9'))
        return true;
    } else {
      while (j < n && space_char(d[j]))
        j++;
      if (j < n && d[j] == ':')
        return true;
    }
  }
  return false;
}

/* A detection-rule file: an extension no web server executes (.yar, .yara,
 * .yml, .yaml, .rules, .txt) and YARA ("rule NAME" ... "condition:") or
 * Sigma ("detection:" and "logsource:") syntax in its content. Such files
 * quote the very strings the rules look for, whichever rule set they come
 * from; a page cannot pass as one (its extension is executable), and a
 * file with a rule file's name but other content is scanned as usual. The
 * same test as spoor's private YARA rule spoor_rule_source. */
static bool detection_rule_file(sp_str ext, const uint8_t *d, size_t n) {
  static const char *const exts[] = {"yar",  "yara",  "yml",
                                     "yaml", "rules", "txt"};
  bool want = false;
  for (size_t i = 0; i < sizeof exts / sizeof exts[0] && !want; i++)
    want = sp_str_ieq(ext, exts[i]);
  if (!want || !d)
    return false;
  return (has_keyword(d, n, "rule", 'i') &&
          has_keyword(d, n, "condition", ':')) ||
         (has_keyword(d, n, "detection", ':') &&
          has_keyword(d, n, "logsource", ':'));
}

/* ---- YARA ---------------------------------------------------------------- */

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

static void add_string(sp_filescan_worker *w, const char *key,
                       const YR_STRING *s, int64_t off) {
  sp_str v =
      render(w->rc, "%s %s@0x%llx", key, s->identifier ? s->identifier : "$",
             (unsigned long long)(off < 0 ? 0 : off));
  if (v.n)
    add(w->rc, w->f_strings, v);
}

/* A matched rule: its yara.rule value, then its matched strings in rule
 * order (at most SP_FS_EVENT_STRINGS, and always the earliest match). */
static void on_rule_match(sp_filescan_worker *w, YR_SCAN_CONTEXT *context,
                          const YR_RULE *rule) {
  const sp_filescan *fs = w->fs;
  ptrdiff_t idx = rule - fs->rules->rules_table;
  if (idx < 0 || (size_t)idx >= fs->n_yrules)
    return;
  if (w->rule_file) {
    w->rule_file_matches++;
    return;
  }
  const char *key = fs->yrule_keys[idx];
  add(w->rc, w->f_rule, sp_str_make(key, strlen(key)));
  if (w->f_strings < 0)
    return;
  unsigned named = 0;
  const YR_STRING *s, *early = NULL;
  int64_t early_off = 0;
  bool early_named = false;
  yr_rule_strings_foreach(rule, s) {
    int64_t off = 0;
    if (!first_match(context, s, &off))
      continue;
    bool name_it = named < SP_FS_EVENT_STRINGS;
    if (!early || off < early_off) {
      early = s;
      early_off = off;
      early_named = name_it;
    }
    if (name_it) {
      add_string(w, key, s, off);
      named++;
    }
  }
  if (early && !early_named)
    add_string(w, key, early, early_off);
}

/* libyara's match limit was reached on this file: a limit, counted once
 * per file (the note says which string). */
static void match_flood(sp_filescan_worker *w) {
  if (w->flooded)
    return;
  w->flooded = true;
  sp_rctx_limit(w->rc, "yara.match_flood",
                "files whose YARA scan hit libyara's match limit (matches "
                "beyond it are not seen; a stopped scan may miss rules)",
                1);
}

static int yara_callback(YR_SCAN_CONTEXT *context, int message,
                         void *message_data, void *user) {
  sp_filescan_worker *w = user;
  if (message == CALLBACK_MSG_RULE_MATCHING) {
    on_rule_match(w, context, message_data);
  } else if (message == CALLBACK_MSG_TOO_MANY_MATCHES) {
    const YR_STRING *s = message_data;
    limit_note(w, "YARA: too many matches for string %s",
               s && s->identifier ? s->identifier : "?");
    match_flood(w);
  }
  return CALLBACK_CONTINUE;
}

static void run_yara(sp_filescan_worker *w, sp_str path, const uint8_t *data,
                     size_t len) {
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
    fail(w, "YARA: cannot set the external variables, not scanned");
    return;
  }
  yr_scanner_set_callback(w->scanner, yara_callback, w);
  w->rule_file = detection_rule_file(ext, data, len);
  w->rule_file_matches = 0;
  static const uint8_t empty[1] = {0};
  int rc = yr_scanner_scan_mem(w->scanner, len ? data : empty, len);
  if (w->rule_file_matches)
    limit_note(w,
               "%llu YARA match%s on a detection-rule file not reported "
               "(YARA or Sigma rule syntax in a .%.*s file)",
               (unsigned long long)w->rule_file_matches,
               w->rule_file_matches == 1 ? "" : "es", (int)ext.n, ext.p);
  w->rule_file = false;
  switch (rc) {
  case ERROR_SUCCESS:
    break;
  case ERROR_SCAN_TIMEOUT:
    fail(w, "YARA scan timed out after %d s", SP_FS_YARA_TIMEOUT_S);
    break;
  case ERROR_TOO_MANY_MATCHES:
    limit_note(w, "YARA: too many matches, scan stopped");
    match_flood(w);
    break;
  case ERROR_INSUFFICIENT_MEMORY:
    fail(w, "YARA: out of memory");
    break;
  default:
    fail(w, "YARA scan failed (error %d)", rc);
    break;
  }
}

/* ---- stock status -------------------------------------------------------- */

/* file.stock and its details; true when the file is stock (its hash is in a
 * baseline: never a web shell, not YARA-scanned). */
static bool stock_status(sp_filescan_worker *w, sp_str path, sp_str sha256) {
  const sp_filescan *fs = w->fs;
  sp_rctx *rc = w->rc;
  if (sha256.n && sp_strset_has(fs->good_hashes, sha256, true)) {
    add(rc, w->f_stock, SP_STR_LIT("stock"));
    return true;
  }
  bool any = false;
  sp_str base = sp_str_basename(path);
  sp_str ext = sp_fs_ext(base);
  char match[1024];
  if (sha256.n && fs->baseline_rows &&
      (sp_fs_is_script_ext(ext) || sp_str_ieq(ext, "master")) &&
      sp_fs_stock_path_match(fs, path.p, match, sizeof match)) {
    add(rc, w->f_stock, SP_STR_LIT("modified"));
    if (w->f_stock_path >= 0)
      add(rc, w->f_stock_path, render(rc, "%s", match));
    add_int(rc, w->f_stock_builds, (int64_t)sp_strset_count(fs->builds));
    any = true;
  }
  char imitated[SP_FS_MAX_NAME + 1];
  int d = sp_fs_lookalike(fs, base, imitated, sizeof imitated);
  if (d > 0) {
    if (w->f_stock >= 0)
      add(rc, w->f_stock, render(rc, "lookalike:%s", imitated));
    add_int(rc, w->f_stock_edits, d);
    any = true;
  }
  if (!any) {
    add(rc, w->f_stock, SP_STR_LIT("unknown"));
    /* A page that is not stock by name in a folder attackers favour
       (unknown page): the folder says where. */
    const char *folder = sp_fs_page_folder(path.p);
    if (folder && !sp_strset_has(fs->stock_names, base, true))
      add(rc, w->f_stock_folder, sp_str_make(folder, strlen(folder)));
  }
  return false;
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

/* One pass over the source: every byte hashed, the first `lim` kept in the
 * buffer when there are YARA rules to run. *len gets the bytes kept, *total
 * all bytes read. False when the source failed (the reason is in w->err). */
static bool read_all(sp_filescan_worker *w, sp_source *src, bool hashing,
                     size_t *len, uint64_t *total, bool *buffered) {
  const size_t lim = SP_FILESCAN_MAX_YARA_BYTES;
  sp_rctx *rc = w->rc;
  *len = 0;
  *total = 0;
  *buffered = w->fs->n_yrules > 0;
  /* The walk's size is a hint: room for all of it and one byte to see the
     end, so a file that fits is read without growing the buffer. */
  uint64_t hint = rc->size < lim ? rc->size + 1 : lim;
  if (*buffered && !reserve(w, (size_t)hint)) {
    fail(w, "out of memory: hashes only");
    *buffered = false;
  }
  for (;;) {
    char *dst = rc->block;
    size_t room = SP_SOURCE_BLOCK;
    if (*buffered && *len < lim) {
      if (*len == w->cap &&
          !reserve(w, *len + SP_FS_BLOCK > lim ? lim : *len + SP_FS_BLOCK)) {
        fail(w, "out of memory: hashes only");
        *buffered = false;
        continue;
      }
      dst = (char *)w->buf + *len;
      room = w->cap - *len < room ? w->cap - *len : room;
    }
    size_t got = 0;
    char msg[256] = "";
    sp_err e = sp_source_read(src, dst, room, &got, msg, sizeof msg);
    if (got) {
      for (int i = 0; hashing && i < MD__COUNT; i++)
        if (EVP_DigestUpdate(w->md[i], dst, got) != 1)
          hashing = false;
      *total += got;
      if (dst != rc->block)
        *len += got;
    }
    if (e != SP_OK) {
      fail(w, "%s", msg[0] ? msg : sp_strerror(e));
      return false;
    }
    if (got == 0)
      return true;
  }
}

int sp_filescan_read(sp_filescan_worker *w, sp_rctx *rc, sp_source *src) {
  const size_t lim = SP_FILESCAN_MAX_YARA_BYTES;
  w->rc = rc;
  w->flooded = false;
  w->err[0] = 0;
  bind_fields(w, rc);
  bool hashing = true;
  for (int i = 0; i < MD__COUNT; i++)
    if (EVP_DigestInit_ex(w->md[i], w->alg[i], NULL) != 1)
      hashing = false;
  if (!hashing)
    fail(w, "hashes unavailable");
  size_t len = 0;
  uint64_t total = 0;
  bool buffered = true;
  bool read_ok = read_all(w, src, hashing, &len, &total, &buffered);
  bool hashed = read_ok && hashing;
  for (int i = 0; hashed && i < MD__COUNT; i++) {
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    if (EVP_DigestFinal_ex(w->md[i], md, &n) != 1) {
      fail(w, "%s failed", k_md_names[i]);
      hashed = false;
    } else {
      to_hex(md, n, w->hex[i]);
    }
  }
  /* The event: one per file. */
  sp_event *ev = sp_rctx_begin(rc, SP_SRC_FILE, 0, 0);
  ev->ts = rc->mtime_ns;
  rc->scratch_used = 0;
  (void)sp_rctx_reserve(rc, SP_FS_SCRATCH);
  const char *p = rc->path ? rc->path : "";
  sp_str path = sp_str_make(p, strlen(p));
  sp_str base = sp_str_basename(path);
  sp_str ext = sp_fs_ext(base);
  sp_event_set(ev, SP_F_FILE_PATH, path);
  if (base.n)
    sp_event_set(ev, SP_F_FILE_NAME, base);
  if (ext.n)
    sp_event_set(ev, SP_F_FILE_EXTENSION, ext);
  add_int(rc, SP_F_FILE_SIZE, (int64_t)total);
  char *t = rc->mtime_ns != SP_TIME_NONE ? sp_rctx_alloc(rc, 40) : NULL;
  if (t) {
    sp_format_time(rc->mtime_ns, t, 40);
    sp_event_set_int(ev, SP_F_FILE_MTIME, sp_str_make(t, strlen(t)),
                     rc->mtime_ns);
  }
  sp_str sha256 = sp_str_make(NULL, 0);
  if (hashed) {
    for (int i = 0; i < MD__COUNT; i++)
      sp_event_set(ev, k_md_fields[i],
                   sp_str_make(w->hex[i], strlen(w->hex[i])));
    sha256 = sp_str_make(w->hex[MD_SHA256], strlen(w->hex[MD_SHA256]));
  }
  bool stock = stock_status(w, path, sha256);
  if (!stock && read_ok && buffered && w->fs->n_yrules > 0) {
    if (total > lim) {
      sp_rctx_limit(rc, "yara.size_cut",
                    "files larger than the YARA limit of 64 MiB whose tail "
                    "was not YARA-scanned (the hashes cover them whole)",
                    1);
      limit_note(w,
                 "%llu bytes: larger than the YARA limit of %u MiB, only the "
                 "first %u MiB scanned; %llu bytes after them were not "
                 "YARA-scanned (the hashes cover the whole file)",
                 (unsigned long long)total, (unsigned)(lim >> 20),
                 (unsigned)(lim >> 20), (unsigned long long)(total - lim));
    }
    run_yara(w, path, w->buf, len);
  }
  sp_rctx_emit(rc);
  drop_big_buffer(w);
  w->rc = NULL;
  if (w->err[0]) {
    snprintf(rc->errmsg, sizeof rc->errmsg, "%s", w->err);
    return -1;
  }
  return 0;
}
