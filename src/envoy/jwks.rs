//! Remote JWKS for the Envoy filter: a driver over the core's key-set lifecycle
//! ([`RemoteKeySet`]). Every timing decision — when to fetch, the refresh before expiry, the
//! unknown-`kid` cooldown, retries and backoff, giving up for `failed_refetch_seconds`, serving
//! stale keys, how long another VM's fetch is waited for — is the core's. This file only makes
//! the calls (`proxy_http_call` through the cluster), reads and writes Envoy's shared data, and
//! feeds what it finds into the core.
//!
//! Protocol over Envoy's shared data (process-wide, keyed by `vm_id`, survives VM reloads):
//!
//! | key | value |
//! |---|---|
//! | `<id>` | `jwtgate1\n<fetched_at_ms>\n<expires_at_ms>\n<JWKS bytes>` — the last good document |
//! | `<id>|lock` | `<owner>\n<deadline_ms>` — who is fetching; free when empty or past its deadline |
//! | `<id>|fail` | `<failed_at_ms>\n<reason>` — the last fetch cycle that gave up |
//!
//! where `<id>` is [`RemoteJwks::shared_key`]. Before each attempt a VM claims the lock with
//! compare-and-swap (renewing it for [`RemoteKeySet::lease_until`]); when another VM holds it
//! the core waits for that peer ([`RemoteKeySet::handle_peer_fetching`]), and the document or
//! the give-up the peer publishes is fed in on the tick ([`RemoteKeySet::handle_peer_document`],
//! [`RemoteKeySet::handle_peer_failure`]). A peer that dies holding the lock is waited for at
//! most until its deadline; a deadline further away than any lease lasts is not believed.
//!
//! Requests wait for keys only when no key set was ever loaded: keys past
//! `cache_duration_seconds` are still served at once while a refresh is in flight, backing off
//! or failing (the request that finds them stale starts the refresh). The one request whose
//! `kid` is unknown may wait for the refetch it triggered.

use alloc::format;
use alloc::rc::Rc;
use alloc::string::{String, ToString};
use alloc::vec::Vec;

use super::host::{Host, Status};
use crate::gate::config::RemoteJwks;
use crate::gate::keyset::KidMiss;
use crate::gate::{FetchProblem, FetchRequest, Handled, KeySetConfig, RemoteKeySet};
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

/// The outcome of a completed fetch cycle, for waking requests.
pub enum Completed {
    /// New keys are loaded.
    Loaded,
    /// The cycle gave up.
    GaveUp,
    /// A retry is scheduled; requests keep waiting.
    Retrying,
}

/// One remote JWKS as seen by this VM: the core's lifecycle and the call it asked for.
pub struct Remote {
    cfg: RemoteJwks,
    ks: RemoteKeySet,
    /// The call in flight: Envoy's token and the core's request id.
    call: Option<(u32, u64)>,
    /// Our lock owner name while this VM holds the fetch lock.
    owner: Option<String>,
    /// The `fetched_at` of the shared document last fed in (each is parsed once).
    seen_record: Option<u64>,
}

/// The core's configuration for `cfg`: Envoy's names mapped onto the lifecycle's durations.
pub fn lifecycle_config(cfg: &RemoteJwks, limits: Limits) -> KeySetConfig {
    let mut c = cfg.key_set_config("http", limits);
    // Envoy answers 504 itself after `timeout_ms`; the core's timeout only catches a response
    // the SDK dropped (the dispatching stream died), a second later.
    c.timeout_ms = cfg.timeout_ms.saturating_add(1000);
    c.refresh_before_ms = cfg.refresh_before_s.saturating_mul(1000);
    // Keys once loaded keep deciding requests, however long the JWKS host is down.
    c.max_stale_ms = u64::MAX;
    // One attempt (with the lost-response slack) plus the longest backoff.
    c.peer_lease_ms = c.timeout_ms.saturating_add(cfg.retry_max_ms);
    c.require_usable_key = true;
    c
}

/// How a fetch problem reads in logs and in the `ERR_JWKS_UNAVAILABLE` reply.
fn reason(problem: Option<&FetchProblem>) -> String {
    problem.map_or_else(|| "JWKS not loaded".into(), FetchProblem::reason)
}

impl Remote {
    /// State for one configured remote JWKS.
    pub fn new(cfg: RemoteJwks, limits: Limits) -> Remote {
        let ks = RemoteKeySet::new(lifecycle_config(&cfg, limits));
        Remote { cfg, ks, call: None, owner: None, seen_record: None }
    }

    fn lock_key(&self) -> String {
        format!("{}|lock", self.cfg.shared_key())
    }

