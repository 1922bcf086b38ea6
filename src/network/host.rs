//! What the host's network looks like, as pasta copies it into a container: the interface
//! of the default route, its IPv4 address and the gateway. (pasta gives the namespace the
//! same address and gateway, and connections to the gateway reach the host's loopback.)

use std::fs;
use std::net::Ipv4Addr;
use std::path::Path;

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
    }
}
