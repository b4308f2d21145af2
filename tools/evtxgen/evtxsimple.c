/*
 * evtxsimple.c - records from plain text values (evtxsimple.h): one
 * template per distinct EventData name list (System values and every Data
 * value are substitutions), so the reader sees what Windows writes.
 * Owns its templates (ops arrays and names) and the writer.
 */
#include "evtxsimple.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SYS_SUBS 10
#define MAXOPS (64 + 6 * EWS_DATA)

typedef struct ews_tpl {
  char key[2048]; /* the names joined, "\x01" for an unnamed Data */
  ew_op ops[MAXOPS];
  char *names[EWS_DATA];
  ew_tpl tpl;
} ews_tpl;

struct ews {
  ew_file *w;
  ews_tpl *tpl[EWS_TPLS];
  size_t ntpl;
  uint64_t next; /* the next EventRecordID */
};

ews *ews_open(void) {
  ews *e = calloc(1, sizeof *e);
  if (e)
    e->next = 1;
  if (e && !(e->w = ew_open())) {
    free(e);
    return NULL;
  }
  return e;
}

void ews_free(ews *e) {
  if (!e)
    return;
  for (size_t i = 0; i < e->ntpl; i++) {
    for (size_t k = 0; k < EWS_DATA; k++)
      free(e->tpl[i]->names[k]);
    free(e->tpl[i]);
  }
  ew_free(e->w);
  free(e);
}

ew_file *ews_writer(ews *e) { return e->w; }

/* System: subs 0 Provider/Name, 1 EventID, 2 Level, 3 TimeCreated,
 * 4 EventRecordID, 5 Channel, 6 Computer, 7 Version, 8 Task, 9 Opcode;
 * Data i is sub SYS_SUBS + i. */
static size_t build_ops(ews_tpl *t, const ews_rec *r) {
  ew_op *o = t->ops;
  size_t k = 0;
#define OP(...) o[k++] = (ew_op){__VA_ARGS__}
#define LEAF(nm, i, ty)                                                        \
  do {                                                                         \
    OP(.k = EW_OPEN, .name = nm);                                              \
    OP(.k = EW_CLOSE_START);                                                   \
    OP(.k = EW_OSUB, .idx = i, .type = ty);                                    \
    OP(.k = EW_END);                                                           \
  } while (0)
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
  OP(.k = EW_CLOSE_EMPTY);
  LEAF("EventID", 1, 0x06);
  LEAF("Version", 7, 0x04);
  LEAF("Level", 2, 0x04);
  LEAF("Task", 8, 0x06);
  LEAF("Opcode", 9, 0x04);
  OP(.k = EW_OPEN, .name = "TimeCreated", .attrs = true);
  OP(.k = EW_ATTR, .name = "SystemTime");
  OP(.k = EW_OSUB, .idx = 3, .type = 0x11);
  OP(.k = EW_CLOSE_EMPTY);
  LEAF("EventRecordID", 4, 0x0a);
  LEAF("Channel", 5, 0x01);
  LEAF("Computer", 6, 0x01);
  OP(.k = EW_END); /* System */
  OP(.k = EW_OPEN, .name = "EventData");
  OP(.k = EW_CLOSE_START);
  for (size_t i = 0; i < r->n; i++) {
    if (t->names[i]) {
      OP(.k = EW_OPEN, .name = "Data", .attrs = true);
      OP(.k = EW_ATTR, .name = "Name");
      OP(.k = EW_TEXT, .text = t->names[i]);
      OP(.k = EW_CLOSE_START);
    } else {
      OP(.k = EW_OPEN, .name = "Data");
      OP(.k = EW_CLOSE_START);
    }
    OP(.k = EW_OSUB, .idx = (uint16_t)(SYS_SUBS + i), .type = 0x01);
    OP(.k = EW_END);
  }
  OP(.k = EW_END); /* EventData */
  OP(.k = EW_END); /* Event */
#undef LEAF
#undef OP
  return k;
}

