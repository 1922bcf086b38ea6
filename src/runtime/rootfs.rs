//! The container's filesystem: the overlay of image layers plus a writable layer, then the
//! kernel filesystems and device nodes a program expects, the paths podman masks or makes
//! read-only, and finally `pivot_root` into it. Everything here runs as root of the
//! container's user namespace, inside its mount namespace.

use std::ffi::CString;
use std::fs::{self, OpenOptions};
use std::io;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::{DirBuilderExt, MetadataExt, OpenOptionsExt, symlink};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use nix::errno::Errno;
use nix::mount::{MntFlags, MsFlags, mount, umount2};
use nix::sys::statvfs::{FsFlags, statvfs};
use nix::unistd::{AccessFlags, access, chdir, pivot_root};
use serde::{Deserialize, Serialize};

use super::launch::{MountKind, MountSpec};
use crate::sys::{self, FsContext};

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
        target: PathBuf,
        source: Errno,
    },
    #[error("cannot prepare {path} in the container: {source}")]
    Prepare { path: PathBuf, source: io::Error },
    #[error("cannot switch to the container's root filesystem (pivot_root): {0}")]
    Pivot(Errno),
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
}

fn cstring(p: &Path) -> CString {
    CString::new(p.as_os_str().as_bytes()).expect("paths have no NUL bytes")
}

fn mount_err(what: &str, target: &Path) -> impl FnOnce(Errno) -> RootfsError {
    let (what, target) = (what.to_string(), target.to_path_buf());
    move |source| RootfsError::Mount {
        what,
        target,
        source,
    }
}

