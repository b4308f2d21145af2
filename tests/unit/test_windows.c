/*
 * test_windows.c - the built-in Windows event log detections
 * (src/detect/windows.c) and the CVE-2021-26857 event of proxylogon.c, over
 * EVTX files written with tools/evtxgen's writer (evtxsimple.h) and read by
 * the native reader in whole hunts (jobs 1 and 2 give the same findings).
 * The events follow Microsoft's documented layouts (4624 LogonType,
 * IpAddress, WorkstationName; 4648 TargetServerName; 1102/104 of
 * Microsoft-Windows-Eventlog; Sysmon 1 Image/ParentImage/CommandLine).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <zlib.h>

#include "evtxsimple.h"
#include "testutil.h"

#define T0 1614650000LL /* 2021-03-02 */
#define HOST "EXCH01.contoso.local"
#define SEC "Security"
#define SYSMON "Microsoft-Windows-Sysmon/Operational"

/* A record of name/value pairs (NULL-terminated; a name "" is an unnamed
 * Data). */
static void rec(ews *w, const char *prov, const char *chan, uint16_t eid,
                uint8_t level, uint64_t id, int64_t t, ...) {
  ews_rec r = {.provider = prov,
               .channel = chan,
               .computer = HOST,
               .eid = eid,
               .level = level,
               .record_id = id,
               .unix_s = t};
  va_list ap;
  va_start(ap, t);
  const char *k;
  while ((k = va_arg(ap, const char *)) != NULL && r.n < EWS_DATA) {
    r.names[r.n] = *k ? k : NULL;
    r.values[r.n++] = va_arg(ap, const char *);
  }
  va_end(ap);
  assert_int_equal(ews_add(w, &r), 0);
}

static void save(ews *w, const char *dir, const char *name) {
  char p[1024];
  snprintf(p, sizeof p, "%s/%s", dir, name);
  assert_int_equal(ews_write(w, p), 0);
  ews_free(w);
}

static size_t count_rule(const sp_result *r, const char *rule) {
  size_t n = 0;
  while (tu_find(r, rule, n))
    n++;
  return n;
}

static void test_log_cleared(void **st) {
  (void)st;
  char *dir = tu_tmpdir();
  ews *w = ews_open();
  rec(w, "Microsoft-Windows-Eventlog", SEC, 1102, 4, 0, T0, "SubjectUserName",
      "mallory", "SubjectDomainName", "CONTOSO", NULL);
  rec(w, "Microsoft-Windows-Security-Auditing", SEC, 1102, 4, 0, T0 + 1,
      "SubjectUserName", "x", NULL); /* not the Eventlog provider */
  save(w, dir, "Security.evtx");
  w = ews_open();
  rec(w, "Microsoft-Windows-Eventlog", "System", 104, 4, 0, T0 + 5,
      "SubjectUserName", "mallory", "Channel", "Application", NULL);
  save(w, dir, "System.evtx");
  sp_result *r = tu_hunt(dir, 1);
  assert_int_equal(count_rule(r, "spoor.windows.log_cleared.security"), 1);
  const sp_finding *f = tu_find(r, "spoor.windows.log_cleared.security", 0);
  assert_non_null(strstr(f->reason, "mallory"));
  assert_int_equal(f->level, SP_LEVEL_HIGH);
  assert_string_equal(f->techniques, "T1070.001");
  assert_int_equal(f->evidence[0].where, 1); /* EventRecordID */
  /* and the record's byte offset: the first record of the first chunk,
   * after the 4 KiB file header and the 512-byte chunk header, where the
   * record magic "**\0\0" is */
  assert_int_equal(f->evidence[0].offset, 4096 + 512);
  char path[1024];
  snprintf(path, sizeof path, "%s/Security.evtx", dir);
  FILE *fp = fopen(path, "rb");
  assert_non_null(fp);
  unsigned char magic[4] = {0};
  assert_int_equal(fseek(fp, (long)f->evidence[0].offset, SEEK_SET), 0);
  assert_int_equal(fread(magic, 1, 4, fp), 4);
  fclose(fp);
  assert_memory_equal(magic, "**\0\0", 4);
  f = tu_find(r, "spoor.windows.log_cleared.system", 0);
  assert_non_null(f);
  assert_non_null(strstr(f->reason, "Application"));
  sp_result_destroy(r);
  /* The same logs gzipped, as cases deliver them: read inflated (they were
   * sniffed inflated), the same findings, record ids and offsets. */
  char plain[1024], gz[1024];
  snprintf(plain, sizeof plain, "%s/Security.evtx", dir);
  snprintf(gz, sizeof gz, "%s/Security.evtx.gz", dir);
  FILE *in = fopen(plain, "rb");
  assert_non_null(in);
  gzFile zo = gzopen(gz, "wb");
  assert_non_null(zo);
  char b[4096];
  size_t got;
  while ((got = fread(b, 1, sizeof b, in)) > 0)
    assert_int_equal(gzwrite(zo, b, (unsigned)got), (int)got);
  fclose(in);
  assert_int_equal(gzclose(zo), Z_OK);
  assert_int_equal(remove(plain), 0);
  r = tu_hunt(dir, 1);
  assert_int_equal(count_rule(r, "spoor.windows.log_cleared.security"), 1);
  f = tu_find(r, "spoor.windows.log_cleared.security", 0);
  assert_int_equal(f->evidence[0].where, 1);
  assert_int_equal(f->evidence[0].offset, 4096 + 512);
  assert_non_null(strstr(f->evidence[0].path, "Security.evtx.gz"));
  sp_result_destroy(r);
  tu_rm_rf(dir);
  free(dir);
}

