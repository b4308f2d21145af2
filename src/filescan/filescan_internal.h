/*
 * filescan_internal.h - shared state of the file scanner (filescan.c,
 * fs_stock.c, fs_worker.c). Not part of the library's interface.
 *
 * The sp_filescan owns the compiled YARA rules, one sp_rule per YARA rule
 * (with every string it points to, in a string pool) and its event name
 * "<namespace>:<rule>" with a sorted index over them, the known-good hash set,
 * the stock relative paths and URL paths, and the stock file names used by the
 * look-alike check. All of it is built in sp_filescan_create and read-only
 * afterwards, so workers share it without locks.
 */
#ifndef SP_FILESCAN_FILESCAN_INTERNAL_H
#define SP_FILESCAN_FILESCAN_INTERNAL_H

#include "filescan/filescan.h"

#include <yara.h>

#define SP_FS_MAX_BASELINE_ENTRIES 2000000u /* lines kept over all CSVs */
#define SP_FS_MAX_LINE 4096u                /* longer CSV lines are skipped */
#define SP_FS_MAX_DIR_FILES 10000u          /* rule or CSV files per folder */
#define SP_FS_MAX_NAME 255u                 /* look-alike: longest base name */
#define SP_FS_MAX_STOCK_URLS 500000u
#define SP_FS_YARA_TIMEOUT_S 10

/* A chunked arena of NUL-terminated strings that live as long as the
 * scanner. */
typedef struct sp_fs_pool_chunk sp_fs_pool_chunk;
typedef struct sp_fs_pool {
  sp_fs_pool_chunk *head;
} sp_fs_pool;

const char *sp_fs_pool_dup(sp_fs_pool *pool, const char *s, size_t n);
void sp_fs_pool_free(sp_fs_pool *pool);

/* A stock file name the look-alike check compares against. */
typedef struct sp_fs_stock_name {
  const char *name;  /* as spelled in the source (pool) */
  const char *lower; /* lower-cased (pool) */
  const char *skel;  /* homoglyph-folded stem (sp_fs_skeleton; pool) */
  size_t skel_len;
  size_t stem_len; /* bytes before the last '.' */
  size_t ext_off;  /* offset of the extension after the '.' */
} sp_fs_stock_name;

struct sp_filescan {
  YR_RULES *rules;
  bool yara_ready;         /* yr_initialize succeeded; yr_finalize owed */
  sp_rule *yrules;         /* indexed like rules->rules_table */
  const char **yrule_keys; /* "<namespace>:<rule>" per rule (pool) */
  size_t *yrule_order;     /* rule indices sorted by key, for lookup */
  size_t n_yrules;
  size_t *yrule_listed; /* indices of the rules that are not private */
  size_t n_listed;
  sp_fs_pool pool;

  sp_strset *good_hashes; /* lower-case hex SHA-256 of baseline files */
  sp_strset *stock_paths; /* lower-case, '/'-separated relative paths */
  sp_strset *stock_urls;  /* lower-case URL paths ("/owa/auth/logon.aspx") */
  sp_strset *stock_names; /* every stock base name, lower-case */
  sp_strset *builds;      /* build numbers seen in baselines */
  sp_fs_stock_name *lookalike; /* targets of the look-alike check */
  size_t n_lookalike, cap_lookalike;
  uint64_t baseline_rows;
};

/* fs_stock.c: the embedded stock list and the Microsoft baselines. */
sp_err sp_fs_stock_init(sp_filescan *fs, sp_diag *diag);
sp_err sp_fs_baseline_load(sp_filescan *fs, const char *dir, sp_diag *diag);
/* The rows of one baseline CSV held in memory, read exactly as a file of the
 * --baseline folder is (fuzzers, tests); name is used in messages. Needs
 * sp_fs_stock_init first. Unlike sp_fs_baseline_load, no rows is no error. */
sp_err sp_fs_baseline_parse(sp_filescan *fs, const char *name,
                            const uint8_t *buf, size_t len, sp_diag *diag);
/* Stock relative path that path ends with (component-aligned), or NULL. */
bool sp_fs_stock_path_match(const sp_filescan *fs, const char *path,
                            char *matched, size_t cap);
/* Look-alike check on a base name; on a hit copies the imitated stock name
 * into imitated and returns the edits between the folded stems (1 to 3; a
 * homoglyph alone counts 1); 0 means no look-alike. A stock name is never a
 * look-alike. Stock stems of 4 to 7 characters: one substitution or
 * transposition between the skeletons (same length), common names (login,
 * errors) excepted; 8 to 15: up to 2 edits; 16 and more: up to 3. A name
 * that is a stock name cut short is no look-alike. Only the same extension
 * is compared. */
int sp_fs_lookalike(const sp_filescan *fs, sp_str base, char *imitated,
                    size_t cap);
/* The same rule for one pair of base names, without the stock-name
 * exception (tests: no embedded stock name imitates another). */
int sp_fs_lookalike_of(sp_str base, sp_str stock);
/* Homoglyph skeleton of s into out (NUL-terminated): lower case, 0 -> o,
 * 1 and i -> l, rn -> m, vv -> w. Returns its length; 0 when it does not
 * fit in cap. */
size_t sp_fs_skeleton(sp_str s, char *out, size_t cap);
/* The embedded stock URL list ("/owa/auth/logon.aspx"), for tests. */
size_t sp_fs_embedded_stock_count(void);
const char *sp_fs_embedded_stock_url(size_t i);
/* For a page (.aspx, .ashx, .asmx, .asp) in a folder where a page that is
 * not stock is suspect by itself, that folder: "owa/auth" or "ecp/auth"
 * (any depth below), "aspnet_client" (any depth below), "ecp" (directly in
 * a folder named ecp: ClientAccess\ecp, FrontEnd\HttpProxy\ecp); NULL
 * otherwise. Any separators and case. */
const char *sp_fs_page_folder(const char *path);
/* Script extensions the look-alike and modified-file checks apply to. */
bool sp_fs_is_script_ext(sp_str ext);
/* Extension after the last '.' of a base name (without the dot), or empty. */
sp_str sp_fs_ext(sp_str base);
/* Restricted Damerau-Levenshtein (optimal string alignment) distance,
 * case-insensitive; returns max+1 as soon as the distance exceeds max. */
int sp_fs_osa_distance(sp_str a, sp_str b, int max);

/* Sorted list of regular files in dir whose names end with one of the
 * suffixes (case-insensitive). The caller frees with sp_fs_list_free. */
sp_err sp_fs_list_dir(const char *dir, const char *const *suffixes,
                      size_t n_suffixes, char ***out, size_t *n_out,
                      sp_diag *diag);
void sp_fs_list_free(char **list, size_t n);

/* The scanner a worker belongs to. */
sp_filescan *sp_fs_worker_scanner(const sp_filescan_worker *w);
/* Forget the field ids the worker resolved: the next file resolves them in
 * its context's name table (fs_run.c makes a new table per call, which may
 * land at the address of the last one). */
void sp_fs_worker_unbind(sp_filescan_worker *w);

/* Set a diag message (printf-style); keeps the code. */
void sp_fs_diag(sp_diag *diag, sp_err code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
