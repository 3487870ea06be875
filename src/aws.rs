//! AWS IAM web-identity federation: would STS `AssumeRoleWithWebIdentity` accept this verified
//! token for this role?
//!
//! Two parts, each a list of [`Check`]s with AWS's own error wording (so users can match what
//! they see in CloudTrail or the CLI):
//!
//! 1. [`preflight`] — the token-level checks STS runs before looking at the role: the IAM OIDC
//!    provider is found by an **exact** string match of `iss` against the provider URL
//!    (https, no port, no query; a trailing slash is a different provider); `aud` must be one
//!    of the provider's client ids; tokens must be signed with RS256/384/512 or ES256/384/512
//!    (the STS API reference: "Tokens must be signed using either RSA keys (RS256, RS384, or
//!    RS512) or ECDSA keys (ES256, ES384, or ES512)" — so Nomad's pre-1.7 EdDSA keys and PS*
//!    are refused); the token is 4–20000 characters (botocore `clientTokenType`); `exp` must be
//!    present (Nomad's default identity has none) and not past; timestamps must be integers.
//! 2. [`evaluate`] — the role's trust policy ([`trust`]): `Principal.Federated` must name the
//!    provider's ARN, `Action` must cover `sts:AssumeRoleWithWebIdentity`, and every
//!    condition on `<provider>:aud|sub|amr|azp` is explained with the values compared.
//!
//! [`generate_trust_policy`] writes a least-privilege policy (`StringEquals :aud`,
//! `StringLike :sub`). Only `aud`, `sub`, `amr` and `azp` exist as condition keys for a custom
//! OIDC provider, so Nomad claims such as `nomad_job_id` cannot be used directly: scope by the
//! `sub`, which Nomad builds as `<region>:<namespace>:<job>:<group>:<task>:<identity>`.

use alloc::format;
use alloc::string::{String, ToString};
use alloc::vec::Vec;
use core::fmt;

use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};

use crate::code::Code;
use crate::json::JsonError;
use crate::report::{Check, Outcome, Text};
use crate::time::UnixTime;

pub mod trust;

pub use trust::{parse_trust_policy, TrustPolicy};

/// The action every check here is about.
pub const ACTION: &str = "sts:AssumeRoleWithWebIdentity";

/// Algorithms STS accepts for web identity tokens.
pub const ACCEPTED_ALGS: &[&str] = &["RS256", "RS384", "RS512", "ES256", "ES384", "ES512"];

/// A trust policy or the AWS options are invalid.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum AwsError {
    /// The trust policy is not strict JSON.
    Json(JsonError),
    /// The trust policy uses an element or operator jwtgate does not evaluate, or is malformed.
    TrustPolicy {
        /// What is wrong.
        message: String,
    },
}

impl AwsError {
    /// The stable machine code.
    pub fn code(&self) -> Code {
        match self {
            AwsError::Json(JsonError::Limit { .. }) => Code::LimitExceeded,
            AwsError::Json(_) | AwsError::TrustPolicy { .. } => Code::TrustPolicyInvalid,
        }
    }
}

impl fmt::Display for AwsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AwsError::Json(e) => write!(f, "invalid trust policy: {e}"),
            AwsError::TrustPolicy { message } => write!(f, "invalid trust policy: {message}"),
        }
    }
}

impl core::error::Error for AwsError {}

/// The IAM OIDC provider and role context.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct AwsOptions {
    /// The IAM OIDC provider URL (`https://nomad.example.com` or with a path).
    pub provider_url: String,
    /// The provider's client id list (audiences), e.g. `["aws"]`.
    pub client_ids: Vec<String>,
    /// The AWS account id of the role and provider; when empty, any account matches and the
    /// report says so.
    pub account_id: String,
    /// The partition (`aws` when empty).
    pub partition: String,
}

impl AwsOptions {
    /// The provider name used in condition keys and ARNs: the URL without `https://`.
    pub fn provider_name(&self) -> &str {
        let u = self.provider_url.as_str();
        u.strip_prefix("https://").unwrap_or(u)
    }

    /// `arn:<partition>:iam::<account>:oidc-provider/<provider>`.
    pub fn provider_arn(&self) -> String {
        let partition = if self.partition.is_empty() { "aws" } else { self.partition.as_str() };
        let account =
            if self.account_id.is_empty() { "<account>" } else { self.account_id.as_str() };
        format!("arn:{partition}:iam::{account}:oidc-provider/{}", self.provider_name())
    }
}

