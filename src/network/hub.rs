//! A user network's hub: `nook __network STORE NAME`, one process per network while at least
//! one member runs, and no daemon otherwise.
//!
//! ```text
//! hub (host namespaces)    listens on <runtime>/networks/<name>/hub.sock, holds hub.lock,
//!  │                       tracks members (a pidfd each), keeps their /etc/hosts current,
//!  │                       answers DNS at the gateway (a socket the holder bound there)
//!  │                       and forwards other names to the host's resolver
//!  └─ holder               clone(NEWUSER|NEWNET): the network's namespace, with the bridge
//!                          nook0 at the gateway address; plumbs members in on request
//! ```
//! A member's keeper joins the holder's user namespace before it makes its own network
//! namespace, so the holder has the capabilities to put a veth pair between the two: `nkXXXX`
//! on the bridge, `eth1` in the container (`eth2`, ... on its further networks), addressed from the network's subnet. Members also
//! have pasta (eth0) for the outside, unless the network is internal; there is no routing
//! between networks. The hub ends when its last member has ended: it takes `spawn.lock`,
//! which every joiner holds from "is a hub running?" to "connected", and accepts what is
//! still waiting before it goes.

use std::fs::{self, File, OpenOptions};
use std::io::{self, BufRead, BufReader, Write};
use std::net::Ipv4Addr;
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use nix::poll::{PollFd, PollFlags, PollTimeout, poll};
use nix::sched::CloneFlags;
use serde::{Deserialize, Serialize};

use super::files;
use super::netlink::{Netlink, NetlinkError};
use super::user::{Network, Networks, UserNetError};
use crate::image::store::Store;
use crate::runtime::channel::{Channel, ChannelError, Listener};
use crate::runtime::idmap::{IdMap, IdMapError};
use crate::runtime::userns;
use crate::sys::{self, Forked};

/// The hidden subcommand that runs a hub.
pub const HUB_COMMAND: &str = "__network";

const BRIDGE: &str = "nook0";

