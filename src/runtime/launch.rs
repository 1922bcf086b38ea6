//! Starting a container. Three processes, each with one job:
//!
//! ```text
//! monitor (nook, single-threaded)
//!   └─ fork ──▶ keeper: setns(the user's namespace, src/runtime/holder.rs, or a network's),
//!        then unshare(NEWNS|NEWUTS|NEWIPC|NEWNET); without a holder,
//!        clone(NEWUSER|NEWNS|NEWUTS|NEWIPC|NEWNET) and the monitor writes its id map
//!        waits until the monitor has put it in the container's cgroup (and written its id
//!        map), becomes root, sets the hostname,
//!        brings lo up, mounts the root filesystem (kernel overlayfs, or fuse-overlayfs whose
//!        daemon then lives here, out of the container's sight) ...
//!        └─ clone(NEWNS|NEWPID|NEWCGROUP) ──▶ init (PID 1 of the container)
//!             mounts /proc, /dev, /sys, masks paths, pivot_root, picks the user, drops
//!             capabilities, sets no_new_privs and executes the program (or, with --init,
//!             stays PID 1 and runs the program as its child).
//!        ... then waits for init, unmounts the root filesystem (so a fuse-overlayfs daemon
//!        exits with it) and reports init's status to the monitor.
//! ```
//! Init has its own mount namespace so that `pivot_root` moves only the container, never the
//! keeper or the fuse daemon. Each stage dies with its parent (`PR_SET_PDEATHSIG`).
//! Messages travel over [`Channel`]s; init's channel closes on a successful `execve`
//! (close-on-exec), which is how the monitor learns that the program is running.

use std::convert::Infallible;
use std::fs;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, OwnedFd};
use std::path::{Path, PathBuf};

use nix::fcntl::{OFlag, openat};
use nix::mount::{MsFlags, mount};
use nix::sched::{CloneFlags, CpuSet, sched_getaffinity, sched_setaffinity};
use nix::sys::prctl;
use nix::sys::signal::{SigSet, SigmaskHow, Signal, sigprocmask};
use nix::sys::stat::Mode;
use nix::sys::wait::{WaitStatus, waitpid};
use nix::unistd::{Gid, Pid, Uid, getppid, setgroups, sethostname, setresgid, setresuid, setsid};
use serde::{Deserialize, Serialize};

use super::caps;
use super::channel::{Channel, ChannelError};
use super::confine::Create;
use super::holder;
use super::idmap::{IdMap, IdMapError, UserMapping};
use super::process::{self, StartFailure};
use super::rootfs::{self, Driver, FsSetup, Layers};
use super::userns;
use crate::sys::{self, Forked, WinSize};

#[derive(Debug, thiserror::Error)]
pub enum LaunchError {
    #[error(
        "cannot create the container's namespaces: {0}\n  \
         Check that unprivileged user namespaces are enabled (`nook doctor` tells how)"
    )]
    Clone(sys::SysError),
    #[error(transparent)]
    IdMap(#[from] IdMapError),
    #[error(transparent)]
    Channel(#[from] ChannelError),
    #[error("{0}")]
    Setup(String),
    #[error(transparent)]
    Start(StartFailure),
}

impl LaunchError {
    /// docker's exit code for this failure.
    pub fn exit_code(&self) -> i32 {
        match self {
            LaunchError::Start(f) => f.code,
            _ => 125,
        }
    }
}

/// The program to run and how.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ProcessSpec {
    pub args: Vec<String>,
    pub env: Vec<String>,
    pub cwd: String,
    /// `user[:group]`, resolved inside the container; empty for root.
    pub user: String,
    /// Supplementary groups besides the user's (`--group-add`: names in the container's
    /// /etc/group, or numbers).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub groups: Vec<String>,
    pub terminal: bool,
    /// Keep stdin open (otherwise it is /dev/null).
    pub interactive: bool,
}

/// How a container's processes are confined besides their namespaces and capabilities.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Security {
    /// The seccomp programs to install (none: unconfined).
    #[serde(default)]
    pub seccomp: Option<Vec<super::seccomp::Program>>,
    /// Set no_new_privs: setuid programs and file capabilities then grant nothing.
    #[serde(default)]
    pub no_new_privileges: bool,
    /// podman's masked and read-only kernel paths (all but `--privileged` containers).
    #[serde(default = "yes")]
    pub masked_paths: bool,
    /// Processes per user id inside (RLIMIT_NPROC, counted in the container's user
    /// namespace), where no cgroup bounds them.
    #[serde(default)]
    pub pids_rlimit: Option<u64>,
    /// `--ulimit NAME=SOFT[:HARD]`: resource limits of its processes (`u64::MAX`: none).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ulimits: Vec<Ulimit>,
    /// `--group-add keep-groups`: the processes keep the supplementary groups of the user
    /// who started them (shown as the overflow group inside: they are not mapped), so files
    /// of those groups stay as open to them as on the host. No group is set inside then.
    #[serde(default)]
    pub keep_groups: bool,
}

/// One `--ulimit`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ulimit {
    pub name: String,
    pub soft: u64,
    pub hard: u64,
}

/// The resource a `--ulimit` name (docker's) stands for.
pub fn ulimit_resource(name: &str) -> Option<nix::sys::resource::Resource> {
    use nix::sys::resource::Resource as R;
    Some(match name {
        "as" => R::RLIMIT_AS,
        "core" => R::RLIMIT_CORE,
        "cpu" => R::RLIMIT_CPU,
        "data" => R::RLIMIT_DATA,
        "fsize" => R::RLIMIT_FSIZE,
        "locks" => R::RLIMIT_LOCKS,
        "memlock" => R::RLIMIT_MEMLOCK,
        "msgqueue" => R::RLIMIT_MSGQUEUE,
        "nice" => R::RLIMIT_NICE,
        "nofile" => R::RLIMIT_NOFILE,
        "nproc" => R::RLIMIT_NPROC,
        "rss" => R::RLIMIT_RSS,
        "rtprio" => R::RLIMIT_RTPRIO,
        "rttime" => R::RLIMIT_RTTIME,
        "sigpending" => R::RLIMIT_SIGPENDING,
        "stack" => R::RLIMIT_STACK,
        _ => return None,
    })
}

fn yes() -> bool {
    true
}

impl Default for Security {
    fn default() -> Self {
        Security {
            seccomp: None,
            no_new_privileges: false,
            masked_paths: true,
            pids_rlimit: None,
            ulimits: Vec::new(),
            keep_groups: false,
        }
    }
}

/// Something mounted into the container besides its root filesystem.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MountSpec {
    /// Where in the container (absolute).
    pub target: String,
    #[serde(flatten)]
    pub kind: MountKind,
    #[serde(default)]
    pub read_only: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "lowercase")]
pub enum MountKind {
    /// A host path bound in; for a volume, its data directory.
    Bind {
        source: PathBuf,
        /// The volume's name, when it is one.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        volume: Option<String>,
        /// Fill an empty volume with what the image has at the target first, as docker does.
        #[serde(default)]
        copy_up: bool,
    },
    /// A fresh tmpfs.
    Tmpfs {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        size: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        mode: Option<u32>,
        /// Its owner inside (default: root).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        uid: Option<u32>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        gid: Option<u32>,
    },
}

/// Which namespaces the container makes and which it joins.
pub struct Namespaces {
    /// Join this user namespace (a user network's, or another container's) instead of making
    /// one with the user's id map: its namespaces are then owned by it.
    pub join_user: Option<OwnedFd>,
    pub net: NetNamespace,
}

