//! nook's integration tests: the real binary, run as an unprivileged user, against the real
//! kernel (user namespaces, overlayfs, fuse-overlayfs) and real peers (podman, skopeo).
//! `scripts/test` prepares the machine and runs them.

mod build;
mod compose;
mod docs;
mod escapes;
mod harness;
mod images;
mod lifecycle;
mod limits;
mod manage;
mod network;
mod registry;
mod registry_server;
mod reliability;
mod run;
mod sandbox;
mod shell;
mod store;
mod system;
mod volumes;
