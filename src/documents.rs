//! Key and discovery documents described for display (the npm `jwksInfo`, `jwksToPem`,
//! `thumbprint`, `parseDiscovery`), and the inspection of an input too long to read. Each
//! answer is the JSON value front ends show; documents are read with the default limits.

use alloc::string::ToString;
use alloc::vec::Vec;

use serde_json::{json, Value};

use crate::code::Code;
use crate::failure::Failure;
use crate::inspect::Inspection;
use crate::jose::{jwk::SkippedKey, KeySet, VerifyingKey};
use crate::limits::Limits;

fn skipped_json(skipped: &[SkippedKey]) -> Vec<Value> {
    skipped
        .iter()
        .map(|s| {
            json!({
                "index": s.index,
                "kid": s.kid,
                "code": s.reason.code(),
                "message": s.reason.to_string(),
            })
        })
        .collect()
}

fn key_json(k: &VerifyingKey) -> Value {
    json!({
        "kid": k.kid,
        "alg": k.alg,
        "kty": k.kty.as_str(),
        "use": k.key_use,
        "curve": k.key.curve(),
        "bits": k.key.rsa_bits(),
        "thumbprint": k.thumbprint,
    })
}

/// RFC 7638 thumbprint of one public JWK.
pub fn thumbprint(jwk: &str) -> Result<Value, Failure> {
    let set = KeySet::from_jwks(jwk.as_bytes(), &Limits::default())?;
    match (set.keys.first(), set.skipped.first()) {
        (Some(k), _) => Ok(Value::String(k.thumbprint.clone())),
        (None, Some(s)) => Err(Failure::new(s.reason.code(), s.reason.to_string())),
        (None, None) => Err(Failure::new(Code::JwkInvalid, "no key")),
    }
}

/// The usable keys of a JWKS (`kid`, `alg`, `kty`, `use`, `curve`, `bits`, `thumbprint`) and
/// the skipped ones with their reasons.
pub fn jwks_info(jwks: &str) -> Result<Value, Failure> {
    let set = KeySet::from_jwks(jwks.as_bytes(), &Limits::default())?;
    Ok(json!({
        "keys": set.keys.iter().map(key_json).collect::<Vec<_>>(),
        "skipped": skipped_json(&set.skipped),
    }))
}

/// Every usable key of a JWKS as an SPKI PEM block.
pub fn jwks_to_pem(jwks: &str) -> Result<Value, Failure> {
    let p = crate::jose::jwks_to_pem(jwks.as_bytes(), &Limits::default())?;
    let keys =
        p.keys.iter().map(|k| json!({ "kid": k.kid, "thumbprint": k.thumbprint, "pem": k.pem }));
    Ok(json!({ "keys": keys.collect::<Vec<_>>(), "skipped": skipped_json(&p.skipped) }))
}

/// A discovery document checked against the issuer URL it was fetched for.
pub fn discovery(document: &str, issuer: &str) -> Result<Value, Failure> {
    let d = crate::jose::parse_discovery(document.as_bytes(), issuer, &Limits::default())?;
    Ok(json!({
        "issuer": d.issuer,
        "jwksUri": d.jwks_uri,
        "algorithms": d.algorithms,
        "unsupportedAlgorithms": d.unsupported_algorithms,
        "warnings": d.warnings,
    }))
}

/// The inspection of an input of `len` bytes over the default `max_document_len`, without the
/// input (a front end measures a string before copying it and asks for this instead). The
/// answer depends only on the length.
pub fn inspect_oversized(len: usize) -> Result<Inspection, Failure> {
    crate::inspect::oversized(len, &Limits::default()).ok_or_else(|| {
        Failure::new(
            Code::OptionsInvalid,
            alloc::format!("{len} bytes is within max_document_len: inspect the input itself"),
        )
    })
}
