//! Strict compact JWS parsing (RFC 7515 §7.1).

use alloc::string::String;
use alloc::vec::Vec;
use serde_json::{Map, Value};

use super::{Header, JoseError};
use crate::error::Error;
use crate::limits::Limits;

/// A parsed, not yet verified, compact JWS whose payload is a JWT claims set.
#[derive(Clone, Debug, PartialEq)]
pub struct CompactJws<'a> {
    /// The validated header.
    pub header: Header,
    /// The claims set.
    pub claims: Map<String, Value>,
    /// `BASE64URL(header) || '.' || BASE64URL(payload)`: the bytes the signature covers.
    pub signing_input: &'a [u8],
    /// The decoded signature.
    pub signature: Vec<u8>,
}

/// Parses `token` strictly. Placeholder until the parser lands.
pub fn parse_compact<'a>(token: &'a str, limits: &Limits) -> Result<CompactJws<'a>, Error> {
    let _ = (token, limits);
    Err(JoseError::Malformed {
        reason: "not implemented",
    }
    .into())
}
