/*
 * sigma_bench.c - the Sigma engine's cost: rule load time, then the match
 * cost per event over synthetic EVTX-shaped events (Sysmon 1/3/11/13,
 * Security 4624/4688, PowerShell 4104, built with the sp_event API as the
 * EVTX reader will emit them), in events/s and microseconds per event, and
 * the process's peak RSS. One worker, no I/O: the engine's share of a hunt.
 * Times are CPU seconds of the process (the load includes compiling the
 * prefilter databases).
 *
 * usage: spoor-sigma-bench [-n EVENTS] RULEPATH...
 * Output: one line of key=value pairs (bench/sigma.sh formats it).
 */
#include "event/names.h"
#include "sigma/sigma.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

/* CPU time of the process: the machine may be shared, and the bench is
 * single-threaded. */
static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static uint64_t rng = 88172645463325252ULL;
static uint64_t next(void) {
  rng ^= rng << 13;
  rng ^= rng >> 7;
  rng ^= rng << 17;
  return rng;
}
#define PICK(a) (a[next() % (sizeof a / sizeof a[0])])

static const char *const images[] = {
    "C:\\Windows\\System32\\svchost.exe",
    "C:\\Windows\\System32\\cmd.exe",
    "C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe",
    "C:\\Program Files\\Google\\Chrome\\Application\\chrome.exe",
    "C:\\Windows\\explorer.exe",
    "C:\\Windows\\System32\\conhost.exe",
    "C:\\Program Files (x86)\\Microsoft\\Edge\\Application\\msedge.exe",
    "C:\\Windows\\System32\\taskhostw.exe",
    "C:\\Windows\\System32\\rundll32.exe",
    "C:\\Users\\bob\\AppData\\Local\\Temp\\setup.exe"};
static const char *const cmdlines[] = {
    "C:\\Windows\\system32\\svchost.exe -k netsvcs -p -s Schedule",
    "\"C:\\Program Files\\Google\\Chrome\\Application\\chrome.exe\" "
    "--type=renderer --field-trial-handle=1234 --lang=en-US",
    "cmd.exe /c dir C:\\Users\\bob\\Documents",
    "powershell.exe -NoProfile -ExecutionPolicy Bypass -File "
    "C:\\scripts\\inventory.ps1",
    "C:\\Windows\\Explorer.EXE",
    "\\??\\C:\\Windows\\system32\\conhost.exe 0xffffffff -ForceV1",
    "rundll32.exe C:\\Windows\\System32\\shell32.dll,Control_RunDLL",
    "C:\\Windows\\System32\\taskhostw.exe {222A245B-E637-4AE9-A93F}",
    "\"C:\\Users\\bob\\AppData\\Local\\Temp\\setup.exe\" /S /v/qn",
    "git.exe status --porcelain"};
static const char *const users[] = {"CORP\\bob", "NT AUTHORITY\\SYSTEM",
                                    "CORP\\alice",
                                    "NT AUTHORITY\\LOCAL SERVICE"};
static const char *const files[] = {
    "C:\\Users\\bob\\Documents\\report.docx", "C:\\Windows\\Temp\\~DF1234.tmp",
    "C:\\Users\\bob\\AppData\\Local\\Temp\\chrome_installer.log",
    "C:\\ProgramData\\Microsoft\\Windows Defender\\Scans\\History\\x.bin"};
static const char *const regkeys[] = {
    "HKLM\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Run\\OneDrive",
    "HKU\\S-1-5-21-1\\Software\\Microsoft\\Office\\16.0\\Common\\Roaming",
    "HKLM\\System\\CurrentControlSet\\Services\\bam\\State\\UserSettings\\x"};
static const char *const scripts[] = {
    "Get-ChildItem -Path C:\\Users -Recurse | Measure-Object",
    "Import-Module ActiveDirectory; Get-ADUser -Filter *",
    "$s = New-Object System.Net.WebClient; $s.Headers.Add('x','y')",
    "Write-Host 'inventory done'"};

#define SYSMON "Microsoft-Windows-Sysmon/Operational"

typedef struct ids {
  int channel, eid, image, cmd, parent, pcmd, user, target, tobj, details, sbt,
      dip, dport, logon, tuser, ip, newp, parentp, computer, hashes, cwd, integ;
} ids;

static int F(sp_names *nm, const char *n) {
  return sp_names_field(nm, n, strlen(n));
}

static void S(sp_event *ev, int id, const char *v) {
  sp_event_set(ev, id, sp_str_make(v, strlen(v)));
}

