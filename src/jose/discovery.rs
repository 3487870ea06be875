//! OpenID Connect discovery documents (OpenID Connect Discovery 1.0 §3–§4), parsed and checked
//! the way Vault's `oidc_discovery_url` uses them. No I/O: the front end fetches
//! `<url>/.well-known/openid-configuration` and hands the bytes here.
//!
//! Checks, in order:
//! 1. the document is a strict JSON object (duplicate members refused);
//! 2. `issuer` is a string **exactly equal** to the configured URL (go-oidc compares
//!    byte for byte, so `https://x/` ≠ `https://x`) — `ERR_DISCOVERY_ISSUER_MISMATCH`;
//! 3. `jwks_uri` is an absolute `https://` URL with a host — `ERR_DISCOVERY_INVALID`
//!    (`http://` is accepted with a warning, as Vault would fetch it);
//! 4. `id_token_signing_alg_values_supported` (required by the spec) is intersected with the
//!    ten algorithms jwtgate verifies; values outside them are listed, and an empty or missing
//!    list is a warning, not an error (Vault does not use this member on the JWT path).

use alloc::format;
use alloc::string::{String, ToString};
use alloc::vec::Vec;

use serde_json::Value;

use super::{Algorithm, KeyError};
use crate::json;
use crate::limits::Limits;
use crate::load_error::LoadError;

/// A checked discovery document.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Discovery {
    /// The `issuer` (equal to the configured URL).
    pub issuer: String,
    /// Where the JWKS is.
    pub jwks_uri: String,
    /// Advertised algorithms jwtgate supports, in document order.
    pub algorithms: Vec<Algorithm>,
    /// Advertised algorithms jwtgate does not verify (`HS256`, `none`, ...).
    pub unsupported_algorithms: Vec<String>,
    /// Non-fatal findings, one sentence each.
    pub warnings: Vec<String>,
}

/// Parses and checks a discovery document fetched for `configured_url`.
pub fn parse_discovery(
    bytes: &[u8],
    configured_url: &str,
    limits: &Limits,
) -> Result<Discovery, LoadError<KeyError>> {
    let doc = json::parse_object(bytes, "discovery document", limits)?;
    let string = |member: &'static str| -> Result<String, KeyError> {
        match doc.get(member) {
            Some(Value::String(s)) => Ok(s.clone()),
            Some(other) => Err(KeyError::DiscoveryInvalid {
                member,
                reason: format!("must be a string, found {}", json::type_name(other)),
            }),
            None => Err(KeyError::DiscoveryInvalid { member, reason: "missing".into() }),
        }
    };
    let issuer = string("issuer")?;
    if issuer != configured_url {
        return Err(KeyError::DiscoveryIssuerMismatch {
            expected: configured_url.into(),
            actual: issuer,
        }
        .into());
    }
    let mut warnings = Vec::new();
    let jwks_uri = string("jwks_uri")?;
    let (scheme, rest) = jwks_uri.split_once("://").unwrap_or(("", ""));
    let host = rest.split(['/', '?', '#']).next().unwrap_or("");
    if host.is_empty() || !matches!(scheme, "https" | "http") {
        let reason = format!("{jwks_uri:?} is not an absolute https URL");
        return Err(KeyError::DiscoveryInvalid { member: "jwks_uri", reason }.into());
    }
    if scheme == "http" {
        warnings.push(format!(
            "jwks_uri {jwks_uri:?} uses plain http: keys can be replaced in transit"
        ));
    }
    let mut algorithms = Vec::new();
    let mut unsupported_algorithms = Vec::new();
    match doc.get("id_token_signing_alg_values_supported") {
        None => warnings.push("id_token_signing_alg_values_supported is missing".to_string()),
        Some(Value::Array(values)) => {
            for v in values {
                let Some(name) = v.as_str() else {
                    let reason = format!("entries must be strings, found {}", json::type_name(v));
                    let member = "id_token_signing_alg_values_supported";
                    return Err(KeyError::DiscoveryInvalid { member, reason }.into());
                };
                match Algorithm::from_name(name) {
                    Some(a) if !algorithms.contains(&a) => algorithms.push(a),
                    Some(_) => {}
                    None => unsupported_algorithms.push(name.to_string()),
                }
            }
            if algorithms.is_empty() {
                warnings.push(
                    "none of the advertised signing algorithms is one jwtgate (and Vault) verifies"
                        .into(),
                );
            }
        }
        Some(other) => {
            let reason = format!("must be an array of strings, found {}", json::type_name(other));
            let member = "id_token_signing_alg_values_supported";
            return Err(KeyError::DiscoveryInvalid { member, reason }.into());
        }
    }
    Ok(Discovery { issuer, jwks_uri, algorithms, unsupported_algorithms, warnings })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::code::Code;

    fn parse(doc: &str, url: &str) -> Result<Discovery, LoadError<KeyError>> {
        parse_discovery(doc.as_bytes(), url, &Limits::default())
    }

    #[test]
    fn accepts_a_nomad_style_document() {
        let doc = r#"{"issuer":"https://nomad.example:4646","jwks_uri":"https://nomad.example:4646/.well-known/jwks.json",
            "id_token_signing_alg_values_supported":["RS256","EdDSA","HS256"],"response_types_supported":["code"]}"#;
        let d = parse(doc, "https://nomad.example:4646").unwrap();
        assert_eq!(d.algorithms, [Algorithm::RS256, Algorithm::EdDSA]);
        assert_eq!(d.unsupported_algorithms, ["HS256"]);
        assert!(d.warnings.is_empty());
    }

    #[test]
    fn issuer_must_match_exactly_and_names_both() {
        let doc = r#"{"issuer":"https://idp.example/","jwks_uri":"https://idp.example/keys"}"#;
        let e = parse(doc, "https://idp.example").unwrap_err();
        assert_eq!(e.code(), Code::DiscoveryIssuerMismatch);
        let text = e.to_string();
        assert!(
            text.contains("\"https://idp.example/\"") && text.contains("\"https://idp.example\""),
            "{text}"
        );
    }

    #[test]
    fn jwks_uri_rules() {
        let rel = r#"{"issuer":"https://i","jwks_uri":"/keys"}"#;
        assert_eq!(parse(rel, "https://i").unwrap_err().code(), Code::DiscoveryInvalid);
        let missing = r#"{"issuer":"https://i"}"#;
        assert_eq!(parse(missing, "https://i").unwrap_err().code(), Code::DiscoveryInvalid);
        let http = r#"{"issuer":"https://i","jwks_uri":"http://i/keys","id_token_signing_alg_values_supported":["ES256"]}"#;
        let d = parse(http, "https://i").unwrap();
        assert_eq!(d.warnings.len(), 1, "{:?}", d.warnings);
        let no_algs = r#"{"issuer":"https://i","jwks_uri":"https://i/keys"}"#;
        assert_eq!(parse(no_algs, "https://i").unwrap().warnings.len(), 1);
        let dup = r#"{"issuer":"https://i","issuer":"https://evil","jwks_uri":"https://i/keys"}"#;
        assert_eq!(parse(dup, "https://i").unwrap_err().code(), Code::JsonDuplicateMember);
        let bad_algs = r#"{"issuer":"https://i","jwks_uri":"https://i/k","id_token_signing_alg_values_supported":"RS256"}"#;
        assert_eq!(parse(bad_algs, "https://i").unwrap_err().code(), Code::DiscoveryInvalid);
    }
}
