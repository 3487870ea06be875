//! Replays `tests/vectors/adversarial/tokens.json` (format in that folder's README) through the
//! strict parser: every token must fail with exactly its `code` (or parse when `code` is null),
//! and the message must contain `message_contains` when given.

use jwtgate::parse_compact;
use jwtgate::Limits;
use serde::Deserialize;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Case {
    name: String,
    token: String,
    code: Option<String>,
    why: String,
    #[serde(default)]
    message_contains: Option<String>,
}

const TOKENS: &str = include_str!("vectors/adversarial/tokens.json");

#[test]
fn every_adversarial_token_fails_with_its_code() {
    let limits = Limits::default();
    let cases: Vec<Case> = serde_json::from_str(TOKENS).unwrap();
    assert!(cases.len() >= 60, "the corpus shrank to {}", cases.len());
    let mut failures = Vec::new();
    for case in &cases {
        assert!(!case.why.is_empty(), "{}: `why` is empty", case.name);
        match (parse_compact(&case.token, &limits), &case.code) {
            (Ok(_), None) => {}
            (Ok(_), Some(code)) => {
                failures.push(format!("{}: parsed, expected {code} ({})", case.name, case.why))
            }
            (Err(e), None) => failures.push(format!("{}: expected to parse, got {e}", case.name)),
            (Err(e), Some(code)) => {
                let message = e.to_string();
                if e.code().as_str() != code {
                    failures.push(format!(
                        "{}: expected {code}, got {} ({message})",
                        case.name,
                        e.code()
                    ));
                }
                if let Some(needle) = &case.message_contains {
                    if !message.contains(needle.as_str()) {
                        failures
                            .push(format!("{}: message {message:?} lacks {needle:?}", case.name));
                    }
                }
                // Messages name the problem without echoing the whole token back.
                if case.token.len() > 200 && message.contains(case.token.as_str()) {
                    failures.push(format!("{}: message echoes the token", case.name));
                }
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases failed:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}

#[test]
fn names_are_unique_and_every_code_is_known() {
    let cases: Vec<Case> = serde_json::from_str(TOKENS).unwrap();
    let mut names: Vec<&str> = cases.iter().map(|c| c.name.as_str()).collect();
    names.sort_unstable();
    for pair in names.windows(2) {
        assert_ne!(pair[0], pair[1], "duplicate name");
    }
    for case in &cases {
        if let Some(code) = &case.code {
            assert!(
                jwtgate::Code::ALL.iter().any(|c| c.as_str() == code),
                "{}: unknown code {code}",
                case.name
            );
        }
    }
}
