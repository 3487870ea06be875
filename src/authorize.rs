//! Authorization: render the policies for a verified identity, build the ACL once, then answer
//! "may this workload do X on path P, and why (not)?" as a serializable [`AuthorizeReport`].
//!
//! ```
//! use jwtgate::{parse_policy, Alias, Authorizer, Limits, Operation, Request};
//! use jwtgate::{TemplateContext, UnixTime};
//!
//! let policy = parse_policy("nomad-workloads", r#"
//! path "kv/data/{{identity.entity.aliases.AUTH_METHOD_ACCESSOR.metadata.nomad_namespace}}/{{identity.entity.aliases.AUTH_METHOD_ACCESSOR.metadata.nomad_job_id}}/*" {
//!   capabilities = ["read"]
//! }"#, &Limits::default()).unwrap();
//! let mut alias = Alias { name: "mongo".into(), ..Alias::default() };
//! alias.metadata.insert("nomad_namespace".into(), "default".into());
//! alias.metadata.insert("nomad_job_id".into(), "mongo".into());
//! let ctx = TemplateContext::for_alias(&alias, "AUTH_METHOD_ACCESSOR", UnixTime(1_700_000_000));
//! let authz = Authorizer::new(&[policy], &ctx);
//! let report = authz.authorize(&Request::new("kv/data/default/mongo/config", Operation::Read));
//! assert!(report.allowed);
//! assert_eq!(report.winner.unwrap().pattern, "kv/data/default/mongo/*");
//! ```
//!
//! Building the [`Authorizer`] renders every templated path (paths that cannot render are
//! dropped, as Vault does, and listed with the reason) and indexes the rules; each
//! [`Authorizer::authorize`] call is then a lookup whose cost does not grow with the number of
//! rules. A denial is a report with `allowed: false`, never an error.
//!
//! Offline limits (said in every report): identity and group policies and the `default`
//! policy are attached by Vault at request time and are not visible here; pass them as
//! policies if you have them.

mod prepared;
pub use prepared::PreparedPolicies;

use alloc::format;
use alloc::string::{String, ToString};
use alloc::vec::Vec;

use serde::{Deserialize, Serialize};

use crate::code::Code;
use crate::policy::acl::{Rule, Via};
use crate::policy::http::{from_http, HttpOptions};
use crate::policy::template::{render, RenderFailure, TemplateError};
use crate::policy::{Acl, Capabilities, Operation, Policy, PolicyError, TemplateContext};
use crate::report::{Check, Outcome};

mod root_paths;

/// One authorization question. JSON: `{ path, operation, alsoCreate?, sudoRequired?, wrapTtl? }`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Request {
    /// The Vault path (without `/v1/`).
    pub path: String,
    /// The operation.
    pub operation: Operation,
    /// Also accept `create` for an `update` (an HTTP `POST`/`PUT` with `WriteAs::Either`).
    #[serde(default)]
    pub also_create: bool,
    /// The path is root-protected: `sudo` is needed in addition.
    #[serde(default)]
    pub sudo_required: bool,
    /// The response-wrapping TTL the request asks for, in seconds.
    #[serde(default)]
    pub wrap_ttl: Option<i64>,
    /// How an HTTP request was mapped, when it was.
    #[serde(default)]
    pub note: Option<String>,
    /// The request body's parameters, for `required_parameters` / `allowed_parameters` /
    /// `denied_parameters` (`None` = evaluated as an empty body).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data: Option<serde_json::Map<String, serde_json::Value>>,
}

impl Request {
    /// A request for `operation` on `path`.
    pub fn new(path: impl Into<String>, operation: Operation) -> Self {
        Request {
            path: path.into(),
            operation,
            also_create: false,
            sudo_required: false,
            wrap_ttl: None,
            note: None,
            data: None,
        }
    }

    /// A request named by an operation or capability string (`read`, `list`, …).
    pub fn parse(path: impl Into<String>, operation: &str) -> Result<Self, PolicyError> {
        let path = path.into();
        if path.is_empty() {
            return Err(PolicyError::request("empty path"));
        }
        Ok(Self::new(path, Operation::parse(operation)?))
    }

