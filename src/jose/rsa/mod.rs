//! RSA signature verification for public data: RS256/384/512 (RSASSA-PKCS1-v1_5) and
//! PS256/384/512 (RSASSA-PSS), with a key prepared once and reused for every token.
//!
//! # Why this exists
//! `rsa` 0.9 recomputes `R² mod n` on every call and walks the exponent in fixed 4-bit windows
//! with 64-bit digits that wasm has to emulate: about 1.1 ms per RS256 verify inside V8, 8×
//! slower than panva `jose`. Verification only ever raises a signature to a small public
//! exponent, so this module does exactly that and nothing else:
//!
//! * [`PreparedRsaKey::new`] checks the key against [`Limits`] and computes the Montgomery
//!   constants (`-n⁻¹ mod 2³²`, `R² mod n`) once; keep the prepared key with the key set.
//! * `s^e mod n` is square-and-multiply over `e`'s actual bits (for `e = 65537`: 16 squarings,
//!   1 multiplication, 2 conversions), with 32-bit limbs and 64-bit intermediates — one
//!   instruction per limb product both natively and in wasm32 — and a dedicated squaring.
//! * The encodings are checked exactly: EMSA-PKCS1-v1_5 by rebuilding the whole block, PSS
//!   step by step (RFC 8017 §9.1.2) with MGF1 over the same hash and a salt as long as the
//!   hash (RFC 7518 §3.5).
//!
//! # A host's primitive instead of the arithmetic
//! A front end may lend the core its runtime's RSA public operation ([`RsaPublicOp`]: the npm
//! package's Node entry lends OpenSSL's). It replaces `s^e mod n` and nothing else: the checks
//! before it (signature length, `s < n`) and the encoding checks after it run here on both
//! paths, and a host answer that is not exactly `k` bytes is a refusal (see `public_op`).
//!
//! # Variable time: public data only
//! The arithmetic is **not constant time**: loop counts follow the exponent's bits, the final
//! Montgomery subtraction and the comparisons branch on values. Everything it touches here is
//! public (the key, the token's signature, the recovered encoded message, the digest of a
//! token anyone can read), so timing reveals nothing secret. Never reuse this code with a
//! private key.
//!
//! # What is rejected
//! Keys: modulus outside [`Limits::min_rsa_bits`]..=[`Limits::max_rsa_bits`], even modulus,
//! exponent even, `< 3`, `≥ n`, or above `2³³ − 1` (the `rsa` crate's bound, so a slow huge
//! exponent cannot be used to burn CPU). Signatures (answer `false`, never an error or panic):
//! a length other than the modulus length in bytes, a value `≥ n` (RFC 8017 §8.2.2 step 1 and
//! §5.2.2), a digest of the wrong length, any deviation in the encoding.

mod emsa;
mod montgomery;
mod public_op;

use alloc::vec::Vec;
use core::fmt;

use sha2::Digest;

use crate::code::Code;
use crate::limits::Limits;
use montgomery::{be_from_limbs, less_than, limbs_from_be, Modulus};
pub use public_op::{HostKey, RsaPublicOp};

/// Largest public exponent accepted: `2³³ − 1`, the bound `rsa` 0.9 enforces.
pub const MAX_PUBLIC_EXPONENT: u64 = (1 << 33) - 1;

/// The hash of an RSA JWS algorithm (RS/PS 256, 384, 512).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum RsaHash {
    /// SHA-256 (RS256, PS256).
    Sha256,
    /// SHA-384 (RS384, PS384).
    Sha384,
    /// SHA-512 (RS512, PS512).
    Sha512,
}

impl RsaHash {
    /// Digest length in bytes.
    pub const fn output_len(self) -> usize {
        match self {
            RsaHash::Sha256 => 32,
            RsaHash::Sha384 => 48,
            RsaHash::Sha512 => 64,
        }
    }

    /// Hashes `message` (a JWS signing input).
    pub fn digest(self, message: &[u8]) -> Vec<u8> {
        match self {
            RsaHash::Sha256 => sha2::Sha256::digest(message).to_vec(),
            RsaHash::Sha384 => sha2::Sha384::digest(message).to_vec(),
            RsaHash::Sha512 => sha2::Sha512::digest(message).to_vec(),
        }
    }
}

