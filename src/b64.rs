//! Strict base64url: RFC 7515 §2 `BASE64URL` = RFC 4648 §5 alphabet, no `=` padding, no
//! whitespace, and canonical trailing bits.
//!
//! Canonical means exactly one text per byte string. A decoder that ignores the unused low bits
//! of the last symbol accepts several spellings of the same signature, which breaks anything
//! keyed on the token text (caches, replay lists) and hides tampering; so they are refused.

use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;

use base64::alphabet;
use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig};
use base64::engine::DecodePaddingMode;
use base64::{DecodeError, Engine as _};

use crate::jose::JoseError;

/// The strict engine: URL-safe alphabet, padding refused, trailing bits must be zero.
const STRICT: GeneralPurpose = GeneralPurpose::new(
    &alphabet::URL_SAFE,
    GeneralPurposeConfig::new()
        .with_encode_padding(false)
        .with_decode_padding_mode(DecodePaddingMode::RequireNone)
        .with_decode_allow_trailing_bits(false),
);

/// Why a text is not canonical unpadded base64url. Offsets are byte offsets into the text.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Base64Problem {
    /// `=` padding, which JWS forbids.
    Padding {
        /// Offset of the first `=`.
        offset: usize,
    },
    /// `+` or `/`: the standard alphabet instead of the URL-safe one.
    StandardAlphabet {
        /// Offset of the byte.
        offset: usize,
        /// The byte.
        byte: u8,
    },
    /// A space, tab, CR or LF.
    Whitespace {
        /// Offset of the byte.
        offset: usize,
        /// The byte.
        byte: u8,
    },
    /// Any other byte outside the base64url alphabet.
    InvalidByte {
        /// Offset of the byte.
        offset: usize,
        /// The byte.
        byte: u8,
    },
    /// A length of 4k+1 symbols, which no byte string encodes to.
    Length {
        /// The number of symbols.
        len: usize,
    },
    /// The last symbol has non-zero unused bits: a non-canonical spelling.
    TrailingBits {
        /// Offset of the last symbol.
        offset: usize,
        /// The last symbol.
        byte: u8,
    },
}

impl fmt::Display for Base64Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Base64Problem::Padding { offset } => {
                write!(f, "'=' padding at offset {offset} (base64url in JWS has no padding)")
            }
            Base64Problem::StandardAlphabet { offset, byte } => write!(
                f,
                "invalid byte '{}' at offset {offset} (standard base64 alphabet; base64url uses '-' and '_')",
                char::from(byte)
            ),
            Base64Problem::Whitespace { offset, byte } => {
                write!(f, "whitespace (byte 0x{byte:02x}) at offset {offset}")
            }
            Base64Problem::InvalidByte { offset, byte } => {
                write!(f, "invalid byte {} at offset {offset}", ByteText(byte))
            }
            Base64Problem::Length { len } => {
                write!(f, "length {len} is impossible for base64url (length mod 4 is 1)")
            }
            Base64Problem::TrailingBits { offset, byte } => write!(
                f,
                "non-canonical last symbol '{}' at offset {offset} (its unused bits are not zero)",
                char::from(byte)
            ),
        }
    }
}

/// Shows a byte as a printable character in quotes, or as hex.
struct ByteText(u8);

impl fmt::Display for ByteText {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0.is_ascii_graphic() {
            write!(f, "'{}'", char::from(self.0))
        } else {
            write!(f, "0x{:02x}", self.0)
        }
    }
}

/// Classifies the first byte of `text` outside the base64url alphabet, if any.
fn first_foreign_byte(text: &[u8]) -> Option<Base64Problem> {
    let (offset, &byte) = text
        .iter()
        .enumerate()
        .find(|(_, b)| !(b.is_ascii_alphanumeric() || **b == b'-' || **b == b'_'))?;
    Some(match byte {
        b'=' => Base64Problem::Padding { offset },
        b'+' | b'/' => Base64Problem::StandardAlphabet { offset, byte },
        b' ' | b'\t' | b'\r' | b'\n' => Base64Problem::Whitespace { offset, byte },
        _ => Base64Problem::InvalidByte { offset, byte },
    })
}

