#!/usr/bin/env bash
# Reproduces every table in docs/benchmarks.md:   bash bench/run.sh [--quick]
#
# Builds everything in release, installs the Node relays' dependencies, then runs with the server under
# test pinned to CPU 0 and the generator to CPU 1 (taskset):
#   idle density (memory per idle visitor connection), connection setup rate, and the routing sweep
#   (rising rates until p99 > 5 ms or any loss) for Switchboard and the three relays.
# Every point runs against a fresh server (new data dir), RUNS times; medians are reported.
# Raw JSON lines go to bench/results/raw-<stamp>.jsonl, the summary to bench/results/summary-<stamp>.json
# (and latest.json), the disk's sync latency before and after the routing sweep to fsync-<stamp>.txt,
# and markdown tables to stdout.
#
# A/B of hub builds: a kind named `switchboard-<tag>` runs the binary `$HUB_DIR/switchboard-<tag>`
# (copy the builds there first), and INTERLEAVE=1 runs the routing sweep rate by rate, run by run, kind
# by kind, so that two builds are measured in alternation within the same minutes:
#   (HUB_CONFIG names another config file for the hub, one that every build measured accepts)
#   HUB_DIR=/tmp/hubs KINDS="switchboard-before switchboard-after" PHASES=route INTERLEAVE=1 \
#     RATES="10000 15000 20000" CHAT_SIZES=1000 RUNS=5 bash bench/run.sh
set -uo pipefail # no -e: a failing benchmark point is a result, not an abort

ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
source bench/lib.sh
QUICK=0
for a in "$@"; do
  case $a in
    --quick) QUICK=1 ;;
    *) echo "usage: bash bench/run.sh [--quick]" >&2; exit 2 ;;
  esac
done
if ((QUICK)); then
  RUNS=1 DUR=2 IDLE_SIZES="1000 5000" CHAT_SIZES="1000" CONNECT_N=5000
  RATES="1000 5000 20000 50000 100000"
else
  RUNS=${RUNS:-3} DUR=${DUR:-5} IDLE_SIZES="1000 5000 10000 19000" CHAT_SIZES=${CHAT_SIZES:-"1000 5000"} CONNECT_N=10000
  # Steps of 5,000 from 10,000 to 50,000, where the hub and relay-rust reach their limits, so that a ratio
  # between two servers is not decided by the width of a step.
  RATES=${RATES:-"1000 2000 5000 10000 15000 20000 25000 30000 35000 40000 45000 50000 60000 80000 100000 120000 150000"}
fi
KINDS=${KINDS:-"switchboard relay-rust relay-ws relay-socketio"}
PHASES=${PHASES:-"idle connect route"} # a subset reruns only those phases (the tables cover what ran)
P99_MAX_MS=5
# The sweep goes on past the 5 ms limit while a looser one still holds, so that every server also gets a
# capacity figure (the highest rate it keeps up with, no loss, p99 <= 50 ms).
CAP_P99_MS=${CAP_P99_MS:-50}
# Wait up to this many seconds before each point for other load on the machine to go away.
QUIET_WAIT=${QUIET_WAIT:-10}
# A point during which other processes used more than NOISE_MAX % of a CPU is measured again, at most
# NOISE_RETRIES times (the last attempt is kept either way, with its other_cpu_pct).
NOISE_MAX=${NOISE_MAX:-20} NOISE_RETRIES=${NOISE_RETRIES:-2}
SCPU=0 GCPU=1
ADMIN=bench-admin-token
STAMP=$(date -u +%Y%m%dT%H%M%SZ)
RES=bench/results
RAW=$RES/raw-$STAMP.jsonl
mkdir -p "$RES"

# 19k connections need as many descriptors; 20,000 is this machine's per-process ceiling.
ulimit -n 20000 2>/dev/null || ulimit -n "$(ulimit -Hn)"
echo "open files limit: $(ulimit -n)" >&2

echo "== build" >&2
cargo build --release -p switchboard-loadgen -p switchboard-relay-rust >&2 || exit 1
if [[ " $KINDS " == *" switchboard "* ]] && ! cargo build --release -p switchboard >&2; then
  # The hub is developed concurrently; a half-edited tree should not block measuring the last good build.
  [[ -x target/release/switchboard ]] || exit 1
  echo "WARNING: the hub did not build; measuring the existing target/release/switchboard" >&2
fi
[[ -x target/release/switchboard ]] && echo "hub binary: $(sha256sum target/release/switchboard | cut -c1-16) $(date -r target/release/switchboard -u +%FT%TZ)" >&2
for d in bench/relay-ws bench/relay-socketio; do
  (cd "$d" && npm ci --no-audit --no-fund --loglevel=error >&2) || exit 1
done
LOADGEN=target/release/loadgen

SPID="" SURL="" STMP=""
start_server() { # $1: kind -> SPID, SURL
  STMP=$(mktemp -d)
  case $1 in
    switchboard*)
      local bin=target/release/switchboard cfg=${HUB_CONFIG:-bench/hub-bench.toml}
      [[ $1 == switchboard-* ]] && bin=$HUB_DIR/$1
      # A build may need its own config (keys an older build refuses): $HUB_DIR/<kind>.toml if present.
      [[ $1 == switchboard-* && -f $HUB_DIR/$1.toml ]] && cfg=$HUB_DIR/$1.toml
      SWITCHBOARD_ADMIN_TOKEN=$ADMIN taskset -c $SCPU "$bin" serve --listen 127.0.0.1:0 \
        --data-dir "$STMP/data" --config "$cfg" >"$STMP/out" 2>"$STMP/err" &
      ;;
    relay-rust) taskset -c $SCPU target/release/relay-rust --listen 127.0.0.1:0 >"$STMP/out" 2>"$STMP/err" & ;;
    relay-ws) taskset -c $SCPU node bench/relay-ws/relay.js --listen 127.0.0.1:0 >"$STMP/out" 2>"$STMP/err" & ;;
    relay-socketio) taskset -c $SCPU node bench/relay-socketio/relay.js --listen 127.0.0.1:0 >"$STMP/out" 2>"$STMP/err" & ;;
  esac
  SPID=$!
  local port
  if port=$(listen_port "$STMP/out" "$SPID" 200); then
    SURL="ws://127.0.0.1:$port"
    return 0
  fi
  echo "server $1 did not start:" >&2
  cat "$STMP/err" >&2
  return 1
}

