//! ES256 (ECDSA over P-256 with SHA-256) verification with precomputed multiples of the public
//! key and of the generator, for keys that verify more than one token.
//!
//! # Why this exists
//! ECDSA verification computes `R = u₁·G + u₂·Q` and compares `R.x mod n` with `r`. The `p256`
//! crate does it with a joint wNAF over both points: 256 doublings plus about 100 additions,
//! with tables rebuilt on every call. Both points are fixed (`G` for ever, `Q` for as long as
//! the key set lives), so both get fixed-base tables ([`super::precompute`], stored in affine
//! form for mixed additions), of different widths:
//! - the generator's is shared by every key, so it is wide: 8-bit digits, a row per digit,
//!   33 additions per multiplication, 264 KB, built once per process (about 15 ms in Node,
//!   on the first verification that uses a key's table);
//! - a key's is 6-bit digits with a row for every second one: 44 additions and 6 doublings,
//!   44 KB, about 2.1 ms to build.
//!
//! Measured in Node 20 (the npm module, 30 fresh keys): a key's first verification (through
//! `p256`) takes 0.74–0.87 ms, its second 2.9 ms (the table is built), later ones 0.21–0.24 ms,
//! so a table has paid for itself after about four more tokens. With 4-bit tables for both
//! points (17 KB per key) later verifications took 0.31–0.36 ms; 7- and 8-bit key tables
//! (76 and 136 KB) saved under 10 µs more, within the noise of that comparison.
//!
//! Only the schedule is ours. Points, their addition and doubling (complete formulas), field
//! and scalar arithmetic, inversion and the signature's range checks are `p256`'s; the
//! verification equation is the one `ecdsa::hazmat::verify_prehashed` implements (SEC 1 §4.1.4),
//! and tests compare every answer with `p256`'s own verify.

use alloc::boxed::Box;
use alloc::vec::Vec;
use once_cell::race::OnceBox;
use p256::ecdsa::signature::Verifier as _;
use p256::ecdsa::{Signature, VerifyingKey};
use p256::elliptic_curve::ops::Reduce;
use p256::elliptic_curve::point::AffineCoordinates;
use p256::elliptic_curve::{BatchNormalize, Group, PrimeField};
use p256::{AffinePoint, FieldBytes, ProjectivePoint, Scalar};
use sha2::{Digest, Sha256};

use super::precompute::{FixedBasePoint, Precomputed, Table};

/// The generator's table: one row per 8-bit signed digit (33 × 128 affine points, 264 KB):
/// 33 additions per multiplication.
type GeneratorTable = Table<AffinePoint, 8, 1>;
/// A key's table: 6-bit signed digits, a row for every second one (22 × 32 points, 44 KB):
/// 44 additions and 6 doublings per multiplication.
type KeyTable = Table<AffinePoint, 6, 2>;

/// Points normalised per field inversion when a table is built: one inversion per 64 points
/// costs under 2% of the build, and the arrays stay at about 15 KB of stack (the slice form of
/// `BatchNormalize` would need `p256`'s `alloc` feature and the crates it pulls in).
const NORMALISE_BATCH: usize = 64;

/// A P-256 public key prepared for ES256, with its table built on its second use.
#[derive(Clone)]
pub struct PreparedP256Key {
    key: VerifyingKey,
    table: Precomputed<KeyTable>,
}

impl PreparedP256Key {
    /// Wraps a validated P-256 key (on the curve, not the identity: `VerifyingKey` guarantees it).
    pub fn new(key: VerifyingKey) -> Self {
        PreparedP256Key { key, table: Precomputed::new() }
    }

    /// The key itself.
    pub fn verifying_key(&self) -> &VerifyingKey {
        &self.key
    }

    /// Whether `sig` (raw `r‖s`, 64 bytes, `r` and `s` in `[1, n-1]`) is an ES256 signature by
    /// this key over `msg`. High-S signatures are accepted, as `p256` and Go do.
    pub fn verify(&self, msg: &[u8], sig: &[u8]) -> bool {
        let Ok(sig) = Signature::from_slice(sig) else { return false };
        let table =
            self.table.get_or_count(|| KeyTable::new(ProjectivePoint::from(*self.key.as_affine())));
        match table {
            Some(table) => verify_with_tables(table, &Sha256::digest(msg), &sig),
            None => self.key.verify(msg, &sig).is_ok(),
        }
    }
}

/// The generator's table, shared by every key.
static GENERATOR_TABLE: OnceBox<GeneratorTable> = OnceBox::new();

