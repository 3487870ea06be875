//! Runs `tests/vectors/explain/*.json`: explain mode evaluates every check that can run, keeps
//! the first failure in check order as the answer, and lists the rest as "also failing". Each
//! case is signed here with a fixed Ed25519 test key and verified end to end with
//! `verify::explain` (and `verify::verify`, which must give the same answer). See the README
//! there.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::std_instead_of_alloc)]

mod support;

use ed25519_dalek::Signer as _;
use jwtgate::__internal::encode;
use jwtgate::{explain, verify, VerifyOptions};
use jwtgate::{Algorithm, KeySet};
use jwtgate::{Limits, UnixTime};
use jwtgate::{Outcome, Report};
use jwtgate::{VaultConfig, VaultRole};
use serde_json::{json, Map, Value};

use support::{load_kind, patched};

const KID: &str = "explain-key";

fn signing_key(seed: u8) -> ed25519_dalek::SigningKey {
    ed25519_dalek::SigningKey::from_bytes(&[seed; 32])
}

/// The test key's public JWKS.
fn jwks() -> KeySet {
    let x = encode(signing_key(7).verifying_key().as_bytes());
    let doc = json!({"keys": [{"kty": "OKP", "crv": "Ed25519", "x": x, "kid": KID, "alg": "EdDSA", "use": "sig"}]});
    KeySet::from_jwks(doc.to_string().as_bytes(), &Limits::default()).unwrap()
}

/// The case's token: its header and claims (or raw payload), signed with the test key, or with
/// another key when `signature` is `wrong`.
fn token(defaults: &Map<String, Value>, case: &Map<String, Value>) -> String {
    let header = case
        .get("header")
        .cloned()
        .unwrap_or_else(|| json!({"alg": "EdDSA", "kid": KID, "typ": "JWT"}));
    let payload = match case.get("payload") {
        Some(raw) => raw.as_str().unwrap().to_string(),
        None => {
            let base = case.get("claims").unwrap_or(&defaults["claims"]);
            let mut claims = patched(base, case.get("claims_patch"));
            for name in case.get("claims_remove").and_then(Value::as_array).into_iter().flatten() {
                claims.as_object_mut().unwrap().remove(name.as_str().unwrap());
            }
            claims.to_string()
        }
    };
    let input = format!("{}.{}", encode(header.to_string().as_bytes()), encode(payload.as_bytes()));
    let seed = match case.get("signature").and_then(Value::as_str) {
        None | Some("valid") => 7,
        Some("wrong") => 8,
        Some(other) => panic!("unknown signature {other:?}"),
    };
    let signature = signing_key(seed).sign(input.as_bytes()).to_bytes();
    format!("{input}.{}", encode(&signature))
}

fn options(defaults: &Map<String, Value>, case: &Map<String, Value>) -> VerifyOptions {
    let get = |k: &str| case.get(k).or(defaults.get(k));
    let now = UnixTime(get("now").and_then(Value::as_i64).unwrap());
    let limits = Limits::default();
    let mut opts = match get("profile").and_then(Value::as_str).unwrap() {
        "vault" => {
            let role = patched(get("role").unwrap(), case.get("role_patch"));
            let config = patched(get("config").unwrap(), case.get("config_patch"));
            VerifyOptions::vault(
                now,
                VaultRole::from_json(role.to_string().as_bytes(), &limits).unwrap(),
                get("role_name").and_then(Value::as_str).unwrap(),
                VaultConfig::from_json(config.to_string().as_bytes(), &limits).unwrap(),
            )
        }
        "standard" => {
            let o = patched(get("options").unwrap(), case.get("options_patch"));
            VerifyOptions::standard(now, serde_json::from_value(o).unwrap())
        }
        other => panic!("unknown profile {other:?}"),
    };
    if let Some(list) = case.get("algorithms") {
        let names = strings(Some(list));
        opts.algorithms = Some(names.iter().map(|n| Algorithm::from_name(n).unwrap()).collect());
    }
    opts
}

fn ids_with(report: &Report, outcome: Outcome) -> Vec<String> {
    report.checks.iter().filter(|c| c.outcome == outcome).map(|c| c.id.to_string()).collect()
}

fn strings(v: Option<&Value>) -> Vec<String> {
    v.and_then(Value::as_array)
        .map(|a| a.iter().map(|s| s.as_str().unwrap().to_string()).collect())
        .unwrap_or_default()
}

