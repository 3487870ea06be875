//! The only place the gate calls the verifier, the role and the policies. Everything here is a call and a type conversion;
//! every decision (token syntax, key choice, signature, claims, Vault role, policy) is the
//! core's.

use alloc::boxed::Box;
use alloc::format;
use alloc::rc::Rc;
use alloc::string::{String, ToString};
use alloc::vec::Vec;

use core::cell::{OnceCell, RefCell};

use serde_json::Value;

use super::error::GateError;
use super::reply::LocalReply;
use crate::authorize::{AuthorizeReport, Authorizer, IdentityExtras, Request};
use crate::claims::StandardOptions;
use crate::jose::{Algorithm, KeySet};
use crate::limits::Limits;
use crate::login_order::depends::{depends, Dependence};
use crate::login_order::note::note;
use crate::login_order::{Knowledge, LoginOrderNote, Setup};
use crate::policy::http::HttpOptions;
use crate::policy::{parse_policy, Policy, TemplateContext};
use crate::report::Report;
use crate::role::{VaultConfig, VaultRole};
use crate::time::UnixTime;
use crate::verify::{Profile, VaultProfile, VerifyOptions};

/// What the configuration says about one provider's tokens, in core terms.
#[derive(Clone, Debug)]
pub struct ProviderPolicy {
    /// Verification options (`now` is replaced per request).
    options: VerifyOptions,
    /// Mount accessor used when rendering templated policies.
    accessor: String,
    /// Parsed Vault policies (empty = no authorization step).
    policies: Vec<Policy>,
    /// Identity-store data Vault has but tokens do not (entity, groups), for templating.
    identity: IdentityExtras,
}

/// The configuration's inputs for [`provider_policy`].
pub struct RawPolicyInput {
    /// Expected `iss` (the Vault profile's `bound_issuer`).
    pub issuer: Option<String>,
    /// Accepted audiences (standard profile; the Vault profile uses the role's).
    pub audiences: Vec<String>,
    /// Allowed algorithms (empty = all ten).
    pub algorithms: Vec<String>,
    /// Leeway for `exp`/`nbf` (standard profile; the Vault profile uses the role's leeways).
    pub clock_skew: i64,
    /// The Vault role JSON, if the provider applies Vault semantics.
    pub role: Option<Value>,
    /// The Vault role name.
    pub role_name: Option<String>,
    /// Mount accessor for templated policies.
    pub accessor: Option<String>,
    /// `(name, policy text)` pairs.
    pub policies: Vec<(String, String)>,
    /// Identity extras (`authorize::IdentityExtras` JSON: `entityId`, `groups`, ...).
    pub identity: Option<Value>,
    /// Limits.
    pub limits: Limits,
}

/// A verified token, as much as the filter needs of it.
#[derive(Clone, Debug)]
pub struct Verified {
    /// The core's full result (alias for policy templating).
    pub inner: crate::verify::Verified,
    /// The policies rendered for this identity, built on first use and kept with the cached
    /// token, so a cache hit skips templating too.
    authorizer: OnceCell<Authorizer>,
    /// The last authorization decided for this identity: a workload tends to repeat its
    /// request (the same secret read again), and the answer is a function of the rendered
    /// policies and the request alone.
    last: RefCell<Option<Decision>>,
}

/// One authorization answer and the request it answers.
#[derive(Clone, Debug)]
struct Decision {
    method: String,
    target: String,
    prefix: Option<String>,
    answer: Result<(), GateError>,
    /// The local reply rendered for a refusal (it depends on the answer alone).
    reply: Option<Rc<LocalReply>>,
}

impl Verified {
    /// The reply kept for the last decision, if it was a refusal already rendered.
    pub fn denial_reply(&self) -> Option<Rc<LocalReply>> {
        self.last.borrow().as_ref().and_then(|d| d.reply.clone())
    }

    /// Keeps the reply rendered for the last decision (a refusal).
    pub fn keep_denial_reply(&self, reply: Rc<LocalReply>) {
        if let Some(d) = self.last.borrow_mut().as_mut() {
            d.reply = Some(reply);
        }
    }
}

fn invalid(field: &str, reason: impl Into<String>) -> GateError {
    GateError::ConfigInvalid { field: field.into(), reason: reason.into() }
}

