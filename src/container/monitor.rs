//! A container's monitor: `nook __monitor STORE ID [--detach]`, a fresh, single-threaded nook
//! process, one per running container. It starts the container, records its state, writes
//! its output to the log (and, in the foreground, to the terminal), forwards signals, records
//! the exit status, restarts the container as its policy says, and removes it with `--rm`.
//!
//! In the foreground, `nook run` replaces itself with the monitor (same pid, terminal and
//! stdio). Detached (`run -d`, `start`), the monitor leads a session of its own, tells the
//! waiting command through its stdout whether the container started, and then lets go of it.

use std::io::{self, Write};
use std::os::fd::{AsFd, OwnedFd};
use std::time::{Duration, Instant};

use nix::errno::Errno;
use nix::fcntl::OFlag;
use nix::poll::{PollFd, PollFlags, PollTimeout, poll};
use nix::sys::signal::Signal;
use nix::sys::signalfd::SignalFd;
use nix::unistd::{getpid, isatty};
use serde::{Deserialize, Serialize};

use super::identity;
use super::logs::{LogWriter, Stream};
use super::net::{self, NetError};
use super::volume::Volumes;
use super::{
    ContainerConfig, ContainerError, ContainerState, Containers, ProcessId, RestartPolicy, Status,
    now_rfc3339,
};
use crate::cgroups;
use crate::image::store::Store;
use crate::network::host::TapConfig;
use crate::network::pasta::Tap;
use crate::runtime::idmap::{IdMap, IdMapError};
use crate::runtime::launch::{
    self, EarlyKeeper, LaunchError, LaunchSpec, MountSpec, Namespaces, Running, Stdio,
};
use crate::runtime::relay::{self, RawMode, Relay};
use crate::sys;

/// The hidden subcommand that runs a monitor.
pub const MONITOR_COMMAND: &str = "__monitor";
/// Its flag for a detached monitor.
pub const DETACH_FLAG: &str = "--detach";

