/*
 * windows.c - built-in Windows event log detections that no Sigma rule file
 * gives (rule ids spoor.windows.*), over the events of the EVTX reader:
 *
 *  - log clearing: Security 1102 and System 104 of the Eventlog provider
 *    (T1070.001), high;
 *  - log tampering by the record sequence, per (file, Channel, Computer):
 *    holes in the EventRecordID sequence between the lowest and highest id
 *    read (records deleted from a live log: the sequence of one log is
 *    gapless, it only restarts at 1 after a clear) in a log of at least 100
 *    records with at most 5% of its id span missing (sparser streams are
 *    filtered exports), medium; and a silent period longer than 24 h and
 *    longer than 10 times the log's mean interval, in a log of at least 50
 *    records with at most two pauses over 24 h (a log that is otherwise
 *    regularly written), low. Both T1070.001;
 *  - a logon summary per account from Security 4624/4625/4648 (success,
 *    failure, explicit-credential counts, logon types, source addresses and
 *    workstations, first and last seen): one informational finding per
 *    account for the timeline. Machine accounts ($) and the built-in
 *    service identities are left out;
 *  - odd logons: an RDP logon (4624 type 10), low (T1021.001); a network
 *    logon (type 3) from an address that appears in no other successful
 *    logon of the hunt, to an account with at least 10 successful logons
 *    from other addresses (a baseline exists), low (T1078); one account
 *    using explicit credentials (4648) against 5 or more distinct target
 *    servers, medium (T1550.002 / T1021);
 *  - Exchange-side host traces of the 2021 wave from process creation
 *    (Sysmon 1, Security 4688), each only when the loaded Sigma rule set
 *    lacks SigmaHQ's rule for it: w3wp.exe or UMWorkerProcess.exe starting
 *    cmd.exe or powershell.exe (T1505.003), procdump or rundll32
 *    comsvcs.dll MiniDump against lsass (T1003.001), 7-Zip/WinRAR archiving
 *    OAB or PST files (T1560.001), New-MailboxExportRequest in a command
 *    line (T1114.002; the MSExchange Management log's cmdlets are
 *    exchange_admin.c's).
 *
 * State per instance: the record-id intervals per log and the per-account
 * logon tallies (bounded; what is cut is counted as a limit); merge() folds
 * instances, on_end() emits the aggregate findings. Owns all of it.
 */
#include "core/timeutil.h"
#include "detect/detector.h"
#include "sigma/sigma.h"

#include <stddef.h>
#include <stdio.h>
#include <time.h>
#include <stdlib.h>
#include <string.h>

#define RS "spoor-windows"
#define AU "spoor"
#define MITRE_CLEAR "https://attack.mitre.org/techniques/T1070/001/"

#define MAX_LOGS 4096     /* (file, channel, computer) streams */
#define MAX_IVALS 4096    /* record-id intervals per stream */
#define MAX_ACCOUNTS 8192 /* accounts in the logon summary */
#define MAX_ADDRS 32      /* source addresses kept per account */
#define MAX_WKS 8         /* workstations kept per account */
#define MAX_TARGETS 64    /* 4648 target servers kept per account */
#define MAX_REPORT 8      /* gaps/silences reported per stream */
#define SILENCE_NS (24LL * 3600 * 1000000000LL)
#define SILENCE_MIN_RECORDS 50
#define GAP_MIN_RECORDS 100
#define RARE_BASELINE 10
#define EXPLICIT_TARGETS 5

static const sp_rule r_clear_sec = {
    "spoor.windows.log_cleared.security",
    "Security event log cleared",
    RS,
    AU,
    "Event 1102 of Microsoft-Windows-Eventlog: the audit log was cleared, "
    "a common step to remove traces of an intrusion.",
    "T1070.001",
    "",
    SP_LEVEL_HIGH,
    MITRE_CLEAR};
static const sp_rule r_clear_sys = {
    "spoor.windows.log_cleared.system",
    "Event log cleared (System 104)",
    RS,
    AU,
    "Event 104 of Microsoft-Windows-Eventlog in the System log: a log file "
    "(named in the event) was cleared.",
    "T1070.001",
    "",
    SP_LEVEL_HIGH,
    MITRE_CLEAR};
static const sp_rule r_gap = {
    "spoor.windows.log_record_gap",
    "Gap in an event log's EventRecordID sequence",
    RS,
    AU,
    "Record numbers of one event log are consecutive; missing numbers "
    "between records that are present mean records were removed from the "
    "log (e.g. by tools that delete single records from a live log).",
    "T1070.001",
    "",
    SP_LEVEL_MEDIUM,
    "https://www.sans.org/blog/detecting-event-log-tampering/"};
static const sp_rule r_silence = {
    "spoor.windows.log_silence",
    "Long silent period in an otherwise active event log",
    RS,
    AU,
    "More than 24 hours, and more than ten times the log's mean interval, "
    "without a record in a log of at least 50 records: logging was stopped "
    "or records were removed (or the host was off).",
    "T1070.001",
    "",
    SP_LEVEL_LOW,
    "https://attack.mitre.org/techniques/T1562/002/"};
static const sp_rule r_summary = {
    "spoor.windows.logon_summary",
    "Logon summary of an account",
    RS,
    AU,
    "Security 4624/4625/4648 of one account: counts, logon types, source "
    "addresses and workstations, first and last seen (for the timeline).",
    "T1078",
    "",
    SP_LEVEL_INFO,
    "https://learn.microsoft.com/en-us/windows/security/threat-protection/"
    "auditing/event-4624"};
static const sp_rule r_rdp = {
    "spoor.windows.logon_rdp",
    "Remote interactive (RDP) logon",
    RS,
    AU,
    "Security 4624 with logon type 10 (RemoteInteractive): a desktop "
    "session over RDP, how intruders move between hosts.",
    "T1021.001",
    "",
    SP_LEVEL_LOW,
    "https://attack.mitre.org/techniques/T1021/001/"};
static const sp_rule r_rare = {
    "spoor.windows.logon_rare_source",
    "Network logon from an address seen only once",
    RS,
    AU,
    "A successful network logon (4624 type 3) from an address that appears "
    "in no other successful logon, to an account that otherwise logs on "
    "from known addresses (at least 10 other logons).",
    "T1078",
    "",
    SP_LEVEL_LOW,
    "https://attack.mitre.org/techniques/T1078/"};
