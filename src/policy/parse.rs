//! Turns a policy document (HCL v1 or JSON) into a [`Policy`], with Vault's validation.
//!
//! Like HCL v1's own `hcl.Parse`, a document whose first non-blank character is `{` is JSON
//! (read with the strict [`crate::json`] reader: duplicate members and over-deep nesting are
//! refused); anything else is HCL. Both are turned into the same [`hcl::Body`] tree and checked
//! by the same code, following `vault/policy.go`:
//!
//! - top-level keys: `name`, `path` only (`invalid key "<k>"`);
//! - path keys: `capabilities`, `policy`, `allowed_parameters`, `denied_parameters`,
//!   `required_parameters`, `min_wrapping_ttl`, `max_wrapping_ttl`, `mfa_methods`,
//!   `control_group`, `subscribe_event_types`, `comment` — anything else is refused;
//! - a repeated attribute inside one block is refused (Vault deprecated "last one wins" and
//!   removes it; we never guess which one the author meant); repeated `path` blocks are fine;
//! - `invalid capability "<c>"`, `invalid policy "<p>"`, `+*` forbidden, unbalanced `{{`/`}}`
//!   (only the balance check runs here, as in Vault's write path).

use alloc::collections::BTreeMap;
use alloc::format;
use alloc::string::{String, ToString};
use alloc::vec::Vec;

use serde_json::Value as Json;

use super::hcl::{self, Body, Item, Pos, Value};
use super::template;
use super::{Capabilities, PathRule, Policy, PolicyError};
use crate::duration::parse_duration_second;
use crate::limits::Limits;

const PATH_KEYS: &[&str] = &[
    "comment",
    "policy",
    "capabilities",
    "allowed_parameters",
    "denied_parameters",
    "required_parameters",
    "min_wrapping_ttl",
    "max_wrapping_ttl",
    "mfa_methods",
    "control_group",
    "subscribe_event_types",
];

/// Parses one policy document. `name` is the policy's name as Vault knows it (the name it was
/// written under); when empty, the document's own `name` key is used.
pub fn parse_policy(name: &str, text: &str, limits: &Limits) -> Result<Policy, PolicyError> {
    let mut policy_name = String::from(name);
    if let Err(limit) = Limits::check("max_document_len", text.len(), limits.max_document_len) {
        return Err(PolicyError::Limit { policy: policy_name, limit });
    }
    let body = if text.trim_start().starts_with('{') {
        let obj = crate::json::parse_object(text.as_bytes(), "policy", limits)
            .map_err(|error| PolicyError::Json { policy: policy_name.clone(), error })?;
        json_to_body(&obj)
    } else {
        hcl::parse(text, limits.max_json_depth).map_err(|e| {
            let (policy, line, column) = (policy_name.clone(), e.pos.line, e.pos.column);
            let snippet = hcl::snippet(text, e.pos);
            if e.too_deep {
                PolicyError::Nesting { policy, line, column, message: e.message, snippet }
            } else {
                PolicyError::Syntax { policy, line, column, message: e.message, snippet }
            }
        })?
    };
    let mut ctx = Ctx { policy: policy_name.clone(), text };
    let mut paths = Vec::new();
    let mut seen_name = false;
    for item in &body.items {
        match item.key.as_str() {
            "name" if item.labels.is_empty() => {
                if seen_name {
                    return Err(ctx.invalid(None, item.pos, "duplicate attribute \"name\""));
                }
                seen_name = true;
                let Value::Str(n) = &item.value else {
                    return Err(ctx.invalid(None, item.pos, "\"name\" must be a string"));
                };
                if policy_name.is_empty() {
                    policy_name.clone_from(n);
                    ctx.policy.clone_from(n);
                }
            }
            "path" => paths.push(ctx.path_rule(item)?),
            other => {
                return Err(ctx.invalid(None, item.pos, format!("invalid key {other:?}")));
            }
        }
    }
    let templated = paths.iter().any(|p| p.templated);
    Ok(Policy { name: policy_name, paths, templated })
}

