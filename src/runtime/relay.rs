//! Moving bytes and signals between the user and a container's process while it runs: the
//! loop the monitor and `nook exec` share. Output descriptors (pipes, or a terminal's master
//! side) are read as data arrives, input is copied to the process, signals are passed on,
//! and the loop ends once the process has ended and its output is drained.

use std::io;
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};

use nix::errno::Errno;
use nix::poll::{PollFd, PollFlags, PollTimeout, poll};
use nix::sys::signal::{SigSet, Signal};
use nix::sys::signalfd::{SfdFlags, SignalFd};
use nix::sys::termios::{SetArg, Termios, cfmakeraw, tcgetattr, tcsetattr};

/// Which of the process's outputs bytes came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stream {
    Stdout,
    Stderr,
}

/// Signals passed on to the container's process, as docker's `--sig-proxy` does.
pub const FORWARDED: &[Signal] = &[
    Signal::SIGINT,
    Signal::SIGTERM,
    Signal::SIGHUP,
    Signal::SIGQUIT,
    Signal::SIGUSR1,
    Signal::SIGUSR2,
    Signal::SIGALRM,
    Signal::SIGCONT,
];

/// Block the forwarded signals and SIGWINCH and receive them on a descriptor instead. Done
/// before any fork: children unblock them themselves.
pub fn signal_fd() -> Result<SignalFd, Errno> {
    let mut mask = SigSet::empty();
    for s in FORWARDED {
        mask.add(*s);
    }
    mask.add(Signal::SIGWINCH);
    mask.thread_block()?;
    SignalFd::with_flags(&mask, SfdFlags::SFD_CLOEXEC | SfdFlags::SFD_NONBLOCK)
}

/// Undo [`signal_fd`]'s blocking (for a process that goes on after relaying).
pub fn restore_signals() {
    let mut mask = SigSet::empty();
    for s in FORWARDED {
        mask.add(*s);
    }
    mask.add(Signal::SIGWINCH);
    let _ = mask.thread_unblock();
}

/// The signals that have arrived on `signals`.
pub fn pending(signals: &SignalFd) -> Vec<Signal> {
    let mut out = Vec::new();
    while let Ok(Some(info)) = signals.read_signal() {
        if let Ok(sig) = Signal::try_from(info.ssi_signo as i32) {
            out.push(sig);
        }
    }
    out
}

/// The terminal on stdin in raw mode (no echo, no line editing, no signals from keys), so
/// that every key reaches the container's terminal; restored on drop.
pub struct RawMode {
    saved: Termios,
}

impl RawMode {
    pub fn enter() -> Option<Self> {
        let stdin = io::stdin();
        let saved = tcgetattr(stdin.as_fd()).ok()?;
        let mut raw = saved.clone();
        cfmakeraw(&mut raw);
        tcsetattr(stdin.as_fd(), SetArg::TCSADRAIN, &raw).ok()?;
        Some(Self { saved })
    }
}

impl Drop for RawMode {
    fn drop(&mut self) {
        let _ = tcsetattr(io::stdin().as_fd(), SetArg::TCSADRAIN, &self.saved);
    }
}

/// Copy the size of our own terminal to the container's.
pub fn copy_winsize(to: BorrowedFd<'_>) {
    if let Ok(size) = crate::sys::get_winsize(io::stdout().as_fd())
        .or_else(|_| crate::sys::get_winsize(io::stdin().as_fd()))
    {
        let _ = crate::sys::set_winsize(to, size);
    }
}

