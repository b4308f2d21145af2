/*
 * netfields.c - Zeek vocabulary shared by the network readers (netfields.h).
 * Tables only; no state.
 */
#include "readers/netfields.h"

#include <stdlib.h>

static const struct {
  const char *path; /* NULL: any log */
  const char *col;
  int ecs;
} net_map[] = {
    {NULL, "id.orig_h", SP_F_SOURCE_IP},
    {NULL, "id.orig_p", SP_F_SOURCE_PORT},
    {NULL, "id.resp_h", SP_F_DESTINATION_IP},
    {NULL, "id.resp_p", SP_F_DESTINATION_PORT},
    {"http", "host", SP_F_URL_DOMAIN},
    {"http", "uri", SP_F_URL_ORIGINAL},
    {"http", "method", SP_F_HTTP_METHOD},
    {"http", "user_agent", SP_F_USER_AGENT},
    {"http", "status_code", SP_F_HTTP_STATUS},
    {"http", "referrer", SP_F_HTTP_REFERRER},
    {"http", "request_body_len", SP_F_HTTP_BYTES_IN},
    {"http", "response_body_len", SP_F_HTTP_BYTES_OUT},
    {"dns", "query", SP_F_URL_DOMAIN},
    {"ssl", "server_name", SP_F_URL_DOMAIN},
    {"files", "md5", SP_F_FILE_MD5},
    {"files", "sha1", SP_F_FILE_SHA1},
    {"files", "sha256", SP_F_FILE_SHA256},
    {"files", "filename", SP_F_FILE_NAME},
    {"files", "seen_bytes", SP_F_FILE_SIZE},
};

int sp_net_ecs(sp_str path, sp_str col) {
  for (size_t i = 0; i < sizeof net_map / sizeof net_map[0]; i++)
    if (sp_str_eq(col, net_map[i].col) &&
        (!net_map[i].path || sp_str_eq(path, net_map[i].path)))
      return net_map[i].ecs;
  return -1;
}

/* "2.385616957e+09": Zeek's writers switch to exponent notation for
 * large times (certificate validity far in the future). */
static bool epoch_exp(sp_str s, int64_t *ns) {
  char b[40];
  if (s.n == 0 || s.n >= sizeof b)
    return false;
  memcpy(b, s.p, s.n);
  b[s.n] = 0;
  char *end;
  double d = strtod(b, &end);
  if (*end || !(d > -9.2e9 && d < 9.2e9))
    return false;
  *ns = (int64_t)(d * 1e9);
  return true;
}

bool sp_net_epoch_ns(sp_str s, int64_t *ns) {
  if (s.n && memchr(s.p, 'e', s.n))
    return epoch_exp(s, ns);
  size_t i = 0;
  bool neg = false;
  if (i < s.n && s.p[i] == '-') {
    neg = true;
    i++;
  }
  uint64_t sec = 0;
  size_t d0 = i;
  while (i < s.n && s.p[i] >= '0' && s.p[i] <= '9') {
    if (i - d0 >= 11)
      return false; /* > 99,999,999,999 s: not a time stamp */
    sec = sec * 10 + (uint64_t)(s.p[i] - '0');
    i++;
  }
  if (i == d0)
    return false;
  uint64_t frac = 0;
  if (i < s.n && s.p[i] == '.') {
    i++;
    size_t f0 = i;
    while (i < s.n && s.p[i] >= '0' && s.p[i] <= '9') {
      if (i - f0 < 9)
        frac = frac * 10 + (uint64_t)(s.p[i] - '0');
      i++;
    }
    for (size_t k = i - f0; k < 9; k++)
      frac *= 10;
  }
  if (i != s.n || sec > 9000000000ull) /* past year 2255: not a time */
    return false;
  int64_t v = (int64_t)sec * 1000000000LL + (int64_t)frac;
  *ns = neg ? -v : v;
  return true;
}

sp_str sp_net_path_from_file(const char *file) {
  if (!file)
    return sp_str_make(NULL, 0);
  sp_str b = sp_str_basename(sp_str_make(file, strlen(file)));
  if (!(sp_str_iends(b, ".log") || sp_str_iends(b, ".log.gz") ||
        sp_str_iends(b, ".json") || sp_str_iends(b, ".json.gz")))
    return sp_str_make(NULL, 0);
  const char *dot = memchr(b.p, '.', b.n);
  size_t n = dot ? (size_t)(dot - b.p) : b.n;
  if (n == 0 || n > SP_NET_PATH_MAX)
    return sp_str_make(NULL, 0);
  return sp_str_make(b.p, n);
}

bool sp_net_known_path(sp_str s) {
  static const char *const known[] = {
      "conn",         "dns",       "http",        "ssl",
      "x509",         "files",     "notice",      "weird",
      "ssh",          "smtp",      "kerberos",    "ntlm",
      "rdp",          "smb_files", "smb_mapping", "dce_rpc",
      "ftp",          "ntp",       "dhcp",        "sip",
      "snmp",         "software",  "known_hosts", "known_services",
      "known_certs",  "dpd",       "tunnel",      "ocsp",
      "pe",           "quic",      "radius",      "irc",
      "mysql",        "socks",     "syslog",      "modbus",
      "dnp3",         "intel",     "conn_long",   "open_conn",
      "capture_loss", "stats"};
  for (size_t i = 0; i < sizeof known / sizeof known[0]; i++)
    if (sp_str_eq(s, known[i]))
      return true;
  return false;
}
