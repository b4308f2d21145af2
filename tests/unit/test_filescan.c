/*
 * test_filescan.c - unit tests of the file scanner (src/filescan) with inline
 * fixtures written here: China Chopper one-liner and script block, an OAB
 * virtual-directory export carrying a script, generic ASPX shells, benign
 * pages, stock-name look-alikes, and a Microsoft-style baseline folder built
 * in a temporary directory. Asserts the exact rule ids found per input.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <dirent.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "filescan/filescan.h"
#include "filescan/filescan_internal.h"

/* ---- fixtures ------------------------------------------------------------ */

static const char k_chopper_oneliner[] =
    "<%@ Page Language=\"Jscript\"%><%eval(Request.Item[\"z9\"],\"unsafe\");%>";

static const char k_chopper_block[] =
    "<script language=\"JScript\" runat=\"server\">\n"
    "function Page_Load(){\n"
    "  eval(Request[\"k\"],\"unsafe\");\n"
    "}\n"
    "</script>\n";

#define OAB_HEAD                                                               \
  "\r\n\r\nRunspaceId                      : "                                 \
  "11111111-2222-3333-4444-555555555555\r\n"                                   \
  "PollInterval                    : 480\r\n"                                  \
  "OfflineAddressBooks             : \r\n"                                     \
  "RequireSSL                      : True\r\n"                                 \
  "MetabasePath                    : "                                         \
  "IIS://MX1.example.org/W3SVC/1/ROOT/OAB\r\n"                                 \
  "Path                            : C:\\Program Files\\Microsoft\\Exchange "  \
  "Server\\V15\\FrontEnd\\HttpProxy\\OAB\r\n"                                  \
  "ExtendedProtectionTokenChecking : None\r\n"                                 \
  "Server                          : MX1\r\n"                                  \
  "InternalUrl                     : https://mx1.example.org/OAB\r\n"          \
  "InternalAuthenticationMethods   : WindowsIntegrated\r\n"
#define OAB_TAIL                                                               \
  "ExternalAuthenticationMethods   : WindowsIntegrated\r\n"                    \
  "Name                            : OAB (Default Web Site)\r\n"               \
  "ObjectClass                     : {top, msExchVirtualDirectory, "           \
  "msExchOABVirtualDirectory}\r\n"                                             \
  "IsValid                         : True\r\n\r\n"

static const char k_oab_webshell[] = OAB_HEAD
    "ExternalUrl                     : http://a/<script "
    "language=\"JScript\" runat=\"server\">function "
    "Page_Load(){eval(Request[\"q\"],\"unsafe\");}</script>\r\n" OAB_TAIL;

static const char k_oab_benign[] =
    OAB_HEAD "ExternalUrl                     : "
             "https://mail.example.org/OAB\r\n" OAB_TAIL;

static const char k_logon_benign[] =
    "<%@ Page Language=\"C#\" AutoEventWireup=\"true\" %>\n"
    "<script runat=\"server\">\n"
    "protected void Page_Load(object sender, EventArgs e) {\n"
    "  string user = Request.Form[\"username\"];\n"
    "  if (!string.IsNullOrEmpty(user)) Response.Redirect(\"/owa/\");\n"
    "}\n"
    "</script>\n"
    "<html><head><title>Outlook</title></head><body>\n"
    "<form method=\"post\" action=\"/owa/auth.owa\">\n"
    "<input type=\"text\" name=\"username\"/>\n"
    "<input type=\"password\" name=\"password\"/>\n"
    "<input type=\"submit\" value=\"sign in\"/></form></body></html>\n";

static const char k_process_exec[] =
    "<%@ Page Language=\"C#\" %>\n"
    "<%@ Import Namespace=\"System.Diagnostics\" %>\n"
    "<script runat=\"server\">\n"
    "void Page_Load(object s, EventArgs e) {\n"
    "  var psi = new ProcessStartInfo(\"cmd.exe\", \"/c \" + "
    "Request.Form[\"c\"]);\n"
    "  psi.UseShellExecute = false; psi.RedirectStandardOutput = true;\n"
    "  var p = Process.Start(psi);\n"
    "  Response.Write(p.StandardOutput.ReadToEnd());\n"
    "}\n"
    "</script>\n";

static const char k_loader[] =
    "<%@ Page Language=\"C#\" %><% System.Reflection.Assembly.Load("
    "Convert.FromBase64String(Request.Form[\"d\"])).CreateInstance(\"P\")"
    ".Equals(this); %>";

static const char k_upload[] =
    "<%@ Page Language=\"C#\" %><% if (Request.Files.Count > 0) { "
    "HttpPostedFile f = Request.Files[0]; "
    "f.SaveAs(Server.MapPath(\"~/\") + f.FileName); } %>";

/* ---- helpers ------------------------------------------------------------- */

#define MAX_GOT 32

typedef struct got {
  size_t n;
  char id[MAX_GOT][128];
  char reason[MAX_GOT][SP_MAX_REASON_LEN + 1];
  char hash[MAX_GOT][80];
  uint64_t where[MAX_GOT];
  int64_t first[MAX_GOT];
  sp_level level[MAX_GOT];
  char techniques[MAX_GOT][64];
  char cve[MAX_GOT][32];
  char ruleset[MAX_GOT][64];
  char author[MAX_GOT][64];
} got;

static void collect_one(const sp_agg *a, void *user) {
  got *g = user;
  if (g->n >= MAX_GOT)
    return;
  size_t i = g->n++;
  snprintf(g->id[i], sizeof g->id[i], "%s", a->rule->id);
  snprintf(g->reason[i], sizeof g->reason[i], "%s", a->reason ? a->reason : "");
  snprintf(g->techniques[i], sizeof g->techniques[i], "%s",
           a->rule->techniques);
  snprintf(g->cve[i], sizeof g->cve[i], "%s", a->rule->cve);
  snprintf(g->ruleset[i], sizeof g->ruleset[i], "%s", a->rule->ruleset);
  snprintf(g->author[i], sizeof g->author[i], "%s", a->rule->author);
  g->level[i] = a->rule->level;
  g->hash[i][0] = 0;
  for (size_t k = 0; k < a->n_ent; k++)
    if (strcmp(a->ent_field[k], "file.hash.sha256") == 0)
      snprintf(g->hash[i], sizeof g->hash[i], "%s", a->ent_value[k]);
  g->where[i] = a->n_refs ? a->refs[0].where : UINT64_MAX;
  g->first[i] = a->first;
}

static void collect(sp_fset *set, got *g) {
  memset(g, 0, sizeof *g);
  sp_fset_foreach(set, collect_one, g);
}

static int find_id(const got *g, const char *id) {
  for (size_t i = 0; i < g->n; i++)
    if (strcmp(g->id[i], id) == 0)
      return (int)i;
  return -1;
}

