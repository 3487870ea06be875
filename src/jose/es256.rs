//! ES256 (ECDSA over P-256 with SHA-256) verification with precomputed multiples of the public
//! key and of the generator, for keys that verify more than one token.
//!
//! # Why this exists
//! ECDSA verification computes `R = u₁·G + u₂·Q` and compares `R.x mod n` with `r`. The `p256`
//! crate does it with a joint wNAF over both points: 256 doublings plus about 100 additions,
//! tables rebuilt on every call. Both points are fixed, though: `G` for ever and `Q` for as long
//! as the key set lives. With eight multiples of `Q·256ⁱ` for each of the 33 byte positions
//! (and the same for `G`), one scalar multiplication becomes ~64 additions of a table point and
//! 4 doublings: measured in V8 (Node 20, wasm32, opt-level 3) a verify takes 260 µs against
//! 680 µs through `p256::ecdsa::VerifyingKey::verify`.
//!
//! Only the *schedule* is ours. Points, their addition and doubling (complete formulas), field
//! and scalar arithmetic, inversion and the signature's range checks are `p256`'s; the
//! verification equation is the one `ecdsa::hazmat::verify_prehashed` implements (SEC 1 §4.1.4),
//! and tests compare every answer with `p256`'s own verify.
//!
//! # When tables are built
//! A table costs about 1.2 ms to build and 19 KB to keep, so a key's first verification goes
//! through `p256` unchanged and the second builds the key's table (a key set parsed for one
//! token never pays). The generator's table is built once per process, on first use.
//!
//! # Variable time: public data only
//! Which table entries are read and which additions are skipped depend on the scalars
//! `u₁ = z/s` and `u₂ = r/s`, computed from the token's digest and signature and the public key:
//! all public. Never reuse this with a secret scalar.

use core::sync::atomic::{AtomicU8, Ordering};

use alloc::boxed::Box;
use once_cell::race::OnceBox;
use p256::ecdsa::signature::Verifier as _;
use p256::ecdsa::{Signature, VerifyingKey};
use p256::elliptic_curve::ops::Reduce;
use p256::elliptic_curve::point::AffineCoordinates;
use p256::elliptic_curve::{BatchNormalize, Group, PrimeField};
use p256::{AffinePoint, FieldBytes, ProjectivePoint, Scalar};
use sha2::{Digest, Sha256};

/// Byte positions of a scalar, plus one for the carry out of the top signed digit.
const POSITIONS: usize = 33;
/// Multiples `1·P .. 8·P` kept per position: signed radix-16 digits lie in `[-8, 8]`.
const MULTIPLES: usize = 8;
/// Signed radix-16 digits of a 256-bit scalar: 64 nibbles and a carry.
const DIGITS: usize = 2 * POSITIONS - 1;
/// Verifications through `p256` before a key's table is built.
const PLAIN_USES: u8 = 1;

/// A P-256 public key prepared for ES256, with its table built on its second use.
pub struct PreparedP256Key {
    key: VerifyingKey,
    uses: AtomicU8,
    table: OnceBox<FixedBaseTable>,
}

impl PreparedP256Key {
    /// Wraps a validated P-256 key (on the curve, not the identity: `VerifyingKey` guarantees it).
    pub fn new(key: VerifyingKey) -> Self {
        PreparedP256Key { key, uses: AtomicU8::new(0), table: OnceBox::new() }
    }

    /// The key itself.
    pub fn verifying_key(&self) -> &VerifyingKey {
        &self.key
    }

    /// Whether `sig` (raw `r‖s`, 64 bytes, `r` and `s` in `[1, n-1]`) is an ES256 signature by
    /// this key over `msg`. High-S signatures are accepted, as `p256` and Go do.
    pub fn verify(&self, msg: &[u8], sig: &[u8]) -> bool {
        let Ok(sig) = Signature::from_slice(sig) else { return false };
        if self.table.get().is_none() && self.uses.load(Ordering::Relaxed) < PLAIN_USES {
            // Racing threads may each take this branch once: a few more plain verifications,
            // and a count that stays far below overflow.
            self.uses.fetch_add(1, Ordering::Relaxed);
            return self.key.verify(msg, &sig).is_ok();
        }
        let table = self.table.get_or_init(|| {
            Box::new(FixedBaseTable::new(ProjectivePoint::from(*self.key.as_affine())))
        });
        verify_with_tables(table, &Sha256::digest(msg), &sig)
    }
}

