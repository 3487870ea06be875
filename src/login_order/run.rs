//! The whole login-order answer for one input (the npm `loginOrder`/`simulateLogins`, the CLI
//! `logins`): the analysis, the verified fixes and, when steps are given, the simulation; and
//! the note the npm `authorize` report carries beside its verdict ([`note_of`]), and whether
//! one answer depends on login order ([`depends_of`]).

use alloc::string::String;
use alloc::vec::Vec;

use serde::{Deserialize, Serialize};

use alloc::collections::BTreeMap;

use crate::authorize::{IdentityExtras, Request};
use crate::failure::Failure;
use crate::identity::DEFAULT_ACCESSOR;
use crate::limits::Limits;
use crate::login_order::depends::{depends, free_keys, Dependence};
use crate::login_order::{
    analyze, note, simulate, suggest, Analysis, Knowledge, LoginOrderNote, Setup, Simulation, Step,
    Suggestion,
};
use crate::policy::parse_policy;
use crate::policy::TemplateContext;
use crate::role::VaultRole;
use crate::session::{PolicyText, RequestInput};
use crate::time::UnixTime;

/// What is asked (JSON, camelCase). Unknown members are refused.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct LoginOrderInput {
    /// The role (JSON text).
    pub role: String,
    /// The role's name (`default` when absent).
    pub role_name: Option<String>,
    /// The policies the role's tokens get.
    pub policies: Vec<PolicyText>,
    /// What is known about the issuer's claims.
    #[serde(default)]
    pub knowledge: Knowledge,
    /// The auth mount's accessor.
    pub accessor: Option<String>,
    /// Logins and requests to simulate. Claims in them are taken as given (not verified).
    pub steps: Option<Vec<Step>>,
    /// The request decided after every step.
    pub request: Option<RequestInput>,
    /// Size limits.
    pub limits: Option<Limits>,
}

/// The answer (members in key order, as front ends have always shown them).
#[derive(Serialize)]
pub struct LoginOrderReport {
    /// Which directives depend on login order, and why.
    pub analysis: Analysis,
    /// The request decided, as read.
    pub request: Option<Request>,
    /// The simulation, when steps were given.
    pub simulation: Option<Simulation>,
    /// The fixes, each re-checked by the analysis.
    pub suggestions: Vec<Suggestion>,
}

/// `input`'s setup (role and policies parsed under its limits).
fn setup_of(input: &LoginOrderInput) -> Result<Setup, Failure> {
    let limits = input.limits.clone().unwrap_or_default();
    let role = VaultRole::from_json(input.role.as_bytes(), &limits)?;
    let policies = input
        .policies
        .iter()
        .map(|p| parse_policy(&p.name, &p.text, &limits))
        .collect::<Result<Vec<_>, _>>()?;
    let role_name = input.role_name.as_deref().unwrap_or("default");
    let mut setup = Setup::new(role, role_name, policies);
    setup.knowledge = input.knowledge.clone();
    setup.accessor = input.accessor.clone();
    Ok(setup)
}

/// The note a verdict under `input`'s setup carries ([`note::note`]): `None` without a
/// hazard. `steps` and `request` are not read.
pub fn note_of(input: &LoginOrderInput) -> Result<Option<LoginOrderNote>, Failure> {
    Ok(note::note(&setup_of(input)?))
}

/// One answer to decide the login-order dependence of (JSON, camelCase; unknown members
/// refused): the setup as in [`LoginOrderInput`], the token's alias, the request as the
/// authorize report read it and its answer.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AnswerInput {
    /// The role (JSON text).
    pub role: String,
    /// The role's name (`default` when absent).
    pub role_name: Option<String>,
    /// The policies the answer was decided with.
    pub policies: Vec<PolicyText>,
    /// What is known about the issuer's claims.
    #[serde(default)]
    pub knowledge: Knowledge,
    /// The auth mount's accessor.
    pub accessor: Option<String>,
    /// Size limits.
    pub limits: Option<Limits>,
    /// The token's alias as its own login wrote it.
    pub alias: AliasInput,
    /// Identity-store data the answer was rendered with.
    pub entity: Option<IdentityExtras>,
    /// The request, as the authorize report gives it (`request`).
    pub request: Request,
    /// The answer.
    pub allowed: bool,
}

/// An alias as a report shows it (`groups` are not read).
#[derive(Deserialize)]
pub struct AliasInput {
    /// The alias name.
    pub name: String,
    /// The alias metadata.
    #[serde(default)]
    pub metadata: BTreeMap<String, String>,
    /// Group alias names (not varied: see [`crate::login_order::depends`]).
    #[serde(default)]
    pub groups: Vec<String>,
}

/// Whether `input`'s answer depends on login order ([`depends`]), rendered at `now`.
pub fn depends_of(input: &AnswerInput, now: UnixTime) -> Result<Option<Dependence>, Failure> {
    let setup = setup_of(&LoginOrderInput {
        role: input.role.clone(),
        role_name: input.role_name.clone(),
        policies: input.policies.clone(),
        knowledge: input.knowledge.clone(),
        accessor: input.accessor.clone(),
        steps: None,
        request: None,
        limits: input.limits.clone(),
    })?;
    let free = free_keys(&analyze(&setup));
    let accessor = input.accessor.as_deref().unwrap_or(DEFAULT_ACCESSOR);
    let alias = crate::identity::Alias {
        name: input.alias.name.clone(),
        metadata: input.alias.metadata.clone(),
        groups: input.alias.groups.clone(),
    };
    let mut ctx = TemplateContext::for_alias(&alias, accessor, now);
    if let Some(extras) = &input.entity {
        extras.apply(&mut ctx);
    }
    Ok(depends(&setup.policies, &ctx, accessor, &free, &input.request, input.allowed))
}

/// Analyses `input`'s setup and runs its steps at `now`.
pub fn run(input: &LoginOrderInput, now: UnixTime) -> Result<LoginOrderReport, Failure> {
    let setup = setup_of(input)?;
    let analysis = analyze(&setup);
    let suggestions = suggest(&setup, &analysis);
    let request = input.request.as_ref().map(RequestInput::to_request).transpose()?;
    let accessor = input.accessor.as_deref().unwrap_or(DEFAULT_ACCESSOR);
    let simulation = match &input.steps {
        None => None,
        Some(steps) => Some(simulate(&setup, steps, request.as_ref(), accessor, now)?),
    };
    Ok(LoginOrderReport { analysis, request, simulation, suggestions })
}