/* Security: records 1..60 then 71..300 (ten removed), 10 minutes apart.
 * Sysmon: a filtered export, records 1000..4000 by tens: gaps in coverage
 * only (too sparse for a live log).
 * System: 100 records 10 minutes apart with a 3-day pause after record 50.
 * Application: 100 records 10 minutes apart, clean. */
static void write_sequences(const char *dir) {
  ews *w = ews_open();
  for (uint64_t id = 1; id <= 300; id++)
    if (id <= 60 || id > 70)
      rec(w, "Microsoft-Windows-Security-Auditing", SEC, 4672, 4, id,
          T0 + (int64_t)id * 600, "SubjectUserName", "svc", NULL);
  save(w, dir, "Security.evtx");
  w = ews_open();
  for (uint64_t id = 1; id <= 100; id++)
    rec(w, "Service Control Manager", "System", 7036, 4, id,
        T0 + (int64_t)id * 600 + (id > 50 ? 3 * 86400 : 0), "param1", "x",
        NULL);
  save(w, dir, "System.evtx");
  w = ews_open();
  for (uint64_t id = 1; id <= 100; id++)
    rec(w, "App", "Application", 1000, 4, id + 5000, T0 + (int64_t)id * 600, "",
        "ok", NULL);
  save(w, dir, "Application.evtx");
  w = ews_open();
  for (uint64_t id = 1000; id <= 4000; id += 10)
    rec(w, "Microsoft-Windows-Sysmon", SYSMON, 1, 4, id, T0 + (int64_t)id * 60,
        "Image", "C:\\x.exe", NULL);
  save(w, dir, "Sysmon.evtx");
}

static void check_sequences(sp_result *r) {
  assert_int_equal(count_rule(r, "spoor.windows.log_record_gap"), 1);
  const sp_finding *f = tu_find(r, "spoor.windows.log_record_gap", 0);
  assert_non_null(strstr(f->reason, "records 61-70 missing (10)"));
  assert_non_null(strstr(f->reason, "Security on " HOST));
  assert_int_equal(f->evidence[0].where, 71);
  assert_int_equal(count_rule(r, "spoor.windows.log_silence"), 1);
  f = tu_find(r, "spoor.windows.log_silence", 0);
  assert_non_null(strstr(f->reason, "System on " HOST));
  assert_non_null(strstr(f->reason, "72.2 h")); /* 3 days + 10 minutes */
  assert_int_equal(f->evidence[0].where, 51);
}

/* coverage.json: one evtx_logs row per (file, channel, computer). */
static void check_coverage(const sp_result *r) {
  char *buf = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&buf, &len);
  assert_non_null(f);
  assert_int_equal(sp_write_coverage_json(r, f), SP_OK);
  fclose(f);
  const char *sec = strstr(buf, "Security.evtx\",\"channel\":\"Security\",");
  assert_non_null(sec);
  assert_non_null(strstr(sec, "\"computer\":\"" HOST "\",\"first\":"
                              "\"2021-03-02T02:03:20"));
  assert_non_null(strstr(sec, "\"records\":290,\"first_record\":1,"
                              "\"last_record\":300,\"gaps\":1,"
                              "\"missing_records\":10,\"silences\":0}"));
  const char *sys = strstr(buf, "System.evtx\",\"channel\":\"System\",");
  assert_non_null(sys);
  assert_non_null(strstr(sys, "\"records\":100,\"first_record\":1,"
                              "\"last_record\":100,\"gaps\":0,"
                              "\"missing_records\":0,\"silences\":1}"));
  assert_non_null(strstr(buf, "\"first_record\":5001,\"last_record\":5100,"
                              "\"gaps\":0"));
  assert_non_null(strstr(buf, "\"records\":301,\"first_record\":1000,"
                              "\"last_record\":4000,\"gaps\":300,"
                              "\"missing_records\":2700"));
  free(buf);
}

