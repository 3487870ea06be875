//! EdDSA (Ed25519) verification with precomputed multiples of the public key and of the base
//! point, for keys that verify more than one token.
//!
//! # Why this exists
//! `verify_strict` computes `R' = [s]B − [k]A` with a double-base scalar multiplication: about
//! 250 doublings shared by both scalars, plus a table of `A`'s multiples rebuilt per call.
//! `A` is fixed for as long as the key set lives, so both points get fixed-base tables
//! ([`super::precompute`]): measured in V8 (Node 20, wasm32, opt-level 3), a verification takes
//! 80–96 µs against 132–173 µs through `verify_strict`. A key's table is 33 × 8 `EdwardsPoint`s
//! (42 KB), built in about 0.3 ms: no normalisation, so no inversion. The base point's, shared
//! by every key and built once per process (about 2 ms in Node), is wider: 6-bit digits with a
//! row per digit (44 × 32 points, 225 KB), 44 additions instead of 64: in the npm module the
//! signature check went from 88 to 76 µs (signature probe, CPU time, side by side). A 5-bit key
//! table saved another 5 µs for 69 KB per key instead of 42, so keys keep the narrow one. The
//! crate's own fixed-base tables (`EdwardsBasepointTable`, feature `precomputed-tables`) were
//! measured too: 87–99 µs, 2.4 ms to build (each point is normalised on its own), and the
//! feature adds the crate's static base-point tables to every module (+12 KB gzip here, +28 KB
//! for the minting module).
//!
//! Only the schedule is ours. Decompression, the small-order checks, the scalar check and the
//! point arithmetic are `curve25519-dalek`'s, and the equation and every check are those of
//! `ed25519_dalek::VerifyingKey::verify_strict` (RFC 8032 §5.1.7 with a canonical `s`, neither
//! `R` nor the key of small order, the cofactorless equation, `R'` compared by its encoding).
//! Tests compare answers with `verify_strict`, including a small-order `R` that satisfies the
//! equation.

use alloc::boxed::Box;
use alloc::vec::Vec;
use curve25519_dalek::constants::ED25519_BASEPOINT_POINT;
use curve25519_dalek::edwards::{CompressedEdwardsY, EdwardsPoint};
use curve25519_dalek::traits::Identity;
use curve25519_dalek::Scalar;
use ed25519_dalek::{Signature, VerifyingKey};
use once_cell::race::OnceBox;
use sha2::{Digest, Sha512};

use super::precompute::{FixedBasePoint, Precomputed, Table};

/// A key's table: 4-bit signed digits, a row for every second one (33 × 8 `EdwardsPoint`s,
/// 42 KB): 64 additions and 4 doublings per multiplication. Entries are 160 bytes, so wider
/// windows cost more memory per addition saved than for P-256 (see the module docs).
type EdwardsTable = Table<EdwardsPoint, 4, 2, 256>;
/// The base point's table: 6-bit signed digits, a row per digit (44 × 32 points, 225 KB, once
/// per process): 44 additions per multiplication.
type BasepointTable = Table<EdwardsPoint, 6, 1, 256>;

/// An Ed25519 public key prepared for EdDSA, with its table built on its second use.
#[derive(Clone)]
pub struct PreparedEd25519Key {
    key: VerifyingKey,
    /// Multiples of `−A`: the equation subtracts `[k]A`.
    table: Precomputed<EdwardsTable>,
}

impl PreparedEd25519Key {
    /// Wraps a decoded Ed25519 key (small-order keys are refused by the key loader).
    pub fn new(key: VerifyingKey) -> Self {
        PreparedEd25519Key { key, table: Precomputed::new() }
    }

    /// The key itself.
    pub fn verifying_key(&self) -> &VerifyingKey {
        &self.key
    }

    /// Whether `sig` (64 bytes) is an Ed25519 signature by this key over `msg`, with
    /// `verify_strict`'s rules.
    pub fn verify(&self, msg: &[u8], sig: &[u8]) -> bool {
        let Ok(sig) = Signature::from_slice(sig) else { return false };
        match self.table.get_or_count(|| EdwardsTable::new(-self.key.to_edwards())) {
            Some(minus_a) => verify_strict_with_tables(&self.key, minus_a, msg, &sig),
            None => self.key.verify_strict(msg, &sig).is_ok(),
        }
    }
}

impl FixedBasePoint for EdwardsPoint {
    type Entry = EdwardsPoint;
    fn identity() -> Self {
        <EdwardsPoint as Identity>::identity()
    }
    fn add(self, other: Self) -> Self {
        self + other
    }
    fn double(self) -> Self {
        // The crate's dedicated doubling is private; the complete addition is correct for P + P.
        self + self
    }
    fn add_entry(&mut self, entry: EdwardsPoint) {
        *self += entry;
    }
    fn from_entry(entry: EdwardsPoint) -> Self {
        entry
    }
    fn entries(points: Vec<Self>) -> Vec<EdwardsPoint> {
        // Extended coordinates as they are: no normalisation, so no inversion.
        points
    }
}

/// The base point's table, shared by every key.
static BASEPOINT_TABLE: OnceBox<BasepointTable> = OnceBox::new();

