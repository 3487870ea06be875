//! PEM public keys (Vault's `jwt_validation_pubkeys`) and SPKI encoding (JWK → PEM).
//!
//! Accepted blocks:
//! | label | content |
//! |---|---|
//! | `PUBLIC KEY` | SubjectPublicKeyInfo (RFC 5280): RSA (`rsaEncryption`, NULL parameters), EC (`id-ecPublicKey` on P-256/P-384/P-521, uncompressed point), Ed25519 (RFC 8410) |
//! | `RSA PUBLIC KEY` | PKCS#1 `RSAPublicKey` (RFC 8017 §A.1.1) |
//! | `CERTIFICATE` | X.509 certificate: its SubjectPublicKeyInfo, as above; dates, issuer and extensions are not looked at (Vault does not either) |
//! | `EC PARAMETERS` | ignored (OpenSSL prints it before EC keys) |
//! | `… PRIVATE KEY` | refused: `ERR_KEY_PRIVATE` |
//!
//! The PEM framing is read leniently, like Go's `encoding/pem` (any line length, CRLF,
//! surrounding whitespace, text between blocks), but the DER inside is strict. Blocks with
//! RFC 1421 headers (`Proc-Type: 4,ENCRYPTED`) are refused.
//!
//! jwtgate accepts a superset of what Vault does: Vault takes exactly one block per string
//! and does not parse PKCS#1 `RSA PUBLIC KEY` blocks (`certutil.ParsePublicKeyPEM`).

use alloc::format;
use alloc::string::{String, ToString};
use alloc::vec::Vec;

use base64::Engine as _;
use x509_cert::der::asn1::{AnyRef, BitStringRef, UintRef};
use x509_cert::der::{Decode as _, Encode as _};
use x509_cert::spki::{AlgorithmIdentifierRef, ObjectIdentifier, SubjectPublicKeyInfoRef};

use super::jwk::{self, Curve, KeySet, KeySource, PublicKey, SkippedKey, VerifyingKey};
use super::KeyError;
use crate::limits::Limits;
use crate::load_error::LoadError;

const RSA_ENCRYPTION: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.1");
const EC_PUBLIC_KEY: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.2.1");
const ED25519: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.101.112");
const SECP256R1: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.3.1.7");
const SECP384R1: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.132.0.34");
const SECP521R1: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.132.0.35");

/// Builds a [`KeySet`] from PEM strings (see [`KeySet::from_pem`]).
pub(crate) fn key_set(pems: &[&str], limits: &Limits) -> Result<KeySet, LoadError<KeyError>> {
    let mut set = KeySet { source: KeySource::Pem, ..KeySet::default() };
    let mut blocks_seen = 0usize;
    for (index, text) in pems.iter().enumerate() {
        Limits::check("max_document_len", text.len(), limits.max_document_len)?;
        let blocks = split_blocks(text);
        // Every block and every block-less string counts, readable or not, so a long list of
        // junk cannot grow `skipped` without bound.
        blocks_seen = blocks_seen.saturating_add(blocks.len().max(1));
        jwk::too_many_keys(blocks_seen, limits)?;
        if blocks.is_empty() {
            let reason = KeyError::PemInvalid { reason: "no PEM block found".into() };
            set.skipped.push(SkippedKey { index, kid: None, reason });
        }
        for (block, parsed) in blocks.into_iter().enumerate() {
            let result = match parsed {
                Ok((label, _)) if label == "EC PARAMETERS" => continue,
                Ok((label, der)) => key_from_block(&label, &der, limits),
                Err(e) => Err(e),
            };
            match result {
                Ok(key) => set.keys.push(VerifyingKey::from_pem_key(key, index, block)),
                Err(reason) => set.skipped.push(SkippedKey { index, kid: None, reason }),
            }
        }
    }
    Ok(set)
}

/// Parses one decoded PEM block by its label.
pub(crate) fn key_from_block(
    label: &str,
    der: &[u8],
    limits: &Limits,
) -> Result<PublicKey, KeyError> {
    match label {
        "PUBLIC KEY" => from_spki_der(der, limits),
        "RSA PUBLIC KEY" => from_pkcs1_der(der, limits),
        "CERTIFICATE" => {
            let cert =
                x509_cert::Certificate::from_der(der).map_err(|e| der_error("certificate", e))?;
            let spki = cert.tbs_certificate.subject_public_key_info.to_der();
            from_spki_der(&spki.map_err(|e| der_error("certificate key", e))?, limits)
        }
        l if l.contains("PRIVATE KEY") => {
            Err(KeyError::PrivateKey { member: format!("PEM {l} block") })
        }
        other => Err(KeyError::Unsupported { what: "PEM label", value: other.into() }),
    }
}

