//! Vault JWT-auth roles and auth-method configuration, read from Vault's own JSON: the body
//! of `vault write auth/jwt/role/<name>` / `auth/jwt/config`, or the output of
//! `vault read -format=json` (its `data` object is used).
//!
//! Parsing applies the checks Vault applies when the role or config is *written*
//! (`path_role.go`, `path_config.go`), with Vault's wording, so a role jwtgate accepts is one
//! Vault would have stored. Fields that only matter to Vault's token issuance are accepted and
//! ignored; unknown fields become warnings (Vault also ignores them with a warning).

mod duration;
mod fields;

use alloc::collections::BTreeMap;
use alloc::format;
use alloc::string::{String, ToString};
use alloc::vec::Vec;
use core::fmt;

use serde::Serialize;
use serde_json::{Map, Value};

use crate::code::Code;
use crate::jose::Algorithm;
use crate::json;
use crate::limits::Limits;
use crate::load_error::LoadError;
use fields::{boolean, comma_list, get, invalid, kv_pairs, string, Doc};

/// A Vault role or config (or caller options) is invalid.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ConfigError {
    /// Vault would refuse to write this role.
    RoleInvalid {
        /// The offending field.
        field: String,
        /// Vault's wording, then detail.
        reason: String,
    },
    /// The role is an `oidc` role, explicitly or because `role_type` is missing.
    RoleTypeOidc {
        /// Whether `role_type` was written (`false`: Vault defaulted it to `oidc`).
        explicit: bool,
    },
    /// Vault would refuse to write this auth-method config.
    ConfigInvalid {
        /// The offending field.
        field: String,
        /// Vault's wording, then detail.
        reason: String,
    },
    /// Caller options are invalid.
    OptionsInvalid {
        /// The offending option.
        field: String,
        /// Why.
        reason: String,
    },
}

impl ConfigError {
    /// The stable machine code.
    pub fn code(&self) -> Code {
        match self {
            ConfigError::RoleInvalid { .. } => Code::RoleInvalid,
            ConfigError::RoleTypeOidc { .. } => Code::RoleTypeOidc,
            ConfigError::ConfigInvalid { .. } => Code::ConfigInvalid,
            ConfigError::OptionsInvalid { .. } => Code::OptionsInvalid,
        }
    }
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConfigError::RoleInvalid { field, reason } => {
                write!(f, "{reason} (role field {field:?})")
            }
            ConfigError::RoleTypeOidc { explicit: true } => {
                f.write_str("role with oidc role_type is not allowed (role_type is \"oidc\"; JWT login needs \"jwt\")")
            }
            ConfigError::RoleTypeOidc { explicit: false } => f.write_str(
                "role with oidc role_type is not allowed (the role has no role_type, which Vault \
                 stores as \"oidc\"; write role_type=\"jwt\")",
            ),
            ConfigError::ConfigInvalid { field, reason } => {
                write!(f, "{reason} (config field {field:?})")
            }
            ConfigError::OptionsInvalid { field, reason } => {
                write!(f, "invalid option {field:?}: {reason}")
            }
        }
    }
}

impl core::error::Error for ConfigError {}

/// `role_type`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum RoleType {
    /// Raw JWT login (`auth/<mount>/login` with a `jwt`).
    Jwt,
    /// OIDC browser flow; cannot log in with a raw JWT.
    Oidc,
}

/// `bound_claims_type`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum BoundClaimsType {
    /// Exact, type-strict equality (the default).
    #[default]
    String,
    /// go-glob patterns: `*` only, anchored, string claims only.
    Glob,
}

/// One of the three leeway fields, as Vault stores it: whole seconds where 0 means
/// "use the default" and any negative value means "no leeway" (`path_role.go`, cap `jwt.go`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct Leeway(pub i64);

impl Leeway {
    /// The leeway in effect, in seconds, given the field's default.
    pub fn resolve(self, default: i64) -> i64 {
        match self.0 {
            0 => default,
            n if n < 0 => 0,
            n => n,
        }
    }
}