#[derive(Debug, thiserror::Error)]
pub enum MonitorError {
    #[error(transparent)]
    Container(#[from] ContainerError),
    #[error(transparent)]
    IdMap(#[from] IdMapError),
    #[error(transparent)]
    Launch(#[from] LaunchError),
    #[error(
        "layer {0} of the container's image is missing from the store; pull, load or import the \
         image again"
    )]
    MissingLayer(String),
    #[error("cannot set up the container's output: {0}")]
    Output(io::Error),
    #[error("cannot set up signal handling: {0}")]
    Signals(Errno),
    #[error(
        "the container's keeper process disappeared (was it killed?); its exit status is unknown"
    )]
    Lost,
    #[error("container {0} is already running")]
    AlreadyRunning(String),
    #[error(transparent)]
    Network(#[from] NetError),
    #[error(transparent)]
    Identity(#[from] identity::IdentityError),
}

impl MonitorError {
    pub fn exit_code(&self) -> i32 {
        match self {
            MonitorError::Launch(e) => e.exit_code(),
            _ => 125,
        }
    }
}

/// What a detached monitor tells the command that started it.
#[derive(Debug, Serialize, Deserialize)]
pub enum StartReport {
    Started,
    Failed { code: i32, message: String },
}

/// Run container `id`, until it has exited for good; returns its last exit status.
pub fn run(store: &Store, id: &str, detached: bool) -> Result<i32, MonitorError> {
    let config = Containers::new(store).load_config(id)?;
    run_config(store, &config, detached, None)
}

/// [`run`] for the container whose configuration is `config`, by a process that already
/// has it (`nook run` in the foreground, single-threaded, becomes the monitor so, with the
/// keeper it forked ahead for the first run, if any).
pub fn run_config(
    store: &Store,
    config: &ContainerConfig,
    detached: bool,
    early: Option<EarlyKeeper>,
) -> Result<i32, MonitorError> {
    let mut report = if detached {
        let _ = nix::unistd::setsid();
        Some(Reporter)
    } else {
        None
    };
    let containers = Containers::new(store);
    let id = &config.id;
    let outcome = match containers.take_monitor_lock(id)? {
        // Held for the monitor's whole life (and by the container's own stages, which die
        // with it); `ps`, `stop` and `rm` look at it to know the monitor lives.
        Some(_lock) => {
            let (outcome, ended) = match supervise(store, &containers, config, &mut report, early) {
                Ok((code, ended)) => (Ok(code), ended),
                Err(e) => (Err(e), None),
            };
            // `nook wait` may be reading the exit status: the record goes once it has.
            let _waiters_done = config.auto_remove.then(|| containers.wait_until_read(id));
            // As docker's --rm: the container, and the anonymous volumes it had. Its records
            // go while its keeper deletes the writable layer; the directory once it is done.
            if config.auto_remove {
                let removed = containers
                    .remove_after(config, || drop(ended))
                    .map_err(|e| e.to_string())
                    .and_then(|()| {
                        Volumes::new(store)
                            .remove_anonymous(&config.mounts)
                            .map_err(|e| e.to_string())
                    });
                if let Err(e) = removed {
                    eprintln!(
                        "warning: could not remove container {}: {e}",
                        &config.id[..12]
                    );
                }
            }
            outcome
        }
        None => Err(MonitorError::AlreadyRunning(config.name.clone())),
    };
    if let (Some(r), Err(e)) = (report.take(), &outcome) {
        r.send(StartReport::Failed {
            code: e.exit_code(),
            message: e.to_string(),
        });
    }
    outcome
}

/// The detached monitor's line to the command waiting on its stdout.
struct Reporter;

impl Reporter {
    /// Say how the start went, then let go of stdout (the waiting command sees end of file).
    fn send(self, report: StartReport) {
        let mut out = io::stdout().lock();
        let _ = serde_json::to_writer(&mut out, &report);
        let _ = out.write_all(b"\n");
        let _ = out.flush();
        if let Ok(null) = std::fs::OpenOptions::new().write(true).open("/dev/null") {
            let _ = nix::unistd::dup2_stdout(&null);
            let _ = nix::unistd::dup2_stderr(&null);
        }
    }
}

fn supervise(
    store: &Store,
    containers: &Containers<'_>,
    config: &ContainerConfig,
    report: &mut Option<Reporter>,
    mut early: Option<EarlyKeeper>,
) -> Result<(i32, Option<Ended>), MonitorError> {
    for layer in &config.layers {
        let there = match config.keep_id {
            Some(keep) => store.has_keep_layer(layer, keep),
            None => store.has_layer(layer),
        };
        if !there {
            return Err(MonitorError::MissingLayer(layer.to_string()));
        }
    }
    // (Found already for a keeper forked ahead.)
    let mapping = match &early {
        Some(e) => e.mapping().clone(),
        None => IdMap::for_current_user()?,
    };
    let idmap = config.idmap(mapping.map.clone())?;
    if let (Some(w), None) = (&mapping.warning, &report) {
        eprintln!("warning: {w}");
    }
    let foreground = report.is_none();
    let winsize = (config.process.terminal && foreground)
        .then(|| {
            sys::get_winsize(io::stdout().as_fd())
                .or_else(|_| sys::get_winsize(io::stdin().as_fd()))
                .ok()
        })
        .flatten();
    let run = Run {
        store,
        containers,
        config,
        idmap: &idmap,
        winsize,
    };

    let signals = relay::signal_fd().map_err(MonitorError::Signals)?;
    let mut log =
        LogWriter::open(&containers.log(&config.id), config.log).map_err(MonitorError::Output)?;
    let mut state = containers.load_state(&config.id)?;
    state.error = None;
    // Its health check runs beside it, in a process that dies with this one.
    let _checker = config.health.is_some().then(|| {
        std::process::Command::new("/proc/self/exe")
            .arg(crate::container::health::HEALTH_COMMAND)
            .arg(store.root())
            .arg(&config.id)
            .arg(getpid().as_raw().to_string())
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
    });
    let mut backoff = Duration::from_millis(100);
    loop {
        // What earlier runs left to reap (pasta is not waited for when it is ended).
        while matches!(
            nix::sys::wait::waitpid(None, Some(nix::sys::wait::WaitPidFlag::WNOHANG)),
            Ok(nix::sys::wait::WaitStatus::Exited(..) | nix::sys::wait::WaitStatus::Signaled(..))
        ) {}
        let started = Instant::now();
        let outcome = run.once(&signals, &mut log, &mut state, report, early.take());
        let (code, ended) = match outcome {
            Ok(ended) => ended,
            Err(e) => {
                state.error = Some(e.to_string());
                record_exit(store, config, &mut state, Some(e.exit_code()), false)?;
                return Err(e);
            }
        };
        let stopped = || containers.stop_marker(&config.id).exists();
        let again = code.is_some()
            && !config.auto_remove
            && match config.restart {
                RestartPolicy::No => false,
                RestartPolicy::Always => true,
                RestartPolicy::OnFailure { max } => {
                    code != Some(0) && max.is_none_or(|m| state.restart_count < m)
                }
            }
            && !stopped();
        // Recorded once, as what comes next: a waiter never sees "exited" between two runs.
        // (While the keeper may still delete the writable layer.)
        record_exit(store, config, &mut state, code, again)?;
        let code = code.ok_or(MonitorError::Lost)?;
        if !again {
            return Ok((code, Some(ended)));
        }
        drop(ended);
        // As docker: wait longer after each quick failure, start over after a good run.
        if started.elapsed() > Duration::from_secs(10) {
            backoff = Duration::from_millis(100);
        }
        if wait_or_stop(&signals, backoff) || stopped() {
            state.status = Status::Exited;
            containers.save_state(config, &state)?;
            return Ok((code, None));
        }
        backoff = (backoff * 2).min(Duration::from_secs(60));
        state.restart_count += 1;
    }
}

/// Sleep `pause`, unless a signal to stop arrives first (then true).
fn wait_or_stop(signals: &SignalFd, pause: Duration) -> bool {
    let deadline = Instant::now() + pause;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return false;
        }
        let ms = u16::try_from(left.as_millis()).unwrap_or(u16::MAX);
        let mut fds = [PollFd::new(signals.as_fd(), PollFlags::POLLIN)];
        if let Ok(1..) = poll(&mut fds, PollTimeout::from(ms))
            && relay::pending(signals).iter().any(|s| {
                matches!(
                    s,
                    Signal::SIGTERM | Signal::SIGINT | Signal::SIGQUIT | Signal::SIGHUP
                )
            })
        {
            return true;
        }
    }
}

