//! The `vault` profile: Vault JWT-auth login semantics (vault-semantics §a), in Vault's order.
//!
//! | step | check id | §a.1 |
//! |---|---|---|
//! | role_type must be `jwt` | `role_type` | 2 |
//! | `token_bound_cidrs` (not checkable offline) | `token_bound_cidrs` | 4 |
//! | signature, then `alg` (in [`crate::verify`]) | `signature`, `alg` | 5, 7 |
//! | case-folded registered-claim keys (cap HEAD) | `ambiguous_claims` | 6 |
//! | registered claim types | `registered_claims` | 8 |
//! | `bound_issuer` | `iss` | 9 |
//! | `bound_subject` | `sub` | 10 |
//! | `bound_audiences` | `aud` | 11 |
//! | time: nbf, exp, iat | `time_claims`, `nbf`, `exp`, `iat` | 12 |
//! | empty `bound_audiences` rejects any `aud` | `aud_unbound` | 13 |
//! | `user_claim` | `user_claim` | 14 |
//! | `claim_mappings` | `claim_mappings.<source>` | 15 |
//! | `groups_claim` | `groups_claim` | 16 |
//! | `bound_claims` | `bound_claims.<key>` | 17 |
//! | empty alias name | `alias_name` | 18 |

use alloc::format;
use alloc::string::{String, ToString};
use alloc::vec::Vec;

use serde_json::{Map, Value};

use super::registered::{self, Registered};
use super::{bound, mapping, render, ClaimError, Mode, NbfSource, Wording};
use crate::identity::Alias;
use crate::report::{Check, Outcome, Report, Text};
use crate::role::{
    ConfigError, VaultConfig, VaultRole, DEFAULT_CLAIM_LEEWAY, DEFAULT_CLOCK_SKEW_LEEWAY,
};
use crate::time::UnixTime;

/// Everything the Vault profile needs besides the claims.
#[derive(Clone, Copy, Debug)]
pub struct VaultContext<'a> {
    /// The role the login names.
    pub role: &'a VaultRole,
    /// The role's name (becomes the `role` alias metadata).
    pub role_name: &'a str,
    /// The auth method's config (`bound_issuer`, `jwt_supported_algs`).
    pub config: &'a VaultConfig,
    /// The instant to evaluate at.
    pub now: UnixTime,
}

/// Collects checks and remembers the first failure.
struct Run<'r> {
    mode: Mode,
    report: &'r mut Report,
    first: Option<ClaimError>,
}

impl Run<'_> {
    fn push(&mut self, check: Check) {
        self.report.push(check);
    }

    /// Records a failure; returns `true` when evaluation must stop.
    fn fail(&mut self, id: impl Into<Text>, err: ClaimError) -> bool {
        self.report.push(failure(id, &err));
        if self.first.is_none() {
            self.first = Some(err);
        }
        self.mode == Mode::FailFast
    }

    fn finish<T>(self, value: T) -> Result<T, ClaimError> {
        match self.first {
            Some(e) => Err(e),
            None => Ok(value),
        }
    }
}

/// A failed check built from an error: its message, code, expected and actual.
pub(crate) fn failure(id: impl Into<Text>, err: &ClaimError) -> Check {
    let mut c = Check::new(id, Outcome::Fail, err.to_string()).with_code(err.code());
    c.expected = err.expected().map(Text::from);
    c.actual = err.actual().map(Text::from);
    c
}

/// Login steps 2 and 4: the role must be a `jwt` role; `token_bound_cidrs` is reported as not
/// checkable offline.
pub fn check_role(role: &VaultRole, report: &mut Report) -> Result<(), ConfigError> {
    let result = role.require_jwt();
    match &result {
        Ok(()) => report.push(
            Check::new("role_type", Outcome::Pass, "role_type is \"jwt\"")
                .with_expected("\"jwt\"")
                .with_actual("\"jwt\""),
        ),
        Err(e) => {
            let actual = if role.role_type_explicit { "\"oidc\"" } else { "(absent: oidc)" };
            report.push(
                Check::new("role_type", Outcome::Fail, e.to_string())
                    .with_code(e.code())
                    .with_expected("\"jwt\"")
                    .with_actual(actual),
            );
        }
    }
    if role.token_bound_cidrs.is_empty() {
        report.push(Check::new("token_bound_cidrs", Outcome::Skip, "token_bound_cidrs not set"));
    } else {
        report.push(
            Check::new(
                "token_bound_cidrs",
                Outcome::Skip,
                "token_bound_cidrs is set: Vault also requires the client address to be inside \
                 these ranges, which cannot be checked offline",
            )
            .with_expected(render::list(&role.token_bound_cidrs)),
        );
    }
    result
}