struct Ctx<'a> {
    policy: String,
    text: &'a str,
}

impl Ctx<'_> {
    fn invalid(&self, path: Option<&str>, pos: Pos, message: impl Into<String>) -> PolicyError {
        let snippet = if pos.line > 0 { hcl::snippet(self.text, pos) } else { String::new() };
        PolicyError::Invalid {
            policy: self.policy.clone(),
            path: path.map(String::from),
            line: pos.line,
            column: pos.column,
            message: message.into(),
            snippet,
        }
    }

    fn path_rule(&mut self, item: &Item) -> Result<PathRule, PolicyError> {
        let path = match item.labels.as_slice() {
            [p] => p.clone(),
            [] => return Err(self.invalid(None, item.pos, "path block needs exactly one label")),
            _ => return Err(self.invalid(None, item.pos, "path block has more than one label")),
        };
        let p = Some(path.as_str());
        let Value::Object(body) = &item.value else {
            return Err(self.invalid(p, item.pos, "path must be a block"));
        };
        let templated = match template::check_balanced(&path) {
            Ok(t) => t,
            Err(_) => {
                return Err(PolicyError::TemplateUnbalanced { policy: self.policy.clone(), path });
            }
        };
        if path.contains("+*") {
            return Err(self.invalid(p, item.pos, "invalid use of wildcards ('+*' is forbidden)"));
        }
        let mut rule = PathRule {
            path: path.clone(),
            capabilities: Capabilities::default(),
            capabilities_written: Vec::new(),
            legacy_policy: None,
            allowed_parameters: None,
            denied_parameters: None,
            required_parameters: Vec::new(),
            min_wrapping_ttl: None,
            max_wrapping_ttl: None,
            mfa_methods: Vec::new(),
            control_group: None,
            subscribe_event_types: Vec::new(),
            comment: None,
            templated,
            line: item.pos.line,
        };
        let mut seen: Vec<&str> = Vec::new();
        let mut caps_pos = item.pos;
        for attr in &body.items {
            let key = attr.key.as_str();
            if !PATH_KEYS.contains(&key) {
                return Err(self.invalid(p, attr.pos, format!("invalid key {key:?}")));
            }
            if seen.contains(&key) {
                return Err(self.invalid(
                    p,
                    attr.pos,
                    format!("duplicate attribute {key:?} (Vault removed \"last one wins\")"),
                ));
            }
            seen.push(key);
            let needs_assign =
                !matches!(key, "allowed_parameters" | "denied_parameters" | "control_group");
            if needs_assign && !attr.labels.is_empty() {
                return Err(self.invalid(p, attr.pos, format!("{key:?} must be an attribute")));
            }
            match key {
                "capabilities" => {
                    caps_pos = attr.pos;
                    rule.capabilities_written = self.strings(p, attr)?;
                }
                "policy" => rule.legacy_policy = Some(self.string(p, attr)?),
                "comment" => rule.comment = Some(self.string(p, attr)?),
                "required_parameters" => rule.required_parameters = self.strings(p, attr)?,
                "mfa_methods" => rule.mfa_methods = self.strings(p, attr)?,
                "subscribe_event_types" => rule.subscribe_event_types = self.strings(p, attr)?,
                "allowed_parameters" => rule.allowed_parameters = Some(self.params(p, attr)?),
                "denied_parameters" => rule.denied_parameters = Some(self.params(p, attr)?),
                "min_wrapping_ttl" => rule.min_wrapping_ttl = Some(self.ttl(p, attr)?),
                "max_wrapping_ttl" => rule.max_wrapping_ttl = Some(self.ttl(p, attr)?),
                _ => rule.control_group = Some(self.control_group(p, attr)?),
            }
        }
        rule.capabilities = self.capabilities(p, caps_pos, &rule)?;
        if let (Some(min), Some(max)) = (rule.min_wrapping_ttl, rule.max_wrapping_ttl) {
            if max != 0 && max < min {
                return Err(self.invalid(
                    p,
                    item.pos,
                    "max_wrapping_ttl cannot be less than min_wrapping_ttl",
                ));
            }
        }
        Ok(rule)
    }

    /// `vault/policy.go`: legacy `policy` values add to `capabilities` (except `deny`, which
    /// replaces them); `deny` anywhere collapses the rule to deny-only; unknown names refuse
    /// the whole policy.
    fn capabilities(
        &self,
        p: Option<&str>,
        pos: Pos,
        rule: &PathRule,
    ) -> Result<Capabilities, PolicyError> {
        let mut names: Vec<&str> = rule.capabilities_written.iter().map(String::as_str).collect();
        if let Some(legacy) = &rule.legacy_policy {
            let extra: &[&str] = match legacy.as_str() {
                "deny" => {
                    names = Vec::new();
                    &["deny"]
                }
                "read" => &["read", "list"],
                "write" => &["create", "read", "update", "delete", "list"],
                "sudo" => &["create", "read", "update", "delete", "list", "sudo"],
                other => return Err(self.invalid(p, pos, format!("invalid policy {other:?}"))),
            };
            names.extend_from_slice(extra);
        }
        let mut bits = 0u16;
        for name in names {
            match Capabilities::bit(name) {
                Some(Capabilities::DENY) => return Ok(Capabilities(Capabilities::DENY)),
                Some(b) => bits |= b,
                None => return Err(self.invalid(p, pos, format!("invalid capability {name:?}"))),
            }
        }
        Ok(Capabilities(bits))
    }

    fn string(&self, p: Option<&str>, attr: &Item) -> Result<String, PolicyError> {
        match &attr.value {
            Value::Str(s) => Ok(s.clone()),
            other => Err(self.invalid(
                p,
                attr.pos,
                format!("{:?} must be a string, found {}", attr.key, other.kind()),
            )),
        }
    }

    fn strings(&self, p: Option<&str>, attr: &Item) -> Result<Vec<String>, PolicyError> {
        let Value::List(items) = &attr.value else {
            return Err(self.invalid(
                p,
                attr.pos,
                format!("{:?} must be a list of strings, found {}", attr.key, attr.value.kind()),
            ));
        };
        let mut out = Vec::with_capacity(items.len());
        for (pos, v) in items {
            match v {
                Value::Str(s) => out.push(s.clone()),
                other => {
                    return Err(self.invalid(
                        p,
                        *pos,
                        format!(
                            "{:?} must be a list of strings, found a {}",
                            attr.key,
                            other.kind()
                        ),
                    ))
                }
            }
        }
        Ok(out)
    }

    fn params(
        &self,
        p: Option<&str>,
        attr: &Item,
    ) -> Result<BTreeMap<String, Vec<Json>>, PolicyError> {
        let Value::Object(body) = &attr.value else {
            return Err(self.invalid(p, attr.pos, format!("{:?} must be an object", attr.key)));
        };
        let mut out = BTreeMap::new();
        for param in &body.items {
            if !param.labels.is_empty() {
                return Err(self.invalid(
                    p,
                    param.pos,
                    format!("{:?}: unexpected block", attr.key),
                ));
            }
            let values = match &param.value {
                Value::List(items) => items.iter().map(|(_, v)| to_json(v)).collect(),
                other => {
                    return Err(self.invalid(
                        p,
                        param.pos,
                        format!(
                            "{}: {:?} must be a list, found {}",
                            attr.key,
                            param.key,
                            other.kind()
                        ),
                    ))
                }
            };
            if out.insert(param.key.to_lowercase(), values).is_some() {
                return Err(self.invalid(
                    p,
                    param.pos,
                    format!("{}: duplicate parameter {:?}", attr.key, param.key),
                ));
            }
        }
        Ok(out)
    }

    fn ttl(&self, p: Option<&str>, attr: &Item) -> Result<i64, PolicyError> {
        let ns = match &attr.value {
            Value::Str(s) => parse_duration_second(s),
            Value::Number(n) => match n.parse::<i64>() {
                Ok(secs) => secs.checked_mul(1_000_000_000).ok_or_else(|| "overflow".to_string()),
                Err(_) => Err(format!("invalid number {n:?}")),
            },
            other => Err(format!("expected a duration, found {}", other.kind())),
        };
        match ns {
            Ok(ns) => Ok(ns / 1_000_000_000),
            Err(e) => Err(self.invalid(p, attr.pos, format!("error parsing {}: {e}", attr.key))),
        }
    }

    fn control_group(&self, p: Option<&str>, attr: &Item) -> Result<Json, PolicyError> {
        let Value::Object(body) = &attr.value else {
            return Err(self.invalid(p, attr.pos, "\"control_group\" must be a block"));
        };
        let has_factor = body.items.iter().any(|i| i.key == "factor");
        if !has_factor {
            return Err(self.invalid(p, attr.pos, "no control group factors provided"));
        }
        Ok(to_json(&attr.value))
    }
}

