/*
 * sigma_logsource.c - spoor's Sigma log source mapping: which events a
 * rule's `logsource` (product, category, service) stands for, as spoor
 * source kinds plus conditions on the Windows Channel and EventID, and the
 * field renames from Sigma's taxonomy to the names spoor's readers emit.
 *
 * Windows: every Sysmon category by its event id on the Sysmon channel;
 * process_creation also from Security 4688 (NewProcessName -> Image,
 * ParentProcessName -> ParentImage, SubjectUserName -> User: approximately,
 * 4688's subject is the creator); PowerShell ps_module/ps_script (4103,
 * 4104 on both PowerShell channels) and the classic 400/600/800; every
 * service by its channel (any event id: the rule names it).
 * Web and network logs: webserver -> "iis" and "exchange_httpproxy" with
 * W3C names renamed to the ECS fields of event.h; proxy -> Zeek "http";
 * dns -> Zeek "dns"; firewall -> Zeek "conn"; product zeek, service X ->
 * Zeek kind X (names as Zeek writes them). Anything else is reported as an
 * unsupported log source.
 *
 * A rule maps to every entry whose category equals the rule's (both may be
 * absent), whose service equals the rule's when the rule names one, and
 * whose product is the rule's (an entry without product takes any).
 */
#include "sigma/sigma_int.h"

#include <string.h>

#define SYSMON "Microsoft-Windows-Sysmon/Operational"
#define PS_OP "Microsoft-Windows-PowerShell/Operational"
#define PS_CORE "PowerShellCore/Operational"
#define PS_CLASSIC "Windows PowerShell"

static const char *const ren_4688[] = {"Image",
                                       "NewProcessName",
                                       "ParentImage",
                                       "ParentProcessName",
                                       "User",
                                       "SubjectUserName",
                                       "ProcessId",
                                       "NewProcessId",
                                       "ParentProcessId",
                                       "ProcessId",
                                       NULL};

static const char *const ren_web[] = {"cs-uri-query",
                                      "url.query",
                                      "cs-uri-stem",
                                      "url.path",
                                      "c-ip",
                                      "source.ip",
                                      "cs-user-agent",
                                      "user_agent.original",
                                      "cs-useragent",
                                      "user_agent.original",
                                      "sc-status",
                                      "http.response.status_code",
                                      "cs-method",
                                      "http.request.method",
                                      "cs-referer",
                                      "http.request.referrer",
                                      "cs-referrer",
                                      "http.request.referrer",
                                      "cs-host",
                                      "url.domain",
                                      "cs-username",
                                      "user.name",
                                      "s-ip",
                                      "destination.ip",
                                      "s-port",
                                      "destination.port",
                                      "cs-cookie",
                                      "http.request.cookie",
                                      "cs-uri",
                                      "url.original",
                                      "sc-bytes",
                                      "http.response.bytes",
                                      "cs-bytes",
                                      "http.request.bytes",
                                      NULL};

static const char *const ren_proxy[] = {"c-uri",       "uri",
                                        "c-uri-query", "uri",
                                        "c-uri-stem",  "uri",
                                        "c-useragent", "user_agent",
                                        "cs-host",     "host",
                                        "r-dns",       "host",
                                        "cs-method",   "method",
                                        "sc-status",   "status_code",
                                        "cs-referrer", "referrer",
                                        "c-ip",        "id.orig_h",
                                        "dst_ip",      "id.resp_h",
                                        "cs-bytes",    "request_body_len",
                                        "sc-bytes",    "response_body_len",
                                        NULL};

static const char *const ren_dns[] = {"answer", "answers", "record_type",
                                      "qtype_name", NULL};

static const char *const ren_fw[] = {"src_ip",    "id.orig_h", "dst_ip",
                                     "id.resp_h", "src_port",  "id.orig_p",
                                     "dst_port",  "id.resp_p", NULL};

#define SYS(cat, id)                                                           \
  { "windows", cat, NULL, "evtx", SYSMON, id, NULL, NULL, NULL }
/* Microsoft Defender writes its EventData names with spaces ("Threat
 * Name"); Sigma rules (and SigmaHQ's regression checker) name them without
 * ("ThreatName"). The names of the Defender event manifest. */
