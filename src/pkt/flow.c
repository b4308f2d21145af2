/*
 * flow.c - the connection table (flow.h): a fixed pool with a free list,
 * chained hash buckets (indices, not pointers) and an LRU list by last
 * packet time. TCP endpoint states and conn_state follow Zeek's TCP
 * analyzer and base/protocols/conn/main.zeek (conn_state()).
 */
#include "pkt/flow.h"

#include "core/strset.h"

#include <stdlib.h>
#include <string.h>

struct sp_flowtab {
  sp_flow *pool;
  int32_t *bucket;
  uint32_t cap, nbucket, count;
  int32_t free_head, lru_head, lru_tail;
  uint32_t fresh; /* pool[fresh..alloc) never used yet */
  uint32_t alloc; /* entries allocated: grows by doubling up to cap */
  uint64_t serial;
};

sp_flowtab *sp_flowtab_create(uint32_t cap) {
  sp_flowtab *t = calloc(1, sizeof *t);
  if (!t || cap == 0)
    return t ? (free(t), NULL) : NULL;
  t->cap = cap;
  t->nbucket = 1;
  while (t->nbucket < cap * 2)
    t->nbucket <<= 1;
  t->alloc = cap < 1024 ? cap : 1024;
  t->pool = calloc(t->alloc, sizeof *t->pool);
  t->bucket = malloc(t->nbucket * sizeof *t->bucket);
  if (!t->pool || !t->bucket) {
    sp_flowtab_destroy(t);
    return NULL;
  }
  memset(t->bucket, 0xff, t->nbucket * sizeof *t->bucket);
  t->free_head = -1;
  t->lru_head = t->lru_tail = -1;
  return t;
}

void sp_flowtab_destroy(sp_flowtab *t) {
  if (!t)
    return;
  free(t->pool);
  free(t->bucket);
  free(t);
}

uint32_t sp_flowtab_count(const sp_flowtab *t) { return t->count; }

static uint64_t ep_hash(const sp_ip *ip, uint16_t port) {
  uint64_t a, b;
  memcpy(&a, ip->b, 8);
  memcpy(&b, ip->b + 8, 8);
  return sp_mix64(a ^ sp_mix64(b ^ port));
}

static uint32_t key_hash(const sp_pkt *k) {
  /* Symmetric: the same for both directions. */
  uint64_t h = ep_hash(&k->src, k->sport) + ep_hash(&k->dst, k->dport);
  return (uint32_t)sp_mix64(h ^ ((uint64_t)k->proto << 16 | k->vlan));
}

static bool match(const sp_flow *f, const sp_pkt *k, int *dir) {
  if (f->proto != k->proto || f->vlan != k->vlan)
    return false;
  if (f->op == k->sport && f->rp == k->dport &&
      memcmp(&f->oh, &k->src, 16) == 0 && memcmp(&f->rh, &k->dst, 16) == 0) {
    *dir = 0;
    return true;
  }
  if (f->op == k->dport && f->rp == k->sport &&
      memcmp(&f->oh, &k->dst, 16) == 0 && memcmp(&f->rh, &k->src, 16) == 0) {
    *dir = 1;
    return true;
  }
  return false;
}

static void lru_unlink(sp_flowtab *t, sp_flow *f) {
  if (f->prev >= 0)
    t->pool[f->prev].next = f->next;
  else
    t->lru_head = f->next;
  if (f->next >= 0)
    t->pool[f->next].prev = f->prev;
  else
    t->lru_tail = f->prev;
}

static void lru_push(sp_flowtab *t, sp_flow *f) {
  int32_t i = (int32_t)(f - t->pool);
  f->prev = t->lru_tail;
  f->next = -1;
  if (t->lru_tail >= 0)
    t->pool[t->lru_tail].next = i;
  else
    t->lru_head = i;
  t->lru_tail = i;
}

