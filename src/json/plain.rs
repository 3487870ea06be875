//! The common case of [`super::parse_value`] read without serde: JSON whose strings have no
//! escapes and whose numbers are integers, which is what a token's header and claims almost
//! always are. It answers `None` at the first thing outside that case (an escape, a fraction or
//! exponent, `-0`, an integer past 64 bits, a duplicate member, nesting past the bound, any
//! syntax error), and the caller then reads the document again with serde_json, so every
//! refusal and every unusual value is still serde_json's.
//!
//! Why: in the size-built wasm module serde_json spends several generic calls per byte of a
//! token's JSON, and reading the header and claims was the largest part of a verify besides the
//! signature. What it accepts it reads to exactly the `Value` serde_json builds: the same
//! strings, the same integers (`u64` when not negative, `i64` when negative), the same members.
//! The tests compare the two on arbitrary and mutated documents.

use alloc::string::String;
use alloc::vec::Vec;

use serde_json::map::Entry;
use serde_json::{Map, Value};

/// `bytes` as one JSON value nesting at most `depth` containers deep, or `None` when it is
/// not a document of the common case (see the module docs) or not JSON at all.
pub fn parse(bytes: &[u8], depth: usize) -> Option<Value> {
    // Validated once here: each string is then a slice of it between two quotes, which are
    // always character boundaries. serde_json refuses what is not UTF-8.
    parse_text(core::str::from_utf8(bytes).ok()?, depth)
}

/// [`parse`] of a document already known to be UTF-8.
pub fn parse_text(text: &str, depth: usize) -> Option<Value> {
    let mut r = Reader { text, bytes: text.as_bytes(), at: 0 };
    let value = r.value(depth)?;
    r.skip_whitespace();
    (r.at == text.len()).then_some(value)
}

