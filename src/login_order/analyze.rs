//! The analysis: for every templated directive of every policy, where its value comes from and
//! whether the alias name (the `user_claim` value) determines it.

use alloc::collections::BTreeSet;
use alloc::format;
use alloc::string::{String, ToString};
use alloc::vec::Vec;

use serde::Serialize;
use serde_json::{Map, Value};

use super::example;
use super::knowledge::{claim_name, Resolved};
use super::{Collision, Finding, FindingCode, Setup, Severity};
use crate::claims::mapping;
use crate::identity::Alias;
use crate::policy::template::render;
use crate::policy::TemplateContext;
use crate::time::UnixTime;

/// Where a directive's value comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Source {
    /// `identity.entity.aliases.<accessor>.name` / `.id`, `identity.entity.id` / `.name`: one per
    /// alias name.
    AliasName,
    /// `identity.entity.aliases.<accessor>.metadata.<key>`: written by the last login.
    AliasMetadata,
    /// Entity or group metadata, custom metadata, groups: Vault's identity store.
    IdentityStore,
    /// `identity.entity.aliases.<other accessor>…`: another auth mount.
    OtherMount,
    /// `time.*` and anything that is not identity.
    NotIdentity,
}

/// One templated directive and its verdict.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DirectiveCheck {
    /// Policy name.
    pub policy: String,
    /// The path as written.
    pub path: String,
    /// The directive, trimmed, without braces.
    pub directive: String,
    /// Where the value comes from.
    pub source: Source,
    /// The alias metadata key, for [`Source::AliasMetadata`].
    #[serde(skip_serializing_if = "Option::is_none")]
    pub alias_key: Option<String>,
    /// The claim `claim_mappings` fills that key from.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source_claim: Option<String>,
    /// Whether the alias name determines the value (so login order cannot change it).
    pub determined: bool,
}

/// The result of [`analyze`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Analysis {
    /// `"nomad"` or `"generic"`: whose knowledge of the claims applied.
    pub issuer: &'static str,
    /// The claim the alias name comes from (pointer resolved).
    pub user_claim: String,
    /// Claims the alias name determines (the `user_claim` itself included).
    pub determined: Vec<String>,
    /// Every templated directive.
    pub directives: Vec<DirectiveCheck>,
    /// Findings, hazards first (security, then reliability, then notices).
    pub findings: Vec<Finding>,
    /// Whether any finding is a security or reliability hazard.
    pub hazard: bool,
}

fn directives(path: &str) -> Vec<&str> {
    path.split("{{").skip(1).filter_map(|p| p.split("}}").next()).map(str::trim).collect()
}

/// Claim names the role uses (user claim, mapping sources, groups claim), pointers resolved.
fn role_claims(setup: &Setup) -> Vec<String> {
    let role = &setup.role;
    let mut out = alloc::vec![claim_name(&role.user_claim, role.user_claim_json_pointer)];
    out.extend(role.claim_mappings.keys().map(|s| claim_name(s, true)));
    if !role.groups_claim.is_empty() {
        out.push(claim_name(&role.groups_claim, true));
    }
    out
}

/// Analyses `setup`: which directives several workloads share, and what each costs (see
/// [`Analysis`]).
pub fn analyze(setup: &Setup) -> Analysis {
    let claims = role_claims(setup);
    let r = setup.knowledge.resolve(&claims);
    let user_claim = claims[0].clone();
    let determined = r.closure(&user_claim);
    let mut generic: Vec<String> = claims.clone();
    generic.extend(setup.knowledge.determines.keys().cloned());
    let mut out = Vec::new();
    let mut findings = Vec::new();
    for policy in &setup.policies {
        for rule in policy.paths.iter().filter(|p| p.templated) {
            for d in directives(&rule.path) {
                let check = classify(setup, &determined, &policy.name, &rule.path, d);
                if let Some(f) = finding_for(setup, &r, &generic, &determined, &check) {
                    findings.push(f);
                }
                out.push(check);
            }
        }
    }
    user_claim_findings(setup, &r, &user_claim, &determined, &mut findings);
    findings.sort_by_key(|f| f.severity);
    let hazard = findings.iter().any(|f| f.severity != Severity::Notice);
    Analysis {
        issuer: if r.nomad { "nomad" } else { "generic" },
        user_claim,
        determined: determined.into_iter().collect(),
        directives: out,
        findings,
        hazard,
    }
}

