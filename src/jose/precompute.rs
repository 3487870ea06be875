//! Fixed-base scalar multiplication from per-key tables, shared by ES256 ([`super::es256`]) and
//! EdDSA ([`super::eddsa`]), and the rule for when a key builds its table.
//!
//! # The schedule
//! A signature check multiplies two fixed points (the curve's generator and the public key) by
//! scalars derived from the token. The curve crates do it with a joint double-and-add: ~250
//! doublings shared by both scalars plus the additions, with small tables rebuilt per call.
//! Here each point gets a table of `k·256ⁱ·P` for `k` in `1..=8` and each of the 33 byte
//! positions `i`; a scalar is written in signed radix 16 (digits in `[-8, 8]`), the even digits
//! are added straight from row `i`, the odd ones into a second sum that is multiplied by 16 at
//! the end. One multiplication is then ~64 table additions and 4 doublings, and no doubling
//! is shared or repeated. The point arithmetic (complete formulas) is the curve crates' own.
//!
//! # Variable time: public data only
//! Which entries are read and which additions are skipped depend on the scalar's digits. Every
//! scalar here is computed from a token's digest, its signature and a public key, all public.
//! Never use this with a secret scalar.
//!
//! # When a table is built
//! A table costs 0.3–1.3 ms to build and pays back 40–420 µs per verification (measured in
//! Node, see the modules), so building one when a key is loaded would slow down every key set
//! parsed for a single token (the CLI, a JWKS fetched per call). A key answers its first
//! [`PLAIN_USES`] verifications through the curve crate unchanged and builds its table on the
//! next one.

use core::ops::Neg;
use core::sync::atomic::{AtomicU8, Ordering};

use alloc::boxed::Box;
use once_cell::race::OnceBox;

/// Verifications a key answers through the curve crate before it builds its table.
pub const PLAIN_USES: u8 = 1;

/// Byte positions of a scalar, plus one for the carry out of the top signed digit.
pub(crate) const ROWS: usize = 33;
/// Multiples `1·P ..= 8·P` kept per position: signed radix-16 digits lie in `[-8, 8]`.
pub(crate) const MULTIPLES: usize = 8;
/// Signed radix-16 digits of a scalar below 2²⁵⁶: 64 nibbles and a carry.
const DIGITS: usize = 2 * ROWS - 1;

/// `rows[i][k-1] = k·256ⁱ·P`: what [`mul_vartime`] reads.
pub(crate) type Rows<E> = [[E; MULTIPLES]; ROWS];

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
}

/// `k·256ⁱ·p` for `k` in `1..=8` and every row `i`, in `P`'s own form (8 doublings per row).
pub(crate) fn multiples<P: FixedBasePoint>(p: P) -> Rows<P> {
    let mut rows = [[P::identity(); MULTIPLES]; ROWS];
    let mut base = p;
    for row in rows.iter_mut() {
        let mut multiple = base;
        for slot in row.iter_mut() {
            *slot = multiple;
            multiple = multiple.add(base);
        }
        for _ in 0..8 {
            base = base.double();
        }
    }
    rows
}

/// `k·P` for the scalar `k` (little-endian bytes, `< 2²⁵⁶`) from `P`'s rows.
pub(crate) fn mul_vartime<P: FixedBasePoint>(rows: &Rows<P::Entry>, k_le: &[u8; 32]) -> P {
    let digits = signed_radix16(k_le);
    let mut even = P::identity();
    let mut odd = P::identity();
    for (i, row) in rows.iter().enumerate() {
        add_multiple(&mut even, row, digits.get(2 * i).copied().unwrap_or(0));
        add_multiple(&mut odd, row, digits.get(2 * i + 1).copied().unwrap_or(0));
    }
    for _ in 0..4 {
        odd = odd.double();
    }
    even.add(odd)
}

/// `acc += d·P` for a digit `d` in `[-8, 8]`, `row[j] = (j+1)·P`; nothing for `d = 0`.
fn add_multiple<P: FixedBasePoint>(acc: &mut P, row: &[P::Entry; MULTIPLES], d: i8) {
    let Some(&entry) = row.get(usize::from(d.unsigned_abs()).wrapping_sub(1)) else { return };
    acc.add_entry(if d > 0 { entry } else { -entry });
}

/// `k = Σ dᵢ·16ⁱ` with every `dᵢ` in `[-8, 8]`, little-endian.
///
/// Nibbles are in `[0, 15]`; each one above 7 (after the incoming carry) becomes
/// `nibble − 16` and carries 1 into the next. `k < 2²⁵⁶`, so the last carry lands in digit 64.
fn signed_radix16(k_le: &[u8; 32]) -> [i8; DIGITS] {
    let mut digits = [0i8; DIGITS];
    for (pair, byte) in digits.chunks_exact_mut(2).zip(k_le) {
        if let [lo, hi] = pair {
            *lo = (byte & 0x0f) as i8;
            *hi = (byte >> 4) as i8;
        }
    }
    let mut carry = 0;
    for d in digits.iter_mut() {
        let v = *d + carry;
        carry = (v + 8) >> 4;
        *d = v - (carry << 4);
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

    /// Σ dᵢ·16ⁱ back to little-endian bytes (two's-complement carries per nibble).
    fn recompose(digits: &[i8; DIGITS]) -> Option<[u8; 32]> {
        let mut nibbles = [0u8; DIGITS];
        let mut borrow = 0i16;
        for (n, &d) in nibbles.iter_mut().zip(digits) {
            let v = i16::from(d) + borrow;
            borrow = v.div_euclid(16);
            *n = v.rem_euclid(16) as u8;
        }
        if borrow != 0 || nibbles.last() != Some(&0) {
            return None;
        }
        let mut out = [0u8; 32];
        for (o, pair) in out.iter_mut().zip(nibbles.chunks_exact(2)) {
            *o = pair.first()? | (pair.get(1)? << 4);
        }
        Some(out)
    }

    proptest! {
        #[test]
        fn signed_radix16_digits_recompose(bytes in any::<[u8; 31]>(), top in 0u8..0x80) {
            let mut k = [0u8; 32];
            k[..31].copy_from_slice(&bytes);
            k[31] = top;
            let digits = signed_radix16(&k);
            prop_assert!(digits.iter().all(|d| (-8..=8).contains(d)));
            prop_assert_eq!(recompose(&digits), Some(k));
        }
    }

    #[test]
    fn signed_radix16_extremes() {
        for k in [[0u8; 32], [0xff; 32], [0x88; 32], [0x77; 32]] {
            assert_eq!(recompose(&signed_radix16(&k)), Some(k));
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
