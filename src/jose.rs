//! JOSE: compact JWS parsing, the header, algorithms, keys and signature verification.

pub mod alg;
pub mod compact;
pub mod discovery;
pub mod ecdsa;
pub mod eddsa;
pub mod header;
pub mod jwk;
pub mod pem;
pub mod precompute;
pub mod rsa;
pub mod select;
pub mod signature;
pub mod thumbprint;

pub use alg::Algorithm;
pub use compact::{parse_compact, vault_may_forgive, vault_reading, CompactJws, VaultReading};
pub use discovery::{parse_discovery, Discovery};
pub use header::Header;
pub use jwk::{
    jwks_to_pem, KeyOrigin, KeySet, KeySource, KeyType, PublicKey, SkippedKey, VerifyingKey,
};
pub use select::{verify_signature, verify_signature_using, verify_signature_with};
pub use thumbprint::thumbprint;

use alloc::boxed::Box;
use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;

use crate::code::Code;

/// One of the three segments of a compact JWS, for messages.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Segment {
    /// Segment 1, the JOSE header.
    Header,
    /// Segment 2, the payload (a JWT claims set).
    Payload,
    /// Segment 3, the signature.
    Signature,
}

impl Segment {
    /// How the segment is named in messages, e.g. `segment 2 (payload)`.
    pub const fn label(self) -> &'static str {
        match self {
            Segment::Header => "segment 1 (header)",
            Segment::Payload => "segment 2 (payload)",
            Segment::Signature => "segment 3 (signature)",
        }
    }
}

/// The compact serialization or its JOSE header is invalid.
///
/// Values that come from the token are kept as found and shown escaped and shortened by
/// `Display`, so a hostile token cannot forge log lines.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum JoseError {
    /// The token is not `header.payload.signature`.
    SegmentCount {
        /// How many `.`-separated segments the token has.
        found: usize,
    },
    /// The token contains whitespace (including around it, or after a `Bearer ` prefix).
    Whitespace {
        /// Byte offset in the token.
        offset: usize,
        /// The whitespace byte.
        byte: u8,
    },
    /// The header or payload segment is empty.
    EmptySegment {
        /// Which segment.
        segment: Segment,
    },
    /// A segment (or other base64url text) is not canonical unpadded base64url.
    Base64 {
        /// What was being decoded, e.g. `segment 2 (payload)`.
        what: &'static str,
        /// Why it was refused.
        problem: crate::b64::Base64Problem,
    },
    /// The decoded header or payload is not UTF-8.
    NotUtf8 {
        /// Which segment.
        segment: Segment,
        /// Offset of the first invalid byte in the decoded bytes.
        offset: usize,
    },
    /// The JOSE header is JSON but not an object.
    HeaderNotObject {
        /// The JSON type found.
        found: &'static str,
    },
    /// The header has no `alg`.
    AlgMissing,
    /// A header member has the wrong JSON type.
    MemberType {
        /// The member, e.g. `alg`, `kid`, `crit`.
        member: &'static str,
        /// The type required, with its article (`a string`).
        expected: &'static str,
        /// The type found.
        found: &'static str,
    },
    /// `alg` is `none`: the token is unsigned.
    AlgNone,
    /// `alg` is not one of the ten asymmetric algorithms (HMAC, a case variant, unknown).
    AlgUnsupported {
        /// The `alg` value.
        alg: String,
    },
    /// The header has `b64` (RFC 7797 unencoded payload), which jwtgate does not implement.
    B64Unsupported {
        /// The `b64` value.
        value: bool,
    },
    /// `crit` violates RFC 7515 §4.1.11 (empty, not strings, names a registered or absent member).
    CritMalformed {
        /// What is wrong.
        reason: String,
    },
    /// `crit` names an extension jwtgate does not understand (it understands none).
    CritUnsupported {
        /// The extension name.
        name: String,
    },
    /// The payload is JSON but not an object, so it is not a JWT claims set.
    ClaimsNotObject {
        /// The JSON type found.
        found: &'static str,
    },
    /// The signature segment is empty.
    SignatureEmpty,
}

