//! What Envoy's `jwt_authn` does after a token verified that the core does not: the provider's
//! `subjects` and `max_lifetime` checks, `forward_payload_header`, and the verified identity as
//! filter state (where `jwt_authn` writes dynamic metadata, which a wasm filter cannot).
//!
//! Semantics follow Envoy's `jwt_authn` (`authenticator.cc`, `jwks_cache.cc`):
//! `isSubjectAllowed` matches `sub` (absent = the empty string) with a `StringMatcher`;
//! `isLifetimeAllowed` requires `exp` and `exp - now < max_lifetime` (the remaining lifetime,
//! not `exp - iat`); the payload header carries the token's own payload segment, padded with
//! `=` on request.

use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;

use serde_json::{Map, Value};

use super::config::Provider;
use super::error::GateError;
use crate::time::UnixTime;

/// How a [`SubjectMatcher`] compares.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Exact,
    Prefix,
    Suffix,
    Contains,
}

/// Envoy's `StringMatcher` without `safe_regex`: `exact`, `prefix`, `suffix` or `contains`,
/// optionally ASCII case-insensitive (`ignore_case`, as Envoy compares).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SubjectMatcher {
    kind: Kind,
    pattern: String,
    ignore_case: bool,
}

impl SubjectMatcher {
    /// A matcher of `kind` (`exact`, `prefix`, `suffix`, `contains`); `None` for another kind.
    pub fn new(kind: &str, pattern: String, ignore_case: bool) -> Option<SubjectMatcher> {
        let kind = match kind {
            "exact" => Kind::Exact,
            "prefix" => Kind::Prefix,
            "suffix" => Kind::Suffix,
            "contains" => Kind::Contains,
            _ => return None,
        };
        let pattern = if ignore_case { pattern.to_ascii_lowercase() } else { pattern };
        Some(SubjectMatcher { kind, pattern, ignore_case })
    }

    /// Whether `sub` matches.
    pub fn matches(&self, sub: &str) -> bool {
        let lowered;
        let sub = if self.ignore_case {
            lowered = sub.to_ascii_lowercase();
            lowered.as_str()
        } else {
            sub
        };
        let p = self.pattern.as_str();
        match self.kind {
            Kind::Exact => sub == p,
            Kind::Prefix => sub.starts_with(p),
            Kind::Suffix => sub.ends_with(p),
            Kind::Contains => sub.contains(p),
        }
    }
}

impl fmt::Display for SubjectMatcher {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kind = match self.kind {
            Kind::Exact => "exact",
            Kind::Prefix => "prefix",
            Kind::Suffix => "suffix",
            Kind::Contains => "contains",
        };
        write!(f, "{kind} {:?}", self.pattern)?;
        if self.ignore_case {
            f.write_str(" (ignoring case)")?;
        }
        Ok(())
    }
}

/// `forward_payload_header`: where the payload goes, and whether it is padded
/// (`pad_forward_payload_header`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PayloadHeader {
    /// Lower-case header name.
    pub name: String,
    /// Add `=` padding to a multiple of four characters.
    pub pad: bool,
}

impl PayloadHeader {
    /// The header value for `token`: its payload segment as sent (base64url), padded on request.
    pub fn value(&self, token: &str) -> Option<String> {
        let mut payload = String::from(token.split('.').nth(1)?);
        if self.pad {
            while payload.len() % 4 != 0 {
                payload.push('=');
            }
        }
        Some(payload)
    }
}

/// The provider's `subjects` and `max_lifetime_seconds` checks on a verified token's claims.
pub fn check(p: &Provider, claims: &Map<String, Value>, now: UnixTime) -> Result<(), GateError> {
    if let Some(m) = &p.subjects {
        let sub = claims.get("sub").and_then(Value::as_str);
        if !m.matches(sub.unwrap_or_default()) {
            return Err(GateError::SubjectNotAllowed {
                subject: sub.map(String::from),
                matcher: format!("{m}"),
            });
        }
    }
    if let Some(max) = p.max_lifetime_s {
        // `exp` as the core accepted it: an integer (a fractional one is cut, as Envoy reads
        // integers only).
        let exp =
            claims.get("exp").and_then(|v| v.as_i64().or_else(|| v.as_f64().map(|f| f as i64)));
        let remaining = exp.map(|e| e.saturating_sub(now.0));
        let allowed = remaining.is_some_and(|r| u64::try_from(r).map_or(true, |r| r < max));
        if !allowed {
            return Err(GateError::LifetimeExceeded { remaining, max });
        }
    }
    Ok(())
}

/// Claims published as filter state when present as strings: the subject, the issuer and the
/// Nomad workload-identity claims.
const PUBLISHED: &[&str] =
    &["sub", "iss", "nomad_namespace", "nomad_job_id", "nomad_task", "nomad_allocation_id"];

/// The filter state for an allowed request: `jwtgate.decision` = `allowed`,
/// `jwtgate.provider`, and each of [`PUBLISHED`] the token carries as a string. Envoy stores
/// each under `wasm.<name>`.
pub fn allowed_state(provider: &str, claims: &Map<String, Value>) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::with_capacity(PUBLISHED.len() + 2);
    out.push((String::from("jwtgate.decision"), b"allowed".to_vec()));
    out.push((String::from("jwtgate.provider"), provider.as_bytes().to_vec()));
    for name in PUBLISHED {
        if let Some(Value::String(v)) = claims.get(*name) {
            out.push((format!("jwtgate.{name}"), v.as_bytes().to_vec()));
        }
    }
    out
}

