/*
 * mail_access.c - what an account read: the mailboxes each authenticated
 * account reached through Exchange's front end, from HttpProxy logs
 * (AuthenticatedUser, AnchorMailbox; EWS, MAPI, OWA, ActiveSync, RPC over
 * HTTP), and one account reaching many mailboxes other than its own.
 *
 * A mailbox is named by the anchor's SMTP address or user principal name
 * ("Smtp~bob@corp.example", "SMTP:bob@...", "UserPrincipalName~bob@..."); it is
 * the account's own when its local part equals the account's name (the
 * part after "DOMAIN\" or before "@"). Anchors by SID or GUID cannot be
 * compared and are not counted. Machine accounts (name$), Exchange's own
 * accounts and system mailboxes (HealthMailbox*, SystemMailbox{...},
 * DiscoverySearchMailbox, FederatedEmail., Migration., SM_*, NT AUTHORITY\)
 * are left out: they reach many mailboxes by design.
 *
 * Rule: MANY_MEDIUM distinct other mailboxes from one account is medium
 * (delegates and shared-mailbox users reach a few; an impersonating
 * application or a stolen admin account reaches many), MANY_HIGH high.
 * The finding names the account, the first source address, the protocols,
 * the count and the first mailboxes, first and last time.
 *
 * State: per worker, merged at the end: per account (at most MAX_USERS
 * that reached another mailbox) a set of mailbox names (at most
 * MAX_MAILBOXES each). What does not fit is counted ("mail_access.users",
 * "mail_access.mailboxes").
 */
#include "core/strset.h"
#include "core/timeutil.h"
#include "detect/detector.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define MANY_MEDIUM 10
#define MANY_HIGH 50
#define MAX_USERS 65536
#define MAX_MAILBOXES 4096
#define MAX_NAME 256

#define LIM_USERS "mail_access.users"
#define LIM_USERS_DETAIL                                                       \
  "mailbox accesses not judged: over 65,536 accounts reached other "           \
  "mailboxes"
#define LIM_MBX "mail_access.mailboxes"
#define LIM_MBX_DETAIL                                                         \
  "mailbox accesses not counted: over 4,096 distinct mailboxes for one "       \
  "account (the count is a lower bound)"

static const sp_rule r_many = {
    "spoor.exchange.mail.many_mailboxes",
    "One account reached many mailboxes",
    "spoor-exchange",
    "spoor",
    "HttpProxy logs show one authenticated account opening 10 or more "
    "mailboxes other than its own (50 or more: high) through EWS, MAPI, "
    "OWA, ActiveSync or RPC over HTTP: mail collection through an "
    "impersonating application or a stolen privileged account.",
    "T1114.002",
    "",
    SP_LEVEL_MEDIUM,
    "https://attack.mitre.org/techniques/T1114/002/"};
static const sp_rule r_many_high = {
    "spoor.exchange.mail.many_mailboxes_high",
    "One account reached 50 or more mailboxes",
    "spoor-exchange",
    "spoor",
    "As spoor.exchange.mail.many_mailboxes, with 50 or more mailboxes.",
    "T1114.002",
    "",
    SP_LEVEL_HIGH,
    "https://attack.mitre.org/techniques/T1114/002/"};

const sp_rule *const sp_mail_access_rules[] = {&r_many, &r_many_high, NULL};

enum { P_EWS = 1, P_MAPI = 2, P_OWA = 4, P_EAS = 8, P_RPC = 16 };

typedef struct user_acc {
  char *name; /* lower-cased account */
  char src[64];
  sp_strset *boxes;
  uint64_t over; /* distinct mailboxes not kept */
  int64_t first, last;
  sp_agg_ref ref; /* earliest access to another mailbox */
  unsigned protos;
} user_acc;

typedef struct ma_state {
  user_acc *users; /* open addressing on the name's hash */
  size_t cap, n;
  uint64_t users_over, boxes_over;
  bool oom;
} ma_state;

static void *ma_create(const sp_dctx *ctx) {
  (void)ctx;
  return calloc(1, sizeof(ma_state));
}

static void ma_destroy(void *st) {
  ma_state *s = st;
  if (!s)
    return;
  for (size_t i = 0; i < s->cap; i++) {
    free(s->users[i].name);
    sp_strset_destroy(s->users[i].boxes);
  }
  free(s->users);
  free(s);
}

static unsigned proto_bit(sp_str p) {
  if (sp_str_ieq(p, "Ews"))
    return P_EWS;
  if (sp_str_ieq(p, "Mapi"))
    return P_MAPI;
  if (sp_str_ieq(p, "Owa"))
    return P_OWA;
  if (sp_str_ieq(p, "Eas") || sp_str_ieq(p, "ActiveSync"))
    return P_EAS;
  if (sp_str_ieq(p, "RpcHttp"))
    return P_RPC;
  return 0;
}

static bool system_name(sp_str s) {
  static const char *const pre[] = {"HealthMailbox",
                                    "SystemMailbox{",
                                    "DiscoverySearchMailbox",
                                    "FederatedEmail.",
                                    "Migration.",
                                    "SM_",
                                    "NT AUTHORITY\\",
                                    "Exchange Online-ApplicationAccount",
                                    NULL};
  for (size_t i = 0; pre[i]; i++)
    if (sp_str_istarts(s, pre[i]))
      return true;
  return false;
}