fn classify(
    setup: &Setup,
    determined: &BTreeSet<String>,
    policy: &str,
    path: &str,
    d: &str,
) -> DirectiveCheck {
    let mut c = DirectiveCheck {
        policy: policy.to_string(),
        path: path.to_string(),
        directive: d.to_string(),
        source: Source::NotIdentity,
        alias_key: None,
        source_claim: None,
        determined: true,
    };
    if let Some(sel) = d.strip_prefix("identity.entity.aliases.") {
        let (accessor, field) = sel.split_once('.').unwrap_or((sel, ""));
        if setup.accessor.as_deref().is_some_and(|a| a != accessor) {
            c.source = Source::OtherMount;
        } else if let Some(key) = field.strip_prefix("metadata.") {
            c.source = Source::AliasMetadata;
            c.alias_key = Some(key.to_string());
            let source = setup
                .role
                .claim_mappings
                .iter()
                .find(|(_, dest)| dest.as_str() == key)
                .map(|(src, _)| claim_name(src, true));
            // `role` is the role's name: the same for every login through this role.
            c.determined = key == "role" || source.as_ref().is_some_and(|s| determined.contains(s));
            c.source_claim = source;
        } else if field.starts_with("custom_metadata") {
            c.source = Source::IdentityStore;
        } else {
            c.source = Source::AliasName;
        }
    } else if let Some(rest) = d.strip_prefix("identity.entity.") {
        c.source =
            if rest == "id" || rest == "name" { Source::AliasName } else { Source::IdentityStore };
    } else if d.starts_with("identity.groups.") {
        c.source = Source::IdentityStore;
    }
    c
}

fn accessor_of(directive: &str) -> &str {
    directive
        .strip_prefix("identity.entity.aliases.")
        .and_then(|s| s.split_once('.'))
        .map_or("", |(a, _)| a)
}

fn render_for(setup: &Setup, path: &str, accessor: &str, claims: &Map<String, Value>) -> String {
    let role = &setup.role;
    let name = mapping::user_claim(claims, role).unwrap_or_default();
    let metadata = mapping::metadata(claims, role, &setup.role_name).unwrap_or_default();
    let alias = Alias { name, metadata, groups: Vec::new() };
    let ctx = TemplateContext::for_alias(&alias, accessor, UnixTime(0));
    match render(path, &ctx) {
        Ok(p) => p,
        Err(e) => format!("(path dropped: {})", e.error),
    }
}

