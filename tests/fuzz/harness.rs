//! What each fuzz target does with one input, shared by the cargo-fuzz targets
//! (`tests/fuzz/fuzz_targets/*.rs`, nightly) and the stable replay runner
//! (`tests/fuzz_regressions.rs`), so a committed regression entry exercises exactly the code
//! the fuzzer ran.
//!
//! Every target returns the outcome of each stage it ran, in order: `Ok(())` or the stable
//! [`Code`] of the typed error. A panic, an abort, a hang or an unbounded allocation is the
//! bug the fuzzer looks for; returned errors are the expected behaviour.
//!
//! Inputs with several parts separate them with the byte `0xFF`, which never occurs in UTF-8
//! (so JSON, PEM, HCL and compact tokens never contain it). Text parts are decoded lossily:
//! the public API takes `&str`, and invalid UTF-8 is the caller's problem before it reaches us.
#![allow(dead_code, clippy::std_instead_of_alloc, clippy::std_instead_of_core)]

use std::borrow::Cow;

use jwtgate::__internal::{check_balanced, from_pkcs1_der, from_spki_der, render_template};
use jwtgate::HttpOptions;
use jwtgate::KeySet;
use jwtgate::{inspect, parse_trust_policy, Code, Limits, UnixTime};
use jwtgate::{jwks_to_pem, parse_compact, parse_discovery, Algorithm};
use jwtgate::{parse_policy, Operation, TemplateContext, TemplateError};
use jwtgate::{Authorizer, Request};
use jwtgate::{KeyInfo, VerifyOptions};
use jwtgate::{Mode, StandardOptions};
use jwtgate::{VaultConfig, VaultRole};

/// One stage's result: its name and `Ok` or the error's stable code (`ERR_…`; template
/// failures, which Vault reports as dropped paths rather than errors, use their `kind` tag as
/// serialised, e.g. `template:not_found`).
pub type Stage = (&'static str, Result<(), String>);

/// The separator between the parts of a multi-part input.
pub const SEP: u8 = 0xFF;

/// What a target does with one input.
pub type Target = fn(&[u8]) -> Vec<Stage>;

/// The fuzz targets, by directory name under `tests/vectors/fuzz/`.
pub const TARGETS: &[(&str, Target)] = &[
    ("compact", compact),
    ("jwks", jwks),
    ("pem", pem_der),
    ("policy", policy),
    ("template", template_render),
    ("vault_config", vault_config),
    ("verify", verify_path),
    ("authorize", authorize),
];

/// The instant every time-dependent target evaluates at (inside the minted and e2e tokens'
/// validity windows).
pub const NOW: UnixTime = UnixTime(1_764_390_100);

/// Keys used when the input's JWKS part does not parse, so the rest of the path still runs.
const FALLBACK_JWKS: &str = include_str!("../vectors/minted/jwks.json");

fn text(bytes: &[u8]) -> Cow<'_, str> {
    String::from_utf8_lossy(bytes)
}

fn parts(data: &[u8]) -> Vec<&[u8]> {
    data.split(|b| *b == SEP).collect()
}

fn part<'a>(parts: &[&'a [u8]], i: usize) -> &'a [u8] {
    parts.get(i).copied().unwrap_or(&[])
}

/// Turns a result into a stage, checking the error's code is one of the published codes and
/// its message renders (the message is what every front end shows).
fn stage<T, E: core::fmt::Display>(
    name: &'static str,
    r: &Result<T, E>,
    code: impl Fn(&E) -> Code,
) -> Stage {
    match r {
        Ok(_) => (name, Ok(())),
        Err(e) => {
            let c = code(e);
            assert!(Code::ALL.contains(&c), "{name}: unpublished code {c:?}");
            assert!(!e.to_string().is_empty(), "{name}: {c:?} with an empty message");
            (name, Err(c.as_str().to_string()))
        }
    }
}

fn json<T: serde::Serialize>(v: &T) {
    // Serialising what front ends receive must not fail or panic either.
    assert!(serde_json::to_string(v).is_ok(), "serialisation failed");
}

/// Compact JWS: the strict parser and the tolerant inspector on the same text.
pub fn compact(data: &[u8]) -> Vec<Stage> {
    let token = text(data);
    let limits = Limits::default();
    let strict = parse_compact(&token, &limits);
    let mut out = vec![stage("parse_compact", &strict, |e| e.code())];
    let inspection = inspect(&token, &limits);
    json(&inspection);
    // The inspector's strict verdict is the parser's on the token it cleaned out of the
    // input, and cleaning never spoils a token the strict parser accepts.
    if token.len() <= limits.max_document_len {
        let cleaned = parse_compact(&inspection.token, &limits).err().map(|e| e.code());
        assert_eq!(cleaned, inspection.strict_error.as_ref().map(|s| s.code), "inspect's verdict");
    }
    if strict.is_ok() {
        assert!(inspection.strict_error.is_none(), "inspect refuses a strict token");
    }
    out.push(("inspect", Ok(())));
    out
}