/// Default `clock_skew_leeway` (go-jose `jwt.DefaultLeeway`).
pub const DEFAULT_CLOCK_SKEW_LEEWAY: i64 = 60;
/// Default `expiration_leeway` and `not_before_leeway` (`claimDefaultLeeway`).
pub const DEFAULT_CLAIM_LEEWAY: i64 = 150;

/// A Vault JWT-auth role (`auth/<mount>/role/<name>`), the fields that decide a login.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct VaultRole {
    /// `role_type`; a role written without one is `oidc`.
    pub role_type: RoleType,
    /// Whether `role_type` was present in the document.
    pub role_type_explicit: bool,
    /// `bound_audiences` (any-of against `aud`; empty rejects any non-empty `aud`).
    pub bound_audiences: Vec<String>,
    /// `bound_subject` (`""` = not checked).
    pub bound_subject: String,
    /// `bound_claims`, raw JSON values exactly as written (integer literals stay integers,
    /// `123.0` stays a float and never matches, see vault-semantics §a.8).
    pub bound_claims: Map<String, Value>,
    /// `bound_claims_type`.
    pub bound_claims_type: BoundClaimsType,
    /// `user_claim`: the claim whose value is the alias name.
    pub user_claim: String,
    /// `user_claim_json_pointer`: lets `user_claim` be a JSON Pointer.
    pub user_claim_json_pointer: bool,
    /// `claim_mappings`: source claim (name or JSON Pointer) → metadata key.
    pub claim_mappings: BTreeMap<String, String>,
    /// `groups_claim` (`""` = none).
    pub groups_claim: String,
    /// `clock_skew_leeway` (default 60 s).
    pub clock_skew_leeway: Leeway,
    /// `expiration_leeway` (default 150 s; only invents a missing `exp`).
    pub expiration_leeway: Leeway,
    /// `not_before_leeway` (default 150 s; only invents a missing `nbf`).
    pub not_before_leeway: Leeway,
    /// `token_policies` (or legacy `policies`).
    pub token_policies: Vec<String>,
    /// `token_no_default_policy`.
    pub token_no_default_policy: bool,
    /// `token_bound_cidrs` (or legacy `bound_cidrs`): kept, but not checkable offline.
    pub token_bound_cidrs: Vec<String>,
    /// Things Vault would accept but a reader should know (unknown fields, ...).
    pub warnings: Vec<String>,
}

/// Role fields Vault knows that do not affect an offline login decision.
const ROLE_IGNORED_FIELDS: &[&str] = &[
    "name",
    "role",
    "token_ttl",
    "token_max_ttl",
    "token_explicit_max_ttl",
    "token_period",
    "token_num_uses",
    "token_type",
    "ttl",
    "max_ttl",
    "period",
    "num_uses",
    "oidc_scopes",
    "allowed_redirect_uris",
    "verbose_oidc_logging",
    "max_age",
    "alias_metadata",
];

const ROLE_FIELDS: &[&str] = &[
    "role_type",
    "bound_audiences",
    "bound_subject",
    "bound_claims",
    "bound_claims_type",
    "user_claim",
    "user_claim_json_pointer",
    "claim_mappings",
    "groups_claim",
    "clock_skew_leeway",
    "expiration_leeway",
    "not_before_leeway",
    "token_policies",
    "policies",
    "token_no_default_policy",
    "token_bound_cidrs",
    "bound_cidrs",
];

/// `vault read -format=json` wraps the object in `{ "request_id": .., "data": {..} }`.
fn unwrap_read_output(m: Map<String, Value>) -> Map<String, Value> {
    let wrapped = m.contains_key("request_id") || m.contains_key("lease_id");
    match (wrapped, m.get("data")) {
        (true, Some(Value::Object(data))) => data.clone(),
        _ => m,
    }
}

