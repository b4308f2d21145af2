#!/usr/bin/env bash
# bench/run.sh - throughput benchmark of `spoor hunt` on synthetic Exchange
# IIS and HttpProxy logs, against `cat` (the I/O limit) and `grep -c`.
#
# usage: bench/run.sh [SIZE]          SIZE defaults to 2G (suffix K/M/G/T)
# env:   BENCH_DIR  data folder       (default build/bench-data)
#        SPOOR      spoor binary      (default build/release/spoor)
#        SPOOR_GEN  spoor-gen binary  (default build/release/spoor-gen)
#        RUNS       runs per tool     (default 3; the median is reported)
#        BASE_REF   git commit of a previous spoor to measure side by side
#                   (default 8de2518, the last commit before the record-reader
#                   engine; BASE_REF= to skip). It is built once, release
#                   preset, in build/bench-base from a `git worktree`.
#
# The data is generated once by `spoor-gen bench` and reused while the size
# marker matches. Nothing is dropped from the page cache: an untimed `cat`
# warms it first, so every tool reads from memory and the numbers measure
# CPU work, not the disk. Run from the repository root.
set -euo pipefail

SIZE=${1:-2G}
BENCH_DIR=${BENCH_DIR:-build/bench-data}
SPOOR=${SPOOR:-build/release/spoor}
SPOOR_GEN=${SPOOR_GEN:-build/release/spoor-gen}
RUNS=${RUNS:-3}
BASE_REF=${BASE_REF-8de2518}
SEED=1
TIME=/usr/bin/time

die() { echo "bench: $*" >&2; exit 1; }

case "$SIZE" in
  -h|--help) sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
esac
[[ "$SIZE" =~ ^[0-9]+[KkMmGgTt]?$ ]] || die "bad SIZE '$SIZE' (e.g. 512M, 2G)"
[[ "$RUNS" =~ ^[1-9][0-9]*$ ]] || die "bad RUNS '$RUNS'"

if [[ ! -x $TIME ]] || ! $TIME --version 2>&1 | grep -q 'GNU'; then
  die "GNU time is required at $TIME; install it with: sudo apt-get install time"
fi
[[ -x $SPOOR_GEN ]] || die "$SPOOR_GEN not found; build it with:
  cmake --preset release && cmake --build --preset release"
[[ -x $SPOOR ]] || die "$SPOOR not found; build it with:
  cmake --preset release && cmake --build --preset release"

NPROC=$(nproc)
DATA="$BENCH_DIR/data"
MARKER="$BENCH_DIR/bench-size.txt"
WANT="size=$SIZE seed=$SEED"

# ---- the previous binary, for the side-by-side rows ---------------------------
BASE_BIN=""
if [[ -n $BASE_REF ]] && git rev-parse --verify -q "$BASE_REF^{commit}" >/dev/null; then
  BASE_SRC=build/bench-base/src
  BASE_BIN=$BASE_SRC/build/release/spoor
  if [[ ! -x $BASE_BIN || "$(cat build/bench-base/ref 2>/dev/null)" != "$BASE_REF" ]]; then
    echo "bench: building the base binary at $BASE_REF"
    if [[ -d $BASE_SRC ]]; then
      git worktree remove --force "$BASE_SRC" 2>/dev/null || rm -rf -- "$BASE_SRC"
    fi
    git worktree prune
    mkdir -p build/bench-base
    git worktree add -q --detach "$BASE_SRC" "$BASE_REF"
    (cd "$BASE_SRC" && cmake --preset release >/dev/null &&
      cmake --build --preset release --target spoor >/dev/null)
    echo "$BASE_REF" > build/bench-base/ref
  fi
elif [[ -n $BASE_REF ]]; then
  echo "bench: BASE_REF $BASE_REF is not a commit here; no side-by-side rows"
fi

# ---- data -------------------------------------------------------------------
if [[ -f $MARKER && "$(cat "$MARKER")" == "$WANT" && -d $DATA ]]; then
  echo "bench: reusing $DATA ($WANT)"
