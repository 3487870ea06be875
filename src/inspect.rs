//! `inspect`: an **unverified**, tolerant decode of whatever a person pasted, for the browser
//! inspector and the CLI.
//!
//! Nothing here checks a signature, a key or a claim, and nothing here ever says a token is
//! valid: the output carries [`NOTICE`] to say so. Where [`crate::jose::parse_compact`] refuses,
//! `inspect` tolerates what a debugger should (a `Bearer ` prefix, quotes, surrounding or wrapped
//! whitespace, a token inside a log line or JSON, base64 padding or the standard alphabet, one or
//! two segments) and lists every such tolerance in [`Inspection::tolerated`]. Everything else it
//! notices — `alg: none`, HMAC, missing `exp`, times in milliseconds, duplicate members — becomes
//! a [`Inspection::warnings`] entry; junk input yields warnings, never an error or a panic.
//! [`Inspection::strict_error`] says what the strict parser would answer for the cleaned token.
//!
//! Note codes (stable; front ends key their explanations on them):
//!
//! | list | codes |
//! |---|---|
//! | `tolerated` | `whitespace`, `quotes`, `bearer_prefix`, `inner_whitespace`, `embedded`, `padding`, `standard_alphabet`, `trailing_bits`, `partial` |
//! | `warnings` | `input_too_large`, `no_token_found`, `too_many_segments`, `not_base64url`, `payload_missing`, `signature_missing`, `signature_empty`, `not_utf8`, `not_json`, `not_object`, `duplicate_member`, `limit_exceeded`, `alg_missing`, `alg_type`, `alg_none`, `alg_none_variant`, `alg_hmac`, `alg_unknown`, `alg_eddsa_aws`, `kid_missing`, `kid_type`, `b64`, `crit`, `embedded_key`, `exp_missing`, `iss_missing`, `time_not_number`, `time_in_milliseconds`, `exp_before_iat`, `nbf_after_exp`, `claim_type`, `aud_nomad_default` |

use alloc::format;
use alloc::string::{String, ToString};
use alloc::vec::Vec;

use base64::alphabet;
use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig};
use base64::engine::DecodePaddingMode;
use base64::Engine as _;
use serde::Serialize;
use serde_json::{Map, Value};

use crate::b64::{self, Base64Problem};
use crate::code::Code;
use crate::jose::alg::AlgClass;
use crate::jose::{parse_compact, Algorithm, Segment};
use crate::json::{self, JsonError};
use crate::limits::Limits;

/// Said by every [`Inspection`]: decoding is not verification.
pub const NOTICE: &str = "decoded without verification: the signature, the key and the claims \
     were NOT checked, so nothing here means the token is valid";

/// One tolerated irregularity or one warning.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Note {
    /// Stable code (see the module documentation).
    pub code: &'static str,
    /// Human-readable explanation naming the value concerned.
    pub message: String,
}

/// What happened to one segment.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum SegmentStatus {
    /// Canonical base64url, decoded.
    Ok,
    /// Decoded after tolerating padding, the standard alphabet or trailing bits.
    Tolerated,
    /// The segment is empty.
    Empty,
    /// Could not be decoded.
    Invalid,
    /// A segment beyond the third (not decoded).
    Extra,
}

/// One `.`-separated segment of the cleaned token.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct SegmentInfo {
    /// `header`, `payload`, `signature` or `extra`.
    pub name: &'static str,
    /// The segment's text as found.
    pub text: String,
    /// Byte offset of the segment in [`Inspection::token`].
    pub start: usize,
    /// Byte offset just past the segment in [`Inspection::token`].
    pub end: usize,
    /// Number of decoded bytes, when it decoded.
    pub decoded_len: Option<usize>,
    /// What happened.
    pub status: SegmentStatus,
    /// Why it is not `ok`, when it is not.
    pub message: Option<String>,
}

/// What the strict parser answers for the cleaned token.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct StrictError {
    /// The error code, e.g. `ERR_JWS_ALG_NONE`.
    pub code: Code,
    /// The error message.
    pub message: String,
}

