#!/usr/bin/env bash
# cli_test.sh SPOOR SOURCE_DIR - end-to-end tests of the spoor command line:
# exit codes (--strict, usage errors, missing or empty evidence), the three
# formats, the case directory (atomic files, run.json, lock, refusal of an
# earlier case, --force, exclusion from the walk, a closed stdout), and
# hostile evidence strings never reaching the terminal raw. Every run's exit
# status is checked, so a sanitizer report (`make tsan`) fails the test.
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
check "jsonl has one finding per line" test "$(wc -l < "$T/out.jsonl")" -eq 17
check "jsonl is parseable line by line" bash -c \
  "while IFS= read -r l; do case \$l in '{'*'}') ;; *) exit 1;; esac; done < '$T/out.jsonl'"

# Clean evidence passes --strict.
mkdir -p "$T/clean"
printf '#Fields: date time c-ip cs-method cs-uri-stem sc-status\r\n2021-03-03 00:00:00 10.0.0.1 GET /owa/ 200\r\n' > "$T/clean/u_ex.log"
"$SPOOR" hunt -q --strict -f jsonl "$T/clean" >/dev/null; rc=$?
check "--strict exits 0 on clean evidence" test $rc -eq 0

# The engine's registries: readers and detectors by name; --disable turns one
# off (IIS logs are then plain files: no IIS findings), a typo is an error.
check "readers lists iis and spray" bash -c "'$SPOOR' readers | grep -q '^reader.iis\$' && '$SPOOR' readers | grep -q '^detector.spray\$'"
"$SPOOR" hunt -q -f csv --disable iis "$GOLD" > "$T/noiis.csv"; rc=$?
check "--disable iis runs" test $rc -eq 0
check "--disable iis: no finding from an IIS log" bash -c "! grep -q '/iis/' '$T/noiis.csv'"
"$SPOOR" hunt -q -f csv "$GOLD" > "$T/withiis.csv"; rc=$?
check "the run without --disable exits 0" test $rc -eq 0
check "without it there are IIS findings" grep -q '/iis/' "$T/withiis.csv"
"$SPOOR" hunt -q --disable nosuch "$GOLD" > /dev/null 2> "$T/err"; rc=$?
check "--disable of an unknown name exits 1" test $rc -eq 1
check "... naming it" grep -q "nosuch: no reader or detector" "$T/err"

# `spoor rules` lists the built-in rules, then every YARA rule the engine
# compiled (spoor's own, then --yara files) by the id findings carry;
# --builtin keeps the built-in ones only, as run.json counts them.
cat > "$T/extra.yar" <<'YAR'
rule cli_test_marker
{
  meta:
    description = "cli test marker"
    score = 70
    cve = "CVE-2099-0001"
    mitre_attack = "T1505.003"
  strings:
    $m = "spoor-cli-test-marker"
  condition:
    $m
}
YAR
"$SPOOR" rules > "$T/rules.tsv"; rc=$?
check "rules exits 0" test $rc -eq 0
check "rules lists spoor's own YARA rules" grep -q   "^yara.spoor_webshell_chopper_oneliner	critical	-	T1505.003	China Chopper" "$T/rules.tsv"
check "rules leaves out private YARA helpers" bash -c "! grep -q '^yara.spoor_rule_source' '$T/rules.tsv'"
check "rules --builtin lists the built-in rules first" bash -c   "'$SPOOR' rules --builtin | cmp -s - <(head -n \$('$SPOOR' rules --builtin | wc -l) '$T/rules.tsv')"
check "rules --builtin has no YARA rule" bash -c "! '$SPOOR' rules --builtin | grep -q '^yara\.'"
"$SPOOR" rules -y "$T/extra.yar" > "$T/rules2.tsv"; rc=$?
check "rules -y exits 0" test $rc -eq 0
check "rules -y lists the rule of the --yara file" grep -q   "^yara.cli_test_marker	high	CVE-2099-0001	T1505.003	cli test marker\$" "$T/rules2.tsv"
check "rules -y adds exactly its rule" test \
  "$(wc -l < "$T/rules2.tsv")" -eq $(($(wc -l < "$T/rules.tsv") + 1))
"$SPOOR" rules --no-builtin-yara --yara "$T/extra.yar" > "$T/rules3.tsv"; rc=$?
check "rules --no-builtin-yara exits 0" test $rc -eq 0
check "... leaves out spoor's YARA rules" bash -c "! grep -q '^yara.spoor_' '$T/rules3.tsv' && grep -q '^yara.cli_test_marker' '$T/rules3.tsv'"
"$SPOOR" rules -y "$T/nope.yar" > /dev/null 2> "$T/err"; rc=$?
check "rules with a missing --yara file exits 1" test $rc -eq 1
"$SPOOR" rules --builtin -y "$T/extra.yar" > /dev/null 2>&1; rc=$?
check "rules --builtin with -y is a usage error" test $rc -eq 2

