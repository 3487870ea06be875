//! Runs `tests/vectors/vault/*.json`: Vault JWT-auth login semantics on decoded claims (no
//! signature), each case derived from a section of `vault-semantics.md`. See the README there.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::std_instead_of_alloc)]

mod support;

use jwtgate::{validate_vault_claims, Mode, VaultContext};
use jwtgate::{Limits, UnixTime};
use jwtgate::{Outcome as CheckOutcome, Report};
use jwtgate::{VaultConfig, VaultRole};
use serde_json::{Map, Value};

use support::{patched, run_kind, Outcome};

fn err_outcome(e: &jwtgate::Error, report: &Report) -> Outcome {
    Outcome::Err {
        code: e.code().as_str().to_string(),
        message: e.to_string(),
        check: report.first_failure().map(|c| c.id.to_string()),
    }
}

fn run_case(defaults: &Map<String, Value>, case: &Map<String, Value>) -> Outcome {
    let limits = Limits::default();
    let role_doc = patched(case.get("role").unwrap_or(&defaults["role"]), case.get("role_patch"));
    let config_doc = case.get("config").or(defaults.get("config")).cloned().unwrap_or(Value::Null);
    let config_doc = if config_doc.is_null() { Value::Object(Map::new()) } else { config_doc };
    let role_name = case
        .get("role_name")
        .or(defaults.get("role_name"))
        .and_then(Value::as_str)
        .unwrap_or("test");
    let now = case.get("now").or(defaults.get("now")).and_then(Value::as_i64).unwrap();
    let claims = case["claims"].as_object().unwrap();

    let role = match VaultRole::from_json(role_doc.to_string().as_bytes(), &limits) {
        Ok(r) => r,
        Err(e) => return err_outcome(&e.into(), &Report::default()),
    };
    let config = match VaultConfig::from_json(config_doc.to_string().as_bytes(), &limits) {
        Ok(c) => c,
        Err(e) => return err_outcome(&e.into(), &Report::default()),
    };
    let ctx = VaultContext { role: &role, role_name, config: &config, now: UnixTime(now) };

    let mut report = Report::default();
    let fast = validate_vault_claims(claims, &ctx, Mode::FailFast, &mut report);

    // Explain mode must agree on the first failure and evaluate at least as many checks.
    let mut full = Report::default();
    let explained = validate_vault_claims(claims, &ctx, Mode::Explain, &mut full);
    match (&fast, &explained) {
        (Ok(a), Ok(b)) => assert_eq!(a, b),
        (Err(a), Err(b)) => assert_eq!(a.code(), b.code(), "explain mode disagrees"),
        _ => panic!("explain mode disagrees: {fast:?} vs {explained:?}"),
    }
    assert!(full.checks.len() >= report.checks.len());
    assert_eq!(
        report.checks.iter().filter(|c| c.outcome == CheckOutcome::Fail).count(),
        usize::from(fast.is_err()),
        "fail-fast report must hold exactly the failing check"
    );

    match fast {
        Ok(alias) => Outcome::Ok(serde_json::to_value(&alias).unwrap()),
        Err(e) => err_outcome(&e.into(), &report),
    }
}

#[test]
fn vault_semantics_vectors() {
    let n = run_kind("vault", run_case);
    assert!(n >= 100, "only {n} vault vectors");
    println!("{n} vault vectors");
}
