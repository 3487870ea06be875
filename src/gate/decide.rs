//! The whole chain for one request: path check, CORS preflight, rules, token location, keys,
//! verify, `jwt_authn` checks, policies, claim headers, reply; with the answer cache.
//!
//! Two steps, so a front end that waits for keys keeps the request: [`Gate::admit`] (path,
//! CORS, rules, token; decides at once when no token is needed or found) and
//! [`Gate::resume`] (keys, verify, authorize, answer). [`Gate::decide`] does both.

use alloc::borrow::Cow;
use alloc::boxed::Box;
use alloc::format;
use alloc::rc::Rc;
use alloc::string::{String, ToString};
use alloc::vec::Vec;
use core::cell::{OnceCell, RefCell};

use serde_json::Value;

use super::answers::{
    self, Answers, Identity, Rejection, Rendered, RenderedSlot, TokenKey, TokenRef,
    REJECTED_MAX_AGE, VERIFIED_MAX_AGE,
};
use super::config::{GateConfig, KeySource, Provider, RuleAction};
use super::decision::{Answer, Decision, Edit, Edits, Full, Pass, Verdict};
use super::engine::{self, Verified};
use super::error::GateError;
use super::extract::{self, Found, Location};
use super::jwt_authn;
use super::keys::{KeyState, Keyring, ProviderKeys};
use super::path;
use super::reply::{self, LocalReply};
use crate::cache as token_cache;
use crate::report::{Check, Outcome, Report};
use crate::time::UnixTime;

/// How much a decision carries.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Detail {
    /// The answer only (verdict, code, reply or upstream edits), verified fail-fast: the
    /// proxy's hot path.
    Reply,
    /// The answer and its report: every verify check (even after the first failure), the
    /// alias, the authorize report, the login-order hazards.
    #[default]
    Full,
    /// [`Detail::Reply`], plus for a Vault policy answer whether it depends on login order
    /// ([`Decision::depends_on_login_order`], the only report member set): the proxy's
    /// debug log. Costs re-evaluations of the policies; the hot path never asks for it.
    ReplyAndLoginOrder,
}

/// A request as the gate reads it. Read from JSON as `{method, path, headers: [[name, value]]}`
/// (unknown members refused), the corpus's and the npm package's shape.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GateRequest {
    /// `GET`, `POST`, …
    pub method: String,
    /// The path and query, as `:path`.
    pub path: String,
    /// Request headers, lower-case names.
    #[serde(default)]
    pub headers: Vec<(String, String)>,
}

/// A request admitted for a token check, kept while its keys load.
#[derive(Debug)]
pub struct Pending {
    method: String,
    path: String,
    found: Found,
    /// Candidate providers (indexes), in configuration order.
    providers: Rc<[usize]>,
    strip_prefix: Option<String>,
    /// An unknown `kid` already caused one refetch for this request.
    kid_refetched: bool,
}

impl Pending {
    /// The request's method and path (`:path`, as received): for a front end's log line.
    pub fn target(&self) -> (&str, &str) {
        (&self.method, &self.path)
    }
}

/// A compiled configuration and its answer cache. Decides requests; does no I/O.
pub struct Gate {
    cfg: Rc<GateConfig>,
    answers: Answers,
    /// The reply to a request without a token (it depends on the configuration only).
    missing_reply: OnceCell<Rc<LocalReply>>,
    /// The edits for a request let through without a token: every claim header removed.
    unclaimed: OnceCell<Rc<[Edit]>>,
    /// `0..providers.len()`: the candidates when no rule names some.
    all_providers: Rc<[usize]>,
}

impl core::fmt::Debug for Gate {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Gate").field("providers", &self.cfg.providers.len()).finish()
    }
}

impl Gate {
    /// Parses and compiles a configuration (see [`GateConfig`]); refusals name a JSON pointer.
    pub fn from_json(bytes: &[u8]) -> Result<Gate, GateError> {
        GateConfig::parse(bytes).map(Gate::new)
    }

    /// A gate for a parsed configuration.
    pub fn new(cfg: GateConfig) -> Gate {
        Gate {
            missing_reply: OnceCell::new(),
            unclaimed: OnceCell::new(),
            all_providers: (0..cfg.providers.len()).collect(),
            answers: Answers::new(cfg.cache_entries, cfg.cache_bytes),
            cfg: Rc::new(cfg),
        }
    }

    /// The configuration.
    pub fn config(&self) -> &GateConfig {
        &self.cfg
    }

