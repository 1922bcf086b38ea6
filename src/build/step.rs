//! A RUN step: the stage's layers under a fresh writable layer, run as a container with the
//! same walls as `nook run` (user namespace with your id map, every namespace of its own,
//! podman's capabilities, docker's seccomp filter, masked paths, locked mounts), its output
//! passed on as it comes. What it leaves in its writable layer becomes the step's layer.
//!
//! A build runs its stages in threads, and a container is started only from a single-threaded
//! process: so each step runs in a `nook __build-step` helper, which gets the step as JSON on
//! stdin and sends back framed output and then its result on stdout.

use std::io::{self, BufRead, BufReader, Read, Write};
use std::os::fd::OwnedFd;
use std::path::PathBuf;
use std::process::{self, Command};
use std::sync::Mutex;

use serde::{Deserialize, Serialize};

use nix::fcntl::OFlag;
use nix::sys::signal::Signal;

use crate::network::host::TapConfig;
use crate::network::pasta::{self, Pasta, PastaSpec, Tap};
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
    #[error("cannot run nook's step helper ({STEP_COMMAND}): {0}")]
    Helper(io::Error),
    #[error("{0}")]
    Failed(String),
}

/// The helper's name.
pub const STEP_COMMAND: &str = "__build-step";

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
#[derive(Debug, Serialize, Deserialize)]
pub struct Step {
    pub idmap: IdMap,
    pub driver: Driver,
    /// The stage's layers, topmost first.
    pub lowers: Vec<PathBuf>,
    pub upper: PathBuf,
    pub work: PathBuf,
    /// Where the root filesystem is mounted (in the step's own mount namespace).
    pub rootfs: PathBuf,
    /// Scratch space for pasta's readiness FIFO and log, and fuse-overlayfs's log.
    pub scratch: PathBuf,
    pub process: ProcessSpec,
    pub caps: Vec<String>,
    pub security: Security,
    pub mounts: Vec<MountSpec>,
    pub network: Network,
    /// The host's loopback is reached through the gateway.
    pub host_loopback: bool,
    pub pasta: Option<pasta::Features>,
    /// The file the program reads (its stdin is /dev/null without it).
    pub stdin: Option<PathBuf>,
}

/// Frames on the helper's stdout: a tag, a length (u32, little-endian) and the bytes.
const FRAME_STDOUT: u8 = 1;
const FRAME_STDERR: u8 = 2;
/// The result, as JSON: `Result<i32, String>`.
const FRAME_RESULT: u8 = 0;

/// The helpers running steps now (their pids, until just before they are reaped, so that a
/// pid here is never another process's).
#[derive(Default)]
pub struct Running(Mutex<Vec<u32>>);

impl Running {
    fn list(&self) -> std::sync::MutexGuard<'_, Vec<u32>> {
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// End every step running now (the helper's death takes its container with it).
    pub fn cancel(&self) {
        for pid in self.list().iter() {
            let _ =
                nix::sys::signal::kill(nix::unistd::Pid::from_raw(*pid as i32), Signal::SIGKILL);
        }
    }
}

/// Run the step in a helper, listed in `running` while it runs; its output goes to `output`
/// as it comes. Returns its exit status.
pub fn run(
    step: &Step,
    running: &Running,
    mut output: impl FnMut(Stream, &[u8]),
) -> Result<i32, StepError> {
    let mut cmd = Command::new("/proc/self/exe");
    cmd.arg(STEP_COMMAND)
        .stdin(process::Stdio::piped())
        .stdout(process::Stdio::piped())
        .stderr(process::Stdio::inherit());
    crate::sys::clean_child(&mut cmd, true);
    let mut child = {
        let mut list = running.list();
        let child = cmd.spawn().map_err(StepError::Helper)?;
        list.push(child.id());
        child
    };
    let mut stdin = child.stdin.take().expect("stdin is piped");
    let spec = serde_json::to_vec(step).expect("steps serialize");
    // A helper that died early shows as a missing result.
    let _ = stdin.write_all(&spec).and_then(|()| stdin.write_all(b"\n"));
    drop(stdin);
    let mut frames = BufReader::new(child.stdout.take().expect("stdout is piped"));
    let mut result = None;
    while let Some((tag, data)) = read_frame(&mut frames) {
        match tag {
            FRAME_STDOUT => output(Stream::Stdout, &data),
            FRAME_STDERR => output(Stream::Stderr, &data),
            _ => result = serde_json::from_slice::<Result<i32, String>>(&data).ok(),
        }
    }
    running.list().retain(|p| *p != child.id());
    let _ = child.wait();
    match result {
        Some(r) => r.map_err(StepError::Failed),
        None => Err(StepError::Lost),
    }
}

