//! The npm package's boundary (feature `js`): converts JavaScript's inputs to the core's and the
//! core's answers back, and decides nothing.
//!
//! Answers are JSON text (`{"ok": <value>}`, or a verification's compact form, see
//! [`crate::session::verified_text`]), which `pkg/src/api.js` parses once. A failure is thrown
//! as a JavaScript object `{ code, message, claim?, expected?, actual?, payload?, report? }`
//! built from the core's [`Failure`] (the values as JavaScript values, not text), which
//! `pkg/src/engine.js` turns into a `JwtgateError`.
//!
//! The state and rules behind the exports are the core's: [`Session`] (the `Verifier`),
//! [`crate::web_identity`], [`crate::documents`], [`crate::login_order::run`].
//! Test-identity minting ([`crate::js_mint`]) and the gate ([`crate::js_gate`], `createGate`)
//! are separate modules, loaded only when used; the helpers they share are in
//! [`crate::js_shared`].

// The remote key-set lifecycle's boundary (`RemoteKeys`), kept apart from the verifier's.
mod remote_keys;
// A JavaScript function as the core's RSA public operation (the Node entry's host primitive).
mod rsa_op;

use alloc::borrow::Cow;
use alloc::string::String;
use alloc::vec::Vec;

use serde::Serialize;
use serde_json::Value;
use wasm_bindgen::prelude::{wasm_bindgen, JsValue};

use crate::code::Code;
use crate::documents;
use crate::failure::Failure;
use crate::js_shared::{ok, unix_time};
use crate::limits::Limits;
use crate::login_order::run::{self as login_order_run, AnswerInput, LoginOrderInput};
use crate::session::{from_json, Answer, AuthorizeInput, Session, SessionOptions};
use crate::time::UnixTime;
use crate::web_identity::{self, WebIdentityInput};

/// A JavaScript value of a Rust one, through its JSON text: `JSON.parse` builds it inside the
/// engine in one call, faster than setting members one by one from here.
fn js_json<T: Serialize + ?Sized>(value: &T) -> JsValue {
    serde_json::to_string(value)
        .ok()
        .and_then(|text| js_sys::JSON::parse(&text).ok())
        .unwrap_or(JsValue::NULL)
}

/// The object a failure is thrown as (see the module docs).
fn thrown(f: Failure) -> JsValue {
    let object = js_sys::Object::new();
    let set = |key: &str, value: JsValue| {
        // Setting a member of a fresh plain object cannot fail.
        let _ = js_sys::Reflect::set(&object, &JsValue::from_str(key), &value);
    };
    set("code", JsValue::from_str(f.code.as_str()));
    set("message", JsValue::from_str(&f.message));
    if let Some(d) = &f.detail {
        if let Some(claim) = &d.claim {
            set("claim", JsValue::from_str(claim));
        }
        if let Some(v) = &d.expected {
            set("expected", js_json(v));
        }
        if let Some(v) = &d.actual {
            set("actual", js_json(v));
        }
        if let Some(p) = &d.payload {
            set("payload", js_json(p));
        }
        let mut out = crate::json::write::Out::with_capacity(1024);
        d.report.write_json(&mut out);
        let report = String::from_utf8(out.into_vec()).ok();
        set("report", report.and_then(|t| js_sys::JSON::parse(&t).ok()).unwrap_or(JsValue::NULL));
    }
    object.into()
}

/// A result for JavaScript: `{"ok": value}` text, or the thrown failure.
fn answer<T: Serialize>(result: Result<T, Failure>) -> Result<String, JsValue> {
    result.map(|value| ok(&value)).map_err(thrown)
}

fn time(now: f64) -> Result<UnixTime, JsValue> {
    unix_time(now).ok_or_else(|| {
        thrown(Failure::new(Code::OptionsInvalid, "now is not a finite number of seconds"))
    })
}

fn not_configured() -> JsValue {
    thrown(Failure::new(Code::OptionsInvalid, "verifier not configured"))
}

