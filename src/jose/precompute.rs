//! Fixed-base scalar multiplication from per-key tables, shared by ECDSA ([`super::ecdsa`]) and
//! EdDSA ([`super::eddsa`]), and the rule for when a key builds its table.
//!
//! # The schedule
//! A signature check multiplies two fixed points (the curve's generator and the public key) by
//! scalars derived from the token. The curve crates do it with a joint double-and-add: a
//! doubling per bit of the scalars (256 to 521), shared by both, plus the additions, with small
//! tables rebuilt per call.
//! Here each point gets a `Table`: a scalar is written in signed radix 2^`W` (digits in
//! `[−2^(W−1), 2^(W−1))`), and digit `j` adds a multiple of `2^(W·j)·P` straight from the table.
//! Storing a row for every digit position needs no doubling at all (`T = 1`); storing one for
//! every `T`-th position keeps `T` running sums instead, combined with `(T−1)·W` doublings at
//! the end, for a `T` times smaller table. One multiplication of a `BITS`-bit scalar is then
//! about `BITS/W` additions.
//! Each curve picks `W` and `T` per point (see the modules): wider windows save additions and
//! cost memory and build time, so the shared generator gets a wider one than per-key tables.
//! The point arithmetic (complete formulas) is the curve crates' own.
//!
//! # Variable time: public data only
//! Which entries are read and which additions are skipped depend on the scalar's digits. Every
//! scalar here is computed from a token's digest, its signature and a public key, all public.
//! Never use this with a secret scalar.
//!
//! # When a table is built
//! A key's table costs 0.3–15 ms to build and pays back 40 µs–2.2 ms per verification (measured
//! in Node, see the modules), so building one when a key is loaded would slow down every key set
//! parsed for a single token (the CLI, a JWKS fetched per call). A key answers its first
//! [`PLAIN_USES`] verifications through the curve crate unchanged and builds its table on the
//! next one.

use core::ops::Neg;
use core::sync::atomic::{AtomicU8, Ordering};

use alloc::boxed::Box;
use alloc::vec::Vec;
use once_cell::race::OnceBox;

/// Verifications a key answers through the curve crate before it builds its table.
pub const PLAIN_USES: u8 = 1;

/// The widest scalars supported: P-521's, in whole bytes (66).
const MAX_SCALAR_BITS: usize = 528;
/// Signed digits of the widest scalar in the narrowest window supported (4 bits): 132 and a
/// carry.
const MAX_DIGITS: usize = MAX_SCALAR_BITS / 4 + 1;

/// A curve point type, as the table schedule needs it.
pub(crate) trait FixedBasePoint: Copy {
    /// What a table row stores and [`Self::add_entry`] adds (affine points where the crate
    /// has a cheaper mixed addition).
    type Entry: Copy + Neg<Output = Self::Entry>;
    /// The neutral element.
    fn identity() -> Self;
    /// `self + other`.
    fn add(self, other: Self) -> Self;
    /// `2·self`.
    fn double(self) -> Self;
    /// `self += entry`.
    fn add_entry(&mut self, entry: Self::Entry);
    /// The point an entry stands for.
    fn from_entry(entry: Self::Entry) -> Self;
    /// The points as table entries, in order (one shared inversion where that is a
    /// normalisation).
    fn entries(points: Vec<Self>) -> Vec<Self::Entry>;
}

/// Multiples of a fixed point `P` for scalars below 2^`BITS` (`BITS ≤ 528`) in signed
/// radix 2^`W` (`4 ≤ W ≤ 8`), one row per `T` digit positions (`1 ≤ T ≤ 4`): row `i` holds
/// `k·2^(W·T·i)·P` for `k` in `1..=2^(W−1)`.
#[derive(Clone)]
pub(crate) struct Table<E, const W: usize, const T: usize, const BITS: usize> {
    entries: Box<[E]>,
}

