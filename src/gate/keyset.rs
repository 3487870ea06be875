//! A remote key set's lifecycle as a state machine that does no I/O (the quinn-proto/rustls
//! shape): the caller feeds in time and responses, and polls for what to fetch and when to wake.
//!
//! ```text
//! loop {
//!     ks.handle_timeout(now);                      // a request past its timeout has failed
//!     if let Some(req) = ks.poll_fetch(now) {      // GET req.url, at most req.timeout_ms
//!         match http_get(&req.url) {
//!             Ok((status, body)) => ks.handle_response(req.id, status, &body, now),
//!             Err(_) => ks.handle_failure(req.id, now),
//!         };
//!     }
//!     match ks.keys(now) { Keys::Fresh(d) | Keys::Stale(d) => verify with d.keys(), Keys::None => … }
//!     // token's kid not in the set: ks.handle_kid_miss(now), then poll_fetch again
//!     sleep_until(ks.poll_timeout());
//! }
//! ```
//!
//! Behaviour, with jose's `createRemoteJWKSet` and Envoy's `jwt_authn` defaults:
//! - keys are **fresh** for `cache_max_age_ms` (10 min) after they were fetched; then they are
//!   **stale**: still served, for at most `max_stale_ms` more (1 h), while a refetch is asked
//!   for (stale-while-revalidate, and stale-if-error while the issuer is down); after that they
//!   are not served at all;
//! - an unknown `kid` ([`RemoteKeySet::handle_kid_miss`]) asks for a refetch unless the keys
//!   were fetched, or a refetch was asked for, less than `cooldown_ms` (30 s) ago;
//! - one request at a time (single flight). Every request has an id; an answer with an id that
//!   is not the one in flight (it timed out, or was superseded) is ignored, so a late reply
//!   never overwrites newer keys;
//! - a failed request (transport error, timeout after `timeout_ms` = 5 s, a status other than
//!   200, a document the core refuses) keeps the keys at hand and retries after a truncated
//!   exponential backoff: `backoff_base_ms` (1 s) doubled per consecutive failure, at most
//!   `backoff_max_ms` (5 min); no jitter, since the core has no randomness (a front end with
//!   many instances can add its own). A cycle is one attempt plus at most `retries` retries
//!   (unlimited by default; Envoy's `retry_policy.num_retries`): when they are used up it
//!   **gives up** ([`Handled::GaveUp`]) and nothing is fetched, nor refetched for an unknown
//!   `kid`, for `failed_refetch_ms` (Envoy's `failed_refetch_duration`);
//! - keys are refreshed `refresh_before_ms` before they go stale (0 by default; Envoy's filter
//!   refreshes from its tick so that requests never find them stale);
//! - instances that share one key set (Envoy's worker VMs, over shared data) fetch once for all:
//!   before sending a request the caller claims the fetch; when another instance holds it the
//!   caller says so ([`RemoteKeySet::handle_peer_fetching`]) and this key set **waits for the
//!   peer** until the peer's lease ends (a lease ending later than `peer_lease_ms` from now is
//!   implausible and not waited for). What the peer publishes comes in as inputs:
//!   [`RemoteKeySet::handle_peer_document`] (its keys, with their fetch time) and
//!   [`RemoteKeySet::handle_peer_failure`] (it gave up: the failed window is shared);
//! - with [`Source::Discovery`], a cycle first fetches `<issuer>/.well-known/openid-configuration`
//!   (checked by [`crate::jose::parse_discovery`]: issuer equal to the configured one), then its
//!   `jwks_uri`. The discovered URI is reused for `cache_max_age_ms`, and forgotten when the
//!   JWKS fetch fails (it may have moved);
//! - time is milliseconds on any clock, not necessarily monotonic: a time earlier than one
//!   already seen moves the remembered instants back to it, so a clock stepping back does not
//!   freeze the cooldown; keys fetched "in the future" are still served but refetched at once,
//!   since their age is unknown.

use alloc::format;
use alloc::rc::Rc;
use alloc::string::{String, ToString};
use core::fmt;