fn leeway(m: &Map<String, Value>, field: &str) -> Result<Leeway, ConfigError> {
    match get(m, field) {
        None => Ok(Leeway(0)),
        Some(v) => duration::parse_seconds(v).map(Leeway).ok_or_else(|| {
            invalid(Doc::Role, field, format!("cannot parse {v} as a duration in seconds"))
        }),
    }
}

impl VaultRole {
    /// Parses a role from JSON bytes (strict JSON: no duplicate members, depth-limited).
    pub fn from_json(bytes: &[u8], limits: &Limits) -> Result<VaultRole, LoadError<ConfigError>> {
        let m = json::parse_object(bytes, "Vault role", limits)?;
        Ok(VaultRole::from_map(&unwrap_read_output(m))?)
    }

    /// Parses a role from an already-decoded JSON object, applying Vault's write-time checks
    /// in Vault's order.
    pub fn from_map(m: &Map<String, Value>) -> Result<VaultRole, ConfigError> {
        let r = Doc::Role;
        let raw_type = string(r, m, "role_type")?;
        let role_type = match raw_type.as_str() {
            "" | "oidc" => RoleType::Oidc,
            "jwt" => RoleType::Jwt,
            other => {
                return Err(invalid(r, "role_type", format!("invalid 'role_type': {other}")));
            }
        };
        // Legacy names are only used when the new one is absent (tokenutil.UpgradeValue).
        let token_policies = if get(m, "token_policies").is_some() {
            comma_list(r, m, "token_policies")?
        } else {
            comma_list(r, m, "policies")?
        };
        let token_bound_cidrs = if get(m, "token_bound_cidrs").is_some() {
            comma_list(r, m, "token_bound_cidrs")?
        } else {
            comma_list(r, m, "bound_cidrs")?
        };
        let clock_skew_leeway = leeway(m, "clock_skew_leeway")?;
        let expiration_leeway = leeway(m, "expiration_leeway")?;
        let not_before_leeway = leeway(m, "not_before_leeway")?;
        let bound_audiences = comma_list(r, m, "bound_audiences")?;
        let bound_subject = string(r, m, "bound_subject")?;

        let bound_claims_type = match string(r, m, "bound_claims_type")?.as_str() {
            "" | "string" => BoundClaimsType::String,
            "glob" => BoundClaimsType::Glob,
            other => {
                let reason = format!("invalid 'bound_claims_type': {other}");
                return Err(invalid(r, "bound_claims_type", reason));
            }
        };
        let bound_claims = match get(m, "bound_claims") {
            None => Map::new(),
            Some(Value::Object(o)) => o.clone(),
            Some(v) => {
                return Err(invalid(r, "bound_claims", format!("expected an object, found {v}")))
            }
        };
        if bound_claims_type == BoundClaimsType::Glob {
            check_glob_values(&bound_claims)?;
        }

        let claim_mappings = kv_pairs(r, m, "claim_mappings")?;
        check_mappings(&claim_mappings)?;

        let user_claim = string(r, m, "user_claim")?;
        if user_claim.is_empty() {
            let reason = String::from("a user claim must be defined on the role");
            return Err(invalid(r, "user_claim", reason));
        }
        let user_claim_json_pointer = boolean(r, m, "user_claim_json_pointer")?;
        let groups_claim = string(r, m, "groups_claim")?;
        let token_no_default_policy = boolean(r, m, "token_no_default_policy")?;

        if role_type == RoleType::Jwt
            && bound_audiences.is_empty()
            && token_bound_cidrs.is_empty()
            && bound_subject.is_empty()
            && bound_claims.is_empty()
        {
            let reason = String::from(
                "must have at least one bound constraint when creating/updating a role",
            );
            return Err(invalid(r, "bound_audiences", reason));
        }

        let mut warnings = Vec::new();
        for k in VaultRole::unknown_fields(m) {
            warnings.push(format!("unknown role field {k:?} ignored (Vault ignores it too)"));
        }
        for (key, value) in &bound_claims {
            if !bound_value_comparable(value) {
                warnings.push(format!(
                    "bound_claims {key:?} has a value Vault cannot compare ({value}); every login \
                     with this role fails"
                ));
            }
        }
        if !token_bound_cidrs.is_empty() {
            warnings.push(String::from(
                "token_bound_cidrs is set: Vault also checks the client address, which cannot be \
                 checked offline",
            ));
        }

        Ok(VaultRole {
            role_type,
            role_type_explicit: !raw_type.is_empty(),
            bound_audiences,
            bound_subject,
            bound_claims,
            bound_claims_type,
            user_claim,
            user_claim_json_pointer,
            claim_mappings,
            groups_claim,
            clock_skew_leeway,
            expiration_leeway,
            not_before_leeway,
            token_policies,
            token_no_default_policy,
            token_bound_cidrs,
            warnings,
        })
    }