impl Clone for PreparedP256Key {
    fn clone(&self) -> Self {
        PreparedP256Key {
            key: self.key,
            uses: AtomicU8::new(self.uses.load(Ordering::Relaxed)),
            table: self
                .table
                .get()
                .map_or_else(OnceBox::new, |t| OnceBox::with_value(Box::new(t.clone()))),
        }
    }
}

/// The generator's table, shared by every key.
static GENERATOR_TABLE: OnceBox<FixedBaseTable> = OnceBox::new();

/// SEC 1 §4.1.4 steps 4–8 with both multiplications from tables: `z` is the SHA-256 digest
/// (as long as the order, so it is reduced whole), `R = (z/s)·G + (r/s)·Q`, valid iff `R` is
/// not the identity and `R.x ≡ r (mod n)`.
fn verify_with_tables(q_table: &FixedBaseTable, digest: &FieldBytes, sig: &Signature) -> bool {
    let g_table =
        GENERATOR_TABLE.get_or_init(|| Box::new(FixedBaseTable::new(ProjectivePoint::GENERATOR)));
    let (r, s) = sig.split_scalars();
    let z = <Scalar as Reduce<FieldBytes>>::reduce(digest);
    // `s` is non-zero (`Signature::from_slice` checked), so the inverse exists.
    let Some(s_inv) = Option::<Scalar>::from(s.invert_vartime()) else { return false };
    let point = g_table.mul_vartime(&(z * s_inv)) + q_table.mul_vartime(&(*r * s_inv));
    if bool::from(point.is_identity()) {
        return false;
    }
    *r == <Scalar as Reduce<FieldBytes>>::reduce(&point.to_affine().x())
}

/// `k·256ⁱ·P` for `k` in `1..=8` and every byte position `i`, in affine form (so each addition
/// is a mixed one).
#[derive(Clone)]
struct FixedBaseTable([[AffinePoint; MULTIPLES]; POSITIONS]);

impl FixedBaseTable {
    /// Builds the table of `p` (not the identity). All 264 points share one field inversion;
    /// the arrays involved take about 80 KB of stack while it runs.
    fn new(p: ProjectivePoint) -> FixedBaseTable {
        let mut points = [ProjectivePoint::IDENTITY; POSITIONS * MULTIPLES];
        let mut base = p;
        for row in points.chunks_exact_mut(MULTIPLES) {
            let mut multiple = base;
            for slot in row.iter_mut() {
                *slot = multiple;
                multiple += base;
            }
            for _ in 0..8 {
                base = base.double();
            }
        }
        let affine = <ProjectivePoint as BatchNormalize<
            [ProjectivePoint; POSITIONS * MULTIPLES],
        >>::batch_normalize(&points);
        let mut table = [[AffinePoint::IDENTITY; MULTIPLES]; POSITIONS];
        for (row, chunk) in table.iter_mut().zip(affine.chunks_exact(MULTIPLES)) {
            row.copy_from_slice(chunk);
        }
        FixedBaseTable(table)
    }

    /// `k·P`: the even digits (`16²ⁱ` = `256ⁱ`) are added straight from row `i`, the odd ones
    /// (`16·256ⁱ`) into a second sum that is multiplied by 16 at the end — four doublings that
    /// halve the table.
    fn mul_vartime(&self, k: &Scalar) -> ProjectivePoint {
        let digits = signed_radix16(k);
        let mut even = ProjectivePoint::IDENTITY;
        let mut odd = ProjectivePoint::IDENTITY;
        for (i, row) in self.0.iter().enumerate() {
            add_multiple(&mut even, row, digits.get(2 * i).copied().unwrap_or(0));
            add_multiple(&mut odd, row, digits.get(2 * i + 1).copied().unwrap_or(0));
        }
        for _ in 0..4 {
            odd = odd.double();
        }
        even + odd
    }
}

