//! ECDSA verification (ES256, ES384, ES512) with precomputed multiples of the public key and of
//! the generator, for keys that verify more than one token.
//!
//! # Why this exists
//! ECDSA verification computes `R = u₁·G + u₂·Q` and compares `R.x mod n` with `r`. The curve
//! crates (`p256`, `p384`, `p521`) do it with a joint wNAF over both points: a doubling per bit
//! of the order (256, 384, 521) plus about 100–200 additions, with tables rebuilt on every
//! call. Both points are fixed (`G` for ever, `Q` for as long as the key set lives), so both get
//! fixed-base tables ([`super::precompute`], stored in affine form for mixed additions) of
//! different widths: the generator's is shared by every key of its curve, so it is wide and
//! built once per process; a key's is narrower (see `TabledCurve`'s implementations for each
//! curve's shapes and the measurements behind them).
//!
//! Only the schedule is ours. Points, their addition and doubling (complete formulas), field
//! and scalar arithmetic, inversion and the signature's range checks are the curve crates'; the
//! verification equation is the one `ecdsa::hazmat::verify_prehashed` implements (SEC 1
//! §4.1.4), and tests compare every answer with the curve crate's own verify.

use alloc::boxed::Box;
use alloc::vec::Vec;
use ecdsa::signature::Verifier as _;
use ecdsa::{DigestAlgorithm, EcdsaCurve, Signature, VerifyingKey};
use once_cell::race::OnceBox;
use p256::elliptic_curve::ops::{Invert, Reduce};
use p256::elliptic_curve::point::AffineCoordinates;
use p256::elliptic_curve::{BatchNormalize, FieldBytes, Group, PrimeField, Scalar};
use p256::NistP256;
use p384::NistP384;
use p521::NistP521;
use primeorder::{AffinePoint, PrimeCurveParams, ProjectivePoint};
use sha2::Digest;

use super::precompute::{FixedBasePoint, Precomputed, Table};

/// Points normalised per field inversion when a table is built: one inversion per 64 points
/// costs under 2% of the build, and the arrays stay within 15–25 KB of stack (P-256 to P-521;
/// the slice form of `BatchNormalize` would need the curve crates' `alloc` feature and the crates
/// it pulls in).
const NORMALISE_BATCH: usize = 64;

/// A curve whose ES* verification runs from tables: its table shapes and the generator's
/// table, which is shared by every key of the curve and so lives in a per-curve `static`.
/// Crate-private, so [`PreparedEcKey`] exists for these three curves only.
pub(crate) trait TabledCurve: PrimeCurveParams + EcdsaCurve + DigestAlgorithm {
    /// The generator's table.
    type GeneratorTable: ScalarTable<Self>;
    /// A key's table.
    type KeyTable: ScalarTable<Self> + Clone;
    /// The generator's table, built on first use.
    fn generator_table() -> &'static Self::GeneratorTable;
}

/// A fixed point's table as [`verify_with_tables`] uses it.
pub(crate) trait ScalarTable<C: PrimeCurveParams>: Send + Sync + Sized {
    /// The table of `p` (not the identity).
    fn build(p: ProjectivePoint<C>) -> Self;
    /// `k·P`.
    fn mul(&self, k: &Scalar<C>) -> ProjectivePoint<C>;
    /// Entries held (the memory figures in the curves' docs).
    #[cfg(test)]
    fn len(&self) -> usize;
}

impl<C: PrimeCurveParams, const W: usize, const T: usize, const BITS: usize> ScalarTable<C>
    for Table<AffinePoint<C>, W, T, BITS>
{
    fn build(p: ProjectivePoint<C>) -> Self {
        Table::new(p)
    }
    fn mul(&self, k: &Scalar<C>) -> ProjectivePoint<C> {
        // Big-endian canonical bytes (`PrimeField::to_repr`) to the little-endian the digit
        // recoding reads.
        let mut le = k.to_repr();
        le.reverse();
        self.mul_vartime::<ProjectivePoint<C>>(&le)
    }
    #[cfg(test)]
    fn len(&self) -> usize {
        Table::len(self)
    }
}

