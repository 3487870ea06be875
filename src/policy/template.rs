//! Identity templating exactly as Vault's `sdk/helper/identitytpl` does it in ACL mode.
//!
//! - The string is split on `{{`; a `}}` before the first `{{` is unbalanced; every later piece
//!   must split on `}}` into exactly two parts. The directive is `TrimSpace`d.
//! - Selectors: `identity.entity.{id,name,metadata.<k>}`,
//!   `identity.entity.aliases.<accessor>.{id,name,metadata.<k>,custom_metadata.<k>}`,
//!   `identity.groups.{ids,names}.<x>.{id,name,metadata.<k>}`, `time.now[.plus|.minus.<dur>]`.
//!   Errors use Vault's wording.
//! - Each substituted value containing `*` or `+` is refused (Vault's 2026 fix), and one
//!   containing `/` when `deny_slash_in_templated_paths` is set.
//!
//! Offline, the entity is built from the verified alias (see [`TemplateContext::for_alias`]);
//! entity id/name/metadata, alias id, custom metadata and groups are only what the caller adds.

use alloc::collections::BTreeMap;
use alloc::format;
use alloc::string::{String, ToString};
use alloc::vec::Vec;
use core::fmt;

use serde::{Deserialize, Serialize};

use crate::duration::parse_duration_second;
use crate::identity::Alias;
use crate::time::UnixTime;

/// What a template can read: the entity (with its aliases), its groups, the time and options.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct TemplateContext {
    /// The entity; `None` renders every `identity.entity.*` directive as Vault's
    /// "no entity was provided" error.
    pub entity: Option<Entity>,
    /// The entity's groups (direct and inherited), from the caller.
    pub groups: Vec<Group>,
    /// `time.now`.
    pub now: UnixTime,
    /// Vault's `deny_slash_in_templated_paths` server option.
    pub deny_slash_in_templated_paths: bool,
}

impl Default for TemplateContext {
    fn default() -> Self {
        TemplateContext {
            entity: None,
            groups: Vec::new(),
            now: UnixTime(0),
            deny_slash_in_templated_paths: false,
        }
    }
}

/// The parts of a Vault identity entity templates can read.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Entity {
    /// `identity.entity.id` (not visible offline: Vault generates it).
    pub id: String,
    /// `identity.entity.name` (not visible offline).
    pub name: String,
    /// `identity.entity.metadata` (operator-set, not visible offline).
    pub metadata: BTreeMap<String, String>,
    /// The entity's aliases; the first one with a given accessor wins.
    pub aliases: Vec<EntityAlias>,
}

/// One alias of the entity.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct EntityAlias {
    /// The auth mount accessor (`auth_jwt_1a2b3c4d`), or the `AUTH_METHOD_ACCESSOR` placeholder.
    pub mount_accessor: String,
    /// Alias id (not visible offline).
    pub id: String,
    /// Alias name (the role's `user_claim` value).
    pub name: String,
    /// Alias metadata (`claim_mappings` results plus `role`).
    pub metadata: BTreeMap<String, String>,
    /// Operator-set custom metadata (not visible offline).
    pub custom_metadata: BTreeMap<String, String>,
}

/// One identity group of the entity.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Group {
    /// Group id.
    pub id: String,
    /// Group name.
    pub name: String,
    /// Group metadata.
    pub metadata: BTreeMap<String, String>,
}

impl TemplateContext {
    /// The context Vault would build after a JWT login: an entity whose alias under `accessor`
    /// is `alias` (name and metadata). Entity id/name are unknown offline and stay empty.
    pub fn for_alias(alias: &Alias, accessor: &str, now: UnixTime) -> Self {
        let entity = Entity {
            aliases: alloc::vec![EntityAlias {
                mount_accessor: accessor.to_string(),
                name: alias.name.clone(),
                metadata: alias.metadata.clone(),
                ..EntityAlias::default()
            }],
            ..Entity::default()
        };
        TemplateContext { entity: Some(entity), now, ..TemplateContext::default() }
    }
}

/// Why a template could not be rendered (Vault's wording in `Display`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[non_exhaustive]
pub enum TemplateError {
    /// `unbalanced templating characters`.
    Unbalanced,
    /// `string contains entity template directives but no entity was provided`.
    NoEntity,
    /// `string contains groups template directives but no groups were provided`.
    NoGroups,
    /// `no value could be found for one of the template directives`.
    NotFound,
    /// `invalid alias selector`.
    InvalidAliasSelector,
    /// `alias not found`: no alias with that mount accessor.
    AliasNotFound {
        /// The accessor the directive names.
        accessor: String,
    },
    /// `entity is not a member of group "<x>"`.
    NotGroupMember {
        /// The group id or name the directive names.
        group: String,
    },
    /// `invalid groups selector`.
    InvalidGroupsSelector,
    /// `invalid groups accessor`.
    InvalidGroupsAccessor,
    /// `invalid time selector "<s>"`.
    InvalidTimeSelector {
        /// The selector.
        selector: String,
    },
    /// `missing time operand`.
    MissingTimeOperand,
    /// `invalid time operator "<op>"`.
    InvalidTimeOperator {
        /// The operator.
        operator: String,
    },
    /// `invalid duration: <reason>`.
    InvalidDuration {
        /// Go's reason.
        reason: String,
    },
    /// `globs and wildcards are not allowed in template result`.
    Wildcard {
        /// The refused value.
        value: String,
    },
    /// `templated policy paths cannot contain '/' when denied via configuration`.
    Slash {
        /// The refused value.
        value: String,
    },
}