    /// The request an HTTP method and target amount to (see [`crate::HttpOptions`]).
    pub fn from_http(
        method: &str,
        target: &str,
        options: &HttpOptions,
    ) -> Result<Self, PolicyError> {
        let h = from_http(method, target, options)?;
        Ok(Request {
            path: h.path,
            operation: h.operation,
            also_create: h.also_create,
            sudo_required: false,
            wrap_ttl: None,
            note: Some(h.note),
            data: None,
        })
    }
}

/// Optional identity data Vault has but a token does not (entity id/name/metadata, alias id
/// and custom metadata, groups). Everything defaults to empty.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct IdentityExtras {
    /// `identity.entity.id`.
    pub entity_id: String,
    /// `identity.entity.name`.
    pub entity_name: String,
    /// `identity.entity.metadata`.
    pub entity_metadata: alloc::collections::BTreeMap<String, String>,
    /// `identity.entity.aliases.<accessor>.id`.
    pub alias_id: String,
    /// `identity.entity.aliases.<accessor>.custom_metadata`.
    pub alias_custom_metadata: alloc::collections::BTreeMap<String, String>,
    /// `identity.groups.*`.
    pub groups: Vec<crate::policy::Group>,
}

impl IdentityExtras {
    /// Adds the extras to a context built by [`TemplateContext::for_alias`].
    pub fn apply(&self, ctx: &mut TemplateContext) {
        if let Some(entity) = ctx.entity.as_mut() {
            entity.id.clone_from(&self.entity_id);
            entity.name.clone_from(&self.entity_name);
            entity.metadata.clone_from(&self.entity_metadata);
            if let Some(alias) = entity.aliases.first_mut() {
                alias.id.clone_from(&self.alias_id);
                alias.custom_metadata.clone_from(&self.alias_custom_metadata);
            }
        }
        ctx.groups.clone_from(&self.groups);
    }
}

/// A path block that was dropped because its template could not be rendered.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DroppedPath {
    /// Policy name.
    pub policy: String,
    /// The path as written.
    pub path: String,
    /// The directive that failed (trimmed), empty when the whole path was refused.
    pub directive: String,
    /// Vault's error text.
    pub reason: String,
    /// The structured error (e.g. which accessor or value).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<TemplateError>,
    /// What to do about it.
    pub hint: String,
}

/// One path block after rendering.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RenderedPath {
    /// Policy name.
    pub policy: String,
    /// The path as written.
    pub path: String,
    /// The rendered path (`None` when dropped).
    pub rendered: Option<String>,
    /// The block's capabilities.
    pub capabilities: Capabilities,
}

/// A rule that matched but did not decide, and why.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct OtherRule {
    /// The rule.
    pub rule: Rule,
    /// Stable reason id (see [`crate::Loser::reason`]).
    pub reason: &'static str,
    /// Explanation.
    pub message: String,
}

/// The explained answer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AuthorizeReport {
    /// The decision.
    pub allowed: bool,
    /// `"allowed"` or `"denied"`.
    pub decision: &'static str,
    /// The request as evaluated (leading `/` stripped).
    pub request: Request,
    /// The capability the operation needs (`None` for `help`).
    pub capability: Option<&'static str>,
    /// How the deciding rule was found.
    pub via: Via,
    /// The deciding rule.
    pub winner: Option<Rule>,
    /// Rules that also matched, and why they lost.
    pub others: Vec<OtherRule>,
    /// Templated paths dropped while rendering.
    pub dropped: Vec<DroppedPath>,
    /// The policies considered.
    pub policies: Vec<String>,
    /// Things the reader must know (offline limits, create-vs-update, sudo, …).
    pub notes: Vec<String>,
    /// Every step, in order.
    pub steps: Vec<Check>,
}

impl AuthorizeReport {
    /// A denial in one line, `permission denied: <reason>`, with the reason stated once
    /// (the decision step repeats Vault's words around it); `path` is the request path as given.
    pub fn denial_message(&self, path: &str) -> String {
        denial_message(&self.steps, self.capability, path)
    }
}

