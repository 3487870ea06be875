//! The whole verification: parse, choose a key, check the signature, check the claims, bind
//! the Vault role — with a [`Report`] of every step.
//!
//! | profile | order of checks |
//! |---|---|
//! | [`Profile::Standard`] | `token` → `alg` (allow-list, before any crypto) → `signature` → required claims, `iss`, `sub`, `aud`, `iat`, `nbf`, `exp` |
//! | [`Profile::Vault`] | `role_type` → `token_bound_cidrs` → `token` (read as go-jose reads it: whitespace removed, unused base64url bits ignored, with a `token_text` note) → `kid` (only with `jwks_pairs`) → `signature` → `ambiguous_claims` → `alg` → `registered_claims` → `iss` → `sub` → `aud` → `nbf`/`exp`/`iat` → `aud_unbound` → `user_claim` → `claim_mappings.*` → `groups_claim` → `bound_claims.*` → `alias_name` (Vault's order: the signature before `alg`) |
//!
//! [`verify`] fails fast: the report ends at the first failure. [`explain`] returns the same
//! answer (the same [`Rejected::error`]) but evaluates every check that can run, so a front end
//! can list every problem ([`Rejected::also_failing`]): claims are still checked when the
//! signature fails (marked as unverified), every time and bound claim is checked after the
//! first one fails, and a token that does not parse is still read part by part (a readable
//! header and signature are checked when only the payload is bad). A check that cannot run is
//! recorded as `skip` with the reason: the claim checks when the payload is not a JSON claims
//! set, the checks on a registered claim of the wrong type, the signature when no key was given
//! (that `skip` carries `ERR_KEYS_MISSING`: it still decides the answer).
//!
//! ```
//! use jwtgate::{explain, verify, Code, KeySet, Limits, UnixTime};
//! use jwtgate::{VaultConfig, VaultRole, VerifyOptions};
//!
//! let s = |f: &str| std::fs::read_to_string(format!("tests/fixtures/sample/{f}")).unwrap();
//! let limits = Limits::default();
//! let keys = KeySet::from_jwks(s("jwks.json").as_bytes(), &limits)?;
//! let role = VaultRole::from_json(s("role.json").as_bytes(), &limits)?; // what you `vault write`
//! let config = VaultConfig::from_json(s("config.json").as_bytes(), &limits)?;
//! let opts = VerifyOptions::vault(UnixTime(1_767_225_900), role, "nomad-workloads", config);
//! let verified = verify(s("token.jwt").trim(), &keys, &opts).map_err(|r| r.error)?;
//! assert_eq!(verified.alias.unwrap().name, "mongo");
//!
//! // Two hours later: expired; `explain` still reports every other check.
//! let mut later = opts.clone();
//! later.now = UnixTime(1_767_225_900 + 7200);
//! let rejected = explain(s("token.jwt").trim(), &keys, &later).unwrap_err();
//! assert_eq!(rejected.error.code(), Code::JwtExpired);
//! assert!(rejected.report.checks.iter().any(|c| c.id == "user_claim"));
//! # Ok::<(), jwtgate::Error>(())
//! ```

use alloc::borrow::Cow;
use alloc::boxed::Box;
use alloc::format;
use alloc::string::{String, ToString};
use alloc::vec::Vec;

use serde::ser::SerializeStruct;
use serde::{Serialize, Serializer};
use serde_json::{Map, Value};

use crate::claims::{standard, vault, ClaimError, Mode, StandardOptions, VaultContext, Wording};
use crate::error::Error;
use crate::identity::Alias;
use crate::jose::rsa::{PssSalt, RsaPublicOp};
use crate::jose::{self, Algorithm, Header, KeyError, KeySet};
use crate::json::write::Out;
use crate::limits::Limits;
use crate::report::{Check, Outcome, Report, Text};
use crate::role::{KeySource, VaultConfig, VaultRole};
use crate::time::UnixTime;