    /// A [`Keyring`] for this configuration's remote providers.
    pub fn keyring(&self) -> Keyring {
        Keyring::new(&self.cfg)
    }

    /// Decides `request` at `now_ms` (milliseconds since the epoch) with the full report.
    /// A `wait` decision means: drive `keys` (fetch) and decide again.
    pub fn decide(
        &mut self,
        request: &GateRequest,
        keys: &mut dyn ProviderKeys,
        now_ms: u64,
    ) -> Decision {
        self.decide_with(request, keys, now_ms, Detail::Full)
    }

    /// [`Gate::decide`] with the detail asked for.
    pub fn decide_with(
        &mut self,
        request: &GateRequest,
        keys: &mut dyn ProviderKeys,
        now_ms: u64,
        detail: Detail,
    ) -> Decision {
        let mut headers = Vec::with_capacity(request.headers.len() + 2);
        headers.push((String::from(":method"), request.method.clone().into_bytes()));
        headers.push((String::from(":path"), request.path.clone().into_bytes()));
        for (k, v) in &request.headers {
            headers.push((k.to_ascii_lowercase(), v.clone().into_bytes()));
        }
        match self.admit(headers, detail) {
            Ok(mut pending) => self.resume(&mut pending, keys, now_ms, detail),
            Err(decision) => decision,
        }
    }

    /// First look at a request: path, CORS, rules, token extraction. `headers` are the request
    /// headers as a proxy holds them (lower-case names, raw values, `:method` and `:path`
    /// among them). `Err` = decided without a token (refused, or let through).
    pub fn admit(
        &mut self,
        mut headers: Vec<(String, Vec<u8>)>,
        detail: Detail,
    ) -> Result<Pending, Decision> {
        let cfg = Rc::clone(&self.cfg);
        let all = Rc::clone(&self.all_providers);
        let (found, providers, strip_prefix) = {
            let raw_path = header(&headers, ":path").unwrap_or_default();
            // Before anything else decides on the path: see `path` for why.
            if let Err(problem) = path::check(raw_path) {
                return Err(self.deny(&GateError::PathInvalid(problem), detail));
            }
            let method = String::from_utf8_lossy(header(&headers, ":method").unwrap_or_default());
            let path = String::from_utf8_lossy(raw_path);
            if cfg.bypass_cors_preflight
                && method == "OPTIONS"
                && header(&headers, "origin").is_some()
                && header(&headers, "access-control-request-method").is_some()
            {
                return Err(self.unchecked(Pass::CorsPreflight));
            }
            let (action, listed, strip_prefix): (_, &[usize], _) =
                match cfg.rule_for(&method, &path) {
                    Some(r) => (r.action, &r.providers, r.strip_prefix.clone()),
                    None => (RuleAction::Require, &all, None),
                };
            if action == RuleAction::Bypass {
                return Err(self.unchecked(Pass::Bypass));
            }
            let Some((found, candidates)) =
                self.find_token(&cfg, &headers, raw_path, listed, detail)?
            else {
                return Err(self.no_token(action, detail));
            };
            // Every listed provider is a candidate (the usual case): the list, shared.
            let providers = if *candidates == *all { Rc::clone(&all) } else { candidates.into() };
            (found, providers, strip_prefix)
        };
        Ok(Pending {
            method: take_text(&mut headers, ":method"),
            path: take_text(&mut headers, ":path"),
            found,
            providers,
            strip_prefix,
            kid_refetched: false,
        })
    }

    /// The token the `listed` providers find in the request, and which of them found it; a
    /// denial when a provider's location is malformed or two providers find different tokens.
    fn find_token(
        &mut self,
        cfg: &GateConfig,
        headers: &[(String, Vec<u8>)],
        raw_path: &[u8],
        listed: &[usize],
        detail: Detail,
    ) -> Result<Option<(Found, Vec<usize>)>, Decision> {
        let mut found: Option<Found> = None;
        let mut candidates = Vec::new();
        for &i in listed {
            let Some(p) = cfg.providers.get(i) else {
                continue;
            };
            match extract::find(headers, raw_path, p, cfg.limits.max_token_len) {
                Err(e) => return Err(self.deny(&e, detail)),
                Ok(None) => {}
                Ok(Some(f)) => {
                    if let Some(prev) = &found {
                        if prev.token != f.token {
                            let locations =
                                format!("{}, {}", prev.location.describe(), f.location.describe());
                            return Err(self.deny(&GateError::TokenMultiple { locations }, detail));
                        }
                    } else {
                        found = Some(f);
                    }
                    candidates.push(i);
                }
            }
        }
        Ok(found.map(|f| (f, candidates)))
    }

