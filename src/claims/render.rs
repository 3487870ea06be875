//! Rendering values for messages and reports: JSON for claim values, ISO-8601 UTC for
//! NumericDates, Go-style durations for deltas. No clock, no locale.

use alloc::format;
use alloc::string::String;

use serde_json::Value;

use crate::UnixTime;

/// A JSON value as compact JSON text (strings quoted), for expected/actual fields.
pub fn json(v: &Value) -> String {
    crate::json::write::value_text(v)
}

/// A list of strings as a JSON array.
pub fn list(items: &[String]) -> String {
    crate::json::write::list_text(items)
}

/// A quoted string.
pub fn quoted(s: &str) -> String {
    crate::json::write::string_text(s)
}

/// `s` as Rust's `{:?}` writes a string. Plain printable ASCII (claim names, almost always)
/// is quoted directly, without the formatting machinery; anything else goes through `{:?}`.
pub fn debug_quoted(s: &str) -> String {
    if s.bytes().all(|b| (0x20..0x7f).contains(&b) && b != b'"' && b != b'\\') {
        let mut out = String::with_capacity(s.len() + 2);
        out.push('"');
        out.push_str(s);
        out.push('"');
        out
    } else {
        format!("{s:?}")
    }
}

/// `parts` joined, without the formatting machinery (a passing check's message is rendered on
/// every verify, and `format!` is the slowest way to build it in the size-built wasm module).
pub fn concat(parts: &[&str]) -> String {
    let mut out = String::with_capacity(parts.iter().map(|p| p.len()).sum());
    for p in parts {
        out.push_str(p);
    }
    out
}

/// `n` in decimal, as `{n}` writes it.
pub fn int(n: i64) -> String {
    let mut out = crate::json::write::Out::with_capacity(20);
    crate::json::write::signed(&mut out, n);
    out.into_text()
}

/// `1700000000 (2023-11-14T22:13:20Z)`.
pub fn time(t: i64) -> String {
    let mut out = crate::json::write::Out::with_capacity(40);
    crate::json::write::signed(&mut out, t);
    out.extend_from_slice(b" (");
    UnixTime(t).write_iso8601(&mut out);
    out.push(b')');
    out.into_text()
}

/// A non-negative number of seconds as `1h2m3s` / `45s`.
pub fn duration(secs: i64) -> String {
    let s = secs.unsigned_abs();
    let sign = if secs < 0 { "-" } else { "" };
    let (h, m, s) = (s / 3600, (s % 3600) / 60, s % 60);
    let n = |v: u64| int(i64::try_from(v).unwrap_or(i64::MAX));
    match (h, m) {
        (0, 0) => concat(&[sign, &n(s), "s"]),
        (0, _) => concat(&[sign, &n(m), "m", &n(s), "s"]),
        _ => concat(&[sign, &n(h), "h", &n(m), "m", &n(s), "s"]),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fast_renderings_match_the_formatting_machinery() {
        for s in
            ["exp", "nomad_job_id", "a b", "q\"uote", "back\\slash", "tab\t", "é", "\u{7f}", ""]
        {
            assert_eq!(debug_quoted(s), format!("{s:?}"));
            assert_eq!(quoted(s), serde_json::to_string(s).unwrap());
        }
        for t in [
            0,
            -1,
            1_700_000_000,
            253_402_300_799,
            253_402_300_800,
            -62_167_219_201,
            i64::MIN / 1000,
        ] {
            assert_eq!(time(t), format!("{t} ({})", UnixTime(t).to_iso8601()));
        }
        let items = [String::from("a"), String::from("\"b\n")];
        assert_eq!(list(&items), serde_json::to_string(&items).unwrap());
        assert_eq!(list(&[]), "[]");
    }

    #[test]
    fn durations_read_like_go() {
        assert_eq!(duration(3723), "1h2m3s");
        assert_eq!(duration(-61), "-1m1s");
        assert_eq!(duration(0), "0s");
        assert_eq!(duration(i64::MIN), "-2562047788015215h30m8s");
        assert_eq!(duration(i64::MAX), "2562047788015215h30m7s");
    }

    #[test]
    fn concat_and_int_are_what_format_writes() {
        for n in [0, 7, -7, 1_700_000_000, i64::MAX, i64::MIN] {
            assert_eq!(int(n), format!("{n}"));
        }
        assert_eq!(concat(&["a", "", "bc", "é"]), "abcé");
        assert_eq!(concat(&[]), "");
    }
}