/// Policies rendered for one identity and compiled into an ACL.
#[derive(Clone, Debug)]
pub struct Authorizer {
    acl: Acl,
    policies: Vec<String>,
    rendered: Vec<RenderedPath>,
    dropped: Vec<DroppedPath>,
}

fn hint_for(f: &RenderFailure) -> String {
    match &f.error {
        TemplateError::AliasNotFound { accessor } => format!(
            "no alias under mount accessor {accessor:?}: the token's alias is registered under the \
             accessor you configured; use the JWT auth mount's accessor (vault auth list) in the \
             policy, or pass it as the accessor"
        ),
        TemplateError::NotFound if f.directive.contains(".metadata.") => {
            metadata_hint(f.directive.trim()).to_string()
        }
        TemplateError::NotFound
            if f.directive.ends_with(".id")
                || f.directive.ends_with(".name")
                || f.directive.contains("custom_metadata") =>
        {
            "this value lives in Vault's identity store and is not visible offline; pass it as an \
             identity extra"
                .to_string()
        }
        TemplateError::NoGroups | TemplateError::NotGroupMember { .. } => {
            "group membership is not visible offline; pass the groups as identity extras"
                .to_string()
        }
        TemplateError::Wildcard { value } => format!(
            "the value {value:?} contains '*' or '+', which would widen the path; Vault refuses it"
        ),
        TemplateError::Slash { value } => {
            format!("the value {value:?} contains '/', refused by deny_slash_in_templated_paths")
        }
        _ => "Vault drops this path block silently; the request gets less access".to_string(),
    }
}

/// What fills the metadata a failed `.metadata.` directive names. Only alias metadata comes
/// from the token (the role's `claim_mappings`); entity and group metadata are set in Vault's
/// identity store (`vault write identity/entity …`, `identity/group …`), which a token never
/// changes.
fn metadata_hint(directive: &str) -> &'static str {
    if directive.starts_with("identity.entity.aliases.") {
        "the alias metadata key is absent: add a claim_mappings entry for it in the role (a \
         mapped claim missing from the token is silently skipped by Vault)"
    } else if directive.starts_with("identity.entity.metadata.") {
        "the entity metadata key is absent: entity metadata is set in Vault's identity store \
         (identity/entity), not by claim_mappings, and is not visible offline; pass it as an \
         identity extra (entityMetadata)"
    } else if directive.starts_with("identity.groups.") {
        "the group metadata key is absent: group metadata is set in Vault's identity store \
         (identity/group), not by claim_mappings, and is not visible offline; pass the group \
         with its metadata as an identity extra (groups)"
    } else {
        "the metadata key is absent: Vault drops this path block silently"
    }
}

impl Authorizer {
    /// Renders every path of `policies` with `ctx` and indexes the result.
    pub fn new(policies: &[Policy], ctx: &TemplateContext) -> Self {
        let mut acl = Acl::new();
        let mut rendered = Vec::new();
        let mut dropped = Vec::new();
        let mut names = Vec::new();
        for policy in policies {
            names.push(policy.name.clone());
            if policy.name == "root" {
                acl.set_root();
            }
            for rule in &policy.paths {
                let result =
                    if rule.templated { render(&rule.path, ctx) } else { Ok(rule.path.clone()) };
                let outcome = match result {
                    Ok(path) => acl.add(&policy.name, rule, &path).map(|()| path).map_err(|msg| {
                        DroppedPath {
                            policy: policy.name.clone(),
                            path: rule.path.clone(),
                            directive: String::new(),
                            reason: msg,
                            error: None,
                            hint: "Vault refuses the whole policy when a rendered path contains \
                                   '+*'; jwtgate drops only this path"
                                .to_string(),
                        }
                    }),
                    Err(f) => Err(DroppedPath {
                        policy: policy.name.clone(),
                        path: rule.path.clone(),
                        directive: f.directive.clone(),
                        reason: f.error.to_string(),
                        hint: hint_for(&f),
                        error: Some(f.error),
                    }),
                };
                let rendered_path = match outcome {
                    Ok(p) => Some(p),
                    Err(d) => {
                        dropped.push(d);
                        None
                    }
                };
                rendered.push(RenderedPath {
                    policy: policy.name.clone(),
                    path: rule.path.clone(),
                    rendered: rendered_path,
                    capabilities: rule.capabilities,
                });
            }
        }
        Authorizer { acl, policies: names, rendered, dropped }
    }

