//! The few rtnetlink requests a user network needs — a bridge, veth pairs with one end in a
//! container's namespace, addresses, links up — and a container's pasta interface (its
//! hardware address, MTU, addresses and default routes), sent over a plain netlink socket
//! with the rust-netlink project's message types (no async runtime).

use std::net::IpAddr;
use std::os::fd::{AsRawFd, BorrowedFd};

use netlink_packet_core::{
    NLM_F_ACK, NLM_F_CREATE, NLM_F_EXCL, NLM_F_REQUEST, NetlinkHeader, NetlinkMessage,
    NetlinkPayload,
};
use netlink_packet_route::RouteNetlinkMessage;
use netlink_packet_route::address::{AddressAttribute, AddressFlags, AddressMessage};
use netlink_packet_route::link::{
    InfoData, InfoKind, InfoVeth, LinkAttribute, LinkFlags, LinkInfo, LinkMessage,
};
use netlink_packet_route::route::{
    RouteAttribute, RouteHeader, RouteMessage, RouteProtocol, RouteScope, RouteType,
};
use netlink_sys::{Socket, SocketAddr, protocols::NETLINK_ROUTE};

#[derive(Debug, thiserror::Error)]
pub enum NetlinkError {
    #[error("cannot open a netlink socket: {0}")]
    Socket(std::io::Error),
    #[error("netlink: cannot {what}: {source}")]
    Request {
        what: String,
        source: std::io::Error,
    },
    #[error("netlink: malformed answer to {0}")]
    Decode(String),
    #[error("no network interface {0}")]
    NoSuchLink(String),
}

/// A netlink socket in the calling process's network namespace.
pub struct Netlink {
    socket: Socket,
    sequence: u32,
}

impl Netlink {
    pub fn open() -> Result<Self, NetlinkError> {
        let mut socket = Socket::new(NETLINK_ROUTE).map_err(NetlinkError::Socket)?;
        socket.bind_auto().map_err(NetlinkError::Socket)?;
        socket
            .connect(&SocketAddr::new(0, 0))
            .map_err(NetlinkError::Socket)?;
        Ok(Self {
            socket,
            sequence: 0,
        })
    }

    /// Send `message` and wait for the kernel's acknowledgement.
    fn request(
        &mut self,
        what: &str,
        message: RouteNetlinkMessage,
        create: bool,
    ) -> Result<(), NetlinkError> {
        let mut header = NetlinkHeader::default();
        header.flags = NLM_F_REQUEST | NLM_F_ACK;
        if create {
            header.flags |= NLM_F_CREATE | NLM_F_EXCL;
        }
        self.sequence += 1;
        header.sequence_number = self.sequence;
        let mut packet = NetlinkMessage::new(header, NetlinkPayload::InnerMessage(message));
        packet.finalize();
        let mut buf = vec![0u8; packet.buffer_len()];
        packet.serialize(&mut buf);
        let failed = |source| NetlinkError::Request {
            what: what.to_string(),
            source,
        };
        self.socket.send(&buf, 0).map_err(failed)?;
        let mut answer = vec![0u8; 8192];
        loop {
            let n = self.socket.recv(&mut &mut answer[..], 0).map_err(failed)?;
            let mut offset = 0;
            while offset < n {
                let reply = NetlinkMessage::<RouteNetlinkMessage>::deserialize(&answer[offset..n])
                    .map_err(|_| NetlinkError::Decode(what.to_string()))?;
                let len = reply.header.length as usize;
                if reply.header.sequence_number == self.sequence
                    && let NetlinkPayload::Error(e) = reply.payload
                {
                    return match e.code {
                        None => Ok(()),
                        Some(code) => Err(failed(std::io::Error::from_raw_os_error(-code.get()))),
                    };
                }
                if len == 0 {
                    break;
                }
                offset += len;
            }
        }
    }

    /// The index of interface `name` in this namespace.
    pub fn index(name: &str) -> Result<u32, NetlinkError> {
        nix::net::if_::if_nametoindex(name).map_err(|_| NetlinkError::NoSuchLink(name.to_string()))
    }

    /// Create the bridge `name` with the hardware address `mac`. (Without one, a bridge
    /// takes the lowest of its ports', which changes as members come and go: the members'
    /// neighbour entries for the gateway then point nowhere until they expire, and what they
    /// send it is lost meanwhile.)
    pub fn add_bridge(&mut self, name: &str, mac: [u8; 6]) -> Result<(), NetlinkError> {
        let mut link = LinkMessage::default();
        link.attributes = vec![
            LinkAttribute::IfName(name.to_string()),
            LinkAttribute::Address(mac.to_vec()),
            LinkAttribute::LinkInfo(vec![LinkInfo::Kind(InfoKind::Bridge)]),
        ];
        self.request(
            &format!("create the bridge {name}"),
            RouteNetlinkMessage::NewLink(link),
            true,
        )
    }

