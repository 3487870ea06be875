//! Login-order hazards: Vault setups whose answers depend on who logged in last.
//!
//! Vault keys an entity alias by (mount accessor, alias name), the alias name being the role's
//! `user_claim` value, and each login **replaces** the alias metadata with that login's
//! `claim_mappings` (vault-semantics §b). Templated policies are rendered per request from the
//! stored metadata, so a token already issued follows whoever logged in last with the same alias
//! name. With Nomad's tutorial role (`user_claim = nomad_job_id`), two jobs named `web` in
//! namespaces `dev` and `prod` share one alias: after `prod/web` logs in, the token `dev/web`
//! holds renders `kv/data/prod/web/*` (hashicorp/nomad#20099, #20104, #23510, vault#17100).
//!
//! | job | module |
//! |---|---|
//! | what is known about claims (Nomad's built in, the caller's `determines`) | [`knowledge`] |
//! | which directive depends on login order, and why | [`analyze`] |
//! | two colliding example tokens | [`example`] |
//! | the fix, re-checked by the analysis | [`fix`] |
//! | a sequence of logins and requests, as Vault stores and decides it | [`simulate`] |
//! | what a shown verdict carries: the hazards and the fix | [`note`] |
//! | whether one answer depends on login order (another login sharing the alias flips it) | [`depends`] |
//!
//! Finding codes ([`FindingCode`]) are stable: they are only ever added.
//!
//! ```
//! use jwtgate::{analyze_login_order, parse_policy, Limits, Setup, Severity, VaultRole};
//!
//! let role = VaultRole::from_json(br#"{"role_type": "jwt", "bound_audiences": ["vault.io"],
//!   "user_claim": "/nomad_job_id", "user_claim_json_pointer": true,
//!   "claim_mappings": {"nomad_namespace": "nomad_namespace", "nomad_job_id": "nomad_job_id"}}"#,
//!   &Limits::default()).unwrap();
//! let policy = parse_policy("nomad-workloads", r#"path "kv/data/{{identity.entity.aliases.AUTH_METHOD_ACCESSOR.metadata.nomad_namespace}}/{{identity.entity.aliases.AUTH_METHOD_ACCESSOR.metadata.nomad_job_id}}/*" { capabilities = ["read"] }"#, &Limits::default()).unwrap();
//! let a = analyze_login_order(&Setup::new(role, "nomad-workloads", vec![policy]));
//! assert!(a.hazard);
//! assert_eq!(a.findings[0].severity, Severity::Security);
//! assert_eq!(a.findings[0].code.as_str(), "shared_alias_cross_workload");
//! ```

use alloc::string::String;
use alloc::vec::Vec;

use serde::Serialize;
use serde_json::{Map, Value};

use crate::policy::Policy;
use crate::role::VaultRole;

pub mod analyze;
pub mod depends;
pub mod example;
pub mod fix;
pub mod knowledge;
pub mod note;
#[cfg_attr(not(feature = "js"), allow(dead_code))] // the npm front end's login-order answers
pub mod run;
pub mod simulate;

pub use analyze::{analyze, Analysis, DirectiveCheck, Source};
// The crate root re-exports `suggest` and `simulate` by their full paths (here each name is
// also a module's); these short names serve the JS front end.
#[cfg_attr(not(feature = "js"), allow(unused_imports))]
pub use fix::{suggest, Suggestion};
pub use knowledge::{Issuer, Knowledge};
pub use note::LoginOrderNote;
#[cfg_attr(not(feature = "js"), allow(unused_imports))]
pub use simulate::{simulate, Simulation, Step};

/// What the analysis is given.
#[derive(Clone, Debug, PartialEq)]
pub struct Setup {
    /// The role.
    pub role: VaultRole,
    /// The role's name (alias metadata `role`).
    pub role_name: String,
    /// The policies the role's tokens get.
    pub policies: Vec<Policy>,
    /// What is known about the issuer's claims.
    pub knowledge: Knowledge,
    /// The JWT mount's accessor; directives naming another accessor belong to another mount.
    /// `None`: every accessor is taken to be this mount's.
    pub accessor: Option<String>,
}

impl Setup {
    /// A setup with default knowledge and any accessor.
    pub fn new(role: VaultRole, role_name: &str, policies: Vec<Policy>) -> Self {
        Setup {
            role,
            role_name: role_name.into(),
            policies,
            knowledge: Knowledge::default(),
            accessor: None,
        }
    }
}

/// How bad a finding is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Cross-namespace or any other broader access.
    Security,
    /// Intermittent denials.
    Reliability,
    /// Worth knowing; not a login-order hazard by itself.
    Notice,
}

macro_rules! finding_codes {
    ($( $(#[$doc:meta])* $variant:ident = $text:literal, )*) => {
        /// A stable finding code (only ever added, never renamed).
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
        #[non_exhaustive]
        pub enum FindingCode { $( $(#[$doc])* $variant, )* }

        impl FindingCode {
            /// Every code, in declaration order.
            pub const ALL: &'static [FindingCode] = &[ $( FindingCode::$variant, )* ];
            /// The code as written in JSON and documentation.
            pub const fn as_str(self) -> &'static str {
                match self { $( FindingCode::$variant => $text, )* }
            }
        }
    };
}

finding_codes! {
    /// A templated alias metadata key the alias name does not determine; the colliding tokens
    /// can belong to different namespaces or jobs (security).
    SharedAliasCrossWorkload = "shared_alias_cross_workload",
    /// A templated alias metadata key the alias name does not determine, where the colliding
    /// tokens are of one job (reliability: intermittent 403s).
    SharedAliasIntermittent = "shared_alias_intermittent",
    /// A template reads entity or group metadata, custom metadata or groups: the identity
    /// store, not the login.
    IdentityStoreTemplate = "identity_store_template",
    /// A templated alias metadata key no `claim_mappings` entry fills: always dropped.
    AliasMetadataUnmapped = "alias_metadata_unmapped",
    /// The `user_claim` is shared by design or does not determine a tenancy boundary claim.
    UserClaimShared = "user_claim_shared",
    /// The `user_claim` can be empty (login fails with "missing name in alias").
    UserClaimMayBeEmpty = "user_claim_may_be_empty",
    /// The `groups_claim` is not determined by the alias name: group memberships follow the
    /// last login.
    GroupsFollowLastLogin = "groups_follow_last_login",
}

impl Serialize for FindingCode {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

/// Two tokens that share an alias name, and what token A renders before and after B logs in.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Collision {
    /// The alias name both give.
    pub alias_name: String,
    /// Token A's claims.
    pub a: Map<String, Value>,
    /// Token B's claims.
    pub b: Map<String, Value>,
    /// The path as A renders it when A logged in last.
    pub own_path: String,
    /// The path as A renders it after B logged in.
    pub path_after_b: String,
    /// Tenancy boundary claims on which A and B differ (e.g. `nomad_namespace`).
    pub crosses: Vec<String>,
}

/// One finding of the analysis.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Finding {
    /// Stable code.
    pub code: FindingCode,
    /// Severity.
    pub severity: Severity,
    /// The policy, for directive findings.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub policy: Option<String>,
    /// The path as written, for directive findings.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// The directive, for directive findings.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub directive: Option<String>,
    /// The alias metadata key.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub alias_key: Option<String>,
    /// The claim concerned.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source_claim: Option<String>,
    /// The consequence, in words.
    pub message: String,
    /// Two colliding tokens.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub example: Option<Collision>,
}