impl<E: Copy + Neg<Output = E>, const W: usize, const T: usize, const BITS: usize>
    Table<E, W, T, BITS>
{
    /// Signed digits of a scalar below 2^`BITS`, the carry out of the top window included.
    const DIGITS: usize = BITS.div_ceil(W) + 1;
    /// Multiples kept per row, `1·P ..= 2^(W−1)·P`: digits lie in `[−2^(W−1), 2^(W−1))`.
    const MULTIPLES: usize = 1 << (W - 1);
    /// Rows: one per `T` digit positions.
    const ROWS: usize = Self::DIGITS.div_ceil(T);
    /// Rejects, at compile time, shapes the digit recoding (`i8` digits, at most
    /// [`MAX_DIGITS`]) and the fixed array of sums do not cover.
    const SHAPE_OK: () =
        assert!(4 <= W && W <= 8 && 1 <= T && T <= 4 && 0 < BITS && BITS <= MAX_SCALAR_BITS);

    /// Builds the table of `p` (not the identity): `MULTIPLES − 1` additions per row and
    /// `W·T` doublings between rows, then one conversion of every point to an entry.
    pub(crate) fn new<P: FixedBasePoint<Entry = E>>(p: P) -> Self {
        let () = Self::SHAPE_OK;
        let mut points = Vec::with_capacity(Self::ROWS * Self::MULTIPLES);
        let mut base = p;
        for row in 0..Self::ROWS {
            let mut multiple = base;
            points.push(multiple);
            for _ in 1..Self::MULTIPLES {
                multiple = multiple.add(base);
                points.push(multiple);
            }
            if row + 1 < Self::ROWS {
                for _ in 0..W * T {
                    base = base.double();
                }
            }
        }
        Table { entries: P::entries(points).into_boxed_slice() }
    }

    /// Entries held (tests and the memory figures in the curve modules).
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.entries.len()
    }

    /// `k·P` for the scalar `k` (little-endian bytes, `< 2^BITS`; bytes past `k_le` are zero).
    pub(crate) fn mul_vartime<P: FixedBasePoint<Entry = E>>(&self, k_le: &[u8]) -> P {
        let digits = signed_digits(k_le, W, BITS);
        // Each running sum starts as its first entry: adding an entry to the identity would
        // cost a full addition, and so would adding a sum to an empty result below.
        let mut sums: [Option<P>; T] = [None; T];
        for (j, &d) in digits.iter().take(Self::DIGITS).enumerate() {
            if d == 0 {
                continue;
            }
            let at = (j / T) * Self::MULTIPLES + usize::from(d.unsigned_abs()) - 1;
            if let (Some(&entry), Some(sum)) = (self.entries.get(at), sums.get_mut(j % T)) {
                let entry = if d > 0 { entry } else { -entry };
                match sum {
                    Some(sum) => sum.add_entry(entry),
                    None => *sum = Some(P::from_entry(entry)),
                }
            }
        }
        // Σ sums[a]·2^(W·a), highest first; an empty sum is the identity.
        let mut result: Option<P> = None;
        for (a, &sum) in sums.iter().enumerate().rev() {
            result = match (result, sum) {
                (Some(r), Some(s)) => Some(r.add(s)),
                (r, s) => r.or(s),
            };
            if let (true, Some(r)) = (a > 0, result.as_mut()) {
                for _ in 0..W {
                    *r = r.double();
                }
            }
        }
        result.unwrap_or_else(P::identity)
    }
}

/// `k = Σ dⱼ·2^(w·j)` with every `dⱼ` in `[−2^(w−1), 2^(w−1))`, little-endian, for `4 ≤ w ≤ 8`
/// and `k < 2^bits` (`bits ≤ 528`; a scalar reduced mod the group order); digits past
/// `bits/w + 1` are zero.
///
/// Each `w`-bit window (plus the incoming carry) at or above `2^(w−1)` becomes
/// `window − 2^w` and carries 1 into the next. `k < 2^bits`, so the last carry lands in digit
/// `⌈bits/w⌉` and is 0 or 1.
fn signed_digits(k_le: &[u8], w: usize, bits: usize) -> [i8; MAX_DIGITS] {
    let mut digits = [0i8; MAX_DIGITS];
    let mask = (1u16 << w) - 1;
    let half = 1i16 << (w - 1);
    let mut carry = 0i16;
    for (j, d) in digits.iter_mut().enumerate().take(bits.div_ceil(w) + 1) {
        let bit = j * w;
        let lo = k_le.get(bit / 8).copied().unwrap_or(0);
        let hi = k_le.get(bit / 8 + 1).copied().unwrap_or(0);
        let window = (u16::from_le_bytes([lo, hi]) >> (bit % 8)) & mask;
        // `window + carry` ≤ 2^w, so the digit and the carry fit in `i16`, the digit in `i8`.
        let v = window as i16 + carry;
        carry = (v + half) >> w;
        *d = (v - (carry << w)) as i8;
    }
    digits
}

/// A value built on the `plain_uses + 1`-th request for it (see [`Precomputed::get_or_count`]).
pub(crate) struct Precomputed<T> {
    uses: AtomicU8,
    value: OnceBox<T>,
}

impl<T> Precomputed<T> {
    /// Nothing built, no use counted.
    pub(crate) const fn new() -> Self {
        Precomputed { uses: AtomicU8::new(0), value: OnceBox::new() }
    }