# A detection-rule file in the evidence (YARA syntax in a .yar file) quotes
# what rules look for: no rule set reports it, a note counts the matches
# left out. A web page with the same string is still reported, and so is a
# .yar file that holds no rule syntax.
mkdir -p "$T/rulefiles"
cp "$T/extra.yar" "$T/rulefiles/theirs.yar"
printf '<%%@ Page Language="C#" %%>\n<%%-- spoor-cli-test-marker --%%>\n' > "$T/rulefiles/shell.aspx"
printf 'spoor-cli-test-marker\n' > "$T/rulefiles/plain.yar"
"$SPOOR" hunt -q -f csv -y "$T/extra.yar" -o "$T/rfcase" "$T/rulefiles" > "$T/rf.csv"; rc=$?
check "hunt over rule files exits 0" test $rc -eq 0
check "the rule file in the evidence is not reported" bash -c "! grep -q 'theirs.yar' '$T/rf.csv'"
check "the page with the same string is" grep -q 'shell.aspx.*yara.cli_test_marker\|yara.cli_test_marker.*shell.aspx' "$T/rf.csv"
check "a .yar file without rule syntax is" grep -q 'plain.yar' "$T/rf.csv"
check "coverage notes the matches left out" python3 -c '
import json, sys
c = json.load(open(sys.argv[1]))
notes = [f["note"] for f in c["files"] if f["path"].endswith("theirs.yar")]
sys.exit(0 if notes and notes[0] and "1 YARA match on a detection-rule file not reported" in notes[0] else 1)' "$T/rfcase/coverage.json"

# A missing or empty evidence path is an error naming the path, never
# "0 findings"; errno's text appears once.
"$SPOOR" hunt -f jsonl "$T/nope" > "$T/out" 2> "$T/err"; rc=$?
check "missing path exits 1" test $rc -eq 1
check "missing path is named in the error" grep -q "$T/nope: No such file or directory" "$T/err"
check "errno text once" test "$(grep -o 'No such file or directory' "$T/err" | wc -l)" -eq 1
check "missing path prints no findings" test ! -s "$T/out"
"$SPOOR" hunt -q -f jsonl "$GOLD" "$T/nope" > "$T/out" 2> "$T/err"; rc=$?
check "one missing path among good ones exits 1" test $rc -eq 1
check "... and names it" grep -q "$T/nope" "$T/err"
mkdir -p "$T/empty/a/b"
"$SPOOR" hunt -f jsonl "$T/empty" > "$T/out" 2> "$T/err"; rc=$?
check "empty evidence exits 1" test $rc -eq 1
check "empty evidence is named" grep -q "$T/empty: no files to examine" "$T/err"

# Case directory: eight files, each valid, no temporaries or lock left.
"$SPOOR" hunt -q -f csv -o "$T/case" "$GOLD" > "$T/out.csv"; rc=$?
check "case dir run exits 0" test $rc -eq 0
for f in findings.jsonl findings.csv coverage.json incidents.jsonl timeline.csv case.sqlite report.html run.json; do
  check "case dir has $f" test -s "$T/case/$f"
done
check "csv header" bash -c "head -1 '$T/out.csv' | grep -q '^first_seen,last_seen,level'"
check "csv header ends with id,reference" bash -c "head -1 '$T/out.csv' | grep -q ',reason,id,reference\$'"
check "every jsonl finding has an event.id" test \
  "$(grep -c '"event":{[^}]*"id":"[0-9a-f]\{32\}"' "$T/out.jsonl")" -eq 17
check "event.id is unique" test \
  "$(grep -o '"event":{[^}]*"id":"[0-9a-f]*"' "$T/out.jsonl" | sort -u | wc -l)" -eq 17
check "csv and jsonl ids agree" bash -c \
  "diff <(grep -o '\"[0-9a-f]\{32\}\",[^,]*\$' '$T/out.csv' | cut -d, -f1 | tr -d '\"' | sort) \
        <(grep -o '\"event\":{[^}]*\"id\":\"[0-9a-f]*' '$T/out.jsonl' | sed 's/.*\"//' | sort)"
check "case dir holds exactly the eight files" \
  test "$(ls -A "$T/case" | tr '\n' ' ')" = "case.sqlite coverage.json findings.csv findings.jsonl incidents.jsonl report.html run.json timeline.csv "
