#!/usr/bin/env bash
# `make serve`: builds what the inspector needs and serves it on 127.0.0.1 (PORT, default 8080).
set -euo pipefail
cd "$(dirname "$0")/.."
exec node scripts/serve-www.mjs --port "${PORT:-8080}"
