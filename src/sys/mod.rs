//! The one place in nook with `unsafe` code: thin, typed wrappers over the system calls that
//! `nix` does not offer safely. Every block says why it is sound; callers get safe functions.
#![allow(unsafe_code)]

use std::ffi::CStr;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, FromRawFd, OwnedFd, RawFd};

use nix::errno::Errno;
use nix::sched::CloneFlags;
use nix::sys::signal::Signal;
use nix::unistd::Pid;

#[derive(Debug, thiserror::Error)]
pub enum SysError {
    #[error(
        "internal error: namespace set-up needs a single-threaded process, but this one has {0} threads"
    )]
    MultiThreaded(usize),
    #[error("cannot count this process's threads: {0}")]
    ThreadCount(std::io::Error),
    #[error(transparent)]
    Errno(#[from] Errno),
}

/// Which side of a [`fork_into`] a process is on.
pub enum Forked {
    Parent(Pid),
    Child,
}

/// Number of threads of the calling process.
pub fn thread_count() -> Result<usize, SysError> {
    std::fs::read_dir("/proc/self/task")
        .map(|d| d.count())
        .map_err(SysError::ThreadCount)
}

/// Fork the calling process, placing the child in the new namespaces named by `flags`
/// (empty flags: a plain fork). The process must be single-threaded; this is checked.
pub fn fork_into(flags: CloneFlags) -> Result<Forked, SysError> {
    let threads = thread_count()?;
    if threads != 1 {
        return Err(SysError::MultiThreaded(threads));
    }
    fork_again(flags)
}

/// [`fork_into`] for a process that is itself a child of `fork_into` and has started no
/// thread since: single-threaded by construction. (After joining a container's mount
/// namespace, `/proc/self` no longer shows it, so the check could not be made.)
pub fn fork_again(flags: CloneFlags) -> Result<Forked, SysError> {
    use std::io::Write;
    // Buffered output would otherwise be written twice, once by each process.
    let _ = std::io::stdout().flush();
    let _ = std::io::stderr().flush();
    let flags = (flags.bits() | libc::SIGCHLD) as libc::c_ulong;
    // SAFETY: with a null stack pointer, clone(2) behaves like fork(2): the child runs on a
    // copy of the caller's address space and stack. The process is single-threaded (checked
    // by fork_into, or established by the caller), so the child holds no lock that another
    // thread owned at the time of the call, and it may run ordinary Rust code. No pointers
    // are passed (parent/child tid and tls are 0).
    let ret = unsafe { libc::syscall(libc::SYS_clone, flags, 0usize, 0usize, 0usize, 0usize) };
    match Errno::result(ret)? {
        0 => Ok(Forked::Child),
        pid => Ok(Forked::Parent(Pid::from_raw(pid as libc::pid_t))),
    }
}

/// A copy of the caller's mount namespace owned by a new user namespace, child of the
/// caller's (for `setns`: the kernel locks every mount of such a copy). Made by a child that
/// shares the caller's memory and descriptors and is gone when this returns: the caller is
/// suspended meanwhile (CLONE_VFORK), and its address space is not copied, which a fork of a
/// large process would spend most of a millisecond on.
pub fn locked_mount_namespace() -> Result<OwnedFd, SysError> {
    use std::sync::atomic::{AtomicI32, Ordering};
    // The descriptor the child opened (in the shared table), or minus its errno.
    let opened = AtomicI32::new(-libc::EIO);
    let mut stack = vec![0u8; 64 << 10];
    let flags = CloneFlags::CLONE_VM
        | CloneFlags::CLONE_VFORK
        | CloneFlags::CLONE_FILES
        | CloneFlags::CLONE_NEWUSER
        | CloneFlags::CLONE_NEWNS;
    let child = Box::new(|| {
        // SAFETY: open(2) with a static, NUL-terminated path; the descriptor it returns goes
        // to the caller (the descriptor table is shared), which takes ownership of it.
        let fd = unsafe {
            libc::open(
                c"/proc/self/ns/mnt".as_ptr(),
                libc::O_RDONLY | libc::O_CLOEXEC,
            )
        };
        opened.store(
            if fd < 0 { -Errno::last_raw() } else { fd },
            Ordering::SeqCst,
        );
        0
    });
    // SAFETY: the child runs on `stack` (64 KiB for one open(2) and an atomic store) while the
    // caller is suspended (CLONE_VFORK) until it exits, so the memory they share is used by one
    // of them at a time; the child allocates nothing and returns, which ends it (the closure
    // and `stack` outlive it). The caller is single-threaded, as for any fork.
    let pid = unsafe { nix::sched::clone(child, &mut stack, flags, Some(libc::SIGCHLD)) }?;
    let _ = nix::sys::wait::waitpid(pid, None);
    match opened.load(Ordering::SeqCst) {
        // SAFETY: a fresh descriptor the child opened in the table it shared; nothing else
        // owns it.
        fd if fd >= 0 => Ok(unsafe { OwnedFd::from_raw_fd(fd) }),
        e => Err(Errno::from_raw(-e).into()),
    }
}

