//! Finding the token in a request.
//!
//! Everything arrives as bytes (a client may send obs-text; decoding with `unwrap` would trap
//! the VM and fail every request on that worker). Envoy coalesces repeated `Authorization`
//! headers into one value joined with `,`, so "several credentials" is detected both as several
//! entries and as a comma after the scheme.

use alloc::format;
use alloc::rc::Rc;
use alloc::string::String;
use alloc::vec::Vec;

use super::config::Provider;
use super::error::GateError;

/// Where a token was found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Location {
    /// A request header (lower-case name, shared with the configuration).
    Header(Rc<str>),
    /// A query parameter.
    Param(String),
    /// A cookie.
    Cookie(String),
}

impl Location {
    /// For messages: `header authorization`, `query parameter access_token`, `cookie jwt`.
    pub fn describe(&self) -> String {
        match self {
            Location::Header(n) => format!("header {n}"),
            Location::Param(n) => format!("query parameter {n}"),
            Location::Cookie(n) => format!("cookie {n}"),
        }
    }
}

/// A token and where it came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Found {
    /// The compact token, checked to be printable ASCII.
    pub token: String,
    /// Where it was.
    pub location: Location,
}

/// Finds the provider's token. `Ok(None)` when no configured location holds one.
///
/// `headers` are the request headers as Envoy hands them over (lower-case names, raw values);
/// `path` is the `:path` value including the query string.
pub fn find(
    headers: &[(String, Vec<u8>)],
    path: &[u8],
    provider: &Provider,
    max_len: usize,
) -> Result<Option<Found>, GateError> {
    // The first credential, then any others (a request almost always has one: no vector).
    let mut found = Credentials { first: None, rest: Vec::new() };
    for source in &provider.from_headers {
        let mut values = headers.iter().filter(|(n, _)| **n == *source.name).map(|(_, v)| v);
        let Some(value) = values.next() else { continue };
        if values.next().is_some() {
            return Err(GateError::TokenMultiple {
                locations: format!("header {} repeated", source.name),
            });
        }
        let Some(rest) = strip_prefix_ci(value, source.value_prefix.as_bytes()) else {
            // Another scheme (e.g. `Basic`) in the same header: not our credential.
            continue;
        };
        let location = Location::Header(Rc::clone(&source.name));
        push(&mut found, checked(trim(rest), location, max_len)?);
    }
    if !provider.from_params.is_empty() {
        let query =
            path.iter().position(|&b| b == b'?').and_then(|i| path.get(i + 1..)).unwrap_or(&[]);
        for name in &provider.from_params {
            for pair in query.split(|&b| b == b'&') {
                let (k, v) = split_once(pair, b'=');
                if k == name.as_bytes() {
                    push(&mut found, checked(v, Location::Param(name.clone()), max_len)?);
                }
            }
        }
    }
    if !provider.from_cookies.is_empty() {
        // HTTP/2 may split `cookie` into several entries; every entry is read.
        for (_, value) in headers.iter().filter(|(n, _)| n == "cookie") {
            for crumb in value.split(|&b| b == b';') {
                let (k, v) = split_once(trim(crumb), b'=');
                if let Some(name) = provider.from_cookies.iter().find(|c| c.as_bytes() == k) {
                    push(&mut found, checked(v, Location::Cookie(name.clone()), max_len)?);
                }
            }
        }
    }
    let Some(first) = found.first else {
        return Ok(None);
    };
    let others: Vec<Found> = found.rest.into_iter().filter(|f| f.token != first.token).collect();
    if !others.is_empty() {
        let mut locations = first.location.describe();
        for o in &others {
            locations.push_str(", ");
            locations.push_str(&o.location.describe());
        }
        return Err(GateError::TokenMultiple { locations });
    }
    Ok(Some(first))
}

/// Credentials found so far, in the order found.
struct Credentials {
    first: Option<Found>,
    rest: Vec<Found>,
}

