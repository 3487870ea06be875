//! Tokens minted by PyJWT and panva `jose` (`tests/vectors/minted/tokens.json`), verified
//! against `jwks.json` twice: at the signature layer (`parse_compact` + `verify_signature`) and
//! end to end through `verify::verify` with the standard profile at the file's `now`, with the
//! issuer and audience of the file's claims. Both must give the case's `expect`.

#![allow(clippy::unwrap_used, clippy::std_instead_of_alloc, clippy::std_instead_of_core)]

use std::path::Path;

use jwtgate::StandardOptions;
use jwtgate::{parse_compact, verify_signature, KeySet};
use jwtgate::{verify, VerifyOptions};
use jwtgate::{Limits, UnixTime};
use serde_json::Value;

#[test]
fn minted_tokens() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/vectors/minted");
    let doc: Value =
        serde_json::from_slice(&std::fs::read(dir.join("tokens.json")).unwrap()).unwrap();
    let jwks = std::fs::read(dir.join(doc["jwks"].as_str().unwrap())).unwrap();
    let limits = Limits::default();
    let keys = KeySet::from_jwks(&jwks, &limits).unwrap();
    assert!(keys.skipped.is_empty(), "{:?}", keys.skipped);

    let claims = &doc["claims"];
    let opts = VerifyOptions::standard(
        UnixTime(doc["now"].as_i64().unwrap()),
        StandardOptions {
            issuer: vec![claims["iss"].as_str().unwrap().into()],
            audience: vec![claims["aud"][0].as_str().unwrap().into()],
            ..StandardOptions::default()
        },
    );

    let cases = doc["cases"].as_array().unwrap();
    let mut by = std::collections::BTreeMap::<&str, usize>::new();
    for case in cases {
        let id = case["id"].as_str().unwrap();
        *by.entry(case["minted_by"].as_str().unwrap()).or_default() += 1;
        let token = case["token"].as_str().unwrap();
        let expect = &case["expect"];
        let parsed = parse_compact(token, &limits).unwrap_or_else(|e| panic!("{id}: {e}"));
        assert_eq!(parsed.header.alg.as_str(), case["alg"].as_str().unwrap(), "{id}");
        let sig = verify_signature(
            parsed.header.alg,
            parsed.header.kid.as_deref(),
            parsed.signing_input,
            &parsed.signature,
            &keys,
        );
        let full = verify(token, &keys, &opts);
        if expect["valid"].as_bool().unwrap() {
            let key = sig.unwrap_or_else(|e| panic!("{id}: {e}"));
            assert_eq!(key.kid.as_deref(), expect["kid"].as_str(), "{id}");
            let verified = full.unwrap_or_else(|r| panic!("{id}: {}", r.error));
            assert_eq!(verified.key.kid.as_deref(), expect["kid"].as_str(), "{id}");
        } else {
            let code = expect["code"].as_str().unwrap();
            let err = sig.err().unwrap_or_else(|| panic!("{id}: verified"));
            assert_eq!(err.code().as_str(), code, "{id}: {err}");
            let rejected = full.err().unwrap_or_else(|| panic!("{id}: verified end to end"));
            assert_eq!(rejected.error.code().as_str(), code, "{id}: {}", rejected.error);
        }
    }
    // Both independent minters are represented, each with all ten algorithms.
    assert!(by["pyjwt"] >= 10 && by["jose"] >= 10, "{by:?}");
}
