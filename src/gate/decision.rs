//! What the gate answers: a [`Decision`], and its JSON (the shared contract of every front end:
//! `{verdict, status, code, message, provider, reply, upstream, checks, also_failing, alias,
//! policies, depends_on_login_order, login_order, login_fix}`, members in this order, a member
//! that does not apply left out).

use alloc::boxed::Box;
use alloc::rc::Rc;
use alloc::string::String;
use alloc::vec::Vec;

use serde::Serialize;

use super::reply::LocalReply;
use crate::authorize::AuthorizeReport;
use crate::code::Code;
use crate::identity::Alias;
use crate::login_order::depends::Dependence;
use crate::login_order::{Finding, Suggestion};
use crate::report::{Check, Outcome};

/// The kind of answer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// Verified and authorised: forwarded upstream with the header edits.
    Allow,
    /// Answered locally (400, 401, 403, 503).
    Deny,
    /// Forwarded without a verified token (bypass rule, CORS preflight, `allow_missing`
    /// without a token); every claim header is removed.
    Pass,
    /// Keys are needed: the front end fetches them and asks again.
    Wait,
}

impl Verdict {
    /// `allow`, `deny`, `pass` or `wait`.
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Allow => "allow",
            Verdict::Deny => "deny",
            Verdict::Pass => "pass",
            Verdict::Wait => "wait",
        }
    }
}

/// Why a request was let through without a verified token.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Pass {
    /// A `bypass` rule.
    Bypass,
    /// A CORS preflight (`bypass_cors_preflight`).
    CorsPreflight,
    /// An `allow_missing` rule and no token.
    MissingAllowed,
}

/// One upstream header edit.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Edit {
    /// Set a request header (`:path` rewrites the path).
    Set(Rc<str>, String),
    /// Remove a request header.
    Remove(Rc<str>),
}

/// The edits for a request let through: those its identity implies (claim headers, shared by
/// every request with that token, or without one) and the request's own (the token removed
/// from where it was found).
#[derive(Clone, Debug)]
pub struct Edits {
    pub(super) shared: Rc<[Edit]>,
    pub(super) own: Option<Edit>,
    /// Envoy filter state to publish (`filter_state: true`), empty otherwise.
    pub(super) state: Vec<(String, Vec<u8>)>,
}

impl Edits {
    /// Every edit, in the order to apply them.
    pub fn iter(&self) -> impl Iterator<Item = &Edit> {
        self.shared.iter().chain(&self.own)
    }

    /// The Envoy filter state to publish (`wasm.jwtgate.*`): empty unless `filter_state`.
    pub fn filter_state(&self) -> &[(String, Vec<u8>)] {
        &self.state
    }
}

/// What the front end does.
#[derive(Clone, Debug)]
pub enum Answer {
    /// Forward upstream after these edits.
    Forward(Edits),
    /// Send this local reply.
    Reply(Rc<LocalReply>),
    /// Fetch keys for these providers (indexes into the configuration) and decide again.
    Wait(Vec<usize>),
}

/// The report parts of a full decision ([`super::Detail::Full`]).
#[derive(Clone, Debug, Default)]
pub(super) struct Full {
    pub provider: Option<String>,
    pub message: Option<String>,
    pub checks: Vec<Check>,
    pub alias: Option<Alias>,
    pub policies: Option<AuthorizeReport>,
    pub login_order: Vec<Finding>,
    pub login_fix: Option<Suggestion>,
    pub depends_on_login_order: Option<Dependence>,
}

/// The gate's answer to one request.
#[derive(Clone, Debug)]
pub struct Decision {
    pub(super) verdict: Verdict,
    pub(super) answer: Answer,
    pub(super) code: Option<Code>,
    pub(super) pass: Option<Pass>,
    pub(super) cache_hits: u32,
    pub(super) cache_misses: u32,
    pub(super) full: Option<Box<Full>>,
}

impl Decision {
    pub(super) fn new(verdict: Verdict, answer: Answer) -> Decision {
        Decision {
            verdict,
            answer,
            code: None,
            pass: None,
            cache_hits: 0,
            cache_misses: 0,
            full: None,
        }
    }

    /// The kind of answer.
    pub fn verdict(&self) -> Verdict {
        self.verdict
    }

    /// 200 when forwarded upstream, else the local reply's status; `None` while waiting.
    pub fn status(&self) -> Option<u32> {
        match &self.answer {
            Answer::Forward(_) => Some(200),
            Answer::Reply(r) => Some(r.status),
            Answer::Wait(_) => None,
        }
    }

    /// The stable code of a refusal.
    pub fn code(&self) -> Option<Code> {
        self.code
    }

    /// What the front end does.
    pub fn answer(&self) -> &Answer {
        &self.answer
    }

    /// The answer, by value.
    pub fn into_answer(self) -> Answer {
        self.answer
    }

    /// Why a request passed without a verified token.
    pub fn pass(&self) -> Option<Pass> {
        self.pass
    }

    /// Answer-cache hits and misses while deciding (one per provider tried).
    pub fn cache_use(&self) -> (u32, u32) {
        (self.cache_hits, self.cache_misses)
    }

    /// The verify report's checks (full decisions only; empty otherwise).
    pub fn checks(&self) -> &[Check] {
        self.full.as_ref().map(|f| f.checks.as_slice()).unwrap_or_default()
    }

    /// The failing checks after the first (the first is the verdict's).
    pub fn also_failing(&self) -> impl Iterator<Item = &Check> {
        self.checks().iter().filter(|c| c.outcome == Outcome::Fail).skip(1)
    }

