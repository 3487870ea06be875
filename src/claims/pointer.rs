//! Claim lookup as Vault's `getClaim` does it: a key starting with `/` is an RFC 6901 JSON
//! Pointer (`~1` → `/`, `~0` → `~`, numeric parts index arrays), anything else is a literal
//! top-level name (`meta/team` does not descend).
//!
//! Divergence (recorded in `tests/vectors/known-divergences.json`): array indexes follow RFC
//! 6901 (decimal digits, no leading zeros). Vault's `pointerstructure` coerces them with Go's
//! base-0 `ParseInt`, so `/groups/010` would read index 8 there.

use alloc::string::String;

use serde_json::{Map, Value};

/// Looks `key` up in `claims`. `None` when absent, unresolvable, or JSON `null` (Vault treats
/// all three as missing).
pub fn get<'a>(claims: &'a Map<String, Value>, key: &str) -> Option<&'a Value> {
    let found = match key.strip_prefix('/') {
        None => claims.get(key),
        Some(rest) => resolve(claims, rest),
    };
    found.filter(|v| !v.is_null())
}

/// A plain top-level lookup (`user_claim` without `user_claim_json_pointer`).
pub fn get_plain<'a>(claims: &'a Map<String, Value>, key: &str) -> Option<&'a Value> {
    claims.get(key).filter(|v| !v.is_null())
}

fn resolve<'a>(claims: &'a Map<String, Value>, pointer: &str) -> Option<&'a Value> {
    let mut parts = pointer.split('/');
    let first = unescape(parts.next()?);
    let mut cur = claims.get(first.as_str())?;
    for raw in parts {
        let part = unescape(raw);
        cur = match cur {
            Value::Object(m) => m.get(part.as_str())?,
            Value::Array(items) => items.get(index(&part)?)?,
            _ => return None,
        };
    }
    Some(cur)
}

/// `~1` first, then `~0`, exactly as RFC 6901 §4 and pointerstructure order them.
fn unescape(part: &str) -> String {
    part.replace("~1", "/").replace("~0", "~")
}

fn index(part: &str) -> Option<usize> {
    let canonical = part == "0" || (!part.starts_with('0') && !part.is_empty());
    if canonical && part.bytes().all(|b| b.is_ascii_digit()) {
        part.parse().ok()
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn pointer_and_plain_lookup() {
        let v = json!({"a/b": 1, "m~n": 2, "x": {"y": [10, {"z": "deep"}]}, "n": null, "": 3});
        let c = v.as_object().unwrap();
        assert_eq!(get(c, "/a~1b"), Some(&json!(1)));
        assert_eq!(get(c, "/m~0n"), Some(&json!(2)));
        assert_eq!(get(c, "/x/y/1/z"), Some(&json!("deep")));
        assert_eq!(get(c, "/x/y/01"), None);
        assert_eq!(get(c, "/x/y/2"), None);
        assert_eq!(get(c, "/n"), None);
        assert_eq!(get(c, "/"), Some(&json!(3)));
        assert_eq!(get(c, "x/y"), None);
        assert_eq!(get(c, "a/b"), Some(&json!(1)));
    }
}