/// The result of [`inspect`]. Field names are part of the JS/JSON contract.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Inspection {
    /// Always [`NOTICE`].
    pub notice: &'static str,
    /// The token found in the input, after removing what was tolerated around it.
    pub token: String,
    /// The decoded JOSE header, when it decoded to JSON.
    pub header: Option<Value>,
    /// The decoded payload (claims), when it decoded to JSON.
    pub payload: Option<Value>,
    /// The header's decoded text (invalid UTF-8 replaced by U+FFFD), when it decoded.
    pub header_text: Option<String>,
    /// The payload's decoded text (invalid UTF-8 replaced by U+FFFD), when it decoded.
    pub payload_text: Option<String>,
    /// The signature as canonical base64url, when present, non-empty and decodable.
    pub signature: Option<String>,
    /// Every segment of [`Inspection::token`].
    pub segments: Vec<SegmentInfo>,
    /// Irregularities that were tolerated to decode at all.
    pub tolerated: Vec<Note>,
    /// Everything worth a reader's attention.
    pub warnings: Vec<Note>,
    /// The strict parser's refusal of [`Inspection::token`], if it refuses it. `None` only means
    /// well-formed: signature, key and claims are still unchecked.
    pub strict_error: Option<StrictError>,
}

impl Inspection {
    fn empty() -> Self {
        Inspection {
            notice: NOTICE,
            token: String::new(),
            header: None,
            payload: None,
            header_text: None,
            payload_text: None,
            signature: None,
            segments: Vec::new(),
            tolerated: Vec::new(),
            warnings: Vec::new(),
            strict_error: None,
        }
    }

    fn tolerate(&mut self, code: &'static str, message: impl Into<String>) {
        self.tolerated.push(Note { code, message: message.into() });
    }

    fn warn(&mut self, code: &'static str, message: impl Into<String>) {
        self.warnings.push(Note { code, message: message.into() });
    }
}

/// Decodes `input` without verifying anything (see the module documentation).
///
/// `limits.max_document_len` bounds the input; the other limits only decide what the strict
/// parser would say. The header and payload are shown even when they break the strict rules
/// (duplicate members: the last value is shown; too deep: shown when serde_json's own recursion
/// bound allows).
pub fn inspect(input: &str, limits: &Limits) -> Inspection {
    if let Some(out) = oversized(input.len(), limits) {
        return out;
    }
    let mut out = Inspection::empty();
    if input.len() > limits.max_document_len {
        out.warn("input_too_large", too_large(input.len(), limits));
        out.strict_error = strict(input, limits);
        return out;
    }
    match locate(input, &mut out) {
        Some(token) => {
            out.token = token;
            decode_segments(&mut out, limits);
        }
        None => out.warn(
            "no_token_found",
            "no JWT-like text (base64url segments separated by dots) found",
        ),
    }
    out.strict_error = strict(&out.token, limits);
    out
}

/// What [`inspect`] answers for any input of `len` bytes that is over both
/// `limits.max_document_len` and `limits.max_token_len` (the answer then depends on the length
/// alone), or `None` for other lengths. Lets a binding refuse an oversized input before copying
/// it.
pub fn oversized(len: usize, limits: &Limits) -> Option<Inspection> {
    if len <= limits.max_document_len || len <= limits.max_token_len {
        return None;
    }
    let mut out = Inspection::empty();
    out.warn("input_too_large", too_large(len, limits));
    let refused = Limits::check("max_token_len", len, limits.max_token_len).err()?;
    let e = crate::error::Error::Limit(refused);
    out.strict_error = Some(StrictError { code: e.code(), message: e.to_string() });
    Some(out)
}

fn too_large(len: usize, limits: &Limits) -> String {
    format!(
        "input is {len} bytes, more than max_document_len ({}); nothing was decoded",
        limits.max_document_len
    )
}

/// The strict parser's answer, so no `Inspection` leaves `strict_error` empty for a bad token.
fn strict(token: &str, limits: &Limits) -> Option<StrictError> {
    parse_compact(token, limits)
        .err()
        .map(|e| StrictError { code: e.code(), message: e.to_string() })
}

