/*
 * shared_data.h - the one rule for tests that need the shared test data in
 * ../shared (SPOOR_SHARED_DIR, a CMake cache variable): when a path under it
 * is missing, the test is skipped (exit 77, ctest's SKIP_RETURN_CODE), unless
 * the environment says this is CI (CI=true or CI=1), where a skip would let
 * the suite pass without running the test: then the test fails (exit 1).
 * tests/shared_data.sh is the same rule for shell tests; keep them alike.
 *
 * Usage, first thing in main():
 *   int rc = spoor_shared_or_skip(SOME_PATH);
 *   if (rc != 0)
 *     return rc;
 * Header-only (static functions), no state.
 */
#ifndef SPOOR_TESTS_SHARED_DATA_H
#define SPOOR_TESTS_SHARED_DATA_H

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#define SPOOR_SKIP_EXIT 77 /* ctest SKIP_RETURN_CODE (tests/CMakeLists.txt) */

/* True when the environment variable CI is "true" (any case) or "1". */
static inline bool spoor_in_ci(void) {
  const char *ci = getenv("CI");
  return ci && (strcasecmp(ci, "true") == 0 || strcmp(ci, "1") == 0);
}

/* 0 when path exists and is readable. Otherwise prints why and returns the exit
 * status the test must end with: 77 (skip) normally, 1 (fail) in CI. */
static inline int spoor_shared_or_skip(const char *path) {
  if (access(path, R_OK) == 0)
    return 0;
  if (spoor_in_ci()) {
    fprintf(stderr, "FAIL: ../shared is required in CI: %s missing\n", path);
    return 1;
  }
  printf("SKIP: shared test data not found: %s missing (../shared beside the "
         "repository; set CI=true to make this a failure)\n",
         path);
  return SPOOR_SKIP_EXIT;
}

#endif
