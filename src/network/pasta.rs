//! pasta, connecting a container's network namespace to the host's with no privileges.
//!
//! The monitor starts it (`std::process`) in the foreground as its child, dying with it
//! (`PR_SET_PDEATHSIG`), once the container's namespaces exist, and ends it when the container
//! exits: a pasta pointed at a namespace by path keeps that namespace alive and would never
//! quit by itself. It is ready when it writes its pid file, which here is a FIFO the monitor
//! reads: pasta writes it only after the interface, routes and published ports are set up,
//! and its pools of sockets and pipes filled. A container with published ports starts then.
//! One without starts at once when nook made its interface ([`Tap`]: pasta then serves the
//! interface's queue, a packet sent before it runs waiting there), or else as soon as its
//! namespace has the default routes pasta copies from the host; the monitor waits for the
//! pid file beside it ([`Settling`]).
//!
//! What the installed pasta can do is read from its `--help` (Debian's is a 2023 snapshot)
//! and cached in the store, keyed by the binary's size and time.

use std::fs::{self, File};
use std::io::{self, Read};
use std::net::{IpAddr, Ipv4Addr};
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, OwnedFd};
use std::os::unix::fs::{MetadataExt, OpenOptionsExt};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use nix::poll::{PollFd, PollFlags, PollTimeout, poll};
use serde::{Deserialize, Serialize};

use super::host;
use super::ports::{self, PortBinding};
use crate::network::NetworkError;

#[derive(Debug, thiserror::Error)]
pub enum PastaError {
    #[error(
        "pasta is not installed, and containers use it for their network.\n  Fix: sudo apt \
         install passt (Fedora: sudo dnf install passt), or run with --network none or host"
    )]
    Missing,
    #[error(
        "the installed pasta is too old: it has no {0} option.\n  Fix: install a newer passt, \
         or run with --network none or host"
    )]
    TooOld(&'static str),
    #[error("cannot run pasta: {0}")]
    Spawn(io::Error),
    #[error("pasta could not connect the container's network: {0}")]
    Failed(String),
    /// It ended while setting up (what it said).
    #[error("pasta could not connect the container's network: {0}")]
    Exited(String),
    #[error(transparent)]
    Ports(#[from] NetworkError),
    #[error("cannot prepare pasta's readiness pipe {path}: {source}")]
    Fifo { path: PathBuf, source: io::Error },
}

/// The address whose DNS queries pasta forwards to the host's resolvers.
pub const DNS_FORWARD: Ipv4Addr = Ipv4Addr::new(169, 254, 1, 1);

/// Options of the installed pasta that nook uses when it has them.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Features {
    /// `--dns-forward ADDR`.
    pub dns_forward: bool,
    /// `--ns-ifname NAME` (else the interface is named after the host's).
    pub ns_ifname: bool,
    /// `-T`/`-U`: forwarding from the namespace to the host, which nook turns off.
    pub ns_forwarding: bool,
    /// Connections to the gateway reach the host (`--no-map-gw` or `--map-host-loopback`
    /// exist to change that).
    pub maps_gateway: bool,
    /// `--fd` and `--ns-mac-addr`: it can serve an interface nook made ([`Tap`]).
    pub serves_tap: bool,
}

impl Features {
    fn from_help(help: &str) -> Result<Self, PastaError> {
        for required in [
            "--config-net",
            "--foreground",
            "--pid",
            "--netns",
            "--userns",
        ] {
            if !help.contains(required) {
                return Err(PastaError::TooOld(required));
            }
        }
        Ok(Self {
            dns_forward: help.contains("--dns-forward"),
            ns_ifname: help.contains("--ns-ifname"),
            ns_forwarding: help.contains("--tcp-ns") && help.contains("--udp-ns"),
            maps_gateway: help.contains("--no-map-gw") || help.contains("--map-host-loopback"),
            serves_tap: help.contains("--fd") && help.contains("--ns-mac-addr"),
        })
    }
}

#[derive(Serialize, Deserialize)]
struct Cached {
    path: PathBuf,
    size: u64,
    mtime: i64,
    features: Features,
}

/// What the installed pasta offers; `cache` is a file to remember it in.
pub fn features(cache: &Path) -> Result<Features, PastaError> {
    let path = crate::runtime::driver::which("pasta").ok_or(PastaError::Missing)?;
    let meta = fs::metadata(&path).map_err(|_| PastaError::Missing)?;
    if let Some(c) = fs::read(cache)
        .ok()
        .and_then(|b| serde_json::from_slice::<Cached>(&b).ok())
        .filter(|c| c.path == path && c.size == meta.size() && c.mtime == meta.mtime())
    {
        return Ok(c.features);
    }
    let out = Command::new(&path)
        .arg("--help")
        .stdin(Stdio::null())
        .output()
        .map_err(PastaError::Spawn)?;
    let help = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let features = Features::from_help(&help)?;
    let record = Cached {
        path,
        size: meta.size(),
        mtime: meta.mtime(),
        features: features.clone(),
    };
    // A cache that cannot be written only costs the next start a `pasta --help`.
    let _ =
        crate::image::store::replace_file(cache, &serde_json::to_vec(&record).expect("serializes"));
    Ok(features)
}

