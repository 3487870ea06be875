# Build settings both wasm artifacts share, sourced by pkg/scripts/build.sh (npm package) and
# scripts/build-envoy.sh (Envoy filter), so an override measured for one applies to both.
# Defines arrays only; runs nothing.

# Crates compiled at opt-level 3 while the rest stays at z: they hold the signature arithmetic
# (a cache miss in Envoy, every fresh token in Node). Measured in the npm module:
# - the Ed25519 and SHA-2 crates: EdDSA verify 24% faster for +3% gzip size;
# - p256 + primeorder: ES256 verify in Node 1.39 -> 1.12 ms (-19%, side by side, CPU time) for
#   +3.5 KB gzip (+1.1%); adding elliptic-curve, ecdsa and crypto-bigint changed neither
#   (measured with p256 0.13, whose field multiplied in u128 that wasm emulates; 0.14, used
#   since, is 1.8x faster for ES256 and 35% smaller for the three curves);
# - primefield + crypto-bigint (p256 0.14's field multiplication), once __multi3 is inlined
#   (see inline_only): ES256 signature 156 -> 146 us (-6%, side by side, CPU time) for
#   +0.2 KB gzip; before that inlining they changed nothing measurable.
# jwtgate's own RSA code needs no override: forced to opt-level 3 (as a separate crate) it
# measured the same as at z, side by side. p384 + p521 at 3 measured within the noise for
# +9 KB gzip: their point arithmetic is generic and so compiled in jwtgate, at z.
signature_crates=(
  --config 'profile.release.package.curve25519-dalek.opt-level=3'
  --config 'profile.release.package.sha2.opt-level=3'
  --config 'profile.release.package.p256.opt-level=3'
  --config 'profile.release.package.primeorder.opt-level=3'
  --config 'profile.release.package.primefield.opt-level=3'
  --config 'profile.release.package.crypto-bigint.opt-level=3'
)

# wasm-opt inlines __multi3 and nothing else (scripts/wasm-inline-only.mjs): the 64x64->128-bit
# product wasm32 has no instruction for. p256's field arithmetic (64-bit limbs) calls it ~24
# times per field multiplication, each call passing its result through the shadow stack;
# inlined, binaryen folds the operands' zero high halves away. Measured side by side (signature
# probe, CPU time): ES256 198 -> 159 us (-20%); RS256 and EdDSA unchanged (their arithmetic
# never calls it); +7.3 KB gzip (276.4 -> 283.7), the copies in the P-256/384/521 code. Letting
# every small function be inlined instead costs +42 KB on the Envoy module.
# Measured alternative that lost: 32-bit limbs for the RustCrypto curves (RUSTFLAGS
# --cfg cpubits="32"; crypto-bigint and the curve crates pick 64-bit words on wasm32) made the
# signature checks (probe, CPU time, side by side) of ES256 98 -> 172 us and ES384 610 -> 733 us
# slower, ES512 638 -> 441 us faster; -3.8 KB gzip. Stable rustc sets a cfg for every crate or
# none, so P-521 cannot have it alone.
inline_only=(__multi3)
inline_flags=(--no-inline --pass-arg='no-inline@~*' --always-inline-max-function-size=200)

# The wasm features the modules use (what rustc's wasm32 target emits), for wasm-opt.
wasm_features=(--enable-bulk-memory --enable-sign-ext --enable-mutable-globals
  --enable-nontrapping-float-to-int --enable-reference-types --enable-multivalue)
