//! The npm package's boundary (feature `js`): JSON text in, JSON text out, no decisions.
//!
//! Every export takes strings and returns one JSON string, either `{"ok": <value>}` or
//! `{"err": {"code", "message", "claim"?, "expected"?, "actual"?}}`. The JavaScript side parses
//! it and throws `JwtgateError` for `err`. Passing text keeps the boundary tiny (no
//! serde-wasm-bindgen, no JS object walking from Rust) and makes the cost easy to measure.
//!
//! Test-identity minting is a separate module ([`crate::js_mint`]), loaded only when used; the
//! helpers both share are in [`crate::js_shared`].

// The remote key-set lifecycle's boundary (`RemoteKeys`), kept apart from the verifier's.
mod remote_keys;

use alloc::borrow::Cow;
use alloc::string::{String, ToString};
use alloc::vec::Vec;

use serde::Deserialize;
use serde_json::{json, Map, Value};
use wasm_bindgen::prelude::wasm_bindgen;

use crate::authorize::{Authorizer, IdentityExtras, PreparedPolicies, Request};
use crate::cache::{self, Cache, CacheKey};
use crate::claims::StandardOptions;
use crate::error::{Code, Error};
use crate::jose::{Algorithm, KeySet};
use crate::js_shared::{fail, fail_with, ok, parse_options, unix_time, JsError};
use crate::limits::Limits;
use crate::policy::http::HttpOptions;
use crate::policy::{parse_policy, Policy, TemplateContext};
use crate::role::{VaultConfig, VaultRole};
use crate::time::UnixTime;
use crate::verify::{self, Profile, Verified, VerifyOptions};

/// Every error code, in declaration order, as a JSON array of strings.
#[wasm_bindgen]
pub fn codes() -> String {
    let all: Vec<&str> = Code::ALL.iter().map(|c| c.as_str()).collect();
    ok(&all)
}

/// Any layer's error (the top-level [`Error`] or a [`crate::LoadError`]) as the JSON text JS throws.
fn fail_error<E: Clone + Into<Error>>(e: &E) -> String {
    let e: Error = e.clone().into();
    fail(e.code(), &e.to_string())
}

/// Verify options as the JS API sends them (after `src/api.js` normalised them).
#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase", deny_unknown_fields)]
struct JsVerifyOptions {
    jwks: Option<String>,
    keys: Option<Vec<String>>,
    issuer: Option<Vec<String>>,
    audience: Option<Vec<String>>,
    subject: Option<String>,
    algorithms: Option<Vec<String>>,
    required_claims: Option<Vec<String>>,
    clock_tolerance: Option<i64>,
    role: Option<String>,
    role_name: Option<String>,
    config: Option<String>,
    limits: Option<Limits>,
    cache_size: Option<usize>,
    cache_bytes: Option<usize>,
}

/// Default verified-token cache entries per verifier (fast-jwt's `cache: true` uses 1000).
const DEFAULT_CACHE_SIZE: usize = 1000;
/// Default bound on the weights of a verifier's cached answers, in bytes (see [`weight`]).
/// `pkg/src/api.js` passes its own (its process-wide budget decides it); this is the default
/// for any other caller of `configure`.
const DEFAULT_CACHE_BYTES: usize = 8 * 1024 * 1024;
/// Longest a cached verification is reused, in seconds (fast-jwt's default `cacheTTL`).
const CACHE_MAX_AGE: u32 = 600;

/// What a cached answer is counted as against the verifier's byte bound: its text, plus the
/// parsed header, claims, alias and report it was written from, which live beside it. Those
/// trees hold the same strings again (weighed as three times the text in all); each member or
/// element adds a `Value`, a map slot and allocation headers (weighed per `,` and `:` of the
/// text), and each object or array its first map node or vector buffer (per `{` and `[`); the
/// constant covers the entry's own bookkeeping (the key, two tree nodes, the window). Counting
/// punctuation inside strings too only over-counts, which only shortens the cache;
/// `pkg/test/cache-bytes.test.mjs` checks the module's memory against the weights for long
/// strings, many small members and nesting.
fn weight(entry: &CachedVerification) -> usize {
    let text = entry.json.as_bytes();
    let members = text.iter().filter(|b| matches!(b, b',' | b':')).count();
    let containers = text.iter().filter(|b| matches!(b, b'{' | b'[')).count();
    text.len()
        .saturating_mul(3)
        .saturating_add(members.saturating_mul(32))
        .saturating_add(containers.saturating_mul(320))
        .saturating_add(2048)
}

fn options_invalid(field: &str, reason: &str) -> String {
    fail_with(JsError {
        code: Code::OptionsInvalid,
        message: alloc::format!("invalid option {field}: {reason}"),
        claim: None,
        expected: None,
        actual: None,
    })
}

fn load_keys(o: &JsVerifyOptions, limits: &Limits) -> Result<(KeySet, [u8; 32]), String> {
    match (&o.jwks, &o.keys) {
        (Some(_), Some(_)) => {
            Err(options_invalid("jwks/keys", "give a JWKS or PEM keys, not both"))
        }
        (Some(jwks), None) => {
            let set = KeySet::from_jwks(jwks.as_bytes(), limits).map_err(|e| fail_error(&e))?;
            Ok((set, cache::fingerprint([b"jwks".as_slice(), jwks.as_bytes()])))
        }
        (None, Some(pems)) => {
            let refs: Vec<&str> = pems.iter().map(String::as_str).collect();
            let set = KeySet::from_pem(&refs, limits).map_err(|e| fail_error(&e))?;
            let docs = core::iter::once(b"pem".as_slice()).chain(pems.iter().map(|p| p.as_bytes()));
            Ok((set, cache::fingerprint(docs)))
        }
        (None, None) => Err(fail(Code::KeysMissing, "no keys: give jwks or keys (PEM)")),
    }
}

