#!/usr/bin/env bash
# CI smoke for the load generator: a real hub (temp data dir, bench/hub-bench.toml), 100 chats for 2 s at
# a modest rate. Fails on any lost, duplicated, unacknowledged or undelivered message, or a setup error.
# No timing assertions: CI machines are shared and timing is not what this checks.
#   bash bench/smoke.sh            (uses $SWITCHBOARD_BIN, else target/{release,debug}/switchboard, building if needed)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
source bench/lib.sh
TD=${CARGO_TARGET_DIR:-target}
BIN=${SWITCHBOARD_BIN:-}
if [[ -z $BIN ]]; then
  for p in release debug; do [[ -x $TD/$p/switchboard ]] && { BIN=$TD/$p/switchboard; break; }; done
fi
if [[ -z $BIN ]]; then
  cargo build -p switchboard
  BIN=$TD/debug/switchboard
fi
LOADGEN=${LOADGEN_BIN:-}
if [[ -z $LOADGEN ]]; then
  for p in release debug; do [[ -x $TD/$p/loadgen ]] && { LOADGEN=$TD/$p/loadgen; break; }; done
fi
if [[ -z $LOADGEN ]]; then
  cargo build -p switchboard-loadgen
  LOADGEN=$TD/debug/loadgen
fi

TMP=$(mktemp -d)
HUB=""
cleanup() {
  [[ -n $HUB ]] && kill -TERM "$HUB" 2>/dev/null && wait "$HUB" 2>/dev/null
  rm -rf "$TMP"
}
trap cleanup EXIT
SWITCHBOARD_ADMIN_TOKEN=smoke-admin-token "$BIN" serve --listen 127.0.0.1:0 --data-dir "$TMP/data" \
  --config bench/hub-bench.toml >"$TMP/out" 2>"$TMP/err" &
HUB=$!
PORT=$(listen_port "$TMP/out" "$HUB") || PORT=""
if [[ -z $PORT ]]; then
  echo "smoke: the hub did not start" >&2
  cat "$TMP/err" >&2
  exit 1
fi
set +e
"$LOADGEN" --target switchboard --url "ws://127.0.0.1:$PORT" --admin-token smoke-admin-token \
  --chats 100 --agents 5 --rate 500 --duration 2 --drain 10 --threads 1
rc=$?
set -e
if ((rc != 0)); then
  echo "smoke: loadgen failed (exit $rc); hub log tail:" >&2
  tail -20 "$TMP/err" >&2
  exit 1
fi
echo "smoke: 100 chats, no lost or duplicated message"
