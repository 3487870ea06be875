//! Full `verify` of a Nomad-shaped workload identity — parse, key selection, signature, and
//! the Vault role's claim checks (the bundled sample's `nomad-workloads` role) — for RS256
//! (RSA 2048), PS256, ES256 and EdDSA tokens minted by PyJWT (`tests/fixtures/sample/bench/`),
//! in the three modes the benchmark table reports:
//!
//! - `full_verify`: a fresh token against keys prepared once (no result cache);
//! - `cache_hit`: the same token again through a verified-token cache (key derivation over
//!   token, options and key set, then the lookup at `now`), what a proxy pays per repeat;
//! - `jwks_each_call`: the JWKS document parsed and its keys prepared on every call.
//!
//! `cargo bench --bench verify` — divan prints fastest / slowest / median / mean; quote the
//! median. `claims_only` isolates everything except the signature.

// Bench code: a broken fixture should stop the run loudly.
#![allow(clippy::unwrap_used)]

use std::sync::LazyLock;

use divan::{black_box, Bencher};
use jwtgate::__internal::{self as cache, check_vault_claims, Cache, CacheKey};
use jwtgate::KeySet;
use jwtgate::Report;
use jwtgate::{verify, Verified, VerifyOptions};
use jwtgate::{Limits, UnixTime};
use jwtgate::{Mode, VaultContext};
use jwtgate::{VaultConfig, VaultRole};

fn main() {
    divan::main();
}

fn read(name: &str) -> String {
    std::fs::read_to_string(format!("{}/tests/fixtures/sample/{name}", env!("CARGO_MANIFEST_DIR")))
        .unwrap()
}

static JWKS: LazyLock<String> = LazyLock::new(|| read("bench/jwks.json"));

static KEYS: LazyLock<KeySet> =
    LazyLock::new(|| KeySet::from_jwks(JWKS.as_bytes(), &Limits::default()).unwrap());

static OPTS: LazyLock<VerifyOptions> = LazyLock::new(|| {
    let limits = Limits::default();
    let role = VaultRole::from_json(read("role.json").as_bytes(), &limits).unwrap();
    // All three algorithms allowed (the sample config allows RS256 and EdDSA only).
    let config = VaultConfig::default();
    VerifyOptions::vault(
        UnixTime(read("now.txt").trim().parse().unwrap()),
        role,
        "nomad-workloads",
        config,
    )
});

static TOKENS: LazyLock<[(&str, String); 4]> = LazyLock::new(|| {
    [
        ("RS256-2048", read("token.jwt").trim().to_string()),
        ("PS256-2048", read("bench/ps256.jwt").trim().to_string()),
        ("ES256", read("bench/es256.jwt").trim().to_string()),
        ("EdDSA", read("bench/eddsa.jwt").trim().to_string()),
    ]
});

const ALGS: [&str; 4] = ["RS256-2048", "PS256-2048", "ES256", "EdDSA"];

fn token(alg: &str) -> &'static str {
    let token = TOKENS.iter().find(|(a, _)| *a == alg).map(|(_, t)| t.as_str()).unwrap();
    assert!(verify(token, &KEYS, &OPTS).is_ok(), "{alg} sample must verify");
    token
}

#[divan::bench(args = ALGS)]
fn full_verify(bencher: Bencher, alg: &str) {
    let token = token(alg);
    bencher.bench(|| verify(black_box(token), black_box(&KEYS), black_box(&OPTS)).is_ok());
}

#[divan::bench(args = ALGS)]
fn cache_hit(bencher: Bencher, alg: &str) {
    let token = token(alg);
    // Keyed like the front ends key theirs: token, the options' identity, the key set's.
    let options_fp = cache::fingerprint([b"options".as_slice(), b"nomad-workloads"]);
    let keys_fp = cache::fingerprint([JWKS.as_bytes()]);
    let mut cache: Cache<CacheKey, Verified> = Cache::new(1000);
    let verified = verify(token, &KEYS, &OPTS).unwrap();
    let (from, until) = cache::window(&verified.claims, OPTS.now, 0, 600).unwrap();
    cache.insert(CacheKey::derive(token.as_bytes(), &options_fp, &keys_fp), verified, from, until);
    bencher.bench_local(|| {
        let key = CacheKey::derive(black_box(token).as_bytes(), &options_fp, &keys_fp);
        cache.get(&key, OPTS.now).is_some()
    });
}

#[divan::bench(args = ALGS)]
fn jwks_each_call(bencher: Bencher, alg: &str) {
    let token = token(alg);
    let limits = Limits::default();
    bencher.bench(|| {
        let keys = KeySet::from_jwks(black_box(JWKS.as_bytes()), &limits).unwrap();
        verify(black_box(token), &keys, black_box(&OPTS)).is_ok()
    });
}

#[divan::bench]
fn claims_only(bencher: Bencher) {
    let token = TOKENS[0].1.as_str();
    let jws = jwtgate::parse_compact(token, &Limits::default()).unwrap();
    let jwtgate::Profile::Vault(v) = &OPTS.profile else { unreachable!() };
    let ctx =
        VaultContext { role: &v.role, role_name: &v.role_name, config: &v.config, now: OPTS.now };
    bencher.bench(|| {
        let mut report = Report::default();
        check_vault_claims(black_box(&jws.claims), &ctx, Mode::FailFast, &mut report).is_ok()
    });
}

/// Patterns and values for `glob_bound_claims`: 1,000 patterns with a `*` at both ends and a
/// middle segment (the shape that needs a substring search, not just a prefix compare), none of
/// which matches any of the 400 values, so every pair is tried: the worst case a role and a
/// token within the default limits can ask for (the token stays under 16 KiB).
fn glob_inputs() -> (Vec<String>, Vec<String>) {
    let patterns = (0..1_000).map(|i| format!("*-team{i}-*")).collect();
    let values = (0..400).map(|j| format!("workload-{j}-production")).collect();
    (patterns, values)
}

/// The Vault claim checks of a token whose `groups` claim holds 400 values against a role
/// binding it to 1,000 glob patterns (a mismatch: all 400,000 pairs are compared).
#[divan::bench]
fn glob_bound_claims(bencher: Bencher) {
    let (patterns, values) = glob_inputs();
    let token = TOKENS[0].1.as_str();
    let mut claims = jwtgate::parse_compact(token, &Limits::default()).unwrap().claims;
    claims.insert("groups".into(), serde_json::json!(values));
    let mut role = VaultRole::from_json(read("role.json").as_bytes(), &Limits::default()).unwrap();
    role.bound_claims_type = jwtgate::BoundClaimsType::Glob;
    role.bound_claims.insert("groups".into(), serde_json::json!(patterns));
    let jwtgate::Profile::Vault(v) = &OPTS.profile else { unreachable!() };
    let ctx =
        VaultContext { role: &role, role_name: &v.role_name, config: &v.config, now: OPTS.now };
    let mut report = Report::default();
    let e = check_vault_claims(&claims, &ctx, Mode::FailFast, &mut report).unwrap_err();
    assert_eq!(e.code(), jwtgate::Code::BoundClaimMismatch);
    bencher.bench(|| {
        let mut report = Report::default();
        check_vault_claims(black_box(&claims), &ctx, Mode::FailFast, &mut report).is_ok()
    });
}
