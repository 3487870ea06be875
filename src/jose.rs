//! JOSE: compact JWS parsing, the header, algorithms, keys and signature verification.

pub mod alg;
pub mod compact;
pub mod header;
pub mod jwk;
pub mod rsa;
pub mod select;

pub use alg::Algorithm;
pub use compact::{parse_compact, CompactJws};
pub use header::Header;
pub use jwk::{KeySet, VerifyingKey};

use alloc::string::String;
use core::fmt;

use crate::error::Code;

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
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum KeyError {
    /// No candidate key verified the signature.
    SignatureInvalid {
        /// The token's algorithm.
        alg: Algorithm,
        /// How many keys were tried.
        tried: usize,
    },
}

impl KeyError {
    /// The stable machine code.
    pub fn code(&self) -> Code {
        match self {
            KeyError::SignatureInvalid { .. } => Code::JwsSignatureInvalid,
        }
    }
}

impl fmt::Display for KeyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            KeyError::SignatureInvalid { alg, tried } => {
                write!(f, "signature invalid: no {alg} key of {tried} tried verified it")
            }
        }
    }
}
