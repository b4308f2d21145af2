/*
 * evtx.c - the EVTX reader ("evtx", raw, SP_REF_RECORD): one event per
 * record, fields named as Sigma rules name them (see docs/ARCHITECTURE.md,
 * "EVTX events", and /work contracts): System values ("EventID",
 * "Provider_Name", "Channel", "Computer", "TimeCreated", ...), every
 * EventData <Data Name="X"> as "X" (unnamed <Data> as a repeated "Data",
 * <Binary> as "Binary"), and the leaf elements of UserData by name; plus
 * host.name, event.code and event.provider.
 *
 * Reading: the 4 KiB file header, then one 64 KiB chunk per next() call, up
 * to the end of the file whatever the header's chunk count says (live and
 * recovered files have stale headers). A chunk whose magic is wrong is
 * reported and skipped; a short last chunk is read as far as it goes. Each
 * record's BinXML is rendered through the sink below straight into fields:
 * values land in the context's scratch, no XML text is built. Nearly every
 * record takes a shorter way: its template's plan (the sink's decisions
 * made once per template, see "plans" below), which renders only the
 * values into fields.
 *
 * Per-worker state (evtx_worker): the template cache (evtx/binxml.c), a
 * local name -> field id table so names are interned once per worker, and
 * the System field ids. Per file: the source and one chunk buffer.
 */
#include "core/timeutil.h"
#include "event/names.h"
#include "evtx/evtx.h"
#include "readers/reader.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Names with a meaning to the sink (tag of an sp_evtx_name). */
enum {
  T_OTHER = 0,
  T_SYSTEM,
  T_EVENTDATA,
  T_USERDATA,
  T_DATA,
  T_BINARY,
  T_PROVIDER,
  T_TIMECREATED,
  T_EXECUTION,
  T_SECURITY,
  T_CORRELATION,
  T_EVENTID,
  T_COMPUTER,
  A_NAME,
  A_GUID,
  A_EVENTSOURCENAME,
  A_SYSTEMTIME,
  A_PROCESSID,
  A_THREADID,
  A_USERID,
  A_ACTIVITYID,
  A_RELATEDACTIVITYID,
  A_QUALIFIERS,
  T__COUNT
};

static const char *const tag_names[T__COUNT] = {
    [T_SYSTEM] = "System",
    [T_EVENTDATA] = "EventData",
    [T_USERDATA] = "UserData",
    [T_DATA] = "Data",
    [T_BINARY] = "Binary",
    [T_PROVIDER] = "Provider",
    [T_TIMECREATED] = "TimeCreated",
    [T_EXECUTION] = "Execution",
    [T_SECURITY] = "Security",
    [T_CORRELATION] = "Correlation",
    [T_EVENTID] = "EventID",
    [T_COMPUTER] = "Computer",
    [A_NAME] = "Name",
    [A_GUID] = "Guid",
    [A_EVENTSOURCENAME] = "EventSourceName",
    [A_SYSTEMTIME] = "SystemTime",
    [A_PROCESSID] = "ProcessID",
    [A_THREADID] = "ThreadID",
    [A_USERID] = "UserID",
    [A_ACTIVITYID] = "ActivityID",
    [A_RELATEDACTIVITYID] = "RelatedActivityID",
    [A_QUALIFIERS] = "Qualifiers",
};

/* Field ids the sink sets by meaning. */
enum {
  F_PROVIDER_NAME,
  F_PROVIDER_GUID,
  F_EVENTSOURCENAME,
  F_TIMECREATED,
  F_PROCESSID,
  F_THREADID,
  F_USERID,
  F_ACTIVITYID,
  F_RELATEDACTIVITYID,
  F_QUALIFIERS,
  F_DATA,
  F_BINARY,
  F_EVENTRECORDID,
  F__COUNT
};
static const char *const fixed_names[] = {
    "Provider_Name", "Provider_Guid", "EventSourceName",
    "TimeCreated",   "ProcessID",     "ThreadID",
    "UserID",        "ActivityID",    "RelatedActivityID",
    "Qualifiers",    "Data",          "Binary",
    "EventRecordID"};
_Static_assert(sizeof fixed_names / sizeof fixed_names[0] == F__COUNT,
               "a name for every fixed field");

/* Where an element sits. */
enum {
  C_NONE = 0, /* ignored (RenderingInfo, ...) */
  C_EVENT,    /* the root */
  C_SYS,
  C_SYSLEAF,
  C_EVD,
  C_EVDITEM,
  C_UD,
  C_UDNODE
};

#define NC_SLOTS 8192
#define NC_POOL (512u << 10)

typedef struct evtx_worker {
  sp_evtx_cache *cache;
  int fixed[F__COUNT];
  /* local name -> field id */
  uint32_t nc_off[NC_SLOTS]; /* into pool, +1 (0 = empty) */
  uint16_t nc_len[NC_SLOTS];
  int32_t nc_fid[NC_SLOTS];
  uint32_t nc_used;
  char *pool;
  size_t pool_used;
  int kind;
  bool no_plans;            /* every record walked (sp_reader_evtx_walk_only) */
  uint64_t planned, walked; /* records read each way */
} evtx_worker;

typedef struct lvl {
  sp_evtx_name *name;
  int cls;
  unsigned pieces;
  bool has_child;
  sp_evtx_val first;
  size_t tstart;
  const char *dname; /* Data's Name attribute */
  size_t dname_n;
  int32_t *dslot;
} lvl;

typedef struct evtx_file {
  sp_source *src;
  uint8_t *chunk;
  uint64_t off; /* file offset of the next chunk */
  sp_evtx_header hdr;
  bool eof;
  uint64_t chunks, bad_chunks, crc_bad, records, bad_records;
  /* the record being rendered */
  sp_rctx *rc;
  evtx_worker *w;
  sp_evtx_buf buf;
  sp_evtx_chunk ch;
  int depth, skip_depth;
  int64_t ts;
  lvl stack[SP_EVTX_MAX_DEPTH + 1];
  sp_evtx_rstat rst;
  uint64_t cut_values;
} evtx_file;