pub fn write_all_fd(fd: BorrowedFd<'_>, mut data: &[u8]) -> Result<(), Errno> {
    while !data.is_empty() {
        match nix::unistd::write(fd, data) {
            Ok(n) => data = &data[n..],
            Err(Errno::EINTR) => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

/// What one relay moves.
pub struct Relay<'a> {
    /// The process's outputs: pipes, or the master side of its terminal.
    pub outputs: Vec<(OwnedFd, Stream)>,
    /// Copy this (our stdin) to that (the process's input: a pipe, closed at end of file so
    /// that it sees end of file too, or a terminal's master side).
    pub input: Option<(BorrowedFd<'a>, OwnedFd)>,
    /// Signals for us, to pass on.
    pub signals: &'a SignalFd,
    /// Readable once the process has ended.
    pub done: BorrowedFd<'a>,
}

/// Input on its way to the process: read from `from` only when what was read before has
/// been written, and written without blocking, so that a process that does not read its
/// input never stops its output from being relayed.
struct Feed<'a> {
    from: BorrowedFd<'a>,
    to: OwnedFd,
    pending: Vec<u8>,
    eof: bool,
}

impl Feed<'_> {
    /// What to wait for: more input, or room in the process's input.
    fn poll_fd(&self) -> PollFd<'_> {
        match self.pending.is_empty() {
            true => PollFd::new(self.from, PollFlags::POLLIN),
            false => PollFd::new(self.to.as_fd(), PollFlags::POLLOUT),
        }
    }

    /// Move what can be moved now; false once the feed is over (end of input, all written,
    /// or the process's input closed).
    fn step(&mut self, buf: &mut [u8]) -> bool {
        if self.pending.is_empty() && !self.eof {
            match nix::unistd::read(self.from, buf) {
                Err(Errno::EINTR | Errno::EAGAIN) => {}
                Ok(0) | Err(_) => self.eof = true,
                Ok(n) => self.pending.extend_from_slice(&buf[..n]),
            }
        }
        while !self.pending.is_empty() {
            match nix::unistd::write(self.to.as_fd(), &self.pending) {
                Ok(n) => {
                    self.pending.drain(..n);
                }
                Err(Errno::EINTR) => {}
                Err(Errno::EAGAIN) => return true,
                Err(_) => return false,
            }
        }
        !self.eof
    }
}

impl Relay<'_> {
    /// Run until `done` is readable and the outputs are drained. `output` gets what the
    /// process wrote; `signal` what arrived for it.
    pub fn run(self, mut output: impl FnMut(Stream, &[u8]), mut signal: impl FnMut(Signal)) {
        let Relay {
            outputs,
            input,
            signals,
            done,
        } = self;
        let mut outputs: Vec<(OwnedFd, Stream)> = outputs;
        let mut input = input.and_then(|(from, to)| {
            let flags = nix::fcntl::fcntl(&to, nix::fcntl::FcntlArg::F_GETFL).ok()?;
            let flags =
                nix::fcntl::OFlag::from_bits_truncate(flags) | nix::fcntl::OFlag::O_NONBLOCK;
            nix::fcntl::fcntl(&to, nix::fcntl::FcntlArg::F_SETFL(flags)).ok()?;
            Some(Feed {
                from,
                to,
                pending: Vec::new(),
                eof: false,
            })
        });
        let mut buf = vec![0u8; 64 * 1024];
        let mut finished = false;
        loop {
            let mut fds = vec![
                PollFd::new(signals.as_fd(), PollFlags::POLLIN),
                PollFd::new(done, PollFlags::POLLIN),
            ];
            fds.extend(
                outputs
                    .iter()
                    .map(|(fd, _)| PollFd::new(fd.as_fd(), PollFlags::POLLIN)),
            );
            if let (Some(feed), false) = (&input, finished) {
                fds.push(feed.poll_fd());
            }
            let timeout = if finished {
                PollTimeout::ZERO
            } else {
                PollTimeout::NONE
            };
            match poll(&mut fds, timeout) {
                Err(Errno::EINTR) => continue,
                Err(_) => return,
                Ok(_) => {}
            }
            let ready: Vec<bool> = fds
                .iter()
                .map(|f| f.revents().is_some_and(|r| !r.is_empty()))
                .collect();
            drop(fds);
            if ready[0] {
                for sig in pending(signals) {
                    signal(sig);
                }
            }
            let mut any_data = false;
            let mut closed = Vec::new();
            for (i, (fd, stream)) in outputs.iter().enumerate() {
                if !ready[2 + i] {
                    continue;
                }
                match nix::unistd::read(fd.as_fd(), &mut buf) {
                    Ok(0) | Err(Errno::EIO) => closed.push(i),
                    Ok(n) => {
                        any_data = true;
                        output(*stream, &buf[..n]);
                    }
                    Err(Errno::EINTR | Errno::EAGAIN) => {}
                    Err(_) => closed.push(i),
                }
            }
            if let Some(feed) = &mut input
                && !finished
                && ready.get(2 + outputs.len()) == Some(&true)
                && !feed.step(&mut buf)
            {
                // Dropped: the process sees the end of its input.
                input = None;
            }
            for i in closed.into_iter().rev() {
                outputs.remove(i);
            }
            finished |= ready[1];
            // Once the process is gone, read what is still buffered (no writer is left), then stop.
            if finished && (!any_data || outputs.is_empty()) {
                return;
            }
        }
    }
}
