//! Rendering values for messages and reports: JSON for claim values, ISO-8601 UTC for
//! NumericDates, Go-style durations for deltas. No clock, no locale.

use alloc::format;
use alloc::string::{String, ToString};

use serde_json::Value;

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
    format!("{t} ({})", iso(t))
}

/// ISO-8601 UTC for a Unix time (proleptic Gregorian; H. Hinnant's days-to-civil algorithm).
pub fn iso(t: i64) -> String {
    let days = t.div_euclid(86_400);
    let secs = t.rem_euclid(86_400);
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z", secs / 3600, (secs % 3600) / 60, secs % 60)
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
    fn iso_matches_known_instants() {
        assert_eq!(iso(0), "1970-01-01T00:00:00Z");
        assert_eq!(iso(1_700_000_000), "2023-11-14T22:13:20Z");
        assert_eq!(iso(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(iso(-1), "1969-12-31T23:59:59Z");
        assert_eq!(duration(3723), "1h2m3s");
        assert_eq!(duration(-61), "-1m1s");
    }
}
