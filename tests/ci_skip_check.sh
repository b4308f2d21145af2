#!/usr/bin/env bash
# tests/ci_skip_check.sh - proves that CI cannot pass by skipping: builds the
# tests in build/ci-skip with SPOOR_SHARED_DIR pointing at a folder that does
# not exist, then runs every test labelled "shared" twice:
#   - without CI: each must be skipped (exit 77) and ctest must pass;
#   - with CI=true: each must fail, saying "../shared is required in CI".
# Run by .ci/run; not part of `make test`. Exits 0 when both hold.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
b=$root/build/ci-skip
missing=$b/no-shared # never created
if [ -e "$missing" ]; then
  echo "ci_skip_check: $missing must not exist" >&2
  exit 1
fi
cmake -S "$root" -B "$b" -G Ninja -DCMAKE_BUILD_TYPE=Debug \
  "-DCMAKE_C_FLAGS=-O1 -g" "-DSPOOR_SHARED_DIR=$missing" >/dev/null
cmake --build "$b" >/dev/null

n=$(ctest --test-dir "$b" -N -L shared | sed -n 's/^Total Tests: *//p')
if [ -z "$n" ] || [ "$n" -eq 0 ]; then
  echo "ci_skip_check: no tests labelled \"shared\"" >&2
  exit 1
fi

# attr FILE NAME: the value of NAME="..." on the JUnit <testsuite> element.
attr() { sed -n "s/^[[:space:]]*$2=\"\([0-9]*\)\".*/\1/p" "$1" | head -n 1; }

fails=0
bad() {
  echo "ci_skip_check: FAIL $*" >&2
  fails=$((fails + 1))
}

rc=0
env -u CI ctest --test-dir "$b" -L shared --output-junit "$b/no-ci.xml" \
  >"$b/no-ci.log" 2>&1 || rc=$?
[ $rc -eq 0 ] || bad "without CI, ctest exited $rc (see $b/no-ci.log)"
[ "$(attr "$b/no-ci.xml" skipped)" = "$n" ] ||
  bad "without CI, $(attr "$b/no-ci.xml" skipped) of $n shared tests skipped"

rc=0
CI=true ctest --test-dir "$b" -L shared --output-junit "$b/ci.xml" \
  >"$b/ci.log" 2>&1 || rc=$?
[ $rc -ne 0 ] || bad "with CI=true, ctest passed"
[ "$(attr "$b/ci.xml" failures)" = "$n" ] ||
  bad "with CI=true, $(attr "$b/ci.xml" failures) of $n shared tests failed"
said=$(grep -c "\.\./shared is required in CI: $missing" "$b/ci.xml" || true)
[ "$said" -ge "$n" ] ||
  bad "with CI=true, only $said of $n shared tests said why (see $b/ci.xml)"

if [ $fails -ne 0 ]; then
  exit 1
fi
echo "ci_skip_check: ok: $n shared tests skip without CI and fail with CI=true"
