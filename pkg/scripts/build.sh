#!/usr/bin/env bash
# Builds the npm package's generated files into pkg/dist/ (gitignored):
#   dist/jwtgate_bg.wasm        the core + src/js.rs (feature `js`): every algorithm, the policy
#                               engine; release profile, wasm-opt'ed when available
#   dist/jwtgate.js             its wasm-bindgen glue (--target web: ESM, used by Node and browsers)
#   dist/jwtgate_mint_bg.wasm   src/js_mint.rs (feature `js-mint`): mintTestIdentity only, loaded
#   dist/jwtgate_mint.js        on first use (key generation + signing stay out of the main module)
#   dist/jwtgate_gate_bg.wasm   src/js_gate.rs (feature `js-gate`): createGate's gate and key
#   dist/jwtgate_gate.js        lifecycle, loaded by the first createGate (out of the main module)
#   dist/codes.js               the frozen list of error codes, generated from crate::Code::ALL
# and, for tests only, a second dist/ whose verifier module is built with the cargo feature
# `test-trap` (an export that traps the module, to test recovery after a trap) in
# target/js/test-trap-dist/ (never in pkg/dist: pkg/test/artifacts.test.mjs checks the released
# module has no such export; pkg/test/trap-package.mjs puts it beside a copy of the package's
# sources). Set JWTGATE_NO_TEST_BUILD=1 to skip it.
# Installs what it needs idempotently (rustup target, wasm-bindgen-cli at the pinned version).
# Never writes pkg/package.json. Set JWTGATE_NO_WASM_OPT=1 to skip wasm-opt.
set -euo pipefail
pkg="$(cd "$(dirname "$0")/.." && pwd)"
root="$(cd "$pkg/.." && pwd)"
cd "$root"
rustup target add wasm32-unknown-unknown >/dev/null 2>&1 || true
bash "$pkg/scripts/install-wasm-bindgen.sh"

# A dedicated target dir: the cdylib + `js` build would otherwise invalidate the native one.
export CARGO_TARGET_DIR="$root/target/js"
# opt-level z for this artifact only (Cargo.toml's release profile stays as it is): measured
# side by side with s and 3 (wasm-opt -Oz/-O3 after each), z is 14% smaller gzipped than s and
# 33% smaller than 3, and verify speed differed by less than the run-to-run noise for RS256 and
# by about 12% for EdDSA (3 fastest). Override with JWTGATE_OPT_LEVEL.
# base64 + dlmalloc at opt-level 3: the cost around the signature (pkg/bench/overhead.mjs probe)
# 20.8 -> 18.4 us RS256, 19.2 -> 17.3 us EdDSA (-10%, side by side, CPU time) for +0 B gzip;
# serde_json/serde at 3 on top changed nothing measurable for +2.4 KB gzip, so they stay at z.
export CARGO_PROFILE_RELEASE_OPT_LEVEL="${JWTGATE_OPT_LEVEL:-z}"
# Opt-level 3 for the signature crates (scripts/wasm-settings.sh) and for base64 + dlmalloc
# (above). The per-crate lines apply to both modules (same dependency builds, so the second is a
# relink).
source "$root/scripts/wasm-settings.sh"
per_crate=(
  "${signature_crates[@]}"
  --config 'profile.release.package.base64.opt-level=3'
  --config 'profile.release.package.dlmalloc.opt-level=3'
)

out="$pkg/dist"
tmp="$pkg/.dist-tmp"
rm -rf "$tmp"
mkdir -p "$tmp"

# wasm-opt: npm's binaryen (a devDependency, current) before the system one. Debian's binaryen
# 108 rewrites wasm-bindgen's externref table into a module V8 refuses, so every optimised
# module must still instantiate or the unoptimised one is kept.
wasm_opt=""
if [[ -z "${JWTGATE_NO_WASM_OPT:-}" ]]; then
  if [[ -x "$pkg/node_modules/.bin/wasm-opt" ]]; then wasm_opt="$pkg/node_modules/.bin/wasm-opt";
  elif command -v wasm-opt >/dev/null; then wasm_opt="$(command -v wasm-opt)"; fi
fi

# build_module FEATURE NAME [OUT]: cargo → wasm-bindgen → wasm-opt into OUT/NAME.js + NAME_bg.wasm
# (OUT defaults to $tmp; wasm-opt only there). The glue exports wasm-bindgen's
# `__wbg_reset_state`, which src/engine.js calls to replace the instance after a trap.
build_module() {
  local feature="$1" name="$2" dir="${3:-$tmp}"
  cargo rustc --quiet --lib --release --target wasm32-unknown-unknown \
    --no-default-features --features "$feature" --crate-type cdylib "${per_crate[@]}"
  wasm-bindgen --target web --no-typescript --experimental-reset-state-function \
    --out-dir "$dir" --out-name "$name" \
    "$CARGO_TARGET_DIR/wasm32-unknown-unknown/release/jwtgate.wasm"
  [[ -n "$wasm_opt" && "$dir" == "$tmp" ]] || return 0
  local wasm="$tmp/${name}_bg.wasm" log="$tmp/wasm-opt.log"
  cp "$wasm" "$tmp/plain.wasm"
  if node "$root/scripts/wasm-inline-only.mjs" "$tmp/plain.wasm" "$tmp/inline.wasm" \
      "${inline_only[@]}" >&2 2>"$log" \
    && "$wasm_opt" "${inline_flags[@]}" -Oz "${wasm_features[@]}" "$tmp/inline.wasm" \
      -o "$wasm" 2>>"$log" \
    && node "$pkg/scripts/check-module.mjs" "$tmp" "$name" 2>>"$log"; then
    :
  else
    echo "build: $wasm_opt output unusable for $name, keeping the unoptimised module: $(head -c 300 "$log")" >&2
    cp "$tmp/plain.wasm" "$wasm"
  fi
  rm -f "$tmp/plain.wasm" "$tmp/inline.wasm" "$log"
}

build_module js jwtgate
build_module js-mint jwtgate_mint
build_module js-gate jwtgate_gate

node "$pkg/scripts/gen-codes.mjs" "$tmp"
rm -rf "$out"
mv "$tmp" "$out"
for name in jwtgate jwtgate_mint jwtgate_gate; do
  f="$out/${name}_bg.wasm"
  echo "build: pkg/dist/${name}_bg.wasm $(wc -c <"$f") B raw, $(gzip -9 -c "$f" | wc -c) B gzip -9" >&2
done

# The test variant: a verifier module built with `test-trap` (unoptimised: only its behaviour is
# tested), beside the released mint and gate modules and codes.
if [[ -z "${JWTGATE_NO_TEST_BUILD:-}" ]]; then
  test_dist="$CARGO_TARGET_DIR/test-trap-dist"
  rm -rf "$test_dist"
  mkdir -p "$test_dist"
  build_module js,test-trap jwtgate "$test_dist"
  cp "$out"/jwtgate_mint.js "$out"/jwtgate_mint_bg.wasm "$out"/jwtgate_gate.js "$out"/jwtgate_gate_bg.wasm \
    "$out"/codes.js "$out"/codes.d.ts "$test_dist/"
  echo "build: test variant (feature test-trap) in ${test_dist#"$root/"}" >&2
fi