/// The common case: the user's own user namespace (mapped for the container, or its
/// holder's), and a network namespace of the container's own.
impl Default for Namespaces {
    fn default() -> Self {
        Namespaces {
            join_user: None,
            net: NetNamespace::New,
        }
    }
}

pub enum NetNamespace {
    /// A network namespace of its own.
    New,
    /// The host's (or rather, the monitor's).
    Inherit,
    /// Another container's (with `join_user` its user namespace).
    Join(OwnedFd),
}

/// Everything the keeper and init need; computed by the monitor before any clone (but an
/// [`EarlyKeeper`]'s, which gets it as a message: all but the namespaces, which it made).
#[derive(Serialize, Deserialize)]
pub struct LaunchSpec {
    /// The user's id map: written for a new user namespace, and what says which ids exist.
    pub idmap: IdMap,
    #[serde(skip)]
    pub namespaces: Namespaces,
    pub driver: Driver,
    /// Lower layers, topmost first.
    pub lowers: Vec<PathBuf>,
    pub upper: PathBuf,
    pub work: PathBuf,
    /// The upper directory goes when the container ends (see [`rootfs::Layers`]).
    pub volatile: bool,
    /// Where the overlay is mounted (the container's root before pivot_root).
    pub rootfs: PathBuf,
    /// Where fuse-overlayfs writes its messages.
    pub fuse_log: PathBuf,
    pub hostname: String,
    pub read_only: bool,
    pub read_only_tmpfs: bool,
    pub init: bool,
    pub caps: Vec<String>,
    pub security: Security,
    pub process: ProcessSpec,
    pub mounts: Vec<MountSpec>,
    /// Initial terminal size, when `process.terminal`.
    pub winsize: Option<WinSize>,
    /// The ids that are you under a keep-id map (`None`: root inside is you).
    pub keep_id: Option<super::idmap::KeepId>,
    /// The size of /dev/shm in bytes (`--shm-size`; default 64 MiB).
    pub shm_size: Option<u64>,
    /// `--pid host`: stay in the host's pid namespace (its /proc bound in, not mounted).
    pub pid_host: bool,
    /// `--sysctl` settings, in order.
    pub sysctls: Vec<(String, String)>,
    /// Trees the keeper deletes once the container has exited (the writable layer of a
    /// `--rm` container): it is root of the user namespace, so files of any mapped owner go.
    pub discard: Vec<PathBuf>,
    /// The interface to make in the container's new network namespace, for pasta to serve:
    /// its queue goes to the monitor (see [`launch`]). Without one (or when it cannot be
    /// made), pasta makes its own.
    pub tap: Option<crate::network::host::TapConfig>,
}

impl LaunchSpec {
    /// Whether the keeper keeps its supplementary groups as it becomes root of the user
    /// namespace: with a single-id map (none to drop), or `--group-add keep-groups`.
    fn root_keeps_groups(&self) -> bool {
        self.idmap.is_single() || self.security.keep_groups
    }
}

#[derive(Serialize, Deserialize)]
enum ToKeeper {
    /// With the container's cgroup, if it has one: the keeper reads its OOM kills at the
    /// end, while the keeper, still in it, keeps it from being removed.
    Mapped { cgroup: Option<PathBuf> },
}

#[derive(Serialize, Deserialize)]
enum ToInit {
    /// Execute the program (its monitor has recorded that it runs). Without a terminal, the
    /// program's stdin (when `stdin`), stdout and stderr come along, in that order.
    Start { stdin: bool },
}

/// Where a container without a terminal reads and writes: ends of pipes (or files) that the
/// monitor hands to init when it starts the program. Only the container then holds them, so
/// the monitor sees end-of-file when the last of its processes is gone.
pub struct Stdio {
    pub stdin: Option<OwnedFd>,
    pub stdout: OwnedFd,
    pub stderr: OwnedFd,
}

#[derive(Serialize, Deserialize)]
enum FromKeeper {
    /// In the container's namespaces, which others (pasta) may join from now on; with the
    /// queue of the interface made for pasta ([`LaunchSpec::tap`]), if it could be.
    Entered,
    /// Carries a pidfd of init: the keeper, init's parent, opens it before init can have been
    /// reaped, so it cannot refer to a recycled pid however fast init ends.
    Started {
        init_pid: i32,
    },
    Failed {
        message: String,
    },
    /// docker-style status: the exit code, or 128+N for signal N.
    Exited {
        code: i32,
        oom_killed: bool,
    },
}

#[derive(Serialize, Deserialize)]
enum FromInit {
    /// Carries the master side of the container's terminal.
    Terminal,
    /// Set up and about to execute the program: waiting for [`ToInit::Start`].
    Ready,
    Failed {
        code: i32,
        message: String,
    },
}

/// A started container, as its monitor sees it.
pub struct Running {
    pub keeper: Pid,
    pub init: Pid,
    pidfd: OwnedFd,
    keeper_chan: Channel,
    /// Master side of the container's terminal.
    pub terminal: Option<OwnedFd>,
}

impl Running {
    /// Send `sig` to the container's PID 1.
    pub fn signal(&self, sig: Signal) -> Result<(), sys::SysError> {
        sys::pidfd_send_signal(self.pidfd.as_fd(), sig)
    }

    /// Readable when the keeper has news (the container's exit).
    pub fn events_fd(&self) -> BorrowedFd<'_> {
        self.keeper_chan.as_fd()
    }

    /// Readable as soon as init has ended, and with it the container (a pidfd): before the
    /// keeper is done with the container's files and reports (see [`Self::events_fd`]).
    pub fn ended_fd(&self) -> BorrowedFd<'_> {
        self.pidfd.as_fd()
    }

    /// Read the exit status once [`Self::events_fd`] is readable, and whether the OOM
    /// killer ended a process of it. `None` if the keeper vanished without a word (it was
    /// killed).
    ///
    /// The keeper reports as soon as the container has ended, and only then deletes what
    /// [`LaunchSpec::discard`] names, while the monitor records the exit: wait for
    /// [`Self::finish`] before touching those trees, or the cgroup the keeper is in.
    pub fn collect_exit(&self) -> Option<(i32, bool)> {
        match self.keeper_chan.recv::<FromKeeper>() {
            Ok(Some(FromKeeper::Exited { code, oom_killed })) => Some((code, oom_killed)),
            _ => None,
        }
    }

    /// Wait until the keeper is done with the container's files, after [`Self::collect_exit`]:
    /// it closes its channel as it exits. What comes after that, the kernel tearing down its
    /// namespaces (a millisecond or two of RCU grace periods), concerns nobody, so it is not
    /// waited for. The keeper is reaped, if it has exited, when this value is dropped;
    /// otherwise whoever inherits it does.
    pub fn finish(&self) {
        while let Ok(Some(_)) = self.keeper_chan.recv::<FromKeeper>() {}
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = waitpid(self.keeper, Some(nix::sys::wait::WaitPidFlag::WNOHANG));
    }
}

fn reap(pid: Pid) -> Option<WaitStatus> {
    loop {
        match waitpid(pid, None) {
            Err(nix::errno::Errno::EINTR) => continue,
            r => return r.ok(),
        }
    }
}

/// Kills a half-started keeper (and with it, through PDEATHSIG, the container).
struct KeeperGuard(Option<Pid>);

impl KeeperGuard {
    fn pid(&self) -> Pid {
        self.0.expect("a guard is made with its keeper")
    }
}

