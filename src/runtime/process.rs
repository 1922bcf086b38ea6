//! The container's process, after `pivot_root`: who it runs as (names resolved from the
//! image's own /etc/passwd and /etc/group), which file it executes (docker's 126/127 rules),
//! and, with `--init`, the small PID 1 that reaps orphans and forwards signals.

use std::convert::Infallible;
use std::ffi::CString;
use std::fs;
use std::io::{Read, Write};
use std::os::fd::AsFd;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use nix::errno::Errno;
use nix::sys::signal::{SigSet, SigmaskHow, Signal, kill, sigprocmask};
use nix::sys::wait::{WaitPidFlag, WaitStatus, waitpid};
use nix::unistd::{AccessFlags, Pid, access, execve, getpid, setpgid, tcsetpgrp};

use super::confine::{self, Create, Root};
use crate::sys::{self, Forked};

/// Why the container's process could not start, with docker's exit code for it.
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct StartFailure {
    pub code: i32,
    pub message: String,
}

impl StartFailure {
    /// A failure of nook's own set-up (exit 125).
    pub fn setup(message: impl Into<String>) -> Self {
        Self {
            code: 125,
            message: message.into(),
        }
    }
}

/// The identity the process runs as.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExecUser {
    pub uid: u32,
    pub gid: u32,
    pub groups: Vec<u32>,
    pub home: String,
}

struct PasswdEntry {
    name: String,
    uid: u32,
    gid: u32,
    home: String,
}

fn read_passwd(text: &str) -> Vec<PasswdEntry> {
    text.lines()
        .filter_map(|l| {
            let f: Vec<&str> = l.split(':').collect();
            (f.len() >= 6).then_some(())?;
            Some(PasswdEntry {
                name: f[0].to_string(),
                uid: f[2].parse().ok()?,
                gid: f[3].parse().ok()?,
                home: f[5].to_string(),
            })
        })
        .collect()
}

/// (name, gid, members)
fn read_group(text: &str) -> Vec<(String, u32, Vec<String>)> {
    text.lines()
        .filter_map(|l| {
            let f: Vec<&str> = l.split(':').collect();
            (f.len() >= 3).then_some(())?;
            let members = f
                .get(3)
                .map(|m| {
                    m.split(',')
                        .filter(|s| !s.is_empty())
                        .map(str::to_string)
                        .collect()
                })
                .unwrap_or_default();
            Some((f[0].to_string(), f[2].parse().ok()?, members))
        })
        .collect()
}

/// Resolve `user[:group]` (names or numbers; empty means root) against the given
/// passwd and group files, as docker does.
pub fn resolve_user(spec: &str, passwd: &str, group: &str) -> Result<ExecUser, StartFailure> {
    let (user_part, group_part) = match spec.split_once(':') {
        Some((u, g)) => (u, Some(g)),
        None => (spec, None),
    };
    let users = read_passwd(passwd);
    let groups = read_group(group);
    let user_part = if user_part.is_empty() { "0" } else { user_part };
    let entry = users.iter().find(|e| e.name == user_part).or_else(|| {
        user_part
            .parse::<u32>()
            .ok()
            .and_then(|uid| users.iter().find(|e| e.uid == uid))
    });
    let (uid, mut gid, home, name) = match (entry, user_part.parse::<u32>()) {
        (Some(e), _) => (e.uid, e.gid, e.home.clone(), Some(e.name.clone())),
        (None, Ok(uid)) => (uid, 0, "/".to_string(), None),
        (None, Err(_)) => {
            return Err(StartFailure::setup(format!(
                "unable to find user {user_part}: no matching entries in the image's /etc/passwd"
            )));
        }
    };
    if let Some(g) = group_part {
        gid = group_id(g, &groups)?;
    }
    let mut supplementary: Vec<u32> = match (&name, group_part) {
        // As docker: supplementary groups come from /etc/group only when no group was forced.
        (Some(n), None) => groups
            .iter()
            .filter(|(_, _, members)| members.contains(n))
            .map(|(_, id, _)| *id)
            .collect(),
        _ => Vec::new(),
    };
    if !supplementary.contains(&gid) {
        supplementary.insert(0, gid);
    }
    Ok(ExecUser {
        uid,
        gid,
        groups: supplementary,
        home: if home.is_empty() {
            "/".to_string()
        } else {
            home
        },
    })
}

