//! The filter's root and HTTP contexts over a [`Host`]: read the request once, ask the gate,
//! apply the answer.
//!
//! Every request header is read in `on_http_request_headers` (request headers are off limits
//! once the request went upstream) and handed to the core's [`Gate`], which makes the whole
//! decision (path check, rules, token, keys, verify, policies, claim headers, reply) and keeps
//! the answer cache. A request whose keys are not loaded yet is paused as the gate's
//! [`Pending`] and resumed when the fetch completes, from whichever context receives the
//! completion (after making the paused stream the effective one).
//!
//! What stays here is Envoy's: header I/O, calls for remote keys (`jwks`), shared data, ticks,
//! metrics and logs, all through the [`Host`] (the proxy-wasm callbacks in `abi` only forward).
//! Fail closed: the body and trailers callbacks hold the stream until the headers were let
//! through (a host with `allow_on_headers_stop_iteration` hands them over while the headers are
//! stopped, and a Continue there would release the request upstream); an internal failure
//! answers 503.

use alloc::collections::BTreeMap;
use alloc::format;
use alloc::rc::Rc;
use alloc::string::String;
use alloc::vec::Vec;
use core::cell::{Cell, RefCell};

use proxy_wasm::types::Action;

use super::host::{Host, LogLevel};
use super::jwks::{self, Completed, Keys, Remote};
use super::metrics::{Counter, Metrics};
use crate::gate::config::KeySource;
use crate::gate::{jwt_authn, reply};
use crate::gate::{
    Answer, Decision, Detail, Edit, Gate, GateConfig, GateError, KeyState, Pass, Pending,
    ProviderKeys, Verdict,
};

// ---------------------------------------------------------------------------------------------
// Per-VM state shared by the root and the HTTP contexts.

/// A paused request: the gate's admitted request and its stream's phase.
struct Held {
    req: Pending,
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

struct Vm {
    gate: Gate,
    remotes: BTreeMap<usize, Remote>,
    pending: BTreeMap<u32, Held>,
    metrics: Metrics,
    owner: Option<String>,
    filter_state: bool,
    /// Some provider has login-order hazards (alias metadata keys another login can change).
    login_order: bool,
}

/// The filter's remote keys as the gate asks for them: keys past their cache duration start a
/// refresh, and an unknown `kid` starts a refetch when the cooldown allows.
struct FilterKeys<'a, H> {
    host: &'a H,
    remotes: &'a mut BTreeMap<usize, Remote>,
    owner: &'a mut Option<String>,
}

fn owner(host: &impl Host, slot: &mut Option<String>) -> String {
    match slot {
        Some(o) => o.clone(),
        None => {
            let o = jwks::allocate_owner(host);
            *slot = Some(o.clone());
            o
        }
    }
}

impl<H: Host> ProviderKeys for FilterKeys<'_, H> {
    fn keys(&mut self, provider: usize, now_ms: u64) -> KeyState {
        let host = self.host;
        match self.remotes.get_mut(&provider).map(|r| r.keys(host, now_ms)) {
            Some(Keys::Ready(k, v)) => KeyState::Ready(k, v),
            Some(Keys::Stale(k, v)) => {
                // Decided with the stale keys now; the refresh runs in the background.
                let owner = owner(host, self.owner);
                if let Some(r) = self.remotes.get_mut(&provider) {
                    r.ensure_fetch(host, now_ms, &owner);
                }
                KeyState::Stale(k, v)
            }
            Some(Keys::NotReady) | None => KeyState::NotReady,
            Some(Keys::Failed(reason)) => KeyState::Failed(reason),
        }
    }

    fn kid_miss(&mut self, provider: usize, now_ms: u64) -> bool {
        let Some(r) = self.remotes.get_mut(&provider) else {
            return false;
        };
        if !r.may_refetch_for_kid(self.host, now_ms) {
            return false;
        }
        let owner = owner(self.host, self.owner);
        if let Some(r) = self.remotes.get_mut(&provider) {
            r.ensure_fetch(self.host, now_ms, &owner);
        }
        true
    }
}