impl Drop for KeeperGuard {
    fn drop(&mut self) {
        if let Some(pid) = self.0 {
            let _ = nix::sys::signal::kill(pid, Signal::SIGKILL);
            reap(pid);
        }
    }
}

/// Create the container described by `spec`: its namespaces, id map, root filesystem and
/// init, which then sets itself up (see [`Launching::ready`]) and waits to be started (see
/// [`Created::start`]). `early`, a keeper forked ahead ([`EarlyKeeper`]), becomes the
/// container's if it made the namespaces the spec asks for. `place` puts the keeper (host
/// pid given) in the container's cgroup before anything of the container exists, and says
/// where that is; it runs while the keeper makes the container's namespaces (or mounts its
/// root), which makes it the place for the rest of what init needs before it exists (files
/// it binds in), on the other core. `entered` is called as soon as the keeper is in the
/// container's namespaces (with the queue of the interface it made for pasta, if any:
/// [`LaunchSpec::tap`]), while it goes on to mount the root and make init: the moment to
/// start what joins them, such as pasta; what it returns comes back with the launch. The
/// caller must be single-threaded.
pub fn launch<T>(
    spec: &LaunchSpec,
    early: Option<EarlyKeeper>,
    place: impl FnOnce(Pid) -> Result<Option<PathBuf>, String>,
    entered: impl FnOnce(Pid, Option<OwnedFd>) -> T,
) -> Result<(Launching, T), LaunchError> {
    let (guard, keeper_chan, init_chan, mapped) = match early.and_then(|e| e.take(spec)) {
        Some(e) => (e.guard, e.keeper_chan, e.init_chan, true),
        None => fork_keeper(spec)?,
    };
    let keeper = guard.pid();
    let cgroup = place(keeper).map_err(LaunchError::Setup)?;
    if !mapped {
        spec.idmap.apply(keeper)?;
    }
    keeper_chan.send(&ToKeeper::Mapped { cgroup })?;
    let (joined, message) = match keeper_chan.recv_with_fds::<FromKeeper>()? {
        Some((FromKeeper::Entered, fds)) => (
            Some(entered(keeper, fds.into_iter().next())),
            keeper_chan.recv_with_fds::<FromKeeper>()?,
        ),
        other => (None, other),
    };
    let (init, pidfd) = match message {
        Some((FromKeeper::Started { init_pid }, mut fds)) => match fds.pop() {
            Some(fd) => (Pid::from_raw(init_pid), fd),
            None => {
                return Err(LaunchError::Setup(
                    "the container's set-up process sent no pidfd".to_string(),
                ));
            }
        },
        Some((FromKeeper::Failed { message }, _)) => return Err(LaunchError::Setup(message)),
        _ => {
            return Err(LaunchError::Setup(
                "the container's set-up process ended unexpectedly".to_string(),
            ));
        }
    };
    let Some(joined) = joined else {
        return Err(LaunchError::Setup(
            "the container's set-up process started init before saying it had entered its \
             namespaces"
                .to_string(),
        ));
    };
    let launching = Launching {
        guard,
        keeper,
        init,
        pidfd,
        keeper_chan,
        init_chan,
    };
    Ok((launching, joined))
}

/// Fork the keeper of `spec`; with its guard, its channel and init's, and whether its user
/// namespace is mapped already (the holder's, or another's it joins).
fn fork_keeper(spec: &LaunchSpec) -> Result<(KeeperGuard, Channel, Channel, bool), LaunchError> {
    // The user's namespace with this map, from its holder, unless the container joins
    // another's (a user network's, a container's): no id map to write then.
    let shared = match spec.namespaces.join_user {
        Some(_) => None,
        None => holder::shared(&spec.idmap),
    };
    let join_user = spec.namespaces.join_user.as_ref().or(shared.as_ref());
    // Joining a user namespace comes first, so the keeper makes the rest in the child.
    let flags = match join_user {
        Some(_) => CloneFlags::empty(),
        None => CloneFlags::CLONE_NEWUSER | own_namespaces(&spec.namespaces.net),
    };
    let user = join_user.map(|f| f.as_fd());
    let (guard, keeper_chan, init_chan) = fork_stage1(flags, |chan, init, cpus| {
        keeper_main(spec, user, cpus.as_ref(), chan, init)
    })?;
    Ok((guard, keeper_chan, init_chan, join_user.is_some()))
}

/// Fork a keeper with `flags`, running `main` (a keeper's, which never returns) with its end
/// of the monitor's channel and of init's, and the CPUs the monitor may use, which it is to
/// take back: the monitor has work
/// until it sends `Mapped`, and so has the keeper, but the scheduler queues a new child on
/// its parent's CPU, where it would wait for the parent to block while another CPU idles. So
/// it starts on the others ([`elsewhere`]), and takes back all of them once it has its spec
/// and id map (sent after this), before anything else of the container exists.
fn fork_stage1(
    flags: CloneFlags,
    main: impl FnOnce(Channel, Channel, Option<CpuSet>),
) -> Result<(KeeperGuard, Channel, Channel), LaunchError> {
    let (keeper_chan, keeper_end) = Channel::pair()?;
    let (init_chan, init_end) = Channel::pair()?;
    let cpus = sched_getaffinity(Pid::from_raw(0)).ok();
    let keeper = match sys::fork_into(flags).map_err(LaunchError::Clone)? {
        Forked::Child => {
            drop(keeper_chan);
            drop(init_chan);
            main(keeper_end, init_end, cpus);
            crate::sys::exit_now(1)
        }
        Forked::Parent(pid) => pid,
    };
    if let Some(cpus) = &cpus {
        elsewhere(keeper, cpus);
    }
    Ok((KeeperGuard(Some(keeper)), keeper_chan, init_chan))
}

/// A container's keeper forked before the container is worked out: `nook run` forks it first
/// thing, before its command line is parsed, and it makes the container's namespaces (a new
/// network namespace in the user's held user namespace: the common case) on the other core
/// while the monitor parses the flags, resolves the image and records the container, most of
/// a millisecond each; pasta's interface follows in a message ([`EarlyKeeper::make_tap`]).
/// [`launch`] then hands it the spec, or, for a container that needs other namespaces (or
/// another id map), ends it and forks its own.
pub struct EarlyKeeper {
    guard: KeeperGuard,
    mapping: UserMapping,
    keeper_chan: Channel,
    init_chan: Channel,
    /// The root filesystem it was told to mount ahead of its spec, if any. (The last field:
    /// dropped after the keeper is ended.)
    ahead: Option<MountedAhead>,
}

/// A root filesystem an [`EarlyKeeper`] was told to mount ahead. A volatile overlay marks its
/// work directory (`work/incompat/volatile`) so that it is never mounted again, as a keeper
/// forked instead of this one would: if the keeper is ended rather than taken, its mount is
/// gone with it, the writable layer was never used, and overlayfs's scratch directory, mark
/// and all, goes when this is dropped.
struct MountedAhead {
    root: EarlyRoot,
    taken: bool,
}

impl Drop for MountedAhead {
    fn drop(&mut self) {
        if !self.taken && self.root.volatile {
            for dir in [&self.root.moved_to, &self.root.dir] {
                let _ = super::jobs::remove_tree(&dir.join("work").join("work"));
            }
        }
    }
}