    /// A request without a token: let through without claim headers where the rule allows
    /// that, denied otherwise.
    fn no_token(&mut self, action: RuleAction, detail: Detail) -> Decision {
        if action != RuleAction::AllowMissing {
            return self.deny(&GateError::TokenMissing, detail);
        }
        self.unchecked(Pass::MissingAllowed)
    }

    /// Lets a request through without a verified token (bypass, CORS preflight, allow_missing
    /// without a token): every configured claim header removed. Claim headers are ours to set,
    /// from a verified token only; a client must not be able to inject them on any path.
    fn unchecked(&mut self, why: Pass) -> Decision {
        let cfg = &self.cfg;
        let shared = self.unclaimed.get_or_init(|| {
            cfg.providers
                .iter()
                .flat_map(|p| p.owned_headers().map(|h| Edit::Remove(h.into())))
                .collect()
        });
        let edits = Edits { shared: Rc::clone(shared), own: None, state: Vec::new() };
        let mut d = Decision::new(Verdict::Pass, Answer::Forward(edits));
        d.pass = Some(why);
        d
    }

    /// The local reply for `err`.
    fn deny(&mut self, err: &GateError, detail: Detail) -> Decision {
        let reply = if matches!(err, GateError::TokenMissing) {
            // The same bytes for every request without a token: rendered once.
            let cfg = &self.cfg;
            Rc::clone(
                self.missing_reply.get_or_init(|| Rc::new(render(cfg, &GateError::TokenMissing))),
            )
        } else {
            Rc::new(render(&self.cfg, err))
        };
        denial(err, reply, detail)
    }

    /// [`Gate::deny`] for a remembered rejection: the reply rendered for it at this `now` is
    /// reused (a reply depends only on the error as worded at `now`, a whole second, and on the
    /// configuration), so a bad token replayed many times a second renders its message once.
    fn deny_remembered(
        &mut self,
        err: &GateError,
        slot: &RenderedSlot,
        now: UnixTime,
        detail: Detail,
    ) -> Decision {
        let cached =
            RefCell::borrow(slot).as_ref().filter(|r| r.at == now).map(|r| Rc::clone(&r.reply));
        if let Some(reply) = cached {
            return denial(err, reply, detail);
        }
        let d = self.deny(err, detail);
        if let Answer::Reply(reply) = &d.answer {
            *RefCell::borrow_mut(slot) = Some(Rendered { at: now, reply: Rc::clone(reply) });
        }
        d
    }

