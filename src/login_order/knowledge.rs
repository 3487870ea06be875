//! What is known about the claims of an issuer: which claim's value fixes which other claims'
//! values ("`sub` determines `nomad_namespace`"), which claims are tenancy boundaries, which
//! are shared by design and which can be empty.
//!
//! Built-in knowledge covers Nomad workload identities (vault-semantics §b, Nomad's workload
//! identity docs); other issuers are described by the caller through [`Knowledge`].

use alloc::collections::{BTreeMap, BTreeSet};
use alloc::string::{String, ToString};
use alloc::vec::Vec;

use serde::{Deserialize, Serialize};

/// The claims of Nomad's task identities.
pub const NOMAD_NAMESPACE: &str = "nomad_namespace";
/// The job id claim: unique within a namespace only.
pub const NOMAD_JOB_ID: &str = "nomad_job_id";
/// The task claim: shared by every job with a task of that name.
pub const NOMAD_TASK: &str = "nomad_task";
/// The allocation id claim: one allocation belongs to one job in one namespace.
pub const NOMAD_ALLOCATION_ID: &str = "nomad_allocation_id";

/// Which issuer's built-in knowledge applies.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Issuer {
    /// Nomad when the role names a `nomad_*` claim or `extraClaims` are given, else generic.
    #[default]
    Auto,
    /// Nomad workload identities.
    Nomad,
    /// Anything else: only what the caller declares is known.
    Generic,
}

/// Caller-supplied knowledge about the claims. JSON:
/// `{ issuer?, extraClaims?, determines?, boundary?, shared?, mayBeEmpty? }`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default, deny_unknown_fields)]
pub struct Knowledge {
    /// Which built-in knowledge applies.
    pub issuer: Issuer,
    /// Nomad (≥ 1.8) `vault.default_identity.extra_claims`: claim name → template, e.g.
    /// `"${job.region}:${job.namespace}:${job.id}"`. A value is as unique as its template.
    /// Nomad nests them in the token's `extra_claims` object, so a role addresses them as
    /// `/extra_claims/<name>` (with `user_claim_json_pointer`).
    pub extra_claims: BTreeMap<String, String>,
    /// `claim → [claims its value determines]`, for issuers jwtgate has no knowledge of.
    pub determines: BTreeMap<String, Vec<String>>,
    /// Claims whose values separate tenants (Nomad: namespace and job). A hazard between tokens
    /// that agree on every boundary claim is a reliability problem; otherwise it is a security
    /// one. `None`: the issuer's default (none for a generic issuer: every hazard is security).
    pub boundary: Option<Vec<String>>,
    /// Claims whose value is shared by many workloads by design (in addition to the built-in).
    pub shared: Vec<String>,
    /// Claims whose value can be empty (in addition to the built-in).
    pub may_be_empty: Vec<String>,
}

/// Nomad `extra_claims` variables that are always set, and the claim each one stands for
/// (`shared/research/ux-anchors.md`: Nomad's `interpolate`). Any other variable
/// (`${job.meta.<key>}`, `${node.*}`, …) determines nothing jwtgate knows of, and an unknown
/// placeholder is left verbatim, so a value built only from such variables can be shared.
const NOMAD_VARIABLES: &[(&str, Option<&str>)] = &[
    ("job.region", None),
    ("job.namespace", Some(NOMAD_NAMESPACE)),
    ("job.id", Some(NOMAD_JOB_ID)),
    ("group.name", None),
    ("task.name", Some(NOMAD_TASK)),
    ("alloc.id", Some(NOMAD_ALLOCATION_ID)),
];

/// The claim (as a resolved name, see [`claim_name`]) under which Nomad puts an extra claim.
pub fn extra_claim_path(name: &str) -> String {
    alloc::format!("/extra_claims/{}", name.replace('~', "~0").replace('/', "~1"))
}

/// The knowledge in force for one analysis, with the issuer resolved.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Resolved {
    /// Whether Nomad's knowledge applies.
    pub nomad: bool,
    /// `claim → claims its value determines` (direct, not yet closed).
    pub determines: BTreeMap<String, BTreeSet<String>>,
    /// Tenancy boundary claims.
    pub boundary: Vec<String>,
    /// Claims shared by design.
    pub shared: BTreeSet<String>,
    /// Claims that can be empty.
    pub may_be_empty: BTreeSet<String>,
    /// The caller's `extraClaims`.
    pub extra_claims: BTreeMap<String, String>,
}

/// The `${…}` variables of an `extra_claims` template, in order.
pub fn template_variables(template: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = template;
    while let Some(start) = rest.find("${") {
        let after = &rest[start + 2..];
        let Some(end) = after.find('}') else { break };
        out.push(after[..end].trim());
        rest = &after[end + 1..];
    }
    out
}

/// The claim a Nomad `extra_claims` variable stands for, if jwtgate knows it.
pub fn nomad_variable_claim(var: &str) -> Option<&'static str> {
    NOMAD_VARIABLES.iter().find(|(v, _)| *v == var).and_then(|(_, c)| *c)
}

/// Whether a Nomad `extra_claims` variable is one jwtgate knows (and that is never empty).
pub fn nomad_variable_known(var: &str) -> bool {
    NOMAD_VARIABLES.iter().any(|(v, _)| *v == var)
}