/// cap HEAD's claims-confusion guard (§a.1 step 6): runs after the signature, before `alg`.
pub fn check_ambiguous(claims: &Map<String, Value>, report: &mut Report) -> Result<(), ClaimError> {
    match registered::ambiguous_key(claims) {
        None => {
            report.push(Check::new(
                "ambiguous_claims",
                Outcome::Pass,
                "no key collides with a registered claim name under case folding",
            ));
            Ok(())
        }
        Some((key, name)) => {
            let err = ClaimError::Ambiguous { key, registered: name };
            report.push(failure("ambiguous_claims", &err));
            Err(err)
        }
    }
}

/// Login steps 8–18 on a claims set whose signature and `alg` were already checked.
/// Returns the alias Vault would create, or the first failure in Vault's order.
pub fn check_claims(
    claims: &Map<String, Value>,
    ctx: &VaultContext<'_>,
    mode: Mode,
    report: &mut Report,
) -> Result<Alias, ClaimError> {
    let mut run = Run { mode, report, first: None };
    let role = ctx.role;

    // Step 8: registered claims typed as go-jose does.
    let reg = match registered::decode_vault(claims) {
        Ok(reg) => {
            run.push(Check::new(
                "registered_claims",
                Outcome::Pass,
                "iss/sub/jti are strings, aud a string or list of strings, exp/nbf/iat numbers",
            ));
            Some(reg)
        }
        Err(e) => {
            if run.fail("registered_claims", e) {
                return run.finish(Alias::default());
            }
            None
        }
    };

    match &reg {
        Some(reg) => {
            if registered_checks(&mut run, reg, &[], ctx) {
                return run.finish(Alias::default());
            }
        }
        // Explain: each registered claim decoded on its own, so the checks on the claims
        // whose type is right still run (Vault stops at the decoding error above).
        None => {
            let (each, wrong) = registered::decode_vault_each(claims);
            registered_checks(&mut run, &each, &wrong, ctx);
        }
    }

    // Step 14: alias name.
    let name = match mapping::user_claim(claims, role) {
        Ok(name) => {
            run.push(
                Check::new(
                    "user_claim",
                    Outcome::Pass,
                    render::concat(&[
                        "alias name from user_claim ",
                        &render::quoted(&role.user_claim),
                    ]),
                )
                .with_actual(render::quoted(&name)),
            );
            Some(name)
        }
        Err(e) => {
            if run.fail("user_claim", e) {
                return run.finish(Alias::default());
            }
            None
        }
    };

    // Step 15: metadata, then `role`.
    let mut metadata = alloc::collections::BTreeMap::new();
    for (source, dest) in &role.claim_mappings {
        let id = render::concat(&["claim_mappings.", source]);
        match mapping::mapping(claims, source) {
            Ok(Some(v)) => {
                run.push(
                    Check::new(
                        id.clone(),
                        Outcome::Pass,
                        render::concat(&[
                            "metadata ",
                            &render::debug_quoted(dest),
                            " from claim ",
                            &render::debug_quoted(source),
                        ]),
                    )
                    .with_actual(render::quoted(&v)),
                );
                metadata.insert(dest.clone(), v);
            }
            Ok(None) => run.push(Check::new(
                id.clone(),
                Outcome::Info,
                format!(
                    "claim {source:?} not in token: metadata {dest:?} is not set (Vault skips \
                     missing mapped claims silently; templates using it will not render)"
                ),
            )),
            Err(e) => {
                if run.fail(id.clone(), e) {
                    return run.finish(Alias::default());
                }
            }
        }
    }
    metadata.insert(String::from("role"), String::from(ctx.role_name));

    // Step 16: groups.
    let mut groups = Vec::new();
    if role.groups_claim.is_empty() {
        run.push(Check::new("groups_claim", Outcome::Skip, "groups_claim not set"));
    } else {
        match mapping::groups(claims, &role.groups_claim) {
            Ok(g) => {
                run.push(
                    Check::new("groups_claim", Outcome::Pass, "group alias names")
                        .with_actual(render::list(&g)),
                );
                groups = g;
            }
            Err(e) => {
                if run.fail("groups_claim", e) {
                    return run.finish(Alias::default());
                }
            }
        }
    }

    // Step 17: bound claims, in sorted key order (Go map order is random).
    if role.bound_claims.is_empty() {
        run.push(Check::new("bound_claims", Outcome::Skip, "bound_claims not set"));
    }
    for (key, want) in &role.bound_claims {
        let id = render::concat(&["bound_claims.", key]);
        match bound::check_one(claims, key, want, role.bound_claims_type) {
            Ok(()) => {
                let actual = super::pointer::get(claims, key).map(render::json).unwrap_or_default();
                run.push(
                    Check::new(
                        id.clone(),
                        Outcome::Pass,
                        render::concat(&["claim ", &render::debug_quoted(key), " matches"]),
                    )
                    .with_expected(render::json(want))
                    .with_actual(actual),
                );
            }
            Err(e) => {
                if run.fail(id.clone(), e) {
                    return run.finish(Alias::default());
                }
            }
        }
    }

    // Step 18: Vault core refuses an empty alias name.
    match name.as_deref() {
        Some("") => {
            let err = ClaimError::AliasNameEmpty { claim: role.user_claim.clone() };
            if run.fail("alias_name", err) {
                return run.finish(Alias::default());
            }
        }
        Some(_) => {}
        // Only in explain mode: fail-fast returned at the user_claim failure.
        None => run.push(Check::new(
            "alias_name",
            Outcome::Skip,
            "not evaluated: user_claim gave no alias name (see user_claim)",
        )),
    }
    run.finish(Alias { name: name.unwrap_or_default(), metadata, groups })
}

