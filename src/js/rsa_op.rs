//! A JavaScript function as the core's [`RsaPublicOp`]: `(slot, signature) => Uint8Array`,
//! which the Node entry builds over `crypto.publicDecrypt` with `RSA_NO_PADDING`
//! (`pkg/src/node-rsa.js`). Only moves bytes: a throw or an answer that is not a
//! `Uint8Array` (a `Buffer` is one) becomes `None`, which the core refuses like any other
//! failed host answer, as it does an answer of the wrong length.

use alloc::vec::Vec;

use wasm_bindgen::{JsCast as _, JsValue};

use crate::jose::rsa::RsaPublicOp;

/// The function and nothing else: keys are the host's, prepared on its side.
pub(super) struct JsRsaOp(pub(super) js_sys::Function);

impl RsaPublicOp for JsRsaOp {
    fn public_op(&self, slot: usize, signature: &[u8]) -> Option<Vec<u8>> {
        // Slots are positions in a key set bounded by `max_jwks_keys`: exact as a JS number.
        let slot = JsValue::from_f64(slot as f64);
        let signature = js_sys::Uint8Array::from(signature);
        let answer = self.0.call2(&JsValue::UNDEFINED, &slot, &signature).ok()?;
        answer.dyn_into::<js_sys::Uint8Array>().ok().map(|em| em.to_vec())
    }
}