static const sp_rule r_explicit = {
    "spoor.windows.explicit_creds_many_targets",
    "Explicit credentials used against many servers",
    RS,
    AU,
    "Security 4648 (a logon with explicit credentials) by one account "
    "against 5 or more distinct target servers: credential use for lateral "
    "movement (runas /netonly, PsExec, pass-the-hash tools).",
    "T1550.002,T1021",
    "",
    SP_LEVEL_MEDIUM,
    "https://learn.microsoft.com/en-us/windows/security/threat-protection/"
    "auditing/event-4648"};
static const sp_rule r_worker_shell = {
    "spoor.windows.exchange_worker_shell",
    "Exchange worker process started a shell",
    RS,
    AU,
    "w3wp.exe or UMWorkerProcess.exe started cmd.exe or powershell.exe: a "
    "web shell or the Unified Messaging exploitation of the 2021 Exchange "
    "wave (CVE-2021-26857).",
    "T1505.003,T1190",
    "",
    SP_LEVEL_HIGH,
    "https://www.microsoft.com/en-us/security/blog/2021/03/02/"
    "hafnium-targeting-exchange-servers/"};
static const sp_rule r_lsass = {
    "spoor.windows.lsass_dump",
    "LSASS memory dumped with procdump or comsvcs.dll",
    RS,
    AU,
    "procdump against lsass, or rundll32 comsvcs.dll MiniDump: credential "
    "theft, as HAFNIUM did on Exchange servers.",
    "T1003.001",
    "",
    SP_LEVEL_HIGH,
    "https://www.microsoft.com/en-us/security/blog/2021/03/02/"
    "hafnium-targeting-exchange-servers/"};
static const sp_rule r_staging = {
    "spoor.windows.exchange_staging",
    "Offline address book or mailbox export archived",
    RS,
    AU,
    "7-Zip or WinRAR archiving .oab or .pst files: staging the address "
    "book or exported mailboxes for exfiltration.",
    "T1560.001",
    "",
    SP_LEVEL_MEDIUM,
    "https://www.microsoft.com/en-us/security/blog/2021/03/02/"
    "hafnium-targeting-exchange-servers/"};
static const sp_rule r_export_cmd = {
    "spoor.windows.mailbox_export_cmdline",
    "New-MailboxExportRequest in a process command line",
    RS,
    AU,
    "A process started with New-MailboxExportRequest on its command line: "
    "a mailbox exported to a PST file from PowerShell.",
    "T1114.002",
    "",
    SP_LEVEL_MEDIUM,
    "https://attack.mitre.org/techniques/T1114/002/"};

const sp_rule *const sp_windows_rules[] = {
    &r_clear_sec, &r_clear_sys,  &r_gap,      &r_silence,      &r_summary,
    &r_rdp,       &r_rare,       &r_explicit, &r_worker_shell, &r_lsass,
    &r_staging,   &r_export_cmd, NULL};

/* SigmaHQ rules that cover the process-creation traces: when one is loaded
 * the built-in rule stays quiet. */
static const char *const sigma_worker_shell =
    "8202070f-edeb-4d31-a010-a26c72ac5600";
static const char *const sigma_procdump =
    "5afee48e-67dd-4e03-a783-f74259dcf998";
static const char *const sigma_comsvcs = "646ea171-dded-4578-8a4d-65e9822892e3";
static const char *const sigma_hafnium = "bbb2dedd-a0e3-46ab-ba6c-6c82ae7a9aa7";
static const char *const sigma_export = "889719ef-dd62-43df-86c3-768fb08dc7c0";

/* A reference to a record, for findings emitted at the end. */
typedef struct wref {
  int64_t ts;
  uint32_t file_id;
  uint64_t line;
} wref;

typedef struct ival {
  uint64_t a, b; /* record ids a..b all seen */
  int64_t ta, tb;
} ival;

typedef struct wsil {
  int64_t from, to;
  uint64_t id;
  uint32_t file_id;
} wsil;

typedef struct wlog {
  uint32_t file_id;
  char *channel, *computer;
  size_t channel_n, computer_n; /* strlen of each */
  uint64_t records;
  int64_t first, last;
  ival *iv;
  size_t niv, civ;
  uint64_t dropped; /* records whose interval did not fit */
  uint64_t prev_id; /* the previous record read, for silences */
  int64_t prev_ts;
  wsil sil[MAX_REPORT];
  size_t nsil;
  uint64_t sil_more;
} wlog;

typedef struct waddr {
  char addr[48];
  uint32_t n;     /* successful logons from it */
  uint16_t types; /* logon types seen (bit per type) */
  wref first;     /* first successful type-3 logon */
} waddr;

typedef struct wacct {
  char *name;    /* DOMAIN\user as written */
  size_t name_n; /* strlen(name) */
  uint64_t ok, fail, explicit_n;
  uint16_t types;
  int64_t first, last;
  wref ref;
  size_t naddr;
  uint64_t addr_more; /* further distinct addresses not kept */
  size_t nwks;
  size_t ntargets;
  wref explicit_ref;
  /* the arrays last: only their first naddr / nwks / ntargets entries are
     ever read, so a new account zeroes the fields above only */
  waddr addr[MAX_ADDRS];
  char wks[MAX_WKS][32];
  char *targets[MAX_TARGETS];
} wacct;

#define WF_N 16 /* the f_* fields of win_state */

typedef struct win_state {
  int f_eid, f_channel, f_computer, f_logon_type, f_target_user,
      f_target_domain, f_subject_user, f_subject_domain, f_ip, f_wks,
      f_target_server, f_image, f_parent, f_cmd, f_new_proc, f_parent_proc;
  /* The fields above found in one pass over an event's values (not a scan
     of them per field): slot[id] is 1 + the field's index in got (0: not
     one of them), got[] the first value of each in the current event. */
  uint8_t *slot;
  const sp_fval *got[WF_N + 1];
  bool skip_worker_shell, skip_procdump, skip_comsvcs, skip_staging,
      skip_export;
  wlog *logs;
  size_t nlogs, clogs;
  size_t last_log; /* the stream of the previous event */
  wacct **acct;    /* open-addressed by name */
  size_t nacct, cacct;
  uint64_t lim_logs, lim_ivals, lim_accts;
  bool oom;
} win_state;

static bool sigma_has(const sp_sigma *sg, const char *id) {
  if (!sg)
    return false;
  for (size_t i = 0, n = sp_sigma_rule_count(sg); i < n; i++) {
    const sp_rule *r = sp_sigma_rule_at(sg, i);
    if (r && r->id && strcmp(r->id, id) == 0)
      return true;
  }
  return false;
}

