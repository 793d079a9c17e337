#!/usr/bin/env bash
# Soak (not CI):   bash bench/soak.sh
#
# SOAK_MINUTES (30) of chat traffic at RATE msg/s (7,500: half the capacity measured with 1,000 chats in
# docs/benchmarks.md) through one hub process, with connection churn: the traffic runs in segments of
# SEGMENT_SECS (60), and every segment is a new loadgen run, so each minute 1,000 visitors and 20 agents
# connect, open new conversations, chat, and leave; the conversations they leave behind are resolved by
# the inactivity rule (inactive_resolve_minutes = 2 here), so live state should stay level.
# The hub's RSS, open file descriptors, data-dir size, SQLite's page caches (switchboard_store_cache_bytes
# per kind of connection) and the machine's load are sampled every SAMPLE_SECS (10); the hub's
# /metrics is kept after every segment (metrics/seg-N.prom), and the summary shows per segment how many
# commits (switchboard_store_commit_seconds: the WAL write and fsync), WAL checkpoints and the writer's
# WAL catch-ups took over 50/100/250 ms, to set beside the segment's delivery p99.9. The RSS is split into
# anonymous memory, mapped files and shared memory (/proc/<pid>/status), and the open conversations
# (switchboard_conversations, queued and assigned) are sampled as well, with the heap in use and the heap
# the allocator holds from the system (switchboard_heap_bytes): in use rising is live data growing, held
# rising alone is the allocator keeping freed memory.
# Results: bench/results/soak-<stamp>/ (segments.jsonl: one loadgen line per segment, samples.tsv,
# metrics/, server.err) and a markdown summary on stdout: RSS and caches over time, p99 per segment and
# overall, slow commits and checkpoints per segment, loss.
# Needs release builds:  cargo build --release -p switchboard -p switchboard-loadgen
set -uo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
source bench/lib.sh
MINUTES=${SOAK_MINUTES:-30}
RATE=${RATE:-7500}
CHATS=${CHATS:-1000}
SEGMENT=${SEGMENT_SECS:-60}
SAMPLE=${SAMPLE_SECS:-10}
BIN=${BIN:-target/release/switchboard}
LOADGEN=${LOADGEN:-target/release/loadgen}
ADMIN=soak-admin-token
OUT=bench/results/soak-$(date -u +%Y%m%dT%H%M%SZ)
DATA=$(mktemp -d)
mkdir -p "$OUT/metrics"
for b in "$BIN" "$LOADGEN"; do
  [[ -x $b ]] || { echo "soak: $b is missing (cargo build --release -p switchboard -p switchboard-loadgen)" >&2; exit 2; }
done
ulimit -n 20000 2>/dev/null || ulimit -n "$(ulimit -Hn)"

# The benchmark configuration, with the inactivity rule brought down to 2 minutes so that the
# conversations of past segments end within the soak ([limits] is the file's last table).
{ cat bench/hub-bench.toml; echo "inactive_resolve_minutes = 2"; } >"$OUT/soak.toml"

HUB="" SAMPLER=""
cleanup() {
  [[ -n $SAMPLER ]] && kill "$SAMPLER" 2>/dev/null
  [[ -n $HUB ]] && kill -TERM "$HUB" 2>/dev/null && wait "$HUB" 2>/dev/null
  rm -rf "$DATA"
}
trap cleanup EXIT
SWITCHBOARD_ADMIN_TOKEN=$ADMIN taskset -c 0 "$BIN" serve --listen 127.0.0.1:0 --data-dir "$DATA" \
  --config "$OUT/soak.toml" >"$OUT/server.out" 2>"$OUT/server.err" &
HUB=$!
PORT=$(listen_port "$OUT/server.out" "$HUB") || { echo "soak: the hub did not start" >&2; cat "$OUT/server.err" >&2; exit 1; }

