//! The signature primitive for each of the ten algorithms, over the JWS signing input.
//!
//! ECDSA and Ed25519 checks are done by the RustCrypto / dalek crates (with precomputed
//! multiples of the key: [`super::ecdsa`], [`super::eddsa`]), RSA by the
//! prepared-key module [`super::rsa`] (public-data arithmetic, exact padding checks); this module
//! only chooses the scheme, the hash and the exact signature encoding. Results are a plain
//! `bool` on purpose: callers learn *that* a key did not verify, never *why* (no padding/point
//! oracle in messages).
//!
//! # Acceptance rules
//! | alg | rule |
//! |---|---|
//! | RS256/384/512 | RSASSA-PKCS1-v1_5 (RFC 8017 §8.2.2) via [`super::rsa::PreparedRsaKey`]: signature exactly the modulus length and `< n`, the whole encoded block rebuilt and compared, so only the DigestInfo with the NULL parameter is accepted (the "missing NULL" form Wycheproof marks *acceptable* is rejected, as Go's `crypto/rsa` does) |
//! | PS256/384/512 | RSASSA-PSS, MGF1 with the same hash, salt length = hash length (RFC 7518 §3.5), trailer `0xbc`; signature exactly the modulus length and `< n`. The Vault profile accepts any salt length that verifies ([`PssSalt::Any`]), as go-jose does (Go's `rsa.VerifyPSS` with nil options) |
//! | ES256/384/512 | raw `r‖s` (RFC 7518 §3.4) of exactly 64/96/132 bytes; DER is refused by length; `r`, `s` in `[1, n-1]`. **High-S is accepted**: ECDSA signatures are malleable by design, Go's `crypto/ecdsa` (Vault) and Wycheproof both accept `(r, n-s)`, and a JWT's identity is its claims, not its signature bytes |
//! | EdDSA | Ed25519 (RFC 8032 §5.1.7) with ed25519-dalek's `verify_strict`: exactly 64 bytes, `S` canonical (`S < L`), `R` and the key not of small order, cofactorless equation. Small-order keys are refused when the key is loaded (`ERR_KEY_WEAK`, pinned by `tests/vectors/keys`); a small-order `R` makes the signature invalid. Go's `crypto/ed25519` (Vault) also refuses non-canonical `S` and is cofactorless, but accepts small-order keys and `R`: jwtgate is stricter there, which only matters for signatures no honest signer produces. Wycheproof's `ed25519_test.json` does not separate `verify` from `verify_strict` (both pass all 151 vectors) |
//!
//! The signature is always verified over `signing_input` exactly as given (RFC 7515 §5.2).
//! For RS*/PS*, a host may compute `s^e mod n` ([`super::rsa::RsaPublicOp`]); every rule in the
//! table is still checked here, so the table holds on both paths.

use super::rsa::{HostKey, PssSalt, RsaHash, RsaScheme};
use super::{Algorithm, PublicKey};

/// Whether `sig` is a valid `alg` signature by `key` over `msg`, with the PSS salt lengths `pss`
/// allows (the Vault profile passes [`PssSalt::Any`], what go-jose accepts; every other
/// algorithm is unaffected), and an RSA key's public operation computed by `host` when one is
/// given ([`super::rsa::RsaPublicOp`]: every acceptance check stays in the core; other keys
/// ignore it). `false` also when the key cannot verify `alg` at all (see [`PublicKey::fits`]).
pub fn verify_using(
    alg: Algorithm,
    key: &PublicKey,
    host: Option<HostKey<'_>>,
    msg: &[u8],
    sig: &[u8],
    pss: PssSalt,
) -> bool {
    use Algorithm::*;
    let pss_scheme = match pss {
        PssSalt::HashLength => RsaScheme::Pss,
        PssSalt::Any => RsaScheme::PssAnySalt,
    };
    let pkcs1 = RsaScheme::Pkcs1v15;
    match (alg, key) {
        (RS256, PublicKey::Rsa(k)) => k.verify_using(host, pkcs1, RsaHash::Sha256, msg, sig),
        (RS384, PublicKey::Rsa(k)) => k.verify_using(host, pkcs1, RsaHash::Sha384, msg, sig),
        (RS512, PublicKey::Rsa(k)) => k.verify_using(host, pkcs1, RsaHash::Sha512, msg, sig),
        (PS256, PublicKey::Rsa(k)) => k.verify_using(host, pss_scheme, RsaHash::Sha256, msg, sig),
        (PS384, PublicKey::Rsa(k)) => k.verify_using(host, pss_scheme, RsaHash::Sha384, msg, sig),
        (PS512, PublicKey::Rsa(k)) => k.verify_using(host, pss_scheme, RsaHash::Sha512, msg, sig),
        // Exactly 2 × 32 / 48 / 66 bytes, r and s in [1, n-1] (`Signature::from_slice`), then
        // u₁·G + u₂·Q ([`super::ecdsa`]).
        (ES256, PublicKey::P256(k)) => k.verify(msg, sig),
        (ES384, PublicKey::P384(k)) => k.verify(msg, sig),
        (ES512, PublicKey::P521(k)) => k.verify(msg, sig),
        // Exactly 64 bytes, then `verify_strict`'s checks and equation ([`super::eddsa`]).
        (EdDSA, PublicKey::Ed25519(k)) => k.verify(msg, sig),
        _ => false,
    }
}
