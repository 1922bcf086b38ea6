//! `-p`, `-v`, `--mount`, `--tmpfs` and `--device` values: parsed or refused, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use nook::container::volume::{MountFlags, parse_flags};

fuzz_target!(|text: &str| {
    let _ = nook::network::ports::parse(text);
    let one = [text.to_string()];
    let none: [String; 0] = [];
    for i in 0..4 {
        let pick = |n| if i == n { &one[..] } else { &none[..] };
        let flags = MountFlags {
            volumes: pick(0),
            mounts: pick(1),
            tmpfs: pick(2),
            devices: pick(3),
        };
        let _ = parse_flags(&flags, std::path::Path::new("/project"));
    }
});
