/*
 * netjson.c - one JSON log line to one Zeek-vocabulary event (netjson.h).
 *
 * The cache maps (kind, path) to the interned field id, its ECS twin, type
 * hint and role. Slots and the key arena are allocated once per file and
 * never grow: when either is full, new paths are dropped and counted.
 */
#include "readers/netjson.h"

#include "core/timeutil.h"
#include "event/names.h"
#include "readers/netfields.h"

#include <stdio.h>
#include <stdlib.h>

bool nj_init(nj_state *s, const char *reader, nj_map_fn map) {
  memset(s, 0, sizeof *s);
  s->reader = reader;
  s->map = map;
  s->slots = calloc(NJ_CACHE_SLOTS, sizeof *s->slots);
  s->arena = malloc(NJ_ARENA);
  s->f_duration = -2;
  s->kind_id = -1;
  return s->slots && s->arena;
}

void nj_free(nj_state *s) {
  free(s->slots);
  free(s->arena);
  s->slots = NULL;
  s->arena = NULL;
}

static uint32_t hash_path(int kind, const char *p, size_t n) {
  uint32_t h = 2166136261u ^ (uint32_t)kind;
  for (size_t i = 0; i < n; i++)
    h = (h ^ (unsigned char)p[i]) * 16777619u;
  return h;
}

static int intern(sp_rctx *rc, const char *name, size_t n, sp_ftype t) {
  if (rc->names)
    return sp_names_field_typed(rc->names, name, n, t);
  return sp_rctx_field(rc, name, n);
}

static sp_ftype hint_type(int hint) {
  switch (hint) {
  case NJ_INT:
    return SP_T_INT;
  case NJ_IP:
    return SP_T_IP;
  case NJ_TIME:
    return SP_T_TIME;
  default:
    return SP_T_STR;
  }
}

/* The cache slot for (kind, path), filled on first sight; NULL when full. */
static const nj_slot *lookup(nj_state *s, const char *path, size_t n) {
  uint32_t h = hash_path(s->kind, path, n);
  size_t mask = NJ_CACHE_SLOTS - 1;
  for (size_t i = h & mask, probes = 0; probes < NJ_CACHE_SLOTS;
       i = (i + 1) & mask, probes++) {
    nj_slot *sl = &s->slots[i];
    if (!sl->used) {
      if (s->n_used * 4 >= NJ_CACHE_SLOTS * 3 || s->arena_used + n > NJ_ARENA) {
        s->dropped++;
        return NULL;
      }
      nj_target t = {path, n, NJ_ANY, NJ_ROLE_NONE};
      s->map(s->kind_name, sp_str_make(path, n), &t);
      sl->used = 1;
      sl->hash = h;
      sl->kind = s->kind;
      sl->key_off = (uint32_t)s->arena_used;
      sl->key_n = (uint32_t)n;
      memcpy(s->arena + s->arena_used, path, n);
      s->arena_used += n;
      s->n_used++;
      sl->hint = (uint8_t)t.hint;
      sl->role = (uint8_t)t.role;
      sl->fid = t.hint == NJ_DROP || !t.name_n
                    ? -1
                    : intern(s->rc, t.name, t.name_n, hint_type(t.hint));
      sl->ecs = sl->fid >= 0
                    ? sp_net_ecs(s->kind_name, sp_str_make(t.name, t.name_n))
                    : -1;
      return sl;
    }
    if (sl->hash == h && sl->kind == s->kind && sl->key_n == n &&
        memcmp(s->arena + sl->key_off, path, n) == 0)
      return sl;
  }
  s->dropped++;
  return NULL;
}

/* ISO 8601, also with a basic-format offset ("+0200", Suricata's). */
static bool parse_iso(sp_str v, int64_t *t) {
  if (sp_parse_iso8601(v, t))
    return true;
  if (v.n < 24 || v.n > 64)
    return false;
  const char *o = v.p + v.n - 5;
  if (o[0] != '+' && o[0] != '-')
    return false;
  char b[72];
  memcpy(b, v.p, v.n - 2);
  b[v.n - 2] = ':';
  memcpy(b + v.n - 1, v.p + v.n - 2, 2);
  return sp_parse_iso8601(sp_str_make(b, v.n + 1), t);
}

