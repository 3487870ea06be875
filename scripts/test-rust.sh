#!/usr/bin/env bash
# Formatting, lints and the native test suite (unit, vectors, integration, doctests).
set -euo pipefail
cd "$(dirname "$0")/.."
rustup component add rustfmt clippy >/dev/null 2>&1 || true
cargo fmt --all -- --check
# Generated vectors are reproducible: regenerating must leave the committed files unchanged.
python3 tests/vectors/adversarial/generate.py --check
python3 tests/vectors/inspect/generate.py --check
python3 tests/vectors/login-order/generate.py --check
python3 tests/vectors/gate/generate.py --check
cargo clippy --all-targets -- -D warnings
cargo clippy --all-targets --no-default-features -- -D warnings
cargo test --all-targets
cargo test --doc
