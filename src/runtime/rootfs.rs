//! The container's filesystem: the overlay of image layers plus a writable layer, then the
//! kernel filesystems and device nodes a program expects, the paths podman masks or makes
//! read-only, and finally `pivot_root` into it. Everything here runs as root of the
//! container's user namespace, inside its mount namespace.

use std::ffi::CString;
use std::fs::{self, OpenOptions};
use std::io;
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use nix::errno::Errno;
use nix::fcntl::{AtFlags, OFlag, openat, readlinkat};
use nix::mount::{MntFlags, MsFlags, mount, umount2};
use nix::sched::CloneFlags;
use nix::sys::stat::{Mode, SFlag, fstat, mkdirat};
use nix::unistd::{AccessFlags, access, chdir, pivot_root};
use serde::{Deserialize, Serialize};

use super::confine::{self, ConfineError, Create, Root};
use super::launch::{MountKind, MountSpec};
use crate::sys::{self, FsContext, MountAttrs};

#[derive(Debug, thiserror::Error)]
pub enum RootfsError {
    #[error(
        "the kernel refused the overlay mount of the container's filesystem: {0}\n  \
         Fix: use fuse-overlayfs (--storage-driver fuse-overlayfs, or driver = \"fuse-overlayfs\" \
         under [storage] in ~/.config/nook/config.toml)"
    )]
    Overlay(String),
    #[error(
        "fuse-overlayfs is not installed, and the fuse-overlayfs storage driver needs it.\n  \
         Fix: sudo apt install fuse-overlayfs (or choose --storage-driver overlay)"
    )]
    FuseMissing,
    #[error(
        "/dev/fuse cannot be opened by your user ({0}), so fuse-overlayfs cannot run.\n  \
         Fix: sudo chmod 666 /dev/fuse (it is world-writable on most distributions), \
         or use --storage-driver overlay"
    )]
    FuseDevice(Errno),
    #[error("fuse-overlayfs failed to mount the container's filesystem: {0}")]
    FuseFailed(String),
    #[error("cannot mount {what} on {target}: {source}")]
    Mount {
        what: String,
        target: String,
        source: Errno,
    },
    #[error(transparent)]
    Confine(#[from] ConfineError),
    #[error("cannot prepare {path} in the container: {source}")]
    Prepare { path: PathBuf, source: io::Error },
    #[error("cannot switch to the container's root filesystem (pivot_root): {0}")]
    Pivot(Errno),
    #[error("cannot lock the container's mounts: {0}")]
    Lock(String),
    #[error("cannot set sysctl {key}={value}: {source}")]
    Sysctl {
        key: String,
        value: String,
        source: io::Error,
    },
}

/// How the layers are stacked.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "kebab-case")]
pub enum Driver {
    /// Kernel overlayfs, mounted inside the user namespace.
    Overlay,
    /// fuse-overlayfs, for kernels or filesystems where that is not possible.
    FuseOverlayfs,
}

impl Driver {
    pub fn as_str(self) -> &'static str {
        match self {
            Driver::Overlay => "overlay",
            Driver::FuseOverlayfs => "fuse-overlayfs",
        }
    }
}

/// The directories of one overlay: lower layers topmost first.
pub struct Layers<'a> {
    pub lowers: &'a [PathBuf],
    pub upper: &'a Path,
    pub work: &'a Path,
    /// The upper directory is scratch, thrown away after: overlayfs's `volatile`, so that
    /// unmounting writes nothing back (it would `syncfs` the whole filesystem the store is on).
    pub volatile: bool,
}

fn cstring(p: &Path) -> CString {
    CString::new(p.as_os_str().as_bytes()).expect("paths have no NUL bytes")
}

fn mount_err(what: &str, target: &str) -> impl FnOnce(Errno) -> RootfsError {
    let (what, target) = (what.to_string(), target.to_string());
    move |source| RootfsError::Mount {
        what,
        target,
        source,
    }
}

/// Is the running kernel at least `major.minor`? (`true` when it cannot be told.)
pub fn kernel_at_least(major: u32, minor: u32) -> bool {
    let release = fs::read_to_string("/proc/sys/kernel/osrelease").unwrap_or_default();
    let mut parts = release
        .trim()
        .split(|c: char| !c.is_ascii_digit())
        .map(|n| n.parse::<u32>().ok());
    match (parts.next().flatten(), parts.next().flatten()) {
        (Some(a), Some(b)) => (a, b) >= (major, minor),
        _ => true,
    }
}

/// The deepest directory all of `paths` are beneath.
fn common_base<'p>(paths: impl Iterator<Item = &'p Path>) -> PathBuf {
    let mut base: Option<PathBuf> = None;
    for p in paths {
        base = Some(match base {
            None => p.parent().unwrap_or(p).to_path_buf(),
            Some(b) => b
                .components()
                .zip(p.components())
                .take_while(|(x, y)| x == y)
                .map(|(x, _)| x)
                .collect(),
        });
    }
    base.unwrap_or_else(|| PathBuf::from("/"))
}

