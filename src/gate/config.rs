//! The gate configuration ([`GateConfig`]): one JSON schema, the Envoy plugin configuration
//! (handed to `proxy_on_configure`, buffer type 7) and what the npm package, the CLI and the
//! page take. Parsed and validated once; unknown members are refused at every level.
//!
//! Validation here is a pure function of the configuration bytes — no clock, no shared data —
//! because Envoy runs `on_configure` on a canary VM and then again on every worker VM, and a
//! worker that fails after the canary passed silently runs without the filter.
//!
//! The schema (every field; defaults in brackets) is documented in the README section
//! "Use in Envoy".

use alloc::borrow::ToOwned;
use alloc::format;
use alloc::rc::Rc;
use alloc::string::{String, ToString};
use alloc::vec::Vec;

use alloc::collections::BTreeSet;
use core::cell::RefCell;
use core::fmt;

use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;
use serde_json::{Map, Value};

use super::engine::{self, ProviderPolicy};
use super::error::GateError;
use super::jwt_authn::{PayloadHeader, SubjectMatcher};
use super::keyset::{KeySetConfig, Source as KeySetSource};
use crate::jose::KeySet;
use crate::json::JsonError;
use crate::limits::Limits;
use crate::role::{ConfigError, VaultRole};

/// Default `WWW-Authenticate` realm.
pub const DEFAULT_REALM: &str = "jwtgate";
/// Default JWKS cache duration, as Envoy's `jwt_authn` (600 s).
pub const DEFAULT_CACHE_DURATION_S: u64 = 600;
/// Default leeway for `exp`/`nbf`, as Envoy's `jwt_authn` (60 s).
pub const DEFAULT_CLOCK_SKEW_S: i64 = 60;
/// Default fetch timeout.
pub const DEFAULT_TIMEOUT_MS: u64 = 2000;
/// Default tick period of the root context (refresh checks, retries, waiting on other VMs).
pub const DEFAULT_TICK_MS: u64 = 1000;

/// What a [`Rule`] does with the requests it matches.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RuleAction {
    /// A valid token is required (and the policies, if any, must allow the request).
    Require,
    /// No token passes; a token that is present must be valid.
    AllowMissing,
    /// The filter does nothing (health checks, public assets).
    Bypass,
}

/// What to answer when a remote JWKS cannot be fetched.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Default)]
pub enum FetchFailureStatus {
    /// `503 Service Unavailable`: the proxy is at fault, clients may retry.
    #[default]
    #[serde(rename = "503")]
    Unavailable,
    /// `401 Unauthorized`, like Envoy's `jwt_authn` (`Jwks remote fetch is failed`).
    #[serde(rename = "401")]
    Unauthorized,
}

/// One header a token may be read from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HeaderSource {
    /// Lower-case header name (shared with the requests that find a token there).
    pub name: Rc<str>,
    /// Prefix before the token, compared ASCII case-insensitively (`Bearer `).
    pub value_prefix: String,
}

/// Where a provider's keys come from.
#[derive(Clone, Debug)]
pub enum KeySource {
    /// Inline JWKS or PEM keys, parsed once at configuration time.
    Inline(crate::jose::KeySet),
    /// A JWKS fetched through an Envoy cluster.
    Remote(RemoteJwks),
}

/// A JWKS fetched with `proxy_http_call`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RemoteJwks {
    /// The Envoy cluster name (must exist in the bootstrap).
    pub cluster: String,
    /// The `:authority` sent (Envoy requires one).
    pub authority: String,
    /// The `:path` of the JWKS, or of the OIDC discovery document when `discovery` is set.
    pub path: String,
    /// Find the JWKS through OIDC discovery: `path` is then
    /// `<issuer path>/.well-known/openid-configuration`, the document's `issuer` must equal
    /// this value, and its `jwks_uri` must be on the same authority (same cluster).
    pub discovery: Option<String>,
    /// Per-attempt timeout.
    pub timeout_ms: u64,
    /// How long a fetched JWKS is used.
    pub cache_duration_s: u64,
    /// Refresh this long before expiry, from the tick (so requests never wait on a refresh).
    pub refresh_before_s: u64,
    /// Minimum time between two fetches caused by an unknown `kid` (key rotation).
    pub kid_refetch_cooldown_s: u64,
    /// Retries after a failed attempt before the waiting requests are failed.
    pub num_retries: u32,
    /// First retry delay; doubled per retry.
    pub retry_base_ms: u64,
    /// Largest retry delay.
    pub retry_max_ms: u64,
    /// After the retries are exhausted, requests fail fast for this long before a new fetch.
    pub failed_refetch_s: u64,
}

impl RemoteJwks {
    /// A stable identity for shared data keys: the same document fetched the same way is shared
    /// by every VM (and survives a VM reload), whatever the provider is called.
    pub fn shared_key(&self) -> String {
        format!("jwtgate.jwks|{}|{}|{}", self.cluster, self.authority, self.path)
    }

    /// The key-set lifecycle's configuration for this JWKS, in the names every front end shares:
    /// where to fetch it (`scheme://authority/path`, or discovery), the attempt timeout, the
    /// unknown-`kid` cooldown, the cache duration, and a failing fetch's cycle: the backoff, the
    /// retries (`retry.num_retries`) and the window after they are used up
    /// (`failed_refetch_seconds`), so every front end gives up on a failing JWKS host alike. A
    /// front end adds what only it has (the Envoy filter: timeout slack, the refresh from its
    /// tick, workers sharing one fetch).
    pub fn key_set_config(&self, scheme: &str, limits: Limits) -> KeySetConfig {
        let source = match &self.discovery {
            Some(issuer) => KeySetSource::Discovery(issuer.clone()),
            None => KeySetSource::Jwks(format!("{scheme}://{}{}", self.authority, self.path)),
        };
        let mut c = KeySetConfig::new(source);
        c.timeout_ms = self.timeout_ms;
        c.cooldown_ms = self.kid_refetch_cooldown_s.saturating_mul(1000);
        c.cache_max_age_ms = self.cache_duration_s.saturating_mul(1000);
        c.backoff_base_ms = self.retry_base_ms;
        c.backoff_max_ms = self.retry_max_ms;
        c.retries = self.num_retries;
        c.failed_refetch_ms = self.failed_refetch_s.saturating_mul(1000);
        c.limits = limits;
        c
    }
}

