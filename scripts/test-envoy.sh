#!/usr/bin/env bash
# Builds the Envoy proxy-wasm filter and runs the stand-in host's scenario tests against the
# built .wasm (tests/envoy/*.test.mjs, node --test). Installs what it needs idempotently
# (the wasm32 target, npm's binaryen); needs node >= 18 and python3.
set -euo pipefail
cd "$(dirname "$0")/.."
rustup target add wasm32-unknown-unknown >/dev/null 2>&1 || true
# A dedicated target dir: the cdylib build must not invalidate the native build's artifacts.
export CARGO_TARGET_DIR="${JWTGATE_ENVOY_TARGET_DIR:-target/envoy}"
cargo clippy --lib --target wasm32-unknown-unknown --no-default-features --features envoy -- -D warnings
# Native unit tests of the pure parts (configuration, extraction, replies) in the default target dir.
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
node --test tests/envoy/*.test.mjs
