#!/usr/bin/env bash
# Cluster mode (spec 6) against one node and against a Socket.IO cluster, with the same load generator
# in the same run (docs/benchmarks.md, "Cluster mode"; bench/README.md). Setups:
#   single   - one node on the embedded store (SQLite)
#   leader   - a two-node cluster on Redis, every client on the node holding the lease
#   gateway  - the same cluster, every client on the second node, which serves their WebSockets and
#              forwards their events to the leader (Redis streams both ways)
#   split    - the same cluster, visitors on the second node and agents on the leader (no proxy: the
#              counterpart of the socketio setup's split)
#   proxy    - the same cluster behind nginx (deploy/nginx.conf, one worker): every connection goes
#              through nginx, which round-robins it over both nodes, so visitors and agents are spread
#   socketio - bench/relay-socketio-cluster on two Node processes with @socket.io/redis-streams-adapter:
#              visitors on one process, agents on the other, so every message crosses Redis
# Every point runs against fresh processes (a new redis-server with appendfsync always, new data dirs).
# Per point: routed msg/s, delivery latency, CPU time per routed message of every process (each node,
# nginx, redis-server, each Node process) over the traffic window, and Redis commands per routed message
# (CONFIG RESETSTAT before the traffic, INFO commandstats after). Each setup's sweep goes up the rates
# until a point loses a message or its p99 passes CAP_P99_MS. Then idle weight: IDLE_N idle visitors
# (hello done) on a single node, and on the second node of a cluster, RSS growth of each process.
#
# Usage: bash bench/cluster.sh [RATES...]   (default: 500 1000 2000 3000 5000 7500 10000 15000 20000 msg/s; low rates
#   first: the Socket.IO cluster's limit is far below the hub's, and a ratio needs both)
#   env: CHATS=200 DURATION=10 DRAIN=5 IDLE_N=2000 SETUPS="single leader gateway split proxy socketio"
#        CAP_P99_MS=50 QUIET_WAIT=5 (seconds to wait for the CPUs to go idle before each point)
# Needs release builds (cargo build --release -p switchboard -p switchboard-loadgen), redis-server,
# nginx and node (npm ci runs in bench/relay-socketio-cluster when node_modules is missing).
# Writes bench/results/cluster-<stamp>.md (the tables) and cluster-<stamp>.jsonl (every point, raw).
set -uo pipefail # no -e: a failing point is a result, not an abort
cd "$(dirname "$0")/.."
RATES=("${@:-500 1000 2000 3000 5000 7500 10000 15000 20000}")
read -r -a RATES <<<"${RATES[*]}"
CHATS=${CHATS:-200}
DURATION=${DURATION:-10}
DRAIN=${DRAIN:-5}
IDLE_N=${IDLE_N:-2000}
SETUPS=${SETUPS:-single leader gateway split proxy socketio}
P99_MS=5
CAP_P99_MS=${CAP_P99_MS:-50}
QUIET_WAIT=${QUIET_WAIT:-5}
BIN=${SWITCHBOARD_BIN:-target/release/switchboard}
LOADGEN=${LOADGEN_BIN:-target/release/loadgen}
SIO=bench/relay-socketio-cluster
TOKEN=bench-admin-token
STAMP=$(date -u +%Y%m%dT%H%MZ)
RES=bench/results
RAW=$RES/cluster-$STAMP.jsonl
OUT=$RES/cluster-$STAMP.md
TMP=$(mktemp -d)
PIDS=()
mkdir -p "$RES"
ulimit -n 20000 2>/dev/null || ulimit -n "$(ulimit -Hn)"

stop_all() {
  for p in "${PIDS[@]}"; do kill -9 "$p" 2>/dev/null || true; done
  for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
  PIDS=()
}
cleanup() {
  stop_all
  rm -rf "$TMP"
}
trap cleanup EXIT

die() { echo "$*" >&2; exit 1; }
for b in "$BIN" "$LOADGEN"; do [[ -x $b ]] || die "$b missing: cargo build --release -p switchboard -p switchboard-loadgen"; done
"$LOADGEN" --help | grep -q -- --watch || die "$LOADGEN predates --watch: cargo build --release -p switchboard-loadgen"
for t in redis-server redis-cli nginx node; do command -v $t >/dev/null || [[ -x /usr/sbin/$t ]] || die "$t is not installed"; done
if [[ " $SETUPS " == *" socketio "* && ! -d $SIO/node_modules ]]; then
  (cd $SIO && npm ci --no-audit --no-fund --loglevel=error >&2) || die "npm ci failed in $SIO"
