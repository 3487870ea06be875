//! What the npm package's wasm modules share (features `js`, `js-mint` and `js-gate`): the JSON
//! result envelope, option parsing, and — without libstd — the allocator and panic handler.
//!
//! The package ships the verifier ([`crate::js`], `dist/jwtgate_bg.wasm`), test-identity
//! minting ([`crate::js_mint`], `dist/jwtgate_mint_bg.wasm`) and the gate ([`crate::js_gate`],
//! `dist/jwtgate_gate_bg.wasm`) as separate modules so that RSA key generation, Ed25519 signing
//! and the host CSPRNG are only downloaded when `mint` is called, and the gate only by
//! `createGate`.

use alloc::string::{String, ToString};

use serde::Serialize;
use serde_json::json;

use crate::code::Code;
#[cfg(any(feature = "js", feature = "js-mint"))]
use crate::time::UnixTime;

/// `{"ok": value}` as text.
pub(crate) fn ok<T: Serialize + ?Sized>(value: &T) -> String {
    match serde_json::to_string(&json!({ "ok": value })) {
        Ok(s) => s,
        Err(_) => fail(Code::JsonInvalid, "result could not be serialized"),
    }
}

/// `{"err": {code, message}}` as text: the minting module's and the remote key set's
/// failures (the verifier module's are thrown as objects, see [`crate::js`]).
pub(crate) fn fail(code: Code, message: &str) -> String {
    json!({ "err": { "code": code, "message": message } }).to_string()
}

/// JavaScript numbers are doubles; `now` arrives as whole seconds in one. Non-finite or
/// out-of-range values are refused rather than saturated.
#[cfg(any(feature = "js", feature = "js-mint"))]
pub(crate) fn unix_time(now: f64) -> Option<UnixTime> {
    if now.is_finite() && (-9.0e15..=9.0e15).contains(&now) {
        Some(UnixTime(now as i64))
    } else {
        None
    }
}

/// Parses caller options; the error is already the boundary's `ERR_OPTIONS_INVALID` text.
#[cfg(any(feature = "js", feature = "js-mint"))]
pub(crate) fn parse_options<T: serde::de::DeserializeOwned>(text: &str) -> Result<T, String> {
    serde_json::from_str(text).map_err(|e| fail(Code::OptionsInvalid, &e.to_string()))
}

// Without libstd the module brings its own allocator and panic handler (a trap: jwtgate code
// never panics on input; this only keeps a bug from becoming undefined behaviour).
// dlmalloc is what libstd uses on wasm32. Two allocators with the safe constructor that
// `forbid(unsafe_code)` needs measured slower in this module (side by side, CPU time, overhead
// probe of pkg/bench/overhead.mjs per token):
// - rlsf's TLSF `GlobalTlsf`: RS256 6.8 -> 7.4 us (60 small allocations held and freed
//   2.4 -> 2.9 us), for -1.3 KB gzip;
// - talc 5.1's single-threaded `new_wasm_dynamic_allocator` at opt-level 3: RS256 7.5 -> 8.0 us,
//   EdDSA 7.2 -> 7.6 us, for -1.4 KB gzip.
#[cfg(all(target_arch = "wasm32", not(feature = "std")))]
#[global_allocator]
static ALLOCATOR: dlmalloc::GlobalDlmalloc = dlmalloc::GlobalDlmalloc;

#[cfg(all(target_arch = "wasm32", not(feature = "std")))]
#[panic_handler]
fn panic(_: &core::panic::PanicInfo<'_>) -> ! {
    core::arch::wasm32::unreachable()
}