/// Which claim rules apply. Serialized as `{"standard": {..}}` or `{"vault": {..}}`.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Profile {
    /// RFC 7519 / jose-like checks.
    Standard(StandardOptions),
    /// Vault JWT-auth login semantics for a role (boxed: a role is much larger than the
    /// standard options).
    Vault(Box<VaultProfile>),
}

/// A Vault role, its name and the auth method's config.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct VaultProfile {
    /// The role.
    pub role: VaultRole,
    /// The role's name (alias metadata `role`).
    pub role_name: String,
    /// The auth method config; its `jwt_supported_algs` is the algorithm allow-list.
    pub config: VaultConfig,
}

/// Everything `verify` needs besides the token and the keys.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct VerifyOptions {
    /// The instant to evaluate at.
    pub now: UnixTime,
    /// Size limits for parsing.
    pub limits: Limits,
    /// Algorithm allow-list; `None` = all ten. In the Vault profile the effective list is
    /// this intersected with the config's `jwt_supported_algs` (all ten when empty).
    pub algorithms: Option<Vec<Algorithm>>,
    /// The claim rules.
    pub profile: Profile,
}

impl VerifyOptions {
    /// The RSASSA-PSS salt lengths the profile accepts: any that verifies for Vault (go-jose
    /// verifies with Go's `rsa.VerifyPSS(…, nil)`, which recovers the salt length), the hash
    /// length otherwise (RFC 7518 §3.5). A [`verify_with`] verifier applies it itself.
    pub fn pss_salt(&self) -> PssSalt {
        match self.profile {
            Profile::Vault(_) => PssSalt::Any,
            Profile::Standard(_) => PssSalt::HashLength,
        }
    }

    /// Options for the standard profile with default limits and every algorithm.
    pub fn standard(now: UnixTime, opts: StandardOptions) -> Self {
        VerifyOptions {
            now,
            limits: Limits::default(),
            algorithms: None,
            profile: Profile::Standard(opts),
        }
    }

    /// Options for the Vault profile with default limits.
    pub fn vault(now: UnixTime, role: VaultRole, role_name: &str, config: VaultConfig) -> Self {
        let profile = VaultProfile { role, role_name: String::from(role_name), config };
        VerifyOptions {
            now,
            limits: Limits::default(),
            algorithms: None,
            profile: Profile::Vault(Box::new(profile)),
        }
    }

    /// The algorithms this verification accepts.
    pub fn allowed_algorithms(&self) -> Vec<Algorithm> {
        self.allowed().into_owned()
    }

    /// [`Self::allowed_algorithms`], borrowing the constant list in the common case (standard
    /// profile, no allow-list) instead of building it on every verify.
    fn allowed(&self) -> Cow<'static, [Algorithm]> {
        let base = match &self.profile {
            Profile::Vault(v) => v.config.allowed_algorithms(),
            Profile::Standard(_) if self.algorithms.is_none() => {
                return Cow::Borrowed(&Algorithm::ALL)
            }
            Profile::Standard(_) => Algorithm::ALL.to_vec(),
        };
        match &self.algorithms {
            None => Cow::Owned(base),
            Some(list) => Cow::Owned(base.into_iter().filter(|a| list.contains(a)).collect()),
        }
    }
}

/// The key that verified the signature.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct KeyInfo {
    /// Its `kid` (PEM keys have none).
    pub kid: Option<String>,
    /// The algorithm it verified.
    pub alg: Algorithm,
    /// `RSA`, `EC` or `OKP`.
    pub kty: String,
    /// RFC 7638 SHA-256 thumbprint, base64url.
    pub thumbprint: String,
}

/// A token that passed every check.
#[derive(Clone, Debug, PartialEq)]
pub struct Verified {
    /// The JOSE header.
    pub header: Header,
    /// The claims set.
    pub claims: Map<String, Value>,
    /// The key that verified the signature.
    pub key: KeyInfo,
    /// The entity alias (Vault profile only).
    pub alias: Option<Alias>,
    /// Every check, in order.
    pub report: Report,
}

