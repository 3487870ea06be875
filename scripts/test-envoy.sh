#!/usr/bin/env bash
# Builds the Envoy proxy-wasm filter and runs the scenario tests against the built .wasm
# (tests/envoy/*.test.mjs, node --test) on both hosts: the V8 stand-in (tests/envoy/host.mjs)
# and Envoy's own proxy-wasm host library on WAMR (tests/envoy/cpphost/, a Node addon built from
# ../shared/third_party). Installs what it needs idempotently (the wasm32 target, npm's binaryen;
# cmake g++ libssl-dev libabsl-dev for the cpp-host); needs node >= 18 and python3.
# Without ../shared/third_party the WAMR run is skipped with one line (a failure when CI=true).
set -euo pipefail
cd "$(dirname "$0")/.."
rustup target add wasm32-unknown-unknown >/dev/null 2>&1 || true
# A dedicated target dir: the cdylib build must not invalidate the native build's artifacts.
export CARGO_TARGET_DIR="${JWTGATE_ENVOY_TARGET_DIR:-target/envoy}"
cargo clippy --lib --target wasm32-unknown-unknown --no-default-features --features envoy -- -D warnings
# Native tests in the default target dir: the gate's parts and the filter's logic against a mock host (src/envoy/tests.rs, the gate corpus included).
CARGO_TARGET_DIR=target cargo clippy --lib --tests --features envoy -- -D warnings
CARGO_TARGET_DIR=target cargo test --lib --features envoy -- envoy::
bash scripts/build-envoy.sh
WASM="$CARGO_TARGET_DIR/jwtgate_envoy.wasm"
for shared in ../shared ../../shared; do
  if [ -f "$shared/tools/wasm_abi_check.py" ]; then
    python3 "$shared/tools/wasm_abi_check.py" --proxy-wasm --http-filter "$WASM" | tail -1
    break
  fi
done
JWTGATE_ENVOY_HOST=v8 node --test tests/envoy/*.test.mjs
third_party=""
for shared in ../shared ../../shared; do
  [ -d "$shared/third_party/proxy-wasm-cpp-host" ] && third_party="$shared/third_party" && break
done
if [ -z "$third_party" ]; then
  if [ "${CI:-}" = "true" ]; then
    echo "error: ../shared/third_party is missing; CI runs the scenarios on proxy-wasm-cpp-host (WAMR) too" >&2
    exit 1
  fi
  echo "skipped: the scenarios on Envoy's proxy-wasm-cpp-host (WAMR): ../shared/third_party not found"
  exit 0
fi
addon=$(bash tests/envoy/cpphost/build.sh)
echo "cpp-host addon: $addon"
start=$(date +%s)
JWTGATE_ENVOY_HOST=wamr node --test tests/envoy/*.test.mjs
echo "scenarios on proxy-wasm-cpp-host (WAMR): $(( $(date +%s) - start )) s"