/* ---- names ------------------------------------------------------------ */

static uint32_t nc_hash(const char *s, size_t n) {
  uint32_t h = 2166136261u;
  for (size_t i = 0; i < n; i++)
    h = (h ^ (uint8_t)s[i]) * 16777619u;
  return h;
}

/* Field id for a name, interned once per worker. */
static int name_fid(evtx_worker *w, sp_rctx *rc, const char *s, size_t n) {
  if (n == 0 || n > SP_NAME_MAX_LEN)
    return -1;
  uint32_t h = nc_hash(s, n);
  for (uint32_t i = 0; i < 64; i++) {
    uint32_t k = (h + i) & (NC_SLOTS - 1);
    if (!w->nc_off[k]) {
      int fid = sp_rctx_field(rc, s, n);
      if (w->nc_used < NC_SLOTS / 2 && NC_POOL - w->pool_used >= n) {
        memcpy(w->pool + w->pool_used, s, n);
        w->nc_off[k] = (uint32_t)w->pool_used + 1;
        w->nc_len[k] = (uint16_t)n;
        w->nc_fid[k] = fid;
        w->pool_used += n;
        w->nc_used++;
      }
      return fid;
    }
    if (w->nc_len[k] == n && memcmp(w->pool + w->nc_off[k] - 1, s, n) == 0)
      return w->nc_fid[k];
  }
  return sp_rctx_field(rc, s, n);
}

static int tag_of(sp_evtx_name *nm) {
  if (nm->tag < 0) {
    nm->tag = T_OTHER;
    for (int i = 1; i < T__COUNT; i++)
      if (tag_names[i][0] == nm->s[0] && strlen(tag_names[i]) == nm->n &&
          memcmp(tag_names[i], nm->s, nm->n) == 0) {
        nm->tag = i;
        break;
      }
  }
  return nm->tag;
}

static int fid_of(evtx_file *f, sp_evtx_name *nm) {
  if (nm->fid == -1) {
    int id = name_fid(f->w, f->rc, nm->s, nm->n);
    nm->fid = id < 0 ? -2 : id;
  }
  return nm->fid;
}

/* ---- the sink: elements to fields ------------------------------------- */

static void put_field(evtx_file *f, int fid, sp_str s, const sp_evtx_val *v);

/* An array value: each item is a value of the field (a list). */
static void put_items(evtx_file *f, int fid, sp_str s) {
  size_t a = 0;
  for (size_t i = 0; i <= s.n; i++)
    if (i == s.n || s.p[i] == 0) {
      put_field(f, fid, sp_str_make(s.p + a, i - a), NULL);
      a = i + 1;
    }
}

static void put_field(evtx_file *f, int fid, sp_str s, const sp_evtx_val *v) {
  if (fid < 0)
    return;
  if (v && v->array) {
    put_items(f, fid, s);
    return;
  }
  sp_event *ev = &f->rc->ev;
  if (v && v->has_int && v->type != SP_EVTX_T_FILETIME &&
      v->type != SP_EVTX_T_SYSTIME)
    sp_event_set_int(ev, fid, s, v->i);
  else if (fid < SP_F__COUNT)
    sp_event_set(ev, fid, s);
  else
    sp_event_add_typed(ev, fid, s, SP_T_STR);
}

enum {
  PF_TRIM = 1,  /* element text: trimmed */
  PF_USEV = 2,  /* typed: put_field gets the value (integer, array) */
  PF_TS = 4,    /* TimeCreated SystemTime: the event's time */
  PF_EMPTY = 8, /* element: an absent value puts "" (else nothing) */
  PF_OPT = 16,  /* optional substitution: absent when empty */
  PF_ATTR = 32, /* attribute: absent puts "", unless optional (dropped) */
  PF_NEST = 64, /* a BinXML value here is a nested fragment (ctx, depth) */
  PF_CHK = 128  /* no field: only a BinXML value here needs the walk */
};

static inline bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* Element text is trimmed, as evtx-rs renders it (a command line often ends
 * with a space in the record). */
static void trim(const char **p, size_t *n) {
  const char *s = *p;
  size_t k = *n;
  while (k && (s[k - 1] == ' ' || s[k - 1] == '\t' || s[k - 1] == '\r' ||
               s[k - 1] == '\n'))
    k--;
  while (k && (s[0] == ' ' || s[0] == '\t' || s[0] == '\r' || s[0] == '\n')) {
    s++;
    k--;
  }
  *p = s;
  *n = k;
}

/* The class of an element opened inside one of class pc (-1: at the root). */
static int class_of(int pc, sp_evtx_name *nm) {
  switch (pc) {
  case -1:
    return C_EVENT;
  case C_EVENT: {
    int t = tag_of(nm);
    return t == T_SYSTEM      ? C_SYS
           : t == T_EVENTDATA ? C_EVD
           : t == T_USERDATA  ? C_UD
                              : C_NONE;
  }
  case C_SYS:
    return C_SYSLEAF;
  case C_EVD:
    return C_EVDITEM;
  case C_UD:
  case C_EVDITEM:
  case C_UDNODE:
    return C_UDNODE;
  default:
    return C_NONE;
  }
}

/* Whether text inside an element of class cls is a value. */
static bool takes_text(int cls) {
  return cls != C_NONE && cls != C_EVENT && cls != C_SYS && cls != C_EVD &&
         cls != C_UD;
}

/* The field a System element's attribute gives (tag: the element's, at:
 * the attribute's): its F_* index, the ECS field it also sets (or -1), and
 * PF_USEV (typed) or PF_TS (the event time). False: none. */