fn build_options(o: &JsVerifyOptions) -> Result<(VerifyOptions, i64), String> {
    let limits = o.limits.clone().unwrap_or_default();
    let algorithms = match &o.algorithms {
        None => None,
        Some(names) => {
            let mut out = Vec::new();
            for n in names {
                match Algorithm::from_name(n) {
                    Some(a) => out.push(a),
                    None => {
                        return Err(options_invalid(
                            "algorithms",
                            &alloc::format!("unknown algorithm {n:?}"),
                        ))
                    }
                }
            }
            Some(out)
        }
    };
    let (profile, tolerance) = match &o.role {
        Some(role) => {
            for (set, name) in [
                (o.issuer.is_some(), "issuer"),
                (o.audience.is_some(), "audience"),
                (o.subject.is_some(), "subject"),
                (o.required_claims.is_some(), "requiredClaims"),
                (o.clock_tolerance.is_some(), "clockTolerance"),
            ] {
                if set {
                    return Err(options_invalid(
                        name,
                        "with a Vault role the role and config decide it (bound_issuer, bound_audiences, bound_subject, leeways)",
                    ));
                }
            }
            let role =
                VaultRole::from_json(role.as_bytes(), &limits).map_err(|e| fail_error(&e))?;
            let config_text = o.config.as_deref().unwrap_or("{}");
            let config = VaultConfig::from_json(config_text.as_bytes(), &limits)
                .map_err(|e| fail_error(&e))?;
            let name = o.role_name.clone().unwrap_or_default();
            let v = VerifyOptions::vault(UnixTime(0), role, &name, config);
            // Vault's leeways only ever widen validity; the cache window uses the raw `exp`.
            (v.profile, 0)
        }
        None => {
            if o.config.is_some() || o.role_name.is_some() {
                return Err(options_invalid(
                    "config/roleName",
                    "only apply together with a Vault role",
                ));
            }
            let mut std_opts = StandardOptions::default();
            if let Some(i) = &o.issuer {
                std_opts.issuer = i.clone();
            }
            if let Some(a) = &o.audience {
                std_opts.audience = a.clone();
            }
            std_opts.subject = o.subject.clone();
            if let Some(r) = &o.required_claims {
                std_opts.required_claims = r.clone();
            }
            let tolerance = o.clock_tolerance.unwrap_or(0);
            std_opts.clock_tolerance = tolerance;
            (Profile::Standard(std_opts), tolerance)
        }
    };
    Ok((VerifyOptions { now: UnixTime(0), limits, algorithms, profile }, tolerance))
}

/// A verification answered once and reusable inside its window.
#[derive(Clone)]
struct CachedVerification {
    verified: Verified,
    json: String,
}

struct Configured {
    keys: KeySet,
    options: VerifyOptions,
    tolerance: i64,
    /// Options and keys are fixed for the verifier's life, but the key still covers them
    /// (`CacheKey::derive`), so a cache shared by mistake could never mix answers.
    options_fingerprint: [u8; 32],
    cache: Cache<CacheKey, CachedVerification>,
}

/// A verified token in the boundary's compact form (read by `readVerified()` in
/// `pkg/src/api.js`): `v` then four fields separated by `\n`: window start, window end (both
/// empty when the answer must not be reused), the JSON array `[header, payload, key, alias]`,
/// and the JSON of `report`. Compact JSON never contains a raw newline, so the JS side finds
/// the fields with three searches, parses the array with one `JSON.parse`, and parses the
/// report (most of the text, read mostly after failures, which throw with it already parsed)
/// only when it is first read. Each part is written straight from the core's types by
/// [`crate::json::write`] (the same text serde_json writes, without its per-token cost in this
/// size-optimised module): no `Value` tree, no clones.
/// The window (when the answer may be reused, from [`cache::window`]) lets the JS side memoise
/// the result for exactly as long as this cache would answer.
fn verified_text(v: &Verified, window: Option<(UnixTime, UnixTime)>) -> String {
    use crate::json::write;
    let mut out = write::Out::with_capacity(2048);
    out.push(b'v');
    if let Some((from, until)) = window {
        write::signed(&mut out, from.0);
        out.push(b'\n');
        write::signed(&mut out, until.0);
    } else {
        out.push(b'\n');
    }
    out.extend_from_slice(b"\n[");
    write::object(&mut out, &v.header.members);
    out.push(b',');
    write::object(&mut out, &v.claims);
    out.push(b',');
    // `KeyInfo` as serde writes it: every field, `kid` null when absent.
    out.extend_from_slice(b"{\"kid\":");
    match &v.key.kid {
        Some(kid) => write::string(&mut out, kid),
        None => out.extend_from_slice(b"null"),
    }
    out.extend_from_slice(b",\"alg\":");
    write::string(&mut out, v.key.alg.as_str());
    out.extend_from_slice(b",\"kty\":");
    write::string(&mut out, &v.key.kty);
    out.extend_from_slice(b",\"thumbprint\":");
    write::string(&mut out, &v.key.thumbprint);
    out.extend_from_slice(b"},");
    match &v.alias {
        None => out.extend_from_slice(b"null"),
        Some(alias) => match serde_json::to_vec(alias) {
            Ok(text) => out.extend_from_slice(&text),
            Err(_) => return fail(Code::JsonInvalid, "result could not be serialized"),
        },
    }
    out.extend_from_slice(b"]\n");
    v.report.write_json(&mut out);
    // The writers produce valid UTF-8 and the rest is ASCII.
    String::from_utf8(out.into_vec())
        .unwrap_or_else(|_| fail(Code::JsonInvalid, "result could not be serialized"))
}

impl Configured {
    /// The verification of `token` at `now`: from the cache inside its window, else computed
    /// (and cached when [`cache::window`] allows).
    fn verify(
        &mut self,
        token: &str,
        now: UnixTime,
    ) -> Result<Cow<'_, CachedVerification>, String> {
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
            let verified = verify::verify(token, &self.keys, &self.options)
                .map_err(|rejected| ok_err(&rejected))?;
            let window = if caching {
                cache::window(&verified.claims, now, self.tolerance, CACHE_MAX_AGE)
            } else {
                None
            };
            let json = verified_text(&verified, window);
            let entry = CachedVerification { verified, json };
            match (key, window) {
                // Heavier than the whole byte bound: answered once, like an uncacheable one.
                (Some(_), Some(_)) if weight(&entry) > stats.max_bytes => {
                    return Ok(Cow::Owned(entry))
                }
                (Some(key), Some((from, until))) => {
                    let bytes = weight(&entry);
                    self.cache.insert_weighed(key, entry, bytes, from, until);
                }
                // Caching off, or not cacheable (no numeric `exp`): answered once.
                _ => return Ok(Cow::Owned(entry)),
            }
        }
        let entry = key.as_ref().and_then(|k| self.cache.peek(k, now));
        match entry {
            Some(entry) => Ok(Cow::Borrowed(entry)),
            None => Err(fail(Code::OptionsInvalid, "verified-token cache refused a fresh entry")),
        }
    }
}

