//! The ACL: Vault's three rule stores, merging across policies, and the decision for one
//! request — following `vault/acl.go` (`NewACL`, `AllowOperation`,
//! `CheckAllowedFromNonExactPaths`).
//!
//! ## Index (why a lookup does not grow with the number of rules)
//! - exact rules: a byte [`Radix`] tree, `get` in O(path length);
//! - prefix rules: the same tree, walked once along the path; the longest stored prefix is the
//!   candidate (and the shorter ones are reported as "not consulted");
//! - segment-wildcard rules: Vault scans all of them for every request. We keep them in a
//!   segment trie (a literal child per segment, one `+` child, and per node the trailing-glob
//!   rules keyed by their last, prefix-matched segment). A request walks at most two branches
//!   per segment, so the cost depends on the path and on how many rules actually match.
//!
//! ## Merging (`NewACL`)
//! Rules merge only when the same key lands in the same store (`kv/x` and `kv/x*` never
//! merge). Existing `deny` → the new rule is ignored; new `deny` → the result becomes deny-only
//! (parameter constraints cleared); otherwise capabilities are OR-ed, wrapping TTLs keep the
//! lowest non-zero value and the remaining constraints are unioned.
//!
//! ## Decision (`AllowOperation`)
//! Root → allow; `help` → allow; leading `/`s stripped; exact rule wins outright (for `list`,
//! retried once without one trailing `/`). Otherwise the longest prefix and every matching
//! wildcard rule compete by Vault's priority steps, and the winner's capability set is used
//! alone — except for a `list` on a path ending in `/`, where Vault has two answers:
//! - **Vault releases** (`AllowOperation` in hashicorp/vault `vault/acl.go` up to at least
//!   0192881f): the non-exact rules matching the path *without* its slash decide when any
//!   match, else those matching the path itself. So `secret/+` (deny) decides
//!   `LIST secret/foo/` although `secret/foo/*` grants list; and `secret/*` (list) decides it
//!   although `secret/foo/*` denies — the bypass OpenBao fixed in 2.6.0 (GHSA-xp3c-3jw3-4vcr).
//! - **The fix** (`resolveACLPermsForListOp` in Vault's newest `vault/acl.go`): candidates from
//!   the path with **and** without the slash; the most specific `deny` wins if it outranks the
//!   most specific rule granting `list`, else that rule wins, else the most specific candidate.
//!
//! jwtgate allows the listing only when **both** allow it (with any extra capability the
//! request needs, e.g. `sudo`): it never says "allowed" where a Vault version would answer
//! 403. The deciding rule reported is the fixed resolution's, unless only the release's
//! resolution denies; [`Evaluation::list_divergence`] then says which Vault would differ.

use alloc::collections::BTreeMap;
use alloc::format;
use alloc::string::{String, ToString};
use alloc::vec::Vec;
use core::cmp::Ordering;

use serde::Serialize;

use super::radix::Radix;
use super::{Capabilities, PathRule, PolicyError};

/// A request operation (Vault's `logical.Operation`), plus `subscribe` as a capability check.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Operation {
    /// Needs `create`.
    Create,
    /// Needs `read`.
    Read,
    /// Needs `update`.
    Update,
    /// Needs `patch`.
    Patch,
    /// Needs `delete`.
    Delete,
    /// Needs `list`.
    List,
    /// Needs `recover`.
    Recover,
    /// Needs `update` (Vault maps revoke to update).
    Revoke,
    /// Needs `update` (Vault maps renew to update).
    Renew,
    /// Needs `update` (Vault maps rollback to update).
    Rollback,
    /// Always allowed.
    Help,
    /// Needs `subscribe` (event subscriptions check the capability directly).
    Subscribe,
}