/// What every run of a container shares.
struct Run<'a> {
    store: &'a Store,
    containers: &'a Containers<'a>,
    config: &'a ContainerConfig,
    idmap: &'a IdMap,
    winsize: Option<sys::WinSize>,
}

impl Run<'_> {
    /// How to launch the container this time: its network decides which namespaces it
    /// makes or joins, and adds its /etc files.
    fn spec(
        &self,
        namespaces: Namespaces,
        network_files: Vec<MountSpec>,
        tap: Option<TapConfig>,
    ) -> LaunchSpec {
        let (store, containers, config) = (self.store, self.containers, self.config);
        let mut mounts = config.mounts.clone();
        mounts.extend(network_files);
        LaunchSpec {
            idmap: self.idmap.clone(),
            namespaces,
            driver: config.driver,
            lowers: config.root_lowers(store),
            upper: containers.upper(&config.id),
            work: containers.work(&config.id),
            volatile: config.auto_remove,
            rootfs: store.mount_point(),
            fuse_log: containers.dir(&config.id).join("fuse-overlayfs.log"),
            hostname: config.hostname.clone(),
            read_only: config.read_only,
            read_only_tmpfs: config.read_only_tmpfs,
            init: config.init,
            caps: config.capabilities.clone(),
            security: config.security.clone(),
            process: config.process.clone(),
            mounts,
            winsize: self.winsize,
            keep_id: config.keep_id,
            pid_host: config.pid_host,
            shm_size: config.shm_size,
            sysctls: config
                .sysctls
                .iter()
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect(),
            tap,
            discard: if config.auto_remove {
                vec![containers.upper(&config.id), containers.work(&config.id)]
            } else {
                Vec::new()
            },
        }
    }

    /// One run of the container: launch, connect, record, start, relay until it exits.
    fn once(
        &self,
        signals: &SignalFd,
        log: &mut LogWriter,
        state: &mut ContainerState,
        report: &mut Option<Reporter>,
        early: Option<EarlyKeeper>,
    ) -> Result<(Option<i32>, Ended), MonitorError> {
        let (containers, config) = (self.containers, self.config);
        let foreground = report.is_none();
        let process = &config.process;
        let net::Prepared {
            namespaces,
            mounts,
            files,
            pending,
        } = net::prepare(self.store, containers, config)?;
        let mut mounts = mounts;
        if let Some(keep) = config.keep_id {
            let you = identity::You::current()?;
            let lowers = config.lowers(self.store);
            mounts.extend(identity::mounts(
                &containers.dir(&config.id),
                &lowers,
                &you,
                keep,
            )?);
        }
        // The keeper, and so everything of the container, goes in its cgroup first; the
        // cgroup goes when this run is over (or fails), after the container's processes.
        let mut placed = cgroups::Cleanup::default();
        let restarts = state.restart_count;
        let place = |keeper| {
            // While the keeper makes the container's namespaces: init binds them later.
            files.write().map_err(|e| e.to_string())?;
            let Some(cg) = &config.cgroup else {
                return Ok(None);
            };
            let p = cgroups::place(cg, &config.id, restarts, keeper).map_err(|e| e.to_string())?;
            let path = p.path.clone();
            placed.0 = Some(p);
            Ok(Some(path))
        };
        // pasta starts as soon as the namespaces exist, while the root is mounted and init
        // sets itself up; it ends with this run.
        let spec = self.spec(namespaces, mounts, pending.tap());
        let connect = |keeper, queue: Option<OwnedFd>| {
            let tap = Tap::made(queue, spec.tap.as_ref());
            pending.begin(self.store, containers, &config.id, keeper, tap)
        };
        let (launching, connecting) = launch::launch(&spec, early, place, connect)?;
        let init = launching.init();
        // Recorded before the program can run: while init sets itself up, on the other core.
        // (A program that then cannot start is recorded as exited, with docker's 126/127.)
        if let Ok(c) = &connecting {
            state.status = Status::Running;
            state.monitor = ProcessId::of(getpid().as_raw());
            state.init = ProcessId::of(init.as_raw());
            state.started_at = Some(now_rfc3339());
            state.finished_at = None;
            state.exit_code = None;
            state.network = Some(c.state().clone());
            state.cgroup = placed.0.clone();
            state.oom_killed = false;
            containers.save_state(config, state)?;
        }
        // A program that cannot start fails here (docker's 126/127), whatever the network did.
        let created = launching.ready()?;
        let mut network = connecting?.finish()?;
        if let Some(started) = &state.started_at {
            crate::container::health::reset(self.store, config, started);
        }

        // The program's output comes to us through pipes (a terminal's through its master).
        let pipe =
            || nix::unistd::pipe2(OFlag::O_CLOEXEC).map_err(|e| MonitorError::Output(e.into()));
        let (out_r, out_w) = pipe()?;
        let (err_r, err_w) = pipe()?;
        // Input, with -i: a pipe, fed from ours in the foreground (never our own descriptor:
        // a terminal handed over would stay the container's after we are gone); detached,
        // held open, as docker keeps a detached container's stdin open.
        let (stdin, input_pipe) = match process.interactive && !process.terminal {
            false => (None, None),
            true => {
                let (r, w) = pipe()?;
                (Some(r), Some(w))
            }
        };
        let running = created.start(Some(Stdio {
            stdin,
            stdout: out_w,
            stderr: err_w,
        }))?;
        // (Recorded once the program runs: it waited for nothing but its start.)
        crate::events::container(self.store, config, "start", &[]);
        if let Some(r) = report.take() {
            r.send(StartReport::Started);
        }
        let master = running.terminal.as_ref().map(|m| m.as_fd());
        let raw = (foreground
            && master.is_some()
            && process.interactive
            && isatty(io::stdin()).unwrap_or(false))
        .then(RawMode::enter)
        .flatten();
        // With a terminal, everything comes through its master; the pipes stay unused.
        let outputs = match master {
            Some(m) => vec![(
                m.try_clone_to_owned().map_err(MonitorError::Output)?,
                Stream::Stdout,
            )],
            None => vec![(out_r, Stream::Stdout), (err_r, Stream::Stderr)],
        };
        let stdin = io::stdin();
        // Detached with -i: input comes from `nook attach`, through a fifo held open here
        // (read and write), so that the container's input stays open between attaches.
        let attach = match (foreground, process.interactive) {
            (false, true) => Some(
                attach_fifo(&containers.attach_fifo(&config.id)).map_err(MonitorError::Output)?,
            ),
            _ => None,
        };
        let input = match (master, input_pipe, &attach) {
            (Some(m), _, _) if foreground && process.interactive => Some((
                stdin.as_fd(),
                m.try_clone_to_owned().map_err(MonitorError::Output)?,
            )),
            (None, Some(w), _) if foreground => Some((stdin.as_fd(), w)),
            (Some(m), _, Some(fifo)) => Some((
                fifo.as_fd(),
                m.try_clone_to_owned().map_err(MonitorError::Output)?,
            )),
            (None, Some(w), Some(fifo)) => Some((fifo.as_fd(), w)),
            _ => None,
        };
        // pasta finishes its set-up while the program runs (or until it has ended), once
        // what `run -d` and `attach` count on (the attach fifo) is in place.
        if let Err(e) = network.settle(running.ended_fd()) {
            let _ = log.write(
                Stream::Stderr,
                format!("nook: the container has no way out: {e}\n").as_bytes(),
            );
            eprintln!("warning: the container has no way out: {e}");
        }
        let mut echo = foreground;
        Relay {
            outputs,
            input,
            signals,
            done: running.events_fd(),
        }
        .run(
            |stream, data| {
                let _ = log.write(stream, data);
                if echo && !copy_out(stream, data) {
                    echo = false;
                }
            },
            |sig| match (sig, master) {
                (Signal::SIGWINCH, Some(m)) => relay::copy_winsize(m),
                (Signal::SIGWINCH, None) => {}
                (sig, _) => {
                    let _ = running.signal(sig);
                }
            },
        );
        let _ = log.flush();
        drop(attach);
        let _ = std::fs::remove_file(containers.attach_fifo(&config.id));
        drop(raw);
        let exit = running.collect_exit();
        drop(network);
        state.cgroup = None;
        state.oom_killed = exit.is_some_and(|(_, oom)| oom);
        Ok((
            exit.map(|(code, _)| code),
            Ended {
                running,
                _cgroup: placed,
            },
        ))
    }
}