METRICS="http://127.0.0.1:$PORT/metrics"
scrape() { curl -sf --max-time 5 "$METRICS" >"$1" || echo "soak: no metrics for $1" >&2; }
# BUSY: the machine's busy share of all CPUs since the last call (from /proc/stat), in percent.
PREV_BUSY=0 PREV_TOTAL=0 BUSY=0
busy() {
  local cpu user nice sys idle iowait irq soft steal rest total b
  read -r cpu user nice sys idle iowait irq soft steal rest </proc/stat
  total=$((user + nice + sys + idle + iowait + irq + soft + steal))
  b=$((user + nice + sys + irq + soft + steal))
  ((total > PREV_TOTAL)) && BUSY=$((100 * (b - PREV_BUSY) / (total - PREV_TOTAL)))
  PREV_BUSY=$b PREV_TOTAL=$total
}
START=$(date +%s)
scrape "$OUT/metrics/seg-0.prom"
(
  printf 'elapsed_s\trss_kib\tfds\tdata_mib\tload1\tbusy_pct\tcache_writer\tcache_checkpoint\tcache_reader\topen_convs\tanon_kib\tfile_kib\tshmem_kib\theap_in_use\theap_held\n'
  busy
  while kill -0 "$HUB" 2>/dev/null; do
    rss=$(awk '/^VmRSS:/ {print $2}' "/proc/$HUB/status" 2>/dev/null)
    fds=$(ls "/proc/$HUB/fd" 2>/dev/null | wc -l)
    data=$(du -sm "$DATA" 2>/dev/null | cut -f1)
    store=$(curl -sf --max-time 5 "$METRICS" | awk '
      /^switchboard_store_cache_bytes\{.*connection="writer"/ {w=$NF}
      /^switchboard_store_cache_bytes\{.*connection="checkpoint"/ {c=$NF}
      /^switchboard_store_cache_bytes\{.*connection="reader"/ {r=$NF}
      /^switchboard_conversations\{.*status="(assigned|queued)"/ {o+=$NF}
      /^switchboard_heap_bytes\{.*kind="in_use"/ {hu=$NF}
      /^switchboard_heap_bytes\{.*kind="held"/ {hh=$NF}
      END {printf "%s\t%s\t%s\t%s\t%s\t%s", w+0, c+0, r+0, o+0, hu+0, hh+0}')
    kinds=$(awk '/^RssAnon:/ {a=$2} /^RssFile:/ {f=$2} /^RssShmem:/ {s=$2} END {printf "%s\t%s\t%s", a, f, s}' \
      "/proc/$HUB/status" 2>/dev/null)
    busy
    # The store/metrics columns come before the RSS kinds; the heap pair is moved to the end.
    heap=$(cut -f5- <<<"$store")
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$(($(date +%s) - START))" "$rss" "$fds" "$data" \
      "$(cut -d' ' -f1 /proc/loadavg)" "$BUSY" "$(cut -f1-4 <<<"$store")" "$kinds" "$heap"
    sleep "$SAMPLE"
  done
) >"$OUT/samples.tsv" &
SAMPLER=$!

seg=0
while (($(date +%s) - START < MINUTES * 60)); do
  seg=$((seg + 1))
  taskset -c 1 "$LOADGEN" --target switchboard --url "ws://127.0.0.1:$PORT" --admin-token "$ADMIN" \
    --chats "$CHATS" --rate "$RATE" --duration "$SEGMENT" --drain 10 --server-pid "$HUB" \
    --label "soak-$seg" >>"$OUT/segments.jsonl" 2>>"$OUT/loadgen.err"
  echo "soak: segment $seg done (exit $?) at $(($(date +%s) - START)) s" >&2
  scrape "$OUT/metrics/seg-$seg.prom"
  kill -0 "$HUB" 2>/dev/null || { echo "soak: the hub died" >&2; break; }
done
kill "$SAMPLER" 2>/dev/null
SAMPLER=""
echo "command: SOAK_MINUTES=$MINUTES RATE=$RATE CHATS=$CHATS SEGMENT_SECS=$SEGMENT bash bench/soak.sh" >"$OUT/command.txt"
python3 - "$OUT" <<'EOF'
import json, os, sys
out = sys.argv[1]
segs = [json.loads(l) for l in open(f"{out}/segments.jsonl") if l.strip()]
rows = [l.rstrip("\n").split("\t") for l in open(f"{out}/samples.tsv")][1:]
tot = lambda k: sum(int(s.get(k) or 0) for s in segs)
mib = lambda v: f"{float(v or 0) / 2**20:.0f}"

def hist(path, name):
    """{le: cumulative count} of one histogram in a Prometheus text file ({} if missing)."""
    h = {}
    if os.path.exists(path):
        for l in open(path):
            if l.startswith(name + "_bucket{"):
                le = l.split('le="')[1].split('"')[0]
                h[float("inf") if le == "+Inf" else float(le)] = float(l.split()[-1])
    return h

def slow(seg, name):
    """Observations in segment `seg`, and those over 50, 100 and 250 ms."""
    a, b = hist(f"{out}/metrics/seg-{seg - 1}.prom", name), hist(f"{out}/metrics/seg-{seg}.prom", name)
    if not b:
        return "-"
    d = {le: b[le] - a.get(le, 0) for le in b}
    n = d[float("inf")]
    return f"{n:.0f} / " + " / ".join(f"{n - d.get(le, n):.0f}" for le in (0.05, 0.1, 0.25))

print(f"soak: {len(segs)} segments, results in {out}\n")
print("| minute | hub RSS MiB (anon/file/shmem) | SQLite caches MiB (writer/checkpoint/readers) | open conversations "
      "| heap MiB in use / held | fds | data dir MiB | load avg | machine busy % |\n|---|---|---|---|---|---|---|---|---|")
last = -1
for r in rows:
    t = int(r[0]) // 60
    if t != last and r[1]:
        r += [""] * (15 - len(r))
        kib = lambda v: f"{float(v or 0) / 1024:.0f}"
        c = [float(x or 0) for x in r[6:9]]
        print(f"| {t} | {int(r[1]) / 1024:.0f} ({kib(r[10])}/{kib(r[11])}/{kib(r[12])}) "
              f"| {mib(sum(c))} ({'/'.join(mib(x) for x in c)}) | {r[9]} | {mib(r[13])} / {mib(r[14])} | {r[2]} "
              f"| {r[3]} | {r[4]} | {r[5]} |")
        last = t
print("\n| segment | achieved msg/s | delivery p50 ms | p99 ms | p99.9 ms | max ms | loss | unacked | dups | errors "
      "| hub CPU % | others CPU % | commits / >50 / >100 / >250 ms | checkpoints / >50 / >100 / >250 ms "
      "| WAL catch-ups / >50 / >100 / >250 ms |")
print("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
for i, s in enumerate(segs, 1):
    d = s.get("delivery", {})
    print(f"| {s.get('label')} | {s.get('achieved_rate')} | {d.get('p50_ms')} | {d.get('p99_ms')} | {d.get('p999_ms')} | "
          f"{d.get('max_ms')} | {s.get('loss')} | {s.get('unacked')} | {s.get('dups')} | {s.get('errors')} | "
          f"{s.get('server_cpu_pct')} | {s.get('other_cpu_pct')} | {slow(i, 'switchboard_store_commit_seconds')} | "
          f"{slow(i, 'switchboard_store_checkpoint_seconds')} | {slow(i, 'switchboard_store_wal_catch_up_seconds')} |")
p99 = sorted(s.get("delivery", {}).get("p99_ms") or 0 for s in segs)
print(f"\nsent {tot('sent')} acked {tot('acked')} delivered {tot('delivered')} loss {tot('loss')} "
      f"unacked {tot('unacked')} dups {tot('dups')}; segment p99: median {p99[len(p99)//2] if p99 else '-'} ms, "
      f"worst {p99[-1] if p99 else '-'} ms")
EOF