static bool attr_role(int tag, int at, int *fx, int *ecs, unsigned *fl) {
  *fx = -1;
  *ecs = -1;
  *fl = 0;
  switch (tag) {
  case T_PROVIDER:
    if (at == A_NAME) {
      *fx = F_PROVIDER_NAME;
      *ecs = SP_F_EVENT_PROVIDER;
    } else if (at == A_GUID) {
      *fx = F_PROVIDER_GUID;
    } else if (at == A_EVENTSOURCENAME) {
      *fx = F_EVENTSOURCENAME;
    }
    break;
  case T_TIMECREATED:
    if (at == A_SYSTEMTIME) {
      *fx = F_TIMECREATED;
      *fl = PF_TS;
    }
    break;
  case T_EXECUTION:
    if (at == A_PROCESSID || at == A_THREADID) {
      *fx = at == A_PROCESSID ? F_PROCESSID : F_THREADID;
      *fl = PF_USEV;
    }
    break;
  case T_SECURITY:
    if (at == A_USERID)
      *fx = F_USERID;
    break;
  case T_CORRELATION:
    if (at == A_ACTIVITYID)
      *fx = F_ACTIVITYID;
    else if (at == A_RELATEDACTIVITYID)
      *fx = F_RELATEDACTIVITYID;
    break;
  case T_EVENTID:
    if (at == A_QUALIFIERS) {
      *fx = F_QUALIFIERS;
      *fl = PF_USEV;
    }
    break;
  default:
    break;
  }
  return *fx >= 0;
}

/* The field a closing element gives (dfid: the field its Data Name
 * attribute names, for a Data element without children): its id, the ECS
 * field it also sets (or -1), and PF_USEV when the value goes typed.
 * False: none. */
static bool elem_role(evtx_file *f, int cls, sp_evtx_name *nm, bool has_child,
                      int dfid, int *fid, int *ecs, unsigned *fl) {
  *ecs = -1;
  *fl = PF_USEV;
  switch (cls) {
  case C_SYSLEAF: {
    if (has_child)
      return false;
    int t = tag_of(nm);
    *fid = fid_of(f, nm);
    *ecs = t == T_EVENTID    ? SP_F_EVENT_CODE
           : t == T_COMPUTER ? SP_F_HOST_NAME
                             : -1;
    return true;
  }
  case C_EVDITEM: {
    int t = tag_of(nm);
    if (t == T_DATA) {
      *fid = dfid;
      return !has_child;
    }
    if (t == T_BINARY) {
      *fid = f->w->fixed[F_BINARY];
      *fl = 0;
      return true;
    }
    if (has_child)
      return false;
    *fid = fid_of(f, nm);
    return true;
  }
  case C_UDNODE:
    if (has_child)
      return false;
    *fid = fid_of(f, nm);
    return true;
  default:
    return false;
  }
}

/* The event time from TimeCreated's SystemTime: its FILETIME/SYSTIME
 * value, else its text as ISO 8601. */
static void set_ts(evtx_file *f, sp_str s, const sp_evtx_val *v) {
  int64_t ns;
  if (v->has_int &&
      (v->type == SP_EVTX_T_FILETIME || v->type == SP_EVTX_T_SYSTIME))
    f->ts = v->i;
  else if (sp_parse_iso8601(s, &ns))
    f->ts = ns;
}

static void s_open(void *u, sp_evtx_name *nm) {
  evtx_file *f = u;
  if (f->depth >= SP_EVTX_MAX_DEPTH) {
    f->skip_depth++;
    return;
  }
  int cls = class_of(f->depth ? f->stack[f->depth - 1].cls : -1, nm);
  if (f->depth)
    f->stack[f->depth - 1].has_child = true;
  lvl *l = &f->stack[f->depth++];
  l->name = nm;
  l->cls = cls;
  l->pieces = 0;
  l->has_child = false;
  l->dname = NULL;
  l->dname_n = 0;
  l->dslot = NULL;
}

static void s_attr(void *u, sp_evtx_name *nm, const sp_evtx_val *v) {
  evtx_file *f = u;
  if (f->skip_depth || !f->depth)
    return;
  lvl *l = &f->stack[f->depth - 1];
  if (l->cls != C_SYSLEAF && l->cls != C_EVDITEM)
    return;
  int at = tag_of(nm);
  sp_str s = sp_str_make(v->s, v->n);
  if (l->cls == C_EVDITEM) {
    if (at == A_NAME) {
      l->dname = v->s;
      l->dname_n = v->n;
      l->dslot = v->slot;
    }
    return;
  }
  int fx, ecs;
  unsigned fl;
  if (!attr_role(tag_of(l->name), at, &fx, &ecs, &fl))
    return;
  put_field(f, f->w->fixed[fx], s, fl & PF_USEV ? v : NULL);
  if (ecs >= 0)
    sp_event_set(&f->rc->ev, ecs, s);
  if (fl & PF_TS)
    set_ts(f, s, v);
}

static void s_text(void *u, const sp_evtx_val *v) {
  evtx_file *f = u;
  if (f->skip_depth || !f->depth)
    return;
  lvl *l = &f->stack[f->depth - 1];
  if (!takes_text(l->cls))
    return;
  if (l->pieces == 0) {
    l->first = *v;
  } else {
    sp_evtx_buf *b = &f->buf;
    if (l->pieces == 1) {
      l->tstart = b->used;
      size_t k = l->first.n <= b->cap - b->used ? l->first.n : 0;
      memmove(b->p + b->used, l->first.s, k);
      b->used += k;
    }
    size_t k = v->n <= b->cap - b->used ? v->n : 0;
    memmove(b->p + b->used, v->s, k);
    b->used += k;
  }
  l->pieces++;
}

