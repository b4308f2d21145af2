# shared_data.sh - sourced by shell tests that need the shared test data in
# ../shared. The same rule as tests/unit/shared_data.h (keep them alike):
# when a path is missing the test is skipped (exit 77, ctest's
# SKIP_RETURN_CODE), unless CI is "true" (any case) or "1", where it fails
# (exit 1) so that CI cannot pass by skipping.

# spoor_in_ci: true when the environment says this is a CI run.
spoor_in_ci() {
  case ${CI:-} in
  [Tt][Rr][Uu][Ee] | 1) return 0 ;;
  *) return 1 ;;
  esac
}

# spoor_shared_or_skip PATH: returns when PATH exists and is readable;
# otherwise prints why and ends the calling script with 77 (skip) or, in CI,
# 1 (fail).
spoor_shared_or_skip() {
  if [ -r "$1" ]; then
    return 0
  fi
  if spoor_in_ci; then
    echo "FAIL: ../shared is required in CI: $1 missing" >&2
    exit 1
  fi
  echo "SKIP: shared test data not found: $1 missing (../shared beside the" \
    "repository; set CI=true to make this a failure)"
  exit 77
}
