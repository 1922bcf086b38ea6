//! The monitor of a foreground container. `nook run` replaces itself (execve, same pid,
//! terminal and stdio) with `nook __monitor ID`: a fresh, single-threaded process that
//! starts the container, relays its terminal and follows resizes, forwards signals to it,
//! records its state and exit status, and removes it afterwards with `--rm`.

use std::io::{self, Write};
use std::os::fd::{AsFd, BorrowedFd};

use nix::errno::Errno;
use nix::fcntl::{FcntlArg, OFlag, fcntl};
use nix::poll::{PollFd, PollFlags, PollTimeout, poll};
use nix::sys::signal::{SigSet, Signal};
use nix::sys::signalfd::{SfdFlags, SignalFd};
use nix::sys::termios::{SetArg, Termios, cfmakeraw, tcgetattr, tcsetattr};
use nix::unistd::{getpid, isatty};

use super::{ContainerConfig, ContainerError, Containers, ProcessId, Status, now_rfc3339};
use crate::image::store::Store;
use crate::runtime::idmap::{IdMap, IdMapError};
use crate::runtime::launch::{self, LaunchError, LaunchSpec};
use crate::sys;

/// The hidden subcommand that runs a monitor.
pub const MONITOR_COMMAND: &str = "__monitor";

#[derive(Debug, thiserror::Error)]
pub enum MonitorError {
    #[error(transparent)]
    Container(#[from] ContainerError),
    #[error(transparent)]
    IdMap(#[from] IdMapError),
    #[error(transparent)]
    Launch(#[from] LaunchError),
    #[error(
        "layer {0} of the container's image is missing from the store; load or import the image again"
    )]
    MissingLayer(String),
    #[error("cannot set up signal handling: {0}")]
    Signals(Errno),
    #[error(
        "the container's keeper process disappeared (was it killed?); its exit status is unknown"
    )]
    Lost,
}

impl MonitorError {
    pub fn exit_code(&self) -> i32 {
        match self {
            MonitorError::Launch(e) => e.exit_code(),
            _ => 125,
        }
    }
}

/// Signals passed on to the container's PID 1, as docker's `--sig-proxy` does.
const FORWARDED: &[Signal] = &[
    Signal::SIGINT,
    Signal::SIGTERM,
    Signal::SIGHUP,
    Signal::SIGQUIT,
    Signal::SIGUSR1,
    Signal::SIGUSR2,
    Signal::SIGALRM,
    Signal::SIGCONT,
];

/// Run container `id` in the foreground; returns its exit status (docker's rules).
pub fn run(store: &Store, id: &str) -> Result<i32, MonitorError> {
    let containers = Containers::new(store);
    let config = containers.load_config(id)?;
    let outcome = supervise(store, &containers, &config);
    if config.auto_remove
        && let Err(e) = containers.remove(&config)
    {
        eprintln!(
            "warning: could not remove container {}: {e}",
            &config.id[..12]
        );
    }
    outcome
}

fn supervise(
    store: &Store,
    containers: &Containers<'_>,
    config: &ContainerConfig,
) -> Result<i32, MonitorError> {
    for layer in &config.layers {
        if !store.has_layer(layer) {
            return Err(MonitorError::MissingLayer(layer.to_string()));
        }
    }
    let mapping = IdMap::for_current_user()?;
    if let Some(w) = &mapping.warning {
        eprintln!("warning: {w}");
    }
    let terminal = config.process.terminal;
    let stdin_is_tty = isatty(io::stdin()).unwrap_or(false);
    let winsize = if terminal {
        sys::get_winsize(io::stdout().as_fd())
            .or_else(|_| sys::get_winsize(io::stdin().as_fd()))
            .ok()
    } else {
        None
    };
    let spec = LaunchSpec {
        idmap: mapping.map,
        driver: config.driver,
        lowers: config
            .layers
            .iter()
            .rev()
            .map(|d| store.layer_diff(d))
            .collect(),
        upper: containers.upper(&config.id),
        work: containers.work(&config.id),
        rootfs: store.mount_point(),
        fuse_log: containers.dir(&config.id).join("fuse-overlayfs.log"),
        hostname: config.hostname.clone(),
        read_only: config.read_only,
        read_only_tmpfs: config.read_only_tmpfs,
        init: config.init,
        caps: config.capabilities.clone(),
        process: config.process.clone(),
        winsize,
        discard: if config.auto_remove {
            vec![containers.upper(&config.id), containers.work(&config.id)]
        } else {
            Vec::new()
        },
    };

    // Block the signals we handle before any clone: the children unblock them themselves.
    let mut mask = SigSet::empty();
    for s in FORWARDED {
        mask.add(*s);
    }
    mask.add(Signal::SIGWINCH);
    mask.thread_block().map_err(MonitorError::Signals)?;
    let signals = SignalFd::with_flags(&mask, SfdFlags::SFD_CLOEXEC | SfdFlags::SFD_NONBLOCK)
        .map_err(MonitorError::Signals)?;

    let mut state = containers.load_state(&config.id)?;
    // A container that never ran records why, as docker's exit code (125, 126 or 127).
    let launching = match launch::launch(&spec) {
        Ok(l) => l,
        Err(e) => {
            record_exit(containers, config, &mut state, Some(e.exit_code()))?;
            return Err(e.into());
        }
    };
    // Recorded while init sets itself up, and before the program can run.
    state.status = Status::Running;
    state.monitor = ProcessId::of(getpid().as_raw());
    state.init = ProcessId::of(launching.init().as_raw());
    state.started_at = Some(now_rfc3339());
    containers.save_state(&config.id, &state)?;
    let created = match launching.ready() {
        Ok(c) => c,
        Err(e) => {
            record_exit(containers, config, &mut state, Some(e.exit_code()))?;
            return Err(e.into());
        }
    };
    let running = match created.start() {
        Ok(r) => r,
        Err(e) => {
            record_exit(containers, config, &mut state, Some(e.exit_code()))?;
            return Err(e.into());
        }
    };

    let raw = (terminal && config.process.interactive && stdin_is_tty)
        .then(RawMode::enter)
        .flatten();
    let code = relay(&running, &signals, config.process.interactive);
    drop(raw);

    record_exit(containers, config, &mut state, code)?;
    code.ok_or(MonitorError::Lost)
}

