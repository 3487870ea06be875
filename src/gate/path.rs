//! The request path check that runs before any rule, bypass or policy decision.
//!
//! The filter decides on `:path` as Envoy hands it over, and the upstream (Vault, or any server
//! that decodes and then resolves a path) may serve a different resource for the same bytes:
//!
//! * Envoy's connection manager keeps escaped slashes by default
//!   (`path_with_escaped_slashes_action: KEEP_UNCHANGED`), and `normalize_path` / `merge_slashes`
//!   only resolve literal dot segments and `//`: `%2F` and `%5C` pass through untouched.
//! * Vault decodes the path and then resolves it, so
//!   `kv/data/default/mongo/..%2Fredis/config` is matched here against the policy
//!   `kv/data/default/mongo/*` but read by Vault as `kv/data/default/redis/config`, and
//!   `/v1/sys/health/..%2F..%2Fkv/…` would ride on a `bypass` rule for `/v1/sys/health`.
//!
//! So a path is refused (400, `ERR_REQUEST_INVALID`) unless it is already in the one form every
//! hop agrees on: no dot segment (`.`, `..`), no empty segment (`//`), no raw backslash (not an
//! RFC 3986 path character; some servers treat it as a separator) and no encoded `/`, `\`, `.`
//! or `%` (`%2F`, `%5C`, `%2E`, `%25`, any case: `%25` because a second decoding turns `%252F`
//! into `/`). The query string (after the first `?`) is not part of the path and is not checked.
//! There is no exception: a path that fails the check never reaches a `bypass` rule or a CORS
//! preflight bypass.

use alloc::string::String;
use core::fmt;

/// Longest part of a segment quoted in a message, in bytes.
const MAX_QUOTED: usize = 64;

/// Why a path is refused. Each variant quotes the offending segment (at most 64 bytes, invalid
/// UTF-8 replaced).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum PathProblem {
    /// A `.` or `..` segment.
    DotSegment {
        /// The segment.
        segment: String,
    },
    /// An empty segment (`//`) in the middle of the path.
    EmptySegment {
        /// The path up to the empty segment.
        after: String,
    },
    /// An encoded `/`, `\`, `.` or `%`.
    Encoded {
        /// The escape as the request wrote it (`%2f`).
        escape: String,
        /// What it decodes to.
        decoded: char,
        /// The segment holding it.
        segment: String,
    },
    /// A raw backslash.
    Backslash {
        /// The segment holding it.
        segment: String,
    },
}

impl fmt::Display for PathProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PathProblem::DotSegment { segment } => {
                write!(f, "request path holds the dot segment {segment:?}")
            }
            PathProblem::EmptySegment { after } => {
                write!(f, "request path holds an empty segment (\"//\") after {after:?}")
            }
            PathProblem::Encoded { escape, decoded, segment } => write!(
                f,
                "request path segment {segment:?} holds {escape:?}, an encoded {:?}",
                decoded.encode_utf8(&mut [0; 4])
            ),
            PathProblem::Backslash { segment } => {
                write!(f, "request path segment {segment:?} holds a backslash")
            }
        }
    }
}

/// Checks the path part of a `:path` value (everything before the first `?`).
pub fn check(raw: &[u8]) -> Result<(), PathProblem> {
    let end = raw.iter().position(|&b| b == b'?').unwrap_or(raw.len());
    let path = raw.get(..end).unwrap_or(raw);
    // Most paths hold none of the bytes any refusal needs: one pass decides that.
    if !path.iter().any(|&b| matches!(b, b'%' | b'\\' | b'.')) && !has_empty_segment(path) {
        return Ok(());
    }
    let segments = path.split(|&b| b == b'/');
    let count = segments.clone().count();
    let mut start = 0usize;
    for (i, seg) in segments.enumerate() {
        // The text before the leading `/` and after a trailing `/` is empty by design.
        if seg.is_empty() && i != 0 && i + 1 != count {
            let after = path.get(..start.saturating_sub(1)).unwrap_or_default();
            return Err(PathProblem::EmptySegment { after: quote(after) });
        }
        if seg == b"." || seg == b".." {
            return Err(PathProblem::DotSegment { segment: quote(seg) });
        }
        if seg.contains(&b'\\') {
            return Err(PathProblem::Backslash { segment: quote(seg) });
        }
        if let Some((escape, decoded)) = encoded_separator(seg) {
            return Err(PathProblem::Encoded { escape, decoded, segment: quote(seg) });
        }
        start = start.saturating_add(seg.len()).saturating_add(1);
    }
    Ok(())
}

