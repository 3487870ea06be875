//! Key-parsing and key-selection vectors (`tests/vectors/keys/`): `jwks.json` and `pem.json`
//! check which keys are usable (kid, kty, crv, alg, RFC 7638 thumbprint computed independently
//! by the generator) and which are skipped with which code; `selection.json` checks which key
//! `verify_signature` picks, or which error wins.

#![allow(clippy::unwrap_used, clippy::std_instead_of_alloc, clippy::std_instead_of_core)]

use std::path::Path;

use jwtgate::{parse_compact, verify_signature, KeyOrigin, KeySet, VerifyingKey};
use jwtgate::{Error, Limits};
use serde_json::Value;

fn load(name: &str) -> Vec<Value> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/vectors/keys").join(name);
    let doc: Value = serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap();
    doc["cases"].as_array().unwrap().clone()
}

fn position(k: &VerifyingKey) -> u64 {
    match k.origin {
        KeyOrigin::Jwk { index } | KeyOrigin::Pem { index, .. } => index as u64,
    }
}

fn check_set(id: &str, result: Result<KeySet, Error>, expect: &Value) {
    if let Some(code) = expect.get("error") {
        let err = result.err().unwrap_or_else(|| panic!("{id}: loaded"));
        assert_eq!(err.code().as_str(), code.as_str().unwrap(), "{id}: {err}");
        return;
    }
    let set = result.unwrap_or_else(|e| panic!("{id}: {e}"));
    let keys = expect["keys"].as_array().unwrap();
    assert_eq!(set.keys.len(), keys.len(), "{id}: usable keys; skipped {:?}", set.skipped);
    for (got, want) in set.keys.iter().zip(keys) {
        assert_eq!(got.kid.as_deref(), want["kid"].as_str(), "{id}: kid");
        assert_eq!(got.kty.as_str(), want["kty"].as_str().unwrap(), "{id}: kty");
        assert_eq!(got.key.curve(), want.get("crv").and_then(Value::as_str), "{id}: crv");
        assert_eq!(
            got.alg.map(|a| a.as_str()),
            want.get("alg").and_then(Value::as_str),
            "{id}: alg"
        );
        assert_eq!(got.thumbprint, want["thumbprint"].as_str().unwrap(), "{id}: thumbprint");
    }
    let skipped = expect["skipped"].as_array().unwrap();
    let got: Vec<(u64, Option<&str>, &str)> = set
        .skipped
        .iter()
        .map(|s| (s.index as u64, s.kid.as_deref(), s.reason.code().as_str()))
        .collect();
    let want: Vec<(u64, Option<&str>, &str)> = skipped
        .iter()
        .map(|s| (s["index"].as_u64().unwrap(), s["kid"].as_str(), s["code"].as_str().unwrap()))
        .collect();
    assert_eq!(got, want, "{id}: skipped (reasons: {:?})", set.skipped);
    // Every skip reason explains itself without leaking key material.
    for s in &set.skipped {
        let text = s.reason.to_string();
        assert!(!text.is_empty() && text.len() < 300, "{id}: {text}");
    }
}

#[test]
fn jwks_parsing() {
    let limits = Limits::default();
    let cases = load("jwks.json");
    assert!(cases.len() >= 10);
    for case in &cases {
        let id = case["id"].as_str().unwrap();
        let bytes = match case.get("jwks_text") {
            Some(t) => t.as_str().unwrap().as_bytes().to_vec(),
            None => case["jwks"].to_string().into_bytes(),
        };
        check_set(id, KeySet::from_jwks(&bytes, &limits).map_err(Into::into), &case["expect"]);
    }
}

#[test]
fn pem_parsing() {
    let limits = Limits::default();
    for case in &load("pem.json") {
        let id = case["id"].as_str().unwrap();
        let pems: Vec<&str> =
            case["pems"].as_array().unwrap().iter().map(|p| p.as_str().unwrap()).collect();
        check_set(id, KeySet::from_pem(&pems, &limits).map_err(Into::into), &case["expect"]);
    }
}

#[test]
fn pem_round_trip_preserves_keys() {
    // JWK -> SPKI PEM -> key gives the same key (same thumbprint) for every usable key.
    let limits = Limits::default();
    let all = &load("jwks.json")[0];
    let set = KeySet::from_jwks(all["jwks"].to_string().as_bytes(), &limits).unwrap();
    assert_eq!(set.keys.len(), 6, "every kind of key");
    for k in &set.keys {
        let pem = k.key.to_pem().unwrap();
        let back = KeySet::from_pem(&[&pem], &limits).unwrap();
        assert_eq!(back.keys.len(), 1, "{pem}");
        assert_eq!(back.keys[0].thumbprint, k.thumbprint);
    }
}

