//! A RUN step: the stage's layers under a fresh writable layer, run as a container with the
//! same walls as `nook run` (user namespace with your id map, every namespace of its own,
//! podman's capabilities, docker's seccomp filter, masked paths, locked mounts), its output
//! passed on as it comes. What it leaves in its writable layer becomes the step's layer.

use std::os::fd::OwnedFd;
use std::path::{Path, PathBuf};

use nix::fcntl::OFlag;
use nix::sys::signal::Signal;

use crate::network::pasta::{self, Pasta, PastaSpec};
use crate::runtime::idmap::IdMap;
use crate::runtime::launch::{
    self, LaunchError, LaunchSpec, MountSpec, Namespaces, NetNamespace, ProcessSpec, Security,
    Stdio,
};
use crate::runtime::relay::{self, Relay, Stream};
use crate::runtime::rootfs::Driver;

#[derive(Debug, thiserror::Error)]
pub enum StepError {
    #[error(transparent)]
    Launch(#[from] LaunchError),
    #[error(transparent)]
    Pasta(#[from] pasta::PastaError),
    #[error("cannot set up the step's output: {0}")]
    Output(nix::Error),
    #[error("the step's container ended without a status (was it killed?)")]
    Lost,
}

/// How a RUN step reaches the network.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Network {
    /// Its own network namespace, connected through pasta (the default).
    Pasta,
    /// Only `lo`.
    None,
    /// The host's.
    Host,
}

/// Everything a RUN step runs with.
pub struct Step<'a> {
    pub idmap: &'a IdMap,
    pub driver: Driver,
    /// The stage's layers, topmost first.
    pub lowers: Vec<PathBuf>,
    pub upper: PathBuf,
    pub work: PathBuf,
    /// Where the root filesystem is mounted (in the step's own mount namespace).
    pub rootfs: PathBuf,
    /// Scratch space for pasta's readiness FIFO and log, and fuse-overlayfs's log.
    pub scratch: &'a Path,
    pub process: ProcessSpec,
    pub caps: Vec<String>,
    pub security: Security,
    pub mounts: Vec<MountSpec>,
    pub network: Network,
    /// The host's loopback is reached through the gateway.
    pub host_loopback: bool,
    pub pasta: Option<&'a pasta::Features>,
    /// What the program reads (its stdin is /dev/null without it).
    pub stdin: Option<OwnedFd>,
}

/// Run the step; its output goes to `output` as it comes. Returns its exit status.
pub fn run(step: Step<'_>, mut output: impl FnMut(Stream, &[u8])) -> Result<i32, StepError> {
    let signals = relay::signal_fd().map_err(StepError::Output)?;
    let spec = LaunchSpec {
        idmap: step.idmap.clone(),
        namespaces: Namespaces {
            join_user: None,
            net: match step.network {
                Network::Host => NetNamespace::Inherit,
                _ => NetNamespace::New,
            },
        },
        driver: step.driver,
        lowers: step.lowers,
        upper: step.upper,
        work: step.work,
        rootfs: step.rootfs,
        fuse_log: step.scratch.join("fuse-overlayfs.log"),
        hostname: "nook-build".to_string(),
        read_only: false,
        read_only_tmpfs: false,
        init: false,
        caps: step.caps,
        security: step.security,
        process: step.process,
        mounts: step.mounts,
        winsize: None,
        discard: Vec::new(),
    };
    let launching = launch::launch(&spec, |_| Ok(None))?;
    let connecting = match (step.network, step.pasta) {
        (Network::Pasta, Some(features)) => Some(Pasta::start(&PastaSpec {
            pid: launching.keeper().as_raw(),
            ports: &[],
            fifo: &step.scratch.join("pasta.ready"),
            log: &step.scratch.join("pasta.log"),
            features,
            host_loopback: step.host_loopback,
        })?),
        _ => None,
    };
    let created = launching.ready()?;
    let _pasta = connecting.map(|c| c.wait()).transpose()?;
    let pipe = || nix::unistd::pipe2(OFlag::O_CLOEXEC).map_err(StepError::Output);
    let (out_r, out_w) = pipe()?;
    let (err_r, err_w) = pipe()?;
    let running = created.start(Some(Stdio {
        stdin: step.stdin,
        stdout: out_w,
        stderr: err_w,
    }))?;
    Relay {
        outputs: vec![(out_r, Stream::Stdout), (err_r, Stream::Stderr)],
        input: None,
        signals: &signals,
        done: running.events_fd(),
    }
    .run(&mut output, |sig| {
        if sig != Signal::SIGWINCH {
            let _ = running.signal(sig);
        }
    });
    let exit = running.collect_exit();
    drop(running);
    drop(signals);
    relay::restore_signals();
    exit.map(|(code, _)| code).ok_or(StepError::Lost)
}