    /// The value if it is built, or builds it now if [`PLAIN_USES`] earlier calls went without;
    /// otherwise counts this call and returns `None` (the caller does without).
    ///
    /// Racing threads may each count or build once: a few more uses without the value, or a
    /// build whose result is dropped; the count cannot run away.
    pub(crate) fn get_or_count(&self, build: impl FnOnce() -> T) -> Option<&T> {
        if let Some(value) = self.value.get() {
            return Some(value);
        }
        if self.uses.load(Ordering::Relaxed) < PLAIN_USES {
            self.uses.fetch_add(1, Ordering::Relaxed);
            return None;
        }
        Some(self.value.get_or_init(|| Box::new(build())))
    }

    /// Whether the value has been built (tests check which path answered).
    #[cfg(test)]
    pub(crate) fn is_built(&self) -> bool {
        self.value.get().is_some()
    }
}

impl<T: Clone> Clone for Precomputed<T> {
    fn clone(&self) -> Self {
        Precomputed {
            uses: AtomicU8::new(self.uses.load(Ordering::Relaxed)),
            value: self
                .value
                .get()
                .map_or_else(OnceBox::new, |v| OnceBox::with_value(Box::new(v.clone()))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// `Σ dⱼ·2^(w·j)` back to `len` little-endian bytes, or `None` when it is negative or
    /// does not fit.
    fn recompose(digits: &[i8; MAX_DIGITS], w: usize, len: usize) -> Option<Vec<u8>> {
        // Normalise to windows in [0, 2^w) with signed carries, then lay the bits out.
        let mut windows = [0u16; MAX_DIGITS];
        let mut carry = 0i32;
        for (out, &d) in windows.iter_mut().zip(digits) {
            let v = i32::from(d) + carry;
            carry = v.div_euclid(1 << w);
            *out = v.rem_euclid(1 << w) as u16;
        }
        if carry != 0 {
            return None;
        }
        let mut out = alloc::vec![0u8; len];
        for (j, &window) in windows.iter().enumerate() {
            for b in 0..w {
                if window >> b & 1 == 1 {
                    let bit = j * w + b;
                    *out.get_mut(bit / 8)? |= 1 << (bit % 8);
                }
            }
        }
        Some(out)
    }

    fn digits_in_range(digits: &[i8; MAX_DIGITS], w: usize) -> bool {
        let half = 1i16 << (w - 1);
        digits.iter().all(|&d| (-half..half).contains(&i16::from(d)))
    }

    /// The scalar sizes in use: P-256 and Ed25519 (256 bits), P-384, P-521 (in 66 bytes).
    const SIZES: [(usize, usize); 3] = [(256, 32), (384, 48), (521, 66)];

    /// `bytes` cut to a scalar below 2^`bits`.
    fn below(mut bytes: Vec<u8>, bits: usize) -> Vec<u8> {
        bytes.truncate(bits.div_ceil(8));
        if let (Some(top), 1..=7) = (bytes.last_mut(), bits % 8) {
            *top &= (1u8 << (bits % 8)) - 1;
        }
        bytes
    }

    proptest! {
        #[test]
        fn signed_digits_recompose(
            k in proptest::collection::vec(any::<u8>(), 66),
            size in 0usize..3,
            w in 4usize..=8,
        ) {
            let (bits, len) = SIZES[size];
            let k = below(k, bits);
            let digits = signed_digits(&k, w, bits);
            prop_assert!(digits_in_range(&digits, w));
            // Only the digits a table of this size reads are set.
            prop_assert!(digits[bits.div_ceil(w) + 1..].iter().all(|&d| d == 0));
            prop_assert_eq!(recompose(&digits, w, len), Some(k));
        }
    }

    #[test]
    fn signed_digits_extremes() {
        for (bits, len) in SIZES {
            for w in 4..=8 {
                for byte in [0u8, 0xff, 0x80, 0x7f, 0x88, 0x55] {
                    let k = below(alloc::vec![byte; len], bits);
                    let digits = signed_digits(&k, w, bits);
                    assert!(digits_in_range(&digits, w), "bits = {bits}, w = {w}");
                    assert_eq!(recompose(&digits, w, len), Some(k), "bits = {bits}, w = {w}");
                }
            }
        }
    }

    /// Tables are built behind `&self`, so the lazy cell must keep key sets shareable across
    /// threads (a verifier behind an `Arc`, a server's shared JWKS).
    #[test]
    fn key_sets_stay_send_and_sync() {
        fn shareable<T: Send + Sync>() {}
        shareable::<crate::jose::KeySet>();
        shareable::<crate::jose::PublicKey>();
    }

    #[test]
    fn built_on_the_call_after_the_plain_uses() {
        let p = Precomputed::<u32>::new();
        for _ in 0..PLAIN_USES {
            assert_eq!(p.get_or_count(|| 7), None);
        }
        assert!(!p.is_built());
        assert_eq!(p.get_or_count(|| 7), Some(&7));
        // Built once: later builders are not called.
        assert_eq!(p.get_or_count(|| unreachable!()), Some(&7));
        assert!(p.clone().is_built());
    }
}
