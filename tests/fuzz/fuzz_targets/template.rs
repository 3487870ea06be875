//! cargo-fuzz target `template`: see `harness::template_render`.
#![no_main]

#[path = "../harness.rs"]
mod harness;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let _ = harness::template_render(data);
});