impl Vm {
    fn new(host: &impl Host, cfg: GateConfig) -> Vm {
        let mut remotes = BTreeMap::new();
        for (i, p) in cfg.providers.iter().enumerate() {
            if let KeySource::Remote(r) = &p.keys {
                remotes.insert(i, Remote::new(r.clone(), cfg.limits.clone()));
            }
        }
        let metrics = Metrics::define(host, cfg.stat_prefix.as_deref());
        let filter_state = cfg.filter_state;
        let login_order = cfg.providers.iter().any(|p| !p.login_free.is_empty());
        Vm {
            login_order,
            gate: Gate::new(cfg),
            remotes,
            pending: BTreeMap::new(),
            metrics,
            owner: None,
            filter_state,
        }
    }

    /// The gate's first look at a request (path, CORS, rules, token).
    fn admit(
        &mut self,
        host: &impl Host,
        headers: Vec<(String, Vec<u8>)>,
    ) -> Result<Pending, Decision> {
        let admitted = self.gate.admit(headers, Detail::Reply);
        if let Err(d) = &admitted {
            self.count(host, d);
        }
        admitted
    }

    /// Decides an admitted request with the keys at hand, or says which keys to wait for.
    fn decide(&mut self, host: &impl Host, req: &mut Pending, now_ms: u64) -> Decision {
        // Whether a Vault policy answer depends on login order costs re-evaluations: asked of
        // the gate only when a provider has login-order hazards and the host logs at debug
        // level (asked in that order, so a configuration without hazards makes no extra call).
        let login_order = self.login_order && host.logs_debug();
        let detail = if login_order { Detail::ReplyAndLoginOrder } else { Detail::Reply };
        let Vm { gate, remotes, owner, .. } = self;
        let mut keys = FilterKeys { host, remotes, owner };
        let d = gate.resume(req, &mut keys, now_ms, detail);
        self.count(host, &d);
        // A denial's debug line (`count`) says it; an allowed answer has no line otherwise.
        if let (Verdict::Allow, Some(dep)) = (d.verdict(), d.depends_on_login_order()) {
            let (method, path) = req.target();
            host.log(
                LogLevel::Debug,
                &format!(
                    "jwtgate: allowed: {} {}: depends on login order: {}",
                    reply::sanitize(method, 16),
                    reply::sanitize(path, 200),
                    reply::sanitize(&dep.message, 400)
                ),
            );
        }
        d
    }

    /// Counts a decision in the metrics, and logs a denial at debug level.
    fn count(&mut self, host: &impl Host, d: &Decision) {
        let (hits, misses) = d.cache_use();
        for _ in 0..hits {
            self.metrics.inc(host, Counter::CacheHit);
        }
        for _ in 0..misses {
            self.metrics.inc(host, Counter::CacheMiss);
        }
        match d.verdict() {
            Verdict::Allow => self.metrics.inc(host, Counter::Allowed),
            Verdict::Pass => self.metrics.inc(
                host,
                match d.pass() {
                    Some(Pass::Bypass) => Counter::Bypassed,
                    Some(Pass::CorsPreflight) => Counter::CorsPreflightBypassed,
                    _ => Counter::Allowed,
                },
            ),
            Verdict::Deny => {
                let code = d.code().unwrap_or(crate::Code::Internal);
                self.metrics.inc_denied(host, code);
                // Asked first: Envoy runs at info level in production.
                if host.logs_debug() {
                    if let Answer::Reply(r) = d.answer() {
                        let body = String::from_utf8_lossy(&r.body);
                        let order = d.depends_on_login_order().map_or(String::new(), |dep| {
                            format!(
                                "; depends on login order: {}",
                                reply::sanitize(&dep.message, 400)
                            )
                        });
                        host.log(
                            LogLevel::Debug,
                            &format!(
                                "jwtgate: denied: {} ({code}){order}",
                                reply::sanitize(&body, 200)
                            ),
                        );
                    }
                }
            }
            Verdict::Wait => {}
        }
    }

    /// Makes sure a fetch is running for each provider in `providers`.
    fn start_fetches(&mut self, host: &impl Host, providers: &[usize], now_ms: u64) {
        let owner = owner(host, &mut self.owner);
        for i in providers {
            if let Some(r) = self.remotes.get_mut(i) {
                r.ensure_fetch(host, now_ms, &owner);
            }
        }
    }
}