/* Assert the set of rule ids is exactly the NULL-terminated list. */
static void expect_ids(const got *g, const char *const *ids) {
  size_t n = 0;
  for (; ids[n]; n++) {
    if (find_id(g, ids[n]) < 0)
      fail_msg("missing finding %s", ids[n]);
  }
  if (g->n != n) {
    for (size_t i = 0; i < g->n; i++)
      print_message("  got %s (%s)\n", g->id[i], g->reason[i]);
    fail_msg("expected %zu findings, got %zu", n, g->n);
  }
}

typedef struct env {
  char tmp[256];
  sp_filescan *fs;    /* built-in rules, no baseline */
  sp_filescan *fs_bl; /* built-in rules and the test baseline */
  sp_filescan_worker *w, *w_bl;
} env;

static void sha256_hex(const void *d, size_t n, char out[65], bool upper) {
  unsigned char md[32];
  unsigned int len = 0;
  EVP_Digest(d, n, md, &len, EVP_sha256(), NULL);
  const char *hex = upper ? "0123456789ABCDEF" : "0123456789abcdef";
  for (size_t i = 0; i < 32; i++) {
    out[2 * i] = hex[md[i] >> 4];
    out[2 * i + 1] = hex[md[i] & 15];
  }
  out[64] = 0;
}

static void write_file(const char *path, const void *data, size_t n) {
  FILE *f = fopen(path, "wb");
  assert_non_null(f);
  assert_int_equal(fwrite(data, 1, n, f), n);
  assert_int_equal(fclose(f), 0);
}

static void mkdirs(const char *path) {
  char buf[1024];
  size_t n = strlen(path);
  assert_true(n < sizeof buf);
  memcpy(buf, path, n + 1);
  for (char *p = buf + 1; *p; p++) {
    if (*p == '/') {
      *p = 0;
      mkdir(buf, 0700);
      *p = '/';
    }
  }
  mkdir(buf, 0700);
}

static void rm_rf(const char *path) {
  struct stat st;
  if (lstat(path, &st) != 0)
    return;
  if (S_ISDIR(st.st_mode)) {
    DIR *d = opendir(path);
    if (d) {
      struct dirent *de;
      while ((de = readdir(d)) != NULL) {
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
          continue;
        char sub[1024];
        snprintf(sub, sizeof sub, "%s/%s", path, de->d_name);
        rm_rf(sub);
      }
      closedir(d);
    }
    rmdir(path);
  } else {
    unlink(path);
  }
}

static int setup(void **state) {
  env *e = calloc(1, sizeof *e);
  if (!e)
    return -1;
  const char *t = getenv("TMPDIR");
  snprintf(e->tmp, sizeof e->tmp, "%s/spoor_fs_XXXXXX", t && *t ? t : "/tmp");
  if (!mkdtemp(e->tmp))
    return -1;
  sp_opts o = {0};
  sp_diag d = {0};
  if (sp_filescan_create(&o, &e->fs, &d) != SP_OK) {
    fprintf(stderr, "create: %s\n", d.msg);
    return -1;
  }
  /* a baseline folder: BOM, header, junk and an overlong line included */
  char dir[512], csv[600];
  snprintf(dir, sizeof dir, "%s/baselines", e->tmp);
  mkdirs(dir);
  char h_logon[65], h_chop[65];
  sha256_hex(k_logon_benign, strlen(k_logon_benign), h_logon, true);
  sha256_hex(k_chopper_oneliner, strlen(k_chopper_oneliner), h_chop, true);
  snprintf(csv, sizeof csv, "%s/baseline_15.1.2176.2_test.csv", dir);
  FILE *f = fopen(csv, "wb");
  if (!f)
    return -1;
  fprintf(f, "\xEF\xBB\xBFSHA256,Build,Path\n");
  fprintf(f, "%s,15.1.2176.2,\\FrontEnd\\HttpProxy\\owa\\auth\\logon.aspx\r\n",
          h_logon);
  fprintf(f, "%s,15.1.2176.2,\\FrontEnd\\HttpProxy\\owa\\auth\\frowny.aspx\n",
          h_chop);
  fprintf(f, "%064d,15.1.2176.2,\\FrontEnd\\HttpProxy\\owa\\web.config\n", 3);
  fprintf(f, "this is not a row\n");
  fputc('"', f);
  for (int i = 0; i < 6000; i++)
    fputc('A', f);
  fprintf(f, "\n");
  fprintf(f,
          "%064d,15.1.2176.2,\\ClientAccess\\ecp\\auth\\"
          "SessionKeeper.aspx\n",
          1);
  fclose(f);
  snprintf(csv, sizeof csv, "%s/baseline_15.2.792.3_test.csv", dir);
  f = fopen(csv, "wb");
  if (!f)
    return -1;
  fprintf(f, "%064d,15.2.792.3,ecp\\Custom\\Thing.aspx\n", 2);
  fclose(f);
  o.baseline_dir = dir;
  if (sp_filescan_create(&o, &e->fs_bl, &d) != SP_OK) {
    fprintf(stderr, "create with baseline: %s\n", d.msg);
    return -1;
  }
  if (sp_filescan_worker_create(e->fs, &e->w) != SP_OK ||
      sp_filescan_worker_create(e->fs_bl, &e->w_bl) != SP_OK)
    return -1;
  *state = e;
  return 0;
}

static int teardown(void **state) {
  env *e = *state;
  sp_filescan_worker_destroy(e->w);
  sp_filescan_worker_destroy(e->w_bl);
  sp_filescan_destroy(e->fs);
  sp_filescan_destroy(e->fs_bl);
  rm_rf(e->tmp);
  free(e);
  return 0;
}

/* Scan a buffer with a worker and collect the findings. */
static void scan_buf(sp_filescan_worker *w, const char *path, const char *data,
                     size_t n, got *g, sp_filescan_result *res) {
  sp_fset *set;
  assert_int_equal(sp_fset_create(&set), SP_OK);
  sp_filescan_buffer(w, 7, path, (const uint8_t *)data, n, 1000, set, res);
  assert_int_equal(sp_fset_error(set), SP_OK);
  collect(set, g);
  sp_fset_destroy(set);
}

static void scan_text(sp_filescan_worker *w, const char *path, const char *data,
                      got *g, sp_filescan_result *res) {
  scan_buf(w, path, data, strlen(data), g, res);
}

/* ---- tests: spoor's YARA rules ------------------------------------------- */

