#!/usr/bin/env bash
# The allocator settings side by side (not CI):   bash bench/alloc_ab.sh
#
# The hub sets glibc's malloc to one arena and a fixed mmap threshold at start (src/memory.rs) unless
# the environment tunes malloc; with MALLOC_ARENA_MAX=16 in its environment it keeps glibc's defaults
# (eight arenas a core on this 2-core machine, a moving mmap threshold). This runs RUNS (2) pairs of
# runs, alternating, each on a fresh hub and data dir: CHATS (1,000) chats at RATE msg/s (15,000, the
# capacity measured in docs/benchmarks.md) for SECS (30), and prints one line per run: delivery p50,
# p99, p99.9, loss, the hub's CPU and its RSS at the end.
# Results: bench/results/alloc-ab-<stamp>/ (runs.jsonl, one loadgen line per run, labelled).
# Needs release builds:  cargo build --release -p switchboard -p switchboard-loadgen
set -uo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
source bench/lib.sh
RUNS=${RUNS:-2}
RATE=${RATE:-15000}
CHATS=${CHATS:-1000}
SECS=${SECS:-30}
BIN=${BIN:-target/release/switchboard}
LOADGEN=${LOADGEN:-target/release/loadgen}
ADMIN=ab-admin-token
OUT=bench/results/alloc-ab-$(date -u +%Y%m%dT%H%M%SZ)
mkdir -p "$OUT"
for b in "$BIN" "$LOADGEN"; do
  [[ -x $b ]] || { echo "alloc_ab: $b is missing (cargo build --release -p switchboard -p switchboard-loadgen)" >&2; exit 2; }
done
ulimit -n 20000 2>/dev/null || ulimit -n "$(ulimit -Hn)"

HUB="" DATA=""
stop_hub() {
  [[ -n $HUB ]] && kill -TERM "$HUB" 2>/dev/null && wait "$HUB" 2>/dev/null
  [[ -n $DATA ]] && rm -rf "$DATA"
  HUB="" DATA=""
}
trap stop_hub EXIT

# run LABEL [ENV=VALUE ...]: one fresh hub with that environment, one loadgen run against it.
run() {
  local label=$1 port="" rss
  shift
  DATA=$(mktemp -d)
  env "$@" SWITCHBOARD_ADMIN_TOKEN=$ADMIN taskset -c 0 "$BIN" serve --listen 127.0.0.1:0 --data-dir "$DATA" \
    --config bench/hub-bench.toml >"$OUT/$label.out" 2>"$OUT/$label.err" &
  HUB=$!
  port=$(listen_port "$OUT/$label.out" "$HUB") || { echo "alloc_ab: the hub did not start" >&2; cat "$OUT/$label.err" >&2; exit 1; }
  taskset -c 1 "$LOADGEN" --target switchboard --url "ws://127.0.0.1:$port" --admin-token "$ADMIN" \
    --chats "$CHATS" --rate "$RATE" --duration "$SECS" --drain 10 --server-pid "$HUB" \
    --label "$label" >>"$OUT/runs.jsonl" 2>>"$OUT/loadgen.err"
  rss=$(awk '/^VmRSS:/ {print $2}' "/proc/$HUB/status")
  echo "{\"label\": \"$label\", \"rss_kib\": $rss}" >>"$OUT/rss.jsonl"
  stop_hub
}

for i in $(seq "$RUNS"); do
  run "glibc-defaults-$i" MALLOC_ARENA_MAX=16
  run "one-arena-$i"
done
echo "command: RUNS=$RUNS RATE=$RATE CHATS=$CHATS SECS=$SECS bash bench/alloc_ab.sh" >"$OUT/command.txt"
python3 - "$OUT" <<'EOF'
import json, sys
out = sys.argv[1]
rss = {j["label"]: j["rss_kib"] for j in map(json.loads, open(f"{out}/rss.jsonl"))}
print(f"results in {out}\n")
print("| run | achieved msg/s | p50 ms | p99 ms | p99.9 ms | loss | hub CPU % | others CPU % | hub RSS MiB at the end |")
print("|---|---|---|---|---|---|---|---|---|")
for s in map(json.loads, open(f"{out}/runs.jsonl")):
    d = s.get("delivery", {})
    print(f"| {s['label']} | {s.get('achieved_rate')} | {d.get('p50_ms')} | {d.get('p99_ms')} | {d.get('p999_ms')} "
          f"| {s.get('loss')} | {s.get('server_cpu_pct')} | {s.get('other_cpu_pct')} | {rss.get(s['label'], 0) / 1024:.0f} |")
EOF
