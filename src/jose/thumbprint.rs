//! RFC 7638 JWK thumbprints (SHA-256, base64url), the stable name jwtgate shows for a key.
//!
//! The thumbprint is computed from the key material, not from the JWK text: the input is the
//! required members in lexicographic order with canonical values (RSA integers without
//! leading zero octets, EC coordinates at full length), so a PEM key and the JWK for the same
//! key get the same thumbprint. For a conformant JWK this equals what panva `jose`'s
//! `calculateJwkThumbprint` returns.

use alloc::string::String;

use base64::Engine as _;
use sha2::{Digest as _, Sha256};

use super::PublicKey;

/// The RFC 7638 SHA-256 thumbprint of `key`, base64url without padding.
pub fn thumbprint(key: &PublicKey) -> String {
    let digest = Sha256::digest(key.to_jwk_json().as_bytes());
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(digest)
}

#[cfg(test)]
mod tests {
    use crate::jose::KeySet;
    use crate::Limits;

    #[test]
    fn rfc7638_section_3_1_example() {
        // The RSA key and the expected thumbprint printed in RFC 7638 §3.1.
        let jwk = br#"{"kty":"RSA","n":"0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw","e":"AQAB","alg":"RS256","kid":"2011-04-29"}"#;
        let set = KeySet::from_jwks(jwk, &Limits::default()).unwrap();
        assert_eq!(set.keys[0].thumbprint, "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs");
    }
}