/// Every error code, in declaration order, as a JSON array of strings.
#[wasm_bindgen]
pub fn codes() -> String {
    ok(&Code::ALL.iter().map(|c| c.as_str()).collect::<Vec<_>>())
}

/// A token as the `Verifier` methods receive it: UTF-8 bytes, which `pkg/src/api.js` writes
/// with `TextEncoder.encodeInto` (for a `&str` argument wasm-bindgen copies with a JavaScript
/// loop over the characters instead, about 15 times slower; measured in api.js). That encoder
/// writes well-formed UTF-8, replacing lone surrogates with U+FFFD as wasm-bindgen's own copy
/// does; other callers' malformed bytes are replaced the same way here, and the token is then
/// refused as not base64url, naming the first offending byte and its offset.
fn token_text(bytes: &[u8]) -> Cow<'_, str> {
    // The usual, well-formed case without `from_utf8_lossy`'s chunk-by-chunk reading.
    match core::str::from_utf8(bytes) {
        Ok(text) => Cow::Borrowed(text),
        Err(_) => String::from_utf8_lossy(bytes),
    }
}

/// A prepared verifier ([`Session`]): keys parsed once, options fixed, verified tokens cached.
#[wasm_bindgen]
#[derive(Default)]
pub struct Verifier {
    state: Option<Session>,
}

#[wasm_bindgen]
impl Verifier {
    /// An unconfigured verifier; call `configure` next.
    #[wasm_bindgen(constructor)]
    pub fn new() -> Verifier {
        Verifier { state: None }
    }

    /// Parses options and keys (JSON text of the JS options, [`SessionOptions`]).
    pub fn configure(&mut self, options: &str) -> Result<String, JsValue> {
        self.state = Some(Session::configure(options).map_err(thrown)?);
        Ok(ok(&Value::Null))
    }

    /// Verifies `token` (its UTF-8 bytes, see [`token_text`]) at `now` (Unix seconds): the
    /// verification's compact text.
    pub fn verify(&mut self, token: &[u8], now: f64) -> Result<String, JsValue> {
        let token = token_text(token);
        let state = self.state.as_mut().ok_or_else(not_configured)?;
        match state.verify(&token, time(now)?).map_err(thrown)? {
            Cow::Borrowed(entry) => Ok(entry.json.clone()),
            Cow::Owned(entry) => Ok(entry.json),
        }
    }

    /// Verifies `token` (Vault semantics), renders `input.policies` for the alias and decides
    /// `input.request` ([`Session::authorize`]); `stale` when `input` names a set no longer kept.
    pub fn authorize(&mut self, token: &[u8], input: &str, now: f64) -> Result<String, JsValue> {
        self.with_input(token, input, now, Session::authorize)
    }

    /// Verifies `token` and renders `input.policies` (no decision).
    #[wasm_bindgen(js_name = renderPolicies)]
    pub fn render_policies(
        &mut self,
        token: &[u8],
        input: &str,
        now: f64,
    ) -> Result<String, JsValue> {
        self.with_input(token, input, now, Session::render_policies)
    }

    /// Benchmark probe, [`Session::bench_signature`].
    #[wasm_bindgen(js_name = __benchSignature)]
    pub fn bench_signature(&self, token: &[u8], iterations: u32) -> i32 {
        self.state.as_ref().map_or(-1, |s| s.bench_signature(&token_text(token), iterations))
    }

    /// Benchmark probe, [`Session::bench_overhead`].
    #[wasm_bindgen(js_name = __benchOverhead)]
    pub fn bench_overhead(&mut self, token: &[u8], now: f64, iterations: u32) -> i32 {
        match (self.state.as_mut(), unix_time(now)) {
            (Some(s), Some(now)) => s.bench_overhead(&token_text(token), now, iterations),
            _ => -1,
        }
    }