    /// Decides an admitted request with the keys at hand, or says which keys to wait for.
    pub fn resume(
        &mut self,
        req: &mut Pending,
        keys: &mut dyn ProviderKeys,
        now_ms: u64,
        detail: Detail,
    ) -> Decision {
        let cfg = Rc::clone(&self.cfg);
        let now = UnixTime(i64::try_from(now_ms / 1000).unwrap_or(i64::MAX));
        let full = detail == Detail::Full;
        let mut wait = Vec::new();
        let (mut hits, mut misses) = (0u32, 0u32);
        let mut first_err: Option<GateError> = None;
        // Set when `first_err` came from the rejection cache: where its reply is remembered.
        let mut first_slot: Option<RenderedSlot> = None;
        // The provider and report of `first_err` (full decisions).
        let mut first_provider: Option<usize> = None;
        let mut first_report: Option<Report> = None;
        for &i in req.providers.iter() {
            let Some(p) = cfg.providers.get(i) else {
                continue;
            };
            let (remote, version) = match &p.keys {
                KeySource::Inline(_) => (None, 0),
                KeySource::Remote(_) => match keys.keys(i, now_ms) {
                    KeyState::Ready(k, v) | KeyState::Stale(k, v) => (Some(k), v),
                    KeyState::NotReady => {
                        wait.push(i);
                        continue;
                    }
                    KeyState::Failed(reason) => {
                        if first_err.is_none() {
                            first_err = Some(GateError::JwksUnavailable {
                                provider: p.name.clone(),
                                reason,
                            });
                            first_provider = Some(i);
                        }
                        continue;
                    }
                },
            };
            let set = match (&remote, &p.keys) {
                (Some(k), _) => k.as_ref(),
                (None, KeySource::Inline(set)) => set,
                (None, KeySource::Remote(_)) => continue,
            };
            let lookup = TokenRef { provider: i, version, token: &req.found.token };
            // A full decision re-checks a rejected token (the cache keeps no report).
            if !full {
                // Most tokens are not in the rejection cache: `get` finds that in one search
                // (and drops an entry found expired); its second search happens only on a hit.
                let rejected = self.answers.rejected.get::<dyn answers::KeyParts>(&lookup, now);
                if let Some(r) = rejected {
                    if first_err.is_none() {
                        first_err = Some(answers::rejection_at(&r.err, now));
                        first_slot = Some(Rc::clone(&r.rendered));
                        first_provider = Some(i);
                    }
                    continue;
                }
            }
            // Most tokens here are cached: `peek` answers a hit in one search (`get` finds the
            // entry twice); `get` then only on a miss, to drop an entry found expired.
            let cached = match self.answers.verified.peek::<dyn answers::KeyParts>(&lookup, now) {
                Some(v) => Some(Rc::clone(v)),
                None => self.answers.verified.get::<dyn answers::KeyParts>(&lookup, now).cloned(),
            };
            let identity = match cached {
                Some(v) => {
                    hits += 1;
                    v
                }
                None => {
                    misses += 1;
                    let key = TokenKey { provider: i, version, token: req.found.token.clone() };
                    let verified = if full {
                        engine::explain(&req.found.token, set, &p.policy, now)
                    } else {
                        engine::verify(&req.found.token, set, &p.policy, now)
                            .map_err(|e| (e, Report::default()))
                    };
                    let checked =
                        verified.and_then(|v| match jwt_authn::check(p, &v.inner.claims, now) {
                            Ok(()) => Ok(v),
                            Err(e) => {
                                let mut report = Report::default();
                                if full {
                                    report = v.inner.report.clone();
                                    report.push(jwt_authn_check(&e));
                                }
                                Err((e, report))
                            }
                        });
                    match checked {
                        Ok(v) => {
                            let v = Rc::new(Identity { verified: v, claim_edits: OnceCell::new() });
                            // Only inside the token's own validity, capped at five minutes.
                            if let Some((from, until)) = token_cache::window(
                                &v.verified.inner.claims,
                                now,
                                0,
                                VERIFIED_MAX_AGE,
                            ) {
                                let bytes = answers::weight(&req.found.token);
                                self.answers.verified.insert_weighed(
                                    key,
                                    Rc::clone(&v),
                                    bytes,
                                    from,
                                    until,
                                );
                            }
                            v
                        }
                        Err((e, report)) => {
                            if engine::is_unknown_key(&e)
                                && !req.kid_refetched
                                && remote.is_some()
                                && keys.kid_miss(i, now_ms)
                            {
                                req.kid_refetched = true;
                                let mut d =
                                    Decision::new(Verdict::Wait, Answer::Wait(alloc::vec![i]));
                                d.cache_hits = hits;
                                d.cache_misses = misses;
                                if full {
                                    d.full = Some(Box::new(waiting(&cfg, &[i])));
                                }
                                return d;
                            }
                            if let GateError::Core(core) = &e {
                                if !full {
                                    if let Some((from, until)) =
                                        token_cache::rejection_window(core, now, REJECTED_MAX_AGE)
                                    {
                                        let r =
                                            Rejection { err: e.clone(), rendered: Rc::default() };
                                        let bytes = answers::weight(&req.found.token);
                                        self.answers
                                            .rejected
                                            .insert_weighed(key, r, bytes, from, until);
                                    }
                                }
                            }
                            if first_err.is_none() {
                                first_err = Some(e);
                                first_provider = Some(i);
                                first_report = Some(report);
                            }
                            continue;
                        }
                    }
                }
            };
            let mut d = self.allow_or_forbid(req, i, &identity, now, detail);
            d.cache_hits = hits;
            d.cache_misses = misses;
            return d;
        }
        if !wait.is_empty() {
            let mut d = Decision::new(Verdict::Wait, Answer::Wait(wait));
            d.cache_hits = hits;
            d.cache_misses = misses;
            if let (true, Answer::Wait(w)) = (full, &d.answer) {
                d.full = Some(Box::new(waiting(&cfg, w)));
            }
            return d;
        }
        // Every candidate provider answers one way or another: no answer is a broken invariant.
        let err = first_err.unwrap_or(GateError::Internal { what: "no provider decided" });
        let mut d = match first_slot {
            Some(slot) => self.deny_remembered(&err, &slot, now, detail),
            None => self.deny(&err, detail),
        };
        d.cache_hits = hits;
        d.cache_misses = misses;
        if let Some(f) = d.full.as_mut() {
            f.provider = first_provider.and_then(|i| cfg.providers.get(i)).map(|p| p.name.clone());
            f.checks = first_report.map(|r| r.checks).unwrap_or_default();
        }
        d
    }

