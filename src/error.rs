//! The top-level [`Error`]: one variant per layer. Its machine [`Code`] lives in the leaf module
//! `code`, so the layers below never import this one.

use core::fmt;

pub use crate::code::Code;

use crate::aws::AwsError;
use crate::claims::vault::LoginError;
use crate::claims::ClaimError;
use crate::jose::{JoseError, KeyError};
use crate::json::JsonError;
use crate::limits::LimitExceeded;
use crate::load_error::LoadError;
use crate::policy::PolicyError;
use crate::role::ConfigError;

/// Any failure jwtgate reports, one variant per layer.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum Error {
    /// A configured size limit was exceeded.
    Limit(LimitExceeded),
    /// A JSON document is invalid.
    Json(JsonError),
    /// The compact JWS or its header is invalid.
    Jose(JoseError),
    /// Key parsing, key selection or the signature failed.
    Key(KeyError),
    /// A claim check failed.
    Claim(ClaimError),
    /// The Vault role, auth config or caller options are invalid.
    Config(ConfigError),
    /// A Vault policy or an authorization request is invalid (boxed: its variants carry the
    /// offending line of the document, which would otherwise grow every `Result` in the crate).
    Policy(alloc::boxed::Box<PolicyError>),
    /// An AWS IAM trust policy or AWS options are invalid.
    Aws(AwsError),
}

impl Error {
    /// The stable machine code for this error.
    pub fn code(&self) -> Code {
        match self {
            Error::Limit(_) => Code::LimitExceeded,
            Error::Json(e) => e.code(),
            Error::Jose(e) => e.code(),
            Error::Key(e) => e.code(),
            Error::Claim(e) => e.code(),
            Error::Config(e) => e.code(),
            Error::Policy(e) => e.code(),
            Error::Aws(e) => e.code(),
        }
    }
}

impl From<PolicyError> for Error {
    fn from(e: PolicyError) -> Self {
        Error::Policy(alloc::boxed::Box::new(e))
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Limit(e) => e.fmt(f),
            Error::Json(e) => e.fmt(f),
            Error::Jose(e) => e.fmt(f),
            Error::Key(e) => e.fmt(f),
            Error::Claim(e) => e.fmt(f),
            Error::Config(e) => e.fmt(f),
            Error::Policy(e) => e.fmt(f),
            Error::Aws(e) => e.fmt(f),
        }
    }
}

impl core::error::Error for Error {}

macro_rules! from_layer {
    ($($ty:ty => $variant:ident),* $(,)?) => {
        $( impl From<$ty> for Error { fn from(e: $ty) -> Self { Error::$variant(e) } } )*
    };
}

from_layer! {
    LimitExceeded => Limit,
    JsonError => Json,
    JoseError => Jose,
    KeyError => Key,
    ClaimError => Claim,
    ConfigError => Config,
    AwsError => Aws,
}

impl<E> From<LoadError<E>> for Error
where
    Error: From<E>,
{
    fn from(e: LoadError<E>) -> Self {
        match e {
            LoadError::Limit(e) => Error::Limit(e),
            LoadError::Json(e) => Error::Json(e),
            LoadError::Layer(e) => e.into(),
        }
    }
}

impl From<LoginError> for Error {
    fn from(e: LoginError) -> Self {
        match e {
            LoginError::Role(e) => Error::Config(e),
            LoginError::Claim(e) => Error::Claim(e),
        }
    }
}
