//! The explained answer: every check in order, with expected and actual values.

use alloc::string::String;
use alloc::vec::Vec;

use serde::Serialize;

use crate::error::Code;

/// What happened to one check.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    /// The check ran and passed.
    Pass,
    /// The check ran and failed.
    Fail,
    /// The check did not apply (nothing configured for it) or could not run because an
    /// earlier step failed.
    Skip,
    /// Not a pass/fail check: information for the reader (e.g. which key was chosen).
    Info,
}

/// One step of a decision. Serialized as `{ id, outcome, code?, message, expected?, actual? }`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Check {
    /// Stable identifier of the check, e.g. `signature`, `exp`, `bound_claims./nomad_namespace`.
    pub id: String,
    /// What happened.
    pub outcome: Outcome,
    /// The error code when the check failed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code: Option<Code>,
    /// Human-readable explanation (for a failure: Vault's wording first, where Vault has one).
    pub message: String,
    /// The value the configuration expects, rendered for display.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expected: Option<String>,
    /// The value the token (or request) has, rendered for display.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub actual: Option<String>,
}

impl Check {
    /// A check with the given id, outcome and message, and no code or values.
    pub fn new(id: impl Into<String>, outcome: Outcome, message: impl Into<String>) -> Self {
        Check {
            id: id.into(),
            outcome,
            code: None,
            message: message.into(),
            expected: None,
            actual: None,
        }
    }

    /// Sets the error code.
    pub fn with_code(mut self, code: Code) -> Self {
        self.code = Some(code);
        self
    }

    /// Sets the expected value.
    pub fn with_expected(mut self, expected: impl Into<String>) -> Self {
        self.expected = Some(expected.into());
        self
    }

    /// Sets the actual value.
    pub fn with_actual(mut self, actual: impl Into<String>) -> Self {
        self.actual = Some(actual.into());
        self
    }
}

/// Every check of one decision, in the order they ran.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Report {
    /// The checks, in order.
    pub checks: Vec<Check>,
}

impl Report {
    /// Appends a check.
    pub fn push(&mut self, check: Check) {
        self.checks.push(check);
    }

    /// The first failed check, if any.
    pub fn first_failure(&self) -> Option<&Check> {
        self.checks.iter().find(|c| c.outcome == Outcome::Fail)
    }

    /// Whether no check failed.
    pub fn passed(&self) -> bool {
        self.first_failure().is_none()
    }
}
