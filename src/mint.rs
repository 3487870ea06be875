//! Test identities: a fresh key pair and a Nomad-shaped signed workload identity, for trying a
//! Vault role or an AWS trust policy locally before a real cluster issues tokens.
//!
//! Randomness is an input (any [`rsa::rand_core::CryptoRngCore`]): the npm package passes one backed
//! by the host's CSPRNG, tests pass a seeded one. The claims follow Nomad's
//! `WorkloadIdentityClaims` (research `ux-anchors.md` §5.1): `sub` =
//! `<region>:<namespace>:<job>:<group>:<task>:<identity>`, `iat` = `nbf` = now, `exp` only when a
//! TTL is set, `iss` only when an issuer is set, a random `jti`, `nomad_*` claims, and the header
//! `typ: JWT` with a random UUID `kid`.

use alloc::collections::BTreeMap;
use alloc::format;
use alloc::string::{String, ToString};
use alloc::vec::Vec;
use core::fmt;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use rsa::rand_core::CryptoRngCore;
use rsa::traits::{PrivateKeyParts, PublicKeyParts};
use serde::Deserialize;
use serde_json::{json, Map, Value};
use sha2::{Digest, Sha256};

use crate::code::Code;
use crate::time::UnixTime;

/// Which key pair to generate.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
pub enum MintAlg {
    /// Ed25519 (what pre-1.7 Nomad keys use). Generation is instant.
    #[default]
    EdDSA,
    /// RSA 2048 with PKCS#1 v1.5 SHA-256 (what Nomad 1.7+ uses, and what AWS requires).
    /// Key generation takes a noticeable time, especially in wasm.
    RS256,
}

/// What to mint. Field names are the JSON names the npm package accepts.
#[derive(Clone, Debug, Deserialize)]
#[serde(default, rename_all = "camelCase", deny_unknown_fields)]
pub struct NomadIdentity {
    /// Key algorithm.
    pub alg: MintAlg,
    /// Nomad region.
    pub region: String,
    /// Job namespace.
    pub namespace: String,
    /// Job ID (for a dispatched or periodic child: the parent's ID, as Nomad does).
    pub job: String,
    /// Task group name.
    pub group: String,
    /// Task name (omitted when `service` is set).
    pub task: Option<String>,
    /// Service name, for a service identity instead of a task identity.
    pub service: Option<String>,
    /// Identity name: `default`, `vault_default`, `aws`, ...
    pub identity: String,
    /// Audiences (`aud`); Nomad's default identity uses `nomadproject.io`.
    pub audience: Vec<String>,
    /// `iss`; omitted when `None`, like a Nomad server without `oidc_issuer`.
    pub issuer: Option<String>,
    /// Lifetime in seconds; `None` or 0 gives no `exp`, like Nomad's default identity.
    pub ttl: Option<u64>,
    /// The issue time; the caller supplies the current time when `None`.
    pub now: Option<i64>,
    /// `vault_role` claim, as Nomad adds for a `vault` block naming a role.
    pub vault_role: Option<String>,
    /// `vault_namespace` claim.
    pub vault_namespace: Option<String>,
    /// `extra_claims` (a nested object of strings in Nomad's tokens).
    pub extra_claims: BTreeMap<String, String>,
    /// Fixed `kid`; a random UUID when `None`.
    pub kid: Option<String>,
}

impl Default for NomadIdentity {
    fn default() -> Self {
        NomadIdentity {
            alg: MintAlg::EdDSA,
            region: "global".into(),
            namespace: "default".into(),
            job: "mongo".into(),
            group: "db".into(),
            task: Some("mongo".into()),
            service: None,
            identity: "vault_default".into(),
            audience: alloc::vec!["vault.io".into()],
            issuer: None,
            ttl: Some(3600),
            now: None,
            vault_role: None,
            vault_namespace: None,
            extra_claims: BTreeMap::new(),
            kid: None,
        }
    }
}