/// Every check of [`check_claims`] (steps 8–18), recorded as `skip` with `reason`: what an
/// explained report shows when the token's claims could not be read at all.
#[cold]
#[inline(never)]
pub fn skip_claims(role: &VaultRole, reason: &'static str, report: &mut Report) {
    let fixed = [
        "registered_claims",
        "iss",
        "sub",
        "aud",
        "nbf",
        "exp",
        "iat",
        "aud_unbound",
        "user_claim",
    ];
    for id in fixed {
        report.push(Check::new(id, Outcome::Skip, reason));
    }
    for source in role.claim_mappings.keys() {
        report.push(Check::new(format!("claim_mappings.{source}"), Outcome::Skip, reason));
    }
    report.push(Check::new("groups_claim", Outcome::Skip, reason));
    if role.bound_claims.is_empty() {
        report.push(Check::new("bound_claims", Outcome::Skip, reason));
    }
    for key in role.bound_claims.keys() {
        report.push(Check::new(format!("bound_claims.{key}"), Outcome::Skip, reason));
    }
    report.push(Check::new("alias_name", Outcome::Skip, reason));
}

/// Why a check on a registered claim did not run in an explained report.
const WRONG_TYPE: &str = "not evaluated: the claim has the wrong type (see registered_claims)";

/// Steps 9–13. `wrong` names the registered claims whose type is wrong (explain mode only):
/// the checks that read them are recorded as skipped. Returns `true` when evaluation must stop.
fn registered_checks(
    run: &mut Run<'_>,
    reg: &Registered,
    wrong: &[&str],
    ctx: &VaultContext<'_>,
) -> bool {
    let role = ctx.role;
    let quoted_opt = |s: &Option<String>| s.as_deref().map(render::quoted);

    // Step 9: iss.
    let bound_iss = &ctx.config.bound_issuer;
    if wrong.contains(&"iss") {
        run.push(Check::new("iss", Outcome::Skip, WRONG_TYPE));
    } else if bound_iss.is_empty() {
        run.push(Check::new(
            "iss",
            Outcome::Skip,
            "bound_issuer not set in the auth method config",
        ));
    } else if reg.iss.as_deref() == Some(bound_iss.as_str()) {
        run.push(
            Check::new("iss", Outcome::Pass, "iss equals bound_issuer")
                .with_expected(render::quoted(bound_iss))
                .with_actual(render::quoted(bound_iss)),
        );
    } else {
        let err = ClaimError::Issuer {
            expected: alloc::vec![bound_iss.clone()],
            actual: quoted_opt(&reg.iss),
            wording: Wording::Vault,
        };
        if run.fail("iss", err) {
            return true;
        }
    }

    // Step 10: sub.
    let bound_sub = &role.bound_subject;
    if wrong.contains(&"sub") {
        run.push(Check::new("sub", Outcome::Skip, WRONG_TYPE));
    } else if bound_sub.is_empty() {
        run.push(Check::new("sub", Outcome::Skip, "bound_subject not set"));
    } else if reg.sub.as_deref() == Some(bound_sub.as_str()) {
        run.push(
            Check::new("sub", Outcome::Pass, "sub equals bound_subject")
                .with_expected(render::quoted(bound_sub))
                .with_actual(render::quoted(bound_sub)),
        );
    } else {
        let err = ClaimError::Subject {
            expected: bound_sub.clone(),
            actual: quoted_opt(&reg.sub),
            wording: Wording::Vault,
        };
        if run.fail("sub", err) {
            return true;
        }
    }

    // Step 11: aud against non-empty bound_audiences.
    let aud_json = reg.aud.as_ref().map(|a| match (reg.aud_was_string, a.as_slice()) {
        (true, [one]) => render::quoted(one),
        _ => render::list(a),
    });
    let aud_wrong = wrong.contains(&"aud");
    if aud_wrong {
        run.push(Check::new("aud", Outcome::Skip, WRONG_TYPE));
    } else if role.bound_audiences.is_empty() {
        run.push(Check::new("aud", Outcome::Skip, "bound_audiences not set (see aud_unbound)"));
    } else {
        let matched =
            reg.aud.as_ref().and_then(|aud| role.bound_audiences.iter().find(|b| aud.contains(b)));
        match matched {
            Some(m) => run.push(
                Check::new(
                    "aud",
                    Outcome::Pass,
                    render::concat(&["aud contains bound audience ", &render::debug_quoted(m)]),
                )
                .with_expected(render::concat(&["one of ", &render::list(&role.bound_audiences)]))
                .with_actual(aud_json.clone().unwrap_or_default()),
            ),
            None => {
                let err = ClaimError::Audience {
                    expected: role.bound_audiences.clone(),
                    actual: aud_json.clone(),
                    wording: Wording::Vault,
                };
                if run.fail("aud", err) {
                    return true;
                }
            }
        }
    }

    // Step 12: time. The three are read together (a missing one is invented from the
    // others), so one of the wrong type leaves none of them checkable.
    if wrong.iter().any(|c| matches!(*c, "nbf" | "exp" | "iat")) {
        for id in ["nbf", "exp", "iat"] {
            run.push(Check::new(
                id,
                Outcome::Skip,
                "not evaluated: a time claim (iat, nbf, exp) has the wrong type (see \
                 registered_claims)",
            ));
        }
    } else if time_checks(run, reg, ctx) {
        return true;
    }

    // Step 13: no bound audiences → any non-empty aud fails (even [""]).
    if role.bound_audiences.is_empty() && aud_wrong {
        run.push(Check::new("aud_unbound", Outcome::Skip, WRONG_TYPE));
    } else if role.bound_audiences.is_empty() {
        let non_empty = match (&reg.aud, reg.aud_was_string) {
            (Some(a), true) => a.first().is_some_and(|s| !s.is_empty()),
            (Some(a), false) => !a.is_empty(),
            (None, _) => false,
        };
        if non_empty {
            let err = ClaimError::AudienceUnbound { actual: aud_json.unwrap_or_default() };
            if run.fail("aud_unbound", err) {
                return true;
            }
        } else {
            run.push(Check::new(
                "aud_unbound",
                Outcome::Pass,
                "role binds no audiences and the token has no (non-empty) aud",
            ));
        }
    }
    false
}

