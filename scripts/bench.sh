#!/usr/bin/env bash
# `make bench`: builds the release artifacts, runs every benchmark and prints ONE table
# (scripts/bench-table.mjs), also written to target/bench/table.md. Run it on a quiet machine.
#   1. native divan benches, NATIVE_ROUNDS rounds (default 3): full verify, cache hit and JWKS
#      each call for RS256-2048 / PS256 / ES256 / EdDSA; everything but the signature;
#      authorize at 10 / 1k / 10k paths; the RSA primitive against the `rsa` crate;
#   2. the npm package in Node beside jose, fast-jwt and jsonwebtoken, in one process, interleaved
#      (pkg/bench/verify.mjs; also ES384 and ES512), the cost around the signature (pkg/bench/overhead.mjs) and Node
#      cold start beside jose (pkg/bench/coldstart.mjs);
#   3. the Envoy filter per request in the stand-in proxy-wasm host (tests/envoy/bench.mjs), and
#      in Envoy's own proxy-wasm-cpp-host on WAMR (tests/envoy/cpphost/, needs ../shared/third_party),
#      with the memory per worker VM;
#   4. artifact sizes, raw and gzip -9, and what a browser downloads beside jose's bundle
#      (pkg/bench/sizes.mjs: esbuild-minified jose, its verification subset and all of it).
# Each step's raw output stays in target/bench/ for inspection.
set -euo pipefail
cd "$(dirname "$0")/.."
out=target/bench
rm -rf "$out"
mkdir -p "$out"

# Release artifacts first (installs what they need idempotently).
bash scripts/npm-deps.sh pkg
bash pkg/scripts/build.sh
bash scripts/build-envoy.sh

cargo bench --no-run --bench verify --bench authorize --bench rsa 2>&1 | tail -1
for round in $(seq 1 "${NATIVE_ROUNDS:-3}"); do
  echo "bench: native round $round" >&2
  cargo bench --quiet --bench verify --bench authorize --bench rsa >"$out/native-$round.txt" 2>/dev/null
done

echo "bench: wasm in Node beside jose, fast-jwt, jsonwebtoken" >&2
node pkg/bench/verify.mjs --json >"$out/node.json"
echo "bench: everything around the signature, in wasm and in JS" >&2
node pkg/bench/overhead.mjs --json >"$out/overhead.json"
echo "bench: Node cold start" >&2
node pkg/bench/coldstart.mjs --json >"$out/coldstart.json"
echo "bench: browser download sizes beside jose's bundle" >&2
node pkg/bench/sizes.mjs --json >"$out/sizes.json"
echo "bench: issue 18 bounds (glob bound_claims, prepared authorize) in Node" >&2
node pkg/bench/bounds.mjs --json >"$out/bounds.json"
echo "bench: Envoy filter in the stand-in host" >&2
node --expose-gc tests/envoy/bench.mjs | tail -1 >"$out/envoy.json"
if [ -d ../shared/third_party/proxy-wasm-cpp-host ] || [ -d ../../shared/third_party/proxy-wasm-cpp-host ]; then
  echo "bench: Envoy filter in proxy-wasm-cpp-host (WAMR)" >&2
  bash tests/envoy/cpphost/build.sh >/dev/null
  JWTGATE_ENVOY_HOST=wamr node --expose-gc tests/envoy/bench.mjs | tail -1 >"$out/envoy-wamr.json"
else
  echo "skipped: the Envoy filter in proxy-wasm-cpp-host (WAMR): ../shared/third_party not found"
fi

node scripts/bench-table.mjs "$out" | tee "$out/table.md"
