//! cargo-fuzz target `jwks`: see `harness::jwks`.
#![no_main]

#[path = "../harness.rs"]
mod harness;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let _ = harness::jwks(data);
});
