//! Replays `tests/vectors/inspect/cases.json` (format in that folder's README) through the
//! tolerant, unverified `inspect` decode, and feeds the adversarial corpus through it to check
//! that it never fails and agrees with the strict parser.

use jwtgate::Limits;
use jwtgate::{inspect, Note, NOTICE};
use serde::Deserialize;
use serde_json::Value;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Case {
    name: String,
    why: String,
    input: String,
    token: String,
    tolerated: Vec<String>,
    warnings: Vec<String>,
    strict_code: Option<String>,
    // `Some(Value::Null)` means "must be absent"; a missing field is not checked.
    #[serde(default, deserialize_with = "present")]
    header: Option<Value>,
    #[serde(default, deserialize_with = "present")]
    payload: Option<Value>,
    #[serde(default, deserialize_with = "present")]
    signature: Option<Value>,
    #[serde(default)]
    segment_status: Option<Vec<String>>,
}

/// Distinguishes `"field": null` (checked: must be absent) from a missing field (unchecked).
fn present<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Value>, D::Error> {
    Value::deserialize(d).map(Some)
}

const CASES: &str = include_str!("vectors/inspect/cases.json");
const ADVERSARIAL: &str = include_str!("vectors/adversarial/tokens.json");

fn codes(notes: &[Note]) -> Vec<String> {
    let mut c: Vec<String> = notes.iter().map(|n| n.code.to_string()).collect();
    c.sort();
    c.dedup();
    c
}

fn opt(v: &Option<Value>) -> Value {
    v.clone().unwrap_or(Value::Null)
}

#[test]
fn inspect_vectors() {
    let cases: Vec<Case> = serde_json::from_str(CASES).unwrap();
    assert!(cases.len() >= 40, "the corpus shrank to {}", cases.len());
    let limits = Limits::default();
    let mut failures = Vec::new();
    for case in &cases {
        assert!(!case.why.is_empty(), "{}: `why` is empty", case.name);
        let got = inspect(&case.input, &limits);
        let mut fail = |what: &str, want: String, got: String| {
            failures.push(format!("{}: {what}: expected {want}, got {got}", case.name));
        };
        if got.notice != NOTICE {
            fail("notice", NOTICE.into(), got.notice.into());
        }
        if got.token != case.token {
            fail("token", case.token.clone(), got.token.clone());
        }
        if codes(&got.tolerated) != case.tolerated {
            fail("tolerated", format!("{:?}", case.tolerated), format!("{:?}", got.tolerated));
        }
        if codes(&got.warnings) != case.warnings {
            fail("warnings", format!("{:?}", case.warnings), format!("{:?}", got.warnings));
        }
        let strict = got.strict_error.as_ref().map(|e| e.code.as_str().to_string());
        if strict != case.strict_code {
            fail(
                "strict_code",
                format!("{:?}", case.strict_code),
                format!("{:?}", got.strict_error),
            );
        }
        if let Some(want) = &case.header {
            if *want != opt(&got.header) {
                fail("header", want.to_string(), opt(&got.header).to_string());
            }
        }
        if let Some(want) = &case.payload {
            if *want != opt(&got.payload) {
                fail("payload", want.to_string(), opt(&got.payload).to_string());
            }
        }
        if let Some(want) = &case.signature {
            let sig = got.signature.clone().map_or(Value::Null, Value::String);
            if *want != sig {
                fail("signature", want.to_string(), sig.to_string());
            }
        }
        if let Some(want) = &case.segment_status {
            let statuses: Vec<String> = got
                .segments
                .iter()
                .map(|s| serde_json::to_value(s.status).unwrap().as_str().unwrap().to_string())
                .collect();
            if *want != statuses {
                fail("segment_status", format!("{want:?}"), format!("{statuses:?}"));
            }
        }
        for s in &got.segments {
            if got.token.get(s.start..s.end) != Some(s.text.as_str()) {
                failures
                    .push(format!("{}: segment range {}..{} is wrong", case.name, s.start, s.end));
            }
        }
        // The notice itself says "nothing here means the token is valid"; nothing else may.
        let text = serde_json::to_string(&got).unwrap().replace(NOTICE, "");
        if text.contains("\"valid\"") || text.contains("is valid") {
            failures.push(format!("{}: output claims validity", case.name));
        }
    }
    assert!(failures.is_empty(), "{} failure(s):\n{}", failures.len(), failures.join("\n"));
}

#[derive(Deserialize)]
struct Adversarial {
    name: String,
    token: String,
    code: Option<String>,
}

#[test]
fn adversarial_tokens_are_inspected_never_refused() {
    let cases: Vec<Adversarial> = serde_json::from_str(ADVERSARIAL).unwrap();
    let limits = Limits::default();
    for case in &cases {
        let got = inspect(&case.token, &limits);
        assert_eq!(got.notice, NOTICE, "{}", case.name);
        // When inspect had nothing to clean, it must report exactly the strict parser's answer.
        if got.token == case.token {
            let strict = got.strict_error.as_ref().map(|e| e.code.as_str().to_string());
            assert_eq!(strict, case.code, "{}", case.name);
        }
        // Refused tokens always leave a trace: a warning, a tolerance or a strict error.
        if case.code.is_some() {
            assert!(
                !got.warnings.is_empty() || !got.tolerated.is_empty() || got.strict_error.is_some(),
                "{}: refused by the parser but inspect reports nothing",
                case.name
            );
        }
    }
}
