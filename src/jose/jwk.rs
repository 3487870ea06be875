//! Public keys: JWK / JWKS (RFC 7517, RFC 7518 §6, RFC 8037 §2) and PEM, as a [`KeySet`].
//!
//! Loading a set never fails because of one bad key: every unusable entry is recorded in
//! [`KeySet::skipped`] with the reason, so an inspector can show it and a verifier can still
//! use the good keys. Only a document that is not a JWKS at all, or one with more keys than
//! [`Limits::max_jwks_keys`], is refused as a whole.
//!
//! # What makes a JWK unusable
//! | condition | code |
//! |---|---|
//! | `kty` other than `RSA`/`EC`/`OKP`, `crv` other than `P-256`/`P-384`/`P-521`/`Ed25519`, `alg` not one of the ten | `ERR_KEY_UNSUPPORTED` |
//! | RSA key with only `x5c` (no `n`/`e`) | `ERR_KEY_UNSUPPORTED` |
//! | `use` other than `sig`, `key_ops` without `verify` | `ERR_KEY_NOT_FOR_VERIFICATION` |
//! | private members (`d`, `p`, `q`, `dp`, `dq`, `qi`, `oth`) | `ERR_KEY_PRIVATE` |
//! | missing or non-string members, non-canonical base64url, wrong coordinate length, point not on the curve, even or tiny exponent, even modulus, `alg` that does not fit the key type | `ERR_JWK_INVALID` |
//! | RSA modulus outside `min_rsa_bits..=max_rsa_bits`, small-order Ed25519 key | `ERR_KEY_WEAK` |
//!
//! A JWK carrying private members is **refused**, not silently downgraded to its public half:
//! a JWKS that publishes a private key means anyone could have minted the token, so a
//! signature made with it proves nothing. (go-jose, which Vault uses, would parse it as a
//! private key and then fail to verify with it, so no working Vault setup depends on this.)
//!
//! Differences from Vault (go-oidc ignores `use`, `key_ops` and the JWK `alg`): jwtgate honours
//! them, as RFC 7517 §4.2–4.4 intend; a key marked `use: enc` is skipped instead of tried.

use alloc::format;
use alloc::string::{String, ToString};
use alloc::vec::Vec;

use base64::Engine as _;
use serde_json::{Map, Value};

use super::{thumbprint, Algorithm, KeyError};
use crate::json;
use crate::limits::{LimitExceeded, Limits};
use crate::load_error::LoadError;

/// The cryptographic material of one public key.
#[derive(Clone)]
#[non_exhaustive]
pub enum PublicKey {
    /// RSA (RS*/PS*), prepared once for fast repeated verification.
    Rsa(super::rsa::PreparedRsaKey),
    /// NIST P-256 (ES256), with precomputed multiples built on its second use.
    P256(super::ecdsa::PreparedP256Key),
    /// NIST P-384 (ES384), with precomputed multiples built on its second use.
    P384(super::ecdsa::PreparedP384Key),
    /// NIST P-521 (ES512), with precomputed multiples built on its second use.
    P521(super::ecdsa::PreparedP521Key),
    /// Ed25519 (EdDSA).
    Ed25519(super::eddsa::PreparedEd25519Key),
}

impl core::fmt::Debug for PublicKey {
    // Redacting: public keys are not secret, but logs should name keys by thumbprint only.
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(match self {
            PublicKey::Rsa(_) => "PublicKey::Rsa(..)",
            PublicKey::P256(_) => "PublicKey::P256(..)",
            PublicKey::P384(_) => "PublicKey::P384(..)",
            PublicKey::P521(_) => "PublicKey::P521(..)",
            PublicKey::Ed25519(_) => "PublicKey::Ed25519(..)",
        })
    }
}

impl PublicKey {
    /// The JWK key type.
    pub fn kty(&self) -> KeyType {
        match self {
            PublicKey::Rsa(_) => KeyType::Rsa,
            PublicKey::P256(_) | PublicKey::P384(_) | PublicKey::P521(_) => KeyType::Ec,
            PublicKey::Ed25519(_) => KeyType::Okp,
        }
    }

