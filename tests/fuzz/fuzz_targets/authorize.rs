//! cargo-fuzz target `authorize`: see `harness::authorize`.
#![no_main]

#[path = "../harness.rs"]
mod harness;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let _ = harness::authorize(data);
});
