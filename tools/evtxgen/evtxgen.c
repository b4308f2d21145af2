/*
 * evtxgen.c - writes synthetic EVTX files with evtxwrite: a Security and
 * Sysmon mix shaped like real logs (the System block as Windows writes it,
 * EventData of Sysmon 1/3/11/13 and Security 4624/4625/4688/4672), for the
 * benchmark and the fuzz seed corpus.
 *
 * usage: evtxgen [-s SEED] OUT.evtx SIZE_MB   one file of about SIZE_MB
 *        evtxgen --seeds DIR                  small seed files for fuzzing
 * Deterministic for a seed. Not installed.
 */
#include "evtxwrite.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAXOPS 256

typedef struct kind {
  const char *provider, *channel;
  uint8_t guid[16];
  uint16_t eid;
  const char *const *names; /* EventData Data names */
  const uint8_t *types;     /* their value types */
  size_t n;
  ew_op ops[MAXOPS];
  ew_tpl tpl;
} kind;

/* System block: subs 0..14, then data 15.. */
static size_t system_ops(ew_op *o) {
  size_t k = 0;
#define OP(...) o[k++] = (ew_op){__VA_ARGS__}
  OP(.k = EW_OPEN, .name = "Event", .attrs = true);
  OP(.k = EW_ATTR, .name = "xmlns");
  OP(.k = EW_TEXT,
     .text = "http://schemas.microsoft.com/win/2004/08/events/event");
  OP(.k = EW_CLOSE_START);
  OP(.k = EW_OPEN, .name = "System");
  OP(.k = EW_CLOSE_START);
  OP(.k = EW_OPEN, .name = "Provider", .attrs = true);
  OP(.k = EW_ATTR, .name = "Name");
  OP(.k = EW_OSUB, .idx = 0, .type = 0x01);
  OP(.k = EW_ATTR, .name = "Guid");
  OP(.k = EW_OSUB, .idx = 1, .type = 0x0f);
  OP(.k = EW_CLOSE_EMPTY);
  static const char *const leaves[] = {"EventID", "Version", "Level",
                                       "Task",    "Opcode",  "Keywords"};
  static const uint8_t lt[] = {0x06, 0x04, 0x04, 0x06, 0x04, 0x15};
  for (int i = 0; i < 6; i++) {
    OP(.k = EW_OPEN, .name = leaves[i]);
    OP(.k = EW_CLOSE_START);
    OP(.k = EW_OSUB, .idx = (uint16_t)(2 + i), .type = lt[i]);
    OP(.k = EW_END);
  }
  OP(.k = EW_OPEN, .name = "TimeCreated", .attrs = true);
  OP(.k = EW_ATTR, .name = "SystemTime");
  OP(.k = EW_OSUB, .idx = 8, .type = 0x11);
  OP(.k = EW_CLOSE_EMPTY);
  OP(.k = EW_OPEN, .name = "EventRecordID");
  OP(.k = EW_CLOSE_START);
  OP(.k = EW_OSUB, .idx = 9, .type = 0x0a);
  OP(.k = EW_END);
  OP(.k = EW_OPEN, .name = "Correlation");
  OP(.k = EW_CLOSE_EMPTY);
  OP(.k = EW_OPEN, .name = "Execution", .attrs = true);
  OP(.k = EW_ATTR, .name = "ProcessID");
  OP(.k = EW_OSUB, .idx = 10, .type = 0x08);
  OP(.k = EW_ATTR, .name = "ThreadID");
  OP(.k = EW_OSUB, .idx = 11, .type = 0x08);
  OP(.k = EW_CLOSE_EMPTY);
  OP(.k = EW_OPEN, .name = "Channel");
  OP(.k = EW_CLOSE_START);
  OP(.k = EW_OSUB, .idx = 12, .type = 0x01);
  OP(.k = EW_END);
  OP(.k = EW_OPEN, .name = "Computer");
  OP(.k = EW_CLOSE_START);
  OP(.k = EW_OSUB, .idx = 13, .type = 0x01);
  OP(.k = EW_END);
  OP(.k = EW_OPEN, .name = "Security", .attrs = true);
  OP(.k = EW_ATTR, .name = "UserID");
  OP(.k = EW_OSUB, .idx = 14, .type = 0x13);
  OP(.k = EW_CLOSE_EMPTY);
  OP(.k = EW_END); /* System */
#undef OP
  return k;
}

