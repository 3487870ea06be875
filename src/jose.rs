//! JOSE: compact JWS parsing, the header, algorithms, keys and signature verification.

pub mod alg;
pub mod compact;
pub mod header;
pub mod jwk;
pub mod select;

pub use alg::Algorithm;
pub use compact::{parse_compact, CompactJws};
pub use header::Header;
pub use jwk::{KeySet, VerifyingKey};

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
                write!(
                    f,
                    "signature invalid: no {alg} key of {tried} tried verified it"
                )
            }
        }
    }
}
