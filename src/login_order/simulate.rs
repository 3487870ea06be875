//! A sequence of logins and requests, as Vault stores and decides it: the alias is keyed by
//! (accessor, alias name), each login replaces the alias metadata with its `claim_mappings`,
//! and each request renders the policies from the alias as currently stored, then the ACL
//! decides ([`crate::authorize`], the same evaluator as everywhere else).
//!
//! Claims are taken as given: signatures, time claims and bound claims are not checked here
//! (every [`Simulation`] says so in `notes`).

use alloc::collections::BTreeMap;
use alloc::format;
use alloc::string::{String, ToString};
use alloc::vec::Vec;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::Setup;
use crate::authorize::{Authorizer, Request};
use crate::claims::mapping;
use crate::identity::Alias;
use crate::policy::TemplateContext;
use crate::role::ConfigError;
use crate::time::UnixTime;

/// Most steps one simulation takes: each step decides once per token so far, so the cost is
/// quadratic in the steps and must stay bounded.
pub const MAX_STEPS: usize = 256;

/// One step. JSON: `{ "login": "<label>", "claims": {…} }` or
/// `{ "request": { "token": "<label>", "path": "…", "operation": "read" } }`.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(untagged, deny_unknown_fields)]
pub enum Step {
    /// A login with a token's claims.
    Login {
        /// The token's label (unique).
        login: String,
        /// The token's claims.
        claims: Map<String, Value>,
    },
    /// A request by an earlier token.
    Request {
        /// The request.
        request: TokenRequest,
    },
}

/// A request made by a token that logged in earlier.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct TokenRequest {
    /// The token's label.
    pub token: String,
    /// The Vault path.
    pub path: String,
    /// The operation (`read`, `list`, …).
    pub operation: String,
}

/// One token's answer at one step.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TokenDecision {
    /// The token's label.
    pub token: String,
    /// Its alias name.
    pub alias: String,
    /// The request's path.
    pub path: String,
    /// The operation.
    pub operation: String,
    /// `"allowed"` or `"denied"` with the alias as currently stored.
    pub decision: &'static str,
    /// The deciding rule's pattern, as rendered now.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rule: Option<String>,
    /// The answer if this token had logged in last.
    pub if_last: &'static str,
    /// The label of the login whose metadata the alias holds now.
    pub metadata_from: String,
    /// Whether the answer differs from `if_last` (it depends on login order).
    pub depends_on_order: bool,
}

/// A failed login (the alias is left unchanged).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct StepError {
    /// Stable error code.
    pub code: &'static str,
    /// The error's text.
    pub message: String,
}

/// What one step did.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct StepResult {
    /// 1-based step number.
    pub step: usize,
    /// `"login"` or `"request"`.
    pub kind: &'static str,
    /// The token concerned.
    pub token: String,
    /// The alias name of that token.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub alias: Option<String>,
    /// The alias metadata after the step.
    pub alias_metadata: BTreeMap<String, String>,
    /// The login failed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<StepError>,
    /// After a login: every logged-in token's answer to the simulation's request. After a
    /// request step: that token's answer.
    pub decisions: Vec<TokenDecision>,
}

/// The whole simulation.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Simulation {
    /// The steps, in order.
    pub steps: Vec<StepResult>,
    /// Every alias as stored at the end: name → metadata.
    pub aliases: BTreeMap<String, BTreeMap<String, String>>,
    /// What was not checked.
    pub notes: Vec<String>,
}

struct Token {
    label: String,
    alias: String,
    own: BTreeMap<String, String>,
}

fn invalid(field: &str, reason: String) -> ConfigError {
    ConfigError::OptionsInvalid { field: field.to_string(), reason }
}

struct State<'a> {
    setup: &'a Setup,
    accessor: &'a str,
    now: UnixTime,
    /// alias name → (metadata, label of the login that wrote it).
    store: BTreeMap<String, (BTreeMap<String, String>, String)>,
    tokens: Vec<Token>,
}