use crate::code::Code;
use crate::error::Error;
use crate::jose::{parse_discovery, KeyError, KeySet};
use crate::limits::Limits;

/// Where the keys come from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Source {
    /// A JWKS URL.
    Jwks(String),
    /// An OIDC issuer: its discovery document names the JWKS URL.
    Discovery(String),
}

/// Durations (milliseconds) and limits for one remote key set.
#[derive(Clone, Debug)]
pub struct KeySetConfig {
    /// Where the keys come from.
    pub source: Source,
    /// How long a request may take before it counts as failed (jose: 5 s).
    pub timeout_ms: u64,
    /// Minimum time between an unknown-`kid` refetch and the previous fetch or refetch (30 s).
    pub cooldown_ms: u64,
    /// How long fetched keys are fresh (jose: 10 min).
    pub cache_max_age_ms: u64,
    /// How long stale keys are still served after `cache_max_age_ms` (1 h).
    pub max_stale_ms: u64,
    /// The first retry delay after a failure (1 s), doubled per consecutive failure.
    pub backoff_base_ms: u64,
    /// The longest retry delay (5 min).
    pub backoff_max_ms: u64,
    /// Retries after a cycle's first failed attempt before it gives up (unlimited).
    pub retries: u32,
    /// After a cycle gives up, nothing is fetched for this long (0).
    pub failed_refetch_ms: u64,
    /// Keys are refetched this long before they go stale (0).
    pub refresh_before_ms: u64,
    /// The longest a peer's claim on the fetch is believed (a claim ending later comes from a
    /// clock jump or a broken writer): one attempt plus the longest backoff, with slack.
    pub peer_lease_ms: u64,
    /// Refuse a JWKS without a usable key (its keys would replace usable ones with none).
    pub require_usable_key: bool,
    /// Size limits for the documents.
    pub limits: Limits,
}

impl KeySetConfig {
    /// Default request timeout.
    pub const DEFAULT_TIMEOUT_MS: u64 = 5_000;
    /// Default unknown-`kid` cooldown.
    pub const DEFAULT_COOLDOWN_MS: u64 = 30_000;
    /// Default freshness.
    pub const DEFAULT_CACHE_MAX_AGE_MS: u64 = 600_000;
    /// Default time stale keys are still served.
    pub const DEFAULT_MAX_STALE_MS: u64 = 3_600_000;
    /// Default first retry delay.
    pub const DEFAULT_BACKOFF_BASE_MS: u64 = 1_000;
    /// Default longest retry delay.
    pub const DEFAULT_BACKOFF_MAX_MS: u64 = 300_000;

    /// The defaults for `source`.
    pub fn new(source: Source) -> KeySetConfig {
        KeySetConfig {
            source,
            timeout_ms: Self::DEFAULT_TIMEOUT_MS,
            cooldown_ms: Self::DEFAULT_COOLDOWN_MS,
            cache_max_age_ms: Self::DEFAULT_CACHE_MAX_AGE_MS,
            max_stale_ms: Self::DEFAULT_MAX_STALE_MS,
            backoff_base_ms: Self::DEFAULT_BACKOFF_BASE_MS,
            backoff_max_ms: Self::DEFAULT_BACKOFF_MAX_MS,
            retries: u32::MAX,
            failed_refetch_ms: 0,
            refresh_before_ms: 0,
            peer_lease_ms: Self::DEFAULT_TIMEOUT_MS + Self::DEFAULT_BACKOFF_MAX_MS + 1_000,
            require_usable_key: false,
            limits: Limits::default(),
        }
    }
}

/// A request the caller should make: `GET url`, given up after `timeout_ms`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FetchRequest {
    /// Pass it back with the answer.
    pub id: u64,
    /// What to fetch.
    pub url: String,
    /// Whether this is the OIDC discovery document (else the JWKS).
    pub discovery: bool,
    /// How long the request may take.
    pub timeout_ms: u64,
}

/// A JWKS document that was fetched and accepted.
#[derive(Debug)]
pub struct Document {
    keys: Rc<KeySet>,
    text: String,
    generation: u64,
    fetched_at_ms: u64,
}