static void *win_create(const sp_dctx *ctx) {
  win_state *s = calloc(1, sizeof *s);
  if (!s)
    return NULL;
  s->f_eid = sp_dctx_field(ctx, "EventID");
  s->f_channel = sp_dctx_field(ctx, "Channel");
  s->f_computer = sp_dctx_field(ctx, "Computer");
  s->f_logon_type = sp_dctx_field(ctx, "LogonType");
  s->f_target_user = sp_dctx_field(ctx, "TargetUserName");
  s->f_target_domain = sp_dctx_field(ctx, "TargetDomainName");
  s->f_subject_user = sp_dctx_field(ctx, "SubjectUserName");
  s->f_subject_domain = sp_dctx_field(ctx, "SubjectDomainName");
  s->f_ip = sp_dctx_field(ctx, "IpAddress");
  s->f_wks = sp_dctx_field(ctx, "WorkstationName");
  s->f_target_server = sp_dctx_field(ctx, "TargetServerName");
  s->f_image = sp_dctx_field(ctx, "Image");
  s->f_parent = sp_dctx_field(ctx, "ParentImage");
  s->f_cmd = sp_dctx_field(ctx, "CommandLine");
  s->f_new_proc = sp_dctx_field(ctx, "NewProcessName");
  s->f_parent_proc = sp_dctx_field(ctx, "ParentProcessName");
  s->slot = calloc(1u << 16, 1);
  if (!s->slot) {
    free(s);
    return NULL;
  }
  const int ids[WF_N] = {s->f_eid,
                         s->f_channel,
                         s->f_computer,
                         s->f_logon_type,
                         s->f_target_user,
                         s->f_target_domain,
                         s->f_subject_user,
                         s->f_subject_domain,
                         s->f_ip,
                         s->f_wks,
                         s->f_target_server,
                         s->f_image,
                         s->f_parent,
                         s->f_cmd,
                         s->f_new_proc,
                         s->f_parent_proc};
  for (int i = 0; i < WF_N; i++)
    if (ids[i] >= SP_F__COUNT && ids[i] <= 0xffff && !s->slot[ids[i]])
      s->slot[ids[i]] = (uint8_t)(i + 1);
  const sp_sigma *sg = sp_dctx_input(ctx, "sigma");
  s->skip_worker_shell = sigma_has(sg, sigma_worker_shell);
  s->skip_procdump = sigma_has(sg, sigma_procdump);
  s->skip_comsvcs = sigma_has(sg, sigma_comsvcs);
  s->skip_staging = sigma_has(sg, sigma_hafnium);
  s->skip_export = sigma_has(sg, sigma_export);
  s->last_log = SIZE_MAX;
  return s;
}

static void acct_free(wacct *a) {
  if (!a)
    return;
  free(a->name);
  for (size_t i = 0; i < a->ntargets; i++)
    free(a->targets[i]);
  free(a);
}

static void win_destroy(void *st) {
  win_state *s = st;
  if (!s)
    return;
  for (size_t i = 0; i < s->nlogs; i++) {
    free(s->logs[i].channel);
    free(s->logs[i].computer);
    free(s->logs[i].iv);
  }
  free(s->logs);
  for (size_t i = 0; i < s->cacct; i++)
    acct_free(s->acct[i]);
  free(s->acct);
  free(s->slot);
  free(s);
}

static char *dupn(sp_str v) {
  char *p = malloc(v.n + 1);
  if (p) {
    if (v.n)
      memcpy(p, v.p, v.n);
    p[v.n] = 0;
  }
  return p;
}

static bool str_is(const char *p, sp_str v) {
  return strlen(p) == v.n && (v.n == 0 || memcmp(p, v.p, v.n) == 0);
}

/* str_is with strlen(p) known. */
static bool str_is_n(const char *p, size_t pn, sp_str v) {
  return pn == v.n && (v.n == 0 || memcmp(p, v.p, v.n) == 0);
}

static long to_long(sp_str v) {
  long x = 0;
  size_t i = 0;
  if (!v.n)
    return -1;
  for (; i < v.n && v.p[i] >= '0' && v.p[i] <= '9' && x < 100000000; i++)
    x = x * 10 + (v.p[i] - '0');
  return i == v.n ? x : -1;
}

/* The first value of field id in the event gathered (sp_event_get's
 * answer). */
static inline sp_str wget(const win_state *s, const sp_event *ev, int id) {
  unsigned k = id >= SP_F__COUNT && id <= 0xffff ? s->slot[id] : 0;
  if (!k)
    return sp_event_get(ev, id);
  return s->got[k] ? s->got[k]->s : sp_str_make(NULL, 0);
}

/* Backwards, so the first value of a field is the one left; got[0] takes
 * the values of other fields. */
static void gather(win_state *s, const sp_event *ev) {
  memset(s->got, 0, sizeof s->got);
  const uint8_t *slot = s->slot;
  const sp_fval *v = ev->vals;
  for (uint32_t i = ev->n; i-- > 0;)
    s->got[slot[v[i].id]] = &v[i];
}

/* ---- record sequences ---------------------------------------------- */

static wlog *log_of(win_state *s, uint32_t file_id, sp_str ch, sp_str comp) {
  if (s->last_log < s->nlogs) {
    wlog *l = &s->logs[s->last_log];
    if (l->file_id == file_id && str_is_n(l->channel, l->channel_n, ch) &&
        str_is_n(l->computer, l->computer_n, comp))
      return l;
  }
  for (size_t i = 0; i < s->nlogs; i++) {
    wlog *l = &s->logs[i];
    if (l->file_id == file_id && str_is_n(l->channel, l->channel_n, ch) &&
        str_is_n(l->computer, l->computer_n, comp)) {
      s->last_log = i;
      return l;
    }
  }
  if (s->nlogs == MAX_LOGS) {
    s->lim_logs++;
    return NULL;
  }
  if (s->nlogs == s->clogs) {
    size_t nc = s->clogs ? s->clogs * 2 : 16;
    wlog *nl = realloc(s->logs, nc * sizeof *nl);
    if (!nl) {
      s->oom = true;
      return NULL;
    }
    s->logs = nl;
    s->clogs = nc;
  }
  wlog *l = &s->logs[s->nlogs];
  memset(l, 0, sizeof *l);
  l->file_id = file_id;
  l->channel = dupn(ch);
  l->computer = dupn(comp);
  l->first = INT64_MAX;
  l->last = INT64_MIN;
  if (!l->channel || !l->computer) {
    free(l->channel);
    free(l->computer);
    s->oom = true;
    return NULL;
  }
  l->channel_n = strlen(l->channel);
  l->computer_n = strlen(l->computer);
  s->last_log = s->nlogs++;
  return l;
}

