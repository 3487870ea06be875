//! Whether one answer depends on login order: would another login that shares this token's
//! alias change it?
//!
//! A login that shares the alias has the same alias name, so every alias metadata key the name
//! determines (the analysis' `determined` keys, and `role`) holds this token's value. The
//! *free* keys ([`free_keys`]: templated, filled by `claim_mappings`, not determined) can hold
//! any value. The answer depends on login order when some values of the free keys give the
//! other verdict:
//! - **allowed → denied**: e.g. the free keys set to a value no path contains (a namespace
//!   this request does not name);
//! - **denied → allowed**: e.g. the free keys set to the values that make a templated path
//!   name this request (`kv/data/{{…nomad_namespace}}/mongo/*` names
//!   `kv/data/prod/mongo/config` with `nomad_namespace = prod`).
//!
//! ## What is decided exactly
//! Vault's answer to one request is a function of the rules whose rendered pattern matches the
//! request path (their rendered text and capabilities: longest prefix, segment wildcards,
//! merging and `deny` all read only those). So only two kinds of value matter for a free key:
//! a value under which some templated path matches the request (found by matching each
//! templated path against the request path, each free directive a variable that takes any
//! substring, [`captures`]), and a value no path contains (`fresh`). Every assignment of the
//! free keys gives the same matching rules as one built from those values alone (replace each
//! other value by `fresh`: the rules that matched keep their values, the others contain
//! `fresh` and still do not match). Every such assignment is decided by the same evaluator as
//! the answer itself ([`crate::authorize`]), so the answer is exact under these assumptions:
//! - any value is possible for a free key (jwtgate cannot know which namespaces or jobs exist);
//!   free keys are varied independently, even when the issuer's knowledge ties two of them to
//!   one claim, which can only add "depends" answers;
//! - a `+` written directly beside a free directive (`a{{…}}+`), whose meaning depends on the
//!   value, is not matched: such a path contributes no value (and [`Dependence::exact`] is
//!   false when no other value changes the answer);
//! - at most [`MAX_EVALUATIONS`] assignments are decided; when more would be needed and none
//!   of those changed the answer, the answer is taken as depending with `exact: false`.
//!
//! Groups (`groups_claim`) are not varied: group policies are attached by Vault and not visible
//! offline, so the setup-level `groups_follow_last_login` finding is the only word on them.

use alloc::collections::{BTreeMap, BTreeSet};
use alloc::format;
use alloc::string::{String, ToString};
use alloc::vec::Vec;

use serde::Serialize;

use super::{Analysis, Source};
use crate::authorize::{Authorizer, Request};
use crate::policy::template::{check_balanced, render};
use crate::policy::{Policy, TemplateContext};

/// Most assignments of the free keys one answer is decided under (each renders every policy).
pub const MAX_EVALUATIONS: usize = 64;
/// Most values one templated path contributes for its free keys.
const MAX_CAPTURES: usize = 32;
/// Most steps the match of one templated path takes (free values are tried at every cut of
/// the path, so a path with several free directives could otherwise take polynomial time in
/// the path's length).
const MAX_STEPS: usize = 4096;

/// How one answer depends on login order.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Dependence {
    /// This token's answer (as if it logged in last): `"allowed"` or `"denied"`.
    pub verdict: &'static str,
    /// The other answer, given after another login with the same alias name.
    pub otherwise: &'static str,
    /// That other login's alias metadata, for the keys where it differs from this token's:
    /// the value, or `null` for "any value this request's path does not name there". Empty
    /// when `exact` is false.
    pub login: BTreeMap<String, Option<String>>,
    /// Whether a login that changes the answer was found (false: the search stopped short,
    /// see the module docs, and the answer is taken as depending).
    pub exact: bool,
    /// In words, for the line beside the verdict.
    pub message: String,
}

/// The alias metadata keys another login that shares the alias can change: those templated
/// in a policy (on this mount), filled by `claim_mappings` and not determined by the alias
/// name. Empty when no answer can depend on login order.
pub fn free_keys(analysis: &Analysis) -> Vec<String> {
    let keys: BTreeSet<String> = analysis
        .directives
        .iter()
        .filter(|d| d.source == Source::AliasMetadata && !d.determined && d.source_claim.is_some())
        .filter_map(|d| d.alias_key.clone())
        .collect();
    keys.into_iter().collect()
}

