//! The fix, written out: a `user_claim` that determines every templated alias metadata key,
//! each suggestion checked by running [`analyze`] on the changed setup.

use alloc::collections::{BTreeMap, BTreeSet};
use alloc::format;
use alloc::string::{String, ToString};
use alloc::vec::Vec;

use serde::Serialize;

use super::knowledge::{claim_name, extra_claim_path, Issuer, NOMAD_JOB_ID, NOMAD_NAMESPACE};
use super::{analyze, Analysis, FindingCode, Setup, Severity, Source};
use crate::role::VaultRole;

/// The extra claim jwtgate suggests for Nomad: unique per (region, namespace, job).
pub const NOMAD_WORKLOAD_CLAIM: &str = "nomad_workload_id";
/// Its template, as in Nomad's `vault.default_identity.extra_claims` documentation.
pub const NOMAD_WORKLOAD_TEMPLATE: &str = "${job.region}:${job.namespace}:${job.id}";

/// One suggested change, already re-checked.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Suggestion {
    /// Short title.
    pub title: String,
    /// The new `user_claim` (a JSON Pointer, as written in the role).
    pub user_claim: String,
    /// The role with the change applied (Vault's field names).
    pub role: VaultRole,
    /// Nomad `extra_claims` the change needs (empty when none).
    pub extra_claims: BTreeMap<String, String>,
    /// The Nomad agent configuration block to add, when the change needs extra claims.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub nomad_agent_config: Option<String>,
    /// What changes for the operator.
    pub tradeoff: String,
    /// Hazard codes the analysis still finds with the change (empty when verified).
    pub remaining: Vec<FindingCode>,
    /// Whether the re-run analysis finds no security or reliability hazard.
    pub verified: bool,
}

/// Claims whose values templated alias metadata keys (and the groups claim) come from.
fn needed(setup: &Setup, a: &Analysis) -> BTreeSet<String> {
    let mut out: BTreeSet<String> = a
        .directives
        .iter()
        .filter(|d| d.source == Source::AliasMetadata)
        .filter_map(|d| d.source_claim.clone())
        .collect();
    if !setup.role.groups_claim.is_empty() {
        out.insert(claim_name(&setup.role.groups_claim, true));
    }
    out
}

fn agent_config(role: &VaultRole) -> String {
    let aud = if role.bound_audiences.is_empty() {
        String::new()
    } else {
        let list: Vec<String> = role.bound_audiences.iter().map(|a| format!("{a:?}")).collect();
        format!("    aud = [{}]\n", list.join(", "))
    };
    format!(
        "vault {{\n  default_identity {{\n{aud}    extra_claims {{\n      \
         {NOMAD_WORKLOAD_CLAIM} = \"{NOMAD_WORKLOAD_TEMPLATE}\"\n    }}\n  }}\n}}\n"
    )
}

fn check(
    setup: &Setup,
    issuer: Issuer,
    user_claim: &str,
    extra: BTreeMap<String, String>,
) -> (Setup, Analysis) {
    let mut s = setup.clone();
    s.knowledge.issuer = issuer;
    s.role.user_claim = user_claim.to_string();
    s.role.user_claim_json_pointer = true;
    s.knowledge.extra_claims.extend(extra);
    let a = analyze(&s);
    (s, a)
}

/// Suggestions for `setup` given its analysis `a` (none when `a` finds no hazard). Only
/// suggestions the re-run analysis verifies are returned.
pub fn suggest(setup: &Setup, a: &Analysis) -> Vec<Suggestion> {
    if !a.hazard {
        return Vec::new();
    }
    let need = needed(setup, a);
    let nomad = a.issuer == "nomad";
    // The same issuer as the analysis decided, whatever the auto-detection would say here.
    let mut k = setup.knowledge.clone();
    k.issuer = if nomad { Issuer::Nomad } else { Issuer::Generic };
    let r = k.resolve(&[]);
    let mut candidates: Vec<(String, String, BTreeMap<String, String>, String)> = Vec::new();
    if nomad {
        let mut extra = BTreeMap::new();
        extra.insert(NOMAD_WORKLOAD_CLAIM.to_string(), NOMAD_WORKLOAD_TEMPLATE.to_string());
        if need.iter().all(|c| c == NOMAD_NAMESPACE || c == NOMAD_JOB_ID) {
            candidates.push((
                format!(
                    "user_claim = /extra_claims/{NOMAD_WORKLOAD_CLAIM} (region:namespace:job, \
                     Nomad ≥ 1.8)"
                ),
                extra_claim_path(NOMAD_WORKLOAD_CLAIM),
                extra,
                "one alias per job per namespace; add the extra claim to the Nomad servers' \
                 vault.default_identity (it is set on jobs when they are registered, so \
                 re-register running jobs), then change user_claim; existing aliases keyed by \
                 job id stay in Vault until removed"
                    .to_string(),
            ));
        }
        candidates.push((
            "user_claim = sub (region:namespace:job:group:task:identity)".to_string(),
            "/sub".to_string(),
            BTreeMap::new(),
            "one alias (and entity) per task identity: nothing is shared, at the cost of more \
             entities; works with every Nomad version"
                .to_string(),
        ));
    }
    // Only claims the caller declared: Nomad's allocation id would also determine namespace and
    // job, but makes one entity per allocation.
    for claim in setup.knowledge.determines.keys() {
        if need.is_subset(&r.closure(claim)) && !setup.knowledge.extra_claims.contains_key(claim) {
            let pointer = if claim.starts_with('/') {
                claim.clone()
            } else {
                format!("/{}", claim.replace('~', "~0").replace('/', "~1"))
            };
            candidates.push((
                format!("user_claim = {claim}"),
                pointer,
                BTreeMap::new(),
                format!("{claim} determines every templated claim (as declared)"),
            ));
        }
    }
    let mut out = Vec::new();
    let current = claim_name(&setup.role.user_claim, setup.role.user_claim_json_pointer);
    for (title, claim, extra, tradeoff) in candidates {
        if claim_name(&claim, true) == current {
            continue;
        }
        let (s, after) = check(setup, k.issuer, &claim, extra.clone());
        let remaining: Vec<FindingCode> = after
            .findings
            .iter()
            .filter(|f| f.severity != Severity::Notice)
            .map(|f| f.code)
            .collect();
        if !remaining.is_empty() {
            continue;
        }
        out.push(Suggestion {
            title,
            user_claim: s.role.user_claim.clone(),
            nomad_agent_config: (!extra.is_empty()).then(|| agent_config(&s.role)),
            role: s.role,
            extra_claims: extra,
            tradeoff,
            remaining,
            verified: true,
        });
    }
    out
}
