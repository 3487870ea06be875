#!/usr/bin/env bash
# Runs the main job on the bundled sample (tests/fixtures/sample/): verifies the Nomad workload
# identity against its JWKS and the Nomad tutorial's Vault role at the instant in now.txt, prints
# every check with expected vs actual values, renders the templated policy from the resulting
# alias and decides two requests. Needs only cargo.
set -euo pipefail
cd "$(dirname "$0")/.."
S=tests/fixtures/sample
NOW="$(cat "$S/now.txt")"
explain() {
  cargo run --quiet --example explain -- "$S/token.jwt" "$S/jwks.json" "$S/role.json" \
    --config "$S/config.json" --role-name nomad-workloads --policy "nomad-workloads=$S/policy.hcl" "$@"
}
echo "== jwtgate: Nomad workload identity -> Vault role nomad-workloads -> policy (sample in $S)"
explain --now "$NOW" \
  --request "GET /v1/kv/data/default/mongo/config" \
  --request "GET /v1/kv/data/default/redis/config" || true
echo
echo "== the same token two hours later (fails: expired)"
explain --now "$((NOW + 7200))" || true
