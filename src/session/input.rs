//! What callers send beside a token: policies by name and text, and a request as
//! `{ path, capability }` or `{ method, path }` (read here once for `authorize` and the
//! login-order simulation).

use alloc::string::String;
use alloc::vec::Vec;

use serde::Deserialize;

use crate::authorize::{IdentityExtras, Request};
use crate::failure::Failure;
use crate::policy::http::HttpOptions;

/// One policy document and its name.
#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
pub struct PolicyText {
    /// The policy's name (as Vault lists it).
    pub name: String,
    /// HCL or JSON text.
    pub text: String,
}

/// A request to decide: a Vault path with a capability, or an HTTP method and path.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RequestInput {
    /// The path (Vault path, or the HTTP path after `/v1/`).
    pub path: String,
    /// A Vault capability (`read`, `list`, ...).
    pub capability: Option<String>,
    /// An HTTP method (`GET`, `LIST`, ...).
    pub method: Option<String>,
}

impl RequestInput {
    /// The request, or why it cannot be one.
    pub fn to_request(&self) -> Result<Request, Failure> {
        match (&self.method, &self.capability) {
            (Some(_), Some(_)) => {
                Err(Failure::options("request", "give capability or method, not both"))
            }
            (Some(m), None) => Ok(Request::from_http(m, &self.path, &HttpOptions::default())?),
            (None, Some(c)) => Ok(Request::parse(self.path.clone(), c)?),
            (None, None) => Err(Failure::options("request", "give capability or method")),
        }
    }
}

/// The input of `authorize` and `renderPolicies`.
#[derive(Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
pub struct AuthorizeInput {
    /// The policies to render and decide with.
    pub policies: Vec<PolicyText>,
    /// With `policies`: keep them under this id. Alone: the policies kept under it, or
    /// [`crate::session::Answer::Stale`] when they are no longer kept.
    pub set: Option<u64>,
    /// `authorize` answers `rendered: null` (the caller asks `renderPolicies` when it needs
    /// them).
    pub lazy: bool,
    /// With `lazy`: the `members` number of the verification the caller holds.
    pub have: Option<u64>,
    /// The auth mount's accessor ([`crate::identity::DEFAULT_ACCESSOR`] when absent).
    pub accessor: Option<String>,
    /// The request to decide (`authorize`).
    pub request: Option<RequestInput>,
    /// Entity facts a token does not carry.
    pub entity: Option<IdentityExtras>,
}
