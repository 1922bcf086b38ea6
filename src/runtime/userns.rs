//! Running a piece of work as root of a new user namespace that has the user's id map, the
//! way the container itself sees ids. Used to unpack layers (files get their mapped owners),
//! to remove trees holding such files, and to probe overlayfs.
//!
//! The caller must be single-threaded: the work runs in a forked child.

use std::io::{PipeReader, PipeWriter, Read, Write};
use std::os::fd::BorrowedFd;

use nix::sched::CloneFlags;
use nix::sys::wait::{WaitStatus, waitpid};
use nix::unistd::{Gid, Pid, Uid, setgroups, setresgid, setresuid};
use serde::Serialize;
use serde::de::DeserializeOwned;

use super::idmap::{IdMap, IdMapError};
use crate::sys::{self, Forked};

#[derive(Debug, thiserror::Error)]
pub enum UsernsError {
    #[error(transparent)]
    Sys(#[from] sys::SysError),
    #[error(transparent)]
    IdMap(#[from] IdMapError),
    #[error(
        "cannot create a user namespace: {0}\n  \
         Check that unprivileged user namespaces are enabled (`nook doctor` tells how)"
    )]
    Clone(sys::SysError),
    #[error("cannot talk to the namespace helper: {0}")]
    Pipe(std::io::Error),
    #[error("{0}")]
    Work(String),
    #[error("the namespace helper ended abnormally ({0:?})")]
    Died(WaitStatus),
}

/// Become uid/gid 0 in a freshly mapped user namespace and drop supplementary groups, unless
/// they are to be kept (`keep_groups`: asked for, or a single-id map where setgroups is
/// denied).
pub fn become_root(keep_groups: bool) -> nix::Result<()> {
    if !keep_groups {
        setgroups(&[])?;
    }
    setresgid(Gid::from_raw(0), Gid::from_raw(0), Gid::from_raw(0))?;
    setresuid(Uid::from_raw(0), Uid::from_raw(0), Uid::from_raw(0))
}

/// Take uid `uid` and gid `gid` in a freshly mapped user namespace (no supplementary group,
/// unless `keep_groups`), keeping the capabilities its maker has there.
pub fn become_user(uid: u32, gid: u32, keep_groups: bool) -> nix::Result<()> {
    if !keep_groups {
        setgroups(&[])?;
    }
    setresgid(Gid::from_raw(gid), Gid::from_raw(gid), Gid::from_raw(gid))?;
    setresuid(Uid::from_raw(uid), Uid::from_raw(uid), Uid::from_raw(uid))
}

/// Run `work` as root of a new user namespace (plus the `extra` namespaces) mapped by `map`,
/// and return what it returned. Errors from `work` come back as [`UsernsError::Work`].
pub fn run_in_userns<T, F>(map: &IdMap, extra: CloneFlags, work: F) -> Result<T, UsernsError>
where
    T: Serialize + DeserializeOwned,
    F: FnOnce() -> Result<T, String>,
{
    spawn_in_userns(map, extra, work)?.finish()
}

/// A child process doing a piece of work; its result comes back when it is done.
pub struct WorkChild<T> {
    pid: Pid,
    result: PipeReader,
    _result: std::marker::PhantomData<T>,
}

impl<T: DeserializeOwned> WorkChild<T> {
    /// Wait for the work to end and return its result.
    pub fn finish(mut self) -> Result<T, UsernsError> {
        let mut out = Vec::new();
        self.result
            .read_to_end(&mut out)
            .map_err(UsernsError::Pipe)?;
        let status = loop {
            match waitpid(self.pid, None) {
                Err(nix::errno::Errno::EINTR) => continue,
                other => break other.map_err(sys::SysError::from)?,
            }
        };
        match serde_json::from_slice::<Result<T, String>>(&out) {
            Ok(r) => r.map_err(UsernsError::Work),
            Err(_) => Err(UsernsError::Died(status)),
        }
    }
}

