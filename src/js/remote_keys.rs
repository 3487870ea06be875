//! `RemoteKeys`: [`crate::gate::RemoteKeySet`] across the wasm-bindgen boundary, for the npm
//! package's `createRemoteVerifier`. The JavaScript side only moves bytes: it asks `pollFetch`
//! what to fetch, makes the request, and hands the status and body to `handleResponse` (or
//! reports `handleFailure`). Time is milliseconds, passed in. Answers are the usual envelopes.

use alloc::string::{String, ToString};

use serde::Deserialize;
use serde_json::{json, Value};
use wasm_bindgen::prelude::wasm_bindgen;

use crate::code::Code;
use crate::gate::keyset::KidMiss;
use crate::gate::{Handled, KeySetConfig, Keys, RemoteKeySet, Source};
use crate::js_shared::{fail, ok, parse_options};

/// The options `createRemoteVerifier` passes down (already checked in JavaScript; checked
/// again here so the boundary never trusts its caller).
#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct RemoteOptions {
    jwks_url: Option<String>,
    issuer: Option<String>,
    timeout: Option<u64>,
    cooldown: Option<u64>,
    cache_max_age: Option<u64>,
    max_stale: Option<u64>,
    backoff: Option<u64>,
}

/// A remote key set (one JWKS URL or one OIDC issuer) and its fetch schedule.
#[wasm_bindgen]
pub struct RemoteKeys {
    inner: Option<RemoteKeySet>,
}

impl Default for RemoteKeys {
    fn default() -> Self {
        RemoteKeys::new()
    }
}

/// Milliseconds from a JavaScript number: finite, whole-valued and in `0..=2^53`.
fn millis(n: f64) -> Result<u64, String> {
    if n.is_finite() && (0.0..=9_007_199_254_740_992.0).contains(&n) && (n as u64) as f64 == n {
        Ok(n as u64)
    } else {
        Err(fail(Code::OptionsInvalid, "time and request ids must be whole numbers >= 0"))
    }
}

fn handled_json(h: &Handled) -> Value {
    match h {
        Handled::Keys(generation) => json!({ "handled": "keys", "generation": generation }),
        Handled::Discovered => json!({ "handled": "discovered" }),
        Handled::Failed => json!({ "handled": "failed" }),
        // Only with a retry budget, which `createRemoteVerifier` does not set.
        Handled::GaveUp => json!({ "handled": "gave-up" }),
        Handled::Ignored => json!({ "handled": "ignored" }),
    }
}

#[wasm_bindgen]
impl RemoteKeys {
    /// An unconfigured key set; call `configure` next.
    #[wasm_bindgen(constructor)]
    pub fn new() -> RemoteKeys {
        RemoteKeys { inner: None }
    }

    /// Sets the source (`jwksUrl`, else `issuer` for discovery) and the durations (ms:
    /// `timeout`, `cooldown`, `cacheMaxAge`, `maxStale`, `backoff` = the first retry delay).
    pub fn configure(&mut self, options: &str) -> String {
        let o: RemoteOptions = match parse_options(options) {
            Ok(o) => o,
            Err(e) => return e,
        };
        let source = match (o.jwks_url, o.issuer) {
            (Some(url), _) => Source::Jwks(url),
            (None, Some(issuer)) => Source::Discovery(issuer),
            (None, None) => return fail(Code::OptionsInvalid, "give jwksUrl or issuer"),
        };
        let mut config = KeySetConfig::new(source);
        config.timeout_ms = o.timeout.unwrap_or(config.timeout_ms);
        config.cooldown_ms = o.cooldown.unwrap_or(config.cooldown_ms);
        config.cache_max_age_ms = o.cache_max_age.unwrap_or(config.cache_max_age_ms);
        config.max_stale_ms = o.max_stale.unwrap_or(config.max_stale_ms);
        config.backoff_base_ms = o.backoff.unwrap_or(config.backoff_base_ms);
        self.inner = Some(RemoteKeySet::new(config));
        ok(&Value::Null)
    }

    fn with<T>(&mut self, f: impl FnOnce(&mut RemoteKeySet) -> Result<T, String>) -> String
    where
        T: serde::Serialize,
    {
        match self.inner.as_mut() {
            None => fail(Code::OptionsInvalid, "remote keys not configured"),
            Some(ks) => match f(ks) {
                Ok(v) => ok(&v),
                Err(e) => e,
            },
        }
    }

