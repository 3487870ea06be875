//! A verifier session: what the npm package's `Verifier` holds and does, with no JavaScript in
//! it. Keys are parsed and options fixed once ([`SessionOptions`]), verified tokens are cached
//! inside their reuse window ([`cached`]), and policy sets are kept prepared for `authorize`
//! ([`PreparedSets`]). `src/js.rs` only converts its inputs and answers.
//!
//! Answers are JSON text in the forms `pkg/src/api.js` reads: a verification in its compact
//! form ([`verified_text`]), `authorize`'s `{"ok": report, "members": n, "elided"?}`, and
//! [`Answer::Stale`] when a caller names a policy set the session no longer keeps.
//! Failures are [`Failure`]s.

pub mod cached;
pub mod input;
pub mod members;
pub mod options;
pub mod prepared;
mod rsa_host;

use alloc::borrow::Cow;
use alloc::string::String;

use serde_json::{json, Value};

use crate::authorize::Authorizer;
use crate::cache::{self, Cache, CacheKey, CacheStats};
use crate::code::Code;
use crate::failure::Failure;
use crate::identity::DEFAULT_ACCESSOR;
use crate::jose::KeySet;
use crate::policy::TemplateContext;
use crate::time::UnixTime;
use crate::verify::{self, VerifyOptions};

pub use cached::{verified_text, CachedVerification, CACHE_MAX_AGE};
pub use input::{AuthorizeInput, PolicyText, RequestInput};
pub use members::VerifiedMembers;
pub use options::{from_json, SessionOptions, DEFAULT_CACHE_BYTES, DEFAULT_CACHE_SIZE};
pub use prepared::PreparedSets;

/// An answer that may instead say the named policy set is no longer kept.
#[derive(Debug, PartialEq, Eq)]
pub enum Answer {
    /// The answer's JSON text.
    Text(String),
    /// The input named a policy set (`set`) without its text and the session no longer keeps
    /// it: the caller sends the text again (with the same or a new id).
    Stale,
}

/// A configured verifier: keys, options, the verified-token cache, kept policy sets.
pub struct Session {
    configured: Configured,
    /// Policy sets `authorize` / `render_policies` were given, parsed once and rendered once
    /// per identity.
    prepared: PreparedSets,
    /// `authorize`'s `alias` and `verification` members for the last verification it
    /// answered from.
    members: VerifiedMembers,
}

/// The keys, options and cache: what a verification needs.
struct Configured {
    keys: KeySet,
    options: VerifyOptions,
    tolerance: i64,
    /// Options and keys are fixed for the session's life, but the cache key still covers them
    /// (`CacheKey::derive`), so a cache shared by mistake could never mix answers.
    options_fingerprint: [u8; 32],
    cache: Cache<CacheKey, CachedVerification>,
    /// A host's RSA public operation for these keys, when one was lent ([`rsa_host`]).
    rsa: Option<alloc::boxed::Box<dyn crate::jose::rsa::RsaPublicOp>>,
}

impl Session {
    /// A session from its options' JSON text ([`SessionOptions`]).
    pub fn configure(text: &str) -> Result<Session, Failure> {
        let o: SessionOptions = from_json(text)?;
        let (options, tolerance) = o.verify_options()?;
        let (keys, key_fp) = o.load_keys(&options.limits)?;
        let configured = Configured {
            keys,
            options,
            tolerance,
            // The options text minus the keys, plus the key fingerprint.
            options_fingerprint: cache::fingerprint([text.as_bytes(), key_fp.as_slice()]),
            cache: Cache::bounded(
                o.cache_size.unwrap_or(DEFAULT_CACHE_SIZE),
                o.cache_bytes.unwrap_or(DEFAULT_CACHE_BYTES),
            ),
            rsa: None,
        };
        Ok(Session {
            configured,
            prepared: PreparedSets::default(),
            members: VerifiedMembers::default(),
        })
    }

