#!/usr/bin/env bash
# bench/net.sh - network reader benchmark: Zeek TSV conn.log parsing and
# pcap metadata extraction, beside the simplest tools over the same bytes.
#
# usage: bench/net.sh [SIZE] [PCAP_SIZE]   defaults 1G and 1G (K/M/G suffix)
# env:   BENCH_DIR  data folder   (default build/bench-data)
#        LIB        libspoor.a    (default build/release/libspoor.a)
#        RUNS       runs per tool (default 3; the median is reported)
#
# Data (generated once, reused while the size marker matches):
#   net/conn.log     bench/gen_conn.awk: Zeek 6 conn.log layout, 5,000
#                    internal hosts, 20,000 servers, tcp/udp, the usual
#                    services and conn_states
#   net/conn.log.gz  the same, gzipped
#   net/bench.pcap   bench/gen_pcap.c: HTTP and TLS connections, DNS pairs
# Rows: spoor's reader alone (bench/net_parse.c: one thread, no detectors;
# MB/s from its own CPU time), `spoor hunt -j1` end to end, and cat, zcat,
# `cut -f3,5`, `awk` (counting lines) and tshark (when installed) on the same
# files. Peak RSS from GNU time. The page cache is warmed first.
set -euo pipefail

SIZE=${1:-1G}
PSIZE=${2:-1G}
BENCH_DIR=${BENCH_DIR:-build/bench-data}
LIB=${LIB:-build/release/libspoor.a}
SPOOR=${SPOOR:-build/release/spoor}
RUNS=${RUNS:-3}
TIME=/usr/bin/time
die() { echo "bench/net: $*" >&2; exit 1; }
bytes() {
  local n=${1%[KkMmGg]} u=${1: -1}
  case $u in K|k) echo $((n << 10));; M|m) echo $((n << 20));;
    G|g) echo $((n << 30));; *) echo "$1";; esac
}
[[ -f $LIB && -x $SPOOR ]] || die "build the release preset first"
[[ -x $TIME ]] || die "GNU time is required at $TIME"
D="$BENCH_DIR/net"
mkdir -p "$D"
TOOLS="$D/tools"
mkdir -p "$TOOLS"
cc -O2 -std=c17 -D_GNU_SOURCE -Iinclude -Isrc bench/net_parse.c "$LIB" \
  $(pkg-config --libs yara libpcap) -lz -lcrypto -lpthread -lm \
  -o "$TOOLS/net_parse"
cc -O2 -std=c17 bench/gen_pcap.c -o "$TOOLS/gen_pcap"

WANT="conn=$SIZE pcap=$PSIZE"
if [[ "$(cat "$D/marker" 2>/dev/null)" != "$WANT" ]]; then
  echo "bench/net: generating $SIZE of conn.log and $PSIZE of pcap in $D"
  awk -v SIZE="$(bytes "$SIZE")" -v SEED=1 -f bench/gen_conn.awk > "$D/conn.log"
  gzip -1 -c "$D/conn.log" > "$D/conn.log.gz"
  "$TOOLS/gen_pcap" "$D/bench.pcap" "$(bytes "$PSIZE")" 1
  echo "$WANT" > "$D/marker"
fi
cat "$D/conn.log" "$D/conn.log.gz" "$D/bench.pcap" > /dev/null

# measure NAME FILE CMD... : median CPU seconds (user + system, so a busy
# shared machine does not count against a tool), wall seconds and peak RSS
# over RUNS. MB/s per core = file bytes / CPU seconds.
measure() {
  local name=$1 file=$2; shift 2
  local cs=() ws=() rss=0 out
  for ((r = 0; r < RUNS; r++)); do
    out=$({ $TIME -f '%U %S %e %M' "$@" > /dev/null; } 2>&1 | tail -1)
    read -r u s e m <<< "$out"
    cs+=("$(awk -v u="$u" -v s="$s" 'BEGIN {print u + s}')")
    ws+=("$e")
    (( m > rss )) && rss=$m
  done
  local cmed wmed sz
  cmed=$(printf '%s\n' "${cs[@]}" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
  wmed=$(printf '%s\n' "${ws[@]}" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
  sz=$(stat -c %s "$file")
  awk -v n="$name" -v t="$cmed" -v w="$wmed" -v s="$sz" -v m="$rss" 'BEGIN {
    if (t <= 0) t = 0.01
    printf "| %s | %.2f | %.2f | %.0f | %.0f |\n", n, t, w, s / 1e6 / t, m / 1024 }'
}

echo
echo "conn.log: $(stat -c %s "$D/conn.log") bytes, $(grep -vc '^#' "$D/conn.log") records"
echo
echo "| tool (one core) | CPU s | wall s | MB/s per core | peak RSS MiB |"
echo "|---|---|---|---|---|"
measure "spoor zeek reader (net_parse)" "$D/conn.log" "$TOOLS/net_parse" zeek "$D/conn.log"
measure "spoor hunt -j1" "$D/conn.log" "$SPOOR" hunt -q -j1 --format jsonl "$D/conn.log"
measure "cat" "$D/conn.log" cat "$D/conn.log"
measure "cut -f3,5" "$D/conn.log" cut -f3,5 "$D/conn.log"
measure "awk (count lines)" "$D/conn.log" awk 'END {print NR}' "$D/conn.log"
measure "spoor zeek reader, .gz" "$D/conn.log" "$TOOLS/net_parse" zeek "$D/conn.log.gz"
measure "zcat" "$D/conn.log" zcat "$D/conn.log.gz"
echo
echo "reader CPU time alone (net_parse):"
"$TOOLS/net_parse" zeek "$D/conn.log" "$RUNS"
echo
echo "pcap: $(stat -c %s "$D/bench.pcap") bytes"
echo
echo "| tool (one core) | CPU s | wall s | MB/s per core | peak RSS MiB |"
echo "|---|---|---|---|---|"
measure "spoor pcap reader (net_parse)" "$D/bench.pcap" "$TOOLS/net_parse" pcap "$D/bench.pcap"
measure "cat" "$D/bench.pcap" cat "$D/bench.pcap"
if command -v tshark > /dev/null; then
  measure "tshark -q -z conv,tcp" "$D/bench.pcap" tshark -n -r "$D/bench.pcap" -q -z conv,tcp
  measure "tshark -T fields (dns/http/tls)" "$D/bench.pcap" tshark -n -r "$D/bench.pcap" \
    -T fields -e ip.src -e ip.dst -e dns.qry.name -e http.host -e tls.handshake.extensions_server_name
else
  echo "(tshark not installed: Debian package tshark; rows skipped)"
fi
echo
echo "pcap reader CPU time alone (net_parse):"
"$TOOLS/net_parse" pcap "$D/bench.pcap" "$RUNS"
