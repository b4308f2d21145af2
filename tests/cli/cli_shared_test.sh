#!/usr/bin/env bash
# cli_shared_test.sh SPOOR SOURCE_DIR SHARED_DIR - the spoor command line on
# the shared test data (../shared/data/exchange): the synthetic Exchange logs
# and web shells hunted with Microsoft's real known-good baselines for three
# builds. The run must succeed, write the case directory, find something,
# and give byte-identical output with one worker and with two. Skips (77)
# when the shared data is absent, fails instead in CI (tests/shared_data.sh).
set -u
SPOOR=$1
SRC=$2
SHARED=$3
# shellcheck source=../shared_data.sh
. "$SRC/tests/shared_data.sh"
EXCH=$SHARED/data/exchange
spoor_shared_or_skip "$EXCH/fixtures"
spoor_shared_or_skip "$EXCH/css-exchange-baselines"

T=$(mktemp -d)
trap 'rm -rf -- "$T"' EXIT
fails=0
check() { # check DESCRIPTION COMMAND...
  local what=$1
  shift
  if "$@"; then echo "ok   $what"; else echo "FAIL $what"; fails=$((fails + 1)); fi
}

for j in 1 2; do
  "$SPOOR" hunt -q -j $j -f jsonl -b "$EXCH/css-exchange-baselines" \
    -o "$T/case$j" "$EXCH/fixtures" > "$T/j$j.jsonl"
  check "-j $j hunt with the real baselines exits 0" test $? -eq 0
done
for f in findings.jsonl findings.csv coverage.json; do
  check "case dir has $f" test -s "$T/case1/$f"
done
check "findings on the shared fixtures" test -s "$T/j1.jsonl"
check "-j 1 and -j 2 give identical findings" cmp -s "$T/j1.jsonl" "$T/j2.jsonl"
check "-j 1 and -j 2 give identical coverage" \
  cmp -s "$T/case1/coverage.json" "$T/case2/coverage.json"

echo "$fails failure(s)"
test $fails -eq 0