/// What the container's namespace gets from pasta: the host's address and gateway, and its
/// DNS forwarder.
pub fn nameservers(features: &Features) -> Vec<IpAddr> {
    if features.dns_forward {
        vec![IpAddr::V4(DNS_FORWARD)]
    } else {
        Vec::new()
    }
}

/// A running pasta, ended when dropped.
pub struct Pasta {
    child: Child,
    /// Wait for it to be gone when it is ended: it holds published ports until then.
    wait_on_end: bool,
}

/// The container's interface, made and addressed by nook in its namespace (see
/// [`host::TapConfig`]): pasta serves its queue (`--fd`) instead of making one.
pub struct Tap {
    pub queue: OwnedFd,
    pub config: host::TapConfig,
}

impl Tap {
    /// The interface a keeper made (`queue`, when it could) from `config` (when asked to).
    pub fn made(queue: Option<OwnedFd>, config: Option<&host::TapConfig>) -> Option<Tap> {
        Some(Tap {
            queue: queue?,
            config: config?.clone(),
        })
    }
}

/// Where to start one.
pub struct PastaSpec<'a> {
    /// A process in the container's user and network namespaces.
    pub pid: i32,
    pub ports: &'a [PortBinding],
    /// Where the readiness FIFO is made (removed again once pasta is ready).
    pub fifo: &'a Path,
    /// Where pasta's messages go.
    pub log: &'a Path,
    pub features: &'a Features,
    /// Connections to the gateway reach the host's loopback (else they go to the gateway).
    pub host_loopback: bool,
}

/// A pasta started and not yet ready, with what it was started with (to start it again).
pub struct Starting {
    pasta: Pasta,
    ready: File,
    fifo: PathBuf,
    log: PathBuf,
    ports: Vec<PortBinding>,
    pid: i32,
    features: Features,
    host_loopback: bool,
    tap: Option<Tap>,
}

impl Pasta {
    /// Start pasta for the container (serving `tap`, if nook made the interface);
    /// [`Starting::wait`] for it to be ready.
    pub fn start(spec: &PastaSpec<'_>, tap: Option<Tap>) -> Result<Starting, PastaError> {
        let fifo_err = |source| PastaError::Fifo {
            path: spec.fifo.to_path_buf(),
            source,
        };
        let _ = fs::remove_file(spec.fifo);
        nix::unistd::mkfifo(spec.fifo, nix::sys::stat::Mode::from_bits_truncate(0o600))
            .map_err(|e| fifo_err(e.into()))?;
        // Opened before pasta starts, so that pasta's open for writing does not wait.
        let opened = fs::OpenOptions::new()
            .read(true)
            .custom_flags(libc::O_NONBLOCK)
            .open(spec.fifo)
            .map_err(fifo_err);
        let spawned = opened.and_then(|ready| Ok((ready, Self::spawn(spec, tap.as_ref())?)));
        let (ready, pasta) = spawned.inspect_err(|_| {
            let _ = fs::remove_file(spec.fifo);
        })?;
        Ok(Starting {
            pasta,
            ready,
            fifo: spec.fifo.to_path_buf(),
            log: spec.log.to_path_buf(),
            ports: spec.ports.to_vec(),
            pid: spec.pid,
            features: spec.features.clone(),
            host_loopback: spec.host_loopback,
            tap,
        })
    }

