//! Choosing the key for a token and verifying the signature with it.
//!
//! # Candidates
//! * **JWKS** ([`KeySource::Jwks`]): with a `kid`, only keys with exactly that `kid` are
//!   candidates — there is no fallback to other keys (go-oidc, which Vault uses, does the
//!   same). Without a `kid`, every key is a candidate, in document order (Vault/go-oidc).
//! * **PEM** ([`KeySource::Pem`], Vault's `jwt_validation_pubkeys`): the `kid` is ignored and
//!   every key is a candidate, in order (Vault's `staticKeySet`).
//!
//! A candidate is *tried* when its JWK `alg` (if any) equals the token's `alg` and its type and
//! curve fit the algorithm. The first key that verifies wins.
//!
//! # Outcomes, most specific first
//! | rank | condition | error |
//! |---|---|---|
//! | — | the set has no usable key | `ERR_KEYS_MISSING` (or the skipped key's own code when the token's `kid` names a skipped key) |
//! | — | `kid` given, no usable key has it | `ERR_JWKS_NO_MATCHING_KEY` naming the `kid` and listing the `kid`s present (or the skipped key's code, as above) |
//! | 1 | at least one key was tried and none verified | `ERR_JWS_SIGNATURE_INVALID` with the `alg` and the number of keys tried |
//! | 2 | no key tried; some candidate's JWK `alg` differs from the token's | `ERR_JWK_ALG_MISMATCH` (the first such key) |
//! | 3 | no key tried; no candidate's type/curve fits the `alg` | `ERR_JWKS_NO_COMPATIBLE_KEY` listing the candidates' kinds |
//!
//! Rank 1 wins because a key of the right kind that did not verify is the actual failure;
//! the other candidates were never in the running.

use alloc::vec::Vec;

use super::jwk::{KeySet, KeySource, VerifyingKey};
use super::rsa::{HostKey, PssSalt, RsaPublicOp};
use super::{signature, Algorithm, KeyError};

/// Verifies `signature` over `signing_input` for a token with header `alg` and `kid`,
/// returning the key that verified it (see the module docs for selection and errors).
pub fn verify_signature<'k>(
    alg: Algorithm,
    kid: Option<&str>,
    signing_input: &[u8],
    signature: &[u8],
    keys: &'k KeySet,
) -> Result<&'k VerifyingKey, KeyError> {
    verify_signature_with(alg, kid, signing_input, signature, keys, PssSalt::HashLength)
}

/// [`verify_signature`] with the PSS salt lengths `pss` allows ([`PssSalt::Any`] is what
/// go-jose, and so Vault, accepts).
pub fn verify_signature_with<'k>(
    alg: Algorithm,
    kid: Option<&str>,
    signing_input: &[u8],
    signature: &[u8],
    keys: &'k KeySet,
    pss: PssSalt,
) -> Result<&'k VerifyingKey, KeyError> {
    verify_signature_using(alg, kid, signing_input, signature, keys, pss, None)
}

/// [`verify_signature_with`], with the RSA public operation computed by `rsa` when one is
/// given, for the key at each position of `keys.keys` (see [`RsaPublicOp`]; selection and every
/// acceptance check are the same either way).
pub fn verify_signature_using<'k>(
    alg: Algorithm,
    kid: Option<&str>,
    signing_input: &[u8],
    signature: &[u8],
    keys: &'k KeySet,
    pss: PssSalt,
    rsa: Option<&dyn RsaPublicOp>,
) -> Result<&'k VerifyingKey, KeyError> {
    let kid = match keys.source {
        KeySource::Jwks => kid,
        KeySource::Pem => None,
    };
    if let Some(kid) = kid {
        let present = keys.keys.iter().any(|k| k.kid.as_deref() == Some(kid));
        if !present {
            if let Some(skipped) = keys.skipped.iter().find(|s| s.kid.as_deref() == Some(kid)) {
                let reason = alloc::boxed::Box::new(skipped.reason.clone());
                return Err(KeyError::KeySkipped { kid: kid.into(), reason });
            }
            if keys.keys.is_empty() {
                return Err(KeyError::KeysMissing { skipped: keys.skipped.len() });
            }
            let available = keys.keys.iter().map(|k| k.kid.clone()).collect();
            return Err(KeyError::NoMatchingKey { kid: kid.into(), available });
        }
    }
    if keys.keys.is_empty() {
        return Err(KeyError::KeysMissing { skipped: keys.skipped.len() });
    }

    let mut tried = 0usize;
    let mut mismatch: Option<KeyError> = None;
    let mut kinds: Vec<&'static str> = Vec::new();
    let candidates =
        keys.keys.iter().enumerate().filter(|(_, k)| kid.is_none() || k.kid.as_deref() == kid);
    for (slot, key) in candidates {
        kinds.push(key.key.kind());
        if let Some(key_alg) = key.alg {
            if key_alg != alg {
                mismatch.get_or_insert_with(|| KeyError::AlgMismatch {
                    kid: key.kid.clone(),
                    token_alg: alg,
                    key_alg,
                });
                continue;
            }
        }
        if !key.key.fits(alg) {
            continue;
        }
        tried = tried.saturating_add(1);
        let host = rsa.map(|op| HostKey { op, slot });
        if signature::verify_using(alg, &key.key, host, signing_input, signature, pss) {
            return Ok(key);
        }
    }
    Err(if tried > 0 {
        KeyError::SignatureInvalid { alg, tried }
    } else if let Some(m) = mismatch {
        m
    } else {
        KeyError::NoCompatibleKey { alg, kid: kid.map(Into::into), candidates: kinds }
    })
}