/// A minted identity: the token, the public JWKS to verify it, and the private JWK.
#[derive(Clone, Debug)]
pub struct Minted {
    /// The compact JWS.
    pub token: String,
    /// `{"keys":[public JWK]}` with `kid`, `alg`, `use: sig`, as Nomad serves it.
    pub jwks: Value,
    /// The private key as a JWK (test material: never use it for anything real).
    pub private_jwk: Value,
    /// The JOSE header.
    pub header: Value,
    /// The claims set.
    pub claims: Map<String, Value>,
}

/// Minting failed.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum MintError {
    /// The options are unusable (empty names, both `task` and `service`, ...).
    Options {
        /// Why.
        reason: &'static str,
    },
    /// Key generation or signing failed (RSA only; should not happen with a working RNG).
    Crypto {
        /// The algorithm.
        alg: &'static str,
    },
}

impl MintError {
    /// The stable machine code.
    pub fn code(&self) -> Code {
        match self {
            MintError::Options { .. } => Code::OptionsInvalid,
            MintError::Crypto { .. } => Code::MintFailed,
        }
    }
}

impl fmt::Display for MintError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            MintError::Options { reason } => write!(f, "invalid mint options: {reason}"),
            MintError::Crypto { alg } => write!(f, "{alg} key generation or signing failed"),
        }
    }
}

fn uuid<R: CryptoRngCore + ?Sized>(rng: &mut R) -> String {
    let mut b = [0u8; 16];
    rng.fill_bytes(&mut b);
    b[6] = (b[6] & 0x0f) | 0x40; // version 4
    b[8] = (b[8] & 0x3f) | 0x80; // RFC 4122 variant
    let hex: String = b.iter().map(|x| format!("{x:02x}")).collect();
    let part = |a: usize, z: usize| hex.get(a..z).unwrap_or_default().to_string();
    format!("{}-{}-{}-{}-{}", part(0, 8), part(8, 12), part(12, 16), part(16, 20), part(20, 32))
}

/// The claims Nomad would put in this identity, issued at `now`.
pub fn nomad_claims<R: CryptoRngCore + ?Sized>(
    id: &NomadIdentity,
    now: UnixTime,
    rng: &mut R,
) -> Result<Map<String, Value>, MintError> {
    let leaf = match (&id.task, &id.service) {
        (Some(_), Some(_)) => {
            return Err(MintError::Options { reason: "set either task or service, not both" })
        }
        (Some(t), None) | (None, Some(t)) => t.clone(),
        (None, None) => {
            return Err(MintError::Options { reason: "a task or a service name is required" })
        }
    };
    for (name, v) in [
        ("region", &id.region),
        ("namespace", &id.namespace),
        ("job", &id.job),
        ("group", &id.group),
        ("identity", &id.identity),
        ("task/service", &leaf),
    ] {
        if v.is_empty() {
            let _ = name;
            return Err(MintError::Options {
                reason:
                    "region, namespace, job, group, identity and task/service must be non-empty",
            });
        }
    }
    let mut c = Map::new();
    if let Some(iss) = &id.issuer {
        c.insert("iss".into(), Value::String(iss.clone()));
    }
    c.insert(
        "sub".into(),
        Value::String(format!(
            "{}:{}:{}:{}:{}:{}",
            id.region, id.namespace, id.job, id.group, leaf, id.identity
        )),
    );
    let aud = match id.audience.as_slice() {
        [one] => Value::String(one.clone()),
        many => Value::Array(many.iter().cloned().map(Value::String).collect()),
    };
    c.insert("aud".into(), aud);
    c.insert("iat".into(), json!(now.0));
    c.insert("nbf".into(), json!(now.0));
    if let Some(ttl) = id.ttl.filter(|t| *t > 0) {
        let ttl = i64::try_from(ttl).map_err(|_| MintError::Options { reason: "ttl too large" })?;
        let exp = now.0.checked_add(ttl).ok_or(MintError::Options { reason: "ttl too large" })?;
        c.insert("exp".into(), json!(exp));
    }
    c.insert("jti".into(), Value::String(uuid(rng)));
    c.insert("nomad_namespace".into(), Value::String(id.namespace.clone()));
    c.insert("nomad_job_id".into(), Value::String(id.job.clone()));
    c.insert("nomad_allocation_id".into(), Value::String(uuid(rng)));
    match (&id.task, &id.service) {
        (Some(t), _) => c.insert("nomad_task".into(), Value::String(t.clone())),
        (None, Some(s)) => c.insert("nomad_service".into(), Value::String(s.clone())),
        (None, None) => None,
    };
    if let Some(ns) = &id.vault_namespace {
        c.insert("vault_namespace".into(), Value::String(ns.clone()));
    }
    if let Some(role) = &id.vault_role {
        c.insert("vault_role".into(), Value::String(role.clone()));
    }
    if !id.extra_claims.is_empty() {
        let extra: Map<String, Value> =
            id.extra_claims.iter().map(|(k, v)| (k.clone(), Value::String(v.clone()))).collect();
        c.insert("extra_claims".into(), Value::Object(extra));
    }
    Ok(c)
}