/// A file descriptor that refers to a process (stable even if the pid is reused).
pub fn pidfd_open(pid: Pid) -> Result<OwnedFd, SysError> {
    // SAFETY: pidfd_open takes a pid and flags by value and returns a new descriptor or -1.
    let fd = Errno::result(unsafe { libc::syscall(libc::SYS_pidfd_open, pid.as_raw(), 0) })?;
    // SAFETY: on success the kernel returned a fresh descriptor that nothing else owns.
    Ok(unsafe { OwnedFd::from_raw_fd(fd as RawFd) })
}

/// Send `sig` to the process behind a pidfd.
pub fn pidfd_send_signal(pidfd: BorrowedFd<'_>, sig: Signal) -> Result<(), SysError> {
    // SAFETY: the descriptor is borrowed (so open) for the whole call; a null siginfo pointer is
    // allowed and means "as kill(2) would send it"; flags must be 0.
    let ret = unsafe {
        libc::syscall(
            libc::SYS_pidfd_send_signal,
            pidfd.as_raw_fd(),
            sig as libc::c_int,
            std::ptr::null::<libc::siginfo_t>(),
            0,
        )
    };
    Errno::result(ret).map(drop).map_err(SysError::from)
}

/// Mark every descriptor from `first` up close-on-exec.
pub fn cloexec_from(first: RawFd) -> Result<(), SysError> {
    const CLOSE_RANGE_CLOEXEC: libc::c_uint = 4;
    // SAFETY: close_range takes plain integers; with CLOSE_RANGE_CLOEXEC it only sets a flag on
    // descriptors and closes nothing, so no owned descriptor in this process is invalidated.
    let ret = unsafe {
        libc::syscall(
            libc::SYS_close_range,
            first as libc::c_uint,
            libc::c_uint::MAX,
            CLOSE_RANGE_CLOEXEC,
        )
    };
    Errno::result(ret).map(drop).map_err(SysError::from)
}

/// Close every descriptor from 3 up but those in `keep`: what a process does first when it
/// must not hold anything its caller (or its parent) had open. Only for a process that owns
/// none of them otherwise (its start, or a forked child that never returns into its parent's
/// code): a value wrapping a closed descriptor would later close whatever reused the number.
pub fn close_fds_except(keep: &[RawFd]) -> Result<(), SysError> {
    let mut keep: Vec<libc::c_uint> = keep
        .iter()
        .filter(|&&fd| fd > 2)
        .map(|&fd| fd as libc::c_uint)
        .collect();
    keep.sort_unstable();
    keep.dedup();
    let mut first: libc::c_uint = 3;
    for fd in keep.into_iter().chain(std::iter::once(libc::c_uint::MAX)) {
        if fd > first {
            // SAFETY: close_range takes plain integers. The descriptors it closes are not
            // owned by any value this process will use again (the contract above).
            let ret = unsafe { libc::syscall(libc::SYS_close_range, first, fd - 1, 0) };
            Errno::result(ret)?;
        }
        first = fd.saturating_add(1);
    }
    Ok(())
}

// ---- the running executable ----

