//! The npm package's second wasm module (feature `js-mint`, `dist/jwtgate_mint_bg.wasm`): test
//! identities only. It is loaded on the first `mintTestIdentity` call, so RSA key generation,
//! Ed25519 signing and the host CSPRNG never weigh on the verifier module (`crate::js`).
//!
//! Randomness comes from the host CSPRNG through `getrandom` (`crypto.getRandomValues`), which
//! is why this module and its dependencies must never reach the Envoy module.

use alloc::string::{String, ToString};

use serde_json::{json, Value};
use wasm_bindgen::prelude::wasm_bindgen;

use crate::code::Code;
use crate::js_shared::{fail, ok, parse_options, unix_time};
use crate::mint;
use crate::time::UnixTime;

/// Stops the module: used only when the host CSPRNG fails inside an infallible `rand_core`
/// call, where continuing with unfilled bytes would mint predictable keys.
fn fatal() -> ! {
    #[cfg(target_arch = "wasm32")]
    core::arch::wasm32::unreachable();
    #[cfg(not(target_arch = "wasm32"))]
    loop {
        core::hint::spin_loop();
    }
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
            fatal();
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