fi

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# wait_out FILE PATTERN PID -> PORT from "... listening on (ws|http)://127.0.0.1:PORT" once PATTERN shows
# (no command substitution around the starters: the pids they record must stay in this shell)
wait_out() {
  local file=$1 pattern=$2 pid=$3
  for _ in $(seq 300); do
    PORT=$(sed -n 's/.*listening on [a-z]*:\/\/127\.0\.0\.1:\([0-9]*\).*/\1/p' "$file" | head -1)
    if [[ -n $PORT ]] && grep -q "$pattern" "$file"; then return 0; fi
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  return 1
}

# node NAME CONFIG PATTERN -> PORT, PID_<name> (the hub pinned to core 0, as in bench/run.sh)
node_start() {
  local name=$1 config=$2 pattern=$3
  mkdir -p "$TMP/$name"
  SWITCHBOARD_ADMIN_TOKEN=$TOKEN taskset -c 0 "$BIN" serve --listen 127.0.0.1:0 --data-dir "$TMP/$name" \
    --config "$config" >"$TMP/$name.out" 2>"$TMP/$name.err" &
  local pid=$!
  PIDS+=("$pid")
  eval "PID_$name=$pid"
  wait_out "$TMP/$name.out" "$pattern" "$pid" || { echo "node $name did not start:" >&2; tail -5 "$TMP/$name.err" >&2; return 1; }
}

# redis-server on a free port, AOF fsynced on every write, not pinned -> RPORT, RPID
redis_start() {
  RPORT=$(free_port)
  rm -rf "$TMP/redis" && mkdir -p "$TMP/redis"
  redis-server --port "$RPORT" --bind 127.0.0.1 --save "" --appendonly yes --appendfsync always \
    --dir "$TMP/redis" >"$TMP/redis.log" 2>&1 &
  RPID=$!
  PIDS+=("$RPID")
  for _ in $(seq 100); do redis-cli -p "$RPORT" ping >/dev/null 2>&1 && return 0; sleep 0.1; done
  echo "redis-server did not start" >&2
  return 1
}

# Two cluster nodes on this Redis: hub-a leads, hub-b is a gateway -> APORT, BPORT, PID_a, PID_b
cluster_start() {
  redis_start || return 1
  for n in a b; do
    { cat bench/hub-bench.toml
      printf '\n[cluster]\nredis_url = "redis://127.0.0.1:%s/0"\nnode_id = "hub-%s"\n' "$RPORT" "$n"; } >"$TMP/$n.toml"
  done
  node_start a "$TMP/a.toml" "hub-a: leading" || return 1
  APORT=$PORT
  node_start b "$TMP/b.toml" "hub-b: gateway" || return 1
  BPORT=$PORT
}

# nginx with deploy/nginx.conf (as tests/deploy.rs runs it), one worker pinned to core 0 -> NPORT, NWORKER
nginx_start() {
  NPORT=$(free_port)
  mkdir -p "$TMP/nginx/logs"
  sed -e "s/hub-a:8080/127.0.0.1:$APORT/" -e "s/hub-b:8080/127.0.0.1:$BPORT/" \
    -e "s/listen 8080;/listen 127.0.0.1:$NPORT;/" \
    -e "s/worker_processes auto;/worker_processes 1;\npid nginx.pid;\nerror_log stderr;/" \
    deploy/nginx.conf >"$TMP/nginx/nginx.conf"
  taskset -c 0 nginx -p "$TMP/nginx" -c "$TMP/nginx/nginx.conf" -g 'daemon off;' >"$TMP/nginx.out" 2>&1 &
  local master=$!
  PIDS+=("$master")
  for _ in $(seq 100); do
    NWORKER=$(pgrep -P "$master" | head -1)
    [[ -n $NWORKER ]] && (exec 3<>"/dev/tcp/127.0.0.1/$NPORT") 2>/dev/null && { PIDS+=("$NWORKER"); return 0; }
    sleep 0.1
  done
  echo "nginx did not start:" >&2
  cat "$TMP/nginx.out" >&2
  return 1
}