impl Document {
    /// The parsed keys (shared: a front end may keep them across requests).
    pub fn keys(&self) -> &Rc<KeySet> {
        &self.keys
    }

    /// The document as fetched (front ends that configure a verifier from JWKS text use it).
    pub fn text(&self) -> &str {
        &self.text
    }

    /// Counts accepted documents from 1; a new value means new keys (cache keys include it).
    pub fn generation(&self) -> u64 {
        self.generation
    }

    /// When it was fetched.
    pub fn fetched_at_ms(&self) -> u64 {
        self.fetched_at_ms
    }
}

/// The keys to verify with at a given time.
#[derive(Debug)]
pub enum Keys<'a> {
    /// Younger than `cache_max_age_ms`.
    Fresh(&'a Document),
    /// Older, but within `max_stale_ms` of going stale (or fetched "after" `now`: the clock
    /// stepped back): usable while a refetch is due.
    Stale(&'a Document),
    /// Never fetched, or too old to serve; [`RemoteKeySet::last_error`] says why if a fetch
    /// failed.
    None,
}

/// Why the last request failed. No header values or bodies: only the URL and what went wrong.
#[derive(Clone, Debug, PartialEq)]
pub enum FetchProblem {
    /// The caller reported a transport failure (connection refused, DNS, TLS, ...).
    Transport {
        /// What was fetched.
        url: String,
        /// What the caller said went wrong (empty when it said nothing).
        detail: String,
    },
    /// No answer within the timeout.
    TimedOut {
        /// What was fetched.
        url: String,
        /// The timeout.
        timeout_ms: u64,
    },
    /// An answer other than 200.
    Status {
        /// What was fetched.
        url: String,
        /// The HTTP status.
        status: u16,
    },
    /// A 200 answer the core refused (not JSON, not a JWKS, an issuer mismatch, ...).
    Document {
        /// What was fetched.
        url: String,
        /// Why it was refused.
        error: Error,
    },
    /// Another instance sharing this key set gave up (its own words).
    Peer {
        /// Why it gave up.
        reason: String,
    },
}

impl FetchProblem {
    /// How a failed fetch reads in an `ERR_JWKS_UNAVAILABLE` reply and in logs: the same words
    /// from every front end (the Envoy filter and the core's `Keyring`), so their replies match
    /// byte for byte. No URL: a reply must not tell a client where the keys live.
    pub fn reason(&self) -> String {
        match self {
            FetchProblem::Transport { detail, .. } if detail.is_empty() => {
                String::from("connection to the JWKS host failed (reset)")
            }
            FetchProblem::Transport { detail, .. } => detail.clone(),
            FetchProblem::TimedOut { .. } => String::from("JWKS response never arrived"),
            FetchProblem::Status { status, .. } => format!("JWKS host answered status {status}"),
            FetchProblem::Document { error, .. } => error.to_string(),
            FetchProblem::Peer { reason } => reason.clone(),
        }
    }

    /// The stable code: `ERR_FETCH_FAILED`, `ERR_FETCH_TIMEOUT`, or the document's own.
    pub fn code(&self) -> Code {
        match self {
            FetchProblem::Transport { .. }
            | FetchProblem::Status { .. }
            | FetchProblem::Peer { .. } => Code::FetchFailed,
            FetchProblem::TimedOut { .. } => Code::FetchTimeout,
            FetchProblem::Document { error, .. } => error.code(),
        }
    }
}

impl fmt::Display for FetchProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FetchProblem::Transport { url, detail } if detail.is_empty() => {
                write!(f, "GET {url} failed")
            }
            FetchProblem::Transport { url, detail } => write!(f, "GET {url} failed: {detail}"),
            FetchProblem::Peer { reason } => f.write_str(reason),
            FetchProblem::TimedOut { url, timeout_ms } => {
                write!(f, "GET {url} timed out after {timeout_ms} ms")
            }
            FetchProblem::Status { url, status } => write!(f, "GET {url} answered HTTP {status}"),
            FetchProblem::Document { url, error } => write!(f, "GET {url}: {error}"),
        }
    }
}

