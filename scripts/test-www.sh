#!/usr/bin/env bash
# Browser inspector tests: the page in Debian's headless Chromium driven by playwright-core, against
# the npm package's real browser build (pkg/dist: wasm + glue, built by the package's own script),
# and the packed package bundled with esbuild and Vite (pkg's devDependencies) into a page run there.
# Installs what it needs idempotently: chromium (Debian), playwright-core (tests/www's lock), the
# package's dev dependencies and wasm-bindgen-cli (via pkg/scripts/build.sh).
set -euo pipefail
cd "$(dirname "$0")/.."

command -v chromium >/dev/null 2>&1 || (apt-get update && apt-get install -y chromium)
[[ -x /usr/bin/chromium ]] || { echo "test-www: /usr/bin/chromium missing after install" >&2; exit 1; }

bash scripts/npm-deps.sh tests/www
bash scripts/npm-deps.sh pkg
bash pkg/scripts/build.sh

cd tests/www
node --test --test-concurrency=1 .
