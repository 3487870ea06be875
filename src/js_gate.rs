//! The npm package's third wasm module (feature `js-gate`, `dist/jwtgate_gate_bg.wasm`):
//! `Gate`, [`crate::gate::Gate`] and its [`Keyring`] across the boundary, for `createGate`. It
//! is loaded by the first `createGate`, so the gate's configuration schema, decision chain and
//! key lifecycle never weigh on the verifier module ([`crate::js`]) that verify-only callers
//! and pages load.
//!
//! The JavaScript side only moves bytes: it asks `decide`; on a `wait` decision it asks
//! `pollFetch` what to fetch, fetches it and hands the status and body to `onResponse` (or
//! reports `onFailure`), or sleeps until `pollTimeout`, then decides again. Time is
//! milliseconds, passed in.

// Like the other npm modules, never in the same artifact as the proxy-wasm SDK.
#[cfg(all(feature = "envoy", target_arch = "wasm32"))]
compile_error!("features `js-gate` and `envoy` cannot be enabled together for wasm32: build one artifact per front end");

use alloc::string::String;

use serde_json::json;
use wasm_bindgen::prelude::{wasm_bindgen, JsValue};

use crate::code::Code;
use crate::failure::Failure;
use crate::gate::{Gate, GateRequest, Handled, Keyring};
use crate::js_shared::ok;
use crate::session::from_json;

/// A configured gate and the key sets of its remote providers.
#[wasm_bindgen(js_name = Gate)]
#[derive(Default)]
pub struct JsGate {
    inner: Option<(Gate, Keyring)>,
}

/// A failure thrown to JavaScript as the object `{ code, message }` the package's `failed()`
/// turns into a `JwtgateError` (the verifier module's `thrown`, for the failures the gate has:
/// no claim details).
fn thrown(f: Failure) -> JsValue {
    let object = js_sys::Object::new();
    // Setting a member of a fresh plain object cannot fail.
    let _ = js_sys::Reflect::set(&object, &JsValue::from_str("code"), &f.code.as_str().into());
    let _ = js_sys::Reflect::set(&object, &JsValue::from_str("message"), &f.message.into());
    object.into()
}

/// A whole number in `0..=2^53` from a JavaScript number (times in ms, request ids, statuses).
fn whole(n: f64, what: &str) -> Result<u64, JsValue> {
    if n.is_finite() && (0.0..=9_007_199_254_740_992.0).contains(&n) && (n as u64) as f64 == n {
        Ok(n as u64)
    } else {
        Err(thrown(Failure::new(
            Code::OptionsInvalid,
            alloc::format!("{what} must be a whole number >= 0"),
        )))
    }
}

fn handled(h: Handled) -> String {
    ok(&match h {
        Handled::Keys(generation) => json!({ "handled": "keys", "generation": generation }),
        Handled::Discovered => json!({ "handled": "discovered" }),
        Handled::Failed => json!({ "handled": "failed" }),
        Handled::GaveUp => json!({ "handled": "gave-up" }),
        Handled::Ignored => json!({ "handled": "ignored" }),
    })
}

#[wasm_bindgen(js_class = Gate)]
impl JsGate {
    /// An unconfigured gate; call `configure` next.
    #[wasm_bindgen(constructor)]
    pub fn new() -> JsGate {
        JsGate { inner: None }
    }

    /// Compiles a `GateConfig` (JSON text); its key sets start empty.
    pub fn configure(&mut self, config: &str) -> Result<String, JsValue> {
        let gate = Gate::from_json(config.as_bytes())
            .map_err(|e| thrown(Failure::new(e.code(), alloc::string::ToString::to_string(&e))))?;
        let keys = gate.keyring();
        self.inner = Some((gate, keys));
        Ok(ok(&serde_json::Value::Null))
    }

    /// The Decision JSON for a request (JSON `{method, path, headers: [[name, value]]}`,
    /// [`GateRequest`]) at `now_ms`.
    pub fn decide(&mut self, request: &str, now_ms: f64) -> Result<String, JsValue> {
        let request: GateRequest = from_json(request).map_err(thrown)?;
        let now = whole(now_ms, "now")?;
        let (gate, keys) = self.configured()?;
        Ok(gate.decide(&request, keys, now).to_json())
    }

    /// The next fetch the key sets ask for at `now_ms`:
    /// `{"ok": null | {provider, id, url, discovery, timeoutMs}}`.
    #[wasm_bindgen(js_name = pollFetch)]
    pub fn poll_fetch(&mut self, now_ms: f64) -> Result<String, JsValue> {
        let now = whole(now_ms, "now")?;
        let (_, keys) = self.configured()?;
        Ok(ok(&keys.poll_fetch(now).map(|f| {
            json!({
                "provider": f.provider,
                "id": f.request.id,
                "url": f.request.url,
                "discovery": f.request.discovery,
                "timeoutMs": f.request.timeout_ms,
            })
        })))
    }

    /// When `pollFetch` may next have something (a retry's backoff ending, a failed window
    /// closing, a refresh due), in milliseconds: `{"ok": null | number}`; a time already past
    /// means now.
    #[wasm_bindgen(js_name = pollTimeout)]
    pub fn poll_timeout(&mut self) -> Result<String, JsValue> {
        let (_, keys) = self.configured()?;
        Ok(ok(&keys.poll_timeout()))
    }

    /// The answer to fetch `id` of `provider`: `{"ok": {handled: "keys" | "discovered" |
    /// "failed" | "gave-up" | "ignored"}}`.
    #[wasm_bindgen(js_name = onResponse)]
    pub fn on_response(
        &mut self,
        provider: f64,
        id: f64,
        status: f64,
        body: &str,
        now_ms: f64,
    ) -> Result<String, JsValue> {
        let (provider, id, now) =
            (whole(provider, "provider")?, whole(id, "id")?, whole(now_ms, "now")?);
        let status = u16::try_from(whole(status, "status")?).unwrap_or(u16::MAX);
        let (_, keys) = self.configured()?;
        let provider = usize::try_from(provider).unwrap_or(usize::MAX);
        Ok(handled(keys.on_response(provider, id, status, body.as_bytes(), now)))
    }

    /// Fetch `id` of `provider` failed without an answer (connection, DNS, TLS, timeout).
    #[wasm_bindgen(js_name = onFailure)]
    pub fn on_failure(&mut self, provider: f64, id: f64, now_ms: f64) -> Result<String, JsValue> {
        let (provider, id, now) =
            (whole(provider, "provider")?, whole(id, "id")?, whole(now_ms, "now")?);
        let (_, keys) = self.configured()?;
        let provider = usize::try_from(provider).unwrap_or(usize::MAX);
        Ok(handled(keys.on_failure(provider, id, now)))
    }
}

impl JsGate {
    fn configured(&mut self) -> Result<(&mut Gate, &mut Keyring), JsValue> {
        match &mut self.inner {
            Some((gate, keys)) => Ok((gate, keys)),
            None => Err(thrown(Failure::new(Code::OptionsInvalid, "gate not configured"))),
        }
    }
}
