/* gen_formats.c - formatters for HttpProxy CSV, IIS W3C, ECP Server and
 * OABGenerator log lines and headers (contracts in gen_formats.h).
 *
 * Every formatter appends through a bounded cursor (struct cur); overflow
 * makes the whole call fail with -1 rather than produce a cut line. */
#include "gen_formats.h"

#include <stdio.h>
#include <string.h>

/* ---- bounded cursor ------------------------------------------------------ */

typedef struct cur {
  char *p;
  size_t len, cap;
  int bad;
} cur;

static void c_putn(cur *c, const char *s, size_t n) {
  if (c->bad)
    return;
  if (n >= c->cap - c->len) { /* keep room for a NUL */
    c->bad = 1;
    return;
  }
  memcpy(c->p + c->len, s, n);
  c->len += n;
}

static void c_puts(cur *c, const char *s) { c_putn(c, s, strlen(s)); }

static void c_putc(cur *c, char ch) { c_putn(c, &ch, 1); }

static void c_putu(cur *c, unsigned v) {
  char tmp[16];
  int n = snprintf(tmp, sizeof tmp, "%u", v);
  c_putn(c, tmp, (size_t)n);
}

static int c_end(cur *c) {
  if (c->bad || c->cap == 0)
    return -1;
  c->p[c->len] = '\0';
  return (int)c->len;
}

/* ---- HttpProxy ----------------------------------------------------------- */

/* Built with a leading comma by the X-macro; the list starts at [1]. */
static const char hp_fields[] =
#define GEN_HP_NAME(name) "," #name
    GEN_HP_COLUMNS(GEN_HP_NAME)
#undef GEN_HP_NAME
    ;

const char *gen_hp_field_list(void) { return hp_fields + 1; }

static int put_hp_fields(gen_out *o) {
  return gen_out_write(o, hp_fields + 1, sizeof hp_fields - 2);
}

int gen_hp_write_header(gen_out *o, int64_t t_ms) {
  char iso[25];
  gen_fmt_iso_ms(iso, t_ms);
  if (put_hp_fields(o) || gen_out_puts(o, "\r\n") ||
      gen_out_line(o, "#Software: Microsoft Exchange Server") ||
      gen_out_line(o, "#Version: 15.01.2176.002") ||
      gen_out_line(o, "#Log-type: HttpProxy Logs") ||
      gen_out_puts(o, "#Date: ") || gen_out_line(o, iso) ||
      gen_out_puts(o, "#Fields: ") || put_hp_fields(o) ||
      gen_out_puts(o, "\r\n"))
    return -1;
  return 0;
}

static void c_csv(cur *c, const char *s) {
  if (!s || !*s)
    return;
  if (!strpbrk(s, ",\"\r\n")) {
    c_puts(c, s);
    return;
  }
  c_putc(c, '"');
  for (; *s; s++) {
    if (*s == '"')
      c_putc(c, '"');
    c_putc(c, *s);
  }
  c_putc(c, '"');
}

int gen_hp_format(char *buf, size_t cap, const char *const cols[GEN_HP_NCOLS]) {
  cur c = {buf, 0, cap, 0};
  for (int i = 0; i < GEN_HP_NCOLS; i++) {
    if (i)
      c_putc(&c, ',');
    c_csv(&c, cols[i]);
  }
  c_puts(&c, "\r\n");
  return c_end(&c);
}

/* ---- IIS ----------------------------------------------------------------- */

static const char iis_basic[] =
    "date time s-ip cs-method cs-uri-stem cs-uri-query s-port cs-username "
    "c-ip cs(User-Agent) cs(Referer) sc-status sc-substatus sc-win32-status "
    "time-taken";
static const char iis_ext[] =
    "date time s-ip cs-method cs-uri-stem cs-uri-query s-port cs-username "
    "c-ip cs(User-Agent) cs(Referer) cs-host sc-status sc-substatus "
    "sc-win32-status sc-bytes cs-bytes time-taken";

const char *gen_iis_fields(gen_iis_layout l) {
  return l == GEN_IIS_EXTENDED ? iis_ext : iis_basic;
}

int gen_iis_write_header(gen_out *o, gen_iis_layout l, int64_t t_ms) {
  char ts[20];
  gen_fmt_iis_time(ts, t_ms);
  if (gen_out_line(o, "#Software: Microsoft Internet Information Services 10.0") ||
      gen_out_line(o, "#Version: 1.0") || gen_out_puts(o, "#Date: ") ||
      gen_out_line(o, ts) || gen_out_puts(o, "#Fields: ") ||
      gen_out_line(o, gen_iis_fields(l)))
    return -1;
  return 0;
}

/* W3C fields cannot hold spaces: IIS writes them as '+'. */
static void c_w3c(cur *c, const char *s) {
  if (!s || !*s) {
    c_putc(c, '-');
    return;
  }
  for (; *s; s++)
    c_putc(c, *s == ' ' ? '+' : *s);
}