/// A sealed in-memory copy of the running executable (`/proc/self/exe`): its contents can
/// never change again, so a process executed from it shows no writable file as its
/// `/proc/PID/exe` (what CVE-2019-5736 overwrote). The descriptor is close-on-exec.
pub fn sealed_copy_of_self() -> Result<OwnedFd, SysError> {
    use nix::fcntl::{FcntlArg, SealFlag, fcntl};
    let name = c"nook";
    let flags = libc::MFD_CLOEXEC | libc::MFD_ALLOW_SEALING;
    // SAFETY: the name is a valid NUL-terminated string; flags by value.
    let mut fd = unsafe { libc::memfd_create(name.as_ptr(), flags | libc::MFD_EXEC) };
    if fd < 0 && Errno::last() == Errno::EINVAL {
        // A kernel before 6.3 knows no MFD_EXEC (and its memfds are always executable).
        // SAFETY: as above.
        fd = unsafe { libc::memfd_create(name.as_ptr(), flags) };
    }
    let fd = Errno::result(fd)?;
    // SAFETY: on success the kernel returned a fresh descriptor that nothing else owns.
    let memfd = unsafe { OwnedFd::from_raw_fd(fd) };
    let mut exe = std::fs::File::open("/proc/self/exe")
        .map_err(|e| Errno::from_raw(e.raw_os_error().unwrap_or(libc::EIO)))?;
    let mut copy = std::fs::File::from(memfd);
    std::io::copy(&mut exe, &mut copy)
        .map_err(|e| Errno::from_raw(e.raw_os_error().unwrap_or(libc::EIO)))?;
    let seals = SealFlag::F_SEAL_SEAL
        | SealFlag::F_SEAL_SHRINK
        | SealFlag::F_SEAL_GROW
        | SealFlag::F_SEAL_WRITE;
    fcntl(&copy, FcntlArg::F_ADD_SEALS(seals))?;
    Ok(OwnedFd::from(copy))
}

/// Is the running executable a sealed copy (see [`sealed_copy_of_self`])?
pub fn running_sealed_copy() -> bool {
    std::fs::File::open("/proc/self/exe").is_ok_and(|exe| is_sealed(&exe))
}

/// Can the contents of `file` never change again (a memfd sealed against writes, growth
/// and shrinking)? Ordinary files have no seals.
pub fn is_sealed(file: &impl AsFd) -> bool {
    use nix::fcntl::{FcntlArg, SealFlag, fcntl};
    fcntl(file, FcntlArg::F_GET_SEALS).is_ok_and(|bits| {
        SealFlag::from_bits_truncate(bits)
            .contains(SealFlag::F_SEAL_WRITE | SealFlag::F_SEAL_SHRINK | SealFlag::F_SEAL_GROW)
    })
}

/// Put every catchable signal back to its default action. Dispositions survive `execve`
/// only when they are "ignore" (Rust's runtime ignores SIGPIPE, for example), so a process
/// about to run a user's program calls this first.
pub fn reset_signal_dispositions() {
    use nix::sys::signal::{SaFlags, SigAction, SigHandler, SigSet, sigaction};
    let default = SigAction::new(SigHandler::SigDfl, SaFlags::empty(), SigSet::empty());
    for sig in Signal::iterator() {
        if matches!(sig, Signal::SIGKILL | Signal::SIGSTOP) {
            continue;
        }
        // SAFETY: installing SIG_DFL installs no handler code, so no async-signal-safety
        // requirement arises; the previous action is discarded.
        let _ = unsafe { sigaction(sig, &default) };
    }
}

// ---- terminals ----

nix::ioctl_write_ptr_bad!(ioctl_set_winsize, libc::TIOCSWINSZ, libc::winsize);
nix::ioctl_read_bad!(ioctl_get_winsize, libc::TIOCGWINSZ, libc::winsize);
nix::ioctl_write_ptr_bad!(ioctl_set_ptlck, libc::TIOCSPTLCK, libc::c_int);
nix::ioctl_read_bad!(ioctl_get_ptn, libc::TIOCGPTN, libc::c_uint);

/// Terminal size in rows and columns.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct WinSize {
    pub rows: u16,
    pub cols: u16,
}

pub fn get_winsize(fd: BorrowedFd<'_>) -> Result<WinSize, SysError> {
    let mut ws = libc::winsize {
        ws_row: 0,
        ws_col: 0,
        ws_xpixel: 0,
        ws_ypixel: 0,
    };
    // SAFETY: the descriptor is open for the call and `ws` is a valid, writable winsize.
    unsafe { ioctl_get_winsize(fd.as_raw_fd(), &mut ws) }?;
    Ok(WinSize {
        rows: ws.ws_row,
        cols: ws.ws_col,
    })
}

pub fn set_winsize(fd: BorrowedFd<'_>, size: WinSize) -> Result<(), SysError> {
    let ws = libc::winsize {
        ws_row: size.rows,
        ws_col: size.cols,
        ws_xpixel: 0,
        ws_ypixel: 0,
    };
    // SAFETY: the descriptor is open for the call and `ws` is a valid winsize read by the kernel.
    unsafe { ioctl_set_winsize(fd.as_raw_fd(), &ws) }?;
    Ok(())
}

