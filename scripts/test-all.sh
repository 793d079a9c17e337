#!/usr/bin/env bash
# The one test command (README): installs what the suites need on a fresh Debian machine, then runs
# every suite: Rust unit + HTTP + integration tests, the browser tests, and the load-generator smoke.
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n==== %s ====\n' "$*"; }

step "system packages"
need=()
[ -x /usr/bin/chromium ] || need+=(chromium)
command -v node >/dev/null || need+=(nodejs npm)
# Cluster tests start real redis-server processes; the deployment test checks the compose file and
# runs nginx in front of two nodes.
command -v redis-server >/dev/null || need+=(redis-server)
command -v nginx >/dev/null || need+=(nginx)
command -v docker-compose >/dev/null || need+=(docker-compose)
if [ ${#need[@]} -gt 0 ]; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
fi

step "build"
cargo build --workspace --all-targets

step "rust tests (unit, HTTP, integration)"
cargo test --workspace

step "browser tests"
SWITCHBOARD_BIN="$PWD/target/debug/switchboard" sh tests/browser/run.sh

step "load generator smoke (no message lost or repeated)"
SWITCHBOARD_BIN="$PWD/target/debug/switchboard" LOADGEN_BIN="$PWD/target/debug/loadgen" bash bench/smoke.sh