static void s_close(void *u) {
  evtx_file *f = u;
  if (f->skip_depth) {
    f->skip_depth--;
    return;
  }
  if (!f->depth)
    return;
  lvl *l = &f->stack[--f->depth];
  const sp_evtx_val *v = l->pieces == 1 ? &l->first : NULL;
  sp_str s = l->pieces == 0 ? sp_str_make("", 0)
             : l->pieces == 1
                 ? sp_str_make(l->first.s, l->first.n)
                 : sp_str_make(f->buf.p + l->tstart, f->buf.used - l->tstart);
  trim(&s.p, &s.n);
  if (l->cls == C_SYSLEAF && l->pieces == 0)
    return; /* no text, no field */
  int dfid = -1;
  if (l->cls == C_EVDITEM && !l->has_child && tag_of(l->name) == T_DATA) {
    if (!l->dname_n) {
      dfid = f->w->fixed[F_DATA];
    } else if (l->dslot && *l->dslot != -1) {
      dfid = *l->dslot;
    } else {
      dfid = name_fid(f->w, f->rc, l->dname, l->dname_n);
      if (l->dslot)
        *l->dslot = dfid < 0 ? -2 : dfid;
    }
  }
  int fid, ecs;
  unsigned fl;
  if (!elem_role(f, l->cls, l->name, l->has_child, dfid, &fid, &ecs, &fl))
    return;
  put_field(f, fid, s, fl & PF_USEV ? v : NULL);
  if (ecs >= 0)
    sp_event_set(&f->rc->ev, ecs, s);
}

/* ---- plans: a template's fields, derived once ------------------------- */

/* The sink above decides which element or attribute becomes which field
 * from names and structure alone (class_of, attr_role, elem_role, which
 * the plans below share with it): for a template, the same for every
 * record. A plan is that decision made once, by walking the template's ops
 * as the sink would, into steps (field, value source, flags); a record is
 * then its steps run over its substitution values, with no walk and no
 * sink calls. A nested BinXML value (Windows puts EventData and UserData in
 * one) is a NEST step: its own template's plan, derived for the place it
 * sits in (a plan per template and parent class). A template whose fields
 * would depend on a value (a Data Name given by a substitution, a field of
 * several pieces, an inner template) gets no plan; a record whose values do
 * something a plan does not foresee (BinXML inside a field, a nested value
 * that is not one template instance, nesting past the limits) is read
 * again by the walk above, which handles and reports everything.
 * tests/unit/test_evtx_plan.c and test_evtx_shared.c check that both ways
 * give the same events. */

#define PS_LIT UINT32_MAX /* op indices are 16-bit: no clash */
#define N_CTX 9 /* parent classes a plan is derived for: root, C_* + 1 */

typedef struct pstep {
  int32_t fid;  /* field; PF_NEST: the parent context */
  int16_t ecs;  /* SP_F_* also set to the text, or -1; PF_NEST: depth */
  uint32_t sub; /* substitution index, or PS_LIT */
  uint8_t flags;
  uint32_t litn;
  const char *lit; /* PS_LIT: the text (lives as long as the template) */
} pstep;

typedef struct plan {
  uint32_t n;
  int maxd; /* deepest element, relative to where the plan starts */
  pstep steps[];
} plan;

/* A template's plans, one per parent context (tpl user slot). */
typedef struct pset {
  void *by_ctx[N_CTX]; /* plan, PLAN_NONE, or NULL (not derived yet) */
} pset;

/* A plan that cannot be (never written: only its address is used). */
static const char plan_none_mark;
#define PLAN_NONE ((void *)&plan_none_mark)

static void pset_free(void *p) {
  pset *ps = p;
  for (int i = 0; ps && i < N_CTX; i++)
    if (ps->by_ctx[i] != PLAN_NONE)
      free(ps->by_ctx[i]);
  free(ps);
}

/* Parent class -> context index, -1 when a nested fragment there would
 * change the parent's own field (the walk then). */
static int ctx_of(int depth, int cls) {
  if (!depth)
    return 0;
  switch (cls) {
  case C_NONE:
  case C_EVENT:
  case C_SYS:
  case C_EVD:
  case C_UD:
    return cls + 1;
  default:
    return -1;
  }
}

typedef struct blvl {
  sp_evtx_name *name;
  int cls;
  unsigned pieces;
  bool has_child;
  const sp_evtx_op *first;
  const char *dname;
  uint32_t dname_n;
} blvl;

typedef struct bctx {
  evtx_file *f;
  int base_cls; /* class of the element the plan starts in; -1 at the root */
  blvl st[SP_EVTX_MAX_DEPTH + 1];
  int depth, maxd;
  sp_evtx_name *aname; /* attribute being read */
  unsigned apieces;
  const sp_evtx_op *afirst;
  pstep *steps;
  uint32_t n, cap;
  bool bad;
  uint64_t has_val[1024]; /* drop_checks */
} bctx;

static pstep *b_push(bctx *b) {
  if (b->n == b->cap) {
    b->bad = true; /* cannot happen: at most two steps per op */
    return NULL;
  }
  return &b->steps[b->n++];
}

/* A step for a value made of np pieces, the first being `first`. */
static void b_step(bctx *b, int fid, int ecs, unsigned flags, unsigned np,
                   const sp_evtx_op *first) {
  if (np > 1) {
    b->bad = true;
    return;
  }
  pstep *p = b_push(b);
  if (!p)
    return;
  *p = (pstep){.fid = fid,
               .ecs = (int16_t)ecs,
               .flags = (uint8_t)flags,
               .sub = PS_LIT,
               .lit = ""};
  if (np == 0)
    return;
  if (first->k == SP_EVTX_OP_TEXT) {
    const char *s = first->p;
    size_t k = first->n;
    if (flags & PF_TRIM)
      trim(&s, &k);
    p->lit = s;
    p->litn = (uint32_t)k;
  } else {
    p->sub = first->idx;
    if (first->opt)
      p->flags |= PF_OPT;
  }
}

