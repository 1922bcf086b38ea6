//! Running another program in a running container (`nook exec`):
//!
//! ```text
//! nook exec (single-threaded)           relays terminal and signals, returns the status
//!   └─ joiner   put in the container's cgroup, then
//!      │        setns(pidfd of the container's PID 1, USER|MNT|PID|UTS|IPC|NET|CGROUP):
//!      │        all at once, through the pidfd, so a recycled pid is never entered;
//!      │        waits for the program and exits with its status
//!      └─ program   born in the container's pid namespace: its user, working directory,
//!                   terminal, capabilities and no_new_privs as the container's own process
//! ```
//! The joiner is needed because a process enters a pid namespace only by being created in
//! it. Messages come back over a [`Channel`] that closes when the program is executed.

use std::convert::Infallible;
use std::fs;
use std::os::fd::{AsFd, AsRawFd, OwnedFd};

use nix::fcntl::{OFlag, open};
use nix::sched::CloneFlags;
use nix::sys::prctl;
use nix::sys::signal::Signal;
use nix::sys::stat::Mode;
use nix::sys::wait::{WaitStatus, waitpid};
use nix::unistd::{Pid, setsid};
use serde::{Deserialize, Serialize};

use super::channel::{Channel, ChannelError};
use super::confine::Create;
use super::idmap::IdMap;
use super::launch::{ProcessSpec, Security, drop_privileges, search_path, with_home};
use super::process::{self, StartFailure};
use super::relay::{self, RawMode, Relay, Stream};
use crate::sys::{self, Forked};