    /// The compiled ACL.
    pub fn acl(&self) -> &Acl {
        &self.acl
    }

    /// Every path block with its rendered form.
    pub fn rendered(&self) -> &[RenderedPath] {
        &self.rendered
    }

    /// The dropped path blocks.
    pub fn dropped(&self) -> &[DroppedPath] {
        &self.dropped
    }

    /// Decides `request` (see the module docs). Never fails: a denial is a report.
    pub fn authorize(&self, request: &Request) -> AuthorizeReport {
        // Vault's router marks root-protected paths; `help` never needs sudo.
        let root_entry = match request.operation {
            Operation::Help => None,
            _ => root_paths::root_entry(request.path.trim_start_matches('/')),
        };
        let sudo_required = request.sudo_required || root_entry.is_some();
        let extra = if sudo_required { Capabilities::SUDO } else { 0 };
        let ev = self.acl.evaluate_with(&request.path, request.operation, extra);
        let rules = self.acl.rules();
        let mut steps = Vec::new();
        let mut notes = Vec::new();
        notes.push(
            "identity and group policies and the default policy are attached by Vault at request \
             time and are not visible offline"
                .to_string(),
        );
        steps.push(Check::new(
            "policies",
            Outcome::Info,
            format!(
                "policies: {}, path blocks: {}, rules after merging: {}",
                self.policies.len(),
                self.rendered.len(),
                rules.len()
            ),
        ));
        for d in &self.dropped {
            steps.push(
                Check::new(
                    format!("template:{}:{}", d.policy, d.path),
                    Outcome::Info,
                    format!(
                        "path dropped: {}{}",
                        d.reason,
                        if d.directive.is_empty() {
                            String::new()
                        } else {
                            format!(" ({{{{{}}}}})", d.directive)
                        }
                    ),
                )
                .with_actual(d.hint.clone()),
            );
        }
        let capability = request.operation.capability();
        let mut request_view = request.clone();
        request_view.path.clone_from(&ev.path);
        request_view.sudo_required = sudo_required;
        if let Some(divergence) = &ev.list_divergence {
            steps.push(Check::new("list_resolution", Outcome::Info, divergence.clone()));
            notes.push(divergence.clone());
        }
        let winner = ev.winner.and_then(|i| rules.get(i)).cloned();
        let others = ev
            .losers
            .iter()
            .filter_map(|l| {
                let rule = rules.get(l.rule)?.clone();
                Some(OtherRule { rule, reason: l.reason, message: l.message.clone() })
            })
            .collect();
        let allowed = match ev.via {
            Via::Root => {
                steps.push(Check::new("match", Outcome::Pass, "the root policy allows everything"));
                true
            }
            Via::Help => {
                steps.push(Check::new("match", Outcome::Pass, "help requests are always allowed"));
                true
            }
            Via::NoMatch => {
                steps.push(
                    Check::new(
                        "match",
                        Outcome::Fail,
                        format!("no rule matches path {:?}", ev.path),
                    )
                    .with_code(Code::PolicyDenied),
                );
                false
            }
            _ => match &winner {
                Some(rule) => {
                    self.check_rule(rule, &request_view, root_entry, ev.via, &mut steps, &mut notes)
                }
                None => false,
            },
        };
        // The last step states the decision and, for a denial, the first reason, so a front end
        // that shows one line (the Envoy filter's 403 body, a CLI) shows the useful one: the
        // same one line as `denial_message`, Vault's "permission denied" stated once.
        let decision = if allowed {
            Check::new("decision", Outcome::Pass, "allowed")
        } else {
            let message = denial_message(&steps, capability.map(|(n, _)| n), &ev.path);
            Check::new("decision", Outcome::Fail, message).with_code(Code::PolicyDenied)
        };
        steps.push(decision.with_actual(format!("{} {}", request.operation.name(), ev.path)));
        AuthorizeReport {
            allowed,
            decision: if allowed { "allowed" } else { "denied" },
            request: request_view,
            capability: capability.map(|(n, _)| n),
            via: ev.via,
            winner,
            others,
            dropped: self.dropped.clone(),
            policies: self.policies.clone(),
            notes,
            steps,
        }
    }

