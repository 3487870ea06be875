//! Remote JWKS: fetched with `proxy_http_call` through a cluster, shared by every worker VM.
//!
//! Protocol over Envoy's shared data (process-wide, keyed by `vm_id`, survives VM reloads):
//!
//! | key | value |
//! |---|---|
//! | `<id>` | `jwtgate1\n<fetched_at_ms>\n<expires_at_ms>\n<JWKS bytes>` — the last good document |
//! | `<id>|lock` | `<owner>\n<deadline_ms>` — who is fetching; free when empty or past its deadline |
//! | `<id>|fail` | `<failed_at_ms>\n<reason>` — the last fetch cycle that gave up |
//!
//! where `<id>` is [`RemoteJwks::shared_key`]. A VM fetches only after taking the lock with
//! compare-and-swap; the others wait (their requests stay paused) and pick the document up
//! from shared data on their tick. Refresh happens from the tick before expiry, so requests do
//! not wait for it; an unknown `kid` triggers one refetch, at most once per cooldown (shared,
//! since the cooldown is measured from the shared `fetched_at`, and per VM from the last
//! refetch it asked for, so a failing one is not asked for again by every request).
//!
//! Requests wait for keys only when no key set was ever loaded. Keys past
//! `cache_duration_seconds` are still served at once while a refresh is in flight, backing off
//! or failing (the request that finds them stale starts the refresh): a JWKS host that is slow
//! or down must not hold back tokens the keys at hand can decide. The one request whose `kid`
//! is unknown may wait for the refetch it triggered.

use alloc::format;
use alloc::rc::Rc;
use alloc::string::{String, ToString};
use alloc::vec::Vec;
use core::time::Duration;

use proxy_wasm::hostcalls;
use proxy_wasm::types::{BufferType, MapType, Status};

use super::config::RemoteJwks;
use super::engine;
use crate::jose::KeySet;
use crate::limits::Limits;

const RECORD_MAGIC: &str = "jwtgate1";

/// What a request can do with a provider's keys right now.
pub enum Keys {
    /// Use these keys; `version` identifies the document (cache keys include it).
    Ready(Rc<KeySet>, u64),
    /// Use these keys, which are past their cache duration, and start a refresh (nothing is
    /// fetching and the last cycle did not just give up). Never waited for.
    Stale(Rc<KeySet>, u64),
    /// Not loaded yet: wait for a fetch.
    NotReady,
    /// The last fetch cycle gave up and there are no keys to fall back on.
    Failed(String),
}

/// Where the fetch of one remote JWKS stands, in this VM.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Fetch {
    /// Nothing in progress.
    Idle,
    /// This VM holds the lock and has a call in flight (for the discovery document when
    /// `discovery` is set, else for the JWKS).
    InFlight { token: u32, deadline_ms: u64, discovery: bool },
    /// This VM holds the lock and waits to retry.
    Backoff { retry_at_ms: u64 },
    /// Another VM holds the lock; poll shared data on the tick.
    WaitingOther { since_ms: u64 },
}

/// One remote JWKS as seen by this VM.
pub struct Remote {
    cfg: RemoteJwks,
    keys: Option<Rc<KeySet>>,
    fetched_at_ms: u64,
    expires_at_ms: u64,
    fetch: Fetch,
    attempts: u32,
    failed_until_ms: u64,
    last_error: String,
    limits: Limits,
    /// When this VM last asked for a refetch for an unknown `kid` (the cooldown runs from it
    /// too, so a refetch that fails is not asked for again by the next request).
    kid_refetch_at_ms: u64,
    /// Our lock owner name, once we took the lock (retries extend it).
    owner: String,
    /// The JWKS path learned from the discovery document.
    jwks_path: Option<String>,
}

/// The outcome of a completed fetch cycle, for waking requests.
pub enum Completed {
    /// New keys are loaded.
    Loaded,
    /// The cycle gave up.
    GaveUp,
    /// A retry is scheduled; requests keep waiting.
    Retrying,
}

fn now_ms() -> u64 {
    match hostcalls::get_current_time() {
        // Whole seconds and milliseconds apart: `as_millis` is a `u128`, which wasm emulates.
        Ok(t) => t
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs().saturating_mul(1000).saturating_add(u64::from(d.subsec_millis())))
            .unwrap_or(0),
        Err(_) => 0,
    }
}

/// The host clock in milliseconds since the epoch.
pub fn clock_ms() -> u64 {
    now_ms()
}

