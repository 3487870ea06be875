//! A host's RSA public operation lent to a session (the npm package's Node entry lends
//! OpenSSL's): which keys the host prepares, and the session's side of the seam
//! ([`RsaPublicOp`]; every acceptance check stays in the core).
//!
//! The host prepares its own form of each RSA key once per session, from the minimal public
//! JWK of the key as the core parsed it ([`Session::rsa_host_keys`]), so the host never reads
//! the caller's key documents and cannot disagree with the core about which keys exist or what
//! they are. It then answers for a key by its slot, the key's position in the session's key
//! set.

use alloc::boxed::Box;
use alloc::string::String;

use crate::jose::rsa::RsaPublicOp;
use crate::jose::{verify_signature_using, Algorithm, PublicKey};

use super::Session;

impl Session {
    /// The session's RSA keys as JSON text, `[{"slot": i, "jwk": {"e", "kty", "n"}}, …]`, in
    /// slot order: what a host prepares before [`Session::set_rsa_public_op`].
    pub fn rsa_host_keys(&self) -> String {
        let mut out = String::from("[");
        let rsa = self.configured.keys.keys.iter().enumerate();
        for (n, (slot, key)) in rsa.filter(|(_, k)| matches!(k.key, PublicKey::Rsa(_))).enumerate()
        {
            if n > 0 {
                out.push(',');
            }
            out.push_str(&alloc::format!("{{\"slot\":{slot},\"jwk\":{}}}", key.key.to_jwk_json()));
        }
        out.push(']');
        out
    }

    /// From now on, RSA signatures are checked with `op` computing RSAVP1 for the session's
    /// RSA keys (by the slots of [`Session::rsa_host_keys`]); `None` returns to the core's own
    /// arithmetic. Verifications already cached were made under the same acceptance rules, so
    /// they stay.
    pub fn set_rsa_public_op(&mut self, op: Option<Box<dyn RsaPublicOp>>) {
        self.configured.rsa = op;
    }

    /// Test and benchmark probe: whether `signature` is a valid `alg` signature over `message`
    /// (raw bytes, not a token) by one of the session's keys, through the same key selection
    /// and signature path `verify` takes (the host's RSAVP1 when one was set): 1 yes, 0 no, -1
    /// for an unknown `alg`. It answers nothing a caller could not learn from `verify`; it
    /// exists so vectors that are not JWS (Wycheproof's) can be run through the very module
    /// that ships, on both RSA paths.
    pub fn probe_signature(&self, alg: &str, message: &[u8], signature: &[u8]) -> i32 {
        let Some(alg) = Algorithm::from_name(alg) else { return -1 };
        let c = &self.configured;
        let pss = c.options.pss_salt();
        let rsa = c.rsa.as_deref();
        i32::from(verify_signature_using(alg, None, message, signature, &c.keys, pss, rsa).is_ok())
    }
}

#[cfg(test)]
mod tests {
    use alloc::boxed::Box;
    use alloc::rc::Rc;
    use alloc::string::ToString as _;
    use alloc::vec::Vec;
    use core::cell::Cell;

    use rsa::BigUint;
    use serde_json::{json, Value};

    use super::*;
    use crate::code::Code;
    use crate::time::UnixTime;

    fn file(path: &str) -> String {
        std::fs::read_to_string(path).unwrap()
    }

    /// RSAVP1 by other arithmetic (num-bigint-dig) over the JWKs the session lists, counting
    /// calls; `fail` makes it answer nothing, as a host that throws.
    struct Host {
        keys: Vec<(usize, BigUint, BigUint, usize)>,
        calls: Rc<Cell<usize>>,
        fail: bool,
    }

    impl RsaPublicOp for Host {
        fn public_op(&self, slot: usize, signature: &[u8]) -> Option<Vec<u8>> {
            self.calls.set(self.calls.get() + 1);
            let (_, n, e, k) = self.keys.iter().find(|(s, ..)| *s == slot)?;
            if self.fail {
                return None;
            }
            let em = BigUint::from_bytes_be(signature).modpow(e, n).to_bytes_be();
            let mut out = alloc::vec![0u8; k - em.len()];
            out.extend_from_slice(&em);
            Some(out)
        }
    }

