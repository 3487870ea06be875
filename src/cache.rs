//! A bounded cache of verified results, for callers that see the same token many times (a
//! proxy, a sidecar, a CLI loop).
//!
//! Two rules make it safe:
//! - **The key names everything the answer depends on.** [`CacheKey::derive`] hashes the token,
//!   a canonical encoding of the options and a fingerprint of the key set with SHA-256, each
//!   field length-prefixed, so different options or keys can never return another answer.
//!   Caches whose options and keys are fixed for their lifetime (one per verifier) may key by
//!   the token alone; the type is generic for that reason.
//! - **An entry only answers inside its validity window** `[valid_from, expires_at)`, judged at
//!   the `now` the caller passes (time is an input here as everywhere). [`window`] computes a
//!   window that is never wider than the token's own validity: it starts at the instant the
//!   token was verified (so time-travelling backwards misses) and ends at the raw `exp`, without
//!   any leeway, capped by a maximum age. Tokens without a numeric `exp` are not cached,
//!   because Vault gives them a synthetic expiry the cache cannot see.
//!
//! A cache is bounded by entries and, when built with [`Cache::bounded`], by bytes as well: each
//! entry carries a weight (the caller's estimate of the memory it holds, see
//! [`Cache::insert_weighed`]) and the weights never sum past the byte bound. In wasm, memory the
//! cache once held is never returned to the host, so only a bound in bytes bounds the module.
//!
//! Eviction removes the entry that expires first (expired entries go first by construction);
//! both lookup and eviction are `O(log n)`.

use alloc::collections::BTreeMap;
use core::borrow::Borrow;

use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

use crate::claims::ClaimError;
use crate::code::Code;
use crate::error::Error;
use crate::time::UnixTime;

/// A SHA-256 cache key over (token, canonical options, key-set fingerprint).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct CacheKey(pub [u8; 32]);

impl CacheKey {
    /// Derives the key. `options` must be a canonical encoding (same options → same bytes);
    /// `keys` a fingerprint of the key set, e.g. [`fingerprint`] over the documents it was
    /// built from.
    pub fn derive(token: &[u8], options: &[u8], keys: &[u8; 32]) -> CacheKey {
        let mut h = Sha256::new();
        h.update(b"jwtgate-cache-v1");
        for field in [token, options, keys.as_slice()] {
            // Length prefixes keep ("ab","c") and ("a","bc") apart.
            h.update((field.len() as u64).to_be_bytes());
            h.update(field);
        }
        CacheKey(h.finalize().into())
    }
}

/// A fingerprint of the documents a key set was built from (JWKS JSON, PEM strings), in order.
/// Byte-exact: a reformatted document gives a different fingerprint, which only costs a miss.
pub fn fingerprint<'a>(documents: impl IntoIterator<Item = &'a [u8]>) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(b"jwtgate-keys-v1");
    for doc in documents {
        h.update((doc.len() as u64).to_be_bytes());
        h.update(doc);
    }
    h.finalize().into()
}

/// The window in which a result verified at `verified_at` may be answered from a cache, or
/// `None` when it must not be cached.
///
/// `tolerance` is the clock tolerance the verification used; only a negative one narrows the
/// window (a positive one is ignored, so the window never extends past the raw `exp`).
/// `max_age` caps how long any entry lives (seconds, at least 1).
pub fn window(
    claims: &Map<alloc::string::String, Value>,
    verified_at: UnixTime,
    tolerance: i64,
    max_age: u32,
) -> Option<(UnixTime, UnixTime)> {
    // Truncation towards zero matches how fractional NumericDates are compared elsewhere for
    // whole seconds; a fractional `exp` is at most one second shorter here, never longer.
    let exp = match claims.get("exp")? {
        Value::Number(n) => n.as_i64().or_else(|| n.as_f64().and_then(f64_to_i64))?,
        _ => return None,
    };
    let until = exp.checked_add(tolerance.min(0))?;
    let cap = verified_at.0.checked_add(i64::from(max_age.max(1)))?;
    let until = until.min(cap);
    if until <= verified_at.0 {
        return None;
    }
    Some((verified_at, UnixTime(until)))
}