/// The layers with each one once, where it is topmost: an image may hold the same layer twice
/// (two steps that made the same files), and overlayfs refuses a directory stacked twice.
/// Dropping the lower copy changes nothing: the upper one hides all it holds.
fn distinct(lowers: &[PathBuf]) -> Vec<&Path> {
    let mut seen = std::collections::HashSet::new();
    lowers
        .iter()
        .map(PathBuf::as_path)
        .filter(|p| seen.insert(*p))
        .collect()
}

/// Mount the layers with the kernel's overlayfs at `target`. The layers are named relative
/// to the directory they share (the store), entered for the mount, so that the container's
/// mountinfo shows no path of the host (your home, your name).
pub fn mount_overlay(layers: &Layers<'_>, target: &Path) -> Result<(), RootfsError> {
    mount_overlay_with(layers, target, None)
}

/// [`mount_overlay`] with the writable layer in directory `dir` (its `upper` and `work`),
/// which may be renamed meanwhile: it is found through its descriptor. Kernels with the new
/// mount API's `lowerdir+` only (6.8); an error on others.
pub fn mount_overlay_in(
    lowers: &[PathBuf],
    dir: BorrowedFd<'_>,
    volatile: bool,
    target: &Path,
) -> Result<(), RootfsError> {
    if !kernel_at_least(6, 8) {
        return Err(RootfsError::Overlay(
            "a writable layer by descriptor needs Linux 6.8".to_string(),
        ));
    }
    let layers = Layers {
        lowers,
        upper: Path::new("upper"),
        work: Path::new("work"),
        volatile,
    };
    mount_overlay_with(&layers, target, Some(dir))
}

/// [`mount_overlay`], with `upper` and `work` relative to `upper_dir` if given.
fn mount_overlay_with(
    layers: &Layers<'_>,
    target: &Path,
    upper_dir: Option<BorrowedFd<'_>>,
) -> Result<(), RootfsError> {
    let lowers = distinct(layers.lowers);
    let writable = match upper_dir {
        None => vec![layers.upper, layers.work],
        Some(_) => Vec::new(),
    };
    let base = common_base(lowers.iter().copied().chain(writable));
    let rel = |p: &Path| -> PathBuf {
        match p.strip_prefix(&base) {
            Ok(r) if !r.as_os_str().is_empty() => r.to_path_buf(),
            _ => p.to_path_buf(),
        }
    };
    let relative = Layers {
        lowers: &lowers.iter().map(|p| rel(p)).collect::<Vec<_>>(),
        upper: &rel(layers.upper),
        work: &rel(layers.work),
        volatile: layers.volatile,
    };
    let at = nix::fcntl::open(
        target,
        OFlag::O_PATH | OFlag::O_DIRECTORY | OFlag::O_CLOEXEC,
        Mode::empty(),
    )
    .map_err(|e| RootfsError::Prepare {
        path: target.to_path_buf(),
        source: e.into(),
    })?;
    let back = nix::fcntl::open(
        ".",
        OFlag::O_PATH | OFlag::O_DIRECTORY | OFlag::O_CLOEXEC,
        Mode::empty(),
    );
    chdir(&base).map_err(|e| RootfsError::Prepare {
        path: base.clone(),
        source: e.into(),
    })?;
    let mounted = match upper_dir {
        None => mount_overlay_here(&relative, at.as_fd()),
        Some(dir) => mount_overlay_fsconfig(&relative, at.as_fd(), Some(dir))
            .map_err(|e| RootfsError::Overlay(e.desc().to_string())),
    };
    if let Ok(back) = back {
        let _ = nix::unistd::fchdir(&back);
    }
    mounted
}

fn mount_overlay_here(layers: &Layers<'_>, target: BorrowedFd<'_>) -> Result<(), RootfsError> {
    // The new mount API takes one lower layer per call, so any number of layers fits. Only
    // asked of kernels that may have `lowerdir+` (6.8): others would log each refusal.
    if kernel_at_least(6, 8) {
        match mount_overlay_fsconfig(layers, target, None) {
            Ok(()) => return Ok(()),
            Err(Errno::EINVAL) | Err(Errno::ENOSYS) => {} // a backport without `lowerdir+`
            Err(e) => return Err(RootfsError::Overlay(e.desc().to_string())),
        }
    }
    let escape = |p: &Path| {
        p.to_string_lossy()
            .replace('\\', "\\\\")
            .replace(':', "\\:")
            .replace(',', "\\,")
    };
    let lowers: Vec<String> = layers.lowers.iter().map(|p| escape(p)).collect();
    let data = format!(
        "lowerdir={},upperdir={},workdir={},userxattr{}",
        lowers.join(":"),
        escape(layers.upper),
        escape(layers.work),
        if layers.volatile { ",volatile" } else { "" }
    );
    mount(
        Some("overlay"),
        format!("/proc/self/fd/{}", std::os::fd::AsRawFd::as_raw_fd(&target)).as_str(),
        Some("overlay"),
        MsFlags::empty(),
        Some(data.as_str()),
    )
    .map_err(|e| RootfsError::Overlay(e.desc().to_string()))
}

