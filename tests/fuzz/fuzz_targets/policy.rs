//! cargo-fuzz target `policy`: see `harness::policy`.
#![no_main]

#[path = "../harness.rs"]
mod harness;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let _ = harness::policy(data);
});
