//! Every Wycheproof RSA vector (`tests/vectors/wycheproof/rsa_signature_*` for RSASSA-PKCS1-v1_5
//! and `rsa_pss_*` for RSASSA-PSS, each under both salt rules) through jwtgate's own RSA path,
//! [`jwtgate::__internal::PreparedRsaKey`]: the one primitive the project implements itself, so
//! these vectors are what proves it.
//!
//! Each vector also goes through the host path ([`jwtgate::RsaPublicOp`], what the npm Node
//! entry lends from OpenSSL), here with an independent big-integer `s^e mod n` (num-bigint-dig,
//! through `rsa`) as the host: the verdict must be the same as the pure path's for every
//! vector, and the host must never be asked about a signature the core refuses by itself (wrong
//! length, `s ≥ n`). `pkg/test/rsa-host.test.mjs` runs the same vectors with Node's own
//! primitive.
//!
//! `valid` must verify and `invalid` must not. `acceptable` vectors get jwtgate's policy below
//! (the same as `manifest.json`'s): a flag without a policy fails the run, so a new kind of
//! acceptable vector forces a decision. Every group's key must also load under the default
//! [`Limits`] (2048..=8192 bits), and the counts per file must equal the file's
//! `numberOfTests`, so no vector is silently skipped.

// Test code: a malformed vector file should stop the run loudly.
#![allow(clippy::unwrap_used)]

use core::cell::Cell;
use std::path::Path;

use jwtgate::__internal::{HostKey, PreparedRsaKey, RsaHash, RsaScheme};
use jwtgate::Limits;
use jwtgate::{PssSalt, RsaPublicOp};
use rsa::BigUint;
use serde_json::Value;

/// A host RSAVP1 by other arithmetic (num-bigint-dig), which checks the core's promise: only
/// `k`-byte signatures below `n` are ever handed over.
struct BigIntHost {
    n: BigUint,
    e: BigUint,
    k: usize,
    calls: Cell<usize>,
}

impl RsaPublicOp for BigIntHost {
    fn public_op(&self, slot: usize, signature: &[u8]) -> Option<Vec<u8>> {
        assert_eq!(slot, 7, "the slot given with the key");
        assert_eq!(signature.len(), self.k, "host asked about a signature of the wrong length");
        let s = BigUint::from_bytes_be(signature);
        assert!(s < self.n, "host asked about a signature >= n");
        self.calls.set(self.calls.get() + 1);
        let em = s.modpow(&self.e, &self.n).to_bytes_be();
        let mut out = vec![0u8; self.k - em.len()];
        out.extend_from_slice(&em);
        Some(out)
    }
}

/// `acceptable` flags and whether jwtgate accepts them. MissingNull: a DigestInfo without the
/// NULL parameter; RFC 8017 §9.2 note 2 tolerates it but Go's `crypto/rsa` (what Vault runs)
/// rejects it, and no JWS signer produces it.
const ACCEPTABLE: &[(&str, bool)] = &[("MissingNull", false)];

fn hex(s: &str) -> Vec<u8> {
    assert!(s.len() % 2 == 0, "odd hex length");
    (0..s.len()).step_by(2).map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap()).collect()
}

fn hash_named(name: &str) -> RsaHash {
    match name {
        "SHA-256" => RsaHash::Sha256,
        "SHA-384" => RsaHash::Sha384,
        "SHA-512" => RsaHash::Sha512,
        other => panic!("hash {other} is not used by any JWS algorithm"),
    }
}

#[derive(Default, Debug)]
struct Counts {
    valid: usize,
    invalid: usize,
    acceptable: usize,
    /// Vectors refused before the exponentiation (wrong length or `s ≥ n`): never shown to a
    /// host.
    host_refused_before: usize,
}