impl JoseError {
    /// The stable machine code.
    pub fn code(&self) -> Code {
        match self {
            JoseError::SegmentCount { .. }
            | JoseError::Whitespace { .. }
            | JoseError::EmptySegment { .. } => Code::JwsMalformed,
            JoseError::Base64 { .. } => Code::JwsBase64,
            JoseError::NotUtf8 { .. } => Code::JsonInvalid,
            JoseError::HeaderNotObject { .. }
            | JoseError::AlgMissing
            | JoseError::MemberType { .. }
            | JoseError::CritMalformed { .. } => Code::JwsHeaderInvalid,
            JoseError::AlgNone => Code::JwsAlgNone,
            JoseError::AlgUnsupported { .. } => Code::JwsAlgUnsupported,
            JoseError::B64Unsupported { .. } | JoseError::CritUnsupported { .. } => {
                Code::JwsCritUnsupported
            }
            JoseError::ClaimsNotObject { .. } => Code::JwtClaimsInvalid,
            JoseError::SignatureEmpty => Code::JwsSignatureEmpty,
        }
    }
}

/// Shows a token-supplied string quoted and escaped, cut to 64 characters.
pub(crate) struct Shown<'a>(pub(crate) &'a str);

impl fmt::Display for Shown<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        const MAX: usize = 64;
        match self.0.char_indices().nth(MAX) {
            Some((cut, _)) => write!(f, "{:?}...", self.0.get(..cut).unwrap_or_default()),
            None => write!(f, "{:?}", self.0),
        }
    }
}

impl fmt::Display for JoseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            JoseError::SegmentCount { found } => {
                write!(
                    f,
                    "malformed token: {found} segment(s), a compact JWS has exactly 3 \
                     (header.payload.signature)"
                )?;
                if *found == 5 {
                    f.write_str("; 5 segments is a JWE (encrypted token), which is not supported")?;
                }
                Ok(())
            }
            JoseError::Whitespace { offset, byte } => write!(
                f,
                "malformed token: whitespace (byte 0x{byte:02x}) at offset {offset}; strip any \
                 `Bearer ` prefix and surrounding whitespace before verifying"
            ),
            JoseError::EmptySegment { segment } => {
                write!(f, "malformed token: {} is empty", segment.label())
            }
            JoseError::Base64 { what, problem } => write!(f, "{what} is not base64url: {problem}"),
            JoseError::NotUtf8 { segment, offset } => write!(
                f,
                "{} is not UTF-8: invalid byte at offset {offset} of the decoded bytes",
                segment.label()
            ),
            JoseError::HeaderNotObject { found } => {
                write!(f, "JOSE header must be a JSON object, found {found}")
            }
            JoseError::AlgMissing => f.write_str("JOSE header has no \"alg\" member"),
            JoseError::MemberType { member, expected, found } => {
                write!(f, "JOSE header member {member:?} must be {expected}, found {found}")
            }
            JoseError::AlgNone => f.write_str(
                "JOSE header has alg \"none\": unsigned tokens are never accepted",
            ),
            JoseError::AlgUnsupported { alg } => {
                write!(f, "unsupported alg {}", Shown(alg))?;
                if alg.eq_ignore_ascii_case("none") {
                    f.write_str(" (alg names are case-sensitive, and unsigned tokens are refused)")
                } else if alg.starts_with("HS") {
                    f.write_str(" (HMAC needs a shared secret; jwtgate verifies with public keys)")
                } else {
                    f.write_str(
                        " (supported: RS256 RS384 RS512 PS256 PS384 PS512 ES256 ES384 ES512 EdDSA)",
                    )
                }
            }
            JoseError::B64Unsupported { value } => write!(
                f,
                "JOSE header has \"b64\": {value} (RFC 7797 unencoded payload), which is not supported"
            ),
            JoseError::CritMalformed { reason } => {
                write!(f, "JOSE header member \"crit\" is malformed: {reason}")
            }
            JoseError::CritUnsupported { name } => write!(
                f,
                "JOSE header marks extension {} critical, and jwtgate understands no crit extension",
                Shown(name)
            ),
            JoseError::ClaimsNotObject { found } => {
                write!(f, "JWT claims set (payload) must be a JSON object, found {found}")
            }
            JoseError::SignatureEmpty => f.write_str(
                "segment 3 (signature) is empty: the token is unsigned or its signature was stripped",
            ),
        }
    }
}