    /// Whether this answer depends on login order: another login sharing the alias would get
    /// the other answer (the mark beside the verdict; `None` when it would not).
    pub fn depends_on_login_order(&self) -> Option<&Dependence> {
        self.full.as_ref().and_then(|f| f.depends_on_login_order.as_ref())
    }

    /// The login-order hazards of the provider's setup (security and reliability findings),
    /// with every answer its Vault policies decide; [`Decision::depends_on_login_order`] says
    /// whether this answer depends on them.
    pub fn login_order(&self) -> &[Finding] {
        self.full.as_ref().map(|f| f.login_order.as_slice()).unwrap_or_default()
    }

    /// The verified fix for [`Decision::login_order`]'s hazards, when one exists.
    pub fn login_fix(&self) -> Option<&Suggestion> {
        self.full.as_ref().and_then(|f| f.login_fix.as_ref())
    }

    /// The decision as compact JSON, members in the contract's order (see the module docs).
    /// A decision made with [`super::Detail::Reply`] carries no report members.
    pub fn to_json(&self) -> String {
        let mut out = String::with_capacity(512);
        out.push_str("{\"verdict\":\"");
        out.push_str(self.verdict.as_str());
        out.push('"');
        if let Some(status) = self.status() {
            out.push_str(",\"status\":");
            out.push_str(itoa(u64::from(status)).as_str());
        }
        if let Some(code) = self.code {
            member(&mut out, "code", code.as_str());
        }
        let full = self.full.as_deref();
        if let Some(m) = full.and_then(|f| f.message.as_deref()) {
            member(&mut out, "message", m);
        }
        if let Some(p) = full.and_then(|f| f.provider.as_deref()) {
            member(&mut out, "provider", p);
        }
        match &self.answer {
            Answer::Reply(r) => {
                out.push_str(",\"reply\":{\"status\":");
                out.push_str(itoa(u64::from(r.status)).as_str());
                out.push_str(",\"headers\":");
                pairs(&mut out, r.headers.iter().map(|(k, v)| (k.as_str(), v.as_str())));
                member(&mut out, "body", &String::from_utf8_lossy(&r.body));
                out.push('}');
            }
            Answer::Forward(edits) => {
                out.push_str(",\"upstream\":{");
                let mut first = true;
                let mut sep = |out: &mut String| {
                    if !first {
                        out.push(',');
                    }
                    first = false;
                };
                let set: Vec<(&str, &str)> = edits
                    .iter()
                    .filter_map(|e| match e {
                        Edit::Set(k, v) if &**k != ":path" => Some((&**k, v.as_str())),
                        _ => None,
                    })
                    .collect();
                if !set.is_empty() {
                    sep(&mut out);
                    out.push_str("\"set\":");
                    pairs(&mut out, set.into_iter());
                }
                let mut removed = edits
                    .iter()
                    .filter_map(|e| match e {
                        Edit::Remove(k) => Some(&**k),
                        _ => None,
                    })
                    .peekable();
                if removed.peek().is_some() {
                    sep(&mut out);
                    out.push_str("\"remove\":[");
                    for (i, k) in removed.enumerate() {
                        if i > 0 {
                            out.push(',');
                        }
                        string(&mut out, k);
                    }
                    out.push(']');
                }
                let path = edits.iter().find_map(|e| match e {
                    Edit::Set(k, v) if &**k == ":path" => Some(v.as_str()),
                    _ => None,
                });
                if let Some(p) = path {
                    sep(&mut out);
                    out.push_str("\"path\":");
                    string(&mut out, p);
                }
                out.push('}');
            }
            Answer::Wait(_) => {}
        }
        if let Some(f) = full {
            if !f.checks.is_empty() {
                out.push_str(",\"checks\":");
                json(&mut out, &f.checks);
                let also: Vec<&Check> = self.also_failing().collect();
                if !also.is_empty() {
                    out.push_str(",\"also_failing\":");
                    json(&mut out, &also);
                }
            }
            if let Some(a) = &f.alias {
                out.push_str(",\"alias\":");
                json(&mut out, a);
            }
            if let Some(p) = &f.policies {
                out.push_str(",\"policies\":");
                json(&mut out, p);
            }
            if let Some(dep) = &f.depends_on_login_order {
                out.push_str(",\"depends_on_login_order\":");
                json(&mut out, dep);
            }
            if !f.login_order.is_empty() {
                out.push_str(",\"login_order\":");
                json(&mut out, &f.login_order);
                if let Some(fix) = &f.login_fix {
                    out.push_str(",\"login_fix\":");
                    json(&mut out, fix);
                }
            }
        }
        out.push('}');
        out
    }
}

fn itoa(n: u64) -> String {
    use alloc::string::ToString;
    n.to_string()
}

/// A JSON string, escaped as serde_json escapes it.
fn string(out: &mut String, s: &str) {
    json(out, &s);
}

/// `,"name":"value"`.
fn member(out: &mut String, name: &str, value: &str) {
    out.push_str(",\"");
    out.push_str(name);
    out.push_str("\":");
    string(out, value);
}

/// `[["k","v"],…]`.
fn pairs<'a>(out: &mut String, list: impl Iterator<Item = (&'a str, &'a str)>) {
    out.push('[');
    for (i, (k, v)) in list.enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push('[');
        string(out, k);
        out.push(',');
        string(out, v);
        out.push(']');
    }
    out.push(']');
}

/// Any serialisable value as compact JSON (nothing here fails to serialise: strings, numbers,
/// maps with string keys).
fn json<T: Serialize + ?Sized>(out: &mut String, value: &T) {
    match serde_json::to_string(value) {
        Ok(s) => out.push_str(&s),
        Err(_) => out.push_str("null"),
    }
}