/// One piece of a templated path: text, or a free key's directive.
enum Piece {
    Text(String),
    Free(String),
}

/// A value the request path cannot contain (so a path rendered with it matches nothing).
fn fresh(path: &str) -> String {
    let mut s = String::from("\u{0}other");
    while path.contains(s.as_str()) {
        s.insert(0, '\u{0}');
    }
    s
}

/// The free key a directive reads (alias metadata of `accessor`), if any.
fn free_key<'a>(directive: &'a str, accessor: &str, free: &[String]) -> Option<&'a str> {
    let sel = directive.strip_prefix("identity.entity.aliases.")?;
    let (acc, field) = sel.split_once('.')?;
    let key = field.strip_prefix("metadata.")?;
    (acc == accessor && free.iter().any(|k| k == key)).then_some(key)
}

/// `template` split into text (every other directive rendered from `ctx`) and free
/// directives; `None` when it does not render whatever the free keys hold, or when it has no
/// free directive.
fn pieces(
    template: &str,
    ctx: &TemplateContext,
    accessor: &str,
    free: &[String],
) -> Option<Vec<Piece>> {
    check_balanced(template).ok()?;
    let mut parts = template.split("{{");
    let mut out = alloc::vec![Piece::Text(parts.next().unwrap_or("").to_string())];
    let mut any = false;
    for part in parts {
        let mut halves = part.split("}}");
        let directive = halves.next().unwrap_or("").trim();
        let rest = halves.next().unwrap_or("");
        match free_key(directive, accessor, free) {
            Some(key) => {
                any = true;
                out.push(Piece::Free(key.to_string()));
            }
            None => out.push(Piece::Text(render(&format!("{{{{{directive}}}}}"), ctx).ok()?)),
        }
        out.push(Piece::Text(rest.to_string()));
    }
    any.then_some(out)
}

/// A token of a pattern being matched.
enum Tok<'a> {
    Char(char),
    /// A `+` segment (segment-wildcard patterns only).
    Plus,
    Var(&'a str),
}

/// Every assignment of the free keys under which the pattern `pieces` matches one of `paths`
/// (Vault's ACL patterns: a trailing `*` is a prefix match, a `+` segment matches one
/// segment), and whether that is every one: not when the pattern's meaning depends on a free
/// value (a `+` beside one) or the search was cut short.
fn captures(pieces: &[Piece], paths: &[&str]) -> (Vec<BTreeMap<String, String>>, bool) {
    // The whole pattern's shape, with each free value standing for "something".
    let mut text = String::new();
    for p in pieces {
        match p {
            Piece::Text(t) => text.push_str(t),
            Piece::Free(_) => text.push('\u{1}'),
        }
    }
    let bare = text.strip_prefix('/').unwrap_or(&text);
    if bare.contains("+*") {
        return (Vec::new(), true); // refused by the ACL: never matches
    }
    let segment = bare == "+" || bare.contains("/+") || bare.starts_with("+/");
    let (body, glob) = match bare.strip_suffix('*') {
        Some(b) => (b, true),
        None => (bare, false),
    };
    // A `+` touching a free value: whether it is a wildcard depends on the value.
    if body.contains("\u{1}+") || body.contains("+\u{1}") {
        return (Vec::new(), false);
    }
    let mut toks = Vec::new();
    let mut vars = pieces.iter().filter_map(|p| match p {
        Piece::Free(k) => Some(k.as_str()),
        Piece::Text(_) => None,
    });
    let segs: Vec<&str> = body.split('/').collect();
    for (i, seg) in segs.iter().enumerate() {
        if i > 0 {
            toks.push(Tok::Char('/'));
        }
        if segment && *seg == "+" {
            toks.push(Tok::Plus);
            continue;
        }
        for ch in seg.chars() {
            if ch == '\u{1}' {
                toks.push(Tok::Var(vars.next().unwrap_or_default()));
            } else {
                toks.push(Tok::Char(ch));
            }
        }
    }
    let mut search = Search { out: Vec::new(), steps: 0 };
    for path in paths {
        walk(&toks, path, glob, &mut BTreeMap::new(), &mut search);
    }
    // Cut short: some values may be missing.
    let complete = search.steps < MAX_STEPS && search.out.len() < MAX_CAPTURES;
    (search.out, complete)
}

