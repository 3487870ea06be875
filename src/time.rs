//! Time as an input: jwtgate never reads a clock.

use alloc::format;
use alloc::string::String;

use serde::{Deserialize, Serialize};

/// Seconds since the Unix epoch, as JWT `NumericDate` values are (RFC 7519 §2).
///
/// Every check that depends on time takes one of these from the caller, so tests can
/// time-travel and every front end decides identically for the same instant.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct UnixTime(pub i64);

impl UnixTime {
    /// The number of whole seconds since 1970-01-01T00:00:00Z.
    pub const fn seconds(self) -> i64 {
        self.0
    }

    /// ISO-8601 UTC, e.g. `2023-11-14T22:13:20Z` (proleptic Gregorian calendar, computed with
    /// H. Hinnant's days-to-civil algorithm so no date library or clock is needed).
    pub fn to_iso8601(self) -> String {
        let mut out = alloc::vec::Vec::with_capacity(20);
        self.write_iso8601(&mut out);
        crate::json::write::into_text(out)
    }

    /// Appends [`Self::to_iso8601`] to `out`.
    pub fn write_iso8601(self, out: &mut alloc::vec::Vec<u8>) {
        let days = self.0.div_euclid(86_400);
        let secs = self.0.rem_euclid(86_400);
        let z = days + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z.rem_euclid(146_097);
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let d = doy - (153 * mp + 2) / 5 + 1;
        let m = if mp < 10 { mp + 3 } else { mp - 9 };
        let y = yoe + era * 400 + i64::from(m <= 2);
        let (h, min, s) = (secs / 3600, (secs % 3600) / 60, secs % 60);
        if !(0..=9999).contains(&y) {
            let text = format!("{y:04}-{m:02}-{d:02}T{h:02}:{min:02}:{s:02}Z");
            out.extend_from_slice(text.as_bytes());
            return;
        }
        // Four-digit years (every realistic instant) without the formatting machinery, which
        // is slow in the size-built wasm module and runs for every time claim of every report.
        let mut text = [0u8; 20];
        let mut at = 0;
        for (n, width, sep) in
            [(y, 4, b'-'), (m, 2, b'-'), (d, 2, b'T'), (h, 2, b':'), (min, 2, b':'), (s, 2, b'Z')]
        {
            for place in [1000, 100, 10, 1].into_iter().skip(4 - width) {
                if let Some(digit) = text.get_mut(at) {
                    *digit = b'0' + (n / place % 10) as u8;
                }
                at += 1;
            }
            if let Some(byte) = text.get_mut(at) {
                *byte = sep;
            }
            at += 1;
        }
        out.extend_from_slice(&text);
    }
}

#[cfg(test)]
mod tests {
    use super::UnixTime;

    #[test]
    fn iso8601_matches_known_instants() {
        assert_eq!(UnixTime(0).to_iso8601(), "1970-01-01T00:00:00Z");
        assert_eq!(UnixTime(1_700_000_000).to_iso8601(), "2023-11-14T22:13:20Z");
        assert_eq!(UnixTime(951_782_400).to_iso8601(), "2000-02-29T00:00:00Z");
        assert_eq!(UnixTime(-1).to_iso8601(), "1969-12-31T23:59:59Z");
    }
}
