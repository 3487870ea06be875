//! Where a remote provider's keys stand: the [`ProviderKeys`] seam between the gate and a front
//! end's key lifecycle, and [`Keyring`], the core's implementation over
//! [`RemoteKeySet`](super::keyset::RemoteKeySet) for callers that fetch with their own `fetch`
//! (native tests, the npm package).
//!
//! Inline keys (`jwks`, `pem`) never go through this: the gate holds them.

use alloc::collections::BTreeMap;
use alloc::rc::Rc;
use alloc::string::String;

use super::config::{GateConfig, KeySource};
use super::keyset::{self, FetchRequest, Handled, RemoteKeySet};
use crate::jose::KeySet;

/// What a provider's key lifecycle says at a given time.
#[derive(Clone, Debug)]
pub enum KeyState {
    /// Keys to verify with; `version` changes whenever the key set does (cache keys include it).
    Ready(Rc<KeySet>, u64),
    /// Keys past their cache duration but still usable (stale-while-revalidate); the lifecycle
    /// refreshes them in the background. Used as [`KeyState::Ready`].
    Stale(Rc<KeySet>, u64),
    /// Not loaded yet: fetch, then decide again.
    NotReady,
    /// Fetching failed and there are no keys to fall back on (why, without key material).
    Failed(String),
}

/// A front end's remote keys, per provider (its index in [`GateConfig::providers`]).
pub trait ProviderKeys {
    /// The keys of remote provider `provider` at `now_ms`.
    fn keys(&mut self, provider: usize, now_ms: u64) -> KeyState;

    /// A token's `kid` is not in the provider's keys: whether a refetch is started now (then
    /// the gate answers [`super::Verdict::Wait`]), or the cooldown forbids one (the gate
    /// refuses the token).
    fn kid_miss(&mut self, provider: usize, now_ms: u64) -> bool;
}

/// No remote keys: every remote provider fails. For configurations with inline keys only.
#[derive(Clone, Copy, Debug, Default)]
pub struct NoRemoteKeys;

impl ProviderKeys for NoRemoteKeys {
    fn keys(&mut self, _: usize, _: u64) -> KeyState {
        KeyState::Failed(String::from("no key source for remote keys"))
    }

    fn kid_miss(&mut self, _: usize, _: u64) -> bool {
        false
    }
}

/// The remote providers' key sets of one configuration, driven by a caller that fetches:
/// `poll_fetch(now)` → GET the URL → `on_response` (or `on_failure`) → decide again.
///
/// A remote provider's URL is `https://<authority><path>` (the cluster is Envoy's business);
/// with `discovery`, the issuer's discovery document is fetched first. Durations come from the
/// configuration ([`RemoteJwks::key_set_config`](super::config::RemoteJwks::key_set_config), as
/// for the Envoy filter): `timeout_ms`, `cache_duration_seconds` (fresh),
/// `kid_refetch_cooldown_seconds`, and the `retry` policy with `failed_refetch_seconds`.
///
/// A failed fetch with no keys at hand is retried after its backoff, and the gate keeps waiting
/// ([`KeyState::NotReady`]) until the cycle has used up `retry.num_retries`; only then does it
/// fail ([`KeyState::Failed`], a 503 by default), and it keeps failing at once for
/// `failed_refetch_seconds` before a new cycle: what the Envoy filter answers. A caller that
/// finds nothing to fetch while the gate waits sleeps until [`Keyring::poll_timeout`].
#[derive(Debug, Default)]
pub struct Keyring {
    sets: BTreeMap<usize, RemoteKeySet>,
}

/// A fetch the caller should make for [`Keyring`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeyFetch {
    /// The provider (index) it is for.
    pub provider: usize,
    /// The request: `GET url`, within `timeout_ms`; pass `id` back.
    pub request: FetchRequest,
}

impl Keyring {
    /// The key sets for `config`'s remote providers.
    pub fn new(config: &GateConfig) -> Keyring {
        let mut sets = BTreeMap::new();
        for (i, p) in config.providers.iter().enumerate() {
            if let KeySource::Remote(r) = &p.keys {
                sets.insert(i, RemoteKeySet::new(r.key_set_config("https", config.limits.clone())));
            }
        }
        Keyring { sets }
    }

    /// The next fetch to make at `now_ms`, if any (one per call; call until `None`).
    pub fn poll_fetch(&mut self, now_ms: u64) -> Option<KeyFetch> {
        for (i, set) in self.sets.iter_mut() {
            set.handle_timeout(now_ms);
            if let Some(request) = set.poll_fetch(now_ms) {
                return Some(KeyFetch { provider: *i, request });
            }
        }
        None
    }

    /// The earliest time [`Keyring::poll_fetch`] may have something new.
    pub fn poll_timeout(&self) -> Option<u64> {
        self.sets.values().filter_map(RemoteKeySet::poll_timeout).min()
    }

    /// The answer to a fetch.
    pub fn on_response(
        &mut self,
        provider: usize,
        id: u64,
        status: u16,
        body: &[u8],
        now_ms: u64,
    ) -> Handled {
        match self.sets.get_mut(&provider) {
            Some(set) => set.handle_response(id, status, body, now_ms),
            None => Handled::Ignored,
        }
    }

    /// A fetch that failed without an answer (connection refused, DNS, TLS, aborted).
    pub fn on_failure(&mut self, provider: usize, id: u64, now_ms: u64) -> Handled {
        match self.sets.get_mut(&provider) {
            Some(set) => set.handle_failure(id, now_ms),
            None => Handled::Ignored,
        }
    }

    /// The key set of remote provider `provider`.
    pub fn key_set(&self, provider: usize) -> Option<&RemoteKeySet> {
        self.sets.get(&provider)
    }
}

impl ProviderKeys for Keyring {
    fn keys(&mut self, provider: usize, now_ms: u64) -> KeyState {
        let Some(set) = self.sets.get_mut(&provider) else {
            return KeyState::Failed(String::from("no key set for this provider"));
        };
        set.handle_timeout(now_ms);
        match set.keys(now_ms) {
            keyset::Keys::Fresh(d) => KeyState::Ready(Rc::clone(d.keys()), d.generation()),
            keyset::Keys::Stale(d) => KeyState::Stale(Rc::clone(d.keys()), d.generation()),
            // Waiting through the retries, as the filter does: the cycle's end decides.
            keyset::Keys::None if set.gave_up(now_ms) => KeyState::Failed(
                set.last_error()
                    .map_or_else(|| String::from("JWKS not loaded"), keyset::FetchProblem::reason),
            ),
            keyset::Keys::None => KeyState::NotReady,
        }
    }

    fn kid_miss(&mut self, provider: usize, now_ms: u64) -> bool {
        self.sets.get_mut(&provider).is_some_and(|set| set.handle_kid_miss(now_ms))
    }
}

#[cfg(test)]
mod tests;