fn b64(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

/// Generates a key pair, builds the claims with [`nomad_claims`] and signs them.
pub fn mint<R: CryptoRngCore>(
    id: &NomadIdentity,
    now: UnixTime,
    rng: &mut R,
) -> Result<Minted, MintError> {
    let claims = nomad_claims(id, now, rng)?;
    let kid = match &id.kid {
        Some(k) => k.clone(),
        None => uuid(rng),
    };
    let alg = match id.alg {
        MintAlg::EdDSA => "EdDSA",
        MintAlg::RS256 => "RS256",
    };
    let header = json!({ "alg": alg, "kid": kid, "typ": "JWT" });
    let signing_input = format!(
        "{}.{}",
        b64(header.to_string().as_bytes()),
        b64(Value::Object(claims.clone()).to_string().as_bytes())
    );
    let (signature, public, private) = match id.alg {
        MintAlg::EdDSA => {
            use ed25519_dalek::Signer as _;
            let mut seed = [0u8; 32];
            rng.fill_bytes(&mut seed);
            let sk = ed25519_dalek::SigningKey::from_bytes(&seed);
            let sig = sk.sign(signing_input.as_bytes()).to_bytes().to_vec();
            let x = b64(sk.verifying_key().as_bytes());
            let public = json!({ "kty": "OKP", "crv": "Ed25519", "x": x });
            let private = json!({ "kty": "OKP", "crv": "Ed25519", "x": x, "d": b64(&seed) });
            (sig, public, private)
        }
        MintAlg::RS256 => {
            let crypto = MintError::Crypto { alg: "RS256" };
            let sk = rsa::RsaPrivateKey::new(rng, 2048).map_err(|_| crypto.clone())?;
            let digest = Sha256::digest(signing_input.as_bytes());
            let sig = sk
                .sign_with_rng(rng, rsa::Pkcs1v15Sign::new::<rsa::sha2::Sha256>(), &digest)
                .map_err(|_| crypto.clone())?;
            let n = b64(&sk.n().to_bytes_be());
            let e = b64(&sk.e().to_bytes_be());
            let public = json!({ "kty": "RSA", "n": n, "e": e });
            let big = |v: Option<&rsa::BigUint>| v.map(|v| b64(&v.to_bytes_be()));
            let primes = sk.primes();
            let qinv = sk.crt_coefficient();
            let private = json!({
                "kty": "RSA", "n": n, "e": e,
                "d": b64(&sk.d().to_bytes_be()),
                "p": big(primes.first()), "q": big(primes.get(1)),
                "dp": big(sk.dp()), "dq": big(sk.dq()), "qi": big(qinv.as_ref()),
            });
            (sig, public, private)
        }
    };
    let with_meta = |mut jwk: Value| {
        if let Value::Object(m) = &mut jwk {
            m.insert("kid".into(), Value::String(kid.clone()));
            m.insert("alg".into(), Value::String(alg.into()));
            m.insert("use".into(), Value::String("sig".into()));
        }
        jwk
    };
    Ok(Minted {
        token: format!("{signing_input}.{}", b64(&signature)),
        jwks: json!({ "keys": [with_meta(public)] }),
        private_jwk: with_meta(private),
        header,
        claims,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use rsa::rand_core::{CryptoRng, RngCore};

    /// Deterministic test RNG (xorshift): fine for tests, never for keys anyone uses.
    struct TestRng(u64);
    impl RngCore for TestRng {
        fn next_u32(&mut self) -> u32 {
            self.next_u64() as u32
        }
        fn next_u64(&mut self) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0
        }
        fn fill_bytes(&mut self, dest: &mut [u8]) {
            for b in dest {
                *b = self.next_u64() as u8;
            }
        }
        fn try_fill_bytes(&mut self, dest: &mut [u8]) -> Result<(), rsa::rand_core::Error> {
            self.fill_bytes(dest);
            Ok(())
        }
    }
    impl CryptoRng for TestRng {}

    #[test]
    fn nomad_shape() {
        let id = NomadIdentity {
            issuer: Some("https://nomad.example.com".into()),
            extra_claims: [("team".to_string(), "db".to_string())].into(),
            ..NomadIdentity::default()
        };
        let m = mint(&id, UnixTime(1_700_000_000), &mut TestRng(7)).unwrap();
        let c = &m.claims;
        assert_eq!(c["sub"], "global:default:mongo:db:mongo:vault_default");
        assert_eq!(c["aud"], "vault.io");
        assert_eq!(c["iat"], 1_700_000_000);
        assert_eq!(c["nbf"], 1_700_000_000);
        assert_eq!(c["exp"], 1_700_003_600);
        assert_eq!(c["nomad_job_id"], "mongo");
        assert_eq!(c["extra_claims"]["team"], "db");
        assert_eq!(c["jti"].as_str().unwrap().len(), 36);
        assert_eq!(m.header["typ"], "JWT");
        assert_eq!(m.jwks["keys"][0]["kid"], m.header["kid"]);
        assert_eq!(m.token.split('.').count(), 3);
    }

    #[test]
    fn default_identity_has_no_exp_or_iss() {
        let id = NomadIdentity {
            ttl: None,
            identity: "default".into(),
            audience: alloc::vec!["nomadproject.io".into()],
            ..NomadIdentity::default()
        };
        let c = nomad_claims(&id, UnixTime(5), &mut TestRng(1)).unwrap();
        assert!(!c.contains_key("exp"));
        assert!(!c.contains_key("iss"));
    }

    #[test]
    fn ed25519_signature_verifies_independently() {
        let m = mint(&NomadIdentity::default(), UnixTime(1), &mut TestRng(3)).unwrap();
        let (input, sig) = m.token.rsplit_once('.').unwrap();
        let x = URL_SAFE_NO_PAD.decode(m.jwks["keys"][0]["x"].as_str().unwrap()).unwrap();
        let vk = ed25519_dalek::VerifyingKey::from_bytes(&x.try_into().unwrap()).unwrap();
        let sig =
            ed25519_dalek::Signature::from_slice(&URL_SAFE_NO_PAD.decode(sig).unwrap()).unwrap();
        vk.verify_strict(input.as_bytes(), &sig).unwrap();
    }

    #[test]
    fn rejects_task_and_service() {
        let id = NomadIdentity { service: Some("web".into()), ..NomadIdentity::default() };
        assert_eq!(
            nomad_claims(&id, UnixTime(1), &mut TestRng(1)).unwrap_err().code(),
            Code::OptionsInvalid
        );
    }
}
