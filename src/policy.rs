//! Vault ACL policies: parsing (HCL v1 subset and JSON), identity templating, the ACL index and
//! decision, and the HTTP → operation mapping a proxy needs.
//!
//! | job | module |
//! |---|---|
//! | HCL v1 tokens and tree (why not an HCL crate: see its docs) | [`hcl`] |
//! | tree → [`Policy`], every documented per-path key, Vault's validation | [`parse`] |
//! | `{{identity.…}}` / `{{time.now…}}` rendering, exactly as `identitytpl` | [`template`] |
//! | Go duration strings (`time.now.plus.1h`, `*_wrapping_ttl`) | [`crate::duration`] |
//! | exact / prefix / segment-wildcard stores, merging, priority, decision | [`acl`] |
//! | byte radix tree used by the exact and prefix stores | [`radix`] |
//! | request-body parameter constraints | [`params`] |
//! | method + path → operation | [`http`] |
//!
//! Semantics follow `vault/policy.go`, `vault/acl.go` and `sdk/helper/identitytpl` (see
//! `shared/research/vault-semantics.md` §c–§d); `src/README.md`'s "Authorize" section lists the
//! places we deliberately differ.

use alloc::collections::BTreeMap;
use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;

use serde::Serialize;

use crate::code::Code;
use crate::json::JsonError;
use crate::limits::LimitExceeded;

pub mod acl;
pub mod hcl;
pub mod http;
pub mod params;
pub mod parse;
pub mod radix;
pub mod template;

pub use acl::{Acl, Evaluation, Loser, Operation, Via};
pub use parse::parse_policy;
pub use template::{EntityAlias, Group, TemplateContext, TemplateError};

/// A set of Vault capabilities, as Vault's `CapabilitiesBitmap`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Capabilities(pub u16);

impl Capabilities {
    /// `deny`: overrides every other capability of the same rule.
    pub const DENY: u16 = 1;
    /// `create`.
    pub const CREATE: u16 = 1 << 1;
    /// `read`.
    pub const READ: u16 = 1 << 2;
    /// `update`.
    pub const UPDATE: u16 = 1 << 3;
    /// `delete`.
    pub const DELETE: u16 = 1 << 4;
    /// `list`.
    pub const LIST: u16 = 1 << 5;
    /// `sudo`: root-protected paths need it in addition to the operation's capability.
    pub const SUDO: u16 = 1 << 6;
    /// `patch`.
    pub const PATCH: u16 = 1 << 7;
    /// `subscribe` (event notifications).
    pub const SUBSCRIBE: u16 = 1 << 8;
    /// `recover` (snapshot recovery, Vault 1.20+).
    pub const RECOVER: u16 = 1 << 9;

    /// Every capability name Vault accepts, with its bit, in Vault's display order.
    pub const NAMES: &'static [(&'static str, u16)] = &[
        ("deny", Self::DENY),
        ("sudo", Self::SUDO),
        ("create", Self::CREATE),
        ("read", Self::READ),
        ("update", Self::UPDATE),
        ("patch", Self::PATCH),
        ("delete", Self::DELETE),
        ("list", Self::LIST),
        ("subscribe", Self::SUBSCRIBE),
        ("recover", Self::RECOVER),
    ];

    /// The bit for a capability name, if Vault knows it.
    pub fn bit(name: &str) -> Option<u16> {
        Self::NAMES.iter().find(|(n, _)| *n == name).map(|(_, b)| *b)
    }

    /// Whether the set contains `bit`.
    pub fn has(self, bit: u16) -> bool {
        self.0 & bit != 0
    }

    /// Whether the set is `deny` (which then is the only capability, as Vault stores it).
    pub fn is_deny(self) -> bool {
        self.has(Self::DENY)
    }

    /// The capability names in the set.
    pub fn names(self) -> Vec<&'static str> {
        Self::NAMES.iter().filter(|(_, b)| self.has(*b)).map(|(n, _)| *n).collect()
    }
}

impl Serialize for Capabilities {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.names())
    }
}

impl fmt::Display for Capabilities {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[")?;
        for (i, n) in self.names().iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            f.write_str(n)?;
        }
        f.write_str("]")
    }
}

/// One parsed Vault policy.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Policy {
    /// The policy name (the caller's name, or the document's `name` key when none was given).
    pub name: String,
    /// The `path` blocks, in document order (duplicates kept; they merge in the ACL).
    pub paths: Vec<PathRule>,
    /// Whether any path contains a `{{…}}` directive (Vault's `Templated` flag).
    pub templated: bool,
}