/// Whether `path` holds `//`.
fn has_empty_segment(path: &[u8]) -> bool {
    path.windows(2).any(|w| w == b"//")
}

/// The first `%2F`, `%5C`, `%2E` or `%25` (any case) in `seg`: the escape as written, and the
/// character it decodes to.
fn encoded_separator(seg: &[u8]) -> Option<(String, char)> {
    seg.windows(3).find_map(|w| {
        let decoded = match w {
            [b'%', b'2', b'f' | b'F'] => '/',
            [b'%', b'5', b'c' | b'C'] => '\\',
            [b'%', b'2', b'e' | b'E'] => '.',
            [b'%', b'2', b'5'] => '%',
            _ => return None,
        };
        Some((String::from_utf8_lossy(w).into_owned(), decoded))
    })
}

/// At most [`MAX_QUOTED`] bytes of `bytes` as text (invalid UTF-8 replaced).
fn quote(bytes: &[u8]) -> String {
    let cut = bytes.get(..bytes.len().min(MAX_QUOTED)).unwrap_or(bytes);
    String::from_utf8_lossy(cut).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::format;
    use alloc::string::ToString;

    fn refused(path: &str) -> String {
        match check(path.as_bytes()) {
            Err(p) => p.to_string(),
            Ok(()) => panic!("{path:?} was accepted"),
        }
    }

    #[test]
    fn normal_paths_pass_and_the_query_string_is_not_checked() {
        for p in [
            "/",
            "",
            "/v1/kv/data/default/mongo/config",
            "/v1/sys/health/",
            "/a.b/c..d/.well-known/x.",
            "/v1/x?redirect=%2F..%2F&a=//b",
            "/v1/x?%5c%25",
            "/%41%3A",
        ] {
            assert_eq!(check(p.as_bytes()), Ok(()), "{p}");
        }
    }

    #[test]
    fn every_form_of_the_issue_is_refused_and_named() {
        let cases = [
            (
                "/v1/kv/data/default/mongo/..%2Fredis/config",
                r#"request path segment "..%2Fredis" holds "%2F", an encoded "/""#,
            ),
            (
                "/v1/kv/data/default/mongo/../redis/config",
                r#"request path holds the dot segment "..""#,
            ),
            (
                "/v1/kv/data/default/mongo/%2e%2e/redis/config",
                r#"request path segment "%2e%2e" holds "%2e", an encoded ".""#,
            ),
            (
                "/v1/kv/data/default/mongo//config",
                r#"request path holds an empty segment ("//") after "/v1/kv/data/default/mongo""#,
            ),
            (
                "/v1/kv/data/default/mongo/..%5credis/config",
                r#"request path segment "..%5credis" holds "%5c", an encoded "\\""#,
            ),
            ("/v1/a/%2E./b", r#"request path segment "%2E." holds "%2E", an encoded ".""#),
            ("/v1/a/%252F", r#"request path segment "%252F" holds "%25", an encoded "%""#),
            ("/v1/./a", r#"request path holds the dot segment ".""#),
            ("/a\\..\\b", r#"request path segment "a\\..\\b" holds a backslash"#),
            ("//", r#"request path holds an empty segment ("//") after """#),
            ("/..", r#"request path holds the dot segment "..""#),
        ];
        for (path, message) in cases {
            assert_eq!(refused(path), message, "{path}");
        }
    }

    #[test]
    fn escapes_are_found_in_any_case_and_segments_are_quoted_bounded() {
        for e in ["%2f", "%2F", "%5c", "%5C", "%2e", "%2E", "%25"] {
            assert!(check(format!("/a/x{e}y").as_bytes()).is_err(), "{e}");
        }
        let long = format!("/{}%2F", "a".repeat(200));
        let PathProblem::Encoded { segment, .. } = check(long.as_bytes()).unwrap_err() else {
            panic!("not an escape")
        };
        assert_eq!(segment.len(), MAX_QUOTED);
        // Bytes that are not UTF-8 never break the check.
        assert!(check(b"/a/\xff/../b").is_err());
        assert_eq!(check(b"/a/\xff/b"), Ok(()));
    }
}