/// The assignments found so far and the steps taken.
struct Search {
    out: Vec<BTreeMap<String, String>>,
    steps: usize,
}

/// Backtracking match of `toks` against `path` (`glob`: a prefix is enough). Literal characters
/// are matched in a loop, so the recursion is only as deep as the pattern's free directives and
/// `+` segments (at most [`MAX_STEPS`] calls in all).
fn walk<'a>(
    mut toks: &[Tok<'a>],
    mut path: &str,
    glob: bool,
    bound: &mut BTreeMap<String, String>,
    search: &mut Search,
) {
    if search.out.len() >= MAX_CAPTURES || search.steps >= MAX_STEPS {
        return;
    }
    search.steps += 1;
    while let Some((Tok::Char(c), rest)) = toks.split_first() {
        match path.strip_prefix(*c) {
            Some(p) => (toks, path) = (rest, p),
            None => return,
        }
    }
    let Some((first, rest)) = toks.split_first() else {
        if (glob || path.is_empty()) && !search.out.contains(bound) {
            search.out.push(bound.clone());
        }
        return;
    };
    match first {
        // Consumed by the loop above.
        Tok::Char(_) => {}
        Tok::Plus => {
            let end = path.find('/').unwrap_or(path.len());
            walk(rest, &path[end..], glob, bound, search);
        }
        Tok::Var(key) => {
            if let Some(v) = bound.get(*key).cloned() {
                // The same key twice in one path: the same value.
                if let Some(p) = path.strip_prefix(v.as_str()) {
                    walk(rest, p, glob, bound, search);
                }
                return;
            }
            for cut in (0..=path.len()).filter(|c| path.is_char_boundary(*c)) {
                bound.insert((*key).to_string(), path[..cut].to_string());
                walk(rest, &path[cut..], glob, bound, search);
                bound.remove(*key);
            }
        }
    }
}