/// Characters that can appear in a token, including the tolerated `=`, `+` and `/`.
fn is_token_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '=' | '+' | '/')
}

/// Finds the token in `input`, recording what was stripped around it.
fn locate(input: &str, out: &mut Inspection) -> Option<String> {
    let mut s = input.trim();
    if s.len() != input.len() {
        out.tolerate("whitespace", "removed whitespace around the token");
    }
    // Quotes and a `Bearer ` prefix can nest either way (`"Bearer x"`, `Bearer "x"`).
    for _ in 0..4 {
        let before = s;
        if let Some(inner) = strip_quotes(s) {
            out.tolerate("quotes", "removed the quotes around the token");
            s = inner;
            let trimmed = s.trim();
            if trimmed.len() != s.len() {
                out.tolerate("whitespace", "removed whitespace inside the quotes");
                s = trimmed;
            }
        }
        if let Some(rest) = strip_bearer(s) {
            out.tolerate(
                "bearer_prefix",
                "removed the `Bearer ` prefix (an Authorization header value)",
            );
            s = rest;
        }
        if s.len() == before.len() {
            break;
        }
    }
    if s.is_empty() {
        return None;
    }
    if s.chars().all(is_token_char) {
        return Some(s.to_string());
    }
    // A token wrapped over several lines: only whitespace between token characters, and the
    // first word already looks like a JWT header (so "token eyJ..." is not glued together).
    let words_ok = s.chars().all(|c| is_token_char(c) || c.is_whitespace());
    if words_ok && s.starts_with("eyJ") {
        out.tolerate("inner_whitespace", "removed whitespace inside the token (line wrapping)");
        return Some(s.chars().filter(|c| !c.is_whitespace()).collect());
    }
    let (start, found) = embedded(s)?;
    // `s` is a subslice of `input`, so its address difference is its offset in `input`.
    let offset = (s.as_ptr() as usize).saturating_sub(input.as_ptr() as usize) + start;
    out.tolerate(
        "embedded",
        format!(
            "extracted the token from surrounding text (input bytes {offset}..{})",
            offset + found.len()
        ),
    );
    Some(found.to_string())
}

fn strip_quotes(s: &str) -> Option<&str> {
    for q in ['"', '\'', '`'] {
        if let Some(inner) = s.strip_prefix(q).and_then(|r| r.strip_suffix(q)) {
            return Some(inner);
        }
    }
    None
}

fn strip_bearer(s: &str) -> Option<&str> {
    let head = s.get(..6)?;
    let rest = s.get(6..)?;
    if head.eq_ignore_ascii_case("bearer") && rest.starts_with(char::is_whitespace) {
        Some(rest.trim_start())
    } else {
        None
    }
}

/// The token inside other text: the run of token characters starting at the first `eyJ`
/// (base64url of `{"`), else the longest run of token characters that contains a dot.
fn embedded(s: &str) -> Option<(usize, &str)> {
    let run_from = |start: usize| -> Option<(usize, &str)> {
        let rest = s.get(start..)?;
        let len = rest.find(|c: char| !is_token_char(c)).unwrap_or(rest.len());
        Some((start, rest.get(..len)?))
    };
    if let Some(start) = s.find("eyJ") {
        return run_from(start);
    }
    let mut best: Option<(usize, &str)> = None;
    let mut start = 0;
    for run in s.split(|c: char| !is_token_char(c)) {
        if run.contains('.') && best.is_none_or(|(_, b)| run.len() > b.len()) {
            best = Some((start, run));
        }
        start += run.len() + 1;
    }
    // `split` advanced by one byte per separator, which is only right for ASCII separators;
    // re-find the run to get a true offset.
    best.and_then(|(_, run)| s.find(run).map(|i| (i, run)))
}

/// The engine used after canonical decoding failed: padding optional, trailing bits allowed.
const LENIENT: GeneralPurpose = GeneralPurpose::new(
    &alphabet::URL_SAFE,
    GeneralPurposeConfig::new()
        .with_decode_padding_mode(DecodePaddingMode::Indifferent)
        .with_decode_allow_trailing_bits(true),
);