    fn fail_key(&self) -> String {
        format!("{}|fail", self.cfg.shared_key())
    }

    /// The keys a request may use at `now`.
    pub fn keys(&mut self, host: &impl Host, now: u64) -> Keys {
        use crate::gate::Keys as Core;
        if let Core::Fresh(d) = self.ks.keys(now) {
            return Keys::Ready(Rc::clone(d.keys()), d.generation());
        }
        self.adopt_shared(host, now);
        self.adopt_failure(host, now);
        let gave_up = self.ks.gave_up(now);
        let idle = !self.ks.in_cycle() && !gave_up;
        match self.ks.keys(now) {
            Core::Fresh(d) => Keys::Ready(Rc::clone(d.keys()), d.generation()),
            // Stale keys decide the request now, whatever the refresh is doing; the request
            // starts the refresh when nothing is fetching and the host did not just fail.
            Core::Stale(d) if idle => Keys::Stale(Rc::clone(d.keys()), d.generation()),
            Core::Stale(d) => Keys::Ready(Rc::clone(d.keys()), d.generation()),
            Core::None if gave_up => Keys::Failed(reason(self.ks.last_error())),
            Core::None => Keys::NotReady,
        }
    }

    /// Feeds the shared document in when it is one not seen yet. Returns whether it became
    /// the keys.
    fn adopt_shared(&mut self, host: &impl Host, now: u64) -> bool {
        let Ok((Some(bytes), _)) = host.shared_get(&self.cfg.shared_key()) else {
            return false;
        };
        let Some((fetched, _expires, body)) = parse_record(&bytes) else {
            return false;
        };
        if self.seen_record == Some(fetched) {
            return false;
        }
        self.seen_record = Some(fetched);
        let adopted = matches!(self.ks.handle_peer_document(body, fetched, now), Handled::Keys(_));
        if adopted && !self.ks.in_cycle() {
            // Our own retries (if any) ended with the peer's keys.
            self.unlock(host);
        }
        adopted
    }

    /// Feeds another VM's give-up (the shared fail record) in, so that while the JWKS host is
    /// down every worker fails fast instead of each retrying on its own.
    fn adopt_failure(&mut self, host: &impl Host, now: u64) -> bool {
        if self.ks.is_fetching() {
            return false;
        }
        let Ok((Some(b), _)) = host.shared_get(&self.fail_key()) else { return false };
        let Some((failed_at, reason)) = parse_fail(&b) else { return false };
        self.ks.handle_peer_failure(failed_at, &reason, now)
    }

    /// Whether an unknown `kid` may trigger a refetch now (and, when it may, asks for it): the
    /// core's cooldown, shared through the document's fetch time, and none while the JWKS host
    /// is known to be failing. Only the request that asked waits for it.
    pub fn may_refetch_for_kid(&mut self, host: &impl Host, now: u64) -> bool {
        self.adopt_shared(host, now);
        self.adopt_failure(host, now);
        self.ks.handle_unknown_kid(now) == KidMiss::Refetch
    }

    /// Starts a fetch if the core asks for one. Returns `true` when a fetch (ours, a scheduled
    /// retry, or another VM's) is pending.
    pub fn ensure_fetch(&mut self, host: &impl Host, now: u64, owner: &str) -> bool {
        let _ = self.drive(host, now, owner);
        self.ks.in_cycle()
    }

    /// Whether a fetch (ours, a scheduled retry, or another VM's) is pending.
    pub fn is_fetching(&self) -> bool {
        self.ks.in_cycle()
    }

    /// The token of the call in flight, to route `on_http_call_response`.
    pub fn owns_call(&self, token: u32) -> bool {
        self.call.is_some_and(|(t, _)| t == token)
    }

    /// Sends what the core asks for, claiming the shared lock first. Returns a completion when
    /// a call could not be dispatched.
    fn drive(&mut self, host: &impl Host, now: u64, owner: &str) -> Option<Completed> {
        let mut out = None;
        // At most: a dispatch failure, then what the core asks after it.
        for _ in 0..2 {
            let Some(req) = self.ks.poll_fetch(now) else { break };
            if !self.claim(host, &req, now, owner) {
                break;
            }
            match self.dispatch(host, &req) {
                Ok(token) => {
                    self.call = Some((token, req.id));
                    break;
                }
                Err(detail) => {
                    let handled = self.ks.handle_error(req.id, &detail, now);
                    out = self.after(host, handled, now).or(out);
                }
            }
        }
        out
    }