static void build(kind *kd) {
  size_t k = system_ops(kd->ops);
  kd->ops[k++] = (ew_op){.k = EW_OPEN, .name = "EventData"};
  kd->ops[k++] = (ew_op){.k = EW_CLOSE_START};
  for (size_t i = 0; i < kd->n && k + 6 < MAXOPS; i++) {
    kd->ops[k++] = (ew_op){.k = EW_OPEN, .name = "Data", .attrs = true};
    kd->ops[k++] = (ew_op){.k = EW_ATTR, .name = "Name"};
    kd->ops[k++] = (ew_op){.k = EW_TEXT, .text = kd->names[i]};
    kd->ops[k++] = (ew_op){.k = EW_CLOSE_START};
    kd->ops[k++] =
        (ew_op){.k = EW_OSUB, .idx = (uint16_t)(15 + i), .type = kd->types[i]};
    kd->ops[k++] = (ew_op){.k = EW_END};
  }
  kd->ops[k++] = (ew_op){.k = EW_END}; /* EventData */
  kd->ops[k++] = (ew_op){.k = EW_END}; /* Event */
  kd->tpl.ops = kd->ops;
  kd->tpl.n = k;
  memcpy(kd->tpl.guid, kd->guid, 16);
  kd->tpl.guid[0] = (uint8_t)kd->eid;
  kd->tpl.guid[1] = (uint8_t)(kd->eid >> 8);
}

enum {
  S = 0x01,
  U32 = 0x08,
  U16 = 0x06,
  GUIDT = 0x0f,
  SIDT = 0x13,
  H64 = 0x15,
  B = 0x0d,
  FT = 0x11
};

static const char *const sysmon1[] = {"RuleName",
                                      "UtcTime",
                                      "ProcessGuid",
                                      "ProcessId",
                                      "Image",
                                      "FileVersion",
                                      "Description",
                                      "Product",
                                      "Company",
                                      "OriginalFileName",
                                      "CommandLine",
                                      "CurrentDirectory",
                                      "User",
                                      "LogonGuid",
                                      "LogonId",
                                      "TerminalSessionId",
                                      "IntegrityLevel",
                                      "Hashes",
                                      "ParentProcessGuid",
                                      "ParentProcessId",
                                      "ParentImage",
                                      "ParentCommandLine",
                                      "ParentUser"};
static const uint8_t sysmon1_t[] = {S, S, GUIDT, U32, S, S,     S,   S,
                                    S, S, S,     S,   S, GUIDT, H64, U32,
                                    S, S, GUIDT, U32, S, S,     S};
static const char *const sysmon3[] = {"RuleName",        "UtcTime",
                                      "ProcessGuid",     "ProcessId",
                                      "Image",           "User",
                                      "Protocol",        "Initiated",
                                      "SourceIsIpv6",    "SourceIp",
                                      "SourceHostname",  "SourcePort",
                                      "SourcePortName",  "DestinationIsIpv6",
                                      "DestinationIp",   "DestinationHostname",
                                      "DestinationPort", "DestinationPortName"};
static const uint8_t sysmon3_t[] = {S, S, GUIDT, U32, S, S, S, B,   B,
                                    S, S, U16,   S,   B, S, S, U16, S};
static const char *const sysmon11[] = {
    "RuleName", "UtcTime",        "ProcessGuid",     "ProcessId",
    "Image",    "TargetFilename", "CreationUtcTime", "User"};
static const uint8_t sysmon11_t[] = {S, S, GUIDT, U32, S, S, S, S};
static const char *const sec4624[] = {"SubjectUserSid",
                                      "SubjectUserName",
                                      "SubjectDomainName",
                                      "SubjectLogonId",
                                      "TargetUserSid",
                                      "TargetUserName",
                                      "TargetDomainName",
                                      "TargetLogonId",
                                      "LogonType",
                                      "LogonProcessName",
                                      "AuthenticationPackageName",
                                      "WorkstationName",
                                      "LogonGuid",
                                      "TransmittedServices",
                                      "LmPackageName",
                                      "KeyLength",
                                      "ProcessId",
                                      "ProcessName",
                                      "IpAddress",
                                      "IpPort",
                                      "ImpersonationLevel",
                                      "RestrictedAdminMode",
                                      "TargetOutboundUserName",
                                      "TargetOutboundDomainName",
                                      "VirtualAccount",
                                      "TargetLinkedLogonId",
                                      "ElevatedToken"};
static const uint8_t sec4624_t[] = {SIDT, S, S, H64,   SIDT, S, S,   H64,  U32,
                                    S,    S, S, GUIDT, S,    S, U32, 0x14, S,
                                    S,    S, S, S,     S,    S, S,   H64,  S};
static const char *const sec4688[] = {
    "SubjectUserSid",     "SubjectUserName",   "SubjectDomainName",
    "SubjectLogonId",     "NewProcessId",      "NewProcessName",
    "TokenElevationType", "ProcessId",         "CommandLine",
    "TargetUserSid",      "TargetUserName",    "TargetDomainName",
    "TargetLogonId",      "ParentProcessName", "MandatoryLabel"};