/// Step 12 with cap's leeway algorithm (§a.4). Returns `true` when evaluation must stop.
fn time_checks(run: &mut Run<'_>, reg: &Registered, ctx: &VaultContext<'_>) -> bool {
    let role = ctx.role;
    let now = ctx.now.seconds();
    // A literal 0 counts as absent.
    let iat = reg.iat.unwrap_or(0);
    let nbf = reg.nbf.unwrap_or(0);
    let exp = reg.exp.unwrap_or(0);
    if iat == 0 && nbf == 0 && exp == 0 {
        for id in ["nbf", "exp", "iat"] {
            run.push(Check::new(id, Outcome::Skip, "no time claims"));
        }
        return run.fail("time_claims", ClaimError::NoTimeClaims);
    }
    let skew = role.clock_skew_leeway.resolve(DEFAULT_CLOCK_SKEW_LEEWAY);
    let exp_leeway = role.expiration_leeway.resolve(DEFAULT_CLAIM_LEEWAY);
    let nbf_leeway = role.not_before_leeway.resolve(DEFAULT_CLAIM_LEEWAY);

    let exp_invented = exp == 0;
    let exp_eff = if exp_invented { iat.max(nbf).saturating_add(exp_leeway) } else { exp };
    let (nbf_eff, source) = match (nbf, iat) {
        (0, 0) => (exp_eff.saturating_sub(nbf_leeway), NbfSource::Invented),
        (0, iat) => (iat, NbfSource::Iat),
        (nbf, _) => (nbf, NbfSource::Claim),
    };

    // nbf: fail if now + skew < nbf (inclusive boundary).
    if now.saturating_add(skew) < nbf_eff {
        let err = ClaimError::NotYetValid {
            nbf: nbf_eff,
            now,
            leeway: skew,
            source,
            wording: Wording::Vault,
        };
        if run.fail("nbf", err) {
            return true;
        }
    } else {
        let how = match source {
            NbfSource::Claim => String::from("nbf"),
            NbfSource::Iat => String::from("nbf (taken from iat: the token has no nbf)"),
            NbfSource::Invented => format!(
                "nbf (invented as exp - not_before_leeway {nbf_leeway}s: the token has no nbf or iat)"
            ),
        };
        run.push(
            Check::new(
                "nbf",
                Outcome::Pass,
                render::concat(&[
                    &how,
                    " is not after now + clock_skew_leeway ",
                    &render::int(skew),
                    "s",
                ]),
            )
            .with_expected(render::concat(&["<= now + ", &render::int(skew), "s"]))
            .with_actual(render::time(nbf_eff)),
        );
    }

    // exp: fail if now - skew > exp.
    if now.saturating_sub(skew) > exp_eff {
        let err = ClaimError::Expired {
            exp: exp_eff,
            now,
            leeway: skew,
            invented: exp_invented,
            wording: Wording::Vault,
        };
        if run.fail("exp", err) {
            return true;
        }
    } else {
        let how = if exp_invented {
            format!(
                "exp (invented as max(iat, nbf) + expiration_leeway {exp_leeway}s: the token has no exp)"
            )
        } else {
            String::from("exp")
        };
        let left = exp_eff.saturating_add(skew).saturating_sub(now);
        run.push(
            Check::new(
                "exp",
                Outcome::Pass,
                render::concat(&[
                    &how,
                    " is not before now - clock_skew_leeway ",
                    &render::int(skew),
                    "s (",
                    &render::duration(left),
                    " left)",
                ]),
            )
            .with_expected(render::concat(&[">= now - ", &render::int(skew), "s"]))
            .with_actual(render::time(exp_eff)),
        );
    }

    // iat: fail if now + skew < iat.
    if iat == 0 {
        run.push(Check::new("iat", Outcome::Skip, "token has no iat"));
    } else if now.saturating_add(skew) < iat {
        let err = ClaimError::IssuedInFuture { iat, now, leeway: skew };
        if run.fail("iat", err) {
            return true;
        }
    } else {
        run.push(
            Check::new(
                "iat",
                Outcome::Pass,
                render::concat(&[
                    "iat is not after now + clock_skew_leeway ",
                    &render::int(skew),
                    "s",
                ]),
            )
            .with_expected(render::concat(&["<= now + ", &render::int(skew), "s"]))
            .with_actual(render::time(iat)),
        );
    }
    false
}