static void test_sequences(void **st) {
  (void)st;
  char *dir = tu_tmpdir();
  write_sequences(dir);
  sp_result *r = tu_hunt(dir, 1);
  check_sequences(r);
  check_coverage(r);
  sp_result_destroy(r);
  r = tu_hunt(dir, 2);
  check_sequences(r);
  check_coverage(r);
  sp_result_destroy(r);
  tu_rm_rf(dir);
  free(dir);
}

static void logon(ews *w, int64_t t, const char *user, const char *type,
                  const char *ip, const char *wks) {
  rec(w, "Microsoft-Windows-Security-Auditing", SEC, 4624, 0, 0, t,
      "SubjectUserSid", "S-1-5-18", "TargetUserName", user, "TargetDomainName",
      "CONTOSO", "LogonType", type, "WorkstationName", wks, "IpAddress", ip,
      NULL);
}

static void test_logons(void **st) {
  (void)st;
  char *dir = tu_tmpdir();
  ews *w = ews_open();
  int64_t t = T0;
  for (int i = 0; i < 12; i++)
    logon(w, t += 60, "alice", "3", "10.0.0.5", "WS05");
  logon(w, t += 60, "alice", "10", "10.0.0.9", "JUMP");
  logon(w, t += 60, "alice", "3", "198.51.100.7", "kali");
  logon(w, t += 60, "WS05$", "3", "10.0.0.5", "WS05");
  rec(w, "Microsoft-Windows-Security-Auditing", SEC, 4625, 0, 0, t += 60,
      "TargetUserName", "alice", "TargetDomainName", "CONTOSO", "LogonType",
      "3", "IpAddress", "10.0.0.5", NULL);
  static const char *const srv[] = {"FS01",  "FS02",  "DC01",
                                    "SQL01", "WEB01", "FS01"};
  for (int i = 0; i < 6; i++)
    rec(w, "Microsoft-Windows-Security-Auditing", SEC, 4648, 0, 0, t += 60,
        "SubjectUserName", "bob", "SubjectDomainName", "CONTOSO",
        "TargetUserName", "admin", "TargetServerName", srv[i], NULL);
  for (int i = 0; i < 2; i++)
    rec(w, "Microsoft-Windows-Security-Auditing", SEC, 4648, 0, 0, t += 60,
        "SubjectUserName", "carol", "SubjectDomainName", "CONTOSO",
        "TargetServerName", srv[i], NULL);
  save(w, dir, "Security.evtx");
  sp_result *r = tu_hunt(dir, 1);
  const sp_finding *f = NULL;
  size_t n = count_rule(r, "spoor.windows.logon_summary");
  assert_int_equal(n, 3); /* alice, bob, carol; not the machine account */
  for (size_t i = 0; i < n; i++) {
    const sp_finding *g = tu_find(r, "spoor.windows.logon_summary", i);
    if (strstr(g->reason, "CONTOSO\\alice:"))
      f = g;
    assert_null(strstr(g->reason, "WS05$"));
  }
  assert_non_null(f);
  assert_int_equal(f->level, SP_LEVEL_INFO);
  assert_non_null(strstr(f->reason, "14 successful (4624), 1 failed (4625), "
                                    "0 explicit (4648); logon types 3,10"));
  assert_non_null(strstr(f->reason, "from 10.0.0.5 (12), "));
  assert_non_null(strstr(f->reason, "workstations WS05, JUMP, kali"));
  assert_non_null(strstr(f->reason, "first 2021-03-02T01:54:20Z"));
  /* odd logons */
  f = tu_find(r, "spoor.windows.logon_rdp", 0);
  assert_non_null(f);
  assert_non_null(strstr(f->reason, "10.0.0.9"));
  assert_int_equal(count_rule(r, "spoor.windows.logon_rare_source"), 1);
  f = tu_find(r, "spoor.windows.logon_rare_source", 0);
  assert_non_null(strstr(f->reason, "198.51.100.7"));
  assert_int_equal(f->evidence[0].where, 14);
  assert_int_equal(count_rule(r, "spoor.windows.explicit_creds_many_targets"),
                   1);
  f = tu_find(r, "spoor.windows.explicit_creds_many_targets", 0);
  assert_non_null(strstr(f->reason, "CONTOSO\\bob used explicit credentials "
                                    "(4648) against 5 servers"));
  sp_result_destroy(r);
  tu_rm_rf(dir);
  free(dir);
}

