/*
 * filter.c - which findings an output shows (--since, --until,
 * --rule-include, --rule-exclude), dates given on the command line, and
 * whether a finding is dated by a file's modification time. Owns nothing.
 */
#include "core/timeutil.h"
#include "spoor/spoor.h"

#include <fnmatch.h>
#include <string.h>

int sp_finding_file_time(const sp_finding *f) {
  return f && f->n_evidence && f->evidence[0].kind == SP_REF_OFFSET &&
         (strncmp(f->rule_id, "yara.", 5) == 0 ||
          strncmp(f->rule_id, "spoor.file.", 11) == 0);
}

static int any_glob(const char *const *globs, size_t n, const char *s) {
  for (size_t i = 0; i < n; i++)
    if (globs[i] && fnmatch(globs[i], s, 0) == 0)
      return 1;
  return 0;
}

int sp_filter_match(const sp_filter *flt, const sp_finding *f) {
  if (!flt)
    return 1;
  if (f->first_ns != INT64_MIN) {
    int64_t last = f->last_ns != INT64_MIN ? f->last_ns : f->first_ns;
    if (flt->since_ns && last < flt->since_ns)
      return 0;
    if (flt->until_ns && f->first_ns > flt->until_ns)
      return 0;
  }
  const char *id = f->rule_id ? f->rule_id : "";
  if (flt->n_include && !any_glob(flt->rule_include, flt->n_include, id))
    return 0;
  if (any_glob(flt->rule_exclude, flt->n_exclude, id))
    return 0;
  return 1;
}

sp_err sp_parse_time_arg(const char *s, int end_of_day, int64_t *ns) {
  if (!s || !ns)
    return SP_EINVAL;
  size_t n = strlen(s);
  int64_t t;
  if (n == 10) {
    if (!sp_parse_date_time(sp_str_make(s, 10), sp_str_make("00:00:00", 8), &t))
      return SP_EINVAL;
    if (end_of_day)
      t += 86400 * SP_NS_PER_SEC - 1;
  } else if (n > 64 || !sp_parse_iso8601(sp_str_make(s, n), &t)) {
    return SP_EINVAL;
  }
  *ns = t;
  return SP_OK;
}