/// The claims part of a Vault login without a token: role type (step 2), `token_bound_cidrs`
/// (step 4), the ambiguous-key guard (step 6) and steps 8–18. Used by the Vault-semantics
/// vectors and by front ends that hold decoded claims; [`crate::verify`] runs the same steps
/// around the signature and `alg` checks.
pub fn validate(
    claims: &Map<String, Value>,
    ctx: &VaultContext<'_>,
    mode: Mode,
    report: &mut Report,
) -> Result<Alias, LoginError> {
    let mut first: Option<LoginError> = None;
    if let Err(e) = check_role(ctx.role, report) {
        if mode == Mode::FailFast {
            return Err(e.into());
        }
        first = Some(e.into());
    }
    if let Err(e) = check_ambiguous(claims, report) {
        if mode == Mode::FailFast {
            return Err(e.into());
        }
        first.get_or_insert(e.into());
    }
    let result = check_claims(claims, ctx, mode, report);
    match (first, result) {
        (Some(e), _) => Err(e),
        (None, r) => r.map_err(LoginError::Claim),
    }
}

/// Why the claims part of a Vault login ([`validate`]) failed: the role itself, or a claim.
/// `?` turns it into the top-level [`crate::Error`] (`Config` or `Claim`).
#[derive(Clone, Debug, PartialEq)]
pub enum LoginError {
    /// The role cannot log anyone in (wrong `role_type`, no `bound_audiences` rule, ...).
    Role(ConfigError),
    /// A claim failed its check.
    Claim(ClaimError),
}