    /// The JWK `crv`, for EC and OKP keys.
    pub fn curve(&self) -> Option<&'static str> {
        match self {
            PublicKey::Rsa(_) => None,
            PublicKey::P256(_) => Some("P-256"),
            PublicKey::P384(_) => Some("P-384"),
            PublicKey::P521(_) => Some("P-521"),
            PublicKey::Ed25519(_) => Some("Ed25519"),
        }
    }

    /// A short human description: `RSA`, `EC P-256`, `OKP Ed25519`.
    pub fn kind(&self) -> &'static str {
        match self {
            PublicKey::Rsa(_) => "RSA",
            PublicKey::P256(_) => "EC P-256",
            PublicKey::P384(_) => "EC P-384",
            PublicKey::P521(_) => "EC P-521",
            PublicKey::Ed25519(_) => "OKP Ed25519",
        }
    }

    /// The RSA modulus size in bits (`None` for other keys).
    pub fn rsa_bits(&self) -> Option<usize> {
        match self {
            PublicKey::Rsa(k) => Some(k.modulus_bits()),
            _ => None,
        }
    }

    /// Whether this key's type and curve can verify `alg` (RFC 7518 §3.1, RFC 8037 §3.1).
    pub fn fits(&self, alg: Algorithm) -> bool {
        use Algorithm::*;
        matches!(
            (self, alg),
            (PublicKey::Rsa(_), RS256 | RS384 | RS512 | PS256 | PS384 | PS512)
                | (PublicKey::P256(_), ES256)
                | (PublicKey::P384(_), ES384)
                | (PublicKey::P521(_), ES512)
                | (PublicKey::Ed25519(_), EdDSA)
        )
    }

    /// The public key as the members of a minimal JWK, in lexicographic order: exactly the
    /// RFC 7638 §3.2 required members, values base64url without leading zero octets for RSA
    /// and with full-length coordinates for EC.
    pub fn jwk_members(&self) -> Vec<(&'static str, String)> {
        let b64 = |b: &[u8]| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(b);
        match self {
            PublicKey::Rsa(k) => alloc::vec![
                ("e", b64(&rsa_exponent_bytes(k))),
                ("kty", "RSA".into()),
                ("n", b64(&k.modulus_be_bytes())),
            ],
            PublicKey::Ed25519(k) => alloc::vec![
                ("crv", "Ed25519".into()),
                ("kty", "OKP".into()),
                ("x", b64(k.verifying_key().as_bytes())),
            ],
            PublicKey::P256(_) | PublicKey::P384(_) | PublicKey::P521(_) => {
                let point = self.sec1_uncompressed();
                // Uncompressed SEC1 is 0x04 || x || y with equal halves.
                let coords = point.get(1..).unwrap_or_default();
                let (x, y) = coords.split_at(coords.len() / 2);
                alloc::vec![
                    ("crv", self.curve().unwrap_or_default().into()),
                    ("kty", "EC".into()),
                    ("x", b64(x)),
                    ("y", b64(y)),
                ]
            }
        }
    }

    /// The minimal public JWK as a JSON object string (the RFC 7638 input).
    pub fn to_jwk_json(&self) -> String {
        let mut out = String::from("{");
        for (i, (name, value)) in self.jwk_members().iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            // Names and values are ASCII base64url or fixed names: no escaping needed.
            out.push_str(&format!("\"{name}\":\"{value}\""));
        }
        out.push('}');
        out
    }

    /// The uncompressed SEC1 encoding of an EC point (empty for other keys).
    pub(crate) fn sec1_uncompressed(&self) -> Vec<u8> {
        match self {
            PublicKey::P256(k) => k.verifying_key().to_sec1_point(false).as_bytes().to_vec(),
            PublicKey::P384(k) => k.verifying_key().to_sec1_point(false).as_bytes().to_vec(),
            PublicKey::P521(k) => k.verifying_key().to_sec1_point(false).as_bytes().to_vec(),
            PublicKey::Rsa(_) | PublicKey::Ed25519(_) => Vec::new(),
        }
    }

    /// The key as SubjectPublicKeyInfo DER (RFC 5280 §4.1.2.7), what OpenSSL and Vault's
    /// `jwt_validation_pubkeys` call a `PUBLIC KEY`.
    pub fn to_spki_der(&self) -> Result<Vec<u8>, KeyError> {
        super::pem::spki_der(self)
    }

    /// The key as a `-----BEGIN PUBLIC KEY-----` PEM block (LF line endings, 64 columns).
    pub fn to_pem(&self) -> Result<String, KeyError> {
        super::pem::to_pem(self)
    }
}