impl Operation {
    /// Every operation with its name.
    pub const NAMES: &'static [(&'static str, Operation)] = &[
        ("create", Operation::Create),
        ("read", Operation::Read),
        ("update", Operation::Update),
        ("patch", Operation::Patch),
        ("delete", Operation::Delete),
        ("list", Operation::List),
        ("recover", Operation::Recover),
        ("revoke", Operation::Revoke),
        ("renew", Operation::Renew),
        ("rollback", Operation::Rollback),
        ("help", Operation::Help),
        ("subscribe", Operation::Subscribe),
    ];

    /// Parses an operation or capability name (`read`, `list`, …).
    pub fn parse(name: &str) -> Result<Operation, PolicyError> {
        Self::NAMES.iter().find(|(n, _)| *n == name).map(|(_, o)| *o).ok_or_else(|| {
            PolicyError::request(format!(
                "unknown operation {name:?} (expected one of create, read, update, patch, \
                 delete, list, recover, revoke, renew, rollback, help, subscribe)"
            ))
        })
    }

    /// The operation's name.
    pub fn name(self) -> &'static str {
        Self::NAMES.iter().find(|(_, o)| *o == self).map_or("?", |(n, _)| *n)
    }

    /// The capability the operation needs (`None` for `help`).
    pub fn capability(self) -> Option<(&'static str, u16)> {
        Some(match self {
            Operation::Create => ("create", Capabilities::CREATE),
            Operation::Read => ("read", Capabilities::READ),
            Operation::Update | Operation::Revoke | Operation::Renew | Operation::Rollback => {
                ("update", Capabilities::UPDATE)
            }
            Operation::Patch => ("patch", Capabilities::PATCH),
            Operation::Delete => ("delete", Capabilities::DELETE),
            Operation::List => ("list", Capabilities::LIST),
            Operation::Recover => ("recover", Capabilities::RECOVER),
            Operation::Subscribe => ("subscribe", Capabilities::SUBSCRIBE),
            Operation::Help => return None,
        })
    }
}

/// Which store a rule lives in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Store {
    /// Exact path.
    Exact,
    /// Trailing `*` prefix glob.
    Prefix,
    /// Contains a `+` segment (may also end in `*`).
    SegmentWildcard,
}

/// How one policy's path block contributed to a merged rule.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Source {
    /// Policy name.
    pub policy: String,
    /// The path as written in the policy (templates unrendered).
    pub path: String,
    /// The capabilities that block declares.
    pub capabilities: Capabilities,
    /// `merged`, `ignored` (an earlier `deny` on the same key wins) or `denied` (this `deny`
    /// replaced everything else on the key).
    pub effect: &'static str,
}

/// One merged rule.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Rule {
    /// The rule as a user writes it (`secret/*`, `kv/+/data`, `secret/foo`).
    pub pattern: String,
    /// The store.
    pub kind: Store,
    /// Merged capabilities.
    pub capabilities: Capabilities,
    /// The policy blocks that made this rule.
    pub sources: Vec<Source>,
    /// Lowest non-zero `min_wrapping_ttl`, seconds (0 = none).
    #[serde(skip_serializing_if = "is_zero")]
    pub min_wrapping_ttl: i64,
    /// Lowest non-zero `max_wrapping_ttl`, seconds (0 = none).
    #[serde(skip_serializing_if = "is_zero")]
    pub max_wrapping_ttl: i64,
    /// Union of `required_parameters`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub required_parameters: Vec<String>,
    /// Merged `allowed_parameters` (keys lowercased).
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub allowed_parameters: BTreeMap<String, Vec<serde_json::Value>>,
    /// Merged `denied_parameters` (keys lowercased).
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub denied_parameters: BTreeMap<String, Vec<serde_json::Value>>,
    /// Union of `mfa_methods` (Enterprise).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub mfa_methods: Vec<String>,
    /// Whether a `control_group` applies (Enterprise).
    #[serde(skip_serializing_if = "core::ops::Not::not")]
    pub control_group: bool,
    /// Vault's stored key (prefix rules without the `*`).
    #[serde(skip)]
    key: String,
}

