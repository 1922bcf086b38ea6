//! A container's network, for one run: before launch, its ports are settled, its
//! `/etc/hosts`, `/etc/resolv.conf` and `/etc/hostname` written, and the namespaces it joins
//! found; after launch (its namespaces exist, its program not yet running), it is attached to
//! its user network and pasta is started for it.

use std::fs::{self, File};
use std::net::{IpAddr, Ipv4Addr};
use std::os::fd::{AsFd, OwnedFd};

use nix::unistd::Pid;

use super::{ContainerConfig, ContainerError, Containers, NetworkState};
use crate::image::store::Store;
use crate::network::files::{self, NetworkFacts};
use crate::network::forward::{ForwardError, Forwarder};
use crate::network::hub::{self, HubError, Joined, MemberInfo};
use crate::network::pasta::{self, Features, Pasta, PastaError, PastaSpec};
use crate::network::user::{Networks, UserNetError};
use crate::network::{NetworkError, NetworkMode, PortSpec, Proto, host, ports};
use crate::runtime::launch::{MountKind, MountSpec, Namespaces, NetNamespace};

#[derive(Debug, thiserror::Error)]
pub enum NetError {
    #[error(transparent)]
    Ports(#[from] NetworkError),
    #[error(transparent)]
    Pasta(#[from] PastaError),
    #[error(transparent)]
    Forward(#[from] ForwardError),
    #[error(transparent)]
    Hub(#[from] HubError),
    #[error(transparent)]
    UserNet(#[from] UserNetError),
    #[error(transparent)]
    Container(#[from] ContainerError),
    #[error(transparent)]
    Store(#[from] crate::image::store::StoreError),
    #[error("cannot write {path}: {source}")]
    Write {
        path: std::path::PathBuf,
        source: std::io::Error,
    },
    #[error(
        "container {0} is not running, and this container shares its network (--network \
         container:{0}): start it first"
    )]
    PeerNotRunning(String),
    #[error(
        "networks {0} and {1} were started in different user namespaces (one before your \
         namespace holder was last made, or with NOOK_USERNS_HOLDER=0), so no container can be \
         on both.\n  Fix: stop the containers on one of them; its hub ends with them, and \
         starts again in your namespace"
    )]
    NamespacesDiffer(String, String),
    #[error("cannot open the namespaces of container {name}: {source}")]
    PeerNamespaces {
        name: String,
        source: std::io::Error,
    },
}

/// A run's network, ready for its launch.
pub struct Prepared {
    pub namespaces: Namespaces,
    /// The network files, bound over the image's.
    pub mounts: Vec<MountSpec>,
    /// Their contents, to write before init binds them.
    pub files: NetworkFiles,
    /// What is left to do once the container's namespaces exist.
    pub pending: Pending,
}

/// `-p`, and `-P` with the image's exposed ports.
struct Publish {
    specs: Vec<PortSpec>,
    all: bool,
    exposed: Vec<(u16, Proto)>,
}

/// What a run's network needs once the container's namespaces exist.
pub struct Pending {
    /// The ports to publish, when it has pasta.
    publish: Option<Publish>,
    pasta: Option<Features>,
    /// The interface for pasta the keeper is to make, if any (see [`Pending::tap`]).
    tap: Option<host::TapConfig>,
    /// The host has no network: the ports are forwarded by [`Forwarder`], not pasta.
    offline: bool,
    /// Its user networks, joined, in order.
    joined: Vec<Joined>,
    member: Option<MemberInfo>,
    state: NetworkState,
    host_loopback: bool,
}

/// A container's `/etc/hosts`, `/etc/resolv.conf` and `/etc/hostname` for one run: written
/// while its keeper makes its namespaces, off the way to its start.
pub struct NetworkFiles(Vec<(std::path::PathBuf, String)>);

impl NetworkFiles {
    pub fn write(&self) -> Result<(), NetError> {
        use std::os::unix::fs::DirBuilderExt;
        // (all in the container's run directory)
        if let Some(dir) = self.0.first().and_then(|(path, _)| path.parent()) {
            fs::DirBuilder::new()
                .recursive(true)
                .mode(0o700)
                .create(dir)
                .map_err(|source| NetError::Write {
                    path: dir.to_path_buf(),
                    source,
                })?;
        }
        self.0
            .iter()
            .try_for_each(|(path, contents)| write(path, contents))
    }
}

fn write(path: &std::path::Path, contents: &str) -> Result<(), NetError> {
    files::rewrite(path, contents).map_err(|source| NetError::Write {
        path: path.to_path_buf(),
        source,
    })
}

/// Get a run of `config` ready, up to its launch.
pub fn prepare(
    store: &Store,
    containers: &Containers<'_>,
    config: &ContainerConfig,
) -> Result<Prepared, NetError> {
    let net = &config.network;
    let id = &config.id;
    let host_resolv = fs::read_to_string("/etc/resolv.conf").unwrap_or_default();
    let user_networks = net
        .user_networks()
        .into_iter()
        .map(|name| Networks::new(store).get(name))
        .collect::<Result<Vec<_>, _>>()?;
    // pasta for the outside, unless every user network it is on is internal.
    let with_pasta = net.mode.uses_pasta()
        && (user_networks.is_empty() || user_networks.iter().any(|n| !n.internal));
    // With no interface to copy, pasta cannot start: the container gets its loopback (and its
    // user network) only, and its published ports a forwarder of ours.
    let offline = with_pasta && host::offline();
    let features = (with_pasta && !offline)
        .then(|| pasta::features(&store.root().join("pasta-features.json")))
        .transpose()?;
    // The interface nook makes for pasta, when this pasta can serve one: it is the host's
    // addresses, read once here for it and for the container's own address and gateway.
    let tap = features
        .as_ref()
        .filter(|f| f.serves_tap)
        .and_then(|_| host::TapConfig::from_host());
    let route = match &tap {
        Some(t) => t.v4.as_ref().and_then(|a| match (a.address, a.gateway) {
            (IpAddr::V4(address), IpAddr::V4(gateway)) => Some((address, gateway)),
            _ => None,
        }),
        None => with_pasta
            .then(host::default_route)
            .flatten()
            .map(|r| (r.address, r.gateway)),
    };
    let state = NetworkState {
        address: route.map(|(address, _)| IpAddr::V4(address)),
        gateway: route.map(|(_, gateway)| IpAddr::V4(gateway)),
        ports: Vec::new(),
        network_address: None,
        other_addresses: Vec::new(),
    };
    let host_gateway = match (&features, &route) {
        (Some(f), Some((_, gateway))) if f.maps_gateway && net.host_loopback => {
            Some(IpAddr::V4(*gateway))
        }
        _ => None,
    };
    let nameservers = match (user_networks.first(), &features) {
        // The network's own name service, at its gateway (src/network/dns.rs): members by
        // name, and the rest through the host's resolvers.
        (Some(n), _) => vec![IpAddr::V4(n.gateway)],
        (None, Some(f)) if f.dns_forward => pasta::nameservers(f),
        _ => files::host_nameservers(&host_resolv),
    };
    let facts = NetworkFacts {
        hostname: &config.hostname,
        name: &config.name,
        address: match &net.mode {
            // On a user network the hub writes the container's own line, with its address there.
            NetworkMode::User { .. } => None,
            _ => Some(
                state
                    .address
                    .unwrap_or(IpAddr::V4(Ipv4Addr::new(127, 0, 1, 1))),
            ),
        },
        host_gateway,
        nameservers,
        config: net,
    };
    let (hosts, resolv) = match &net.mode {
        NetworkMode::Host => (
            host_mode_hosts(&facts),
            if net.dns.is_empty() && net.dns_search.is_empty() && net.dns_options.is_empty() {
                host_resolv.clone()
            } else {
                files::resolv_conf(&facts, &host_resolv)
            },
        ),
        NetworkMode::Container { name } => {
            let peer = containers.resolve(name)?;
            let read = |file: &str| fs::read_to_string(containers.etc_file(&peer, file));
            (
                read("hosts").unwrap_or_else(|_| files::hosts(&facts)),
                read("resolv.conf").unwrap_or_else(|_| files::resolv_conf(&facts, &host_resolv)),
            )
        }
        _ => (
            files::hosts(&facts),
            files::resolv_conf(&facts, &host_resolv),
        ),
    };
    let mut mounts = Vec::new();
    let mut files = Vec::new();
    for (file, contents) in [
        ("hosts", hosts.clone()),
        ("resolv.conf", resolv),
        ("hostname", format!("{}\n", config.hostname)),
    ] {
        let path = containers.etc_file(id, file);
        files.push((path.clone(), contents));
        mounts.push(MountSpec {
            target: format!("/etc/{file}"),
            kind: MountKind::Bind {
                source: path,
                volume: None,
                copy_up: false,
            },
            read_only: false,
        });
    }
    let (namespaces, joined) = match &net.mode {
        NetworkMode::Pasta | NetworkMode::None => (
            Namespaces {
                join_user: None,
                net: NetNamespace::New,
            },
            Vec::new(),
        ),
        NetworkMode::Host => (
            Namespaces {
                join_user: None,
                net: NetNamespace::Inherit,
            },
            Vec::new(),
        ),
        NetworkMode::Container { name } => (peer_namespaces(containers, name)?, Vec::new()),
        NetworkMode::User { .. } => {
            let joined = user_networks
                .iter()
                .map(|network| hub::join(store, network))
                .collect::<Result<Vec<_>, _>>()?;
            let user = same_user_namespace(&joined)?;
            (
                Namespaces {
                    join_user: Some(user),
                    net: NetNamespace::New,
                },
                joined,
            )
        }
    };
    let member = (!joined.is_empty()).then(|| MemberInfo {
        id: id.clone(),
        name: config.name.clone(),
        hostname: config.hostname.clone(),
        aliases: net.aliases.clone(),
        hosts_file: containers.etc_file(id, "hosts"),
        hosts_base: hosts.clone(),
        ifname: String::new(),
    });
    Ok(Prepared {
        namespaces,
        mounts,
        files: NetworkFiles(files),
        pending: Pending {
            publish: with_pasta.then(|| Publish {
                specs: net.ports.clone(),
                all: net.publish_all,
                exposed: net.exposed.clone(),
            }),
            pasta: features,
            tap,
            offline,
            joined,
            member,
            state,
            host_loopback: net.host_loopback,
        },
    })
}

/// The user namespace the hubs of a container's networks hold (the user's, from its holder),
/// which its keeper joins: one, or the container cannot be on all of them.
fn same_user_namespace(joined: &[Joined]) -> Result<OwnedFd, NetError> {
    let inode = |j: &Joined| {
        fs::File::from(j.userns.try_clone()?)
            .metadata()
            .map(|m| std::os::unix::fs::MetadataExt::ino(&m))
    };
    let io = |source| {
        NetError::Hub(HubError::Io {
            what: "cannot read",
            path: "the network's user namespace".into(),
            source,
        })
    };
    let first = joined.first().expect("a user network is joined");
    let want = inode(first).map_err(io)?;
    for other in &joined[1..] {
        if inode(other).map_err(io)? != want {
            return Err(NetError::NamespacesDiffer(
                first.network().to_string(),
                other.network().to_string(),
            ));
        }
    }
    first.userns.try_clone().map_err(io)
}

/// `--network host`: the host's /etc/hosts, and the host's own loopback under the names
/// containers use for the host.
fn host_mode_hosts(facts: &NetworkFacts<'_>) -> String {
    let mut out = fs::read_to_string("/etc/hosts").unwrap_or_default();
    if !out.is_empty() && !out.ends_with('\n') {
        out.push('\n');
    }
    out.push_str(&format!("127.0.0.1\t{}\n", files::HOST_NAMES));
    for e in &facts.config.extra_hosts {
        let ip = e.ip.unwrap_or(IpAddr::V4(Ipv4Addr::LOCALHOST));
        out.push_str(&format!("{ip}\t{}\n", e.name));
    }
    out
}

/// The user and network namespaces of running container `name`.
fn peer_namespaces(containers: &Containers<'_>, name: &str) -> Result<Namespaces, NetError> {
    let id = containers.resolve(name)?;
    let state = containers.load_state(&id)?;
    let config = containers.load_config(&id)?;
    let (pid, _pidfd) = state
        .entry(config.init)
        .ok_or_else(|| NetError::PeerNotRunning(name.to_string()))?;
    let open = |ns: &str| {
        File::open(format!("/proc/{pid}/ns/{ns}"))
            .map(OwnedFd::from)
            .map_err(|source| NetError::PeerNamespaces {
                name: name.to_string(),
                source,
            })
    };
    let (user, net) = (open("user")?, open("net")?);
    // Opened while a pidfd held the process: the namespaces are the container's.
    Ok(Namespaces {
        join_user: Some(user),
        net: NetNamespace::Join(net),
    })
}

/// A run's network once connected; pasta ends when this is dropped.
pub struct Connected {
    /// Its pasta, perhaps still finishing its set-up beside the container (see
    /// [`Connected::settle`]).
    pasta: Option<pasta::Settling>,
    _forwarder: Option<Forwarder>,
}

/// A run's network being connected: attached to its user network, pasta starting.
pub struct Connecting {
    pasta: Option<pasta::Starting>,
    /// The container's keeper, in its network namespace.
    keeper: Pid,
    forwarder: Option<Forwarder>,
    /// Held until pasta has bound the ports.
    ports_lock: Option<File>,
    state: NetworkState,
}

impl Pending {
    /// The interface for pasta that the container's keeper makes (see
    /// [`crate::runtime::launch::LaunchSpec::tap`]), when the container has a pasta able to
    /// serve one.
    pub fn tap(&self) -> Option<host::TapConfig> {
        self.tap.clone()
    }

    /// Attach the container whose keeper is `keeper` to its user network, settle its ports
    /// and start its pasta, as soon as the keeper is in its namespaces (`tap`: the interface
    /// it made for pasta, with what it was made from). (Not before the keeper exists: a lock
    /// taken then would be inherited by it.)
    pub fn begin(
        self,
        store: &Store,
        containers: &Containers<'_>,
        id: &str,
        keeper: Pid,
        tap: Option<pasta::Tap>,
    ) -> Result<Connecting, NetError> {
        let Pending {
            publish,
            pasta: features,
            tap: _,
            offline,
            joined,
            member,
            mut state,
            host_loopback,
        } = self;
        if let Some(mut member) = member {
            let netns =
                File::open(format!("/proc/{}/ns/net", keeper.as_raw())).map_err(|source| {
                    NetError::PeerNamespaces {
                        name: id[..12].to_string(),
                        source,
                    }
                })?;
            let pidfd = crate::sys::pidfd_open(keeper).map_err(|e| NetError::PeerNamespaces {
                name: id[..12].to_string(),
                source: std::io::Error::other(e.to_string()),
            })?;
            for (i, joined) in joined.into_iter().enumerate() {
                member.ifname = format!("eth{}", i + 1);
                let name = joined.network().to_string();
                let at = joined.attach(&member, netns.as_fd(), pidfd.as_fd())?;
                match i {
                    0 => state.network_address = Some(at.address),
                    _ => state.other_addresses.push((name, at.address)),
                }
            }
        }
        // From settling the ports until pasta has bound them, no other container of ours may
        // settle any (see `ports::verify_bound`).
        let ports_lock = match &publish {
            Some(p) if !p.specs.is_empty() || p.all => Some(store.lock("ports")?),
            _ => None,
        };
        let ports = match &publish {
            Some(p) => ports::settle(&p.specs, p.all, &p.exposed)?,
            None => Vec::new(),
        };
        state.ports = ports.clone();
        let pasta = match &features {
            Some(f) => Some(Pasta::start(
                &PastaSpec {
                    pid: keeper.as_raw(),
                    ports: &ports,
                    fifo: &containers.dir(id).join("pasta.ready"),
                    log: &containers.dir(id).join("pasta.log"),
                    features: f,
                    host_loopback,
                },
                tap,
            )?),
            None => None,
        };
        let forwarder = match offline && !ports.is_empty() {
            true => Some(Forwarder::start(keeper.as_raw(), &ports)?),
            false => None,
        };
        Ok(Connecting {
            pasta,
            keeper,
            forwarder,
            ports_lock,
            state,
        })
    }
}

impl Connecting {
    /// How the container is reached (known before pasta is ready).
    pub fn state(&self) -> &NetworkState {
        &self.state
    }

    /// Wait until the container can use its network: with published ports, until pasta
    /// is ready and has bound them; without, only until its interface and routes are set
    /// up (pasta finishes the rest beside the container: [`Connected::settle`]).
    pub fn finish(self) -> Result<Connected, NetError> {
        let pasta = match self.pasta {
            None => None,
            Some(p) if self.ports_lock.is_some() => Some(pasta::Settling::Ready(p.wait()?)),
            Some(p) => Some(p.wait_routes(self.keeper.as_raw())?),
        };
        Ok(Connected {
            pasta,
            _forwarder: self.forwarder,
        })
    }
}

impl Connected {
    /// Let pasta finish setting up beside the running container (`done`: readable once the
    /// container has ended, when pasta is no longer waited for). A pasta that fails now,
    /// and again when started once more, leaves the container without its way out: that is
    /// returned, for the caller to report.
    pub fn settle(&mut self, done: std::os::fd::BorrowedFd<'_>) -> Result<(), NetError> {
        if let Some(settling) = self.pasta.take() {
            self.pasta = settling.finish(done)?.map(pasta::Settling::Ready);
        }
        Ok(())
    }
}
