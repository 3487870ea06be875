//! Strict compact JWS parsing (RFC 7515 §7.1) for verification.
//!
//! Everything here is about shape, not trust: a [`CompactJws`] has not been verified. The
//! algorithm allow-list, key choice and signature check come later in the pipeline.

use alloc::string::String;
use alloc::vec::Vec;
use serde_json::{Map, Value};

use super::{Header, JoseError, Segment};
use crate::json::{parse_text_value, type_name};
use crate::limits::Limits;
use crate::load_error::LoadError;

/// A parsed, not yet verified, compact JWS whose payload is a JWT claims set.
#[derive(Clone, Debug, PartialEq)]
pub struct CompactJws<'a> {
    /// The validated header.
    pub header: Header,
    /// The claims set.
    pub claims: Map<String, Value>,
    /// `BASE64URL(header) || '.' || BASE64URL(payload)`: the bytes the signature covers.
    pub signing_input: &'a [u8],
    /// The decoded signature (never empty).
    pub signature: Vec<u8>,
    /// The three segments as they appear in the token (base64url text), for display.
    pub segments: [&'a str; 3],
}

/// Parses `token` strictly, checking in this order (the first failure is returned):
///
/// 1. length ≤ [`Limits::max_token_len`] (`ERR_LIMIT_EXCEEDED`);
/// 2. no whitespace, exactly three `.`-separated segments, header and payload not empty
///    (`ERR_JWS_MALFORMED`);
/// 3. header segment length ≤ [`Limits::max_header_len`] (`ERR_LIMIT_EXCEEDED`);
/// 4. each segment canonical unpadded base64url (`ERR_JWS_BASE64`);
/// 5. header: UTF-8, one strict JSON object (no duplicate members, depth bounded), then the
///    header rules of [`Header::from_members`];
/// 6. payload: UTF-8, one strict JSON object (`ERR_JWT_CLAIMS_INVALID` if another JSON type)
///    with at most [`Limits::max_claims`] members;
/// 7. signature not empty (`ERR_JWS_SIGNATURE_EMPTY`).
///
/// No input panics; every refusal is a typed [`crate::Error`] whose message names the segment or value.
pub fn parse_compact<'a>(
    token: &'a str,
    limits: &Limits,
) -> Result<CompactJws<'a>, LoadError<JoseError>> {
    Limits::check("max_token_len", token.len(), limits.max_token_len)?;
    if let Some((offset, byte)) = first_whitespace(token.as_bytes()) {
        return Err(JoseError::Whitespace { offset, byte }.into());
    }
    let mut parts = token.split('.');
    let (Some(h), Some(p), Some(s), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        let found = token.split('.').count();
        return Err(JoseError::SegmentCount { found }.into());
    };
    if h.is_empty() {
        return Err(JoseError::EmptySegment { segment: Segment::Header }.into());
    }
    if p.is_empty() {
        return Err(JoseError::EmptySegment { segment: Segment::Payload }.into());
    }
    Limits::check("max_header_len", h.len(), limits.max_header_len)?;

    let header_bytes = crate::b64::decode(h, Segment::Header.label())?;
    let payload_bytes = crate::b64::decode(p, Segment::Payload.label())?;
    let signature = crate::b64::decode(s, Segment::Signature.label())?;

    let header_json = json_object(&header_bytes, Segment::Header, "JOSE header", limits)?
        .map_err(|found| JoseError::HeaderNotObject { found })?;
    let header = Header::from_members(header_json)?;

    let claims = json_object(&payload_bytes, Segment::Payload, "JWT claims set", limits)?
        .map_err(|found| JoseError::ClaimsNotObject { found })?;
    Limits::check("max_claims", claims.len(), limits.max_claims)?;

    if signature.is_empty() {
        return Err(JoseError::SignatureEmpty.into());
    }
    // `h.len() + 1 + p.len()` is within `token`, which is `h.p.s`.
    let signing_input = token.as_bytes().get(..h.len() + 1 + p.len()).unwrap_or_default();
    Ok(CompactJws { header, claims, signing_input, signature, segments: [h, p, s] })
}

/// Why Vault reads a token that [`parse_compact`] refuses, for the report.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VaultReading {
    /// The token as go-jose sees it: whitespace removed, each segment re-encoded canonically.
    /// Its first two segments are the signing input go-jose verifies.
    pub canonical: String,
    /// The whitespace characters removed: how many, and the first one with its byte offset.
    pub whitespace: Option<(usize, usize, char)>,
    /// The segments whose last symbol had non-zero unused bits.
    pub trailing_bits: Vec<Segment>,
}