static void test_chopper_oneliner(void **state) {
  env *e = *state;
  got g;
  sp_filescan_result res;
  /* owa root: no unknown-page finding beside the YARA one */
  scan_text(e->w, "/web/owa/x.aspx", k_chopper_oneliner, &g, &res);
  expect_ids(&g,
             (const char *[]){"yara.spoor_webshell_chopper_oneliner", NULL});
  assert_true(res.flagged);
  assert_string_equal(res.error, "");
  assert_int_equal(g.level[0], SP_LEVEL_CRITICAL);
  assert_string_equal(g.ruleset[0], "spoor_webshells.yar");
  assert_string_equal(g.author[0], "spoor");
  assert_string_equal(g.techniques[0], "T1505.003");
  /* evidence: offset of the inline block after the page directive */
  assert_int_equal(g.where[0],
                   strstr(k_chopper_oneliner, "<%eval") - k_chopper_oneliner);
  assert_int_equal(g.first[0], 1000);
  assert_non_null(strstr(g.reason[0], "spoor_webshell_chopper_oneliner"));
  assert_non_null(strstr(g.reason[0], "$eval_unsafe@0x1d"));
  char h[65];
  sha256_hex(k_chopper_oneliner, strlen(k_chopper_oneliner), h, false);
  assert_string_equal(g.hash[0], h);
}

static void test_chopper_block(void **state) {
  env *e = *state;
  got g;
  sp_filescan_result res;
  scan_text(e->w, "/web/aspnet_client/system_web/a.aspx", k_chopper_block, &g,
            &res);
  expect_ids(&g, (const char *[]){"yara.spoor_webshell_chopper_scriptblock",
                                  "spoor.file.unknown_page", NULL});
  assert_true(res.flagged);
}

static void test_oab_export(void **state) {
  env *e = *state;
  got g;
  sp_filescan_result res;
  scan_text(e->w, "/web/owa/auth/rand0m.aspx", k_oab_webshell, &g, &res);
  expect_ids(&g, (const char *[]){"yara.spoor_webshell_oab_vdir_export",
                                  "yara.spoor_webshell_chopper_scriptblock",
                                  "spoor.file.unknown_page", NULL});
  int i = find_id(&g, "yara.spoor_webshell_oab_vdir_export");
  assert_string_equal(g.cve[i], "CVE-2021-27065");
  assert_string_equal(g.techniques[i], "T1190,T1505.003");
  assert_true(res.flagged);
}

static void test_benign_pages(void **state) {
  env *e = *state;
  got g;
  sp_filescan_result res;
  /* in owa/auth, a page of no stock name is an unknown page (medium) */
  scan_text(e->w, "/web/owa/auth/page1.aspx", k_logon_benign, &g, &res);
  expect_ids(&g, (const char *[]){"spoor.file.unknown_page", NULL});
  assert_false(res.flagged);
  scan_text(e->w, "/web/owa/page2.aspx", k_oab_benign, &g, &res);
  expect_ids(&g, (const char *[]){NULL});
  assert_false(res.flagged);
  scan_text(e->w, "/web/empty.aspx", "", &g, &res);
  expect_ids(&g, (const char *[]){NULL});
  assert_string_equal(res.error, "");
}

/* Detection rule files quote webshell strings: not reported as shells, but
 * the same text in a page IIS would execute still is. */
static void test_rule_sources(void **state) {
  env *e = *state;
  got g;
  sp_filescan_result res;
  const char *text = "rule Chopper_Test : webshell {\n"
                     "  strings:\n"
                     "    $a = \"<%eval(Request.Item['p'],'unsafe');%>\"\n"
                     "  condition:\n"
                     "    $a\n"
                     "}\n";
  scan_text(e->w, "/rules/webshells.yar", text, &g, &res);
  expect_ids(&g, (const char *[]){NULL});
  assert_false(res.flagged);
  scan_text(e->w, "/rules/webshells.YARA", text, &g, &res);
  expect_ids(&g, (const char *[]){NULL});
  /* The same bytes as an .aspx page: a fake rule block hides nothing. */
  scan_text(e->w, "/web/owa/auth/x.aspx", text, &g, &res);
  expect_ids(&g, (const char *[]){"yara.spoor_webshell_chopper_oneliner",
                                  "spoor.file.unknown_page", NULL});
  assert_true(res.flagged);
}

/* China Chopper variants beyond the one-liner, and benign pages that share
 * words with shells (client-side XMLHttpRequest, fixed admin commands, a
 * textbook upload form, a page name that is a stock name cut short). */
static void test_variants_and_lookalikes(void **state) {
  env *e = *state;
  got g;
  sp_filescan_result res;
  static const char *const shells[][2] = {
      {"<%@ Page Language=\"Jscript\"%><%eval(Request.Item[\"z\"]);%>",
       "yara.spoor_webshell_jscript_eval_request"},
      {"<%@ Page Language=\"JScript\"%><%var c=Request.Form[\"z\"];"
       "eval(c,\"unsafe\");%>",
       "yara.spoor_webshell_jscript_eval_request"},
      {"<%@ Page Language=\"Jscript\"%><%eval(System.Text.Encoding.UTF8."
       "GetString(System.Convert.FromBase64String(Request.Item[\"z\"])),"
       "\"unsafe\");%>",
       "yara.spoor_webshell_jscript_eval_request"},
      {"<%@ Page Language=\"C#\"%><%var p=new System.Diagnostics.Process();"
       "p.StartInfo=new System.Diagnostics.ProcessStartInfo(\"cmd\",\"/c \"+"
       "Request.Form[\"c\"]);p.Start();%>",
       "yara.spoor_webshell_aspx_process_exec"},
  };
  for (size_t i = 0; i < sizeof shells / sizeof shells[0]; i++) {
    scan_text(e->w, "/web/aspnet_client/v.aspx", shells[i][0], &g, &res);
    expect_ids(&g,
               (const char *[]){shells[i][1], "spoor.file.unknown_page", NULL});
    assert_true(res.flagged);
  }
  static const char *const benign[] = {
      "<%@ Page Language=\"C#\"%><script runat=\"server\">void Page_Load()"
      "{System.Diagnostics.Process.Start(\"powershell.exe\",\"-File "
      "C:\\\\ops\\\\health.ps1\");}</script><script>var x=new "
      "XMLHttpRequest();x.open('GET','/status');</script>",
      "<%@ Page Language=\"C#\"%><script runat=\"server\">void Go(){string"
      " pool=Pools.SelectedValue;if(Allowed.Contains(pool))System."
      "Diagnostics.Process.Start(\"appcmd.exe\",\"recycle apppool \"+pool);}"
      "</script><form runat=\"server\"><input name=\"q\" value=\"<%= "
      "Server.HtmlEncode(Request.Form[\"q\"]) %>\"/></form>",
      "<%@ Page Language=\"C#\"%><script runat=\"server\">void Up(){var "
      "f=Request.Files[0];f.SaveAs(Server.MapPath(\"~/images/\")+System.IO."
      "Path.GetFileName(f.FileName));}</script>",
  };
  for (size_t i = 0; i < sizeof benign / sizeof benign[0]; i++) {
    scan_text(e->w, "/web/site/page.aspx", benign[i], &g, &res);
    expect_ids(&g, (const char *[]){NULL});
    assert_false(res.flagged);
  }
  /* A stock name cut short is another page; one with something added
     still imitates the stock file. */
  scan_text(e->w, "/web/owa/auth/Outlook.aspx", "<html></html>", &g, &res);
  expect_ids(&g, (const char *[]){"spoor.file.unknown_page", NULL});
  /* short stock stems: one same-length edit only, so a digit added to
     logon is another page (still an unknown page in owa/auth) */
  scan_text(e->w, "/web/owa/auth/logon2.aspx", "<html></html>", &g, &res);
  expect_ids(&g, (const char *[]){"spoor.file.unknown_page", NULL});
  scan_text(e->w, "/web/owa/auth/expiredpassword1.aspx", "<html></html>", &g,
            &res);
  expect_ids(&g, (const char *[]){"spoor.file.stock_lookalike", NULL});
}

