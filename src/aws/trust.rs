//! IAM role trust policies: parsing and evaluation for `sts:AssumeRoleWithWebIdentity`.
//!
//! IAM's documented rules (reference_policies_evaluation-logic, _condition_operators,
//! _multi-value-conditions): a statement applies when its `Action` and `Principal` match and
//! every condition holds (operators AND-ed, keys within an operator AND-ed, values of one key
//! OR-ed); an explicit `Deny` that applies wins over any `Allow`; nothing applying is an
//! implicit deny. For a key absent from the request: positive operators are false, negated
//! operators (`StringNot…`) are true, `…IfExists` is true, `ForAnyValue:` is false and
//! `ForAllValues:` is true.

use alloc::format;
use alloc::string::{String, ToString};
use alloc::vec::Vec;

use serde::Serialize;
use serde_json::{Map, Value};

use super::AwsError;
use crate::limits::Limits;

/// A parsed trust policy.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TrustPolicy {
    /// The statements, in order.
    pub statements: Vec<Statement>,
}

/// One statement.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Statement {
    /// `Sid`, when present.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sid: Option<String>,
    /// `Allow` (true) or `Deny` (false).
    pub allow: bool,
    /// `Principal.Federated` values (`["*"]` for `"Principal": "*"`).
    pub federated: Vec<String>,
    /// `Action` values.
    pub actions: Vec<String>,
    /// Conditions, in document order.
    pub conditions: Vec<Condition>,
}

/// Set qualifier of a condition operator.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum Qualifier {
    /// No qualifier.
    None,
    /// `ForAnyValue:`.
    ForAnyValue,
    /// `ForAllValues:`.
    ForAllValues,
}

/// One `operator: { key: values }` entry.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Condition {
    /// The operator as written (`StringLike`, `ForAnyValue:StringEquals`, …).
    pub operator: String,
    /// The base operator without qualifier and `IfExists`.
    pub base: String,
    /// Set qualifier.
    pub qualifier: Qualifier,
    /// `…IfExists`.
    pub if_exists: bool,
    /// The condition key as written.
    pub key: String,
    /// The policy values.
    pub values: Vec<String>,
}

const OPERATORS: &[&str] = &[
    "StringEquals",
    "StringNotEquals",
    "StringEqualsIgnoreCase",
    "StringNotEqualsIgnoreCase",
    "StringLike",
    "StringNotLike",
    "Null",
];

fn invalid(message: impl Into<String>) -> AwsError {
    AwsError::TrustPolicy { message: message.into() }
}

fn strings(v: &Value, what: &str) -> Result<Vec<String>, AwsError> {
    let one = |v: &Value| match v {
        Value::String(s) => Ok(s.clone()),
        Value::Bool(b) => Ok(b.to_string()),
        Value::Number(n) => Ok(n.to_string()),
        other => Err(invalid(format!(
            "{what} must be a string or a list of strings, found {}",
            crate::json::type_name(other)
        ))),
    };
    match v {
        Value::Array(a) => a.iter().map(one).collect(),
        other => Ok(alloc::vec![one(other)?]),
    }
}

/// Parses a trust policy document (strict JSON).
pub fn parse_trust_policy(text: &str, limits: &Limits) -> Result<TrustPolicy, AwsError> {
    let doc = crate::json::parse_object(text.as_bytes(), "trust policy", limits)
        .map_err(AwsError::Json)?;
    for key in doc.keys() {
        if !matches!(key.as_str(), "Version" | "Id" | "Statement") {
            return Err(invalid(format!("unknown top-level element {key:?}")));
        }
    }
    let stmts: Vec<&Map<String, Value>> = match doc.get("Statement") {
        Some(Value::Array(a)) => a
            .iter()
            .map(|s| s.as_object().ok_or_else(|| invalid("each Statement must be an object")))
            .collect::<Result<_, _>>()?,
        Some(Value::Object(o)) => alloc::vec![o],
        _ => return Err(invalid("missing Statement")),
    };
    let mut statements = Vec::new();
    for s in stmts {
        statements.push(parse_statement(s)?);
    }
    Ok(TrustPolicy { statements })
}

fn parse_statement(s: &Map<String, Value>) -> Result<Statement, AwsError> {
    for key in s.keys() {
        match key.as_str() {
            "Sid" | "Effect" | "Principal" | "Action" | "Condition" => {}
            "NotAction" | "NotPrincipal" | "Resource" | "NotResource" => {
                return Err(invalid(format!(
                    "{key} is not supported in a web-identity trust policy evaluation"
                )))
            }
            other => return Err(invalid(format!("unknown statement element {other:?}"))),
        }
    }
    let sid = s.get("Sid").and_then(Value::as_str).map(String::from);
    let allow = match s.get("Effect").and_then(Value::as_str) {
        Some("Allow") => true,
        Some("Deny") => false,
        other => {
            return Err(invalid(format!("Effect must be \"Allow\" or \"Deny\", found {other:?}")))
        }
    };
    let federated = match s.get("Principal") {
        Some(Value::String(star)) if star == "*" => alloc::vec!["*".to_string()],
        Some(Value::Object(p)) => match p.get("Federated") {
            Some(v) => strings(v, "Principal.Federated")?,
            None => Vec::new(),
        },
        _ => return Err(invalid("Principal must be \"*\" or an object")),
    };
    let actions = match s.get("Action") {
        Some(v) => strings(v, "Action")?,
        None => return Err(invalid("missing Action")),
    };
    let mut conditions = Vec::new();
    if let Some(c) = s.get("Condition") {
        let Value::Object(ops) = c else { return Err(invalid("Condition must be an object")) };
        for (operator, keys) in ops {
            let (qualifier, rest) = if let Some(r) = operator.strip_prefix("ForAnyValue:") {
                (Qualifier::ForAnyValue, r)
            } else if let Some(r) = operator.strip_prefix("ForAllValues:") {
                (Qualifier::ForAllValues, r)
            } else {
                (Qualifier::None, operator.as_str())
            };
            let (base, if_exists) = match rest.strip_suffix("IfExists") {
                Some(b) => (b, true),
                None => (rest, false),
            };
            if !OPERATORS.contains(&base) {
                return Err(invalid(format!(
                    "condition operator {operator:?} is not supported (string operators and Null only)"
                )));
            }
            let Value::Object(keys) = keys else {
                return Err(invalid(format!("{operator} must map condition keys to values")));
            };
            for (key, values) in keys {
                conditions.push(Condition {
                    operator: operator.clone(),
                    base: base.to_string(),
                    qualifier,
                    if_exists,
                    key: key.clone(),
                    values: strings(values, key)?,
                });
            }
        }
    }
    Ok(Statement { sid, allow, federated, actions, conditions })
}

