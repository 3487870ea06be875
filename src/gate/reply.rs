//! Local replies for refused requests and the sanitising of every value the filter writes
//! into a header.
//!
//! Status mapping: authentication failures (no token, bad token, unknown key, claims) are
//! `401` with an RFC 6750 §3 `WWW-Authenticate` challenge; policy denials are `403`; a path the
//! filter refuses to decide on is `400`; keys that cannot be fetched are `503` (or `401`, as
//! configured); an internal failure is `503`. The body is a small JSON object
//! `{"code": "...", "message": "..."}`; it never contains the token or key material.

use alloc::string::{String, ToString};
use alloc::vec;
use alloc::vec::Vec;

use super::config::FetchFailureStatus;
use super::error::GateError;

/// Longest `error_description` / body message written, in bytes.
pub const MAX_MESSAGE_LEN: usize = 256;

/// A local reply to send instead of forwarding the request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LocalReply {
    /// HTTP status.
    pub status: u32,
    /// Response headers (lower-case names, sanitised values).
    pub headers: Vec<(String, String)>,
    /// JSON body.
    pub body: Vec<u8>,
}

/// The reply for `err`. `realm` is the configured `WWW-Authenticate` realm.
pub fn for_error(err: &GateError, realm: &str, on_jwks_failure: FetchFailureStatus) -> LocalReply {
    let code = err.code().as_str();
    let text = err.to_string();
    // The body is JSON (serde_json escapes everything); the header needs RFC 6750's subset.
    let body = json_body(code, truncate(&text, MAX_MESSAGE_LEN));
    let message = sanitize(&text, MAX_MESSAGE_LEN);
    let mut headers = vec![("content-type".to_string(), "application/json".to_string())];
    let status = match err {
        GateError::Denied { .. } => 403,
        GateError::JwksUnavailable { .. } if on_jwks_failure == FetchFailureStatus::Unavailable => {
            503
        }
        GateError::ConfigInvalid { .. } => 500,
        GateError::PathInvalid(_) => 400,
        GateError::Internal { .. } => 503,
        _ => 401,
    };
    if status == 401 {
        let realm = sanitize(realm, 128);
        // RFC 6750 §3.1: a request without credentials gets no error code.
        let challenge = if matches!(err, GateError::TokenMissing) {
            alloc::format!("Bearer realm=\"{realm}\"")
        } else {
            alloc::format!("Bearer realm=\"{realm}\", error=\"invalid_token\", error_description=\"{message}\"")
        };
        headers.push(("www-authenticate".to_string(), challenge));
    }
    LocalReply { status, headers, body }
}

/// At most `max` bytes of `s`, cut on a character boundary.
fn truncate(s: &str, max: usize) -> &str {
    let mut end = s.len().min(max);
    while !s.is_char_boundary(end) {
        end = end.saturating_sub(1);
    }
    s.get(..end).unwrap_or_default()
}

/// `{"code":…,"message":…}`, each string escaped by serde_json (the bytes a serialised
/// two-member object has, without building one).
fn json_body(code: &str, message: &str) -> Vec<u8> {
    let (Ok(code), Ok(message)) = (serde_json::to_vec(code), serde_json::to_vec(message)) else {
        return Vec::new();
    };
    let mut body = Vec::with_capacity(code.len() + message.len() + 24);
    body.extend_from_slice(b"{\"code\":");
    body.extend_from_slice(&code);
    body.extend_from_slice(b",\"message\":");
    body.extend_from_slice(&message);
    body.push(b'}');
    body
}

/// Keeps only what RFC 6750 allows in a quoted `error_description` (`%x20-21 / %x23-5B /
/// %x5D-7E`): control characters (CR, LF, NUL), `"`, `\` and non-ASCII become `?`. Truncated
/// to `max` bytes.
pub fn sanitize(s: &str, max: usize) -> String {
    // Most messages need no change: then the answer is a prefix, taken without walking chars.
    if s.bytes().all(|b| matches!(b, b' '..=b'~') && b != b'"' && b != b'\\') {
        return String::from(s.get(..s.len().min(max)).unwrap_or(s));
    }
    // Byte by byte: every character becomes one ASCII byte, so a UTF-8 continuation byte is
    // skipped (its character's lead byte already wrote `?`).
    let mut out = Vec::with_capacity(s.len().min(max));
    for &b in s.as_bytes() {
        if out.len() >= max {
            break;
        }
        if b & 0xc0 == 0x80 {
            continue;
        }
        let ok = matches!(b, b' '..=b'~') && b != b'"' && b != b'\\';
        out.push(if ok { b } else { b'?' });
    }
    String::from_utf8(out).unwrap_or_default()
}