/* "DOMAIN\alice" / "alice@corp" -> "alice". */
static sp_str account_local(sp_str u) {
  const char *bs = memchr(u.p, '\\', u.n);
  if (bs)
    u = sp_str_make(bs + 1, u.n - (size_t)(bs + 1 - u.p));
  const char *at = memchr(u.p, '@', u.n);
  if (at)
    u.n = (size_t)(at - u.p);
  return u;
}

/* The mailbox address an anchor names, or empty. */
static sp_str anchor_mailbox(sp_str a) {
  if (sp_str_istarts(a, "SMTP:") || sp_str_istarts(a, "Smtp~"))
    return sp_str_trim(sp_str_make(a.p + 5, a.n - 5));
  if (sp_str_istarts(a, "UserPrincipalName~"))
    return sp_str_trim(sp_str_make(a.p + 18, a.n - 18));
  return sp_str_make(a.p, 0);
}

static bool ma_grow(ma_state *s) {
  size_t ncap = s->cap ? s->cap * 2 : 256;
  user_acc *nu = calloc(ncap, sizeof *nu);
  if (!nu)
    return false;
  for (size_t i = 0; i < s->cap; i++) {
    if (!s->users[i].name)
      continue;
    uint64_t h = sp_hash_bytes(s->users[i].name, strlen(s->users[i].name), 0);
    size_t j = (size_t)sp_mix64(h) & (ncap - 1);
    while (nu[j].name)
      j = (j + 1) & (ncap - 1);
    nu[j] = s->users[i];
  }
  free(s->users);
  s->users = nu;
  s->cap = ncap;
  return true;
}

static user_acc *user_get(ma_state *s, sp_str name) {
  if ((s->n + 1) * 2 > s->cap && !ma_grow(s)) {
    s->oom = true;
    return NULL;
  }
  uint64_t h = sp_hash_bytes(name.p, name.n, true);
  size_t j = (size_t)sp_mix64(h) & (s->cap - 1);
  while (s->users[j].name) {
    if (strlen(s->users[j].name) == name.n &&
        strncasecmp(s->users[j].name, name.p, name.n) == 0)
      return &s->users[j];
    j = (j + 1) & (s->cap - 1);
  }
  if (s->n >= MAX_USERS) {
    s->users_over++;
    return NULL;
  }
  user_acc *u = &s->users[j];
  u->name = malloc(name.n + 1);
  if (!u->name || sp_strset_create(MAX_MAILBOXES, &u->boxes) != SP_OK) {
    free(u->name);
    u->name = NULL;
    s->oom = true;
    return NULL;
  }
  for (size_t i = 0; i < name.n; i++)
    u->name[i] = (char)((name.p[i] >= 'A' && name.p[i] <= 'Z') ? name.p[i] + 32
                                                               : name.p[i]);
  u->name[name.n] = '\0';
  u->first = INT64_MAX;
  u->last = INT64_MIN;
  u->ref.ts = INT64_MAX;
  s->n++;
  return u;
}

static void add_box(ma_state *s, user_acc *u, sp_str box) {
  sp_err e = sp_strset_add(u->boxes, box, true);
  if (e == SP_ELIMIT)
    u->over++, s->boxes_over++;
  else if (e != SP_OK)
    s->oom = true;
}

static void ma_on_event(void *st, const sp_event *ev, sp_fset *out) {
  (void)out;
  if (ev->kind != SP_SRC_EXCH_HTTPPROXY)
    return;
  sp_str user = sp_event_get(ev, SP_F_USER_NAME);
  sp_str anchor = sp_event_get(ev, SP_F_EXCH_ANCHOR);
  if (!user.n || !anchor.n || user.n > MAX_NAME)
    return;
  unsigned pb = proto_bit(sp_event_get(ev, SP_F_EXCH_PROTOCOL));
  if (!pb)
    return;
  sp_str box = anchor_mailbox(anchor);
  if (!box.n || box.n > MAX_NAME || user.p[user.n - 1] == '$' ||
      system_name(user) || system_name(box) || system_name(account_local(user)))
    return;
  int st_code = sp_event_status(ev);
  if (st_code >= 400) /* refused: nothing was read */
    return;
  sp_str own = account_local(user), other = account_local(box);
  if (own.n == other.n && strncasecmp(own.p, other.p, own.n) == 0)
    return;
  ma_state *s = st;
  user_acc *u = user_get(s, user);
  if (!u)
    return;
  add_box(s, u, box);
  u->protos |= pb;
  if (ev->ts != SP_TIME_NONE) {
    if (ev->ts < u->first)
      u->first = ev->ts;
    if (ev->ts > u->last)
      u->last = ev->ts;
  }
  sp_agg_ref r = {ev->ts, ev->line, ev->file_id, (sp_ref_kind)ev->ref,
                  ev->ref == SP_REF_RECORD ? ev->offset : UINT64_MAX};
  if (u->ref.ts == INT64_MAX || sp_agg_ref_cmp(&r, &u->ref) < 0) {
    u->ref = r;
    sp_str src = sp_event_get(ev, SP_F_SOURCE_IP);
    size_t n = src.n < sizeof u->src - 1 ? src.n : sizeof u->src - 1;
    memcpy(u->src, src.p, n);
    u->src[n] = '\0';
  }
}