/// A claim copied into a request header after a successful verification.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClaimHeader {
    /// Lower-case header name.
    pub header: String,
    /// Claim name; a dot path descends into objects (`nomad.job_id`), a leading `/` makes it a
    /// JSON pointer.
    pub claim: String,
}

/// One token issuer and how to verify and authorize its tokens.
#[derive(Clone, Debug)]
pub struct Provider {
    /// Name used in rules, logs and metrics.
    pub name: String,
    /// Keys.
    pub keys: KeySource,
    /// Where to look for the token.
    pub from_headers: Vec<HeaderSource>,
    /// Query parameters to look in.
    pub from_params: Vec<String>,
    /// Cookies to look in.
    pub from_cookies: Vec<String>,
    /// Keep the token in the forwarded request (default: remove it).
    pub forward: bool,
    /// Claims to forward as headers.
    pub claim_to_headers: Vec<ClaimHeader>,
    /// What the core checks: issuer, audiences, algorithms, leeway, Vault role, policies.
    pub policy: ProviderPolicy,
    /// `jwt_authn`'s `subjects`: what `sub` must match.
    pub subjects: Option<SubjectMatcher>,
    /// `jwt_authn`'s `max_lifetime`: `exp` is required and `exp - now` must be less than this.
    pub max_lifetime_s: Option<u64>,
    /// `jwt_authn`'s `forward_payload_header`: the token's payload segment in this header.
    pub forward_payload_header: Option<PayloadHeader>,
    /// The login-order hazards of the provider's Vault role and policies (answers that depend
    /// on who logged in last with the same entity alias), found once here.
    pub login_order: Vec<crate::login_order::Finding>,
    /// The verified fix for [`Provider::login_order`] (a `user_claim` that determines every
    /// templated key), when one exists.
    pub login_fix: Option<crate::login_order::Suggestion>,
    /// The alias metadata keys another login sharing an alias can change
    /// ([`crate::login_order::LoginOrderNote::free`]): whether one answer depends on login
    /// order is decided over them.
    pub login_free: Vec<String>,
}

impl Provider {
    /// Every request header this provider writes from a verified token (its claim headers and
    /// its payload header): copies a client sends are never forwarded.
    pub fn owned_headers(&self) -> impl Iterator<Item = &str> {
        let claims = self.claim_to_headers.iter().map(|c| c.header.as_str());
        claims.chain(self.forward_payload_header.iter().map(|h| h.name.as_str()))
    }
}

/// Which requests a rule applies to and what it does.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rule {
    /// Path match (on the path without the query string).
    pub path: PathMatch,
    /// Upper-case methods; empty = any.
    pub methods: Vec<String>,
    /// What to do.
    pub action: RuleAction,
    /// Indexes into [`GateConfig::providers`] whose tokens are accepted (default: all).
    pub providers: Vec<usize>,
    /// Removed from the path before it is matched against Vault policies (e.g. `/v1/`).
    pub strip_prefix: Option<String>,
}

/// A path matcher.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PathMatch {
    /// The path starts with this.
    Prefix(String),
    /// The path is exactly this.
    Exact(String),
}

impl PathMatch {
    /// Whether `path` (without query) matches.
    pub fn matches(&self, path: &str) -> bool {
        match self {
            PathMatch::Prefix(p) => path.starts_with(p.as_str()),
            PathMatch::Exact(p) => path == p,
        }
    }
}

/// Default for `cache_bytes`: 8 MiB of cached answers per worker, the npm verifier's default.
pub const DEFAULT_CACHE_BYTES: usize = 8 * 1024 * 1024;

/// The validated gate configuration (the Envoy plugin configuration).
#[derive(Clone, Debug)]
pub struct GateConfig {
    /// Providers, in configuration order.
    pub providers: Vec<Provider>,
    /// Rules; the first match wins; no match means `require` with every provider.
    pub rules: Vec<Rule>,
    /// Let CORS preflights (`OPTIONS` with `Origin` and `Access-Control-Request-Method`) through.
    pub bypass_cors_preflight: bool,
    /// `WWW-Authenticate` realm.
    pub realm: String,
    /// Status when keys cannot be fetched.
    pub on_jwks_failure: FetchFailureStatus,
    /// Verified-token cache capacity per worker (0 disables it).
    pub cache_entries: usize,
    /// Bound on the weights of one worker's cached answers (verified and rejected tokens
    /// together), in bytes (0 disables caching).
    pub cache_bytes: usize,
    /// Root-context tick period.
    pub tick_ms: u64,
    /// Limits for tokens and documents.
    pub limits: Limits,
    /// Inserted into every metric name: `jwtgate.<stat_prefix>.allowed`.
    pub stat_prefix: Option<String>,
    /// Publish the decision and the verified identity as filter state (`wasm.jwtgate.*`).
    pub filter_state: bool,
    /// What the configuration accepted but an operator should read (logged once per VM, one
    /// line each): unknown Vault role fields under `ignore_unknown_role_fields`, skipped keys.
    pub warnings: Vec<String>,
}

// ---------------------------------------------------------------------------------------------
// Raw (serde) shapes. Unknown fields are errors: a typo in an auth filter's configuration must
// not silently disable a check.

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    providers: Vec<RawProvider>,
    #[serde(default)]
    rules: Vec<RawRule>,
    #[serde(default)]
    bypass_cors_preflight: bool,
    #[serde(default)]
    realm: Option<String>,
    #[serde(default)]
    on_jwks_failure: FetchFailureStatus,
    #[serde(default)]
    cache_entries: Option<usize>,
    #[serde(default)]
    cache_bytes: Option<usize>,
    #[serde(default)]
    tick_period_ms: Option<u64>,
    #[serde(default)]
    limits: Option<Limits>,
    #[serde(default)]
    stat_prefix: Option<String>,
    #[serde(default)]
    filter_state: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawProvider {
    name: String,
    #[serde(default)]
    issuer: Option<String>,
    #[serde(default)]
    audiences: Vec<String>,
    #[serde(default)]
    algorithms: Vec<String>,
    #[serde(default)]
    jwks: Option<Value>,
    #[serde(default)]
    pem: Vec<String>,
    #[serde(default)]
    remote_jwks: Option<RawRemote>,
    #[serde(default)]
    from_headers: Option<Vec<RawHeader>>,
    #[serde(default)]
    from_params: Vec<String>,
    #[serde(default)]
    from_cookies: Vec<String>,
    #[serde(default)]
    forward: bool,
    #[serde(default)]
    clock_skew_seconds: Option<i64>,
    #[serde(default)]
    claim_to_headers: Vec<RawClaimHeader>,
    #[serde(default)]
    vault: Option<RawVault>,
    #[serde(default)]
    subjects: Option<RawStringMatcher>,
    #[serde(default)]
    max_lifetime_seconds: Option<u64>,
    #[serde(default)]
    forward_payload_header: Option<String>,
    #[serde(default)]
    pad_forward_payload_header: bool,
}

