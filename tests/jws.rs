//! RFC JWS vectors (`tests/vectors/jws/rfc.json`): each token's signature is checked over its
//! signing input with `jose::verify_signature`, exactly as the verification pipeline does.
//! Tokens whose payload is a JSON object also go through `jose::parse_compact`, which must
//! agree with the plain split on the signing input and the signature.

#![allow(clippy::unwrap_used, clippy::std_instead_of_alloc, clippy::std_instead_of_core)]

use std::path::Path;

use jwtgate::Limits;
use jwtgate::{jwks_to_pem, parse_compact, verify_signature, Algorithm, KeySet};
use serde_json::Value;

fn b64(s: &str) -> Vec<u8> {
    jwtgate::__internal::decode_strict(s).unwrap()
}

/// DER `SEQUENCE { INTEGER r, INTEGER s }` from a raw `r||s` signature.
fn der_signature(raw: &[u8]) -> Vec<u8> {
    fn int(bytes: &[u8]) -> Vec<u8> {
        let mut v: Vec<u8> = bytes.iter().copied().skip_while(|b| *b == 0).collect();
        if v.first().is_none_or(|b| b & 0x80 != 0) {
            v.insert(0, 0);
        }
        let mut out = vec![0x02];
        out.extend(len(v.len()));
        out.extend(v);
        out
    }
    fn len(n: usize) -> Vec<u8> {
        if n < 0x80 {
            vec![n as u8]
        } else {
            vec![0x81, n as u8]
        }
    }
    let (r, s) = raw.split_at(raw.len() / 2);
    let body: Vec<u8> = [int(r), int(s)].concat();
    let mut out = vec![0x30];
    out.extend(len(body.len()));
    out.extend(body);
    out
}

fn key_set(case: &Value, limits: &Limits) -> KeySet {
    if let Some(jwks) = case.get("jwks").filter(|j| !j.is_null()) {
        return KeySet::from_jwks(jwks.to_string().as_bytes(), limits).unwrap();
    }
    let source = case["pem_of"].to_string();
    let converted = jwks_to_pem(source.as_bytes(), limits).unwrap();
    assert!(converted.skipped.is_empty());
    let pems: Vec<&str> = converted.keys.iter().map(|k| k.pem.as_str()).collect();
    KeySet::from_pem(&pems, limits).unwrap()
}

#[test]
fn rfc_jws_vectors() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/vectors/jws/rfc.json");
    let doc: Value = serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap();
    let limits = Limits::default();
    let cases = doc["cases"].as_array().unwrap();
    assert!(cases.len() >= 6);
    for case in cases {
        let id = case["id"].as_str().unwrap();
        let token = case["token"].as_str().unwrap();
        let expect = &case["expect"];
        let keys = key_set(case, &limits);
        assert!(keys.skipped.is_empty(), "{id}: skipped keys {:?}", keys.skipped);

        let segments: Vec<&str> = token.split('.').collect();
        assert_eq!(segments.len(), 3, "{id}");
        let header: Value = serde_json::from_slice(&b64(segments[0])).unwrap();
        let alg = Algorithm::from_name(header["alg"].as_str().unwrap()).unwrap();
        assert_eq!(alg.as_str(), case["alg"].as_str().unwrap(), "{id}: alg");
        let kid = header.get("kid").and_then(Value::as_str);
        let signing_input = &token[..segments[0].len() + 1 + segments[1].len()];
        let signature = b64(segments[2]);

        if expect["json_payload"] == Value::Bool(true) {
            let parsed = parse_compact(token, &limits).unwrap();
            assert_eq!(parsed.signing_input, signing_input.as_bytes(), "{id}");
            assert_eq!(parsed.signature, signature, "{id}");
            assert_eq!(parsed.header.alg, alg, "{id}");
        }

        let result = verify_signature(alg, kid, signing_input.as_bytes(), &signature, &keys);
        if alg.as_str().starts_with("ES") && expect["valid"] == Value::Bool(true) {
            // The same (r, s) as an ASN.1 DER SEQUENCE (what OpenSSL and Go's ecdsa.SignASN1
            // produce) must be refused: JWS carries raw r||s only (RFC 7518 §3.4).
            let der = der_signature(&signature);
            let e = verify_signature(alg, kid, signing_input.as_bytes(), &der, &keys).unwrap_err();
            assert_eq!(e.code().as_str(), "ERR_JWS_SIGNATURE_INVALID", "{id}: DER accepted");
        }
        if expect["valid"].as_bool().unwrap() {
            let key = result.unwrap_or_else(|e| panic!("{id}: expected valid, got {e}"));
            if let Some(tp) = expect.get("thumbprint") {
                assert_eq!(key.thumbprint, tp.as_str().unwrap(), "{id}: thumbprint");
            }
            if let Some(k) = expect.get("kid") {
                assert_eq!(key.kid.as_deref(), k.as_str(), "{id}: kid");
            }
        } else {
            let err = result.err().unwrap_or_else(|| panic!("{id}: expected failure"));
            assert_eq!(err.code().as_str(), expect["code"].as_str().unwrap(), "{id}: {err}");
        }
    }
}