static void leaf(void *user, const char *path, size_t path_n, sp_json_tok tok,
                 const sp_json *j) {
  nj_state *s = user;
  if (tok == SP_JSON_NULL)
    return;
  const nj_slot *sl = lookup(s, path, path_n);
  if (!sl || sl->fid < 0)
    return;
  sp_rctx *rc = s->rc;
  sp_event *ev = s->ev;
  sp_str v;
  if (tok == SP_JSON_TRUE)
    v = SP_STR_LIT("T");
  else if (tok == SP_JSON_FALSE)
    v = SP_STR_LIT("F");
  else
    v = j->val;
  if (tok == SP_JSON_STR && j->escaped) {
    char *d = sp_rctx_alloc(rc, v.n);
    size_t m = d ? sp_json_unescape(v, d, v.n) : SIZE_MAX;
    if (m != SIZE_MAX)
      v = sp_str_make(d, m);
  }
  if (sl->role == NJ_ROLE_LOWER && v.n) {
    char *d = sp_rctx_alloc(rc, v.n);
    if (d) {
      sp_lower_copy(d, v.p, v.n);
      v = sp_str_make(d, v.n);
    }
  }
  sp_ftype type = hint_type(sl->hint);
  if (sl->hint == NJ_ANY && tok == SP_JSON_NUM && j->num_int)
    type = SP_T_INT;
  int64_t t = 0;
  bool have_t = false;
  if (sl->hint == NJ_TIME) {
    have_t = tok == SP_JSON_NUM ? sp_net_epoch_ns(v, &t) : parse_iso(v, &t);
  } else if (s->iso_auto && sl->hint == NJ_ANY && tok == SP_JSON_STR &&
             v.n >= 20 && v.n <= 40 && v.p[4] == '-' && v.p[10] == 'T' &&
             v.p[v.n - 1] == 'Z' && sp_parse_iso8601(v, &t)) {
    have_t = true; /* json-streaming-logs renders every time this way */
    type = SP_T_TIME;
  }
  sp_fval *f = sp_event_add_typed(ev, sl->fid, v, type);
  if (f && have_t && f->type == SP_T_TIME) {
    f->v.i = t;
    f->state = SP_V_OK;
  }
  if (have_t) {
    if (sl->role == NJ_ROLE_TS && ev->ts == SP_TIME_NONE)
      ev->ts = t;
    else if (sl->role == NJ_ROLE_START) {
      ev->ts = t;
      s->start_ns = t;
    } else if (sl->role == NJ_ROLE_END)
      s->end_ns = t;
  }
  if (sl->ecs >= 0 && !((ev->present >> sl->ecs) & 1))
    sp_event_set(ev, sl->ecs, v);
}

bool nj_line(nj_state *s, sp_rctx *rc, int kind, sp_str kind_name,
             const char *p, size_t n, uint64_t lineno) {
  s->rc = rc;
  s->ev = &rc->ev;
  s->kind = kind;
  s->kind_name = kind_name;
  s->start_ns = s->end_ns = SP_TIME_NONE;
  char path[NJ_PATH_MAX];
  const char *err = NULL;
  size_t off = 0;
  if (!sp_json_flatten(p, n, path, sizeof path, leaf, s, &err, &off)) {
    char msg[128];
    snprintf(msg, sizeof msg, "JSON: %s at byte %zu", err ? err : "invalid",
             off);
    sp_rctx_malformed(rc, lineno, msg);
    return false;
  }
  if (s->start_ns != SP_TIME_NONE && s->end_ns != SP_TIME_NONE &&
      s->end_ns >= s->start_ns) {
    if (s->f_duration == -2)
      s->f_duration = intern(rc, "duration", 8, SP_T_STR);
    char *d = sp_rctx_alloc(rc, 32);
    if (d && s->f_duration >= 0) {
      int64_t ns = s->end_ns - s->start_ns;
      int m = snprintf(d, 32, "%lld.%06lld", (long long)(ns / 1000000000),
                       (long long)(ns % 1000000000 / 1000));
      sp_event_add_typed(s->ev, s->f_duration, sp_str_make(d, (size_t)m),
                         SP_T_STR);
    }
  }
  return true;
}

int nj_kind(nj_state *s, sp_rctx *rc, sp_str key,
            const char *(*name_of)(sp_str key), sp_str *name) {
  if (key.n > NJ_KIND_MAX)
    key.n = NJ_KIND_MAX;
  if (s->kind_id < 0 || key.n != s->kind_key_n ||
      memcmp(key.p, s->kind_key, key.n) != 0) {
    memcpy(s->kind_key, key.p, key.n);
    s->kind_key_n = key.n;
    const char *k = name_of ? name_of(key) : NULL;
    sp_str nm = k ? sp_str_make(k, strlen(k)) : key;
    if (nm.n > NJ_KIND_MAX)
      nm.n = NJ_KIND_MAX;
    memcpy(s->kind_cname, nm.p, nm.n);
    s->kind_cname[nm.n] = 0;
    s->kind_cname_n = nm.n;
    s->kind_id = sp_rctx_kind(rc, s->kind_cname);
  }
  *name = sp_str_make(s->kind_cname, s->kind_cname_n);
  return s->kind_id;
}

void nj_finish(nj_state *s, sp_rctx *rc) {
  if (!s->dropped)
    return;
  char name[64], msg[160];
  snprintf(name, sizeof name, "%s.names", s->reader);
  snprintf(msg, sizeof msg,
           "values of %llu field paths past the per-file cache of %u names "
           "were dropped",
           (unsigned long long)s->dropped, NJ_CACHE_SLOTS * 3 / 4);
  sp_rctx_limit(rc, name, msg, s->dropped);
  s->dropped = 0;
}

sp_str nj_peek(const char *p, size_t n, const char *key) {
  char pat[64];
  int k = snprintf(pat, sizeof pat, "\"%s\":", key);
  if (k <= 0 || (size_t)k >= sizeof pat)
    return sp_str_make(NULL, 0);
  const char *h = memmem(p, n, pat, (size_t)k);
  if (!h)
    return sp_str_make(NULL, 0);
  const char *q = h + k, *e = p + n;
  while (q < e && *q == ' ')
    q++;
  if (q >= e || *q != '"')
    return sp_str_make(NULL, 0);
  q++;
  const char *z = q;
  while (z < e && *z != '"' && *z != '\\')
    z++;
  if (z >= e || *z != '"' || z == q || z - q > 64)
    return sp_str_make(NULL, 0);
  return sp_str_make(q, (size_t)(z - q));
}
