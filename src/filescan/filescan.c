/*
 * filescan.c - creation and teardown of the file scanner (see filescan.h):
 * compiles spoor's embedded YARA rules and the --yara files with libyara,
 * builds one sp_rule per YARA rule from its metadata (and the lookup from a
 * yara.rule event value back to it), and loads the stock lists and
 * baselines (fs_stock.c). Owns the sp_filescan, its YARA rules, its string
 * pool, the three static rules spoor.file.modified_stock_file,
 * spoor.file.stock_lookalike and spoor.file.unknown_page, and the helpers
 * shared with fs_stock.c and fs_worker.c (pool, diag, sorted folder listing).
 */
#include "filescan/filescan_internal.h"

#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

/* The generated table (cmake/embed.cmake), ending with {NULL, NULL, 0}. */
typedef struct sp_embedded_file {
  const char *name;
  const char *data;
  size_t len;
} sp_embedded_file;
extern const sp_embedded_file sp_embedded_rules[];

/* ---- spoor's own file rules ---------------------------------------------- */

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
    SP_LEVEL_HIGH,
    "https://attack.mitre.org/techniques/T1505/003/"};

static const sp_rule k_rule_lookalike = {
    "spoor.file.stock_lookalike",
    "Look-alike of a stock Exchange file name",
    "spoor-files",
    "spoor",
    "A server-side script whose name differs by one to three edits from a "
    "stock Exchange file name once homoglyphs are folded (0/o, 1/l/i, rn/m, "
    "vv/w; e.g. RedirSuiteServerProxy.aspx beside RedirSuiteServiceProxy."
    "aspx, errorFS.aspx beside errorFE.aspx; stock names under 8 characters "
    "at one same-length edit only): web shells hide behind such names",
    "T1036.005,T1505.003",
    "",
    SP_LEVEL_HIGH,
    "https://attack.mitre.org/techniques/T1036/005/"};

static const sp_rule k_rule_unknown_page = {
    "spoor.file.unknown_page",
    "Unknown page in an Exchange web folder",
    "spoor-files",
    "spoor",
    "A page (.aspx, .ashx, .asmx, .asp) in owa/auth, ecp/auth, "
    "aspnet_client or the ecp folder whose name is no stock Exchange file "
    "name and whose SHA-256 is in no loaded baseline: web shells were "
    "dropped there in 2021",
    "T1505.003",
    "",
    SP_LEVEL_MEDIUM,
    "https://attack.mitre.org/techniques/T1505/003/"};

const sp_rule *sp_filescan_builtin_rule(size_t i) {
  static const sp_rule *const rules[] = {
      [SP_FS_RULE_MODIFIED] = &k_rule_modified,
      [SP_FS_RULE_LOOKALIKE] = &k_rule_lookalike,
      [SP_FS_RULE_UNKNOWN_PAGE] = &k_rule_unknown_page};
  return i < sizeof rules / sizeof rules[0] ? rules[i] : NULL;
}

/* ---- helpers shared inside the file scanner ---------------------------- */

struct sp_fs_pool_chunk {
  sp_fs_pool_chunk *next;
  size_t used, cap;
  char data[];
};

#define SP_FS_POOL_CHUNK 65536u

const char *sp_fs_pool_dup(sp_fs_pool *pool, const char *s, size_t n) {
  if (n >= SIZE_MAX / 2)
    return NULL;
  sp_fs_pool_chunk *c = pool->head;
  if (!c || c->cap - c->used < n + 1) {
    size_t cap = n + 1 > SP_FS_POOL_CHUNK ? n + 1 : SP_FS_POOL_CHUNK;
    c = malloc(sizeof *c + cap);
    if (!c)
      return NULL;
    c->used = 0;
    c->cap = cap;
    c->next = pool->head;
    pool->head = c;
  }
  char *p = c->data + c->used;
  if (n)
    memcpy(p, s, n);
  p[n] = 0;
  c->used += n + 1;
  return p;
}