static ews_tpl *tpl_for(ews *e, const ews_rec *r) {
  char key[2048];
  size_t n = 0;
  key[0] = 0;
  for (size_t i = 0; i < r->n; i++) {
    int m = snprintf(key + n, sizeof key - n, "%s\x02",
                     r->names[i] ? r->names[i] : "\x01");
    if (m < 0 || (size_t)m >= sizeof key - n)
      return NULL;
    n += (size_t)m;
  }
  for (size_t i = 0; i < e->ntpl; i++)
    if (strcmp(e->tpl[i]->key, key) == 0)
      return e->tpl[i];
  if (e->ntpl == EWS_TPLS)
    return NULL;
  ews_tpl *t = calloc(1, sizeof *t);
  if (!t)
    return NULL;
  memcpy(t->key, key, n + 1);
  for (size_t i = 0; i < r->n; i++)
    if (r->names[i] && !(t->names[i] = strdup(r->names[i]))) {
      for (size_t k = 0; k < i; k++)
        free(t->names[k]);
      free(t);
      return NULL;
    }
  t->tpl.ops = t->ops;
  t->tpl.n = build_ops(t, r);
  uint32_t h = 2166136261u; /* template GUID: FNV-1a of the key */
  for (size_t i = 0; i < n; i++)
    h = (h ^ (uint8_t)key[i]) * 16777619u;
  memcpy(t->tpl.guid, &h, 4);
  t->tpl.guid[4] = (uint8_t)e->ntpl;
  e->tpl[e->ntpl++] = t;
  return t;
}

typedef struct vbuf {
  uint8_t b[65536];
  size_t n;
} vbuf;

static ew_val v_u(vbuf *vb, uint8_t t, uint64_t x, size_t n) {
  ew_val v = {.type = t, .p = vb->b + vb->n, .n = n};
  for (size_t i = 0; i < n; i++)
    vb->b[vb->n++] = (uint8_t)(x >> (8 * i));
  return v;
}

static ew_val v_s(vbuf *vb, const char *s) {
  ew_val v = {.type = 0x01, .p = vb->b + vb->n};
  v.n = ew_utf16(s ? s : "", vb->b + vb->n, sizeof vb->b - vb->n);
  vb->n += v.n;
  return v;
}

int ews_add(ews *e, const ews_rec *r) {
  if (r->n > EWS_DATA)
    return -1;
  ews_tpl *t = tpl_for(e, r);
  if (!t)
    return -1;
  vbuf *vb = malloc(sizeof *vb);
  if (!vb)
    return -1;
  vb->n = 0;
  uint64_t ft =
      ((uint64_t)r->unix_s + 11644473600ULL) * 10000000ULL + r->usec * 10ULL;
  uint64_t id = r->record_id ? r->record_id : e->next;
  ew_set_next_id(e->w, id);
  e->next = id + 1;
  ew_val s[SYS_SUBS + EWS_DATA];
  s[0] = v_s(vb, r->provider);
  s[1] = v_u(vb, 0x06, r->eid, 2);
  s[2] = v_u(vb, 0x04, r->level, 1);
  s[3] = v_u(vb, 0x11, ft, 8);
  s[4] = v_u(vb, 0x0a, id, 8);
  s[5] = v_s(vb, r->channel);
  s[6] = v_s(vb, r->computer);
  s[7] = v_u(vb, 0x04, 0, 1);
  s[8] = v_u(vb, 0x06, 0, 2);
  s[9] = v_u(vb, 0x04, 0, 1);
  for (size_t i = 0; i < r->n; i++)
    s[SYS_SUBS + i] = v_s(vb, r->values[i]);
  int rc = ew_record(e->w, &t->tpl, s, SYS_SUBS + r->n, ft);
  free(vb);
  return rc;
}

const uint8_t *ews_finish(ews *e, size_t *len) { return ew_finish(e->w, len); }

int ews_write(ews *e, const char *path) {
  size_t len;
  const uint8_t *b = ews_finish(e, &len);
  FILE *f = b ? fopen(path, "wb") : NULL;
  if (!f)
    return -1;
  int rc = fwrite(b, 1, len, f) == len ? 0 : -1;
  if (fclose(f) != 0)
    rc = -1;
  return rc;
}
