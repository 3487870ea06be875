//! The explained answer: every check in order, with expected and actual values.

use alloc::borrow::Cow;
use alloc::vec::Vec;

use serde::Serialize;

use crate::code::Code;

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

/// The text of a check: borrowed when it is fixed (most ids and messages, and every id and
/// message of a passing standard verify), owned when it is rendered from values. Fixed text is
/// then neither allocated, copied nor freed on every verify.
pub type Text = Cow<'static, str>;

/// One step of a decision. Serialized as `{ id, outcome, code?, message, expected?, actual? }`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Check {
    /// Stable identifier of the check, e.g. `signature`, `exp`, `bound_claims./nomad_namespace`.
    pub id: Text,
    /// What happened.
    pub outcome: Outcome,
    /// The error code when the check failed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code: Option<Code>,
    /// Human-readable explanation (for a failure: Vault's wording first, where Vault has one).
    pub message: Text,
    /// The value the configuration expects, rendered for display.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expected: Option<Text>,
    /// The value the token (or request) has, rendered for display.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub actual: Option<Text>,
}

impl Check {
    /// A check with the given id, outcome and message, and no code or values.
    pub fn new(id: impl Into<Text>, outcome: Outcome, message: impl Into<Text>) -> Self {
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
    pub fn with_expected(mut self, expected: impl Into<Text>) -> Self {
        self.expected = Some(expected.into());
        self
    }

    /// Sets the actual value.
    pub fn with_actual(mut self, actual: impl Into<Text>) -> Self {
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

    /// The check that decided a rejection: the first that failed, or the first that had to run
    /// and could not (a `skip` that carries a code, such as the signature when no key was
    /// given). It is the check behind `Rejected::error` (`crate::verify::Rejected`).
    pub fn verdict(&self) -> Option<&Check> {
        self.verdict_index().and_then(|i| self.checks.get(i))
    }

    /// The checks that failed after the [`Self::verdict`], in order: what would still fail once
    /// the first problem is fixed. Empty for a report that stopped at its first failure
    /// (`verify`); `explain` evaluates every check that can run, so there it lists them all.
    pub fn also_failing(&self) -> impl Iterator<Item = &Check> {
        let start = self.verdict_index().map_or(self.checks.len(), |i| i + 1);
        self.checks.get(start..).unwrap_or_default().iter().filter(|c| c.outcome == Outcome::Fail)
    }

    fn verdict_index(&self) -> Option<usize> {
        self.checks.iter().position(|c| {
            c.outcome == Outcome::Fail || (c.outcome == Outcome::Skip && c.code.is_some())
        })
    }

    /// Appends the report as compact JSON to `out`: byte for byte what `serde_json` writes for
    /// it (field order, `None` fields left out), in a few large writes — most of a verified
    /// answer is its report, and the generic serializer cost more than the checks themselves
    /// in the size-optimised wasm module.
    pub fn write_json(&self, out: &mut crate::json::write::Out) {
        use crate::json::write::string;
        out.extend_from_slice(b"{\"checks\":[");
        for (i, c) in self.checks.iter().enumerate() {
            if i > 0 {
                out.push(b',');
            }
            out.extend_from_slice(b"{\"id\":");
            string(out, &c.id);
            out.extend_from_slice(match c.outcome {
                Outcome::Pass => b",\"outcome\":\"pass\"".as_slice(),
                Outcome::Fail => b",\"outcome\":\"fail\"".as_slice(),
                Outcome::Skip => b",\"outcome\":\"skip\"".as_slice(),
                Outcome::Info => b",\"outcome\":\"info\"".as_slice(),
            });
            if let Some(code) = c.code {
                out.extend_from_slice(b",\"code\":");
                string(out, code.as_str());
            }
            out.extend_from_slice(b",\"message\":");
            string(out, &c.message);
            if let Some(e) = &c.expected {
                out.extend_from_slice(b",\"expected\":");
                string(out, e);
            }
            if let Some(a) = &c.actual {
                out.extend_from_slice(b",\"actual\":");
                string(out, a);
            }
            out.push(b'}');
        }
        out.extend_from_slice(b"]}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_verdict_is_the_first_failure_or_coded_skip_and_the_rest_also_fail() {
        fn ids(r: &Report) -> Vec<&str> {
            r.also_failing().map(|c| &*c.id).collect()
        }
        let mut report = Report::default();
        report.push(Check::new("iss", Outcome::Skip, "not set"));
        assert!(report.verdict().is_none());
        assert!(ids(&report).is_empty());
        report.push(Check::new("sub", Outcome::Fail, "x").with_code(Code::JwtSubjectMismatch));
        report.push(Check::new("aud", Outcome::Pass, "ok"));
        report.push(Check::new("exp", Outcome::Fail, "x").with_code(Code::JwtExpired));
        report.push(Check::new("nbf", Outcome::Skip, "x").with_code(Code::KeysMissing));
        report.push(Check::new("iat", Outcome::Fail, "x").with_code(Code::JwtIssuedInFuture));
        assert_eq!(report.verdict().map(|c| &*c.id), Some("sub"));
        assert_eq!(ids(&report), ["exp", "iat"]);
        // A skip with a code before any failure is the verdict; it is not "also failing".
        let mut keyless = Report::default();
        keyless
            .push(Check::new("signature", Outcome::Skip, "no keys").with_code(Code::KeysMissing));
        keyless.push(Check::new("exp", Outcome::Fail, "x").with_code(Code::JwtExpired));
        assert_eq!(keyless.verdict().map(|c| &*c.id), Some("signature"));
        assert_eq!(ids(&keyless), ["exp"]);
    }

    #[test]
    fn write_json_is_what_serde_json_writes() {
        let mut report = Report::default();
        report
            .push(Check::new("token", Outcome::Pass, "parsed").with_actual("alg EdDSA, kid \"k\""));
        report.push(
            Check::new(
                "exp",
                Outcome::Fail,
                "tab\there, newline\nthere, \\ and \u{1} \u{1f} \u{7f} é ✓",
            )
            .with_code(Code::JwtExpired)
            .with_expected("now < 1000"),
        );
        report.push(Check::new("sub", Outcome::Skip, ""));
        report.push(Check::new("unverified", Outcome::Info, "\r"));
        report.push(Check::new("x", Outcome::Pass, "\u{8}\u{c}"));
        let mut ours = crate::json::write::Out::with_capacity(1);
        report.write_json(&mut ours);
        assert_eq!(ours.into_vec(), serde_json::to_vec(&report).unwrap());
        let mut empty = crate::json::write::Out::with_capacity(0);
        Report::default().write_json(&mut empty);
        assert_eq!(empty.into_vec(), b"{\"checks\":[]}");
    }
}