/// P-256 (ES256). The generator: 8-bit digits, a row per digit (33 × 128 affine points of 72
/// bytes, 304 KB): 33 additions per multiplication, about 15 ms to build in Node. A key: 7-bit
/// digits, a row per digit (38 × 64 points, 175 KB): 38 additions and no doubling, about 8 ms
/// to build, once per key, on its second verification.
///
/// Measured in Node 20 (the npm module, CPU time, side by side, three runs each): a whole fresh
/// ES256 `verify` took 13% less than with the former key shape, 6-bit digits in a row for every
/// second one (22 × 32 points, 51 KB, 44 additions and 6 doublings, 3.1 ms to build), and 7%
/// less than with 6-bit digits in a row each (44 × 32 points, 101 KB, 5.2 ms). A key's first
/// verification (through `p256`) takes about 0.46 ms whatever the shape. Earlier, on another
/// host, 4-bit tables for both points (17 KB per key) doubled the time of later verifications.
/// Not taken: 8-bit digits (33 × 128 points, 304 KB) cut the signature check by 6% (94 -> 88 µs,
/// two runs) but a whole verify by only 2–4%, for 1.7× the memory and build time of each key.
impl TabledCurve for NistP256 {
    type GeneratorTable = Table<AffinePoint<Self>, 8, 1, 256>;
    type KeyTable = Table<AffinePoint<Self>, 7, 1, 256>;
    fn generator_table() -> &'static Self::GeneratorTable {
        static TABLE: OnceBox<<NistP256 as TabledCurve>::GeneratorTable> = OnceBox::new();
        TABLE.get_or_init(|| Box::new(ScalarTable::build(ProjectivePoint::GENERATOR)))
    }
}

/// P-384 (ES384). The generator and each key alike: 6-bit digits, a row per digit (65 × 32
/// affine points of 104 bytes, 216 KB): 65 additions per multiplication, no doubling. The
/// generator's is built once per process (about 30 ms in Node), a key's on its second
/// verification (about 15 ms).
///
/// Measured in Node 20 (the npm module, CPU time, side by side): a key's first verification
/// (through `p384`) takes about 2.7 ms, later ones 0.64 ms. A whole fresh ES384 `verify` took
/// 18% less than with the former key shape, 4-bit digits in a row for every second one (49 × 8
/// points, 41 KB, 97 additions and 4 doublings, 6 ms to build), and 6% less than with 5-bit
/// digits in a row each (78 × 16 points, 130 KB, 11 ms).
impl TabledCurve for NistP384 {
    type GeneratorTable = Table<AffinePoint<Self>, 6, 1, 384>;
    type KeyTable = Table<AffinePoint<Self>, 6, 1, 384>;
    fn generator_table() -> &'static Self::GeneratorTable {
        static TABLE: OnceBox<<NistP384 as TabledCurve>::GeneratorTable> = OnceBox::new();
        TABLE.get_or_init(|| Box::new(ScalarTable::build(ProjectivePoint::GENERATOR)))
    }
}

/// P-521 (ES512). The generator: 5-bit digits, a row per digit (106 × 16 affine points, about
/// 265 KB, built once per process in about 22 ms in Node): 106 additions per multiplication.
/// A key: 4-bit digits, a row for every second one (66 × 8 points, about 82 KB, built in about
/// 6 ms): 131 additions and 4 doublings. Entries are larger than P-384's (19 32-bit limbs per
/// coordinate in wasm), so the generator's window is one bit narrower.
///
/// Measured in Node 20 (the npm module): a signature costs 0.92 ms from the tables against
/// 2.7 ms through `p521` (side by side, CPU time).
impl TabledCurve for NistP521 {
    type GeneratorTable = Table<AffinePoint<Self>, 5, 1, 521>;
    type KeyTable = Table<AffinePoint<Self>, 4, 2, 521>;
    fn generator_table() -> &'static Self::GeneratorTable {
        static TABLE: OnceBox<<NistP521 as TabledCurve>::GeneratorTable> = OnceBox::new();
        TABLE.get_or_init(|| Box::new(ScalarTable::build(ProjectivePoint::GENERATOR)))
    }
}

