//! Claim validation: the `standard` (RFC 7519, jose-like) and `vault` (Vault JWT-auth login)
//! profiles.
//!
//! Both take the decoded claims set, the options and `now`, append every check they run to a
//! [`crate::report::Report`], and return the first failure as a [`ClaimError`]. Vault-profile
//! messages start with Vault's exact wording, then add the expected and actual values Vault
//! leaves out.

pub mod bound;
pub mod glob;
pub mod mapping;
pub mod pointer;
pub mod registered;
pub(crate) mod render;
pub mod standard;
pub mod vault;

use alloc::string::{String, ToString};
use alloc::vec::Vec;
use core::fmt;

use serde::Serialize;
use serde_json::Value;

use crate::code::Code;
use crate::jose::Algorithm;

pub use standard::StandardOptions;
pub use vault::VaultContext;

/// Which profile produced an error, and so which wording its message uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Wording {
    /// Vault's messages (`error validating token: ...`).
    Vault,
    /// jose-like messages (`"exp" claim timestamp check failed`).
    Standard,
}

/// Whether a check stops at the first failure or keeps evaluating independent checks.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Mode {
    /// Stop at the first failure (what `verify` and Vault do).
    #[default]
    FailFast,
    /// Keep evaluating the checks that do not depend on the failed one, so a front end can
    /// show every failure. The returned error is still the first one in order.
    Explain,
}

/// A claim check failed. Variants carry the values that explain the failure.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ClaimError {
    /// A registered claim has the wrong JSON type.
    Type {
        /// The claim.
        claim: String,
        /// What it must be.
        expected: &'static str,
        /// The JSON type it has.
        found: &'static str,
        /// Which profile.
        wording: Wording,
    },
    /// The token's `alg` is not in the allow-list (`algorithms` option, or Vault's
    /// `jwt_supported_algs`). In Vault this is checked after the signature.
    AlgNotAllowed {
        /// The header's `alg`.
        alg: Algorithm,
        /// The allowed algorithms.
        allowed: Vec<Algorithm>,
        /// Which profile.
        wording: Wording,
    },
    /// The auth method uses `jwks_pairs` and the token has no `kid` (Vault cannot pick a JWKS).
    KidRequired,
    /// A top-level key equals a registered claim name only under case folding (cap HEAD).
    Ambiguous {
        /// The key in the token.
        key: String,
        /// The registered claim it collides with.
        registered: &'static str,
    },
    /// A required claim is absent.
    Missing {
        /// The claim.
        claim: String,
    },
    /// None of `iat`, `nbf`, `exp` is present (Vault).
    NoTimeClaims,
    /// The token is expired.
    Expired {
        /// `exp` (invented by Vault when `invented`).
        exp: i64,
        /// The instant evaluated.
        now: i64,
        /// The tolerance applied, seconds.
        leeway: i64,
        /// Vault invented `exp` = max(iat, nbf) + `expiration_leeway`.
        invented: bool,
        /// Which profile.
        wording: Wording,
    },
    /// The token is not yet valid.
    NotYetValid {
        /// `nbf` (possibly taken from `iat` or invented by Vault).
        nbf: i64,
        /// The instant evaluated.
        now: i64,
        /// The tolerance applied, seconds.
        leeway: i64,
        /// Where Vault took `nbf` from when the token has none.
        source: NbfSource,
        /// Which profile.
        wording: Wording,
    },
    /// `iat` is in the future (Vault).
    IssuedInFuture {
        /// `iat`.
        iat: i64,
        /// The instant evaluated.
        now: i64,
        /// The tolerance applied, seconds.
        leeway: i64,
    },
    /// `iss` differs.
    Issuer {
        /// Accepted issuers.
        expected: Vec<String>,
        /// The token's `iss` (rendered as JSON; `None` when absent).
        actual: Option<String>,
        /// Which profile.
        wording: Wording,
    },
    /// `sub` differs.
    Subject {
        /// The expected subject.
        expected: String,
        /// The token's `sub` (rendered as JSON; `None` when absent).
        actual: Option<String>,
        /// Which profile.
        wording: Wording,
    },
    /// No `aud` entry is expected.
    Audience {
        /// Accepted audiences.
        expected: Vec<String>,
        /// The token's `aud` as JSON (`None` when absent).
        actual: Option<String>,
        /// Which profile.
        wording: Wording,
    },
    /// The role binds no audiences but the token has a non-empty `aud` (Vault).
    AudienceUnbound {
        /// The token's `aud` as JSON.
        actual: String,
    },
    /// A `bound_claims` key is absent or null.
    BoundClaimMissing {
        /// The `bound_claims` key.
        key: String,
    },
    /// A `bound_claims` claim is an object (Vault cannot compare it).
    BoundClaimType {
        /// The `bound_claims` key.
        key: String,
        /// The claim value.
        actual: Value,
    },
    /// A `bound_claims` value in the role cannot be compared (object or null).
    BoundValueInvalid {
        /// The `bound_claims` key.
        key: String,
        /// The role's value.
        value: Value,
    },
    /// A `bound_claims` entry does not match.
    BoundClaimMismatch {
        /// The `bound_claims` key.
        key: String,
        /// The role's value(s).
        expected: Value,
        /// The claim value.
        actual: Value,
        /// Whether glob matching was used.
        glob: bool,
    },
    /// The `user_claim` is absent or null.
    UserClaimMissing {
        /// The role's `user_claim`.
        claim: String,
        /// Whether `user_claim_json_pointer` is off while the claim looks like a pointer.
        pointer_hint: bool,
    },
    /// The `user_claim` is not a string.
    UserClaimNotString {
        /// The role's `user_claim`.
        claim: String,
        /// The value.
        actual: Value,
    },
    /// The alias name is empty (Vault core: `missing name in alias`).
    AliasNameEmpty {
        /// The role's `user_claim`.
        claim: String,
    },
    /// A `claim_mappings` source is not a string.
    MappingNotString {
        /// The mapping's source claim.
        source: String,
        /// The value.
        actual: Value,
    },
    /// The `groups_claim` is absent or null.
    GroupsMissing {
        /// The role's `groups_claim`.
        claim: String,
    },
    /// The `groups_claim` is an object.
    GroupsInvalid {
        /// The role's `groups_claim`.
        claim: String,
        /// The value.
        actual: Value,
    },
    /// An element of the `groups_claim` is not a string.
    GroupsElement {
        /// The role's `groups_claim`.
        claim: String,
        /// The element.
        element: Value,
    },
}

