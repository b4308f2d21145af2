#!/usr/bin/env bash
# cli_test.sh SPOOR SOURCE_DIR - end-to-end tests of the spoor command line:
# exit codes (--strict, usage errors), the three formats, the case directory,
# and hostile evidence strings never reaching the terminal raw.
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
check "version" bash -c "'$SPOOR' version | grep -q '^spoor '"

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
"$SPOOR" hunt -q -f table "$T/evil" > "$T/evil.table"
check "finding on hostile line" grep -q "aspnet_client" "$T/evil.table"
check "no ESC byte in table output" bash -c "! grep -q $'\033' '$T/evil.table'"
check "no BEL byte in table output" bash -c "! grep -q $'\007' '$T/evil.table'"
"$SPOOR" hunt -q -f jsonl "$T/evil" > "$T/evil.jsonl"
check "no ESC byte in jsonl output" bash -c "! grep -q $'\033' '$T/evil.jsonl'"
check "ESC escaped as \\u001b in jsonl" grep -q '\\u001b' "$T/evil.jsonl"
"$SPOOR" hunt -q -f csv "$T/evil" > "$T/evil.csv"
check "no ESC byte in csv output" bash -c "! grep -q $'\033' '$T/evil.csv'"
printf '#Fields: date time c-ip cs-method cs-uri-stem cs(User-Agent) sc-status\r\n2021-03-03 00:00:00 198.51.100.7 POST /aspnet_client/x.aspx =HYPERLINK("http://x") 200\r\n' > "$T/evil/u_ex2.log"
"$SPOOR" hunt -q -f csv "$T/evil" > "$T/evil.csv"
check "csv formula cell neutralized" grep -q "\"'=HYPERLINK" "$T/evil.csv"

# Budgets: eleven rules with 9,500 distinct findings each overflow the
# finding set (100,000). The summary names the limit, coverage.json counts
# it, --strict fails on it.
mkdir -p "$T/over"
awk 'BEGIN {
  printf "#Fields: date time s-ip cs-method cs-uri-stem cs-uri-query s-port cs-username c-ip cs(User-Agent) sc-status\r\n";
  for (i = 0; i < 9500; i++) {
    ip = sprintf("10.%d.%d.%d", int(i / 65536), int(i / 256) % 256, i % 256);
    t = "2021-03-03 01:00:00 10.0.0.5";
    printf "%s GET /aspnet_client/s.aspx - 443 - %s x 200\r\n", t, ip;
    printf "%s GET /aspnet_client/p.aspx - 443 - %s x 404\r\n", t, ip;
    printf "%s POST /ecp/y.js - 443 - %s x 241\r\n", t, ip;
    printf "%s GET /ecp/default.flt - 443 EXCH01$ %s x 200\r\n", t, ip;
    printf "%s POST /ecp/DDI/DDIService.svc/SetObject schema=OABVirtualDirectory 443 - %s x 200\r\n", t, ip;
  } }' > "$T/over/u_ex.log"
awk 'BEGIN {
  printf "#Software: Microsoft Exchange Server\r\n#Log-type: HttpProxy Logs\r\n";
  printf "#Fields: DateTime,Protocol,UrlStem,AnchorMailbox,BackEndCookie,ClientIpAddress,ServerHostName,HttpStatus\r\n";
  for (i = 0; i < 9500; i++) {
    ip = sprintf("10.%d.%d.%d", int(i / 65536), int(i / 256) % 256, i % 256);
    t = "2021-03-03T01:00:00.000Z,Ecp,/ecp/y.js";
    printf "%s,ServerInfo~a]@x:444/ecp/DDI/DDIService.svc/SetObject?schema=ResetOABVirtualDirectory#,,%s,EXCH01,200\r\n", t, ip;
    printf "%s,,Server~a]@x:444/ecp/default.flt~1,%s,EXCH01,500\r\n", t, ip;
    printf "%s,ServerInfo~a]@x:444/autodiscover/autodiscover.xml?#,,%s,EXCH01,500\r\n", t, ip;
    printf "%s,ServerInfo~localhost/ecp/default.flt?#,,%s,EXCH01,500\r\n", t, ip;
  } }' > "$T/over/HttpProxy.LOG"
"$SPOOR" hunt -j2 -f jsonl -o "$T/overcase" "$T/over" > "$T/over.jsonl" 2> "$T/over.err"; rc=$?
check "overflow run exits 0" test $rc -eq 0
check "summary counts the limit" grep -q "0 problems, 1 limit reached" "$T/over.err"
check "summary names the limit" grep -q "limit: findings.overflow 9,500 hits" "$T/over.err"
check "coverage.json counts the limit" grep -q \
  '"limits":\[{"name":"findings.overflow","detail":"[^"]*","count":9500}\]' \
  "$T/overcase/coverage.json"
check "coverage.json keeps findings_dropped" grep -q '"findings_dropped":9500' \
  "$T/overcase/coverage.json"
"$SPOOR" hunt -q -j2 --strict -f jsonl "$T/over" > /dev/null; rc=$?
check "--strict exits 3 on a limit" test $rc -eq 3
check "limits are the same at -j1" bash -c \
  "'$SPOOR' hunt -q -j1 -f jsonl '$T/over' | cmp -s - '$T/over.jsonl'"

echo "$fails failure(s)"
test $fails -eq 0
