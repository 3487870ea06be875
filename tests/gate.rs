//! The gate conformance corpus (`tests/vectors/gate/`, format in its README) through the native
//! gate: every case's decision must equal its `decision` golden byte for byte, and agree with
//! the hand-written `expect`. Remote keys are served from the case's `fetches`, in order, through
//! the core's `Keyring`.
//!
//! `JWTGATE_BLESS=1 cargo test --test gate` writes the goldens; then
//! `python3 tests/vectors/gate/generate.py` lays the files out again (review the diff).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::fs;
use std::path::{Path, PathBuf};

use jwtgate::{Gate, GateRequest, Keyring, Verdict};
use serde_json::Value;

fn cases() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/vectors/gate");
    let mut out = Vec::new();
    for group in fs::read_dir(&root).expect("tests/vectors/gate") {
        let group = group.unwrap().path();
        if !group.is_dir() {
            continue;
        }
        for f in fs::read_dir(&group).unwrap() {
            let f = f.unwrap().path();
            if f.extension().is_some_and(|e| e == "json") {
                out.push(f);
            }
        }
    }
    out.sort();
    out
}

/// `s` with `$TOKEN` replaced.
fn fill(s: &str, token: Option<&str>) -> String {
    match token {
        Some(t) => s.replace("$TOKEN", t),
        None => s.to_string(),
    }
}

/// A case's request as a `GateRequest`.
fn request(case: &Value) -> GateRequest {
    let token = case["token"].as_str();
    let r = &case["request"];
    GateRequest {
        method: r["method"].as_str().unwrap_or("GET").to_string(),
        path: fill(r["path"].as_str().unwrap(), token),
        headers: r["headers"]
            .as_array()
            .map(|list| {
                list.iter()
                    .map(|h| {
                        let k = h[0].as_str().unwrap().to_string();
                        (k, fill(h[1].as_str().unwrap(), token))
                    })
                    .collect()
            })
            .unwrap_or_default(),
    }
}

/// Decides a case, serving its fetches to the key ring while the gate waits for keys.
fn decide(case: &Value) -> jwtgate::Decision {
    let config = serde_json::to_vec(&case["config"]).unwrap();
    let mut gate = Gate::from_json(&config).unwrap_or_else(|e| panic!("config: {e}"));
    let mut keys: Keyring = gate.keyring();
    let now_ms = case["now"].as_u64().unwrap() * 1000;
    let req = request(case);
    let mut fetches = case["fetches"].as_array().cloned().unwrap_or_default().into_iter();
    for _ in 0..10 {
        let d = gate.decide(&req, &mut keys, now_ms);
        if d.verdict() != Verdict::Wait {
            assert!(fetches.next().is_none(), "fetches left unused");
            return d;
        }
        let fetch =
            keys.poll_fetch(now_ms).expect("the gate waits but the key ring asks for nothing");
        let served = fetches.next().expect("the key ring asks for more fetches than the case has");
        let status = served["status"].as_u64().unwrap() as u16;
        let body = served["body"].as_str().unwrap();
        keys.on_response(fetch.provider, fetch.request.id, status, body.as_bytes(), now_ms);
    }
    panic!("still waiting after 10 fetches");
}

/// JSON text without the whitespace outside strings (the golden as one line, members in file
/// order, escapes as written).
fn minify(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let (mut in_string, mut escaped) = (false, false);
    for c in text.chars() {
        if in_string {
            out.push(c);
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == '"' {
                in_string = false;
            }
        } else if c == '"' {
            in_string = true;
            out.push(c);
        } else if !c.is_whitespace() {
            out.push(c);
        }
    }
    out
}

const DECISION: &str = "\n  \"decision\": ";

/// The `decision` member's text (the file's last member) and the file without it.
fn split_golden(text: &str) -> (String, Option<String>) {
    match text.find(DECISION) {
        Some(at) => {
            let head = text[..at].trim_end_matches(',').to_string();
            let rest = text[at + DECISION.len()..].trim_end();
            let golden = rest.strip_suffix('}').unwrap_or(rest);
            (head, Some(minify(golden)))
        }
        None => (text.trim_end().strip_suffix('}').unwrap_or(text).trim_end().to_string(), None),
    }
}