/// A JWKS document (and the same bytes as an OIDC discovery document).
pub fn jwks(data: &[u8]) -> Vec<Stage> {
    let limits = Limits::default();
    let set = KeySet::from_jwks(data, &limits);
    let mut out = vec![stage("from_jwks", &set, |e| e.code())];
    if let Ok(set) = &set {
        for k in &set.keys {
            let _ = k.key.to_jwk_json();
            let pem = k.key.to_pem();
            out.push(stage("to_pem", &pem, |e| e.code()));
        }
        for s in &set.skipped {
            assert!(Code::ALL.contains(&s.reason.code()));
            let _ = s.reason.to_string();
        }
    }
    let pems = jwks_to_pem(data, &limits);
    out.push(stage("jwks_to_pem", &pems, |e| e.code()));
    let disc = parse_discovery(data, "https://nomad.example.com:4646", &limits);
    out.push(stage("parse_discovery", &disc, |e| e.code()));
    out
}

/// PEM text (parts separated by 0xFF are several PEM inputs) and the raw bytes as SPKI and
/// PKCS#1 DER.
pub fn pem_der(data: &[u8]) -> Vec<Stage> {
    let limits = Limits::default();
    let texts: Vec<Cow<'_, str>> = parts(data).into_iter().map(text).collect();
    let refs: Vec<&str> = texts.iter().map(|t| t.as_ref()).collect();
    let set = KeySet::from_pem(&refs, &limits);
    let mut out = vec![stage("from_pem", &set, |e| e.code())];
    if let Ok(set) = &set {
        for k in &set.keys {
            let der = k.key.to_spki_der();
            out.push(stage("to_spki_der", &der, |e| e.code()));
        }
    }
    let spki = from_spki_der(data, &limits);
    out.push(stage("from_spki_der", &spki, |e| e.code()));
    if let Ok(k) = &spki {
        // A key that parsed re-encodes, and the encoding parses to the same key.
        let der = k.to_spki_der();
        if let Ok(der) = &der {
            let again = from_spki_der(der, &limits);
            let same = again.as_ref().ok().map(|a| a.to_spki_der().ok()) == Some(Some(der.clone()));
            assert!(same, "SPKI re-encoding does not round-trip");
        }
    }
    let pkcs1 = from_pkcs1_der(data, &limits);
    out.push(stage("from_pkcs1_der", &pkcs1, |e| e.code()));
    out
}

fn rich_context() -> TemplateContext {
    const TEMPLATES: &str = include_str!("../vectors/templates/templates.json");
    serde_json::from_str::<serde_json::Value>(TEMPLATES)
        .ok()
        .and_then(|v| serde_json::from_value(v.get("context")?.clone()).ok())
        .unwrap_or_default()
}

/// A policy document (HCL or JSON), evaluated against a few requests; the same text as an
/// AWS trust policy.
pub fn policy(data: &[u8]) -> Vec<Stage> {
    let limits = Limits::default();
    let src = text(data);
    let parsed = parse_policy("fuzz", &src, &limits);
    let mut out = vec![stage("parse_policy", &parsed, |e| e.code())];
    if let Ok(p) = parsed {
        let authz = Authorizer::new(&[p], &rich_context());
        for (path, op) in [
            ("secret/data/app", Operation::Read),
            ("secret/metadata/", Operation::List),
            ("sys/policy/x", Operation::Update),
        ] {
            json(&authz.authorize(&Request::new(path, op)));
        }
        out.push(("authorize", Ok(())));
    }
    let trust = parse_trust_policy(&src, &limits);
    out.push(stage("parse_trust_policy", &trust, |e| e.code()));
    out
}

/// A template (part 0) rendered against a context given as JSON (part 1) or, when that part
/// is absent or not a context, the templates vectors' context.
pub fn template_render(data: &[u8]) -> Vec<Stage> {
    let ps = parts(data);
    let tpl = text(part(&ps, 0));
    let ctx =
        serde_json::from_slice::<TemplateContext>(part(&ps, 1)).unwrap_or_else(|_| rich_context());
    let balanced = check_balanced(&tpl).map_err(|e| template_kind(&e));
    let rendered = render_template(&tpl, &ctx).map_err(|f| {
        json(&f);
        template_kind(&f.error)
    });
    // Vault's write-time check and the renderer agree on what is unbalanced.
    let unbalanced = "template:unbalanced".to_string();
    assert_eq!(
        balanced.as_ref().err() == Some(&unbalanced),
        rendered.as_ref().err() == Some(&unbalanced),
        "check_balanced and render disagree on balance"
    );
    vec![("check_balanced", balanced.map(|_| ())), ("render", rendered.map(|_| ()))]
}

fn template_kind(e: &TemplateError) -> String {
    assert!(!e.to_string().is_empty());
    let v = serde_json::to_value(e).unwrap_or_default();
    let kind = v.get("kind").and_then(|k| k.as_str()).unwrap_or("unknown");
    format!("template:{kind}")
}

