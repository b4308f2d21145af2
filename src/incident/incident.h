/*
 * incident.h - from findings to incidents: correlation through shared
 * entities, ATT&CK tactics in kill-chain order, dwell time, exposure window
 * and a narrative in time order.
 *
 * Built once per hunt from the public findings (engine/result.c), after
 * they are sorted; owns the incidents and every string they point to. The
 * rules of linking are in incident.c's header comment and docs/SCHEMA.md.
 */
#ifndef SP_INCIDENT_INCIDENT_H
#define SP_INCIDENT_INCIDENT_H

#include "spoor/spoor.h"

typedef struct sp_incidents sp_incidents;

/* Correlate n findings (the result's, in its order). detected_ns 0: none. */
sp_err sp_incidents_build(const sp_finding *f, size_t n, int64_t detected_ns,
                          sp_incidents **out);
void sp_incidents_destroy(sp_incidents *set);
size_t sp_incidents_count(const sp_incidents *set);
const sp_incident *sp_incidents_get(const sp_incidents *set, size_t i);
/* The incident finding `finding` (an index) belongs to, or NULL. */
const sp_incident *sp_incidents_of(const sp_incidents *set, size_t finding);

/* The ATT&CK tactics of a technique id ("T1190", "T1505.003"), as a
 * bit set of kill-chain positions (bit 0: reconnaissance ... 13: impact);
 * 0 when the technique is not in spoor's table. */
unsigned sp_attack_tactics(const char *technique, size_t n);
/* Short name of kill-chain position i (0..13), or NULL. */
const char *sp_attack_tactic_name(unsigned i);

#endif
