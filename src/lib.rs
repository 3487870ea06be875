//! # jwtgate
//!
//! One engine that decides whether a workload may do what it asks: it verifies a
//! workload-identity JWT (Nomad, or any OIDC issuer) against a JWKS or PEM keys, applies
//! either RFC 7519 claim rules or HashiCorp Vault's JWT-auth role semantics exactly, and
//! explains every step in a [`Report`].
//!
//! The crate is `no_std` + `alloc`; the `std` feature (default) only adds
//! `std::error::Error` impls. Time is always an input ([`UnixTime`]): nothing here reads
//! a clock, fetches a URL or touches a file, so the same decision runs natively, in Node, in a
//! browser and inside an Envoy proxy.
//!
//! The modules are private; everything public is re-exported at the crate root.
//!
//! | layer | entry points | error enum |
//! |---|---|---|
//! | strict JSON | (inside the loaders) | [`JsonError`] |
//! | strict base64url | (inside [`parse_compact`]) | [`Base64Problem`] |
//! | compact JWS, header, algorithms | [`parse_compact`], [`Algorithm`] | [`JoseError`] |
//! | keys: JWK/JWKS/PEM, selection, signatures | [`KeySet`], [`verify_signature`] | [`KeyError`] |
//! | claims: `standard` and `vault` profiles | [`StandardOptions`], [`validate_vault_claims`] | [`ClaimError`] |
//! | Vault role and auth-method config | [`VaultRole`], [`VaultConfig`] | [`ConfigError`] |
//! | everything together | [`verify`], [`explain`] | [`Error`] |
//! | policies and the authorization decision | [`parse_policy`], [`Authorizer`] | [`PolicyError`] |
//! | AWS `AssumeRoleWithWebIdentity` trust | [`evaluate_trust_policy`] | [`AwsError`] |
//! | the key-set lifecycle (sans I/O) | [`RemoteKeySet`] | [`FetchProblem`] |
//! | unverified, tolerant decode for inspectors | [`inspect`] | none: problems become warnings |
//! | login-order hazards: shared aliases, the fix, a login simulation | [`analyze_login_order`] | [`ConfigError`] |
#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;
// Unit tests read fixture files, also in `no_std` test builds.
#[cfg(any(feature = "std", test))]
extern crate std;

mod authorize;
mod aws;
mod b64;
mod cache;
mod claims;
mod code;
// Support for the npm front end (`js`): answers as the JavaScript API shapes them. Natively only
// their unit tests use them.
#[cfg_attr(not(feature = "js"), allow(dead_code))]
mod documents;
mod duration;
// The Envoy filter is a proxy-wasm artifact, not a Rust API: its entry points are exported by
// `proxy_wasm::main!`.
#[cfg(feature = "envoy")]
#[cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]
mod envoy;
mod error;
#[cfg_attr(not(feature = "js"), allow(dead_code))]
mod failure;
mod gate;
mod identity;
mod inspect;
mod jose;
#[cfg(feature = "js")]
mod js;
#[cfg(feature = "js-gate")]
mod js_gate;
#[cfg(feature = "js-mint")]
mod js_mint;
#[cfg(any(feature = "js", feature = "js-mint", feature = "js-gate"))]
mod js_shared;
mod json;
mod limits;
mod load_error;
mod login_order;
#[cfg(feature = "mint")]
mod mint;
mod policy;
mod report;
mod role;
#[cfg_attr(not(feature = "js"), allow(dead_code))]
mod session;
mod time;
mod verify;
// The npm front end's AWS answers (preflight + trust policy after verify): above `verify`, so
// not inside the `aws` layer, which `Error` wraps.
#[cfg_attr(not(feature = "js"), allow(dead_code))]
mod web_identity;

// Errors, codes, limits and time: shared by every layer.
pub use b64::Base64Problem;
pub use code::Code;
pub use error::Error;
pub use json::JsonError;
pub use limits::{LimitExceeded, Limits};
pub use load_error::{Coded, LoadError};
pub use time::UnixTime;

// Compact JWS, headers, algorithms and keys.
pub use jose::{
    jwks_to_pem, parse_compact, parse_discovery, vault_may_forgive, vault_reading,
    verify_signature, verify_signature_using, verify_signature_with, Algorithm, CompactJws,
    Discovery, Header, JoseError, KeyError, KeyOrigin, KeySet, KeySource, KeyType, PublicKey,
    Segment, SkippedKey, VaultReading, VerifyingKey,
};

pub use jose::jwk::{PemKey, PemKeys};
pub use jose::rsa::{PssSalt, RsaPublicOp};
pub use jose::thumbprint::thumbprint;

// Verification: signature, `alg` and claims in one call.
pub use verify::{
    explain, verify, verify_using, verify_with, KeyInfo, Profile, Rejected, VaultProfile, Verified,
    VerifyOptions,
};