check "findings.jsonl lines and coverage.json are valid JSON" python3 -c '
import json, sys
d = sys.argv[1]
n = sum(1 for l in open(d + "/findings.jsonl") if json.loads(l))
c = json.load(open(d + "/coverage.json"))
sys.exit(0 if n == 17 and c["findings"] == 17 else 1)' "$T/case"
nrules=$("$SPOOR" rules --builtin | wc -l)
version=$("$SPOOR" version | cut -d' ' -f2)
check "run.json records version, argv, times, host, rules, evidence" python3 -c '
import json, os, re, sys, socket
d, gold, nrules, version = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
r = json.load(open(d + "/run.json"))
t = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
ok = (r["spoor_version"] == version
      and r["argv"][1:] == ["hunt", "-q", "-f", "csv", "-o", d, gold]
      and os.path.basename(r["argv"][0]) == "spoor"
      and t.match(r["start"]) and t.match(r["end"]) and r["start"] <= r["end"]
      and r["host"] == socket.gethostname()
      and r["rules"]["builtin"] == nrules and r["rules"]["builtin_yara"] is True
      and r["rules"]["yara"] == [] and r["rules"]["baseline"] is None
      and r["evidence"] == [{"path": gold, "absolute": os.path.realpath(gold)}]
      and r["excluded"] == [{"path": d, "absolute": os.path.realpath(d)}])
if not ok: print(r)
sys.exit(0 if ok else 1)' "$T/case" "$GOLD" "$nrules" "$version"

# An earlier case is refused and left alone; --force replaces it; any other
# folder that is not empty needs --force; an empty one is fine.
cp "$T/case/run.json" "$T/run1.json"
"$SPOOR" hunt -q -o "$T/case" "$GOLD" > /dev/null 2> "$T/err"; rc=$?
check "second run into a case exits 1" test $rc -eq 1
check "... says it holds a case" grep -q "holds an earlier spoor case" "$T/err"
check "... and leaves it alone" cmp -s "$T/run1.json" "$T/case/run.json"
"$SPOOR" hunt -q --force -j 1 -o "$T/case" "$GOLD" > /dev/null; rc=$?
check "--force replaces the case" test $rc -eq 0
check "... with a new run.json" python3 -c '
import json, sys
sys.exit(0 if "-j" in json.load(open(sys.argv[1]))["argv"] else 1)' "$T/case/run.json"
mkdir "$T/busy" && echo keep > "$T/busy/notes.txt"
"$SPOOR" hunt -q -o "$T/busy" "$GOLD" > /dev/null 2> "$T/err"; rc=$?
check "non-empty folder refused" test $rc -eq 1
check "... as not empty" grep -q "is not empty" "$T/err"
check "... nothing written" test ! -e "$T/busy/findings.jsonl"
mkdir "$T/fresh"
"$SPOOR" hunt -q -o "$T/fresh" "$GOLD" > /dev/null; rc=$?
check "existing empty folder accepted" test $rc -eq 0

# A case dir locked by another run is refused, naming the holder's pid.
if command -v flock > /dev/null; then
  mkdir "$T/locked" && echo 4242 > "$T/locked/.spoor.lock"
  flock "$T/locked/.spoor.lock" "$SPOOR" hunt -q -o "$T/locked" "$GOLD" > /dev/null 2> "$T/err"; rc=$?
  check "locked case dir exits 1" test $rc -eq 1
  check "... naming the holder pid" grep -q "another spoor run (pid 4242)" "$T/err"
  check "... nothing written" test ! -e "$T/locked/findings.jsonl"
  "$SPOOR" hunt -q -o "$T/locked" "$GOLD" > /dev/null; rc=$?
  check "unlocked again: run succeeds, lock file removed" \
    test $rc -eq 0 -a ! -e "$T/locked/.spoor.lock" -a -s "$T/locked/run.json"
else
  echo "skip lock test: flock (util-linux) not installed"
fi

# -o that cannot be written fails before the hunt (the bad evidence path is
# never reached), and a failed run leaves no folder behind.
touch "$T/regular"
"$SPOOR" hunt -o "$T/regular/case" "$T/nope" > /dev/null 2> "$T/err"; rc=$?
check "-o under a regular file exits 1" test $rc -eq 1
check "... naming the case dir" grep -q "$T/regular/case: Not a directory" "$T/err"
check "... before hunting" bash -c "! grep -q -e nope -e coverage: '$T/err'"
"$SPOOR" hunt -o "$T/nodir/case" "$GOLD" > /dev/null 2> "$T/err"; rc=$?
check "-o with a missing parent exits 1" test $rc -eq 1
"$SPOOR" hunt -o "$T/failed" "$T/nope" > /dev/null 2>&1; rc=$?
check "failed hunt exits 1" test $rc -eq 1
check "... and removes the case dir it created" test ! -e "$T/failed"

