//! A verification answered once and reusable inside its window: its compact text, what it
//! weighs against the cache's byte bound, and how long it may be reused.

use alloc::string::String;

use crate::code::Code;
use crate::failure::Failure;
use crate::time::UnixTime;
use crate::verify::Verified;

/// Longest a cached verification is reused, in seconds (fast-jwt's default `cacheTTL`).
pub const CACHE_MAX_AGE: u32 = 600;

/// A verification and its compact text ([`verified_text`]).
#[derive(Clone)]
pub struct CachedVerification {
    /// The verification.
    pub verified: Verified,
    /// Its compact text.
    pub json: String,
}

/// What a cached answer is counted as against the session's byte bound: its text, plus the
/// parsed header, claims, alias and report it was written from, which live beside it. Those
/// trees hold the same strings again (weighed as three times the text in all); each member or
/// element adds a `Value`, a map slot and allocation headers (weighed per `,` and `:` of the
/// text), and each object or array its first map node or vector buffer (per `{` and `[`); the
/// constant covers the entry's own bookkeeping (the key, two tree nodes, the window). Counting
/// punctuation inside strings too only over-counts, which only shortens the cache;
/// `pkg/test/cache-bytes.test.mjs` checks the module's memory against the weights for long
/// strings, many small members and nesting.
pub fn weight(entry: &CachedVerification) -> usize {
    let text = entry.json.as_bytes();
    let members = text.iter().filter(|b| matches!(b, b',' | b':')).count();
    let containers = text.iter().filter(|b| matches!(b, b'{' | b'[')).count();
    text.len()
        .saturating_mul(3)
        .saturating_add(members.saturating_mul(32))
        .saturating_add(containers.saturating_mul(320))
        .saturating_add(2048)
}

/// A verified token in its compact form (read by `readVerified()` in `pkg/src/api.js`): `v`
/// then four fields separated by `\n`: window start, window end (both empty when the answer
/// must not be reused), the JSON array `[header, payload, key, alias]`, and the JSON of
/// `report`. Compact JSON never contains a raw newline, so a reader finds the fields with
/// three searches, parses the array once, and parses the report (most of the text, read mostly
/// after failures) only when it is first read. Each part is written straight from the core's
/// types by [`crate::json::write`] (the same text serde_json writes, without its per-token
/// cost in the size-optimised wasm module): no `Value` tree, no clones. The window (when the
/// answer may be reused, from [`crate::cache::window`]) lets a reader memoise the result for
/// exactly as long as the session's cache would answer.
pub fn verified_text(
    v: &Verified,
    window: Option<(UnixTime, UnixTime)>,
) -> Result<String, Failure> {
    use crate::json::write;
    let unserializable = || Failure::new(Code::JsonInvalid, "result could not be serialized");
    let mut out = write::Out::with_capacity(2048);
    out.push(b'v');
    if let Some((from, until)) = window {
        write::signed(&mut out, from.0);
        out.push(b'\n');
        write::signed(&mut out, until.0);
    } else {
        out.push(b'\n');
    }
    out.extend_from_slice(b"\n[");
    write::object(&mut out, &v.header.members);
    out.push(b',');
    write::object(&mut out, &v.claims);
    out.push(b',');
    // `KeyInfo` as serde writes it: every field, `kid` null when absent.
    out.extend_from_slice(b"{\"kid\":");
    match &v.key.kid {
        Some(kid) => write::string(&mut out, kid),
        None => out.extend_from_slice(b"null"),
    }
    out.extend_from_slice(b",\"alg\":");
    write::string(&mut out, v.key.alg.as_str());
    out.extend_from_slice(b",\"kty\":");
    write::string(&mut out, &v.key.kty);
    out.extend_from_slice(b",\"thumbprint\":");
    write::string(&mut out, &v.key.thumbprint);
    out.extend_from_slice(b"},");
    match &v.alias {
        None => out.extend_from_slice(b"null"),
        Some(alias) => {
            out.extend_from_slice(&serde_json::to_vec(alias).map_err(|_| unserializable())?)
        }
    }
    out.extend_from_slice(b"]\n");
    v.report.write_json(&mut out);
    // The writers produce valid UTF-8 and the rest is ASCII.
    String::from_utf8(out.into_vec()).map_err(|_| unserializable())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::jose::KeySet;
    use crate::limits::Limits;
    use crate::role::{VaultConfig, VaultRole};
    use crate::verify::{self, VerifyOptions};
    use alloc::format;
    use alloc::string::ToString;
    use alloc::vec::Vec;

    #[test]
    fn verified_text_parts_are_what_serde_json_writes() {
        let s = |f: &str| std::fs::read_to_string(format!("tests/fixtures/sample/{f}")).unwrap();
        let limits = Limits::default();
        let keys = KeySet::from_jwks(s("jwks.json").as_bytes(), &limits).unwrap();
        let role = VaultRole::from_json(s("role.json").as_bytes(), &limits).unwrap();
        let config = VaultConfig::from_json(s("config.json").as_bytes(), &limits).unwrap();
        let opts = VerifyOptions::vault(UnixTime(1_767_225_900), role, "nomad-workloads", config);
        let v = verify::verify(s("token.jwt").trim(), &keys, &opts).unwrap();
        assert!(v.alias.is_some());
        for window in [None, Some((UnixTime(-5), UnixTime(1_767_226_000)))] {
            let text = verified_text(&v, window).unwrap();
            let parts: Vec<&str> = text.split('\n').collect();
            let (from, until) = match window {
                Some((f, u)) => (format!("v{}", f.0), u.0.to_string()),
                None => ("v".to_string(), String::new()),
            };
            assert_eq!(parts[..2], [from.as_str(), until.as_str()]);
            let array = format!(
                "[{},{},{},{}]",
                serde_json::to_string(&v.header.members).unwrap(),
                serde_json::to_string(&v.claims).unwrap(),
                serde_json::to_string(&v.key).unwrap(),
                serde_json::to_string(&v.alias).unwrap()
            );
            assert_eq!(parts[2], array);
            assert_eq!(parts[3], serde_json::to_string(&v.report).unwrap());
            assert_eq!(parts.len(), 4);
        }
        let mut no_kid = v.clone();
        no_kid.key.kid = None;
        no_kid.alias = None;
        let text = verified_text(&no_kid, None).unwrap();
        let parts: Vec<&str> = text.split('\n').collect();
        let array = format!(
            "[{},{},{},null]",
            serde_json::to_string(&no_kid.header.members).unwrap(),
            serde_json::to_string(&no_kid.claims).unwrap(),
            serde_json::to_string(&no_kid.key).unwrap()
        );
        assert_eq!(parts[2], array);
    }
}