/// A token as the `Verifier` methods receive it: UTF-8 bytes, which `pkg/src/api.js` writes
/// with `TextEncoder.encodeInto` (for a `&str` argument wasm-bindgen copies with a JavaScript
/// loop over the characters instead, about 15 times slower; measured in api.js). That encoder
/// writes well-formed UTF-8, replacing lone surrogates with U+FFFD as wasm-bindgen's own copy
/// does; other callers' malformed bytes are replaced the same way here, and the token is then
/// refused as not base64url, naming the first offending byte and its offset.
fn token_text(bytes: &[u8]) -> Cow<'_, str> {
    String::from_utf8_lossy(bytes)
}

/// `{"err": <Rejected>}`: the rejection's own serialization carries code, message, claim,
/// expected, actual and the report.
fn ok_err(rejected: &verify::Rejected) -> String {
    #[derive(serde::Serialize)]
    struct Envelope<'a> {
        err: &'a verify::Rejected,
    }
    match serde_json::to_string(&Envelope { err: rejected }) {
        Ok(s) => s,
        Err(_) => fail(rejected.error.code(), &rejected.error.to_string()),
    }
}

/// A prepared verifier: keys parsed once, options fixed, verified tokens cached.
#[wasm_bindgen]
pub struct Verifier {
    state: Option<Configured>,
    /// Policy sets `authorize` / `renderPolicies` were given, parsed once and rendered once
    /// per identity.
    prepared: PreparedSets,
    /// `authorize`'s `alias` and `verification` members for the last verification it
    /// answered from.
    members: VerifiedMembers,
}

impl Default for Verifier {
    fn default() -> Self {
        Verifier::new()
    }
}

#[wasm_bindgen]
impl Verifier {
    /// An unconfigured verifier; call `configure` next.
    #[wasm_bindgen(constructor)]
    pub fn new() -> Verifier {
        Verifier {
            state: None,
            prepared: PreparedSets::default(),
            members: VerifiedMembers::default(),
        }
    }

    /// Parses options and keys (JSON text of the JS options). Returns an envelope.
    pub fn configure(&mut self, options: &str) -> String {
        let o: JsVerifyOptions = match parse_options(options) {
            Ok(o) => o,
            Err(e) => return e,
        };
        let (opts, tolerance) = match build_options(&o) {
            Ok(x) => x,
            Err(e) => return e,
        };
        let (keys, key_fp) = match load_keys(&o, &opts.limits) {
            Ok(k) => k,
            Err(e) => return e,
        };
        // The options text minus the keys, plus the key fingerprint.
        let options_fingerprint = cache::fingerprint([options.as_bytes(), key_fp.as_slice()]);
        self.state = Some(Configured {
            keys,
            options: opts,
            tolerance,
            options_fingerprint,
            cache: Cache::bounded(
                o.cache_size.unwrap_or(DEFAULT_CACHE_SIZE),
                o.cache_bytes.unwrap_or(DEFAULT_CACHE_BYTES),
            ),
        });
        ok(&Value::Null)
    }

    /// Verifies `token` (its UTF-8 bytes, see [`token_text`]) at `now` (Unix seconds). Returns
    /// an envelope.
    pub fn verify(&mut self, token: &[u8], now: f64) -> String {
        let token = token_text(token);
        let token = token.as_ref();
        let Some(state) = self.state.as_mut() else {
            return fail(Code::OptionsInvalid, "verifier not configured");
        };
        let Some(now) = unix_time(now) else {
            return fail(Code::OptionsInvalid, "now is not a finite number of seconds");
        };
        match state.verify(token, now) {
            Ok(Cow::Borrowed(entry)) => entry.json.clone(),
            Ok(Cow::Owned(entry)) => entry.json,
            Err(e) => e,
        }
    }

    /// Verifies `token` (Vault semantics), renders `input.policies` for the alias and decides
    /// `input.request`. Returns an envelope with the authorization report.
    pub fn authorize(&mut self, token: &[u8], input: &str, now: f64) -> String {
        self.with_alias(&token_text(token), input, now, |authz, input, entry, memo| {
            let verified = &entry.verified;
            let Some(req) = &input.request else {
                return Err(options_invalid(
                    "request",
                    "give { path, capability } or { method, path }",
                ));
            };
            let request = match (&req.method, &req.capability) {
                (Some(_), Some(_)) => {
                    return Err(options_invalid("request", "give capability or method, not both"))
                }
                (Some(m), None) => Request::from_http(m, &req.path, &HttpOptions::default()),
                (None, Some(c)) => Request::parse(req.path.clone(), c),
                (None, None) => {
                    return Err(options_invalid("request", "give capability or method"))
                }
            }
            .map_err(|e| fail(e.code(), &e.to_string()))?;
            let report = authz.authorize(&request);
            let mut out = serde_json::to_value(&report).unwrap_or(Value::Null);
            if input.lazy {
                if let Value::Object(m) = out {
                    return Ok(memo.answer(m, entry, input.have));
                }
            }
            if let Value::Object(m) = &mut out {
                // `lazy`: the caller asks for `rendered` only when it is read (pkg/src/api.js),
                // so the renderings (one per templated path, the largest part of the answer)
                // are neither written nor parsed per call; `null` keeps the member's place.
                let rendered = if input.lazy {
                    Value::Null
                } else {
                    serde_json::to_value(authz.rendered()).unwrap_or(Value::Null)
                };
                m.insert("rendered".into(), rendered);
                m.insert(
                    "alias".into(),
                    serde_json::to_value(&verified.alias).unwrap_or(Value::Null),
                );
                m.insert(
                    "verification".into(),
                    serde_json::to_value(&verified.report).unwrap_or(Value::Null),
                );
            }
            Ok(ok(&out))
        })
    }

    /// Verifies `token` and renders `input.policies` (no decision). Returns an envelope.
    #[wasm_bindgen(js_name = renderPolicies)]
    pub fn render_policies(&mut self, token: &[u8], input: &str, now: f64) -> String {
        self.with_alias(&token_text(token), input, now, |authz, _input, entry, _| {
            let verified = &entry.verified;
            Ok(ok(&json!({
                "rendered": authz.rendered(),
                "dropped": authz.dropped(),
                "alias": verified.alias,
            })))
        })
    }