fn is_zero(v: &i64) -> bool {
    *v == 0
}

/// One node of the segment-wildcard trie. Nodes live in one arena (`Acl::wild`, root at index
/// 0) and name their children by index: a pattern with N segments builds a chain N nodes deep,
/// and a boxed tree would drop, clone and debug-print that chain recursively — a stack overflow,
/// a trap in wasm, for long patterns (found by the `policy` fuzz target; regression:
/// `tests/vectors/fuzz/policy/deep-plus-pattern`).
#[derive(Clone, Debug, Default)]
struct WildNode {
    literal: BTreeMap<String, usize>,
    plus: Option<usize>,
    /// A rule without trailing `*` whose segments end here.
    end: Option<usize>,
    /// Trailing-`*` rules whose last (prefix-matched) segment is the key, attached to the node
    /// reached by all their other segments.
    globs: BTreeMap<String, usize>,
}

/// The compiled ACL for one set of (rendered) policies.
#[derive(Clone, Debug, Default)]
pub struct Acl {
    root: bool,
    rules: Vec<Rule>,
    exact: Radix<usize>,
    prefix: Radix<usize>,
    wildcard_keys: BTreeMap<String, usize>,
    /// The segment-wildcard trie's arena; empty until the first such rule, then the root is 0.
    wild: Vec<WildNode>,
}

/// Why a matching rule did not decide.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Loser {
    /// Index of the rule in [`Acl::rules`].
    pub rule: usize,
    /// Stable id of the reason: `exact-wins`, `not-longest-prefix`, `list-resolution`,
    /// `priority-position`, `priority-no-glob`, `priority-fewer-wildcards`, `priority-longer`,
    /// `priority-lexical`.
    pub reason: &'static str,
    /// The explanation with the values compared.
    pub message: String,
}

/// How the deciding rule was found.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Via {
    /// The `root` policy.
    Root,
    /// `help` is always allowed.
    Help,
    /// An exact rule.
    Exact,
    /// An exact rule, after removing the list path's trailing `/`.
    ExactListRetry,
    /// A prefix or wildcard rule chosen by Vault's list resolution (path with and without its
    /// trailing `/`).
    NonExactList,
    /// A prefix or wildcard rule.
    NonExact,
    /// Nothing matched.
    NoMatch,
}

/// The raw outcome of [`Acl::evaluate`] (the report layer turns it into prose).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Evaluation {
    /// The path after stripping leading `/`s.
    pub path: String,
    /// How the deciding rule was found.
    pub via: Via,
    /// The deciding rule.
    pub winner: Option<usize>,
    /// Rules that matched but did not decide.
    pub losers: Vec<Loser>,
    /// For a list on a path ending in `/` where Vault releases and Vault's fixed resolution
    /// disagree: which one would allow, and why jwtgate denies (see the module docs).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub list_divergence: Option<String>,
}

#[derive(Clone, Copy)]
struct Desc<'a> {
    rule: usize,
    first: usize,
    is_prefix: bool,
    wildcards: usize,
    path: &'a str,
}

impl Acl {
    /// An empty ACL (denies everything but `help`).
    pub fn new() -> Self {
        Self::default()
    }

    /// The merged rules.
    pub fn rules(&self) -> &[Rule] {
        &self.rules
    }

    /// Whether the `root` policy is present.
    pub fn is_root(&self) -> bool {
        self.root
    }

    /// Marks the ACL as holding the `root` policy (everything allowed).
    pub fn set_root(&mut self) {
        self.root = true;
    }