/* Add the run a..b (times ta, tb) to the sorted, disjoint intervals,
 * merging those it overlaps or touches. */
static void ival_insert(win_state *s, wlog *l, uint64_t a, uint64_t b,
                        int64_t ta, int64_t tb) {
  size_t lo = 0, hi = l->niv; /* first interval with .b + 1 >= a */
  while (lo < hi) {
    size_t mid = (lo + hi) / 2;
    if (l->iv[mid].b + 1 < a)
      lo = mid + 1;
    else
      hi = mid;
  }
  size_t end = lo; /* intervals lo..end-1 overlap or touch a..b */
  while (end < l->niv && l->iv[end].a <= b + 1)
    end++;
  if (end > lo) {
    ival m = l->iv[lo];
    if (a < m.a) {
      m.a = a;
      m.ta = ta;
    }
    if (l->iv[end - 1].b > b) {
      m.b = l->iv[end - 1].b;
      m.tb = l->iv[end - 1].tb;
    } else {
      m.b = b;
      m.tb = tb;
    }
    l->iv[lo] = m;
    memmove(&l->iv[lo + 1], &l->iv[end], (l->niv - end) * sizeof *l->iv);
    l->niv -= end - lo - 1;
    return;
  }
  if (l->niv == MAX_IVALS) {
    l->dropped++;
    s->lim_ivals++;
    return;
  }
  if (l->niv == l->civ) {
    size_t nc = l->civ ? l->civ * 2 : 8;
    ival *n = realloc(l->iv, nc * sizeof *n);
    if (!n) {
      s->oom = true;
      return;
    }
    l->iv = n;
    l->civ = nc;
  }
  memmove(&l->iv[lo + 1], &l->iv[lo], (l->niv - lo) * sizeof *l->iv);
  l->iv[lo] = (ival){a, b, ta, tb};
  l->niv++;
}

static void ival_add(win_state *s, wlog *l, uint64_t id, int64_t ts) {
  if (l->niv && l->iv[l->niv - 1].b + 1 == id) { /* the usual case */
    l->iv[l->niv - 1].b = id;
    l->iv[l->niv - 1].tb = ts;
    return;
  }
  ival_insert(s, l, id, id, ts, ts);
}

/* A candidate silence: consecutive records (by id) more than 24 h apart. */
static void silence_add(wlog *l, int64_t from, int64_t to, uint64_t id,
                        uint32_t file_id) {
  if (l->nsil == MAX_REPORT) {
    l->sil_more++;
    return;
  }
  l->sil[l->nsil++] = (wsil){from, to, id, file_id};
}

static void on_record(win_state *s, const sp_event *ev, sp_str ch) {
  sp_str comp = wget(s, ev, s->f_computer);
  wlog *l = log_of(s, ev->file_id, ch, comp);
  if (!l)
    return;
  l->records++;
  if (ev->ts != SP_TIME_NONE) {
    if (ev->ts < l->first)
      l->first = ev->ts;
    if (ev->ts > l->last)
      l->last = ev->ts;
  }
  if (!ev->line)
    return;
  ival_add(s, l, ev->line, ev->ts);
  if (l->prev_id && ev->line == l->prev_id + 1 && ev->ts != SP_TIME_NONE &&
      l->prev_ts != SP_TIME_NONE && ev->ts - l->prev_ts > SILENCE_NS)
    silence_add(l, l->prev_ts, ev->ts, ev->line, ev->file_id);
  l->prev_id = ev->line;
  l->prev_ts = ev->ts;
}

/* ---- logons -------------------------------------------------------- */

static uint64_t hash_name(const char *p, size_t n) {
  uint64_t h = 1469598103934665603ULL;
  for (size_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char)p[i];
    if (c >= 'A' && c <= 'Z')
      c = (unsigned char)(c + 32);
    h = (h ^ c) * 1099511628211ULL;
  }
  return h;
}

/* a (of length an) equals b[0..n) but for ASCII case. */
static bool name_ieq_n(const char *a, size_t an, const char *b, size_t n) {
  if (an != n)
    return false;
  if (memcmp(a, b, n) == 0) /* the usual case: the same spelling */
    return true;
  for (size_t i = 0; i < n; i++) {
    char x = a[i], y = b[i];
    if (x >= 'A' && x <= 'Z')
      x = (char)(x + 32);
    if (y >= 'A' && y <= 'Z')
      y = (char)(y + 32);
    if (x != y)
      return false;
  }
  return true;
}

static bool name_ieq(const char *a, const char *b, size_t n) {
  return name_ieq_n(a, strlen(a), b, n);
}

static bool acct_grow(win_state *s) {
  size_t nc = s->cacct ? s->cacct * 2 : 256;
  wacct **n = calloc(nc, sizeof *n);
  if (!n)
    return false;
  for (size_t i = 0; i < s->cacct; i++) {
    wacct *a = s->acct[i];
    if (!a)
      continue;
    size_t k = hash_name(a->name, a->name_n) & (nc - 1);
    while (n[k])
      k = (k + 1) & (nc - 1);
    n[k] = a;
  }
  free(s->acct);
  s->acct = n;
  s->cacct = nc;
  return true;
}

/* The account named (domain, user) as "DOMAIN\user"; NULL when skipped or
 * full. */
static wacct *acct_of(win_state *s, const char *name, size_t n) {
  if (s->nacct * 2 >= s->cacct && !acct_grow(s)) {
    s->oom = true;
    return NULL;
  }
  size_t k = hash_name(name, n) & (s->cacct - 1);
  while (s->acct[k]) {
    if (name_ieq_n(s->acct[k]->name, s->acct[k]->name_n, name, n))
      return s->acct[k];
    k = (k + 1) & (s->cacct - 1);
  }
  if (s->nacct == MAX_ACCOUNTS) {
    s->lim_accts++;
    return NULL;
  }
  wacct *a = malloc(sizeof *a);
  if (a)
    memset(a, 0, offsetof(wacct, addr));
  if (!a || !(a->name = dupn(sp_str_make(name, n)))) {
    free(a);
    s->oom = true;
    return NULL;
  }
  a->name_n = strlen(a->name);
  a->first = INT64_MAX;
  a->last = INT64_MIN;
  a->ref.ts = INT64_MAX;
  a->explicit_ref.ts = INT64_MAX;
  s->acct[k] = a;
  s->nacct++;
  return a;
}