/// Decodes canonical unpadded base64url, reporting precisely why a text is refused.
///
/// Use this for any base64url member (JWK `n`, `e`, `x`, `y`, ...); `decode` is the same with
/// the error wrapped for a token segment.
pub fn decode_strict(text: &str) -> Result<Vec<u8>, Base64Problem> {
    // The engine refuses every byte outside the URL-safe alphabet (`=` included), so a text it
    // accepts has none; only a refused text needs our own scan, which names `=`, `+`/`/` and
    // whitespace where the engine reports an anonymous invalid byte or padding error, and
    // which takes precedence over the engine's length and trailing-bits findings.
    let e = match STRICT.decode(text) {
        Ok(bytes) => return Ok(bytes),
        Err(e) => e,
    };
    if let Some(problem) = first_foreign_byte(text.as_bytes()) {
        return Err(problem);
    }
    Err(match e {
        DecodeError::InvalidLastSymbol(offset, byte) => {
            Base64Problem::TrailingBits { offset, byte }
        }
        DecodeError::InvalidByte(offset, byte) => Base64Problem::InvalidByte { offset, byte },
        // The scan above leaves only the alphabet, so the remaining errors are about length.
        DecodeError::InvalidLength(_) | DecodeError::InvalidPadding => {
            Base64Problem::Length { len: text.len() }
        }
    })
}

/// Go's `base64.RawURLEncoding` (not `Strict()`): the URL-safe alphabet without padding, and
/// the unused low bits of the last symbol ignored.
const GO_RAW_URL: GeneralPurpose = GeneralPurpose::new(
    &alphabet::URL_SAFE,
    GeneralPurposeConfig::new()
        .with_encode_padding(false)
        .with_decode_padding_mode(DecodePaddingMode::RequireNone)
        .with_decode_allow_trailing_bits(true),
);

/// Decodes `text` as Go's `base64.RawURLEncoding.DecodeString` does, which go-jose uses for
/// token segments: like [`decode_strict`], except that non-zero unused bits in the last symbol
/// are ignored. The caller learns whether they were (`true` = the spelling is not canonical).
/// For the Vault profile only: RFC 7515 requires the canonical spelling.
pub fn decode_go_raw_url(text: &str) -> Option<(Vec<u8>, bool)> {
    let bytes = GO_RAW_URL.decode(text).ok()?;
    let canonical = STRICT.encode(&bytes) == text;
    Some((bytes, !canonical))
}

/// Decodes one base64url text; `what` names it in the error (e.g. `"segment 2 (payload)"`).
pub fn decode(segment: &str, what: &'static str) -> Result<Vec<u8>, JoseError> {
    decode_strict(segment).map_err(|problem| JoseError::Base64 { what, problem })
}

