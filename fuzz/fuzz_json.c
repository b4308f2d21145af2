/*
 * fuzz_json.c - libFuzzer target for the bounded JSON tokenizer and
 * flattener (core/json.h): tokens until the end or an error (which must
 * come with a reason and an offset inside the input), string unescaping of
 * every string and key into a buffer of the slice's size, and flattening
 * with a small path buffer.
 */
#include "core/json.h"

#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void leaf(void *u, const char *p, size_t n, sp_json_tok t,
                 const sp_json *j) {
  (void)t;
  (void)j;
  size_t *sum = u;
  for (size_t i = 0; i < n; i++)
    *sum += (unsigned char)p[i];
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  const char *p = (const char *)data;
  sp_json j;
  sp_json_init(&j, p, size);
  char *out = malloc(size + 1);
  if (!out)
    return 0;
  for (int guard = 0; guard < 1 << 20; guard++) {
    sp_json_tok t = sp_json_next(&j);
    if (t == SP_JSON_END)
      break;
    if (t == SP_JSON_ERR) {
      if (!j.err || j.err_off > size)
        abort();
      break;
    }
    if (t == SP_JSON_STR || t == SP_JSON_KEY) {
      if (j.val.p < p || j.val.p + j.val.n > p + size)
        abort();
      size_t m = sp_json_unescape(j.val, out, j.val.n);
      if (m != SIZE_MAX && m > j.val.n)
        abort();
    }
  }
  free(out);
  char path[64];
  size_t sum = 0, off = 0;
  const char *err = NULL;
  if (!sp_json_flatten(p, size, path, sizeof path, leaf, &sum, &err, &off) &&
      (!err || off > size))
    abort();
  return 0;
}
