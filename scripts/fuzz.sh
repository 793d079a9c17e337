#!/usr/bin/env bash
# Bounded fuzzing of the client frame decoder, the identity token parser and the config loader
# (cargo-fuzz, nightly toolchain). FUZZ_SECS (default 60) per target; the seed corpus in fuzz/corpus is
# read, never written (new inputs go to a temporary directory); a crash leaves its input in
# fuzz/artifacts/<target>/ and fails the script.
set -euo pipefail
cd "$(dirname "$0")/.."
secs="${FUZZ_SECS:-60}"
cargo +nightly --version >/dev/null
cargo +nightly fuzz --version >/dev/null 2>&1 || cargo install cargo-fuzz --locked
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
for target in client_frame identity_token config; do
  printf '\n==== fuzz %s (%ss) ====\n' "$target" "$secs"
  mkdir -p "$work/$target"
  cargo +nightly fuzz run -O "$target" "$work/$target" "fuzz/corpus/$target" -- \
    -max_total_time="$secs" -max_len=8192 -print_final_stats=1
done