fn push(found: &mut Credentials, f: Option<Found>) {
    let Some(f) = f else { return };
    let Some(first) = &found.first else {
        found.first = Some(f);
        return;
    };
    // The same token found twice in the same place is one credential.
    let same = |g: &Found| g.token == f.token && g.location == f.location;
    if !same(first) && !found.rest.iter().any(same) {
        found.rest.push(f);
    }
}

/// Validates the raw credential: bounded length first (cheap refusal of hostile input), then
/// printable ASCII without spaces or commas (a comma means Envoy joined several headers).
fn checked(raw: &[u8], location: Location, max_len: usize) -> Result<Option<Found>, GateError> {
    if raw.is_empty() {
        // `Authorization: Bearer ` with nothing after it carries no credential.
        return Ok(None);
    }
    if raw.len() > max_len {
        return Err(GateError::TokenTooLong {
            location: location.describe(),
            len: raw.len(),
            max: max_len,
        });
    }
    // One pass for the common case (a clean token); the order of the two refusals below is
    // only worked out when something is wrong.
    if !is_token_text(raw) {
        if raw.contains(&b',') {
            return Err(GateError::TokenMultiple {
                locations: format!("{} holds several credentials", location.describe()),
            });
        }
        return Err(GateError::TokenEncoding { location: location.describe() });
    }
    match core::str::from_utf8(raw) {
        Ok(s) => Ok(Some(Found { token: String::from(s), location })),
        Err(_) => Err(GateError::TokenEncoding { location: location.describe() }),
    }
}

/// Whether every byte is visible ASCII (`0x21..=0x7e`) other than `,`. Eight bytes at a time:
/// a token is hundreds of bytes and this runs on every request (a byte loop was a tenth of a
/// cache hit's time in the filter).
fn is_token_text(raw: &[u8]) -> bool {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let words = raw.chunks_exact(8);
    let tail = words.remainder();
    for chunk in words {
        let w = word(chunk);
        // Per byte b (each test exact for every byte of the word, no false positives):
        // b < 0x21: (w - 0x21…) & !w & 0x80…  (the classic "has less than n", n <= 128);
        // b > 0x7e: ((w + 0x01…) | w) & 0x80…  (b + 1 >= 0x80, or b already >= 0x80);
        // b == ',': the zero-byte test on w ^ ','….
        let below = w.wrapping_sub(ONES * 0x21) & !w & HIGH;
        let above = (w.wrapping_add(ONES) | w) & HIGH;
        let x = w ^ (ONES * u64::from(b','));
        let comma = x.wrapping_sub(ONES) & !x & HIGH;
        if below | above | comma != 0 {
            return false;
        }
    }
    tail.iter().all(|&b| b != b',' && (0x21..0x7f).contains(&b))
}

/// Eight bytes as a little-endian word (`chunk` is always eight bytes long).
#[inline(always)]
fn word(chunk: &[u8]) -> u64 {
    <[u8; 8]>::try_from(chunk).map(u64::from_le_bytes).unwrap_or(0)
}

fn strip_prefix_ci<'a>(value: &'a [u8], prefix: &[u8]) -> Option<&'a [u8]> {
    let head = value.get(..prefix.len())?;
    if head.eq_ignore_ascii_case(prefix) {
        value.get(prefix.len()..)
    } else {
        None
    }
}

fn trim(mut s: &[u8]) -> &[u8] {
    while let [b' ' | b'\t', rest @ ..] = s {
        s = rest;
    }
    while let [rest @ .., b' ' | b'\t'] = s {
        s = rest;
    }
    s
}

