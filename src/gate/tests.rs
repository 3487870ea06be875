//! Native tests of the gate's decision chain (what the Envoy filter used to hold): a mock key
//! source with a fake clock stands in for a front end's key lifecycle.

use alloc::format;
use alloc::rc::Rc;
use alloc::string::{String, ToString};
use alloc::vec;
use alloc::vec::Vec;

use super::*;
use crate::jose::KeySet;
use crate::Limits;

const SAMPLE_NOW_MS: u64 = 1_767_225_900_000;

fn sample(name: &str) -> &'static str {
    match name {
        "jwks" => include_str!("../../tests/fixtures/sample/jwks.json"),
        "token" => include_str!("../../tests/fixtures/sample/token.jwt"),
        "role" => include_str!("../../tests/fixtures/sample/role.json"),
        _ => include_str!("../../tests/fixtures/sample/policy.hcl"),
    }
}

/// The bundled sample as a gate configuration: `keys` is `"jwks": …` or `"remote_jwks": …`.
fn sample_config(keys: &str, extra: &str) -> String {
    let policy = serde_json::to_string(sample("policy")).unwrap();
    format!(
        r#"{{"providers":[{{"name":"nomad",{keys},
            "claim_to_headers":[{{"header_name":"x-nomad-job","claim_name":"nomad_job_id"}}],
            "vault":{{"role":{},"role_name":"nomad-workloads",
            "policies":[{{"name":"nomad-workloads","policy":{policy}}}]}}}}]{extra}}}"#,
        sample("role")
    )
}

fn request(path: &str, token: Option<&str>) -> GateRequest {
    let mut headers = vec![(String::from("x-nomad-job"), String::from("injected"))];
    if let Some(t) = token {
        headers.push((String::from("authorization"), format!("Bearer {}", t.trim())));
    }
    GateRequest { method: String::from("GET"), path: String::from(path), headers }
}