/// Token text Vault accepts and RFC 7515 does not (`tests/vectors/jws/token-text.json`): the
/// standard profile refuses each with its code; the Vault profile reads it as go-jose does
/// (whitespace removed, non-canonical trailing bits ignored, signature checked over the
/// re-encoded segments) and says so in a `token_text` note.
#[test]
fn token_text_vectors() {
    use jwtgate::StandardOptions;
    use jwtgate::UnixTime;
    use jwtgate::{verify, VerifyOptions};
    use jwtgate::{VaultConfig, VaultRole};

    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/vectors/jws/token-text.json");
    let doc: Value = serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap();
    let limits = Limits::default();
    let d = &doc["defaults"];
    let keys = KeySet::from_jwks(d["jwks"].to_string().as_bytes(), &limits).unwrap();
    let now = UnixTime(d["now"].as_i64().unwrap());
    let std_opts: StandardOptions = serde_json::from_value(d["standard_options"].clone()).unwrap();
    let role = VaultRole::from_json(d["role"].to_string().as_bytes(), &limits).unwrap();
    let config = VaultConfig::from_json(d["config"].to_string().as_bytes(), &limits).unwrap();
    let profiles = [
        ("standard", VerifyOptions::standard(now, std_opts)),
        ("vault", VerifyOptions::vault(now, role, d["role_name"].as_str().unwrap(), config)),
    ];
    let mut count = 0;
    for case in doc["cases"].as_array().unwrap() {
        let id = case["id"].as_str().unwrap();
        let token = case["token"].as_str().unwrap();
        for (name, opts) in &profiles {
            let expect = &case["expect"][*name];
            let ctx = format!("{id} ({name})");
            let (report, outcome) = match verify(token, &keys, opts) {
                Ok(v) => (v.report, Ok(())),
                Err(r) => (r.report, Err(r.error)),
            };
            let note = report.checks.iter().find(|c| c.id == "token_text");
            if expect["ok"].as_bool() == Some(true) {
                assert!(outcome.is_ok(), "{ctx}: {outcome:?}");
                match expect.get("note_contains").and_then(Value::as_str) {
                    Some(n) => {
                        let note = note.unwrap_or_else(|| panic!("{ctx}: no token_text note"));
                        assert!(note.message.contains(n), "{ctx}: {}", note.message);
                    }
                    None => assert!(note.is_none(), "{ctx}: unexpected note {note:?}"),
                }
            } else {
                let e = outcome.expect_err(&ctx);
                assert_eq!(e.code().as_str(), expect["code"].as_str().unwrap(), "{ctx}: {e}");
                if let Some(m) = expect.get("message_contains").and_then(Value::as_str) {
                    assert!(e.to_string().contains(m), "{ctx}: {e}");
                }
                assert!(note.is_none(), "{ctx}: a refused token has no token_text note");
            }
            count += 1;
        }
    }
    assert_eq!(count, 28);
}
