//! The registered claims (RFC 7519 §4.1) decoded the way Vault's validator (hashicorp/cap
//! over go-jose `jwt.Claims`) decodes them, whatever the role binds:
//! `iss`/`sub`/`jti` strings, `aud` a string or an array of strings, `exp`/`nbf`/`iat` JSON
//! numbers truncated toward zero to whole seconds. `null` counts as absent.

use alloc::string::String;
use alloc::vec::Vec;

use serde_json::{Map, Value};

use super::{ClaimError, Wording};
use crate::json::type_name;

/// The registered claim names, in the order Go's `json.Marshal` of a map visits them (sorted),
/// which decides which of several type errors Vault reports.
pub const NAMES: [&str; 7] = ["aud", "exp", "iat", "iss", "jti", "nbf", "sub"];

/// Registered claims after Vault-style typing.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Registered {
    /// `iss`.
    pub iss: Option<String>,
    /// `sub`.
    pub sub: Option<String>,
    /// `aud`, a string counted as a one-element list.
    pub aud: Option<Vec<String>>,
    /// Whether `aud` was a plain string.
    pub aud_was_string: bool,
    /// `exp`, truncated.
    pub exp: Option<i64>,
    /// `nbf`, truncated.
    pub nbf: Option<i64>,
    /// `iat`, truncated.
    pub iat: Option<i64>,
}

/// A NumericDate as go-jose reads it: `ParseFloat`, then a conversion to int64 (truncation;
/// Rust's `as` saturates where Go's result is unspecified).
pub fn numeric_date(v: &Value) -> Option<i64> {
    match v {
        Value::Number(n) => n.as_i64().or_else(|| n.as_f64().map(|f| f as i64)),
        _ => None,
    }
}

/// Decodes the registered claims with Vault's rules. On failure returns the error Vault would
/// report: go-jose's own decoding errors (`aud`, NumericDates) abort immediately, so the first
/// of those in sorted key order wins; Go's `UnmarshalTypeError` for string fields is saved and
/// reported only when nothing else failed.
pub fn decode_vault(claims: &Map<String, Value>) -> Result<Registered, ClaimError> {
    let mut out = Registered::default();
    let mut saved: Option<ClaimError> = None;
    for name in NAMES {
        let Some(v) = claims.get(name) else { continue };
        if let Err(e) = decode_one(&mut out, name, v) {
            match name {
                "iss" | "sub" | "jti" => {
                    saved.get_or_insert(e);
                }
                _ => return Err(e),
            }
        }
    }
    match saved {
        Some(e) => Err(e),
        None => Ok(out),
    }
}

/// Every registered claim decoded on its own, for a report that lists every failure: the
/// claims whose type is right, and the names (in [`NAMES`] order) of those whose type is wrong
/// (left `None`). [`decode_vault`] says which of those Vault reports.
pub fn decode_vault_each(claims: &Map<String, Value>) -> (Registered, Vec<&'static str>) {
    let mut out = Registered::default();
    let mut wrong = Vec::new();
    for name in NAMES {
        if let Some(v) = claims.get(name) {
            if decode_one(&mut out, name, v).is_err() {
                wrong.push(name);
            }
        }
    }
    (out, wrong)
}

/// Decodes one registered claim into `out`; `null` counts as absent.
fn decode_one(out: &mut Registered, name: &str, v: &Value) -> Result<(), ClaimError> {
    match name {
        "aud" => match v {
            Value::String(s) => {
                out.aud = Some(alloc::vec![s.clone()]);
                out.aud_was_string = true;
            }
            Value::Array(items) => {
                let mut list = Vec::with_capacity(items.len());
                for item in items {
                    match item.as_str() {
                        Some(s) => list.push(String::from(s)),
                        None => return Err(type_err(name, "string or array of strings", v)),
                    }
                }
                out.aud = Some(list);
            }
            // go-jose's Audience refuses `null` too.
            _ => return Err(type_err(name, "string or array of strings", v)),
        },
        "exp" | "nbf" | "iat" => {
            if v.is_null() {
                return Ok(());
            }
            let t = numeric_date(v).ok_or_else(|| type_err(name, "number", v))?;
            match name {
                "exp" => out.exp = Some(t),
                "nbf" => out.nbf = Some(t),
                _ => out.iat = Some(t),
            }
        }
        _ => match v {
            Value::Null => {}
            Value::String(s) => match name {
                "iss" => out.iss = Some(s.clone()),
                "sub" => out.sub = Some(s.clone()),
                _ => {}
            },
            _ => return Err(type_err(name, "string", v)),
        },
    }
    Ok(())
}

