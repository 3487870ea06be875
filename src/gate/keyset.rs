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
//!   many instances can add its own);
//! - with [`Source::Discovery`], a cycle first fetches `<issuer>/.well-known/openid-configuration`
//!   (checked by [`crate::jose::parse_discovery`]: issuer equal to the configured one), then its
//!   `jwks_uri`. The discovered URI is reused for `cache_max_age_ms`, and forgotten when the
//!   JWKS fetch fails (it may have moved);
//! - time is milliseconds on any clock, not necessarily monotonic: a time earlier than one
//!   already seen moves the remembered instants back to it, so a clock stepping back neither
//!   freezes the cooldown nor keeps keys fresh for longer than their age allows.

use alloc::format;
use alloc::rc::Rc;
use alloc::string::String;
use core::fmt;

use crate::error::{Code, Error};
use crate::jose::{parse_discovery, KeySet};
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
    /// Older, but within `max_stale_ms` of going stale: usable while a refetch is due.
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
}

impl FetchProblem {
    /// The stable code: `ERR_FETCH_FAILED`, `ERR_FETCH_TIMEOUT`, or the document's own.
    pub fn code(&self) -> Code {
        match self {
            FetchProblem::Transport { .. } | FetchProblem::Status { .. } => Code::FetchFailed,
            FetchProblem::TimedOut { .. } => Code::FetchTimeout,
            FetchProblem::Document { error, .. } => error.code(),
        }
    }
}

impl fmt::Display for FetchProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FetchProblem::Transport { url } => write!(f, "GET {url} failed"),
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
    /// The request failed; [`RemoteKeySet::last_error`] says why, and a retry is scheduled.
    Failed,
    /// Not the request in flight (late, or already given up): nothing changed.
    Ignored,
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum Fetch {
    Idle,
    InFlight { id: u64, url: String, started_ms: u64, discovery: bool },
    Backoff { failed_ms: u64, delay_ms: u64 },
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
        let age = now.saturating_sub(doc.fetched_at_ms);
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

    /// The request to make now, if any: none while one is in flight or a retry is not due.
    pub fn poll_fetch(&mut self, now: u64) -> Option<FetchRequest> {
        self.observe(now);
        match self.fetch {
            Fetch::InFlight { .. } => return None,
            Fetch::Backoff { failed_ms, delay_ms } if now < failed_ms.saturating_add(delay_ms) => {
                return None
            }
            _ => {}
        }
        if !self.wants_fetch(now) {
            self.fetch = Fetch::Idle;
            return None;
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
    /// next: the in-flight request's timeout, the retry time, or when the keys go stale. A
    /// time already past (0 when a fetch is due at once) means now; `None`: nothing to wake for.
    pub fn poll_timeout(&self) -> Option<u64> {
        match &self.fetch {
            Fetch::InFlight { started_ms, .. } => {
                Some(started_ms.saturating_add(self.config.timeout_ms))
            }
            Fetch::Backoff { failed_ms, delay_ms } => Some(failed_ms.saturating_add(*delay_ms)),
            Fetch::Idle => match &self.document {
                Some(_) if self.refetch => Some(0),
                Some(doc) => Some(doc.fetched_at_ms.saturating_add(self.config.cache_max_age_ms)),
                None => Some(0),
            },
        }
    }

    /// Gives up on a request that outlived its timeout (spurious calls do nothing).
    pub fn handle_timeout(&mut self, now: u64) {
        self.observe(now);
        if let Fetch::InFlight { url, started_ms, .. } = &self.fetch {
            if now.saturating_sub(*started_ms) >= self.config.timeout_ms {
                let problem =
                    FetchProblem::TimedOut { url: url.clone(), timeout_ms: self.config.timeout_ms };
                self.fail(problem, now);
            }
        }
    }

    /// A token's `kid` is not in the keys at hand. Returns whether a refetch is in flight or
    /// due (at once, or when the current backoff ends): `false` inside the cooldown.
    pub fn handle_kid_miss(&mut self, now: u64) -> bool {
        self.observe(now);
        let cooling = |since: u64| now - since < self.config.cooldown_ms;
        if self.document.as_ref().is_some_and(|d| cooling(d.fetched_at_ms)) {
            return false;
        }
        if self.kid_miss_ms.is_some_and(cooling) {
            return self.is_fetching();
        }
        self.kid_miss_ms = Some(now);
        self.refetch = true;
        true
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
            self.fail(FetchProblem::Status { url, status }, now);
            return Handled::Failed;
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
                Err(error) => {
                    self.fail(FetchProblem::Document { url, error: error.into() }, now);
                    Handled::Failed
                }
            };
        }
        match KeySet::from_jwks(body, limits) {
            Ok(keys) => {
                self.generations += 1;
                self.document = Some(Document {
                    keys: Rc::new(keys),
                    // The parser accepted it, so it is UTF-8 and nothing is replaced.
                    text: String::from_utf8_lossy(body).into_owned(),
                    generation: self.generations,
                    fetched_at_ms: now,
                });
                self.fetch = Fetch::Idle;
                self.refetch = false;
                self.failures = 0;
                self.last_error = None;
                Handled::Keys(self.generations)
            }
            Err(error) => {
                self.jwks_uri = None;
                self.fail(FetchProblem::Document { url, error: error.into() }, now);
                Handled::Failed
            }
        }
    }

    /// Request `id` failed in transport (connection refused, DNS, TLS, aborted).
    pub fn handle_failure(&mut self, id: u64, now: u64) -> Handled {
        self.observe(now);
        match &self.fetch {
            Fetch::InFlight { id: current, url, discovery, .. } if *current == id => {
                if !*discovery {
                    self.jwks_uri = None;
                }
                let problem = FetchProblem::Transport { url: url.clone() };
                self.fail(problem, now);
                Handled::Failed
            }
            _ => Handled::Ignored,
        }
    }

    fn wants_fetch(&self, now: u64) -> bool {
        match &self.document {
            None => true,
            Some(doc) => self.refetch || now - doc.fetched_at_ms >= self.config.cache_max_age_ms,
        }
    }

    fn fail(&mut self, problem: FetchProblem, now: u64) {
        self.failures = self.failures.saturating_add(1);
        let shift = (self.failures - 1).min(32);
        let delay_ms = self
            .config
            .backoff_base_ms
            .saturating_mul(1u64 << shift)
            .min(self.config.backoff_max_ms);
        self.fetch = Fetch::Backoff { failed_ms: now, delay_ms };
        // An unknown-kid refetch is tried once; the cooldown decides when the next may be.
        self.refetch = false;
        self.last_error = Some(problem);
    }

    /// Moves every remembered instant later than `now` back to `now` (the clock stepped back).
    fn observe(&mut self, now: u64) {
        let clamp = |t: &mut u64| *t = (*t).min(now);
        match &mut self.fetch {
            Fetch::Idle => {}
            Fetch::InFlight { started_ms, .. } => clamp(started_ms),
            Fetch::Backoff { failed_ms, .. } => clamp(failed_ms),
        }
        if let Some(doc) = &mut self.document {
            clamp(&mut doc.fetched_at_ms);
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
