//! Shared by the vector runners (`tests/vault.rs`, `tests/standard.rs`, `tests/acl.rs`,
//! `tests/templates.rs`, `tests/policy_parse.rs`, `tests/e2e.rs`, `tests/pipeline.rs`): loading
//! vector files, parsing their policies, the known-divergences list, and comparing an
//! outcome with an expectation.

#![allow(dead_code, clippy::std_instead_of_alloc, clippy::std_instead_of_core)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde_json::{Map, Value};

/// Root of `tests/vectors`.
pub fn vectors_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests").join("vectors")
}

/// Every `*.json` file of `tests/vectors/<kind>/`, sorted, as (file name, document).
pub fn load_kind(kind: &str) -> Vec<(String, Value)> {
    let dir = vectors_dir().join(kind);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("reading {}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    files
        .into_iter()
        .map(|p| {
            let text = std::fs::read_to_string(&p).unwrap();
            let doc: Value =
                serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
            (p.file_name().unwrap().to_string_lossy().into_owned(), doc)
        })
        .collect()
}

/// `case reference` (`vault/role.json#ambiguous-registered-claim-key`) → what jwtgate does instead.
pub fn divergences() -> BTreeMap<String, Value> {
    let text = std::fs::read_to_string(vectors_dir().join("known-divergences.json")).unwrap();
    let doc: Value = serde_json::from_str(&text).unwrap();
    let mut out = BTreeMap::new();
    for d in doc["divergences"].as_array().unwrap() {
        assert!(
            d["id"].is_string() && d["reason"].is_string(),
            "divergence needs id + reason: {d}"
        );
        for c in d["cases"].as_array().map(Vec::as_slice).unwrap_or(&[]) {
            let case = c["case"].as_str().unwrap().to_string();
            assert!(
                out.insert(case.clone(), c["jwtgate"].clone()).is_none(),
                "{case} listed twice"
            );
        }
    }
    out
}

/// What a run produced.
#[derive(Debug)]
pub enum Outcome {
    /// Success, with the alias (Vault profile) as JSON, or `Null`.
    Ok(Value),
    /// Failure: code, message, id of the first failed check (if any).
    Err { code: String, message: String, check: Option<String> },
}

/// Whether `outcome` satisfies `expect`; `Err(reason)` says why not.
pub fn matches(expect: &Value, outcome: &Outcome) -> Result<(), String> {
    if expect.get("vault_outcome").is_some() {
        return Err(format!("Vault's outcome cannot be produced by jwtgate: {expect}"));
    }
    if expect.get("ok").and_then(Value::as_bool) == Some(true) {
        let Outcome::Ok(alias) = outcome else {
            return Err(format!("expected success, got {outcome:?}"));
        };
        if let Some(want) = expect.get("alias").and_then(Value::as_object) {
            for (k, v) in want {
                if alias.get(k) != Some(v) {
                    return Err(format!("alias.{k}: expected {v}, got {:?}", alias.get(k)));
                }
            }
        }
        return Ok(());
    }
    let Some(code) = expect.get("code").and_then(Value::as_str) else {
        return Err(format!("expectation has neither ok nor code: {expect}"));
    };
    let Outcome::Err { code: got, message, check } = outcome else {
        return Err(format!("expected {code}, got success"));
    };
    if got != code {
        return Err(format!("expected {code}, got {got}: {message}"));
    }
    if let Some(p) = expect.get("message_starts_with").and_then(Value::as_str) {
        if !message.starts_with(p) {
            return Err(format!("message {message:?} does not start with {p:?}"));
        }
    }
    if let Some(p) = expect.get("message_contains").and_then(Value::as_str) {
        if !message.contains(p) {
            return Err(format!("message {message:?} does not contain {p:?}"));
        }
    }
    if let Some(id) = expect.get("check").and_then(Value::as_str) {
        if check.as_deref() != Some(id) {
            return Err(format!("first failed check is {check:?}, expected {id:?}"));
        }
    }
    Ok(())
}

/// Runs every case of one kind through `run`, applying the divergence list; panics with a
/// summary of unexpected failures and unexpected passes.
pub fn run_kind(
    kind: &str,
    mut run: impl FnMut(&Map<String, Value>, &Map<String, Value>) -> Outcome,
) -> usize {
    let divergences = divergences();
    let mut problems = Vec::new();
    let mut count = 0;
    let mut seen = std::collections::BTreeSet::new();
    for (file, doc) in load_kind(kind) {
        let defaults = doc["defaults"].as_object().cloned().unwrap_or_default();
        for case in doc["cases"].as_array().unwrap() {
            let case = case.as_object().unwrap();
            let id = case["id"].as_str().unwrap();
            let reference = format!("{kind}/{file}#{id}");
            assert!(case.get("source").is_some_and(Value::is_string), "{reference}: no source");
            seen.insert(reference.clone());
            count += 1;
            let outcome = run(&defaults, case);
            match divergences.get(&reference) {
                None => {
                    if let Err(why) = matches(&case["expect"], &outcome) {
                        problems.push(format!("{reference}: {why}"));
                    }
                }
                Some(ours) => {
                    if matches(&case["expect"], &outcome).is_ok() {
                        problems.push(format!(
                            "{reference}: unexpected pass — listed in known-divergences.json but \
                             now behaves like Vault; remove the entry"
                        ));
                    } else if let Err(why) = matches(ours, &outcome) {
                        problems.push(format!("{reference}: divergent case changed: {why}"));
                    }
                }
            }
        }
    }
    for reference in divergences.keys().filter(|r| r.starts_with(&format!("{kind}/"))) {
        if !seen.contains(reference) {
            problems.push(format!("known-divergences.json names missing case {reference}"));
        }
    }
    assert!(
        problems.is_empty(),
        "{} of {count} {kind} vectors failed:\n{}",
        problems.len(),
        problems.join("\n")
    );
    count
}

/// `base` with `patch`'s members replacing its own (shallow).
pub fn patched(base: &Value, patch: Option<&Value>) -> Value {
    let mut out = base.clone();
    if let (Some(obj), Some(Value::Object(p))) = (out.as_object_mut(), patch) {
        for (k, v) in p {
            obj.insert(k.clone(), v.clone());
        }
    }
    out
}

/// The `policies` array of a vector (`[{ "name", "text" }]`), parsed with default limits.
pub fn parse_policies(policies: &Value) -> Vec<jwtgate::Policy> {
    policies
        .as_array()
        .expect("policies is an array")
        .iter()
        .map(|p| {
            let name = p["name"].as_str().expect("policy name");
            let text = p["text"].as_str().expect("policy text");
            jwtgate::parse_policy(name, text, &jwtgate::Limits::default())
                .unwrap_or_else(|e| panic!("policy {name}: {e}"))
        })
        .collect()
}