    /// The members of a role object that Vault's JWT auth method does not know, by name.
    /// [`VaultRole::from_map`] accepts them with a warning each, as Vault does (it
    /// ignores unknown role fields and warns); a caller that must not let a typo such as
    /// `bound_claim` pass (the Envoy filter) refuses them with this list instead.
    pub fn unknown_fields(m: &Map<String, Value>) -> Vec<&str> {
        m.keys()
            .map(String::as_str)
            .filter(|k| !ROLE_FIELDS.contains(k) && !ROLE_IGNORED_FIELDS.contains(k))
            .collect()
    }

    /// Vault's login step 2: only `jwt` roles may log in with a raw JWT.
    pub fn require_jwt(&self) -> Result<(), ConfigError> {
        match self.role_type {
            RoleType::Jwt => Ok(()),
            RoleType::Oidc => Err(ConfigError::RoleTypeOidc { explicit: self.role_type_explicit }),
        }
    }

    /// The policies a token from this role carries: `token_policies` plus `default` unless
    /// `token_no_default_policy` (identity and group policies are server state, not included).
    pub fn policies(&self) -> Vec<String> {
        let mut out = self.token_policies.clone();
        if !self.token_no_default_policy && !out.iter().any(|p| p == "default") {
            out.push(String::from("default"));
        }
        out
    }
}

/// Vault's `normalizeList` accepts strings, booleans, numbers and lists.
fn bound_value_comparable(v: &Value) -> bool {
    matches!(v, Value::String(_) | Value::Bool(_) | Value::Number(_) | Value::Array(_))
}

/// `path_role.go`: with `bound_claims_type = glob`, every bound value must be a string.
fn check_glob_values(bound: &Map<String, Value>) -> Result<(), ConfigError> {
    for value in bound.values() {
        let items: &[Value] = match value {
            Value::Array(items) => items,
            Value::String(_) | Value::Bool(_) | Value::Number(_) => core::slice::from_ref(value),
            other => {
                let reason = format!("claim is not a string or list: {}", go_value(other));
                return Err(invalid(Doc::Role, "bound_claims", reason));
            }
        };
        for item in items {
            if !item.is_string() {
                let reason = format!("claim is not a string: {}", go_value(item));
                return Err(invalid(Doc::Role, "bound_claims", reason));
            }
        }
    }
    Ok(())
}

/// A value rendered roughly as Go's `%v` does, for Vault-worded messages.
pub(crate) fn go_value(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => String::from("<nil>"),
        other => other.to_string(),
    }
}

/// `claim_mappings` destinations: `role` is reserved, and no two sources may share one.
fn check_mappings(mappings: &BTreeMap<String, String>) -> Result<(), ConfigError> {
    let mut seen: Vec<&str> = Vec::new();
    for dest in mappings.values() {
        if dest == "role" {
            let reason =
                format!("metadata key {dest:?} is reserved and may not be a mapping destination");
            return Err(invalid(Doc::Role, "claim_mappings", reason));
        }
        if seen.contains(&dest.as_str()) {
            let reason = format!("multiple keys are mapped to metadata key {dest:?}");
            return Err(invalid(Doc::Role, "claim_mappings", reason));
        }
        seen.push(dest);
    }
    Ok(())
}

