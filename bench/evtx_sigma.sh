#!/usr/bin/env bash
# bench/evtx_sigma.sh - EVTX end to end with Sigma: `spoor hunt -j1` with
# every rule of ../shared/data/sigma/rules/windows (--rules), beside the
# same hunt without rules (reader + built-in detectors) and the EVTX reader
# alone (tests/evtx_dump -c), on a synthetic Security/Sysmon corpus written
# by evtxgen (tools/evtxgen) and on EVTX-ATTACK-SAMPLES from ../shared.
#
# usage: bench/evtx_sigma.sh [SIZE_MB]   corpus size, default 256 (64 MB files)
# env:   BENCH_DIR  data folder        (default build/bench-data)
#        BUILD      release build dir  (default build/release)
#        RUNS       runs per tool      (default 1; the median is reported)
#        SHARED     shared data        (default ../shared)
# One worker (-j1): MB/s per core is bytes over CPU seconds (user + system),
# independent of the load of the shared machine; wall seconds are shown
# too; events/s is the records of the files over CPU seconds; peak RSS is
# the process's maximum resident set (GNU time).
set -euo pipefail

SIZE_MB=${1:-256}
BENCH_DIR=${BENCH_DIR:-build/bench-data}
BUILD=${BUILD:-build/release}
RUNS=${RUNS:-1}
SHARED=${SHARED:-../shared}
TIME=/usr/bin/time
DUMP=$BUILD/tests/evtx_dump
GEN=$BUILD/tests/evtxgen
SPOOR=$BUILD/spoor
RULES=$SHARED/data/sigma/rules/windows

die() { echo "bench/evtx_sigma: $*" >&2; exit 1; }
[[ "$SIZE_MB" =~ ^[0-9]+$ ]] || die "bad SIZE_MB '$SIZE_MB'"
[[ -x $DUMP && -x $GEN && -x $SPOOR ]] || die "$SPOOR, $DUMP or $GEN missing; build with:
  cmake --preset release && cmake --build --preset release"
$TIME --version 2>&1 | grep -q GNU || die "GNU time is required at $TIME"
if [[ ! -d $RULES ]]; then
  echo "bench/evtx_sigma: $RULES missing: skipped" >&2
  exit 0
fi

DATA=$BENCH_DIR/evtx-$SIZE_MB # the same corpus as bench/evtx.sh
if [[ ! -f $DATA/.done ]]; then
  rm -rf -- "$DATA"
  mkdir -p "$DATA"
  left=$SIZE_MB
  i=0
  while ((left > 0)); do
    mb=$((left < 64 ? left : 64))
    "$GEN" -s $((i + 1)) "$DATA/part$(printf %03d $i).evtx" "$mb" 2>/dev/null
    left=$((left - mb))
    i=$((i + 1))
  done
  touch "$DATA/.done"
fi

TMP=$(mktemp -d)
trap 'rm -rf -- "$TMP"' EXIT

# measure NAME LABEL BYTES RECORDS CMD...: one result line
# "name|label|wall|cpu|bytes|records|rss_kb" (median of RUNS runs).
measure() {
  local name=$1 label=$2 bytes=$3 recs=$4
  shift 4
  local walls=() cpus=() rss=0
  for ((r = 0; r < RUNS; r++)); do
    rm -rf -- "$TMP/case"
    $TIME -f '%e %U %S %M' -o "$TMP/t" "$@" >/dev/null 2>"$TMP/err" ||
      { cat "$TMP/err" >&2; die "$name failed"; }
    read -r w u s m <"$TMP/t"
    walls+=("$w")
    cpus+=("$(awk -v u="$u" -v s="$s" 'BEGIN {print u + s}')")
    ((m > rss)) && rss=$m
  done
  local mw mc
  mw=$(printf '%s\n' "${walls[@]}" | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
  mc=$(printf '%s\n' "${cpus[@]}" | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
  echo "$name|$label|$mw|$mc|$bytes|$recs|$rss" >>"$TMP/results"
}

run_set() {
  local label=$1 dir=$2
  local bytes recs
  mapfile -t files < <(find "$dir" -name '*.evtx' | sort)
  bytes=$(stat -c %s -- "${files[@]}" | awk '{s += $1} END {printf "%.0f", s}')
  cat -- "${files[@]}" >/dev/null
  recs=$("$DUMP" -c "${files[@]}" | sed -n 's/.*records=\([0-9]*\).*/\1/p')
  measure "EVTX reader alone (evtx_dump -c)" "$label" "$bytes" "$recs" \
    "$DUMP" -c "${files[@]}"
  measure "spoor hunt -j1, no Sigma rules" "$label" "$bytes" "$recs" \
    "$SPOOR" hunt -j1 -q -f jsonl "$dir"
  measure "spoor hunt -j1 --rules rules/windows" "$label" "$bytes" "$recs" \
    "$SPOOR" hunt -j1 -q -f jsonl --rules "$RULES" "$dir"
}

run_set "synthetic ${SIZE_MB} MB" "$DATA"
ATTACK=$SHARED/data/evtx/EVTX-ATTACK-SAMPLES
[[ -d $ATTACK ]] && run_set "EVTX-ATTACK-SAMPLES" "$ATTACK"
# the rule set alone: loading and compiling rules/windows, no evidence
mkdir -p "$TMP/empty"
printf 'x\n' >"$TMP/empty/x.txt"
measure "spoor hunt -j1 --rules rules/windows (load only)" "one tiny file" 2 0 \
  "$SPOOR" hunt -j1 -q -f jsonl --rules "$RULES" "$TMP/empty"

echo
echo "----- paste into docs/PERFORMANCE.md (EVTX with Sigma) -----"
echo "Machine: $(nproc) cores (shared), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //'); $(date -u +%Y-%m-%d)."
echo
echo "| data | run | wall s | CPU s | MB/s per core | events/s per core | peak RSS MiB |"
echo "|---|---|---|---|---|---|---|"
awk -F'|' '{
  mb = $5 / 1e6; cpu = ($4 > 0 ? $4 : 0.001)
  printf "| %s | %s | %.2f | %.2f | %.1f | %.0f | %.1f |\n", $2, $1, $3, $4,
    mb / cpu, $6 / cpu, $7 / 1024 }' "$TMP/results"
echo "-------------------------------------------------------------"
