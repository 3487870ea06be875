//! The whole pipeline on the bundled sample (`tests/fixtures/sample/`): order of checks in each
//! profile, fail-fast vs explain, the alias, and the serialized shapes front ends consume.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::std_instead_of_alloc)]

use std::path::PathBuf;

use jwtgate::Outcome;
use jwtgate::{verify_with, KeyInfo, Rejected, Verified, VerifyOptions};
use jwtgate::{Algorithm, KeyError};
use jwtgate::{Code, Limits, UnixTime};
use jwtgate::{Mode, StandardOptions};
use jwtgate::{VaultConfig, VaultRole};

fn sample(name: &str) -> String {
    let p: PathBuf =
        [env!("CARGO_MANIFEST_DIR"), "tests", "fixtures", "sample", name].iter().collect();
    std::fs::read_to_string(p).unwrap()
}

fn now() -> UnixTime {
    UnixTime(sample("now.txt").trim().parse().unwrap())
}

fn vault_opts(now: UnixTime) -> VerifyOptions {
    let limits = Limits::default();
    let role = VaultRole::from_json(sample("role.json").as_bytes(), &limits).unwrap();
    let config = VaultConfig::from_json(sample("config.json").as_bytes(), &limits).unwrap();
    VerifyOptions::vault(now, role, "nomad-workloads", config)
}

/// Stands in for the key set: accepts the signature, records the call.
fn accept(
    calls: &mut Vec<Algorithm>,
) -> impl FnMut(Algorithm, Option<&str>, &[u8], &[u8]) -> Result<KeyInfo, KeyError> + '_ {
    move |alg, kid, _, _| {
        calls.push(alg);
        Ok(KeyInfo { kid: kid.map(String::from), alg, kty: "RSA".into(), thumbprint: "tp".into() })
    }
}

fn reject(alg: Algorithm, _: Option<&str>, _: &[u8], _: &[u8]) -> Result<KeyInfo, KeyError> {
    Err(KeyError::SignatureInvalid { alg, tried: 1 })
}

fn ids(report: &jwtgate::Report) -> Vec<&str> {
    report.checks.iter().map(|c| &*c.id).collect()
}

/// The ids of the failed checks, in report order.
fn failed_ids(report: &jwtgate::Report) -> Vec<&str> {
    report.checks.iter().filter(|c| c.outcome == Outcome::Fail).map(|c| &*c.id).collect()
}

#[test]
fn sample_passes_the_nomad_tutorial_role_in_vault_order() {
    let token = sample("token.jwt");
    let mut calls = Vec::new();
    let v: Verified =
        verify_with(token.trim(), &vault_opts(now()), Mode::FailFast, accept(&mut calls)).unwrap();
    let alias = v.alias.as_ref().unwrap();
    assert_eq!(alias.name, "mongo");
    assert_eq!(alias.metadata.get("nomad_namespace").map(String::as_str), Some("default"));
    assert_eq!(alias.metadata.get("nomad_task").map(String::as_str), Some("mongo"));
    assert_eq!(alias.metadata.get("role").map(String::as_str), Some("nomad-workloads"));
    assert_eq!(v.key.kid.as_deref(), Some("b4b3f0c2-6a1d-4f8e-9c57-3e2d1a0f9b64"));
    assert_eq!(
        ids(&v.report)[..13],
        [
            "role_type",
            "token_bound_cidrs",
            "token",
            "signature",
            "ambiguous_claims",
            "alg",
            "registered_claims",
            "iss",
            "sub",
            "aud",
            "nbf",
            "exp",
            "iat"
        ]
    );
    assert!(v.report.passed());
    let json = serde_json::to_value(&v).unwrap();
    assert_eq!(json["header"]["alg"], "RS256");
    assert_eq!(json["alias"]["name"], "mongo");
    assert_eq!(json["report"]["checks"][3]["outcome"], "pass");
}

#[test]
fn vault_checks_alg_after_the_signature() {
    let token = sample("token.jwt");
    let mut opts = vault_opts(now());
    opts.algorithms = Some(vec![Algorithm::EdDSA]);
    let mut calls = Vec::new();
    let r: Rejected =
        verify_with(token.trim(), &opts, Mode::FailFast, accept(&mut calls)).unwrap_err();
    assert_eq!(r.error.code(), Code::JwsAlgNotAllowed);
    assert!(r.error.to_string().starts_with(
        "error validating token: invalid algorithm (alg) header parameter: token signed with unexpected algorithm"
    ));
    assert_eq!(calls, [Algorithm::RS256], "Vault verifies the signature first");
    let order = ids(&r.report);
    let sig = order.iter().position(|i| *i == "signature").unwrap();
    let alg = order.iter().position(|i| *i == "alg").unwrap();
    assert!(sig < alg);
}

#[test]
fn standard_refuses_alg_before_any_cryptography() {
    let token = sample("token.jwt");
    let mut opts = VerifyOptions::standard(now(), StandardOptions::default());
    opts.algorithms = Some(vec![Algorithm::ES256]);
    let mut calls = Vec::new();
    let r = verify_with(token.trim(), &opts, Mode::FailFast, accept(&mut calls)).unwrap_err();
    assert_eq!(r.error.code(), Code::JwsAlgNotAllowed);
    assert!(calls.is_empty());
}