static void proc(ews *w, int64_t t, const char *parent, const char *image,
                 const char *cmd) {
  rec(w, "Microsoft-Windows-Sysmon", SYSMON, 1, 4, 0, t, "Image", image,
      "CommandLine", cmd, "ParentImage", parent, NULL);
}

static void test_exchange_traces(void **st) {
  (void)st;
  char *dir = tu_tmpdir();
  ews *w = ews_open();
  proc(w, T0 + 1, "c:\\windows\\system32\\inetsrv\\w3wp.exe",
       "C:\\Windows\\System32\\cmd.exe", "cmd /c whoami");
  proc(w, T0 + 2,
       "C:\\Program Files\\Microsoft\\Exchange "
       "Server\\V15\\Bin\\UMWorkerProcess.exe",
       "C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe",
       "powershell -ep bypass");
  proc(w, T0 + 3, "C:\\Windows\\System32\\cmd.exe",
       "C:\\Windows\\System32\\rundll32.exe",
       "rundll32.exe C:\\windows\\system32\\comsvcs.dll, MiniDump 624 "
       "C:\\temp\\l.dmp full");
  proc(w, T0 + 4, "C:\\Windows\\System32\\cmd.exe",
       "C:\\ProgramData\\procdump64.exe",
       "procdump64.exe -accepteula -ma lsass.exe C:\\temp\\ls.dmp");
  proc(w, T0 + 5, "C:\\Windows\\System32\\cmd.exe",
       "C:\\Program Files\\7-Zip\\7z.exe",
       "7z.exe a -t7z C:\\ProgramData\\oab.7z C:\\oab\\*.oab");
  proc(w, T0 + 6, "C:\\Windows\\System32\\cmd.exe",
       "C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe",
       "powershell -c New-MailboxExportRequest -Mailbox ceo -FilePath "
       "\\\\srv\\c$\\ceo.pst");
  proc(w, T0 + 7, "C:\\Windows\\explorer.exe", "C:\\Windows\\System32\\cmd.exe",
       "cmd.exe"); /* benign */
  proc(w, T0 + 8, "C:\\Windows\\System32\\cmd.exe",
       "C:\\Program Files\\7-Zip\\7z.exe", "7z.exe a logs.7z C:\\logs\\*.txt");
  save(w, dir, "Sysmon.evtx");
  w = ews_open(); /* Security 4688: the same fact from the audit log */
  rec(w, "Microsoft-Windows-Security-Auditing", SEC, 4688, 0, 0, T0 + 9,
      "NewProcessName", "C:\\Windows\\System32\\cmd.exe", "ParentProcessName",
      "C:\\Windows\\System32\\inetsrv\\w3wp.exe", "CommandLine", "cmd /c dir",
      NULL);
  save(w, dir, "Security.evtx");
  sp_result *r = tu_hunt(dir, 1);
  const sp_finding *f = tu_find(r, "spoor.windows.exchange_worker_shell", 0);
  assert_non_null(f);
  uint64_t shells = 0;
  for (size_t i = 0; (f = tu_find(r, "spoor.windows.exchange_worker_shell", i));
       i++)
    shells += f->count;
  assert_int_equal(shells, 3);
  uint64_t dumps = 0;
  for (size_t i = 0; (f = tu_find(r, "spoor.windows.lsass_dump", i)); i++)
    dumps += f->count;
  assert_int_equal(dumps, 2);
  f = tu_find(r, "spoor.windows.exchange_staging", 0);
  assert_non_null(f);
  assert_int_equal(f->count, 1);
  assert_non_null(strstr(f->reason, ".oab"));
  f = tu_find(r, "spoor.windows.mailbox_export_cmdline", 0);
  assert_non_null(f);
  assert_int_equal(f->evidence[0].where, 6);
  sp_result_destroy(r);
  tu_rm_rf(dir);
  free(dir);
}

