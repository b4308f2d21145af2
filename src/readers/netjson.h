/*
 * netjson.h - what the JSON network readers (zeek_json.c, eve.c) share:
 * turning one JSON log line into one event in Zeek's vocabulary.
 *
 * The line is flattened (core/json.h) into dotted leaf paths; the reader's
 * map function says, once per (kind, path), which field name the leaf
 * becomes and how to type it. The answer is kept in a per-file cache (open
 * addressing, NJ_CACHE_SLOTS entries, names interned once), so a line costs
 * one hash and probe per leaf and no name comparison. Values: strings with
 * escapes are decoded into the context's scratch, numbers stay text (typed
 * INT when integral), booleans become Zeek's "T"/"F", null is absent; time
 * fields are typed from epoch seconds or ISO 8601. The ECS fast fields of
 * netfields.h are filled from the mapped names.
 *
 * Limits: more distinct (kind, path) pairs than the cache holds are dropped
 * and counted (limit "<reader>.names"); a line that is not one valid JSON
 * object is malformed, with the reason and byte offset.
 */
#ifndef SP_READERS_NETJSON_H
#define SP_READERS_NETJSON_H

#include "core/json.h"
#include "readers/reader.h"

#define NJ_CACHE_SLOTS 4096
#define NJ_ARENA (256u * 1024u)
#define NJ_PATH_MAX 512

enum nj_hint {
  NJ_ANY = 0, /* integral numbers INT, everything else text */
  NJ_STR,
  NJ_INT,
  NJ_IP,
  NJ_TIME,
  NJ_DROP /* not kept */
};

enum nj_role {
  NJ_ROLE_NONE = 0,
  NJ_ROLE_TS,    /* sets ev->ts (the first one) */
  NJ_ROLE_END,   /* a flow's end time: duration = end - ts */
  NJ_ROLE_LOWER, /* lower-cased text (Suricata's "TCP" -> Zeek's "tcp") */
  NJ_ROLE_START  /* a flow's start time: sets ev->ts, overriding */
};

/* What a reader's map function answers for one path. */
typedef struct nj_target {
  const char *name; /* field name (may be the path itself) */
  size_t name_n;
  int hint; /* nj_hint */
  int role; /* nj_role */
} nj_target;

typedef void (*nj_map_fn)(sp_str kind, sp_str path, nj_target *out);

typedef struct nj_slot {
  uint32_t hash;
  int kind;
  uint32_t key_off, key_n; /* path bytes in the arena */
  int fid, ecs;
  uint8_t hint, role, used;
} nj_slot;

#define NJ_KIND_MAX 64 /* bytes of a kind key or name */

typedef struct nj_state {
  const char *reader; /* for limit names */
  bool iso_auto;      /* untyped strings shaped like ISO 8601 UTC are times */
  nj_map_fn map;
  nj_slot *slots;
  char *arena;
  size_t arena_used, n_used;
  uint64_t dropped;
  /* Per line: */
  sp_rctx *rc;
  sp_event *ev;
  int kind;
  sp_str kind_name;
  int64_t start_ns, end_ns;
  int f_duration;
  int dur_kind;
  /* The kind of the previous line (nj_kind): its key, name and id. */
  char kind_key[NJ_KIND_MAX + 1], kind_cname[NJ_KIND_MAX + 1];
  size_t kind_key_n, kind_cname_n;
  int kind_id;
} nj_state;

bool nj_init(nj_state *s, const char *reader, nj_map_fn map);
void nj_free(nj_state *s);

/* Flatten line p[0..n) into rc's event of kind (named kind_name); false
 * (and the line reported malformed) when it is not a valid JSON object. The
 * caller has begun the event and emits it. */
bool nj_line(nj_state *s, sp_rctx *rc, int kind, sp_str kind_name,
             const char *p, size_t n, uint64_t lineno);

/* The kind id of a line whose kind the value `key` names (EVE's
 * event_type, Zeek's _path; cut at NJ_KIND_MAX). name_of maps a key to the
 * kind's name, or NULL for "the key itself"; it is asked, and the name
 * interned, only when the key differs from the previous line's. *name gets
 * the kind's name (valid until the next call). */
int nj_kind(nj_state *s, sp_rctx *rc, sp_str key,
            const char *(*name_of)(sp_str key), sp_str *name);

/* Report the names the cache could not hold (once, at the end of a file). */
void nj_finish(nj_state *s, sp_rctx *rc);

/* The string value of top-level key `key` ("_path", "event_type") found by
 * a plain search of the line for "key":"value" (no escapes in value);
 * empty when absent. */
sp_str nj_peek(const char *p, size_t n, const char *key);

#endif