else
  if [[ -e $DATA ]]; then
    # Only ever delete a data folder this script made (it has the marker).
    [[ -f $MARKER ]] || die "$DATA exists but has no $MARKER; remove it yourself"
    echo "bench: size changed, regenerating $DATA"
    rm -rf -- "$DATA"
  fi
  rm -f -- "$MARKER"
  mkdir -p -- "$BENCH_DIR"
  echo "bench: generating $SIZE of logs into $DATA"
  "$SPOOR_GEN" bench "$DATA" --size "$SIZE" --seed "$SEED"
  echo "$WANT" > "$MARKER"
fi

mapfile -d '' FILES < <(find "$DATA" -type f -print0 | sort -z)
((${#FILES[@]} > 0)) || die "no files under $DATA"
BYTES=$(find "$DATA" -type f -printf '%s\n' | awk '{s += $1} END {printf "%.0f", s}')
echo "bench: ${#FILES[@]} files, $BYTES bytes, $NPROC cores"

echo "bench: warming the page cache"
cat -- "${FILES[@]}" > /dev/null

# ---- measurement ------------------------------------------------------------
TMP=$(mktemp -d)
trap 'rm -rf -- "$TMP"' EXIT

# measure NAME CORES OUT CMD...: runs CMD $RUNS times under GNU time with
# stdout to OUT and appends "NAME CORES median_seconds max_rss_kib status" to
# $RESULTS (default $TMP/results). A non-zero exit status is reported, not
# fatal.
measure() {
  local name=$1 cores=$2 dest=$3
  shift 3
  local secs=() rss=0 status=0 i out line
  for ((i = 1; i <= RUNS; i++)); do
    out="$TMP/time.$i"
    local rc=0
    if ! LC_ALL=C $TIME -f '%e %M' -o "$out" "$@" > "$dest" 2> "$TMP/stderr"; then
      rc=$(sed -n 's/^Command exited with non-zero status \([0-9]*\).*/\1/p' "$out")
      rc=${rc:-1}
    fi
    # GNU time prepends "Command exited with non-zero status N" on failure.
    line=$(tail -n 1 "$out")
    ((rc == 0)) || status=$rc
    secs+=("${line%% *}")
    local r=${line##* }
    if ((r > rss)); then rss=$r; fi
  done
  if ((status != 0)); then
    echo "bench: warning: '$*' exited with status $status:" >&2
    head -n 5 "$TMP/stderr" >&2 || true
  fi
  local median
  median=$(printf '%s\n' "${secs[@]}" | sort -g | awk -v n="$RUNS" \
    'NR == int((n + 1) / 2) {print; exit}')
  printf '%s %s %s %s %s\n' "$name" "$cores" "$median" "$rss" "$status" \
    >> "${RESULTS:-$TMP/results}"
  printf 'bench: %-22s %8ss  (runs: %s)\n' "$name" "$median" "${secs[*]}"
}

# grep writes to a file: GNU grep stops at the first match when its output
# is /dev/null, which would not be a full scan.
measure "cat" 1 /dev/null cat -- "${FILES[@]}"
measure "grep -c ServerInfo~" 1 "$TMP/grep.out" grep -c 'ServerInfo~' -- "${FILES[@]}"
measure "spoor hunt -j1" 1 /dev/null "$SPOOR" hunt -j1 --format jsonl "$DATA"
if [[ -n $BASE_BIN ]]; then
  measure "base@$BASE_REF -j1" 1 /dev/null "$BASE_BIN" hunt -j1 --format jsonl "$DATA"
  measure "spoor hunt -j1 (again)" 1 /dev/null "$SPOOR" hunt -j1 --format jsonl "$DATA"
fi
measure "spoor hunt -j$NPROC" "$NPROC" /dev/null \
  "$SPOOR" hunt -j"$NPROC" --format jsonl "$DATA"
if [[ -n $BASE_BIN ]]; then
  measure "base@$BASE_REF -j$NPROC" "$NPROC" /dev/null \
    "$BASE_BIN" hunt -j"$NPROC" --format jsonl "$DATA"
fi

# Events: one more run writes coverage.json; sum the per-source counts.
"$SPOOR" hunt -q -j1 --format jsonl -o "$TMP/case" "$DATA" >/dev/null
EVENTS=$(sed -e 's/.*"sources":\[//' -e 's/\],"files".*//' "$TMP/case/coverage.json" |
  grep -o '"events":[0-9]*' | awk -F: '{s += $2} END {printf "%.0f", s}')
J1=$(awk '$1 == "spoor" && $3 == "-j1" {print $(NF - 2); exit}' "$TMP/results")
EVS=$(awk -v e="$EVENTS" -v s="$J1" 'BEGIN {if (s > 0) printf "%.0f", e / s; else print "-"}')

# ---- report -----------------------------------------------------------------
# table FORMAT [RESULTS BYTES]: FORMAT is "text" or "md".
table() {
  awk -v bytes="${3:-$BYTES}" -v fmt="$1" '
    function num(x, d) { return sprintf("%." d "f", x) }
    NR == 1 { cat = $(NF - 2) }
    {
      n = split($0, f, " ")
      status = f[n]; rss = f[n - 1]; secs = f[n - 2]; cores = f[n - 3]
      name = f[1]; for (i = 2; i <= n - 4; i++) name = name " " f[i]
      mbs = secs > 0 ? num(bytes / 1e6 / secs, 0) : "-"
      per = secs > 0 ? num(bytes / 1e6 / secs / cores, 0) : "-"
      ratio = (cat > 0 && secs > 0) ? num(secs / cat, 1) "x" : "-"
      rssm = num(rss / 1024, 1)
      if (status != 0) name = name " (exit " status ")"
      if (fmt == "md")
        printf "| %s | %s | %s | %s | %s | %s |\n", name, secs, mbs, per, rssm, ratio
      else
        printf "%-30s %9s %9s %12s %13s %9s\n", name, secs, mbs, per, rssm, ratio
    }' "${2:-$TMP/results}"
}

CPU=$(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo)
CPU=${CPU:-unknown}
DATE=$(date -u +%Y-%m-%d)
MB=$(awk -v b="$BYTES" 'BEGIN {printf "%.0f", b / 1e6}')

echo
printf '%-30s %9s %9s %12s %13s %9s\n' tool seconds MB/s "MB/s/core" \
  "peak RSS MiB" "vs cat"
table text
echo
echo "events: $EVENTS; spoor hunt -j1: $EVS events/s per core"
if [[ -n $BASE_BIN ]]; then
  # Both spoor -j1 runs (before and after the base) against the base.
  awk -v ref="base@$BASE_REF" '
    $1 == "spoor" && $3 == "-j1" { now[++k] = $(NF - 2) }
    $1 == ref && $2 == "-j1" { base = $(NF - 2) }
    END { if (base > 0 && k) { m = (now[1] + now[k]) / 2
            printf "spoor -j1 vs %s: %.3f s vs %.3f s = %+.1f%% time\n", ref, m, base, (m / base - 1) * 100 } }' \
    "$TMP/results"
fi
# Instructions, not seconds: callgrind counts are the same whatever else the
# shared machine does, so the base comparison is exact on a 64 MB sample.
if [[ -n $BASE_BIN ]] && command -v valgrind >/dev/null 2>&1; then
  SMALL="$BENCH_DIR/sample64M"
  [[ -d $SMALL ]] || "$SPOOR_GEN" bench "$SMALL" --size 64M --seed "$SEED" >/dev/null
  irs() {
    valgrind --tool=callgrind --callgrind-out-file=/dev/null "$1" hunt -q -j1 \
      --format jsonl "$SMALL" 2>&1 >/dev/null | awk '/Collected/ {print $NF}'
  }
  IR_NEW=$(irs "$SPOOR")
  IR_BASE=$(irs "$BASE_BIN")
  awk -v a="$IR_NEW" -v b="$IR_BASE" -v ref="$BASE_REF" 'BEGIN {
    if (b > 0) printf "instructions on 64 MB (callgrind): spoor %.0f, base@%s %.0f = %+.2f%%\n", a, ref, b, (a / b - 1) * 100 }'
fi

echo
echo "----- paste into docs/PERFORMANCE.md -----"
cat <<EOF
### spoor hunt throughput, $DATE

Machine: $NPROC cores, $CPU. Data: \`spoor-gen bench --size $SIZE --seed $SEED\`
($MB MB in ${#FILES[@]} files, half IIS W3C, half HttpProxy), read from a warm
page cache. Median of $RUNS runs; peak RSS is the largest of the runs.

| tool | seconds | MB/s | MB/s per core | peak RSS MiB | time vs cat |
|---|---|---|---|---|---|
EOF
table md
echo
echo "Events: $EVENTS; \`spoor hunt -j1\` handles $EVS events/s per core."
echo "------------------------------------------"

# ---- web root scan: spoor's file scanner beside the yara CLI -----------------
# Many small files: the per-file cost of open, SHA-256 and YARA. Both tools use
# spoor's own rules (rules/yara/spoor_webshells.yar); spoor also hashes.
if command -v yara >/dev/null 2>&1; then
  WEB="$BENCH_DIR/webroot"
  if [[ ! -f $WEB/.done || "$(cat "$WEB/.done")" != 2000 ]]; then
    rm -rf -- "$WEB"
    "$SPOOR_GEN" case "$TMP/seedcase" --seed "$SEED" >/dev/null
    mapfile -d '' PAGES < <(find "$TMP/seedcase/inetpub/wwwroot" \
      "$TMP/seedcase/exchange/FrontEnd" -type f -print0 | sort -z)
    for ((d = 0; d < 2000; d++)); do
      mkdir -p -- "$WEB/site$d"
      for ((k = 0; k < ${#PAGES[@]}; k++)); do
        cp -- "${PAGES[$k]}" "$WEB/site$d/p${k}_$(basename -- "${PAGES[$k]}")"
      done
    done
    echo 2000 > "$WEB/.done"
  fi
  WFILES=$(find "$WEB" -type f ! -name .done | wc -l)
  WBYTES=$(find "$WEB" -type f ! -name .done -printf '%s\n' | awk '{s += $1} END {printf "%.0f", s}')
  cat -- $(find "$WEB" -type f) > /dev/null
  RESULTS="$TMP/web"
  measure "yara -r (1 thread)" 1 "$TMP/yara.out" \
    yara -r -p 1 -d extension=.aspx rules/yara/spoor_webshells.yar "$WEB"
  measure "spoor hunt -j1" 1 /dev/null "$SPOOR" hunt -q -j1 --format jsonl "$WEB"
  measure "spoor hunt -j$NPROC" "$NPROC" /dev/null \
    "$SPOOR" hunt -q -j"$NPROC" --format jsonl "$WEB"
  unset RESULTS
  # First line of the table is the reference for the ratio column.
  echo
  echo "web root: $WFILES files, $WBYTES bytes (ratio column: vs yara)"
  printf '%-30s %9s %9s %12s %13s %9s\n' tool seconds MB/s "MB/s/core" \
    "peak RSS MiB" "vs yara"
  table text "$TMP/web" "$WBYTES"
  echo
  echo "| tool | seconds | MB/s | MB/s per core | peak RSS MiB | time vs yara |"
  echo "|---|---|---|---|---|---|"
  table md "$TMP/web" "$WBYTES"
else
  echo "bench: yara not installed (Debian package yara): web root comparison skipped"
fi
bash "$(dirname "$0")/evtx.sh" "${EVTX_MB:-2048}" # EVTX parse throughput (2 GB corpus)
bash "$(dirname "$0")/sigma.sh" # Sigma engine: per-event match cost, all rules vs 10
bash "$(dirname "$0")/evtx_sigma.sh" "${EVTX_SIGMA_MB:-2048}" # EVTX + rules/windows end to end, same corpus
# Network readers (bench/net.sh): NET_SIZE= skips them.
if [[ -n ${NET_SIZE-1G} ]]; then bash "$(dirname "$0")/net.sh" "${NET_SIZE-1G}" "${NET_PCAP_SIZE-1G}"; fi

# ---- IOC sweep (issue 9): load and matching cost of 1 million indicators ----
bash "$(dirname "$0")/ioc.sh" || echo "bench: bench/ioc.sh failed" >&2

# Network analytics (bench/netan.sh; NET_CONNS connections, default 10M).
bash "$(dirname "$0")/netan.sh" "${NET_CONNS:-10000000}"