#[derive(Debug, thiserror::Error)]
pub enum ExecError {
    #[error("cannot start the process in the container: {0}")]
    Fork(sys::SysError),
    #[error(transparent)]
    Channel(#[from] ChannelError),
    #[error("cannot set up signal handling: {0}")]
    Signals(nix::Error),
    #[error(transparent)]
    Start(StartFailure),
    #[error("the process in the container ended before it could start")]
    Vanished,
    #[error("cannot relay the terminal: {0}")]
    Terminal(std::io::Error),
}

impl ExecError {
    /// docker's exit code for this failure.
    pub fn exit_code(&self) -> i32 {
        match self {
            ExecError::Start(f) => f.code,
            _ => 125,
        }
    }
}

/// What to run, and in which container.
pub struct ExecSpec {
    /// A pidfd of the container's PID 1.
    pub init: OwnedFd,
    /// Its pid, as we see it.
    pub init_pid: i32,
    pub idmap: IdMap,
    pub process: ProcessSpec,
    pub caps: Vec<String>,
    pub security: Security,
    /// `exec -d`: return once the program runs; it runs on without us, its output discarded.
    pub detach: bool,
}

#[derive(Serialize, Deserialize)]
enum ToJoiner {
    /// In the container's cgroup (if it has one): go on.
    Placed,
}

#[derive(Serialize, Deserialize)]
enum FromJoiner {
    /// Carries the master side of the program's terminal.
    Terminal,
    /// Carries a pidfd of the program, which is about to be executed.
    Started,
    Failed {
        code: i32,
        message: String,
    },
}

const NAMESPACES: CloneFlags = CloneFlags::CLONE_NEWUSER
    .union(CloneFlags::CLONE_NEWNS)
    .union(CloneFlags::CLONE_NEWPID)
    .union(CloneFlags::CLONE_NEWUTS)
    .union(CloneFlags::CLONE_NEWIPC)
    .union(CloneFlags::CLONE_NEWNET)
    .union(CloneFlags::CLONE_NEWCGROUP);

/// The namespaces of process `pid` to join: those it does not share with us (a container on
/// the host's network or pid namespace shares them, and joining one's own is refused to a
/// process without privileges over it).
fn to_join(pid: i32) -> CloneFlags {
    let same = |name: &str| {
        let link = |of: &str| std::fs::read_link(format!("/proc/{of}/ns/{name}")).ok();
        link("self").is_some_and(|mine| Some(mine) == link(&pid.to_string()))
    };
    [
        (CloneFlags::CLONE_NEWPID, "pid"),
        (CloneFlags::CLONE_NEWNET, "net"),
        (CloneFlags::CLONE_NEWUTS, "uts"),
        (CloneFlags::CLONE_NEWIPC, "ipc"),
    ]
    .into_iter()
    .filter(|(_, name)| same(name))
    .fold(NAMESPACES, |flags, (flag, _)| flags.difference(flag))
}

/// Run `spec` in its container with our stdio (or a terminal of the container's own devpts)
/// and return its docker-style status. `place` puts the joiner (host pid given) in the
/// container's cgroup before it does anything. The caller must be single-threaded.
pub fn exec(
    spec: &ExecSpec,
    place: impl FnOnce(Pid) -> Result<(), String>,
) -> Result<i32, ExecError> {
    let signals = relay::signal_fd().map_err(ExecError::Signals)?;
    let (chan, child_end) = Channel::pair()?;
    // Without a terminal, the program's streams are pipes that we relay, never our own
    // descriptors: a terminal of the user's handed over would stay the container's (to read
    // keystrokes, or push input) after this command has returned.
    let pipes = match spec.process.terminal || spec.detach {
        true => None,
        false => Some(Pipes::new(spec.process.interactive).map_err(ExecError::Terminal)?),
    };
    // Detached, the program writes to /dev/null: nobody is there to read.
    let discard = match spec.detach {
        true => Some(ProgramStdio::discarded().map_err(ExecError::Terminal)?),
        false => None,
    };
    let joiner = match sys::fork_into(CloneFlags::empty()).map_err(ExecError::Fork)? {
        Forked::Child => {
            drop(chan);
            joiner_main(spec, child_end, pipes.map(Pipes::program_ends).or(discard))
        }
        Forked::Parent(pid) => pid,
    };
    drop(discard);
    drop(child_end);
    let ours = pipes.map(Pipes::our_ends);
    let joiner_fd = sys::pidfd_open(joiner).map_err(ExecError::Fork)?;
    if let Err(message) = place(joiner) {
        let _ = nix::sys::signal::kill(joiner, Signal::SIGKILL);
        reap(joiner);
        return Err(ExecError::Start(StartFailure::setup(message)));
    }
    chan.send(&ToJoiner::Placed)?;
    let mut terminal = None;
    let mut program = None;
    loop {
        match chan.recv_with_fds::<FromJoiner>() {
            Ok(Some((FromJoiner::Terminal, mut fds))) => terminal = fds.pop(),
            Ok(Some((FromJoiner::Started, mut fds))) => program = fds.pop(),
            Ok(Some((FromJoiner::Failed { code, message }, _))) => {
                reap(joiner);
                return Err(ExecError::Start(StartFailure { code, message }));
            }
            // Closed once the program is executed (and the joiner let go of its end).
            Ok(None) => break,
            Err(e) => {
                reap(joiner);
                return Err(e.into());
            }
        }
    }
    let Some(program) = program else {
        reap(joiner);
        return Err(ExecError::Vanished);
    };
    if spec.detach {
        // The joiner waits for the program and goes with it, reparented.
        return Ok(0);
    }
    let interactive = spec.process.interactive;
    let raw = (terminal.is_some()
        && interactive
        && nix::unistd::isatty(std::io::stdin()).unwrap_or(false))
    .then(RawMode::enter)
    .flatten();
    let stdin = std::io::stdin();
    let (outputs, input) = match (&terminal, ours) {
        (Some(m), _) => (
            vec![(m.try_clone().map_err(ExecError::Terminal)?, Stream::Stdout)],
            match interactive {
                true => Some((stdin.as_fd(), m.try_clone().map_err(ExecError::Terminal)?)),
                false => None,
            },
        ),
        (None, Some(p)) => (
            vec![(p.stdout, Stream::Stdout), (p.stderr, Stream::Stderr)],
            p.stdin.map(|w| (stdin.as_fd(), w)),
        ),
        (None, None) => (Vec::new(), None),
    };
    if let Some(m) = &terminal {
        relay::copy_winsize(m.as_fd());
    }
    Relay {
        outputs,
        input,
        signals: &signals,
        done: joiner_fd.as_fd(),
    }
    .run(
        |stream, data| {
            let _ = match stream {
                Stream::Stdout => relay::write_all_fd(std::io::stdout().as_fd(), data),
                Stream::Stderr => relay::write_all_fd(std::io::stderr().as_fd(), data),
            };
        },
        |sig| match (sig, &terminal) {
            (Signal::SIGWINCH, Some(m)) => relay::copy_winsize(m.as_fd()),
            (Signal::SIGWINCH, None) => {}
            (sig, _) => {
                let _ = sys::pidfd_send_signal(program.as_fd(), sig);
            }
        },
    );
    drop(raw);
    Ok(match reap(joiner) {
        Some(WaitStatus::Exited(_, code)) => code,
        Some(WaitStatus::Signaled(_, sig, _)) => 128 + sig as i32,
        _ => 125,
    })
}

/// The pipes a program without a terminal talks through: (read, write) pairs.
struct Pipes {
    stdin: Option<(OwnedFd, OwnedFd)>,
    stdout: (OwnedFd, OwnedFd),
    stderr: (OwnedFd, OwnedFd),
}

/// The program's ends: its stdin (none: /dev/null), stdout and stderr.
struct ProgramStdio {
    stdin: Option<OwnedFd>,
    stdout: OwnedFd,
    stderr: OwnedFd,
}

impl ProgramStdio {
    /// No input, output to /dev/null.
    fn discarded() -> std::io::Result<Self> {
        let null = || -> std::io::Result<OwnedFd> {
            Ok(fs::OpenOptions::new().write(true).open("/dev/null")?.into())
        };
        Ok(ProgramStdio {
            stdin: None,
            stdout: null()?,
            stderr: null()?,
        })
    }
}

/// Our ends: what we feed its stdin through, and read its output from.
struct OurStdio {
    stdin: Option<OwnedFd>,
    stdout: OwnedFd,
    stderr: OwnedFd,
}

impl Pipes {
    fn new(stdin: bool) -> std::io::Result<Self> {
        let pipe =
            || nix::unistd::pipe2(nix::fcntl::OFlag::O_CLOEXEC).map_err(std::io::Error::from);
        Ok(Pipes {
            stdin: stdin.then(pipe).transpose()?,
            stdout: pipe()?,
            stderr: pipe()?,
        })
    }