impl Remote {
    /// State for one configured remote JWKS.
    pub fn new(cfg: RemoteJwks, limits: Limits) -> Remote {
        Remote {
            cfg,
            keys: None,
            fetched_at_ms: 0,
            expires_at_ms: 0,
            fetch: Fetch::Idle,
            attempts: 0,
            failed_until_ms: 0,
            last_error: String::new(),
            kid_refetch_at_ms: 0,
            limits,
            owner: String::new(),
            jwks_path: None,
        }
    }

    fn lock_key(&self) -> String {
        format!("{}|lock", self.cfg.shared_key())
    }

    fn fail_key(&self) -> String {
        format!("{}|fail", self.cfg.shared_key())
    }

    /// The keys a request may use at `now`.
    pub fn keys(&mut self, now: u64) -> Keys {
        if let Some(k) = self.fresh(now) {
            return k;
        }
        self.adopt_shared();
        if let Some(k) = self.fresh(now) {
            return k;
        }
        let idle = self.fetch == Fetch::Idle;
        if idle {
            self.adopt_failure(now);
        }
        let gave_up = self.failed_until_ms > now;
        match &self.keys {
            // Stale keys decide the request now, whatever the refresh is doing; the request
            // starts the refresh when nothing is fetching and the host did not just fail.
            Some(k) if idle && !gave_up => Keys::Stale(Rc::clone(k), self.fetched_at_ms),
            Some(k) => Keys::Ready(Rc::clone(k), self.fetched_at_ms),
            None if idle && gave_up => Keys::Failed(self.last_error.clone()),
            None => Keys::NotReady,
        }
    }

    fn fresh(&self, now: u64) -> Option<Keys> {
        // No monotonic clock in the ABI: an expiry further away than the cache duration means
        // the wall clock went backwards, and the keys are treated as due.
        let max_ahead = self.cfg.cache_duration_s.saturating_mul(1000);
        match &self.keys {
            Some(k)
                if now < self.expires_at_ms
                    && self.expires_at_ms.saturating_sub(now) <= max_ahead =>
            {
                Some(Keys::Ready(Rc::clone(k), self.fetched_at_ms))
            }
            _ => None,
        }
    }

    /// Loads the shared document if it is newer than ours. Returns whether it changed.
    fn adopt_shared(&mut self) -> bool {
        let Ok((Some(bytes), _)) = hostcalls::get_shared_data(&self.cfg.shared_key()) else {
            return false;
        };
        let Some((fetched, expires, body)) = parse_record(&bytes) else {
            return false;
        };
        if fetched <= self.fetched_at_ms && self.keys.is_some() {
            return false;
        }
        match engine::keys_from_jwks(body, &self.limits) {
            Ok(set) => {
                self.keys = Some(Rc::new(set));
                self.fetched_at_ms = fetched;
                self.expires_at_ms = expires;
                true
            }
            Err(_) => false,
        }
    }

    /// Takes over another VM's recent give-up (the shared fail record), so that while the JWKS
    /// host is down every worker fails fast instead of each retrying on its own.
    fn adopt_failure(&mut self, now: u64) {
        let Ok((Some(b), _)) = hostcalls::get_shared_data(&self.fail_key()) else { return };
        let Some((failed_at, reason)) = parse_fail(&b) else { return };
        let until = failed_at.saturating_add(self.cfg.failed_refetch_s.saturating_mul(1000));
        if until > now && until > self.failed_until_ms && failed_at >= self.fetched_at_ms {
            self.failed_until_ms = until;
            self.last_error = reason;
        }
    }

    /// Whether an unknown `kid` may trigger a refetch now (and, when it may, counts it): at
    /// most one per cooldown since the last fetch by any VM (the shared `fetched_at`) and
    /// since the last refetch this VM asked for, and none while the JWKS host is known to be
    /// failing.
    pub fn may_refetch_for_kid(&mut self, now: u64) -> bool {
        let cooldown = self.cfg.kid_refetch_cooldown_s.saturating_mul(1000);
        self.adopt_shared();
        if self.fetch == Fetch::Idle {
            self.adopt_failure(now);
        }
        if self.failed_until_ms > now {
            return false;
        }
        // A time "in the future" means the clock went backwards: do not wait for it.
        let cooled = |at: u64| now < at || now.saturating_sub(at) >= cooldown;
        if !(cooled(self.fetched_at_ms) && cooled(self.kid_refetch_at_ms)) {
            return false;
        }
        self.kid_refetch_at_ms = now;
        true
    }