/// An ECDSA public key prepared for its ES* algorithm, with its table built on its second use.
/// Named through [`PreparedP256Key`], [`PreparedP384Key`] and [`PreparedP521Key`]; the bound is
/// crate-private on purpose (a sealed set of curves).
#[allow(private_bounds)]
pub struct PreparedEcKey<C: TabledCurve> {
    key: VerifyingKey<C>,
    table: Precomputed<C::KeyTable>,
}

/// A P-256 key prepared for ES256.
pub type PreparedP256Key = PreparedEcKey<NistP256>;
/// A P-384 key prepared for ES384.
pub type PreparedP384Key = PreparedEcKey<NistP384>;
/// A P-521 key prepared for ES512.
pub type PreparedP521Key = PreparedEcKey<NistP521>;

#[allow(private_bounds)]
impl<C: TabledCurve> Clone for PreparedEcKey<C> {
    fn clone(&self) -> Self {
        PreparedEcKey { key: self.key, table: self.table.clone() }
    }
}

#[allow(private_bounds)]
impl<C: TabledCurve> PreparedEcKey<C>
where
    VerifyingKey<C>: ecdsa::signature::Verifier<Signature<C>>,
{
    /// Wraps a validated key (on the curve, not the identity: `VerifyingKey` guarantees it).
    pub fn new(key: VerifyingKey<C>) -> Self {
        PreparedEcKey { key, table: Precomputed::new() }
    }

    /// The key itself.
    pub fn verifying_key(&self) -> &VerifyingKey<C> {
        &self.key
    }

    /// Whether `sig` (raw `r‖s`, twice the field's length, `r` and `s` in `[1, n-1]`) is a
    /// signature by this key over `msg` with the curve's hash. High-S signatures are accepted,
    /// as the curve crates and Go do.
    pub fn verify(&self, msg: &[u8], sig: &[u8]) -> bool {
        let Ok(sig) = Signature::<C>::from_slice(sig) else { return false };
        let table = self
            .table
            .get_or_count(|| C::KeyTable::build(ProjectivePoint::from(*self.key.as_affine())));
        match table {
            Some(table) => verify_with_tables(table, &C::Digest::digest(msg), &sig),
            None => self.key.verify(msg, &sig).is_ok(),
        }
    }
}

/// SEC 1 §4.1.4 steps 4–8 with both multiplications from tables: `z` is the digest read as a
/// big-endian integer (every digest here is at most as long as the field, so nothing is cut),
/// `R = (z/s)·G + (r/s)·Q`, valid iff `R` is not the identity and `R.x ≡ r (mod n)`.
fn verify_with_tables<C: TabledCurve>(
    q_table: &C::KeyTable,
    digest: &[u8],
    sig: &Signature<C>,
) -> bool {
    let Some(z) = reduce_be::<C>(digest) else { return false };
    let (r, s) = sig.split_scalars();
    // `s` is non-zero (`Signature::from_slice` checked), so its inverse is too.
    let s_inv: Scalar<C> = *s.invert_vartime();
    let point = C::generator_table().mul(&(z * s_inv)) + q_table.mul(&(*r * s_inv));
    if bool::from(point.is_identity()) {
        return false;
    }
    reduce_be::<C>(&point.to_affine().x()).is_some_and(|x| x == *r)
}