impl Serialize for Verified {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut st = s.serialize_struct("Verified", 5)?;
        st.serialize_field("header", &self.header.members)?;
        st.serialize_field("claims", &self.claims)?;
        st.serialize_field("key", &self.key)?;
        st.serialize_field("alias", &self.alias)?;
        st.serialize_field("report", &self.report)?;
        st.end()
    }
}

/// A token that failed, with the checks that ran.
#[derive(Clone, Debug, PartialEq)]
pub struct Rejected {
    /// The first failure in check order: the answer (in the Vault profile, what Vault says).
    pub error: Error,
    /// The checks that ran (with [`explain`]: every check that can run).
    pub report: Report,
}

impl Rejected {
    /// The checks that also fail, after the one behind [`Self::error`], in check order, each
    /// with its code, expected and actual values ([`Report::also_failing`]). Empty after
    /// [`verify`], which stops at the first failure; [`explain`] lists them all.
    pub fn also_failing(&self) -> impl Iterator<Item = &Check> {
        self.report.also_failing()
    }
}

/// [`Rejected::also_failing`] as a JSON array of checks.
struct AlsoFailing<'a>(&'a Report);

impl Serialize for AlsoFailing<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.0.also_failing())
    }
}

impl Serialize for Rejected {
    /// `{ code, message, claim?, expected?, actual?, report, also_failing }`.
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let (claim, expected, actual) = match &self.error {
            Error::Claim(c) => (c.claim(), c.expected(), c.actual()),
            _ => (None, None, None),
        };
        let mut st = s.serialize_struct("Rejected", 7)?;
        st.serialize_field("code", &self.error.code())?;
        st.serialize_field("message", &self.error.to_string())?;
        if let Some(c) = claim {
            st.serialize_field("claim", &c)?;
        }
        if let Some(e) = expected {
            st.serialize_field("expected", &e)?;
        }
        if let Some(a) = actual {
            st.serialize_field("actual", &a)?;
        }
        st.serialize_field("report", &self.report)?;
        st.serialize_field("also_failing", &AlsoFailing(&self.report))?;
        st.end()
    }
}

/// The report note for a token the Vault profile read as go-jose does.
fn vault_reading_note(r: &jose::VaultReading) -> Check {
    let mut what: Vec<String> = Vec::new();
    if let Some((count, offset, c)) = r.whitespace {
        what.push(format!(
            "{count} whitespace character(s) removed (the first, U+{:04X}, at byte offset \
             {offset})",
            u32::from(c)
        ));
    }
    for segment in &r.trailing_bits {
        what.push(format!(
            "{} ends in a symbol with non-zero unused bits (read as its canonical spelling)",
            segment.label()
        ));
    }
    Check::new(
        "token_text",
        Outcome::Info,
        format!(
            "Vault accepts this; RFC 7515 does not: {}; go-jose verifies the signature over the \
             re-encoded segments",
            what.join("; ")
        ),
    )
}

/// Verifies `token` against `keys`, failing fast.
pub fn verify(token: &str, keys: &KeySet, opts: &VerifyOptions) -> Result<Verified, Rejected> {
    verify_using(token, keys, opts, None)
}

/// [`verify`], with the RSA public operation computed by `rsa` when one is given (a host's
/// primitive, see [`RsaPublicOp`]: every acceptance check stays in the core).
pub fn verify_using(
    token: &str,
    keys: &KeySet,
    opts: &VerifyOptions,
    rsa: Option<&dyn RsaPublicOp>,
) -> Result<Verified, Rejected> {
    let pss = opts.pss_salt();
    verify_with(token, opts, Mode::FailFast, |alg, kid, input, sig| {
        key_from_set(keys, alg, kid, input, sig, pss, rsa)
    })
}

/// Like [`verify`], but after a failure keeps evaluating the independent checks so the report
/// lists every problem. The returned error is still the first failure in check order.
pub fn explain(token: &str, keys: &KeySet, opts: &VerifyOptions) -> Result<Verified, Rejected> {
    let pss = opts.pss_salt();
    verify_with(token, opts, Mode::Explain, |alg, kid, input, sig| {
        key_from_set(keys, alg, kid, input, sig, pss, None)
    })
}