fn read_frame(r: &mut impl Read) -> Option<(u8, Vec<u8>)> {
    let mut head = [0u8; 5];
    r.read_exact(&mut head).ok()?;
    let len = u32::from_le_bytes([head[1], head[2], head[3], head[4]]) as usize;
    let mut data = vec![0u8; len];
    r.read_exact(&mut data).ok()?;
    Some((head[0], data))
}

fn write_frame(w: &mut impl Write, tag: u8, data: &[u8]) -> io::Result<()> {
    for chunk in data.chunks(u32::MAX as usize) {
        w.write_all(&[tag])?;
        w.write_all(&(chunk.len() as u32).to_le_bytes())?;
        w.write_all(chunk)?;
    }
    w.flush()
}

/// The body of `nook __build-step`: returns the process exit code.
pub fn serve() -> i32 {
    let mut line = String::new();
    let step: Result<Step, String> = io::stdin()
        .lock()
        .read_line(&mut line)
        .map_err(|e| format!("cannot read the step: {e}"))
        .and_then(|_| serde_json::from_str(&line).map_err(|e| format!("malformed step: {e}")));
    let mut out = io::stdout().lock();
    let result = step.and_then(|step| {
        run_here(step, |stream, data| {
            let tag = match stream {
                Stream::Stdout => FRAME_STDOUT,
                Stream::Stderr => FRAME_STDERR,
            };
            let _ = write_frame(&mut out, tag, data);
        })
        .map_err(|e| e.to_string())
    });
    let answer = serde_json::to_vec(&result).expect("results serialize");
    match write_frame(&mut out, FRAME_RESULT, &answer) {
        Ok(()) => 0,
        Err(_) => 1,
    }
}

/// Run the step in this (single-threaded) process.
fn run_here(step: Step, mut output: impl FnMut(Stream, &[u8])) -> Result<i32, StepError> {
    let stdin: Option<OwnedFd> = match &step.stdin {
        Some(path) => Some(
            std::fs::File::open(path)
                .map_err(|e| StepError::Failed(format!("cannot read {}: {e}", path.display())))?
                .into(),
        ),
        None => None,
    };
    let signals = relay::signal_fd().map_err(StepError::Output)?;
    let spec = LaunchSpec {
        idmap: step.idmap,
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
        // The upper directory is archived into a layer (written back with its blob).
        volatile: true,
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
        keep_id: None,
        shm_size: None,
        sysctls: Vec::new(),
        pid_host: false,
        discard: Vec::new(),
        tap: match (step.network, &step.pasta) {
            (Network::Pasta, Some(f)) if f.serves_tap => TapConfig::from_host(),
            _ => None,
        },
    };
    // pasta starts as soon as the step's namespaces exist.
    let connect =
        |keeper: nix::unistd::Pid, queue: Option<OwnedFd>| match (step.network, &step.pasta) {
            (Network::Pasta, Some(features)) => {
                let tap = Tap::made(queue, spec.tap.as_ref());
                Pasta::start(
                    &PastaSpec {
                        pid: keeper.as_raw(),
                        ports: &[],
                        fifo: &step.scratch.join("pasta.ready"),
                        log: &step.scratch.join("pasta.log"),
                        features,
                        host_loopback: step.host_loopback,
                    },
                    tap,
                )
                .map(|starting| Some((starting, keeper)))
            }
            _ => Ok(None),
        };
    let (launching, connecting) = launch::launch(&spec, None, |_| Ok(None), connect)?;
    let connecting = connecting?;
    let created = launching.ready()?;
    // The step runs once it can send, as a container's program does: pasta finishes setting
    // up beside it, and a packet sent meanwhile waits in the interface's queue.
    let settling = connecting
        .map(|(starting, keeper)| starting.wait_routes(keeper.as_raw()))
        .transpose()?;
    let pipe = || nix::unistd::pipe2(OFlag::O_CLOEXEC).map_err(StepError::Output);
    let (out_r, out_w) = pipe()?;
    let (err_r, err_w) = pipe()?;
    let running = created.start(Some(Stdio {
        stdin,
        stdout: out_w,
        stderr: err_w,
    }))?;
    let _pasta = settling.map(|s| s.finish(running.ended_fd())).transpose()?;
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