fn run_file(path: &Path, pss: bool) -> Counts {
    let doc: Value = serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap();
    let name = path.file_name().unwrap().to_string_lossy().into_owned();
    let mut counts = Counts::default();
    let mut failures = Vec::new();
    for group in doc["testGroups"].as_array().unwrap() {
        let hash = hash_named(group["sha"].as_str().unwrap());
        // JWS PS* = MGF1 over the same hash; the salt is as long as the hash in the standard
        // profile (RFC 7518 §3.5), any length in the Vault profile (Go's PSSSaltLengthAuto).
        let group_salt = group["sLen"].as_u64().map(|s| s as usize);
        if pss {
            assert_eq!(group["mgf"], "MGF1", "{name}");
            assert_eq!(group["mgfSha"], group["sha"], "{name}");
        }
        let key = PreparedRsaKey::new(
            &hex(group["publicKey"]["modulus"].as_str().unwrap()),
            &hex(group["publicKey"]["publicExponent"].as_str().unwrap()),
            &Limits::default(),
        )
        .unwrap_or_else(|e| panic!("{name}: key refused: {e}"));
        assert_eq!(key.modulus_bits() as u64, group["keySize"].as_u64().unwrap(), "{name}");
        let modulus = hex(group["publicKey"]["modulus"].as_str().unwrap());
        let n = BigUint::from_bytes_be(&modulus);
        let e =
            BigUint::from_bytes_be(&hex(group["publicKey"]["publicExponent"].as_str().unwrap()));
        let host = BigIntHost { n: n.clone(), e, k: key.modulus_len(), calls: Cell::new(0) };
        let via_host = |scheme: RsaScheme, digest: &[u8], sig: &[u8]| {
            let h = HostKey { op: &host, slot: 7 };
            key.verify_digest(Some(h), scheme, hash, digest, sig)
        };
        for test in group["tests"].as_array().unwrap() {
            let id = test["tcId"].as_u64().unwrap();
            let msg = hex(test["msg"].as_str().unwrap());
            let sig = hex(test["sig"].as_str().unwrap());
            let digest = hash.digest(&msg);
            let got = if pss {
                key.verify_pss(hash, &digest, &sig)
            } else {
                key.verify_pkcs1v15(hash, &digest, &sig)
            };
            // The host path: the same verdict, and the host asked exactly when the core's own
            // checks let the signature through to the exponentiation.
            let before = host.calls.get();
            let scheme = if pss { RsaScheme::Pss } else { RsaScheme::Pkcs1v15 };
            if via_host(scheme, &digest, &sig) != got {
                failures.push(format!("{name} tcId {id}: host path disagrees ({got} pure)"));
            }
            let reaches = sig.len() == key.modulus_len() && BigUint::from_bytes_be(&sig) < n;
            if host.calls.get() - before != usize::from(reaches) {
                failures.push(format!(
                    "{name} tcId {id}: host asked {} times",
                    host.calls.get() - before
                ));
            }
            counts.host_refused_before += usize::from(!reaches);
            // A vector signed with another salt length than its group's ("s_len changed to N",
            // see manifest.json `pssSaltChanged`) is a valid signature with salt length N.
            let changed_salt = test["comment"]
                .as_str()
                .and_then(|c| c.strip_prefix("s_len changed to "))
                .and_then(|n| n.parse::<usize>().ok());
            let flags: Vec<&str> =
                test["flags"].as_array().unwrap().iter().map(|f| f.as_str().unwrap()).collect();
            let want = match test["result"].as_str().unwrap() {
                "valid" => {
                    counts.valid += 1;
                    true
                }
                "invalid" => {
                    counts.invalid += 1;
                    false
                }
                "acceptable" => {
                    counts.acceptable += 1;
                    let policies: Vec<bool> = ACCEPTABLE
                        .iter()
                        .filter(|(flag, _)| flags.contains(flag))
                        .map(|&(_, accept)| accept)
                        .collect();
                    assert_eq!(policies.len(), 1, "{name} tcId {id}: no policy for {flags:?}");
                    policies[0]
                }
                other => panic!("{name} tcId {id}: unknown result {other}"),
            };
            let (want, want_any) = match (pss, changed_salt) {
                (true, Some(n)) => (n == hash.output_len(), true),
                (true, None) => (want && group_salt == Some(hash.output_len()), want),
                (false, _) => (want, want),
            };
            if pss {
                let got_any = key.verify_pss_with(hash, &digest, &sig, PssSalt::Any);
                if via_host(RsaScheme::PssAnySalt, &digest, &sig) != got_any {
                    failures.push(format!("{name} tcId {id}: host path disagrees (any salt)"));
                }
                if got_any != want_any {
                    failures.push(format!(
                        "{name} tcId {id} (any salt length): expected {}, got {}",
                        if want_any { "accept" } else { "reject" },
                        if got_any { "accept" } else { "reject" },
                    ));
                }
            }
            if got != want {
                failures.push(format!(
                    "{name} tcId {id} ({}): expected {}, got {} — {flags:?}",
                    test["comment"].as_str().unwrap_or(""),
                    if want { "accept" } else { "reject" },
                    if got { "accept" } else { "reject" },
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{} failures:\n{}", failures.len(), failures.join("\n"));
    let total = counts.valid + counts.invalid + counts.acceptable;
    assert_eq!(total as u64, doc["numberOfTests"].as_u64().unwrap(), "{name}: vectors skipped");
    counts
}

fn run_prefix(prefix: &str, pss: bool) -> usize {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/vectors/wycheproof");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| {
            let n = p.file_name().unwrap().to_string_lossy();
            n.starts_with(prefix) && n.ends_with("_test.json")
        })
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no {prefix}* files in {}", dir.display());
    let mut total = 0;
    let mut refused_before = 0;
    for file in &files {
        let c = run_file(file, pss);
        eprintln!("{}: {c:?}", file.file_name().unwrap().to_string_lossy());
        total += c.valid + c.invalid + c.acceptable;
        refused_before += c.host_refused_before;
    }
    // The vectors include signatures of the wrong length and `s ≥ n`, so the host path's
    // "refused before the host" branch is exercised, not assumed.
    assert!(refused_before > 0, "no {prefix}* vector is refused before the exponentiation");
    total
}

#[test]
fn wycheproof_rsa_pkcs1v15() {
    // 5 files: 2048/SHA-256, 2048/SHA-384, 2048/SHA-512, 3072/SHA-256, 4096/SHA-512.
    assert_eq!(run_prefix("rsa_signature_", false), 1294);
}

#[test]
fn wycheproof_rsa_pss() {
    // 5 files: 2048/SHA-256/32, 2048/SHA-384/48, 4096/SHA-512/64 (salt = hash length), and
    // 2048/SHA-256/0, 4096/SHA-512/32 (other salt lengths: Vault profile only). Each vector is
    // checked with salt = hash length and with any salt length.
    assert_eq!(run_prefix("rsa_pss_", true), 708);
}
