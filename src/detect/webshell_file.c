/*
 * webshell_file.c - web shells in files, from the file reader's events
 * (phase SP_PHASE_FILES; the fields are listed in filescan/filescan.h).
 *
 * Three kinds of finding, each on (rule, file.path, file.hash.sha256), timed
 * at the file's modification time, with a byte offset as evidence:
 *   - a YARA match (yara.rule): the rule spoor built from the YARA rule's
 *     metadata (level, ruleset, techniques, CVE), looked up in the run-wide
 *     input "filescan"; evidence at the earliest matched string (0 for a
 *     rule matched by its condition alone); reason "YARA <namespace>:<rule>
 *     matched $a@0x1d, $b@0x40" naming the first three matched strings;
 *   - a modified stock page (file.stock "modified"): reason "stock file
 *     <path> has SHA-256 <hash>, found in none of <n> baseline build(s)";
 *   - a look-alike of a stock name (file.stock "lookalike:<name>"): reason
 *     "<file name> imitates stock Exchange file <name> (<n> edits)";
 *   - an unknown page (file.stock "unknown" with spoor.stock.folder): reason
 *     "page <file name> in <folder> is no stock Exchange file and in no
 *     loaded baseline" (medium).
 * A stock file (file.stock "stock") gives nothing, whatever else it has.
 *
 * Stateless: field ids are resolved at create; keeps nothing between events.
 */
#include "detect/detector.h"
#include "filescan/filescan.h"

#include <stdio.h>
#include <stdlib.h>

#define WF_REASON_STRINGS 3 /* matched strings named in a reason */

typedef struct wf_state {
  const sp_filescan *fs; /* YARA rule lookup; NULL: YARA matches ignored */
  int f_stock, f_stock_path, f_stock_builds, f_stock_edits, f_stock_folder;
  int f_rule, f_strings;
} wf_state;

static void *wf_create(const sp_dctx *ctx) {
  wf_state *s = calloc(1, sizeof *s);
  if (!s)
    return NULL;
  s->fs = sp_dctx_input(ctx, "filescan");
  s->f_stock = sp_dctx_field(ctx, SP_FS_F_STOCK);
  s->f_stock_path = sp_dctx_field(ctx, SP_FS_F_STOCK_PATH);
  s->f_stock_builds = sp_dctx_field(ctx, SP_FS_F_STOCK_BUILDS);
  s->f_stock_edits = sp_dctx_field(ctx, SP_FS_F_STOCK_EDITS);
  s->f_stock_folder = sp_dctx_field(ctx, SP_FS_F_STOCK_FOLDER);
  s->f_rule = sp_dctx_field(ctx, SP_FS_F_YARA_RULE);
  s->f_strings = sp_dctx_field(ctx, SP_FS_F_YARA_STRINGS);
  return s;
}

static void wf_destroy(void *st) { free(st); }

static const sp_fval *first(const sp_event *ev, int id) {
  return id < 0 ? NULL : sp_event_find(ev, id);
}

static int64_t get_int(const sp_event *ev, int id) {
  int64_t v = 0;
  return id >= 0 && sp_event_get_int(ev, id, &v) ? v : 0;
}

static void emit(const sp_event *ev, const sp_rule *rule, uint64_t where,
                 const char *reason, sp_fset *out) {
  sp_hit h;
  sp_hit_init(&h, rule, ev->ts, ev->file_id, where, SP_REF_OFFSET);
  sp_hit_field(&h, ev, SP_F_FILE_PATH);
  sp_hit_field(&h, ev, SP_F_FILE_SHA256);
  h.reason = sp_str_make(reason, strlen(reason));
  sp_fset_add(out, &h);
}

/* "<rule> <string id>@0x<hex>": the part after the rule and its offset,
 * when v belongs to the rule named key. */
static bool string_of(sp_str v, sp_str key, sp_str *tail, uint64_t *off) {
  if (v.n <= key.n + 1 || memcmp(v.p, key.p, key.n) != 0 || v.p[key.n] != ' ')
    return false;
  *tail = sp_str_make(v.p + key.n + 1, v.n - key.n - 1);
  size_t at = tail->n;
  while (at > 0 && tail->p[at - 1] != '@')
    at--;
  *off = 0;
  if (at == 0 || at + 2 > tail->n || tail->p[at] != '0' ||
      tail->p[at + 1] != 'x')
    return true; /* no offset: named, at 0 */
  for (size_t i = at + 2; i < tail->n; i++) {
    char c = tail->p[i];
    unsigned d = c >= '0' && c <= '9'   ? (unsigned)(c - '0')
                 : c >= 'a' && c <= 'f' ? (unsigned)(c - 'a' + 10)
                                        : 16;
    if (d == 16 || *off > (UINT64_MAX >> 4))
      break;
    *off = *off << 4 | d;
  }
  return true;
}