/// The lower layers are looked up as they are given (from the current directory), the
/// writable ones from `upper_dir` if given: each path is looked up as it is set.
fn mount_overlay_fsconfig(
    layers: &Layers<'_>,
    target: BorrowedFd<'_>,
    upper_dir: Option<BorrowedFd<'_>>,
) -> Result<(), Errno> {
    let errno = |e: sys::SysError| match e {
        sys::SysError::Errno(e) => e,
        _ => Errno::EINVAL,
    };
    let fc = FsContext::open(c"overlay").map_err(errno)?;
    for lower in layers.lowers {
        fc.set_string(c"lowerdir+", &cstring(lower))
            .map_err(errno)?;
    }
    if let Some(dir) = upper_dir {
        nix::unistd::fchdir(dir)?;
    }
    fc.set_string(c"upperdir", &cstring(layers.upper))
        .map_err(errno)?;
    fc.set_string(c"workdir", &cstring(layers.work))
        .map_err(errno)?;
    fc.set_flag(c"userxattr").map_err(errno)?;
    if layers.volatile {
        fc.set_flag(c"volatile").map_err(errno)?;
    }
    fc.mount_on(target, MountAttrs::default()).map_err(errno)
}

/// A fuse-overlayfs mount, served by a child process that dies with its parent.
pub struct FuseMount {
    child: std::process::Child,
    target: PathBuf,
}

impl FuseMount {
    /// Unmount (which writes back what the kernel still caches) and end the daemon.
    pub fn unmount(mut self) {
        if umount2(&self.target, MntFlags::empty()).is_err() {
            let _ = umount2(&self.target, MntFlags::MNT_DETACH);
        }
        // The daemon ends by itself once its mount is gone; a stuck one is killed.
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(2);
        while matches!(self.child.try_wait(), Ok(None)) && std::time::Instant::now() < deadline {
            std::thread::sleep(std::time::Duration::from_millis(1));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Mount the layers with fuse-overlayfs at `target`. It runs inside the user namespace, as
/// its root, so no id options are needed. It stays in the foreground as our child, killed
/// when we die (however we die), so no daemon outlives its container. Its messages go to `log`.
pub fn mount_fuse_overlay(
    layers: &Layers<'_>,
    target: &Path,
    log: &Path,
) -> Result<FuseMount, RootfsError> {
    access("/dev/fuse", AccessFlags::R_OK | AccessFlags::W_OK).map_err(RootfsError::FuseDevice)?;
    let lowers: Vec<String> = distinct(layers.lowers)
        .iter()
        .map(|p| p.to_string_lossy().replace(':', "\\:").replace(',', "\\,"))
        .collect();
    let opts = format!(
        "lowerdir={},upperdir={},workdir={}",
        lowers.join(":"),
        layers.upper.to_string_lossy().replace(',', "\\,"),
        layers.work.to_string_lossy().replace(',', "\\,")
    );
    let log_file = OpenOptions::new()
        .create(true)
        .append(true)
        .open(log)
        .map_err(|source| RootfsError::Prepare {
            path: log.to_path_buf(),
            source,
        })?;
    let unmounted =
        fs::metadata(target)
            .map(|m| m.dev())
            .map_err(|source| RootfsError::Prepare {
                path: target.to_path_buf(),
                source,
            })?;
    let mut cmd = Command::new("fuse-overlayfs");
    cmd.arg("-f")
        .arg("-o")
        .arg(&opts)
        .arg(target)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(log_file);
    sys::clean_child(&mut cmd, true);
    let mut child = cmd.spawn().map_err(|e| match e.kind() {
        io::ErrorKind::NotFound => RootfsError::FuseMissing,
        _ => RootfsError::FuseFailed(e.to_string()),
    })?;
    // Mounted once the target is another filesystem.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        if fs::metadata(target).is_ok_and(|m| m.dev() != unmounted) {
            return Ok(FuseMount {
                child,
                target: target.to_path_buf(),
            });
        }
        let failed = match child.try_wait() {
            Ok(Some(status)) => Some(status.to_string()),
            Ok(None) if std::time::Instant::now() > deadline => {
                let _ = child.kill();
                let _ = child.wait();
                Some("it did not mount within 10 seconds".to_string())
            }
            Ok(None) => None,
            Err(e) => Some(e.to_string()),
        };
        if let Some(why) = failed {
            let text = fs::read_to_string(log).unwrap_or_default();
            return Err(RootfsError::FuseFailed(format!("{why}: {}", text.trim())));
        }
        std::thread::sleep(std::time::Duration::from_micros(500));
    }
}

/// Can the kernel mount overlayfs (with whiteouts) in a user namespace on this filesystem?
/// Runs as root of a fresh user and mount namespace; scratch dirs are made under `dir`.
pub fn probe_overlay(dir: &Path) -> Result<(), String> {
    let result = (|| {
        let (lower, lower2) = (dir.join("l1"), dir.join("l2"));
        let (upper, work, merged) = (dir.join("u"), dir.join("w"), dir.join("m"));
        for d in [&lower, &lower2, &upper, &work, &merged] {
            fs::create_dir_all(d).map_err(|e| format!("cannot create {}: {e}", d.display()))?;
        }
        fs::write(lower.join("hidden"), b"x").map_err(|e| e.to_string())?;
        nix::sys::stat::mknod(
            &lower2.join("hidden"),
            nix::sys::stat::SFlag::S_IFCHR,
            nix::sys::stat::Mode::empty(),
            0,
        )
        .map_err(|e| format!("cannot create a whiteout: {e}"))?;
        mount::<str, str, str, str>(None, "/", None, MsFlags::MS_REC | MsFlags::MS_PRIVATE, None)
            .map_err(|e| format!("cannot make mounts private: {e}"))?;
        let lowers = [lower2.clone(), lower.clone()];
        let layers = Layers {
            lowers: &lowers,
            upper: &upper,
            work: &work,
            // As scratch mounts are (and so, that the kernel takes it).
            volatile: true,
        };
        mount_overlay(&layers, &merged).map_err(|e| match e {
            RootfsError::Overlay(s) => s,
            e => e.to_string(),
        })?;
        let hidden = merged.join("hidden").exists();
        let wrote = fs::write(merged.join("new"), b"y").is_ok() && upper.join("new").exists();
        let _ = umount2(&merged, MntFlags::MNT_DETACH);
        match (hidden, wrote) {
            (false, true) => Ok(()),
            (true, _) => Err("whiteouts are not honoured".to_string()),
            (_, false) => Err("writes do not reach the upper layer".to_string()),
        }
    })();
    let _ = fs::remove_dir_all(dir);
    result
}

// ---- the rest of the container's filesystem (run in the container's mount namespace) ----
//
// Every container path is resolved inside the root by `confine` (the image is hostile) and
// every mount lands on the descriptor it found.

/// Paths podman hides from containers.
pub const MASKED_PATHS: &[&str] = &[
    "/proc/acpi",
    "/proc/kcore",
    "/proc/keys",
    "/proc/latency_stats",
    "/proc/sched_debug",
    "/proc/scsi",
    "/proc/timer_list",
    "/proc/timer_stats",
    "/sys/dev/block",
    "/sys/devices/virtual/powercap",
    "/sys/firmware",
    "/sys/fs/selinux",
];

/// Paths podman makes read-only in containers.
pub const READONLY_PATHS: &[&str] = &[
    "/proc/asound",
    "/proc/bus",
    "/proc/fs",
    "/proc/irq",
    "/proc/sys",
    "/proc/sysrq-trigger",
];

/// What the container's filesystem needs besides the overlay.
pub struct FsSetup<'a> {
    pub rootfs: &'a Path,
    pub read_only: bool,
    pub read_only_tmpfs: bool,
    pub mounts: &'a [MountSpec],
    /// Hide and protect podman's kernel paths.
    pub masked_paths: bool,
    /// The size of /dev/shm in bytes (default 64 MiB, docker's).
    pub shm_size: Option<u64>,
    /// `--sysctl`: kernel settings of the container's own namespaces (checked by the caller
    /// to be namespaced ones), set before /proc/sys is made read-only.
    pub sysctls: &'a [(String, String)],
    /// The container shares the host's pid namespace: /proc is the host's, bound in.
    pub host_pid: bool,
}