    fn check_rule(
        &self,
        rule: &Rule,
        request: &Request,
        root_entry: Option<(&str, &str)>,
        via: Via,
        steps: &mut Vec<Check>,
        notes: &mut Vec<String>,
    ) -> bool {
        let how = match via {
            Via::Exact => "exact rule",
            Via::ExactListRetry => "exact rule (list retry without the trailing '/')",
            Via::NonExactList => "list-resolution rule (path with and without its trailing '/')",
            _ => match rule.kind {
                crate::policy::acl::Store::Prefix => "longest prefix rule",
                _ => "segment-wildcard rule",
            },
        };
        let policies: Vec<&str> = rule.sources.iter().map(|s| s.policy.as_str()).collect();
        steps.push(
            Check::new(
                "match",
                Outcome::Pass,
                format!("{how} {:?} from policy {} decides", rule.pattern, policies.join(", ")),
            )
            .with_actual(format!("{}", rule.capabilities)),
        );
        let caps = rule.capabilities;
        if caps.is_deny() {
            steps.push(
                Check::new("capability", Outcome::Fail, "the deciding rule is an explicit deny")
                    .with_code(Code::PolicyDenied)
                    .with_actual("[deny]"),
            );
            return false;
        }
        let mut ok = true;
        if let Some((name, bit)) = request.operation.capability() {
            let granted = caps.has(bit) || (request.also_create && caps.has(Capabilities::CREATE));
            let mut check = if granted {
                Check::new("capability", Outcome::Pass, format!("{name} is granted"))
            } else {
                Check::new(
                    "capability",
                    Outcome::Fail,
                    format!("{name} is not granted by {:?} (it grants {caps})", rule.pattern),
                )
                .with_code(Code::PolicyDenied)
            };
            check = check.with_expected(name).with_actual(format!("{caps}"));
            steps.push(check);
            ok &= granted;
            if matches!(request.operation, Operation::Update | Operation::Create)
                && caps.has(Capabilities::CREATE) != caps.has(Capabilities::UPDATE)
            {
                notes.push(
                    "the rule grants only one of create/update: Vault picks create for a new \
                     target and update for an existing one"
                        .to_string(),
                );
            }
        }
        if request.sudo_required {
            let has = caps.has(Capabilities::SUDO);
            let why = match root_entry {
                Some((mount, entry)) => {
                    format!("the path is root-protected (Vault's {mount} backend lists {entry:?})")
                }
                None => "the request is marked root-protected".to_string(),
            };
            let check = if has {
                Check::new("sudo", Outcome::Pass, format!("{why}: sudo is granted"))
            } else {
                Check::new(
                    "sudo",
                    Outcome::Fail,
                    format!(
                        "sudo required on a root-protected path: {why}, and {:?} does not grant \
                         sudo",
                        rule.pattern
                    ),
                )
                .with_code(Code::PolicyDenied)
            };
            steps.push(check.with_expected("sudo").with_actual(format!("{caps}")));
            ok &= has;
        } else if caps.has(Capabilities::SUDO) {
            notes.push(
                "the rule grants sudo: root-protected endpoints under it are allowed too"
                    .to_string(),
            );
        }
        if ok && (rule.max_wrapping_ttl > 0 || rule.min_wrapping_ttl > 0) {
            let within = match request.wrap_ttl {
                None => false,
                Some(t) => {
                    (rule.max_wrapping_ttl == 0 || t <= rule.max_wrapping_ttl)
                        && (rule.min_wrapping_ttl == 0 || t >= rule.min_wrapping_ttl)
                        && (rule.min_wrapping_ttl == 0
                            || rule.max_wrapping_ttl == 0
                            || rule.max_wrapping_ttl >= rule.min_wrapping_ttl)
                }
            };
            steps.push(
                Check::new(
                    "wrapping_ttl",
                    if within { Outcome::Pass } else { Outcome::Fail },
                    "the rule requires response wrapping within its TTL bounds",
                )
                .with_expected(format!(
                    "min {} s, max {} s",
                    rule.min_wrapping_ttl, rule.max_wrapping_ttl
                ))
                .with_actual(match request.wrap_ttl {
                    Some(t) => format!("{t} s"),
                    None => "not wrapped".to_string(),
                }),
            );
            ok &= within;
        }
        let body_op = matches!(
            request.operation,
            Operation::Read
                | Operation::Update
                | Operation::Create
                | Operation::Patch
                | Operation::Recover
        );
        let constrained = !rule.required_parameters.is_empty()
            || !rule.allowed_parameters.is_empty()
            || !rule.denied_parameters.is_empty();
        if ok && body_op && constrained {
            let empty = serde_json::Map::new();
            let body = request.data.as_ref().unwrap_or(&empty);
            let result = crate::policy::params::check(
                &rule.required_parameters,
                &rule.allowed_parameters,
                &rule.denied_parameters,
                body,
            );
            let mut check = match &result {
                Ok(()) => Check::new(
                    "parameters",
                    Outcome::Pass,
                    "the request body satisfies the rule's parameter constraints",
                ),
                Err(why) => Check::new("parameters", Outcome::Fail, why.clone())
                    .with_code(Code::PolicyDenied),
            };
            check = check.with_actual(if request.data.is_some() {
                format!(
                    "{} parameter(s): {}",
                    body.len(),
                    body.keys().cloned().collect::<Vec<_>>().join(", ")
                )
            } else {
                "no body given (evaluated as empty)".to_string()
            });
            steps.push(check);
            ok &= result.is_ok();
        }
        if !rule.mfa_methods.is_empty() || rule.control_group {
            notes.push(
                "the rule has Enterprise mfa_methods/control_group requirements, not evaluated \
                 offline"
                    .to_string(),
            );
        }
        ok
    }
}

