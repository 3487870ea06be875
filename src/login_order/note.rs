//! What a shown verdict says about login order: the hazards that make an allowed or denied
//! answer depend on who logged in last with the same entity alias, and the fix. Every front
//! end that shows a Vault policy verdict (the npm `authorize` report, the CLI's `authorize`
//! and `gate`, the gate's `Decision`) carries this; whether one answer depends on login order
//! (the mark beside the verdict) is decided per answer by [`super::depends`].

use alloc::string::String;
use alloc::vec::Vec;

use serde::Serialize;

use super::depends::free_keys;
use super::{analyze, suggest, Finding, Setup, Severity, Suggestion};

/// The login-order note of a setup whose answers depend on login order.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LoginOrderNote {
    /// The security and reliability findings (notices left out), most severe first.
    pub hazards: Vec<Finding>,
    /// The first suggested change the re-run analysis verified, if one exists.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fix: Option<Suggestion>,
    /// The alias metadata keys another login sharing the alias can change
    /// ([`super::depends::free_keys`]): what decides, per answer, whether that answer depends
    /// on login order ([`super::depends::depends`]). Not part of the JSON.
    #[serde(skip)]
    pub free: Vec<String>,
}

/// The note for `setup`: `None` when no security or reliability finding makes its answers
/// depend on login order.
pub fn note(setup: &Setup) -> Option<LoginOrderNote> {
    let analysis = analyze(setup);
    if !analysis.hazard {
        return None;
    }
    let fix = suggest(setup, &analysis).into_iter().find(|s| s.verified);
    let free = free_keys(&analysis);
    let hazards = analysis
        .findings
        .into_iter()
        .filter(|f| matches!(f.severity, Severity::Security | Severity::Reliability))
        .collect();
    Some(LoginOrderNote { hazards, fix, free })
}
