//! Containers in the background: `start`, `stop`, `restart`, `kill`, `wait`, `logs`.
//!
//! No daemon: each running container has its own monitor process (see `container::monitor`);
//! these commands find it, or the container's PID 1, through the state the monitor records and
//! the lock it holds for as long as it lives.

use std::io::{BufRead, BufReader, Write};
use std::os::unix::process::CommandExt;
use std::process::{Command, Stdio};
use std::str::FromStr;
use std::time::{Duration, Instant};

use anyhow::{Context as _, bail};
use chrono::{DateTime, Utc};
use nix::sys::signal::Signal;

use super::Context;
use crate::cli::{AttachArgs, GlobalArgs, KillArgs, LogsArgs, StartArgs, StopArgs, WaitArgs};
use crate::container::logs::{LogReader, Stream};
use crate::container::monitor::{DETACH_FLAG, MONITOR_COMMAND, StartReport};
use crate::container::{ContainerConfig, ContainerState, Containers, ProcessId, Status};
use crate::image::store::Store;

/// Why a detached start failed, with docker's exit code for it.
pub struct StartFailure {
    pub code: i32,
    pub message: String,
}

/// Start container `id` under a detached monitor; returns once it runs (or could not).
pub fn start_detached(store: &Store, id: &str) -> Result<(), StartFailure> {
    let failure = |message: String| StartFailure { code: 125, message };
    let program = crate::runtime::sealed::program();
    let mut monitor = Command::new(program.path())
        .arg0("nook")
        .arg(MONITOR_COMMAND)
        .arg(store.root())
        .arg(id)
        .arg(DETACH_FLAG)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| failure(format!("cannot start the container's monitor: {e}")))?;
    let mut line = String::new();
    let read = BufReader::new(monitor.stdout.take().expect("piped")).read_line(&mut line);
    // A monitor that failed exits at once and is reaped here; one that runs the container
    // lives on, and is reaped by whoever inherits it when this command exits.
    if !matches!(serde_json::from_str(&line), Ok(StartReport::Started)) {
        let _ = monitor.wait();
    }
    match (read, serde_json::from_str::<StartReport>(&line)) {
        (Ok(_), Ok(StartReport::Started)) => {
            // It runs as long as its container: later starts can share its copy.
            crate::runtime::sealed::register(&program, monitor.id() as i32);
            Ok(())
        }
        (Ok(_), Ok(StartReport::Failed { code, message })) => Err(StartFailure { code, message }),
        _ => Err(failure(
            "the container's monitor ended before starting it".to_string(),
        )),
    }
}

/// A signal by name (`TERM`, `SIGTERM`) or number.
pub fn parse_signal(s: &str) -> anyhow::Result<Signal> {
    let upper = s.trim().to_ascii_uppercase();
    if let Ok(n) = upper.parse::<i32>() {
        return Signal::try_from(n).map_err(|_| anyhow::anyhow!("unknown signal number {n}"));
    }
    let name = if upper.starts_with("SIG") {
        upper
    } else {
        format!("SIG{upper}")
    };
    Signal::from_str(&name)
        .map_err(|_| anyhow::anyhow!("unknown signal {s:?} (e.g. TERM, KILL, HUP, 9)"))
}

/// Send `sig` to a recorded process if it is still the one recorded; says whether it was.
fn signal_process(process: Option<&ProcessId>, sig: Signal) -> bool {
    process
        .and_then(ProcessId::open)
        .is_some_and(|fd| crate::sys::pidfd_send_signal(std::os::fd::AsFd::as_fd(&fd), sig).is_ok())
}