/// A container's root filesystem as a kernel overlay, mounted by an [`EarlyKeeper`] ahead of
/// its spec (see [`EarlyKeeper::mount_root`]).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct EarlyRoot {
    pub lowers: Vec<PathBuf>,
    /// The directory of the writable layer (its `upper` and `work`), the container's: still
    /// being recorded, it is renamed from `dir` to `moved_to` meanwhile.
    pub dir: PathBuf,
    pub moved_to: PathBuf,
    pub volatile: bool,
    pub rootfs: PathBuf,
    /// Whether the keeper keeps its supplementary groups as it takes root: a single-id map,
    /// or `--group-add keep-groups`.
    pub keep_groups: bool,
}

impl EarlyRoot {
    /// Whether this is the root filesystem `spec` has (its writable layer is that
    /// container's: the keeper checks it is the directory it mounted).
    fn serves(&self, spec: &LaunchSpec) -> bool {
        spec.driver == Driver::Overlay
            && spec.keep_id.is_none()
            && spec.lowers == self.lowers
            && spec.volatile == self.volatile
            && spec.rootfs == self.rootfs
            && self.keep_groups == spec.root_keeps_groups()
    }
}

/// What an early keeper is sent: the root to mount ahead and the interface to make for pasta,
/// each at most once and in either order, then its spec.
#[derive(Serialize, Deserialize)]
enum Ahead<S> {
    Root(EarlyRoot),
    Tap,
    Spec(S),
}

impl EarlyKeeper {
    /// Fork one for containers with the user's id map `mapping`; `None` where no holder has
    /// its namespace (see [`holder::shared`]) or the fork fails: the launch then forks as
    /// usual. The caller must be single-threaded.
    pub fn fork(mapping: UserMapping) -> Option<EarlyKeeper> {
        let user = holder::shared(&mapping.map)?;
        let (guard, keeper_chan, init_chan) =
            fork_stage1(CloneFlags::empty(), |chan, init, cpus| {
                early_keeper_main(user, cpus, chan, init)
            })
            .ok()?;
        Some(EarlyKeeper {
            guard,
            mapping,
            keeper_chan,
            init_chan,
            ahead: None,
        })
    }

    /// Have it mount `root` now, while the container is still being recorded. Its spec,
    /// worked out after that, is then launched on that mount if it has that root (and by a
    /// keeper forked at the launch otherwise). Once only; nothing happens if the message
    /// cannot go.
    pub fn mount_root(&mut self, root: EarlyRoot) {
        if self.ahead.is_none()
            && self
                .keeper_chan
                .send(&Ahead::<()>::Root(root.clone()))
                .is_ok()
        {
            self.ahead = Some(MountedAhead { root, taken: false });
        }
    }

    /// Have it make the interface for pasta ([`LaunchSpec::tap`]), from the host's addresses
    /// as it found them when it was forked, before it has its spec (which it then checks
    /// against them). Nothing happens if the host had no default route or the message
    /// cannot go.
    pub fn make_tap(&mut self) {
        let _ = self.keeper_chan.send(&Ahead::<()>::Tap);
    }

    /// The user's id map it was forked for (as [`IdMap::for_current_user`] found it).
    pub fn mapping(&self) -> &UserMapping {
        &self.mapping
    }

    /// Hand it `spec`, if it made the namespaces `spec` asks for; `None` otherwise (it is
    /// then ended), or if the spec cannot be sent (too large for a message).
    fn take(mut self, spec: &LaunchSpec) -> Option<EarlyKeeper> {
        let fits = spec.namespaces.join_user.is_none()
            && matches!(spec.namespaces.net, NetNamespace::New)
            && spec.idmap == self.mapping.map
            && self.ahead.as_ref().is_none_or(|a| a.root.serves(spec));
        if !(fits && self.keeper_chan.send(&Ahead::Spec(spec)).is_ok()) {
            return None;
        }
        if let Some(ahead) = &mut self.ahead {
            ahead.taken = true;
        }
        Some(self)
    }
}

/// A container whose init exists and is setting itself up (mounts, pivot_root, user).
pub struct Launching {
    guard: KeeperGuard,
    keeper: Pid,
    init: Pid,
    pidfd: OwnedFd,
    keeper_chan: Channel,
    init_chan: Channel,
}

impl Launching {
    /// Host pid of the container's PID 1.
    pub fn init(&self) -> Pid {
        self.init
    }

    /// Wait until init is set up and about to execute the program.
    pub fn ready(mut self) -> Result<Created, LaunchError> {
        let keeper = self.keeper;
        let mut terminal = None;
        loop {
            match self.init_chan.recv_with_fds::<FromInit>()? {
                Some((FromInit::Terminal, mut fds)) => terminal = fds.pop(),
                Some((FromInit::Ready, _)) => break,
                Some((FromInit::Failed { code, message }, _)) => {
                    // Let the keeper report and exit on its own.
                    let _ = self.keeper_chan.recv::<FromKeeper>();
                    self.guard.0 = None;
                    reap(keeper);
                    return Err(LaunchError::Start(StartFailure { code, message }));
                }
                None => {
                    return Err(LaunchError::Setup(
                        "the container's process ended during set-up".to_string(),
                    ));
                }
            }
        }
        self.guard.0 = None;
        let Launching {
            init,
            pidfd,
            keeper_chan,
            init_chan,
            ..
        } = self;
        Ok(Created {
            running: Running {
                keeper,
                init,
                pidfd,
                keeper_chan,
                terminal,
            },
            init_chan,
        })
    }
}

/// A container whose init is set up and waits to execute the program: the moment to record
/// that it runs, before the program can do anything (print, be seen by `ps`).
pub struct Created {
    running: Running,
    init_chan: Channel,
}

impl Created {
    /// Let init execute the program, giving it `stdio` (ignored with a terminal); returns once
    /// it has (or with docker's 126/127 failure).
    pub fn start(self, stdio: Option<Stdio>) -> Result<Running, LaunchError> {
        let Created { running, init_chan } = self;
        match &stdio {
            Some(s) if running.terminal.is_none() => {
                let mut fds: Vec<BorrowedFd<'_>> = s.stdin.iter().map(|f| f.as_fd()).collect();
                fds.push(s.stdout.as_fd());
                fds.push(s.stderr.as_fd());
                init_chan.send_with_fds(
                    &ToInit::Start {
                        stdin: s.stdin.is_some(),
                    },
                    &fds,
                )?;
            }
            _ => init_chan.send(&ToInit::Start { stdin: false })?,
        }
        drop(stdio);
        match init_chan.recv::<FromInit>()? {
            // Closed on exec (close-on-exec): the program runs.
            None => Ok(running),
            Some(FromInit::Failed { code, message }) => {
                let _ = running.collect_exit();
                running.finish();
                Err(LaunchError::Start(StartFailure { code, message }))
            }
            Some(_) => Err(LaunchError::Setup(
                "unexpected message from the container's process".to_string(),
            )),
        }
    }
}

/// The namespaces the container makes for itself (besides a user namespace).
fn own_namespaces(net: &NetNamespace) -> CloneFlags {
    let mut flags = CloneFlags::CLONE_NEWNS | CloneFlags::CLONE_NEWUTS | CloneFlags::CLONE_NEWIPC;
    if matches!(net, NetNamespace::New) {
        flags |= CloneFlags::CLONE_NEWNET;
    }
    flags
}

