//! The JOSE header (RFC 7515 §4) and the rules jwtgate applies to it.

use alloc::format;
use alloc::string::{String, ToString};
use serde_json::{Map, Value};

use super::alg::AlgClass;
use super::{Algorithm, JoseError};
use crate::json::type_name;

/// A validated JOSE header.
#[derive(Clone, Debug, PartialEq)]
pub struct Header {
    /// The signature algorithm.
    pub alg: Algorithm,
    /// The key id, if present.
    pub kid: Option<String>,
    /// The `typ` value, if present (informational: Nomad sends `JWT`).
    pub typ: Option<String>,
    /// Every member, as decoded.
    pub members: Map<String, Value>,
}

/// Header parameter names registered by RFC 7515 §4.1 and RFC 7516/7518 for JWS and JWE.
/// RFC 7515 §4.1.11 forbids listing them in `crit`.
const REGISTERED: &[&str] = &[
    "alg", "jku", "jwk", "kid", "x5u", "x5c", "x5t", "x5t#S256", "typ", "cty", "crit", "enc",
    "zip", "epk", "apu", "apv", "iv", "tag", "p2s", "p2c",
];

impl Header {
    /// Validates the members of a decoded JOSE header, in this order: `alg` (present, a string,
    /// not `none`, one of the ten), `kid` and `typ` (strings when present), `b64` (refused),
    /// `crit` (well-formed per RFC 7515 §4.1.11, then refused: jwtgate implements no extension).
    ///
    /// Which algorithms a caller allows, and whether a key fits the algorithm, are decided later.
    pub fn from_members(members: Map<String, Value>) -> Result<Header, JoseError> {
        let alg = match members.get("alg") {
            None => return Err(JoseError::AlgMissing),
            Some(Value::String(name)) => match AlgClass::of(name) {
                AlgClass::Supported(alg) => alg,
                AlgClass::None => return Err(JoseError::AlgNone),
                AlgClass::NoneVariant | AlgClass::Hmac | AlgClass::Unknown => {
                    return Err(JoseError::AlgUnsupported { alg: name.clone() })
                }
            },
            Some(other) => return Err(type_error("alg", "a string", other)),
        };
        let kid = optional_string(&members, "kid")?;
        let typ = optional_string(&members, "typ")?;
        match members.get("b64") {
            None => {}
            // RFC 7797: even `b64: true` changes how the signing input is defined for
            // implementations of that spec; refusing both keeps one meaning per token.
            Some(Value::Bool(value)) => return Err(JoseError::B64Unsupported { value: *value }),
            Some(other) => return Err(type_error("b64", "a boolean", other)),
        }
        if let Some(crit) = members.get("crit") {
            check_crit(crit, &members)?;
        }
        Ok(Header { alg, kid, typ, members })
    }
}

fn type_error(member: &'static str, expected: &'static str, found: &Value) -> JoseError {
    JoseError::MemberType { member, expected, found: type_name(found) }
}

fn optional_string(
    members: &Map<String, Value>,
    member: &'static str,
) -> Result<Option<String>, JoseError> {
    match members.get(member) {
        None => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(other) => Err(type_error(member, "a string", other)),
    }
}