/// A fresh filesystem of `fstype` with `options` (`key=value,flag,...`) on `target` (shown in
/// errors as `shown`).
pub(crate) fn mount_fs(
    fstype: &str,
    options: &str,
    attrs: MountAttrs,
    target: BorrowedFd<'_>,
    shown: &str,
) -> Result<(), RootfsError> {
    let fail = |e: sys::SysError| RootfsError::Mount {
        what: fstype.to_string(),
        target: shown.to_string(),
        source: match e {
            sys::SysError::Errno(e) => e,
            _ => Errno::EINVAL,
        },
    };
    let cstr = |s: &str| CString::new(s).map_err(|_| fail(sys::SysError::Errno(Errno::EINVAL)));
    let fc = FsContext::open(&cstr(fstype)?).map_err(fail)?;
    for option in options.split(',').filter(|o| !o.is_empty()) {
        match option.split_once('=') {
            Some((k, v)) => fc.set_string(&cstr(k)?, &cstr(v)?),
            None => fc.set_flag(&cstr(option)?),
        }
        .map_err(fail)?;
    }
    fc.mount_on(target, attrs).map_err(fail)
}

/// Write `value` to the container's `/proc/sys/KEY` (dots or slashes between its parts).
fn set_sysctl(rootfs: &Path, key: &str, value: &str) -> Result<(), RootfsError> {
    let parts: Vec<&str> = key.split(['.', '/']).collect();
    let sane = |p: &&str| {
        !p.is_empty()
            && *p != ".."
            && p.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
    };
    let path = rootfs.join("proc/sys").join(parts.join("/"));
    let failed = |source: io::Error| RootfsError::Sysctl {
        key: key.to_string(),
        value: value.to_string(),
        source,
    };
    if !parts.iter().all(sane) {
        return Err(failed(io::Error::from(io::ErrorKind::InvalidInput)));
    }
    use std::os::unix::fs::OpenOptionsExt;
    OpenOptions::new()
        .write(true)
        .custom_flags(libc::O_NOFOLLOW)
        .open(&path)
        .and_then(|mut f| io::Write::write_all(&mut f, value.as_bytes()))
        .map_err(failed)
}

