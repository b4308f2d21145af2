/*
 * test_filereader.c - the file scanner as a reader and what consumes its
 * events:
 *  - the file event's fields: MD5, SHA-1 and SHA-256 against published test
 *    vectors ("abc": RFC 1321 and FIPS 180; one million 'a', read in many
 *    blocks: FIPS 180), size, modification time, path, name, extension,
 *    stock status, YARA rule and string values (capped per rule, the
 *    earliest match kept);
 *  - the webshell_file detector on hand-built file events: rules, levels,
 *    reasons, evidence offsets, stock files left alone;
 *  - the files phase through sp_engine_hunt on real files in a temporary
 *    folder: a China Chopper one-liner at byte 0 of a page of 64 MiB + 1
 *    byte is found and the note says what was not YARA-scanned; one after
 *    the first 64 MiB is not found and the note says so; a flagged page
 *    makes its requests in an IIS log critical; the file reader disabled.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <fcntl.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "detect/detector.h"
#include "event/names.h"
#include "filescan/filescan.h"
#include "readers/reader.h"

/* The well-known public China Chopper ASPX one-liner. */
static const char k_chopper[] =
    "<%@ Page Language=\"Jscript\"%><%eval(Request.Item[\"p\"],\"unsafe\");%>";
#define CHOPPER_KEY "spoor_webshells.yar:spoor_webshell_chopper_oneliner"
#define MTIME 1614754753123456789LL /* 2021-03-03T06:59:13.123456789Z */

/* ---- capturing file events ----------------------------------------------- */

#define MAX_VALS 64

typedef struct cap {
  const sp_names *names;
  size_t events;
  int kind, ref;
  uint32_t file_id;
  uint64_t line, offset;
  int64_t ts;
  bool have_size, have_mtime;
  int64_t size, mtime;
  size_t n;
  char name[MAX_VALS][64];
  char val[MAX_VALS][400];
  char note[512];
} cap;

static void cap_event(void *user, const sp_event *ev) {
  cap *c = user;
  c->events++;
  c->kind = ev->kind;
  c->ref = ev->ref;
  c->file_id = ev->file_id;
  c->line = ev->line;
  c->offset = ev->offset;
  c->ts = ev->ts;
  c->have_size = sp_event_get_int(ev, SP_F_FILE_SIZE, &c->size);
  c->have_mtime = sp_event_get_int(ev, SP_F_FILE_MTIME, &c->mtime);
  assert_int_equal(ev->dropped_fields, 0);
  size_t it = 0;
  const sp_fval *f;
  while ((f = sp_event_each(ev, &it)) != NULL && c->n < MAX_VALS) {
    snprintf(c->name[c->n], sizeof c->name[0], "%s",
             sp_names_field_name(c->names, f->id));
    snprintf(c->val[c->n], sizeof c->val[0], "%.*s", (int)f->s.n, f->s.p);
    c->n++;
  }
}

static void cap_note(void *user, const char *note) {
  cap *c = user;
  size_t n = strlen(c->note);
  snprintf(c->note + n, sizeof c->note - n, "%s%s", n ? "; " : "", note);
}

/* The nth value of a field, or NULL. */
static const char *val(const cap *c, const char *name, size_t nth) {
  for (size_t i = 0; i < c->n; i++)
    if (strcmp(c->name[i], name) == 0 && nth-- == 0)
      return c->val[i];
  return NULL;
}

static size_t count(const cap *c, const char *name) {
  size_t k = 0;
  while (val(c, name, k))
    k++;
  return k;
}

/* Run the file reader on memory, as a test would: names, the "filescan"
 * input, the file's path and time. */
static void read_file_event(sp_filescan *fs, const char *path, const char *data,
                            size_t len, int64_t mtime, cap *c) {
  memset(c, 0, sizeof *c);
  sp_names *nm;
  assert_int_equal(sp_names_create(&nm), SP_OK);
  c->names = nm;
  sp_rctx rc;
  assert_true(sp_rctx_init(&rc, 5, cap_event, NULL, c));
  rc.names = nm;
  rc.on_note = cap_note;
  rc.path = path;
  rc.mtime_ns = mtime;
  sp_input in[] = {{"filescan", fs}};
  rc.inputs = in;
  rc.n_inputs = 1;
  const sp_reader_vt *vt = sp_reader_by_name("file");
  assert_non_null(vt);
  assert_int_equal(vt->phase, SP_PHASE_FILES);
  assert_int_equal(sp_reader_run_buffer(vt, &rc, data, len), SP_OK);
  assert_null(rc.wstate); /* made and freed for the run */
  sp_rctx_free(&rc);
  /* names live as long as the table: keep the table until the test reads
     the captured copies (they are copies, so free it now) */
  c->names = NULL;
  sp_names_destroy(nm);
}

