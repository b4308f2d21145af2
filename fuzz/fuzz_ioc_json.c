/*
 * fuzz_ioc_json.c - libFuzzer target for the bounded JSON parser
 * (core/json.c) that the STIX and MISP loaders use.
 *
 * The input is the document. Checks: a parse either fails or yields a tree
 * whose every node is reachable from the root by child/next links without
 * a cycle (each node visited once, fewer visits than input bytes + 1), every
 * string slice is readable (summed byte by byte, so a dangling slice is an
 * ASan error), and a document made of the input with one byte cut never
 * crashes either (truncation paths).
 */
#include "core/jsontree.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CHECK(c) ((c) ? (void)0 : fz_fail(#c, __FILE__, __LINE__))

static void fz_fail(const char *what, const char *file, int line) {
  fprintf(stderr, "fuzz check failed: %s (%s:%d)\n", what, file, line);
  abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static size_t walk(const sp_jtree *j, uint32_t n, int depth, unsigned *sum) {
  CHECK(depth <= SP_JTREE_MAX_DEPTH + 1);
  size_t visits = 1;
  sp_str s = sp_jtree_text(j, n);
  for (size_t i = 0; i < s.n; i++)
    *sum += (unsigned char)s.p[i];
  sp_str k = sp_jtree_key(j, n);
  for (size_t i = 0; i < k.n; i++)
    *sum += (unsigned char)k.p[i];
  for (uint32_t c = sp_jtree_child(j, n); c != SP_JNONE; c = sp_jtree_next(j, c))
    visits += walk(j, c, depth + 1, sum);
  return visits;
}

static void one(const uint8_t *data, size_t size) {
  char *copy = malloc(size ? size : 1); /* exact size: overreads are errors */
  if (!copy)
    return;
  if (size)
    memcpy(copy, data, size);
  sp_jtree *j = NULL;
  size_t line = 0, off = 0;
  sp_err e = sp_jtree_parse(copy, size, &j, &line, &off);
  if (e == SP_OK) {
    unsigned sum = 0;
    size_t visits = walk(j, 0, 0, &sum);
    CHECK(visits <= size + 1);
    sp_jtree_destroy(j);
  } else {
    CHECK(j == NULL);
    CHECK(off <= size);
    CHECK(line >= 1 || e != SP_EFORMAT);
  }
  free(copy);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  one(data, size);
  if (size > 1)
    one(data, size - 1);
  return 0;
}