/// The JWK `kty` of a usable key.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum KeyType {
    /// `RSA`.
    Rsa,
    /// `EC` (NIST curves).
    Ec,
    /// `OKP` (Ed25519).
    Okp,
}

impl KeyType {
    /// The `kty` value.
    pub const fn as_str(self) -> &'static str {
        match self {
            KeyType::Rsa => "RSA",
            KeyType::Ec => "EC",
            KeyType::Okp => "OKP",
        }
    }
}

impl core::fmt::Display for KeyType {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Where a key came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeyOrigin {
    /// Entry `index` (0-based) of the JWKS `keys` array (0 for a single JWK).
    Jwk {
        /// Position in the `keys` array.
        index: usize,
    },
    /// PEM block `block` (0-based) of input string `index` (0-based).
    Pem {
        /// Which input string.
        index: usize,
        /// Which block within that string.
        block: usize,
    },
}

/// How a [`KeySet`] was given, which decides how keys are selected
/// (see [`verify_signature`](super::select::verify_signature)).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum KeySource {
    /// A JWKS or single JWK: the token's `kid` selects the candidates.
    #[default]
    Jwks,
    /// PEM keys (Vault's `jwt_validation_pubkeys`): `kid` is ignored, every key is tried.
    Pem,
}

/// One usable verification key.
#[derive(Clone, Debug)]
pub struct VerifyingKey {
    /// The JWK `kid`, if any (PEM keys have none).
    pub kid: Option<String>,
    /// The JWK `alg`, if the JWK restricts it.
    pub alg: Option<Algorithm>,
    /// The key type.
    pub kty: KeyType,
    /// The JWK `use`, if given (always `sig` for a usable key).
    pub key_use: Option<String>,
    /// The key material.
    pub key: PublicKey,
    /// RFC 7638 SHA-256 thumbprint, base64url.
    pub thumbprint: String,
    /// Where the key came from.
    pub origin: KeyOrigin,
}

impl VerifyingKey {
    /// Wraps key material from a PEM block.
    pub(crate) fn from_pem_key(key: PublicKey, index: usize, block: usize) -> Self {
        VerifyingKey {
            kid: None,
            alg: None,
            kty: key.kty(),
            key_use: None,
            thumbprint: thumbprint(&key),
            origin: KeyOrigin::Pem { index, block },
            key,
        }
    }
}

/// A key that could not be used, and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SkippedKey {
    /// Position of the key: the JWKS array index, or for PEM the input string index.
    pub index: usize,
    /// The JWK `kid`, when it could be read.
    pub kid: Option<String>,
    /// Why it was skipped.
    pub reason: KeyError,
}

/// A set of verification keys and the keys that were skipped while building it.
#[derive(Clone, Debug, Default)]
pub struct KeySet {
    /// Usable keys, in document order.
    pub keys: Vec<VerifyingKey>,
    /// Unusable keys, in document order, with the reason.
    pub skipped: Vec<SkippedKey>,
    /// JWKS or PEM: decides whether `kid` selects keys.
    pub source: KeySource,
}

impl KeySet {
    /// Loads a JWKS (`{"keys":[...]}`) or a single JWK object (one with a `kty` member).
    ///
    /// Errors only for the document as a whole: invalid or duplicate-member JSON
    /// (`ERR_JSON_*`), neither a `keys` array nor a `kty` (`ERR_JWKS_INVALID`), more entries
    /// than [`Limits::max_jwks_keys`] (`ERR_LIMIT_EXCEEDED`).
    pub fn from_jwks(bytes: &[u8], limits: &Limits) -> Result<KeySet, LoadError<KeyError>> {
        let doc = json::parse_object(bytes, "JWKS", limits)?;
        KeySet::from_jwks_object(&doc, limits)
    }

