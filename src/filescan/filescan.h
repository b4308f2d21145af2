/*
 * filescan.h - the file scanner: what spoor knows about a file's content.
 *
 * For every file that no log reader claims (web roots, Exchange folders) and
 * every page a web server would execute, the file reader (readers/file.c)
 * calls sp_filescan_read(), which reads the file once and describes it in
 * ONE file event: its path and name, size and modification time, MD5, SHA-1
 * and SHA-256 (one read pass), its stock status against Microsoft's
 * known-good Exchange baselines (--baseline DIR) and the stock file names
 * (look-alikes such as RedirSuiteServerProxy.aspx beside the stock
 * RedirSuiteServiceProxy.aspx), and the YARA rules that matched (spoor's own
 * embedded rules plus --yara files, with the external variables filename,
 * filepath, extension, filetype and owner defined) with the strings that
 * matched and where. Files whose hash is in a baseline are stock and are not
 * YARA-scanned. The scanner makes no findings: detectors do, from the event
 * (detect/webshell_file.c), and so can any other detector (IOC sweeps).
 *
 * Fields of the file event (source kind "file", reference SP_REF_OFFSET 0,
 * time = the file's modification time):
 *   file.path, file.name, file.extension (no dot; absent when none),
 *   file.size (INT, bytes read), file.mtime (TIME),
 *   file.hash.md5, file.hash.sha1, file.hash.sha256 (lower-case hex; absent
 *     when the file could not be read whole),
 *   file.stock     one or more of "stock" (hash in a baseline), "modified"
 *                  (at a stock page's path, hash in no baseline),
 *                  "lookalike:<stock name>", "unknown" (none of these),
 *   spoor.stock.path    for "modified": the stock path the file's path ends
 *                       with (lower case, '/'-separated),
 *   spoor.stock.builds  for "modified" (INT): baseline builds compared,
 *   spoor.stock.edits   for "lookalike" (INT): edits from the stock name
 *                       (between the homoglyph-folded names, at least 1),
 *   spoor.stock.folder  with "unknown", for a page (.aspx, .ashx, .asmx,
 *                       .asp) whose name is no stock name in "owa/auth",
 *                       "ecp/auth", "aspnet_client" or "ecp" (see
 *                       sp_fs_page_folder): that folder,
 *   yara.rule      one value per matched rule: "<namespace>:<rule>", the
 *                  namespace being the rule file's name; none on a
 *                  detection-rule file (YARA or Sigma rule syntax in a .yar,
 *                  .yara, .yml, .yaml, .rules or .txt file), whichever rule
 *                  set matched: a note counts the matches left out,
 *   yara.strings   per matched rule, its matched strings in rule order (at
 *                  most SP_FS_EVENT_STRINGS, plus the one matched earliest
 *                  when it is not among them), one value each:
 *                  "<namespace>:<rule> <string id>@0x<first offset>".
 *
 * Ownership: sp_filescan is created once per engine and is read-only during
 * a hunt (the engine registers it as the run-wide input "filescan"); each
 * worker thread has its own sp_filescan_worker (YARA scanner, hash contexts,
 * read buffer), the file reader's per-worker state.
 */
#ifndef SP_FILESCAN_FILESCAN_H
#define SP_FILESCAN_FILESCAN_H

#include "core/strset.h"
#include "findings/findings.h"
#include "readers/reader.h"
#include "spoor/spoor.h"

#define SP_FILESCAN_MAX_YARA_BYTES                                             \
  (64u << 20)                  /* YARA sees the first 64 MiB                   \
                                */
#define SP_FS_EVENT_STRINGS 16 /* yara.strings values per matched rule */

/* Names of the file event's fields that are not pre-seeded ECS fields. */
#define SP_FS_F_STOCK "file.stock"
#define SP_FS_F_STOCK_PATH "spoor.stock.path"
#define SP_FS_F_STOCK_BUILDS "spoor.stock.builds"
#define SP_FS_F_STOCK_EDITS "spoor.stock.edits"
#define SP_FS_F_STOCK_FOLDER "spoor.stock.folder"
#define SP_FS_F_YARA_RULE "yara.rule"
#define SP_FS_F_YARA_STRINGS "yara.strings"

