//! Typed messages between the stages of a container start: a `SOCK_SEQPACKET` socket pair
//! (one message per datagram, end of stream when every peer copy is closed) carrying JSON,
//! and descriptors where needed (the terminal's master side).

use std::io::IoSlice;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, OwnedFd};

use nix::sys::socket::{
    AddressFamily, Backlog, ControlMessage, MsgFlags, SockFlag, SockType, UnixAddr, bind, connect,
    listen, recv, sendmsg, socket, socketpair,
};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::sys;

#[derive(Debug, thiserror::Error)]
pub enum ChannelError {
    #[error("cannot create a socket pair: {0}")]
    Create(nix::Error),
    #[error("cannot send to the other stage: {0}")]
    Send(nix::Error),
    #[error("cannot receive from the other stage: {0}")]
    Recv(sys::SysError),
    #[error("malformed message from the other stage: {0}")]
    Decode(serde_json::Error),
    #[error("cannot connect: {0}")]
    Connect(nix::Error),
    #[error("a message of {0} bytes is more than the other stage reads")]
    TooLarge(usize),
}

const MAX_MESSAGE: usize = 64 * 1024;

pub struct Channel {
    fd: OwnedFd,
}

impl Channel {
    pub fn pair() -> Result<(Channel, Channel), ChannelError> {
        let (a, b) = socketpair(
            AddressFamily::Unix,
            SockType::SeqPacket,
            None,
            SockFlag::SOCK_CLOEXEC,
        )
        .map_err(ChannelError::Create)?;
        Ok((Channel { fd: a }, Channel { fd: b }))
    }

    pub fn send<M: Serialize>(&self, msg: &M) -> Result<(), ChannelError> {
        self.send_inner(msg, &[])
    }

    pub fn send_with_fd<M: Serialize>(
        &self,
        msg: &M,
        fd: BorrowedFd<'_>,
    ) -> Result<(), ChannelError> {
        self.send_with_fds(msg, &[fd])
    }

    pub fn send_with_fds<M: Serialize>(
        &self,
        msg: &M,
        fds: &[BorrowedFd<'_>],
    ) -> Result<(), ChannelError> {
        self.send_inner(msg, fds)
    }

    fn send_inner<M: Serialize>(
        &self,
        msg: &M,
        fds: &[BorrowedFd<'_>],
    ) -> Result<(), ChannelError> {
        let bytes = serde_json::to_vec(msg).expect("messages always serialize");
        // (The receiver would get it cut short.)
        if bytes.len() > MAX_MESSAGE {
            return Err(ChannelError::TooLarge(bytes.len()));
        }
        let raw: Vec<i32> = fds.iter().map(|f| f.as_raw_fd()).collect();
        let cmsgs: Vec<ControlMessage<'_>> = if raw.is_empty() {
            Vec::new()
        } else {
            vec![ControlMessage::ScmRights(&raw)]
        };
        sendmsg::<()>(
            self.fd.as_raw_fd(),
            &[IoSlice::new(&bytes)],
            &cmsgs,
            MsgFlags::MSG_NOSIGNAL,
            None,
        )
        .map_err(ChannelError::Send)?;
        Ok(())
    }

    /// The next message, or `None` once every copy of the peer end is closed.
    pub fn recv<M: DeserializeOwned>(&self) -> Result<Option<M>, ChannelError> {
        Ok(self.recv_with_fds()?.map(|(m, _)| m))
    }

    pub fn recv_with_fds<M: DeserializeOwned>(
        &self,
    ) -> Result<Option<(M, Vec<OwnedFd>)>, ChannelError> {
        // A buffer of the message's size, not of the largest: zeroing 64 KiB would copy as
        // many pages in a process just forked (a container's init), for a message of a few
        // hundred bytes. (Larger than any sender sends, a message is cut short and refused.)
        let size = loop {
            match recv(
                self.fd.as_raw_fd(),
                &mut [],
                MsgFlags::MSG_PEEK | MsgFlags::MSG_TRUNC,
            ) {
                Err(nix::errno::Errno::EINTR) => continue,
                r => break r.map_err(|e| ChannelError::Recv(e.into()))?,
            }
        };
        if size == 0 {
            return Ok(None);
        }
        let mut buf = vec![0u8; size.min(MAX_MESSAGE)];
        let (n, fds) = loop {
            match sys::recv_with_fds(self.fd.as_fd(), &mut buf) {
                Err(sys::SysError::Errno(nix::errno::Errno::EINTR)) => continue,
                r => break r.map_err(ChannelError::Recv)?,
            }
        };
        if n == 0 {
            return Ok(None);
        }
        let msg = serde_json::from_slice(&buf[..n]).map_err(ChannelError::Decode)?;
        Ok(Some((msg, fds)))
    }
}

impl Channel {
    /// Connect to the listener at `path` (see [`Listener`]).
    pub fn connect(path: &std::path::Path) -> Result<Channel, ChannelError> {
        let fd = socket(
            AddressFamily::Unix,
            SockType::SeqPacket,
            SockFlag::SOCK_CLOEXEC,
            None,
        )
        .map_err(ChannelError::Create)?;
        let addr = UnixAddr::new(path).map_err(ChannelError::Create)?;
        connect(fd.as_raw_fd(), &addr).map_err(ChannelError::Connect)?;
        Ok(Channel { fd })
    }
}

/// A listening `SOCK_SEQPACKET` socket at a path (non-blocking: see [`Listener::accept`]);
/// each connection is a [`Channel`].
pub struct Listener {
    fd: OwnedFd,
}

impl Listener {
    pub fn bind(path: &std::path::Path) -> Result<Listener, ChannelError> {
        let fd = socket(
            AddressFamily::Unix,
            SockType::SeqPacket,
            SockFlag::SOCK_CLOEXEC | SockFlag::SOCK_NONBLOCK,
            None,
        )
        .map_err(ChannelError::Create)?;
        let addr = UnixAddr::new(path).map_err(ChannelError::Create)?;
        bind(fd.as_raw_fd(), &addr).map_err(ChannelError::Create)?;
        listen(&fd, Backlog::new(64).map_err(ChannelError::Create)?)
            .map_err(ChannelError::Create)?;
        Ok(Listener { fd })
    }