/// An HCL number literal as JSON: an integer that fits `i64` as itself, a float as the number
/// Rust's `f64` grammar reads it (`1.`, `01.5` and `1.e3` included), anything else (`0x1f`, a
/// float beyond `f64`'s range) as its text.
///
/// Floats go through serde_json's correctly rounded reader (its `float_roundtrip` feature, see
/// Cargo.toml), the one every JSON number jwtgate reads goes through, request bodies included,
/// so a policy literal and the same number in a body read as the same `f64`. The literal is
/// first respelled in JSON's stricter grammar ([`json_float_text`]).
fn number_json(n: &str) -> Json {
    if let Ok(i) = n.parse::<i64>() {
        return Json::from(i);
    }
    json_float_text(n)
        .and_then(|text| serde_json::from_str::<f64>(&text).ok())
        .map_or_else(|| Json::String(n.to_string()), Json::from)
}

/// `literal`, a float in Rust's grammar (`-`? digits with an optional `.` and fraction, then an
/// optional exponent; the lexer never starts one with `+` or `.`), spelled as JSON spells it:
/// leading zeros dropped, a `.` with no digits after it dropped. `None` when it is not such a
/// float.
fn json_float_text(literal: &str) -> Option<String> {
    let (sign, unsigned) = match literal.strip_prefix('-') {
        Some(rest) => ("-", rest),
        None => ("", literal),
    };
    let (mantissa, exponent) = match unsigned.split_once(['e', 'E']) {
        Some((m, e)) => (m, Some(e)),
        None => (unsigned, None),
    };
    let (int, frac) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if !digits(int) || !digits(frac) || (int.is_empty() && frac.is_empty()) {
        return None;
    }
    let mut out = String::with_capacity(literal.len() + 1);
    out.push_str(sign);
    let int = int.trim_start_matches('0');
    out.push_str(if int.is_empty() { "0" } else { int });
    if !frac.is_empty() {
        out.push('.');
        out.push_str(frac);
    }
    if let Some(exponent) = exponent {
        let exp_digits = exponent.strip_prefix(['+', '-']).unwrap_or(exponent);
        if exp_digits.is_empty() || !digits(exp_digits) {
            return None;
        }
        out.push('e');
        out.push_str(exponent);
    }
    Some(out)
}

