/*
 * event.c - the field-name table of the event model (see event.h).
 */
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

bool sp_event_get_int(const sp_event *ev, sp_field id, int64_t *out) {
  sp_str s = sp_event_get(ev, id);
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

const char *sp_source_kind_name(sp_source_kind kind) {
  switch (kind) {
  case SP_SRC_IIS:
    return "iis";
  case SP_SRC_EXCH_HTTPPROXY:
    return "exchange_httpproxy";
  case SP_SRC_EXCH_ECP:
    return "exchange_ecp";
  case SP_SRC_EXCH_OABGEN:
    return "exchange_oabgenerator";
  case SP_SRC_EXCH_OTHER:
    return "exchange_other";
  case SP_SRC_EVTX:
    return "evtx";
  default:
    return "unknown";
  }
}