static bool skip_user(sp_str u) {
  static const char *const builtin[] = {
      "SYSTEM", "LOCAL SERVICE", "NETWORK SERVICE", "ANONYMOUS LOGON", "-",
      NULL};
  if (!u.n || u.p[u.n - 1] == '$')
    return true;
  for (size_t i = 0; builtin[i]; i++)
    if (sp_str_ieq(u, builtin[i]))
      return true;
  /* (found at offset 0 = starts with) */
  if (u.n > 4 && (sp_str_istarts(u, "DWM-") || sp_str_istarts(u, "UMFD-")))
    return true;
  return false;
}

/* "DOMAIN\user" (or "user" without a domain) into buf, NUL-terminated and
 * cut at cap - 1 bytes, as snprintf("%.*s\\%.*s") would write it. */
static size_t acct_name(char *buf, size_t cap, sp_str dom, sp_str user) {
  size_t n = 0;
  buf[0] = 0;
  if (dom.n && !(dom.n == 1 && dom.p[0] == '-')) {
    n = sp_str_put_cut(buf, n, cap, dom.p, dom.n);
    n = sp_str_put_cut(buf, n, cap, "\\", 1);
  }
  return sp_str_put_cut(buf, n, cap, user.p, user.n);
}

static bool no_addr(sp_str ip) {
  return !ip.n || sp_str_eq(ip, "-") || sp_str_eq(ip, "::1") ||
         sp_str_eq(ip, "127.0.0.1") || sp_str_eq(ip, "0.0.0.0");
}

static void touch(wacct *a, const sp_event *ev) {
  if (ev->ts == SP_TIME_NONE)
    return;
  if (ev->ts < a->first)
    a->first = ev->ts;
  if (ev->ts > a->last)
    a->last = ev->ts;
  if (ev->ts < a->ref.ts)
    a->ref = (wref){ev->ts, ev->file_id, ev->line};
}

static void add_addr(wacct *a, sp_str ip, unsigned type, const wref *r) {
  for (size_t i = 0; i < a->naddr; i++)
    if (str_is(a->addr[i].addr, ip)) {
      a->addr[i].n++;
      a->addr[i].types |= (uint16_t)(1u << type);
      if (type == 3 && r->ts < a->addr[i].first.ts)
        a->addr[i].first = *r;
      return;
    }
  if (a->naddr == MAX_ADDRS || ip.n >= sizeof a->addr[0].addr) {
    a->addr_more++;
    return;
  }
  waddr *w = &a->addr[a->naddr++];
  memcpy(w->addr, ip.p, ip.n);
  w->addr[ip.n] = 0;
  w->n = 1;
  w->types = (uint16_t)(1u << type);
  w->first = type == 3 ? *r : (wref){INT64_MAX, 0, 0};
}

static void emit_event(const sp_rule *r, const sp_event *ev, sp_str user,
                       sp_str ip, const char *reason, sp_fset *out) {
  sp_hit h;
  sp_hit_from_event(&h, r, ev);
  sp_hit_field(&h, ev, SP_F_HOST_NAME);
  if (user.n)
    sp_hit_entity(&h, "user.name", user);
  if (ip.n)
    sp_hit_entity(&h, "source.ip", ip);
  h.reason = sp_str_make(reason, strlen(reason));
  sp_fset_add(out, &h);
}

static void on_logon(win_state *s, const sp_event *ev, long eid, sp_fset *out) {
  bool explicit_ = eid == 4648;
  sp_str user = wget(s, ev, explicit_ ? s->f_subject_user : s->f_target_user);
  sp_str dom =
      wget(s, ev, explicit_ ? s->f_subject_domain : s->f_target_domain);
  if (skip_user(user))
    return;
  char name[256];
  size_t n = acct_name(name, sizeof name, dom, user);
  wacct *a = acct_of(s, name, n);
  if (!a)
    return;
  touch(a, ev);
  wref r = {ev->ts, ev->file_id, ev->line};
  if (explicit_) {
    a->explicit_n++;
    sp_str tgt = wget(s, ev, s->f_target_server);
    if (!tgt.n || sp_str_eq(tgt, "-") || sp_str_ieq(tgt, "localhost"))
      return;
    for (size_t i = 0; i < a->ntargets; i++)
      if (name_ieq(a->targets[i], tgt.p, tgt.n))
        return;
    if (a->ntargets < MAX_TARGETS && (a->targets[a->ntargets] = dupn(tgt)))
      a->ntargets++;
    if (r.ts < a->explicit_ref.ts)
      a->explicit_ref = r;
    return;
  }
  long type = to_long(wget(s, ev, s->f_logon_type));
  if (type >= 0 && type < 16)
    a->types |= (uint16_t)(1u << type);
  sp_str ip = wget(s, ev, s->f_ip);
  sp_str wks = wget(s, ev, s->f_wks);
  if (wks.n && !sp_str_eq(wks, "-") && wks.n < sizeof a->wks[0]) {
    size_t i = 0;
    while (i < a->nwks && !name_ieq(a->wks[i], wks.p, wks.n))
      i++;
    if (i == a->nwks && a->nwks < MAX_WKS) {
      memset(a->wks[a->nwks], 0, sizeof a->wks[0]);
      memcpy(a->wks[a->nwks], wks.p, wks.n);
      a->wks[a->nwks++][wks.n] = 0;
    }
  }
  if (eid == 4625) {
    a->fail++;
    return;
  }
  a->ok++;
  if (!no_addr(ip) && type >= 0 && type < 16)
    add_addr(a, ip, (unsigned)type, &r);
  if (type == 10) {
    char reason[512];
    snprintf(reason, sizeof reason,
             "RDP logon (4624 type 10) of %s from %.*s (workstation %.*s)",
             name, (int)ip.n, ip.p, (int)wks.n, wks.p);
    emit_event(&r_rdp, ev, sp_str_make(name, n), ip, reason, out);
  }
}

/* ---- process creation ---------------------------------------------- */

static inline bool base_is(sp_str path, const char *exe) {
  size_t n = strlen(exe);
  if (path.n < n || !sp_str_iends(path, exe))
    return false;
  return path.n == n || path.p[path.n - n - 1] == '\\' ||
         path.p[path.n - n - 1] == '/';
}

/* A command line lower-cased once (on the first search), for the
 * case-insensitive searches of on_process (sp_str_ifind's answer, found or
 * not); one longer than the copy is searched as it is. */
#define LC_MAX 4096
typedef struct lcmd {
  sp_str cmd;
  bool fits, done;
  char low[LC_MAX];
} lcmd;