/// What an answer did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Handled {
    /// A JWKS was accepted: these are the keys now (its generation).
    Keys(u64),
    /// The discovery document was accepted; the JWKS request is next ([`RemoteKeySet::poll_fetch`]).
    Discovered,
    /// The request failed; [`RemoteKeySet::last_error`] says why. A retry is scheduled while
    /// [`RemoteKeySet::in_cycle`] says so (else nothing was left to retry for: an unknown-`kid`
    /// refetch is tried once).
    Failed,
    /// The request failed and the cycle used up its retries: nothing is fetched for
    /// `failed_refetch_ms`.
    GaveUp,
    /// Not the request in flight (late, or already given up): nothing changed.
    Ignored,
}

/// What an unknown `kid` did ([`RemoteKeySet::handle_unknown_kid`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KidMiss {
    /// This miss asked for a refetch: the caller may wait for it.
    Refetch,
    /// A refetch asked for by an earlier miss, inside the cooldown, is in flight.
    Pending,
    /// No refetch: inside the cooldown, or the issuer is known to be failing.
    Cooling,
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum Fetch {
    Idle,
    InFlight {
        id: u64,
        url: String,
        started_ms: u64,
        discovery: bool,
    },
    Backoff {
        failed_ms: u64,
        delay_ms: u64,
    },
    /// The cycle gave up at `at_ms`: nothing is fetched before `until_ms`.
    GaveUp {
        at_ms: u64,
        until_ms: u64,
    },
    /// Another instance holds the fetch (since `since_ms`) until `until_ms`.
    Peer {
        since_ms: u64,
        until_ms: u64,
    },
}

/// One remote key set. See the module documentation for the behaviour.
#[derive(Debug)]
pub struct RemoteKeySet {
    config: KeySetConfig,
    fetch: Fetch,
    next_id: u64,
    document: Option<Document>,
    generations: u64,
    /// An unknown `kid` asked for a refetch of keys that are otherwise fresh.
    refetch: bool,
    kid_miss_ms: Option<u64>,
    /// Consecutive failed requests (the backoff exponent).
    failures: u32,
    last_error: Option<FetchProblem>,
    /// The discovered `jwks_uri` and when it was discovered.
    jwks_uri: Option<(String, u64)>,
}

impl RemoteKeySet {
    /// A key set with nothing fetched yet: the first [`poll_fetch`](Self::poll_fetch) asks.
    pub fn new(config: KeySetConfig) -> RemoteKeySet {
        RemoteKeySet {
            config,
            fetch: Fetch::Idle,
            next_id: 1,
            document: None,
            generations: 0,
            refetch: false,
            kid_miss_ms: None,
            failures: 0,
            last_error: None,
            jwks_uri: None,
        }
    }

    /// The configuration.
    pub fn config(&self) -> &KeySetConfig {
        &self.config
    }