/// Validates the provider's core inputs once, at configuration time.
pub fn provider_policy(input: RawPolicyInput) -> Result<ProviderPolicy, GateError> {
    let algorithms =
        Algorithm::parse_list(&input.algorithms).map_err(|r| invalid("algorithms", r))?;
    let profile = match input.role {
        None => Profile::Standard(StandardOptions {
            issuer: input.issuer.into_iter().collect(),
            audience: input.audiences,
            clock_tolerance: input.clock_skew,
            ..StandardOptions::default()
        }),
        Some(role) => {
            let Value::Object(map) = role else {
                return Err(invalid(
                    "vault.role",
                    "must be a JSON object (the role as written to Vault)",
                ));
            };
            if !input.audiences.is_empty() {
                return Err(invalid(
                    "audiences",
                    "with a Vault role, audiences come from its bound_audiences",
                ));
            }
            let role =
                VaultRole::from_map(&map).map_err(|e| invalid("vault.role", e.to_string()))?;
            role.require_jwt().map_err(|e| invalid("vault.role", e.to_string()))?;
            let config = VaultConfig {
                bound_issuer: input.issuer.unwrap_or_default(),
                jwt_supported_algs: algorithms.clone(),
                ..VaultConfig::default()
            };
            let role_name = input.role_name.unwrap_or_else(|| String::from("default"));
            Profile::Vault(Box::new(VaultProfile { role, role_name, config }))
        }
    };
    let accessor =
        input.accessor.unwrap_or_else(|| String::from(crate::identity::DEFAULT_ACCESSOR));
    let mut policies = Vec::with_capacity(input.policies.len());
    for (i, (name, text)) in input.policies.iter().enumerate() {
        if !matches!(profile, Profile::Vault(_)) {
            return Err(invalid(
                "vault.policies",
                "policies need a Vault role (identity templating)",
            ));
        }
        let p = parse_policy(name, text, &input.limits)
            .map_err(|e| invalid(&format!("vault.policies[{i}]"), e.to_string()))?;
        policies.push(p);
    }
    let options = VerifyOptions {
        now: UnixTime(0),
        limits: input.limits,
        algorithms: if algorithms.is_empty() { None } else { Some(algorithms) },
        profile,
    };
    let identity = match input.identity {
        None => IdentityExtras::default(),
        Some(v) => {
            serde_json::from_value(v).map_err(|e| invalid("vault.identity", e.to_string()))?
        }
    };
    Ok(ProviderPolicy { options, accessor, policies, identity })
}

impl ProviderPolicy {
    /// Whether the provider authorizes requests with Vault policies.
    pub fn has_policies(&self) -> bool {
        !self.policies.is_empty()
    }

    /// The limits tokens are parsed under.
    pub fn limits(&self) -> &Limits {
        &self.options.limits
    }
}

/// Verifies `token` with `keys` under the provider's policy at `now`.
pub fn verify(
    token: &str,
    keys: &KeySet,
    policy: &ProviderPolicy,
    now: UnixTime,
) -> Result<Verified, GateError> {
    let mut opts = policy.options.clone();
    opts.now = now;
    match crate::verify::verify(token, keys, &opts) {
        Ok(v) => Ok(Verified { inner: v, authorizer: OnceCell::new(), last: RefCell::new(None) }),
        Err(rejected) => Err(GateError::Core(rejected.error)),
    }
}

/// [`verify`], evaluating every check after a failure too: the report of a rejection lists
/// every failing check ([`crate::verify::explain`]). The error is the same first failure.
pub fn explain(
    token: &str,
    keys: &KeySet,
    policy: &ProviderPolicy,
    now: UnixTime,
) -> Result<Verified, (GateError, Report)> {
    let mut opts = policy.options.clone();
    opts.now = now;
    match crate::verify::explain(token, keys, &opts) {
        Ok(v) => Ok(Verified { inner: v, authorizer: OnceCell::new(), last: RefCell::new(None) }),
        Err(rejected) => Err((GateError::Core(rejected.error), rejected.report)),
    }
}

/// The authorize report for the request (the same rendered policies [`authorize`] decides
/// with), or `None` when the provider has no policies or the request is not one Vault reads.
pub fn authorize_report(
    verified: &Verified,
    policy: &ProviderPolicy,
    method: &str,
    target: &str,
    prefix: Option<&str>,
    now: UnixTime,
) -> Option<AuthorizeReport> {
    if policy.policies.is_empty() {
        return None;
    }
    let options =
        HttpOptions { prefix: String::from(prefix.unwrap_or("/v1/")), ..HttpOptions::default() };
    let request = Request::from_http(method, target, &options).ok()?;
    Some(authorizer(verified, policy, now).authorize(&request))
}