/// [`apply`], and records where the stream then stands for its body and trailers callbacks.
fn apply_to(
    host: &impl Host,
    outcome: Answer,
    in_headers_callback: bool,
    phase: &Cell<Phase>,
    filter_state: bool,
) -> Action {
    phase.set(match outcome {
        Answer::Forward(_) => Phase::Released,
        Answer::Reply(_) => Phase::Answered,
        Answer::Wait(_) => Phase::Held,
    });
    apply(host, outcome, in_headers_callback, filter_state)
}

/// The reply to a request the filter cannot decide because its own state is broken: 503, never
/// a Continue.
fn internal_failure(host: &impl Host, what: &'static str) -> Answer {
    let err = GateError::Internal { what };
    host.log(LogLevel::Error, &format!("jwtgate: {err}"));
    Answer::Reply(Rc::new(reply::for_error(&err, "jwtgate", Default::default())))
}

/// Applies an outcome to the effective stream. `in_headers_callback` tells whether we are still
/// inside `on_http_request_headers` (return an action) or resuming a paused stream.
fn apply(
    host: &impl Host,
    outcome: Answer,
    in_headers_callback: bool,
    filter_state: bool,
) -> Action {
    match outcome {
        Answer::Forward(edits) => {
            publish(host, edits.filter_state());
            for e in edits.iter() {
                match e {
                    Edit::Set(name, value) => host.set_request_header(name, value.as_bytes()),
                    Edit::Remove(name) => host.remove_request_header(name),
                }
            }
            if in_headers_callback {
                Action::Continue
            } else {
                host.resume_request();
                Action::Pause
            }
        }
        Answer::Reply(r) => {
            if filter_state {
                let code = jwt_authn::reply_code(&r.body).unwrap_or("");
                publish(host, &jwt_authn::denied_state(code));
            }
            let headers: Vec<(&str, &str)> =
                r.headers.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
            host.send_local_reply(r.status, &headers, &r.body);
            Action::Pause
        }
        Answer::Wait(_) => Action::Pause,
    }
}

/// Sets filter state on the effective stream (`wasm.<name>` in Envoy: a writable bytes value
/// living as long as the filter chain). Only ever called from a stream's context: Envoy answers
/// NotFound from the root context, and the SDK traps on any status but Ok.
fn publish(host: &impl Host, state: &[(String, Vec<u8>)]) {
    for (name, value) in state {
        host.set_filter_state(name, value);
    }
}

/// Re-decides every paused request after keys changed state.
fn wake(host: &impl Host, vm: &Rc<RefCell<Vm>>, now_ms: u64) {
    let Ok(mut state) = vm.try_borrow_mut() else {
        return;
    };
    let ids: Vec<u32> = state.pending.keys().copied().collect();
    for id in ids {
        let Some(mut held) = state.pending.remove(&id) else {
            continue;
        };
        let outcome = state.decide(host, &mut held.req, now_ms).into_answer();
        if let Answer::Wait(providers) = &outcome {
            state.start_fetches(host, providers, now_ms);
            state.pending.insert(id, held);
            continue;
        }
        // The stream may be gone (client disconnected): then there is nothing to resume.
        if host.set_effective_stream(id) {
            apply_to(host, outcome, false, &held.phase, state.filter_state);
        }
    }
}

