//! Runs every Wycheproof signature vector in `tests/vectors/wycheproof/` through the same code
//! path a JWS takes: the group's public key is loaded as a JWK into a `KeySet` (and, as a
//! cross-check of the PEM parser, from its SPKI PEM with the same thumbprint), then
//! `verify_signature` checks the raw signature for the file's JWS algorithm — on a key already
//! used many times (ES*, EdDSA: its precomputed tables) and on a key's first use (the curve
//! crates themselves).
//!
//! Expected results come from the vector (`valid` → accept, `invalid` → reject), from the
//! manifest's `acceptable` policy (by flag) for `acceptable` vectors, and from its
//! `exceptions` list (by file and tcId) where jwtgate deliberately differs. Unexpected
//! failures and unexpected passes both fail the test, and so does an exception or policy
//! entry that no longer matches anything.
#![allow(clippy::unwrap_used, clippy::std_instead_of_alloc, clippy::std_instead_of_core)]

use std::collections::BTreeSet;
use std::path::Path;

use jwtgate::__internal::PLAIN_USES;
use jwtgate::Limits;
use jwtgate::PssSalt;
use jwtgate::{verify_signature, verify_signature_with, Algorithm, KeySet};
use serde_json::Value;

fn hex(s: &str) -> Vec<u8> {
    assert!(s.len() % 2 == 0, "odd hex length");
    (0..s.len()).step_by(2).map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap()).collect()
}

/// Some ECDSA groups carry no JWK (Wycheproof omits it for edge-case keys): build it from
/// the uncompressed point so the key still goes through the JWK parser.
fn ec_jwk(public_key: &Value) -> Value {
    use base64::Engine as _;
    let crv = match public_key["curve"].as_str().unwrap() {
        "secp256r1" => "P-256",
        "secp384r1" => "P-384",
        "secp521r1" => "P-521",
        other => panic!("unexpected curve {other}"),
    };
    let point = hex(public_key["uncompressed"].as_str().unwrap());
    assert_eq!(point[0], 4);
    let (x, y) = point[1..].split_at((point.len() - 1) / 2);
    let b64 = |b: &[u8]| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(b);
    serde_json::json!({ "kty": "EC", "crv": crv, "x": b64(x), "y": b64(y) })
}

/// An RSA JWK from the group's big-endian hex modulus and exponent (leading zero bytes
/// dropped, as RFC 7518 §6.3.1 requires).
fn rsa_jwk(public_key: &Value) -> Value {
    use base64::Engine as _;
    let b64 = |field: &str| {
        let bytes = hex(public_key[field].as_str().unwrap());
        let first = bytes.iter().position(|&b| b != 0).unwrap_or(bytes.len());
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(&bytes[first..])
    };
    serde_json::json!({ "kty": "RSA", "n": b64("modulus"), "e": b64("publicExponent") })
}

fn load(path: &Path) -> Value {
    serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
}

