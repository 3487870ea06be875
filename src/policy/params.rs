//! Request-body parameter constraints (`required_parameters`, `allowed_parameters`,
//! `denied_parameters`) as Vault's `AllowOperation` checks them for read, create, update, patch
//! and recover (newest `vault/acl.go`):
//!
//! 1. every required parameter (lowercased) must be a key of the body;
//! 2. an empty body is allowed;
//! 3. `denied_parameters` with `*` refuses any body; a body parameter whose lowercased name is
//!    denied is refused when its value is in the list (an empty list denies every value; a list
//!    value is refused if any element is; a string is also read as a comma-separated list);
//! 4. no `allowed_parameters` (or only `*`) allows; otherwise every body parameter must be
//!    allowed (or `*` present) and its value in the list (a list value needs every element; a
//!    string is also read as a comma-separated list — so `""` passes, as in Vault).
//!
//! Values compare with `strutil.GlobbedStringsMatch` for strings (`*` at the start and/or end)
//! and equality otherwise; `policies`/`token_policies` values are lowercased first (Vault's
//! normalisation against mixed-case bypasses).

use alloc::collections::BTreeMap;
use alloc::format;
use alloc::string::{String, ToString};
use alloc::vec::Vec;

use serde_json::{Map, Value};

/// Vault's `GlobbedStringsMatch(item, val)`.
pub fn globbed_strings_match(item: &str, val: &str) -> bool {
    if item.len() < 2 {
        return val == item;
    }
    let prefix = item.strip_prefix('*');
    let suffix = item.strip_suffix('*');
    match (prefix, suffix) {
        (Some(_), Some(_)) => {
            let inner = item.get(1..item.len() - 1).unwrap_or("");
            val.contains(inner)
        }
        (Some(p), None) => val.ends_with(p),
        (None, Some(s)) => val.starts_with(s),
        (None, None) => val == item,
    }
}

fn in_list(v: &Value, list: &[Value]) -> bool {
    list.iter().any(|el| match (el, v) {
        (Value::Null, _) | (_, Value::Null) => el == v,
        (Value::String(e), Value::String(s)) => globbed_strings_match(e, s),
        (Value::String(_), _) => false,
        _ => el == v,
    })
}

/// `parseutil.ParseCommaStringSlice` for a string: split on `,`, trim each part; `""` → `[]`.
fn comma_slice(s: &str) -> Vec<Value> {
    if s.is_empty() {
        return Vec::new();
    }
    s.split(',').map(|p| Value::String(p.trim().to_string())).collect()
}

fn allowed_value(v: &Value, list: &[Value]) -> bool {
    if list.is_empty() || in_list(v, list) {
        return true;
    }
    match v {
        Value::Array(items) => items.iter().all(|i| in_list(i, list)),
        Value::String(s) => comma_slice(s).iter().all(|i| in_list(i, list)),
        _ => false,
    }
}

fn denied_value(v: &Value, list: &[Value]) -> bool {
    if list.is_empty() || in_list(v, list) {
        return true;
    }
    match v {
        Value::Array(items) => items.iter().any(|i| in_list(i, list)),
        Value::String(s) => comma_slice(s).iter().any(|i| in_list(i, list)),
        _ => false,
    }
}

fn normalize(param: &str, v: &Value) -> Value {
    match param.to_lowercase().as_str() {
        "policies" | "token_policies" => match v {
            Value::String(s) => Value::String(s.to_lowercase()),
            Value::Array(a) => Value::Array(
                a.iter()
                    .map(|e| match e {
                        Value::String(s) => Value::String(s.to_lowercase()),
                        other => other.clone(),
                    })
                    .collect(),
            ),
            other => other.clone(),
        },
        _ => v.clone(),
    }
}

/// Checks `body` against the constraints; `Err` names the refused parameter and why.
pub fn check(
    required: &[String],
    allowed: &BTreeMap<String, Vec<Value>>,
    denied: &BTreeMap<String, Vec<Value>>,
    body: &Map<String, Value>,
) -> Result<(), String> {
    for r in required {
        if !body.contains_key(&r.to_lowercase()) {
            return Err(format!("required parameter {:?} is missing", r.to_lowercase()));
        }
    }
    if body.is_empty() {
        return Ok(());
    }
    if !denied.is_empty() {
        if denied.contains_key("*") {
            return Err("denied_parameters contains \"*\": every parameter is denied".to_string());
        }
        for (param, value) in body {
            if let Some(list) = denied.get(&param.to_lowercase()) {
                if denied_value(&normalize(param, value), list) {
                    return Err(format!("parameter {param:?} value {value} is denied"));
                }
            }
        }
    }
    if allowed.is_empty() {
        return Ok(());
    }
    let all = allowed.contains_key("*");
    if all && allowed.len() == 1 {
        return Ok(());
    }
    for (param, value) in body {
        match allowed.get(&param.to_lowercase()) {
            None if !all => return Err(format!("parameter {param:?} is not allowed")),
            Some(list) if !allowed_value(&normalize(param, value), list) => {
                return Err(format!("parameter {param:?} value {value} is not allowed"))
            }
            _ => {}
        }
    }
    Ok(())
}

/// Vault's merge of two parameter maps (`NewACL`): an empty list wins, otherwise the values
/// are appended.
pub fn merge(into: &mut BTreeMap<String, Vec<Value>>, new: &BTreeMap<String, Vec<Value>>) {
    for (k, v) in new {
        match into.get_mut(k) {
            Some(existing) if v.is_empty() || existing.is_empty() => existing.clear(),
            Some(existing) => {
                let mut merged = v.clone();
                merged.append(existing);
                *existing = merged;
            }
            None => {
                into.insert(k.clone(), if v.is_empty() { Vec::new() } else { v.clone() });
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn map(v: Value) -> BTreeMap<String, Vec<Value>> {
        serde_json::from_value(v).unwrap()
    }

    #[test]
    fn globbing() {
        // Vault: an item shorter than two bytes is compared literally, so "*" matches only "*".
        assert!(!globbed_strings_match("*", "anything"));
        assert!(globbed_strings_match("*", "*"));
        assert!(globbed_strings_match("**", "anything"));
        assert!(globbed_strings_match("ab*", "abc"));
        assert!(globbed_strings_match("*bc", "abc"));
        assert!(globbed_strings_match("*b*", "abc"));
        assert!(!globbed_strings_match("a*c", "abc"));
        assert!(globbed_strings_match("a*c", "a*c"));
    }

    #[test]
    fn vault_rules() {
        let body = |v: Value| v.as_object().unwrap().clone();
        let allowed = map(json!({"foo": ["bar", "baz*"]}));
        let none = BTreeMap::new();
        assert!(check(&[], &allowed, &none, &body(json!({"foo": "bazooka"}))).is_ok());
        assert!(check(&[], &allowed, &none, &body(json!({"foo": "qux"}))).is_err());
        assert!(check(&[], &allowed, &none, &body(json!({"other": "x"}))).is_err());
        assert!(check(&[], &allowed, &none, &body(json!({"foo": "bar,baz1"}))).is_ok());
        assert!(check(&[], &allowed, &none, &body(json!({"foo": ""}))).is_ok());
        let denied = map(json!({"policies": ["root"]}));
        assert!(check(&[], &none, &denied, &body(json!({"policies": "default,ROOT"}))).is_err());
        assert!(check(&["Foo".into()], &none, &none, &body(json!({}))).is_err());
    }
}
