//! The ten asymmetric JWS algorithms Vault accepts (RFC 7518 §3, RFC 8037 §3.1).

use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;

/// A JWS signature algorithm. HMAC and `none` are deliberately absent: a relying party
/// verifying workload identities only ever holds public keys.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[allow(clippy::upper_case_acronyms)]
pub enum Algorithm {
    /// RSASSA-PKCS1-v1_5 with SHA-256.
    RS256,
    /// RSASSA-PKCS1-v1_5 with SHA-384.
    RS384,
    /// RSASSA-PKCS1-v1_5 with SHA-512.
    RS512,
    /// RSASSA-PSS with SHA-256, MGF1 SHA-256, 32-byte salt.
    PS256,
    /// RSASSA-PSS with SHA-384, MGF1 SHA-384, 48-byte salt.
    PS384,
    /// RSASSA-PSS with SHA-512, MGF1 SHA-512, 64-byte salt.
    PS512,
    /// ECDSA P-256 with SHA-256, raw `r||s` signature.
    ES256,
    /// ECDSA P-384 with SHA-384, raw `r||s` signature.
    ES384,
    /// ECDSA P-521 with SHA-512, raw `r||s` signature.
    ES512,
    /// EdDSA; jwtgate supports the Ed25519 curve only (Vault's set).
    EdDSA,
}

impl Algorithm {
    /// Reads an allow-list of algorithm names (`"RS256"`, …) as every front end's options
    /// spell it; the error names the first unknown one.
    pub fn parse_list(names: &[String]) -> Result<Vec<Algorithm>, String> {
        names
            .iter()
            .map(|n| {
                Algorithm::from_name(n).ok_or_else(|| alloc::format!("unknown algorithm {n:?}"))
            })
            .collect()
    }

    /// All ten, in the order Vault lists them.
    pub const ALL: [Algorithm; 10] = [
        Algorithm::RS256,
        Algorithm::RS384,
        Algorithm::RS512,
        Algorithm::PS256,
        Algorithm::PS384,
        Algorithm::PS512,
        Algorithm::ES256,
        Algorithm::ES384,
        Algorithm::ES512,
        Algorithm::EdDSA,
    ];

    /// The `alg` header value.
    pub const fn as_str(self) -> &'static str {
        match self {
            Algorithm::RS256 => "RS256",
            Algorithm::RS384 => "RS384",
            Algorithm::RS512 => "RS512",
            Algorithm::PS256 => "PS256",
            Algorithm::PS384 => "PS384",
            Algorithm::PS512 => "PS512",
            Algorithm::ES256 => "ES256",
            Algorithm::ES384 => "ES384",
            Algorithm::ES512 => "ES512",
            Algorithm::EdDSA => "EdDSA",
        }
    }

    /// The `alg` value as a JSON string literal (`"RS256"`), as reports show it.
    pub const fn quoted(self) -> &'static str {
        match self {
            Algorithm::RS256 => "\"RS256\"",
            Algorithm::RS384 => "\"RS384\"",
            Algorithm::RS512 => "\"RS512\"",
            Algorithm::PS256 => "\"PS256\"",
            Algorithm::PS384 => "\"PS384\"",
            Algorithm::PS512 => "\"PS512\"",
            Algorithm::ES256 => "\"ES256\"",
            Algorithm::ES384 => "\"ES384\"",
            Algorithm::ES512 => "\"ES512\"",
            Algorithm::EdDSA => "\"EdDSA\"",
        }
    }

    /// Parses an `alg` value, case-sensitively (RFC 7515 §4.1.1).
    pub fn from_name(name: &str) -> Option<Algorithm> {
        Algorithm::ALL.into_iter().find(|a| a.as_str() == name)
    }
}

/// What an `alg` header value is, from jwtgate's point of view.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AlgClass {
    /// One of the ten supported algorithms.
    Supported(Algorithm),
    /// Exactly `none` (RFC 7518 §3.6): an unsigned token.
    None,
    /// `none` in another case (`None`, `NONE`): not `none` to a case-sensitive parser, but
    /// some libraries compared case-insensitively, which is how these tokens are used in attacks.
    NoneVariant,
    /// HMAC (`HS256`, `HS384`, `HS512`): needs a shared secret, never accepted here.
    Hmac,
    /// Anything else.
    Unknown,
}

impl AlgClass {
    /// Classifies an `alg` value (case-sensitively, RFC 7515 §4.1.1).
    pub fn of(name: &str) -> AlgClass {
        if let Some(alg) = Algorithm::from_name(name) {
            AlgClass::Supported(alg)
        } else if name == "none" {
            AlgClass::None
        } else if name.eq_ignore_ascii_case("none") {
            AlgClass::NoneVariant
        } else if matches!(name, "HS256" | "HS384" | "HS512") {
            AlgClass::Hmac
        } else {
            AlgClass::Unknown
        }
    }
}

impl fmt::Display for Algorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl serde::Serialize for Algorithm {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_are_case_sensitive() {
        for alg in Algorithm::ALL {
            assert_eq!(Algorithm::from_name(alg.as_str()), Some(alg));
        }
        assert_eq!(Algorithm::from_name("rs256"), None);
        assert_eq!(Algorithm::from_name("EDDSA"), None);
        assert_eq!(Algorithm::from_name("Ed25519"), None);
    }

    #[test]
    fn quoted_is_the_json_string() {
        for alg in Algorithm::ALL {
            assert_eq!(alg.quoted(), serde_json::to_string(alg.as_str()).unwrap());
        }
    }

    #[test]
    fn classifies_refused_names() {
        assert_eq!(AlgClass::of("ES256"), AlgClass::Supported(Algorithm::ES256));
        assert_eq!(AlgClass::of("none"), AlgClass::None);
        assert_eq!(AlgClass::of("None"), AlgClass::NoneVariant);
        assert_eq!(AlgClass::of("nOnE"), AlgClass::NoneVariant);
        assert_eq!(AlgClass::of("HS256"), AlgClass::Hmac);
        assert_eq!(AlgClass::of("hs256"), AlgClass::Unknown);
        assert_eq!(AlgClass::of(""), AlgClass::Unknown);
        assert_eq!(AlgClass::of("ES256K"), AlgClass::Unknown);
    }
}