void sp_fs_pool_free(sp_fs_pool *pool) {
  sp_fs_pool_chunk *c = pool->head;
  while (c) {
    sp_fs_pool_chunk *next = c->next;
    free(c);
    c = next;
  }
  pool->head = NULL;
}

void sp_fs_diag(sp_diag *diag, sp_err code, const char *fmt, ...) {
  if (!diag)
    return;
  diag->code = code;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(diag->msg, sizeof diag->msg, fmt, ap);
  va_end(ap);
}

static bool has_suffix_ci(const char *name, const char *suffix) {
  return sp_str_iends(sp_str_make(name, strlen(name)), suffix);
}

static int cmp_strp(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

void sp_fs_list_free(char **list, size_t n) {
  if (!list)
    return;
  for (size_t i = 0; i < n; i++)
    free(list[i]);
  free(list);
}

sp_err sp_fs_list_dir(const char *dir, const char *const *suffixes,
                      size_t n_suffixes, char ***out, size_t *n_out,
                      sp_diag *diag) {
  *out = NULL;
  *n_out = 0;
  DIR *d = opendir(dir);
  if (!d) {
    sp_err e = errno == ENOENT ? SP_ENOENT : SP_EIO;
    sp_fs_diag(diag, e, "%s: %s", dir, strerror(errno));
    return e;
  }
  char **list = NULL;
  size_t n = 0, cap = 0;
  sp_err err = SP_OK;
  struct dirent *de;
  while ((de = readdir(d)) != NULL) {
    const char *name = de->d_name;
    if (name[0] == '.' && (name[1] == 0 || (name[1] == '.' && name[2] == 0)))
      continue;
    bool want = false;
    for (size_t i = 0; i < n_suffixes && !want; i++)
      want = has_suffix_ci(name, suffixes[i]);
    if (!want)
      continue;
    size_t len = strlen(dir) + 1 + strlen(name) + 1;
    char *full = malloc(len);
    if (!full) {
      err = SP_ENOMEM;
      break;
    }
    snprintf(full, len, "%s/%s", dir, name);
    struct stat st;
    if (stat(full, &st) != 0 || !S_ISREG(st.st_mode)) {
      free(full);
      continue;
    }
    if (n >= SP_FS_MAX_DIR_FILES) {
      free(full);
      err = SP_ELIMIT;
      sp_fs_diag(diag, err, "%s: more than %u matching files", dir,
                 SP_FS_MAX_DIR_FILES);
      break;
    }
    if (n == cap) {
      size_t ncap = cap ? cap * 2 : 16;
      char **nl = realloc(list, ncap * sizeof *nl);
      if (!nl) {
        free(full);
        err = SP_ENOMEM;
        break;
      }
      list = nl;
      cap = ncap;
    }
    list[n++] = full;
  }
  closedir(d);
  if (err) {
    if (err == SP_ENOMEM)
      sp_fs_diag(diag, err, "%s: out of memory listing files", dir);
    sp_fs_list_free(list, n);
    return err;
  }
  if (n > 1)
    qsort(list, n, sizeof *list, cmp_strp);
  *out = list;
  *n_out = n;
  return SP_OK;
}

/* ---- YARA compilation --------------------------------------------------- */

#define SP_FS_MAX_NAMESPACES 4096u

typedef struct compile_ctx {
  sp_diag *diag;
  const char *cur_name; /* file or embedded name being compiled */
  int errors;
} compile_ctx;

static void on_compile_msg(int level, const char *file_name, int line,
                           const YR_RULE *rule, const char *message,
                           void *user) {
  compile_ctx *ctx = user;
  if (level != YARA_ERROR_LEVEL_ERROR)
    return; /* warnings are ignored */
  if (ctx->errors++ == 0)
    sp_fs_diag(ctx->diag, SP_ERULE, "%s:%d: %s",
               file_name ? file_name
                         : (ctx->cur_name ? ctx->cur_name : "<rules>"),
               line, message ? message : "error");
}

typedef struct ns_list {
  const char *names[SP_FS_MAX_NAMESPACES];
  bool builtin[SP_FS_MAX_NAMESPACES];
  size_t n;
} ns_list;

/* A namespace name unique among those used so far (file names may repeat
 * across folders): "name", then "name~2", "name~3", ... */
static const char *unique_ns(sp_filescan *fs, ns_list *ns, const char *base,
                             bool builtin) {
  if (ns->n >= SP_FS_MAX_NAMESPACES)
    return NULL;
  char buf[512];
  snprintf(buf, sizeof buf, "%s", base);
  for (unsigned k = 2;; k++) {
    bool clash = false;
    for (size_t i = 0; i < ns->n && !clash; i++)
      clash = strcmp(ns->names[i], buf) == 0;
    if (!clash)
      break;
    if (k > SP_FS_MAX_NAMESPACES)
      return NULL;
    snprintf(buf, sizeof buf, "%.480s~%u", base, k);
  }
  const char *s = sp_fs_pool_dup(&fs->pool, buf, strlen(buf));
  if (!s)
    return NULL;
  ns->names[ns->n] = s;
  ns->builtin[ns->n] = builtin;
  ns->n++;
  return s;
}

static bool ns_is_builtin(const ns_list *ns, const char *name) {
  for (size_t i = 0; i < ns->n; i++)
    if (strcmp(ns->names[i], name) == 0)
      return ns->builtin[i];
  return false;
}

static const char *const k_externals[] = {"filename", "filepath", "extension",
                                          "filetype", "owner"};

static sp_err add_rule_file(sp_filescan *fs, YR_COMPILER *c, ns_list *ns,
                            compile_ctx *ctx, const char *path, sp_diag *diag) {
  sp_str base = sp_str_basename(sp_str_make(path, strlen(path)));
  char bname[256];
  snprintf(bname, sizeof bname, "%.*s", (int)(base.n < 255 ? base.n : 255),
           base.p);
  const char *name = unique_ns(fs, ns, bname, false);
  if (!name) {
    sp_fs_diag(diag, SP_ELIMIT, "%s: too many rule files", path);
    return SP_ELIMIT;
  }
  FILE *f = fopen(path, "rbe");
  if (!f) {
    sp_err e = errno == ENOENT ? SP_ENOENT : SP_EIO;
    sp_fs_diag(diag, e, "%s: %s", path, strerror(errno));
    return e;
  }
  ctx->cur_name = path;
  int n = yr_compiler_add_file(c, f, name, path);
  fclose(f);
  if (n > 0 || ctx->errors > 0) {
    if (ctx->errors > 1 && diag) {
      size_t len = strlen(diag->msg);
      snprintf(diag->msg + len, sizeof diag->msg - len, " (and %d more)",
               ctx->errors - 1);
    }
    return SP_ERULE;
  }
  return SP_OK;
}

static sp_err add_yara_path(sp_filescan *fs, YR_COMPILER *c, ns_list *ns,
                            compile_ctx *ctx, const char *path, sp_diag *diag) {
  struct stat st;
  if (stat(path, &st) != 0) {
    sp_err e = errno == ENOENT ? SP_ENOENT : SP_EIO;
    sp_fs_diag(diag, e, "%s: %s", path, strerror(errno));
    return e;
  }
  if (!S_ISDIR(st.st_mode))
    return add_rule_file(fs, c, ns, ctx, path, diag);
  static const char *const sfx[] = {".yar", ".yara"};
  char **list;
  size_t n;
  sp_err e = sp_fs_list_dir(path, sfx, 2, &list, &n, diag);
  if (e)
    return e;
  for (size_t i = 0; i < n && !e; i++)
    e = add_rule_file(fs, c, ns, ctx, list[i], diag);
  sp_fs_list_free(list, n);
  return e;
}

/* ---- sp_rule objects from YARA metadata -------------------------------- */

static sp_level level_from_score(int64_t score) {
  if (score >= 80)
    return SP_LEVEL_CRITICAL;
  if (score >= 60)
    return SP_LEVEL_HIGH;
  if (score >= 40)
    return SP_LEVEL_MEDIUM;
  return SP_LEVEL_LOW;
}

static bool level_from_name(const char *s, sp_level *out) {
  sp_str v = sp_str_trim(sp_str_make(s, strlen(s)));
  static const struct {
    const char *name;
    sp_level level;
  } names[] = {
      {"critical", SP_LEVEL_CRITICAL}, {"high", SP_LEVEL_HIGH},
      {"medium", SP_LEVEL_MEDIUM},     {"low", SP_LEVEL_LOW},
      {"info", SP_LEVEL_INFO},         {"informational", SP_LEVEL_INFO}};
  for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
    if (sp_str_ieq(v, names[i].name)) {
      *out = names[i].level;
      return true;
    }
  return false;
}

static const char *pool_str(sp_filescan *fs, const char *s) {
  return sp_fs_pool_dup(&fs->pool, s, strlen(s));
}

static sp_err build_rule(sp_filescan *fs, const ns_list *ns, const YR_RULE *yr,
                         sp_rule *out) {
  const char *ident = yr->identifier ? yr->identifier : "unnamed";
  const char *ns_name = yr->ns && yr->ns->name ? yr->ns->name : "default";
  bool builtin = ns_is_builtin(ns, ns_name);
  const char *desc = NULL, *author = NULL, *mitre = NULL, *cve = NULL;
  const char *reference = NULL;
  const char *level_name = NULL;
  bool have_score = false;
  int64_t score = 0;
  const YR_META *m;
  yr_rule_metas_foreach(yr, m) {
    const char *key = m->identifier;
    if (!key)
      continue;
    const char *sval = m->type == META_TYPE_STRING ? m->string : NULL;
    if (strcmp(key, "description") == 0 && sval && *sval)
      desc = sval;
    else if (strcmp(key, "author") == 0 && sval && *sval)
      author = sval;
    else if (strcmp(key, "mitre_attack") == 0 && sval && *sval)
      mitre = sval;
    else if (strcmp(key, "cve") == 0 && sval && *sval)
      cve = sval;
    else if (strcmp(key, "reference") == 0 && sval && *sval)
      reference = sval;
    else if (strcmp(key, "level") == 0 && sval)
      level_name = sval;
    else if (strcmp(key, "score") == 0) {
      uint64_t v;
      if (m->type == META_TYPE_INTEGER) {
        have_score = true;
        score = m->integer;
      } else if (sval &&
                 sp_str_to_u64(sp_str_trim(sp_str_make(sval, strlen(sval))),
                               1000000, &v)) {
        have_score = true;
        score = (int64_t)v;
      }
    }
  }
  sp_level level = SP_LEVEL_HIGH;
  if (have_score)
    level = level_from_score(score);
  else if (builtin && level_name)
    (void)level_from_name(level_name, &level);

  char idbuf[300];
  snprintf(idbuf, sizeof idbuf, "yara.%.280s", ident);
  char descbuf[600];
  if (!desc) {
    snprintf(descbuf, sizeof descbuf, "YARA rule %.256s (%.256s)", ident,
             ns_name);
  }
  out->id = pool_str(fs, idbuf);
  out->name = pool_str(fs, desc ? desc : ident);
  out->ruleset = pool_str(fs, ns_name);
  out->author = pool_str(fs, author ? author : (builtin ? "spoor" : "unknown"));
  out->description = desc ? out->name : pool_str(fs, descbuf);
  out->techniques = pool_str(fs, mitre ? mitre : "T1505.003");
  out->cve = pool_str(fs, cve ? cve : "");
  out->level = level;
  /* Built-in rules without a reference meta cite the technique they find. */
  if (!reference && builtin)
    reference = "https://attack.mitre.org/techniques/T1505/003/";
  out->reference = pool_str(fs, reference ? reference : "");
  if (!out->id || !out->name || !out->ruleset || !out->author ||
      !out->description || !out->techniques || !out->cve || !out->reference)
    return SP_ENOMEM;
  return SP_OK;
}

/* qsort context: none in C17's qsort, so the keys travel with the index. */
typedef struct key_ix {
  const char *key;
  size_t ix;
} key_ix;

static int cmp_key_ix(const void *a, const void *b) {
  return strcmp(((const key_ix *)a)->key, ((const key_ix *)b)->key);
}

static sp_err build_rules(sp_filescan *fs, const ns_list *ns, sp_diag *diag) {
  size_t n = 0;
  const YR_RULE *r;
  yr_rules_foreach(fs->rules, r) n++;
  fs->n_yrules = n;
  if (n == 0)
    return SP_OK;
  fs->yrules = calloc(n, sizeof *fs->yrules);
  fs->yrule_keys = calloc(n, sizeof *fs->yrule_keys);
  fs->yrule_order = calloc(n, sizeof *fs->yrule_order);
  fs->yrule_listed = calloc(n, sizeof *fs->yrule_listed);
  key_ix *sorted = calloc(n, sizeof *sorted);
  sp_err e = fs->yrules && fs->yrule_keys && fs->yrule_order &&
                     fs->yrule_listed && sorted
                 ? SP_OK
                 : SP_ENOMEM;
  size_t i = 0;
  yr_rules_foreach(fs->rules, r) {
    if (e)
      break;
    e = build_rule(fs, ns, r, &fs->yrules[i]);
    char key[800];
    snprintf(key, sizeof key, "%s:%s", fs->yrules[i].ruleset,
             r->identifier ? r->identifier : "unnamed");
    fs->yrule_keys[i] = e ? NULL : pool_str(fs, key);
    if (!e && !fs->yrule_keys[i])
      e = SP_ENOMEM;
    if (!e)
      sorted[i] = (key_ix){fs->yrule_keys[i], i};
    if (!e && !RULE_IS_PRIVATE(r))
      fs->yrule_listed[fs->n_listed++] = i;
    i++;
  }
  if (!e) {
    qsort(sorted, n, sizeof *sorted, cmp_key_ix);
    for (i = 0; i < n; i++)
      fs->yrule_order[i] = sorted[i].ix;
  }
  free(sorted);
  if (e)
    sp_fs_diag(diag, e, "out of memory building YARA rule table");
  return e;
}

const sp_rule *sp_filescan_yara_rule(const sp_filescan *fs, sp_str name) {
  if (!fs || !name.n)
    return NULL;
  size_t lo = 0, hi = fs->n_yrules;
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    const char *k = fs->yrule_keys[fs->yrule_order[mid]];
    size_t kn = strlen(k);
    int c = memcmp(k, name.p, kn < name.n ? kn : name.n);
    if (c == 0)
      c = (kn > name.n) - (kn < name.n);
    if (c == 0)
      return &fs->yrules[fs->yrule_order[mid]];
    if (c < 0)
      lo = mid + 1;
    else
      hi = mid;
  }
  return NULL;
}