    fn allow_or_forbid(
        &mut self,
        req: &Pending,
        provider: usize,
        identity: &Identity,
        now: UnixTime,
        detail: Detail,
    ) -> Decision {
        let cfg = Rc::clone(&self.cfg);
        let Some(p) = cfg.providers.get(provider) else {
            return self.deny(&GateError::Internal { what: "provider index out of range" }, detail);
        };
        let verified = &identity.verified;
        let prefix = req.strip_prefix.as_deref();
        let answer = engine::authorize(verified, &p.policy, &req.method, &req.path, prefix, now);
        // Whether the policies decided (an answer another login could flip), and which way.
        let decided = match &answer {
            Ok(()) => Some(true),
            Err(GateError::Denied { code: crate::Code::PolicyDenied, .. }) => Some(false),
            Err(_) => None,
        };
        let mut d = match answer {
            Err(e) => {
                // A repeated forbidden request: the reply rendered for the remembered decision.
                match verified.denial_reply() {
                    Some(reply) => denial(&e, reply, detail),
                    None => {
                        let d = self.deny(&e, detail);
                        if let Answer::Reply(reply) = &d.answer {
                            verified.keep_denial_reply(Rc::clone(reply));
                        }
                        d
                    }
                }
            }
            Ok(()) => {
                let shared = identity
                    .claim_edits
                    .get_or_init(|| claim_edits(&cfg, p, verified, &req.found.token));
                let own = if p.forward {
                    None
                } else {
                    match &req.found.location {
                        Location::Header(name) => Some(Edit::Remove(Rc::clone(name))),
                        Location::Param(name) => {
                            Some(Edit::Set(":path".into(), without_param(&req.path, name)))
                        }
                        // Like Envoy's jwt_authn: cookies are left alone (rewriting them
                        // breaks others).
                        Location::Cookie(_) => None,
                    }
                };
                let state = if cfg.filter_state {
                    jwt_authn::allowed_state(&p.name, &verified.inner.claims)
                } else {
                    Vec::new()
                };
                let edits = Edits { shared: Rc::clone(shared), own, state };
                let mut d = Decision::new(Verdict::Allow, Answer::Forward(edits));
                if detail == Detail::Full {
                    d.full = Some(Box::default());
                }
                d
            }
        };
        if let Some(f) = d.full.as_mut() {
            f.provider = Some(p.name.clone());
            f.checks = verified.inner.report.checks.clone();
            f.alias = verified.inner.alias.clone();
            f.policies =
                engine::authorize_report(verified, &p.policy, &req.method, &req.path, prefix, now);
            if let Some(report) = &f.policies {
                f.login_order = p.login_order.clone();
                f.login_fix = p.login_fix.clone();
                f.depends_on_login_order = engine::login_order_depends(
                    verified,
                    &p.policy,
                    &p.login_free,
                    &req.method,
                    &req.path,
                    prefix,
                    now,
                    report.allowed,
                );
            }
        }
        if let (Detail::ReplyAndLoginOrder, Some(allowed)) = (detail, decided) {
            let dep = engine::login_order_depends(
                verified,
                &p.policy,
                &p.login_free,
                &req.method,
                &req.path,
                prefix,
                now,
                allowed,
            );
            if dep.is_some() {
                d.full = Some(Box::new(Full { depends_on_login_order: dep, ..Full::default() }));
            }
        }
        d
    }
}

/// A deny decision for `err` with `reply`.
fn denial(err: &GateError, reply: Rc<LocalReply>, detail: Detail) -> Decision {
    let mut d = Decision::new(Verdict::Deny, Answer::Reply(reply));
    d.code = Some(err.code());
    if detail == Detail::Full {
        d.full = Some(Box::new(Full { message: Some(err.to_string()), ..Full::default() }));
    }
    d
}

/// The reply for `err` under `cfg`.
fn render(cfg: &GateConfig, err: &GateError) -> LocalReply {
    reply::for_error(err, &cfg.realm, cfg.on_jwks_failure)
}

/// The report of a wait: which providers' keys are being fetched.
fn waiting(cfg: &GateConfig, providers: &[usize]) -> Full {
    let names: Vec<&str> =
        providers.iter().filter_map(|i| cfg.providers.get(*i)).map(|p| p.name.as_str()).collect();
    Full {
        provider: names.first().map(|n| String::from(*n)),
        message: Some(format!("waiting for the keys of provider {}", names.join(", "))),
        ..Full::default()
    }
}