/// A group's id: its entry's in the group file, else `g` as a number.
fn group_id(g: &str, groups: &[(String, u32, Vec<String>)]) -> Result<u32, StartFailure> {
    match groups.iter().find(|(n, _, _)| n == g) {
        Some((_, id, _)) => Ok(*id),
        None => g.parse().map_err(|_| {
            StartFailure::setup(format!(
                "unable to find group {g}: no matching entries in the image's /etc/group"
            ))
        }),
    }
}

/// A file of the container's (we are in its root), its links followed only inside it;
/// absent or unreadable: empty.
fn read_in_root(path: &str) -> String {
    let read = || -> Option<String> {
        let fd = Root::open(Path::new("/"))
            .ok()?
            .open_path(path, Create::Nothing)
            .ok()?;
        let file = confine::reopen(fd.as_fd(), nix::fcntl::OFlag::O_RDONLY).ok()?;
        let mut text = String::new();
        fs::File::from(file).read_to_string(&mut text).ok()?;
        Some(text)
    };
    read().unwrap_or_default()
}

/// Resolve `spec` against the container's /etc/passwd and /etc/group (absent files are
/// empty), with the supplementary groups `extra` (`--group-add`: names or numbers) too.
pub fn resolve_user_in_root(spec: &str, extra: &[String]) -> Result<ExecUser, StartFailure> {
    let passwd = read_in_root("/etc/passwd");
    let group = read_in_root("/etc/group");
    let mut user = resolve_user(spec, &passwd, &group)?;
    if extra.is_empty() {
        return Ok(user);
    }
    let groups = read_group(&group);
    for g in extra {
        let id = group_id(g, &groups)?;
        if !user.groups.contains(&id) {
            user.groups.push(id);
        }
    }
    Ok(user)
}

/// Make `cwd` (a path in the container, whose root is ours now) the working directory,
/// following its links only inside the container, and check that it is inside: a descriptor
/// leaked from outside (`/proc/self/fd/N`, CVE-2024-21626) would leave it unreachable from
/// the root. With `create`, missing directories are made, as docker does for WORKDIR.
pub fn enter_workdir(cwd: &str, create: Create) -> Result<(), StartFailure> {
    let refused = |why: String| StartFailure {
        code: if create == Create::Nothing { 126 } else { 125 },
        message: format!("cannot use {cwd} as the working directory: {why}"),
    };
    let dir = Root::open(Path::new("/"))
        .and_then(|root| root.open_path(cwd, create))
        .map_err(|e| refused(e.to_string()))?;
    if !confine::is_dir(dir.as_fd()) {
        return Err(refused("not a directory".to_string()));
    }
    nix::unistd::fchdir(&dir).map_err(|e| refused(e.to_string()))?;
    match std::env::current_dir() {
        Ok(p) if p.is_absolute() => Ok(()),
        _ => Err(refused(
            "it is outside the container's root filesystem".to_string(),
        )),
    }
}

/// Find what `cmd` names, searching `path` (the container's $PATH) when it has no slash.
pub fn find_executable(cmd: &str, path: &str) -> Result<PathBuf, StartFailure> {
    let not_found = |why: String| StartFailure {
        code: 127,
        message: why,
    };
    if cmd.is_empty() {
        return Err(not_found("exec: no command given".to_string()));
    }
    if cmd.contains('/') {
        let p = PathBuf::from(cmd);
        check_executable(&p, cmd)?;
        return Ok(p);
    }
    for dir in path.split(':').filter(|d| !d.is_empty()) {
        let candidate = Path::new(dir).join(cmd);
        if candidate.is_file() && access(&candidate, AccessFlags::X_OK).is_ok() {
            return Ok(candidate);
        }
    }
    Err(not_found(format!(
        "exec: \"{cmd}\": executable file not found in $PATH"
    )))
}

fn check_executable(p: &Path, cmd: &str) -> Result<(), StartFailure> {
    let meta = fs::metadata(p).map_err(|_| StartFailure {
        code: 127,
        message: format!("exec: \"{cmd}\": no such file or directory"),
    })?;
    let denied = |why: &str| StartFailure {
        code: 126,
        message: format!("exec: \"{cmd}\": {why}"),
    };
    if meta.is_dir() {
        return Err(denied("is a directory"));
    }
    if meta.permissions().mode() & 0o111 == 0 || access(p, AccessFlags::X_OK).is_err() {
        return Err(denied("permission denied"));
    }
    Ok(())
}