impl State<'_> {
    fn answer(
        &self,
        alias: &str,
        metadata: &BTreeMap<String, String>,
        req: &Request,
    ) -> (bool, Option<String>) {
        let a = Alias { name: alias.to_string(), metadata: metadata.clone(), groups: Vec::new() };
        let ctx = TemplateContext::for_alias(&a, self.accessor, self.now);
        let report = Authorizer::new(&self.setup.policies, &ctx).authorize(req);
        (report.allowed, report.winner.map(|w| w.pattern))
    }

    fn decide(&self, t: &Token, req: &Request) -> TokenDecision {
        let (stored, from) = self.store.get(&t.alias).cloned().unwrap_or_default();
        let (now, rule) = self.answer(&t.alias, &stored, req);
        let (last, _) = self.answer(&t.alias, &t.own, req);
        let word = |b: bool| if b { "allowed" } else { "denied" };
        TokenDecision {
            token: t.label.clone(),
            alias: t.alias.clone(),
            path: req.path.clone(),
            operation: req.operation.name().to_string(),
            decision: word(now),
            rule,
            if_last: word(last),
            metadata_from: from,
            depends_on_order: now != last,
        }
    }
}

/// Runs `steps` against `setup`. `request` (optional) is decided for every logged-in token
/// after each login; `accessor` is the mount accessor the policies name.
pub fn simulate(
    setup: &Setup,
    steps: &[Step],
    request: Option<&Request>,
    accessor: &str,
    now: UnixTime,
) -> Result<Simulation, ConfigError> {
    if steps.len() > MAX_STEPS {
        return Err(invalid(
            "steps",
            format!("{} steps, at most {MAX_STEPS} are simulated", steps.len()),
        ));
    }
    let mut st = State { setup, accessor, now, store: BTreeMap::new(), tokens: Vec::new() };
    let mut out = Vec::new();
    for (i, step) in steps.iter().enumerate() {
        let n = i + 1;
        match step {
            Step::Login { login, claims } => {
                if st.tokens.iter().any(|t| &t.label == login) {
                    return Err(invalid("steps", format!("step {n}: token {login:?} logs in twice; give each login its own label")));
                }
                let role = &setup.role;
                let result = mapping::user_claim(claims, role).and_then(|name| {
                    if name.is_empty() {
                        return Err(crate::claims::ClaimError::AliasNameEmpty {
                            claim: role.user_claim.clone(),
                        });
                    }
                    Ok((name, mapping::metadata(claims, role, &setup.role_name)?))
                });
                let (alias, metadata, error) = match result {
                    Ok((name, md)) => {
                        st.store.insert(name.clone(), (md.clone(), login.clone()));
                        st.tokens.push(Token {
                            label: login.clone(),
                            alias: name.clone(),
                            own: md.clone(),
                        });
                        (Some(name), md, None)
                    }
                    Err(e) => (
                        None,
                        BTreeMap::new(),
                        Some(StepError { code: e.code().as_str(), message: e.to_string() }),
                    ),
                };
                let decisions = match request {
                    Some(req) => st.tokens.iter().map(|t| st.decide(t, req)).collect(),
                    None => Vec::new(),
                };
                out.push(StepResult {
                    step: n,
                    kind: "login",
                    token: login.clone(),
                    alias,
                    alias_metadata: metadata,
                    error,
                    decisions,
                });
            }
            Step::Request { request: r } => {
                let Some(t) = st.tokens.iter().find(|t| t.label == r.token) else {
                    return Err(invalid(
                        "steps",
                        format!("step {n}: no earlier login is labelled {:?}", r.token),
                    ));
                };
                let req = Request::parse(r.path.clone(), &r.operation)
                    .map_err(|e| invalid("steps", format!("step {n}: {e}")))?;
                let d = st.decide(t, &req);
                let md = st.store.get(&t.alias).map(|(m, _)| m.clone()).unwrap_or_default();
                out.push(StepResult {
                    step: n,
                    kind: "request",
                    token: t.label.clone(),
                    alias: Some(t.alias.clone()),
                    alias_metadata: md,
                    error: None,
                    decisions: alloc::vec![d],
                });
            }
        }
    }
    let aliases = st.store.into_iter().map(|(k, (m, _))| (k, m)).collect();
    Ok(Simulation {
        steps: out,
        aliases,
        notes: alloc::vec![
            "claims are taken as given: signatures, time claims, audiences and bound claims were \
             not checked"
                .to_string(),
            "identity and group policies and the default policy are attached by Vault and are \
             not visible offline"
                .to_string(),
        ],
    })
}