fn inline_gate() -> Gate {
    Gate::from_json(sample_config(&format!(r#""jwks":{}"#, sample("jwks")), "").as_bytes()).unwrap()
}

#[test]
fn inline_keys_allow_forbid_and_refuse() {
    let mut gate = inline_gate();
    let token = sample("token");
    let d = gate.decide(
        &request("/v1/kv/data/default/mongo/config", Some(token)),
        &mut NoRemoteKeys,
        SAMPLE_NOW_MS,
    );
    assert_eq!(d.verdict(), Verdict::Allow, "{}", d.to_json());
    assert_eq!(d.status(), Some(200));
    let json: serde_json::Value = serde_json::from_str(&d.to_json()).unwrap();
    assert_eq!(json["upstream"]["set"], serde_json::json!([["x-nomad-job", "mongo"]]));
    assert_eq!(json["upstream"]["remove"], serde_json::json!(["authorization"]));
    assert_eq!(json["provider"], "nomad");
    assert_eq!(json["alias"]["name"], "mongo");
    assert_eq!(json["policies"]["allowed"], true);
    // The tutorial role shares its alias between namespaces: the answer depends on login order.
    assert!(json["login_order"].as_array().is_some_and(|a| !a.is_empty()), "{json}");

    let d = gate.decide(
        &request("/v1/kv/data/default/redis/config", Some(token)),
        &mut NoRemoteKeys,
        SAMPLE_NOW_MS,
    );
    assert_eq!(
        (d.verdict(), d.status(), d.code()),
        (Verdict::Deny, Some(403), Some(crate::Code::PolicyDenied))
    );

    let d = gate.decide(
        &request("/v1/kv/data/default/mongo/config", None),
        &mut NoRemoteKeys,
        SAMPLE_NOW_MS,
    );
    assert_eq!((d.status(), d.code()), (Some(401), Some(crate::Code::TokenMissing)));
    assert!(d.to_json().starts_with(r#"{"verdict":"deny","status":401,"code":"ERR_TOKEN_MISSING","message":"token is missing","reply":{"status":401,"headers":[["content-type","application/json"],["www-authenticate","Bearer realm=\"jwtgate\""]],"body":"{\"code\":\"ERR_TOKEN_MISSING\",\"message\":\"token is missing\"}"}"#), "{}", d.to_json());

    let d =
        gate.decide(&request("/v1/kv/data/../x", Some(token)), &mut NoRemoteKeys, SAMPLE_NOW_MS);
    assert_eq!((d.status(), d.code()), (Some(400), Some(crate::Code::RequestInvalid)));
}

#[test]
fn reply_only_and_full_decisions_give_the_same_answer() {
    let token = sample("token");
    let later = SAMPLE_NOW_MS + 7_200_000;
    for (path, now) in [
        ("/v1/kv/data/default/mongo/config", SAMPLE_NOW_MS),
        ("/v1/kv/data/default/redis/config", SAMPLE_NOW_MS),
        ("/v1/kv/data/default/mongo/config", later),
    ] {
        let r = request(path, Some(token));
        // Twice each: the second answer comes from the cache.
        let (mut a, mut b) = (inline_gate(), inline_gate());
        for _ in 0..2 {
            let full = a.decide_with(&r, &mut NoRemoteKeys, now, Detail::Full);
            let fast = b.decide_with(&r, &mut NoRemoteKeys, now, Detail::Reply);
            assert_eq!(full.verdict(), fast.verdict());
            assert_eq!(full.status(), fast.status());
            assert_eq!(full.code(), fast.code());
            match (full.answer(), fast.answer()) {
                (Answer::Reply(x), Answer::Reply(y)) => assert_eq!(x, y),
                (Answer::Forward(x), Answer::Forward(y)) => {
                    assert_eq!(x.iter().collect::<Vec<_>>(), y.iter().collect::<Vec<_>>())
                }
                other => panic!("{other:?}"),
            }
        }
    }
}

/// A front end's key lifecycle as the gate sees it, on a fake clock: each provider's keys are
/// set by the test; an unknown `kid` may refetch once per `cooldown_ms`.
struct MockKeys {
    state: Vec<KeyState>,
    cooldown_ms: u64,
    last_refetch: Option<u64>,
    kid_misses: usize,
    asked: usize,
}

impl MockKeys {
    fn new(state: KeyState) -> MockKeys {
        MockKeys {
            state: vec![state],
            cooldown_ms: 30_000,
            last_refetch: None,
            kid_misses: 0,
            asked: 0,
        }
    }
}

impl ProviderKeys for MockKeys {
    fn keys(&mut self, provider: usize, _now_ms: u64) -> KeyState {
        self.asked += 1;
        self.state[provider].clone()
    }

    fn kid_miss(&mut self, _provider: usize, now_ms: u64) -> bool {
        self.kid_misses += 1;
        if self.last_refetch.is_some_and(|t| now_ms < t + self.cooldown_ms) {
            return false;
        }
        self.last_refetch = Some(now_ms);
        true
    }
}

fn key_set(jwks: &str) -> Rc<KeySet> {
    Rc::new(KeySet::from_jwks(jwks.as_bytes(), &Limits::default()).unwrap())
}

const REMOTE: &str =
    r#""remote_jwks":{"cluster":"c","authority":"nomad.example:4646","path":"/jwks"}"#;

#[test]
fn remote_keys_wait_then_decide_and_a_rotated_kid_refetches_once_per_cooldown() {
    let mut gate = Gate::from_json(sample_config(REMOTE, "").as_bytes()).unwrap();
    let r = request("/v1/kv/data/default/mongo/config", Some(sample("token")));
    let mut keys = MockKeys::new(KeyState::NotReady);
    let d = gate.decide(&r, &mut keys, SAMPLE_NOW_MS);
    assert_eq!((d.verdict(), d.status()), (Verdict::Wait, None));
    assert_eq!(
        d.to_json(),
        r#"{"verdict":"wait","message":"waiting for the keys of provider nomad","provider":"nomad"}"#
    );
    // Keys without the token's kid (rotated): one refetch, then a refusal within the cooldown.
    let other = include_str!("../../tests/vectors/minted/jwks.json");
    keys.state[0] = KeyState::Ready(key_set(other), 1);
    let d = gate.decide(&r, &mut keys, SAMPLE_NOW_MS);
    assert_eq!(d.verdict(), Verdict::Wait);
    let d = gate.decide(&r, &mut keys, SAMPLE_NOW_MS + 1000);
    assert_eq!((d.status(), d.code()), (Some(401), Some(crate::Code::JwksNoMatchingKey)));
    assert_eq!(keys.kid_misses, 2);
    // The refetched set has the kid: a new version, so no cached answer of the old one is used.
    keys.state[0] = KeyState::Stale(key_set(sample("jwks")), 2);
    let d = gate.decide(&r, &mut keys, SAMPLE_NOW_MS + 2000);
    assert_eq!(d.verdict(), Verdict::Allow, "{}", d.to_json());
    assert_eq!(d.cache_use(), (0, 1));
    let d = gate.decide(&r, &mut keys, SAMPLE_NOW_MS + 3000);
    assert_eq!(d.cache_use(), (1, 0));
    // A key-set version the answer was not cached under is verified again.
    keys.state[0] = KeyState::Ready(key_set(sample("jwks")), 3);
    let d = gate.decide(&r, &mut keys, SAMPLE_NOW_MS + 4000);
    assert_eq!(d.cache_use(), (0, 1));
}

#[test]
fn failed_keys_answer_503_or_401_as_configured() {
    for (extra, status) in [("", 503), (r#","on_jwks_failure":"401""#, 401)] {
        let mut gate = Gate::from_json(sample_config(REMOTE, extra).as_bytes()).unwrap();
        let r = request("/v1/kv/data/default/mongo/config", Some(sample("token")));
        let mut keys =
            MockKeys::new(KeyState::Failed(String::from("JWKS host answered status 500")));
        let d = gate.decide(&r, &mut keys, SAMPLE_NOW_MS);
        assert_eq!((d.status(), d.code()), (Some(status), Some(crate::Code::JwksUnavailable)));
        let json: serde_json::Value = serde_json::from_str(&d.to_json()).unwrap();
        assert_eq!(
            json["message"],
            r#"keys of provider "nomad" are unavailable: JWKS host answered status 500"#
        );
    }
}

#[test]
fn answers_are_reused_within_their_window_only() {
    let mut gate = inline_gate();
    let token = sample("token");
    let r = request("/v1/kv/data/default/mongo/config", Some(token));
    // Verified: reused for at most 300 s.
    let hit = |gate: &mut Gate, at: u64| {
        gate.decide_with(&r, &mut NoRemoteKeys, at, Detail::Reply).cache_use()
    };
    assert_eq!(hit(&mut gate, SAMPLE_NOW_MS), (0, 1));
    assert_eq!(hit(&mut gate, SAMPLE_NOW_MS + 299_000), (1, 0));
    assert_eq!(hit(&mut gate, SAMPLE_NOW_MS + 301_000), (0, 1));
    // Past exp (+ leeway): never answered from the cache, whatever its window said.
    let expired = SAMPLE_NOW_MS + 3_600_000;
    let d = gate.decide_with(&r, &mut NoRemoteKeys, expired, Detail::Reply);
    assert_eq!(d.code(), Some(crate::Code::JwtExpired));
    // A rejection is reused (no second verification: no cache miss counted as a verify)...
    let d = gate.decide_with(&r, &mut NoRemoteKeys, expired + 1000, Detail::Reply);
    assert_eq!((d.code(), d.cache_use()), (Some(crate::Code::JwtExpired), (0, 0)));
    // ... and worded at the new now, as a fresh verification would.
    let Answer::Reply(reply) = d.answer() else { panic!("reply") };
    let fresh = inline_gate().decide_with(&r, &mut NoRemoteKeys, expired + 1000, Detail::Reply);
    let Answer::Reply(expected) = fresh.answer() else { panic!("reply") };
    assert_eq!(reply, expected);
    // A clock going backwards misses the rejection window.
    let d = gate.decide_with(&r, &mut NoRemoteKeys, SAMPLE_NOW_MS + 10_000, Detail::Reply);
    assert_eq!(d.verdict(), Verdict::Allow);
}

#[test]
fn requests_read_from_json_refuse_unknown_members() {
    let r: GateRequest = serde_json::from_str(
        r#"{"method":"GET","path":"/v1/x?a=1","headers":[["authorization","Bearer t"]]}"#,
    )
    .unwrap();
    assert_eq!(r.headers, [(String::from("authorization"), String::from("Bearer t"))]);
    assert!(
        serde_json::from_str::<GateRequest>(r#"{"method":"GET","path":"/","header":[]}"#).is_err()
    );
}

/// A token signed with the bundled sample's test key (`tests/fixtures/sample/signing-key.pem`,
/// committed on purpose) carrying `claims`, so a test can give the sample's keys a token the
/// sample does not have (Nomad's `extra_claims`).
fn signed(claims: &serde_json::Value) -> String {
    use rsa::pkcs8::DecodePrivateKey;
    use rsa::sha2::{Digest, Sha256};
    let pem = include_str!("../../tests/fixtures/sample/signing-key.pem");
    let pem = &pem[pem.find("-----BEGIN").unwrap()..];
    let (_, der) = der::pem::decode_vec(pem.as_bytes()).unwrap();
    let key = rsa::RsaPrivateKey::from_pkcs8_der(&der).unwrap();
    let header = r#"{"alg":"RS256","kid":"b4b3f0c2-6a1d-4f8e-9c57-3e2d1a0f9b64","typ":"JWT"}"#;
    let input = format!(
        "{}.{}",
        crate::b64::encode(header.as_bytes()),
        crate::b64::encode(claims.to_string().as_bytes())
    );
    let digest = Sha256::digest(input.as_bytes());
    let sig = key.sign(rsa::Pkcs1v15Sign::new::<Sha256>(), &digest).unwrap();
    format!("{input}.{}", crate::b64::encode(&sig))
}

/// The sample's claims with Nomad's `extra_claims` (`nomad_workload_id`, as the agent block of
/// the suggested fix renders it for `default/mongo`).
pub(crate) fn sample_with_extra_claims() -> String {
    let mut claims: serde_json::Value =
        serde_json::from_str(include_str!("../../tests/fixtures/sample/claims.json")).unwrap();
    claims["extra_claims"] = serde_json::json!({"nomad_workload_id": "global:default:mongo"});
    signed(&claims)
}

/// The sample gate with the suggested fix's role (`user_claim = /extra_claims/nomad_workload_id`)
/// and, when `knowledge` is given, `vault.knowledge`.
pub(crate) fn fixed_role_config(knowledge: Option<&str>) -> String {
    let mut role: serde_json::Value = serde_json::from_str(sample("role")).unwrap();
    role["user_claim"] = "/extra_claims/nomad_workload_id".into();
    let policy = serde_json::to_string(sample("policy")).unwrap();
    let knowledge = knowledge.map(|k| format!(r#","knowledge":{k}"#)).unwrap_or_default();
    format!(
        r#"{{"providers":[{{"name":"nomad","jwks":{},
            "vault":{{"role":{role},"role_name":"nomad-workloads",
            "policies":[{{"name":"nomad-workloads","policy":{policy}}}]{knowledge}}}}}]}}"#,
        sample("jwks")
    )
}

/// `vault.knowledge` for the fixed role: Nomad's `extra_claims` as its agent block declares it.
pub(crate) const FIXED_ROLE_KNOWLEDGE: &str =
    r#"{"extra_claims":{"nomad_workload_id":"${job.region}:${job.namespace}:${job.id}"}}"#;

#[test]
fn declared_extra_claims_make_the_fixed_role_hazard_free() {
    let token = sample_with_extra_claims();
    let path = "/v1/kv/data/default/mongo/config";
    let decide = |cfg: &str| {
        let mut gate = Gate::from_json(cfg.as_bytes()).unwrap();
        let d = gate.decide(&request(path, Some(&token)), &mut NoRemoteKeys, SAMPLE_NOW_MS);
        serde_json::from_str::<serde_json::Value>(&d.to_json()).unwrap()
    };
    // Undeclared, the extra claim is a claim jwtgate knows nothing of: the fix itself is
    // flagged (the namespace is not known to follow from it).
    let undeclared = decide(&fixed_role_config(None));
    assert_eq!(undeclared["verdict"], "allow", "{undeclared}");
    assert_eq!(undeclared["alias"]["name"], "global:default:mongo");
    assert!(undeclared["login_order"].as_array().is_some_and(|a| !a.is_empty()), "{undeclared}");
    // Declared as Nomad's agent renders it: one alias per (region, namespace, job), no hazard.
    let declared = decide(&fixed_role_config(Some(FIXED_ROLE_KNOWLEDGE)));
    assert_eq!(declared["verdict"], "allow", "{declared}");
    assert_eq!(declared["policies"]["allowed"], true);
    for member in ["login_order", "login_fix", "depends_on_login_order"] {
        assert!(declared.get(member).is_none(), "{member} in {declared}");
    }
    // The same schema rules as the rest of the configuration: snake_case, unknown refused.
    let camel = fixed_role_config(Some(r#"{"extraClaims":{}}"#));
    let e = Gate::from_json(camel.as_bytes()).unwrap_err().to_string();
    assert!(e.contains("/providers/0/vault/knowledge") && e.contains("extraClaims"), "{e}");
    let issuer = fixed_role_config(Some(r#"{"issuer":"okta"}"#));
    let e = Gate::from_json(issuer.as_bytes()).unwrap_err().to_string();
    assert!(e.contains("/providers/0/vault/knowledge"), "{e}");
}

#[test]
fn only_answers_another_login_can_change_depend_on_login_order() {
    // The sample token (default/mongo) under the tutorial role: the alias is the job id, the
    // namespace is not determined by it.
    let mut gate = inline_gate();
    let token = sample("token");
    let mut decide = |path: &str, detail: Detail| {
        let d =
            gate.decide_with(&request(path, Some(token)), &mut NoRemoteKeys, SAMPLE_NOW_MS, detail);
        (d.verdict(), d.depends_on_login_order().cloned(), d.login_order().len())
    };
    // Own path: allowed, denied after mongo of another namespace logs in.
    let (v, dep, hazards) = decide("/v1/kv/data/default/mongo/config", Detail::Full);
    let dep = dep.expect("own path depends");
    assert_eq!((v, dep.verdict, dep.otherwise, hazards), (Verdict::Allow, "allowed", "denied", 1));
    assert_eq!(dep.login.get("nomad_namespace"), Some(&None));
    // redis's path: no login with alias "mongo" renders it.
    let (v, dep, hazards) = decide("/v1/kv/data/default/redis/config", Detail::Full);
    assert_eq!((v, dep, hazards), (Verdict::Deny, None, 1));
    // prod/mongo's path: denied, allowed once prod/mongo logs in.
    let (v, dep, _) = decide("/v1/kv/data/prod/mongo/config", Detail::Full);
    let dep = dep.expect("prod path depends");
    assert_eq!((v, dep.verdict), (Verdict::Deny, "denied"));
    assert_eq!(dep.login.get("nomad_namespace"), Some(&Some(String::from("prod"))));
    assert!(dep.message.contains("nomad_namespace = \"prod\""), "{}", dep.message);
    // The proxy's hot path computes none of it.
    let (_, dep, hazards) = decide("/v1/kv/data/prod/mongo/config", Detail::Reply);
    assert_eq!((dep, hazards), (None, 0));
}
