#!/usr/bin/env bash
# Builds the Envoy proxy-wasm filter and runs the stand-in host's scenario tests against the
# built .wasm. Installs what it needs (the wasm32 target) idempotently; needs node >= 18.
set -euo pipefail
cd "$(dirname "$0")/.."
rustup target add wasm32-unknown-unknown >/dev/null 2>&1 || true
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR_ENVOY:-target/envoy}"
cargo rustc --lib --release --target wasm32-unknown-unknown --no-default-features --features envoy --crate-type cdylib
cargo clippy --lib --target wasm32-unknown-unknown --no-default-features --features envoy -- -D warnings
WASM="$CARGO_TARGET_DIR/wasm32-unknown-unknown/release/jwtgate.wasm"
python3 ../shared/tools/wasm_abi_check.py --proxy-wasm --http-filter "$WASM" >/dev/null 2>&1 \
  || python3 "$(dirname "$0")/../../shared/tools/wasm_abi_check.py" --proxy-wasm --http-filter "$WASM" || true
node --test tests/envoy/