int gen_iis_format(char *buf, size_t cap, gen_iis_layout l,
                   const gen_iis_rec *r) {
  cur c = {buf, 0, cap, 0};
  char ts[20];
  gen_fmt_iis_time(ts, r->t_ms);
  c_puts(&c, ts);
  c_putc(&c, ' ');
  c_w3c(&c, r->sip);
  c_putc(&c, ' ');
  c_w3c(&c, r->method);
  c_putc(&c, ' ');
  c_w3c(&c, r->stem);
  c_putc(&c, ' ');
  c_w3c(&c, r->query);
  c_putc(&c, ' ');
  c_putu(&c, r->port);
  c_putc(&c, ' ');
  c_w3c(&c, r->user);
  c_putc(&c, ' ');
  c_w3c(&c, r->cip);
  c_putc(&c, ' ');
  c_w3c(&c, r->ua);
  c_putc(&c, ' ');
  c_w3c(&c, r->ref);
  c_putc(&c, ' ');
  if (l == GEN_IIS_EXTENDED) {
    c_w3c(&c, r->host);
    c_putc(&c, ' ');
  }
  c_putu(&c, r->status);
  c_putc(&c, ' ');
  c_putu(&c, r->substatus);
  c_putc(&c, ' ');
  c_putu(&c, r->win32);
  c_putc(&c, ' ');
  if (l == GEN_IIS_EXTENDED) {
    c_putu(&c, r->sc_bytes);
    c_putc(&c, ' ');
    c_putu(&c, r->cs_bytes);
    c_putc(&c, ' ');
  }
  c_putu(&c, r->taken);
  c_puts(&c, "\r\n");
  return c_end(&c);
}

/* ---- ECP Server ---------------------------------------------------------- */

int gen_ecp_write_header(gen_out *o, int64_t t_ms) {
  char iso[25];
  gen_fmt_iso_ms(iso, t_ms);
  if (gen_out_line(o, "#Software: Microsoft Exchange Server") ||
      gen_out_line(o, "#Version: 15.0.0.0") ||
      gen_out_line(o, "#Log-type: ECP Server Log") ||
      gen_out_puts(o, "#Date: ") || gen_out_line(o, iso) ||
      gen_out_line(o, "#Fields: TimeStamp,ServerName,EventId,EventData"))
    return -1;
  return 0;
}

/* Appends s, doubling '"' for the enclosing CSV field. */
static void c_csvq_char(cur *c, char ch) {
  if (ch == '"')
    c_putc(c, '"');
  c_putc(c, ch);
}

int gen_ecp_format(char *buf, size_t cap, int64_t t_ms, const char *server,
                   const char *event_id, const gen_kv *items, size_t n) {
  cur c = {buf, 0, cap, 0};
  char iso[25];
  gen_fmt_iso_ms(iso, t_ms);
  c_puts(&c, iso);
  c_putc(&c, ',');
  c_puts(&c, server);
  c_putc(&c, ',');
  c_puts(&c, event_id);
  c_puts(&c, ",\"");
  for (size_t i = 0; i < n; i++) {
    const char *v = items[i].value ? items[i].value : "";
    int wrap = strchr(v, ';') || strchr(v, '\'');
    if (i)
      c_putc(&c, ';');
    if (wrap)
      c_putc(&c, '\'');
    c_puts(&c, "S:");
    c_puts(&c, items[i].key);
    c_putc(&c, '=');
    for (const char *p = v; *p; p++) {
      if (wrap && *p == '\'')
        c_putc(&c, '\'');
      c_csvq_char(&c, *p);
    }
    if (wrap)
      c_putc(&c, '\'');
  }
  c_puts(&c, "\"\r\n");
  return c_end(&c);
}

/* ---- OABGenerator -------------------------------------------------------- */

int gen_oab_write_header(gen_out *o, int64_t t_ms) {
  char iso[25];
  gen_fmt_iso_ms(iso, t_ms);
  if (gen_out_line(o, "#Software: Microsoft Exchange Server") ||
      gen_out_line(o, "#Version: 15.01.2176.002") ||
      gen_out_line(o, "#Log-type: OABGenerator Log") ||
      gen_out_puts(o, "#Date: ") || gen_out_line(o, iso))
    return -1;
  return 0;
}

int gen_oab_format(char *buf, size_t cap, int64_t t_ms, const char *server,
                   const char *message) {
  cur c = {buf, 0, cap, 0};
  char iso[25];
  gen_fmt_iso_ms(iso, t_ms);
  c_puts(&c, iso);
  c_putc(&c, ',');
  c_puts(&c, server);
  c_putc(&c, ',');
  c_puts(&c, message);
  c_puts(&c, "\r\n");
  return c_end(&c);
}