/// Key parsing, key selection or signature verification failed.
///
/// Variants that describe one key (`JwkInvalid` … `PemInvalid`) appear in
/// [`KeySet::skipped`](jwk::KeySet::skipped); the others are the outcomes of
/// [`verify_signature`] and of discovery-document checks. No variant ever carries key
/// material, and [`KeyError::SignatureInvalid`] deliberately says nothing about why the
/// maths failed.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum KeyError {
    /// The JWKS document as a whole is unusable (`keys` missing or not an array).
    JwksInvalid {
        /// What is wrong.
        reason: &'static str,
    },
    /// One JWK is unusable: a member is missing, has the wrong type, bad base64url, the wrong
    /// length, or describes an impossible key (point not on the curve, even exponent).
    JwkInvalid {
        /// The offending member (`n`, `x`, `crv`, ...), or `"jwk"` for the whole entry.
        member: &'static str,
        /// What is wrong with it.
        reason: String,
    },
    /// A key type, curve or algorithm jwtgate does not verify with.
    Unsupported {
        /// What is unsupported: `kty`, `crv`, `alg`, `x5c`, `PEM label`, `SPKI algorithm`, ...
        what: &'static str,
        /// The value found.
        value: String,
    },
    /// An RSA modulus outside [`crate::Limits::min_rsa_bits`]`..=`[`crate::Limits::max_rsa_bits`].
    RsaSize {
        /// The modulus size in bits.
        bits: usize,
        /// The configured minimum.
        min: usize,
        /// The configured maximum.
        max: usize,
    },
    /// An Ed25519 public key of small order: it "verifies" signatures over many messages, and
    /// no honest signer produces one.
    SmallOrderKey,
    /// The key is declared for another purpose.
    NotForVerification {
        /// `use` or `key_ops`.
        member: &'static str,
        /// The declared value (`enc`, or the `key_ops` list joined with commas).
        value: String,
    },
    /// The key carries private material (JWK `d`, `p`, ... or a `PRIVATE KEY` PEM block).
    /// Refused: a published private key means anyone could have signed the token.
    PrivateKey {
        /// The private member or PEM label found.
        member: String,
    },
    /// A PEM string, block or the DER inside it is unusable.
    PemInvalid {
        /// What is wrong.
        reason: String,
    },
    /// No keys were given, or none of them was usable.
    KeysMissing {
        /// How many keys were given but skipped (see [`KeySet::skipped`](jwk::KeySet::skipped)).
        skipped: usize,
    },
    /// The token names a `kid` that no usable key in the JWKS has (no fallback to other keys).
    NoMatchingKey {
        /// The token's `kid`.
        kid: String,
        /// The `kid`s of the usable keys, in document order (`None` for keys without one).
        available: Vec<Option<String>>,
    },
    /// The token's `kid` names a key that was skipped while loading the set.
    KeySkipped {
        /// The token's `kid`.
        kid: String,
        /// Why that key was skipped.
        reason: Box<KeyError>,
    },
    /// No candidate key has a type and curve that can verify `alg`.
    NoCompatibleKey {
        /// The token's algorithm.
        alg: Algorithm,
        /// The token's `kid`, if it had one.
        kid: Option<String>,
        /// The candidates' kinds (`RSA`, `EC P-256`, `OKP Ed25519`), in order.
        candidates: Vec<&'static str>,
    },
    /// The candidate key's JWK `alg` differs from the token's `alg`.
    AlgMismatch {
        /// The key's `kid`, if any.
        kid: Option<String>,
        /// The token header's `alg`.
        token_alg: Algorithm,
        /// The JWK's `alg`.
        key_alg: Algorithm,
    },
    /// No candidate key verified the signature.
    SignatureInvalid {
        /// The token's algorithm.
        alg: Algorithm,
        /// How many keys were tried.
        tried: usize,
    },
    /// An OIDC discovery document is unusable.
    DiscoveryInvalid {
        /// The offending member, or `"document"`.
        member: &'static str,
        /// What is wrong.
        reason: String,
    },
    /// The discovery document's `issuer` differs from the configured URL (compared exactly, as
    /// Vault and go-oidc do: a trailing slash matters).
    DiscoveryIssuerMismatch {
        /// The configured discovery URL.
        expected: String,
        /// The document's `issuer`.
        actual: String,
    },
}

impl KeyError {
    /// The stable machine code.
    pub fn code(&self) -> Code {
        match self {
            KeyError::JwksInvalid { .. } => Code::JwksInvalid,
            KeyError::JwkInvalid { .. } => Code::JwkInvalid,
            KeyError::Unsupported { .. } => Code::KeyUnsupported,
            KeyError::RsaSize { .. } | KeyError::SmallOrderKey => Code::KeyWeak,
            KeyError::NotForVerification { .. } => Code::KeyNotForVerification,
            KeyError::PrivateKey { .. } => Code::KeyPrivate,
            KeyError::PemInvalid { .. } => Code::PemInvalid,
            KeyError::KeysMissing { .. } => Code::KeysMissing,
            KeyError::NoMatchingKey { .. } => Code::JwksNoMatchingKey,
            // The kid exists but its key is unusable: the reason's code is the actionable one.
            KeyError::KeySkipped { reason, .. } => reason.code(),
            KeyError::NoCompatibleKey { .. } => Code::JwksNoCompatibleKey,
            KeyError::AlgMismatch { .. } => Code::JwkAlgMismatch,
            KeyError::SignatureInvalid { .. } => Code::JwsSignatureInvalid,
            KeyError::DiscoveryInvalid { .. } => Code::DiscoveryInvalid,
            KeyError::DiscoveryIssuerMismatch { .. } => Code::DiscoveryIssuerMismatch,
        }
    }
}