/// Poll (every 10 ms) until `done` holds or `limit` passes; says whether it held.
fn poll_until(limit: Option<Duration>, mut done: impl FnMut() -> bool) -> bool {
    let deadline = limit.map(|l| Instant::now() + l);
    loop {
        if done() {
            return true;
        }
        if deadline.is_some_and(|d| Instant::now() >= d) {
            return false;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// Stop a container: mark it stopped by the user (so its restart policy does not start it
/// again), send its stop signal, and SIGKILL it after `grace`. Returns once its monitor is
/// gone, so the container's files are free.
pub fn stop_container(
    containers: &Containers<'_>,
    config: &ContainerConfig,
    grace: Duration,
) -> anyhow::Result<()> {
    let id = &config.id;
    if !containers.monitor_alive(id) {
        return Ok(());
    }
    let marker = containers.stop_marker(id);
    std::fs::write(&marker, b"").with_context(|| format!("cannot write {}", marker.display()))?;
    let state = containers.load_state(id)?;
    let sig = config
        .stop_signal
        .as_deref()
        .map(parse_signal)
        .transpose()?
        .unwrap_or(Signal::SIGTERM);
    if !signal_process(state.running_init(), sig) {
        // Between two runs of a restart policy: the monitor itself ends on SIGTERM.
        signal_process(state.monitor.as_ref(), Signal::SIGTERM);
    }
    let gone = || !containers.monitor_alive(id);
    if poll_until(Some(grace), gone) {
        return Ok(());
    }
    let state = containers.load_state(id)?;
    signal_process(state.running_init(), Signal::SIGKILL);
    wait_after_kill(containers, config, &state)
}

/// Wait, at most 10 s, for the monitor of a container sent SIGKILL to be gone (the exit
/// recorded, the container's files free).
fn wait_after_kill(
    containers: &Containers<'_>,
    config: &ContainerConfig,
    state: &ContainerState,
) -> anyhow::Result<()> {
    if !poll_until(Some(Duration::from_secs(10)), || {
        !containers.monitor_alive(&config.id)
    }) {
        bail!(
            "container {} did not stop: its monitor (pid {}) is still running",
            config.name,
            state.monitor.as_ref().map_or(0, |m| m.pid)
        );
    }
    Ok(())
}

/// SIGKILL a running container, not to be restarted, without waiting for it to end.
pub(crate) fn kill_now(containers: &Containers<'_>, config: &ContainerConfig) -> bool {
    let _ = std::fs::write(containers.stop_marker(&config.id), b"");
    containers
        .load_state(&config.id)
        .is_ok_and(|state| signal_process(state.running_init(), Signal::SIGKILL))
}

/// Apply `action` to each container named, all at once (a stop waits out each container's
/// grace period side by side, as docker does); report each in order, exit 1 if any failed
/// (with `missing_ok`, not for those that do not exist).
pub(crate) fn each(
    global: &GlobalArgs,
    specs: &[String],
    missing_ok: bool,
    action: impl Fn(&Context, &Containers<'_>, &ContainerConfig) -> anyhow::Result<()> + Sync,
) -> anyhow::Result<i32> {
    let ctx = Context::open(global)?;
    let containers = Containers::new(&ctx.store);
    let one = |spec: &String| {
        containers
            .resolve(spec)
            .and_then(|id| containers.load_config(&id))
            .map_err(anyhow::Error::from)
            .and_then(|config| action(&ctx, &containers, &config))
    };
    let outcomes: Vec<anyhow::Result<()>> = if specs.len() == 1 {
        vec![one(&specs[0])]
    } else {
        std::thread::scope(|s| {
            let handles: Vec<_> = specs.iter().map(|spec| s.spawn(|| one(spec))).collect();
            handles
                .into_iter()
                .map(|h| {
                    h.join().unwrap_or_else(|_| {
                        Err(anyhow::anyhow!("internal error: a worker panicked"))
                    })
                })
                .collect()
        })
    };
    super::report_each(specs, outcomes, missing_ok)
}

/// Say (once, on stderr) that a container that would reach the network through pasta will
/// not: the host has no network (see `network::host::offline`).
pub fn warn_if_offline(config: &ContainerConfig) {
    if config.network.mode.uses_pasta() && crate::network::host::offline() {
        super::warn(&format!(
            "container {} has no outside network: this machine has no interface with a \
             default route (it is offline); it gets its loopback{}, and its published ports \
             are forwarded from the host",
            config.name,
            match config.network.mode {
                crate::network::NetworkMode::User { .. } => " and its user network",
                _ => "",
            }
        ));
    }
}

fn start_one(
    ctx: &Context,
    containers: &Containers<'_>,
    config: &ContainerConfig,
) -> anyhow::Result<()> {
    if containers.monitor_alive(&config.id) {
        return Ok(());
    }
    warn_if_offline(config);
    let _ = std::fs::remove_file(containers.stop_marker(&config.id));
    start_detached(&ctx.store, &config.id).map_err(|f| anyhow::anyhow!("{}", f.message))
}

pub fn start(global: &GlobalArgs, args: &StartArgs) -> anyhow::Result<i32> {
    if !args.attach {
        // A start-up failure keeps run's status, 125 (removal and signal verbs exit 1).
        return each(global, &args.containers, false, start_one)
            .map(|code| if code == 0 { 0 } else { 125 });
    }
    let [spec] = args.containers.as_slice() else {
        bail!("start --attach takes one container");
    };
    let ctx = Context::open(global)?;
    let containers = Containers::new(&ctx.store);
    let id = containers.resolve(spec)?;
    let config = containers.load_config(&id)?;
    let log = containers.log(&id);
    // Output from earlier runs is not this run's.
    let from = std::fs::metadata(&log).map(|m| m.len()).unwrap_or(0);
    let waiter = Waiter::new(&containers, &id)?;
    start_one(&ctx, &containers, &config)?;
    follow_log(
        &containers,
        &id,
        LogReader::open_at(&log, from)?,
        None,
        false,
    )?;
    Ok(waiter.exit_code()?.unwrap_or(125))
}

/// How long `stop` waits before SIGKILL: `-t`, else the container's `--stop-timeout`, else
/// docker's 10 seconds.
fn grace(args: &StopArgs, config: &ContainerConfig) -> Duration {
    Duration::from_secs(args.time.or(config.stop_timeout).unwrap_or(10))
}

pub fn stop(global: &GlobalArgs, args: &StopArgs) -> anyhow::Result<i32> {
    each(
        global,
        &args.containers,
        false,
        |ctx, containers, config| {
            stop_container(containers, config, grace(args, config))?;
            crate::events::container(&ctx.store, config, "stop", &[]);
            Ok(())
        },
    )
}

pub fn restart(global: &GlobalArgs, args: &StopArgs) -> anyhow::Result<i32> {
    each(
        global,
        &args.containers,
        false,
        |ctx, containers, config| {
            stop_container(containers, config, grace(args, config))?;
            start_one(ctx, containers, config)?;
            crate::events::container(&ctx.store, config, "restart", &[]);
            Ok(())
        },
    )
}

pub fn kill(global: &GlobalArgs, args: &KillArgs) -> anyhow::Result<i32> {
    let sig = parse_signal(&args.signal)?;
    each(
        global,
        &args.containers,
        false,
        |ctx, containers, config| {
            let state = containers.load_state(&config.id)?;
            if state.status != Status::Running {
                bail!("container {} is not running", config.name);
            }
            // A container killed on purpose is not restarted by its policy, as with docker.
            if matches!(
                sig,
                Signal::SIGKILL | Signal::SIGTERM | Signal::SIGINT | Signal::SIGQUIT
            ) {
                let _ = std::fs::write(containers.stop_marker(&config.id), b"");
            }
            if !signal_process(state.running_init(), sig) {
                bail!("container {} is not running", config.name);
            }
            let number = (sig as i32).to_string();
            crate::events::container(&ctx.store, config, "kill", &[("signal", &number)]);
            // As docker's: once SIGKILL returns, the container has stopped (`kill c && rm c`).
            match sig {
                Signal::SIGKILL => wait_after_kill(containers, config, &state),
                _ => Ok(()),
            }
        },
    )
}

/// Waits for a container's next exit. While one waits, the monitor of a `--rm` container
/// keeps its record until the exit status has been read (see `Containers::wait_lock`).
struct Waiter<'a> {
    containers: &'a Containers<'a>,
    id: String,
    _lock: std::fs::File,
}

impl<'a> Waiter<'a> {
    fn new(containers: &'a Containers<'a>, id: &str) -> anyhow::Result<Self> {
        Ok(Self {
            containers,
            id: id.to_string(),
            _lock: containers.hold_for_waiting(id)?,
        })
    }

    /// The status of the container's next exit (`None`: unknown, its monitor was killed).
    /// A container that is not running has already exited: its last status.
    fn exit_code(self) -> anyhow::Result<Option<i32>> {
        let mut last: Option<ContainerState> = None;
        poll_until(None, || match self.containers.load_state(&self.id) {
            Ok(s) if s.status == Status::Running => false,
            Ok(s) if s.status == Status::Created && self.containers.monitor_alive(&self.id) => {
                false
            }
            Ok(s) => {
                last = Some(s);
                true
            }
            Err(_) => true,
        });
        match last {
            Some(s) => Ok(s.exit_code),
            None => bail!("container {} was removed", &self.id[..12]),
        }
    }
}

pub fn wait(global: &GlobalArgs, args: &WaitArgs) -> anyhow::Result<i32> {
    let ctx = Context::open(global)?;
    let containers = Containers::new(&ctx.store);
    let waiters = args
        .containers
        .iter()
        .map(|spec| Waiter::new(&containers, &containers.resolve(spec)?))
        .collect::<anyhow::Result<Vec<_>>>()?;
    for waiter in waiters {
        println!("{}", waiter.exit_code()?.unwrap_or(-1));
    }
    Ok(0)
}

/// `logs --since TIME`, read as `events` reads its times.
pub(super) fn since_flag(value: Option<&str>) -> anyhow::Result<Option<DateTime<Utc>>> {
    value
        .map(crate::events::parse_time)
        .transpose()
        .context("--since")
}

pub fn logs(global: &GlobalArgs, args: &LogsArgs) -> anyhow::Result<i32> {
    let ctx = Context::open(global)?;
    let containers = Containers::new(&ctx.store);
    let id = containers.resolve(&args.container)?;
    let since = since_flag(args.since.as_deref())?;
    let path = containers.log(&id);
    if !path.exists() {
        return Ok(0);
    }
    let reader = match args.tail {
        Some(n) => LogReader::tail(&path, n)?,
        None => LogReader::open(&path)?,
    };
    if args.follow {
        follow_log(&containers, &id, reader, since, args.timestamps)?;
    } else {
        print_log(reader, since, args.timestamps)?;
    }
    Ok(0)
}

/// Print what the log holds now: stdout to stdout, stderr to stderr.
fn print_log(
    mut reader: LogReader,
    since: Option<DateTime<Utc>>,
    timestamps: bool,
) -> anyhow::Result<LogReader> {
    // Buffered (a write per line made millions of system calls), each stream flushed when
    // the other takes over, so that they interleave as they were written.
    let mut out = std::io::BufWriter::with_capacity(64 * 1024, std::io::stdout().lock());
    let mut err = std::io::BufWriter::with_capacity(64 * 1024, std::io::stderr().lock());
    let mut last = Stream::Stdout;
    while let Some(e) = reader.next_entry()? {
        if since.is_some_and(|s| e.time < s) {
            continue;
        }
        if e.stream != last {
            match last {
                Stream::Stdout => out.flush()?,
                Stream::Stderr => err.flush()?,
            }
            last = e.stream;
        }
        let w: &mut dyn Write = match e.stream {
            Stream::Stdout => &mut out,
            Stream::Stderr => &mut err,
        };
        if timestamps {
            write!(
                w,
                "{} ",
                e.time.to_rfc3339_opts(chrono::SecondsFormat::Nanos, true)
            )?;
        }
        w.write_all(&e.content)?;
        if e.full {
            w.write_all(b"\n")?;
        }
    }
    out.flush()?;
    err.flush()?;
    Ok(reader)
}

/// Print the log as it grows, until the container has stopped and all is printed.
fn follow_log(
    containers: &Containers<'_>,
    id: &str,
    mut reader: LogReader,
    since: Option<DateTime<Utc>>,
    timestamps: bool,
) -> anyhow::Result<()> {
    loop {
        // Looked at before reading: the monitor writes the last lines before it records the
        // exit, so what follows a "not running" is everything.
        let running = containers
            .load_state(id)
            .is_ok_and(|s| matches!(s.status, Status::Running | Status::Restarting));
        reader = print_log(reader, since, timestamps)?;
        if !running {
            return Ok(());
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// `nook attach`: the container's output from now on, and (if it was started with -i) your
/// input to it, until it exits (its status is then ours) or the detach keys are typed.
pub fn attach(global: &GlobalArgs, args: &AttachArgs) -> anyhow::Result<i32> {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, Ordering};
    let detach_keys = parse_detach_keys(&args.how.detach_keys)?;
    let ctx = Context::open(global)?;
    let containers = Containers::new(&ctx.store);
    let id = containers.resolve(&args.container)?;
    let config = containers.load_config(&id)?;
    if containers.load_state(&id)?.status != Status::Running {
        bail!(
            "container {} is not running: start it first (nook start {})",
            args.container,
            args.container
        );
    }
    // Blocked (and read from a descriptor) before the input thread starts, so it has them
    // blocked too.
    let signals = match args.how.sig_proxy && !config.process.terminal {
        true => Some(crate::runtime::relay::signal_fd().context("cannot take signals")?),
        false => None,
    };
    let mut reader = LogReader::tail(&containers.log(&id), 0)
        .with_context(|| format!("cannot read the output of {}", args.container))?;
    let detached = Arc::new(AtomicBool::new(false));
    let _raw = match config.process.interactive && !args.how.no_stdin {
        false => None,
        true => {
            let fifo = std::fs::OpenOptions::new()
                .write(true)
                .open(containers.attach_fifo(&id))
                .with_context(|| format!("cannot reach the input of {}", args.container))?;
            let raw = (config.process.terminal
                && nix::unistd::isatty(std::io::stdin()).unwrap_or(false))
            .then(crate::runtime::relay::RawMode::enter)
            .flatten();
            let done = detached.clone();
            std::thread::spawn(move || feed_input(fifo, &detach_keys, &done));
            raw
        }
    };
    let running = || {
        containers
            .load_state(&id)
            .is_ok_and(|s| matches!(s.status, Status::Running | Status::Restarting))
    };
    loop {
        let still = running();
        reader = print_log(reader, None, false)?;
        if detached.load(Ordering::SeqCst) {
            eprint!("\r\nread escape sequence\r\n");
            return Ok(0);
        }
        if !still {
            break;
        }
        if let Some(fd) = &signals {
            let state = containers.load_state(&id)?;
            for sig in crate::runtime::relay::pending(fd) {
                signal_process(state.running_init(), sig);
            }
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    Ok(containers.load_state(&id)?.exit_code.unwrap_or(0))
}

/// docker's `--detach-keys`: `ctrl-p,ctrl-q` (a letter, or one of @[\\]^_, with ctrl) or
/// plain characters.
fn parse_detach_keys(spec: &str) -> anyhow::Result<Vec<u8>> {
    spec.split(',')
        .map(|k| match k.strip_prefix("ctrl-") {
            Some(c) if c.len() == 1 => {
                let b = c.as_bytes()[0].to_ascii_uppercase();
                match b {
                    b'@'..=b'_' => Ok(b & 0x1f),
                    _ => bail!("invalid --detach-keys {spec:?}: ctrl- takes a letter or @[\\]^_"),
                }
            }
            None if k.len() == 1 => Ok(k.as_bytes()[0]),
            _ => bail!(
                "invalid --detach-keys {spec:?}: use ctrl-LETTER or characters, comma-separated"
            ),
        })
        .collect()
}

/// Copy our input to the container's until it ends, or until `keys` are typed in a row
/// (then `detached` is set). Bytes that might begin the keys are held until it is known.
fn feed_input(mut to: std::fs::File, keys: &[u8], detached: &std::sync::atomic::AtomicBool) {
    use std::io::Read;
    let mut stdin = std::io::stdin().lock();
    let mut buf = [0u8; 4096];
    let mut held = 0usize;
    loop {
        let n = match stdin.read(&mut buf) {
            Ok(0) | Err(_) => return,
            Ok(n) => n,
        };
        let mut out = Vec::with_capacity(n);
        for &b in &buf[..n] {
            if !keys.is_empty() && b == keys[held] {
                held += 1;
                if held == keys.len() {
                    let _ = to.write_all(&out);
                    detached.store(true, std::sync::atomic::Ordering::SeqCst);
                    return;
                }
                continue;
            }
            out.extend_from_slice(&keys[..held]);
            held = 0;
            out.push(b);
        }
        if to.write_all(&out).is_err() {
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detach_keys_parse_as_docker_does() {
        assert_eq!(
            parse_detach_keys("ctrl-p,ctrl-q").unwrap(),
            vec![0x10, 0x11]
        );
        assert_eq!(parse_detach_keys("ctrl-@,x").unwrap(), vec![0, b'x']);
        assert!(parse_detach_keys("ctrl-1").is_err());
        assert!(parse_detach_keys("alt-x").is_err());
    }

    #[test]
    fn signals() {
        assert_eq!(parse_signal("TERM").unwrap(), Signal::SIGTERM);
        assert_eq!(parse_signal("sigkill").unwrap(), Signal::SIGKILL);
        assert_eq!(parse_signal("1").unwrap(), Signal::SIGHUP);
        assert!(parse_signal("FOO").is_err());
        assert!(parse_signal("99").is_err());
    }
}
