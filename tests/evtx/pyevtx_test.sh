#!/usr/bin/env bash
# pyevtx_test.sh EVTX_DUMP SHARED_DIR - spoor's EVTX reader against Debian's
# python-evtx on every file of EVTX-ATTACK-SAMPLES (record counts per file
# and every System/EventData/UserData value, tests/evtx/pyevtx_compare.py).
# Skips (77) when the shared data is absent (fails in CI) or when
# /usr/bin/python3 has no Evtx module (python3-evtx): a peer tool, not a
# build dependency.
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../shared_data.sh"
dump=$1
dir=$2/data/evtx/EVTX-ATTACK-SAMPLES
spoor_shared_or_skip "$dir"
if ! /usr/bin/python3 -c 'import Evtx.Evtx' 2>/dev/null; then
  echo "SKIP: /usr/bin/python3 has no Evtx module (apt-get install python3-evtx)"
  exit 77
fi
exec /usr/bin/python3 "$here/pyevtx_compare.py" "$dump" "$dir"