    /// The keys usable at `now`.
    pub fn keys(&self, now: u64) -> Keys<'_> {
        let Some(doc) = &self.document else { return Keys::None };
        if doc.fetched_at_ms > now {
            // The clock stepped back: the keys' age is unknown, so they are due for a refetch.
            return Keys::Stale(doc);
        }
        let age = now - doc.fetched_at_ms;
        if age < self.config.cache_max_age_ms {
            Keys::Fresh(doc)
        } else if age - self.config.cache_max_age_ms < self.config.max_stale_ms {
            Keys::Stale(doc)
        } else {
            Keys::None
        }
    }

    /// The last accepted JWKS, whatever its age ([`keys`](Self::keys) says whether to use it).
    pub fn document(&self) -> Option<&Document> {
        self.document.as_ref()
    }

    /// Why the last request failed, until a JWKS is accepted.
    pub fn last_error(&self) -> Option<&FetchProblem> {
        self.last_error.as_ref()
    }

    /// Whether a request is in flight (a caller may wait for its answer).
    pub fn is_fetching(&self) -> bool {
        matches!(self.fetch, Fetch::InFlight { .. })
    }

    /// Whether a fetch cycle is under way: a request in flight, a retry scheduled, or a peer
    /// fetching for this key set. A caller waiting for keys is answered when it ends.
    pub fn in_cycle(&self) -> bool {
        matches!(self.fetch, Fetch::InFlight { .. } | Fetch::Backoff { .. } | Fetch::Peer { .. })
    }

    /// Whether a cycle gave up (here or at a peer) less than `failed_refetch_ms` before `now`.
    pub fn gave_up(&self, now: u64) -> bool {
        matches!(self.fetch, Fetch::GaveUp { until_ms, .. } if now < until_ms)
    }

    /// Whether this key set waits for a peer's fetch.
    pub fn waiting_for_peer(&self) -> bool {
        matches!(self.fetch, Fetch::Peer { .. })
    }

    /// Until when a claim on the fetch made at `now` holds: what the caller publishes for its
    /// peers with each attempt.
    pub fn lease_until(&self, now: u64) -> u64 {
        now.saturating_add(self.config.peer_lease_ms)
    }

    /// The request to make now, if any: none while one is in flight, a retry is not due, a
    /// failed cycle's window is open or a peer is fetching.
    pub fn poll_fetch(&mut self, now: u64) -> Option<FetchRequest> {
        self.observe(now);
        match self.fetch {
            Fetch::InFlight { .. } => return None,
            Fetch::Backoff { failed_ms, delay_ms } if now < failed_ms.saturating_add(delay_ms) => {
                return None
            }
            Fetch::GaveUp { until_ms, .. } | Fetch::Peer { until_ms, .. } if now < until_ms => {
                return None
            }
            _ => {}
        }
        if !self.wants_fetch(now) {
            if !matches!(self.fetch, Fetch::GaveUp { .. }) {
                self.fetch = Fetch::Idle;
            }
            return None;
        }
        if matches!(self.fetch, Fetch::GaveUp { .. } | Fetch::Peer { .. }) {
            // A new cycle, with all its retries.
            self.failures = 0;
        }
        let (url, discovery) = match (&self.config.source, &self.jwks_uri) {
            (Source::Jwks(url), _) => (url.clone(), false),
            (Source::Discovery(_), Some((uri, at))) if now - at < self.config.cache_max_age_ms => {
                (uri.clone(), false)
            }
            (Source::Discovery(issuer), _) => {
                let base = issuer.strip_suffix('/').unwrap_or(issuer);
                (format!("{base}/.well-known/openid-configuration"), true)
            }
        };
        let id = self.next_id;
        self.next_id += 1;
        self.fetch = Fetch::InFlight { id, url: url.clone(), started_ms: now, discovery };
        Some(FetchRequest { id, url, discovery, timeout_ms: self.config.timeout_ms })
    }

    /// When to call [`handle_timeout`](Self::handle_timeout) and [`poll_fetch`](Self::poll_fetch)
    /// next: the in-flight request's timeout, the retry time, the end of a failed cycle's
    /// window or of a peer's lease, or when the keys are due for a refresh. A time already past
    /// (0 when a fetch is due at once) means now; `None`: nothing to wake for.
    pub fn poll_timeout(&self) -> Option<u64> {
        match &self.fetch {
            Fetch::InFlight { started_ms, .. } => {
                Some(started_ms.saturating_add(self.config.timeout_ms))
            }
            Fetch::Backoff { failed_ms, delay_ms } => Some(failed_ms.saturating_add(*delay_ms)),
            Fetch::Peer { until_ms, .. } => Some(*until_ms),
            Fetch::GaveUp { until_ms, .. } => Some((*until_ms).max(self.refresh_due())),
            Fetch::Idle => Some(self.refresh_due()),
        }
    }

    /// When the keys at hand are due for a refresh (0: at once).
    fn refresh_due(&self) -> u64 {
        match &self.document {
            Some(_) if self.refetch => 0,
            Some(doc) => doc.fetched_at_ms.saturating_add(self.refresh_age()),
            None => 0,
        }
    }

    fn refresh_age(&self) -> u64 {
        self.config.cache_max_age_ms.saturating_sub(self.config.refresh_before_ms)
    }

    /// Gives up on a request that outlived its timeout (spurious calls do nothing and answer
    /// [`Handled::Ignored`]).
    pub fn handle_timeout(&mut self, now: u64) -> Handled {
        self.observe(now);
        if let Fetch::InFlight { url, started_ms, .. } = &self.fetch {
            if now.saturating_sub(*started_ms) >= self.config.timeout_ms {
                let problem =
                    FetchProblem::TimedOut { url: url.clone(), timeout_ms: self.config.timeout_ms };
                return self.fail(problem, now);
            }
        }
        Handled::Ignored
    }

    /// A token's `kid` is not in the keys at hand. Returns whether a refetch is in flight or
    /// due (at once, or when the current backoff ends): `false` inside the cooldown.
    pub fn handle_kid_miss(&mut self, now: u64) -> bool {
        self.handle_unknown_kid(now) != KidMiss::Cooling
    }

    /// A token's `kid` is not in the keys at hand: asks for a refetch unless the keys were
    /// fetched, or a refetch was asked for, less than `cooldown_ms` ago, or a cycle just gave up.
    pub fn handle_unknown_kid(&mut self, now: u64) -> KidMiss {
        self.observe(now);
        if self.gave_up(now) {
            return KidMiss::Cooling;
        }
        let cooling = |since: u64| now - since < self.config.cooldown_ms;
        if self.document.as_ref().is_some_and(|d| cooling(d.fetched_at_ms)) {
            return KidMiss::Cooling;
        }
        if self.kid_miss_ms.is_some_and(cooling) {
            return if self.refetch && self.in_cycle() {
                KidMiss::Pending
            } else {
                KidMiss::Cooling
            };
        }
        self.kid_miss_ms = Some(now);
        self.refetch = true;
        KidMiss::Refetch
    }

    /// The answer to request `id`: its HTTP status and body.
    pub fn handle_response(&mut self, id: u64, status: u16, body: &[u8], now: u64) -> Handled {
        self.observe(now);
        let (url, discovery) = match &self.fetch {
            Fetch::InFlight { id: current, url, discovery, .. } if *current == id => {
                (url.clone(), *discovery)
            }
            _ => return Handled::Ignored,
        };
        if status != 200 {
            return self.fail(FetchProblem::Status { url, status }, now);
        }
        let limits = &self.config.limits;
        if discovery {
            let Source::Discovery(issuer) = &self.config.source else { return Handled::Ignored };
            return match parse_discovery(body, issuer, limits) {
                Ok(d) => {
                    self.jwks_uri = Some((d.jwks_uri, now));
                    self.fetch = Fetch::Idle;
                    Handled::Discovered
                }
                Err(error) => self.fail(FetchProblem::Document { url, error: error.into() }, now),
            };
        }
        match self.parse(body) {
            Ok(keys) => {
                self.accept(keys, body, now);
                self.fetch = Fetch::Idle;
                Handled::Keys(self.generations)
            }
            Err(error) => {
                self.jwks_uri = None;
                self.fail(FetchProblem::Document { url, error }, now)
            }
        }
    }

    /// Request `id` failed in transport (connection refused, DNS, TLS, aborted).
    pub fn handle_failure(&mut self, id: u64, now: u64) -> Handled {
        self.handle_error(id, "", now)
    }

    /// Request `id` failed before an answer, for the reason `detail` (the caller's words: no
    /// header values or bodies).
    pub fn handle_error(&mut self, id: u64, detail: &str, now: u64) -> Handled {
        self.observe(now);
        match &self.fetch {
            Fetch::InFlight { id: current, url, discovery, .. } if *current == id => {
                if !*discovery {
                    self.jwks_uri = None;
                }
                let problem = FetchProblem::Transport { url: url.clone(), detail: detail.into() };
                self.fail(problem, now)
            }
            _ => Handled::Ignored,
        }
    }

    /// The caller abandoned request `id` (everyone who waited for it gave up): not a failure of
    /// the issuer, so no backoff; the next [`poll_fetch`](Self::poll_fetch) asks again when keys
    /// are still wanted. Returns whether `id` was the request in flight.
    pub fn handle_cancel(&mut self, id: u64, now: u64) -> bool {
        self.observe(now);
        if matches!(&self.fetch, Fetch::InFlight { id: current, .. } if *current == id) {
            self.fetch = Fetch::Idle;
            return true;
        }
        false
    }

    /// Changes the unknown-`kid` cooldown and the freshness for the calls that follow (npm's
    /// `fetchJwks` takes them per call); the keys' fetch time is kept.
    pub fn retime(&mut self, cooldown_ms: u64, cache_max_age_ms: u64) {
        self.config.cooldown_ms = cooldown_ms;
        self.config.cache_max_age_ms = cache_max_age_ms;
    }

    /// Request `id` was not sent: another instance holds the fetch until `lease_until`. Returns
    /// `true` when this key set now waits for that peer; `false` when the claim is not
    /// plausible (already over, or ending later than `peer_lease_ms` from now: a clock jump or
    /// a peer that died) and changes nothing: the caller takes the fetch over and sends `id`.
    pub fn handle_peer_fetching(&mut self, id: u64, lease_until: u64, now: u64) -> bool {
        self.observe(now);
        if !matches!(&self.fetch, Fetch::InFlight { id: current, .. } if *current == id) {
            return false;
        }
        if lease_until < now || lease_until > self.lease_until(now) {
            return false;
        }
        self.fetch = Fetch::Peer { since_ms: now, until_ms: lease_until };
        true
    }

    /// While waiting for a peer: the claim on the fetch as read now (`None`: nobody holds it).
    /// A renewed claim is waited for; a released or implausible one ends the wait, so the next
    /// [`poll_fetch`](Self::poll_fetch) asks.
    pub fn handle_peer_lock(&mut self, lease_until: Option<u64>, now: u64) {
        self.observe(now);
        let limit = self.lease_until(now);
        if let Fetch::Peer { until_ms, .. } = &mut self.fetch {
            *until_ms = match lease_until {
                Some(t) if t >= now && t <= limit => t,
                _ => now,
            };
        }
    }

    /// A JWKS a peer fetched at `fetched_at_ms` and published. Taken when newer than the keys
    /// at hand ([`Handled::Keys`]); ends a wait for the peer, a failed window and our own
    /// retries (the issuer answers again). A document older than ours, or refused, changes
    /// nothing ([`Handled::Ignored`]).
    pub fn handle_peer_document(&mut self, body: &[u8], fetched_at_ms: u64, now: u64) -> Handled {
        self.observe(now);
        // Fetched "later than now": the clock stepped back, and the keys' age is unknown.
        let future = fetched_at_ms > now;
        let fetched_at_ms = fetched_at_ms.min(now);
        if self.document.as_ref().is_some_and(|d| d.fetched_at_ms >= fetched_at_ms) {
            return Handled::Ignored;
        }
        let Ok(keys) = self.parse(body) else { return Handled::Ignored };
        let refetch = self.refetch && self.kid_miss_ms.is_some_and(|t| t > fetched_at_ms);
        self.accept(keys, body, fetched_at_ms);
        self.refetch = refetch || future;
        if !self.is_fetching() {
            self.fetch = Fetch::Idle;
        }
        Handled::Keys(self.generations)
    }

    /// A peer's cycle gave up at `failed_at_ms`, saying `reason`. Shared unless this key set
    /// runs its own cycle, holds keys fetched after that, or the window is over (or a peer's
    /// claim we wait for started after it). Returns whether it was taken: the keys at hand are
    /// then all there will be for the window.
    pub fn handle_peer_failure(&mut self, failed_at_ms: u64, reason: &str, now: u64) -> bool {
        self.observe(now);
        let failed_at_ms = failed_at_ms.min(now);
        let until_ms = failed_at_ms.saturating_add(self.config.failed_refetch_ms);
        let applies = match self.fetch {
            Fetch::InFlight { .. } | Fetch::Backoff { .. } => false,
            Fetch::Peer { since_ms, .. } => failed_at_ms >= since_ms,
            Fetch::GaveUp { until_ms: current, .. } => until_ms > current,
            Fetch::Idle => true,
        };
        if !applies
            || until_ms <= now
            || self.document.as_ref().is_some_and(|d| d.fetched_at_ms > failed_at_ms)
        {
            return false;
        }
        self.fetch = Fetch::GaveUp { at_ms: failed_at_ms, until_ms };
        self.failures = 0;
        self.refetch = false;
        self.last_error = Some(FetchProblem::Peer { reason: reason.into() });
        true
    }

    fn parse(&self, body: &[u8]) -> Result<KeySet, Error> {
        let keys = KeySet::from_jwks(body, &self.config.limits)?;
        if self.config.require_usable_key && keys.is_empty() {
            return Err(KeyError::KeysMissing { skipped: keys.skipped.len() }.into());
        }
        Ok(keys)
    }

    fn accept(&mut self, keys: KeySet, body: &[u8], fetched_at_ms: u64) {
        self.generations += 1;
        self.document = Some(Document {
            keys: Rc::new(keys),
            // The parser accepted it, so it is UTF-8 and nothing is replaced.
            text: String::from_utf8_lossy(body).into_owned(),
            generation: self.generations,
            fetched_at_ms,
        });
        self.refetch = false;
        self.failures = 0;
        self.last_error = None;
    }

    fn wants_fetch(&self, now: u64) -> bool {
        match &self.document {
            None => true,
            Some(doc) => self.refetch || now - doc.fetched_at_ms >= self.refresh_age(),
        }
    }

    fn fail(&mut self, problem: FetchProblem, now: u64) -> Handled {
        self.failures = self.failures.saturating_add(1);
        // An unknown-kid refetch is tried once; the cooldown decides when the next may be.
        self.refetch = false;
        self.last_error = Some(problem);
        if self.failures > self.config.retries {
            self.failures = 0;
            let until_ms = now.saturating_add(self.config.failed_refetch_ms);
            self.fetch = Fetch::GaveUp { at_ms: now, until_ms };
            return Handled::GaveUp;
        }
        if !self.wants_fetch(now) {
            // Nothing left to retry for (the keys at hand are fresh): the cycle ends here.
            self.fetch = Fetch::Idle;
            return Handled::Failed;
        }
        let shift = (self.failures - 1).min(32);
        let delay_ms = self
            .config
            .backoff_base_ms
            .saturating_mul(1u64 << shift)
            .min(self.config.backoff_max_ms);
        self.fetch = Fetch::Backoff { failed_ms: now, delay_ms };
        Handled::Failed
    }

    /// Moves every remembered instant later than `now` back to `now` (the clock stepped back).
    /// Keys fetched "later than now" have an unknown age: they are refetched at once.
    fn observe(&mut self, now: u64) {
        let clamp = |t: &mut u64| *t = (*t).min(now);
        let lease = self.config.peer_lease_ms;
        let window = self.config.failed_refetch_ms;
        match &mut self.fetch {
            Fetch::Idle => {}
            Fetch::InFlight { started_ms, .. } => clamp(started_ms),
            Fetch::Backoff { failed_ms, .. } => clamp(failed_ms),
            Fetch::GaveUp { at_ms, until_ms } => {
                clamp(at_ms);
                *until_ms = (*until_ms).min(at_ms.saturating_add(window));
            }
            Fetch::Peer { since_ms, until_ms } => {
                clamp(since_ms);
                *until_ms = (*until_ms).min(now.saturating_add(lease));
            }
        }
        if let Some(doc) = &mut self.document {
            if doc.fetched_at_ms > now {
                doc.fetched_at_ms = now;
                self.refetch = true;
            }
        }
        if let Some(t) = &mut self.kid_miss_ms {
            clamp(t);
        }
        if let Some((_, t)) = &mut self.jwks_uri {
            clamp(t);
        }
    }
}

#[cfg(test)]
mod tests;
