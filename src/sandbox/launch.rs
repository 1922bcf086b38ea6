//! Building and running a sandbox:
//!
//! ```text
//! nook sandbox (you)   opens every path to show (O_PATH, no symlink followed), then relays
//!  │                   signals, ends it at its timeout, starts pasta with --net
//!  └─ PID 1            clone(NEWUSER|NEWNS|NEWPID|NEWNET|NEWIPC|NEWUTS), root of a one-id
//!     │                user namespace (no setuid helper), put in a cgroup of its own when the
//!     │                limits have one, then makes its cgroup namespace: a tmpfs root with the host's
//!     │                system bound read-only from those descriptors, the project writable,
//!     │                /proc, /dev, /sys, private /tmp and home; pivot_root; then a second
//!     │                user namespace, as yourself, in which every mount is locked; stays as
//!     │                a reaper that passes signals on (non-dumpable: /proc/1 is closed)
//!     └─ the command   a session of its own, only fds 0-2, rlimits, Landlock, no capabilities,
//!                      no_new_privs, seccomp, execve
//! ```
//! When PID 1 ends, the kernel ends every process of the sandbox: nothing outlives it.

use std::fs;
use std::os::fd::{AsFd, OwnedFd};
use std::path::{Path, PathBuf};
use std::time::Instant;

use nix::fcntl::OFlag;
use nix::poll::{PollFd, PollFlags, PollTimeout, poll};
use nix::sched::CloneFlags;
use nix::sys::resource::{Resource, setrlimit};
use nix::sys::signal::Signal;
use nix::sys::stat::Mode;
use nix::sys::wait::{WaitStatus, waitpid};
use nix::unistd::{Pid, getgid, getuid, setsid};
use serde::{Deserialize, Serialize};

use super::Policy;
use crate::network::pasta::{self, Pasta, PastaSpec};
use crate::runtime::channel::{Channel, ChannelError};
use crate::runtime::confine::{self, Create, Root};
use crate::runtime::idmap::{IdMap, IdMapError, IdRange};
use crate::runtime::process::{self, StartFailure};
use crate::runtime::relay;
use crate::runtime::rootfs::{self, Driver, Layers, RootfsError};
use crate::runtime::seccomp::{self, Program};
use crate::runtime::{caps, userns};
use crate::sys::{self, Forked, MountAttrs};

