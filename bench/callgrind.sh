#!/usr/bin/env bash
# User-space instructions per routed message, counted with callgrind: repeatable whatever else the
# machine is doing. For each hub binary given: a 6 s and a 2 s run of 200 chats at 1,000 msg/s under
# `valgrind --tool=callgrind`; (I(6 s) - I(2 s)) / 4,000 messages cancels start-up and set-up.
#   bash bench/callgrind.sh /tmp/hubs/switchboard-before /tmp/hubs/switchboard-after
# HUB_CONFIG: the hub's config file (default bench/hub-bench.toml). Prints "binary: N instructions/msg".
# CALLGRIND_KEEP=DIR keeps each profile as DIR/<binary name>-<seconds>s.out, for callgrind_annotate.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
source bench/lib.sh
LOADGEN=${LOADGEN:-target/release/loadgen}
CONFIG=${HUB_CONFIG:-bench/hub-bench.toml}
ADMIN=bench-admin-token
count() { # $1 binary, $2 seconds -> instructions
  local tmp out port pid
  tmp=$(mktemp -d)
  SWITCHBOARD_ADMIN_TOKEN=$ADMIN valgrind --tool=callgrind --callgrind-out-file="$tmp/cg.out" \
    "$1" serve --listen 127.0.0.1:0 --data-dir "$tmp/data" --config "$CONFIG" >"$tmp/out" 2>"$tmp/err" &
  pid=$!
  # Under valgrind the hub starts slowly: up to a minute.
  if ! port=$(listen_port "$tmp/out" "$pid" 600); then
    echo "callgrind: $1 did not start" >&2
    cat "$tmp/err" >&2
    kill "$pid" 2>/dev/null
    rm -rf "$tmp"
    exit 1
  fi
  "$LOADGEN" --target switchboard --url "ws://127.0.0.1:$port" --admin-token "$ADMIN" --chats 200 --rate 1000 \
    --duration "$2" --drain 20 >"$tmp/load" 2>&1 || true
  grep -q '"loss":0' "$tmp/load" || echo "warning: $1 ${2}s lost messages" >&2
  kill -TERM "$pid"; wait "$pid" 2>/dev/null || true
  out=$(sed -n 's/^summary: \([0-9]*\).*/\1/p' "$tmp/cg.out" | head -1)
  if [[ -n ${CALLGRIND_KEEP:-} ]]; then
    mkdir -p "$CALLGRIND_KEEP"
    cp "$tmp/cg.out" "$CALLGRIND_KEEP/$(basename "$1")-${2}s.out"
  fi
  rm -rf "$tmp"
  echo "$out"
}
for bin in "$@"; do
  long=$(count "$bin" 6)
  short=$(count "$bin" 2)
  echo "$bin: $(( (long - short) / 4000 )) instructions/msg (6 s: $long, 2 s: $short)"
done