/* CVE-2021-26857: MSExchange Unified Messaging, level 2 (Error), the
 * exception in an unnamed Data value (Volexity's and Microsoft's
 * descriptions of the 2021 exploitation). */
static void test_cve_2021_26857(void **st) {
  (void)st;
  char *dir = tu_tmpdir();
  ews *w = ews_open();
  rec(w, "MSExchange Unified Messaging", "Application", 1001, 2, 0, T0, "",
      "UM worker process", "",
      "An unhandled exception occurred: System.InvalidCastException: Unable "
      "to cast object of type 'System.Object' to type "
      "'Microsoft.Exchange.UM.UMCore.Base'.",
      NULL);
  rec(w, "MSExchange Unified Messaging", "Application", 1001, 4, 0, T0 + 1, "",
      "System.InvalidCastException at information level", NULL);
  rec(w, "MSExchange Unified Messaging", "Application", 1001, 2, 0, T0 + 2, "",
      "System.TimeoutException", NULL);
  save(w, dir, "Application.evtx");
  sp_result *r = tu_hunt(dir, 1);
  const sp_finding *f =
      tu_find(r, "spoor.exchange.cve_2021_26857.um_deserialization", 0);
  assert_non_null(f);
  assert_int_equal(f->count, 1);
  assert_int_equal(f->evidence[0].where, 1);
  assert_string_equal(f->vulnerability, "CVE-2021-26857");
  sp_result_destroy(r);
  tu_rm_rf(dir);
  free(dir);
}

/* Command lines longer than the detector's lower-cased copy (searched as
 * they are), mixed case; window-manager and font-driver sessions left out
 * of the summary whatever their case; an account name cut at 255 bytes as
 * snprintf cuts it. */
static void test_long_values(void **st) {
  (void)st;
  char *dir = tu_tmpdir();
  ews *w = ews_open();
  char cmd[6000];
  memset(cmd, 'x', 5000);
  strcpy(cmd + 5000, " rundll32 C:\\Windows\\System32\\COMSVCS.dll #24 1 "
                     "l.dmp");
  proc(w, T0 + 1, "C:\\Windows\\System32\\cmd.exe",
       "C:\\Windows\\System32\\rundll32.exe", cmd);
  memset(cmd, 'y', 4500);
  strcpy(cmd + 4500, " new-MAILBOXexportrequest -Mailbox cfo");
  proc(w, T0 + 2, "C:\\Windows\\System32\\cmd.exe",
       "C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe", cmd);
  memset(cmd, 'z', 4500); /* long and harmless */
  strcpy(cmd + 4500, " comsvcs");
  proc(w, T0 + 3, "C:\\Windows\\System32\\cmd.exe",
       "C:\\Windows\\System32\\rundll32.exe", cmd);
  save(w, dir, "Sysmon.evtx");
  w = ews_open();
  logon(w, T0 + 10, "DWM-1", "2", "-", "-");
  logon(w, T0 + 11, "umfd-0", "2", "-", "-");
  char user[301];
  memset(user, 'a', 300);
  user[300] = 0;
  logon(w, T0 + 12, user, "3", "10.0.0.5", "WS05");
  save(w, dir, "Security.evtx");
  sp_result *r = tu_hunt(dir, 1);
  uint64_t dumps = 0;
  const sp_finding *f;
  for (size_t i = 0; (f = tu_find(r, "spoor.windows.lsass_dump", i)); i++)
    dumps += f->count;
  assert_int_equal(dumps, 1);
  f = tu_find(r, "spoor.windows.mailbox_export_cmdline", 0);
  assert_non_null(f);
  assert_int_equal(f->evidence[0].where, 2);
  assert_int_equal(count_rule(r, "spoor.windows.logon_summary"), 1);
  f = tu_find(r, "spoor.windows.logon_summary", 0);
  char want[300];
  int n = snprintf(want, 256, "CONTOSO\\%s", user); /* the name's buffer */
  assert_true(n > 255);
  strcat(want, ": 1 successful");
  assert_non_null(strstr(f->reason, want));
  sp_result_destroy(r);
  tu_rm_rf(dir);
  free(dir);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_log_cleared),
      cmocka_unit_test(test_sequences),
      cmocka_unit_test(test_logons),
      cmocka_unit_test(test_exchange_traces),
      cmocka_unit_test(test_cve_2021_26857),
      cmocka_unit_test(test_long_values),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
