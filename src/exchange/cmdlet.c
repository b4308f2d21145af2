/*
 * cmdlet.c - reading cmdlet lines (see cmdlet.h). Owns nothing.
 */
#include "exchange/cmdlet.h"
#include "event/event.h"

#include <ctype.h>
#include <string.h>
#include <strings.h>

static bool is_ident(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
         (c >= '0' && c <= '9') || c == '_';
}

bool sp_cmdlet_split(sp_str line, sp_str *name, sp_str *params) {
  line = sp_str_trim(line);
  size_t i = 0;
  bool dash = false;
  while (i < line.n && (is_ident(line.p[i]) || line.p[i] == '-')) {
    dash |= line.p[i] == '-' && i > 0;
    i++;
  }
  if (!dash || i < 3)
    return false;
  *name = sp_str_make(line.p, i);
  *params = sp_str_make(line.p + i, line.n - i);
  return true;
}

/* End of a value starting at v: a quoted value ends at its closing quote
 * (a doubled quote is part of it); a bare one at the next ".Ident=" (ECP
 * form) or " -Ident" (PowerShell form). */
static size_t value_end(sp_str s, size_t v, bool *quoted) {
  *quoted = false;
  if (v < s.n && (s.p[v] == '\'' || s.p[v] == '"')) {
    char q = s.p[v];
    size_t i = v + 1;
    /* ECP doubles the quotes of the CSV field: ''value'' */
    if (i < s.n && s.p[i] == q)
      i++;
    size_t open = i - v;
    while (i < s.n) {
      if (s.p[i] == q) {
        *quoted = true;
        size_t k = i;
        while (k < s.n && s.p[k] == q && k - i < open)
          k++;
        return k;
      }
      i++;
    }
    return s.n;
  }
  for (size_t i = v; i < s.n; i++) {
    if (s.p[i] == '.' || s.p[i] == ' ') {
      size_t k = i + 1;
      if (s.p[i] == ' ' && k < s.n && s.p[k] == '-')
        return i;
      if (s.p[i] == '.') {
        while (k < s.n && is_ident(s.p[k]))
          k++;
        if (k > i + 1 && k < s.n && s.p[k] == '=')
          return i;
      }
    }
  }
  return s.n;
}

sp_str sp_cmdlet_param(sp_str s, const char *param) {
  size_t pn = strlen(param);
  for (size_t i = 0; i + pn < s.n + 1 && pn; i++) {
    char c = s.p[i];
    if (c != '.' && c != '-')
      continue;
    if (i + 1 + pn > s.n || strncasecmp(s.p + i + 1, param, pn) != 0)
      continue;
    size_t after = i + 1 + pn;
    if (c == '.' && (after >= s.n || s.p[after] != '='))
      continue;
    if (c == '-' && after < s.n && s.p[after] != ' ' && s.p[after] != ':')
      continue;
    if (c == '-' && i > 0 && s.p[i - 1] != ' ')
      continue;
    size_t v = after < s.n ? after + 1 : s.n;
    while (c == '-' && v < s.n && s.p[v] == ' ')
      v++;
    bool quoted;
    size_t end = value_end(s, v, &quoted);
    size_t a = v, b = end;
    while (a < b && (s.p[a] == '\'' || s.p[a] == '"'))
      a++;
    while (b > a && (s.p[b - 1] == '\'' || s.p[b - 1] == '"'))
      b--;
    return sp_str_make(s.p + a, b - a);
  }
  return sp_str_make(NULL, 0);
}

bool sp_exch_export_to_script(sp_str s) {
  long at = sp_str_ifind(s, "New-MailboxExportRequest");
  if (at < 0)
    return false;
  sp_str rest = sp_str_make(s.p + at, s.n - (size_t)at);
  long fp = sp_str_ifind(rest, "FilePath");
  if (fp < 0)
    return false;
  rest = sp_str_make(rest.p + fp, rest.n - (size_t)fp);
  return sp_str_ifind(rest, ".aspx") >= 0 || sp_str_ifind(rest, ".ashx") >= 0 ||
         sp_str_ifind(rest, ".asmx") >= 0 ||
         sp_str_ifind(rest, ".asp\"") >= 0 ||
         sp_str_ifind(rest, ".asp'") >= 0 || sp_str_iends(rest, ".asp");
}

size_t sp_exch_cmdlet_of_event(const sp_event *ev, int f_data, char *buf,
                               size_t cap, sp_str *user) {
  *user = sp_str_make(NULL, 0);
  if (f_data < 0 || cap < 2)
    return 0;
  sp_str prov = sp_event_get(ev, SP_F_EVENT_PROVIDER);
  if (!sp_str_ieq(prov, "MSExchange CmdletLogs"))
    return 0;
  const sp_fval *d0 = sp_event_find(ev, f_data);
  const sp_fval *d1 = d0 ? sp_event_next(ev, d0) : NULL;
  if (!d0 || !d0->s.n)
    return 0;
  const sp_fval *d2 = d1 ? sp_event_next(ev, d1) : NULL;
  if (d2)
    *user = d2->s;
  size_t n = d0->s.n < cap - 1 ? d0->s.n : cap - 1;
  memcpy(buf, d0->s.p, n);
  if (d1 && d1->s.n && n + 1 < cap - 1) {
    buf[n++] = ' ';
    size_t m = d1->s.n < cap - 1 - n ? d1->s.n : cap - 1 - n;
    memcpy(buf + n, d1->s.p, m);
    n += m;
  }
  buf[n] = '\0';
  return n;
}
