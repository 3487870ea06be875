//! Time as an input: jwtgate never reads a clock.

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
}