void sp_flow_release(sp_flowtab *t, sp_flow *f) {
  int32_t i = (int32_t)(f - t->pool);
  int32_t *pp = &t->bucket[f->hash & (t->nbucket - 1)];
  while (*pp >= 0 && *pp != i)
    pp = &t->pool[*pp].hnext;
  if (*pp == i)
    *pp = f->hnext;
  lru_unlink(t, f);
  memset(f, 0, sizeof *f);
  f->hnext = t->free_head;
  t->free_head = i;
  t->count--;
}

static bool well_known(uint16_t p) {
  switch (p) {
  case 21:
  case 22:
  case 23:
  case 25:
  case 53:
  case 80:
  case 88:
  case 110:
  case 123:
  case 135:
  case 137:
  case 139:
  case 143:
  case 389:
  case 443:
  case 445:
  case 465:
  case 587:
  case 636:
  case 993:
  case 995:
  case 1433:
  case 3306:
  case 3389:
  case 5060:
  case 8080:
    return true;
  default:
    return false;
  }
}

static void add_hist(sp_flow *f, int dir, char c) {
  static const char letters[] = "SHADFR";
  const char *l = strchr(letters, c);
  uint16_t bit = (uint16_t)(1u << (l - letters));
  if (f->hist_seen[dir] & bit)
    return;
  f->hist_seen[dir] |= bit;
  if (f->hist_n < SP_FLOW_HIST)
    f->hist[f->hist_n++] = dir ? (char)(c + 32) : c;
}

static bool closed(const sp_flow *f) {
  return f->st[0] >= SP_TCPS_CLOSED || f->st[1] >= SP_TCPS_CLOSED;
}

static void tcp_update(sp_flow *f, const sp_pkt *k, int d) {
  uint8_t fl = k->tcp_flags;
  uint8_t *me = &f->st[d], *peer = &f->st[!d];
  if (fl & SP_TCP_SYN) {
    add_hist(f, d, (fl & SP_TCP_ACK) ? 'H' : 'S');
    if (*me == SP_TCPS_INACTIVE || *me == SP_TCPS_PARTIAL)
      *me = (fl & SP_TCP_ACK) ? SP_TCPS_SYN_ACK_SENT : SP_TCPS_SYN_SENT;
    if (!f->have_seq[d]) {
      f->seq0[d] = k->seq + 1;
      f->have_seq[d] = true;
    }
  } else {
    if (!f->have_seq[d]) {
      f->seq0[d] = k->seq;
      f->have_seq[d] = true;
    }
    if ((fl & SP_TCP_ACK) && !(fl & SP_TCP_RST)) {
      if (*me == SP_TCPS_INACTIVE)
        *me = SP_TCPS_PARTIAL;
      if ((*me == SP_TCPS_SYN_SENT || *me == SP_TCPS_SYN_ACK_SENT) &&
          (*peer == SP_TCPS_SYN_SENT || *peer == SP_TCPS_SYN_ACK_SENT)) {
        *me = SP_TCPS_ESTABLISHED;
        *peer = SP_TCPS_ESTABLISHED;
      }
    } else if (*me == SP_TCPS_INACTIVE && !(fl & SP_TCP_RST)) {
      *me = SP_TCPS_PARTIAL;
    }
  }
  if (fl & SP_TCP_FIN) {
    add_hist(f, d, 'F');
    if (*me != SP_TCPS_RESET)
      *me = SP_TCPS_CLOSED;
  }
  if (fl & SP_TCP_RST) {
    add_hist(f, d, 'R');
    if (!(*me == SP_TCPS_CLOSED && *peer == SP_TCPS_CLOSED))
      *me = SP_TCPS_RESET; /* after a clean close a RST changes nothing */
  }
  if (k->payload_len > 0)
    add_hist(f, d, 'D');
  else if ((fl & SP_TCP_ACK) && !(fl & (SP_TCP_SYN | SP_TCP_FIN | SP_TCP_RST)))
    add_hist(f, d, 'A');
  if (f->have_seq[d] && k->payload_len > 0) {
    int32_t rel = (int32_t)(k->seq - f->seq0[d]);
    if (fl & SP_TCP_SYN)
      rel += 1;
    int64_t end = (int64_t)rel + k->payload_len;
    if (end > 0 && (uint64_t)end > f->size[d])
      f->size[d] = (uint64_t)end;
  }
}

