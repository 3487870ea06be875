//! The core's `Keyring` on a failing JWKS host, driven by a fake clock: it follows the
//! configuration's `retry` policy and `failed_refetch_seconds` as the Envoy filter does (Envoy's
//! `jwt_authn` `RemoteJwks.retry_policy`: `num_retries` retries after the first attempt,
//! `base_interval` doubled per retry up to `max_interval`), and the gate waits through them.

use alloc::format;
use alloc::string::String;
use alloc::vec;
use alloc::vec::Vec;

use super::*;
use crate::gate::{Gate, GateRequest, Verdict};

const NOW_MS: u64 = 1_767_225_900_000;
const JWKS: &str = include_str!("../../../tests/fixtures/sample/jwks.json");
const TOKEN: &str = include_str!("../../../tests/fixtures/sample/token.jwt");

/// The bundled sample's role and policy behind a remote provider with `remote` members added.
fn gate(remote: &str) -> Gate {
    let policy = serde_json::to_string(include_str!("../../../tests/fixtures/sample/policy.hcl"));
    let config = format!(
        r#"{{"providers":[{{"name":"nomad",
            "remote_jwks":{{"cluster":"c","authority":"nomad.example:4646","path":"/jwks"{remote}}},
            "vault":{{"role":{},"role_name":"nomad-workloads",
            "policies":[{{"name":"nomad-workloads","policy":{}}}]}}}}]}}"#,
        include_str!("../../../tests/fixtures/sample/role.json"),
        policy.unwrap()
    );
    Gate::from_json(config.as_bytes()).unwrap()
}

fn request() -> GateRequest {
    GateRequest {
        method: String::from("GET"),
        path: String::from("/v1/kv/data/default/mongo/config"),
        headers: vec![(String::from("authorization"), format!("Bearer {}", TOKEN.trim()))],
    }
}

/// One fetch the keyring asked for: when, and which attempt it was (its request id).
#[derive(Debug, PartialEq, Eq)]
struct Attempt {
    at_ms: u64,
    id: u64,
}