    /// Like [`KeySet::from_jwks`], for a document already parsed (strictly) by the caller.
    pub fn from_jwks_object(
        doc: &Map<String, Value>,
        limits: &Limits,
    ) -> Result<KeySet, LoadError<KeyError>> {
        let mut set = KeySet { source: KeySource::Jwks, ..KeySet::default() };
        match doc.get("keys") {
            Some(Value::Array(entries)) => {
                Limits::check("max_jwks_keys", entries.len(), limits.max_jwks_keys)?;
                for (index, entry) in entries.iter().enumerate() {
                    set.add_jwk(index, entry, limits);
                }
            }
            Some(_) => {
                return Err(KeyError::JwksInvalid { reason: "\"keys\" is not an array" }.into())
            }
            None if doc.contains_key("kty") => {
                set.add_jwk(0, &Value::Object(doc.clone()), limits);
            }
            None => {
                let reason = "neither a \"keys\" array nor a single jwk with \"kty\"";
                return Err(KeyError::JwksInvalid { reason }.into());
            }
        }
        Ok(set)
    }

    /// Loads PEM public keys as Vault's `jwt_validation_pubkeys` holds them: each string may
    /// contain one or more `PUBLIC KEY` (SPKI), `RSA PUBLIC KEY` (PKCS#1) or `CERTIFICATE`
    /// blocks (the certificate's SPKI is used; its validity dates and issuer are not checked,
    /// as in Vault). Unusable blocks are skipped with the reason; only more blocks than
    /// [`Limits::max_jwks_keys`] or a string longer than [`Limits::max_document_len`] is an
    /// error.
    pub fn from_pem(pems: &[&str], limits: &Limits) -> Result<KeySet, LoadError<KeyError>> {
        super::pem::key_set(pems, limits)
    }

    /// Whether no usable key is present.
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    fn add_jwk(&mut self, index: usize, entry: &Value, limits: &Limits) {
        let kid = entry.get("kid").and_then(Value::as_str).map(ToString::to_string);
        let result = match entry {
            Value::Object(jwk) => parse_jwk(jwk, index, limits),
            other => Err(KeyError::JwkInvalid {
                member: "jwk",
                reason: format!("entry is a {}, not an object", json::type_name(other)),
            }),
        };
        match result {
            Ok(key) => self.keys.push(key),
            Err(reason) => self.skipped.push(SkippedKey { index, kid, reason }),
        }
    }
}

/// Converts every usable key of a JWKS (or single JWK) to SPKI PEM, as the `pem-jwk` npm tool
/// does for Vault's `jwt_validation_pubkeys`. Skipped keys are returned with their reasons.
pub fn jwks_to_pem(jwks: &[u8], limits: &Limits) -> Result<PemKeys, LoadError<KeyError>> {
    let set = KeySet::from_jwks(jwks, limits)?;
    let mut keys = Vec::with_capacity(set.keys.len());
    let mut skipped = set.skipped;
    for k in set.keys {
        match k.key.to_pem() {
            Ok(pem) => keys.push(PemKey { kid: k.kid, thumbprint: k.thumbprint, pem }),
            Err(reason) => {
                let index = match k.origin {
                    KeyOrigin::Jwk { index } => index,
                    KeyOrigin::Pem { index, .. } => index,
                };
                skipped.push(SkippedKey { index, kid: k.kid, reason });
            }
        }
    }
    Ok(PemKeys { keys, skipped })
}

/// The result of [`jwks_to_pem`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PemKeys {
    /// One PEM per usable key, in document order.
    pub keys: Vec<PemKey>,
    /// Keys that could not be converted, with the reason.
    pub skipped: Vec<SkippedKey>,
}

/// One converted key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PemKey {
    /// The JWK `kid`, if any.
    pub kid: Option<String>,
    /// RFC 7638 thumbprint.
    pub thumbprint: String,
    /// `-----BEGIN PUBLIC KEY-----` block.
    pub pem: String,
}

// ---- one JWK ----

const RSA_PRIVATE: [&str; 7] = ["d", "p", "q", "dp", "dq", "qi", "oth"];