fn claim_strings(claims: &Map<String, Value>, name: &str) -> Option<Vec<String>> {
    match claims.get(name)? {
        Value::String(s) => Some(alloc::vec![s.clone()]),
        Value::Array(a) => Some(a.iter().filter_map(|v| v.as_str().map(String::from)).collect()),
        Value::Null => None,
        other => Some(alloc::vec![other.to_string()]),
    }
}

fn fail(id: impl Into<Text>, code: Code, message: String) -> Check {
    Check::new(id, Outcome::Fail, message).with_code(code)
}

/// The checks STS runs on the token itself (see the module docs). `token` is the compact
/// token as sent, `alg` its header algorithm, `claims` its verified claims.
pub fn preflight(
    token: &str,
    alg: &str,
    claims: &Map<String, Value>,
    options: &AwsOptions,
    now: UnixTime,
) -> Vec<Check> {
    let mut out = Vec::new();
    let invalid = Code::AwsInvalidIdentityToken;
    // Provider URL shape.
    let url = options.provider_url.as_str();
    let host_part = url.strip_prefix("https://").unwrap_or("");
    let authority = host_part.split('/').next().unwrap_or("");
    let shape_problem = if !url.starts_with("https://") {
        Some("must begin with https://")
    } else if authority.is_empty() {
        Some("has no host")
    } else if authority.contains(':') {
        Some("must not contain a port")
    } else if url.contains(['?', '#']) {
        Some("must not contain a query or fragment")
    } else {
        None
    };
    out.push(match shape_problem {
        Some(p) => {
            fail("aws.provider_url", invalid, format!("the IAM OIDC provider URL {url:?} {p}"))
        }
        None => Check::new(
            "aws.provider_url",
            Outcome::Pass,
            "provider URL is https, without port or query",
        )
        .with_actual(url.to_string()),
    });
    // Token length (botocore clientTokenType: 4..20000).
    let len = token.chars().count();
    out.push(if !(4..=20_000).contains(&len) {
        fail(
            "aws.token_length",
            invalid,
            format!(
                "1 validation error detected: Value at 'webIdentityToken' failed to satisfy \
                 constraint: Member must have length {} 20000",
                if len < 4 {
                    "greater than or equal to 4 and less than or equal to"
                } else {
                    "less than or equal to"
                }
            ),
        )
        .with_actual(format!("{len} characters"))
    } else {
        Check::new("aws.token_length", Outcome::Pass, "token length within 4..20000")
            .with_actual(format!("{len} characters"))
    });
    // Algorithm.
    out.push(if ACCEPTED_ALGS.contains(&alg) {
        Check::new("aws.alg", Outcome::Pass, "algorithm accepted by STS")
            .with_actual(alg.to_string())
    } else {
        let hint = if alg == "EdDSA" {
            " (a Nomad cluster created before 1.7 signs with Ed25519 until its keyring is rotated)"
        } else {
            ""
        };
        fail(
            "aws.alg",
            invalid,
            format!(
                "InvalidIdentityToken: tokens must be signed using either RSA keys (RS256, RS384, \
                 or RS512) or ECDSA keys (ES256, ES384, or ES512){hint}"
            ),
        )
        .with_expected(ACCEPTED_ALGS.join(", "))
        .with_actual(alg.to_string())
    });
    // Issuer = provider URL, exactly.
    let iss = claims.get("iss").and_then(Value::as_str);
    out.push(match iss {
        Some(i) if i == url => Check::new("aws.iss", Outcome::Pass, "iss equals the provider URL exactly").with_actual(i.to_string()),
        Some(i) => {
            let hint = if i.trim_end_matches('/') == url.trim_end_matches('/') {
                " (they differ only by a trailing slash: IAM compares strings exactly)"
            } else {
                ""
            };
            fail("aws.iss", invalid, format!("InvalidIdentityToken: No OpenIDConnect provider found in your account for {i}{hint}"))
                .with_expected(url.to_string())
                .with_actual(i.to_string())
        }
        None => fail(
            "aws.iss",
            invalid,
            "InvalidIdentityToken: the token has no iss claim, so no OpenIDConnect provider can be \
             found (Nomad sets iss only when the server's oidc_issuer is configured)"
                .to_string(),
        )
        .with_expected(url.to_string()),
    });
    // Audience.
    let aud = claim_strings(claims, "aud").unwrap_or_default();
    let aud_ok = aud.iter().any(|a| options.client_ids.contains(a));
    out.push(if aud_ok {
        Check::new("aws.aud", Outcome::Pass, "aud is one of the provider's client ids")
            .with_actual(aud.join(", "))
    } else {
        fail("aws.aud", invalid, "InvalidIdentityToken: Incorrect token audience".to_string())
            .with_expected(options.client_ids.join(", "))
            .with_actual(aud.join(", "))
    });
    // Timestamps must be integers; exp present and not past.
    for name in ["iat", "nbf", "exp"] {
        if let Some(v) = claims.get(name) {
            if !(v.is_i64() || v.is_u64()) {
                out.push(fail(
                    format!("aws.{name}"),
                    invalid,
                    format!("InvalidIdentityToken: timestamps in the token must be formatted as an integer ({name})"),
                ).with_actual(v.to_string()));
            }
        }
    }
    let exp = claims.get("exp");
    if exp.is_some_and(|v| v.as_i64().is_none()) {
        return out; // already reported as a non-integer timestamp
    }
    out.push(match exp.and_then(Value::as_i64) {
        None => fail(
            "aws.exp",
            invalid,
            "InvalidIdentityToken: the token has no exp claim (a Nomad default identity has no \
             TTL; use a named identity with a ttl)"
                .to_string(),
        ),
        Some(exp) if exp <= now.seconds() => fail(
            "aws.exp",
            Code::AwsTokenExpired,
            format!(
                "ExpiredTokenException: Token expired {} s ago",
                now.seconds().saturating_sub(exp)
            ),
        )
        .with_actual(exp.to_string()),
        Some(exp) => Check::new(
            "aws.exp",
            Outcome::Pass,
            format!("expires in {} s", exp.saturating_sub(now.seconds())),
        )
        .with_actual(exp.to_string()),
    });
    out
}

