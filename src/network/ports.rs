//! Published ports: docker's `-p [IP:][HOSTPORT:]CPORT[/tcp|/udp]` (with ranges) and `-P`,
//! settled to host ports when the container starts, checked against the host (privileged
//! ports, ports in use), handed to pasta, and verified as bound by it.

use std::collections::HashSet;
use std::fmt;
use std::fs;
use std::net::{IpAddr, Ipv4Addr, TcpListener, UdpSocket};

use serde::{Deserialize, Serialize};

use super::NetworkError;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Proto {
    Tcp,
    Udp,
}

impl fmt::Display for Proto {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Proto::Tcp => "tcp",
            Proto::Udp => "udp",
        })
    }
}

impl std::str::FromStr for Proto {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s.to_ascii_lowercase().as_str() {
            "tcp" => Ok(Proto::Tcp),
            "udp" => Ok(Proto::Udp),
            other => Err(format!("unknown protocol {other:?} (tcp or udp)")),
        }
    }
}

/// One published port as asked for.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PortSpec {
    /// Where on the host (default: every address).
    pub host_ip: Option<IpAddr>,
    /// `None`: a free port, chosen when the container starts.
    pub host_port: Option<u16>,
    pub container_port: u16,
    pub proto: Proto,
}

/// One published port as bound.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PortBinding {
    pub host_ip: Option<IpAddr>,
    pub host_port: u16,
    pub container_port: u16,
    pub proto: Proto,
}

impl PortBinding {
    /// Its host side as docker prints it: `0.0.0.0:8080`, `[::1]:8080`.
    pub fn host_side(&self) -> String {
        match self.host_ip.unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED)) {
            IpAddr::V6(v6) => format!("[{v6}]:{}", self.host_port),
            v4 => format!("{v4}:{}", self.host_port),
        }
    }
}

impl fmt::Display for PortBinding {
    /// As `docker port` prints it: `80/tcp -> 0.0.0.0:8080`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}/{} -> {}",
            self.container_port,
            self.proto,
            self.host_side()
        )
    }
}

fn bad(value: &str, why: impl Into<String>) -> NetworkError {
    NetworkError::BadFlag {
        flag: "-p",
        value: value.to_string(),
        why: why.into(),
    }
}

/// `N` or `N-M`, as an inclusive range of ports (never port 0).
fn port_range(value: &str, part: &str) -> Result<(u16, u16), NetworkError> {
    let one = |s: &str| -> Result<u16, NetworkError> {
        match s.parse::<u16>() {
            Ok(0) | Err(_) => Err(bad(value, format!("{s:?} is not a port (1-65535)"))),
            Ok(p) => Ok(p),
        }
    };
    match part.split_once('-') {
        Some((a, b)) => {
            let (a, b) = (one(a)?, one(b)?);
            if a > b {
                return Err(bad(value, format!("the range {part} runs backwards")));
            }
            Ok((a, b))
        }
        None => one(part).map(|p| (p, p)),
    }
}

/// Parse one `-p` value into a spec per port.
pub fn parse(value: &str) -> Result<Vec<PortSpec>, NetworkError> {
    let (rest, proto) = match value.rsplit_once('/') {
        Some((r, p)) => (r, p.parse::<Proto>().map_err(|e| bad(value, e))?),
        None => (value, Proto::Tcp),
    };
    // An IPv6 address in brackets first, then the ports.
    let (ip, ports) = match rest.strip_prefix('[') {
        Some(r) => {
            let (ip, after) = r
                .split_once("]:")
                .ok_or_else(|| bad(value, "use [IPv6]:HOSTPORT:CPORT"))?;
            (Some(ip), after)
        }
        None => (None, rest),
    };
    let parts: Vec<&str> = ports.split(':').collect();
    let (ip, host, container) = match (ip, parts.as_slice()) {
        (None, [c]) => (None, None, *c),
        (None, [h, c]) => (None, Some(*h), *c),
        (None, [i, h, c]) => (Some(*i), Some(*h), *c),
        (Some(i), [h, c]) => (Some(i), Some(*h), *c),
        _ => return Err(bad(value, "use [IP:][HOSTPORT:]CONTAINERPORT[/tcp|/udp]")),
    };
    let host_ip = ip
        .map(|i| {
            i.parse::<IpAddr>()
                .map_err(|_| bad(value, format!("{i:?} is not an IP address")))
        })
        .transpose()?;
    let (c1, c2) = port_range(value, container)?;
    let host = match host {
        None | Some("") => None,
        Some(h) => Some(port_range(value, h)?),
    };
    if let Some((h1, h2)) = host
        && h2 - h1 != c2 - c1
    {
        return Err(bad(
            value,
            "the host and container ranges must be the same length",
        ));
    }
    Ok((c1..=c2)
        .map(|c| PortSpec {
            host_ip,
            host_port: host.map(|(h1, _)| h1 + (c - c1)),
            container_port: c,
            proto,
        })
        .collect())
}