/// Where Vault's effective `nbf` came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum NbfSource {
    /// The token's own `nbf`.
    Claim,
    /// No `nbf`: Vault uses `iat`.
    Iat,
    /// No `nbf`, no `iat`: Vault uses `exp - not_before_leeway`.
    Invented,
}

impl ClaimError {
    /// The stable machine code.
    pub fn code(&self) -> Code {
        match self {
            ClaimError::Type { .. } => Code::JwtClaimType,
            ClaimError::AlgNotAllowed { .. } => Code::JwsAlgNotAllowed,
            ClaimError::KidRequired => Code::JwsHeaderInvalid,
            ClaimError::Ambiguous { .. } => Code::JwtClaimAmbiguous,
            ClaimError::Missing { .. } => Code::JwtClaimMissing,
            ClaimError::NoTimeClaims => Code::JwtNoTimeClaims,
            ClaimError::Expired { .. } => Code::JwtExpired,
            ClaimError::NotYetValid { .. } => Code::JwtNotYetValid,
            ClaimError::IssuedInFuture { .. } => Code::JwtIssuedInFuture,
            ClaimError::Issuer { .. } => Code::JwtIssuerMismatch,
            ClaimError::Subject { .. } => Code::JwtSubjectMismatch,
            ClaimError::Audience { .. } => Code::JwtAudienceMismatch,
            ClaimError::AudienceUnbound { .. } => Code::JwtAudienceUnexpected,
            ClaimError::BoundClaimMissing { .. } => Code::BoundClaimMissing,
            ClaimError::BoundClaimType { .. } => Code::BoundClaimType,
            ClaimError::BoundValueInvalid { .. } => Code::RoleInvalid,
            ClaimError::BoundClaimMismatch { .. } => Code::BoundClaimMismatch,
            ClaimError::UserClaimMissing { .. } => Code::UserClaimMissing,
            ClaimError::UserClaimNotString { .. } => Code::UserClaimNotString,
            ClaimError::AliasNameEmpty { .. } => Code::AliasNameEmpty,
            ClaimError::MappingNotString { .. } => Code::ClaimMappingNotString,
            ClaimError::GroupsMissing { .. } => Code::GroupsClaimMissing,
            ClaimError::GroupsInvalid { .. } | ClaimError::GroupsElement { .. } => {
                Code::GroupsClaimInvalid
            }
        }
    }