fn finding_for(
    setup: &Setup,
    r: &Resolved,
    generic: &[String],
    determined: &BTreeSet<String>,
    c: &DirectiveCheck,
) -> Option<Finding> {
    let base = Finding {
        code: FindingCode::AliasMetadataUnmapped,
        severity: Severity::Notice,
        policy: Some(c.policy.clone()),
        path: Some(c.path.clone()),
        directive: Some(c.directive.clone()),
        alias_key: c.alias_key.clone(),
        source_claim: c.source_claim.clone(),
        message: String::new(),
        example: None,
    };
    match c.source {
        Source::IdentityStore => Some(Finding {
            code: FindingCode::IdentityStoreTemplate,
            message: "this value comes from Vault's identity store (set by operators through \
                      identity/entity or identity/group), not from the login: every token that \
                      shares the alias sees the same value, and it is not visible offline"
                .to_string(),
            ..base
        }),
        Source::AliasMetadata if c.determined => None,
        Source::AliasMetadata => {
            let key = c.alias_key.clone().unwrap_or_default();
            let Some(source) = c.source_claim.clone() else {
                return Some(Finding {
                    message: format!(
                        "no claim_mappings entry fills alias metadata key {key:?}: Vault drops \
                         this path block for every token"
                    ),
                    ..base
                });
            };
            let role = &setup.role;
            let same = |a: &Map<String, Value>, b: &Map<String, Value>| {
                matches!((mapping::user_claim(a, role), mapping::user_claim(b, role)),
                    (Ok(x), Ok(y)) if x == y && !x.is_empty())
            };
            let example = example::pair(r, generic, determined, &source, same).map(|(a, b)| {
                let accessor = accessor_of(&c.directive);
                let crosses = r
                    .boundary
                    .iter()
                    .filter(|k| a.get(k.as_str()) != b.get(k.as_str()))
                    .cloned()
                    .collect();
                Collision {
                    alias_name: mapping::user_claim(&a, role).unwrap_or_default(),
                    own_path: render_for(setup, &c.path, accessor, &a),
                    path_after_b: render_for(setup, &c.path, accessor, &b),
                    crosses,
                    a,
                    b,
                }
            });
            let reliability = !r.boundary.is_empty()
                && r.boundary.iter().all(|b| determined.contains(b))
                && example.as_ref().is_none_or(|e| e.crosses.is_empty());
            let uc = claim_name(&role.user_claim, role.user_claim_json_pointer);
            let mut message = format!(
                "alias metadata key {key:?} comes from claim {source:?}, which the alias name \
                 ({uc:?}) does not determine: tokens with the same {uc:?} but a different \
                 {source:?} share one alias, each login replaces its metadata, and every token \
                 renders this path from whoever logged in last"
            );
            if let Some(e) = &example {
                if reliability {
                    message.push_str(&format!(
                        ". After token B logs in, token A renders {:?} instead of {:?}: A gets 403 \
                         on its own path (and B's access) until it logs in again, an \
                         intermittent denial",
                        e.path_after_b, e.own_path
                    ));
                } else {
                    let across = if e.crosses.is_empty() {
                        String::from("another workload's path")
                    } else {
                        format!("a path of another {}", e.crosses.join("/"))
                    };
                    message.push_str(&format!(
                        ". After token B logs in, token A renders {:?} instead of {:?}: A is \
                         granted {across} (and denied its own until it logs in again)",
                        e.path_after_b, e.own_path
                    ));
                }
            }
            Some(Finding {
                code: if reliability {
                    FindingCode::SharedAliasIntermittent
                } else {
                    FindingCode::SharedAliasCrossWorkload
                },
                severity: if reliability { Severity::Reliability } else { Severity::Security },
                message,
                example,
                ..base
            })
        }
        _ => None,
    }
}

fn user_claim_findings(
    setup: &Setup,
    r: &Resolved,
    user_claim: &str,
    determined: &BTreeSet<String>,
    findings: &mut Vec<Finding>,
) {
    let none = Finding {
        code: FindingCode::UserClaimShared,
        severity: Severity::Notice,
        policy: None,
        path: None,
        directive: None,
        alias_key: None,
        source_claim: Some(user_claim.to_string()),
        message: String::new(),
        example: None,
    };
    let missing: Vec<&str> =
        r.boundary.iter().filter(|b| !determined.contains(*b)).map(String::as_str).collect();
    if r.shared.contains(user_claim) || !missing.is_empty() {
        let why = if r.shared.contains(user_claim) {
            String::from("its value is shared by many workloads by design")
        } else {
            format!("its value does not determine {}", missing.join(", "))
        };
        findings.push(Finding {
            message: format!(
                "user_claim {user_claim:?} is the alias name, but {why}: those workloads share \
                 one entity (its identity policies, groups and alias metadata)"
            ),
            ..none.clone()
        });
    }
    if r.may_be_empty.contains(user_claim) {
        findings.push(Finding {
            code: FindingCode::UserClaimMayBeEmpty,
            severity: Severity::Reliability,
            message: format!(
                "user_claim {user_claim:?} can be empty: Vault then fails the login with \
                 \"missing name in alias\""
            ),
            ..none.clone()
        });
    }
    let groups = &setup.role.groups_claim;
    if !groups.is_empty() {
        let g = claim_name(groups, true);
        if !determined.contains(&g) {
            let boundary_ok =
                !r.boundary.is_empty() && r.boundary.iter().all(|b| determined.contains(b));
            findings.push(Finding {
                code: FindingCode::GroupsFollowLastLogin,
                severity: if boundary_ok { Severity::Reliability } else { Severity::Security },
                source_claim: Some(g.clone()),
                message: format!(
                    "groups_claim {g:?} is not determined by the alias name: each login \
                     replaces the entity's external group memberships on this mount, so group \
                     policies and identity.groups templates follow whoever logged in last"
                ),
                ..none
            });
        }
    }
}