/// A run whose program has ended, while its keeper still deletes the writable layer of a
/// `--rm` container (see [`Running::collect_exit`]): the exit is recorded meanwhile. Dropped,
/// it waits for the keeper, then removes the cgroup the keeper was in.
struct Ended {
    running: Running,
    /// Removed once the keeper is done (fields go after [`Drop::drop`]).
    _cgroup: cgroups::Cleanup,
}

impl Drop for Ended {
    fn drop(&mut self) {
        self.running.finish();
    }
}

/// Make the fifo `nook attach` writes a detached container's input to (a fresh one), and
/// open it for reading and writing: it then never reads as ended when an attach goes.
fn attach_fifo(path: &std::path::Path) -> io::Result<std::os::fd::OwnedFd> {
    let _ = std::fs::remove_file(path);
    nix::unistd::mkfifo(path, nix::sys::stat::Mode::from_bits_truncate(0o600))?;
    Ok(nix::fcntl::open(
        path,
        OFlag::O_RDWR | OFlag::O_NONBLOCK | OFlag::O_CLOEXEC,
        nix::sys::stat::Mode::empty(),
    )?)
}

/// Record how the run ended, and whether the restart policy starts it again.
fn record_exit(
    store: &Store,
    config: &ContainerConfig,
    state: &mut ContainerState,
    code: Option<i32>,
    restarting: bool,
) -> Result<(), MonitorError> {
    state.status = if restarting {
        Status::Restarting
    } else {
        Status::Exited
    };
    state.finished_at = Some(now_rfc3339());
    state.exit_code = code;
    let containers = Containers::new(store);
    match containers.save_state(config, state) {
        // Going now (--rm), with no spare for a full disk: its status still reaches whoever
        // started it.
        Err(e) if config.auto_remove => eprintln!("warning: {e}"),
        saved => saved?,
    }
    let status = code.map_or_else(|| "unknown".to_string(), |c| c.to_string());
    // Under the name it has now (it may have been renamed while it ran).
    let current = match containers.still_named(config) {
        true => None,
        false => containers.load_config(&config.id).ok(),
    };
    let config = current.as_ref().unwrap_or(config);
    crate::events::container(store, config, "die", &[("exitCode", &status)]);
    Ok(())
}

/// Write container output to our own stdout or stderr; false once they are gone.
fn copy_out(stream: Stream, data: &[u8]) -> bool {
    let result = match stream {
        Stream::Stdout => {
            let mut out = io::stdout().lock();
            out.write_all(data).and_then(|_| out.flush())
        }
        Stream::Stderr => io::stderr().lock().write_all(data),
    };
    result.is_ok()
}