# Socket.IO relay process NAME on this Redis, pinned to core 0 -> PORT, PID_sio_<name>
sio_start() {
  local name=$1
  taskset -c 0 node $SIO/relay.js --redis "redis://127.0.0.1:$RPORT" --name "sio-$name" \
    >"$TMP/sio-$name.out" 2>"$TMP/sio-$name.err" &
  local pid=$!
  PIDS+=("$pid")
  eval "PID_sio_$name=$pid"
  wait_out "$TMP/sio-$name.out" listening "$pid" || { echo "sio-$name did not start:" >&2; tail -5 "$TMP/sio-$name.err" >&2; return 1; }
}

# setup_start SETUP -> ARGS (the loadgen's target, urls, --watch and --redis for this setup)
setup_start() {
  case $1 in
    single)
      node_start s bench/hub-bench.toml "listening" || return 1
      ARGS=(--target switchboard --url "ws://127.0.0.1:$PORT" --watch "node=$PID_s") ;;
    leader | gateway | split | proxy)
      cluster_start || return 1
      local url="ws://127.0.0.1:$APORT" w="leader=$PID_a,gateway=$PID_b,redis=$RPID" more=()
      [[ $1 == gateway || $1 == split ]] && url="ws://127.0.0.1:$BPORT"
      [[ $1 == split ]] && more=(--agent-url "ws://127.0.0.1:$APORT")
      if [[ $1 == proxy ]]; then
        nginx_start || return 1
        url="ws://127.0.0.1:$NPORT" w="nginx=$NWORKER,$w"
      fi
      ARGS=(--target switchboard --url "$url" "${more[@]}" --watch "$w" --redis "127.0.0.1:$RPORT") ;;
    socketio)
      redis_start || return 1
      local va
      sio_start visitors || return 1
      va=$PORT
      sio_start agents || return 1
      ARGS=(--target socketio --url "ws://127.0.0.1:$va" --agent-url "ws://127.0.0.1:$PORT"
        --watch "sio-visitors=$PID_sio_visitors,sio-agents=$PID_sio_agents,redis=$RPID" --redis "127.0.0.1:$RPORT") ;;
    *) echo "unknown setup $1" >&2; return 1 ;;
  esac
}

# point BENCH SETUP LOADGEN-ARGS... : one measurement against fresh processes; the tagged JSON line
point() {
  local bench=$1 setup=$2 line
  shift 2
  BUSY_BEFORE=$(python3 bench/report.py quiet "$QUIET_WAIT")
  export BUSY_BEFORE
  if setup_start "$setup"; then
    line=$(taskset -c 1 "$LOADGEN" "${ARGS[@]}" --admin-token $TOKEN --threads 1 "$@" \
      2>>"$RES/cluster-$STAMP.log" | grep '^{' | tail -1)
    [[ -n $line ]] || line='{"mode":"error","error":"loadgen printed no result","pass":false}'
  else
    line='{"mode":"error","error":"setup did not start","pass":false}'
  fi
  stop_all
  python3 bench/report.py tag "$bench" "$setup" <<<"$line" | tee -a "$RAW"
}

HUB="hub binary $(sha256sum "$BIN" | cut -c1-16) of $(date -r "$BIN" -u +%FT%TZ)"
echo "$HUB; rates: ${RATES[*]}; chats $CHATS; $DURATION s per point" >&2
for setup in $SETUPS; do
  echo "== $setup" >&2
  for rate in "${RATES[@]}"; do
    line=$(point route "$setup" --chats "$CHATS" --rate "$rate" --duration "$DURATION" --drain "$DRAIN")
    python3 bench/cluster_report.py brief <<<"$line" >&2
    # Past the looser limit (or on any loss) the higher rates cannot pass either.
    python3 bench/report.py point-pass "$CAP_P99_MS" <<<"$line" || break
  done
done

if ((IDLE_N > 0)); then
  echo "== idle weight: $IDLE_N idle visitors" >&2
  for setup in single gateway; do
    line=$(point idle "$setup" --idle "$IDLE_N" --hold 3)
    python3 bench/cluster_report.py brief <<<"$line" >&2
  done
fi

python3 bench/cluster_report.py tables "$RAW" "$P99_MS" "$CAP_P99_MS" \
  "CHATS=$CHATS DURATION=$DURATION IDLE_N=$IDLE_N bash bench/cluster.sh ${RATES[*]}" "$HUB" | tee "$OUT"
echo "tables: $OUT; raw: $RAW" >&2
