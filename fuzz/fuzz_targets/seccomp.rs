//! seccomp profiles in docker's JSON form, parsed and compiled to BPF as `--security-opt
//! seccomp=FILE` does: programs or an error, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use nook::runtime::seccomp::Profile;

fuzz_target!(|bytes: &[u8]| {
    if let Ok(profile) = serde_json::from_slice::<Profile>(bytes) {
        let _ = profile.compile(&[]);
        let _ = profile.compile(&["CAP_SYS_ADMIN".to_string()]);
    }
});
