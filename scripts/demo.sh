#!/usr/bin/env bash
# The main job on the bundled sample, through the `jwtgate` CLI (npm package, wasm core):
#   1. the bundled Nomad identity (tests/fixtures/sample) + sample JWKS + the tutorial's Vault
#      role + its templated policy → may it read kv/data/default/mongo/config? (allowed)
#   2. a freshly minted Nomad-style identity for another job → the same request (denied, and why)
#   3. the bundled identity two hours later (rejected: expired, with Vault's leeway shown)
#   4. login order: job `web` in namespaces dev and prod under the tutorial role share one Vault
#      alias: the hazard, the suggested fix (re-checked), and the simulated cross-namespace read
# Installs what it needs idempotently (rustup target, wasm-bindgen-cli, npm packages).
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/npm-deps.sh pkg
if [[ ! -f pkg/dist/jwtgate_bg.wasm || -n "$(find src Cargo.toml -newer pkg/dist/jwtgate_bg.wasm -print -quit)" ]]; then
  bash pkg/scripts/build.sh
fi

jwtgate() { node pkg/bin/jwtgate.js "$@"; }
S=tests/fixtures/sample
NOW="$(cat "$S/now.txt")"
show() { printf '\n\033[1m$ jwtgate %s\033[0m\n' "$*" | sed "s#$PWD/##g"; }

show authorize @$S/token.jwt --jwks $S/jwks.json --role $S/role.json --role-name nomad-workloads --config $S/config.json --policy nomad-workloads=$S/policy.hcl --path kv/data/default/mongo/config --capability read --now "$NOW"
jwtgate authorize "@$S/token.jwt" --jwks "$S/jwks.json" --role "$S/role.json" --role-name nomad-workloads \
  --config "$S/config.json" --policy "nomad-workloads=$S/policy.hcl" \
  --path kv/data/default/mongo/config --capability read --now "$NOW"

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
show mint --job redis --group cache --task redis --aud vault.io --alg RS256 --out-jwks jwks.json '>' token.jwt
jwtgate mint --job redis --group cache --task redis --aud vault.io --alg RS256 --out-jwks "$tmp/jwks.json" >"$tmp/token.jwt"
show authorize @token.jwt --jwks jwks.json --role $S/role.json --role-name nomad-workloads --policy nomad-workloads=$S/policy.hcl --path kv/data/default/mongo/config --capability read
set +e
jwtgate authorize "@$tmp/token.jwt" --jwks "$tmp/jwks.json" --role "$S/role.json" --role-name nomad-workloads \
  --policy "nomad-workloads=$S/policy.hcl" --path kv/data/default/mongo/config --capability read
code=$?
set -e
printf '\n(exit code %s: 0 allowed, 1 denied, 2 usage or input error)\n' "$code"
[[ "$code" == 1 ]]

show verify @$S/token.jwt --jwks $S/jwks.json --role $S/role.json --role-name nomad-workloads --config $S/config.json --now "$((NOW + 7200))" '  # two hours later'
set +e
jwtgate verify "@$S/token.jwt" --jwks "$S/jwks.json" --role "$S/role.json" --role-name nomad-workloads \
  --config "$S/config.json" --now "$((NOW + 7200))"
code=$?
set -e
printf '\n(exit code %s)\n' "$code"
[[ "$code" == 1 ]]

show mint --namespace dev --job web --aud vault.io '>' dev.jwt '&&' mint --namespace prod --job web --aud vault.io '>' prod.jwt
jwtgate mint --namespace dev --job web --group web --task web --aud vault.io --out-jwks "$tmp/dev-jwks.json" >"$tmp/dev.jwt"
jwtgate mint --namespace prod --job web --group web --task web --aud vault.io --out-jwks "$tmp/prod-jwks.json" >"$tmp/prod.jwt"
show logins @dev.jwt @prod.jwt --role $S/role.json --role-name nomad-workloads --policy nomad-workloads=$S/policy.hcl --request '"GET /v1/kv/data/prod/web/config"'
set +e
jwtgate logins "@$tmp/dev.jwt" "@$tmp/prod.jwt" --role "$S/role.json" --role-name nomad-workloads \
  --policy "nomad-workloads=$S/policy.hcl" --request "GET /v1/kv/data/prod/web/config"
code=$?
set -e
printf '\n(exit code %s: 1 = a login-order hazard was found)\n' "$code"
[[ "$code" == 1 ]]

# The fix, applied: user_claim = the namespace-qualified extra claim, which the Nomad servers add
# to each identity (minted here with --extra); the same two logins now get two aliases.
sed 's#"/nomad_job_id"#"/extra_claims/nomad_workload_id"#' "$S/role.json" >"$tmp/fixed-role.json"
jwtgate mint --namespace dev --job web --group web --task web --aud vault.io --extra nomad_workload_id=global:dev:web --out-jwks "$tmp/dev-jwks.json" >"$tmp/dev-fixed.jwt"
jwtgate mint --namespace prod --job web --group web --task web --aud vault.io --extra nomad_workload_id=global:prod:web --out-jwks "$tmp/prod-jwks.json" >"$tmp/prod-fixed.jwt"
show logins @dev-fixed.jwt @prod-fixed.jwt --role fixed-role.json --role-name nomad-workloads --policy nomad-workloads=$S/policy.hcl --extra-claim "'nomad_workload_id=\${job.region}:\${job.namespace}:\${job.id}'" --request '"GET /v1/kv/data/prod/web/config"'
jwtgate logins "@$tmp/dev-fixed.jwt" "@$tmp/prod-fixed.jwt" --role "$tmp/fixed-role.json" --role-name nomad-workloads \
  --policy "nomad-workloads=$S/policy.hcl" --extra-claim 'nomad_workload_id=${job.region}:${job.namespace}:${job.id}' \
  --request "GET /v1/kv/data/prod/web/config"
