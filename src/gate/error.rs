//! The Envoy front end's own failures: everything the filter decides before or around the core
//! (where the token is, whether keys are available, whether the configuration is usable).

use alloc::string::String;
use core::fmt;

use super::path::PathProblem;
use crate::code::Code;

/// A request or configuration failure raised by the filter itself. Token failures found by the
/// core arrive as [`GateError::Core`] and keep the core's code.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum GateError {
    /// The plugin configuration is unusable.
    ConfigInvalid {
        /// The offending member as a JSON pointer (`/providers/0/remote_jwks/cluster`; the
        /// empty pointer is the document itself, shown as `/`).
        field: String,
        /// What is wrong with it.
        reason: String,
    },
    /// No token in any configured location.
    TokenMissing,
    /// The request path is not in normal form (see `gate::path`); refused with 400 before
    /// any rule or policy decision.
    PathInvalid(PathProblem),
    /// The filter reached a state it should never be in (a re-entered borrow, a provider index
    /// out of range); the request is refused with 503 rather than let through.
    Internal {
        /// What went wrong, for the log and the body.
        what: &'static str,
    },
    /// More than one token (or one header carrying several credentials).
    TokenMultiple {
        /// Where they were found.
        locations: String,
    },
    /// The credential is not a printable ASCII token (non-UTF-8 bytes, control characters).
    TokenEncoding {
        /// Where it was found.
        location: String,
    },
    /// The credential is longer than the configured limit; refused before any parsing.
    TokenTooLong {
        /// Where it was found.
        location: String,
        /// Its length in bytes.
        len: usize,
        /// The limit.
        max: usize,
    },
    /// The provider's remote JWKS could not be fetched.
    JwksUnavailable {
        /// The provider name.
        provider: String,
        /// Why the last attempt failed.
        reason: String,
    },
    /// The policies deny this request.
    Denied {
        /// The stable code (the core's, or `ERR_POLICY_DENIED`).
        code: Code,
        /// The explanation.
        message: String,
    },
    /// The token's `sub` does not match the provider's `subjects` (`jwt_authn`'s
    /// `isSubjectAllowed`).
    SubjectNotAllowed {
        /// The token's `sub`, if it has one.
        subject: Option<String>,
        /// The matcher, as configured.
        matcher: String,
    },
    /// The token has no `exp`, or expires later than the provider's `max_lifetime_seconds`
    /// from now (`jwt_authn`'s `isLifetimeAllowed`).
    LifetimeExceeded {
        /// `exp - now`, or `None` without `exp`.
        remaining: Option<i64>,
        /// The configured maximum, in seconds.
        max: u64,
    },
    /// The core refused the token.
    Core(crate::Error),
}

impl GateError {
    /// The stable machine code.
    pub fn code(&self) -> Code {
        match self {
            GateError::ConfigInvalid { .. } => Code::FilterConfigInvalid,
            GateError::TokenMissing => Code::TokenMissing,
            GateError::PathInvalid(_) => Code::RequestInvalid,
            GateError::Internal { .. } => Code::Internal,
            GateError::TokenMultiple { .. } => Code::TokenMultiple,
            GateError::TokenEncoding { .. } => Code::JwsMalformed,
            GateError::TokenTooLong { .. } => Code::LimitExceeded,
            GateError::JwksUnavailable { .. } => Code::JwksUnavailable,
            GateError::Denied { code, .. } => *code,
            GateError::SubjectNotAllowed { .. } => Code::JwtSubjectMismatch,
            GateError::LifetimeExceeded { remaining: None, .. } => Code::JwtClaimMissing,
            GateError::LifetimeExceeded { .. } => Code::JwtLifetimeExceeded,
            GateError::Core(e) => e.code(),
        }
    }
}

impl fmt::Display for GateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            GateError::ConfigInvalid { field, reason } => {
                let at = if field.is_empty() { "/" } else { field };
                write!(f, "invalid filter configuration at {at}: {reason}")
            }
            GateError::TokenMissing => f.write_str("token is missing"),
            GateError::TokenMultiple { locations } => {
                write!(f, "more than one token in the request ({locations})")
            }
            GateError::TokenEncoding { location } => {
                write!(f, "token in {location} is not a printable ASCII string")
            }
            GateError::PathInvalid(p) => p.fmt(f),
            GateError::Internal { what } => write!(f, "internal filter failure: {what}"),
            GateError::TokenTooLong { location, len, max } => {
                write!(f, "token in {location} is {len} bytes, more than max_token_len ({max})")
            }
            GateError::JwksUnavailable { provider, reason } => {
                write!(f, "keys of provider {provider:?} are unavailable: {reason}")
            }
            GateError::Denied { message, .. } => f.write_str(message),
            GateError::SubjectNotAllowed { subject: Some(s), matcher } => {
                write!(f, "sub {s:?} does not match subjects: {matcher}")
            }
            GateError::SubjectNotAllowed { subject: None, matcher } => {
                write!(f, "token has no sub; subjects requires {matcher}")
            }
            GateError::LifetimeExceeded { remaining: None, max } => {
                write!(f, "token has no exp; max_lifetime_seconds ({max}) requires one")
            }
            GateError::LifetimeExceeded { remaining: Some(r), max } => {
                write!(f, "token expires in {r} s, max_lifetime_seconds is {max}")
            }
            GateError::Core(e) => e.fmt(f),
        }
    }
}

impl From<crate::Error> for GateError {
    fn from(e: crate::Error) -> Self {
        GateError::Core(e)
    }
}