    /// The claim (or `bound_claims` key, mapping source) the failure is about.
    pub fn claim(&self) -> Option<String> {
        let s: &str = match self {
            ClaimError::Type { claim, .. } | ClaimError::Missing { claim } => claim,
            ClaimError::Ambiguous { key, .. } => key,
            ClaimError::AlgNotAllowed { .. } => "alg",
            ClaimError::NoTimeClaims => return None,
            ClaimError::KidRequired => "kid",
            ClaimError::Expired { .. } => "exp",
            ClaimError::NotYetValid { .. } => "nbf",
            ClaimError::IssuedInFuture { .. } => "iat",
            ClaimError::Issuer { .. } => "iss",
            ClaimError::Subject { .. } => "sub",
            ClaimError::Audience { .. } | ClaimError::AudienceUnbound { .. } => "aud",
            ClaimError::BoundClaimMissing { key }
            | ClaimError::BoundClaimType { key, .. }
            | ClaimError::BoundValueInvalid { key, .. }
            | ClaimError::BoundClaimMismatch { key, .. } => key,
            ClaimError::UserClaimMissing { claim, .. }
            | ClaimError::UserClaimNotString { claim, .. }
            | ClaimError::AliasNameEmpty { claim }
            | ClaimError::GroupsMissing { claim }
            | ClaimError::GroupsInvalid { claim, .. }
            | ClaimError::GroupsElement { claim, .. } => claim,
            ClaimError::MappingNotString { source, .. } => source,
        };
        Some(s.to_string())
    }

    /// What the configuration expects, rendered for display.
    pub fn expected(&self) -> Option<String> {
        Some(match self {
            ClaimError::Type { expected, .. } => (*expected).to_string(),
            ClaimError::AlgNotAllowed { allowed, .. } => algs(allowed),
            ClaimError::Expired { exp, leeway, .. } => {
                alloc::format!("now <= {} + {}s", render::time(*exp), leeway)
            }
            ClaimError::NotYetValid { nbf, leeway, .. } => {
                alloc::format!("now >= {} - {}s", render::time(*nbf), leeway)
            }
            ClaimError::IssuedInFuture { iat, leeway, .. } => {
                alloc::format!("now >= {} - {}s", render::time(*iat), leeway)
            }
            ClaimError::Issuer { expected, .. } | ClaimError::Audience { expected, .. } => {
                render::list(expected)
            }
            ClaimError::Subject { expected, .. } => render::quoted(expected),
            ClaimError::AudienceUnbound { .. } => String::from("no aud (role binds no audiences)"),
            ClaimError::BoundClaimMismatch { expected, glob, .. } => {
                let kind = if *glob { "glob" } else { "one of" };
                alloc::format!("{kind} {}", render::json(expected))
            }
            ClaimError::UserClaimNotString { .. }
            | ClaimError::MappingNotString { .. }
            | ClaimError::GroupsElement { .. } => String::from("string"),
            ClaimError::NoTimeClaims => String::from("at least one of iat, nbf, exp"),
            _ => return None,
        })
    }

    /// What the token has, rendered for display.
    pub fn actual(&self) -> Option<String> {
        Some(match self {
            ClaimError::Type { found, .. } => (*found).to_string(),
            ClaimError::AlgNotAllowed { alg, .. } => render::quoted(alg.as_str()),
            ClaimError::Expired { now, .. }
            | ClaimError::NotYetValid { now, .. }
            | ClaimError::IssuedInFuture { now, .. } => {
                alloc::format!("now {}", render::time(*now))
            }
            ClaimError::Issuer { actual, .. }
            | ClaimError::Subject { actual, .. }
            | ClaimError::Audience { actual, .. } => {
                actual.clone().unwrap_or_else(|| String::from("(absent)"))
            }
            ClaimError::AudienceUnbound { actual } => actual.clone(),
            ClaimError::BoundClaimType { actual, .. }
            | ClaimError::BoundClaimMismatch { actual, .. }
            | ClaimError::UserClaimNotString { actual, .. }
            | ClaimError::MappingNotString { actual, .. }
            | ClaimError::GroupsInvalid { actual, .. } => render::json(actual),
            ClaimError::GroupsElement { element, .. } => render::json(element),
            ClaimError::Missing { .. }
            | ClaimError::BoundClaimMissing { .. }
            | ClaimError::UserClaimMissing { .. }
            | ClaimError::GroupsMissing { .. } => String::from("(absent)"),
            ClaimError::AliasNameEmpty { .. } => String::from("\"\""),
            _ => return None,
        })
    }
}

