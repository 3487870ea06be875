//! A JavaScript function as the core's [`RsaPublicOp`]: `(slot, signature) => Uint8Array`,
//! which the Node entry builds over `crypto.publicDecrypt` with `RSA_NO_PADDING`
//! (`pkg/src/node-rsa.js`). Only moves bytes. A throw becomes `None`, which the core refuses
//! like any other failed host answer, as it does an answer of the wrong length.

use alloc::vec::Vec;

use wasm_bindgen::prelude::wasm_bindgen;
use wasm_bindgen::{JsCast as _, JsValue};

use crate::jose::rsa::RsaPublicOp;

#[wasm_bindgen]
extern "C" {
    /// The host's function, `(slot, signature) => Uint8Array`.
    #[wasm_bindgen(extends = js_sys::Function)]
    type HostOp;

    /// `op.call(undefined, slot, signature)`. The signature arrives as a view of the module's
    /// memory, valid for the call (the function reads it at once); the answer is copied back
    /// as bytes (an answer that is not a byte array reads as a wrong length or wrong bytes).
    /// One crossing each way instead of a JavaScript `Uint8Array` per value.
    #[wasm_bindgen(method, catch, js_name = call)]
    fn call_with_bytes(
        op: &HostOp,
        this: &JsValue,
        slot: u32,
        signature: &[u8],
    ) -> Result<Vec<u8>, JsValue>;
}

/// The function and nothing else: keys are the host's, prepared on its side.
pub(super) struct JsRsaOp(HostOp);

impl JsRsaOp {
    /// The host's function (`pkg/src/node-rsa.js`).
    pub(super) fn new(op: js_sys::Function) -> JsRsaOp {
        JsRsaOp(op.unchecked_into())
    }
}

impl RsaPublicOp for JsRsaOp {
    fn public_op(&self, slot: usize, signature: &[u8]) -> Option<Vec<u8>> {
        // Slots are positions in a key set bounded by `max_jwks_keys`.
        let slot = u32::try_from(slot).ok()?;
        self.0.call_with_bytes(&JsValue::UNDEFINED, slot, signature).ok()
    }
}