/// Bind `source` (a tree with what is mounted beneath it) onto `target`, with `attrs`.
fn bind(
    source: BorrowedFd<'_>,
    target: BorrowedFd<'_>,
    attrs: MountAttrs,
    what: &str,
    shown: &str,
) -> Result<(), RootfsError> {
    sys::bind_tree(source, target, attrs, true).map_err(mount_err(what, shown))
}

/// Open a path of the host's (trusted) as a source to bind.
fn host_source(path: &Path) -> Result<OwnedFd, RootfsError> {
    nix::fcntl::open(path, OFlag::O_PATH | OFlag::O_CLOEXEC, Mode::empty()).map_err(|e| {
        RootfsError::Prepare {
            path: path.to_path_buf(),
            source: e.into(),
        }
    })
}

/// Mount /proc, /dev, /sys and the rest into the container's root, then mask and protect
/// what podman does. Must run in the container's pid namespace (for /proc).
pub fn prepare(setup: &FsSetup<'_>) -> Result<Root, RootfsError> {
    let root = Root::open(setup.rootfs)?;
    mount_kernel_filesystems(&root, setup.shm_size, setup.host_pid)?;
    for (key, value) in setup.sysctls {
        set_sysctl(setup.rootfs, key, value)?;
    }
    // The writable tmpfs of a read-only container go first: mounts of its own beneath them
    // (a project under /tmp, a socket under /run) are then not hidden.
    if setup.read_only && setup.read_only_tmpfs {
        for (path, mode) in [("/tmp", "1777"), ("/var/tmp", "1777"), ("/run", "755")] {
            let at = root.open_path(path, Create::Dir)?;
            let attrs = MountAttrs {
                noexec: false,
                ..MountAttrs::SAFE
            };
            mount_fs("tmpfs", &format!("mode={mode}"), attrs, at.as_fd(), path)?;
        }
    }
    apply_mounts(&root, setup.mounts)?;
    if setup.masked_paths {
        mask_kernel_paths(&root)?;
    }
    if setup.read_only {
        let read_only = MountAttrs {
            read_only: true,
            ..MountAttrs::default()
        };
        sys::set_mount_attrs(root.fd(), read_only, false)
            .map_err(mount_err("read-only", "the root filesystem"))?;
    }
    Ok(root)
}

/// A /dev of harmless devices (bound from the host's: a user namespace cannot make device
/// nodes), its links, a private devpts, shm and mqueue.
pub(crate) fn prepare_dev(root: &Root, shm_size: Option<u64>) -> Result<(), RootfsError> {
    let at = root.open_path("/dev", Create::Dir)?;
    let attrs = MountAttrs {
        noexec: false,
        ..MountAttrs::SAFE
    };
    mount_fs("tmpfs", "mode=755,size=65536k", attrs, at.as_fd(), "/dev")?;
    // The fresh tmpfs, as nothing but this process has seen it yet.
    let dev = root.open_path("/dev", Create::Nothing)?;
    let made = |name: &str| {
        let path = format!("/dev/{name}");
        move |e: Errno| RootfsError::Prepare {
            path: PathBuf::from(path),
            source: e.into(),
        }
    };
    for name in ["null", "zero", "full", "tty", "random", "urandom"] {
        openat(
            &dev,
            name,
            OFlag::O_CREAT | OFlag::O_EXCL | OFlag::O_WRONLY | OFlag::O_NOFOLLOW | OFlag::O_CLOEXEC,
            Mode::from_bits_truncate(0o666),
        )
        .map_err(made(name))?;
        let node = openat(
            &dev,
            name,
            OFlag::O_PATH | OFlag::O_NOFOLLOW | OFlag::O_CLOEXEC,
            Mode::empty(),
        )
        .map_err(made(name))?;
        let host = Path::new("/dev").join(name);
        let source = host_source(&host)?;
        sys::bind_tree(source.as_fd(), node.as_fd(), MountAttrs::default(), false)
            .map_err(mount_err(&host.to_string_lossy(), &format!("/dev/{name}")))?;
    }
    for (name, target) in [
        ("fd", "/proc/self/fd"),
        ("stdin", "/proc/self/fd/0"),
        ("stdout", "/proc/self/fd/1"),
        ("stderr", "/proc/self/fd/2"),
        ("core", "/proc/kcore"),
        ("ptmx", "pts/ptmx"),
    ] {
        nix::unistd::symlinkat(target, &dev, name).map_err(made(name))?;
    }
    let dir = |name: &str| -> Result<OwnedFd, RootfsError> {
        mkdirat(&dev, name, Mode::from_bits_truncate(0o755)).map_err(made(name))?;
        openat(
            &dev,
            name,
            OFlag::O_PATH | OFlag::O_NOFOLLOW | OFlag::O_DIRECTORY | OFlag::O_CLOEXEC,
            Mode::empty(),
        )
        .map_err(made(name))
    };
    // Terminals belong to group tty (5) where it is mapped; not with a single-id map (a
    // refused option would also be logged by the kernel).
    let options = match gid_mapped(5) {
        true => "newinstance,ptmxmode=0666,mode=0620,gid=5",
        false => "newinstance,ptmxmode=0666,mode=0620",
    };
    let pts_attrs = MountAttrs {
        nodev: false,
        ..MountAttrs::SAFE
    };
    mount_fs(
        "devpts",
        options,
        pts_attrs,
        dir("pts")?.as_fd(),
        "/dev/pts",
    )?;
    let shm = dir("shm")?;
    let size = shm_size.unwrap_or(64 << 20);
    mount_fs(
        "tmpfs",
        &format!("mode=1777,size={size}"),
        MountAttrs::SAFE,
        shm.as_fd(),
        "/dev/shm",
    )?;
    mount_fs(
        "mqueue",
        "",
        MountAttrs::SAFE,
        dir("mqueue")?.as_fd(),
        "/dev/mqueue",
    )?;
    Ok(())
}