static void ma_merge(void *dst, void *src) {
  ma_state *d = dst, *s = src;
  d->users_over += s->users_over;
  d->boxes_over += s->boxes_over;
  d->oom |= s->oom;
  for (size_t i = 0; i < s->cap; i++) {
    user_acc *x = &s->users[i];
    if (!x->name)
      continue;
    user_acc *u = user_get(d, sp_str_make(x->name, strlen(x->name)));
    if (!u)
      continue;
    for (size_t k = 0; k < sp_strset_capacity(x->boxes); k++) {
      sp_str b = sp_strset_slot(x->boxes, k);
      if (b.n)
        add_box(d, u, b);
    }
    u->over += x->over;
    u->protos |= x->protos;
    if (x->first < u->first)
      u->first = x->first;
    if (x->last > u->last)
      u->last = x->last;
    if (u->ref.ts == INT64_MAX || sp_agg_ref_cmp(&x->ref, &u->ref) < 0) {
      u->ref = x->ref;
      memcpy(u->src, x->src, sizeof u->src);
    }
  }
}

static int str_cmp(const void *a, const void *b) {
  const sp_str *x = a, *y = b;
  size_t n = x->n < y->n ? x->n : y->n;
  int c = memcmp(x->p, y->p, n);
  return c ? c : (x->n > y->n) - (x->n < y->n);
}

static void ma_report(const user_acc *u, sp_fset *out) {
  size_t n = sp_strset_count(u->boxes);
  uint64_t total = n + u->over;
  if (total < MANY_MEDIUM)
    return;
  /* The first mailboxes in name order, so the reason is stable. */
  sp_str first[5];
  size_t nf = 0;
  for (size_t k = 0; k < sp_strset_capacity(u->boxes); k++) {
    sp_str b = sp_strset_slot(u->boxes, k);
    if (!b.n)
      continue;
    if (nf < 5) {
      first[nf++] = b;
      qsort(first, nf, sizeof first[0], str_cmp);
    } else if (str_cmp(&b, &first[4]) < 0) {
      first[4] = b;
      qsort(first, nf, sizeof first[0], str_cmp);
    }
  }
  char protos[64] = "";
  static const char *const pn[] = {"EWS", "MAPI", "OWA", "ActiveSync",
                                   "RPC/HTTP"};
  for (int i = 0; i < 5; i++)
    if (u->protos & (1u << i))
      snprintf(protos + strlen(protos), sizeof protos - strlen(protos), "%s%s",
               protos[0] ? ", " : "", pn[i]);
  char t0[32], t1[32], reason[512];
  int k = snprintf(reason, sizeof reason,
                   "%s reached %llu%s mailboxes other than its own over %s "
                   "from %s to %s, first from %s: ",
                   u->name, (unsigned long long)total, u->over ? "+" : "",
                   protos, sp_time_minutes(u->first, t0, sizeof t0),
                   sp_time_minutes(u->last, t1, sizeof t1),
                   u->src[0] ? u->src : "an unknown address");
  for (size_t i = 0; i < nf && k > 0 && (size_t)k < sizeof reason; i++)
    k += snprintf(reason + k, sizeof reason - (size_t)k, "%s%.*s",
                  i ? ", " : "", (int)first[i].n, first[i].p);
  if (total > nf && k > 0 && (size_t)k < sizeof reason)
    snprintf(reason + k, sizeof reason - (size_t)k, ", ...");
  sp_hit h;
  sp_hit_init(&h, total >= MANY_HIGH ? &r_many_high : &r_many, u->ref.ts,
              u->ref.file_id, u->ref.where, u->ref.kind);
  sp_hit_entity(&h, "user.name", sp_str_make(u->name, strlen(u->name)));
  sp_hit_entity(&h, "source.ip", sp_str_make(u->src, strlen(u->src)));
  h.reason = sp_str_make(reason, strlen(reason));
  sp_fset_add(out, &h);
}

static void ma_on_end(void *st, sp_fset *out) {
  ma_state *s = st;
  if (s->oom)
    sp_fset_fail(out, SP_ENOMEM);
  for (size_t i = 0; i < s->cap; i++)
    if (s->users[i].name)
      ma_report(&s->users[i], out);
  sp_limits *lim = sp_fset_limits(out);
  sp_limits_add(lim, LIM_USERS, LIM_USERS_DETAIL, s->users_over);
  sp_limits_add(lim, LIM_MBX, LIM_MBX_DETAIL, s->boxes_over);
}

const sp_detector_vt sp_det_mail_access = {
    .name = "mail_access",
    .phases = SP_PHASE_LOGS,
    .create = ma_create,
    .on_event = ma_on_event,
    .merge = ma_merge,
    .on_end = ma_on_end,
    .destroy = ma_destroy,
};
