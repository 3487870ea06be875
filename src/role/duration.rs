//! Vault's `TypeSignedDurationSecond`: integer seconds, numeric strings, Go duration strings
//! (`"1m30s"`, `"-1s"`, `"250ms"`) or whole days (`"2d"`), stored as whole seconds.
//!
//! Vault converts the parsed duration to `int` seconds before storing it (`path_role.go`:
//! `time.Duration(raw.(int)) * time.Second`), so fractions are truncated toward zero: `"1.9s"`
//! is 1 s and `"-500ms"` is 0 s (which then means "use the default").

use serde_json::Value;

const NANOS_PER_SEC: i64 = 1_000_000_000;

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
    // Whole seconds, truncated toward zero, as Vault stores them.
    crate::duration::parse_duration_second(s).ok().map(|nanos| nanos / NANOS_PER_SEC)
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
