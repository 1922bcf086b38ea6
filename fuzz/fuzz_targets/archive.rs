//! `nook load` on any byte stream, as a docker-archive or oci-archive into a scratch store:
//! images or an error, never a panic, and nothing half-loaded left behind.
#![no_main]

use libfuzzer_sys::fuzz_target;
use nook::image::store::Store;

fuzz_target!(
    init: {
        // nook runs its helpers (the unpacking job) as itself: here that is this binary,
        // which must then be nook.
        let args: Vec<std::ffi::OsString> = std::env::args_os().collect();
        if let Some(code) = nook::commands::internal(&args) {
            std::process::exit(code);
        }
    },
    |bytes: &[u8]| {
        let scratch = tempfile::tempdir().unwrap();
        let store = Store::open(&scratch.path().join("store")).unwrap();
        let archive = scratch.path().join("image.tar");
        std::fs::write(&archive, bytes).unwrap();
        if nook::image::archive::load(&store, Some(&archive)).is_err() {
            let tmp = std::fs::read_dir(store.tmp_dir()).unwrap().count();
            assert_eq!(tmp, 0, "a failed load leaves scratch behind");
        }
    }
);
