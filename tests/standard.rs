//! Runs `tests/vectors/standard/*.json`: the RFC 7519 / jose-like `standard` claim profile.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::std_instead_of_alloc)]

mod support;

use jwtgate::__internal::check_standard_claims;
use jwtgate::Report;
use jwtgate::UnixTime;
use jwtgate::{Mode, StandardOptions};
use serde_json::{Map, Value};

use support::{patched, run_kind, Outcome};

fn run_case(defaults: &Map<String, Value>, case: &Map<String, Value>) -> Outcome {
    let opts_doc = patched(&defaults["options"], case.get("options_patch"));
    let opts: StandardOptions = serde_json::from_value(opts_doc).expect("options");
    let now = case.get("now").or(defaults.get("now")).and_then(Value::as_i64).unwrap();
    let claims = case["claims"].as_object().unwrap();
    let mut report = Report::default();
    let fast = check_standard_claims(claims, &opts, UnixTime(now), Mode::FailFast, &mut report);
    let mut full = Report::default();
    let explained = check_standard_claims(claims, &opts, UnixTime(now), Mode::Explain, &mut full);
    assert_eq!(fast.as_ref().err().map(|e| e.code()), explained.as_ref().err().map(|e| e.code()));
    match fast {
        Ok(()) => Outcome::Ok(Value::Null),
        Err(e) => Outcome::Err {
            code: e.code().as_str().to_string(),
            message: e.to_string(),
            check: report.first_failure().map(|c| c.id.to_string()),
        },
    }
}

#[test]
fn standard_profile_vectors() {
    let n = run_kind("standard", run_case);
    assert!(n >= 30, "only {n} standard vectors");
}

/// The whole report of a passing standard verify, byte for byte as the implementation before
/// the fixed texts were borrowed instead of built (`Check` text as `Cow`) wrote it: every id,
/// message, expected and actual value, in order (captured from that build for this token).
#[test]
fn passing_report_text_is_unchanged() {
    use jwtgate::__internal::encode;
    use jwtgate::{verify_with, KeyInfo, VerifyOptions};
    let header = r#"{"alg":"RS256","kid":"bench-RS256","typ":"JWT"}"#;
    let claims = r#"{"sub":"global:default:mongo:db:mongo:vault_default","nomad_namespace":"default","nomad_job_id":"mongo","nomad_allocation_id":"5a1e3c52-5f5e-4a5b-8c1e-0d9c6f1a2b3c","nomad_task":"mongo","iss":"https://nomad.example.com","aud":"vault.io","iat":1767225600,"nbf":1767225600,"exp":1767229200,"jti":"0b0d5b8a-6e1d-4b3a-9f2e-7c4d1a2b3c4d"}"#;
    let token = format!(
        "{}.{}.{}",
        encode(header.as_bytes()),
        encode(claims.as_bytes()),
        encode(&[7; 256])
    );
    let opts = VerifyOptions::standard(
        UnixTime(1_767_225_600),
        StandardOptions {
            issuer: vec!["https://nomad.example.com".into()],
            audience: vec!["vault.io".into()],
            ..StandardOptions::default()
        },
    );
    // The signature itself is not what this test is about: the key is taken as verified.
    let verified = verify_with(&token, &opts, Mode::FailFast, |alg, kid, _, _| {
        Ok(KeyInfo {
            kid: kid.map(String::from),
            alg,
            kty: "RSA".into(),
            thumbprint: "abcdefghijklmnopqrstuvwxyzabcdefghijklmnopq".into(),
        })
    })
    .unwrap();
    let expected = r#"{"checks":[{"id":"token","outcome":"pass","message":"compact JWS parsed strictly","actual":"alg RS256, kid \"bench-RS256\", 11 claims"},{"id":"alg","outcome":"pass","message":"alg is allowed","expected":"one of [\"RS256\",\"RS384\",\"RS512\",\"PS256\",\"PS384\",\"PS512\",\"ES256\",\"ES384\",\"ES512\",\"EdDSA\"]","actual":"\"RS256\""},{"id":"signature","outcome":"pass","message":"signature verified with RSA key","actual":"kid \"bench-RS256\", thumbprint abcdefghijklmnopqrstuvwxyzabcdefghijklmnopq"},{"id":"required.iss","outcome":"pass","message":"\"iss\" is present"},{"id":"required.aud","outcome":"pass","message":"\"aud\" is present"},{"id":"required.exp","outcome":"pass","message":"\"exp\" is present"},{"id":"iss","outcome":"pass","message":"iss is accepted","expected":"[\"https://nomad.example.com\"]","actual":"\"https://nomad.example.com\""},{"id":"sub","outcome":"skip","message":"no subject option"},{"id":"aud","outcome":"pass","message":"aud contains an accepted audience","expected":"[\"vault.io\"]","actual":"\"vault.io\""},{"id":"iat","outcome":"pass","message":"iat is a number"},{"id":"nbf","outcome":"pass","message":"nbf is not after now + 0s","actual":"1767225600 (2026-01-01T00:00:00Z)"},{"id":"exp","outcome":"pass","message":"now is before exp + 0s","actual":"1767229200 (2026-01-01T01:00:00Z)"}]}"#;
    assert_eq!(serde_json::to_string(&verified.report).unwrap(), expected);
}