static void lc_init(lcmd *c, sp_str cmd) {
  c->cmd = cmd;
  c->fits = cmd.n <= LC_MAX;
  c->done = false;
}

/* Whether the command line holds needle (lower case, no upper-case
 * letters), ignoring case. */
static bool lc_has(lcmd *c, const char *needle) {
  if (!c->fits)
    return sp_str_ifind(c->cmd, needle) >= 0;
  if (!c->done) {
    if (c->cmd.n)
      sp_lower_copy(c->low, c->cmd.p, c->cmd.n);
    c->done = true;
  }
  size_t n = strlen(needle);
  if (n > c->cmd.n)
    return false;
  const char *p = c->low, *end = c->low + c->cmd.n - n;
  while (p <= end) {
    const char *q = memchr(p, needle[0], (size_t)(end - p) + 1);
    if (!q)
      return false;
    if (memcmp(q + 1, needle + 1, n - 1) == 0)
      return true;
    p = q + 1;
  }
  return false;
}

static void on_process(win_state *s, const sp_event *ev, bool sysmon,
                       sp_fset *out) {
  sp_str img = wget(s, ev, sysmon ? s->f_image : s->f_new_proc);
  sp_str par = wget(s, ev, sysmon ? s->f_parent : s->f_parent_proc);
  sp_str cmd = wget(s, ev, s->f_cmd);
  lcmd lc;
  lc_init(&lc, cmd);
  const sp_rule *r = NULL;
  if (!s->skip_worker_shell &&
      (base_is(par, "w3wp.exe") || base_is(par, "UMWorkerProcess.exe")) &&
      (base_is(img, "cmd.exe") || base_is(img, "powershell.exe") ||
       base_is(img, "pwsh.exe")))
    r = &r_worker_shell;
  else if (!s->skip_procdump &&
           (base_is(img, "procdump.exe") || base_is(img, "procdump64.exe") ||
            lc_has(&lc, "procdump")) &&
           lc_has(&lc, "lsass"))
    r = &r_lsass;
  else if (!s->skip_comsvcs && lc_has(&lc, "comsvcs") &&
           (lc_has(&lc, "minidump") || lc_has(&lc, "#24")))
    r = &r_lsass;
  else if (!s->skip_staging &&
           (base_is(img, "7z.exe") || base_is(img, "7za.exe") ||
            base_is(img, "rar.exe") || base_is(img, "winrar.exe") ||
            lc_has(&lc, "7z.exe") || lc_has(&lc, "rar.exe")) &&
           (lc_has(&lc, ".oab") || lc_has(&lc, ".pst")))
    r = &r_staging;
  else if (!s->skip_export && lc_has(&lc, "new-mailboxexportrequest"))
    r = &r_export_cmd;
  if (!r)
    return;
  char reason[1024];
  snprintf(reason, sizeof reason, "%.*s -> %.*s: %.*s", (int)par.n, par.p,
           (int)img.n, img.p, (int)(cmd.n > 700 ? 700 : cmd.n), cmd.p);
  emit_event(r, ev, sp_str_make(NULL, 0), sp_str_make(NULL, 0), reason, out);
}

/* ---- events -------------------------------------------------------- */

/* sp_str_ieq, trying the spelling the literal has first (the usual). */
static inline bool ieq(sp_str s, const char *lit) {
  size_t n = strlen(lit);
  return s.n == n && (memcmp(s.p, lit, n) == 0 || sp_mem_ieq(s.p, lit, n));
}

static void win_on_event(void *st, const sp_event *ev, sp_fset *out) {
  win_state *s = st;
  if (ev->kind != SP_SRC_EVTX)
    return;
  gather(s, ev);
  sp_str ch = wget(s, ev, s->f_channel);
  on_record(s, ev, ch);
  long eid = to_long(wget(s, ev, s->f_eid));
  if (eid < 0)
    return;
  sp_str prov = sp_event_get(ev, SP_F_EVENT_PROVIDER);
  bool eventlog = ieq(prov, "Microsoft-Windows-Eventlog");
  if (eventlog && eid == 1102 && ieq(ch, "Security")) {
    sp_str u = wget(s, ev, s->f_subject_user);
    char reason[256];
    snprintf(reason, sizeof reason, "Security log cleared by %.*s", (int)u.n,
             u.p);
    emit_event(&r_clear_sec, ev, u, sp_str_make(NULL, 0), reason, out);
    return;
  }
  if (eventlog && eid == 104 && ieq(ch, "System")) {
    /* UserData/LogFileCleared: SubjectUserName, Channel (the cleared log:
       the second value of Channel). */
    const sp_fval *c =
        s->f_channel >= 0 ? sp_event_find(ev, s->f_channel) : NULL;
    const sp_fval *c2 = c ? sp_event_next(ev, c) : NULL;
    sp_str u = wget(s, ev, s->f_subject_user);
    char reason[256];
    snprintf(reason, sizeof reason, "event log %.*s cleared by %.*s",
             c2 ? (int)c2->s.n : 0, c2 ? c2->s.p : "", (int)u.n, u.p);
    emit_event(&r_clear_sys, ev, u, sp_str_make(NULL, 0), reason, out);
    return;
  }
  if ((eid == 4624 || eid == 4625 || eid == 4648) && ieq(ch, "Security")) {
    on_logon(s, ev, eid, out);
    return;
  }
  if (eid == 1 && ieq(ch, "Microsoft-Windows-Sysmon/Operational"))
    on_process(s, ev, true, out);
  else if (eid == 4688 && ieq(ch, "Security"))
    on_process(s, ev, false, out);
}

/* ---- merge and end ------------------------------------------------- */

