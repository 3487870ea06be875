//! What a verified token becomes on the Vault side: an entity alias.

use alloc::collections::BTreeMap;
use alloc::string::String;
use alloc::vec::Vec;

use serde::Serialize;

/// The auth mount accessor templates are rendered under when the caller names none: the
/// placeholder Vault's tutorials write in templated policies
/// (`{{identity.entity.aliases.AUTH_METHOD_ACCESSOR.name}}`), so they render as written.
pub const DEFAULT_ACCESSOR: &str = "AUTH_METHOD_ACCESSOR";

/// The entity alias Vault's JWT auth method would create or update at login.
///
/// Vault renders `identity.entity.aliases.<accessor>.name` / `.metadata.<key>` templates from
/// this (per request, from the *stored* alias — see `src/README.md`, "Verify", on divergences).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Alias {
    /// The alias name: the role's `user_claim` value.
    pub name: String,
    /// `claim_mappings` results plus `role` = the role's name.
    pub metadata: BTreeMap<String, String>,
    /// Group alias names from the role's `groups_claim` (empty when unset).
    pub groups: Vec<String>,
}