/// Stage 1, joining `join_user` (then making its own namespaces) or in the namespaces it was
/// cloned with. Never returns.
fn keeper_main(
    spec: &LaunchSpec,
    join_user: Option<BorrowedFd<'_>>,
    cpus: Option<&CpuSet>,
    chan: Channel,
    init_chan: Channel,
) -> ! {
    let mut keep: Vec<BorrowedFd<'_>> = join_user.into_iter().collect();
    if let NetNamespace::Join(net) = &spec.namespaces.net {
        keep.push(net.as_fd());
    }
    keeper_begins(&chan, &init_chan, &keep);
    let entered = enter_namespaces(join_user, &spec.namespaces.net);
    let readied = match join_user {
        Some(_) => Readied::Mapped,
        None => Readied::Made,
    };
    keeper_main_rest(
        spec,
        entered,
        readied,
        Tap::AsSpecified,
        cpus,
        chan,
        init_chan,
    )
}

/// Stage 1 forked ahead of its spec ([`EarlyKeeper`]): it makes the common case's namespaces
/// (its own network, in the user's held user namespace `user`) while the monitor still works
/// out and records the container, then takes the spec. Never returns.
fn early_keeper_main(user: OwnedFd, cpus: Option<CpuSet>, chan: Channel, init_chan: Channel) -> ! {
    keeper_begins(&chan, &init_chan, &[user.as_fd()]);
    // The host's addresses, read before leaving its network namespace, for the interface
    // pasta may be given (the monitor says so once it has parsed its flags).
    let mut tap = crate::network::host::TapConfig::from_host();
    let entered = enter_namespaces(Some(user.as_fd()), &NetNamespace::New);
    drop(user);
    let mut made = None;
    let mut ahead = None;
    let spec = loop {
        match chan.recv::<Ahead<LaunchSpec>>() {
            Ok(Some(Ahead::Root(root))) => {
                if entered.is_ok() && ahead.is_none() {
                    ahead = mount_ahead(&root);
                }
            }
            Ok(Some(Ahead::Tap)) => {
                if let (Ok(()), Some(t)) = (&entered, tap.take()) {
                    made = t.create().ok().map(|queue| (t, queue));
                }
            }
            Ok(Some(Ahead::Spec(spec))) => break spec,
            // The monitor needs it no longer (its command failed, or the container makes
            // other namespaces).
            _ => crate::sys::exit_now(1),
        }
    };
    let tap = match made {
        Some((t, queue)) if spec.tap.as_ref() == Some(&t) => Tap::Made(queue),
        // Not what the container has (none, or the host's network changed): gone with its
        // queue, and made again if need be.
        _ => Tap::AsSpecified,
    };
    // (The monitor sends a spec only for the root it asked for: see EarlyRoot::serves.)
    let mounted = ahead.is_some_and(|(rootfs, upper)| {
        let same = same_dir(&spec.upper, upper);
        if !same {
            let _ = nix::mount::umount2(&rootfs, nix::mount::MntFlags::MNT_DETACH);
        }
        same
    });
    let readied = match mounted {
        true => Readied::Mounted,
        false => Readied::Mapped,
    };
    keeper_main_rest(&spec, entered, readied, tap, cpus.as_ref(), chan, init_chan)
}

/// Mount `root` ahead of the spec; where it went, and the identity of its writable layer
/// (`None` if it could not be mounted: the keeper tries again with its spec, and reports).
fn mount_ahead(root: &EarlyRoot) -> Option<(PathBuf, (u64, u64))> {
    userns::become_root(root.keep_groups).ok()?;
    // Found through this mount namespace (overlayfs takes no layer from another), wherever
    // the rename has got to, and held from then on.
    let open = |path: &Path| {
        nix::fcntl::open(
            path,
            OFlag::O_PATH | OFlag::O_DIRECTORY | OFlag::O_CLOEXEC,
            Mode::empty(),
        )
    };
    let dir = open(&root.dir).or_else(|_| open(&root.moved_to)).ok()?;
    let upper = nix::sys::stat::fstatat(&dir, "upper", nix::fcntl::AtFlags::empty()).ok()?;
    rootfs::mount_overlay_in(&root.lowers, dir.as_fd(), root.volatile, &root.rootfs).ok()?;
    Some((root.rootfs.clone(), (upper.st_dev, upper.st_ino)))
}

/// Whether `path` is the directory whose identity (device, inode) is `id`.
fn same_dir(path: &Path, id: (u64, u64)) -> bool {
    nix::sys::stat::stat(path).is_ok_and(|st| (st.st_dev, st.st_ino) == id)
}

/// Move `child` to the CPUs of `cpus` but the one this process runs on, if there is another.
fn elsewhere(child: Pid, cpus: &CpuSet) {
    let Ok(here) = nix::sched::sched_getcpu() else {
        return;
    };
    let mut others = *cpus;
    if others.unset(here).is_err() {
        return;
    }
    let any = (0..CpuSet::count()).any(|c| others.is_set(c).unwrap_or(false));
    if any {
        let _ = sched_setaffinity(child, &others);
    }
}

/// What a keeper does first: keep only its own descriptors and die with the monitor.
fn keeper_begins(chan: &Channel, init_chan: &Channel, also: &[BorrowedFd<'_>]) {
    let _ = sigprocmask(SigmaskHow::SIG_SETMASK, Some(&SigSet::empty()), None);
    // Of what the monitor has open, the keeper keeps only what it uses: above all not the
    // monitor's lock (`Containers::monitor_lock`), which must be held by the monitor alone,
    // as proof that it lives.
    let mut keep = vec![chan.as_fd().as_raw_fd(), init_chan.as_fd().as_raw_fd()];
    keep.extend(also.iter().map(|f| f.as_raw_fd()));
    let _ = sys::close_fds_except(&keep);
    let parent = getppid();
    if prctl::set_pdeathsig(Signal::SIGKILL).is_err() || getppid() != parent {
        crate::sys::exit_now(1);
    }
}

/// Join or make the container's namespaces (but the pid and cgroup ones, init's) and ready
/// what needs no spec in them: capabilities in new namespaces come with them, before any id
/// map, so this runs while the monitor writes one (newuidmap takes a millisecond or two).
fn enter_namespaces(join_user: Option<BorrowedFd<'_>>, net: &NetNamespace) -> Result<(), String> {
    if let Some(user) = join_user {
        super::holder::enter(user, own_namespaces(net))?;
    }
    if let NetNamespace::Join(fd) = net {
        nix::sched::setns(fd, CloneFlags::CLONE_NEWNET)
            .map_err(|e| format!("cannot join the other container's network: {e}"))?;
    }
    if matches!(net, NetNamespace::New) {
        sys::set_link_up("lo")
            .map_err(|e| format!("cannot bring up the loopback interface: {e}"))?;
    }
    mount::<str, str, str, str>(None, "/", None, MsFlags::MS_REC | MsFlags::MS_PRIVATE, None)
        .map_err(|e| format!("cannot make mounts private: {e}"))
}

/// The interface for pasta ([`LaunchSpec::tap`]) as the keeper comes to its spec.
enum Tap {
    /// Made already, as the spec has it: its queue.
    Made(OwnedFd),
    /// To make as the spec says, if it does.
    AsSpecified,
}

/// Take the container's ids in its user namespace and mount its root filesystem (in the
/// keeper's mount namespace).
fn mount_root(
    spec: &LaunchSpec,
    layers: &Layers<'_>,
    fuse: &mut Option<rootfs::FuseMount>,
) -> Result<(), String> {
    match spec.keep_id {
        // Under a keep-id map, root inside is a subordinate id, which may not pass the
        // directories of yours that lead to the store, the project or a volume (a home of
        // mode 700 whose group is not yours alone): the container is made as you, the
        // namespace's maker, with every capability in it (and its processes then lose them
        // all: drop_privileges). Staying you also keeps this process dumpable, so pasta can
        // join its namespaces.
        Some(keep) => userns::become_user(keep.uid, keep.gid, spec.security.keep_groups),
        None => userns::become_root(spec.root_keeps_groups()),
    }
    .map_err(|e| format!("cannot take the container's ids in its user namespace: {e}"))?;
    match spec.driver {
        Driver::Overlay => rootfs::mount_overlay(layers, &spec.rootfs),
        Driver::FuseOverlayfs => {
            // Run as you (keep-id), fuse-overlayfs needs the capabilities it has as root
            // inside passed to it (ambient), and none are left behind for the container.
            if spec.keep_id.is_some() {
                caps::pass_on_exec().map_err(|e| e.to_string())?;
            }
            let mounted = rootfs::mount_fuse_overlay(layers, &spec.rootfs, &spec.fuse_log)
                .map(|m| *fuse = Some(m));
            if spec.keep_id.is_some() {
                caps::drop_ambient().map_err(|e| e.to_string())?;
            }
            mounted
        }
    }
    .map_err(|e| e.to_string())
}

/// How far a keeper has come when it has its spec, in the container's namespaces.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Readied {
    /// It made the user namespace, whose id map the monitor writes.
    Made,
    /// It joined a user namespace mapped already (the holder's, another's).
    Mapped,
    /// And it mounted the root filesystem too (see [`EarlyRoot`]).
    Mounted,
}

