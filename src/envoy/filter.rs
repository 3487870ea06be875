//! The proxy-wasm root and HTTP contexts: read the request once, ask the core, apply the answer.
//!
//! Every request header is read in `on_http_request_headers` (request headers are off limits
//! once the request went upstream), kept as a [`Request`] snapshot, and the decision is a pure
//! function of that snapshot, the keys and the clock. A request whose keys are not loaded yet is
//! paused and re-decided when the fetch completes, from whichever context receives the
//! completion (after `proxy_set_effective_context` to the paused stream).
//!
//! Fail closed: the path is checked before anything else ([`super::path`]); every configured
//! claim header is removed from every request let through, and set only from a verified token;
//! the body and trailers callbacks hold the stream until the headers were let through (a host
//! with `allow_on_headers_stop_iteration` hands them over while the headers are stopped, and a
//! Continue there would release the request upstream); an internal failure answers 503.

use alloc::borrow::Cow;
use alloc::boxed::Box;
use alloc::collections::BTreeMap;
use alloc::format;
use alloc::rc::Rc;
use alloc::string::{String, ToString};
use alloc::vec::Vec;
use core::borrow::Borrow;
use core::cell::{Cell, OnceCell, RefCell};
use core::cmp::Ordering;
use core::time::Duration;

use proxy_wasm::hostcalls;
use proxy_wasm::traits::{Context, HttpContext, RootContext};
use proxy_wasm::types::{Action, BufferType, ContextType, LogLevel, MapType};
use serde_json::Value;

use super::config::{FilterConfig, KeySource, RuleAction};
use super::engine::{self, Verified};
use super::error::FilterError;
use super::extract::{self, Found, Location};
use super::jwks::{self, Completed, Keys, Remote};
use super::jwt_authn;
use super::metrics::{Counter, Metrics};
use super::path;
use super::reply::{self, LocalReply};
use crate::cache::{self as token_cache, Cache};
use crate::time::UnixTime;

/// The root-context factory registered in `_initialize`.
pub fn new_root(id: u32) -> Box<dyn RootContext> {
    Box::new(Root { id, vm: None })
}

fn log(level: LogLevel, msg: &str) {
    let _ = hostcalls::log(level, msg);
}

// ---------------------------------------------------------------------------------------------
// Per-VM state shared by the root and the HTTP contexts.

/// A request as read in `on_http_request_headers`.
struct Request {
    method: String,
    path: String,
    found: Found,
    /// Candidate providers (indexes), in configuration order (shared with the VM's list of
    /// every provider when that is what they are).
    providers: Rc<[usize]>,
    strip_prefix: Option<String>,
    /// An unknown `kid` already caused one refetch for this request.
    kid_refetched: bool,
    /// Where the stream stands, shared with its HTTP context (the body and trailers callbacks
    /// read it; a resume from another context writes it).
    phase: Rc<Cell<Phase>>,
}

/// Where a stream stands, for the callbacks after the headers.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
enum Phase {
    /// The headers are not decided yet (or are paused for keys).
    #[default]
    Held,
    /// The headers went upstream: body and trailers follow them.
    Released,
    /// A local reply was sent.
    Answered,
}

/// A header change to apply before continuing.
enum Edit {
    Set(Rc<str>, String),
    Remove(Rc<str>),
}

/// The header changes for a request let through: those its identity implies (claim headers,
/// the same for every request with that token or without one, so built once and shared) and
/// the request's own (the token taken from where it was found).
struct Edits {
    shared: Rc<[Edit]>,
    own: Option<Edit>,
    /// Filter state to publish (`filter_state: true`), empty otherwise.
    state: Vec<(String, Vec<u8>)>,
}

/// What to do with a request.
enum Outcome {
    Continue(Edits),
    Reply(Rc<LocalReply>),
    /// Keys are being fetched for these providers.
    Wait(Vec<usize>),
}

struct Vm {
    cfg: Rc<FilterConfig>,
    remotes: BTreeMap<usize, Remote>,
    /// Verified tokens per worker (the core's bounded cache, honouring `exp`).
    cache: Cache<TokenKey, Rc<Identity>>,
    /// Rejected tokens per worker (the core's rules in [`token_cache::rejection_window`]), so a
    /// replayed bad token costs a lookup instead of a signature check. Separate from `cache` so
    /// a flood of bad tokens can never evict good ones.
    rejected: Cache<TokenKey, Rejection>,
    pending: BTreeMap<u32, Request>,
    metrics: Metrics,
    owner: Option<String>,
    /// The reply to a request without a token (it depends on the configuration only).
    missing_reply: OnceCell<Rc<LocalReply>>,
    /// The edits for a request allowed without a token: every claim header removed.
    unclaimed: OnceCell<Rc<[Edit]>>,
    /// `0..providers.len()`: the candidates when no rule names some.
    all_providers: Rc<[usize]>,
}

