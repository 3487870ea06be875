//! The two signature encodings JWS uses, checked exactly (RFC 8017 §9.1.2 and §9.2).
//!
//! Both functions take the encoded message recovered from the signature (`RSAVP1` output as
//! `k` big-endian bytes, `k` = modulus length) and answer yes or no. Neither parses anything:
//! PKCS#1 v1.5 rebuilds the one valid block and compares it whole; PSS follows the standard's
//! verification steps one by one. Inputs are public, so early returns are fine.

use sha2::digest::{Digest, FixedOutputReset};

use super::{PssSalt, RsaHash};

/// DER `DigestInfo` prefixes from RFC 8017 §9.2, note 1: the `AlgorithmIdentifier` with an
/// explicit NULL parameter, then the OCTET STRING header for the digest that follows.
const DIGEST_INFO_SHA256: &[u8] = &[
    0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01, 0x05,
    0x00, 0x04, 0x20,
];
const DIGEST_INFO_SHA384: &[u8] = &[
    0x30, 0x41, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x02, 0x05,
    0x00, 0x04, 0x30,
];
const DIGEST_INFO_SHA512: &[u8] = &[
    0x30, 0x51, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x03, 0x05,
    0x00, 0x04, 0x40,
];

/// EMSA-PKCS1-v1_5 verification (RFC 8017 §8.2.2 step 3 + §9.2): `em` must equal
/// `00 01 FF…FF 00 || DigestInfo(hash) || digest`, with at least 8 `FF` bytes.
///
/// Comparing the whole block (rather than decoding it) is what rules out the classic
/// forgeries: garbage after the digest, BER length tricks, missing or extra parameters.
pub(crate) fn pkcs1v15_matches(em: &[u8], hash: RsaHash, digest: &[u8]) -> bool {
    let prefix = match hash {
        RsaHash::Sha256 => DIGEST_INFO_SHA256,
        RsaHash::Sha384 => DIGEST_INFO_SHA384,
        RsaHash::Sha512 => DIGEST_INFO_SHA512,
    };
    if digest.len() != hash.output_len() {
        return false;
    }
    let t_len = prefix.len() + digest.len();
    // emLen ≥ tLen + 11: 00 01, at least eight FF, 00.
    let Some(ps_len) = em.len().checked_sub(t_len + 3) else { return false };
    if ps_len < 8 {
        return false;
    }
    let Some((head, rest)) = em.split_at_checked(2) else { return false };
    let Some((ps, rest)) = rest.split_at_checked(ps_len) else { return false };
    let Some((sep, rest)) = rest.split_at_checked(1) else { return false };
    let Some((info, h)) = rest.split_at_checked(prefix.len()) else { return false };
    head == [0x00, 0x01]
        && ps.iter().all(|&b| b == 0xff)
        && sep == [0x00]
        && info == prefix
        && h == digest
}

/// EMSA-PSS-VERIFY (RFC 8017 §9.1.2) with MGF1 over the same hash. With
/// [`PssSalt::HashLength`] the salt must be as long as the hash output, as JWS requires (RFC
/// 7518 §3.5); with [`PssSalt::Any`] its length is recovered from the encoding (step 10 then
/// takes the zero bytes up to the first non-zero one as PS, which must be `0x01`), as Go's
/// `rsa.VerifyPSS` does with nil options (`PSSSaltLengthAuto`). `em_k` is the `k`-byte RSAVP1
/// output and `mod_bits` the modulus bit length.
pub(crate) fn pss_matches(
    em_k: &[u8],
    mod_bits: usize,
    hash: RsaHash,
    digest: &[u8],
    salt: PssSalt,
) -> bool {
    match hash {
        RsaHash::Sha256 => pss_with::<sha2::Sha256>(em_k, mod_bits, digest, salt),
        RsaHash::Sha384 => pss_with::<sha2::Sha384>(em_k, mod_bits, digest, salt),
        RsaHash::Sha512 => pss_with::<sha2::Sha512>(em_k, mod_bits, digest, salt),
    }
}