/// The window in which a *rejection* found at `rejected_at` may be answered from a cache (a
/// negative cache: a proxy replaying a bad token must not cost a signature check per request),
/// or `None` when it must be re-checked every time. `max_age` caps the window (seconds, at
/// least 1).
///
/// A rejection is reusable only while a fresh verification would reject the token with the same
/// first error, which holds when the options and keys are fixed (the cache key's job) and time
/// only moves forward inside the window (it starts at `rejected_at`, so a clock going backwards
/// misses):
/// - **time-free failures** (syntax, algorithm, signature, issuer, audience, subject, bound
///   claims, ...) never change;
/// - **`exp`** stays failed as `now` grows, and every check before it can only pass more
///   (`nbf`, `iat`); its message names `now`, so answer it through [`rejection_at`];
/// - **not cached**: `nbf`/`iat` in the future (time cures them), an unknown `kid` (a JWKS
///   refetch cures it, and the Envoy filter refetches on exactly that code), and any code this
///   list does not know yet.
pub fn rejection_window(
    error: &Error,
    rejected_at: UnixTime,
    max_age: u32,
) -> Option<(UnixTime, UnixTime)> {
    use Code::*;
    let reusable = matches!(
        error.code(),
        LimitExceeded
            | JsonInvalid
            | JsonDuplicateMember
            | JsonNotObject
            | JwsMalformed
            | JwsBase64
            | JwsHeaderInvalid
            | JwsAlgNone
            | JwsAlgUnsupported
            | JwsAlgNotAllowed
            | JwsCritUnsupported
            | JwsSignatureEmpty
            | JwtClaimsInvalid
            | JwksNoCompatibleKey
            | JwkAlgMismatch
            | JwsSignatureInvalid
            | JwtExpired
            | JwtNoTimeClaims
            | JwtClaimType
            | JwtClaimMissing
            | JwtIssuerMismatch
            | JwtAudienceMismatch
            | JwtAudienceUnexpected
            | JwtSubjectMismatch
            | BoundClaimMismatch
            | BoundClaimMissing
            | BoundClaimType
            | UserClaimMissing
            | UserClaimNotString
            | AliasNameEmpty
            | ClaimMappingNotString
            | GroupsClaimMissing
            | GroupsClaimInvalid
            | JwtClaimAmbiguous
    );
    if !reusable {
        return None;
    }
    let until = rejected_at.0.checked_add(i64::from(max_age.max(1)))?;
    Some((rejected_at, UnixTime(until)))
}

/// A cached rejection worded as a fresh verification at `now` would word it: the `exp` failure
/// names the instant evaluated; every other reusable rejection is time-free.
pub fn rejection_at(error: &Error, now: UnixTime) -> Error {
    let mut error = error.clone();
    if let Error::Claim(ClaimError::Expired { now: at, .. }) = &mut error {
        *at = now.0;
    }
    error
}

fn f64_to_i64(f: f64) -> Option<i64> {
    // Floor, so a fractional `exp` never lengthens the window.
    let floored = if f.is_finite() { libm_floor(f) } else { return None };
    if (-9.0e18..=9.0e18).contains(&floored) {
        Some(floored as i64)
    } else {
        None
    }
}

fn libm_floor(f: f64) -> f64 {
    // `f64::floor` is std-only; truncation plus a correction is exact for |f| < 2^63.
    let t = f as i64 as f64;
    if t > f {
        t - 1.0
    } else {
        t
    }
}

struct Entry<V> {
    value: V,
    valid_from: UnixTime,
    expires_at: UnixTime,
    seq: u64,
    bytes: usize,
}

/// A bounded map from key to value with per-entry validity windows.
pub struct Cache<K, V> {
    capacity: usize,
    max_bytes: usize,
    bytes: usize,
    entries: BTreeMap<K, Entry<V>>,
    // (expires_at, insertion sequence) → key: the eviction order.
    by_expiry: BTreeMap<(UnixTime, u64), K>,
    seq: u64,
    hits: u64,
    misses: u64,
}

/// Counters for tests and benchmarks.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CacheStats {
    /// Entries currently held.
    pub len: usize,
    /// The bound on `len`.
    pub capacity: usize,
    /// Lookups answered.
    pub hits: u64,
    /// Lookups not answered (absent, or outside the window).
    pub misses: u64,
    /// The weights of the entries held, in bytes (see [`Cache::insert_weighed`]).
    pub bytes: usize,
    /// The bound on `bytes` (`usize::MAX` for a cache built with [`Cache::new`]).
    pub max_bytes: usize,
}

