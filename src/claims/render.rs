//! Rendering values for messages and reports: JSON for claim values, ISO-8601 UTC for
//! NumericDates, Go-style durations for deltas. No clock, no locale.

use alloc::format;
use alloc::string::{String, ToString};

use serde_json::Value;

use crate::UnixTime;

/// A JSON value as compact JSON text (strings quoted), for expected/actual fields.
pub fn json(v: &Value) -> String {
    serde_json::to_string(v).unwrap_or_else(|_| String::from("?"))
}

/// A list of strings as a JSON array.
pub fn list(items: &[String]) -> String {
    serde_json::to_string(items).unwrap_or_else(|_| String::from("[?]"))
}

/// A quoted string.
pub fn quoted(s: &str) -> String {
    json(&Value::String(s.to_string()))
}

/// `1700000000 (2023-11-14T22:13:20Z)`.
pub fn time(t: i64) -> String {
    format!("{t} ({})", UnixTime(t).to_iso8601())
}

/// A non-negative number of seconds as `1h2m3s` / `45s`.
pub fn duration(secs: i64) -> String {
    let s = secs.unsigned_abs();
    let sign = if secs < 0 { "-" } else { "" };
    let (h, m, s) = (s / 3600, (s % 3600) / 60, s % 60);
    match (h, m) {
        (0, 0) => format!("{sign}{s}s"),
        (0, _) => format!("{sign}{m}m{s}s"),
        _ => format!("{sign}{h}h{m}m{s}s"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_like_go() {
        assert_eq!(duration(3723), "1h2m3s");
        assert_eq!(duration(-61), "-1m1s");
    }
}