impl fmt::Display for TemplateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TemplateError::Unbalanced => f.write_str("unbalanced templating characters"),
            TemplateError::NoEntity => {
                f.write_str("string contains entity template directives but no entity was provided")
            }
            TemplateError::NoGroups => f.write_str(
                "string contains groups template directives but no groups were provided",
            ),
            TemplateError::NotFound => {
                f.write_str("no value could be found for one of the template directives")
            }
            TemplateError::InvalidAliasSelector => f.write_str("invalid alias selector"),
            TemplateError::AliasNotFound { .. } => f.write_str("alias not found"),
            TemplateError::NotGroupMember { group } => {
                write!(f, "entity is not a member of group {group:?}")
            }
            TemplateError::InvalidGroupsSelector => f.write_str("invalid groups selector"),
            TemplateError::InvalidGroupsAccessor => f.write_str("invalid groups accessor"),
            TemplateError::InvalidTimeSelector { selector } => {
                write!(f, "invalid time selector {selector:?}")
            }
            TemplateError::MissingTimeOperand => f.write_str("missing time operand"),
            TemplateError::InvalidTimeOperator { operator } => {
                write!(f, "invalid time operator {operator:?}")
            }
            TemplateError::InvalidDuration { reason } => write!(f, "invalid duration: {reason}"),
            TemplateError::Wildcard { .. } => {
                f.write_str("globs and wildcards are not allowed in template result")
            }
            TemplateError::Slash { .. } => f.write_str(
                "templated policy paths cannot contain '/' when denied via configuration",
            ),
        }
    }
}

/// A rendering failure: the error and the directive (trimmed) that caused it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RenderFailure {
    /// The directive text inside the braces, trimmed (empty for balance errors).
    pub directive: String,
    /// What went wrong.
    pub error: TemplateError,
}

/// Vault's write-time check (`ValidityCheckOnly`): `Ok(true)` when the string has directives.
pub fn check_balanced(s: &str) -> Result<bool, TemplateError> {
    let mut pieces = s.split("{{");
    let first = pieces.next().unwrap_or("");
    if first.contains("}}") {
        return Err(TemplateError::Unbalanced);
    }
    let mut templated = false;
    for piece in pieces {
        if piece.split("}}").count() != 2 {
            return Err(TemplateError::Unbalanced);
        }
        templated = true;
    }
    Ok(templated)
}

/// Renders `s` (ACL mode). Strings without `{{` come back unchanged.
pub fn render(s: &str, ctx: &TemplateContext) -> Result<String, RenderFailure> {
    let fail = |directive: &str, error| RenderFailure { directive: directive.to_string(), error };
    check_balanced(s).map_err(|e| fail("", e))?;
    let mut pieces = s.split("{{");
    let mut out = String::from(pieces.next().unwrap_or(""));
    for piece in pieces {
        let mut parts = piece.split("}}");
        let directive = parts.next().unwrap_or("").trim();
        let rest = parts.next().unwrap_or("");
        let value = directive_value(directive, ctx).map_err(|e| fail(directive, e))?;
        if value.contains(['*', '+']) {
            return Err(fail(directive, TemplateError::Wildcard { value }));
        }
        if ctx.deny_slash_in_templated_paths && value.contains('/') {
            return Err(fail(directive, TemplateError::Slash { value }));
        }
        out.push_str(&value);
        out.push_str(rest);
    }
    Ok(out)
}

/// ACL-mode handler: an empty plain string is "not found"; a map lookup returns the value even
/// when it is empty; whole maps and lists are "not found".
fn non_empty(v: &str) -> Result<String, TemplateError> {
    if v.is_empty() {
        Err(TemplateError::NotFound)
    } else {
        Ok(v.to_string())
    }
}

fn lookup(map: &BTreeMap<String, String>, key: &str) -> Result<String, TemplateError> {
    map.get(key).cloned().ok_or(TemplateError::NotFound)
}

fn directive_value(d: &str, ctx: &TemplateContext) -> Result<String, TemplateError> {
    if let Some(rest) = d.strip_prefix("identity.entity.") {
        let entity = ctx.entity.as_ref().ok_or(TemplateError::NoEntity)?;
        return entity_value(rest, entity);
    }
    if let Some(rest) = d.strip_prefix("identity.groups.") {
        if ctx.groups.is_empty() {
            return Err(TemplateError::NoGroups);
        }
        return group_value(rest, &ctx.groups);
    }
    if let Some(rest) = d.strip_prefix("time.") {
        return time_value(rest, ctx.now);
    }
    Err(TemplateError::NotFound)
}