sp_flow *sp_flow_packet(sp_flowtab *t, const sp_pkt *k, int64_t ts,
                        uint64_t pktno, int *dir, sp_flow **evicted) {
  *evicted = NULL;
  if (k->frag)
    return NULL;
  uint32_t h = key_hash(k);
  int32_t *b = &t->bucket[h & (t->nbucket - 1)];
  sp_flow *f = NULL;
  for (int32_t i = *b; i >= 0; i = t->pool[i].hnext) {
    sp_flow *c = &t->pool[i];
    if (c->hash == h && match(c, k, dir)) {
      f = c;
      break;
    }
  }
  /* A new SYN on a finished connection starts a new one. */
  if (f && k->proto == 6 &&
      (k->tcp_flags & (SP_TCP_SYN | SP_TCP_ACK)) == SP_TCP_SYN && closed(f) &&
      *dir == 0) {
    *evicted = f;
    f = NULL;
  }
  if (*evicted)
    return NULL; /* the caller emits and releases it, then calls again */
  if (!f) {
    if (t->free_head < 0 && t->fresh == t->alloc && t->alloc < t->cap) {
      /* Grow the pool (no flow pointer is held across this call). */
      uint32_t na = t->alloc * 2 < t->cap ? t->alloc * 2 : t->cap;
      sp_flow *np = realloc(t->pool, na * sizeof *np);
      if (np) {
        memset(np + t->alloc, 0, (na - t->alloc) * sizeof *np);
        t->pool = np;
        t->alloc = na;
      }
    }
    if (t->free_head < 0 && t->fresh < t->alloc) {
      t->pool[t->fresh].hnext = -1;
      t->free_head = (int32_t)t->fresh++;
    }
    if (t->free_head < 0) {
      *evicted = &t->pool[t->lru_head]; /* make room: the oldest */
      return NULL;
    }
    int32_t i = t->free_head;
    f = &t->pool[i];
    t->free_head = f->hnext;
    memset(f, 0, sizeof *f);
    f->used = true;
    f->hash = h;
    f->hnext = *b;
    *b = i;
    t->count++;
    lru_push(t, f);
    f->proto = k->proto;
    f->vlan = k->vlan;
    bool flip = false;
    if (k->proto == 6)
      flip = (k->tcp_flags & (SP_TCP_SYN | SP_TCP_ACK)) ==
             (SP_TCP_SYN | SP_TCP_ACK);
    if (!flip && !(k->proto == 6 && (k->tcp_flags & SP_TCP_SYN)) &&
        k->proto != 1 && k->proto != 58)
      flip = well_known(k->sport) && !well_known(k->dport) && k->dport >= 1024;
    if (flip) {
      f->oh = k->dst;
      f->rh = k->src;
      f->op = k->dport;
      f->rp = k->sport;
      f->hist[f->hist_n++] = '^';
      *dir = 1;
    } else {
      f->oh = k->src;
      f->rh = k->dst;
      f->op = k->sport;
      f->rp = k->dport;
      *dir = 0;
    }
    f->first_ts = ts;
    f->first_pkt = pktno;
    f->serial = ++t->serial;
  } else {
    lru_unlink(t, f);
    lru_push(t, f);
  }
  int d = *dir;
  /* A bare ACK after both sides closed does not extend the connection in
   * Zeek's logs (its duration ends at the last FIN or data); counted, yes. */
  bool done = f->proto == 6 && f->st[0] == SP_TCPS_CLOSED &&
              f->st[1] == SP_TCPS_CLOSED && k->payload_len == 0 &&
              !(k->tcp_flags & (SP_TCP_SYN | SP_TCP_FIN));
  if (!done)
    f->last_ts = ts;
  f->pkts[d]++;
  f->ip_bytes[d] += k->ip_len;
  if (k->proto == 6) {
    tcp_update(f, k, d);
  } else {
    if (k->payload_len > 0)
      add_hist(f, d, 'D');
    f->size[d] += k->payload_len;
    f->st[d] = SP_TCPS_ESTABLISHED; /* "active" for UDP/ICMP */
  }
  return f;
}