/// The hand-written expectation: `verdict`, `status`, `code`, and where given the upstream
/// `set` / `remove` / `path` and the ids of the checks `also_failing`.
fn check_expect(name: &str, expect: &Value, decision: &Value) {
    for member in ["verdict", "status", "code"] {
        if let Some(v) = expect.get(member) {
            assert_eq!(decision.get(member), Some(v), "{name}: {member}");
        }
    }
    if expect.get("code").is_none() {
        assert!(decision.get("code").is_none(), "{name}: unexpected code");
    }
    for member in ["set", "remove", "path"] {
        if let Some(v) = expect.get(member) {
            assert_eq!(decision["upstream"].get(member), Some(v), "{name}: upstream {member}");
        }
    }
    if let Some(ids) = expect.get("also_failing") {
        let got: Vec<Value> = decision["also_failing"]
            .as_array()
            .map(|a| a.iter().map(|c| c["id"].clone()).collect())
            .unwrap_or_default();
        assert_eq!(&Value::Array(got), ids, "{name}: also_failing");
    }
    // What every answer must show: a refusal's reply carries its code; a forward carries no
    // reply; a failing check is never reported beside an allow.
    match decision["verdict"].as_str() {
        Some("deny") => {
            let body: Value =
                serde_json::from_str(decision["reply"]["body"].as_str().unwrap()).unwrap();
            assert_eq!(body["code"], decision["code"], "{name}: reply body code");
            assert_eq!(decision["reply"]["status"], decision["status"], "{name}: reply status");
        }
        Some("allow") => {
            assert!(decision.get("reply").is_none(), "{name}");
            let failing = decision["checks"]
                .as_array()
                .is_some_and(|c| c.iter().any(|c| c["outcome"] == "fail"));
            assert!(!failing, "{name}: allowed with a failing check");
        }
        _ => assert!(decision.get("reply").is_none(), "{name}"),
    }
}

#[test]
fn every_case_decides_as_its_golden() {
    let bless = std::env::var_os("JWTGATE_BLESS").is_some();
    let all = cases();
    assert!(all.len() >= 60, "the corpus has {} cases", all.len());
    let mut missing = Vec::new();
    let mut wrong = Vec::new();
    for path in &all {
        let name = path.strip_prefix(env!("CARGO_MANIFEST_DIR")).unwrap().display().to_string();
        let text = fs::read_to_string(path).unwrap();
        let case: Value = serde_json::from_str(&text).unwrap();
        let d = decide(&case);
        let json = d.to_json();
        let parsed: Value = serde_json::from_str(&json).unwrap();
        let checked = std::panic::catch_unwind(|| check_expect(&name, &case["expect"], &parsed));
        if checked.is_err() {
            wrong.push(name.clone());
            continue;
        }
        let (head, golden) = split_golden(&text);
        if bless {
            if golden.as_deref() != Some(json.as_str()) {
                fs::write(path, format!("{head},{DECISION}{json}\n}}\n")).unwrap();
            }
            continue;
        }
        match golden {
            Some(g) if g == json => {}
            Some(g) => {
                eprintln!(
                    "{name}: the decision differs from its golden\n  got:    {json}\n  golden: {g}"
                );
                wrong.push(name);
            }
            None => missing.push(name),
        }
    }
    assert!(wrong.is_empty(), "decisions that contradict their expect: {wrong:?}");
    assert!(
        missing.is_empty(),
        "no golden in {missing:?}: JWTGATE_BLESS=1 cargo test --test gate, then \
         python3 tests/vectors/gate/generate.py"
    );
}

#[test]
fn the_first_failure_is_the_verdict_and_the_rest_are_also_failing() {
    for path in cases() {
        let case: Value = serde_json::from_str(&fs::read_to_string(&path).unwrap()).unwrap();
        let d: Value = serde_json::from_str(&decide(&case).to_json()).unwrap();
        let Some(checks) = d["checks"].as_array() else { continue };
        let failing: Vec<&Value> = checks.iter().filter(|c| c["outcome"] == "fail").collect();
        if let Some(first) = failing.first() {
            if d["status"] == 401 {
                assert_eq!(first["code"], d["code"], "{}", path.display());
            }
            let also = d["also_failing"].as_array().cloned().unwrap_or_default();
            assert_eq!(also.len(), failing.len() - 1, "{}", path.display());
        }
    }
}
