//! Choosing the storage driver: kernel overlayfs when it works in a user namespace on the
//! store's filesystem (decided once by a probe mount, cached per kernel), fuse-overlayfs
//! otherwise, or whatever the user asked for.

use std::fs;

use serde::{Deserialize, Serialize};

use super::jobs::{self, Job, JobError, JobOutput};
use super::rootfs::Driver;
use crate::image::store::{Store, StoreError};

#[derive(Debug, thiserror::Error)]
pub enum DriverError {
    #[error(transparent)]
    Job(#[from] JobError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(
        "no storage driver works here: the kernel refused overlayfs in a user namespace ({0}), \
         and fuse-overlayfs is not installed.\n  Fix: sudo apt install fuse-overlayfs"
    )]
    NoneWorks(String),
}

/// What the user may ask for.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "kebab-case")]
pub enum DriverChoice {
    /// Kernel overlayfs if a probe mount works, fuse-overlayfs otherwise.
    #[default]
    Auto,
    /// Kernel overlayfs, mounted inside the user namespace.
    Overlay,
    /// fuse-overlayfs.
    FuseOverlayfs,
}

#[derive(Serialize, Deserialize)]
struct ProbeCache {
    kernel: String,
    overlay: Result<(), String>,
}

fn kernel_release() -> String {
    nix::sys::utsname::uname()
        .map(|u| u.release().to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// Mount a scratch overlay in a user namespace on the store's filesystem, now.
pub fn probe_overlay(store: &Store) -> Result<Result<(), String>, JobError> {
    let dir = store.tmp_path("overlay-probe");
    match jobs::run(&Job::ProbeOverlay { dir: dir.clone() }) {
        Ok(JobOutput::Overlay(r)) => Ok(r),
        Ok(_) => Ok(Err("unexpected answer from the probe".to_string())),
        Err(e) => {
            let _ = jobs::remove_trees(&[dir]);
            Err(e)
        }
    }
}

/// The driver to use for `choice`, probing (once per kernel) when it is `auto`.
pub fn choose(store: &Store, choice: DriverChoice) -> Result<Driver, DriverError> {
    match choice {
        DriverChoice::Overlay => return Ok(Driver::Overlay),
        DriverChoice::FuseOverlayfs => return Ok(Driver::FuseOverlayfs),
        DriverChoice::Auto => {}
    }
    let path = store.root().join("overlay-probe.json");
    let kernel = kernel_release();
    let cached = fs::read(&path)
        .ok()
        .and_then(|b| serde_json::from_slice::<ProbeCache>(&b).ok())
        .filter(|c| c.kernel == kernel);
    let overlay = match cached {
        Some(c) => c.overlay,
        None => {
            let result = probe_overlay(store)?;
            let cache = ProbeCache {
                kernel,
                overlay: result.clone(),
            };
            store.write_atomic(&path, &serde_json::to_vec(&cache).expect("serializes"))?;
            result
        }
    };
    match overlay {
        Ok(()) => Ok(Driver::Overlay),
        Err(why) if which("fuse-overlayfs").is_none() => Err(DriverError::NoneWorks(why)),
        Err(_) => Ok(Driver::FuseOverlayfs),
    }
}

/// The full path of `program` in $PATH.
pub fn which(program: &str) -> Option<std::path::PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|d| d.join(program))
        .find(|p| p.is_file())
}