fn key_from_set(
    keys: &KeySet,
    alg: Algorithm,
    kid: Option<&str>,
    input: &[u8],
    sig: &[u8],
    pss: PssSalt,
    rsa: Option<&dyn RsaPublicOp>,
) -> Result<KeyInfo, KeyError> {
    let key = jose::verify_signature_using(alg, kid, input, sig, keys, pss, rsa)?;
    Ok(KeyInfo {
        kid: key.kid.clone(),
        alg,
        kty: key.kty.as_str().into(),
        thumbprint: key.thumbprint.clone(),
    })
}

/// The pipeline with a caller-supplied signature check: `verifier(alg, kid, signing_input,
/// signature)` returns the key that verified it. [`verify`] and [`explain`] pass a [`KeySet`]
/// lookup; front ends with a verified-key cache pass their own.
pub fn verify_with<F>(
    token: &str,
    opts: &VerifyOptions,
    mode: Mode,
    mut verifier: F,
) -> Result<Verified, Rejected>
where
    F: FnMut(Algorithm, Option<&str>, &[u8], &[u8]) -> Result<KeyInfo, KeyError>,
{
    // Room for every check of a standard verify (twelve) without regrowing.
    let mut report = Report { checks: Vec::with_capacity(16) };
    let mut first: Option<Error> = None;
    // Records a failure; true = stop now.
    let stop = |first: &mut Option<Error>, e: Error| -> bool {
        first.get_or_insert(e);
        mode == Mode::FailFast
    };
    macro_rules! reject {
        () => {
            return Err(Rejected { error: first.unwrap_or_else(internal), report })
        };
    }

    let vault = match &opts.profile {
        Profile::Vault(v) => Some(v),
        Profile::Standard(_) => None,
    };
    if let Some(v) = vault {
        if let Err(e) = vault::check_role(&v.role, &mut report) {
            if stop(&mut first, e.into()) {
                reject!();
            }
        }
    }

    // Parse. The Vault profile reads a token RFC 7515 refuses for its text alone (whitespace,
    // non-canonical base64url) as go-jose does, and says so ([`jose::vault_reading`]).
    let strict = jose::parse_compact(token, &opts.limits);
    let reading = match &strict {
        Err(e) if vault.is_some() && jose::vault_may_forgive(e) => jose::vault_reading(token),
        _ => None,
    };
    let source = reading.as_ref().map_or(token, |r| r.canonical.as_str());
    let parsed = match &reading {
        Some(r) => jose::parse_compact(&r.canonical, &opts.limits),
        None => strict,
    };
    let parts = match parsed {
        Ok(jws) => {
            // "alg RS256, kid \"k1\", 11 claims", built without the formatting machinery.
            let mut actual = Out::with_capacity(64);
            actual.extend_from_slice(b"alg ");
            actual.extend_from_slice(jws.header.alg.as_str().as_bytes());
            actual.extend_from_slice(b", kid ");
            push_kid(&mut actual, jws.header.kid.as_deref());
            actual.extend_from_slice(b", ");
            crate::json::write::unsigned(&mut actual, jws.claims.len() as u64);
            actual.extend_from_slice(b" claims");
            let how = match reading {
                None => "compact JWS parsed strictly",
                Some(_) => "compact JWS parsed as Vault (go-jose) reads it",
            };
            report.push(Check::new("token", Outcome::Pass, how).with_actual(actual.into_text()));
            if let Some(r) = &reading {
                report.push(vault_reading_note(r));
            }
            // Moved, not copied.
            Parts {
                header: Some(jws.header),
                claims: Some(jws.claims),
                signing_input: jws.signing_input,
                signature: Some(jws.signature),
            }
        }
        Err(e) => {
            report.push(Check::new("token", Outcome::Fail, e.to_string()).with_code(e.code()));
            first.get_or_insert(e.into());
            if mode == Mode::FailFast {
                reject!();
            }
            // Explain: whatever part of the token still reads is checked; the rest is skipped.
            salvage(source, &opts.limits)
        }
    };
    let header = parts.header.as_ref();
    let allowed = opts.allowed();
    let wording = if vault.is_some() { Wording::Vault } else { Wording::Standard };
    let alg_check = |report: &mut Report| -> Result<(), ClaimError> {
        let Some(header) = header else {
            skipped(report, "alg", NO_HEADER);
            return Ok(());
        };
        if allowed.contains(&header.alg) {
            report.push(
                Check::new("alg", Outcome::Pass, "alg is allowed")
                    .with_expected(allowed_text(&allowed))
                    .with_actual(header.alg.quoted()),
            );
            Ok(())
        } else {
            let err =
                ClaimError::AlgNotAllowed { alg: header.alg, allowed: allowed.to_vec(), wording };
            report.push(vault::failure("alg", &err));
            Err(err)
        }
    };

    // Standard: refuse a disallowed alg before doing any cryptography.
    if vault.is_none() {
        if let Err(e) = alg_check(&mut report) {
            if stop(&mut first, e.into()) {
                reject!();
            }
        }
    }

    // Vault with `jwks_pairs` finds the key set through the token's kid (cap validateAll).
    if let Some(v) = vault {
        if v.config.key_source == Some(crate::role::KeySource::JwksPairs) {
            match header {
                None => skipped(&mut report, "kid", NO_HEADER),
                Some(h) if h.kid.is_none() => {
                    let err = ClaimError::KidRequired;
                    report.push(vault::failure("kid", &err));
                    if stop(&mut first, err.into()) {
                        reject!();
                    }
                }
                Some(_) => {}
            }
        }
    }

    // Signature.
    let verified = match (header, &parts.signature) {
        (Some(h), Some(sig)) => Some(verifier(h.alg, h.kid.as_deref(), parts.signing_input, sig)),
        _ => None,
    };
    let key = match verified {
        Some(Ok(key)) => {
            let mut actual = Out::with_capacity(80);
            actual.extend_from_slice(b"kid ");
            push_kid(&mut actual, key.kid.as_deref());
            actual.extend_from_slice(b", thumbprint ");
            actual.extend_from_slice(key.thumbprint.as_bytes());
            report.push(
                Check::new("signature", Outcome::Pass, verified_message(&key.kty))
                    .with_actual(actual.into_text()),
            );
            Some(key)
        }
        Some(Err(e @ KeyError::KeysMissing { .. })) if mode == Mode::Explain => {
            first.get_or_insert(no_key(e, &mut report));
            None
        }
        Some(Err(e)) => {
            let mut message = e.to_string();
            if let Some(v) = vault {
                message = match vault_signature_detail(&e, &v.config) {
                    Some(detail) => format!(
                        "error validating token: error verifying token signature: {detail} ({message})"
                    ),
                    None => format!(
                        "error validating token: error verifying token signature: {message}"
                    ),
                };
            }
            report.push(Check::new("signature", Outcome::Fail, message).with_code(e.code()));
            if stop(&mut first, e.into()) {
                reject!();
            }
            report.push(Check::new("unverified", Outcome::Info, UNVERIFIED));
            None
        }
        // Only in explain mode, after a parse failure.
        None => {
            let why = if header.is_none() { NO_HEADER } else { NO_SIGNATURE };
            skipped(&mut report, "signature", why);
            None
        }
    };

    let claims = parts.claims.as_ref();
    let alias = match vault {
        Some(v) => {
            match claims {
                Some(claims) => {
                    if let Err(e) = vault::check_ambiguous(claims, &mut report) {
                        if stop(&mut first, e.into()) {
                            reject!();
                        }
                    }
                }
                None => skipped(&mut report, "ambiguous_claims", NO_CLAIMS),
            }
            if let Err(e) = alg_check(&mut report) {
                if stop(&mut first, e.into()) {
                    reject!();
                }
            }
            let ctx = VaultContext {
                role: &v.role,
                role_name: &v.role_name,
                config: &v.config,
                now: opts.now,
            };
            match claims {
                Some(claims) => match vault::check_claims(claims, &ctx, mode, &mut report) {
                    Ok(alias) => Some(alias),
                    Err(e) => {
                        first.get_or_insert(e.into());
                        None
                    }
                },
                None => {
                    vault::skip_claims(&v.role, NO_CLAIMS, &mut report);
                    None
                }
            }
        }
        None => {
            if let Profile::Standard(std_opts) = &opts.profile {
                match claims {
                    Some(claims) => {
                        if let Err(e) =
                            standard::check(claims, std_opts, opts.now, mode, &mut report)
                        {
                            first.get_or_insert(e.into());
                        }
                    }
                    None => standard::skip(std_opts, NO_CLAIMS, &mut report),
                }
            }
            None
        }
    };

    match (first, key, parts.header, parts.claims) {
        (None, Some(key), Some(header), Some(claims)) => {
            Ok(Verified { header, claims, key, alias, report })
        }
        (first, ..) => Err(Rejected { error: first.unwrap_or_else(internal), report }),
    }
}