#[test]
fn vault_expiry_of_the_sample_is_inclusive_of_clock_skew() {
    let token = sample("token.jwt");
    let claims: serde_json::Value = serde_json::from_str(&sample("claims.json")).unwrap();
    let exp = claims["exp"].as_i64().unwrap();
    let mut calls = Vec::new();
    assert!(verify_with(
        token.trim(),
        &vault_opts(UnixTime(exp + 60)),
        Mode::FailFast,
        accept(&mut calls)
    )
    .is_ok());
    let r = verify_with(
        token.trim(),
        &vault_opts(UnixTime(exp + 61)),
        Mode::FailFast,
        accept(&mut calls),
    )
    .unwrap_err();
    assert_eq!(r.error.code(), Code::JwtExpired);
    let fail = r.report.first_failure().unwrap();
    assert_eq!(fail.id, "exp");
    assert!(fail.actual.as_deref().unwrap().contains("2026-01-01T01:01:01Z"), "{fail:?}");
}

#[test]
fn explain_lists_every_failure_fail_fast_only_the_first() {
    let token = sample("token.jwt");
    let mut opts = vault_opts(UnixTime(now().0 + 100_000));
    if let jwtgate::Profile::Vault(v) = &mut opts.profile {
        v.role.bound_claims.insert("nomad_namespace".into(), serde_json::json!("prod"));
    }
    let fast = verify_with(token.trim(), &opts, Mode::FailFast, reject).unwrap_err();
    assert_eq!(fast.error.code(), Code::JwsSignatureInvalid);
    assert_eq!(failed_ids(&fast.report).len(), 1);
    let full = verify_with(token.trim(), &opts, Mode::Explain, reject).unwrap_err();
    assert_eq!(full.error.code(), Code::JwsSignatureInvalid, "first failure stays the error");
    assert_eq!(failed_ids(&full.report), ["signature", "exp", "bound_claims.nomad_namespace"]);
    let json = serde_json::to_value(&full).unwrap();
    assert_eq!(json["code"], "ERR_JWS_SIGNATURE_INVALID");
    assert!(json["report"]["checks"].as_array().unwrap().len() > 10);
}

#[test]
fn parse_failure_is_reported_as_the_token_check() {
    let mut calls = Vec::new();
    let r = verify_with("not.a-token", &vault_opts(now()), Mode::Explain, accept(&mut calls))
        .unwrap_err();
    assert_eq!(r.error.code(), Code::JwsMalformed);
    assert_eq!(r.report.first_failure().unwrap().id, "token");
    assert!(calls.is_empty());
}

#[test]
fn oidc_role_fails_first() {
    let token = sample("token.jwt");
    let mut opts = vault_opts(now());
    if let jwtgate::Profile::Vault(v) = &mut opts.profile {
        v.role = VaultRole::from_json(
            br#"{"user_claim":"sub","bound_audiences":"vault.io"}"#,
            &Limits::default(),
        )
        .unwrap();
    }
    let mut calls = Vec::new();
    let r = verify_with(token.trim(), &opts, Mode::FailFast, accept(&mut calls)).unwrap_err();
    assert_eq!(r.error.code(), Code::RoleTypeOidc);
    assert!(calls.is_empty());
}

#[test]
fn claim_errors_serialize_claim_expected_actual() {
    let token = sample("token.jwt");
    let opts = VerifyOptions::standard(
        now(),
        StandardOptions { audience: vec!["aws".into()], ..Default::default() },
    );
    let mut calls = Vec::new();
    let r = verify_with(token.trim(), &opts, Mode::FailFast, accept(&mut calls)).unwrap_err();
    let json = serde_json::to_value(&r).unwrap();
    assert_eq!(json["code"], "ERR_JWT_AUDIENCE_MISMATCH");
    assert_eq!(json["claim"], "aud");
    assert_eq!(json["expected"], "[\"aws\"]");
    assert_eq!(json["actual"], "[\"vault.io\"]");
}

// ---- with real keys (tests/fixtures/sample/jwks.json, minted by PyJWT) ----

use jwtgate::KeySet;
use jwtgate::{explain, verify};

fn keys(name: &str) -> KeySet {
    KeySet::from_jwks(sample(name).as_bytes(), &Limits::default()).unwrap()
}

/// The token with one claim changed and the original signature kept.
fn tampered() -> String {
    use base64::Engine as _;
    let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let token = sample("token.jwt");
    let parts: Vec<&str> = token.trim().split('.').collect();
    let mut claims: serde_json::Value =
        serde_json::from_slice(&b64.decode(parts[1]).unwrap()).unwrap();
    claims["nomad_namespace"] = "prod".into();
    let payload = b64.encode(serde_json::to_vec(&claims).unwrap());
    format!("{}.{payload}.{}", parts[0], parts[2])
}