    /// Benchmark probe (pkg/bench/overhead.mjs): parses `token` once, then runs only the
    /// signature primitive (key selection by `kid`, hash, public-key check — the same
    /// [`crate::jose::verify_signature`] `verify` calls) `iterations` times. Returns how many
    /// verified, or -1 when the token does not parse. It answers nothing a caller could not
    /// learn from `verify`, so it is safe to ship; it exists so the cost of everything except
    /// the signature can be measured in this very module.
    #[wasm_bindgen(js_name = __benchSignature)]
    pub fn bench_signature(&self, token: &[u8], iterations: u32) -> i32 {
        let token = token_text(token);
        let token = token.as_ref();
        let Some(state) = &self.state else { return -1 };
        let Ok(jws) = crate::jose::parse_compact(token, &state.options.limits) else {
            return -1;
        };
        let mut verified = 0i32;
        for _ in 0..iterations {
            let r = crate::jose::verify_signature(
                jws.header.alg,
                jws.header.kid.as_deref(),
                jws.signing_input,
                &jws.signature,
                &state.keys,
            );
            if r.is_ok() {
                verified = verified.saturating_add(1);
            }
        }
        verified
    }

    /// Benchmark probe (pkg/bench/overhead.mjs), the complement of `__benchSignature`: runs
    /// `iterations` times what `verify` does for a token it has not cached — parse, `alg`
    /// allow-list, key selection by `kid`, claims, report, result text — with the public-key
    /// check left out (the key is chosen as `verify_signature` chooses it, then taken as
    /// verified). Returns only the length of the last result text (-1 when rejected), so it
    /// cannot be used to accept a token.
    #[wasm_bindgen(js_name = __benchOverhead)]
    pub fn bench_overhead(&mut self, token: &[u8], now: f64, iterations: u32) -> i32 {
        let token = token_text(token);
        let token = token.as_ref();
        let Some(state) = self.state.as_mut() else { return -1 };
        let Some(now) = unix_time(now) else { return -1 };
        state.options.now = now;
        let keys = &state.keys;
        let mut len = -1i32;
        for _ in 0..iterations {
            let verified = verify::verify_with(
                token,
                &state.options,
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
                    let window = cache::window(&v.claims, now, state.tolerance, CACHE_MAX_AGE);
                    i32::try_from(verified_text(&v, window).len()).unwrap_or(i32::MAX)
                }
                Err(_) => -1,
            };
        }
        len
    }

    /// Cache counters as an envelope.
    #[wasm_bindgen(js_name = cacheStats)]
    pub fn cache_stats(&self) -> String {
        match &self.state {
            Some(s) => {
                let st = s.cache.stats();
                ok(&json!({
                    "len": st.len,
                    "capacity": st.capacity,
                    "hits": st.hits,
                    "misses": st.misses,
                    "bytes": st.bytes,
                    "maxBytes": st.max_bytes,
                }))
            }
            None => fail(Code::OptionsInvalid, "verifier not configured"),
        }
    }
}

#[derive(Clone, Deserialize, PartialEq, Eq)]
struct JsPolicy {
    name: String,
    text: String,
}

/// The policy sets a verifier was recently given, most recently used first, each kept with
/// the limits it was parsed under (a set is reused only for the same texts, names and limits).
///
/// A set may also be kept under a caller-chosen `id` (`set` in the input), so that a caller
/// that sends the same policies again can name them instead of copying and comparing their
/// text: pkg/src/api.js numbers the sets of one verifier, each number naming one content for
/// good, and each verifier has its own `PreparedSets`, so an id never reaches another
/// verifier's policies. An id that is no longer kept gives [`STALE`], never another set.
#[derive(Default)]
struct PreparedSets {
    sets: Vec<PreparedSet>,
}

/// One policy set kept by [`PreparedSets`].
struct PreparedSet {
    /// The caller's id for it, when it gave one (the latest one it gave for this content).
    id: Option<u64>,
    policies: Vec<JsPolicy>,
    limits: Limits,
    prepared: PreparedPolicies,
}

/// The answer when the input names a policy set (`set`) without its text and the verifier no
/// longer keeps that set: the caller sends the text again (with the same or a new id).
/// Not an envelope: it never reaches a user.
const STALE: &str = "stale";

impl PreparedSets {
    /// Policy sets kept per verifier (each keeps its own renderings, see [`PreparedPolicies`]).
    const CAPACITY: usize = 4;

    /// The prepared form of `policies`, parsed now unless the same set was seen recently;
    /// kept under `id` from now on when one is given.
    fn get(
        &mut self,
        policies: &[JsPolicy],
        limits: &Limits,
        id: Option<u64>,
    ) -> Result<&mut PreparedPolicies, String> {
        let found =
            self.sets.iter().position(|s| s.policies.as_slice() == policies && s.limits == *limits);
        match found {
            Some(i) => self.sets[..=i].rotate_right(1),
            None => {
                let mut parsed: Vec<Policy> = Vec::new();
                for p in policies {
                    match parse_policy(&p.name, &p.text, limits) {
                        Ok(p) => parsed.push(p),
                        Err(e) => return Err(fail(e.code(), &e.to_string())),
                    }
                }
                if self.sets.len() >= Self::CAPACITY {
                    self.sets.pop();
                }
                let entry = PreparedSet {
                    id: None,
                    policies: policies.to_vec(),
                    limits: limits.clone(),
                    prepared: PreparedPolicies::new(parsed),
                };
                self.sets.insert(0, entry);
            }
        }
        if id.is_some() {
            // One id names one set: a set kept under it before loses it.
            for s in &mut self.sets {
                if s.id == id {
                    s.id = None;
                }
            }
            self.sets[0].id = id;
        }
        Ok(&mut self.sets[0].prepared)
    }

    /// The set kept under `id` (parsed under `limits`), if it is still kept.
    fn by_id(&mut self, id: u64, limits: &Limits) -> Option<&mut PreparedPolicies> {
        let i = self.sets.iter().position(|s| s.id == Some(id) && s.limits == *limits)?;
        self.sets[..=i].rotate_right(1);
        Some(&mut self.sets[0].prepared)
    }
}

