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

/// The writers' output: an initialised buffer with the text at `..len`, so each piece is stored
/// a word (or two overlapping words) at a time after one room check. Bytes past `len` are
/// scratch (spare capacity, or what a longer word store left behind); only `..len` is read.
///
/// Why not a `Vec<u8>` with `extend_from_slice`/`push`: in the size-built wasm module these
/// stay out-of-line calls, and a short `extend_from_slice` becomes a `memory.copy`, which V8 in
/// Node 20 runs as a call into the runtime (about 7 ns even for 8 bytes, measured beside an
/// 8-byte load/store at 1 ns). A verified answer is a few hundred such pieces.
pub struct Out {
    buf: Vec<u8>,
    len: usize,
}

/// Pieces longer than this are copied with one `memory.copy` (cheaper than the words then).
const LONG: usize = 16;

impl Out {
    /// An empty buffer with room for `capacity` bytes before it regrows.
    pub fn with_capacity(capacity: usize) -> Out {
        Out { buf: alloc::vec![0; capacity], len: 0 }
    }

    /// The text written so far.
    pub fn as_bytes(&self) -> &[u8] {
        self.buf.get(..self.len).unwrap_or_default()
    }

    /// The bytes from the end of the text on, at least `n` of them.
    #[inline(always)]
    fn room(&mut self, n: usize) -> &mut [u8] {
        let need = self.len + n;
        if self.buf.len() < need {
            self.buf.resize(need.max(2 * self.buf.len()), 0);
        }
        self.buf.get_mut(self.len..).unwrap_or_default()
    }

    /// Appends one byte.
    #[inline(always)]
    pub fn push(&mut self, byte: u8) {
        if let Some(d) = self.room(1).first_mut() {
            *d = byte;
        }
        self.len += 1;
    }

    /// Appends `bytes`.
    pub fn extend_from_slice(&mut self, bytes: &[u8]) {
        let n = bytes.len();
        let dst = self.room(n);
        if n > LONG {
            if let Some(d) = dst.get_mut(..n) {
                d.copy_from_slice(bytes);
            }
        } else {
            copy_short(dst, bytes);
        }
        self.len += n;
    }

    /// Appends the longest prefix of `src` that JSON leaves unescaped; returns its length.
    /// Eight bytes at a time: each word is stored, then tested; the position of the first byte
    /// to escape is found exactly in the first word that may hold one.
    fn plain_prefix(&mut self, src: &[u8]) -> usize {
        let dst = self.room(src.len());
        let mut at = 0;
        while let Some(word) = src.get(at..at + 8).and_then(|w| <[u8; 8]>::try_from(w).ok()) {
            store(dst, at, word);
            if may_need_escape(u64::from_le_bytes(word)) {
                if let Some(i) = word.iter().position(|&b| needs_escape(b)) {
                    at += i;
                    self.len += at;
                    return at;
                }
            }
            at += 8;
        }
        for &b in src.get(at..).unwrap_or_default() {
            if needs_escape(b) {
                break;
            }
            if let Some(d) = dst.get_mut(at) {
                *d = b;
            }
            at += 1;
        }
        self.len += at;
        at
    }

    /// The text as bytes.
    pub fn into_vec(mut self) -> Vec<u8> {
        self.buf.truncate(self.len);
        self.buf
    }

    /// The text as a `String`. The writers only ever write UTF-8 (they copy `str` runs and
    /// ASCII), so the lossy fallback never runs in practice.
    pub fn into_text(self) -> String {
        String::from_utf8(self.into_vec())
            .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
    }
}

/// Stores `word` at `dst[at..at + N]`.
#[inline(always)]
fn store<const N: usize>(dst: &mut [u8], at: usize, word: [u8; N]) {
    if let Some(d) = dst.get_mut(at..at + N).and_then(|d| <&mut [u8; N]>::try_from(d).ok()) {
        *d = word;
    }
}

/// The `N` bytes of `src` at `at`.
#[inline(always)]
fn load<const N: usize>(src: &[u8], at: usize) -> [u8; N] {
    src.get(at..at + N).and_then(|s| <[u8; N]>::try_from(s).ok()).unwrap_or([0; N])
}

