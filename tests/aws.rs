//! Runs `tests/vectors/aws/*.json` (format: tests/vectors/aws/README.md).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use jwtgate::Outcome;
use jwtgate::{
    aws_preflight, evaluate_trust_policy, generate_trust_policy, nomad_sub_pattern,
    parse_trust_policy, AwsOptions,
};
use jwtgate::{Limits, UnixTime};
use serde_json::Value;

#[test]
fn aws_vectors() {
    let dir = format!("{}/tests/vectors/aws", env!("CARGO_MANIFEST_DIR"));
    let mut count = 0;
    let mut paths: Vec<_> = std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().path()).collect();
    paths.sort();
    for p in paths.into_iter().filter(|p| p.extension().is_some_and(|e| e == "json")) {
        let doc: Value = serde_json::from_str(&std::fs::read_to_string(&p).unwrap()).unwrap();
        for case in doc["cases"].as_array().unwrap() {
            let name = case["name"].as_str().unwrap();
            let options: AwsOptions = serde_json::from_value(case["options"].clone()).unwrap();
            let claims = case["claims"].as_object().unwrap();
            let token = "x".repeat(case["token_length"].as_u64().unwrap() as usize);
            let now = UnixTime(case["now"].as_i64().unwrap());
            let checks =
                aws_preflight(&token, case["alg"].as_str().unwrap(), claims, &options, now);
            let expect = &case["expect"];
            if let Some(want) = expect.get("preflight_failed") {
                let failed: Vec<Value> = checks
                    .iter()
                    .filter(|c| c.outcome == Outcome::Fail)
                    .map(|c| Value::from(c.id.clone()))
                    .collect();
                assert_eq!(&Value::Array(failed), want, "{name}: {checks:#?}");
            }
            if let Some(m) = expect.get("message_contains").and_then(Value::as_object) {
                for (id, sub) in m {
                    let c = checks.iter().find(|c| &c.id == id).unwrap();
                    assert!(c.message.contains(sub.as_str().unwrap()), "{name}: {}", c.message);
                }
            }
            let policy =
                parse_trust_policy(&case["trust_policy"].to_string(), &Limits::default()).unwrap();
            let report = evaluate_trust_policy(&policy, claims, &options);
            if let Some(a) = expect.get("allowed") {
                assert_eq!(Value::Bool(report.allowed), *a, "{name}: {report:#?}");
            }
            if let Some(d) = expect.get("decision") {
                assert_eq!(report.decision, d.as_str().unwrap(), "{name}");
            }
            if let Some(cs) = expect.get("conditions") {
                let got: Vec<Value> =
                    report.statements[0].conditions.iter().map(|c| Value::Bool(c.holds)).collect();
                assert_eq!(&Value::Array(got), cs, "{name}: {report:#?}");
            }
            count += 1;
        }
    }
    assert!(count >= 25, "only {count} aws vectors");
}

#[test]
fn trust_policy_refusals_and_generator() {
    let l = Limits::default();
    for bad in [
        r#"{"Statement": [{"Effect": "Allow", "NotAction": "x", "Principal": "*"}]}"#,
        r#"{"Statement": [{"Effect": "Maybe", "Principal": "*", "Action": "*"}]}"#,
        r#"{"Statement": [{"Effect": "Allow", "Principal": "*", "Action": "*", "Condition": {"NumericLessThan": {"a": "1"}}}]}"#,
        r#"{"Statement": [], "Statement": []}"#,
    ] {
        let e = parse_trust_policy(bad, &l).unwrap_err();
        assert_eq!(e.code(), jwtgate::Code::TrustPolicyInvalid, "{bad}: {e}");
    }
    let options = AwsOptions {
        provider_url: "https://nomad.example.com".into(),
        client_ids: vec!["aws".into()],
        account_id: "123456789012".into(),
        partition: String::new(),
    };
    let pattern = nomad_sub_pattern("global:default:s3:bucket:copy:aws", 3).unwrap();
    assert_eq!(pattern, "global:default:s3:*");
    let generated = generate_trust_policy(&options, "aws", &pattern);
    let policy = parse_trust_policy(&generated.to_string(), &l).unwrap();
    let claims = serde_json::json!({"aud": "aws", "sub": "global:default:s3:bucket:copy:aws"});
    assert!(evaluate_trust_policy(&policy, claims.as_object().unwrap(), &options).allowed);
    let other = serde_json::json!({"aud": "aws", "sub": "global:default:mongo:db:mongo:aws"});
    assert!(!evaluate_trust_policy(&policy, other.as_object().unwrap(), &options).allowed);
}