fn parse_jwk(
    jwk: &Map<String, Value>,
    index: usize,
    limits: &Limits,
) -> Result<VerifyingKey, KeyError> {
    let kid = opt_str(jwk, "kid")?;
    let kty = req_str(jwk, "kty")?;
    if !matches!(kty, "RSA" | "EC" | "OKP") {
        return Err(KeyError::Unsupported { what: "kty", value: kty.into() });
    }
    if let Some(member) = RSA_PRIVATE.iter().find(|m| jwk.contains_key(**m)) {
        return Err(KeyError::PrivateKey { member: format!("jwk member \"{member}\"") });
    }
    let key_use = opt_str(jwk, "use")?;
    if let Some(u) = key_use {
        if u != "sig" {
            return Err(KeyError::NotForVerification { member: "use", value: u.into() });
        }
    }
    check_key_ops(jwk)?;
    let alg = match opt_str(jwk, "alg")? {
        None => None,
        Some(name) => match Algorithm::from_name(name) {
            Some(a) => Some(a),
            None => return Err(KeyError::Unsupported { what: "alg", value: name.into() }),
        },
    };

    let key = match kty {
        "RSA" => {
            if !jwk.contains_key("n") && jwk.contains_key("x5c") {
                let value = "x5c without n and e".into();
                return Err(KeyError::Unsupported { what: "x5c", value });
            }
            let n = b64_member(jwk, "n")?;
            let e = b64_member(jwk, "e")?;
            rsa_key(&n, &e, limits)?
        }
        "EC" => {
            let crv = req_str(jwk, "crv")?;
            let curve = match crv {
                "P-256" => Curve::P256,
                "P-384" => Curve::P384,
                "P-521" => Curve::P521,
                other => return Err(KeyError::Unsupported { what: "crv", value: other.into() }),
            };
            let x = b64_member(jwk, "x")?;
            let y = b64_member(jwk, "y")?;
            ec_key(curve, &x, &y)?
        }
        _ => {
            let crv = req_str(jwk, "crv")?;
            if crv != "Ed25519" {
                return Err(KeyError::Unsupported { what: "crv", value: crv.into() });
            }
            ed25519_key(&b64_member(jwk, "x")?)?
        }
    };
    if let Some(a) = alg {
        if !key.fits(a) {
            let reason = format!("alg {a} cannot be used with a {} key", key.kind());
            return Err(KeyError::JwkInvalid { member: "alg", reason });
        }
    }
    Ok(VerifyingKey {
        kid: kid.map(Into::into),
        alg,
        kty: key.kty(),
        key_use: key_use.map(Into::into),
        thumbprint: thumbprint(&key),
        origin: KeyOrigin::Jwk { index },
        key,
    })
}

fn check_key_ops(jwk: &Map<String, Value>) -> Result<(), KeyError> {
    let Some(ops) = jwk.get("key_ops") else {
        return Ok(());
    };
    let Value::Array(ops) = ops else {
        let reason = format!("must be an array of strings, found {}", json::type_name(ops));
        return Err(KeyError::JwkInvalid { member: "key_ops", reason });
    };
    let mut names = Vec::with_capacity(ops.len());
    for op in ops {
        match op.as_str() {
            Some(s) => names.push(s),
            None => {
                let reason = format!("entries must be strings, found {}", json::type_name(op));
                return Err(KeyError::JwkInvalid { member: "key_ops", reason });
            }
        }
    }
    if names.contains(&"verify") {
        Ok(())
    } else {
        Err(KeyError::NotForVerification { member: "key_ops", value: names.join(",") })
    }
}

fn opt_str<'a>(
    jwk: &'a Map<String, Value>,
    member: &'static str,
) -> Result<Option<&'a str>, KeyError> {
    match jwk.get(member) {
        None => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(other) => Err(KeyError::JwkInvalid {
            member,
            reason: format!("must be a string, found {}", json::type_name(other)),
        }),
    }
}

fn req_str<'a>(jwk: &'a Map<String, Value>, member: &'static str) -> Result<&'a str, KeyError> {
    opt_str(jwk, member)?.ok_or(KeyError::JwkInvalid { member, reason: "missing".into() })
}

fn b64_member(jwk: &Map<String, Value>, member: &'static str) -> Result<Vec<u8>, KeyError> {
    let text = req_str(jwk, member)?;
    crate::b64::decode_strict(text).map_err(|problem| KeyError::JwkInvalid {
        member,
        reason: format!("not canonical unpadded base64url: {problem}"),
    })
}

// ---- building keys from raw parts (shared with PEM) ----

/// The three NIST curves JWS uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Curve {
    P256,
    P384,
    P521,
}