    /// Claims the shared fetch lock for request `req`. `false`: another VM holds it, and the
    /// core now waits for that peer.
    fn claim(&mut self, host: &impl Host, req: &FetchRequest, now: u64, owner: &str) -> bool {
        let key = self.lock_key();
        let Ok((current, cas)) = host.shared_get(&key) else {
            self.wait_for_peer(req.id, now, now);
            return false;
        };
        if let Some((holder, deadline)) = current.as_deref().and_then(parse_lock) {
            // The core says whether the claim is plausible; if not, it is taken over.
            if holder != owner && self.ks.handle_peer_fetching(req.id, deadline, now) {
                return false;
            }
        }
        let value = format!("{owner}\n{}", self.ks.lease_until(now));
        let written = host.shared_set(&key, value.as_bytes(), cas).is_ok();
        // A brand-new key ignores the CAS value, so two VMs can both "win" the first time:
        // re-read and let the last writer keep it.
        let holder = match host.shared_get(&key) {
            Ok((Some(b), _)) => parse_lock(&b).map(|(h, d)| (h == owner, d)),
            _ => None,
        };
        match holder {
            Some((true, _)) if written => {
                self.owner = Some(String::from(owner));
                true
            }
            Some((false, deadline)) => {
                self.wait_for_peer(req.id, deadline, now);
                false
            }
            _ => {
                self.wait_for_peer(req.id, now, now);
                false
            }
        }
    }

    /// The core waits for a peer until `until`, or (a claim it does not believe) just now.
    fn wait_for_peer(&mut self, id: u64, until: u64, now: u64) {
        if !self.ks.handle_peer_fetching(id, until, now) {
            let _ = self.ks.handle_peer_fetching(id, now, now);
        }
    }

    fn unlock(&mut self, host: &impl Host) {
        // Only our own lock: if it expired and another VM took over, that one is not ours.
        let Some(owner) = self.owner.take() else { return };
        let key = self.lock_key();
        if let Ok((Some(b), cas)) = host.shared_get(&key) {
            if parse_lock(&b).map(|(h, _)| h) == Some(owner.as_str()) {
                let _ = host.shared_set(&key, b"", cas);
            }
        }
    }

    /// The `:path` for `req`: the configured one, or the discovered `jwks_uri`'s, which must be
    /// on the configured authority (the call can only go through this cluster).
    fn path_for(&self, req: &FetchRequest) -> Result<String, String> {
        if req.discovery || self.cfg.discovery.is_none() {
            return Ok(self.cfg.path.clone());
        }
        let rest = req.url.split_once("://").map(|(_, r)| r).unwrap_or_default();
        let (authority, path) = match rest.find('/') {
            Some(i) => (rest.get(..i).unwrap_or_default(), rest.get(i..).unwrap_or("/")),
            None => (rest, "/"),
        };
        if !authority.eq_ignore_ascii_case(&self.cfg.authority) {
            return Err(format!(
                "jwks_uri {:?} is not on {:?}: give it its own cluster and use `path`",
                req.url, self.cfg.authority
            ));
        }
        Ok(path.to_string())
    }

    fn dispatch(&self, host: &impl Host, req: &FetchRequest) -> Result<u32, String> {
        let path = self.path_for(req)?;
        let headers = [
            (":method", "GET"),
            (":path", path.as_str()),
            (":authority", self.cfg.authority.as_str()),
            ("accept", "application/json, application/jwk-set+json"),
            ("user-agent", "jwtgate-envoy"),
        ];
        host.dispatch_call(&self.cfg.cluster, &headers, self.cfg.timeout_ms).map_err(|status| {
            match status {
                Status::BadArgument => {
                    format!("cluster {:?} refused the call (unknown cluster?)", self.cfg.cluster)
                }
                _ => format!("cluster {:?}: call could not be dispatched", self.cfg.cluster),
            }
        })
    }

    /// Publishes what an input did for the other VMs and says whom to wake.
    fn after(&mut self, host: &impl Host, handled: Handled, now: u64) -> Option<Completed> {
        match handled {
            Handled::Keys(_) => {
                if let Some(doc) = self.ks.document() {
                    let fetched = doc.fetched_at_ms();
                    let expires =
                        fetched.saturating_add(self.cfg.cache_duration_s.saturating_mul(1000));
                    let mut record = format!("{RECORD_MAGIC}\n{fetched}\n{expires}\n").into_bytes();
                    record.extend_from_slice(doc.text().as_bytes());
                    let key = self.cfg.shared_key();
                    let _ = host.shared_set(&key, &record, None);
                    self.seen_record = Some(fetched);
                }
                self.unlock(host);
                Some(Completed::Loaded)
            }
            Handled::Discovered => {
                let owner = self.owner.clone().unwrap_or_default();
                self.drive(host, now, &owner)
            }
            Handled::Failed if self.ks.in_cycle() => Some(Completed::Retrying),
            Handled::Failed => {
                // Nothing left to retry for (an unknown-kid refetch is tried once).
                self.unlock(host);
                Some(Completed::GaveUp)
            }
            Handled::GaveUp => {
                let record = format!("{now}\n{}", reason(self.ks.last_error()));
                let _ = host.shared_set(&self.fail_key(), record.as_bytes(), None);
                self.unlock(host);
                Some(Completed::GaveUp)
            }
            Handled::Ignored => None,
        }
    }