/// Why the header-based checks did not run in an explained report.
const NO_HEADER: &str = "not evaluated: the token's header could not be read (see token)";
/// Why the signature did not run in an explained report when only its segment is unusable.
const NO_SIGNATURE: &str = "not evaluated: the token's signature could not be read (see token)";
/// Why the claim checks did not run in an explained report.
const NO_CLAIMS: &str =
    "not evaluated: the token's payload is not a readable JSON claims set (see token)";
/// The note after a failed signature.
const UNVERIFIED: &str = "the checks below ran on claims whose signature did not verify";
/// The note after a signature that could not be checked for want of a key.
const UNVERIFIED_NO_KEY: &str =
    "the checks below ran on claims whose signature was not checked (no key was given)";

// The explain-only steps below are kept out of line (`cold`): they never run in fail-fast
// mode, and inlined they changed the code generated for the fail-fast path around them.

/// Records a check that could not run.
#[cold]
#[inline(never)]
fn skipped(report: &mut Report, id: &'static str, why: &'static str) {
    report.push(Check::new(id, Outcome::Skip, why));
}

/// Explain mode with no key at all: the signature cannot be checked, and it still decides the
/// answer (as in fail-fast mode), so the skip carries the code. Returns the error.
#[cold]
#[inline(never)]
fn no_key(e: KeyError, report: &mut Report) -> Error {
    let message = format!("not checked: {e}");
    report.push(Check::new("signature", Outcome::Skip, message).with_code(e.code()));
    report.push(Check::new("unverified", Outcome::Info, UNVERIFIED_NO_KEY));
    e.into()
}

