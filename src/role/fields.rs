//! Field decoders mirroring Vault's `framework` field types, so a role or config written with
//! `vault write` (strings everywhere) and one read back with `vault read -format=json` (typed
//! JSON) both parse the same way.

use alloc::collections::BTreeMap;
use alloc::format;
use alloc::string::{String, ToString};
use alloc::vec::Vec;

use serde_json::{Map, Value};

use super::ConfigError;
use crate::json::type_name;

/// Which document a field belongs to, for error codes.
#[derive(Clone, Copy)]
pub(super) enum Doc {
    Role,
    Config,
}

pub(super) fn invalid(doc: Doc, field: &str, reason: String) -> ConfigError {
    match doc {
        Doc::Role => ConfigError::RoleInvalid { field: field.to_string(), reason },
        Doc::Config => ConfigError::ConfigInvalid { field: field.to_string(), reason },
    }
}

fn expected(doc: Doc, field: &str, what: &str, v: &Value) -> ConfigError {
    invalid(doc, field, format!("expected {what}, found {}", type_name(v)))
}

/// The value of `field`, treating JSON `null` as absent (`vault read` prints unset maps and
/// lists as `null`).
pub(super) fn get<'a>(m: &'a Map<String, Value>, field: &str) -> Option<&'a Value> {
    m.get(field).filter(|v| !v.is_null())
}

/// `TypeString`: strings, and numbers/booleans weakly converted as mapstructure does.
pub(super) fn string(doc: Doc, m: &Map<String, Value>, field: &str) -> Result<String, ConfigError> {
    match get(m, field) {
        None => Ok(String::new()),
        Some(Value::String(s)) => Ok(s.clone()),
        Some(Value::Number(n)) => Ok(n.to_string()),
        Some(Value::Bool(b)) => Ok(String::from(if *b { "1" } else { "0" })),
        Some(v) => Err(expected(doc, field, "a string", v)),
    }
}

/// `TypeBool`: booleans, Go `strconv.ParseBool` strings and numbers (non-zero is true).
pub(super) fn boolean(doc: Doc, m: &Map<String, Value>, field: &str) -> Result<bool, ConfigError> {
    match get(m, field) {
        None => Ok(false),
        Some(Value::Bool(b)) => Ok(*b),
        Some(Value::Number(n)) => Ok(n.as_f64().is_some_and(|f| f != 0.0)),
        Some(Value::String(s)) => match s.as_str() {
            "1" | "t" | "T" | "TRUE" | "true" | "True" => Ok(true),
            "0" | "f" | "F" | "FALSE" | "false" | "False" | "" => Ok(false),
            _ => Err(invalid(doc, field, format!("cannot parse {s:?} as a boolean"))),
        },
        Some(v) => Err(expected(doc, field, "a boolean", v)),
    }
}

fn scalar_to_string(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(String::from(if *b { "1" } else { "0" })),
        _ => None,
    }
}

/// `TypeCommaStringSlice`: a list, or a string split on `,`; every entry trimmed
/// (`go-secure-stdlib/parseutil.ParseCommaStringSlice`). `""` is the empty list; empty entries
/// inside a list are kept, as Vault keeps them.
pub(super) fn comma_list(
    doc: Doc,
    m: &Map<String, Value>,
    field: &str,
) -> Result<Vec<String>, ConfigError> {
    match get(m, field) {
        None => Ok(Vec::new()),
        Some(Value::String(s)) if s.is_empty() => Ok(Vec::new()),
        Some(Value::String(s)) => Ok(s.split(',').map(|p| p.trim().to_string()).collect()),
        Some(Value::Number(n)) => Ok(alloc::vec![n.to_string()]),
        Some(Value::Array(items)) => items
            .iter()
            .map(|item| {
                scalar_to_string(item)
                    .map(|s| s.trim().to_string())
                    .ok_or_else(|| expected(doc, field, "a list of strings", item))
            })
            .collect(),
        Some(v) => Err(expected(doc, field, "a list or comma-separated string", v)),
    }
}

/// `TypeKVPairs` (`claim_mappings`): an object of strings, or a list of `key=value` strings.
pub(super) fn kv_pairs(
    doc: Doc,
    m: &Map<String, Value>,
    field: &str,
) -> Result<BTreeMap<String, String>, ConfigError> {
    let mut out = BTreeMap::new();
    match get(m, field) {
        None => {}
        Some(Value::Object(obj)) => {
            for (k, v) in obj {
                let s = scalar_to_string(v)
                    .ok_or_else(|| expected(doc, field, "an object of strings", v))?;
                out.insert(k.clone(), s);
            }
        }
        Some(Value::Array(items)) => {
            for item in items {
                let s = item.as_str().ok_or_else(|| expected(doc, field, "key=value", item))?;
                let (k, v) = s
                    .split_once('=')
                    .ok_or_else(|| invalid(doc, field, format!("{s:?} is not key=value")))?;
                out.insert(k.to_string(), v.to_string());
            }
        }
        Some(v) => return Err(expected(doc, field, "an object", v)),
    }
    Ok(out)
}