static const uint8_t sec4688_t[] = {SIDT, S,    S, H64, 0x14, S, S,   0x14,
                                    S,    SIDT, S, S,   H64,  S, SIDT};

static uint64_t rng = 88172645463325252ULL;
static uint64_t rnd(void) {
  rng ^= rng << 13;
  rng ^= rng >> 7;
  rng ^= rng << 17;
  return rng;
}

static const char *const words[] = {
    "C:\\Windows\\System32\\cmd.exe",
    "C:\\Windows\\System32\\svchost.exe",
    "C:\\Program Files\\Microsoft Office\\root\\Office16\\WINWORD.EXE",
    "powershell.exe -NoProfile -ExecutionPolicy Bypass -File "
    "C:\\ProgramData\\s.ps1",
    "\"C:\\Windows\\system32\\cmd.exe\" /c whoami /all",
    "NT AUTHORITY\\SYSTEM",
    "CONTOSO\\alice",
    "WORKSTATION-042",
    "Microsoft Corporation",
    "Microsoft\xc2\xae Windows\xc2\xae Operating System",
    "SHA256=3F1A2B4C5D6E7F8091A2B3C4D5E6F708192A3B4C5D6E7F8091A2B3C4D5E6F708",
    "10.0.19041.1 (WinBuild.160101.0800)",
    "Kerberos",
    "NTLM",
    "-",
    "High",
    "10.1.2.3",
    "tcp",
    "C:\\Users\\alice\\AppData\\Local\\Temp\\x.tmp"};

typedef struct vbuf {
  uint8_t b[16384];
  size_t n;
} vbuf;

static ew_val v_bytes(vbuf *vb, uint8_t t, const void *p, size_t n) {
  ew_val v = {.type = t, .p = vb->b + vb->n, .n = n};
  memcpy(vb->b + vb->n, p, n);
  vb->n += n;
  return v;
}
static ew_val v_str(vbuf *vb, const char *s) {
  ew_val v = {.type = 0x01, .p = vb->b + vb->n};
  v.n = ew_utf16(s, vb->b + vb->n, sizeof vb->b - vb->n);
  vb->n += v.n;
  return v;
}
static ew_val v_u(vbuf *vb, uint8_t t, uint64_t x, size_t n) {
  uint8_t tmp[8];
  for (size_t i = 0; i < 8; i++)
    tmp[i] = (uint8_t)(x >> (8 * i));
  return v_bytes(vb, t, tmp, n);
}
static ew_val v_guid(vbuf *vb) {
  uint8_t g[16];
  uint64_t a = rnd(), b = rnd();
  memcpy(g, &a, 8);
  memcpy(g + 8, &b, 8);
  return v_bytes(vb, 0x0f, g, 16);
}
static ew_val v_sid(vbuf *vb) {
  static const uint8_t sys[] = {1, 1, 0, 0, 0, 0, 0, 5, 18, 0, 0, 0};
  uint8_t dom[28] = {1, 5, 0, 0, 0, 0, 0, 5, 21, 0, 0, 0};
  if (rnd() % 3 == 0)
    return v_bytes(vb, 0x13, sys, sizeof sys);
  for (int i = 12; i < 28; i++)
    dom[i] = (uint8_t)rnd();
  return v_bytes(vb, 0x13, dom, sizeof dom);
}

static int record(ew_file *w, kind *kd, uint64_t id, uint64_t ft) {
  vbuf vb;
  vb.n = 0;
  ew_val s[64];
  size_t n = 0;
  s[n++] = v_str(&vb, kd->provider);
  s[n++] = v_bytes(&vb, 0x0f, kd->guid, 16);
  s[n++] = v_u(&vb, 0x06, kd->eid, 2);
  s[n++] = v_u(&vb, 0x04, kd->eid < 1000 ? 5 : 2, 1);
  s[n++] = v_u(&vb, 0x04, kd->eid < 1000 ? 4 : 0, 1);
  s[n++] = v_u(&vb, 0x06, kd->eid < 1000 ? kd->eid : 12544, 2);
  s[n++] = v_u(&vb, 0x04, 0, 1);
  s[n++] =
      v_u(&vb, 0x15,
          kd->eid < 1000 ? 0x8000000000000000ULL : 0x8020000000000000ULL, 8);
  s[n++] = v_u(&vb, 0x11, ft, 8);
  s[n++] = v_u(&vb, 0x0a, id, 8);
  s[n++] = v_u(&vb, 0x08, 4 + rnd() % 9000, 4);
  s[n++] = v_u(&vb, 0x08, rnd() % 12000, 4);
  s[n++] = v_str(&vb, kd->channel);
  s[n++] = v_str(&vb, "WORKSTATION-042.contoso.local");
  s[n++] = v_sid(&vb);
  for (size_t i = 0; i < kd->n; i++) {
    switch (kd->types[i]) {
    case S:
      s[n++] = v_str(&vb, words[rnd() % (sizeof words / sizeof words[0])]);
      break;
    case U32:
    case 0x14:
      s[n++] = v_u(&vb, kd->types[i], rnd() % 70000, 4);
      break;
    case U16:
      s[n++] = v_u(&vb, U16, rnd() % 65536, 2);
      break;
    case B:
      s[n++] = v_u(&vb, B, rnd() & 1, 4);
      break;
    case H64:
      s[n++] = v_u(&vb, H64, rnd() % 0x1000000, 8);
      break;
    case GUIDT:
      s[n++] = v_guid(&vb);
      break;
    case SIDT:
      s[n++] = v_sid(&vb);
      break;
    default:
      s[n++] = v_u(&vb, FT, ft, 8);
    }
  }
  (void)id;
  return ew_record(w, &kd->tpl, s, n, ft);
}