/// RFC 7515 §4.1.11: a non-empty array of strings naming extension members that are present in
/// the header and are not registered names. A well-formed list is still refused, because every
/// name in it is an extension jwtgate does not implement.
fn check_crit(crit: &Value, members: &Map<String, Value>) -> Result<(), JoseError> {
    let Value::Array(names) = crit else {
        return Err(type_error("crit", "an array of strings", crit));
    };
    if names.is_empty() {
        return Err(JoseError::CritMalformed { reason: "empty list".to_string() });
    }
    let mut first = None;
    for (i, name) in names.iter().enumerate() {
        let Value::String(name) = name else {
            return Err(JoseError::CritMalformed {
                reason: format!("entry {i} is a {}, not a string", type_name(name)),
            });
        };
        if REGISTERED.contains(&name.as_str()) {
            return Err(JoseError::CritMalformed {
                reason: format!("lists registered member {}", super::Shown(name)),
            });
        }
        if !members.contains_key(name) {
            return Err(JoseError::CritMalformed {
                reason: format!("lists {} which is not in the header", super::Shown(name)),
            });
        }
        first.get_or_insert(name);
    }
    match first {
        Some(name) => Err(JoseError::CritUnsupported { name: name.clone() }),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Code;
    use serde_json::json;

    fn header(v: Value) -> Result<Header, JoseError> {
        match v {
            Value::Object(m) => Header::from_members(m),
            _ => unreachable!(),
        }
    }

    #[test]
    fn accepts_a_nomad_header() {
        let h = header(json!({"alg":"RS256","kid":"c6b1","typ":"JWT"})).unwrap();
        assert_eq!(h.alg, Algorithm::RS256);
        assert_eq!(h.kid.as_deref(), Some("c6b1"));
        assert_eq!(h.typ.as_deref(), Some("JWT"));
        assert_eq!(h.members.len(), 3);
    }

    #[test]
    fn alg_rules() {
        assert_eq!(header(json!({})).unwrap_err(), JoseError::AlgMissing);
        assert_eq!(
            header(json!({"alg":256})).unwrap_err(),
            JoseError::MemberType { member: "alg", expected: "a string", found: "number" }
        );
        assert_eq!(header(json!({"alg":"none"})).unwrap_err(), JoseError::AlgNone);
        for alg in ["None", "NONE", "HS256", "rs256", ""] {
            let e = header(json!({ "alg": alg })).unwrap_err();
            assert_eq!(e, JoseError::AlgUnsupported { alg: alg.into() }, "{alg}");
            assert_eq!(e.code(), Code::JwsAlgUnsupported);
        }
    }

    #[test]
    fn kid_and_typ_must_be_strings() {
        let e = header(json!({"alg":"EdDSA","kid":1})).unwrap_err();
        assert_eq!(
            e,
            JoseError::MemberType { member: "kid", expected: "a string", found: "number" }
        );
        let e = header(json!({"alg":"EdDSA","typ":null})).unwrap_err();
        assert_eq!(e.code(), Code::JwsHeaderInvalid);
    }

    #[test]
    fn b64_refused_either_way() {
        let e = header(json!({"alg":"ES256","b64":false,"crit":["b64"]})).unwrap_err();
        assert_eq!(e, JoseError::B64Unsupported { value: false });
        assert_eq!(e.code(), Code::JwsCritUnsupported);
        let e = header(json!({"alg":"ES256","b64":true})).unwrap_err();
        assert_eq!(e, JoseError::B64Unsupported { value: true });
        let e = header(json!({"alg":"ES256","b64":"false"})).unwrap_err();
        assert_eq!(e.code(), Code::JwsHeaderInvalid);
    }

    #[test]
    fn crit_rules() {
        let e = header(json!({"alg":"ES256","crit":["exp"],"exp":1})).unwrap_err();
        assert_eq!(e, JoseError::CritUnsupported { name: "exp".into() });
        for bad in [
            json!({"alg":"ES256","crit":"exp","exp":1}),
            json!({"alg":"ES256","crit":[]}),
            json!({"alg":"ES256","crit":[1]}),
            json!({"alg":"ES256","crit":["kid"],"kid":"a"}),
            json!({"alg":"ES256","crit":["exp"]}),
            json!({"alg":"ES256","crit":["x","y"],"x":1}),
        ] {
            assert_eq!(header(bad.clone()).unwrap_err().code(), Code::JwsHeaderInvalid, "{bad}");
        }
    }

    #[test]
    fn messages_escape_token_values() {
        let e = header(json!({"alg":"x\ny"})).unwrap_err();
        let text = alloc::format!("{e}");
        assert!(text.contains(r#""x\ny""#), "{text}");
        let long = "A".repeat(500);
        let text = alloc::format!("{}", header(json!({ "alg": long })).unwrap_err());
        assert!(text.len() < 200, "{text}");
    }
}
