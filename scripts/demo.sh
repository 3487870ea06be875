#!/usr/bin/env bash
# Runs the main job on the bundled sample: verifies the Nomad workload identity in
# tests/fixtures/sample/ against its JWKS and the Nomad tutorial's Vault role, at the instant in
# now.txt, and prints every check with expected vs actual values. Needs only cargo.
set -euo pipefail
cd "$(dirname "$0")/.."
S=tests/fixtures/sample
echo "== jwtgate: Nomad workload identity -> Vault role nomad-workloads (sample in $S)"
cargo run --quiet --example explain -- "$S/token.jwt" "$S/jwks.json" "$S/role.json" \
  --config "$S/config.json" --role-name nomad-workloads --now "$(cat "$S/now.txt")"
echo
echo "== the same token two hours later (expected to fail: expired)"
cargo run --quiet --example explain -- "$S/token.jwt" "$S/jwks.json" "$S/role.json" \
  --config "$S/config.json" --role-name nomad-workloads --now "$(( $(cat "$S/now.txt") + 7200 ))" || true