/// One `jwks_pairs` entry.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct JwksPair {
    /// The JWKS URL.
    pub jwks_url: String,
    /// Its CA bundle (not used offline).
    pub jwks_ca_pem: String,
}

/// Where the auth method takes its keys from (Vault requires exactly one).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum KeySource {
    /// `jwt_validation_pubkeys`: every PEM key tried, `kid` ignored.
    ValidationPubkeys,
    /// `jwks_url`.
    JwksUrl,
    /// `jwks_pairs`: the token must carry a `kid`.
    JwksPairs,
    /// `oidc_discovery_url`.
    OidcDiscoveryUrl,
}

/// The JWT auth method's config (`auth/<mount>/config`), the fields that decide a login.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct VaultConfig {
    /// `bound_issuer` (`""` = not checked).
    pub bound_issuer: String,
    /// `jwt_supported_algs` (empty = all ten for JWT login).
    pub jwt_supported_algs: Vec<Algorithm>,
    /// `jwt_validation_pubkeys` (PEM text).
    pub jwt_validation_pubkeys: Vec<String>,
    /// `jwks_url`.
    pub jwks_url: String,
    /// `jwks_pairs`.
    pub jwks_pairs: Vec<JwksPair>,
    /// `oidc_discovery_url`.
    pub oidc_discovery_url: String,
    /// `default_role` (lower-cased, as Vault's `TypeLowerCaseString` stores it).
    pub default_role: String,
    /// The key source in use, when exactly one is set.
    pub key_source: Option<KeySource>,
    /// Things Vault would treat differently or a reader should know.
    pub warnings: Vec<String>,
}

const CONFIG_FIELDS: &[&str] = &[
    "bound_issuer",
    "jwt_supported_algs",
    "jwt_validation_pubkeys",
    "jwks_url",
    "jwks_pairs",
    "jwks_ca_pem",
    "oidc_discovery_url",
    "oidc_discovery_ca_pem",
    "default_role",
    "oidc_client_id",
    "oidc_client_secret",
    "oidc_response_mode",
    "oidc_response_types",
    "provider_config",
    "namespace_in_state",
    "unsupported_critical_cert_extensions",
];

impl VaultConfig {
    /// Parses a config from JSON bytes (strict JSON).
    pub fn from_json(bytes: &[u8], limits: &Limits) -> Result<VaultConfig, LoadError<ConfigError>> {
        let m = json::parse_object(bytes, "Vault config", limits)?;
        Ok(VaultConfig::from_map(&unwrap_read_output(m))?)
    }