const TOKEN: &str = "error validating token: ";
const CLAIMS: &str = "error validating claims: ";

impl fmt::Display for ClaimError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use render::{json, list, time};
        match self {
            ClaimError::Type { claim, expected, found, wording: Wording::Vault } => {
                match *expected {
                    "number" => write!(
                        f,
                        "{TOKEN}go-jose/go-jose/jwt: expected number value to unmarshal NumericDate"
                    )?,
                    "string" => write!(
                        f,
                        "{TOKEN}json: cannot unmarshal {} into Go struct field Claims.{claim} of type string",
                        go_json_type(found)
                    )?,
                    _ => write!(
                        f,
                        "{TOKEN}go-jose/go-jose/jwt: expected string or array value to unmarshal to Audience"
                    )?,
                }
                write!(f, " (claim {claim:?} is a {found}, must be a {expected})")
            }
            ClaimError::Type { claim, expected, found, wording: Wording::Standard } => {
                write!(f, "{claim:?} claim must be a {expected} (found {found})")
            }
            ClaimError::AlgNotAllowed { alg, allowed, wording } => {
                match wording {
                    Wording::Vault => write!(
                        f,
                        "{TOKEN}invalid algorithm (alg) header parameter: token signed with unexpected algorithm"
                    )?,
                    Wording::Standard => {
                        f.write_str("\"alg\" (Algorithm) Header Parameter value not allowed")?
                    }
                }
                write!(f, " (token has {alg}, allowed {})", algs(allowed))
            }
            ClaimError::KidRequired => write!(
                f,
                "{TOKEN}token missing kid header parameter (the auth method uses jwks_pairs, which \
                 finds the JWKS by kid)"
            ),
            ClaimError::Ambiguous { key, registered } => write!(
                f,
                "{TOKEN}ambiguous claim: key {key:?} collides with registered claim {registered:?} under case folding"
            ),
            ClaimError::Missing { claim } => write!(f, "missing required {claim:?} claim"),
            ClaimError::NoTimeClaims => write!(
                f,
                "{TOKEN}no issued at (iat), not before (nbf), or expiration time (exp) claims in token"
            ),
            ClaimError::Expired { exp, now, leeway, invented, wording } => {
                let over = now.saturating_sub(exp.saturating_add(*leeway));
                match wording {
                    Wording::Vault => write!(
                        f,
                        "{TOKEN}invalid expiration time (exp) claim: token is expired"
                    )?,
                    Wording::Standard => f.write_str("\"exp\" claim timestamp check failed")?,
                }
                let what = if *invented { "exp invented by Vault" } else { "exp" };
                write!(
                    f,
                    " ({what} {}, now {}, leeway {}s: expired {} ago)",
                    time(*exp),
                    time(*now),
                    leeway,
                    render::duration(over)
                )
            }
            ClaimError::NotYetValid { nbf, now, leeway, source, wording } => {
                match wording {
                    Wording::Vault => {
                        write!(f, "{TOKEN}invalid not before (nbf) claim: token not yet valid")?
                    }
                    Wording::Standard => f.write_str("\"nbf\" claim timestamp check failed")?,
                }
                let what = match source {
                    NbfSource::Claim => "nbf",
                    NbfSource::Iat => "nbf taken from iat by Vault",
                    NbfSource::Invented => "nbf invented by Vault as exp - not_before_leeway",
                };
                let early = nbf.saturating_sub(now.saturating_add(*leeway));
                write!(
                    f,
                    " ({what} {}, now {}, leeway {}s: valid in {})",
                    time(*nbf),
                    time(*now),
                    leeway,
                    render::duration(early)
                )
            }
            ClaimError::IssuedInFuture { iat, now, leeway } => write!(
                f,
                "{TOKEN}invalid issued at (iat) claim: token issued in the future (iat {}, now {}, leeway {}s)",
                time(*iat),
                time(*now),
                leeway
            ),
            ClaimError::Issuer { expected, actual, wording } => {
                match wording {
                    Wording::Vault => write!(f, "{TOKEN}invalid issuer (iss) claim")?,
                    Wording::Standard => f.write_str("unexpected \"iss\" claim value")?,
                }
                write!(f, " (expected {}, token has {})", one_or_list(expected), absent(actual))
            }
            ClaimError::Subject { expected, actual, wording } => {
                match wording {
                    Wording::Vault => write!(f, "{TOKEN}invalid subject (sub) claim")?,
                    Wording::Standard => f.write_str("unexpected \"sub\" claim value")?,
                }
                write!(f, " (expected {}, token has {})", render::quoted(expected), absent(actual))
            }
            ClaimError::Audience { expected, actual, wording } => {
                match wording {
                    Wording::Vault => write!(
                        f,
                        "{TOKEN}invalid audience (aud) claim: audience claim does not match any expected audience"
                    )?,
                    Wording::Standard => f.write_str("unexpected \"aud\" claim value")?,
                }
                write!(f, " (expected one of {}, token has {})", list(expected), absent(actual))
            }
            ClaimError::AudienceUnbound { actual } => write!(
                f,
                "audience claim found in JWT but no audiences bound to the role (token has {actual}; \
                 add it to bound_audiences)"
            ),
            ClaimError::BoundClaimMissing { key } => {
                write!(f, "{CLAIMS}claim {key:?} is missing")
            }
            ClaimError::BoundClaimType { actual, .. } => write!(
                f,
                "{CLAIMS}received claim is not a string, bool, int or list: {}",
                go_fmt(actual)
            ),
            ClaimError::BoundValueInvalid { value, .. } => write!(
                f,
                "{CLAIMS}bound claim is not a string, bool, int or list: {}",
                go_fmt(value)
            ),
            ClaimError::BoundClaimMismatch { key, expected, actual, glob } => {
                write!(f, "{CLAIMS}claim {key:?} does not match any associated bound claim values")?;
                let kind = if *glob { "glob" } else { "one of" };
                write!(f, " (expected {kind} {}, token has {})", json(expected), json(actual))
            }
            ClaimError::UserClaimMissing { claim, pointer_hint } => {
                write!(f, "claim {claim:?} not found in token")?;
                if *pointer_hint {
                    f.write_str(
                        " (user_claim starts with '/' but user_claim_json_pointer is false, so \
                         Vault looks for a top-level key with that literal name)",
                    )?;
                }
                Ok(())
            }
            ClaimError::UserClaimNotString { claim, actual } => {
                write!(f, "claim {claim:?} could not be converted to string (token has {})", json(actual))
            }
            ClaimError::AliasNameEmpty { claim } => {
                write!(f, "missing name in alias (user_claim {claim:?} is an empty string)")
            }
            ClaimError::MappingNotString { source, actual } => write!(
                f,
                "error converting claim '{source}' to string (token has {})",
                json(actual)
            ),
            ClaimError::GroupsMissing { claim } => {
                write!(f, "failed to fetch groups: {claim:?} claim not found in token")
            }
            ClaimError::GroupsInvalid { claim, actual } => write!(
                f,
                "{claim:?} claim could not be converted to string list (token has {})",
                json(actual)
            ),
            ClaimError::GroupsElement { element, .. } => write!(
                f,
                "value {} in groups claim could not be parsed as string",
                go_fmt(element)
            ),
        }
    }
}