    /// Create a veth pair: `name` here, `peer` in the namespace `peer_netns`.
    pub fn add_veth(
        &mut self,
        name: &str,
        peer: &str,
        peer_netns: BorrowedFd<'_>,
    ) -> Result<(), NetlinkError> {
        let mut peer_link = LinkMessage::default();
        peer_link.attributes = vec![
            LinkAttribute::IfName(peer.to_string()),
            LinkAttribute::NetNsFd(peer_netns.as_raw_fd()),
        ];
        let mut link = LinkMessage::default();
        link.attributes = vec![
            LinkAttribute::IfName(name.to_string()),
            LinkAttribute::LinkInfo(vec![
                LinkInfo::Kind(InfoKind::Veth),
                LinkInfo::Data(InfoData::Veth(InfoVeth::Peer(peer_link))),
            ]),
        ];
        self.request(
            &format!("create the veth pair {name}/{peer}"),
            RouteNetlinkMessage::NewLink(link),
            true,
        )
    }

    /// Put interface `name` up, on the bridge `controller` when given.
    pub fn set_up(&mut self, name: &str, controller: Option<&str>) -> Result<(), NetlinkError> {
        let mut link = LinkMessage::default();
        link.header.index = Self::index(name)?;
        link.header.flags = LinkFlags::Up;
        link.header.change_mask = LinkFlags::Up;
        if let Some(c) = controller {
            link.attributes = vec![LinkAttribute::Controller(Self::index(c)?)];
        }
        self.request(
            &format!("bring {name} up"),
            RouteNetlinkMessage::SetLink(link),
            false,
        )
    }

    /// Give interface `name` the hardware address `mac` and the MTU `mtu`, and put it up.
    pub fn configure_link(
        &mut self,
        name: &str,
        mac: [u8; 6],
        mtu: u32,
    ) -> Result<(), NetlinkError> {
        let mut link = LinkMessage::default();
        link.header.index = Self::index(name)?;
        link.header.flags = LinkFlags::Up;
        link.header.change_mask = LinkFlags::Up;
        link.attributes = vec![
            LinkAttribute::Address(mac.to_vec()),
            LinkAttribute::Mtu(mtu),
        ];
        self.request(
            &format!("set up {name}"),
            RouteNetlinkMessage::SetLink(link),
            false,
        )
    }

    /// Give interface `name` the address `ip/prefix`, usable at once (an IPv6 address skips
    /// duplicate address detection, which would hold it back for a second or more).
    pub fn add_address(&mut self, name: &str, ip: IpAddr, prefix: u8) -> Result<(), NetlinkError> {
        let mut addr = AddressMessage::default();
        addr.header.prefix_len = prefix;
        addr.header.index = Self::index(name)?;
        addr.attributes = vec![AddressAttribute::Address(ip)];
        match ip {
            IpAddr::V4(_) => {
                addr.header.family = netlink_packet_route::AddressFamily::Inet;
                addr.attributes.push(AddressAttribute::Local(ip));
            }
            IpAddr::V6(_) => {
                addr.header.family = netlink_packet_route::AddressFamily::Inet6;
                addr.attributes
                    .push(AddressAttribute::Flags(AddressFlags::Nodad));
            }
        }
        self.request(
            &format!("give {name} the address {ip}/{prefix}"),
            RouteNetlinkMessage::NewAddress(addr),
            true,
        )
    }

    /// Route everything not routed otherwise through `gateway` on interface `name`.
    pub fn add_default_route(&mut self, name: &str, gateway: IpAddr) -> Result<(), NetlinkError> {
        let mut route = RouteMessage::default();
        route.header.address_family = match gateway {
            IpAddr::V4(_) => netlink_packet_route::AddressFamily::Inet,
            IpAddr::V6(_) => netlink_packet_route::AddressFamily::Inet6,
        };
        route.header.table = RouteHeader::RT_TABLE_MAIN;
        route.header.protocol = RouteProtocol::Boot;
        route.header.scope = RouteScope::Universe;
        route.header.kind = RouteType::Unicast;
        route.attributes = vec![
            RouteAttribute::Gateway(gateway.into()),
            RouteAttribute::Oif(Self::index(name)?),
        ];
        self.request(
            &format!("route through {gateway} on {name}"),
            RouteNetlinkMessage::NewRoute(route),
            true,
        )
    }
}