void sp_flow_flip(sp_flow *f) {
  sp_ip ip = f->oh;
  f->oh = f->rh;
  f->rh = ip;
  uint16_t p = f->op;
  f->op = f->rp;
  f->rp = p;
#define SWAP(a)                                                                \
  do {                                                                         \
    __typeof__(a[0]) t_ = a[0];                                                \
    a[0] = a[1];                                                               \
    a[1] = t_;                                                                 \
  } while (0)
  SWAP(f->st);
  SWAP(f->have_seq);
  SWAP(f->hist_seen);
  SWAP(f->seq0);
  SWAP(f->size);
  SWAP(f->pkts);
  SWAP(f->ip_bytes);
#undef SWAP
  char h[SP_FLOW_HIST + 1];
  size_t n = 0, i = 0;
  bool had = f->hist_n && f->hist[0] == '^';
  if (!had)
    h[n++] = '^';
  else
    i = 1;
  for (; i < f->hist_n && n < SP_FLOW_HIST; i++) {
    char c = f->hist[i];
    h[n++] = c >= 'a' && c <= 'z'   ? (char)(c - 32)
             : c >= 'A' && c <= 'Z' ? (char)(c + 32)
                                    : c;
  }
  memcpy(f->hist, h, n);
  f->hist[n] = 0;
  f->hist_n = (uint8_t)n;
}

static int64_t timeout_of(const sp_flow *f) {
  const int64_t s = 1000000000LL;
  if (f->proto == 6)
    return closed(f) ? 5 * s : 300 * s;
  return 60 * s;
}

sp_flow *sp_flow_expire(sp_flowtab *t, int64_t now) {
  /* The head is the least recently seen; flows behind it wait their turn
   * (a closed flow behind a live one is emitted a little later, never
   * lost). */
  if (t->lru_head < 0)
    return NULL;
  sp_flow *f = &t->pool[t->lru_head];
  if (now - f->last_ts > timeout_of(f)) {
    lru_unlink(t, f);
    lru_push(t, f); /* keep it linked until released */
    return f;
  }
  return NULL;
}

sp_flow *sp_flow_any(sp_flowtab *t) {
  return t->lru_head >= 0 ? &t->pool[t->lru_head] : NULL;
}

const char *sp_flow_conn_state(const sp_flow *f) {
  uint8_t os = f->st[0], rs = f->st[1];
  if (f->proto == 17) {
    if (os == SP_TCPS_ESTABLISHED)
      return rs == SP_TCPS_ESTABLISHED ? "SF" : "S0";
    return rs == SP_TCPS_ESTABLISHED ? "SHR" : "OTH";
  }
  if (f->proto != 6)
    return "OTH";
  bool o_in = os == SP_TCPS_INACTIVE || os == SP_TCPS_PARTIAL;
  bool r_in = rs == SP_TCPS_INACTIVE || rs == SP_TCPS_PARTIAL;
  if (rs == SP_TCPS_RESET) {
    if (os == SP_TCPS_SYN_SENT || os == SP_TCPS_SYN_ACK_SENT ||
        (os == SP_TCPS_RESET && f->size[0] == 0 && f->size[1] == 0))
      return "REJ";
    return o_in ? "RSTRH" : "RSTR";
  }
  if (os == SP_TCPS_RESET) {
    if (r_in && (f->hist[0] == 'S' ||
                 (f->hist[0] == '^' && f->hist[1] == 'S') || f->hist[0] == 's'))
      return "RSTOS0";
    return "RSTO";
  }
  if (rs == SP_TCPS_CLOSED && os == SP_TCPS_CLOSED)
    return "SF";
  if (os == SP_TCPS_CLOSED)
    return r_in ? "SH" : "S2";
  if (rs == SP_TCPS_CLOSED)
    return o_in ? "SHR" : "S3";
  if (os == SP_TCPS_SYN_SENT && rs == SP_TCPS_INACTIVE)
    return "S0";
  if (os == SP_TCPS_ESTABLISHED && rs == SP_TCPS_ESTABLISHED)
    return "S1";
  return "OTH";
}
