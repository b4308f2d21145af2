#!/usr/bin/env bash
# sigma_placeholder_cli_test.sh SPOOR - the `expand` placeholder options of
# the command line: `spoor rules check` failing a rule whose placeholder has
# no value (reason names it) and loading it with --sigma-placeholders or
# --sigma-placeholders-wildcard; `spoor hunt --sigma-placeholders` finding
# an IIS request through the expanded values and not another; a bad or
# missing placeholder file failing with its name and line.
set -u
SPOOR=$1
T=$(mktemp -d)
trap 'rm -rf -- "$T"' EXIT
fails=0
check() { # check DESCRIPTION COMMAND...
  local what=$1
  shift
  if "$@"; then echo "ok   $what"; else echo "FAIL $what"; fails=$((fails + 1)); fi
}

mkdir -p "$T/rules" "$T/ev"
cat > "$T/rules/web.yml" <<'R'
title: Site Command Parameter
id: 7a2b3c4d-0000-4000-8000-00000000beef
status: test
level: high
author: CLI Tester
logsource:
  category: webserver
detection:
  sel:
    cs-uri-query|contains|expand: '%cmd_params%='
  condition: sel
R
cat > "$T/ph.yml" <<'P'
cmd_params: [cmd, exec]
P
printf 'cmd_params:\n  - [nested]\n' > "$T/bad.yml"
printf '#Fields: date time c-ip cs-method cs-uri-stem cs-uri-query sc-status\r\n2021-03-03 00:00:00 10.0.0.1 GET /owa/auth/x.aspx exec=whoami 200\r\n2021-03-03 00:00:01 10.0.0.1 GET /owa/ run=whoami 200\r\n' > "$T/ev/u_ex.log"

"$SPOOR" rules check "$T/rules" > "$T/c1.out" 2> /dev/null; rc=$?
check "without a file the rule fails" test $rc -eq 1
check "the reason names the placeholder" grep -q "^FAILED.*web.yml.*expand placeholder %cmd_params% is not configured" "$T/c1.out"
"$SPOOR" rules check --sigma-placeholders "$T/ph.yml" "$T/rules" > "$T/c2.out" 2> /dev/null; rc=$?
check "with the file it loads" bash -c "test $rc -eq 0 && grep -q '^loaded.*web.yml' '$T/c2.out'"
"$SPOOR" rules check --sigma-placeholders-wildcard "$T/rules" > /dev/null 2>&1; rc=$?
check "wildcard mode loads it" test $rc -eq 0

"$SPOOR" hunt -q -f jsonl --rules "$T/rules" --sigma-placeholders "$T/ph.yml" "$T/ev" > "$T/h.jsonl"; rc=$?
check "hunt exits 0" test $rc -eq 0
check "one finding, on the exec= request" bash -c "test \$(grep -c 7a2b3c4d '$T/h.jsonl') -eq 1 && grep 7a2b3c4d '$T/h.jsonl' | grep -q 'exec=whoami'"
check "not the run= request" bash -c "! grep 7a2b3c4d '$T/h.jsonl' | grep -q 'run=whoami'"

"$SPOOR" hunt -q --rules "$T/rules" --sigma-placeholders "$T/bad.yml" "$T/ev" > /dev/null 2> "$T/err"; rc=$?
check "a bad file fails with its name and line" bash -c "test $rc -eq 1 && grep -q '$T/bad.yml: line 2' '$T/err'"
"$SPOOR" rules check --sigma-placeholders "$T/none.yml" "$T/rules" > /dev/null 2> "$T/err"; rc=$?
check "a missing file fails with its name" bash -c "test $rc -ne 0 && grep -q '$T/none.yml' '$T/err'"

echo "$fails failure(s)"
test "$fails" -eq 0