/// A failed `jwt_authn` check (`subjects`, `max_lifetime_seconds`) as a report check.
fn jwt_authn_check(e: &GateError) -> Check {
    let id = match e {
        GateError::SubjectNotAllowed { .. } => "subjects",
        _ => "max_lifetime_seconds",
    };
    Check::new(id, Outcome::Fail, e.to_string()).with_code(e.code())
}

/// The claim-header edits for an identity verified by provider `p`: its own claim headers set
/// (or removed when the claim is absent or unusable), and every other provider's removed —
/// every configured claim header is ours, so copies sent by the client never pass.
fn claim_edits(cfg: &GateConfig, p: &Provider, verified: &Verified, token: &str) -> Rc<[Edit]> {
    let mut edits = Vec::new();
    for other in cfg.providers.iter().flat_map(|q| q.owned_headers()) {
        if !p.owned_headers().any(|h| h == other) {
            edits.push(Edit::Remove(other.into()));
        }
    }
    // jwt_authn's forward_payload_header: the payload segment as sent (replacing any copy).
    if let Some(h) = &p.forward_payload_header {
        let name: Rc<str> = h.name.as_str().into();
        match h.value(token) {
            Some(v) => edits.push(Edit::Set(name, v)),
            None => edits.push(Edit::Remove(name)),
        }
    }
    for c in &p.claim_to_headers {
        let name: Rc<str> = c.header.as_str().into();
        match claim_text(&verified.inner.claims, &c.claim).as_deref().and_then(reply::header_value)
        {
            Some(v) => edits.push(Edit::Set(name, v.to_string())),
            None => edits.push(Edit::Remove(name)),
        }
    }
    edits.into()
}

/// The first value of header `name`.
fn header<'a>(headers: &'a [(String, Vec<u8>)], name: &str) -> Option<&'a [u8]> {
    headers.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_slice())
}

/// The first value of header `name` as text (invalid UTF-8 replaced), moved out of `headers`.
fn take_text(headers: &mut [(String, Vec<u8>)], name: &str) -> String {
    let Some((_, value)) = headers.iter_mut().find(|(n, _)| n == name) else {
        return String::new();
    };
    String::from_utf8(core::mem::take(value))
        .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
}

/// A claim as header text: strings as-is, numbers and booleans as JSON, objects and arrays as
/// standard, padded base64 of their JSON, as Envoy's `jwt_authn` writes them
/// (`addJWTClaimToHeader`: `Base64::encode`, not the URL-safe alphabet). A dot path descends
/// into objects; a leading `/` makes it a JSON pointer (RFC 6901, as `serde_json::Value::pointer`
/// reads it). Strings are borrowed from the cached claims.
fn claim_text<'a>(claims: &'a serde_json::Map<String, Value>, name: &str) -> Option<Cow<'a, str>> {
    let value = if let Some(pointer) = name.strip_prefix('/') {
        // The first reference token selects a member of the claims object; the rest is a
        // pointer into that member.
        let (first, rest) = match pointer.find('/') {
            Some(at) => pointer.split_at(at),
            None => (pointer, ""),
        };
        let member = claims.get(first.replace("~1", "/").replace("~0", "~").as_str())?;
        member.pointer(rest)?
    } else {
        let mut parts = name.split('.');
        let mut v = claims.get(parts.next()?)?;
        for part in parts {
            v = v.as_object()?.get(part)?;
        }
        v
    };
    match value {
        Value::String(s) => Some(Cow::Borrowed(s.as_str())),
        Value::Number(n) => Some(Cow::Owned(n.to_string())),
        Value::Bool(b) => Some(Cow::Borrowed(if *b { "true" } else { "false" })),
        Value::Null => None,
        other => {
            use base64::Engine as _;
            let json = serde_json::to_vec(other).ok()?;
            Some(Cow::Owned(base64::engine::general_purpose::STANDARD.encode(json)))
        }
    }
}

/// `path` without the query parameter `name` (so the token is not forwarded upstream).
fn without_param(path: &str, name: &str) -> String {
    let Some((base, query)) = path.split_once('?') else {
        return path.to_string();
    };
    let kept: Vec<&str> =
        query.split('&').filter(|pair| pair.split('=').next() != Some(name)).collect();
    if kept.is_empty() {
        base.to_string()
    } else {
        format!("{base}?{}", kept.join("&"))
    }
}
