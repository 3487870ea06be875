//! The Envoy front end's own failures: everything the filter decides before or around the core
//! (where the token is, whether keys are available, whether the configuration is usable).

use alloc::string::String;
use core::fmt;

use super::path::PathProblem;
use crate::code::Code;

/// A request or configuration failure raised by the filter itself. Token failures found by the
/// core arrive as [`FilterError::Core`] and keep the core's code.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum FilterError {
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
    /// The request path is not in normal form (see [`super::path`]); refused with 400 before
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

impl FilterError {
    /// The stable machine code.
    pub fn code(&self) -> Code {
        match self {
            FilterError::ConfigInvalid { .. } => Code::FilterConfigInvalid,
            FilterError::TokenMissing => Code::TokenMissing,
            FilterError::PathInvalid(_) => Code::RequestInvalid,
            FilterError::Internal { .. } => Code::Internal,
            FilterError::TokenMultiple { .. } => Code::TokenMultiple,
            FilterError::TokenEncoding { .. } => Code::JwsMalformed,
            FilterError::TokenTooLong { .. } => Code::LimitExceeded,
            FilterError::JwksUnavailable { .. } => Code::JwksUnavailable,
            FilterError::Denied { code, .. } => *code,
            FilterError::SubjectNotAllowed { .. } => Code::JwtSubjectMismatch,
            FilterError::LifetimeExceeded { remaining: None, .. } => Code::JwtClaimMissing,
            FilterError::LifetimeExceeded { .. } => Code::JwtLifetimeExceeded,
            FilterError::Core(e) => e.code(),
        }
    }
}

impl fmt::Display for FilterError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FilterError::ConfigInvalid { field, reason } => {
                let at = if field.is_empty() { "/" } else { field };
                write!(f, "invalid filter configuration at {at}: {reason}")
            }
            FilterError::TokenMissing => f.write_str("token is missing"),
            FilterError::TokenMultiple { locations } => {
                write!(f, "more than one token in the request ({locations})")
            }
            FilterError::TokenEncoding { location } => {
                write!(f, "token in {location} is not a printable ASCII string")
            }
            FilterError::PathInvalid(p) => p.fmt(f),
            FilterError::Internal { what } => write!(f, "internal filter failure: {what}"),
            FilterError::TokenTooLong { location, len, max } => {
                write!(f, "token in {location} is {len} bytes, more than max_token_len ({max})")
            }
            FilterError::JwksUnavailable { provider, reason } => {
                write!(f, "keys of provider {provider:?} are unavailable: {reason}")
            }
            FilterError::Denied { message, .. } => f.write_str(message),
            FilterError::SubjectNotAllowed { subject: Some(s), matcher } => {
                write!(f, "sub {s:?} does not match subjects: {matcher}")
            }
            FilterError::SubjectNotAllowed { subject: None, matcher } => {
                write!(f, "token has no sub; subjects requires {matcher}")
            }
            FilterError::LifetimeExceeded { remaining: None, max } => {
                write!(f, "token has no exp; max_lifetime_seconds ({max}) requires one")
            }
            FilterError::LifetimeExceeded { remaining: Some(r), max } => {
                write!(f, "token expires in {r} s, max_lifetime_seconds is {max}")
            }
            FilterError::Core(e) => e.fmt(f),
        }
    }
}

impl From<crate::Error> for FilterError {
    fn from(e: crate::Error) -> Self {
        FilterError::Core(e)
    }
}