fn pss_with<H: Digest + FixedOutputReset>(
    em_k: &[u8],
    mod_bits: usize,
    m_hash: &[u8],
    salt_rule: PssSalt,
) -> bool {
    let h_len = <H as Digest>::output_size();
    // The salt length step 3 and step 10 assume; 0 (checked below) when it is recovered.
    let s_len = match salt_rule {
        PssSalt::HashLength => h_len,
        PssSalt::Any => 0,
    };
    if m_hash.len() != h_len {
        return false;
    }
    // §8.1.2 step 2: emBits = modBits − 1, emLen = ⌈emBits/8⌉. When modBits ≡ 1 (mod 8) the
    // encoded message is one byte shorter than the modulus, and I2OSP(m, emLen) fails unless
    // that leading byte of the k-byte value is zero.
    let Some(em_bits) = mod_bits.checked_sub(1) else { return false };
    let em_len = em_bits.div_ceil(8);
    let Some(extra) = em_k.len().checked_sub(em_len) else { return false };
    let Some((lead, em)) = em_k.split_at_checked(extra) else { return false };
    if lead.iter().any(|&b| b != 0) {
        return false;
    }
    // Step 3.
    if em_len < h_len + s_len + 2 {
        return false;
    }
    // Step 4: rightmost octet 0xbc.
    let Some((&last, em)) = em.split_last() else { return false };
    if last != 0xbc {
        return false;
    }
    // Step 5: maskedDB || H.
    let db_len = em_len - h_len - 1;
    let Some((masked_db, h)) = em.split_at_checked(db_len) else { return false };
    // Step 6: the leftmost 8·emLen − emBits bits of maskedDB must be zero.
    // 0..=7 since emLen = ⌈emBits/8⌉; checked anyway so no input can reach a shift panic.
    let unused_bits = 8 * em_len - em_bits;
    let Some(top_mask) = u32::try_from(unused_bits).ok().and_then(|u| 0xffu8.checked_shr(u)) else {
        return false;
    };
    let Some(&first) = masked_db.first() else { return false };
    if first & !top_mask != 0 {
        return false;
    }
    // Steps 7–9: DB = maskedDB ⊕ MGF1(H, dbLen), leftmost bits cleared.
    let mut db = alloc::vec::Vec::from(masked_db);
    mgf1_xor::<H>(&mut db, h);
    if let Some(b) = db.first_mut() {
        *b &= top_mask;
    }
    // Step 10: PS (emLen − hLen − sLen − 2 zero bytes) then 0x01; with a recovered salt
    // length, PS is every zero byte before the first non-zero one.
    let ps_len = match salt_rule {
        PssSalt::HashLength => em_len - h_len - s_len - 2,
        PssSalt::Any => db.iter().position(|&b| b != 0).unwrap_or(db.len()),
    };
    let Some((ps, rest)) = db.split_at_checked(ps_len) else { return false };
    let Some((&one, salt)) = rest.split_first() else { return false };
    if ps.iter().any(|&b| b != 0) || one != 0x01 {
        return false;
    }
    // Steps 11–14: H' = Hash(00×8 || mHash || salt) must equal H.
    let mut hasher = H::new();
    Digest::update(&mut hasher, [0u8; 8]);
    Digest::update(&mut hasher, m_hash);
    Digest::update(&mut hasher, salt);
    *hasher.finalize() == *h
}

/// `out ^= MGF1(seed, out.len())` (RFC 8017 B.2.1): `Hash(seed || counter)` blocks, counter a
/// 32-bit big-endian integer from 0.
fn mgf1_xor<H: Digest + FixedOutputReset>(out: &mut [u8], seed: &[u8]) {
    let mut hasher = H::new();
    let mut counter: u32 = 0;
    for chunk in out.chunks_mut(<H as Digest>::output_size()) {
        Digest::update(&mut hasher, seed);
        Digest::update(&mut hasher, counter.to_be_bytes());
        let block = hasher.finalize_reset();
        for (o, m) in chunk.iter_mut().zip(block.iter()) {
            *o ^= m;
        }
        counter = counter.wrapping_add(1);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // A well-formed PKCS#1 v1.5 block for a 256-byte modulus and an all-0x11 SHA-256 digest.
    fn block(digest: &[u8]) -> alloc::vec::Vec<u8> {
        let mut em = alloc::vec![0x00, 0x01];
        em.resize(256 - DIGEST_INFO_SHA256.len() - digest.len() - 1, 0xff);
        em.push(0);
        em.extend_from_slice(DIGEST_INFO_SHA256);
        em.extend_from_slice(digest);
        em
    }

    #[test]
    fn pkcs1_accepts_exact_block_and_rejects_each_change() {
        let d = [0x11u8; 32];
        let em = block(&d);
        assert_eq!(em.len(), 256);
        assert!(pkcs1v15_matches(&em, RsaHash::Sha256, &d));
        for i in 0..em.len() {
            let mut bad = em.clone();
            bad[i] ^= 0x01;
            assert!(!pkcs1v15_matches(&bad, RsaHash::Sha256, &d), "byte {i}");
        }
        assert!(!pkcs1v15_matches(&em, RsaHash::Sha384, &d));
        assert!(!pkcs1v15_matches(&em[1..], RsaHash::Sha256, &d));
        assert!(!pkcs1v15_matches(&em, RsaHash::Sha256, &d[1..]));
    }

    #[test]
    fn pkcs1_needs_eight_ff_bytes() {
        let d = [0x22u8; 32];
        // Block with exactly 8 FF: 2 + 8 + 1 + 19 + 32 = 62 bytes.
        let mut em = alloc::vec![0x00, 0x01, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x00];
        em.extend_from_slice(DIGEST_INFO_SHA256);
        em.extend_from_slice(&d);
        assert!(pkcs1v15_matches(&em, RsaHash::Sha256, &d));
        let mut short = alloc::vec![0x00, 0x01, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x00];
        short.extend_from_slice(DIGEST_INFO_SHA256);
        short.extend_from_slice(&d);
        assert!(!pkcs1v15_matches(&short, RsaHash::Sha256, &d));
        assert!(!pkcs1v15_matches(&[], RsaHash::Sha256, &d));
    }

    #[test]
    fn pss_rejects_short_and_empty_inputs() {
        let d = [0u8; 32];
        for salt in [PssSalt::HashLength, PssSalt::Any] {
            assert!(!pss_matches(&[], 0, RsaHash::Sha256, &d, salt));
            assert!(!pss_matches(&[0xbc], 8, RsaHash::Sha256, &d, salt));
            assert!(!pss_matches(&[0u8; 65], 520, RsaHash::Sha256, &d, salt));
            assert!(!pss_matches(&[0u8; 256], 2048, RsaHash::Sha256, &d[1..], salt));
        }
    }
}
