//! cargo-fuzz target `vault_config`: see `harness::vault_config`.
#![no_main]

#[path = "../harness.rs"]
mod harness;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let _ = harness::vault_config(data);
});