/// The parts of a token the checks read. All present after a successful parse; after a failed
/// one (explain mode), whichever parts still read on their own ([`salvage`]).
struct Parts<'a> {
    header: Option<Header>,
    claims: Option<Map<String, Value>>,
    /// `header.payload` as the token spells it: what the signature covers.
    signing_input: &'a [u8],
    signature: Option<Vec<u8>>,
}

/// The parts of a token [`jose::parse_compact`] refused that still read on their own, with the
/// same rules and limits: a readable header and signature can still be checked when only the
/// payload is bad, and the claims when only the header or signature is. Nothing reads when the
/// token is over the length limit or does not have three segments. Linear in the token.
#[cold]
#[inline(never)]
fn salvage<'a>(token: &'a str, limits: &Limits) -> Parts<'a> {
    let mut parts = Parts { header: None, claims: None, signing_input: b"", signature: None };
    if token.len() > limits.max_token_len {
        return parts;
    }
    let mut split = token.split('.');
    let (Some(h), Some(p), Some(s), None) =
        (split.next(), split.next(), split.next(), split.next())
    else {
        return parts;
    };
    let object = |segment: &str, what: &'static str| -> Option<Map<String, Value>> {
        let bytes = crate::b64::decode(segment, what).ok()?;
        core::str::from_utf8(&bytes).ok()?;
        match crate::json::parse_value(&bytes, what, limits).ok()? {
            Value::Object(map) => Some(map),
            _ => None,
        }
    };
    if !h.is_empty() && h.len() <= limits.max_header_len {
        parts.header = object(h, "JOSE header").and_then(|m| Header::from_members(m).ok());
    }
    if !p.is_empty() {
        parts.claims = object(p, "JWT claims set").filter(|m| m.len() <= limits.max_claims);
    }
    parts.signature = crate::b64::decode(s, "signature").ok().filter(|sig| !sig.is_empty());
    parts.signing_input = token.as_bytes().get(..h.len() + 1 + p.len()).unwrap_or_default();
    parts
}

