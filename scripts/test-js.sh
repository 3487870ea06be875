#!/usr/bin/env bash
# The npm package and CLI: builds pkg/dist (wasm + glue), then runs every node --test suite in
# pkg/test (API, vectors, CLI subprocess, README examples, packaging, jose cross-check).
# Installs what it needs idempotently: rustup target, wasm-bindgen-cli at the pinned version,
# the package's dev dependencies from the committed package-lock.json.
set -euo pipefail
cd "$(dirname "$0")/.."

# The `mint`, `cache` and `js` modules' unit tests only compile with their features (test-rust.sh
# runs defaults).
cargo test --quiet --lib --features js,mint -- mint:: cache:: js::
# `src/js.rs` only compiles with `js`, `src/js_mint.rs` with `js-mint`, `src/js_gate.rs` with
# `js-gate`; lint them natively like the rest of the crate.
cargo clippy --quiet --lib --features js -- -D warnings
cargo clippy --quiet --lib --features js-mint -- -D warnings
cargo clippy --quiet --lib --features js-gate -- -D warnings

bash scripts/npm-deps.sh pkg
bash pkg/scripts/build.sh
cd pkg
node --test --test-concurrency=2 test/