/// The RSA signature scheme of a JWS algorithm.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum RsaScheme {
    /// RSASSA-PKCS1-v1_5 (`RS*`).
    Pkcs1v15,
    /// RSASSA-PSS with MGF1 over the same hash and salt length = hash length (`PS*`, RFC 7518
    /// §3.5).
    Pss,
    /// RSASSA-PSS with MGF1 over the same hash and any salt length that verifies, recovered
    /// from the encoding: what Vault accepts (go-jose calls Go's `rsa.VerifyPSS` with nil
    /// options, i.e. `PSSSaltLengthAuto`).
    PssAnySalt,
}

/// The salt lengths RSASSA-PSS verification accepts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PssSalt {
    /// Exactly the hash output length (RFC 7518 §3.5).
    HashLength,
    /// Any length, recovered from the encoded message (Go's `PSSSaltLengthAuto`).
    Any,
}

/// An RSA public key is unusable for verification.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum RsaKeyError {
    /// The modulus size is outside the configured limits (`ERR_KEY_WEAK`).
    ModulusSize {
        /// Bit length of the modulus given.
        bits: usize,
        /// [`Limits::min_rsa_bits`].
        min: usize,
        /// [`Limits::max_rsa_bits`].
        max: usize,
    },
    /// The modulus is even (no RSA modulus is), or 1 (`ERR_JWK_INVALID`).
    ModulusInvalid,
    /// The public exponent is even, `< 3`, `≥ n` or above [`MAX_PUBLIC_EXPONENT`]
    /// (`ERR_JWK_INVALID`).
    Exponent {
        /// Why it was refused.
        reason: &'static str,
    },
}

impl RsaKeyError {
    /// The stable machine code.
    pub fn code(&self) -> Code {
        match self {
            RsaKeyError::ModulusSize { .. } => Code::KeyWeak,
            RsaKeyError::ModulusInvalid | RsaKeyError::Exponent { .. } => Code::JwkInvalid,
        }
    }
}

impl fmt::Display for RsaKeyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RsaKeyError::ModulusSize { bits, min, max } => {
                write!(f, "rsa modulus of {bits} bits is outside the accepted {min}..={max} bits")
            }
            RsaKeyError::ModulusInvalid => f.write_str("rsa modulus is even or 1"),
            RsaKeyError::Exponent { reason } => write!(f, "rsa public exponent {reason}"),
        }
    }
}

impl core::error::Error for RsaKeyError {}

/// An RSA public key with its Montgomery constants, ready to verify many signatures.
///
/// Building one costs about as much as one verification; do it once per key set.
#[derive(Clone, PartialEq, Eq)]
pub struct PreparedRsaKey {
    modulus: Modulus,
    e: u64,
    /// Bit length of `n`.
    bits: usize,
    /// `k`: length of `n` in bytes, which every signature must have.
    len: usize,
}

impl fmt::Debug for PreparedRsaKey {
    // The key is public, but a 2048-bit modulus in a log line helps nobody.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PreparedRsaKey {{ bits: {}, e: {} }}", self.bits, self.e)
    }
}

