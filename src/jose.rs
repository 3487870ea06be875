//! JOSE: compact JWS parsing, the header, algorithms, keys and signature verification.

pub mod alg;
pub mod compact;
pub mod discovery;
pub mod header;
pub mod jwk;
pub mod pem;
pub mod select;
pub mod signature;
pub mod thumbprint;

pub use alg::Algorithm;
pub use compact::{parse_compact, CompactJws};
pub use discovery::{parse_discovery, Discovery};
pub use header::Header;
pub use jwk::{
    jwks_to_pem, KeyOrigin, KeySet, KeySource, KeyType, PublicKey, SkippedKey, VerifyingKey,
};
pub use select::verify_signature;
pub use thumbprint::thumbprint;

use alloc::boxed::Box;
use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;

use crate::error::Code;

/// The compact serialization or its header is invalid.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum JoseError {
    /// Placeholder until the compact parser lands.
    Malformed {
        /// Why.
        reason: &'static str,
    },
}

impl JoseError {
    /// The stable machine code.
    pub fn code(&self) -> Code {
        match self {
            JoseError::Malformed { .. } => Code::JwsMalformed,
        }
    }
}

impl fmt::Display for JoseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            JoseError::Malformed { reason } => write!(f, "malformed token: {reason}"),
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
