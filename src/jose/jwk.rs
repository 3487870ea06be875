//! Public keys: JWK / JWKS (RFC 7517) and PEM, as a [`KeySet`].

use alloc::string::String;
use alloc::vec::Vec;

use super::Algorithm;

/// The cryptographic material of one public key.
#[derive(Clone)]
#[non_exhaustive]
pub enum PublicKey {
    /// RSA (RS*/PS*).
    Rsa(rsa::RsaPublicKey),
    /// NIST P-256 (ES256).
    P256(p256::ecdsa::VerifyingKey),
    /// NIST P-384 (ES384).
    P384(p384::ecdsa::VerifyingKey),
    /// NIST P-521 (ES512).
    P521(p521::ecdsa::VerifyingKey),
    /// Ed25519 (EdDSA).
    Ed25519(ed25519_dalek::VerifyingKey),
}

impl core::fmt::Debug for PublicKey {
    // Redacting: public keys are not secret, but logs should name keys by thumbprint only.
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(match self {
            PublicKey::Rsa(_) => "PublicKey::Rsa(..)",
            PublicKey::P256(_) => "PublicKey::P256(..)",
            PublicKey::P384(_) => "PublicKey::P384(..)",
            PublicKey::P521(_) => "PublicKey::P521(..)",
            PublicKey::Ed25519(_) => "PublicKey::Ed25519(..)",
        })
    }
}

/// One usable verification key.
#[derive(Clone, Debug)]
pub struct VerifyingKey {
    /// The JWK `kid`, if any (PEM keys have none).
    pub kid: Option<String>,
    /// The JWK `alg`, if the JWK restricts it.
    pub alg: Option<Algorithm>,
    /// The key material.
    pub key: PublicKey,
    /// RFC 7638 SHA-256 thumbprint, base64url.
    pub thumbprint: String,
}

/// A set of verification keys and the keys that were skipped while building it.
#[derive(Clone, Debug, Default)]
pub struct KeySet {
    /// Usable keys, in document order.
    pub keys: Vec<VerifyingKey>,
}
