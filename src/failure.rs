//! A failed call as a front end reports it: the stable code, the human message, and the values
//! that explain it as data (`expected`/`actual` as JSON values, the verified `payload` of a
//! token refused for a claim, the verification report).
//!
//! The npm package throws this as `JwtgateError`; the core's error enums stay the source of
//! every field (the message is their `Display`, the code their `code()`).

use alloc::boxed::Box;
use alloc::string::{String, ToString};
use alloc::vec::Vec;

use serde_json::{Map, Value};

use crate::claims::ClaimError;
use crate::code::Code;
use crate::error::Error;
use crate::limits::Limits;
use crate::report::{Outcome, Report};
use crate::verify::Rejected;

/// A refused call, with the values that explain it.
#[derive(Clone, Debug, PartialEq)]
pub struct Failure {
    /// The stable machine code.
    pub code: Code,
    /// What went wrong, in the core's wording (Vault's where Vault has one).
    pub message: String,
    /// The values that explain a refused verification (boxed: most failures have none, and
    /// every `Result` carrying a `Failure` would otherwise grow by them).
    pub detail: Option<Box<Detail>>,
}

/// What a refused verification adds to its code and message.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Detail {
    /// The claim (or `bound_claims` key) a claim failure is about.
    pub claim: Option<String>,
    /// What the configuration expects, as a JSON value.
    pub expected: Option<Value>,
    /// What the token has, as a JSON value (`None` when the claim is absent).
    pub actual: Option<Value>,
    /// The token's claims when a claim check refused a token whose signature verified (as
    /// jose's `JWTClaimValidationFailed.payload`): enough to log the rejected `sub`.
    pub payload: Option<Map<String, Value>>,
    /// Every check that ran.
    pub report: Report,
}

impl Failure {
    /// A failure with only a code and a message.
    pub fn new(code: Code, message: impl Into<String>) -> Self {
        Failure { code, message: message.into(), detail: None }
    }

    /// `ERR_OPTIONS_INVALID`: `invalid option {field}: {reason}`.
    pub fn options(field: &str, reason: &str) -> Self {
        Failure::new(Code::OptionsInvalid, alloc::format!("invalid option {field}: {reason}"))
    }

    /// A refused verification of `token` (read under `limits`): its error, its report, and for
    /// a claim failure the claim's values, with the payload when the signature verified.
    pub fn rejected(rejected: &Rejected, token: &str, limits: &Limits) -> Self {
        let mut detail = Detail { report: rejected.report.clone(), ..Detail::default() };
        if let Error::Claim(c) = &rejected.error {
            detail.claim = c.claim();
            detail.expected = expected(c);
            detail.actual = actual(c);
            let signed = rejected
                .report
                .checks
                .iter()
                .any(|c| c.id == "signature" && c.outcome == Outcome::Pass);
            if signed {
                detail.payload = payload(token, limits);
            }
        }
        Failure { detail: Some(Box::new(detail)), ..Failure::from(&rejected.error) }
    }
}

impl From<&Error> for Failure {
    fn from(e: &Error) -> Self {
        Failure::new(e.code(), e.to_string())
    }
}

/// Every layer's error ([`crate::policy::PolicyError`], [`crate::aws::AwsError`], ...) as the
/// crate's [`Error`] words it.
impl<E: Into<Error>> From<E> for Failure {
    fn from(e: E) -> Self {
        Failure::from(&e.into())
    }
}

/// The claims of a token whose signature verified, read as `verify` read them (strictly, else
/// as Vault reads a token it forgives).
fn payload(token: &str, limits: &Limits) -> Option<Map<String, Value>> {
    match crate::jose::parse_compact(token, limits) {
        Ok(jws) => Some(jws.claims),
        Err(_) => {
            let reading = crate::jose::vault_reading(token)?;
            crate::jose::parse_compact(&reading.canonical, limits).ok().map(|jws| jws.claims)
        }
    }
}

fn strings<'a>(items: impl IntoIterator<Item = &'a str>) -> Value {
    Value::Array(items.into_iter().map(|s| Value::String(s.into())).collect())
}

/// `{ "<claim>": instant, "leeway": seconds }`.
fn bound(claim: &str, at: i64, leeway: i64) -> Value {
    let mut m = Map::new();
    m.insert(claim.into(), at.into());
    m.insert("leeway".into(), leeway.into());
    Value::Object(m)
}

