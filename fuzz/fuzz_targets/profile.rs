//! Dev-shell profiles (TOML): parsed or refused with a line, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|text: &str| {
    let _ = nook::profile::schema::parse(text);
});
