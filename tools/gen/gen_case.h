/* gen_case.h - internal interface of `spoor-gen case`, shared by
 * gen_case.c (record store, file layout, writing, truth.tsv), gen_case_bg.c
 * (benign background traffic) and gen_case_attack.c (the attack scenario,
 * the one place that decides which rules each attack line must trigger).
 *
 * Generation is two-phase: emitters append records (one future log line
 * each) to an in-memory store, tagged with the file they belong to, a time
 * and a rule mask; gen_case_write() then sorts each file's records by time
 * (ties keep emission order), writes headers and lines, and records the
 * physical line number of every line that carries rules into truth.tsv.
 * All strings a record points to are copied into the case arena. Emitters
 * never fail loudly: the first error is latched in gen_case.err (and
 * reported), later emitters do nothing, and gen_case_write refuses to run. */
#ifndef SPOOR_GEN_CASE_H
#define SPOOR_GEN_CASE_H

#include <stddef.h>
#include <stdint.h>

#include "gen_formats.h"
#include "gen_rules.h"
#include "gen_util.h"

#define GEN_CASE_MAX_FILES 1024
#define GEN_CASE_MAX_RECS 400000
#define GEN_CASE_MAX_TRUTH 100000
#define GEN_REL_MAX 256

/* Host facts of the synthetic Exchange organisation. */
#define GEN_DOMAIN "corp.example"
#define GEN_NETBIOS "CORP"
#define GEN_SERVER "EXCH01"
#define GEN_SERVER_FQDN "EXCH01.corp.example"
#define GEN_SERVER_FQDN_LC "exch01.corp.example"
#define GEN_SERVER_IP "10.1.2.10"
#define GEN_MAIL_HOST "mail.corp.example"
#define GEN_AUTOD_HOST "autodiscover.corp.example"
#define GEN_MACHINE_ACCOUNT "CORP\\EXCH01$"
#define GEN_SID_PREFIX "S-1-5-21-3912466130-2211504857-1870293742"
#define GEN_EX_VERSION "15.01.2176.002"
#define GEN_EX_BUILD "15.1.2176.2"
#define GEN_EX_INSTALL "C:\\Program Files\\Microsoft\\Exchange Server\\V15\\"

typedef enum gen_fkind { GEN_F_IIS, GEN_F_HP, GEN_F_ECP, GEN_F_OAB } gen_fkind;

typedef struct gen_file {
  char rel[GEN_REL_MAX]; /* path relative to the case directory */
  gen_fkind kind;
  int gz;
  int64_t restart_ms; /* IIS: new header + extended layout from here; 0 none */
} gen_file;

typedef struct gen_rec {
  int64_t t_ms;
  uint32_t seq;   /* emission order, breaks time ties */
  uint32_t file;  /* index into gen_case.files */
  uint32_t rules; /* GEN_R_* mask; 0 for benign */
  const char *note;
  const char *text; /* HP/ECP/OAB: full line with CRLF */
  gen_iis_rec iis;  /* IIS: fields, formatted at write time */
} gen_rec;

typedef struct gen_truth {
  const char *path;
  uint64_t line;
  int rule; /* rule bit index */
  const char *note;
} gen_truth;

typedef struct gen_case {
  const char *dir;
  gen_rng rng;
  gen_arena arena;
  gen_file files[GEN_CASE_MAX_FILES];
  size_t nfiles;
  gen_rec *recs;
  size_t nrecs, caprecs;
  gen_truth *truth;
  size_t ntruth, captruth;
  uint64_t bytes_written;
  int err;
} gen_case;

/* A request as the HttpProxy module logs it. Unset strings are empty. */
typedef struct gen_hp_req {
  int64_t t_ms;
  const char *proto; /* "Ecp", "Owa", "Autodiscover": column and folder */
  const char *host, *stem, *query, *action;
  const char *auth_type, *user, *anchor, *ua, *cip, *method;
  int authed;
  unsigned status, be_status;
  const char *target, *routing_type, *routing_hint, *be_cookie;
  const char *client_req_id;
  unsigned req_bytes, resp_bytes, total_ms;
} gen_hp_req;

/* ---- store (gen_case.c) -------------------------------------------------- */

/* Copies s into the case arena (NULL stays NULL). */
const char *gen_case_str(gen_case *c, const char *s);
/* printf into the case arena; "" on failure (error latched). */
const char *gen_case_fmt(gen_case *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* site 1 = frontend "Default Web Site" (443), 2 = "Exchange Back End"
 * (444). The record's t_ms picks the daily file. */
void gen_case_iis(gen_case *c, int site, const gen_iis_rec *r, uint32_t rules,
                  const char *note);
/* HttpProxy line into exchange/Logging/HttpProxy/<proto>/. */
void gen_case_hp(gen_case *c, const gen_hp_req *q, uint32_t rules,
                 const char *note);
void gen_case_ecp(gen_case *c, int64_t t_ms, const gen_kv *items, size_t n,
                  uint32_t rules, const char *note);
void gen_case_oab(gen_case *c, int64_t t_ms, const char *message,
                  uint32_t rules, const char *note);
/* Writes a webroot file now (content as given) and adds truth rows with
 * line 0 for each rule in the mask. */
/* The same, with the file's modification time (Unix seconds, UTC). */
void gen_case_webfile_at(gen_case *c, const char *rel, const char *content,
                         uint32_t rules, const char *note, int64_t mtime_s);
void gen_case_webfile(gen_case *c, const char *rel, const char *content,
                      uint32_t rules, const char *note);

/* A truth row for a file written by the caller (rel under the case
 * folder; line: the line or, for EVTX, the EventRecordID). */
void gen_case_truth(gen_case *c, const char *rel, uint64_t line, uint32_t rules,
                    const char *note);

/* ---- scenario parts ------------------------------------------------------ */

/* The mailbox users of the background (gen_case_bg.c): count and the
 * sAMAccountName of user i (i < count); the spray targets these. */
size_t gen_case_nusers(void);
const char *gen_case_user_sam(size_t i);

/* Benign traffic from 2021-02-26 to 2021-03-06 (gen_case_bg.c). */
void gen_case_background(gen_case *c);
/* The attack and its webroot files (gen_case_attack.c). */
void gen_case_attack(gen_case *c);

/* Runs the whole case into dir; 0 on success. */
int gen_case_run(const char *dir, uint64_t seed);

#endif