fn entity_value(rest: &str, entity: &Entity) -> Result<String, TemplateError> {
    match rest {
        "id" => return non_empty(&entity.id),
        "name" => return non_empty(&entity.name),
        "metadata" | "groups.names" | "groups.ids" => return Err(TemplateError::NotFound),
        _ => {}
    }
    if let Some(key) = rest.strip_prefix("metadata.") {
        return lookup(&entity.metadata, key);
    }
    if let Some(sel) = rest.strip_prefix("aliases.") {
        let Some((accessor, field)) = sel.split_once('.') else {
            return Err(TemplateError::InvalidAliasSelector);
        };
        let alias = entity
            .aliases
            .iter()
            .find(|a| a.mount_accessor == accessor)
            .ok_or_else(|| TemplateError::AliasNotFound { accessor: accessor.to_string() })?;
        return match field {
            "id" => non_empty(&alias.id),
            "name" => non_empty(&alias.name),
            "metadata" | "custom_metadata" => Err(TemplateError::NotFound),
            _ => {
                if let Some(key) = field.strip_prefix("metadata.") {
                    lookup(&alias.metadata, key)
                } else if let Some(key) = field.strip_prefix("custom_metadata.") {
                    lookup(&alias.custom_metadata, key)
                } else {
                    Err(TemplateError::NotFound)
                }
            }
        };
    }
    Err(TemplateError::NotFound)
}

fn group_value(rest: &str, groups: &[Group]) -> Result<String, TemplateError> {
    let Some((kind, rest)) = rest.split_once('.') else {
        return Err(TemplateError::InvalidGroupsSelector);
    };
    let by_id = match kind {
        "ids" => true,
        "names" => false,
        _ => return Err(TemplateError::InvalidGroupsSelector),
    };
    let Some((which, field)) = rest.split_once('.') else {
        return Err(TemplateError::InvalidGroupsAccessor);
    };
    let group = groups
        .iter()
        .find(|g| if by_id { g.id == which } else { g.name == which })
        .ok_or_else(|| TemplateError::NotGroupMember { group: which.to_string() })?;
    match field {
        // Vault returns the id even when empty, but refuses an empty name.
        "id" => Ok(group.id.clone()),
        "name" => non_empty(&group.name),
        _ => match field.strip_prefix("metadata.") {
            Some(key) => lookup(&group.metadata, key),
            None => Err(TemplateError::NotFound),
        },
    }
}

fn time_value(rest: &str, now: UnixTime) -> Result<String, TemplateError> {
    let mut ops = rest.splitn(3, '.');
    let selector = ops.next().unwrap_or("");
    if selector != "now" {
        return Err(TemplateError::InvalidTimeSelector { selector: selector.to_string() });
    }
    let (Some(op), Some(operand)) = (ops.next(), ops.next()) else {
        return if rest == "now" {
            Ok(format!("{}", now.seconds()))
        } else {
            Err(TemplateError::MissingTimeOperand)
        };
    };
    let ns = parse_duration_second(operand)
        .map_err(|reason| TemplateError::InvalidDuration { reason })?;
    let ns = i128::from(ns);
    let shifted = match op {
        "plus" => i128::from(now.seconds()) * 1_000_000_000 + ns,
        "minus" => i128::from(now.seconds()) * 1_000_000_000 - ns,
        _ => return Err(TemplateError::InvalidTimeOperator { operator: op.to_string() }),
    };
    // Go's Time.Unix() floors towards negative infinity.
    Ok(format!("{}", shifted.div_euclid(1_000_000_000)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ctx() -> TemplateContext {
        let mut alias = Alias { name: "mongo".into(), ..Alias::default() };
        alias.metadata.insert("nomad_namespace".into(), "default".into());
        alias.metadata.insert("empty".into(), String::new());
        TemplateContext::for_alias(&alias, "auth_jwt_1234", UnixTime(1_700_000_000))
    }

    #[test]
    fn renders_alias_metadata_and_time() {
        let c = ctx();
        let r = render(
            "kv/data/{{ identity.entity.aliases.auth_jwt_1234.metadata.nomad_namespace }}/x",
            &c,
        );
        assert_eq!(r.unwrap(), "kv/data/default/x");
        assert_eq!(
            render("a/{{identity.entity.aliases.auth_jwt_1234.metadata.empty}}/b", &c).unwrap(),
            "a//b"
        );
        assert_eq!(render("t/{{time.now.plus.1h}}", &c).unwrap(), "t/1700003600");
        assert_eq!(render("{{x}}}", &c).unwrap_err().error, TemplateError::NotFound);
    }

    #[test]
    fn errors_use_vault_wording() {
        let c = ctx();
        let e = render("a/{{identity.entity.aliases.other.name}}", &c).unwrap_err();
        assert_eq!(e.error.to_string(), "alias not found");
        assert_eq!(e.directive, "identity.entity.aliases.other.name");
        assert_eq!(check_balanced("a}}{{b"), Err(TemplateError::Unbalanced));
        assert_eq!(check_balanced("{{a}}}}"), Err(TemplateError::Unbalanced));
        assert_eq!(
            render("{{time.now.plus}}", &c).unwrap_err().error,
            TemplateError::MissingTimeOperand
        );
    }
}