    /// The verification of `token` at `now`: from the cache inside its window, else computed
    /// (and cached when [`cache::window`] allows).
    pub fn verify(
        &mut self,
        token: &str,
        now: UnixTime,
    ) -> Result<Cow<'_, CachedVerification>, Failure> {
        self.configured.verify(token, now)
    }

    /// The verified-token cache's counters.
    pub fn cache_stats(&self) -> CacheStats {
        self.configured.cache.stats()
    }

    /// Verifies `token` (Vault semantics), renders `input.policies` for the alias and decides
    /// `input.request`: `{"ok": report, "members": n, "elided"?}` with `lazy`, else
    /// `{"ok": report}` with `rendered`, `alias` and `verification`.
    pub fn authorize(
        &mut self,
        token: &str,
        input: &AuthorizeInput,
        now: UnixTime,
    ) -> Result<Answer, Failure> {
        self.with_alias(token, input, now, |authz, entry, members| {
            let Some(req) = &input.request else {
                return Err(Failure::options(
                    "request",
                    "give { path, capability } or { method, path }",
                ));
            };
            let report = authz.authorize(&req.to_request()?);
            let mut out = serde_json::to_value(&report).unwrap_or(Value::Null);
            if input.lazy {
                if let Value::Object(m) = out {
                    return members.answer(m, entry, input.have);
                }
            }
            if let Value::Object(m) = &mut out {
                m.insert(
                    "rendered".into(),
                    serde_json::to_value(authz.rendered()).unwrap_or(Value::Null),
                );
                let verified = &entry.verified;
                m.insert("alias".into(), serde_json::to_value(&verified.alias).unwrap_or_default());
                m.insert(
                    "verification".into(),
                    serde_json::to_value(&verified.report).unwrap_or_default(),
                );
            }
            ok_text(&out)
        })
    }

    /// Verifies `token` and renders `input.policies` (no decision):
    /// `{"ok": {alias, dropped, rendered}}`.
    pub fn render_policies(
        &mut self,
        token: &str,
        input: &AuthorizeInput,
        now: UnixTime,
    ) -> Result<Answer, Failure> {
        self.with_alias(token, input, now, |authz, entry, _| {
            ok_text(&json!({
                "rendered": authz.rendered(),
                "dropped": authz.dropped(),
                "alias": entry.verified.alias,
            }))
        })
    }

    fn with_alias(
        &mut self,
        token: &str,
        input: &AuthorizeInput,
        now: UnixTime,
        then: impl FnOnce(
            &Authorizer,
            &CachedVerification,
            &mut VerifiedMembers,
        ) -> Result<String, Failure>,
    ) -> Result<Answer, Failure> {
        let limits = &self.configured.options.limits;
        let prepared = match (input.set, input.policies.is_empty()) {
            (Some(id), true) => match self.prepared.by_id(id, limits) {
                Some(p) => p,
                None => return Ok(Answer::Stale),
            },
            (id, _) => self.prepared.get(&input.policies, limits, id)?,
        };
        let entry = self.configured.verify(token, now)?;
        let Some(alias) = &entry.verified.alias else {
            return Err(Failure::options(
                "role",
                "policies are rendered from a Vault entity alias: give a Vault role",
            ));
        };
        let accessor = input.accessor.as_deref().unwrap_or(DEFAULT_ACCESSOR);
        let mut ctx = TemplateContext::for_alias(alias, accessor, now);
        if let Some(extras) = &input.entity {
            extras.apply(&mut ctx);
        }
        let authz = prepared.authorizer(&ctx);
        then(authz, &entry, &mut self.members).map(Answer::Text)
    }

    /// Benchmark probe (pkg/bench/overhead.mjs): parses `token` once, then runs only the
    /// signature primitive (key selection by `kid`, hash, public-key check — the same
    /// [`crate::jose::verify_signature`] `verify` calls) `iterations` times. Returns how many
    /// verified, or -1 when the token does not parse. It answers nothing a caller could not
    /// learn from `verify`; it exists so the cost of everything except the signature can be
    /// measured in the very module that ships.
    pub fn bench_signature(&self, token: &str, iterations: u32) -> i32 {
        let c = &self.configured;
        let Ok(jws) = crate::jose::parse_compact(token, &c.options.limits) else {
            return -1;
        };
        let mut verified = 0i32;
        for _ in 0..iterations {
            let h = &jws.header;
            let r = crate::jose::verify_signature(
                h.alg,
                h.kid.as_deref(),
                jws.signing_input,
                &jws.signature,
                &c.keys,
            );
            if r.is_ok() {
                verified = verified.saturating_add(1);
            }
        }
        verified
    }

    /// Benchmark probe (pkg/bench/overhead.mjs), the complement of [`Session::bench_signature`]:
    /// runs `iterations` times what `verify` does for a token it has not cached — parse, `alg`
    /// allow-list, key selection by `kid`, claims, report, result text — with the public-key
    /// check left out (the key is chosen as `verify_signature` chooses it, then taken as
    /// verified). Returns only the length of the last result text (-1 when rejected), so it
    /// cannot be used to accept a token.
    pub fn bench_overhead(&mut self, token: &str, now: UnixTime, iterations: u32) -> i32 {
        let c = &mut self.configured;
        c.options.now = now;
        let keys = &c.keys;
        let mut len = -1i32;
        for _ in 0..iterations {
            let verified = verify::verify_with(
                token,
                &c.options,
                crate::claims::Mode::FailFast,
                |alg, kid, _input, _sig| {
                    let kid = if keys.source == crate::jose::KeySource::Jwks { kid } else { None };
                    keys.keys
                        .iter()
                        .find(|k| {
                            (kid.is_none() || k.kid.as_deref() == kid)
                                && k.alg.is_none_or(|a| a == alg)
                                && k.key.fits(alg)
                        })
                        .map(|k| verify::KeyInfo {
                            kid: k.kid.clone(),
                            alg,
                            kty: k.kty.as_str().into(),
                            thumbprint: k.thumbprint.clone(),
                        })
                        .ok_or(crate::jose::KeyError::KeysMissing { skipped: 0 })
                },
            );
            len = match verified {
                Ok(v) => {
                    let window = cache::window(&v.claims, now, c.tolerance, CACHE_MAX_AGE);
                    verified_text(&v, window)
                        .map_or(-1, |t| i32::try_from(t.len()).unwrap_or(i32::MAX))
                }
                Err(_) => -1,
            };
        }
        len
    }
}