/// The tree as JSON (labels become nested object keys, as HCL v1's decoder does).
fn to_json(v: &Value) -> Json {
    match v {
        Value::Str(s) => Json::String(s.clone()),
        Value::Number(n) => number_json(n),
        Value::Bool(b) => Json::Bool(*b),
        Value::List(items) => Json::Array(items.iter().map(|(_, v)| to_json(v)).collect()),
        Value::Object(body) => {
            let mut map = serde_json::Map::new();
            for item in &body.items {
                let mut value = to_json(&item.value);
                for label in item.labels.iter().rev() {
                    let mut m = serde_json::Map::new();
                    m.insert(label.clone(), value);
                    value = Json::Object(m);
                }
                map.insert(item.key.clone(), value);
            }
            Json::Object(map)
        }
    }
}

/// A JSON policy as the same tree HCL produces: `{"path": {"p": {…}}}` becomes `path "p" {…}`
/// (a list of such objects is accepted too, as HCL's JSON reader does).
fn json_to_body(obj: &serde_json::Map<String, Json>) -> Body {
    let mut body = Body::default();
    for (key, value) in obj {
        if key == "path" {
            let groups: Vec<&serde_json::Map<String, Json>> = match value {
                Json::Object(m) => alloc::vec![m],
                Json::Array(a) => a.iter().filter_map(Json::as_object).collect(),
                _ => Vec::new(),
            };
            if groups.is_empty() {
                body.items.push(Item {
                    key: key.clone(),
                    labels: Vec::new(),
                    value: from_json(value),
                    pos: Pos::default(),
                });
            }
            for m in groups {
                for (path, rules) in m {
                    body.items.push(Item {
                        key: key.clone(),
                        labels: alloc::vec![path.clone()],
                        value: from_json(rules),
                        pos: Pos::default(),
                    });
                }
            }
        } else {
            body.items.push(Item {
                key: key.clone(),
                labels: Vec::new(),
                value: from_json(value),
                pos: Pos::default(),
            });
        }
    }
    body
}

