#!/bin/sh
# Copies the screenshots the documentation shows (docs/widget.md, docs/dashboard.md) from the browser
# tests' output (tests/browser/screenshots/, written by `sh tests/browser/run.sh`) into docs/img/.
# Look at each one before committing it.
set -eu
cd "$(dirname "$0")/.."
for name in widget-chat widget-phone-bot widget-survey widget-site-theme widget-arabic-rtl \
  dashboard-queue-previews dashboard-sla-warning dashboard-bot-pushed dashboard-history-search \
  workflow-real-escalated dashboard-note; do
  cp "tests/browser/screenshots/$name.png" "docs/img/$name.png"
done
du -ch docs/img/*.png | tail -1