/// Parses SubjectPublicKeyInfo DER.
pub fn from_spki_der(der: &[u8], limits: &Limits) -> Result<PublicKey, KeyError> {
    let spki =
        SubjectPublicKeyInfoRef::from_der(der).map_err(|e| der_error("SubjectPublicKeyInfo", e))?;
    let key_bytes = spki.subject_public_key.as_bytes().ok_or_else(|| KeyError::PemInvalid {
        reason: "public key bit string has unused bits".into(),
    })?;
    let oid = spki.algorithm.oid;
    let params = spki.algorithm.parameters;
    if oid == RSA_ENCRYPTION {
        // Go's x509.ParsePKIXPublicKey requires the NULL parameters too.
        if params != Some(AnyRef::NULL) {
            return Err(KeyError::PemInvalid {
                reason: "rsaEncryption parameters must be NULL".into(),
            });
        }
        from_pkcs1_der(key_bytes, limits)
    } else if oid == EC_PUBLIC_KEY {
        let curve_oid =
            params.and_then(|p| p.decode_as::<ObjectIdentifier>().ok()).ok_or_else(|| {
                KeyError::PemInvalid { reason: "EC key without a named curve".into() }
            })?;
        let curve = match curve_oid {
            c if c == SECP256R1 => Curve::P256,
            c if c == SECP384R1 => Curve::P384,
            c if c == SECP521R1 => Curve::P521,
            other => {
                return Err(KeyError::Unsupported { what: "EC curve", value: other.to_string() })
            }
        };
        let len = curve.coordinate_len();
        match key_bytes.split_first() {
            Some((0x04, xy)) if xy.len() == 2 * len => {
                let (x, y) = xy.split_at(len);
                jwk::ec_key(curve, x, y).map_err(pemify)
            }
            _ => Err(KeyError::PemInvalid {
                reason: format!(
                    "EC point must be uncompressed ({} bytes for {})",
                    1 + 2 * len,
                    curve.name()
                ),
            }),
        }
    } else if oid == ED25519 {
        if params.is_some() {
            return Err(KeyError::PemInvalid {
                reason: "Ed25519 key must not have parameters".into(),
            });
        }
        jwk::ed25519_key(key_bytes).map_err(pemify)
    } else {
        Err(KeyError::Unsupported { what: "SPKI algorithm", value: oid.to_string() })
    }
}

/// Parses PKCS#1 `RSAPublicKey` DER.
pub fn from_pkcs1_der(der: &[u8], limits: &Limits) -> Result<PublicKey, KeyError> {
    let key = pkcs1::RsaPublicKey::from_der(der).map_err(|e| der_error("RSAPublicKey", e))?;
    jwk::rsa_key(key.modulus.as_bytes(), key.public_exponent.as_bytes(), limits).map_err(pemify)
}

/// SubjectPublicKeyInfo DER for `key`.
pub(crate) fn spki_der(key: &PublicKey) -> Result<Vec<u8>, KeyError> {
    let encode_err = |e: x509_cert::der::Error| KeyError::PemInvalid {
        reason: format!("cannot encode key: {e}"),
    };
    match key {
        PublicKey::Rsa(k) => {
            let n = k.modulus_be_bytes();
            let e = jwk::rsa_exponent_bytes(k);
            let pkcs1 = pkcs1::RsaPublicKey {
                modulus: UintRef::new(&n).map_err(encode_err)?,
                public_exponent: UintRef::new(&e).map_err(encode_err)?,
            };
            let inner = pkcs1.to_der().map_err(encode_err)?;
            encode_spki(RSA_ENCRYPTION, Some(AnyRef::NULL), &inner).map_err(encode_err)
        }
        PublicKey::P256(_) | PublicKey::P384(_) | PublicKey::P521(_) => {
            let curve = match key {
                PublicKey::P256(_) => SECP256R1,
                PublicKey::P384(_) => SECP384R1,
                _ => SECP521R1,
            };
            let point = key.sec1_uncompressed();
            encode_spki(EC_PUBLIC_KEY, Some(AnyRef::from(&curve)), &point).map_err(encode_err)
        }
        PublicKey::Ed25519(k) => {
            encode_spki(ED25519, None, k.verifying_key().as_bytes()).map_err(encode_err)
        }
    }
}

fn encode_spki(
    oid: ObjectIdentifier,
    parameters: Option<AnyRef<'_>>,
    key: &[u8],
) -> x509_cert::der::Result<Vec<u8>> {
    let spki = SubjectPublicKeyInfoRef {
        algorithm: AlgorithmIdentifierRef { oid, parameters },
        subject_public_key: BitStringRef::from_bytes(key)?,
    };
    spki.to_der()
}

/// `-----BEGIN PUBLIC KEY-----` PEM for `key`.
pub(crate) fn to_pem(key: &PublicKey) -> Result<String, KeyError> {
    Ok(public_key_pem(&spki_der(key)?))
}