# A reader that closes stdout: the case dir is still complete, exit 0, no
# message. Deterministic: stdout is a pipe whose read end is already closed.
check "closed stdout: exit 0, case complete" python3 -c '
import json, os, subprocess, sys
spoor, gold, d = sys.argv[1:4]
r, w = os.pipe()
os.close(r)
p = subprocess.run([spoor, "hunt", "-q", "-f", "jsonl", "-o", d, gold],
                   stdout=w, stderr=subprocess.PIPE)
os.close(w)
json.load(open(d + "/coverage.json"))
json.load(open(d + "/run.json"))
left = sorted(os.listdir(d))
ok = p.returncode == 0 and not p.stderr and left == [
    "case.sqlite", "coverage.json", "findings.csv", "findings.jsonl",
    "incidents.jsonl", "report.html", "run.json", "timeline.csv"]
if not ok: print(p.returncode, p.stderr, left)
sys.exit(0 if ok else 1)' "$SPOOR" "$GOLD" "$T/piped"
"$SPOOR" hunt -f jsonl -o "$T/headcase" "$GOLD" 2> /dev/null | head -c1 > /dev/null
check "-o DIR | head -c1 exits 0" test "${PIPESTATUS[0]}" -eq 0
check "... and the case is complete" python3 -c '
import json, sys
json.load(open(sys.argv[1] + "/coverage.json")); json.load(open(sys.argv[1] + "/run.json"))' "$T/headcase"

# The case dir inside the evidence is left out of the walk, matched by
# device and inode (here named through a link), and is not a problem.
cp -r "$GOLD" "$T/ev"
ln -s "$T/ev" "$T/evlink"
"$SPOOR" hunt -q -f jsonl -o "$T/evlink/case" "$T/ev" > "$T/ev.jsonl"; rc=$?
check "case dir inside evidence: exit 0" test $rc -eq 0
check "... findings unchanged" test "$(wc -l < "$T/ev.jsonl")" -eq 17
check "... listed as excluded, none of its files read" python3 -c '
import json, sys
ev = sys.argv[1]
c = json.load(open(ev + "/case/coverage.json"))
ex = [f for f in c["files"] if f["source"] == "excluded"]
ok = (len(ex) == 1 and ex[0]["path"] == ev + "/case"
      and ex[0]["note"] == "excluded: output directory" and ex[0]["error"] is None
      and not any("/case/" in f["path"] for f in c["files"]))
if not ok: print(c["files"])
sys.exit(0 if ok else 1)' "$T/ev"
"$SPOOR" hunt -q --strict -f jsonl -o "$T/clean/case" "$T/clean" > /dev/null; rc=$?
check "an excluded case dir is no problem for --strict" test $rc -eq 0

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

# Output filters (issue 10): --since/--until keep findings whose evidence
# period overlaps the window, --rule-include/--rule-exclude match rule ids by
# glob; the expected sets come from the unfiltered output.
count_where() { # count_where PYTHON-EXPR: findings of out.jsonl where EXPR
  python3 -c '
import json, sys
n = 0
for l in open(sys.argv[1]):
    f = json.loads(l)
    if eval(sys.argv[2]): n += 1
print(n)' "$T/out.jsonl" "$1"
}
"$SPOOR" hunt -q -f jsonl --since 2021-03-03T02:05:00Z "$GOLD" > "$T/since.jsonl"; rc=$?
check "--since exits 0" test $rc -eq 0
check "--since keeps the findings with evidence from then on" test \
  "$(wc -l < "$T/since.jsonl")" -eq "$(count_where 'f["event"]["end"] >= "2021-03-03T02:05:00.000Z"')"
check "... fewer than all" test "$(wc -l < "$T/since.jsonl")" -lt 17
"$SPOOR" hunt -q -f jsonl --until 2021-03-03T01:30:00+00:00 "$GOLD" > "$T/until.jsonl"
check "--until keeps the findings with evidence up to then" test \
  "$(wc -l < "$T/until.jsonl")" -eq "$(count_where 'f["event"]["start"] <= "2021-03-03T01:30:00.000Z"')"
"$SPOOR" hunt -q -f jsonl --until 2021-03-02 "$GOLD" > "$T/until2.jsonl"
check "--until a day before the evidence shows nothing" test ! -s "$T/until2.jsonl"
"$SPOOR" hunt -q -f jsonl --rule-include 'spoor.exchange.*' --rule-include 'spoor.iis.*' \
  --rule-exclude '*proxylogon*' "$GOLD" > "$T/rules.jsonl"
