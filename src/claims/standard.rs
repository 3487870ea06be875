//! The `standard` profile: RFC 7519 claim checks with jose-like options and semantics
//! (panva/jose `validateClaimsSet`): required claims first, then `iss`, `sub`, `aud` (any-of),
//! then `iat`/`nbf`/`exp` types and times. A token is expired iff `now >= exp + tolerance`
//! and not yet valid iff `now < nbf - tolerance`. Unlike Vault, nothing is invented: a token
//! without `exp` is only refused because `requiredClaims` defaults to `["exp"]`.

use alloc::string::String;
use alloc::vec;
use alloc::vec::Vec;

use serde::{Deserialize, Deserializer, Serialize};
use serde_json::{Map, Value};

use super::vault::failure;
use super::{render, ClaimError, Mode, NbfSource, Wording};
use crate::json::type_name;
use crate::report::{Check, Outcome, Report, Text};
use crate::time::UnixTime;

/// Options of the standard profile. JSON (camelCase) as the JS API takes it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct StandardOptions {
    /// Accepted `iss` values (any-of); empty = not checked. Setting it makes `iss` required.
    #[serde(deserialize_with = "one_or_many")]
    pub issuer: Vec<String>,
    /// Accepted audiences (any-of against a string or array `aud`); empty = not checked.
    /// Setting it makes `aud` required.
    #[serde(deserialize_with = "one_or_many")]
    pub audience: Vec<String>,
    /// Expected `sub`; `None` = not checked. Setting it makes `sub` required.
    pub subject: Option<String>,
    /// Claims that must be present. Default `["exp"]`.
    pub required_claims: Vec<String>,
    /// Seconds of tolerance for `exp` and `nbf`. Default 0.
    pub clock_tolerance: i64,
}

impl Default for StandardOptions {
    fn default() -> Self {
        StandardOptions {
            issuer: Vec::new(),
            audience: Vec::new(),
            subject: None,
            required_claims: vec![String::from("exp")],
            clock_tolerance: 0,
        }
    }
}

fn one_or_many<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum OneOrMany {
        One(String),
        Many(Vec<String>),
    }
    Ok(match Option::<OneOrMany>::deserialize(d)? {
        None => Vec::new(),
        Some(OneOrMany::One(s)) => vec![s],
        Some(OneOrMany::Many(v)) => v,
    })
}

