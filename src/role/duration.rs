//! Vault's `TypeSignedDurationSecond`: integer seconds, numeric strings, Go duration strings
//! (`"1m30s"`, `"-1s"`, `"250ms"`) or whole days (`"2d"`), stored as whole seconds.
//!
//! Vault converts the parsed duration to `int` seconds before storing it (`path_role.go`:
//! `time.Duration(raw.(int)) * time.Second`), so fractions are truncated toward zero: `"1.9s"`
//! is 1 s and `"-500ms"` is 0 s (which then means "use the default").

use serde_json::Value;

/// Nanoseconds per unit, for the units Go's `time.ParseDuration` accepts.
const UNITS: &[(&str, i128)] = &[
    ("ns", 1),
    ("us", 1_000),
    ("\u{b5}s", 1_000),
    ("\u{3bc}s", 1_000),
    ("ms", 1_000_000),
    ("s", 1_000_000_000),
    ("m", 60_000_000_000),
    ("h", 3_600_000_000_000),
];

const NANOS_PER_SEC: i128 = 1_000_000_000;

/// Parses a leeway value the way Vault's framework does, returning whole seconds.
/// `None` means the value is not a duration (the caller reports which field).
pub fn parse_seconds(v: &Value) -> Option<i64> {
    match v {
        Value::Number(n) => {
            if let Some(i) = n.as_i64() {
                Some(i)
            } else {
                // Fractional seconds: truncated toward zero, saturating like Rust's `as`.
                n.as_f64().filter(|f| f.is_finite()).map(|f| f as i64)
            }
        }
        Value::String(s) => parse_str(s.trim()),
        _ => None,
    }
}

fn parse_str(s: &str) -> Option<i64> {
    if s.is_empty() {
        return Some(0);
    }
    if let Some(days) = s.strip_suffix('d') {
        let d: i64 = days.parse().ok()?;
        return d.checked_mul(86_400);
    }
    if let Ok(secs) = s.parse::<i64>() {
        return Some(secs);
    }
    let nanos = parse_go_duration(s)?;
    i64::try_from(nanos / NANOS_PER_SEC).ok()
}

/// Go's `time.ParseDuration`: `[-+]?(\d*(\.\d*)?unit)+`, or a bare `0`.
fn parse_go_duration(s: &str) -> Option<i128> {
    let (neg, mut rest) = match s.as_bytes().first() {
        Some(b'-') => (true, s.get(1..)?),
        Some(b'+') => (false, s.get(1..)?),
        _ => (false, s),
    };
    if rest == "0" {
        return Some(0);
    }
    if rest.is_empty() {
        return None;
    }
    let mut total: i128 = 0;
    while !rest.is_empty() {
        let int_len = rest.bytes().take_while(u8::is_ascii_digit).count();
        let (int_part, after) = rest.split_at(int_len);
        let (frac_part, after) = match after.strip_prefix('.') {
            Some(a) => {
                let n = a.bytes().take_while(u8::is_ascii_digit).count();
                a.split_at(n)
            }
            None => ("", after),
        };
        if int_part.is_empty() && frac_part.is_empty() {
            return None;
        }
        // Longest unit name first so "ms" is not read as "m" followed by garbage.
        let (unit_len, scale) = UNITS
            .iter()
            .filter(|(name, _)| after.starts_with(name))
            .map(|(name, scale)| (name.len(), *scale))
            .max_by_key(|(len, _)| *len)?;
        let whole: i128 = if int_part.is_empty() { 0 } else { int_part.parse().ok()? };
        let mut value = whole.checked_mul(scale)?;
        let mut div: i128 = 1;
        for d in frac_part.bytes().take(18) {
            div = div.checked_mul(10)?;
            let digit = i128::from(d - b'0');
            value = value.checked_add(digit.checked_mul(scale)? / div)?;
        }
        total = total.checked_add(value)?;
        rest = after.get(unit_len..)?;
    }
    // Go rejects durations beyond ±2^63 ns.
    if total > i128::from(i64::MAX) {
        return None;
    }
    Some(if neg { -total } else { total })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn accepts_vault_forms() {
        let cases = [
            (json!(60), Some(60)),
            (json!(-1), Some(-1)),
            (json!(1.9), Some(1)),
            (json!("90"), Some(90)),
            (json!("1m30s"), Some(90)),
            (json!("1.5h"), Some(5400)),
            (json!("-100s"), Some(-100)),
            (json!("-500ms"), Some(0)),
            (json!("2d"), Some(172_800)),
            (json!("0"), Some(0)),
            (json!(""), Some(0)),
            (json!("1x"), None),
            (json!("s"), None),
            (json!(true), None),
        ];
        for (input, want) in cases {
            assert_eq!(parse_seconds(&input), want, "{input}");
        }
    }
}