    fn program_ends(self) -> ProgramStdio {
        ProgramStdio {
            stdin: self.stdin.map(|(r, _)| r),
            stdout: self.stdout.1,
            stderr: self.stderr.1,
        }
    }

    fn our_ends(self) -> OurStdio {
        OurStdio {
            stdin: self.stdin.map(|(_, w)| w),
            stdout: self.stdout.0,
            stderr: self.stderr.0,
        }
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

/// The joiner. Never returns.
fn joiner_main(spec: &ExecSpec, chan: Channel, stdio: Option<ProgramStdio>) -> ! {
    let fail = |chan: &Channel, f: StartFailure| -> ! {
        let _ = chan.send(&FromJoiner::Failed {
            code: f.code,
            message: f.message,
        });
        sys::exit_now(f.code)
    };
    // Nothing of the host may be reached through this process from inside the container:
    // only what it needs stays open (CVE-2024-21626), and its /proc entries are closed.
    let mut keep = vec![chan.as_fd().as_raw_fd(), spec.init.as_raw_fd()];
    if let Some(s) = &stdio {
        keep.extend(s.stdin.iter().map(|f| f.as_raw_fd()));
        keep.extend([s.stdout.as_raw_fd(), s.stderr.as_raw_fd()]);
    }
    if let Err(e) = sys::close_fds_except(&keep) {
        fail(&chan, StartFailure::setup(format!("close_range: {e}")));
    }
    // Detached, it holds none of the caller's streams (a pipe it held open would keep
    // whoever reads `nook exec -d`'s output waiting for as long as the program runs), and
    // is in a session of its own (the caller's terminal going away is nothing to it).
    if spec.detach {
        let detached = fs::OpenOptions::new()
            .read(true)
            .write(true)
            .open("/dev/null")
            .and_then(|null| {
                nix::unistd::dup2_stdin(&null)?;
                nix::unistd::dup2_stdout(&null)?;
                nix::unistd::dup2_stderr(&null)?;
                Ok(())
            });
        if let Err(e) = detached {
            fail(&chan, StartFailure::setup(format!("/dev/null: {e}")));
        }
        let _ = setsid();
    }
    let _ = prctl::set_dumpable(false);
    // Detached, it outlives nook exec (and waits for the program); else it goes with it.
    if !spec.detach
        && let Err(e) = prctl::set_pdeathsig(Signal::SIGKILL)
    {
        fail(&chan, StartFailure::setup(format!("prctl: {e}")));
    }
    if !matches!(chan.recv::<ToJoiner>(), Ok(Some(ToJoiner::Placed))) {
        sys::exit_now(125);
    }
    if let Err(e) = nix::sched::setns(spec.init.as_fd(), to_join(spec.init_pid)) {
        fail(
            &chan,
            StartFailure::setup(format!("cannot join the container's namespaces: {e}")),
        );
    }
    let program = match sys::fork_again(CloneFlags::empty()) {
        Ok(Forked::Child) => match program_main(spec, &chan, stdio) {
            Err(f) => fail(&chan, f),
            Ok(never) => match never {},
        },
        Ok(Forked::Parent(pid)) => pid,
        Err(e) => fail(
            &chan,
            StartFailure::setup(format!("cannot fork in the container: {e}")),
        ),
    };
    drop(stdio);
    match sys::pidfd_open(program) {
        Ok(fd) => {
            let _ = chan.send_with_fd(&FromJoiner::Started, fd.as_fd());
        }
        Err(e) => fail(
            &chan,
            StartFailure::setup(format!("cannot open a pidfd of the process: {e}")),
        ),
    }
    drop(chan);
    let code = match reap(program) {
        Some(WaitStatus::Exited(_, code)) => code,
        Some(WaitStatus::Signaled(_, sig, _)) => 128 + sig as i32,
        _ => 125,
    };
    sys::exit_now(code)
}

/// The program, in the container's pid namespace. Returns only on failure.
fn program_main(
    spec: &ExecSpec,
    chan: &Channel,
    stdio: Option<ProgramStdio>,
) -> Result<Infallible, StartFailure> {
    prctl::set_pdeathsig(Signal::SIGKILL)
        .map_err(|e| StartFailure::setup(format!("prctl: {e}")))?;
    let p = &spec.process;
    let user = process::resolve_user_in_root(&p.user, &p.groups)?;
    let env = with_home(&p.env, &user);
    process::enter_workdir(&p.cwd, Create::Nothing)?;
    setsid().map_err(|e| StartFailure::setup(format!("setsid: {e}")))?;
    let dup = |e: nix::Error| StartFailure::setup(format!("dup2: {e}"));
    match stdio {
        None => {
            let master = open(
                "/dev/pts/ptmx",
                OFlag::O_RDWR | OFlag::O_NOCTTY | OFlag::O_NOFOLLOW | OFlag::O_CLOEXEC,
                Mode::empty(),
            )
            .map_err(|e| {
                StartFailure::setup(format!("cannot open a terminal in the container: {e}"))
            })?;
            let (slave, _) = sys::open_pty_peer(master.as_fd()).map_err(|e| {
                StartFailure::setup(format!("cannot open a terminal in the container: {e}"))
            })?;
            chan.send_with_fd(&FromJoiner::Terminal, master.as_fd())
                .map_err(|e| StartFailure::setup(e.to_string()))?;
            sys::set_controlling_tty(slave.as_fd())
                .map_err(|e| StartFailure::setup(format!("cannot attach the terminal: {e}")))?;
            nix::unistd::dup2_stdin(&slave).map_err(dup)?;
            nix::unistd::dup2_stdout(&slave).map_err(dup)?;
            nix::unistd::dup2_stderr(&slave).map_err(dup)?;
        }
        Some(s) => {
            match s.stdin {
                Some(input) => nix::unistd::dup2_stdin(&input).map_err(dup)?,
                None => {
                    let null = fs::File::open("/dev/null")
                        .map_err(|e| StartFailure::setup(format!("/dev/null: {e}")))?;
                    nix::unistd::dup2_stdin(&null).map_err(dup)?;
                }
            }
            nix::unistd::dup2_stdout(&s.stdout).map_err(dup)?;
            nix::unistd::dup2_stderr(&s.stderr).map_err(dup)?;
        }
    }
    sys::cloexec_from(3).map_err(|e| StartFailure::setup(format!("close_range: {e}")))?;
    drop_privileges(&spec.idmap, &user, &spec.caps, &spec.security)?;
    let exe = process::find_executable(&p.args[0], search_path(&env))?;
    Err(process::exec(&exe, &p.args, &env))
}
