//! The npm package's boundary (feature `js`): JSON text in, JSON text out, no decisions.
//!
//! Every export takes strings and returns one JSON string, either `{"ok": <value>}` or
//! `{"err": {"code", "message", "claim"?, "expected"?, "actual"?}}`. The JavaScript side parses
//! it and throws `JwtgateError` for `err`. Passing text keeps the boundary tiny (no
//! serde-wasm-bindgen, no JS object walking from Rust) and makes the cost easy to measure.
//!
//! Randomness for [`mint_test_identity`] comes from the host CSPRNG through `getrandom`
//! (`crypto.getRandomValues`), which is why this module and its dependencies must never reach
//! the Envoy module.

use alloc::string::{String, ToString};
use alloc::vec::Vec;

use serde::Serialize;
use serde_json::{json, Value};
use wasm_bindgen::prelude::wasm_bindgen;

use crate::error::Code;
use crate::mint;
use crate::time::UnixTime;

/// The boundary's error shape (mirrors `JwtgateError`'s fields).
#[derive(Serialize)]
struct JsError<'a> {
    code: Code,
    message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    claim: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    expected: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    actual: Option<&'a str>,
}

fn ok<T: Serialize + ?Sized>(value: &T) -> String {
    match serde_json::to_string(&json!({ "ok": value })) {
        Ok(s) => s,
        Err(_) => fail(Code::JsonInvalid, "result could not be serialized"),
    }
}

fn fail(code: Code, message: &str) -> String {
    fail_with(JsError {
        code,
        message: message.to_string(),
        claim: None,
        expected: None,
        actual: None,
    })
}

fn fail_with(e: JsError<'_>) -> String {
    let body = json!({ "err": e });
    body.to_string()
}

/// JavaScript numbers are doubles; `now` arrives as whole seconds in one. Non-finite or
/// out-of-range values are refused rather than saturated.
fn unix_time(now: f64) -> Option<UnixTime> {
    if now.is_finite() && (-9.0e15..=9.0e15).contains(&now) {
        Some(UnixTime(now as i64))
    } else {
        None
    }
}

fn parse_options<T: serde::de::DeserializeOwned>(text: &str) -> Result<T, String> {
    serde_json::from_str(text).map_err(|e| fail(Code::OptionsInvalid, &e.to_string()))
}

/// A `rand_core` view of the host CSPRNG.
struct HostRng;

impl rsa::rand_core::RngCore for HostRng {
    fn next_u32(&mut self) -> u32 {
        let mut b = [0u8; 4];
        self.fill_bytes(&mut b);
        u32::from_le_bytes(b)
    }
    fn next_u64(&mut self) -> u64 {
        let mut b = [0u8; 8];
        self.fill_bytes(&mut b);
        u64::from_le_bytes(b)
    }
    fn fill_bytes(&mut self, dest: &mut [u8]) {
        // `try_fill_bytes` is what key generation uses; this path is only reached by callers
        // that cannot handle failure, and a zeroed buffer would be worse than stopping.
        if getrandom::fill(dest).is_err() {
            std::process::abort();
        }
    }
    fn try_fill_bytes(&mut self, dest: &mut [u8]) -> Result<(), rsa::rand_core::Error> {
        getrandom::fill(dest).map_err(|e| {
            rsa::rand_core::Error::from(
                core::num::NonZeroU32::new(e.raw_os_error().unwrap_or(1) as u32)
                    .unwrap_or(core::num::NonZeroU32::MIN),
            )
        })
    }
}

impl rsa::rand_core::CryptoRng for HostRng {}

/// Every error code, in declaration order, as a JSON array of strings.
#[wasm_bindgen]
pub fn codes() -> String {
    let all: Vec<&str> = Code::ALL.iter().map(|c| c.as_str()).collect();
    ok(&all)
}

/// Mints a Nomad-shaped test identity. `options` is a JSON [`mint::NomadIdentity`]; `now` is
/// the current Unix time in seconds (used unless the options give `now`).
#[wasm_bindgen(js_name = mintTestIdentity)]
pub fn mint_test_identity(options: &str, now: f64) -> String {
    let id: mint::NomadIdentity = match parse_options(options) {
        Ok(id) => id,
        Err(e) => return e,
    };
    let Some(now) = id.now.map(UnixTime).or_else(|| unix_time(now)) else {
        return fail(Code::OptionsInvalid, "now is not a finite number of seconds");
    };
    match mint::mint(&id, now, &mut HostRng) {
        Ok(m) => ok(&json!({
            "token": m.token,
            "jwks": m.jwks,
            "privateJwk": m.private_jwk,
            "header": m.header,
            "payload": Value::Object(m.claims),
        })),
        Err(e) => fail(e.code(), &e.to_string()),
    }
}