    /// Handles the response of our call. Header and body reads are only valid inside
    /// `on_http_call_response`.
    pub fn on_response(
        &mut self,
        host: &impl Host,
        num_headers: usize,
        body_size: usize,
        now: u64,
    ) -> (Completed, Option<String>) {
        let Some((_, id)) = self.call.take() else { return (Completed::Retrying, None) };
        let handled = match self.read_response(host, num_headers, body_size) {
            Ok((status, body)) => self.ks.handle_response(id, status, &body, now),
            Err(detail) => self.ks.handle_error(id, &detail, now),
        };
        let completed = self.after(host, handled.clone(), now);
        let failed = match handled {
            Handled::Failed | Handled::GaveUp => true,
            // The JWKS request after discovery: only a failure to send it completes something.
            Handled::Discovered => completed.is_some(),
            Handled::Keys(_) | Handled::Ignored => false,
        };
        let error = failed.then(|| reason(self.ks.last_error()));
        (completed.unwrap_or(Completed::Retrying), error)
    }

    /// The status and (for a 200) the body of our call's response, bounded by the document
    /// limit; `Err` when there is no usable answer (reset, no status, too large).
    fn read_response(
        &self,
        host: &impl Host,
        num_headers: usize,
        body_size: usize,
    ) -> Result<(u16, Vec<u8>), String> {
        if num_headers == 0 {
            return Err("connection to the JWKS host failed (reset)".into());
        }
        let status = host.call_response_status();
        let Some(code) = core::str::from_utf8(&status).ok().and_then(|s| s.parse::<u16>().ok())
        else {
            return Err(format!("JWKS host answered status {}", String::from_utf8_lossy(&status)));
        };
        if code != 200 {
            return Ok((code, Vec::new()));
        }
        let max = self.ks.config().limits.max_document_len;
        if body_size > max {
            return Err(format!("document is {body_size} bytes, more than {max}"));
        }
        let body = host.call_response_body(body_size);
        Ok((code, body))
    }

    /// Timer work: a lost call's timeout, what other VMs published, a released or dead peer's
    /// lock, and whatever the core asks to fetch (refresh before expiry, retries, the first
    /// fetch). Returns a completion when waiting requests should be re-examined.
    pub fn on_tick(&mut self, host: &impl Host, now: u64, owner: &str) -> Option<Completed> {
        let mut out = None;
        let timed_out = self.ks.handle_timeout(now);
        if timed_out != Handled::Ignored {
            self.call = None;
            out = self.after(host, timed_out, now);
        }
        let waiting = self.ks.waiting_for_peer();
        let had_keys = self.ks.document().is_some();
        if self.adopt_shared(host, now) && (waiting || !had_keys) {
            out = Some(Completed::Loaded);
        }
        if self.adopt_failure(host, now) && waiting {
            out = Some(Completed::GaveUp);
        }
        if self.ks.waiting_for_peer() {
            let lease = match host.shared_get(&self.lock_key()) {
                Ok((Some(b), _)) => parse_lock(&b).filter(|(h, _)| *h != owner).map(|(_, d)| d),
                _ => None,
            };
            self.ks.handle_peer_lock(lease, now);
        }
        if let Some(c) = self.drive(host, now, owner) {
            out = Some(c);
        }
        match out {
            Some(Completed::Retrying) => None,
            other => other,
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
pub fn allocate_owner(host: &impl Host) -> String {
    const KEY: &str = "jwtgate.vm-seq";
    for _ in 0..16 {
        let (current, cas) = match host.shared_get(KEY) {
            Ok(v) => v,
            Err(_) => break,
        };
        let n = current.as_deref().and_then(parse_u64).unwrap_or(0).saturating_add(1);
        let value = n.to_string();
        if host.shared_set(KEY, value.as_bytes(), cas).is_ok() {
            return format!("vm{n}");
        }
    }
    format!("vm-t{}", host.now_ms())
}