impl core::error::Error for ClaimError {}

fn algs(list: &[Algorithm]) -> String {
    let names: Vec<String> = list.iter().map(|a| String::from(a.as_str())).collect();
    render::list(&names)
}

fn absent(v: &Option<String>) -> &str {
    v.as_deref().unwrap_or("none")
}

fn one_or_list(items: &[String]) -> String {
    match items {
        [one] => render::quoted(one),
        _ => alloc::format!("one of {}", render::list(items)),
    }
}

/// Go's name for a JSON type in `UnmarshalTypeError` messages.
fn go_json_type(found: &str) -> &str {
    match found {
        "boolean" => "bool",
        other => other,
    }
}

/// A JSON value formatted roughly as Go's `%v` prints the decoded `interface{}`.
pub(crate) fn go_fmt(v: &Value) -> String {
    match v {
        Value::Null => String::from("<nil>"),
        Value::String(s) => s.clone(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        Value::Array(items) => {
            let inner: Vec<String> = items.iter().map(go_fmt).collect();
            alloc::format!("[{}]", inner.join(" "))
        }
        Value::Object(m) => {
            let inner: Vec<String> =
                m.iter().map(|(k, v)| alloc::format!("{k}:{}", go_fmt(v))).collect();
            alloc::format!("map[{}]", inner.join(" "))
        }
    }
}
