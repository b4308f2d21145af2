#!/usr/bin/env bash
# report_test.sh - report.html in a real browser (issue 10): evidence whose
# user agent and URL carry script payloads is hunted into a case directory,
# and report.html is loaded in headless Chromium (Debian's chromium). Fails
# on any console message (errors, CSP violations, uncaught exceptions: the
# page itself logs nothing), when a payload ran (it would set the title,
# add an element or an attribute), when the page's own script did not run,
# and when the screenshot is not a PNG.
#
#   report_test.sh SPOOR SOURCE_DIR [REPORT.html ...]
# Extra report files (make demo's) get the same console and script checks.
# Without chromium: skipped (77), or failed when CI=true.
set -u
SPOOR=$1
shift 2
CHROME=$(command -v chromium || command -v chromium-browser || true)
if [ -z "$CHROME" ]; then
  if [ "${CI:-}" = true ]; then
    echo "FAIL: chromium is not installed (scripts/setup installs it)"
    exit 1
  fi
  echo "SKIP: chromium is not installed (apt-get install chromium)"
  exit 77
fi
T=$(mktemp -d /tmp/spoor-report-XXXXXX)
trap 'rm -rf "$T"' EXIT
fails=0
check() {
  local what=$1
  shift
  if "$@"; then echo "ok: $what"; else echo "FAIL: $what"; fails=$((fails + 1)); fi
}

chrome() { # chrome LOG ARGS... : headless, own profile, logging to LOG
  local log=$1
  shift
  HOME="$T" timeout 120 "$CHROME" --headless --disable-gpu --no-sandbox \
    --no-first-run --user-data-dir="$T/profile" --enable-logging=stderr \
    --v=0 --virtual-time-budget=5000 "$@" 2> "$log"
}

# A ProxyLogon request (status 241: findings and an incident), then web
# shell requests whose user agent and URL carry payloads (IIS writes spaces
# as '+'), and a URL whose query tries to close the attribute.
mkdir -p "$T/ev/iis"
cat > "$T/ev/iis/u_ex210303.log" <<'LOG'
#Software: Microsoft Internet Information Services 10.0
#Version: 1.0
#Date: 2021-03-03 00:00:00
#Fields: date time s-ip cs-method cs-uri-stem cs-uri-query s-port cs-username c-ip cs(User-Agent) sc-status
2021-03-03 02:00:00 10.0.0.5 POST /ecp/y.js - 443 - 192.0.2.10 python-requests/2.25 241
2021-03-03 02:05:00 10.0.0.5 POST /aspnet_client/shell.aspx - 443 - 192.0.2.10 <script>window.__pwned=1;document.title='PWNED1'</script> 200
2021-03-03 02:06:00 10.0.0.5 POST /aspnet_client/"><img+src=x+onerror=document.body.setAttribute('data-pwned',2)>.aspx - 443 - 192.0.2.10 "><img+src=x+onerror=document.body.appendChild(document.createElement('pwned'))> 200
2021-03-03 02:07:00 10.0.0.5 POST /aspnet_client/x.aspx "'><svg/onload=document.title='PWNED4'> 443 - 192.0.2.10 </title></style></script><script>document.title='PWNED5'</script> 200
LOG
"$SPOOR" hunt -q -f jsonl -o "$T/case" "$T/ev" > "$T/findings.jsonl"
check "spoor hunt exits 0" test $? -eq 0
check "the payload evidence made findings" grep -q 'window.__pwned' "$T/findings.jsonl"
check "... and an incident" test -s "$T/case/incidents.jsonl"
R="$T/case/report.html"
check "report.html written" test -s "$R"

page_checks() { # page_checks NAME FILE
  local name=$1 file=$2
  chrome "$T/log" --dump-dom "file://$file" > "$T/dom"
  check "$name: chromium loaded it" test -s "$T/dom"
  if grep -q 'CONSOLE' "$T/log"; then
    echo "console messages:"
    grep 'CONSOLE' "$T/log"
    check "$name: no console message" false
  else
    check "$name: no console message" true
  fi
  check "$name: its own script ran (data-ready)" grep -q 'data-ready="1"' "$T/dom"
  check "$name: no payload set the title" \
    test "$(grep -o '<title>[^<]*</title>' "$T/dom" | head -1)" = "<title>spoor report</title>"
  check "$name: no payload added an element or attribute" \
    bash -c "! grep -q '<pwned\|data-pwned=' '$T/dom'"
}
page_checks "hostile report" "$R"
check "payloads are shown as text" grep -q \
  "&lt;script&gt;window.__pwned=1;document.title='PWNED1'&lt;/script&gt;" "$T/dom"
check "... the attribute breakout too" grep -q \
  '"&gt;&lt;img src=x onerror=document.body.appendChild' "$T/dom"
check "the findings table has a row per finding" test \
  "$(grep -o '<tr data-sev=' "$T/dom" | wc -l)" -eq "$(wc -l < "$T/findings.jsonl")"
check "the filter counter was filled by the script" grep -q 'id="shown">[0-9]* of [0-9]* shown<' "$T/dom"

chrome "$T/log2" --window-size=1280,2000 --screenshot="$T/shot.png" "file://$R" > /dev/null
check "screenshot is a non-empty PNG" bash -c \
  "test \$(stat -c %s '$T/shot.png') -gt 1000 && head -c 8 '$T/shot.png' | od -An -tx1 | grep -q '89 50 4e 47 0d 0a 1a 0a'"
if [ -n "${SPOOR_REPORT_SHOT:-}" ]; then cp "$T/shot.png" "$SPOOR_REPORT_SHOT"; fi

# The table as an analyst uses it (filter, level, sort) over the DevTools
# protocol, with every console message, exception and log entry collected:
# needs node with a WebSocket client (22, or 20 with a flag).
NODE=$(command -v node || command -v nodejs || true)
NODE_WS=""
if [ -n "$NODE" ]; then
  if "$NODE" -e 'process.exit(typeof WebSocket === "function" ? 0 : 1)' 2> /dev/null; then
    NODE_WS="$NODE"
  elif "$NODE" --experimental-websocket -e 'process.exit(typeof WebSocket === "function" ? 0 : 1)' 2> /dev/null; then
    NODE_WS="$NODE --experimental-websocket"
  fi
fi
if [ -n "$NODE_WS" ]; then
  HOME="$T" "$CHROME" --headless --disable-gpu --no-sandbox --no-first-run \
    --user-data-dir="$T/profile-cdp" --remote-debugging-port=0 about:blank 2> "$T/cdp.log" &
  CDP_PID=$!
  WS=""
  for _ in $(seq 1 100); do
    WS=$(grep -o 'ws://[^ ]*' "$T/cdp.log" | head -1)
    [ -n "$WS" ] && break
    sleep 0.2
  done
  if [ -n "$WS" ]; then
    timeout 60 $NODE_WS "$(dirname "$0")/cdp_check.js" "$WS" "file://$R" 2> /dev/null > "$T/cdp.out"
    check "table filter, level filter and sort in the browser; console clean" test $? -eq 0
    cat "$T/cdp.out"
  else
    check "chromium's DevTools endpoint came up" false
  fi
  kill "$CDP_PID" 2> /dev/null
  wait "$CDP_PID" 2> /dev/null
else
  echo "note: interaction checks skipped (node without a WebSocket client)"
fi

for extra in "$@"; do
  page_checks "$extra" "$(readlink -f "$extra")"
done

if [ $fails -ne 0 ]; then
  echo "$fails check(s) failed"
  exit 1
fi
echo "all report checks passed"