struct Decoded {
    bytes: Option<Vec<u8>>,
    status: SegmentStatus,
    message: Option<String>,
}

/// Decodes one segment, tolerating padding, the standard alphabet and trailing bits.
fn decode_segment(text: &str, segment: Segment, out: &mut Inspection) -> Decoded {
    if text.is_empty() {
        return Decoded { bytes: None, status: SegmentStatus::Empty, message: None };
    }
    let strict = match b64::decode_strict(text) {
        Ok(bytes) => {
            return Decoded { bytes: Some(bytes), status: SegmentStatus::Ok, message: None }
        }
        Err(problem) => problem,
    };
    let unpadded = text.trim_end_matches('=');
    let url: String = unpadded
        .chars()
        .map(|c| match c {
            '+' => '-',
            '/' => '_',
            c => c,
        })
        .collect();
    match LENIENT.decode(&url) {
        Ok(bytes) => {
            let label = segment.label();
            let mut what = Vec::new();
            if unpadded.len() != text.len() {
                what.push("'=' padding");
                out.tolerate("padding", format!("{label}: removed '=' padding"));
            }
            if url != unpadded {
                what.push("standard alphabet");
                out.tolerate(
                    "standard_alphabet",
                    format!("{label}: read '+' and '/' as base64url '-' and '_'"),
                );
            }
            if let Err(Base64Problem::TrailingBits { .. }) = b64::decode_strict(&url) {
                what.push("non-zero trailing bits");
                out.tolerate(
                    "trailing_bits",
                    format!("{label}: ignored non-zero unused bits in the last symbol"),
                );
            }
            let message = format!("tolerated {}: {strict}", what.join(", "));
            Decoded { bytes: Some(bytes), status: SegmentStatus::Tolerated, message: Some(message) }
        }
        Err(_) => {
            let message = format!("{} is not base64url: {strict}", segment.label());
            out.warn("not_base64url", message.clone());
            Decoded { bytes: None, status: SegmentStatus::Invalid, message: Some(message) }
        }
    }
}

fn decode_segments(out: &mut Inspection, limits: &Limits) {
    let token = out.token.clone();
    let count = token.split('.').count();
    match count {
        1 => out.tolerate("partial", "only one segment: decoded it as the header"),
        2 => out.tolerate("partial", "two segments: decoded the header and payload"),
        3 => {}
        n => out.warn(
            "too_many_segments",
            if n == 5 {
                format!("{n} segments: this looks like a JWE (encrypted token); only the header is readable")
            } else {
                format!("{n} segments: a JWS has 3; decoded the first three")
            },
        ),
    }
    let mut start = 0;
    for (i, text) in token.split('.').enumerate() {
        let end = start + text.len();
        let (name, segment) = match i {
            0 => ("header", Some(Segment::Header)),
            1 => ("payload", Some(Segment::Payload)),
            2 => ("signature", Some(Segment::Signature)),
            _ => ("extra", None),
        };
        let decoded = match segment {
            Some(segment) => decode_segment(text, segment, out),
            None => Decoded { bytes: None, status: SegmentStatus::Extra, message: None },
        };
        out.segments.push(SegmentInfo {
            name,
            text: text.to_string(),
            start,
            end,
            decoded_len: decoded.bytes.as_ref().map(Vec::len),
            status: decoded.status,
            message: decoded.message,
        });
        match (segment, decoded.bytes) {
            (Some(Segment::Header), Some(bytes)) => {
                let (text, value) = json_view(&bytes, "JOSE header", limits, out);
                out.header_text = Some(text);
                if let Some(Value::Object(members)) = &value {
                    header_warnings(members, out);
                }
                out.header = value;
            }
            (Some(Segment::Payload), Some(bytes)) => {
                let (text, value) = json_view(&bytes, "JWT claims set", limits, out);
                out.payload_text = Some(text);
                if let Some(Value::Object(claims)) = &value {
                    claim_warnings(claims, out);
                }
                out.payload = value;
            }
            (Some(Segment::Signature), Some(bytes)) if !bytes.is_empty() => {
                out.signature = Some(b64::encode(&bytes));
            }
            _ => {}
        }
        start = end + 1;
    }
    if count == 1 {
        out.warn("payload_missing", "no payload segment");
    }
    if count < 3 {
        out.warn("signature_missing", "no signature segment: the token cannot be verified");
    } else if out.segments.get(2).is_some_and(|s| s.status == SegmentStatus::Empty) {
        out.warn(
            "signature_empty",
            "the signature segment is empty: the token is unsigned or its signature was stripped",
        );
    }
}