impl PreparedRsaKey {
    /// Prepares the key with modulus `n` and exponent `e`, both unsigned big-endian (as in a
    /// JWK's `n`/`e` after base64url, or a DER `INTEGER`; leading zero bytes are ignored).
    pub fn new(n: &[u8], e: &[u8], limits: &Limits) -> Result<PreparedRsaKey, RsaKeyError> {
        let n = strip_leading_zeros(n);
        let bits = match n.first() {
            Some(&top) => n.len().saturating_mul(8) - top.leading_zeros() as usize,
            None => 0,
        };
        if bits < limits.min_rsa_bits || bits > limits.max_rsa_bits {
            return Err(RsaKeyError::ModulusSize {
                bits,
                min: limits.min_rsa_bits,
                max: limits.max_rsa_bits,
            });
        }
        // RSA moduli are odd (a product of odd primes) and > 1; Montgomery needs it too.
        if n.last().is_none_or(|&b| b & 1 == 0) || n == [1] {
            return Err(RsaKeyError::ModulusInvalid);
        }
        let e = strip_leading_zeros(e);
        if e.len() > 8 {
            return Err(RsaKeyError::Exponent { reason: "is larger than 2^33-1" });
        }
        let e = e.iter().fold(0u64, |acc, &b| (acc << 8) | u64::from(b));
        if e > MAX_PUBLIC_EXPONENT {
            return Err(RsaKeyError::Exponent { reason: "is larger than 2^33-1" });
        }
        if e < 3 {
            return Err(RsaKeyError::Exponent { reason: "is smaller than 3" });
        }
        if e & 1 == 0 {
            return Err(RsaKeyError::Exponent { reason: "is even" });
        }
        let limbs = n.len().div_ceil(4);
        let n_limbs = limbs_from_be(n, limbs).ok_or(RsaKeyError::ModulusInvalid)?;
        let e_limbs = limbs_from_be(&e.to_be_bytes(), limbs)
            .ok_or(RsaKeyError::Exponent { reason: "is not smaller than the modulus" })?;
        if !less_than(&e_limbs, &n_limbs) {
            return Err(RsaKeyError::Exponent { reason: "is not smaller than the modulus" });
        }
        let modulus = Modulus::new(n_limbs).ok_or(RsaKeyError::ModulusInvalid)?;
        Ok(PreparedRsaKey { modulus, e, bits, len: n.len() })
    }

    /// Bit length of the modulus.
    pub fn modulus_bits(&self) -> usize {
        self.bits
    }

    /// Length of the modulus in bytes (`k`): the only signature length accepted.
    pub fn modulus_len(&self) -> usize {
        self.len
    }

    /// The public exponent.
    pub fn exponent(&self) -> u64 {
        self.e
    }

    /// The modulus as big-endian bytes without leading zeros (for thumbprints and PEM export).
    pub fn modulus_be_bytes(&self) -> Vec<u8> {
        be_from_limbs(self.modulus.n(), self.len).unwrap_or_default()
    }

    /// RSAVP1 (RFC 8017 §5.2.2): `signature^e mod n` as `k` big-endian bytes, or `None` if
    /// the signature is not exactly `k` bytes or its value is `≥ n`.
    pub fn public_op(&self, signature: &[u8]) -> Option<Vec<u8>> {
        self.public_op_using(None, signature)
    }

    /// [`PreparedRsaKey::public_op`], computed by `host` when one is given: the length and
    /// `s < n` checks are made here first either way, and the host's answer must be exactly
    /// `k` bytes (see [`RsaPublicOp`]).
    pub fn public_op_using(&self, host: Option<HostKey<'_>>, signature: &[u8]) -> Option<Vec<u8>> {
        if signature.len() != self.len {
            return None;
        }
        let s = limbs_from_be(signature, self.modulus.limbs())?;
        if !less_than(&s, self.modulus.n()) {
            return None;
        }
        match host {
            Some(h) => h.op.public_op(h.slot, signature).filter(|em| em.len() == self.len),
            None => be_from_limbs(&self.modulus.pow_public(&s, self.e), self.len),
        }
    }

    /// RSASSA-PKCS1-v1_5 verification (RFC 8017 §8.2.2) of `signature` over a message whose
    /// `hash` digest is `digest`.
    pub fn verify_pkcs1v15(&self, hash: RsaHash, digest: &[u8], signature: &[u8]) -> bool {
        self.verify_digest(None, RsaScheme::Pkcs1v15, hash, digest, signature)
    }

    /// RSASSA-PSS verification (RFC 8017 §8.1.2) with MGF1(`hash`) and salt length = hash
    /// length, of `signature` over a message whose `hash` digest is `digest`.
    pub fn verify_pss(&self, hash: RsaHash, digest: &[u8], signature: &[u8]) -> bool {
        self.verify_pss_with(hash, digest, signature, PssSalt::HashLength)
    }

