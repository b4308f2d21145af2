#!/usr/bin/env bash
# bench/evtx.sh - EVTX parse throughput: spoor's EVTX reader alone (parse and
# emit every event, then discard: tests/evtx_dump -c) beside `cat` (the I/O
# floor), evtxexport (libevtx-utils) and python-evtx (/usr/bin/python3,
# Debian python3-evtx, every record rendered to XML) on the same files: a
# synthetic Security/Sysmon corpus written by evtxgen (tools/evtxgen), and
# EVTX-ATTACK-SAMPLES from ../shared when present.
#
# usage: bench/evtx.sh [SIZE_MB]       corpus size, default 1024 (64 MB files)
# env:   BENCH_DIR  data folder        (default build/bench-data)
#        BUILD      release build dir  (default build/release)
#        RUNS       runs per tool      (default 3; the median is reported)
#        PY_MB      python-evtx subset (default 32: python-evtx is ~1000x
#                   slower, so it runs on the first PY_MB MB file only);
#                   evtxexport (~200x slower) runs on the first 64 MB file
#                   of the synthetic corpus, spoor beside it
#        SHARED     shared data        (default ../shared)
# Every tool reads from a warm page cache (an untimed cat first). MB/s per
# core is bytes over CPU seconds (user + system), so it does not depend on
# what else the shared machine runs; wall seconds are shown too.
set -euo pipefail

SIZE_MB=${1:-1024}
BENCH_DIR=${BENCH_DIR:-build/bench-data}
BUILD=${BUILD:-build/release}
RUNS=${RUNS:-3}
PY_MB=${PY_MB:-32}
SHARED=${SHARED:-../shared}
TIME=/usr/bin/time
DUMP=$BUILD/tests/evtx_dump
GEN=$BUILD/tests/evtxgen

die() { echo "bench/evtx: $*" >&2; exit 1; }
[[ "$SIZE_MB" =~ ^[0-9]+$ ]] || die "bad SIZE_MB '$SIZE_MB'"
[[ -x $DUMP && -x $GEN ]] || die "$DUMP or $GEN missing; build with:
  cmake --preset release && cmake --build --preset release"
$TIME --version 2>&1 | grep -q GNU || die "GNU time is required at $TIME"

DATA=$BENCH_DIR/evtx-$SIZE_MB
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
PY_FILE=$BENCH_DIR/evtx-py-$PY_MB.evtx
[[ -f $PY_FILE ]] || "$GEN" -s 99 "$PY_FILE" "$PY_MB" 2>/dev/null

TMP=$(mktemp -d)
trap 'rm -rf -- "$TMP"' EXIT

# measure NAME LABEL BYTES RECORDS CMD...: RUNS runs; one result line
# "name|label|wall|cpu|bytes|records|rss_kb" with the median wall and CPU.
measure() {
  local name=$1 label=$2 bytes=$3 recs=$4
  shift 4
  local walls=() cpus=() rss=0
  for ((r = 0; r < RUNS; r++)); do
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
  local label=$1
  shift
  local files=("$@")
  local bytes recs
  bytes=$(stat -c %s -- "${files[@]}" | awk '{s += $1} END {printf "%.0f", s}')
  cat -- "${files[@]}" >/dev/null
  recs=$("$DUMP" -c "${files[@]}" | sed -n 's/.*records=\([0-9]*\).*/\1/p')
  measure "cat" "$label" "$bytes" "$recs" cat -- "${files[@]}"
  measure "spoor (evtx_dump -c)" "$label" "$bytes" "$recs" "$DUMP" -c "${files[@]}"
  if [[ -n ${EX_SUBSET:-} ]] && command -v evtxexport >/dev/null 2>&1; then
    # evtxexport is ~200x slower: on the first file only, spoor beside it
    local f1=${files[0]} b1 r1
    b1=$(stat -c %s -- "$f1")
    r1=$("$DUMP" -c "$f1" | sed -n 's/.*records=\([0-9]*\).*/\1/p')
    measure "evtxexport" "$label, first file ($((b1 >> 20)) MB)" "$b1" "$r1" \
      evtxexport -f xml "$f1"
    measure "spoor (evtx_dump -c)" "$label, first file ($((b1 >> 20)) MB)" "$b1" "$r1" \
      "$DUMP" -c "$f1"
  elif command -v evtxexport >/dev/null 2>&1; then
    printf '%s\0' "${files[@]}" >"$TMP/list"
    measure "evtxexport" "$label" "$bytes" "$recs" \
      xargs -0 -n 1 -a "$TMP/list" evtxexport -f xml
  fi
}

mapfile -t CORPUS < <(find "$DATA" -name '*.evtx' | sort)
EX_SUBSET=1 run_set "synthetic ${SIZE_MB} MB" "${CORPUS[@]}"

PYOK=0
if /usr/bin/python3 -c 'import Evtx.Evtx' 2>/dev/null; then
  PYOK=1
  cat >"$TMP/py.py" <<'EOF'
import sys
import Evtx.Evtx as evtx
n = 0
for path in sys.argv[1:]:
    with evtx.Evtx(path) as log:
        for rec in log.records():
            rec.xml()
            n += 1
print(n)
EOF
  bytes=$(stat -c %s "$PY_FILE")
  recs=$("$DUMP" -c "$PY_FILE" | sed -n 's/.*records=\([0-9]*\).*/\1/p')
  RUNS_SAVE=$RUNS
  RUNS=1
  measure "python-evtx" "synthetic ${PY_MB} MB subset" "$bytes" "$recs" \
    /usr/bin/python3 "$TMP/py.py" "$PY_FILE"
  measure "spoor (evtx_dump -c)" "synthetic ${PY_MB} MB subset" "$bytes" "$recs" \
    "$DUMP" -c "$PY_FILE"
  RUNS=$RUNS_SAVE
fi

ATTACK=$SHARED/data/evtx/EVTX-ATTACK-SAMPLES
if [[ -d $ATTACK ]]; then
  mapfile -t AS < <(find "$ATTACK" -name '*.evtx' | sort)
  run_set "EVTX-ATTACK-SAMPLES (${#AS[@]} files)" "${AS[@]}"
  if ((PYOK)); then
    bytes=$(stat -c %s -- "${AS[@]}" | awk '{s += $1} END {printf "%.0f", s}')
    recs=$("$DUMP" -c "${AS[@]}" | sed -n 's/.*records=\([0-9]*\).*/\1/p')
    RUNS_SAVE=$RUNS
    RUNS=1
    measure "python-evtx" "EVTX-ATTACK-SAMPLES (${#AS[@]} files)" "$bytes" "$recs" \
      /usr/bin/python3 "$TMP/py.py" "${AS[@]}"
    RUNS=$RUNS_SAVE
  fi
fi

echo
echo "----- paste into docs/PERFORMANCE.md (EVTX) -----"
echo "Machine: $(nproc) cores (shared), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //'); $(date -u +%Y-%m-%d)."
echo
echo "| data | tool | wall s | CPU s | MB/s per core | records/s per core | peak RSS MiB |"
echo "|---|---|---|---|---|---|---|"
awk -F'|' '{
  mb = $5 / 1e6; cpu = ($4 > 0 ? $4 : 0.001)
  printf "| %s | %s | %.2f | %.2f | %.2f | %.0f | %.1f |\n", $2, $1, $3, $4,
    mb / cpu, $6 / cpu, $7 / 1024 }' "$TMP/results"
echo "-------------------------------------------------"