static void make(sp_event *ev, const ids *d, int kind, unsigned which) {
  sp_event_reset(ev);
  ev->kind = kind;
  S(ev, d->computer, "WS-0042.corp.example");
  switch (which % 8) {
  case 0:
  case 1:
  case 2: /* Sysmon 1, the most common in hunts */
    S(ev, d->channel, SYSMON);
    S(ev, d->eid, "1");
    S(ev, d->image, PICK(images));
    S(ev, d->cmd, PICK(cmdlines));
    S(ev, d->parent, PICK(images));
    S(ev, d->pcmd, PICK(cmdlines));
    S(ev, d->user, PICK(users));
    S(ev, d->hashes, "SHA256=0123456789ABCDEF0123456789ABCDEF0123456789AB");
    S(ev, d->cwd, "C:\\Windows\\system32\\");
    S(ev, d->integ, "Medium");
    break;
  case 3:
    S(ev, d->channel, "Security");
    S(ev, d->eid, "4688");
    S(ev, d->newp, PICK(images));
    S(ev, d->cmd, PICK(cmdlines));
    S(ev, d->parentp, PICK(images));
    S(ev, d->tuser, "bob");
    break;
  case 4:
    S(ev, d->channel, "Security");
    S(ev, d->eid, "4624");
    S(ev, d->logon, next() % 2 ? "3" : "10");
    S(ev, d->tuser, "alice");
    S(ev, d->ip, "10.1.2.3");
    break;
  case 5:
    S(ev, d->channel, SYSMON);
    S(ev, d->eid, "11");
    S(ev, d->image, PICK(images));
    S(ev, d->target, PICK(files));
    break;
  case 6:
    S(ev, d->channel, SYSMON);
    S(ev, d->eid, "13");
    S(ev, d->image, PICK(images));
    S(ev, d->tobj, PICK(regkeys));
    S(ev, d->details, "DWORD (0x00000001)");
    break;
  default:
    if (which & 8) {
      S(ev, d->channel, "Microsoft-Windows-PowerShell/Operational");
      S(ev, d->eid, "4104");
      S(ev, d->sbt, PICK(scripts));
    } else {
      S(ev, d->channel, SYSMON);
      S(ev, d->eid, "3");
      S(ev, d->image, PICK(images));
      S(ev, d->dip, "93.184.216.34");
      S(ev, d->dport, "443");
    }
  }
}

static size_t per_rule[200000];

static void count_hit(const sp_sigma_match *m, void *user) {
  if (m->rule_index < 200000)
    per_rule[m->rule_index]++;
  (*(size_t *)user)++;
}

int main(int argc, char **argv) {
  size_t n = 200000;
  int a = 1;
  if (a + 1 < argc && !strcmp(argv[a], "-n")) {
    n = (size_t)strtoull(argv[a + 1], NULL, 10);
    a += 2;
  }
  if (a >= argc) {
    fprintf(stderr, "usage: spoor-sigma-bench [-n EVENTS] RULEPATH...\n");
    return 2;
  }
  sp_names *nm;
  if (sp_names_create(&nm))
    return 1;
  sp_sigma *s;
  sp_diag diag = {0};
  double t0 = now();
  if (sp_sigma_load((const char *const *)argv + a, (size_t)(argc - a), NULL, nm,
                    &s, &diag)) {
    fprintf(stderr, "sigma-bench: %s\n", diag.msg);
    return 1;
  }
  double load = now() - t0;
  ids d = {F(nm, "Channel"),
           F(nm, "EventID"),
           F(nm, "Image"),
           F(nm, "CommandLine"),
           F(nm, "ParentImage"),
           F(nm, "ParentCommandLine"),
           F(nm, "User"),
           F(nm, "TargetFilename"),
           F(nm, "TargetObject"),
           F(nm, "Details"),
           F(nm, "ScriptBlockText"),
           F(nm, "DestinationIp"),
           F(nm, "DestinationPort"),
           F(nm, "LogonType"),
           F(nm, "TargetUserName"),
           F(nm, "IpAddress"),
           F(nm, "NewProcessName"),
           F(nm, "ParentProcessName"),
           F(nm, "Computer"),
           F(nm, "Hashes"),
           F(nm, "CurrentDirectory"),
           F(nm, "IntegrityLevel")};
  int kind = sp_names_kind(nm, "evtx");
  sp_sigma_mctx *m;
  if (sp_sigma_mctx_create(s, &m))
    return 1;
  sp_fval vals[64];
  sp_event ev;
  sp_event_init(&ev, vals, 64);
  size_t hits = 0;
  double t1 = now();
  for (size_t i = 0; i < n; i++) {
    make(&ev, &d, kind, (unsigned)next());
    ev.line = i + 1;
    sp_sigma_match_event(s, m, &ev, count_hit, &hits);
  }
  double match = now() - t1;
  /* building the events alone, to subtract */
  double t2 = now();
  for (size_t i = 0; i < n; i++)
    make(&ev, &d, kind, (unsigned)next());
  double build = now() - t2;
  double net = match - build > 0 ? match - build : match;
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  printf("rules=%zu load_s=%.3f events=%zu match_s=%.3f events_per_s=%.0f "
         "us_per_event=%.2f hits=%zu peak_rss_mib=%.1f\n",
         sp_sigma_rule_count(s), load, n, net, (double)n / net,
         net * 1e6 / (double)n, hits, (double)ru.ru_maxrss / 1024.0);
  if (getenv("SIGMA_BENCH_TOP")) /* the rules that matched most */
    for (size_t i = 0; i < sp_sigma_rule_count(s) && i < 200000; i++)
      if (per_rule[i] * 100 >= n)
        fprintf(stderr, "%zu\t%s\t%s\n", per_rule[i],
                sp_sigma_rule_at(s, i)->id, sp_sigma_rule_at(s, i)->name);
  sp_sigma_mctx_destroy(m);
  sp_sigma_destroy(s);
  sp_names_destroy(nm);
  return 0;
}