/* s_attr, symbolically. */
static void b_attr_flush(bctx *b) {
  sp_evtx_name *nm = b->aname;
  unsigned np = b->apieces;
  const sp_evtx_op *first = b->afirst;
  b->aname = NULL;
  b->apieces = 0;
  b->afirst = NULL;
  if (!nm || !b->depth)
    return;
  blvl *l = &b->st[b->depth - 1];
  if (l->cls != C_SYSLEAF && l->cls != C_EVDITEM)
    return;
  int at = tag_of(nm);
  if (l->cls == C_EVDITEM) {
    if (at == A_NAME) {
      if (np > 1 || (np == 1 && first->k != SP_EVTX_OP_TEXT)) {
        b->bad = true; /* the field's name would be a value */
        return;
      }
      l->dname = np ? first->p : "";
      l->dname_n = np ? first->n : 0;
    }
    return;
  }
  int fx, ecs;
  unsigned fl;
  if (!attr_role(tag_of(l->name), at, &fx, &ecs, &fl))
    return;
  /* an absent non-optional value is "" (attr_flush); optional: dropped */
  b_step(b, b->f->w->fixed[fx], ecs, fl | PF_ATTR, np, first);
}

/* s_open, symbolically. */
static void b_open(bctx *b, sp_evtx_name *nm) {
  if (b->depth >= SP_EVTX_MAX_DEPTH) {
    b->bad = true;
    return;
  }
  int cls = class_of(b->depth ? b->st[b->depth - 1].cls : b->base_cls, nm);
  if (b->depth)
    b->st[b->depth - 1].has_child = true;
  b->st[b->depth++] = (blvl){.name = nm, .cls = cls};
  if (b->depth > b->maxd)
    b->maxd = b->depth;
}

/* s_text, symbolically; and where a BinXML value would go. */
static void b_text(bctx *b, const sp_evtx_op *o) {
  int cls = b->depth ? b->st[b->depth - 1].cls : b->base_cls;
  int ctx = b->depth ? ctx_of(b->depth, cls)
                     : (b->base_cls < 0 ? 0 : ctx_of(1, b->base_cls));
  if (o->k == SP_EVTX_OP_SUB && ctx >= 0) {
    pstep *p = b_push(b);
    if (p)
      *p = (pstep){.fid = ctx,
                   .ecs = (int16_t)b->depth,
                   .sub = o->idx,
                   .flags = PF_NEST};
  }
  if (!b->depth)
    return;
  blvl *l = &b->st[b->depth - 1];
  if (!takes_text(l->cls))
    return;
  if (o->k == SP_EVTX_OP_SUB) { /* BinXML in a field: the walk */
    pstep *p = b_push(b);
    if (p)
      *p = (pstep){.sub = o->idx, .flags = PF_CHK};
  }
  if (l->pieces++ == 0)
    l->first = o;
}

/* s_close, symbolically. */
static void b_close(bctx *b) {
  if (!b->depth) {
    /* a nested fragment closing its parent's elements: the walk shares
     * one element stack across nesting, a plan does not */
    if (b->base_cls >= 0)
      b->bad = true;
    return;
  }
  blvl *l = &b->st[--b->depth];
  evtx_file *f = b->f;
  if (l->cls == C_SYSLEAF && l->pieces == 0)
    return; /* no text, no field */
  int dfid = -1;
  if (l->cls == C_EVDITEM && !l->has_child && tag_of(l->name) == T_DATA)
    dfid = l->dname_n ? name_fid(f->w, f->rc, l->dname, l->dname_n)
                      : f->w->fixed[F_DATA];
  int fid, ecs;
  unsigned fl;
  if (!elem_role(f, l->cls, l->name, l->has_child, dfid, &fid, &ecs, &fl))
    return;
  /* absent: a System leaf has no text, so no field; elsewhere "" */
  b_step(b, fid, ecs, PF_TRIM | fl | (l->cls == C_SYSLEAF ? 0u : PF_EMPTY),
         l->pieces, l->first);
}

/* A CHK step is redundant when an element value step (not an attribute's)
 * reads the same substitution: that step sends a BinXML value to the walk
 * too (plan_run), and where in the plan a record goes to the walk does not
 * matter (the fields put so far are dropped). Most element values have
 * one, so this halves the steps of a typical EventData. */
static void drop_checks(bctx *b) {
  uint64_t *val = b->has_val; /* bit per substitution index (16-bit) */
  memset(val, 0, sizeof b->has_val);
  for (uint32_t i = 0; i < b->n; i++) {
    const pstep *o = &b->steps[i];
    if (o->sub <= 0xffff && !(o->flags & (PF_NEST | PF_CHK | PF_ATTR)))
      val[o->sub >> 6] |= (uint64_t)1 << (o->sub & 63);
  }
  uint32_t k = 0;
  for (uint32_t i = 0; i < b->n; i++) {
    const pstep *c = &b->steps[i];
    if (!(c->flags & PF_CHK) || c->sub > 0xffff ||
        !((val[c->sub >> 6] >> (c->sub & 63)) & 1))
      b->steps[k++] = *c;
  }
  b->n = k;
}

/* Derive a template's plan for context ctx; PLAN_NONE when it cannot
 * have one. */
