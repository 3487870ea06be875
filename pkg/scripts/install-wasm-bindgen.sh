#!/usr/bin/env bash
# Installs wasm-bindgen-cli at exactly the version Cargo.toml pins for the `wasm-bindgen` crate
# (glue and crate must match byte for byte). Idempotent: does nothing when it is already there.
# Built from source with cargo (prebuilt-binary downloaders cannot reach their hosts here).
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
want="$(sed -n 's/^wasm-bindgen = { version = "=\([0-9.]*\)".*/\1/p' "$root/Cargo.toml")"
if [[ -z "$want" ]]; then
  echo "install-wasm-bindgen: no exact wasm-bindgen pin (=0.2.N) found in Cargo.toml" >&2
  exit 2
fi
have="$(wasm-bindgen --version 2>/dev/null | awk '{print $2}' || true)"
if [[ "$have" == "$want" ]]; then
  exit 0
fi
echo "installing wasm-bindgen-cli $want (found: ${have:-none}); this takes a few minutes" >&2
# --locked first (the CLI's own lockfile). The registry reachable here can lag crates.io by a
# few patch releases, which makes --locked unsatisfiable for some CLI versions; then resolve
# anew within the CLI's declared semver ranges.
if ! cargo install --locked --quiet wasm-bindgen-cli --version "$want" 2>/tmp/wasm-bindgen-install.log; then
  echo "cargo install --locked failed ($(grep -m1 '^error' /tmp/wasm-bindgen-install.log || true)); retrying without --locked" >&2
  cargo install --quiet wasm-bindgen-cli --version "$want"
fi
have="$(wasm-bindgen --version | awk '{print $2}')"
[[ "$have" == "$want" ]] || { echo "wasm-bindgen $have installed, $want wanted" >&2; exit 2; }