/// `verify_strict` with both multiplications from tables: `s` canonical, `R` a valid encoding of
/// a point not of small order, the key not of small order, `k = SHA-512(R ‖ A ‖ M) mod ℓ`, and
/// `[s]B + [k](−A)` encoding exactly to `R`.
fn verify_strict_with_tables(
    key: &VerifyingKey,
    minus_a: &EdwardsTable,
    msg: &[u8],
    sig: &Signature,
) -> bool {
    let Some(s) = Option::<Scalar>::from(Scalar::from_canonical_bytes(*sig.s_bytes())) else {
        return false;
    };
    let r_bytes = sig.r_bytes();
    let Some(r) = CompressedEdwardsY(*r_bytes).decompress() else { return false };
    if r.is_small_order() || key.is_weak() {
        return false;
    }
    let digest = Sha512::new().chain_update(r_bytes).chain_update(key.as_bytes()).chain_update(msg);
    let k = Scalar::from_bytes_mod_order_wide(&digest.finalize().into());
    let b = BASEPOINT_TABLE.get_or_init(|| Box::new(BasepointTable::new(ED25519_BASEPOINT_POINT)));
    let expected = b.mul_vartime::<EdwardsPoint>(s.as_bytes())
        + minus_a.mul_vartime::<EdwardsPoint>(k.as_bytes());
    expected.compress().as_bytes() == r_bytes
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::jose::precompute::PLAIN_USES;
    use ed25519_dalek::{Signer as _, SigningKey, Verifier as _};
    use proptest::prelude::*;

    /// A key whose table is built (it has answered `PLAIN_USES` verifications without).
    fn warmed(sk: &SigningKey) -> PreparedEd25519Key {
        let prepared = PreparedEd25519Key::new(sk.verifying_key());
        let sig = sk.sign(b"warm-up");
        for _ in 0..=PLAIN_USES {
            assert!(prepared.verify(b"warm-up", &sig.to_bytes()));
        }
        assert!(prepared.table.is_built());
        prepared
    }

    #[test]
    fn edge_scalars_match_plain_multiplication() {
        let table = EdwardsTable::new(ED25519_BASEPOINT_POINT);
        assert_eq!(table.len(), 33 * 8);
        let wide = BasepointTable::new(ED25519_BASEPOINT_POINT);
        assert_eq!(wide.len(), 44 * 32);
        let l_minus_1 = -Scalar::ONE;
        for k in [[0u8; 32], [1; 32], [0x88; 32], [0xff; 32], [0x7f; 32], *l_minus_1.as_bytes()] {
            // Unreduced values too: B has order ℓ, so [k]B = [k mod ℓ]B.
            let expected = ED25519_BASEPOINT_POINT * Scalar::from_bytes_mod_order(k);
            assert_eq!(table.mul_vartime::<EdwardsPoint>(&k), expected);
            assert_eq!(wide.mul_vartime::<EdwardsPoint>(&k), expected);
        }
    }

    /// A signature with `R` = the identity (small order) that satisfies the cofactorless
    /// equation: `s = k·a`, so `[s]B − [k]A` is the identity. `verify` accepts it;
    /// `verify_strict`, and so the table path, must refuse it.
    #[test]
    fn small_order_r_is_refused_on_both_paths() {
        let seed = [3; 32];
        let sk = SigningKey::from_bytes(&seed);
        let mut a = [0u8; 32];
        a.copy_from_slice(&Sha512::digest(seed)[..32]);
        a[0] &= 248;
        a[31] &= 127;
        a[31] |= 64;
        let a = Scalar::from_bytes_mod_order(a);
        assert_eq!(
            (ED25519_BASEPOINT_POINT * a).compress().as_bytes(),
            sk.verifying_key().as_bytes()
        );
        let mut r = [0u8; 32];
        r[0] = 1; // (0, 1), the identity
        let digest = Sha512::new()
            .chain_update(r)
            .chain_update(sk.verifying_key().as_bytes())
            .chain_update(b"m");
        let k = Scalar::from_bytes_mod_order_wide(&digest.finalize().into());
        let mut sig = [0u8; 64];
        sig[..32].copy_from_slice(&r);
        sig[32..].copy_from_slice((k * a).as_bytes());
        let parsed = Signature::from_bytes(&sig);
        assert!(sk.verifying_key().verify(b"m", &parsed).is_ok(), "the equation holds");
        assert!(sk.verifying_key().verify_strict(b"m", &parsed).is_err());
        assert!(!warmed(&sk).verify(b"m", &sig));
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(16))]

        #[test]
        fn answers_match_verify_strict(
            secret in any::<[u8; 32]>(), msg in any::<Vec<u8>>(), flip in any::<(usize, u8)>(),
        ) {
            let sk = SigningKey::from_bytes(&secret);
            let prepared = warmed(&sk);
            let mut sig = sk.sign(&msg).to_bytes();
            prop_assert!(prepared.verify(&msg, &sig));
            if let Some(b) = sig.get_mut(flip.0 % 64) {
                *b ^= flip.1.max(1);
            }
            let expected = sk.verifying_key().verify_strict(&msg, &Signature::from_bytes(&sig)).is_ok();
            prop_assert_eq!(prepared.verify(&msg, &sig), expected);
        }
    }
}