/// `acc += d·P` for a digit `d` in `[-8, 8]`, `row[j] = (j+1)·P`; nothing for `d = 0`.
fn add_multiple(acc: &mut ProjectivePoint, row: &[AffinePoint; MULTIPLES], d: i8) {
    let Some(point) = row.get(usize::from(d.unsigned_abs()).wrapping_sub(1)) else { return };
    if d > 0 {
        *acc += point;
    } else {
        *acc += -*point;
    }
}

/// `k = Σ dᵢ·16ⁱ` with every `dᵢ` in `[-8, 8]` (the top one in `[0, 8]`), little-endian.
///
/// Nibbles are in `[0, 15]`; each one above 7 becomes `nibble − 16` and carries 1 into the next.
/// A scalar is `< n < 2²⁵⁶`, so the last carry lands in digit 64.
fn signed_radix16(k: &Scalar) -> [i8; DIGITS] {
    let be = k.to_repr();
    let mut digits = [0i8; DIGITS];
    for (pair, byte) in digits.chunks_exact_mut(2).zip(be.iter().rev()) {
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

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec::Vec;
    use p256::ecdsa::signature::Signer as _;
    use p256::ecdsa::SigningKey;
    use proptest::prelude::*;

    fn scalar(bytes: [u8; 32]) -> Scalar {
        <Scalar as Reduce<FieldBytes>>::reduce(&bytes.into())
    }

    #[test]
    fn radix16_digits_recompose_the_scalar() {
        for k in [Scalar::ZERO, Scalar::ONE, -Scalar::ONE, scalar([0x88; 32]), scalar([0x77; 32])] {
            let digits = signed_radix16(&k);
            assert!(digits.iter().all(|d| (-8..=8).contains(d)));
            let mut sum = Scalar::ZERO;
            for d in digits.iter().rev() {
                sum *= Scalar::from(16u64);
                let m = Scalar::from(u64::from(d.unsigned_abs()));
                sum += if *d < 0 { -m } else { m };
            }
            assert_eq!(sum, k);
        }
    }

    #[test]
    fn edge_scalars_match_plain_multiplication() {
        let table = FixedBaseTable::new(ProjectivePoint::GENERATOR);
        for k in [Scalar::ZERO, Scalar::ONE, -Scalar::ONE, scalar([0x88; 32]), scalar([0xff; 32])] {
            assert_eq!(table.mul_vartime(&k), ProjectivePoint::GENERATOR * k);
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(32))]

        #[test]
        fn table_multiplication_matches_p256(k in any::<[u8; 32]>(), q in 1u64..) {
            let point = ProjectivePoint::GENERATOR * Scalar::from(q);
            let table = FixedBaseTable::new(point);
            let k = scalar(k);
            prop_assert_eq!(table.mul_vartime(&k), point * k);
        }

        #[test]
        fn answers_match_p256_verify(
            secret in any::<[u8; 32]>(), msg in any::<Vec<u8>>(), flip in any::<(usize, u8)>(),
        ) {
            let Ok(sk) = SigningKey::from_bytes(&secret.into()) else { return Ok(()) };
            let sig: Signature = sk.sign(&msg);
            let mut bytes = sig.to_bytes().to_vec();
            let prepared = PreparedP256Key::new(*sk.verifying_key());
            // First use through p256, then the table: both must accept.
            prop_assert!(prepared.verify(&msg, &bytes));
            prop_assert!(prepared.verify(&msg, &bytes));
            prop_assert!(prepared.table.get().is_some());
            // A changed byte: same answer as p256 (almost always a rejection).
            if let Some(b) = bytes.get_mut(flip.0 % 64) {
                *b ^= flip.1.max(1);
            }
            let expected = Signature::from_slice(&bytes)
                .is_ok_and(|s| sk.verifying_key().verify(&msg, &s).is_ok());
            prop_assert_eq!(prepared.verify(&msg, &bytes), expected);
        }
    }
}
