//! One token through `AssumeRoleWithWebIdentity`, as the npm `evaluateTrustPolicy` and
//! `suggestTrustPolicy` ask: the signature (when keys are given), STS's preflight, the role's
//! trust policy, and the verdict from all of them, decided here once.

use alloc::string::{String, ToString};
use alloc::vec::Vec;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::aws::{self, AwsOptions, TrustReport};
use crate::claims::StandardOptions;
use crate::code::Code;
use crate::failure::Failure;
use crate::jose::KeySet;
use crate::limits::Limits;
use crate::report::{Check, Outcome};
use crate::time::UnixTime;
use crate::verify::{self, VerifyOptions};

/// The AWS side of the question (JSON, camelCase). Unknown members are refused.
#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase", deny_unknown_fields)]
pub struct WebIdentityInput {
    /// The role's trust policy (JSON text); without it only the preflight runs.
    pub trust_policy: Option<String>,
    /// The IAM OIDC provider URL.
    pub provider_url: String,
    /// The provider's client ids (audiences).
    pub client_ids: Option<Vec<String>>,
    /// The account of the role and provider.
    pub account_id: Option<String>,
}

impl WebIdentityInput {
    /// The provider as the checks read it.
    pub fn options(&self) -> AwsOptions {
        AwsOptions {
            provider_url: self.provider_url.clone(),
            client_ids: self.client_ids.clone().unwrap_or_default(),
            account_id: self.account_id.clone().unwrap_or_default(),
            partition: String::new(),
        }
    }
}

/// The answer (members in key order, as front ends have always shown them).
#[derive(Serialize)]
pub struct WebIdentityReport {
    /// Whether STS would let this token assume the role: the preflight passed and the trust
    /// policy (when given) allows it. Without keys the signature is a `skip` step, not a pass.
    pub allowed: bool,
    /// The token's claims (verified when keys were given, else only decoded).
    pub payload: Map<String, Value>,
    /// STS's token-level checks.
    pub preflight: Vec<Check>,
    /// Every step in order: signature and claims, preflight, trust policy.
    pub steps: Vec<Check>,
    /// The trust policy's evaluation, when one was given.
    pub trust: Option<TrustReport>,
}

/// Evaluates `token` for `input`'s role. With `keys` the token is verified first (the standard
/// profile with `iss` = the provider URL, exactly as STS matches it; `exp` required, as STS
/// requires it); without, it is only decoded and the signature is reported as not verified.
pub fn evaluate(
    token: &str,
    keys: Option<&KeySet>,
    input: &WebIdentityInput,
    limits: &Limits,
    now: UnixTime,
) -> Result<WebIdentityReport, Failure> {
    let provider = input.options();
    let mut steps = Vec::new();
    let (alg, payload) = match keys {
        Some(keys) => {
            let std_opts = StandardOptions {
                issuer: alloc::vec![input.provider_url.clone()],
                ..StandardOptions::default()
            };
            let mut vo = VerifyOptions::standard(now, std_opts);
            vo.limits = limits.clone();
            let v = verify::verify(token, keys, &vo)
                .map_err(|r| Failure::rejected(&r, token, limits))?;
            steps.extend(v.report.checks.iter().cloned());
            (v.header.alg.as_str().to_string(), v.claims)
        }
        None => {
            let jws = crate::jose::parse_compact(token, limits)?;
            steps.push(Check::new(
                "signature",
                Outcome::Skip,
                "no keys given: the signature was not verified (STS verifies it with the provider's JWKS)",
            ));
            (jws.header.alg.as_str().to_string(), jws.claims)
        }
    };
    let preflight = aws::preflight(token, &alg, &payload, &provider, now);
    steps.extend(preflight.iter().cloned());
    let trust = match &input.trust_policy {
        Some(text) => {
            Some(aws::evaluate(&aws::parse_trust_policy(text, limits)?, &payload, &provider))
        }
        None => None,
    };
    if let Some(t) = &trust {
        steps.extend(t.steps.iter().cloned());
    }
    let allowed = preflight.iter().all(|c| c.outcome != Outcome::Fail)
        && trust.as_ref().is_none_or(|t| t.allowed);
    Ok(WebIdentityReport { allowed, payload, preflight, steps, trust })
}

/// A least-privilege trust policy for this token's provider: `aud` pinned to the first client
/// id, `sub` scoped to the Nomad job (`region:namespace:job:*`) when `sub` is Nomad-shaped,
/// else the exact `sub`. The token is decoded, not verified: only its `sub` is read.
pub fn suggest(token: &str, input: &WebIdentityInput) -> Result<Value, Failure> {
    let provider = input.options();
    let inspected = crate::inspect::inspect(token, &Limits::default());
    let sub = inspected.payload.as_ref().and_then(|p| p.get("sub")).and_then(Value::as_str);
    let Some(sub) = sub else {
        return Err(Failure::new(
            Code::JwtClaimMissing,
            "the token has no string sub claim to scope the policy by",
        ));
    };
    let pattern = aws::nomad_sub_pattern(sub, 3).unwrap_or_else(|| sub.to_string());
    let audience = provider.client_ids.first().cloned().unwrap_or_default();
    Ok(aws::generate_trust_policy(&provider, &audience, &pattern))
}