/// One statement's result.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct StatementResult {
    /// Index in the policy.
    pub index: usize,
    /// `Sid`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sid: Option<String>,
    /// `Allow` or `Deny`.
    pub effect: &'static str,
    /// Whether `Action` covers `sts:AssumeRoleWithWebIdentity`.
    pub action_matches: bool,
    /// Whether `Principal.Federated` names the provider.
    pub principal_matches: bool,
    /// The principal values, for the reader.
    pub principals: Vec<String>,
    /// Every condition with its values and outcome.
    pub conditions: Vec<trust::ConditionResult>,
    /// Whether the statement applies (action, principal and all conditions).
    pub applies: bool,
}

/// The trust-policy decision.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TrustReport {
    /// Whether the role may be assumed (ignoring the preflight).
    pub allowed: bool,
    /// `allowed`, `explicit-deny` or `implicit-deny`.
    pub decision: &'static str,
    /// The provider ARN the principal must name.
    pub provider_arn: String,
    /// Per statement.
    pub statements: Vec<StatementResult>,
    /// Steps (for the common report renderer).
    pub steps: Vec<Check>,
}

fn principal_matches(p: &str, options: &AwsOptions) -> bool {
    if p == "*" {
        return true;
    }
    if !options.account_id.is_empty() {
        return p == options.provider_arn();
    }
    // No account given: accept any 12-digit account in any partition.
    let Some(rest) = p.strip_prefix("arn:") else { return false };
    let mut parts = rest.splitn(5, ':');
    let (Some(_partition), Some("iam"), Some(""), Some(account), Some(resource)) =
        (parts.next(), parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return false;
    };
    account.len() == 12
        && account.bytes().all(|b| b.is_ascii_digit())
        && resource == format!("oidc-provider/{}", options.provider_name())
}

/// The request's values for a condition key (`None` when absent or not a web-identity key).
fn key_values(
    key: &str,
    claims: &Map<String, Value>,
    options: &AwsOptions,
) -> (Option<Vec<String>>, bool) {
    let lower = key.to_ascii_lowercase();
    let provider = options.provider_name().to_ascii_lowercase();
    let Some(claim) = lower.strip_prefix(&provider).and_then(|r| r.strip_prefix(':')) else {
        return (None, false);
    };
    match claim {
        "aud" | "sub" | "amr" | "azp" => (claim_strings(claims, claim), true),
        _ => (None, false),
    }
}

