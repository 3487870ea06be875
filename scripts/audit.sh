#!/usr/bin/env bash
# Dependency audit with cargo-deny (policy: scripts/deny.toml; tests/README.md "Dependency audit"): licences,
# bans and sources of every crate in Cargo.lock, all features. Advisories need the RustSec
# database, fetched from a host this environment cannot reach; they are checked only when a
# local copy exists (`cargo deny fetch` on a connected machine, or JWTGATE_ADVISORY_DB=<dir>
# containing it), and otherwise reported as skipped — never silently passed.
# Not part of `make test` (installing cargo-deny takes minutes on 2 cores): `make audit`.
set -euo pipefail
cd "$(dirname "$0")/.."

command -v cargo-deny >/dev/null || cargo install --locked cargo-deny

cargo deny --locked --config scripts/deny.toml check licenses bans sources

db="${JWTGATE_ADVISORY_DB:-$HOME/.cargo/advisory-dbs}"
if compgen -G "$db/*" >/dev/null; then
  cargo deny --frozen --config scripts/deny.toml check advisories
else
  echo "advisories: SKIPPED (no RustSec database at $db; it cannot be fetched here)."
  echo "  Reviewed by hand: RUSTSEC-2023-0071 (rsa, Marvin) does not apply: tests/README.md 'Dependency audit'."
fi