/// Bind mounts, volumes and tmpfs, parents before children.
fn apply_mounts(root: &Root, mounts: &[MountSpec]) -> Result<(), RootfsError> {
    let mut sorted: Vec<&MountSpec> = mounts.iter().collect();
    sorted.sort_by_key(|m| m.target.trim_end_matches('/').matches('/').count());
    for m in sorted {
        let shown = m.target.as_str();
        match &m.kind {
            MountKind::Bind {
                source, copy_up, ..
            } => {
                let src = host_source(source)?;
                let target = if confine::is_dir(src.as_fd()) {
                    if *copy_up {
                        copy_up_into(root, shown, source)?;
                    }
                    root.open_path(shown, Create::Dir)?
                } else {
                    root.open_path(shown, Create::File)?
                };
                if confine::is_dir(src.as_fd()) != confine::is_dir(target.as_fd()) {
                    return Err(RootfsError::Mount {
                        what: source.to_string_lossy().into_owned(),
                        target: shown.to_string(),
                        source: Errno::ENOTDIR,
                    });
                }
                let attrs = MountAttrs {
                    read_only: m.read_only,
                    ..MountAttrs::default()
                };
                bind(
                    src.as_fd(),
                    target.as_fd(),
                    attrs,
                    &source.to_string_lossy(),
                    shown,
                )?;
            }
            MountKind::Tmpfs {
                size,
                mode,
                uid,
                gid,
            } => {
                let target = root.open_path(shown, Create::Dir)?;
                let mut opts = vec![format!("mode={:o}", mode.unwrap_or(0o1777))];
                if let Some(s) = size {
                    opts.push(format!("size={s}"));
                }
                if let Some(u) = uid {
                    opts.push(format!("uid={u}"));
                }
                if let Some(g) = gid {
                    opts.push(format!("gid={g}"));
                }
                let attrs = MountAttrs {
                    read_only: m.read_only,
                    nosuid: true,
                    nodev: true,
                    noexec: false,
                };
                mount_fs("tmpfs", &opts.join(","), attrs, target.as_fd(), shown)?;
            }
        }
    }
    Ok(())
}

/// As docker fills an empty volume from the image: what the image has at `target` (when it
/// is a directory) copied into the volume's (empty) directory `volume`.
fn copy_up_into(root: &Root, target: &str, volume: &Path) -> Result<(), RootfsError> {
    let prepare = |source: io::Error| RootfsError::Prepare {
        path: volume.to_path_buf(),
        source,
    };
    let from = match root.open_path(target, Create::Nothing) {
        Ok(fd) if confine::is_dir(fd.as_fd()) => fd,
        Ok(_) | Err(ConfineError::Missing { .. }) => return Ok(()),
        Err(e) => return Err(e.into()),
    };
    let dir_flags = OFlag::O_RDONLY | OFlag::O_DIRECTORY | OFlag::O_NOFOLLOW | OFlag::O_CLOEXEC;
    let dest = nix::fcntl::open(volume, dir_flags, Mode::empty()).map_err(|e| prepare(e.into()))?;
    if !is_empty_dir(dest.as_fd()).map_err(prepare)? {
        return Ok(());
    }
    let from = openat(&from, ".", dir_flags, Mode::empty()).map_err(|e| prepare(e.into()))?;
    copy_tree(from.as_fd(), dest.as_fd()).map_err(prepare)
}

/// The container's volumes and bind mounts (not its tmpfs, which hold nothing while it is
/// stopped), for working on a stopped container's files as it would see them.
pub fn mount_volumes(root: &Path, mounts: &[MountSpec]) -> Result<(), RootfsError> {
    let binds: Vec<MountSpec> = mounts
        .iter()
        .filter_map(|m| match &m.kind {
            MountKind::Bind { source, volume, .. } => Some(MountSpec {
                kind: MountKind::Bind {
                    source: source.clone(),
                    volume: volume.clone(),
                    copy_up: false,
                },
                ..m.clone()
            }),
            MountKind::Tmpfs { .. } => None,
        })
        .collect();
    apply_mounts(&Root::open(root)?, &binds)
}

fn is_empty_dir(dir: BorrowedFd<'_>) -> io::Result<bool> {
    let mut d = nix::dir::Dir::openat(
        dir,
        ".",
        OFlag::O_RDONLY | OFlag::O_DIRECTORY,
        Mode::empty(),
    )?;
    Ok(!d
        .iter()
        .flatten()
        .any(|e| !matches!(e.file_name().to_bytes(), b"." | b"..")))
}

