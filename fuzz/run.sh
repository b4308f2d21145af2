#!/usr/bin/env bash
# fuzz/run.sh SECONDS [TARGET...] - run the libFuzzer targets built by the
# `fuzz` preset (build/fuzz/fuzz/<name>), each for SECONDS seconds (default
# 60), one after the other; with no TARGET, every fuzz_* binary.
#
# Each target starts from its seed corpus fuzz/corpus/<name>, copied afresh
# into build/fuzz/corpus-work/<name> (the repository corpus is never written)
# and uses fuzz/dict/<name>.dict when it exists. Options: -max_len=65536
# -rss_limit_mb=2048 -timeout=10. Crash, leak, timeout and OOM inputs are
# kept in build/fuzz/artifacts/<name>/, full output in build/fuzz/logs/.
# Prints one line per target (executions, result) and exits 1 if any target
# failed, 2 on a usage or setup error.
set -u

secs=${1:-60}
case $secs in
'' | *[!0-9]*)
  echo "usage: $0 SECONDS [TARGET...]" >&2
  exit 2
  ;;
esac
shift $(($# > 0 ? 1 : 0))

root=$(cd "$(dirname "$0")/.." && pwd)
bin=$root/build/fuzz/fuzz
work=$root/build/fuzz/corpus-work
art=$root/build/fuzz/artifacts
logs=$root/build/fuzz/logs

targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  for f in "$bin"/fuzz_*; do
    [ -f "$f" ] && [ -x "$f" ] && targets+=("$(basename "$f")")
  done
fi
if [ ${#targets[@]} -eq 0 ]; then
  echo "$0: no fuzz targets in $bin (run: cmake --preset fuzz &&" \
    "cmake --build --preset fuzz)" >&2
  exit 2
fi

# Any UBSan report is a failure; leaks are checked per input.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:allocator_may_return_null=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}

mkdir -p "$work" "$art" "$logs"
failed=0
printf '%-20s %12s  %s\n' target executions result
for t in "${targets[@]}"; do
  exe=$bin/$t
  if [ ! -x "$exe" ]; then
    printf '%-20s %12s  %s\n' "$t" - "MISSING ($exe not built)"
    failed=1
    continue
  fi
  rm -rf "${work:?}/$t"
  mkdir -p "$work/$t" "$art/$t"
  if [ -d "$root/fuzz/corpus/$t" ]; then
    cp -R "$root/fuzz/corpus/$t/." "$work/$t/"
  fi
  args=(-max_total_time="$secs" -max_len=65536 -rss_limit_mb=2048 -timeout=10
    -print_final_stats=1 -artifact_prefix="$art/$t/")
  if [ -f "$root/fuzz/dict/$t.dict" ]; then
    args+=(-dict="$root/fuzz/dict/$t.dict")
  fi
  log=$logs/$t.log
  stamp=$logs/.$t.start
  : >"$stamp"
  "$exe" "${args[@]}" "$work/$t" >"$log" 2>&1 </dev/null
  rc=$?
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
  if [ -z "$execs" ]; then # no final stats after a crash: last status line
    execs=$(grep -aoE '^#[0-9]+' "$log" | tail -n 1 | tr -d '#')
  fi
  if [ $rc -eq 0 ]; then
    result=ok
  else
    failed=1
    new=$(find "$art/$t" -type f -newer "$stamp" | sort | paste -sd ' ' -)
    pat='^(SUMMARY: .*|==[0-9]+== ERROR: libFuzzer: .*|fuzz check failed: .*)'
    why=$(grep -aoE "$pat" "$log" | head -n 1)
    result="FAILED (exit $rc): ${why:-see $log}; artifacts: ${new:-none}"
  fi
  rm -f "$stamp"
  printf '%-20s %12s  %s\n' "$t" "${execs:-?}" "$result"
done
exit $failed