static void win_merge(void *dst, void *src) {
  win_state *d = dst, *s = src;
  d->oom |= s->oom;
  d->lim_logs += s->lim_logs;
  d->lim_ivals += s->lim_ivals;
  d->lim_accts += s->lim_accts;
  for (size_t i = 0; i < s->nlogs; i++) {
    wlog *sl = &s->logs[i];
    wlog *l =
        log_of(d, sl->file_id, sp_str_make(sl->channel, strlen(sl->channel)),
               sp_str_make(sl->computer, strlen(sl->computer)));
    if (!l)
      continue;
    l->records += sl->records;
    l->dropped += sl->dropped;
    if (sl->first < l->first)
      l->first = sl->first;
    if (sl->last > l->last)
      l->last = sl->last;
    for (size_t k = 0; k < sl->niv; k++)
      ival_insert(d, l, sl->iv[k].a, sl->iv[k].b, sl->iv[k].ta, sl->iv[k].tb);
    for (size_t k = 0; k < sl->nsil; k++)
      silence_add(l, sl->sil[k].from, sl->sil[k].to, sl->sil[k].id,
                  sl->sil[k].file_id);
    l->sil_more += sl->sil_more;
  }
  for (size_t i = 0; i < s->cacct; i++) {
    wacct *sa = s->acct[i];
    if (!sa)
      continue;
    wacct *a = acct_of(d, sa->name, strlen(sa->name));
    if (!a)
      continue;
    a->ok += sa->ok;
    a->fail += sa->fail;
    a->explicit_n += sa->explicit_n;
    a->types |= sa->types;
    a->addr_more += sa->addr_more;
    if (sa->first < a->first)
      a->first = sa->first;
    if (sa->last > a->last)
      a->last = sa->last;
    if (sa->ref.ts < a->ref.ts)
      a->ref = sa->ref;
    if (sa->explicit_ref.ts < a->explicit_ref.ts)
      a->explicit_ref = sa->explicit_ref;
    for (size_t k = 0; k < sa->naddr; k++) {
      waddr *w = &sa->addr[k];
      size_t j = 0;
      while (j < a->naddr && strcmp(a->addr[j].addr, w->addr) != 0)
        j++;
      if (j < a->naddr) {
        a->addr[j].n += w->n;
        a->addr[j].types |= w->types;
        if (w->first.ts < a->addr[j].first.ts)
          a->addr[j].first = w->first;
      } else if (a->naddr < MAX_ADDRS) {
        a->addr[a->naddr++] = *w;
      } else {
        a->addr_more++;
      }
    }
    for (size_t k = 0; k < sa->nwks; k++) {
      size_t j = 0;
      while (j < a->nwks && strcmp(a->wks[j], sa->wks[k]) != 0)
        j++;
      if (j == a->nwks && a->nwks < MAX_WKS)
        memcpy(a->wks[a->nwks++], sa->wks[k], sizeof a->wks[0]);
    }
    for (size_t k = 0; k < sa->ntargets; k++) {
      size_t j = 0;
      while (j < a->ntargets &&
             !name_ieq(a->targets[j], sa->targets[k], strlen(sa->targets[k])))
        j++;
      if (j == a->ntargets && a->ntargets < MAX_TARGETS) {
        a->targets[a->ntargets++] = sa->targets[k];
        sa->targets[k] = NULL;
      }
    }
  }
}

