//! Example tokens for a hazard: two claim sets that give the same alias name but different
//! values for one mapped claim, built from a small model of a Nomad workload (so `sub`, the
//! `nomad_*` claims and `extra_claims` stay consistent) or, for other issuers, from placeholder
//! values.

use alloc::collections::BTreeSet;
use alloc::format;
use alloc::string::{String, ToString};
use alloc::vec::Vec;

use serde_json::{Map, Value};

use super::knowledge::{
    nomad_variable_claim, template_variables, Resolved, NOMAD_ALLOCATION_ID, NOMAD_JOB_ID,
    NOMAD_NAMESPACE, NOMAD_TASK,
};

/// One Nomad task identity, field by field.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Workload {
    /// Region.
    pub region: String,
    /// Namespace.
    pub namespace: String,
    /// Job id.
    pub job: String,
    /// Task group.
    pub group: String,
    /// Task.
    pub task: String,
    /// Allocation id.
    pub alloc: String,
}

impl Workload {
    /// `dev/web`, task `web`.
    pub fn base() -> Self {
        Workload {
            region: "global".into(),
            namespace: "dev".into(),
            job: "web".into(),
            group: "web".into(),
            task: "web".into(),
            alloc: "7d0c2b1a-0000-4000-8000-000000000001".into(),
        }
    }

    /// The claims Nomad would put in this workload's identity (`extra` rendered from the
    /// caller's `extra_claims`; variables jwtgate does not know render as `x`).
    pub fn claims(&self, r: &Resolved) -> Map<String, Value> {
        let mut m = Map::new();
        let s = |v: &str| Value::String(v.to_string());
        m.insert(
            "sub".into(),
            s(&format!(
                "{}:{}:{}:{}:{}:vault_default",
                self.region, self.namespace, self.job, self.group, self.task
            )),
        );
        m.insert(NOMAD_NAMESPACE.into(), s(&self.namespace));
        m.insert(NOMAD_JOB_ID.into(), s(&self.job));
        m.insert(NOMAD_TASK.into(), s(&self.task));
        m.insert(NOMAD_ALLOCATION_ID.into(), s(&self.alloc));
        if !r.extra_claims.is_empty() {
            // Nomad nests extra claims in one object.
            let extra: Map<String, Value> =
                r.extra_claims.iter().map(|(k, t)| (k.clone(), s(&self.render(t)))).collect();
            m.insert("extra_claims".into(), Value::Object(extra));
        }
        m
    }

    fn render(&self, template: &str) -> String {
        let mut out = String::new();
        let mut rest = template;
        let vars = template_variables(template);
        for var in vars {
            let Some(start) = rest.find("${") else { break };
            out.push_str(&rest[..start]);
            let end = rest[start..].find('}').map_or(rest.len(), |e| start + e + 1);
            let value = match (var, nomad_variable_claim(var)) {
                ("job.region", _) => self.region.as_str(),
                ("group.name", _) => self.group.as_str(),
                (_, Some(NOMAD_NAMESPACE)) => self.namespace.as_str(),
                (_, Some(NOMAD_JOB_ID)) => self.job.as_str(),
                (_, Some(NOMAD_TASK)) => self.task.as_str(),
                (_, Some(NOMAD_ALLOCATION_ID)) => self.alloc.as_str(),
                _ => "x",
            };
            out.push_str(value);
            rest = &rest[end..];
        }
        out.push_str(rest);
        out
    }
}

/// Two claim sets (`a`, `b`) for which `same(a, b)` holds (same alias name) and the value of
/// `source` differs, or `None` when jwtgate cannot construct one.
pub fn pair(
    r: &Resolved,
    generic_claims: &[String],
    determined: &BTreeSet<String>,
    source: &str,
    same: impl Fn(&Map<String, Value>, &Map<String, Value>) -> bool,
) -> Option<(Map<String, Value>, Map<String, Value>)> {
    let base = Workload::base();
    let with_generic = |w: &Workload, changed: &BTreeSet<String>| {
        let mut m = if r.nomad { w.claims(r) } else { Map::new() };
        for c in generic_claims {
            // Nomad's extra claims are already in the nested `extra_claims` object.
            if m.contains_key(c) || r.nomad && c.starts_with("/extra_claims/") {
                continue;
            }
            let tag = if changed.contains(c) { "b" } else { "a" };
            m.insert(c.clone(), Value::String(format!("{c}-{tag}")));
        }
        m
    };
    let a = with_generic(&base, &BTreeSet::new());
    let mut candidates: Vec<Map<String, Value>> = Vec::new();
    if r.nomad {
        let mutations: [fn(&mut Workload); 4] = [
            |w| w.namespace = "prod".into(),
            |w| w.task = "worker".into(),
            |w| w.job = "api".into(),
            |w| w.alloc = "7d0c2b1a-0000-4000-8000-000000000002".into(),
        ];
        for m in mutations {
            let mut w = base.clone();
            m(&mut w);
            candidates.push(with_generic(&w, &BTreeSet::new()));
        }
    }
    // A claim jwtgate models as a placeholder: change it and every undetermined claim that
    // determines it, so the pair stays consistent with the declared knowledge.
    let mut changed = BTreeSet::new();
    changed.insert(source.to_string());
    for c in generic_claims {
        if !determined.contains(c) && r.closure(c).contains(source) {
            changed.insert(c.clone());
        }
    }
    candidates.push(with_generic(&base, &changed));
    candidates.into_iter().find(|b| a.get(source) != b.get(source) && same(&a, b)).map(|b| (a, b))
}
