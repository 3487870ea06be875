//! `bound_claims` (vault-semantics §a.8; Vault `claims.go validateBoundClaims`): a map, AND
//! across keys, any-of within a list value, type-strict equality or go-glob.
//!
//! Claim side (`getClaim`): a number found at the looked-up position becomes the decimal
//! string of its truncated integer value, compared as a JSON number (`123.9` matches bound
//! `123`); numbers *inside* arrays stay floats and never equal a bound number. Bound side:
//! numbers keep their literal text, so only integer literals can ever match (`123.0` never
//! does).

use alloc::string::String;

use serde_json::{Map, Value};

use super::glob;
use super::{pointer, ClaimError};
use crate::role::BoundClaimsType;

/// A claim element as Vault's comparison sees it.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Elem<'a> {
    /// A top-level number converted to `json.Number(strconv.Itoa(int(v)))`.
    Int(i64),
    /// Any other element, compared by JSON type and value.
    Raw(&'a Value),
}

/// Go's `int(float64)` of a JSON number, as `getClaim` does (through float64, so integers
/// beyond 2^53 lose precision exactly as in Go).
fn truncate(n: &serde_json::Number) -> i64 {
    n.as_f64().map_or(0, |f| f as i64)
}

/// Checks one `bound_claims` entry against the claims.
pub fn check_one(
    claims: &Map<String, Value>,
    key: &str,
    bound: &Value,
    kind: BoundClaimsType,
) -> Result<(), ClaimError> {
    let missing = || ClaimError::BoundClaimMissing { key: String::from(key) };
    let actual = pointer::get(claims, key).ok_or_else(missing)?;
    let actual_elems: alloc::vec::Vec<Elem<'_>> = match actual {
        Value::Number(n) => alloc::vec![Elem::Int(truncate(n))],
        Value::String(_) | Value::Bool(_) => alloc::vec![Elem::Raw(actual)],
        Value::Array(items) => items.iter().map(Elem::Raw).collect(),
        _ => {
            return Err(ClaimError::BoundClaimType {
                key: String::from(key),
                actual: actual.clone(),
            })
        }
    };
    let bound_elems: &[Value] = match bound {
        Value::Array(items) => items,
        Value::String(_) | Value::Bool(_) | Value::Number(_) => core::slice::from_ref(bound),
        _ => {
            return Err(ClaimError::BoundValueInvalid {
                key: String::from(key),
                value: bound.clone(),
            })
        }
    };
    let glob_mode = kind == BoundClaimsType::Glob;
    // Glob mode compares strings only (role parsing guarantees string bound values;
    // non-string claim values are skipped): gathered once for every pattern.
    let subjects: alloc::vec::Vec<&str> = if glob_mode {
        actual_elems
            .iter()
            .filter_map(|a| if let Elem::Raw(v) = a { v.as_str() } else { None })
            .collect()
    } else {
        alloc::vec::Vec::new()
    };
    for b in bound_elems {
        let hit = if glob_mode {
            // The pattern is split once for all the claim's values.
            let Value::String(pattern) = b else { continue };
            let pattern = glob::Glob::new(pattern);
            subjects.iter().any(|subject| pattern.matches(subject))
        } else {
            actual_elems.iter().any(|a| equal(b, a))
        };
        if hit {
            return Ok(());
        }
    }
    Err(ClaimError::BoundClaimMismatch {
        key: String::from(key),
        expected: bound.clone(),
        actual: actual.clone(),
        glob: glob_mode,
    })
}

/// Go interface equality between a bound element and a claim element.
fn equal(bound: &Value, actual: &Elem<'_>) -> bool {
    match (bound, actual) {
        (Value::String(b), Elem::Raw(Value::String(a))) => b == a,
        (Value::Bool(b), Elem::Raw(Value::Bool(a))) => b == a,
        // json.Number vs json.Number: literal text equality. Only integer literals can equal
        // the `Itoa` text of a truncated claim.
        (Value::Number(b), Elem::Int(a)) => {
            if let Some(b) = b.as_i64() {
                b == *a
            } else {
                b.as_u64().is_some_and(|b| i64::try_from(b).is_ok_and(|b| b == *a))
            }
        }
        // float64 (array element) vs json.Number, strings vs numbers, etc.: different Go types.
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::code::Code;
    use serde_json::json;

    fn check(claims: Value, key: &str, bound: Value, kind: BoundClaimsType) -> Result<(), Code> {
        check_one(claims.as_object().unwrap(), key, &bound, kind).map(|_| ()).map_err(|e| e.code())
    }

    #[test]
    fn type_strict_string_matching() {
        use BoundClaimsType::String as S;
        assert_eq!(check(json!({"n": 123.9}), "n", json!(123), S), Ok(()));
        assert_eq!(check(json!({"n": 123}), "n", json!(123.0), S), Err(Code::BoundClaimMismatch));
        assert_eq!(check(json!({"n": "123"}), "n", json!(123), S), Err(Code::BoundClaimMismatch));
        assert_eq!(check(json!({"n": [123]}), "n", json!(123), S), Err(Code::BoundClaimMismatch));
        assert_eq!(check(json!({"b": true}), "b", json!("true"), S), Err(Code::BoundClaimMismatch));
        assert_eq!(check(json!({"b": true}), "b", json!([false, true]), S), Ok(()));
        assert_eq!(check(json!({"l": ["a", "b"]}), "l", json!(["x", "b"]), S), Ok(()));
        assert_eq!(check(json!({"l": []}), "l", json!(["x"]), S), Err(Code::BoundClaimMismatch));
        assert_eq!(check(json!({"s": "a"}), "s", json!([]), S), Err(Code::BoundClaimMismatch));
        assert_eq!(check(json!({"o": {}}), "o", json!("a"), S), Err(Code::BoundClaimType));
        assert_eq!(check(json!({"n": null}), "n", json!("a"), S), Err(Code::BoundClaimMissing));
        assert_eq!(check(json!({"s": "*"}), "s", json!("*"), S), Ok(()));
        assert_eq!(check(json!({"s": "x"}), "s", json!("*"), S), Err(Code::BoundClaimMismatch));
    }

    #[test]
    fn glob_skips_non_strings() {
        use BoundClaimsType::Glob as G;
        assert_eq!(check(json!({"s": "prod-api"}), "s", json!("prod-*"), G), Ok(()));
        assert_eq!(check(json!({"s": [1, "prod-x"]}), "s", json!("prod-*"), G), Ok(()));
        assert_eq!(check(json!({"n": 123}), "n", json!("12*"), G), Err(Code::BoundClaimMismatch));
        // go-glob v1.0.0 has no short-subject quirk: `ab*c` does not match `ab`.
        assert_eq!(check(json!({"s": "ab"}), "s", json!("ab*c"), G), Err(Code::BoundClaimMismatch));
    }
}