/// Appends a `kid` as the report shows it: JSON-quoted, or `none`.
fn push_kid(out: &mut Out, kid: Option<&str>) {
    match kid {
        Some(kid) => crate::json::write::string(out, kid),
        None => out.extend_from_slice(b"none"),
    }
}

/// `one of ["RS256",…]`: the `alg` check's expected value. Constant for the usual list (all
/// ten algorithms), so it is written once, not on every verify.
fn allowed_text(allowed: &[Algorithm]) -> Text {
    const ALL_TEXT: &str = "one of [\"RS256\",\"RS384\",\"RS512\",\"PS256\",\"PS384\",\"PS512\",\"ES256\",\"ES384\",\"ES512\",\"EdDSA\"]";
    if allowed == Algorithm::ALL {
        return Text::Borrowed(ALL_TEXT);
    }
    let mut expected = Out::with_capacity(96);
    expected.extend_from_slice(b"one of ");
    crate::json::write::list(&mut expected, allowed.iter().map(|a| a.as_str()));
    Text::Owned(expected.into_text())
}

/// `signature verified with <kty> key`, constant for the three key types.
fn verified_message(kty: &str) -> Text {
    match kty {
        "RSA" => Text::Borrowed("signature verified with RSA key"),
        "EC" => Text::Borrowed("signature verified with EC key"),
        "OKP" => Text::Borrowed("signature verified with OKP key"),
        other => {
            let mut message = String::with_capacity(32);
            message.push_str("signature verified with ");
            message.push_str(other);
            message.push_str(" key");
            Text::Owned(message)
        }
    }
}

/// Unreachable in practice (a missing key always records an error); kept typed, not a panic.
fn internal() -> Error {
    Error::Config(crate::role::ConfigError::OptionsInvalid {
        field: String::from("keys"),
        reason: String::from("no key verified the token and no error was recorded"),
    })
}

/// Vault's own words when no key verified the signature, which depend on the configured key
/// source (vault-semantics.md a.3): cap's static key set for `jwt_validation_pubkeys`, go-oidc's
/// remote key set for `jwks_url` and `oidc_discovery_url`. `None` when Vault's wording is not
/// known (`jwks_pairs`, no key source configured) or the failure is not a failed verification.
fn vault_signature_detail(e: &KeyError, config: &VaultConfig) -> Option<&'static str> {
    if !matches!(e, KeyError::SignatureInvalid { .. }) {
        return None;
    }
    match config.key_source? {
        KeySource::ValidationPubkeys => {
            Some("no known key successfully validated the token signature")
        }
        KeySource::JwksUrl | KeySource::OidcDiscoveryUrl => {
            Some("failed to verify id token signature")
        }
        KeySource::JwksPairs => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fixed_texts_are_what_the_writers_build() {
        let names = |algs: &[Algorithm]| -> Vec<&str> { algs.iter().map(|a| a.as_str()).collect() };
        for allowed in [&Algorithm::ALL[..], &[Algorithm::EdDSA], &Algorithm::ALL[1..], &[]] {
            let want = format!("one of {}", serde_json::to_string(&names(allowed)).unwrap());
            assert_eq!(allowed_text(allowed), want);
        }
        for kty in ["RSA", "EC", "OKP", "oct"] {
            assert_eq!(verified_message(kty), format!("signature verified with {kty} key"));
        }
    }
}