fn split_once(s: &[u8], sep: u8) -> (&[u8], &[u8]) {
    match s.iter().position(|&b| b == sep) {
        Some(i) => (s.get(..i).unwrap_or(&[]), s.get(i + 1..).unwrap_or(&[])),
        None => (s, &[]),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gate::config::GateConfig;
    use alloc::vec;

    fn provider(json: &str) -> Provider {
        let cfg = GateConfig::parse(json.as_bytes()).unwrap();
        cfg.providers.into_iter().next().unwrap()
    }

    fn headers(list: &[(&str, &[u8])]) -> Vec<(String, Vec<u8>)> {
        list.iter().map(|(k, v)| (String::from(*k), v.to_vec())).collect()
    }

    const BASE: &str = r#"{"providers":[{"name":"p","jwks":{"kty":"OKP","crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}"#;

    #[test]
    fn bearer_prefix_is_case_insensitive_and_trimmed() {
        let p = provider(&format!("{BASE}}}]}}"));
        let h = headers(&[("authorization", b"bearer   a.b.c ")]);
        let found = find(&h, b"/", &p, 100).unwrap().unwrap();
        assert_eq!(found.token, "a.b.c");
        assert_eq!(found.location, Location::Header("authorization".into()));
    }

    #[test]
    fn coalesced_and_repeated_credentials_are_refused() {
        let p = provider(&format!("{BASE}}}]}}"));
        let coalesced = headers(&[("authorization", b"Bearer a.b.c,Bearer d.e.f")]);
        assert_eq!(find(&coalesced, b"/", &p, 100).unwrap_err().code(), crate::Code::TokenMultiple);
        let repeated =
            headers(&[("authorization", b"Bearer a.b.c"), ("authorization", b"Bearer a.b.c")]);
        assert_eq!(find(&repeated, b"/", &p, 100).unwrap_err().code(), crate::Code::TokenMultiple);
    }

    #[test]
    fn non_ascii_and_oversized_values_are_refused_without_decoding() {
        let p = provider(&format!("{BASE}}}]}}"));
        let bad = headers(&[("authorization", b"Bearer a.\xff.c")]);
        assert_eq!(find(&bad, b"/", &p, 100).unwrap_err().code(), crate::Code::JwsMalformed);
        let long = headers(&[("authorization", b"Bearer aaaaaaaaaa.b.c")]);
        assert_eq!(find(&long, b"/", &p, 5).unwrap_err().code(), crate::Code::LimitExceeded);
        let other = headers(&[("authorization", b"Basic dXNlcg==")]);
        assert_eq!(find(&other, b"/", &p, 100).unwrap(), None);
    }

    #[test]
    fn token_text_check_agrees_with_a_byte_loop_at_every_position() {
        let slow = |raw: &[u8]| raw.iter().all(|&b| b != b',' && (0x21..0x7f).contains(&b));
        for len in 0..20 {
            for at in 0..len {
                for b in 0..=255u8 {
                    let mut raw = vec![b'a'; len];
                    raw[at] = b;
                    assert_eq!(is_token_text(&raw), slow(&raw), "byte {b:#x} at {at} of {len}");
                }
            }
        }
        // Borrows between bytes of one word must not hide or invent a refusal.
        for w in [[0x21u8, 0x20, 0x7e, 0x7f, 0x2c, 0x2b, 0x2d, 0x80], [0x7e; 8], [0x21; 8], [0; 8]]
        {
            assert_eq!(is_token_text(&w), slow(&w), "{w:x?}");
        }
    }

    #[test]
    fn params_and_cookies() {
        let p = provider(&format!(
            r#"{BASE},"from_headers":[],"from_params":["t"],"from_cookies":["jwt"]}}]}}"#
        ));
        let none = headers(&[]);
        assert_eq!(find(&none, b"/x?a=1&t=a.b.c", &p, 100).unwrap().unwrap().token, "a.b.c");
        let cookie = headers(&[("cookie", b"x=1; jwt=d.e.f")]);
        assert_eq!(find(&cookie, b"/x", &p, 100).unwrap().unwrap().token, "d.e.f");
        let both = find(&cookie, b"/x?t=a.b.c", &p, 100).unwrap_err();
        assert_eq!(both.code(), crate::Code::TokenMultiple);
        // The same token in two places is one credential.
        assert!(find(&cookie, b"/x?t=d.e.f", &p, 100).unwrap().is_some());
    }
}