    /// Starts a fetch if none is running and none is being waited for. Returns `true` when a
    /// fetch (ours or another VM's) is now pending.
    pub fn ensure_fetch(&mut self, now: u64, owner: &str) -> bool {
        match self.fetch {
            Fetch::InFlight { .. } | Fetch::Backoff { .. } | Fetch::WaitingOther { .. } => true,
            Fetch::Idle => {
                if self.try_lock(now, owner) {
                    self.attempts = 0;
                    self.dispatch(now);
                } else {
                    self.fetch = Fetch::WaitingOther { since_ms: now };
                }
                true
            }
        }
    }

    /// Whether a fetch (ours, a scheduled retry, or another VM's) is pending.
    pub fn is_fetching(&self) -> bool {
        self.fetch != Fetch::Idle
    }

    /// The token of the call in flight, to route `on_http_call_response`.
    pub fn owns_call(&self, token: u32) -> bool {
        matches!(self.fetch, Fetch::InFlight { token: t, .. } if t == token)
    }

    /// Reads the discovery document's `jwks_uri` (checked by the core) and keeps its path. The
    /// URI must be on the configured authority: the call can only go through this cluster.
    fn read_discovery(&mut self, num_headers: usize, body_size: usize) -> Result<(), String> {
        let body = self.read_body(num_headers, body_size)?;
        let issuer = self.cfg.discovery.clone().unwrap_or_default();
        let doc = crate::jose::discovery::parse_discovery(&body, &issuer, &self.limits)
            .map_err(|e| e.to_string())?;
        let rest = doc.jwks_uri.split_once("://").map(|(_, r)| r).unwrap_or_default();
        let (authority, path) = match rest.find('/') {
            Some(i) => (rest.get(..i).unwrap_or_default(), rest.get(i..).unwrap_or("/")),
            None => (rest, "/"),
        };
        if !authority.eq_ignore_ascii_case(&self.cfg.authority) {
            return Err(format!(
                "jwks_uri {:?} is not on {:?}: give it its own cluster and use `path`",
                doc.jwks_uri, self.cfg.authority
            ));
        }
        self.jwks_path = Some(path.to_string());
        Ok(())
    }

    /// How long a lock holder is trusted: one attempt plus the longest backoff, with slack.
    fn lock_deadline(&self, now: u64) -> u64 {
        now.saturating_add(self.cfg.timeout_ms)
            .saturating_add(self.cfg.retry_max_ms)
            .saturating_add(1000)
    }

    fn try_lock(&mut self, now: u64, owner: &str) -> bool {
        let key = self.lock_key();
        let (current, cas) = match hostcalls::get_shared_data(&key) {
            Ok(v) => v,
            Err(_) => return false,
        };
        if let Some(bytes) = &current {
            if let Some((holder, deadline)) = parse_lock(bytes) {
                // A deadline further away than any lock can last comes from a wall-clock jump
                // or a broken writer: ignore it rather than wait for it.
                if holder != owner && deadline > now && deadline <= self.lock_deadline(now) {
                    return false;
                }
            }
        }
        let value = format!("{owner}\n{}", self.lock_deadline(now));
        if hostcalls::set_shared_data(&key, Some(value.as_bytes()), cas).is_err() {
            return false;
        }
        // A brand-new key ignores the CAS value, so two VMs can both "win" the first time:
        // re-read and let the last writer keep it.
        let won = matches!(hostcalls::get_shared_data(&key), Ok((Some(b), _)) if parse_lock(&b).map(|(h, _)| h) == Some(owner));
        if won {
            self.owner = String::from(owner);
        }
        won
    }

    fn unlock(&self) {
        // Only our own lock: if it expired and another VM took over, that one is not ours.
        let key = self.lock_key();
        if let Ok((Some(b), cas)) = hostcalls::get_shared_data(&key) {
            if parse_lock(&b).map(|(h, _)| h) == Some(self.owner.as_str()) {
                let _ = hostcalls::set_shared_data(&key, Some(b""), cas);
            }
        }
    }

