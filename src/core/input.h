/*
 * input.h - run-wide inputs: named, read-only objects the engine owns for a
 * hunt (the file scanner, stock URL paths, names of flagged files, and later
 * IOC or Sigma rule sets). Detectors reach them through sp_dctx_input,
 * readers' per-worker state through sp_rctx_input; both look them up by
 * name once, at create, never per event. The engine keeps the list; nothing
 * here owns the objects.
 */
#ifndef SP_CORE_INPUT_H
#define SP_CORE_INPUT_H

#include <stddef.h>
#include <string.h>

typedef struct sp_input {
  const char *name;
  const void *obj;
} sp_input;

/* The object registered under name in inputs[0..n), or NULL. */
static inline const void *sp_input_find(const sp_input *inputs, size_t n,
                                        const char *name) {
  for (size_t i = 0; inputs && i < n; i++)
    if (strcmp(inputs[i].name, name) == 0)
      return inputs[i].obj;
  return NULL;
}

#endif