struct Reader<'a> {
    text: &'a str,
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    #[inline(always)]
    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.at).copied()
    }

    /// JSON's four whitespace bytes, as serde_json skips them.
    #[inline(always)]
    fn skip_whitespace(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\n' | b'\t' | b'\r')) {
            self.at += 1;
        }
    }

    /// The next byte after whitespace, consumed.
    #[inline(always)]
    fn next_token(&mut self) -> Option<u8> {
        self.skip_whitespace();
        let b = self.peek()?;
        self.at += 1;
        Some(b)
    }

    /// A value; `depth` containers may still be entered (as `StrictSeed` counts them).
    fn value(&mut self, depth: usize) -> Option<Value> {
        match self.next_token()? {
            b'{' => self.object(depth.checked_sub(1)?).map(Value::Object),
            b'[' => self.array(depth.checked_sub(1)?).map(Value::Array),
            b'"' => self.string().map(|s| Value::String(String::from(s))),
            b't' => self.literal(b"rue", Value::Bool(true)),
            b'f' => self.literal(b"alse", Value::Bool(false)),
            b'n' => self.literal(b"ull", Value::Null),
            b'-' => self.integer(true),
            b'0'..=b'9' => {
                // The first digit is the integer's own.
                self.at -= 1;
                self.integer(false)
            }
            _ => None,
        }
    }

    /// The rest of a literal whose first byte was read.
    #[inline(always)]
    fn literal(&mut self, rest: &[u8], value: Value) -> Option<Value> {
        let end = self.at + rest.len();
        (self.bytes.get(self.at..end)? == rest).then(|| {
            self.at = end;
            value
        })
    }

    /// A string's text after its opening quote, through the closing one; `None` at an escape
    /// or a control character (which serde_json refuses), or text that is not UTF-8.
    fn string(&mut self) -> Option<&'a str> {
        let start = self.at;
        let bytes: &'a [u8] = self.bytes;
        let mut end = start;
        // Eight bytes at a time up to the first word that may hold a quote, a backslash or a
        // control character; then byte by byte.
        while let Some(word) = bytes.get(end..end + 8).and_then(|w| <[u8; 8]>::try_from(w).ok()) {
            if super::write::may_need_escape(u64::from_le_bytes(word)) {
                break;
            }
            end += 8;
        }
        loop {
            match *bytes.get(end)? {
                b'"' => break,
                b'\\' | 0..=0x1f => return None,
                _ => end += 1,
            }
        }
        let text = self.text.get(start..end)?;
        self.at = end + 1;
        Some(text)
    }

    /// An integer serde_json reads as one (`-` already read when `negative`): no leading zero,
    /// no fraction or exponent, not `-0` (a float to serde_json), within `u64` / `i64`.
    fn integer(&mut self, negative: bool) -> Option<Value> {
        let first = self.peek().filter(u8::is_ascii_digit)?;
        if first == b'0'
            && (negative || self.bytes.get(self.at + 1).is_some_and(u8::is_ascii_digit))
        {
            return None;
        }
        let mut n: u64 = 0;
        while let Some(d) = self.peek().filter(u8::is_ascii_digit) {
            n = n.checked_mul(10)?.checked_add(u64::from(d - b'0'))?;
            self.at += 1;
        }
        if matches!(self.peek(), Some(b'.' | b'e' | b'E')) {
            return None;
        }
        if negative {
            Some(Value::Number((-i64::try_from(n).ok()?).into()))
        } else {
            Some(Value::Number(n.into()))
        }
    }

    /// An object's members after its `{`, through its `}`; `None` at a repeated member.
    fn object(&mut self, depth: usize) -> Option<Map<String, Value>> {
        let mut map = Map::new();
        self.skip_whitespace();
        if self.peek() == Some(b'}') {
            self.at += 1;
            return Some(map);
        }
        loop {
            if self.next_token()? != b'"' {
                return None;
            }
            let key = self.string()?;
            if self.next_token()? != b':' {
                return None;
            }
            let value = self.value(depth)?;
            match map.entry(key) {
                Entry::Vacant(e) => {
                    e.insert(value);
                }
                Entry::Occupied(_) => return None,
            }
            match self.next_token()? {
                b',' => {}
                b'}' => return Some(map),
                _ => return None,
            }
        }
    }

    /// An array's elements after its `[`, through its `]`.
    fn array(&mut self, depth: usize) -> Option<Vec<Value>> {
        let mut items = Vec::new();
        self.skip_whitespace();
        if self.peek() == Some(b']') {
            self.at += 1;
            return Some(items);
        }
        loop {
            items.push(self.value(depth)?);
            match self.next_token()? {
                b',' => {}
                b']' => return Some(items),
                _ => return None,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::json::MAX_DEPTH;
    use crate::limits::Limits;
    use alloc::format;
    use proptest::prelude::*;

    /// What `parse_value` answers for `text` without this reader: serde_json with the strict
    /// rules.
    fn strict(text: &[u8], depth: usize) -> Result<Value, super::super::JsonError> {
        let limits = Limits { max_json_depth: depth, ..Limits::default() };
        super::super::strict_value(text, "test", &limits, depth.min(MAX_DEPTH))
    }

    /// Whatever this reader accepts, serde_json reads to the same value.
    fn agrees(text: &[u8], depth: usize) {
        if let Some(v) = parse(text, depth) {
            assert_eq!(strict(text, depth).ok(), Some(v), "{:?}", String::from_utf8_lossy(text));
        }
    }

    #[test]
    fn reads_the_common_case_and_leaves_the_rest_to_serde_json() {
        let read = |t: &str| parse(t.as_bytes(), 16);
        for t in [
            r#"{"alg":"RS256","kid":"k1","typ":"JWT"}"#,
            " { \"a\" : [ 1 , -2 , true , false , null , { } , [ ] ] , \"b\":\"é\" } \n",
            "0",
            "-9223372036854775808",
            "18446744073709551615",
            "-9223372036854775807",
            "\"\"",
            "[]",
        ] {
            agrees(t.as_bytes(), 16);
            if t != "-9223372036854775808" {
                assert!(read(t).is_some(), "{t}");
            }
        }
        for t in [
            "",
            " ",
            "-0",
            "01",
            "-01",
            "1.5",
            "1e3",
            "1E3",
            "18446744073709551616",
            "\"a\\nb\"",
            "\"tab\there\"",
            r#"{"a":1,"a":2}"#,
            r#"{"a":1,}"#,
            "[1,]",
            "{,}",
            "[1 2]",
            "tru",
            "truex",
            "nul",
            "{} x",
            "{\"a\" 1}",
            "+1",
            "-",
            "\"unterminated",
        ] {
            assert_eq!(read(t), None, "{t}");
            agrees(t.as_bytes(), 16);
        }
        // Invalid UTF-8 inside a string.
        assert_eq!(parse(b"\"\xff\"", 16), None);
        // The nesting bound counts containers as `StrictSeed` does.
        assert!(parse(b"[[]]", 2).is_some());
        assert_eq!(parse(b"[[[]]]", 2), None);
        assert_eq!(parse(b"{\"a\":{}}", 1), None);
        assert!(parse(b"1", 0).is_some());
        let deep = format!("{}{}", "[".repeat(MAX_DEPTH), "]".repeat(MAX_DEPTH));
        assert!(parse(deep.as_bytes(), MAX_DEPTH).is_some());
        assert_eq!(parse(deep.as_bytes(), MAX_DEPTH - 1), None);
    }

    #[test]
    fn every_single_byte_edit_of_a_header_agrees() {
        let base = br#"{"alg":"RS256","kid":"k-1","n":[12,-3,{"x":null}],"t":true}"#;
        let alphabet = b"{}[]\",:-0123456789.eEtrufalsn \\\t\nxA\x7f\xc3\xa9\x00";
        for i in 0..=base.len() {
            for &b in alphabet {
                let mut inserted = base.to_vec();
                inserted.insert(i, b);
                agrees(&inserted, 16);
                if i < base.len() {
                    let mut replaced = base.to_vec();
                    replaced[i] = b;
                    agrees(&replaced, 16);
                    let mut removed = base.to_vec();
                    removed.remove(i);
                    agrees(&removed, 16);
                }
            }
        }
    }

    fn arb_json() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            any::<u64>().prop_map(|n| Value::Number(n.into())),
            any::<i64>().prop_map(|n| Value::Number(n.into())),
            any::<f64>()
                .prop_map(|f| serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number)),
            "\\PC{0,6}".prop_map(Value::String),
            "[ -~]{0,6}".prop_map(Value::String),
        ];
        leaf.prop_recursive(4, 32, 6, |inner| {
            prop_oneof![
                proptest::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
                proptest::collection::btree_map("[ -~]{0,3}", inner, 0..6)
                    .prop_map(|m| Value::Object(m.into_iter().collect())),
            ]
        })
    }

    proptest! {
        /// On serde_json's own text of arbitrary values, compact and pretty, whole and cut
        /// short: this reader agrees, and reads every document of the common case.
        #[test]
        fn agrees_with_serde_json(v in arb_json(), cut in any::<prop::sample::Index>(), depth in 0usize..6) {
            for text in [serde_json::to_vec(&v).unwrap_or_default(), serde_json::to_vec_pretty(&v).unwrap_or_default()] {
                agrees(&text, depth);
                agrees(text.get(..cut.index(text.len() + 1)).unwrap_or_default(), depth);
                let plain = !text.contains(&b'\\') && !text.iter().any(|b| matches!(b, b'.' | b'e' | b'E'))
                    && !text.windows(2).any(|w| w == b"-0");
                if plain && strict(&text, depth).is_ok() {
                    prop_assert_eq!(parse(&text, depth), Some(v.clone()));
                }
            }
        }
    }
}