/// Drives a gate as a front end does, with a fake clock that only moves to the keyring's
/// `poll_timeout` while the gate waits: each fetch is answered by `answer(n)` (`n` counts the
/// fetches from 0; `None` is a transport failure). Returns the decision, the time it was made
/// and the fetches.
fn decide_through(
    gate: &mut Gate,
    keys: &mut Keyring,
    start_ms: u64,
    mut answer: impl FnMut(usize) -> Option<(u16, &'static str)>,
) -> (crate::gate::Decision, u64, Vec<Attempt>) {
    let mut now = start_ms;
    let mut attempts = Vec::new();
    for _ in 0..50 {
        let d = gate.decide(&request(), keys, now);
        if d.verdict() != Verdict::Wait {
            return (d, now, attempts);
        }
        match keys.poll_fetch(now) {
            Some(f) => {
                attempts.push(Attempt { at_ms: now, id: f.request.id });
                let handled = match answer(attempts.len() - 1) {
                    Some((status, body)) => {
                        keys.on_response(f.provider, f.request.id, status, body.as_bytes(), now)
                    }
                    None => keys.on_failure(f.provider, f.request.id, now),
                };
                assert_ne!(handled, Handled::Ignored);
            }
            None => {
                let wake = keys.poll_timeout().expect("the gate waits for nothing");
                assert!(wake > now, "nothing to fetch, yet due at once");
                now = wake;
            }
        }
    }
    panic!("still waiting after 50 steps");
}

#[test]
fn the_lifecycle_input_carries_the_configured_retry_policy() {
    let g = gate(
        r#","retry":{"num_retries":3,"base_interval_ms":50,"max_interval_ms":120},
            "failed_refetch_seconds":7"#,
    );
    let KeySource::Remote(remote) = &g.config().providers[0].keys else { panic!("remote") };
    let c = remote.key_set_config("https", crate::Limits::default());
    assert_eq!(
        (c.retries, c.backoff_base_ms, c.backoff_max_ms, c.failed_refetch_ms),
        (3, 50, 120, 7000)
    );
    // The configuration's defaults (src/gate/config.rs): 2 retries, 200 ms doubled up to 5 s,
    // and a 5 s failed window.
    let g = gate("");
    let KeySource::Remote(remote) = &g.config().providers[0].keys else { panic!("remote") };
    let c = remote.key_set_config("https", crate::Limits::default());
    assert_eq!(
        (c.retries, c.backoff_base_ms, c.backoff_max_ms, c.failed_refetch_ms),
        (2, 200, 5000, 5000)
    );
}

#[test]
fn a_failing_host_is_retried_with_backoff_then_the_gate_gives_up_for_the_failed_window() {
    let mut g = gate(
        r#","retry":{"num_retries":3,"base_interval_ms":100,"max_interval_ms":250},
            "failed_refetch_seconds":2"#,
    );
    let mut keys = g.keyring();
    let (d, at, attempts) = decide_through(&mut g, &mut keys, NOW_MS, |_| Some((500, "")));
    // One attempt and three retries after 100, 200 and 250 (capped) ms; the gate waited for all.
    assert_eq!(
        attempts,
        vec![
            Attempt { at_ms: NOW_MS, id: 1 },
            Attempt { at_ms: NOW_MS + 100, id: 2 },
            Attempt { at_ms: NOW_MS + 300, id: 3 },
            Attempt { at_ms: NOW_MS + 550, id: 4 },
        ]
    );
    assert_eq!(at, NOW_MS + 550, "decided when the last retry failed");
    assert_eq!((d.status(), d.code()), (Some(503), Some(crate::Code::JwksUnavailable)));
    let json: serde_json::Value = serde_json::from_str(&d.to_json()).unwrap();
    assert_eq!(
        json["message"],
        r#"keys of provider "nomad" are unavailable: JWKS host answered status 500"#
    );
    // Inside the failed window: refused at once, nothing fetched, woken when it ends.
    for t in [at, at + 1999] {
        let d = g.decide(&request(), &mut keys, t);
        assert_eq!(d.status(), Some(503));
        assert_eq!(keys.poll_fetch(t), None);
    }
    assert_eq!(keys.poll_timeout(), Some(at + 2000));
    // After it, a new cycle with all its retries: this time the second attempt succeeds.
    let (d, at2, attempts) = decide_through(&mut g, &mut keys, at + 2000, |n| match n {
        0 => None,
        _ => Some((200, JWKS)),
    });
    assert_eq!(
        attempts,
        vec![Attempt { at_ms: at + 2000, id: 5 }, Attempt { at_ms: at + 2100, id: 6 }]
    );
    assert_eq!((d.verdict(), at2), (Verdict::Allow, at + 2100), "{}", d.to_json());
}

#[test]
fn without_retries_the_first_failure_answers_and_a_later_success_clears_it() {
    let mut g = gate(r#","retry":{"num_retries":0},"failed_refetch_seconds":1"#);
    let mut keys = g.keyring();
    let (d, at, attempts) = decide_through(&mut g, &mut keys, NOW_MS, |_| None);
    assert_eq!(attempts, vec![Attempt { at_ms: NOW_MS, id: 1 }]);
    assert_eq!((at, d.status()), (NOW_MS, Some(503)));
    assert_eq!(keys.poll_timeout(), Some(NOW_MS + 1000));
    let (d, _, attempts) = decide_through(&mut g, &mut keys, NOW_MS + 1000, |_| Some((200, JWKS)));
    assert_eq!(attempts.len(), 1);
    assert_eq!(d.verdict(), Verdict::Allow, "{}", d.to_json());
    assert!(keys.key_set(0).unwrap().last_error().is_none());
}

#[test]
fn a_retry_that_succeeds_is_waited_for_with_the_default_policy() {
    let mut g = gate("");
    let mut keys = g.keyring();
    let (d, at, attempts) = decide_through(&mut g, &mut keys, NOW_MS, |n| match n {
        0 | 1 => Some((503, "")),
        _ => Some((200, JWKS)),
    });
    // 200 ms, then 400 ms: the third and last allowed attempt answers.
    let times: Vec<u64> = attempts.iter().map(|a| a.at_ms - NOW_MS).collect();
    assert_eq!(times, vec![0, 200, 600]);
    assert_eq!((d.verdict(), at), (Verdict::Allow, NOW_MS + 600), "{}", d.to_json());
}
