#!/usr/bin/env bash
# Cluster mode against one node, with the load generator (docs/benchmarks.md, "Cluster mode"):
#   single  - one node on the embedded store (SQLite)
#   leader  - a cluster node holding the lease, on Redis (appendfsync always), clients connected to it
#   gateway - the same cluster, clients connected to the second node, which relays them to the leader
# Usage: bash bench/cluster.sh [RATES...]   (default: 1000 5000 10000 msg/s; CHATS=200, DURATION=10)
# Needs release builds (cargo build --release -p switchboard -p switchboard-loadgen) and redis-server.
set -euo pipefail
cd "$(dirname "$0")/.."
RATES=("${@:-1000 5000 10000}")
read -r -a RATES <<<"${RATES[*]}"
CHATS=${CHATS:-200}
DURATION=${DURATION:-10}
BIN=${SWITCHBOARD_BIN:-target/release/switchboard}
LOADGEN=${LOADGEN_BIN:-target/release/loadgen}
TOKEN=bench-admin-token
TMP=$(mktemp -d)
PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill -9 "$p" 2>/dev/null || true; done
  rm -rf "$TMP"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# start NAME CONFIG -> prints the port once the node prints its address (and PATTERN, if given)
start() {
  local name=$1 config=$2 pattern=${3:-}
  mkdir -p "$TMP/$name"
  SWITCHBOARD_ADMIN_TOKEN=$TOKEN taskset -c 0 "$BIN" serve --listen 127.0.0.1:0 --data-dir "$TMP/$name" \
    --config "$config" >"$TMP/$name.out" 2>"$TMP/$name.err" &
  PIDS+=($!)
  disown
  for _ in $(seq 300); do
    port=$(sed -n 's/^switchboard listening on http:\/\/127\.0\.0\.1:\([0-9]*\).*/\1/p' "$TMP/$name.out" | head -1)
    if [[ -n $port ]] && { [[ -z $pattern ]] || grep -q "$pattern" "$TMP/$name.out"; }; then
      echo "$port"
      return
    fi
    sleep 0.1
  done
  echo "$name did not start" >&2
  cat "$TMP/$name.err" >&2
  exit 1
}

run() {
  local label=$1 port=$2 rate=$3
  local line
  line=$(taskset -c 1 "$LOADGEN" --target switchboard --url "ws://127.0.0.1:$port" --admin-token $TOKEN \
    --chats "$CHATS" --rate "$rate" --duration "$DURATION" --drain 10 --threads 1 2>/dev/null || true)
  python3 - "$label" "$rate" "$line" <<'PY'
import json, sys
label, rate, line = sys.argv[1], sys.argv[2], sys.argv[3]
try:
    r = json.loads(line)
except Exception:
    print(f"| {label} | {rate} | failed | | | | | |"); sys.exit()
d = r.get("delivery", {})
print(f"| {label} | {rate} | {r.get('achieved_rate', '')} | {d.get('p50_ms', '')} | {d.get('p99_ms', '')} | "
      f"{r.get('loss', '')} / {r.get('dups', '')} | {r.get('unacked', '')} | {r.get('errors', {})} |")
PY
}

echo "| setup | target msg/s | achieved | delivery p50 ms | delivery p99 ms | lost / dups | unacked | errors |"
echo "|---|---|---|---|---|---|---|---|"
for rate in "${RATES[@]}"; do
  port=$(start single bench/hub-bench.toml)
  run single "$port" "$rate"
  for p in "${PIDS[@]}"; do kill -9 "$p" 2>/dev/null || true; done
  PIDS=()

  rport=$(free_port)
  rm -rf "$TMP/redis" && mkdir -p "$TMP/redis"
  redis-server --port "$rport" --bind 127.0.0.1 --save "" --appendonly yes --appendfsync always \
    --dir "$TMP/redis" >/dev/null 2>&1 &
  PIDS+=($!)
  disown
  until redis-cli -p "$rport" ping >/dev/null 2>&1; do sleep 0.1; done
  for n in a b; do
    { cat bench/hub-bench.toml; printf '\n[cluster]\nredis_url = "redis://127.0.0.1:%s/0"\nnode_id = "hub-%s"\n' "$rport" "$n"; } \
      >"$TMP/$n.toml"
  done
  aport=$(start a "$TMP/a.toml" "hub-a: leading")
  bport=$(start b "$TMP/b.toml" "hub-b: gateway")
  run leader "$aport" "$rate"
  run gateway "$bport" "$rate"
  for p in "${PIDS[@]}"; do kill -9 "$p" 2>/dev/null || true; done
  PIDS=()
done