static void *plan_build(evtx_file *f, const sp_evtx_inst *in, int ctx) {
  bctx *b = calloc(1, sizeof *b);
  if (!b)
    return PLAN_NONE;
  b->f = f;
  b->base_cls = ctx - 1;
  b->cap = 2 * in->nops + 2;
  b->steps = malloc(b->cap * sizeof *b->steps);
  if (!b->steps) {
    free(b);
    return PLAN_NONE;
  }
  for (uint32_t i = 0; i < in->nops && !b->bad; i++) {
    const sp_evtx_op *o = &in->ops[i];
    switch (o->k) {
    case SP_EVTX_OP_OPEN:
      b_attr_flush(b);
      b_open(b, (sp_evtx_name *)o->p);
      break;
    case SP_EVTX_OP_ATTR:
      b_attr_flush(b);
      b->aname = (sp_evtx_name *)o->p;
      break;
    case SP_EVTX_OP_CLOSE_START:
      b_attr_flush(b);
      break;
    case SP_EVTX_OP_CLOSE:
      b_attr_flush(b);
      b_close(b);
      break;
    case SP_EVTX_OP_TEXT:
    case SP_EVTX_OP_SUB:
      if (b->aname) {
        if (b->apieces++ == 0)
          b->afirst = o;
      } else {
        b_text(b, o);
      }
      break;
    default:
      b->bad = true; /* an inner template instance */
    }
  }
  b_attr_flush(b);
  if (b->depth && b->base_cls >= 0)
    b->bad = true; /* elements left open for the parent to close */
  drop_checks(b);
  plan *p = NULL;
  if (!b->bad)
    p = malloc(sizeof *p + b->n * sizeof(pstep));
  if (p) {
    p->n = b->n;
    p->maxd = b->maxd;
    memcpy(p->steps, b->steps, b->n * sizeof(pstep));
  }
  free(b->steps);
  free(b);
  return p ? (void *)p : PLAN_NONE;
}

/* The plan of an instance's template for context ctx, derived on first
 * use; NULL when there is none. */
static const plan *plan_get(evtx_file *f, const sp_evtx_inst *in, int ctx) {
  if (!in->user)
    return NULL; /* a template that lives only as long as its chunk */
  pset *ps = *in->user;
  if (!ps) {
    ps = calloc(1, sizeof *ps);
    if (!ps)
      return NULL;
    *in->user = ps;
  }
  if (!ps->by_ctx[ctx])
    ps->by_ctx[ctx] = plan_build(f, in, ctx);
  return ps->by_ctx[ctx] == PLAN_NONE ? NULL : ps->by_ctx[ctx];
}

/* A field's text: a name of the reader's own (the usual) appended
 * directly, an ECS field set (put_field's sp_event_set). */
static inline void put_str(sp_event *ev, int fid, sp_str s) {
  if (fid >= SP_F__COUNT)
    (void)sp_event_add_name(ev, fid, s, SP_T_STR);
  else if (fid >= 0)
    sp_event_set(ev, fid, s);
}

/* A plan step over a present value (not NULL, not BinXML; empty only where
 * that is not absence): what put_field and the sink would do with it. */
static inline void run_value(evtx_file *f, sp_event *ev, const pstep *st,
                             const sp_evtx_sub *x) {
  uint8_t t = x->t;
  if (t == SP_EVTX_T_STRING) {
    /* the commonest value: its text only (no integer, not a list) */
    size_t start = f->buf.used;
    sp_evtx_utf16(&f->buf, x->p, x->n);
    sp_str str = sp_str_make(f->buf.p + start, f->buf.used - start);
    if ((st->flags & PF_TRIM) && str.n &&
        (is_space(str.p[0]) || is_space(str.p[str.n - 1])))
      trim(&str.p, &str.n);
    put_str(ev, st->fid, str);
    if (st->ecs >= 0)
      sp_event_set(ev, st->ecs, str);
    if (st->flags & PF_TS) {
      sp_evtx_val v = {.s = str.p, .n = str.n, .type = t};
      set_ts(f, str, &v);
    }
    return;
  }
  sp_evtx_val v;
  if (!sp_evtx_value(t, x->p, x->n, &f->buf, &v)) {
    v.s = "";
    v.n = 0;
  }
  sp_str str = sp_str_make(v.s, v.n);
  /* numbers, GUIDs, SIDs, times and hex never have spaces to trim */
  uint8_t bt = t & 0x7f;
  if ((st->flags & PF_TRIM) && (bt < SP_EVTX_T_INT8 || bt > SP_EVTX_T_HEX64))
    trim(&str.p, &str.n);
  int fid = st->fid;
  if (!(st->flags & PF_USEV) || !(v.array || v.has_int) ||
      t == SP_EVTX_T_FILETIME || t == SP_EVTX_T_SYSTIME) {
    put_str(ev, fid, str);
  } else if (fid >= 0) {
    if (v.array)
      put_items(f, fid, str);
    else
      sp_event_set_int(ev, fid, str, v.i);
  }
  if (st->ecs >= 0)
    sp_event_set(ev, st->ecs, str);
  if (st->flags & PF_TS)
    set_ts(f, str, &v);
}

/* Run a plan over an instance's values at nesting level `level`, its
 * elements starting at element depth `depth`. False when the record needs
 * the walk (fields put so far are then dropped with the event). */
static bool plan_run(evtx_file *f, const plan *p, const sp_evtx_inst *in,
                     int level, int depth) {
  if (depth + p->maxd > SP_EVTX_MAX_DEPTH)
    return false;
  sp_event *ev = &f->rc->ev;
  const sp_evtx_sub *subs = in->subs;
  uint32_t nsub = in->nsub;
  for (const pstep *st = p->steps, *end = st + p->n; st < end; st++) {
    unsigned fl = st->flags;
    const sp_evtx_sub *x = st->sub < nsub ? &subs[st->sub] : NULL;
    if (!(fl & (PF_NEST | PF_CHK))) {
      /* the usual step: a present value for a field */
      if (x && x->t != SP_EVTX_T_NULL && x->t != SP_EVTX_T_BINXML &&
          (x->n || !(fl & PF_OPT))) {
        run_value(f, ev, st, x);
        continue;
      }
    } else {
      if (!x || x->t != SP_EVTX_T_BINXML)
        continue; /* text where the sink takes none, or no value */
      if (fl & PF_CHK || level + 1 > SP_EVTX_MAX_NEST)
        return false;
      sp_evtx_inst nin;
      sp_evtx_rstat scratch = {0}; /* the walk counts, if it comes to it */
      const char *err = NULL;
      if (sp_evtx_instance(f->w->cache, &f->ch, (uint32_t)(x->p - f->ch.p),
                           x->n, level + 1, &nin, &scratch, &err) <= 0)
        return false;
      const plan *np = plan_get(f, &nin, st->fid);
      if (!np || !plan_run(f, np, &nin, level + 1, depth + st->ecs))
        return false;
      continue;
    }
    /* a literal, or an absent value */
    sp_evtx_val v;
    const char *s;
    size_t n;
    if (st->sub == PS_LIT) {
      s = st->lit;
      n = st->litn;
    } else {
      if (x && x->t == SP_EVTX_T_BINXML && !(fl & PF_ATTR))
        return false;
      /* absent (BinXML in an attribute is dropped, the attribute kept) */
      bool put = fl & PF_ATTR
                     ? !(fl & PF_OPT) || (x && x->t == SP_EVTX_T_BINXML)
                     : (fl & PF_EMPTY) != 0;
      if (!put)
        continue; /* no text (element) or a dropped optional attribute */
      s = "";
      n = 0;
    }
    v = (sp_evtx_val){.s = s, .n = n, .type = SP_EVTX_T_STRING};
    sp_str str = sp_str_make(s, n);
    put_field(f, st->fid, str, NULL);
    if (st->ecs >= 0)
      sp_event_set(ev, st->ecs, str);
    if (fl & PF_TS)
      set_ts(f, str, &v);
  }
  return true;
}