/// Runs the standard checks, appending them to `report`; returns the first failure.
pub fn check(
    claims: &Map<String, Value>,
    opts: &StandardOptions,
    now: UnixTime,
    mode: Mode,
    report: &mut Report,
) -> Result<(), ClaimError> {
    let mut first: Option<ClaimError> = None;
    let mut fail = |report: &mut Report, id: Text, err: ClaimError| -> bool {
        report.push(failure(id, &err));
        first.get_or_insert(err);
        mode == Mode::FailFast
    };

    for claim in required(opts) {
        let id = required_id(claim);
        if claims.contains_key(claim) {
            report.push(Check::new(id, Outcome::Pass, present_message(claim)));
        } else if fail(report, id, ClaimError::Missing { claim: String::from(claim) }) {
            return finish(first);
        }
    }

    // iss.
    if opts.issuer.is_empty() {
        report.push(Check::new("iss", Outcome::Skip, "no issuer option"));
    } else {
        let iss = claims.get("iss");
        let ok = iss.and_then(Value::as_str).is_some_and(|s| opts.issuer.iter().any(|i| i == s));
        if ok {
            report.push(pass("iss", "iss is accepted", render::list(&opts.issuer), iss));
        } else {
            let err = ClaimError::Issuer {
                expected: opts.issuer.clone(),
                actual: iss.map(render::json),
                wording: Wording::Standard,
            };
            if fail(report, Text::Borrowed("iss"), err) {
                return finish(first);
            }
        }
    }

    // sub.
    match &opts.subject {
        None => report.push(Check::new("sub", Outcome::Skip, "no subject option")),
        Some(want) => {
            let sub = claims.get("sub");
            if sub.and_then(Value::as_str) == Some(want.as_str()) {
                report.push(pass("sub", "sub matches", render::quoted(want), sub));
            } else {
                let err = ClaimError::Subject {
                    expected: want.clone(),
                    actual: sub.map(render::json),
                    wording: Wording::Standard,
                };
                if fail(report, Text::Borrowed("sub"), err) {
                    return finish(first);
                }
            }
        }
    }

    // aud: an array must hold only strings (RFC 7519 §4.1.3), whether or not an audience is
    // expected, as the Vault profile (go-jose's decoding) already requires; then any-of, a
    // string aud being one value. A scalar of another type is left to the any-of (it never
    // matches), as jose does.
    let aud_items_ok = match claims.get("aud") {
        Some(Value::Array(items)) => items.iter().all(Value::is_string),
        _ => true,
    };
    if !aud_items_ok {
        let err = ClaimError::Type {
            claim: String::from("aud"),
            expected: "string or array of strings",
            found: "array with a non-string member",
            wording: Wording::Standard,
        };
        if fail(report, Text::Borrowed("aud"), err) {
            return finish(first);
        }
    } else if opts.audience.is_empty() {
        report.push(Check::new("aud", Outcome::Skip, "no audience option"));
    } else {
        let aud = claims.get("aud");
        let accepted = |s: &Value| s.as_str().is_some_and(|s| opts.audience.iter().any(|a| a == s));
        let ok = match aud {
            Some(Value::Array(items)) => items.iter().any(accepted),
            Some(v) => accepted(v),
            None => false,
        };
        if ok {
            report.push(pass(
                "aud",
                "aud contains an accepted audience",
                render::list(&opts.audience),
                aud,
            ));
        } else {
            let err = ClaimError::Audience {
                expected: opts.audience.clone(),
                actual: aud.map(render::json),
                wording: Wording::Standard,
            };
            if fail(report, Text::Borrowed("aud"), err) {
                return finish(first);
            }
        }
    }

    let now_s = now.seconds();
    let tol = opts.clock_tolerance;

    // iat: only its type.
    match claims.get("iat") {
        None => report.push(Check::new("iat", Outcome::Skip, "token has no iat")),
        Some(Value::Number(_)) => report.push(Check::new("iat", Outcome::Pass, "iat is a number")),
        Some(other) => {
            if fail(report, Text::Borrowed("iat"), type_err("iat", other)) {
                return finish(first);
            }
        }
    }

    // nbf: not yet valid iff nbf > now + tolerance.
    match claims.get("nbf") {
        None => report.push(Check::new("nbf", Outcome::Skip, "token has no nbf")),
        Some(Value::Number(n)) => {
            let nbf = n.as_f64().unwrap_or(f64::NAN);
            if nbf > now_s as f64 + tol as f64 {
                let err = ClaimError::NotYetValid {
                    nbf: nbf as i64,
                    now: now_s,
                    leeway: tol,
                    source: NbfSource::Claim,
                    wording: Wording::Standard,
                };
                if fail(report, Text::Borrowed("nbf"), err) {
                    return finish(first);
                }
            } else {
                report.push(
                    Check::new(
                        "nbf",
                        Outcome::Pass,
                        with_tolerance("nbf is not after now + ", tol),
                    )
                    .with_actual(render::time(nbf as i64)),
                );
            }
        }
        Some(other) => {
            if fail(report, Text::Borrowed("nbf"), type_err("nbf", other)) {
                return finish(first);
            }
        }
    }

    // exp: expired iff exp <= now - tolerance.
    match claims.get("exp") {
        None => report.push(Check::new("exp", Outcome::Skip, "token has no exp")),
        Some(Value::Number(n)) => {
            let exp = n.as_f64().unwrap_or(f64::NAN);
            if exp <= now_s as f64 - tol as f64 {
                let err = ClaimError::Expired {
                    exp: exp as i64,
                    now: now_s,
                    leeway: tol,
                    invented: false,
                    wording: Wording::Standard,
                };
                if fail(report, Text::Borrowed("exp"), err) {
                    return finish(first);
                }
            } else {
                report.push(
                    Check::new("exp", Outcome::Pass, with_tolerance("now is before exp + ", tol))
                        .with_actual(render::time(exp as i64)),
                );
            }
        }
        Some(other) => {
            if fail(report, Text::Borrowed("exp"), type_err("exp", other)) {
                return finish(first);
            }
        }
    }
    finish(first)
}

/// The claims that must be present, in jose's order: iss, sub, aud (each when its option is
/// set), then `requiredClaims` reversed.
fn required(opts: &StandardOptions) -> Vec<&str> {
    let mut required: Vec<&str> = Vec::new();
    if !opts.issuer.is_empty() {
        required.push("iss");
    }
    if opts.subject.is_some() {
        required.push("sub");
    }
    if !opts.audience.is_empty() {
        required.push("aud");
    }
    for c in opts.required_claims.iter().rev() {
        if !required.contains(&c.as_str()) {
            required.push(c);
        }
    }
    required
}

/// Every check of [`check`], recorded as `skip` with `reason`: what an explained report shows
/// when the token's claims could not be read at all.
#[cold]
#[inline(never)]
pub fn skip(opts: &StandardOptions, reason: &'static str, report: &mut Report) {
    for claim in required(opts) {
        report.push(Check::new(required_id(claim), Outcome::Skip, reason));
    }
    for id in ["iss", "sub", "aud", "iat", "nbf", "exp"] {
        report.push(Check::new(id, Outcome::Skip, reason));
    }
}

