//! Runs `tests/vectors/e2e/*.json` (format: tests/vectors/e2e/README.md): token + keys + Vault
//! role/config + policies (or AWS provider + trust policy) → verification, then the decision.
//!
//! Until `jwtgate::verify::verify` lands, this runner parses the token strictly
//! (`jose::compact::parse_compact`) and runs the Vault claim steps (`claims::vault::validate`);
//! the signature check is exercised by the verify runner with the same JWKS.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use jwtgate::authorize::{Authorizer, Request};
use jwtgate::aws::{self, AwsOptions};
use jwtgate::claims::vault::{validate, VaultContext};
use jwtgate::claims::Mode;
use jwtgate::jose::compact::parse_compact;
use jwtgate::policy::http::HttpOptions;
use jwtgate::policy::{parse_policy, Operation, TemplateContext};
use jwtgate::report::Report;
use jwtgate::role::{VaultConfig, VaultRole};
use jwtgate::{Limits, UnixTime};
use serde_json::Value;

fn request(r: &Value) -> Request {
    if let Some(h) = r.get("http") {
        return Request::from_http(
            h["method"].as_str().unwrap(),
            h["target"].as_str().unwrap(),
            &HttpOptions::default(),
        )
        .unwrap();
    }
    Request::new(
        r["path"].as_str().unwrap(),
        Operation::parse(r["operation"].as_str().unwrap()).unwrap(),
    )
}

fn run_vault(
    name: &str,
    case: &Value,
    token: &jwtgate::jose::compact::CompactJws<'_>,
    now: UnixTime,
) {
    let v = &case["vault"];
    let role = VaultRole::from_map(v["role"].as_object().unwrap()).unwrap();
    let config = VaultConfig::from_map(v["config"].as_object().unwrap()).unwrap();
    let ctx = VaultContext {
        role: &role,
        role_name: v["role_name"].as_str().unwrap(),
        config: &config,
        now,
    };
    let mut report = Report::default();
    let alias = validate(&token.claims, &ctx, Mode::FailFast, &mut report)
        .unwrap_or_else(|e| panic!("{name}: {e}"));
    let want = &case["expect"]["verify"]["alias"];
    assert_eq!(alias.name, want["name"].as_str().unwrap(), "{name}");
    let meta: serde_json::Map<String, Value> =
        alias.metadata.iter().map(|(k, v)| (k.clone(), Value::from(v.clone()))).collect();
    assert_eq!(&Value::Object(meta), &want["metadata"], "{name}");

    let policies: Vec<_> = v["policies"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            parse_policy(
                p["name"].as_str().unwrap(),
                p["text"].as_str().unwrap(),
                &Limits::default(),
            )
            .unwrap()
        })
        .collect();
    let tctx = TemplateContext::for_alias(&alias, v["accessor"].as_str().unwrap(), now);
    let report = Authorizer::new(&policies, &tctx).authorize(&request(&v["request"]));
    let json = serde_json::to_value(&report).unwrap();
    let want = &case["expect"]["authorize"];
    let msg = format!("{name}: {}", serde_json::to_string_pretty(&json).unwrap());
    assert_eq!(Value::Bool(report.allowed), want["allowed"], "{msg}");
    assert_eq!(json["winner"]["pattern"], want["winner"], "{msg}");
    let dropped: Vec<Value> = report.dropped.iter().map(|d| Value::from(d.path.clone())).collect();
    assert_eq!(Value::Array(dropped), want["dropped"], "{msg}");
}

fn run_aws(
    name: &str,
    case: &Value,
    raw: &str,
    token: &jwtgate::jose::compact::CompactJws<'_>,
    now: UnixTime,
) {
    let a = &case["aws"];
    let options: AwsOptions = serde_json::from_value(a["options"].clone()).unwrap();
    let alg = token.header.alg.as_str();
    let checks = aws::preflight(raw, alg, &token.claims, &options, now);
    let failed: Vec<Value> = checks
        .iter()
        .filter(|c| c.outcome == jwtgate::report::Outcome::Fail)
        .map(|c| Value::from(c.id.clone()))
        .collect();
    let want = &case["expect"]["aws"];
    assert_eq!(Value::Array(failed), want["preflight_failed"], "{name}: {checks:#?}");
    let policy =
        aws::parse_trust_policy(&a["trust_policy"].to_string(), &Limits::default()).unwrap();
    let report = aws::evaluate(&policy, &token.claims, &options);
    assert_eq!(Value::Bool(report.allowed), want["allowed"], "{name}: {report:#?}");
    assert_eq!(report.decision, want["decision"].as_str().unwrap(), "{name}");
}

#[test]
fn e2e_vectors() {
    let dir = format!("{}/tests/vectors/e2e", env!("CARGO_MANIFEST_DIR"));
    let mut paths: Vec<_> = std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().path()).collect();
    paths.sort();
    let mut names = Vec::new();
    for p in paths.into_iter().filter(|p| p.extension().is_some_and(|e| e == "json")) {
        let case: Value = serde_json::from_str(&std::fs::read_to_string(&p).unwrap()).unwrap();
        let name = case["name"].as_str().unwrap().to_string();
        let raw = case["token"].as_str().unwrap();
        let token =
            parse_compact(raw, &Limits::default()).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(case["expect"]["verify"]["ok"], Value::Bool(true), "{name}");
        let now = UnixTime(case["now"].as_i64().unwrap());
        if case.get("vault").is_some() {
            run_vault(&name, &case, &token, now);
        }
        if case.get("aws").is_some() {
            run_aws(&name, &case, raw, &token, now);
        }
        names.push(name);
    }
    for required in ["nomad-vault-tutorial", "nomad-aws"] {
        assert!(names.iter().any(|n| n == required), "missing named case {required}");
    }
}