/// Unlock a pseudo-terminal master and open its peer (the slave) without a path lookup,
/// returning the slave and its number in the master's devpts instance.
pub fn open_pty_peer(master: BorrowedFd<'_>) -> Result<(OwnedFd, u32), SysError> {
    let unlock: libc::c_int = 0;
    // SAFETY: the descriptor is open for the call; the kernel reads one int through the pointer.
    unsafe { ioctl_set_ptlck(master.as_raw_fd(), &unlock) }?;
    let mut number: libc::c_uint = 0;
    // SAFETY: the descriptor is open; the kernel writes one unsigned int through the pointer.
    unsafe { ioctl_get_ptn(master.as_raw_fd(), &mut number) }?;
    let flags = libc::O_RDWR | libc::O_NOCTTY | libc::O_CLOEXEC;
    // SAFETY: TIOCGPTPEER takes its flags by value and returns a new descriptor or -1.
    let fd =
        Errno::result(unsafe { libc::ioctl(master.as_raw_fd(), libc::TIOCGPTPEER as _, flags) })?;
    // SAFETY: on success the kernel returned a fresh descriptor that nothing else owns.
    Ok((unsafe { OwnedFd::from_raw_fd(fd) }, number))
}

/// Make `tty` the controlling terminal of the calling session leader.
pub fn set_controlling_tty(tty: BorrowedFd<'_>) -> Result<(), SysError> {
    // SAFETY: TIOCSCTTY takes an int argument by value (0: do not steal); the fd is open.
    Errno::result(unsafe { libc::ioctl(tty.as_raw_fd(), libc::TIOCSCTTY as _, 0) })?;
    Ok(())
}

// ---- the new mount API (Linux 5.2+; `lowerdir+` for overlayfs since 6.8) ----
//
// Mounts are made on descriptors, never on paths: a target is opened once (resolved inside
// a container's root, see `runtime::confine`), and what is mounted lands on exactly that
// directory or file, whatever a link or a rename does to the path meanwhile.

/// Flags of a mount (`MOUNT_ATTR_*`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct MountAttrs {
    pub read_only: bool,
    pub nosuid: bool,
    pub nodev: bool,
    pub noexec: bool,
}

impl MountAttrs {
    /// nosuid, nodev and noexec: what kernel filesystems and scratch space get.
    pub const SAFE: MountAttrs = MountAttrs {
        read_only: false,
        nosuid: true,
        nodev: true,
        noexec: true,
    };

    fn bits(self) -> u64 {
        let mut bits = 0;
        for (on, bit) in [
            (self.read_only, libc::MOUNT_ATTR_RDONLY),
            (self.nosuid, libc::MOUNT_ATTR_NOSUID),
            (self.nodev, libc::MOUNT_ATTR_NODEV),
            (self.noexec, libc::MOUNT_ATTR_NOEXEC),
        ] {
            if on {
                bits |= bit;
            }
        }
        bits
    }
}

/// An unfinished filesystem context from `fsopen(2)`.
pub struct FsContext(OwnedFd);

impl FsContext {
    pub fn open(fstype: &CStr) -> Result<Self, SysError> {
        // SAFETY: the name is a valid NUL-terminated string for the call; flags by value.
        let fd = Errno::result(unsafe {
            libc::syscall(libc::SYS_fsopen, fstype.as_ptr(), libc::FSOPEN_CLOEXEC)
        })?;
        // SAFETY: on success the kernel returned a fresh descriptor that nothing else owns.
        Ok(Self(unsafe { OwnedFd::from_raw_fd(fd as RawFd) }))
    }

    pub fn set_string(&self, key: &CStr, value: &CStr) -> Result<(), SysError> {
        // SAFETY: both strings are valid and NUL-terminated for the duration of the call.
        Errno::result(unsafe {
            libc::syscall(
                libc::SYS_fsconfig,
                self.0.as_raw_fd(),
                libc::FSCONFIG_SET_STRING,
                key.as_ptr(),
                value.as_ptr(),
                0,
            )
        })?;
        Ok(())
    }

