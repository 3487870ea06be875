//! Runs `tests/vectors/acl/*.json` (format: tests/vectors/acl/README.md).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use jwtgate::TemplateContext;
use jwtgate::{Authorizer, Request};
use jwtgate::{HttpOptions, WriteAs};
use serde_json::Value;

fn request(case: &Value) -> Request {
    if let Some(h) = case.get("http") {
        let mut opts = HttpOptions::default();
        if let Some(p) = h.get("prefix") {
            opts.prefix = p.as_str().unwrap().to_string();
        }
        if let Some(w) = h.get("writeAs") {
            opts.write_as = serde_json::from_value::<WriteAs>(w.clone()).unwrap();
        }
        return Request::from_http(
            h["method"].as_str().unwrap(),
            h["target"].as_str().unwrap(),
            &opts,
        )
        .unwrap();
    }
    serde_json::from_value(case["request"].clone()).unwrap()
}

#[test]
fn acl_vectors() {
    let mut count = 0;
    for (file, doc) in support::load_kind("acl") {
        for case in doc["cases"].as_array().unwrap() {
            let name = case["name"].as_str().unwrap();
            let policies = support::parse_policies(&case["policies"]);
            let ctx: TemplateContext = match case.get("context") {
                Some(c) => serde_json::from_value(c.clone()).unwrap(),
                None => TemplateContext::default(),
            };
            let report = Authorizer::new(&policies, &ctx).authorize(&request(case));
            let json = serde_json::to_value(&report).unwrap();
            let expect = &case["expect"];
            let ctx_msg =
                format!("{file}: {name}: {}", serde_json::to_string_pretty(&json).unwrap());
            assert_eq!(report.allowed, expect["allowed"].as_bool().unwrap(), "{ctx_msg}");
            assert_eq!(json["decision"], if report.allowed { "allowed" } else { "denied" });
            if let Some(v) = expect.get("via") {
                assert_eq!(&json["via"], v, "{ctx_msg}");
            }
            if let Some(w) = expect.get("winner") {
                assert_eq!(
                    &json["winner"]["pattern"],
                    if w.is_null() { &Value::Null } else { w },
                    "{ctx_msg}"
                );
                if w.is_null() {
                    assert!(report.winner.is_none(), "{ctx_msg}");
                }
            }
            if let Some(ps) = expect.get("winner_policies") {
                let got: Vec<&str> = report
                    .winner
                    .as_ref()
                    .unwrap()
                    .sources
                    .iter()
                    .map(|s| s.policy.as_str())
                    .collect();
                let want: Vec<&str> =
                    ps.as_array().unwrap().iter().map(|p| p.as_str().unwrap()).collect();
                assert_eq!(got, want, "{ctx_msg}");
            }
            if let Some(c) = expect.get("winner_capabilities") {
                assert_eq!(&json["winner"]["capabilities"], c, "{ctx_msg}");
            }
            if let Some(l) = expect.get("losers") {
                let got: Vec<(String, String)> = report
                    .others
                    .iter()
                    .map(|o| (o.rule.pattern.clone(), o.reason.to_string()))
                    .collect();
                let want: Vec<(String, String)> = l
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|p| {
                        (p[0].as_str().unwrap().to_string(), p[1].as_str().unwrap().to_string())
                    })
                    .collect();
                assert_eq!(got, want, "{ctx_msg}");
            }
            if let Some(p) = expect.get("path") {
                assert_eq!(&json["request"]["path"], p, "{ctx_msg}");
            }
            if let Some(o) = expect.get("operation") {
                assert_eq!(&json["request"]["operation"], o, "{ctx_msg}");
            }
            if let Some(d) = expect.get("dropped") {
                let got: Vec<&str> = report.dropped.iter().map(|d| d.path.as_str()).collect();
                let want: Vec<&str> =
                    d.as_array().unwrap().iter().map(|p| p.as_str().unwrap()).collect();
                assert_eq!(got, want, "{ctx_msg}");
            }
            // The last step always states the decision.
            let last = report.steps.last().unwrap();
            assert_eq!(last.id, "decision");
            assert_eq!(last.message.starts_with("permission denied"), !report.allowed, "{ctx_msg}");
            if let Some(r) = expect.get("reason_contains") {
                assert!(last.message.contains(r.as_str().unwrap()), "{ctx_msg}");
            }
            if let Some(n) = expect.get("note_contains") {
                let n = n.as_str().unwrap();
                assert!(
                    report.notes.iter().any(|x| x.contains(n)),
                    "{ctx_msg}: {:?}",
                    report.notes
                );
            }
            count += 1;
        }
    }
    assert!(count >= 45, "only {count} acl vectors");
}

/// A direct, linear transcription of Vault's `AllowOperation` rule choice (every rule scanned
/// for every request), used as an independent reference for the indexed ACL.
mod reference {
    use core::cmp::Ordering;
    use jwtgate::__internal::{Rule, Store};
    use jwtgate::Capabilities;