    /// [`PreparedRsaKey::verify_pss`] with the salt lengths `salt` allows.
    pub fn verify_pss_with(
        &self,
        hash: RsaHash,
        digest: &[u8],
        signature: &[u8],
        salt: PssSalt,
    ) -> bool {
        let scheme = match salt {
            PssSalt::HashLength => RsaScheme::Pss,
            PssSalt::Any => RsaScheme::PssAnySalt,
        };
        self.verify_digest(None, scheme, hash, digest, signature)
    }

    /// Verifies `signature` under `scheme` over a message whose `hash` digest is `digest`,
    /// with RSAVP1 computed by `host` when one is given ([`RsaPublicOp`]): every check but
    /// the exponentiation itself is the same on both paths.
    pub fn verify_digest(
        &self,
        host: Option<HostKey<'_>>,
        scheme: RsaScheme,
        hash: RsaHash,
        digest: &[u8],
        signature: &[u8],
    ) -> bool {
        // Cheap length check first: a wrong-size digest never needs the exponentiation.
        if digest.len() != hash.output_len() {
            return false;
        }
        let Some(em) = self.public_op_using(host, signature) else { return false };
        match scheme {
            RsaScheme::Pkcs1v15 => emsa::pkcs1v15_matches(&em, hash, digest),
            RsaScheme::Pss => emsa::pss_matches(&em, self.bits, hash, digest, PssSalt::HashLength),
            RsaScheme::PssAnySalt => emsa::pss_matches(&em, self.bits, hash, digest, PssSalt::Any),
        }
    }

    /// Verifies a JWS signature: hashes `signing_input` with `hash` and checks `signature`
    /// under `scheme`.
    pub fn verify(
        &self,
        scheme: RsaScheme,
        hash: RsaHash,
        signing_input: &[u8],
        signature: &[u8],
    ) -> bool {
        self.verify_using(None, scheme, hash, signing_input, signature)
    }

    /// [`PreparedRsaKey::verify`] with RSAVP1 computed by `host` when one is given.
    pub fn verify_using(
        &self,
        host: Option<HostKey<'_>>,
        scheme: RsaScheme,
        hash: RsaHash,
        signing_input: &[u8],
        signature: &[u8],
    ) -> bool {
        self.verify_digest(host, scheme, hash, &hash.digest(signing_input), signature)
    }
}