/// Reads `token` as Vault does when [`parse_compact`] refuses it for its text alone: both
/// `ParseSigned`s Vault uses (go-jose v4 through go-oidc, v3 through cap) first remove every
/// character `unicode.IsSpace` accepts (the Unicode `White_Space` set, as
/// [`char::is_whitespace`]), then decode each segment with Go's `base64.RawURLEncoding`,
/// which ignores the last symbol's unused bits. go-jose then verifies over the *re-encoded*
/// segments (`computeAuthData` writes `RawURLEncoding.EncodeToString` of the decoded protected
/// header and payload) and the decoded signature, so the canonical spelling built here is
/// exactly the token go-jose verifies (go-jose `jws.go` `ParseSigned`, `parseSignedCompact`,
/// `computeAuthData`; `encoding.go` `stripWhitespace`).
///
/// `None` when the token does not change (nothing to forgive) or still has a segment Go cannot
/// decode (then the strict error stands). Cost: linear in the token, which
/// [`Limits::max_token_len`] bounds before this runs.
pub fn vault_reading(token: &str) -> Option<VaultReading> {
    let mut whitespace: Option<(usize, usize, char)> = None;
    let mut stripped = String::with_capacity(token.len());
    for (offset, c) in token.char_indices() {
        if c.is_whitespace() {
            let entry = whitespace.get_or_insert((0, offset, c));
            entry.0 += 1;
        } else {
            stripped.push(c);
        }
    }
    let mut parts = stripped.split('.');
    let (Some(h), Some(p), Some(s), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return None;
    };
    let mut canonical = String::with_capacity(stripped.len());
    let mut trailing_bits = Vec::new();
    for (i, (text, segment)) in
        [(h, Segment::Header), (p, Segment::Payload), (s, Segment::Signature)]
            .into_iter()
            .enumerate()
    {
        let (bytes, noncanonical) = crate::b64::decode_go_raw_url(text)?;
        if noncanonical {
            trailing_bits.push(segment);
        }
        if i > 0 {
            canonical.push('.');
        }
        canonical.push_str(&crate::b64::encode(&bytes));
    }
    if whitespace.is_none() && trailing_bits.is_empty() {
        return None;
    }
    Some(VaultReading { canonical, whitespace, trailing_bits })
}

/// Whether `error` is one [`vault_reading`] may forgive: whitespace, or a segment that is not
/// canonical base64url (a non-ASCII space shows as an invalid byte, unused bits as trailing
/// bits).
pub fn vault_may_forgive(error: &LoadError<JoseError>) -> bool {
    matches!(error, LoadError::Layer(JoseError::Whitespace { .. } | JoseError::Base64 { .. }))
}

/// The first ASCII whitespace byte and its offset. Every such byte is at most 0x20, so words of
/// eight bytes with no byte below 0x21 (the whole of a well-formed token) are skipped without
/// looking at each byte; the exact search starts at the first word that may hold one.
fn first_whitespace(bytes: &[u8]) -> Option<(usize, u8)> {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let mut start = 0;
    for word in bytes.chunks_exact(8) {
        // One load, not eight shifts (the first byte is the lowest).
        let w = <[u8; 8]>::try_from(word).map_or(0, u64::from_le_bytes);
        // Non-zero exactly when some byte of `w` is below 0x21.
        if w.wrapping_sub(ONES * 0x21) & !w & HIGH != 0 {
            break;
        }
        start += 8;
    }
    let rest = bytes.get(start..)?;
    let (i, &b) = rest.iter().enumerate().find(|(_, b)| b.is_ascii_whitespace())?;
    Some((start + i, b))
}