/// Copies `src` (at most [`LONG`] bytes) to the start of `dst` with two overlapping loads and
/// stores of the widest size that fits: no loop, so no `memory.copy`.
#[inline(always)]
fn copy_short(dst: &mut [u8], src: &[u8]) {
    let n = src.len();
    if n >= 8 {
        store(dst, 0, load::<8>(src, 0));
        store(dst, n - 8, load::<8>(src, n - 8));
    } else if n >= 4 {
        store(dst, 0, load::<4>(src, 0));
        store(dst, n - 4, load::<4>(src, n - 4));
    } else if n >= 2 {
        store(dst, 0, load::<2>(src, 0));
        store(dst, n - 2, load::<2>(src, n - 2));
    } else if n == 1 {
        store(dst, 0, load::<1>(src, 0));
    }
}

/// Whether JSON requires escaping `b`: `"`, `\\`, below 0x20.
fn needs_escape(b: u8) -> bool {
    b < 0x20 || b == b'"' || b == b'\\'
}

/// False only when no byte of the word needs escaping; a true answer is checked byte by byte.
/// Inlined: it is a few instructions in the loops of both this writer and the plain reader.
#[inline(always)]
pub(super) fn may_need_escape(w: u64) -> bool {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let has_zero = |x: u64| x.wrapping_sub(ONES) & !x & HIGH != 0;
    let below_space = w.wrapping_sub(ONES * 0x20) & !w & HIGH != 0;
    below_space || has_zero(w ^ (ONES * u64::from(b'"'))) || has_zero(w ^ (ONES * u64::from(b'\\')))
}

/// `text` as a JSON string literal, escaped as serde_json escapes it: `"`, `\`, and the
/// control characters (`\b \t \n \f \r` short, the others as `\u00XX`); everything else as is.
pub fn string(out: &mut Out, text: &str) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    out.push(b'"');
    let mut rest = text.as_bytes();
    loop {
        let plain = out.plain_prefix(rest);
        let Some((&b, tail)) = rest.get(plain..).and_then(<[u8]>::split_first) else { break };
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
    out.push(b'"');
}

/// [`string`] as an owned `String`.
pub fn string_text(text: &str) -> String {
    let mut out = Out::with_capacity(text.len() + 2);
    string(&mut out, text);
    out.into_text()
}

/// Compact JSON of a list of strings, as an owned `String`.
pub fn list_text(items: &[String]) -> String {
    let mut out = Out::with_capacity(64);
    list(&mut out, items.iter().map(String::as_str));
    out.into_text()
}

/// Compact JSON of `v`, as an owned `String`.
pub fn value_text(v: &Value) -> String {
    let mut out = Out::with_capacity(64);
    value(&mut out, v);
    out.into_text()
}

/// A JSON array of strings.
pub fn list<'a>(out: &mut Out, items: impl IntoIterator<Item = &'a str>) {
    out.push(b'[');
    for (i, item) in items.into_iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        string(out, item);
    }
    out.push(b']');
}

/// `n` in decimal.
pub fn unsigned(out: &mut Out, mut n: u64) {
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
pub fn signed(out: &mut Out, n: i64) {
    if n < 0 {
        out.push(b'-');
    }
    unsigned(out, n.unsigned_abs());
}

fn number(out: &mut Out, n: &Number) {
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
pub fn value(out: &mut Out, v: &Value) {
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
pub fn object(out: &mut Out, members: &Map<String, Value>) {
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
        // Start small so that growing the buffer is exercised too.
        let mut out = Out::with_capacity(1);
        value(&mut out, v);
        String::from_utf8(out.into_vec()).unwrap()
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

    #[test]
    fn pieces_of_every_length_are_appended_as_vec_appends_them() {
        let src: Vec<u8> = (0..64u8).map(|i| b'a' + i % 26).collect();
        let mut out = Out::with_capacity(0);
        let mut want = Vec::new();
        for n in 0..=40 {
            out.push(b'<');
            out.extend_from_slice(&src[..n]);
            want.push(b'<');
            want.extend_from_slice(&src[..n]);
            assert_eq!(out.as_bytes(), want);
        }
        assert_eq!(out.into_vec(), want);
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