impl<K: Ord + Clone, V> Cache<K, V> {
    /// An empty cache holding at most `capacity` entries (0 disables caching), with no bound in
    /// bytes.
    pub fn new(capacity: usize) -> Self {
        Self::bounded(capacity, usize::MAX)
    }

    /// An empty cache holding at most `capacity` entries whose weights sum to at most
    /// `max_bytes` (either 0 disables caching).
    pub fn bounded(capacity: usize, max_bytes: usize) -> Self {
        Cache {
            capacity,
            max_bytes,
            bytes: 0,
            entries: BTreeMap::new(),
            by_expiry: BTreeMap::new(),
            seq: 0,
            hits: 0,
            misses: 0,
        }
    }

    /// The value for `key` if it is valid at `now` (`valid_from <= now < expires_at`). An entry
    /// found expired is removed. `key` may be a borrowed form of `K` (as with `BTreeMap`), so a
    /// lookup need not build an owned key.
    pub fn get<Q>(&mut self, key: &Q, now: UnixTime) -> Option<&V>
    where
        K: Borrow<Q>,
        Q: Ord + ?Sized,
    {
        let state = match self.entries.get(key) {
            None => None,
            Some(e) if now >= e.expires_at => Some(false),
            Some(e) if now < e.valid_from => None,
            Some(_) => Some(true),
        };
        match state {
            Some(true) => {
                self.hits = self.hits.saturating_add(1);
                self.entries.get(key).map(|e| &e.value)
            }
            Some(false) => {
                self.misses = self.misses.saturating_add(1);
                self.remove(key);
                None
            }
            None => {
                self.misses = self.misses.saturating_add(1);
                None
            }
        }
    }

    /// Counts a miss without a lookup: for a caller that skips the lookup because caching is
    /// off (capacity 0), so the counters still account for every request.
    pub fn count_miss(&mut self) {
        self.misses = self.misses.saturating_add(1);
    }

    /// Like [`Cache::get`] but read-only: no counters, no removal.
    pub fn peek<Q>(&self, key: &Q, now: UnixTime) -> Option<&V>
    where
        K: Borrow<Q>,
        Q: Ord + ?Sized,
    {
        self.entries
            .get(key)
            .filter(|e| e.valid_from <= now && now < e.expires_at)
            .map(|e| &e.value)
    }

    /// Stores `value` for `key`, answerable while `valid_from <= now < expires_at`, with a
    /// weight of 0 bytes (it counts towards the entry bound only). Replaces an existing entry;
    /// evicts the entry expiring first when full.
    pub fn insert(&mut self, key: K, value: V, valid_from: UnixTime, expires_at: UnixTime) {
        self.insert_weighed(key, value, 0, valid_from, expires_at);
    }

    /// Stores `value` for `key` like [`Cache::insert`], counting `bytes` towards the byte bound:
    /// entries expiring first are evicted until both bounds hold. A value heavier than the whole
    /// byte bound is not stored (an existing entry for `key` is still removed, so a lookup never
    /// answers an older value). Returns whether it was stored.
    pub fn insert_weighed(
        &mut self,
        key: K,
        value: V,
        bytes: usize,
        valid_from: UnixTime,
        expires_at: UnixTime,
    ) -> bool {
        if self.capacity == 0 || self.max_bytes == 0 || expires_at <= valid_from {
            return false;
        }
        self.remove(&key);
        if bytes > self.max_bytes {
            return false;
        }
        while self.entries.len() >= self.capacity || self.max_bytes - self.bytes < bytes {
            let Some((_, victim)) = self.by_expiry.pop_first() else {
                break;
            };
            if let Some(old) = self.entries.remove(&victim) {
                self.bytes -= old.bytes;
            }
        }
        self.seq = self.seq.wrapping_add(1);
        self.bytes += bytes;
        self.by_expiry.insert((expires_at, self.seq), key.clone());
        self.entries.insert(key, Entry { value, valid_from, expires_at, seq: self.seq, bytes });
        true
    }

    /// Removes `key` if present.
    pub fn remove<Q>(&mut self, key: &Q)
    where
        K: Borrow<Q>,
        Q: Ord + ?Sized,
    {
        if let Some(old) = self.entries.remove(key) {
            self.by_expiry.remove(&(old.expires_at, old.seq));
            self.bytes -= old.bytes;
        }
    }

    /// Drops every entry.
    pub fn clear(&mut self) {
        self.entries.clear();
        self.by_expiry.clear();
        self.bytes = 0;
    }

