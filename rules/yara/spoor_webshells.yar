/*
 * spoor_webshells.yar - spoor's own YARA rules for server-side web shells
 * seen on Exchange and IIS (China Chopper one-liners and script blocks,
 * CVE-2021-27065 OAB virtual-directory exports, generic ASPX command, loader
 * and upload shells) and, after them, the family rules for classic ASP and
 * ASP.NET shells in general (docs/DETECTION.md). Written for spoor; embedded
 * into libspoor at build time (cmake/embed.cmake) and loaded unless
 * --no-builtin-yara. Levels: medium or above is a finding to act on.
 *
 * Meta keys read by spoor: description, author, level (critical, high,
 * medium, low), mitre_attack (comma separated ATT&CK ids), cve.
 * Every rule must stay silent on stock pages: a plain logon form and a benign
 * Get-OabVirtualDirectory export are part of the unit tests.
 */

/* An ASP.NET page or control: a directive or a server-side script block. */
private rule spoor_aspnet_markup
{
  meta:
    author = "spoor"
    description = "ASP.NET server-side markup (helper)"
  strings:
    $directive = /<%@\s*(Page|Control|WebHandler|WebService|Assembly|Import)\b/ nocase ascii wide
    $runat = /<script[^>]{0,200}runat\s*=\s*["']?server/ nocase ascii wide
    $inline = "<%" ascii wide
  condition:
    $directive or $runat or $inline
}

/* Where server code reads attacker input from the HTTP request. */
private rule spoor_request_input
{
  meta:
    author = "spoor"
    description = "reads HTTP request input (helper)"
  strings:
    /* \b: XMLHttpRequest( or WebRequest( in client script are not input */
    $index = /\bRequest\s*(\.\s*(Item|Form|QueryString|Params|Headers|Cookies)\s*)?[\[\(]/ nocase ascii wide
    $stream = /\bRequest\s*\.\s*(InputStream|BinaryRead|GetBufferlessInputStream)/ nocase ascii wide
  condition:
    $index or $stream
}

/* Detection content (YARA or Sigma rule files, signature lists) quotes the
 * very strings webshells contain. Such files are not pages: they only count
 * when their extension is one IIS never executes, so a shell cannot hide
 * behind a fake "rule ... condition:" block. `extension` is the external
 * variable spoor defines per file (".yar", lower case). */
private rule spoor_rule_source
{
  meta:
    author = "spoor"
    description = "detection rule source, not a web page (helper)"
  strings:
    $rule = /\brule\s+[A-Za-z_][A-Za-z0-9_]{0,127}/ ascii
    $cond = /\bcondition\s*:/ ascii
    $detection = /\bdetection\s*:/ ascii
    $logsource = /\blogsource\s*:/ ascii
  condition:
    (extension == ".yar" or extension == ".yara" or extension == ".yml" or
     extension == ".yaml" or extension == ".rules" or extension == ".txt") and
    (($rule and $cond) or ($detection and $logsource))
}

rule spoor_webshell_chopper_oneliner
{
  meta:
    author = "spoor"
    description = "China Chopper one-liner: inline server code evaluating a request value with JScript eval(..., \"unsafe\")"
    level = "critical"
    mitre_attack = "T1505.003"
    reference = "https://attack.mitre.org/software/S0020/"
  strings:
    /* <% ... eval(Request.Item["p"],"unsafe") ... %> in one inline block */
    $eval_unsafe = /<%[^%@]{0,256}eval\s*\(\s*Request\s*(\.\s*(Item|Form|QueryString|Params)\s*)?[\[\(]\s*["'][^"'\r\n]{1,64}["']\s*[\]\)]\s*,\s*["']unsafe["']/ nocase ascii wide
  condition:
    ($eval_unsafe)
    and not spoor_rule_source
}

rule spoor_webshell_chopper_scriptblock
{
  meta:
    author = "spoor"
    description = "China Chopper script block: <script runat=server> whose code evaluates a request value"
    level = "critical"
    mitre_attack = "T1505.003"
    reference = "https://attack.mitre.org/software/S0020/"
  strings:
    $block_eval = /<script[^>]{0,200}runat\s*=\s*["']?server["']?[^>]{0,200}>[^<]{0,2048}eval\s*\(\s*Request\s*(\.\s*(Item|Form|QueryString|Params)\s*)?[\[\(]/ nocase ascii wide
  condition:
    ($block_eval)
    and not spoor_rule_source
}

rule spoor_webshell_oab_vdir_export
{
  meta:
    author = "spoor"
    description = "Get-OabVirtualDirectory export written as a web page (CVE-2021-27065) whose ExternalUrl or InternalUrl carries server code"
    level = "critical"
    mitre_attack = "T1190,T1505.003"
    cve = "CVE-2021-27065"
  strings:
    /* the URL field holds a script tag, an inline code block or an eval */
    $url_script = /(External|Internal)Url\s*:[^\r\n]{0,512}<script[^\r\n>]{0,200}runat/ nocase ascii wide
    $url_inline = /(External|Internal)Url\s*:[^\r\n]{0,512}<%/ nocase ascii wide
    $url_eval = /(External|Internal)Url\s*:[^\r\n]{0,512}eval\s*\(/ nocase ascii wide
    /* fields that only a virtual-directory export holds */
    $f1 = "OfflineAddressBooks" nocase ascii wide
    $f2 = "PollInterval" nocase ascii wide
    $f3 = "ExtendedProtectionTokenChecking" nocase ascii wide
    $f4 = "msExchOABVirtualDirectory" nocase ascii wide
    $f5 = "InternalAuthenticationMethods" nocase ascii wide
  condition:
    (filesize < 1MB and 2 of ($f*) and any of ($url_*))
    and not spoor_rule_source
}

rule spoor_webshell_aspx_process_exec
{
  meta:
    author = "spoor"
    description = "ASPX page that starts a process (cmd.exe, PowerShell, ...) with input taken from the request"
    level = "high"
    mitre_attack = "T1505.003,T1059.003"
  strings:
    /* request input inside the Process.Start(...) call itself */
    $start_req = /Process\s*\.\s*Start\s*\([^;]{0,256}\bRequest\b/ nocase ascii wide
    /* or assigned to the FileName/Arguments of a ProcessStartInfo */
    $args_req = /\.\s*(Arguments|FileName)\s*=[^;\r\n]{0,128}\bRequest\b/ nocase ascii wide
    $psi = "ProcessStartInfo" nocase ascii wide
    $start = /Process\s*\.\s*Start\s*\(/ nocase ascii wide
    /* new ProcessStartInfo("cmd", "/c " + Request[...]) */
    $psi_req = /ProcessStartInfo\s*\([^;]{0,256}\bRequest\b/ nocase ascii wide
  condition:
    (spoor_aspnet_markup and
     ($start_req or $psi_req or ($args_req and ($psi or $start))))
    and not spoor_rule_source
}

rule spoor_webshell_aspx_assembly_loader
{
  meta:
    author = "spoor"
    description = "ASPX page that loads a .NET assembly decoded from base64 request input (memory-resident web shell loader)"
    level = "critical"
    mitre_attack = "T1505.003,T1620"
  strings:
    $direct = /Assembly\s*\.\s*Load\s*\(\s*(System\s*\.\s*)?Convert\s*\.\s*FromBase64String\s*\(\s*Request/ nocase ascii wide
    $load = /Assembly\s*\.\s*Load\s*\(/ nocase ascii wide
    $b64 = /FromBase64String\s*\(/ nocase ascii wide
    $create = "CreateInstance" nocase ascii wide
  condition:
    ($direct or
    (spoor_aspnet_markup and spoor_request_input and $load and $b64 and $create and filesize < 64KB))
    and not spoor_rule_source
}

rule spoor_webshell_aspx_upload_saveas
{
  meta:
    author = "spoor"
    description = "Small ASPX page that saves a posted file beside itself or in the web root under the uploaded name (uploader)"
    level = "high"
    mitre_attack = "T1505.003,T1105"
  strings:
    $files = /\bRequest\s*\.\s*Files\s*[\[\(]/ nocase ascii wide
    $posted = "HttpPostedFile" nocase ascii wide
    $saveas = /\.\s*SaveAs\s*\(/ nocase ascii wide
    /* Server.MapPath(".") / ("~") / ("/"): where the page itself lives, so
       the upload is reachable as a page; an images folder is not */
    $here = /MapPath\s*\(\s*["'](\.|~|\/|~\/)["']\s*\)/ nocase ascii wide
    $name = /\.\s*FileName\b/ nocase ascii wide
  condition:
    (filesize < 8KB and spoor_aspnet_markup and ($files or $posted) and $saveas and
     $here and $name)
    and not spoor_rule_source
}

/* JScript pages that eval request input: the China Chopper family beyond the
 * one-liner (no "unsafe", input through a variable, base64-wrapped input). */
rule spoor_webshell_jscript_eval_request
{
  meta:
    author = "spoor"
    description = "JScript ASP.NET page that evaluates code taken from the request"
    level = "critical"
    mitre_attack = "T1505.003"
  strings:
    /* server-side JScript: the page directive or a runat=server script
       block; <script language="javascript"> alone runs in the browser */
    $jscript = /<%@[^>]{0,200}Language\s*=\s*["']?J(ava)?Script/ nocase ascii wide
    $jscript_block1 = /<script[^>]{0,200}runat\s*=\s*["']?server[^>]{0,200}language\s*=\s*["']?J(ava)?Script/ nocase ascii wide
    $jscript_block2 = /<script[^>]{0,200}language\s*=\s*["']?J(ava)?Script[^>]{0,200}runat\s*=\s*["']?server/ nocase ascii wide
    /* JScript is case-sensitive: eval, not the data binder's Eval */
    $eval_req = /\beval\s*\([^;]{0,300}\bRequest\b/ ascii wide
    $unsafe = /\beval\s*\([^;]{0,300},\s*["']unsafe["']\s*\)/ nocase ascii wide
  condition:
    (filesize < 64KB and spoor_aspnet_markup and
     ($jscript or $jscript_block1 or $jscript_block2) and
     ($eval_req or ($unsafe and spoor_request_input)))
    and not spoor_rule_source
    /* one finding per shell: the specific rules name it better */
    and not spoor_webshell_chopper_oneliner
    and not spoor_webshell_chopper_scriptblock
    and not spoor_webshell_oab_vdir_export
}

/* ======================================================================
 * Family rules: the web shells the rules above do not cover (classic ASP
 * shells, ASPX command pages driven by server controls, encrypted assembly
 * loaders such as Behinder and Godzilla, .asmx web-method shells, file
 * managers, SQL consoles, XSLT script shells). Written for spoor from how
 * each family works; docs/DETECTION.md has the measurements.
 *
 * The common thread: a sink (code evaluation, process start, assembly load,
 * file write/delete, SQL execution) must be reachable from attacker input:
 * the HTTP request, a server control's .Text/.Value (a TextBox posted back),
 * or a web method's parameter. A page that runs a fixed command, binds data
 * with <%# Eval("Name") %> or saves uploads to a fixed folder is not flagged.
 * A file one of the rules above already names gets no second finding from
 * these (spoor_known_shell).
 * ====================================================================== */

/* One of the specific rules above matched. */
private rule spoor_known_shell
{
  meta:
    author = "spoor"
    description = "matched by a specific rule above (helper)"
  condition:
    spoor_webshell_chopper_oneliner or spoor_webshell_chopper_scriptblock or
    spoor_webshell_oab_vdir_export or spoor_webshell_aspx_process_exec or
    spoor_webshell_aspx_assembly_loader or spoor_webshell_aspx_upload_saveas or
    spoor_webshell_jscript_eval_request
}

/* Reads HTTP request input: Request("x"), Request.Form["x"], the raw body. */
private rule spoor_fam_request
{
  meta:
    author = "spoor"
    description = "reads HTTP request input (helper)"
  strings:
    /* \b keeps XMLHttpRequest( / WebRequest( of client script out */
    $index = /\bRequest\s*(\.\s*(Item|Form|QueryString|Params|Headers|Cookies|ServerVariables)\s*)?[\[\(]/ nocase ascii wide
    $body = /\bRequest\s*\.\s*(InputStream|BinaryRead|TotalBytes|GetBufferlessInputStream|Files)\b/ nocase ascii wide
    $form = /\bRequest\s*\.\s*(Form|QueryString)\b/ nocase ascii wide
  condition:
    any of them
}

/* ASP.NET (not classic ASP): an ASP.NET directive or C#/VB.NET source. */
private rule spoor_fam_aspnet
{
  meta:
    author = "spoor"
    description = "ASP.NET page, control, handler or service (helper)"
  strings:
    $directive = /<%@\s*(Page|Control|WebHandler|WebService|Master|Application|Assembly|Import)\b/ nocase ascii wide
    $runat = /<script[^>]{0,200}runat\s*=\s*["']?server/ nocase ascii wide
    $using = /\busing\s+System(\.[A-Za-z]+)*\s*;/ ascii wide
    $lang = /<%@\s*Language\s*=\s*["']?(C#|CSharp|VB|JScript)["'\s]/ nocase ascii wide
    $handler = /\bIHttpHandler\b/ ascii wide
  condition:
    /* C# source without page markup counts only when small: a web shell is
       one self-contained page or handler, while an application's shared
       class library (hundreds of KB) uses every API a shell does */
    $directive or $runat or $lang or $handler or
    ($using and filesize < 256KB)
}

/* Classic ASP: server code blocks without an ASP.NET directive. */
private rule spoor_fam_classic_asp
{
  meta:
    author = "spoor"
    description = "classic ASP page (helper)"
  strings:
    $inline = "<%" ascii wide
    $script = /<script[^>]{0,200}runat\s*=\s*["']?server/ nocase ascii wide
    $net = /<%@\s*(Page|Control|WebHandler|WebService|Master|Application)\b/ nocase ascii wide
  condition:
    ($inline or $script) and not $net
}

/* Classic ASP one-liners and their disguises: VBScript Execute /
 * ExecuteGlobal / Eval (or JScript eval) of request input, directly or
 * through a variable, a decoder, a session value or a class. Catches the
 * "<%execute request("x")%>" one-liners, Behinder's classic-ASP XOR loader
 * (BinaryRead, XOR, execute(result)) and encoded-payload big shells. */
rule spoor_webshell_asp_eval_request
{
  meta:
    author = "spoor"
    description = "classic ASP page that executes script code taken from the request (VBScript Execute/ExecuteGlobal/Eval)"
    level = "critical"
    mitre_attack = "T1505.003,T1059.005"
  strings:
    /* execute request("x") / eval(Request.Form("x")) */
    $direct = /[^.\w](Execute|ExecuteGlobal|Eval)\s*[\(\s]\s*\(?\s*Request\b/ nocase ascii wide
    /* Execute(x), ExecuteGlobal(decode(x)): a statement, not conn.Execute */
    /* (the name is apart from the keyword: ExecuteSql(x) is a function of
       the page's own, not VBScript's Execute) */
    $exec_var = /(^|[^.\w"'])(Execute|ExecuteGlobal)(\s+|\s*\(\s*)[A-Za-z_][A-Za-z0-9_]{0,40}\s*[\)\(\r\n:%]/ nocase ascii wide
    /* Eval(x) as a statement; "y = Eval(f(a) Or g(b))" computes a value */
    $eval_var = /(^|[\r\n:%>;])[ \t]*Eval\s*[\(\s]\s*[A-Za-z_][A-Za-z0-9_]{0,40}\s*[\)\(\r\n:%]/ nocase ascii wide
    /* Execute decode("..."), ExecuteGlobal(StrReverse(a)): running what a
       decoder returns is the obfuscated one-liner, with or without a
       visible Request (the decoded text holds it) */
    $exec_call = /(^|[^.\w"'])(Execute|ExecuteGlobal)(\s+|\s*\(\s*)[A-Za-z_][A-Za-z0-9_]{0,40}\s*\(/ nocase ascii wide
    /* MSScriptControl with the Request object handed in, then run */
    $sc_add = /\.\s*AddObject\b/ nocase ascii wide
    $sc_run = /\.\s*(ExecuteStatement|AddCode|Eval)\s*[\(\s]/ nocase ascii wide
    /* JScript: eval taken as a value ({'E':eval}, var f = eval;) to be
       called later under another name */
    $eval_alias = /[:=]\s*eval\s*[,;}\)]/ ascii wide
  condition:
    (filesize < 2MB and spoor_fam_classic_asp and
     ($direct or $exec_call or ($sc_add and $sc_run) or
      (spoor_fam_request and ($exec_var or $eval_var or $eval_alias))))
    and not spoor_rule_source and not spoor_known_shell
}

/* Classic ASP command shells: WScript.Shell / Shell.Application (by name or
 * by CLSID) whose Exec / Run / ShellExecute runs what the request says. */
rule spoor_webshell_asp_shell_exec
{
  meta:
    author = "spoor"
    description = "classic ASP page that runs commands through WScript.Shell or Shell.Application with request input"
    level = "critical"
    mitre_attack = "T1505.003,T1059.003"
  strings:
    $wsh = /WScript\s*\.\s*Shell\b/ nocase ascii wide
    $shapp = /Shell\s*\.\s*Application\b/ nocase ascii wide
    $wsh_split = /["']WScript["']\s*[&+]\s*["']\s*\.?\s*Shell["']/ nocase ascii wide
    $clsid_wsh = "72C24DD5-D70A-438B-8A42-98424B88AFB8" nocase ascii wide
    $clsid_shapp = "13709620-C279-11CE-A49E-444553540000" nocase ascii wide
    $run = /\.\s*(Exec|Run|ShellExecute)\s*[\(\s]/ nocase ascii wide
  condition:
    (filesize < 2MB and spoor_fam_classic_asp and spoor_fam_request and
     any of ($wsh, $shapp, $wsh_split, $clsid_*) and $run)
    and not spoor_rule_source and not spoor_known_shell
}

/* Script Encoder output (#@~^...^#~@) inside an ASP page: the "vbencode"
 * bypass hides a one-liner from text search. Rare in legitimate pages today;
 * reported at medium so a review looks at it. */
rule spoor_webshell_asp_encoded_script
{
  meta:
    author = "spoor"
    description = "ASP page carrying Script Encoder (VBScript.Encode / JScript.Encode) encoded server code"
    level = "medium"
    mitre_attack = "T1505.003,T1027"
  strings:
    $encoded = /#@~\^[A-Za-z0-9+\/]{6}==/ ascii wide
    $lang = /Language\s*=\s*["']?(VBScript|JScript)\.Encode/ nocase ascii wide
    /* <%@ codepage=65000 %>: the page source is UTF-7, hiding the code */
    $utf7 = /<%@[^%]{0,100}codepage\s*=\s*["']?65000\b/ nocase ascii wide
  condition:
    (filesize < 2MB and ($lang or $utf7 or ($encoded and spoor_fam_classic_asp)))
    and not spoor_rule_source and not spoor_known_shell
}

/* Classic ASP file managers: FileSystemObject (or ADODB.Stream) browsing,
 * writing and deleting files where the request says (big shells, "FSO"
 * managers, uploaders with a chosen path). */
rule spoor_webshell_asp_file_manager
{
  meta:
    author = "spoor"
    description = "classic ASP file manager: FileSystemObject/ADODB.Stream browse, write and delete driven by the request"
    level = "high"
    mitre_attack = "T1505.003,T1083,T1105"
  strings:
    $fso = /Scripting\s*\.\s*FileSystemObject/ nocase ascii wide
    $fso_clsid = "0D43FE01-F093-11CF-8940-00A0C9054228" nocase ascii wide
    $del = /\.\s*(DeleteFile|DeleteFolder)\b/ nocase ascii wide
    $write1 = /\.\s*(CreateTextFile|SaveToFile|CopyFile|MoveFile|CopyFolder|MoveFolder)\b/ nocase ascii wide
    $write2 = /\.\s*OpenTextFile\s*\([^)\r\n]{0,120},\s*(2|8|ForWriting|ForAppending)\b/ nocase ascii wide
    $browse = /\.\s*(GetFolder|SubFolders|Drives|GetDrive)\b/ nocase ascii wide
    /* shows any file the request names: OpenTextFile(file, 1) ... ReadAll */
    $read_var = /\.\s*OpenTextFile\s*\(\s*[A-Za-z_][A-Za-z0-9_]{0,40}\s*[,)]/ nocase ascii wide
    $read_all = /Response\s*\.\s*Write\s*[\(\s]\s*\(?\s*[A-Za-z_][A-Za-z0-9_]{0,40}\s*\.\s*ReadAll\b/ nocase ascii wide
  condition:
    /* the object name is often hidden ("scr"&"ipting..", a constant); the
       FSO method names are not */
    (filesize < 2MB and spoor_fam_classic_asp and spoor_fam_request and
     $browse and
     (($del and ($write1 or $write2)) or
      (($fso or $fso_clsid) and $read_var and $read_all)))
    and not spoor_rule_source and not spoor_known_shell
}

/* Classic ASP SQL consoles: an ADODB connection opened with a connection
 * string from the request, or a statement from the request executed. */
rule spoor_webshell_asp_sql_console
{
  meta:
    author = "spoor"
    description = "classic ASP SQL console: ADODB connection string or SQL text taken from the request"
    level = "high"
    mitre_attack = "T1505.003,T1213"
  strings:
    $ado = /ADODB\s*\.\s*(Connection|Command|Recordset)/ nocase ascii wide
    $open_req = /\.\s*Open\s*[\(\s]\s*\(?\s*(Trim\s*\(\s*)?Request\b/ nocase ascii wide
    $exec_req = /\.\s*Execute\s*[\(\s]\s*\(?\s*(Trim\s*\(\s*)?Request\b/ nocase ascii wide
    /* sql = Request("sql") ... conn.Execute(sql) */
    $sql_req = /\b[A-Za-z_]{0,10}sql[A-Za-z0-9_]{0,10}\s*=\s*(Trim\s*\(\s*)?Request\b/ nocase ascii wide
    $exec_var = /\.\s*Execute\s*[\(\s]\s*\(?\s*[A-Za-z_][A-Za-z0-9_]{0,40}\s*[\)\r\n]/ nocase ascii wide
    /* connection string built from the request or from a session value */
    $cs_req = /(Provider|Data Source|Server|Uid|Pwd|Password)\s*=[^\r\n]{0,120}&\s*(Trim\s*\(\s*)?(Request|Session)\s*[\(\.]/ nocase ascii wide
  condition:
    (filesize < 2MB and spoor_fam_classic_asp and $ado and
     ($open_req or $exec_req or ($exec_var and ($sql_req or $cs_req) and spoor_fam_request)))
    and not spoor_rule_source and not spoor_known_shell
}

/* ASPX command pages: cmdasp, AspxSpy and friends start a process whose file
 * name, arguments or standard input come from a TextBox (.Text), an HTML
 * input (.Value) or the request; PowerShell runspaces likewise (Antak). */
rule spoor_webshell_aspx_control_exec
{
  meta:
    author = "spoor"
    description = "ASP.NET page that starts a process or PowerShell script from a posted control's text or the request"
    level = "critical"
    mitre_attack = "T1505.003,T1059.003,T1059.001"
  strings:
    $psi = "ProcessStartInfo" nocase ascii wide
    $start = /(Process\s*\.\s*Start\s*\(|new\s+(System\s*\.\s*Diagnostics\s*\.\s*)?Process\s*\(\s*\)|\.\s*StartInfo\s*\.\s*(FileName|Arguments)\b)/ nocase ascii wide
    /* .FileName/.Arguments = cmd.Text, "/c " + txt.Value, Request[...] */
    $args_in = /\.\s*(Arguments|FileName)\s*=[^;\r\n]{0,160}(\.\s*(Text|Value)\b|\bRequest\b)/ nocase ascii wide
    $start_in = /(Process\s*\.\s*Start|ProcessStartInfo)\s*\([^;]{0,200}\.\s*(Text|Value)\b/ nocase ascii wide
    $stdin_in = /StandardInput\s*\.\s*Write(Line)?\s*\([^;]{0,160}(\.\s*(Text|Value)\b|\bRequest\b)/ nocase ascii wide
    $ps_in = /\.\s*AddScript\s*\([^;]{0,160}(\.\s*(Text|Value)\b|\bRequest\b)/ nocase ascii wide
    $ps_invoke = /(RunspaceFactory|PowerShell\s*\.\s*Create|Pipeline)/ nocase ascii wide
    /* Arguments = "/c " + command: a variable, filled by the caller from a
       TextBox (ExecuteCommand(txtCommand.Text)) or the request */
    $args_var = /\.\s*(Arguments|FileName)\s*=\s*(["'][^"'\r\n]{0,40}["']\s*\+\s*){0,4}[A-Za-z_][A-Za-z0-9_]{0,40}\s*[;+]/ nocase ascii wide
    $stdin_var = /StandardInput\s*\.\s*Write(Line)?\s*\(\s*[A-Za-z_]/ nocase ascii wide
    $control_text = /\b[A-Za-z_][A-Za-z0-9_]{0,40}\s*\.\s*(Text|Value)\s*[\),;]/ ascii wide
    $textbox = /<asp:TextBox\b|<input[^>]{0,200}runat\s*=\s*["']?server|<textarea[^>]{0,200}runat\s*=\s*["']?server/ nocase ascii wide
  condition:
    (filesize < 2MB and spoor_fam_aspnet and
     ((($psi or $start) and ($args_in or $start_in or $stdin_in)) or
      ($ps_in and $ps_invoke) or
      (($psi or $start) and ($args_var or $stdin_var) and
       (spoor_fam_request or ($textbox and $control_text)))))
    and not spoor_rule_source and not spoor_known_shell
}

/* Behinder / Godzilla style loaders: the request body (or a base64 request
 * field) is decrypted with AES/Rijndael (or XOR) and loaded as an assembly,
 * often through reflection (GetMethod("Load")). Memory-resident payloads. */
rule spoor_webshell_aspx_crypto_loader
{
  meta:
    author = "spoor"
    description = "ASP.NET page, handler or service that loads an assembly decrypted from request input (Behinder/Godzilla-style loader)"
    level = "critical"
    mitre_attack = "T1505.003,T1620,T1027"
  strings:
    $load = /Assembly\s*\.\s*Load\s*\(/ nocase ascii wide
    $load_refl = /GetMethod\s*\(\s*["']Load["']/ nocase ascii wide
    $crypt1 = /(Rijndael|RijndaelManaged|Aes|AesManaged|AesCryptoServiceProvider|TripleDES|DES)\s*(\.\s*Create\s*)?\(/ ascii wide
    $crypt2 = /CreateDecryptor\s*\(/ nocase ascii wide
    $crypt3 = /TransformFinalBlock\s*\(/ nocase ascii wide
    $b64 = /FromBase64String\s*\(/ nocase ascii wide
  condition:
    (filesize < 2MB and spoor_fam_aspnet and spoor_fam_request and
     ($load or $load_refl) and (any of ($crypt*) or $b64))
    and not spoor_rule_source and not spoor_known_shell
}

/* .asmx shells: a web method whose parameters reach a process start, an
 * assembly load or an eval. A web method's arguments are request input. */
rule spoor_webshell_asmx_webmethod_exec
{
  meta:
    author = "spoor"
    description = "ASP.NET web service (.asmx) whose web method runs a command, loads an assembly or evaluates code from its arguments"
    level = "critical"
    mitre_attack = "T1505.003,T1059.003"
  strings:
    $service = /<%@\s*WebService\b/ nocase ascii wide
    $method = /\[\s*(System\s*\.\s*Web\s*\.\s*Services\s*\.\s*)?WebMethod\b/ nocase ascii wide
    /* a non-literal file name / arguments / start argument */
    $psi_var = /\.\s*(Arguments|FileName)\s*=\s*[^"';\s]/ nocase ascii wide
    $start_var = /(Process\s*\.\s*Start|ProcessStartInfo)\s*\(\s*[^"')\s]/ nocase ascii wide
    $load = /Assembly\s*\.\s*Load\s*\(\s*[^"')\s]/ nocase ascii wide
    $eval = /\beval\s*\(\s*[A-Za-z_]/ ascii wide
  condition:
    (filesize < 2MB and $service and $method and any of ($psi_var, $start_var, $load, $eval))
    and not spoor_rule_source and not spoor_known_shell
}

/* ASPX file managers (AspxSpy, "filesystembrowser", caidao's customize.ashx):
 * list directories and drives, delete, write or upload files, at paths the
 * request or a posted control chooses. */
rule spoor_webshell_aspx_file_manager
{
  meta:
    author = "spoor"
    description = "ASP.NET file manager: directory listing plus file delete/write/upload at request-chosen paths"
    level = "high"
    mitre_attack = "T1505.003,T1083,T1105"
  strings:
    $list = /(Directory\s*\.\s*(GetDirectories|GetFiles|GetLogicalDrives)|DirectoryInfo\s*\(|\.\s*GetDirectories\s*\(|DriveInfo\s*\.\s*GetDrives)/ nocase ascii wide
    $del = /(File|Directory)\s*\.\s*Delete\s*\(|\.\s*Delete\s*\(\s*(true)?\s*\)/ nocase ascii wide
    $write = /(File\s*\.\s*(WriteAllText|WriteAllBytes|Copy|Move|Create|AppendAllText)|new\s+(System\s*\.\s*IO\s*\.\s*)?StreamWriter|\.\s*SaveAs|Directory\s*\.\s*(CreateDirectory|Move))\s*\(/ nocase ascii wide
    $path_in = /(File|Directory)\s*\.\s*(Delete|WriteAllText|WriteAllBytes|Copy|Move|CreateDirectory|Exists|ReadAllText|ReadAllBytes)\s*\([^;]{0,160}(\.\s*(Text|Value)\b|\bRequest\b|Z1|Z2)/ nocase ascii wide
    $path_ctx = /(DirectoryInfo|StreamWriter|FileStream|StreamReader)\s*\([^;]{0,160}(\.\s*(Text|Value)\b|\bRequest\b)/ nocase ascii wide
    /* hands any file on the server to the client */
    $send = /Response\s*\.\s*(WriteFile|TransmitFile)\s*\(\s*[A-Za-z_]/ nocase ascii wide
    $dir_req = /(Directory\s*\.\s*Exists|DirectoryInfo)\s*\(\s*[^;"]{0,20}Request\s*\.\s*(Params|QueryString|Form|Item)?\s*\[/ nocase ascii wide
    $dir_var = /[A-Za-z_]+\s*=\s*Request\s*\.\s*(Params|QueryString|Form)\s*\[\s*["'](dir|directory|path|folder)["']\s*\]/ nocase ascii wide
  condition:
    (filesize < 2MB and spoor_fam_aspnet and $list and
     (($del and $write and ($path_in or $path_ctx or spoor_fam_request)) or
      ($send and ($dir_req or $dir_var))))
    and not spoor_rule_source and not spoor_known_shell
}

/* ASPX SQL consoles: an ADO.NET connection (SQL Server, OLE DB, ODBC) whose
 * connection string or command text is a posted control's text or request
 * input, then executed. A page with fixed SQL and parameters is not one. */
rule spoor_webshell_aspx_sql_console
{
  meta:
    author = "spoor"
    description = "ASP.NET SQL console: connection string or SQL text from a posted control or the request, executed"
    level = "high"
    mitre_attack = "T1505.003,T1213"
  strings:
    $conn = /(Sql|OleDb|Odbc)Connection\b/ ascii wide
    $exec = /\.\s*(ExecuteReader|ExecuteNonQuery|ExecuteScalar|Fill)\s*\(/ nocase ascii wide
    $cs_in = /(new\s+(System\s*\.\s*Data\s*\.\s*(SqlClient|OleDb|Odbc)\s*\.\s*)?(Sql|OleDb|Odbc)Connection\s*\(|\.\s*ConnectionString\s*=)\s*[^;]{0,40}(\.\s*(Text|Value)\s*[\);]|\bRequest\b)/ nocase ascii wide
    $sql_in = /(new\s+(System\s*\.\s*Data\s*\.\s*(SqlClient|OleDb|Odbc)\s*\.\s*)?(Sql|OleDb|Odbc)(Command|DataAdapter)\s*\(|\.\s*CommandText\s*=)\s*[^;"]{0,40}(\.\s*(Text|Value)\s*[\),;]|\bRequest\b)/ nocase ascii wide
    /* "server=" + serverIP + ";uid=" + user, the values from TextBoxes */
    $cs_concat = /(server|data source|uid|user id|pwd|password|database)\s*=\s*["']\s*\+\s*[A-Za-z_]/ nocase ascii wide
    $textbox = /<asp:TextBox\b/ nocase ascii wide
  condition:
    (filesize < 2MB and spoor_fam_aspnet and $conn and $exec and
     ($cs_in or $sql_in or ($cs_concat and $textbox)))
    and not spoor_rule_source and not spoor_known_shell
}

/* JScript.NET eval with the unsafe flag: eval(x, "unsafe") in an ASPX or
 * ASP page, the flag and the code assembled from pieces ("u"+"nsafe",
 * comments between tokens, base64) so the China Chopper rules miss it. */
rule spoor_webshell_jscript_eval_unsafe
{
  meta:
    author = "spoor"
    description = "JScript page that calls the two-argument eval (the \"unsafe\" flag) on request input or decoded code"
    level = "critical"
    mitre_attack = "T1505.003,T1027"
  strings:
    $jscript = /Language\s*=\s*["']?J(ava)?Script\b/ nocase ascii wide
    /* eval(P, "unsafe"), eval(str, a), comments between the tokens */
    $eval2 = /\beval\s*\(\s*[^;()"']{1,200},/ ascii wide
    $unsafe1 = "\"unsafe\"" nocase ascii wide
    $unsafe2 = "'unsafe'" nocase ascii wide
    $unsafe3 = "afe\"" nocase ascii wide
    $unsafe4 = "\"u\"+\"n" nocase ascii wide
    $b64 = /FromBase64String\s*\(/ nocase ascii wide
    $req = /\bRequest\b/ nocase ascii wide
  condition:
    (filesize < 1MB and $jscript and $eval2 and (any of ($unsafe*) or $b64 or $req))
    and not spoor_rule_source and not spoor_known_shell
}

/* XSLT with an embedded script (msxsl:script) that runs commands or
 * evaluates request input: the stylesheet carries the shell, the page only
 * transforms (zcgonvh's xslt shells, ASP and ASPX). */
rule spoor_webshell_xslt_script_exec
{
  meta:
    author = "spoor"
    description = "page that runs an XSLT stylesheet whose msxsl:script starts commands or evaluates request input"
    level = "critical"
    mitre_attack = "T1505.003,T1220"
  strings:
    $msxsl = /<msxsl:script\b/ nocase ascii wide
    $sink1 = /ActiveXObject\s*\(\s*["']{1,2}wscript\.shell/ nocase ascii wide
    $sink2 = /\beval\s*\(\s*Request\b/ nocase ascii wide
    $sink3 = /(Process\s*\.\s*Start|ProcessStartInfo)\b/ nocase ascii wide
    $sink4 = /\.\s*Exec\s*\(/ nocase ascii wide
    $transform = /(TransformNode|XslCompiledTransform|XslTransform|\.\s*Transform\s*\()/ nocase ascii wide
  condition:
    (filesize < 1MB and $msxsl and $transform and any of ($sink*))
    and not spoor_rule_source and not spoor_known_shell
}

/* Classic ASP droppers and writers: fetch a file over HTTP and save it as a
 * page or script (XMLHTTP + ADODB.Stream SaveToFile), write a .vbs/.bat
 * that is then run, or write request content into a file. */
rule spoor_webshell_asp_dropper
{
  meta:
    author = "spoor"
    description = "classic ASP page that downloads or writes an executable script or page on the server"
    level = "high"
    mitre_attack = "T1505.003,T1105"
  strings:
    $http = /(Microsoft|Msxml2)\s*\.\s*(Server)?XMLHTTP/ nocase ascii wide
    $body = /\.\s*responseBody\b/ nocase ascii wide
    $save_script = /SaveToFile\s*[\(\s]\s*["'][^"'\r\n]{1,260}\.(asp|aspx|asa|cer|cdx|ashx|asmx|vbs|bat|cmd|exe|js)["']/ nocase ascii wide
    $create_script = /CreateTextFile\s*\(\s*["'][^"'\r\n]{1,260}\.(vbs|bat|cmd|js|ps1|asp|aspx|asa)["']/ nocase ascii wide
    $wsh = /WScript\s*\.\s*Shell/ nocase ascii wide
    /* FSO writes request text: thisfile.Write(Request.Form("x")) */
    $fso = /Scripting\s*\.\s*FileSystemObject/ nocase ascii wide
    $write_req = /\.\s*Write(Line)?\s*[\(\s]\s*\(?[^\r\n]{0,40}\bRequest\s*(\.\s*(Form|QueryString|Item)\s*)?\(/ nocase ascii wide
    $create = /\.\s*CreateTextFile\s*\(/ nocase ascii wide
  condition:
    (filesize < 2MB and spoor_fam_classic_asp and
     (($http and $body and $save_script) or
      ($create_script and ($wsh or $http)) or
      ($fso and $create and $write_req and spoor_fam_request)))
    and not spoor_rule_source and not spoor_known_shell
}

/* Classic ASP file writers: FileSystemObject opens a file at a path taken
 * from the request (often through Server.MapPath) and writes request text
 * into it: the "small horse" that plants the big shell. Reported at medium:
 * a content editor does the same, so a review decides. */
rule spoor_webshell_asp_file_writer
{
  meta:
    author = "spoor"
    description = "classic ASP page that writes a file at a request-chosen path with FileSystemObject"
    level = "medium"
    mitre_attack = "T1505.003,T1105"
  strings:
    $open_var = /\.\s*(CreateTextFile|OpenTextFile)\s*\(\s*(Server\s*\.\s*MapPath\s*\(\s*)?[A-Za-z_][A-Za-z0-9_]{0,40}\s*[\),&]/ nocase ascii wide
    $write = /\.\s*Write(Line)?\s*[\(\s]\s*\(?\s*[A-Za-z_"]/ nocase ascii wide
    $path_req = /\b[A-Za-z_][A-Za-z0-9_]{0,40}\s*=\s*(Trim\s*\(\s*|Replace\s*\(\s*)?Request\s*(\.\s*(Form|QueryString|Item)\s*)?\(/ nocase ascii wide
    /* a multipart upload parser (CMS asset managers, editor connectors)
       writes the uploaded file's bytes, not text the request dictates */
    $binread = /Request\s*\.\s*BinaryRead\b/ nocase ascii wide
  condition:
    (filesize < 2MB and spoor_fam_classic_asp and $open_var and $write and $path_req
     and not $binread)
    and not spoor_rule_source and not spoor_known_shell
    and not spoor_webshell_asp_file_manager
    and not spoor_webshell_asp_dropper
}

/* ASPX uploaders that write the posted file beside the page itself (the
 * directory of Request.PhysicalPath, or MapPath(".")) under the name the
 * client chose: whatever is uploaded becomes a page. A handler that saves
 * into a fixed uploads folder does not match. */
rule spoor_webshell_aspx_upload_beside_page
{
  meta:
    author = "spoor"
    description = "ASP.NET page that saves an uploaded file, under the client's file name, in the page's own directory"
    level = "high"
    mitre_attack = "T1505.003,T1105"
  strings:
    $files = /\bRequest\s*\.\s*Files\b/ nocase ascii wide
    $posted = "HttpPostedFile" nocase ascii wide
    $here1 = /Request\s*\.\s*PhysicalPath\b/ nocase ascii wide
    $here2 = /MapPath\s*\(\s*["'](\.|~|\/|~\/|\.\/)["']\s*\)/ nocase ascii wide
    $name = /Path\s*\.\s*GetFileName\s*\(\s*[A-Za-z_][A-Za-z0-9_.]{0,60}\.\s*FileName\s*\)/ nocase ascii wide
    $write = /(\.\s*SaveAs\s*\(|new\s+(System\s*\.\s*IO\s*\.\s*)?FileStream\s*\()/ nocase ascii wide
  condition:
    (filesize < 1MB and spoor_fam_aspnet and ($files or $posted) and
     ($here1 or $here2) and $name and $write)
    and not spoor_rule_source and not spoor_known_shell
}