    #[derive(Clone, Copy)]
    struct Desc<'a> {
        idx: usize,
        first: usize,
        prefix: bool,
        wildcards: usize,
        path: &'a str,
    }

    fn key(r: &Rule) -> &str {
        match r.kind {
            Store::Prefix => r.pattern.strip_suffix('*').unwrap(),
            _ => r.pattern.as_str(),
        }
    }

    fn cmp(a: &Desc<'_>, b: &Desc<'_>) -> Ordering {
        a.first
            .cmp(&b.first)
            .then(b.prefix.cmp(&a.prefix))
            .then(b.wildcards.cmp(&a.wildcards))
            .then(a.path.len().cmp(&b.path.len()))
            .then(a.path.cmp(b.path))
    }

    fn candidates<'a>(rules: &'a [Rule], path: &str) -> Vec<Desc<'a>> {
        let mut out = Vec::new();
        let longest = rules
            .iter()
            .enumerate()
            .filter(|(_, r)| r.kind == Store::Prefix && path.starts_with(key(r)))
            .max_by_key(|(_, r)| key(r).len());
        if let Some((idx, r)) = longest {
            out.push(Desc { idx, first: key(r).len(), prefix: true, wildcards: 0, path: key(r) });
        }
        let parts: Vec<&str> = path.split('/').collect();
        'rules: for (idx, r) in
            rules.iter().enumerate().filter(|(_, r)| r.kind == Store::SegmentWildcard)
        {
            let full = r.pattern.as_str();
            let (wc, prefix) = match full.strip_suffix('*') {
                Some(w) => (w, true),
                None => (full, false),
            };
            let segs: Vec<&str> = wc.split('/').collect();
            if parts.len() < segs.len() || (!prefix && parts.len() != segs.len()) {
                continue;
            }
            let mut wildcards = 0;
            for (i, s) in segs.iter().enumerate() {
                let literal =
                    *s == parts[i] || (prefix && i == segs.len() - 1 && parts[i].starts_with(s));
                if *s == "+" {
                    wildcards += 1;
                } else if !literal {
                    continue 'rules;
                }
            }
            out.push(Desc { idx, first: full.find('+').unwrap(), prefix, wildcards, path: wc });
        }
        out
    }

    /// Index of the deciding rule, or `None`.
    pub fn decide(rules: &[Rule], path: &str, list: bool) -> Option<usize> {
        let path = path.trim_start_matches('/');
        let exact = |p: &str| rules.iter().position(|r| r.kind == Store::Exact && r.pattern == p);
        if let Some(i) = exact(path) {
            return Some(i);
        }
        if list {
            if let Some(i) = exact(path.strip_suffix('/').unwrap_or(path)) {
                return Some(i);
            }
        }
        if list && path.ends_with('/') {
            let trimmed = candidates(rules, path.strip_suffix('/').unwrap());
            let full = candidates(rules, path);
            let top = |c: &[Desc<'_>]| c.iter().max_by(|a, b| cmp(a, b)).map(|d| d.idx);
            // Vault releases: the slash-less path's winner if it has any candidate.
            let released = top(&trimmed).or_else(|| top(&full))?;
            // resolveACLPermsForListOp over both candidate sets.
            let mut all = trimmed.clone();
            all.extend(full);
            let best = |bit: u16| {
                all.iter()
                    .filter(|d| rules[d.idx].capabilities.has(bit))
                    .max_by(|a, b| cmp(a, b))
                    .copied()
            };
            let (deny, grant) = (best(Capabilities::DENY), best(Capabilities::LIST));
            let fixed = match (deny, grant) {
                (Some(d), g) if g.is_none_or(|l| cmp(&l, &d) == Ordering::Less) => d.idx,
                (_, Some(l)) => l.idx,
                _ => top(&all)?,
            };
            // jwtgate allows only what both allow; a denying answer is the one reported.
            let allows = |i: usize| {
                let c = rules[i].capabilities;
                !c.is_deny() && c.has(Capabilities::LIST)
            };
            return Some(if !allows(fixed) || allows(released) { fixed } else { released });
        }
        candidates(rules, path).iter().max_by(|a, b| cmp(a, b)).map(|d| d.idx)
    }
}

mod property {
    use super::reference;
    use jwtgate::Limits;
    use jwtgate::{parse_policy, Acl, Operation};
    use proptest::prelude::*;

    fn segment() -> impl Strategy<Value = String> {
        prop_oneof![Just("a"), Just("b"), Just("ab"), Just(""), Just("+")].prop_map(String::from)
    }

    /// A `path` rule of 1 to `max_segments - 1` segments drawn from `segment`, sometimes with a
    /// trailing `*` (a prefix rule), granting `read`, `list` or `deny`.
    fn rule_of(
        segment: impl Strategy<Value = String>,
        max_segments: usize,
    ) -> impl Strategy<Value = String> {
        (proptest::collection::vec(segment, 1..max_segments), any::<bool>(), 0..3u8).prop_map(
            |(segs, glob, caps)| {
                let mut p = segs.join("/");
                if glob && !p.ends_with('+') {
                    p.push('*');
                }
                let caps = ["\"read\"", "\"list\"", "\"deny\""][caps as usize];
                format!("path \"{p}\" {{ capabilities = [{caps}] }}\n")
            },
        )
    }

