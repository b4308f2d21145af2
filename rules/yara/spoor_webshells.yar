/*
 * spoor_webshells.yar - spoor's own YARA rules for server-side web shells
 * seen on Exchange and IIS (China Chopper one-liners and script blocks,
 * CVE-2021-27065 OAB virtual-directory exports, generic ASPX command, loader
 * and upload shells). Written for spoor; embedded into libspoor at build time
 * (cmake/embed.cmake) and loaded unless --no-builtin-yara.
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
    $jscript = /Language\s*=\s*["']?J(ava)?Script/ nocase ascii wide
    $eval_req = /\beval\s*\([^;]{0,300}\bRequest\b/ nocase ascii wide
    $unsafe = /\beval\s*\([^;]{0,300},\s*["']unsafe["']\s*\)/ nocase ascii wide
  condition:
    (filesize < 64KB and spoor_aspnet_markup and $jscript and
     ($eval_req or ($unsafe and spoor_request_input)))
    and not spoor_rule_source
    /* one finding per shell: the specific rules name it better */
    and not spoor_webshell_chopper_oneliner
    and not spoor_webshell_chopper_scriptblock
    and not spoor_webshell_oab_vdir_export
}
