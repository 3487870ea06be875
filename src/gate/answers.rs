//! The gate's answer cache: verified tokens and rejected tokens, with the reuse rules in one
//! place ([`crate::cache::window`] for verified tokens, capped at [`VERIFIED_MAX_AGE`];
//! [`crate::cache::rejection_window`] for rejections, capped at [`REJECTED_MAX_AGE`]), bounded
//! in entries and bytes.
//!
//! Keyed by provider (its options are fixed for one gate), key-set version (a new JWKS never
//! answers from entries verified with the old one) and the exact token, so one caller never
//! gets an answer computed for another token, another provider or other keys.

use alloc::rc::Rc;
use alloc::string::String;
use core::borrow::Borrow;
use core::cell::{OnceCell, RefCell};
use core::cmp::Ordering;

use super::decision::Edit;
use super::engine::Verified;
use super::error::GateError;
use super::reply::LocalReply;
use crate::cache::Cache;
use crate::time::UnixTime;

/// Most rejected tokens remembered per gate.
pub const MAX_REJECTED: usize = 1024;
/// Longest a rejection is reused, in seconds.
pub const REJECTED_MAX_AGE: u32 = 60;
/// Longest a verified token is reused, in seconds (and never past its own `exp`).
pub const VERIFIED_MAX_AGE: u32 = 300;

/// The two caches. Separate so a flood of bad tokens can never evict good ones: rejections get
/// a quarter of the byte budget.
pub(super) struct Answers {
    pub verified: Cache<TokenKey, Rc<Identity>>,
    pub rejected: Cache<TokenKey, Rejection>,
}

impl Answers {
    /// Caches bounded by `entries` each and `bytes` together.
    pub fn new(entries: usize, bytes: usize) -> Answers {
        Answers {
            verified: Cache::bounded(entries, bytes - bytes / 4),
            rejected: Cache::bounded(entries.min(MAX_REJECTED), bytes / 4),
        }
    }
}

/// A verified token as the gate caches it: the core's answer, and the claim-header edits it
/// implies (a function of the claims and the configuration), built on its first allowed request.
pub(super) struct Identity {
    pub verified: Verified,
    pub claim_edits: OnceCell<Rc<[Edit]>>,
}

/// A remembered rejection: the error, and the reply last rendered for it.
pub(super) struct Rejection {
    pub err: GateError,
    pub rendered: RenderedSlot,
}

/// The reply last rendered for a rejection, shared with the request being denied.
pub(super) type RenderedSlot = Rc<RefCell<Option<Rendered>>>;

/// A reply as rendered at `at`.
pub(super) struct Rendered {
    pub at: UnixTime,
    pub reply: Rc<LocalReply>,
}

/// A cached rejection as a fresh verification at `now` would word it.
pub(super) fn rejection_at(err: &GateError, now: UnixTime) -> GateError {
    match err {
        GateError::Core(e) => GateError::Core(crate::cache::rejection_at(e, now)),
        other => other.clone(),
    }
}

/// What a cached answer counts against the byte budget: the token kept as the key, the header
/// and claims parsed from it (a few times the decoded text in maps and strings) and the reply or
/// header edits built from them; the constant covers the entry's own bookkeeping.
pub(super) fn weight(token: &str) -> usize {
    token.len().saturating_mul(4).saturating_add(1024)
}

/// The cache key: provider, key-set version and the exact token. The token itself, not a
/// digest: hashing it was most of a cache hit's time in the filter. Looked up through
/// [`KeyParts`] with the request's token borrowed ([`TokenRef`]), so a lookup copies nothing.
#[derive(Clone, Debug)]
pub(super) struct TokenKey {
    pub provider: usize,
    pub version: u64,
    pub token: String,
}

/// A cache key borrowed from the request being decided.
pub(super) struct TokenRef<'a> {
    pub provider: usize,
    pub version: u64,
    pub token: &'a str,
}

/// What cache keys are compared by, for owned and borrowed keys alike.
pub(super) trait KeyParts {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_differ_by_provider_version_and_every_token_byte() {
        let k = |provider, version, token: &str| TokenKey {
            provider,
            version,
            token: String::from(token),
        };
        let base = k(0, 1, "aaaaaaaaaaaaaaaaaaaa.b");
        assert_eq!(base, k(0, 1, "aaaaaaaaaaaaaaaaaaaa.b"));
        assert_ne!(base, k(1, 1, "aaaaaaaaaaaaaaaaaaaa.b"));
        assert_ne!(base, k(0, 2, "aaaaaaaaaaaaaaaaaaaa.b"));
        assert_ne!(base, k(0, 1, "aaaaaaaaaaaaaaaaaaaa.c"));
        assert_ne!(base, k(0, 1, "baaaaaaaaaaaaaaaaaaa.b"));
        assert_ne!(base, k(0, 1, "aaaaaaaaaaaaaaaaaaaa.bb"));
        let r = TokenRef { provider: 0, version: 1, token: "aaaaaaaaaaaaaaaaaaaa.b" };
        let borrowed: &dyn KeyParts = &r;
        let owned: &dyn KeyParts = base.borrow();
        assert!(owned == borrowed);
    }
}