/// The exit code docker gives for an `execve` error.
pub fn exec_failure(cmd: &str, e: Errno) -> StartFailure {
    let code = if e == Errno::ENOENT { 127 } else { 126 };
    StartFailure {
        code,
        message: format!("exec: \"{cmd}\": {}", e.desc().to_lowercase()),
    }
}

fn cstrings(items: &[String]) -> Result<Vec<CString>, StartFailure> {
    items
        .iter()
        .map(|s| {
            CString::new(s.as_bytes()).map_err(|_| {
                StartFailure::setup(format!("argument or variable {s:?} contains a NUL byte"))
            })
        })
        .collect()
}

/// A container's program under `--init`: its own process group, in the terminal's
/// foreground, so ^C reaches it once.
pub fn own_process_group(terminal: bool) -> Result<(), StartFailure> {
    let me = getpid();
    let _ = setpgid(me, me);
    if terminal {
        let _ = tcsetpgrp(std::io::stdin(), me);
    }
    Ok(())
}

/// Replace this process with the program. Returns only on failure.
pub fn exec(exe: &Path, args: &[String], env: &[String]) -> StartFailure {
    let (path, argv, envp) = match (
        CString::new(exe.as_os_str().as_encoded_bytes()),
        cstrings(args),
        cstrings(env),
    ) {
        (Ok(p), Ok(a), Ok(e)) => (p, a, e),
        (_, Err(f), _) | (_, _, Err(f)) => return f,
        (Err(_), _, _) => return StartFailure::setup("the command path contains a NUL byte"),
    };
    sys::reset_signal_dispositions();
    let _ = sigprocmask(SigmaskHow::SIG_SETMASK, Some(&SigSet::empty()), None);
    match execve(&path, &argv, &envp) {
        Err(e) => exec_failure(&args[0], e),
        Ok(never) => match never {},
    }
}

/// Replace what /proc/PID/cmdline shows of this process with `title` (cut to fit): PID 1
/// under `--init` was forked from the monitor, whose command line names the store (your
/// home). The arguments' memory is rewritten through /proc/self/mem, its last byte left NUL.
pub fn set_title(title: &str) {
    use std::os::unix::fs::FileExt;
    let stat = fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // Fields 48 and 49 (arg_start, arg_end), after the command name's closing ')'.
    let fields: Vec<&str> = stat
        .rfind(')')
        .map(|i| stat[i + 2..].split(' ').collect())
        .unwrap_or_default();
    let field = |n: usize| fields.get(n - 3).and_then(|f| f.parse::<u64>().ok());
    let (Some(start), Some(end)) = (field(48), field(49)) else {
        return;
    };
    let Ok(len) = usize::try_from(end.saturating_sub(start)) else {
        return;
    };
    let mut bytes = vec![0u8; len];
    let shown = &title.as_bytes()[..title.len().min(len.saturating_sub(1))];
    bytes[..shown.len()].copy_from_slice(shown);
    if let Ok(mem) = fs::OpenOptions::new().write(true).open("/proc/self/mem") {
        let _ = mem.write_at(&bytes, start);
    }
}