/* ---- reading ---------------------------------------------------------- */

static int evtx_sniff(const sp_reader_vt *vt, const sp_sniff *sn) {
  (void)vt;
  if (sn->raw_len >= 8 && memcmp(sn->raw, "ElfFile\0", 8) == 0)
    return 95;
  return 0;
}

static sp_err evtx_worker_create(const sp_reader_vt *vt, sp_rctx *rc,
                                 void **out) {
  (void)vt;
  evtx_worker *w = calloc(1, sizeof *w);
  if (!w)
    return SP_ENOMEM;
  w->cache = sp_evtx_cache_create();
  w->pool = malloc(NC_POOL);
  if (!w->cache || !w->pool) {
    sp_evtx_cache_destroy(w->cache);
    free(w->pool);
    free(w);
    return SP_ENOMEM;
  }
  for (int i = 0; i < F__COUNT; i++)
    w->fixed[i] = name_fid(w, rc, fixed_names[i], strlen(fixed_names[i]));
  w->kind = sp_rctx_kind(rc, "evtx");
  sp_evtx_cache_set_user_free(w->cache, pset_free);
  *out = w;
  return SP_OK;
}

static void evtx_worker_destroy(void *ws) {
  evtx_worker *w = ws;
  if (!w)
    return;
  sp_evtx_cache_destroy(w->cache);
  free(w->pool);
  free(w);
}

/* Read up to n bytes (fewer only at the end of the source). */
static int read_full(evtx_file *f, sp_rctx *rc, uint8_t *dst, size_t n,
                     size_t *got) {
  *got = 0;
  while (*got < n) {
    size_t g = 0;
    sp_err e = sp_source_read(f->src, (char *)dst + *got, n - *got, &g,
                              rc->errmsg, sizeof rc->errmsg);
    if (e)
      return -1;
    if (!g)
      break;
    *got += g;
  }
  return 0;
}

static sp_err evtx_open(const sp_reader_vt *vt, sp_rctx *rc, sp_source *src,
                        void **st) {
  (void)vt;
  if (!rc->wstate) {
    snprintf(rc->errmsg, sizeof rc->errmsg, "evtx reader: no worker state");
    return SP_EINVAL;
  }
  evtx_file *f = calloc(1, sizeof *f);
  if (!f)
    return SP_ENOMEM;
  f->chunk = malloc(SP_EVTX_CHUNK);
  if (!f->chunk) {
    free(f);
    return SP_ENOMEM;
  }
  f->src = src;
  f->w = rc->wstate;
  size_t got;
  if (read_full(f, rc, f->chunk, SP_EVTX_FILE_HEADER, &got) < 0) {
    free(f->chunk);
    free(f);
    return SP_EIO;
  }
  if (!sp_evtx_header_parse(f->chunk, got, &f->hdr)) {
    sp_rctx_malformed(rc, 0, "not an EVTX file header (no ElfFile magic)");
    f->eof = true;
  } else {
    if (!f->hdr.crc_ok)
      sp_rctx_note(rc, "EVTX file header checksum does not match");
    if (got < SP_EVTX_FILE_HEADER) {
      sp_rctx_malformed(rc, 0, "EVTX file header truncated");
      f->eof = true;
    }
  }
  f->off = SP_EVTX_FILE_HEADER;
  *st = f;
  return SP_OK;
}

static void on_bad_record(void *u, uint32_t off, const char *reason) {
  evtx_file *f = u;
  char msg[160];
  snprintf(msg, sizeof msg, "record at byte offset %llu: %s",
           (unsigned long long)(f->ch.file_off + off), reason);
  f->bad_records++;
  sp_rctx_malformed(f->rc, f->ch.file_off + off, msg);
}

