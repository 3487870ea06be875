//! The Envoy front end: a proxy-wasm (ABI 0.2.1) HTTP filter that enforces workload identity
//! per request with the same engine as the CLI and the inspector.
//!
//! This module only translates: the whole decision (path check, rules, token location, verify,
//! policies, claim headers, reply, the answer cache) is the core's [`crate::gate::Gate`]; the
//! filter reads headers, runs `proxy_http_call`s for remote keys, applies the [`Decision`]
//! (header edits or a local reply) and counts metrics.
//!
//! | file | job |
//! |---|---|
//! | `host` | the [`Host`](host::Host) trait: every host call the filter makes; its one real implementation over the SDK's `hostcalls` |
//! | `filter` | the root and HTTP contexts' logic over a `Host`: headers in, the gate's decision out |
//! | `jwks` | remote JWKS through a cluster: shared data with CAS, refresh, rotation, backoff |
//! | `metrics` | counters |
//! | `abi` | the proxy-wasm callbacks, each forwarding to `filter` over the real host |
//! | `tests` | native tests of `filter`, `jwks` and `metrics` against a mock host (two VMs, one shared-data store, a fake clock) |
//!
//! [`Decision`]: crate::gate::Decision
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

// The logic compiles natively for its unit tests; only the callbacks need the wasm host.
#[cfg(target_arch = "wasm32")]
mod abi;
#[cfg(any(target_arch = "wasm32", test))]
mod filter;
#[cfg(any(target_arch = "wasm32", test))]
mod host;
#[cfg(any(target_arch = "wasm32", test))]
mod jwks;
#[cfg(any(target_arch = "wasm32", test))]
mod metrics;
#[cfg(test)]
mod tests;

#[cfg(target_arch = "wasm32")]
mod entry {
    proxy_wasm::main! {{
        // Only the root-context factory may be set here: any other hostcall during
        // `_initialize` traps on Envoy's V8 runtime (restricted start-up window).
        proxy_wasm::set_log_level(proxy_wasm::types::LogLevel::Info);
        proxy_wasm::set_root_context(super::abi::new_root);
    }}
}
