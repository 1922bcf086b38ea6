//! The layer unpacker on any byte stream (plain, gzip or zstd tar): it unpacks or refuses,
//! never panics, and nothing lands outside the directory it unpacks into.
#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;
use nook::image::unpack::{IdLimits, unpack_layer};

/// Every path under `dir` (links not followed).
fn walk(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    if let Ok(entries) = std::fs::read_dir(dir) {
        for e in entries.flatten() {
            let path = e.path();
            out.push(path.clone());
            if e.file_type().is_ok_and(|t| t.is_dir()) {
                walk(&path, out);
            }
        }
    }
}

fuzz_target!(|bytes: &[u8]| {
    // dest is three levels down a scratch tree: an entry that climbed out of it would land
    // beside it.
    let scratch = tempfile::tempdir().unwrap();
    let dest = scratch.path().join("a/b/dest");
    std::fs::create_dir_all(&dest).unwrap();
    let ids = IdLimits {
        uids: 65536,
        gids: 65536,
        single: false,
        keep: None,
    };
    let _ = unpack_layer(bytes, &dest, &ids);
    let mut found = Vec::new();
    walk(scratch.path(), &mut found);
    for path in found {
        assert!(
            path.starts_with(&dest) || dest.starts_with(&path),
            "{} was written outside {}",
            path.display(),
            dest.display()
        );
    }
});