/// The registered claims a check is usually required for, with their report id and message
/// (what [`required_id`] and [`present_message`] would build), so the common case allocates
/// nothing.
const REQUIRED_TEXT: [(&str, &str, &str); 7] = [
    ("iss", "required.iss", "\"iss\" is present"),
    ("sub", "required.sub", "\"sub\" is present"),
    ("aud", "required.aud", "\"aud\" is present"),
    ("exp", "required.exp", "\"exp\" is present"),
    ("nbf", "required.nbf", "\"nbf\" is present"),
    ("iat", "required.iat", "\"iat\" is present"),
    ("jti", "required.jti", "\"jti\" is present"),
];

/// `required.<claim>`.
fn required_id(claim: &str) -> Text {
    if let Some((_, id, _)) = REQUIRED_TEXT.iter().find(|(c, _, _)| *c == claim) {
        return Text::Borrowed(id);
    }
    let mut id = String::with_capacity(9 + claim.len());
    id.push_str("required.");
    id.push_str(claim);
    Text::Owned(id)
}

/// `"<claim>" is present`, the claim quoted as `{:?}` quotes it.
fn present_message(claim: &str) -> Text {
    if let Some((_, _, message)) = REQUIRED_TEXT.iter().find(|(c, _, _)| *c == claim) {
        return Text::Borrowed(message);
    }
    let mut message = render::debug_quoted(claim);
    message.push_str(" is present");
    Text::Owned(message)
}

/// `<prefix><tol>s`, without the formatting machinery (the time checks' pass messages); fixed
/// text for the usual tolerance, none, so the common case allocates nothing.
fn with_tolerance(prefix: &'static str, tol: i64) -> Text {
    const NO_TOLERANCE: [(&str, &str); 2] = [
        ("nbf is not after now + ", "nbf is not after now + 0s"),
        ("now is before exp + ", "now is before exp + 0s"),
    ];
    if tol == 0 {
        if let Some((_, text)) = NO_TOLERANCE.iter().find(|(p, _)| *p == prefix) {
            return Text::Borrowed(text);
        }
    }
    let mut out = crate::json::write::Out::with_capacity(prefix.len() + 8);
    out.extend_from_slice(prefix.as_bytes());
    crate::json::write::signed(&mut out, tol);
    out.push(b's');
    Text::Owned(out.into_text())
}

fn finish(first: Option<ClaimError>) -> Result<(), ClaimError> {
    match first {
        Some(e) => Err(e),
        None => Ok(()),
    }
}

fn pass(
    id: &'static str,
    message: &'static str,
    expected: String,
    actual: Option<&Value>,
) -> Check {
    let mut c = Check::new(id, Outcome::Pass, message).with_expected(expected);
    c.actual = actual.map(|v| Text::from(render::json(v)));
    c
}

fn type_err(claim: &str, v: &Value) -> ClaimError {
    ClaimError::Type {
        claim: String::from(claim),
        expected: "number",
        found: type_name(v),
        wording: Wording::Standard,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::code::Code;
    use alloc::format;
    use serde_json::json;

    fn run(claims: Value, opts: StandardOptions, now: i64) -> Result<(), Code> {
        let mut r = Report::default();
        check(claims.as_object().unwrap(), &opts, UnixTime(now), Mode::FailFast, &mut r)
            .map_err(|e| e.code())
    }

    #[test]
    fn boundaries() {
        let o = StandardOptions { clock_tolerance: 5, ..Default::default() };
        assert_eq!(run(json!({"exp": 100}), o.clone(), 104), Ok(()));
        assert_eq!(run(json!({"exp": 100}), o.clone(), 105), Err(Code::JwtExpired));
        assert_eq!(run(json!({"exp": 200, "nbf": 100}), o.clone(), 95), Ok(()));
        assert_eq!(run(json!({"exp": 200, "nbf": 100}), o.clone(), 94), Err(Code::JwtNotYetValid));
        assert_eq!(run(json!({"nbf": 100}), o.clone(), 100), Err(Code::JwtClaimMissing));
        assert_eq!(run(json!({"exp": "200"}), o, 100), Err(Code::JwtClaimType));
    }

    #[test]
    fn fixed_texts_are_what_the_formatting_machinery_writes() {
        for claim in ["iss", "sub", "aud", "exp", "nbf", "iat", "jti", "nomad_job_id", "q\"", "é"]
        {
            assert_eq!(required_id(claim), format!("required.{claim}"));
            assert_eq!(present_message(claim), format!("{claim:?} is present"));
        }
        for tol in [0, 5, -3, i64::MAX, i64::MIN] {
            for prefix in ["nbf is not after now + ", "now is before exp + ", "other + "] {
                assert_eq!(with_tolerance(prefix, tol), format!("{prefix}{tol}s"));
            }
        }
    }

    #[test]
    fn options_deserialize_string_or_list() {
        let o: StandardOptions = serde_json::from_value(
            json!({"issuer": "a", "audience": ["x", "y"], "clockTolerance": 3}),
        )
        .unwrap();
        assert_eq!(o.issuer, ["a"]);
        assert_eq!(o.audience, ["x", "y"]);
        assert_eq!(o.required_claims, ["exp"]);
    }
}