    /// Adds one path block of `policy`, whose path rendered to `rendered`.
    ///
    /// Returns an error message (Vault's) when the rendered path contains `+*`.
    pub fn add(&mut self, policy: &str, rule: &PathRule, rendered: &str) -> Result<(), String> {
        let path = rendered.strip_prefix('/').unwrap_or(rendered);
        if path.contains("+*") {
            return Err("invalid use of wildcards ('+*' is forbidden)".to_string());
        }
        let segment = path == "+" || path.contains("/+") || path.starts_with("+/");
        let (kind, key) = match path.strip_suffix('*') {
            Some(stripped) if !segment => (Store::Prefix, stripped),
            _ if segment => (Store::SegmentWildcard, path),
            _ => (Store::Exact, path),
        };
        let existing = match kind {
            Store::Exact => self.exact.get(key.as_bytes()).copied(),
            Store::Prefix => self.prefix.get(key.as_bytes()).copied(),
            Store::SegmentWildcard => self.wildcard_keys.get(key).copied(),
        };
        let mut source = Source {
            policy: policy.to_string(),
            path: rule.path.clone(),
            capabilities: rule.capabilities,
            effect: "merged",
        };
        let Some(id) = existing else {
            let id = self.rules.len();
            self.rules.push(Rule {
                pattern: path.to_string(),
                kind,
                capabilities: rule.capabilities,
                sources: alloc::vec![source],
                min_wrapping_ttl: rule.min_wrapping_ttl.unwrap_or(0),
                max_wrapping_ttl: rule.max_wrapping_ttl.unwrap_or(0),
                required_parameters: rule.required_parameters.clone(),
                allowed_parameters: rule.allowed_parameters.clone().unwrap_or_default(),
                denied_parameters: rule.denied_parameters.clone().unwrap_or_default(),
                mfa_methods: rule.mfa_methods.clone(),
                control_group: rule.control_group.is_some(),
                key: key.to_string(),
            });
            match kind {
                Store::Exact => {
                    self.exact.insert(key.as_bytes(), id);
                }
                Store::Prefix => {
                    self.prefix.insert(key.as_bytes(), id);
                }
                Store::SegmentWildcard => {
                    self.wildcard_keys.insert(key.to_string(), id);
                    self.index_wildcard(key, id);
                }
            }
            return Ok(());
        };
        let Some(merged) = self.rules.get_mut(id) else { return Ok(()) };
        if merged.capabilities.is_deny() {
            source.effect = "ignored";
            merged.sources.push(source);
            return Ok(());
        }
        if rule.capabilities.is_deny() {
            source.effect = "denied";
            merged.sources.push(source);
            merged.capabilities = Capabilities(Capabilities::DENY);
            merged.allowed_parameters.clear();
            merged.denied_parameters.clear();
            return Ok(());
        }
        merged.capabilities = Capabilities(merged.capabilities.0 | rule.capabilities.0);
        merged.sources.push(source);
        let lower = |cur: i64, new: Option<i64>| match new {
            Some(n) if n > 0 && (cur == 0 || n < cur) => n,
            _ => cur,
        };
        merged.max_wrapping_ttl = lower(merged.max_wrapping_ttl, rule.max_wrapping_ttl);
        merged.min_wrapping_ttl = lower(merged.min_wrapping_ttl, rule.min_wrapping_ttl);
        for p in &rule.required_parameters {
            if !merged.required_parameters.contains(p) {
                merged.required_parameters.push(p.clone());
            }
        }
        if let Some(a) = &rule.allowed_parameters {
            super::params::merge(&mut merged.allowed_parameters, a);
        }
        if let Some(d) = &rule.denied_parameters {
            super::params::merge(&mut merged.denied_parameters, d);
        }
        for m in &rule.mfa_methods {
            if !merged.mfa_methods.contains(m) {
                merged.mfa_methods.push(m.clone());
            }
        }
        merged.control_group |= rule.control_group.is_some();
        Ok(())
    }

