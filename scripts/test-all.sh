#!/usr/bin/env bash
# The one test command (README): installs what the suites need on a fresh Debian machine, then runs
# every suite: Rust unit + HTTP + integration tests, the browser tests, the load-generator smoke, and
# the fuzz targets (libFuzzer for FUZZ_SECS each where a nightly toolchain is present, else the
# committed corpus replayed through the same target functions on stable).
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n==== %s ====\n' "$*"; }

step "toolchains"
rustup toolchain list || echo "(no rustup)"

step "system packages"
need=()
[ -x /usr/bin/chromium ] || need+=(chromium)
command -v node >/dev/null || need+=(nodejs npm)
# Cluster tests start real redis-server processes; the deployment test checks the compose file and
# runs nginx in front of two nodes.
command -v redis-server >/dev/null || need+=(redis-server)
command -v nginx >/dev/null || need+=(nginx)
command -v docker-compose >/dev/null || need+=(docker-compose)
# The full-disk fault test puts the store on a small ext4 file system on a loop device (and on a tmpfs).
command -v mkfs.ext4 >/dev/null || need+=(e2fsprogs)
if [ ${#need[@]} -gt 0 ]; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
fi

step "build"
cargo build --workspace --all-targets
# The core the fuzz targets build (no `server` feature) must compile on its own, nightly or not.
cargo check --lib --no-default-features

step "rust tests (unit, HTTP, integration)"
cargo test --workspace

step "browser tests"
SWITCHBOARD_BIN="$PWD/target/debug/switchboard" sh tests/browser/run.sh

step "load generator smoke (no message lost or repeated)"
SWITCHBOARD_BIN="$PWD/target/debug/switchboard" LOADGEN_BIN="$PWD/target/debug/loadgen" bash bench/smoke.sh

step "fuzz"
# The corpus replay runs on every machine (it is also part of `cargo test` above); libFuzzer needs
# nightly. The targets build the library without its `server` feature (fuzz/Cargo.toml), so a cold fuzz
# build is 4 minutes on the 2-core development machine (3 min 57 s on 2026-12-07; the whole crate took
# 11-31 minutes); `cargo install cargo-fuzz --locked` 139 s. FUZZ_BUILD_SECS bounds the build, and one
# that does not finish in time falls back to the replay, saying so, to keep CI under 30 minutes
# (~9 min for the rest, plus up to 2.5 + 8 + 3 min here).
fuzz_mode="corpus replay on stable"
if rustup run nightly cargo --version >/dev/null 2>&1; then
  if ! cargo +nightly fuzz --version >/dev/null 2>&1; then
    started=$SECONDS
    cargo install cargo-fuzz --locked
    echo "cargo-fuzz installed in $((SECONDS - started)) s"
  fi
  started=$SECONDS
  built=0
  timeout "${FUZZ_BUILD_SECS:-480}" cargo +nightly fuzz build -O || built=$?
  case $built in
    0)
      echo "fuzz build: $((SECONDS - started)) s"
      fuzz_mode="libFuzzer on nightly, ${FUZZ_SECS:-60} s per target"
      ;;
    124) echo "the fuzz build did not finish within ${FUZZ_BUILD_SECS:-480} s" ;;
    *)
      echo "the fuzz build failed (status $built)" >&2
      exit 1
      ;;
  esac
else
  echo "no nightly toolchain"
fi
echo "fuzz mode: $fuzz_mode"
if [[ $fuzz_mode == libFuzzer* ]]; then
  FUZZ_SECS="${FUZZ_SECS:-60}" bash scripts/fuzz.sh
else
  cargo test --test fuzz_corpus -- --nocapture
fi
echo "fuzz mode that ran: $fuzz_mode"