    fn host_for(s: &Session, calls: &Rc<Cell<usize>>, fail: bool) -> Box<Host> {
        let listed: Value = serde_json::from_str(&s.rsa_host_keys()).unwrap();
        let b64 = |v: &Value| crate::b64::decode_strict(v.as_str().unwrap()).unwrap();
        let keys = listed
            .as_array()
            .unwrap()
            .iter()
            .map(|k| {
                let n = b64(&k["jwk"]["n"]);
                let slot = usize::try_from(k["slot"].as_u64().unwrap()).unwrap();
                let e = BigUint::from_bytes_be(&b64(&k["jwk"]["e"]));
                (slot, BigUint::from_bytes_be(&n), e, n.len())
            })
            .collect();
        Box::new(Host { keys, calls: calls.clone(), fail })
    }

    /// The keys a host prepares are the session's RSA keys as the core parsed them, by their
    /// position in the key set (other key types keep their positions but are not listed).
    #[test]
    fn lists_the_rsa_keys_by_slot() {
        let jwks = file("tests/vectors/minted/jwks.json");
        let s = Session::configure(&json!({ "jwks": jwks }).to_string()).unwrap();
        let listed: Value = serde_json::from_str(&s.rsa_host_keys()).unwrap();
        let doc: Value = serde_json::from_str(&jwks).unwrap();
        let rsa: Vec<(usize, &Value)> = doc["keys"]
            .as_array()
            .unwrap()
            .iter()
            .enumerate()
            .filter(|(_, k)| k["kty"] == "RSA")
            .collect();
        assert_eq!(listed.as_array().unwrap().len(), rsa.len());
        assert!(rsa.len() >= 2);
        for (l, (slot, k)) in listed.as_array().unwrap().iter().zip(rsa) {
            assert_eq!(l["slot"], json!(slot));
            assert_eq!(l["jwk"], json!({ "e": k["e"], "kty": "RSA", "n": k["n"] }));
        }
        let ec_only = json!({ "jwks": json!({ "keys": [doc["keys"][2]] }).to_string() });
        let ec_only = ec_only.to_string();
        assert_eq!(Session::configure(&ec_only).unwrap().rsa_host_keys(), "[]");
    }

    /// A lent host computes every RSA verification; a failing one makes the token refused as
    /// a bad signature is (never a panic, never the pure path instead); taken back, the core's
    /// own arithmetic answers again. Verdicts match the pure path's.
    #[test]
    fn verify_goes_through_the_host() {
        let options = json!({ "jwks": file("tests/fixtures/sample/jwks.json"), "cacheSize": 0 });
        let mut s = Session::configure(&options.to_string()).unwrap();
        let token = file("tests/fixtures/sample/token.jwt");
        let token = token.trim();
        let now = UnixTime(file("tests/fixtures/sample/now.txt").trim().parse().unwrap());
        // One signature character changed, away from the last (whose low bits must be zero).
        let at = token.len() - 10;
        let swap = if &token[at..=at] == "A" { "B" } else { "A" };
        let tampered = [&token[..at], swap, &token[at + 1..]].concat();
        let pure_ok = s.verify(token, now).map(|e| e.json.clone()).unwrap();
        let pure_bad = s.verify(&tampered, now).map(|_| ()).unwrap_err().code;
        assert_eq!(pure_bad, Code::JwsSignatureInvalid);

        let calls = Rc::new(Cell::new(0));
        let host = host_for(&s, &calls, false);
        s.set_rsa_public_op(Some(host));
        assert_eq!(s.verify(token, now).map(|e| e.json.clone()).unwrap(), pure_ok);
        assert_eq!(s.verify(&tampered, now).map(|_| ()).unwrap_err().code, pure_bad);
        assert_eq!(calls.get(), 2);
        assert_eq!(s.probe_signature("RS256", b"x", &[0; 256]), 0);
        assert_eq!(s.probe_signature("HS256", b"x", &[0; 256]), -1);

        let failing = host_for(&s, &calls, true);
        s.set_rsa_public_op(Some(failing));
        assert_eq!(s.verify(token, now).map(|_| ()).unwrap_err().code, Code::JwsSignatureInvalid);
        assert_eq!(calls.get(), 4);

        s.set_rsa_public_op(None);
        assert_eq!(s.verify(token, now).map(|e| e.json.clone()).unwrap(), pure_ok);
        assert_eq!(calls.get(), 4);
    }
}
