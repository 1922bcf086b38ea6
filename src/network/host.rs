//! What the host's network looks like, as pasta copies it into a container: the interface
//! of the default route, its IPv4 address and the gateway. (pasta gives the namespace the
//! same address and gateway, and connections to the gateway reach the host's loopback.)

use std::fs;
use std::net::Ipv4Addr;

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
}
