//! Durations as Vault reads them: go-secure-stdlib `parseutil.ParseDurationSecond` — a bare
//! integer is seconds, `<n>d` is days, anything else is Go's `time.ParseDuration`.
//!
//! Used by role leeways (`clock_skew_leeway`, ...), `{{time.now.plus.<dur>}}` and
//! `min_wrapping_ttl` / `max_wrapping_ttl`: one parser, so a duration means the same everywhere.

use alloc::format;
use alloc::string::String;

const NS_PER_SEC: i128 = 1_000_000_000;

/// Parses `s` as `ParseDurationSecond` does; returns nanoseconds.
///
/// Errors carry Go's wording (`time: invalid duration "x"`, `time: missing unit in duration
/// "1"`, `time: unknown unit "y" in duration "1y"`).
pub fn parse_duration_second(s: &str) -> Result<i64, String> {
    if s.is_empty() {
        return Ok(0);
    }
    if let Some(secs) = parse_go_int(s) {
        return to_ns(i128::from(secs) * NS_PER_SEC, s);
    }
    if let Some(days) = s.strip_suffix('d') {
        let Some(days) = parse_go_int(days) else {
            return Err(format!("strconv.ParseInt: parsing {days:?}: invalid syntax"));
        };
        return to_ns(i128::from(days) * 86_400 * NS_PER_SEC, s);
    }
    parse_go_duration(s)
}

fn to_ns(v: i128, s: &str) -> Result<i64, String> {
    i64::try_from(v).map_err(|_| format!("time: invalid duration {s:?}"))
}

/// Go's `strconv.ParseInt(s, 10, 64)`: optional sign, ASCII digits only.
fn parse_go_int(s: &str) -> Option<i64> {
    let digits = s.strip_prefix(['+', '-']).unwrap_or(s);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse::<i64>().ok()
}

/// Go's `time.ParseDuration`: `[-+]?([0-9]*(\.[0-9]*)?[a-z]+)+`, units ns us µs μs ms s m h.
pub fn parse_go_duration(orig: &str) -> Result<i64, String> {
    let invalid = || format!("time: invalid duration {orig:?}");
    let (neg, mut s) = match orig.as_bytes().first() {
        Some(b'-') => (true, orig.get(1..).unwrap_or("")),
        Some(b'+') => (false, orig.get(1..).unwrap_or("")),
        _ => (false, orig),
    };
    if s == "0" {
        return Ok(0);
    }
    if s.is_empty() {
        return Err(invalid());
    }
    let mut total: i128 = 0;
    while !s.is_empty() {
        let int_len = s.bytes().take_while(u8::is_ascii_digit).count();
        let (int_part, rest) = s.split_at(int_len);
        let (frac_part, rest) = match rest.strip_prefix('.') {
            Some(r) => {
                let n = r.bytes().take_while(u8::is_ascii_digit).count();
                r.split_at(n)
            }
            None => ("", rest),
        };
        let had_dot = int_len < s.len() && s.as_bytes().get(int_len) == Some(&b'.');
        if int_part.is_empty() && frac_part.is_empty() {
            return Err(invalid());
        }
        let unit_len = rest.find(|c: char| c == '.' || c.is_ascii_digit()).unwrap_or(rest.len());
        let (unit, rest) = rest.split_at(unit_len);
        if unit.is_empty() {
            return Err(format!("time: missing unit in duration {orig:?}"));
        }
        let scale: i128 = match unit {
            "ns" => 1,
            "us" | "\u{b5}s" | "\u{3bc}s" => 1_000,
            "ms" => 1_000_000,
            "s" => NS_PER_SEC,
            "m" => 60 * NS_PER_SEC,
            "h" => 3_600 * NS_PER_SEC,
            _ => return Err(format!("time: unknown unit {unit:?} in duration {orig:?}")),
        };
        let int: i128 = if int_part.is_empty() {
            0
        } else {
            int_part.parse::<i128>().map_err(|_| invalid())?
        };
        let mut v = int.checked_mul(scale).ok_or_else(invalid)?;
        if had_dot && !frac_part.is_empty() {
            // Go keeps as many fraction digits as fit, then truncates.
            let mut f: i128 = 0;
            let mut div: i128 = 1;
            for b in frac_part.bytes().take(18) {
                f = f * 10 + i128::from(b - b'0');
                div *= 10;
            }
            v = v
                .checked_add(f.checked_mul(scale).ok_or_else(invalid)? / div)
                .ok_or_else(invalid)?;
        }
        total = total.checked_add(v).ok_or_else(invalid)?;
        if total > i128::from(i64::MAX) {
            return Err(invalid());
        }
        s = rest;
    }
    if neg {
        total = -total;
    }
    i64::try_from(total).map_err(|_| invalid())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vault_forms() {
        assert_eq!(parse_duration_second("30"), Ok(30 * 1_000_000_000));
        assert_eq!(parse_duration_second("2d"), Ok(2 * 86_400 * 1_000_000_000));
        assert_eq!(parse_duration_second("1h30m"), Ok(5_400 * 1_000_000_000));
        assert_eq!(parse_duration_second("1.5s"), Ok(1_500_000_000));
        assert_eq!(parse_duration_second("-5m"), Ok(-300 * 1_000_000_000));
        assert_eq!(parse_duration_second(""), Ok(0));
        assert!(parse_duration_second("1y").unwrap_err().contains("unknown unit"));
        assert!(parse_duration_second("h").is_err());
        assert!(parse_duration_second(".s").is_err());
        assert!(parse_duration_second("9999999999999999h").is_err());
    }
}