#[test]
fn wycheproof_vectors() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/vectors/wycheproof");
    let manifest = load(&dir.join("manifest.json"));
    let limits = Limits::default();

    // (file, tcId) → expected accept, with the reason, for deliberate divergences.
    let exceptions: Vec<(String, u64, bool, String)> = manifest["exceptions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            let accept = match e["jwtgate"].as_str().unwrap() {
                "valid" => true,
                "invalid" => false,
                other => panic!("exception result must be valid|invalid, got {other}"),
            };
            assert!(!e["reason"].as_str().unwrap().is_empty(), "exception without a reason");
            let profile = e.get("profile").and_then(Value::as_str).unwrap_or("both").to_string();
            assert!(["both", "standard", "vault"].contains(&profile.as_str()), "{profile}");
            (e["file"].as_str().unwrap().to_string(), e["tcId"].as_u64().unwrap(), accept, profile)
        })
        .collect();
    // flag → accept, for vectors Wycheproof marks "acceptable".
    let acceptable: Vec<(String, bool)> = manifest["acceptable"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (p["flag"].as_str().unwrap().to_string(), p["jwtgate"].as_str().unwrap() == "valid")
        })
        .collect();

    // The comment prefix of PSS vectors signed with another salt length than their group's.
    let pss_changed_prefix = manifest["pssSaltChanged"]["commentPrefix"].as_str();
    assert!(!manifest["pssSaltChanged"]["reason"].as_str().unwrap_or("").is_empty());
    let mut used_changed_salt = false;
    let mut used_exceptions = BTreeSet::new();
    let mut used_flags = BTreeSet::new();
    let mut failures = Vec::new();
    let mut counts = (0usize, 0usize, 0usize); // (vectors, accepted, rejected)
    let mut listed = BTreeSet::new();

    for entry in manifest["files"].as_array().unwrap() {
        let file = entry["file"].as_str().unwrap();
        listed.insert(file.to_string());
        let alg = Algorithm::from_name(entry["alg"].as_str().unwrap()).unwrap();
        let doc = load(&dir.join(file));
        let mut in_file = 0u64;
        // PS* files state their salt length; the standard profile accepts only salt = hash
        // length (RFC 7518 §3.5), the Vault profile any that verifies (go-jose: Go's
        // rsa.VerifyPSS with nil options), so PS* vectors run under both.
        let pss_salt = entry.get("pssSaltLength").and_then(Value::as_u64);
        let pss = matches!(alg, Algorithm::PS256 | Algorithm::PS384 | Algorithm::PS512);
        assert_eq!(pss, pss_salt.is_some(), "{file}: pssSaltLength is for PS* files only");
        let hash_len = match alg {
            Algorithm::PS256 => 32,
            Algorithm::PS384 => 48,
            _ => 64,
        };
        let standard_salt = pss_salt == Some(hash_len);
        for group in doc["testGroups"].as_array().unwrap() {
            if let Some(salt) = pss_salt {
                assert_eq!(group["sLen"].as_u64(), Some(salt), "{file}: group salt length");
                assert_eq!(group["mgfSha"], group["sha"], "{file}: MGF1 over another hash");
            }
            let jwk = match group.get("publicKeyJwk").or_else(|| group.get("keyJwk")) {
                Some(jwk) => jwk.clone(),
                // PSS files with a salt length JWS does not define carry no JWK either.
                None if group["publicKey"].get("modulus").is_some() => rsa_jwk(&group["publicKey"]),
                None => ec_jwk(&group["publicKey"]),
            };
            let set = KeySet::from_jwks(jwk.to_string().as_bytes(), &limits).unwrap();
            let pem =
                KeySet::from_pem(&[group["publicKeyPem"].as_str().unwrap()], &limits).unwrap();
            match (set.keys.first(), pem.keys.first()) {
                (Some(a), Some(b)) => {
                    assert_eq!(a.thumbprint, b.thumbprint, "{file}: JWK and PEM differ")
                }
                (None, None) => {}
                _ => panic!(
                    "{file}: JWK and PEM disagree on key usability: {:?} {:?}",
                    set.skipped, pem.skipped
                ),
            }
            // EC and Ed25519 keys verify their first signatures through the curve crates and
            // then build precomputed tables (src/jose/ecdsa.rs, eddsa.rs). Use the group's set
            // that many times up front (a well-formed but wrong signature counts; one of the
            // wrong length would not) so every vector below runs on the tables, and check each
            // vector again on a fresh set (first use: the crates themselves): both paths must
            // give the same answer.
            let jwk_text = jwk.to_string();
            let well_formed = match alg {
                Algorithm::ES384 => vec![1; 96],
                Algorithm::ES512 => vec![1; 132],
                _ => vec![1; 64],
            };
            for _ in 0..=PLAIN_USES {
                let _ = verify_signature(alg, None, b"warm-up", &well_formed, &set);
            }
            for t in group["tests"].as_array().unwrap() {
                in_file += 1;
                let id = t["tcId"].as_u64().unwrap();
                let msg = hex(t["msg"].as_str().unwrap());
                let sig = hex(t["sig"].as_str().unwrap());
                let flags: Vec<&str> =
                    t["flags"].as_array().unwrap().iter().map(|f| f.as_str().unwrap()).collect();
                let exception_for = |profile: &str| {
                    exceptions
                        .iter()
                        .find(|(f, i, _, p)| f == file && *i == id && (p == "both" || p == profile))
                };
                let exception = exception_for("standard");
                let vector_result = if let Some((_, _, accept, _)) = exception {
                    used_exceptions.insert((file.to_string(), id));
                    *accept
                } else {
                    match t["result"].as_str().unwrap() {
                        "valid" => true,
                        "invalid" => false,
                        "acceptable" => {
                            let policy =
                                acceptable.iter().find(|(flag, _)| flags.contains(&flag.as_str()));
                            let (flag, accept) = policy.unwrap_or_else(|| {
                                panic!("{file} tcId {id}: acceptable with flags {flags:?} but no policy")
                            });
                            used_flags.insert(flag.clone());
                            *accept
                        }
                        other => panic!("unknown result {other}"),
                    }
                };
                // A PS* vector Wycheproof marks invalid because it was signed with another salt
                // length (manifest `pssSaltChanged`) is a valid signature with that salt.
                let changed_salt = pss_changed_prefix.and_then(|prefix| {
                    t["comment"].as_str()?.strip_prefix(prefix)?.parse::<u64>().ok()
                });
                if changed_salt.is_some() {
                    used_changed_salt = true;
                }
                // Standard profile: only salt = hash length (RFC 7518 §3.5).
                let expected = match changed_salt {
                    Some(salt) if exception.is_none() => salt == hash_len,
                    _ => vector_result && (!pss || standard_salt),
                };
                if pss {
                    // Vault profile: any salt length that verifies.
                    let expected_vault = match exception_for("vault") {
                        Some((_, _, accept, p)) if p == "vault" => {
                            used_exceptions.insert((file.to_string(), id));
                            *accept
                        }
                        _ => vector_result || changed_salt.is_some(),
                    };
                    let got_vault =
                        verify_signature_with(alg, None, &msg, &sig, &set, PssSalt::Any).is_ok();
                    counts.0 += 1;
                    if got_vault {
                        counts.1 += 1;
                    } else {
                        counts.2 += 1;
                    }
                    if got_vault != expected_vault {
                        failures.push(format!(
                            "{file} tcId {id} (vault profile, any salt length; {}; flags \
                             {flags:?}): expected {}, got {}",
                            t["comment"].as_str().unwrap_or(""),
                            if expected_vault { "accept" } else { "reject" },
                            if got_vault { "accept" } else { "reject" },
                        ));
                    }
                }
                let got = verify_signature(alg, None, &msg, &sig, &set).is_ok();
                let fresh = KeySet::from_jwks(jwk_text.as_bytes(), &limits).unwrap();
                let got_first_use = verify_signature(alg, None, &msg, &sig, &fresh).is_ok();
                if got_first_use != got {
                    failures.push(format!(
                        "{file} tcId {id}: a key's first use answers {got_first_use}, later uses {got}"
                    ));
                }
                counts.0 += 1;
                if got {
                    counts.1 += 1;
                } else {
                    counts.2 += 1;
                }
                if got != expected {
                    failures.push(format!(
                        "{file} tcId {id} ({}; flags {flags:?}): expected {}, got {}",
                        t["comment"].as_str().unwrap_or(""),
                        if expected { "accept" } else { "reject" },
                        if got { "accept" } else { "reject" },
                    ));
                }
            }
        }
        assert_eq!(Some(in_file), doc["numberOfTests"].as_u64(), "{file}: vector count");
    }

    // Every data file is listed, and every exception and policy entry is still needed.
    for f in std::fs::read_dir(&dir).unwrap() {
        let name = f.unwrap().file_name().into_string().unwrap();
        if name.ends_with("_test.json") {
            assert!(listed.contains(&name), "{name} is not in manifest.json");
        }
    }
    assert!(used_changed_salt, "stale pssSaltChanged entry");
    for (f, i, _, _) in &exceptions {
        assert!(used_exceptions.contains(&(f.clone(), *i)), "stale exception {f} tcId {i}");
    }
    for (flag, _) in &acceptable {
        assert!(used_flags.contains(flag), "stale acceptable policy for flag {flag}");
    }
    eprintln!("wycheproof: {} vectors, {} accepted, {} rejected", counts.0, counts.1, counts.2);
    assert!(failures.is_empty(), "{} unexpected results:\n{}", failures.len(), failures.join("\n"));
}
