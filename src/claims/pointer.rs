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

    mod prop {
        use super::super::*;
        use alloc::format;
        use alloc::vec::Vec;
        use proptest::prelude::*;
        use serde_json::Value;

        /// RFC 6901 §3: `~` → `~0`, `/` → `~1`.
        fn escape(token: &str) -> String {
            token.replace('~', "~0").replace('/', "~1")
        }

        /// An independent evaluator written from RFC 6901 §3–4: one left-to-right pass over
        /// each reference token decodes `~0`/`~1`; array indexes are `0` or digits without a
        /// leading zero. Returns `None` for an ill-formed escape (the RFC makes it an error).
        fn reference<'a>(doc: &'a Map<String, Value>, pointer: &str) -> Option<&'a Value> {
            let rest = pointer.strip_prefix('/')?;
            let mut tokens = Vec::new();
            for raw in rest.split('/') {
                let mut t = String::new();
                let mut chars = raw.chars();
                while let Some(c) = chars.next() {
                    if c == '~' {
                        match chars.next() {
                            Some('0') => t.push('~'),
                            Some('1') => t.push('/'),
                            _ => return None,
                        }
                    } else {
                        t.push(c);
                    }
                }
                tokens.push(t);
            }
            let mut cur: Option<&Value> = None;
            for t in &tokens {
                cur = Some(match cur {
                    None => doc.get(t)?,
                    Some(Value::Object(m)) => m.get(t)?,
                    Some(Value::Array(a)) => {
                        let ok = t == "0"
                            || (t.bytes().all(|b| b.is_ascii_digit()) && !t.starts_with('0'));
                        if !ok || t.is_empty() {
                            return None;
                        }
                        a.get(t.parse::<usize>().ok()?)?
                    }
                    Some(_) => return None,
                });
            }
            cur.filter(|v| !v.is_null())
        }

        /// Keys drawn from a small alphabet that is mostly escapes, digits and separators, so
        /// pointers collide with real members often.
        fn key() -> impl Strategy<Value = String> {
            proptest::string::string_regex("[a~/0-9]{0,4}").unwrap()
        }

        fn value() -> impl Strategy<Value = Value> {
            let leaf = prop_oneof![
                Just(Value::Null),
                any::<bool>().prop_map(Value::Bool),
                any::<i32>().prop_map(Value::from),
                key().prop_map(Value::String),
            ];
            leaf.prop_recursive(4, 48, 6, |inner| {
                prop_oneof![
                    proptest::collection::vec(inner.clone(), 0..12).prop_map(Value::Array),
                    proptest::collection::btree_map(key(), inner, 0..6)
                        .prop_map(|m| Value::Object(m.into_iter().collect())),
                ]
            })
        }

        fn claims() -> impl Strategy<Value = Map<String, Value>> {
            proptest::collection::btree_map(key(), value(), 0..6)
                .prop_map(|m| m.into_iter().collect())
        }

        /// A pointer made of escaped tokens, plus index-like tokens (`0`, `01`, `10`, ...).
        fn pointer() -> impl Strategy<Value = String> {
            let token = prop_oneof![
                key(),
                proptest::string::string_regex("(0|[1-9][0-9]?|0[0-9]|\\+1| 1)").unwrap()
            ];
            proptest::collection::vec(token, 1..5)
                .prop_map(|ts| ts.iter().map(|t| format!("/{}", escape(t))).collect())
        }

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(2000))]

            #[test]
            fn escaping_round_trips(token in "[~/01a\\u{e9}]{0,10}", v in any::<i64>()) {
                let mut m = Map::new();
                m.insert(token.clone(), Value::from(v));
                let pointer = format!("/{}", escape(&token));
                prop_assert_eq!(get(&m, &pointer), Some(&Value::from(v)));
                prop_assert_eq!(unescape(&escape(&token)), token);
            }

            #[test]
            fn agrees_with_the_reference_evaluator(doc in claims(), ptr in pointer()) {
                prop_assert_eq!(get(&doc, &ptr), reference(&doc, &ptr), "pointer {:?}", ptr);
                // serde_json's own RFC 6901 evaluator is a second, independent opinion.
                let whole = Value::Object(doc.clone());
                let serde = whole.pointer(&ptr).filter(|v| !v.is_null());
                prop_assert_eq!(get(&doc, &ptr), serde, "pointer {:?}", ptr);
            }

            #[test]
            fn paths_into_the_document_resolve(doc in claims(), pick in any::<proptest::sample::Index>()) {
                // Every leaf's escaped path finds that leaf.
                let mut paths: Vec<(String, Value)> = Vec::new();
                fn walk(prefix: &str, v: &Value, out: &mut Vec<(String, Value)>) {
                    out.push((prefix.into(), v.clone()));
                    match v {
                        Value::Object(m) => {
                            for (k, c) in m {
                                walk(&format!("{prefix}/{}", escape(k)), c, out);
                            }
                        }
                        Value::Array(a) => {
                            for (i, c) in a.iter().enumerate() {
                                walk(&format!("{prefix}/{i}"), c, out);
                            }
                        }
                        _ => {}
                    }
                }
                for (k, v) in &doc {
                    walk(&format!("/{}", escape(k)), v, &mut paths);
                }
                prop_assume!(!paths.is_empty());
                let (p, v) = &paths[pick.index(paths.len())];
                let want = if v.is_null() { None } else { Some(v) };
                prop_assert_eq!(get(&doc, p), want, "pointer {:?}", p);
            }

            #[test]
            fn never_panics(doc in claims(), ptr in "\\PC{0,24}") {
                let _ = get(&doc, &ptr);
                let _ = get_plain(&doc, &ptr);
            }

            #[test]
            fn plain_keys_never_descend(doc in claims(), k in key()) {
                prop_assume!(!k.starts_with('/'));
                prop_assert_eq!(get(&doc, &k), doc.get(&k).filter(|v| !v.is_null()));
            }
        }
    }
}