static kind kinds[6];

static void init_kinds(void) {
  static const uint8_t sysmon_guid[16] = {0x5f, 0x38, 0x70, 0x57, 0x2a, 0xc2,
                                          0xe0, 0x43, 0xbf, 0x4c, 0x06, 0xf5,
                                          0x69, 0x8f, 0xfb, 0xd9};
  static const uint8_t sec_guid[16] = {0x25, 0x74, 0x84, 0x54, 0xde, 0xf4,
                                       0x94, 0x4b, 0xa5, 0xba, 0x3e, 0x3b,
                                       0x03, 0x28, 0xc3, 0x0d};
  const char *sm = "Microsoft-Windows-Sysmon",
             *sc = "Microsoft-Windows-Sysmon/Operational";
  const char *sp = "Microsoft-Windows-Security-Auditing", *ss = "Security";
  kinds[0] = (kind){sm, sc, {0}, 1, sysmon1, sysmon1_t, 23, {{0}}, {0}};
  kinds[1] = (kind){sm, sc, {0}, 3, sysmon3, sysmon3_t, 18, {{0}}, {0}};
  kinds[2] = (kind){sm, sc, {0}, 11, sysmon11, sysmon11_t, 8, {{0}}, {0}};
  kinds[3] = (kind){sp, ss, {0}, 4624, sec4624, sec4624_t, 27, {{0}}, {0}};
  kinds[4] = (kind){sp, ss, {0}, 4688, sec4688, sec4688_t, 15, {{0}}, {0}};
  kinds[5] = (kind){sp, ss, {0}, 4625, sec4624, sec4624_t, 12, {{0}}, {0}};
  for (int i = 0; i < 6; i++) {
    memcpy(kinds[i].guid, i < 3 ? sysmon_guid : sec_guid, 16);
    build(&kinds[i]);
  }
}

static int write_file(const char *path, uint64_t bytes, uint64_t seed) {
  rng ^= seed * 0x9e3779b97f4a7c15ULL;
  ew_file *w = ew_open();
  if (!w)
    return 1;
  uint64_t ft = 133500000000000000ULL, id = 1;
  while ((uint64_t)ew_chunks(w) * 65536 + 4096 < bytes) {
    kind *kd = &kinds[rnd() % 6];
    ft += rnd() % 20000000;
    if (record(w, kd, id++, ft) < 0) {
      ew_free(w);
      return 1;
    }
  }
  size_t len;
  const uint8_t *b = ew_finish(w, &len);
  FILE *f = fopen(path, "wb");
  int rc = !f || fwrite(b, 1, len, f) != len;
  if (f && fclose(f))
    rc = 1;
  fprintf(stderr, "evtxgen: %s: %zu bytes, %zu chunks, %llu records\n", path,
          len, ew_chunks(w), (unsigned long long)ew_records(w));
  ew_free(w);
  return rc;
}

int main(int argc, char **argv) {
  uint64_t seed = 1;
  int i = 1;
  init_kinds();
  if (argc == 3 && strcmp(argv[1], "--seeds") == 0) {
    char p[4096];
    int rc = 0;
    for (int k = 0; k < 3; k++) {
      snprintf(p, sizeof p, "%s/seed%d.evtx", argv[2], k);
      rc |= write_file(p, 65536u * (unsigned)(k + 1), (uint64_t)k + 7);
    }
    return rc;
  }
  if (i + 1 < argc && strcmp(argv[i], "-s") == 0) {
    seed = strtoull(argv[i + 1], NULL, 10);
    i += 2;
  }
  if (argc - i != 2) {
    fprintf(stderr,
            "usage: evtxgen [-s SEED] OUT.evtx SIZE_MB | --seeds DIR\n");
    return 2;
  }
  uint64_t mb = strtoull(argv[i + 1], NULL, 10);
  return write_file(argv[i], mb << 20, seed);
}