/// Routes an HTTP-call completion to the remote JWKS that made it.
fn on_call_response(
    host: &impl Host,
    vm: &Rc<RefCell<Vm>>,
    token: u32,
    num_headers: usize,
    body_size: usize,
) {
    let now = host.now_ms();
    let completed = {
        let Ok(mut state) = vm.try_borrow_mut() else {
            return;
        };
        let Vm { gate, remotes, .. } = &mut *state;
        let Some((name, remote)) =
            remotes.iter_mut().find(|(_, r)| r.owns_call(token)).map(|(i, r)| {
                (gate.config().providers.get(*i).map(|p| p.name.clone()).unwrap_or_default(), r)
            })
        else {
            return;
        };
        let (completed, error) = remote.on_response(host, num_headers, body_size, now);
        match &error {
            None => {
                state.metrics.inc(host, Counter::JwksFetchSuccess);
                host.log(LogLevel::Info, &format!("jwtgate: provider {name}: JWKS loaded"));
            }
            Some(reason) => {
                state.metrics.inc(host, Counter::JwksFetchFailed);
                host.log(
                    LogLevel::Warn,
                    &format!("jwtgate: provider {name}: JWKS fetch failed: {reason}"),
                );
            }
        }
        completed
    };
    if !matches!(completed, Completed::Retrying) {
        wake(host, vm, now);
    }
}

// ---------------------------------------------------------------------------------------------
// The contexts, as the proxy-wasm callbacks (`abi`) drive them.

/// A root context: the plugin configuration, the tick and the VM's state.
pub struct Root<H: Host> {
    id: u32,
    host: H,
    vm: Option<Rc<RefCell<Vm>>>,
}

impl<H: Host + Clone> Root<H> {
    /// The root context `id`, not configured yet.
    pub fn new(id: u32, host: H) -> Root<H> {
        Root { id, host, vm: None }
    }

    /// `on_configure`: reads and checks the plugin configuration; `false` refuses it.
    pub fn configure(&mut self) -> bool {
        let host = &self.host;
        let bytes = host.plugin_configuration();
        match GateConfig::parse(&bytes) {
            Ok(cfg) => {
                let hazards: Vec<String> = cfg
                    .providers
                    .iter()
                    .flat_map(|p| p.login_order.iter().map(move |f| (p, f)))
                    .map(|(p, f)| {
                        format!(
                            "jwtgate: provider {:?}: login-order hazard ({}, {}): {}",
                            p.name,
                            f.code.as_str(),
                            severity(f.severity),
                            f.message
                        )
                    })
                    .collect();
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
                self.vm = Some(Rc::new(RefCell::new(Vm::new(host, cfg))));
                // The tick only serves remote JWKS (refresh, retries, other VMs' fetches).
                if has_remote {
                    host.set_tick_period(tick);
                }
                host.log(LogLevel::Info, &summary);
                for w in &warnings {
                    host.log(LogLevel::Warn, &format!("jwtgate: {w}"));
                }
                for h in &hazards {
                    host.log(LogLevel::Warn, h);
                }
                true
            }
            Err(e) => {
                host.log(LogLevel::Error, &format!("jwtgate: rejecting plugin configuration: {e}"));
                false
            }
        }
    }

    /// `on_tick`: drives every remote JWKS, and re-decides the paused requests when keys
    /// changed state.
    pub fn tick(&mut self) {
        let Some(vm) = &self.vm else { return };
        let host = &self.host;
        let now = host.now_ms();
        let mut changed = false;
        {
            let Ok(mut state) = vm.try_borrow_mut() else {
                return;
            };
            let names: BTreeMap<usize, String> = state
                .gate
                .config()
                .providers
                .iter()
                .enumerate()
                .map(|(i, p)| (i, p.name.clone()))
                .collect();
            let owner = owner(host, &mut state.owner);
            let mut events = Vec::new();
            for (i, r) in state.remotes.iter_mut() {
                if let Some(c) = r.on_tick(host, now, &owner) {
                    events.push((*i, c));
                }
            }
            for (i, c) in events {
                let name = names.get(&i).map(String::as_str).unwrap_or_default();
                match c {
                    Completed::Loaded => host.log(
                        LogLevel::Info,
                        &format!("jwtgate: provider {name}: JWKS loaded from shared data"),
                    ),
                    Completed::GaveUp => {
                        state.metrics.inc(host, Counter::JwksFetchFailed);
                        host.log(
                            LogLevel::Warn,
                            &format!("jwtgate: provider {name}: JWKS unavailable"),
                        )
                    }
                    Completed::Retrying => {}
                }
                changed = true;
            }
        }
        if changed {
            wake(host, vm, now);
        }
    }

