#!/usr/bin/env bash
# `bash scripts/npm-deps.sh DIR`: installs DIR's npm dependencies from its committed
# package-lock.json when they are missing or older than the lock file (a dependency may be new
# since). Idempotent; every script that runs node with pkg's or tests/www's modules calls it.
set -euo pipefail
dir="$1"
if [[ ! -f "$dir/node_modules/.package-lock.json" || "$dir/package-lock.json" -nt "$dir/node_modules/.package-lock.json" ]]; then
  (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)
fi