    /// Parses a config from a decoded JSON object with Vault's write-time checks, except that
    /// a config with *no* key source is accepted with a warning: offline, the keys are given
    /// to jwtgate separately.
    pub fn from_map(m: &Map<String, Value>) -> Result<VaultConfig, ConfigError> {
        let c = Doc::Config;
        let bound_issuer = string(c, m, "bound_issuer")?;
        let jwt_validation_pubkeys = comma_list(c, m, "jwt_validation_pubkeys")?;
        let jwks_url = string(c, m, "jwks_url")?;
        let jwks_ca_pem = string(c, m, "jwks_ca_pem")?;
        let oidc_discovery_url = string(c, m, "oidc_discovery_url")?;
        let jwks_pairs = jwks_pairs(m)?;
        let default_role = string(c, m, "default_role")?.to_lowercase();

        let mut sources = Vec::new();
        if !jwt_validation_pubkeys.is_empty() {
            sources.push(KeySource::ValidationPubkeys);
        }
        if !oidc_discovery_url.is_empty() {
            sources.push(KeySource::OidcDiscoveryUrl);
        }
        if !jwks_url.is_empty() {
            sources.push(KeySource::JwksUrl);
        }
        if !jwks_pairs.is_empty() {
            sources.push(KeySource::JwksPairs);
        }
        let mut warnings = Vec::new();
        let key_source = match sources.as_slice() {
            [one] => Some(*one),
            [] => {
                warnings.push(String::from(
                    "no key source set: Vault requires exactly one of 'jwt_validation_pubkeys', \
                     'jwks_url', 'jwks_pairs' or 'oidc_discovery_url'; the keys given to jwtgate \
                     are used",
                ));
                None
            }
            _ => {
                let reason = String::from(
                    "exactly one of 'jwt_validation_pubkeys', 'jwks_url', 'jwks_pairs' or \
                     'oidc_discovery_url' must be set",
                );
                return Err(invalid(c, "jwks_url", reason));
            }
        };
        if !jwks_ca_pem.is_empty() && !jwks_pairs.is_empty() {
            let reason = String::from(
                "CA PEMs must be provided as part of the 'jwks_pairs' when using multiple JWKS URLs",
            );
            return Err(invalid(c, "jwks_ca_pem", reason));
        }
        if !jwks_pairs.is_empty() && !bound_issuer.is_empty() {
            let reason = String::from("Bound issuer is not supported for use with 'jwks_pairs'");
            return Err(invalid(c, "bound_issuer", reason));
        }

        let mut jwt_supported_algs = Vec::new();
        for name in comma_list(c, m, "jwt_supported_algs")? {
            match Algorithm::from_name(&name) {
                Some(alg) => jwt_supported_algs.push(alg),
                None => {
                    let reason = format!(
                        "invalid jwt_supported_algs: unsupported signing algorithm {name:?}"
                    );
                    return Err(invalid(c, "jwt_supported_algs", reason));
                }
            }
        }

        for key in VaultConfig::unknown_fields(m) {
            warnings.push(format!("unknown config field {key:?} ignored (Vault ignores it too)"));
        }

        Ok(VaultConfig {
            bound_issuer,
            jwt_supported_algs,
            jwt_validation_pubkeys,
            jwks_url,
            jwks_pairs,
            oidc_discovery_url,
            default_role,
            key_source,
            warnings,
        })
    }

    /// The members of an auth-method config object that Vault's JWT auth method does not know,
    /// by name (accepted with a warning each by [`VaultConfig::from_map`], as Vault
    /// does; see [`VaultRole::unknown_fields`]).
    pub fn unknown_fields(m: &Map<String, Value>) -> Vec<&str> {
        m.keys().map(String::as_str).filter(|k| !CONFIG_FIELDS.contains(k)).collect()
    }

    /// The algorithms a JWT login accepts: `jwt_supported_algs`, or all ten when it is empty
    /// (`path_login.go` fills in the full list; the field's "defaults to RS256" text is wrong
    /// for JWT login).
    pub fn allowed_algorithms(&self) -> Vec<Algorithm> {
        if self.jwt_supported_algs.is_empty() {
            Algorithm::ALL.to_vec()
        } else {
            self.jwt_supported_algs.clone()
        }
    }
}

fn jwks_pairs(m: &Map<String, Value>) -> Result<Vec<JwksPair>, ConfigError> {
    let items = match get(m, "jwks_pairs") {
        None => return Ok(Vec::new()),
        Some(Value::Array(items)) => items,
        Some(v) => {
            let reason = format!("invalid jwks_pairs: expected a list, found {v}");
            return Err(invalid(Doc::Config, "jwks_pairs", reason));
        }
    };
    items
        .iter()
        .map(|item| {
            let obj = item.as_object().ok_or_else(|| {
                let reason = format!("invalid jwks_pairs: expected an object, found {item}");
                invalid(Doc::Config, "jwks_pairs", reason)
            })?;
            let jwks_url = string(Doc::Config, obj, "jwks_url")?;
            if jwks_url.is_empty() {
                let reason = String::from("invalid jwks_pairs: jwks_url is required");
                return Err(invalid(Doc::Config, "jwks_pairs", reason));
            }
            Ok(JwksPair { jwks_url, jwks_ca_pem: string(Doc::Config, obj, "jwks_ca_pem")? })
        })
        .collect()
}

