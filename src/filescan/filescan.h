/*
 * filescan.h - the file scanner: the reader whose "events" are files.
 *
 * For every file that no log reader claims (web roots, Exchange folders), it
 * computes SHA-256, runs YARA (spoor's own embedded rules plus --yara files,
 * with the external variables filename, filepath, extension, filetype and
 * owner defined), compares with Microsoft's known-good Exchange baselines
 * (--baseline DIR) and looks for near-name look-alikes of stock Exchange files
 * (RedirSuiteServerProxy.aspx beside the stock RedirSuiteServiceProxy.aspx).
 * Stock files (hash in a baseline) are never reported as webshells.
 *
 * Ownership: sp_filescan is created once per engine and is read-only during a
 * hunt; each worker thread creates its own sp_filescan_worker (YARA scanners
 * are per thread). Findings go into the worker's sp_fset.
 */
#ifndef SP_FILESCAN_FILESCAN_H
#define SP_FILESCAN_FILESCAN_H

#include "core/strset.h"
#include "findings/findings.h"
#include "spoor/spoor.h"

#define SP_FILESCAN_MAX_YARA_BYTES (64u << 20) /* larger files: hash only */

typedef struct sp_filescan sp_filescan;
typedef struct sp_filescan_worker sp_filescan_worker;

sp_err sp_filescan_create(const sp_opts *opts, sp_filescan **out,
                          sp_diag *diag);
void sp_filescan_destroy(sp_filescan *fs);

/* Lower-cased URL paths of stock Exchange web files ("/owa/auth/logon.aspx"),
 * from the embedded list plus the baselines. Read-only during a hunt. */
const sp_strset *sp_filescan_stock_urls(const sp_filescan *fs);

/* spoor's own non-YARA file rules (spoor.file.modified_stock_file,
 * spoor.file.stock_lookalike), for listing; NULL when i is past the end. */
const sp_rule *sp_filescan_builtin_rule(size_t i);

/* True for names a web server executes (.aspx, .ashx, .asmx, .asax, .ascx,
 * .svc, .cshtml, .master, .asp, .config, .php, .jsp, .jspx): such files are
 * always scanned, even when a log reader also claims their content (a shell
 * can start with "#Fields:" and still run). */
bool sp_filescan_executable_name(const char *path);

sp_err sp_filescan_worker_create(sp_filescan *fs, sp_filescan_worker **out);
void sp_filescan_worker_destroy(sp_filescan_worker *w);

typedef struct sp_filescan_result {
  bool flagged;    /* a webshell-level finding was made on this file */
  char error[256]; /* non-empty: why the file could not be read or scanned */
  char note[256];  /* non-empty: a deliberate limit (too big for YARA) */
} sp_filescan_result;

/* Scan one file. file_id is the engine's id of path (used in evidence).
 * mtime_ns is used as the finding time. Never fails the hunt: problems go
 * into res->error. */
void sp_filescan_file(sp_filescan_worker *w, uint32_t file_id, const char *path,
                      int64_t mtime_ns, sp_fset *out, sp_filescan_result *res);

/* The same checks on an in-memory buffer (tests, fuzzers). */
void sp_filescan_buffer(sp_filescan_worker *w, uint32_t file_id,
                        const char *path, const uint8_t *buf, size_t len,
                        int64_t mtime_ns, sp_fset *out,
                        sp_filescan_result *res);

#endif
