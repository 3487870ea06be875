//! The per-worker verified-token cache: a proxy sees the same token many times within its
//! lifetime, and the signature check dominates the cost of a request.
//!
//! Keyed by SHA-256 of (provider, key-set version, token), so a key rotation or another
//! provider can never return another answer; an entry is used only while `now < exp`; bounded,
//! oldest entry evicted first. Only successful verifications are cached (failures are cheap to
//! recompute and must not pin an attacker-chosen token in memory).

use alloc::collections::{BTreeMap, VecDeque};
use alloc::rc::Rc;

use sha2::{Digest, Sha256};

use super::engine::Verified;

type Key = [u8; 32];

/// Bounded cache of verified tokens.
pub struct TokenCache {
    capacity: usize,
    entries: BTreeMap<Key, Rc<Verified>>,
    order: VecDeque<Key>,
}

impl TokenCache {
    /// A cache holding at most `capacity` tokens (0 disables caching).
    pub fn new(capacity: usize) -> Self {
        TokenCache { capacity, entries: BTreeMap::new(), order: VecDeque::new() }
    }

    /// The cache key.
    pub fn key(provider: usize, keys_version: u64, token: &str) -> Key {
        let mut h = Sha256::new();
        h.update((provider as u64).to_le_bytes());
        h.update(keys_version.to_le_bytes());
        h.update(token.as_bytes());
        h.finalize().into()
    }

    /// The cached verification for `key`, if present and unexpired at `now` (seconds).
    pub fn get(&mut self, key: &Key, now: i64) -> Option<Rc<Verified>> {
        let hit = self.entries.get(key)?;
        match hit.exp {
            Some(exp) if now >= exp => {
                self.entries.remove(key);
                None
            }
            _ => Some(Rc::clone(hit)),
        }
    }

    /// Remembers a successful verification.
    pub fn put(&mut self, key: Key, verified: Rc<Verified>) {
        if self.capacity == 0 {
            return;
        }
        if self.entries.insert(key, verified).is_none() {
            self.order.push_back(key);
        }
        while self.entries.len() > self.capacity {
            match self.order.pop_front() {
                Some(old) => {
                    self.entries.remove(&old);
                }
                None => break,
            }
        }
        // Keys whose entries expired and were removed in `get` linger in `order`; trim them.
        if self.order.len() > self.capacity.saturating_mul(2) {
            let entries = &self.entries;
            self.order.retain(|k| entries.contains_key(k));
        }
    }
}