/// Copy the tree in directory `src` into the (empty) directory `dest`, both descriptors,
/// with owners, modes and times, symbolic links as links, as docker fills a new volume from
/// the image. Every entry is opened from its parent's descriptor without following links,
/// so nothing outside `src` is read and nothing outside `dest` is written, however either
/// changes meanwhile. Devices, sockets and fifos are skipped.
pub(crate) fn copy_tree(src: BorrowedFd<'_>, dest: BorrowedFd<'_>) -> io::Result<()> {
    use nix::sys::stat::{UtimensatFlags, fchmod, fstatat, futimens, utimensat};
    use nix::unistd::{Gid, Uid, fchown, fchownat};
    let times = |st: &nix::sys::stat::FileStat| {
        (
            nix::sys::time::TimeSpec::new(st.st_atime, st.st_atime_nsec),
            nix::sys::time::TimeSpec::new(st.st_mtime, st.st_mtime_nsec),
        )
    };
    // Owner first: a chown clears set-id bits, which the mode then sets again.
    let copy_meta = |st: &nix::sys::stat::FileStat, to: BorrowedFd<'_>| -> io::Result<()> {
        fchown(
            to,
            Some(Uid::from_raw(st.st_uid)),
            Some(Gid::from_raw(st.st_gid)),
        )?;
        fchmod(to, Mode::from_bits_truncate(st.st_mode & 0o7777))?;
        let (a, m) = times(st);
        futimens(to, &a, &m)?;
        Ok(())
    };
    let nofollow = OFlag::O_NOFOLLOW | OFlag::O_CLOEXEC;
    let dir_flags = OFlag::O_RDONLY | OFlag::O_DIRECTORY | nofollow;
    let mut entries: Vec<std::ffi::CString> = Vec::new();
    for e in nix::dir::Dir::openat(src, ".", dir_flags, Mode::empty())?.iter() {
        let e = e?;
        if !matches!(e.file_name().to_bytes(), b"." | b"..") {
            entries.push(e.file_name().to_owned());
        }
    }
    for name in &entries {
        let name = name.as_c_str();
        let st = fstatat(src, name, AtFlags::AT_SYMLINK_NOFOLLOW)?;
        match st.st_mode & SFlag::S_IFMT.bits() {
            k if k == SFlag::S_IFDIR.bits() => {
                mkdirat(dest, name, Mode::from_bits_truncate(0o700))?;
                let from = openat(src, name, dir_flags, Mode::empty())?;
                let to = openat(dest, name, dir_flags, Mode::empty())?;
                copy_tree(from.as_fd(), to.as_fd())?;
                copy_meta(&fstat(&from)?, to.as_fd())?;
            }
            k if k == SFlag::S_IFLNK.bits() => {
                let target = readlinkat(src, name)?;
                nix::unistd::symlinkat(target.as_os_str(), dest, name)?;
                fchownat(
                    dest,
                    name,
                    Some(Uid::from_raw(st.st_uid)),
                    Some(Gid::from_raw(st.st_gid)),
                    AtFlags::AT_SYMLINK_NOFOLLOW,
                )?;
                let (a, m) = times(&st);
                utimensat(dest, name, &a, &m, UtimensatFlags::NoFollowSymlink)?;
            }
            k if k == SFlag::S_IFREG.bits() => {
                // Non-blocking: if a fifo took the file's place meanwhile, opening it must
                // not hang (and it is skipped below).
                let from = openat(
                    src,
                    name,
                    OFlag::O_RDONLY | OFlag::O_NONBLOCK | nofollow,
                    Mode::empty(),
                )?;
                let now = fstat(&from)?;
                if now.st_mode & SFlag::S_IFMT.bits() != SFlag::S_IFREG.bits() {
                    continue;
                }
                let to = openat(
                    dest,
                    name,
                    OFlag::O_WRONLY | OFlag::O_CREAT | OFlag::O_EXCL | nofollow,
                    Mode::from_bits_truncate(0o600),
                )?;
                let (mut r, mut w) = (fs::File::from(from), fs::File::from(to));
                io::copy(&mut r, &mut w)?;
                copy_meta(&now, w.as_fd())?;
            }
            _ => {}
        }
    }
    copy_meta(&fstat(src)?, dest)
}