    /// The RSA keys a host prepares ([`Session::rsa_host_keys`]): `[{ slot, jwk }]` JSON text.
    #[wasm_bindgen(js_name = rsaHostKeys)]
    pub fn rsa_host_keys(&self) -> Result<String, JsValue> {
        Ok(self.state.as_ref().ok_or_else(not_configured)?.rsa_host_keys())
    }

    /// Lends the core `op(slot, signature) => Uint8Array`, RSAVP1 for the keys of
    /// `rsaHostKeys` ([`Session::set_rsa_public_op`]); `undefined` takes it back.
    #[wasm_bindgen(js_name = setRsaPublicOp)]
    pub fn set_rsa_public_op(&mut self, op: Option<js_sys::Function>) -> Result<(), JsValue> {
        let state = self.state.as_mut().ok_or_else(not_configured)?;
        state.set_rsa_public_op(op.map(|f| alloc::boxed::Box::new(rsa_op::JsRsaOp::new(f)) as _));
        Ok(())
    }

    /// Test probe, [`Session::probe_signature`].
    #[wasm_bindgen(js_name = __probeSignature)]
    pub fn probe_signature(&self, alg: &str, message: &[u8], signature: &[u8]) -> i32 {
        self.state.as_ref().map_or(-1, |s| s.probe_signature(alg, message, signature))
    }

    /// Cache counters: `{ len, capacity, hits, misses, bytes, maxBytes }`.
    #[wasm_bindgen(js_name = cacheStats)]
    pub fn cache_stats(&self) -> Result<String, JsValue> {
        let st = self.state.as_ref().ok_or_else(not_configured)?.cache_stats();
        Ok(ok(&serde_json::json!({
            "len": st.len,
            "capacity": st.capacity,
            "hits": st.hits,
            "misses": st.misses,
            "bytes": st.bytes,
            "maxBytes": st.max_bytes,
        })))
    }
}

/// The answer text when an input names a policy set the verifier no longer keeps
/// ([`Answer::Stale`]); `pkg/src/api.js` then sends the text again.
const STALE: &str = "stale";

impl Verifier {
    fn with_input(
        &mut self,
        token: &[u8],
        input: &str,
        now: f64,
        call: fn(&mut Session, &str, &AuthorizeInput, UnixTime) -> Result<Answer, Failure>,
    ) -> Result<String, JsValue> {
        let input: AuthorizeInput = from_json(input).map_err(thrown)?;
        let state = self.state.as_mut().ok_or_else(not_configured)?;
        match call(state, &token_text(token), &input, time(now)?).map_err(thrown)? {
            Answer::Text(text) => Ok(text),
            Answer::Stale => Ok(STALE.into()),
        }
    }
}

/// Inspect: tolerant decode, never a verdict.
#[wasm_bindgen]
pub fn inspect(token: &str) -> String {
    ok(&crate::inspect::inspect(token, &Limits::default()))
}

/// An [`inspect`] of an input of `len` bytes over the default `max_document_len`, without the
/// input ([`documents::inspect_oversized`]).
#[wasm_bindgen(js_name = inspectOversized)]
pub fn inspect_oversized(len: f64) -> Result<String, JsValue> {
    let len = if len.is_finite() && len >= 0.0 { len as usize } else { usize::MAX };
    answer(documents::inspect_oversized(len))
}

/// AWS preflight and trust-policy evaluation ([`web_identity::evaluate`]). `options` are
/// verify options (keys optional); `input` the AWS side.
#[wasm_bindgen(js_name = evaluateTrustPolicy)]
pub fn evaluate_trust_policy(
    token: &str,
    options: &str,
    input: &str,
    now: f64,
) -> Result<String, JsValue> {
    let now = time(now)?;
    answer((|| {
        let o: SessionOptions = from_json(options)?;
        let input: WebIdentityInput = from_json(input)?;
        let limits = o.limits();
        let keys = if o.has_keys() { Some(o.load_keys(&limits)?.0) } else { None };
        web_identity::evaluate(token, keys.as_ref(), &input, &limits, now)
    })())
}