/// The login-order note of the provider's Vault role and policies (answers that depend on
/// which workload sharing an entity alias logged in last; see [`crate::login_order`]): the
/// findings of severity security or reliability and the verified fix; `None` without a
/// hazard or without templated policies. `knowledge`: what the configuration declares of the
/// claims (`vault.knowledge`).
pub fn login_order_note(policy: &ProviderPolicy, knowledge: Knowledge) -> Option<LoginOrderNote> {
    let Profile::Vault(vault) = &policy.options.profile else {
        return None;
    };
    if policy.policies.is_empty() {
        return None;
    }
    let mut setup = Setup::new(vault.role.clone(), &vault.role_name, policy.policies.clone());
    setup.accessor = Some(policy.accessor.clone());
    setup.knowledge = knowledge;
    note(&setup)
}

/// Whether the answer `allowed` to the request depends on login order: another login sharing
/// the identity's alias, its `free` alias metadata keys ([`LoginOrderNote::free`]) holding
/// other values, would get the other answer ([`crate::login_order::depends`]). `None` when it
/// would not, or the request is not one Vault reads.
#[allow(clippy::too_many_arguments)] // the request's parts, as `authorize_report` takes them
pub fn login_order_depends(
    verified: &Verified,
    policy: &ProviderPolicy,
    free: &[String],
    method: &str,
    target: &str,
    prefix: Option<&str>,
    now: UnixTime,
    allowed: bool,
) -> Option<Dependence> {
    if free.is_empty() || policy.policies.is_empty() {
        return None;
    }
    let options =
        HttpOptions { prefix: String::from(prefix.unwrap_or("/v1/")), ..HttpOptions::default() };
    let request = Request::from_http(method, target, &options).ok()?;
    let alias = verified.inner.alias.clone().unwrap_or_default();
    let mut ctx = TemplateContext::for_alias(&alias, &policy.accessor, now);
    policy.identity.apply(&mut ctx);
    depends(&policy.policies, &ctx, &policy.accessor, free, &request, allowed)
}

/// The policies rendered for the identity (once per identity, at the first request's `now`).
fn authorizer<'a>(
    verified: &'a Verified,
    policy: &ProviderPolicy,
    now: UnixTime,
) -> &'a Authorizer {
    verified.authorizer.get_or_init(|| {
        let alias = verified.inner.alias.clone().unwrap_or_default();
        let mut ctx = TemplateContext::for_alias(&alias, &policy.accessor, now);
        policy.identity.apply(&mut ctx);
        Authorizer::new(&policy.policies, &ctx)
    })
}

/// Decides whether the verified identity may perform `method` on `target` (path and query),
/// after removing `prefix` (Vault's `/v1/` by default). No policies configured = allowed.
pub fn authorize(
    verified: &Verified,
    policy: &ProviderPolicy,
    method: &str,
    target: &str,
    prefix: Option<&str>,
    now: UnixTime,
) -> Result<(), GateError> {
    if policy.policies.is_empty() {
        return Ok(());
    }
    let remembered = verified.last.borrow().as_ref().and_then(|d| {
        (d.method == method && d.target == target && d.prefix.as_deref() == prefix)
            .then(|| d.answer.clone())
    });
    if let Some(answer) = remembered {
        return answer;
    }
    let answer = decide(verified, policy, method, target, prefix, now);
    *verified.last.borrow_mut() = Some(Decision {
        method: String::from(method),
        target: String::from(target),
        prefix: prefix.map(String::from),
        answer: answer.clone(),
        reply: None,
    });
    answer
}

/// [`authorize`] without the memo. The policies are rendered once per identity (at the first
/// request's `now`); nothing after that depends on the time.
fn decide(
    verified: &Verified,
    policy: &ProviderPolicy,
    method: &str,
    target: &str,
    prefix: Option<&str>,
    now: UnixTime,
) -> Result<(), GateError> {
    let options =
        HttpOptions { prefix: String::from(prefix.unwrap_or("/v1/")), ..HttpOptions::default() };
    let request = Request::from_http(method, target, &options)
        .map_err(|e| GateError::Denied { code: e.code(), message: e.to_string() })?;
    let report = authorizer(verified, policy, now).authorize(&request);
    if report.allowed {
        return Ok(());
    }
    Err(GateError::Denied {
        code: crate::Code::PolicyDenied,
        message: report.denial_message(&request.path),
    })
}

/// Whether a verification failure means "this key set does not have the token's key", the
/// one failure a JWKS refetch can cure (key rotation).
pub fn is_unknown_key(err: &GateError) -> bool {
    matches!(err.code(), crate::Code::JwksNoMatchingKey)
}