impl Curve {
    /// Length in bytes of one coordinate (RFC 7518 §6.2.1.2).
    pub(crate) const fn coordinate_len(self) -> usize {
        match self {
            Curve::P256 => 32,
            Curve::P384 => 48,
            Curve::P521 => 66,
        }
    }

    pub(crate) const fn name(self) -> &'static str {
        match self {
            Curve::P256 => "P-256",
            Curve::P384 => "P-384",
            Curve::P521 => "P-521",
        }
    }
}

/// Builds an RSA key from big-endian `n` and `e`, enforcing the size limits and refusing
/// exponents and moduli no real key has (see [`super::rsa::PreparedRsaKey::new`]: odd modulus,
/// odd exponent in `3..=2^33-1` and below `n`).
pub(crate) fn rsa_key(n: &[u8], e: &[u8], limits: &Limits) -> Result<PublicKey, KeyError> {
    use super::rsa::{PreparedRsaKey, RsaKeyError};
    PreparedRsaKey::new(n, e, limits).map(PublicKey::Rsa).map_err(|err| match err {
        RsaKeyError::ModulusSize { bits, min, max } => KeyError::RsaSize { bits, min, max },
        RsaKeyError::ModulusInvalid => {
            KeyError::JwkInvalid { member: "n", reason: "modulus is even or 1".into() }
        }
        RsaKeyError::Exponent { reason } => {
            KeyError::JwkInvalid { member: "e", reason: format!("exponent {reason}") }
        }
    })
}

/// The public exponent as big-endian bytes without leading zeros.
pub(crate) fn rsa_exponent_bytes(k: &super::rsa::PreparedRsaKey) -> Vec<u8> {
    let bytes = k.exponent().to_be_bytes();
    let first = bytes.iter().position(|&b| b != 0).unwrap_or(bytes.len().saturating_sub(1));
    bytes.get(first..).unwrap_or_default().to_vec()
}

/// Builds an EC key from affine coordinates of exactly the curve's length; the point must be
/// on the curve (checked by the RustCrypto curve crates).
pub(crate) fn ec_key(curve: Curve, x: &[u8], y: &[u8]) -> Result<PublicKey, KeyError> {
    let len = curve.coordinate_len();
    for (member, c) in [("x", x), ("y", y)] {
        if c.len() != len {
            let reason = format!("must be {len} bytes for {}, got {}", curve.name(), c.len());
            return Err(KeyError::JwkInvalid { member, reason });
        }
    }
    let mut sec1 = Vec::with_capacity(1 + 2 * len);
    sec1.push(0x04);
    sec1.extend_from_slice(x);
    sec1.extend_from_slice(y);
    let key = match curve {
        Curve::P256 => p256::ecdsa::VerifyingKey::from_sec1_bytes(&sec1)
            .map(|k| PublicKey::P256(super::ecdsa::PreparedP256Key::new(k)))
            .ok(),
        Curve::P384 => p384::ecdsa::VerifyingKey::from_sec1_bytes(&sec1)
            .map(|k| PublicKey::P384(super::ecdsa::PreparedP384Key::new(k)))
            .ok(),
        Curve::P521 => p521::ecdsa::VerifyingKey::from_sec1_bytes(&sec1)
            .map(|k| PublicKey::P521(super::ecdsa::PreparedP521Key::new(k)))
            .ok(),
    };
    key.ok_or_else(|| KeyError::JwkInvalid {
        member: "x",
        reason: format!("(x, y) is not a point on {}", curve.name()),
    })
}

/// Builds an Ed25519 key from its 32-byte encoding; refuses points that do not decode and
/// small-order points (see [`KeyError::SmallOrderKey`]).
pub(crate) fn ed25519_key(x: &[u8]) -> Result<PublicKey, KeyError> {
    let bytes: [u8; 32] = x.try_into().map_err(|_| KeyError::JwkInvalid {
        member: "x",
        reason: format!("must be 32 bytes for Ed25519, got {}", x.len()),
    })?;
    let key = ed25519_dalek::VerifyingKey::from_bytes(&bytes).map_err(|_| {
        KeyError::JwkInvalid { member: "x", reason: "not a valid Ed25519 point encoding".into() }
    })?;
    if key.is_weak() {
        return Err(KeyError::SmallOrderKey);
    }
    Ok(PublicKey::Ed25519(super::eddsa::PreparedEd25519Key::new(key)))
}

