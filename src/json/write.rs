//! Compact JSON text written straight into a byte buffer, byte for byte what `serde_json`
//! writes for the same value (member order, escapes, number formats), in a few large writes.
//!
//! Why: front ends serialise every verified answer (header, claims, report). In the size-built
//! wasm module serde_json's serializer makes several generic calls per token of output and
//! costs more than the checks that produced the answer; these writers copy runs of plain text
//! in one piece. The tests compare them with serde_json on arbitrary values.

use alloc::string::String;
use alloc::vec::Vec;

use serde_json::{Map, Number, Value};

/// `text` as a JSON string literal, escaped as serde_json escapes it: `"`, `\`, and the
/// control characters (`\b \t \n \f \r` short, the others as `\u00XX`); everything else as is.
pub fn string(out: &mut Vec<u8>, text: &str) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    out.push(b'"');
    let mut rest = text.as_bytes();
    // Copy each run of plain bytes in one piece; only the escaped bytes are handled one by one.
    while let Some(at) = first_to_escape(rest) {
        let (plain, tail) = rest.split_at(at);
        out.extend_from_slice(plain);
        let Some((&b, tail)) = tail.split_first() else { break };
        let escape: &[u8] = match b {
            b'"' => b"\\\"",
            b'\\' => b"\\\\",
            b'\n' => b"\\n",
            b'\r' => b"\\r",
            b'\t' => b"\\t",
            0x08 => b"\\b",
            0x0c => b"\\f",
            _ => b"",
        };
        if escape.is_empty() {
            out.extend_from_slice(b"\\u00");
            for nibble in [b >> 4, b & 0xf] {
                out.push(HEX.get(usize::from(nibble)).copied().unwrap_or(b'0'));
            }
        } else {
            out.extend_from_slice(escape);
        }
        rest = tail;
    }
    out.extend_from_slice(rest);
    out.push(b'"');
}

/// The offset of the first byte JSON requires escaping (`"`, `\\`, below 0x20), if any.
/// Eight bytes at a time: a word without such a byte is skipped whole (the usual case), a word
/// with one is searched byte by byte.
fn first_to_escape(bytes: &[u8]) -> Option<usize> {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    // "Some byte is zero" / "some byte is below 0x20" tests; a flagged word is searched
    // exactly, so the tests only decide which words may be skipped.
    let has_zero = |x: u64| x.wrapping_sub(ONES) & !x & HIGH != 0;
    let needs = |b: u8| b < 0x20 || b == b'"' || b == b'\\';
    let mut words = bytes.chunks_exact(8);
    let mut at = 0;
    for word in words.by_ref() {
        let mut w = [0u8; 8];
        w.copy_from_slice(word);
        let w = u64::from_le_bytes(w);
        let below_space = w.wrapping_sub(ONES * 0x20) & !w & HIGH != 0;
        if below_space
            || has_zero(w ^ (ONES * u64::from(b'"')))
            || has_zero(w ^ (ONES * u64::from(b'\\')))
        {
            if let Some(i) = word.iter().position(|&b| needs(b)) {
                return Some(at + i);
            }
        }
        at += 8;
    }
    words.remainder().iter().position(|&b| needs(b)).map(|i| at + i)
}

/// [`string`] as an owned `String`.
pub fn string_text(text: &str) -> String {
    let mut out = Vec::with_capacity(text.len() + 2);
    string(&mut out, text);
    into_text(out)
}

/// Compact JSON of a list of strings, as an owned `String`.
pub fn list_text(items: &[String]) -> String {
    let mut out = Vec::new();
    list(&mut out, items.iter().map(String::as_str));
    into_text(out)
}

/// Compact JSON of `v`, as an owned `String`.
pub fn value_text(v: &Value) -> String {
    let mut out = Vec::new();
    value(&mut out, v);
    into_text(out)
}

/// A JSON array of strings.
pub fn list<'a>(out: &mut Vec<u8>, items: impl IntoIterator<Item = &'a str>) {
    out.push(b'[');
    for (i, item) in items.into_iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        string(out, item);
    }
    out.push(b']');
}