/// The rest of stage 1, once in the container's namespaces (or failed to be: `entered`),
/// as far as `readied` says; `cpus`,
/// those the monitor may use, all of which it takes back once its parent has moved it (see
/// [`elsewhere`]), before anything else of the container exists.
fn keeper_main_rest(
    spec: &LaunchSpec,
    entered: Result<(), String>,
    readied: Readied,
    tap: Tap,
    cpus: Option<&CpuSet>,
    chan: Channel,
    init_chan: Channel,
) -> ! {
    let early = entered.and_then(|()| {
        sethostname(&spec.hostname).map_err(|e| format!("cannot set the hostname: {e}"))?;
        // Without it (no /dev/net/tun here, say), pasta makes its own, a little later.
        Ok(match (&spec.namespaces.net, tap) {
            (NetNamespace::New, Tap::Made(queue)) => Some(queue),
            (NetNamespace::New, Tap::AsSpecified) => {
                spec.tap.as_ref().and_then(|t| t.create().ok())
            }
            _ => None,
        })
    });
    // pasta may start now, while the root is mounted and init made.
    let early = early.and_then(|tap| {
        let fds: Vec<BorrowedFd<'_>> = tap.iter().map(|f| f.as_fd()).collect();
        chan.send_with_fds(&FromKeeper::Entered, &fds)
            .map_err(|e| format!("cannot tell the monitor: {e}"))
    });
    let layers = Layers {
        lowers: &spec.lowers,
        upper: &spec.upper,
        work: &spec.work,
        volatile: spec.volatile,
    };
    let mut fuse = None;
    // In a user namespace mapped already (the holder's, another's), a kernel overlay is
    // mounted at once, while the monitor writes the files init binds and places this
    // process; fuse-overlayfs, a process, waits for the cgroup it is to be in.
    let mount_first = readied != Readied::Made && spec.driver == Driver::Overlay;
    let early = match mount_first && readied != Readied::Mounted {
        true => early.and_then(|()| mount_root(spec, &layers, &mut fuse)),
        false => early,
    };
    let cgroup = match chan.recv::<ToKeeper>() {
        Ok(Some(ToKeeper::Mapped { cgroup })) => cgroup,
        _ => crate::sys::exit_now(1),
    };
    if let Some(cpus) = cpus {
        let _ = sched_setaffinity(Pid::from_raw(0), cpus);
    }
    let prepared = match mount_first {
        true => early,
        false => early.and_then(|()| mount_root(spec, &layers, &mut fuse)),
    };
    // Opened now, while they are where the spec says: the monitor may set the container's
    // directory aside (rename it) as they are deleted, after the container's exit.
    let discard: Vec<(OwnedFd, std::ffi::OsString)> = spec
        .discard
        .iter()
        .filter_map(|tree| {
            let dir = super::jobs::open_dir(tree.parent()?).ok()?;
            Some((dir, tree.file_name()?.to_os_string()))
        })
        .collect();
    let started = prepared.and_then(|()| {
        // The cgroup namespace comes with init, once the keeper is in its cgroup: the
        // container's leaf is then its root.
        let pid = match spec.pid_host {
            true => CloneFlags::empty(),
            false => CloneFlags::CLONE_NEWPID,
        };
        sys::fork_into(CloneFlags::CLONE_NEWNS | pid | CloneFlags::CLONE_NEWCGROUP)
            .map_err(|e| format!("cannot create the container's pid namespace: {e}"))
    });
    let started = match started {
        Ok(Forked::Child) => {
            drop(chan);
            init_main(spec, init_chan)
        }
        // Init's channel must now be held by init alone: it closes on exec.
        Ok(Forked::Parent(pid)) => {
            drop(init_chan);
            Ok(pid)
        }
        Err(e) => {
            drop(init_chan);
            Err(e)
        }
    };
    let started = started.and_then(|pid| {
        let pidfd = sys::pidfd_open(pid)
            .map_err(|e| format!("cannot open a pidfd for the container's process: {e}"))?;
        Ok((pid, pidfd))
    });
    let init = match started {
        Ok((pid, pidfd)) => {
            let _ = chan.send_with_fd(
                &FromKeeper::Started {
                    init_pid: pid.as_raw(),
                },
                pidfd.as_fd(),
            );
            pid
        }
        Err(message) => {
            let _ = chan.send(&FromKeeper::Failed { message });
            crate::sys::exit_now(1);
        }
    };
    let code = match reap(init) {
        Some(WaitStatus::Exited(_, code)) => code,
        Some(WaitStatus::Signaled(_, sig, _)) => 128 + sig as i32,
        _ => 125,
    };
    // A kernel overlay goes with the mount namespace; fuse-overlayfs is ended here, before
    // the writable layer may be deleted.
    if let Some(m) = fuse {
        m.unmount();
    }
    let oom_killed = cgroup.as_ref().is_some_and(|c| {
        crate::cgroups::v2::read_key(&c.join("memory.events"), "oom_kill").is_some_and(|n| n > 0)
    });
    let _ = chan.send(&FromKeeper::Exited { code, oom_killed });
    // While the monitor records the exit and removes the rest of the container's directory;
    // it waits for this channel to close before it removes that directory (Running::finish).
    for (dir, name) in &discard {
        let _ = super::jobs::remove_tree_in(dir, name);
    }
    // Closed now, not as the process goes (after its memory is torn down): the monitor is
    // waiting for it. (The namespaces, the mount among them, go after that.)
    drop(chan);
    crate::sys::exit_now(0);
}

/// Stage 2, the container's PID 1. Never returns.
fn init_main(spec: &LaunchSpec, chan: Channel) -> ! {
    // Nothing the monitor (or whoever ran nook) had open may reach the container
    // (CVE-2024-21626): every descriptor but 0-2 and the channel is closed, not only marked
    // close-on-exec, since with --init this process stays as the container's PID 1. And
    // its /proc entries (exe, fd, mem, root) stay closed while it sets the container up.
    let _ = sys::close_fds_except(&[chan.as_fd().as_raw_fd()]);
    if spec.init {
        // (While its /proc entries are still its own to write.)
        process::set_title(&format!("nook-init -- {}", spec.process.args.join(" ")));
    }
    let _ = prctl::set_dumpable(false);
    let mut chan = Some(chan);
    let failure = match init_inner(spec, &mut chan) {
        Err(f) => f,
        Ok(never) => match never {},
    };
    if let Some(c) = chan {
        let _ = c.send(&FromInit::Failed {
            code: failure.code,
            message: failure.message,
        });
    }
    crate::sys::exit_now(failure.code);
}

