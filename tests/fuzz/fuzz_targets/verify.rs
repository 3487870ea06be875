//! cargo-fuzz target `verify`: see `harness::verify_path`.
#![no_main]

#[path = "../harness.rs"]
mod harness;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let _ = harness::verify_path(data);
});