impl Configured {
    fn verify(
        &mut self,
        token: &str,
        now: UnixTime,
    ) -> Result<Cow<'_, CachedVerification>, Failure> {
        let stats = self.cache.stats();
        let caching = stats.capacity > 0 && stats.max_bytes > 0;
        // No cache, no key: hashing the token would be wasted work.
        let key =
            caching.then(|| CacheKey::derive(token.as_bytes(), &[], &self.options_fingerprint));
        // `get` counts the hit or miss; `peek` below only borrows the entry.
        let hit = match &key {
            Some(k) => self.cache.get(k, now).is_some(),
            None => {
                self.cache.count_miss();
                false
            }
        };
        if !hit {
            self.options.now = now;
            let rsa = self.rsa.as_deref();
            let verified = verify::verify_using(token, &self.keys, &self.options, rsa)
                .map_err(|r| Failure::rejected(&r, token, &self.options.limits))?;
            let window = if caching {
                cache::window(&verified.claims, now, self.tolerance, CACHE_MAX_AGE)
            } else {
                None
            };
            let json = verified_text(&verified, window)?;
            let entry = CachedVerification { verified, json };
            match (key, window) {
                // Heavier than the whole byte bound: answered once, like an uncacheable one.
                (Some(_), Some(_)) if cached::weight(&entry) > stats.max_bytes => {
                    return Ok(Cow::Owned(entry))
                }
                (Some(key), Some((from, until))) => {
                    let bytes = cached::weight(&entry);
                    self.cache.insert_weighed(key, entry, bytes, from, until);
                }
                // Caching off, or not cacheable (no numeric `exp`): answered once.
                _ => return Ok(Cow::Owned(entry)),
            }
        }
        let entry = key.as_ref().and_then(|k| self.cache.peek(k, now));
        entry.map(Cow::Borrowed).ok_or_else(|| {
            Failure::new(Code::OptionsInvalid, "verified-token cache refused a fresh entry")
        })
    }
}