/* ---- fixtures ------------------------------------------------------------ */

typedef struct env {
  char tmp[256];
  sp_filescan *fs;    /* built-in rules */
  sp_filescan *fs_bl; /* built-in rules and a baseline */
  char stock_hash[65];
} env;

static void write_file(const char *path, const void *data, size_t n) {
  FILE *f = fopen(path, "wb");
  assert_non_null(f);
  assert_int_equal(fwrite(data, 1, n, f), n);
  assert_int_equal(fclose(f), 0);
}

static void sha256_hex(const void *d, size_t n, char out[65]) {
  unsigned char md[32];
  unsigned int len = 0;
  EVP_Digest(d, n, md, &len, EVP_sha256(), NULL);
  for (size_t i = 0; i < 32; i++)
    snprintf(out + 2 * i, 3, "%02x", md[i]);
}

static const char k_stock_page[] =
    "<%@ Page Language=\"C#\" %><html>stock</html>";

static int setup(void **state) {
  env *e = calloc(1, sizeof *e);
  if (!e)
    return -1;
  snprintf(e->tmp, sizeof e->tmp, "/tmp/spoor-fr-XXXXXX");
  if (!mkdtemp(e->tmp))
    return -1;
  sp_opts o = {0};
  sp_diag d = {0};
  if (sp_filescan_create(&o, &e->fs, &d) != SP_OK)
    return -1;
  char dir[300], csv[400];
  snprintf(dir, sizeof dir, "%s/bl", e->tmp);
  mkdir(dir, 0700);
  snprintf(csv, sizeof csv, "%s/baseline_15.1.2176.2.csv", dir);
  sha256_hex(k_stock_page, strlen(k_stock_page), e->stock_hash);
  char chop[65];
  sha256_hex(k_chopper, strlen(k_chopper), chop);
  FILE *f = fopen(csv, "wb");
  if (!f)
    return -1;
  fprintf(f, "SHA256,Build,Path\n");
  fprintf(f, "%s,15.1.2176.2,\\FrontEnd\\HttpProxy\\owa\\auth\\logon.aspx\n",
          e->stock_hash);
  fprintf(f, "%s,15.1.2176.2,\\FrontEnd\\HttpProxy\\owa\\auth\\other.aspx\n",
          chop);
  fclose(f);
  o.baseline_dir = dir;
  if (sp_filescan_create(&o, &e->fs_bl, &d) != SP_OK)
    return -1;
  *state = e;
  return 0;
}

static void rm_rf(const char *dir) {
  char cmd[600];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
  assert_int_equal(system(cmd), 0);
}

static int teardown(void **state) {
  env *e = *state;
  sp_filescan_destroy(e->fs);
  sp_filescan_destroy(e->fs_bl);
  rm_rf(e->tmp);
  free(e);
  return 0;
}

/* ---- the file event ------------------------------------------------------ */

