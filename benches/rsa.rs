//! RSA signature verification: jwtgate's prepared-key path against `rsa` 0.9's `VerifyingKey`,
//! on the same keys and signatures (the first valid Wycheproof vector of each file). `rsa` is
//! built as this crate configures it (`default-features = false`, so 32-bit digits natively
//! too; its default `u64_digit` is roughly 1.5× faster natively and much slower in wasm).
//!
//! `cargo bench --bench rsa` — divan prints fastest / slowest / median / mean per case; the
//! median is the number to quote. Every case hashes the message and verifies (what a JWS verify
//! does); `prepare` is the one-off per-key cost.

// Bench/test code: a malformed vector file should stop the run loudly.
#![allow(clippy::unwrap_used)]

use std::sync::LazyLock;

use divan::{black_box, Bencher};
use jwtgate::__internal::{PreparedRsaKey, RsaHash, RsaScheme};
use jwtgate::Limits;
use rsa::sha2::{Sha256, Sha512};
use rsa::signature::Verifier as _;
use rsa::{BigUint, RsaPublicKey};
use serde_json::Value;

fn main() {
    divan::main();
}

/// One key, message and valid signature from a Wycheproof file.
struct Case {
    n: Vec<u8>,
    e: Vec<u8>,
    msg: Vec<u8>,
    sig: Vec<u8>,
}

fn hex(s: &str) -> Vec<u8> {
    (0..s.len()).step_by(2).map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap()).collect()
}

fn load(file: &str) -> Case {
    let path = format!("{}/tests/vectors/wycheproof/{file}", env!("CARGO_MANIFEST_DIR"));
    let doc: Value = serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap();
    let group = &doc["testGroups"][0];
    let test = group["tests"].as_array().unwrap().iter().find(|t| t["result"] == "valid").unwrap();
    Case {
        n: hex(group["publicKey"]["modulus"].as_str().unwrap()),
        e: hex(group["publicKey"]["publicExponent"].as_str().unwrap()),
        msg: hex(test["msg"].as_str().unwrap()),
        sig: hex(test["sig"].as_str().unwrap()),
    }
}

static RS: LazyLock<[(usize, Case); 3]> = LazyLock::new(|| {
    [
        (2048, load("rsa_signature_2048_sha256_test.json")),
        (3072, load("rsa_signature_3072_sha256_test.json")),
        (4096, load("rsa_signature_4096_sha512_test.json")),
    ]
});
static PS: LazyLock<[(usize, Case); 2]> = LazyLock::new(|| {
    [
        (2048, load("rsa_pss_2048_sha256_mgf1_32_test.json")),
        (4096, load("rsa_pss_4096_sha512_mgf1_64_test.json")),
    ]
});

fn case(cases: &'static [(usize, Case)], bits: usize) -> &'static Case {
    &cases.iter().find(|(b, _)| *b == bits).unwrap().1
}

/// 2048 and 3072 use SHA-256, 4096 SHA-512 (what the Wycheproof files pair them with).
fn hash_for(bits: usize) -> RsaHash {
    if bits == 4096 {
        RsaHash::Sha512
    } else {
        RsaHash::Sha256
    }
}

fn jwtgate_key(c: &Case) -> PreparedRsaKey {
    PreparedRsaKey::new(&c.n, &c.e, &Limits::default()).unwrap()
}

fn rsa_key(c: &Case) -> RsaPublicKey {
    RsaPublicKey::new(BigUint::from_bytes_be(&c.n), BigUint::from_bytes_be(&c.e)).unwrap()
}

#[divan::bench(args = [2048, 3072, 4096])]
fn rs_jwtgate(bencher: Bencher, bits: usize) {
    let c = case(&*RS, bits);
    let key = jwtgate_key(c);
    let hash = hash_for(bits);
    assert!(key.verify(RsaScheme::Pkcs1v15, hash, &c.msg, &c.sig));
    bencher.bench(|| key.verify(RsaScheme::Pkcs1v15, hash, black_box(&c.msg), black_box(&c.sig)));
}

#[divan::bench(args = [2048, 3072, 4096])]
fn rs_rsa_crate(bencher: Bencher, bits: usize) {
    let c = case(&*RS, bits);
    let key = rsa_key(c);
    let sig = rsa::pkcs1v15::Signature::try_from(c.sig.as_slice()).unwrap();
    if bits == 4096 {
        let vk = rsa::pkcs1v15::VerifyingKey::<Sha512>::new(key);
        assert!(vk.verify(&c.msg, &sig).is_ok());
        bencher.bench(|| vk.verify(black_box(&c.msg), black_box(&sig)).is_ok());
    } else {
        let vk = rsa::pkcs1v15::VerifyingKey::<Sha256>::new(key);
        assert!(vk.verify(&c.msg, &sig).is_ok());
        bencher.bench(|| vk.verify(black_box(&c.msg), black_box(&sig)).is_ok());
    }
}

#[divan::bench(args = [2048, 4096])]
fn ps_jwtgate(bencher: Bencher, bits: usize) {
    let c = case(&*PS, bits);
    let key = jwtgate_key(c);
    let hash = hash_for(bits);
    assert!(key.verify(RsaScheme::Pss, hash, &c.msg, &c.sig));
    bencher.bench(|| key.verify(RsaScheme::Pss, hash, black_box(&c.msg), black_box(&c.sig)));
}

#[divan::bench(args = [2048, 4096])]
fn ps_rsa_crate(bencher: Bencher, bits: usize) {
    let c = case(&*PS, bits);
    let key = rsa_key(c);
    let sig = rsa::pss::Signature::try_from(c.sig.as_slice()).unwrap();
    if bits == 4096 {
        let vk = rsa::pss::VerifyingKey::<Sha512>::new(key);
        assert!(vk.verify(&c.msg, &sig).is_ok());
        bencher.bench(|| vk.verify(black_box(&c.msg), black_box(&sig)).is_ok());
    } else {
        let vk = rsa::pss::VerifyingKey::<Sha256>::new(key);
        assert!(vk.verify(&c.msg, &sig).is_ok());
        bencher.bench(|| vk.verify(black_box(&c.msg), black_box(&sig)).is_ok());
    }
}

/// One-off cost per key: size/exponent checks plus `-n⁻¹ mod 2³²` and `R² mod n`.
#[divan::bench(args = [2048, 3072, 4096])]
fn prepare_jwtgate(bencher: Bencher, bits: usize) {
    let c = case(&*RS, bits);
    bencher.bench(|| jwtgate_key(black_box(c)));
}

/// What `rsa` 0.9 does per key (it keeps only n and e).
#[divan::bench(args = [2048, 3072, 4096])]
fn prepare_rsa_crate(bencher: Bencher, bits: usize) {
    let c = case(&*RS, bits);
    bencher.bench(|| rsa_key(black_box(c)));
}
