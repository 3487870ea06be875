//! Vault JWT-auth roles and auth-method configuration, read from Vault's own JSON.

use core::fmt;

use crate::error::Code;

/// A Vault role or config (or caller options) is invalid.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ConfigError {
    /// Placeholder until role parsing lands.
    Invalid,
}

impl ConfigError {
    /// The stable machine code.
    pub fn code(&self) -> Code {
        match self {
            ConfigError::Invalid => Code::RoleInvalid,
        }
    }
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConfigError::Invalid => f.write_str("invalid role"),
        }
    }
}