static void test_event_abc(void **state) {
  env *e = *state;
  cap c;
  read_file_event(e->fs, "/case/web/Notes.TXT", "abc", 3, MTIME, &c);
  assert_int_equal(c.events, 1);
  assert_int_equal(c.kind, SP_SRC_FILE);
  assert_int_equal(c.ref, SP_REF_OFFSET);
  assert_int_equal(c.file_id, 5);
  assert_int_equal(c.offset, 0);
  assert_int_equal(c.ts, MTIME);
  /* RFC 1321 A.5 and FIPS 180 example "abc" */
  assert_string_equal(val(&c, "file.hash.md5", 0),
                      "900150983cd24fb0d6963f7d28e17f72");
  assert_string_equal(val(&c, "file.hash.sha1", 0),
                      "a9993e364706816aba3e25717850c26c9cd0d89d");
  assert_string_equal(
      val(&c, "file.hash.sha256", 0),
      "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  assert_true(c.have_size);
  assert_int_equal(c.size, 3);
  assert_string_equal(val(&c, "file.size", 0), "3");
  assert_true(c.have_mtime);
  assert_int_equal(c.mtime, MTIME);
  assert_string_equal(val(&c, "file.mtime", 0), "2021-03-03T06:59:13.123Z");
  assert_string_equal(val(&c, "file.path", 0), "/case/web/Notes.TXT");
  assert_string_equal(val(&c, "file.name", 0), "Notes.TXT");
  assert_string_equal(val(&c, "file.extension", 0), "TXT");
  assert_string_equal(val(&c, "file.stock", 0), "unknown");
  assert_int_equal(count(&c, "file.stock"), 1);
  assert_int_equal(count(&c, "yara.rule"), 0);
  assert_int_equal(count(&c, "yara.strings"), 0);
  assert_string_equal(c.note, "");
}

/* One million 'a' arrives in many reads (the buffer grows from 64 KiB). */
static void test_event_million_a(void **state) {
  env *e = *state;
  size_t n = 1000000;
  char *a = malloc(n);
  assert_non_null(a);
  memset(a, 'a', n);
  cap c;
  read_file_event(e->fs, "/x/a", a, n, INT64_MIN, &c);
  free(a);
  /* FIPS 180-1 and 180-2 examples; the MD5 of the same input */
  assert_string_equal(val(&c, "file.hash.sha1", 0),
                      "34aa973cd4c4daa4f61eeb2bdbad27316534016f");
  assert_string_equal(
      val(&c, "file.hash.sha256", 0),
      "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
  assert_string_equal(val(&c, "file.hash.md5", 0),
                      "7707d6ae4e027c70eea2a935c2296f21");
  assert_int_equal(c.size, 1000000);
  /* no time known, no extension */
  assert_false(c.have_mtime);
  assert_null(val(&c, "file.mtime", 0));
  assert_int_equal(c.ts, INT64_MIN);
  assert_null(val(&c, "file.extension", 0));
  assert_string_equal(val(&c, "file.name", 0), "a");
}

static void test_event_yara(void **state) {
  env *e = *state;
  cap c;
  read_file_event(e->fs, "/web/owa/auth/x.aspx", k_chopper, strlen(k_chopper),
                  MTIME, &c);
  assert_int_equal(count(&c, "yara.rule"), 1);
  assert_string_equal(val(&c, "yara.rule", 0), CHOPPER_KEY);
  assert_int_equal(count(&c, "yara.strings"), 1);
  assert_string_equal(val(&c, "yara.strings", 0),
                      CHOPPER_KEY " $eval_unsafe@0x1d");
  assert_string_equal(val(&c, "file.stock", 0), "unknown");
  /* an empty file: hashes of nothing, no match */
  read_file_event(e->fs, "/web/empty.aspx", "", 0, MTIME, &c);
  assert_int_equal(c.events, 1);
  assert_int_equal(c.size, 0);
  assert_string_equal(val(&c, "file.hash.md5", 0),
                      "d41d8cd98f00b204e9800998ecf8427e");
  assert_int_equal(count(&c, "yara.rule"), 0);
}

static void test_event_stock(void **state) {
  env *e = *state;
  cap c;
  /* a baseline's hash: stock, and not YARA-scanned (the chopper's hash is
     in this test baseline) */
  read_file_event(e->fs_bl, "/anywhere/shell.aspx", k_chopper,
                  strlen(k_chopper), MTIME, &c);
  assert_string_equal(val(&c, "file.stock", 0), "stock");
  assert_int_equal(count(&c, "file.stock"), 1);
  assert_int_equal(count(&c, "yara.rule"), 0);
  /* other content at a stock path */
  read_file_event(e->fs_bl, "/ev/V15/FrontEnd/HttpProxy/owa/auth/logon.aspx",
                  "<html>changed</html>", 20, MTIME, &c);
  assert_string_equal(val(&c, "file.stock", 0), "modified");
  assert_int_equal(count(&c, "file.stock"), 1);
  assert_string_equal(val(&c, "spoor.stock.path", 0),
                      "frontend/httpproxy/owa/auth/logon.aspx");
  assert_string_equal(val(&c, "spoor.stock.builds", 0), "1");
  /* the stock content there: stock */
  read_file_event(e->fs_bl, "/ev/V15/FrontEnd/HttpProxy/owa/auth/logon.aspx",
                  k_stock_page, strlen(k_stock_page), MTIME, &c);
  assert_string_equal(val(&c, "file.stock", 0), "stock");
  /* a look-alike name */
  read_file_event(e->fs, "/x/owa/auth/RedirSuiteServerProxy.aspx", "x", 1,
                  MTIME, &c);
  assert_string_equal(val(&c, "file.stock", 0),
                      "lookalike:RedirSuiteServiceProxy.aspx");
  assert_string_equal(val(&c, "spoor.stock.edits", 0), "3");
  assert_null(val(&c, "spoor.stock.path", 0));
}

/* A rule with 20 matched strings: 16 in rule order, then the earliest; the
 * finding names the first three and points at the earliest. */
static void test_event_strings_cap(void **state) {
  env *e = *state;
  char rules[300], p[400];
  snprintf(rules, sizeof rules, "%s/many.yar", e->tmp);
  char text[2048];
  size_t n = (size_t)snprintf(text, sizeof text, "rule many { strings:");
  for (int i = 0; i < 20; i++)
    n += (size_t)snprintf(text + n, sizeof text - n, " $s%02d = \"S%02d\"", i,
                          i);
  snprintf(text + n, sizeof text - n, " condition: all of them }\n");
  write_file(rules, text, strlen(text));
  const char *paths[] = {rules};
  sp_opts o = {0};
  o.yara_paths = paths;
  o.n_yara = 1;
  o.no_builtin_yara = 1;
  sp_diag d;
  sp_filescan *fs;
  assert_int_equal(sp_filescan_create(&o, &fs, &d), SP_OK);
  n = (size_t)snprintf(p, sizeof p, "S19");
  for (int i = 0; i < 19; i++)
    n += (size_t)snprintf(p + n, sizeof p - n, " S%02d", i);
  cap c;
  read_file_event(fs, "/x/page.aspx", p, strlen(p), MTIME, &c);
  assert_string_equal(val(&c, "yara.rule", 0), "many.yar:many");
  assert_int_equal(count(&c, "yara.strings"), SP_FS_EVENT_STRINGS + 1);
  assert_string_equal(val(&c, "yara.strings", 0), "many.yar:many $s00@0x4");
  assert_string_equal(val(&c, "yara.strings", SP_FS_EVENT_STRINGS - 1),
                      "many.yar:many $s15@0x40");
  assert_string_equal(val(&c, "yara.strings", SP_FS_EVENT_STRINGS),
                      "many.yar:many $s19@0x0");
  /* through the detector (sp_filescan_buffer runs reader and detector) */
  sp_filescan_worker *w;
  assert_int_equal(sp_filescan_worker_create(fs, &w), SP_OK);
  sp_fset *set;
  assert_int_equal(sp_fset_create(&set), SP_OK);
  sp_filescan_result res;
  sp_filescan_buffer(w, 1, "/x/page.aspx", (const uint8_t *)p, strlen(p), MTIME,
                     set, &res);
  assert_int_equal(sp_fset_count(set), 1);
  assert_true(res.flagged); /* no score or level: high */
  sp_filescan_worker_destroy(w);
  sp_fset_destroy(set);
  sp_filescan_destroy(fs);
}

/* ---- the webshell_file detector on hand-built events --------------------- */

#define MAX_FOUND 8

typedef struct found {
  size_t n;
  char id[MAX_FOUND][128];
  char reason[MAX_FOUND][SP_MAX_REASON_LEN + 1];
  uint64_t where[MAX_FOUND];
  sp_ref_kind kind[MAX_FOUND];
  uint32_t file_id[MAX_FOUND];
  int64_t first[MAX_FOUND];
  sp_level level[MAX_FOUND];
  size_t n_ent[MAX_FOUND];
  char ent[MAX_FOUND][2][200];
} found;

static void found_one(const sp_agg *a, void *user) {
  found *f = user;
  if (f->n >= MAX_FOUND)
    return;
  size_t i = f->n++;
  snprintf(f->id[i], sizeof f->id[i], "%s", a->rule->id);
  snprintf(f->reason[i], sizeof f->reason[i], "%s", a->reason ? a->reason : "");
  f->where[i] = a->refs[0].where;
  f->kind[i] = a->refs[0].kind;
  f->file_id[i] = a->refs[0].file_id;
  f->first[i] = a->first;
  f->level[i] = a->rule->level;
  f->n_ent[i] = a->n_ent;
  for (size_t k = 0; k < a->n_ent && k < 2; k++)
    snprintf(f->ent[i][k], sizeof f->ent[i][k], "%s=%s", a->ent_field[k],
             a->ent_value[k]);
}

typedef struct det {
  sp_names *nm;
  sp_input in[1];
  void *st;
  sp_event ev;
  sp_fval vals[64];
} det;

static void det_open(det *d, sp_filescan *fs) {
  memset(d, 0, sizeof *d);
  assert_int_equal(sp_names_create(&d->nm), SP_OK);
  d->in[0] = (sp_input){"filescan", fs};
  sp_dctx ctx = {.inputs = d->in, .n_inputs = 1, .names = d->nm, .workers = 1};
  const sp_detector_vt *vt = NULL;
  for (size_t i = 0; sp_detectors[i]; i++)
    if (strcmp(sp_detectors[i]->name, "webshell_file") == 0)
      vt = sp_detectors[i];
  assert_non_null(vt);
  assert_int_equal(vt->phases, SP_PHASE_FILES);
  d->st = vt->create(&ctx);
  assert_non_null(d->st);
}

static void det_close(det *d) {
  for (size_t i = 0; sp_detectors[i]; i++)
    if (strcmp(sp_detectors[i]->name, "webshell_file") == 0)
      sp_detectors[i]->destroy(d->st);
  sp_names_destroy(d->nm);
}

/* A file event with the usual fields. */
static void ev_file(det *d, const char *path, const char *sha256) {
  sp_event_init(&d->ev, d->vals, 64);
  d->ev.kind = SP_SRC_FILE;
  d->ev.ref = SP_REF_OFFSET;
  d->ev.file_id = 9;
  d->ev.ts = MTIME;
  sp_event_set(&d->ev, SP_F_FILE_PATH, sp_str_make(path, strlen(path)));
  sp_str base = sp_str_basename(sp_str_make(path, strlen(path)));
  sp_event_set(&d->ev, SP_F_FILE_NAME, base);
  if (sha256)
    sp_event_set(&d->ev, SP_F_FILE_SHA256, sp_str_make(sha256, strlen(sha256)));
}

static void ev_add(det *d, const char *name, const char *v) {
  int id = sp_names_field(d->nm, name, strlen(name));
  assert_true(id >= 0);
  assert_non_null(
      sp_event_add_typed(&d->ev, id, sp_str_make(v, strlen(v)), SP_T_STR));
}

static void det_run(det *d, found *f) {
  sp_fset *set;
  assert_int_equal(sp_fset_create(&set), SP_OK);
  for (size_t i = 0; sp_detectors[i]; i++)
    if (strcmp(sp_detectors[i]->name, "webshell_file") == 0)
      sp_detectors[i]->on_event(d->st, &d->ev, set);
  memset(f, 0, sizeof *f);
  sp_fset_foreach(set, found_one, f);
  sp_fset_destroy(set);
}

#define SHA "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

static void test_detector_yara(void **state) {
  env *e = *state;
  det d;
  det_open(&d, e->fs);
  found f;
  ev_file(&d, "/web/owa/auth/x.aspx", SHA);
  ev_add(&d, "file.stock", "unknown");
  ev_add(&d, "yara.rule", CHOPPER_KEY);
  ev_add(&d, "yara.strings", CHOPPER_KEY " $eval_unsafe@0x1d");
  ev_add(&d, "yara.strings", CHOPPER_KEY "_other $z@0x1"); /* another rule */
  ev_add(&d, "yara.strings", CHOPPER_KEY " $x@0x5");
  det_run(&d, &f);
  assert_int_equal(f.n, 1);
  assert_string_equal(f.id[0], "yara.spoor_webshell_chopper_oneliner");
  assert_int_equal(f.level[0], SP_LEVEL_CRITICAL);
  assert_string_equal(f.reason[0],
                      "YARA " CHOPPER_KEY " matched $eval_unsafe@0x1d, $x@0x5");
  assert_int_equal(f.where[0], 5);
  assert_int_equal(f.kind[0], SP_REF_OFFSET);
  assert_int_equal(f.file_id[0], 9);
  assert_int_equal(f.first[0], MTIME);
  assert_int_equal(f.n_ent[0], 2);
  assert_string_equal(f.ent[0][0], "file.path=/web/owa/auth/x.aspx");
  assert_string_equal(f.ent[0][1], "file.hash.sha256=" SHA);

  /* matched by its condition alone; no hash: the path is the entity */
  ev_file(&d, "/web/y.aspx", NULL);
  ev_add(&d, "yara.rule", CHOPPER_KEY);
  det_run(&d, &f);
  assert_int_equal(f.n, 1);
  assert_string_equal(f.reason[0],
                      "YARA " CHOPPER_KEY " matched (condition only)");
  assert_int_equal(f.where[0], 0);
  assert_int_equal(f.n_ent[0], 1);

  /* a rule this scanner does not have, another kind of event, a stock
     file: nothing */
  ev_file(&d, "/web/z.aspx", SHA);
  ev_add(&d, "yara.rule", "nowhere.yar:no_such_rule");
  det_run(&d, &f);
  assert_int_equal(f.n, 0);
  ev_file(&d, "/web/z.aspx", SHA);
  ev_add(&d, "yara.rule", CHOPPER_KEY);
  d.ev.kind = SP_SRC_IIS;
  det_run(&d, &f);
  assert_int_equal(f.n, 0);
  ev_file(&d, "/web/z.aspx", SHA);
  ev_add(&d, "file.stock", "stock");
  ev_add(&d, "yara.rule", CHOPPER_KEY);
  det_run(&d, &f);
  assert_int_equal(f.n, 0);
  det_close(&d);
}

static void test_detector_stock(void **state) {
  env *e = *state;
  det d;
  det_open(&d, e->fs);
  found f;
  ev_file(&d, "/ev/V15/FrontEnd/HttpProxy/owa/auth/logon.aspx", SHA);
  ev_add(&d, "file.stock", "modified");
  ev_add(&d, "spoor.stock.path", "frontend/httpproxy/owa/auth/logon.aspx");
  ev_add(&d, "spoor.stock.builds", "2");
  det_run(&d, &f);
  assert_int_equal(f.n, 1);
  assert_string_equal(f.id[0], "spoor.file.modified_stock_file");
  assert_int_equal(f.level[0], SP_LEVEL_HIGH);
  assert_string_equal(f.reason[0],
                      "stock file frontend/httpproxy/owa/auth/logon.aspx has "
                      "SHA-256 " SHA ", found in none of 2 baseline build(s)");
  assert_int_equal(f.where[0], 0);

  ev_file(&d, "C:\\x\\owa\\auth\\RedirSuiteServerProxy.aspx", SHA);
  ev_add(&d, "file.stock", "lookalike:RedirSuiteServiceProxy.aspx");
  ev_add(&d, "spoor.stock.edits", "3");
  det_run(&d, &f);
  assert_int_equal(f.n, 1);
  assert_string_equal(f.id[0], "spoor.file.stock_lookalike");
  assert_string_equal(f.reason[0],
                      "RedirSuiteServerProxy.aspx imitates stock Exchange "
                      "file RedirSuiteServiceProxy.aspx (3 edits)");
  ev_file(&d, "/x/owa/auth/OutlookEN.aspx", SHA);
  ev_add(&d, "file.stock", "lookalike:OutlookCN.aspx");
  ev_add(&d, "spoor.stock.edits", "1");
  det_run(&d, &f);
  assert_string_equal(f.reason[0], "OutlookEN.aspx imitates stock Exchange "
                                   "file OutlookCN.aspx (1 edit)");
  /* both at once, as the file scanner may say */
  ev_file(&d, "/x/page.aspx", SHA);
  ev_add(&d, "file.stock", "modified");
  ev_add(&d, "file.stock", "lookalike:OutlookCN.aspx");
  det_run(&d, &f);
  assert_int_equal(f.n, 2);
  /* an unknown page: "unknown" with the folder it sits in */
  ev_file(&d, "/ev/inetpub/wwwroot/aspnet_client/system_web/xyz.aspx", SHA);
  ev_add(&d, "file.stock", "unknown");
  ev_add(&d, "spoor.stock.folder", "aspnet_client");
  det_run(&d, &f);
  assert_int_equal(f.n, 1);
  assert_string_equal(f.id[0], "spoor.file.unknown_page");
  assert_int_equal(f.level[0], SP_LEVEL_MEDIUM);
  assert_string_equal(f.reason[0], "page xyz.aspx in aspnet_client is no "
                                   "stock Exchange file and in no loaded "
                                   "baseline");
  /* "unknown" alone (no folder) gives nothing */
  ev_file(&d, "/ev/site/xyz.aspx", SHA);
  ev_add(&d, "file.stock", "unknown");
  det_run(&d, &f);
  assert_int_equal(f.n, 0);
  det_close(&d);
}

/* The reader's event through the detector gives what the file scanner has
 * always given (the same as test_filescan.c through sp_filescan_buffer). */
static void test_detector_on_reader_event(void **state) {
  env *e = *state;
  sp_filescan_worker *w;
  assert_int_equal(sp_filescan_worker_create(e->fs, &w), SP_OK);
  sp_fset *set;
  assert_int_equal(sp_fset_create(&set), SP_OK);
  sp_filescan_result res;
  sp_filescan_buffer(w, 4, "/web/owa/x.aspx", (const uint8_t *)k_chopper,
                     strlen(k_chopper), MTIME, set, &res);
  found f;
  memset(&f, 0, sizeof f);
  sp_fset_foreach(set, found_one, &f);
  assert_int_equal(f.n, 1);
  assert_string_equal(f.reason[0],
                      "YARA " CHOPPER_KEY " matched $eval_unsafe@0x1d");
  assert_int_equal(f.where[0], 0x1d);
  assert_int_equal(f.file_id[0], 4);
  assert_true(res.flagged);
  sp_fset_destroy(set);
  sp_filescan_worker_destroy(w);
}

/* ---- the files phase through the engine ---------------------------------- */

static sp_result *hunt_dir(const char *dir, const sp_opts *o) {
  sp_engine *eng;
  sp_diag d = {0};
  assert_int_equal(sp_engine_create(o, &eng, &d), SP_OK);
  sp_result *r;
  const char *paths[] = {dir};
  assert_int_equal(sp_engine_hunt(eng, paths, 1, &r, &d), SP_OK);
  sp_engine_destroy(eng);
  return r;
}

static const sp_finding *find_rule(const sp_result *r, const char *rule) {
  for (size_t i = 0; i < sp_result_finding_count(r); i++)
    if (strcmp(sp_result_finding(r, i)->rule_id, rule) == 0)
      return sp_result_finding(r, i);
  return NULL;
}

static const char *entity(const sp_finding *f, const char *field) {
  for (size_t i = 0; i < f->n_entities; i++)
    if (strcmp(f->entities[i].field, field) == 0)
      return f->entities[i].value;
  return NULL;
}

static const sp_file_cov *cov_of(const sp_result *r, const char *suffix) {
  for (size_t i = 0; i < sp_result_file_count(r); i++) {
    const sp_file_cov *f = sp_result_file(r, i);
    size_t n = strlen(f->path), m = strlen(suffix);
    if (n >= m && strcmp(f->path + n - m, suffix) == 0)
      return f;
  }
  return NULL;
}

/* A real file of `size` bytes: text at offset `at`, zeros elsewhere (a
 * sparse file: quick to write, read like any other). */
static void write_sparse(const char *path, const char *text, off_t at,
                         off_t size) {
  int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
  assert_true(fd >= 0);
  assert_int_equal(ftruncate(fd, size), 0);
  assert_int_equal(pwrite(fd, text, strlen(text), at), (ssize_t)strlen(text));
  assert_int_equal(close(fd), 0);
}

/* The SHA-256 of a sparse file's content, computed here. */
static void sparse_sha256(const char *text, off_t at, off_t size,
                          char out[65]) {
  char *data = calloc(1, (size_t)size);
  assert_non_null(data);
  memcpy(data + at, text, strlen(text));
  sha256_hex(data, (size_t)size, out);
  free(data);
}

/* The 64 MiB bug: a page one byte over the YARA limit with a shell at byte
 * 0 was not scanned at all while its note said 64 MiB were. */
static void test_engine_big_page_head(void **state) {
  env *e = *state;
  char dir[300], p[400];
  snprintf(dir, sizeof dir, "%s/big1", e->tmp);
  assert_int_equal(mkdir(dir, 0700), 0);
  snprintf(p, sizeof p, "%s/big.aspx", dir);
  off_t size = (off_t)SP_FILESCAN_MAX_YARA_BYTES + 1;
  write_sparse(p, k_chopper, 0, size);
  sp_opts o = {.jobs = 2};
  sp_result *r = hunt_dir(dir, &o);
  const sp_finding *f = find_rule(r, "yara.spoor_webshell_chopper_oneliner");
  assert_non_null(f);
  assert_int_equal(f->level, SP_LEVEL_CRITICAL);
  assert_int_equal(f->n_evidence, 1);
  assert_int_equal(f->evidence[0].kind, SP_REF_OFFSET);
  assert_int_equal(f->evidence[0].where, 0x1d);
  char h[65];
  sparse_sha256(k_chopper, 0, size, h);
  assert_string_equal(entity(f, "file.hash.sha256"), h);
  const sp_file_cov *c = cov_of(r, "big.aspx");
  assert_non_null(c);
  assert_string_equal(c->source, "file");
  assert_null(c->error);
  assert_int_equal(c->events, 1);
  assert_int_equal(c->bytes, (uint64_t)size);
  assert_non_null(c->note);
  assert_non_null(strstr(c->note, "67108865 bytes: larger than the YARA "
                                  "limit of 64 MiB, only the first 64 MiB "
                                  "scanned; 1 bytes after them were not "
                                  "YARA-scanned"));
  assert_int_equal(sp_result_problems(r), 0);
  sp_result_destroy(r);
}

/* Past the first 64 MiB a shell is not found (the documented limit), and the
 * note says that part was not YARA-scanned. */
static void test_engine_big_page_tail(void **state) {
  env *e = *state;
  char dir[300], p[400];
  snprintf(dir, sizeof dir, "%s/big2", e->tmp);
  assert_int_equal(mkdir(dir, 0700), 0);
  snprintf(p, sizeof p, "%s/tail.aspx", dir);
  off_t at = (off_t)SP_FILESCAN_MAX_YARA_BYTES;
  off_t size = at + (off_t)strlen(k_chopper);
  write_sparse(p, k_chopper, at, size);
  sp_opts o = {.jobs = 1};
  sp_result *r = hunt_dir(dir, &o);
  assert_null(find_rule(r, "yara.spoor_webshell_chopper_oneliner"));
  const sp_file_cov *c = cov_of(r, "tail.aspx");
  assert_non_null(c);
  assert_null(c->error);
  assert_non_null(c->note);
  char want[200];
  snprintf(want, sizeof want,
           "%llu bytes after them were not YARA-scanned (the hashes cover "
           "the whole file)",
           (unsigned long long)strlen(k_chopper));
  assert_non_null(strstr(c->note, want));
  /* and it is a limit: counted, on the terminal and for --strict */
  assert_int_equal(sp_result_limit_count(r), 1);
  assert_string_equal(sp_result_limit(r, 0)->name, "yara.size_cut");
  assert_int_equal(sp_result_limit(r, 0)->count, 1);
  sp_result_destroy(r);
}

/* What the files phase flags reaches the log phase ("flagged_names"). */
static void test_engine_flagged_reaches_logs(void **state) {
  env *e = *state;
  char dir[300], p[400];
  snprintf(dir, sizeof dir, "%s/flag", e->tmp);
  assert_int_equal(mkdir(dir, 0700), 0);
  snprintf(p, sizeof p, "%s/hsx.aspx", dir);
  write_file(p, k_chopper, strlen(k_chopper));
  static const char iis[] =
      "#Software: Microsoft Internet Information Services 10.0\r\n"
      "#Fields: date time s-ip cs-method cs-uri-stem cs-uri-query s-port "
      "cs-username c-ip cs(User-Agent) sc-status\r\n"
      "2021-03-04 10:00:00 10.0.0.5 POST /owa/hsx.aspx - 443 - 203.0.113.9 "
      "curl/7.1 200\r\n";
  snprintf(p, sizeof p, "%s/u_ex210304.log", dir);
  write_file(p, iis, strlen(iis));
  sp_opts o = {.jobs = 2};
  sp_result *r = hunt_dir(dir, &o);
  assert_non_null(find_rule(r, "yara.spoor_webshell_chopper_oneliner"));
  const sp_finding *f = find_rule(r, "spoor.iis.webshell.flagged_file_access");
  assert_non_null(f);
  assert_string_equal(entity(f, "url.path"), "/owa/hsx.aspx");
  const sp_file_cov *c = cov_of(r, "hsx.aspx");
  assert_int_equal(c->events, 1);
  assert_int_equal(c->first_ns, INT64_MIN); /* a file has no time span */
  sp_result_destroy(r);

  /* without the file reader nothing is scanned, and coverage says so */
  const char *off[] = {"file"};
  o.disable = off;
  o.n_disable = 1;
  r = hunt_dir(dir, &o);
  assert_null(find_rule(r, "yara.spoor_webshell_chopper_oneliner"));
  assert_null(find_rule(r, "spoor.iis.webshell.flagged_file_access"));
  c = cov_of(r, "hsx.aspx");
  assert_non_null(c->note);
  assert_non_null(strstr(c->note, "no file reader"));
  sp_result_destroy(r);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_event_abc),
      cmocka_unit_test(test_event_million_a),
      cmocka_unit_test(test_event_yara),
      cmocka_unit_test(test_event_stock),
      cmocka_unit_test(test_event_strings_cap),
      cmocka_unit_test(test_detector_yara),
      cmocka_unit_test(test_detector_stock),
      cmocka_unit_test(test_detector_on_reader_event),
      cmocka_unit_test(test_engine_big_page_head),
      cmocka_unit_test(test_engine_big_page_tail),
      cmocka_unit_test(test_engine_flagged_reaches_logs),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