#[test]
fn sample_verifies_with_its_jwks() {
    let v = verify(sample("token.jwt").trim(), &keys("jwks.json"), &vault_opts(now())).unwrap();
    assert_eq!(v.key.kty, "RSA");
    assert_eq!(v.key.alg, Algorithm::RS256);
    assert_eq!(v.alias.unwrap().name, "mongo");
}

#[test]
fn tampered_sample_fails_the_signature_with_vault_wording() {
    let r = verify(&tampered(), &keys("jwks.json"), &vault_opts(now())).unwrap_err();
    assert_eq!(r.error.code(), Code::JwsSignatureInvalid);
    let fail = r.report.first_failure().unwrap();
    assert_eq!(fail.id, "signature");
    // The sample config's key source is `jwks_url`: go-oidc's words (vault-semantics.md a.3),
    // then jwtgate's detail.
    assert!(
        fail.message.starts_with(
            "error validating token: error verifying token signature: failed to verify id token \
             signature ("
        ),
        "{}",
        fail.message
    );
}

#[test]
fn tampered_sample_with_validation_pubkeys_uses_the_static_key_set_wording() {
    let limits = Limits::default();
    let pems = jwtgate::jwks_to_pem(sample("jwks.json").as_bytes(), &limits).unwrap();
    let pem = pems.keys[0].pem.clone();
    let config =
        serde_json::json!({ "jwt_validation_pubkeys": [pem], "jwt_supported_algs": ["RS256"] });
    let config = VaultConfig::from_json(config.to_string().as_bytes(), &limits).unwrap();
    let role = VaultRole::from_json(sample("role.json").as_bytes(), &limits).unwrap();
    let opts = VerifyOptions::vault(now(), role, "nomad-workloads", config);
    let keys = KeySet::from_pem(&[pem.as_str()], &limits).unwrap();
    assert!(verify(sample("token.jwt").trim(), &keys, &opts).is_ok());
    let r = verify(&tampered(), &keys, &opts).unwrap_err();
    assert_eq!(r.error.code(), Code::JwsSignatureInvalid);
    let fail = r.report.first_failure().unwrap();
    assert!(
        fail.message.starts_with(
            "error validating token: error verifying token signature: no known key successfully \
             validated the token signature ("
        ),
        "{}",
        fail.message
    );
}

#[test]
fn explain_on_a_tampered_expired_token_lists_both() {
    let later = UnixTime(now().0 + 7200);
    let r = explain(&tampered(), &keys("jwks.json"), &vault_opts(later)).unwrap_err();
    assert_eq!(failed_ids(&r.report), ["signature", "exp"]);
}

#[test]
fn es256_and_eddsa_tokens_verify_and_the_sample_config_refuses_es256_after_the_signature() {
    let set = keys("bench/jwks.json");
    let std_opts = VerifyOptions::standard(now(), StandardOptions::default());
    for (file, alg) in
        [("bench/es256.jwt", Algorithm::ES256), ("bench/eddsa.jwt", Algorithm::EdDSA)]
    {
        let v = verify(sample(file).trim(), &set, &std_opts).unwrap();
        assert_eq!(v.key.alg, alg);
    }
    // config.json allows RS256 and EdDSA only (Nomad's tutorial).
    let r = verify(sample("bench/es256.jwt").trim(), &set, &vault_opts(now())).unwrap_err();
    assert_eq!(r.error.code(), Code::JwsAlgNotAllowed);
    let order = ids(&r.report);
    assert_eq!(order.last(), Some(&"alg"));
    let sig = order.iter().position(|i| *i == "signature").unwrap();
    assert!(sig < order.len() - 1);
    assert!(verify(sample("bench/eddsa.jwt").trim(), &set, &vault_opts(now())).is_ok());
}

#[test]
fn jwks_pairs_requires_a_kid() {
    use base64::Engine as _;
    let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let token = sample("token.jwt");
    let parts: Vec<&str> = token.trim().split('.').collect();
    let header = b64.encode(br#"{"alg":"RS256","typ":"JWT"}"#);
    let no_kid = format!("{header}.{}.{}", parts[1], parts[2]);
    let mut opts = vault_opts(now());
    if let jwtgate::Profile::Vault(v) = &mut opts.profile {
        v.config = VaultConfig::from_json(
            br#"{"jwks_pairs":[{"jwks_url":"https://a/jwks"}]}"#,
            &Limits::default(),
        )
        .unwrap();
    }
    let mut calls = Vec::new();
    let r = verify_with(&no_kid, &opts, Mode::FailFast, accept(&mut calls)).unwrap_err();
    assert_eq!(r.error.code(), Code::JwsHeaderInvalid);
    assert!(r
        .error
        .to_string()
        .starts_with("error validating token: token missing kid header parameter"));
    assert!(calls.is_empty());
    // With jwks_url the same token is fine (every key is tried).
    let mut calls = Vec::new();
    assert!(verify_with(&no_kid, &vault_opts(now()), Mode::FailFast, accept(&mut calls)).is_ok());
}