/// The decoded text and, when it is JSON, the value; warnings for everything irregular.
fn json_view(
    bytes: &[u8],
    what: &'static str,
    limits: &Limits,
    out: &mut Inspection,
) -> (String, Option<Value>) {
    let text = String::from_utf8_lossy(bytes).into_owned();
    if let Err(e) = core::str::from_utf8(bytes) {
        out.warn(
            "not_utf8",
            format!(
                "{what} is not UTF-8 (invalid byte at offset {}); shown with U+FFFD replacements",
                e.valid_up_to()
            ),
        );
    }
    let value = match json::parse_value(text.as_bytes(), what, limits) {
        Ok(v) => Some(v),
        Err(JsonError::DuplicateMember { member, .. }) => {
            out.warn(
                "duplicate_member",
                format!(
                    "{what} has member {member:?} more than once; parsers disagree on which \
                     value counts (jwtgate refuses the token); the last one is shown"
                ),
            );
            lenient_json(&text)
        }
        Err(e @ JsonError::Limit { .. }) => {
            out.warn("limit_exceeded", format!("{e}; shown anyway where possible"));
            lenient_json(&text)
        }
        Err(e) => {
            out.warn("not_json", e.to_string());
            None
        }
    };
    if let Some(v) = &value {
        if !v.is_object() {
            out.warn(
                "not_object",
                format!("{what} must be a JSON object, found {}", json::type_name(v)),
            );
        }
    }
    (text, value)
}

/// serde_json's own parse: last duplicate wins, nesting bounded by its recursion limit (128),
/// so this cannot overflow the stack either.
fn lenient_json(text: &str) -> Option<Value> {
    serde_json::from_str(text).ok()
}

fn header_warnings(members: &Map<String, Value>, out: &mut Inspection) {
    match members.get("alg") {
        None => out.warn("alg_missing", "header has no alg: no verifier can accept it"),
        Some(Value::String(alg)) => match AlgClass::of(alg) {
            AlgClass::Supported(Algorithm::EdDSA) => out.warn(
                "alg_eddsa_aws",
                "alg EdDSA: Vault accepts it, AWS STS does not (RS256 only); in Nomad, EdDSA \
                 means a root key created before 1.7: rotate the keyring to get RS256",
            ),
            AlgClass::Supported(_) => {}
            AlgClass::None => {
                out.warn("alg_none", "alg \"none\": the token is unsigned; never accept it")
            }
            AlgClass::NoneVariant => out.warn(
                "alg_none_variant",
                format!(
                    "alg {alg:?} is \"none\" in another case: unsigned-token attacks use it \
                     against case-insensitive verifiers"
                ),
            ),
            AlgClass::Hmac => out.warn(
                "alg_hmac",
                format!(
                    "alg {alg:?} is HMAC (shared secret): workload identities are signed with \
                     public-key algorithms, and HS* tokens are how key-confusion attacks work"
                ),
            ),
            AlgClass::Unknown => out.warn(
                "alg_unknown",
                format!(
                    "alg {alg:?} is not one of RS256 RS384 RS512 PS256 PS384 PS512 ES256 ES384 \
                     ES512 EdDSA (names are case-sensitive)"
                ),
            ),
        },
        Some(other) => {
            out.warn("alg_type", format!("alg must be a string, found {}", json::type_name(other)))
        }
    }
    match members.get("kid") {
        None => {
            out.warn("kid_missing", "no kid: every compatible key will be tried (as Vault does)")
        }
        Some(Value::String(_)) => {}
        Some(other) => {
            out.warn("kid_type", format!("kid must be a string, found {}", json::type_name(other)))
        }
    }
    if let Some(b64) = members.get("b64") {
        out.warn(
            "b64",
            format!("header has \"b64\": {b64} (RFC 7797 unencoded payload); jwtgate refuses it"),
        );
    }
    if let Some(crit) = members.get("crit") {
        out.warn(
            "crit",
            format!("header has \"crit\": {crit}; jwtgate understands no critical extension and refuses it"),
        );
    }
    for member in ["jku", "jwk", "x5u", "x5c"] {
        if members.contains_key(member) {
            out.warn(
                "embedded_key",
                format!(
                    "header member {member:?} names or carries a key; a verifier must never \
                     trust keys chosen by the token itself (jwtgate ignores it)"
                ),
            );
        }
    }
}

