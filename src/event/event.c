/*
 * event.c - the pre-seeded field and kind tables and the typed accessors of
 * the event model (see event.h).
 */
#include "core/timeutil.h"
#include "event/event.h"

static const char *const field_names[] = {
#define SP_X_NAME(id, name, type) name,
    SP_FIELDS(SP_X_NAME)
#undef SP_X_NAME
};

static const sp_ftype field_types[] = {
#define SP_X_TYPE(id, name, type) type,
    SP_FIELDS(SP_X_TYPE)
#undef SP_X_TYPE
};

static const char *const kind_names[SP_SRC__COUNT] = {
    [SP_SRC_UNKNOWN] = "unknown",
    [SP_SRC_IIS] = "iis",
    [SP_SRC_EXCH_HTTPPROXY] = "exchange_httpproxy",
    [SP_SRC_EXCH_ECP] = "exchange_ecp",
    [SP_SRC_EXCH_OABGEN] = "exchange_oabgenerator",
    [SP_SRC_EXCH_OTHER] = "exchange_other",
    [SP_SRC_EVTX] = "evtx",
    [SP_SRC_FILE] = "file",
};

/* Only for the pre-seeded names, at load time (tests, tools); the engine
 * resolves every name through its sp_names hash table. */
int sp_field_id(const char *name) {
  if (!name)
    return -1;
  for (int i = 0; i < SP_F__COUNT; i++)
    if (strcmp(field_names[i], name) == 0)
      return i;
  return -1;
}

const char *sp_field_name(sp_field id) {
  return (unsigned)id < SP_F__COUNT ? field_names[id] : "";
}

sp_ftype sp_field_type(sp_field id) {
  return (unsigned)id < SP_F__COUNT ? field_types[id] : SP_T_STR;
}

const char *sp_source_kind_name(sp_source_kind kind) {
  return (unsigned)kind < SP_SRC__COUNT ? kind_names[kind] : "unknown";
}

static bool parse_int(sp_str s, int64_t *out) {
  bool neg = false;
  if (s.n && s.p[0] == '-') {
    neg = true;
    s.p++;
    s.n--;
  }
  uint64_t v;
  if (!sp_str_to_u64(s, (uint64_t)INT64_MAX, &v))
    return false;
  *out = neg ? -(int64_t)v : (int64_t)v;
  return true;
}

void sp_event_init(sp_event *ev, sp_fval *vals, uint32_t cap) {
  memset(ev, 0, sizeof *ev);
  ev->vals = vals;
  ev->cap = cap;
  ev->ts = INT64_MIN;
  for (int i = 0; i < SP_F__COUNT; i++) {
    ev->fast[i].id = (sp_fid)i;
    ev->fast[i].type = (uint8_t)field_types[i];
  }
}

bool sp_fval_int(const sp_fval *cf, int64_t *out) {
  sp_fval *f = (sp_fval *)cf; /* the cache; events belong to the reader */
  if (f->state == SP_V_UNPARSED) {
    int64_t v = 0;
    bool ok =
        f->type == SP_T_TIME ? sp_parse_iso8601(f->s, &v) : parse_int(f->s, &v);
    if (f->type == SP_T_IP)
      ok = false;
    f->state = ok ? SP_V_OK : SP_V_BAD;
    if (ok)
      f->v.i = v;
  }
  if (f->state != SP_V_OK || f->type == SP_T_IP)
    return false;
  *out = f->v.i;
  return true;
}

bool sp_fval_ip(const sp_fval *cf, sp_ip *out) {
  sp_fval *f = (sp_fval *)cf;
  if (f->type != SP_T_IP)
    return sp_ip_parse(f->s, out); /* an untyped field holding an address */
  if (f->state == SP_V_UNPARSED)
    f->state = sp_ip_parse(f->s, &f->v.ip) ? SP_V_OK : SP_V_BAD;
  if (f->state != SP_V_OK)
    return false;
  *out = f->v.ip;
  return true;
}

bool sp_event_get_int(const sp_event *ev, int id, int64_t *out) {
  const sp_fval *f = sp_event_find(ev, id);
  if (!f)
    return false;
  if (f->type == SP_T_INT || f->type == SP_T_TIME)
    return sp_fval_int(f, out);
  return parse_int(f->s, out);
}

bool sp_event_get_ip(const sp_event *ev, int id, sp_ip *out) {
  const sp_fval *f = sp_event_find(ev, id);
  return f && sp_fval_ip(f, out);
}