/// Start `work` as root of a new user namespace (plus `extra`) mapped by `map`, and return
/// once it runs, so that the caller can feed or drain pipes the work uses before
/// [`WorkChild::finish`].
pub fn spawn_in_userns<T, F>(
    map: &IdMap,
    extra: CloneFlags,
    work: F,
) -> Result<WorkChild<T>, UsernsError>
where
    T: Serialize + DeserializeOwned,
    F: FnOnce() -> Result<T, String>,
{
    let (res_r, res_w) = std::io::pipe().map_err(UsernsError::Pipe)?;
    // The user's namespace with this map, from its holder: no id map to write.
    if let Some(user) = super::holder::shared(map) {
        return match sys::fork_into(CloneFlags::empty()).map_err(UsernsError::Clone)? {
            Forked::Child => {
                drop(res_r);
                let _ = nix::sys::prctl::set_pdeathsig(nix::sys::signal::Signal::SIGKILL);
                child_body(res_w, || {
                    super::holder::enter(std::os::fd::AsFd::as_fd(&user), extra)?;
                    become_root(map.is_single())
                        .map_err(|e| format!("cannot become root in the user namespace: {e}"))?;
                    work()
                })
            }
            Forked::Parent(pid) => Ok(WorkChild {
                pid,
                result: res_r,
                _result: std::marker::PhantomData,
            }),
        };
    }
    let (mut go_r, mut go_w) = std::io::pipe().map_err(UsernsError::Pipe)?;
    match sys::fork_into(CloneFlags::CLONE_NEWUSER | extra).map_err(UsernsError::Clone)? {
        Forked::Child => {
            drop(go_w);
            drop(res_r);
            // Work for a parent that is gone (an aborted pull) is wasted.
            let _ = nix::sys::prctl::set_pdeathsig(nix::sys::signal::Signal::SIGKILL);
            let mut byte = [0u8; 1];
            // The parent writes one byte once the id map is in place, or closes the pipe.
            if go_r.read_exact(&mut byte).is_err() {
                crate::sys::exit_now(1);
            }
            drop(go_r);
            child_body(res_w, || {
                become_root(map.is_single())
                    .map_err(|e| format!("cannot become root in the user namespace: {e}"))?;
                work()
            })
        }
        Forked::Parent(pid) => {
            drop(go_r);
            drop(res_w);
            if let Err(e) = map.apply(pid) {
                drop(go_w);
                let _ = waitpid(pid, None);
                return Err(e.into());
            }
            go_w.write_all(b"g").map_err(UsernsError::Pipe)?;
            Ok(WorkChild {
                pid,
                result: res_r,
                _result: std::marker::PhantomData,
            })
        }
    }
}

/// Start `work` in the namespaces `flags` of the process behind `pidfd` (a running
/// container's PID 1), as root of its user namespace; see [`spawn_in_userns`].
pub fn spawn_joined<T, F>(
    pidfd: BorrowedFd<'_>,
    flags: CloneFlags,
    work: F,
) -> Result<WorkChild<T>, UsernsError>
where
    T: Serialize + DeserializeOwned,
    F: FnOnce() -> Result<T, String>,
{
    let (res_r, res_w) = std::io::pipe().map_err(UsernsError::Pipe)?;
    match sys::fork_into(CloneFlags::empty()).map_err(UsernsError::Clone)? {
        Forked::Child => {
            drop(res_r);
            let _ = nix::sys::prctl::set_pdeathsig(nix::sys::signal::Signal::SIGKILL);
            // The container's processes must not reach the host through this one.
            let _ = nix::sys::prctl::set_dumpable(false);
            child_body(res_w, || {
                nix::sched::setns(pidfd, flags)
                    .map_err(|e| format!("cannot join the container's namespaces: {e}"))?;
                work()
            })
        }
        Forked::Parent(pid) => {
            drop(res_w);
            Ok(WorkChild {
                pid,
                result: res_r,
                _result: std::marker::PhantomData,
            })
        }
    }
}

/// Run `work` in a forked child, send its result (or a panic's message) and exit.
fn child_body<T: Serialize>(mut res_w: PipeWriter, work: impl FnOnce() -> Result<T, String>) -> ! {
    let outcome: Result<T, String> =
        match std::panic::catch_unwind(std::panic::AssertUnwindSafe(work)) {
            Ok(r) => r,
            Err(_) => Err("internal error: the namespace helper panicked".to_string()),
        };
    let ok = serde_json::to_writer(&mut res_w, &outcome).is_ok() && res_w.flush().is_ok();
    crate::sys::exit_now(if ok { 0 } else { 1 });
}
