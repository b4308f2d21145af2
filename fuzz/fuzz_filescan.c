/*
 * fuzz_filescan.c - libFuzzer target for the file scanner on in-memory
 * content (sp_filescan_buffer: the file reader's event through the
 * webshell_file detector): MD5, SHA-1, SHA-256, spoor's built-in YARA rules
 * with their external variables, and the stock-file look-alike check.
 *
 * The scanner is created once in LLVMFuzzerInitialize (compiling the YARA
 * rules per input would be far too slow) with the built-in rules, no extra
 * rules and no baselines, together with one worker; these two statics are
 * the only globals. Each input is the content of one file; its last byte
 * picks the file's path from a few realistic Exchange/IIS locations, or
 * (selector 7) builds it from the content's first line so names and
 * extensions are fuzzed too. Findings go into a fresh sp_fset that is
 * checked (bounded entities, references and reason; a "flagged" result has
 * a finding) and destroyed; the result's error text must be terminated.
 */
#include "filescan/filescan.h"
#include "findings/findings.h"

#include <stdio.h>
#include <stdlib.h>

#define CHECK(c) ((c) ? (void)0 : fz_fail(#c, __FILE__, __LINE__))

static void fz_fail(const char *what, const char *file, int line) {
  fprintf(stderr, "fuzz check failed: %s (%s:%d)\n", what, file, line);
  abort();
}

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static sp_filescan *fz_fs;
static sp_filescan_worker *fz_worker;

int LLVMFuzzerInitialize(int *argc, char ***argv) {
  (void)argc;
  (void)argv;
  sp_opts opts;
  memset(&opts, 0, sizeof opts);
  opts.jobs = 1;
  sp_diag diag;
  memset(&diag, 0, sizeof diag);
  sp_err e = sp_filescan_create(&opts, &fz_fs, &diag);
  if (e != SP_OK) {
    fprintf(stderr, "sp_filescan_create: %s: %s\n", sp_strerror(e), diag.msg);
    abort();
  }
  e = sp_filescan_worker_create(fz_fs, &fz_worker);
  if (e != SP_OK) {
    fprintf(stderr, "sp_filescan_worker_create: %s\n", sp_strerror(e));
    abort();
  }
  return 0;
}

static void check_finding(const sp_agg *a, void *user) {
  size_t *n = user;
  (*n)++;
  CHECK(a->rule != NULL && a->rule->id != NULL && a->rule->name != NULL);
  CHECK(a->count >= 1);
  CHECK(a->n_ent <= SP_MAX_ENTITIES);
  for (size_t i = 0; i < a->n_ent; i++) {
    CHECK(a->ent_field[i] != NULL && a->ent_value[i] != NULL);
    CHECK(strlen(a->ent_value[i]) <= SP_MAX_ENTITY_LEN);
  }
  CHECK(a->n_refs >= 1 && a->n_refs <= SP_MAX_EVIDENCE);
  for (size_t i = 0; i < a->n_refs; i++)
    CHECK(a->refs[i].kind == SP_REF_OFFSET && a->refs[i].file_id == 3);
  if (a->reason)
    CHECK(strlen(a->reason) <= SP_MAX_REASON_LEN);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static const char *const paths[7] = {
      "C:/inetpub/wwwroot/aspnet_client/system_web/shell.aspx",
      "C:/Program Files/Microsoft/Exchange Server/V15/FrontEnd/HttpProxy/"
      "owa/auth/RedirSuiteServerProxy.aspx",
      "C:/Program Files/Microsoft/Exchange Server/V15/FrontEnd/HttpProxy/"
      "owa/auth/logon.aspx",
      "C:\\inetpub\\wwwroot\\aspnet_client\\discover.ashx",
      "C:/Program Files/Microsoft/Exchange Server/V15/ClientAccess/OAB/"
      "a1b2c3/oab.xml",
      "evidence/ecp/auth/TimeoutLogon.aspx",
      "",
  };
  char derived[256];
  const char *path;
  unsigned sel = size ? data[size - 1] % 8 : 6;
  if (sel < 7) {
    path = paths[sel];
  } else {
    static const char dir[] = "C:/inetpub/wwwroot/aspnet_client/";
    size_t n = sizeof dir - 1;
    memcpy(derived, dir, n);
    for (size_t i = 0; i < size && n + 1 < sizeof derived; i++) {
      if (data[i] == '\n' || data[i] == 0)
        break;
      derived[n++] = (char)data[i];
    }
    derived[n] = 0;
    path = derived;
  }

  sp_fset *set = NULL;
  CHECK(sp_fset_create(&set) == SP_OK);
  sp_filescan_result res;
  memset(&res, 0x5a, sizeof res); /* the scanner must reset it */
  sp_filescan_buffer(fz_worker, 3, path, data, size, 1614754753000000000LL, set,
                     &res);
  CHECK(strnlen(res.error, sizeof res.error) < sizeof res.error);
  CHECK(sp_fset_error(set) == SP_OK);
  size_t seen = 0;
  sp_fset_foreach(set, check_finding, &seen);
  CHECK(seen == sp_fset_count(set));
  if (res.flagged)
    CHECK(seen >= 1);
  sp_fset_destroy(set);
  return 0;
}