impl LoginError {
    /// The stable machine code for this error.
    pub fn code(&self) -> crate::code::Code {
        match self {
            LoginError::Role(e) => e.code(),
            LoginError::Claim(e) => e.code(),
        }
    }
}

impl core::fmt::Display for LoginError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            LoginError::Role(e) => e.fmt(f),
            LoginError::Claim(e) => e.fmt(f),
        }
    }
}

impl From<ConfigError> for LoginError {
    fn from(e: ConfigError) -> Self {
        LoginError::Role(e)
    }
}

impl From<ClaimError> for LoginError {
    fn from(e: ClaimError) -> Self {
        LoginError::Claim(e)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::code::Code;
    use alloc::string::ToString;
    use serde_json::json;

    fn run(claims: Value, role: Value, now: i64) -> (Result<Alias, LoginError>, Report) {
        let role = VaultRole::from_map(role.as_object().unwrap()).unwrap();
        let config = VaultConfig::default();
        let ctx = VaultContext { role: &role, role_name: "r", config: &config, now: UnixTime(now) };
        let mut report = Report::default();
        let r = validate(claims.as_object().unwrap(), &ctx, Mode::FailFast, &mut report);
        (r, report)
    }

    #[test]
    fn expiry_is_reported_before_bound_claims_and_boundary_is_inclusive() {
        let role = json!({"role_type": "jwt", "user_claim": "sub", "bound_claims": {"x": "y"}});
        let (r, _) = run(json!({"sub": "s", "exp": 1000, "x": "no"}), role.clone(), 1061);
        assert_eq!(r.unwrap_err().code(), Code::JwtExpired);
        let (r, _) = run(json!({"sub": "s", "exp": 1000, "x": "no"}), role.clone(), 1060);
        assert_eq!(r.unwrap_err().code(), Code::BoundClaimMismatch);
        let (r, _) = run(json!({"sub": "s", "exp": 1000, "x": "y"}), role, 1060);
        let alias = r.unwrap();
        assert_eq!(alias.name, "s");
        assert_eq!(alias.metadata.get("role").map(String::as_str), Some("r"));
    }

    #[test]
    fn messages_start_with_vault_wording() {
        let role =
            json!({"role_type": "jwt", "user_claim": "sub", "bound_audiences": ["vault.io"]});
        let (r, report) = run(json!({"sub": "s", "iat": 100, "aud": ["nomad.io"]}), role, 100);
        let e = r.unwrap_err();
        assert_eq!(
            e.to_string(),
            "error validating token: invalid audience (aud) claim: audience claim does not match \
             any expected audience (expected one of [\"vault.io\"], token has [\"nomad.io\"])"
        );
        let fail = report.first_failure().unwrap();
        assert_eq!(fail.id, "aud");
        assert_eq!(fail.expected.as_deref(), Some("[\"vault.io\"]"));
    }
}