/// The writers only ever produce UTF-8 (they copy `str` runs and ASCII); never lossy in practice.
pub fn into_text(out: Vec<u8>) -> String {
    String::from_utf8(out).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
}

/// `n` in decimal.
pub fn unsigned(out: &mut Vec<u8>, mut n: u64) {
    let mut digits = [0u8; 20];
    let mut at = digits.len();
    loop {
        at -= 1;
        if let Some(d) = digits.get_mut(at) {
            *d = b'0' + (n % 10) as u8;
        }
        n /= 10;
        if n == 0 || at == 0 {
            break;
        }
    }
    out.extend_from_slice(digits.get(at..).unwrap_or_default());
}

/// `n` in decimal, with a `-` when negative.
pub fn signed(out: &mut Vec<u8>, n: i64) {
    if n < 0 {
        out.push(b'-');
    }
    unsigned(out, n.unsigned_abs());
}

fn number(out: &mut Vec<u8>, n: &Number) {
    if let Some(u) = n.as_u64() {
        unsigned(out, u);
    } else if let Some(i) = n.as_i64() {
        signed(out, i);
    } else {
        match serde_json::to_vec(n) {
            Ok(text) => out.extend_from_slice(&text),
            // Unreachable: a finite float always serializes; keep the text valid JSON anyway.
            Err(_) => out.extend_from_slice(b"null"),
        }
    }
}

/// `v` as compact JSON.
pub fn value(out: &mut Vec<u8>, v: &Value) {
    match v {
        Value::Null => out.extend_from_slice(b"null"),
        Value::Bool(true) => out.extend_from_slice(b"true"),
        Value::Bool(false) => out.extend_from_slice(b"false"),
        Value::Number(n) => number(out, n),
        Value::String(s) => string(out, s),
        Value::Array(items) => {
            out.push(b'[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                value(out, item);
            }
            out.push(b']');
        }
        Value::Object(members) => object(out, members),
    }
}

/// `members` as a compact JSON object, in the map's (sorted) order.
pub fn object(out: &mut Vec<u8>, members: &Map<String, Value>) {
    out.push(b'{');
    for (i, (k, v)) in members.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        string(out, k);
        out.push(b':');
        value(out, v);
    }
    out.push(b'}');
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn ours(v: &Value) -> String {
        let mut out = Vec::new();
        value(&mut out, v);
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn edge_values_match_serde_json() {
        for v in [
            serde_json::json!({"b": [1, -1, 0, u64::MAX, i64::MIN, 1.5, -0.0, 1e300, null, true]}),
            serde_json::json!({"\"k\\": "tab\there \u{1}\u{8}\u{c}\u{1f}\u{7f} é ✓ /", "": {}}),
            serde_json::json!([]),
        ] {
            assert_eq!(ours(&v), serde_json::to_string(&v).unwrap());
        }
    }

    #[test]
    fn every_byte_in_every_word_position_is_escaped_as_serde_json_does() {
        for b in 0u8..0x80 {
            for at in 0..17 {
                let mut text = String::from("abcdefghijklmnopq");
                text.replace_range(at..at + 1, core::str::from_utf8(&[b]).unwrap());
                let v = Value::String(text);
                assert_eq!(ours(&v), serde_json::to_string(&v).unwrap(), "byte {b:#x} at {at}");
            }
        }
    }

    proptest! {
        #[test]
        fn writes_what_serde_json_writes(v in arb_json()) {
            prop_assert_eq!(ours(&v), serde_json::to_string(&v).unwrap());
        }
    }

    fn arb_json() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            any::<i64>().prop_map(Value::from),
            any::<u64>().prop_map(Value::from),
            any::<f64>().prop_filter("finite", |f| f.is_finite()).prop_map(Value::from),
            "\\PC{0,8}".prop_map(Value::String),
            "[\"\\\\/\u{0}-\u{1f}a\u{7f}]{0,6}".prop_map(Value::String),
        ];
        leaf.prop_recursive(4, 32, 6, |inner| {
            prop_oneof![
                proptest::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
                proptest::collection::btree_map("\\PC{0,3}", inner, 0..6)
                    .prop_map(|m| Value::Object(m.into_iter().collect())),
            ]
        })
    }
}