/// The limit error for too many keys (shared with PEM).
pub(crate) fn too_many_keys(actual: usize, limits: &Limits) -> Result<(), LimitExceeded> {
    Limits::check("max_jwks_keys", actual, limits.max_jwks_keys)
}

// ---- JSON views for front ends (the CLI's `jwks`, the inspector's key table) ----

impl serde::Serialize for VerifyingKey {
    /// `{ kid, alg, kty, crv?, use, bits?, thumbprint, origin }` — never the key material.
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap as _;
        let mut m = s.serialize_map(None)?;
        m.serialize_entry("kid", &self.kid)?;
        m.serialize_entry("alg", &self.alg)?;
        m.serialize_entry("kty", self.kty.as_str())?;
        if let Some(crv) = self.key.curve() {
            m.serialize_entry("crv", crv)?;
        }
        m.serialize_entry("use", &self.key_use)?;
        if let Some(bits) = self.key.rsa_bits() {
            m.serialize_entry("bits", &bits)?;
        }
        m.serialize_entry("thumbprint", &self.thumbprint)?;
        m.serialize_entry("origin", &self.origin)?;
        m.end()
    }
}

impl serde::Serialize for KeyOrigin {
    /// `{ "source": "jwk", "index": n }` or `{ "source": "pem", "index": n, "block": b }`.
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap as _;
        let mut m = s.serialize_map(None)?;
        match self {
            KeyOrigin::Jwk { index } => {
                m.serialize_entry("source", "jwk")?;
                m.serialize_entry("index", index)?;
            }
            KeyOrigin::Pem { index, block } => {
                m.serialize_entry("source", "pem")?;
                m.serialize_entry("index", index)?;
                m.serialize_entry("block", block)?;
            }
        }
        m.end()
    }
}

impl serde::Serialize for SkippedKey {
    /// `{ index, kid, code, message }`.
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap as _;
        let mut m = s.serialize_map(Some(4))?;
        m.serialize_entry("index", &self.index)?;
        m.serialize_entry("kid", &self.kid)?;
        m.serialize_entry("code", &self.reason.code())?;
        m.serialize_entry("message", &self.reason.to_string())?;
        m.end()
    }
}

impl serde::Serialize for KeySet {
    /// `{ source: "jwks" | "pem", keys: [...], skipped: [...] }`.
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap as _;
        let mut m = s.serialize_map(Some(3))?;
        let source = match self.source {
            KeySource::Jwks => "jwks",
            KeySource::Pem => "pem",
        };
        m.serialize_entry("source", source)?;
        m.serialize_entry("keys", &self.keys)?;
        m.serialize_entry("skipped", &self.skipped)?;
        m.end()
    }
}

impl serde::Serialize for PemKeys {
    /// `{ keys: [{ kid, thumbprint, pem }], skipped: [...] }`.
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap as _;
        let mut m = s.serialize_map(Some(2))?;
        m.serialize_entry("keys", &self.keys)?;
        m.serialize_entry("skipped", &self.skipped)?;
        m.end()
    }
}

impl serde::Serialize for PemKey {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap as _;
        let mut m = s.serialize_map(Some(3))?;
        m.serialize_entry("kid", &self.kid)?;
        m.serialize_entry("thumbprint", &self.thumbprint)?;
        m.serialize_entry("pem", &self.pem)?;
        m.end()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_view_names_keys_without_material() {
        let jwks = br#"{"keys":[{"kty":"OKP","crv":"Ed25519","kid":"a","use":"sig","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"},{"kty":"oct","kid":"h","k":"AA"}]}"#;
        let set = KeySet::from_jwks(jwks, &Limits::default()).unwrap();
        let json = serde_json::to_string(&set).unwrap();
        assert_eq!(
            json,
            r#"{"source":"jwks","keys":[{"kid":"a","alg":null,"kty":"OKP","crv":"Ed25519","use":"sig","thumbprint":"kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k","origin":{"source":"jwk","index":0}}],"skipped":[{"index":1,"kid":"h","code":"ERR_KEY_UNSUPPORTED","message":"unsupported kty \"oct\""}]}"#
        );
        assert!(!json.contains("11qYAYKx"));
    }
}
