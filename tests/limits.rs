//! Every recursive reader at and beyond its fixed depth cap, with `limits` raised far above it
//! (`tests/vectors/limits/max-depth.json`), run on a thread with a 1 MiB stack: the smallest
//! stack jwtgate runs on (the wasm module's). Each case must end in a typed answer; a stack
//! overflow aborts this test binary. `pkg/test/limits-max.test.mjs` runs the same cases through
//! the wasm build in Node.
//!
//! Also: `inspect` (which reads what the strict readers refuse) on the deepest tokens, and an
//! ACL built from a chain of nested path prefixes (a radix tree as deep as it has rules).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::std_instead_of_core,
    clippy::std_instead_of_alloc
)]

mod support;

use jwtgate::__internal as b64;
use jwtgate::parse_policy;
use jwtgate::{parse_compact, KeySet};
use jwtgate::{Code, Limits};
use jwtgate::{VaultConfig, VaultRole};
use serde_json::Value;

const STACK: usize = 1024 * 1024;

/// Runs `f` on a fresh thread with a 1 MiB stack and returns its result.
fn on_small_stack<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    std::thread::Builder::new().stack_size(STACK).spawn(f).unwrap().join().unwrap()
}

fn vectors() -> Value {
    let path = support::vectors_dir().join("limits").join("max-depth.json");
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn raised(doc: &Value) -> Limits {
    serde_json::from_value(doc["limits"].clone()).unwrap()
}

/// `before + open × repeat + inner + close × repeat + after`.
fn build(case: &Value) -> String {
    let s = |k: &str| case[k].as_str().unwrap();
    let n = usize::try_from(case["repeat"].as_u64().unwrap()).unwrap();
    let mut out = String::from(s("before"));
    out.push_str(&s("open").repeat(n));
    out.push_str(s("inner"));
    out.push_str(&s("close").repeat(n));
    out.push_str(s("after"));
    out
}

fn token(header: &str, claims: &str) -> String {
    format!("{}.{}.c2ln", b64::encode(header.as_bytes()), b64::encode(claims.as_bytes()))
}

/// Reads `text` as the case's kind of document: `Ok(())` or the error's code and message.
fn read(doc: &str, text: &str, limits: &Limits) -> Result<(), (Code, String)> {
    fn e<E: std::fmt::Display>(code: Code, err: E) -> (Code, String) {
        (code, err.to_string())
    }
    match doc {
        "policy" => parse_policy("deep", text, limits).map(drop).map_err(|x| e(x.code(), x)),
        "claims" => parse_compact(&token(r#"{"alg":"EdDSA"}"#, text), limits)
            .map(drop)
            .map_err(|x| e(x.code(), x)),
        "header" => parse_compact(&token(text, "{}"), limits).map(drop).map_err(|x| e(x.code(), x)),
        "jwks" => KeySet::from_jwks(text.as_bytes(), limits).map(drop).map_err(|x| e(x.code(), x)),
        "role" => {
            VaultRole::from_json(text.as_bytes(), limits).map(drop).map_err(|x| e(x.code(), x))
        }
        "config" => {
            VaultConfig::from_json(text.as_bytes(), limits).map(drop).map_err(|x| e(x.code(), x))
        }
        "trust_policy" => {
            jwtgate::parse_trust_policy(text, limits).map(drop).map_err(|x| e(x.code(), x))
        }
        other => panic!("unknown document kind {other:?}"),
    }
}

#[test]
fn every_reader_at_and_beyond_its_cap_on_a_1_mib_stack() {
    let doc = vectors();
    let limits = raised(&doc);
    assert_eq!(limits.max_json_depth, 1_000_000_000, "the vectors raise the configured limit");
    let cases = doc["cases"].as_array().unwrap().clone();
    assert!(cases.len() >= 40);
    let failures = on_small_stack(move || {
        let mut failures = Vec::new();
        for case in &cases {
            let id = case["id"].as_str().unwrap();
            let text = build(case);
            let got = read(case["doc"].as_str().unwrap(), &text, &limits);
            match (&case["expect"], &got) {
                (Value::String(w), Err((Code::LimitExceeded, m))) if w == "within" => {
                    failures.push(format!("{id}: refused at the cap: {m}"));
                }
                (Value::String(_), _) => {}
                (want, Ok(())) => failures.push(format!("{id}: accepted, expected {want}")),
                (want, Err((code, message))) => {
                    let code_ok = want["code"].as_str() == Some(code.as_str());
                    let text_ok = message.contains(want["message_contains"].as_str().unwrap());
                    if !code_ok || !text_ok {
                        failures.push(format!("{id}: got {code:?} {message:?}, expected {want}"));
                    }
                }
            }
        }
        failures
    });
    assert!(failures.is_empty(), "{failures:#?}");
}

/// The message names the cap and where: the document, and for HCL the line and column.
#[test]
fn messages_name_the_cap_and_where() {
    let limits = raised(&vectors());
    let text = format!("path \"a\" {{\n  capabilities = {}\n}}", "[".repeat(7000));
    let e = on_small_stack(move || parse_policy("deep", &text, &limits).unwrap_err());
    assert_eq!(e.code(), Code::LimitExceeded);
    let shown = e.to_string();
    let (first, snippet) = shown.split_once('\n').unwrap();
    assert_eq!(
        first,
        "failed to parse policy \"deep\": at 2:41: nesting deeper than 24 levels, jwtgate's \
         fixed cap on HCL nesting (raising limits.maxJsonDepth does not lift it)"
    );
    // The 7,000-character line is clipped to 40 characters around the column (here the
    // column is near the start, so only its end is cut).
    let (line, caret) = snippet.split_once('\n').unwrap();
    assert_eq!(line, format!("  capabilities = {}…", "[".repeat(64)));
    assert_eq!(caret, format!("{}^", " ".repeat(40)));
}

/// `inspect` reads what the strict readers refuse, with serde_json's own recursion limit.
#[test]
fn inspect_reads_the_deepest_tokens_without_overflowing() {
    for depth in [100, 127, 128, 7000, 100_000] {
        let claims = format!("{{\"deep\":{}{}}}", "[".repeat(depth), "]".repeat(depth));
        let t = token(r#"{"alg":"EdDSA"}"#, &claims);
        let out = on_small_stack(move || {
            let i = jwtgate::inspect(&t, &Limits::default());
            serde_json::to_string(&i).unwrap().len()
        });
        assert!(out > 0);
    }
}

/// A chain of nested path prefixes makes a radix tree as deep as it has rules; building,
/// querying and dropping the ACL must not recurse per level.
#[test]
fn a_deep_chain_of_prefix_rules_on_a_1_mib_stack() {
    let n = 3000;
    let mut text = String::new();
    for i in 1..=n {
        text.push_str(&format!("path \"{}*\" {{ capabilities = [\"read\"] }}\n", "a".repeat(i)));
    }
    let limits = Limits { max_document_len: 64 << 20, ..Limits::default() };
    let allowed = on_small_stack(move || {
        let policy = parse_policy("chain", &text, &limits).unwrap();
        let ctx = jwtgate::TemplateContext::default();
        let authz = jwtgate::Authorizer::new(&[policy], &ctx);
        let req = jwtgate::Request::new("a".repeat(n + 5), jwtgate::Operation::Read);
        authz.authorize(&req).allowed
    });
    assert!(allowed);
}