    /// Run pasta: serving `tap`, if nook made the interface, else making and setting up its
    /// own.
    fn spawn(spec: &PastaSpec<'_>, tap: Option<&Tap>) -> Result<Pasta, PastaError> {
        let log = File::create(spec.log).map_err(|e| PastaError::Fifo {
            path: spec.log.to_path_buf(),
            source: e,
        })?;
        let mut cmd = Command::new(program());
        cmd.args(["--quiet", "--foreground", "--pid"])
            .arg(spec.fifo);
        match tap {
            Some(tap) => {
                let fd = tap.queue.as_raw_fd();
                cmd.arg("--fd")
                    .arg(fd.to_string())
                    .args(tap.config.pasta_args());
                crate::sys::inherit_fd(&mut cmd, fd);
            }
            None => {
                cmd.arg("--config-net");
                if spec.features.ns_ifname {
                    cmd.args(["--ns-ifname", host::TAP_NAME]);
                }
            }
        }
        if spec.features.dns_forward {
            cmd.arg("--dns-forward").arg(DNS_FORWARD.to_string());
        }
        if spec.features.ns_forwarding {
            cmd.args(["-T", "none", "-U", "none"]);
        }
        // pasta maps the gateway to the host's loopback unless told not to: services bound
        // there only (databases, agents, development servers) stay out of reach by default.
        if !spec.host_loopback && spec.features.maps_gateway {
            cmd.arg("--no-map-gw");
        }
        if spec.ports.iter().all(|p| p.proto != ports::Proto::Tcp) {
            cmd.args(["-t", "none"]);
        }
        if spec.ports.iter().all(|p| p.proto != ports::Proto::Udp) {
            cmd.args(["-u", "none"]);
        }
        cmd.args(ports::pasta_args(spec.ports))
            .arg("--netns")
            .arg(format!("/proc/{}/ns/net", spec.pid))
            .arg("--userns")
            .arg(format!("/proc/{}/ns/user", spec.pid))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(log);
        crate::sys::clean_child(&mut cmd, true);
        let child = cmd.spawn().map_err(|e| match e.kind() {
            io::ErrorKind::NotFound => PastaError::Missing,
            _ => PastaError::Spawn(e),
        })?;
        Ok(Pasta {
            child,
            wait_on_end: !spec.ports.is_empty(),
        })
    }
}

/// What a wait for pasta waits for.
enum Until<'a> {
    /// Its pid file: interface, routes, published ports and its pools all set up.
    Ready,
    /// The default routes it copies from the host (IPv4, IPv6), in the namespace whose
    /// `/proc/PID/net` is `net`: the container can send from then on. They are looked for
    /// about every millisecond.
    Routes { net: PathBuf, want: (bool, bool) },
    /// Ready, or `done` readable first (the container has ended).
    ReadyOr(BorrowedFd<'a>),
}

/// What ended a wait.
#[derive(Debug, PartialEq, Eq)]
enum Outcome {
    Ready,
    Routes,
    Ended,
}

/// A pasta that has the container's interface and routes set up: ready, or finishing the
/// rest (its pools of sockets and pipes) beside the container; see [`Settling::finish`].
pub enum Settling {
    Ready(Pasta),
    Finishing(Starting),
}

impl Starting {
    /// Wait until pasta has the network up and its ports bound. A pasta that exits while
    /// setting up is started once more: on a busy machine one rarely fails a step of its own
    /// isolation ("Couldn't drop cap 0 from bounding set") and the next succeeds; what fails
    /// twice is reported.
    pub fn wait(mut self) -> Result<Pasta, PastaError> {
        self.attempt(&Until::Ready)?;
        ports::verify_bound(&self.ports)?;
        Ok(self.pasta)
    }

    /// Wait only until the container can send: at once when pasta serves an interface nook
    /// made and routed, else until the container's namespace (process `pid`'s) has the
    /// default routes pasta copies from the host. pasta addresses its interface and routes
    /// it early, and fills its pools of sockets and pipes after, which takes longer: a
    /// packet the container sends meanwhile waits in the interface's queue until pasta
    /// serves it, so a `connect()` at once works, a little later. For a pasta without
    /// published ports (those must be bound before the container counts as started).
    pub fn wait_routes(mut self, pid: i32) -> Result<Settling, PastaError> {
        if self.tap.is_some() {
            return Ok(Settling::Finishing(self));
        }
        let until = Until::Routes {
            net: PathBuf::from(format!("/proc/{pid}/net")),
            want: host::default_routes(Path::new("/proc/net")),
        };
        match self.attempt(&until)? {
            Outcome::Routes => Ok(Settling::Finishing(self)),
            _ => Ok(Settling::Ready(self.pasta)),
        }
    }

    /// Wait for `until`, starting pasta once more if it exits first (see [`Self::wait`]).
    fn attempt(&mut self, until: &Until<'_>) -> Result<Outcome, PastaError> {
        let mut waited = self.wait_for(until);
        if let Err(PastaError::Exited(_)) = waited {
            let spec = PastaSpec {
                pid: self.pid,
                ports: &self.ports,
                fifo: &self.fifo,
                log: &self.log,
                features: &self.features,
                host_loopback: self.host_loopback,
            };
            match Pasta::spawn(&spec, self.tap.as_ref()) {
                Ok(again) => {
                    self.pasta = again;
                    waited = self.wait_for(until);
                }
                Err(e) => waited = Err(e),
            }
        }
        if !matches!(waited, Ok(Outcome::Routes)) {
            let _ = fs::remove_file(&self.fifo);
        }
        waited
    }

