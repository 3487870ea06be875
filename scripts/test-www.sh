#!/usr/bin/env bash
# Browser inspector tests: the page in Debian's headless Chromium driven by playwright-core, against
# the npm package's real browser build (wasm). Installs what it needs idempotently.
set -euo pipefail
cd "$(dirname "$0")/.."

command -v chromium >/dev/null 2>&1 || (apt-get update && apt-get install -y chromium)
[ -x /usr/bin/chromium ] || { echo "test-www: /usr/bin/chromium missing after install" >&2; exit 1; }

if [ ! -d tests/www/node_modules/playwright-core ]; then
  (cd tests/www && npm ci --no-audit --no-fund)
fi

cd tests/www
node --test --test-concurrency=1 .
