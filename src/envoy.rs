//! The Envoy front end: a proxy-wasm (ABI 0.2.1) HTTP filter that enforces workload identity
//! per request with the same engine as the CLI and the inspector.
//!
//! This module only translates: Envoy headers and plugin configuration become core inputs, and
//! core results become a continue (with claim headers) or a local reply. Every decision about a
//! token — parsing, key choice, signature, claims, Vault role, policy — is made by the core.
//!
//! | file | job |
//! |---|---|
//! | [`config`] | the plugin configuration (JSON), validated once per root context |
//! | [`extract`] | finding the token in headers, query parameters and cookies (bytes in, never trusting UTF-8) |
//! | `engine` | the only place that calls the core (verify, role, policy) |
//! | [`path`] | the `:path` check before any rule or policy (dot, empty and encoded segments) |
//! | [`reply`] | 401/403/503 local replies: `WWW-Authenticate`, JSON body, sanitised values |
//! | [`jwt_authn`] | `jwt_authn`'s `subjects`, `max_lifetime`, `forward_payload_header`, and the identity as filter state |
//! | `jwks` | remote JWKS through a cluster: shared data with CAS, refresh, rotation, backoff |
//! | `filter` | the proxy-wasm root and HTTP contexts wiring it together |
//!
//! Built on the proxy-wasm Rust SDK (`=0.2.5`): every function it imports is one Envoy links for
//! ABI 0.2.1, with the same signature (checked on the built module by
//! `tests/envoy/artifacts.test.mjs` and `wasm_abi_check.py --proxy-wasm`). A hand-written ABI
//! layer would import fewer functions, but raw pointers and `#[no_mangle]` exports need
//! `unsafe`, which this crate forbids. The SDK panics (traps) on host statuses it does not
//! expect, so request data is read only with the `*_bytes` calls and only inside the callback
//! windows Envoy allows (request headers in `on_http_request_headers` or while paused from it;
//! call results in `on_http_call_response`).
//!
//! Build: `cargo rustc --lib --release --target wasm32-unknown-unknown --no-default-features
//! --features envoy --crate-type cdylib` (see `scripts/test-envoy.sh`).

// The npm package's `js`/`js-mint` features link wasm-bindgen; the proxy-wasm SDK exports Envoy's
// callbacks. One artifact must never carry both (Envoy refuses `__wbindgen_*` imports).
#[cfg(all(any(feature = "js", feature = "js-mint"), target_arch = "wasm32"))]
compile_error!("features `js` and `envoy` cannot be enabled together for wasm32: build one artifact per front end");

pub mod config;
mod engine;
mod error;
pub mod extract;
#[cfg(target_arch = "wasm32")]
mod filter;
#[cfg(target_arch = "wasm32")]
mod jwks;
pub mod jwt_authn;
#[cfg(target_arch = "wasm32")]
mod metrics;
pub mod path;
pub mod reply;

pub use config::FilterConfig;
pub use error::FilterError;

#[cfg(target_arch = "wasm32")]
mod entry {
    proxy_wasm::main! {{
        // Only the root-context factory may be set here: any other hostcall during
        // `_initialize` traps on Envoy's V8 runtime (restricted start-up window).
        proxy_wasm::set_log_level(proxy_wasm::types::LogLevel::Info);
        proxy_wasm::set_root_context(super::filter::new_root);
    }}
}