static void test_generic_aspx(void **state) {
  env *e = *state;
  got g;
  sp_filescan_result res;
  scan_text(e->w, "/web/a1.aspx", k_process_exec, &g, &res);
  expect_ids(&g,
             (const char *[]){"yara.spoor_webshell_aspx_process_exec", NULL});
  scan_text(e->w, "/web/a2.aspx", k_loader, &g, &res);
  expect_ids(
      &g, (const char *[]){"yara.spoor_webshell_aspx_assembly_loader", NULL});
  scan_text(e->w, "/web/a3.aspx", k_upload, &g, &res);
  expect_ids(&g,
             (const char *[]){"yara.spoor_webshell_aspx_upload_saveas", NULL});
  assert_int_equal(g.level[0], SP_LEVEL_HIGH);
  assert_true(res.flagged);
}

static void test_sha256_entity(void **state) {
  env *e = *state;
  got g;
  sp_filescan_result res;
  /* "abc" in a look-alike name so that a finding carries the hash */
  scan_text(e->w, "/x/RedirSuiteServerProxy.aspx", "abc", &g, &res);
  assert_int_equal(g.n, 1);
  assert_string_equal(
      g.hash[0],
      "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

/* ---- tests: names and baselines ------------------------------------------ */

static void test_lookalike(void **state) {
  env *e = *state;
  got g;
  sp_filescan_result res;
  scan_text(e->w, "C:\\inetpub\\owa\\auth\\RedirSuiteServerProxy.aspx",
            "<html></html>", &g, &res);
  expect_ids(&g, (const char *[]){"spoor.file.stock_lookalike", NULL});
  assert_non_null(strstr(g.reason[0], "RedirSuiteServiceProxy.aspx"));
  assert_string_equal(g.techniques[0], "T1036.005,T1505.003");
  assert_string_equal(g.ruleset[0], "spoor-files");
  assert_true(res.flagged);
  scan_text(e->w, "/x/owa/auth/OutlookEN.aspx", "<html></html>", &g, &res);
  expect_ids(&g, (const char *[]){"spoor.file.stock_lookalike", NULL});
  assert_non_null(strstr(g.reason[0], "OutlookCN.aspx"));
  /* stock names, other extensions and short names are no look-alikes */
  static const char *const quiet[] = {"/x/owa/auth/RedirSuiteServiceProxy.aspx",
                                      "/x/owa/auth/REDIRSUITESERVICEPROXY.ASPX",
                                      "/x/owa/auth/RedirSuiteServerProxy.txt",
                                      "/x/owa/auth/logn.aspx",
                                      "/x/owa/auth/completelydifferent.aspx",
                                      "/x/owa/auth/expiredpassword.aspx"};
  for (size_t i = 0; i < sizeof quiet / sizeof quiet[0]; i++) {
    scan_text(e->w, quiet[i], "<html></html>", &g, &res);
    if (find_id(&g, "spoor.file.stock_lookalike") >= 0)
      fail_msg("%s: unexpected look-alike", quiet[i]);
    assert_false(res.flagged);
  }
}

/* One file written under tmp/<rel> and scanned from disk. */
static void scan_disk(env *e, const char *rel, const char *text, got *g,
                      sp_filescan_result *res) {
  char p[900];
  snprintf(p, sizeof p, "%s/%s", e->tmp, rel);
  char dir[900];
  snprintf(dir, sizeof dir, "%s", p);
  *strrchr(dir, '/') = 0;
  mkdirs(dir);
  write_file(p, text, strlen(text));
  sp_fset *set;
  assert_int_equal(sp_fset_create(&set), SP_OK);
  sp_filescan_file(e->w, 11, p, 1000, set, res);
  collect(set, g);
  sp_fset_destroy(set);
  assert_string_equal(res->error, "");
}

/* Look-alikes of short stock names (errorFE.aspx: errorFS.aspx from the
 * 2021 write-ups) and homoglyphs (0/o, 1/l/i, rn/m, vv/w), as files in an
 * owa/auth folder. */
static void test_short_and_homoglyph_lookalikes(void **state) {
  env *e = *state;
  got g;
  sp_filescan_result res;
  static const char *const cases[][2] = {
      {"V15/FrontEnd/HttpProxy/owa/auth/errorFS.aspx", "errorFE.aspx"},
      {"V15/FrontEnd/HttpProxy/owa/auth/Err0r.aspx", "error.aspx"},
      {"V15/FrontEnd/HttpProxy/owa/auth/Iogon.aspx", "logon.aspx"},
      {"V15/FrontEnd/HttpProxy/owa/auth/OutlookEN.aspx", "OutlookCN.aspx"},
      /* 4 raw edits, 3 once 0 is folded to o */
      {"V15/FrontEnd/HttpProxy/owa/auth/RedirSuiteServerPr0xy.aspx",
       "RedirSuiteServiceProxy.aspx"},
      {"V15/FrontEnd/HttpProxy/owa/auth/RedlrSuiteServiceProxy.aspx",
       "RedirSuiteServiceProxy.aspx"},
      {"V15/FrontEnd/HttpProxy/ecp/auth/TirneoutLogout.aspx",
       "TimeoutLogout.aspx"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    scan_disk(e, cases[i][0], "<html><body>benign</body></html>", &g, &res);
    if (g.n != 1 || strcmp(g.id[0], "spoor.file.stock_lookalike") != 0)
      fail_msg("%s: %zu findings, first %s", cases[i][0], g.n,
               g.n ? g.id[0] : "-");
    char want[300];
    snprintf(want, sizeof want, "stock Exchange file %s (", cases[i][1]);
    if (!strstr(g.reason[0], want))
      fail_msg("%s: reason '%s' lacks '%s'", cases[i][0], g.reason[0], want);
    assert_true(res.flagged);
  }
  assert_int_equal(sp_fs_lookalike(e->fs, SP_STR_LIT("errorFS.aspx"), NULL, 0),
                   1);
  assert_int_equal(sp_fs_lookalike(e->fs, SP_STR_LIT("Err0r.aspx"), NULL, 0),
                   1);
  assert_int_equal(
      sp_fs_lookalike(e->fs, SP_STR_LIT("RedirSuiteServerPr0xy.aspx"), NULL, 0),
      3);
  /* short stems: no insertions or deletions, no common names, not the
     other extension, not the stock names themselves */
  static const char *const quiet[] = {
      "logon2.aspx", "logn.aspx",   "errorFEE.aspx", "error.ashx",
      "login.aspx",  "errors.aspx", "errorFE.aspx",  "ERROR.ASPX",
      "erro.aspx",   "abc.aspx",    "logonn.aspx",   "Default.aspx"};
  for (size_t i = 0; i < sizeof quiet / sizeof quiet[0]; i++)
    if (sp_fs_lookalike(e->fs, sp_str_make(quiet[i], strlen(quiet[i])), NULL,
                        0))
      fail_msg("%s: look-alike", quiet[i]);
}

static void test_skeleton(void **state) {
  (void)state;
  static const char *const cases[][2] = {
      {"Err0r", "error"},
      {"RedirSuiteServicePr0xy", "redlrsulteservlceproxy"},
      {"TirneoutLogout", "tlmeoutlogout"},
      {"vvebmail1", "webmalll"},
      {"", ""},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    char out[64];
    size_t n = sp_fs_skeleton(sp_str_make(cases[i][0], strlen(cases[i][0])),
                              out, sizeof out);
    assert_int_equal(n, strlen(cases[i][1]));
    assert_string_equal(out, cases[i][1]);
  }
  char tiny[4];
  assert_int_equal(sp_fs_skeleton(SP_STR_LIT("logon"), tiny, sizeof tiny), 0);
}

/* The false-positive check over spoor's embedded stock list: no stock name
 * is a look-alike of another (checked pairwise without the rule that a
 * stock name is never one), and common page names are none either. */
static void test_stock_list_no_lookalikes(void **state) {
  env *e = *state;
  size_t n = sp_fs_embedded_stock_count();
  assert_true(n > 30);
  for (size_t i = 0; i < n; i++) {
    const char *u = sp_fs_embedded_stock_url(i);
    sp_str a = sp_str_basename(sp_str_make(u, strlen(u)));
    assert_int_equal(sp_fs_lookalike(e->fs, a, NULL, 0), 0);
    for (size_t j = 0; j < n; j++) {
      const char *v = sp_fs_embedded_stock_url(j);
      sp_str b = sp_str_basename(sp_str_make(v, strlen(v)));
      if (sp_fs_lookalike_of(a, b))
        fail_msg("stock %s imitates stock %s", u, v);
    }
  }
  assert_null(sp_fs_embedded_stock_url(n));
  assert_true(sp_fs_lookalike_of(SP_STR_LIT("errorFS.aspx"),
                                 SP_STR_LIT("errorFE.aspx")) == 1);
  static const char *const common[] = {
      "index.aspx",   "default.aspx", "login.aspx",  "logout.aspx",
      "home.aspx",    "search.aspx",  "upload.aspx", "download.aspx",
      "admin.aspx",   "test.aspx",    "errors.aspx", "contact.aspx",
      "help.aspx",    "signin.aspx",  "signup.aspx", "register.aspx",
      "account.aspx", "profile.aspx", "status.aspx", "health.aspx",
      "main.aspx",    "menu.aspx",    "about.aspx",  "Global.asax",
      "web.aspx",     "page.aspx",    "logon1.aspx", "settings.aspx",
      "service.asmx", "handler.ashx", "Service.svc", "site.aspx"};
  for (size_t i = 0; i < sizeof common / sizeof common[0]; i++) {
    char imitated[300] = "";
    if (sp_fs_lookalike(e->fs, sp_str_make(common[i], strlen(common[i])),
                        imitated, sizeof imitated))
      fail_msg("common name %s imitates %s", common[i], imitated);
  }
}

/* Pages of no stock name in owa/auth, ecp/auth, aspnet_client or the ecp
 * folder: spoor.file.unknown_page at medium. */
static void test_unknown_pages(void **state) {
  env *e = *state;
  got g;
  sp_filescan_result res;
  scan_disk(e, "inetpub/wwwroot/aspnet_client/system_web/xyz.aspx",
            k_logon_benign, &g, &res);
  expect_ids(&g, (const char *[]){"spoor.file.unknown_page", NULL});
  assert_int_equal(g.level[0], SP_LEVEL_MEDIUM);
  assert_string_equal(g.reason[0], "page xyz.aspx in aspnet_client is no "
                                   "stock Exchange file and in no loaded "
                                   "baseline");
  assert_string_equal(g.ruleset[0], "spoor-files");
  assert_false(res.flagged);
  static const char *const unknown[][2] = {
      {"C:\\inetpub\\wwwroot\\aspnet_client\\discover.ashx", "aspnet_client"},
      {"C:\\Program Files\\Microsoft\\Exchange Server\\V15\\FrontEnd\\"
       "HttpProxy\\owa\\auth\\Current\\themes\\x.asmx",
       "owa/auth"},
      {"/ev/V15/FrontEnd/HttpProxy/ecp/auth/page.aspx", "ecp/auth"},
      {"/ev/V15/ClientAccess/ecp/new.aspx", "in ecp "},
      {"/ev/V15/ClientAccess/Ecp/classic.ASP", "in ecp "},
  };
  for (size_t i = 0; i < sizeof unknown / sizeof unknown[0]; i++) {
    scan_text(e->w, unknown[i][0], "<html></html>", &g, &res);
    expect_ids(&g, (const char *[]){"spoor.file.unknown_page", NULL});
    if (!strstr(g.reason[0], unknown[i][1]))
      fail_msg("%s: reason '%s'", unknown[i][0], g.reason[0]);
  }
  /* stock names in their folders (no baseline), other file types, other
     folders (ecp subfolders hold many stock pages), look-alikes (their own
     finding): no unknown page */
  static const char *const quiet[] = {
      "/ev/V15/FrontEnd/HttpProxy/owa/auth/logon.aspx",
      "/ev/V15/FrontEnd/HttpProxy/owa/auth/OutlookCN.aspx",
      "/ev/V15/FrontEnd/HttpProxy/owa/auth/REDIRSUITESERVICEPROXY.ASPX",
      "/ev/V15/FrontEnd/HttpProxy/ecp/auth/TimeoutLogout.aspx",
      "/ev/V15/ClientAccess/ecp/default.aspx",
      "/ev/inetpub/wwwroot/aspnet_client/system_web/x.js",
      "/ev/inetpub/wwwroot/aspnet_client/web.config",
      "/ev/V15/ClientAccess/ecp/Organize/page.aspx",
      "/ev/V15/ClientAccess/owa/page.aspx",
      "/ev/inetpub/wwwroot/page.aspx",
      "/ev/myecp/page.aspx",
      "/ev/V15/FrontEnd/HttpProxy/owa/authx/page.aspx",
      "page.aspx",
  };
  for (size_t i = 0; i < sizeof quiet / sizeof quiet[0]; i++) {
    scan_text(e->w, quiet[i], "<html></html>", &g, &res);
    if (g.n)
      fail_msg("%s: unexpected %s", quiet[i], g.id[0]);
  }
  scan_text(e->w, "/ev/V15/FrontEnd/HttpProxy/owa/auth/errorFS.aspx", "x", &g,
            &res);
  expect_ids(&g, (const char *[]){"spoor.file.stock_lookalike", NULL});
  /* a hash in a loaded baseline is stock anywhere */
  scan_text(e->w_bl, "/ev/inetpub/wwwroot/aspnet_client/shell.aspx",
            k_chopper_oneliner, &g, &res);
  expect_ids(&g, (const char *[]){NULL});
  assert_string_equal(sp_fs_page_folder("a/OWA/Auth/b.aspx"), "owa/auth");
  assert_null(sp_fs_page_folder(NULL));
  assert_null(sp_fs_page_folder("a/owa/auth/b.htm"));
}

static void test_builtin_rules(void **state) {
  (void)state;
  assert_string_equal(sp_filescan_builtin_rule(0)->id,
                      "spoor.file.modified_stock_file");
  assert_string_equal(sp_filescan_builtin_rule(1)->id,
                      "spoor.file.stock_lookalike");
  assert_int_equal(sp_filescan_builtin_rule(1)->level, SP_LEVEL_HIGH);
  assert_string_equal(sp_filescan_builtin_rule(2)->id,
                      "spoor.file.unknown_page");
  assert_int_equal(sp_filescan_builtin_rule(2)->level, SP_LEVEL_MEDIUM);
  assert_null(sp_filescan_builtin_rule(3));
}

static void test_osa_distance(void **state) {
  (void)state;
  assert_int_equal(
      sp_fs_osa_distance(SP_STR_LIT("logon"), SP_STR_LIT("LOGON"), 2), 0);
  assert_int_equal(
      sp_fs_osa_distance(SP_STR_LIT("outlookcn"), SP_STR_LIT("outlookne"), 2),
      2);
  assert_int_equal(
      sp_fs_osa_distance(SP_STR_LIT("abcdefgh"), SP_STR_LIT("abcdefhg"), 2), 1);
  assert_int_equal(sp_fs_osa_distance(SP_STR_LIT("redirsuiteserverproxy"),
                                      SP_STR_LIT("redirsuiteserviceproxy"), 3),
                   3);
  assert_int_equal(
      sp_fs_osa_distance(SP_STR_LIT("abcdefgh"), SP_STR_LIT("zzzzzzzz"), 2), 3);
}

static void test_baseline(void **state) {
  env *e = *state;
  got g;
  sp_filescan_result res;
  char path[700];
  /* stock content at the stock path: nothing */
  snprintf(path, sizeof path, "%s/V15/FrontEnd/HttpProxy/owa/auth/logon.aspx",
           e->tmp);
  scan_text(e->w_bl, path, k_logon_benign, &g, &res);
  expect_ids(&g, (const char *[]){NULL});
  /* other content at a stock path: modified */
  char modified[sizeof k_logon_benign + 32];
  snprintf(modified, sizeof modified, "%s<!-- x -->", k_logon_benign);
  scan_text(e->w_bl, path, modified, &g, &res);
  expect_ids(&g, (const char *[]){"spoor.file.modified_stock_file", NULL});
  assert_non_null(
      strstr(g.reason[0], "frontend/httpproxy/owa/auth/logon.aspx"));
  assert_true(res.flagged);
  /* ... also with Windows separators and any case */
  scan_text(e->w_bl,
            "D:\\Exchange\\V15\\FRONTEND\\HttpProxy\\owa\\auth\\Logon.aspx",
            modified, &g, &res);
  expect_ids(&g, (const char *[]){"spoor.file.modified_stock_file", NULL});
  /* bare Exchange 2019 path rows match under ClientAccess */
  scan_text(e->w_bl, "/ev/V15/ClientAccess/ecp/Custom/Thing.aspx", "hello", &g,
            &res);
  expect_ids(&g, (const char *[]){"spoor.file.modified_stock_file", NULL});
  /* config files are not checked; without a baseline nothing is */
  scan_text(e->w_bl, "/ev/V15/FrontEnd/HttpProxy/owa/web.config", "x", &g,
            &res);
  expect_ids(&g, (const char *[]){NULL});
  scan_text(e->w, path, modified, &g, &res);
  expect_ids(&g, (const char *[]){NULL});
  /* a hash in the baseline is stock even with web-shell content */
  scan_text(e->w_bl, "/anywhere/shell.aspx", k_chopper_oneliner, &g, &res);
  expect_ids(&g, (const char *[]){NULL});
  assert_false(res.flagged);
  /* baseline names in auth/ folders become look-alike targets */
  scan_text(e->w_bl, "/x/ecp/auth/SessionKeeper2.aspx", "x", &g, &res);
  expect_ids(&g, (const char *[]){"spoor.file.stock_lookalike", NULL});
  assert_non_null(strstr(g.reason[0], "SessionKeeper.aspx"));
}

static void test_stock_urls(void **state) {
  env *e = *state;
  const sp_strset *u = sp_filescan_stock_urls(e->fs);
  assert_non_null(u);
  assert_true(sp_strset_has(u, SP_STR_LIT("/owa/auth/logon.aspx"), false));
  assert_true(sp_strset_has(
      u, SP_STR_LIT("/owa/auth/redirsuiteserviceproxy.aspx"), false));
  assert_true(
      sp_strset_has(u, SP_STR_LIT("/ecp/auth/timeoutlogout.aspx"), false));
  assert_false(sp_strset_has(u, SP_STR_LIT("/ecp/custom/thing.aspx"), false));
  for (size_t i = 0; i < sp_strset_capacity(u); i++) {
    sp_str s = sp_strset_slot(u, i);
    if (s.n)
      assert_false(sp_str_istarts(s, "/aspnet_client/"));
  }
  const sp_strset *b = sp_filescan_stock_urls(e->fs_bl);
  assert_true(sp_strset_has(b, SP_STR_LIT("/ecp/custom/thing.aspx"), false));
  assert_true(sp_strset_has(b, SP_STR_LIT("/owa/auth/frowny.aspx"), false));
  assert_true(
      sp_strset_has(b, SP_STR_LIT("/ecp/auth/sessionkeeper.aspx"), false));
  assert_true(sp_strset_has(b, SP_STR_LIT("/owa/auth/getidtoken.htm"), false));
}

static void test_baseline_errors(void **state) {
  env *e = *state;
  sp_opts o = {0};
  sp_diag d;
  sp_filescan *fs = (sp_filescan *)1;
  char dir[600];
  snprintf(dir, sizeof dir, "%s/no-such-dir", e->tmp);
  o.baseline_dir = dir;
  assert_int_equal(sp_filescan_create(&o, &fs, &d), SP_ENOENT);
  assert_null(fs);
  assert_non_null(strstr(d.msg, "no-such-dir"));
  snprintf(dir, sizeof dir, "%s/empty-baselines", e->tmp);
  mkdirs(dir);
  assert_int_equal(sp_filescan_create(&o, &fs, &d), SP_ENOENT);
  char csv[700];
  snprintf(csv, sizeof csv, "%s/junk.csv", dir);
  write_file(csv, "a,b,c\n", 6);
  assert_int_equal(sp_filescan_create(&o, &fs, &d), SP_EFORMAT);
  assert_null(fs);
}

/* Baseline rows with a bare file name or an absolute install path: a bare
 * name does not make every file of that name stock; an absolute path maps
 * through its ClientAccess or FrontEnd\HttpProxy part. */
static void test_baseline_path_forms(void **state) {
  env *e = *state;
  char dir[600], csv[700];
  snprintf(dir, sizeof dir, "%s/forms-baselines", e->tmp);
  mkdirs(dir);
  snprintf(csv, sizeof csv, "%s/b.csv", dir);
  static const char rows[] =
      "SHA256,Build,Path\n"
      "00000000000000000000000000000000000000000000000000000000000000A1,"
      "15.2.1118.7,logon.aspx\n"
      "00000000000000000000000000000000000000000000000000000000000000A2,"
      "15.2.1118.7,C:\\Program Files\\Microsoft\\Exchange Server\\V15\\"
      "ClientAccess\\ecp\\About.aspx\n";
  write_file(csv, rows, sizeof rows - 1);
  sp_opts o = {0};
  o.baseline_dir = dir;
  o.no_builtin_yara = 1;
  sp_diag d;
  sp_filescan *fs;
  assert_int_equal(sp_filescan_create(&o, &fs, &d), SP_OK);
  sp_filescan_worker *w;
  assert_int_equal(sp_filescan_worker_create(fs, &w), SP_OK);
  got g;
  sp_filescan_result res;
  scan_text(w, "/site/app/logon.aspx", "<html>mine</html>", &g, &res);
  expect_ids(&g, (const char *[]){NULL});
  scan_text(w, "/ev/V15/ClientAccess/ecp/About.aspx", "<html>x</html>", &g,
            &res);
  expect_ids(&g, (const char *[]){"spoor.file.modified_stock_file", NULL});
  assert_true(sp_strset_has(sp_filescan_stock_urls(fs),
                            sp_str_make("/ecp/about.aspx", 15), true));
  sp_filescan_worker_destroy(w);
  sp_filescan_destroy(fs);
}

/* ---- tests: files on disk ------------------------------------------------ */

static void test_files_on_disk(void **state) {
  env *e = *state;
  char dir[600], p[700], link[700];
  /* owa root: YARA findings alone (owa/auth would add unknown pages) */
  snprintf(dir, sizeof dir, "%s/web/owa", e->tmp);
  mkdirs(dir);
  snprintf(p, sizeof p, "%s/shell.aspx", dir);
  write_file(p, k_chopper_oneliner, strlen(k_chopper_oneliner));
  sp_fset *set;
  assert_int_equal(sp_fset_create(&set), SP_OK);
  sp_filescan_result res;
  sp_filescan_file(e->w, 3, p, 123456789, set, &res);
  assert_string_equal(res.error, "");
  assert_true(res.flagged);
  got g;
  collect(set, &g);
  expect_ids(&g,
             (const char *[]){"yara.spoor_webshell_chopper_oneliner", NULL});
  assert_int_equal(g.first[0], 123456789);
  assert_int_equal(g.where[0], 0x1d);
  char h[65];
  sha256_hex(k_chopper_oneliner, strlen(k_chopper_oneliner), h, false);
  assert_string_equal(g.hash[0], h);
  sp_fset_destroy(set);

  /* a symbolic link the walker let through is scanned like its target
     (the walker alone decides which links stay inside the evidence) */
  snprintf(link, sizeof link, "%s/link.aspx", dir);
  assert_int_equal(symlink(p, link), 0);
  assert_int_equal(sp_fset_create(&set), SP_OK);
  sp_filescan_file(e->w, 4, link, 0, set, &res);
  assert_string_equal(res.error, "");
  assert_true(res.flagged);
  sp_fset_destroy(set);
  assert_int_equal(sp_fset_create(&set), SP_OK);
  /* folders and missing files are errors, not failures */
  sp_filescan_file(e->w, 5, dir, 0, set, &res);
  assert_non_null(strstr(res.error, "not a regular file"));
  snprintf(p, sizeof p, "%s/missing.aspx", dir);
  sp_filescan_file(e->w, 6, p, 0, set, &res);
  assert_non_null(strstr(res.error, "open"));
  assert_int_equal(sp_fset_count(set), 0);
  /* an empty file and a benign page give nothing */
  snprintf(p, sizeof p, "%s/empty.aspx", dir);
  write_file(p, "", 0);
  sp_filescan_file(e->w, 7, p, 0, set, &res);
  assert_string_equal(res.error, "");
  snprintf(p, sizeof p, "%s/logonpage.aspx", dir);
  write_file(p, k_logon_benign, strlen(k_logon_benign));
  sp_filescan_file(e->w, 8, p, 0, set, &res);
  assert_string_equal(res.error, "");
  assert_int_equal(sp_fset_count(set), 0);
  /* a file larger than the block size is hashed whole */
  size_t big = 300000;
  char *data = malloc(big);
  assert_non_null(data);
  memset(data, ' ', big);
  memcpy(data + big - sizeof k_chopper_block, k_chopper_block,
         sizeof k_chopper_block - 1);
  snprintf(p, sizeof p, "%s/big.aspx", dir);
  write_file(p, data, big - 1);
  sp_filescan_file(e->w, 9, p, 0, set, &res);
  collect(set, &g);
  expect_ids(&g,
             (const char *[]){"yara.spoor_webshell_chopper_scriptblock", NULL});
  sha256_hex(data, big - 1, h, false);
  assert_string_equal(g.hash[0], h);
  assert_int_equal(g.where[0], big - sizeof k_chopper_block);
  free(data);
  sp_fset_destroy(set);
}

static void test_too_big_for_yara(void **state) {
  env *e = *state;
  size_t n = (size_t)SP_FILESCAN_MAX_YARA_BYTES + 4096;
  char *data = calloc(1, n);
  assert_non_null(data);
  memcpy(data, k_chopper_oneliner, strlen(k_chopper_oneliner));
  got g;
  sp_filescan_result res;
  /* Padding cannot hide a shell: the first 64 MiB are still scanned. */
  scan_buf(e->w, "/x/big.aspx", data, n, &g, &res);
  expect_ids(&g,
             (const char *[]){"yara.spoor_webshell_chopper_oneliner", NULL});
  assert_non_null(strstr(res.note, "only the first 64 MiB scanned"));
  assert_string_equal(res.error, "");
  /* What lies beyond them is not (the documented limit). */
  memset(data, ' ', strlen(k_chopper_oneliner));
  memcpy(data + n - strlen(k_chopper_oneliner), k_chopper_oneliner,
         strlen(k_chopper_oneliner));
  scan_buf(e->w, "/x/big.aspx", data, n, &g, &res);
  expect_ids(&g, (const char *[]){NULL});
  free(data);
}

/* ---- tests: external rules ----------------------------------------------- */

static void test_external_rules(void **state) {
  env *e = *state;
  char dir[600], p[700];
  snprintf(dir, sizeof dir, "%s/rules", e->tmp);
  mkdirs(dir);
  snprintf(p, sizeof p, "%s/b_ext.yar", dir);
  const char *r1 =
      "rule ext_rule { meta: score = 85 author = \"someone\"\n"
      "  condition: extension == \".aspx\" and filename == \"page.aspx\" and\n"
      "  filetype == \"ASPX\" and owner == \"\" }\n"
      "rule meta_rule { meta: description = \"Meta test\" score = 45\n"
      "  mitre_attack = \"T1190\" cve = \"CVE-2021-26855\"\n"
      "  strings: $a = \"MARKER\" condition: $a }\n";
  write_file(p, r1, strlen(r1));
  snprintf(p, sizeof p, "%s/a_path.yar", dir);
  const char *r2 = "import \"math\"\n"
                   "rule path_rule { condition: filepath == \"/srv/www\" and\n"
                   "  math.entropy(0, filesize) >= 0 }\n"
                   "private rule hidden_rule { condition: true }\n";
  write_file(p, r2, strlen(r2));
  snprintf(p, sizeof p, "%s/notes.txt", dir);
  write_file(p, "rule broken {", 13);

  const char *paths[] = {dir};
  sp_opts o = {0};
  o.yara_paths = paths;
  o.n_yara = 1;
  o.no_builtin_yara = 1;
  sp_diag d;
  sp_filescan *fs;
  assert_int_equal(sp_filescan_create(&o, &fs, &d), SP_OK);
  sp_filescan_worker *w;
  assert_int_equal(sp_filescan_worker_create(fs, &w), SP_OK);
  got g;
  sp_filescan_result res;
  scan_text(w, "/srv/www/page.aspx", "<% x %> MARKER", &g, &res);
  expect_ids(&g, (const char *[]){"yara.ext_rule", "yara.path_rule",
                                  "yara.meta_rule", NULL});
  int i = find_id(&g, "yara.ext_rule");
  assert_int_equal(g.level[i], SP_LEVEL_CRITICAL);
  assert_string_equal(g.author[i], "someone");
  assert_string_equal(g.ruleset[i], "b_ext.yar");
  assert_string_equal(g.techniques[i], "T1505.003");
  assert_int_equal(g.where[i], 0);
  i = find_id(&g, "yara.path_rule");
  assert_string_equal(g.author[i], "unknown");
  assert_int_equal(g.level[i], SP_LEVEL_HIGH);
  i = find_id(&g, "yara.meta_rule");
  assert_int_equal(g.level[i], SP_LEVEL_MEDIUM);
  assert_string_equal(g.techniques[i], "T1190");
  assert_string_equal(g.cve[i], "CVE-2021-26855");
  assert_int_equal(g.where[i], 8);
  /* only the medium rule and the condition-only rules: flagged by ext_rule */
  assert_true(res.flagged);
  /* other names: the external variables change */
  scan_text(w, "/srv/other/page.ASPX", "<% x %>", &g, &res);
  expect_ids(&g, (const char *[]){NULL});
  /* spoor's own rules are not loaded */
  scan_text(w, "/x/y.txt", k_chopper_oneliner, &g, &res);
  expect_ids(&g, (const char *[]){NULL});
  sp_filescan_worker_destroy(w);
  sp_filescan_destroy(fs);

  /* the same file twice: namespaces stay apart */
  snprintf(p, sizeof p, "%s/b_ext.yar", dir);
  const char *twice[] = {p, p};
  o.yara_paths = twice;
  o.n_yara = 2;
  assert_int_equal(sp_filescan_create(&o, &fs, &d), SP_OK);
  sp_filescan_destroy(fs);
}

static void test_rule_errors(void **state) {
  env *e = *state;
  char p[700];
  snprintf(p, sizeof p, "%s/bad.yar", e->tmp);
  const char *bad = "rule ok { condition: true }\n"
                    "rule bad { condition: no_such_identifier }\n";
  write_file(p, bad, strlen(bad));
  const char *paths[] = {p};
  sp_opts o = {0};
  o.yara_paths = paths;
  o.n_yara = 1;
  sp_diag d;
  sp_filescan *fs = (sp_filescan *)1;
  assert_int_equal(sp_filescan_create(&o, &fs, &d), SP_ERULE);
  assert_null(fs);
  assert_int_equal(d.code, SP_ERULE);
  char want[720];
  snprintf(want, sizeof want, "%s:2:", p);
  if (!strstr(d.msg, want))
    fail_msg("diag '%s' lacks '%s'", d.msg, want);
  snprintf(p, sizeof p, "%s/none.yar", e->tmp);
  assert_int_equal(sp_filescan_create(&o, &fs, &d), SP_ENOENT);
  assert_null(fs);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_chopper_oneliner),
      cmocka_unit_test(test_chopper_block),
      cmocka_unit_test(test_oab_export),
      cmocka_unit_test(test_benign_pages),
      cmocka_unit_test(test_rule_sources),
      cmocka_unit_test(test_baseline_path_forms),
      cmocka_unit_test(test_variants_and_lookalikes),
      cmocka_unit_test(test_generic_aspx),
      cmocka_unit_test(test_sha256_entity),
      cmocka_unit_test(test_lookalike),
      cmocka_unit_test(test_osa_distance),
      cmocka_unit_test(test_builtin_rules),
      cmocka_unit_test(test_short_and_homoglyph_lookalikes),
      cmocka_unit_test(test_skeleton),
      cmocka_unit_test(test_stock_list_no_lookalikes),
      cmocka_unit_test(test_unknown_pages),
      cmocka_unit_test(test_baseline),
      cmocka_unit_test(test_stock_urls),
      cmocka_unit_test(test_baseline_errors),
      cmocka_unit_test(test_files_on_disk),
      cmocka_unit_test(test_too_big_for_yara),
      cmocka_unit_test(test_external_rules),
      cmocka_unit_test(test_rule_errors),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
