//! What the host's network looks like, as pasta copies it into a container: the interface
//! of the default route, its IPv4 address and the gateway. (pasta gives the namespace the
//! same address and gateway, and connections to the gateway reach the host's loopback.)

use std::fs;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::os::fd::OwnedFd;
use std::path::Path;

use super::netlink::Netlink;

/// The host's IPv4 default route.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HostRoute {
    pub interface: String,
    pub address: Ipv4Addr,
    pub gateway: Ipv4Addr,
}

/// The first IPv4 default route in `/proc/net/route` format.
fn parse_default_route(table: &str) -> Option<(String, Ipv4Addr)> {
    table.lines().skip(1).find_map(|line| {
        let cols: Vec<&str> = line.split_whitespace().collect();
        if cols.get(1) != Some(&"00000000") || cols.get(7) != Some(&"00000000") {
            return None;
        }
        // The gateway is in the kernel's byte order (little-endian on x86 and arm).
        let raw = u32::from_str_radix(cols.get(2)?, 16).ok()?;
        Some((cols[0].to_string(), Ipv4Addr::from(raw.to_le_bytes())))
    })
}

/// The host's default route now, if it has one.
pub fn default_route() -> Option<HostRoute> {
    let (interface, gateway) = parse_default_route(&fs::read_to_string("/proc/net/route").ok()?)?;
    let address = nix::ifaddrs::getifaddrs().ok()?.find_map(|a| {
        if a.interface_name != interface {
            return None;
        }
        let sin = a.address?;
        Some(sin.as_sockaddr_in()?.ip())
    })?;
    Some(HostRoute {
        interface,
        address,
        gateway,
    })
}

/// Is there an IPv6 default route (not a reject route, not on loopback) in
/// `/proc/net/ipv6_route` format?
fn has_default_route6(table: &str) -> bool {
    const REJECT: u32 = 0x0200;
    table.lines().any(|line| {
        let cols: Vec<&str> = line.split_whitespace().collect();
        let flags = cols
            .get(8)
            .and_then(|f| u32::from_str_radix(f, 16).ok())
            .unwrap_or(REJECT);
        cols.len() >= 10
            && cols[0].bytes().all(|b| b == b'0')
            && cols[1] == "00"
            && flags & REJECT == 0
            && cols[9] != "lo"
    })
}

/// The first IPv6 default route in `/proc/net/ipv6_route` format: its interface and gateway.
fn parse_default_route6(table: &str) -> Option<(String, Ipv6Addr)> {
    table.lines().find_map(|line| {
        let cols: Vec<&str> = line.split_whitespace().collect();
        if !has_default_route6(line) {
            return None;
        }
        let gateway = u128::from_str_radix(cols[4], 16).ok()?;
        Some((cols[9].to_string(), Ipv6Addr::from(gateway)))
    })
}

/// One address family of a container's pasta interface.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Addressing {
    pub address: IpAddr,
    pub prefix: u8,
    pub gateway: IpAddr,
}

/// The interface through which a container reaches pasta, set up by nook before pasta
/// starts, so that the container's program can send from its first instruction: what it
/// sends waits in the interface's queue until pasta reads it. It copies the host as pasta
/// would (the address and prefix of the default route's interface, the gateway; /64 for
/// IPv6), and pasta is told the same ([`TapConfig::pasta_args`]).
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct TapConfig {
    pub mac: [u8; 6],
    pub v4: Option<Addressing>,
    pub v6: Option<Addressing>,
}

/// The interface's name in the container.
pub const TAP_NAME: &str = "eth0";
/// pasta's own MTU for its interface.
const TAP_MTU: u32 = 65520;
/// A locally administered address ("nk"): each container has its own link to pasta alone.
const TAP_MAC: [u8; 6] = [0x02, 0x6e, 0x6b, 0x00, 0x00, 0x02];

impl TapConfig {
    /// The host's network as a container gets it, or `None` when the host has no default
    /// route with an address on its interface (pasta then sets up nothing either).
    pub fn from_host() -> Option<TapConfig> {
        let addrs: Vec<_> = nix::ifaddrs::getifaddrs().ok()?.collect();
        let on = |interface: &str, want_v6: bool| {
            addrs.iter().find_map(|a| {
                if a.interface_name != interface {
                    return None;
                }
                let (address, prefix) = match (a.address?, a.netmask?) {
                    (addr, mask) if !want_v6 => {
                        let ip = addr.as_sockaddr_in()?.ip();
                        (
                            IpAddr::V4(ip),
                            mask.as_sockaddr_in()?.ip().to_bits().leading_ones(),
                        )
                    }
                    (addr, _) => {
                        let ip = addr.as_sockaddr_in6()?.ip();
                        // Not link-local (fe80::/10): the container has its own.
                        if ip.segments()[0] & 0xffc0 == 0xfe80 {
                            return None;
                        }
                        (IpAddr::V6(ip), 64)
                    }
                };
                Some((address, prefix as u8))
            })
        };
        let side = |route: Option<(String, IpAddr)>, v6: bool| {
            let (interface, gateway) = route?;
            let (address, prefix) = on(&interface, v6)?;
            Some(Addressing {
                address,
                prefix,
                gateway,
            })
        };
        let read = |table: &str| fs::read_to_string(Path::new("/proc/net").join(table)).ok();
        let v4 = side(
            read("route")
                .and_then(|t| parse_default_route(&t))
                .map(|(i, g)| (i, g.into())),
            false,
        );
        let v6 = side(
            read("ipv6_route")
                .and_then(|t| parse_default_route6(&t))
                .map(|(i, g)| (i, g.into())),
            true,
        );
        (v4.is_some() || v6.is_some()).then_some(TapConfig {
            mac: TAP_MAC,
            v4,
            v6,
        })
    }

