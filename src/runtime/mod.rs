//! The container runtime: namespaces, id maps, the root filesystem, the process.

pub mod caps;
pub mod channel;
pub mod confine;
pub mod driver;
pub mod exec;
pub mod holder;
pub mod idmap;
pub mod jobs;
pub mod launch;
pub mod process;
pub mod relay;
pub mod rootfs;
pub mod sealed;
pub mod seccomp;
pub mod userns;