    fn index_wildcard(&mut self, key: &str, id: usize) {
        let (body, glob) = match key.strip_suffix('*') {
            Some(b) => (b, true),
            None => (key, false),
        };
        let segments: Vec<&str> = body.split('/').collect();
        let walk = if glob { segments.len().saturating_sub(1) } else { segments.len() };
        if self.wild.is_empty() {
            self.wild.push(WildNode::default());
        }
        let mut at = 0;
        for seg in segments.iter().take(walk) {
            let next = self.wild.len();
            let Some(node) = self.wild.get_mut(at) else { return };
            let child = if *seg == "+" {
                *node.plus.get_or_insert(next)
            } else {
                *node.literal.entry((*seg).to_string()).or_insert(next)
            };
            if child == next {
                self.wild.push(WildNode::default());
            }
            at = child;
        }
        let Some(node) = self.wild.get_mut(at) else { return };
        if glob {
            let last = segments.last().copied().unwrap_or("");
            node.globs.insert(last.to_string(), id);
        } else {
            node.end = Some(id);
        }
    }

    /// Every wildcard rule matching `path`, with its priority descriptor.
    fn wildcard_matches<'a>(&'a self, path: &str, out: &mut Vec<Desc<'a>>) {
        if self.wildcard_keys.is_empty() {
            return;
        }
        let parts: Vec<&str> = path.split('/').collect();
        let mut stack: Vec<(usize, usize)> = alloc::vec![(0, 0)];
        let mut ids = Vec::new();
        while let Some((at, i)) = stack.pop() {
            let Some(node) = self.wild.get(at) else { continue };
            let Some(part) = parts.get(i) else {
                if let Some(id) = node.end {
                    ids.push(id);
                }
                continue;
            };
            if node.globs.len() <= part.len() + 1 {
                for (tail, id) in &node.globs {
                    if part.starts_with(tail.as_str()) {
                        ids.push(*id);
                    }
                }
            } else {
                for cut in (0..=part.len()).filter(|c| part.is_char_boundary(*c)) {
                    if let Some(id) = part.get(..cut).and_then(|t| node.globs.get(t)) {
                        ids.push(*id);
                    }
                }
            }
            if let Some(child) = node.literal.get(*part) {
                stack.push((*child, i + 1));
            }
            if let Some(child) = node.plus {
                stack.push((child, i + 1));
            }
        }
        for id in ids {
            let Some(rule) = self.rules.get(id) else { continue };
            let full = rule.key.as_str();
            let (wc, is_prefix) = match full.strip_suffix('*') {
                Some(w) => (w, true),
                None => (full, false),
            };
            out.push(Desc {
                rule: id,
                first: full.find('+').unwrap_or(0),
                is_prefix,
                wildcards: wc.split('/').filter(|s| *s == "+").count(),
                path: wc,
            });
        }
    }

    /// `CheckAllowedFromNonExactPaths`: the longest prefix plus every matching wildcard rule,
    /// sorted best first.
    fn non_exact<'a>(&'a self, path: &str) -> Vec<Desc<'a>> {
        let mut cands = Vec::new();
        if let Some((len, id)) = self.prefix.longest_prefix(path.as_bytes()) {
            if let Some(rule) = self.rules.get(*id) {
                cands.push(Desc {
                    rule: *id,
                    first: len,
                    is_prefix: true,
                    wildcards: 0,
                    path: rule.key.as_str(),
                });
            }
        }
        self.wildcard_matches(path, &mut cands);
        cands.sort_by(|a, b| compare(b, a).0);
        cands
    }

    /// Decides `operation` on `path` (see the module docs); never fails.
    pub fn evaluate(&self, path: &str, operation: Operation) -> Evaluation {
        self.evaluate_with(path, operation, 0)
    }

    /// [`Acl::evaluate`] for a request that also needs the capability bits `extra` (e.g.
    /// [`Capabilities::SUDO`] on a root-protected path): they only change which rule is
    /// reported when the two list resolutions disagree.
    pub fn evaluate_with(&self, path: &str, operation: Operation, extra: u16) -> Evaluation {
        let path = path.trim_start_matches('/').to_string();
        let mut ev = Evaluation {
            path: path.clone(),
            via: Via::NoMatch,
            winner: None,
            losers: Vec::new(),
            list_divergence: None,
        };
        if self.root {
            ev.via = Via::Root;
            return ev;
        }
        if operation == Operation::Help {
            ev.via = Via::Help;
            return ev;
        }
        let list = operation == Operation::List;
        let trimmed = path.strip_suffix('/');
        if let Some(id) = self.exact.get(path.as_bytes()) {
            ev.via = Via::Exact;
            ev.winner = Some(*id);
        } else if let Some(id) = trimmed.filter(|_| list).and_then(|t| self.exact.get(t.as_bytes()))
        {
            ev.via = Via::ExactListRetry;
            ev.winner = Some(*id);
        }
        let list_slash = list && trimmed.is_some();
        let mut cands = match trimmed {
            Some(t) if list_slash => self.non_exact(t),
            _ => Vec::new(),
        };
        // Vault releases: the slash-less path's own winner, when it has candidates.
        let released = cands.first().copied();
        for c in self.non_exact(&path) {
            if !cands.iter().any(|x| x.rule == c.rule) {
                cands.push(c);
            }
        }
        cands.sort_by(|a, b| compare(b, a).0);
        if ev.winner.is_some() {
            for c in &cands {
                ev.losers.push(Loser {
                    rule: c.rule,
                    reason: "exact-wins",
                    message: "an exact rule for the path wins outright over prefix and wildcard \
                              rules"
                        .to_string(),
                });
            }
        } else if let Some(top) = cands.first().filter(|_| list_slash) {
            // resolveACLPermsForListOp: candidates from the path with and without its trailing
            // '/'; the most specific deny wins if it outranks the most specific list grant,
            // else that list grant wins, else the most specific candidate.
            let has = |c: &Desc<'_>, bit: u16| {
                self.rules.get(c.rule).is_some_and(|r| r.capabilities.has(bit))
            };
            let best_deny = cands.iter().find(|c| has(c, Capabilities::DENY));
            let best_list = cands.iter().find(|c| has(c, Capabilities::LIST));
            let fixed = match (best_deny, best_list) {
                (Some(d), Some(l)) if compare(d, l).0 == Ordering::Greater => d,
                (Some(d), None) => d,
                (_, Some(l)) => l,
                (None, None) => top,
            };
            let released = released.unwrap_or(*top);
            let allows = |c: &Desc<'_>| {
                self.rules.get(c.rule).is_some_and(|r| {
                    !r.capabilities.is_deny()
                        && r.capabilities.has(Capabilities::LIST)
                        && r.capabilities.0 & extra == extra
                })
            };
            let pattern = |c: &Desc<'_>| self.rules.get(c.rule).map_or("", |r| r.pattern.as_str());
            // Allowed only when both resolutions allow: each is some Vault's answer.
            let winner = if !allows(fixed) {
                if allows(&released) {
                    ev.list_divergence = Some(format!(
                        "Vault versions without the list-resolution fix (OpenBao before 2.6.0, \
                         GHSA-xp3c-3jw3-4vcr; Vault before resolveACLPermsForListOp) allowed this \
                         listing: they consulted only the rules matching {:?} without its \
                         trailing '/', where {:?} wins; the more specific {:?} decides here",
                        path.trim_end_matches('/'),
                        pattern(&released),
                        pattern(fixed)
                    ));
                }
                fixed
            } else if !allows(&released) {
                ev.list_divergence = Some(format!(
                    "Vault releases decide a list on a path ending in '/' with the rules matching \
                     {:?} without its trailing '/' first, where {:?} wins and does not allow \
                     it; Vault's newest resolveACLPermsForListOp would allow it through {:?}. \
                     jwtgate denies what either would deny",
                    path.trim_end_matches('/'),
                    pattern(&released),
                    pattern(fixed)
                ));
                &released
            } else {
                fixed
            };
            ev.via = Via::NonExactList;
            ev.winner = Some(winner.rule);
            let overruled = (winner.rule != fixed.rule).then_some(fixed.rule);
            for c in cands.iter().filter(|c| c.rule != winner.rule) {
                if Some(c.rule) == overruled {
                    ev.losers.push(Loser {
                        rule: c.rule,
                        reason: "list-resolution",
                        message: "Vault's newest list resolution picks this rule, but Vault \
                                  releases decide with the rule matching the path without its \
                                  trailing '/', which does not allow the listing"
                            .to_string(),
                    });
                } else if compare(winner, c).0 == Ordering::Less {
                    ev.losers.push(Loser {
                        rule: c.rule,
                        reason: "list-resolution",
                        message: "for a list on a path ending in '/', Vault considers rules \
                                  matching the path with and without the slash, and takes the \
                                  most specific rule granting list unless a more specific deny \
                                  exists; this rule is more specific but neither grants list nor \
                                  denies"
                            .to_string(),
                    });
                } else {
                    ev.losers.push(priority_loser(winner, c));
                }
            }
        } else if let Some(best) = cands.first() {
            ev.via = Via::NonExact;
            ev.winner = Some(best.rule);
            for c in cands.iter().skip(1) {
                ev.losers.push(priority_loser(best, c));
            }
        }
        // Shorter prefix rules also match but are never consulted (no inheritance).
        let mut prefixes: Vec<usize> = Vec::new();
        self.prefix.for_each_prefix(path.as_bytes(), |_, id| prefixes.push(*id));
        prefixes.pop(); // the longest one is a candidate above
        for id in prefixes {
            if Some(id) != ev.winner && !ev.losers.iter().any(|l| l.rule == id) {
                ev.losers.push(Loser {
                    rule: id,
                    reason: "not-longest-prefix",
                    message: "only the single longest matching prefix rule is a candidate; \
                              shorter prefixes are not inherited"
                        .to_string(),
                });
            }
        }
        ev
    }
}