/// A Vault role and the same bytes as an auth-method config.
pub fn vault_config(data: &[u8]) -> Vec<Stage> {
    let limits = Limits::default();
    let role = VaultRole::from_json(data, &limits);
    let mut out = vec![stage("role", &role, |e| e.code())];
    if let Ok(r) = &role {
        json(r);
        let _ = r.policies();
        out.push(stage("require_jwt", &r.require_jwt(), |e| e.code()));
    }
    let config = VaultConfig::from_json(data, &limits);
    out.push(stage("config", &config, |e| e.code()));
    if let Ok(c) = &config {
        json(c);
        let _ = c.allowed_algorithms();
    }
    out
}

/// The whole path: token (part 0), JWKS (1), role (2), config (3), policy (4), request (5),
/// evaluation time (6: decimal seconds, default [`NOW`]) → `verify` and `explain` with the real keys, then the claim and role checks again with a
/// signature check that accepts anything (so the fuzzer reaches them without forging
/// signatures), then `authorize` on the alias.
pub fn verify_path(data: &[u8]) -> Vec<Stage> {
    let limits = Limits::default();
    let ps = parts(data);
    let token = text(part(&ps, 0));
    let now = text(part(&ps, 6)).trim().parse::<i64>().map_or(NOW, UnixTime);
    let mut out = Vec::new();

    let keys = KeySet::from_jwks(part(&ps, 1), &limits);
    out.push(stage("jwks", &keys, |e| e.code()));
    let keys = match keys {
        Ok(k) => k,
        Err(_) => KeySet::from_jwks(FALLBACK_JWKS.as_bytes(), &limits).unwrap_or_default(),
    };

    let role = VaultRole::from_json(part(&ps, 2), &limits);
    out.push(stage("role", &role, |e| e.code()));
    let config = VaultConfig::from_json(part(&ps, 3), &limits);
    out.push(stage("config", &config, |e| e.code()));
    let opts = match (role, config) {
        (Ok(role), Ok(config)) => VerifyOptions::vault(now, role, "fuzz", config),
        _ => VerifyOptions::standard(now, StandardOptions::default()),
    };

    let fast = jwtgate::verify(&token, &keys, &opts);
    out.push(stage("verify", &fast.as_ref().map_err(|r| &r.error), |e| e.code()));
    let explained = jwtgate::explain(&token, &keys, &opts);
    out.push(stage("explain", &explained.as_ref().map_err(|r| &r.error), |e| e.code()));
    // explain reports the same first failure as verify, and the same success.
    let same = match (&fast, &explained) {
        (Ok(_), Ok(_)) => true,
        (Err(a), Err(b)) => a.error.code() == b.error.code(),
        _ => false,
    };
    assert!(same, "verify and explain disagree");
    match &explained {
        Ok(v) => json(v),
        Err(r) => json(r),
    }

    let any_signature = |alg: Algorithm, kid: Option<&str>, _: &[u8], _: &[u8]| {
        Ok(KeyInfo {
            kid: kid.map(String::from),
            alg,
            kty: "RSA".into(),
            thumbprint: String::new(),
        })
    };
    let unsigned = jwtgate::verify_with(&token, &opts, Mode::Explain, any_signature);
    out.push(stage("claims", &unsigned.as_ref().map_err(|r| &r.error), |e| e.code()));
    let Ok(verified) = unsigned else { return out };
    json(&verified);
    let Some(alias) = &verified.alias else { return out };

    let policy = parse_policy("fuzz", &text(part(&ps, 4)), &limits);
    out.push(stage("policy", &policy, |e| e.code()));
    let Ok(policy) = policy else { return out };
    let ctx = TemplateContext::for_alias(alias, "auth_jwt_fuzz", now);
    let request = request_from(part(&ps, 5));
    out.push(stage("request", &request, |e| e.code()));
    if let Ok(request) = request {
        json(&Authorizer::new(&[policy], &ctx).authorize(&request));
    }
    out
}

/// A request given as the JSON form of [`Request`], or as `METHOD target` (HTTP), or as a
/// bare path (read).
fn request_from(bytes: &[u8]) -> Result<Request, jwtgate::PolicyError> {
    if let Ok(r) = serde_json::from_slice::<Request>(bytes) {
        return Ok(r);
    }
    let line = text(bytes);
    match line.split_once(' ') {
        Some((method, target)) => Request::from_http(method, target, &HttpOptions::default()),
        None => Request::parse(line.as_ref(), "read"),
    }
}

/// Policies (parts 1..) against a request (part 0), with the templates vectors' identity.
pub fn authorize(data: &[u8]) -> Vec<Stage> {
    let limits = Limits::default();
    let ps = parts(data);
    let mut out = Vec::new();
    let mut policies = Vec::new();
    for (i, p) in ps.iter().enumerate().skip(1) {
        let parsed = parse_policy(&format!("p{i}"), &text(p), &limits);
        out.push(stage("policy", &parsed, |e| e.code()));
        policies.extend(parsed);
    }
    let request = request_from(part(&ps, 0));
    out.push(stage("request", &request, |e| e.code()));
    let authz = Authorizer::new(&policies, &rich_context());
    if let Ok(request) = &request {
        let report = authz.authorize(request);
        json(&report);
        // The indexed ACL and the report agree on the winner for the request's operation.
        let ev = authz.acl().evaluate(&request.path, request.operation);
        json(&ev.winner.is_some());
        out.push(("authorize", Ok(())));
    }
    out
}