impl crate::load_error::Coded for ConfigError {
    fn code(&self) -> Code {
        ConfigError::code(self)
    }
}

impl From<ConfigError> for crate::load_error::LoadError<ConfigError> {
    fn from(e: ConfigError) -> Self {
        crate::load_error::LoadError::Layer(e)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::string::ToString;
    use serde_json::json;

    fn role(v: Value) -> Result<VaultRole, ConfigError> {
        VaultRole::from_map(v.as_object().unwrap())
    }

    #[test]
    fn unknown_fields_are_listed_and_still_only_warned_about() {
        let m = json!({"role_type": "jwt", "user_claim": "sub", "bound_audiences": "a",
                       "bound_claim": {"x": "y"}, "token_ttl": "1h", "zz": 1});
        let m = m.as_object().unwrap();
        assert_eq!(VaultRole::unknown_fields(m), ["bound_claim", "zz"]);
        let r = VaultRole::from_map(m).unwrap();
        assert!(r.warnings.iter().any(|w| w.contains("\"bound_claim\"")), "{:?}", r.warnings);
        let c = json!({"bound_issuer": "x", "jwks_url": "https://x", "jwks_urls": "y"});
        assert_eq!(VaultConfig::unknown_fields(c.as_object().unwrap()), ["jwks_urls"]);
    }

    #[test]
    fn missing_role_type_is_oidc() {
        let r = role(json!({"user_claim": "sub", "bound_audiences": "a"})).unwrap();
        assert_eq!(r.role_type, RoleType::Oidc);
        assert_eq!(r.require_jwt().unwrap_err().code(), Code::RoleTypeOidc);
    }

    #[test]
    fn comma_audiences_are_split_and_trimmed() {
        let r = role(json!({"role_type": "jwt", "user_claim": "sub",
            "bound_audiences": " vault.io , nomad.io"}))
        .unwrap();
        assert_eq!(r.bound_audiences, ["vault.io", "nomad.io"]);
    }

    #[test]
    fn write_time_checks_use_vault_wording() {
        let e = role(json!({"role_type": "jwt", "bound_subject": "x"})).unwrap_err();
        assert!(e.to_string().starts_with("a user claim must be defined on the role"));
        let e = role(json!({"role_type": "jwt", "user_claim": "sub"})).unwrap_err();
        assert!(e.to_string().starts_with("must have at least one bound constraint"));
        let e = role(json!({"role_type": "jwt", "user_claim": "sub", "bound_subject": "x",
            "claim_mappings": {"a": "role"}}))
        .unwrap_err();
        assert!(e.to_string().starts_with("metadata key \"role\" is reserved"));
        let e = role(json!({"role_type": "jwt", "user_claim": "sub", "bound_claims_type": "glob",
            "bound_claims": {"x": [42]}}))
        .unwrap_err();
        assert!(e.to_string().starts_with("claim is not a string: 42"));
    }

    #[test]
    fn config_refuses_hmac_and_two_sources() {
        let e = VaultConfig::from_map(
            json!({"jwt_supported_algs": ["RS256", "HS256"]}).as_object().unwrap(),
        )
        .unwrap_err();
        assert!(e
            .to_string()
            .starts_with("invalid jwt_supported_algs: unsupported signing algorithm \"HS256\""));
        let e = VaultConfig::from_map(
            json!({"jwks_url": "https://a", "oidc_discovery_url": "https://b"})
                .as_object()
                .unwrap(),
        )
        .unwrap_err();
        assert_eq!(e.code(), Code::ConfigInvalid);
    }

    #[test]
    fn read_output_is_unwrapped() {
        let doc = br#"{"request_id":"x","lease_id":"","data":{"role_type":"jwt","user_claim":"sub","bound_subject":"s","bound_claims":null,"clock_skew_leeway":0}}"#;
        let r = VaultRole::from_json(doc, &Limits::default()).unwrap();
        assert_eq!(r.bound_subject, "s");
        assert!(r.warnings.is_empty(), "{:?}", r.warnings);
    }
}