size_t sp_filescan_yara_rule_count(const sp_filescan *fs) {
  return fs ? fs->n_listed : 0;
}

const sp_rule *sp_filescan_yara_rule_at(const sp_filescan *fs, size_t i) {
  return fs && i < fs->n_listed ? &fs->yrules[fs->yrule_listed[i]] : NULL;
}

static sp_err compile_rules(sp_filescan *fs, const sp_opts *opts,
                            sp_diag *diag) {
  YR_COMPILER *c = NULL;
  if (yr_compiler_create(&c) != ERROR_SUCCESS) {
    sp_fs_diag(diag, SP_ENOMEM, "cannot create the YARA compiler");
    return SP_ENOMEM;
  }
  ns_list *ns = calloc(1, sizeof *ns);
  if (!ns) {
    yr_compiler_destroy(c);
    sp_fs_diag(diag, SP_ENOMEM, "out of memory");
    return SP_ENOMEM;
  }
  compile_ctx ctx = {diag, NULL, 0};
  yr_compiler_set_callback(c, on_compile_msg, &ctx);
  sp_err e = SP_OK;
  for (size_t i = 0; i < sizeof k_externals / sizeof k_externals[0]; i++)
    if (yr_compiler_define_string_variable(c, k_externals[i], "") !=
        ERROR_SUCCESS) {
      sp_fs_diag(diag, SP_EINTERNAL, "cannot define YARA variable %s",
                 k_externals[i]);
      e = SP_EINTERNAL;
      break;
    }
  if (!e && !opts->no_builtin_yara) {
    for (size_t i = 0; sp_embedded_rules[i].name && !e; i++) {
      const char *name = unique_ns(fs, ns, sp_embedded_rules[i].name, true);
      if (!name) {
        e = SP_ENOMEM;
        sp_fs_diag(diag, e, "out of memory");
        break;
      }
      ctx.cur_name = sp_embedded_rules[i].name;
      if (yr_compiler_add_string(c, sp_embedded_rules[i].data, name) > 0 ||
          ctx.errors > 0)
        e = SP_ERULE;
    }
  }
  for (size_t i = 0; !e && i < opts->n_yara; i++) {
    if (!opts->yara_paths || !opts->yara_paths[i]) {
      e = SP_EINVAL;
      sp_fs_diag(diag, e, "YARA path %zu is NULL", i);
      break;
    }
    e = add_yara_path(fs, c, ns, &ctx, opts->yara_paths[i], diag);
  }
  if (!e) {
    int rc = yr_compiler_get_rules(c, &fs->rules);
    if (rc != ERROR_SUCCESS) {
      e = rc == ERROR_INSUFFICIENT_MEMORY ? SP_ENOMEM : SP_ERULE;
      sp_fs_diag(diag, e, "YARA rules could not be finalized (error %d)", rc);
    }
  }
  yr_compiler_destroy(c);
  if (!e)
    e = build_rules(fs, ns, diag);
  free(ns);
  return e;
}