fn record_exit(
    containers: &Containers<'_>,
    config: &ContainerConfig,
    state: &mut super::ContainerState,
    code: Option<i32>,
) -> Result<(), MonitorError> {
    // A --rm container's record is about to go: no need to write its last state.
    if !config.auto_remove {
        state.status = Status::Exited;
        state.finished_at = Some(now_rfc3339());
        state.exit_code = code;
        containers.save_state(&config.id, state)?;
    }
    Ok(())
}

/// The terminal in raw mode (no echo, no line editing, no signals from keys), restored on drop.
struct RawMode {
    saved: Termios,
}

impl RawMode {
    fn enter() -> Option<Self> {
        let stdin = io::stdin();
        let saved = tcgetattr(stdin.as_fd()).ok()?;
        let mut raw = saved.clone();
        cfmakeraw(&mut raw);
        tcsetattr(stdin.as_fd(), SetArg::TCSADRAIN, &raw).ok()?;
        Some(Self { saved })
    }
}

impl Drop for RawMode {
    fn drop(&mut self) {
        let _ = tcsetattr(io::stdin().as_fd(), SetArg::TCSADRAIN, &self.saved);
    }
}

/// Pass signals, terminal input and output until the container exits; returns its status.
fn relay(running: &launch::Running, signals: &SignalFd, interactive: bool) -> Option<i32> {
    let master = running.terminal.as_ref().map(|m| m.as_fd());
    let stdin = io::stdin();
    let mut stdout = io::stdout().lock();
    let mut input_open = master.is_some() && interactive;
    let mut output_open = master.is_some();
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        let mut fds = vec![
            PollFd::new(signals.as_fd(), PollFlags::POLLIN),
            PollFd::new(running.events_fd(), PollFlags::POLLIN),
        ];
        let master_slot = match (master, output_open) {
            (Some(m), true) => {
                fds.push(PollFd::new(m, PollFlags::POLLIN));
                Some(fds.len() - 1)
            }
            _ => None,
        };
        let stdin_slot = input_open.then(|| {
            fds.push(PollFd::new(stdin.as_fd(), PollFlags::POLLIN));
            fds.len() - 1
        });
        match poll(&mut fds, PollTimeout::NONE) {
            Err(Errno::EINTR) => continue,
            Err(_) => return running.collect_exit(),
            Ok(_) => {}
        }
        let ready = |i: usize| {
            fds[i].revents().is_some_and(|r| {
                r.intersects(PollFlags::POLLIN | PollFlags::POLLHUP | PollFlags::POLLERR)
            })
        };
        let (sig_ready, exit_ready) = (ready(0), ready(1));
        let out_ready = master_slot.is_some_and(ready);
        let in_ready = stdin_slot.is_some_and(ready);
        drop(fds);

        if sig_ready {
            while let Ok(Some(info)) = signals.read_signal() {
                let Ok(sig) = Signal::try_from(info.ssi_signo as i32) else {
                    continue;
                };
                if sig == Signal::SIGWINCH {
                    if let (Some(m), Ok(size)) = (master, sys::get_winsize(io::stdout().as_fd())) {
                        let _ = sys::set_winsize(m, size);
                    }
                } else {
                    let _ = running.signal(sig);
                }
            }
        }
        if let (true, Some(m)) = (out_ready, master) {
            match nix::unistd::read(m, &mut buf) {
                Ok(0) | Err(Errno::EIO) => output_open = false,
                Ok(n) => {
                    if stdout
                        .write_all(&buf[..n])
                        .and_then(|_| stdout.flush())
                        .is_err()
                    {
                        output_open = false;
                    }
                }
                Err(Errno::EINTR | Errno::EAGAIN) => {}
                Err(_) => output_open = false,
            }
        }
        if let (true, Some(m)) = (in_ready, master) {
            match nix::unistd::read(stdin.as_fd(), &mut buf) {
                Err(Errno::EINTR | Errno::EAGAIN) => {}
                Ok(0) | Err(_) => input_open = false,
                Ok(n) => {
                    if write_all_fd(m, &buf[..n]).is_err() {
                        input_open = false;
                    }
                }
            }
        }
        if exit_ready {
            let code = running.collect_exit();
            if let (Some(m), true) = (master, output_open) {
                drain(m, &mut stdout, &mut buf);
            }
            return code;
        }
    }
}

/// Copy what is still buffered in the terminal after the container ended.
fn drain(master: BorrowedFd<'_>, out: &mut impl Write, buf: &mut [u8]) {
    if let Ok(flags) = fcntl(master, FcntlArg::F_GETFL) {
        let _ = fcntl(
            master,
            FcntlArg::F_SETFL(OFlag::from_bits_truncate(flags) | OFlag::O_NONBLOCK),
        );
    }
    while let Ok(n @ 1..) = nix::unistd::read(master, buf) {
        if out.write_all(&buf[..n]).is_err() {
            return;
        }
    }
    let _ = out.flush();
}

fn write_all_fd(fd: BorrowedFd<'_>, mut data: &[u8]) -> Result<(), Errno> {
    while !data.is_empty() {
        match nix::unistd::write(fd, data) {
            Ok(n) => data = &data[n..],
            Err(Errno::EINTR) => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}