/// `bytes` (big-endian, at most the field's length) as a field-length integer, reduced mod `n`
/// the way the curve crates reduce a digest or an x-coordinate (`Reduce<FieldBytes>`).
fn reduce_be<C: TabledCurve>(bytes: &[u8]) -> Option<Scalar<C>> {
    let mut field = FieldBytes::<C>::default();
    let start = field.len().checked_sub(bytes.len())?;
    field.get_mut(start..)?.copy_from_slice(bytes);
    Some(<Scalar<C> as Reduce<FieldBytes<C>>>::reduce(&field))
}

impl<C: PrimeCurveParams> FixedBasePoint for ProjectivePoint<C> {
    type Entry = AffinePoint<C>;
    fn identity() -> Self {
        ProjectivePoint::IDENTITY
    }
    fn add(self, other: Self) -> Self {
        self + other
    }
    fn double(self) -> Self {
        Group::double(&self)
    }
    fn add_entry(&mut self, entry: AffinePoint<C>) {
        // Mixed addition: one multiplication fewer than projective + projective.
        *self += entry;
    }
    fn from_entry(entry: AffinePoint<C>) -> Self {
        ProjectivePoint::from(entry)
    }
    fn entries(points: Vec<Self>) -> Vec<AffinePoint<C>> {
        // Affine entries for mixed additions, normalised NORMALISE_BATCH points per inversion;
        // a remainder is normalised point by point.
        let mut entries = Vec::with_capacity(points.len());
        let mut batches = points.chunks_exact(NORMALISE_BATCH);
        for batch in batches.by_ref() {
            if let Ok(batch) = <&[ProjectivePoint<C>; NORMALISE_BATCH]>::try_from(batch) {
                entries.extend_from_slice(&ProjectivePoint::batch_normalize(batch));
            }
        }
        entries.extend(batches.remainder().iter().map(ProjectivePoint::to_affine));
        entries
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ecdsa::signature::Signer as _;
    use ecdsa::SigningKey;
    use p256::elliptic_curve::Field;
    use proptest::prelude::*;

    /// A scalar from `bytes` (repeated to the field's length), below 2^521 for P-521 so the
    /// crate's one-subtraction reduction applies.
    fn scalar_of<C: TabledCurve>(bytes: &[u8]) -> Scalar<C> {
        let mut field =
            FieldBytes::<C>::from_fn(|i| bytes.get(i % bytes.len()).copied().unwrap_or(0));
        if field.len() == 66 {
            field[0] &= 1;
        }
        <Scalar<C> as Reduce<FieldBytes<C>>>::reduce(&field)
    }

    fn scalar<C: TabledCurve>(byte: u8) -> Scalar<C> {
        scalar_of::<C>(&[byte])
    }

    fn edge_scalars<C: TabledCurve>() -> [Scalar<C>; 7] {
        [
            Scalar::<C>::ZERO,
            Scalar::<C>::ONE,
            -Scalar::<C>::ONE,
            scalar::<C>(0x88),
            scalar::<C>(0xff),
            scalar::<C>(0x80),
            scalar::<C>(0x7f),
        ]
    }

    /// Both of a curve's shapes against the crate's own multiplication, at the edges.
    fn edges_match<C: TabledCurve>(generator_entries: usize, key_entries: usize) {
        let g = C::GeneratorTable::build(ProjectivePoint::GENERATOR);
        let q_point = ProjectivePoint::<C>::GENERATOR * scalar::<C>(0x5a);
        let q = C::KeyTable::build(q_point);
        for k in edge_scalars::<C>() {
            assert_eq!(g.mul(&k), ProjectivePoint::GENERATOR * k);
            assert_eq!(q.mul(&k), q_point * k);
        }
        assert_eq!(g.len(), generator_entries);
        assert_eq!(q.len(), key_entries);
    }

    #[test]
    fn edge_scalars_match_plain_multiplication() {
        edges_match::<NistP256>(33 * 128, 38 * 64);
        edges_match::<NistP384>(65 * 32, 65 * 32);
        edges_match::<NistP521>(106 * 16, 66 * 8);
    }

    /// 264 points: four normalisation batches and a remainder normalised point by point.
    #[test]
    fn a_shape_with_a_partial_batch_normalises_every_point() {
        let narrow = Table::<AffinePoint<NistP256>, 4, 2, 256>::new(ProjectivePoint::GENERATOR);
        assert_eq!(narrow.len() % NORMALISE_BATCH, 8);
        for k in edge_scalars::<NistP256>() {
            assert_eq!(narrow.mul(&k), ProjectivePoint::GENERATOR * k);
        }
    }

    /// A digest longer than the field is refused rather than cut (no curve here has one).
    #[test]
    fn longer_digests_are_refused() {
        assert!(reduce_be::<NistP256>(&[1; 33]).is_none());
        assert!(reduce_be::<NistP521>(&[1; 64]).is_some());
    }

    /// Both of a curve's shapes on an arbitrary point against the crate's multiplication.
    fn multiplication_matches<C: TabledCurve>(k: &[u8], q: u64) -> Result<(), TestCaseError> {
        let point = ProjectivePoint::<C>::GENERATOR * Scalar::<C>::from(q);
        let k = scalar_of::<C>(k);
        prop_assert_eq!(C::KeyTable::build(point).mul(&k), point * k);
        prop_assert_eq!(C::GeneratorTable::build(point).mul(&k), point * k);
        Ok(())
    }

    /// The curve crate's signer and verifier against the prepared key, first use (through the
    /// crate) and later ones (tables), then one changed byte.
    fn answers_match<C: TabledCurve>(
        secret: &[u8],
        msg: &[u8],
        flip: (usize, u8),
    ) -> Result<(), TestCaseError>
    where
        SigningKey<C>: ecdsa::signature::Signer<Signature<C>>,
        VerifyingKey<C>: ecdsa::signature::Verifier<Signature<C>>,
    {
        let Ok(sk) = SigningKey::<C>::from_slice(secret) else { return Ok(()) };
        let sig: Signature<C> = sk.sign(msg);
        let mut bytes = sig.to_bytes().to_vec();
        let prepared = PreparedEcKey::<C>::new(*sk.verifying_key());
        prop_assert!(prepared.verify(msg, &bytes));
        prop_assert!(prepared.verify(msg, &bytes));
        prop_assert!(prepared.table.is_built());
        let len = bytes.len();
        if let Some(b) = bytes.get_mut(flip.0 % len) {
            *b ^= flip.1.max(1);
        }
        let expected = Signature::<C>::from_slice(&bytes)
            .is_ok_and(|s| sk.verifying_key().verify(msg, &s).is_ok());
        prop_assert_eq!(prepared.verify(msg, &bytes), expected);
        Ok(())
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(32))]

        #[test]
        fn table_multiplication_matches_the_crates(
            k in proptest::collection::vec(any::<u8>(), 66),
            q in 1u64..,
        ) {
            multiplication_matches::<NistP256>(&k, q)?;
            multiplication_matches::<NistP384>(&k, q)?;
            multiplication_matches::<NistP521>(&k, q)?;
        }

        #[test]
        fn answers_match_p256_verify(
            secret in proptest::collection::vec(any::<u8>(), 32),
            msg in any::<Vec<u8>>(),
            flip in any::<(usize, u8)>(),
        ) {
            answers_match::<NistP256>(&secret, &msg, flip)?;
        }

        #[test]
        fn answers_match_p384_verify(
            secret in proptest::collection::vec(any::<u8>(), 48),
            msg in any::<Vec<u8>>(),
            flip in any::<(usize, u8)>(),
        ) {
            answers_match::<NistP384>(&secret, &msg, flip)?;
        }

        #[test]
        fn answers_match_p521_verify(
            secret in proptest::collection::vec(any::<u8>(), 66),
            msg in any::<Vec<u8>>(),
            flip in any::<(usize, u8)>(),
        ) {
            answers_match::<NistP521>(&secret, &msg, flip)?;
        }
    }
}