    pub fn set_flag(&self, key: &CStr) -> Result<(), SysError> {
        // SAFETY: the key is a valid NUL-terminated string; a flag takes a null value.
        Errno::result(unsafe {
            libc::syscall(
                libc::SYS_fsconfig,
                self.0.as_raw_fd(),
                libc::FSCONFIG_SET_FLAG,
                key.as_ptr(),
                std::ptr::null::<libc::c_char>(),
                0,
            )
        })?;
        Ok(())
    }

    /// Create the superblock and attach it on `target` (a directory or file descriptor,
    /// `O_PATH` is enough) with `attrs`.
    pub fn mount_on(self, target: BorrowedFd<'_>, attrs: MountAttrs) -> Result<(), SysError> {
        // SAFETY: FSCONFIG_CMD_CREATE takes no key or value.
        Errno::result(unsafe {
            libc::syscall(
                libc::SYS_fsconfig,
                self.0.as_raw_fd(),
                libc::FSCONFIG_CMD_CREATE,
                std::ptr::null::<libc::c_char>(),
                std::ptr::null::<libc::c_char>(),
                0,
            )
        })?;
        // SAFETY: fsmount takes the context descriptor and two integer flag words.
        let mnt = Errno::result(unsafe {
            libc::syscall(
                libc::SYS_fsmount,
                self.0.as_raw_fd(),
                libc::FSMOUNT_CLOEXEC,
                attrs.bits(),
            )
        })?;
        // SAFETY: on success the kernel returned a fresh descriptor that nothing else owns.
        let mnt = unsafe { OwnedFd::from_raw_fd(mnt as RawFd) };
        Ok(move_mount(mnt.as_fd(), target)?)
    }
}

/// Attach the detached mount `tree` on `target`.
fn move_mount(tree: BorrowedFd<'_>, target: BorrowedFd<'_>) -> Result<(), Errno> {
    let empty = c"";
    // SAFETY: both descriptors are open for the call and both paths empty NUL-terminated
    // strings: with the two EMPTY_PATH flags the kernel uses the descriptors themselves.
    Errno::result(unsafe {
        libc::syscall(
            libc::SYS_move_mount,
            tree.as_raw_fd(),
            empty.as_ptr(),
            target.as_raw_fd(),
            empty.as_ptr(),
            libc::MOVE_MOUNT_F_EMPTY_PATH | libc::MOVE_MOUNT_T_EMPTY_PATH,
        )
    })?;
    Ok(())
}

/// Set `attrs` on the mount `fd` is on (and, with `recursive`, every mount beneath it):
/// flags that are off in `attrs` are left as they are.
pub fn set_mount_attrs(
    fd: BorrowedFd<'_>,
    attrs: MountAttrs,
    recursive: bool,
) -> Result<(), Errno> {
    let attr = libc::mount_attr {
        attr_set: attrs.bits(),
        attr_clr: 0,
        propagation: 0,
        userns_fd: 0,
    };
    let mut flags = libc::AT_EMPTY_PATH as libc::c_uint;
    if recursive {
        flags |= libc::AT_RECURSIVE as libc::c_uint;
    }
    let empty = c"";
    // SAFETY: the descriptor is open, the path an empty NUL-terminated string (AT_EMPTY_PATH:
    // the descriptor itself), `attr` a valid mount_attr of the size passed; the kernel only
    // reads them during the call.
    Errno::result(unsafe {
        libc::syscall(
            libc::SYS_mount_setattr,
            fd.as_raw_fd(),
            empty.as_ptr(),
            flags,
            &attr as *const libc::mount_attr,
            std::mem::size_of::<libc::mount_attr>(),
        )
    })
    .map(drop)
}

/// Bind the tree at `source` (with the mounts beneath it, when `recursive`) onto `target`,
/// both descriptors (`O_PATH` is enough), so no path is looked up again between a check and
/// the mount. The copy gets `attrs`, all the way down.
pub fn bind_tree(
    source: BorrowedFd<'_>,
    target: BorrowedFd<'_>,
    attrs: MountAttrs,
    recursive: bool,
) -> Result<(), Errno> {
    let empty = c"";
    let mut flags =
        libc::OPEN_TREE_CLONE | libc::OPEN_TREE_CLOEXEC | libc::AT_EMPTY_PATH as libc::c_uint;
    if recursive {
        flags |= libc::AT_RECURSIVE as libc::c_uint;
    }
    // SAFETY: the descriptor is open for the call, the path an empty NUL-terminated string
    // (AT_EMPTY_PATH: the descriptor itself), flags by value.
    let tree = Errno::result(unsafe {
        libc::syscall(
            libc::SYS_open_tree,
            source.as_raw_fd(),
            empty.as_ptr(),
            flags,
        )
    })?;
    // SAFETY: on success the kernel returned a fresh descriptor that nothing else owns.
    let tree = unsafe { OwnedFd::from_raw_fd(tree as RawFd) };
    if attrs != MountAttrs::default() {
        set_mount_attrs(tree.as_fd(), attrs, true)?;
    }
    move_mount(tree.as_fd(), target)
}

