//! The seam for a host's raw RSA public operation (RSAVP1, RFC 8017 §5.2.2).
//!
//! A front end whose runtime already has a fast RSA implementation (Node's OpenSSL through
//! `crypto.publicDecrypt` with `RSA_NO_PADDING`) can lend the core just the arithmetic
//! `s^e mod n`. Everything that decides acceptance stays here, in the same code as the pure
//! path, so a signature is accepted by the host path exactly when the browser and Envoy
//! (which keep the pure path) accept it:
//!
//! 1. before the host is asked: the key's checks when it was prepared (size, weak keys, odd
//!    modulus, exponent), the algorithm/key match (key selection), the digest length, the
//!    signature length `= k` and `s < n` (RFC 8017 §8.2.2 step 1, §5.2.2 step 1): the host is
//!    never given a value the core refuses, so no refusal depends on the host's error;
//! 2. the host computes `EM = s^e mod n`;
//! 3. after: the answer must be exactly `k` bytes, then the whole EMSA-PKCS1-v1_5 block is
//!    rebuilt and compared, or EMSA-PSS is decoded step by step (`emsa`), as on the pure path.
//!
//! # A failing host is a refusal
//! A host that throws, or answers anything but `k` bytes, makes that key not verify the
//! signature (the token is refused with the same code a bad signature gets). It is never a
//! trap, and never a fallback to the pure path: a host answer is the only answer the core
//! reads for a key the host prepared, so acceptance never depends on which path happened to
//! work. A host that answers `k` wrong bytes is caught by the encoding checks like any
//! forgery.

use alloc::vec::Vec;

/// A host's RSAVP1 for the RSA keys of one key set, named by their slot: the key's position in
/// [`crate::jose::KeySet::keys`] (the host prepares its own form of each key once, from the
/// modulus and exponent the core parsed).
pub trait RsaPublicOp {
    /// `signature^e mod n` for the key in `slot`, as big-endian bytes (the core requires
    /// exactly the modulus length `k`), or `None` when the host could not compute it. Only
    /// called with `k`-byte signatures whose value is below `n`.
    fn public_op(&self, slot: usize, signature: &[u8]) -> Option<Vec<u8>>;
}

/// The host operation for one prepared key: the host and the key's slot in it.
#[derive(Clone, Copy)]
pub struct HostKey<'h> {
    /// The host.
    pub op: &'h dyn RsaPublicOp,
    /// The key's slot (see [`RsaPublicOp`]).
    pub slot: usize,
}

impl core::fmt::Debug for HostKey<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "HostKey {{ slot: {} }}", self.slot)
    }
}

#[cfg(test)]
mod tests {
    use core::cell::Cell;

    use super::super::{PreparedRsaKey, RsaHash, RsaScheme};
    use super::*;
    use crate::limits::Limits;

    /// A host that answers with a fixed encoded message (or fails), and counts its calls.
    struct Canned {
        answer: Option<Vec<u8>>,
        calls: Cell<usize>,
    }

    impl RsaPublicOp for Canned {
        fn public_op(&self, slot: usize, _signature: &[u8]) -> Option<Vec<u8>> {
            assert_eq!(slot, 3);
            self.calls.set(self.calls.get() + 1);
            self.answer.clone()
        }
    }

    /// `00 01 FF…FF 00 || DigestInfo(SHA-256) || digest` for a 256-byte modulus (RFC 8017 §9.2).
    fn pkcs1_block(digest: &[u8; 32]) -> Vec<u8> {
        const INFO: [u8; 19] = [
            0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02,
            0x01, 0x05, 0x00, 0x04, 0x20,
        ];
        let mut em = alloc::vec![0x00, 0x01];
        em.resize(256 - INFO.len() - digest.len() - 1, 0xff);
        em.push(0);
        em.extend_from_slice(&INFO);
        em.extend_from_slice(digest);
        em
    }

    /// A 2048-bit modulus with room above it: `f0 ff … ff`.
    fn modulus() -> [u8; 256] {
        let mut n = [0xff; 256];
        n[0] = 0xf0;
        n
    }

    fn key() -> PreparedRsaKey {
        PreparedRsaKey::new(&modulus(), &[1, 0, 1], &Limits::default()).unwrap()
    }

    fn check(host: &Canned, digest: &[u8], sig: &[u8]) -> bool {
        let h = HostKey { op: host, slot: 3 };
        key().verify_digest(Some(h), RsaScheme::Pkcs1v15, RsaHash::Sha256, digest, sig)
    }

    /// The host computes only `s^e mod n`: whatever it answers, the core reads the encoding
    /// itself, so a host answer is accepted only when it is the exact block for the digest.
    #[test]
    fn the_core_checks_the_hosts_answer() {
        let d = [0x5a; 32];
        let sig = [0x11; 256];
        let good = pkcs1_block(&d);
        let host = |answer: Option<Vec<u8>>| Canned { answer, calls: Cell::new(0) };
        assert!(check(&host(Some(good.clone())), &d, &sig));
        // A failing host (a throw in JavaScript) and answers of the wrong length are refusals.
        for answer in
            [None, Some(Vec::new()), Some(good[1..].to_vec()), Some([&[0][..], &good].concat())]
        {
            let h = host(answer);
            assert!(!check(&h, &d, &sig));
            assert_eq!(h.calls.get(), 1);
        }
        // Any changed byte of the block, or another digest, is refused as on the pure path.
        for i in [0, 1, 2, 100, 203, 204, 222, 255] {
            let mut bad = good.clone();
            bad[i] ^= 0x04;
            assert!(!check(&host(Some(bad)), &d, &sig), "byte {i}");
        }
        assert!(!check(&host(Some(good.clone())), &[0x5b; 32], &sig));
        // The PSS schemes decode the same answer as PSS, which it is not.
        let h = HostKey { op: &host(Some(good)), slot: 3 };
        assert!(!key().verify_digest(Some(h), RsaScheme::Pss, RsaHash::Sha256, &d, &sig));
    }

    /// Signatures the core refuses by itself (length ≠ k, `s ≥ n`, a digest of the wrong
    /// length) never reach the host, and are refused exactly as on the pure path.
    #[test]
    fn refusals_before_the_host_match_the_pure_path() {
        let d = [0x5a; 32];
        let h = Canned { answer: Some(pkcs1_block(&d)), calls: Cell::new(0) };
        let n = modulus();
        let mut above = n;
        above[0] = 0xf1;
        for (digest, sig) in [
            (&d[..], &[0x11u8; 255][..]),
            (&d[..], &[0x11; 257][..]),
            (&d[..], &[][..]),
            (&d[..], &n[..]),
            (&d[..], &above[..]),
            (&d[..], &[0xff; 256][..]),
            (&d[..31], &[0x11; 256][..]),
        ] {
            assert!(!check(&h, digest, sig));
            assert!(!key().verify_pkcs1v15(RsaHash::Sha256, digest, sig));
        }
        for sig in [&n[..], &above[..], &[0x11; 255][..]] {
            assert!(key().public_op_using(Some(HostKey { op: &h, slot: 3 }), sig).is_none());
            assert!(key().public_op(sig).is_none());
        }
        assert_eq!(h.calls.get(), 0, "the host was asked about a signature the core refuses");
        // Just below n reaches it.
        let mut below = n;
        below[255] = 0xfe;
        assert!(key().public_op_using(Some(HostKey { op: &h, slot: 3 }), &below).is_some());
        assert_eq!(h.calls.get(), 1);
        assert_eq!(alloc::format!("{:?}", HostKey { op: &h, slot: 3 }), "HostKey { slot: 3 }");
    }
}
