#!/usr/bin/env bash
# bench/netan.sh - network analytics benchmark: `spoor hunt` over Zeek
# conn/dns logs from `spoor-gen net` (N connections over 30 days from 5,000
# internal hosts, with the planted cases), every analytic on (beacons,
# strobes, long connections, exfiltration, rare destinations, DNS tunnels).
#
# usage: bench/netan.sh [N]           N connections (default 10000000)
# env:   NET_BENCH_DIR data folder    (default build/bench-net-N)
#        SPOOR, SPOOR_GEN             binaries (default build/release/...)
#        JOBS                         workers (default 2)
#
# Reports wall and CPU seconds, connections per second, peak RSS, the
# planted cases found, and a linear extrapolation to 100 million
# connections (state grows with pairs, not connections: the extrapolation
# of RSS is an upper bound on this generator, whose pair count grows
# slower than N). Run from the repository root.
set -euo pipefail
N=${1:-10000000}
SPOOR=${SPOOR:-build/release/spoor}
SPOOR_GEN=${SPOOR_GEN:-build/release/spoor-gen}
JOBS=${JOBS:-2}
DIR=${NET_BENCH_DIR:-build/bench-net-$N}
TIME=/usr/bin/time
[[ "$N" =~ ^[1-9][0-9]*$ ]] || { echo "netan: bad N '$N'" >&2; exit 1; }
[[ -x $SPOOR && -x $SPOOR_GEN ]] || {
  echo "netan: build the release preset first" >&2
  exit 1
}
if [[ ! -f $DIR/truth.tsv ]]; then
  rm -rf "$DIR"
  mkdir -p "$(dirname "$DIR")"
  echo "netan: generating $N connections in $DIR"
  $TIME -f "netan: generated in %e s" "$SPOOR_GEN" net "$DIR" --conns "$N" \
    --hosts 5000 --days 30
fi
BYTES=$(du -sb "$DIR" | cut -f1)
cat "$DIR"/*.log > /dev/null # warm the page cache: measure CPU, not disk
OUT=$(mktemp -d)
trap 'rm -rf "$OUT"' EXIT
$TIME -f "%e %U %S %M" -o "$OUT/time" "$SPOOR" hunt -q -j"$JOBS" \
  --format jsonl "$DIR" > "$OUT/findings.jsonl"
read -r wall user sys rss < "$OUT/time"
found=0
while IFS=$'\t' read -r what src dst; do
  grep -F "\"source\":{\"ip\":\"$src\"}" "$OUT/findings.jsonl" |
    grep -qF "$dst" && found=$((found + 1))
done < "$DIR/truth.tsv"
planted=$(wc -l < "$DIR/truth.tsv")
awk -v n="$N" -v b="$BYTES" -v w="$wall" -v u="$user" -v s="$sys" \
  -v r="$rss" -v f="$found" -v p="$planted" -v j="$JOBS" 'BEGIN {
  cpu = u + s
  printf "network analytics: %d connections, %.0f MB of logs, -j%d\n", n, b / 1e6, j
  printf "  wall %.1f s, CPU %.1f s (user %.1f, sys %.1f), %.2f M conns/s wall, %.2f M conns/s per CPU-second\n", w, cpu, u, s, n / w / 1e6, n / cpu / 1e6
  printf "  peak RSS %.0f MiB; planted cases found: %d of %d\n", r / 1024, f, p
  printf "  extrapolated to 100M connections: wall %.0f s, CPU %.0f s (%.0f s on 2 cores if fully parallel)\n", w * 1e8 / n, cpu * 1e8 / n, cpu * 1e8 / n / 2
  printf "\n| connections | log MB | wall s | CPU s | M conns/s (wall) | peak RSS MiB | planted found |\n"
  printf "|---|---|---|---|---|---|---|\n"
  printf "| %d | %.0f | %.1f | %.1f | %.2f | %.0f | %d/%d |\n", n, b / 1e6, w, cpu, n / w / 1e6, r / 1024, f, p
}'