fn init_inner(spec: &LaunchSpec, chan: &mut Option<Channel>) -> Result<Infallible, StartFailure> {
    let setup = |what: &str| {
        let what = what.to_string();
        move |e: nix::Error| StartFailure::setup(format!("{what}: {e}"))
    };
    prctl::set_pdeathsig(Signal::SIGKILL).map_err(setup("prctl"))?;
    let root = rootfs::prepare(&FsSetup {
        rootfs: &spec.rootfs,
        read_only: spec.read_only,
        read_only_tmpfs: spec.read_only_tmpfs,
        mounts: &spec.mounts,
        masked_paths: spec.security.masked_paths,
        shm_size: spec.shm_size,
        sysctls: &spec.sysctls,
        host_pid: spec.pid_host,
    })
    .map_err(|e| StartFailure::setup(e.to_string()))?;

    let tty = if spec.process.terminal {
        let pts = root
            .open_path("/dev/pts", Create::Nothing)
            .map_err(|e| StartFailure::setup(e.to_string()))?;
        let master = openat(
            &pts,
            "ptmx",
            OFlag::O_RDWR | OFlag::O_NOCTTY | OFlag::O_NOFOLLOW | OFlag::O_CLOEXEC,
            Mode::empty(),
        )
        .map_err(setup("cannot open the container's terminal"))?;
        let (slave, number) = sys::open_pty_peer(master.as_fd()).map_err(|e| {
            StartFailure::setup(format!("cannot open the container's terminal: {e}"))
        })?;
        if let Some(size) = spec.winsize {
            let _ = sys::set_winsize(slave.as_fd(), size);
        }
        rootfs::bind_console(&root, number).map_err(|e| StartFailure::setup(e.to_string()))?;
        if let Some(c) = chan.as_ref() {
            c.send_with_fd(&FromInit::Terminal, master.as_fd())
                .map_err(|e| StartFailure::setup(e.to_string()))?;
        }
        Some(slave)
    } else {
        None
    };

    rootfs::pivot(&root).map_err(|e| StartFailure::setup(e.to_string()))?;
    drop(root);
    // The kernel locks the container's mounts (masks, read-only binds and filesystems) in a
    // copy of its mount namespace owned by a child user namespace, against a process holding
    // CAP_SYS_ADMIN in the container's user namespace: the only one that could unmount or
    // remount them. Without it in the set the container keeps (the bounding set; `exec`
    // has the same), no process of the container ever holds it there (one in a user
    // namespace of its own gets a locked copy from the kernel anyway), so the copy, about
    // 0.3 ms of every start, is made only for a container that keeps it (--cap-add
    // SYS_ADMIN, --privileged).
    if caps::may_administer(&spec.caps) {
        rootfs::lock_mounts().map_err(|e| StartFailure::setup(e.to_string()))?;
    }

    let user = process::resolve_user_in_root(&spec.process.user, &spec.process.groups)?;
    let env = with_home(&spec.process.env, &user);
    process::enter_workdir(&spec.process.cwd, Create::Dir)?;

    setsid().map_err(setup("setsid"))?;
    if let Some(slave) = &tty {
        sys::set_controlling_tty(slave.as_fd())
            .map_err(|e| StartFailure::setup(format!("cannot attach the terminal: {e}")))?;
        nix::unistd::dup2_stdin(slave).map_err(setup("dup2"))?;
        nix::unistd::dup2_stdout(slave).map_err(setup("dup2"))?;
        nix::unistd::dup2_stderr(slave).map_err(setup("dup2"))?;
    }
    sys::cloexec_from(3).map_err(|e| StartFailure::setup(format!("close_range: {e}")))?;

    drop_privileges(&spec.idmap, &user, &spec.caps, &spec.security)?;
    // The kernel clears the parent-death signal as a process changes user: set again, PID 1
    // (and the container with it) still dies with its keeper when it is not root.
    prctl::set_pdeathsig(Signal::SIGKILL).map_err(setup("prctl"))?;
    let args = &spec.process.args;
    let exe = process::find_executable(&args[0], search_path(&env))?;
    if let Some(c) = chan.as_ref() {
        c.send(&FromInit::Ready)
            .map_err(|e| StartFailure::setup(e.to_string()))?;
        match c.recv_with_fds::<ToInit>() {
            Ok(Some((ToInit::Start { stdin }, fds))) => {
                if tty.is_none() {
                    take_stdio(stdin, fds)?;
                }
            }
            // The monitor is gone: nobody wants this container any more.
            _ => crate::sys::exit_now(125),
        }
    }
    drop(tty);
    if spec.init {
        // PID 1 stays nook, and stays closed to the container's processes (not dumpable):
        // it was forked from the monitor, so its memory and /proc/1/environ are the
        // monitor's. `nook exec` enters through its first child instead.
        let terminal = spec.process.terminal;
        let never = process::run_as_init(
            &exe,
            args,
            &env,
            false,
            || process::own_process_group(terminal),
            || {
                chan.take();
            },
        )?;
        match never {}
    }
    Err(process::exec(&exe, args, &env))
}

/// Make the descriptors the monitor sent the program's stdin (or /dev/null), stdout and stderr.
fn take_stdio(stdin: bool, mut fds: Vec<OwnedFd>) -> Result<(), StartFailure> {
    let want = if stdin { 3 } else { 2 };
    if fds.len() != want {
        return Err(StartFailure::setup("the monitor sent no standard streams"));
    }
    let setup = |e: nix::Error| StartFailure::setup(format!("dup2: {e}"));
    let stderr = fds.pop().expect("counted");
    let stdout = fds.pop().expect("counted");
    match fds.pop() {
        Some(input) => nix::unistd::dup2_stdin(&input).map_err(setup)?,
        None => {
            let null = fs::File::open("/dev/null")
                .map_err(|e| StartFailure::setup(format!("/dev/null: {e}")))?;
            nix::unistd::dup2_stdin(&null).map_err(setup)?;
        }
    }
    nix::unistd::dup2_stdout(&stdout).map_err(setup)?;
    nix::unistd::dup2_stderr(&stderr).map_err(setup)?;
    Ok(())
}

/// The PATH a container gets when its image sets none.
pub const DEFAULT_PATH: &str = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

/// The program's environment: `env`, with the user's HOME unless it sets one.
pub(crate) fn with_home(env: &[String], user: &process::ExecUser) -> Vec<String> {
    let mut env = env.to_vec();
    if !env.iter().any(|e| e.starts_with("HOME=")) {
        env.push(format!("HOME={}", user.home));
    }
    env
}

/// Where the program is looked for: the environment's PATH, else the default.
pub(crate) fn search_path(env: &[String]) -> &str {
    env.iter()
        .find_map(|e| e.strip_prefix("PATH="))
        .unwrap_or(DEFAULT_PATH)
}

