//! The options a session is configured with (the npm `createVerifier` options, as
//! `pkg/src/api.js` normalises them) and what they become: the verify options, the key set,
//! the cache bounds.

use alloc::string::{String, ToString};
use alloc::vec::Vec;

use serde::Deserialize;

use crate::cache;
use crate::claims::StandardOptions;
use crate::code::Code;
use crate::failure::Failure;
use crate::jose::{Algorithm, KeySet};
use crate::limits::Limits;
use crate::role::{VaultConfig, VaultRole};
use crate::time::UnixTime;
use crate::verify::{Profile, VerifyOptions};

/// Verify options as callers send them (JSON, camelCase). Unknown members are refused.
#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase", deny_unknown_fields)]
pub struct SessionOptions {
    /// A JWKS document (text).
    pub jwks: Option<String>,
    /// PEM public keys (instead of `jwks`).
    pub keys: Option<Vec<String>>,
    /// Accepted issuers (standard profile).
    pub issuer: Option<Vec<String>>,
    /// Accepted audiences (standard profile).
    pub audience: Option<Vec<String>>,
    /// Expected `sub` (standard profile).
    pub subject: Option<String>,
    /// Algorithm allow-list, by JOSE name.
    pub algorithms: Option<Vec<String>>,
    /// Claims that must be present (standard profile).
    pub required_claims: Option<Vec<String>>,
    /// Leeway for `exp`/`nbf`, seconds (standard profile).
    pub clock_tolerance: Option<i64>,
    /// A Vault role (JSON text): Vault's login semantics instead of the standard profile.
    pub role: Option<String>,
    /// The role's name (Vault profile).
    pub role_name: Option<String>,
    /// The auth method's config (JSON text, Vault profile).
    pub config: Option<String>,
    /// Size limits.
    pub limits: Option<Limits>,
    /// Verified-token cache entries ([`DEFAULT_CACHE_SIZE`] when absent).
    pub cache_size: Option<usize>,
    /// Verified-token cache bound in bytes ([`DEFAULT_CACHE_BYTES`] when absent).
    pub cache_bytes: Option<usize>,
}

/// Default verified-token cache entries per session (fast-jwt's `cache: true` uses 1000).
pub const DEFAULT_CACHE_SIZE: usize = 1000;
/// Default bound on the weights of a session's cached answers, in bytes. `pkg/src/api.js`
/// passes its own (its process-wide budget decides it); this is the default for other callers.
pub const DEFAULT_CACHE_BYTES: usize = 8 * 1024 * 1024;

/// Parses caller options (JSON text); a refusal is `ERR_OPTIONS_INVALID` with serde's reason.
pub fn from_json<T: serde::de::DeserializeOwned>(text: &str) -> Result<T, Failure> {
    serde_json::from_str(text).map_err(|e| Failure::new(Code::OptionsInvalid, e.to_string()))
}

impl SessionOptions {
    /// The limits given, else the defaults.
    pub fn limits(&self) -> Limits {
        self.limits.clone().unwrap_or_default()
    }

    /// Whether keys (JWKS or PEM) were given.
    pub fn has_keys(&self) -> bool {
        self.jwks.is_some() || self.keys.is_some()
    }

    /// The key set, and a fingerprint of the key documents (what the cache key covers).
    pub fn load_keys(&self, limits: &Limits) -> Result<(KeySet, [u8; 32]), Failure> {
        match (&self.jwks, &self.keys) {
            (Some(_), Some(_)) => {
                Err(Failure::options("jwks/keys", "give a JWKS or PEM keys, not both"))
            }
            (Some(jwks), None) => {
                let set = KeySet::from_jwks(jwks.as_bytes(), limits)?;
                Ok((set, cache::fingerprint([b"jwks".as_slice(), jwks.as_bytes()])))
            }
            (None, Some(pems)) => {
                let refs: Vec<&str> = pems.iter().map(String::as_str).collect();
                let set = KeySet::from_pem(&refs, limits)?;
                let docs =
                    core::iter::once(b"pem".as_slice()).chain(pems.iter().map(|p| p.as_bytes()));
                Ok((set, cache::fingerprint(docs)))
            }
            (None, None) => {
                Err(Failure::new(Code::KeysMissing, "no keys: give jwks or keys (PEM)"))
            }
        }
    }

    /// The verify options (`now` is set per call) and the tolerance the cache window uses.
    pub fn verify_options(&self) -> Result<(VerifyOptions, i64), Failure> {
        let limits = self.limits();
        let algorithms = match &self.algorithms {
            None => None,
            Some(names) => {
                Some(Algorithm::parse_list(names).map_err(|r| Failure::options("algorithms", &r))?)
            }
        };
        let (profile, tolerance) = match &self.role {
            Some(role) => {
                for (set, name) in [
                    (self.issuer.is_some(), "issuer"),
                    (self.audience.is_some(), "audience"),
                    (self.subject.is_some(), "subject"),
                    (self.required_claims.is_some(), "requiredClaims"),
                    (self.clock_tolerance.is_some(), "clockTolerance"),
                ] {
                    if set {
                        return Err(Failure::options(
                            name,
                            "with a Vault role the role and config decide it (bound_issuer, bound_audiences, bound_subject, leeways)",
                        ));
                    }
                }
                let role = VaultRole::from_json(role.as_bytes(), &limits)?;
                let config_text = self.config.as_deref().unwrap_or("{}");
                let config = VaultConfig::from_json(config_text.as_bytes(), &limits)?;
                let name = self.role_name.clone().unwrap_or_default();
                let v = VerifyOptions::vault(UnixTime(0), role, &name, config);
                // Vault's leeways only ever widen validity; the cache window uses the raw `exp`.
                (v.profile, 0)
            }
            None => {
                if self.config.is_some() || self.role_name.is_some() {
                    return Err(Failure::options(
                        "config/roleName",
                        "only apply together with a Vault role",
                    ));
                }
                let tolerance = self.clock_tolerance.unwrap_or(0);
                let mut std_opts = StandardOptions {
                    issuer: self.issuer.clone().unwrap_or_default(),
                    audience: self.audience.clone().unwrap_or_default(),
                    subject: self.subject.clone(),
                    clock_tolerance: tolerance,
                    ..StandardOptions::default()
                };
                if let Some(r) = &self.required_claims {
                    std_opts.required_claims = r.clone();
                }
                (Profile::Standard(std_opts), tolerance)
            }
        };
        Ok((VerifyOptions { now: UnixTime(0), limits, algorithms, profile }, tolerance))
    }
}