impl Vm {
    fn new(cfg: FilterConfig) -> Vm {
        let mut remotes = BTreeMap::new();
        for (i, p) in cfg.providers.iter().enumerate() {
            if let KeySource::Remote(r) = &p.keys {
                remotes.insert(i, Remote::new(r.clone(), cfg.limits.clone()));
            }
        }
        let metrics = Metrics::define(cfg.stat_prefix.as_deref());
        Vm {
            missing_reply: OnceCell::new(),
            unclaimed: OnceCell::new(),
            all_providers: (0..cfg.providers.len()).collect(),
            // Rejections get a quarter of the byte budget: a flood of bad tokens never evicts
            // good ones, nor grows the worker past its budget.
            cache: Cache::bounded(cfg.cache_entries, cfg.cache_bytes - cfg.cache_bytes / 4),
            rejected: Cache::bounded(cfg.cache_entries.min(MAX_REJECTED), cfg.cache_bytes / 4),
            cfg: Rc::new(cfg),
            remotes,
            pending: BTreeMap::new(),
            metrics,
            owner: None,
        }
    }

    fn owner(&mut self) -> String {
        match &self.owner {
            Some(o) => o.clone(),
            None => {
                let o = jwks::allocate_owner();
                self.owner = Some(o.clone());
                o
            }
        }
    }

    /// First look at a request: path, CORS, rules, token extraction. `Err` = decided without a
    /// token (refused, or let through without claim headers). The request's `:method` and
    /// `:path` are moved out of `headers`, not copied.
    fn admit(
        &mut self,
        mut headers: Vec<(String, Vec<u8>)>,
        phase: &Rc<Cell<Phase>>,
    ) -> Result<Request, Outcome> {
        let cfg = Rc::clone(&self.cfg);
        let all = Rc::clone(&self.all_providers);
        let (found, providers, strip_prefix) = {
            let raw_path = header(&headers, ":path").unwrap_or_default();
            // Before anything else decides on the path: see `path` for why.
            if let Err(problem) = path::check(raw_path) {
                return Err(self.deny(&FilterError::PathInvalid(problem)));
            }
            let method = String::from_utf8_lossy(header(&headers, ":method").unwrap_or_default());
            let path = String::from_utf8_lossy(raw_path);
            if cfg.bypass_cors_preflight
                && method == "OPTIONS"
                && header(&headers, "origin").is_some()
                && header(&headers, "access-control-request-method").is_some()
            {
                self.metrics.inc(Counter::CorsPreflightBypassed);
                return Err(self.unchecked());
            }
            let (action, listed, strip_prefix): (_, &[usize], _) =
                match cfg.rule_for(&method, &path) {
                    Some(r) => (r.action, &r.providers, r.strip_prefix.clone()),
                    None => (RuleAction::Require, &all, None),
                };
            if action == RuleAction::Bypass {
                self.metrics.inc(Counter::Bypassed);
                return Err(self.unchecked());
            }
            let Some((found, candidates)) = self.find_token(&cfg, &headers, raw_path, listed)?
            else {
                return Err(self.no_token(action));
            };
            // Every listed provider is a candidate (the usual case): the VM's list, shared.
            let providers = if *candidates == *all { Rc::clone(&all) } else { candidates.into() };
            (found, providers, strip_prefix)
        };
        Ok(Request {
            method: take_text(&mut headers, ":method"),
            path: take_text(&mut headers, ":path"),
            found,
            providers,
            strip_prefix,
            kid_refetched: false,
            phase: Rc::clone(phase),
        })
    }