/// The last steps before the program, for a container's process and for one run by `exec`
/// alike: only the capabilities in `caps` stay possible, the seccomp filter is installed
/// (while the capability to install one without no_new_privs is still there; everything
/// after it is in any sensible allowlist), the user becomes `user`, and with
/// `no_new_privileges` no later execve can gain privileges.
pub(crate) fn drop_privileges(
    map: &IdMap,
    user: &process::ExecUser,
    caps: &[String],
    security: &Security,
) -> Result<(), StartFailure> {
    let keep = caps::to_set(caps).map_err(|e| StartFailure::setup(e.to_string()))?;
    caps::limit_bounding(&keep).map_err(|e| StartFailure::setup(e.to_string()))?;
    if let Some(programs) = &security.seccomp {
        super::seccomp::install(programs).map_err(|e| StartFailure::setup(e.to_string()))?;
    }
    if let Some(n) = security.pids_rlimit {
        nix::sys::resource::setrlimit(nix::sys::resource::Resource::RLIMIT_NPROC, n, n)
            .map_err(|e| StartFailure::setup(format!("RLIMIT_NPROC: {e}")))?;
    }
    for u in &security.ulimits {
        let resource = ulimit_resource(&u.name)
            .ok_or_else(|| StartFailure::setup(format!("unknown ulimit {}", u.name)))?;
        nix::sys::resource::setrlimit(resource, u.soft, u.hard)
            .map_err(|e| StartFailure::setup(format!("--ulimit {}: {e}", u.name)))?;
    }
    switch_user(map, user, security.keep_groups)?;
    if user.uid == 0 {
        caps::set_for_root(&keep).map_err(|e| StartFailure::setup(e.to_string()))?;
    } else {
        // setuid clears the capabilities of a process that leaves uid 0; one that was its
        // user already (a keep-id container's makers) must lose them by itself.
        caps::drop_all().map_err(|e| StartFailure::setup(e.to_string()))?;
    }
    if security.no_new_privileges {
        prctl::set_no_new_privs()
            .map_err(|e| StartFailure::setup(format!("cannot set no_new_privs: {e}")))?;
    }
    Ok(())
}

fn switch_user(
    map: &IdMap,
    user: &process::ExecUser,
    keep_groups: bool,
) -> Result<(), StartFailure> {
    let unmapped = |what: &str, id: u32, count: u64| {
        let fix = if map.is_single() {
            "you have no subordinate id range. Fix: sudo usermod --add-subuids 100000-165535 \
             --add-subgids 100000-165535 $USER"
        } else {
            "Fix: give your user a larger range in /etc/subuid and /etc/subgid"
        };
        StartFailure::setup(format!(
            "cannot run as {what} {id}: only {what}s 0-{} exist in your containers; {fix}",
            count - 1
        ))
    };
    if u64::from(user.uid) >= map.uid_count() {
        return Err(unmapped("uid", user.uid, map.uid_count()));
    }
    let groups = if keep_groups {
        &[][..]
    } else {
        &user.groups[..]
    };
    for gid in std::iter::once(&user.gid).chain(groups) {
        if u64::from(*gid) >= map.gid_count() {
            return Err(unmapped("gid", *gid, map.gid_count()));
        }
    }
    if !map.is_single() && !keep_groups {
        let groups: Vec<Gid> = user.groups.iter().map(|g| Gid::from_raw(*g)).collect();
        setgroups(&groups).map_err(|e| StartFailure::setup(format!("setgroups: {e}")))?;
    }
    let (uid, gid) = (Uid::from_raw(user.uid), Gid::from_raw(user.gid));
    setresgid(gid, gid, gid)
        .map_err(|e| StartFailure::setup(format!("cannot switch to gid {gid}: {e}")))?;
    setresuid(uid, uid, uid)
        .map_err(|e| StartFailure::setup(format!("cannot switch to uid {uid}: {e}")))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::network::host::{Addressing, TapConfig};
    use crate::runtime::idmap::{IdRange, KeepId};
    use crate::runtime::seccomp::Program;

    /// An early keeper gets its spec as a message: every field must come through as it was
    /// (all but the namespaces, which it made itself).
    #[test]
    fn a_spec_crosses_to_an_early_keeper_whole() {
        let range = |inside, outside, count| IdRange {
            inside,
            outside,
            count,
        };
        let bind = |source: &str, volume: Option<&str>| MountKind::Bind {
            source: source.into(),
            volume: volume.map(str::to_string),
            copy_up: volume.is_some(),
        };
        let spec = LaunchSpec {
            idmap: IdMap {
                user: "u".into(),
                uids: vec![range(0, 1000, 1), range(1, 100000, 65536)],
                gids: vec![range(0, 1000, 1)],
            },
            namespaces: Namespaces::default(),
            driver: Driver::FuseOverlayfs,
            lowers: vec!["/l/2".into(), "/l/1".into()],
            upper: "/c/upper".into(),
            work: "/c/work".into(),
            volatile: true,
            rootfs: "/mnt".into(),
            fuse_log: "/c/fuse.log".into(),
            hostname: "h".into(),
            read_only: true,
            read_only_tmpfs: true,
            init: true,
            caps: vec!["CAP_CHOWN".into()],
            security: Security {
                seccomp: Some(vec![Program(vec![(0x20, 0, 0, 4), (6, 0, 0, 0x7fff_0000)])]),
                no_new_privileges: true,
                masked_paths: false,
                pids_rlimit: Some(2048),
                ulimits: vec![Ulimit {
                    name: "nofile".into(),
                    soft: 10,
                    hard: 20,
                }],
                keep_groups: true,
            },
            process: ProcessSpec {
                args: vec!["sh".into(), "-c".into(), "échο \"$A\"".into()],
                env: vec!["A=1".into()],
                cwd: "/w".into(),
                user: "1:2".into(),
                groups: vec!["wheel".into()],
                terminal: true,
                interactive: true,
            },
            mounts: vec![
                MountSpec {
                    target: "/v".into(),
                    kind: bind("/data/v", Some("v")),
                    read_only: true,
                },
                MountSpec {
                    target: "/etc/hosts".into(),
                    kind: bind("/c/hosts", None),
                    read_only: false,
                },
                MountSpec {
                    target: "/t".into(),
                    kind: MountKind::Tmpfs {
                        size: Some("1m".into()),
                        mode: Some(0o1777),
                        uid: Some(1),
                        gid: Some(2),
                    },
                    read_only: false,
                },
            ],
            winsize: Some(WinSize { rows: 24, cols: 80 }),
            keep_id: Some(KeepId {
                uid: 1000,
                gid: 1000,
            }),
            shm_size: Some(1 << 20),
            pid_host: true,
            sysctls: vec![("net.ipv4.ip_forward".into(), "1".into())],
            discard: vec!["/c/upper".into()],
            tap: Some(TapConfig {
                mac: [2, 0x6e, 0x6b, 0, 0, 2],
                v4: Some(Addressing {
                    address: "192.0.2.2".parse().unwrap(),
                    prefix: 24,
                    gateway: "192.0.2.1".parse().unwrap(),
                }),
                v6: None,
            }),
        };
        let sent = serde_json::to_value(&spec).unwrap();
        let got: LaunchSpec = serde_json::from_value(sent.clone()).unwrap();
        assert_eq!(serde_json::to_value(&got).unwrap(), sent);
        assert_eq!(got.idmap, spec.idmap);
        assert_eq!(got.mounts, spec.mounts);
        assert_eq!(got.tap, spec.tap);
        assert!(got.namespaces.join_user.is_none());
        assert!(matches!(got.namespaces.net, NetNamespace::New));
    }
}
