//! nook is linked at a fixed address (not position-independent) unless `NOOK_PIE=1` is set
//! at build time. A position-independent nook has about 10 700 addresses for the dynamic
//! loader to relocate at every start, in pages that each process then writes; at a fixed
//! address there are none, and a container starts about 0.3 ms sooner (BENCHMARKS.md). The
//! cost is that nook's own code and data are not placed at random (its stack, heap and
//! libraries still are), as with Debian's podman, runc and skopeo; `NOOK_PIE=1` restores it.
fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-env-changed=NOOK_PIE");
    let linux = std::env::var("CARGO_CFG_TARGET_OS").is_ok_and(|os| os == "linux");
    let pie = std::env::var("NOOK_PIE").is_ok_and(|v| v == "1");
    if linux && !pie {
        println!("cargo:rustc-link-arg-bins=-no-pie");
    }
}