    /// `on_http_call_response` on the root context.
    pub fn call_response(&self, token: u32, num_headers: usize, body_size: usize) {
        if let Some(vm) = &self.vm {
            on_call_response(&self.host, vm, token, num_headers, body_size);
        }
    }

    /// `create_http_context`: the stream `id`.
    pub fn stream(&self, id: u32) -> Http<H> {
        Http { id, host: self.host.clone(), vm: self.vm.clone(), phase: Rc::default() }
    }
}

/// An HTTP context: one request stream.
pub struct Http<H: Host> {
    id: u32,
    host: H,
    vm: Option<Rc<RefCell<Vm>>>,
    /// Where this stream stands (shared with its pending request while it waits for keys).
    phase: Rc<Cell<Phase>>,
}

impl<H: Host> Http<H> {
    /// `on_http_request_headers`: decides the request, or pauses it while its keys are fetched.
    pub fn request_headers(&mut self) -> Action {
        let host = &self.host;
        let Some(vm) = self.vm.clone() else {
            let err = GateError::ConfigInvalid {
                field: "$".into(),
                reason: "filter not configured".into(),
            };
            return apply_to(
                host,
                Answer::Reply(Rc::new(reply::for_error(&err, "jwtgate", Default::default()))),
                true,
                &self.phase,
                false,
            );
        };
        let Ok(mut state) = vm.try_borrow_mut() else {
            return apply_to(
                host,
                internal_failure(host, "filter state already in use"),
                true,
                &self.phase,
                false,
            );
        };
        // Bytes, never `String`: a non-UTF-8 value must not trap the VM.
        let headers = host.request_headers();
        let now = host.now_ms();
        let filter_state = state.filter_state;
        let mut req = match state.admit(host, headers) {
            Ok(r) => r,
            Err(d) => return apply_to(host, d.into_answer(), true, &self.phase, filter_state),
        };
        let outcome = state.decide(host, &mut req, now).into_answer();
        if let Answer::Wait(providers) = &outcome {
            state.metrics.inc(host, Counter::Paused);
            self.phase.set(Phase::Held);
            state.start_fetches(host, providers, now);
            // A fetch that failed at dispatch (unknown cluster, no retries left) leaves nothing
            // to wait for: decide again now rather than leaving the request paused.
            let fetching =
                providers.iter().all(|i| state.remotes.get(i).is_some_and(Remote::is_fetching));
            if !fetching {
                let again = state.decide(host, &mut req, now).into_answer();
                if let Answer::Wait(_) = again {
                    state.pending.insert(self.id, Held { req, phase: Rc::clone(&self.phase) });
                    return Action::Pause;
                }
                return apply_to(host, again, true, &self.phase, filter_state);
            }
            state.pending.insert(self.id, Held { req, phase: Rc::clone(&self.phase) });
            return Action::Pause;
        }
        apply_to(host, outcome, true, &self.phase, filter_state)
    }

    /// `on_http_request_body` and `on_http_request_trailers`: continue only once the headers
    /// went upstream. While they are held (paused for keys) or answered, a Continue here would
    /// release the request when the host delivers the body or trailers before the headers
    /// were let through (`allow_on_headers_stop_iteration`).
    pub fn after_headers(&self) -> Action {
        if self.phase.get() == Phase::Released {
            Action::Continue
        } else {
            Action::Pause
        }
    }

    /// `on_http_call_response` on a stream: fetches are started by whichever context needs
    /// them first, and completions are VM-wide.
    pub fn call_response(&self, token: u32, num_headers: usize, body_size: usize) {
        if let Some(vm) = &self.vm {
            on_call_response(&self.host, vm, token, num_headers, body_size);
        }
    }
}

impl<H: Host> Drop for Http<H> {
    fn drop(&mut self) {
        if let Some(vm) = &self.vm {
            if let Ok(mut state) = vm.try_borrow_mut() {
                state.pending.remove(&self.id);
            }
        }
    }
}

/// `security`, `reliability` or `notice`.
fn severity(s: crate::login_order::Severity) -> &'static str {
    match s {
        crate::login_order::Severity::Security => "security",
        crate::login_order::Severity::Reliability => "reliability",
        crate::login_order::Severity::Notice => "notice",
    }
}