// ---- descriptor passing ----

/// Receive one datagram from a seqpacket socket into `buf`, with any descriptors sent along
/// (SCM_RIGHTS), which arrive close-on-exec. Returns the datagram length (0 at end of stream).
pub fn recv_with_fds(
    sock: BorrowedFd<'_>,
    buf: &mut [u8],
) -> Result<(usize, Vec<OwnedFd>), SysError> {
    use nix::sys::socket::{ControlMessageOwned, MsgFlags, recvmsg};
    let mut iov = [std::io::IoSliceMut::new(buf)];
    let mut space = nix::cmsg_space!([RawFd; 4]);
    let msg = recvmsg::<()>(
        sock.as_raw_fd(),
        &mut iov,
        Some(&mut space),
        MsgFlags::MSG_CMSG_CLOEXEC,
    )?;
    let mut fds = Vec::new();
    for cmsg in msg.cmsgs()? {
        if let ControlMessageOwned::ScmRights(raw) = cmsg {
            for fd in raw {
                // SAFETY: descriptors received with SCM_RIGHTS are new in this process and owned
                // by nobody else; each is wrapped exactly once.
                fds.push(unsafe { OwnedFd::from_raw_fd(fd) });
            }
        }
    }
    Ok((msg.bytes, fds))
}

// ---- network interfaces ----

/// Bring the network interface `name` (e.g. "lo") up in the calling network namespace.
pub fn set_link_up(name: &str) -> Result<(), SysError> {
    use nix::sys::socket::{AddressFamily, SockFlag, SockType, socket};
    let sock = socket(
        AddressFamily::Inet,
        SockType::Datagram,
        SockFlag::SOCK_CLOEXEC,
        None,
    )?;
    let mut req = ifreq(name)?;
    // SAFETY: the socket is open for the call and `req` is a valid, NUL-terminated ifreq that
    // the kernel reads and fills in (the flags member of the union).
    Errno::result(unsafe { libc::ioctl(sock.as_raw_fd(), libc::SIOCGIFFLAGS as _, &mut req) })?;
    // SAFETY: SIOCGIFFLAGS has just written the flags member, so reading it is defined.
    let flags = unsafe { req.ifr_ifru.ifru_flags };
    req.ifr_ifru.ifru_flags = flags | (libc::IFF_UP | libc::IFF_RUNNING) as libc::c_short;
    // SAFETY: as above; the kernel reads the name and the new flags.
    Errno::result(unsafe { libc::ioctl(sock.as_raw_fd(), libc::SIOCSIFFLAGS as _, &req) })?;
    Ok(())
}

/// An ifreq naming the interface `name`, all else zero.
fn ifreq(name: &str) -> Result<libc::ifreq, SysError> {
    let bytes = name.as_bytes();
    if bytes.len() >= libc::IFNAMSIZ {
        return Err(SysError::Errno(Errno::EINVAL));
    }
    // SAFETY: ifreq is plain old data (integers, arrays and a union of such); all-zero bytes
    // are a valid value of it.
    let mut req: libc::ifreq = unsafe { std::mem::zeroed() };
    for (dst, &src) in req.ifr_name.iter_mut().zip(bytes) {
        *dst = src as libc::c_char;
    }
    Ok(req)
}

