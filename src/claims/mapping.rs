//! What a login turns the claims into (vault-semantics §a.9–a.11): the alias name from
//! `user_claim`, alias metadata from `claim_mappings`, group alias names from `groups_claim`.

use alloc::collections::BTreeMap;
use alloc::string::String;
use alloc::vec::Vec;

use serde_json::{Map, Value};

use super::{pointer, ClaimError};
use crate::role::VaultRole;

/// The alias name (`path_login.go createIdentity`). With `user_claim_json_pointer` the lookup
/// is pointer-capable; without it a leading `/` is part of a literal top-level name.
pub fn user_claim(claims: &Map<String, Value>, role: &VaultRole) -> Result<String, ClaimError> {
    let claim = &role.user_claim;
    let found = if role.user_claim_json_pointer {
        pointer::get(claims, claim)
    } else {
        pointer::get_plain(claims, claim)
    };
    match found {
        None => Err(ClaimError::UserClaimMissing {
            claim: claim.clone(),
            pointer_hint: !role.user_claim_json_pointer
                && claim.starts_with('/')
                && pointer::get(claims, claim).is_some(),
        }),
        Some(Value::String(s)) => Ok(s.clone()),
        Some(other) => {
            Err(ClaimError::UserClaimNotString { claim: claim.clone(), actual: other.clone() })
        }
    }
}

/// One `claim_mappings` entry: `Ok(None)` when the source is missing or null (silently
/// skipped, as the code does — the docs say otherwise), an error when it is not a string.
pub fn mapping(claims: &Map<String, Value>, source: &str) -> Result<Option<String>, ClaimError> {
    match pointer::get(claims, source) {
        None => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(other) => Err(ClaimError::MappingNotString {
            source: String::from(source),
            actual: other.clone(),
        }),
    }
}

/// All `claim_mappings` in sorted source order (Vault iterates a Go map, so with several
/// non-string sources the one it names is random; jwtgate names the first in sorted order),
/// then `role` = the role name.
pub fn metadata(
    claims: &Map<String, Value>,
    role: &VaultRole,
    role_name: &str,
) -> Result<BTreeMap<String, String>, ClaimError> {
    let mut out = BTreeMap::new();
    for (source, dest) in &role.claim_mappings {
        if let Some(v) = mapping(claims, source)? {
            out.insert(dest.clone(), v);
        }
    }
    out.insert(String::from("role"), String::from(role_name));
    Ok(out)
}

/// Group alias names from `groups_claim` (always pointer-capable): a string is one group,
/// empty strings are skipped, anything but strings fails.
pub fn groups(claims: &Map<String, Value>, claim: &str) -> Result<Vec<String>, ClaimError> {
    let found = pointer::get(claims, claim)
        .ok_or_else(|| ClaimError::GroupsMissing { claim: String::from(claim) })?;
    let elems: &[Value] = match found {
        Value::Array(items) => items,
        Value::String(_) | Value::Bool(_) | Value::Number(_) => core::slice::from_ref(found),
        other => {
            return Err(ClaimError::GroupsInvalid {
                claim: String::from(claim),
                actual: other.clone(),
            })
        }
    };
    let mut out = Vec::new();
    for e in elems {
        match e {
            Value::String(s) if s.is_empty() => {}
            Value::String(s) => out.push(s.clone()),
            other => {
                // A top-level number reaches this point as its truncated integer (getClaim).
                let element = match (found, other) {
                    (Value::Number(n), _) => Value::from(n.as_f64().map_or(0, |f| f as i64)),
                    _ => other.clone(),
                };
                return Err(ClaimError::GroupsElement { claim: String::from(claim), element });
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::code::Code;
    use alloc::string::ToString;
    use serde_json::json;

    fn role(v: Value) -> VaultRole {
        VaultRole::from_map(v.as_object().unwrap()).unwrap()
    }

    #[test]
    fn user_claim_pointer_flag() {
        let claims = json!({"nomad_job_id": "mongo", "n": 5});
        let c = claims.as_object().unwrap();
        let r =
            role(json!({"role_type": "jwt", "user_claim": "/nomad_job_id", "bound_subject": "x"}));
        let e = user_claim(c, &r).unwrap_err();
        assert_eq!(e.code(), Code::UserClaimMissing);
        assert!(e.to_string().starts_with("claim \"/nomad_job_id\" not found in token"));
        let r = role(json!({"role_type": "jwt", "user_claim": "/nomad_job_id",
            "user_claim_json_pointer": true, "bound_subject": "x"}));
        assert_eq!(user_claim(c, &r).unwrap(), "mongo");
        let r = role(json!({"role_type": "jwt", "user_claim": "n", "bound_subject": "x"}));
        assert_eq!(user_claim(c, &r).unwrap_err().code(), Code::UserClaimNotString);
    }

    #[test]
    fn mappings_skip_missing_and_fail_on_non_strings() {
        let claims = json!({"a": "x", "b": 1, "e": ""});
        let c = claims.as_object().unwrap();
        let r = role(json!({"role_type": "jwt", "user_claim": "a", "bound_subject": "x",
            "claim_mappings": {"a": "ma", "missing": "mm", "e": "me"}}));
        let m = metadata(c, &r, "r1").unwrap();
        assert_eq!(m.get("ma").map(String::as_str), Some("x"));
        assert_eq!(m.get("me").map(String::as_str), Some(""));
        assert!(!m.contains_key("mm"));
        assert_eq!(m.get("role").map(String::as_str), Some("r1"));
        assert_eq!(mapping(c, "b").unwrap_err().code(), Code::ClaimMappingNotString);
    }

    #[test]
    fn groups_rules() {
        let claims = json!({"g": ["a", "", "b"], "s": "one", "bad": ["a", 5], "o": {}, "n": 5.7});
        let c = claims.as_object().unwrap();
        assert_eq!(groups(c, "g").unwrap(), ["a", "b"]);
        assert_eq!(groups(c, "s").unwrap(), ["one"]);
        let e = groups(c, "bad").unwrap_err();
        assert_eq!(e.to_string(), "value 5 in groups claim could not be parsed as string");
        assert_eq!(groups(c, "o").unwrap_err().code(), Code::GroupsClaimInvalid);
        assert_eq!(groups(c, "x").unwrap_err().code(), Code::GroupsClaimMissing);
        assert_eq!(
            groups(c, "n").unwrap_err().to_string(),
            "value 5 in groups claim could not be parsed as string"
        );
    }
}
