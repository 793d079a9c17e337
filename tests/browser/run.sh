#!/bin/sh
# Browser tests for the widget and the agent dashboard (see docs/widget.md, docs/dashboard.md).
# Installs what they need when missing (Debian's chromium, the npm dev dependencies), then runs them
# against the hub binary (SWITCHBOARD_BIN, default target/release/switchboard).
set -eu
cd "$(dirname "$0")/../.."

if [ ! -x /usr/bin/chromium ]; then
  echo "installing chromium (Debian package)..." >&2
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
fi
if [ ! -d node_modules/playwright-core ]; then
  # playwright-core never downloads a browser; the tests use /usr/bin/chromium.
  PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund
fi
bin="${SWITCHBOARD_BIN:-target/release/switchboard}"
if [ ! -x "$bin" ] && [ ! -x target/debug/switchboard ]; then
  echo "no hub binary at $bin: run 'cargo build --release' first" >&2
  exit 1
fi
exec node --test --test-reporter=spec tests/browser/