    fn rule() -> impl Strategy<Value = String> {
        rule_of(segment(), 4)
    }

    fn path() -> impl Strategy<Value = String> {
        (
            proptest::collection::vec(
                prop_oneof![Just("a"), Just("b"), Just("ab"), Just("abc"), Just("")],
                0..5,
            ),
            any::<bool>(),
        )
            .prop_map(|(segs, slash)| {
                let mut p = segs.join("/");
                if slash {
                    p.push('/');
                }
                p
            })
    }

    /// Segments beyond the small alphabet: `+` inside a segment (a literal), non-ASCII,
    /// `*` in the middle (a literal; only a trailing `*` is a prefix), doubled slashes.
    fn odd_segment() -> impl Strategy<Value = String> {
        prop_oneof![
            Just("a+b"),
            Just("\u{e9}"),
            Just("\u{1F600}"),
            Just("a*b"),
            Just("+"),
            Just(""),
            Just("a"),
        ]
        .prop_map(String::from)
    }

    fn odd_rule() -> impl Strategy<Value = String> {
        rule_of(odd_segment(), 5)
    }

    /// The indexed ACL's winning rule equals the unindexed reference's for every path, for
    /// read and for list.
    fn agrees_with_reference(
        policy: jwtgate::Policy,
        text: &str,
        paths: &[String],
    ) -> Result<(), TestCaseError> {
        let authz = jwtgate::Authorizer::new(&[policy], &Default::default());
        let acl: &Acl = authz.acl();
        for p in paths {
            for op in [Operation::Read, Operation::List] {
                let ev = acl.evaluate(p, op);
                let want = reference::decide(acl.rules(), p, op == Operation::List);
                prop_assert_eq!(ev.winner, want, "path {:?} op {:?} rules\n{}", p, op, text);
            }
        }
        Ok(())
    }

    fn odd_path() -> impl Strategy<Value = String> {
        (proptest::collection::vec(odd_segment(), 0..6), 0..3u8)
            .prop_map(|(segs, lead)| "/".repeat(lead as usize) + &segs.join("/"))
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 1000, ..ProptestConfig::default() })]
        #[test]
        fn indexed_acl_matches_reference_on_odd_paths(
            rules in proptest::collection::vec(odd_rule(), 0..10),
            paths in proptest::collection::vec(odd_path(), 1..6),
        ) {
            let text: String = rules.concat();
            let Ok(policy) = parse_policy("p", &text, &Limits::default()) else {
                // A pattern the parser refuses is a typed error, not a panic; nothing to match.
                return Ok(());
            };
            agrees_with_reference(policy, &text, &paths)?;
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]
        #[test]
        fn indexed_acl_matches_linear_reference(
            rules in proptest::collection::vec(rule(), 0..12),
            paths in proptest::collection::vec(path(), 1..6),
        ) {
            let text: String = rules.concat();
            let policy = parse_policy("p", &text, &Limits::default()).unwrap();
            agrees_with_reference(policy, &text, &paths)?;
        }
    }
}

/// A `+` pattern with 20,000 segments (40 KB of policy, within the limits) compiles into a chain
/// of 20,000 trie nodes. Dropping it recursed once per node and overflowed the stack — in wasm a
/// trap that also left the package's Verifier unusable. Found by the `policy` fuzz target
/// (`tests/vectors/fuzz/policy/deep-plus-pattern`). Runs on a 256 KiB stack so a recursive
/// drop, build, lookup, clone or debug print fails here deterministically.
#[test]
fn very_long_wildcard_pattern_builds_evaluates_clones_and_drops_on_a_small_stack() {
    use jwtgate::Limits;
    use jwtgate::{parse_policy, Operation};
    let handle = std::thread::Builder::new()
        .stack_size(256 * 1024)
        .spawn(|| {
            let pattern = "+/".repeat(20_000) + "x";
            let text = format!("path \"{pattern}\" {{ capabilities = [\"read\"] }}");
            let policy = parse_policy("deep", &text, &Limits::default()).unwrap();
            let authz = Authorizer::new(&[policy], &TemplateContext::default());
            let hit = "a/".repeat(20_000) + "x";
            let allowed = authz.authorize(&Request::new(hit.clone(), Operation::Read)).allowed;
            let missed = authz.authorize(&Request::new("a/x", Operation::Read)).allowed;
            let copy = authz.clone();
            drop(authz);
            let copy_allows = copy.authorize(&Request::new(hit, Operation::Read)).allowed;
            let printed = format!("{copy:?}").len() > 40_000;
            drop(copy);
            (allowed, missed, copy_allows, printed)
        })
        .unwrap();
    assert_eq!(handle.join().unwrap(), (true, false, true, true));
}
