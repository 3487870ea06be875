//! The gate: the whole decision for one HTTP request, made once in the core for every front end
//! (the Envoy filter, the npm package, the CLI, the page). `no_std` + `alloc`, no I/O; time is
//! an input.
//!
//! ```text
//! GateConfig (JSON, = the Envoy plugin configuration) ──Gate::from_json──▶ Gate
//! Gate::decide(GateRequest, &mut dyn ProviderKeys, now_ms) ──▶ Decision (verdict, reply or
//!     upstream edits, checks, alias, policies, login-order hazards) ──to_json──▶ contract JSON
//! ```
//!
//! | file | job |
//! |---|---|
//! | [`config`] | [`GateConfig`]: the schema, validated once (unknown members refused, JSON pointers) |
//! | `decide` | [`Gate`]: path check, CORS preflight, rules, token location, keys, verify, `jwt_authn` checks, policies, claim headers, reply |
//! | `decision` | [`Decision`] and its JSON |
//! | `answers` | the answer cache (verified and rejected tokens; reuse rules; keyed by provider, key-set version and token) |
//! | `keys` | [`ProviderKeys`] (a front end's remote keys) and [`Keyring`] (the core's, over [`keyset`]) |
//! | [`keyset`] | the sans-I/O key-set lifecycle: when to fetch, what to do with the answer |
//! | [`extract`], [`path`], [`reply`], [`jwt_authn`], `engine`, [`error`] | token location, the path check, local replies, `jwt_authn`'s extra checks, the calls into the verifier and policies, the gate's errors |
//!
//! A front end that must wait for keys ([`Verdict::Wait`]) fetches what its key source asks for
//! and decides again; the Envoy filter keeps the admitted request ([`Gate::admit`], then
//! [`Gate::resume`]) while its `proxy_http_call` runs. The proxy asks for
//! [`Detail::Reply`] (fail-fast verify, no report); the reply and the upstream edits are the
//! same code in both details.
//!
//! Decision JSON as implemented (`../shared` GATE-SPEC): `verdict`, `status` (absent while
//! waiting), `code` (refusals), `message` (full: a refusal's whole message; a wait names the
//! providers), `provider`, `reply` `{status, headers, body}` or `upstream` `{set?, remove?,
//! path?}` (`{}` when nothing changes), `checks`, `also_failing`, `alias`, `policies` (the
//! authorize report), `depends_on_login_order` (when another login sharing the alias would get
//! the other answer: `{verdict, otherwise, login, exact, message}`), `login_order` (the
//! provider's hazards when policies decided), `login_fix` (their verified fix, with
//! `login_order`).

mod answers;
pub mod config;
mod decide;
mod decision;
pub(crate) mod engine;
pub mod error;
pub mod extract;
pub mod jwt_authn;
mod keys;
pub mod keyset;
pub mod path;
pub mod reply;

pub use config::GateConfig;
pub use decide::{Detail, Gate, GateRequest, Pending};
pub use decision::{Answer, Decision, Edit, Edits, Pass, Verdict};
pub use error::GateError;
pub use keys::{KeyFetch, KeyState, Keyring, NoRemoteKeys, ProviderKeys};
pub use keyset::{
    Document, FetchProblem, FetchRequest, Handled, KeySetConfig, Keys, RemoteKeySet, Source,
};

// The Envoy filter's native tests reuse its signed-token helpers.
#[cfg(test)]
pub(crate) mod tests;