/// Decodes `bytes` as UTF-8 strict JSON; the inner `Err` is the JSON type when it is not an
/// object, so the caller can raise its own, more specific error.
fn json_object(
    bytes: &[u8],
    segment: Segment,
    what: &'static str,
    limits: &Limits,
) -> Result<Result<Map<String, Value>, &'static str>, LoadError<JoseError>> {
    let text = match core::str::from_utf8(bytes) {
        Ok(text) => text,
        Err(e) => return Err(JoseError::NotUtf8 { segment, offset: e.valid_up_to() }.into()),
    };
    match parse_text_value(text, what, limits) {
        Ok(Value::Object(map)) => Ok(Ok(map)),
        Ok(other) => Ok(Err(type_name(&other))),
        Err(e) => Err(e.into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::b64::encode;
    use crate::jose::Algorithm;
    use crate::Code;
    use alloc::format;

    fn token(header: &str, payload: &str, sig: &[u8]) -> String {
        format!("{}.{}.{}", encode(header.as_bytes()), encode(payload.as_bytes()), encode(sig))
    }

    fn code(t: &str) -> Code {
        parse_compact(t, &Limits::default()).unwrap_err().code()
    }

    const H: &str = r#"{"alg":"ES256","kid":"k1","typ":"JWT"}"#;
    const P: &str = r#"{"sub":"global:default:mongo:db:mongo:default","exp":1900000000}"#;

    #[test]
    fn parses_and_exposes_signing_input() {
        let t = token(H, P, &[1, 2, 3]);
        let jws = parse_compact(&t, &Limits::default()).unwrap();
        assert_eq!(jws.header.alg, Algorithm::ES256);
        assert_eq!(jws.header.kid.as_deref(), Some("k1"));
        assert_eq!(jws.claims.get("exp"), Some(&Value::from(1_900_000_000)));
        assert_eq!(jws.signature, [1, 2, 3]);
        let dot2 = t.rfind('.').unwrap();
        assert_eq!(jws.signing_input, &t.as_bytes()[..dot2]);
        assert_eq!(jws.segments[2], encode(&[1, 2, 3]));
    }

    #[test]
    fn structure() {
        let t = token(H, P, &[1]);
        assert_eq!(code(&format!("{t}.")), Code::JwsMalformed);
        assert_eq!(code(&format!(" {t}")), Code::JwsMalformed);
        assert_eq!(code(&format!("{t}\n")), Code::JwsMalformed);
        assert_eq!(code(&format!("Bearer {t}")), Code::JwsMalformed);
        assert_eq!(code(""), Code::JwsMalformed);
        assert_eq!(code(".."), Code::JwsMalformed);
        let (hp, _) = t.rsplit_once('.').unwrap();
        assert_eq!(code(hp), Code::JwsMalformed);
        assert_eq!(
            parse_compact("a.b.c.d.e", &Limits::default()).unwrap_err(),
            LoadError::Layer(JoseError::SegmentCount { found: 5 })
        );
        let e = parse_compact(&format!("{hp}.AQ.x"), &Limits::default()).unwrap_err();
        assert_eq!(e, LoadError::Layer(JoseError::SegmentCount { found: 4 }));
    }

    #[test]
    fn whitespace_is_found_at_every_offset() {
        let t = token(H, P, &[1; 40]);
        for ws in [b' ', b'\t', b'\n', 0x0c, b'\r'] {
            for at in 0..t.len() {
                let mut bytes = t.clone().into_bytes();
                bytes[at] = ws;
                let e = parse_compact(core::str::from_utf8(&bytes).unwrap(), &Limits::default());
                assert_eq!(
                    e.unwrap_err(),
                    LoadError::Layer(JoseError::Whitespace { offset: at, byte: ws }),
                    "{ws:#x} at {at}"
                );
            }
        }
        // Control bytes that are not whitespace are left to the base64 check.
        assert_eq!(first_whitespace(b"abcdefgh\x01\x0bxyz"), None);
        assert_eq!(first_whitespace(b"abcdefgh\x01\x0bx z"), Some((11, b' ')));
    }

    #[test]
    fn base64_names_the_segment() {
        let t = token(H, P, &[0xfb, 0xff]);
        let bad = t.replace("-_8", "+/8");
        assert_eq!(
            format!("{}", parse_compact(&bad, &Limits::default()).unwrap_err()),
            "segment 3 (signature) is not base64url: invalid byte '+' at offset 0 \
             (standard base64 alphabet; base64url uses '-' and '_')"
        );
    }

    #[test]
    fn limits_are_checked_before_decoding() {
        let t = token(H, P, &[1]);
        let limits = Limits { max_token_len: t.len() - 1, ..Limits::default() };
        let e = parse_compact(&t, &limits).unwrap_err();
        assert_eq!(e.code(), Code::LimitExceeded);
        assert!(format!("{e}").contains("max_token_len"));
        let exact = Limits { max_token_len: t.len(), ..Limits::default() };
        assert!(parse_compact(&t, &exact).is_ok());
        // The header limit counts the base64url text, and applies even when it is not base64.
        let h_len = t.find('.').unwrap();
        let limits = Limits { max_header_len: h_len - 1, ..Limits::default() };
        assert!(format!("{}", parse_compact(&t, &limits).unwrap_err()).contains("max_header_len"));
        let limits = Limits { max_claims: 1, ..Limits::default() };
        assert!(format!("{}", parse_compact(&t, &limits).unwrap_err()).contains("max_claims"));
    }

    #[test]
    fn header_and_payload_json() {
        assert_eq!(code(&token("[]", P, &[1])), Code::JwsHeaderInvalid);
        assert_eq!(code(&token("{", P, &[1])), Code::JsonInvalid);
        assert_eq!(code(&token(&format!("{H} x"), P, &[1])), Code::JsonInvalid);
        assert_eq!(
            code(&token(r#"{"alg":"ES256","alg":"none"}"#, P, &[1])),
            Code::JsonDuplicateMember
        );
        assert_eq!(code(&token(H, r#"{"a":1,"a":1}"#, &[1])), Code::JsonDuplicateMember);
        assert_eq!(code(&token(H, "42", &[1])), Code::JwtClaimsInvalid);
        assert_eq!(code(&token(H, "\"sub\"", &[1])), Code::JwtClaimsInvalid);
        let deep = format!("{{\"a\":{}1{}}}", "[".repeat(40), "]".repeat(40));
        assert_eq!(code(&token(H, &deep, &[1])), Code::LimitExceeded);
    }

    #[test]
    fn non_utf8_is_reported_with_its_offset() {
        let t = format!("{}.{}.AQ", encode(H.as_bytes()), encode(b"{\"a\":\"\xff\"}"));
        let e = parse_compact(&t, &Limits::default()).unwrap_err();
        assert_eq!(
            e,
            LoadError::Layer(JoseError::NotUtf8 { segment: Segment::Payload, offset: 6 })
        );
        assert_eq!(e.code(), Code::JsonInvalid);
    }

    #[test]
    fn header_errors_win_over_payload_and_signature_errors() {
        // alg none with a stripped signature: the alg is the more useful message.
        let t = format!("{}.{}.", encode(br#"{"alg":"none"}"#), encode(P.as_bytes()));
        assert_eq!(code(&t), Code::JwsAlgNone);
        let t = format!("{}.{}.", encode(H.as_bytes()), encode(P.as_bytes()));
        assert_eq!(code(&t), Code::JwsSignatureEmpty);
    }

    #[test]
    fn vault_reading_rebuilds_the_token_go_jose_verifies() {
        let t = token(H, P, &[1; 40]);
        assert_eq!(vault_reading(&t), None, "a canonical token needs no reading");
        let (h, rest) = t.split_once('.').unwrap();
        let spaced = format!("{h}.\u{a0}\r\n{rest}\u{3000}");
        let r = vault_reading(&spaced).unwrap();
        assert_eq!(r.canonical, t);
        assert_eq!(r.whitespace, Some((4, h.len() + 1, '\u{a0}')));
        assert!(r.trailing_bits.is_empty());
        // Unused bits set on the last symbol of the payload (its length is not 0 mod 4, so the
        // lowest bit of its last symbol is unused).
        const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        let p_enc = encode(P.as_bytes());
        assert_ne!(p_enc.len() % 4, 0);
        let mut bumped = p_enc.into_bytes();
        let last = bumped.last_mut().unwrap();
        let index = ALPHABET.iter().position(|b| b == last).unwrap();
        *last = ALPHABET[index | 1];
        let bumped = String::from_utf8(bumped).unwrap();
        assert!(crate::b64::decode_strict(&bumped).is_err());
        let s = t.rsplit_once('.').unwrap().1;
        let r = vault_reading(&format!("{}.{bumped}.{s}", encode(H.as_bytes()))).unwrap();
        assert_eq!(r.canonical, t);
        assert_eq!(r.whitespace, None);
        assert_eq!(r.trailing_bits, [Segment::Payload]);
        // Not whitespace (U+200B) or not Go's alphabet: nothing is forgiven.
        assert_eq!(vault_reading(&format!("{h}.\u{200b}{rest}")), None);
        assert_eq!(vault_reading(&format!("{h}.\n+{rest}")), None);
        assert_eq!(vault_reading("a.b"), None);
    }

    mod props {
        use super::*;
        use proptest::prelude::*;

        fn valid() -> String {
            token(H, P, &[9; 64])
        }

        proptest! {
            #[test]
            fn arbitrary_text_never_panics(t in "\\PC{0,400}") {
                if let Err(e) = parse_compact(&t, &Limits::default()) {
                    let message = format!("{e}");
                    prop_assert!(!message.is_empty());
                }
            }

            #[test]
            fn one_byte_edits_never_panic_and_only_canonical_tokens_parse(
                at in any::<proptest::sample::Index>(),
                byte in proptest::sample::select(b"AZaz09-_.=+/ \n\"{}".to_vec()),
                mode in 0u8..3,
            ) {
                let t = valid();
                let mut bytes = t.clone().into_bytes();
                let i = at.index(bytes.len());
                match mode {
                    0 => bytes[i] = byte,
                    1 => bytes.insert(i, byte),
                    _ => { bytes.remove(i); }
                }
                let edited = String::from_utf8(bytes).unwrap();
                if let Ok(jws) = parse_compact(&edited, &Limits::default()) {
                    // Whatever parsed is canonical: re-encoding the parts gives the token back.
                    let again = format!(
                        "{}.{}",
                        core::str::from_utf8(jws.signing_input).unwrap(),
                        encode(&jws.signature)
                    );
                    prop_assert_eq!(&again, &edited);
                    prop_assert!(jws.segments.iter().all(|s| crate::b64::decode_strict(s).is_ok()));
                }
            }
        }
    }
}
