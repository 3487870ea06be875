//! Strict JSON: serde_json's parser plus the two rules it does not enforce by itself —
//! no duplicate member names (RFC 7515 §5.2 / RFC 7519 §4 say a parser MUST reject them or
//! use the last, and "use the last" is how header-confusion attacks work) and a nesting
//! depth bound from [`crate::Limits`], itself capped at [`MAX_DEPTH`] whatever the limits say.
//! Documents without escapes or non-integer numbers are read by a small reader of their own
//! (`plain`), to the same value; it gives up on anything else, which serde_json then reads.

use alloc::string::{String, ToString};
use alloc::vec::Vec;
use core::fmt;

use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Number, Value};

use crate::code::Code;
use crate::limits::{LimitExceeded, Limits};

mod plain;
pub mod write;

/// The deepest nesting any JSON document may have, whatever [`Limits::max_json_depth`] says.
///
/// Reading (and later dropping, printing or comparing) a JSON value recurses once per level,
/// so the depth must stay small enough for the smallest stack jwtgate runs on: raising
/// `limits` cannot lift this cap. The smallest is not the wasm module's 1 MiB shadow stack but
/// the interpreter's own frame stack under Envoy's WAMR runtime (32 KiB, what proxy-wasm-cpp-host
/// gets from `wasm_instance_new`): a token whose claims nested about 80 levels deep overflowed
/// it and trapped the filter (`tests/envoy/limits-max.test.mjs` on the cpp-host). This cap
/// leaves that stack a wide margin, is three times the default `max_json_depth`, and is below
/// serde_json's own recursion limit (128 levels), so that one never decides.
pub const MAX_DEPTH: usize = 48;

/// [`LimitExceeded::name`] when [`MAX_DEPTH`] (not the configured limit) was exceeded.
pub const MAX_DEPTH_NAME: &str = "json nesting cap";

/// A JSON document was refused. `what` names the document, e.g. `"JOSE header"` or `"JWKS"`.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum JsonError {
    /// Syntax error, invalid UTF-8, or trailing data.
    Invalid {
        /// Which document.
        what: &'static str,
        /// 1-based line of the error.
        line: usize,
        /// 1-based column of the error.
        column: usize,
        /// serde_json's description of the problem.
        reason: String,
    },
    /// An object has the same member twice.
    DuplicateMember {
        /// Which document.
        what: &'static str,
        /// The repeated member name.
        member: String,
    },
    /// The document must be an object.
    NotObject {
        /// Which document.
        what: &'static str,
        /// The JSON type found instead (`array`, `string`, ...).
        found: &'static str,
    },
    /// The document is larger or deeper than allowed.
    Limit {
        /// Which document.
        what: &'static str,
        /// The limit.
        limit: LimitExceeded,
    },
}

impl JsonError {
    /// The stable machine code.
    pub fn code(&self) -> Code {
        match self {
            JsonError::Invalid { .. } => Code::JsonInvalid,
            JsonError::DuplicateMember { .. } => Code::JsonDuplicateMember,
            JsonError::NotObject { .. } => Code::JsonNotObject,
            JsonError::Limit { .. } => Code::LimitExceeded,
        }
    }
}

impl fmt::Display for JsonError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            JsonError::Invalid { what, line, column, reason } => {
                write!(f, "{what} is not valid JSON at line {line} column {column}: {reason}")
            }
            JsonError::DuplicateMember { what, member } => {
                write!(f, "{what} has duplicate member {member:?}")
            }
            JsonError::NotObject { what, found } => {
                write!(f, "{what} must be a JSON object, found {found}")
            }
            JsonError::Limit { what, limit } if limit.name == MAX_DEPTH_NAME => write!(
                f,
                "{what} nests deeper than {} levels, jwtgate's fixed cap on JSON nesting \
                 (raising limits.maxJsonDepth does not lift it)",
                limit.max
            ),
            JsonError::Limit { what, limit } => write!(f, "{what}: {limit}"),
        }
    }
}

