//! The signature primitive for each of the ten algorithms, over the JWS signing input.
//!
//! Every check is done by a RustCrypto / dalek crate; this module only chooses the scheme,
//! the hash and the exact signature encoding. Results are a plain `bool` on purpose: callers
//! learn *that* a key did not verify, never *why* (no padding/point oracle in messages).
//!
//! # Acceptance rules
//! | alg | rule |
//! |---|---|
//! | RS256/384/512 | RSASSA-PKCS1-v1_5 (RFC 8017 §8.2.2) via `rsa`: signature exactly the modulus length and `< n`, DigestInfo with the NULL parameter only (the "missing NULL" form Wycheproof marks *acceptable* is rejected, as Go's `crypto/rsa` does) |
//! | PS256/384/512 | RSASSA-PSS, MGF1 with the same hash, salt length = hash length (RFC 7518 §3.5), trailer `0xbc`; signature exactly the modulus length and `< n` (checked here: `rsa` 0.9's `Pss` path does not) |
//! | ES256/384/512 | raw `r‖s` (RFC 7518 §3.4) of exactly 64/96/132 bytes; DER is refused by length; `r`, `s` in `[1, n-1]`. **High-S is accepted**: ECDSA signatures are malleable by design, Go's `crypto/ecdsa` (Vault) and Wycheproof both accept `(r, n-s)`, and a JWT's identity is its claims, not its signature bytes |
//! | EdDSA | Ed25519 per RFC 8032 with ed25519-dalek's `verify_strict`: `S` must be canonical (`S < L`), and keys or `R` values of small order are refused. The key check happens when the key is loaded (`ERR_KEY_WEAK`); the `R` check makes jwtgate stricter than Go's `crypto/ed25519` (Vault), which accepts a small-order `R`. No honest signer produces one; see the module docs of [`crate::jose::select`] for the exceptions list in the Wycheproof data |
//!
//! The signature is always verified over `signing_input` exactly as given (RFC 7515 §5.2).

use p256::ecdsa::signature::Verifier as _;
use rsa::traits::PublicKeyParts as _;
use rsa::{BigUint, Pkcs1v15Sign, Pss};
use sha2::{Digest as _, Sha256, Sha384, Sha512};

use super::{Algorithm, PublicKey};

/// Whether `sig` is a valid `alg` signature by `key` over `msg`. `false` also when the key
/// cannot verify `alg` at all (see [`PublicKey::fits`]).
pub fn verify(alg: Algorithm, key: &PublicKey, msg: &[u8], sig: &[u8]) -> bool {
    use Algorithm::*;
    match (alg, key) {
        (RS256, PublicKey::Rsa(k)) => {
            k.verify(Pkcs1v15Sign::new::<Sha256>(), &Sha256::digest(msg), sig).is_ok()
        }
        (RS384, PublicKey::Rsa(k)) => {
            k.verify(Pkcs1v15Sign::new::<Sha384>(), &Sha384::digest(msg), sig).is_ok()
        }
        (RS512, PublicKey::Rsa(k)) => {
            k.verify(Pkcs1v15Sign::new::<Sha512>(), &Sha512::digest(msg), sig).is_ok()
        }
        (PS256, PublicKey::Rsa(k)) => {
            pss_in_range(k, sig)
                && k.verify(Pss::new::<Sha256>(), &Sha256::digest(msg), sig).is_ok()
        }
        (PS384, PublicKey::Rsa(k)) => {
            pss_in_range(k, sig)
                && k.verify(Pss::new::<Sha384>(), &Sha384::digest(msg), sig).is_ok()
        }
        (PS512, PublicKey::Rsa(k)) => {
            pss_in_range(k, sig)
                && k.verify(Pss::new::<Sha512>(), &Sha512::digest(msg), sig).is_ok()
        }
        (ES256, PublicKey::P256(k)) => {
            // from_slice takes exactly 2 × 32 bytes and refuses r or s = 0 or ≥ n.
            p256::ecdsa::Signature::from_slice(sig).is_ok_and(|s| k.verify(msg, &s).is_ok())
        }
        (ES384, PublicKey::P384(k)) => {
            p384::ecdsa::Signature::from_slice(sig).is_ok_and(|s| k.verify(msg, &s).is_ok())
        }
        (ES512, PublicKey::P521(k)) => {
            p521::ecdsa::Signature::from_slice(sig).is_ok_and(|s| k.verify(msg, &s).is_ok())
        }
        (EdDSA, PublicKey::Ed25519(k)) => ed25519_dalek::Signature::from_slice(sig)
            .is_ok_and(|s| k.verify_strict(msg, &s).is_ok()),
        _ => false,
    }
}

/// RFC 8017 §8.1.2 step 2.a / RSAVP1 step 1: the signature representative must be `< n`,
/// otherwise `s` and `s + n` would both verify.
fn pss_in_range(key: &rsa::RsaPublicKey, sig: &[u8]) -> bool {
    BigUint::from_bytes_be(sig) < *key.n()
}
