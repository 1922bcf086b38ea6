//! Containerfiles: parsed or refused with a line, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|text: &str| {
    let _ = nook::build::parse::parse("Containerfile", text);
});
