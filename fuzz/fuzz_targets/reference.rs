//! Image references: any string parses or is refused, never panics.
#![no_main]

use libfuzzer_sys::fuzz_target;
use nook::image::reference::Reference;

fuzz_target!(|text: &str| {
    let _ = Reference::parse(text);
});