/// The audience of a Nomad job's default workload identity (`IdentityDefaultAud`).
const NOMAD_DEFAULT_AUD: &str = "nomadproject.io";

fn nomad_default_aud(out: &mut Inspection) {
    out.warn(
        "aud_nomad_default",
        "aud is \"nomadproject.io\", the audience of Nomad's default workload identity: Vault \
         and AWS roles bind their own audience (e.g. vault.io, aws), which Nomad puts only in \
         named identities (an `identity` block, or the Vault integration's default_identity)",
    );
}

/// Above this a NumericDate is almost surely milliseconds (1e11 s is the year 5138).
const MILLIS_THRESHOLD: f64 = 1e11;

fn claim_warnings(claims: &Map<String, Value>, out: &mut Inspection) {
    if !claims.contains_key("exp") {
        out.warn(
            "exp_missing",
            "no exp: under RFC 7519 rules the token never expires (jwtgate's standard profile \
             requires exp by default); Nomad omits exp for default identities, and Vault then \
             treats the token as expiring at max(iat, nbf) + expiration_leeway (150 s by default)",
        );
    }
    if !claims.contains_key("iss") {
        out.warn(
            "iss_missing",
            "no iss: Nomad sets iss only when the server's oidc_issuer is configured; AWS STS and \
             OIDC discovery need it, and a Vault bound_issuer cannot match",
        );
    }
    let mut times = [None::<f64>; 3];
    for (slot, name) in times.iter_mut().zip(["exp", "iat", "nbf"]) {
        match claims.get(name) {
            None => {}
            Some(Value::Number(n)) => {
                let v = n.as_f64().unwrap_or(0.0);
                if v > MILLIS_THRESHOLD {
                    out.warn(
                        "time_in_milliseconds",
                        format!(
                            "{name} is {n}: that looks like milliseconds; NumericDate is seconds \
                             since the epoch (RFC 7519 §2)"
                        ),
                    );
                }
                *slot = Some(v);
            }
            Some(other) => out.warn(
                "time_not_number",
                format!(
                    "{name} is {}, not a number: NumericDate must be a JSON number of seconds \
                     (RFC 7519 §2)",
                    json::type_name(other)
                ),
            ),
        }
    }
    let [exp, iat, nbf] = times;
    if let (Some(exp), Some(iat)) = (exp, iat) {
        if exp <= iat {
            out.warn("exp_before_iat", format!("exp ({exp}) is not after iat ({iat})"));
        }
    }
    if let (Some(exp), Some(nbf)) = (exp, nbf) {
        if nbf > exp {
            out.warn("nbf_after_exp", format!("nbf ({nbf}) is after exp ({exp}): never valid"));
        }
    }
    for name in ["iss", "sub", "jti"] {
        if let Some(v) = claims.get(name) {
            if !v.is_string() {
                out.warn(
                    "claim_type",
                    format!("{name} must be a string, found {}", json::type_name(v)),
                );
            }
        }
    }
    match claims.get("aud") {
        Some(Value::String(aud)) if aud == NOMAD_DEFAULT_AUD => nomad_default_aud(out),
        Some(Value::Array(items)) if items.iter().any(|a| a == NOMAD_DEFAULT_AUD) => {
            nomad_default_aud(out)
        }
        None | Some(Value::String(_)) => {}
        Some(Value::Array(items)) if items.iter().all(Value::is_string) => {}
        Some(other) => out.warn(
            "claim_type",
            format!(
                "aud must be a string or an array of strings, found {}",
                json::type_name(other)
            ),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::b64::encode;
    use alloc::vec;
    use serde_json::json;

    fn token(header: &Value, claims: &Value, sig: &[u8]) -> String {
        format!(
            "{}.{}.{}",
            encode(header.to_string().as_bytes()),
            encode(claims.to_string().as_bytes()),
            encode(sig)
        )
    }

    fn nomad() -> String {
        token(
            &json!({"alg":"RS256","kid":"k1","typ":"JWT"}),
            &json!({"iss":"https://nomad.example","sub":"global:default:mongo:db:mongo:default",
                    "aud":"vault.io","iat":1764390000,"nbf":1764390000,"exp":1764393600}),
            &[7; 256],
        )
    }

    fn codes(notes: &[Note]) -> Vec<&'static str> {
        let mut c: Vec<_> = notes.iter().map(|n| n.code).collect();
        c.sort_unstable();
        c.dedup();
        c
    }

    #[test]
    fn clean_token_has_nothing_to_report() {
        let t = nomad();
        let i = inspect(&t, &Limits::default());
        assert_eq!(i.token, t);
        assert!(i.tolerated.is_empty() && i.warnings.is_empty(), "{i:?}");
        assert_eq!(i.strict_error, None);
        assert_eq!(i.notice, NOTICE);
        assert_eq!(i.header.unwrap()["alg"], "RS256");
        assert_eq!(i.payload.unwrap()["aud"], "vault.io");
        assert_eq!(i.signature.as_deref(), t.rsplit('.').next());
        let spans: Vec<_> = i.segments.iter().map(|s| &t[s.start..s.end]).collect();
        assert_eq!(spans, t.split('.').collect::<Vec<_>>());
        assert_eq!(i.segments[2].decoded_len, Some(256));
    }

    #[test]
    fn never_says_valid() {
        let t = nomad();
        let text = serde_json::to_string(&inspect(&t, &Limits::default())).unwrap();
        assert!(!text.to_lowercase().contains("\"valid\""));
        assert!(text.contains("NOT checked"));
    }

    #[test]
    fn bearer_quotes_whitespace_nest() {
        let t = nomad();
        for (input, want) in [
            (format!("  Bearer {t}\n"), vec!["bearer_prefix", "whitespace"]),
            (format!("\"bearer   {t}\""), vec!["bearer_prefix", "quotes"]),
            (format!("BEARER \"{t}\""), vec!["bearer_prefix", "quotes"]),
            (format!("' {t} '"), vec!["quotes", "whitespace"]),
        ] {
            let i = inspect(&input, &Limits::default());
            assert_eq!(i.token, t, "{input}");
            assert_eq!(codes(&i.tolerated), want, "{input}");
            assert_eq!(i.strict_error, None);
        }
    }

    #[test]
    fn embedded_offsets_point_into_the_input() {
        let t = nomad();
        let input = format!("  level=info msg=\"login\" token={t} user=bob");
        let i = inspect(&input, &Limits::default());
        assert_eq!(i.token, t);
        let start = input.find("eyJ").unwrap();
        let note = &i.tolerated.iter().find(|n| n.code == "embedded").unwrap().message;
        assert!(note.contains(&format!("{start}..{}", start + t.len())), "{note}");
    }

    #[test]
    fn junk_becomes_warnings() {
        for junk in ["", "   ", "hello world", "\"\"", "Bearer", "Bearer ", "....", "é.é.é", "eyJ"]
        {
            let i = inspect(junk, &Limits::default());
            assert!(!i.warnings.is_empty(), "{junk:?}: {i:?}");
            assert_eq!(i.notice, NOTICE);
        }
        let i = inspect("hello world", &Limits::default());
        assert_eq!(codes(&i.warnings), ["no_token_found"]);
    }

    #[test]
    fn oversized_input_is_not_decoded() {
        let limits = Limits { max_document_len: 100, max_token_len: 100, ..Limits::default() };
        let i = inspect(&"a".repeat(101), &limits);
        assert_eq!(codes(&i.warnings), ["input_too_large"]);
        assert!(i.segments.is_empty());
        assert_eq!(i.strict_error.unwrap().code, Code::LimitExceeded);
    }

    #[test]
    fn oversized_answers_from_the_length_what_the_strict_parser_says() {
        let limits = Limits { max_document_len: 100, max_token_len: 50, ..Limits::default() };
        for input in ["a".repeat(101), "é.x.y".repeat(40)] {
            let by_len = oversized(input.len(), &limits).unwrap();
            assert_eq!(by_len.strict_error, strict(&input, &limits));
            assert_eq!(by_len, inspect(&input, &limits));
            assert!(by_len.warnings[0].message.contains(&format!("is {} bytes", input.len())));
        }
        assert_eq!(oversized(100, &limits), None);
        let wide = Limits { max_document_len: 100, max_token_len: 1000, ..Limits::default() };
        assert_eq!(oversized(500, &wide), None, "the strict parser would read the content");
    }

    #[test]
    fn time_warnings() {
        let h = json!({"alg":"RS256","kid":"k"});
        let c = json!({"iss":"i","exp":1764393600000u64,"iat":"yesterday","nbf":1764393700});
        let i = inspect(&token(&h, &c, &[1]), &Limits::default());
        assert_eq!(codes(&i.warnings), ["time_in_milliseconds", "time_not_number"]);
        let c = json!({"iss":"i","exp":100,"iat":200,"nbf":300});
        let i = inspect(&token(&h, &c, &[1]), &Limits::default());
        assert_eq!(codes(&i.warnings), ["exp_before_iat", "nbf_after_exp"]);
        // Boundary: exactly 1e11 is not flagged.
        let c = json!({"iss":"i","exp":100000000000u64});
        let i = inspect(&token(&h, &c, &[1]), &Limits::default());
        assert!(i.warnings.is_empty(), "{:?}", i.warnings);
    }

    #[test]
    fn nomad_default_audience_in_a_list() {
        let h = json!({"alg":"RS256","kid":"k"});
        let c = json!({"iss":"i","exp":1,"aud":["vault.io","nomadproject.io"]});
        let i = inspect(&token(&h, &c, &[1]), &Limits::default());
        assert_eq!(codes(&i.warnings), ["aud_nomad_default"]);
        let c = json!({"iss":"i","exp":1,"aud":["nomadproject.io.example"]});
        assert!(inspect(&token(&h, &c, &[1]), &Limits::default()).warnings.is_empty());
    }

    #[test]
    fn segment_ranges_survive_tolerated_base64() {
        let t = nomad();
        let parts: Vec<&str> = t.split('.').collect();
        let padded = format!("{}.{}.{}==", parts[0], parts[1], parts[2].replace('-', "+"));
        let i = inspect(&padded, &Limits::default());
        let sig = &i.segments[2];
        assert_eq!(&padded[sig.start..sig.end], sig.text);
        assert_eq!(sig.status, SegmentStatus::Tolerated);
        assert_eq!(i.signature.as_deref(), Some(parts[2]));
        assert_eq!(i.strict_error.unwrap().code, Code::JwsBase64);
    }

    mod prop {
        use super::super::*;
        use proptest::prelude::*;

        proptest! {
            #[test]
            fn never_panics_and_always_has_the_notice(input in "\\PC{0,300}") {
                let i = inspect(&input, &Limits::default());
                prop_assert_eq!(i.notice, NOTICE);
                for s in &i.segments {
                    prop_assert_eq!(i.token.get(s.start..s.end), Some(s.text.as_str()));
                }
            }

            #[test]
            fn token_like_input_never_panics(input in "[A-Za-z0-9_+/=. \"-]{0,200}") {
                let i = inspect(&format!("eyJ{input}"), &Limits::default());
                prop_assert_eq!(i.notice, NOTICE);
            }
        }
    }
}
