#!/usr/bin/env bash
# sigma_cli_test.sh SPOOR - the Sigma options of the command line: `spoor
# rules check` (one line per rule, reasons, summary, exit 1 on a failed
# rule), `spoor hunt --rules` finding an IIS request with a webserver rule
# (rule id, author, ruleset in the JSONL), --min-level and --rule-status
# leaving rules out, and bad values or paths failing with a message.
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
title: Command In Query
id: 6f1c2d3e-0000-4000-8000-00000000abcd
status: test
level: high
author: CLI Tester
tags:
  - attack.t1505.003
logsource:
  category: webserver
detection:
  sel:
    cs-uri-query|contains: 'cmd='
  condition: sel
R
cat > "$T/rules/bad.yml" <<'R'
title: Bad Modifier
id: bad-1
logsource:
  product: windows
detection:
  sel:
    CommandLine|sometimes: x
  condition: sel
R
printf '#Fields: date time c-ip cs-method cs-uri-stem cs-uri-query sc-status\r\n2021-03-03 00:00:00 10.0.0.1 GET /owa/auth/x.aspx cmd=whoami 200\r\n2021-03-03 00:00:01 10.0.0.1 GET /owa/ a=b 200\r\n' > "$T/ev/u_ex.log"

"$SPOOR" rules check "$T/rules" > "$T/check.out" 2> "$T/check.err"; rc=$?
check "rules check exits 1 with a failed rule" test $rc -eq 1
check "rules check names the failure" grep -q "^FAILED.*bad.yml.*unknown modifier 'sometimes'" "$T/check.out"
check "rules check lists the loaded rule" grep -q "^loaded.*web.yml.*Command In Query" "$T/check.out"
check "rules check summary" grep -q "2 rules: 1 loaded (0 correlations), 1 failed" "$T/check.err"
rm "$T/rules/bad.yml"
"$SPOOR" rules check -q "$T/rules" > /dev/null 2>&1; rc=$?
check "rules check exits 0 when all load" test $rc -eq 0

"$SPOOR" hunt -q -f jsonl --rules "$T/rules" "$T/ev" > "$T/hunt.jsonl"; rc=$?
check "hunt --rules exits 0" test $rc -eq 0
check "finding carries the Sigma rule id" grep -q '6f1c2d3e-0000-4000-8000-00000000abcd' "$T/hunt.jsonl"
check "finding carries the author" grep -q 'CLI Tester' "$T/hunt.jsonl"
check "one Sigma finding" test "$(grep -c '6f1c2d3e' "$T/hunt.jsonl")" -eq 1
check "reason names the rule, field and value" grep -q '"reason":"Sigma rule Command In Query: url.query=cmd=whoami"' "$T/hunt.jsonl"
# a value over 300 bytes: the reason keeps its first 300
mkdir -p "$T/ev2"
long=$(printf 'A%.0s' $(seq 1 400))
printf '#Fields: date time c-ip cs-method cs-uri-stem cs-uri-query sc-status\r\n2021-03-03 00:00:00 10.0.0.1 GET /owa/auth/x.aspx cmd=%s 200\r\n' "$long" > "$T/ev2/u_ex.log"
"$SPOOR" hunt -q -f jsonl --rules "$T/rules" "$T/ev2" > "$T/hunt2.jsonl"
check "reason keeps 300 bytes of a long value" grep -q "url.query=cmd=$(printf 'A%.0s' $(seq 1 296))\"" "$T/hunt2.jsonl"

"$SPOOR" hunt -q -f jsonl --rules "$T/rules" --min-level critical "$T/ev" > "$T/hi.jsonl"; rc=$?
check "--min-level critical leaves the high rule out" bash -c "test $rc -eq 0 && ! grep -q 6f1c2d3e '$T/hi.jsonl'"
"$SPOOR" hunt -q -f jsonl --rules "$T/rules" --rule-status stable "$T/ev" > "$T/st.jsonl"; rc=$?
check "--rule-status stable leaves the test rule out" bash -c "test $rc -eq 0 && ! grep -q 6f1c2d3e '$T/st.jsonl'"
"$SPOOR" hunt -q --rules "$T/rules" --min-level severe "$T/ev" > /dev/null 2> "$T/err"; rc=$?
check "bad --min-level fails" bash -c "test $rc -eq 1 && grep -q severe '$T/err'"
"$SPOOR" hunt -q --rules "$T/none" "$T/ev" > /dev/null 2> "$T/err"; rc=$?
check "missing --rules path fails" bash -c "test $rc -eq 1 && grep -q '$T/none' '$T/err'"

echo "$fails failure(s)"
test "$fails" -eq 0