/// Encodes `bytes` as unpadded base64url.
pub fn encode(bytes: &[u8]) -> String {
    STRICT.encode(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec;

    #[test]
    fn rfc4648_test_vectors_without_padding() {
        // RFC 4648 §10, with the padding removed (RFC 7515 §2).
        let cases = [
            ("", ""),
            ("f", "Zg"),
            ("fo", "Zm8"),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg"),
            ("fooba", "Zm9vYmE"),
            ("foobar", "Zm9vYmFy"),
        ];
        for (plain, text) in cases {
            assert_eq!(encode(plain.as_bytes()), text);
            assert_eq!(decode_strict(text).unwrap(), plain.as_bytes());
        }
    }

    #[test]
    fn url_safe_alphabet_only() {
        // 0xfb 0xff encodes to "-_8" in base64url and "+/8" in standard base64.
        assert_eq!(encode(&[0xfb, 0xff]), "-_8");
        assert_eq!(decode_strict("-_8").unwrap(), vec![0xfb, 0xff]);
        assert_eq!(
            decode_strict("+_8").unwrap_err(),
            Base64Problem::StandardAlphabet { offset: 0, byte: b'+' }
        );
        assert_eq!(
            decode_strict("-/8").unwrap_err(),
            Base64Problem::StandardAlphabet { offset: 1, byte: b'/' }
        );
    }

    #[test]
    fn refuses_padding_whitespace_and_junk() {
        assert_eq!(decode_strict("Zg==").unwrap_err(), Base64Problem::Padding { offset: 2 });
        assert_eq!(
            decode_strict("Zm 9v").unwrap_err(),
            Base64Problem::Whitespace { offset: 2, byte: b' ' }
        );
        assert_eq!(
            decode_strict("Zm9v\n").unwrap_err(),
            Base64Problem::Whitespace { offset: 4, byte: b'\n' }
        );
        assert_eq!(
            decode_strict("Zm9v.").unwrap_err(),
            Base64Problem::InvalidByte { offset: 4, byte: b'.' }
        );
        // A multi-byte UTF-8 character is reported by its first byte.
        assert_eq!(
            decode_strict("Zé").unwrap_err(),
            Base64Problem::InvalidByte { offset: 1, byte: 0xc3 }
        );
    }

    #[test]
    fn refuses_impossible_length_and_trailing_bits() {
        assert_eq!(decode_strict("Zm9vY").unwrap_err(), Base64Problem::Length { len: 5 });
        // "Zh" has the same first 8 bits as "Zg" ('f') but non-zero unused bits.
        assert_eq!(
            decode_strict("Zh").unwrap_err(),
            Base64Problem::TrailingBits { offset: 1, byte: b'h' }
        );
        assert_eq!(decode_strict("Zm9=").unwrap_err(), Base64Problem::Padding { offset: 3 });
        assert_eq!(
            decode_strict("Zm9").unwrap_err(),
            Base64Problem::TrailingBits { offset: 2, byte: b'9' }
        );
    }

    #[test]
    fn messages_name_the_segment_and_byte() {
        let e = decode("eyJ+", "segment 2 (payload)").unwrap_err();
        assert_eq!(
            alloc::format!("{e}"),
            "segment 2 (payload) is not base64url: invalid byte '+' at offset 3 \
             (standard base64 alphabet; base64url uses '-' and '_')"
        );
        assert_eq!(e.code(), crate::Code::JwsBase64);
    }

    mod prop {
        use super::super::*;
        use alloc::format;
        use proptest::prelude::*;

        const URL: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

        fn index_of(b: u8) -> u8 {
            URL.iter().position(|&c| c == b).unwrap() as u8
        }

        proptest! {
            #[test]
            fn round_trips(bytes in proptest::collection::vec(any::<u8>(), 0..200)) {
                let text = encode(&bytes);
                prop_assert!(text.bytes().all(|b| URL.contains(&b)));
                prop_assert_eq!(decode_strict(&text).unwrap(), bytes);
            }

            #[test]
            fn padded_form_is_refused(bytes in proptest::collection::vec(any::<u8>(), 1..100)) {
                let text = encode(&bytes);
                let pad = (4 - text.len() % 4) % 4;
                prop_assume!(pad > 0);
                let padded = format!("{text}{}", "=".repeat(pad));
                prop_assert_eq!(
                    decode_strict(&padded).unwrap_err(),
                    Base64Problem::Padding { offset: text.len() }
                );
            }

            #[test]
            fn standard_alphabet_is_refused(bytes in proptest::collection::vec(any::<u8>(), 1..100)) {
                let text = encode(&bytes);
                let standard: alloc::string::String =
                    text.chars().map(|c| match c { '-' => '+', '_' => '/', c => c }).collect();
                if standard == text {
                    prop_assert!(decode_strict(&standard).is_ok());
                } else {
                    let is_std = matches!(
                        decode_strict(&standard),
                        Err(Base64Problem::StandardAlphabet { .. })
                    );
                    prop_assert!(is_std);
                }
            }

            #[test]
            fn whitespace_anywhere_is_refused(
                bytes in proptest::collection::vec(any::<u8>(), 0..100),
                at in any::<prop::sample::Index>(),
                ws in prop::sample::select(alloc::vec![b' ', b'\t', b'\r', b'\n']),
            ) {
                let text = encode(&bytes);
                let i = at.index(text.len() + 1);
                let mut spaced = text.clone().into_bytes();
                spaced.insert(i, ws);
                let spaced = alloc::string::String::from_utf8(spaced).unwrap();
                prop_assert_eq!(
                    decode_strict(&spaced).unwrap_err(),
                    Base64Problem::Whitespace { offset: i, byte: ws }
                );
            }

            #[test]
            fn every_noncanonical_last_symbol_is_refused(
                bytes in proptest::collection::vec(any::<u8>(), 1..100),
                delta in 1u8..16,
            ) {
                let text = encode(&bytes);
                // 1 leftover byte → last symbol carries 4 unused bits; 2 → 2 unused bits.
                let unused_bits = match bytes.len() % 3 { 1 => 4, 2 => 2, _ => 0 };
                prop_assume!(unused_bits > 0);
                let mask = (1u8 << unused_bits) - 1;
                let last = *text.as_bytes().last().unwrap();
                let value = index_of(last);
                prop_assert_eq!(value & mask, 0, "encoder output is canonical");
                let bits = delta & mask;
                prop_assume!(bits != 0);
                let mut altered = text.clone().into_bytes();
                let n = altered.len();
                altered[n - 1] = URL[usize::from(value | bits)];
                let altered = alloc::string::String::from_utf8(altered).unwrap();
                prop_assert_eq!(
                    decode_strict(&altered).unwrap_err(),
                    Base64Problem::TrailingBits { offset: n - 1, byte: URL[usize::from(value | bits)] }
                );
            }

            #[test]
            fn decode_never_panics(text in "\\PC{0,64}") {
                let _ = decode_strict(&text);
            }

            #[test]
            fn accepted_text_is_the_canonical_encoding(text in "[A-Za-z0-9_-]{0,64}") {
                if let Ok(bytes) = decode_strict(&text) {
                    prop_assert_eq!(encode(&bytes), text);
                }
            }
        }
    }
}
