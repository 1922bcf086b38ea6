//! nook's own executable, as a container could reach it (CVE-2019-5736): a process that
//! executes a program in a container is nook until that `execve`, and a script there whose
//! interpreter is `#!/proc/self/exe` makes the kernel run *that* file, nook's, inside the
//! container, where `/proc/PID/exe` then hands it to the container. If your containers'
//! root (which is you) could change the file (you own it, as after `cargo install`, or it is
//! writable), the processes that enter containers run from a sealed in-memory copy instead,
//! as runc and crun do: its contents can never change, so there is nothing to overwrite or
//! make setuid. A root-owned, read-only nook (a distribution package, `sudo install`) needs
//! no copy and pays nothing.
//!
//! The copy costs its size in memory and a few milliseconds to make, so it is shared: a
//! container's monitor started from one is registered (`$XDG_RUNTIME_DIR/nook/sealed-ID`,
//! ID naming the file it was copied from), and while it runs, later starts and `nook exec`
//! execute that same copy (through its `/proc/PID/exe`, checked to be sealed) instead of
//! making their own.

use std::os::fd::{AsRawFd, OwnedFd};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::{DirBuilderExt, MetadataExt};
use std::path::{Path, PathBuf};

use nix::sys::statvfs::{FsFlags, statvfs};
use nix::unistd::{AccessFlags, access};

use crate::sys;

/// The path of nook's executable file when your containers could change it.
pub fn exposed() -> Option<PathBuf> {
    let path = std::fs::read_link("/proc/self/exe").ok()?;
    let meta = std::fs::metadata("/proc/self/exe").ok()?;
    let read_only_fs =
        statvfs("/proc/self/exe").is_ok_and(|s| s.flags().contains(FsFlags::ST_RDONLY));
    let writable = access("/proc/self/exe", AccessFlags::W_OK).is_ok();
    // The owner may chmod it (make it setuid, or world-writable); anyone may write it if
    // its mode says so. Root's file, read-only to you, is safe.
    (!read_only_fs && (meta.uid() != 0 || writable)).then_some(path)
}

/// The file this executable was started from, named by what changes when it is replaced
/// (device, inode, size, modification time).
fn identity() -> Option<String> {
    let m = std::fs::metadata("/proc/self/exe").ok()?;
    Some(format!(
        "{:x}-{:x}-{:x}-{:x}",
        m.dev(),
        m.ino(),
        m.size(),
        m.mtime()
    ))
}

fn registry(id: &str) -> Option<PathBuf> {
    crate::config::runtime_dir().map(|d| d.join("nook").join(format!("sealed-{id}")))
}

/// The sealed copy a registered process runs from, if it still runs from it.
fn shared_copy(id: &str) -> Option<OwnedFd> {
    let text = std::fs::read_to_string(registry(id)?).ok()?;
    let (pid, ticks) = text.trim().split_once(' ')?;
    let holder = crate::container::ProcessId::at(pid.parse().ok()?, ticks.parse().ok()?);
    let exe = nix::fcntl::open(
        format!("/proc/{}/exe", holder.pid).as_str(),
        nix::fcntl::OFlag::O_RDONLY | nix::fcntl::OFlag::O_CLOEXEC,
        nix::sys::stat::Mode::empty(),
    )
    .ok()?;
    // Opened first, checked after: the process that was registered, and a copy that can
    // never change.
    (holder.is_alive() && sys::is_sealed(&exe)).then_some(exe)
}

/// Register process `pid` as running from the sealed copy of this executable, for later
/// starts to share (see the module's notes).
pub fn register(program: &Program, pid: i32) {
    // A copy shared from a registered process stays registered to it.
    let (Some(_), false, Some(id)) = (&program.copy, program.shared, identity()) else {
        return;
    };
    let (Some(path), Some(me)) = (registry(&id), crate::container::ProcessId::of(pid)) else {
        return;
    };
    if let Some(dir) = path.parent() {
        let _ = std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(dir);
    }
    let record = format!("{} {}\n", me.pid, me.start_ticks);
    let _ = crate::image::store::replace_file(&path, record.as_bytes());
}

/// The program to start nook's own processes from (`nook __monitor`): this executable, or
/// a sealed copy of it while this value lives.
pub struct Program {
    copy: Option<OwnedFd>,
    /// The copy is a registered process's (see [`register`]).
    shared: bool,
}

impl Program {
    /// Is it this process's own executable file (no copy needed, or it runs from one)?
    pub fn is_this_process(&self) -> bool {
        self.copy.is_none()
    }

    /// What to execute.
    pub fn path(&self) -> PathBuf {
        match &self.copy {
            // Close-on-exec, yet executable by this path: execve opens it before closing.
            Some(fd) => PathBuf::from(format!("/proc/self/fd/{}", fd.as_raw_fd())),
            None => PathBuf::from("/proc/self/exe"),
        }
    }
}

/// How nook starts processes that will enter containers: from a sealed copy when its file
/// is [`exposed`] (and it does not already run from one).
pub fn program() -> Program {
    match exposed() {
        Some(path) if !sys::running_sealed_copy() => {
            let (copy, shared) = sealed_copy(&path);
            Program { copy, shared }
        }
        _ => Program {
            copy: None,
            shared: false,
        },
    }
}

/// A sealed copy of this executable: one a running container's monitor shares (true), or a
/// new one.
fn sealed_copy(path: &Path) -> (Option<OwnedFd>, bool) {
    match identity().and_then(|id| shared_copy(&id)) {
        Some(fd) => (Some(fd), true),
        None => (copy_or_warn(path), false),
    }
}

fn copy_or_warn(path: &Path) -> Option<OwnedFd> {
    match sys::sealed_copy_of_self() {
        Ok(fd) => Some(fd),
        Err(e) => {
            eprintln!(
                "warning: cannot run from a sealed copy of nook ({e}): a container could \
                 change {} (you own it); install nook root-owned (sudo install -m 755 nook \
                 /usr/local/bin/) to need none",
                path.display()
            );
            None
        }
    }
}

/// Execute this process again, with the same arguments and environment, from a sealed copy
/// of nook when its file is [`exposed`] and it does not run from one yet: for commands that
/// enter a container themselves (`exec`, `sandbox`). Returns when no copy is needed, or none
/// could be made (after a warning).
pub fn reexec_if_exposed() {
    let Some(path) = exposed() else { return };
    if sys::running_sealed_copy() {
        return;
    }
    let (Some(copy), _) = sealed_copy(&path) else {
        return;
    };
    let cstrings = |items: Vec<std::ffi::OsString>| -> Vec<std::ffi::CString> {
        items
            .into_iter()
            .filter_map(|s| std::ffi::CString::new(s.as_bytes()).ok())
            .collect()
    };
    let args = cstrings(std::env::args_os().collect());
    let env = cstrings(
        std::env::vars_os()
            .map(|(k, v)| {
                let mut kv = k;
                kv.push("=");
                kv.push(v);
                kv
            })
            .collect(),
    );
    let Err(e) = nix::unistd::fexecve(&copy, &args, &env);
    eprintln!("warning: cannot run from a sealed copy of nook: {e}");
}