/// Envoy's `type.matcher.v3.StringMatcher` without `safe_regex` (no regex engine here).
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawStringMatcher {
    #[serde(default)]
    exact: Option<String>,
    #[serde(default)]
    prefix: Option<String>,
    #[serde(default)]
    suffix: Option<String>,
    #[serde(default)]
    contains: Option<String>,
    #[serde(default)]
    safe_regex: Option<Value>,
    #[serde(default)]
    ignore_case: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRemote {
    cluster: String,
    authority: String,
    #[serde(default)]
    path: Option<String>,
    #[serde(default)]
    discovery: bool,
    #[serde(default)]
    timeout_ms: Option<u64>,
    #[serde(default)]
    cache_duration_seconds: Option<u64>,
    #[serde(default)]
    refresh_before_seconds: Option<u64>,
    #[serde(default)]
    kid_refetch_cooldown_seconds: Option<u64>,
    #[serde(default)]
    retry: Option<RawRetry>,
    #[serde(default)]
    failed_refetch_seconds: Option<u64>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRetry {
    #[serde(default)]
    num_retries: Option<u32>,
    #[serde(default)]
    base_interval_ms: Option<u64>,
    #[serde(default)]
    max_interval_ms: Option<u64>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawHeader {
    name: String,
    #[serde(default)]
    value_prefix: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawClaimHeader {
    header_name: String,
    claim_name: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawVault {
    role: Value,
    #[serde(default)]
    role_name: Option<String>,
    #[serde(default)]
    accessor: Option<String>,
    #[serde(default)]
    policies: Vec<RawPolicy>,
    #[serde(default)]
    identity: Option<Value>,
    #[serde(default)]
    ignore_unknown_role_fields: bool,
    #[serde(default)]
    knowledge: Option<RawKnowledge>,
}

/// What is known of the claims (`vault.knowledge`), for the login-order analysis: the
/// [`crate::login_order::Knowledge`] members in this schema's snake_case.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawKnowledge {
    #[serde(default)]
    issuer: crate::login_order::Issuer,
    #[serde(default)]
    extra_claims: alloc::collections::BTreeMap<String, String>,
    #[serde(default)]
    determines: alloc::collections::BTreeMap<String, Vec<String>>,
    #[serde(default)]
    boundary: Option<Vec<String>>,
    #[serde(default)]
    shared: Vec<String>,
    #[serde(default)]
    may_be_empty: Vec<String>,
}

impl From<RawKnowledge> for crate::login_order::Knowledge {
    fn from(k: RawKnowledge) -> Self {
        crate::login_order::Knowledge {
            issuer: k.issuer,
            extra_claims: k.extra_claims,
            determines: k.determines,
            boundary: k.boundary,
            shared: k.shared,
            may_be_empty: k.may_be_empty,
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPolicy {
    name: String,
    policy: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRule {
    #[serde(default)]
    prefix: Option<String>,
    #[serde(default)]
    exact: Option<String>,
    #[serde(default)]
    methods: Vec<String>,
    #[serde(default = "default_action")]
    action: RuleAction,
    #[serde(default)]
    providers: Option<Vec<String>>,
    #[serde(default)]
    strip_prefix: Option<String>,
}

fn default_action() -> RuleAction {
    RuleAction::Require
}

// ---------------------------------------------------------------------------------------------

fn invalid(field: impl Into<String>, reason: impl Into<String>) -> GateError {
    GateError::ConfigInvalid { field: field.into(), reason: reason.into() }
}

/// Limits for the configuration document itself: larger than a token's, since it may embed
/// a JWKS, a Vault role and several policies.
fn config_limits() -> Limits {
    Limits { max_document_len: 1024 * 1024, max_json_depth: 32, ..Limits::default() }
}

/// An HTTP field name (RFC 9110 token), lower-case, not a pseudo-header.
fn valid_header_name(name: &str) -> bool {
    !name.is_empty()
        && name.bytes().all(|b| {
            b.is_ascii_lowercase()
                || b.is_ascii_digit()
                || matches!(b, b'!' | b'#' | b'$' | b'%' | b'&' | b'\'' | b'*' | b'+' | b'-')
                || matches!(b, b'.' | b'^' | b'_' | b'`' | b'|' | b'~')
        })
}

fn printable(s: &str) -> bool {
    s.bytes().all(|b| (0x20..0x7f).contains(&b))
}

impl GateConfig {
    /// Parses and validates the plugin configuration bytes.
    ///
    /// Every refusal names the offending member as a JSON pointer (RFC 6901), the empty pointer
    /// being the document itself.
    pub fn parse(bytes: &[u8]) -> Result<GateConfig, GateError> {
        let doc = document(bytes)?;
        let raw: RawConfig = serde_path_to_error::deserialize(Value::Object(doc))
            .map_err(|e| invalid(path_pointer(e.path()), e.inner().to_string()))?;
        let limits = raw.limits.unwrap_or_default();
        let mut warnings = Vec::new();
        if raw.providers.is_empty() {
            return Err(invalid("/providers", "at least one provider is required"));
        }
        let mut providers = Vec::with_capacity(raw.providers.len());
        for (i, p) in raw.providers.into_iter().enumerate() {
            let field = format!("/providers/{i}");
            if providers.iter().any(|q: &Provider| q.name == p.name) {
                return Err(invalid(
                    format!("{field}/name"),
                    format!("duplicate provider {:?}", p.name),
                ));
            }
            providers.push(provider(p, &field, &limits, &mut warnings)?);
        }
        let mut rules = Vec::with_capacity(raw.rules.len());
        for (i, r) in raw.rules.into_iter().enumerate() {
            rules.push(rule(r, &format!("/rules/{i}"), &providers)?);
        }
        let realm = raw.realm.unwrap_or_else(|| DEFAULT_REALM.to_owned());
        if !printable(&realm) || realm.contains(['"', '\\']) {
            return Err(invalid("/realm", "must be printable ASCII without quotes or backslashes"));
        }
        let tick_ms = raw.tick_period_ms.unwrap_or(DEFAULT_TICK_MS);
        if tick_ms == 0 || tick_ms > 60_000 {
            return Err(invalid("/tick_period_ms", "must be between 1 and 60000"));
        }
        if let Some(prefix) = &raw.stat_prefix {
            // One stat-name segment: Envoy splits stat names on dots.
            if prefix.is_empty()
                || !prefix.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
            {
                return Err(invalid("/stat_prefix", "must be non-empty [A-Za-z0-9_-]"));
            }
        }
        Ok(GateConfig {
            providers,
            rules,
            bypass_cors_preflight: raw.bypass_cors_preflight,
            realm,
            on_jwks_failure: raw.on_jwks_failure,
            cache_entries: raw.cache_entries.unwrap_or(1000),
            cache_bytes: raw.cache_bytes.unwrap_or(DEFAULT_CACHE_BYTES),
            tick_ms,
            limits,
            stat_prefix: raw.stat_prefix,
            filter_state: raw.filter_state,
            warnings,
        })
    }

    /// The rule for a request: the first that matches, or `None` (= require, every provider).
    ///
    /// A path that is not in normal form (`..` or `.` segments, `//`, encoded `.`, `/` or `\`,
    /// a backslash) matches no rule: Envoy forwards it unnormalised unless the connection manager
    /// normalises paths, and `/healthz/../v1/secret` must not ride on a `/healthz` bypass.
    pub fn rule_for(&self, method: &str, path: &str) -> Option<&Rule> {
        if self.rules.is_empty() {
            return None;
        }
        let path = path.split('?').next().unwrap_or(path);
        if !is_normal_path(path) {
            return None;
        }
        self.rules.iter().find(|r| {
            r.path.matches(path) && (r.methods.is_empty() || r.methods.iter().any(|m| m == method))
        })
    }
}

/// Whether `path` is already in the form a normalising proxy would forward.
fn is_normal_path(path: &str) -> bool {
    // An encoded `.`, `/` or `\` (any case), looked for in place: this runs on every request.
    let encoded = path
        .as_bytes()
        .windows(3)
        .any(|w| matches!(w, [b'%', b'2', b'e' | b'E' | b'f' | b'F'] | [b'%', b'5', b'c' | b'C']));
    if encoded || path.contains('\\') {
        return false;
    }
    if path.contains("//") {
        return false;
    }
    !path.split('/').any(|seg| seg == "." || seg == "..")
}

fn provider(
    p: RawProvider,
    field: &str,
    limits: &Limits,
    warnings: &mut Vec<String>,
) -> Result<Provider, GateError> {
    if p.name.is_empty()
        || !p.name.bytes().all(|b| b.is_ascii_alphanumeric() || b"_-.".contains(&b))
    {
        return Err(invalid(format!("{field}/name"), "must be non-empty [A-Za-z0-9_.-]"));
    }
    let sources = usize::from(p.jwks.is_some())
        + usize::from(!p.pem.is_empty())
        + usize::from(p.remote_jwks.is_some());
    if sources != 1 {
        return Err(invalid(field, "exactly one of `jwks`, `pem` or `remote_jwks` is required"));
    }
    let keys = if let Some(jwks) = p.jwks {
        // Accept the JWKS as an object or as a JSON string holding one (what YAML users paste).
        let text = match jwks {
            Value::String(s) => s.into_bytes(),
            other => serde_json::to_vec(&other)
                .map_err(|e| invalid(format!("{field}/jwks"), e.to_string()))?,
        };
        let at = format!("{field}/jwks");
        let set = KeySet::from_jwks(&text, limits).map_err(|e| invalid(&at, e.to_string()))?;
        KeySource::Inline(usable_keys(set, &at, "/keys", &p.name, warnings)?)
    } else if !p.pem.is_empty() {
        let at = format!("{field}/pem");
        let pems: Vec<&str> = p.pem.iter().map(String::as_str).collect();
        let set = KeySet::from_pem(&pems, limits).map_err(|e| invalid(&at, e.to_string()))?;
        KeySource::Inline(usable_keys(set, &at, "", &p.name, warnings)?)
    } else if let Some(r) = p.remote_jwks {
        KeySource::Remote(remote(r, &format!("{field}/remote_jwks"), p.issuer.as_deref())?)
    } else {
        return Err(invalid(field, "no keys"));
    };

    let from_headers = match p.from_headers {
        None => alloc::vec![HeaderSource {
            name: "authorization".into(),
            value_prefix: "Bearer ".into()
        }],
        Some(list) => {
            let mut out = Vec::with_capacity(list.len());
            for (i, h) in list.into_iter().enumerate() {
                let name = h.name.to_ascii_lowercase();
                if !valid_header_name(&name) {
                    return Err(invalid(
                        format!("{field}/from_headers/{i}/name"),
                        format!("{:?} is not a header name", h.name),
                    ));
                }
                out.push(HeaderSource {
                    name: name.into(),
                    value_prefix: h.value_prefix.unwrap_or_default(),
                });
            }
            out
        }
    };
    if from_headers.is_empty() && p.from_params.is_empty() && p.from_cookies.is_empty() {
        return Err(invalid(field, "no token location (from_headers, from_params, from_cookies)"));
    }
    let params = p.from_params.iter().enumerate().map(|(i, n)| ("from_params", i, n));
    let cookies = p.from_cookies.iter().enumerate().map(|(i, n)| ("from_cookies", i, n));
    for (list, i, n) in params.chain(cookies) {
        if n.is_empty() || !printable(n) || n.contains(['=', '&', ';', ' ']) {
            return Err(invalid(
                format!("{field}/{list}/{i}"),
                format!("{n:?} is not a usable name"),
            ));
        }
    }
    let mut claim_to_headers = Vec::with_capacity(p.claim_to_headers.len());
    for (i, c) in p.claim_to_headers.into_iter().enumerate() {
        let header = c.header_name.to_ascii_lowercase();
        if !valid_header_name(&header) || header == "authorization" || header == "host" {
            return Err(invalid(
                format!("{field}/claim_to_headers/{i}/header_name"),
                format!("{:?} cannot carry a claim", c.header_name),
            ));
        }
        if c.claim_name.is_empty() {
            return Err(invalid(
                format!("{field}/claim_to_headers/{i}/claim_name"),
                "empty claim name",
            ));
        }
        claim_to_headers.push(ClaimHeader { header, claim: c.claim_name });
    }
    let clock_skew = p.clock_skew_seconds.unwrap_or(DEFAULT_CLOCK_SKEW_S);
    if !(0..=3600).contains(&clock_skew) {
        return Err(invalid(format!("{field}/clock_skew_seconds"), "must be between 0 and 3600"));
    }
    if let Some(Value::Object(role)) = p.vault.as_ref().map(|v| &v.role) {
        let ignore = p.vault.as_ref().is_some_and(|v| v.ignore_unknown_role_fields);
        check_role(role, &format!("{field}/vault/role"), ignore, &p.name, warnings)?;
    }
    let subjects = match p.subjects {
        None => None,
        Some(m) => Some(subject_matcher(m, &format!("{field}/subjects"))?),
    };
    if p.max_lifetime_seconds == Some(0) {
        return Err(invalid(
            format!("{field}/max_lifetime_seconds"),
            "must be at least 1 (no token has a lifetime below 0)",
        ));
    }
    let forward_payload_header = match p.forward_payload_header {
        None => None,
        Some(name) => {
            let header = name.to_ascii_lowercase();
            let taken = claim_to_headers.iter().any(|c| c.header == header);
            if !valid_header_name(&header) || header == "authorization" || header == "host" || taken
            {
                return Err(invalid(
                    format!("{field}/forward_payload_header"),
                    format!("{name:?} cannot carry the payload"),
                ));
            }
            Some(PayloadHeader { name: header, pad: p.pad_forward_payload_header })
        }
    };
    let (role, role_name, accessor, policies, identity, knowledge) = match p.vault {
        None => (None, None, None, Vec::new(), None, None),
        Some(v) => {
            let policies = v.policies.into_iter().map(|p| (p.name, p.policy)).collect();
            (Some(v.role), v.role_name, v.accessor, policies, v.identity, v.knowledge)
        }
    };
    let policy = engine::provider_policy(engine::RawPolicyInput {
        issuer: p.issuer,
        audiences: p.audiences,
        algorithms: p.algorithms,
        clock_skew,
        role,
        role_name,
        accessor,
        policies,
        identity,
        limits: limits.clone(),
    })
    .map_err(|e| match e {
        GateError::ConfigInvalid { field: f, reason } => {
            invalid(format!("{field}/{}", dotted_to_pointer(&f)), reason)
        }
        other => invalid(field, other.to_string()),
    })?;
    let knowledge = knowledge.map(crate::login_order::Knowledge::from).unwrap_or_default();
    let note = engine::login_order_note(&policy, knowledge);
    let (login_order, login_fix, login_free) =
        note.map(|n| (n.hazards, n.fix, n.free)).unwrap_or_default();
    Ok(Provider {
        login_order,
        login_fix,
        login_free,
        name: p.name,
        keys,
        from_headers,
        from_params: p.from_params,
        from_cookies: p.from_cookies,
        forward: p.forward,
        claim_to_headers,
        policy,
        subjects,
        max_lifetime_s: p.max_lifetime_seconds,
        forward_payload_header,
    })
}

/// `set` if it holds a public key; else a refusal naming every skipped key and why (the
/// reasons never quote key material). A provider without a usable key would answer every
/// request 401. Keys skipped beside usable ones become warnings.
fn usable_keys(
    set: crate::jose::KeySet,
    at: &str,
    list: &str,
    provider: &str,
    warnings: &mut Vec<String>,
) -> Result<crate::jose::KeySet, GateError> {
    let skipped: Vec<String> = set
        .skipped
        .iter()
        .map(|k| match &k.kid {
            Some(kid) => format!("{at}{list}/{} (kid {kid:?}): {}", k.index, k.reason),
            None => format!("{at}{list}/{}: {}", k.index, k.reason),
        })
        .collect();
    if set.keys.is_empty() {
        let reason = if skipped.is_empty() {
            String::from("no public key: the key set is empty")
        } else {
            format!("no usable public key; skipped {}", skipped.join("; "))
        };
        return Err(invalid(at, reason));
    }
    for s in skipped {
        warnings.push(format!("provider {provider:?}: key skipped: {s}"));
    }
    Ok(set)
}

/// Vault's checks on the role, run here to name the member a refusal is about; unknown members
/// are refused unless `ignore` (then one warning each, as Vault warns).
fn check_role(
    role: &Map<String, Value>,
    at: &str,
    ignore: bool,
    provider: &str,
    warnings: &mut Vec<String>,
) -> Result<(), GateError> {
    for k in VaultRole::unknown_fields(role) {
        let member = pointer_push(at, k);
        if !ignore {
            return Err(invalid(
                member,
                format!(
                    "unknown Vault role field {k:?}: Vault would ignore it, and a misspelt bound \
                     widens access; correct it, or set vault.ignore_unknown_role_fields to \
                     ignore unknown fields as Vault does"
                ),
            ));
        }
        warnings.push(format!(
            "provider {provider:?}: unknown Vault role field {k:?} at {member} ignored \
             (vault.ignore_unknown_role_fields; Vault ignores it too, with a warning)"
        ));
    }
    let parsed = VaultRole::from_map(role).and_then(|r| r.require_jwt());
    match parsed {
        Ok(()) => Ok(()),
        Err(ConfigError::RoleInvalid { field, reason }) => {
            Err(invalid(pointer_push(at, &field), reason))
        }
        Err(e @ ConfigError::RoleTypeOidc { .. }) => {
            Err(invalid(pointer_push(at, "role_type"), e.to_string()))
        }
        Err(e) => Err(invalid(at, e.to_string())),
    }
}

fn subject_matcher(m: RawStringMatcher, at: &str) -> Result<SubjectMatcher, GateError> {
    if m.safe_regex.is_some() {
        return Err(invalid(
            format!("{at}/safe_regex"),
            "not supported (the filter has no regex engine): use exact, prefix, suffix or \
             contains, or a Vault role's bound_subject / glob bound_claims",
        ));
    }
    let given =
        [("exact", m.exact), ("prefix", m.prefix), ("suffix", m.suffix), ("contains", m.contains)];
    let mut set = given.into_iter().filter_map(|(k, v)| v.map(|v| (k, v)));
    let (Some((kind, pattern)), None) = (set.next(), set.next()) else {
        return Err(invalid(at, "exactly one of `exact`, `prefix`, `suffix` or `contains`"));
    };
    if pattern.is_empty() {
        return Err(invalid(format!("{at}/{kind}"), "must not be empty"));
    }
    SubjectMatcher::new(kind, pattern, m.ignore_case).ok_or_else(|| invalid(at, "unknown matcher"))
}

/// The configuration document as an object, or a refusal at the empty pointer (not JSON,
/// empty, not an object) or at the repeated member.
fn document(bytes: &[u8]) -> Result<Map<String, Value>, GateError> {
    const WHAT: &str = "plugin configuration";
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(invalid(
            "",
            "the plugin configuration is empty (the filter's `configuration` must hold a JSON \
             object)",
        ));
    }
    match crate::json::parse_value(bytes, WHAT, &config_limits()) {
        Ok(Value::Object(doc)) => Ok(doc),
        Ok(other) => Err(invalid(
            "",
            format!("{WHAT} must be a JSON object, found {}", crate::json::type_name(&other)),
        )),
        Err(JsonError::DuplicateMember { member, .. }) => Err(invalid(
            duplicate_at(bytes).unwrap_or_default(),
            format!("duplicate member {member:?} (JSON readers disagree on which one counts)"),
        )),
        Err(e) => Err(invalid("", e.to_string())),
    }
}

/// `base` with one more reference token (`~` and `/` escaped, RFC 6901 §3).
fn pointer_push(base: &str, token: &str) -> String {
    format!("{base}/{}", token.replace('~', "~0").replace('/', "~1"))
}

/// The JSON pointer of a serde path (`providers[0].limits.maxTokenLength` →
/// `/providers/0/limits/maxTokenLength`).
fn path_pointer(path: &serde_path_to_error::Path) -> String {
    use serde_path_to_error::Segment;
    let mut out = String::new();
    for seg in path {
        out = match seg {
            Segment::Seq { index } => format!("{out}/{index}"),
            Segment::Map { key } => pointer_push(&out, key),
            Segment::Enum { variant } => pointer_push(&out, variant),
            Segment::Unknown => out,
        };
    }
    out
}

/// The engine's relative field names (`vault.policies[0]`) as a pointer tail
/// (`vault/policies/0`).
fn dotted_to_pointer(field: &str) -> String {
    field.replace(['.', '['], "/").replace(']', "")
}

/// Tags the pointer [`Walk`] found in serde's error text.
const REPEATED: &str = "\u{0}repeated:";

/// The pointer of the first repeated member of `bytes`, found by walking the document again
/// (only after the strict reader refused it, so the configuration path pays nothing).
fn duplicate_at(bytes: &[u8]) -> Option<String> {
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let path = RefCell::new(Vec::new());
    let walk = Walk { path: &path, depth: config_limits().max_json_depth };
    let text = walk.deserialize(&mut de).err()?.to_string();
    let found = text.strip_prefix(REPEATED)?;
    // serde_json appends " at line L column C".
    Some(String::from(found.rfind(" at line ").and_then(|i| found.get(..i)).unwrap_or(found)))
}

/// A depth-bounded walk over a JSON document that fails at the first repeated member, with its
/// pointer. The path to the current value is one stack of reference tokens, rendered only for
/// the member reported, so the walk stays linear in the document.
struct Walk<'a> {
    path: &'a RefCell<Vec<String>>,
    depth: usize,
}

impl<'a> Walk<'a> {
    fn inner<E: de::Error>(&self) -> Result<Walk<'a>, E> {
        let depth = self.depth.checked_sub(1).ok_or_else(|| E::custom("too deep"))?;
        Ok(Walk { path: self.path, depth })
    }

    /// Walks the next value under reference token `token`.
    fn under<T, E>(&self, token: String, f: impl FnOnce(Walk<'a>) -> Result<T, E>) -> Result<T, E>
    where
        E: de::Error,
    {
        let inner = self.inner()?;
        self.path.borrow_mut().push(token);
        let out = f(inner);
        self.path.borrow_mut().pop();
        out
    }
}

impl<'de> DeserializeSeed<'de> for Walk<'_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Walk<'_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_bool<E>(self, _: bool) -> Result<(), E> {
        Ok(())
    }
    fn visit_i64<E>(self, _: i64) -> Result<(), E> {
        Ok(())
    }
    fn visit_u64<E>(self, _: u64) -> Result<(), E> {
        Ok(())
    }
    fn visit_f64<E>(self, _: f64) -> Result<(), E> {
        Ok(())
    }
    fn visit_str<E>(self, _: &str) -> Result<(), E> {
        Ok(())
    }
    fn visit_unit<E>(self) -> Result<(), E> {
        Ok(())
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let mut i = 0usize;
        while self.under(i.to_string(), |w| seq.next_element_seed(w))?.is_some() {
            i += 1;
        }
        Ok(())
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let mut seen = BTreeSet::new();
        while let Some(key) = map.next_key::<String>()? {
            if seen.contains(&key) {
                let mut at = String::new();
                for token in self.path.borrow().iter().chain([&key]) {
                    at = pointer_push(&at, token);
                }
                return Err(de::Error::custom(format_args!("{REPEATED}{at}")));
            }
            seen.insert(key.clone());
            self.under(key, |w| map.next_value_seed(w))?;
        }
        Ok(())
    }
}

fn remote(r: RawRemote, field: &str, issuer: Option<&str>) -> Result<RemoteJwks, GateError> {
    if r.cluster.is_empty() || !printable(&r.cluster) {
        return Err(invalid(format!("{field}/cluster"), "must name an Envoy cluster"));
    }
    if r.authority.is_empty() || !printable(&r.authority) || r.authority.contains(['/', ' ']) {
        return Err(invalid(format!("{field}/authority"), "must be a host[:port]"));
    }
    let discovery = if r.discovery {
        let Some(issuer) = issuer else {
            return Err(invalid(format!("{field}/discovery"), "needs the provider's `issuer`"));
        };
        if r.path.is_some() {
            return Err(invalid(
                format!("{field}/path"),
                "with `discovery`, the path comes from the issuer",
            ));
        }
        Some(issuer.to_owned())
    } else {
        None
    };
    let path = match &discovery {
        // RFC 8414 / OIDC Discovery §4: the issuer's path, then the well-known suffix.
        Some(issuer) => {
            let after_scheme = issuer.split_once("://").map(|(_, rest)| rest).unwrap_or(issuer);
            let issuer_path =
                after_scheme.find('/').and_then(|i| after_scheme.get(i..)).unwrap_or("");
            format!("{}/.well-known/openid-configuration", issuer_path.trim_end_matches('/'))
        }
        None => r.path.unwrap_or_else(|| "/.well-known/jwks.json".to_owned()),
    };
    if !path.starts_with('/') || !printable(&path) || path.contains(' ') {
        return Err(invalid(format!("{field}/path"), "must start with / and be printable"));
    }
    let timeout_ms = r.timeout_ms.unwrap_or(DEFAULT_TIMEOUT_MS);
    if timeout_ms == 0 || timeout_ms > 60_000 {
        // 0 would mean "no timeout" to Envoy: a hung JWKS host would pin requests forever.
        return Err(invalid(format!("{field}/timeout_ms"), "must be between 1 and 60000"));
    }
    let cache_duration_s = r.cache_duration_seconds.unwrap_or(DEFAULT_CACHE_DURATION_S);
    if !(1..=86_400 * 7).contains(&cache_duration_s) {
        return Err(invalid(
            format!("{field}/cache_duration_seconds"),
            "must be between 1 and 604800",
        ));
    }
    let refresh_before_s = r.refresh_before_seconds.unwrap_or((cache_duration_s / 10).max(1));
    if refresh_before_s >= cache_duration_s && cache_duration_s > 1 {
        return Err(invalid(
            format!("{field}/refresh_before_seconds"),
            "must be less than cache_duration_seconds",
        ));
    }
    let retry = r.retry.unwrap_or(RawRetry {
        num_retries: None,
        base_interval_ms: None,
        max_interval_ms: None,
    });
    let num_retries = retry.num_retries.unwrap_or(2);
    let retry_base_ms = retry.base_interval_ms.unwrap_or(200);
    let retry_max_ms = retry.max_interval_ms.unwrap_or(5000);
    if num_retries > 10
        || retry_base_ms == 0
        || retry_max_ms < retry_base_ms
        || retry_max_ms > 600_000
    {
        return Err(invalid(
            format!("{field}/retry"),
            "num_retries ≤ 10 and 0 < base_interval_ms ≤ max_interval_ms ≤ 600000",
        ));
    }
    Ok(RemoteJwks {
        cluster: r.cluster,
        authority: r.authority,
        path,
        discovery,
        timeout_ms,
        cache_duration_s,
        refresh_before_s,
        kid_refetch_cooldown_s: r.kid_refetch_cooldown_seconds.unwrap_or(30),
        num_retries,
        retry_base_ms,
        retry_max_ms,
        failed_refetch_s: r.failed_refetch_seconds.unwrap_or(5).max(1),
    })
}

fn rule(r: RawRule, field: &str, providers: &[Provider]) -> Result<Rule, GateError> {
    let path = match (r.prefix, r.exact) {
        (Some(p), None) if p.starts_with('/') => PathMatch::Prefix(p),
        (None, Some(e)) if e.starts_with('/') => PathMatch::Exact(e),
        _ => return Err(invalid(field, "exactly one of `prefix` or `exact`, starting with /")),
    };
    let mut methods = Vec::with_capacity(r.methods.len());
    for m in r.methods {
        if m.is_empty() || !m.bytes().all(|b| b.is_ascii_alphabetic()) {
            return Err(invalid(format!("{field}/methods"), format!("{m:?} is not a method")));
        }
        methods.push(m.to_ascii_uppercase());
    }
    let indexes = match r.providers {
        None => (0..providers.len()).collect(),
        Some(names) => {
            let mut out = Vec::with_capacity(names.len());
            for n in names {
                match providers.iter().position(|p| p.name == n) {
                    Some(i) => out.push(i),
                    None => {
                        return Err(invalid(
                            format!("{field}/providers"),
                            format!("unknown provider {n:?}"),
                        ))
                    }
                }
            }
            if out.is_empty() && r.action != RuleAction::Bypass {
                return Err(invalid(format!("{field}/providers"), "empty"));
            }
            out
        }
    };
    if let Some(s) = &r.strip_prefix {
        if !s.starts_with('/') {
            return Err(invalid(format!("{field}/strip_prefix"), "must start with /"));
        }
    }
    Ok(Rule { path, methods, action: r.action, providers: indexes, strip_prefix: r.strip_prefix })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unnormalised_paths_match_no_rule() {
        let cfg = GateConfig::parse(
            br#"{"providers":[{"name":"p","jwks":{"kty":"OKP","crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}}],
                 "rules":[{"prefix":"/healthz","action":"bypass"}]}"#,
        )
        .unwrap();
        assert!(cfg.rule_for("GET", "/healthz?x=1").is_some());
        for path in [
            "/healthz/../v1",
            "/healthz/%2E%2E/v1",
            "/healthz//v1",
            "/healthz/./v1",
            "/healthz\\..\\v1",
        ] {
            assert!(cfg.rule_for("GET", path).is_none(), "{path}");
        }
    }

    #[test]
    fn discovery_path_comes_from_the_issuer() {
        let cfg = GateConfig::parse(
            br#"{"providers":[{"name":"p","issuer":"https://idp.example/realms/x/",
                 "remote_jwks":{"cluster":"c","authority":"idp.example","discovery":true}}]}"#,
        )
        .unwrap();
        let KeySource::Remote(r) = &cfg.providers[0].keys else { panic!("remote") };
        assert_eq!(r.path, "/realms/x/.well-known/openid-configuration");
        assert_eq!(r.discovery.as_deref(), Some("https://idp.example/realms/x/"));
    }

    #[test]
    fn defaults() {
        let cfg =
            GateConfig::parse(br#"{"providers":[{"name":"p","jwks":{"kty":"OKP","crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}}]}"#).unwrap();
        let p = &cfg.providers[0];
        assert_eq!(
            p.from_headers,
            [HeaderSource { name: "authorization".into(), value_prefix: "Bearer ".into() }]
        );
        assert!(!p.forward);
        assert_eq!(cfg.realm, DEFAULT_REALM);
        assert_eq!(cfg.on_jwks_failure, FetchFailureStatus::Unavailable);
        assert_eq!(cfg.cache_entries, 1000);
    }

    const KEY: &str =
        r#"{"kty":"OKP","crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}"#;

    fn refusal(doc: &str) -> String {
        GateConfig::parse(doc.as_bytes()).unwrap_err().to_string()
    }

    #[test]
    fn every_refusal_names_a_json_pointer() {
        let p = format!(r#"{{"name":"p","jwks":{KEY}}}"#);
        for (doc, at) in [
            (
                format!(r#"{{"providers":[{p}],"limits":{{"maxTokenLength":1}}}}"#),
                "/limits/maxTokenLength",
            ),
            (
                format!(
                    r#"{{"providers":[{p},{{"name":"q","jwks":{KEY},"from_params":["a=b"]}}]}}"#
                ),
                "/providers/1/from_params/0",
            ),
            (
                format!(r#"{{"providers":[{p}],"rules":[{{"prefix":"/","methods":["G T"]}}]}}"#),
                "/rules/0/methods",
            ),
            (
                String::from(
                    r#"{"providers":[{"name":"p","remote_jwks":{"cluster":"c","authority":"a","timeout_ms":"x"}}]}"#,
                ),
                "/providers/0/remote_jwks/timeout_ms",
            ),
            (
                format!(r#"{{"providers":[{{"name":"p","jwks":{KEY},"a/b~":1}}]}}"#),
                "/providers/0/a~1b~0",
            ),
            (format!(r#"{{"providers":[{p}],"x":{{"a":1,"b":[{{"c":1,"c":2}}]}}}}"#), "/x/b/0/c"),
            (String::from("providers: []"), "/"),
            (String::from(" \n"), "/"),
            (String::from("[]"), "/"),
        ] {
            let msg = refusal(&doc);
            assert!(
                msg.starts_with(&format!("invalid filter configuration at {at}: ")),
                "{doc}: {msg}"
            );
        }
    }

    #[test]
    fn inline_keys_without_a_public_key_are_refused_naming_each() {
        let private = r#"{"kty":"OKP","crv":"Ed25519","kid":"priv","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo","d":"nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A"}"#;
        let oct = r#"{"kty":"oct","k":"c2VjcmV0"}"#;
        let msg = refusal(&format!(
            r#"{{"providers":[{{"name":"p","jwks":{{"keys":[{private},{oct}]}}}}]}}"#
        ));
        assert!(
            msg.starts_with(
                "invalid filter configuration at /providers/0/jwks: no usable public key"
            ),
            "{msg}"
        );
        assert!(
            msg.contains(
                r#"/providers/0/jwks/keys/0 (kid "priv"): refusing published private key"#
            ),
            "{msg}"
        );
        assert!(msg.contains(r#"/providers/0/jwks/keys/1: unsupported"#), "{msg}");
        assert!(!msg.contains("nWGxne") && !msg.contains("c2VjcmV0"), "key material in {msg}");
        let msg = refusal(r#"{"providers":[{"name":"p","jwks":{"keys":[]}}]}"#);
        assert!(msg.ends_with("/providers/0/jwks: no public key: the key set is empty"), "{msg}");
        // A usable key beside a skipped one: accepted, with a warning naming the skipped one.
        let cfg = GateConfig::parse(
            format!(r#"{{"providers":[{{"name":"p","jwks":{{"keys":[{KEY},{oct}]}}}}]}}"#)
                .as_bytes(),
        )
        .unwrap();
        assert_eq!(cfg.warnings.len(), 1);
        assert!(cfg.warnings[0].contains("/providers/0/jwks/keys/1"), "{:?}", cfg.warnings);
    }

    #[test]
    fn unknown_vault_role_fields_are_refused_unless_ignored_as_vault_does() {
        let role = r#"{"role_type":"jwt","user_claim":"sub","bound_audiences":["vault.io"],"bound_claim":{"nomad_job_id":"mongo"}}"#;
        let doc = |extra: &str| {
            format!(
                r#"{{"providers":[{{"name":"p","jwks":{KEY},"vault":{{"role":{role}{extra}}}}}]}}"#
            )
        };
        let msg = refusal(&doc(""));
        assert!(msg.starts_with("invalid filter configuration at /providers/0/vault/role/bound_claim: unknown Vault role field \"bound_claim\""), "{msg}");
        let cfg =
            GateConfig::parse(doc(r#","ignore_unknown_role_fields":true"#).as_bytes()).unwrap();
        assert_eq!(cfg.warnings.len(), 1, "{:?}", cfg.warnings);
        assert!(cfg.warnings[0]
            .contains("\"bound_claim\" at /providers/0/vault/role/bound_claim ignored"));
        // Vault's own write-time checks name the member too.
        let msg = refusal(&format!(
            r#"{{"providers":[{{"name":"p","jwks":{KEY},"vault":{{"role":{{"role_type":"jwt","bound_audiences":["a"]}}}}}}]}}"#
        ));
        assert!(
            msg.starts_with("invalid filter configuration at /providers/0/vault/role/user_claim: "),
            "{msg}"
        );
    }

    #[test]
    fn jwt_authn_fields() {
        let cfg = GateConfig::parse(format!(r#"{{"stat_prefix":"edge","filter_state":true,"providers":[{{"name":"p","jwks":{KEY},
            "subjects":{{"prefix":"spiffe://x/"}},"max_lifetime_seconds":3600,"forward_payload_header":"X-Jwt-Payload",
            "pad_forward_payload_header":true,"claim_to_headers":[{{"header_name":"x-sub","claim_name":"sub"}}]}}]}}"#).as_bytes()).unwrap();
        let p = &cfg.providers[0];
        assert_eq!(p.max_lifetime_s, Some(3600));
        assert_eq!(
            p.forward_payload_header,
            Some(PayloadHeader { name: "x-jwt-payload".into(), pad: true })
        );
        assert_eq!(p.owned_headers().collect::<Vec<_>>(), ["x-sub", "x-jwt-payload"]);
        assert_eq!(cfg.stat_prefix.as_deref(), Some("edge"));
        assert!(cfg.filter_state);
        for (extra, at) in [
            (r#""subjects":{"safe_regex":{"regex":".*"}}"#, "/providers/0/subjects/safe_regex"),
            (r#""subjects":{"prefix":"a","suffix":"b"}"#, "/providers/0/subjects"),
            (r#""subjects":{"prefix":""}"#, "/providers/0/subjects/prefix"),
            (r#""subjects":{"regex":"a"}"#, "/providers/0/subjects/regex"),
            (r#""max_lifetime_seconds":0"#, "/providers/0/max_lifetime_seconds"),
            (r#""forward_payload_header":"authorization""#, "/providers/0/forward_payload_header"),
        ] {
            let msg = refusal(&format!(r#"{{"providers":[{{"name":"p","jwks":{KEY},{extra}}}]}}"#));
            assert!(
                msg.starts_with(&format!("invalid filter configuration at {at}: ")),
                "{extra}: {msg}"
            );
        }
        let msg = refusal(&format!(
            r#"{{"stat_prefix":"a.b","providers":[{{"name":"p","jwks":{KEY}}}]}}"#
        ));
        assert!(msg.starts_with("invalid filter configuration at /stat_prefix: "), "{msg}");
    }
}