static void fmt_time(int64_t ns, char *buf, size_t cap) {
  if (ns == INT64_MIN || ns == INT64_MAX) {
    snprintf(buf, cap, "-");
    return;
  }
  time_t t = (time_t)(ns / 1000000000LL);
  struct tm tm;
  gmtime_r(&t, &tm);
  strftime(buf, cap, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static void emit_ref(const sp_rule *r, const wref *ref, const char *host,
                     const char *user, const char *ip, const char *reason,
                     sp_fset *out) {
  sp_hit h;
  sp_hit_init(&h, r, ref->ts == INT64_MAX ? SP_TIME_NONE : ref->ts,
              ref->file_id, ref->line, SP_REF_RECORD);
  if (host && *host)
    sp_hit_entity(&h, "host.name", sp_str_make(host, strlen(host)));
  if (user && *user)
    sp_hit_entity(&h, "user.name", sp_str_make(user, strlen(user)));
  if (ip && *ip)
    sp_hit_entity(&h, "source.ip", sp_str_make(ip, strlen(ip)));
  h.reason = sp_str_make(reason, strlen(reason));
  sp_fset_add(out, &h);
}

/* A live log (or a whole copy): enough records and at most 5% of the id
 * span missing. Filtered exports (Event Viewer "Save Filtered Log File
 * As", the curated files of EVTX-ATTACK-SAMPLES) keep the original ids of
 * the records they keep, so their holes are no sign of tampering: their
 * gaps go to coverage.json only. */
static bool dense(const wlog *l) {
  if (l->records < GAP_MIN_RECORDS || !l->niv)
    return false;
  uint64_t span = l->iv[l->niv - 1].b - l->iv[0].a + 1;
  return l->records * 100 >= span * 95;
}

/* A regularly written log: at most two pauses over 24 h in all. */
static bool regular(const wlog *l) {
  return l->records >= SILENCE_MIN_RECORDS && l->last > l->first &&
         l->nsil + l->sil_more <= 2;
}

static int64_t silence_threshold(const wlog *l) {
  int64_t mean = (l->last - l->first) / (int64_t)(l->records - 1);
  return mean > SILENCE_NS / 10 ? mean * 10 : SILENCE_NS;
}

static uint64_t count_silences(const wlog *l) {
  uint64_t n = 0;
  int64_t thr = silence_threshold(l);
  for (size_t k = 0; k < l->nsil; k++)
    n += l->sil[k].to - l->sil[k].from > thr;
  return n;
}

static void end_logs(win_state *s, sp_fset *out) {
  char reason[600], t1[40], t2[40];
  for (size_t i = 0; i < s->nlogs; i++) {
    wlog *l = &s->logs[i];
    size_t reported = 0;
    for (size_t k = 0; k + 1 < l->niv && reported < MAX_REPORT && dense(l);
         k++) {
      const ival *a = &l->iv[k], *b = &l->iv[k + 1];
      fmt_time(a->tb, t1, sizeof t1);
      fmt_time(b->ta, t2, sizeof t2);
      snprintf(reason, sizeof reason,
               "%s on %s: records %llu-%llu missing (%llu) between %s and %s",
               l->channel, l->computer, (unsigned long long)(a->b + 1),
               (unsigned long long)(b->a - 1),
               (unsigned long long)(b->a - a->b - 1), t1, t2);
      wref r = {b->ta, l->file_id, b->a};
      emit_ref(&r_gap, &r, l->computer, NULL, NULL, reason, out);
      reported++;
    }
    sp_log_cov cov = {.file_id = l->file_id,
                      .channel = l->channel,
                      .computer = l->computer,
                      .first_ns = l->first == INT64_MAX ? INT64_MIN : l->first,
                      .last_ns = l->last,
                      .records = l->records,
                      .first_record = l->niv ? l->iv[0].a : 0,
                      .last_record = l->niv ? l->iv[l->niv - 1].b : 0,
                      .gaps = l->niv ? l->niv - 1 : 0};
    for (size_t k = 0; k + 1 < l->niv; k++)
      cov.missing += l->iv[k + 1].a - l->iv[k].b - 1;
    if (regular(l))
      cov.silences = count_silences(l);
    sp_fset_log_cov(out, &cov);
    if (!regular(l))
      continue;
    int64_t mean = (l->last - l->first) / (int64_t)(l->records - 1);
    int64_t thr = silence_threshold(l);
    for (size_t k = 0; k < l->nsil; k++) {
      const wsil *w = &l->sil[k];
      if (w->to - w->from <= thr)
        continue;
      fmt_time(w->from, t1, sizeof t1);
      fmt_time(w->to, t2, sizeof t2);
      snprintf(reason, sizeof reason,
               "%s on %s: no record for %.1f h between %s and %s (mean "
               "interval %.0f s over %llu records)",
               l->channel, l->computer, (double)(w->to - w->from) / 3.6e12, t1,
               t2, (double)mean / 1e9, (unsigned long long)l->records);
      wref r = {w->to, w->file_id, w->id};
      emit_ref(&r_silence, &r, l->computer, NULL, NULL, reason, out);
    }
  }
}

static int cmp_addr_n(const void *a, const void *b) {
  const waddr *x = a, *y = b;
  return x->n != y->n ? (x->n < y->n ? 1 : -1) : strcmp(x->addr, y->addr);
}

/* Successful logons from addr over every account. */
static uint64_t addr_total(const win_state *s, const char *addr) {
  uint64_t n = 0;
  for (size_t i = 0; i < s->cacct; i++) {
    const wacct *a = s->acct[i];
    for (size_t k = 0; a && k < a->naddr; k++)
      if (strcmp(a->addr[k].addr, addr) == 0)
        n += a->addr[k].n;
  }
  return n;
}

static void end_logons(win_state *s, sp_fset *out) {
  char reason[SP_MAX_REASON_LEN], t1[40], t2[40];
  for (size_t i = 0; i < s->cacct; i++) {
    wacct *a = s->acct[i];
    if (!a)
      continue;
    qsort(a->addr, a->naddr, sizeof a->addr[0], cmp_addr_n);
    fmt_time(a->first, t1, sizeof t1);
    fmt_time(a->last, t2, sizeof t2);
    size_t n = 0;
#define PUT(...)                                                               \
  do {                                                                         \
    int m_ = snprintf(reason + n, sizeof reason - n, __VA_ARGS__);             \
    if (m_ > 0)                                                                \
      n = (size_t)m_ < sizeof reason - n ? n + (size_t)m_ : sizeof reason - 1; \
  } while (0)
    PUT("%s: %llu successful (4624), %llu failed (4625), %llu explicit "
        "(4648); logon types",
        a->name, (unsigned long long)a->ok, (unsigned long long)a->fail,
        (unsigned long long)a->explicit_n);
    bool any = false;
    for (unsigned t = 0; t < 16; t++)
      if (a->types >> t & 1) {
        PUT("%s%u", any ? "," : " ", t);
        any = true;
      }
    if (!any)
      PUT(" -");
    PUT("; from");
    for (size_t k = 0; k < a->naddr && k < 8; k++)
      PUT("%s%s (%u)", k ? ", " : " ", a->addr[k].addr, a->addr[k].n);
    if (!a->naddr)
      PUT(" -");
    if (a->naddr > 8 || a->addr_more)
      PUT(" and %llu more",
          (unsigned long long)(a->naddr > 8 ? a->naddr - 8 : 0) + a->addr_more);
    PUT("; workstations");
    for (size_t k = 0; k < a->nwks; k++)
      PUT("%s%s", k ? ", " : " ", a->wks[k]);
    if (!a->nwks)
      PUT(" -");
    PUT("; first %s, last %s", t1, t2);
#undef PUT
    emit_ref(&r_summary, &a->ref, NULL, a->name,
             a->naddr ? a->addr[0].addr : NULL, reason, out);
    /* a network logon from an address no other logon came from */
    uint64_t others = 0;
    for (size_t k = 0; k < a->naddr; k++)
      if (a->addr[k].n > 1)
        others += a->addr[k].n;
    for (size_t k = 0; k < a->naddr; k++) {
      waddr *w = &a->addr[k];
      if (w->n != 1 || !(w->types >> 3 & 1) || others < RARE_BASELINE ||
          addr_total(s, w->addr) != 1)
        continue;
      snprintf(reason, sizeof reason,
               "network logon (4624 type 3) of %s from %s, the only logon "
               "from that address; %llu other logons of the account come "
               "from known addresses",
               a->name, w->addr, (unsigned long long)others);
      emit_ref(&r_rare, &w->first, NULL, a->name, w->addr, reason, out);
    }
    if (a->ntargets >= EXPLICIT_TARGETS) {
      size_t m = 0;
      int k0 = snprintf(reason, sizeof reason,
                        "%s used explicit credentials (4648) against %zu "
                        "servers:",
                        a->name, a->ntargets);
      m = k0 > 0 ? (size_t)k0 : 0;
      for (size_t k = 0; k < a->ntargets && m < sizeof reason - 1; k++) {
        int x = snprintf(reason + m, sizeof reason - m, " %s", a->targets[k]);
        if (x > 0)
          m = (size_t)x < sizeof reason - m ? m + (size_t)x : sizeof reason - 1;
      }
      emit_ref(&r_explicit, &a->explicit_ref, NULL, a->name, NULL, reason, out);
    }
  }
}

static void win_on_end(void *st, sp_fset *out) {
  win_state *s = st;
  if (s->oom)
    sp_fset_fail(out, SP_ENOMEM);
  end_logs(s, out);
  end_logons(s, out);
  uint64_t ivals = 0, sil = 0;
  for (size_t i = 0; i < s->nlogs; i++)
    sil += s->logs[i].sil_more;
  ivals = s->lim_ivals;
  sp_limits *lim = sp_fset_limits(out);
  sp_limits_add(lim, "windows.logs",
                "event log streams (file, channel, computer) beyond 4096 not "
                "checked for gaps",
                s->lim_logs);
  sp_limits_add(lim, "windows.record_intervals",
                "EventRecordID runs beyond 4096 per log not kept (gaps "
                "there not reported)",
                ivals);
  sp_limits_add(lim, "windows.silences",
                "silent periods beyond 8 per log not kept", sil);
  sp_limits_add(lim, "windows.accounts",
                "logons of accounts beyond 8192 not summarised", s->lim_accts);
}

const sp_detector_vt sp_det_windows = {
    .name = "windows",
    .phases = SP_PHASE_LOGS,
    .create = win_create,
    .on_event = win_on_event,
    .merge = win_merge,
    .on_end = win_on_end,
    .destroy = win_destroy,
};