    /// Wait for `until` (or for pasta to end).
    fn wait_for(&mut self, until: &Until<'_>) -> Result<Outcome, PastaError> {
        let (fifo, log) = (&mut self.ready, &self.log);
        let deadline = Instant::now() + Duration::from_secs(10);
        let mut buf = [0u8; 32];
        let routed = |until: &Until<'_>| match until {
            Until::Routes { net, want, .. } => {
                let (v4, v6) = host::default_routes(net);
                (v4 || !want.0) && (v6 || !want.1)
            }
            _ => false,
        };
        // Looked for once before any wait, too: what came before the watch is not missed.
        if routed(until) {
            return Ok(Outcome::Routes);
        }
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Err(PastaError::Failed(
                    "it did not set up the network within 10 seconds".to_string(),
                ));
            }
            // Routes come without a word from pasta: they are looked for at every turn.
            let (step, other) = match until {
                Until::Routes { .. } => (1, None),
                Until::ReadyOr(done) => (50, Some(*done)),
                Until::Ready => (50, None),
            };
            let mut fds = vec![PollFd::new(fifo.as_fd(), PollFlags::POLLIN)];
            fds.extend(other.map(|fd| PollFd::new(fd, PollFlags::POLLIN)));
            let _ = poll(
                &mut fds,
                PollTimeout::from(u16::try_from(left.as_millis().min(step)).unwrap_or(50)),
            );
            let woken = fds
                .get(1)
                .is_some_and(|f| f.revents().is_some_and(|r| !r.is_empty()));
            drop(fds);
            let ended = woken && matches!(until, Until::ReadyOr(_));
            match fifo.read(&mut buf) {
                Ok(n) if n > 0 => return Ok(Outcome::Ready),
                // No writer (yet, or any more): poll does not wait for one.
                Ok(_) => std::thread::sleep(Duration::from_micros(500)),
                Err(_) => {}
            }
            if ended {
                return Ok(Outcome::Ended);
            }
            if routed(until) {
                return Ok(Outcome::Routes);
            }
            if let Ok(Some(status)) = self.pasta.child.try_wait() {
                let said = fs::read_to_string(log).unwrap_or_default();
                let said: Vec<&str> = said
                    .lines()
                    .filter(|l| !l.starts_with("Failed to send") && !l.trim().is_empty())
                    .collect();
                return Err(PastaError::Exited(format!(
                    "it exited ({status}){}",
                    if said.is_empty() {
                        String::new()
                    } else {
                        format!(": {}", said.join("; "))
                    }
                )));
            }
        }
    }
}

impl Settling {
    /// Wait for pasta to finish setting up (at once if it has), or for `done` to become
    /// readable first (the container has ended: pasta is not needed any more, and ends when
    /// dropped). A pasta that exits meanwhile is started once more, as in [`Starting::wait`].
    pub fn finish(self, done: BorrowedFd<'_>) -> Result<Option<Pasta>, PastaError> {
        let mut starting = match self {
            Settling::Ready(pasta) => return Ok(Some(pasta)),
            Settling::Finishing(starting) => starting,
        };
        match starting.attempt(&Until::ReadyOr(done))? {
            Outcome::Ready => Ok(Some(starting.pasta)),
            _ => {
                let _ = fs::remove_file(&starting.fifo);
                Ok(None)
            }
        }
    }
}

impl Drop for Pasta {
    /// End pasta. Unless it holds published ports, which must be free again when the
    /// container has stopped, its exit is not waited for: the kernel unregistering the
    /// namespace's device takes tens of milliseconds that concern nobody (the monitor reaps
    /// it later).
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = if self.wait_on_end {
            self.child.wait().map(Some)
        } else {
            self.child.try_wait()
        };
    }
}

/// What to start pasta as: its AVX2 build, on a CPU that has AVX2, where pasta would
/// otherwise execute itself again into that build (an exec of ~1 ms at every start).
fn program() -> &'static str {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2")
        && crate::runtime::driver::which("pasta.avx2").is_some()
    {
        return "pasta.avx2";
    }
    "pasta"
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn features_from_help() {
        let old = "  --config-net  -f, --foreground  -P, --pid FILE  --netns  --userns \
                   --dns-forward ADDR  -I, --ns-ifname NAME  -T, --tcp-ns  -U, --udp-ns \
                   --no-map-gw";
        let f = Features::from_help(old).unwrap();
        assert!(f.dns_forward && f.ns_ifname && f.ns_forwarding && f.maps_gateway);
        assert!(!f.serves_tap);
        assert!(matches!(
            Features::from_help("--netns --userns --pid --foreground"),
            Err(PastaError::TooOld("--config-net"))
        ));
    }
}