/// Hide what podman hides (a tmpfs or /dev/null over it) and make read-only what it does.
pub(crate) fn mask_kernel_paths(root: &Root) -> Result<(), RootfsError> {
    let null = root.open_path("/dev/null", Create::Nothing)?;
    // One empty read-only tmpfs, mounted on the first directory and bound on the others: a
    // filesystem of its own for each would cost its making and its ending at every start.
    let mut empty: Option<OwnedFd> = None;
    for path in MASKED_PATHS {
        let at = match root.open_path(path, Create::Nothing) {
            Ok(fd) => fd,
            Err(ConfineError::Missing { .. }) => continue,
            Err(e) => return Err(e.into()),
        };
        if confine::is_dir(at.as_fd()) {
            let attrs = MountAttrs {
                read_only: true,
                ..MountAttrs::SAFE
            };
            match &empty {
                Some(tmpfs) => bind(tmpfs.as_fd(), at.as_fd(), attrs, "an empty tmpfs", path)?,
                None => {
                    mount_fs("tmpfs", "size=0", attrs, at.as_fd(), path)?;
                    empty = Some(root.open_path(path, Create::Nothing)?);
                }
            }
        } else {
            bind(
                null.as_fd(),
                at.as_fd(),
                MountAttrs::default(),
                "/dev/null",
                path,
            )?;
        }
    }
    let read_only = MountAttrs {
        read_only: true,
        ..MountAttrs::default()
    };
    for path in READONLY_PATHS {
        match root.open_path(path, Create::Nothing) {
            Ok(at) => bind(at.as_fd(), at.as_fd(), read_only, path, path)?,
            Err(ConfineError::Missing { .. }) => {}
            Err(e) => return Err(e.into()),
        }
    }
    Ok(())
}

/// A fresh /proc (for the calling pid namespace), a /dev of harmless devices, and /sys
/// read-only, under `root`.
pub(crate) fn mount_kernel_filesystems(
    root: &Root,
    shm_size: Option<u64>,
    host_pid: bool,
) -> Result<(), RootfsError> {
    let proc_dir = root.open_path("/proc", Create::Dir)?;
    match host_pid {
        // A user namespace cannot mount the proc of a pid namespace it does not own.
        true => {
            let host = host_source(Path::new("/proc"))?;
            bind(
                host.as_fd(),
                proc_dir.as_fd(),
                MountAttrs::SAFE,
                "/proc",
                "/proc",
            )?;
        }
        false => mount_fs("proc", "", MountAttrs::SAFE, proc_dir.as_fd(), "/proc")?,
    }

    prepare_dev(root, shm_size)?;

    let sys_dir = root.open_path("/sys", Create::Dir)?;
    let read_only = MountAttrs {
        read_only: true,
        ..MountAttrs::SAFE
    };
    if mount_fs("sysfs", "", read_only, sys_dir.as_fd(), "/sys").is_err() {
        // Without a network namespace of our own, sysfs cannot be mounted: show the host's.
        let host = host_source(Path::new("/sys"))?;
        bind(host.as_fd(), sys_dir.as_fd(), read_only, "/sys", "/sys")?;
    } else if let Ok(cg) = root.open_path("/sys/fs/cgroup", Create::Nothing) {
        // Best effort: the container's own cgroup namespace, read-only.
        let _ = mount_fs("cgroup2", "", read_only, cg.as_fd(), "/sys/fs/cgroup");
    }
    Ok(())
}

/// Bind the terminal `pts` (a path in the container's devpts) to /dev/console.
pub fn bind_console(root: &Root, pts_number: u32) -> Result<(), RootfsError> {
    let console = root.open_path("/dev/console", Create::File)?;
    let pts = root.open_path(&format!("/dev/pts/{pts_number}"), Create::Nothing)?;
    bind(
        pts.as_fd(),
        console.as_fd(),
        MountAttrs::default(),
        "the terminal",
        "/dev/console",
    )
}

/// Is `gid` mapped in this process's user namespace?
fn gid_mapped(gid: u32) -> bool {
    fs::read_to_string("/proc/self/gid_map").is_ok_and(|map| {
        map.lines().any(|l| {
            let f: Vec<u64> = l
                .split_whitespace()
                .filter_map(|n| n.parse().ok())
                .collect();
            f.len() == 3 && (f[0]..f[0] + f[2]).contains(&u64::from(gid))
        })
    })
}

/// Make `root` the root of this mount namespace and drop every host mount from view.
pub fn pivot(root: &Root) -> Result<(), RootfsError> {
    nix::unistd::fchdir(root.fd()).map_err(RootfsError::Pivot)?;
    pivot_root(".", ".").map_err(RootfsError::Pivot)?;
    umount2(".", MntFlags::MNT_DETACH).map_err(RootfsError::Pivot)?;
    chdir("/").map_err(RootfsError::Pivot)
}

/// Move into a copy of this mount namespace that a new, child user namespace owns. The
/// kernel locks every mount of such a copy: a read-only mount stays read-only and no mount
/// can be taken off to show what lies beneath, whatever capabilities a process has (the
/// container's `--cap-add SYS_ADMIN`, `--privileged`). The process itself stays in its user
/// namespace, so that its network, uts and ipc namespaces (owned by that one) stay its own
/// to configure: only the mounts change hands. Run after `pivot_root`, in a single-threaded
/// process.
pub fn lock_mounts() -> Result<(), RootfsError> {
    let failed = |what: &str| {
        let what = what.to_string();
        move |e: String| RootfsError::Lock(format!("{what}: {e}"))
    };
    let ns = sys::locked_mount_namespace().map_err(|e| failed("clone")(e.to_string()))?;
    nix::sched::setns(&ns, CloneFlags::CLONE_NEWNS).map_err(|e| failed("setns")(e.to_string()))?;
    chdir("/").map_err(|e| failed("chdir")(e.to_string()))
}