static const char *const ren_defender[] = {"ProductName",
                                           "Product Name",
                                           "ProductVersion",
                                           "Product Version",
                                           "DetectionID",
                                           "Detection ID",
                                           "DetectionTime",
                                           "Detection Time",
                                           "ThreatID",
                                           "Threat ID",
                                           "ThreatName",
                                           "Threat Name",
                                           "SeverityID",
                                           "Severity ID",
                                           "SeverityName",
                                           "Severity Name",
                                           "CategoryID",
                                           "Category ID",
                                           "CategoryName",
                                           "Category Name",
                                           "StatusCode",
                                           "Status Code",
                                           "StatusDescription",
                                           "Status Description",
                                           "SourceID",
                                           "Source ID",
                                           "SourceName",
                                           "Source Name",
                                           "ProcessName",
                                           "Process Name",
                                           "DetectionUser",
                                           "Detection User",
                                           "OriginID",
                                           "Origin ID",
                                           "OriginName",
                                           "Origin Name",
                                           "ExecutionID",
                                           "Execution ID",
                                           "ExecutionName",
                                           "Execution Name",
                                           "TypeID",
                                           "Type ID",
                                           "TypeName",
                                           "Type Name",
                                           "PreExecutionStatus",
                                           "Pre Execution Status",
                                           "ActionID",
                                           "Action ID",
                                           "ActionName",
                                           "Action Name",
                                           "ErrorCode",
                                           "Error Code",
                                           "ErrorDescription",
                                           "Error Description",
                                           "PostCleanStatus",
                                           "Post Clean Status",
                                           "AdditionalActionsID",
                                           "Additional Actions ID",
                                           "AdditionalActionsString",
                                           "Additional Actions String",
                                           "RemediationUser",
                                           "Remediation User",
                                           "SecurityintelligenceVersion",
                                           "Security intelligence Version",
                                           "EngineVersion",
                                           "Engine Version",
                                           "OldValue",
                                           "Old Value",
                                           "NewValue",
                                           "New Value",
                                           "SignatureVersion",
                                           "Signature Version",
                                           "FeatureName",
                                           "Feature Name",
                                           "FeatureID",
                                           "Feature ID",
                                           "ScanID",
                                           "Scan ID",
                                           "ScanTypeIndex",
                                           "Scan Type Index",
                                           "ScanType",
                                           "Scan Type",
                                           "ScanParametersIndex",
                                           "Scan Parameters Index",
                                           "ScanParameters",
                                           "Scan Parameters",
                                           "ScanResources",
                                           "Scan Resources",
                                           NULL};

#define SVC(svc, chan)                                                         \
  { "windows", NULL, svc, "evtx", chan, -1, NULL, NULL, NULL }