/// SEC 1 §4.1.4 steps 4–8 with both multiplications from tables: `z` is the SHA-256 digest
/// (as long as the order, so it is reduced whole), `R = (z/s)·G + (r/s)·Q`, valid iff `R` is
/// not the identity and `R.x ≡ r (mod n)`.
fn verify_with_tables(q_table: &KeyTable, digest: &FieldBytes, sig: &Signature) -> bool {
    let g_table =
        GENERATOR_TABLE.get_or_init(|| Box::new(GeneratorTable::new(ProjectivePoint::GENERATOR)));
    let (r, s) = sig.split_scalars();
    let z = <Scalar as Reduce<FieldBytes>>::reduce(digest);
    // `s` is non-zero (`Signature::from_slice` checked), so the inverse exists.
    let Some(s_inv) = Option::<Scalar>::from(s.invert_vartime()) else { return false };
    let point = mul(g_table, &(z * s_inv)) + mul(q_table, &(*r * s_inv));
    if bool::from(point.is_identity()) {
        return false;
    }
    *r == <Scalar as Reduce<FieldBytes>>::reduce(&point.to_affine().x())
}

impl FixedBasePoint for ProjectivePoint {
    type Entry = AffinePoint;
    fn identity() -> Self {
        ProjectivePoint::IDENTITY
    }
    fn add(self, other: Self) -> Self {
        self + other
    }
    fn double(self) -> Self {
        Group::double(&self)
    }
    fn add_entry(&mut self, entry: AffinePoint) {
        // Mixed addition: one multiplication fewer than projective + projective.
        *self += entry;
    }
    fn from_entry(entry: AffinePoint) -> Self {
        ProjectivePoint::from(entry)
    }
    fn entries(points: Vec<Self>) -> Vec<AffinePoint> {
        // Affine entries for mixed additions, normalised NORMALISE_BATCH points per inversion
        // (tables hold a multiple of that; a remainder would be normalised point by point).
        let mut entries = Vec::with_capacity(points.len());
        let mut batches = points.chunks_exact(NORMALISE_BATCH);
        for batch in batches.by_ref() {
            if let Ok(batch) = <&[ProjectivePoint; NORMALISE_BATCH]>::try_from(batch) {
                entries.extend_from_slice(&ProjectivePoint::batch_normalize(batch));
            }
        }
        entries.extend(batches.remainder().iter().map(ProjectivePoint::to_affine));
        entries
    }
}

/// `k·P` from `P`'s table.
fn mul<const W: usize, const T: usize>(
    table: &Table<AffinePoint, W, T>,
    k: &Scalar,
) -> ProjectivePoint {
    let mut le: [u8; 32] = k.to_repr().into();
    le.reverse();
    table.mul_vartime::<ProjectivePoint>(&le)
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

    fn edge_scalars() -> [Scalar; 7] {
        [
            Scalar::ZERO,
            Scalar::ONE,
            -Scalar::ONE,
            scalar([0x88; 32]),
            scalar([0xff; 32]),
            scalar([0x80; 32]),
            scalar([0x7f; 32]),
        ]
    }

    #[test]
    fn edge_scalars_match_plain_multiplication() {
        let g = GeneratorTable::new(ProjectivePoint::GENERATOR);
        assert_eq!(g.len(), 33 * 128);
        let q_point = ProjectivePoint::GENERATOR * scalar([0x5a; 32]);
        let q = KeyTable::new(q_point);
        assert_eq!(q.len(), 22 * 32);
        for k in edge_scalars() {
            assert_eq!(mul(&g, &k), ProjectivePoint::GENERATOR * k);
            assert_eq!(mul(&q, &k), q_point * k);
        }
    }

    /// 264 points: four normalisation batches and a remainder normalised point by point.
    #[test]
    fn a_shape_with_a_partial_batch_normalises_every_point() {
        let narrow = Table::<AffinePoint, 4, 2>::new(ProjectivePoint::GENERATOR);
        assert_eq!(narrow.len() % NORMALISE_BATCH, 8);
        for k in edge_scalars() {
            assert_eq!(mul(&narrow, &k), ProjectivePoint::GENERATOR * k);
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(32))]

        #[test]
        fn table_multiplication_matches_p256(k in any::<[u8; 32]>(), q in 1u64..) {
            let point = ProjectivePoint::GENERATOR * Scalar::from(q);
            let k = scalar(k);
            prop_assert_eq!(mul(&KeyTable::new(point), &k), point * k);
            // The generator's wider shape, on an arbitrary point.
            prop_assert_eq!(mul(&GeneratorTable::new(point), &k), point * k);
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
            prop_assert!(prepared.table.is_built());
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