    /// Current counters.
    pub fn stats(&self) -> CacheStats {
        CacheStats {
            len: self.entries.len(),
            capacity: self.capacity,
            hits: self.hits,
            misses: self.misses,
            bytes: self.bytes,
            max_bytes: self.max_bytes,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::string::String;

    fn claims(json: &str) -> Map<String, Value> {
        match serde_json::from_str(json).unwrap() {
            Value::Object(m) => m,
            _ => panic!("not an object"),
        }
    }

    #[test]
    fn keys_separate_every_field() {
        let fp = fingerprint([b"{\"keys\":[]}".as_slice()]);
        let a = CacheKey::derive(b"tok", b"{\"aud\":\"a\"}", &fp);
        assert_eq!(a, CacheKey::derive(b"tok", b"{\"aud\":\"a\"}", &fp));
        assert_ne!(a, CacheKey::derive(b"tok", b"{\"aud\":\"b\"}", &fp));
        assert_ne!(a, CacheKey::derive(b"tok2", b"{\"aud\":\"a\"}", &fp));
        let other = fingerprint([b"{\"keys\":[1]}".as_slice()]);
        assert_ne!(a, CacheKey::derive(b"tok", b"{\"aud\":\"a\"}", &other));
        // Moving bytes between fields changes the key.
        assert_ne!(CacheKey::derive(b"ab", b"c", &fp), CacheKey::derive(b"a", b"bc", &fp));
        assert_ne!(
            fingerprint([b"ab".as_slice(), b"c".as_slice()]),
            fingerprint([b"a".as_slice(), b"bc".as_slice()])
        );
    }

    #[test]
    fn answers_only_inside_the_window() {
        let mut c: Cache<u8, &str> = Cache::new(4);
        c.insert(1, "v", UnixTime(100), UnixTime(200));
        assert_eq!(c.get(&1, UnixTime(99)), None, "before it was verified");
        assert_eq!(c.peek(&1, UnixTime(150)), Some(&"v"));
        assert_eq!(c.peek(&1, UnixTime(200)), None);
        assert_eq!(c.get(&1, UnixTime(100)), Some(&"v"));
        assert_eq!(c.get(&1, UnixTime(199)), Some(&"v"));
        assert_eq!(c.get(&1, UnixTime(200)), None, "exp is exclusive");
        assert_eq!(c.stats().len, 0, "an expired entry is dropped");
        assert_eq!(c.stats().hits, 2);
        assert_eq!(c.stats().misses, 2);
    }

    #[test]
    fn stays_bounded_and_evicts_soonest_expiry() {
        let mut c: Cache<u32, u32> = Cache::new(3);
        c.insert(1, 1, UnixTime(0), UnixTime(50));
        c.insert(2, 2, UnixTime(0), UnixTime(10));
        c.insert(3, 3, UnixTime(0), UnixTime(30));
        c.insert(4, 4, UnixTime(0), UnixTime(40));
        assert_eq!(c.stats().len, 3);
        assert_eq!(c.get(&2, UnixTime(1)), None, "soonest expiry evicted");
        assert_eq!(c.get(&1, UnixTime(1)), Some(&1));
        // Re-inserting a key replaces it without growing.
        c.insert(1, 9, UnixTime(0), UnixTime(60));
        assert_eq!(c.stats().len, 3);
        assert_eq!(c.get(&1, UnixTime(1)), Some(&9));
        for i in 10..1000 {
            c.insert(i, i, UnixTime(0), UnixTime(i64::from(i)));
        }
        assert_eq!(c.stats().len, 3);
        let mut off: Cache<u32, u32> = Cache::new(0);
        off.insert(1, 1, UnixTime(0), UnixTime(5));
        assert_eq!(off.get(&1, UnixTime(1)), None);
    }

    #[test]
    fn stays_bounded_in_bytes() {
        let mut c: Cache<u32, u32> = Cache::bounded(100, 1000);
        assert!(c.insert_weighed(1, 1, 400, UnixTime(0), UnixTime(50)));
        assert!(c.insert_weighed(2, 2, 400, UnixTime(0), UnixTime(10)));
        // 800 + 400 > 1000: the entry expiring first (2) goes.
        assert!(c.insert_weighed(3, 3, 400, UnixTime(0), UnixTime(30)));
        assert_eq!((c.stats().len, c.stats().bytes), (2, 800));
        assert_eq!(c.get(&2, UnixTime(1)), None);
        assert_eq!(c.get(&1, UnixTime(1)), Some(&1));
        // Heavier than the whole bound: not stored, and the key's older value is gone too.
        assert!(!c.insert_weighed(1, 9, 1001, UnixTime(0), UnixTime(60)));
        assert_eq!(c.get(&1, UnixTime(1)), None);
        assert_eq!((c.stats().len, c.stats().bytes), (1, 400));
        // Replacing a key releases its old weight before weighing the new one.
        assert!(c.insert_weighed(3, 4, 1000, UnixTime(0), UnixTime(30)));
        assert_eq!((c.stats().len, c.stats().bytes), (1, 1000));
        for i in 10..2000 {
            c.insert_weighed(i, i, 1 + (i as usize % 300), UnixTime(0), UnixTime(i64::from(i)));
            assert!(c.stats().bytes <= 1000 && c.stats().len <= 100);
        }
        c.remove(&1999);
        let left: usize = (0..2000u32).filter(|k| c.peek(k, UnixTime(1)).is_some()).count();
        assert_eq!(left, c.stats().len);
        c.clear();
        assert_eq!((c.stats().len, c.stats().bytes), (0, 0));
        // `new` keeps its meaning: entries only, weights counted but unbounded.
        let mut n: Cache<u32, u32> = Cache::new(2);
        assert!(n.insert_weighed(1, 1, usize::MAX / 2, UnixTime(0), UnixTime(5)));
        assert_eq!(n.stats().max_bytes, usize::MAX);
        let mut off: Cache<u32, u32> = Cache::bounded(10, 0);
        assert!(!off.insert_weighed(1, 1, 0, UnixTime(0), UnixTime(5)));
        assert_eq!(off.get(&1, UnixTime(1)), None);
    }

    #[test]
    fn rejections_are_reused_only_when_time_cannot_cure_them() {
        use crate::claims::{NbfSource, Wording};
        let expired = Error::Claim(ClaimError::Expired {
            exp: 1000,
            now: 1010,
            leeway: 0,
            invented: false,
            wording: Wording::Standard,
        });
        assert_eq!(
            rejection_window(&expired, UnixTime(1010), 60),
            Some((UnixTime(1010), UnixTime(1070)))
        );
        // Worded as a fresh verification at the later instant would word it.
        let later = Error::Claim(ClaimError::Expired {
            exp: 1000,
            now: 1040,
            leeway: 0,
            invented: false,
            wording: Wording::Standard,
        });
        assert_eq!(rejection_at(&expired, UnixTime(1040)), later);
        assert_ne!(alloc::format!("{expired}"), alloc::format!("{later}"));
        let early = Error::Claim(ClaimError::NotYetValid {
            nbf: 2000,
            now: 1010,
            leeway: 0,
            source: NbfSource::Claim,
            wording: Wording::Standard,
        });
        assert_eq!(rejection_window(&early, UnixTime(1010), 60), None);
        let unknown_kid = Error::Key(crate::jose::KeyError::NoMatchingKey {
            kid: "k2".into(),
            available: alloc::vec![Some("k1".into())],
        });
        assert_eq!(rejection_window(&unknown_kid, UnixTime(1010), 60), None);
    }

    #[test]
    fn window_never_exceeds_raw_exp() {
        let c = claims(r#"{"exp":1000,"iat":900}"#);
        assert_eq!(window(&c, UnixTime(950), 60, 600), Some((UnixTime(950), UnixTime(1000))));
        assert_eq!(window(&c, UnixTime(950), -10, 600), Some((UnixTime(950), UnixTime(990))));
        assert_eq!(
            window(&c, UnixTime(100), 0, 600),
            Some((UnixTime(100), UnixTime(700))),
            "capped by max age"
        );
        assert_eq!(window(&c, UnixTime(1000), 60, 600), None, "inside leeway only");
        let frac = claims(r#"{"exp":1000.9}"#);
        assert_eq!(window(&frac, UnixTime(950), 0, 600), Some((UnixTime(950), UnixTime(1000))));
        assert_eq!(window(&claims(r#"{"iat":900}"#), UnixTime(950), 0, 600), None);
        assert_eq!(window(&claims(r#"{"exp":"1000"}"#), UnixTime(950), 0, 600), None);
        assert_eq!(window(&claims(r#"{"exp":1e300}"#), UnixTime(950), 0, 600), None);
    }
}