    /// The request to make now: `{id, url, discovery, timeoutMs}` or `null`.
    #[wasm_bindgen(js_name = pollFetch)]
    pub fn poll_fetch(&mut self, now_ms: f64) -> String {
        self.with(|ks| {
            let now = millis(now_ms)?;
            Ok(ks.poll_fetch(now).map(|r| {
                json!({ "id": r.id, "url": r.url, "discovery": r.discovery, "timeoutMs": r.timeout_ms })
            }))
        })
    }

    /// The answer to request `id`: `{handled: "keys" | "discovered" | "failed" | "gave-up" |
    /// "ignored"}`.
    #[wasm_bindgen(js_name = handleResponse)]
    pub fn handle_response(&mut self, id: f64, status: u16, body: &str, now_ms: f64) -> String {
        self.with(|ks| {
            let h = ks.handle_response(millis(id)?, status, body.as_bytes(), millis(now_ms)?);
            Ok(handled_json(&h))
        })
    }

    /// Request `id` failed in transport (or was aborted, or timed out in the caller).
    #[wasm_bindgen(js_name = handleFailure)]
    pub fn handle_failure(&mut self, id: f64, now_ms: f64) -> String {
        self.with(|ks| Ok(handled_json(&ks.handle_failure(millis(id)?, millis(now_ms)?))))
    }

    /// Gives up on a request past its timeout.
    #[wasm_bindgen(js_name = handleTimeout)]
    pub fn handle_timeout(&mut self, now_ms: f64) -> String {
        self.with(|ks| {
            ks.handle_timeout(millis(now_ms)?);
            Ok(Value::Null)
        })
    }

    /// A token's `kid` is not in the keys: `true` when a refetch is in flight or due.
    #[wasm_bindgen(js_name = handleKidMiss)]
    pub fn handle_kid_miss(&mut self, now_ms: f64) -> String {
        self.with(|ks| Ok(ks.handle_kid_miss(millis(now_ms)?)))
    }

    /// A token's `kid` is not in the keys: `"refetch"` (this miss asked for one), `"pending"`
    /// (an earlier miss's refetch is in flight) or `"cooling"`.
    #[wasm_bindgen(js_name = handleUnknownKid)]
    pub fn handle_unknown_kid(&mut self, now_ms: f64) -> String {
        self.with(|ks| {
            Ok(match ks.handle_unknown_kid(millis(now_ms)?) {
                KidMiss::Refetch => "refetch",
                KidMiss::Pending => "pending",
                KidMiss::Cooling => "cooling",
            })
        })
    }

    /// Nobody waits for request `id` any more (every caller's signal aborted): `true` when it
    /// was the one in flight. Not a failure: no backoff.
    #[wasm_bindgen(js_name = handleCancel)]
    pub fn handle_cancel(&mut self, id: f64, now_ms: f64) -> String {
        self.with(|ks| Ok(ks.handle_cancel(millis(id)?, millis(now_ms)?)))
    }

    /// Sets the unknown-`kid` cooldown and the freshness (ms) for the calls that follow.
    pub fn retime(&mut self, cooldown: f64, cache_max_age: f64) -> String {
        self.with(|ks| {
            ks.retime(millis(cooldown)?, millis(cache_max_age)?);
            Ok(Value::Null)
        })
    }

    /// When to wake next (ms), or `null`.
    #[wasm_bindgen(js_name = pollTimeout)]
    pub fn poll_timeout(&mut self) -> String {
        self.with(|ks| Ok(ks.poll_timeout()))
    }

    /// `{state: "fresh" | "stale" | "none", generation?, fetching, error?: {code, message}}`.
    pub fn keys(&mut self, now_ms: f64) -> String {
        self.with(|ks| {
            let now = millis(now_ms)?;
            let fetching = ks.is_fetching();
            let error = ks.last_error().map(|e| json!({ "code": e.code(), "message": e.to_string() }));
            Ok(match ks.keys(now) {
                Keys::Fresh(d) => json!({ "state": "fresh", "generation": d.generation(), "fetching": fetching, "error": error }),
                Keys::Stale(d) => json!({ "state": "stale", "generation": d.generation(), "fetching": fetching, "error": error }),
                Keys::None => json!({ "state": "none", "fetching": fetching, "error": error }),
            })
        })
    }

    /// The current JWKS document as fetched, if any (whatever its age).
    pub fn jwks(&self) -> Option<String> {
        Some(self.inner.as_ref()?.document()?.text().into())
    }
}