/// The JSON type name of `v`, for messages.
pub fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// Parses `bytes` as one strict JSON value (see the module docs).
pub fn parse_value(bytes: &[u8], what: &'static str, limits: &Limits) -> Result<Value, JsonError> {
    let too_long = Limits::check("max_document_len", bytes.len(), limits.max_document_len);
    too_long.map_err(|limit| JsonError::Limit { what, limit })?;
    let depth = limits.max_json_depth.min(MAX_DEPTH);
    // The common case without serde; anything else, and every refusal, is serde_json's.
    match plain::parse(bytes, depth) {
        Some(value) => Ok(value),
        None => strict_value(bytes, what, limits, depth),
    }
}

/// [`parse_value`] of a document the caller has already checked is UTF-8 (a token's header
/// and payload, whose encoding is refused with its own error before they are read as JSON).
pub fn parse_text_value(
    text: &str,
    what: &'static str,
    limits: &Limits,
) -> Result<Value, JsonError> {
    let too_long = Limits::check("max_document_len", text.len(), limits.max_document_len);
    too_long.map_err(|limit| JsonError::Limit { what, limit })?;
    let depth = limits.max_json_depth.min(MAX_DEPTH);
    match plain::parse_text(text, depth) {
        Some(value) => Ok(value),
        None => strict_value(text.as_bytes(), what, limits, depth),
    }
}

/// serde_json's reading with the strict rules, `depth` containers deep at most.
fn strict_value(
    bytes: &[u8],
    what: &'static str,
    limits: &Limits,
    depth: usize,
) -> Result<Value, JsonError> {
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let seed = StrictSeed { depth_left: depth };
    let value = match seed.deserialize(&mut de) {
        Ok(v) => v,
        Err(e) => return Err(classify(e, what, limits)),
    };
    de.end().map_err(|e| classify(e, what, limits))?;
    Ok(value)
}

/// Parses `bytes` as a strict JSON object.
pub fn parse_object(
    bytes: &[u8],
    what: &'static str,
    limits: &Limits,
) -> Result<Map<String, Value>, JsonError> {
    match parse_value(bytes, what, limits)? {
        Value::Object(map) => Ok(map),
        other => Err(JsonError::NotObject { what, found: type_name(&other) }),
    }
}

// Our own rule violations travel through serde's error channel as tagged strings, then are
// turned back into typed errors here.
const DUPLICATE_TAG: &str = "\u{0}duplicate:";
const DEPTH_TAG: &str = "\u{0}depth";

fn classify(e: serde_json::Error, what: &'static str, limits: &Limits) -> JsonError {
    let text = e.to_string();
    if let Some(rest) = text.strip_prefix(DUPLICATE_TAG) {
        // serde_json appends " at line L column C"; the member name is everything before it.
        let member = match rest.rfind(" at line ") {
            Some(i) => &rest[..i],
            None => rest,
        };
        return JsonError::DuplicateMember { what, member: member.to_string() };
    }
    // serde_json's own recursion limit is above `MAX_DEPTH`, so reaching it means the fixed
    // cap decided, as it does whenever the configured limit is the larger one.
    let serde_limit = text.starts_with("recursion limit exceeded");
    if serde_limit || text.starts_with(DEPTH_TAG) {
        let limit = if serde_limit || limits.max_json_depth > MAX_DEPTH {
            LimitExceeded { name: MAX_DEPTH_NAME, max: MAX_DEPTH, actual: MAX_DEPTH + 1 }
        } else {
            LimitExceeded {
                name: "max_json_depth",
                max: limits.max_json_depth,
                actual: limits.max_json_depth + 1,
            }
        };
        return JsonError::Limit { what, limit };
    }
    let reason = match text.find(" at line ") {
        Some(i) => text[..i].to_string(),
        None => text,
    };
    JsonError::Invalid { what, line: e.line(), column: e.column(), reason }
}

#[derive(Clone, Copy)]
struct StrictSeed {
    depth_left: usize,
}