/// A header value built from a claim: visible ASCII and spaces only. Returns `None` when the
/// value would need changing (CR, LF, NUL, other controls, non-ASCII): such a claim is not
/// forwarded rather than forwarded altered.
pub fn header_value(s: &str) -> Option<&str> {
    let ok = s.len() <= 8192 && s.bytes().all(|b| b == b'\t' || (0x20..0x7f).contains(&b));
    ok.then_some(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sanitize_keeps_only_rfc6750_characters() {
        assert_eq!(sanitize("a \"b\"\\c\r\nd\u{e9}", 100), "a ?b??c??d?");
        assert_eq!(sanitize("abcdef", 3), "abc");
    }

    #[test]
    fn sanitize_agrees_with_a_character_by_character_reference() {
        let reference = |s: &str, max: usize| {
            let mut out = String::new();
            for c in s.chars() {
                if out.len() >= max {
                    break;
                }
                let ok = matches!(c, ' '..='~') && c != '"' && c != '\\';
                out.push(if ok { c } else { '?' });
            }
            out
        };
        let long = "é\"x".repeat(100);
        for s in
            ["", "plain text", "é", "aé\"b\\c\u{1F600}d\r\n\0", "\u{7f}\u{80}\u{7ff}\u{800}", &long]
        {
            for max in [0, 1, 2, 3, 5, 100, 256] {
                assert_eq!(sanitize(s, max), reference(s, max), "{s:?} at {max}");
            }
        }
    }

    #[test]
    fn missing_token_gets_a_bare_challenge_and_others_invalid_token() {
        let missing = for_error(&GateError::TokenMissing, "r", FetchFailureStatus::Unavailable);
        assert_eq!(missing.status, 401);
        assert!(missing
            .headers
            .contains(&("www-authenticate".into(), "Bearer realm=\"r\"".into())));
        let multiple = GateError::TokenMultiple { locations: "header \"x\"".into() };
        let r = for_error(&multiple, "r", FetchFailureStatus::Unavailable);
        let challenge = &r.headers.iter().find(|(k, _)| k == "www-authenticate").unwrap().1;
        assert_eq!(
            challenge,
            "Bearer realm=\"r\", error=\"invalid_token\", error_description=\"more than one token in the request (header ?x?)\""
        );
        // The JSON body keeps the message as is (serde_json escapes it).
        let body: serde_json::Value = serde_json::from_slice(&r.body).unwrap();
        assert_eq!(body["message"], "more than one token in the request (header \"x\")");
        assert_eq!(body["code"], "ERR_TOKEN_MULTIPLE");
    }

    #[test]
    fn status_mapping() {
        let denied = GateError::Denied { code: crate::Code::PolicyDenied, message: "no".into() };
        assert_eq!(for_error(&denied, "r", FetchFailureStatus::Unavailable).status, 403);
        let jwks = GateError::JwksUnavailable { provider: "p".into(), reason: "down".into() };
        assert_eq!(for_error(&jwks, "r", FetchFailureStatus::Unavailable).status, 503);
        assert_eq!(for_error(&jwks, "r", FetchFailureStatus::Unauthorized).status, 401);
        let path = crate::gate::path::check(b"/a/../b").unwrap_err();
        let bad_path =
            for_error(&GateError::PathInvalid(path), "r", FetchFailureStatus::Unavailable);
        assert_eq!(bad_path.status, 400);
        assert!(!bad_path.headers.iter().any(|(k, _)| k == "www-authenticate"));
        let body: serde_json::Value = serde_json::from_slice(&bad_path.body).unwrap();
        assert_eq!(body["code"], "ERR_REQUEST_INVALID");
        assert_eq!(body["message"], "request path holds the dot segment \"..\"");
        let internal = GateError::Internal { what: "state borrowed twice" };
        let r = for_error(&internal, "r", FetchFailureStatus::Unauthorized);
        assert_eq!(r.status, 503);
        let body: serde_json::Value = serde_json::from_slice(&r.body).unwrap();
        assert_eq!(body["code"], "ERR_INTERNAL");
        assert_eq!(body["message"], "internal filter failure: state borrowed twice");
    }

    #[test]
    fn claim_header_values_never_carry_line_breaks() {
        assert_eq!(header_value("mongo"), Some("mongo"));
        assert_eq!(header_value("a\r\nx-admin: 1"), None);
        assert_eq!(header_value("nul\0"), None);
    }
}