    fn dispatch(&mut self, now: u64) {
        // Each attempt (retries too) renews our lock, so waiting VMs do not take over while we
        // are still trying.
        if !self.owner.is_empty() {
            let value = format!("{}\n{}", self.owner, self.lock_deadline(now));
            let _ = hostcalls::set_shared_data(&self.lock_key(), Some(value.as_bytes()), None);
        }
        // With discovery, the discovery document is fetched first (once per cycle).
        let discovery = self.cfg.discovery.is_some() && self.jwks_path.is_none();
        let path = match (&self.jwks_path, discovery) {
            (Some(p), false) => p.clone(),
            _ => self.cfg.path.clone(),
        };
        let headers = alloc::vec![
            (":method", "GET"),
            (":path", path.as_str()),
            (":authority", self.cfg.authority.as_str()),
            ("accept", "application/json, application/jwk-set+json"),
            ("user-agent", "jwtgate-envoy"),
        ];
        let timeout = Duration::from_millis(self.cfg.timeout_ms);
        match hostcalls::dispatch_http_call(
            &self.cfg.cluster,
            headers,
            None,
            alloc::vec![],
            timeout,
        ) {
            Ok(token) => {
                // If the response is lost (the dispatching stream died and the SDK dropped it),
                // the tick notices the deadline and counts the attempt as failed.
                let deadline_ms = now.saturating_add(self.cfg.timeout_ms).saturating_add(1000);
                self.fetch = Fetch::InFlight { token, deadline_ms, discovery };
            }
            Err(status) => {
                let reason = match status {
                    Status::BadArgument => format!(
                        "cluster {:?} refused the call (unknown cluster?)",
                        self.cfg.cluster
                    ),
                    _ => format!("cluster {:?}: call could not be dispatched", self.cfg.cluster),
                };
                self.fetch = Fetch::Idle;
                self.failed_attempt(now, reason);
            }
        }
    }

    /// Handles the response of our call. Header and body reads are only valid inside
    /// `on_http_call_response`.
    pub fn on_response(
        &mut self,
        num_headers: usize,
        body_size: usize,
        now: u64,
    ) -> (Completed, Option<String>) {
        let discovery = matches!(self.fetch, Fetch::InFlight { discovery: true, .. });
        self.fetch = Fetch::Idle;
        if discovery {
            return match self.read_discovery(num_headers, body_size) {
                Ok(()) => {
                    self.dispatch(now);
                    match self.fetch {
                        Fetch::Idle => (Completed::GaveUp, Some(self.last_error.clone())),
                        _ => (Completed::Retrying, None),
                    }
                }
                Err(reason) => (self.failed_attempt(now, reason.clone()), Some(reason)),
            };
        }
        match self.read_response(num_headers, body_size) {
            Ok((set, body)) => {
                let expires = now.saturating_add(self.cfg.cache_duration_s.saturating_mul(1000));
                let mut record = format!("{RECORD_MAGIC}\n{now}\n{expires}\n").into_bytes();
                record.extend_from_slice(&body);
                let _ = hostcalls::set_shared_data(&self.cfg.shared_key(), Some(&record), None);
                self.unlock();
                self.keys = Some(Rc::new(set));
                self.fetched_at_ms = now;
                self.expires_at_ms = expires;
                self.attempts = 0;
                self.failed_until_ms = 0;
                (Completed::Loaded, None)
            }
            Err(reason) => {
                let done = self.failed_attempt(now, reason.clone());
                (done, Some(reason))
            }
        }
    }

    /// The body of a successful (`:status` 200) response, bounded by the document limit.
    fn read_body(&self, num_headers: usize, body_size: usize) -> Result<Vec<u8>, String> {
        if num_headers == 0 {
            return Err("connection to the JWKS host failed (reset)".into());
        }
        let status = hostcalls::get_map_value_bytes(MapType::HttpCallResponseHeaders, ":status")
            .ok()
            .flatten()
            .unwrap_or_default();
        if status != b"200" {
            return Err(format!("JWKS host answered status {}", String::from_utf8_lossy(&status)));
        }
        if body_size > self.limits.max_document_len {
            return Err(format!(
                "document is {body_size} bytes, more than {}",
                self.limits.max_document_len
            ));
        }
        Ok(hostcalls::get_buffer(BufferType::HttpCallResponseBody, 0, body_size)
            .ok()
            .flatten()
            .unwrap_or_default())
    }

    fn read_response(
        &self,
        num_headers: usize,
        body_size: usize,
    ) -> Result<(KeySet, Vec<u8>), String> {
        let body = self.read_body(num_headers, body_size)?;
        let set = engine::keys_from_jwks(&body, &self.limits).map_err(|e| e.to_string())?;
        if set.keys.is_empty() {
            return Err("JWKS has no usable key".into());
        }
        Ok((set, body))
    }

    /// Counts a failed attempt: schedules a retry or gives up.
    fn failed_attempt(&mut self, now: u64, reason: String) -> Completed {
        self.attempts = self.attempts.saturating_add(1);
        // With discovery, the next attempt starts over from the discovery document.
        self.jwks_path = None;
        self.last_error = reason;
        if self.attempts <= self.cfg.num_retries {
            let shift = self.attempts.saturating_sub(1).min(20);
            let delay =
                self.cfg.retry_base_ms.saturating_mul(1u64 << shift).min(self.cfg.retry_max_ms);
            self.fetch = Fetch::Backoff { retry_at_ms: now.saturating_add(delay) };
            return Completed::Retrying;
        }
        self.give_up(now);
        Completed::GaveUp
    }