/// A least-privilege trust policy for this token's provider ([`web_identity::suggest`]).
#[wasm_bindgen(js_name = suggestTrustPolicy)]
pub fn suggest_trust_policy(token: &str, input: &str) -> Result<String, JsValue> {
    answer(from_json(input).and_then(|input| web_identity::suggest(token, &input)))
}

/// RFC 7638 thumbprint of one public JWK.
#[wasm_bindgen]
pub fn thumbprint(jwk: &str) -> Result<String, JsValue> {
    answer(documents::thumbprint(jwk))
}

/// The usable and the skipped keys of a JWKS ([`documents::jwks_info`]).
#[wasm_bindgen(js_name = jwksInfo)]
pub fn jwks_info(jwks: &str) -> Result<String, JsValue> {
    answer(documents::jwks_info(jwks))
}

/// Every usable key of a JWKS as an SPKI PEM block.
#[wasm_bindgen(js_name = jwksToPem)]
pub fn jwks_to_pem(jwks: &str) -> Result<String, JsValue> {
    answer(documents::jwks_to_pem(jwks))
}

/// Checks a discovery document against the issuer URL it was fetched for.
#[wasm_bindgen(js_name = parseDiscovery)]
pub fn parse_discovery(document: &str, issuer: &str) -> Result<String, JsValue> {
    answer(documents::discovery(document, issuer))
}

/// Login-order hazards ([`login_order_run::run`]).
#[wasm_bindgen(js_name = loginOrder)]
pub fn login_order(input: &str, now: f64) -> Result<String, JsValue> {
    let now = time(now)?;
    answer(from_json::<LoginOrderInput>(input).and_then(|i| login_order_run::run(&i, now)))
}

/// The login-order note a Vault policy verdict under this setup carries
/// ([`login_order_run::note_of`]): `{"ok": note}`, `null` without a hazard.
#[wasm_bindgen(js_name = loginOrderNote)]
pub fn login_order_note(input: &str) -> Result<String, JsValue> {
    answer(from_json::<LoginOrderInput>(input).and_then(|i| login_order_run::note_of(&i)))
}

/// Whether one Vault policy answer depends on login order
/// ([`login_order_run::depends_of`]): `{"ok": dependence}`, `null` when it does not.
#[wasm_bindgen(js_name = loginOrderDepends)]
pub fn login_order_depends(input: &str, now: f64) -> Result<String, JsValue> {
    let now = time(now)?;
    answer(from_json::<AnswerInput>(input).and_then(|i| login_order_run::depends_of(&i, now)))
}

/// Test builds only (feature `test-trap`, never in `pkg/dist`): traps the module the way the
/// failures recovery must survive did, inside a `&mut self` method so wasm-bindgen's borrow flag
/// stays set as it did then. `kind`: `unreachable` (a panic: `RuntimeError: unreachable`),
/// `stack` (unbounded recursion of small frames: `RangeError: Maximum call stack size
/// exceeded`), `memory` (recursion with large frames overruns the shadow stack in linear memory:
/// `RuntimeError: memory access out of bounds`). Any other `kind` returns normally.
#[cfg(all(feature = "test-trap", target_arch = "wasm32"))]
#[wasm_bindgen]
impl Verifier {
    /// See the block's documentation.
    #[wasm_bindgen(js_name = __trapForTest)]
    pub fn trap_for_test(&mut self, kind: &str) -> u32 {
        // Unbounded on purpose: the trap is the point.
        #[allow(unconditional_recursion)]
        fn small(n: u32) -> u32 {
            core::hint::black_box(small(core::hint::black_box(n.wrapping_add(1)))) ^ n
        }
        #[allow(unconditional_recursion)]
        fn large(n: u32) -> u32 {
            let frame = core::hint::black_box([n; 4096]);
            core::hint::black_box(large(frame[n as usize % 4096].wrapping_add(1))) ^ frame[0]
        }
        match kind {
            "unreachable" => core::arch::wasm32::unreachable(),
            "stack" => small(0),
            "memory" => large(0),
            _ => 0,
        }
    }
}