/// One `path "…" { … }` block with every documented key kept.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PathRule {
    /// The path exactly as written (templates not yet rendered).
    pub path: String,
    /// The capability set after the legacy `policy` mapping and the `deny` collapse.
    pub capabilities: Capabilities,
    /// The `capabilities` list as written.
    pub capabilities_written: Vec<String>,
    /// The legacy `policy = "read|write|sudo|deny"` value, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub legacy_policy: Option<String>,
    /// `allowed_parameters` (keys lowercased, as Vault stores them).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub allowed_parameters: Option<BTreeMap<String, Vec<serde_json::Value>>>,
    /// `denied_parameters` (keys lowercased).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub denied_parameters: Option<BTreeMap<String, Vec<serde_json::Value>>>,
    /// `required_parameters`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub required_parameters: Vec<String>,
    /// `min_wrapping_ttl`, in seconds.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub min_wrapping_ttl: Option<i64>,
    /// `max_wrapping_ttl`, in seconds.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_wrapping_ttl: Option<i64>,
    /// `mfa_methods` (Enterprise).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub mfa_methods: Vec<String>,
    /// `control_group` (Enterprise), kept as a JSON value.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub control_group: Option<serde_json::Value>,
    /// `subscribe_event_types`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub subscribe_event_types: Vec<String>,
    /// `comment`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
    /// Whether the path contains a `{{…}}` directive.
    pub templated: bool,
    /// Line of the block in an HCL document (0 for JSON).
    pub line: usize,
}

/// A policy document or an authorization request was refused.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum PolicyError {
    /// HCL syntax error.
    Syntax {
        /// The policy's name.
        policy: String,
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// What is wrong.
        message: String,
        /// The offending line and a caret under the column.
        snippet: String,
    },
    /// A JSON policy is not valid strict JSON.
    Json {
        /// The policy's name.
        policy: String,
        /// The JSON error.
        error: JsonError,
    },
    /// The policy parses but Vault would refuse it (unknown key, bad capability, `+*`, …).
    Invalid {
        /// The policy's name.
        policy: String,
        /// The path block concerned, when there is one.
        path: Option<String>,
        /// 1-based line (0 when unknown, e.g. JSON).
        line: usize,
        /// 1-based column (0 when unknown).
        column: usize,
        /// Vault's wording where it has one.
        message: String,
        /// The offending line and a caret (empty when unknown).
        snippet: String,
    },
    /// A path has unbalanced `{{` / `}}` (Vault refuses such a policy at write time).
    TemplateUnbalanced {
        /// The policy's name.
        policy: String,
        /// The path as written.
        path: String,
    },
    /// An HCL document nests lists or objects deeper than the configured limit or the fixed
    /// cap (`policy::hcl::MAX_DEPTH`).
    Nesting {
        /// The policy's name.
        policy: String,
        /// 1-based line of the list or object one level too deep.
        line: usize,
        /// 1-based column.
        column: usize,
        /// Which cap was hit.
        message: String,
        /// The offending line (clipped) and a caret under the column.
        snippet: String,
    },
    /// The document exceeds a configured limit.
    Limit {
        /// The policy's name.
        policy: String,
        /// The limit.
        limit: LimitExceeded,
    },
    /// An authorization request is invalid (unknown operation or method, path outside the
    /// configured prefix, bad percent-encoding, …).
    Request {
        /// What is wrong.
        message: String,
    },
}

impl PolicyError {
    /// The stable machine code.
    pub fn code(&self) -> Code {
        match self {
            PolicyError::Syntax { .. } => Code::PolicyParse,
            PolicyError::Json { error, .. } => match error {
                JsonError::Limit { .. } => Code::LimitExceeded,
                _ => Code::PolicyParse,
            },
            PolicyError::Nesting { .. } => Code::LimitExceeded,
            PolicyError::Invalid { .. } => Code::PolicyInvalid,
            PolicyError::TemplateUnbalanced { .. } => Code::TemplateUnbalanced,
            PolicyError::Limit { .. } => Code::LimitExceeded,
            PolicyError::Request { .. } => Code::RequestInvalid,
        }
    }

    pub(crate) fn request(message: impl Into<String>) -> Self {
        PolicyError::Request { message: message.into() }
    }
}

impl fmt::Display for PolicyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PolicyError::Syntax { policy, line, column, message, snippet } => write!(
                f,
                "failed to parse policy {policy:?}: at {line}:{column}: {message}\n{snippet}"
            ),
            PolicyError::Json { policy, error } => {
                write!(f, "failed to parse policy {policy:?}: {error}")
            }
            PolicyError::Invalid { policy, path, line, column, message, snippet } => {
                write!(f, "failed to parse policy {policy:?}: ")?;
                if let Some(p) = path {
                    write!(f, "path {p:?}: ")?;
                }
                f.write_str(message)?;
                if *line > 0 {
                    write!(f, " (at {line}:{column})")?;
                }
                if !snippet.is_empty() {
                    write!(f, "\n{snippet}")?;
                }
                Ok(())
            }
            PolicyError::TemplateUnbalanced { policy, path } => write!(
                f,
                "failed to parse policy {policy:?}: failed to validate policy templating: \
                 unbalanced templating characters in path {path:?}"
            ),
            PolicyError::Nesting { policy, line, column, message, snippet } => write!(
                f,
                "failed to parse policy {policy:?}: at {line}:{column}: {message}\n{snippet}"
            ),
            PolicyError::Limit { policy, limit } => write!(f, "policy {policy:?}: {limit}"),
            PolicyError::Request { message } => write!(f, "invalid request: {message}"),
        }
    }
}

impl core::error::Error for PolicyError {}