    fn give_up(&mut self, now: u64) {
        let record = format!("{now}\n{}", self.last_error);
        let _ = hostcalls::set_shared_data(&self.fail_key(), Some(record.as_bytes()), None);
        self.unlock();
        self.fetch = Fetch::Idle;
        self.attempts = 0;
        self.failed_until_ms = now.saturating_add(self.cfg.failed_refetch_s.saturating_mul(1000));
    }

    /// Timer work: retries, lost calls, waiting on another VM, refresh before expiry and the
    /// first (warm-up) fetch. Returns a completion when waiting requests should be re-examined.
    pub fn on_tick(&mut self, now: u64, owner: &str) -> Option<Completed> {
        match self.fetch.clone() {
            Fetch::InFlight { deadline_ms, .. } if now > deadline_ms => {
                self.fetch = Fetch::Idle;
                Some(self.failed_attempt(now, "JWKS response never arrived".into()))
            }
            Fetch::InFlight { .. } => None,
            Fetch::Backoff { retry_at_ms } if now >= retry_at_ms => {
                self.dispatch(now);
                match self.fetch {
                    Fetch::InFlight { .. } | Fetch::Backoff { .. } => None,
                    _ => Some(Completed::GaveUp),
                }
            }
            Fetch::Backoff { .. } => None,
            Fetch::WaitingOther { since_ms } => {
                if self.adopt_shared() && now < self.expires_at_ms {
                    self.fetch = Fetch::Idle;
                    return Some(Completed::Loaded);
                }
                if let Ok((Some(b), _)) = hostcalls::get_shared_data(&self.fail_key()) {
                    if let Some((failed_at, reason)) = parse_fail(&b) {
                        if failed_at >= since_ms {
                            self.fetch = Fetch::Idle;
                            self.last_error = reason;
                            self.failed_until_ms = failed_at
                                .saturating_add(self.cfg.failed_refetch_s.saturating_mul(1000));
                            return Some(Completed::GaveUp);
                        }
                    }
                }
                // The other VM may have died holding the lock: take over once it expires.
                if self.try_lock(now, owner) {
                    self.attempts = 0;
                    self.dispatch(now);
                }
                None
            }
            Fetch::Idle => {
                self.adopt_shared();
                self.adopt_failure(now);
                let refresh_at = self
                    .expires_at_ms
                    .saturating_sub(self.cfg.refresh_before_s.saturating_mul(1000));
                let due = self.keys.is_none() || now >= refresh_at;
                if due && now >= self.failed_until_ms && self.try_lock(now, owner) {
                    self.attempts = 0;
                    self.dispatch(now);
                }
                None
            }
        }
    }
}

fn parse_record(bytes: &[u8]) -> Option<(u64, u64, &[u8])> {
    let mut parts = bytes.splitn(4, |&b| b == b'\n');
    if parts.next()? != RECORD_MAGIC.as_bytes() {
        return None;
    }
    let fetched = parse_u64(parts.next()?)?;
    let expires = parse_u64(parts.next()?)?;
    Some((fetched, expires, parts.next()?))
}

fn parse_lock(bytes: &[u8]) -> Option<(&str, u64)> {
    let mut parts = bytes.splitn(2, |&b| b == b'\n');
    let owner = core::str::from_utf8(parts.next()?).ok()?;
    let deadline = parse_u64(parts.next()?)?;
    Some((owner, deadline))
}

fn parse_fail(bytes: &[u8]) -> Option<(u64, String)> {
    let mut parts = bytes.splitn(2, |&b| b == b'\n');
    let at = parse_u64(parts.next()?)?;
    let reason = String::from_utf8_lossy(parts.next()?).into_owned();
    Some((at, reason))
}

fn parse_u64(b: &[u8]) -> Option<u64> {
    core::str::from_utf8(b).ok()?.parse().ok()
}

/// A unique owner name for this VM's locks, from a CAS-incremented shared counter.
pub fn allocate_owner() -> String {
    const KEY: &str = "jwtgate.vm-seq";
    for _ in 0..16 {
        let (current, cas) = match hostcalls::get_shared_data(KEY) {
            Ok(v) => v,
            Err(_) => break,
        };
        let n = current.as_deref().and_then(parse_u64).unwrap_or(0).saturating_add(1);
        let value = n.to_string();
        if hostcalls::set_shared_data(KEY, Some(value.as_bytes()), cas).is_ok() {
            return format!("vm{n}");
        }
    }
    format!("vm-t{}", now_ms())
}
