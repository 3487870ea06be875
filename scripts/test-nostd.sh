#!/usr/bin/env bash
# Proves the core is no_std: builds it for a target without libstd, and for the wasm target the
# front ends use.
set -euo pipefail
cd "$(dirname "$0")/.."
rustup target add wasm32v1-none wasm32-unknown-unknown >/dev/null
cargo build --lib --no-default-features --target wasm32v1-none
cargo build --lib --no-default-features --target wasm32-unknown-unknown --release