#[derive(Debug, thiserror::Error)]
pub enum LaunchError {
    #[error("cannot open {path} to show it in the sandbox: {source}")]
    Open { path: PathBuf, source: nix::Error },
    #[error("{path} changed while the sandbox was being made (it now leads to {now}): not shown")]
    Moved { path: PathBuf, now: PathBuf },
    #[error(
        "cannot create the sandbox's namespaces: {0}\n  Check that unprivileged user \
         namespaces are enabled (`nook doctor` tells how)"
    )]
    Clone(sys::SysError),
    #[error(transparent)]
    IdMap(#[from] IdMapError),
    #[error(transparent)]
    Channel(#[from] ChannelError),
    #[error("cannot set up signal handling: {0}")]
    Signals(nix::Error),
    #[error(transparent)]
    Pasta(#[from] pasta::PastaError),
    #[error("the sandbox could not be built: {0}")]
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

/// An image's layers, as the sandbox's root filesystem.
pub struct ImageRoot {
    /// Topmost first.
    pub lowers: Vec<PathBuf>,
    pub driver: Driver,
    /// The user's id map, so that the image's owners come out right.
    pub idmap: IdMap,
}

/// What the sandbox needs besides its policy.
pub struct Setup {
    pub seccomp: Vec<Program>,
    pub image: Option<ImageRoot>,
    /// With `--net`: what pasta can do, and where its readiness FIFO and log go.
    pub pasta: Option<(pasta::Features, PathBuf)>,
}

/// A host path opened for the sandbox, and where it is shown.
struct Source {
    fd: OwnedFd,
    path: PathBuf,
}

impl Source {
    /// The same path opened again in the sandbox's mount namespace (the kernel binds only
    /// from mounts of the caller's own), checked to be the very file opened before.
    fn reopen(&self) -> Result<OwnedFd, String> {
        let again = open_source(&self.path).map_err(|e| e.to_string())?;
        let (before, now) = (
            nix::sys::stat::fstat(&self.fd).map_err(|e| e.to_string())?,
            nix::sys::stat::fstat(&again.fd).map_err(|e| e.to_string())?,
        );
        if (before.st_dev, before.st_ino) != (now.st_dev, now.st_ino) {
            return Err(format!(
                "{} changed while the sandbox was being made: not shown",
                self.path.display()
            ));
        }
        Ok(again.fd)
    }
}

/// Open `path` (`O_PATH`) with no symbolic link anywhere on the way: what is opened is the
/// path the policy checked, not a link somebody put there since.
fn open_nofollow(path: &Path) -> Result<OwnedFd, nix::Error> {
    use nix::fcntl::{OpenHow, ResolveFlag, openat2};
    openat2(
        nix::fcntl::AT_FDCWD,
        path,
        OpenHow::new()
            .flags(OFlag::O_PATH | OFlag::O_CLOEXEC)
            .resolve(ResolveFlag::RESOLVE_NO_SYMLINKS),
    )
}

fn open_source(path: &Path) -> Result<Source, LaunchError> {
    let fd = open_nofollow(path).map_err(|source| match source {
        nix::errno::Errno::ELOOP => LaunchError::Moved {
            path: path.to_path_buf(),
            now: fs::canonicalize(path).unwrap_or_default(),
        },
        source => LaunchError::Open {
            path: path.to_path_buf(),
            source,
        },
    })?;
    Ok(Source {
        fd,
        path: path.to_path_buf(),
    })
}

/// One thing to put in the sandbox's tree.
enum Mount {
    /// A host path (read-only, or writable), or a symlink of the host's system as it is.
    Bind(Source, bool),
    Link(PathBuf, PathBuf),
    /// A private tmpfs (mode).
    Tmpfs(PathBuf, &'static str),
    /// A file of ours (contents) over a path, read-only.
    File(PathBuf, String),
}

impl Mount {
    fn target(&self) -> &Path {
        match self {
            Mount::Bind(s, _) => &s.path,
            Mount::Link(p, _) | Mount::Tmpfs(p, _) | Mount::File(p, _) => p,
        }
    }
}

#[derive(Serialize, Deserialize)]
enum ToInit {
    Mapped,
    Go,
}

#[derive(Serialize, Deserialize)]
enum FromInit {
    Ready,
    Failed { code: i32, message: String },
}

/// Everything PID 1 needs, prepared before the clone.
struct Plan<'a> {
    policy: &'a Policy,
    setup: &'a Setup,
    mounts: Vec<Mount>,
    /// The host ids the sandboxed command has (its own, inside).
    uid: u32,
    gid: u32,
}

/// Where the tree is built (a tmpfs mounted over it in the sandbox's private mount
/// namespace; the host's /tmp is never touched).
const STAGING: &str = "/tmp";

/// Run the sandbox; returns the command's status (124 at the timeout). The caller must be
/// single-threaded.
pub fn run(policy: &Policy, setup: &Setup) -> Result<i32, LaunchError> {
    let plan = plan(policy, setup)?;
    let signals = relay::signal_fd().map_err(LaunchError::Signals)?;
    let (chan, init_end) = Channel::pair()?;
    let flags = CloneFlags::CLONE_NEWUSER
        | CloneFlags::CLONE_NEWNS
        | CloneFlags::CLONE_NEWPID
        | CloneFlags::CLONE_NEWNET
        | CloneFlags::CLONE_NEWIPC
        | CloneFlags::CLONE_NEWUTS;
    let init = match sys::fork_into(flags).map_err(LaunchError::Clone)? {
        Forked::Child => {
            drop(chan);
            init_main(plan, init_end)
        }
        Forked::Parent(pid) => pid,
    };
    drop(init_end);
    drop(plan);
    let outcome = supervise(policy, setup, init, &chan, &signals);
    if outcome.is_err() {
        let _ = nix::sys::signal::kill(init, Signal::SIGKILL);
        let _ = waitpid(init, None);
    }
    outcome
}

/// Settle what PID 1 will mount, opening every host path now.
fn plan<'a>(policy: &'a Policy, setup: &'a Setup) -> Result<Plan<'a>, LaunchError> {
    let mut mounts = Vec::new();
    if setup.image.is_none() {
        for p in &policy.system {
            match fs::read_link(p) {
                // merged /usr: /bin -> usr/bin, as on the host
                Ok(target) => mounts.push(Mount::Link(p.clone(), target)),
                Err(_) => mounts.push(Mount::Bind(open_source(p)?, false)),
            }
        }
    }
    mounts.push(Mount::Tmpfs(PathBuf::from("/tmp"), "mode=1777"));
    mounts.push(Mount::Tmpfs(PathBuf::from("/var/tmp"), "mode=1777"));
    mounts.push(Mount::Tmpfs(PathBuf::from("/run"), "mode=755"));
    mounts.push(Mount::Tmpfs(policy.home.clone(), "mode=700"));
    mounts.push(Mount::Bind(open_source(&policy.project)?, true));
    for b in &policy.binds {
        mounts.push(Mount::Bind(open_source(&b.path)?, b.writable));
    }
    for p in &policy.protected {
        mounts.push(Mount::Bind(open_source(p)?, false));
    }
    if let Some((features, _)) = &setup.pasta {
        let servers = pasta::nameservers(features);
        if !servers.is_empty() {
            let text: String = servers
                .iter()
                .map(|s| format!("nameserver {s}\n"))
                .collect();
            mounts.push(Mount::File(PathBuf::from("/etc/resolv.conf"), text));
        }
    }
    // Parents before children; the order given otherwise.
    mounts.sort_by_key(|m| m.target().components().count());
    Ok(Plan {
        policy,
        setup,
        mounts,
        uid: getuid().as_raw(),
        gid: getgid().as_raw(),
    })
}

/// Where a sandbox's pasta says it is ready, and its messages; removed when the sandbox ends
/// (after its pasta, declared before it).
struct PastaFiles {
    fifo: PathBuf,
    log: PathBuf,
}

impl Drop for PastaFiles {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.fifo);
        let _ = std::fs::remove_file(&self.log);
    }
}

/// The parent's part: map PID 1's ids, start pasta, then relay signals until it ends.
fn supervise(
    policy: &Policy,
    setup: &Setup,
    init: Pid,
    chan: &Channel,
    signals: &nix::sys::signalfd::SignalFd,
) -> Result<i32, LaunchError> {
    let map = match &setup.image {
        Some(image) => image.idmap.clone(),
        None => IdMap {
            user: String::new(),
            uids: vec![IdRange {
                inside: 0,
                outside: getuid().as_raw(),
                count: 1,
            }],
            gids: vec![IdRange {
                inside: 0,
                outside: getgid().as_raw(),
                count: 1,
            }],
        },
    };
    // In its cgroup before it does anything; its cgroup namespace is made there.
    let placed = match &policy.cgroup {
        Some(cg) => Some(
            crate::cgroups::place(cg, &format!("sandbox-{init}"), 0, init)
                .map_err(|e| LaunchError::Setup(e.to_string()))?,
        ),
        None => None,
    };
    let _cleanup = crate::cgroups::Cleanup(placed);
    map.apply(init)?;
    chan.send(&ToInit::Mapped)?;
    // pasta sets the network up while PID 1 builds the sandbox's root: PID 1 stays in its
    // namespaces (and joinable) until it is told to go.
    let files = setup.pasta.as_ref().map(|(features, dir)| {
        let files = PastaFiles {
            fifo: dir.join(format!("sandbox-{}.ready", init.as_raw())),
            log: dir.join(format!("sandbox-{}.log", init.as_raw())),
        };
        (features, files)
    });
    let pasta = match &files {
        Some((features, files)) => Some(Pasta::start(
            &PastaSpec {
                pid: init.as_raw(),
                ports: &[],
                fifo: &files.fifo,
                log: &files.log,
                features,
                host_loopback: policy.host_loopback,
            },
            None,
        )?),
        None => None,
    };
    match chan.recv::<FromInit>()? {
        Some(FromInit::Ready) => {}
        Some(FromInit::Failed { code, message }) => {
            let _ = waitpid(init, None);
            return Err(LaunchError::Start(StartFailure { code, message }));
        }
        None => return Err(LaunchError::Setup("it ended while being built".to_string())),
    }
    // The command starts once the namespace has its routes, as a container's does: a packet
    // it sends meanwhile waits in pasta's tap device, and pasta fills its pools beside it.
    let settling = pasta.map(|p| p.wait_routes(init.as_raw())).transpose()?;
    chan.send(&ToInit::Go)?;
    let pidfd = sys::pidfd_open(init).map_err(LaunchError::Clone)?;
    let _pasta = match settling.map(|s| s.finish(pidfd.as_fd())).transpose() {
        Ok(pasta) => pasta.flatten(),
        Err(e) => {
            eprintln!("nook sandbox: warning: the sandbox has no way out: {e}");
            None
        }
    };
    let deadline = policy.timeout.map(|t| Instant::now() + t);
    loop {
        let left = deadline.map(|d| d.saturating_duration_since(Instant::now()));
        if left.is_some_and(|l| l.is_zero()) {
            // PID 1 ends, and with it every process of the sandbox.
            let _ = sys::pidfd_send_signal(pidfd.as_fd(), Signal::SIGKILL);
            let _ = waitpid(init, None);
            eprintln!(
                "nook sandbox: stopped after {}s (--timeout)",
                policy.timeout.map_or(0, |t| t.as_secs())
            );
            return Ok(124);
        }
        let timeout = left.map_or(PollTimeout::NONE, |l| {
            PollTimeout::from(u16::try_from(l.as_millis().max(1)).unwrap_or(u16::MAX))
        });
        let mut fds = [
            PollFd::new(signals.as_fd(), PollFlags::POLLIN),
            PollFd::new(pidfd.as_fd(), PollFlags::POLLIN),
        ];
        match poll(&mut fds, timeout) {
            Err(nix::errno::Errno::EINTR) | Ok(0) => continue,
            Err(e) => return Err(LaunchError::Setup(format!("poll: {e}"))),
            Ok(_) => {}
        }
        let (sig_ready, ended) = (
            fds[0].revents().is_some_and(|r| !r.is_empty()),
            fds[1].revents().is_some_and(|r| !r.is_empty()),
        );
        if sig_ready {
            for sig in relay::pending(signals) {
                if sig != Signal::SIGWINCH {
                    let _ = sys::pidfd_send_signal(pidfd.as_fd(), sig);
                }
            }
        }
        if ended {
            // A program that could not be executed says so before PID 1 ends.
            if let Ok(Some(FromInit::Failed { code, message })) = chan.recv::<FromInit>() {
                let _ = waitpid(init, None);
                return Err(LaunchError::Start(StartFailure { code, message }));
            }
            return Ok(match waitpid(init, None) {
                Ok(WaitStatus::Exited(_, code)) => code,
                Ok(WaitStatus::Signaled(_, sig, _)) => 128 + sig as i32,
                _ => 125,
            });
        }
    }
}

/// PID 1. Never returns.
fn init_main(plan: Plan<'_>, chan: Channel) -> ! {
    let fail = |chan: &Channel, f: StartFailure| -> ! {
        let _ = chan.send(&FromInit::Failed {
            code: f.code,
            message: f.message,
        });
        sys::exit_now(f.code)
    };
    let _ = nix::sys::prctl::set_pdeathsig(Signal::SIGKILL);
    if !matches!(chan.recv::<ToInit>(), Ok(Some(ToInit::Mapped))) {
        sys::exit_now(125);
    }
    if let Err(e) = build(&plan) {
        fail(&chan, StartFailure::setup(e));
    }
    // pasta joins this user and network namespace now, before they are left and closed.
    if chan.send(&FromInit::Ready).is_err()
        || !matches!(chan.recv::<ToInit>(), Ok(Some(ToInit::Go)))
    {
        sys::exit_now(125);
    }
    if let Err(e) = lock_mounts(plan.uid, plan.gid) {
        fail(&chan, StartFailure::setup(e));
    }
    // The sandboxed command must not reach into PID 1 (/proc/1/exe, fd, root, mem).
    let _ = nix::sys::prctl::set_dumpable(false);
    let policy = plan.policy;
    let seccomp = plan.setup.seccomp.clone();
    drop(plan.mounts);
    // A relative program path is the project's, where the command runs.
    if let Err(e) = std::env::set_current_dir(&policy.project) {
        fail(
            &chan,
            StartFailure::setup(format!("cannot enter {}: {e}", policy.project.display())),
        );
    }
    let env = &policy.env;
    let exe = match process::find_executable(
        &policy.command[0],
        crate::runtime::launch::search_path(env),
    ) {
        Ok(e) => e,
        Err(f) => fail(&chan, f),
    };
    let writable = writable_paths(policy);
    let never = process::run_as_init(
        &exe,
        &policy.command,
        env,
        true,
        || confine(policy, &writable, &seccomp),
        || {},
    );
    match never {
        Err(f) => fail(&chan, f),
        Ok(never) => match never {},
    }
}

/// Build the tree under [`STAGING`] and make it the root.
fn build(plan: &Plan<'_>) -> Result<(), String> {
    use nix::mount::{MsFlags, mount};
    let e = |e: RootfsError| e.to_string();
    // A one-id map (host mode) denies setgroups; the user's full map (an image) does not.
    // Its cgroup (the leaf it was put in, or nook's own) is the root of what it sees.
    nix::sched::unshare(nix::sched::CloneFlags::CLONE_NEWCGROUP)
        .map_err(|err| format!("cannot make the cgroup namespace: {err}"))?;
    userns::become_root(plan.setup.image.is_none())
        .map_err(|err| format!("cannot become root of the sandbox's user namespace: {err}"))?;
    mount::<str, str, str, str>(None, "/", None, MsFlags::MS_REC | MsFlags::MS_PRIVATE, None)
        .map_err(|err| format!("cannot make mounts private: {err}"))?;
    // Before the staging tmpfs hides anything.
    let sources = plan
        .mounts
        .iter()
        .map(|m| match m {
            Mount::Bind(s, _) => s.reopen().map(Some),
            _ => Ok(None),
        })
        .collect::<Result<Vec<_>, _>>()?;
    // Layers too (the store may be under /tmp).
    let opened = plan
        .setup
        .image
        .iter()
        .flat_map(|image| &image.lowers)
        .map(|l| {
            nix::fcntl::open(
                l,
                OFlag::O_PATH | OFlag::O_DIRECTORY | OFlag::O_CLOEXEC,
                Mode::empty(),
            )
            .map_err(|err| format!("cannot open layer {}: {err}", l.display()))
        })
        .collect::<Result<Vec<OwnedFd>, _>>()?;
    let staging = Root::open(Path::new(STAGING)).map_err(|err| err.to_string())?;
    rootfs::mount_fs(
        "tmpfs",
        "mode=755",
        MountAttrs::default(),
        staging.fd(),
        STAGING,
    )
    .map_err(e)?;
    let root = Path::new(STAGING);
    if let Some(image) = &plan.setup.image {
        // The image, read-only in the end, over a writable layer kept in memory for the
        // mount points.
        let scratch = root.join(".image");
        fs::create_dir(&scratch).map_err(|err| err.to_string())?;
        let at = open_nofollow(&scratch).map_err(|err| err.to_string())?;
        rootfs::mount_fs(
            "tmpfs",
            "mode=700",
            MountAttrs::default(),
            at.as_fd(),
            ".image",
        )
        .map_err(e)?;
        let (upper, work, merged) = (scratch.join("u"), scratch.join("w"), scratch.join("m"));
        for d in [&upper, &work, &merged] {
            fs::create_dir(d).map_err(|err| err.to_string())?;
        }
        // Each layer bound read-only where fuse-overlayfs, which resolves its paths, finds it.
        let mut lowers = Vec::new();
        for (n, fd) in opened.iter().enumerate() {
            let at = scratch.join(format!("l{n}"));
            fs::create_dir(&at).map_err(|err| err.to_string())?;
            let at_fd = open_nofollow(&at).map_err(|err| err.to_string())?;
            sys::bind_tree(fd.as_fd(), at_fd.as_fd(), READ_ONLY, true)
                .map_err(|err| format!("cannot show layer {}: {err}", at.display()))?;
            lowers.push(at);
        }
        let layers = Layers {
            lowers: &lowers,
            upper: &upper,
            work: &work,
            volatile: true,
        };
        match image.driver {
            Driver::Overlay => rootfs::mount_overlay(&layers, &merged).map_err(e)?,
            // The daemon dies with PID 1.
            Driver::FuseOverlayfs => {
                std::mem::forget(
                    rootfs::mount_fuse_overlay(&layers, &merged, &scratch.join("fuse.log"))
                        .map_err(e)?,
                );
            }
        }
        return finish_tree(plan, &sources, &merged);
    }
    finish_tree(plan, &sources, root)
}

const READ_ONLY: MountAttrs = MountAttrs {
    read_only: true,
    nosuid: true,
    nodev: true,
    noexec: false,
};

/// Put the plan's mounts and the kernel's filesystems under `root`, and pivot into it.
fn finish_tree(plan: &Plan<'_>, sources: &[Option<OwnedFd>], root: &Path) -> Result<(), String> {
    let e = |e: RootfsError| e.to_string();
    let root = Root::open(root).map_err(|err| err.to_string())?;
    for (m, fd) in plan.mounts.iter().zip(sources) {
        let shown = m.target().to_string_lossy();
        match m {
            Mount::Link(_, to) => {
                let (parent, name) = split(m.target());
                let dir = root
                    .open_path(parent, Create::Dir)
                    .map_err(|err| err.to_string())?;
                match nix::unistd::symlinkat(to.as_path(), &dir, name) {
                    Ok(()) | Err(nix::errno::Errno::EEXIST) => {}
                    Err(err) => return Err(format!("cannot make {shown}: {err}")),
                }
            }
            Mount::Tmpfs(_, mode) => {
                let at = root
                    .open_path(&shown, Create::Dir)
                    .map_err(|err| err.to_string())?;
                let attrs = MountAttrs {
                    noexec: false,
                    ..MountAttrs::SAFE
                };
                rootfs::mount_fs("tmpfs", mode, attrs, at.as_fd(), &shown).map_err(e)?;
            }
            Mount::Bind(_, writable) => {
                let Some(fd) = fd else { continue };
                let create = match confine::is_dir(fd.as_fd()) {
                    true => Create::Dir,
                    false => Create::File,
                };
                // The mount point is found inside the tree being built, whatever a process of
                // the host writing in a project shown here has put on the way.
                let at = root
                    .open_path(&shown, create)
                    .map_err(|err| err.to_string())?;
                let attrs = match writable {
                    true => MountAttrs {
                        read_only: false,
                        ..READ_ONLY
                    },
                    false => READ_ONLY,
                };
                sys::bind_tree(fd.as_fd(), at.as_fd(), attrs, true)
                    .map_err(|err| format!("cannot show {shown}: {err}"))?;
            }
            Mount::File(_, contents) => {
                let file = root_file(&root, m.target(), contents)?;
                let at = root
                    .open_path(&shown, Create::File)
                    .map_err(|err| err.to_string())?;
                sys::bind_tree(file.as_fd(), at.as_fd(), READ_ONLY, false)
                    .map_err(|err| format!("cannot mount {shown}: {err}"))?;
            }
        }
    }
    rootfs::mount_kernel_filesystems(&root, None, false).map_err(e)?;
    rootfs::mask_kernel_paths(&root).map_err(e)?;
    // The root itself holds only mount points: read-only.
    sys::set_mount_attrs(root.fd(), READ_ONLY, false)
        .map_err(|err| format!("cannot make the sandbox's root read-only: {err}"))?;
    rootfs::pivot(&root).map_err(e)
}

/// A path's parent directory and last name (`/a/b`: `/a`, `b`).
fn split(path: &Path) -> (&str, &str) {
    let parent = path.parent().and_then(Path::to_str).unwrap_or("/");
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
    (parent, name)
}

/// A file of ours holding `contents`, made at the top of the tree (`.NAME`) to bind over
/// the path `target` names.
fn root_file(root: &Root, target: &Path, contents: &str) -> Result<OwnedFd, String> {
    let name = format!(
        ".{}",
        target.file_name().unwrap_or_default().to_string_lossy()
    );
    let fd = nix::fcntl::openat(
        root.fd(),
        name.as_str(),
        OFlag::O_WRONLY | OFlag::O_CREAT | OFlag::O_EXCL | OFlag::O_NOFOLLOW | OFlag::O_CLOEXEC,
        Mode::from_bits_truncate(0o644),
    )
    .map_err(|err| format!("cannot make {name}: {err}"))?;
    let mut file = fs::File::from(fd);
    std::io::Write::write_all(&mut file, contents.as_bytes())
        .map_err(|err| format!("cannot write {name}: {err}"))?;
    Ok(OwnedFd::from(file))
}

/// Enter a second user namespace, as the user's own ids, with a mount namespace of its own:
/// its mounts are copies made for a less privileged namespace, which the kernel locks, so
/// nothing (not even this process) can unmount one to see what lies beneath.
fn lock_mounts(uid: u32, gid: u32) -> Result<(), String> {
    nix::sched::unshare(CloneFlags::CLONE_NEWUSER | CloneFlags::CLONE_NEWNS)
        .map_err(|err| format!("cannot make the inner user namespace: {err}"))?;
    let write = |file: &str, text: String| {
        fs::write(format!("/proc/self/{file}"), text)
            .map_err(|err| format!("cannot write /proc/self/{file}: {err}"))
    };
    write("uid_map", format!("{uid} 0 1\n"))?;
    write("setgroups", "deny\n".to_string())?;
    write("gid_map", format!("{gid} 0 1\n"))?;
    Ok(())
}

/// Paths the command may write beneath (for Landlock).
fn writable_paths(policy: &Policy) -> Vec<PathBuf> {
    let mut out = vec![
        policy.project.clone(),
        policy.home.clone(),
        PathBuf::from("/tmp"),
        PathBuf::from("/var/tmp"),
        PathBuf::from("/dev"),
    ];
    out.extend(
        policy
            .binds
            .iter()
            .filter(|b| b.writable)
            .map(|b| b.path.clone()),
    );
    out
}

/// The command's last steps before execve: every wall that is not a namespace.
fn confine(policy: &Policy, writable: &[PathBuf], seccomp: &[Program]) -> Result<(), StartFailure> {
    let setup = |what: &str| {
        let what = what.to_string();
        move |e: String| StartFailure::setup(format!("{what}: {e}"))
    };
    // No terminal: TIOCSTI and the like need a controlling one.
    setsid().map_err(|e| StartFailure::setup(format!("setsid: {e}")))?;
    // With a cgroup, the limits are its; rlimits otherwise.
    if let Some(n) = policy.pids_limit.filter(|_| policy.cgroup.is_none()) {
        setrlimit(Resource::RLIMIT_NPROC, n, n)
            .map_err(|e| StartFailure::setup(format!("RLIMIT_NPROC: {e}")))?;
    }
    if let Some(m) = policy.memory.filter(|_| policy.cgroup.is_none()) {
        setrlimit(Resource::RLIMIT_AS, m, m)
            .map_err(|e| StartFailure::setup(format!("RLIMIT_AS: {e}")))?;
    }
    sys::cloexec_from(3).map_err(|e| StartFailure::setup(format!("close_range: {e}")))?;
    // Landlock needs no_new_privs first (or capabilities this process is about to lose).
    nix::sys::prctl::set_no_new_privs()
        .map_err(|e| StartFailure::setup(format!("no_new_privs: {e}")))?;
    landlock(writable).map_err(setup("landlock"))?;
    let none = Default::default();
    caps::limit_bounding(&none).map_err(|e| StartFailure::setup(e.to_string()))?;
    caps::set_for_root(&none).map_err(|e| StartFailure::setup(e.to_string()))?;
    seccomp::install(seccomp).map_err(|e| StartFailure::setup(e.to_string()))
}

/// Landlock's rules, best effort for this kernel: reading anything the sandbox shows (its
/// mount namespace decides what that is), writing only beneath `writable` and the open
/// standard streams; with ABI 6, no signals to processes outside and no abstract sockets of
/// theirs.
fn landlock(writable: &[PathBuf]) -> Result<(), String> {
    use landlock::{
        ABI, Access, AccessFs, PathBeneath, PathFd, Ruleset, RulesetAttr, RulesetCreatedAttr, Scope,
    };
    let abi = ABI::V6;
    let e = |err: landlock::RulesetError| err.to_string();
    let mut ruleset = Ruleset::default()
        .handle_access(AccessFs::from_all(abi))
        .map_err(e)?
        .scope(Scope::from_all(abi))
        .map_err(e)?
        .create()
        .map_err(e)?;
    ruleset = ruleset
        .add_rule(PathBeneath::new(
            PathFd::new("/").map_err(|err| err.to_string())?,
            AccessFs::from_read(abi),
        ))
        .map_err(e)?;
    for p in writable {
        if let Ok(fd) = PathFd::new(p) {
            ruleset = ruleset
                .add_rule(PathBeneath::new(fd, AccessFs::from_all(abi)))
                .map_err(e)?;
        }
    }
    // The terminal or files the standard streams are, which programs reopen as /dev/stdout
    // (pipes need no rule).
    for fd in 0..3 {
        let link = format!("/proc/self/fd/{fd}");
        let shown = fs::metadata(&link).is_ok_and(|m| {
            use std::os::unix::fs::FileTypeExt;
            m.file_type().is_file() || m.file_type().is_char_device()
        });
        if shown && let Ok(file) = PathFd::new(&link) {
            ruleset = ruleset
                .add_rule(PathBeneath::new(file, AccessFs::from_file(abi)))
                .map_err(e)?;
        }
    }
    ruleset.restrict_self().map_err(e)?;
    Ok(())
}
