#!/usr/bin/env bash
# net_gen_test.sh GEN SPOOR OUTDIR - generate a month of Zeek logs with
# planted cases (spoor-gen net), hunt them with two workers, and check:
#  - every planted case of truth.tsv is found by its rule;
#  - spoor.net.beacon holds only planted pairs (no background pair, no
#    benign periodic service);
#  - every benign periodic service (NTP, allow-listed update services by
#    CIDR and by DNS name, internal polling) is down-ranked to
#    spoor.net.beacon_benign with a reason, and scores below every planted
#    beacon.
set -euo pipefail
GEN=$1 SPOOR=$2 OUT=$3
rm -rf "$OUT"
mkdir -p "$OUT"
"$GEN" net "$OUT/logs" --conns 300000 --hosts 200 --days 30 --seed 7
"$SPOOR" hunt -j 2 -f jsonl -q "$OUT/logs" > "$OUT/findings.jsonl"
F=$OUT/findings.jsonl
fail=0
has() { # rule src dst
  grep -F "\"id\":\"$1\"" "$F" | grep -F "\"source\":{\"ip\":\"$2\"}" |
    grep -qF "$3"
}
while IFS=$'\t' read -r what src dst; do
  case $what in
  beacon | beacon_daily) rule=spoor.net.beacon ;;
  exfil) rule=spoor.net.exfiltration ;;
  rare) rule=spoor.net.rare_destination ;;
  long) rule=spoor.net.long_connection ;;
  dns_tunnel) rule=spoor.net.dns_tunnel ;;
  *) echo "FAIL: unknown planted case $what"; fail=1; continue ;;
  esac
  if has "$rule" "$src" "$dst"; then
    echo "ok: $what $src -> $dst found ($rule)"
  else
    echo "FAIL: $what $src -> $dst not found as $rule"
    fail=1
  fi
done < "$OUT/logs/truth.tsv"
score() { sed -n 's/.*"score":"\([0-9.]*\)".*/\1/p'; }
# Only planted sources (10.10.0.0/16) in spoor.net.beacon.
other=$(grep -F '"id":"spoor.net.beacon"' "$F" |
  grep -vc '"source":{"ip":"10\.10\.' || true)
if [ "$other" != 0 ]; then
  echo "FAIL: $other spoor.net.beacon findings on unplanted pairs"
  fail=1
fi
# Long connections: only the planted session (busy pairs' many short
# connections must not add up to one).
other=$(grep -F '"id":"spoor.net.long_connection"' "$F" |
  grep -vc '"source":{"ip":"10\.10\.' || true)
if [ "$other" != 0 ]; then
  echo "FAIL: $other spoor.net.long_connection findings on unplanted pairs"
  fail=1
fi
min_planted=$(grep -F '"id":"spoor.net.beacon"' "$F" | score | sort -n | head -1)
for svc in 162.159.200.1 216.239.35.0 13.107.4.50 93.184.221.240 10.0.0.10; do
  n=$(grep -F '"id":"spoor.net.beacon_benign"' "$F" |
    grep -F "\"destination\":{\"ip\":\"$svc\"}" | grep -c '"downranked":"' || true)
  top=$(grep -F '"id":"spoor.net.beacon_benign"' "$F" |
    grep -F "\"destination\":{\"ip\":\"$svc\"}" | score | sort -n | tail -1)
  bad=$(grep -F '"id":"spoor.net.beacon"' "$F" |
    grep -cF "\"destination\":{\"ip\":\"$svc\"}" || true)
  if [ "$n" -lt 1 ] || [ "$bad" != 0 ] ||
    ! awk -v a="$top" -v b="$min_planted" 'BEGIN { exit !(a < b) }'; then
    echo "FAIL: benign $svc: $n down-ranked (top score $top), $bad as beacons, planted min $min_planted"
    fail=1
  else
    echo "ok: benign $svc down-ranked on $n pairs, top score $top < $min_planted"
  fi
done
exit $fail