typedef struct sp_filescan sp_filescan;
typedef struct sp_filescan_worker sp_filescan_worker;

sp_err sp_filescan_create(const sp_opts *opts, sp_filescan **out,
                          sp_diag *diag);
void sp_filescan_destroy(sp_filescan *fs);

/* Lower-cased URL paths of stock Exchange web files ("/owa/auth/logon.aspx"),
 * from the embedded list plus the baselines. Read-only during a hunt. */
const sp_strset *sp_filescan_stock_urls(const sp_filescan *fs);

/* spoor's own non-YARA file rules, for listing and for the detector that
 * reports them; NULL when i is past the end. */
enum {
  SP_FS_RULE_MODIFIED = 0,
  SP_FS_RULE_LOOKALIKE = 1,
  SP_FS_RULE_UNKNOWN_PAGE = 2
};
const sp_rule *sp_filescan_builtin_rule(size_t i);

/* The rule built from a YARA rule's metadata, by the yara.rule value
 * "<namespace>:<rule>"; NULL when no such rule is loaded. */
const sp_rule *sp_filescan_yara_rule(const sp_filescan *fs, sp_str name);

/* The rules built from YARA rules that can make findings (private helper
 * rules left out), in the order they were compiled: spoor's embedded rules,
 * then the --yara files. NULL when i is past the end. */
size_t sp_filescan_yara_rule_count(const sp_filescan *fs);
const sp_rule *sp_filescan_yara_rule_at(const sp_filescan *fs, size_t i);

/* True for names a web server executes (.aspx, .ashx, .asmx, .asax, .ascx,
 * .svc, .cshtml, .master, .asp, .config, .php, .jsp, .jspx): such files are
 * always scanned, even when a log reader also claims their content (a shell
 * can start with "#Fields:" and still run). */
bool sp_filescan_executable_name(const char *path);

sp_err sp_filescan_worker_create(sp_filescan *fs, sp_filescan_worker **out);
void sp_filescan_worker_destroy(sp_filescan_worker *w);

/* Read the file src holds (from its start; rc->path, rc->mtime_ns and
 * rc->size describe it) and emit its file event on rc. Field names are
 * interned in rc->names (without names only the ECS fields are set).
 * Deliberate limits (the tail past SP_FILESCAN_MAX_YARA_BYTES, too many YARA
 * matches) are notes (sp_rctx_note). Returns 0, or -1 when the file could
 * not be read or scanned completely: rc->errmsg says why, and the event was
 * still emitted with what is known. */
int sp_filescan_read(sp_filescan_worker *w, sp_rctx *rc, sp_source *src);

/* ---- end to end, for tests and fuzzers (fs_run.c) ----------------------
 * One file through the file reader and the webshell_file detector into a
 * finding set, as the engine does it. */

typedef struct sp_filescan_result {
  bool flagged;    /* a finding of level high or above was made on the file */
  char error[256]; /* non-empty: why the file could not be read or scanned */
  char note[256];  /* non-empty: a deliberate limit (too big for YARA) */
} sp_filescan_result;

/* Scan one file. file_id is the engine's id of path (used in evidence).
 * mtime_ns is used as the finding time. Never fails: problems go into
 * res->error. out may be NULL. */
void sp_filescan_file(sp_filescan_worker *w, uint32_t file_id, const char *path,
                      int64_t mtime_ns, sp_fset *out, sp_filescan_result *res);

/* The same on an in-memory buffer named path. */
void sp_filescan_buffer(sp_filescan_worker *w, uint32_t file_id,
                        const char *path, const uint8_t *buf, size_t len,
                        int64_t mtime_ns, sp_fset *out,
                        sp_filescan_result *res);

#endif
