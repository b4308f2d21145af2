/*
 * flow.h - spoor's connection table for the pcap reader: Zeek-like
 * connections from packets.
 *
 * A flow is keyed by its 5-tuple and VLAN, either direction. Its originator
 * is the sender of the first packet, except that a first SYN-ACK, or a
 * first packet from a well-known server port to a client port, flips it
 * (history starts with '^', as Zeek does). Per direction it counts packets,
 * IP bytes (from the IP header, as Zeek's orig_ip_bytes) and payload bytes
 * (TCP: the sequence space covered, as Zeek's orig_bytes; UDP and ICMP: the
 * payload sum), keeps the TCP endpoint state (inactive, SYN sent, SYN-ACK
 * sent, partial, established, closed, reset) and the history letters
 * (S H A D F R, upper case for the originator, each once), from which
 * sp_flow_conn_state() gives Zeek's conn_state (S0 S1 SF REJ S2 S3 RSTO
 * RSTR RSTOS0 RSTRH SH SHR OTH).
 *
 * Memory: a pool of at most `cap` flows (grown by doubling from 1,024 as
 * flows open) and a bucket array sized for cap; flows are also on an LRU
 * list by last packet time. When the pool
 * is full the least recently seen flow is evicted (the caller emits it and
 * counts the limit). sp_flow_expire() hands back flows idle past their
 * timeout (TCP 300 s, or 5 s once closed or reset; UDP and ICMP 60 s).
 */
#ifndef SP_PKT_FLOW_H
#define SP_PKT_FLOW_H

#include "pkt/pkt.h"

#include <stdint.h>

enum sp_tcp_state {
  SP_TCPS_INACTIVE = 0,
  SP_TCPS_SYN_SENT,
  SP_TCPS_SYN_ACK_SENT,
  SP_TCPS_PARTIAL,
  SP_TCPS_ESTABLISHED,
  SP_TCPS_CLOSED,
  SP_TCPS_RESET
};

#define SP_FLOW_HIST 20

typedef struct sp_flow {
  sp_ip oh, rh; /* originator and responder */
  uint16_t op, rp, vlan;
  uint8_t proto;
  uint8_t service; /* caller's: what its parsers recognised */
  uint8_t st[2];   /* TCP endpoint state, [0] originator */
  bool have_seq[2];
  uint8_t hist_n;
  uint16_t hist_seen[2];
  char hist[SP_FLOW_HIST + 1];
  uint32_t seq0[2];
  uint64_t size[2]; /* payload bytes as Zeek counts them */
  uint64_t pkts[2], ip_bytes[2];
  int64_t first_ts, last_ts;
  uint64_t first_pkt; /* packet number of the first packet */
  uint64_t serial;    /* creation order, for the uid */
  void *app;          /* caller's per-flow state, or NULL */
  /* table links */
  uint32_t hash;
  int32_t hnext, prev, next;
  bool used;
} sp_flow;

typedef struct sp_flowtab sp_flowtab;

sp_flowtab *sp_flowtab_create(uint32_t cap);
void sp_flowtab_destroy(sp_flowtab *t);

/* The flow of packet k at time ts, created when new; *dir is 0 when k goes
 * originator -> responder. NULL when k has no flow (a non-first fragment),
 * or when *evicted is set: a flow that must end first (the pool is full and
 * it is the least recently seen, or k's SYN starts a new connection on its
 * finished 5-tuple). The caller emits it, releases it (sp_flow_release)
 * and calls again. */
sp_flow *sp_flow_packet(sp_flowtab *t, const sp_pkt *k, int64_t ts,
                        uint64_t pktno, int *dir, sp_flow **evicted);

/* A flow idle at `now` past its timeout, or NULL; the caller emits and
 * releases it. */
sp_flow *sp_flow_expire(sp_flowtab *t, int64_t now);
/* Any remaining flow (oldest first), or NULL: the end of the input. */
sp_flow *sp_flow_any(sp_flowtab *t);
/* Unlink and free a flow (its app state is the caller's to free first). */
void sp_flow_release(sp_flowtab *t, sp_flow *f);

/* Swap originator and responder (a protocol parser learned the first
 * packet was an answer); history letters change case, '^' marks it. */
void sp_flow_flip(sp_flow *f);

/* Zeek's conn_state of a flow. */
const char *sp_flow_conn_state(const sp_flow *f);
/* Number of flows in the table. */
uint32_t sp_flowtab_count(const sp_flowtab *t);

#endif