/// Checks one case; returns what is wrong with it.
fn run_case(defaults: &Map<String, Value>, case: &Map<String, Value>) -> Result<(), String> {
    let expect = case["expect"].as_object().unwrap();
    let token = token(defaults, case);
    let opts = options(defaults, case);
    let keys = match case.get("keys").and_then(Value::as_str) {
        None | Some("match") => jwks(),
        Some("none") => KeySet::default(),
        Some(other) => panic!("unknown keys {other:?}"),
    };
    let explained = explain(&token, &keys, &opts);
    let fast = verify(&token, &keys, &opts);
    let want_failing = strings(expect.get("failing"));

    let rejected = match (explained, expect.get("ok").and_then(Value::as_bool)) {
        (Ok(v), Some(true)) => {
            let failing = ids_with(&v.report, Outcome::Fail);
            if failing != want_failing {
                return Err(format!("verified, but failing checks {failing:?}"));
            }
            return fast.map(|_| ()).map_err(|r| format!("verify rejected: {}", r.error));
        }
        (Ok(_), _) => return Err(String::from("explain verified the token")),
        (Err(r), Some(true)) => return Err(format!("explain rejected: {}", r.error)),
        (Err(r), _) => r,
    };
    let mut problems = Vec::new();
    let code = rejected.error.code().as_str();
    if Some(code) != expect["code"].as_str() {
        problems.push(format!("code {code}, expected {}", expect["code"]));
    }
    // The verdict check's message: Vault's words first in the Vault profile (for a claim
    // failure it is the error's own message).
    let verdict = rejected.report.verdict().expect("a rejection has a verdict check");
    if let Some(prefix) = expect.get("message_starts_with").and_then(Value::as_str) {
        if !verdict.message.starts_with(prefix) {
            problems.push(format!("message {:?} does not start with {prefix:?}", verdict.message));
        }
    }
    if matches!(rejected.error, jwtgate::Error::Claim(_))
        && verdict.message != rejected.error.to_string()
    {
        problems.push(format!(
            "verdict check says {:?}, the error {}",
            verdict.message, rejected.error
        ));
    }
    let failing = ids_with(&rejected.report, Outcome::Fail);
    if failing != want_failing {
        problems.push(format!("failing {failing:?}, expected {want_failing:?}"));
    }
    for (field, outcome) in [("skipped", Outcome::Skip), ("passing", Outcome::Pass)] {
        let have = ids_with(&rejected.report, outcome);
        for id in strings(expect.get(field)) {
            if !have.contains(&id) {
                problems.push(format!("{id} not {field} (the {field} checks: {have:?})"));
            }
        }
    }
    // The verdict check is the one behind the error; the also-failing checks are every other
    // failure, in order, in the API and in the serialization.
    if verdict.code != Some(rejected.error.code()) {
        problems.push(format!("verdict check {} has code {:?}", verdict.id, verdict.code));
    }
    let also: Vec<String> = rejected.also_failing().map(|c| c.id.to_string()).collect();
    let want_also: Vec<String> = failing
        .iter()
        .filter(|id| verdict.outcome != Outcome::Fail || **id != verdict.id)
        .cloned()
        .collect();
    if also != want_also {
        problems.push(format!("also_failing {also:?}, expected {want_also:?}"));
    }
    let json = serde_json::to_value(&rejected).unwrap();
    let serialized: Vec<&str> = json["also_failing"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap())
        .collect();
    if serialized != also {
        problems.push(format!("serialized also_failing {serialized:?}"));
    }
    for c in rejected.also_failing() {
        if c.code.is_none() {
            problems.push(format!("also-failing check {} has no code", c.id));
        }
    }
    // Fail-fast gives the same answer and stops at it: its report is explain's up to the
    // verdict, which it records as a failure.
    match fast {
        Ok(_) => problems.push(String::from("verify accepted the token")),
        Err(f) => {
            if f.error != rejected.error {
                problems.push(format!("verify says {}, explain {}", f.error, rejected.error));
            }
            let fails = ids_with(&f.report, Outcome::Fail);
            if fails != [verdict.id.to_string()] {
                problems.push(format!("verify's report fails {fails:?}"));
            }
            let at = f.report.checks.iter().position(|c| c.outcome == Outcome::Fail).unwrap_or(0);
            if rejected.report.checks.get(..at) != f.report.checks.get(..at) {
                problems.push(String::from("verify's report is not explain's up to the verdict"));
            }
            if f.also_failing().next().is_some() {
                problems.push(String::from("verify lists also-failing checks"));
            }
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems.join("; "))
    }
}

#[test]
fn explain_vectors() {
    let mut problems = Vec::new();
    let mut count = 0;
    for (file, doc) in load_kind("explain") {
        let defaults = doc["defaults"].as_object().cloned().unwrap_or_default();
        for case in doc["cases"].as_array().unwrap() {
            let case = case.as_object().unwrap();
            let id = case["id"].as_str().unwrap();
            assert!(case.get("source").is_some_and(Value::is_string), "{file}#{id}: no source");
            count += 1;
            if let Err(why) = run_case(&defaults, case) {
                problems.push(format!("explain/{file}#{id}: {why}"));
            }
        }
    }
    assert!(
        problems.is_empty(),
        "{} of {count} explain vectors failed:\n{}",
        problems.len(),
        problems.join("\n")
    );
    assert!(count >= 20, "only {count} explain vectors");
}