fn type_err(claim: &str, expected: &'static str, v: &Value) -> ClaimError {
    ClaimError::Type {
        claim: String::from(claim),
        expected,
        found: type_name(v),
        wording: Wording::Vault,
    }
}

/// hashicorp/cap HEAD's claims-confusion guard: a top-level key that is not byte-identical to
/// a registered claim name but equals one under Unicode case folding (`SUB`, `ſub`) is
/// ambiguous, because Go's JSON decoder would read it into the registered field. Returns the
/// first such key in sorted order.
pub fn ambiguous_key(claims: &Map<String, Value>) -> Option<(String, &'static str)> {
    for key in claims.keys() {
        for name in NAMES {
            if key != name && folds_to(key, name) {
                return Some((key.clone(), name));
            }
        }
    }
    None
}

/// Unicode simple case folding restricted to what can fold onto the ASCII letters of the
/// registered names: ASCII case, U+017F LATIN SMALL LETTER LONG S (→ `s`) and U+212A KELVIN
/// SIGN (→ `k`).
fn folds_to(key: &str, name: &str) -> bool {
    let mut k = key.chars();
    for n in name.chars() {
        let Some(c) = k.next() else { return false };
        let folded = match c {
            '\u{17f}' => 's',
            '\u{212a}' => 'k',
            c => c.to_ascii_lowercase(),
        };
        if folded != n {
            return false;
        }
    }
    k.next().is_none()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::code::Code;
    use serde_json::json;

    fn decode(v: Value) -> Result<Registered, ClaimError> {
        decode_vault(v.as_object().unwrap())
    }

    #[test]
    fn truncates_and_types() {
        let r = decode(json!({"exp": 1699999939.9, "nbf": null, "aud": "a", "iss": "i"})).unwrap();
        assert_eq!(r.exp, Some(1_699_999_939));
        assert_eq!(r.nbf, None);
        assert_eq!(r.aud, Some(alloc::vec![String::from("a")]));
        assert!(r.aud_was_string);
        let e = decode(json!({"exp": "1700000000"})).unwrap_err();
        assert_eq!(e.code(), Code::JwtClaimType);
        assert_eq!(e.claim().as_deref(), Some("exp"));
    }

    #[test]
    fn numeric_date_errors_win_over_string_type_errors() {
        let e = decode(json!({"iss": 5, "sub": "x", "nbf": true})).unwrap_err();
        assert_eq!(e.claim().as_deref(), Some("nbf"));
        let e = decode(json!({"sub": 5, "iss": false})).unwrap_err();
        assert_eq!(e.claim().as_deref(), Some("iss"));
    }

    #[test]
    fn each_claim_decodes_on_its_own() {
        let (r, wrong) = decode_vault_each(
            json!({"iss": 5, "sub": "s", "aud": [1], "exp": 10.5, "nbf": "x", "jti": null})
                .as_object()
                .unwrap(),
        );
        assert_eq!(wrong, ["aud", "iss", "nbf"]);
        assert_eq!(
            (r.sub.as_deref(), r.exp, r.iss, r.aud, r.nbf),
            (Some("s"), Some(10), None, None, None)
        );
    }

    #[test]
    fn ambiguous_keys() {
        let c = json!({"SUB": "x", "sub": "y"});
        assert_eq!(ambiguous_key(c.as_object().unwrap()), Some((String::from("SUB"), "sub")));
        let c = json!({"\u{17f}ub": "x"});
        assert!(ambiguous_key(c.as_object().unwrap()).is_some());
        let c = json!({"subject": "x", "sub": "y"});
        assert!(ambiguous_key(c.as_object().unwrap()).is_none());
    }
}
