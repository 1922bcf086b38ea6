//! Published ports without pasta, for a machine with no network (pasta needs an interface
//! with a default route to copy): a `nook __forward` process binds the ports on the host, then
//! joins the container's user and network namespaces, and carries each TCP connection (and
//! each UDP peer's datagrams) to the same port on the container's loopback.

use std::collections::HashMap;
use std::fs::File;
use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{IpAddr, Ipv4Addr, Shutdown, SocketAddr, TcpListener, TcpStream, UdpSocket};
use std::os::fd::AsFd;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};

use nix::sched::CloneFlags;

use super::{PortBinding, Proto};

/// The hidden subcommand of the forwarding process.
pub const FORWARD_COMMAND: &str = "__forward";

#[derive(Debug, thiserror::Error)]
pub enum ForwardError {
    #[error("cannot start nook's port forwarder: {0}")]
    Spawn(io::Error),
    #[error("cannot forward the published ports: {0}")]
    Failed(String),
}

/// The running forwarder of a container's ports; ended when dropped.
pub struct Forwarder {
    child: Child,
}

impl Forwarder {
    /// Bind `ports` on the host and forward them into the network namespace of process
    /// `pid` (the container's keeper); returns once they are bound.
    pub fn start(pid: i32, ports: &[PortBinding]) -> Result<Forwarder, ForwardError> {
        let mut child = Command::new("/proc/self/exe")
            .arg(FORWARD_COMMAND)
            .arg(pid.to_string())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .map_err(ForwardError::Spawn)?;
        let spec = serde_json::to_vec(ports).expect("ports serialize");
        let sent = child.stdin.take().map(|mut s| s.write_all(&spec));
        let mut line = String::new();
        if let Some(out) = child.stdout.take() {
            let _ = BufReader::new(out).read_line(&mut line);
        }
        let forwarder = Forwarder { child };
        match (sent, line.trim()) {
            (Some(Ok(())), "ready") => Ok(forwarder),
            (_, "") => Err(ForwardError::Failed("the forwarder ended".to_string())),
            (_, why) => Err(ForwardError::Failed(why.to_string())),
        }
    }
}

impl Drop for Forwarder {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The body of `nook __forward PID` (the ports as JSON on stdin): say `ready` (or why not) on
/// stdout once they are bound, then forward until killed or the monitor is gone.
pub fn serve(pid: &str) -> i32 {
    let _ = nix::sys::prctl::set_pdeathsig(nix::sys::signal::Signal::SIGKILL);
    match bind_and_enter(pid) {
        Ok(bound) => {
            let _ = writeln!(io::stdout(), "ready");
            forward(bound);
            0
        }
        Err(why) => {
            let _ = writeln!(io::stdout(), "{why}");
            1
        }
    }
}

enum Bound {
    Tcp(TcpListener, u16),
    Udp(UdpSocket, u16),
}

/// Bind every port here (the host's namespace), then move into the container's.
fn bind_and_enter(pid: &str) -> Result<Vec<Bound>, String> {
    let mut spec = Vec::new();
    io::stdin()
        .read_to_end(&mut spec)
        .map_err(|e| format!("cannot read the ports: {e}"))?;
    let ports: Vec<PortBinding> =
        serde_json::from_slice(&spec).map_err(|e| format!("malformed ports: {e}"))?;
    let mut bound = Vec::new();
    for p in &ports {
        let at = SocketAddr::new(
            p.host_ip.unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED)),
            p.host_port,
        );
        let failed = |e: io::Error| format!("cannot bind {at}/{}: {e}", p.proto);
        bound.push(match p.proto {
            Proto::Tcp => Bound::Tcp(TcpListener::bind(at).map_err(failed)?, p.container_port),
            Proto::Udp => Bound::Udp(UdpSocket::bind(at).map_err(failed)?, p.container_port),
        });
    }
    // The user namespace first: its owner's processes have every capability in it, which
    // joining the network namespace it owns then needs.
    for (kind, flag) in [
        ("user", CloneFlags::CLONE_NEWUSER),
        ("net", CloneFlags::CLONE_NEWNET),
    ] {
        let ns = File::open(format!("/proc/{pid}/ns/{kind}"))
            .map_err(|e| format!("cannot open the container's {kind} namespace: {e}"))?;
        nix::sched::setns(ns.as_fd(), flag)
            .map_err(|e| format!("cannot join the container's {kind} namespace: {e}"))?;
    }
    Ok(bound)
}

/// Serve every port, a thread each (threads made now are in the container's namespace, so
/// the sockets they open are too).
fn forward(bound: Vec<Bound>) {
    let threads: Vec<_> = bound
        .into_iter()
        .map(|b| {
            std::thread::spawn(move || match b {
                Bound::Tcp(listener, port) => serve_tcp(listener, port),
                Bound::Udp(socket, port) => serve_udp(socket, port),
            })
        })
        .collect();
    for t in threads {
        let _ = t.join();
    }
}

fn serve_tcp(listener: TcpListener, port: u16) {
    for client in listener.incoming().flatten() {
        std::thread::spawn(move || {
            let Ok(inner) = TcpStream::connect((Ipv4Addr::LOCALHOST, port)) else {
                return;
            };
            let (Ok(client2), Ok(inner2)) = (client.try_clone(), inner.try_clone()) else {
                return;
            };
            let one_way = |mut from: TcpStream, mut to: TcpStream| {
                let _ = io::copy(&mut from, &mut to);
                let _ = to.shutdown(Shutdown::Write);
            };
            let back = std::thread::spawn(move || one_way(inner2, client2));
            one_way(client, inner);
            let _ = back.join();
        });
    }
}

/// A socket of the container's side for `peer`, connected to the container's `port`, whose
/// replies a thread sends back to `peer` through `outer`.
fn peer_socket(port: u16, outer: &Arc<UdpSocket>, peer: SocketAddr) -> Option<UdpSocket> {
    let inner = UdpSocket::bind((Ipv4Addr::LOCALHOST, 0)).ok()?;
    inner.connect((Ipv4Addr::LOCALHOST, port)).ok()?;
    let replies = inner.try_clone().ok()?;
    let outer = outer.clone();
    std::thread::spawn(move || {
        let mut back = vec![0u8; 65536];
        while let Ok(n) = replies.recv(&mut back) {
            let _ = outer.send_to(&back[..n], peer);
        }
    });
    Some(inner)
}

/// Datagrams from each peer go out through a socket of its own to the container's port; what
/// comes back on it goes to that peer.
fn serve_udp(socket: UdpSocket, port: u16) {
    let socket = Arc::new(socket);
    let peers: Arc<Mutex<HashMap<SocketAddr, UdpSocket>>> = Arc::default();
    let mut buf = vec![0u8; 65536];
    while let Ok((n, peer)) = socket.recv_from(&mut buf) {
        let mut known = peers.lock().unwrap_or_else(|e| e.into_inner());
        let inner = match known.entry(peer) {
            std::collections::hash_map::Entry::Occupied(e) => e.into_mut(),
            std::collections::hash_map::Entry::Vacant(slot) => {
                let Some(inner) = peer_socket(port, &socket, peer) else {
                    continue;
                };
                slot.insert(inner)
            }
        };
        let _ = inner.send(&buf[..n]);
    }
}