/// The `alias` and `verification` members of `authorize`'s answer as text, for the last
/// verification answered: a cached token is authorized again and again, and those members
/// (the whole verification report) are most of the answer's serialisation work, while only
/// the decision changes per request. Reused only for an entry whose whole text (header,
/// claims, key, alias, report, window) is equal to the one they were written from, so they
/// are exactly what serialising that entry again would write.
///
/// Each new entry gets a new number (`members` in the envelope), so that a caller holding
/// that entry's `verification` already (`have`) is answered `verification: null` and
/// `"elided": true` instead of the text again (pkg/src/api.js fills the member from its own
/// copy, on read). Numbers belong to this verifier; the caller keys its copy by verifier.
#[derive(Default)]
struct VerifiedMembers {
    /// `CachedVerification::json` of the entry, `alias` text, `verification` text.
    last: Option<(String, String, String)>,
    /// The number of `last`.
    id: u64,
}

impl VerifiedMembers {
    /// The `{"ok": …}` envelope of `report` (the authorization report's members) with
    /// `rendered: null`, `alias` and `verification` added: the same text as serialising the
    /// whole object as a `Value` (members in key order), without rebuilding the verification
    /// members for an entry seen last time.
    fn answer(
        &mut self,
        mut report: Map<String, Value>,
        entry: &CachedVerification,
        have: Option<u64>,
    ) -> String {
        let fresh = !matches!(&self.last, Some((json, _, _)) if *json == entry.json);
        if fresh {
            self.id = self.id.wrapping_add(1);
            let text = |v: Result<Value, serde_json::Error>| {
                v.and_then(|v| serde_json::to_string(&v)).unwrap_or_else(|_| "null".into())
            };
            self.last = Some((
                entry.json.clone(),
                text(serde_json::to_value(&entry.verified.alias)),
                text(serde_json::to_value(&entry.verified.report)),
            ));
        }
        let Some((_, alias, verification)) = &self.last else {
            return fail(Code::JsonInvalid, "result could not be serialized");
        };
        let elided = have == Some(self.id);
        // Placeholders, so the map orders every member; their text is written below.
        for key in ["rendered", "alias", "verification"] {
            report.insert(key.into(), Value::Null);
        }
        let mut out = String::with_capacity(alias.len() + verification.len() + 2048);
        out.push_str("{\"ok\":{");
        for (i, (key, value)) in report.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            match serde_json::to_string(key.as_str()) {
                Ok(k) => out.push_str(&k),
                Err(_) => return fail(Code::JsonInvalid, "result could not be serialized"),
            }
            out.push(':');
            match key.as_str() {
                "alias" => out.push_str(alias),
                "verification" if elided => out.push_str("null"),
                "verification" => out.push_str(verification),
                _ => match serde_json::to_string(value) {
                    Ok(v) => out.push_str(&v),
                    Err(_) => return fail(Code::JsonInvalid, "result could not be serialized"),
                },
            }
        }
        out.push_str("},\"members\":");
        out.push_str(&self.id.to_string());
        if elided {
            out.push_str(",\"elided\":true");
        }
        out.push('}');
        out
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct JsRequest {
    path: String,
    capability: Option<String>,
    method: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
struct JsAuthorizeInput {
    policies: Vec<JsPolicy>,
    /// With `policies`: keep them under this id. Alone: the policies kept under it, or the
    /// answer [`STALE`] when they are no longer kept.
    set: Option<u64>,
    /// `authorize` answers `rendered: null` (the caller asks `renderPolicies` when it needs
    /// them).
    lazy: bool,
    /// With `lazy`: the `members` number of the verification the caller holds.
    have: Option<u64>,
    accessor: Option<String>,
    request: Option<JsRequest>,
    entity: Option<IdentityExtras>,
}

impl Verifier {
    fn with_alias(
        &mut self,
        token: &str,
        input: &str,
        now: f64,
        then: impl FnOnce(
            &Authorizer,
            &JsAuthorizeInput,
            &CachedVerification,
            &mut VerifiedMembers,
        ) -> Result<String, String>,
    ) -> String {
        let input: JsAuthorizeInput = match parse_options(input) {
            Ok(i) => i,
            Err(e) => return e,
        };
        let Some(state) = self.state.as_mut() else {
            return fail(Code::OptionsInvalid, "verifier not configured");
        };
        let Some(now) = unix_time(now) else {
            return fail(Code::OptionsInvalid, "now is not a finite number of seconds");
        };
        let limits = &state.options.limits;
        let prepared = match (input.set, input.policies.is_empty()) {
            (Some(id), true) => match self.prepared.by_id(id, limits) {
                Some(p) => p,
                None => return STALE.into(),
            },
            (id, _) => match self.prepared.get(&input.policies, limits, id) {
                Ok(p) => p,
                Err(e) => return e,
            },
        };
        let entry = match state.verify(token, now) {
            Ok(entry) => entry,
            Err(e) => return e,
        };
        let Some(alias) = &entry.verified.alias else {
            return options_invalid(
                "role",
                "policies are rendered from a Vault entity alias: give a Vault role",
            );
        };
        let accessor = input.accessor.as_deref().unwrap_or("AUTH_METHOD_ACCESSOR");
        let mut ctx = TemplateContext::for_alias(alias, accessor, now);
        if let Some(extras) = &input.entity {
            extras.apply(&mut ctx);
        }
        let authz = prepared.authorizer(&ctx);
        match then(authz, &input, &entry, &mut self.members) {
            Ok(s) | Err(s) => s,
        }
    }
}

/// Inspect: tolerant decode, never a verdict.
#[wasm_bindgen]
pub fn inspect(token: &str) -> String {
    ok(&crate::inspect::inspect(token, &Limits::default()))
}

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase", deny_unknown_fields)]
struct JsAwsInput {
    trust_policy: Option<String>,
    provider_url: String,
    client_ids: Option<Vec<String>>,
    account_id: Option<String>,
}

/// AWS preflight and trust-policy evaluation. `options` are verify options (keys optional:
/// without keys the signature is reported as not verified); `input` the AWS side.
#[wasm_bindgen(js_name = evaluateTrustPolicy)]
pub fn evaluate_trust_policy(token: &str, options: &str, input: &str, now: f64) -> String {
    let Some(now) = unix_time(now) else {
        return fail(Code::OptionsInvalid, "now is not a finite number of seconds");
    };
    let o: JsVerifyOptions = match parse_options(options) {
        Ok(o) => o,
        Err(e) => return e,
    };
    let input: JsAwsInput = match parse_options(input) {
        Ok(i) => i,
        Err(e) => return e,
    };
    let limits = o.limits.clone().unwrap_or_default();
    let aws = crate::aws::AwsOptions {
        provider_url: input.provider_url.clone(),
        client_ids: input.client_ids.clone().unwrap_or_default(),
        account_id: input.account_id.clone().unwrap_or_default(),
        partition: String::new(),
    };
    let mut steps = Vec::new();
    // The signature: verified when keys are given (no claim rules: STS's own follow).
    let (alg, claims): (String, Map<String, Value>) = if o.jwks.is_some() || o.keys.is_some() {
        let (keys, _) = match load_keys(&o, &limits) {
            Ok(k) => k,
            Err(e) => return e,
        };
        // As tests/vectors/e2e defines the AWS journey: the standard profile with `iss` = the
        // provider URL (exact, as STS matches it); `exp` required, as STS requires it.
        let std_opts = StandardOptions {
            issuer: alloc::vec![input.provider_url.clone()],
            ..StandardOptions::default()
        };
        let mut vo = VerifyOptions::standard(now, std_opts);
        vo.limits = limits.clone();
        match verify::verify(token, &keys, &vo) {
            Ok(v) => {
                steps.extend(v.report.checks.iter().cloned());
                (v.header.alg.as_str().to_string(), v.claims)
            }
            Err(rejected) => return ok_err(&rejected),
        }
    } else {
        match crate::jose::parse_compact(token, &limits) {
            Ok(jws) => {
                steps.push(crate::report::Check::new(
                    "signature",
                    crate::report::Outcome::Skip,
                    "no keys given: the signature was not verified (STS verifies it with the provider's JWKS)",
                ));
                (jws.header.alg.as_str().to_string(), jws.claims)
            }
            Err(e) => return fail_error(&e),
        }
    };
    let preflight = crate::aws::preflight(token, &alg, &claims, &aws, now);
    let preflight_ok = preflight.iter().all(|c| c.outcome != crate::report::Outcome::Fail);
    steps.extend(preflight.iter().cloned());
    let trust = match &input.trust_policy {
        Some(text) => match crate::aws::parse_trust_policy(text, &limits) {
            Ok(policy) => Some(crate::aws::evaluate(&policy, &claims, &aws)),
            Err(e) => return fail(e.code(), &e.to_string()),
        },
        None => None,
    };
    let allowed = preflight_ok && trust.as_ref().is_none_or(|t| t.allowed);
    if let Some(t) = &trust {
        steps.extend(t.steps.iter().cloned());
    }
    ok(&json!({
        "allowed": allowed,
        "preflight": preflight,
        "trust": trust,
        "steps": steps,
        "payload": claims,
    }))
}

/// A least-privilege trust policy for this token's provider: `aud` pinned to the first client id,
/// `sub` scoped to the Nomad job (`region:namespace:job:*`) when `sub` is Nomad-shaped, else the
/// exact `sub`. The token is decoded, not verified: only its `sub` is read.
#[wasm_bindgen(js_name = suggestTrustPolicy)]
pub fn suggest_trust_policy(token: &str, input: &str) -> String {
    let input: JsAwsInput = match parse_options(input) {
        Ok(i) => i,
        Err(e) => return e,
    };
    let aws = crate::aws::AwsOptions {
        provider_url: input.provider_url.clone(),
        client_ids: input.client_ids.clone().unwrap_or_default(),
        account_id: input.account_id.clone().unwrap_or_default(),
        partition: String::new(),
    };
    let inspected = crate::inspect::inspect(token, &Limits::default());
    let sub = inspected.payload.as_ref().and_then(|p| p.get("sub")).and_then(Value::as_str);
    let Some(sub) = sub else {
        return fail(
            Code::JwtClaimMissing,
            "the token has no string sub claim to scope the policy by",
        );
    };
    let pattern = crate::aws::nomad_sub_pattern(sub, 3).unwrap_or_else(|| sub.to_string());
    let audience = aws.client_ids.first().cloned().unwrap_or_default();
    ok(&crate::aws::generate_trust_policy(&aws, &audience, &pattern))
}

fn skipped_json(skipped: &[crate::jose::jwk::SkippedKey]) -> Vec<Value> {
    skipped
        .iter()
        .map(|s| {
            json!({
                "index": s.index,
                "kid": s.kid,
                "code": s.reason.code(),
                "message": s.reason.to_string(),
            })
        })
        .collect()
}

fn key_json(k: &crate::jose::VerifyingKey) -> Value {
    json!({
        "kid": k.kid,
        "alg": k.alg,
        "kty": k.kty.as_str(),
        "use": k.key_use,
        "curve": k.key.curve(),
        "bits": k.key.rsa_bits(),
        "thumbprint": k.thumbprint,
    })
}

/// RFC 7638 thumbprint of one public JWK.
#[wasm_bindgen]
pub fn thumbprint(jwk: &str) -> String {
    match KeySet::from_jwks(jwk.as_bytes(), &Limits::default()) {
        Ok(set) => match (set.keys.first(), set.skipped.first()) {
            (Some(k), _) => ok(&k.thumbprint),
            (None, Some(s)) => fail(s.reason.code(), &s.reason.to_string()),
            (None, None) => fail(Code::JwkInvalid, "no key"),
        },
        Err(e) => fail_error(&e),
    }
}

/// The usable keys of a JWKS (`kid`, `alg`, `kty`, `use`, `curve`, `bits`, `thumbprint`) and
/// the skipped ones with their reasons.
#[wasm_bindgen(js_name = jwksInfo)]
pub fn jwks_info(jwks: &str) -> String {
    match KeySet::from_jwks(jwks.as_bytes(), &Limits::default()) {
        Ok(set) => ok(&json!({
            "keys": set.keys.iter().map(key_json).collect::<Vec<_>>(),
            "skipped": skipped_json(&set.skipped),
        })),
        Err(e) => fail_error(&e),
    }
}

/// Every usable key of a JWKS as an SPKI PEM block.
#[wasm_bindgen(js_name = jwksToPem)]
pub fn jwks_to_pem(jwks: &str) -> String {
    match crate::jose::jwks_to_pem(jwks.as_bytes(), &Limits::default()) {
        Ok(p) => ok(&json!({
            "keys": p.keys.iter().map(|k| json!({ "kid": k.kid, "thumbprint": k.thumbprint, "pem": k.pem })).collect::<Vec<_>>(),
            "skipped": skipped_json(&p.skipped),
        })),
        Err(e) => fail_error(&e),
    }
}

/// Checks a discovery document against the issuer URL it was fetched for.
#[wasm_bindgen(js_name = parseDiscovery)]
pub fn parse_discovery(document: &str, issuer: &str) -> String {
    match crate::jose::parse_discovery(document.as_bytes(), issuer, &Limits::default()) {
        Ok(d) => ok(&json!({
            "issuer": d.issuer,
            "jwksUri": d.jwks_uri,
            "algorithms": d.algorithms,
            "unsupportedAlgorithms": d.unsupported_algorithms,
            "warnings": d.warnings,
        })),
        Err(e) => fail_error(&e),
    }
}

/// Test builds only (feature `test-trap`, never in `pkg/dist`): traps the module the way the
/// failures recovery must survive did, inside a `&mut self` method so wasm-bindgen's borrow flag
/// stays set as it did then. `kind`: `unreachable` (a panic: `RuntimeError: unreachable`),
/// `stack` (unbounded recursion of small frames: `RangeError: Maximum call stack size
/// exceeded`), `memory` (recursion with large frames overruns the shadow stack in linear memory:
/// `RuntimeError: memory access out of bounds`). Any other `kind` returns normally.
#[cfg(all(feature = "test-trap", target_arch = "wasm32"))]
#[wasm_bindgen]
impl Verifier {
    /// See the block's documentation.
    #[wasm_bindgen(js_name = __trapForTest)]
    pub fn trap_for_test(&mut self, kind: &str) -> u32 {
        // Unbounded on purpose: the trap is the point.
        #[allow(unconditional_recursion)]
        fn small(n: u32) -> u32 {
            core::hint::black_box(small(core::hint::black_box(n.wrapping_add(1)))) ^ n
        }
        #[allow(unconditional_recursion)]
        fn large(n: u32) -> u32 {
            let frame = core::hint::black_box([n; 4096]);
            core::hint::black_box(large(frame[n as usize % 4096].wrapping_add(1))) ^ frame[0]
        }
        match kind {
            "unreachable" => core::arch::wasm32::unreachable(),
            "stack" => small(0),
            "memory" => large(0),
            _ => 0,
        }
    }
}

/// An [`inspect`] of an input of `len` bytes over the default `max_document_len`, without the
/// input: `pkg/src/api.js` measures a string before copying it into wasm and asks for this
/// instead, so an oversized input is never copied. The answer depends only on the length.
#[wasm_bindgen(js_name = inspectOversized)]
pub fn inspect_oversized(len: f64) -> String {
    let limits = Limits::default();
    let len = if len.is_finite() && len >= 0.0 { len as usize } else { usize::MAX };
    match crate::inspect::oversized(len, &limits) {
        Some(inspection) => ok(&inspection),
        None => fail(
            Code::OptionsInvalid,
            &alloc::format!("{len} bytes is within max_document_len: inspect the input itself"),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verified_text_parts_are_what_serde_json_writes() {
        let s = |f: &str| std::fs::read_to_string(format!("tests/fixtures/sample/{f}")).unwrap();
        let limits = Limits::default();
        let keys = KeySet::from_jwks(s("jwks.json").as_bytes(), &limits).unwrap();
        let role = VaultRole::from_json(s("role.json").as_bytes(), &limits).unwrap();
        let config = VaultConfig::from_json(s("config.json").as_bytes(), &limits).unwrap();
        let opts = VerifyOptions::vault(UnixTime(1_767_225_900), role, "nomad-workloads", config);
        let v = verify::verify(s("token.jwt").trim(), &keys, &opts).unwrap();
        assert!(v.alias.is_some());
        for window in [None, Some((UnixTime(-5), UnixTime(1_767_226_000)))] {
            let text = verified_text(&v, window);
            let parts: Vec<&str> = text.split('\n').collect();
            let (from, until) = match window {
                Some((f, u)) => (format!("v{}", f.0), u.0.to_string()),
                None => ("v".to_string(), String::new()),
            };
            assert_eq!(parts[..2], [from.as_str(), until.as_str()]);
            let array = format!(
                "[{},{},{},{}]",
                serde_json::to_string(&v.header.members).unwrap(),
                serde_json::to_string(&v.claims).unwrap(),
                serde_json::to_string(&v.key).unwrap(),
                serde_json::to_string(&v.alias).unwrap()
            );
            assert_eq!(parts[2], array);
            assert_eq!(parts[3], serde_json::to_string(&v.report).unwrap());
            assert_eq!(parts.len(), 4);
        }
        let mut no_kid = v.clone();
        no_kid.key.kid = None;
        no_kid.alias = None;
        let text = verified_text(&no_kid, None);
        let parts: Vec<&str> = text.split('\n').collect();
        let array = format!(
            "[{},{},{},null]",
            serde_json::to_string(&no_kid.header.members).unwrap(),
            serde_json::to_string(&no_kid.claims).unwrap(),
            serde_json::to_string(&no_kid.key).unwrap()
        );
        assert_eq!(parts[2], array);
    }

    /// `authorize` with `lazy` and a kept set (what pkg/src/api.js sends for a cached token)
    /// answers exactly what the eager call answers, `rendered` aside; a set is named only on
    /// the verifier it was sent to.
    #[test]
    fn lazy_authorize_is_the_eager_answer_without_rendered() {
        let s = |f: &str| std::fs::read_to_string(format!("tests/fixtures/sample/{f}")).unwrap();
        let configured = || {
            let mut v = Verifier::new();
            let options = json!({
                "jwks": s("jwks.json"),
                "role": s("role.json"),
                "roleName": "nomad-workloads",
                "config": s("config.json"),
            });
            assert!(v.configure(&options.to_string()).starts_with("{\"ok\""));
            v
        };
        let token = s("token.jwt");
        let token = token.trim().as_bytes();
        let now = 1_767_225_900.0;
        let policies = json!([{"name": "p", "text":
            "path \"kv/{{identity.entity.aliases.A.name}}/*\" { capabilities = [\"read\"] }\n\
             path \"kv/{{identity.entity.aliases.A.metadata.nomad_job_id}}/*\" { capabilities = [\"list\"] }"}]);
        let rest = json!({"accessor": "A", "request": {"path": "kv/x/y", "capability": "read"}});
        let with = |extra: Value| {
            let mut m = rest.as_object().unwrap().clone();
            m.extend(extra.as_object().unwrap().clone());
            Value::Object(m).to_string()
        };
        let mut v = configured();
        let eager = v.authorize(token, &with(json!({"policies": policies})), now);
        let mut expected: Value = serde_json::from_str(&eager).unwrap();
        let rendered = expected["ok"]["rendered"].take();
        assert!(rendered.as_array().is_some_and(|r| r.len() == 2), "{eager}");
        let expected = expected.to_string();
        // The envelope without `members` / `elided`, and those.
        let split = |answer: String| {
            let at = answer.rfind(",\"members\":").expect(&answer);
            let tail: Value = serde_json::from_str(&format!("{{{}", &answer[at + 1..])).unwrap();
            (
                format!("{}}}", &answer[..at]),
                tail["members"].as_u64().unwrap(),
                tail.get("elided").is_some(),
            )
        };
        let (sent, members, elided) = split(v.authorize(
            token,
            &with(json!({"policies": policies, "set": 1, "lazy": true})),
            now,
        ));
        assert_eq!(sent, expected);
        assert!(!elided);
        // Named by id (the members kept from the call before), once holding no copy of the
        // verification, once holding the current one, once an older one.
        assert_eq!(
            split(v.authorize(token, &with(json!({"set": 1, "lazy": true})), now)),
            (expected.clone(), members, false)
        );
        let (held, n, elided) =
            split(v.authorize(token, &with(json!({"set": 1, "lazy": true, "have": members})), now));
        assert_eq!((n, elided), (members, true));
        let mut without: Value = serde_json::from_str(&expected).unwrap();
        without["ok"]["verification"] = Value::Null;
        assert_eq!(held, without.to_string());
        assert_eq!(
            split(v.authorize(
                token,
                &with(json!({"set": 1, "lazy": true, "have": members + 1})),
                now
            )),
            (expected.clone(), members, false)
        );
        let again: Value =
            serde_json::from_str(&v.render_policies(token, &with(json!({"set": 1})), now)).unwrap();
        assert_eq!(again["ok"]["rendered"], rendered);
        // Another request after the memo: the same as eager.
        let other = |t: String| t.replace("kv/x/y", "kv/x").replace("\"read\"}", "\"list\"}");
        let mut eager_other: Value = serde_json::from_str(&v.authorize(
            token,
            &other(with(json!({"policies": policies}))),
            now,
        ))
        .unwrap();
        eager_other["ok"]["rendered"] = Value::Null;
        let (lazy_other, _, _) =
            split(v.authorize(token, &other(with(json!({"set": 1, "lazy": true}))), now));
        assert_eq!(lazy_other, eager_other.to_string());
        // An id the verifier does not keep, and another verifier, answer STALE.
        assert_eq!(v.authorize(token, &with(json!({"set": 2, "lazy": true})), now), STALE);
        let mut w = configured();
        assert_eq!(w.authorize(token, &with(json!({"set": 1, "lazy": true})), now), STALE);
        assert_eq!(w.render_policies(token, &with(json!({"set": 1})), now), STALE);
        // Resent under a new id, the old id no longer names it.
        let resent =
            v.authorize(token, &with(json!({"policies": policies, "set": 3, "lazy": true})), now);
        assert_eq!(split(resent).0, expected);
        assert_eq!(v.authorize(token, &with(json!({"set": 1, "lazy": true})), now), STALE);
        assert_eq!(
            split(v.authorize(token, &with(json!({"set": 3, "lazy": true})), now)).0,
            expected
        );
    }
}

/// Input of [`login_order`] (see `pkg/src/logins.js`).
#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct JsLoginOrderInput {
    role: String,
    role_name: Option<String>,
    policies: Vec<JsPolicy>,
    #[serde(default)]
    knowledge: crate::login_order::Knowledge,
    accessor: Option<String>,
    steps: Option<Vec<crate::login_order::Step>>,
    request: Option<JsRequest>,
    limits: Option<Limits>,
}

/// Login-order hazards ([`crate::login_order`]): the analysis, the verified fixes and, when
/// `steps` are given, the simulation. Claims in `steps` are taken as given (not verified).
#[wasm_bindgen(js_name = loginOrder)]
pub fn login_order(input: &str, now: f64) -> String {
    use crate::login_order::{analyze, simulate, suggest, Setup};
    let Some(now) = unix_time(now) else {
        return fail(Code::OptionsInvalid, "now is not a finite number of seconds");
    };
    let input: JsLoginOrderInput = match parse_options(input) {
        Ok(i) => i,
        Err(e) => return e,
    };
    let limits = input.limits.clone().unwrap_or_default();
    let role = match VaultRole::from_json(input.role.as_bytes(), &limits) {
        Ok(r) => r,
        Err(e) => return fail_error(&e),
    };
    let mut policies = Vec::new();
    for p in &input.policies {
        match parse_policy(&p.name, &p.text, &limits) {
            Ok(p) => policies.push(p),
            Err(e) => return fail(e.code(), &e.to_string()),
        }
    }
    let role_name = input.role_name.clone().unwrap_or_else(|| String::from("default"));
    let mut setup = Setup::new(role, &role_name, policies);
    setup.knowledge = input.knowledge.clone();
    setup.accessor = input.accessor.clone();
    let analysis = analyze(&setup);
    let suggestions = suggest(&setup, &analysis);
    let request = match &input.request {
        None => None,
        Some(req) => match (&req.method, &req.capability) {
            (Some(m), None) => Some(Request::from_http(m, &req.path, &HttpOptions::default())),
            (None, Some(c)) => Some(Request::parse(req.path.clone(), c)),
            _ => {
                return options_invalid("request", "give { path, capability } or { method, path }")
            }
        },
    };
    let request = match request.transpose() {
        Ok(r) => r,
        Err(e) => return fail(e.code(), &e.to_string()),
    };
    let accessor = input.accessor.as_deref().unwrap_or("AUTH_METHOD_ACCESSOR");
    let simulation = match &input.steps {
        None => None,
        Some(steps) => match simulate(&setup, steps, request.as_ref(), accessor, now) {
            Ok(s) => Some(s),
            Err(e) => return fail(e.code(), &e.to_string()),
        },
    };
    ok(&json!({
        "analysis": analysis,
        "suggestions": suggestions,
        "simulation": simulation,
        "request": request,
    }))
}
