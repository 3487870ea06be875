#!/usr/bin/env bash
# Runs every benchmark the project has, one after another (run it on a quiet machine):
#   1. native divan benches: full verify (RS256/ES256/EdDSA), authorize at 10/1k/10k paths,
#      the RSA public-exponent path against the `rsa` crate;
#   2. the npm package in Node beside jose, fast-jwt and jsonwebtoken (fresh token, cache hit);
#   3. the Envoy filter per request in the stand-in proxy-wasm host.
# Each prints its own medians. (Issue 7's single combined table is not built yet.)
set -euo pipefail
cd "$(dirname "$0")/.."

cargo bench --bench verify --bench authorize --bench rsa

if [[ ! -f pkg/node_modules/.package-lock.json ]]; then
  (cd pkg && npm ci --no-audit --no-fund --loglevel=error)
fi
bash pkg/scripts/build.sh
node pkg/bench/verify.mjs

bash scripts/build-envoy.sh
node tests/envoy/bench.mjs