/// The image's `ExposedPorts` keys (`80/tcp`, `53/udp`, `8080`).
pub fn parse_exposed(keys: &[String]) -> Vec<(u16, Proto)> {
    keys.iter()
        .filter_map(|k| {
            let (port, proto) = k.split_once('/').unwrap_or((k, "tcp"));
            Some((port.parse().ok()?, proto.parse().ok()?))
        })
        .collect()
}

/// The lowest port an ordinary user may bind.
fn unprivileged_start() -> u16 {
    fs::read_to_string("/proc/sys/net/ipv4/ip_unprivileged_port_start")
        .ok()
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or(1024)
}

/// Bind `port` (0: any) on the host, as pasta will; returns the port bound.
fn try_bind(ip: Option<IpAddr>, port: u16, proto: Proto) -> std::io::Result<u16> {
    let ip = ip.unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED));
    match proto {
        Proto::Tcp => TcpListener::bind((ip, port))?
            .local_addr()
            .map(|a| a.port()),
        Proto::Udp => UdpSocket::bind((ip, port))?.local_addr().map(|a| a.port()),
    }
}

/// Settle the ports to publish: the `-p` specs, and with `publish_all` every exposed port not
/// published already, on free host ports. Each host port is checked: not privileged, not in use.
pub fn settle(
    specs: &[PortSpec],
    publish_all: bool,
    exposed: &[(u16, Proto)],
) -> Result<Vec<PortBinding>, NetworkError> {
    let mut wanted: Vec<PortSpec> = specs.to_vec();
    if publish_all {
        for &(port, proto) in exposed {
            if !wanted
                .iter()
                .any(|s| s.container_port == port && s.proto == proto)
            {
                wanted.push(PortSpec {
                    host_ip: None,
                    host_port: None,
                    container_port: port,
                    proto,
                });
            }
        }
    }
    let limit = unprivileged_start();
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    for s in wanted {
        let host_port = match s.host_port {
            Some(p) => {
                if p < limit {
                    return Err(NetworkError::PrivilegedPort {
                        port: p,
                        limit,
                        suggest: 8000 + u32::from(p),
                        container: s.container_port,
                    });
                }
                if let Err(e) = try_bind(s.host_ip, p, s.proto) {
                    return Err(match e.kind() {
                        std::io::ErrorKind::AddrInUse => NetworkError::PortInUse {
                            port: p,
                            container: s.container_port,
                            proto: s.proto,
                        },
                        _ => NetworkError::Conflict(format!(
                            "cannot publish {} port {p} on the host: {e}",
                            s.proto
                        )),
                    });
                }
                p
            }
            None => try_bind(s.host_ip, 0, s.proto).map_err(NetworkError::NoFreePort)?,
        };
        if !seen.insert((s.host_ip, host_port, s.proto)) {
            return Err(NetworkError::Conflict(format!(
                "host {} port {host_port} is published twice",
                s.proto
            )));
        }
        out.push(PortBinding {
            host_ip: s.host_ip,
            host_port,
            container_port: s.container_port,
            proto: s.proto,
        });
    }
    Ok(out)
}

/// pasta's arguments for the bindings: `-t|-u [ADDR/]H1[-H2]:C1[-C2]`, runs of consecutive
/// ports folded into ranges.
pub fn pasta_args(bindings: &[PortBinding]) -> Vec<String> {
    let mut sorted: Vec<&PortBinding> = bindings.iter().collect();
    sorted.sort_by_key(|b| (b.proto, b.host_ip, b.host_port));
    let mut out = Vec::new();
    let mut i = 0;
    while i < sorted.len() {
        let first = sorted[i];
        let mut last = first;
        while let Some(next) = sorted.get(i + 1)
            && next.proto == first.proto
            && next.host_ip == first.host_ip
            && u32::from(next.host_port) == u32::from(last.host_port) + 1
            && u32::from(next.container_port) == u32::from(last.container_port) + 1
        {
            last = next;
            i += 1;
        }
        let span = |a: u16, b: u16| {
            if a == b {
                a.to_string()
            } else {
                format!("{a}-{b}")
            }
        };
        let addr = first.host_ip.map(|ip| format!("{ip}/")).unwrap_or_default();
        out.push(
            match first.proto {
                Proto::Tcp => "-t",
                Proto::Udp => "-u",
            }
            .to_string(),
        );
        out.push(format!(
            "{addr}{}:{}",
            span(first.host_port, last.host_port),
            span(first.container_port, last.container_port)
        ));
        i += 1;
    }
    out
}

