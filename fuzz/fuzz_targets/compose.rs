//! Compose files, read as `nook compose config` reads them (merge keys, interpolation,
//! extends, the model and its checks): a project or a clear error, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use nook::compose::{Options, load};

fuzz_target!(|text: &[u8]| {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("compose.yaml");
    std::fs::write(&file, text).unwrap();
    let _ = load(&Options {
        files: vec![file],
        project: Some("fuzz".into()),
        ..Options::default()
    });
});