fn now(at: i64) -> Value {
    let mut m = Map::new();
    m.insert("now".into(), at.into());
    Value::Object(m)
}

/// A claim the error carries as its JSON text (`iss`, `sub`, `aud`), read back as the value.
fn json_text(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or_else(|_| Value::String(text.into()))
}

/// What the configuration expects, as data (the display form is in the message).
fn expected(e: &ClaimError) -> Option<Value> {
    Some(match e {
        ClaimError::Type { expected, .. } => Value::String((*expected).into()),
        ClaimError::AlgNotAllowed { allowed, .. } => strings(allowed.iter().map(|a| a.as_str())),
        ClaimError::Expired { exp, leeway, .. } => bound("exp", *exp, *leeway),
        ClaimError::NotYetValid { nbf, leeway, .. } => bound("nbf", *nbf, *leeway),
        ClaimError::IssuedInFuture { iat, leeway, .. } => bound("iat", *iat, *leeway),
        ClaimError::Issuer { expected, .. } | ClaimError::Audience { expected, .. } => {
            strings(expected.iter().map(String::as_str))
        }
        ClaimError::Subject { expected, .. } => Value::String(expected.clone()),
        // The role binds no audiences: the token may carry none.
        ClaimError::AudienceUnbound { .. } => Value::Array(Vec::new()),
        ClaimError::BoundClaimMismatch { expected, .. } => expected.clone(),
        ClaimError::UserClaimNotString { .. }
        | ClaimError::MappingNotString { .. }
        | ClaimError::GroupsElement { .. } => Value::String("string".into()),
        ClaimError::NoTimeClaims => strings(["iat", "nbf", "exp"]),
        _ => return None,
    })
}

/// What the token has, as data; `None` when it has nothing there.
fn actual(e: &ClaimError) -> Option<Value> {
    Some(match e {
        ClaimError::Type { found, .. } => Value::String((*found).into()),
        ClaimError::AlgNotAllowed { alg, .. } => Value::String(alg.as_str().into()),
        ClaimError::Expired { now: at, .. }
        | ClaimError::NotYetValid { now: at, .. }
        | ClaimError::IssuedInFuture { now: at, .. } => now(*at),
        ClaimError::Issuer { actual, .. }
        | ClaimError::Subject { actual, .. }
        | ClaimError::Audience { actual, .. } => json_text(actual.as_deref()?),
        ClaimError::AudienceUnbound { actual } => json_text(actual),
        ClaimError::BoundClaimType { actual, .. }
        | ClaimError::BoundClaimMismatch { actual, .. }
        | ClaimError::UserClaimNotString { actual, .. }
        | ClaimError::MappingNotString { actual, .. }
        | ClaimError::GroupsInvalid { actual, .. } => actual.clone(),
        ClaimError::GroupsElement { element, .. } => element.clone(),
        ClaimError::AliasNameEmpty { .. } => Value::String(String::new()),
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::claims::Wording;
    use crate::jose::Algorithm;

    #[test]
    fn claim_values_are_data() {
        let e = ClaimError::Audience {
            expected: alloc::vec!["aws".into()],
            actual: Some("[\"vault.io\",\"x\"]".into()),
            wording: Wording::Standard,
        };
        assert_eq!(expected(&e), Some(serde_json::json!(["aws"])));
        assert_eq!(actual(&e), Some(serde_json::json!(["vault.io", "x"])));
        let e = ClaimError::Issuer {
            expected: alloc::vec!["a".into()],
            actual: None,
            wording: Wording::Vault,
        };
        assert_eq!(actual(&e), None);
        let e = ClaimError::Expired {
            exp: 100,
            now: 200,
            leeway: 5,
            invented: false,
            wording: Wording::Standard,
        };
        assert_eq!(expected(&e), Some(serde_json::json!({"exp": 100, "leeway": 5})));
        assert_eq!(actual(&e), Some(serde_json::json!({"now": 200})));
        let e = ClaimError::AlgNotAllowed {
            alg: Algorithm::RS256,
            allowed: alloc::vec![Algorithm::EdDSA],
            wording: Wording::Standard,
        };
        assert_eq!(expected(&e), Some(serde_json::json!(["EdDSA"])));
        assert_eq!(actual(&e), Some(serde_json::json!("RS256")));
    }
}
