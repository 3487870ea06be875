//! ES256 (ECDSA over P-256 with SHA-256) verification with precomputed multiples of the public
//! key and of the generator, for keys that verify more than one token.
//!
//! # Why this exists
//! ECDSA verification computes `R = u₁·G + u₂·Q` and compares `R.x mod n` with `r`. The `p256`
//! crate does it with a joint wNAF over both points: 256 doublings plus about 100 additions,
//! with tables rebuilt on every call. Both points are fixed (`G` for ever, `Q` for as long as
//! the key set lives), so both get fixed-base tables ([`super::precompute`], stored in affine
//! form for mixed additions): measured in V8 (Node 20, wasm32, opt-level 3) a verification
//! takes 260 µs against 680 µs through `p256::ecdsa::VerifyingKey::verify`. A table costs about
//! 1.3 ms to build (all 264 points share one inversion) and 19 KB to keep; in Node a key's
//! later verifications take 0.31–0.36 ms against 0.72–0.82 ms, so it has paid for itself after
//! about three more tokens.
//!
//! Only the schedule is ours. Points, their addition and doubling (complete formulas), field
//! and scalar arithmetic, inversion and the signature's range checks are `p256`'s; the
//! verification equation is the one `ecdsa::hazmat::verify_prehashed` implements (SEC 1 §4.1.4),
//! and tests compare every answer with `p256`'s own verify.

use alloc::boxed::Box;
use once_cell::race::OnceBox;
use p256::ecdsa::signature::Verifier as _;
use p256::ecdsa::{Signature, VerifyingKey};
use p256::elliptic_curve::ops::Reduce;
use p256::elliptic_curve::point::AffineCoordinates;
use p256::elliptic_curve::{BatchNormalize, Group, PrimeField};
use p256::{AffinePoint, FieldBytes, ProjectivePoint, Scalar};
use sha2::{Digest, Sha256};

use super::precompute::{self, FixedBasePoint, Precomputed, Rows, MULTIPLES, ROWS};

/// A P-256 public key prepared for ES256, with its table built on its second use.
#[derive(Clone)]
pub struct PreparedP256Key {
    key: VerifyingKey,
    table: Precomputed<FixedBaseTable>,
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
        let table = self
            .table
            .get_or_count(|| FixedBaseTable::new(ProjectivePoint::from(*self.key.as_affine())));
        match table {
            Some(table) => verify_with_tables(table, &Sha256::digest(msg), &sig),
            None => self.key.verify(msg, &sig).is_ok(),
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
}

/// A point's rows in affine form (so each addition is a mixed one).
#[derive(Clone)]
struct FixedBaseTable(Rows<AffinePoint>);

impl FixedBaseTable {
    /// Builds the rows of `p` (not the identity). All 264 points share one field inversion;
    /// the arrays involved take about 100 KB of stack while it runs.
    fn new(p: ProjectivePoint) -> FixedBaseTable {
        let rows = precompute::multiples(p);
        let flat: [ProjectivePoint; ROWS * MULTIPLES] = core::array::from_fn(|i| {
            rows.get(i / MULTIPLES).and_then(|r| r.get(i % MULTIPLES)).copied().unwrap_or(p)
        });
        let affine = <ProjectivePoint as BatchNormalize<_>>::batch_normalize(&flat);
        let mut table = [[AffinePoint::IDENTITY; MULTIPLES]; ROWS];
        for (row, chunk) in table.iter_mut().zip(affine.chunks_exact(MULTIPLES)) {
            row.copy_from_slice(chunk);
        }
        FixedBaseTable(table)
    }

    /// `k·P`.
    fn mul_vartime(&self, k: &Scalar) -> ProjectivePoint {
        let mut le: [u8; 32] = k.to_repr().into();
        le.reverse();
        precompute::mul_vartime::<ProjectivePoint>(&self.0, &le)
    }
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