/// Create the tap interface `name` (Ethernet frames, no packet information header) in the
/// calling network namespace, and return its queue: non-blocking, closed on exec. The
/// interface lives as long as the queue is open somewhere; what is sent through the
/// interface waits in the queue until someone reads it.
pub fn open_tap(name: &str) -> Result<OwnedFd, SysError> {
    use nix::fcntl::{OFlag, open};
    use nix::sys::stat::Mode;
    let tap = open(
        "/dev/net/tun",
        OFlag::O_RDWR | OFlag::O_NONBLOCK | OFlag::O_CLOEXEC,
        Mode::empty(),
    )?;
    let mut req = ifreq(name)?;
    req.ifr_ifru.ifru_flags = (libc::IFF_TAP | libc::IFF_NO_PI) as libc::c_short;
    // SAFETY: `tap` is an open tun device and `req` a valid ifreq with a NUL-terminated name
    // and the flags, which TUNSETIFF reads (and writes the name it chose back into).
    Errno::result(unsafe { libc::ioctl(tap.as_raw_fd(), libc::TUNSETIFF as _, &mut req) })?;
    Ok(tap)
}

/// Unmap the pages of this process's file mappings that hold nothing of its own (no
/// anonymous, written page: its code and read-only data) from its page tables: they stay in
/// the page cache, and a page is mapped again when next used. For a process that will run
/// almost no more code, as a namespace holder waiting in `pause()`, whose resident set then
/// keeps only what it has written and the few pages it still runs. Best effort.
pub fn unmap_file_pages() {
    let Ok(smaps) = std::fs::read_to_string("/proc/self/smaps") else {
        return;
    };
    let mut clean = Vec::new();
    let mut current: Option<(usize, usize)> = None;
    for line in smaps.lines() {
        let mut fields = line.split_whitespace();
        let Some(first) = fields.next() else {
            continue;
        };
        if let Some(kib) = first.strip_prefix("Anonymous:").map(|_| fields.next()) {
            if let (Some(range), Some("0")) = (current.take(), kib) {
                clean.push(range);
            }
            continue;
        }
        let Some((start, end)) = first.split_once('-') else {
            continue;
        };
        // A mapping's first line: range, perms, offset, device, inode, path.
        let inode = fields.nth(3);
        current = match (
            usize::from_str_radix(start, 16),
            usize::from_str_radix(end, 16),
            inode,
        ) {
            (Ok(start), Ok(end), Some(inode)) if inode != "0" && end > start => Some((start, end)),
            _ => None,
        };
    }
    for (start, end) in clean {
        // SAFETY: the range is a whole mapping of a file that, as /proc/self/smaps said a
        // moment ago, holds no anonymous page: everything in it is the file's own content,
        // so MADV_DONTNEED loses nothing, and each page is read again from the file when it
        // is next used (the code returning from this call among them). The process is
        // single-threaded, so no other thread wrote to it meanwhile.
        unsafe {
            libc::madvise(start as *mut libc::c_void, end - start, libc::MADV_DONTNEED);
        }
    }
}

/// End the calling process at once with `code`, running no exit handlers and flushing no
/// buffers: what a forked child must do, so the parent's state is not torn down twice.
pub fn exit_now(code: i32) -> ! {
    // SAFETY: _exit(2) takes an int by value and never returns; it touches no Rust state.
    unsafe { libc::_exit(code) }
}

/// Make the program `cmd` starts begin clean: no signal blocked and SIGPIPE at its default
/// (a monitor blocks the signals it relays, and Rust ignores SIGPIPE; both would otherwise be
/// inherited). With `die_with_parent`, it also receives SIGKILL when the calling thread ends
/// (`PR_SET_PDEATHSIG`), and does not start at all if the caller is already gone.
pub fn clean_child(cmd: &mut std::process::Command, die_with_parent: bool) {
    use std::os::unix::process::CommandExt;
    let parent = std::process::id() as libc::pid_t;
    // SAFETY: the hook runs in the forked child before execve, where only async-signal-safe
    // calls are allowed: sigemptyset, sigprocmask, signal, prctl, getppid and _exit are, and
    // the sigset is a local on the child's stack.
    unsafe {
        cmd.pre_exec(move || {
            let mut none: libc::sigset_t = std::mem::zeroed();
            libc::sigemptyset(&mut none);
            libc::sigprocmask(libc::SIG_SETMASK, &none, std::ptr::null_mut());
            libc::signal(libc::SIGPIPE, libc::SIG_DFL);
            if die_with_parent {
                if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL) != 0 {
                    return Err(std::io::Error::last_os_error());
                }
                // The parent died before the prctl took effect: nobody wants this program.
                if libc::getppid() != parent {
                    libc::_exit(1);
                }
            }
            Ok(())
        });
    }
}

