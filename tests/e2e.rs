//! Runs `tests/vectors/e2e/*.json` (format: tests/vectors/e2e/README.md): token + JWKS + Vault
//! role/config + policies (or AWS provider + trust policy) → `verify::verify`, then the decision.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use jwtgate::Alias;
use jwtgate::HttpOptions;
use jwtgate::KeySet;
use jwtgate::StandardOptions;
use jwtgate::{aws_preflight, evaluate_trust_policy, parse_trust_policy, AwsOptions};
use jwtgate::{verify, VerifyOptions};
use jwtgate::{Authorizer, IdentityExtras, Request};
use jwtgate::{Limits, UnixTime};
use jwtgate::{Operation, TemplateContext};
use jwtgate::{VaultConfig, VaultRole};
use serde_json::{Map, Value};

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

fn run_vault(name: &str, case: &Value, alias: &Alias, now: UnixTime) {
    let v = &case["vault"];
    let want = &case["expect"]["verify"]["alias"];
    assert_eq!(alias.name, want["name"].as_str().unwrap(), "{name}");
    let meta: Map<String, Value> =
        alias.metadata.iter().map(|(k, v)| (k.clone(), Value::from(v.clone()))).collect();
    assert_eq!(&Value::Object(meta), &want["metadata"], "{name}");

    let policies = support::parse_policies(&v["policies"]);
    let mut tctx = TemplateContext::for_alias(alias, v["accessor"].as_str().unwrap(), now);
    if let Some(extras) = v.get("identity") {
        let extras: IdentityExtras = serde_json::from_value(extras.clone()).unwrap();
        extras.apply(&mut tctx);
    }
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
    alg: &str,
    claims: &Map<String, Value>,
    now: UnixTime,
) {
    let a = &case["aws"];
    let options: AwsOptions = serde_json::from_value(a["options"].clone()).unwrap();
    let checks = aws_preflight(raw, alg, claims, &options, now);
    let failed: Vec<Value> = checks
        .iter()
        .filter(|c| c.outcome == jwtgate::Outcome::Fail)
        .map(|c| Value::from(c.id.clone()))
        .collect();
    let want = &case["expect"]["aws"];
    assert_eq!(Value::Array(failed), want["preflight_failed"], "{name}: {checks:#?}");
    let policy = parse_trust_policy(&a["trust_policy"].to_string(), &Limits::default()).unwrap();
    let report = evaluate_trust_policy(&policy, claims, &options);
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
        let now = UnixTime(case["now"].as_i64().unwrap());
        let keys =
            KeySet::from_jwks(case["jwks"].to_string().as_bytes(), &Limits::default()).unwrap();
        let opts = match case.get("vault") {
            Some(v) => VerifyOptions::vault(
                now,
                VaultRole::from_map(v["role"].as_object().unwrap()).unwrap(),
                v["role_name"].as_str().unwrap(),
                VaultConfig::from_map(v["config"].as_object().unwrap()).unwrap(),
            ),
            None => {
                let o = &case["aws"]["options"];
                let std_opts = StandardOptions {
                    issuer: vec![o["providerUrl"].as_str().unwrap().to_string()],
                    ..StandardOptions::default()
                };
                VerifyOptions::standard(now, std_opts)
            }
        };
        let want = &case["expect"]["verify"];
        let verified = match verify(raw, &keys, &opts) {
            Ok(v) => {
                assert_eq!(want["ok"], Value::Bool(true), "{name}: verified, expected a rejection");
                v
            }
            Err(rejected) => {
                assert_eq!(want["ok"], Value::Bool(false), "{name}: {}", rejected.error);
                assert_eq!(
                    rejected.error.code().as_str(),
                    want["code"].as_str().unwrap(),
                    "{name}: {}",
                    rejected.error
                );
                names.push(name);
                continue;
            }
        };
        if case.get("vault").is_some() {
            run_vault(&name, &case, verified.alias.as_ref().unwrap(), now);
        }
        if case.get("aws").is_some() {
            run_aws(&name, &case, raw, verified.header.alg.as_str(), &verified.claims, now);
        }
        names.push(name);
    }
    for required in ["nomad-vault-tutorial", "nomad-aws"] {
        assert!(names.iter().any(|n| n == required), "missing named case {required}");
    }
}