static void yara_match(wf_state *s, const sp_event *ev, const sp_fval *r,
                       sp_fset *out) {
  const sp_rule *rule = sp_filescan_yara_rule(s->fs, r->s);
  if (!rule)
    return;
  char reason[SP_MAX_REASON_LEN];
  int len = snprintf(reason, sizeof reason, "YARA %.*s matched",
                     (int)(r->s.n > 400 ? 400 : r->s.n), r->s.p);
  size_t used = len > 0 ? (size_t)len : 0;
  if (used >= sizeof reason)
    used = sizeof reason - 1;
  uint64_t where = UINT64_MAX;
  int named = 0;
  for (const sp_fval *f = first(ev, s->f_strings); f;
       f = sp_event_next(ev, f)) {
    sp_str tail;
    uint64_t off;
    if (!string_of(f->s, r->s, &tail, &off))
      continue;
    if (off < where)
      where = off;
    if (named < WF_REASON_STRINGS && used + 1 < sizeof reason) {
      len = snprintf(reason + used, sizeof reason - used, "%s %.*s",
                     named ? "," : "", (int)tail.n, tail.p);
      if (len > 0)
        used += (size_t)len;
      if (used >= sizeof reason)
        used = sizeof reason - 1;
      named++;
    }
  }
  if (named == 0 && used + 1 < sizeof reason)
    snprintf(reason + used, sizeof reason - used, " (condition only)");
  emit(ev, rule, where == UINT64_MAX ? 0 : where, reason, out);
}

static void wf_on_event(void *st, const sp_event *ev, sp_fset *out) {
  wf_state *s = st;
  if (ev->kind != SP_SRC_FILE)
    return;
  const sp_fval *f;
  for (f = first(ev, s->f_stock); f; f = sp_event_next(ev, f))
    if (sp_str_eq(f->s, "stock"))
      return; /* a stock file of a known build: never a web shell */
  char reason[SP_MAX_REASON_LEN];
  sp_str sha = sp_event_get(ev, SP_F_FILE_SHA256);
  for (f = first(ev, s->f_stock); f; f = sp_event_next(ev, f)) {
    if (sp_str_eq(f->s, "modified")) {
      sp_str m = first(ev, s->f_stock_path) ? first(ev, s->f_stock_path)->s
                                            : sp_str_make(NULL, 0);
      snprintf(reason, sizeof reason,
               "stock file %.*s has SHA-256 %.*s, found in none of %lld "
               "baseline build(s)",
               (int)(m.n > 400 ? 400 : m.n), m.p ? m.p : "",
               (int)(sha.n > 64 ? 64 : sha.n), sha.p ? sha.p : "",
               (long long)get_int(ev, s->f_stock_builds));
      emit(ev, sp_filescan_builtin_rule(SP_FS_RULE_MODIFIED), 0, reason, out);
    } else if (f->s.n > 10 && memcmp(f->s.p, "lookalike:", 10) == 0) {
      sp_str name = sp_str_make(f->s.p + 10, f->s.n - 10);
      sp_str base = sp_event_get(ev, SP_F_FILE_NAME);
      int64_t d = get_int(ev, s->f_stock_edits);
      snprintf(reason, sizeof reason,
               "%.*s imitates stock Exchange file %.*s (%lld edit%s)",
               (int)(base.n > 255 ? 255 : base.n), base.p ? base.p : "",
               (int)(name.n > 255 ? 255 : name.n), name.p, (long long)d,
               d == 1 ? "" : "s");
      emit(ev, sp_filescan_builtin_rule(SP_FS_RULE_LOOKALIKE), 0, reason, out);
    } else if (sp_str_eq(f->s, "unknown") && first(ev, s->f_stock_folder)) {
      sp_str dir = first(ev, s->f_stock_folder)->s;
      sp_str base = sp_event_get(ev, SP_F_FILE_NAME);
      snprintf(reason, sizeof reason,
               "page %.*s in %.*s is no stock Exchange file and in no loaded "
               "baseline",
               (int)(base.n > 255 ? 255 : base.n), base.p ? base.p : "",
               (int)(dir.n > 64 ? 64 : dir.n), dir.p);
      emit(ev, sp_filescan_builtin_rule(SP_FS_RULE_UNKNOWN_PAGE), 0, reason,
           out);
    }
  }
  if (!s->fs)
    return;
  for (f = first(ev, s->f_rule); f; f = sp_event_next(ev, f))
    yara_match(s, ev, f, out);
}

const sp_detector_vt sp_det_webshell_file = {
    .name = "webshell_file",
    .phases = SP_PHASE_FILES,
    .create = wf_create,
    .on_event = wf_on_event,
    .destroy = wf_destroy,
};