    /// The next waiting connection (a blocking channel), or `None` if there is none.
    pub fn accept(&self) -> Result<Option<Channel>, ChannelError> {
        Ok(sys::accept(self.fd.as_fd())
            .map_err(ChannelError::Recv)?
            .map(|fd| Channel { fd }))
    }
}

impl AsFd for Listener {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.fd.as_fd()
    }
}

impl AsFd for Channel {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.fd.as_fd()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{Read, Write};

    #[test]
    fn messages_and_descriptors_cross() {
        let (a, b) = Channel::pair().unwrap();
        a.send(&("hello", 42u32)).unwrap();
        let got: (String, u32) = b.recv().unwrap().unwrap();
        assert_eq!(got, ("hello".to_string(), 42));

        let (mut r, mut w) = std::io::pipe().unwrap();
        a.send_with_fd(&"pipe", w.as_fd()).unwrap();
        let (msg, mut fds): (String, _) = b.recv_with_fds().unwrap().unwrap();
        assert_eq!(msg, "pipe");
        let mut passed = std::fs::File::from(fds.pop().unwrap());
        passed.write_all(b"through").unwrap();
        drop(passed);
        w.flush().unwrap();
        drop(w);
        let mut s = String::new();
        r.read_to_string(&mut s).unwrap();
        assert_eq!(s, "through");

        drop(a);
        assert!(b.recv::<String>().unwrap().is_none());
    }

    #[test]
    fn messages_of_any_size_arrive_whole() {
        let (a, b) = Channel::pair().unwrap();
        let large = "y".repeat(MAX_MESSAGE - 16);
        a.send(&"s").unwrap();
        a.send(&large).unwrap();
        a.send(&"t").unwrap();
        assert_eq!(b.recv::<String>().unwrap().unwrap(), "s");
        assert_eq!(b.recv::<String>().unwrap().unwrap(), large);
        assert_eq!(b.recv::<String>().unwrap().unwrap(), "t");
        // A datagram larger than any sender sends (from a peer that does not check) is refused
        // whole, and the next message is read as it came.
        let oversized = format!("\"{}\"", "z".repeat(MAX_MESSAGE + 10));
        nix::sys::socket::send(a.fd.as_raw_fd(), oversized.as_bytes(), MsgFlags::empty()).unwrap();
        a.send(&"u").unwrap();
        assert!(matches!(b.recv::<String>(), Err(ChannelError::Decode(_))));
        assert_eq!(b.recv::<String>().unwrap().unwrap(), "u");
    }

    #[test]
    fn a_message_too_large_to_read_is_not_sent() {
        let (a, b) = Channel::pair().unwrap();
        let big = "x".repeat(MAX_MESSAGE);
        assert!(matches!(a.send(&big), Err(ChannelError::TooLarge(_))));
        a.send(&"small").unwrap();
        assert_eq!(b.recv::<String>().unwrap().unwrap(), "small");
    }
}