/// Whether a socket of user `uid` is bound to `port` on the host (listening, for TCP) for
/// `ip`: an IPv4 address in the IPv4 table, an IPv6 one in the IPv6 table, every address in
/// either (pasta binds a dual-stack IPv6 socket where it can, else one per family).
fn bound_by(uid: u32, ip: Option<IpAddr>, port: u16, proto: Proto) -> bool {
    let (v4, v6, state) = match proto {
        Proto::Tcp => ("/proc/net/tcp", "/proc/net/tcp6", "0A"),
        Proto::Udp => ("/proc/net/udp", "/proc/net/udp6", "07"),
    };
    let tables: &[&str] = match ip {
        Some(IpAddr::V4(_)) => &[v4],
        Some(IpAddr::V6(_)) => &[v6],
        None => &[v4, v6],
    };
    tables.iter().any(|file| {
        fs::read_to_string(file)
            .unwrap_or_default()
            .lines()
            .skip(1)
            .any(|line| {
                let cols: Vec<&str> = line.split_whitespace().collect();
                let local_port = cols
                    .get(1)
                    .and_then(|l| l.rsplit_once(':'))
                    .and_then(|(_, p)| u16::from_str_radix(p, 16).ok());
                local_port == Some(port)
                    && cols.get(3) == Some(&state)
                    && cols.get(7).and_then(|u| u.parse::<u32>().ok()) == Some(uid)
            })
    })
}

/// Check that every published port is bound by us now. pasta goes on silently when it can
/// bind a port in one address family but not the other, and its descriptors are closed to
/// others; the caller holds the store's port lock from [`settle`] to here, so no other
/// container of ours can have taken a port meanwhile, and our socket there is pasta's.
pub fn verify_bound(bindings: &[PortBinding]) -> Result<(), NetworkError> {
    let uid = nix::unistd::getuid().as_raw();
    for b in bindings {
        if !bound_by(uid, b.host_ip, b.host_port, b.proto) {
            return Err(NetworkError::PortInUse {
                port: b.host_port,
                container: b.container_port,
                proto: b.proto,
            });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(s: &str) -> PortSpec {
        let mut v = parse(s).unwrap();
        assert_eq!(v.len(), 1, "{s}");
        v.remove(0)
    }

    #[test]
    fn docker_port_syntax() {
        assert_eq!(
            one("8080:80"),
            PortSpec {
                host_ip: None,
                host_port: Some(8080),
                container_port: 80,
                proto: Proto::Tcp
            }
        );
        let s = one("127.0.0.1:5353:53/udp");
        assert_eq!(s.host_ip, Some("127.0.0.1".parse().unwrap()));
        assert_eq!((s.host_port, s.proto), (Some(5353), Proto::Udp));
        assert_eq!(one("80").host_port, None);
        assert_eq!(one("127.0.0.1::80").host_port, None);
        let s = one("[::1]:8443:443");
        assert_eq!(s.host_ip, Some("::1".parse().unwrap()));
        let r = parse("8000-8002:80-82").unwrap();
        assert_eq!(r.len(), 3);
        assert_eq!((r[2].host_port, r[2].container_port), (Some(8002), 82));
        assert_eq!(parse("9000-9001").unwrap().len(), 2);
        for bad_spec in [
            "0:80",
            "8080:99999",
            "8000-8002:80",
            "82-80",
            "a:b",
            "1:2:3:4",
            "80/sctp",
            "nope:80:80",
        ] {
            assert!(parse(bad_spec).is_err(), "{bad_spec}");
        }
        assert_eq!(
            parse_exposed(&["80/tcp".into(), "53/udp".into(), "8080".into(), "x".into()]),
            vec![(80, Proto::Tcp), (53, Proto::Udp), (8080, Proto::Tcp)]
        );
    }

    #[test]
    fn pasta_gets_folded_ranges() {
        let b = |h: u16, c: u16, proto| PortBinding {
            host_ip: None,
            host_port: h,
            container_port: c,
            proto,
        };
        let args = pasta_args(&[
            b(8002, 82, Proto::Tcp),
            b(8000, 80, Proto::Tcp),
            b(8001, 81, Proto::Tcp),
            b(9000, 22, Proto::Tcp),
            b(5353, 53, Proto::Udp),
        ]);
        assert_eq!(
            args,
            ["-t", "8000-8002:80-82", "-t", "9000:22", "-u", "5353:53"]
        );
        let local = PortBinding {
            host_ip: Some("127.0.0.1".parse().unwrap()),
            ..b(8080, 80, Proto::Tcp)
        };
        assert_eq!(
            pasta_args(std::slice::from_ref(&local)),
            ["-t", "127.0.0.1/8080:80"]
        );
        assert_eq!(local.to_string(), "80/tcp -> 127.0.0.1:8080");
    }

    #[test]
    fn settling_checks_the_host() {
        let taken = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = taken.local_addr().unwrap().port();
        let spec = |p| PortSpec {
            host_ip: Some("127.0.0.1".parse().unwrap()),
            host_port: p,
            container_port: 80,
            proto: Proto::Tcp,
        };
        assert!(matches!(
            settle(&[spec(Some(port))], false, &[]),
            Err(NetworkError::PortInUse { .. })
        ));
        if unprivileged_start() > 1 {
            assert!(matches!(
                settle(&[spec(Some(1))], false, &[]),
                Err(NetworkError::PrivilegedPort { .. })
            ));
        }
        let got = settle(&[spec(None)], true, &[(80, Proto::Tcp), (53, Proto::Udp)]).unwrap();
        assert_eq!(got.len(), 2, "80/tcp is published already; 53/udp is added");
        assert!(got.iter().all(|b| b.host_port >= 1024));
    }
}