/// `{"ok": value}` as text.
fn ok_text(value: &Value) -> Result<String, Failure> {
    serde_json::to_string(&json!({ "ok": value }))
        .map_err(|_| Failure::new(Code::JsonInvalid, "result could not be serialized"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::format;
    use alloc::string::ToString;

    fn sample(f: &str) -> String {
        std::fs::read_to_string(format!("tests/fixtures/sample/{f}")).unwrap()
    }

    fn text(a: Result<Answer, Failure>) -> String {
        match a.unwrap() {
            Answer::Text(t) => t,
            Answer::Stale => "stale".into(),
        }
    }

    /// `authorize` with `lazy` and a kept set (what pkg/src/api.js sends for a cached token)
    /// answers exactly what the eager call answers, `rendered` aside; a set is named only on
    /// the session it was sent to.
    #[test]
    fn lazy_authorize_is_the_eager_answer_without_rendered() {
        let configured = || {
            let options = json!({
                "jwks": sample("jwks.json"),
                "role": sample("role.json"),
                "roleName": "nomad-workloads",
                "config": sample("config.json"),
            });
            Session::configure(&options.to_string()).unwrap()
        };
        let token = sample("token.jwt");
        let token = token.trim();
        let now = UnixTime(1_767_225_900);
        let policies = json!([{"name": "p", "text":
            "path \"kv/{{identity.entity.aliases.A.name}}/*\" { capabilities = [\"read\"] }\n\
             path \"kv/{{identity.entity.aliases.A.metadata.nomad_job_id}}/*\" { capabilities = [\"list\"] }"}]);
        let rest = json!({"accessor": "A", "request": {"path": "kv/x/y", "capability": "read"}});
        let with = |extra: Value| {
            let mut m = rest.as_object().unwrap().clone();
            m.extend(extra.as_object().unwrap().clone());
            from_json::<AuthorizeInput>(&Value::Object(m).to_string()).unwrap()
        };
        let mut v = configured();
        let eager = text(v.authorize(token, &with(json!({"policies": policies})), now));
        let mut expected: Value = serde_json::from_str(&eager).unwrap();
        let rendered = expected["ok"]["rendered"].take();
        assert!(rendered.as_array().is_some_and(|r| r.len() == 2), "{eager}");
        let expected = expected.to_string();
        // The answer without `members` / `elided`, and those.
        let split = |answer: String| {
            let at = answer.rfind(",\"members\":").expect(&answer);
            let tail: Value = serde_json::from_str(&format!("{{{}", &answer[at + 1..])).unwrap();
            (
                format!("{}}}", &answer[..at]),
                tail["members"].as_u64().unwrap(),
                tail.get("elided").is_some(),
            )
        };
        let lazy = |v: &mut Session, extra: Value| text(v.authorize(token, &with(extra), now));
        let (sent, members, elided) =
            split(lazy(&mut v, json!({"policies": policies, "set": 1, "lazy": true})));
        assert_eq!(sent, expected);
        assert!(!elided);
        // Named by id (the members kept from the call before), once holding no copy of the
        // verification, once holding the current one, once an older one.
        assert_eq!(
            split(lazy(&mut v, json!({"set": 1, "lazy": true}))),
            (expected.clone(), members, false)
        );
        let (held, n, elided) =
            split(lazy(&mut v, json!({"set": 1, "lazy": true, "have": members})));
        assert_eq!((n, elided), (members, true));
        let mut without: Value = serde_json::from_str(&expected).unwrap();
        without["ok"]["verification"] = Value::Null;
        assert_eq!(held, without.to_string());
        assert_eq!(
            split(lazy(&mut v, json!({"set": 1, "lazy": true, "have": members + 1}))),
            (expected.clone(), members, false)
        );
        let again: Value =
            serde_json::from_str(&text(v.render_policies(token, &with(json!({"set": 1})), now)))
                .unwrap();
        assert_eq!(again["ok"]["rendered"], rendered);
        // Another request after the memo: the same as eager.
        let other = |mut i: AuthorizeInput| {
            i.request = Some(RequestInput {
                path: "kv/x".into(),
                capability: Some("list".into()),
                method: None,
            });
            i
        };
        let mut eager_other: Value = serde_json::from_str(&text(v.authorize(
            token,
            &other(with(json!({"policies": policies}))),
            now,
        )))
        .unwrap();
        eager_other["ok"]["rendered"] = Value::Null;
        let (lazy_other, _, _) =
            split(text(v.authorize(token, &other(with(json!({"set": 1, "lazy": true}))), now)));
        assert_eq!(lazy_other, eager_other.to_string());
        // An id the session does not keep, and another session, answer Stale.
        let stale = |v: &mut Session, extra: Value| v.authorize(token, &with(extra), now).unwrap();
        assert_eq!(stale(&mut v, json!({"set": 2, "lazy": true})), Answer::Stale);
        let mut w = configured();
        assert_eq!(stale(&mut w, json!({"set": 1, "lazy": true})), Answer::Stale);
        assert_eq!(w.render_policies(token, &with(json!({"set": 1})), now).unwrap(), Answer::Stale);
        // Resent under a new id, the old id no longer names it.
        let resent = lazy(&mut v, json!({"policies": policies, "set": 3, "lazy": true}));
        assert_eq!(split(resent).0, expected);
        assert_eq!(stale(&mut v, json!({"set": 1, "lazy": true})), Answer::Stale);
        assert_eq!(split(lazy(&mut v, json!({"set": 3, "lazy": true}))).0, expected);
    }

    /// A refused token's failure carries the claim's values as data and, after a verified
    /// signature, the payload; an unsigned failure carries no payload.
    #[test]
    fn a_claim_failure_carries_values_and_payload() {
        let options = json!({ "jwks": sample("jwks.json"), "audience": ["not-this"] });
        let mut s = Session::configure(&options.to_string()).unwrap();
        let token = sample("token.jwt");
        let f = match s.verify(token.trim(), UnixTime(1_767_225_900)) {
            Err(f) => f,
            Ok(_) => panic!("accepted"),
        };
        assert_eq!(f.code, Code::JwtAudienceMismatch);
        let d = f.detail.unwrap();
        assert_eq!(d.claim.as_deref(), Some("aud"));
        assert_eq!(d.expected, Some(json!(["not-this"])));
        let payload = d.payload.unwrap();
        assert_eq!(d.actual.as_ref(), payload.get("aud"));
        let mut wrong = token.trim().to_string();
        wrong.push('A');
        let f = match s.verify(&wrong, UnixTime(1_767_225_900)) {
            Err(f) => f,
            Ok(_) => panic!("accepted"),
        };
        assert!(f.detail.is_some_and(|d| d.payload.is_none() && d.claim.is_none()));
    }
}