/// One-shot convenience: [`Authorizer::new`] then [`Authorizer::authorize`].
pub fn authorize(policies: &[Policy], ctx: &TemplateContext, request: &Request) -> AuthorizeReport {
    Authorizer::new(policies, ctx).authorize(request)
}

/// A denial in one line, `permission denied: <reason>`, the reason stated once: the
/// `decision` step's message and the Envoy filter's 403 body. The first failing step that is
/// not the decision is the reason; Vault's words, should a step carry them (`permission
/// denied: …` or `…: permission denied`), are taken off it and put in front once.
fn denial_message(steps: &[Check], capability: Option<&str>, path: &str) -> String {
    const VAULT: &str = "permission denied";
    let reason = steps
        .iter()
        .find(|c| c.outcome == Outcome::Fail && &*c.id != "decision")
        .map(|c| {
            let m: &str = &c.message;
            let m = m.strip_prefix("permission denied: ").unwrap_or(m);
            String::from(m.strip_suffix(": permission denied").unwrap_or(m))
        })
        .filter(|m| !m.is_empty() && m != VAULT)
        .unwrap_or_else(|| {
            format!("no policy grants {} on {path:?}", capability.unwrap_or("access"))
        });
    format!("{VAULT}: {reason}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::identity::Alias;
    use crate::policy::parse_policy;
    use crate::{Limits, UnixTime};

    fn dropped_hints(paths: &[&str], extras: &IdentityExtras) -> Vec<(String, String)> {
        let text: String = paths
            .iter()
            .map(|p| format!("path \"{p}\" {{ capabilities = [\"read\"] }}\n"))
            .collect();
        let policy = parse_policy("p", &text, &Limits::default()).unwrap();
        let alias = Alias { name: "mongo".into(), ..Alias::default() };
        let mut ctx = TemplateContext::for_alias(&alias, "auth_jwt_1", UnixTime(1_700_000_000));
        extras.apply(&mut ctx);
        let authz = Authorizer::new(&[policy], &ctx);
        authz.dropped().iter().map(|d| (d.directive.clone(), d.hint.clone())).collect()
    }

    #[test]
    fn metadata_hint_names_what_fills_each_kind() {
        let extras = IdentityExtras {
            groups: alloc::vec![crate::policy::Group {
                id: "g1".into(),
                name: "ops".into(),
                metadata: alloc::collections::BTreeMap::new(),
            }],
            ..IdentityExtras::default()
        };
        let hints = dropped_hints(
            &[
                "kv/{{identity.entity.aliases.auth_jwt_1.metadata.team}}/*",
                "kv/{{identity.entity.metadata.team}}/*",
                "kv/{{identity.groups.names.ops.metadata.team}}/*",
                "kv/{{identity.groups.ids.g1.metadata.team}}/*",
            ],
            &extras,
        );
        assert_eq!(hints.len(), 4, "{hints:?}");
        // Alias metadata: the role's claim_mappings fill it.
        assert!(hints[0].1.starts_with("the alias metadata key is absent: add a claim_mappings"));
        // Entity and group metadata live in the identity store: claim_mappings never fill them.
        for (i, extra) in [(1, "(entityMetadata)"), (2, "(groups)"), (3, "(groups)")] {
            let (directive, hint) = &hints[i];
            assert!(!hint.contains("add a claim_mappings"), "{directive}: {hint}");
            assert!(hint.contains("identity store"), "{directive}: {hint}");
            assert!(hint.ends_with(extra), "{directive}: {hint}");
        }
        assert!(hints[1].1.starts_with("the entity metadata key is absent"));
        assert!(hints[2].1.starts_with("the group metadata key is absent"));
    }

    #[test]
    fn every_step_of_a_denial_says_permission_denied_at_most_once() {
        let policy = parse_policy(
            "p",
            "path \"kv/data/default/mongo/*\" { capabilities = [\"read\"] }\n",
            &Limits::default(),
        )
        .unwrap();
        let alias = Alias { name: "mongo".into(), ..Alias::default() };
        let ctx = TemplateContext::for_alias(&alias, "auth_jwt_1", UnixTime(1_700_000_000));
        let authorizer = Authorizer::new(&[policy], &ctx);
        for (path, operation, reason) in [
            ("kv/data/default/redis/config", Operation::Read, "no rule matches path"),
            ("kv/data/default/mongo/config", Operation::Update, "update is not granted by"),
        ] {
            let request = Request::new(path, operation);
            let report = authorizer.authorize(&request);
            assert!(!report.allowed);
            for step in &report.steps {
                let n = step.message.matches("permission denied").count();
                assert!(n <= 1, "{}: {}", step.id, step.message);
            }
            let decision = report.steps.last().unwrap();
            assert_eq!(decision.message, report.denial_message(path));
            assert!(decision.message.starts_with(&format!("permission denied: {reason}")));
        }
    }

    #[test]
    fn a_denial_states_permission_denied_and_its_reason_once() {
        // The steps the core's `authorize` writes for a path no rule matches.
        let no_rule = [
            Check::new("policies", Outcome::Info, "policies: 1"),
            Check::new(
                "match",
                Outcome::Fail,
                "no rule matches path \"kv/data/default/redis/config\": permission denied",
            ),
            Check::new(
                "decision",
                Outcome::Fail,
                "permission denied: no rule matches path \"kv/data/default/redis/config\": permission denied",
            ),
        ];
        assert_eq!(
            denial_message(&no_rule, Some("read"), "kv/data/default/redis/config"),
            "permission denied: no rule matches path \"kv/data/default/redis/config\""
        );
        let capability = [
            Check::new(
                "capability",
                Outcome::Fail,
                "update is not granted by \"kv/*\" (it grants read)",
            ),
            Check::new(
                "decision",
                Outcome::Fail,
                "permission denied: update is not granted by \"kv/*\" (it grants read)",
            ),
        ];
        assert_eq!(
            denial_message(&capability, Some("update"), "kv/x"),
            "permission denied: update is not granted by \"kv/*\" (it grants read)"
        );
        // Only the decision failed: the reason is worded from the request.
        let bare = [Check::new("decision", Outcome::Fail, "permission denied")];
        assert_eq!(
            denial_message(&bare, Some("read"), "kv/x"),
            "permission denied: no policy grants read on \"kv/x\""
        );
    }
}