/// IAM's `StringLike`: `*` any run of characters, `?` exactly one; case-sensitive unless
/// `fold` is set. Iterative with backtracking to the last `*`, so linear-ish and stack-safe.
pub fn like(pattern: &str, value: &str, fold: bool) -> bool {
    let p: Vec<char> = pattern.chars().collect();
    let v: Vec<char> = value.chars().collect();
    let eq = |a: char, b: char| if fold { a.to_lowercase().eq(b.to_lowercase()) } else { a == b };
    let (mut pi, mut vi) = (0usize, 0usize);
    let mut star: Option<(usize, usize)> = None;
    while vi < v.len() {
        match p.get(pi) {
            Some('*') => {
                star = Some((pi, vi));
                pi += 1;
            }
            Some(&c) if c == '?' || v.get(vi).is_some_and(|&x| eq(c, x)) => {
                pi += 1;
                vi += 1;
            }
            _ => match star {
                Some((sp, sv)) => {
                    pi = sp + 1;
                    vi = sv + 1;
                    star = Some((sp, sv + 1));
                }
                None => return false,
            },
        }
    }
    p.get(pi..).is_some_and(|rest| rest.iter().all(|&c| c == '*'))
}

/// The outcome of one condition, with the values compared.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ConditionResult {
    /// The condition.
    pub condition: Condition,
    /// The request's values for the key (`None`: key absent or not available offline).
    pub request_values: Option<Vec<String>>,
    /// Whether it holds.
    pub holds: bool,
    /// Why, in words.
    pub explanation: String,
}

/// Evaluates one condition against the request values for its key.
pub fn evaluate_condition(c: &Condition, request: Option<&[String]>) -> ConditionResult {
    let negated = c.base.starts_with("StringNot");
    let fold = c.base.ends_with("IgnoreCase");
    let matches_one = |v: &str| -> bool {
        c.values.iter().any(|p| match c.base.as_str() {
            "StringLike" | "StringNotLike" => like(p, v, false),
            _ if fold => p.to_lowercase() == v.to_lowercase(),
            _ => p == v,
        })
    };
    let values = request.filter(|v| !v.is_empty());
    let (holds, explanation) = if c.base == "Null" {
        let want_absent = c.values.iter().any(|v| v.eq_ignore_ascii_case("true"));
        let absent = values.is_none();
        (
            want_absent == absent,
            format!(
                "key is {}; Null {} requires it {}",
                if absent { "absent" } else { "present" },
                c.values.join(","),
                if want_absent { "absent" } else { "present" }
            ),
        )
    } else {
        match (values, c.qualifier) {
            (None, _) if c.if_exists => (true, "key absent: …IfExists conditions hold".to_string()),
            (None, Qualifier::ForAllValues) => (
                true,
                "key absent: ForAllValues holds for an empty set (overly permissive with Allow)"
                    .to_string(),
            ),
            (None, Qualifier::ForAnyValue) => {
                (false, "key absent: ForAnyValue needs at least one value".to_string())
            }
            (None, Qualifier::None) if negated => {
                (true, "key absent: negated operators hold".to_string())
            }
            (None, Qualifier::None) => (false, "key absent from the request".to_string()),
            (Some(vals), q) => {
                let per: Vec<bool> = vals.iter().map(|v| matches_one(v) != negated).collect();
                let holds = match q {
                    Qualifier::ForAllValues => per.iter().all(|b| *b),
                    // A single-valued operator on a multi-valued key (aud as a list) behaves
                    // like ForAnyValue here; IAM documents this combination as unreliable.
                    _ => per.iter().any(|b| *b),
                };
                let verb = match c.base.as_str() {
                    "StringLike" => "must match one of the patterns",
                    "StringNotLike" => "must match none of the patterns",
                    b if b.starts_with("StringNot") => "must equal none of",
                    _ => "must equal one of",
                };
                let scope = match q {
                    Qualifier::ForAllValues => "every request value",
                    Qualifier::ForAnyValue => "at least one request value",
                    Qualifier::None => "the request value",
                };
                let outcome = if holds { "holds" } else { "fails" };
                (holds, format!("{scope} {vals:?} {verb} {:?}: {outcome}", c.values))
            }
        }
    };
    ConditionResult {
        condition: c.clone(),
        request_values: values.map(<[String]>::to_vec),
        holds,
        explanation,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn like_wildcards() {
        assert!(like("global:default:*", "global:default:mongo:db:server:aws", false));
        assert!(like("a?c", "abc", false));
        assert!(!like("a?c", "ac", false));
        assert!(like("*", "", false));
        assert!(!like("ABC", "abc", false));
        assert!(like("a*b*c", "axxbyyc", false));
        assert!(!like("a*b*c", "axxbyy", false));
    }
}