impl StrictSeed {
    fn nested<E: de::Error>(self) -> Result<Self, E> {
        match self.depth_left.checked_sub(1) {
            Some(depth_left) => Ok(StrictSeed { depth_left }),
            None => Err(E::custom(DEPTH_TAG)),
        }
    }
}

impl<'de> DeserializeSeed<'de> for StrictSeed {
    type Value = Value;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for StrictSeed {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::Number(v.into()))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(Value::Number(v.into()))
    }
    fn visit_f64<E>(self, v: f64) -> Result<Value, E> {
        Ok(Number::from_f64(v).map_or(Value::Null, Value::Number))
    }
    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_string()))
    }
    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }
    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let inner = self.nested()?;
        let mut out = Vec::new();
        while let Some(v) = seq.next_element_seed(inner)? {
            out.push(v);
        }
        Ok(Value::Array(out))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let inner = self.nested()?;
        let mut out = Map::new();
        while let Some(key) = map.next_key::<String>()? {
            // One lookup for both the duplicate check and the insertion.
            match out.entry(key) {
                serde_json::map::Entry::Occupied(e) => {
                    return Err(de::Error::custom(format_args!("{DUPLICATE_TAG}{}", e.key())));
                }
                serde_json::map::Entry::Vacant(e) => {
                    e.insert(map.next_value_seed(inner)?);
                }
            }
        }
        Ok(Value::Object(out))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::format;

    fn parse(s: &str) -> Result<Value, JsonError> {
        parse_value(s.as_bytes(), "test", &Limits::default())
    }

    #[test]
    fn rejects_duplicate_members_at_any_depth() {
        let e = parse(r#"{"a":1,"b":{"c":1,"c":2}}"#).unwrap_err();
        assert_eq!(e, JsonError::DuplicateMember { what: "test", member: "c".into() });
        // Escapes are decoded before comparison: "\u0061" is "a".
        let e = parse(r#"{"a":1,"\u0061":2}"#).unwrap_err();
        assert_eq!(e.code(), Code::JsonDuplicateMember);
    }

    #[test]
    fn bounds_depth_without_recursing_unboundedly() {
        let deep = "[".repeat(100_000);
        assert_eq!(parse(&deep).unwrap_err().code(), Code::LimitExceeded);
        let ok = format!("{}{}", "[".repeat(16), "]".repeat(16));
        assert!(parse(&ok).is_ok());
        let over = format!("{}{}", "[".repeat(17), "]".repeat(17));
        assert_eq!(parse(&over).unwrap_err().code(), Code::LimitExceeded);
    }

    #[test]
    fn raised_limits_do_not_lift_the_fixed_cap() {
        let raised = Limits { max_json_depth: 1_000_000, ..Limits::default() };
        let at = format!("{}{}", "[".repeat(MAX_DEPTH), "]".repeat(MAX_DEPTH));
        assert!(parse_value(at.as_bytes(), "test", &raised).is_ok());
        for depth in [MAX_DEPTH + 1, 127, 128, 129, 100_000] {
            let over = "[".repeat(depth);
            let e = parse_value(over.as_bytes(), "claims", &raised).unwrap_err();
            assert_eq!(e.code(), Code::LimitExceeded);
            assert_eq!(
                e.to_string(),
                "claims nests deeper than 48 levels, jwtgate's fixed cap on JSON nesting \
                 (raising limits.maxJsonDepth does not lift it)",
            );
        }
        // Below the cap the configured limit still decides, and says so.
        let e =
            parse_value(b"[[[]]]", "claims", &Limits { max_json_depth: 2, ..Limits::default() });
        assert_eq!(e.unwrap_err().to_string(), "claims: limit max_json_depth exceeded: 3 > 2");
    }

    #[test]
    fn rejects_trailing_garbage_and_reports_position() {
        match parse("{} x").unwrap_err() {
            JsonError::Invalid { line, column, .. } => assert_eq!((line, column), (1, 4)),
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn object_required() {
        let e = parse_object(b"[1]", "JWKS", &Limits::default()).unwrap_err();
        assert_eq!(e, JsonError::NotObject { what: "JWKS", found: "array" });
    }
}
