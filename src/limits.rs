//! Size limits applied before any work is done, so hostile input is refused cheaply.

use core::fmt;
use serde::{Deserialize, Serialize};

/// Upper bounds on everything jwtgate parses. Exceeding one gives [`LimitExceeded`]
/// (`ERR_LIMIT_EXCEEDED`), never a panic, hang or stack overflow.
///
/// The defaults are generous for real workload identities (a Nomad token is about 1 KiB, a
/// Nomad JWKS holds one to three keys) and small enough that a request-path caller such as an
/// Envoy filter cannot be made to allocate much.
///
/// Read from JSON (the npm options' `limits`, the Envoy filter's `limits`), an unknown member is
/// an error: a typo such as `maxTokenLength` must not leave the default in force unnoticed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase", deny_unknown_fields)]
pub struct Limits {
    /// Longest compact token accepted, in bytes.
    pub max_token_len: usize,
    /// Longest base64url-encoded JOSE header segment, in bytes.
    pub max_header_len: usize,
    /// Deepest JSON nesting accepted in any document (header, claims, JWKS, role, policy).
    pub max_json_depth: usize,
    /// Most top-level members a claims set may have.
    pub max_claims: usize,
    /// Most keys a JWKS (or PEM list) may hold.
    pub max_jwks_keys: usize,
    /// Largest JSON document (JWKS, role, config, policy) accepted, in bytes.
    pub max_document_len: usize,
    /// Smallest RSA modulus accepted, in bits. Below this a key is skipped as weak.
    pub min_rsa_bits: usize,
    /// Largest RSA modulus accepted, in bits. Bounds the cost of one verification.
    pub max_rsa_bits: usize,
}

impl Limits {
    /// Default for [`Limits::max_token_len`]: 16 KiB.
    pub const DEFAULT_MAX_TOKEN_LEN: usize = 16 * 1024;
    /// Default for [`Limits::max_header_len`]: 2 KiB.
    pub const DEFAULT_MAX_HEADER_LEN: usize = 2 * 1024;
    /// Default for [`Limits::max_json_depth`].
    pub const DEFAULT_MAX_JSON_DEPTH: usize = 16;
    /// Default for [`Limits::max_claims`].
    pub const DEFAULT_MAX_CLAIMS: usize = 128;
    /// Default for [`Limits::max_jwks_keys`].
    pub const DEFAULT_MAX_JWKS_KEYS: usize = 32;
    /// Default for [`Limits::max_document_len`]: 256 KiB.
    pub const DEFAULT_MAX_DOCUMENT_LEN: usize = 256 * 1024;
    /// Default for [`Limits::min_rsa_bits`] (NIST SP 800-131A).
    pub const DEFAULT_MIN_RSA_BITS: usize = 2048;
    /// Default for [`Limits::max_rsa_bits`].
    pub const DEFAULT_MAX_RSA_BITS: usize = 8192;

    /// Checks `actual <= max` for the limit called `name`.
    pub fn check(name: &'static str, actual: usize, max: usize) -> Result<(), LimitExceeded> {
        if actual > max {
            Err(LimitExceeded { name, max, actual })
        } else {
            Ok(())
        }
    }
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_token_len: Self::DEFAULT_MAX_TOKEN_LEN,
            max_header_len: Self::DEFAULT_MAX_HEADER_LEN,
            max_json_depth: Self::DEFAULT_MAX_JSON_DEPTH,
            max_claims: Self::DEFAULT_MAX_CLAIMS,
            max_jwks_keys: Self::DEFAULT_MAX_JWKS_KEYS,
            max_document_len: Self::DEFAULT_MAX_DOCUMENT_LEN,
            min_rsa_bits: Self::DEFAULT_MIN_RSA_BITS,
            max_rsa_bits: Self::DEFAULT_MAX_RSA_BITS,
        }
    }
}

/// A configured limit was exceeded.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LimitExceeded {
    /// The field of [`Limits`] that was exceeded, e.g. `max_token_len`.
    pub name: &'static str,
    /// The configured maximum.
    pub max: usize,
    /// What the input had.
    pub actual: usize,
}

impl fmt::Display for LimitExceeded {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "limit {} exceeded: {} > {}", self.name, self.actual, self.max)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::string::ToString;

    #[test]
    fn unknown_members_are_refused_and_known_ones_read() {
        let typo = serde_json::from_str::<Limits>(r#"{"maxTokenLength": 10}"#).unwrap_err();
        assert!(typo.to_string().contains("unknown field `maxTokenLength`"), "{typo}");
        let l: Limits = serde_json::from_str(r#"{"maxTokenLen": 10}"#).unwrap();
        assert_eq!(l, Limits { max_token_len: 10, ..Limits::default() });
    }
}