    /// The token the `listed` providers find in the request, and which of them found it; a
    /// denial when a provider's location is malformed or two providers find different tokens.
    fn find_token(
        &mut self,
        cfg: &FilterConfig,
        headers: &[(String, Vec<u8>)],
        raw_path: &[u8],
        listed: &[usize],
    ) -> Result<Option<(Found, Vec<usize>)>, Outcome> {
        let mut found: Option<Found> = None;
        let mut candidates = Vec::new();
        for &i in listed {
            let Some(p) = cfg.providers.get(i) else {
                continue;
            };
            match extract::find(headers, raw_path, p, cfg.limits.max_token_len) {
                Err(e) => return Err(self.deny(&e)),
                Ok(None) => {}
                Ok(Some(f)) => {
                    if let Some(prev) = &found {
                        if prev.token != f.token {
                            let locations =
                                format!("{}, {}", prev.location.describe(), f.location.describe());
                            return Err(self.deny(&FilterError::TokenMultiple { locations }));
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
    fn no_token(&mut self, action: RuleAction) -> Outcome {
        if action != RuleAction::AllowMissing {
            return self.deny(&FilterError::TokenMissing);
        }
        self.metrics.inc(Counter::Allowed);
        self.unchecked()
    }

    /// Lets a request through without a verified token (bypass, CORS preflight, allow_missing
    /// without a token): every configured claim header removed. Claim headers are ours to set,
    /// from a verified token only; a client must not be able to inject them on any path.
    fn unchecked(&mut self) -> Outcome {
        let cfg = &self.cfg;
        let shared = self.unclaimed.get_or_init(|| {
            cfg.providers
                .iter()
                .flat_map(|p| p.owned_headers().map(|h| Edit::Remove(h.into())))
                .collect()
        });
        Outcome::Continue(Edits { shared: Rc::clone(shared), own: None, state: Vec::new() })
    }

    fn deny(&mut self, err: &FilterError) -> Outcome {
        self.note_denied(err);
        if matches!(err, FilterError::TokenMissing) {
            // The same bytes for every request without a token: rendered once per VM.
            let cfg = &self.cfg;
            let reply = self
                .missing_reply
                .get_or_init(|| Rc::new(reply::for_error(err, &cfg.realm, cfg.on_jwks_failure)));
            return Outcome::Reply(Rc::clone(reply));
        }
        Outcome::Reply(Rc::new(reply::for_error(err, &self.cfg.realm, self.cfg.on_jwks_failure)))
    }

    /// [`Vm::deny`] for a remembered rejection: the reply rendered for it at this `now` is
    /// reused (a reply depends only on the error as worded at `now`, a whole second, and on the
    /// configuration), so a bad token replayed many times a second renders its message once.
    fn deny_remembered(
        &mut self,
        err: &FilterError,
        slot: &RenderedSlot,
        now: UnixTime,
    ) -> Outcome {
        let cached =
            RefCell::borrow(slot).as_ref().filter(|r| r.at == now).map(|r| Rc::clone(&r.reply));
        if let Some(reply) = cached {
            self.note_denied(err);
            return Outcome::Reply(reply);
        }
        let outcome = self.deny(err);
        if let Outcome::Reply(reply) = &outcome {
            *RefCell::borrow_mut(slot) = Some(Rendered { at: now, reply: Rc::clone(reply) });
        }
        outcome
    }

    /// Counts a denial and logs it at debug level.
    fn note_denied(&mut self, err: &FilterError) {
        self.metrics.inc_denied(err.code());
        // Asked first: rendering and sanitising the message is most of a denial's own cost,
        // and Envoy runs at info level in production.
        if matches!(hostcalls::get_log_level(), Ok(LogLevel::Trace | LogLevel::Debug)) {
            log(
                LogLevel::Debug,
                &format!(
                    "jwtgate: denied: {} ({})",
                    reply::sanitize(&err.to_string(), 200),
                    err.code()
                ),
            );
        }
    }

    /// Decides a request with the keys at hand, or says which keys to wait for.
    fn decide(&mut self, req: &mut Request, now_ms: u64) -> Outcome {
        let cfg = Rc::clone(&self.cfg);
        let now = UnixTime(i64::try_from(now_ms / 1000).unwrap_or(i64::MAX));
        let mut wait = Vec::new();
        let mut first_err: Option<FilterError> = None;
        // Set when `first_err` came from the rejection cache: where its reply is remembered.
        let mut first_slot: Option<RenderedSlot> = None;
        for &i in req.providers.iter() {
            let Some(p) = cfg.providers.get(i) else {
                continue;
            };
            let (keys, version) = match &p.keys {
                KeySource::Inline(_) => (None, 0),
                KeySource::Remote(_) => match self.remotes.get_mut(&i).map(|r| r.keys(now_ms)) {
                    Some(Keys::Ready(k, v)) => (Some(k), v),
                    Some(Keys::Stale(k, v)) => {
                        // Decided with the stale keys now; the refresh runs in the background.
                        self.start_fetches(&[i], now_ms);
                        (Some(k), v)
                    }
                    Some(Keys::NotReady) | None => {
                        wait.push(i);
                        continue;
                    }
                    Some(Keys::Failed(reason)) => {
                        first_err.get_or_insert(FilterError::JwksUnavailable {
                            provider: p.name.clone(),
                            reason,
                        });
                        continue;
                    }
                },
            };
            let set = match (&keys, &p.keys) {
                (Some(k), _) => k.as_ref(),
                (None, KeySource::Inline(set)) => set,
                (None, KeySource::Remote(_)) => continue,
            };
            let lookup = TokenRef { provider: i, version, token: &req.found.token };
            // Most tokens are not in the rejection cache: `get` finds that in one search (and
            // drops an entry found expired); its second search happens only on a hit.
            let rejected = self.rejected.get::<dyn KeyParts>(&lookup, now);
            if let Some(r) = rejected {
                if first_err.is_none() {
                    first_err = Some(token_cache_rejection(&r.err, now));
                    first_slot = Some(Rc::clone(&r.rendered));
                }
                continue;
            }
            // Most tokens here are cached: `peek` answers a hit in one search (`get` finds the
            // entry twice); `get` then only on a miss, to drop an entry found expired.
            let cached = match self.cache.peek::<dyn KeyParts>(&lookup, now) {
                Some(v) => Some(Rc::clone(v)),
                None => self.cache.get::<dyn KeyParts>(&lookup, now).cloned(),
            };
            let identity = match cached {
                Some(v) => {
                    self.metrics.inc(Counter::CacheHit);
                    v
                }
                None => {
                    self.metrics.inc(Counter::CacheMiss);
                    let key = TokenKey { provider: i, version, token: req.found.token.clone() };
                    let verified = engine::verify(&req.found.token, set, &p.policy, now);
                    match verified
                        .and_then(|v| jwt_authn::check(p, &v.inner.claims, now).map(|()| v))
                    {
                        Ok(v) => {
                            let v = Rc::new(Identity { verified: v, claim_edits: OnceCell::new() });
                            // Only inside the token's own validity, capped at five minutes.
                            if let Some((from, until)) =
                                token_cache::window(&v.verified.inner.claims, now, 0, 300)
                            {
                                let bytes = weight(&req.found.token);
                                self.cache.insert_weighed(key, Rc::clone(&v), bytes, from, until);
                            }
                            v
                        }
                        Err(e) => {
                            if engine::is_unknown_key(&e) && !req.kid_refetched {
                                if let Some(r) = self.remotes.get_mut(&i) {
                                    if r.may_refetch_for_kid(now_ms) {
                                        req.kid_refetched = true;
                                        let owner = self.owner();
                                        if let Some(r) = self.remotes.get_mut(&i) {
                                            r.ensure_fetch(now_ms, &owner);
                                        }
                                        return Outcome::Wait(alloc::vec![i]);
                                    }
                                }
                            }
                            if let FilterError::Core(core) = &e {
                                if let Some((from, until)) =
                                    token_cache::rejection_window(core, now, REJECTED_MAX_AGE)
                                {
                                    let r = Rejection { err: e.clone(), rendered: Rc::default() };
                                    let bytes = weight(&req.found.token);
                                    self.rejected.insert_weighed(key, r, bytes, from, until);
                                }
                            }
                            first_err.get_or_insert(e);
                            continue;
                        }
                    }
                }
            };
            return self.allow_or_forbid(req, i, &identity, now_ms);
        }
        if !wait.is_empty() {
            return Outcome::Wait(wait);
        }
        // Every candidate provider answers one way or another: no answer is a broken invariant.
        let err = first_err.unwrap_or(FilterError::Internal { what: "no provider decided" });
        match first_slot {
            Some(slot) => self.deny_remembered(&err, &slot, now),
            None => self.deny(&err),
        }
    }

    fn allow_or_forbid(
        &mut self,
        req: &Request,
        provider: usize,
        identity: &Identity,
        now_ms: u64,
    ) -> Outcome {
        let cfg = Rc::clone(&self.cfg);
        let Some(p) = cfg.providers.get(provider) else {
            return self.deny(&FilterError::Internal { what: "provider index out of range" });
        };
        let verified = &identity.verified;
        let now = UnixTime(i64::try_from(now_ms / 1000).unwrap_or(i64::MAX));
        let prefix = req.strip_prefix.as_deref();
        if let Err(e) = engine::authorize(verified, &p.policy, &req.method, &req.path, prefix, now)
        {
            // A repeated forbidden request: the reply rendered for the remembered decision.
            if let Some(reply) = verified.denial_reply() {
                self.note_denied(&e);
                return Outcome::Reply(reply);
            }
            let outcome = self.deny(&e);
            if let Outcome::Reply(reply) = &outcome {
                verified.keep_denial_reply(Rc::clone(reply));
            }
            return outcome;
        }
        let shared =
            identity.claim_edits.get_or_init(|| claim_edits(&cfg, p, verified, &req.found.token));
        let own = if p.forward {
            None
        } else {
            match &req.found.location {
                Location::Header(name) => Some(Edit::Remove(Rc::clone(name))),
                Location::Param(name) => {
                    Some(Edit::Set(":path".into(), without_param(&req.path, name)))
                }
                // Like Envoy's jwt_authn: cookies are left alone (rewriting them breaks others).
                Location::Cookie(_) => None,
            }
        };
        self.metrics.inc(Counter::Allowed);
        let state = if cfg.filter_state {
            jwt_authn::allowed_state(&p.name, &verified.inner.claims)
        } else {
            Vec::new()
        };
        Outcome::Continue(Edits { shared: Rc::clone(shared), own, state })
    }

    /// Makes sure a fetch is running for each provider in `providers`.
    fn start_fetches(&mut self, providers: &[usize], now_ms: u64) {
        let owner = self.owner();
        for i in providers {
            if let Some(r) = self.remotes.get_mut(i) {
                r.ensure_fetch(now_ms, &owner);
            }
        }
    }
}

/// A verified token as the filter caches it: the core's answer, and the claim-header edits it
/// implies (a function of the claims and the configuration), built on its first allowed request.
struct Identity {
    verified: Verified,
    claim_edits: OnceCell<Rc<[Edit]>>,
}

/// The claim-header edits for an identity verified by provider `p`: its own claim headers set
/// (or removed when the claim is absent or unusable), and every other provider's removed —
/// every configured claim header is ours, so copies sent by the client never pass.
fn claim_edits(
    cfg: &FilterConfig,
    p: &super::config::Provider,
    verified: &Verified,
    token: &str,
) -> Rc<[Edit]> {
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

/// What a cached answer counts against the worker's byte budget: the token kept as the key, the
/// header and claims parsed from it (a few times the decoded text in maps and strings) and the
/// reply or header edits built from them; the constant covers the entry's own bookkeeping.
fn weight(token: &str) -> usize {
    token.len().saturating_mul(4).saturating_add(1024)
}

/// The cache key: the provider (its options are fixed per VM), the key-set version (a new JWKS
/// never answers from entries verified with the old one) and the exact token. The token itself,
/// not a digest: hashing it was most of a cache hit's time in the filter. Looked up through
/// [`KeyParts`] with the request's token borrowed ([`TokenRef`]), so a lookup copies nothing.
#[derive(Clone, Debug)]
struct TokenKey {
    provider: usize,
    version: u64,
    token: String,
}

/// A cache key borrowed from the request being decided.
struct TokenRef<'a> {
    provider: usize,
    version: u64,
    token: &'a str,
}

/// What cache keys are compared by, for owned and borrowed keys alike.
trait KeyParts {
    fn parts(&self) -> (usize, u64, &[u8]);
}

impl KeyParts for TokenKey {
    fn parts(&self) -> (usize, u64, &[u8]) {
        (self.provider, self.version, self.token.as_bytes())
    }
}

impl KeyParts for TokenRef<'_> {
    fn parts(&self) -> (usize, u64, &[u8]) {
        (self.provider, self.version, self.token.as_bytes())
    }
}

/// The order of cache keys: provider, key-set version, then the token by length, by its last
/// eight bytes and only then byte-wise. Any total order that agrees with equality serves a map;
/// this one tells two tokens of one issuer apart at once (their signatures differ in the last
/// bytes, where a byte-wise comparison first walks the header they share).
fn key_order(a: (usize, u64, &[u8]), b: (usize, u64, &[u8])) -> Ordering {
    a.0.cmp(&b.0)
        .then(a.1.cmp(&b.1))
        .then(a.2.len().cmp(&b.2.len()))
        .then_with(|| tail(a.2).cmp(tail(b.2)))
        .then_with(|| word_order(a.2, b.2))
}

/// A total order on byte strings of one length, eight bytes at a time (the byte-wise `memcmp`
/// of a wasm build walks a token a byte per step, and a cache hit compares the whole token once).
fn word_order(x: &[u8], y: &[u8]) -> Ordering {
    let (mut xs, mut ys) = (x.chunks_exact(8), y.chunks_exact(8));
    for (p, q) in (&mut xs).zip(&mut ys) {
        match word(p).cmp(&word(q)) {
            Ordering::Equal => {}
            other => return other,
        }
    }
    xs.remainder().cmp(ys.remainder())
}

/// Eight bytes as a little-endian word (`chunk` is always eight bytes long).
#[inline(always)]
fn word(chunk: &[u8]) -> u64 {
    <[u8; 8]>::try_from(chunk).map(u64::from_le_bytes).unwrap_or(0)
}

/// The last eight bytes of `t` (all of it when shorter).
fn tail(t: &[u8]) -> &[u8] {
    t.len().checked_sub(8).and_then(|at| t.get(at..)).unwrap_or(t)
}

impl<'a> Borrow<dyn KeyParts + 'a> for TokenKey {
    fn borrow(&self) -> &(dyn KeyParts + 'a) {
        self
    }
}

impl Ord for dyn KeyParts + '_ {
    fn cmp(&self, other: &Self) -> Ordering {
        key_order(self.parts(), other.parts())
    }
}

impl PartialOrd for dyn KeyParts + '_ {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl PartialEq for dyn KeyParts + '_ {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for dyn KeyParts + '_ {}

impl Ord for TokenKey {
    fn cmp(&self, other: &Self) -> Ordering {
        key_order(self.parts(), other.parts())
    }
}

impl PartialOrd for TokenKey {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl PartialEq for TokenKey {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for TokenKey {}

/// A remembered rejection: the error, and the reply last rendered for it.
struct Rejection {
    err: FilterError,
    rendered: RenderedSlot,
}

/// The reply last rendered for a rejection, shared with the request being denied.
type RenderedSlot = Rc<RefCell<Option<Rendered>>>;

/// A reply as rendered at `at`.
struct Rendered {
    at: UnixTime,
    reply: Rc<LocalReply>,
}

/// Most rejected tokens remembered per worker.
const MAX_REJECTED: usize = 1024;
/// Longest a rejection is reused, in seconds.
const REJECTED_MAX_AGE: u32 = 60;

/// A cached rejection as a fresh verification at `now` would word it.
fn token_cache_rejection(err: &FilterError, now: UnixTime) -> FilterError {
    match err {
        FilterError::Core(e) => FilterError::Core(token_cache::rejection_at(e, now)),
        other => other.clone(),
    }
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

/// [`apply`], and records where the stream then stands for its body and trailers callbacks.
fn apply_to(
    outcome: Outcome,
    in_headers_callback: bool,
    phase: &Cell<Phase>,
    filter_state: bool,
) -> Action {
    phase.set(match outcome {
        Outcome::Continue(_) => Phase::Released,
        Outcome::Reply(_) => Phase::Answered,
        Outcome::Wait(_) => Phase::Held,
    });
    apply(outcome, in_headers_callback, filter_state)
}

/// The reply to a request the filter cannot decide because its own state is broken: 503, never
/// a Continue.
fn internal_failure(what: &'static str) -> Outcome {
    let err = FilterError::Internal { what };
    log(LogLevel::Error, &format!("jwtgate: {err}"));
    Outcome::Reply(Rc::new(reply::for_error(&err, "jwtgate", Default::default())))
}

/// Applies an outcome to the effective stream. `in_headers_callback` tells whether we are still
/// inside `on_http_request_headers` (return an action) or resuming a paused stream.
fn apply(outcome: Outcome, in_headers_callback: bool, filter_state: bool) -> Action {
    match outcome {
        Outcome::Continue(edits) => {
            publish(&edits.state);
            for e in edits.shared.iter().chain(&edits.own) {
                let _ = match e {
                    Edit::Set(name, value) => hostcalls::set_map_value_bytes(
                        MapType::HttpRequestHeaders,
                        name,
                        Some(value.as_bytes()),
                    ),
                    Edit::Remove(name) => {
                        hostcalls::remove_map_value(MapType::HttpRequestHeaders, name)
                    }
                };
            }
            if in_headers_callback {
                Action::Continue
            } else {
                let _ = hostcalls::resume_http_request();
                Action::Pause
            }
        }
        Outcome::Reply(r) => {
            if filter_state {
                publish(&jwt_authn::denied_state(jwt_authn::reply_code(&r.body).unwrap_or("")));
            }
            let headers: Vec<(&str, &str)> =
                r.headers.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
            let _ = hostcalls::send_http_response(r.status, headers, Some(&r.body));
            Action::Pause
        }
        Outcome::Wait(_) => Action::Pause,
    }
}

/// Sets filter state on the effective stream (`wasm.<name>` in Envoy: a writable bytes value
/// living as long as the filter chain). Only ever called from a stream's context: Envoy answers
/// NotFound from the root context, and the SDK traps on any status but Ok.
fn publish(state: &[(String, Vec<u8>)]) {
    for (name, value) in state {
        let _ = hostcalls::set_property(alloc::vec![name.as_str()], Some(value));
    }
}

/// Re-decides every paused request after keys changed state.
fn wake(vm: &Rc<RefCell<Vm>>, now_ms: u64) {
    let Ok(mut state) = vm.try_borrow_mut() else {
        return;
    };
    let ids: Vec<u32> = state.pending.keys().copied().collect();
    for id in ids {
        let Some(mut req) = state.pending.remove(&id) else {
            continue;
        };
        let outcome = state.decide(&mut req, now_ms);
        if let Outcome::Wait(providers) = &outcome {
            let providers = providers.clone();
            state.start_fetches(&providers, now_ms);
            state.pending.insert(id, req);
            continue;
        }
        // The stream may be gone (client disconnected): then there is nothing to resume.
        if hostcalls::set_effective_context(id).is_ok() {
            let filter_state = state.cfg.filter_state;
            apply_to(outcome, false, &req.phase, filter_state);
        }
    }
}

/// Routes an HTTP-call completion to the remote JWKS that made it.
fn on_call_response(vm: &Rc<RefCell<Vm>>, token: u32, num_headers: usize, body_size: usize) {
    let now = jwks::clock_ms();
    let completed = {
        let Ok(mut state) = vm.try_borrow_mut() else {
            return;
        };
        let Some((name, remote)) = ({
            let cfg = Rc::clone(&state.cfg);
            state.remotes.iter_mut().find(|(_, r)| r.owns_call(token)).map(|(i, r)| {
                (cfg.providers.get(*i).map(|p| p.name.clone()).unwrap_or_default(), r)
            })
        }) else {
            return;
        };
        let (completed, error) = remote.on_response(num_headers, body_size, now);
        match &error {
            None => {
                state.metrics.inc(Counter::JwksFetchSuccess);
                log(LogLevel::Info, &format!("jwtgate: provider {name}: JWKS loaded"));
            }
            Some(reason) => {
                state.metrics.inc(Counter::JwksFetchFailed);
                log(
                    LogLevel::Warn,
                    &format!("jwtgate: provider {name}: JWKS fetch failed: {reason}"),
                );
            }
        }
        completed
    };
    if !matches!(completed, Completed::Retrying) {
        wake(vm, now);
    }
}

// ---------------------------------------------------------------------------------------------

struct Root {
    id: u32,
    vm: Option<Rc<RefCell<Vm>>>,
}

impl Context for Root {
    fn on_http_call_response(
        &mut self,
        token_id: u32,
        num_headers: usize,
        body_size: usize,
        _: usize,
    ) {
        if let Some(vm) = &self.vm {
            on_call_response(vm, token_id, num_headers, body_size);
        }
    }
}

impl RootContext for Root {
    fn on_configure(&mut self, _size: usize) -> bool {
        let bytes = hostcalls::get_buffer(BufferType::PluginConfiguration, 0, usize::MAX)
            .ok()
            .flatten()
            .unwrap_or_default();
        match FilterConfig::parse(&bytes) {
            Ok(cfg) => {
                let tick = cfg.tick_ms;
                let has_remote =
                    cfg.providers.iter().any(|p| matches!(p.keys, KeySource::Remote(_)));
                let summary = format!(
                    "jwtgate: configured {} provider(s), {} rule(s), root context {}",
                    cfg.providers.len(),
                    cfg.rules.len(),
                    self.id
                );
                let warnings = cfg.warnings.clone();
                self.vm = Some(Rc::new(RefCell::new(Vm::new(cfg))));
                // The tick only serves remote JWKS (refresh, retries, other VMs' fetches).
                if has_remote {
                    let _ = hostcalls::set_tick_period(Duration::from_millis(tick));
                }
                log(LogLevel::Info, &summary);
                for w in &warnings {
                    log(LogLevel::Warn, &format!("jwtgate: {w}"));
                }
                true
            }
            Err(e) => {
                log(LogLevel::Error, &format!("jwtgate: rejecting plugin configuration: {e}"));
                false
            }
        }
    }

    fn on_tick(&mut self) {
        let Some(vm) = &self.vm else { return };
        let now = jwks::clock_ms();
        let mut changed = false;
        {
            let Ok(mut state) = vm.try_borrow_mut() else {
                return;
            };
            let owner = state.owner();
            let names: BTreeMap<usize, String> =
                state.cfg.providers.iter().enumerate().map(|(i, p)| (i, p.name.clone())).collect();
            let mut events = Vec::new();
            for (i, r) in state.remotes.iter_mut() {
                if let Some(c) = r.on_tick(now, &owner) {
                    events.push((*i, c));
                }
            }
            for (i, c) in events {
                let name = names.get(&i).map(String::as_str).unwrap_or_default();
                match c {
                    Completed::Loaded => log(
                        LogLevel::Info,
                        &format!("jwtgate: provider {name}: JWKS loaded from shared data"),
                    ),
                    Completed::GaveUp => {
                        state.metrics.inc(Counter::JwksFetchFailed);
                        log(LogLevel::Warn, &format!("jwtgate: provider {name}: JWKS unavailable"))
                    }
                    Completed::Retrying => {}
                }
                changed = true;
            }
        }
        if changed {
            wake(vm, now);
        }
    }

    fn create_http_context(&self, context_id: u32) -> Option<Box<dyn HttpContext>> {
        Some(Box::new(Http { id: context_id, vm: self.vm.clone(), phase: Rc::default() }))
    }

    fn get_type(&self) -> Option<ContextType> {
        Some(ContextType::HttpContext)
    }
}

struct Http {
    id: u32,
    vm: Option<Rc<RefCell<Vm>>>,
    /// Where this stream stands (shared with its pending request while it waits for keys).
    phase: Rc<Cell<Phase>>,
}

impl Http {
    /// The answer of the callbacks after the headers: continue only once the headers went
    /// upstream. While they are held (paused for keys) or answered, a Continue here would
    /// release the request when the host delivers the body or trailers before the headers
    /// were let through (`allow_on_headers_stop_iteration`).
    fn after_headers(&self) -> Action {
        if self.phase.get() == Phase::Released {
            Action::Continue
        } else {
            Action::Pause
        }
    }
}

impl Context for Http {
    fn on_http_call_response(
        &mut self,
        token_id: u32,
        num_headers: usize,
        body_size: usize,
        _: usize,
    ) {
        // Fetches are started by whichever context needs them first; completions are VM-wide.
        if let Some(vm) = &self.vm {
            on_call_response(vm, token_id, num_headers, body_size);
        }
    }
}

impl HttpContext for Http {
    fn on_http_request_headers(&mut self, _num_headers: usize, _end_of_stream: bool) -> Action {
        let Some(vm) = self.vm.clone() else {
            let err = FilterError::ConfigInvalid {
                field: "$".into(),
                reason: "filter not configured".into(),
            };
            return apply_to(
                Outcome::Reply(Rc::new(reply::for_error(&err, "jwtgate", Default::default()))),
                true,
                &self.phase,
                false,
            );
        };
        let Ok(mut state) = vm.try_borrow_mut() else {
            return apply_to(
                internal_failure("filter state already in use"),
                true,
                &self.phase,
                false,
            );
        };
        // Bytes, never `String`: a non-UTF-8 value must not trap the VM.
        let headers = hostcalls::get_map_bytes(MapType::HttpRequestHeaders).unwrap_or_default();
        let now = jwks::clock_ms();
        let mut req = match state.admit(headers, &self.phase) {
            Ok(r) => r,
            Err(outcome) => return apply_to(outcome, true, &self.phase, state.cfg.filter_state),
        };
        let outcome = state.decide(&mut req, now);
        if let Outcome::Wait(providers) = &outcome {
            let providers = providers.clone();
            state.metrics.inc(Counter::Paused);
            self.phase.set(Phase::Held);
            state.pending.insert(self.id, req);
            state.start_fetches(&providers, now);
            // A fetch that failed at dispatch (unknown cluster, no retries left) leaves nothing
            // to wait for: decide again now rather than leaving the request paused.
            let fetching =
                providers.iter().all(|i| state.remotes.get(i).is_some_and(Remote::is_fetching));
            if !fetching {
                if let Some(mut req) = state.pending.remove(&self.id) {
                    let again = state.decide(&mut req, now);
                    if let Outcome::Wait(_) = again {
                        state.pending.insert(self.id, req);
                        return Action::Pause;
                    }
                    return apply_to(again, true, &self.phase, state.cfg.filter_state);
                }
            }
            return Action::Pause;
        }
        apply_to(outcome, true, &self.phase, state.cfg.filter_state)
    }

    fn on_http_request_body(&mut self, _body_size: usize, _end_of_stream: bool) -> Action {
        self.after_headers()
    }

    fn on_http_request_trailers(&mut self, _num_trailers: usize) -> Action {
        self.after_headers()
    }
}

impl Drop for Http {
    fn drop(&mut self) {
        if let Some(vm) = &self.vm {
            if let Ok(mut state) = vm.try_borrow_mut() {
                state.pending.remove(&self.id);
            }
        }
    }
}