/// Is the running kernel at least `major.minor`? (`true` when it cannot be told.)
fn kernel_at_least(major: u32, minor: u32) -> bool {
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

/// Mount the layers with the kernel's overlayfs at `target`.
pub fn mount_overlay(layers: &Layers<'_>, target: &Path) -> Result<(), RootfsError> {
    // The new mount API takes one lower layer per call, so any number of layers fits. Only
    // asked of kernels that may have `lowerdir+` (6.8): others would log each refusal.
    if kernel_at_least(6, 8) {
        match mount_overlay_fsconfig(layers, target) {
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
        "lowerdir={},upperdir={},workdir={},userxattr",
        lowers.join(":"),
        escape(layers.upper),
        escape(layers.work)
    );
    mount(
        Some("overlay"),
        target,
        Some("overlay"),
        MsFlags::empty(),
        Some(data.as_str()),
    )
    .map_err(|e| RootfsError::Overlay(e.desc().to_string()))
}

fn mount_overlay_fsconfig(layers: &Layers<'_>, target: &Path) -> Result<(), Errno> {
    let errno = |e: sys::SysError| match e {
        sys::SysError::Errno(e) => e,
        _ => Errno::EINVAL,
    };
    let fc = FsContext::open(c"overlay").map_err(errno)?;
    for lower in layers.lowers {
        fc.set_string(c"lowerdir+", &cstring(lower))
            .map_err(errno)?;
    }
    fc.set_string(c"upperdir", &cstring(layers.upper))
        .map_err(errno)?;
    fc.set_string(c"workdir", &cstring(layers.work))
        .map_err(errno)?;
    fc.set_flag(c"userxattr").map_err(errno)?;
    fc.mount_at(&cstring(target)).map_err(errno)
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
    let lowers: Vec<String> = layers
        .lowers
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
}

/// Resolve `path` (absolute, inside the container) to a host path under `rootfs` without
/// following symlinks out of it: every symlink met is resolved against `rootfs`.
pub fn in_root(rootfs: &Path, path: &str) -> PathBuf {
    let mut out = rootfs.to_path_buf();
    let mut todo: Vec<String> = path
        .split('/')
        .filter(|c| !c.is_empty())
        .rev()
        .map(str::to_string)
        .collect();
    let mut hops = 0;
    while let Some(comp) = todo.pop() {
        match comp.as_str() {
            "." => {}
            ".." => {
                if out != rootfs {
                    out.pop();
                }
            }
            _ => {
                let next = out.join(&comp);
                match fs::read_link(&next) {
                    Ok(target) if hops < 40 => {
                        hops += 1;
                        let t = target.to_string_lossy().into_owned();
                        if t.starts_with('/') {
                            out = rootfs.to_path_buf();
                        }
                        todo.extend(
                            t.split('/')
                                .filter(|c| !c.is_empty())
                                .rev()
                                .map(str::to_string),
                        );
                    }
                    _ => out = next,
                }
            }
        }
    }
    out
}

pub(crate) fn mkdir_p(path: &Path) -> Result<(), RootfsError> {
    fs::DirBuilder::new()
        .recursive(true)
        .mode(0o755)
        .create(path)
        .map_err(|source| RootfsError::Prepare {
            path: path.to_path_buf(),
            source,
        })
}

pub(crate) fn touch(path: &Path, mode: u32) -> Result<(), RootfsError> {
    OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .mode(mode)
        .open(path)
        .map(drop)
        .map_err(|source| RootfsError::Prepare {
            path: path.to_path_buf(),
            source,
        })
}

fn link(target: &str, at: &Path) -> Result<(), RootfsError> {
    symlink(target, at).map_err(|source| RootfsError::Prepare {
        path: at.to_path_buf(),
        source,
    })
}

/// Mount /proc, /dev, /sys and the rest into the container's root, then mask and protect
/// what podman does. Must run in the container's pid namespace (for /proc).
pub fn prepare(setup: &FsSetup<'_>) -> Result<(), RootfsError> {
    let root = setup.rootfs;
    mount_kernel_filesystems(root)?;
    apply_mounts(root, setup.mounts)?;
    if setup.masked_paths {
        mask_kernel_paths(root)?;
    }
    if setup.read_only {
        if setup.read_only_tmpfs {
            for (path, mode) in [("/tmp", "1777"), ("/var/tmp", "1777"), ("/run", "755")] {
                let p = in_root(root, path);
                mkdir_p(&p)?;
                mount(
                    Some("tmpfs"),
                    &p,
                    Some("tmpfs"),
                    MsFlags::MS_NOSUID | MsFlags::MS_NODEV,
                    Some(format!("mode={mode}").as_str()),
                )
                .map_err(mount_err("tmpfs", &p))?;
            }
        }
        mount(
            Some(root),
            root,
            None::<&str>,
            MsFlags::MS_BIND | MsFlags::MS_REMOUNT | MsFlags::MS_RDONLY,
            None::<&str>,
        )
        .map_err(mount_err("the read-only root", root))?;
    }
    Ok(())
}

pub(crate) fn prepare_dev(root: &Path) -> Result<(), RootfsError> {
    let dev = in_root(root, "/dev");
    mkdir_p(&dev)?;
    mount(
        Some("tmpfs"),
        &dev,
        Some("tmpfs"),
        MsFlags::MS_NOSUID | MsFlags::MS_STRICTATIME,
        Some("mode=755,size=65536k"),
    )
    .map_err(mount_err("tmpfs", &dev))?;
    // A user namespace cannot create device nodes: bind the host's harmless ones.
    for name in ["null", "zero", "full", "tty", "random", "urandom"] {
        let node = dev.join(name);
        touch(&node, 0o666)?;
        let host = Path::new("/dev").join(name);
        mount(
            Some(&host),
            &node,
            None::<&str>,
            MsFlags::MS_BIND,
            None::<&str>,
        )
        .map_err(mount_err(&host.to_string_lossy(), &node))?;
    }
    for (name, target) in [
        ("fd", "/proc/self/fd"),
        ("stdin", "/proc/self/fd/0"),
        ("stdout", "/proc/self/fd/1"),
        ("stderr", "/proc/self/fd/2"),
        ("core", "/proc/kcore"),
        ("ptmx", "pts/ptmx"),
    ] {
        link(target, &dev.join(name))?;
    }
    let pts = dev.join("pts");
    mkdir_p(&pts)?;
    let pts_flags = MsFlags::MS_NOSUID | MsFlags::MS_NOEXEC;
    // Terminals belong to group tty (5) where it is mapped; not with a single-id map (a
    // refused option would also be logged by the kernel).
    let options = match gid_mapped(5) {
        true => "newinstance,ptmxmode=0666,mode=0620,gid=5",
        false => "newinstance,ptmxmode=0666,mode=0620",
    };
    mount(
        Some("devpts"),
        &pts,
        Some("devpts"),
        pts_flags,
        Some(options),
    )
    .map_err(mount_err("devpts", &pts))?;
    let shm = dev.join("shm");
    mkdir_p(&shm)?;
    mount(
        Some("shm"),
        &shm,
        Some("tmpfs"),
        MsFlags::MS_NOSUID | MsFlags::MS_NODEV | MsFlags::MS_NOEXEC,
        Some("mode=1777,size=65536k"),
    )
    .map_err(mount_err("tmpfs", &shm))?;
    let mqueue = dev.join("mqueue");
    mkdir_p(&mqueue)?;
    mount(
        Some("mqueue"),
        &mqueue,
        Some("mqueue"),
        MsFlags::MS_NOSUID | MsFlags::MS_NODEV | MsFlags::MS_NOEXEC,
        None::<&str>,
    )
    .map_err(mount_err("mqueue", &mqueue))?;
    Ok(())
}

/// Bind mounts, volumes and tmpfs, parents before children.
fn apply_mounts(root: &Path, mounts: &[MountSpec]) -> Result<(), RootfsError> {
    let mut sorted: Vec<&MountSpec> = mounts.iter().collect();
    sorted.sort_by_key(|m| m.target.trim_end_matches('/').matches('/').count());
    for m in sorted {
        let target = in_root(root, &m.target);
        let prepare = |path: &Path, source: io::Error| RootfsError::Prepare {
            path: path.to_path_buf(),
            source,
        };
        match &m.kind {
            MountKind::Bind {
                source, copy_up, ..
            } => {
                let meta = fs::metadata(source).map_err(|e| prepare(source, e))?;
                if meta.is_dir() {
                    if *copy_up && target.is_dir() && is_empty_dir(source) {
                        copy_tree(&target, source).map_err(|e| prepare(source, e))?;
                    }
                    mkdir_p(&target)?;
                } else {
                    if let Some(parent) = target.parent() {
                        mkdir_p(parent)?;
                    }
                    if !target.exists() {
                        touch(&target, 0o644)?;
                    }
                }
                mount(
                    Some(source.as_path()),
                    &target,
                    None::<&str>,
                    MsFlags::MS_BIND | MsFlags::MS_REC,
                    None::<&str>,
                )
                .map_err(mount_err(&source.to_string_lossy(), &target))?;
                if m.read_only {
                    remount_read_only(&target)?;
                }
            }
            MountKind::Tmpfs { size, mode } => {
                mkdir_p(&target)?;
                let mut opts = vec![format!("mode={:o}", mode.unwrap_or(0o1777))];
                if let Some(s) = size {
                    opts.push(format!("size={s}"));
                }
                let mut flags = MsFlags::MS_NOSUID | MsFlags::MS_NODEV;
                if m.read_only {
                    flags |= MsFlags::MS_RDONLY;
                }
                mount(
                    Some("tmpfs"),
                    &target,
                    Some("tmpfs"),
                    flags,
                    Some(opts.join(",").as_str()),
                )
                .map_err(mount_err("tmpfs", &target))?;
            }
        }
    }
    Ok(())
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
    apply_mounts(root, &binds)
}

fn is_empty_dir(dir: &Path) -> bool {
    fs::read_dir(dir).is_ok_and(|mut d| d.next().is_none())
}

/// Copy the tree at `src` into the (empty) directory `dest` with owners, modes and times,
/// symbolic links as links, as docker fills a new volume from the image. Devices and sockets
/// are skipped; nothing is followed out of `src`.
fn copy_tree(src: &Path, dest: &Path) -> io::Result<()> {
    use std::os::unix::fs::{MetadataExt, PermissionsExt, lchown};
    let copy_meta = |meta: &fs::Metadata, to: &Path, link: bool| -> io::Result<()> {
        lchown(to, Some(meta.uid()), Some(meta.gid()))?;
        if !link {
            fs::set_permissions(to, fs::Permissions::from_mode(meta.mode() & 0o7777))?;
            let t = nix::sys::time::TimeSpec::new(meta.mtime(), meta.mtime_nsec());
            nix::sys::stat::utimensat(
                nix::fcntl::AT_FDCWD,
                to,
                &t,
                &t,
                nix::sys::stat::UtimensatFlags::NoFollowSymlink,
            )?;
        }
        Ok(())
    };
    for entry in fs::read_dir(src)? {
        let entry = entry?;
        let from = entry.path();
        let to = dest.join(entry.file_name());
        let meta = fs::symlink_metadata(&from)?;
        let kind = meta.file_type();
        if kind.is_dir() {
            fs::create_dir(&to)?;
            copy_tree(&from, &to)?;
            copy_meta(&meta, &to, false)?;
        } else if kind.is_symlink() {
            symlink(fs::read_link(&from)?, &to)?;
            copy_meta(&meta, &to, true)?;
        } else if kind.is_file() {
            fs::copy(&from, &to)?;
            copy_meta(&meta, &to, false)?;
        }
    }
    copy_meta(&fs::symlink_metadata(src)?, dest, false)
}

/// Hide what podman hides (a tmpfs or /dev/null over it) and make read-only what it does.
pub(crate) fn mask_kernel_paths(root: &Path) -> Result<(), RootfsError> {
    let nosuid_nodev_noexec = MsFlags::MS_NOSUID | MsFlags::MS_NODEV | MsFlags::MS_NOEXEC;
    for path in MASKED_PATHS {
        let p = in_root(root, path);
        match fs::symlink_metadata(&p) {
            Ok(m) if m.is_dir() => mount(
                Some("tmpfs"),
                &p,
                Some("tmpfs"),
                MsFlags::MS_RDONLY | nosuid_nodev_noexec,
                Some("size=0"),
            )
            .map_err(mount_err("tmpfs", &p))?,
            Ok(_) => mount(
                Some(&in_root(root, "/dev/null")),
                &p,
                None::<&str>,
                MsFlags::MS_BIND,
                None::<&str>,
            )
            .map_err(mount_err("/dev/null", &p))?,
            Err(_) => {}
        }
    }
    for path in READONLY_PATHS {
        let p = in_root(root, path);
        if p.exists() {
            mount(
                Some(&p),
                &p,
                None::<&str>,
                MsFlags::MS_BIND | MsFlags::MS_REC,
                None::<&str>,
            )
            .map_err(mount_err(path, &p))?;
            remount_read_only(&p)?;
        }
    }
    Ok(())
}

/// A fresh /proc (for the calling pid namespace), a /dev of harmless devices, and /sys
/// read-only, under `root`.
pub(crate) fn mount_kernel_filesystems(root: &Path) -> Result<(), RootfsError> {
    let nosuid_nodev_noexec = MsFlags::MS_NOSUID | MsFlags::MS_NODEV | MsFlags::MS_NOEXEC;
    let proc_dir = in_root(root, "/proc");
    mkdir_p(&proc_dir)?;
    mount(
        Some("proc"),
        &proc_dir,
        Some("proc"),
        nosuid_nodev_noexec,
        None::<&str>,
    )
    .map_err(mount_err("proc", &proc_dir))?;

    prepare_dev(root)?;

    let sys_dir = in_root(root, "/sys");
    mkdir_p(&sys_dir)?;
    if mount(
        Some("sysfs"),
        &sys_dir,
        Some("sysfs"),
        nosuid_nodev_noexec | MsFlags::MS_RDONLY,
        None::<&str>,
    )
    .is_err()
    {
        // Without a network namespace of our own, sysfs cannot be mounted: show the host's.
        mount(
            Some("/sys"),
            &sys_dir,
            None::<&str>,
            MsFlags::MS_BIND | MsFlags::MS_REC,
            None::<&str>,
        )
        .map_err(mount_err("/sys", &sys_dir))?;
        remount_read_only(&sys_dir)?;
    } else {
        let cg = sys_dir.join("fs/cgroup");
        if cg.is_dir() {
            // Best effort: the container's own cgroup namespace, read-only.
            let _ = mount(
                Some("cgroup2"),
                &cg,
                Some("cgroup2"),
                nosuid_nodev_noexec | MsFlags::MS_RDONLY,
                None::<&str>,
            );
        }
    }
    Ok(())
}

/// A tmpfs at `target` with `options` (e.g. `mode=1777`).
pub(crate) fn mount_tmpfs(target: &Path, options: &str) -> Result<(), RootfsError> {
    mount(
        Some("tmpfs"),
        target,
        Some("tmpfs"),
        MsFlags::MS_NOSUID | MsFlags::MS_NODEV,
        Some(options),
    )
    .map_err(mount_err("tmpfs", target))
}

/// Bind the terminal `pts` (a path in the container's devpts) to /dev/console.
pub fn bind_console(root: &Path, pts_number: u32) -> Result<(), RootfsError> {
    let console = in_root(root, "/dev/console");
    touch(&console, 0o620)?;
    let pts = in_root(root, &format!("/dev/pts/{pts_number}"));
    mount(
        Some(&pts),
        &console,
        None::<&str>,
        MsFlags::MS_BIND,
        None::<&str>,
    )
    .map_err(mount_err("the terminal", &console))
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

/// Make a mount read-only with every mount beneath it; on kernels before 5.12, remount it
/// (the top one only), keeping the flags a user namespace may not drop.
pub(crate) fn remount_read_only(path: &Path) -> Result<(), RootfsError> {
    match crate::sys::make_tree_read_only(path) {
        Ok(()) => return Ok(()),
        Err(nix::errno::Errno::ENOSYS) => {}
        Err(e) => return Err(mount_err("read-only", path)(e)),
    }
    let locked = statvfs(path).map(|s| s.flags()).unwrap_or(FsFlags::empty());
    let mut flags = MsFlags::MS_BIND | MsFlags::MS_REMOUNT | MsFlags::MS_RDONLY | MsFlags::MS_REC;
    for (fs_flag, ms_flag) in [
        (FsFlags::ST_NOSUID, MsFlags::MS_NOSUID),
        (FsFlags::ST_NODEV, MsFlags::MS_NODEV),
        (FsFlags::ST_NOEXEC, MsFlags::MS_NOEXEC),
        (FsFlags::ST_NOATIME, MsFlags::MS_NOATIME),
        (FsFlags::ST_NODIRATIME, MsFlags::MS_NODIRATIME),
        (FsFlags::ST_RELATIME, MsFlags::MS_RELATIME),
    ] {
        if locked.contains(fs_flag) {
            flags |= ms_flag;
        }
    }
    mount(Some(path), path, None::<&str>, flags, None::<&str>).map_err(mount_err("read-only", path))
}

/// Make `rootfs` the root of this mount namespace and drop every host mount from view.
pub fn pivot(rootfs: &Path) -> Result<(), RootfsError> {
    chdir(rootfs).map_err(RootfsError::Pivot)?;
    pivot_root(".", ".").map_err(RootfsError::Pivot)?;
    umount2(".", MntFlags::MNT_DETACH).map_err(RootfsError::Pivot)?;
    chdir("/").map_err(RootfsError::Pivot)
}
