/*
 * sigma_ph.h - placeholders of the Sigma `expand` modifier (internal to
 * src/sigma): the placeholder table read from a YAML file (name -> one
 * string or a list of strings), the scan of a value for `%name%`
 * placeholders, and the rewrite of a rule document's `|expand` items into
 * the value lists they stand for (pySigma's ValueListPlaceholderTransformation
 * and, for names the table lacks when asked,
 * WildcardPlaceholderTransformation).
 *
 * Ownership: an sg_ph owns its strings (one arena) and is owned by the rule
 * set that uses it (sp_sigma.ph); read-only once parsed.
 */
#ifndef SP_SIGMA_SIGMA_PH_H
#define SP_SIGMA_SIGMA_PH_H

#include "sigma/sigma_int.h"

#define SG_PH_MAX_NAME 256              /* bytes of a placeholder name */
#define SG_PH_MAX_VALUE 4096            /* bytes of one value */
#define SG_PH_MAX_NAMES 10000           /* placeholders per file */
#define SG_PH_MAX_TOTAL 200000          /* values per file, all names */
#define SG_PH_MAX_PER_VALUE 16          /* placeholders in one rule value */
#define SG_PH_MAX_DOC_BYTES (16u << 20) /* expanded text per rule document */

typedef struct sg_ph sg_ph;

/* One value of a placeholder: text (not NUL-terminated) and whether it was
 * a plain YAML scalar. */
typedef struct sg_phv {
  const char *p;
  uint32_t n;
  bool plain;
} sg_phv;

/* Parse a placeholder file's text (name names it in errors). wildcard: a
 * placeholder the table lacks becomes `*`. SP_EINVAL with diag ("FILE: line
 * N: why") on any malformed or over-limit input, SP_ENOMEM. */
sp_err sg_ph_parse(const char *name, const char *text, size_t len,
                   bool wildcard, sg_ph **out, sp_diag *diag);
void sg_ph_free(sg_ph *p);
size_t sg_ph_count(const sg_ph *p);
bool sg_ph_wildcard(const sg_ph *p);
/* The values of placeholder name[0..n), or NULL (*nv = 0). p may be NULL. */
const sg_phv *sg_ph_find(const sg_ph *p, const char *name, size_t n,
                         size_t *nv);

/* Rewrite every `|expand` item of doc's detection whose values all expand
 * (within the limits) into the list of expansions, its key without
 * `expand`. Items left alone keep `expand` for sg_value_compile to report
 * (sg_ph_explain). False only when out of memory. */
bool sg_ph_rewrite(sp_sigma *s, yaml_document_t *doc);
/* Why value v of an `|expand` item could not be expanded: writes the
 * reason to msg. */
void sg_ph_explain(const sp_sigma *s, const char *v, size_t n, char *msg,
                   size_t cap);

#endif