static const sg_logsource table[] = {
    SYS("process_creation", 1),
    {"windows", "process_creation", NULL, "evtx", "Security", 4688, NULL, NULL,
     ren_4688},
    SYS("file_change", 2),
    SYS("network_connection", 3),
    SYS("sysmon_status", 4),
    SYS("sysmon_status", 16),
    SYS("process_termination", 5),
    SYS("driver_load", 6),
    SYS("image_load", 7),
    SYS("create_remote_thread", 8),
    SYS("raw_access_thread", 9),
    SYS("process_access", 10),
    SYS("file_event", 11),
    SYS("registry_event", 12),
    SYS("registry_event", 13),
    SYS("registry_event", 14),
    {"windows", "registry_add", NULL, "evtx", SYSMON, 12, "EventType",
     "CreateKey", NULL},
    {"windows", "registry_delete", NULL, "evtx", SYSMON, 12, "EventType",
     "DeleteKey", NULL},
    {"windows", "registry_delete", NULL, "evtx", SYSMON, 12, "EventType",
     "DeleteValue", NULL},
    SYS("registry_set", 13),
    SYS("registry_rename", 14),
    SYS("create_stream_hash", 15),
    SYS("pipe_created", 17),
    SYS("pipe_created", 18),
    SYS("wmi_event", 19),
    SYS("wmi_event", 20),
    SYS("wmi_event", 21),
    SYS("dns_query", 22),
    SYS("file_delete", 23),
    SYS("clipboard_change", 24),
    SYS("process_tampering", 25),
    SYS("file_delete_detected", 26),
    SYS("file_block_executable", 27),
    SYS("file_block_shredding", 28),
    SYS("file_executable_detected", 29),
    SYS("sysmon_error", 255),
    {"windows", "ps_module", NULL, "evtx", PS_OP, 4103, NULL, NULL, NULL},
    {"windows", "ps_module", NULL, "evtx", PS_CORE, 4103, NULL, NULL, NULL},
    {"windows", "ps_script", NULL, "evtx", PS_OP, 4104, NULL, NULL, NULL},
    {"windows", "ps_script", NULL, "evtx", PS_CORE, 4104, NULL, NULL, NULL},
    {"windows", "ps_classic_start", NULL, "evtx", PS_CLASSIC, 400, NULL, NULL,
     NULL},
    {"windows", "ps_classic_provider_start", NULL, "evtx", PS_CLASSIC, 600,
     NULL, NULL, NULL},
    {"windows", "ps_classic_script", NULL, "evtx", PS_CLASSIC, 800, NULL, NULL,
     NULL},
    SVC("sysmon", SYSMON),
    SVC("application", "Application"),
    SVC("security", "Security"),
    SVC("system", "System"),
    SVC("ntlm", "Microsoft-Windows-NTLM/Operational"),
    SVC("powershell", PS_OP),
    SVC("powershell", PS_CORE),
    SVC("powershell-classic", PS_CLASSIC),
    SVC("taskscheduler", "Microsoft-Windows-TaskScheduler/Operational"),
    SVC("wmi", "Microsoft-Windows-WMI-Activity/Operational"),
    SVC("dhcp", "Microsoft-Windows-DHCP-Server/Operational"),
    SVC("printservice-admin", "Microsoft-Windows-PrintService/Admin"),
    SVC("printservice-operational",
        "Microsoft-Windows-PrintService/Operational"),
    SVC("smbclient-security", "Microsoft-Windows-SmbClient/Security"),
    SVC("smbclient-connectivity", "Microsoft-Windows-SmbClient/Connectivity"),
    SVC("smbserver-connectivity", "Microsoft-Windows-SMBServer/Connectivity"),
    SVC("terminalservices-localsessionmanager",
        "Microsoft-Windows-TerminalServices-LocalSessionManager/Operational"),
    SVC("codeintegrity-operational",
        "Microsoft-Windows-CodeIntegrity/Operational"),
    SVC("applocker", "Microsoft-Windows-AppLocker/MSI and Script"),
    SVC("applocker", "Microsoft-Windows-AppLocker/EXE and DLL"),
    SVC("applocker", "Microsoft-Windows-AppLocker/Packaged app-Deployment"),
    SVC("applocker", "Microsoft-Windows-AppLocker/Packaged app-Execution"),
    SVC("msexchange-management", "MSExchange Management"),
    {"windows", NULL, "windefend", "evtx",
     "Microsoft-Windows-Windows Defender/Operational", -1, NULL, NULL,
     ren_defender},
    SVC("firewall-as", "Microsoft-Windows-Windows Firewall With Advanced "
                       "Security/Firewall"),
    SVC("bits-client", "Microsoft-Windows-Bits-Client/Operational"),
    SVC("security-mitigations",
        "Microsoft-Windows-Security-Mitigations/Kernel Mode"),
    SVC("security-mitigations",
        "Microsoft-Windows-Security-Mitigations/User Mode"),
    SVC("diagnosis-scripted",
        "Microsoft-Windows-Diagnosis-Scripted/Operational"),
    SVC("shell-core", "Microsoft-Windows-Shell-Core/Operational"),
    SVC("openssh", "OpenSSH/Operational"),
    SVC("ldap", "Microsoft-Windows-LDAP-Client/Debug"),
    SVC("bitlocker", "Microsoft-Windows-BitLocker/BitLocker Management"),
    SVC("vhdmp", "Microsoft-Windows-VHDMP/Operational"),
    SVC("appxdeployment-server",
        "Microsoft-Windows-AppXDeploymentServer/Operational"),
    SVC("lsa-server", "Microsoft-Windows-LSA/Operational"),
    SVC("appxpackaging-om", "Microsoft-Windows-AppxPackaging/Operational"),
    SVC("dns-client", "Microsoft-Windows-DNS Client Events/Operational"),
    SVC("dns-server", "DNS Server"),
    SVC("dns-server-analytic", "Microsoft-Windows-DNS-Server/Analytical"),
    SVC("appmodel-runtime", "Microsoft-Windows-AppModel-Runtime/Admin"),
    SVC("capi2", "Microsoft-Windows-CAPI2/Operational"),
    SVC("certificateservicesclient-lifecycle-system",
        "Microsoft-Windows-CertificateServicesClient-Lifecycle-System/"
        "Operational"),
    SVC("kernel-shimengine", "Microsoft-Windows-Kernel-ShimEngine/Operational"),
    SVC("kernel-shimengine", "Microsoft-Windows-Kernel-ShimEngine/Diagnostic"),
    SVC("application-experience",
        "Microsoft-Windows-Application-Experience/Program-Telemetry"),
    SVC("application-experience", "Microsoft-Windows-Application-Experience/"
                                  "Program-Compatibility-Assistant"),
    SVC("ntfs", "Microsoft-Windows-Ntfs/Operational"),
    SVC("hyper-v-worker", "Microsoft-Windows-Hyper-V-Worker"),
    SVC("kernel-event-tracing", "Microsoft-Windows-Kernel-EventTracing"),
    SVC("sense", "Microsoft-Windows-SENSE/Operational"),
    SVC("servicebus-client", "Microsoft-ServiceBus-Client/Admin"),
    SVC("servicebus-client", "Microsoft-ServiceBus-Client/Operational"),
    SVC("iis-configuration", "Microsoft-IIS-Configuration/Operational"),
    SVC("driver-framework",
        "Microsoft-Windows-DriverFrameworks-UserMode/Operational"),
    SVC("microsoft-servicebus-client", "Microsoft-ServiceBus-Client/Admin"),
    SVC("microsoft-servicebus-client",
        "Microsoft-ServiceBus-Client/Operational"),
    /* product windows alone: every Windows event log record */
    {"windows", NULL, NULL, "evtx", NULL, -1, NULL, NULL, NULL},
    {NULL, "webserver", NULL, "iis", NULL, -1, NULL, NULL, ren_web},
    {NULL, "webserver", NULL, "exchange_httpproxy", NULL, -1, NULL, NULL,
     ren_web},
    {NULL, "proxy", NULL, "http", NULL, -1, NULL, NULL, ren_proxy},
    {NULL, "dns", NULL, "dns", NULL, -1, NULL, NULL, ren_dns},
    {NULL, "firewall", NULL, "conn", NULL, -1, NULL, NULL, ren_fw},
    {"zeek", NULL, "conn", "conn", NULL, -1, NULL, NULL, NULL},
    {"zeek", NULL, "dns", "dns", NULL, -1, NULL, NULL, NULL},
    {"zeek", NULL, "http", "http", NULL, -1, NULL, NULL, NULL},
    {"zeek", NULL, "ssl", "ssl", NULL, -1, NULL, NULL, NULL},
    {"zeek", NULL, "x509", "x509", NULL, -1, NULL, NULL, NULL},
    {"zeek", NULL, "files", "files", NULL, -1, NULL, NULL, NULL},
    {"zeek", NULL, "notice", "notice", NULL, -1, NULL, NULL, NULL},
    {"zeek", NULL, "weird", "weird", NULL, -1, NULL, NULL, NULL},
    {"zeek", NULL, "ssh", "ssh", NULL, -1, NULL, NULL, NULL},
    {"zeek", NULL, "smtp", "smtp", NULL, -1, NULL, NULL, NULL},
    {"zeek", NULL, "kerberos", "kerberos", NULL, -1, NULL, NULL, NULL},
    {"zeek", NULL, "ntlm", "ntlm", NULL, -1, NULL, NULL, NULL},
    {"zeek", NULL, "rdp", "rdp", NULL, -1, NULL, NULL, NULL},
    {"zeek", NULL, "smb_files", "smb_files", NULL, -1, NULL, NULL, NULL},
    {"zeek", NULL, "smb_mapping", "smb_mapping", NULL, -1, NULL, NULL, NULL},
    {"zeek", NULL, "dce_rpc", "dce_rpc", NULL, -1, NULL, NULL, NULL},
};

#define NTABLE (sizeof table / sizeof table[0])

const sg_logsource *sg_logsource_at(size_t i) {
  return i < NTABLE ? &table[i] : NULL;
}

static bool eq(const char *a, const char *b) {
  if (!a || !b)
    return a == b;
  return strcmp(a, b) == 0;
}

size_t sg_logsource_find(const char *product, const char *category,
                         const char *service, const sg_logsource **out,
                         size_t cap) {
  size_t n = 0;
  for (size_t i = 0; i < NTABLE && n < cap; i++) {
    const sg_logsource *l = &table[i];
    if (!eq(l->category, category))
      continue;
    if (service && !eq(l->service, service))
      continue;
    if (!service && !category && (l->service || !product))
      continue; /* a product alone: only its catch-all entry */
    if (l->product && product && strcmp(l->product, product) != 0)
      continue;
    if (l->product && !product && strcmp(l->product, "windows") != 0)
      continue;
    if (!l->product && product && strcmp(product, "windows") == 0)
      continue; /* network categories are not Windows event logs */
    out[n++] = l;
  }
  return n;
}