    /// In the container's network namespace (with the capability to administer it): create
    /// the interface, address it, route through it, and return its queue, for pasta.
    pub fn create(&self) -> Result<OwnedFd, String> {
        let tap = crate::sys::open_tap(TAP_NAME)
            .map_err(|e| format!("cannot create the network interface {TAP_NAME}: {e}"))?;
        let mut nl = Netlink::open().map_err(|e| e.to_string())?;
        nl.configure_link(TAP_NAME, self.mac, TAP_MTU)
            .map_err(|e| e.to_string())?;
        for a in self.v4.iter().chain(&self.v6) {
            nl.add_address(TAP_NAME, a.address, a.prefix)
                .map_err(|e| e.to_string())?;
            nl.add_default_route(TAP_NAME, a.gateway)
                .map_err(|e| e.to_string())?;
        }
        Ok(tap)
    }

    /// What tells pasta the interface's addresses and hardware address (instead of
    /// `--config-net`, which would have pasta set it up).
    pub fn pasta_args(&self) -> Vec<String> {
        let mac = self.mac.map(|b| format!("{b:02x}")).join(":");
        let mut args = vec!["--ns-mac-addr".to_string(), mac];
        for a in self.v4.iter().chain(&self.v6) {
            args.extend(["-a".to_string(), a.address.to_string()]);
            args.extend(["-g".to_string(), a.gateway.to_string()]);
        }
        if let Some(a) = &self.v4 {
            args.extend(["-n".to_string(), a.prefix.to_string()]);
        }
        args
    }
}

/// Which default routes (IPv4, IPv6) the network namespace whose `/proc/.../net` directory
/// is `net` has: `/proc/net` for ours, `/proc/PID/net` for a container's.
pub fn default_routes(net: &Path) -> (bool, bool) {
    let v4 = fs::read_to_string(net.join("route"))
        .ok()
        .and_then(|t| parse_default_route(&t))
        .is_some();
    let v6 = fs::read_to_string(net.join("ipv6_route")).is_ok_and(|t| has_default_route6(&t));
    (v4, v6)
}

/// Has the host no interface with a default route, IPv4 or IPv6 (a laptop offline, a VM
/// without a network card)? pasta then has no interface to copy and cannot start.
pub fn offline() -> bool {
    default_routes(Path::new("/proc/net")) == (false, false)
}

/// IPv4 networks the host routes (destination and prefix length), to keep user networks
/// clear of them.
pub fn routed_networks() -> Vec<(Ipv4Addr, u8)> {
    fs::read_to_string("/proc/net/route")
        .unwrap_or_default()
        .lines()
        .skip(1)
        .filter_map(|line| {
            let cols: Vec<&str> = line.split_whitespace().collect();
            let dest = u32::from_str_radix(cols.get(1)?, 16).ok()?;
            let mask = u32::from_str_radix(cols.get(7)?, 16).ok()?;
            (mask != 0).then(|| {
                (
                    Ipv4Addr::from(dest.to_le_bytes()),
                    u32::from_le_bytes(mask.to_be_bytes()).leading_ones() as u8,
                )
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const TABLE: &str = "Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT\n\
        eth0\t00000000\t010200C0\t0003\t0\t0\t0\t00000000\t0\t0\t0\n\
        eth0\t000200C0\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0\n";

    #[test]
    fn reads_the_route_table() {
        assert_eq!(
            parse_default_route(TABLE),
            Some(("eth0".to_string(), Ipv4Addr::new(192, 0, 2, 1)))
        );
        assert_eq!(parse_default_route("Iface\tDestination\n"), None);
    }

    #[test]
    fn reads_the_ipv6_route_table() {
        let zero = "00000000000000000000000000000000";
        let row = |flags: &str, iface: &str| {
            format!(
                "{zero} 00 {zero} 00 fd000000000000000000000000000001 00000400 00000003 00000000 {flags} {iface}\n"
            )
        };
        assert!(has_default_route6(&row("00000003", "eth0")));
        // The kernel's own unreachable route on loopback, in a namespace with nothing else.
        assert!(!has_default_route6(&row("00200200", "lo")));
        assert!(!has_default_route6(&row("00000003", "lo")));
        assert!(!has_default_route6(""));
        assert_eq!(
            parse_default_route6(&(row("00200200", "lo") + &row("00000003", "eth0"))),
            Some(("eth0".to_string(), "fd00::1".parse().unwrap()))
        );
        assert_eq!(parse_default_route6(&row("00200200", "lo")), None);
    }

    #[test]
    fn pasta_is_told_what_the_interface_has() {
        let tap = TapConfig {
            mac: TAP_MAC,
            v4: Some(Addressing {
                address: "192.0.2.2".parse().unwrap(),
                prefix: 24,
                gateway: "192.0.2.1".parse().unwrap(),
            }),
            v6: Some(Addressing {
                address: "fd00::2".parse().unwrap(),
                prefix: 64,
                gateway: "fd00::1".parse().unwrap(),
            }),
        };
        assert_eq!(
            tap.pasta_args().join(" "),
            "--ns-mac-addr 02:6e:6b:00:00:02 -a 192.0.2.2 -g 192.0.2.1 -a fd00::2 -g fd00::1 -n 24"
        );
    }
}