#[derive(Debug, thiserror::Error)]
pub enum HubError {
    #[error("{what} {path}: {source}")]
    Io {
        what: &'static str,
        path: PathBuf,
        source: io::Error,
    },
    #[error(transparent)]
    Channel(#[from] ChannelError),
    #[error(transparent)]
    IdMap(#[from] IdMapError),
    #[error(transparent)]
    UserNet(#[from] UserNetError),
    #[error(transparent)]
    Netlink(#[from] NetlinkError),
    #[error("cannot create the network's namespaces: {0}")]
    Namespaces(sys::SysError),
    #[error("the hub of network {network} did not start: {why}")]
    NotStarted { network: String, why: String },
    #[error("network {network}: {message}")]
    Refused { network: String, message: String },
}

/// Where a network's hub keeps its socket, lock and log.
struct HubPaths {
    dir: PathBuf,
}

impl HubPaths {
    fn new(store: &Store, name: &str) -> Result<Self, HubError> {
        let dir = crate::config::runtime_root(store.root())
            .join("networks")
            .join(name);
        fs::create_dir_all(&dir).map_err(|source| HubError::Io {
            what: "cannot create",
            path: dir.clone(),
            source,
        })?;
        Ok(Self { dir })
    }
    fn socket(&self) -> PathBuf {
        self.dir.join("hub.sock")
    }
    fn log(&self) -> PathBuf {
        self.dir.join("hub.log")
    }
    fn open_lock(&self, name: &str) -> Result<File, HubError> {
        let path = self.dir.join(name);
        OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .map_err(|source| HubError::Io {
                what: "cannot open",
                path,
                source,
            })
    }
    /// Is a hub running for this network?
    fn alive(&self) -> bool {
        self.open_lock("hub.lock")
            .is_ok_and(|f| matches!(f.try_lock_shared(), Err(fs::TryLockError::WouldBlock)))
    }
}

/// What a member tells the hub about itself.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct MemberInfo {
    pub id: String,
    pub name: String,
    pub hostname: String,
    pub aliases: Vec<String>,
    /// The container's /etc/hosts, which the hub keeps current.
    pub hosts_file: PathBuf,
    /// The lines that file has besides the members of its networks.
    pub hosts_base: String,
    /// Its interface on this network: eth1 on its first user network, eth2 on the second.
    pub ifname: String,
}

/// The interface names a member may ask for.
fn valid_ifname(name: &str) -> bool {
    name.strip_prefix("eth")
        .and_then(|n| n.parse::<u8>().ok())
        .is_some_and(|n| (1..=32).contains(&n) && name == format!("eth{n}"))
}

/// Where a member is on the network.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Attachment {
    pub address: Ipv4Addr,
    pub prefix: u8,
    pub gateway: Ipv4Addr,
}

#[derive(Serialize, Deserialize)]
enum Request {
    /// Answered with the network's user namespace.
    Join,
    /// Carries the container's network namespace and a pidfd of its keeper.
    Attach(MemberInfo),
    /// The members now.
    List,
}

#[derive(Serialize, Deserialize)]
enum Reply {
    Joined,
    Attached(Attachment),
    Members(Vec<(String, Ipv4Addr)>),
    Failed { message: String },
}

#[derive(Serialize, Deserialize)]
enum ToHolder {
    Mapped,
    /// Carries the member's network namespace.
    Plumb {
        veth: String,
        ifname: String,
        address: Ipv4Addr,
        prefix: u8,
    },
}

#[derive(Serialize, Deserialize)]
enum FromHolder {
    Ready,
    Plumbed,
    Failed { message: String },
}

// ---- the member's side ----

/// A container joining a network: it has the network's user namespace to make its own
/// namespaces in, and attaches once they exist.
pub struct Joined {
    network: String,
    chan: Channel,
    pub userns: OwnedFd,
}

/// Join `network`, starting its hub if none runs.
pub fn join(store: &Store, network: &Network) -> Result<Joined, HubError> {
    let paths = HubPaths::new(store, &network.name)?;
    let spawn = paths.open_lock("spawn.lock")?;
    spawn.lock().map_err(|source| HubError::Io {
        what: "cannot lock",
        path: paths.dir.join("spawn.lock"),
        source,
    })?;
    if !paths.alive() {
        start_hub(store, &network.name, &paths)?;
    }
    let chan = Channel::connect(&paths.socket())?;
    drop(spawn);
    chan.send(&Request::Join)?;
    match chan.recv_with_fds::<Reply>()? {
        Some((Reply::Joined, mut fds)) if fds.len() == 1 => Ok(Joined {
            network: network.name.clone(),
            chan,
            userns: fds.remove(0),
        }),
        other => Err(refused(&network.name, other.map(|(r, _)| r))),
    }
}

fn refused(network: &str, reply: Option<Reply>) -> HubError {
    HubError::Refused {
        network: network.to_string(),
        message: match reply {
            Some(Reply::Failed { message }) => message,
            _ => "its hub ended unexpectedly".to_string(),
        },
    }
}

impl Joined {
    /// The network's name.
    pub fn network(&self) -> &str {
        &self.network
    }

    /// Put the container whose keeper is `keeper` (a pidfd) and whose network namespace is
    /// `netns` on the network.
    pub fn attach(
        self,
        info: &MemberInfo,
        netns: BorrowedFd<'_>,
        keeper: BorrowedFd<'_>,
    ) -> Result<Attachment, HubError> {
        self.chan
            .send_with_fds(&Request::Attach(info.clone()), &[netns, keeper])?;
        match self.chan.recv::<Reply>()? {
            Some(Reply::Attached(a)) => Ok(a),
            other => Err(refused(&self.network, other)),
        }
    }
}

/// The running members of `network` (none when its hub does not run).
pub fn members(store: &Store, network: &str) -> Result<Vec<(String, Ipv4Addr)>, HubError> {
    let paths = HubPaths::new(store, network)?;
    if !paths.alive() {
        return Ok(Vec::new());
    }
    let chan = Channel::connect(&paths.socket())?;
    chan.send(&Request::List)?;
    match chan.recv::<Reply>()? {
        Some(Reply::Members(m)) => Ok(m),
        other => Err(refused(network, other)),
    }
}

/// Start the hub and wait until it listens.
fn start_hub(store: &Store, name: &str, paths: &HubPaths) -> Result<(), HubError> {
    let log = OpenOptions::new()
        .create(true)
        .append(true)
        .open(paths.log())
        .map_err(|source| HubError::Io {
            what: "cannot open",
            path: paths.log(),
            source,
        })?;
    let not_started = |why: String| HubError::NotStarted {
        network: name.to_string(),
        why,
    };
    let mut cmd = Command::new("/proc/self/exe");
    cmd.arg0("nook")
        .arg(HUB_COMMAND)
        .arg(store.root())
        .arg(name)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(log);
    // It outlives this container: other members may come and go.
    sys::clean_child(&mut cmd, false);
    let mut child = cmd.spawn().map_err(|e| not_started(e.to_string()))?;
    let mut line = String::new();
    let _ = BufReader::new(child.stdout.take().expect("piped")).read_line(&mut line);
    // The hub's first process exits once the hub (its child) is ready, or has failed.
    let _ = child.wait();
    if line.trim() == "ready" {
        return Ok(());
    }
    let said = fs::read_to_string(paths.log()).unwrap_or_default();
    Err(not_started(
        said.lines()
            .last()
            .unwrap_or("it exited without a word")
            .to_string(),
    ))
}

// ---- the hub ----

/// The body of `nook __network STORE NAME`: returns the process exit code.
pub fn serve(store_root: &Path, name: &str) -> i32 {
    // The first process only waits for the hub to be ready, then leaves it to init, so no
    // member's monitor has a hub for a child.
    let (mut ready_r, ready_w) = match io::pipe() {
        Ok(p) => p,
        Err(e) => {
            eprintln!("Error: cannot create a pipe: {e}");
            return 125;
        }
    };
    match sys::fork_into(CloneFlags::empty()) {
        Ok(Forked::Parent(_)) => {
            drop(ready_w);
            // Exactly the word: the hub's own child holds the pipe open after it.
            let mut said = [0u8; 5];
            if io::Read::read_exact(&mut ready_r, &mut said).is_ok() && &said == b"ready" {
                println!("ready");
                return 0;
            }
            return 125;
        }
        Ok(Forked::Child) => drop(ready_r),
        Err(e) => {
            eprintln!("Error: cannot start the hub: {e}");
            return 125;
        }
    }
    let _ = nix::unistd::setsid();
    match hub(store_root, name, ready_w) {
        Ok(()) => 0,
        Err(e) => {
            eprintln!("Error: network {name}: {e}");
            125
        }
    }
}

struct Member {
    info: MemberInfo,
    address: Ipv4Addr,
    keeper: OwnedFd,
}

impl Member {
    /// The names it has on the network (in /etc/hosts and DNS): hostname, name, aliases
    /// and short id, each once.
    fn names(&self) -> Vec<&str> {
        let mut names = vec![self.info.hostname.as_str(), self.info.name.as_str()];
        names.extend(self.info.aliases.iter().map(String::as_str));
        names.push(&self.info.id[..12]);
        let mut seen = std::collections::HashSet::new();
        names.retain(|n| !n.is_empty() && seen.insert(*n));
        names
    }
}

fn hub(store_root: &Path, name: &str, mut ready: io::PipeWriter) -> Result<(), HubError> {
    let store = Store::at(store_root).map_err(|e| HubError::NotStarted {
        network: name.to_string(),
        why: e.to_string(),
    })?;
    let network = Networks::new(&store).get(name)?;
    let paths = HubPaths::new(&store, name)?;
    let lock = paths.open_lock("hub.lock")?;
    if lock.try_lock().is_err() {
        return Err(HubError::NotStarted {
            network: name.to_string(),
            why: "another hub runs it".to_string(),
        });
    }
    let _ = fs::remove_file(paths.socket());
    let listener = Listener::bind(&paths.socket())?;
    let mapping = IdMap::for_current_user()?;
    let (holder, holder_end) = Channel::pair()?;
    // In the user's namespace, from its holder, where every container of the user is: so
    // the network's holder can plumb any of them in, whatever other network it is on.
    let shared = crate::runtime::holder::shared(&mapping.map);
    let flags = match shared {
        Some(_) => CloneFlags::empty(),
        None => CloneFlags::CLONE_NEWUSER | CloneFlags::CLONE_NEWNET,
    };
    let pid = match sys::fork_into(flags).map_err(HubError::Namespaces)? {
        Forked::Child => {
            // The lock and the socket are the hub's alone. A holder that kept copies would
            // hold hub.lock for the moment it outlives an ending hub, and a joiner would
            // find the hub alive with its socket gone.
            drop(lock);
            drop(listener);
            drop(holder);
            drop(ready);
            if let Ok(null) = OpenOptions::new().write(true).open("/dev/null") {
                let _ = nix::unistd::dup2_stdout(&null);
            }
            holder_main(&network, mapping.map.is_single(), shared, holder_end)
        }
        Forked::Parent(pid) => pid,
    };
    drop(holder_end);
    match shared {
        Some(user) => drop(user),
        None => mapping.map.apply(pid)?,
    }
    holder.send(&ToHolder::Mapped)?;
    let dns = match holder.recv_with_fds::<FromHolder>()? {
        Some((FromHolder::Ready, mut fds)) if fds.len() == 1 => {
            std::net::UdpSocket::from(fds.remove(0))
        }
        Some((FromHolder::Failed { message }, _)) => {
            return Err(HubError::NotStarted {
                network: name.to_string(),
                why: message,
            });
        }
        _ => {
            return Err(HubError::NotStarted {
                network: name.to_string(),
                why: "the namespace holder ended".to_string(),
            });
        }
    };
    let dns_io = |source| HubError::Io {
        what: "cannot serve DNS on",
        path: PathBuf::from(format!("{}:53", network.gateway)),
        source,
    };
    dns.set_nonblocking(true).map_err(dns_io)?;
    // Other names go to the host's resolvers (an internal network reaches nothing outside).
    let upstream = if network.internal {
        None
    } else {
        Upstream::new().map_err(dns_io)?
    };
    let userns = File::open(format!("/proc/{pid}/ns/user")).map_err(|source| HubError::Io {
        what: "cannot open",
        path: PathBuf::from(format!("/proc/{pid}/ns/user")),
        source,
    })?;
    let _ = ready.write_all(b"ready");
    drop(ready);
    if let Ok(null) = OpenOptions::new().write(true).open("/dev/null") {
        let _ = nix::unistd::dup2_stdout(&null);
    }
    Hub {
        network,
        paths,
        listener,
        holder,
        userns,
        members: Vec::new(),
        conns: Vec::new(),
        dns,
        upstream,
    }
    .run()
    .map(|never| match never {})
}

struct Hub {
    network: Network,
    paths: HubPaths,
    listener: Listener,
    holder: Channel,
    userns: File,
    members: Vec<Member>,
    conns: Vec<Channel>,
    /// The network's name service (bound at the gateway's port 53 in its namespace).
    dns: std::net::UdpSocket,
    upstream: Option<Upstream>,
}

/// Queries forwarded to the host's resolver, by the id they were sent with: who asked, with
/// which id, and when.
struct Upstream {
    socket: std::net::UdpSocket,
    server: std::net::SocketAddr,
    pending: std::collections::HashMap<u16, (std::net::SocketAddr, u16, std::time::Instant)>,
    next: u16,
}

impl Upstream {
    /// Through the host's first IPv4 nameserver (none: no forwarding).
    fn new() -> io::Result<Option<Upstream>> {
        let resolv = fs::read_to_string("/etc/resolv.conf").unwrap_or_default();
        let Some(server) = files::host_nameservers(&resolv)
            .into_iter()
            .find(std::net::IpAddr::is_ipv4)
        else {
            return Ok(None);
        };
        let socket = std::net::UdpSocket::bind((Ipv4Addr::UNSPECIFIED, 0))?;
        socket.set_nonblocking(true)?;
        Ok(Some(Upstream {
            socket,
            server: (server, 53).into(),
            pending: std::collections::HashMap::new(),
            next: 0,
        }))
    }

    /// Send `query` (from `client`) on, under an id of ours.
    fn forward(&mut self, query: &[u8], client: std::net::SocketAddr) {
        let Some(id) = super::dns::id_of(query) else {
            return;
        };
        let now = std::time::Instant::now();
        self.pending
            .retain(|_, (_, _, at)| now.duration_since(*at).as_secs() < 5);
        if self.pending.len() >= 1024 {
            return;
        }
        self.next = self.next.wrapping_add(1);
        self.pending.insert(self.next, (client, id, now));
        let _ = self
            .socket
            .send_to(&super::dns::with_id(query, self.next), self.server);
    }
}

impl Hub {
    /// Serve until the last member has gone (then the process exits) or an error.
    fn run(mut self) -> Result<std::convert::Infallible, HubError> {
        loop {
            let (conns, members) = (self.conns.len(), self.members.len());
            let mut fds = vec![
                PollFd::new(self.listener.as_fd(), PollFlags::POLLIN),
                PollFd::new(self.holder.as_fd(), PollFlags::POLLIN),
                PollFd::new(self.dns.as_fd(), PollFlags::POLLIN),
            ];
            let upstream_at = self.upstream.as_ref().map(|u| {
                fds.push(PollFd::new(u.socket.as_fd(), PollFlags::POLLIN));
                fds.len() - 1
            });
            let base = fds.len();
            fds.extend(
                self.conns
                    .iter()
                    .map(|c| PollFd::new(c.as_fd(), PollFlags::POLLIN)),
            );
            fds.extend(
                self.members
                    .iter()
                    .map(|m| PollFd::new(m.keeper.as_fd(), PollFlags::POLLIN)),
            );
            match poll(&mut fds, PollTimeout::NONE) {
                Err(nix::errno::Errno::EINTR) => continue,
                Err(e) => return Err(HubError::Namespaces(e.into())),
                Ok(_) => {}
            }
            let ready: Vec<bool> = fds
                .iter()
                .map(|f| f.revents().is_some_and(|r| !r.is_empty()))
                .collect();
            drop(fds);
            if ready[1] {
                // The holder does not write unasked: it has ended, and the network with it.
                return Err(HubError::NotStarted {
                    network: self.network.name.clone(),
                    why: "the namespace holder ended".to_string(),
                });
            }
            if ready[0] {
                while let Some(c) = self.listener.accept()? {
                    self.conns.push(c);
                }
            }
            if ready[2] {
                self.serve_dns();
            }
            if upstream_at.is_some_and(|i| ready[i]) {
                self.relay_answers();
            }
            let mut closed = Vec::new();
            for i in (0..conns).filter(|i| ready[base + i]) {
                if !self.answer(i) {
                    closed.push(i);
                }
            }
            for i in closed.into_iter().rev() {
                self.conns.remove(i);
            }
            let gone: Vec<usize> = (0..members).filter(|i| ready[base + conns + i]).collect();
            if !gone.is_empty() {
                for i in gone.into_iter().rev() {
                    self.members.remove(i);
                }
                self.write_hosts();
            }
            if self.members.is_empty()
                && self.conns.is_empty()
                && let Some(_spawn_lock) = self.may_end()?
            {
                // Exit holding spawn.lock and hub.lock: the kernel lets go of both only once
                // this process is gone. The holder dies with it (PR_SET_PDEATHSIG).
                sys::exit_now(0);
            }
        }
    }

    /// Answer the queries waiting at the network's name service: members from the table,
    /// other names forwarded.
    fn serve_dns(&mut self) {
        let mut buf = [0u8; 1500];
        while let Ok((n, client)) = self.dns.recv_from(&mut buf) {
            let lookup = |name: &str| {
                self.members
                    .iter()
                    .filter(|m| m.names().iter().any(|n| n.eq_ignore_ascii_case(name)))
                    .map(|m| m.address)
                    .collect::<Vec<_>>()
            };
            match super::dns::answer(&buf[..n], lookup, self.upstream.is_some()) {
                Some(super::dns::Answer::Reply(reply)) => {
                    let _ = self.dns.send_to(&reply, client);
                }
                Some(super::dns::Answer::Forward) => {
                    if let Some(u) = &mut self.upstream {
                        u.forward(&buf[..n], client);
                    }
                }
                None => {}
            }
        }
    }

    /// Pass the host resolver's answers back to who asked.
    fn relay_answers(&mut self) {
        let Some(u) = &mut self.upstream else {
            return;
        };
        let mut buf = [0u8; 4096];
        while let Ok((n, from)) = u.socket.recv_from(&mut buf) {
            if from != u.server {
                continue;
            }
            let answer = &buf[..n];
            if let Some((client, id, _)) =
                super::dns::id_of(answer).and_then(|ours| u.pending.remove(&ours))
            {
                let _ = self.dns.send_to(&super::dns::with_id(answer, id), client);
            }
        }
    }

    /// With no member and no connection left: end, unless a joiner arrived meanwhile. The
    /// lock returned must be held until the process exits, so that no joiner finds the hub
    /// alive but its socket gone.
    fn may_end(&mut self) -> Result<Option<File>, HubError> {
        let spawn = self.paths.open_lock("spawn.lock")?;
        spawn.lock().map_err(|source| HubError::Io {
            what: "cannot lock",
            path: self.paths.dir.join("spawn.lock"),
            source,
        })?;
        while let Some(c) = self.listener.accept()? {
            self.conns.push(c);
        }
        if !self.conns.is_empty() {
            return Ok(None);
        }
        let _ = fs::remove_file(self.paths.socket());
        Ok(Some(spawn))
    }

    /// Answer what connection `i` asks; false once it has closed.
    fn answer(&mut self, i: usize) -> bool {
        let reply = match self.conns[i].recv_with_fds::<Request>() {
            Ok(Some((Request::Join, _))) => {
                return self.conns[i]
                    .send_with_fd(&Reply::Joined, self.userns.as_fd())
                    .is_ok();
            }
            Ok(Some((Request::Attach(info), fds))) => match <[OwnedFd; 2]>::try_from(fds) {
                Ok([netns, keeper]) => match self.attach(info, netns, keeper) {
                    Ok(a) => Reply::Attached(a),
                    Err(e) => Reply::Failed {
                        message: e.to_string(),
                    },
                },
                Err(_) => Reply::Failed {
                    message: "an attach request needs two descriptors".to_string(),
                },
            },
            Ok(Some((Request::List, _))) => Reply::Members(
                self.members
                    .iter()
                    .map(|m| (m.info.name.clone(), m.address))
                    .collect(),
            ),
            _ => return false,
        };
        self.conns[i].send(&reply).is_ok()
    }

    fn attach(
        &mut self,
        info: MemberInfo,
        netns: OwnedFd,
        keeper: OwnedFd,
    ) -> Result<Attachment, HubError> {
        let address = self
            .network
            .hosts()
            .find(|ip| !self.members.iter().any(|m| m.address == *ip))
            .ok_or_else(|| HubError::Refused {
                network: self.network.name.clone(),
                message: format!("no address is left in {}", self.network.cidr()),
            })?;
        if !valid_ifname(&info.ifname) {
            return Err(HubError::Refused {
                network: self.network.name.clone(),
                message: format!("{:?} is no member interface (eth1 to eth32)", info.ifname),
            });
        }
        let veth = format!("nk{}", &info.id[..12]);
        self.holder.send_with_fd(
            &ToHolder::Plumb {
                veth,
                ifname: info.ifname.clone(),
                address,
                prefix: self.network.prefix,
            },
            netns.as_fd(),
        )?;
        match self.holder.recv::<FromHolder>()? {
            Some(FromHolder::Plumbed) => {}
            Some(FromHolder::Failed { message }) => {
                return Err(HubError::Refused {
                    network: self.network.name.clone(),
                    message,
                });
            }
            _ => {
                return Err(HubError::NotStarted {
                    network: self.network.name.clone(),
                    why: "the namespace holder ended".to_string(),
                });
            }
        }
        self.members.push(Member {
            info,
            address,
            keeper,
        });
        self.write_hosts();
        Ok(Attachment {
            address,
            prefix: self.network.prefix,
            gateway: self.network.gateway,
        })
    }

    /// Every member's /etc/hosts: its own lines, then every member of each of its networks
    /// by name and aliases (this network's lines written here, the others' by their hubs).
    fn write_hosts(&self) {
        let mut entries = String::new();
        for m in &self.members {
            entries.push_str(&format!("{}\t{}\n", m.address, m.names().join(" ")));
        }
        for m in &self.members {
            let _ = files::set_network_lines(
                &m.info.hosts_file,
                &m.info.hosts_base,
                &self.network.name,
                &entries,
            );
        }
    }
}

// ---- the namespace holder ----

/// The network's holder: in the namespaces it was cloned with, or joining `join_user` and
/// making its network namespace there. Never returns.
fn holder_main(network: &Network, single_id: bool, join_user: Option<OwnedFd>, chan: Channel) -> ! {
    let _ = nix::sys::prctl::set_pdeathsig(nix::sys::signal::Signal::SIGKILL);
    if !matches!(chan.recv::<ToHolder>(), Ok(Some(ToHolder::Mapped))) {
        sys::exit_now(1);
    }
    let setup = (|| -> Result<(File, Netlink, std::net::UdpSocket), String> {
        if let Some(user) = join_user {
            crate::runtime::holder::enter(user.as_fd(), CloneFlags::CLONE_NEWNET)?;
        }
        userns::become_root(single_id).map_err(|e| format!("cannot become root: {e}"))?;
        sys::set_link_up("lo").map_err(|e| format!("cannot bring up lo: {e}"))?;
        let own = File::open("/proc/self/ns/net").map_err(|e| e.to_string())?;
        let mut nl = Netlink::open().map_err(|e| e.to_string())?;
        // A locally administered address of the network's own (its gateway's last octets).
        let [_, b, c, d] = network.gateway.octets();
        nl.add_bridge(BRIDGE, [0x02, 0x6e, 0x6b, b, c, d])
            .map_err(|e| e.to_string())?;
        nl.add_address(BRIDGE, network.gateway.into(), network.prefix)
            .map_err(|e| e.to_string())?;
        nl.set_up(BRIDGE, None).map_err(|e| e.to_string())?;
        // The network's name service, at the gateway: the hub answers on it.
        let dns = std::net::UdpSocket::bind((network.gateway, 53))
            .map_err(|e| format!("cannot listen for DNS on {}:53: {e}", network.gateway))?;
        Ok((own, nl, dns))
    })();
    let (own, mut nl) = match setup {
        Ok((own, nl, dns)) => {
            let _ = chan.send_with_fd(&FromHolder::Ready, dns.as_fd());
            (own, nl)
        }
        Err(message) => {
            let _ = chan.send(&FromHolder::Failed { message });
            sys::exit_now(1);
        }
    };
    loop {
        let reply = match chan.recv_with_fds::<ToHolder>() {
            Ok(Some((
                ToHolder::Plumb {
                    veth,
                    ifname,
                    address,
                    prefix,
                },
                fds,
            ))) => match fds.first() {
                Some(netns) => match plumb(
                    &mut nl,
                    &own,
                    netns.as_fd(),
                    (&veth, &ifname),
                    address,
                    prefix,
                ) {
                    Ok(()) => FromHolder::Plumbed,
                    Err(message) => FromHolder::Failed { message },
                },
                None => FromHolder::Failed {
                    message: "no namespace was sent".to_string(),
                },
            },
            Ok(Some((ToHolder::Mapped, _))) => continue,
            _ => sys::exit_now(0),
        };
        if chan.send(&reply).is_err() {
            sys::exit_now(0);
        }
    }
}

/// Connect the namespace `netns` to the bridge: `veth` here, `ifname` there with `address`.
fn plumb(
    nl: &mut Netlink,
    own: &File,
    netns: BorrowedFd<'_>,
    (veth, ifname): (&str, &str),
    address: Ipv4Addr,
    prefix: u8,
) -> Result<(), String> {
    nl.add_veth(veth, ifname, netns)
        .map_err(|e| e.to_string())?;
    nl.set_up(veth, Some(BRIDGE)).map_err(|e| e.to_string())?;
    // The member's end is configured from inside its namespace, then we come back.
    nix::sched::setns(netns, CloneFlags::CLONE_NEWNET)
        .map_err(|e| format!("cannot enter the container's network namespace: {e}"))?;
    let inside = (|| {
        let mut there = Netlink::open()?;
        there.add_address(ifname, address.into(), prefix)?;
        there.set_up(ifname, None)
    })()
    .map_err(|e| e.to_string());
    nix::sched::setns(own.as_fd(), CloneFlags::CLONE_NEWNET)
        .map_err(|e| format!("cannot return to the network's namespace: {e}"))?;
    inside
}
