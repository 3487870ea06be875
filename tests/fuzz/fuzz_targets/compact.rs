//! cargo-fuzz target `compact`: see `harness::compact`.
#![no_main]

#[path = "../harness.rs"]
mod harness;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let _ = harness::compact(data);
});