static void on_record(void *u, const sp_evtx_record *r) {
  evtx_file *f = u;
  sp_rctx *rc = f->rc;
  rc->scratch_used = 0;
  f->buf = (sp_evtx_buf){rc->scratch, rc->scratch_cap, 0, 0};
  f->depth = 0;
  f->skip_depth = 0;
  f->ts = SP_TIME_NONE;
  sp_event *ev = sp_rctx_begin(rc, f->w->kind, r->id, f->ch.file_off + r->off);
  uint32_t off = r->off + 24, len = r->size - SP_EVTX_RECORD_MIN;
  sp_evtx_inst in;
  const char *err = NULL;
  int shape =
      sp_evtx_instance(f->w->cache, &f->ch, off, len, 0, &in, &f->rst, &err);
  if (shape < 0) {
    on_bad_record(f, r->off, err);
    return;
  }
  const plan *pl = shape > 0 && !f->w->no_plans ? plan_get(f, &in, 0) : NULL;
  if (pl && plan_run(f, pl, &in, 0, 0)) {
    f->w->planned++;
  } else {
    if (pl) { /* start the record again, for the walk */
      f->buf.used = 0;
      f->buf.cut = 0;
      f->ts = SP_TIME_NONE;
      ev = sp_rctx_begin(rc, f->w->kind, r->id, f->ch.file_off + r->off);
    }
    static const sp_evtx_sink sink_vt = {NULL, s_open, s_attr, s_text, s_close};
    sp_evtx_sink sk = sink_vt;
    sk.user = f;
    err = sp_evtx_render(f->w->cache, &f->ch, off, len, &sk, &f->buf, &f->rst);
    if (err) {
      on_bad_record(f, r->off, err);
      return;
    }
    f->w->walked++;
  }
  if (f->buf.cut)
    f->cut_values++;
  ev->ts = f->ts != SP_TIME_NONE ? f->ts : sp_evtx_filetime_ns(r->filetime);
  /* The evidence reference is the EventRecordID the record's XML shows
     (what Event Viewer and every tool display); it differs from the record
     header's number in forwarded (WEC) logs. The header's when absent. */
  int rid = f->w->fixed[F_EVENTRECORDID];
  int64_t v;
  if (rid >= 0 && sp_event_get_int(ev, rid, &v) && v > 0)
    ev->line = (uint64_t)v;
  rc->scratch_used = f->buf.used;
  f->records++;
  sp_rctx_emit(rc);
}

/* Whether n bytes are all zero (unused space after the last chunk). */
static bool all_zero(const uint8_t *p, size_t n) {
  return n == 0 || (p[0] == 0 && memcmp(p, p + 1, n - 1) == 0);
}

static int evtx_next(void *st, sp_rctx *rc) {
  evtx_file *f = st;
  if (f->eof)
    return 0;
  size_t got;
  if (read_full(f, rc, f->chunk, SP_EVTX_CHUNK, &got) < 0)
    return -1;
  if (got == 0) {
    f->eof = true;
    return 0;
  }
  uint64_t at = f->off;
  f->off += got;
  if (got < SP_EVTX_CHUNK)
    f->eof = true;
  f->chunks++;
  f->rc = rc;
  f->ch = (sp_evtx_chunk){f->chunk, got, at};
  if (got < SP_EVTX_CHUNK_HEADER) {
    /* A few trailing bytes: padding or a cut chunk header. */
    if (!all_zero(f->chunk, got)) {
      char msg[96];
      snprintf(msg, sizeof msg, "chunk at byte offset %llu: truncated header",
               (unsigned long long)at);
      f->bad_chunks++;
      sp_rctx_malformed(rc, at, msg);
    }
    return f->eof ? 0 : 1;
  }
  sp_evtx_chunk_info ci;
  sp_evtx_chunk_info_get(&f->ch, &ci);
  if (!ci.magic_ok) {
    /* Unused space (all zero) after the last chunk is normal. A chunk
     * whose header was wiped is damage, reported; its records are still
     * read when they start where records start. */
    if (all_zero(f->chunk, got))
      return f->eof ? 0 : 1;
    char msg[96];
    snprintf(msg, sizeof msg, "chunk at byte offset %llu: bad chunk magic",
             (unsigned long long)at);
    f->bad_chunks++;
    sp_rctx_malformed(rc, at, msg);
    ci.free_off = 0; /* nothing in the header is believed */
    ci.header_crc_ok = false;
  }
  if (ci.magic_ok && !ci.header_crc_ok)
    f->crc_bad++;
  if (!sp_rctx_reserve(rc, SP_EVTX_CHUNK)) {
    snprintf(rc->errmsg, sizeof rc->errmsg, "evtx reader: out of memory");
    return -1;
  }
  sp_evtx_cache_new_chunk(f->w->cache);
  uint64_t cut = 0;
  sp_evtx_chunk_records(&f->ch, &ci, on_record, on_bad_record, f, &cut);
  if (cut)
    sp_rctx_limit(rc, "evtx.records_per_chunk",
                  "records past the per-chunk limit", cut);
  return f->eof ? 0 : 1;
}

static void evtx_close(void *st, sp_rctx *rc) {
  evtx_file *f = st;
  if (!f)
    return;
  if (f->crc_bad) {
    char note[128];
    snprintf(note, sizeof note,
             "%llu EVTX chunk header(s) with a checksum that does not match "
             "(read anyway)",
             (unsigned long long)f->crc_bad);
    sp_rctx_note(rc, note);
  }
  if (f->rst.limit_depth)
    sp_rctx_limit(rc, "evtx.nesting", "BinXML nested past the limit",
                  f->rst.limit_depth);
  if (f->rst.limit_subs)
    sp_rctx_limit(rc, "evtx.substitutions",
                  "substitution arrays past the limit", f->rst.limit_subs);
  if (f->cut_values)
    sp_rctx_limit(rc, "evtx.value_cut",
                  "records whose values did not fit the text buffer",
                  f->cut_values);
  free(f->chunk);
  free(f);
}

const sp_reader_vt sp_reader_evtx = {
    .name = "evtx",
    .ref = SP_REF_RECORD,
    /* not raw: a gzipped .evtx is read inflated, as it was sniffed */
    .raw = false,
    .sniff = evtx_sniff,
    .open = evtx_open,
    .next = evtx_next,
    .close = evtx_close,
    .worker_create = evtx_worker_create,
    .worker_destroy = evtx_worker_destroy,
};

void sp_reader_evtx_walk_only(void *wstate, bool on) {
  evtx_worker *w = wstate;
  if (w)
    w->no_plans = on;
}

void sp_reader_evtx_plan_stats(const void *wstate, uint64_t *planned,
                               uint64_t *walked) {
  const evtx_worker *w = wstate;
  *planned = w ? w->planned : 0;
  *walked = w ? w->walked : 0;
}