fn from_json(v: &Json) -> Value {
    match v {
        Json::Null => Value::List(Vec::new()),
        Json::Bool(b) => Value::Bool(*b),
        Json::Number(n) => Value::Number(n.to_string()),
        Json::String(s) => Value::Str(s.clone()),
        Json::Array(a) => Value::List(a.iter().map(|v| (Pos::default(), from_json(v))).collect()),
        Json::Object(m) => Value::Object(json_to_body_plain(m)),
    }
}

fn json_to_body_plain(m: &serde_json::Map<String, Json>) -> Body {
    let mut body = Body::default();
    for (k, v) in m {
        body.items.push(Item {
            key: k.clone(),
            labels: Vec::new(),
            value: from_json(v),
            pos: Pos::default(),
        });
    }
    body
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(s: &str) -> Result<Policy, PolicyError> {
        parse_policy("p", s, &Limits::default())
    }

    #[test]
    fn hcl_and_json_agree() {
        let h = parse("path \"secret/*\" {\n capabilities = [\"read\", \"list\"]\n}\n").unwrap();
        let j = parse(r#"{"path": {"secret/*": {"capabilities": ["read", "list"]}}}"#).unwrap();
        assert_eq!(h.paths[0].capabilities, j.paths[0].capabilities);
        assert_eq!(h.paths[0].capabilities.names(), ["read", "list"]);
    }

    #[test]
    fn legacy_and_deny() {
        let p = parse("path \"a\" { policy = \"write\" capabilities = [\"patch\"] }").unwrap();
        assert_eq!(
            p.paths[0].capabilities.names(),
            ["create", "read", "update", "patch", "delete", "list"]
        );
        let p = parse("path \"a\" { capabilities = [\"read\", \"deny\"] }").unwrap();
        assert!(p.paths[0].capabilities.is_deny());
        let p = parse("path \"a\" { policy = \"deny\" capabilities = [\"read\"] }").unwrap();
        assert_eq!(p.paths[0].capabilities.0, Capabilities::DENY);
    }

    #[test]
    fn refusals() {
        let e = parse("path \"a\" { capabilities = [\"reed\"] }").unwrap_err();
        assert!(e.to_string().contains("invalid capability \"reed\""), "{e}");
        let e = parse("path \"a/+*\" { capabilities = [\"read\"] }").unwrap_err();
        assert!(e.to_string().contains("'+*' is forbidden"));
        let e = parse("path \"a\" { capabilities = [\"read\"]\n capabilities = [\"list\"] }")
            .unwrap_err();
        assert!(e.to_string().contains("duplicate attribute"));
        let e = parse("paths \"a\" { }").unwrap_err();
        assert!(e.to_string().contains("invalid key \"paths\""));
        let e = parse("path \"a/{{x\" { capabilities = [] }").unwrap_err();
        assert_eq!(e.code(), crate::Code::TemplateUnbalanced);
    }

    #[test]
    fn number_literals_read_as_rust_reads_them() {
        let cases: [(&str, Json); 14] = [
            ("42", Json::from(42)),
            ("-7", Json::from(-7)),
            ("1.5", Json::from(1.5)),
            ("1.", Json::from(1.0)),
            ("01.5", Json::from(1.5)),
            ("-00.25", Json::from(-0.25)),
            ("1.e3", Json::from(1000.0)),
            ("2E+2", Json::from(200.0)),
            ("-0.0", Json::from(-0.0)),
            ("0.73858e-24", Json::from(7.3858e-25)),
            ("99999999999999999999", Json::from(1e20)),
            ("0x1f", Json::String("0x1f".into())),
            ("1e400", Json::String("1e400".into())),
            ("1e", Json::String("1e".into())),
        ];
        for (literal, expected) in cases {
            assert_eq!(number_json(literal), expected, "{literal}");
        }
    }

    /// The literal Cargo.toml names: serde_json's default float reading gives
    /// 7.385800000000001e-25, core's and Go's give 7.3858e-25. Before, the policy was read by
    /// core and the body by serde_json, so the two never compared equal.
    #[test]
    fn a_policy_float_matches_the_same_number_in_a_request_body() {
        let policy =
            parse("path \"kv/*\" {\n capabilities = [\"update\"]\n allowed_parameters = { \"ratio\" = [0.73858e-24, 1.] }\n}\n")
                .unwrap();
        let allowed = policy.paths[0].allowed_parameters.clone().unwrap();
        assert_eq!(allowed["ratio"], [Json::from(7.3858e-25), Json::from(1.0)]);
        let none = BTreeMap::new();
        for body in [r#"{"ratio": 7.3858e-25}"#, r#"{"ratio": 0.73858e-24}"#, r#"{"ratio": 1.0}"#] {
            let body: serde_json::Map<String, Json> = serde_json::from_str(body).unwrap();
            assert!(super::super::params::check(&[], &allowed, &none, &body).is_ok(), "{body:?}");
        }
    }

    proptest::proptest! {
        /// Over the lexer's number alphabet: a literal Rust reads as a finite float is that
        /// float, exactly; one it cannot read (or reads as infinite) stays text.
        #[test]
        fn float_literals_match_rusts_reader(literal in "-?[0-9][0-9.eE+x-]{0,14}") {
            let expected = match (literal.parse::<i64>(), literal.parse::<f64>()) {
                (Ok(i), _) => Json::from(i),
                (Err(_), Ok(f)) if f.is_finite() => Json::from(f),
                _ => Json::String(literal.clone()),
            };
            proptest::prop_assert_eq!(number_json(&literal), expected);
        }

        /// Long mantissas and exponents past ±22, where best-effort readers round differently.
        #[test]
        fn long_float_literals_are_correctly_rounded(
            int in "[0-9]{1,12}", frac in "[0-9]{0,14}", exp in -330i32..310,
        ) {
            let literal = alloc::format!("{int}.{frac}e{exp}");
            let exact: f64 = literal.parse().unwrap();
            let expected = if exact.is_finite() { Json::from(exact) } else { Json::String(literal.clone()) };
            proptest::prop_assert_eq!(number_json(&literal), expected);
        }
    }
}