/// Whether `allowed` (this token's answer to `request`, the policies rendered from `ctx`,
/// whose alias under `accessor` is this token's) depends on login order, given the `free`
/// keys ([`free_keys`]). `None`: no login sharing the alias can change it.
pub fn depends(
    policies: &[Policy],
    ctx: &TemplateContext,
    accessor: &str,
    free: &[String],
    request: &Request,
    allowed: bool,
) -> Option<Dependence> {
    if free.is_empty() {
        return None;
    }
    let own = ctx
        .entity
        .as_ref()
        .and_then(|e| e.aliases.iter().find(|a| a.mount_accessor == accessor))?;
    let own_md = own.metadata.clone();
    let name = own.name.clone();
    let path = request.path.trim_start_matches('/');
    let other = fresh(path);
    // The paths the ACL matches a request against: as given and, for a listing, without its
    // trailing slash; a pattern whose free value starts the path may carry the `/` the ACL
    // strips.
    let slashed = format!("/{path}");
    let mut paths = alloc::vec![path, slashed.as_str()];
    if let Some(p) = path.strip_suffix('/') {
        paths.push(p);
    }
    // Values per free key: `fresh` first, then each capture's.
    let mut values: BTreeMap<&str, Vec<String>> =
        free.iter().map(|k| (k.as_str(), alloc::vec![other.clone()])).collect();
    let mut complete = true;
    for policy in policies {
        for rule in policy.paths.iter().filter(|r| r.templated) {
            let Some(pieces) = pieces(&rule.path, ctx, accessor, free) else { continue };
            let (found, all) = captures(&pieces, &paths);
            complete &= all;
            for assignment in found {
                for (k, v) in assignment {
                    if let Some(list) = values.get_mut(k.as_str()) {
                        if !list.contains(&v) {
                            list.push(v);
                        }
                    }
                }
            }
        }
    }
    let decide = |assign: &BTreeMap<&str, String>| {
        let mut c = ctx.clone();
        if let Some(alias) = c
            .entity
            .as_mut()
            .and_then(|e| e.aliases.iter_mut().find(|a| a.mount_accessor == accessor))
        {
            for (k, v) in assign {
                alias.metadata.insert((*k).to_string(), v.clone());
            }
        }
        Authorizer::new(policies, &c).authorize(request).allowed
    };
    // Every combination, in order (fresh everywhere first), up to the bound.
    let keys: Vec<&str> = values.keys().copied().collect();
    let mut index = alloc::vec![0usize; keys.len()];
    let mut evaluated = 0;
    loop {
        if evaluated >= MAX_EVALUATIONS {
            complete = false;
            break;
        }
        let assign: BTreeMap<&str, String> = keys
            .iter()
            .zip(&index)
            .map(|(k, i)| (*k, values.get(k).and_then(|l| l.get(*i)).cloned().unwrap_or_default()))
            .collect();
        let differs = assign.iter().any(|(k, v)| own_md.get(*k) != Some(v));
        if differs {
            evaluated += 1;
            if decide(&assign) != allowed {
                let login = assign
                    .iter()
                    .filter(|(k, v)| own_md.get(**k) != Some(*v))
                    .map(|(k, v)| ((*k).to_string(), (*v != other).then(|| v.clone())))
                    .collect();
                return Some(dependence(&name, allowed, login, true));
            }
        }
        // Next combination (odometer).
        let mut i = 0;
        loop {
            let Some(slot) = index.get_mut(i) else {
                return (!complete).then(|| dependence(&name, allowed, BTreeMap::new(), false));
            };
            *slot += 1;
            if *slot < keys.get(i).and_then(|k| values.get(k)).map_or(0, Vec::len) {
                break;
            }
            *slot = 0;
            i += 1;
        }
    }
    (!complete).then(|| dependence(&name, allowed, BTreeMap::new(), false))
}

fn word(allowed: bool) -> &'static str {
    if allowed {
        "allowed"
    } else {
        "denied"
    }
}

