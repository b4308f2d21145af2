#!/usr/bin/env bash
# bench/sigma.sh - the Sigma engine's cost per event: every rule of
# ../shared/data/sigma/rules/windows loaded vs 10 process_creation rules, on
# synthetic EVTX-shaped events built in C (bench/sigma_bench.c), one worker.
# Prints events/s, microseconds per event (CPU time), rule load time and peak
# RSS as a Markdown table (docs/PERFORMANCE.md, "Sigma").
#
# usage: bench/sigma.sh [EVENTS]      EVENTS defaults to 200000
# env:   SIGMA_BENCH  the bench binary (default build/release/spoor-sigma-bench)
#        SIGMA_RULES  the rule folder  (default ../shared/data/sigma/rules/windows)
# Skips (exit 0) when the rule folder is absent.
set -euo pipefail

EVENTS=${1:-200000}
BIN=${SIGMA_BENCH:-build/release/spoor-sigma-bench}
RULES=${SIGMA_RULES:-../shared/data/sigma/rules/windows}

[[ "$EVENTS" =~ ^[1-9][0-9]*$ ]] || { echo "sigma bench: bad EVENTS '$EVENTS'" >&2; exit 2; }
if [[ ! -d $RULES ]]; then
  echo "sigma bench: $RULES not found: skipped"
  exit 0
fi
[[ -x $BIN ]] || { echo "sigma bench: $BIN not found; build it with:
  cmake --preset release && cmake --build --preset release --target spoor-sigma-bench" >&2; exit 1; }

mapfile -t TEN < <(find "$RULES/process_creation" -name '*.yml' | sort | head -10)

row() { # label, then the bench's key=value line
  local label=$1 line=$2
  # shellcheck disable=SC2086
  eval "local $line"
  printf '| %s | %s | %s | %s | %s | %s |\n' "$label" "$rules" "$load_s" \
    "$events_per_s" "$us_per_event" "$peak_rss_mib"
}

ALL=$("$BIN" -n "$EVENTS" "$RULES")
SMALL=$("$BIN" -n "$EVENTS" "${TEN[@]}")
echo
echo "Sigma engine: $EVENTS synthetic EVTX events, one worker, CPU time"
echo "| rule set | rules | load s | events/s | us/event | peak RSS MiB |"
echo "|---|---|---|---|---|---|"
row "rules/windows (all)" "$ALL"
row "10 process_creation rules" "$SMALL"