/// Writes `kid`s as `"a", "b", (no kid)`.
fn write_kids(f: &mut fmt::Formatter<'_>, kids: &[Option<String>]) -> fmt::Result {
    if kids.is_empty() {
        return f.write_str("none");
    }
    for (i, kid) in kids.iter().enumerate() {
        if i > 0 {
            f.write_str(", ")?;
        }
        match kid {
            Some(k) => write!(f, "{k:?}")?,
            None => f.write_str("(no kid)")?,
        }
    }
    Ok(())
}

impl fmt::Display for KeyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            KeyError::JwksInvalid { reason } => write!(f, "invalid jwks: {reason}"),
            KeyError::JwkInvalid { member, reason } => {
                write!(f, "invalid jwk member {member:?}: {reason}")
            }
            KeyError::Unsupported { what, value } => write!(f, "unsupported {what} {value:?}"),
            KeyError::RsaSize { bits, min, max } => {
                write!(f, "rsa key of {bits} bits is outside the accepted {min}..={max} bits")
            }
            KeyError::SmallOrderKey => f.write_str("ed25519 key is a small-order point"),
            KeyError::NotForVerification { member, value } => {
                write!(f, "key is not for signature verification: {member} is {value:?}")
            }
            KeyError::PrivateKey { member } => write!(
                f,
                "refusing published private key material ({member}): anyone could have signed"
            ),
            KeyError::PemInvalid { reason } => write!(f, "invalid pem: {reason}"),
            KeyError::KeysMissing { skipped: 0 } => f.write_str("no keys given"),
            KeyError::KeysMissing { skipped } => {
                write!(f, "no usable keys: all {skipped} given keys were skipped")
            }
            KeyError::NoMatchingKey { kid, available } => {
                write!(f, "no key with kid {kid:?} in the jwks; kids present: ")?;
                write_kids(f, available)
            }
            KeyError::KeySkipped { kid, reason } => {
                write!(f, "the key with kid {kid:?} was skipped: {reason}")
            }
            KeyError::NoCompatibleKey { alg, kid, candidates } => {
                write!(f, "no key can verify {alg}")?;
                if let Some(kid) = kid {
                    write!(f, " with kid {kid:?}")?;
                }
                f.write_str("; candidates: ")?;
                if candidates.is_empty() {
                    f.write_str("none")?;
                }
                for (i, c) in candidates.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    f.write_str(c)?;
                }
                Ok(())
            }
            KeyError::AlgMismatch { kid, token_alg, key_alg } => {
                f.write_str("key")?;
                if let Some(kid) = kid {
                    write!(f, " {kid:?}")?;
                }
                write!(f, " is for {key_alg} but the token uses {token_alg}")
            }
            KeyError::SignatureInvalid { alg, tried } => {
                let s = if *tried == 1 { "" } else { "s" };
                write!(f, "signature invalid: {alg} signature did not verify with {tried} key{s} tried")
            }
            KeyError::DiscoveryInvalid { member, reason } => {
                write!(f, "invalid discovery document: {member}: {reason}")
            }
            KeyError::DiscoveryIssuerMismatch { expected, actual } => write!(
                f,
                "discovery issuer mismatch: document says {actual:?}, configured url is {expected:?}"
            ),
        }
    }
}

impl crate::load_error::Coded for JoseError {
    fn code(&self) -> Code {
        JoseError::code(self)
    }
}

impl From<JoseError> for crate::load_error::LoadError<JoseError> {
    fn from(e: JoseError) -> Self {
        crate::load_error::LoadError::Layer(e)
    }
}

impl crate::load_error::Coded for KeyError {
    fn code(&self) -> Code {
        KeyError::code(self)
    }
}

impl From<KeyError> for crate::load_error::LoadError<KeyError> {
    fn from(e: KeyError) -> Self {
        crate::load_error::LoadError::Layer(e)
    }
}