/// Evaluates the trust policy for `sts:AssumeRoleWithWebIdentity` with the verified `claims`.
pub fn evaluate(
    policy: &TrustPolicy,
    claims: &Map<String, Value>,
    options: &AwsOptions,
) -> TrustReport {
    let mut statements = Vec::new();
    let mut steps = Vec::new();
    let arn = options.provider_arn();
    if options.account_id.is_empty() {
        steps.push(Check::new(
            "aws.account",
            Outcome::Info,
            "no account id given: a provider ARN in any account matches",
        ));
    }
    for (index, s) in policy.statements.iter().enumerate() {
        let action_matches = s.actions.iter().any(|a| trust::like(a, ACTION, true));
        let principal_matches = s.federated.iter().any(|p| principal_matches(p, options));
        let mut conditions = Vec::new();
        for c in &s.conditions {
            let (values, known) = key_values(&c.key, claims, options);
            let mut r = trust::evaluate_condition(c, values.as_deref());
            if !known {
                r.explanation = format!(
                    "{} (the key is not one of <provider>:aud/sub/amr/azp for {:?}; treated as absent)",
                    r.explanation,
                    options.provider_name()
                );
            }
            conditions.push(r);
        }
        let applies = action_matches && principal_matches && conditions.iter().all(|c| c.holds);
        let id = format!("aws.statement[{index}]");
        let label = s.sid.clone().unwrap_or_else(|| format!("#{index}"));
        let effect = if s.allow { "Allow" } else { "Deny" };
        if !action_matches {
            steps.push(
                Check::new(
                    id.clone(),
                    Outcome::Skip,
                    format!("{effect} statement {label}: Action does not cover {ACTION}"),
                )
                .with_actual(s.actions.join(", ")),
            );
        } else if !principal_matches {
            steps.push(
                Check::new(id.clone(), Outcome::Skip, format!("{effect} statement {label}: Principal.Federated does not name the provider"))
                    .with_expected(arn.clone())
                    .with_actual(s.federated.join(", ")),
            );
        } else {
            for (ci, c) in conditions.iter().enumerate() {
                steps.push(
                    Check::new(
                        format!("{id}.condition[{ci}]"),
                        if c.holds { Outcome::Pass } else { Outcome::Fail },
                        format!("{} {}: {}", c.condition.operator, c.condition.key, c.explanation),
                    )
                    .with_expected(c.condition.values.join(", "))
                    .with_actual(
                        c.request_values
                            .as_ref()
                            .map_or_else(|| "(absent)".to_string(), |v| v.join(", ")),
                    ),
                );
            }
            steps.push(Check::new(
                id.clone(),
                Outcome::Info,
                format!(
                    "{effect} statement {label} {}",
                    if applies { "applies" } else { "does not apply (a condition fails)" }
                ),
            ));
        }
        statements.push(StatementResult {
            index,
            sid: s.sid.clone(),
            effect,
            action_matches,
            principal_matches,
            principals: s.federated.clone(),
            conditions,
            applies,
        });
    }
    let denied = statements.iter().any(|s| s.applies && s.effect == "Deny");
    let allowed_by = statements.iter().any(|s| s.applies && s.effect == "Allow");
    let (allowed, decision) = match (denied, allowed_by) {
        (true, _) => (false, "explicit-deny"),
        (false, true) => (true, "allowed"),
        _ => (false, "implicit-deny"),
    };
    steps.push(if allowed {
        Check::new("aws.trust", Outcome::Pass, format!("an Allow statement grants {ACTION}"))
    } else {
        Check::new(
            "aws.trust",
            Outcome::Fail,
            format!(
                "AccessDenied: Not authorized to perform {ACTION} ({})",
                if denied { "an explicit Deny applies" } else { "no Allow statement applies" }
            ),
        )
        .with_code(Code::AwsAccessDenied)
    });
    TrustReport { allowed, decision, provider_arn: arn, statements, steps }
}

/// A least-privilege trust policy: the provider as federated principal, `StringEquals` on
/// `<provider>:aud` and `StringLike` on `<provider>:sub`.
pub fn generate_trust_policy(options: &AwsOptions, audience: &str, sub_pattern: &str) -> Value {
    let provider = options.provider_name();
    json!({
        "Version": "2012-10-17",
        "Statement": [{
            "Effect": "Allow",
            "Principal": { "Federated": options.provider_arn() },
            "Action": ACTION,
            "Condition": {
                "StringEquals": { format!("{provider}:aud"): audience },
                "StringLike": { format!("{provider}:sub"): sub_pattern }
            }
        }]
    })
}

/// A `sub` pattern from a Nomad workload `sub` (`<region>:<namespace>:<job>:<group>:<task>:<identity>`)
/// keeping the first `keep` fields and replacing the rest with `*` (e.g. `keep = 3` scopes to
/// one job in one namespace). `None` when `sub` does not have Nomad's six fields.
pub fn nomad_sub_pattern(sub: &str, keep: usize) -> Option<String> {
    let fields: Vec<&str> = sub.split(':').collect();
    if fields.len() != 6 {
        return None;
    }
    let mut out: Vec<&str> = fields.iter().take(keep).copied().collect();
    if keep < 6 {
        out.push("*");
    }
    Some(out.join(":"))
}