/// Let the program `cmd` starts inherit the descriptor `fd`, under the same number (it is
/// otherwise closed on exec).
pub fn inherit_fd(cmd: &mut std::process::Command, fd: RawFd) {
    use std::os::unix::process::CommandExt;
    // SAFETY: the hook runs in the forked child before execve, where only async-signal-safe
    // calls are allowed: fcntl is one, on a descriptor the child has as the parent did.
    unsafe {
        cmd.pre_exec(move || {
            if libc::fcntl(fd, libc::F_SETFD, 0) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
}

/// Make the program `cmd` starts a daemon: it runs as the caller's grandchild, in a session of
/// its own, so the caller neither waits for it nor leaves a zombie (and needs no thread to reap
/// it: namespace set-up later must find the caller single-threaded). `spawn` returns once the
/// program is started (or failed to start); the child it returns has ended: wait for it.
pub fn detach(cmd: &mut std::process::Command) {
    use std::os::unix::process::CommandExt;
    // SAFETY: the hook runs in the forked child before execve, where only async-signal-safe
    // calls are allowed: clone as a plain fork (the raw system call, so that no atfork handler
    // of the multi-threaded parent runs), setsid and _exit are system calls, and nothing is
    // allocated. The grandchild returns into std, which goes on to execve; std's error pipe
    // is close-on-exec, so `spawn` still learns whether that execve succeeded.
    unsafe {
        cmd.pre_exec(|| {
            let flags = libc::SIGCHLD as libc::c_ulong;
            match libc::syscall(libc::SYS_clone, flags, 0usize, 0usize, 0usize, 0usize) {
                -1 => Err(std::io::Error::last_os_error()),
                0 => {
                    libc::setsid();
                    Ok(())
                }
                _ => libc::_exit(0),
            }
        });
    }
}

/// Accept a connection on a listening socket; the new socket is close-on-exec. On a
/// non-blocking listener, `Ok(None)` when no connection is waiting.
pub fn accept(listener: BorrowedFd<'_>) -> Result<Option<OwnedFd>, SysError> {
    match nix::sys::socket::accept4(
        listener.as_raw_fd(),
        nix::sys::socket::SockFlag::SOCK_CLOEXEC,
    ) {
        // SAFETY: accept4 returned a fresh descriptor that nothing else owns; it is wrapped
        // exactly once.
        Ok(fd) => Ok(Some(unsafe { OwnedFd::from_raw_fd(fd) })),
        Err(Errno::EAGAIN) => Ok(None),
        Err(e) => Err(e.into()),
    }
}

/// Install a seccomp filter (BPF instructions as `(code, jt, jf, k)`) on the calling thread
/// *without* setting no_new_privs: allowed to a thread with CAP_SYS_ADMIN in its user
/// namespace (a container's init before it drops its capabilities). Whether no_new_privs is
/// set stays the container's choice, as with docker.
pub fn install_seccomp_filter(program: &[(u16, u8, u8, u32)]) -> Result<(), SysError> {
    let filter: Vec<libc::sock_filter> = program
        .iter()
        .map(|&(code, jt, jf, k)| libc::sock_filter { code, jt, jf, k })
        .collect();
    let len = u16::try_from(filter.len()).map_err(|_| SysError::Errno(Errno::E2BIG))?;
    let prog = libc::sock_fprog {
        len,
        filter: filter.as_ptr() as *mut libc::sock_filter,
    };
    // SAFETY: `prog` points to `len` valid instructions that outlive the call; the kernel
    // copies the program (copy_from_user) and keeps no pointer to our memory.
    let ret = unsafe {
        libc::syscall(
            libc::SYS_seccomp,
            libc::SECCOMP_SET_MODE_FILTER,
            0 as libc::c_ulong,
            &prog as *const libc::sock_fprog,
        )
    };
    Errno::result(ret).map(drop).map_err(SysError::from)
}

/// The Landlock ABI version this kernel offers (`None`: no Landlock).
pub fn landlock_abi() -> Option<i64> {
    const LANDLOCK_CREATE_RULESET_VERSION: libc::c_uint = 1;
    // SAFETY: with a null attribute pointer, size 0 and the VERSION flag, the call only
    // returns the ABI version (or fails); it reads and writes no memory of ours.
    let v = unsafe {
        libc::syscall(
            libc::SYS_landlock_create_ruleset,
            std::ptr::null::<libc::c_void>(),
            0usize,
            LANDLOCK_CREATE_RULESET_VERSION,
        )
    };
    (v > 0).then_some(v)
}
