/*
 * yaml_cmp.h - compare the documents the Sigma loader's fast YAML reader
 * (src/sigma/sigma_yaml.c) builds with those libyaml's yaml_parser_load
 * builds from the same text: node kinds, scalar bytes and styles,
 * sequence and mapping styles, items and pairs in order. Used by
 * test_sigma_yaml*.c and fuzz_sigma_yaml.c. Header-only, no state.
 */
#ifndef SPOOR_TESTS_YAML_CMP_H
#define SPOOR_TESTS_YAML_CMP_H

#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <yaml.h>

#include "sigma/sigma_int.h"

#define YC_MAX_DOCS 1000

static inline bool yc_node(yaml_document_t *a, int ia, yaml_document_t *b,
                           int ib, int depth, char *why, size_t wn) {
  yaml_node_t *x = yaml_document_get_node(a, ia),
              *y = yaml_document_get_node(b, ib);
  if (!x || !y || depth > 200) {
    snprintf(why, wn, "missing node");
    return false;
  }
  if (x->type != y->type) {
    snprintf(why, wn, "node kinds %d and %d", x->type, y->type);
    return false;
  }
  switch (x->type) {
  case YAML_SCALAR_NODE:
    if (x->data.scalar.length != y->data.scalar.length ||
        memcmp(x->data.scalar.value, y->data.scalar.value,
               x->data.scalar.length) ||
        x->data.scalar.style != y->data.scalar.style ||
        strcmp((char *)x->tag, (char *)y->tag)) {
      snprintf(why, wn, "scalars [%.*s] style %d and [%.*s] style %d",
               (int)(x->data.scalar.length > 80 ? 80 : x->data.scalar.length),
               (char *)x->data.scalar.value, x->data.scalar.style,
               (int)(y->data.scalar.length > 80 ? 80 : y->data.scalar.length),
               (char *)y->data.scalar.value, y->data.scalar.style);
      return false;
    }
    return true;
  case YAML_SEQUENCE_NODE: {
    yaml_node_item_t *p = x->data.sequence.items.start,
                     *q = y->data.sequence.items.start;
    if (x->data.sequence.items.top - p != y->data.sequence.items.top - q ||
        x->data.sequence.style != y->data.sequence.style) {
      snprintf(why, wn, "sequences of %d and %d items",
               (int)(x->data.sequence.items.top - p),
               (int)(y->data.sequence.items.top - q));
      return false;
    }
    for (; p < x->data.sequence.items.top; p++, q++)
      if (!yc_node(a, *p, b, *q, depth + 1, why, wn))
        return false;
    return true;
  }
  case YAML_MAPPING_NODE: {
    yaml_node_pair_t *p = x->data.mapping.pairs.start,
                     *q = y->data.mapping.pairs.start;
    if (x->data.mapping.pairs.top - p != y->data.mapping.pairs.top - q ||
        x->data.mapping.style != y->data.mapping.style) {
      snprintf(why, wn, "mappings of %d and %d pairs",
               (int)(x->data.mapping.pairs.top - p),
               (int)(y->data.mapping.pairs.top - q));
      return false;
    }
    for (; p < x->data.mapping.pairs.top; p++, q++)
      if (!yc_node(a, p->key, b, q->key, depth + 1, why, wn) ||
          !yc_node(a, p->value, b, q->value, depth + 1, why, wn))
        return false;
    return true;
  }
  default:
    snprintf(why, wn, "empty node");
    return false;
  }
}

/* 1: the fast reader read the text and built libyaml's documents;
 * 0: it declined (the text is outside its subset); -1: it read the text
 * and the documents differ (or libyaml failed where it read): why says
 * how. */
static inline int yc_compare(const char *text, size_t len, char *why,
                             size_t wn) {
  static yaml_document_t fast[YC_MAX_DOCS];
  size_t nf = 0;
  snprintf(why, wn, "ok");
  if (sg_yaml_fast_load(text, len, fast, YC_MAX_DOCS, &nf) != 0)
    return 0;
  yaml_parser_t p;
  if (!yaml_parser_initialize(&p))
    return -1;
  yaml_parser_set_input_string(&p, (const unsigned char *)text, len);
  int rc = 1;
  size_t i = 0;
  for (;; i++) {
    yaml_document_t d;
    if (!yaml_parser_load(&p, &d)) {
      snprintf(why, wn,
               "libyaml fails at line %zu (%s); the fast reader read it",
               p.problem_mark.line + 1, p.problem ? p.problem : "?");
      rc = -1;
      break;
    }
    yaml_node_t *root = yaml_document_get_root_node(&d);
    if (!root) {
      yaml_document_delete(&d);
      break;
    }
    if (i >= nf) {
      snprintf(why, wn, "libyaml has more documents (%zu) than the fast reader",
               i + 1);
      yaml_document_delete(&d);
      rc = -1;
      break;
    }
    char w[300];
    if (!yc_node(&d, 1, &fast[i], 1, 0, w, sizeof w)) {
      snprintf(why, wn, "document %zu: %s", i + 1, w);
      yaml_document_delete(&d);
      rc = -1;
      break;
    }
    yaml_document_delete(&d);
  }
  if (rc == 1 && i != nf) {
    snprintf(why, wn, "documents: libyaml %zu, fast reader %zu", i, nf);
    rc = -1;
  }
  yaml_parser_delete(&p);
  for (size_t k = 0; k < nf; k++)
    yaml_document_delete(&fast[k]);
  return rc;
}

#endif