fn strip_leading_zeros(bytes: &[u8]) -> &[u8] {
    let first = bytes.iter().position(|&b| b != 0).unwrap_or(bytes.len());
    bytes.get(first..).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn any_size() -> Limits {
        Limits { min_rsa_bits: 0, max_rsa_bits: 1 << 20, ..Limits::default() }
    }

    #[test]
    fn key_errors_are_typed() {
        let l = Limits::default();
        let mut n2048 = alloc::vec![0xffu8; 256];
        let e = [1, 0, 1];
        assert!(PreparedRsaKey::new(&n2048, &e, &l).is_ok());
        // Leading zeros do not count towards the size.
        let mut padded = alloc::vec![0u8; 3];
        padded.extend_from_slice(&n2048);
        assert_eq!(PreparedRsaKey::new(&padded, &e, &l).unwrap().modulus_len(), 256);
        let err = PreparedRsaKey::new(&n2048[1..], &e, &l).unwrap_err();
        assert_eq!(err, RsaKeyError::ModulusSize { bits: 2040, min: 2048, max: 8192 });
        assert_eq!(err.code(), Code::KeyWeak);
        assert_eq!(PreparedRsaKey::new(&[], &e, &l).unwrap_err().code(), Code::KeyWeak);
        assert!(PreparedRsaKey::new(&alloc::vec![0xff; 1025], &e, &l).is_err());
        n2048[255] = 0xfe;
        assert_eq!(PreparedRsaKey::new(&n2048, &e, &l).unwrap_err(), RsaKeyError::ModulusInvalid);
        n2048[255] = 0xff;
        for bad_e in [&[][..], &[0], &[1], &[2], &[1, 0, 0], &[2, 0, 0, 0, 1], &[1; 9]] {
            let err = PreparedRsaKey::new(&n2048, bad_e, &l).unwrap_err();
            assert_eq!(err.code(), Code::JwkInvalid, "{bad_e:?}");
        }
        assert!(PreparedRsaKey::new(&n2048, &[3], &l).is_ok());
        assert!(PreparedRsaKey::new(&n2048, &[1, 0xff, 0xff, 0xff, 0xff], &l).is_ok());
        // Zero, one and e ≥ n with tiny moduli when the limits allow them.
        let any = any_size();
        assert_eq!(PreparedRsaKey::new(&[0], &e, &any).unwrap_err(), RsaKeyError::ModulusInvalid);
        assert_eq!(PreparedRsaKey::new(&[1], &[3], &any).unwrap_err().code(), Code::JwkInvalid);
        assert_eq!(PreparedRsaKey::new(&[3], &[3], &any).unwrap_err().code(), Code::JwkInvalid);
        assert!(PreparedRsaKey::new(&[5], &[3], &any).is_ok());
    }

    #[test]
    fn signatures_of_wrong_length_or_too_large_are_false() {
        let n = alloc::vec![0xffu8; 256];
        let key = PreparedRsaKey::new(&n, &[1, 0, 1], &Limits::default()).unwrap();
        let d = [0u8; 32];
        for sig in [&[][..], &[0u8; 255][..], &[0u8; 257][..], &n[..], &[0xff; 256][..]] {
            assert!(!key.verify_pkcs1v15(RsaHash::Sha256, &d, sig));
            assert!(!key.verify_pss(RsaHash::Sha256, &d, sig));
        }
        assert!(key.public_op(&n).is_none());
        let mut below = n.clone();
        below[255] = 0xfe;
        assert!(key.public_op(&below).is_some());
        // Zero maps to zero, which no encoding accepts.
        assert_eq!(key.public_op(&[0; 256]).unwrap(), alloc::vec![0; 256]);
        assert!(!key.verify_pkcs1v15(RsaHash::Sha256, &d, &[0; 256]));
        assert!(!key.verify_pkcs1v15(RsaHash::Sha256, &d[1..], &below));
    }

    #[test]
    fn exposes_the_key() {
        let mut n = alloc::vec![0u8, 0xc1];
        n.extend_from_slice(&[0x23; 255]);
        let key = PreparedRsaKey::new(&n, &[0, 1, 0, 1], &Limits::default()).unwrap();
        assert_eq!(key.modulus_bits(), 2048);
        assert_eq!(key.exponent(), 65537);
        assert_eq!(key.modulus_be_bytes(), &n[1..]);
        assert_eq!(alloc::format!("{key:?}"), "PreparedRsaKey { bits: 2048, e: 65537 }");
    }

    /// Signatures by an independent signer (`rsa` 0.9) on moduli whose bit length is not a
    /// multiple of 8 — the Wycheproof files only have 2048/3072/4096 — including 2049 bits,
    /// where the PSS encoded message is one byte shorter than the modulus (RFC 8017 §8.1.2).
    #[test]
    fn independent_signer_odd_modulus_sizes() {
        use rsa::rand_core::{CryptoRng, RngCore};
        use rsa::signature::{RandomizedSigner as _, SignatureEncoding as _, Signer as _};
        use rsa::traits::PublicKeyParts as _;

        /// Deterministic test randomness (xorshift64*): reproducible keys, not secure ones.
        struct TestRng(u64);
        impl RngCore for TestRng {
            fn next_u32(&mut self) -> u32 {
                (self.next_u64() >> 32) as u32
            }
            fn next_u64(&mut self) -> u64 {
                self.0 ^= self.0 >> 12;
                self.0 ^= self.0 << 25;
                self.0 ^= self.0 >> 27;
                self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
            }
            fn fill_bytes(&mut self, dest: &mut [u8]) {
                for b in dest {
                    *b = self.next_u32() as u8;
                }
            }
            fn try_fill_bytes(&mut self, dest: &mut [u8]) -> Result<(), rsa::rand_core::Error> {
                self.fill_bytes(dest);
                Ok(())
            }
        }
        impl CryptoRng for TestRng {}

        let mut rng = TestRng(0x9e37_79b9_7f4a_7c15);
        let msg = b"eyJhbGciOiJQUzI1NiJ9.eyJzdWIiOiJ3ZWIifQ";
        for bits in [2049, 2052, 2055, 2056] {
            let sk = rsa::RsaPrivateKey::new(&mut rng, bits).unwrap();
            assert_eq!(sk.n().bits(), bits);
            let key = PreparedRsaKey::new(
                &sk.n().to_bytes_be(),
                &sk.e().to_bytes_be(),
                &Limits::default(),
            )
            .unwrap();
            assert_eq!(key.modulus_bits(), bits);
            let pss = rsa::pss::SigningKey::<rsa::sha2::Sha256>::new(sk.clone())
                .sign_with_rng(&mut rng, msg)
                .to_vec();
            let pkcs = rsa::pkcs1v15::SigningKey::<rsa::sha2::Sha256>::new(sk).sign(msg).to_vec();
            assert_eq!((pss.len(), pkcs.len()), (key.modulus_len(), key.modulus_len()));
            assert!(key.verify(RsaScheme::Pss, RsaHash::Sha256, msg, &pss), "{bits} pss");
            assert!(key.verify(RsaScheme::Pkcs1v15, RsaHash::Sha256, msg, &pkcs), "{bits}");
            // And not across schemes, hashes or messages.
            assert!(!key.verify(RsaScheme::Pkcs1v15, RsaHash::Sha256, msg, &pss));
            assert!(!key.verify(RsaScheme::Pss, RsaHash::Sha256, msg, &pkcs));
            assert!(!key.verify(RsaScheme::Pss, RsaHash::Sha384, msg, &pss));
            assert!(!key.verify(RsaScheme::Pss, RsaHash::Sha256, &msg[1..], &pss));
        }
    }

    mod props {
        use super::*;
        use proptest::prelude::*;
        use rsa::BigUint;

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(64))]

            /// Arbitrary bytes for n, e, digest and signature: a typed error or `false`, never
            /// a panic.
            #[test]
            fn never_panics(
                n in proptest::collection::vec(any::<u8>(), 0..80),
                e in proptest::collection::vec(any::<u8>(), 0..12),
                digest in proptest::collection::vec(any::<u8>(), 0..70),
                sig in proptest::collection::vec(any::<u8>(), 0..80),
            ) {
                if let Ok(key) = PreparedRsaKey::new(&n, &e, &any_size()) {
                    for hash in [RsaHash::Sha256, RsaHash::Sha384, RsaHash::Sha512] {
                        let _ = key.verify_pkcs1v15(hash, &digest, &sig);
                        let _ = key.verify_pss(hash, &digest, &sig);
                    }
                    let _ = key.public_op(&sig);
                }
            }

            /// RSAVP1 agrees with num-bigint-dig (what `rsa` 0.9 computes) on random odd
            /// moduli of real sizes, for the exponents keys use.
            #[test]
            fn public_op_matches_num_bigint(
                words in prop_oneof![Just(64usize), Just(96), Just(128), 60usize..70],
                seed in proptest::collection::vec(any::<u8>(), 512),
                sig_seed in proptest::collection::vec(any::<u8>(), 512),
                e in prop_oneof![Just(3u64), Just(17), Just(65537), 3u64..(1 << 33)],
            ) {
                let k = 4 * words;
                let mut n = seed[..k].to_vec();
                n[0] |= 0x80;
                n[k - 1] |= 1;
                let e = e | 1;
                let key = PreparedRsaKey::new(&n, &e.to_be_bytes(), &any_size()).unwrap();
                let nn = BigUint::from_bytes_be(&n);
                let sig = BigUint::from_bytes_be(&sig_seed[..k]) % &nn;
                let mut sig_bytes = alloc::vec![0u8; k];
                let raw = sig.to_bytes_be();
                sig_bytes[k - raw.len()..].copy_from_slice(&raw);
                let want = sig.modpow(&BigUint::from(e), &nn).to_bytes_be();
                let got = key.public_op(&sig_bytes).unwrap();
                prop_assert_eq!(&got[k - want.len()..], &want[..]);
                prop_assert!(got[..k - want.len()].iter().all(|&b| b == 0));
            }
        }
    }
}
