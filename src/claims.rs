//! Claim validation: the `standard` (RFC 7519) and `vault` (Vault JWT auth) profiles.

use core::fmt;

use crate::error::Code;

/// A claim check failed.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ClaimError {
    /// Placeholder until the claim checks land.
    Expired,
}

impl ClaimError {
    /// The stable machine code.
    pub fn code(&self) -> Code {
        match self {
            ClaimError::Expired => Code::JwtExpired,
        }
    }
}

impl fmt::Display for ClaimError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ClaimError::Expired => f.write_str("token is expired"),
        }
    }
}
