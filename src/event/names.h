/*
 * names.h - the engine's interned names: event field names and source kinds.
 *
 * Each engine owns one sp_names. Field ids 0..SP_F__COUNT-1 are the ECS names
 * of event.h, pre-seeded in that order, so built-in readers and detectors use
 * the SP_F_* constants directly; every other name (Windows EventData names,
 * Zeek columns, Sigma rule fields) gets the next free id the first time it is
 * interned. Source kinds work the same way (SP_SRC_* pre-seeded). Rules and
 * detectors resolve names once, at load time; readers intern a name once per
 * header or template, never per event.
 *
 * Thread safety: interning and lookup by name take a mutex (they are rare);
 * name-by-id is lock-free (names live in pages that never move), so workers
 * may render any id they were given. Limits: SP_NAMES_MAX names per table;
 * past it interning fails (-1) and the caller counts what it dropped.
 */
#ifndef SP_EVENT_NAMES_H
#define SP_EVENT_NAMES_H

#include "event/event.h"
#include "spoor/spoor.h"

#define SP_NAMES_MAX 65535 /* ids per table (sp_fid is 16-bit) */
#define SP_NAME_MAX_LEN 256

typedef struct sp_names sp_names;

sp_err sp_names_create(sp_names **out);
void sp_names_destroy(sp_names *nm);

/* Field id for a name, interning it if new; -1 when the table is full, the
 * name is empty or longer than SP_NAME_MAX_LEN. */
int sp_names_field(sp_names *nm, const char *name, size_t n);
/* Field id of an already interned name, or -1. */
int sp_names_field_find(const sp_names *nm, const char *name, size_t n);
/* Name of a field id; "" when unknown. Valid for the engine's life. */
const char *sp_names_field_name(const sp_names *nm, int id);
/* Declared type: the ECS table's for pre-seeded ids, else the type given at
 * the first sp_names_field_typed() call, else SP_T_STR. */
sp_ftype sp_names_field_type(const sp_names *nm, int id);
int sp_names_field_typed(sp_names *nm, const char *name, size_t n,
                         sp_ftype type);
size_t sp_names_field_count(const sp_names *nm);

/* Source kinds ("iis", "evtx", "zeek_conn", ...). */
int sp_names_kind(sp_names *nm, const char *name);
int sp_names_kind_find(const sp_names *nm, const char *name);
const char *sp_names_kind_name(const sp_names *nm, int id);

#endif