fn dependence(
    alias: &str,
    allowed: bool,
    login: BTreeMap<String, Option<String>>,
    exact: bool,
) -> Dependence {
    let (now, after) = (word(allowed), word(!allowed));
    let message = if exact {
        let what: Vec<String> = login
            .iter()
            .map(|(k, v)| match v {
                Some(v) => format!("{k} = {v:?}"),
                None => format!("another {k}"),
            })
            .collect();
        format!(
            "{now} while this token is the last to log in with alias {alias:?}; {after} after a \
             login with the same alias and {}",
            what.join(", ")
        )
    } else {
        format!(
            "{now} while this token is the last to log in with alias {alias:?}; another login \
             with the same alias may change it (jwtgate stopped before deciding every value \
             such a login can give)"
        )
    };
    Dependence { verdict: now, otherwise: after, login, exact, message }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::identity::Alias;
    use crate::limits::Limits;
    use crate::policy::parse_policy;
    use crate::time::UnixTime;

    const ACC: &str = "acc";

    /// `text`'s answer to `read path` for alias `mongo` with `ns = default`, and whether it
    /// depends on login order with `ns` free.
    fn check(text: &str, path: &str) -> (bool, Option<Dependence>) {
        let policy = parse_policy("p", text, &Limits::default()).unwrap();
        let mut metadata = BTreeMap::new();
        metadata.insert(String::from("ns"), String::from("default"));
        let alias = Alias { name: "mongo".into(), metadata, groups: Vec::new() };
        let ctx = TemplateContext::for_alias(&alias, ACC, UnixTime(0));
        let req = Request::parse(path, "read").unwrap();
        let policies = [policy];
        let allowed = Authorizer::new(&policies, &ctx).authorize(&req).allowed;
        (allowed, depends(&policies, &ctx, ACC, &[String::from("ns")], &req, allowed))
    }

    fn login(d: &Option<Dependence>) -> Option<Option<&str>> {
        d.as_ref().map(|d| d.login.get("ns").and_then(|v| v.as_deref()))
    }

    #[test]
    fn glob_and_segment_wildcards_around_a_free_value() {
        let ns = "{{identity.entity.aliases.acc.metadata.ns}}";
        // A glob right after the value: any prefix of the rest of the path is a value.
        let p = format!(r#"path "kv/{ns}*" {{ capabilities = ["read"] }}"#);
        let (allowed, d) = check(&p, "kv/prod/x");
        assert!(!allowed);
        // (The first value found is the empty one: `kv/*` names every path.)
        let value = login(&d).flatten().unwrap();
        assert!("prod/x".starts_with(value), "{value:?}");
        assert!(d.is_some_and(|d| d.exact));
        // `+` segments on either side of the value.
        let p = format!(r#"path "kv/+/{ns}/+" {{ capabilities = ["read"] }}"#);
        let (allowed, d) = check(&p, "kv/a/prod/b");
        assert_eq!((allowed, login(&d)), (false, Some(Some("prod"))));
        let (allowed, d) = check(&p, "kv/a/default/b");
        assert_eq!((allowed, login(&d)), (true, Some(None)));
        // A value with `/` (Nomad's dispatched job ids have one) spans segments.
        let p = format!(r#"path "kv/{ns}/cfg" {{ capabilities = ["read"] }}"#);
        let (_, d) = check(&p, "kv/a/b/cfg");
        assert_eq!(login(&d), Some(Some("a/b")));
        // A `+` touching the value: its meaning depends on the value, so not matched.
        let p = format!(r#"path "kv/{ns}+/x" {{ capabilities = ["read"] }}"#);
        let (allowed, d) = check(&p, "kv/prod/x");
        assert!(!allowed);
        assert!(d.is_some_and(|d| !d.exact && d.login.is_empty()));
    }

    #[test]
    fn a_search_too_large_to_finish_is_cut_and_marked_inexact() {
        // Three adjacent free values before a character the path lacks: every split of the
        // path would be tried. The step bound ends it; the answer is taken as depending.
        let d = |k: &str| format!("{{{{identity.entity.aliases.acc.metadata.{k}}}}}");
        let text =
            format!(r#"path "kv/{}{}{}x" {{ capabilities = ["read"] }}"#, d("a"), d("b"), d("c"));
        let policy = parse_policy("p", &text, &Limits::default()).unwrap();
        let alias = Alias { name: "n".into(), metadata: BTreeMap::new(), groups: Vec::new() };
        let ctx = TemplateContext::for_alias(&alias, ACC, UnixTime(0));
        let path = format!("kv/{}", "y".repeat(2000));
        let req = Request::parse(path, "read").unwrap();
        let free = [String::from("a"), String::from("b"), String::from("c")];
        let dep = depends(&[policy], &ctx, ACC, &free, &req, false).unwrap();
        assert!(!dep.exact && dep.login.is_empty(), "{dep:?}");
        assert!(dep.message.contains("may change it"), "{}", dep.message);
    }

    #[test]
    fn a_deny_another_login_renders_flips_an_allowed_answer() {
        let ns = "{{identity.entity.aliases.acc.metadata.ns}}";
        // Allowed by a static rule; a login whose namespace is `secret` denies it exactly.
        let p = format!(
            r#"path "kv/+/cfg" {{ capabilities = ["read"] }}
               path "kv/{ns}/cfg" {{ capabilities = ["deny"] }}"#
        );
        let (allowed, d) = check(&p, "kv/secret/cfg");
        assert!(allowed);
        assert_eq!(login(&d), Some(Some("secret")));
        // A path no templated rule can name never depends on login order.
        let (allowed, d) = check(&p, "other/cfg");
        assert_eq!((allowed, d), (false, None));
        // Without free keys, nothing depends.
        let policy = parse_policy("p", &p, &Limits::default()).unwrap();
        let ctx = TemplateContext::default();
        let req = Request::parse("kv/a/cfg", "read").unwrap();
        assert_eq!(depends(&[policy], &ctx, ACC, &[], &req, true), None);
    }
}
