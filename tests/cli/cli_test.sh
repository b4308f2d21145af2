#!/usr/bin/env bash
# cli_test.sh SPOOR SOURCE_DIR - end-to-end tests of the spoor command line:
# exit codes (--strict, usage errors), the three formats, the case directory,
# and hostile evidence strings never reaching the terminal raw. Every run's
# exit status is checked, so a sanitizer report (`make tsan`) fails the test.
set -u
SPOOR=$1
SRC=$2
T=$(mktemp -d)
trap 'rm -rf -- "$T"' EXIT
fails=0
check() { # check DESCRIPTION COMMAND...
  local what=$1
  shift
  if "$@"; then echo "ok   $what"; else echo "FAIL $what"; fails=$((fails + 1)); fi
}

GOLD="$SRC/tests/golden/exchange_basic"

# Usage errors exit 2; version prints.
"$SPOOR" >/dev/null 2>&1; check "no arguments exits 2" test $? -eq 2
"$SPOOR" hunt --format xml "$GOLD" >/dev/null 2>&1; check "bad format exits 2" test $? -eq 2
"$SPOOR" hunt -j 0 "$GOLD" >/dev/null 2>&1; check "bad -j exits 2" test $? -eq 2
check "version" bash -c "'$SPOOR' version > '$T/version' && grep -q '^spoor ' '$T/version'"

# The golden evidence has malformed lines: 0 normally, 3 with --strict.
"$SPOOR" hunt -q -f jsonl "$GOLD" > "$T/out.jsonl"; rc=$?
check "hunt exits 0 with damaged lines" test $rc -eq 0
"$SPOOR" hunt -q --strict -f jsonl "$GOLD" >/dev/null; rc=$?
check "--strict exits 3 with damaged lines" test $rc -eq 3
check "jsonl has one finding per line" test "$(wc -l < "$T/out.jsonl")" -eq 15
check "jsonl is parseable line by line" bash -c \
  "while IFS= read -r l; do case \$l in '{'*'}') ;; *) exit 1;; esac; done < '$T/out.jsonl'"

# Clean evidence passes --strict.
mkdir -p "$T/clean"
printf '#Fields: date time c-ip cs-method cs-uri-stem sc-status\r\n2021-03-03 00:00:00 10.0.0.1 GET /owa/ 200\r\n' > "$T/clean/u_ex.log"
"$SPOOR" hunt -q --strict -f jsonl "$T/clean" >/dev/null; rc=$?
check "--strict exits 0 on clean evidence" test $rc -eq 0

# A missing path is reported, not fatal; --strict makes it an error.
"$SPOOR" hunt -f jsonl "$T/nope" > /dev/null 2> "$T/err"; rc=$?
check "missing path exits 0" test $rc -eq 0
check "missing path is named in the summary" grep -q "nope" "$T/err"

# Case directory.
"$SPOOR" hunt -q -f csv -o "$T/case" "$GOLD" > "$T/out.csv"; rc=$?
check "case dir run exits 0" test $rc -eq 0
for f in findings.jsonl findings.csv coverage.json; do
  check "case dir has $f" test -s "$T/case/$f"
done
check "csv header" bash -c "head -1 '$T/out.csv' | grep -q '^first_seen,last_seen,level'"

# Hostile strings: ESC sequences and a formula in evidence.
mkdir -p "$T/evil"
printf '#Fields: date time c-ip cs-method cs-uri-stem cs(User-Agent) sc-status\r\n2021-03-03 00:00:00 198.51.100.7 POST /aspnet_client/=cmd|calc.aspx \033]0;pwn\007\033[31mred 200\r\n' > "$T/evil/u_ex.log"
"$SPOOR" hunt -q -f table "$T/evil" > "$T/evil.table"; rc=$?
check "table run on hostile strings exits 0" test $rc -eq 0
check "finding on hostile line" grep -q "aspnet_client" "$T/evil.table"
check "no ESC byte in table output" bash -c "! grep -q $'\033' '$T/evil.table'"
check "no BEL byte in table output" bash -c "! grep -q $'\007' '$T/evil.table'"
"$SPOOR" hunt -q -f jsonl "$T/evil" > "$T/evil.jsonl"; rc=$?
check "jsonl run on hostile strings exits 0" test $rc -eq 0
check "no ESC byte in jsonl output" bash -c "! grep -q $'\033' '$T/evil.jsonl'"
check "ESC escaped as \\u001b in jsonl" grep -q '\\u001b' "$T/evil.jsonl"
"$SPOOR" hunt -q -f csv "$T/evil" > "$T/evil.csv"; rc=$?
check "csv run on hostile strings exits 0" test $rc -eq 0
check "no ESC byte in csv output" bash -c "! grep -q $'\033' '$T/evil.csv'"
printf '#Fields: date time c-ip cs-method cs-uri-stem cs(User-Agent) sc-status\r\n2021-03-03 00:00:00 198.51.100.7 POST /aspnet_client/x.aspx =HYPERLINK("http://x") 200\r\n' > "$T/evil/u_ex2.log"
"$SPOOR" hunt -q -f csv "$T/evil" > "$T/evil.csv"; rc=$?
check "csv run on a formula cell exits 0" test $rc -eq 0
check "csv formula cell neutralized" grep -q "\"'=HYPERLINK" "$T/evil.csv"

echo "$fails failure(s)"
test $fails -eq 0
