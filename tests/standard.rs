//! Runs `tests/vectors/standard/*.json`: the RFC 7519 / jose-like `standard` claim profile.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::std_instead_of_alloc)]

mod support;

use jwtgate::claims::{standard, Mode, StandardOptions};
use jwtgate::report::Report;
use jwtgate::UnixTime;
use serde_json::{Map, Value};

use support::{patched, run_kind, Outcome};

fn run_case(defaults: &Map<String, Value>, case: &Map<String, Value>) -> Outcome {
    let opts_doc = patched(&defaults["options"], case.get("options_patch"));
    let opts: StandardOptions = serde_json::from_value(opts_doc).expect("options");
    let now = case.get("now").or(defaults.get("now")).and_then(Value::as_i64).unwrap();
    let claims = case["claims"].as_object().unwrap();
    let mut report = Report::default();
    let fast = standard::check(claims, &opts, UnixTime(now), Mode::FailFast, &mut report);
    let mut full = Report::default();
    let explained = standard::check(claims, &opts, UnixTime(now), Mode::Explain, &mut full);
    assert_eq!(fast.as_ref().err().map(|e| e.code()), explained.as_ref().err().map(|e| e.code()));
    match fast {
        Ok(()) => Outcome::Ok(Value::Null),
        Err(e) => Outcome::Err {
            code: e.code().as_str().to_string(),
            message: e.to_string(),
            check: report.first_failure().map(|c| c.id.clone()),
        },
    }
}

#[test]
fn standard_profile_vectors() {
    let n = run_kind("standard", run_case);
    assert!(n >= 30, "only {n} standard vectors");
}
