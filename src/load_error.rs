//! [`LoadError`]: why a token or document could not be read by one layer — too large, not JSON,
//! or the layer's own refusal. Layers below [`crate::Error`] return it instead of the top-level
//! error, so no layer depends on the ones above it; `?` flattens it into [`crate::Error`].

use core::fmt;

use crate::code::Code;
use crate::json::JsonError;
use crate::limits::LimitExceeded;

/// A layer error that carries a stable [`Code`].
pub trait Coded: fmt::Display + fmt::Debug {
    /// The stable machine code.
    fn code(&self) -> Code;
}

/// A token or document refused while loading: a size limit, its JSON, or layer `E`'s own rules.
#[derive(Clone, Debug, PartialEq)]
pub enum LoadError<E> {
    /// A configured size limit was exceeded.
    Limit(LimitExceeded),
    /// The JSON is invalid.
    Json(JsonError),
    /// The layer's own refusal.
    Layer(E),
}

impl<E: Coded> LoadError<E> {
    /// The stable machine code for this error.
    pub fn code(&self) -> Code {
        match self {
            LoadError::Limit(_) => Code::LimitExceeded,
            LoadError::Json(e) => e.code(),
            LoadError::Layer(e) => e.code(),
        }
    }
}

impl<E: Coded> fmt::Display for LoadError<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LoadError::Limit(e) => fmt::Display::fmt(e, f),
            LoadError::Json(e) => fmt::Display::fmt(e, f),
            LoadError::Layer(e) => fmt::Display::fmt(e, f),
        }
    }
}

impl<E: Coded> core::error::Error for LoadError<E> {}

impl<E> From<LimitExceeded> for LoadError<E> {
    fn from(e: LimitExceeded) -> Self {
        LoadError::Limit(e)
    }
}

impl<E> From<JsonError> for LoadError<E> {
    fn from(e: JsonError) -> Self {
        LoadError::Json(e)
    }
}