fn priority_loser(best: &Desc<'_>, c: &Desc<'_>) -> Loser {
    let (_, step) = compare(best, c);
    let (reason, message) = match step {
        Step::Position => (
            "priority-position",
            format!(
                "the winner's first wildcard/glob is at position {}, this rule's at {} \
                 (later wins)",
                best.first, c.first
            ),
        ),
        Step::NoGlob => (
            "priority-no-glob",
            "same first wildcard position; a rule without a trailing '*' beats one with it"
                .to_string(),
        ),
        Step::Wildcards => (
            "priority-fewer-wildcards",
            format!(
                "same position and glob; fewer '+' segments wins ({} vs {})",
                best.wildcards, c.wildcards
            ),
        ),
        Step::Length => (
            "priority-longer",
            format!(
                "same position, glob and '+' count; the longer rule wins ({} vs {} characters)",
                best.path.len(),
                c.path.len()
            ),
        ),
        Step::Lexical => (
            "priority-lexical",
            "identical priority; Vault's last tie-break prefers the lexicographically greater \
             rule"
                .to_string(),
        ),
    };
    Loser { rule: c.rule, reason, message }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Step {
    Position,
    NoGlob,
    Wildcards,
    Length,
    Lexical,
}

/// Vault's `less`, as "how does `a` compare to `b` in priority" plus the deciding step.
fn compare(a: &Desc<'_>, b: &Desc<'_>) -> (Ordering, Step) {
    let steps = [
        (a.first.cmp(&b.first), Step::Position),
        (b.is_prefix.cmp(&a.is_prefix), Step::NoGlob),
        (b.wildcards.cmp(&a.wildcards), Step::Wildcards),
        (a.path.len().cmp(&b.path.len()), Step::Length),
        (a.path.cmp(b.path), Step::Lexical),
    ];
    for (ord, step) in steps {
        if ord != Ordering::Equal {
            return (ord, step);
        }
    }
    (Ordering::Equal, Step::Lexical)
}