check "--rule-include/--rule-exclude select rule ids by glob" test \
  "$(wc -l < "$T/rules.jsonl")" -eq "$(count_where '(f["rule"]["id"].startswith("spoor.exchange.") or f["rule"]["id"].startswith("spoor.iis.")) and "proxylogon" not in f["rule"]["id"]')"
check "... and some are left" test -s "$T/rules.jsonl"
"$SPOOR" hunt -q -f jsonl --since yesterday "$GOLD" > /dev/null 2> "$T/err"; rc=$?
check "a bad --since exits 2" test $rc -eq 2
check "... saying what it wants" grep -q -- "--since wants YYYY-MM-DD or RFC 3339" "$T/err"
"$SPOOR" hunt -q --since 2021-03-04 --until 2021-03-03 "$GOLD" > /dev/null 2>&1
check "--since after --until exits 2" test $? -eq 2
"$SPOOR" hunt -q -f jsonl --detected 2021-13-01 "$GOLD" > /dev/null 2>&1
check "a bad --detected exits 2" test $? -eq 2

# --detected: every incident's dwell runs from its first evidence to it.
"$SPOOR" hunt -q -f jsonl --detected 2021-04-02T00:00:00Z -o "$T/detcase" "$GOLD" > /dev/null
check "--detected sets the dwell time" python3 -c '
import json, sys, datetime as d
det = d.datetime(2021, 4, 2, tzinfo=d.timezone.utc)
n = 0
for l in open(sys.argv[1]):
    i = json.loads(l)["incident"]
    first = d.datetime.fromisoformat(i["first_seen"].replace("Z", "+00:00"))
    want = (det - first).total_seconds() / 86400
    if abs(i["dwell_days"] - want) > 0.006: sys.exit("%s: %s != %s" % (i["id"], i["dwell_days"], want))
    n += 1
sys.exit(0 if n else "no incident")' "$T/detcase/incidents.jsonl"
check "--detected is in report.html" grep -q "Detected 2021-04-02T00:00:00.000Z" "$T/detcase/report.html"

# The table: a header row; no colour when stdout is not a terminal.
"$SPOOR" hunt -f table "$GOLD" > "$T/table" 2> "$T/table.err"
check "table has a header row" bash -c "head -1 '$T/table' | grep -q '^LEVEL  *FIRST EVIDENCE (UTC)  *COUNT  RULE'"
check "no colour in a file" bash -c "! grep -q \$'\\033' '$T/table'"
check "no progress bar or colour on a non-terminal stderr" bash -c "! grep -q \$'\\033\\|\\r' '$T/table.err'"
check "the summary names the incidents" grep -q "^  incidents: [1-9]" "$T/table.err"
check "... the top rules" grep -q "^  top rules (of 17 findings shown):" "$T/table.err"
check "... the top hosts" grep -q "^        11  EXCH1$" "$T/table.err"
check "... first and last evidence per level" grep -q \
  "^    critical      4  2021-03-03T02:00:00.000Z .. 2021-03-03T02:02:00.000Z$" "$T/table.err"
# On a terminal (script(1) gives a pty): colours and the progress line,
# unless NO_COLOR / --no-color / --quiet.
if command -v script > /dev/null; then
  script -qec "'$SPOOR' hunt '$GOLD'" /dev/null > "$T/tty" 2>&1
  check "colours on a terminal" grep -q $'\033\\[1;97;41mcritical' "$T/tty"
  check "the progress line is cleared at the end" grep -q $'\r\033\\[K' "$T/tty"
  NO_COLOR=1 script -qec "'$SPOOR' hunt '$GOLD'" /dev/null > "$T/tty" 2>&1
  check "NO_COLOR: no colour" bash -c "! grep -q \$'\\033\\[[0-9;]*m' '$T/tty'"
  script -qec "'$SPOOR' hunt --no-color '$GOLD'" /dev/null > "$T/tty" 2>&1
  check "--no-color: no colour" bash -c "! grep -q \$'\\033\\[[0-9;]*m' '$T/tty'"
  script -qec "'$SPOOR' hunt -q '$GOLD'" /dev/null > "$T/tty" 2>&1
  check "--quiet: no progress line on a terminal" bash -c "! grep -q \$'\\r\\033\\[K' '$T/tty'"
  check "--quiet: no summary" bash -c "! grep -q '^summary:' '$T/tty'"
  check "... but the table" grep -q "LEVEL    FIRST EVIDENCE" "$T/tty"
fi

echo "$fails failure(s)"
test $fails -eq 0
