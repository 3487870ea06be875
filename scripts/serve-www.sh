#!/usr/bin/env bash
# `make serve`: builds the package's browser build (pkg/dist) and serves the inspector on
# 127.0.0.1 (PORT, default 8080) with the bundled sample preloaded at /#sample.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/npm-deps.sh pkg
bash pkg/scripts/build.sh
exec node scripts/serve-www.mjs --port "${PORT:-8080}"