// Claims: the `standard` (RFC 7519) and `vault` profiles.
pub use claims::vault::{validate as validate_vault_claims, LoginError};
pub use claims::{ClaimError, Mode, NbfSource, StandardOptions, VaultContext, Wording};

// The Vault role and auth-method configuration.
pub use role::{
    BoundClaimsType, ConfigError, JwksPair, KeySource as VaultKeySource, Leeway, RoleType,
    VaultConfig, VaultRole, DEFAULT_CLAIM_LEEWAY, DEFAULT_CLOCK_SKEW_LEEWAY,
};

// What a decision explains, and the identity it produces.
pub use identity::Alias;
pub use report::{Check, Outcome, Report, Text};

// Vault policies and the authorization decision.
pub use authorize::{
    authorize, AuthorizeReport, Authorizer, DroppedPath, IdentityExtras, OtherRule,
    PreparedPolicies, RenderedPath, Request,
};
pub use policy::acl::Source as RuleSource;
pub use policy::http::{HttpOptions, WriteAs};
pub use policy::template::{Entity, RenderFailure};
pub use policy::{
    parse_policy, Acl, Capabilities, EntityAlias, Evaluation, Group, Loser, Operation, PathRule,
    Policy, PolicyError, TemplateContext, TemplateError, Via,
};

// AWS `AssumeRoleWithWebIdentity`: trust policies and what STS would decide.
pub use aws::trust::{Condition, ConditionResult, Qualifier, Statement};
pub use aws::{
    evaluate as evaluate_trust_policy, generate_trust_policy, nomad_sub_pattern,
    parse_trust_policy, preflight as aws_preflight, AwsError, AwsOptions, StatementResult,
    TrustPolicy, TrustReport, ACCEPTED_ALGS as AWS_ACCEPTED_ALGS, ACTION as AWS_ACTION,
};

// The gate: the whole decision (config, keys and their lifecycle, verify, alias, policies,
// answer, reuse) that every front end translates.
pub use gate::config::{
    ClaimHeader, FetchFailureStatus, HeaderSource, KeySource as ProviderKeySource, PathMatch,
    Provider, RemoteJwks, Rule as GateRule, RuleAction,
};
pub use gate::keyset::KidMiss;
pub use gate::path::PathProblem;
pub use gate::reply::LocalReply;
pub use gate::{
    Answer, Decision, Detail, Document, Edit, Edits, FetchProblem, FetchRequest, Gate, GateConfig,
    GateError, GateRequest, Handled, KeyFetch, KeySetConfig, KeyState, Keyring, Keys, NoRemoteKeys,
    Pass, Pending, ProviderKeys, RemoteKeySet, Source as KeySetSource, Verdict,
};

// Unverified decoding for inspectors.
pub use inspect::{inspect, Inspection, Note, SegmentInfo, SegmentStatus, StrictError, NOTICE};

// Login order: aliases shared between workloads, the fix, and a login simulation.
pub use login_order::analyze::analyze as analyze_login_order;
pub use login_order::depends::{
    depends as login_order_depends, free_keys as login_order_free_keys,
    Dependence as LoginOrderDependence,
};
pub use login_order::fix::suggest as suggest_login_fix;
pub use login_order::knowledge::Resolved;
pub use login_order::note::note as login_order_note;
pub use login_order::simulate::simulate as simulate_logins;
pub use login_order::simulate::{StepError, StepResult, TokenDecision, TokenRequest};
pub use login_order::{
    Analysis, Collision, DirectiveCheck, Finding, FindingCode, Issuer, Knowledge, LoginOrderNote,
    Setup, Severity, Simulation, Source as DirectiveSource, Step, Suggestion,
};

// Minting Nomad-shaped test tokens (feature `mint`).
#[cfg(feature = "mint")]
pub use mint::{mint, nomad_claims, MintAlg, MintError, Minted, NomadIdentity};

/// Not API: internals re-exported only for this crate's own integration tests, benchmarks and
/// fuzz targets, which exercise them directly. Exempt from semver; may change in any release.
#[doc(hidden)]
pub mod __internal {
    pub use crate::b64::{decode_strict, encode};
    pub use crate::cache::{fingerprint, window, Cache, CacheKey};
    pub use crate::claims::standard::check as check_standard_claims;
    pub use crate::claims::vault::check_claims as check_vault_claims;
    pub use crate::jose::pem::{from_pkcs1_der, from_spki_der};
    pub use crate::jose::precompute::PLAIN_USES;
    pub use crate::jose::rsa::{HostKey, PreparedRsaKey, RsaHash, RsaScheme};
    pub use crate::policy::acl::{Rule, Store};
    pub use crate::policy::template::{check_balanced, render as render_template};
}