/// `--init`: stay as PID 1, run the program as its child, forward signals to it (to its
/// whole process group with `to_group`, as a terminal would), reap every orphan, and exit
/// with the program's status (128+N when a signal N ended it).
/// `in_child` runs in the child just before it executes the program (what fails there is
/// reported like a failed execve); `started` is called once the program has been executed.
/// Errors before that are returned.
pub fn run_as_init(
    exe: &Path,
    args: &[String],
    env: &[String],
    to_group: bool,
    in_child: impl FnOnce() -> Result<(), StartFailure>,
    started: impl FnOnce(),
) -> Result<Infallible, StartFailure> {
    SigSet::all()
        .thread_block()
        .map_err(|e| StartFailure::setup(format!("cannot block signals: {e}")))?;
    let (mut err_r, mut err_w) =
        std::io::pipe().map_err(|e| StartFailure::setup(format!("cannot create a pipe: {e}")))?;
    let child = match sys::fork_into(nix::sched::CloneFlags::empty())
        .map_err(|e| StartFailure::setup(format!("cannot fork the program: {e}")))?
    {
        Forked::Child => {
            drop(err_r);
            let failure = match in_child() {
                Ok(()) => exec(exe, args, env),
                Err(f) => f,
            };
            let _ = write!(err_w, "{}\n{}", failure.code, failure.message);
            crate::sys::exit_now(failure.code);
        }
        Forked::Parent(pid) => pid,
    };
    drop(err_w);
    let mut report = String::new();
    let _ = err_r.read_to_string(&mut report);
    if let Some((code, message)) = report.split_once('\n') {
        let _ = waitpid(child, None);
        return Err(StartFailure {
            code: code.parse().unwrap_or(126),
            message: message.to_string(),
        });
    }
    started();
    let signals = SigSet::all();
    loop {
        let sig = match signals.wait() {
            Ok(s) => s,
            Err(_) => continue,
        };
        if sig != Signal::SIGCHLD {
            // The program leads its own group (it made one, or a session).
            let _ = kill(
                if to_group {
                    Pid::from_raw(-child.as_raw())
                } else {
                    child
                },
                sig,
            );
            continue;
        }
        loop {
            match waitpid(Pid::from_raw(-1), Some(WaitPidFlag::WNOHANG)) {
                Ok(WaitStatus::Exited(pid, code)) if pid == child => crate::sys::exit_now(code),
                Ok(WaitStatus::Signaled(pid, sig, _)) if pid == child => {
                    crate::sys::exit_now(128 + sig as i32)
                }
                Ok(WaitStatus::StillAlive) | Err(_) => break,
                Ok(_) => {}
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PASSWD: &str = "root:x:0:0:root:/root:/bin/sh\napp:x:1000:1000::/home/app:/bin/sh\nweb:x:33:33::/var/www:/bin/sh\n";
    const GROUP: &str = "root:x:0:\napp:x:1000:\nwheel:x:10:app,web\nweb:x:33:\n";

    #[test]
    fn resolves_names_numbers_and_groups() {
        let u = resolve_user("", PASSWD, GROUP).unwrap();
        assert_eq!((u.uid, u.gid, u.home.as_str()), (0, 0, "/root"));
        let u = resolve_user("app", PASSWD, GROUP).unwrap();
        assert_eq!((u.uid, u.gid), (1000, 1000));
        assert_eq!(u.groups, vec![1000, 10]);
        assert_eq!(u.home, "/home/app");
        let u = resolve_user("1000", PASSWD, GROUP).unwrap();
        assert_eq!(u.home, "/home/app");
        let u = resolve_user("4242", PASSWD, GROUP).unwrap();
        assert_eq!((u.uid, u.gid, u.home.as_str()), (4242, 0, "/"));
        let u = resolve_user("app:web", PASSWD, GROUP).unwrap();
        assert_eq!((u.uid, u.gid), (1000, 33));
        assert_eq!(u.groups, vec![33]);
        let u = resolve_user("33:77", PASSWD, GROUP).unwrap();
        assert_eq!((u.uid, u.gid), (33, 77));
        assert!(resolve_user("nobody-here", PASSWD, GROUP).is_err());
        assert!(resolve_user("app:nogroup", PASSWD, GROUP).is_err());
    }

    #[test]
    fn lookup_codes() {
        assert_eq!(
            find_executable("sh", "/bin:/usr/bin").unwrap(),
            PathBuf::from("/bin/sh")
        );
        assert_eq!(
            find_executable("no-such-cmd", "/bin").unwrap_err().code,
            127
        );
        assert_eq!(find_executable("/no/such", "/bin").unwrap_err().code, 127);
        let dir = tempfile::tempdir().unwrap();
        let plain = dir.path().join("plain");
        fs::write(&plain, "data").unwrap();
        fs::set_permissions(&plain, fs::Permissions::from_mode(0o644)).unwrap();
        assert_eq!(
            find_executable(plain.to_str().unwrap(), "/bin")
                .unwrap_err()
                .code,
            126
        );
        assert_eq!(
            find_executable(dir.path().to_str().unwrap(), "/bin")
                .unwrap_err()
                .code,
            126
        );
        // a non-executable file in PATH is skipped, as by execvp
        assert_eq!(
            find_executable("plain", dir.path().to_str().unwrap())
                .unwrap_err()
                .code,
            127
        );
        assert_eq!(exec_failure("x", Errno::ENOEXEC).code, 126);
    }
}