/// RFC 7468 §2 text for an SPKI: standard base64 in lines of 64 characters, every line ended by
/// LF (what `der`'s PEM encoder writes, which the tests pin). Written with the base64 crate the
/// module already uses rather than a second base64 and PEM implementation.
fn public_key_pem(der: &[u8]) -> String {
    const BEGIN: &str = "-----BEGIN PUBLIC KEY-----\n";
    const END: &str = "-----END PUBLIC KEY-----\n";
    let b64 = base64::engine::general_purpose::STANDARD.encode(der);
    let mut out = String::with_capacity(BEGIN.len() + b64.len() + b64.len() / 64 + 1 + END.len());
    out.push_str(BEGIN);
    // Base64 text is ASCII, so every 64-byte chunk is whole characters.
    for line in b64.as_bytes().chunks(64) {
        out.push_str(core::str::from_utf8(line).unwrap_or_default());
        out.push('\n');
    }
    out.push_str(END);
    out
}

fn der_error(what: &str, e: x509_cert::der::Error) -> KeyError {
    KeyError::PemInvalid { reason: format!("{what} is not valid DER: {e}") }
}

/// Key-construction errors name JWK members; in a PEM context say so in the PEM reason.
fn pemify(e: KeyError) -> KeyError {
    match e {
        KeyError::JwkInvalid { member, reason } => {
            KeyError::PemInvalid { reason: format!("{member}: {reason}") }
        }
        other => other,
    }
}

type Block = Result<(String, Vec<u8>), KeyError>;

/// Splits `text` into PEM blocks: `(label, DER)` or why the block is unreadable.
fn split_blocks(text: &str) -> Vec<Block> {
    let mut out = Vec::new();
    let mut lines = text.lines().map(str::trim);
    while let Some(line) = lines.next() {
        let Some(label) = line.strip_prefix("-----BEGIN ").and_then(|l| l.strip_suffix("-----"))
        else {
            continue; // explanatory text outside blocks is ignored, as OpenSSL and Go do
        };
        let end = format!("-----END {label}-----");
        let mut body = String::new();
        let mut has_headers = false;
        let mut closed = false;
        for line in lines.by_ref() {
            if line == end {
                closed = true;
                break;
            }
            has_headers |= line.contains(':');
            body.push_str(line);
        }
        let block = if !closed {
            Err(KeyError::PemInvalid { reason: format!("{label} block has no END line") })
        } else if has_headers {
            Err(KeyError::PemInvalid {
                reason: format!("{label} block has headers (encrypted PEM is not supported)"),
            })
        } else {
            body.retain(|c| !c.is_ascii_whitespace());
            base64::engine::general_purpose::STANDARD
                .decode(body.as_bytes())
                .map(|der| (label.to_string(), der))
                .map_err(|_| KeyError::PemInvalid {
                    reason: format!("{label} block body is not valid base64"),
                })
        };
        out.push(block);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The PEM text is what `der`'s RFC 7468 encoder writes for every length across several
    /// 64-character line boundaries (48 bytes of DER fill one line exactly).
    #[test]
    fn public_key_pem_matches_der_pem_encoder_at_every_length() {
        // From 1: an SPKI is never empty (`der` writes an empty line for no bytes).
        for len in 1..200 {
            let bytes: Vec<u8> = (0..len).map(|i| (i * 37 + 11) as u8).collect();
            let reference =
                der::pem::encode_string("PUBLIC KEY", der::pem::LineEnding::LF, &bytes).unwrap();
            assert_eq!(public_key_pem(&bytes), reference, "{len} bytes");
        }
    }

    /// `to_pem` writes exactly what `der`'s RFC 7468 encoder writes (the encoder it replaced)
    /// for every key type.
    #[test]
    fn to_pem_matches_der_pem_encoder() {
        let limits = Limits::default();
        let jwks = include_bytes!("../../tests/fixtures/sample/jwks.json");
        let mut keys: Vec<PublicKey> =
            KeySet::from_jwks(jwks, &limits).unwrap().keys.into_iter().map(|k| k.key).collect();
        let pems = include_str!("../../tests/vectors/keys/pem.json");
        let doc: serde_json::Value = serde_json::from_str(pems).unwrap();
        for case in doc["cases"].as_array().unwrap() {
            for pem in case["pems"].as_array().into_iter().flatten() {
                if let Ok(set) = KeySet::from_pem(&[pem.as_str().unwrap()], &limits) {
                    keys.extend(set.keys.into_iter().map(|k| k.key));
                }
            }
        }
        let kinds: alloc::collections::BTreeSet<&str> = keys.iter().map(PublicKey::kind).collect();
        assert!(kinds.len() >= 4, "{kinds:?}");
        for key in &keys {
            let der = spki_der(key).unwrap();
            let reference = der::pem::encode_string("PUBLIC KEY", der::pem::LineEnding::LF, &der);
            assert_eq!(to_pem(key).unwrap(), reference.unwrap(), "{}", key.kind());
        }
    }
}
