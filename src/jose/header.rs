//! The JOSE header (RFC 7515 §4).

use alloc::string::String;
use serde_json::{Map, Value};

use super::Algorithm;

/// A validated JOSE header.
#[derive(Clone, Debug, PartialEq)]
pub struct Header {
    /// The signature algorithm.
    pub alg: Algorithm,
    /// The key id, if present.
    pub kid: Option<String>,
    /// The `typ` value, if present (informational: Nomad sends `JWT`).
    pub typ: Option<String>,
    /// Every member, as decoded.
    pub members: Map<String, Value>,
}