/* ---- public ------------------------------------------------------------- */

sp_err sp_filescan_create(const sp_opts *opts, sp_filescan **out,
                          sp_diag *diag) {
  if (!out)
    return SP_EINVAL;
  *out = NULL;
  if (diag) {
    diag->code = SP_OK;
    diag->msg[0] = 0;
  }
  if (!opts) {
    sp_fs_diag(diag, SP_EINVAL, "no options");
    return SP_EINVAL;
  }
  sp_filescan *fs = calloc(1, sizeof *fs);
  if (!fs) {
    sp_fs_diag(diag, SP_ENOMEM, "out of memory");
    return SP_ENOMEM;
  }
  sp_err e = SP_OK;
  if (yr_initialize() != ERROR_SUCCESS) {
    e = SP_EINTERNAL;
    sp_fs_diag(diag, e, "libyara failed to initialize");
  } else {
    fs->yara_ready = true;
  }
  if (!e)
    e = compile_rules(fs, opts, diag);
  if (!e)
    e = sp_fs_stock_init(fs, diag);
  if (!e && opts->baseline_dir)
    e = sp_fs_baseline_load(fs, opts->baseline_dir, diag);
  if (e) {
    if (diag && diag->code == SP_OK)
      sp_fs_diag(diag, e, "file scanner: %s", sp_strerror(e));
    sp_filescan_destroy(fs);
    return e;
  }
  *out = fs;
  return SP_OK;
}

void sp_filescan_destroy(sp_filescan *fs) {
  if (!fs)
    return;
  if (fs->rules)
    yr_rules_destroy(fs->rules);
  free(fs->yrules);
  free(fs->yrule_keys);
  free(fs->yrule_order);
  free(fs->yrule_listed);
  sp_strset_destroy(fs->good_hashes);
  sp_strset_destroy(fs->stock_paths);
  sp_strset_destroy(fs->stock_urls);
  sp_strset_destroy(fs->stock_names);
  sp_strset_destroy(fs->builds);
  free(fs->lookalike);
  sp_fs_pool_free(&fs->pool);
  if (fs->yara_ready)
    yr_finalize();
  free(fs);
}

const sp_strset *sp_filescan_stock_urls(const sp_filescan *fs) {
  return fs ? fs->stock_urls : NULL;
}