/// The filter state for a refused request: `jwtgate.decision` = `denied` and `jwtgate.code`.
// Only the Envoy filter (wasm32) publishes filter state.
#[cfg_attr(not(all(feature = "envoy", target_arch = "wasm32")), allow(dead_code))]
pub fn denied_state(code: &str) -> Vec<(String, Vec<u8>)> {
    alloc::vec![
        (String::from("jwtgate.decision"), b"denied".to_vec()),
        (String::from("jwtgate.code"), code.as_bytes().to_vec()),
    ]
}

/// The stable code of a local reply, read back from its JSON body (`{"code":"ERR_…",…}`, the
/// shape `reply::for_error` writes), for the denial's filter state.
// Only the Envoy filter (wasm32) publishes filter state.
#[cfg_attr(not(all(feature = "envoy", target_arch = "wasm32")), allow(dead_code))]
pub fn reply_code(body: &[u8]) -> Option<&str> {
    let rest = body.strip_prefix(b"{\"code\":\"")?;
    let end = rest.iter().position(|&b| b == b'"')?;
    core::str::from_utf8(rest.get(..end)?).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gate::config::GateConfig;
    use alloc::string::ToString;
    use serde_json::json;

    fn provider(extra: &str) -> Provider {
        let cfg = format!(
            r#"{{"providers":[{{"name":"p","jwks":{{"kty":"OKP","crv":"Ed25519",
                "x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}}{extra}}}]}}"#
        );
        GateConfig::parse(cfg.as_bytes()).unwrap().providers.remove(0)
    }

    fn claims(v: Value) -> Map<String, Value> {
        v.as_object().unwrap().clone()
    }

    #[test]
    fn subjects_match_as_envoys_string_matcher() {
        let p = provider(r#","subjects":{"prefix":"spiffe://example/","ignore_case":true}"#);
        let t = UnixTime(100);
        assert!(check(&p, &claims(json!({"sub": "SPIFFE://example/a"})), t).is_ok());
        let e = check(&p, &claims(json!({"sub": "spiffe://other/a"})), t).unwrap_err();
        assert_eq!(e.code(), crate::Code::JwtSubjectMismatch);
        assert_eq!(
            e.to_string(),
            r#"sub "spiffe://other/a" does not match subjects: prefix "spiffe://example/" (ignoring case)"#
        );
        // Absent = the empty string, which no non-empty pattern matches.
        assert!(check(&p, &claims(json!({})), t).is_err());
        for (m, sub, ok) in [
            (r#"{"exact":"a"}"#, "a", true),
            (r#"{"exact":"a"}"#, "A", false),
            (r#"{"suffix":"/web"}"#, "job/web", true),
            (r#"{"contains":"/db/"}"#, "x/db/y", true),
            (r#"{"contains":"/db/"}"#, "x/dbx", false),
        ] {
            let p = provider(&format!(r#","subjects":{m}"#));
            assert_eq!(check(&p, &claims(json!({ "sub": sub })), t).is_ok(), ok, "{m} {sub}");
        }
    }

    #[test]
    fn max_lifetime_is_the_remaining_lifetime_as_envoy_computes_it() {
        let p = provider(r#","max_lifetime_seconds":3600"#);
        let now = UnixTime(1000);
        // exp - now < max: an hour minus a second passes, an hour does not.
        assert!(check(&p, &claims(json!({"exp": 1000 + 3599})), now).is_ok());
        let e = check(&p, &claims(json!({"exp": 1000 + 3600, "iat": 1000})), now).unwrap_err();
        assert_eq!(e.code(), crate::Code::JwtLifetimeExceeded);
        assert_eq!(e.to_string(), "token expires in 3600 s, max_lifetime_seconds is 3600");
        // A token issued long ago is judged by what is left of it, not by exp - iat.
        assert!(check(&p, &claims(json!({"iat": 0, "exp": 1000 + 60})), now).is_ok());
        let e = check(&p, &claims(json!({"sub": "x"})), now).unwrap_err();
        assert_eq!(e.code(), crate::Code::JwtClaimMissing);
    }

    #[test]
    fn payload_header_is_the_segment_as_sent_padded_on_request() {
        let h = PayloadHeader { name: "x-jwt-payload".into(), pad: false };
        assert_eq!(h.value("aGVh.eyJhIjoxfQ.c2ln").as_deref(), Some("eyJhIjoxfQ"));
        let h = PayloadHeader { pad: true, ..h };
        assert_eq!(h.value("aGVh.eyJhIjoxfQ.c2ln").as_deref(), Some("eyJhIjoxfQ=="));
        assert_eq!(h.value("aGVh.eyJhIjoxfQ").as_deref(), Some("eyJhIjoxfQ=="));
        assert_eq!(h.value("nodots"), None);
    }

    #[test]
    fn filter_state_names_and_reply_codes() {
        let s = allowed_state(
            "nomad",
            &claims(json!({"sub": "s", "nomad_job_id": "mongo", "nomad_task": 3})),
        );
        let keys: Vec<&str> = s.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(
            keys,
            ["jwtgate.decision", "jwtgate.provider", "jwtgate.sub", "jwtgate.nomad_job_id"]
        );
        let err = GateError::TokenMissing;
        let reply = crate::gate::reply::for_error(&err, "r", Default::default());
        assert_eq!(reply_code(&reply.body), Some("ERR_TOKEN_MISSING"));
        assert_eq!(reply_code(b"{}"), None);
    }
}
