//! cargo-fuzz target `pem`: see `harness::pem_der`.
#![no_main]

#[path = "../harness.rs"]
mod harness;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let _ = harness::pem_der(data);
});