impl Knowledge {
    /// Resolves the issuer (`claims` are the claim names the role uses) and merges the built-in
    /// knowledge with the caller's.
    pub fn resolve(&self, claims: &[String]) -> Resolved {
        let nomad = match self.issuer {
            Issuer::Nomad => true,
            Issuer::Generic => false,
            Issuer::Auto => {
                !self.extra_claims.is_empty() || claims.iter().any(|c| c.starts_with("nomad_"))
            }
        };
        let mut determines: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        let mut shared = BTreeSet::new();
        let mut may_be_empty = BTreeSet::new();
        let mut add = |from: &str, to: &[&str]| {
            let e = determines.entry(from.to_string()).or_default();
            e.extend(to.iter().map(|s| s.to_string()));
        };
        if nomad {
            // sub = <region>:<namespace>:<job>:<group>:<task>:<identity>.
            add("sub", &[NOMAD_NAMESPACE, NOMAD_JOB_ID, NOMAD_TASK]);
            // An allocation runs one task group of one job, but several tasks.
            add(NOMAD_ALLOCATION_ID, &[NOMAD_NAMESPACE, NOMAD_JOB_ID]);
            for (claim, template) in &self.extra_claims {
                let vars = template_variables(template);
                let known: Vec<&str> =
                    vars.iter().filter_map(|v| nomad_variable_claim(v)).collect();
                let path = extra_claim_path(claim);
                add(&path, &known);
                if template.is_empty() {
                    may_be_empty.insert(path.clone());
                }
                if !vars.iter().any(|v| nomad_variable_known(v) && *v != "job.region") {
                    // Only region, meta, node or unknown placeholders: many workloads share it.
                    shared.insert(path);
                }
            }
            for c in [NOMAD_NAMESPACE, NOMAD_TASK, "nomad_service", "vault_role"] {
                shared.insert(c.to_string());
            }
        }
        for c in ["iss", "aud", "azp"] {
            shared.insert(c.to_string());
        }
        for (from, to) in &self.determines {
            let to: Vec<&str> = to.iter().map(String::as_str).collect();
            add(from, &to);
        }
        shared.extend(self.shared.iter().cloned());
        may_be_empty.extend(self.may_be_empty.iter().cloned());
        let boundary = match &self.boundary {
            Some(b) => b.clone(),
            None if nomad => alloc::vec![NOMAD_NAMESPACE.to_string(), NOMAD_JOB_ID.to_string()],
            None => Vec::new(),
        };
        Resolved {
            nomad,
            determines,
            boundary,
            shared,
            may_be_empty,
            extra_claims: self.extra_claims.clone(),
        }
    }
}

impl Resolved {
    /// Every claim whose value is fixed once `claim`'s value is: `claim` itself and the
    /// transitive closure of `determines`.
    pub fn closure(&self, claim: &str) -> BTreeSet<String> {
        let mut out = BTreeSet::new();
        let mut todo = alloc::vec![claim.to_string()];
        while let Some(c) = todo.pop() {
            if !out.insert(c.clone()) {
                continue;
            }
            if let Some(next) = self.determines.get(&c) {
                todo.extend(next.iter().filter(|n| !out.contains(*n)).cloned());
            }
        }
        out
    }
}

/// A claim name as written in a role (`/nomad_job_id` as a JSON Pointer) → the claim it names
/// (`nomad_job_id`). Nested pointers (`/a/b`) are kept as written.
pub fn claim_name(written: &str, pointer: bool) -> String {
    match written.strip_prefix('/') {
        Some(rest) if pointer && !rest.contains('/') => rest.replace("~1", "/").replace("~0", "~"),
        _ => written.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nomad_closure_and_extra_claims() {
        let mut k = Knowledge::default();
        k.extra_claims.insert("wid".into(), "${job.region}:${job.namespace}:${job.id}".into());
        k.extra_claims.insert("team".into(), "${job.meta.team}".into());
        k.extra_claims.insert("empty".into(), String::new());
        let r = k.resolve(&[]);
        assert!(r.nomad);
        let wid = r.closure("/extra_claims/wid");
        assert!(wid.contains(NOMAD_NAMESPACE) && wid.contains(NOMAD_JOB_ID));
        assert!(!wid.contains(NOMAD_TASK));
        assert!(r.closure("sub").contains(NOMAD_TASK));
        assert_eq!(r.closure(NOMAD_JOB_ID).len(), 1);
        assert!(r.shared.contains("/extra_claims/team") && !r.shared.contains("/extra_claims/wid"));
        assert!(r.may_be_empty.contains("/extra_claims/empty"));
        assert!(r.closure("/extra_claims/x").len() == 1);
        assert_eq!(claim_name("/nomad_job_id", true), "nomad_job_id");
        assert_eq!(claim_name("/nomad_job_id", false), "/nomad_job_id");
        assert_eq!(claim_name("/a~1b", true), "a/b");
    }

    #[test]
    fn generic_issuer_knows_only_what_is_declared() {
        let mut k = Knowledge::default();
        k.determines.insert("email".into(), alloc::vec!["team".into()]);
        k.determines.insert("team".into(), alloc::vec!["org".into()]);
        let r = k.resolve(&["email".into()]);
        assert!(!r.nomad);
        assert!(r.boundary.is_empty());
        let c = r.closure("email");
        assert!(c.contains("org") && c.contains("team"));
    }
}