#[test]
fn selection() {
    let limits = Limits::default();
    for case in &load("selection.json") {
        let id = case["id"].as_str().unwrap();
        let keys = &case["keys"];
        let set = match keys.get("jwks") {
            Some(j) => KeySet::from_jwks(j.to_string().as_bytes(), &limits).unwrap(),
            None => {
                let pems: Vec<&str> =
                    keys["pems"].as_array().unwrap().iter().map(|p| p.as_str().unwrap()).collect();
                KeySet::from_pem(&pems, &limits).unwrap()
            }
        };
        let jws = parse_compact(case["token"].as_str().unwrap(), &limits).unwrap();
        let result = verify_signature(
            jws.header.alg,
            jws.header.kid.as_deref(),
            jws.signing_input,
            &jws.signature,
            &set,
        );
        let expect = &case["expect"];
        if expect.get("cofactorless_accepts") == Some(&Value::Bool(true)) {
            // The vector is only meaningful if a Go-like (cofactorless, non-strict) Ed25519
            // verifier accepts it: check with dalek's plain `verify`.
            use ed25519_dalek::Verifier as _;
            let x = keys["jwks"]["keys"][0]["x"].as_str().unwrap();
            let pk: [u8; 32] = jwtgate::__internal::decode_strict(x).unwrap().try_into().unwrap();
            let pk = ed25519_dalek::VerifyingKey::from_bytes(&pk).unwrap();
            let sig = ed25519_dalek::Signature::from_slice(&jws.signature).unwrap();
            assert!(
                pk.verify(jws.signing_input, &sig).is_ok(),
                "{id}: cofactorless verify rejects it"
            );
            assert!(pk.verify_strict(jws.signing_input, &sig).is_err(), "{id}");
        }
        if expect["valid"].as_bool().unwrap() {
            let key = result.unwrap_or_else(|e| panic!("{id}: {e}"));
            assert_eq!(position(key), expect["index"].as_u64().unwrap(), "{id}: which key");
        } else {
            let err = result.err().unwrap_or_else(|| panic!("{id}: verified"));
            assert_eq!(err.code().as_str(), expect["code"].as_str().unwrap(), "{id}: {err}");
            let text = err.to_string();
            for part in
                expect.get("message_contains").and_then(Value::as_array).into_iter().flatten()
            {
                assert!(text.contains(part.as_str().unwrap()), "{id}: {text:?} lacks {part}");
            }
        }
    }
}

#[test]
fn truncated_and_corrupted_inputs_never_panic() {
    // Every prefix and a byte flip at every position of one PEM bundle and one JWKS: loading
    // must return a set or a typed error, never panic (the DER and JSON parsers see every
    // partial structure).
    let limits = Limits::default();
    let pem_case = load("pem.json").into_iter().find(|c| c["id"] == "several-blocks").unwrap();
    let pem = pem_case["pems"][0].as_str().unwrap().to_string();
    let jwks = load("jwks.json")[0]["jwks"].to_string();
    for text in [&pem, &jwks] {
        let bytes = text.as_bytes();
        for cut in 0..bytes.len() {
            let prefix = String::from_utf8_lossy(&bytes[..cut]).into_owned();
            let _ = KeySet::from_pem(&[&prefix], &limits);
            let _ = KeySet::from_jwks(prefix.as_bytes(), &limits);
        }
        for i in (0..bytes.len()).step_by(3) {
            let mut b = bytes.to_vec();
            b[i] ^= 0x04;
            let flipped = String::from_utf8_lossy(&b).into_owned();
            if let Ok(set) = KeySet::from_pem(&[&flipped], &limits) {
                assert!(set.keys.len() + set.skipped.len() <= 3);
            }
            let _ = KeySet::from_jwks(flipped.as_bytes(), &limits);
        }
    }
}

#[test]
fn discovery_documents() {
    let limits = Limits::default();
    let cases = load("discovery.json");
    assert!(cases.len() >= 10);
    for case in &cases {
        let id = case["id"].as_str().unwrap();
        let doc = case["document"].as_str().unwrap();
        let result =
            jwtgate::parse_discovery(doc.as_bytes(), case["url"].as_str().unwrap(), &limits);
        let expect = &case["expect"];
        if expect["valid"].as_bool().unwrap() {
            let d = result.unwrap_or_else(|e| panic!("{id}: {e}"));
            assert_eq!(d.jwks_uri, expect["jwks_uri"].as_str().unwrap(), "{id}");
            let algs: Vec<&str> = d.algorithms.iter().map(|a| a.as_str()).collect();
            let want: Vec<&str> = expect["algorithms"]
                .as_array()
                .unwrap()
                .iter()
                .map(|a| a.as_str().unwrap())
                .collect();
            assert_eq!(algs, want, "{id}");
            let unsupported: Vec<&str> = expect["unsupported_algorithms"]
                .as_array()
                .unwrap()
                .iter()
                .map(|a| a.as_str().unwrap())
                .collect();
            assert_eq!(d.unsupported_algorithms, unsupported, "{id}");
            assert_eq!(
                d.warnings.len() as u64,
                expect["warnings"].as_u64().unwrap(),
                "{id}: {:?}",
                d.warnings
            );
        } else {
            let err = result.err().unwrap_or_else(|| panic!("{id}: accepted"));
            assert_eq!(err.code().as_str(), expect["code"].as_str().unwrap(), "{id}: {err}");
            let text = err.to_string();
            for part in
                expect.get("message_contains").and_then(Value::as_array).into_iter().flatten()
            {
                assert!(text.contains(part.as_str().unwrap()), "{id}: {text:?} lacks {part}");
            }
        }
    }
}