stop_server() {
  kill -TERM "$SPID" 2>/dev/null
  for _ in $(seq 100); do kill -0 "$SPID" 2>/dev/null || break; sleep 0.1; done
  kill -KILL "$SPID" 2>/dev/null
  wait "$SPID" 2>/dev/null
  rm -rf "$STMP"
}

target_of() { case $1 in switchboard*) echo switchboard ;; relay-socketio) echo socketio ;; *) echo relay ;; esac; }

# One measurement against a fresh server; appends {bench, kind, ...loadgen JSON} to RAW and echoes it.
point() { # $1 bench name, $2 kind, rest: loadgen args
  local bench=$1 kind=$2 line try
  shift 2
  for try in $(seq $((NOISE_RETRIES + 1))); do
    BUSY_BEFORE=$(python3 bench/report.py quiet "$QUIET_WAIT")
    export BUSY_BEFORE
    if ! start_server "$kind"; then
      line='{"mode":"error","error":"server did not start","pass":false}'
    else
      line=$(taskset -c $GCPU "$LOADGEN" --target "$(target_of "$kind")" --url "$SURL" --admin-token "$ADMIN" \
        --server-pid "$SPID" "$@" 2>>"$RES/loadgen-$STAMP.log" | grep '^{' | tail -1)
      [[ -n $line ]] || line='{"mode":"error","error":"loadgen printed no result","pass":false}'
      stop_server
    fi
    line=$(python3 bench/report.py tag "$bench" "$kind" "$try" <<<"$line")
    # Other sessions' builds share the two CPUs: measure again when they took a real share of them.
    python3 bench/report.py noisy "$NOISE_MAX" <<<"$line" || break
    echo "  (other processes used >${NOISE_MAX}% of a CPU during that point; measuring again)" >&2
  done
  echo "$line" >>"$RAW"
  echo "$line"
}

[[ " $PHASES " == *" idle "* ]] && echo "== idle density" >&2
[[ " $PHASES " == *" idle "* ]] && for kind in $KINDS; do
  for n in $IDLE_SIZES; do
    for r in $(seq "$RUNS"); do
      point idle "$kind" --idle "$n" --hold 3 --label "run$r" | python3 bench/report.py brief >&2
    done
  done
done

[[ " $PHASES " == *" connect "* ]] && echo "== connection setup" >&2
[[ " $PHASES " == *" connect "* ]] && for kind in $KINDS; do
  for r in $(seq "$RUNS"); do
    point connect "$kind" --connect "$CONNECT_N" --concurrency 64 --label "run$r" | python3 bench/report.py brief >&2
  done
done

# The disk's sync latency bounds the hub's tail and varies by the hour here: note it before and after.
fsync_probe() { python3 bench/fsync_probe.py "$RES" | tee -a "$RES/fsync-$STAMP.txt" >&2; }
[[ " $PHASES " == *" route "* ]] && fsync_probe
[[ " $PHASES " == *" route "* ]] && echo "== routing sweep (zero loss; p99 <= ${P99_MAX_MS} ms, and on up to p99 <= ${CAP_P99_MS} ms)" >&2
[[ " $PHASES " == *" route "* ]] && ! ((${INTERLEAVE:-0})) && for kind in $KINDS; do
  for chats in $CHAT_SIZES; do
    for rate in $RATES; do
      out=""
      for r in $(seq "$RUNS"); do
        line=$(point route "$kind" --chats "$chats" --rate "$rate" --duration "$DUR" --drain 5 --label "run$r")
        python3 bench/report.py brief <<<"$line" >&2
        out+="$line"$'\n'
        # Stop early once a majority of runs failed: the point cannot pass any more.
        python3 bench/report.py can-pass "$CAP_P99_MS" "$RUNS" <<<"$out" || break
      done
      python3 bench/report.py point-pass "$CAP_P99_MS" <<<"$out" || break
    done
  done
done

# Interleaved A/B: every kind at every rate and run, in alternation; no early stop (each point is data).
[[ " $PHASES " == *" route "* ]] && ((${INTERLEAVE:-0})) && for chats in $CHAT_SIZES; do
  for rate in $RATES; do
    for r in $(seq "$RUNS"); do
      for kind in $KINDS; do
        point route "$kind" --chats "$chats" --rate "$rate" --duration "$DUR" --drain 5 --label "run$r" |
          python3 bench/report.py brief >&2
      done
    done
  done
done

[[ " $PHASES " == *" route "* ]] && fsync_probe
python3 bench/report.py tables "$P99_MAX_MS" "$CAP_P99_MS" "$RAW" "$RES/summary-$STAMP.json" | tee "$RES/tables-$STAMP.md"
cp "$RES/summary-$STAMP.json" "$RES/latest.json"
echo "raw results: $RAW" >&2
